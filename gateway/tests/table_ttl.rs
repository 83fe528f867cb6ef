//! `x-dynamodb-tables` with a `TimeToLiveSpecification`: `create_tables` enables TTL on the
//! table, so items written through the API expire on the embedded store's clock.

use std::sync::Arc;

use dynamo::Dynamo;
use dynamo::ManualClock;
use gateway::Gateway;
use serde_json::json;

const NOW: f64 = 1_800_000_000.0;

fn document(ttl: serde_json::Value) -> String {
    let path = format!("{}/../openapi.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("openapi.yaml");
    let mut doc = apidef::source::parse(&text, &path).expect("openapi.yaml parses");
    doc["x-dynamodb-tables"]["Albums"]["TimeToLiveSpecification"] = ttl;
    doc.to_string()
}

async fn call(d: &dynamo::Embedded, action: &str, body: serde_json::Value) -> serde_json::Value {
    let r = d.call(action, body.to_string().as_bytes()).await;
    assert_eq!(
        r.status,
        200,
        "{action}: {}",
        String::from_utf8_lossy(&r.body)
    );
    r.json_body()
}

#[tokio::test]
async fn create_tables_enables_the_documents_ttl() {
    let api = apidef::Api::from_str_with(
        &document(json!({"AttributeName": "expiresAt", "Enabled": true})),
        "albums-ttl.json",
        &Default::default(),
    )
    .expect("the document loads");
    let table = api
        .tables
        .values()
        .next()
        .expect("a table")
        .table_name
        .clone();
    let clock = ManualClock::at(NOW);
    let store = dynamo::Embedded::with_clock(clock.clock());
    let gw = Gateway::builder(api, Arc::new(store.clone()))
        .build()
        .expect("gateway builds");
    gw.create_tables().await.expect("tables");
    // A second start (the table exists, TTL already on) is fine.
    gw.create_tables().await.expect("tables again");
    let d = call(&store, "DescribeTimeToLive", json!({"TableName": table})).await;
    assert_eq!(
        d,
        json!({"TimeToLiveDescription": {"AttributeName": "expiresAt", "TimeToLiveStatus": "ENABLED"}})
    );
    call(
        &store,
        "PutItem",
        json!({"TableName": table, "Item": {"Artist": {"S": "a"}, "Album": {"S": "b"},
               "expiresAt": {"N": format!("{}", NOW as i64 + 60)}}}),
    )
    .await;
    let key = json!({"TableName": table, "Key": {"Artist": {"S": "a"}, "Album": {"S": "b"}}});
    assert!(
        call(&store, "GetItem", key.clone())
            .await
            .get("Item")
            .is_some()
    );
    clock.advance(61.0);
    assert_eq!(call(&store, "GetItem", key).await, json!({}));
}

#[tokio::test]
async fn a_disabled_specification_leaves_ttl_off() {
    let api = apidef::Api::from_str_with(
        &document(json!({"AttributeName": "expiresAt", "Enabled": false})),
        "albums-ttl.json",
        &Default::default(),
    )
    .expect("the document loads");
    let table = api
        .tables
        .values()
        .next()
        .expect("a table")
        .table_name
        .clone();
    let store = dynamo::Embedded::new();
    let gw = Gateway::builder(api, Arc::new(store.clone()))
        .build()
        .expect("gateway builds");
    gw.create_tables().await.expect("tables");
    let d = call(&store, "DescribeTimeToLive", json!({"TableName": table})).await;
    assert_eq!(d["TimeToLiveDescription"]["TimeToLiveStatus"], "DISABLED");
}
