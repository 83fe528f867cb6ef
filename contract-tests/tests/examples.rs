//! Every example API (`examples/*/openapi.yaml`, discovered, so a new example is covered without
//! a change here) passes the contract tests codegen's emitter lists for it, on the embedded
//! target: the harness reads each document's own links, keys and statuses, not the albums'.

use std::path::{Path, PathBuf};
use std::time::Instant;

mod common;

use contract_tests::{Suite, Target};

/// Cases per property: enough to cover each example's shapes, few enough for a debug build.
const CASES: u32 = 24;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The example documents, sorted by name.
pub fn examples() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(root().join("examples"))
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.join("openapi.yaml").is_file())
                .map(|p| {
                    let name = p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    (name, p.join("openapi.yaml"))
                })
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[test]
fn every_example_passes_its_generated_tests() {
    let mut failures = Vec::new();
    for (name, path) in examples() {
        let filter = std::env::var("CONTRACT_EXAMPLE").unwrap_or_default();
        if !filter.is_empty() && filter != name {
            continue;
        }
        let api = apidef::Api::load(&path).unwrap_or_else(|e| panic!("{name} does not load: {e}"));
        let tests = emit::contract_tests::tests(&api);
        let suite = Suite::new(api, Target::Embedded)
            .expect("suite starts")
            .with_cases(CASES);
        let started = Instant::now();
        let mut cases = 0;
        for t in &tests {
            let one = Instant::now();
            match common::with_property(t, |p| suite.check(p)) {
                Ok(r) => cases += r.cases,
                Err(f) => failures.push(format!("---- example {name}: {f}")),
            }
            eprintln!(
                "{name} {} {}: {:.1} s",
                t.property,
                t.operation_id,
                one.elapsed().as_secs_f64()
            );
        }
        eprintln!(
            "example {name}: {} properties, {cases} cases, {:.1} s",
            tests.len(),
            started.elapsed().as_secs_f64()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
