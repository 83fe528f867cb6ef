//! Helpers shared by the import tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use serde_json::Value;

pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

pub const METHODS: &[&str] = &[
    "get",
    "put",
    "post",
    "delete",
    "options",
    "head",
    "patch",
    "trace",
    "x-amazon-apigateway-any-method",
];

/// Every mapping template and selection pattern of an OpenAPI document:
/// `(what, text)`, `what` being `METHOD path request|response <key> <content type>` or
/// `... pattern`, in document order.
pub fn templates(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let Some(integ) = op.get("x-amazon-apigateway-integration") else {
                continue;
            };
            let op_name = format!("{} {path}", method.to_uppercase());
            if let Some(Value::Object(t)) = integ.get("requestTemplates") {
                for (ct, s) in t {
                    out.push((
                        format!("{op_name} request {ct}"),
                        s.as_str().unwrap_or_default().to_string(),
                    ));
                }
            }
            if let Some(Value::Object(responses)) = integ.get("responses") {
                for (key, r) in responses {
                    out.push((format!("{op_name} pattern"), key.clone()));
                    if let Some(Value::Object(t)) = r.get("responseTemplates") {
                        for (ct, s) in t {
                            out.push((
                                format!("{op_name} response {key} {ct}"),
                                s.as_str().unwrap_or_default().to_string(),
                            ));
                        }
                    }
                }
            }
        }
    }
    out
}

pub fn operation_count(doc: &Value) -> usize {
    doc.get("paths")
        .and_then(Value::as_object)
        .map(|paths| {
            paths
                .values()
                .filter_map(Value::as_object)
                .map(|item| {
                    item.keys()
                        .filter(|k| METHODS.contains(&k.as_str()))
                        .count()
                })
                .sum()
        })
        .unwrap_or(0)
}

/// The YAML reloads to exactly the document, every template and pattern byte for byte.
pub fn assert_reloads_identically(imported: &import::Imported) {
    let reloaded = apidef::source::parse(&imported.yaml, "imported.yaml")
        .unwrap_or_else(|e| panic!("the YAML does not parse: {e}\n{}", imported.yaml));
    let before = templates(&imported.document);
    let after = templates(&reloaded);
    assert_eq!(before.len(), after.len());
    for ((w1, t1), (w2, t2)) in before.iter().zip(&after) {
        assert_eq!(w1, w2);
        assert_eq!(t1.as_bytes(), t2.as_bytes(), "{w1} changed in the YAML");
    }
    assert_eq!(reloaded, imported.document, "the YAML is not the document");
    assert!(imported.yaml.starts_with("# Imported from "));
}

/// Load the YAML with the project's loader.
pub fn load(imported: &import::Imported) -> apidef::Api {
    apidef::Api::from_str_with(&imported.yaml, "imported.yaml", &IndexMap::new())
        .unwrap_or_else(|e| panic!("the loader refuses the import: {e}\n{}", imported.yaml))
}

/// The stack and the import-ready definition codegen emits from the imported document.
pub fn emits(api: &apidef::Api, what: &str) -> (String, String) {
    emits_with(api, what, IndexMap::new())
}

/// `emits` with `--param` values for the parameters without defaults.
pub fn emits_with(
    api: &apidef::Api,
    what: &str,
    params: IndexMap<String, String>,
) -> (String, String) {
    let options = emit::Options { params };
    let stack = emit::cloudformation::emit(api, &options)
        .unwrap_or_else(|e| panic!("{what}: codegen cannot emit the stack: {e}"));
    let import_ready = emit::apigateway::emit(api, &options)
        .unwrap_or_else(|e| panic!("{what}: codegen cannot emit the import-ready definition: {e}"));
    (stack.text().to_string(), import_ready.text().to_string())
}

/// `(what, text)` of every template and pattern the loader sees (placeholders substituted).
pub fn loaded_templates(api: &apidef::Api) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for op in &api.operations {
        for t in op.integration.request_templates.values() {
            out.push((
                format!("{} request {}", op.label(), t.content_type),
                t.source.clone(),
            ));
        }
        for r in &op.integration.responses {
            out.push((format!("{} pattern", op.label()), r.key.clone()));
            for t in r.response_templates.values() {
                out.push((
                    format!("{} response {} {}", op.label(), r.key, t.content_type),
                    t.source.clone(),
                ));
            }
        }
    }
    out
}

pub fn sorted_texts(v: &[(String, String)]) -> Vec<String> {
    let mut t: Vec<String> = v.iter().map(|(_, s)| s.clone()).collect();
    t.sort();
    t
}
