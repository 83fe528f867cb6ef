//! `gateway serve --watch`: the albums document is edited while two keep-alive clients send
//! requests. No request fails; the edited template answers soon after the save; a broken edit
//! leaves the last good version serving; the store keeps its items throughout.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

const OLD: &str = "Album not found";
const NEW: &str = "No such album, edited live";

async fn get(client: &HttpClient, url: &str) -> Result<(u16, String), String> {
    let req = http::Request::get(url)
        .body(Full::new(Bytes::new()))
        .map_err(|e| e.to_string())?;
    let resp = client.request(req).await.map_err(|e| e.to_string())?;
    let status = resp.status().as_u16();
    let body = resp
        .into_body()
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// Poll until the missing album's answer says `text` (at most 5 s).
async fn until_answer_says(client: &HttpClient, base: &str, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Ok((404, body)) = get(client, &format!("{base}/No/Such")).await
            && body.contains(text)
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no answer with {text:?} within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_are_served_without_failing_a_request_and_a_broken_edit_keeps_the_last_good() {
    let original = std::fs::read_to_string(common::spec_path()).expect("openapi.yaml");
    assert!(original.contains(OLD));
    let path = format!(
        "{}/watched-{}.yaml",
        env!("CARGO_TARGET_TMPDIR"),
        std::process::id()
    );
    std::fs::write(&path, &original).expect("write the document");
    let server = common::Server::start_spec(&path, &["--watch", "--access-log", "/dev/null"]);
    let base = format!("http://{}", server.addr);
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let r = common::request(
        &server.addr,
        "POST",
        "/album",
        &[("Content-Type", "application/json")],
        br#"{"artist": "Rush", "album": "2112"}"#,
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());

    // Two clients on keep-alive connections, reading a stored and a missing album.
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicU64::new(0));
    let mut load = Vec::new();
    for _ in 0..2 {
        let (client, base, stop, served) =
            (client.clone(), base.clone(), stop.clone(), served.clone());
        load.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                for (target, want) in [("/Rush/2112", 200), ("/No/Such", 404)] {
                    match get(&client, &format!("{base}{target}")).await {
                        Ok((status, _)) if status == want => {}
                        other => failures.push(format!("{target}: {other:?}")),
                    }
                    served.fetch_add(1, Ordering::Relaxed);
                }
            }
            failures
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // An edit of the GetItem response template.
    std::fs::write(&path, original.replace(OLD, NEW)).expect("edit");
    until_answer_says(&client, &base, NEW).await;

    // A broken edit: a template that does not parse (an #end too many).
    let broken = original.replace(OLD, NEW).replace(
        "#set($item = $input.path('$.Item'))",
        "#set($item = $input.path('$.Item'))#end",
    );
    assert_ne!(broken, original.replace(OLD, NEW));
    std::fs::write(&path, broken).expect("break");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let (status, body) = get(&client, &format!("{base}/No/Such"))
        .await
        .expect("answer");
    assert_eq!((status, body.contains(NEW)), (404, true), "{body}");

    // Fixed again: the original answers.
    std::fs::write(&path, &original).expect("restore");
    until_answer_says(&client, &base, OLD).await;

    stop.store(true, Ordering::Relaxed);
    for l in load {
        let failures = l.await.expect("load task");
        assert!(
            failures.is_empty(),
            "{} failed: {:?}",
            failures.len(),
            &failures[..failures.len().min(5)]
        );
    }
    assert!(
        served.load(Ordering::Relaxed) > 20,
        "too few requests to mean anything"
    );
    // The store kept its items across the reloads.
    let (status, body) = get(&client, &format!("{base}/Rush/2112"))
        .await
        .expect("answer");
    assert_eq!(status, 200, "{body}");
    assert!(server.stop().success());
}
