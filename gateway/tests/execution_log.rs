//! Execution logs: the lines, their order and wording as `test-invoke-method` and CloudWatch
//! show them (the order of LocalStack's AWS-validated TestInvokeMethod log: method request,
//! endpoint request, endpoint response, method response, completion), at the stage's
//! `loggingLevel`, with data only when `dataTraceEnabled`. On the albums and, for a failing
//! template, on a third party's document.

mod common;

use std::sync::{Arc, Mutex};

use gateway::{Gateway, Request};
use serde_json::json;

type Lines = Arc<Mutex<Vec<String>>>;

async fn albums(stage: serde_json::Value) -> (Gateway, Lines) {
    let path = common::spec_path();
    let text = std::fs::read_to_string(&path).expect("openapi.yaml");
    let mut doc = apidef::source::parse(&text, &path).expect("parses");
    for (k, v) in stage.as_object().expect("stage settings") {
        doc["x-deploy-stage"][k] = v.clone();
    }
    let (gw, lines) = logged(&doc, "albums.json");
    gw.create_tables().await.expect("tables");
    (gw, lines)
}

/// A gateway for `doc` whose execution log goes to the returned lines.
fn logged(doc: &serde_json::Value, file: &str) -> (Gateway, Lines) {
    let api =
        apidef::Api::from_str_with(&doc.to_string(), file, &Default::default()).expect("loads");
    let lines: Lines = Arc::default();
    let sink = lines.clone();
    let gw = Gateway::builder(api, Arc::new(dynamo::Embedded::new()))
        .execution_log(Arc::new(move |l: &str| {
            sink.lock().unwrap().push(l.to_string())
        }))
        .build()
        .expect("builds");
    (gw, lines)
}

/// The messages of one request's lines: `<time> (<request id>) <message>`.
fn messages(lines: &Lines, request_id: &str) -> Vec<String> {
    lines
        .lock()
        .unwrap()
        .drain(..)
        .map(|l| {
            let (time, rest) = l.split_once(' ').expect("a time");
            assert!(time.ends_with('Z') && time.contains('T'), "{l}");
            let rest = rest
                .strip_prefix(&format!("({request_id}) "))
                .unwrap_or_else(|| panic!("not request {request_id}: {l}"));
            rest.to_string()
        })
        .collect()
}

fn put(album: &str) -> Request {
    Request::new("POST", "/album").json(&json!({"artist": "Logged", "album": album}))
}

#[tokio::test]
async fn a_request_logs_awss_lines_in_awss_order_with_data_when_traced() {
    let (gw, lines) = albums(json!({"dataTraceEnabled": true})).await;
    let r = gw.handle(put("one")).await;
    assert_eq!(r.status, 204, "{}", r.text());
    let id = r
        .header("x-amzn-RequestId")
        .expect("request id")
        .to_string();
    let got = messages(&lines, &id);
    let labels: Vec<&str> = got
        .iter()
        .map(|m| m.split([':', '.']).next().unwrap_or_default())
        .collect();
    assert_eq!(
        labels,
        [
            // CloudWatch's own lines, before the execution starts (users' captured logs).
            "Extended Request Id",
            "Verifying Usage Plan for request",
            "API Key  authorized because method 'POST /album' does not require API Key",
            "Usage Plan check succeeded for API Key  and API Stage local/prod",
            "Starting execution for request",
            "HTTP Method",
            "Method request path",
            "Method request query string",
            "Method request headers",
            "Method request body before transformations",
            "Endpoint request URI",
            "Endpoint request headers",
            "Endpoint request body after transformations",
            "Sending request to https",
            "Received response",
            "Endpoint response headers",
            "Endpoint response body before transformations",
            "Method response body after transformations",
            "Method response headers",
            "Successfully completed execution",
            "Method completed with status",
        ],
        "{got:#?}"
    );
    let extended = r.header("x-amz-apigw-id").expect("an extended request id");
    assert_eq!(got[0], format!("Extended Request Id: {extended}"));
    assert_eq!(
        got[1],
        format!("Verifying Usage Plan for request: {id}. API Key:  API Stage: local/prod")
    );
    assert_eq!(
        got[2],
        "API Key  authorized because method 'POST /album' does not require API Key. Request will not contribute to throttle or quota limits"
    );
    let got = &got[4..];
    assert_eq!(got[0], format!("Starting execution for request: {id}"));
    assert_eq!(got[1], "HTTP Method: POST, Resource Path: /album");
    assert_eq!(got[2], "Method request path: {}");
    assert_eq!(
        got[6],
        "Endpoint request URI: https://dynamodb.us-east-1.amazonaws.com/?Action=PutItem"
    );
    assert!(
        got[8].contains(r#""Artist": {"S": "Logged"}"#),
        "{}",
        got[8]
    );
    assert!(
        got[10].starts_with("Received response. Status: 200, Integration latency: "),
        "{}",
        got[10]
    );
    assert!(got[10].ends_with(" ms"), "{}", got[10]);
    assert_eq!(got[12], "Endpoint response body before transformations: {}");
    assert_eq!(got[16], "Method completed with status: 204");

    // A path parameter, as Java prints a map.
    let r = gw.handle(Request::new("GET", "/Logged/one?x=1")).await;
    let id = r
        .header("x-amzn-RequestId")
        .expect("request id")
        .to_string();
    let got = messages(&lines, &id);
    assert!(
        got.contains(&"Method request path: {artist=Logged, album=one}".to_string()),
        "{got:#?}"
    );
    assert!(
        got.contains(&"Method request query string: {x=1}".to_string()),
        "{got:#?}"
    );
}

#[tokio::test]
async fn without_data_trace_no_headers_or_bodies_and_errors_at_every_level() {
    // The albums as they are: loggingLevel INFO, no data trace.
    let (gw, lines) = albums(json!({})).await;
    let r = gw
        .handle(put("two").header("x-api-key", "secret-value"))
        .await;
    let id = r
        .header("x-amzn-RequestId")
        .expect("request id")
        .to_string();
    let got = messages(&lines, &id);
    assert!(
        got.iter()
            .all(|m| !m.contains("body") && !m.contains("headers")),
        "{got:#?}"
    );
    // Four CloudWatch lines before the execution, nine of it.
    assert_eq!(got.len(), 13, "{got:#?}");

    // A route that does not exist: the gateway response.
    let r = gw.handle(Request::new("GET", "/a/b/c/d")).await;
    let id = r
        .header("x-amzn-RequestId")
        .expect("request id")
        .to_string();
    assert_eq!(
        messages(&lines, &id),
        [
            "Gateway response type: MISSING_AUTHENTICATION_TOKEN with status code: 403",
            "Method completed with status: 403"
        ]
    );

    // loggingLevel ERROR, on a third party's document (aws-samples serverless-patterns
    // apigw-ddb-openapi-crud, MIT-0): its GET / Scan has only a "200" integration response, so
    // the 400 of a missing table matches none; the failure is the one line.
    let path = format!(
        "{}/../corpus/sp-apigw-ddb-openapi-crud/api.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut doc = apidef::source::parse(&std::fs::read_to_string(&path).unwrap(), &path).unwrap();
    doc["x-deploy-stage"] = json!({"name": "prod", "loggingLevel": "ERROR"});
    let (gw, lines) = logged(&doc, "crud.json");
    let r = gw.handle(Request::new("GET", "/")).await;
    assert_eq!(r.status, 500, "{}", r.text());
    let id = r
        .header("x-amzn-RequestId")
        .expect("request id")
        .to_string();
    assert_eq!(
        messages(&lines, &id),
        [
            "Execution failed due to configuration error: No match for output mapping and no default output mapping configured. Endpoint Response Status Code: 400"
        ]
    );

    // OFF: nothing.
    let (gw, lines) = albums(json!({"loggingLevel": "OFF"})).await;
    assert_eq!(gw.handle(Request::new("GET", "/a/b/c/d")).await.status, 403);
    gw.handle(put("four")).await;
    assert!(lines.lock().unwrap().is_empty());
}

#[tokio::test]
async fn gateway_serve_writes_the_log_to_a_file() {
    let path = common::scratch_file("execution", "log");
    let server = common::Server::start(&["--execution-log", &path]);
    let r = common::request(
        &server.addr,
        "POST",
        "/album",
        &[("Content-Type", "application/json")],
        br#"{"artist": "File", "album": "Log"}"#,
    )
    .await;
    assert_eq!(r.status, 204);
    assert!(server.stop().success());
    let log = std::fs::read_to_string(&path).expect("the log file");
    let id = r.header("x-amzn-RequestId").expect("request id");
    assert!(
        log.lines()
            .any(|l| l.ends_with(&format!("({id}) Method completed with status: 204"))),
        "{log}"
    );
}
