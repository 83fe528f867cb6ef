//! PutItem, GetItem, and reading 10,000 items with Scan and with Query (one partition), both
//! paginated with `Limit: 100` (following `LastEvaluatedKey`) and in 1 MB pages (no `Limit`), on:
//!
//! - `embedded`: the store in process (`Embedded`, through `Dynamo::call`);
//! - `embedded-http`: the same store served over loopback HTTP by `dynamo::server`;
//! - `dynalite`: dynalite on loopback, when `DYNALITE_ENDPOINT` is set.
//!
//! Both HTTP backends are driven by the same minimal client (one keep-alive HTTP/1.1 connection,
//! a fixed `Authorization` header: neither server checks signatures), so the wire figures compare
//! the servers, not the cost of a SigV4-signing SDK. The client reads only `Count` and
//! `LastEvaluatedKey` of a reply; the items are skipped, not parsed into a JSON tree.
//!
//! Run with `cargo bench -p dynamo` (filter: `cargo bench -p dynamo -- Scan`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dynamo::{Dynamo, Embedded};
use serde_json::{Value, json};

const ITEMS: usize = 10_000;

/// One keep-alive HTTP/1.1 connection speaking DynamoDB's JSON protocol.
struct Wire {
    host: String,
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Wire {
    fn connect(endpoint: &str) -> Wire {
        let host = endpoint
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let stream = TcpStream::connect(&host).expect("connect to the endpoint");
        stream.set_nodelay(true).expect("TCP_NODELAY");
        Wire {
            host,
            reader: BufReader::with_capacity(1 << 16, stream.try_clone().expect("clone stream")),
            writer: stream,
        }
    }

    /// One exchange; on a connection the server closed meanwhile (Node closes idle keep-alive
    /// connections after 5 s), reconnect and send again.
    fn call(&mut self, action: &str, body: &[u8]) -> (u16, Vec<u8>) {
        match self.exchange(action, body) {
            Ok(r) => r,
            Err(_) => {
                *self = Wire::connect(&self.host);
                self.exchange(action, body).expect("HTTP exchange")
            }
        }
    }

    fn exchange(&mut self, action: &str, body: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
        let bad = |what: &str| std::io::Error::other(what.to_string());
        let head = format!(
            "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-amz-json-1.0\r\n\
             X-Amz-Target: DynamoDB_20120810.{action}\r\nX-Amz-Date: 20260101T000000Z\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=00\r\n\
             Content-Length: {}\r\n\r\n",
            self.host,
            body.len()
        );
        let mut req = head.into_bytes();
        req.extend_from_slice(body);
        self.writer.write_all(&req)?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("no status line"))?;
        let mut length = None;
        let mut chunked = false;
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(bad("connection closed in the headers"));
            }
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            let (k, v) = l.split_once(':').unwrap_or((l, ""));
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse::<usize>().ok();
            } else if k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked") {
                chunked = true;
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                self.reader.read_line(&mut line)?;
                let n = usize::from_str_radix(line.trim(), 16).map_err(|_| bad("chunk size"))?;
                let start = body.len();
                body.resize(start + n + 2, 0);
                self.reader.read_exact(&mut body[start..])?;
                body.truncate(start + n);
                if n == 0 {
                    break;
                }
            }
        } else if let Some(n) = length {
            body.resize(n, 0);
            self.reader.read_exact(&mut body)?;
        } else {
            // No length: the body runs to the end of the connection.
            self.reader.read_to_end(&mut body)?;
        }
        Ok((status, body))
    }
}

enum Backend {
    InProcess(Arc<dyn Dynamo>),
    Http(Wire),
}

impl Backend {
    fn call(&mut self, rt: &tokio::runtime::Runtime, action: &str, body: &[u8]) -> Vec<u8> {
        let (status, body) = match self {
            Backend::InProcess(d) => {
                let r = rt.block_on(d.call(action, body));
                (r.status, r.body)
            }
            Backend::Http(w) => w.call(action, body),
        };
        assert_eq!(status, 200, "{action}: {}", String::from_utf8_lossy(&body));
        body
    }

    fn call_json(&mut self, rt: &tokio::runtime::Runtime, action: &str, req: &Value) -> Value {
        serde_json::from_slice(&self.call(rt, action, req.to_string().as_bytes()))
            .unwrap_or(Value::Null)
    }
}

/// The bytes of the top-level member `name` of a JSON object (strings and nesting skipped
/// byte by byte, nothing allocated), so that the client does not parse a page's items.
fn member<'a>(json: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let mut depth = 0usize;
    let mut i = 0;
    let mut key: Option<(usize, usize)> = None;
    let mut value_start = None;
    while i < json.len() {
        match json[i] {
            b'"' => {
                let start = i + 1;
                i += 1;
                while json[i] != b'"' {
                    i += if json[i] == b'\\' { 2 } else { 1 };
                }
                if depth == 1 && value_start.is_none() {
                    key = Some((start, i));
                }
            }
            b':' if depth == 1 => {
                if let Some((s, e)) = key
                    && &json[s..e] == name.as_bytes()
                {
                    value_start = Some(i + 1);
                }
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth -= 1;
                if depth == 0
                    && let Some(s) = value_start
                {
                    return Some(&json[s..i]);
                }
            }
            b',' if depth == 1 => {
                if let Some(s) = value_start {
                    return Some(&json[s..i]);
                }
                key = None;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Read every page of a Scan or Query, following `LastEvaluatedKey`; the number of items.
fn read_all(b: &mut Backend, rt: &tokio::runtime::Runtime, action: &str, mut req: Value) -> u64 {
    let mut total = 0;
    loop {
        let body = b.call(rt, action, req.to_string().as_bytes());
        total += member(&body, "Count")
            .and_then(|c| std::str::from_utf8(c).ok()?.trim().parse::<u64>().ok())
            .unwrap_or(0);
        match member(&body, "LastEvaluatedKey") {
            Some(k) => {
                req["ExclusiveStartKey"] = serde_json::from_slice(k).expect("LastEvaluatedKey")
            }
            None => return total,
        }
    }
}

fn create(b: &mut Backend, rt: &tokio::runtime::Runtime, table: &str, range: bool) {
    let _ = match b {
        Backend::InProcess(d) => {
            rt.block_on(d.call(
                "DeleteTable",
                json!({"TableName": table}).to_string().as_bytes(),
            ))
            .status
        }
        Backend::Http(w) => {
            w.call(
                "DeleteTable",
                json!({"TableName": table}).to_string().as_bytes(),
            )
            .0
        }
    };
    let mut defs = vec![json!({"AttributeName": "pk", "AttributeType": "S"})];
    let mut keys = vec![json!({"AttributeName": "pk", "KeyType": "HASH"})];
    if range {
        defs.push(json!({"AttributeName": "sk", "AttributeType": "N"}));
        keys.push(json!({"AttributeName": "sk", "KeyType": "RANGE"}));
    }
    b.call_json(
        rt,
        "CreateTable",
        &json!({"TableName": table, "AttributeDefinitions": defs, "KeySchema": keys,
            "BillingMode": "PAY_PER_REQUEST"}),
    );
    for _ in 0..200 {
        let d = b.call_json(rt, "DescribeTable", &json!({"TableName": table}));
        if d["Table"]["TableStatus"] == "ACTIVE" {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn payload() -> String {
    "payload-".repeat(12)
}

/// An item of the hash-key table (about 130 bytes).
fn item(i: usize) -> Value {
    json!({"pk": {"S": format!("item-{i:05}")}, "n": {"N": i.to_string()}, "data": {"S": payload()}})
}

/// An item of the one partition of the hash-and-range table.
fn ranged(i: usize) -> Value {
    json!({"pk": {"S": "partition"}, "sk": {"N": i.to_string()}, "data": {"S": payload()}})
}

fn fill(b: &mut Backend, rt: &tokio::runtime::Runtime, table: &str, make: impl Fn(usize) -> Value) {
    for chunk in 0..ITEMS / 25 {
        let puts: Vec<Value> = (0..25)
            .map(|i| json!({"PutRequest": {"Item": make(chunk * 25 + i)}}))
            .collect();
        b.call_json(
            rt,
            "BatchWriteItem",
            &json!({"RequestItems": {table: puts}}),
        );
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let served: Arc<dyn Dynamo> = Arc::new(Embedded::new());
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind a loopback port");
    let addr = listener.local_addr().expect("local address");
    rt.spawn(dynamo::server::serve(
        listener,
        served,
        std::future::pending::<()>(),
    ));
    let mut backends: Vec<(&str, Option<String>)> = vec![
        ("embedded", None),
        ("embedded-http", Some(format!("http://{addr}"))),
    ];
    if let Ok(e) = std::env::var("DYNALITE_ENDPOINT")
        && !e.is_empty()
    {
        backends.push(("dynalite", Some(e)));
    }
    for (name, endpoint) in backends {
        // Connected when its turn comes, so the connection is not idle (and closed) meanwhile.
        let mut b = match endpoint {
            None => Backend::InProcess(Arc::new(Embedded::new())),
            Some(e) => Backend::Http(Wire::connect(&e)),
        };
        let table = format!("bench-{}", std::process::id());
        let ranged_table = format!("bench-range-{}", std::process::id());
        create(&mut b, &rt, &table, false);
        fill(&mut b, &rt, &table, item);
        create(&mut b, &rt, &ranged_table, true);
        fill(&mut b, &rt, &ranged_table, ranged);
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Elements(1));
        let mut i = 0usize;
        g.bench_function("PutItem", |bn| {
            bn.iter(|| {
                i = (i + 1) % ITEMS;
                let req = json!({"TableName": &table, "Item": item(i)}).to_string();
                b.call(&rt, "PutItem", req.as_bytes());
            })
        });
        let mut j = 0usize;
        g.bench_function("GetItem", |bn| {
            bn.iter(|| {
                j = (j + 7) % ITEMS;
                let req =
                    json!({"TableName": &table, "Key": {"pk": {"S": format!("item-{j:05}")}}})
                        .to_string();
                b.call(&rt, "GetItem", req.as_bytes());
            })
        });
        g.sample_size(10);
        g.throughput(Throughput::Elements(ITEMS as u64));
        let scans = [
            ("Scan 10000 items (Limit 100 pages)", Some(100)),
            ("Scan 10000 items (1 MB pages)", None),
        ];
        for (label, limit) in scans {
            g.bench_function(label, |bn| {
                bn.iter(|| {
                    let mut req = json!({"TableName": &table});
                    if let Some(l) = limit {
                        req["Limit"] = json!(l);
                    }
                    assert_eq!(read_all(&mut b, &rt, "Scan", req), ITEMS as u64);
                })
            });
        }
        let queries = [
            ("Query 10000 items (Limit 100 pages)", Some(100)),
            ("Query 10000 items (1 MB pages)", None),
        ];
        for (label, limit) in queries {
            g.bench_function(label, |bn| {
                bn.iter(|| {
                    let mut req = json!({"TableName": &ranged_table,
                        "KeyConditionExpression": "pk = :p",
                        "ExpressionAttributeValues": {":p": {"S": "partition"}}});
                    if let Some(l) = limit {
                        req["Limit"] = json!(l);
                    }
                    assert_eq!(read_all(&mut b, &rt, "Query", req), ITEMS as u64);
                })
            });
        }
        g.finish();
        for t in [&table, &ranged_table] {
            let _ = b.call_json(&rt, "DeleteTable", &json!({"TableName": t}));
        }
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
