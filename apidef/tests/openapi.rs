//! Load the project's `openapi.yaml` and assert its typed model: the single source of truth
//! must say what the README and the issue promise.

use apidef::{Api, IntegrationType, ParamLocation, PassthroughBehavior, RouteMatch};
use indexmap::IndexMap;

fn api() -> Api {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    match Api::load(path) {
        Ok(api) => api,
        Err(e) => panic!("openapi.yaml does not load: {e}"),
    }
}

fn segs(p: &str) -> Vec<String> {
    p.split('/')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

#[test]
fn four_operations_with_their_dynamodb_actions() {
    let api = api();
    let ops: Vec<_> = api
        .operations
        .iter()
        .map(|o| {
            (
                o.operation_id.clone().unwrap_or_default(),
                o.label(),
                o.integration
                    .dynamodb_action()
                    .unwrap_or_default()
                    .to_string(),
            )
        })
        .collect();
    let expected = [
        ("putAlbum", "POST /album", "PutItem"),
        ("listAlbums", "GET /", "Scan"),
        ("getAlbum", "GET /{artist}/{album}", "GetItem"),
        ("deleteAlbum", "DELETE /{artist}/{album}", "DeleteItem"),
    ];
    assert_eq!(ops.len(), 4);
    for (id, label, action) in expected {
        assert!(
            ops.iter()
                .any(|(i, l, a)| i == id && l == label && a == action),
            "missing {id} {label} -> {action} in {ops:?}"
        );
    }
}

#[test]
fn every_integration_is_an_honest_dynamodb_integration() {
    let api = api();
    for op in &api.operations {
        let i = &op.integration;
        assert_eq!(i.integration_type, IntegrationType::Aws, "{}", op.label());
        assert_eq!(i.http_method.as_deref(), Some("POST"));
        assert_eq!(
            i.passthrough_behavior,
            PassthroughBehavior::Never,
            "{}",
            op.label()
        );
        // Placeholders are substituted with the defaults.
        assert!(
            i.uri
                .as_deref()
                .unwrap()
                .starts_with("arn:aws:apigateway:us-east-1:dynamodb:action/")
        );
        assert_eq!(
            i.credentials.as_deref(),
            Some("arn:aws:iam::123456789012:role/albums-api-dynamodb")
        );
        // One request template, application/json, that names the table.
        assert_eq!(
            i.request_templates.keys().collect::<Vec<_>>(),
            ["application/json"]
        );
        let t = &i.request_templates["application/json"].source;
        assert!(t.contains(r#""TableName": "albums""#), "{}", op.label());
        assert!(
            !t.contains("$method"),
            "{}: $method is not a VTL variable",
            op.label()
        );
        // 2xx success, 4xx client, 5xx server, default: statuses are distinguishable and only
        // 2xx maps to success.
        let keys: Vec<_> = i.responses.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(
            keys,
            [r"2\d{2}", r"4\d{2}", r"5\d{2}", "default"],
            "{}",
            op.label()
        );
        for (status, expected) in [("200", "2"), ("400", "4"), ("503", "5"), ("302", "5")] {
            let r = i.select_response(status).unwrap();
            assert!(
                r.status_code.starts_with(expected),
                "{} {status} -> {}",
                op.label(),
                r.status_code
            );
        }
        assert_eq!(i.select_response("400").unwrap().status_code, "400");
        assert_eq!(i.select_response("500").unwrap().status_code, "503");
        assert_eq!(i.select_response("302").unwrap().status_code, "500");
        // Every integration statusCode is a declared response.
        for r in &i.responses {
            assert!(op.responses.contains_key(&r.status_code));
        }
    }
}

#[test]
fn validators_and_parameters() {
    let api = api();
    assert_eq!(api.default_validator.as_deref(), Some("all"));
    let all = &api.request_validators["all"];
    assert!(all.validate_request_body && all.validate_request_parameters);
    let put = api.operation("putAlbum").unwrap();
    assert_eq!(put.validator.as_ref().unwrap().0, "all");
    let body = put.request_body.as_ref().unwrap();
    assert!(body.required);
    let schema = body.content["application/json"].as_ref().unwrap();
    // The model is self-contained draft 4: the Album $ref and the Track it uses are inlined
    // as definitions.
    assert_eq!(schema["$ref"], "#/definitions/Album");
    let album = &schema["definitions"]["Album"];
    assert_eq!(album["required"], serde_json::json!(["artist", "album"]));
    assert_eq!(album["properties"]["artist"]["minLength"], 1);
    assert_eq!(album["additionalProperties"], false);
    assert_eq!(
        schema["definitions"]["Track"]["properties"]["length"]["type"],
        "string"
    );
    assert!(
        schema["definitions"]["Track"]["properties"]
            .get("lenght")
            .is_none()
    );

    let list = api.operation("listAlbums").unwrap();
    let names: Vec<_> = list
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.location, p.required))
        .collect();
    assert_eq!(
        names,
        [
            ("limit", ParamLocation::Query, false),
            ("cursor", ParamLocation::Query, false)
        ]
    );
    for id in ["getAlbum", "deleteAlbum"] {
        let op = api.operation(id).unwrap();
        let names: Vec<_> = op
            .parameters
            .iter()
            .map(|p| (p.name.as_str(), p.location, p.required))
            .collect();
        assert_eq!(
            names,
            [
                ("artist", ParamLocation::Path, true),
                ("album", ParamLocation::Path, true)
            ]
        );
        assert_eq!(op.validator.as_ref().unwrap().0, "params-only");
    }
}

#[test]
fn declared_responses_and_error_shape() {
    let api = api();
    let codes = |id: &str| -> Vec<String> {
        api.operation(id)
            .unwrap()
            .responses
            .keys()
            .cloned()
            .collect()
    };
    assert_eq!(
        codes("putAlbum"),
        ["204", "400", "415", "429", "500", "503"]
    );
    assert_eq!(
        codes("listAlbums"),
        ["200", "400", "415", "429", "500", "503"]
    );
    assert_eq!(
        codes("getAlbum"),
        ["200", "400", "404", "415", "429", "500", "503"]
    );
    assert_eq!(
        codes("deleteAlbum"),
        ["200", "400", "404", "415", "429", "500", "503"]
    );
    let put = api.operation("putAlbum").unwrap();
    assert!(put.responses["204"].content.is_empty(), "204 has no body");
    assert!(put.responses["204"].headers.contains_key("X-Request-Id"));
    let list = api.operation("listAlbums").unwrap();
    assert!(list.responses["200"].headers.contains_key("X-Next-Cursor"));
    // Every error response, of every operation, has the one Error schema.
    for op in &api.operations {
        for (code, r) in &op.responses {
            if code.starts_with('4') || code.starts_with('5') {
                let s = r.content["application/json"].as_ref().unwrap();
                assert_eq!(s["$ref"], "#/definitions/Error", "{} {code}", op.label());
            }
        }
    }
    // Gateway responses use the same shape.
    for kind in ["DEFAULT_4XX", "DEFAULT_5XX"] {
        let t = &api.gateway_responses[kind].response_templates["application/json"];
        assert!(t.contains(r#""message":$context.error.messageString"#));
    }
}

#[test]
fn links_for_stateful_tests() {
    let api = api();
    let links = &api.operation("putAlbum").unwrap().responses["204"].links;
    assert_eq!(
        links.keys().collect::<Vec<_>>(),
        ["GetAlbum", "DeleteAlbum"]
    );
    assert_eq!(links["GetAlbum"].operation_id.as_deref(), Some("getAlbum"));
    assert_eq!(
        links["DeleteAlbum"].operation_id.as_deref(),
        Some("deleteAlbum")
    );
    assert_eq!(
        links["GetAlbum"].parameters["artist"],
        "$request.body#/artist"
    );
    assert_eq!(
        links["GetAlbum"].parameters["album"],
        "$request.body#/album"
    );
}

#[test]
fn table_definition_and_deploy_parameters() {
    let api = api();
    let t = &api.tables["Albums"];
    assert_eq!(t.table_name, "albums");
    assert_eq!(t.hash_key(), Some("Artist"));
    assert_eq!(t.range_key(), Some("Album"));
    assert_eq!(t.create_table_request()["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        api.deploy_parameters.keys().collect::<Vec<_>>(),
        ["TableName", "IntegrationRoleArn"]
    );
    assert_eq!(
        api.deploy_parameters["IntegrationRoleArn"]
            .stack_value
            .as_deref(),
        Some("IntegrationRole.Arn")
    );
    assert_eq!(api.stage.name, "prod");
    // The raw tree keeps the placeholders for CloudFormation's Fn::Sub.
    assert_eq!(
        api.raw["x-dynamodb-tables"]["Albums"]["TableName"],
        "${TableName}"
    );

    let mut params = IndexMap::new();
    params.insert("TableName".to_string(), "other".to_string());
    params.insert("AWS::Region".to_string(), "eu-west-1".to_string());
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml");
    let api = Api::load_with(path, &params).unwrap();
    assert_eq!(api.tables["Albums"].table_name, "other");
    let put = api.operation("putAlbum").unwrap();
    assert!(
        put.integration.request_templates["application/json"]
            .source
            .contains(r#""TableName": "other""#)
    );
    assert!(
        put.integration
            .uri
            .as_deref()
            .unwrap()
            .starts_with("arn:aws:apigateway:eu-west-1:")
    );
}

#[test]
fn routes_follow_api_gateway() {
    let api = api();
    let id = |m: &RouteMatch| match m {
        RouteMatch::Found { operation, .. } => api.operations[*operation].operation_id.clone(),
        RouteMatch::NotFound => None,
    };
    assert_eq!(
        id(&api.route("POST", &segs("/album"))).as_deref(),
        Some("putAlbum")
    );
    assert_eq!(
        id(&api.route("GET", &segs("/"))).as_deref(),
        Some("listAlbums")
    );
    assert_eq!(
        id(&api.route("GET", &segs("/a/b"))).as_deref(),
        Some("getAlbum")
    );
    assert_eq!(
        id(&api.route("DELETE", &segs("/album/x"))).as_deref(),
        Some("deleteAlbum")
    );
    assert_eq!(api.route("GET", &segs("/album")), RouteMatch::NotFound);
    assert_eq!(api.route("PUT", &segs("/a/b")), RouteMatch::NotFound);
    assert_eq!(api.route("GET", &segs("/a/b/c")), RouteMatch::NotFound);
    match api.route("GET", &["AC/DC".to_string(), "Back in Black".to_string()]) {
        RouteMatch::Found { path_params, .. } => {
            assert_eq!(path_params["artist"], "AC/DC");
            assert_eq!(path_params["album"], "Back in Black");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn every_template_is_compiled_and_positions_are_known() {
    let api = api();
    let mut n = 0;
    for op in &api.operations {
        for t in op.integration.request_templates.values() {
            assert!(api.position(&t.pointer).is_some());
            n += 1;
        }
        for r in &op.integration.responses {
            n += r.response_templates.len();
        }
    }
    assert_eq!(n, 4 + 4 * 4);
}
