//! Stages: execute-api URLs always start with the stage. A document without `x-deploy-stage`
//! (a third party's Terraform-templated OpenAPI, corpus/books-openapi-terraform-templatefile)
//! takes any first segment as the stage, which `$context.stage` then holds; a document that
//! names its stage (the albums) keeps refusing other prefixes, as AWS refuses another stage's URL.

mod common;

use std::sync::{Arc, Mutex};

use gateway::{Gateway, Request};
use serde_json::json;

async fn books(stage: Option<&str>) -> (Gateway, Arc<Mutex<Vec<String>>>) {
    let dir = format!(
        "{}/../corpus/books-openapi-terraform-templatefile",
        env!("CARGO_MANIFEST_DIR")
    );
    let params = indexmap::IndexMap::from([
        ("BooksTableName".to_string(), "books".to_string()),
        ("CurrentRegion".to_string(), "us-east-1".to_string()),
        (
            "ModifyDataRoleArn".to_string(),
            "arn:aws:iam::123456789012:role/m".to_string(),
        ),
        (
            "ReadDataRoleArn".to_string(),
            "arn:aws:iam::123456789012:role/r".to_string(),
        ),
    ]);
    let api = apidef::Api::load_with(format!("{dir}/openapi.json"), &params).expect("loads");
    assert!(!api.stage_declared);
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let mut b = Gateway::builder(api, Arc::new(dynamo::Embedded::new()))
        .access_log_format("$context.stage $context.resourcePath $context.path")
        .access_log(Arc::new(move |l: &str| {
            sink.lock().unwrap().push(l.to_string())
        }));
    if let Some(s) = stage {
        b = b.stage(s);
    }
    (b.build().expect("builds"), lines)
}

#[tokio::test]
async fn without_a_named_stage_any_first_segment_is_the_stage() {
    let (gw, lines) = books(None).await;
    // GET /ping is a mock: it answers without a table.
    for (target, stage) in [("/v1/ping", "v1"), ("/dev/ping", "dev"), ("/ping", "prod")] {
        let r = gw.handle(Request::new("GET", target)).await;
        assert_eq!(r.status, 200, "{target}: {}", r.text());
        let line = lines.lock().unwrap().pop().expect("an access-log line");
        assert!(
            line.starts_with(&format!("{stage} /ping ")),
            "{target}: {line}"
        );
    }
    // Two unknown segments are not a stage and a route.
    let r = gw.handle(Request::new("GET", "/a/b/ping")).await;
    assert_eq!(r.status, 403, "{}", r.text());
}

#[tokio::test]
async fn a_named_stage_is_the_only_prefix() {
    let (gw, _) = books(Some("live")).await;
    assert_eq!(
        gw.handle(Request::new("GET", "/live/ping")).await.status,
        200
    );
    let r = gw.handle(Request::new("GET", "/v1/ping")).await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(
        r.json(),
        Some(json!({"message": "Missing Authentication Token"}))
    );
}

#[tokio::test]
async fn stage_variables_are_set_per_run() {
    let dir = format!(
        "{}/../corpus/books-openapi-terraform-templatefile",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{dir}/openapi.json")).expect("openapi.json"),
    )
    .expect("JSON");
    doc["paths"]["/ping"]["get"]["x-amazon-apigateway-integration"]["responses"]["default"]["responseTemplates"]
        ["application/json"] =
        json!("{\"color\":\"$stageVariables.color\",\"stage\":\"$context.stage\"}");
    let path = format!(
        "{}/books-stage-variables-{}.json",
        env!("CARGO_TARGET_TMPDIR"),
        std::process::id()
    );
    std::fs::write(&path, doc.to_string()).expect("write");
    let server = common::Server::start_spec(
        &path,
        &[
            "--stage-variable",
            "color=blue",
            "--param",
            "BooksTableName=books",
            "--param",
            "CurrentRegion=us-east-1",
            "--param",
            "ModifyDataRoleArn=arn:aws:iam::123456789012:role/m",
            "--param",
            "ReadDataRoleArn=arn:aws:iam::123456789012:role/r",
        ],
    );
    let r = common::request(&server.addr, "GET", "/v1/ping", &[], b"").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"color": "blue", "stage": "v1"}));
    assert!(server.stop().success());
}
