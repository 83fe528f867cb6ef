//! What AWS's import accepts loads here too: with a warning that says what AWS does, never an
//! error (each case once refused, one error at a time).

use apidef::{Api, ErrorKind};

fn load() -> Api {
    Api::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/aws-accepts.yaml"
    ))
    .unwrap_or_else(|e| panic!("{e}"))
}

fn warning_at(api: &Api, pointer: &str) -> String {
    api.warnings
        .iter()
        .find(|w| w.location.pointer == pointer)
        .map(|w| {
            assert!(w.is_warning());
            assert!(matches!(w.kind, ErrorKind::Tolerated(_)), "{w}");
            assert!(w.location.line_col.is_some(), "{w}");
            w.to_string()
        })
        .unwrap_or_else(|| panic!("no warning at {pointer}: {:#?}", api.warnings))
}

#[test]
fn integer_status_codes_are_read_as_strings() {
    let api = load();
    assert_eq!(
        api.gateway_responses["BAD_REQUEST_BODY"]
            .status_code
            .as_deref(),
        Some("400")
    );
    let options = &api.operations[0];
    assert_eq!(options.method, "OPTIONS");
    assert_eq!(options.integration.responses[0].status_code, "200");
}

#[test]
fn stack_name_is_a_pseudo_parameter() {
    let api = load();
    assert_eq!(api.parameter_values["TableName"], "local-stack-orders");
    let put = &api.operations[1];
    assert_eq!(
        put.integration.credentials.as_deref(),
        Some("arn:aws:iam::123456789012:role/local-stack-api")
    );
}

#[test]
fn swagger_style_header_objects_are_read_as_schemas() {
    let api = load();
    let header = &api.operations[0].responses["200"].headers["Access-Control-Allow-Origin"];
    assert_eq!(header["schema"]["type"], "string");
    let w = warning_at(
        &api,
        "/paths/~1orders~1{id}/options/responses/200/headers/Access-Control-Allow-Origin",
    );
    assert!(w.contains("Swagger 2.0"), "{w}");
}

#[test]
fn options_without_its_path_parameter_loads() {
    let api = load();
    let w = warning_at(&api, "/paths/~1orders~1{id}/options");
    assert!(w.contains("{id}"), "{w}");
}

#[test]
fn unknown_integration_response_fields_are_ignored_as_aws_does() {
    let api = load();
    let w = warning_at(
        &api,
        "/paths/~1orders~1{id}/put/x-amazon-apigateway-integration/responses/default/cacheHint",
    );
    assert!(w.contains("cacheHint"), "{w}");
    // The rest of the response is read.
    let r = &api.operations[1].integration.responses[0];
    assert_eq!(r.content_handling.as_deref(), Some("CONVERT_TO_TEXT"));
}

#[test]
fn ecma_patterns_with_a_dash_after_a_class_escape_validate_as_aws_does() {
    let api = load();
    let put = &api.operations[1];
    let model = put.request_body.as_ref().unwrap().content["application/json"]
        .as_ref()
        .unwrap();
    let pattern = model["properties"]["sku"]["pattern"].as_str().unwrap();
    assert_eq!(pattern, r"^[\w\-_]{1,32}$");
    let validator = jsonschema::draft4::new(model).expect("compiles");
    assert!(validator.is_valid(&serde_json::json!({"sku": "a-b_c"})));
    assert!(!validator.is_valid(&serde_json::json!({"sku": "a b"})));
    let w = warning_at(
        &api,
        "/paths/~1orders~1{id}/put/requestBody/content/application~1json/schema/properties/sku/pattern",
    );
    assert!(w.contains("Unicode-mode"), "{w}");
    assert_eq!(
        put.parameters[0].schema.as_ref().unwrap()["pattern"],
        r"^[\w\-_]+$"
    );
}

/// Swagger 2.0 is converted on load, so every command takes it; problems point at the lines of
/// the Swagger document.
#[test]
fn swagger_2_loads() {
    let api = Api::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/swagger2-minimal.yaml"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(!api.operations.is_empty());
    assert!(
        api.resolved["openapi"]
            .as_str()
            .unwrap()
            .starts_with("3.0.")
    );
    let op = &api.operations[0];
    assert!(op.integration.dynamodb_action().is_some());
    // A pointer of the converted document maps back to a line of the file as written.
    assert!(api.position(&op.integration.pointer).is_some());
}

/// The README lists every local default intrinsics resolve to, as the code has it.
#[test]
fn readme_lists_the_local_defaults() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    for (what, value, _) in apidef::intrinsics::LOCAL_DEFAULTS {
        let row = format!("| `{what}` | `{value}` |");
        assert!(
            readme.contains(&row),
            "README.md lacks the local default row {row}"
        );
    }
}

/// An intrinsic that cannot be resolved locally is one error naming the function and the
/// `--param` that resolves it, not also an error of the extension that holds it; with the
/// `--param` the document loads.
#[test]
fn an_unresolved_intrinsic_is_one_error_and_a_param_resolves_it() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/unresolved-intrinsic.yaml"
    );
    let e = Api::load(path).expect_err("Fn::ImportValue has no local value");
    assert_eq!(e.error_count(), 1, "{e}");
    assert!(
        matches!(&e.kind, ErrorKind::Intrinsic { function, .. } if function == "Fn::ImportValue"),
        "{e}"
    );
    assert!(e.to_string().contains("--param shared-api-role="), "{e}");
    assert_eq!(
        e.location.pointer,
        "/paths/~1items~1{id}/get/x-amazon-apigateway-integration/credentials"
    );
    let mut params = indexmap::IndexMap::new();
    params.insert(
        "shared-api-role".to_string(),
        "arn:aws:iam::123456789012:role/shared".to_string(),
    );
    let api = Api::load_with(path, &params).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        api.operations[0].integration.credentials.as_deref(),
        Some("arn:aws:iam::123456789012:role/shared")
    );
}

/// A stray key inside an integration response (a `application/json` written under the response
/// instead of under its `responseTemplates`, as a real document has it) is left out with a
/// warning at that key, and nothing else is lost: the request template of the same name stays.
#[test]
fn a_misplaced_key_in_an_integration_response_loses_nothing_else() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/aws-accepts.yaml"
    ))
    .unwrap()
    .replace(
        "            cacheHint: ignored\n",
        "            application/json: '{}'\n",
    );
    let api = Api::from_str_with(&text, "aws-accepts.yaml", &indexmap::IndexMap::new())
        .unwrap_or_else(|e| panic!("{e}"));
    let put = &api.operations[1];
    assert!(
        put.integration
            .request_templates
            .contains_key("application/json")
    );
    assert_eq!(
        put.integration.responses[0].content_handling.as_deref(),
        Some("CONVERT_TO_TEXT")
    );
    warning_at(
        &api,
        "/paths/~1orders~1{id}/put/x-amazon-apigateway-integration/responses/default/application~1json",
    );
}

/// `swagger: 2.0` written unquoted (a YAML number, as SAM templates have it) is Swagger 2.0.
#[test]
fn an_unquoted_swagger_version_is_swagger_2() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/swagger2-minimal.yaml"
    ))
    .unwrap()
    .replacen("swagger: '2.0'", "swagger: 2.0", 1);
    assert!(text.starts_with("swagger: 2.0\n"));
    let api = Api::from_str_with(&text, "swagger2.yaml", &indexmap::IndexMap::new())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!api.operations.is_empty());
}

/// One warning for one cause: a real SAM-included document that refers to its role and its
/// table in every operation gets one warning for each, with the number of other places.
#[test]
fn the_same_tolerated_reading_is_one_warning() {
    let api = Api::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../corpus/sp-apigw-ddb-openapi-crud/api.yaml"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(api.operations.len(), 5);
    let texts: Vec<String> = api.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(texts.len(), 2, "{texts:#?}");
    assert!(texts[0].contains("CrudRole.Arn") && texts[0].ends_with("(the same at 4 more places)"));
    assert!(texts[1].contains("CrudDDB") && texts[1].ends_with("(the same at 4 more places)"));
}
