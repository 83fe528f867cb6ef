//! For every generated model, the schema schemars derives (rewritten to draft 4) accepts exactly
//! the instances the document's schema accepts: `jsonschema`'s canonical comparison, both ways
//! (docs/evidence/dependencies.md §5). `a - b` unsatisfiable means every instance of `a` is one of `b`.
//!
//! The recipe: schemars' draft-07 settings with the draft-04 meta-schema and every subschema
//! inlined, then a transform that rewrites what draft 4 spells differently (`const` is a
//! one-element `enum`, numeric `exclusiveMinimum`/`exclusiveMaximum` are `minimum`/`maximum`
//! plus `true`) and drops `examples`. The models never emit `Option`'s `null` (see models.rs),
//! so nothing else is rewritten.

use std::path::{Path, PathBuf};

use jsonschema::canonical::Satisfiability;
use schemars::transform::RecursiveTransform;
use serde_json::{Value, json};

const DRAFT4: &str = "http://json-schema.org/draft-04/schema#";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn draft4(schema: &mut schemars::Schema) {
    let Some(o) = schema.as_object_mut() else {
        return;
    };
    if let Some(c) = o.remove("const") {
        o.insert("enum".into(), json!([c]));
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        if let Some(v) = o.get(exclusive).filter(|v| v.is_number()).cloned() {
            o.insert(bound.into(), v);
            o.insert(exclusive.into(), Value::Bool(true));
        }
    }
    o.remove("examples");
}

fn settings() -> schemars::generate::SchemaSettings {
    let mut s = schemars::generate::SchemaSettings::draft07();
    s.meta_schema = Some(DRAFT4.into());
    s.inline_subschemas = true;
    s.with_transform(RecursiveTransform(draft4))
}

fn equivalent(pointer: &str, derived: &Value, spec: &Value) {
    let a = jsonschema::canonicalize(derived)
        .unwrap_or_else(|e| panic!("{pointer}: derived schema does not canonicalize: {e}"));
    let b = jsonschema::canonicalize(spec)
        .unwrap_or_else(|e| panic!("{pointer}: document schema does not canonicalize: {e}"));
    for (what, x, y) in [
        ("the model accepts an instance the document rejects", &a, &b),
        ("the document accepts an instance the model rejects", &b, &a),
    ] {
        let difference = x
            .subtract(y)
            .unwrap_or_else(|e| panic!("{pointer}: cannot compare: {e}"));
        assert_eq!(
            difference.satisfiability(),
            Satisfiability::No,
            "{pointer}: {what}\nderived: {derived:#}\ndocument: {spec:#}"
        );
    }
}

#[test]
fn every_derived_schema_accepts_exactly_what_the_document_does() {
    let api = apidef::Api::load(root().join("openapi.yaml")).expect("openapi.yaml loads");
    let derived = generated::models::derived_schemas(settings());
    let components = api
        .resolved
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .map(|o| o.len())
        .unwrap_or(0);
    assert!(
        derived.len() >= components,
        "every component schema has a model"
    );
    for (pointer, schema) in derived {
        let source = api
            .resolved
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{pointer} is not in openapi.yaml"));
        // The document's schema as API Gateway builds the model: self-contained draft 4.
        let mut expected = api
            .model_schema(source)
            .unwrap_or_else(|e| panic!("{pointer}: {e}"));
        if let Value::Object(o) = &mut expected {
            o.insert("$schema".into(), Value::String(DRAFT4.into()));
        }
        equivalent(pointer, schema.as_value(), &expected);
    }
}

/// The comparison is not vacuous: a schema that differs by one keyword is told apart.
#[test]
fn a_different_schema_is_told_apart() {
    let mut g = settings().into_generator();
    let derived = g.root_schema_for::<generated::models::Track>();
    let looser = json!({
        "$schema": DRAFT4,
        "type": "object",
        "required": ["title"],
        "additionalProperties": false,
        "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": 256},
            "length": {"type": "string", "minLength": 1, "maxLength": 33}
        }
    });
    let a = jsonschema::canonicalize(derived.as_value()).expect("canonical");
    let b = jsonschema::canonicalize(&looser).expect("canonical");
    assert_eq!(
        b.subtract(&a).expect("subtract").satisfiability(),
        Satisfiability::Yes
    );
}
