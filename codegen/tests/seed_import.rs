//! The seed's stack as `cdk synth` emits it (`corpus/seed-cdk-synth/`, written from the seed's
//! TypeScript) through `codegen import`: its templates come out byte-identical, the lint reports
//! the seed's bugs, and the local gateway serving the result behaves as the seed does, bugs
//! included (`corpus/seed-cdk-synth/scenario.md`, part A).

use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::{Value, json};

const TEMPLATE: &str = "../corpus/seed-cdk-synth/ApigatewayDynamodbIntegrationStack.template.json";
/// The seed's two static error bodies, byte for byte (scenario.md).
const BAD_INPUT: &str = "{\n            \"error\": \"Bad input!\"\n            }";

fn imported() -> import::Imported {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(TEMPLATE);
    import::import_file(&path, &import::ImportOptions::default())
        .unwrap_or_else(|e| panic!("import: {e}"))
}

/// Every string of a CloudFormation value, `Fn::Join` parts concatenated and a `Ref` written
/// as the placeholder the import uses, so templates compare as text.
fn join(v: &Value, refs: &dyn Fn(&str) -> String) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(o) if o.contains_key("Fn::Join") => {
            let args = &o["Fn::Join"];
            let sep = args[0].as_str().unwrap_or_default();
            args[1]
                .as_array()
                .map(|parts| {
                    parts
                        .iter()
                        .map(|p| join(p, refs))
                        .collect::<Vec<_>>()
                        .join(sep)
                })
                .unwrap_or_default()
        }
        Value::Object(o) if o.contains_key("Ref") => refs(o["Ref"].as_str().unwrap_or_default()),
        other => other.to_string(),
    }
}

#[test]
fn templates_and_patterns_are_byte_identical() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(TEMPLATE);
    let cfn: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let imported = imported();
    let doc = &imported.document;
    // The table's name as the imported document writes it in templates.
    let api = apidef::Api::from_str_with(&imported.yaml, "imported.yaml", &IndexMap::new())
        .unwrap_or_else(|e| panic!("the import loads: {e}"));
    let table_name = api
        .tables
        .values()
        .next()
        .expect("the seed's table")
        .table_name
        .clone();
    assert_eq!(table_name, "apigateway-dynamodb-integration");
    let mut compared = 0;
    for (id, r) in cfn["Resources"].as_object().unwrap() {
        if r["Type"] != "AWS::ApiGateway::Method" {
            continue;
        }
        let integration = &r["Properties"]["Integration"];
        let method = r["Properties"]["HttpMethod"]
            .as_str()
            .unwrap()
            .to_ascii_lowercase();
        let op = api
            .operations
            .iter()
            .find(|o| {
                o.method.eq_ignore_ascii_case(&method)
                    && o.integration.request_templates.values().count()
                        == integration["RequestTemplates"]
                            .as_object()
                            .map_or(0, |m| m.len())
                    && match method.as_str() {
                        "post" => o.path == "/album",
                        "delete" => o.path == "/{artist}/{album}",
                        _ => o.path == "/",
                    }
            })
            .unwrap_or_else(|| panic!("{id}: no imported operation"));
        // Templates as the document writes them (before the placeholder is substituted).
        let raw_of = |pointer: &str| {
            doc.pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        for (mime, t) in integration["RequestTemplates"].as_object().unwrap() {
            let tpl = &op.integration.request_templates[mime];
            let written = raw_of(&tpl.pointer).expect("template in the document");
            let refs = |_: &str| written_table_placeholder(&written);
            assert_eq!(written, join(t, &refs), "{id} request {mime}");
            compared += 1;
        }
        for ir in integration["IntegrationResponses"].as_array().unwrap() {
            let key = ir["SelectionPattern"]
                .as_str()
                .filter(|s| !s.is_empty())
                .unwrap_or("default");
            let response = op
                .integration
                .responses
                .iter()
                .find(|r| r.key == key)
                .unwrap_or_else(|| panic!("{id}: no integration response {key:?}"));
            assert_eq!(response.status_code, ir["StatusCode"].as_str().unwrap());
            for (mime, t) in ir["ResponseTemplates"].as_object().into_iter().flatten() {
                let tpl = &response.response_templates[mime];
                let written = raw_of(&tpl.pointer).expect("template in the document");
                assert_eq!(
                    written,
                    join(t, &|_| String::new()),
                    "{id} response {key} {mime}"
                );
                compared += 1;
            }
        }
    }
    assert!(compared >= 7, "{compared} templates compared");
}

/// The `${...}` placeholder the imported template uses for the table (whatever its name), so
/// the CloudFormation `Ref` can be written the same way.
fn written_table_placeholder(written: &str) -> String {
    written
        .find("${")
        .and_then(|i| {
            written[i..]
                .find('}')
                .map(|j| written[i..i + j + 1].to_string())
        })
        .unwrap_or_default()
}

#[test]
fn the_lint_reports_the_seeds_bugs() {
    let imported = imported();
    let report = lint::lint("imported.yaml", &imported.yaml);
    let rules: std::collections::BTreeSet<&str> = report.findings.iter().map(|f| f.rule).collect();
    // prior-art §1.5, each a static check can see (docs/evidence/prior-art.md).
    for rule in [
        "json-injection",   // 2: unescaped interpolation
        "undeclared-field", // 1: `length` read, the model declares `lenght`
        "undefined-root",   // 3: $method.request.path.* in a template
        "pagination",       // 4: Scan without LastEvaluatedKey
        "body-on-204",      // 5: the 204 renders the request id
        "passthrough",      // 6: no passthroughBehavior
        "lossy-error",      // 8: DynamoDB's 400 body ignored
        "double-decode",    // $util.urlDecode on path parameters
    ] {
        assert!(
            rules.contains(rule),
            "no {rule} finding:\n{}",
            report.human()
        );
    }
}

#[tokio::test]
async fn the_gateway_serves_the_seeds_own_scenario_with_its_own_behaviour() {
    let imported = imported();
    let api = apidef::Api::from_str_with(&imported.yaml, "imported.yaml", &IndexMap::new())
        .unwrap_or_else(|e| panic!("{e}"));
    let store: Arc<dyn dynamo::Dynamo> = Arc::new(dynamo::Embedded::new());
    let gateway = gateway::Gateway::builder(api, store)
        .access_log(Arc::new(|_: &str| {}))
        .build()
        .expect("gateway");
    gateway.create_tables().await.expect("tables");
    let album = json!({"artist": "Dream Theater", "album": "Images and Words",
        "tracks": [{"title": "Pull Me Under", "length": "8:14"}]});
    // A1: 204.
    let r = gateway
        .handle(gateway::Request::new("POST", "/album").json(&album))
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    // A2: the list holds the album.
    let r = gateway.handle(gateway::Request::new("GET", "/")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json().expect("JSON"), json!([album]));
    // A3: DELETE reads $method.request.path.*, which renders empty: DynamoDB refuses the
    // empty key, the 400 pattern maps it to the static "Bad input!" body, nothing is deleted.
    let r = gateway
        .handle(gateway::Request::new(
            "DELETE",
            "/Dream%20Theater/Images%20and%20Words",
        ))
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(r.text(), BAD_INPUT);
    // A4: still there.
    let r = gateway.handle(gateway::Request::new("GET", "/")).await;
    assert_eq!(r.json().expect("JSON"), json!([album]));
    // A5: the 404 branch cannot be reached.
    let r = gateway
        .handle(gateway::Request::new("DELETE", "/Dream%20Theater/Awake"))
        .await;
    assert_eq!((r.status, r.text()), (400, BAD_INPUT.to_string()));
    // A6: the validator refuses a body without `album`.
    let r = gateway
        .handle(gateway::Request::new("POST", "/album").json(&json!({"artist": "Dream Theater"})))
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("Invalid request body"), "{}", r.text());
}
