//! Docs for documents without examples: for corpus documents that give no `example`, every
//! operation's docs example is made from its schemas, marked so on the page, valid by the
//! gateway's own request validator (`gateway::validate`), and run through the gateway with a
//! non-5xx answer, unless `corpus.json` documents the 5xx (a table only the SAM template
//! declares, so the local store has none and the integration's lone "200" response leaves API
//! Gateway answering 500).

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde_json::Value;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

/// The corpus entry `name` as the toolkit reads it (loaded, or imported as `codegen import`
/// does), with its `corpus.json`.
fn document(name: &str) -> (apidef::Api, Value) {
    let dir = corpus_dir().join(name);
    let config: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("corpus.json")).expect("corpus.json"),
    )
    .expect("corpus.json is JSON");
    let file = config["entry"].as_str().expect("entry");
    let (file, text) = match config["how"].as_str() {
        Some("import") => (
            "imported.yaml",
            import::import_file(dir.join(file), &import::ImportOptions::default())
                .unwrap_or_else(|e| panic!("{name}: import: {e}"))
                .yaml,
        ),
        _ => (
            file,
            std::fs::read_to_string(dir.join(file)).expect("entry file"),
        ),
    };
    let params: IndexMap<String, String> = config["params"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    let api = apidef::Api::from_str_with(&text, &format!("corpus/{name}/{file}"), &params)
        .unwrap_or_else(|e| panic!("{name}: does not load: {e}"));
    (api, config)
}

/// One example of the Markdown page: its operation's heading, title, whether it is marked as
/// made from the schema, the request and the response as shown.
#[derive(Debug)]
struct Shown {
    operation: String,
    title: String,
    generated: bool,
    request: String,
    response: String,
}

/// The examples of each operation section (`## METHOD /path (name)` up to `### Integration`).
fn examples(md: &str) -> Vec<Shown> {
    let mut out = Vec::new();
    let mut operation = None;
    let mut title = String::new();
    let mut generated = false;
    let mut blocks: Vec<String> = Vec::new();
    let mut lines = md.lines();
    while let Some(line) = lines.next() {
        if let Some(h) = line.strip_prefix("## ") {
            operation = h.contains(" /").then(|| h.to_string());
        } else if line == "### Integration" || line.starts_with("## ") {
            operation = None;
        } else if let Some(t) = line.strip_prefix("#### ") {
            title = t.to_string();
            generated = false;
            blocks.clear();
        } else if line.starts_with("*Generated from the schema:*") {
            generated = true;
        } else if line.starts_with("```http") || line.starts_with("````http") {
            let fence = line.trim_end_matches("http");
            let mut block = String::new();
            for l in lines.by_ref() {
                if l == fence {
                    break;
                }
                block.push_str(l);
                block.push('\n');
            }
            blocks.push(block);
            if let (Some(op), [request, response]) = (&operation, blocks.as_slice()) {
                out.push(Shown {
                    operation: op.clone(),
                    title: title.clone(),
                    generated,
                    request: request.clone(),
                    response: response.clone(),
                });
            }
        }
    }
    out
}

fn status(response: &str) -> u16 {
    response
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("HTTP/1.1 "))
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0)
}

/// `METHOD target` and the body of a request as shown.
fn request_parts(request: &str) -> (String, String, String) {
    let (head, body) = request.split_once("\n\n").unwrap_or((request, ""));
    let mut first = head.lines().next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_string();
    let target = first.next().unwrap_or_default().to_string();
    (method, target, body.to_string())
}

/// The corpus documents with no `example` anywhere in them (as read), with operations whose
/// requests need a body or a path parameter.
const WITHOUT_EXAMPLES: &[&str] = &[
    "sp-reminders-scheduler",
    "divmora-url-shortener-sigv4",
    "url-shortener-cognito",
    "solutions-constructs-cdk-crud",
    "sp-apigw-rest-api-dynamodb-gsi",
    "seed-cdk-synth",
];

#[test]
fn every_operation_of_a_document_without_examples_has_a_generated_valid_example() {
    let mut checked = 0;
    for name in WITHOUT_EXAMPLES {
        let (api, config) = document(name);
        assert!(
            !api.resolved.to_string().contains("\"example"),
            "{name}: the document has examples; the test is about documents without"
        );
        // The values corpus.json gives parameters without defaults, as `--param` gives them.
        let mut options = codegen::Options::default();
        for (k, v) in config["params"].as_object().into_iter().flatten() {
            options
                .params
                .insert(k.clone(), v.as_str().unwrap_or_default().to_string());
        }
        let artifacts =
            codegen::generate(&api, &options).unwrap_or_else(|e| panic!("{name}: generate: {e}"));
        let md = artifacts
            .iter()
            .find(|a| a.path == emit::docs::MD_PATH)
            .map(|a| a.text().to_string())
            .expect("api.md");
        let shown = examples(&md);
        let expected_5xx = config["expected_5xx"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for op in &api.operations {
            let heading = format!("{} {} (", op.method, op.path);
            let mine: Vec<&Shown> = shown
                .iter()
                .filter(|e| e.operation.starts_with(&heading))
                .collect();
            // The operation's own request: the first example, before any error path.
            let Some(first) = mine.first() else {
                panic!("{name}: {heading} shows no example:\n{md}");
            };
            let (method, target, body) = request_parts(&first.request);
            let needs_making = op.request_body.is_some()
                || op.parameters.iter().any(|p| {
                    p.location == apidef::ParamLocation::Path
                        || (p.required && p.location != apidef::ParamLocation::Cookie)
                })
                || op.path.contains('{');
            if needs_making {
                assert!(
                    first.generated,
                    "{name}: {heading}: {:?} is not marked as generated from the schema",
                    first.title
                );
            }
            // Path parameters are never blank: every segment of the target has text.
            let path = target.split('?').next().unwrap_or_default();
            assert!(
                path == "/" || path.split('/').skip(1).all(|s| !s.trim().is_empty()),
                "{name}: {heading}: blank path segment in {target}"
            );
            assert_eq!(
                path.split('/').count(),
                op.path.split('/').count(),
                "{name}: {heading}: {target} does not fill {}",
                op.path
            );
            if op.method != "ANY" {
                assert_eq!(method, op.method, "{name}: {heading}");
            }
            // The body is valid by the very validator the gateway runs.
            if let Some(schema) = op.request_body.as_ref().and_then(|b| {
                b.content
                    .iter()
                    .find(|(ct, _)| ct.starts_with("application/json"))
                    .and_then(|(_, s)| s.clone())
            }) {
                let validator = gateway::validate::model_validator(&schema)
                    .unwrap_or_else(|e| panic!("{name}: {heading}: model: {e}"));
                let value: Value = serde_json::from_str(&body)
                    .unwrap_or_else(|e| panic!("{name}: {heading}: body {body:?}: {e}"));
                assert!(
                    gateway::validate::validate_body(&validator, value.to_string().as_bytes())
                        .is_ok(),
                    "{name}: {heading}: the made body {value} fails the gateway's validator for {schema}"
                );
            }
            let code = status(&first.response);
            assert!(
                code >= 100,
                "{name}: {heading}: no status in {}",
                first.response
            );
            assert!(
                first
                    .response
                    .contains("x-amzn-RequestId: 00000000-0000-4000-8000-"),
                "{name}: {heading}: no fixed request id in {}",
                first.response
            );
            if code >= 500 {
                let why = expected_5xx.get(&op.label()).and_then(Value::as_str);
                assert!(
                    why.is_some(),
                    "{name}: {heading} answered {code} and corpus.json documents no 5xx for it:\n{}\n{}",
                    first.request,
                    first.response
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} operations checked");
}

/// A read after a create of the same key finds it: `sp-apigw-rest-api-dynamodb-gsi` stores
/// `{artist, album}` with `POST /music` (no body schema, so the body is made from the fields
/// its template reads) and `GET /music/{artist}` queries by the artist: the shared value makes
/// the read list the created item rather than nothing.
#[test]
fn a_read_after_a_create_uses_the_created_key() {
    let (api, _) = document("sp-apigw-rest-api-dynamodb-gsi");
    let artifacts = codegen::generate(&api, &codegen::Options::default()).expect("generate");
    let md = artifacts
        .iter()
        .find(|a| a.path == emit::docs::MD_PATH)
        .map(|a| a.text().to_string())
        .expect("api.md");
    let shown = examples(&md);
    let create = shown
        .iter()
        .find(|e| e.operation.starts_with("POST /music "))
        .expect("POST /music example");
    let (_, _, body) = request_parts(&create.request);
    let body: Value = serde_json::from_str(&body).expect("JSON body");
    let artist = body["artist"]
        .as_str()
        .expect("the body has the artist the template reads");
    let read = shown
        .iter()
        .find(|e| e.operation.starts_with("GET /music/{artist} "))
        .expect("GET /music/{artist} example");
    assert!(
        read.request.starts_with(&format!("GET /music/{artist} ")),
        "{}",
        read.request
    );
    assert_eq!(status(&read.response), 200, "{}", read.response);
    assert!(
        read.response.contains(&format!("\"artist\": \"{artist}\"")),
        "the read does not show the created item:\n{}",
        read.response
    );
}

/// Values made from tricky schemas pass the gateway's validator: the corpus's URL patterns,
/// formats, bounds, multiples, nested `$ref`s and `allOf`.
#[test]
fn made_values_pass_the_gateway_validator() {
    let schemas = [
        serde_json::json!({"type": "object", "required": ["id", "url"], "properties": {
            "id": {"type": "string"},
            "url": {"type": "string", "pattern": "^https?://[-a-zA-Z0-9@:%._\\+~#=]{2,256}\\.[a-z]{2,6}\\b([-a-zA-Z0-9@:%_\\+.~#?&//=]*)"},
            "ttl": {"type": "integer", "minimum": 1, "multipleOf": 1}}}),
        serde_json::json!({"type": "object", "required": ["url"], "properties": {"url": {"type": "string",
            "pattern": "^(?:www\\.|[-;:&=+$,\\w]+@)[A-Za-z0-9.-]+(?:/[+~%/.\\w]*)?\\??(?:[-+=&;%@.\\w]*)#?(?:\\w*)$"}}}),
        serde_json::json!({"$schema": "http://json-schema.org/draft-04/schema#", "$ref": "#/definitions/A", "definitions": {
            "A": {"allOf": [{"$ref": "#/definitions/B"}, {"type": "object", "required": ["n"], "properties": {"n": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 1, "multipleOf": 0.25}}}]},
            "B": {"type": "object", "required": ["code", "when", "tags"], "properties": {
                "code": {"type": "string", "pattern": "^[A-Z]{2}-\\d{4}$", "minLength": 7, "maxLength": 7},
                "when": {"type": "string", "format": "date-time"},
                "mail": {"type": "string", "format": "email"},
                "tags": {"type": "array", "minItems": 2, "maxItems": 3, "uniqueItems": true, "items": {"type": "string", "minLength": 3}},
                "kind": {"enum": ["b", "a"]},
                "choice": {"oneOf": [{"type": "integer", "maximum": -5}, {"type": "string"}]}}}}}),
        serde_json::json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 12, "maxLength": 12}, "short": {"type": "string", "maxLength": 3}}}),
    ];
    for schema in &schemas {
        let value = emit::docs::sample::value(schema);
        let validator = gateway::validate::model_validator(schema).expect("model");
        assert!(
            gateway::validate::validate_body(&validator, value.to_string().as_bytes()).is_ok(),
            "{value} fails {schema}"
        );
    }
    // And the test can fail: a value the validator refuses is seen as refused.
    let validator = gateway::validate::model_validator(&schemas[0]).expect("model");
    assert!(gateway::validate::validate_body(&validator, b"{\"id\": \"x\"}").is_err());
}
