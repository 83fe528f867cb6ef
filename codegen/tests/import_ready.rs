//! The rules of the import-ready transform, each on a small fixture spec
//! (`tests/data/rules.yaml`) or a one-line variation of it.

use codegen::{EmitError, Options};
use indexmap::IndexMap;
use serde_json::{Value, json};

const RULES: &str = include_str!("data/rules.yaml");

fn load(text: &str, params: &[(&str, &str)]) -> (apidef::Api, Options) {
    let params: IndexMap<String, String> = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let api = apidef::Api::from_str_with(text, "rules.yaml", &params)
        .unwrap_or_else(|e| panic!("fixture does not load: {e}"));
    (api, Options { params })
}

fn import_ready(text: &str, params: &[(&str, &str)]) -> Value {
    let (api, options) = load(text, params);
    let artifact = emit::apigateway::emit(&api, &options).expect("emit");
    assert_eq!(artifact.path, "generated/apigateway.json");
    assert!(artifact.text().ends_with("}\n"), "trailing newline");
    serde_json::from_slice(&artifact.contents).expect("valid JSON")
}

fn emit_err(text: &str) -> EmitError {
    let (api, options) = load(text, &[]);
    emit::apigateway::emit(&api, &options).expect_err("must be refused")
}

const OP: &str = "/paths/~1things~1{id}/get";

#[test]
fn project_extensions_are_stripped_and_version_is_3_0_1() {
    let doc = import_ready(RULES, &[]);
    for ext in ["x-deploy-parameters", "x-dynamodb-tables", "x-deploy-stage"] {
        assert!(doc.get(ext).is_none(), "{ext} must be stripped");
    }
    assert_eq!(doc["openapi"], "3.0.1");
}

#[test]
fn info_description_is_added_when_missing_and_kept_when_present() {
    let doc = import_ready(RULES, &[]);
    // moto's importer needs info.description; the fixture has none, so the title stands in.
    assert_eq!(doc["info"]["description"], "Rules");
    let with = RULES.replace("  title: Rules\n", "  title: Rules\n  description: Kept.\n");
    assert_eq!(import_ready(&with, &[])["info"]["description"], "Kept.");
}

#[test]
fn component_responses_and_parameters_are_inlined_and_dropped() {
    let doc = import_ready(RULES, &[]);
    let not_found = doc.pointer(&format!("{OP}/responses/404")).expect("404");
    assert_eq!(not_found["description"], "not found");
    assert!(not_found.get("$ref").is_none());
    assert!(doc.pointer("/components/responses").is_none());
    assert!(doc.pointer("/components/parameters").is_none());
}

#[test]
fn path_item_parameters_move_into_each_operation() {
    let doc = import_ready(RULES, &[]);
    let item = doc.pointer("/paths/~1things~1{id}").expect("path item");
    assert!(item.get("parameters").is_none());
    assert!(item.get("summary").is_none());
    let params = doc
        .pointer(&format!("{OP}/parameters"))
        .expect("parameters");
    assert_eq!(
        params,
        &json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]),
        "inlined, example dropped"
    );
}

#[test]
fn links_and_examples_are_removed() {
    let doc = import_ready(RULES, &[]);
    let ok = doc.pointer(&format!("{OP}/responses/200")).expect("200");
    assert!(ok.get("links").is_none());
    assert!(ok.pointer("/content/application~1json/example").is_none());
}

#[test]
fn model_names_become_alphanumeric_and_refs_follow() {
    let doc = import_ready(RULES, &[]);
    let names: Vec<&String> = doc["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .keys()
        .collect();
    assert_eq!(names, ["thingrecord", "thingrecord2"]);
    assert_eq!(
        doc.pointer(&format!(
            "{OP}/responses/200/content/application~1json/schema/$ref"
        )),
        Some(&json!("#/components/schemas/thingrecord"))
    );
    assert_eq!(
        doc.pointer(&format!(
            "{OP}/responses/404/content/application~1json/schema/$ref"
        )),
        Some(&json!("#/components/schemas/thingrecord2"))
    );
}

#[test]
fn unsupported_schema_keywords_are_dropped_and_properties_named_like_them_kept() {
    let doc = import_ready(RULES, &[]);
    let s = &doc["components"]["schemas"]["thingrecord"];
    assert!(s.get("$schema").is_none());
    assert_eq!(s["properties"]["id"], json!({"type": "string"}));
    assert_eq!(s["properties"]["count"], json!({"type": "integer"}));
    assert_eq!(
        s["properties"]["example"]["description"],
        "a property named example survives"
    );
    assert_eq!(s["required"], json!(["id"]));
}

#[test]
fn declared_parameters_are_substituted_and_aws_variables_kept() {
    let doc = import_ready(RULES, &[]);
    let integration = doc
        .pointer(&format!("{OP}/x-amazon-apigateway-integration"))
        .expect("integration");
    assert_eq!(
        integration["uri"],
        "arn:aws:apigateway:${AWS::Region}:dynamodb:action/GetItem"
    );
    assert_eq!(
        integration["credentials"],
        "arn:aws:iam::${AWS::AccountId}:role/things"
    );
    let template = integration["requestTemplates"]["application/json"]
        .as_str()
        .expect("template");
    assert!(template.contains(r#""TableName": "things""#));
    // A lower-case `${part}` is VTL's formal reference, not a placeholder.
    assert!(template.contains(r#""${part}""#));
}

#[test]
fn params_override_defaults_and_pseudo_parameters() {
    let doc = import_ready(
        RULES,
        &[
            ("TableName", "other"),
            ("AWS::Region", "eu-west-1"),
            ("AWS::AccountId", "111122223333"),
        ],
    );
    let integration = doc
        .pointer(&format!("{OP}/x-amazon-apigateway-integration"))
        .expect("integration");
    assert_eq!(
        integration["uri"],
        "arn:aws:apigateway:eu-west-1:dynamodb:action/GetItem"
    );
    assert_eq!(
        integration["credentials"],
        "arn:aws:iam::111122223333:role/things"
    );
    assert!(
        integration["requestTemplates"]["application/json"]
            .as_str()
            .is_some_and(|t| t.contains(r#""TableName": "other""#))
    );
}

#[test]
fn templates_and_selection_patterns_are_byte_identical_to_the_spec() {
    let (api, options) = load(RULES, &[]);
    let doc: Value = serde_json::from_slice(
        &emit::apigateway::emit(&api, &options)
            .expect("emit")
            .contents,
    )
    .expect("json");
    for op in &api.operations {
        let raw = doc
            .pointer(&format!("{}/x-amazon-apigateway-integration", op.pointer))
            .expect("integration");
        for (mime, t) in &op.integration.request_templates {
            assert_eq!(
                raw["requestTemplates"][mime].as_str(),
                Some(t.source.as_str())
            );
        }
        let keys: Vec<&String> = raw["responses"]
            .as_object()
            .expect("responses")
            .keys()
            .collect();
        let expected: Vec<&String> = op.integration.responses.iter().map(|r| &r.key).collect();
        assert_eq!(keys, expected);
    }
}

#[test]
fn nullable_and_exclusive_bounds_are_refused_with_their_location() {
    let nullable = RULES.replace(
        "        count:\n          type: integer\n",
        "        count:\n          type: integer\n          nullable: true\n",
    );
    let e = emit_err(&nullable);
    let msg = e.to_string();
    assert!(
        msg.contains("/components/schemas/thing-record/properties/count/nullable"),
        "{msg}"
    );
    let exclusive = RULES.replace(
        "        count:\n          type: integer\n",
        "        count:\n          type: integer\n          minimum: 0\n          exclusiveMinimum: true\n",
    );
    let msg = emit_err(&exclusive).to_string();
    assert!(msg.contains("exclusiveMinimum"), "{msg}");
}

#[test]
fn an_undeclared_param_is_an_error() {
    let (api, _) = load(RULES, &[]);
    let mut params = IndexMap::new();
    params.insert("Nope".to_string(), "1".to_string());
    let e = emit::apigateway::emit(&api, &Options { params }).expect_err("unknown param");
    assert!(e.to_string().contains("Nope"), "{e}");
    assert!(codegen::parse_param("novalue").is_err());
    assert_eq!(
        codegen::parse_param("A=b=c").expect("parses"),
        ("A".to_string(), "b=c".to_string())
    );
}

#[test]
fn aws_variables_the_importer_does_not_resolve_are_substituted() {
    let text = RULES.replace(
        "        credentials: ${RoleArn}\n",
        "        credentials: ${RoleArn}\n        cacheNamespace: ${AWS::Partition}-${AWS::URLSuffix}\n",
    );
    let doc = import_ready(&text, &[]);
    assert_eq!(
        doc.pointer(&format!(
            "{OP}/x-amazon-apigateway-integration/cacheNamespace"
        )),
        Some(&json!("${AWS::Partition}-amazonaws.com"))
    );
}
