//! `generated/apigateway.json` serves the same API as `openapi.yaml`: the seed scenario (and a
//! few error paths) run through the in-process gateway against each document, with the same
//! request ids and clock, must give byte-identical responses.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use dynamo::Dynamo;
use gateway::{Gateway, Request, Response};
use serde_json::json;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// A gateway for `document` over a fresh embedded store holding the tables of `openapi.yaml`
/// (the import-ready document has no `x-dynamodb-tables`: a table is not part of an API).
async fn gateway(document: &str) -> Gateway {
    let original = apidef::Api::load(root().join("openapi.yaml")).expect("openapi.yaml loads");
    let api = apidef::Api::load(root().join(document))
        .unwrap_or_else(|e| panic!("{document} does not load: {e}"));
    let store = Arc::new(dynamo::Embedded::new());
    for table in original.tables.values() {
        let r = store
            .call(
                "CreateTable",
                table.create_table_request().to_string().as_bytes(),
            )
            .await;
        assert_eq!(
            r.status,
            200,
            "CreateTable: {}",
            String::from_utf8_lossy(&r.body)
        );
    }
    let counter = Arc::new(AtomicU64::new(0));
    Gateway::builder(api, store)
        .request_ids(Arc::new(move || {
            format!("request-{}", counter.fetch_add(1, Ordering::SeqCst))
        }))
        .clock(Arc::new(|| {
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_764_000_000)
        }))
        .build()
        .unwrap_or_else(|e| panic!("{document}: gateway does not build: {e}"))
}

fn scenario() -> Vec<Request> {
    let album = json!({"artist": "Dream Theater", "album": "Images and Words",
        "tracks": [{"title": "Pull Me Under", "length": "8:14"}, {"title": "Another Day", "length": "4:23"}]});
    let quoted = json!({"artist": "Rush \"quoted\" \\ ' /", "album": "2112"});
    vec![
        Request::new("POST", "/album").json(&album),
        Request::new("GET", "/Dream%20Theater/Images%20and%20Words"),
        Request::new("GET", "/"),
        Request::new("POST", "/album").json(&quoted),
        Request::new("GET", "/?limit=1"),
        Request::new("GET", "/?limit=0"),
        Request::new("DELETE", "/Dream%20Theater/Images%20and%20Words"),
        Request::new("DELETE", "/Dream%20Theater/Images%20and%20Words"),
        Request::new("GET", "/Dream%20Theater/Images%20and%20Words"),
        // Validator, media type and routing errors.
        Request::new("POST", "/album").json(&json!({"artist": "x"})),
        Request::new("POST", "/album")
            .header("Content-Type", "text/plain")
            .body("artist=x"),
        Request::new("PATCH", "/album"),
        Request::new("GET", "/"),
    ]
}

async fn run(document: &str) -> Vec<Response> {
    let gw = gateway(document).await;
    let mut out = Vec::new();
    for req in scenario() {
        out.push(gw.handle(req).await);
    }
    out
}

/// A response without the two headers the gateway draws at random for every request, as
/// API Gateway does (`x-amz-apigw-id` and the X-Ray trace id).
fn comparable(r: &Response) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let headers = r
        .headers
        .iter()
        .filter(|(k, _)| {
            !k.eq_ignore_ascii_case("x-amz-apigw-id") && !k.eq_ignore_ascii_case("X-Amzn-Trace-Id")
        })
        .cloned()
        .collect();
    (r.status, headers, r.body.to_vec())
}

#[tokio::test]
async fn the_import_ready_document_serves_the_same_api() {
    let original = run("openapi.yaml").await;
    let generated = run("generated/apigateway.json").await;
    // The scenario does what it says (so the comparison compares something).
    let statuses: Vec<u16> = original.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            204, 200, 200, 204, 200, 400, 200, 404, 404, 400, 415, 403, 200
        ],
        "{original:#?}"
    );
    let first_page = original[4].header("X-Next-Cursor");
    assert!(
        first_page.is_some(),
        "a page of one with two albums has a cursor"
    );
    assert_eq!(original.len(), generated.len());
    for (i, (a, b)) in original.iter().zip(&generated).enumerate() {
        assert_eq!(
            comparable(a),
            comparable(b),
            "request {i}: {:?}",
            scenario()[i].target
        );
    }
}
