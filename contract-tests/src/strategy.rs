//! Strategies derived at run time from the document's draft-4 schemas and parameters, and the
//! schema mutations that make negative data.
//!
//! The vocabulary is what API Gateway models use: draft 4 (every type, numeric bounds with the
//! boolean exclusive flags and `multipleOf`, string lengths, `pattern` and the asserted formats,
//! `enum`, objects with `required`, `additionalProperties`, `patternProperties`,
//! `min/maxProperties`, `dependencies`, arrays with `items` (one schema or a tuple),
//! `additionalItems`, `min/maxItems`, `uniqueItems`, `allOf`/`anyOf`/`oneOf`/`not`, `$ref`,
//! recursive ones included) plus OpenAPI's `nullable`.
//!
//! "Valid" means valid for the gateway's own validator (`gateway::validate::model_validator`):
//! where generation can only come close (a pattern proptest cannot read, `not`, `oneOf`), that
//! validator checks each value and a few accepted examples stand in for a refused one, so no case
//! is ever thrown away. Every [`Mutation`] that [`mutations`] returns has been checked refused.
//!
//! `nullable: true`: apidef passes it through into the model unchanged (Swagger 2.0's
//! `x-nullable` becomes it), and to draft 4 it is an unknown keyword, so the gateway's validator
//! refuses `null` for `{"type": "string", "nullable": true}`. Null is generated only where the
//! validator accepts it (`"type": ["string", "null"]`, or no type).

mod mutate;
mod number;
mod text;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::TestRunner;
use serde_json::{Map, Value, json};

pub use mutate::{Mutation, mutations};
pub use text::{ASSERTED_FORMATS, string};

/// Deepest schema nesting followed (a safety stop: recursion is bounded by [`MAX_REFS`]).
const MAX_DEPTH: usize = 12;
/// How many `$ref`s one path through a value may follow; past it a recursive schema takes its
/// smallest value (optional properties left out, arrays at `minItems`), which ends the recursion.
const MAX_REFS: usize = 3;
/// Steps [`minimal`] may take (nesting, references, branches tried) before giving up.
const MINIMAL_BUDGET: usize = 24;
const DEFAULT_MAX_ITEMS: usize = 6;
/// Most items an array is built with: a larger `minItems` is not met (the value is refused).
const MAX_BUILT_ITEMS: usize = 1024;
/// Candidates drawn, when a strategy is built, to find accepted examples for [`guard`].
const SAMPLES: usize = 48;
/// Examples kept to stand in for a refused value.
const EXAMPLES: usize = 8;

/// Follow `$ref`s (`#/definitions/X` or any local pointer) inside a self-contained model schema.
/// A reference that does not resolve is returned as it is (it then constrains nothing here; the
/// gateway refuses to compile such a model).
pub fn resolve<'a>(schema: &'a Value, root: &'a Value) -> &'a Value {
    resolve_counted(schema, root).0
}

/// [`resolve`], with the number of references followed.
fn resolve_counted<'a>(schema: &'a Value, root: &'a Value) -> (&'a Value, usize) {
    let mut current = schema;
    for n in 0..32 {
        match current.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| pointer(root, p)) {
                Some(next) => current = next,
                None => return (current, n),
            },
            None => return (current, n),
        }
    }
    (current, 32)
}

/// A JSON pointer, percent-decoded as a URI fragment is (`#/definitions/a%20b`).
fn pointer<'a>(root: &'a Value, p: &str) -> Option<&'a Value> {
    root.pointer(p).or_else(|| {
        let decoded = percent_encoding::percent_decode_str(p).decode_utf8().ok()?;
        root.pointer(&decoded)
    })
}

fn usize_of(schema: &Value, key: &str) -> Option<usize> {
    let v = schema.get(key)?;
    v.as_u64()
        .or_else(|| v.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
        .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
}

const ALL_TYPES: [&str; 7] = [
    "null", "boolean", "integer", "number", "string", "array", "object",
];

/// The types `type` allows (every type when absent or unreadable).
fn types_of(schema: &Value) -> Vec<&'static str> {
    let named = |t: &str| ALL_TYPES.iter().copied().find(|a| *a == t);
    match schema.get("type") {
        Some(Value::String(t)) => named(t).into_iter().collect(),
        Some(Value::Array(ts)) => {
            let v: Vec<_> = ts
                .iter()
                .filter_map(Value::as_str)
                .filter_map(named)
                .collect();
            if v.is_empty() { ALL_TYPES.to_vec() } else { v }
        }
        _ => ALL_TYPES.to_vec(),
    }
}

fn type_of(schema: &Value) -> Option<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(Value::Array(ts)) => ts.iter().find_map(Value::as_str),
        _ => None,
    }
}

/// The types to generate for a schema: its `type`, or with none the type its keywords describe
/// (a schema with `properties` but no `type` is meant for objects), or any type.
fn types_to_generate(schema: &Value) -> Vec<&'static str> {
    if schema.get("type").is_some() {
        return types_of(schema);
    }
    let has = |ks: &[&str]| ks.iter().any(|k| schema.get(*k).is_some());
    let mut out = Vec::new();
    if has(&[
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "minProperties",
        "maxProperties",
        "dependencies",
    ]) {
        out.push("object");
    }
    if has(&[
        "items",
        "additionalItems",
        "minItems",
        "maxItems",
        "uniqueItems",
    ]) {
        out.push("array");
    }
    if has(&["minLength", "maxLength", "pattern", "format"]) {
        out.push("string");
    }
    if has(&["minimum", "maximum", "multipleOf"]) {
        out.push("number");
    }
    if out.is_empty() {
        out = ALL_TYPES.to_vec();
    }
    out
}

/// Draft 4's equality, as `enum` and `uniqueItems` use it: numbers by value (`1` equals `1.0`),
/// objects whatever their key order.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// The gateway's validator for one schema, shared: compiled once per thread and schema.
#[derive(Clone)]
struct Check(Arc<jsonschema::Validator>);

impl std::fmt::Debug for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Check")
    }
}

thread_local! {
    static VALIDATORS: RefCell<HashMap<String, Option<Check>>> = RefCell::new(HashMap::new());
}

impl Check {
    /// The validator of a self-contained schema; `None` when the gateway cannot compile it.
    fn compile(schema: &Value) -> Option<Check> {
        let key = schema.to_string();
        if let Some(hit) = VALIDATORS.with(|c| c.borrow().get(&key).cloned()) {
            return hit;
        }
        let compiled = gateway::validate::model_validator(schema)
            .ok()
            .map(|v| Check(Arc::new(v)));
        VALIDATORS.with(|c| {
            let mut c = c.borrow_mut();
            // A long run over many documents must not grow without bound.
            if c.len() > 4096 {
                c.clear();
            }
            c.insert(key, compiled.clone());
        });
        compiled
    }

    /// The validator of `schema`, a part of `root` (or built from parts of it): the root with
    /// `{"$ref": "#/x-sub"}` beside its members, so that the part's references resolve as in the
    /// root (draft 4 ignores everything beside a `$ref`, as the gateway's validator does).
    fn of(schema: &Value, root: &Value) -> Option<Check> {
        if std::ptr::eq(schema, root) {
            return Check::compile(schema);
        }
        let Value::Object(r) = root else {
            return Check::compile(schema);
        };
        let mut wrapper = r.clone();
        wrapper.insert("x-contract-tests-part".into(), schema.clone());
        wrapper.insert("$ref".into(), json!("#/x-contract-tests-part"));
        Check::compile(&Value::Object(wrapper))
    }

    fn is_valid(&self, v: &Value) -> bool {
        self.0.is_valid(v)
    }
}

/// Values drawn from a strategy with a fixed seed (building time only; errors skipped).
fn sample(s: &BoxedStrategy<Value>, n: usize) -> Vec<Value> {
    let mut runner = TestRunner::deterministic();
    (0..n)
        .filter_map(|_| s.new_tree(&mut runner).ok().map(|t| t.current()))
        .collect()
}

/// `raw`, each value checked by the gateway's validator: a refused one is replaced by one of a
/// few accepted examples drawn when the strategy is built (chosen by the refused value, so the
/// case stays deterministic and shrinks). With no example found, `raw` is returned unchecked.
fn guard(raw: BoxedStrategy<Value>, check: Option<Check>) -> BoxedStrategy<Value> {
    guard_with(raw.clone(), raw, check)
}

/// [`guard`] drawing the examples from `raw` and from `extra` (a different generator that may
/// hit values `raw` misses).
fn guard_with(
    raw: BoxedStrategy<Value>,
    extra: BoxedStrategy<Value>,
    check: Option<Check>,
) -> BoxedStrategy<Value> {
    let Some(check) = check else { return raw };
    let mut examples: Vec<Value> = Vec::new();
    for v in sample(&raw, SAMPLES)
        .into_iter()
        .chain(sample(&extra, SAMPLES))
    {
        if examples.len() >= EXAMPLES {
            break;
        }
        if check.is_valid(&v) && !examples.iter().any(|e| e == &v) {
            examples.push(v);
        }
    }
    // None found in that many tries: the schema has no value this module can build (or none at
    // all, as `{"not": {}}`). Filtering would spend proptest's 65536 rejections per case for
    // nothing, so the values are left as they are and the caller's re-validation tells.
    if examples.is_empty() {
        return raw;
    }
    raw.prop_map(move |v| {
        if check.is_valid(&v) {
            v
        } else {
            let i = v.to_string().len() % examples.len();
            examples[i].clone()
        }
    })
    .boxed()
}

/// [`guard_with`] for strings, used by the string module.
fn guard_strings(
    raw: BoxedStrategy<Value>,
    extra: BoxedStrategy<Value>,
    check: Option<Check>,
) -> BoxedStrategy<Value> {
    guard_with(raw, extra, check)
}

/// Where generation is in a value: nesting and `$ref`s followed along the path.
#[derive(Clone, Copy)]
struct At {
    depth: usize,
    refs: usize,
}

impl At {
    fn deeper(self) -> At {
        At {
            depth: self.depth + 1,
            refs: self.refs,
        }
    }
}

/// Any value that validates against `schema` (resolved against `root`), for every schema this
/// module can build a value of. A schema with no value it can build (unsatisfiable, a `minLength`
/// beyond 65536, a required member of its own type) still gives a strategy, whose values the
/// validator refuses: callers that need certainty re-validate (as the negative properties do).
pub fn valid(schema: &Value, root: &Value) -> BoxedStrategy<Value> {
    // The whole schema's check last: a schema this module reads only partly still gives values
    // the gateway accepts.
    guard(valid_raw(schema, root), Check::of(schema, root))
}

/// [`valid`] without the final check of the whole value (for the tests of this module, which
/// show that generation itself is exact for each keyword).
pub fn valid_raw(schema: &Value, root: &Value) -> BoxedStrategy<Value> {
    valid_at(schema, root, At { depth: 0, refs: 0 })
}

/// Combinator and applicator keywords whose values generation reaches only through the check.
const CHECKED: &[&str] = &[
    "not",
    "oneOf",
    "anyOf",
    "patternProperties",
    "dependencies",
    "uniqueItems",
    "minProperties",
    "maxProperties",
];

fn valid_at(schema: &Value, root: &Value, at: At) -> BoxedStrategy<Value> {
    let (schema, refs) = resolve_counted(schema, root);
    let at = At {
        depth: at.depth,
        refs: at.refs + refs,
    };
    if at.refs > MAX_REFS || at.depth > MAX_DEPTH {
        if let Some(v) = minimal(schema, root, MINIMAL_BUDGET) {
            return Just(v).boxed();
        }
        // A schema with no finite value (a required member of its own type): building stops
        // here, the value is refused, and the caller's check says so.
        if at.refs > 2 * MAX_REFS || at.depth > 2 * MAX_DEPTH {
            return Just(Value::Null).boxed();
        }
    }
    let Some(obj) = schema.as_object() else {
        return any_value(at);
    };
    // allOf: one schema with every branch's keywords (an approximation for the keywords that do
    // not merge), checked against the real one.
    if obj
        .get("allOf")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty())
    {
        let merged = flatten_all_of(schema, root, 8);
        return guard(
            valid_at(&merged, root, at.deeper()),
            Check::of(schema, root),
        );
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = obj
            .get(key)
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
        {
            let rest = without(schema, key);
            let options: Vec<BoxedStrategy<Value>> = branches
                .iter()
                .map(|b| {
                    let (b, n) = resolve_counted(b, root);
                    let at = At {
                        depth: at.depth + 1,
                        refs: at.refs + n,
                    };
                    valid_at(&merge(&rest, b), root, at)
                })
                .collect();
            let union = proptest::strategy::Union::new(options).boxed();
            return guard(union, Check::of(schema, root));
        }
    }
    if obj.contains_key("not") {
        let rest = without(schema, "not");
        return guard(valid_at(&rest, root, at.deeper()), Check::of(schema, root));
    }
    let checked = CHECKED.iter().any(|k| obj.contains_key(*k));
    if let Some(Value::Array(values)) = obj.get("enum") {
        // The members the rest of the schema accepts too.
        let check = Check::of(schema, root);
        let ok: Vec<Value> = values
            .iter()
            .filter(|v| check.as_ref().is_none_or(|c| c.is_valid(v)))
            .cloned()
            .collect();
        let pick = if ok.is_empty() { values.clone() } else { ok };
        if !pick.is_empty() {
            return select(pick).boxed();
        }
    }
    let mut options: Vec<BoxedStrategy<Value>> = Vec::new();
    for t in types_to_generate(schema) {
        let s = match t {
            "null" => Some(Just(Value::Null).boxed()),
            "boolean" => Some(any::<bool>().prop_map(Value::Bool).boxed()),
            "integer" => number::integer(schema),
            "number" => number::number(schema).or_else(|| {
                let check = Check::compile(&numeric_keywords(schema));
                let raw = (-1.0e6f64..1.0e6)
                    .prop_map(|x| json!((x * 100.0).round() / 100.0))
                    .boxed();
                Some(guard(raw, check))
            }),
            "string" => Some(text::valid_string(schema)),
            "array" => Some(array(schema, root, at)),
            "object" => Some(object(schema, root, at)),
            _ => None,
        };
        options.extend(s);
    }
    let s = match options.len() {
        0 => any_value(at),
        1 => options.remove(0),
        _ => proptest::strategy::Union::new(options).boxed(),
    };
    if checked {
        guard(s, Check::of(schema, root))
    } else {
        s
    }
}

fn numeric_keywords(schema: &Value) -> Value {
    let mut out = Map::new();
    out.insert("type".into(), json!("number"));
    for k in [
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
    ] {
        if let Some(v) = schema.get(k) {
            out.insert(k.into(), v.clone());
        }
    }
    Value::Object(out)
}

/// A value of any type for `{}` (kept small: strings, numbers, booleans, null, flat containers).
fn any_value(at: At) -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        3 => string(0, 16).prop_map(Value::String),
        1 => (-1000i64..1000).prop_map(|n| json!(n)),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => Just(Value::Null),
    ];
    if at.depth > 2 {
        return leaf.boxed();
    }
    prop_oneof![
        6 => leaf.clone(),
        1 => proptest::collection::vec(leaf.clone(), 0..3).prop_map(Value::Array),
        1 => proptest::collection::btree_map("[a-z]{1,6}", leaf, 0..3)
            .prop_map(|m| Value::Object(m.into_iter().collect())),
    ]
    .boxed()
}

fn without(schema: &Value, key: &str) -> Value {
    match schema {
        Value::Object(o) => {
            let mut o = o.clone();
            o.shift_remove(key);
            Value::Object(o)
        }
        other => other.clone(),
    }
}

/// The schema with its `allOf` branches (resolved, and theirs, `depth` levels) merged in.
fn flatten_all_of(schema: &Value, root: &Value, depth: usize) -> Value {
    let mut out = without(schema, "allOf");
    if depth == 0 {
        return out;
    }
    if let Some(branches) = schema.get("allOf").and_then(Value::as_array) {
        for b in branches {
            let b = resolve(b, root);
            let b = flatten_all_of(b, root, depth - 1);
            out = merge(&out, &b);
        }
    }
    out
}

/// Both schemas' keywords in one, as far as they merge: types intersected, the tighter bound,
/// required lists joined, properties merged (a property in both takes both as `allOf`), enums
/// intersected. A keyword both give and that does not merge keeps the first one's value; the
/// caller checks generated values against the real schema.
fn merge(a: &Value, b: &Value) -> Value {
    let (Value::Object(a), Value::Object(b)) = (a, b) else {
        return a.clone();
    };
    let mut out = a.clone();
    for (k, bv) in b {
        let Some(av) = a.get(k) else {
            out.insert(k.clone(), bv.clone());
            continue;
        };
        let merged = match k.as_str() {
            "type" => {
                let (ta, tb) = (
                    types_of(&json!({"type": av})),
                    types_of(&json!({"type": bv})),
                );
                let mut both: Vec<&str> = ta
                    .iter()
                    .copied()
                    .filter(|t| tb.contains(t) || (*t == "integer" && tb.contains(&"number")))
                    .collect();
                if ta.contains(&"number") && tb.contains(&"integer") && !both.contains(&"integer") {
                    both.push("integer");
                }
                json!(both)
            }
            "minimum" | "minLength" | "minItems" | "minProperties" => {
                if bv.as_f64() > av.as_f64() {
                    bv.clone()
                } else {
                    av.clone()
                }
            }
            "maximum" | "maxLength" | "maxItems" | "maxProperties" => {
                if bv.as_f64() < av.as_f64() {
                    bv.clone()
                } else {
                    av.clone()
                }
            }
            "exclusiveMinimum" | "exclusiveMaximum" | "uniqueItems" => {
                json!(av.as_bool().unwrap_or(false) || bv.as_bool().unwrap_or(false))
            }
            "required" => {
                let mut r: Vec<Value> = av.as_array().cloned().unwrap_or_default();
                for x in bv.as_array().into_iter().flatten() {
                    if !r.contains(x) {
                        r.push(x.clone());
                    }
                }
                Value::Array(r)
            }
            "properties" | "patternProperties" | "definitions" => {
                let mut p = av.as_object().cloned().unwrap_or_default();
                for (name, s) in bv.as_object().into_iter().flatten() {
                    let s = match p.get(name) {
                        Some(existing) if existing != s => json!({"allOf": [existing, s]}),
                        _ => s.clone(),
                    };
                    p.insert(name.clone(), s);
                }
                Value::Object(p)
            }
            "enum" => Value::Array(
                av.as_array()
                    .into_iter()
                    .flatten()
                    .filter(|x| {
                        bv.as_array()
                            .is_some_and(|bs| bs.iter().any(|y| json_eq(x, y)))
                    })
                    .cloned()
                    .collect(),
            ),
            "additionalProperties" if av == &json!(false) || bv == &json!(false) => json!(false),
            "items" | "additionalProperties" if av.is_object() && bv.is_object() => {
                json!({"allOf": [av, bv]})
            }
            _ => av.clone(),
        };
        out.insert(k.clone(), merged);
    }
    Value::Object(out)
}

fn array(schema: &Value, root: &Value, at: At) -> BoxedStrategy<Value> {
    let min = usize_of(schema, "minItems").unwrap_or(0);
    if min > MAX_BUILT_ITEMS {
        // Not buildable in a test case: an empty array, which the validator refuses.
        return Just(Value::Array(Vec::new())).boxed();
    }
    // Deeper arrays are kept shorter, so that a tree stays small.
    let default_max = match at.depth {
        0 | 1 => DEFAULT_MAX_ITEMS,
        2 | 3 => 3,
        _ => 1,
    };
    let max = usize_of(schema, "maxItems")
        .unwrap_or(min.saturating_add(default_max))
        .max(min)
        .min(min.saturating_add(256));
    let unique = schema.get("uniqueItems") == Some(&Value::Bool(true));
    let items = schema.get("items").cloned().unwrap_or(json!({}));
    let additional = match schema.get("additionalItems") {
        Some(Value::Bool(false)) => None,
        Some(s @ Value::Object(_)) => Some(s.clone()),
        _ => Some(json!({})),
    };
    let strategy = if let Value::Array(tuple) = &items {
        // Draft 4's tuple form: position i follows items[i], later ones additionalItems.
        let fixed: Vec<BoxedStrategy<Value>> = tuple
            .iter()
            .map(|s| valid_at(s, root, at.deeper()))
            .collect();
        let n = tuple.len();
        let max = if additional.is_none() {
            max.min(n)
        } else {
            max
        };
        let min = min.min(max);
        let extra = additional
            .map(|a| valid_at(&a, root, at.deeper()))
            .unwrap_or_else(|| Just(Value::Null).boxed());
        let extras = proptest::collection::vec(extra, 0..=max.saturating_sub(n).min(3));
        (min..=max, fixed, extras)
            .prop_map(move |(len, fixed, extras)| {
                let all: Vec<Value> = fixed.into_iter().chain(extras).collect();
                let len = len.max(min.min(all.len()));
                Value::Array(all.into_iter().take(len).collect())
            })
            .boxed()
    } else {
        let item = valid_at(&items, root, at.deeper());
        // Every allowed size, small ones weighted so a case stays fast; each branch shrinks
        // down to `min` items (see `string`).
        let short = max.min(min + 4);
        prop_oneof![
            3 => proptest::collection::vec(item.clone(), min..=short),
            1 => proptest::collection::vec(item, min..=max),
        ]
        .prop_map(Value::Array)
        .boxed()
    };
    if unique {
        // Duplicates dropped (by draft 4's equality); too few left is the check's business.
        strategy
            .prop_map(|v| match v {
                Value::Array(items) => {
                    let mut out: Vec<Value> = Vec::new();
                    for x in items {
                        if !out.iter().any(|y| json_eq(&x, y)) {
                            out.push(x);
                        }
                    }
                    Value::Array(out)
                }
                other => other,
            })
            .boxed()
    } else {
        strategy
    }
}

fn required_of(schema: &Value) -> Vec<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

fn object(schema: &Value, root: &Value, at: At) -> BoxedStrategy<Value> {
    let required = required_of(schema);
    let empty = Map::new();
    let props = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let additional = match schema.get("additionalProperties") {
        Some(Value::Bool(false)) => None,
        Some(s @ Value::Object(_)) => Some(s.clone()),
        _ => Some(json!({})),
    };
    let presence = if at.depth > 3 { 0.3 } else { 0.5 };
    let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
    for (name, sub) in props {
        let name = name.clone();
        let value = valid_at(sub, root, at.deeper());
        if required.contains(&name) {
            fields.push(value.prop_map(move |v| Some((name.clone(), v))).boxed());
        } else {
            fields.push(
                proptest::option::weighted(presence, value)
                    .prop_map(move |v| v.map(|v| (name.clone(), v)))
                    .boxed(),
            );
        }
    }
    // A required property the schema does not describe still has to be there, valid for
    // additionalProperties.
    for name in required.iter().filter(|r| !props.contains_key(*r)) {
        let name = name.clone();
        let value = match &additional {
            Some(a) if a != &json!({}) => valid_at(a, root, at.deeper()),
            _ => string(1, 8).prop_map(Value::String).boxed(),
        };
        fields.push(value.prop_map(move |v| Some((name.clone(), v))).boxed());
    }
    // additionalProperties given as a schema: a few extra members that follow it (their names
    // cannot collide with declared ones: those start with a letter in every model seen, and
    // patternProperties is the check's business).
    let extras = match &additional {
        Some(a) if a != &json!({}) => {
            let value = valid_at(a, root, at.deeper());
            let taken: Vec<String> = props.keys().cloned().collect();
            proptest::collection::vec(("x-[a-z]{1,6}", value), 0..=2)
                .prop_map(move |v| {
                    v.into_iter()
                        .filter(|(k, _)| !taken.contains(k))
                        .collect::<Vec<_>>()
                })
                .boxed()
        }
        _ => Just(Vec::new()).boxed(),
    };
    let min_props = usize_of(schema, "minProperties").unwrap_or(0).min(64);
    let max_props = usize_of(schema, "maxProperties");
    let filler = additional
        .as_ref()
        .and_then(|a| minimal(a, root, MINIMAL_BUDGET));
    let dependencies: Vec<(String, Vec<String>)> = schema
        .get("dependencies")
        .and_then(Value::as_object)
        .map(|d| {
            d.iter()
                .filter_map(|(k, v)| {
                    let names = v
                        .as_array()?
                        .iter()
                        .filter_map(Value::as_str)
                        .map(String::from);
                    Some((k.clone(), names.collect()))
                })
                .collect()
        })
        .unwrap_or_default();
    (fields, extras)
        .prop_map(move |(entries, extras)| {
            let mut o: Map<String, Value> = entries.into_iter().flatten().collect();
            for (k, v) in extras {
                o.entry(k).or_insert(v);
            }
            // Property-count bounds: fill with extra members (when allowed) or drop optional
            // ones.
            let mut n = 0;
            while o.len() < min_props
                && let Some(f) = &filler
            {
                o.entry(format!("x-fill{n}")).or_insert_with(|| f.clone());
                n += 1;
            }
            if let Some(max) = max_props {
                let optional: Vec<String> = o
                    .keys()
                    .filter(|k| !required.contains(k))
                    .cloned()
                    .collect();
                for k in optional.into_iter().rev() {
                    if o.len() <= max {
                        break;
                    }
                    o.shift_remove(&k);
                }
            }
            // Draft 4's property dependencies: an optional member whose companions are missing
            // is left out.
            for (k, names) in &dependencies {
                if o.contains_key(k)
                    && !required.contains(k)
                    && names.iter().any(|n| !o.contains_key(n))
                {
                    o.shift_remove(k);
                }
            }
            Value::Object(o)
        })
        .boxed()
}

/// The smallest value found valid for `schema` (within `budget` steps), checked by the
/// gateway's validator: optional members left out, arrays at `minItems`, numbers nearest zero,
/// the types tried from the simplest. What ends a recursive schema's generation.
fn minimal(schema: &Value, root: &Value, budget: usize) -> Option<Value> {
    if budget == 0 {
        return None;
    }
    let schema = resolve(schema, root);
    let check = Check::of(schema, root);
    let ok = |v: &Value| check.as_ref().is_none_or(|c| c.is_valid(v));
    if let Some(Value::Array(values)) = schema.get("enum") {
        return values.iter().find(|v| ok(v)).cloned();
    }
    if schema.get("allOf").is_some() {
        let merged = flatten_all_of(schema, root, 4);
        return minimal(&merged, root, budget - 1).filter(|v| ok(v));
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array) {
            let rest = without(schema, key);
            return branches.iter().find_map(|b| {
                let m = merge(&rest, resolve(b, root));
                minimal(&m, root, budget - 1).filter(|v| ok(v))
            });
        }
    }
    let order = [
        "null", "boolean", "integer", "number", "string", "array", "object",
    ];
    let allowed = types_to_generate(schema);
    for t in order.iter().filter(|t| allowed.contains(t)) {
        let candidates: Vec<Value> = match *t {
            "null" => vec![Value::Null],
            "boolean" => vec![json!(false), json!(true)],
            "integer" => number::minimal_integer(schema).into_iter().collect(),
            "number" => number::minimal_number(schema).into_iter().collect(),
            "string" => text::minimal_string(schema).into_iter().collect(),
            "array" => minimal_array(schema, root, budget - 1)
                .into_iter()
                .collect(),
            "object" => minimal_object(schema, root, budget - 1)
                .into_iter()
                .collect(),
            _ => Vec::new(),
        };
        if let Some(v) = candidates.into_iter().find(|v| ok(v)) {
            return Some(v);
        }
    }
    None
}

fn minimal_array(schema: &Value, root: &Value, budget: usize) -> Option<Value> {
    let min = usize_of(schema, "minItems").unwrap_or(0);
    if min > 256 {
        return None;
    }
    let items = schema.get("items").cloned().unwrap_or(json!({}));
    let additional = schema.get("additionalItems").cloned().unwrap_or(json!({}));
    let mut out = Vec::new();
    for i in 0..min {
        let s = match &items {
            Value::Array(t) => t.get(i).unwrap_or(&additional),
            s => s,
        };
        out.push(minimal(s, root, budget)?);
    }
    Some(Value::Array(out))
}

fn minimal_object(schema: &Value, root: &Value, budget: usize) -> Option<Value> {
    let empty = Map::new();
    let props = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let additional = match schema.get("additionalProperties") {
        Some(s @ Value::Object(_)) => s.clone(),
        _ => json!({}),
    };
    let mut o = Map::new();
    for name in required_of(schema) {
        let s = props.get(&name).unwrap_or(&additional);
        o.insert(name, minimal(s, root, budget)?);
    }
    let min = usize_of(schema, "minProperties").unwrap_or(0).min(64);
    for (name, s) in props {
        if o.len() >= min {
            break;
        }
        if !o.contains_key(name) {
            o.insert(name.clone(), minimal(s, root, budget)?);
        }
    }
    Some(Value::Object(o))
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

/// The wire text of a value: a string as it is, anything else as JSON.
fn wire(v: Value) -> String {
    match v {
        Value::String(s) => s,
        other => other.to_string(),
    }
}

/// A parameter's schema for generation: with no `type`, a wire value is a string.
fn param_schema(schema: &Value) -> Value {
    match schema {
        Value::Object(o) if !o.contains_key("type") && !o.contains_key("$ref") => {
            let mut o = o.clone();
            o.insert("type".into(), json!("string"));
            Value::Object(o)
        }
        other => other.clone(),
    }
}

/// Valid values of a parameter, as wire text: each one, read back with [`coerce`], is accepted by
/// the gateway's validator.
pub fn param_value(schema: &Value) -> BoxedStrategy<String> {
    param_text(schema, false)
}

/// Valid values of a path parameter: as [`param_value`], and never blank in Java's sense
/// (`String.isBlank`), since API Gateway refuses a blank required parameter and an empty path
/// segment addresses another resource.
pub fn path_param_value(schema: &Value) -> BoxedStrategy<String> {
    param_text(schema, true)
}

fn param_text(schema: &Value, non_blank: bool) -> BoxedStrategy<String> {
    let gen_schema = param_schema(schema);
    let check = Check::compile(schema);
    let checked_schema = schema.clone();
    let accepted = move |text: &str| {
        !(non_blank && gateway::validate::java_is_blank(text))
            && check
                .as_ref()
                .is_none_or(|c| c.is_valid(&coerce(text, &checked_schema)))
    };
    // As a JSON string value: `guard` works on values.
    let raw = valid_raw(&gen_schema, &gen_schema)
        .prop_map(|v| Value::String(wire(v)))
        .boxed();
    let accepted2 = accepted.clone();
    let mut examples: Vec<String> = Vec::new();
    for v in sample(&raw, SAMPLES) {
        if let Value::String(s) = v
            && accepted(&s)
            && !examples.contains(&s)
            && examples.len() < EXAMPLES
        {
            examples.push(s);
        }
    }
    for s in ["a", "1", "true"] {
        if examples.is_empty() && accepted(s) {
            examples.push(s.to_string());
        }
    }
    let texts = raw.prop_map(wire).boxed();
    if examples.is_empty() {
        return texts;
    }
    texts
        .prop_map(move |s| {
            if accepted2(&s) {
                s
            } else {
                examples[s.len() % examples.len()].clone()
            }
        })
        .boxed()
}

/// Invalid wire texts for a parameter: each, read with [`coerce`], is refused by the gateway's
/// validator (the candidates that turn out accepted are left out). Never empty: an empty query
/// value reads as an absent parameter, which is valid when the parameter is optional (API
/// Gateway's `$input.params` gives "" for both).
pub fn param_invalid(schema: &Value) -> Vec<String> {
    let Some(check) = Check::compile(schema) else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    let types = types_of(schema);
    let numeric = types.contains(&"integer") || types.contains(&"number");
    if numeric {
        out.extend(["abc", "1.5", "1e3", " 1", "0x10", "-", "1,5", "NaN"].map(str::to_string));
        let integer = !types.contains(&"number");
        let sample_value = number::minimal_number(schema).unwrap_or(json!(0));
        for (_, v) in number::breakers(schema, &sample_value, integer) {
            out.push(v.to_string());
        }
    }
    if types.contains(&"boolean") {
        out.extend(["yes", "1", "TRUE", "False"].map(str::to_string));
    }
    if types.contains(&"string") || schema.get("type").is_none() {
        let (min, _) = text::length_bounds(schema);
        if let Some(max) = usize_of(schema, "maxLength").filter(|m| *m < 1 << 16) {
            out.push("x".repeat(max + 1));
        }
        if min > 1 && min < 1 << 16 {
            out.push("x".repeat(min - 1));
        }
        if schema.get("pattern").is_some() {
            out.extend([" ", "-", "0", "\u{7f}", "~~~", "a b"].map(|s| s.repeat(min.max(1))));
        }
        if let Some(f) = schema.get("format").and_then(Value::as_str) {
            out.extend(
                text::format_breakers(f, "a")
                    .into_iter()
                    .filter(|s| !s.is_empty()),
            );
        }
    }
    if let Some(Value::Array(values)) = schema.get("enum") {
        let mut s = String::from("not-");
        for v in values.iter().filter_map(Value::as_str) {
            s.push_str(v);
        }
        out.push(s);
        out.push("zzz-not-in-enum".into());
    }
    let mut kept: Vec<String> = Vec::new();
    for s in out {
        if !s.is_empty() && !kept.contains(&s) && !check.is_valid(&coerce(&s, schema)) {
            kept.push(s);
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let validator = gateway::validate::model_validator(&schema).expect("compiles");
        let mut runner = TestRunner::deterministic();
        let strategy = valid_raw(&schema, &schema);
        let mut kinds = std::collections::BTreeSet::new();
        for _ in 0..100 {
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
        let bad = param_invalid(&limit);
        assert!(bad.contains(&"0".to_string()) && bad.contains(&"1001".to_string()));
        for bad in bad {
            assert!(
                !validator.is_valid(&coerce(&bad, &limit)),
                "{bad:?} is valid"
            );
        }
    }

    #[test]
    fn draft4_equality_reads_numbers_by_value() {
        assert!(json_eq(&json!(1), &json!(1.0)));
        assert!(json_eq(
            &json!({"a": 1, "b": [2]}),
            &json!({"b": [2.0], "a": 1})
        ));
        assert!(!json_eq(&json!("1"), &json!(1)));
    }
}
