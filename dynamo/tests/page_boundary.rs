//! The 1 MB page boundary of a 3 MB Scan (300 items of ~10 KB): the embedded store pages exactly
//! where dynalite does (104 / 104 / 92 items, recorded in docs/evidence/dependencies.md §17).

mod common;

use dynamo::Dynamo;
use serde_json::{Value, json};

/// Write 300 items of ~10,022 bytes and return (Count, ScannedCount, LastEvaluatedKey) per page.
async fn scan_pages(d: &dyn Dynamo, table: &str) -> Vec<(u64, u64, Option<Value>)> {
    let create = json!({"TableName": table,
        "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"});
    let (s, body) = common::call(d, "CreateTable", &create).await;
    assert_eq!(s, 200, "{body}");
    common::wait_active(d, table).await;
    for chunk in 0..12 {
        let puts: Vec<Value> = (0..25)
            .map(|i| {
                let n = chunk * 25 + i;
                json!({"PutRequest": {"Item": {"pk": {"S": format!("item-{n:04}")}, "data": {"S": "x".repeat(10_000)}}}})
            })
            .collect();
        let (s, body) =
            common::call(d, "BatchWriteItem", &json!({"RequestItems": {table: puts}})).await;
        assert_eq!(s, 200, "{body}");
    }
    let mut pages = Vec::new();
    let mut req = json!({"TableName": table, "Select": "COUNT"});
    loop {
        let (s, body) = common::call(d, "Scan", &req).await;
        assert_eq!(s, 200, "{body}");
        let lek = body.get("LastEvaluatedKey").cloned();
        pages.push((
            body["Count"].as_u64().unwrap_or(0),
            body["ScannedCount"].as_u64().unwrap_or(0),
            lek.clone(),
        ));
        match lek {
            Some(k) => req["ExclusiveStartKey"] = k,
            None => break,
        }
        assert!(pages.len() < 10, "too many pages");
    }
    let _ = common::call(d, "DeleteTable", &json!({"TableName": table})).await;
    pages
}

#[tokio::test]
async fn embedded_scan_pages_at_one_megabyte() {
    let d = common::embedded();
    let pages = scan_pages(d.as_ref(), "pages-embedded").await;
    let counts: Vec<u64> = pages.iter().map(|p| p.0).collect();
    assert_eq!(counts, vec![104, 104, 92]);
    assert!(pages[0].2.is_some() && pages[1].2.is_some() && pages[2].2.is_none());
}

#[tokio::test]
#[ignore = "needs dynalite: run scripts/test-all"]
async fn scan_page_boundary_equals_dynalite() {
    let run = async {
        let local = scan_pages(common::embedded().as_ref(), "pages-embedded").await;
        let table = common::unique("pages-dynalite");
        let remote = scan_pages(common::dynalite().as_ref(), &table).await;
        assert_eq!(local, remote);
    };
    tokio::time::timeout(std::time::Duration::from_secs(55), run)
        .await
        .expect("page boundary test took longer than 55 s");
}
