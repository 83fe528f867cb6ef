//! Any bytes as DynamoDB expressions: the parsers of `dynamo::expr` (condition, update,
//! projection) and their evaluation, directly and through the embedded store's UpdateItem and
//! Query (which add the key-condition rules, the unused-name checks and the reply). Nothing may
//! panic, hang or exhaust memory; an update the evaluator accepts leaves an item that reads back
//! as itself (what the store writes is what a later GetItem parses); the store answers JSON with
//! a client-error or success status, never a 500.
//!
//! Input: one byte (the mode, modulo 5), then up to three expressions, one per line:
//!
//! - 0: condition (line 1), evaluated against a fixed item;
//! - 1: update (line 1), applied to a copy of the fixed item;
//! - 2: projection (line 1) of the fixed item;
//! - 3: UpdateItem through the store: UpdateExpression (line 1), ConditionExpression (line 2);
//! - 4: Query through the store: KeyConditionExpression (line 1), FilterExpression (line 2),
//!   ProjectionExpression (line 3).
//!
//! Names (`#a`, ...) and values (`:s`, ...) come from fixed tables; through the store only those
//! the expressions mention are sent (DynamoDB refuses unused ones, which would stop every
//! request before the interesting part).
#![no_main]

use std::collections::HashMap;
use std::sync::OnceLock;

use dynamo::expr::{self, ExprContext};
use dynamo::value::{self, AttributeValue, Item};
use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

const UPDATED: &str = "fuzz-update";
const QUERIED: &str = "fuzz-query";

/// `#name` -> attribute: the item's attributes, the keys, and reserved words (only reachable by
/// a placeholder).
const NAMES: &[(&str, &str)] = &[
    ("#k", "pk"),
    ("#r", "sk"),
    ("#s", "s"),
    ("#n", "n"),
    ("#l", "l"),
    ("#m", "m"),
    ("#S", "ss"),
    ("#N", "ns"),
    ("#B", "bs"),
    ("#z", "size"),
    ("#d", "a.b"),
];

/// `:name` -> value, one of every type. No name is a prefix of another, so "the expression
/// mentions it" is a substring test.
fn values_json() -> Value {
    json!({
        ":k": {"S": "q"},
        ":u": {"S": "u"},
        ":s": {"S": "hello"},
        ":e": {"S": "h"},
        ":n": {"N": "12.5"},
        ":i": {"N": "3"},
        ":g": {"N": "-9.99999999999999999999999999999999999E+125"},
        ":b": {"B": "aGk="},
        ":t": {"BOOL": true},
        ":0": {"NULL": true},
        ":l": {"L": [{"S": "x"}, {"N": "1"}, {"M": {"a": {"S": "y"}}}]},
        ":m": {"M": {"a": {"S": "z"}, "l": {"L": []}}},
        ":S": {"SS": ["a", "b"]},
        ":N": {"NS": ["1", "2.5"]},
        ":B": {"BS": ["aGk=", "bw=="]},
    })
}

/// The item the direct modes evaluate against, and the one UpdateItem starts from.
fn item_json() -> Value {
    json!({
        "pk": {"S": "u"},
        "sk": {"N": "1"},
        "s": {"S": "hello"},
        "n": {"N": "12.5"},
        "b": {"B": "aGk="},
        "t": {"BOOL": false},
        "z": {"NULL": true},
        "l": {"L": [{"S": "x"}, {"N": "7"}, {"M": {"a": {"S": "y"}, "l": {"L": [{"N": "0"}]}}}]},
        "m": {"M": {"a": {"S": "z"}, "n": {"N": "2"}, "l": {"L": []}, "m": {"M": {}}}},
        "ss": {"SS": ["a", "c"]},
        "ns": {"NS": ["1", "3"]},
        "bs": {"BS": ["aGk="]},
        "size": {"N": "4"},
        "a.b": {"S": "dotted"},
    })
}

struct Fixed {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
    values_json: Value,
    item: Item,
    item_json: Value,
    store: dynamo::Embedded,
}

fn fixed() -> &'static Fixed {
    static FIXED: OnceLock<Fixed> = OnceLock::new();
    FIXED.get_or_init(|| {
        let values_json = values_json();
        let values: HashMap<String, AttributeValue> = value::parse_item(Some(&values_json))
            .expect("fixed values parse")
            .into_iter()
            .collect();
        let item_json = item_json();
        let item = value::parse_item(Some(&item_json)).expect("fixed item parses");
        let store = dynamo::Embedded::new();
        // Two tables: UPDATED is rewritten before every UpdateItem, QUERIED is only ever read,
        // so an input means the same thing whenever it runs.
        for table in [UPDATED, QUERIED] {
            let create = json!({
                "TableName": table,
                "AttributeDefinitions": [
                    {"AttributeName": "pk", "AttributeType": "S"},
                    {"AttributeName": "sk", "AttributeType": "N"}
                ],
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"}
                ],
                "BillingMode": "PAY_PER_REQUEST"
            });
            let r = store.handle("CreateTable", create.to_string().as_bytes());
            assert_eq!(r.status, 200, "CreateTable {table}: {:?}", r.body);
        }
        for sk in 1..=5 {
            let mut it = item_json.clone();
            it["pk"] = json!({"S": "q"});
            it["sk"] = json!({"N": sk.to_string()});
            it["n"] = json!({"N": format!("{}.5", sk * 3)});
            let put = json!({"TableName": QUERIED, "Item": it});
            let r = store.handle("PutItem", put.to_string().as_bytes());
            assert_eq!(r.status, 200, "PutItem q/{sk}: {:?}", r.body);
        }
        Fixed {
            names: NAMES
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            values,
            values_json,
            item,
            item_json,
            store,
        }
    })
}

/// The names and values `exprs` mention, as request members (absent when none).
fn placeholders(f: &Fixed, exprs: &[&str], request: &mut serde_json::Map<String, Value>) {
    let mentioned = |k: &str| exprs.iter().any(|e| e.contains(k));
    let names: serde_json::Map<String, Value> = NAMES
        .iter()
        .filter(|(k, _)| mentioned(k))
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    if !names.is_empty() {
        request.insert("ExpressionAttributeNames".into(), Value::Object(names));
    }
    let values: serde_json::Map<String, Value> = f
        .values_json
        .as_object()
        .expect("values are an object")
        .iter()
        .filter(|(k, _)| mentioned(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !values.is_empty() {
        request.insert("ExpressionAttributeValues".into(), Value::Object(values));
    }
}

fn call(f: &Fixed, action: &str, request: serde_json::Map<String, Value>) {
    let body = Value::Object(request).to_string();
    let r = f.store.handle(action, body.as_bytes());
    assert!(
        r.status == 200 || r.status == 400,
        "{action} {body}: status {} {}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );
    assert!(
        serde_json::from_slice::<Value>(&r.body).is_ok(),
        "{action} {body}: reply is not JSON: {}",
        String::from_utf8_lossy(&r.body)
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let mut lines = text.split('\n');
    let e1 = lines.next().unwrap_or_default();
    let e2 = lines.next().unwrap_or_default();
    let e3 = lines.next().unwrap_or_default();
    let f = fixed();
    let mut ctx = ExprContext::new(&f.names, &f.values);
    match mode % 5 {
        0 => {
            if let Ok(c) = expr::parse_condition(e1, &mut ctx) {
                let _ = expr::eval_condition(&f.item, &c);
                let _ = expr::eval_condition(&Item::new(), &c);
                let mut heads = Vec::new();
                expr::path_heads_cond(&c, &mut heads);
            }
        }
        1 => {
            if let Ok(actions) = expr::parse_update(e1, &mut ctx) {
                let mut item = f.item.clone();
                if expr::apply_update(&mut item, &actions).is_ok() {
                    // The store writes the item as JSON and parses it on the next read.
                    let written = value::item_to_json(&item);
                    let read = value::parse_item(Some(&written));
                    assert!(
                        read.as_ref() == Ok(&item),
                        "update {e1:?}: the item does not read back: {written} -> {read:?}"
                    );
                    let _ = value::item_size(&item);
                }
            }
        }
        2 => {
            if let Ok(paths) = expr::parse_projection(e1, &mut ctx) {
                let _ = expr::project(&f.item, &paths);
            }
        }
        3 => {
            let put = json!({"TableName": UPDATED, "Item": f.item_json});
            let r = f.store.handle("PutItem", put.to_string().as_bytes());
            assert_eq!(r.status, 200, "PutItem u: {:?}", r.body);
            let mut req = serde_json::Map::new();
            req.insert("TableName".into(), json!(UPDATED));
            req.insert("Key".into(), json!({"pk": {"S": "u"}, "sk": {"N": "1"}}));
            req.insert("UpdateExpression".into(), json!(e1));
            if !e2.is_empty() {
                req.insert("ConditionExpression".into(), json!(e2));
            }
            req.insert("ReturnValues".into(), json!("ALL_NEW"));
            placeholders(f, &[e1, e2], &mut req);
            call(f, "UpdateItem", req);
        }
        _ => {
            let mut req = serde_json::Map::new();
            req.insert("TableName".into(), json!(QUERIED));
            req.insert("KeyConditionExpression".into(), json!(e1));
            if !e2.is_empty() {
                req.insert("FilterExpression".into(), json!(e2));
            }
            if !e3.is_empty() {
                req.insert("ProjectionExpression".into(), json!(e3));
            }
            placeholders(f, &[e1, e2, e3], &mut req);
            call(f, "Query", req);
        }
    }
});
