//! The embedded store as DynamoDB, where dynalite is not the reference: empty secondary-index key
//! values are refused (dynalite accepts them, architect/dynalite#184), replies list their members
//! in DynamoDB's order byte for byte, and every reply carries DynamoDB's headers.

use dynamo::{Dynamo, Embedded};
use serde_json::{Value, json};

const EMPTY_GSI: &str = "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: by-email, IndexKey: email";

async fn store() -> Embedded {
    let d = Embedded::new();
    let r = d
        .call(
            "CreateTable",
            json!({
                "TableName": "tbl",
                "AttributeDefinitions": [
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                    {"AttributeName": "email", "AttributeType": "S"},
                    {"AttributeName": "rank", "AttributeType": "B"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                "GlobalSecondaryIndexes": [{"IndexName": "by-email",
                    "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"}}],
                "LocalSecondaryIndexes": [{"IndexName": "by-rank",
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "rank", "KeyType": "RANGE"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"}}],
                "BillingMode": "PAY_PER_REQUEST"
            })
            .to_string()
            .as_bytes(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    d
}

async fn call(d: &Embedded, action: &str, req: Value) -> (u16, String) {
    let r = d.call(action, req.to_string().as_bytes()).await;
    (r.status, String::from_utf8_lossy(&r.body).into_owned())
}

fn validation(message: &str) -> String {
    json!({"__type": "com.amazon.coral.validate#ValidationException", "message": message})
        .to_string()
}

#[tokio::test]
async fn empty_secondary_index_keys_are_validation_errors() {
    let d = store().await;
    let put = |item: Value| json!({"TableName": "tbl", "Item": item});
    let (s, b) = call(
        &d,
        "PutItem",
        put(json!({"pk": {"S": "a"}, "sk": {"S": "1"}, "email": {"S": ""}})),
    )
    .await;
    assert_eq!((s, b), (400, validation(EMPTY_GSI)));
    let (s, b) = call(
        &d,
        "PutItem",
        put(json!({"pk": {"S": "a"}, "sk": {"S": "1"}, "rank": {"B": ""}})),
    )
    .await;
    assert_eq!(
        (s, b),
        (
            400,
            validation(
                "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty binary value. IndexName: by-rank, IndexKey: rank"
            )
        )
    );
    // Nothing was written.
    let (_, b) = call(&d, "Scan", json!({"TableName": "tbl"})).await;
    assert_eq!(b, r#"{"Count":0,"Items":[],"ScannedCount":0}"#);

    // A non-empty value, or none at all (a sparse index), is fine.
    let (s, b) = call(
        &d,
        "PutItem",
        put(json!({"pk": {"S": "a"}, "sk": {"S": "1"}, "email": {"S": "x@y"}})),
    )
    .await;
    assert_eq!((s, b.as_str()), (200, "{}"));
    let (s, _) = call(
        &d,
        "PutItem",
        put(json!({"pk": {"S": "a"}, "sk": {"S": "2"}, "other": {"S": ""}})),
    )
    .await;
    assert_eq!(s, 200);

    let (s, b) = call(
        &d,
        "UpdateItem",
        json!({"TableName": "tbl", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
        "UpdateExpression": "SET email = :e", "ExpressionAttributeValues": {":e": {"S": ""}}}),
    )
    .await;
    // UpdateItem words it its own way (captured on AWS, paritysuite/dynamodb-conformance).
    assert_eq!(
        (s, b),
        (
            400,
            validation(
                "One or more parameter values are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty string value."
            )
        )
    );

    let (s, b) = call(
        &d,
        "BatchWriteItem",
        json!({"RequestItems": {"tbl": [
        {"PutRequest": {"Item": {"pk": {"S": "b"}, "sk": {"S": "1"}}}},
        {"PutRequest": {"Item": {"pk": {"S": "b"}, "sk": {"S": "2"}, "email": {"S": ""}}}}]}}),
    )
    .await;
    assert_eq!((s, b), (400, validation(EMPTY_GSI)));
    let (_, b) = call(
        &d,
        "GetItem",
        json!({"TableName": "tbl", "Key": {"pk": {"S": "b"}, "sk": {"S": "1"}}}),
    )
    .await;
    assert_eq!(b, "{}", "a refused batch writes nothing");

    // The value in the store is unchanged by the refused update.
    let (_, b) = call(
        &d,
        "GetItem",
        json!({"TableName": "tbl", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
        "ProjectionExpression": "email"}),
    )
    .await;
    assert_eq!(b, r#"{"Item":{"email":{"S":"x@y"}}}"#);
}

#[tokio::test]
async fn empty_key_values_in_a_query_key_condition() {
    let d = store().await;
    let (s, b) = call(
        &d,
        "Query",
        json!({"TableName": "tbl", "IndexName": "by-email",
        "KeyConditionExpression": "email = :e", "ExpressionAttributeValues": {":e": {"S": ""}}}),
    )
    .await;
    assert_eq!((s, b), (400, validation(EMPTY_GSI)));
    let (s, b) = call(
        &d,
        "Query",
        json!({"TableName": "tbl",
        "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": ""}}}),
    )
    .await;
    assert_eq!(
        (s, b),
        (
            400,
            validation(
                "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk"
            )
        )
    );
    // The legacy KeyConditions form too.
    let (s, b) = call(&d, "Query", json!({"TableName": "tbl", "IndexName": "by-email",
        "KeyConditions": {"email": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": ""}]}}})).await;
    assert_eq!((s, b), (400, validation(EMPTY_GSI)));
    let (s, b) = call(
        &d,
        "Query",
        json!({"TableName": "tbl", "IndexName": "by-email",
        "KeyConditionExpression": "email = :e", "ExpressionAttributeValues": {":e": {"S": "x"}}}),
    )
    .await;
    assert_eq!(
        (s, b.as_str()),
        (200, r#"{"Count":0,"Items":[],"ScannedCount":0}"#)
    );
}

/// Members in the order of their names, as AWS recorded for an empty Query and as the API
/// reference lists them; item attributes keep their own order.
#[tokio::test]
async fn replies_list_members_in_dynamodb_order() {
    let d = store().await;
    let item = json!({"pk": {"S": "a"}, "sk": {"S": "1"}, "zz": {"N": "1"}, "aa": {"S": "x"}});
    let (_, b) = call(
        &d,
        "PutItem",
        json!({"TableName": "tbl", "Item": item, "ReturnConsumedCapacity": "TOTAL"}),
    )
    .await;
    assert_eq!(
        b,
        r#"{"ConsumedCapacity":{"CapacityUnits":1,"TableName":"tbl"}}"#
    );
    let (_, b) = call(
        &d,
        "PutItem",
        json!({"TableName": "tbl", "Item": item, "ReturnValues": "ALL_OLD",
        "ReturnConsumedCapacity": "INDEXES"}),
    )
    .await;
    assert!(b.starts_with(r#"{"Attributes":{"pk":{"S":"a"},"sk":{"S":"1"},"zz":{"N":"1"},"aa":{"S":"x"}},"ConsumedCapacity":{"CapacityUnits":"#), "{b}");
    let v: Value = serde_json::from_str(&b).expect("JSON");
    let cc: Vec<&String> = v["ConsumedCapacity"]
        .as_object()
        .expect("object")
        .keys()
        .collect();
    assert_eq!(cc, ["CapacityUnits", "Table", "TableName"]);

    let (_, b) = call(
        &d,
        "PutItem",
        json!({"TableName": "tbl", "Item": {"pk": {"S": "a"}, "sk": {"S": "2"}}}),
    )
    .await;
    assert_eq!(b, "{}");
    let (_, b) = call(&d, "Query", json!({"TableName": "tbl", "KeyConditionExpression": "pk = :p",
        "ExpressionAttributeValues": {":p": {"S": "a"}}, "Limit": 1, "ReturnConsumedCapacity": "TOTAL",
        "ProjectionExpression": "sk"})).await;
    assert_eq!(
        b,
        r#"{"ConsumedCapacity":{"CapacityUnits":0.5,"TableName":"tbl"},"Count":1,"Items":[{"sk":{"S":"1"}}],"LastEvaluatedKey":{"pk":{"S":"a"},"sk":{"S":"1"}},"ScannedCount":1}"#
    );
    let (_, b) = call(&d, "Scan", json!({"TableName": "tbl", "Select": "COUNT"})).await;
    assert_eq!(b, r#"{"Count":2,"ScannedCount":2}"#);
    let (_, b) = call(
        &d,
        "GetItem",
        json!({"TableName": "tbl", "Key": {"pk": {"S": "a"}, "sk": {"S": "2"}},
        "ReturnConsumedCapacity": "TOTAL"}),
    )
    .await;
    assert_eq!(
        b,
        r#"{"ConsumedCapacity":{"CapacityUnits":0.5,"TableName":"tbl"},"Item":{"pk":{"S":"a"},"sk":{"S":"2"}}}"#
    );
    let (_, b) = call(
        &d,
        "UpdateItem",
        json!({"TableName": "tbl", "Key": {"pk": {"S": "a"}, "sk": {"S": "2"}},
        "UpdateExpression": "SET n = :n", "ExpressionAttributeValues": {":n": {"N": "5"}},
        "ReturnValues": "UPDATED_NEW", "ReturnConsumedCapacity": "TOTAL"}),
    )
    .await;
    assert_eq!(
        b,
        r#"{"Attributes":{"n":{"N":"5"}},"ConsumedCapacity":{"CapacityUnits":1,"TableName":"tbl"}}"#
    );
    let (_, b) = call(
        &d,
        "BatchGetItem",
        json!({"RequestItems": {"tbl": {"Keys": [{"pk": {"S": "a"}, "sk": {"S": "2"}}],
        "ProjectionExpression": "sk"}}, "ReturnConsumedCapacity": "TOTAL"}),
    )
    .await;
    assert_eq!(
        b,
        r#"{"ConsumedCapacity":[{"CapacityUnits":0.5,"TableName":"tbl"}],"Responses":{"tbl":[{"sk":{"S":"2"}}]},"UnprocessedKeys":{}}"#
    );
    let (_, b) = call(&d, "BatchWriteItem", json!({"RequestItems": {"tbl": [
        {"DeleteRequest": {"Key": {"pk": {"S": "a"}, "sk": {"S": "2"}}}}]}, "ReturnConsumedCapacity": "TOTAL"})).await;
    assert_eq!(
        b,
        r#"{"ConsumedCapacity":[{"CapacityUnits":1,"TableName":"tbl"}],"UnprocessedItems":{}}"#
    );
    let (_, b) = call(
        &d,
        "DeleteItem",
        json!({"TableName": "tbl", "Key": {"pk": {"S": "a"}, "sk": {"S": "1"}},
        "ReturnValues": "ALL_OLD", "ReturnConsumedCapacity": "TOTAL"}),
    )
    .await;
    assert!(
        b.starts_with(r#"{"Attributes":{"#)
            && b.ends_with(r#""ConsumedCapacity":{"CapacityUnits":1,"TableName":"tbl"}}"#),
        "{b}"
    );
    // Errors: `__type` first, then the message (AWS-REC).
    let (_, b) = call(
        &d,
        "GetItem",
        json!({"TableName": "missing", "Key": {"pk": {"S": "a"}}}),
    )
    .await;
    assert_eq!(
        b,
        r#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}"#
    );
    let (_, b) = call(&d, "DescribeTable", json!({"TableName": "tbl"})).await;
    let v: Value = serde_json::from_str(&b).expect("JSON");
    let keys: Vec<&String> = v["Table"].as_object().expect("Table").keys().collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[tokio::test]
async fn replies_carry_dynamodb_headers() {
    let d = store().await;
    for (action, req) in [
        (
            "Query",
            json!({"TableName": "tbl", "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "a"}}}),
        ),
        (
            "GetItem",
            json!({"TableName": "missing", "Key": {"pk": {"S": "a"}}}),
        ),
    ] {
        let r = d.call(action, req.to_string().as_bytes()).await;
        assert_eq!(r.header("content-type"), Some("application/x-amz-json-1.0"));
        assert_eq!(
            r.header("x-amz-crc32"),
            Some(dynamo::util::crc32(&r.body).to_string().as_str())
        );
        assert_eq!(r.header("x-amzn-requestid").map(str::len), Some(52));
        let date = r.header("date").expect("Date");
        let now = dynamo::util::http_date(std::time::SystemTime::now());
        assert_eq!(date.len(), now.len(), "{date}");
        assert_eq!(&date[..16], &now[..16], "{date} vs {now}");
        assert!(date.ends_with(" GMT"));
    }
}

/// An attribute that keys several indexes: DynamoDB names the alphabetically first index (captured
/// on AWS, paritysuite/dynamodb-conformance), whatever the order of the table's definition.
#[tokio::test]
async fn the_alphabetically_first_index_is_named() {
    let d = Embedded::new();
    let r = d
        .call(
            "CreateTable",
            json!({
                "TableName": "two",
                "AttributeDefinitions": [
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "S"},
                    {"AttributeName": "x", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                "GlobalSecondaryIndexes": [{"IndexName": "zeta",
                    "KeySchema": [{"AttributeName": "x", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"}}],
                "LocalSecondaryIndexes": [{"IndexName": "alpha",
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "x", "KeyType": "RANGE"}],
                    "Projection": {"ProjectionType": "ALL"}}],
                "BillingMode": "PAY_PER_REQUEST"
            })
            .to_string()
            .as_bytes(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let put = |x: Value| json!({"TableName": "two", "Item": {"pk": {"S": "a"}, "sk": {"S": "b"}, "x": x}});
    let (s, b) = call(&d, "PutItem", put(json!({"S": ""}))).await;
    assert_eq!(
        (s, b),
        (
            400,
            validation(
                "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: alpha, IndexKey: x"
            )
        )
    );
    let (s, b) = call(&d, "PutItem", put(json!({"N": "1"}))).await;
    assert_eq!(
        (s, b),
        (
            400,
            validation(
                "One or more parameter values were invalid: Type mismatch for Index Key x Expected: S Actual: N IndexName: alpha"
            )
        )
    );
}
