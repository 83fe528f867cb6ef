//! One test (or a few) per pipeline step of ARCHITECTURE.md, with the AWS-recorded vectors of
//! docs/evidence/apigateway-semantics.md §8.3 and §8.4. Specs are built in the test, mostly with `type: mock`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use gateway::{Gateway, Request, Response};
use indexmap::IndexMap;
use serde_json::{Value, json};

fn api(paths: Value, extra: Value) -> apidef::Api {
    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": paths,
    });
    if let (Some(d), Some(e)) = (doc.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            d.insert(k.clone(), v.clone());
        }
    }
    apidef::Api::from_str_with(&doc.to_string(), "test.json", &IndexMap::new())
        .unwrap_or_else(|e| panic!("test spec does not load: {e}"))
}

fn responses() -> Value {
    json!({"200": {"description": "ok"}, "400": {"description": "bad"}, "404": {"description": "nf"}, "500": {"description": "err"}})
}

/// A mock operation: `request` template for application/json, integration responses as given.
fn mock(request: &str, integration_responses: Value) -> Value {
    json!({
        "responses": responses(),
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": request},
            "responses": integration_responses,
        }
    })
}

fn ok_200(template: &str) -> Value {
    json!({"default": {"statusCode": "200", "responseTemplates": {"application/json": template}}})
}

async fn gw(api: apidef::Api) -> Gateway {
    let g = Gateway::new(api, Arc::new(dynamo::Embedded::new())).expect("gateway builds");
    g.create_tables().await.expect("tables");
    g
}

async fn send(g: &Gateway, r: Request) -> Response {
    g.handle(r).await
}

fn with_params(mut op: Value, params: Value) -> Value {
    op["parameters"] = params;
    op
}

// ---------------------------------------------------------------------------------------------
// 1. Routing
// ---------------------------------------------------------------------------------------------

fn routing_api() -> apidef::Api {
    let echo = |name: &str| {
        mock(
            r#"{"statusCode": 200}"#,
            ok_200(&format!(
                r#"{{"op":"{name}","p":"$input.params('p')","proxy":"$input.params('proxy')"}}"#
            )),
        )
    };
    api(
        json!({
            "/items": {"get": echo("list"), "post": echo("create")},
            "/items/special": {"get": echo("special")},
            "/items/{p}": {"get": with_params(echo("one"), json!([{"name": "p", "in": "path", "required": true, "schema": {"type": "string"}}]))},
            "/files/{proxy+}": {"get": with_params(echo("files"), json!([{"name": "proxy", "in": "path", "required": true, "schema": {"type": "string"}}]))},
            "/any": {"x-amazon-apigateway-any-method": echo("any"), "get": echo("any-get")},
        }),
        json!({}),
    )
}

#[tokio::test]
async fn routing_unknown_path_and_method_are_403_missing_authentication_token() {
    // AWS-REC test_routing_not_found (docs/evidence/apigateway-semantics.md §8.4).
    let g = gw(routing_api()).await;
    for r in [
        Request::new("GET", "/nothing"),
        Request::new("DELETE", "/items"),
        Request::new("GET", "/items/a/b"),
        Request::new("GET", "/"),
        Request::new("BREW", "/items"),
    ] {
        let resp = send(&g, r).await;
        assert_eq!(resp.status, 403);
        assert_eq!(resp.text(), r#"{"message":"Missing Authentication Token"}"#);
        assert_eq!(
            resp.header("x-amzn-ErrorType"),
            Some("MissingAuthenticationTokenException")
        );
        assert_eq!(resp.header("content-type"), Some("application/json"));
        assert!(resp.header("x-amzn-RequestId").is_some());
        assert!(resp.header("x-amz-apigw-id").is_some());
    }
}

#[tokio::test]
async fn routing_precedence_greedy_any_and_decoding() {
    let g = gw(routing_api()).await;
    let op = |r: &Response| r.json().map(|v| v["op"].clone());
    assert_eq!(
        op(&send(&g, Request::new("GET", "/items")).await),
        Some(json!("list"))
    );
    assert_eq!(
        op(&send(&g, Request::new("POST", "/items")).await),
        Some(json!("create"))
    );
    assert_eq!(
        op(&send(&g, Request::new("GET", "/items/special")).await),
        Some(json!("special"))
    );
    let r = send(&g, Request::new("GET", "/items/a%20b%2Fc%2541")).await;
    assert_eq!(
        r.json(),
        Some(json!({"op": "one", "p": "a b/c%41", "proxy": ""}))
    );
    let r = send(&g, Request::new("GET", "/files/a/b%20c/d")).await;
    assert_eq!(r.json().map(|v| v["proxy"].clone()), Some(json!("a/b c/d")));
    assert_eq!(
        op(&send(&g, Request::new("GET", "/any")).await),
        Some(json!("any-get"))
    );
    assert_eq!(
        op(&send(&g, Request::new("PATCH", "/any")).await),
        Some(json!("any"))
    );
    // With and without the stage prefix.
    assert_eq!(
        op(&send(&g, Request::new("GET", "/prod/items/special")).await),
        Some(json!("special"))
    );
    assert_eq!(
        op(&send(&g, Request::new("GET", "/items/")).await),
        Some(json!("list"))
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Validation
// ---------------------------------------------------------------------------------------------

fn validated_api() -> apidef::Api {
    let mut op = mock(r#"{"statusCode": 200}"#, ok_200(r#"{"ok":true}"#));
    op["parameters"] = json!([
        {"name": "qs1", "in": "query", "required": true, "schema": {"type": "string"}},
        {"name": "issuer", "in": "query", "required": true, "schema": {"type": "string"}},
        {"name": "x-header-param", "in": "header", "required": true, "schema": {"type": "string"}},
        {"name": "optional", "in": "query", "required": false, "schema": {"type": "string"}},
    ]);
    op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}});
    api(
        json!({"/pets": {"post": op}}),
        json!({
            "x-amazon-apigateway-request-validators": {"all": {"validateRequestBody": true, "validateRequestParameters": true}},
            "x-amazon-apigateway-request-validator": "all",
            "components": {"schemas": {"Pet": {"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string"}, "age": {"type": "integer", "minimum": 0, "exclusiveMinimum": true}}}}}
        }),
    )
}

#[tokio::test]
async fn validation_missing_parameters_aws_message_and_order() {
    // AWS-REC test_api_gateway_request_validator (docs/evidence/apigateway-semantics.md §8.4).
    let g = gw(validated_api()).await;
    let body = json!({"name": "x"});
    let r = send(&g, Request::new("POST", "/pets").json(&body)).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.text(),
        r#"{"message": "Missing required request parameters: [x-header-param, issuer, qs1]"}"#
    );
    assert_eq!(r.header("x-amzn-ErrorType"), Some("BadRequestException"));
    let r = send(&g, Request::new("POST", "/pets?qs1=1&issuer=2").json(&body)).await;
    assert_eq!(
        r.text(),
        r#"{"message": "Missing required request parameters: [x-header-param]"}"#
    );
    let r = send(
        &g,
        Request::new("POST", "/pets?issuer=2")
            .header("x-header-param", "h")
            .json(&body),
    )
    .await;
    assert_eq!(
        r.text(),
        r#"{"message": "Missing required request parameters: [qs1]"}"#
    );
    // Blank counts as missing (DG: `?q1=` fails).
    let r = send(
        &g,
        Request::new("POST", "/pets?issuer=2&qs1=")
            .header("X-Header-Param", "h")
            .json(&body),
    )
    .await;
    assert_eq!(
        r.text(),
        r#"{"message": "Missing required request parameters: [qs1]"}"#
    );
    // Parameters are checked before the body.
    let r = send(
        &g,
        Request::new("POST", "/pets?issuer=2")
            .header("x-header-param", "h")
            .body("not json"),
    )
    .await;
    assert_eq!(
        r.text(),
        r#"{"message": "Missing required request parameters: [qs1]"}"#
    );
}

#[tokio::test]
async fn validation_body_against_draft4_model() {
    let g = gw(validated_api()).await;
    let base = || Request::new("POST", "/pets?issuer=2&qs1=1").header("x-header-param", "h");
    let ok = send(&g, base().json(&json!({"name": "rex", "age": 3}))).await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    for bad in [
        base().json(&json!({"age": 3})),
        base().json(&json!({"name": 5})),
        // Draft 4: boolean exclusiveMinimum, and 1.0 is not an integer.
        base().json(&json!({"name": "rex", "age": 0})),
        base().json(&json!({"name": "rex", "age": 1.5})),
        base()
            .header("Content-Type", "application/json")
            .body("{\"name\":"),
        // Empty body against a model with `required` (AWS-REC).
        base(),
        base()
            .header("Content-Type", "application/json")
            .body(vec![0xff, 0xfe]),
    ] {
        let r = send(&g, bad).await;
        assert_eq!(r.status, 400);
        assert_eq!(r.text(), r#"{"message": "Invalid request body"}"#);
        assert_eq!(r.header("x-amzn-ErrorType"), Some("BadRequestException"));
    }
}

// ---------------------------------------------------------------------------------------------
// Gateway responses
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn gateway_responses_customised_and_inherited() {
    let mut a = validated_api();
    let extra = json!({
        "DEFAULT_4XX": {
            "responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'",
                                   "gatewayresponse.header.X-Issuer": "method.request.querystring.issuer"},
            "responseTemplates": {"application/json": "{\"message\":$context.error.messageString,\"type\":\"$context.error.responseType\",\"stage\":\"$context.stage\"}"}
        },
        "BAD_REQUEST_BODY": {
            "statusCode": "422",
            "responseTemplates": {"application/json": "{\"why\":\"$context.error.validationErrorString\",\"m\":\"$context.error.message\"}"}
        }
    });
    let mut raw = a.resolved.clone();
    raw["x-amazon-apigateway-gateway-responses"] = extra;
    a = apidef::Api::from_str_with(&raw.to_string(), "test.json", &IndexMap::new()).expect("loads");
    let g = gw(a).await;
    let r = send(&g, Request::new("POST", "/pets?issuer=me").json(&json!({}))).await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(
        r.json(),
        Some(
            json!({"message": "Missing required request parameters: [x-header-param, qs1]", "type": "BAD_REQUEST_PARAMETERS", "stage": "prod"})
        )
    );
    assert_eq!(r.header("Access-Control-Allow-Origin"), Some("*"));
    assert_eq!(r.header("X-Issuer"), Some("me"));
    let r = send(&g, Request::new("GET", "/nope")).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json().map(|v| v["type"].clone()),
        Some(json!("MISSING_AUTHENTICATION_TOKEN"))
    );
    let r = send(
        &g,
        Request::new("POST", "/pets?issuer=2&qs1=1")
            .header("x-header-param", "h")
            .json(&json!({})),
    )
    .await;
    assert_eq!(r.status, 422);
    // validationErrorString is substituted as is (a bracketed list; quoting it is the template's
    // business, docs/evidence/apigateway-semantics.md §4.3).
    let t = r.text();
    assert!(
        t.starts_with("{\"why\":\"[")
            && t.contains("name")
            && t.ends_with("]\",\"m\":\"Invalid request body\"}"),
        "{t}"
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Template selection and passthroughBehavior
// ---------------------------------------------------------------------------------------------

fn passthrough_api(behaviour: &str, with_template: bool) -> apidef::Api {
    let mut integ = json!({
        "type": "mock",
        "passthroughBehavior": behaviour,
        "responses": ok_200("$input.body"),
    });
    if with_template {
        integ["requestTemplates"] = json!({"application/json": "{\"statusCode\": 200}"});
    }
    api(
        json!({"/p": {"post": {"responses": responses(), "x-amazon-apigateway-integration": integ}}}),
        json!({}),
    )
}

#[tokio::test]
async fn passthrough_behaviours() {
    let text = |ct: &str| {
        Request::new("POST", "/p")
            .header("Content-Type", ct)
            .body("")
    };
    // Templates exist, none for text/plain.
    let r = send(
        &gw(passthrough_api("when_no_match", true)).await,
        text("text/plain"),
    )
    .await;
    assert_eq!(r.status, 200);
    for b in ["never", "when_no_templates"] {
        let r = send(&gw(passthrough_api(b, true)).await, text("text/plain")).await;
        assert_eq!(r.status, 415, "{b}");
        assert_eq!(r.text(), r#"{"message":"Unsupported Media Type"}"#);
        assert_eq!(r.header("x-amzn-ErrorType"), Some("BadRequestException"));
    }
    // No templates at all.
    for (b, s) in [
        ("when_no_match", 200),
        ("when_no_templates", 200),
        ("never", 415),
    ] {
        let r = send(&gw(passthrough_api(b, false)).await, text("text/plain")).await;
        assert_eq!(r.status, s, "{b}");
    }
    // Media type parameters are ignored; no Content-Type means application/json.
    let g = gw(passthrough_api("never", true)).await;
    let r = send(&g, text("Application/JSON; charset=UTF-8")).await;
    assert_eq!(r.status, 200);
    let r = send(&g, Request::new("POST", "/p")).await;
    assert_eq!(r.status, 200);
}

// ---------------------------------------------------------------------------------------------
// 4/7. Overrides and map assignment (AWS-REC, docs/evidence/apigateway-semantics.md §8.3)
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn response_override_from_request_template() {
    let req = "#set($context.responseOverride.status = 444)\n#set($context.responseOverride.header.foo = \"bar\")\n#set($context.responseOverride.custom = \"is also passed around\")\n{\"statusCode\": 200}";
    let resp_tpl = r#"{"statusOverride": "$context.responseOverride.status", "fooHeader": "$context.responseOverride.header.foo", "custom": "$context.responseOverride.custom"}"#;
    let g = gw(api(
        json!({"/o": {"get": mock(req, ok_200(resp_tpl))}}),
        json!({}),
    ))
    .await;
    let r = send(&g, Request::new("GET", "/o")).await;
    assert_eq!(r.status, 444);
    assert_eq!(r.header("foo"), Some("bar"));
    assert_eq!(
        r.json(),
        Some(
            json!({"statusOverride": "444", "fooHeader": "bar", "custom": "is also passed around"})
        )
    );
    // Without any response template: 444 and an empty body.
    let g = gw(api(
        json!({"/o": {"get": mock(req, json!({"default": {"statusCode": "200"}}))}}),
        json!({}),
    ))
    .await;
    let r = send(&g, Request::new("GET", "/o")).await;
    assert_eq!(r.status, 444);
    assert_eq!(r.header("foo"), Some("bar"));
    assert_eq!(r.text(), "");
}

#[tokio::test]
async fn request_override_map_assignment() {
    let req = "#set($paramName = \"foo\")\n#set($context.requestOverride.querystring[$paramName] = \"bar\")\n#set($k = \"putfoo\")$context.requestOverride.querystring.put($k, \"putBar\")\n#set($context[\"requestOverride\"].querystring[\"nestedfoo\"] = \"nestedFoo\")\n{\"statusCode\": 200}";
    let resp_tpl = r#"{"value": "$context.requestOverride.querystring.foo", "value2": "$context.requestOverride.querystring.putfoo", "value3": "$context.requestOverride.querystring.nestedfoo"}"#;
    let g = gw(api(
        json!({"/m": {"get": mock(req, ok_200(resp_tpl))}}),
        json!({}),
    ))
    .await;
    let r = send(&g, Request::new("GET", "/m")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        Some(json!({"value": "bar", "value2": "putBar", "value3": "nestedFoo"}))
    );
}

#[tokio::test]
async fn request_override_path_as_stash() {
    let req = "#set($context.requestOverride.path.body = $util.base64Decode($input.params('testPath')))\n{\"statusCode\": 200}";
    let resp_tpl = "#set($b = $util.parseJson($context.requestOverride.path.body))#if($b.message == \"ok\"){\"branch\":\"if\"}#elseif($b.message == \"meh\"){\"branch\":\"elseif\"}#else{\"branch\":\"else\"}#end";
    let mut op = mock(req, ok_200(resp_tpl));
    op["parameters"] = json!([{"name": "testPath", "in": "query", "schema": {"type": "string"}}]);
    let g = gw(api(json!({"/s": {"get": op}}), json!({}))).await;
    for (msg, branch) in [("ok", "if"), ("meh", "elseif"), ("other", "else")] {
        let encoded = base64_encode(&format!("{{\"message\":\"{msg}\"}}"));
        let r = send(
            &g,
            Request::new(
                "GET",
                format!("/s?testPath={}", encoded.replace('=', "%3D")),
            ),
        )
        .await;
        assert_eq!(
            r.json(),
            Some(json!({"branch": branch})),
            "{msg}: {}",
            r.text()
        );
    }
}

fn base64_encode(s: &str) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        out.push(A[(n >> 18) as usize & 63] as char);
        out.push(A[(n >> 12) as usize & 63] as char);
        out.push(if c.len() > 1 {
            A[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if c.len() > 2 {
            A[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

#[tokio::test]
async fn response_override_status_out_of_range_is_ignored() {
    for (s, expect) in [("600", 200), ("99", 200), ("201", 201), ("\"404\"", 404)] {
        let tpl = format!("#set($context.responseOverride.status = {s})ok");
        let g = gw(api(
            json!({"/o": {"get": mock("{\"statusCode\": 200}", ok_200(&tpl))}}),
            json!({}),
        ))
        .await;
        let r = send(&g, Request::new("GET", "/o")).await;
        assert_eq!(r.status, expect, "{s}");
    }
}

// ---------------------------------------------------------------------------------------------
// 5. DynamoDB (AWS-REC test_apigateway_dynamodb, docs/evidence/apigateway-semantics.md §8.4)
// ---------------------------------------------------------------------------------------------

fn dynamodb_api() -> apidef::Api {
    let op = |action: &str, tpl: &str| {
        json!({
            "parameters": [{"name": "id", "in": "query", "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok"}},
            "x-amazon-apigateway-integration": {
                "type": "aws", "httpMethod": "POST",
                "uri": format!("arn:aws:apigateway:us-east-1:dynamodb:action/{action}"),
                "credentials": "arn:aws:iam::123456789012:role/r",
                "requestTemplates": {"application/json": tpl},
                "responses": {"default": {"statusCode": "200", "responseTemplates": {"application/json": "$input.json('$')"}}}
            }
        })
    };
    api(
        json!({
            "/put": {"post": op("PutItem", r#"{"TableName": "ttt", "Item": {"id": {"S": "$input.params('id')"}}}"#)},
            "/query": {"post": op("Query", r#"{"TableName": "ttt", "KeyConditionExpression": "id = :id", "ExpressionAttributeValues": {":id": {"S": "$input.params('id')"}}}"#)},
        }),
        json!({"x-dynamodb-tables": {"T": {"TableName": "ttt",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}}}),
    )
}

#[tokio::test]
async fn dynamodb_put_and_query_with_a_default_only_integration_response() {
    let g = gw(dynamodb_api()).await;
    let r = send(&g, Request::new("POST", "/put?id=test")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), Some(json!({})));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let r = send(&g, Request::new("POST", "/query?id=test")).await;
    assert_eq!(
        r.json(),
        Some(json!({"Count": 1, "Items": [{"id": {"S": "test"}}], "ScannedCount": 1}))
    );
    let r = send(&g, Request::new("POST", "/query?id=nothing")).await;
    assert_eq!(
        r.json(),
        Some(json!({"Count": 0, "Items": [], "ScannedCount": 0}))
    );
    // A DynamoDB error with only a default response comes back as 200 with DynamoDB's error JSON
    // (docs/evidence/apigateway-semantics.md §3.3): the empty key is a ValidationException.
    let r = send(&g, Request::new("POST", "/put")).await;
    assert_eq!(r.status, 200);
    let v = r.json().expect("json");
    assert!(
        v["__type"]
            .as_str()
            .is_some_and(|t| t.ends_with("ValidationException")),
        "{v}"
    );
}

struct Slow;

#[async_trait::async_trait]
impl dynamo::Dynamo for Slow {
    async fn call(&self, _action: &str, _body: &[u8]) -> dynamo::DynamoResponse {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        dynamo::DynamoResponse::new(200, b"{}".to_vec())
    }
}

#[tokio::test]
async fn integration_timeout_is_504() {
    let mut doc = dynamodb_api().resolved.clone();
    doc["paths"]["/put"]["post"]["x-amazon-apigateway-integration"]["timeoutInMillis"] = json!(50);
    let a =
        apidef::Api::from_str_with(&doc.to_string(), "t.json", &IndexMap::new()).expect("loads");
    let g = Gateway::new(a, Arc::new(Slow)).expect("builds");
    let r = send(&g, Request::new("POST", "/put?id=x")).await;
    assert_eq!(r.status, 504);
    assert_eq!(r.text(), r#"{"message": "Endpoint request timed out"}"#);
}

#[tokio::test]
async fn unsupported_integrations_are_refused_at_new() {
    for (t, uri) in [
        ("http", "https://example.com"),
        (
            "aws_proxy",
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f/invocations",
        ),
        ("aws", "arn:aws:apigateway:us-east-1:sqs:path/123/q"),
    ] {
        let a = api(
            json!({"/x": {"get": {"responses": responses(), "x-amazon-apigateway-integration": {"type": t, "httpMethod": "POST", "uri": uri}}}}),
            json!({}),
        );
        let e = Gateway::new(a, Arc::new(dynamo::Embedded::new())).expect_err(t);
        assert!(e.to_string().contains("GET /x"), "{e}");
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Integration response selection
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn selection_by_status_string() {
    let rs = json!({
        "2\\d{2}": {"statusCode": "200", "responseTemplates": {"application/json": "two"}},
        "4\\d{2}": {"statusCode": "400", "responseTemplates": {"application/json": "four"}},
        "404": {"statusCode": "404", "responseTemplates": {"application/json": "never: 4\\d{2} comes first"}},
        "default": {"statusCode": "500", "responseTemplates": {"application/json": "default"}},
    });
    let g = gw(api(
        json!({"/s": {"get": mock("{\"statusCode\": $input.params('s')}", rs)}}),
        json!({}),
    ))
    .await;
    for (s, status, body) in [
        ("201", 200, "two"),
        ("404", 400, "four"),
        ("302", 500, "default"),
    ] {
        let r = send(&g, Request::new("GET", format!("/s?s={s}"))).await;
        assert_eq!((r.status, r.text().as_str()), (status, body), "{s}");
    }
    // No match and no default: 500 (API_CONFIGURATION_ERROR).
    let g = gw(api(
        json!({"/s": {"get": mock("{\"statusCode\": 201}", json!({"200": {"statusCode": "200"}}))}}),
        json!({}),
    ))
    .await;
    let r = send(&g, Request::new("GET", "/s")).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.text(), r#"{"message": "Internal server error"}"#);
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("InternalServerErrorException")
    );
}

// ---------------------------------------------------------------------------------------------
// 7. Response templates, responseParameters, Content-Type
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn response_template_by_accept_and_response_parameters() {
    let rs = json!({"default": {
        "statusCode": "200",
        "responseParameters": {
            "method.response.header.X-Request-Id": "context.requestId",
            "method.response.header.X-Static": "'static value'",
            "method.response.header.X-Stage": "stageVariables.color",
            "method.response.header.X-Q": "method.request.querystring.q",
        },
        "responseTemplates": {"application/json": "{\"json\":true}", "application/xml": "<xml/>", "text/plain": "plain"}
    }});
    let mut op = mock("{\"statusCode\": 200}", rs);
    op["parameters"] = json!([{"name": "q", "in": "query", "schema": {"type": "string"}}]);
    op["responses"]["200"]["headers"] = json!({
        "X-Request-Id": {"schema": {"type": "string"}}, "X-Static": {"schema": {"type": "string"}},
        "X-Stage": {"schema": {"type": "string"}}, "X-Q": {"schema": {"type": "string"}}});
    let a = api(
        json!({"/r": {"get": op}}),
        json!({"x-deploy-stage": {"name": "dev", "variables": {"color": "blue"}}}),
    );
    let ids = Arc::new(|| "req-1".to_string());
    let g = Gateway::builder(a, Arc::new(dynamo::Embedded::new()))
        .request_ids(ids)
        .build()
        .expect("builds");
    let r = send(&g, Request::new("GET", "/r?q=hi")).await;
    assert_eq!(r.text(), "{\"json\":true}");
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("X-Request-Id"), Some("req-1"));
    assert_eq!(r.header("x-amzn-RequestId"), Some("req-1"));
    assert_eq!(r.header("X-Static"), Some("static value"));
    assert_eq!(r.header("X-Stage"), Some("blue"));
    assert_eq!(r.header("X-Q"), Some("hi"));
    let r = send(
        &g,
        Request::new("GET", "/r").header("Accept", "application/xml, application/json"),
    )
    .await;
    assert_eq!(r.text(), "<xml/>");
    assert_eq!(r.header("content-type"), Some("application/xml"));
    let r = send(&g, Request::new("GET", "/r").header("Accept", "image/png")).await;
    assert_eq!(r.text(), "{\"json\":true}");
    // The stage prefix follows --stage.
    let r = send(&g, Request::new("GET", "/dev/r")).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn template_failure_is_500_with_an_execution_log_naming_the_template() {
    // The execution log's sink, not a tracing subscriber: `set_default` is per thread and tracing
    // caches each callsite's interest process-wide, so with tests running on other threads a
    // scoped subscriber can miss events (the flake CI hit at stop 19).
    let logs = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = logs.clone();
    let req = "{\"statusCode\": 200}\n#set($s = \"abc\")#set($x = $s.substring(5))";
    let a = api(json!({"/f": {"get": mock(req, ok_200("ok"))}}), json!({}));
    let g = Gateway::builder(a, Arc::new(dynamo::Embedded::new()))
        .execution_log(Arc::new(move |l: &str| {
            sink.lock().expect("lock").push(l.to_string())
        }))
        .build()
        .expect("builds");
    let r = send(&g, Request::new("GET", "/f")).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.text(), r#"{"message": "Internal server error"}"#);
    assert_eq!(r.body.len(), 36);
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("InternalServerErrorException")
    );
    let text = logs.lock().expect("lock").join("\n");
    assert!(text.contains("Unable to transform request"), "{text}");
    assert!(
        text.contains(
            "/paths/~1f/get/x-amazon-apigateway-integration/requestTemplates/application~1json"
        ),
        "{text}"
    );
    assert!(text.contains("template line 2:"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// 8. Access log, trace ids, limits
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn access_log_one_line_per_request() {
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = {
        let lines = lines.clone();
        Arc::new(move |l: &str| {
            if let Ok(mut v) = lines.lock() {
                v.push(l.to_string());
            }
        })
    };
    let g = Gateway::builder(routing_api(), Arc::new(dynamo::Embedded::new()))
        .access_log(sink)
        .clock(Arc::new(|| {
            std::time::UNIX_EPOCH + Duration::from_secs(1_428_582_896)
        }))
        .request_ids(Arc::new(|| "rid".to_string()))
        .build()
        .expect("builds");
    send(&g, Request::new("GET", "/items/x")).await;
    send(&g, Request::new("GET", "/nope")).await;
    let v = lines.lock().expect("lock").clone();
    assert_eq!(v.len(), 2);
    let first: Value = serde_json::from_str(&v[0]).expect("json line");
    assert_eq!(
        first,
        json!({"requestId": "rid", "ip": "127.0.0.1", "caller": "-", "user": "-",
               "requestTime": "09/Apr/2015:12:34:56 +0000", "httpMethod": "GET",
               "resourcePath": "/items/{p}", "status": "200", "protocol": "HTTP/1.1",
               "responseLength": "31"})
    );
    let second: Value = serde_json::from_str(&v[1]).expect("json line");
    assert_eq!(second["status"], "403");
    assert_eq!(second["resourcePath"], "-");

    let lines2 = Arc::new(Mutex::new(Vec::<String>::new()));
    let l2 = lines2.clone();
    let g = Gateway::builder(routing_api(), Arc::new(dynamo::Embedded::new()))
        .access_log(Arc::new(move |l: &str| {
            if let Ok(mut v) = l2.lock() {
                v.push(l.to_string());
            }
        }))
        .access_log_format(
            "$context.httpMethod $context.path $context.status $context.error.responseType",
        )
        .build()
        .expect("builds");
    send(&g, Request::new("GET", "/items/x")).await;
    send(&g, Request::new("GET", "/prod/items/y")).await;
    send(&g, Request::new("GET", "/nope")).await;
    let got = lines2.lock().expect("lock").clone();
    assert_eq!(
        got,
        vec![
            "GET /prod/items/x 200 -",
            "GET /prod/items/y 200 -",
            "GET /nope 403 MISSING_AUTHENTICATION_TOKEN"
        ]
    );
}

#[tokio::test]
async fn trace_id_propagated_or_generated() {
    let g = gw(routing_api()).await;
    let r = send(
        &g,
        Request::new("GET", "/items").header(
            "X-Amzn-Trace-Id",
            "Root=1-5759e988-bd862e3fe1be46a994272793",
        ),
    )
    .await;
    assert_eq!(
        r.header("X-Amzn-Trace-Id"),
        Some("Root=1-5759e988-bd862e3fe1be46a994272793")
    );
    let r = send(&g, Request::new("GET", "/items")).await;
    assert!(
        r.header("X-Amzn-Trace-Id")
            .is_some_and(|t| t.starts_with("Root=1-"))
    );
}

#[tokio::test]
async fn limits_payload_and_headers() {
    let g = gw(routing_api()).await;
    let r = send(
        &g,
        Request::new("POST", "/items").body(vec![b'a'; gateway::MAX_PAYLOAD_BYTES + 1]),
    )
    .await;
    assert_eq!(r.status, 413);
    assert_eq!(r.text(), r#"{"message":"Request Too Long"}"#);
    let r = send(
        &g,
        Request::new("POST", "/items").body(vec![b' '; gateway::MAX_PAYLOAD_BYTES]),
    )
    .await;
    assert_eq!(r.status, 200);
    let r = send(
        &g,
        Request::new("GET", "/items").header("X-Big", "a".repeat(11_000)),
    )
    .await;
    assert_eq!(r.status, 431);
    let r = send(
        &g,
        Request::new("GET", format!("/items/{}", "a".repeat(12_000))),
    )
    .await;
    assert_eq!(r.status, 431);
}

#[test]
fn dialect_table_is_public_and_non_empty() {
    assert!(gateway::dialect::CHOICES.len() >= 10);
}
