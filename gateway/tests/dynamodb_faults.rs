//! `gateway serve --dynamodb-endpoint` against a DynamoDB that fails: the fault proxy
//! (common/fault_proxy.rs) in front of the embedded store, served in this process so the test can
//! read what the store holds. For each fault, over HTTP: the status, body and `x-amzn-ErrorType`
//! API Gateway answers, and the store holding exactly the writes DynamoDB acknowledged.
//!
//! - No reply in time: 504 INTEGRATION_TIMEOUT; the late write still lands (as on AWS).
//! - No whole reply (reset, cut short, refused): 500, answered by the gateway itself; the
//!   integration responses never see it (dialect table, "DynamoDB without a reply").
//! - DynamoDB's errors (throttling, 500, 503) and a reply that is not JSON are replies: they go
//!   through the document's integration responses, whatever those say, true or not.
//! - Retries (`--dynamodb-max-attempts`): only what the AWS SDKs retry.
//!
//! Two documents: the albums (`openapi.yaml`, which maps DynamoDB's errors with templates) and a
//! third party's Terraform-templated OpenAPI (corpus/books-openapi-terraform-templatefile, which
//! passes them through).

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::fault_proxy::{Fault, FaultProxy};
use common::{Server, request};
use dynamo::Dynamo;
use serde_json::{Value, json};

/// The embedded store served on 127.0.0.1, and the proxy in front of it.
struct Backend {
    store: Arc<dynamo::Embedded>,
    proxy: FaultProxy,
    upstream: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Backend {
    async fn start() -> Backend {
        let store = Arc::new(dynamo::Embedded::new());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind upstream");
        let addr = listener.local_addr().expect("upstream address");
        let served: Arc<dyn Dynamo> = store.clone();
        let upstream = tokio::spawn(dynamo::server::serve(
            listener,
            served,
            std::future::pending(),
        ));
        let proxy = FaultProxy::start(addr).await;
        Backend {
            store,
            proxy,
            upstream,
        }
    }

    /// Every item of `table`, as DynamoDB JSON.
    async fn items(&self, table: &str) -> Vec<Value> {
        let r = self
            .store
            .call("Scan", json!({"TableName": table}).to_string().as_bytes())
            .await;
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        r.json_body()["Items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

/// The albums document with a 300 ms integration timeout on POST /album, in the test's
/// scratch directory.
fn albums_with_short_timeout() -> String {
    let text = std::fs::read_to_string(common::spec_path()).expect("openapi.yaml");
    let put = "uri: arn:aws:apigateway:${AWS::Region}:dynamodb:action/PutItem\n";
    assert!(
        text.contains(put),
        "openapi.yaml's PutItem integration moved"
    );
    let text = text.replacen(put, &format!("{put}        timeoutInMillis: 300\n"), 1);
    let path = format!(
        "{}/albums-timeout-300-{}.yaml",
        env!("CARGO_TARGET_TMPDIR"),
        std::process::id()
    );
    std::fs::write(&path, text).expect("write the document");
    path
}

fn start_gateway(spec: &str, backend: &Backend, extra: &[&str]) -> Server {
    let endpoint = backend.proxy.endpoint();
    let mut args = vec!["--dynamodb-endpoint", endpoint.as_str()];
    args.extend_from_slice(extra);
    Server::start_spec(spec, &args)
}

async fn post_album(server: &Server, artist: &str, album: &str) -> common::HttpResponse {
    let body = json!({"artist": artist, "album": album}).to_string();
    request(
        &server.addr,
        "POST",
        "/album",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
    .await
}

fn album_keys(items: &[Value]) -> Vec<(String, String)> {
    let mut keys: Vec<_> = items
        .iter()
        .map(|i| {
            (
                i["Artist"]["S"].as_str().unwrap_or_default().to_string(),
                i["Album"]["S"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    keys.sort();
    keys
}

fn key(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

/// The albums' customised DEFAULT_5XX body for API Gateway's own 500.
fn albums_500() -> Value {
    json!({"message": "Internal server error", "type": "API_CONFIGURATION_ERROR"})
}

/// API Gateway's own 500 (API_CONFIGURATION_ERROR): status, body and error type.
fn assert_gateway_500(r: &common::HttpResponse, what: &str, body: Value) {
    assert_eq!(r.status, 500, "{what}: {}", r.text());
    assert_eq!(r.json(), body, "{what}");
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("InternalServerErrorException"),
        "{what}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_later_than_the_integration_timeout_is_a_504_and_the_write_still_lands() {
    let backend = Backend::start().await;
    let server = start_gateway(&albums_with_short_timeout(), &backend, &[]);
    backend
        .proxy
        .push("PutItem", Fault::Delay(Duration::from_millis(1200)));
    let started = std::time::Instant::now();
    let r = post_album(&server, "Late", "Reply").await;
    let waited = started.elapsed();
    assert_eq!(r.status, 504, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"message": "Endpoint request timed out", "type": "INTEGRATION_TIMEOUT"})
    );
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("InternalServerErrorException")
    );
    // Answered at the integration timeout, not when DynamoDB finally replied.
    assert!(
        waited < Duration::from_millis(1100),
        "answered after {waited:?}"
    );
    // DynamoDB acknowledged the write after the client was answered: it is stored.
    backend.proxy.settle().await;
    assert_eq!(backend.proxy.log("PutItem")[0].upstream_status, Some(200));
    assert_eq!(
        album_keys(&backend.items("albums").await),
        vec![key("Late", "Reply")]
    );
    // The next request, without a fault, is served normally.
    assert_eq!(post_album(&server, "On", "Time").await.status, 204);
    assert!(server.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_whole_reply_is_the_gateways_own_500_and_the_store_keeps_what_dynamodb_acknowledged() {
    let backend = Backend::start().await;
    let server = start_gateway(&common::spec_path(), &backend, &[]);
    let cases = [
        ("reset before the reply", Fault::ResetAfter(0)),
        ("reset inside the reply head", Fault::ResetAfter(20)),
        ("reply cut short", Fault::Truncate),
    ];
    let mut expected = Vec::new();
    for (i, (what, fault)) in cases.into_iter().enumerate() {
        backend.proxy.push("PutItem", fault);
        let album = format!("cut {i}");
        let r = post_album(&server, "Faults", &album).await;
        assert_gateway_500(&r, what, albums_500());
        // The proxy forwarded the write and DynamoDB acknowledged it before the connection
        // broke: the client was told 500, the item is stored.
        backend.proxy.settle().await;
        assert_eq!(
            backend.proxy.log("PutItem")[i].upstream_status,
            Some(200),
            "{what}"
        );
        expected.push(key("Faults", &album));
        assert_eq!(
            album_keys(&backend.items("albums").await),
            expected,
            "{what}"
        );
    }
    // A read whose reply is cut is the same 500, and nothing changes.
    backend.proxy.push("GetItem", Fault::Truncate);
    let r = request(&server.addr, "GET", "/Faults/cut%200", &[], b"").await;
    assert_gateway_500(&r, "GetItem cut short", albums_500());
    // A pooled connection the proxy reset is not reused: the next call works.
    let r = request(&server.addr, "GET", "/Faults/cut%200", &[], b"").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"artist": "Faults", "album": "cut 0"}));
    assert!(server.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_errors_are_replies_mapped_by_the_documents_integration_responses() {
    let backend = Backend::start().await;
    let server = start_gateway(&common::spec_path(), &backend, &[]);
    // The albums' 4\d{2} template turns throttling into 429, its 5\d{2} response is a 503.
    let cases = [
        (
            Fault::throttled(),
            429,
            json!({"message": "Too many requests, retry later", "type": "ProvisionedThroughputExceededException"}),
        ),
        (
            Fault::internal_error(),
            503,
            json!({"message": "DynamoDB is unavailable, retry later", "type": "ServiceUnavailable"}),
        ),
        (
            Fault::unavailable(),
            503,
            json!({"message": "DynamoDB is unavailable, retry later", "type": "ServiceUnavailable"}),
        ),
    ];
    for (i, (fault, status, body)) in cases.into_iter().enumerate() {
        let what = format!("{fault:?}");
        backend.proxy.push("PutItem", fault);
        let r = post_album(&server, "Refused", &format!("write {i}")).await;
        assert_eq!(r.status, status, "{what}: {}", r.text());
        assert_eq!(r.json(), body, "{what}");
        // A mapped integration response, not a gateway response: no x-amzn-ErrorType.
        assert_eq!(r.header("x-amzn-ErrorType"), None, "{what}");
    }
    // None of the refused writes reached the store.
    assert_eq!(backend.items("albums").await, Vec::<Value>::new());
    // A GetItem reply that is not JSON: `$input.path('$.Item')` is null on it (vtl dialect
    // table), so the albums template answers its "not found".
    backend
        .proxy
        .push("GetItem", Fault::NotJson("<html>502 Bad Gateway</html>"));
    let r = request(&server.addr, "GET", "/Any/Album", &[], b"").await;
    assert_eq!(r.status, 404, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"message": "Album not found", "type": "NotFound"})
    );
    assert!(server.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_third_partys_passthrough_mappings_hand_dynamodbs_errors_to_the_client() {
    // A Terraform-templated OpenAPI document from GitHub (corpus/books-openapi-terraform-
    // templatefile): `4\d{2}` and `5\d{2}` integration responses without templates, so
    // DynamoDB's error body is passed through as it came; its table is declared in Terraform,
    // so the test creates it.
    let dir = format!(
        "{}/../corpus/books-openapi-terraform-templatefile",
        env!("CARGO_MANIFEST_DIR")
    );
    let corpus: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{dir}/corpus.json")).expect("corpus.json"),
    )
    .expect("corpus.json is JSON");
    let params: Vec<String> = corpus["params"]
        .as_object()
        .expect("params")
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    let mut args = Vec::new();
    for p in &params {
        args.extend(["--param", p.as_str()]);
    }
    let backend = Backend::start().await;
    let created = backend
        .store
        .call(
            "CreateTable",
            json!({
                "TableName": "books",
                "AttributeDefinitions": [
                    {"AttributeName": "userId", "AttributeType": "S"},
                    {"AttributeName": "addedOn", "AttributeType": "S"}
                ],
                "KeySchema": [
                    {"AttributeName": "userId", "KeyType": "HASH"},
                    {"AttributeName": "addedOn", "KeyType": "RANGE"}
                ],
                "BillingMode": "PAY_PER_REQUEST"
            })
            .to_string()
            .as_bytes(),
        )
        .await;
    assert_eq!(
        created.status,
        200,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    let server = start_gateway(&format!("{dir}/openapi.json"), &backend, &args);
    let book = |n: u32| {
        json!({"title": format!("Book {n}"), "author": "A. Writer", "isbn": format!("978-{n}")})
            .to_string()
    };
    let post = |n: u32| {
        let body = book(n);
        let addr = server.addr.clone();
        async move {
            request(
                &addr,
                "POST",
                "/book/reader-1",
                &[("Content-Type", "application/json")],
                body.as_bytes(),
            )
            .await
        }
    };
    let cases = [
        (
            Fault::throttled(),
            400,
            "ProvisionedThroughputExceededException",
        ),
        (Fault::internal_error(), 500, "InternalServerError"),
    ];
    for (fault, status, error) in cases {
        backend.proxy.push("PutItem", fault);
        let r = post(1).await;
        assert_eq!(r.status, status, "{}", r.text());
        let name = r.json()["__type"].as_str().unwrap_or_default().to_string();
        assert!(name.ends_with(&format!("#{error}")), "{}", r.text());
        assert_eq!(r.header("x-amzn-ErrorType"), None);
    }
    assert_eq!(backend.items("books").await, Vec::<Value>::new());
    // A reset is answered by the gateway itself, whatever the mappings say: the document
    // customises no gateway response, so the body is AWS's default.
    backend.proxy.push("PutItem", Fault::ResetAfter(0));
    let r = post(2).await;
    assert_gateway_500(&r, "reset", json!({"message": "Internal server error"}));
    backend.proxy.settle().await;
    assert_eq!(backend.items("books").await.len(), 1);
    assert_eq!(post(3).await.status, 200);
    assert_eq!(backend.items("books").await.len(), 2);
    // The Query's reply cut short, then whole.
    backend.proxy.push("Query", Fault::Truncate);
    let r = request(&server.addr, "GET", "/book/reader-1", &[], b"").await;
    assert_gateway_500(
        &r,
        "Query cut short",
        json!({"message": "Internal server error"}),
    );
    let r = request(&server.addr, "GET", "/book/reader-1", &[], b"").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let mut titles: Vec<_> = r
        .json()
        .as_array()
        .expect("an array of books")
        .iter()
        .map(|b| b["title"].as_str().unwrap_or_default().to_string())
        .collect();
    titles.sort();
    assert_eq!(titles, ["Book 2", "Book 3"]);
    assert!(server.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_follow_the_sdks_standard_mode_when_asked() {
    let backend = Backend::start().await;
    let server = start_gateway(
        &common::spec_path(),
        &backend,
        &[
            "--dynamodb-max-attempts",
            "3",
            "--dynamodb-backoff-ms",
            "20",
        ],
    );
    // Throttling, then a 500: both retried; the third attempt is stored and answered.
    backend.proxy.push("PutItem", Fault::throttled());
    backend.proxy.push("PutItem", Fault::internal_error());
    let r = post_album(&server, "Retried", "twice").await;
    assert_eq!(r.status, 204, "{}", r.text());
    backend.proxy.settle().await;
    assert_eq!(backend.proxy.log("PutItem").len(), 3);
    // A reset after DynamoDB stored the item: retried, and PutItem stores it once.
    backend.proxy.push("PutItem", Fault::ResetAfter(0));
    assert_eq!(post_album(&server, "Retried", "reset").await.status, 204);
    backend.proxy.settle().await;
    assert_eq!(backend.proxy.log("PutItem").len(), 5);
    // A ValidationException is final: one attempt, mapped to 400.
    backend.proxy.push("PutItem", Fault::validation());
    let r = post_album(&server, "Not", "retried").await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.json()["type"], "ValidationException");
    backend.proxy.settle().await;
    assert_eq!(backend.proxy.log("PutItem").len(), 6);
    // Three throttled attempts: the last reply is mapped (429), nothing stored.
    for _ in 0..3 {
        backend.proxy.push("PutItem", Fault::throttled());
    }
    let r = post_album(&server, "Throttled", "thrice").await;
    assert_eq!(r.status, 429, "{}", r.text());
    backend.proxy.settle().await;
    assert_eq!(backend.proxy.log("PutItem").len(), 9);
    backend.proxy.settle().await;
    assert_eq!(
        album_keys(&backend.items("albums").await),
        vec![key("Retried", "reset"), key("Retried", "twice")]
    );
    assert!(server.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_retries_one_attempt_is_made() {
    let backend = Backend::start().await;
    let server = start_gateway(&common::spec_path(), &backend, &[]);
    backend.proxy.push("PutItem", Fault::throttled());
    assert_eq!(post_album(&server, "Once", "only").await.status, 429);
    backend.proxy.settle().await;
    assert_eq!(backend.proxy.log("PutItem").len(), 1);
    assert!(server.stop().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dynamodb_that_went_away_is_a_500_and_the_gateway_keeps_serving() {
    let backend = Backend::start().await;
    let server = start_gateway(&common::spec_path(), &backend, &[]);
    assert_eq!(post_album(&server, "Before", "stop").await.status, 204);
    let Backend {
        store,
        proxy,
        upstream,
    } = backend;
    drop(proxy);
    upstream.abort();
    // Refused connections, retried by nothing: a 500 each time, never a hang.
    for _ in 0..3 {
        let r = post_album(&server, "After", "stop").await;
        assert_gateway_500(&r, "connection refused", albums_500());
    }
    let r = store
        .call(
            "Scan",
            json!({"TableName": "albums"}).to_string().as_bytes(),
        )
        .await;
    assert_eq!(r.json_body()["Count"], 1);
    assert!(server.stop().success());
}
