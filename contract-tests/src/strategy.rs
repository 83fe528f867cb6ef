//! Strategies derived at run time from the document's draft-4 schemas and parameters, and the
//! schema mutations that make negative data.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Map, Value, json};

/// Deepest schema nesting followed; a recursive schema stops here (an optional property is then
/// left out, a required one becomes a string, which the re-validation of negatives tolerates).
const MAX_DEPTH: usize = 8;
/// Upper bound used when a schema gives none.
const DEFAULT_MAX_LENGTH: usize = 64;
const DEFAULT_MAX_ITEMS: usize = 6;

/// Follow `$ref`s (`#/definitions/X` or any local pointer) inside a self-contained model schema.
pub fn resolve<'a>(schema: &'a Value, root: &'a Value) -> &'a Value {
    let mut current = schema;
    for _ in 0..32 {
        match current.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| root.pointer(p)) {
                Some(next) => current = next,
                None => return current,
            },
            None => return current,
        }
    }
    current
}

fn usize_of(schema: &Value, key: &str) -> Option<usize> {
    schema
        .get(key)
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
}

fn type_of(schema: &Value) -> Option<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(Value::Array(ts)) => ts.iter().find_map(Value::as_str),
        _ => None,
    }
}

/// Characters that break JSON, URLs, shells and templates, mixed with plain letters.
fn stress_char() -> BoxedStrategy<char> {
    prop_oneof![
        4 => proptest::char::range('a', 'z'),
        3 => select(vec![
            '"', '\\', '\'', '%', '+', '/', ' ', '$', '#', '&', '?', '=', '.', '{', '}', '[',
            ']', ':', ',', '!', '*', '(', ')', ';', '@', '`', '~', '<', '>', '|',
        ]),
        1 => proptest::char::range('\u{0}', '\u{1f}'),
        1 => select(vec![
            '\u{7f}', '\u{a0}', 'é', 'ß', '中', '\u{2028}', '\u{feff}', '😀', '🎸', '𝄞',
        ]),
    ]
    .boxed()
}

/// A string of `min..=max` characters (code points, as draft 4 counts them): short ones half of
/// the time, any length up to `max` the rest. Each branch is one `vec` whose length shrinks down
/// to `min`, so a failing 256-character value shrinks to the one character that matters (a
/// branch of fixed length could not shrink at all).
pub fn string(min: usize, max: usize) -> BoxedStrategy<String> {
    let max = max.max(min);
    let short = max.min(min + 8);
    prop_oneof![
        proptest::collection::vec(stress_char(), min..=short),
        proptest::collection::vec(stress_char(), min..=max),
    ]
    .prop_map(|cs| cs.into_iter().collect())
    .boxed()
}

/// The schema's `pattern` as a draft-4 check of a string: the same `jsonschema` validator the
/// gateway uses (ECMA-262 regex semantics, where e.g. U+FEFF is whitespace), so "matches" means
/// the same here and there. `None` when absent or not compilable: validation then decides.
fn pattern_of(schema: &Value) -> Option<Pattern> {
    let p = schema.get("pattern")?.as_str()?;
    jsonschema::draft4::new(&json!({"type": "string", "pattern": p}))
        .ok()
        .map(|v| Pattern(std::sync::Arc::new(v)))
}

#[derive(Clone)]
struct Pattern(std::sync::Arc<jsonschema::Validator>);

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pattern")
    }
}

impl Pattern {
    fn is_match(&self, s: &str) -> bool {
        self.0.is_valid(&Value::String(s.to_string()))
    }
}

/// Any value that validates against `schema` (resolved against `root`).
pub fn valid(schema: &Value, root: &Value) -> BoxedStrategy<Value> {
    valid_at(schema, root, 0)
}

fn valid_at(schema: &Value, root: &Value, depth: usize) -> BoxedStrategy<Value> {
    let schema = resolve(schema, root);
    if let Some(Value::Array(values)) = schema.get("enum")
        && !values.is_empty()
    {
        return select(values.clone()).boxed();
    }
    match type_of(schema) {
        Some("string") => {
            let min = usize_of(schema, "minLength").unwrap_or(0);
            let max = usize_of(schema, "maxLength").unwrap_or(DEFAULT_MAX_LENGTH.max(min));
            match pattern_of(schema) {
                // JSON Schema's `pattern` is an unanchored search; keep the candidates it accepts
                // (the project's patterns, like `\S`, reject few, so filtering stays cheap).
                Some(re) => string(min, max)
                    .prop_filter("matches the schema's pattern", move |s| re.is_match(s))
                    .prop_map(Value::String)
                    .boxed(),
                None => string(min, max).prop_map(Value::String).boxed(),
            }
        }
        Some("integer") => {
            let min = schema
                .get("minimum")
                .and_then(Value::as_i64)
                .unwrap_or(-1000);
            let max = schema
                .get("maximum")
                .and_then(Value::as_i64)
                .unwrap_or(min.saturating_add(2000));
            prop_oneof![Just(min), Just(max), min..=max]
                .prop_map(|n| json!(n))
                .boxed()
        }
        Some("number") => (-1.0e6f64..1.0e6).prop_map(|n| json!(n)).boxed(),
        Some("boolean") => any::<bool>().prop_map(Value::Bool).boxed(),
        Some("null") => Just(Value::Null).boxed(),
        Some("array") => {
            let min = usize_of(schema, "minItems").unwrap_or(0);
            let max = usize_of(schema, "maxItems").unwrap_or(DEFAULT_MAX_ITEMS.max(min));
            if depth >= MAX_DEPTH {
                return Just(Value::Array(Vec::new())).boxed();
            }
            let items = schema.get("items").cloned().unwrap_or(json!({}));
            let item = valid_at(&items, root, depth + 1);
            // Every allowed size, small ones weighted so a case stays fast; each branch shrinks
            // down to `min` items (see `string`).
            let short = max.min(min + 4);
            prop_oneof![
                3 => proptest::collection::vec(item.clone(), min..=short),
                1 => proptest::collection::vec(item, min..=max),
            ]
            .prop_map(Value::Array)
            .boxed()
        }
        Some("object") => object(schema, root, depth),
        _ => string(0, 16).prop_map(Value::String).boxed(),
    }
}

fn object(schema: &Value, root: &Value, depth: usize) -> BoxedStrategy<Value> {
    let required: Vec<String> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let empty = Map::new();
    let props = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
    for (name, sub) in props {
        let name = name.clone();
        let is_required = required.contains(&name);
        if depth >= MAX_DEPTH {
            if is_required {
                fields.push(Just(Some((name, Value::String("x".into())))).boxed());
            }
            continue;
        }
        let value = valid_at(sub, root, depth + 1);
        if is_required {
            fields.push(value.prop_map(move |v| Some((name.clone(), v))).boxed());
        } else {
            // Optional: present and absent equally often.
            fields.push(
                proptest::option::weighted(0.5, value)
                    .prop_map(move |v| v.map(|v| (name.clone(), v)))
                    .boxed(),
            );
        }
    }
    // A required property the schema does not describe still has to be there.
    for name in required.iter().filter(|r| !props.contains_key(*r)) {
        let name = name.clone();
        fields.push(
            string(1, 8)
                .prop_map(move |s| Some((name.clone(), Value::String(s))))
                .boxed(),
        );
    }
    fields
        .prop_map(|entries| Value::Object(entries.into_iter().flatten().collect()))
        .boxed()
}

/// One way to break a value: replace what is at `pointer` (a JSON pointer into the value) with
/// `replacement`. Sites are listed without copying the value, which can be large (100 tracks of
/// 256 characters); only the chosen one is applied.
#[derive(Debug, Clone)]
pub struct Mutation {
    /// What was broken, for the failure message (`/tracks/0: required property "title" removed`).
    pub description: String,
    pub pointer: String,
    pub replacement: Value,
}

impl Mutation {
    /// The value with this mutation applied.
    pub fn apply(&self, value: &Value) -> Value {
        let mut out = value.clone();
        if self.pointer.is_empty() {
            return self.replacement.clone();
        }
        if let Some(slot) = out.pointer_mut(&self.pointer) {
            *slot = self.replacement.clone();
        }
        out
    }
}

/// Every single-site mutation of `value` (valid against `schema`) that the schema says is
/// invalid: a required property removed, a wrong JSON type, an empty string under `minLength`, a
/// string over `maxLength`, an extra property under `additionalProperties: false`, an array over
/// `maxItems`, a number outside `minimum`/`maximum`. Whether the result really is invalid is
/// checked again by the property (with the schema), so an imprecise mutation is only a rejected
/// case, never a false alarm.
pub fn mutations(schema: &Value, root: &Value, value: &Value) -> Vec<Mutation> {
    let mut out = Vec::new();
    walk(schema, root, value, "", &mut out, 0);
    out
}

fn wrong_types(schema: &Value) -> Vec<Value> {
    let candidates = [
        ("string", json!("not-the-type")),
        ("integer", json!(7)),
        ("number", json!(1.5)),
        ("boolean", json!(true)),
        ("null", Value::Null),
        ("object", json!({})),
        ("array", json!([])),
    ];
    let ty = type_of(schema);
    candidates
        .into_iter()
        .filter(|(t, _)| match ty {
            Some("number") => *t != "number" && *t != "integer",
            Some(ty) => *t != ty,
            None => false,
        })
        .map(|(_, v)| v)
        .collect()
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn walk(
    schema: &Value,
    root: &Value,
    value: &Value,
    at: &str,
    out: &mut Vec<Mutation>,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    let schema = resolve(schema, root);
    let here = if at.is_empty() { "body" } else { at };
    let mut push = |description: String, replacement: Value| {
        out.push(Mutation {
            description,
            pointer: at.to_string(),
            replacement,
        })
    };
    for wrong in wrong_types(schema) {
        push(format!("{here}: wrong type ({wrong})"), wrong);
    }
    match value {
        Value::String(s) => {
            if usize_of(schema, "minLength").is_some_and(|m| m > 0) {
                push(format!("{here}: empty string under minLength"), json!(""));
            }
            if let Some(re) = pattern_of(schema) {
                let min = usize_of(schema, "minLength").unwrap_or(0);
                let max = usize_of(schema, "maxLength").unwrap_or(usize::MAX);
                // A value of allowed length that the pattern refuses (for `\S`: only blanks).
                let candidate = [" ", "\t", "  ", "-", "0"]
                    .iter()
                    .map(|c| c.repeat(min.max(1)))
                    .find(|c| {
                        let n = c.chars().count();
                        n >= min && n <= max && !re.is_match(c)
                    });
                if let Some(c) = candidate {
                    push(
                        format!("{here}: {c:?} does not match pattern"),
                        Value::String(c),
                    );
                }
            }
            if let Some(max) = usize_of(schema, "maxLength") {
                let long: String = s
                    .chars()
                    .chain(std::iter::repeat('x'))
                    .take(max + 1)
                    .collect();
                push(
                    format!("{here}: {} characters over maxLength {max}", max + 1),
                    Value::String(long),
                );
            }
        }
        Value::Number(_) => {
            if let Some(min) = schema.get("minimum").and_then(Value::as_i64) {
                push(
                    format!("{here}: below minimum {min}"),
                    json!(min.saturating_sub(1)),
                );
            }
            if let Some(max) = schema.get("maximum").and_then(Value::as_i64) {
                push(
                    format!("{here}: above maximum {max}"),
                    json!(max.saturating_add(1)),
                );
            }
        }
        Value::Array(items) => {
            if let (Some(max), Some(first)) = (usize_of(schema, "maxItems"), items.first()) {
                let mut longer = items.clone();
                while longer.len() <= max {
                    longer.push(first.clone());
                }
                push(
                    format!("{here}: {} items over maxItems {max}", longer.len()),
                    Value::Array(longer),
                );
            }
            let item_schema = schema.get("items").cloned().unwrap_or(json!({}));
            for (i, item) in items.iter().enumerate() {
                walk(
                    &item_schema,
                    root,
                    item,
                    &format!("{at}/{i}"),
                    out,
                    depth + 1,
                );
            }
        }
        Value::Object(fields) => {
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            for name in required {
                if fields.contains_key(name) {
                    let mut o = fields.clone();
                    o.shift_remove(name);
                    push(
                        format!("{here}: required property {name:?} removed"),
                        Value::Object(o),
                    );
                }
            }
            if schema.get("additionalProperties") == Some(&Value::Bool(false)) {
                let mut o = fields.clone();
                o.insert("unexpectedProperty".into(), json!("x"));
                push(
                    format!("{here}: extra property under additionalProperties false"),
                    Value::Object(o),
                );
            }
            let empty = Map::new();
            let props = schema
                .get("properties")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            for (name, field) in fields {
                let Some(sub) = props.get(name) else { continue };
                walk(
                    sub,
                    root,
                    field,
                    &format!("{at}/{}", escape(name)),
                    out,
                    depth + 1,
                );
            }
        }
        _ => {}
    }
}

/// A parameter value as the schema sees it: query, path and header values are strings on the
/// wire, so an `integer` parameter is the string parsed as a JSON number (a string that is not a
/// number stays a string, and fails `type: integer`).
pub fn coerce(text: &str, schema: &Value) -> Value {
    match type_of(schema) {
        // Exactly a JSON number or boolean: " 1" is not the integer 1 on the wire.
        Some("integer") | Some("number") | Some("boolean") => serde_json::from_str::<Value>(text)
            .ok()
            .filter(|v| (v.is_number() || v.is_boolean()) && text.trim() == text)
            .unwrap_or_else(|| Value::String(text.to_string())),
        _ => Value::String(text.to_string()),
    }
}

/// Valid values of a parameter, as wire text.
pub fn param_value(schema: &Value) -> BoxedStrategy<String> {
    valid(schema, schema)
        .prop_map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        })
        .boxed()
}

/// Invalid wire texts for a parameter (each is re-checked with [`coerce`] and the schema).
/// Never empty: an empty query value reads as an absent parameter, which is valid when the
/// parameter is optional (API Gateway's `$input.params` gives "" for both).
pub fn param_invalid(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match type_of(schema) {
        Some("integer") | Some("number") => {
            out.extend(["abc", "1.5", "1e3", " 1", "0x10", "-"].map(str::to_string));
            if let Some(min) = schema.get("minimum").and_then(Value::as_i64) {
                out.push(min.saturating_sub(1).to_string());
            }
            if let Some(max) = schema.get("maximum").and_then(Value::as_i64) {
                out.push(max.saturating_add(1).to_string());
            }
        }
        Some("boolean") => out.extend(["yes", "1", "TRUE"].map(str::to_string)),
        _ => {
            if let Some(max) = usize_of(schema, "maxLength") {
                out.push("x".repeat(max + 1));
            }
            if let Some(Value::Array(values)) = schema.get("enum") {
                let mut s = String::from("not-");
                for v in values.iter().filter_map(Value::as_str) {
                    s.push_str(v);
                }
                out.push(s);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::test_runner::TestRunner;

    fn album() -> Value {
        json!({
            "type": "object", "required": ["artist", "album"], "additionalProperties": false,
            "properties": {
                "artist": {"type": "string", "minLength": 1, "maxLength": 256},
                "album": {"type": "string", "minLength": 1, "maxLength": 256},
                "tracks": {"type": "array", "maxItems": 100, "items": {"$ref": "#/definitions/Track"}}
            },
            "definitions": {"Track": {
                "type": "object", "required": ["title"], "additionalProperties": false,
                "properties": {
                    "title": {"type": "string", "minLength": 1, "maxLength": 256},
                    "length": {"type": "string", "minLength": 1, "maxLength": 32}
                }
            }}
        })
    }

    #[test]
    fn generated_values_validate_and_every_mutation_breaks_them() {
        let schema = album();
        let validator = jsonschema::draft4::new(&schema).expect("compiles");
        let mut runner = TestRunner::deterministic();
        let strategy = valid(&schema, &schema);
        let mut kinds = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let v = strategy.new_tree(&mut runner).expect("generates").current();
            assert!(validator.is_valid(&v), "generated an invalid value: {v}");
            for m in mutations(&schema, &schema, &v) {
                let broken = m.apply(&v);
                assert!(
                    !validator.is_valid(&broken),
                    "mutation {} left {broken} valid",
                    m.description
                );
                kinds.insert(m.description.split(": ").nth(1).unwrap_or("").to_string());
            }
        }
        for kind in [
            "empty string under minLength",
            "extra property under additionalProperties false",
            "required property \"artist\" removed",
        ] {
            assert!(kinds.contains(kind), "no {kind:?} mutation in {kinds:?}");
        }
    }

    #[test]
    fn strings_reach_both_bounds_and_stress_characters() {
        let mut runner = TestRunner::deterministic();
        let s = string(1, 256);
        let (mut shortest, mut longest, mut stressed) = (usize::MAX, 0, false);
        for _ in 0..500 {
            let v = s.new_tree(&mut runner).expect("generates").current();
            let n = v.chars().count();
            assert!((1..=256).contains(&n), "length {n}");
            shortest = shortest.min(n);
            longest = longest.max(n);
            stressed |= v.contains(['"', '\\']) && v.chars().any(|c| c > '\u{ffff}');
        }
        assert_eq!(shortest, 1);
        assert!(longest > 240, "longest {longest}");
        assert!(
            stressed,
            "never a quote, a backslash and a non-BMP character together"
        );
    }

    #[test]
    fn parameter_values_are_coerced_as_on_the_wire() {
        let limit = json!({"type": "integer", "minimum": 1, "maximum": 1000});
        let validator = jsonschema::draft4::new(&limit).expect("compiles");
        assert!(validator.is_valid(&coerce("5", &limit)));
        for bad in param_invalid(&limit) {
            assert!(
                !validator.is_valid(&coerce(&bad, &limit)),
                "{bad:?} is valid"
            );
        }
    }
}
