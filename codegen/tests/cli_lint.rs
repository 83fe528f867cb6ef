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
    // check runs the lint too: the seed's errors fail it.
    let out = codegen(&["check", "--spec", seed]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[json-injection]"));
}

/// `generate` writes every artifact of a document that loads, whatever the lint finds, and
/// fails only when asked to deny; `check` fails on it until the findings are fixed or allowed.
#[test]
fn generate_writes_despite_findings_and_fails_only_when_denied() {
    let seed = "lint/tests/data/seed.yaml";
    let scratch = std::env::temp_dir().join(format!("codegen-cli-{}", std::process::id()));
    let root = scratch.to_str().expect("utf-8 temp dir");
    let out = codegen(&["generate", "--spec", seed, "--root", root]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error[json-injection]"),
        "findings printed: {stderr}"
    );
    for artifact in [
        "generated/apigateway.json",
        "generated/cloudformation.yaml",
        "generated/src/models.rs",
        "generated/src/client.rs",
        "generated/docs/index.html",
        "contract-tests/tests/generated.rs",
    ] {
        assert!(scratch.join(artifact).is_file(), "{artifact} written");
    }
    std::fs::remove_dir_all(&scratch).expect("clean");
    let out = codegen(&[
        "generate",
        "--spec",
        seed,
        "--root",
        root,
        "--deny",
        "json-injection",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        scratch.join("generated/apigateway.json").is_file(),
        "written before failing"
    );
    std::fs::remove_dir_all(&scratch).expect("clean");
    // check: fails on the lint errors, passes once every rule with errors is allowed
    // (and then on the artifacts just generated into the scratch root).
    let out = codegen(&["check", "--spec", seed, "--root", root]);
    assert_eq!(out.status.code(), Some(1));
    let report = lint::lint(
        seed,
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(seed))
            .unwrap(),
    );
    let mut args: Vec<String> = ["check", "--spec", seed, "--root", root]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mut rules: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.severity == lint::Severity::Error)
        .map(|f| f.rule)
        .collect();
    rules.sort();
    rules.dedup();
    for r in rules {
        args.push("--allow".into());
        args.push(r.into());
    }
    codegen(&["generate", "--spec", seed, "--root", root]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = codegen(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_dir_all(&scratch).expect("clean");
}

/// `codegen import` writes a document every command takes, and says what it did not carry.
#[test]
fn import_writes_a_loadable_document() {
    let out_file = std::env::temp_dir().join(format!("codegen-import-{}.yaml", std::process::id()));
    let out = codegen(&[
        "import",
        "corpus/seed-cdk-synth/ApigatewayDynamodbIntegrationStack.template.json",
        "-o",
        out_file.to_str().expect("utf-8"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not carried: "), "{stderr}");
    let api = apidef::Api::load(&out_file).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(api.operations.len(), 3);
    let text = std::fs::read_to_string(&out_file).expect("written");
    assert!(text.starts_with('#'), "begins with where it came from");
    std::fs::remove_file(&out_file).expect("clean");
    // A file that is none of the forms is refused with its name.
    let out = codegen(&["import", "README.md"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("README.md"));
}
