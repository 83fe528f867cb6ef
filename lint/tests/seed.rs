//! The seed's API (every bug of docs/evidence/prior-art.md §1.5 a static check can see, each under its rule),
//! the project's openapi.yaml (no finding), and the JSON and SARIF outputs.

use std::path::Path;

use lint::{RULES, Report, lint};

const SEED: &str = include_str!("data/seed.yaml");

fn workspace_file(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn seed() -> Report {
    lint("lint/tests/data/seed.yaml", SEED)
}

#[test]
fn seed_post_album() {
    // 1.5.1 `lenght` (undeclared-field; a missing length stored as "": empty-attribute),
    // 1.5.2 unescaped strings (json-injection; the invalid JSON a quote in the input makes is
    // the same defect, reported once: lint::SUPERSEDES),
    // 1.5.5 204 with a body, 1.5.6 passthrough, 1.5.8 lossy error mapping, 1.5.9 empty keys
    // accepted (empty-attribute). No error-to-success: `400` and `5\d{2}` catch every status
    // DynamoDB answers (400, 500, 503), so none reaches the 204 default.
    assert_eq!(
        seed().rules_for(Some("POST /album")),
        vec![
            "body-on-204",
            "empty-attribute",
            "json-injection",
            "lossy-error",
            "passthrough",
            "undeclared-field",
        ]
    );
}

#[test]
fn seed_get_root() {
    // 1.5.2 stored quotes break the list (json-injection, once), 1.5.4 no pagination and
    // no response model, 1.5.6, 1.5.8.
    assert_eq!(
        seed().rules_for(Some("GET /")),
        vec![
            "json-injection",
            "lossy-error",
            "no-response-schema",
            "pagination",
            "passthrough",
        ]
    );
}

#[test]
fn seed_delete_album() {
    // 1.5.3 `$method` in templates (undefined-root; the key renders empty: empty-attribute) and
    // urlDecode on decoded parameters, 1.5.2 the echo and the 404 message, 1.5.6, 1.5.8; 1.5.10
    // (the 200 body is not the deleted item) shows as the missing response model.
    assert_eq!(
        seed().rules_for(Some("DELETE /{artist}/{album}")),
        vec![
            "double-decode",
            "empty-attribute",
            "json-injection",
            "lossy-error",
            "no-response-schema",
            "passthrough",
            "undefined-root",
        ]
    );
}

#[test]
fn seed_has_no_document_level_findings_and_fails() {
    let r = seed();
    assert!(r.rules_for(None).is_empty(), "{}", r.human());
    assert!(r.errors() > 0);
}

#[test]
fn seed_findings_point_into_the_file() {
    let r = seed();
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "undeclared-field")
        .expect("undeclared-field");
    let line = SEED
        .lines()
        .nth(f.file_line.expect("file line") - 1)
        .expect("line");
    let col = f.file_column.expect("file column");
    assert!(
        line.chars()
            .skip(col - 1)
            .collect::<String>()
            .starts_with("$track.length"),
        "{line:?} at {col}"
    );
    assert_eq!((f.line, f.column), (Some(13), Some(31)));
    let f = r
        .findings
        .iter()
        .find(|f| f.rule == "undefined-root")
        .expect("undefined-root");
    let line = SEED
        .lines()
        .nth(f.file_line.expect("file line") - 1)
        .expect("line");
    assert!(
        line.chars()
            .skip(f.file_column.expect("col") - 1)
            .collect::<String>()
            .starts_with("$method.request.path.artist"),
        "{line:?}"
    );
}

#[test]
fn project_document_has_no_findings() {
    let r = lint("openapi.yaml", &workspace_file("openapi.yaml"));
    assert!(r.findings.is_empty(), "{}", r.human());
}

#[test]
fn json_output_has_the_documented_shape() {
    let r = seed();
    let v = r.json();
    let findings = v["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), r.findings.len());
    assert_eq!(v["errors"], r.errors());
    assert_eq!(v["warnings"], r.warnings());
    for f in findings {
        let keys: Vec<&str> = f
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            vec![
                "rule",
                "severity",
                "operation",
                "template",
                "line",
                "column",
                "file_line",
                "file_column",
                "message",
                "allowed",
                "allow_reason"
            ]
        );
        assert!(matches!(f["severity"].as_str(), Some("error" | "warning")));
        assert_eq!(f["allowed"], false);
    }
    assert_eq!(v["allowed"], 0);
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    // The validator does check: a level SARIF does not define is refused.
    let mut broken = seed().sarif();
    broken["runs"][0]["results"][0]["level"] = serde_json::json!("fatal");
    assert!(!validator.is_valid(&broken));
    for report in [
        seed(),
        lint("openapi.yaml", &workspace_file("openapi.yaml")),
    ] {
        let sarif = report.sarif();
        let errors: Vec<String> = validator
            .iter_errors(&sarif)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        let run = &sarif["runs"][0];
        let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
        assert_eq!(rules.len(), RULES.len());
        let results = run["results"].as_array().expect("results");
        assert_eq!(results.len(), report.findings.len());
        for res in results {
            let loc = &res["locations"][0]["physicalLocation"];
            assert_eq!(loc["artifactLocation"]["uri"], report.file.as_str());
            assert!(loc["region"]["startLine"].as_u64().is_some(), "{res}");
        }
    }
}
