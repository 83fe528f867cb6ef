//! UpdateTable on the embedded store (billing mode, throughput, global secondary indexes created
//! with a backfill and deleted, streams, the documented errors), and a differential against
//! dynalite for the cases dynalite implements (its UpdateTable changes billing and throughput and
//! validates index updates, but creates and deletes no index).

mod common;

use dynamo::{Dynamo, Embedded};
use serde_json::{Value, json};

fn call(d: &Embedded, action: &str, body: Value) -> (u16, Value) {
    let r = d.handle(action, body.to_string().as_bytes());
    (r.status, r.json_body())
}

fn ok(d: &Embedded, action: &str, body: Value) -> Value {
    let (status, v) = call(d, action, body);
    assert_eq!(status, 200, "{action}: {v}");
    v
}

fn error(d: &Embedded, body: Value) -> (String, String) {
    let (status, v) = call(d, "UpdateTable", body);
    assert_eq!(status, 400, "{v}");
    (
        v["__type"]
            .as_str()
            .unwrap_or_default()
            .rsplit('#')
            .next()
            .unwrap_or_default()
            .to_string(),
        v["message"].as_str().unwrap_or_default().to_string(),
    )
}

fn create(d: &Embedded, name: &str, provisioned: bool) {
    let mut req = json!({
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
    });
    if provisioned {
        req["ProvisionedThroughput"] = json!({"ReadCapacityUnits": 5, "WriteCapacityUnits": 5});
    } else {
        req["BillingMode"] = json!("PAY_PER_REQUEST");
    }
    ok(d, "CreateTable", req);
}

fn query_index(d: &Embedded, index: &str, attr: &str, value: Value) -> (u16, Value) {
    call(
        d,
        "Query",
        json!({"TableName": "tab", "IndexName": index,
               "KeyConditionExpression": "#k = :v",
               "ExpressionAttributeNames": {"#k": attr},
               "ExpressionAttributeValues": {":v": value}}),
    )
}

#[test]
fn billing_mode_and_throughput_changes() {
    let d = Embedded::new();
    create(&d, "tab", true);
    let reply = ok(
        &d,
        "UpdateTable",
        json!({"TableName": "tab", "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 2}}),
    );
    let desc = &reply["TableDescription"];
    assert_eq!(desc["TableStatus"], "UPDATING");
    // The reply shows the units still in force, the change's times recorded (as DynamoDB and
    // dynalite answer); the new units show once the table is ACTIVE, at once here.
    assert_eq!(desc["ProvisionedThroughput"]["ReadCapacityUnits"], 5);
    assert_eq!(desc["ProvisionedThroughput"]["WriteCapacityUnits"], 5);
    assert_eq!(desc["ProvisionedThroughput"]["NumberOfDecreasesToday"], 0);
    assert!(desc["ProvisionedThroughput"]["LastIncreaseDateTime"].is_number());
    assert!(desc["ProvisionedThroughput"]["LastDecreaseDateTime"].is_number());
    let table = ok(&d, "DescribeTable", json!({"TableName": "tab"}))["Table"].clone();
    assert_eq!(table["TableStatus"], "ACTIVE");
    assert_eq!(table["ProvisionedThroughput"]["ReadCapacityUnits"], 10);
    assert_eq!(table["ProvisionedThroughput"]["WriteCapacityUnits"], 2);
    assert_eq!(table["ProvisionedThroughput"]["NumberOfDecreasesToday"], 1);

    let reply = ok(
        &d,
        "UpdateTable",
        json!({"TableName": "tab", "BillingMode": "PAY_PER_REQUEST"}),
    );
    let desc = &reply["TableDescription"];
    assert_eq!(desc["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        desc["TableThroughputModeSummary"]["TableThroughputMode"],
        "PAY_PER_REQUEST"
    );
    assert_eq!(desc["ProvisionedThroughput"]["ReadCapacityUnits"], 0);
    assert_eq!(desc["ProvisionedThroughput"]["WriteCapacityUnits"], 0);

    // Back to provisioned: throughput is required, then applied.
    assert_eq!(
        error(&d, json!({"TableName": "tab", "BillingMode": "PROVISIONED"})),
        (
            "ValidationException".to_string(),
            "One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED".to_string()
        )
    );
    let reply = ok(
        &d,
        "UpdateTable",
        json!({"TableName": "tab", "BillingMode": "PROVISIONED",
               "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 4}}),
    );
    let desc = &reply["TableDescription"];
    assert_eq!(desc["BillingModeSummary"]["BillingMode"], "PROVISIONED");
    assert_eq!(desc["ProvisionedThroughput"]["ReadCapacityUnits"], 3);
    assert_eq!(desc["ProvisionedThroughput"]["WriteCapacityUnits"], 4);
}

#[test]
fn documented_errors() {
    let d = Embedded::new();
    create(&d, "tab", false);
    let v = |m: &str| ("ValidationException".to_string(), m.to_string());
    assert_eq!(
        error(&d, json!({"TableName": "tab"})),
        v(
            "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required"
        )
    );
    assert_eq!(
        error(
            &d,
            json!({"TableName": "tab", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}})
        ),
        v(
            "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
        )
    );
    assert_eq!(
        error(
            &d,
            json!({"TableName": "tab", "BillingMode": "PROVISIONED",
                   "ProvisionedThroughput": {"ReadCapacityUnits": 1_000_000_000_001_i64, "WriteCapacityUnits": 1}})
        ),
        v("Given value 1000000000001 for ReadCapacityUnits is out of bounds")
    );
    assert_eq!(
        error(
            &d,
            json!({"TableName": "tab", "GlobalSecondaryIndexUpdates": [{}]})
        ),
        v(
            "One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null"
        )
    );
    assert_eq!(
        error(
            &d,
            json!({"TableName": "tab", "GlobalSecondaryIndexUpdates": [
                {"Delete": {"IndexName": "abc"}}, {"Delete": {"IndexName": "abc"}}]})
        ),
        v(
            "One or more parameter values were invalid: Only one global secondary index update per index is allowed simultaneously. Index: abc"
        )
    );
    assert_eq!(
        error(
            &d,
            json!({"TableName": "nope", "BillingMode": "PAY_PER_REQUEST"})
        ),
        (
            "ResourceNotFoundException".to_string(),
            "Requested resource not found: Table: nope not found".to_string()
        )
    );
    assert_eq!(
        error(
            &d,
            json!({"TableName": "tab", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "abc"}}]})
        ),
        (
            "ResourceNotFoundException".to_string(),
            "Requested resource not found: Index: abc not found".to_string()
        )
    );
    // Member constraints come first, aggregated as for every action.
    let (ty, msg) = error(&d, json!({"TableName": "tab", "BillingMode": "SOMETIMES"}));
    assert_eq!(ty, "ValidationException");
    assert!(
        msg.starts_with("1 validation error detected: Value 'SOMETIMES' at 'billingMode' failed to satisfy constraint: Member must satisfy enum value set"),
        "{msg}"
    );

    let d = Embedded::new();
    create(&d, "prov", true);
    assert_eq!(
        error(
            &d,
            json!({"TableName": "prov", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}})
        ),
        v(
            "The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: 5. Requested ReadCapacityUnits: 5. Current WriteCapacityUnits provisioned for the table: 5. Requested WriteCapacityUnits: 5. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits."
        )
    );
}

fn create_index(index: &str, attr: &str, ty: &str) -> Value {
    json!({"TableName": "tab",
           "AttributeDefinitions": [{"AttributeName": attr, "AttributeType": ty}],
           "GlobalSecondaryIndexUpdates": [{"Create": {
               "IndexName": index,
               "KeySchema": [{"AttributeName": attr, "KeyType": "HASH"}],
               "Projection": {"ProjectionType": "KEYS_ONLY"}}}]})
}

#[test]
fn a_created_index_is_backfilled_and_a_deleted_one_is_gone() {
    let d = Embedded::new();
    create(&d, "tab", false);
    for (pk, color) in [
        ("a", json!({"S": "red"})),
        ("b", json!({"S": "red"})),
        ("c", json!({"N": "1"})),
    ] {
        ok(
            &d,
            "PutItem",
            json!({"TableName": "tab", "Item": {"pk": {"S": pk}, "color": color, "x": {"S": "y"}}}),
        );
    }
    ok(
        &d,
        "PutItem",
        json!({"TableName": "tab", "Item": {"pk": {"S": "d"}}}),
    );
    // Before the index exists a query of it is refused.
    assert_eq!(
        query_index(&d, "byColor", "color", json!({"S": "red"})).0,
        400
    );

    let reply = ok(&d, "UpdateTable", create_index("byColor", "color", "S"));
    let desc = &reply["TableDescription"];
    assert_eq!(desc["TableStatus"], "UPDATING");
    assert_eq!(desc["GlobalSecondaryIndexes"][0]["IndexName"], "byColor");
    assert_eq!(desc["GlobalSecondaryIndexes"][0]["IndexStatus"], "CREATING");
    assert_eq!(
        desc["AttributeDefinitions"],
        json!([{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "color", "AttributeType": "S"}])
    );

    // The existing items with a string `color` are in it (KEYS_ONLY: keys only); the item whose
    // `color` is a number, and the one without, are not.
    let (status, body) = query_index(&d, "byColor", "color", json!({"S": "red"}));
    assert_eq!(status, 200, "{body}");
    let mut items: Vec<Value> = body["Items"].as_array().cloned().unwrap_or_default();
    items.sort_by_key(|i| i.to_string());
    assert_eq!(
        items,
        [
            json!({"pk": {"S": "a"}, "color": {"S": "red"}}),
            json!({"pk": {"S": "b"}, "color": {"S": "red"}})
        ]
    );
    // Later writes keep it up to date, as for an index created with the table.
    ok(
        &d,
        "PutItem",
        json!({"TableName": "tab", "Item": {"pk": {"S": "e"}, "color": {"S": "red"}}}),
    );
    ok(
        &d,
        "DeleteItem",
        json!({"TableName": "tab", "Key": {"pk": {"S": "a"}}}),
    );
    let (_, body) = query_index(&d, "byColor", "color", json!({"S": "red"}));
    assert_eq!(body["Count"], 2);
    let table = ok(&d, "DescribeTable", json!({"TableName": "tab"}))["Table"].clone();
    assert_eq!(table["GlobalSecondaryIndexes"][0]["IndexStatus"], "ACTIVE");

    // Documented refusals for a create.
    assert_eq!(
        error(&d, create_index("byColor", "color", "S")).1,
        "Attempting to create an index which already exists"
    );
    let mut missing_def = create_index("bySize", "size", "N");
    missing_def["AttributeDefinitions"] = json!([]);
    assert_eq!(
        error(&d, missing_def).1,
        "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [size], AttributeDefinitions: [pk, color]"
    );
    let mut provisioned = create_index("bySize", "size", "N");
    provisioned["GlobalSecondaryIndexUpdates"][0]["Create"]["ProvisionedThroughput"] =
        json!({"ReadCapacityUnits": 1, "WriteCapacityUnits": 1});
    assert_eq!(
        error(&d, provisioned).1,
        "One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: bySize when BillingMode is PAY_PER_REQUEST"
    );

    let reply = ok(
        &d,
        "UpdateTable",
        json!({"TableName": "tab", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "byColor"}}]}),
    );
    assert_eq!(
        reply["TableDescription"]["GlobalSecondaryIndexes"][0]["IndexStatus"],
        "DELETING"
    );
    let table = ok(&d, "DescribeTable", json!({"TableName": "tab"}))["Table"].clone();
    assert!(table.get("GlobalSecondaryIndexes").is_none(), "{table}");
    let (status, body) = query_index(&d, "byColor", "color", json!({"S": "red"}));
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "The table does not have the specified index: byColor"
    );
}

#[test]
fn stream_specification_is_accepted_and_described() {
    let d = Embedded::new();
    create(&d, "tab", false);
    let reply = ok(
        &d,
        "UpdateTable",
        json!({"TableName": "tab", "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}}),
    );
    assert_eq!(
        reply["TableDescription"]["StreamSpecification"],
        json!({"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"})
    );
    assert!(reply["TableDescription"]["LatestStreamArn"].is_string());
    ok(
        &d,
        "UpdateTable",
        json!({"TableName": "tab", "StreamSpecification": {"StreamEnabled": false}}),
    );
    let table = ok(&d, "DescribeTable", json!({"TableName": "tab"}))["Table"].clone();
    assert!(table.get("StreamSpecification").is_none(), "{table}");
}

/// What both backends answer the same for: the error's type and message, or the parts of a
/// success the embedded store and dynalite both compute (statuses, billing, throughput units).
fn comparable(status: u16, body: &Value) -> Value {
    if status != 200 {
        return json!({"status": status, "__type": body["__type"], "message": body["message"]});
    }
    let d = &body["TableDescription"];
    json!({
        "status": status,
        "TableStatus": d["TableStatus"],
        "BillingMode": d["BillingModeSummary"]["BillingMode"],
        "ReadCapacityUnits": d["ProvisionedThroughput"]["ReadCapacityUnits"],
        "WriteCapacityUnits": d["ProvisionedThroughput"]["WriteCapacityUnits"],
        "NumberOfDecreasesToday": d["ProvisionedThroughput"]["NumberOfDecreasesToday"],
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs dynalite: run scripts/test-all"]
async fn update_table_matches_dynalite() {
    let local: std::sync::Arc<dyn Dynamo> = common::embedded();
    let remote = common::dynalite();
    // (description, provisioned table?, request with $T for the table name)
    let cases: Vec<(&str, bool, Value)> = vec![
        ("nothing to update", false, json!({"TableName": "$T"})),
        (
            "missing table",
            false,
            json!({"TableName": "$T-none", "BillingMode": "PAY_PER_REQUEST"}),
        ),
        (
            "bad billing mode",
            false,
            json!({"TableName": "$T", "BillingMode": "X"}),
        ),
        (
            "provisioned without throughput",
            false,
            json!({"TableName": "$T", "BillingMode": "PROVISIONED"}),
        ),
        (
            "throughput on on-demand",
            false,
            json!({"TableName": "$T", "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}}),
        ),
        (
            "out of bounds",
            true,
            json!({"TableName": "$T", "ProvisionedThroughput": {"ReadCapacityUnits": 1_000_000_000_001_i64, "WriteCapacityUnits": 1}}),
        ),
        (
            "zero units",
            true,
            json!({"TableName": "$T", "ProvisionedThroughput": {"ReadCapacityUnits": 0, "WriteCapacityUnits": 1}}),
        ),
        (
            "unchanged throughput",
            true,
            json!({"TableName": "$T", "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}}),
        ),
        (
            "null index update",
            false,
            json!({"TableName": "$T", "GlobalSecondaryIndexUpdates": [{}]}),
        ),
        (
            "two updates of one index",
            false,
            json!({"TableName": "$T", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "abc"}}, {"Delete": {"IndexName": "abc"}}]}),
        ),
        (
            "short index name",
            false,
            json!({"TableName": "$T", "GlobalSecondaryIndexUpdates": [{"Delete": {"IndexName": "a"}}]}),
        ),
        (
            "increase and decrease",
            true,
            json!({"TableName": "$T", "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 2}}),
        ),
        (
            "to on-demand",
            true,
            json!({"TableName": "$T", "BillingMode": "PAY_PER_REQUEST"}),
        ),
        (
            "to provisioned",
            false,
            json!({"TableName": "$T", "BillingMode": "PROVISIONED", "ProvisionedThroughput": {"ReadCapacityUnits": 3, "WriteCapacityUnits": 4}}),
        ),
    ];
    let mut diffs = Vec::new();
    for (what, provisioned, req) in &cases {
        let mut answers = Vec::new();
        for d in [&local, &remote] {
            let table = common::unique("update-table");
            let mut create = json!({
                "TableName": table,
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            });
            if *provisioned {
                create["ProvisionedThroughput"] =
                    json!({"ReadCapacityUnits": 5, "WriteCapacityUnits": 5});
            } else {
                create["BillingMode"] = json!("PAY_PER_REQUEST");
            }
            let (s, b) = common::call(d.as_ref(), "CreateTable", &create).await;
            assert_eq!(s, 200, "{b}");
            common::wait_active(d.as_ref(), &table).await;
            let names = [("$T".to_string(), table.clone())];
            let (s, b) =
                common::call(d.as_ref(), "UpdateTable", &common::substitute(req, &names)).await;
            answers.push(common::unsubstitute(&comparable(s, &b), &names));
            let _ = common::call(d.as_ref(), "DeleteTable", &json!({"TableName": table})).await;
        }
        if answers[0] != answers[1] {
            diffs.push(format!(
                "{what}\n  embedded {}\n  dynalite {}",
                answers[0], answers[1]
            ));
        }
    }
    assert!(
        diffs.is_empty(),
        "UpdateTable differs:\n{}",
        diffs.join("\n")
    );
}
