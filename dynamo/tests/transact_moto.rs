//! Differential for TransactWriteItems / TransactGetItems against moto (`moto_server`, started by
//! scripts/test-all as MOTO_ENDPOINT): dynalite 4 has no transactions, moto has. Each case runs
//! its setup, the transaction and a read-back of the table on the embedded store and on moto;
//! status, error `__type` (its name after `#`), message, `CancellationReasons` and the table's
//! items afterwards must be equal, except for the cases in [`MOTO_DIFFERS`]: there moto and
//! DynamoDB's documentation disagree, the embedded store follows the documentation (asserted
//! here against the documented answer) and the test checks that moto still differs, so the list
//! stays true. The README's "Where moto differs from DynamoDB" lists the same cases.

mod common;

use std::sync::Arc;
use std::time::Duration;

use dynamo::{Dynamo, Remote, RemoteConfig};
use serde_json::{Map, Value, json};

/// How a case moto gets wrong is compared.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Accepted {
    /// The embedded answer is checked against the documented one ([`documented`]); moto's
    /// must differ from it.
    Documented,
    /// Everything is compared but the error message, which must differ.
    Message,
}

/// Where moto 5.2.5 and DynamoDB's documentation disagree: (case, how it is compared, what moto
/// does, what the documentation says, with its source). The embedded store follows the
/// documentation.
const MOTO_DIFFERS: &[(&str, Accepted, &str, &str)] = &[
    (
        "idempotent repeat",
        Accepted::Documented,
        "applies a repeated TransactWriteItems with the same ClientRequestToken again (the counter is incremented twice)",
        "API reference, TransactWriteItems, ClientRequestToken: a repeat within 10 minutes of a successful call \"returns successfully without making any changes\"",
    ),
    (
        "token reused with another request",
        Accepted::Documented,
        "accepts it and applies it",
        "API reference, TransactWriteItems, Errors: IdempotentParameterMismatchException when a token is retried \"with a different payload\"",
    ),
    (
        "get with a projection",
        Accepted::Documented,
        "adds the table's key attributes to the projected item",
        "API reference, Get, ProjectionExpression: \"one or more attributes of the specified item to retrieve\" (Developer Guide, \"Projection expressions\": only those are returned)",
    ),
    (
        "get 26 items",
        Accepted::Documented,
        "refuses more than 25 actions ('Member must have length less than or equal to 25')",
        "API reference, TransactGetItems, TransactItems: \"Maximum number of 100 items\"",
    ),
    (
        "more than 100 actions",
        Accepted::Message,
        "words the constraint '1 validation error detected at 'transactItems' failed to satisfy constraint: ... 100.' (no Value part, a final period)",
        "DynamoDB's member-constraint messages read \"Value '<value>' at '<member>' failed to satisfy constraint: <constraint>\" (the form the embedded store writes for every action)",
    ),
    (
        "get more than 100 items",
        Accepted::Message,
        "refuses it too, but names the limit as 25 ('Member must have length less than or equal to 25')",
        "API reference, TransactGetItems, TransactItems: \"Maximum number of 100 items\"",
    ),
    (
        "every successful TransactWriteItems",
        Accepted::Message,
        "adds \"ConsumedCapacity\": [] and \"ItemCollectionMetrics\": {} to the reply when neither was asked for (removed before comparing)",
        "API reference, TransactWriteItems, Response Elements: ConsumedCapacity and ItemCollectionMetrics are returned for ReturnConsumedCapacity / ReturnItemCollectionMetrics; a plain success replies {}",
    ),
];

fn moto_endpoint() -> String {
    match std::env::var("MOTO_ENDPOINT") {
        Ok(e) if !e.is_empty() => e,
        _ => panic!(
            "MOTO_ENDPOINT is not set: start moto_server (run scripts/test-all, which exports it) to run this test"
        ),
    }
}

fn moto() -> Arc<dyn Dynamo> {
    let mut cfg = RemoteConfig::from_env(Some(moto_endpoint()));
    // moto checks nothing of the signature but needs one in a region; any fake credentials do.
    cfg.region = "us-east-1".to_string();
    cfg.access_key_id = "testing".to_string();
    cfg.secret_access_key = "testing".to_string();
    cfg.session_token = None;
    cfg.timeout = Duration::from_secs(20);
    cfg.retry = dynamo::RetryPolicy::NONE;
    Arc::new(Remote::new(cfg))
}

struct Case {
    name: &'static str,
    /// Items put into `$T` (hash `pk`, range `sk`, strings) before the transaction.
    items: Vec<Value>,
    /// (action, request) run in order; the last one's answer is compared.
    calls: Vec<(&'static str, Value)>,
}

fn key(pk: &str, sk: &str) -> Value {
    json!({"pk": {"S": pk}, "sk": {"S": sk}})
}

fn cases() -> Vec<Case> {
    let base = vec![
        json!({"pk": {"S": "event"}, "sk": {"S": "meta"}, "seats": {"N": "2"}, "taken": {"N": "1"}}),
        json!({"pk": {"S": "event"}, "sk": {"S": "a#1"}, "name": {"S": "Ann"}}),
        json!({"pk": {"S": "user"}, "sk": {"S": "u1"}, "count": {"N": "0"}}),
    ];
    let put = |sk: &str| json!({"Put": {"TableName": "$T", "Item": {"pk": {"S": "event"}, "sk": {"S": sk}}}});
    let take_seat = json!({"Update": {"TableName": "$T", "Key": key("event", "meta"),
        "UpdateExpression": "SET taken = taken + :one",
        "ConditionExpression": "taken < seats",
        "ExpressionAttributeValues": {":one": {"N": "1"}}}});
    let count = |token: &str, by: &str| {
        json!({"ClientRequestToken": token, "TransactItems": [{"Update": {
            "TableName": "$T", "Key": key("user", "u1"),
            "UpdateExpression": "ADD #c :by", "ExpressionAttributeNames": {"#c": "count"},
            "ExpressionAttributeValues": {":by": {"N": by}}}}]})
    };
    let many: Vec<Value> = (0..101).map(|i| put(&format!("s{i:03}"))).collect();
    let gets_many: Vec<Value> = (0..101)
        .map(|i| json!({"Get": {"TableName": "$T", "Key": key("event", &format!("s{i:03}"))}}))
        .collect();
    vec![
        Case {
            name: "every kind succeeds",
            items: base.clone(),
            calls: vec![(
                "TransactWriteItems",
                json!({"TransactItems": [
                    take_seat.clone(),
                    put("a#2"),
                    {"Delete": {"TableName": "$T", "Key": key("event", "a#1"),
                                "ConditionExpression": "attribute_exists(pk)"}},
                    {"ConditionCheck": {"TableName": "$T", "Key": key("user", "u1"),
                                        "ConditionExpression": "#c = :z",
                                        "ExpressionAttributeNames": {"#c": "count"},
                                        "ExpressionAttributeValues": {":z": {"N": "0"}}}}
                ]}),
            )],
        },
        Case {
            name: "a failed condition check cancels every action",
            items: base.clone(),
            calls: vec![(
                "TransactWriteItems",
                json!({"TransactItems": [
                    put("a#2"),
                    {"ConditionCheck": {"TableName": "$T", "Key": key("user", "u1"),
                                        "ConditionExpression": "attribute_not_exists(pk)"}}
                ]}),
            )],
        },
        Case {
            name: "ReturnValuesOnConditionCheckFailure ALL_OLD",
            items: base.clone(),
            calls: vec![(
                "TransactWriteItems",
                json!({"TransactItems": [
                    {"ConditionCheck": {"TableName": "$T", "Key": key("event", "meta"),
                                        "ConditionExpression": "taken > seats",
                                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
                    put("a#3")
                ]}),
            )],
        },
        Case {
            name: "the second of two conditions fails (update then put)",
            items: base.clone(),
            calls: vec![
                (
                    "TransactWriteItems",
                    json!({"TransactItems": [take_seat.clone()]}),
                ),
                (
                    "TransactWriteItems",
                    json!({"TransactItems": [
                        put("a#4"),
                        take_seat.clone()
                    ]}),
                ),
            ],
        },
        Case {
            name: "put and delete conditions fail together",
            items: base.clone(),
            calls: vec![(
                "TransactWriteItems",
                json!({"TransactItems": [
                    {"Put": {"TableName": "$T", "Item": key("event", "a#1"),
                             "ConditionExpression": "attribute_not_exists(pk)"}},
                    {"Delete": {"TableName": "$T", "Key": key("event", "zz"),
                                "ConditionExpression": "attribute_exists(pk)",
                                "ReturnValuesOnConditionCheckFailure": "ALL_OLD"}}
                ]}),
            )],
        },
        Case {
            name: "two operations on one item",
            items: base.clone(),
            calls: vec![(
                "TransactWriteItems",
                json!({"TransactItems": [
                    put("a#1"),
                    {"Delete": {"TableName": "$T", "Key": key("event", "a#1")}}
                ]}),
            )],
        },
        Case {
            name: "more than 100 actions",
            items: vec![],
            calls: vec![("TransactWriteItems", json!({"TransactItems": many}))],
        },
        Case {
            name: "missing table",
            items: base.clone(),
            calls: vec![(
                "TransactWriteItems",
                json!({"TransactItems": [
                    {"Put": {"TableName": "$T-none", "Item": key("x", "y")}}
                ]}),
            )],
        },
        Case {
            name: "idempotent repeat",
            items: base.clone(),
            calls: vec![
                ("TransactWriteItems", count("token-1", "1")),
                ("TransactWriteItems", count("token-1", "1")),
            ],
        },
        Case {
            name: "token reused with another request",
            items: base.clone(),
            calls: vec![
                ("TransactWriteItems", count("token-2", "1")),
                ("TransactWriteItems", count("token-2", "7")),
            ],
        },
        Case {
            name: "get existing and missing items",
            items: base.clone(),
            calls: vec![(
                "TransactGetItems",
                json!({"TransactItems": [
                    {"Get": {"TableName": "$T", "Key": key("event", "meta")}},
                    {"Get": {"TableName": "$T", "Key": key("event", "none")}},
                    {"Get": {"TableName": "$T", "Key": key("user", "u1")}}
                ]}),
            )],
        },
        Case {
            name: "get with a projection",
            items: base.clone(),
            calls: vec![(
                "TransactGetItems",
                json!({"TransactItems": [
                    {"Get": {"TableName": "$T", "Key": key("user", "u1"),
                             "ProjectionExpression": "#c", "ExpressionAttributeNames": {"#c": "count"}}}
                ]}),
            )],
        },
        Case {
            name: "get 26 items",
            items: vec![],
            calls: vec![(
                "TransactGetItems",
                json!({"TransactItems": gets_many[..26].to_vec()}),
            )],
        },
        Case {
            name: "get from a missing table",
            items: base.clone(),
            calls: vec![(
                "TransactGetItems",
                json!({"TransactItems": [
                    {"Get": {"TableName": "$T-none", "Key": key("event", "meta")}}
                ]}),
            )],
        },
        Case {
            name: "get more than 100 items",
            items: vec![],
            calls: vec![("TransactGetItems", json!({"TransactItems": gets_many}))],
        },
    ]
}

/// The comparable part of an answer: status, error name and message, cancellation reasons; or
/// the success body.
fn comparable(status: u16, body: &Value) -> Value {
    if status == 200 {
        return json!({"status": 200, "body": body});
    }
    let ty = body["__type"]
        .as_str()
        .and_then(|t| t.rsplit('#').next())
        .unwrap_or_default();
    let message = body
        .get("message")
        .or_else(|| body.get("Message"))
        .cloned()
        .unwrap_or(Value::Null);
    let mut out = Map::new();
    out.insert("status".to_string(), json!(status));
    out.insert("__type".to_string(), json!(ty));
    out.insert("message".to_string(), message);
    if let Some(r) = body.get("CancellationReasons") {
        out.insert("CancellationReasons".to_string(), r.clone());
    }
    Value::Object(out)
}

/// Run one case on one backend: the comparable answer of the last call, then the table's
/// items sorted.
async fn run(d: &dyn Dynamo, case: &Case, tag: &str) -> (Value, Value) {
    let table = common::unique(&format!("transact-{tag}"));
    let names = [("$T".to_string(), table.clone())];
    let (s, b) = common::call(
        d,
        "CreateTable",
        &json!({"TableName": table,
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                         {"AttributeName": "sk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                              {"AttributeName": "sk", "KeyType": "RANGE"}],
                "BillingMode": "PAY_PER_REQUEST"}),
    )
    .await;
    assert_eq!(s, 200, "{b}");
    common::wait_active(d, &table).await;
    for item in &case.items {
        let (s, b) = common::call(d, "PutItem", &json!({"TableName": table, "Item": item})).await;
        assert_eq!(s, 200, "{b}");
    }
    let mut answer = Value::Null;
    for (action, req) in &case.calls {
        let (s, b) = common::call(d, action, &common::substitute(req, &names)).await;
        answer = common::unsubstitute(&comparable(s, &b), &names);
    }
    let (_, scan) = common::call(d, "Scan", &json!({"TableName": table})).await;
    let mut items = scan["Items"].as_array().cloned().unwrap_or_default();
    items.sort_by_key(|i| i.to_string());
    let _ = common::call(d, "DeleteTable", &json!({"TableName": table})).await;
    (answer, Value::Array(items))
}

/// What DynamoDB's documentation says for the cases moto gets wrong: (answer, the `user`
/// item's counter afterwards).
fn documented(case: &str) -> (Value, Value) {
    let one = json!({"N": "1"});
    match case {
        "idempotent repeat" => (json!({"status": 200, "body": {}}), one),
        "token reused with another request" => (
            json!({"status": 400, "__type": "IdempotentParameterMismatchException",
                   "message": "DynamoDB rejected the request because you retried a request with a different payload but with an idempotent token that was already used."}),
            one,
        ),
        "get with a projection" => (
            json!({"status": 200, "body": {"Responses": [{"Item": {"count": {"N": "0"}}}]}}),
            json!({"N": "0"}),
        ),
        "get 26 items" => (
            json!({"status": 200, "body": {"Responses": vec![json!({}); 26]}}),
            Value::Null,
        ),
        _ => panic!("no documented answer for {case}"),
    }
}

/// moto's success replies carry empty `ConsumedCapacity` / `ItemCollectionMetrics` no request
/// here asks for (listed in [`MOTO_DIFFERS`]); returns whether it removed any.
fn drop_unasked_members(answer: &mut Value) -> bool {
    let Some(body) = answer.get_mut("body").and_then(Value::as_object_mut) else {
        return false;
    };
    let mut dropped = false;
    if body.get("ConsumedCapacity") == Some(&json!([])) {
        body.remove("ConsumedCapacity");
        dropped = true;
    }
    if body.get("ItemCollectionMetrics") == Some(&json!({})) {
        body.remove("ItemCollectionMetrics");
        dropped = true;
    }
    dropped
}

fn without_message(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("message");
    }
    v
}

fn counter(items: &Value) -> Value {
    items
        .as_array()
        .into_iter()
        .flatten()
        .find(|i| i["pk"]["S"] == "user")
        .map(|i| i["count"].clone())
        .unwrap_or(Value::Null)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs moto: run scripts/test-all"]
async fn transactions_match_moto() {
    let local = common::embedded();
    let remote = moto();
    let mut diffs = Vec::new();
    let mut moto_added_members = false;
    let all = cases();
    for case in &all {
        let (la, li) = run(local.as_ref(), case, "local").await;
        let (mut ra, ri) = run(remote.as_ref(), case, "moto").await;
        moto_added_members |= drop_unasked_members(&mut ra);
        let accepted = MOTO_DIFFERS.iter().find(|c| c.0 == case.name);
        if let Some((_, Accepted::Message, moto_does, doc)) = accepted {
            assert_ne!(
                la["message"], ra["message"],
                "{}: moto now words it as the embedded store does; remove it from MOTO_DIFFERS ({moto_does}; {doc})",
                case.name
            );
            if without_message(&la) != without_message(&ra) || li != ri {
                diffs.push(format!(
                    "{} (message aside)\n  embedded {la}\n  moto     {ra}",
                    case.name
                ));
            }
            continue;
        }
        if let Some((_, _, moto_does, doc)) = accepted {
            let (answer, count) = documented(case.name);
            assert_eq!(
                (&la, counter(&li)),
                (&answer, count.clone()),
                "{}: the embedded store must follow the documentation ({doc})",
                case.name
            );
            assert!(
                ra != la || ri != li,
                "{}: moto now agrees with the documentation; remove it from MOTO_DIFFERS ({moto_does})",
                case.name
            );
            continue;
        }
        if la != ra || li != ri {
            diffs.push(format!(
                "{}\n  embedded {la}\n           {li}\n  moto     {ra}\n           {ri}",
                case.name
            ));
        }
    }
    assert!(
        moto_added_members,
        "moto no longer adds empty ConsumedCapacity / ItemCollectionMetrics: remove that entry from MOTO_DIFFERS"
    );
    assert!(
        diffs.is_empty(),
        "{} of {} transaction cases differ from moto:\n{}",
        diffs.len(),
        all.len(),
        diffs.join("\n")
    );
}
