//! Invalid variants of a valid value, one site and one keyword at a time.

use serde_json::{Map, Value, json};

use super::{
    Check, MINIMAL_BUDGET, json_eq, merge, minimal, number, required_of, resolve, text, types_of,
    usize_of, without,
};

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

/// Every single-site mutation of `value` (valid against `schema`) that the gateway's validator
/// refuses: a wrong JSON type, a number just outside `minimum`/`maximum` (exclusive ones
/// included) or not a `multipleOf`, a string too short, too long, breaking its `pattern` or
/// `format`, a value not in `enum`, a required property removed, an extra property under
/// `additionalProperties: false` or breaking its schema, too few or too many items or
/// properties, a duplicate under `uniqueItems`, one `allOf` branch broken, every `anyOf` branch
/// broken, no or two `oneOf` branches matched, the `not` schema matched.
///
/// Each is checked before it is returned (a candidate the validator accepts, such as a string
/// that happens to match its pattern, is left out), so every mutation returned is invalid; with
/// a schema the gateway cannot compile, none is. A mutation under no combinator is checked at its
/// site (its subschema refuses the replacement, so the whole value is refused); one under
/// `anyOf`/`oneOf`/`not` is applied and the whole value checked.
pub fn mutations(schema: &Value, root: &Value, value: &Value) -> Vec<Mutation> {
    let Some(whole) = Check::of(schema, root) else {
        return Vec::new();
    };
    let mut w = Walk {
        root,
        out: Vec::new(),
    };
    w.walk(schema, value, "", true, MAX_WALK);
    let mut kept: Vec<Mutation> = Vec::new();
    for c in w.out {
        let refused = match &c.site {
            Some(site) => !site.is_valid(&c.mutation.replacement),
            None => !whole.is_valid(&c.mutation.apply(value)),
        };
        let duplicate = kept
            .iter()
            .any(|k| k.pointer == c.mutation.pointer && k.replacement == c.mutation.replacement);
        if refused && !duplicate {
            kept.push(c.mutation);
        }
    }
    kept
}

/// Nesting (and references) followed into a value.
const MAX_WALK: usize = 16;
/// Items and members whose mutations are listed, per array or object: enough to reach every
/// kind of site, few enough that a 100-item array does not give thousands.
const MAX_CHILDREN: usize = 8;

struct Candidate {
    mutation: Mutation,
    /// The validator of the site's schema when refusing there refuses the whole value; `None`:
    /// check the whole value.
    site: Option<Check>,
}

struct Walk<'r> {
    root: &'r Value,
    out: Vec<Candidate>,
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn wrong_types(types: &[&str]) -> Vec<(&'static str, Value)> {
    let candidates = [
        ("string", json!("not-the-type")),
        ("integer", json!(7)),
        ("number", json!(1.5)),
        ("boolean", json!(true)),
        ("null", Value::Null),
        ("object", json!({})),
        ("array", json!([])),
    ];
    candidates
        .into_iter()
        .filter(|(t, _)| {
            let accepted = types.contains(t) || (*t == "integer" && types.contains(&"number"));
            !accepted
        })
        .collect()
}

impl Walk<'_> {
    fn walk(&mut self, schema: &Value, value: &Value, at: &str, certain: bool, budget: usize) {
        if budget == 0 {
            return;
        }
        let root = self.root;
        let schema = resolve(schema, root);
        let here = if at.is_empty() { "body" } else { at };
        let site = if certain {
            Check::of(schema, root)
        } else {
            None
        };
        let certain = certain && site.is_some();
        let mut found: Vec<(String, Value)> = Vec::new();

        if schema.get("type").is_some() {
            for (t, wrong) in wrong_types(&types_of(schema)) {
                found.push((format!("wrong type ({t})"), wrong));
            }
        }
        if let Some(Value::Array(values)) = schema.get("enum") {
            let mut joined = String::from("not-in-enum-");
            for v in values.iter().filter_map(Value::as_str) {
                joined.push_str(v);
            }
            let biggest = values
                .iter()
                .filter_map(Value::as_f64)
                .fold(0.0f64, f64::max);
            for v in [
                json!(joined),
                json!((biggest as i64).saturating_add(1)),
                json!(false),
                json!(true),
                Value::Null,
            ] {
                if !values.iter().any(|e| json_eq(e, &v)) {
                    found.push(("not in enum".into(), v));
                }
            }
        }
        // allOf: breaking one branch breaks the whole.
        if let Some(branches) = schema.get("allOf").and_then(Value::as_array) {
            for b in branches {
                self.walk(b, value, at, certain, budget - 1);
            }
        }
        // anyOf: every branch broken at once is what is asked; candidates that break one are
        // kept when the whole turns out refused.
        if let Some(branches) = schema.get("anyOf").and_then(Value::as_array) {
            for b in branches {
                self.walk(b, value, at, false, budget - 1);
            }
        }
        if let Some(branches) = schema.get("oneOf").and_then(Value::as_array) {
            // No branch matched: the matched branch broken.
            for b in branches {
                self.walk(b, value, at, false, budget - 1);
            }
            // Two branches matched: the smallest value of another branch, or an object with
            // another branch's members added.
            let rest = without(schema, "oneOf");
            for b in branches {
                let b = resolve(b, root);
                if let Some(m) = minimal(&merge(&rest, b), root, MINIMAL_BUDGET) {
                    if let (Value::Object(o), Value::Object(extra)) = (value, &m) {
                        let mut both = o.clone();
                        for (k, v) in extra {
                            both.entry(k.clone()).or_insert(v.clone());
                        }
                        self.push_whole(
                            here,
                            at,
                            "matches two oneOf branches",
                            Value::Object(both),
                        );
                    }
                    self.push_whole(here, at, "matches another oneOf branch too", m);
                }
            }
        }
        if let Some(not) = schema.get("not") {
            let not = resolve(not, root);
            if let Some(m) = minimal(not, root, MINIMAL_BUDGET) {
                if let (Value::Object(o), Value::Object(extra)) = (value, &m) {
                    let mut both = o.clone();
                    for (k, v) in extra {
                        both.insert(k.clone(), v.clone());
                    }
                    found.push(("matches the not schema".into(), Value::Object(both)));
                }
                found.push(("matches the not schema".into(), m));
            }
        }

        let types = types_of(schema);
        match value {
            Value::String(s) => self.string(schema, s, &mut found),
            Value::Number(_) => {
                let integer = types.contains(&"integer") && !types.contains(&"number");
                found.extend(number::breakers(schema, value, integer));
            }
            Value::Array(items) => self.array(schema, items, at, certain, budget, &mut found),
            Value::Object(fields) => self.object(schema, fields, at, certain, budget, &mut found),
            _ => {}
        }
        for (what, replacement) in found {
            self.out.push(Candidate {
                mutation: Mutation {
                    description: format!("{here}: {what}"),
                    pointer: at.to_string(),
                    replacement,
                },
                site: site.clone(),
            });
        }
    }

    fn push_whole(&mut self, here: &str, at: &str, what: &str, replacement: Value) {
        self.out.push(Candidate {
            mutation: Mutation {
                description: format!("{here}: {what}"),
                pointer: at.to_string(),
                replacement,
            },
            site: None,
        });
    }

    fn string(&self, schema: &Value, s: &str, found: &mut Vec<(String, Value)>) {
        let (min, _) = text::length_bounds(schema);
        if min > 0 && min <= text::MAX_BUILT_LENGTH {
            found.push(("empty string under minLength".into(), json!("")));
            let shorter: String = s.chars().take(min - 1).collect();
            found.push((
                format!("{} characters under minLength {min}", min - 1),
                json!(shorter),
            ));
        }
        if let Some(max) = usize_of(schema, "maxLength").filter(|m| *m < text::MAX_BUILT_LENGTH) {
            let long: String = s
                .chars()
                .chain(std::iter::repeat('x'))
                .take(max + 1)
                .collect();
            found.push((
                format!("{} characters over maxLength {max}", max + 1),
                Value::String(long),
            ));
        }
        if schema.get("pattern").is_some() {
            // Candidates of an allowed length; the site check keeps those the pattern refuses
            // (for `\S`: only blanks).
            let n = min.clamp(1, text::MAX_BUILT_LENGTH);
            for c in [" ", "\t", "-", "0", "a", "\u{7f}", "~", "Z"] {
                found.push((
                    format!("{:?} does not match pattern", c.repeat(n)),
                    json!(c.repeat(n)),
                ));
            }
        }
        if let Some(f) = schema.get("format").and_then(Value::as_str)
            && text::ASSERTED_FORMATS.contains(&f)
        {
            for b in text::format_breakers(f, s) {
                found.push((format!("{b:?} is not a {f}"), json!(b)));
            }
        }
    }

    fn array(
        &mut self,
        schema: &Value,
        items: &[Value],
        at: &str,
        certain: bool,
        budget: usize,
        found: &mut Vec<(String, Value)>,
    ) {
        let root = self.root;
        let item_schema = |i: usize| -> Value {
            match schema.get("items") {
                Some(Value::Array(tuple)) => tuple
                    .get(i)
                    .cloned()
                    .or_else(|| {
                        schema
                            .get("additionalItems")
                            .filter(|a| a.is_object())
                            .cloned()
                    })
                    .unwrap_or(json!({})),
                Some(s) => s.clone(),
                None => json!({}),
            }
        };
        if let Some(min) = usize_of(schema, "minItems").filter(|m| *m > 0)
            && items.len() >= min
        {
            found.push((
                format!("{} items under minItems {min}", min - 1),
                Value::Array(items[..min - 1].to_vec()),
            ));
        }
        if let Some(max) = usize_of(schema, "maxItems").filter(|m| *m < 4096) {
            let filler = items
                .first()
                .cloned()
                .or_else(|| minimal(&item_schema(0), root, MINIMAL_BUDGET));
            if let Some(filler) = filler {
                let mut longer = items.to_vec();
                while longer.len() <= max {
                    longer.push(filler.clone());
                }
                found.push((
                    format!("{} items over maxItems {max}", longer.len()),
                    Value::Array(longer),
                ));
            }
        }
        if schema.get("uniqueItems") == Some(&Value::Bool(true))
            && let Some(first) = items.first()
        {
            let mut dup = items.to_vec();
            if dup.len() >= 2 {
                dup[1] = first.clone();
            } else {
                dup.push(first.clone());
            }
            found.push((
                "duplicate items under uniqueItems".into(),
                Value::Array(dup),
            ));
        }
        if let (Some(Value::Array(tuple)), Some(Value::Bool(false))) =
            (schema.get("items"), schema.get("additionalItems"))
            && items.len() >= tuple.len()
        {
            let mut longer = items.to_vec();
            longer.push(Value::Null);
            found.push((
                "extra item under additionalItems false".into(),
                Value::Array(longer),
            ));
        }
        for (i, item) in items.iter().enumerate().take(MAX_CHILDREN) {
            self.walk(
                &item_schema(i),
                item,
                &format!("{at}/{i}"),
                certain,
                budget - 1,
            );
        }
    }

    fn object(
        &mut self,
        schema: &Value,
        fields: &Map<String, Value>,
        at: &str,
        certain: bool,
        budget: usize,
        found: &mut Vec<(String, Value)>,
    ) {
        let root = self.root;
        let required = required_of(schema);
        for name in &required {
            if fields.contains_key(name) {
                let mut o = fields.clone();
                o.shift_remove(name);
                found.push((
                    format!("required property {name:?} removed"),
                    Value::Object(o),
                ));
            }
        }
        let empty = Map::new();
        let props = schema
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let patterns: Vec<&String> = schema
            .get("patternProperties")
            .and_then(Value::as_object)
            .map(|p| p.keys().collect())
            .unwrap_or_default();
        // A name no property and no pattern claims (patterns checked by the validator itself).
        let free_name = ["unexpectedProperty", "zz_unexpected", "UNEXPECTED-9"]
            .into_iter()
            .find(|n| {
                !props.contains_key(*n)
                    && !fields.contains_key(*n)
                    && !patterns.iter().any(|p| name_matches(p, n))
            });
        match schema.get("additionalProperties") {
            Some(Value::Bool(false)) => {
                if let Some(n) = free_name {
                    let mut o = fields.clone();
                    o.insert(n.into(), json!("x"));
                    found.push((
                        "extra property under additionalProperties false".into(),
                        Value::Object(o),
                    ));
                }
            }
            Some(a @ Value::Object(_)) => {
                let a = resolve(a, root);
                if let Some(n) = free_name {
                    let mut breakers: Vec<Value> = wrong_types(&types_of(a))
                        .into_iter()
                        .map(|(_, v)| v)
                        .collect();
                    // A value valid for the additional schema, broken by one of its mutations.
                    if let Some(m) = minimal(a, root, MINIMAL_BUDGET) {
                        breakers.extend(
                            super::mutations(a, root, &m)
                                .into_iter()
                                .map(|x| x.apply(&m))
                                .take(4),
                        );
                    }
                    for b in breakers.into_iter().take(8) {
                        let mut o = fields.clone();
                        o.insert(n.into(), b);
                        found.push((
                            "extra property breaking additionalProperties".into(),
                            Value::Object(o),
                        ));
                    }
                }
            }
            _ => {}
        }
        if let Some(max) = usize_of(schema, "maxProperties").filter(|m| *m < 4096)
            && schema.get("additionalProperties") != Some(&Value::Bool(false))
        {
            let mut o = fields.clone();
            let mut i = 0;
            while o.len() <= max {
                o.insert(format!("x-extra{i}"), Value::Null);
                i += 1;
            }
            found.push((
                format!("more properties than maxProperties {max}"),
                Value::Object(o),
            ));
        }
        if let Some(min) = usize_of(schema, "minProperties").filter(|m| *m > 0) {
            let o: Map<String, Value> = fields
                .iter()
                .take(min - 1)
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            found.push((
                format!("fewer properties than minProperties {min}"),
                Value::Object(o),
            ));
        }
        if let Some(deps) = schema.get("dependencies").and_then(Value::as_object) {
            for (k, d) in deps {
                if !fields.contains_key(k) {
                    continue;
                }
                for n in d.as_array().into_iter().flatten().filter_map(Value::as_str) {
                    let mut o = fields.clone();
                    o.shift_remove(n);
                    found.push((
                        format!("{n:?} removed, which {k:?} depends on"),
                        Value::Object(o),
                    ));
                }
            }
        }
        let additional = schema.get("additionalProperties").filter(|a| a.is_object());
        for (name, field) in fields.iter().take(MAX_CHILDREN) {
            let sub = props.get(name).or_else(|| {
                if patterns.iter().any(|p| name_matches(p, name)) {
                    None
                } else {
                    additional
                }
            });
            if let Some(sub) = sub {
                self.walk(
                    sub,
                    field,
                    &format!("{at}/{}", escape(name)),
                    certain,
                    budget - 1,
                );
            }
        }
    }
}

/// Whether a property name matches a `patternProperties` pattern, asked of the gateway's
/// validator itself (ECMA-262 regexes).
fn name_matches(pattern: &str, name: &str) -> bool {
    let probe = json!({"patternProperties": {pattern: {"not": {}}}});
    Check::compile(&probe).is_some_and(|c| !c.is_valid(&json!({name: 0})))
}
