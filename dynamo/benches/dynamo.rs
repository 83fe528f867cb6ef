//! PutItem, GetItem and a full paginated Scan of 10,000 items: the embedded store, and dynalite on
//! loopback when `DYNALITE_ENDPOINT` is set. Run with `cargo bench -p dynamo`.

use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dynamo::{Dynamo, Embedded, Remote, RemoteConfig};
use serde_json::{Value, json};

fn backends() -> Vec<(&'static str, Arc<dyn Dynamo>)> {
    let mut v: Vec<(&'static str, Arc<dyn Dynamo>)> = vec![("embedded", Arc::new(Embedded::new()))];
    if let Ok(e) = std::env::var("DYNALITE_ENDPOINT")
        && !e.is_empty()
    {
        v.push((
            "dynalite",
            Arc::new(Remote::new(RemoteConfig::from_env(Some(e)))),
        ));
    }
    v
}

async fn call(d: &dyn Dynamo, action: &str, req: &Value) -> Value {
    let r = d.call(action, req.to_string().as_bytes()).await;
    assert_eq!(r.status, 200, "{action}: {}", r.json_body());
    r.json_body()
}

async fn create(d: &dyn Dynamo, table: &str) {
    let _ = d
        .call(
            "DeleteTable",
            json!({"TableName": table}).to_string().as_bytes(),
        )
        .await;
    call(
        d,
        "CreateTable",
        &json!({"TableName": table,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}], "BillingMode": "PAY_PER_REQUEST"}),
    )
    .await;
    for _ in 0..200 {
        let d = call(d, "DescribeTable", &json!({"TableName": table})).await;
        if d["Table"]["TableStatus"] == "ACTIVE" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn item(i: usize) -> Value {
    json!({"pk": {"S": format!("item-{i:05}")}, "n": {"N": i.to_string()}, "data": {"S": "payload-".repeat(12)}})
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    for (name, d) in backends() {
        let table = format!("bench-{}", std::process::id());
        rt.block_on(async {
            create(d.as_ref(), &table).await;
            for chunk in 0..400 {
                let puts: Vec<Value> = (0..25)
                    .map(|i| json!({"PutRequest": {"Item": item(chunk * 25 + i)}}))
                    .collect();
                call(
                    d.as_ref(),
                    "BatchWriteItem",
                    &json!({"RequestItems": {&table: puts}}),
                )
                .await;
            }
        });
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Elements(1));
        let mut i = 0usize;
        g.bench_function("PutItem", |b| {
            b.iter(|| {
                i = (i + 1) % 10_000;
                let req = json!({"TableName": &table, "Item": item(i)});
                rt.block_on(call(d.as_ref(), "PutItem", &req));
            })
        });
        let mut j = 0usize;
        g.bench_function("GetItem", |b| {
            b.iter(|| {
                j = (j + 7) % 10_000;
                let req =
                    json!({"TableName": &table, "Key": {"pk": {"S": format!("item-{j:05}")}}});
                rt.block_on(call(d.as_ref(), "GetItem", &req));
            })
        });
        g.sample_size(10);
        g.throughput(Throughput::Elements(10_000));
        g.bench_function("Scan 10000 items (paginated)", |b| {
            b.iter(|| {
                rt.block_on(async {
                    let mut req = json!({"TableName": &table});
                    let mut total = 0;
                    loop {
                        let page = call(d.as_ref(), "Scan", &req).await;
                        total += page["Count"].as_u64().unwrap_or(0);
                        match page.get("LastEvaluatedKey") {
                            Some(k) => req["ExclusiveStartKey"] = k.clone(),
                            None => break,
                        }
                    }
                    assert_eq!(total, 10_000);
                })
            })
        });
        g.finish();
        rt.block_on(async {
            let _ = d
                .call(
                    "DeleteTable",
                    json!({"TableName": table}).to_string().as_bytes(),
                )
                .await;
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
