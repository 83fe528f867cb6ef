//! TransactWriteItems and TransactGetItems on the embedded store. (dynalite 4, the differential
//! backend, has no transactions, so these run on the embedded store only.)

use dynamo::Embedded;
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

fn setup() -> Embedded {
    let d = Embedded::new();
    ok(
        &d,
        "CreateTable",
        json!({
            "TableName": "events",
            "AttributeDefinitions": [
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"}
            ],
            "KeySchema": [
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"}
            ],
            "BillingMode": "PAY_PER_REQUEST"
        }),
    );
    ok(
        &d,
        "PutItem",
        json!({"TableName": "events", "Item": {
            "PK": {"S": "EVENT#1"}, "SK": {"S": "EVENT"},
            "Registered": {"N": "1"}, "Capacity": {"N": "2"}
        }}),
    );
    ok(
        &d,
        "PutItem",
        json!({"TableName": "events", "Item": {
            "PK": {"S": "EVENT#1"}, "SK": {"S": "ATTENDEE#old"}, "Name": {"S": "Old"}
        }}),
    );
    d
}

fn get(d: &Embedded, pk: &str, sk: &str) -> Value {
    ok(
        d,
        "GetItem",
        json!({"TableName": "events", "Key": {"PK": {"S": pk}, "SK": {"S": sk}}}),
    )
    .get("Item")
    .cloned()
    .unwrap_or(Value::Null)
}

fn register(capacity_check: &str, attendee: &str) -> Value {
    json!({"TransactItems": [
        {"Update": {
            "TableName": "events",
            "Key": {"PK": {"S": "EVENT#1"}, "SK": {"S": "EVENT"}},
            "UpdateExpression": "SET Registered = Registered + :one",
            "ConditionExpression": capacity_check,
            "ExpressionAttributeNames": {"#capacity": "Capacity"},
            "ExpressionAttributeValues": {":one": {"N": "1"}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"
        }},
        {"Put": {
            "TableName": "events",
            "Item": {"PK": {"S": "EVENT#1"}, "SK": {"S": attendee}},
            "ConditionExpression": "attribute_not_exists(PK)"
        }}
    ]})
}

#[test]
fn mixed_transaction_applies_every_action() {
    let d = setup();
    let reply = ok(
        &d,
        "TransactWriteItems",
        json!({"ClientRequestToken": "token-1", "TransactItems": [
            {"Update": {
                "TableName": "events",
                "Key": {"PK": {"S": "EVENT#1"}, "SK": {"S": "EVENT"}},
                "UpdateExpression": "SET Registered = Registered + :one",
                "ConditionExpression": "Registered < #c",
                "ExpressionAttributeNames": {"#c": "Capacity"},
                "ExpressionAttributeValues": {":one": {"N": "1"}}
            }},
            {"Put": {
                "TableName": "events",
                "Item": {"PK": {"S": "EVENT#1"}, "SK": {"S": "ATTENDEE#new"}},
                "ConditionExpression": "attribute_not_exists(PK)"
            }},
            {"Delete": {
                "TableName": "events",
                "Key": {"PK": {"S": "EVENT#1"}, "SK": {"S": "ATTENDEE#old"}},
                "ConditionExpression": "attribute_exists(PK)"
            }},
            {"ConditionCheck": {
                "TableName": "events",
                "Key": {"PK": {"S": "EVENT#2"}, "SK": {"S": "EVENT"}},
                "ConditionExpression": "attribute_not_exists(PK)"
            }}
        ]}),
    );
    assert_eq!(reply, json!({}));
    assert_eq!(get(&d, "EVENT#1", "EVENT")["Registered"], json!({"N": "2"}));
    assert_eq!(
        get(&d, "EVENT#1", "ATTENDEE#new"),
        json!({"PK": {"S": "EVENT#1"}, "SK": {"S": "ATTENDEE#new"}})
    );
    assert_eq!(get(&d, "EVENT#1", "ATTENDEE#old"), Value::Null);
    // ConditionCheck writes nothing.
    assert_eq!(get(&d, "EVENT#2", "EVENT"), Value::Null);
}

#[test]
fn consumed_capacity_only_when_asked() {
    let d = setup();
    let mut body = register("Registered < #capacity", "ATTENDEE#a");
    body["ReturnConsumedCapacity"] = json!("TOTAL");
    let reply = ok(&d, "TransactWriteItems", body);
    assert_eq!(
        reply,
        json!({"ConsumedCapacity": [{"TableName": "events", "CapacityUnits": 4}]})
    );
}

#[test]
fn failed_condition_cancels_everything_with_reasons_in_order() {
    let d = setup();
    // The event is full after one more registration.
    ok(
        &d,
        "TransactWriteItems",
        register("Registered < #capacity", "ATTENDEE#a"),
    );
    let before_event = get(&d, "EVENT#1", "EVENT");
    let (status, body) = call(
        &d,
        "TransactWriteItems",
        register("Registered < #capacity", "ATTENDEE#b"),
    );
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "CancellationReasons": [
                {"Code": "ConditionalCheckFailed", "Item": before_event,
                 "Message": "The conditional request failed"},
                {"Code": "None"}
            ],
            "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons [ConditionalCheckFailed, None]"
        })
    );
    // Neither the update nor the put happened.
    assert_eq!(get(&d, "EVENT#1", "EVENT"), before_event);
    assert_eq!(get(&d, "EVENT#1", "ATTENDEE#b"), Value::Null);

    // Second action failing (already registered); no Item without ALL_OLD.
    let (status, body) = call(
        &d,
        "TransactWriteItems",
        register("attribute_exists(PK) AND #capacity > :one", "ATTENDEE#a"),
    );
    assert_eq!(status, 400);
    assert_eq!(
        body["CancellationReasons"],
        json!([{"Code": "None"}, {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}])
    );
    assert_eq!(
        body["Message"],
        "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]"
    );
    assert_eq!(get(&d, "EVENT#1", "EVENT"), before_event);

    // A missing item with ALL_OLD has no Item in its reason.
    let (_, body) = call(
        &d,
        "TransactWriteItems",
        json!({"TransactItems": [{"ConditionCheck": {
            "TableName": "events",
            "Key": {"PK": {"S": "EVENT#9"}, "SK": {"S": "EVENT"}},
            "ConditionExpression": "attribute_exists(PK)",
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD"
        }}]}),
    );
    assert_eq!(
        body["CancellationReasons"],
        json!([{"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}])
    );
}

#[test]
fn two_actions_on_one_item_are_refused() {
    let d = setup();
    let (status, body) = call(
        &d,
        "TransactWriteItems",
        json!({"TransactItems": [
            {"Put": {"TableName": "events", "Item": {"PK": {"S": "EVENT#1"}, "SK": {"S": "EVENT"}}}},
            {"Delete": {"TableName": "events", "Key": {"PK": {"S": "EVENT#1"}, "SK": {"S": "EVENT"}}}}
        ]}),
    );
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({
            "__type": "com.amazon.coral.validate#ValidationException",
            "message": "Transaction request cannot include multiple operations on one item"
        })
    );
    assert_eq!(get(&d, "EVENT#1", "EVENT")["Registered"], json!({"N": "1"}));
}

#[test]
fn transact_get_items() {
    let d = setup();
    let reply = ok(
        &d,
        "TransactGetItems",
        json!({"TransactItems": [
            {"Get": {"TableName": "events",
                     "Key": {"PK": {"S": "EVENT#1"}, "SK": {"S": "EVENT"}},
                     "ProjectionExpression": "#r, #c",
                     "ExpressionAttributeNames": {"#r": "Registered", "#c": "Capacity"}}},
            {"Get": {"TableName": "events",
                     "Key": {"PK": {"S": "EVENT#1"}, "SK": {"S": "missing"}}}},
            {"Get": {"TableName": "events",
                     "Key": {"PK": {"S": "EVENT#1"}, "SK": {"S": "ATTENDEE#old"}}}}
        ]}),
    );
    assert_eq!(
        reply,
        json!({"Responses": [
            {"Item": {"Registered": {"N": "1"}, "Capacity": {"N": "2"}}},
            {},
            {"Item": {"PK": {"S": "EVENT#1"}, "SK": {"S": "ATTENDEE#old"}, "Name": {"S": "Old"}}}
        ]})
    );
    let (status, body) = call(
        &d,
        "TransactGetItems",
        json!({"TransactItems": [
            {"Get": {"TableName": "events", "Key": {"PK": {"S": "EVENT#1"}, "SK": {"S": "EVENT"}}}},
            {"Get": {"TableName": "events", "Key": {"PK": {"S": "EVENT#1"}, "SK": {"S": "EVENT"}}}}
        ]}),
    );
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "Transaction request cannot include multiple operations on one item"
    );
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let d = setup();
    let bodies = [
        json!({}),
        json!({"TransactItems": []}),
        json!({"TransactItems": "x"}),
        json!({"TransactItems": [{}]}),
        json!({"TransactItems": [{"Put": {"TableName": "events"}}]}),
        json!({"TransactItems": [{"Put": {"TableName": "nope", "Item": {"PK": {"S": "a"}, "SK": {"S": "b"}}}}]}),
        json!({"TransactItems": [{"Put": {"TableName": "events", "Item": {"PK": {"S": "a"}}}}]}),
        json!({"TransactItems": [{"Delete": {"TableName": "events", "Key": {"PK": {"S": "a"}, "SK": {"S": "b"}}},
                                  "Put": {"TableName": "events", "Item": {"PK": {"S": "a"}, "SK": {"S": "b"}}}}]}),
        json!({"TransactItems": [{"Update": {"TableName": "events", "Key": {"PK": {"S": "a"}, "SK": {"S": "b"}},
                                  "UpdateExpression": "SET"}}]}),
        json!({"TransactItems": [{"Update": {"TableName": "events", "Key": {"PK": {"S": "a"}, "SK": {"S": "b"}},
                                  "UpdateExpression": "SET x = :v"}}]}),
        json!({"TransactItems": [{"ConditionCheck": {"TableName": "events", "Key": {"PK": {"S": "a"}, "SK": {"S": "b"}}}}]}),
        json!({"TransactItems": [{"Put": {"TableName": "events", "Item": {"PK": {"S": "a"}, "SK": {"S": "b"}},
                                  "ReturnValuesOnConditionCheckFailure": "ALL_NEW"}}]}),
        json!({"TransactItems": (0..101).map(|i| json!({"Put": {"TableName": "events",
            "Item": {"PK": {"S": format!("p{i}")}, "SK": {"S": "s"}}}})).collect::<Vec<_>>()}),
    ];
    for b in bodies {
        let (status, body) = call(&d, "TransactWriteItems", b.clone());
        assert_eq!(status, 400, "{b} -> {body}");
        assert!(body["__type"].is_string(), "{b} -> {body}");
    }
    for b in [
        json!({}),
        json!({"TransactItems": [{}]}),
        json!({"TransactItems": [{"Get": {"TableName": "events", "Key": {"PK": {"S": "a"}}}}]}),
        json!({"TransactItems": [{"Get": {"TableName": "nope", "Key": {"PK": {"S": "a"}, "SK": {"S": "b"}}}}]}),
    ] {
        let (status, body) = call(&d, "TransactGetItems", b.clone());
        assert_eq!(status, 400, "{b} -> {body}");
        assert!(body["__type"].is_string(), "{b} -> {body}");
    }
    // A failed validation in a later action leaves earlier actions unapplied.
    let (status, _) = call(
        &d,
        "TransactWriteItems",
        json!({"TransactItems": [
            {"Put": {"TableName": "events", "Item": {"PK": {"S": "EVENT#1"}, "SK": {"S": "x"}}}},
            {"Update": {"TableName": "events", "Key": {"PK": {"S": "a"}, "SK": {"S": "b"}},
                        "UpdateExpression": "SET x = :v"}}
        ]}),
    );
    assert_eq!(status, 400);
    assert_eq!(get(&d, "EVENT#1", "x"), Value::Null);
    // Malformed JSON.
    let r = d.handle("TransactWriteItems", b"{");
    assert_eq!(r.status, 400);
}

#[test]
fn an_update_that_fails_on_the_item_is_a_validation_error_reason() {
    let d = setup();
    let (status, body) = call(
        &d,
        "TransactWriteItems",
        json!({"TransactItems": [
            {"Put": {"TableName": "events", "Item": {"PK": {"S": "EVENT#1"}, "SK": {"S": "y"}}}},
            {"Update": {"TableName": "events",
                        "Key": {"PK": {"S": "EVENT#1"}, "SK": {"S": "EVENT"}},
                        "UpdateExpression": "SET Registered = Nope + :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}}}}
        ]}),
    );
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "CancellationReasons": [
                {"Code": "None"},
                {"Code": "ValidationError",
                 "Message": "The provided expression refers to an attribute that does not exist in the item"}
            ],
            "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ValidationError]"
        })
    );
    assert_eq!(get(&d, "EVENT#1", "y"), Value::Null);
}

#[test]
fn key_faults_inside_a_transaction() {
    let d = setup();
    // An empty key value is a top-level ValidationException.
    let (status, body) = call(
        &d,
        "TransactWriteItems",
        json!({"TransactItems": [
            {"Delete": {"TableName": "events", "Key": {"PK": {"S": ""}, "SK": {"S": "b"}}}}
        ]}),
    );
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"__type": "com.amazon.coral.validate#ValidationException",
               "message": "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: PK"})
    );
    // A wrong-typed key cancels with a ValidationError reason for its action.
    let (status, body) = call(
        &d,
        "TransactWriteItems",
        json!({"TransactItems": [
            {"Put": {"TableName": "events", "Item": {"PK": {"N": "5"}, "SK": {"S": "b"}}}},
            {"ConditionCheck": {"TableName": "events", "Key": {"PK": {"N": "5"}, "SK": {"S": "b"}},
                                "ConditionExpression": "attribute_not_exists(PK)"}},
            {"Put": {"TableName": "events", "Item": {"PK": {"S": "ok"}, "SK": {"S": "b"}}}}
        ]}),
    );
    assert_eq!(status, 400);
    assert_eq!(
        body["CancellationReasons"],
        json!([
            {"Code": "ValidationError",
             "Message": "One or more parameter values were invalid: Type mismatch for key PK expected: S actual: N"},
            {"Code": "ValidationError", "Message": "The provided key element does not match the schema"},
            {"Code": "None"}
        ])
    );
    assert_eq!(get(&d, "ok", "b"), Value::Null);
    // A missing table is ResourceNotFoundException.
    let (status, body) = call(
        &d,
        "TransactWriteItems",
        json!({"TransactItems": [
            {"Put": {"TableName": "nope", "Item": {"PK": {"S": "a"}, "SK": {"S": "b"}}}}
        ]}),
    );
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"__type": "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",
               "message": "Requested resource not found"})
    );
}

#[test]
fn transact_get_key_fault_is_a_cancellation() {
    let d = setup();
    let (status, body) = call(
        &d,
        "TransactGetItems",
        json!({"TransactItems": [
            {"Get": {"TableName": "events", "Key": {"PK": {"S": "EVENT#1"}, "SK": {"S": "EVENT"}}}},
            {"Get": {"TableName": "events", "Key": {}}}
        ]}),
    );
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "CancellationReasons": [
                {"Code": "None"},
                {"Code": "ValidationError", "Message": "The provided key element does not match the schema"}
            ],
            "Message": "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ValidationError]"
        })
    );
}

#[test]
fn client_request_token_makes_a_write_idempotent() {
    let clock = dynamo::ManualClock::at(1_800_000_000.0);
    let d = Embedded::with_clock(clock.clock());
    ok(
        &d,
        "CreateTable",
        json!({"TableName": "counters",
               "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
               "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
               "BillingMode": "PAY_PER_REQUEST"}),
    );
    let add = |token: &str, by: &str| {
        json!({"ClientRequestToken": token, "TransactItems": [{"Update": {
            "TableName": "counters", "Key": {"id": {"S": "c"}},
            "UpdateExpression": "ADD n :by",
            "ExpressionAttributeValues": {":by": {"N": by}}}}]})
    };
    let n = |d: &Embedded| {
        ok(
            d,
            "GetItem",
            json!({"TableName": "counters", "Key": {"id": {"S": "c"}}}),
        )["Item"]["n"]
            .clone()
    };
    assert_eq!(ok(&d, "TransactWriteItems", add("t-1", "1")), json!({}));
    // A repeat within 10 minutes succeeds without applying again (API reference).
    let mut again = add("t-1", "1");
    again["ReturnConsumedCapacity"] = json!("TOTAL");
    assert_eq!(ok(&d, "TransactWriteItems", again), json!({}));
    assert_eq!(n(&d), json!({"N": "1"}));
    // The same token with another request is refused, and changes nothing.
    let (status, body) = call(&d, "TransactWriteItems", add("t-1", "5"));
    assert_eq!(status, 400);
    assert_eq!(
        body["__type"],
        "com.amazonaws.dynamodb.v20120810#IdempotentParameterMismatchException"
    );
    assert_eq!(n(&d), json!({"N": "1"}));
    // Another token applies; after 10 minutes the first token is new again.
    ok(&d, "TransactWriteItems", add("t-2", "1"));
    assert_eq!(n(&d), json!({"N": "2"}));
    clock.advance(601.0);
    ok(&d, "TransactWriteItems", add("t-1", "1"));
    assert_eq!(n(&d), json!({"N": "3"}));
    // A cancelled transaction does not use up its token.
    let failing = json!({"ClientRequestToken": "t-3", "TransactItems": [{"ConditionCheck": {
        "TableName": "counters", "Key": {"id": {"S": "c"}},
        "ConditionExpression": "attribute_not_exists(id)"}}]});
    assert_eq!(call(&d, "TransactWriteItems", failing.clone()).0, 400);
    assert_eq!(call(&d, "TransactWriteItems", failing).0, 400);
}
