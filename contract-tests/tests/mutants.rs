//! The suite catches real bugs: each test mutates a copy of `openapi.yaml` the way the seed
//! project was broken (docs/evidence/prior-art.md §1.5), regenerates the list of contract tests from the mutated
//! document with codegen's emitter, runs them on the embedded target, and asserts that the
//! suite fails for the right reason (property, operation) with a shrunk counterexample.

use std::path::{Path, PathBuf};

use contract_tests::{Failure, Property, Suite, Target};

/// Cases per property here: every mutant is caught within a few cases, and four mutants run
/// the whole regenerated suite.
const CASES: u32 = 64;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn original() -> String {
    std::fs::read_to_string(root().join("openapi.yaml")).expect("openapi.yaml is readable")
}

/// Replace `from` (which must occur) inside the block of operation `operation_id` only: the
/// GET, DELETE and list templates share text.
fn edit(text: &str, operation_id: &str, from: &str, to: &str) -> String {
    // Operations are at six spaces of indentation; links (which also name operationIds) deeper.
    let marker = format!("\n      operationId: {operation_id}\n");
    let start = text.find(&marker).expect("operation is in the document");
    let end = text[start + marker.len()..]
        .find("\n      operationId: ")
        .map_or_else(
            || text.find("\ncomponents:").unwrap_or(text.len()),
            |i| start + marker.len() + i,
        );
    let block = &text[start..end];
    assert!(
        block.contains(from),
        "{operation_id}'s block does not contain {from:?}"
    );
    format!(
        "{}{}{}",
        &text[..start],
        block.replacen(from, to, 1),
        &text[end..]
    )
}

/// Regenerate the tests for `text` and run every one; the failures.
fn run(name: &str, text: &str) -> Vec<Failure> {
    let path = std::env::temp_dir().join(format!(
        "contract-mutant-{name}-{}.yaml",
        std::process::id()
    ));
    std::fs::write(&path, text).expect("temp file is writable");
    let api =
        apidef::Api::load(&path).unwrap_or_else(|e| panic!("mutant {name} does not load: {e}"));
    let _ = std::fs::remove_file(&path);
    let tests = emit::contract_tests::tests(&api);
    assert!(!tests.is_empty(), "no tests generated for {name}");
    let suite = Suite::new(api, Target::Embedded)
        .expect("suite starts")
        .with_cases(CASES);
    let mut failures = Vec::new();
    for t in &tests {
        let statuses: Vec<&str> = t.statuses.iter().map(String::as_str).collect();
        let links: Vec<&str> = t.links.iter().map(String::as_str).collect();
        let operation = t.operation_id.as_str();
        let property = match t.property {
            "positive" => Property::Positive {
                operation,
                statuses: &statuses,
            },
            "negative" => Property::Negative {
                operation,
                statuses: &statuses,
            },
            "links" => Property::Links {
                operation,
                links: &links,
            },
            "state_machine" => Property::StateMachine {
                operation,
                links: &links,
            },
            _ => Property::NoServerError { operation },
        };
        if let Err(f) = suite.check(&property) {
            failures.push(f);
        }
    }
    for f in &failures {
        eprintln!("---- mutant {name}: {f}");
    }
    failures
}

/// The failure of `property` on `operation`, with a shrunk counterexample to show.
fn caught<'a>(failures: &'a [Failure], property: &str, operation: &str) -> &'a Failure {
    let f = failures
        .iter()
        .find(|f| f.property == property && f.operation == operation)
        .unwrap_or_else(|| {
            panic!(
                "the suite did not catch the mutant with `{property}` of `{operation}`; failures: {:?}",
                failures
                    .iter()
                    .map(|f| (&f.property, &f.operation, &f.reason))
                    .collect::<Vec<_>>()
            )
        });
    assert!(
        f.request().is_some() && f.response().is_some(),
        "the failure has no shrunk request and response: {f}"
    );
    assert!(!f.minimal_input.is_empty(), "no shrunk input: {f}");
    assert!(f.to_string().contains("curl "), "no curl command: {f}");
    f
}

#[test]
fn unescaped_post_template_is_caught() {
    // The seed's PutItem template: `"S": "$input.path('$.artist')"`, unescaped.
    let text = edit(
        &original(),
        "putAlbum",
        r#"$util.escapeJavaScript($album.artist).replaceAll("\\'","'")"#,
        "$input.path('$.artist')",
    );
    let failures = run("unescaped-post", &text);
    let f = caught(&failures, "positive", "putAlbum");
    let body = f
        .request()
        .and_then(|r| serde_json::from_slice::<serde_json::Value>(&r.body).ok())
        .expect("the shrunk request has a JSON body");
    let artist = body["artist"].as_str().expect("artist is a string");
    // Shrunk to a short value holding a character JSON must escape (a quote, a backslash or a
    // control character). Strategies filter strings through the schema's `pattern`, so the
    // shrinker does not always reach a single character; generated values run to 256.
    assert!(
        artist.chars().count() <= 4 && artist.chars().any(|c| c == '"' || c == '\\' || c < ' '),
        "shrunk artist {artist:?} is not a short value with a character JSON must escape: {f}"
    );
}

#[test]
fn method_request_path_delete_template_is_caught() {
    // The seed's DeleteItem template read `$method.request.path.*`, which is not a template
    // variable: the key is never the album's, the delete never happens.
    let text = edit(
        &original(),
        "deleteAlbum",
        r#"$util.escapeJavaScript($input.params('artist')).replaceAll("\\'","'")"#,
        "$method.request.path.artist",
    );
    let text = edit(
        &text,
        "deleteAlbum",
        r#"$util.escapeJavaScript($input.params('album')).replaceAll("\\'","'")"#,
        "$method.request.path.album",
    );
    let failures = run("method-request-path", &text);
    let f = caught(&failures, "links", "putAlbum");
    assert!(
        f.reason.contains("link DeleteAlbum") && f.reason.contains("stored item"),
        "wrong reason: {f}"
    );
    assert_eq!(f.request().map(|r| r.method.as_str()), Some("DELETE"));
    // The key the template builds is not the album's: DynamoDB refuses it or finds nothing.
    assert!(
        f.response()
            .is_some_and(|r| !(200..300).contains(&r.status)),
        "the delete succeeded: {f}"
    );
}

#[test]
fn list_without_pagination_is_caught() {
    // One Scan page of 2 items and no cursor: everything past the first page is lost.
    let text = edit(
        &original(),
        "listAlbums",
        r#""Limit": $pageSize,"#,
        r#""Limit": 2,"#,
    );
    let text = edit(
        &text,
        "listAlbums",
        r#"#set($discard = $context.responseOverride.header.put('X-Next-Cursor', "${nextArtist}.${nextAlbum}"))"#,
        "",
    );
    let failures = run("no-pagination", &text);
    let f = caught(&failures, "links", "putAlbum");
    assert!(
        f.reason.contains("0 times instead of once"),
        "wrong reason: {f}"
    );
    // Shrunk to the fewest items that overflow a page of 2.
    let creates = f
        .exchanges
        .iter()
        .filter(|e| e.request.method == "POST")
        .count();
    assert_eq!(creates, 3, "not shrunk to three items: {f}");
}

#[test]
fn response_template_dropping_tracks_is_caught() {
    // The seed's GET/DELETE 200 templates returned artist and album only.
    let tracks = r##"#if("$!item.Tracks" != ""),"tracks":[#foreach($track in $item.Tracks.L){"title":"$util.escapeJavaScript($track.M.Title.S).replaceAll("\\'","'")"#if("$!track.M.Length" != ""),"length":"$util.escapeJavaScript($track.M.Length.S).replaceAll("\\'","'")"#end}#if($foreach.hasNext),#end#end]#end"##;
    let text = edit(&original(), "getAlbum", tracks, "");
    let failures = run("drops-tracks", &text);
    let f = caught(&failures, "links", "putAlbum");
    assert!(
        f.reason.contains("link GetAlbum") && f.reason.contains("/tracks is missing"),
        "wrong reason: {f}"
    );
}

#[test]
fn a_stale_generated_test_says_regenerate() {
    let api = apidef::Api::load(root().join("openapi.yaml")).expect("openapi.yaml loads");
    let suite = Suite::new(api, Target::Embedded).expect("suite starts");
    let stale = [
        Property::Positive {
            operation: "putAlbum",
            statuses: &["204"],
        },
        Property::Links {
            operation: "putAlbum",
            links: &["GetAlbum"],
        },
        Property::NoServerError {
            operation: "noSuchOperation",
        },
    ];
    for p in stale {
        let f = suite.check(&p).expect_err("a stale test fails");
        assert!(f.reason.contains("regenerate"), "{f}");
        assert!(
            f.exchanges.is_empty(),
            "nothing is sent for a stale test: {f}"
        );
    }
}
