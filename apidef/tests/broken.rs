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
