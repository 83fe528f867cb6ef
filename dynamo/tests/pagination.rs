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
