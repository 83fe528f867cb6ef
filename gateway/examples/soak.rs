//! Bounded soak against a running `gateway serve` on 127.0.0.1: `CONNECTIONS` concurrent
//! keep-alive clients POST albums with unique keys for `SECONDS`, then every acknowledged (204)
//! write is read back with GET and compared. Exits non-zero on any error or missing write.
//!
//! `cargo run --release -p gateway --example soak -- 127.0.0.1:4010 60 64`

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

async fn send(
    client: &HttpClient,
    method: &str,
    url: &str,
    body: Option<String>,
) -> Result<(u16, Bytes), String> {
    let mut b = http::Request::builder().method(method).uri(url);
    if body.is_some() {
        b = b.header("Content-Type", "application/json");
    }
    let req = b
        .body(Full::new(Bytes::from(body.unwrap_or_default())))
        .map_err(|e| e.to_string())?;
    let resp = client.request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, body))
}

fn album(worker: usize, n: u64) -> serde_json::Value {
    serde_json::json!({
        "artist": format!("soak artist {worker} \"✓\""),
        "album": format!("album {n} \\ {worker}"),
        "tracks": [{"title": format!("track {n}"), "length": "1:00"}]
    })
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let addr = args.next().unwrap_or_else(|| "127.0.0.1:4010".into());
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(60);
    let connections: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(64);
    assert!(
        addr.starts_with("127.0.0.1:"),
        "the soak only targets loopback"
    );
    let base = format!("http://{addr}");
    let client: HttpClient = Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(connections)
        .build_http();
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for w in 0..connections {
        let client = client.clone();
        let base = base.clone();
        let errors = errors.clone();
        tasks.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            let mut n = 0u64;
            while Instant::now() < deadline {
                let a = album(w, n);
                match send(
                    &client,
                    "POST",
                    &format!("{base}/album"),
                    Some(a.to_string()),
                )
                .await
                {
                    Ok((204, _)) => acked.push(n),
                    Ok((s, b)) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        eprintln!("POST status {s}: {}", String::from_utf8_lossy(&b));
                    }
                    Err(e) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        eprintln!("POST failed: {e}");
                    }
                }
                n += 1;
            }
            acked
        }));
    }
    let mut acked = Vec::new();
    for (w, t) in tasks.into_iter().enumerate() {
        match t.await {
            Ok(ns) => acked.extend(ns.into_iter().map(|n| (w, n))),
            Err(e) => {
                errors.fetch_add(1, Ordering::Relaxed);
                eprintln!("worker {w} panicked: {e}");
            }
        }
    }
    let writes = acked.len();
    let write_errors = errors.load(Ordering::Relaxed);
    println!(
        "soak: {seconds} s at {connections} connections: {writes} acknowledged writes ({:.0}/s), {write_errors} errors",
        writes as f64 / seconds as f64
    );
    // Read every acknowledged write back, 64 at a time.
    let missing = Arc::new(AtomicU64::new(0));
    let chunks: Vec<Vec<(usize, u64)>> = acked
        .chunks(acked.len().div_ceil(connections).max(1))
        .map(<[_]>::to_vec)
        .collect();
    let mut tasks = Vec::new();
    for chunk in chunks {
        let client = client.clone();
        let base = base.clone();
        let missing = missing.clone();
        tasks.push(tokio::spawn(async move {
            for (w, n) in chunk {
                let a = album(w, n);
                let url = format!(
                    "{base}/{}/{}",
                    enc(a["artist"].as_str().unwrap_or_default()),
                    enc(a["album"].as_str().unwrap_or_default())
                );
                let ok = match send(&client, "GET", &url, None).await {
                    Ok((200, b)) => serde_json::from_slice::<serde_json::Value>(&b).ok() == Some(a),
                    _ => false,
                };
                if !ok {
                    missing.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let missing = missing.load(Ordering::Relaxed);
    println!("soak: read back {writes} acknowledged writes: {missing} missing or different");
    if write_errors > 0 || missing > 0 {
        std::process::exit(1);
    }
}
