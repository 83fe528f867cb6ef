//! The HTTP server, the remote client against it, transport failures, concurrency, and robustness
//! of the embedded store against arbitrary request bytes.

use std::sync::Arc;
use std::time::Duration;

use dynamo::{Dynamo, Embedded, Remote, RemoteConfig};
use proptest::prelude::*;
use serde_json::{Value, json};

fn config(endpoint: String, timeout: Duration) -> RemoteConfig {
    RemoteConfig {
        endpoint,
        region: "us-east-1".to_string(),
        access_key_id: "test".to_string(),
        secret_access_key: "test".to_string(),
        session_token: None,
        timeout,
        ca_bundle: None,
        retry: dynamo::RetryPolicy::NONE,
    }
}

async fn call(d: &dyn Dynamo, action: &str, req: Value) -> (u16, Value) {
    let r = d.call(action, req.to_string().as_bytes()).await;
    (r.status, r.json_body())
}

#[tokio::test]
async fn remote_talks_to_served_embedded_store() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("local addr");
    let store: Arc<dyn Dynamo> = Arc::new(Embedded::new());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(dynamo::server::serve(listener, store, async {
        let _ = stop_rx.await;
    }));
    let remote = Remote::new(config(format!("http://{addr}"), Duration::from_secs(5)));
    let (s, body) = call(
        &remote,
        "CreateTable",
        json!({"TableName": "served", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
               "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let (s, _) = call(
        &remote,
        "PutItem",
        json!({"TableName": "served", "Item": {"pk": {"S": "a"}, "v": {"N": "1"}}}),
    )
    .await;
    assert_eq!(s, 200);
    let r = remote
        .call(
            "GetItem",
            br#"{"TableName":"served","Key":{"pk":{"S":"a"}}}"#,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json_body(),
        json!({"Item": {"pk": {"S": "a"}, "v": {"N": "1"}}})
    );
    assert_eq!(r.header("content-type"), Some("application/x-amz-json-1.0"));
    let crc = dynamo::util::crc32(&r.body).to_string();
    assert_eq!(r.header("x-amz-crc32"), Some(crc.as_str()));
    let (s, body) = call(&remote, "NoSuchAction", json!({})).await;
    assert_eq!(s, 400);
    assert_eq!(
        body,
        json!({"__type": "com.amazon.coral.service#UnknownOperationException"})
    );
    let _ = stop_tx.send(());
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("graceful shutdown finished")
        .expect("server task")
        .expect("server result");
}

#[tokio::test]
async fn connection_refused_is_a_503_naming_the_endpoint() {
    // Bind and drop to get a port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let endpoint = format!("http://127.0.0.1:{port}");
    let remote = Remote::new(config(endpoint.clone(), Duration::from_secs(2)));
    let (s, body) = call(&remote, "ListTables", json!({})).await;
    assert_eq!(s, 503);
    assert_eq!(body["__type"], "dynamo#TransportError");
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains(&endpoint)),
        "{body}"
    );
}

#[tokio::test]
async fn silent_endpoint_is_a_504_timeout() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hold = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let remote = Remote::new(config(format!("http://{addr}"), Duration::from_millis(200)));
    let (s, body) = call(&remote, "ListTables", json!({})).await;
    assert_eq!(s, 504, "{body}");
    assert_eq!(body["__type"], "dynamo#TransportError");
    hold.abort();
}

#[test]
fn from_env_has_local_defaults() {
    let cfg = RemoteConfig::from_env(Some("http://127.0.0.1:1".to_string()));
    assert_eq!(cfg.endpoint, "http://127.0.0.1:1");
    assert!(!cfg.region.is_empty());
    assert!(!cfg.access_key_id.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_updates_lose_no_write() {
    let store = Embedded::new();
    let (s, _) = call(
        &store,
        "CreateTable",
        json!({"TableName": "counter", "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
               "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}),
    )
    .await;
    assert_eq!(s, 200);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..100 {
                let (s, _) = call(
                    &store,
                    "UpdateItem",
                    json!({"TableName": "counter", "Key": {"pk": {"S": "c"}},
                           "UpdateExpression": "ADD n :one", "ExpressionAttributeValues": {":one": {"N": "1"}}}),
                )
                .await;
                assert_eq!(s, 200);
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let (_, body) = call(
        &store,
        "GetItem",
        json!({"TableName": "counter", "Key": {"pk": {"S": "c"}}}),
    )
    .await;
    assert_eq!(body["Item"]["n"], json!({"N": "800"}));
}

const ACTIONS: &[&str] = &[
    "CreateTable",
    "DescribeTable",
    "DeleteTable",
    "ListTables",
    "PutItem",
    "GetItem",
    "DeleteItem",
    "UpdateItem",
    "Query",
    "Scan",
    "BatchWriteItem",
    "BatchGetItem",
];

fn json_like() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("1".to_string()),
        Just("-1.5e3".to_string()),
        Just("\"\"".to_string()),
        Just("\"t1\"".to_string()),
        Just("\"#n = :v\"".to_string()),
        Just("\"SET a = a + :v REMOVE b\"".to_string()),
        "\"[a-zA-Z0-9#:=<> ().,\\[\\]_-]{0,20}\"",
    ];
    leaf.prop_recursive(4, 40, 6, |inner| {
        let keys = prop_oneof![
            Just("TableName"),
            Just("Item"),
            Just("Key"),
            Just("S"),
            Just("N"),
            Just("B"),
            Just("SS"),
            Just("NS"),
            Just("L"),
            Just("M"),
            Just("NULL"),
            Just("BOOL"),
            Just("pk"),
            Just("ConditionExpression"),
            Just("UpdateExpression"),
            Just("KeyConditionExpression"),
            Just("FilterExpression"),
            Just("ProjectionExpression"),
            Just("ExpressionAttributeValues"),
            Just("ExpressionAttributeNames"),
            Just("ExclusiveStartKey"),
            Just("Limit"),
            Just("RequestItems"),
            Just("KeySchema"),
            Just("AttributeDefinitions"),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((keys, inner), 0..5).prop_map(|v| {
                let parts: Vec<String> = v.iter().map(|(k, x)| format!("\"{k}\":{x}")).collect();
                format!("{{{}}}", parts.join(","))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, .. ProptestConfig::default() })]

    /// No request bytes make the embedded store panic; every answer is 200 or a 400 error body.
    #[test]
    fn arbitrary_requests_never_panic(body in json_like(), raw in prop::collection::vec(any::<u8>(), 0..64), action in 0..ACTIONS.len()) {
        let store = Embedded::new();
        let _ = store.handle("CreateTable", br#"{"TableName":"t1","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}"#);
        for bytes in [body.as_bytes(), raw.as_slice()] {
            let r = store.handle(ACTIONS[action], bytes);
            prop_assert!(r.status == 200 || r.status == 400, "status {}", r.status);
            let v: Value = serde_json::from_slice(&r.body).map_err(|e| TestCaseError::fail(e.to_string()))?;
            if r.status == 400 {
                prop_assert!(v["__type"].is_string());
            }
        }
    }
}

fn expression_tokens() -> impl Strategy<Value = String> {
    let tok = prop_oneof![
        Just("a"),
        Just("#n"),
        Just(":v"),
        Just(":l"),
        Just("m.x"),
        Just("l[0]"),
        Just("("),
        Just(")"),
        Just(","),
        Just("="),
        Just("<>"),
        Just("<"),
        Just(">="),
        Just("+"),
        Just("-"),
        Just("AND"),
        Just("OR"),
        Just("NOT"),
        Just("BETWEEN"),
        Just("IN"),
        Just("SET"),
        Just("REMOVE"),
        Just("ADD"),
        Just("DELETE"),
        Just("size"),
        Just("contains"),
        Just("begins_with"),
        Just("attribute_exists"),
        Just("attribute_type"),
        Just("if_not_exists"),
        Just("list_append"),
        Just("name"),
        Just("["),
        Just("]"),
        Just("."),
    ];
    prop::collection::vec(tok, 0..16).prop_map(|v| v.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, .. ProptestConfig::default() })]

    /// Random token soup in every expression parameter: an answer, never a panic.
    #[test]
    fn arbitrary_expressions_never_panic(cond in expression_tokens(), update in expression_tokens(), proj in expression_tokens()) {
        let store = Embedded::new();
        let _ = store.handle("CreateTable", br#"{"TableName":"t1","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}"#);
        let _ = store.handle("PutItem", br#"{"TableName":"t1","Item":{"pk":{"S":"k"},"a":{"N":"1"},"m":{"M":{"x":{"S":"y"}}},"l":{"L":[{"N":"2"}]}}}"#);
        let values = json!({":v": {"N": "1"}, ":l": {"L": [{"S": "z"}]}});
        let names = json!({"#n": "a"});
        let requests = [
            ("UpdateItem", json!({"TableName": "t1", "Key": {"pk": {"S": "k"}}, "UpdateExpression": update,
                "ConditionExpression": cond, "ExpressionAttributeValues": values, "ExpressionAttributeNames": names, "ReturnValues": "ALL_NEW"})),
            ("Scan", json!({"TableName": "t1", "FilterExpression": cond, "ProjectionExpression": proj,
                "ExpressionAttributeValues": values, "ExpressionAttributeNames": names})),
            ("Query", json!({"TableName": "t1", "KeyConditionExpression": cond, "ExpressionAttributeValues": values})),
        ];
        for (action, req) in requests {
            let r = store.handle(action, req.to_string().as_bytes());
            prop_assert!(r.status == 200 || r.status == 400, "status {}", r.status);
        }
    }
}
