//! The corpus of broken documents: each yields its own specific error, at its JSON pointer and
//! line, as listed in `tests/data/broken/EXPECTED.tsv`.

use std::path::Path;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/broken");

fn kind_name(kind: &apidef::ErrorKind) -> String {
    let dbg = format!("{kind:?}");
    dbg.split(['(', ' ', '{'])
        .next()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_minimal_base_of_the_corpus_is_valid() {
    let api = apidef::Api::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/valid-minimal.yaml"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(api.operations.len(), 1);
}

#[test]
fn every_broken_document_has_its_own_error_and_location() {
    let table = std::fs::read_to_string(Path::new(DIR).join("EXPECTED.tsv")).unwrap();
    let mut checked = 0;
    let mut kinds = std::collections::BTreeSet::new();
    let mut failures = Vec::new();
    for line in table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let cols: Vec<&str> = line.split('\t').collect();
        let [file, kind, pointer, line_no] = cols[..] else {
            panic!("bad EXPECTED.tsv line {line:?}");
        };
        let path = Path::new(DIR).join(file);
        // `warning:Kind`: AWS accepts the document; it loads, with that warning.
        if let Some(kind) = kind.strip_prefix("warning:") {
            match apidef::Api::load(&path) {
                Err(e) => failures.push(format!("{file}: refused, expected a {kind} warning: {e}")),
                Ok(api) => {
                    let found = api.warnings.iter().any(|w| {
                        kind_name(&w.kind) == kind
                            && w.location.pointer == pointer
                            && w.location
                                .line_col
                                .map(|(l, _)| l.to_string())
                                .unwrap_or_default()
                                == line_no
                    });
                    if !found {
                        failures.push(format!(
                            "{file}: expected a {kind} warning at {pointer:?} line {line_no}, got {:?}",
                            api.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>()
                        ));
                    }
                    kinds.insert(format!("warning:{kind}"));
                }
            }
            checked += 1;
            continue;
        }
        match apidef::Api::load(&path) {
            Ok(_) => failures.push(format!("{file}: loaded, expected {kind}")),
            Err(e) => {
                let got = kind_name(&e.kind);
                let got_line = e
                    .location
                    .line_col
                    .map(|(l, _)| l.to_string())
                    .unwrap_or_default();
                if got != kind || e.location.pointer != pointer || got_line != line_no {
                    failures.push(format!(
                        "{file}: expected {kind} at {pointer:?} line {line_no}, got {got} at {:?} line {got_line}: {e}",
                        e.location.pointer
                    ));
                }
                // The message names the file.
                assert!(
                    e.to_string().starts_with(&path.display().to_string()),
                    "{e}"
                );
                kinds.insert(got);
            }
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every file of the folder is in the table.
    let files = std::fs::read_dir(DIR)
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name != "EXPECTED.tsv"
        })
        .count();
    assert_eq!(checked, files);
    assert!(checked >= 20);
    assert!(kinds.len() >= 20, "{kinds:?}");
}

/// One load names every problem of a document, each with its kind, pointer and line, errors
/// first-found first, and the warnings (what AWS accepts) with them.
#[test]
fn five_problems_in_one_run() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/five-problems.yaml");
    let e = apidef::Api::load(path).expect_err("five problems");
    let got: Vec<(String, String, Option<usize>, bool)> = e
        .all()
        .map(|p| {
            (
                kind_name(&p.kind),
                p.location.pointer.clone(),
                p.location.line_col.map(|(l, _)| l),
                p.is_warning(),
            )
        })
        .collect();
    let get = "/paths/~1items~1{id}/get";
    let delete = "/paths/~1items~1{id}/delete";
    let expected: Vec<(&str, String, usize, bool)> = vec![
        (
            "UnknownValidator",
            "/x-amazon-apigateway-request-validator".into(),
            15,
            false,
        ),
        (
            "Tolerated",
            format!("{get}/responses/200/headers/X-Id"),
            30,
            true,
        ),
        (
            "UnknownPlaceholder",
            format!("{get}/x-amazon-apigateway-integration/requestTemplates/application~1json"),
            39,
            false,
        ),
        (
            "UndeclaredStatusCode",
            format!("{get}/x-amazon-apigateway-integration/responses/4\\d{{2}}/statusCode"),
            44,
            false,
        ),
        ("Tolerated", delete.to_string(), 45, true),
        (
            "BadTemplate",
            format!("{delete}/x-amazon-apigateway-integration/requestTemplates/application~1json"),
            57,
            false,
        ),
        (
            "BadSelectionPattern",
            format!("{delete}/x-amazon-apigateway-integration/responses/[45\\d{{2}}"),
            59,
            false,
        ),
    ];
    let expected: Vec<(String, String, Option<usize>, bool)> = expected
        .into_iter()
        .map(|(k, p, l, w)| (k.to_string(), p, Some(l), w))
        .collect();
    let mut sorted = got.clone();
    sorted.sort_by_key(|x| x.2);
    assert_eq!(sorted, expected, "{e}");
    assert_eq!(e.error_count(), 5, "{e}");
    // Display names all of them, one per line, each with file:line:column.
    let text = e.to_string();
    assert_eq!(text.lines().count(), 7, "{text}");
    assert!(text.lines().all(|l| l.starts_with(path)), "{text}");
}
