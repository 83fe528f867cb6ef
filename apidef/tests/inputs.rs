//! The inputs the loader accepts besides plain OpenAPI 3.0: documents with CloudFormation
//! intrinsic functions (SAM `DefinitionBody`, `AWS::Include`d files, a RestApi's `Body`) and
//! Swagger 2.0 documents. Both are normalized into plain OpenAPI 3.0 before anything reads them.

use apidef::error::pointer_push;
use apidef::intrinsics::{self, LOCAL_DEFAULTS, Values};
use apidef::normalize::normalize;
use apidef::source::{self, Positions};
use apidef::swagger2;
use apidef::{ErrorKind, Severity, SpecError};
use indexmap::IndexMap;
use proptest::prelude::*;
use serde_json::{Value, json};

const SAM: &str = include_str!("data/inputs/sam-included.yaml");
const SWAGGER: &str = include_str!("data/inputs/swagger2.yaml");
const SAM_FILE: &str = "sam-included.yaml";
const SWAGGER_FILE: &str = "swagger2.yaml";

fn params(pairs: &[(&str, &str)]) -> IndexMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn parse(text: &str, file: &str) -> Value {
    source::parse(text, file).expect("test document parses")
}

fn at<'v>(doc: &'v Value, pointer: &str) -> &'v Value {
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("no {pointer} in {doc:#}"))
}

/// Equal, and in the same key order (serde_json's map equality ignores order).
#[track_caller]
fn assert_same(actual: &Value, expected: &Value) {
    assert_eq!(
        serde_json::to_string_pretty(actual).unwrap(),
        serde_json::to_string_pretty(expected).unwrap()
    );
}

fn errors(problems: &[SpecError]) -> Vec<&SpecError> {
    problems.iter().filter(|p| !p.is_warning()).collect()
}

fn warnings(problems: &[SpecError]) -> Vec<&SpecError> {
    problems.iter().filter(|p| p.is_warning()).collect()
}

/// Every string under a `requestTemplates` or `responseTemplates` map, by pointer.
fn templates(doc: &Value) -> Vec<(String, String)> {
    fn walk(v: &Value, ptr: &str, in_templates: bool, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    let p = pointer_push(ptr, k);
                    if in_templates && let Value::String(s) = x {
                        out.push((p, s.clone()));
                    } else {
                        let t = k == "requestTemplates" || k == "responseTemplates";
                        walk(x, &p, t, out);
                    }
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, &pointer_push(ptr, &i.to_string()), false, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, "", false, &mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// Intrinsic functions

const GET: &str = "/paths/~1orders~1{id}/get/x-amazon-apigateway-integration";
const POST: &str = "/paths/~1orders/post/x-amazon-apigateway-integration";
const SHARED: &str = "/paths/~1shared/get/x-amazon-apigateway-integration";

const ALL_GIVEN: &[(&str, &str)] = &[
    (
        "local-stack-SharedRoleArn",
        "arn:aws:iam::123456789012:role/shared",
    ),
    (
        "OrdersTable.StreamArn",
        "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/1",
    ),
    ("OrdersTable", "orders-prod"),
];

#[test]
fn sam_document_resolves_every_intrinsic_with_values_given() {
    let raw = parse(SAM, SAM_FILE);
    let n = normalize(&raw, SAM_FILE, &params(ALL_GIVEN));
    assert!(errors(&n.problems).is_empty(), "{:#?}", n.problems);
    assert!(n.swagger.is_none());
    let doc = &n.document;
    assert!(!intrinsics::contains_intrinsic(doc), "{doc:#}");

    // ${AWS::StackName} in the string form.
    assert_eq!(at(doc, "/info/title"), "local-stack-orders");
    // A logical id with no value stands for itself; the pseudo parameters have defaults.
    assert_eq!(
        at(doc, "/servers/0/url"),
        "https://OrdersApi.execute-api.us-east-1.amazonaws.com/prod"
    );
    assert_eq!(
        at(doc, "/x-amazon-apigateway-policy/Statement/0/Resource"),
        "arn:aws:execute-api:us-east-1:123456789012:*/*"
    );

    // Fn::Sub, Fn::GetAtt in list form, Ref AWS::NoValue removing its key; order kept.
    let get = at(doc, GET);
    let keys: Vec<&str> = get
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "type",
            "httpMethod",
            "uri",
            "credentials",
            "passthroughBehavior",
            "requestTemplates",
            "responses"
        ]
    );
    assert_eq!(
        get["uri"],
        "arn:aws:apigateway:us-east-1:dynamodb:action/GetItem"
    );
    assert_eq!(
        get["credentials"],
        "arn:aws:iam::123456789012:role/OrdersApiRole"
    );

    // The [string, {vars}] form with a nested Ref; ${!Capacity} is CloudFormation's escape;
    // VTL's $input/$util and '$' are no CloudFormation variables.
    let raw_template = at(
        &raw,
        &format!("{GET}/requestTemplates/application~1json/Fn::Sub/0"),
    )
    .as_str()
    .unwrap();
    let expected = raw_template
        .replace("${Table}", "orders-prod")
        .replace("${!Capacity}", "${Capacity}");
    assert_eq!(
        get["requestTemplates"]["application/json"].as_str(),
        Some(expected.as_str())
    );
    assert!(
        expected
            .contains("$util.escapeJavaScript($input.params('id')).replaceAll(\"\\\\'\",\"'\")")
    );
    // A template outside any intrinsic is byte-identical.
    assert_eq!(
        at(
            doc,
            &format!("{GET}/responses/default/responseTemplates/application~1json")
        ),
        at(
            &raw,
            &format!("{GET}/responses/default/responseTemplates/application~1json")
        )
    );

    // Fn::Join of Refs; Fn::GetAtt in string form; ${Resource.Attribute} given explicitly.
    let post = at(doc, POST);
    assert_eq!(
        post["uri"],
        "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem"
    );
    assert_eq!(post["credentials"], get["credentials"]);
    assert_eq!(
        post["requestTemplates"]["application/json"],
        "{\"TableName\": \"orders-prod\", \"Item\": {\"id\": {\"S\": \"$context.requestId\"}}, \"Stream\": \"arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/1\"}"
    );

    // Fn::Select of Fn::Split inside Fn::Sub's variables; Fn::ImportValue of a Fn::Sub.
    let shared = at(doc, SHARED);
    assert_eq!(
        shared["uri"],
        "arn:aws:apigateway:eu-west-1:dynamodb:action/Scan"
    );
    assert_eq!(
        shared["credentials"],
        "arn:aws:iam::123456789012:role/shared"
    );

    // Neither a Role, a Function nor a Table: the synthetic CloudFormation ARN.
    assert_eq!(
        at(
            doc,
            "/components/securitySchemes/cognito/x-amazon-apigateway-authorizer/providerARNs/0"
        ),
        "arn:aws:cloudformation:us-east-1:123456789012:local/UserPool"
    );
}

#[test]
fn sam_document_reports_what_it_cannot_resolve_where_it_is() {
    let raw = parse(SAM, SAM_FILE);
    let n = normalize(&raw, SAM_FILE, &IndexMap::new());
    let errors = errors(&n.problems);
    assert_eq!(errors.len(), 2, "{errors:#?}");

    let import = errors
        .iter()
        .find(|e| e.location.pointer == format!("{SHARED}/credentials"))
        .expect("the Fn::ImportValue error");
    let ErrorKind::Intrinsic { function, message } = &import.kind else {
        panic!("{import:?}")
    };
    assert_eq!(function, "Fn::ImportValue");
    assert!(
        message.contains("\"local-stack-SharedRoleArn\""),
        "{message}"
    );
    assert!(
        message.contains("--param local-stack-SharedRoleArn=VALUE"),
        "{message}"
    );
    assert_eq!(import.location.file, SAM_FILE);

    let stream = errors
        .iter()
        .find(|e| e.location.pointer == format!("{POST}/requestTemplates/application~1json"))
        .expect("the StreamArn error");
    let ErrorKind::Intrinsic { function, message } = &stream.kind else {
        panic!("{stream:?}")
    };
    assert_eq!(function, "Fn::Sub");
    assert!(message.contains("${OrdersTable.StreamArn}"), "{message}");
    assert!(
        message.contains("--param OrdersTable.StreamArn=VALUE"),
        "{message}"
    );

    // What failed is left as written, so nothing is silently wrong.
    assert_eq!(
        at(&n.document, &format!("{SHARED}/credentials")),
        at(&raw, &format!("{SHARED}/credentials"))
    );

    // The pointers are positions in the file.
    let positions = Positions::index(SAM);
    let line = SAM
        .lines()
        .position(|l| l.trim_start().starts_with("Fn::ImportValue:"))
        .unwrap()
        + 1;
    assert_eq!(
        positions.find(&import.location.pointer).map(|p| p.0),
        Some(line - 1)
    );
}

#[test]
fn sam_document_warns_for_every_local_default_and_says_how_to_set_it() {
    let raw = parse(SAM, SAM_FILE);
    let n = normalize(&raw, SAM_FILE, &params(ALL_GIVEN));
    let warnings = warnings(&n.problems);
    let mut seen: Vec<(&str, &str)> = Vec::new();
    for w in &warnings {
        let ErrorKind::Tolerated(message) = &w.kind else {
            panic!("{w:?}")
        };
        assert_eq!(w.severity, Severity::Warning);
        assert!(message.contains("--param "), "{message}");
        seen.push((w.location.pointer.as_str(), message.as_str()));
    }
    let expect = [
        ("/servers/0/url", "--param OrdersApi=VALUE"),
        (
            "/paths/~1orders~1{id}/get/x-amazon-apigateway-integration/credentials",
            "--param OrdersApiRole.Arn=VALUE",
        ),
        (
            "/paths/~1orders/post/x-amazon-apigateway-integration/credentials",
            "--param OrdersApiRole.Arn=VALUE",
        ),
        (
            "/components/securitySchemes/cognito/x-amazon-apigateway-authorizer/providerARNs/0",
            "--param UserPool.Arn=VALUE",
        ),
    ];
    for (pointer, flag) in expect {
        assert!(
            seen.iter().any(|(p, m)| *p == pointer && m.contains(flag)),
            "no warning at {pointer} with {flag}: {seen:#?}"
        );
    }
    assert_eq!(warnings.len(), expect.len(), "{seen:#?}");
}

#[test]
fn explicit_pseudo_parameters_change_every_derived_value() {
    let raw = parse(SAM, SAM_FILE);
    let mut given = params(ALL_GIVEN);
    given.insert("AWS::Region".into(), "eu-central-1".into());
    given.insert("AWS::AccountId".into(), "111122223333".into());
    given.insert("AWS::StackName".into(), "prod".into());
    given.insert(
        "prod-SharedRoleArn".into(),
        "arn:aws:iam::111122223333:role/s".into(),
    );
    let n = normalize(&raw, SAM_FILE, &given);
    assert!(errors(&n.problems).is_empty(), "{:#?}", n.problems);
    let doc = &n.document;
    assert_eq!(at(doc, "/info/title"), "prod-orders");
    assert_eq!(
        at(doc, &format!("{GET}/uri")),
        "arn:aws:apigateway:eu-central-1:dynamodb:action/GetItem"
    );
    assert_eq!(
        at(doc, &format!("{GET}/credentials")),
        "arn:aws:iam::111122223333:role/OrdersApiRole"
    );
    assert_eq!(
        at(doc, &format!("{SHARED}/credentials")),
        "arn:aws:iam::111122223333:role/s"
    );
}

#[test]
fn local_defaults_table_is_what_resolution_uses() {
    let values = Values::new(&IndexMap::new());
    let row = |what: &str| {
        LOCAL_DEFAULTS
            .iter()
            .find(|r| r.0 == what)
            .unwrap_or_else(|| panic!("no row {what}"))
            .1
    };
    for name in [
        "AWS::Region",
        "AWS::AccountId",
        "AWS::Partition",
        "AWS::URLSuffix",
        "AWS::StackName",
        "AWS::StackId",
    ] {
        assert_eq!(values.get(name).as_deref(), Some(row(name)), "{name}");
        let (out, problems) = intrinsics::resolve(&json!({"Ref": name}), &values, "t");
        assert_eq!(out, json!(row(name)));
        assert!(problems.is_empty(), "{problems:?}");
    }
    let arn_rows = [
        (
            "OrdersRole",
            "Fn::GetAtt [X, Arn], X ending in Role or role",
        ),
        (
            "OrdersFunction",
            "Fn::GetAtt [X, Arn], X ending in Function, function, Lambda or lambda",
        ),
        (
            "OrdersTable",
            "Fn::GetAtt [X, Arn], X ending in Table or table",
        ),
        ("OrdersQueue", "Fn::GetAtt [X, Arn], any other X"),
    ];
    for (id, what) in arn_rows {
        let (out, problems) =
            intrinsics::resolve(&json!({"Fn::GetAtt": [id, "Arn"]}), &values, "t");
        assert_eq!(out, json!(row(what).replace('X', id)), "{what}");
        assert_eq!(problems.len(), 1);
        assert!(problems[0].is_warning());
    }
    let (out, _) = intrinsics::resolve(&json!({"Ref": "OrdersTable"}), &values, "t");
    assert_eq!(
        out,
        json!(row("Ref X, ${X} (any other name)").replace('X', "OrdersTable"))
    );
    let (out, _) = intrinsics::resolve(&json!({"Fn::GetAZs": ""}), &values, "t");
    assert_eq!(
        out.as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect::<Vec<_>>()
            .join(", "),
        row("Fn::GetAZs")
    );
    for (_, value, why) in LOCAL_DEFAULTS {
        assert!(!value.is_empty() && !why.is_empty());
    }
}

#[test]
fn functions_without_a_local_value_are_errors_naming_them() {
    let values = Values::new(&IndexMap::new());
    let cases = [
        (
            json!({"Fn::GetAtt": ["Orders", "StreamArn"]}),
            "Fn::GetAtt",
            "--param Orders.StreamArn=VALUE",
        ),
        (
            json!({"Fn::GetAtt": "Stack.Outputs.Url"}),
            "Fn::GetAtt",
            "--param Stack.Outputs.Url=VALUE",
        ),
        (
            json!({"Fn::ImportValue": "shared-table"}),
            "Fn::ImportValue",
            "--param shared-table=VALUE",
        ),
        (
            json!({"Fn::If": ["IsProd", "a", "b"]}),
            "Fn::If",
            "--param IsProd=true",
        ),
        (
            json!({"Fn::FindInMap": ["Regions", {"Ref": "AWS::Region"}, "Ami"]}),
            "Fn::FindInMap",
            "\"Regions\"",
        ),
        (
            json!({"Fn::Equals": ["a", "b"]}),
            "Fn::Equals",
            "conditions cannot be evaluated locally",
        ),
        (
            json!({"Ref": "AWS::NotificationARNs"}),
            "Ref",
            "--param AWS::NotificationARNs=VALUE",
        ),
        (
            json!({"Fn::Sub": "${AWS::NoValue}"}),
            "Fn::Sub",
            "AWS::NoValue",
        ),
        (
            json!({"Fn::Sub": "${not a name}"}),
            "Fn::Sub",
            "${!not a name}",
        ),
        (json!({"Fn::Join": [",", "not a list"]}), "Fn::Join", "list"),
        (
            json!({"Fn::Select": [5, ["a"]]}),
            "Fn::Select",
            "out of range",
        ),
        (
            json!({"Fn::Nope": 1}),
            "Fn::Nope",
            "not a CloudFormation intrinsic",
        ),
        (json!({"Ref": ["x"]}), "Ref", "a string"),
    ];
    for (doc, function, needle) in cases {
        let wrapped = json!({"a": [doc.clone()]});
        let (out, problems) = intrinsics::resolve(&wrapped, &values, "t.yaml");
        let errors = errors(&problems);
        assert_eq!(errors.len(), 1, "{doc}: {problems:#?}");
        let e = errors[0];
        assert_eq!(e.location.pointer, "/a/0", "{doc}");
        let ErrorKind::Intrinsic {
            function: f,
            message,
        } = &e.kind
        else {
            panic!("{e:?}")
        };
        assert_eq!(f, function, "{doc}");
        assert!(message.contains(needle), "{doc}: {message}");
        assert_eq!(out, wrapped, "a failed intrinsic is left as written");
    }
}

#[test]
fn nested_intrinsic_errors_point_at_the_inner_object() {
    let doc = json!({"x": {"Fn::Join": ["", ["a", {"Fn::ImportValue": "e"}]]}});
    let (_, problems) = intrinsics::resolve(&doc, &Values::new(&IndexMap::new()), "t");
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].location.pointer, "/x/Fn::Join/1/1");
}

#[test]
fn declared_deploy_parameters_are_values_too() {
    let doc = json!({
        "x-deploy-parameters": {"TableName": {"default": "albums"}},
        "v": {"Fn::Sub": "${TableName}"},
        "w": {"Ref": "TableName"}
    });
    let n = normalize(&doc, "t", &IndexMap::new());
    assert!(n.problems.is_empty(), "{:#?}", n.problems);
    assert_eq!(n.document["v"], "albums");
    assert_eq!(n.document["w"], "albums");
    let n = normalize(&doc, "t", &params(&[("TableName", "other")]));
    assert_eq!(n.document["v"], "other");
}

#[test]
fn plain_documents_come_back_equal() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml"))
        .expect("the project's openapi.yaml");
    for (text, file) in [
        (text.as_str(), "openapi.yaml"),
        (
            include_str!("data/valid-minimal.yaml"),
            "valid-minimal.yaml",
        ),
    ] {
        let raw = parse(text, file);
        let n = normalize(&raw, file, &IndexMap::new());
        assert!(n.problems.is_empty(), "{file}: {:#?}", n.problems);
        assert_same(&n.document, &raw);
        assert!(n.swagger.is_none());
        assert_eq!(n.original_pointer("/paths/~1a"), "/paths/~1a");
    }
}

// ---------------------------------------------------------------------------------------------
// Swagger 2.0

fn converted() -> (Value, swagger2::Converted) {
    let raw = parse(SWAGGER, SWAGGER_FILE);
    let c = swagger2::convert(&raw, SWAGGER_FILE);
    (raw, c)
}

#[test]
fn swagger_root_becomes_openapi_in_source_order() {
    let (_, c) = converted();
    assert!(c.problems.is_empty(), "{:#?}", c.problems);
    let doc = &c.document;
    let keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "openapi",
            "info",
            "servers",
            "x-amazon-apigateway-request-validators",
            "x-amazon-apigateway-request-validator",
            "paths",
            "components",
            "x-amazon-apigateway-gateway-responses"
        ]
    );
    assert_eq!(doc["openapi"], "3.0.3");
    assert_same(
        &doc["servers"],
        &json!([{"url": "https://abc123.execute-api.us-east-1.amazonaws.com/prod"}]),
    );
    let components: Vec<&str> = doc["components"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        components,
        [
            "schemas",
            "parameters",
            "requestBodies",
            "responses",
            "securitySchemes"
        ]
    );
}

#[test]
fn swagger_definitions_become_schemas_with_every_ref_rewritten() {
    let (_, c) = converted();
    let schemas = &c.document["components"]["schemas"];
    assert_same(
        &schemas["Order"],
        &json!({
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "string", "minLength": 1},
                "customer": {"$ref": "#/components/schemas/Customer"},
                "lines": {"type": "array", "items": {"$ref": "#/components/schemas/Line"}},
                "note": {"type": "string", "nullable": true}
            },
            "additionalProperties": false,
            // Examples are values, not schemas: as written.
            "example": {"id": "1", "$ref": "#/definitions/NotASchemaRef"}
        }),
    );
    assert_same(
        &schemas["Customer"]["properties"]["address"],
        &json!({"allOf": [
            {"$ref": "#/components/schemas/Address"},
            {"type": "object", "properties": {"country": {"type": "string"}}}
        ]}),
    );
    assert_same(
        &schemas["OrderList"],
        &json!({"type": "array", "items": {"$ref": "#/components/schemas/Order"}}),
    );
    // Nowhere outside x- extensions and examples does #/definitions/ survive.
    let text = serde_json::to_string(&c.document).unwrap();
    assert_eq!(text.matches("#/definitions/").count(), 3, "{text}");
}

#[test]
fn swagger_extensions_and_templates_are_byte_identical() {
    let (raw, c) = converted();
    let found = templates(&raw);
    assert!(found.len() >= 6, "{found:?}");
    for (pointer, template) in &found {
        assert_eq!(
            c.document.pointer(pointer).and_then(Value::as_str),
            Some(template.as_str()),
            "{pointer}"
        );
    }
    for op in [
        "/paths/~1orders/get",
        "/paths/~1orders/post",
        "/paths/~1{proxy+}/x-amazon-apigateway-any-method",
    ] {
        let p = format!("{op}/x-amazon-apigateway-integration");
        assert_same(at(&c.document, &p), at(&raw, &p));
    }
    assert_same(
        at(&c.document, "/paths/~1orders/post/x-model-note"),
        &json!({"$ref": "#/definitions/Order"}),
    );
    for key in [
        "x-amazon-apigateway-request-validators",
        "x-amazon-apigateway-request-validator",
        "x-amazon-apigateway-gateway-responses",
    ] {
        assert_same(&c.document[key], &raw[key]);
    }
}

#[test]
fn swagger_body_and_responses_become_request_body_and_content() {
    let (raw, c) = converted();
    let post = at(&c.document, "/paths/~1orders/post");
    let mut expected = json!({
        "operationId": "putOrder",
        "requestBody": {
            "description": "the order to store",
            "required": true,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}}
        },
        "responses": {
            "204": {
                "description": "stored",
                "headers": {"X-Request-Id": {"schema": {"type": "string"}}}
            },
            "400": {
                "description": "invalid",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
            }
        },
        "security": [{"cognito": []}],
        "x-model-note": {"$ref": "#/definitions/Order"}
    });
    expected["x-amazon-apigateway-integration"] =
        at(&raw, "/paths/~1orders/post/x-amazon-apigateway-integration").clone();
    assert_same(post, &expected);

    let get = at(&c.document, "/paths/~1orders/get");
    assert_same(
        &get["parameters"],
        &json!([
            {"$ref": "#/components/parameters/Limit"},
            {"name": "ids", "in": "query",
             "schema": {"type": "array", "items": {"type": "string"}},
             "style": "form", "explode": true},
            {"name": "X-Trace", "in": "header", "required": false, "schema": {"type": "string"}}
        ]),
    );
    assert_same(
        &get["responses"]["200"],
        &json!({
            "description": "a page of orders",
            "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/OrderList"},
                "example": [{"id": "1"}]
            }},
            "headers": {"X-Next-Cursor": {
                "schema": {"type": "string"},
                "description": "present while more may follow"
            }}
        }),
    );

    // Path-level parameters stay on the path item; a $ref to a root body parameter is a
    // $ref to a request body; a $ref to a root response follows it.
    let item = at(&c.document, "/paths/~1orders~1{id}");
    assert_same(
        &item["parameters"],
        &json!([{"name": "id", "in": "path", "required": true,
                 "schema": {"type": "string", "minLength": 1}}]),
    );
    assert_same(
        &item["put"],
        &json!({
            "operationId": "replaceOrder",
            "requestBody": {"$ref": "#/components/requestBodies/OrderBody"},
            "responses": {
                "200": {"description": "replaced"},
                "404": {"$ref": "#/components/responses/NotFound"}
            },
            "x-amazon-apigateway-integration": at(
                &raw,
                "/paths/~1orders~1{id}/put/x-amazon-apigateway-integration"
            )
        }),
    );
    // Operation-level produces: one content entry per media type.
    let delete = at(
        &c.document,
        "/paths/~1orders~1{id}/delete/responses/200/content",
    );
    let types: Vec<&str> = delete
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(types, ["application/json", "application/xml"]);

    let components = &c.document["components"];
    assert_same(
        &components["parameters"],
        &json!({"Limit": {"name": "limit", "in": "query",
                          "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}}}),
    );
    assert_same(
        &components["requestBodies"],
        &json!({"OrderBody": {"required": true, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Order"}}}}}),
    );
    assert_same(
        &components["responses"],
        &json!({"NotFound": {"description": "not found", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Error"}}}}}),
    );
}

#[test]
fn swagger_form_data_becomes_an_object_schema() {
    let (_, c) = converted();
    assert_same(
        at(&c.document, "/paths/~1upload/post/requestBody"),
        &json!({
            "content": {"multipart/form-data": {"schema": {
                "type": "object",
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "note": {"type": "string", "description": "free text"}
                },
                "required": ["file"]
            }}},
            "required": true
        }),
    );
    assert_same(
        at(&c.document, "/paths/~1form/post/requestBody"),
        &json!({
            "content": {"application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "artist": {"type": "string", "minLength": 1},
                        "tags": {"type": "array", "items": {"type": "string"}}
                    },
                    "required": ["artist"]
                },
                "encoding": {"tags": {"style": "form", "explode": false}}
            }},
            "required": true
        }),
    );
    assert!(
        c.document
            .pointer("/paths/~1form/post/parameters")
            .is_none()
    );
    assert_same(
        at(
            &c.document,
            "/paths/~1{proxy+}/x-amazon-apigateway-any-method/parameters",
        ),
        &json!([{"name": "proxy", "in": "path", "required": true, "schema": {"type": "string"}}]),
    );
}

#[test]
fn swagger_security_definitions_become_security_schemes() {
    let (raw, c) = converted();
    let schemes = &c.document["components"]["securitySchemes"];
    assert_same(&schemes["api_key"], &raw["securityDefinitions"]["api_key"]);
    // The Cognito authorizer and its authtype, verbatim.
    assert_same(&schemes["cognito"], &raw["securityDefinitions"]["cognito"]);
    assert_same(
        &schemes["basic"],
        &json!({"type": "http", "scheme": "basic", "description": "for tools"}),
    );
    assert_same(
        &schemes["oauth"],
        &json!({"type": "oauth2", "flows": {"authorizationCode": {
            "authorizationUrl": "https://auth.example.com/authorize",
            "tokenUrl": "https://auth.example.com/token",
            "scopes": {"orders/read": "read orders"}
        }}}),
    );
}

#[test]
fn swagger_pointers_map_back_to_the_source() {
    let (_, c) = converted();
    let cases = [
        (
            "/components/schemas/Order/properties/customer",
            "/definitions/Order/properties/customer",
        ),
        (
            "/components/schemas/Order/properties/note/nullable",
            "/definitions/Order/properties/note/x-nullable",
        ),
        ("/components/schemas/Customer", "/definitions/Customer"),
        (
            "/paths/~1orders/post/requestBody/content/application~1json/schema",
            "/paths/~1orders/post/parameters/0/schema",
        ),
        (
            "/paths/~1orders/post/requestBody",
            "/paths/~1orders/post/parameters/0",
        ),
        (
            "/paths/~1orders/get/parameters/1/schema/items",
            "/paths/~1orders/get/parameters/1/items",
        ),
        (
            "/paths/~1orders/get/parameters/1/style",
            "/paths/~1orders/get/parameters/1/collectionFormat",
        ),
        (
            "/paths/~1orders/get/responses/200/content/application~1json/schema/$ref",
            "/paths/~1orders/get/responses/200/schema/$ref",
        ),
        (
            "/paths/~1orders/get/responses/200/content/application~1json/example",
            "/paths/~1orders/get/responses/200/examples/application~1json",
        ),
        (
            "/paths/~1orders/get/responses/200/headers/X-Next-Cursor/schema/type",
            "/paths/~1orders/get/responses/200/headers/X-Next-Cursor/type",
        ),
        (
            "/paths/~1orders/post/x-amazon-apigateway-integration/requestTemplates/application~1json",
            "/paths/~1orders/post/x-amazon-apigateway-integration/requestTemplates/application~1json",
        ),
        (
            "/paths/~1form/post/requestBody/content/application~1x-www-form-urlencoded/schema/properties/tags",
            "/parameters/Tags",
        ),
        (
            "/paths/~1form/post/requestBody/content/application~1x-www-form-urlencoded/schema/properties/artist/minLength",
            "/paths/~1form/post/parameters/0/minLength",
        ),
        (
            "/components/parameters/Limit/schema/maximum",
            "/parameters/Limit/maximum",
        ),
        (
            "/components/requestBodies/OrderBody/content/application~1json/schema",
            "/parameters/OrderBody/schema",
        ),
        (
            "/components/responses/NotFound/content/application~1json/schema",
            "/responses/NotFound/schema",
        ),
        (
            "/components/securitySchemes/oauth/flows/authorizationCode/tokenUrl",
            "/securityDefinitions/oauth/tokenUrl",
        ),
        (
            "/components/securitySchemes/cognito/x-amazon-apigateway-authorizer",
            "/securityDefinitions/cognito/x-amazon-apigateway-authorizer",
        ),
        ("/servers/0/url", "/host"),
        ("/openapi", "/swagger"),
    ];
    for (converted, original) in cases {
        assert_eq!(c.original_pointer(converted), original, "{converted}");
    }
    // ... and so to the line and column of the Swagger file.
    let positions = Positions::index(SWAGGER);
    let line = |needle: &str| SWAGGER.lines().position(|l| l == needle).unwrap() + 1;
    let pos = positions
        .find(&c.original_pointer("/components/schemas/Order/properties/customer"))
        .unwrap();
    assert_eq!(pos.0, line("      customer:"));
    let pos = positions
        .find(&c.original_pointer("/components/schemas/Order/properties/note/nullable"))
        .unwrap();
    assert_eq!(pos.0, line("        x-nullable: true"));
}

#[test]
fn swagger_parameter_indices_shift_when_the_body_leaves_the_list() {
    let doc = json!({
        "swagger": "2.0",
        "paths": {"/a": {"post": {
            "parameters": [
                {"name": "b", "in": "body", "schema": {"type": "object"}},
                {"name": "q", "in": "query", "type": "string"}
            ],
            "responses": {"200": {"description": "ok"}}
        }}}
    });
    let c = swagger2::convert(&doc, "t.json");
    assert_eq!(at(&c.document, "/paths/~1a/post/parameters/0/name"), "q");
    assert_eq!(
        c.original_pointer("/paths/~1a/post/parameters/0/schema/type"),
        "/paths/~1a/post/parameters/1/type"
    );
}

#[test]
fn swagger_without_an_equivalent_is_a_warning_naming_the_pointer() {
    let doc = json!({
        "swagger": "2.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {
            "schemes": ["http"],
            "parameters": [
                {"name": "p", "in": "path", "required": true, "type": "array",
                 "items": {"type": "string"}, "collectionFormat": "tsv"}
            ],
            "responses": {"200": {"description": "ok"}}
        }}}
    });
    let c = swagger2::convert(&doc, "t.json");
    let pointers: Vec<&str> = c
        .problems
        .iter()
        .map(|p| p.location.pointer.as_str())
        .collect();
    assert_eq!(
        pointers,
        [
            "/paths/~1a/get/schemes",
            "/paths/~1a/get/parameters/0/collectionFormat"
        ]
    );
    for p in &c.problems {
        assert!(p.is_warning());
        assert!(matches!(p.kind, ErrorKind::Swagger(_)), "{p:?}");
    }
    let other = swagger2::convert(&json!({"swagger": "1.2"}), "t.json");
    assert_eq!(other.problems.len(), 1);
    assert!(!other.problems[0].is_warning());
}

#[test]
fn swagger_with_intrinsics_is_resolved_then_converted_and_loads() {
    let raw = parse(SWAGGER, SWAGGER_FILE);
    let n = normalize(&raw, SWAGGER_FILE, &IndexMap::new());
    assert!(n.problems.is_empty(), "{:#?}", n.problems);
    assert_eq!(
        at(
            &n.document,
            "/paths/~1orders/post/x-amazon-apigateway-integration/uri"
        ),
        "arn:aws:apigateway:us-east-1:dynamodb:action/PutItem"
    );
    for (pointer, template) in templates(&raw) {
        assert_eq!(
            n.document.pointer(&pointer).and_then(Value::as_str),
            Some(template.as_str())
        );
    }
    assert_eq!(
        n.original_pointer("/components/schemas/Order/properties/customer"),
        "/definitions/Order/properties/customer"
    );
    // The result is a document the loader takes.
    let text = serde_json::to_string_pretty(&n.document).unwrap();
    let api = apidef::Api::from_str_with(&text, "converted.json", &IndexMap::new());
    assert!(api.is_ok(), "{:?}", api.err());
}

// ---------------------------------------------------------------------------------------------
// Totality: random and hostile inputs never panic.

const KEYS: &[&str] = &[
    "Ref",
    "Fn::Sub",
    "Fn::GetAtt",
    "Fn::Join",
    "Fn::If",
    "Fn::Select",
    "Fn::Split",
    "Fn::Base64",
    "Fn::ImportValue",
    "Fn::FindInMap",
    "Fn::GetAZs",
    "Fn::Equals",
    "Fn::Nope",
    "swagger",
    "openapi",
    "paths",
    "/a",
    "/b/{id}",
    "get",
    "post",
    "x-amazon-apigateway-any-method",
    "parameters",
    "in",
    "name",
    "required",
    "schema",
    "type",
    "items",
    "$ref",
    "definitions",
    "responses",
    "200",
    "headers",
    "X-H",
    "properties",
    "additionalProperties",
    "allOf",
    "securityDefinitions",
    "flow",
    "scopes",
    "consumes",
    "produces",
    "collectionFormat",
    "examples",
    "example",
    "x-nullable",
    "host",
    "basePath",
    "schemes",
    "description",
    "discriminator",
    "x-deploy-parameters",
    "default",
    "~",
    "a/b",
];

const STRINGS: &[&str] = &[
    "2.0",
    "body",
    "formData",
    "query",
    "path",
    "header",
    "array",
    "file",
    "object",
    "string",
    "csv",
    "multi",
    "ssv",
    "pipes",
    "tsv",
    "apiKey",
    "basic",
    "oauth2",
    "accessCode",
    "application",
    "implicit",
    "password",
    "#/definitions/A",
    "#/parameters/P",
    "#/parameters/",
    "#/responses/R",
    "multipart/form-data",
    "application/x-www-form-urlencoded",
    "AWS::NoValue",
    "AWS::Region",
    "AWS::StackId",
    "AWS::Nope",
    "OrdersTable",
    "Orders.Arn",
    "A.StreamArn",
    "${AWS::Region}",
    "${X.Arn}",
    "${!x}",
    "${",
    "${}",
    "${a b}",
    "$input.path('$')",
    "IsProd",
    "",
    ",",
    "a,b",
    "Arn",
    "0",
    "-1",
    "99",
];

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => proptest::sample::select(KEYS).prop_map(str::to_string),
        1 => "[a-zA-Z:$~/{}.]{0,6}",
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => any::<i64>().prop_map(|n| json!(n)),
        1 => any::<f64>().prop_map(|f| json!(f)),
        4 => proptest::sample::select(STRINGS).prop_map(|s| json!(s)),
        1 => ".{0,12}".prop_map(Value::String),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(7, 96, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            proptest::collection::vec((key(), inner.clone()), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            // A one-key object: an intrinsic call (or a look-alike).
            (key(), inner).prop_map(|(k, v)| {
                let mut m = serde_json::Map::new();
                m.insert(k, v);
                Value::Object(m)
            }),
        ]
    })
}

/// A document that starts like Swagger 2.0, so the converter goes deep.
fn swaggerish() -> impl Strategy<Value = Value> {
    (
        value(),
        value(),
        value(),
        value(),
        proptest::collection::vec((key(), value()), 0..4),
    )
        .prop_map(|(op, definitions, params, security, extra)| {
            let mut doc = json!({
                "swagger": "2.0",
                "paths": {"/a": {"parameters": params.clone(), "get": op, "post": {"parameters": [params]}}},
                "definitions": {"A": definitions},
                "parameters": {"P": {"in": "body", "schema": security.clone()}},
                "securityDefinitions": {"s": security}
            });
            if let Value::Object(m) = &mut doc {
                for (k, v) in extra {
                    m.insert(k, v);
                }
            }
            doc
        })
}

fn all_pointers(v: &Value, ptr: &str, out: &mut Vec<String>) {
    out.push(ptr.to_string());
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                all_pointers(x, &pointer_push(ptr, k), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                all_pointers(x, &pointer_push(ptr, &i.to_string()), out);
            }
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn resolve_is_total(doc in value()) {
        let explicit = params(&[("IsProd", "true"), ("Orders.Arn", "arn:x"), ("e", "v")]);
        let values = Values::from_document(&doc, &explicit);
        let (out, problems) = intrinsics::resolve(&doc, &values, "p.yaml");
        // Fully resolved unless something was reported as an error.
        if errors(&problems).is_empty() {
            prop_assert!(!intrinsics::contains_intrinsic(&out), "{out}");
        }
        if !intrinsics::contains_intrinsic(&doc) {
            prop_assert_eq!(&out, &doc);
            prop_assert!(problems.is_empty());
        }
    }

    #[test]
    fn convert_is_total(doc in prop_oneof![value(), swaggerish()]) {
        let c = swagger2::convert(&doc, "p.yaml");
        let mut pointers = Vec::new();
        all_pointers(&c.document, "", &mut pointers);
        for p in pointers {
            let _ = c.original_pointer(&p);
        }
        let _ = c.original_pointer("no/leading/slash");
        if doc.get("swagger").is_none() {
            prop_assert_eq!(&c.document, &doc);
        }
    }

    #[test]
    fn normalize_is_total(doc in prop_oneof![value(), swaggerish()]) {
        let n = normalize(&doc, "p.yaml", &params(&[("AWS::Region", "eu-west-1")]));
        let _ = n.original_pointer("/components/schemas/A/properties/x");
        if !intrinsics::contains_intrinsic(&doc) && doc.get("swagger").is_none() {
            prop_assert_eq!(&n.document, &doc);
            prop_assert!(n.problems.is_empty());
        }
    }

    #[test]
    fn original_pointer_is_total(p in ".{0,40}") {
        let (_, c) = converted();
        let _ = c.original_pointer(&p);
    }
}

/// Run `f` on a thread with a 1 MiB stack, half of what a test (or a tokio worker) gets, so the
/// depth cap is shown to leave room in a debug build. (The documents are only a little deeper
/// than the cap: serde_json's own recursive drop of a far deeper `Value` would not fit.)
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("no panic, no overflow");
}

#[test]
fn deep_intrinsics_stop_with_an_error_not_a_crash() {
    on_small_stack(|| {
        let mut deep = json!("leaf");
        for _ in 0..(intrinsics::MAX_NESTING * 4) {
            deep = json!({"Fn::Base64": deep});
        }
        let (_, problems) = intrinsics::resolve(&deep, &Values::new(&IndexMap::new()), "d");
        assert_eq!(errors(&problems).len(), 1, "one error, not one per level");
        let mut deep = json!("leaf");
        for _ in 0..(intrinsics::MAX_NESTING * 4) {
            deep = json!({"Fn::Sub": ["${a}", {"a": deep}]});
        }
        let (_, problems) = intrinsics::resolve(&deep, &Values::new(&IndexMap::new()), "d");
        assert_eq!(errors(&problems).len(), 1);
    });
}

#[test]
fn deepest_accepted_document_fits_a_small_stack() {
    // Plain nesting up to the depth cap, then intrinsics nested up to their own cap.
    on_small_stack(|| {
        let mut deep = json!({"Fn::Sub": "${AWS::Region}"});
        for _ in 0..intrinsics::MAX_NESTING - 1 {
            deep = json!({"Fn::Sub": ["${a}", {"a": deep}]});
        }
        for _ in 0..(intrinsics::MAX_DEPTH - intrinsics::MAX_NESTING) / 2 {
            deep = json!({"a": [deep]});
        }
        let (out, problems) = intrinsics::resolve(&deep, &Values::new(&IndexMap::new()), "d");
        assert!(problems.is_empty(), "{problems:#?}");
        let mut leaf = &out;
        while let Some(next) = leaf.get("a").and_then(|a| a.get(0)) {
            leaf = next;
        }
        assert_eq!(leaf, "us-east-1");
    });
}

#[test]
fn deep_plain_documents_stop_with_an_error_not_a_crash() {
    on_small_stack(|| {
        let mut deep = json!({"Ref": "X"});
        for _ in 0..150 {
            deep = json!({"a": [deep]});
        }
        let (_, problems) = intrinsics::resolve(&deep, &Values::new(&IndexMap::new()), "d");
        assert_eq!(errors(&problems).len(), 1, "one error, not one per level");
        let n = normalize(&deep, "d", &IndexMap::new());
        assert_eq!(errors(&n.problems).len(), 1);
    });
}

#[test]
fn deep_schemas_stop_with_an_error_not_a_crash() {
    on_small_stack(|| {
        let mut schema = json!({"type": "string"});
        for _ in 0..150 {
            schema = json!({"type": "object", "properties": {"p": {"items": schema}}});
        }
        let doc = json!({"swagger": "2.0", "paths": {}, "definitions": {"A": schema}});
        let c = swagger2::convert(&doc, "d");
        assert_eq!(errors(&c.problems).len(), 1);
        // Both steps say so: the tree is too deep to resolve, the schemas too deep to convert.
        let n = normalize(&doc, "d", &IndexMap::new());
        assert_eq!(errors(&n.problems).len(), 2, "{:#?}", n.problems);
    });
}
