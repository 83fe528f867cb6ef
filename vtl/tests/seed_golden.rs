//! Golden files: `vtl render` (the real binary) on every template of the seed API
//! (/work/shared/seed, "Integrando o API Gateway com DynamoDB") with example inputs, kept under
//! tests/data/seed. `UPDATE_GOLDEN=1 cargo test -p vtl --test seed_golden` rewrites the goldens.

use std::path::Path;
use std::process::Command;

#[test]
fn seed_templates_render_like_the_goldens() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/seed");
    let cases: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cases.json")).expect("cases.json"))
            .expect("valid cases.json");
    assert!(cases.len() >= 10);
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().expect("name");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_vtl"));
        cmd.current_dir(&dir)
            .arg("render")
            .arg(case["template"].as_str().expect("template"));
        for a in case["args"].as_array().expect("args") {
            cmd.arg(a.as_str().expect("string arg"));
        }
        let out = cmd.output().expect("run vtl");
        assert!(
            out.status.success(),
            "{name}: vtl failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let golden = dir.join(format!("{name}.golden"));
        if update {
            std::fs::write(&golden, &out.stdout).expect("write golden");
            continue;
        }
        let expected = std::fs::read(&golden).unwrap_or_else(|_| panic!("missing {golden:?}"));
        if expected != out.stdout {
            failures.push(format!(
                "{name}:\n--- golden\n{}\n--- got\n{}",
                String::from_utf8_lossy(&expected),
                String::from_utf8_lossy(&out.stdout)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn rendered_outputs_are_json_where_dynamodb_needs_json() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/seed");
    for g in [
        "post_album_request",
        "post_album_no_tracks_request",
        "scan_response",
        "scan_empty_response",
        "delete_album_request",
    ] {
        let text = std::fs::read_to_string(dir.join(format!("{g}.golden"))).expect("golden");
        serde_json::from_str::<serde_json::Value>(&text)
            .unwrap_or_else(|e| panic!("{g} is not JSON: {e}\n{text}"));
    }
}

#[test]
fn jsonl_batch_mode() {
    let input = concat!(
        r##"{"template": "$input.path('$.a') $input.params('id') $context.stage $stageVariables.v $x.k", "body": "{\"a\": [1]}", "params": {"path": {"id": "7"}}, "context": {"stage": "prod"}, "stageVariables": {"v": "sv"}, "vars": {"x": {"k": 2.0}}}"##,
        "\n",
        r##"{"template": "#set($context.responseOverride.status = 404)"}"##,
        "\n",
        r##"{"template": "#if("}"##,
        "\n"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_vtl"))
        .args(["render", "--jsonl"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run vtl");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["output"], "[1] 7 prod sv 2.0");
    assert_eq!(lines[1]["overrides"]["responseOverride"]["status"], 404);
    assert!(
        lines[2]["error"]
            .as_str()
            .is_some_and(|e| e.contains("parse error at 1:"))
    );
}
