//! The artifacts checked by the real tools: openapi-spec-validator, cfn-lint, and awscli's
//! `import-rest-api` against a local moto server. `scripts/test-all` installs the tools into
//! `.tools/venv`, starts moto and exports `TOOLS_VENV` and `MOTO_ENDPOINT`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use indexmap::IndexMap;
use serde_json::Value;

const NEEDS: &str = "needs the Python tools: run scripts/test-all";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn env_var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: this test {NEEDS} (it installs them and exports {name})")
    })
}

fn tool(name: &str) -> PathBuf {
    let path = Path::new(&env_var("TOOLS_VENV")).join("bin").join(name);
    assert!(path.exists(), "{} is missing: {NEEDS}", path.display());
    path
}

fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
#[ignore = "needs the Python tools: run scripts/test-all"]
fn openapi_spec_validator_accepts_apigateway_json() {
    let (ok, stdout, stderr) = run(Command::new(tool("openapi-spec-validator"))
        .arg("generated/apigateway.json")
        .current_dir(root()));
    assert!(ok, "openapi-spec-validator failed:\n{stdout}{stderr}");
    assert_eq!(stdout.trim(), "generated/apigateway.json: OK");
}

#[test]
#[ignore = "needs the Python tools: run scripts/test-all"]
fn cfn_lint_finds_no_error_and_no_warning() {
    // cfn-lint exits 0 only when it reports nothing (2 = error, 4 = warning, 8 = info).
    let (ok, stdout, stderr) = run(Command::new(tool("cfn-lint"))
        .arg("generated/cloudformation.yaml")
        .current_dir(root()));
    assert!(ok, "cfn-lint findings:\n{stdout}{stderr}");
    assert_eq!(stdout.trim(), "", "cfn-lint printed findings");
}

/// moto's account and region.
const ACCOUNT: &str = "123456789012";
const REGION: &str = "us-east-1";

fn aws(args: &[&str]) -> Value {
    let (ok, stdout, stderr) = run(Command::new(tool("aws"))
        .args(["apigateway"])
        .args(args)
        .args([
            "--endpoint-url",
            &env_var("MOTO_ENDPOINT"),
            "--output",
            "json",
        ])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_MAX_ATTEMPTS", "1"));
    assert!(ok, "aws apigateway {args:?} failed:\n{stdout}{stderr}");
    if stdout.trim().is_empty() {
        return Value::Null;
    }
    serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("aws apigateway {args:?}: not JSON ({e}):\n{stdout}"))
}

#[test]
#[ignore = "needs the Python tools: run scripts/test-all"]
fn import_rest_api_into_moto_round_trips_every_method() {
    let committed = std::fs::read_to_string(root().join("generated/apigateway.json"))
        .expect("generated/apigateway.json");
    // Real import-rest-api resolves ${AWS::AccountId}, ${AWS::Region} and ${AWS::Partition}
    // itself; moto does not (it stores them verbatim, and then refuses the role ARN's account
    // "${AWS::AccountId}" as a cross-account pass role). Resolve them as AWS would, for moto's
    // account, and change nothing else.
    let body = committed
        .replace("${AWS::AccountId}", ACCOUNT)
        .replace("${AWS::Region}", REGION)
        .replace("${AWS::Partition}", "aws");
    let mut doc: Value = serde_json::from_str(&body).expect("JSON");
    // moto 5.2.5's import passes every integration to put_integration, which requires `uri` and
    // `httpMethod`; AWS requires neither for a `mock` integration (a CORS preflight has none) and
    // answers 500 instead of importing. Give moto's copy of a mock integration an empty `uri` and
    // `POST`, and compare what comes back with what moto was given.
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for integration in paths
            .values_mut()
            .filter_map(Value::as_object_mut)
            .flat_map(|item| item.values_mut())
            .filter_map(|op| op.get_mut("x-amazon-apigateway-integration"))
            .filter_map(Value::as_object_mut)
            .filter(|i| i.get("type").and_then(Value::as_str) == Some("mock"))
        {
            integration.entry("uri").or_insert_with(|| Value::from(""));
            integration
                .entry("httpMethod")
                .or_insert_with(|| Value::from("POST"));
        }
    }
    let body = serde_json::to_string(&doc).expect("JSON");
    let file = std::env::temp_dir().join(format!("codegen-moto-{}.json", std::process::id()));
    std::fs::write(&file, &body).expect("write the body");
    let imported = aws(&[
        "import-rest-api",
        "--body",
        &format!("fileb://{}", file.display()),
        "--fail-on-warnings",
    ]);
    let _ = std::fs::remove_file(&file);
    let id = imported["id"].as_str().expect("rest api id").to_string();
    assert_eq!(imported["name"], doc["info"]["title"]);

    // The spec, as the gateway loads it (deploy parameters substituted with their defaults).
    let api = apidef::Api::load(root().join("openapi.yaml")).expect("openapi.yaml loads");
    let mut expected: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for op in &api.operations {
        expected
            .entry(op.path.clone())
            .or_default()
            .insert(op.method.clone());
    }

    let resources = aws(&["get-resources", "--rest-api-id", &id]);
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut ids: IndexMap<String, String> = IndexMap::new();
    for r in resources["items"].as_array().expect("items") {
        let path = r["path"].as_str().expect("path").to_string();
        ids.insert(path.clone(), r["id"].as_str().expect("id").to_string());
        let methods: BTreeSet<String> = r
            .get("resourceMethods")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        if !methods.is_empty() {
            found.insert(path, methods);
        }
    }
    assert_eq!(found, expected, "paths and methods");

    let mut checked = 0;
    for op in &api.operations {
        let resource = &ids[&op.path];
        let label = op.label();
        let got = aws(&[
            "get-integration",
            "--rest-api-id",
            &id,
            "--resource-id",
            resource,
            "--http-method",
            &op.method,
        ]);
        let raw = doc
            .pointer(&format!("{}/x-amazon-apigateway-integration", op.pointer))
            .unwrap_or_else(|| panic!("{label}: no integration in apigateway.json"));
        assert_eq!(got["type"], raw["type"], "{label}: type");
        assert_eq!(got["httpMethod"], raw["httpMethod"], "{label}: httpMethod");
        assert_eq!(got["uri"], raw["uri"], "{label}: uri");
        assert_eq!(
            got["credentials"], raw["credentials"],
            "{label}: credentials"
        );
        assert_eq!(
            got["passthroughBehavior"], raw["passthroughBehavior"],
            "{label}: passthroughBehavior"
        );
        let templates = got["requestTemplates"]
            .as_object()
            .unwrap_or_else(|| panic!("{label}: no requestTemplates"));
        assert_eq!(
            templates.len(),
            op.integration.request_templates.len(),
            "{label}: request templates"
        );
        for (mime, t) in &op.integration.request_templates {
            assert_eq!(
                templates.get(mime).and_then(Value::as_str),
                Some(t.source.as_str()),
                "{label}: request template {mime} must be byte-identical"
            );
        }
        let responses = got["integrationResponses"]
            .as_object()
            .unwrap_or_else(|| panic!("{label}: no integrationResponses"));
        assert_eq!(
            responses.keys().cloned().collect::<BTreeSet<_>>(),
            op.integration
                .responses
                .iter()
                .map(|r| r.status_code.clone())
                .collect::<BTreeSet<_>>(),
            "{label}: integration response status codes"
        );
        for r in &op.integration.responses {
            let got = aws(&[
                "get-integration-response",
                "--rest-api-id",
                &id,
                "--resource-id",
                resource,
                "--http-method",
                &op.method,
                "--status-code",
                &r.status_code,
            ]);
            let what = format!("{label}: integration response {:?}", r.key);
            assert_eq!(
                got["statusCode"].as_str(),
                Some(r.status_code.as_str()),
                "{what}"
            );
            let pattern = r.selection_pattern.as_ref().map(|_| r.key.as_str());
            assert_eq!(
                got["selectionPattern"].as_str(),
                pattern,
                "{what}: selection pattern"
            );
            let templates = got
                .get("responseTemplates")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            assert_eq!(
                templates.len(),
                r.response_templates.len(),
                "{what}: templates"
            );
            for (mime, t) in &r.response_templates {
                assert_eq!(
                    templates.get(mime).and_then(Value::as_str),
                    Some(t.source.as_str()),
                    "{what}: response template {mime} must be byte-identical"
                );
            }
            let params = got
                .get("responseParameters")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            assert_eq!(
                params.len(),
                r.response_parameters.len(),
                "{what}: responseParameters"
            );
            for (k, v) in &r.response_parameters {
                assert_eq!(
                    params.get(k).and_then(Value::as_str),
                    Some(v.as_str()),
                    "{what}: {k}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= api.operations.len());
    aws(&["delete-rest-api", "--rest-api-id", &id]);
}
