//! Any bytes as requests to the in-process gateway (`Gateway::handle`) of one of the repository's
//! documents over the embedded store: no request may make it panic, hang or exhaust memory, every
//! answer has a valid HTTP status, and a gateway response (one the gateway produced itself, marked
//! by `x-amzn-ErrorType`) with a JSON content type and a body is JSON.
//!
//! Input, HTTP-like so that seeds are readable and mutations stay meaningful:
//!
//! ```text
//! D                       one byte, modulo 4: openapi.yaml, examples/ events, inventory, orders
//!                         (`0` to `3` in the seeds)
//! METHOD SP TARGET LF     the request line (TARGET: path and query, as sent)
//! Name: value LF ...      headers
//! LF                      then the body, up to the next separator
//! ```
//!
//! A line `====` separates up to four requests run in order against the same store (a PUT then
//! a GET reaches the read paths with data); the store is emptied after every input, so an input
//! always means the same thing.
#![no_main]

use std::sync::{Arc, OnceLock};

use gateway::{Gateway, Request};
use indexmap::IndexMap;
use libfuzzer_sys::fuzz_target;

/// The documents, compiled in: the target does not depend on the directory it runs in.
const DOCUMENTS: [(&str, &str); 4] = [
    ("openapi.yaml", include_str!("../../openapi.yaml")),
    (
        "examples/events/openapi.yaml",
        include_str!("../../examples/events/openapi.yaml"),
    ),
    (
        "examples/inventory/openapi.yaml",
        include_str!("../../examples/inventory/openapi.yaml"),
    ),
    (
        "examples/orders/openapi.yaml",
        include_str!("../../examples/orders/openapi.yaml"),
    ),
];

const SEPARATOR: &[u8] = b"\n====\n";
const MAX_REQUESTS: usize = 4;

struct Stage {
    gateway: Gateway,
    store: Arc<dynamo::Embedded>,
    /// `(TableName, CreateTable request)` of every table of the document.
    tables: Vec<(String, String)>,
}

struct World {
    runtime: tokio::runtime::Runtime,
    stages: Vec<Stage>,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        // Current-thread: one fuzz input at a time, and no worker threads to leak state between
        // inputs. Time enabled: the gateway bounds the integration call with a timeout.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("tokio runtime");
        let stages = DOCUMENTS
            .iter()
            .map(|(file, text)| {
                let api = apidef::Api::from_str_with(text, file, &IndexMap::new())
                    .unwrap_or_else(|e| panic!("{file} does not load: {e}"));
                let tables = api
                    .tables
                    .values()
                    .map(|t| (t.table_name.clone(), t.create_table_request().to_string()))
                    .collect();
                let store = Arc::new(dynamo::Embedded::new());
                let gateway = Gateway::builder(api, store.clone())
                    // Rendered (the access-log format is a template too) and dropped: printing a
                    // line per input would make stdout the bottleneck.
                    .access_log(Arc::new(|_line: &str| {}))
                    .build()
                    .unwrap_or_else(|e| panic!("{file}: gateway does not build: {e}"));
                runtime
                    .block_on(gateway.create_tables())
                    .unwrap_or_else(|e| panic!("{file}: tables: {e}"));
                Stage {
                    gateway,
                    store,
                    tables,
                }
            })
            .collect();
        World { runtime, stages }
    })
}

/// One request from its text form; `None` when there is no request line.
fn request(part: &[u8]) -> Option<Request> {
    let (head, body) = match find(part, b"\n\n") {
        Some(i) => (&part[..i], &part[i + 2..]),
        None => (part, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split('\n');
    let line = lines.next()?;
    let (method, target) = line.split_once(' ').unwrap_or((line, "/"));
    let mut req = Request::new(method, target).body(bytes::Bytes::copy_from_slice(body));
    for h in lines {
        let (name, value) = h.split_once(':').unwrap_or((h, ""));
        req = req.header(name, value.strip_prefix(' ').unwrap_or(value));
    }
    Some(req)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split(mut data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    while parts.len() + 1 < MAX_REQUESTS {
        match find(data, SEPARATOR) {
            Some(i) => {
                parts.push(&data[..i]);
                data = &data[i + SEPARATOR.len()..];
            }
            None => break,
        }
    }
    parts.push(data);
    parts
}

fn check(file: &str, req_line: &str, resp: &gateway::Response) {
    assert!(
        (100..=599).contains(&resp.status),
        "{file}: {req_line}: status {} is not an HTTP status",
        resp.status
    );
    // Every gateway response of these documents is `{"message":$context.error.messageString,
    // "type":"$context.error.responseType"}` (or the built-in `{"message":...}`), and
    // messageString is a JSON string literal: the body must parse. Integration responses are
    // the document's templates and may legitimately render anything, so they are not checked.
    let own = resp.header("x-amzn-ErrorType").is_some();
    let json = resp
        .header("content-type")
        .is_some_and(|ct| ct.starts_with("application/json"));
    if own && json && !resp.body.is_empty() {
        assert!(
            serde_json::from_slice::<serde_json::Value>(&resp.body).is_ok(),
            "{file}: {req_line}: gateway response {} is not JSON: {:?}",
            resp.status,
            String::from_utf8_lossy(&resp.body)
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&doc, rest)) = data.split_first() else {
        return;
    };
    let w = world();
    let stage = &w.stages[usize::from(doc) % w.stages.len()];
    let file = DOCUMENTS[usize::from(doc) % DOCUMENTS.len()].0;
    w.runtime.block_on(async {
        for part in split(rest) {
            let Some(req) = request(part) else { continue };
            let req_line = format!("{} {}", req.method, req.target);
            let resp = stage.gateway.handle(req).await;
            check(file, &req_line, &resp);
        }
        // Empty the store: the next input starts from the same state as this one did.
        for (name, create) in &stage.tables {
            let delete = serde_json::json!({ "TableName": name }).to_string();
            let d = stage.store.handle("DeleteTable", delete.as_bytes());
            assert_eq!(d.status, 200, "DeleteTable {name}: {:?}", d.body);
            let c = stage.store.handle("CreateTable", create.as_bytes());
            assert_eq!(c.status, 200, "CreateTable {name}: {:?}", c.body);
        }
    });
});
