//! The models and client generated from each example (`examples/*/openapi.yaml`) pass
//! `cargo clippy -- -D warnings`, as `generated/` does for `openapi.yaml`: a helper the client
//! emits but no method of that document calls (`Raw::header` without a response header, say)
//! is dead code there.
//!
//! One scratch workspace, one crate per example, one `cargo clippy` over all of them. It lives
//! under `target/examples-clippy`, with its own target directory there: not `target/debug`,
//! whose workspace crates it would otherwise rebuild under the scratch crates' paths, and not
//! `scripts/try-api`'s. The dependencies' versions are the workspace's (its `Cargo.lock` is
//! copied and `--offline` keeps cargo from resolving anew), so a second run only checks the
//! generated code.

use std::path::{Path, PathBuf};
use std::process::Command;

use codegen::Options;

const EXAMPLES: &[&str] = &["events", "orders", "inventory"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    }
    // Unchanged files keep their modification time, so cargo has nothing to redo.
    if std::fs::read_to_string(path).ok().as_deref() != Some(text) {
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

/// The workspace's `Cargo.toml` for the scratch workspace: its `[workspace.package]`,
/// `[workspace.dependencies]` (without the path dependencies on its own crates) and profiles,
/// with the examples as the members.
fn workspace_manifest() -> String {
    let text = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    let members: Vec<String> = EXAMPLES.iter().map(|e| format!("{e:?}")).collect();
    text.lines()
        .filter(|l| !l.starts_with("exclude") && !l.contains("{ path = "))
        .map(|l| {
            if l.starts_with("members") {
                format!("members = [{}]", members.join(", "))
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn the_examples_generated_crates_pass_clippy_with_warnings_denied() {
    let root = root();
    let scratch = root.join("target/examples-clippy");
    let ws = scratch.join("ws");
    write(&ws.join("Cargo.toml"), &workspace_manifest());
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).expect("Cargo.lock");
    // Written only the first time: cargo trims it to the scratch workspace's packages.
    if !ws.join("Cargo.lock").exists() {
        write(&ws.join("Cargo.lock"), &lock);
    }
    // Without the dependency on workspace-hack: a path the scratch workspace does not have, and
    // only there to unify features within this workspace.
    let package: String = std::fs::read_to_string(root.join("generated/Cargo.toml"))
        .expect("manifest")
        .lines()
        .filter(|l| !l.starts_with("workspace-hack"))
        .map(|l| format!("{l}\n"))
        .collect();
    for example in EXAMPLES {
        let spec = root.join("examples").join(example).join("openapi.yaml");
        let options = Options::default();
        let api = codegen::load(&spec, &options)
            .unwrap_or_else(|e| panic!("{}: does not load: {e}", spec.display()));
        let crate_dir = ws.join(example);
        write(
            &crate_dir.join("Cargo.toml"),
            &package.replacen("name = \"generated\"", &format!("name = {example:?}"), 1),
        );
        let artifacts = codegen::generate(&api, &options)
            .unwrap_or_else(|e| panic!("{}: generate: {e}", spec.display()));
        let sources: Vec<_> = artifacts
            .iter()
            .filter_map(|a| Some((a.path.strip_prefix("generated/src/")?, a)))
            .collect();
        assert!(
            sources.iter().any(|(p, _)| *p == "client.rs"),
            "{example}: no client"
        );
        for (path, artifact) in sources {
            write(&crate_dir.join("src").join(path), artifact.text());
        }
    }
    let out = Command::new(env!("CARGO"))
        .args([
            "clippy",
            "--offline",
            "--quiet",
            "--workspace",
            "--",
            "-D",
            "warnings",
        ])
        .current_dir(&ws)
        .env("CARGO_TARGET_DIR", scratch.join("target"))
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo clippy");
    assert!(
        out.status.success(),
        "cargo clippy -- -D warnings fails on the examples' generated crates ({}):\n{}{}",
        ws.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
