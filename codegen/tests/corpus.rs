//! The corpus of real public definitions (`corpus/*/`, each with its source, commit and licence
//! in SOURCE.md): each one loads or imports, its lint findings equal the reviewed
//! `expected-findings.tsv` (every line a true defect, with why), `codegen generate` writes every
//! artifact for it into a scratch directory, and the local gateway serves it over HTTP on
//! 127.0.0.1 (`gateway::server::serve`, what `gateway serve` runs) for a short scenario (one
//! request per operation) with no 5xx that `corpus.json` does not expect.
//!
//! `corpus.json`: `{"entry": FILE, "how": "load" | "import", "params": {NAME: VALUE},
//! "expected_5xx": {"METHOD /path": "why"}}`. `CORPUS_BLESS=1` rewrites the findings files with
//! the current findings (the `why` column kept for findings already there, `REVIEW` for new
//! ones), for a reviewer to read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::{Value, json};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

struct Entry {
    name: String,
    dir: PathBuf,
    config: Value,
}

fn entries() -> Vec<Entry> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(corpus_dir()).expect("corpus/") {
        let dir = e.expect("entry").path();
        let config = dir.join("corpus.json");
        if !config.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&config).expect("corpus.json");
        out.push(Entry {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            config: serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", config.display())),
            dir,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The document as the toolkit reads it: the entry itself, or what `codegen import` makes of it.
fn document(entry: &Entry) -> (String, String) {
    let file = entry.config["entry"].as_str().expect("entry");
    let path = entry.dir.join(file);
    match entry.config["how"].as_str() {
        Some("load") => (
            format!("corpus/{}/{file}", entry.name),
            std::fs::read_to_string(&path).expect("entry file"),
        ),
        Some("import") => {
            let imported = import::import_file(&path, &import::ImportOptions::default())
                .unwrap_or_else(|e| panic!("{}: import: {e}", entry.name));
            (
                format!("corpus/{}/imported.yaml", entry.name),
                imported.yaml,
            )
        }
        other => panic!("{}: how {other:?}", entry.name),
    }
}

fn params(entry: &Entry) -> IndexMap<String, String> {
    entry.config["params"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// `rule \t operation \t template \t line:column` of a finding (the `why` column is the reviewer's).
fn key(f: &lint::Finding) -> String {
    format!(
        "{}\t{}\t{}\t{}",
        f.rule,
        f.operation.as_deref().unwrap_or("-"),
        f.template.as_deref().unwrap_or("-"),
        match (f.line, f.column) {
            (Some(l), Some(c)) => format!("{l}:{c}"),
            (Some(l), None) => l.to_string(),
            // No line: the first `name` the message quotes tells two findings of one rule in
            // one template apart (`ExclusiveStartKey` / `LastEvaluatedKey`, two attributes).
            _ => f
                .message
                .split('`')
                .nth(1)
                .map(|s| format!("`{s}`"))
                .unwrap_or_else(|| "-".into()),
        }
    )
}

fn expected(entry: &Entry) -> BTreeMap<String, String> {
    let path = entry.dir.join("expected-findings.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.splitn(5, '\t').collect();
            assert_eq!(cols.len(), 5, "{}: bad line {l:?}", path.display());
            (cols[..4].join("\t"), cols[4].to_string())
        })
        .collect()
}

#[test]
fn the_corpus_has_at_least_twelve_real_definitions_with_their_sources() {
    let entries = entries();
    assert!(entries.len() >= 12, "{} entries", entries.len());
    for e in &entries {
        let source = std::fs::read_to_string(e.dir.join("SOURCE.md"))
            .unwrap_or_else(|_| panic!("{}: SOURCE.md", e.name));
        if e.name == "seed-cdk-synth" {
            continue; // written here from the seed's TypeScript, not collected
        }
        for field in ["icence", "ommit"] {
            assert!(
                source.contains(field),
                "{}: SOURCE.md names no {field}",
                e.name
            );
        }
    }
}

#[test]
fn lint_findings_equal_the_reviewed_expected_files() {
    let bless = std::env::var_os("CORPUS_BLESS").is_some();
    let mut failures = Vec::new();
    for entry in entries() {
        let (file, text) = document(&entry);
        let config = lint::Config {
            params: params(&entry),
            ..Default::default()
        };
        let report = lint::lint_with(&file, &text, &config);
        let got: Vec<String> = report.findings.iter().map(key).collect();
        let want = expected(&entry);
        if bless {
            let mut out = String::from(
                "# rule\toperation\ttemplate\tline:column\twhy it is a true defect (reviewed by reading the template)\n",
            );
            for (f, k) in report.findings.iter().zip(&got) {
                // A key written before line-less findings were told apart keeps its review.
                let old_key = {
                    let mut cols: Vec<&str> = k.split('\t').collect();
                    if f.line.is_none() && cols.len() == 4 {
                        cols[3] = "-";
                    }
                    cols.join("\t")
                };
                let why = want
                    .get(k)
                    .or_else(|| want.get(&old_key))
                    .cloned()
                    .unwrap_or_else(|| format!("REVIEW {}", f.message));
                out.push_str(&format!("{k}\t{why}\n"));
            }
            std::fs::write(entry.dir.join("expected-findings.tsv"), out).expect("write");
            continue;
        }
        let mut got_sorted = got.clone();
        got_sorted.sort();
        got_sorted.dedup();
        let want_keys: Vec<String> = want.keys().cloned().collect();
        if got_sorted != want_keys {
            failures.push(format!(
                "{}: findings differ from expected-findings.tsv\n  unexpected: {:?}\n  missing: {:?}\n{}",
                entry.name,
                got_sorted.iter().filter(|k| !want.contains_key(*k)).collect::<Vec<_>>(),
                want_keys.iter().filter(|k| !got_sorted.contains(k)).collect::<Vec<_>>(),
                report.human()
            ));
        }
        for (k, why) in &want {
            if why.trim().is_empty() || why.starts_with("REVIEW") || why.contains("false positive")
            {
                failures.push(format!(
                    "{}: {k}: not reviewed as a true defect: {why}",
                    entry.name
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// A value that satisfies `schema` as far as a request needs: required properties, the first
/// enum value, minimums, non-empty strings.
fn example(schema: &Value, defs: &Value, depth: usize) -> Value {
    if depth > 8 {
        return Value::Null;
    }
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap_or_default();
        return example(&defs[name], defs, depth + 1);
    }
    if let Some(e) = schema.get("example") {
        return e.clone();
    }
    if let Some(v) = schema.get("enum").and_then(|e| e.get(0)) {
        return v.clone();
    }
    for k in ["allOf", "anyOf", "oneOf"] {
        if let Some(first) = schema.get(k).and_then(|a| a.get(0)) {
            return example(first, defs, depth + 1);
        }
    }
    let ty = schema
        .get("type")
        .and_then(|t| t.as_str().or_else(|| t.get(0)?.as_str()));
    match ty {
        Some("integer") => json!(
            schema
                .get("minimum")
                .and_then(Value::as_i64)
                .unwrap_or(1)
                .max(1)
        ),
        Some("number") => json!(
            schema
                .get("minimum")
                .and_then(Value::as_f64)
                .unwrap_or(1.0)
                .max(1.0)
        ),
        Some("boolean") => json!(true),
        Some("array") => {
            let n = schema
                .get("minItems")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .max(1);
            let item = example(schema.get("items").unwrap_or(&json!({})), defs, depth + 1);
            Value::Array((0..n).map(|_| item.clone()).collect())
        }
        Some("string") | None if schema.get("properties").is_none() => {
            let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(1) as usize;
            match schema.get("format").and_then(Value::as_str) {
                Some("email") => json!("corpus@example.com"),
                Some("uri") | Some("url") => json!("https://example.com/corpus"),
                Some("date-time") => json!("2026-01-01T00:00:00Z"),
                Some("uuid") => json!("00000000-0000-4000-8000-000000000001"),
                _ => json!("c".repeat(min.max(6))),
            }
        }
        _ => {
            let mut o = serde_json::Map::new();
            let props = schema.get("properties").and_then(Value::as_object);
            if let Some(props) = props {
                for (k, s) in props {
                    o.insert(k.clone(), example(s, defs, depth + 1));
                }
            }
            Value::Object(o)
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_document_generates_and_serves_without_unexpected_5xx() {
    let scratch = std::env::temp_dir().join(format!("corpus-generate-{}", std::process::id()));
    let mut failures = Vec::new();
    let mut served = 0;
    for entry in entries() {
        let (file, text) = document(&entry);
        let params = params(&entry);
        let api = match apidef::Api::from_str_with(&text, &file, &params) {
            Ok(api) => api,
            Err(e) => {
                failures.push(format!("{}: does not load:\n{e}", entry.name));
                continue;
            }
        };
        // codegen generate --root SCRATCH: every artifact written.
        let root = scratch.join(&entry.name);
        let options = codegen::Options {
            params: params.clone(),
        };
        let api_for_gen = api.clone();
        let artifacts =
            tokio::task::spawn_blocking(move || codegen::generate(&api_for_gen, &options))
                .await
                .expect("generate thread");
        match artifacts {
            Ok(artifacts) => {
                let written = codegen::write(&root, &artifacts).expect("write artifacts");
                assert_eq!(written.len(), artifacts.len(), "{}", entry.name);
                assert!(root.join("generated/apigateway.json").is_file());
                assert!(root.join("generated/cloudformation.yaml").is_file());
                assert!(root.join("generated/src/models.rs").is_file());
            }
            Err(e) => {
                failures.push(format!("{}: generate: {e}", entry.name));
                continue;
            }
        }
        // The short scenario: one request per operation, valid by the document's schemas.
        let store: Arc<dyn dynamo::Dynamo> = Arc::new(dynamo::Embedded::new());
        let gateway = gateway::Gateway::builder(api.clone(), store)
            .access_log(Arc::new(|_line: &str| {}))
            .build()
            .unwrap_or_else(|e| panic!("{}: gateway: {e}", entry.name));
        gateway
            .create_tables()
            .await
            .unwrap_or_else(|e| panic!("{}: tables: {e}", entry.name));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(gateway::server::serve(listener, gateway, async {
            let _ = stopped.await;
        }));
        let expected_5xx = entry.config["expected_5xx"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        let defs = api
            .resolved
            .pointer("/components/schemas")
            .cloned()
            .unwrap_or(json!({}));
        for op in &api.operations {
            let mut target = String::new();
            for seg in op.path.split('/').filter(|s| !s.is_empty()) {
                target.push('/');
                if seg.starts_with('{') {
                    target.push_str("corpus1");
                } else {
                    target.push_str(seg);
                }
            }
            if target.is_empty() {
                target.push('/');
            }
            let query: Vec<String> = op
                .parameters
                .iter()
                .filter(|p| p.required && p.location == apidef::ParamLocation::Query)
                .map(|p| format!("{}=1", p.name))
                .collect();
            if !query.is_empty() {
                target = format!("{target}?{}", query.join("&"));
            }
            let method = if op.method == "ANY" {
                "GET".to_string()
            } else {
                op.method.clone()
            };
            let mut headers: Vec<(String, String)> = op
                .parameters
                .iter()
                .filter(|p| p.required && p.location == apidef::ParamLocation::Header)
                .map(|p| (p.name.clone(), "corpus1".to_string()))
                .collect();
            let mut body = Vec::new();
            if let Some(request_body) = &op.request_body {
                let schema = request_body
                    .content
                    .get("application/json")
                    .cloned()
                    .flatten()
                    .unwrap_or(json!({}));
                let defs = schema.get("definitions").cloned().unwrap_or(defs.clone());
                body = example(&schema, &defs, 0).to_string().into_bytes();
            } else if op.method == "POST" || op.method == "PUT" || op.method == "PATCH" {
                body = b"{}".to_vec();
            }
            if !body.is_empty() {
                headers.push(("Content-Type".into(), "application/json".into()));
            }
            let (status, text) = http(addr, &method, &target, &headers, &body).await;
            served += 1;
            if status >= 500 && !expected_5xx.contains_key(&op.label()) {
                failures.push(format!(
                    "{}: {} {target} answered {status}: {text}",
                    entry.name,
                    op.label(),
                ));
            }
        }
        let _ = stop.send(());
        server.await.expect("server task").expect("server");
    }
    let _ = std::fs::remove_dir_all(&scratch);
    assert!(served > 0);
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// One HTTP/1.1 request on its own connection (`Connection: close`), bounded in time; the
/// status and the body as text.
async fn http(
    addr: std::net::SocketAddr,
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let exchange = async {
        let mut tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        tcp.write_all(head.as_bytes()).await.expect("write");
        tcp.write_all(body).await.expect("write body");
        let mut out = Vec::new();
        tcp.read_to_end(&mut out).await.expect("read");
        let text = String::from_utf8_lossy(&out).into_owned();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    };
    tokio::time::timeout(std::time::Duration::from_secs(30), exchange)
        .await
        .unwrap_or_else(|_| panic!("{method} {target}: no answer within 30 s"))
}
