//! In process and over HTTP the gateway answers every request alike: one list of requests
//! (methods incl. OPTIONS, content types incl. text/plain, odd bodies, paths with `%`, `+`,
//! encoded spaces and non-ASCII, headers, query strings, unknown routes) is sent both to
//! `Gateway::handle` and, as raw HTTP/1.1, to `gateway::server::serve` on 127.0.0.1; status,
//! headers and body must be the same.
//!
//! Both sides get their own gateway and store with the same fixed clock and the same request-id
//! sequence, and receive the same sequence of requests, so their state and their
//! `$context.requestId`/`requestTime` agree. Compared headers exclude only what is random by
//! design (`x-amz-apigw-id`, a generated `X-Amzn-Trace-Id`: both must be present) and what the
//! HTTP transport adds (`content-length`, checked against the body; `connection`).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use gateway::{Gateway, Request, Response};
use indexmap::IndexMap;
use serde_json::json;

/// One request as the raw client sends it: method, target, headers, body.
type Case = (&'static str, String, Vec<(&'static str, String)>, Vec<u8>);

fn gateway_for(api: apidef::Api) -> Gateway {
    gateway_with(api, Arc::new(dynamo::Embedded::new()))
}

fn gateway_with(api: apidef::Api, store: Arc<dyn dynamo::Dynamo>) -> Gateway {
    let counter = Arc::new(AtomicU64::new(0));
    Gateway::builder(api, store)
        .request_ids(Arc::new(move || {
            format!(
                "00000000-0000-4000-8000-{:012}",
                counter.fetch_add(1, Ordering::Relaxed)
            )
        }))
        .clock(Arc::new(|| UNIX_EPOCH + Duration::from_secs(1_764_638_274)))
        .access_log(Arc::new(|_| {}))
        .build()
        .expect("gateway builds")
}

/// The CDK `defaultCorsPreflightOptions` preflight exactly as `cdk synth` writes it (MOCK, request
/// template `{ statusCode: 200 }`, no passthroughBehavior, one 204 integration response with the
/// Access-Control-Allow-* mappings), beside a GET that passes a DynamoDB Query reply through.
fn cdk_api() -> apidef::Api {
    let preflight = json!({
        "responses": {"204": {"description": "preflight", "headers": {
            "Access-Control-Allow-Headers": {"schema": {"type": "string"}},
            "Access-Control-Allow-Origin": {"schema": {"type": "string"}},
            "Access-Control-Allow-Methods": {"schema": {"type": "string"}}}}},
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": "{ statusCode: 200 }"},
            "responses": {"default": {"statusCode": "204", "responseParameters": {
                "method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent'",
                "method.response.header.Access-Control-Allow-Origin": "'*'",
                "method.response.header.Access-Control-Allow-Methods": "'OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD'"}}}
        }
    });
    let query = json!({
        "parameters": [{"name": "id", "in": "query", "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok", "headers": {
            "X-Backend-Crc32": {"schema": {"type": "string"}},
            "X-Backend-Date": {"schema": {"type": "string"}},
            "X-Backend-Type": {"schema": {"type": "string"}}}}},
        "x-amazon-apigateway-integration": {
            "type": "aws", "httpMethod": "POST",
            "uri": "arn:aws:apigateway:us-east-1:dynamodb:action/Query",
            "credentials": "arn:aws:iam::123456789012:role/r",
            "requestTemplates": {"application/json": "{\"TableName\": \"items\", \"KeyConditionExpression\": \"id = :id\", \"ExpressionAttributeValues\": {\":id\": {\"S\": \"$util.escapeJavaScript($input.params('id'))\"}}}"},
            "responses": {"default": {"statusCode": "200", "responseParameters": {
                "method.response.header.X-Backend-Crc32": "integration.response.header.x-amz-crc32",
                "method.response.header.X-Backend-Date": "integration.response.header.Date",
                "method.response.header.X-Backend-Type": "integration.response.header.Content-Type"}}}
        }
    });
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "cdk", "version": "1"},
        "paths": {"/items": {"options": preflight.clone(), "get": query}, "/items/{id}": {"options": preflight, "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}]}},
        "x-dynamodb-tables": {"T": {"TableName": "items",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}]}},
    });
    apidef::Api::from_str_with(&doc.to_string(), "cdk.json", &IndexMap::new())
        .unwrap_or_else(|e| panic!("the CDK-shaped document loads: {e}"))
}

fn albums_api() -> apidef::Api {
    apidef::Api::load(common::spec_path()).expect("openapi.yaml loads")
}

fn h(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
}

fn json_ct() -> Vec<(&'static str, String)> {
    h(&[("Content-Type", "application/json")])
}

fn text_ct() -> Vec<(&'static str, String)> {
    h(&[("Content-Type", "text/plain")])
}

/// Requests that every API gets: routing, limits-free oddities, methods nobody defines.
fn common_cases() -> Vec<Case> {
    vec![
        ("OPTIONS", "/".into(), text_ct(), vec![]),
        ("OPTIONS", "/".into(), vec![], vec![]),
        ("OPTIONS", "/nope".into(), text_ct(), b"x".to_vec()),
        ("GET", "/nope/at/all".into(), vec![], vec![]),
        ("HEAD", "/nope".into(), vec![], vec![]),
        ("HEAD", "/".into(), text_ct(), vec![]),
        ("PATCH", "/items".into(), json_ct(), b"{}".to_vec()),
        ("GET", "/%ZZ/%".into(), vec![], vec![]),
        ("GET", "/a+b/c%20d/%E2%82%AC".into(), vec![], vec![]),
        ("GET", "/%C3%28".into(), vec![], vec![]),
        ("GET", "/prod".into(), vec![], vec![]),
        ("GET", "//".into(), vec![], vec![]),
        ("GET", "/?%=%&a=%ZZ&b=+&c=%E2%82%AC".into(), vec![], vec![]),
        (
            "DELETE",
            "/x".into(),
            h(&[(
                "X-Amzn-Trace-Id",
                "Root=1-5759e988-bd862e3fe1be46a994272793",
            )]),
            vec![],
        ),
    ]
}

fn cdk_cases() -> Vec<Case> {
    let mut cases = common_cases();
    cases.extend([
        // A browser's preflight: no body, no Content-Type.
        (
            "OPTIONS",
            "/items".into(),
            h(&[
                ("Origin", "https://example.com"),
                ("Access-Control-Request-Method", "POST"),
            ]),
            vec![],
        ),
        ("OPTIONS", "/items".into(), json_ct(), vec![]),
        ("OPTIONS", "/items".into(), json_ct(), b"{\"a\":1}".to_vec()),
        ("OPTIONS", "/items".into(), text_ct(), vec![]),
        ("OPTIONS", "/items".into(), text_ct(), b"hello".to_vec()),
        (
            "OPTIONS",
            "/items".into(),
            h(&[("Content-Type", "text/plain; charset=utf-8")]),
            b"{\"statusCode\": 404}".to_vec(),
        ),
        (
            "OPTIONS",
            "/items".into(),
            h(&[("Content-Type", "")]),
            vec![],
        ),
        (
            "OPTIONS",
            "/prod/items/%F0%9F%8E%B8".into(),
            text_ct(),
            vec![],
        ),
        ("OPTIONS", "/items/a%2Fb".into(), vec![], vec![0xff, 0xfe]),
        ("GET", "/items?id=".into(), vec![], vec![]),
        ("GET", "/items?id=a+b".into(), vec![], vec![]),
        (
            "GET",
            "/items?id=%22%5C".into(),
            text_ct(),
            b"ignored".to_vec(),
        ),
        (
            "GET",
            "/items?id=x&id=y".into(),
            h(&[("Accept", "text/html")]),
            vec![],
        ),
    ]);
    cases
}

fn album_cases() -> Vec<Case> {
    let mut cases = common_cases();
    let album =
        br#"{"artist":"Bj\u00f6rk","album":"a+b %41 ","tracks":[{"title":"t","length":"1:00"}]}"#;
    cases.extend([
        ("POST", "/album".into(), json_ct(), album.to_vec()),
        (
            "POST",
            "/album".into(),
            json_ct(),
            b"{\"artist\":\"Rush\",\"album\":\"2112\"}".to_vec(),
        ),
        ("POST", "/album".into(), text_ct(), album.to_vec()),
        ("POST", "/album".into(), vec![], album.to_vec()),
        ("POST", "/album".into(), json_ct(), b"{\"a\":".to_vec()),
        ("POST", "/album".into(), json_ct(), vec![]),
        (
            "POST",
            "/album".into(),
            h(&[("Content-Type", "application/json; charset=UTF-8")]),
            "{\"artist\":\"\u{00e9}\u{2028}\",\"album\":\"\u{1F3B8}\"}"
                .as_bytes()
                .to_vec(),
        ),
        ("OPTIONS", "/album".into(), text_ct(), vec![]),
        ("GET", "/".into(), vec![], vec![]),
        ("GET", "/?limit=1".into(), vec![], vec![]),
        ("GET", "/?limit=0".into(), vec![], vec![]),
        ("GET", "/?cursor=".into(), vec![], vec![]),
        ("GET", "/?cursor=%%%".into(), vec![], vec![]),
        ("GET", "/?cursor=UnVzaA.MjExMg".into(), vec![], vec![]),
        ("GET", "/prod/?limit=2&limit=1".into(), text_ct(), vec![]),
        ("GET", "/Bj%C3%B6rk/a%2Bb%20%2541%20".into(), vec![], vec![]),
        (
            "GET",
            "/Bj%C3%B6rk/a+b %41 ".replace(' ', "%20"),
            vec![],
            vec![],
        ),
        (
            "GET",
            "/Rush/2112".into(),
            h(&[("Accept", "text/plain")]),
            vec![],
        ),
        ("GET", "/Rush/none".into(), vec![], vec![]),
        ("GET", "/Rush/2112/extra".into(), vec![], vec![]),
        ("DELETE", "/Rush/2112".into(), text_ct(), b"body".to_vec()),
        ("DELETE", "/Rush/2112".into(), vec![], vec![]),
        ("PUT", "/Rush/2112".into(), json_ct(), b"{}".to_vec()),
    ]);
    cases
}

/// Headers as compared: lower-cased names, sorted, without the random and transport ones.
fn comparable(
    headers: &[(String, String)],
    body_len: usize,
    sent_trace: bool,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut seen_apigw_id = false;
    let mut seen_trace = false;
    for (k, v) in headers {
        let k = k.to_ascii_lowercase();
        match k.as_str() {
            "x-amz-apigw-id" => seen_apigw_id = true,
            "x-amzn-trace-id" if !sent_trace => seen_trace = true,
            "content-length" => {
                assert_eq!(v.parse::<usize>().ok(), Some(body_len), "Content-Length")
            }
            "connection" => {}
            // The two stores' own clocks (DynamoDB's `Date`), mapped by the CDK document.
            "x-backend-date" => assert!(v.ends_with(" GMT"), "{v}"),
            _ => out.push((k, v.clone())),
        }
    }
    assert!(seen_apigw_id, "x-amz-apigw-id missing in {headers:?}");
    assert!(
        sent_trace || seen_trace,
        "X-Amzn-Trace-Id missing in {headers:?}"
    );
    out.sort();
    out
}

async fn agree(api: fn() -> apidef::Api, cases: Vec<Case>) {
    agree_with(&|| gateway_for(api()), cases).await;
}

/// Sends every case to two fresh gateways made by `make`, in process and over HTTP; asserts that
/// they agree and returns the statuses.
async fn agree_with(make: &dyn Fn() -> Gateway, cases: Vec<Case>) -> Vec<u16> {
    let local = make();
    local.create_tables().await.expect("tables");
    let served = make();
    served.create_tables().await.expect("tables");
    let mut statuses = Vec::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gateway::server::serve(listener, served, async {
        let _ = stopped.await;
    }));

    let mut disagreements = Vec::new();
    for (method, target, headers, body) in &cases {
        // The in-process request carries exactly the header lines the raw client writes.
        let mut req = Request::new(*method, target.clone())
            .header("Host", addr.clone())
            .header("Connection", "close");
        for (k, v) in headers {
            req = req.header(*k, v.clone());
        }
        let req = req
            .header("Content-Length", body.len().to_string())
            .body(body.clone());
        let a: Response = local.handle(req).await;
        statuses.push(a.status);
        let hdrs: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let b = common::request(&addr, method, target, &hdrs, body).await;
        let sent_trace = headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("x-amzn-trace-id"));
        let what = format!(
            "{method} {target} {headers:?} {:?}",
            String::from_utf8_lossy(body)
        );
        let (ha, hb) = (
            comparable(&a.headers, a.body.len(), sent_trace),
            comparable(&b.headers, b.body.len(), sent_trace),
        );
        if a.status != b.status || ha != hb || a.body.as_ref() != b.body.as_slice() {
            disagreements.push(format!(
                "{what}\n  in process: {} {ha:?} {:?}\n  over HTTP:  {} {hb:?} {:?}",
                a.status,
                a.text(),
                b.status,
                b.text()
            ));
        }
    }
    let _ = stop.send(());
    let _ = server.await;
    assert!(
        disagreements.is_empty(),
        "{} of {} requests disagree:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements.join("\n")
    );
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cdk_preflight_and_passthrough_agree() {
    agree(cdk_api, cdk_cases()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn albums_api_agrees() {
    agree(albums_api, album_cases()).await;
}

/// CDK's preflight answers its 204 with the Access-Control-Allow-* headers whatever the request's
/// Content-Type, as on AWS; a JSON body that is not a status is not read as one.
#[tokio::test]
async fn cdk_preflight_answers_204() {
    let g = gateway_for(cdk_api());
    for ct in [None, Some("application/json"), Some("text/plain")] {
        let mut r = Request::new("OPTIONS", "/items").header("Origin", "https://example.com");
        if let Some(ct) = ct {
            r = r.header("Content-Type", ct);
        }
        let resp = g.handle(r).await;
        assert_eq!(resp.status, 204, "{ct:?}: {}", resp.text());
        assert_eq!(resp.header("Access-Control-Allow-Origin"), Some("*"));
        assert_eq!(
            resp.header("Access-Control-Allow-Methods"),
            Some("OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD")
        );
        assert!(
            resp.header("Access-Control-Allow-Headers")
                .is_some_and(|v| v.contains("X-Amz-Date"))
        );
        assert!(resp.body.is_empty(), "{:?}", resp.text());
    }
    let resp = g.handle(Request::new("OPTIONS", "/items/abc")).await;
    assert_eq!(resp.status, 204);
}

/// An empty Query passed through unchanged is AWS's recorded bytes, and the store's reply headers
/// reach `integration.response.header.*` mappings in process.
#[tokio::test]
async fn empty_query_passes_through_byte_exact_with_dynamodb_headers() {
    let g = gateway_for(cdk_api());
    g.create_tables().await.expect("tables");
    let resp = g.handle(Request::new("GET", "/items?id=nobody")).await;
    assert_eq!(resp.status, 200);
    let expected = r#"{"Count":0,"Items":[],"ScannedCount":0}"#;
    assert_eq!(resp.text(), expected);
    assert_eq!(
        resp.header("X-Backend-Crc32"),
        Some(
            dynamo::util::crc32(expected.as_bytes())
                .to_string()
                .as_str()
        )
    );
    assert_eq!(
        resp.header("X-Backend-Type"),
        Some("application/x-amz-json-1.0")
    );
    // `Date` as DynamoDB sends it: an IMF-fixdate of now.
    let date = resp
        .header("X-Backend-Date")
        .expect("integration.response.header.Date mapped");
    let now = dynamo::util::http_date(std::time::SystemTime::now());
    assert_eq!(date.len(), now.len(), "{date}");
    assert_eq!(&date[date.len() - 4..], " GMT");
    assert_eq!(&date[..16], &now[..16], "{date} vs {now}");
}

/// A store that throttles every call, as DynamoDB does under load (its 400
/// `ProvisionedThroughputExceededException`).
struct Throttling;

#[async_trait::async_trait]
impl dynamo::Dynamo for Throttling {
    async fn call(&self, action: &str, _body: &[u8]) -> dynamo::DynamoResponse {
        if action == "CreateTable" || action == "DescribeTable" {
            return dynamo::DynamoResponse::json(200, &json!({"Table": {"TableStatus": "ACTIVE"}}));
        }
        dynamo::DynamoResponse::json(
            400,
            &json!({"__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                    "message": "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."}),
        )
    }
}

fn when_no_templates_api() -> apidef::Api {
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "wnt", "version": "1"},
        "paths": {"/m": {"post": {
            "responses": {"200": {"description": "ok"}},
            "x-amazon-apigateway-integration": {
                "type": "mock", "passthroughBehavior": "when_no_templates",
                "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
                "responses": {"default": {"statusCode": "200"}}}}}},
    });
    apidef::Api::from_str_with(&doc.to_string(), "wnt.json", &IndexMap::new()).expect("loads")
}

/// The statuses API Gateway itself answers, alike in process and over HTTP: 403 Missing
/// Authentication Token for an unknown route, 415 for passthroughBehavior `never` and for
/// `when_no_templates` without a matching template, 413 above 10 MB; 429 is the document's own
/// answer to DynamoDB throttling (the gateway has no throttle of its own: dialect table).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_statuses_agree() {
    let big = vec![b'a'; gateway::MAX_PAYLOAD_BYTES + 1];
    let statuses = agree_with(
        &|| gateway_for(albums_api()),
        vec![
            ("GET", "/no/such/route/here".into(), vec![], vec![]),
            ("PUT", "/album".into(), json_ct(), b"{}".to_vec()),
            (
                "POST",
                "/album".into(),
                text_ct(),
                b"{\"artist\":\"a\",\"album\":\"b\"}".to_vec(),
            ),
            ("POST", "/album".into(), json_ct(), big.clone()),
            ("GET", "/?cursor=".into(), vec![], vec![]),
            ("GET", "/?cursor=not-a-cursor".into(), vec![], vec![]),
            ("GET", "/?cursor=UnVzaA==.MjExMg==".into(), vec![], vec![]),
            ("GET", "/?cursor".into(), vec![], vec![]),
            ("GET", "/?cursor=UnVzaA.MjExMg".into(), vec![], vec![]),
            ("GET", "/?cursor=_w==._w==".into(), vec![], vec![]),
        ],
    )
    .await;
    // Well-formed cursors are read (`_w==` decodes to a byte that is not UTF-8, read as U+FFFD
    // as Java's decoder does): a page, never a 500.
    assert_eq!(statuses, [403, 403, 415, 413, 400, 400, 200, 400, 400, 200]);

    let statuses = agree_with(
        &|| gateway_for(when_no_templates_api()),
        vec![
            ("POST", "/m".into(), text_ct(), b"x".to_vec()),
            ("POST", "/m".into(), json_ct(), b"{}".to_vec()),
        ],
    )
    .await;
    assert_eq!(statuses, [415, 200]);

    let statuses = agree_with(
        &|| gateway_with(albums_api(), Arc::new(Throttling)),
        vec![
            ("GET", "/".into(), vec![], vec![]),
            (
                "POST",
                "/album".into(),
                json_ct(),
                b"{\"artist\":\"a\",\"album\":\"b\"}".to_vec(),
            ),
        ],
    )
    .await;
    assert_eq!(statuses, [429, 429]);
}
