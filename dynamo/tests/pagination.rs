//! Paginated reads (`Limit` pages following `LastEvaluatedKey`) return exactly the items of one
//! unpaginated read, in the same order: Query forwards and backwards (with and without a sort-key
//! condition) and Scan, on the embedded store.

mod common;

use dynamo::Dynamo;
use serde_json::{Value, json};

async fn read_pages(d: &dyn Dynamo, action: &str, req: &Value, limit: Option<u64>) -> Vec<Value> {
    let mut req = req.clone();
    if let Some(l) = limit {
        req["Limit"] = json!(l);
    }
    let mut items = Vec::new();
    for _ in 0..1000 {
        let (s, body) = common::call(d, action, &req).await;
        assert_eq!(s, 200, "{body}");
        let page = body["Items"].as_array().cloned().unwrap_or_default();
        assert_eq!(body["Count"].as_u64(), Some(page.len() as u64));
        if let Some(l) = limit {
            assert!(page.len() as u64 <= l);
        }
        items.extend(page);
        match body.get("LastEvaluatedKey") {
            Some(k) => req["ExclusiveStartKey"] = k.clone(),
            None => return items,
        }
    }
    panic!("too many pages");
}

#[tokio::test]
async fn limit_pages_equal_one_read() {
    let d = common::embedded();
    let table = "pages";
    let create = json!({"TableName": table,
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"}],
        "BillingMode": "PAY_PER_REQUEST"});
    let (s, body) = common::call(d.as_ref(), "CreateTable", &create).await;
    assert_eq!(s, 200, "{body}");
    for p in ["a", "b", "c"] {
        for chunk in 0..4 {
            let puts: Vec<Value> = (0..25)
                .map(|i| {
                    let n = chunk * 25 + i;
                    // Negative, fractional and large sort keys, written out of order.
                    let sk = format!("{}{}.5", if n % 3 == 0 { "-" } else { "" }, (n * 7919) % 1000);
                    json!({"PutRequest": {"Item": {"pk": {"S": p}, "sk": {"N": sk}, "n": {"N": n.to_string()}}}})
                })
                .collect();
            let (s, body) = common::call(
                d.as_ref(),
                "BatchWriteItem",
                &json!({"RequestItems": {table: puts}}),
            )
            .await;
            assert_eq!(s, 200, "{body}");
        }
    }
    let query = |forward: bool, cond: Option<(&str, Value)>| {
        let mut q = json!({"TableName": table, "ScanIndexForward": forward,
            "KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "b"}}});
        if let Some((c, v)) = cond {
            q["KeyConditionExpression"] = json!(format!("pk = :p AND {c}"));
            q["ExpressionAttributeValues"][":v"] = v;
        }
        q
    };
    let cases = [
        ("Query", query(true, None), 100),
        ("Query", query(false, None), 100),
        (
            "Query",
            query(true, Some(("sk > :v", json!({"N": "-100"})))),
            0,
        ),
        (
            "Query",
            query(false, Some(("sk <= :v", json!({"N": "500"})))),
            0,
        ),
        ("Scan", json!({"TableName": table}), 300),
    ];
    for (action, req, expected) in cases {
        let all = read_pages(d.as_ref(), action, &req, None).await;
        if expected > 0 {
            assert_eq!(all.len(), expected, "{req}");
        } else {
            assert!(!all.is_empty() && all.len() < 100, "{req}");
        }
        for limit in [1, 7, 100] {
            let paged = read_pages(d.as_ref(), action, &req, Some(limit)).await;
            assert_eq!(paged, all, "{action} {req} Limit {limit}");
        }
    }
    // Sort order: forwards ascending, backwards descending.
    let sks = |items: &[Value]| -> Vec<f64> {
        items
            .iter()
            .map(|i| i["sk"]["N"].as_str().unwrap_or("0").parse().unwrap_or(0.0))
            .collect()
    };
    let fwd = sks(&read_pages(d.as_ref(), "Query", &query(true, None), Some(9)).await);
    assert!(fwd.windows(2).all(|w| w[0] < w[1]), "{fwd:?}");
    let back = sks(&read_pages(d.as_ref(), "Query", &query(false, None), Some(9)).await);
    assert!(back.windows(2).all(|w| w[0] > w[1]), "{back:?}");
}

/// A global index follows every write (put, overwrite, update, delete, batch): its Query pages
/// hold exactly the table's items with that index key, projected, in index order.
#[tokio::test]
async fn index_follows_writes_and_pages() {
    let d = common::embedded();
    let table = "indexed";
    let create = json!({"TableName": table,
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"}, {"AttributeName": "r", "AttributeType": "N"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
        "GlobalSecondaryIndexes": [{"IndexName": "by-g",
            "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}, {"AttributeName": "r", "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["keep"]}}],
        "BillingMode": "PAY_PER_REQUEST"});
    let (s, body) = common::call(d.as_ref(), "CreateTable", &create).await;
    assert_eq!(s, 200, "{body}");
    for n in 0..120 {
        let item = json!({"pk": {"S": format!("k{n}")}, "g": {"S": if n % 2 == 0 { "even" } else { "odd" }},
            "r": {"N": ((n * 37) % 120).to_string()}, "keep": {"N": n.to_string()}, "drop": {"S": "x"}});
        let (s, body) = common::call(
            d.as_ref(),
            "PutItem",
            &json!({"TableName": table, "Item": item}),
        )
        .await;
        assert_eq!(s, 200, "{body}");
    }
    // Overwrite: k0 moves to "odd"; update: k2 changes its sort key, k4 leaves the index;
    // delete: k6 and (in a batch) k8.
    let k0 = json!({"pk": {"S": "k0"}, "g": {"S": "odd"}, "r": {"N": "1000"}, "keep": {"N": "0"}});
    let writes = [
        ("PutItem", json!({"TableName": table, "Item": k0})),
        (
            "UpdateItem",
            json!({"TableName": table, "Key": {"pk": {"S": "k2"}},
            "UpdateExpression": "SET r = :r", "ExpressionAttributeValues": {":r": {"N": "-5"}}}),
        ),
        (
            "UpdateItem",
            json!({"TableName": table, "Key": {"pk": {"S": "k4"}}, "UpdateExpression": "REMOVE g"}),
        ),
        (
            "DeleteItem",
            json!({"TableName": table, "Key": {"pk": {"S": "k6"}}}),
        ),
        (
            "BatchWriteItem",
            json!({"RequestItems": {table: [{"DeleteRequest": {"Key": {"pk": {"S": "k8"}}}}]}}),
        ),
    ];
    for (action, req) in writes {
        let (s, body) = common::call(d.as_ref(), action, &req).await;
        assert_eq!(s, 200, "{action}: {body}");
    }
    let scan = read_pages(d.as_ref(), "Scan", &json!({"TableName": table}), None).await;
    for g in ["even", "odd"] {
        let q = json!({"TableName": table, "IndexName": "by-g", "KeyConditionExpression": "g = :g",
            "ExpressionAttributeValues": {":g": {"S": g}}});
        let all = read_pages(d.as_ref(), "Query", &q, None).await;
        let mut expected: Vec<(f64, Value)> = scan
            .iter()
            .filter(|i| i["g"]["S"] == g)
            .map(|i| {
                let r: f64 = i["r"]["N"].as_str().unwrap_or("0").parse().unwrap_or(0.0);
                let mut p = i.clone();
                if let Some(o) = p.as_object_mut() {
                    o.remove("drop");
                }
                (r, p)
            })
            .collect();
        expected.sort_by(|a, b| a.0.total_cmp(&b.0));
        let sorted = |v: &Value| -> Value {
            let mut m: Vec<(String, Value)> = v
                .as_object()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .collect();
            m.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Array(m.into_iter().map(|(k, v)| json!([k, v])).collect())
        };
        let want: Vec<Value> = expected.iter().map(|(_, p)| sorted(p)).collect();
        let got: Vec<Value> = all.iter().map(sorted).collect();
        assert_eq!(got, want, "index partition {g}");
        for limit in [1, 13] {
            assert_eq!(
                read_pages(d.as_ref(), "Query", &q, Some(limit)).await,
                all,
                "{g} Limit {limit}"
            );
        }
    }
    let (_, even) = common::call(d.as_ref(), "Query", &json!({"TableName": table, "IndexName": "by-g",
        "KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "even"}}, "Select": "COUNT"})).await;
    // 60 even items, less k0 (moved), k4 (left the index), k6 and k8 (deleted).
    assert_eq!(even["Count"], 56);
}
