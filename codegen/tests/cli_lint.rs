//! The `codegen` binary's lint, generate and check commands on a document with findings.

use std::path::Path;

/// Runs the `codegen` binary from the workspace root.
fn codegen(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_codegen"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .expect("codegen runs")
}

#[test]
fn cli_lint_passes_on_the_project_and_fails_on_the_seed() {
    let ok = codegen(&["lint"]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let seed = "lint/tests/data/seed.yaml";
    for format in ["human", "json", "sarif"] {
        let out = codegen(&["lint", "--spec", seed, "--format", format]);
        assert_eq!(out.status.code(), Some(1), "--format {format}");
        let text = String::from_utf8_lossy(&out.stdout);
        if format == "human" {
            assert!(text.contains("error[undeclared-field]"), "{text}");
        } else {
            let v: serde_json::Value = serde_json::from_str(&text).expect("JSON output");
            assert!(v.is_object());
        }
    }
    // generate and check run the lint too: the seed's errors stop them before any artifact.
    let out = codegen(&["check", "--spec", seed]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[json-injection]"));
}
