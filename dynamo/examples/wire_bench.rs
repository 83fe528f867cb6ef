//! The store pair of `scripts/bench`: a DynamoDB load client over HTTP, run against `gateway
//! serve --dynamodb-port` (the embedded store) and against dynalite with the same settings.
//!
//! `cargo run --release -p dynamo --example wire_bench -- http://127.0.0.1:PORT [SECONDS [CLIENTS [ITEMS [WARMUP]]]]`
//!
//! CLIENTS keep-alive connections (one HTTP/1.1 connection each, requests one after another on
//! it) send unsigned requests (a dummy `Authorization` header of the right shape), and:
//!
//! 0. PutItem and GetItem for WARMUP seconds each (default 1), not reported;
//! 1. PutItem for SECONDS, every key unique (client number and counter);
//! 2. GetItem for SECONDS of the keys written in 1 (a response without `Item` is an error);
//! 3. BatchWriteItem of ITEMS items (25 per request, unprocessed items resent) into a table with
//!    a composite key, all under one partition key;
//! 4. a paginated full Scan of that table (`Limit` 100, following `LastEvaluatedKey`) and a
//!    paginated Query of its partition key (`Limit` 100), each repeated, the item count checked.
//!
//! Prints `key=value` lines; the tables it creates are deleted at the end.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

/// How long the Scan and Query repetitions may take in all (each runs at least once).
const PAGINATED_BUDGET: Duration = Duration::from_secs(20);
const PAGINATED_REPEATS: usize = 5;

struct Conn {
    addr: String,
    sender: SendRequest<Full<Bytes>>,
}

impl Conn {
    async fn connect(addr: &str) -> Conn {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .unwrap_or_else(|e| panic!("connecting to {addr}: {e}"));
        let _ = stream.set_nodelay(true);
        let (sender, conn) = http1::handshake(TokioIo::new(stream))
            .await
            .expect("HTTP/1.1 handshake");
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Conn {
            addr: addr.to_string(),
            sender,
        }
    }

    fn request(&self, action: &str, body: &Bytes) -> http::Request<Full<Bytes>> {
        http::Request::post("/")
            .header("host", &self.addr)
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", format!("DynamoDB_20120810.{action}"))
            .header("x-amz-date", "20260101T000000Z")
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, \
                 SignedHeaders=content-type;host;x-amz-date;x-amz-target, \
                 Signature=0000000000000000000000000000000000000000000000000000000000000000",
            )
            .body(Full::new(body.clone()))
            .expect("request")
    }

    /// One call; a connection the server closed is reopened once.
    async fn call(&mut self, action: &str, body: Bytes) -> (u16, Bytes) {
        for attempt in 0..2 {
            if self.sender.ready().await.is_err() {
                *self = Conn::connect(&self.addr).await;
            }
            match self.sender.send_request(self.request(action, &body)).await {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let bytes = resp
                        .into_body()
                        .collect()
                        .await
                        .map(|b| b.to_bytes())
                        .unwrap_or_default();
                    return (status, bytes);
                }
                Err(e) if attempt == 0 && (e.is_canceled() || e.is_closed()) => {
                    *self = Conn::connect(&self.addr).await;
                }
                Err(e) => panic!("{action}: {e}"),
            }
        }
        unreachable!()
    }

    async fn json(&mut self, action: &str, req: &Value) -> Value {
        let (status, body) = self.call(action, Bytes::from(req.to_string())).await;
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        assert_eq!(status, 200, "{action} {req}: {v}");
        v
    }
}

async fn create_table(c: &mut Conn, req: Value) {
    let name = req["TableName"].clone();
    let _ = c
        .call(
            "DeleteTable",
            Bytes::from(json!({"TableName": name}).to_string()),
        )
        .await;
    c.json("CreateTable", &req).await;
    for _ in 0..400 {
        let d = c.json("DescribeTable", &json!({"TableName": name})).await;
        if d["Table"]["TableStatus"] == "ACTIVE" {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("table {name} did not become ACTIVE");
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    f64::from(sorted[i]) / 1000.0
}

struct Load {
    ok: u64,
    errors: u64,
    seconds: f64,
    /// Per-client number of requests that succeeded.
    per_client: Vec<u64>,
    /// Latencies in microseconds, sorted.
    latencies: Vec<u32>,
}

fn print_load(name: &str, l: &Load) {
    println!("{name}_ok={}", l.ok);
    println!("{name}_errors={}", l.errors);
    println!("{name}_seconds={:.3}", l.seconds);
    println!("{name}_per_s={:.1}", l.ok as f64 / l.seconds);
    println!("{name}_p50_ms={:.3}", percentile(&l.latencies, 0.50));
    println!("{name}_p99_ms={:.3}", percentile(&l.latencies, 0.99));
}

/// `clients` connections, each sending `make(client, n)` (n = 0, 1, ...) for `seconds`; a
/// response is a success when `check` says so.
async fn load(
    conns: &mut Vec<Conn>,
    seconds: f64,
    action: &'static str,
    make: Arc<dyn Fn(usize, u64) -> Bytes + Send + Sync>,
    check: fn(u16, &[u8]) -> bool,
) -> Load {
    let start = Instant::now();
    let until = start + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for (i, mut c) in conns.drain(..).enumerate() {
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut errors, mut lat) = (0u64, 0u64, Vec::with_capacity(1 << 16));
            let mut n = 0u64;
            while Instant::now() < until {
                let body = make(i, n);
                let t = Instant::now();
                let (status, resp) = c.call(action, body).await;
                lat.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
                if check(status, &resp) {
                    ok += 1;
                } else {
                    if errors == 0 {
                        eprintln!(
                            "{action}: status {status}: {}",
                            String::from_utf8_lossy(&resp)
                        );
                    }
                    errors += 1;
                }
                n += 1;
            }
            (c, ok, errors, lat)
        }));
    }
    let mut out = Load {
        ok: 0,
        errors: 0,
        seconds: 0.0,
        per_client: Vec::new(),
        latencies: Vec::new(),
    };
    for t in tasks {
        let (c, ok, errors, lat) = t.await.expect("client task");
        conns.push(c);
        out.ok += ok;
        out.errors += errors;
        out.per_client.push(ok);
        out.latencies.extend(lat);
    }
    out.seconds = start.elapsed().as_secs_f64();
    out.latencies.sort_unstable();
    out
}

/// What the paginated reads look at in a page. The items are skipped, not built (`IgnoredAny`
/// still reads every byte of them): a client that built a `Value` per page spent more time on
/// that than the embedded store spent on the page (perf: about 20 µs of the store's CPU per
/// 100-item page against 0.45 ms a page), so the figure measured the client more than the store.
/// Both servers get the same client.
#[derive(serde::Deserialize)]
struct Page {
    #[serde(rename = "Count")]
    count: u64,
    #[serde(rename = "Items", default)]
    items: Vec<serde::de::IgnoredAny>,
    #[serde(rename = "LastEvaluatedKey")]
    last_evaluated_key: Option<Value>,
}

/// Runs a paginated read (`req` plus `ExclusiveStartKey`) to the end: (items, pages).
async fn paginate(c: &mut Conn, action: &str, req: &Value) -> (u64, u64) {
    let mut req = req.clone();
    let (mut items, mut pages) = (0u64, 0u64);
    loop {
        let (status, body) = c.call(action, Bytes::from(req.to_string())).await;
        let page: Page = match serde_json::from_slice(&body) {
            Ok(p) if status == 200 => p,
            _ => panic!(
                "{action} {req}: status {status}: {}",
                String::from_utf8_lossy(&body)
            ),
        };
        assert_eq!(
            page.items.len() as u64,
            page.count,
            "{action}: Count is not the number of Items"
        );
        pages += 1;
        items += page.count;
        match page.last_evaluated_key {
            Some(k) => req["ExclusiveStartKey"] = k,
            None => return (items, pages),
        }
    }
}

async fn timed_pagination(c: &mut Conn, name: &str, action: &str, req: &Value, expect: u64) {
    let start = Instant::now();
    let mut times = Vec::new();
    let mut pages = 0;
    while times.is_empty()
        || (times.len() < PAGINATED_REPEATS && start.elapsed() < PAGINATED_BUDGET)
    {
        let t = Instant::now();
        let (items, p) = paginate(c, action, req).await;
        times.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(items, expect, "{name}: items read");
        pages = p;
    }
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    let min = times.iter().copied().fold(f64::INFINITY, f64::min);
    println!("{name}_items={expect}");
    println!("{name}_pages={pages}");
    println!("{name}_runs={}", times.len());
    println!("{name}_ms={mean:.3}");
    println!("{name}_min_ms={min:.3}");
}

fn item_data(n: u64) -> String {
    format!("track list and notes of album {n}: ").repeat(3)
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let endpoint = args
        .next()
        .expect("usage: wire_bench http://127.0.0.1:PORT [SECONDS [CLIENTS [ITEMS [WARMUP]]]]");
    let seconds: f64 = args.next().map_or(5.0, |s| s.parse().expect("SECONDS"));
    let clients: usize = args.next().map_or(16, |s| s.parse().expect("CLIENTS"));
    let items: u64 = args.next().map_or(10_000, |s| s.parse().expect("ITEMS"));
    let warmup: f64 = args.next().map_or(1.0, |s| s.parse().expect("WARMUP"));
    let addr = endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();

    let kv = format!("wire-bench-{}-kv", std::process::id());
    let paged = format!("wire-bench-{}-paged", std::process::id());
    let mut admin = Conn::connect(&addr).await;
    create_table(
        &mut admin,
        json!({"TableName": kv,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST"}),
    )
    .await;
    create_table(
        &mut admin,
        json!({"TableName": paged,
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                                     {"AttributeName": "sk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                          {"AttributeName": "sk", "KeyType": "RANGE"}],
            "BillingMode": "PAY_PER_REQUEST"}),
    )
    .await;

    let mut conns = Vec::new();
    for _ in 0..clients {
        conns.push(Conn::connect(&addr).await);
    }
    println!("clients={clients}");
    println!("seconds={seconds}");
    println!("warmup_seconds={warmup}");

    // Warm-up (a JIT-compiled server is slow at first): PutItem and GetItem of keys no measured
    // request uses, not reported.
    let table = kv.clone();
    let w = load(
        &mut conns,
        warmup,
        "PutItem",
        Arc::new(move |c, n| {
            Bytes::from(
                json!({"TableName": table,
                    "Item": {"pk": {"S": format!("warm-{c}-{n}")}, "data": {"S": item_data(n)}}})
                .to_string(),
            )
        }),
        |s, _| s == 200,
    )
    .await;
    let table = kv.clone();
    load(
        &mut conns,
        warmup,
        "GetItem",
        Arc::new(move |c, n| {
            Bytes::from(
                json!({"TableName": table, "Key": {"pk": {"S": format!("warm-{c}-{}", n % 100)}}})
                    .to_string(),
            )
        }),
        |s, _| s == 200,
    )
    .await;
    println!("warmup_puts={}", w.ok);

    let table = kv.clone();
    let put = load(
        &mut conns,
        seconds,
        "PutItem",
        Arc::new(move |c, n| {
            Bytes::from(
                json!({"TableName": table,
                    "Item": {"pk": {"S": format!("client-{c}-item-{n}")},
                             "n": {"N": n.to_string()},
                             "data": {"S": item_data(n)}}})
                .to_string(),
            )
        }),
        |s, _| s == 200,
    )
    .await;
    print_load("put", &put);

    let written = Arc::new(put.per_client.clone());
    let table = kv.clone();
    let get = load(
        &mut conns,
        seconds,
        "GetItem",
        Arc::new(move |c, n| {
            let k = n % written[c].max(1);
            Bytes::from(
                json!({"TableName": table, "Key": {"pk": {"S": format!("client-{c}-item-{k}")}}})
                    .to_string(),
            )
        }),
        |s, b| s == 200 && b.windows(7).any(|w| w == b"\"Item\":"),
    )
    .await;
    print_load("get", &get);

    // BatchWriteItem: `items` items under one partition key, 25 per request over the clients.
    let start = Instant::now();
    let batches: Vec<Vec<u64>> = (0..items)
        .collect::<Vec<_>>()
        .chunks(25)
        .map(<[u64]>::to_vec)
        .collect();
    let batches = Arc::new(std::sync::Mutex::new(batches));
    let mut tasks = Vec::new();
    for mut c in conns.drain(..) {
        let batches = batches.clone();
        let paged = paged.clone();
        tasks.push(tokio::spawn(async move {
            let mut requests = 0u64;
            loop {
                let Some(batch) = batches.lock().expect("lock").pop() else {
                    break;
                };
                let puts: Vec<Value> = batch
                    .iter()
                    .map(|n| {
                        json!({"PutRequest": {"Item": {
                            "pk": {"S": "bench"},
                            "sk": {"S": format!("item-{n:06}")},
                            "n": {"N": n.to_string()},
                            "data": {"S": item_data(*n)}}}})
                    })
                    .collect();
                let mut req = json!({"RequestItems": {&paged: puts}});
                for _ in 0..100 {
                    let resp = c.json("BatchWriteItem", &req).await;
                    requests += 1;
                    match resp.get("UnprocessedItems").and_then(|u| u.get(&paged)) {
                        Some(rest) if rest.as_array().is_some_and(|a| !a.is_empty()) => {
                            req = json!({"RequestItems": {&paged: rest}});
                        }
                        _ => break,
                    }
                }
            }
            (c, requests)
        }));
    }
    let mut batch_requests = 0;
    for t in tasks {
        let (c, r) = t.await.expect("batch task");
        conns.push(c);
        batch_requests += r;
    }
    let el = start.elapsed().as_secs_f64();
    println!("batch_items={items}");
    println!("batch_requests={batch_requests}");
    println!("batch_seconds={el:.3}");
    println!("batch_items_per_s={:.1}", items as f64 / el);

    timed_pagination(
        &mut admin,
        "scan",
        "Scan",
        &json!({"TableName": paged, "Limit": 100}),
        items,
    )
    .await;
    timed_pagination(
        &mut admin,
        "query",
        "Query",
        &json!({"TableName": paged, "Limit": 100,
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": "bench"}}}),
        items,
    )
    .await;

    for t in [&kv, &paged] {
        admin.json("DeleteTable", &json!({"TableName": t})).await;
    }
}
