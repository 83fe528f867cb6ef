//! Every printed reproduction reproduces: failures of mutated documents are printed (the curl
//! lines of `Failure`'s Display), then each command is run with `sh` and curl against
//! `gateway::server::serve` (what `gateway serve` runs) on 127.0.0.1 over a fresh store, and
//! every status must be the one the failure reports. This is the check that a request the
//! harness sent in process and the command it prints are the same request (a NUL byte in a body,
//! an empty header value, curl's own `Content-Type`, `@` at the start of a body all once made
//! them differ).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use contract_tests::{Failure, Property, Suite, Target};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn load(name: &str, text: &str) -> apidef::Api {
    let path =
        std::env::temp_dir().join(format!("contract-repro-{name}-{}.yaml", std::process::id()));
    std::fs::write(&path, text).expect("temp file is writable");
    let api = apidef::Api::load(&path).unwrap_or_else(|e| panic!("{name} does not load: {e}"));
    let _ = std::fs::remove_file(&path);
    api
}

/// (command, status the failure reports for it), in order, read back from the printed failure.
fn printed_steps(printed: &str) -> Vec<(String, u16)> {
    let lines: Vec<&str> = printed.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(rest) = line.strip_prefix('[') else {
            continue;
        };
        let Some((_, cmd)) = rest.split_once("] ") else {
            continue;
        };
        if !cmd.contains("curl ") {
            continue;
        }
        let status = lines[i + 1..]
            .iter()
            .find_map(|l| {
                l.trim_start()
                    .strip_prefix("-> HTTP ")
                    .or_else(|| l.strip_prefix("HTTP "))
            })
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| panic!("no status printed after {cmd}"));
        out.push((cmd.to_string(), status));
    }
    out
}

/// Run the printed commands against a fresh `gateway serve` of `api`; the statuses curl saw.
fn replay(api: &apidef::Api, steps: &[(String, u16)]) -> Vec<u16> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let store: Arc<dyn dynamo::Dynamo> = Arc::new(dynamo::Embedded::new());
        let gw = gateway::Gateway::builder(api.clone(), store)
            .access_log(Arc::new(|_line: &str| {}))
            .build()
            .expect("gateway");
        gw.create_tables().await.expect("tables");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(gateway::server::serve(listener, gw, async {
            let _ = stopped.await;
        }));
        let mut got = Vec::new();
        for (cmd, _) in steps {
            let cmd = cmd.clone();
            let base = format!("http://{addr}");
            let out = tokio::task::spawn_blocking(move || {
                std::process::Command::new("sh")
                    .arg("-c")
                    .arg(&cmd)
                    .env("CONTRACT_BASE_URL", base)
                    .output()
            })
            .await
            .expect("join")
            .expect("sh runs");
            let text = String::from_utf8_lossy(&out.stdout);
            let status = text
                .lines()
                .filter(|l| l.starts_with("HTTP/"))
                .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u16>().ok())
                .find(|s| *s != 100)
                .unwrap_or_else(|| {
                    panic!(
                        "curl printed no status: {text} {}",
                        String::from_utf8_lossy(&out.stderr)
                    )
                });
            got.push(status);
        }
        let _ = stop.send(());
        let _ = server.await;
        got
    })
}

fn check_reproduces(api: &apidef::Api, f: &Failure) {
    let printed = f.to_string();
    let steps = printed_steps(&printed);
    assert_eq!(
        steps.len(),
        f.exchanges.len(),
        "one command per exchange: {printed}"
    );
    assert!(!steps.is_empty(), "nothing printed to reproduce: {printed}");
    let got = replay(api, &steps);
    let expected: Vec<u16> = steps.iter().map(|s| s.1).collect();
    assert_eq!(
        got, expected,
        "the printed commands do not reproduce:\n{printed}"
    );
}

fn failure(api: apidef::Api, property: Property<'_>) -> (apidef::Api, Failure) {
    let suite = Suite::new(api.clone(), Target::Embedded)
        .expect("suite")
        .with_cases(64);
    let f = suite.check(&property).expect_err("the mutant is caught");
    (api, f)
}

/// The user's case: a MOCK CORS preflight that passes a body through (no template for
/// `text/plain`) answers 500 for a body that is not JSON; the shrunk body is one byte the shell
/// cannot carry as an argument, so the command pipes it through printf.
#[test]
fn a_preflight_500_reproduces_with_curl() {
    let doc = r#"openapi: 3.0.3
info: {title: preflight, version: '1'}
paths:
  /things/{id}:
    options:
      operationId: preflight
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        '200': {description: CORS headers}
      x-amazon-apigateway-integration:
        type: mock
        passthroughBehavior: when_no_match
        requestTemplates:
          application/json: '{"statusCode": 200}'
        responses:
          default: {statusCode: '200'}
"#;
    let (api, f) = failure(
        load("preflight", doc),
        Property::NoServerError {
            operation: "preflight",
        },
    );
    assert_eq!(f.response().map(|r| r.status), Some(500), "{f}");
    check_reproduces(&api, &f);
}

/// A template that writes a body field unescaped: the shrunk body holds a quote or a control
/// character, sent exactly by `--data-raw`.
#[test]
fn an_unescaped_create_reproduces_with_curl() {
    let text = std::fs::read_to_string(root().join("openapi.yaml")).expect("openapi.yaml");
    let from = r#""Artist": {"S": "$util.escapeJavaScript($album.artist).replaceAll("\\'","'")"}"#;
    if !text.contains(from) {
        // openapi.yaml is whatever API the workspace holds (scripts/try-api): no albums here.
        eprintln!("openapi.yaml is not the albums API; skipped");
        return;
    }
    let text = text.replacen(from, r#""Artist": {"S": "$input.path('$.artist')"}"#, 1);
    let (api, f) = failure(
        load("unescaped", &text),
        Property::Positive {
            operation: "putAlbum",
            statuses: &["204", "400", "415", "429", "500", "503"],
        },
    );
    check_reproduces(&api, &f);
}

/// A stateful failure: every step is printed and replayed in order on a fresh store.
#[test]
fn a_stateful_failure_reproduces_step_by_step() {
    let text = std::fs::read_to_string(root().join("openapi.yaml")).expect("openapi.yaml");
    let from =
        r#"{"artist":"$util.escapeJavaScript($item.Artist.S).replaceAll("\\'","'")","album""#;
    if !text.contains(from) {
        eprintln!("openapi.yaml is not the albums API; skipped");
        return;
    }
    // Every read answers a wrong artist.
    let text = text.replacen(from, r#"{"artist":"someone else","album""#, 1);
    let (api, f) = failure(
        load("wrong-artist", &text),
        Property::Links {
            operation: "putAlbum",
            links: &["GetAlbum", "DeleteAlbum"],
        },
    );
    assert!(f.exchanges.len() >= 2, "{f}");
    check_reproduces(&api, &f);
}
