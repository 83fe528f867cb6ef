//! The emitters depend on the definition alone: neither `gateway`, `dynamo` nor `tokio` is in
//! `emit`'s dependency closure (normal dependencies, as `cargo tree -p emit -e normal` shows),
//! so generating never executes the API and never pulls a runtime into a build of the emitters.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

use serde_json::Value;

#[test]
fn emit_depends_on_neither_gateway_nor_dynamo_nor_tokio() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        // Not `--offline`: the resolve names every platform's packages (anstyle-wincon, ...),
        // which a fresh machine's registry cache does not hold until cargo fetches them.
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let names: HashMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let nodes: HashMap<&str, Vec<&str>> = meta["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let normal: Vec<&str> = n["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|k| k["kind"].is_null())
                })
                .map(|d| d["pkg"].as_str().unwrap())
                .collect();
            (n["id"].as_str().unwrap(), normal)
        })
        .collect();
    let emit = names
        .iter()
        .find(|(_, n)| **n == "emit")
        .map(|(id, _)| *id)
        .expect("emit in the workspace");
    let mut seen = BTreeSet::new();
    let mut stack = vec![emit];
    while let Some(id) = stack.pop() {
        // `workspace-hack` has no code: it only asks for the union of the workspace's features on
        // shared dependencies (so every command builds each once); its edges say nothing about
        // what emit's code uses, so the closure is taken without it (as with cargo-hakari).
        if names[id] == "workspace-hack" {
            continue;
        }
        if seen.insert(names[id]) {
            stack.extend(nodes.get(id).into_iter().flatten().copied());
        }
    }
    assert!(seen.contains("apidef") && seen.contains("vtl"), "{seen:?}");
    for banned in ["gateway", "dynamo", "tokio", "hyper", "axum"] {
        assert!(!seen.contains(banned), "emit depends on {banned}: {seen:?}");
    }
}
