//! Golden files: the committed artifacts are exactly what `codegen` generates from
//! `openapi.yaml`. `EXPECTORATE=overwrite cargo test -p codegen` rewrites them.

use std::path::{Path, PathBuf};

use codegen::Options;

fn root() -> PathBuf {
    // Tests run in the crate directory; the workspace root is its parent.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn artifacts() -> Vec<codegen::Artifact> {
    let options = Options::default();
    let api = codegen::load(&root().join("openapi.yaml"), &options)
        .unwrap_or_else(|e| panic!("openapi.yaml does not load: {e}"));
    codegen::generate(&api, &options).unwrap_or_else(|e| panic!("generate: {e}"))
}

fn golden(path: &str) {
    let artifact = artifacts()
        .into_iter()
        .find(|a| a.path == path)
        .unwrap_or_else(|| panic!("no artifact {path}"));
    expectorate::assert_contents(root().join(path), artifact.text());
}

#[test]
fn apigateway_json_is_golden() {
    golden("generated/apigateway.json");
}

#[test]
fn cloudformation_yaml_is_golden() {
    golden("generated/cloudformation.yaml");
}

#[test]
fn output_is_deterministic_and_ends_with_a_newline() {
    let a = artifacts();
    let b = artifacts();
    assert_eq!(a, b);
    for artifact in &a {
        assert!(artifact.text().ends_with('\n'), "{}", artifact.path);
        assert!(!artifact.text().ends_with("\n\n"), "{}", artifact.path);
    }
}

#[test]
fn check_names_each_differing_artifact() {
    let dir = std::env::temp_dir().join(format!("codegen-check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let artifacts = artifacts();
    let missing = codegen::check(&dir, &artifacts);
    assert_eq!(missing.len(), artifacts.len());
    let written = codegen::write(&dir, &artifacts).expect("write");
    assert_eq!(written.len(), artifacts.len());
    assert!(codegen::check(&dir, &artifacts).is_empty());
    assert!(
        codegen::write(&dir, &artifacts)
            .expect("rewrite")
            .is_empty()
    );
    std::fs::write(dir.join("generated/cloudformation.yaml"), "changed\n").expect("edit");
    assert_eq!(
        codegen::check(&dir, &artifacts),
        vec![(
            "generated/cloudformation.yaml".to_string(),
            codegen::Difference::Differs
        )]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_binary_check_passes_on_the_committed_files() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_codegen"))
        .arg("check")
        .current_dir(root())
        .output()
        .expect("run codegen");
    assert!(
        out.status.success(),
        "codegen check failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn workspace_root_is_found_from_a_subdirectory() {
    assert_eq!(codegen::workspace_root(&root().join("codegen/src")), root());
}

#[test]
fn the_binary_check_exits_1_and_names_each_differing_artifact() {
    let dir = std::env::temp_dir().join(format!("codegen-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let artifacts = artifacts();
    codegen::write(&dir, &artifacts).expect("write");
    std::fs::remove_file(dir.join("generated/apigateway.json")).expect("remove");
    std::fs::write(dir.join("generated/cloudformation.yaml"), "changed\n").expect("edit");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_codegen"))
        .arg("check")
        .arg("--spec")
        .arg(root().join("openapi.yaml"))
        .arg("--root")
        .arg(&dir)
        .output()
        .expect("run codegen");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("generated/apigateway.json: missing"),
        "{stderr}"
    );
    assert!(
        stderr.contains("generated/cloudformation.yaml: differs"),
        "{stderr}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_codegen"))
        .args(["generate", "--root"])
        .arg(&dir)
        .arg("--spec")
        .arg(root().join("openapi.yaml"))
        .output()
        .expect("run codegen generate");
    assert!(out.status.success());
    assert!(codegen::check(&dir, &artifacts).is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
