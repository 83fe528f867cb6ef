//! One conformance suite, two backends: every case under `tests/data/conformance/` runs against the
//! embedded store (always) and against dynalite (`DYNALITE_ENDPOINT`, ignored by default), and a
//! third test runs each case on both and asserts the same status and JSON.

mod common;

use common::*;
use serde_json::Value;

fn report(failures: &[String], total: usize) {
    if !failures.is_empty() {
        panic!(
            "{} of {total} cases failed:\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    }
}

async fn against_expected(backend: &str) {
    let d = if backend == "embedded" {
        embedded()
    } else {
        dynalite()
    };
    let cases = load_cases();
    assert!(cases.len() >= 80, "only {} cases", cases.len());
    let mut failures = Vec::new();
    // `DYNAMO_CONFORMANCE_DUMP=path` writes every answer (name -> [status, body]) to help review
    // new cases; expectations are only ever taken from answers both backends agree on.
    let mut dump = serde_json::Map::new();
    for case in &cases {
        let (status, body) = run_case(d.as_ref(), case, backend).await;
        dump.insert(case.name.clone(), serde_json::json!([status, body]));
        let expected = normalize(&case.action, &case.response);
        if status != case.status || !json_eq(&body, &expected) {
            failures.push(format!(
                "[{}] {}: expected {} {}\n   got {} {}",
                case.file, case.name, case.status, expected, status, body
            ));
        }
    }
    if let Ok(path) = std::env::var("DYNAMO_CONFORMANCE_DUMP") {
        let _ = std::fs::write(path, Value::Object(dump).to_string());
    }
    report(&failures, cases.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_embedded() {
    against_expected("embedded").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs dynalite: run scripts/test-all"]
async fn conformance_dynalite() {
    tokio::time::timeout(
        std::time::Duration::from_secs(55),
        against_expected("dynalite"),
    )
    .await
    .expect("conformance against dynalite took longer than 55 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs dynalite: run scripts/test-all"]
async fn conformance_embedded_equals_dynalite() {
    let run = async {
        let remote = dynalite();
        let local = embedded();
        let cases = load_cases();
        let mut failures = Vec::new();
        for case in &cases {
            let (s1, b1) = run_case(local.as_ref(), case, "eq-embedded").await;
            let (s2, b2) = run_case(remote.as_ref(), case, "eq-dynalite").await;
            if s1 != s2 || !json_eq(&b1, &b2) {
                failures.push(format!(
                    "[{}] {}:\n  embedded {s1} {b1}\n  dynalite {s2} {b2}",
                    case.file, case.name
                ));
            }
        }
        report(&failures, cases.len());
    };
    tokio::time::timeout(std::time::Duration::from_secs(55), run)
        .await
        .expect("embedded-vs-dynalite comparison took longer than 55 s");
}

/// The HTTP headers DynamoDB sends on every answer.
#[tokio::test]
async fn response_headers() {
    let d = embedded();
    let r = d.call("ListTables", b"{}").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type"), Some("application/x-amz-json-1.0"));
    assert_eq!(r.header("x-amzn-RequestId").map(str::len), Some(52));
    let crc = dynamo::util::crc32(&r.body).to_string();
    assert_eq!(r.header("x-amz-crc32"), Some(crc.as_str()));
    let _: Value = r.json_body();
}
