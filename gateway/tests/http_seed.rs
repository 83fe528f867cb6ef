//! The seed scenario end to end over HTTP: the built `gateway serve` on 127.0.0.1, embedded store
//! and (in scripts/test-all) dynalite.

mod common;

use std::collections::BTreeSet;

use common::{Server, enc, request};
use serde_json::{Value, json};

fn albums() -> Vec<Value> {
    vec![
        json!({"artist": "Dream Theater", "album": "Images and Words", "tracks": [
            {"title": "Pull Me Under", "length": "8:14"}, {"title": "Another Day", "length": "4:23"},
            {"title": "Take the Time", "length": "8:21"}, {"title": "Surrounded", "length": "5:30"},
            {"title": "Metropolis—Part I: \"The Miracle and the Sleeper\"", "length": "9:32"},
            {"title": "Under a Glass Moon", "length": "7:03"}, {"title": "Wait for Sleep", "length": "2:32"},
            {"title": "Learning to Live", "length": "11:30"}]}),
        json!({"artist": "Rush", "album": "Moving Pictures", "tracks": [
            {"title": "Tom Sawyer", "length": "4:33"}, {"title": "Red Barchetta", "length": "6:06"},
            {"title": "YYZ", "length": "4:24"}, {"title": "Limelight"}]}),
        json!({"artist": "Snarky Puppy", "album": "We Like It Here"}),
        json!({"artist": "Snarky Puppy", "album": "Empire Central", "tracks": []}),
        json!({"artist": "The \"Quoted\" Band", "album": "It's a \\backslash\\ album", "tracks": [
            {"title": "Line\nbreak\ttab", "length": "1:00"}, {"title": "</script><b>'; DROP TABLE albums; --"}]}),
        json!({"artist": "AC/DC", "album": "Back in Black 🎸🔥", "tracks": [{"title": "Hells Bells 🔔"}]}),
        json!({"artist": "Björk", "album": "Homogenic ${TableName} $context.requestId #set($x = 1)"}),
    ]
}

fn key(v: &Value) -> (String, String) {
    (
        v["artist"].as_str().unwrap_or_default().to_string(),
        v["album"].as_str().unwrap_or_default().to_string(),
    )
}

fn item_path(a: &Value) -> String {
    let (artist, album) = key(a);
    format!("/{}/{}", enc(&artist), enc(&album))
}

async fn list_all(addr: &str, limit: usize) -> (Vec<Value>, usize) {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let target = match &cursor {
            Some(c) => format!("/?limit={limit}&cursor={}", enc(c)),
            None => format!("/?limit={limit}"),
        };
        let r = request(addr, "GET", &target, &[], b"").await;
        assert_eq!(r.status, 200, "{}", r.text());
        let page = r.json();
        let items = page.as_array().expect("a page is a list").clone();
        assert!(items.len() <= limit);
        out.extend(items);
        pages += 1;
        assert!(pages < 100, "pagination does not end");
        match r.header("X-Next-Cursor") {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    (out, pages)
}

async fn scenario(server: &Server) {
    let addr = server.addr.as_str();
    let all = albums();
    for a in &all {
        let r = request(
            addr,
            "POST",
            "/album",
            &[("Content-Type", "application/json")],
            a.to_string().as_bytes(),
        )
        .await;
        assert_eq!(r.status, 204, "{a}: {}", r.text());
        assert!(r.body.is_empty());
        let rid = r.header("x-amzn-RequestId").expect("x-amzn-RequestId");
        assert_eq!(r.header("X-Request-Id"), Some(rid));
        assert!(r.header("x-amz-apigw-id").is_some());
        assert!(r.header("X-Amzn-Trace-Id").is_some());
    }
    // Storing the same key again replaces it.
    let r = request(
        addr,
        "POST",
        "/prod/album",
        &[("Content-Type", "application/json")],
        all[2].to_string().as_bytes(),
    )
    .await;
    assert_eq!(r.status, 204);

    // GET / following X-Next-Cursor through every page.
    let expected: BTreeSet<String> = all.iter().map(|a| a.to_string()).collect();
    for limit in [1, 2, 100] {
        let (listed, pages) = list_all(addr, limit).await;
        let got: BTreeSet<String> = listed.iter().map(|a| a.to_string()).collect();
        assert_eq!(
            listed.len(),
            all.len(),
            "limit {limit}: no duplicates, nothing lost"
        );
        assert_eq!(got, expected, "limit {limit}");
        if limit == 1 {
            assert!(pages >= all.len());
        }
    }

    // GET one, each album exactly as stored.
    for a in &all {
        let r = request(addr, "GET", &item_path(a), &[], b"").await;
        assert_eq!(r.status, 200, "{a}: {}", r.text());
        assert_eq!(r.json(), *a);
        assert_eq!(r.header("content-type"), Some("application/json"));
    }

    // DELETE returns the whole album (tracks included), then 404; GET 404.
    let dt = &all[0];
    let r = request(addr, "DELETE", &item_path(dt), &[], b"").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), *dt);
    let r = request(addr, "DELETE", &item_path(dt), &[], b"").await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"message": "Album not found", "type": "NotFound"})
    );
    let r = request(addr, "GET", &item_path(dt), &[], b"").await;
    assert_eq!(r.status, 404);
    assert_eq!(
        r.json(),
        json!({"message": "Album not found", "type": "NotFound"})
    );
    let (listed, _) = list_all(addr, 3).await;
    assert_eq!(listed.len(), all.len() - 1);

    // Documented errors of the API.
    let r = request(
        addr,
        "POST",
        "/album",
        &[("Content-Type", "application/json")],
        b"{\"artist\":\"x\"}",
    )
    .await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({"message": "Invalid request body", "type": "BAD_REQUEST_BODY"})
    );
    let r = request(
        addr,
        "POST",
        "/album",
        &[("Content-Type", "text/plain")],
        b"hi",
    )
    .await;
    assert_eq!(r.status, 415);
    assert_eq!(
        r.json(),
        json!({"message": "Unsupported Media Type", "type": "UNSUPPORTED_MEDIA_TYPE"})
    );
    let r = request(addr, "GET", "/?limit=0", &[], b"").await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["type"], "BAD_REQUEST_PARAMETERS");
    let r = request(addr, "PUT", "/album", &[], b"").await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json(),
        json!({"message": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN"})
    );
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("MissingAuthenticationTokenException")
    );
}

#[tokio::test]
async fn seed_scenario_over_http_embedded() {
    let server = Server::start(&[]);
    assert!(
        server.first_line.ends_with("(stage prod)"),
        "{}",
        server.first_line
    );
    scenario(&server).await;
    assert!(server.stop().success());
}

/// The import-ready definition codegen writes serves the same API: the same scenario passes
/// against it, with the tables taken from openapi.yaml (codegen strips `x-dynamodb-tables`).
#[tokio::test]
async fn seed_scenario_over_http_on_the_import_ready_definition() {
    let import_ready = format!(
        "{}/../generated/apigateway.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let server = Server::start_spec(&import_ready, &["--tables-from", &common::spec_path()]);
    scenario(&server).await;
    assert!(server.stop().success());
}

#[test]
fn the_import_ready_definition_alone_names_no_table() {
    // Without --tables-from nothing would create the table; the served document has none.
    let import_ready = format!(
        "{}/../generated/apigateway.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let api = apidef::Api::load(&import_ready).expect("import-ready definition loads");
    assert!(api.tables.is_empty());
}

#[tokio::test]
async fn dynamodb_port_serves_the_embedded_store() {
    let server = Server::start(&["--dynamodb-port", "0", "--stage", "dev"]);
    assert!(
        server.first_line.ends_with("(stage dev)"),
        "{}",
        server.first_line
    );
    let r = request(&server.addr, "GET", "/", &[], b"").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!([]));
    let r = request(&server.addr, "GET", "/dev/", &[], b"").await;
    assert_eq!(r.status, 200);
    // The embedded store answers as a DynamoDB endpoint.
    let ddb = server
        .dynamodb_addr
        .clone()
        .expect("dynamodb endpoint printed");
    let r = request(
        &ddb,
        "POST",
        "/",
        &[
            ("X-Amz-Target", "DynamoDB_20120810.ListTables"),
            ("Content-Type", "application/x-amz-json-1.0"),
        ],
        b"{}",
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["TableNames"], json!(["albums"]));
    assert!(server.stop().success());
}

#[test]
fn dialect_subcommand_prints_the_table() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gateway"))
        .arg("dialect")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text, gateway::dialect::markdown());
}

#[tokio::test]
#[ignore = "needs dynalite: run scripts/test-all"]
async fn seed_scenario_over_http_dynalite() {
    let endpoint = std::env::var("DYNALITE_ENDPOINT")
        .unwrap_or_else(|_| panic!("DYNALITE_ENDPOINT is not set: run scripts/test-all, which starts dynalite and exports it"));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let table = format!("TableName=albums-gw-{}-{nanos}", std::process::id());
    let server = Server::start(&["--dynamodb-endpoint", &endpoint, "--param", &table]);
    scenario(&server).await;
    assert!(server.stop().success());
}

/// The project README lists this gateway's dialect table verbatim; keep them equal.
#[test]
fn readme_lists_the_dialect_table() {
    let readme = std::fs::read_to_string(format!("{}/../README.md", env!("CARGO_MANIFEST_DIR")))
        .expect("README.md");
    assert!(
        readme.contains(&gateway::dialect::markdown()),
        "README.md's gateway dialect table differs from `gateway dialect`: paste its output"
    );
}
