//! `gateway serve --data-dir`: killed with SIGKILL in the middle of a concurrent write load,
//! restarted on the same directory, the store holds every acknowledged write, whole, and
//! nothing torn. On the albums (PutItem) and the orders example (PutItem then UpdateItem with
//! ADD, whose replay must apply each increment exactly once). And the access log, which is
//! buffered: every answered request's line is in the file once the server stops.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn data_dir(name: &str) -> String {
    let d = format!(
        "{}/data-{name}-{}",
        env!("CARGO_TARGET_TMPDIR"),
        std::process::id()
    );
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Request over a fresh connection; `None` when the server went away mid-request.
async fn try_request(addr: &str, method: &str, target: &str, body: &str) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.ok()?;
    let req = format!(
        "{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.ok()?;
    let text = String::from_utf8_lossy(&out);
    text.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_acknowledged_album_survives_sigkill() {
    let dir = data_dir("albums");
    let server = common::Server::start(&["--data-dir", &dir, "--access-log", "/dev/null"]);
    let addr = server.addr.clone();
    let acked: Arc<Mutex<Vec<Value>>> = Arc::default();
    let mut workers = Vec::new();
    for w in 0..8 {
        let (addr, acked) = (addr.clone(), acked.clone());
        workers.push(tokio::spawn(async move {
            for n in 0..10_000 {
                let album = json!({"artist": format!("w{w}"), "album": format!("n{n}"),
                    "tracks": [{"title": format!("t{n} \"quoted\" ✓"), "length": "1:00"}]});
                match try_request(&addr, "POST", "/album", &album.to_string()).await {
                    Some(204) => acked.lock().unwrap().push(album),
                    Some(other) => panic!("POST answered {other}"),
                    None => return,
                }
            }
        }));
    }
    // Let the load run, then kill the server without warning.
    let started = Instant::now();
    while acked.lock().unwrap().len() < 200 && started.elapsed() < Duration::from_secs(20) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill();
    for w in workers {
        w.await.expect("worker");
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 200,
        "only {} writes before the kill",
        acked.len()
    );

    let server = common::Server::start(&["--data-dir", &dir, "--access-log", "/dev/null"]);
    for album in &acked {
        let target = format!(
            "/{}/{}",
            common::enc(album["artist"].as_str().unwrap()),
            common::enc(album["album"].as_str().unwrap())
        );
        let r = common::request(&server.addr, "GET", &target, &[], b"").await;
        assert_eq!(r.status, 200, "{target} lost: {}", r.text());
        assert_eq!(r.json(), *album, "{target} changed");
    }
    // Every stored item is whole: the paged list parses and holds at least what was acknowledged
    // (a write the kill interrupted after it was applied may be there too, never half of one).
    let mut listed = 0;
    let mut target = "/?limit=100".to_string();
    loop {
        let r = common::request(&server.addr, "GET", &target, &[], b"").await;
        assert_eq!(r.status, 200, "{}", r.text());
        let page = r.json();
        for a in page.as_array().expect("a page") {
            assert!(
                a["artist"].is_string() && a["album"].is_string() && a["tracks"].is_array(),
                "{a}"
            );
            listed += 1;
        }
        match r.header("X-Next-Cursor") {
            Some(c) => target = format!("/?limit=100&cursor={}", common::enc(c)),
            None => break,
        }
    }
    assert!(
        listed >= acked.len(),
        "{listed} listed, {} acknowledged",
        acked.len()
    );
    assert!(server.stop().success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn increments_are_replayed_exactly_once() {
    let dir = data_dir("orders");
    let spec = format!(
        "{}/../examples/orders/openapi.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let start =
        || common::Server::start_spec(&spec, &["--data-dir", &dir, "--access-log", "/dev/null"]);
    let server = start();
    let addr = server.addr.clone();
    let order = json!({"status": "pending", "total": 10, "quantity": 1, "gift": false});
    for w in 0..4 {
        let r = try_request(
            &addr,
            "PUT",
            &format!("/customers/c{w}/orders/o1"),
            &order.to_string(),
        )
        .await;
        assert_eq!(r, Some(201), "create");
    }
    // Each worker adds 1 to its order's quantity until the kill; acknowledged adds are counted.
    let adds: Arc<Mutex<BTreeMap<usize, u64>>> = Arc::default();
    let mut workers = Vec::new();
    for w in 0..4 {
        let (addr, adds) = (addr.clone(), adds.clone());
        workers.push(tokio::spawn(async move {
            loop {
                let body = json!({"addQuantity": 1}).to_string();
                match try_request(&addr, "PATCH", &format!("/customers/c{w}/orders/o1"), &body)
                    .await
                {
                    Some(200) => *adds.lock().unwrap().entry(w).or_default() += 1,
                    Some(other) => panic!("PATCH answered {other}"),
                    None => return,
                }
            }
        }));
    }
    let started = Instant::now();
    while adds.lock().unwrap().values().sum::<u64>() < 100
        && started.elapsed() < Duration::from_secs(20)
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill();
    for w in workers {
        w.await.expect("worker");
    }
    let adds = adds.lock().unwrap().clone();
    let server = start();
    for w in 0..4 {
        let r = common::request(
            &server.addr,
            "GET",
            &format!("/customers/c{w}/orders/o1"),
            &[],
            b"",
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let quantity = r.json()["quantity"].as_u64().expect("quantity");
        let acked = 1 + adds.get(&w).copied().unwrap_or(0);
        // Every acknowledged add is there; at most the one the kill interrupted is extra.
        assert!(
            quantity == acked || quantity == acked + 1,
            "order c{w}: quantity {quantity}, {acked} acknowledged"
        );
    }
    assert!(server.stop().success());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--access-log FILE` is written in batches (gateway/src/main.rs, `LogWriter`): a line reaches
/// the file within a moment while the server runs, and on SIGTERM every answered request's line
/// is written out before the process exits, none lost and none torn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answered_request_is_in_the_access_log_after_sigterm() {
    let log = common::scratch_file("access", "log");
    let server = common::Server::start(&["--access-log", &log]);
    let addr = server.addr.clone();
    let lines = |f: &str| std::fs::read_to_string(f).unwrap_or_default();

    assert_eq!(try_request(&addr, "GET", "/", "").await, Some(200));
    let started = Instant::now();
    while lines(&log).lines().count() < 1 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the access-log line of a request is not in {log} after 5 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // A burst, then SIGTERM at once: its lines are still in the buffer when the signal comes.
    let burst = 300;
    for n in 0..burst {
        let album = json!({"artist": "log", "album": format!("n{n}"), "tracks": []});
        assert_eq!(
            try_request(&addr, "POST", "/album", &album.to_string()).await,
            Some(204)
        );
    }
    let status = server.stop();
    assert!(status.success(), "gateway serve ended with {status}");

    let text = lines(&log);
    let entries: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("torn line {l:?}: {e}")))
        .collect();
    assert_eq!(entries.len(), 1 + burst, "lines in {log}");
    assert_eq!(entries[0]["httpMethod"], "GET");
    assert!(
        entries[1..]
            .iter()
            .all(|e| e["httpMethod"] == "POST" && e["status"] == "204"),
        "the burst's lines: {text}"
    );
    let _ = std::fs::remove_file(&log);
}
