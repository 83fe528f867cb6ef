//! DescribeTimeToLive / UpdateTimeToLive on the embedded store, and the expiry of items past
//! their TTL under an injected clock. (dynalite 4 has no TTL actions, so these run on the
//! embedded store only; the messages are DynamoDB's, see `dynamo/src/ttl.rs`.)

use dynamo::Embedded;
use dynamo::ManualClock;
use serde_json::{Value, json};

const NOW: f64 = 1_800_000_000.0;

fn call(d: &Embedded, action: &str, body: Value) -> (u16, Value) {
    let r = d.handle(action, body.to_string().as_bytes());
    (r.status, r.json_body())
}

fn ok(d: &Embedded, action: &str, body: Value) -> Value {
    let (status, v) = call(d, action, body);
    assert_eq!(status, 200, "{action}: {v}");
    v
}

fn validation(d: &Embedded, action: &str, body: Value, message: &str) {
    let (status, v) = call(d, action, body);
    assert_eq!(status, 400, "{action}: {v}");
    assert_eq!(
        v,
        json!({"__type": "com.amazon.coral.validate#ValidationException", "message": message})
    );
}

/// A table `sessions` (hash `id`, a global index `byUser` on `user`) on a store whose clock
/// stands at `NOW`.
fn setup() -> (Embedded, ManualClock) {
    let clock = ManualClock::at(NOW);
    let d = Embedded::with_clock(clock.clock());
    ok(
        &d,
        "CreateTable",
        json!({
            "TableName": "sessions",
            "AttributeDefinitions": [
                {"AttributeName": "id", "AttributeType": "S"},
                {"AttributeName": "user", "AttributeType": "S"}
            ],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "GlobalSecondaryIndexes": [{
                "IndexName": "byUser",
                "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}
            }],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    );
    (d, clock)
}

fn ttl(d: &Embedded, enabled: bool, attr: &str) -> (u16, Value) {
    call(
        d,
        "UpdateTimeToLive",
        json!({"TableName": "sessions",
               "TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attr}}),
    )
}

fn describe(d: &Embedded) -> Value {
    ok(d, "DescribeTimeToLive", json!({"TableName": "sessions"}))
}

fn put(d: &Embedded, id: &str, expires: Value) {
    let mut item = json!({"id": {"S": id}, "user": {"S": "u1"}});
    if !expires.is_null() {
        item["expires"] = expires;
    }
    ok(d, "PutItem", json!({"TableName": "sessions", "Item": item}));
}

fn ids_scanned(d: &Embedded) -> Vec<String> {
    let mut ids: Vec<String> = ok(d, "Scan", json!({"TableName": "sessions"}))["Items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|i| i["id"]["S"].as_str().unwrap_or_default().to_string())
        .collect();
    ids.sort();
    ids
}

fn ids_in_index(d: &Embedded) -> Vec<String> {
    let reply = ok(
        d,
        "Query",
        json!({"TableName": "sessions", "IndexName": "byUser",
               "KeyConditionExpression": "#u = :u",
               "ExpressionAttributeNames": {"#u": "user"},
               "ExpressionAttributeValues": {":u": {"S": "u1"}}}),
    );
    let mut ids: Vec<String> = reply["Items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|i| i["id"]["S"].as_str().unwrap_or_default().to_string())
        .collect();
    ids.sort();
    ids
}

#[test]
fn describe_and_update_time_to_live() {
    let (d, _) = setup();
    assert_eq!(
        describe(&d),
        json!({"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}})
    );
    let (status, reply) = ttl(&d, true, "expires");
    assert_eq!(status, 200, "{reply}");
    // The reply echoes the specification (API reference, UpdateTimeToLive).
    assert_eq!(
        reply,
        json!({"TimeToLiveSpecification": {"AttributeName": "expires", "Enabled": true}})
    );
    assert_eq!(
        describe(&d),
        json!({"TimeToLiveDescription": {"AttributeName": "expires", "TimeToLiveStatus": "ENABLED"}})
    );
    let (status, reply) = ttl(&d, false, "expires");
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        reply,
        json!({"TimeToLiveSpecification": {"AttributeName": "expires", "Enabled": false}})
    );
    assert_eq!(
        describe(&d),
        json!({"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}})
    );
    // Re-enabling on another attribute after disabling is allowed.
    assert_eq!(ttl(&d, true, "other").0, 200);
    assert_eq!(
        describe(&d)["TimeToLiveDescription"]["AttributeName"],
        "other"
    );
}

#[test]
fn documented_update_time_to_live_errors() {
    let (d, _) = setup();
    let spec = |enabled: bool, attr: &str| {
        json!({"TableName": "sessions",
               "TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attr}})
    };
    validation(
        &d,
        "UpdateTimeToLive",
        spec(false, "expires"),
        "TimeToLive is already disabled",
    );
    ok(&d, "UpdateTimeToLive", spec(true, "expires"));
    validation(
        &d,
        "UpdateTimeToLive",
        spec(true, "expires"),
        "TimeToLive is already enabled",
    );
    validation(
        &d,
        "UpdateTimeToLive",
        spec(true, "other"),
        "TimeToLive is active on a different AttributeName: current AttributeName is expires",
    );
    validation(
        &d,
        "UpdateTimeToLive",
        spec(false, "other"),
        "TimeToLive is active on a different AttributeName: current AttributeName is expires",
    );
    // None of the refused calls changed the setting.
    assert_eq!(
        describe(&d),
        json!({"TimeToLiveDescription": {"AttributeName": "expires", "TimeToLiveStatus": "ENABLED"}})
    );

    // Shape: the specification and both of its members are required, the name 1..255 long.
    validation(
        &d,
        "UpdateTimeToLive",
        json!({"TableName": "sessions"}),
        "1 validation error detected: Value null at 'timeToLiveSpecification' failed to satisfy constraint: Member must not be null",
    );
    validation(
        &d,
        "UpdateTimeToLive",
        json!({"TableName": "sessions", "TimeToLiveSpecification": {"Enabled": true}}),
        "1 validation error detected: Value null at 'timeToLiveSpecification.attributeName' failed to satisfy constraint: Member must not be null",
    );
    validation(
        &d,
        "UpdateTimeToLive",
        json!({"TableName": "sessions", "TimeToLiveSpecification": {"AttributeName": "x"}}),
        "1 validation error detected: Value null at 'timeToLiveSpecification.enabled' failed to satisfy constraint: Member must not be null",
    );
    let (status, body) = call(
        &d,
        "UpdateTimeToLive",
        json!({"TableName": "sessions", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": ""}}),
    );
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("'timeToLiveSpecification.attributeName'")
                && m.contains("Member must have length greater than or equal to 1")),
        "{body}"
    );

    // A missing table, for both actions.
    for action in ["UpdateTimeToLive", "DescribeTimeToLive"] {
        let (status, body) = call(
            &d,
            action,
            json!({"TableName": "nope", "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "x"}}),
        );
        assert_eq!(status, 400);
        assert_eq!(
            body,
            json!({"__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
                   "message": "Requested resource not found: Table: nope not found"}),
            "{action}"
        );
    }
}

#[test]
fn expired_items_disappear_from_every_read_once_their_time_passes() {
    let (d, clock) = setup();
    ok(
        &d,
        "UpdateTimeToLive",
        json!({"TableName": "sessions",
               "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "expires"}}),
    );
    put(&d, "past", json!({"N": format!("{}", NOW as i64 - 1)}));
    put(&d, "soon", json!({"N": format!("{}", NOW as i64 + 10)}));
    put(&d, "later", json!({"N": format!("{}", NOW as i64 + 1000)}));
    // Only a Number counts (Developer Guide, "Time to Live"): these never expire.
    put(&d, "string", json!({"S": "1"}));
    put(&d, "absent", Value::Null);
    put(&d, "list", json!({"L": [{"N": "1"}]}));

    // Already past when written: never returned.
    assert_eq!(
        ids_scanned(&d),
        ["absent", "later", "list", "soon", "string"]
    );
    assert_eq!(
        ids_in_index(&d),
        ["absent", "later", "list", "soon", "string"]
    );
    let got = ok(
        &d,
        "GetItem",
        json!({"TableName": "sessions", "Key": {"id": {"S": "past"}}}),
    );
    assert_eq!(got, json!({}));

    // "less than the current time": exactly now is not expired yet.
    clock.set(NOW + 10.0);
    assert!(ids_scanned(&d).contains(&"soon".to_string()));
    clock.set(NOW + 10.5);
    assert_eq!(ids_scanned(&d), ["absent", "later", "list", "string"]);
    assert_eq!(ids_in_index(&d), ["absent", "later", "list", "string"]);
    let got = ok(
        &d,
        "BatchGetItem",
        json!({"RequestItems": {"sessions": {"Keys": [{"id": {"S": "soon"}}, {"id": {"S": "later"}}]}}}),
    );
    assert_eq!(
        got["Responses"]["sessions"].as_array().map(Vec::len),
        Some(1)
    );
    let desc = ok(&d, "DescribeTable", json!({"TableName": "sessions"}));
    assert_eq!(desc["Table"]["ItemCount"], 4);

    // An update that moves the TTL into the past expires the item at once.
    ok(
        &d,
        "UpdateItem",
        json!({"TableName": "sessions", "Key": {"id": {"S": "later"}},
               "UpdateExpression": "SET expires = :t",
               "ExpressionAttributeValues": {":t": {"N": "5"}}}),
    );
    assert_eq!(ids_scanned(&d), ["absent", "list", "string"]);
}

#[test]
fn without_ttl_enabled_nothing_expires_and_enabling_later_applies_it() {
    let (d, clock) = setup();
    put(&d, "old", json!({"N": "100"}));
    clock.advance(3600.0);
    assert_eq!(ids_scanned(&d), ["old"]);
    ok(
        &d,
        "UpdateTimeToLive",
        json!({"TableName": "sessions",
               "TimeToLiveSpecification": {"Enabled": true, "AttributeName": "expires"}}),
    );
    assert_eq!(ids_scanned(&d), Vec::<String>::new());

    // Disabling stops expiry for items written afterwards.
    ok(
        &d,
        "UpdateTimeToLive",
        json!({"TableName": "sessions",
               "TimeToLiveSpecification": {"Enabled": false, "AttributeName": "expires"}}),
    );
    put(&d, "kept", json!({"N": "100"}));
    assert_eq!(ids_scanned(&d), ["kept"]);
}
