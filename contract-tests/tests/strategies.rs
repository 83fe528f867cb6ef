//! Every strategy run against the gateway's own validator (`gateway::validate::model_validator`,
//! draft 4): each generated value is accepted, each mutation of it is refused. One test per
//! keyword, then robustness on broken schemas, parameters, and the repository's own models.

use std::collections::BTreeSet;

use contract_tests::strategy::{
    self, ASSERTED_FORMATS, coerce, mutations, param_invalid, param_value, path_param_value, valid,
    valid_raw,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

const CASES: usize = 200;

/// What a run saw: the values, and the kinds of mutation returned (the text after `: `).
struct Seen {
    values: Vec<Value>,
    kinds: BTreeSet<String>,
}

impl Seen {
    fn has_kind(&self, prefix: &str) -> bool {
        self.kinds.iter().any(|k| k.starts_with(prefix))
    }

    fn distinct(&self) -> usize {
        self.values
            .iter()
            .map(Value::to_string)
            .collect::<BTreeSet<_>>()
            .len()
    }
}

fn runner() -> TestRunner {
    TestRunner::new_with_rng(
        Config {
            cases: CASES as u32,
            ..Config::default()
        },
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    )
}

/// Draws `n` values from the strategy generation itself (`valid_raw`: no final check, so a
/// generation bug shows), asserts each is accepted, and that every mutation of each is refused.
fn run_n(schema: &Value, n: usize) -> Seen {
    let validator = gateway::validate::model_validator(schema).expect("the schema compiles");
    let strategy = valid_raw(schema, schema);
    let mut r = runner();
    let mut seen = Seen {
        values: Vec::new(),
        kinds: BTreeSet::new(),
    };
    for _ in 0..n {
        let v = strategy.new_tree(&mut r).expect("generates").current();
        assert!(
            validator.is_valid(&v),
            "generated a value the gateway refuses: {v}\nschema: {schema}"
        );
        // JSON-encoded into a body and read back, it is still accepted.
        let body = serde_json::to_vec(&v).expect("serializes");
        assert!(
            gateway::validate::validate_body(&validator, &body).is_ok(),
            "{v}"
        );
        for m in mutations(schema, schema, &v) {
            let broken = m.apply(&v);
            assert!(
                !validator.is_valid(&broken),
                "mutation {:?} left {broken} valid\nschema: {schema}",
                m.description
            );
            let kind = m.description.split_once(": ").map_or("", |x| x.1);
            seen.kinds.insert(kind.to_string());
        }
        seen.values.push(v);
    }
    seen
}

fn run(schema: Value) -> Seen {
    run_n(&schema, CASES)
}

fn nums(seen: &Seen) -> Vec<f64> {
    seen.values.iter().filter_map(Value::as_f64).collect()
}

// ---- types ----

#[test]
fn every_type() {
    for t in [
        "null", "boolean", "integer", "number", "string", "array", "object",
    ] {
        let seen = run_n(&json!({"type": t}), 60);
        assert!(seen.has_kind("wrong type"), "{t}: {:?}", seen.kinds);
    }
    let seen = run(json!({"type": "boolean"}));
    assert_eq!(seen.distinct(), 2);
    // Integers are written without a fraction: draft 4 refuses `1.0` as an integer.
    let seen = run(json!({"type": "integer"}));
    assert!(seen.values.iter().all(|v| v.is_i64()));
}

#[test]
fn type_list_and_no_type() {
    let seen = run(json!({"type": ["string", "integer"]}));
    assert!(seen.values.iter().any(Value::is_string));
    assert!(seen.values.iter().any(Value::is_i64));
    assert!(seen.has_kind("wrong type (boolean)"));
    let seen = run(json!({}));
    assert!(seen.distinct() > 20);
    assert!(
        seen.kinds.is_empty(),
        "{{}} accepts everything: {:?}",
        seen.kinds
    );
}

// ---- numbers ----

#[test]
fn integer_bounds_inclusive() {
    let seen = run(json!({"type": "integer", "minimum": -3, "maximum": 10}));
    let n = nums(&seen);
    assert!(n.contains(&-3.0) && n.contains(&10.0), "bounds reached");
    assert!(seen.has_kind("below minimum") && seen.has_kind("above maximum"));
}

#[test]
fn integer_bounds_exclusive() {
    let schema = json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true,
        "maximum": 10, "exclusiveMaximum": true});
    let seen = run(schema);
    let n = nums(&seen);
    assert!(n.iter().all(|x| *x > 0.0 && *x < 10.0));
    assert!(n.contains(&1.0) && n.contains(&9.0));
    assert!(seen.has_kind("below minimum") && seen.has_kind("above maximum"));
}

#[test]
fn integer_multiple_of() {
    let seen = run(json!({"type": "integer", "multipleOf": 5, "minimum": 1}));
    assert!(nums(&seen).iter().all(|x| x % 5.0 == 0.0 && *x >= 5.0));
    assert!(seen.has_kind("not a multiple"));
    // A fractional multipleOf of an integer: every integer multiple of 2.5 is a multiple of 5.
    let seen = run(json!({"type": "integer", "multipleOf": 2.5}));
    assert!(nums(&seen).iter().all(|x| x % 5.0 == 0.0));
}

/// The bug a user saw: a `number` with `minimum: 0` got a negative value.
#[test]
fn number_bounds_are_respected() {
    let seen = run(json!({"type": "number", "minimum": 0}));
    assert!(nums(&seen).iter().all(|x| *x >= 0.0));
    assert!(nums(&seen).contains(&0.0));
    assert!(seen.has_kind("below minimum"));
    let seen = run(json!({"type": "number", "minimum": -1.5, "maximum": 2.25}));
    assert!(nums(&seen).iter().all(|x| (-1.5..=2.25).contains(x)));
    // Fractions and JSON integers both.
    assert!(seen.values.iter().any(Value::is_f64) && seen.values.iter().any(Value::is_i64));
}

#[test]
fn number_bounds_exclusive() {
    let seen = run(
        json!({"type": "number", "minimum": 0, "exclusiveMinimum": true,
        "maximum": 1, "exclusiveMaximum": true}),
    );
    assert!(nums(&seen).iter().all(|x| *x > 0.0 && *x < 1.0));
    assert!(seen.has_kind("below minimum") && seen.has_kind("above maximum"));
}

#[test]
fn number_multiple_of_fractional() {
    let seen = run(json!({"type": "number", "multipleOf": 0.01, "minimum": 0, "maximum": 100}));
    assert!(seen.distinct() > 50);
    assert!(nums(&seen).iter().all(|x| (0.0..=100.0).contains(x)));
    assert!(seen.has_kind("not a multiple"));
    let seen = run(
        json!({"type": "number", "multipleOf": 2.5, "exclusiveMaximum": true,
        "maximum": 10}),
    );
    assert!(nums(&seen).iter().all(|x| *x < 10.0));
    assert!(seen.has_kind("not a multiple") && seen.has_kind("above maximum"));
}

// ---- strings ----

#[test]
fn string_lengths_count_code_points() {
    let seen = run(json!({"type": "string", "minLength": 2, "maxLength": 5}));
    let lengths: BTreeSet<usize> = seen
        .values
        .iter()
        .filter_map(Value::as_str)
        .map(|s| s.chars().count())
        .collect();
    assert_eq!(lengths.first(), Some(&2));
    assert_eq!(lengths.last(), Some(&5));
    // Characters outside the BMP count once, as draft 4 counts them.
    assert!(
        seen.values
            .iter()
            .filter_map(Value::as_str)
            .any(|s| s.chars().any(|c| c > '\u{ffff}'))
    );
    assert!(seen.has_kind("1 characters under minLength"));
    assert!(seen.has_kind("6 characters over maxLength"));
}

#[test]
fn free_strings_keep_stress_characters() {
    let seen = run(json!({"type": "string", "maxLength": 64}));
    let all: String = seen.values.iter().filter_map(Value::as_str).collect();
    for c in ['"', '\\', '/', '%', '+', ' ', 'é'] {
        assert!(all.contains(c), "never {c:?}");
    }
}

#[test]
fn string_pattern_generated_from_the_regex() {
    let seen = run(json!({"type": "string", "pattern": "^[A-Z]{3}-\\d{2,4}$"}));
    // Generated from the pattern, not found by luck: many distinct values.
    assert!(seen.distinct() > 100, "{}", seen.distinct());
    assert!(seen.has_kind("\"a\" does not match pattern"));
    let seen = run(json!({"type": "string", "pattern": "\\S", "minLength": 1, "maxLength": 8}));
    assert!(seen.has_kind("\" \" does not match pattern"));
}

#[test]
fn string_pattern_with_lookahead_falls_back_without_hanging() {
    // proptest cannot generate a lookahead: generation drops it and the check keeps the rest.
    let schema = json!({"type": "string", "pattern": "^(?=.*[0-9])[a-z0-9]{6,10}$"});
    let seen = run(schema);
    assert!(seen.distinct() > 10);
    // A backreference proptest cannot generate: the strategy is still built and drawn from,
    // quickly, whatever it finds.
    let odd = json!({"type": "string", "pattern": "^(a|b)\\1$"});
    let s = valid(&odd, &odd);
    let mut r = runner();
    let start = std::time::Instant::now();
    for _ in 0..20 {
        let _ = s.new_tree(&mut r).expect("generates").current();
    }
    assert!(start.elapsed().as_secs() < 5);
}

#[test]
fn the_asserted_formats_are_exactly_those_the_validator_asserts() {
    for f in ASSERTED_FORMATS {
        let v = gateway::validate::model_validator(&json!({"format": f})).expect("compiles");
        assert!(
            !v.is_valid(&json!("not such a value ((")),
            "{f} is not asserted"
        );
    }
    // Formats of later drafts and OpenAPI's are annotations to the draft-4 validator.
    for f in [
        "uuid",
        "int32",
        "int64",
        "byte",
        "binary",
        "password",
        "uri-reference",
    ] {
        let v = gateway::validate::model_validator(&json!({"format": f})).expect("compiles");
        assert!(v.is_valid(&json!("\\\\ ((")), "{f} is asserted");
    }
}

#[test]
fn each_asserted_format() {
    for f in ASSERTED_FORMATS {
        let seen = run_n(&json!({"type": "string", "format": f}), 100);
        assert!(seen.distinct() > 20, "{f}: {} distinct", seen.distinct());
        let breaks = format!("is not a {f}");
        assert!(seen.kinds.iter().any(|k| k.ends_with(&breaks)), "{f}");
    }
    // A format with length bounds.
    let seen = run(json!({"type": "string", "format": "email", "maxLength": 12}));
    assert!(
        seen.values
            .iter()
            .filter_map(Value::as_str)
            .all(|s| s.chars().count() <= 12)
    );
}

// ---- enum ----

#[test]
fn enum_of_mixed_types() {
    let members = json!([1, "a", null, true, {"k": [1]}, 2.5, [1, "x"]]);
    let seen = run(json!({"enum": members}));
    assert_eq!(seen.distinct(), 7);
    assert!(seen.has_kind("not in enum"));
    // enum beside a type: only the members of that type are valid.
    let seen = run(json!({"type": "string", "enum": ["a", 1, "b"]}));
    assert!(seen.values.iter().all(Value::is_string));
}

// ---- objects ----

#[test]
fn nested_objects_and_required() {
    let schema = json!({
        "type": "object", "required": ["id", "owner"],
        "properties": {
            "id": {"type": "integer", "minimum": 1},
            "owner": {"type": "object", "required": ["name"],
                "properties": {"name": {"type": "string", "minLength": 1},
                               "address": {"type": "object", "properties": {
                                   "zip": {"type": "string", "pattern": "^[0-9]{5}$"}}}}},
            "note": {"type": "string"}
        }
    });
    let seen = run(schema);
    assert!(seen.has_kind("required property \"id\" removed"));
    assert!(seen.has_kind("required property \"name\" removed"));
    assert!(
        seen.kinds
            .iter()
            .any(|k| k.contains("does not match pattern"))
    );
    assert!(
        seen.values
            .iter()
            .any(|v| v.pointer("/owner/address/zip").is_some())
    );
    assert!(seen.values.iter().any(|v| v.get("note").is_none()));
}

#[test]
fn required_without_a_property_schema() {
    let seen = run(json!({"type": "object", "required": ["a", "b"]}));
    assert!(
        seen.values
            .iter()
            .all(|v| v.get("a").is_some() && v.get("b").is_some())
    );
    assert!(seen.has_kind("required property \"b\" removed"));
}

#[test]
fn additional_properties_false() {
    let seen = run(json!({"type": "object", "additionalProperties": false,
        "properties": {"a": {"type": "string"}}}));
    assert!(seen.has_kind("extra property under additionalProperties false"));
}

#[test]
fn additional_properties_schema() {
    let schema = json!({"type": "object", "properties": {"a": {"type": "string"}},
        "additionalProperties": {"type": "integer", "minimum": 0}});
    let seen = run(schema);
    assert!(seen.has_kind("extra property breaking additionalProperties"));
    // Extra members are generated, and their values are mutated too.
    assert!(
        seen.values
            .iter()
            .any(|v| v.as_object().is_some_and(|o| o.len() > 1))
    );
    assert!(seen.kinds.iter().any(|k| k.starts_with("below minimum")));
}

#[test]
fn property_counts_pattern_properties_and_dependencies() {
    let schema = json!({"type": "object", "minProperties": 2, "maxProperties": 3,
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"},
                       "c": {"type": "integer"}, "d": {"type": "integer"}},
        "patternProperties": {"^x-": {"type": "string"}},
        "dependencies": {"a": ["b"]}});
    let seen = run(schema);
    assert!(seen.has_kind("more properties than maxProperties"));
    assert!(seen.has_kind("fewer properties than minProperties"));
}

// ---- arrays ----

#[test]
fn array_item_counts() {
    let seen = run(json!({"type": "array", "minItems": 2, "maxItems": 4,
        "items": {"type": "integer"}}));
    let lengths: BTreeSet<usize> = seen
        .values
        .iter()
        .filter_map(Value::as_array)
        .map(Vec::len)
        .collect();
    assert_eq!(lengths, BTreeSet::from([2, 3, 4]));
    assert!(seen.has_kind("1 items under minItems"));
    assert!(seen.has_kind("5 items over maxItems"));
}

#[test]
fn array_unique_items() {
    let seen = run(json!({"type": "array", "uniqueItems": true, "minItems": 1,
        "items": {"type": "integer", "minimum": 0, "maximum": 3}}));
    assert!(seen.has_kind("duplicate items under uniqueItems"));
    // Only two booleans exist: two items, never the same.
    let seen = run(json!({"type": "array", "uniqueItems": true, "minItems": 2,
        "items": {"type": "boolean"}}));
    assert!(
        seen.values
            .iter()
            .all(|v| v.as_array().is_some_and(|a| a.len() == 2))
    );
}

#[test]
fn array_tuple_items() {
    let seen = run(
        json!({"type": "array", "items": [{"type": "string"}, {"type": "integer"}],
        "additionalItems": false, "minItems": 1}),
    );
    assert!(seen.has_kind("extra item under additionalItems false"));
}

// ---- combinators ----

#[test]
fn all_of() {
    let schema = json!({"allOf": [
        {"type": "object", "required": ["a"], "properties": {"a": {"type": "string", "minLength": 2}}},
        {"required": ["b"], "properties": {"b": {"type": "integer", "maximum": 5}}}
    ]});
    let seen = run(schema);
    assert!(seen.has_kind("required property \"a\" removed"));
    assert!(seen.has_kind("required property \"b\" removed"));
    assert!(seen.has_kind("above maximum"));
    assert!(seen.distinct() > 100);
}

#[test]
fn any_of() {
    let schema =
        json!({"anyOf": [{"type": "string", "maxLength": 3}, {"type": "integer", "minimum": 10}]});
    let seen = run(schema);
    assert!(seen.values.iter().any(Value::is_string) && seen.values.iter().any(Value::is_i64));
    assert!(seen.has_kind("wrong type"));
}

#[test]
fn one_of() {
    let schema = json!({"type": "object", "oneOf": [
        {"required": ["card"], "properties": {"card": {"type": "string", "minLength": 1}}},
        {"required": ["iban"], "properties": {"iban": {"type": "string", "minLength": 1}}}
    ]});
    let seen = run(schema);
    assert!(seen.has_kind("matches two oneOf branches"));
    assert!(seen.values.iter().any(|v| v.get("card").is_some()));
    assert!(seen.values.iter().any(|v| v.get("iban").is_some()));
    // Overlapping branches: integers that are multiples of both are refused.
    let seen = run(json!({"type": "integer", "minimum": 0, "maximum": 60,
        "oneOf": [{"multipleOf": 2}, {"multipleOf": 3}]}));
    assert!(
        nums(&seen)
            .iter()
            .all(|x| (x % 2.0 == 0.0) != (x % 3.0 == 0.0))
    );
}

#[test]
fn not() {
    let seen = run(json!({"type": "string", "maxLength": 6, "not": {"enum": ["admin", "root"]}}));
    assert!(seen.has_kind("matches the not schema"));
    assert!(seen.distinct() > 50);
    let seen = run(json!({"type": "object", "not": {"required": ["forbidden"]}}));
    assert!(seen.has_kind("matches the not schema"));
}

// ---- references ----

#[test]
fn recursive_ref_is_bounded() {
    let tree = json!({
        "$ref": "#/definitions/Node",
        "definitions": {"Node": {"type": "object", "required": ["value"],
            "properties": {"value": {"type": "integer"},
                           "children": {"type": "array", "items": {"$ref": "#/definitions/Node"}}}}}
    });
    let start = std::time::Instant::now();
    let seen = run(tree);
    assert!(start.elapsed().as_secs() < 10);
    fn depth(v: &Value) -> usize {
        v.get("children")
            .and_then(Value::as_array)
            .map_or(0, |c| 1 + c.iter().map(depth).max().unwrap_or(0))
    }
    assert!(
        seen.values.iter().any(|v| depth(v) >= 2),
        "recursion reached"
    );
    assert!(seen.values.iter().all(|v| depth(v) <= 8));
    assert!(seen.has_kind("required property \"value\" removed"));
}

#[test]
fn ref_cycle_without_finite_values_terminates() {
    // Every List needs a next List: no finite value exists. Building and drawing terminate.
    let list = json!({"$ref": "#/definitions/List", "definitions": {"List": {
        "type": "object", "required": ["next"], "properties": {"next": {"$ref": "#/definitions/List"}}}}});
    let validator = gateway::validate::model_validator(&list).expect("compiles");
    let s = valid_raw(&list, &list);
    let mut r = runner();
    let v = s.new_tree(&mut r).expect("generates").current();
    assert!(!validator.is_valid(&v));
    // A cycle of bare references.
    let cycle = json!({"$ref": "#/definitions/A", "definitions": {"A": {"$ref": "#/definitions/B"},
        "B": {"$ref": "#/definitions/A"}}});
    let _ = valid(&cycle, &cycle).new_tree(&mut r);
    let _ = mutations(&cycle, &cycle, &json!(1));
    // allOf referring to itself, with finite values.
    let selfish = json!({"$ref": "#/definitions/A", "definitions": {"A": {"type": "object",
        "allOf": [{"$ref": "#/definitions/A"}], "properties": {"a": {"type": "integer"}}}}});
    run_n(&selfish, 50);
}

// ---- nullable ----

#[test]
fn nullable_follows_the_gateway_validator() {
    // apidef passes `nullable` through unchanged; the draft-4 validator ignores it, so null is
    // refused and never generated, and the null mutation is kept.
    let seen = run(json!({"type": "string", "nullable": true}));
    assert!(seen.values.iter().all(Value::is_string));
    assert!(seen.has_kind("wrong type (null)"));
    // Null as a type is generated.
    let seen = run(json!({"type": ["string", "null"], "nullable": true}));
    assert!(seen.values.iter().any(Value::is_null));
    assert!(!seen.has_kind("wrong type (null)"));
}

// ---- robustness ----

#[test]
fn no_panic_on_any_schema() {
    let schemas = [
        json!(true),
        json!([1, 2]),
        json!({"type": "bogus"}),
        json!({"x-unknown": {"deep": 1}, "type": "string", "example": 3}),
        json!({"$ref": "#/definitions/missing"}),
        json!({"$ref": "http://example.com/remote"}),
        json!({"type": "string", "minLength": 1_000_000_000_000u64}),
        json!({"type": "string", "minLength": 5, "maxLength": 2}),
        json!({"type": "array", "minItems": 1_000_000_000_000_000_000u64}),
        json!({"type": "array", "maxItems": 1_000_000_000_000_000_000u64}),
        json!({"type": "integer", "minimum": 1e300}),
        json!({"type": "integer", "minimum": 5, "maximum": 1}),
        json!({"type": "number", "minimum": -1e308, "maximum": 1e308}),
        json!({"type": "number", "exclusiveMinimum": 3}),
        json!({"type": "number", "multipleOf": 0}),
        json!({"type": "number", "multipleOf": -2}),
        json!({"type": "number", "multipleOf": 1e-30}),
        json!({"type": "integer", "multipleOf": 1e20}),
        json!({"type": "string", "pattern": "("}),
        json!({"type": "string", "pattern": "[]"}),
        json!({"type": "string", "pattern": "\\"}),
        json!({"enum": []}),
        json!({"type": "object", "required": "a", "properties": []}),
        json!({"allOf": []}),
        json!({"anyOf": [{"type": "string"}], "oneOf": "x"}),
        json!({"not": {}}),
        json!({"type": "string", "format": "hostname", "minLength": 300}),
    ];
    let mut r = runner();
    for s in schemas {
        let strategy = valid(&s, &s);
        for _ in 0..5 {
            if let Ok(t) = strategy.new_tree(&mut r) {
                let v = t.current();
                let _ = mutations(&s, &s, &v);
            }
        }
        let _ = mutations(&s, &s, &json!({"a": [1, "x"]}));
        let _ = param_invalid(&s);
        let p = param_value(&s);
        let _ = p.new_tree(&mut r);
    }
}

// ---- parameters ----

#[test]
fn parameters_as_wire_text() {
    let schemas = [
        json!({"type": "integer", "minimum": 1, "maximum": 1000}),
        json!({"type": "number", "minimum": 0, "multipleOf": 0.25}),
        json!({"type": "boolean"}),
        json!({"type": "string", "pattern": "^[a-z]{2,5}$"}),
        json!({"type": "string", "enum": ["asc", "desc"]}),
        json!({"type": "string", "format": "date", "maxLength": 10}),
        json!({"type": "string", "minLength": 3, "maxLength": 4}),
        json!({"type": "string"}),
    ];
    for schema in schemas {
        let validator = gateway::validate::model_validator(&schema).expect("compiles");
        let mut r = runner();
        let values = param_value(&schema);
        let path = path_param_value(&schema);
        for _ in 0..100 {
            let v = values.new_tree(&mut r).expect("generates").current();
            assert!(
                validator.is_valid(&coerce(&v, &schema)),
                "{v:?} for {schema}"
            );
            let p = path.new_tree(&mut r).expect("generates").current();
            assert!(
                validator.is_valid(&coerce(&p, &schema)),
                "{p:?} for {schema}"
            );
            assert!(
                !gateway::validate::java_is_blank(&p),
                "blank path value {p:?}"
            );
        }
        let bad = param_invalid(&schema);
        if schema != json!({"type": "string"}) {
            assert!(!bad.is_empty(), "no invalid value for {schema}");
        }
        for b in bad {
            assert!(!b.is_empty());
            assert!(
                !validator.is_valid(&coerce(&b, &schema)),
                "{b:?} valid for {schema}"
            );
        }
    }
}

// ---- the repository's own models ----

fn models_of(path: &str) -> Vec<Value> {
    let Ok(api) = apidef::Api::load(path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for op in &api.operations {
        if let Some(b) = &op.request_body {
            out.extend(b.content.values().flatten().cloned());
        }
        for r in op.responses.values() {
            out.extend(r.content.values().flatten().cloned());
        }
        for p in &op.parameters {
            out.extend(p.schema.clone());
        }
    }
    out.sort_by_key(Value::to_string);
    out.dedup();
    out
}

#[test]
fn the_documents_models() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let own = models_of(&format!("{root}/openapi.yaml"));
    assert!(own.len() >= 2, "openapi.yaml's models: {}", own.len());
    let mut all = own;
    for doc in [
        "corpus/divmora-url-shortener-sigv4/api.yaml",
        "corpus/url-shortener-cognito/api.yaml",
        "corpus/sp-apigw-ddb-openapi-crud/api.yaml",
        "corpus/books-openapi-terraform-templatefile/openapi.json",
    ] {
        all.extend(models_of(&format!("{root}/{doc}")));
    }
    for schema in &all {
        if gateway::validate::model_validator(schema).is_ok() {
            run_n(schema, 40);
        }
    }
}

#[test]
fn valid_is_checked_even_where_generation_is_approximate() {
    // Regardless of the keyword mix, what `valid` yields the gateway accepts.
    let schema = json!({"type": "object", "required": ["a"],
        "properties": {"a": {"type": "string", "pattern": "^[a-f0-9]{8}$", "not": {"pattern": "^0"}}},
        "additionalProperties": false});
    let validator = gateway::validate::model_validator(&schema).expect("compiles");
    let s = strategy::valid(&schema, &schema);
    let mut r = runner();
    for _ in 0..CASES {
        let v = s.new_tree(&mut r).expect("generates").current();
        assert!(validator.is_valid(&v), "{v}");
    }
}
