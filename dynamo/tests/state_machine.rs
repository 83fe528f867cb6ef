//! Random sequences of PutItem/UpdateItem/DeleteItem/GetItem/Query/Scan: the embedded store must
//! answer exactly as a simple reference model (a sorted map), and, in CI, exactly as dynalite.

mod common;

use std::collections::BTreeMap;

use dynamo::{Dynamo, Embedded};
use proptest::prelude::*;
use proptest_state_machine::{ReferenceStateMachine, StateMachineTest, prop_state_machine};
use serde_json::{Value, json};

/// Items keyed by (partition key, sort key), holding attribute `a`.
type Model = BTreeMap<(String, i64), i64>;

#[derive(Debug, Clone)]
enum Step {
    Put(String, i64, i64),
    Update(String, i64, i64),
    Delete(String, i64),
    Get(String, i64),
    Query(String, bool),
    Scan,
    /// PutItem with `attribute_not_exists(pk)`: fails when the item exists.
    PutIfAbsent(String, i64, i64),
    /// A whole Scan read page by page with this `Limit`.
    ScanPaged(i64),
}

struct Reference;

fn pk() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("a".to_string()),
        Just("b".to_string()),
        Just("ключ".to_string())
    ]
}

impl ReferenceStateMachine for Reference {
    type State = Model;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<Model> {
        Just(Model::new()).boxed()
    }

    fn transitions(_: &Model) -> BoxedStrategy<Step> {
        prop_oneof![
            3 => (pk(), -3i64..4, -1000i64..1000).prop_map(|(p, s, a)| Step::Put(p, s, a)),
            2 => (pk(), -3i64..4, -50i64..50).prop_map(|(p, s, d)| Step::Update(p, s, d)),
            1 => (pk(), -3i64..4).prop_map(|(p, s)| Step::Delete(p, s)),
            2 => (pk(), -3i64..4).prop_map(|(p, s)| Step::Get(p, s)),
            1 => (pk(), any::<bool>()).prop_map(|(p, f)| Step::Query(p, f)),
            1 => Just(Step::Scan),
            1 => (pk(), -3i64..4, -1000i64..1000).prop_map(|(p, s, a)| Step::PutIfAbsent(p, s, a)),
            1 => (1i64..5).prop_map(Step::ScanPaged),
        ]
        .boxed()
    }

    fn apply(mut state: Model, t: &Step) -> Model {
        match t {
            Step::Put(p, s, a) => {
                state.insert((p.clone(), *s), *a);
            }
            Step::Update(p, s, d) => {
                *state.entry((p.clone(), *s)).or_insert(0) += d;
            }
            Step::Delete(p, s) => {
                state.remove(&(p.clone(), *s));
            }
            Step::PutIfAbsent(p, s, a) => {
                state.entry((p.clone(), *s)).or_insert(*a);
            }
            _ => {}
        }
        state
    }
}

const TABLE_DEF: &str = r#"{"TableName":"$T","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],"BillingMode":"PAY_PER_REQUEST"}"#;

fn item(p: &str, s: i64, a: i64) -> Value {
    json!({"pk": {"S": p}, "sk": {"N": s.to_string()}, "a": {"N": a.to_string()}})
}

/// The request for a step.
fn request(table: &str, t: &Step) -> (&'static str, Value) {
    let key = |p: &str, s: i64| json!({"pk": {"S": p}, "sk": {"N": s.to_string()}});
    match t {
        Step::Put(p, s, a) => (
            "PutItem",
            json!({"TableName": table, "Item": item(p, *s, *a), "ReturnValues": "ALL_OLD"}),
        ),
        Step::Update(p, s, d) => (
            "UpdateItem",
            json!({"TableName": table, "Key": key(p, *s),
                   "UpdateExpression": "SET a = if_not_exists(a, :z) + :d",
                   "ExpressionAttributeValues": {":z": {"N": "0"}, ":d": {"N": d.to_string()}},
                   "ReturnValues": "UPDATED_NEW"}),
        ),
        Step::Delete(p, s) => (
            "DeleteItem",
            json!({"TableName": table, "Key": key(p, *s), "ReturnValues": "ALL_OLD"}),
        ),
        Step::Get(p, s) => ("GetItem", json!({"TableName": table, "Key": key(p, *s)})),
        Step::Query(p, forward) => (
            "Query",
            json!({"TableName": table, "KeyConditionExpression": "pk = :p",
                   "ExpressionAttributeValues": {":p": {"S": p}}, "ScanIndexForward": forward}),
        ),
        Step::Scan => ("Scan", json!({"TableName": table})),
        Step::PutIfAbsent(p, s, a) => (
            "PutItem",
            json!({"TableName": table, "Item": item(p, *s, *a), "ConditionExpression": "attribute_not_exists(pk)"}),
        ),
        Step::ScanPaged(limit) => ("Scan", json!({"TableName": table, "Limit": limit})),
    }
}

/// Run a step; a paged Scan follows `LastEvaluatedKey` and answers with all items and the page
/// count, so it can be compared as one answer.
fn run(call: &mut dyn FnMut(&str, &Value) -> (u16, Value), table: &str, t: &Step) -> (u16, Value) {
    let (action, mut req) = request(table, t);
    if !matches!(t, Step::ScanPaged(_)) {
        return call(action, &req);
    }
    let mut items = Vec::new();
    let mut pages = 0;
    loop {
        let (status, body) = call(action, &req);
        if status != 200 {
            return (status, body);
        }
        pages += 1;
        items.extend(body["Items"].as_array().cloned().unwrap_or_default());
        match body.get("LastEvaluatedKey") {
            Some(k) => req["ExclusiveStartKey"] = k.clone(),
            None => break,
        }
        assert!(pages < 1000, "paged Scan does not end");
    }
    (200, json!({"Items": items, "Pages": pages}))
}

/// What DynamoDB answers for a step, given the items before it.
fn expected(before: &Model, t: &Step) -> (u16, Value) {
    match t {
        Step::PutIfAbsent(p, s, _) => {
            if before.contains_key(&(p.clone(), *s)) {
                (
                    400,
                    json!({"__type": "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
                           "message": "The conditional request failed"}),
                )
            } else {
                (200, json!({}))
            }
        }
        Step::ScanPaged(limit) => {
            let items: Vec<Value> = before.iter().map(|((q, s), a)| item(q, *s, *a)).collect();
            // A page is full at `Limit` items, and a full last page still carries a
            // LastEvaluatedKey, so one more (possibly empty) page follows it.
            let limit = (*limit).max(1) as usize;
            let pages = items.len() / limit + 1;
            (200, json!({"Items": items, "Pages": pages}))
        }
        _ => (200, expected_ok(before, t)),
    }
}

fn expected_ok(before: &Model, t: &Step) -> Value {
    match t {
        Step::Put(p, s, _) | Step::Delete(p, s) => match before.get(&(p.clone(), *s)) {
            Some(old) => json!({"Attributes": item(p, *s, *old)}),
            None => json!({}),
        },
        Step::Update(p, s, d) => {
            let new = before.get(&(p.clone(), *s)).copied().unwrap_or(0) + d;
            json!({"Attributes": {"a": {"N": new.to_string()}}})
        }
        Step::Get(p, s) => match before.get(&(p.clone(), *s)) {
            Some(a) => json!({"Item": item(p, *s, *a)}),
            None => json!({}),
        },
        Step::Query(p, forward) => {
            let mut items: Vec<Value> = before
                .iter()
                .filter(|((q, _), _)| q == p)
                .map(|((q, s), a)| item(q, *s, *a))
                .collect();
            if !forward {
                items.reverse();
            }
            json!({"Count": items.len(), "ScannedCount": items.len(), "Items": items})
        }
        Step::Scan => {
            let items: Vec<Value> = before.iter().map(|((q, s), a)| item(q, *s, *a)).collect();
            json!({"Count": items.len(), "ScannedCount": items.len(), "Items": items})
        }
        Step::PutIfAbsent(..) | Step::ScanPaged(_) => json!({}),
    }
}

/// Scan order is the hash order of the partition key, which the model does not know: compare
/// Scan items as a sorted list.
fn canonical(t: &Step, mut v: Value) -> Value {
    if matches!(t, Step::Scan | Step::ScanPaged(_))
        && let Some(Value::Array(items)) = v.get_mut("Items")
    {
        items.sort_by_key(|i| i.to_string());
    }
    v
}

struct EmbeddedVsModel {
    store: Embedded,
    before: Model,
}

impl StateMachineTest for EmbeddedVsModel {
    type SystemUnderTest = EmbeddedVsModel;
    type Reference = Reference;

    fn init_test(_: &Model) -> EmbeddedVsModel {
        let store = Embedded::new();
        let r = store.handle(
            "CreateTable",
            TABLE_DEF.replace("$T", "sm-table").as_bytes(),
        );
        assert_eq!(r.status, 200);
        EmbeddedVsModel {
            store,
            before: Model::new(),
        }
    }

    fn apply(mut sut: EmbeddedVsModel, after: &Model, t: Step) -> EmbeddedVsModel {
        let store = sut.store.clone();
        let mut call = |action: &str, req: &Value| {
            let r = store.handle(action, req.to_string().as_bytes());
            (r.status, r.json_body())
        };
        let (status, body) = run(&mut call, "sm-table", &t);
        let (want_status, want) = expected(&sut.before, &t);
        assert_eq!(status, want_status, "step {t:?}: {body}");
        assert_eq!(canonical(&t, body), canonical(&t, want), "step {t:?}");
        sut.before = after.clone();
        sut
    }
}

prop_state_machine! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]
    #[test]
    fn embedded_equals_reference_model(sequential 1..40 => EmbeddedVsModel);
}

/// The same random sequences on the embedded store and on dynalite, answer by answer.
struct EmbeddedVsDynalite {
    rt: tokio::runtime::Runtime,
    local: Embedded,
    remote: std::sync::Arc<dyn Dynamo>,
    local_table: String,
    remote_table: String,
}

impl StateMachineTest for EmbeddedVsDynalite {
    type SystemUnderTest = EmbeddedVsDynalite;
    type Reference = Reference;

    fn init_test(_: &Model) -> EmbeddedVsDynalite {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let remote = common::dynalite();
        let local = Embedded::new();
        let local_table = "sm-table".to_string();
        let remote_table = common::unique("sm-dynalite");
        let r = local.handle(
            "CreateTable",
            TABLE_DEF.replace("$T", &local_table).as_bytes(),
        );
        assert_eq!(r.status, 200);
        rt.block_on(async {
            let r = remote
                .call(
                    "CreateTable",
                    TABLE_DEF.replace("$T", &remote_table).as_bytes(),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.json_body());
            common::wait_active(remote.as_ref(), &remote_table).await;
        });
        EmbeddedVsDynalite {
            rt,
            local,
            remote,
            local_table,
            remote_table,
        }
    }

    fn apply(sut: EmbeddedVsDynalite, _: &Model, t: Step) -> EmbeddedVsDynalite {
        let local_store = sut.local.clone();
        let mut local_call = |action: &str, req: &Value| {
            let r = local_store.handle(action, req.to_string().as_bytes());
            (r.status, r.json_body())
        };
        let local = run(&mut local_call, &sut.local_table, &t);
        let remote_store = sut.remote.clone();
        let rt = &sut.rt;
        let mut remote_call = |action: &str, req: &Value| {
            let r = rt.block_on(remote_store.call(action, req.to_string().as_bytes()));
            (r.status, r.json_body())
        };
        let remote = run(&mut remote_call, &sut.remote_table, &t);
        assert_eq!(local, remote, "step {t:?}");
        sut
    }

    fn teardown(sut: EmbeddedVsDynalite, _: Model) {
        let body = json!({"TableName": sut.remote_table}).to_string();
        let _ = sut
            .rt
            .block_on(sut.remote.call("DeleteTable", body.as_bytes()));
    }
}

prop_state_machine! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 200, .. ProptestConfig::default() })]
    #[test]
    #[ignore = "needs dynalite: run scripts/test-all"]
    fn embedded_equals_dynalite_step_by_step(sequential 1..30 => EmbeddedVsDynalite);
}
