//! Differential tests against dynalite: generated expressions (token soup, structured filters,
//! structured updates) run on the embedded store and on dynalite must give the same status and
//! JSON. The generators stay out of the areas listed in `ACCEPTED_DIFFERENCES` (comparisons of two
//! absent attributes, equality of lists and maps, empty strings, ordering of non-scalars).

mod common;

use std::sync::Arc;

use dynamo::Dynamo;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{Map, Value, json};

const LOCAL: &str = "differential";

async fn tables() -> (Arc<dyn Dynamo>, Arc<dyn Dynamo>, String) {
    let local = common::embedded();
    let remote = common::dynalite();
    let remote_table = common::unique("differential");
    for (d, t) in [(&local, LOCAL), (&remote, remote_table.as_str())] {
        let (s, body) = common::call(
            d.as_ref(),
            "CreateTable",
            &json!({"TableName": t, "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}),
        )
        .await;
        assert_eq!(s, 200, "{body}");
        common::wait_active(d.as_ref(), t).await;
    }
    (local, remote, remote_table)
}

/// Only the `:placeholders` an expression uses (unused ones are a ValidationException).
fn used_values(expr: &str, all: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, v) in all.as_object().into_iter().flatten() {
        let used = expr.match_indices(k.as_str()).any(|(i, _)| {
            !expr[i + k.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        if used {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

struct Diffs(Vec<String>);

impl Diffs {
    fn check(&mut self, what: &str, a: (u16, Value), b: (u16, Value), action: &str) {
        let (na, nb) = (
            common::normalize(action, &a.1),
            common::normalize(action, &b.1),
        );
        if a.0 != b.0 || na != nb {
            self.0.push(format!(
                "{what}\n  embedded {} {na}\n  dynalite {} {nb}",
                a.0, b.0
            ));
        }
    }
    fn assert_none(self, total: usize) {
        let shown: Vec<&String> = self.0.iter().take(10).collect();
        assert!(
            self.0.is_empty(),
            "{} of {total} generated requests differ:\n{}",
            self.0.len(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

fn sorted_items(mut v: Value) -> Value {
    if let Some(Value::Array(a)) = v.get_mut("Items") {
        a.sort_by_key(|x| x.to_string());
    }
    v
}

const ITEM: &str = r#"{"pk":{"S":"k"},"a":{"N":"1"},"m":{"M":{"x":{"S":"y"}}},"l":{"L":[{"N":"2"}]},"s":{"SS":["q"]}}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs dynalite: run scripts/test-all"]
async fn token_soup_expressions_match_dynalite() {
    let run = async {
        let (local, remote, rt) = tables().await;
        let toks = vec![
            "a",
            "#n",
            ":v",
            ":l",
            ":s",
            "m.x",
            "l[0]",
            "(",
            ")",
            ",",
            "=",
            "<>",
            "<",
            ">=",
            "+",
            "-",
            "AND",
            "OR",
            "NOT",
            "BETWEEN",
            "IN",
            "SET",
            "REMOVE",
            "ADD",
            "DELETE",
            "size",
            "contains",
            "begins_with",
            "attribute_exists",
            "attribute_type",
            "if_not_exists",
            "list_append",
            "b",
            "pk",
            "size(a)",
            "m.x.y",
            "#n.x",
            "l[1]",
            "IN (:v, :s)",
            "BETWEEN :v AND :v",
        ];
        let strat =
            prop::collection::vec(prop::sample::select(toks), 1..12).prop_map(|v| v.join(" "));
        let values = json!({":v": {"N": "1"}, ":l": {"L": [{"S": "z"}]}, ":s": {"SS": ["q"]}});
        let mut runner = TestRunner::deterministic();
        let mut diffs = Diffs(Vec::new());
        let total = 900;
        let item: Value = serde_json::from_str(ITEM).unwrap_or_default();
        for i in 0..total {
            let Ok(tree) = strat.new_tree(&mut runner) else {
                continue;
            };
            let e = tree.current();
            let req = |t: &str| match i % 3 {
                0 => (
                    "UpdateItem",
                    json!({"TableName": t, "Key": {"pk": {"S": "k"}}, "UpdateExpression": e,
                    "ExpressionAttributeValues": values, "ExpressionAttributeNames": {"#n": "a"}, "ReturnValues": "ALL_NEW"}),
                ),
                1 => (
                    "Scan",
                    json!({"TableName": t, "FilterExpression": e,
                    "ExpressionAttributeValues": values, "ExpressionAttributeNames": {"#n": "a"}}),
                ),
                _ => (
                    "PutItem",
                    json!({"TableName": t, "Item": {"pk": {"S": "k"}}, "ConditionExpression": e,
                    "ExpressionAttributeValues": values, "ExpressionAttributeNames": {"#n": "a"}}),
                ),
            };
            let (action, rl) = req(LOCAL);
            let (_, rr) = req(&rt);
            for (d, t) in [(&local, LOCAL), (&remote, rt.as_str())] {
                common::call(
                    d.as_ref(),
                    "PutItem",
                    &json!({"TableName": t, "Item": item}),
                )
                .await;
            }
            let a = common::call(local.as_ref(), action, &rl).await;
            let b = common::call(remote.as_ref(), action, &rr).await;
            diffs.check(&format!("{action} `{e}`"), a, b, action);
        }
        let _ = common::call(remote.as_ref(), "DeleteTable", &json!({"TableName": rt})).await;
        diffs.assert_none(total);
    };
    tokio::time::timeout(std::time::Duration::from_secs(55), run)
        .await
        .expect("differential test took longer than 55 s");
}

fn filter_strategy() -> impl Strategy<Value = String> {
    let ord_path =
        prop::sample::select(vec!["a", "b", "s", "m.x", "l[0]", "l[3]", "nothere", "bin"]);
    let eq_path = prop::sample::select(vec![
        "a", "b", "s", "m.x", "l[0]", "l[3]", "nothere", "bin", "ss", "ns", "bo", "nu", "l", "m",
    ]);
    let val = prop::sample::select(vec![":n1", ":n2", ":s1", ":s2", ":ss", ":b", ":t"]);
    let leaf = prop_oneof![
        (
            eq_path.clone(),
            prop::sample::select(vec!["=", "<>"]),
            val.clone()
        )
            .prop_map(|(p, o, v)| format!("{p} {o} {v}")),
        (
            ord_path.clone(),
            prop::sample::select(vec!["<", "<=", ">", ">="]),
            val.clone()
        )
            .prop_map(|(p, o, v)| format!("{p} {o} {v}")),
        (
            eq_path.clone(),
            prop::sample::select(vec!["=", "<>", "<", ">="]),
            val.clone()
        )
            .prop_map(|(p, o, v)| format!("size({p}) {o} {v}")),
        (ord_path.clone(), val.clone(), val.clone())
            .prop_map(|(p, a, b)| format!("{p} BETWEEN {a} AND {b}")),
        (eq_path.clone(), val.clone(), val.clone())
            .prop_map(|(p, a, b)| format!("{p} IN ({a}, {b})")),
        eq_path
            .clone()
            .prop_map(|p| format!("attribute_exists({p})")),
        eq_path
            .clone()
            .prop_map(|p| format!("attribute_not_exists({p})")),
        (
            eq_path.clone(),
            prop::sample::select(vec![":t", ":tn", ":tl"])
        )
            .prop_map(|(p, v)| format!("attribute_type({p}, {v})")),
        (eq_path.clone(), val.clone()).prop_map(|(p, v)| format!("begins_with({p}, {v})")),
        (eq_path.clone(), val.clone()).prop_map(|(p, v)| format!("contains({p}, {v})")),
    ];
    leaf.prop_recursive(3, 8, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) AND ({b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} OR {b}")),
            inner.prop_map(|a| format!("NOT ({a})")),
        ]
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs dynalite: run scripts/test-all"]
async fn generated_filters_match_dynalite() {
    let run = async {
        let (local, remote, rt) = tables().await;
        let items = [
            json!({"pk":{"S":"i1"},"a":{"N":"1"},"b":{"N":"2"},"s":{"S":"abc"},"l":{"L":[{"S":"x"},{"N":"1"}]},"m":{"M":{"x":{"N":"5"}}},"ss":{"SS":["x","y"]},"ns":{"NS":["1","2"]},"bin":{"B":"YWJj"},"bo":{"BOOL":true},"nu":{"NULL":true}}),
            json!({"pk":{"S":"i2"},"a":{"N":"-3.5"},"b":{"S":"2"},"s":{"S":"ab"},"l":{"L":[]},"m":{"M":{}},"ss":{"SS":["q"]}}),
            json!({"pk":{"S":"i3"},"a":{"S":"abc"},"b":{"N":"100000000000000000000000000000000000"},"s":{"S":"z"},"l":{"L":[{"M":{"k":{"S":"v"}}},{"S":"a"},{"S":"b"},{"N":"7"}]},"m":{"S":"notamap"}}),
            json!({"pk":{"S":"i4"}}),
        ];
        for it in &items {
            common::call(
                local.as_ref(),
                "PutItem",
                &json!({"TableName": LOCAL, "Item": it}),
            )
            .await;
            common::call(
                remote.as_ref(),
                "PutItem",
                &json!({"TableName": rt, "Item": it}),
            )
            .await;
        }
        let values = json!({":n1":{"N":"1"},":n2":{"N":"2.0"},":s1":{"S":"ab"},":s2":{"S":"x"},":ss":{"SS":["x","y"]},
                            ":b":{"B":"YWI="},":t":{"S":"N"},":tn":{"S":"S"},":tl":{"S":"L"}});
        let strat = filter_strategy();
        let mut runner = TestRunner::deterministic();
        let mut diffs = Diffs(Vec::new());
        let total = 1500;
        for _ in 0..total {
            let Ok(tree) = strat.new_tree(&mut runner) else {
                continue;
            };
            let e = tree.current();
            let vals = used_values(&e, &values);
            let req = |t: &str| {
                let mut r =
                    json!({"TableName": t, "FilterExpression": e, "ProjectionExpression": "pk"});
                if !vals.is_empty() {
                    r["ExpressionAttributeValues"] = Value::Object(vals.clone());
                }
                r
            };
            let (s1, b1) = common::call(local.as_ref(), "Scan", &req(LOCAL)).await;
            let (s2, b2) = common::call(remote.as_ref(), "Scan", &req(&rt)).await;
            diffs.check(
                &format!("Scan `{e}`"),
                (s1, sorted_items(b1)),
                (s2, sorted_items(b2)),
                "Scan",
            );
        }
        let _ = common::call(remote.as_ref(), "DeleteTable", &json!({"TableName": rt})).await;
        diffs.assert_none(total);
    };
    tokio::time::timeout(std::time::Duration::from_secs(55), run)
        .await
        .expect("differential test took longer than 55 s");
}

fn update_strategy() -> impl Strategy<Value = String> {
    let path = prop::sample::select(vec![
        "a", "b", "s", "l", "m", "m.x", "m.y", "l[0]", "l[1]", "l[5]", "ss", "ns", "nothere",
        "m.z.q",
    ]);
    // Value paths never name a whole map or list: `SET m.x = m` makes dynalite build a cycle.
    let vpath = prop::sample::select(vec![
        "a", "b", "s", "m.x", "l[0]", "l[5]", "nothere", "ss", "ns",
    ]);
    let val = prop::sample::select(vec![":n1", ":n2", ":s1", ":ss", ":ns", ":l", ":m"]);
    let setv = prop_oneof![
        val.clone().prop_map(|v| v.to_string()),
        vpath.clone().prop_map(|p| p.to_string()),
        (vpath.clone(), val.clone()).prop_map(|(p, v)| format!("{p} + {v}")),
        (vpath.clone(), val.clone()).prop_map(|(p, v)| format!("{v} - {p}")),
        (vpath.clone(), val.clone()).prop_map(|(p, v)| format!("if_not_exists({p}, {v})")),
        (vpath.clone(), val.clone()).prop_map(|(p, v)| format!("list_append({p}, {v})")),
        (vpath.clone(), val.clone()).prop_map(|(p, v)| format!("list_append({v}, {p})")),
    ];
    let set = prop::collection::vec((path.clone(), setv), 1..3).prop_map(|v| {
        format!(
            "SET {}",
            v.iter()
                .map(|(p, x)| format!("{p} = {x}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    });
    let remove =
        prop::collection::vec(path.clone(), 1..3).prop_map(|v| format!("REMOVE {}", v.join(", ")));
    let add = (path.clone(), val.clone()).prop_map(|(p, v)| format!("ADD {p} {v}"));
    let del = (path.clone(), val.clone()).prop_map(|(p, v)| format!("DELETE {p} {v}"));
    prop::collection::vec(prop_oneof![set, remove, add, del], 1..3).prop_map(|v| v.join(" "))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs dynalite: run scripts/test-all"]
async fn generated_updates_match_dynalite() {
    let run = async {
        let (local, remote, rt) = tables().await;
        let item = json!({"pk":{"S":"i1"},"a":{"N":"1"},"b":{"N":"2"},"s":{"S":"abc"},"l":{"L":[{"S":"x"},{"N":"1"}]},
                          "m":{"M":{"x":{"N":"5"}}},"ss":{"SS":["x","y"]},"ns":{"NS":["1","2"]}});
        let values = json!({":n1":{"N":"1"},":n2":{"N":"2.5"},":s1":{"S":"ab"},":ss":{"SS":["x","z"]},":ns":{"NS":["2","3"]},
                            ":l":{"L":[{"S":"q"}]},":m":{"M":{"k":{"N":"5"}}}});
        let strat = update_strategy();
        let mut runner = TestRunner::deterministic();
        let mut diffs = Diffs(Vec::new());
        let total = 1200;
        for i in 0..total {
            let Ok(tree) = strat.new_tree(&mut runner) else {
                continue;
            };
            let e = tree.current();
            let vals = used_values(&e, &values);
            let rv = ["ALL_NEW", "UPDATED_NEW", "UPDATED_OLD", "ALL_OLD"][i % 4];
            let req = |t: &str| {
                let mut r = json!({"TableName": t, "Key": {"pk": {"S": "i1"}}, "UpdateExpression": e, "ReturnValues": rv});
                if !vals.is_empty() {
                    r["ExpressionAttributeValues"] = Value::Object(vals.clone());
                }
                r
            };
            common::call(
                local.as_ref(),
                "PutItem",
                &json!({"TableName": LOCAL, "Item": item}),
            )
            .await;
            common::call(
                remote.as_ref(),
                "PutItem",
                &json!({"TableName": rt, "Item": item}),
            )
            .await;
            let a = common::call(local.as_ref(), "UpdateItem", &req(LOCAL)).await;
            let b = common::call(remote.as_ref(), "UpdateItem", &req(&rt)).await;
            diffs.check(&format!("UpdateItem `{e}` {rv}"), a, b, "UpdateItem");
        }
        let _ = common::call(remote.as_ref(), "DeleteTable", &json!({"TableName": rt})).await;
        diffs.assert_none(total);
    };
    tokio::time::timeout(std::time::Duration::from_secs(55), run)
        .await
        .expect("differential test took longer than 55 s");
}
