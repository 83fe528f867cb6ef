//! The docs page of the workspace's `openapi.yaml`, opened by headless Chromium (Debian's
//! `chromium`, installed by `scripts/test-all`): no console error, a screenshot written to
//! `target/docs-screenshot.png`, and the page as Chromium parsed it (`--dump-dom`) shows what
//! the document says: the title and version of its `info`, every operation in the operations
//! table and in a section of its own, and every example answered through the gateway (an
//! `HTTP/1.1` status line and the fixed request id). The checks come from the loaded document,
//! so the test passes for any `openapi.yaml` put in the workspace (scripts/try-api swaps in
//! a team's); the albums' own facts are checked only when the document is the albums.
//!
//! The page is generated afresh into a scratch directory from the document (what `codegen
//! generate` writes to `generated/docs/index.html`; `codegen check` keeps the committed one
//! equal to it), so a swapped document is checked without rewriting the workspace.
//!
//! Chromium logs console messages to stderr with `--enable-logging=stderr --v=0` as lines with
//! `CONSOLE` in them; an uncaught exception shows as `Uncaught`. The page has no script, so any
//! such line means something is wrong with it (or a resource it tried to load).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// `chromium` (Debian) or another name for the same browser, first found on `PATH`.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
        .find(|p| p.is_file())
}

/// Chromium on `page` with `args`, in a fresh profile (so no state of an earlier run can hide
/// an error); fails the test on a failed run or any console message.
fn run_chromium(browser: &Path, page: &Path, args: &[String], tag: &str) -> Output {
    let profile = std::env::temp_dir().join(format!("docs-chromium-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--enable-logging=stderr", "--v=0"])
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", browser.display()));
    let _ = std::fs::remove_dir_all(&profile);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "chromium failed ({}):\n{stderr}",
        output.status
    );
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(
        errors.is_empty(),
        "console messages:\n{}",
        errors.join("\n")
    );
    output
}

/// One element of the dumped DOM: where it starts, its inner HTML and its text (tags removed,
/// entities read).
#[derive(Debug, Clone)]
struct Element {
    at: usize,
    html: String,
    text: String,
}

/// Every `<tag ...>...</tag>` of `dom` (not nested in itself, which none of these are).
fn elements(dom: &str, tag: &str) -> Vec<Element> {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = dom.get(from..).and_then(|d| d.find(&open)) {
        let at = from + i;
        let after = dom.get(at + open.len()..).unwrap_or_default();
        // `<h2` but not `<h2x`: the tag name ends at `>` or a space.
        if !after.starts_with(['>', ' ']) {
            from = at + open.len();
            continue;
        }
        let Some(start) = after.find('>').map(|j| at + open.len() + j + 1) else {
            break;
        };
        let Some(end) = dom
            .get(start..)
            .and_then(|d| d.find(&close))
            .map(|j| start + j)
        else {
            break;
        };
        let html = dom.get(start..end).unwrap_or_default();
        out.push(Element {
            at,
            html: html.to_string(),
            text: text(html),
        });
        from = end + close.len();
    }
    out
}

/// HTML to text: tags dropped, the entities Chromium writes read back.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
#[ignore = "needs chromium: run scripts/test-all"]
fn index_html_renders_in_headless_chromium_without_console_errors() {
    let Some(browser) = chromium() else {
        panic!(
            "chromium is not installed: run scripts/test-all (it installs Debian's chromium), or apt-get install chromium"
        );
    };
    // `DOCS_CHROMIUM_SPEC` (with `DOCS_CHROMIUM_PARAMS`, `NAME=VALUE` separated by `;`, as
    // `--param` takes them) checks another document without swapping the workspace's.
    let spec = std::env::var_os("DOCS_CHROMIUM_SPEC")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("openapi.yaml"));
    let mut options = codegen::Options::default();
    for param in std::env::var("DOCS_CHROMIUM_PARAMS")
        .unwrap_or_default()
        .split(';')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = codegen::parse_param(param).unwrap_or_else(|e| panic!("{e}"));
        options.params.insert(k, v);
    }
    let api = codegen::load(&spec, &options)
        .unwrap_or_else(|e| panic!("{} does not load: {e}", spec.display()));
    let artifacts = codegen::generate(&api, &options).unwrap_or_else(|e| panic!("generate: {e}"));
    let scratch = std::env::temp_dir().join(format!("docs-chromium-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    codegen::write(&scratch, &artifacts).expect("write the artifacts");
    let page = scratch.join(emit::docs::HTML_PATH);
    assert!(page.is_file(), "{} is missing", page.display());

    let target = root().join("target");
    std::fs::create_dir_all(&target).expect("target/");
    let screenshot = target.join("docs-screenshot.png");
    let _ = std::fs::remove_file(&screenshot);
    let shot = run_chromium(
        &browser,
        &page,
        &[
            format!("--screenshot={}", screenshot.display()),
            "--window-size=1280,2000".into(),
        ],
        "shot",
    );
    let png = std::fs::read(&screenshot).unwrap_or_else(|e| {
        panic!(
            "no screenshot at {}: {e}\n{}",
            screenshot.display(),
            String::from_utf8_lossy(&shot.stderr)
        )
    });
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the screenshot is not a PNG"
    );
    assert!(png.len() > 10_000, "the screenshot is suspiciously small");

    let dump = run_chromium(&browser, &page, &["--dump-dom".into()], "dom");
    let dom = String::from_utf8_lossy(&dump.stdout).into_owned();
    let _ = std::fs::remove_dir_all(&scratch);
    check_page(&api, &dom);
}

/// What the page must show for `api`, read from the DOM Chromium built.
fn check_page(api: &apidef::Api, dom: &str) {
    let info = |k: &str| {
        api.resolved
            .pointer(&format!("/info/{k}"))
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
            .unwrap_or_default()
    };
    let (title, version) = (info("title"), info("version"));
    let h1 = elements(dom, "h1");
    assert_eq!(
        h1.first().map(|e| words(&e.text)),
        Some(words(&format!("{title} {version}"))),
        "the page's heading is not the document's title and version"
    );

    // The operations table: one row per operation, `| name | METHOD | path | summary |`.
    let tables = elements(dom, "table");
    let table = tables.first().expect("the operations table");
    let rows: Vec<Vec<String>> = elements(dom.get(table.at..).unwrap_or_default(), "tr")
        .into_iter()
        .skip(1)
        .take(api.operations.len())
        .map(|r| {
            elements(&r.html, "td")
                .into_iter()
                .map(|c| words(&c.text))
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), api.operations.len(), "{rows:?}");
    for op in &api.operations {
        assert!(
            rows.iter()
                .any(|r| r.get(1).map(String::as_str) == Some(op.method.as_str())
                    && r.get(2).map(String::as_str) == Some(op.path.as_str())),
            "{} is not in the operations table: {rows:?}",
            op.label()
        );
    }

    // Each operation's section, from its heading to the next operation's (or the schemas).
    let h2 = elements(dom, "h2");
    let heading = |op: &apidef::Operation| format!("{} {} (", op.method, op.path);
    let mut bounds: Vec<usize> = h2
        .iter()
        .filter(|h| {
            h.text == "Schemas"
                || api
                    .operations
                    .iter()
                    .any(|op| h.text.starts_with(&heading(op)))
        })
        .map(|h| h.at)
        .collect();
    bounds.push(dom.len());
    let no_examples = !api.resolved.to_string().contains("\"example");
    let mut sections = Vec::new();
    for op in &api.operations {
        let start = h2
            .iter()
            .find(|h| h.text.starts_with(&heading(op)))
            .unwrap_or_else(|| panic!("no section for {}", op.label()))
            .at;
        let end = bounds
            .iter()
            .copied()
            .find(|b| *b > start)
            .unwrap_or(dom.len());
        let section = dom.get(start..end).unwrap_or_default();
        // Examples: from the Examples heading to the Integration heading.
        let examples = section
            .find(">Examples</h3>")
            .and_then(|a| {
                let rest = section.get(a..)?;
                rest.find(">Integration</h3>").and_then(|b| rest.get(..b))
            })
            .unwrap_or_else(|| panic!("{}: no Examples before Integration", op.label()));
        let blocks: Vec<String> = elements(examples, "pre")
            .into_iter()
            .map(|e| e.text)
            .collect();
        assert!(
            blocks.len() >= 2 && blocks.len().is_multiple_of(2),
            "{}: the examples are not request/response pairs: {blocks:?}",
            op.label()
        );
        for pair in blocks.chunks(2) {
            let (request, response) = (&pair[0], &pair[1]);
            assert!(
                request
                    .split(' ')
                    .nth(2)
                    .is_some_and(|v| v.starts_with("HTTP/1.1")),
                "{}: not a request line: {request}",
                op.label()
            );
            let status = response
                .strip_prefix("HTTP/1.1 ")
                .and_then(|s| s.get(..3))
                .and_then(|s| s.parse::<u16>().ok());
            assert!(
                status.is_some_and(|s| (100..=599).contains(&s)),
                "{}: the response has no status line: {response}",
                op.label()
            );
            assert!(
                response.contains("x-amzn-RequestId: 00000000-0000-4000-8000-"),
                "{}: the response has no fixed request id: {response}",
                op.label()
            );
        }
        // With no example in the document, an operation needing values shows made ones.
        if no_examples && (op.path.contains('{') || op.request_body.is_some()) {
            assert!(
                examples.contains("Generated from the schema"),
                "{}: the document has no examples, yet no example is marked as generated",
                op.label()
            );
        }
        sections.push((op, blocks));
    }
    if title == "Albums API" {
        check_albums(&sections);
    }
}

/// The albums' scenario: the request body's example is stored (204), read back (200, with the
/// stored album), deleted, then not found; a route that does not exist is 403.
fn check_albums(sections: &[(&apidef::Operation, Vec<String>)]) {
    let of = |label: &str| {
        sections
            .iter()
            .find(|(op, _)| op.label() == label)
            .map(|(_, b)| b.clone())
            .unwrap_or_else(|| panic!("the albums have {label}"))
    };
    let put = of("POST /album");
    assert!(put[0].starts_with("POST /album HTTP/1.1"), "{}", put[0]);
    assert!(put[1].starts_with("HTTP/1.1 204"), "{}", put[1]);
    let body: Value = put[0]
        .split_once("\n\n")
        .and_then(|(_, b)| serde_json::from_str(b).ok())
        .expect("the POST shows its JSON body");
    let album = body["album"].as_str().expect("the example has an album");
    let get = of("GET /{artist}/{album}");
    assert!(get[1].starts_with("HTTP/1.1 200"), "{}", get[1]);
    assert!(
        get[1].contains(album),
        "the read does not show {album}: {}",
        get[1]
    );
    let delete = of("DELETE /{artist}/{album}");
    assert!(delete.len() >= 4, "the delete is shown twice");
    assert!(delete[1].starts_with("HTTP/1.1 200"), "{}", delete[1]);
    assert!(delete[3].starts_with("HTTP/1.1 404"), "{}", delete[3]);
}
