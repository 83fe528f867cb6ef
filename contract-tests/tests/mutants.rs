//! The suite catches real bugs: each test mutates a copy of `openapi.yaml` the way the seed
//! project was broken (docs/evidence/prior-art.md §1.5), regenerates the list of contract tests from the mutated
//! document with codegen's emitter, runs them on the embedded target, and asserts that the
//! suite fails for the right reason (property, operation) with a shrunk counterexample. Every
//! `examples/*/openapi.yaml` is discovered and must have at least two mutants in
//! `EXAMPLE_MUTANTS` (text substitutions that fail loudly when their target text is gone).

use std::path::{Path, PathBuf};

mod common;

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
        if let Err(f) = common::with_property(t, |p| suite.check(p)) {
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

/// One mutation of an example's document: a text substitution (its target must occur), and
/// the property and operation that must catch it, with what the reason must say.
struct Mutant {
    example: &'static str,
    name: &'static str,
    from: &'static str,
    to: &'static str,
    /// Any of these properties of `operation` may catch it (a stateful bug shows in the links
    /// walk and in the state machine alike).
    properties: &'static [&'static str],
    operation: &'static str,
    reason: &'static str,
}

const STATEFUL: &[&str] = &["links", "state-machine"];

/// Per example, at least two templates broken the ways real ones break.
const EXAMPLE_MUTANTS: &[Mutant] = &[
    Mutant {
        example: "orders",
        name: "create-overwrites",
        // The conditional PutItem without its condition: a second create replaces the order.
        from: ",\n              \"ConditionExpression\": \"attribute_not_exists(OrderId)\"",
        to: "",
        properties: STATEFUL,
        operation: "createOrder",
        reason: "overwrites despite its condition",
    },
    Mutant {
        example: "orders",
        name: "query-ignores-cursor",
        // The Query never sends ExclusiveStartKey: every page is the first one again.
        from: "\"ConsistentRead\": true#if($cursor != \"\"),",
        to: "\"ConsistentRead\": true#if(false),",
        properties: STATEFUL,
        operation: "createOrder",
        reason: "again",
    },
    Mutant {
        example: "orders",
        name: "create-writes-wrong-key",
        // The order is stored under (customer, customer): reads of (customer, order) find nothing.
        from: "\"OrderId\": {\"S\": \"$util.escapeJavaScript($input.params('orderId'))",
        to: "\"OrderId\": {\"S\": \"$util.escapeJavaScript($input.params('customerId'))",
        properties: STATEFUL,
        operation: "createOrder",
        reason: "of a stored item answered HTTP 404",
    },
    Mutant {
        example: "events",
        name: "create-overwrites",
        from: ",\n              \"ConditionExpression\": \"attribute_not_exists(PK)\"",
        to: "",
        properties: STATEFUL,
        operation: "createEvent",
        reason: "overwrites despite its condition",
    },
    Mutant {
        example: "events",
        name: "read-drops-kind",
        from: ",\"kind\":\"$util.escapeJavaScript($item.Kind.S).replaceAll(\"\\\\'\",\"'\")\"",
        to: "",
        properties: STATEFUL,
        operation: "createEvent",
        // The read response is checked against its schema first (`kind` is required there).
        reason: "\"kind\"",
    },
    Mutant {
        example: "inventory",
        name: "create-unescaped-name",
        from: "\"Name\": {\"S\": \"$util.escapeJavaScript($it.name).replaceAll(\"\\\\'\",\"'\")\"}",
        to: "\"Name\": {\"S\": \"$it.name\"}",
        properties: &["positive"],
        operation: "createItem",
        reason: "",
    },
    Mutant {
        example: "inventory",
        name: "gsi-query-ignores-cursor",
        // The CategoryIndex Query never sends ExclusiveStartKey: the first page comes back.
        from: "\"Limit\": $pageSize#if($cursor != \"\"),",
        to: "\"Limit\": $pageSize#if(false),",
        properties: STATEFUL,
        operation: "createItem",
        reason: "again",
    },
    Mutant {
        example: "inventory",
        name: "create-drops-item-id",
        from: "application/json: '{\"itemId\":\"$context.requestId\"}'",
        to: "application/json: '{}'",
        properties: &["positive"],
        operation: "createItem",
        reason: "itemId",
    },
];

/// The example documents, discovered: a new `examples/<name>/openapi.yaml` is covered (and
/// fails here until it has mutants).
fn examples() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(root().join("examples"))
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.join("openapi.yaml").is_file())
                .map(|p| {
                    let n = p.file_name().map(|n| n.to_string_lossy().into_owned());
                    (n.unwrap_or_default(), p.join("openapi.yaml"))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

/// Run only the tests of `operation` with one of `properties` for `text`; the failures.
fn run_only(name: &str, text: &str, operation: &str, properties: &[&str]) -> Vec<Failure> {
    let path = std::env::temp_dir().join(format!(
        "contract-mutant-{name}-{}.yaml",
        std::process::id()
    ));
    std::fs::write(&path, text).expect("temp file is writable");
    let api =
        apidef::Api::load(&path).unwrap_or_else(|e| panic!("mutant {name} does not load: {e}"));
    let _ = std::fs::remove_file(&path);
    let tests = emit::contract_tests::tests(&api);
    let suite = Suite::new(api, Target::Embedded)
        .expect("suite starts")
        .with_cases(CASES);
    let mut failures = Vec::new();
    let mut ran = 0;
    for t in tests.iter().filter(|t| t.operation_id == operation) {
        let checked = common::with_property(t, |p| {
            properties.contains(&p.name()).then(|| suite.check(p))
        });
        let Some(result) = checked else { continue };
        ran += 1;
        if let Err(f) = result {
            failures.push(f);
        }
    }
    assert!(
        ran > 0,
        "{name}: no {properties:?} test of {operation} is generated"
    );
    for f in &failures {
        eprintln!("---- mutant {name}: {f}");
    }
    failures
}

#[test]
fn every_example_has_mutants_and_each_is_caught() {
    let examples = examples();
    let filter = std::env::var("CONTRACT_EXAMPLE").unwrap_or_default();
    for (example, path) in &examples {
        if !filter.is_empty() && &filter != example {
            continue;
        }
        let original = std::fs::read_to_string(path).expect("example is readable");
        let mutants: Vec<&Mutant> = EXAMPLE_MUTANTS
            .iter()
            .filter(|m| m.example == example)
            .collect();
        assert!(
            mutants.len() >= 2,
            "examples/{example}/openapi.yaml has {} mutant(s) in EXAMPLE_MUTANTS: add at least two (a template that drops a field, writes the wrong key, ignores the cursor or overwrites despite the condition)",
            mutants.len()
        );
        for m in mutants {
            assert!(
                original.contains(m.from),
                "mutant {example}/{}: examples/{example}/openapi.yaml no longer contains {:?}; update the mutant",
                m.name,
                m.from
            );
            let text = original.replacen(m.from, m.to, 1);
            let name = format!("{example}-{}", m.name);
            let failures = run_only(&name, &text, m.operation, m.properties);
            let f = failures
                .iter()
                .find(|f| m.properties.contains(&f.property.as_str()) && f.reason.contains(m.reason))
                .unwrap_or_else(|| {
                    panic!(
                        "mutant {name} is not caught by {:?} of {} with a reason containing {:?}; failures: {:?}",
                        m.properties,
                        m.operation,
                        m.reason,
                        failures.iter().map(|f| (&f.property, &f.reason)).collect::<Vec<_>>()
                    )
                });
            assert!(
                f.request().is_some() && f.response().is_some() && !f.minimal_input.is_empty(),
                "mutant {name}: no shrunk counterexample: {f}"
            );
        }
    }
    assert!(
        !examples.is_empty() || !filter.is_empty(),
        "no examples/*/openapi.yaml found"
    );
}
