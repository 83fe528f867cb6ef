//! Every CloudFormation (SAM, `cdk synth`, Serverless Framework `resources`) and get-export
//! document under `corpus/` imports into a document with the same operations and the same
//! templates and selection patterns, byte for byte, that reads back identically from its YAML
//! and that the project's loader takes.
//!
//! The source's templates are evaluated here independently of the importer: `Fn::Join`,
//! `Fn::Sub` and `Ref` with each parameter's default, each table's name and the pseudo
//! parameters' local values, which is what the loader substitutes into the imported
//! document's placeholders.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use import::{ImportOptions, SourceKind};
use serde_json::{Map, Value};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| ["json", "yaml", "yml", "snap"].contains(&e))
        {
            out.push(p);
        }
    }
}

/// A Jest snapshot (`exports[...] = \`Object {...}\``) of a template as JSON.
fn snapshot_to_json(text: &str) -> Option<String> {
    let start = text.find("= `\n")? + 4;
    let end = text[start..].find("\n`;")? + start;
    // Undo the template literal's escapes.
    let body = text[start..end]
        .replace("\\`", "`")
        .replace("\\${", "${")
        .replace("\\\\", "\\");
    let mut out = String::with_capacity(body.len());
    let mut in_string = false;
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    out.push(c);
                    if let Some(n) = chars.next() {
                        out.push(n);
                    }
                }
                '"' => {
                    in_string = false;
                    out.push(c);
                }
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                _ => out.push(c),
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else {
            out.push(c);
        }
    }
    let out = out.replace("Object {", "{").replace("Array [", "[");
    // Trailing commas.
    let mut clean = String::with_capacity(out.len());
    let bytes: Vec<char> = out.chars().collect();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if in_string {
            clean.push(c);
            if c == '\\' && i + 1 < bytes.len() {
                clean.push(bytes[i + 1]);
                i += 2;
                continue;
            }
            if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            clean.push(c);
        } else if c == ',' {
            let next = bytes[i + 1..].iter().find(|c| !c.is_whitespace());
            if !matches!(next, Some('}') | Some(']')) {
                clean.push(c);
            }
        } else {
            clean.push(c);
        }
        i += 1;
    }
    Some(clean)
}

/// The framework's variables of a `serverless.yml`, as the framework resolves them without
/// options (enough for the corpus: `self:`, `opt:` with a fallback, `sls:stage`, `param:`,
/// `aws:region`).
fn serverless_resources(root: &Map<String, Value>) -> Value {
    fn lookup(root: &Map<String, Value>, address: &str) -> Option<Value> {
        let mut parts = address.split('.');
        let mut v = root.get(parts.next()?)?;
        for p in parts {
            v = v.get(p)?;
        }
        Some(v.clone())
    }
    fn resolve(root: &Map<String, Value>, s: &str, depth: usize) -> String {
        assert!(depth < 20, "variables refer to each other");
        let mut s = s.to_string();
        for _ in 0..20 {
            let Some(start) = s
                .find("${self:")
                .or_else(|| s.find("${opt:"))
                .or_else(|| s.find("${param:"))
                .or_else(|| s.find("${sls:"))
                .or_else(|| s.find("${aws:"))
            else {
                break;
            };
            let end = start + s[start..].find('}').unwrap();
            let inner = s[start + 2..end].to_string();
            let (expr, fallback) = match inner.split_once(',') {
                Some((e, f)) => (e.trim().to_string(), Some(f.trim().to_string())),
                None => (inner.clone(), None),
            };
            let stage = || {
                lookup(root, "provider.stage")
                    .and_then(|v| v.as_str().map(|s| resolve(root, s, depth + 1)))
                    .unwrap_or_else(|| "dev".into())
            };
            let value = if let Some(f) = fallback.filter(|_| expr.starts_with("opt:")) {
                if let Some(q) = f.strip_prefix('"').and_then(|f| f.strip_suffix('"')) {
                    q.to_string()
                } else if let Some(a) = f.strip_prefix("self:") {
                    lookup(root, a)
                        .and_then(|v| v.as_str().map(|s| resolve(root, s, depth + 1)))
                        .unwrap()
                } else {
                    f
                }
            } else if let Some(a) = expr.strip_prefix("self:") {
                lookup(root, a)
                    .and_then(|v| v.as_str().map(|s| resolve(root, s, depth + 1)))
                    .unwrap()
            } else if let Some(a) = expr.strip_prefix("param:") {
                lookup(root, &format!("params.default.{a}"))
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap()
            } else if expr == "sls:stage" || expr == "opt:stage" {
                stage()
            } else if expr == "aws:region" {
                "us-east-1".into()
            } else {
                panic!("no value for ${{{inner}}} in this test");
            };
            s.replace_range(start..=end, &value);
        }
        s
    }
    fn walk(root: &Map<String, Value>, v: &Value) -> Value {
        match v {
            Value::String(s) => Value::String(resolve(root, s, 0)),
            Value::Array(a) => Value::Array(a.iter().map(|x| walk(root, x)).collect()),
            Value::Object(o) => {
                Value::Object(o.iter().map(|(k, x)| (k.clone(), walk(root, x))).collect())
            }
            other => other.clone(),
        }
    }
    walk(root, &root["resources"])
}

/// Evaluates the source's values with concrete values.
struct Concrete<'a> {
    template: &'a Value,
}

impl Concrete<'_> {
    fn resources(&self) -> &Value {
        &self.template["Resources"]
    }

    fn name(&self, x: &str) -> String {
        if let Some((_, v)) = apidef::params::PSEUDO_PARAMETERS
            .iter()
            .find(|(p, _)| *p == x)
        {
            return v.to_string();
        }
        if let Some(p) = self.template.get("Parameters").and_then(|p| p.get(x)) {
            return match &p["Default"] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
        }
        let r = &self.resources()[x];
        if r["Type"] == "AWS::DynamoDB::Table" || r["Type"] == "AWS::Serverless::SimpleTable" {
            return match r["Properties"].get("TableName") {
                Some(n) => self.eval(n),
                None => x.to_string(),
            };
        }
        x.to_string()
    }

    fn get_att(&self, r: &str, a: &str) -> String {
        let res = &self.resources()[r];
        if res["Type"] == "AWS::IAM::Role" && a == "Arn" {
            let name = res["Properties"]
                .get("RoleName")
                .and_then(Value::as_str)
                .unwrap_or(r);
            return format!("arn:aws:iam::123456789012:role/{name}");
        }
        format!("{r}.{a}")
    }

    fn eval(&self, v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Object(o) if o.len() == 1 => {
                let (k, arg) = o.iter().next().unwrap();
                match k.as_str() {
                    "Ref" => self.name(arg.as_str().unwrap()),
                    "Fn::GetAtt" => {
                        let a = arg.as_array().unwrap();
                        self.get_att(a[0].as_str().unwrap(), a[1].as_str().unwrap())
                    }
                    "Fn::Join" => {
                        let a = arg.as_array().unwrap();
                        let d = a[0].as_str().unwrap();
                        a[1].as_array()
                            .unwrap()
                            .iter()
                            .map(|p| self.eval(p))
                            .collect::<Vec<_>>()
                            .join(d)
                    }
                    "Fn::Sub" => {
                        let (text, vars) = match arg {
                            Value::String(s) => (s.as_str(), None),
                            Value::Array(a) => (a[0].as_str().unwrap(), a[1].as_object()),
                            _ => panic!("Fn::Sub {arg}"),
                        };
                        let mut out = String::new();
                        let mut rest = text;
                        while let Some(i) = rest.find("${") {
                            out.push_str(&rest[..i]);
                            let after = &rest[i + 2..];
                            if let Some(lit) = after.strip_prefix('!') {
                                out.push_str("${");
                                rest = lit;
                                continue;
                            }
                            let end = after.find('}').unwrap();
                            let name = &after[..end];
                            let value = match vars.and_then(|m| m.get(name)) {
                                Some(v) => self.eval(v),
                                None => match name.split_once('.') {
                                    Some((r, a)) if !name.starts_with("AWS::") => {
                                        self.get_att(r, a)
                                    }
                                    _ => self.name(name),
                                },
                            };
                            out.push_str(&value);
                            rest = &after[end + 1..];
                        }
                        out.push_str(rest);
                        out
                    }
                    other => panic!("{other} in a template of the corpus: extend this test"),
                }
            }
            other => panic!("unexpected value {other}"),
        }
    }
}

/// The source's templates and patterns, evaluated, and its number of operations.
fn source_templates(template: &Value, api: &str, dir: &Path) -> (usize, Vec<String>) {
    let c = Concrete { template };
    let res = &template["Resources"][api];
    let props = &res["Properties"];
    let body = props.get("Body").or_else(|| props.get("DefinitionBody"));
    let mut texts = Vec::new();
    if let Some(body) = body {
        let body = match body.get("Fn::Transform") {
            Some(t) => {
                let loc = t["Parameters"]["Location"].as_str().unwrap();
                let path = dir.join(loc);
                let text = std::fs::read_to_string(&path).unwrap();
                apidef::source::parse(&text, &path.display().to_string()).unwrap()
            }
            None => body.clone(),
        };
        let paths = body["paths"].as_object().unwrap();
        let mut ops = 0;
        for item in paths.values() {
            for (m, op) in item.as_object().unwrap() {
                if !METHODS.contains(&m.as_str()) {
                    continue;
                }
                ops += 1;
                let integ = &op["x-amazon-apigateway-integration"];
                if let Some(Value::Object(t)) = integ.get("requestTemplates") {
                    texts.extend(t.values().map(|v| c.eval(v)));
                }
                if let Some(Value::Object(rs)) = integ.get("responses") {
                    for (k, r) in rs {
                        texts.push(k.clone());
                        if let Some(Value::Object(t)) = r.get("responseTemplates") {
                            texts.extend(t.values().map(|v| c.eval(v)));
                        }
                    }
                }
            }
        }
        texts.sort();
        return (ops, texts);
    }
    let mut ops = 0;
    for r in template["Resources"].as_object().unwrap().values() {
        if r["Type"] != "AWS::ApiGateway::Method" || r["Properties"]["RestApiId"]["Ref"] != api {
            continue;
        }
        ops += 1;
        let integ = &r["Properties"]["Integration"];
        if let Some(Value::Object(t)) = integ.get("RequestTemplates") {
            texts.extend(t.values().map(|v| c.eval(v)));
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(Value::Array(irs)) = integ.get("IntegrationResponses") {
            for ir in irs {
                let key = ir
                    .get("SelectionPattern")
                    .map(|p| c.eval(p))
                    .filter(|p| !p.is_empty())
                    .unwrap_or_else(|| "default".into());
                if !seen.insert(key.clone()) {
                    continue;
                }
                texts.push(key);
                if let Some(Value::Object(t)) = ir.get("ResponseTemplates") {
                    texts.extend(t.values().map(|v| c.eval(v)));
                }
            }
        }
    }
    texts.sort();
    (ops, texts)
}

/// The values a corpus document's `corpus.json` gives its parameters without defaults (as a
/// user passes them with `--param`).
fn params_of(file: &Path) -> indexmap::IndexMap<String, String> {
    let config = file
        .parent()
        .and_then(|d| std::fs::read_to_string(d.join("corpus.json")).ok())
        .and_then(|t| serde_json::from_str::<Value>(&t).ok());
    config
        .as_ref()
        .and_then(|c| c["params"].as_object())
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_template_of_the_corpus_imports() {
    let root = workspace().join("corpus");
    let mut all = Vec::new();
    files(&root, &mut all);
    let mut imported_count = 0;
    let mut report = Vec::new();
    for path in &all {
        let file = path.display().to_string();
        let raw = std::fs::read_to_string(path).unwrap();
        let (text, name) = if file.ends_with(".snap") {
            match snapshot_to_json(&raw) {
                Some(t) => (t, format!("{file}.json")),
                None => continue,
            }
        } else {
            (raw, file.clone())
        };
        let Ok(value) = apidef::source::parse(&text, &name) else {
            assert!(
                !file.ends_with(".yaml") && !file.ends_with(".yml"),
                "{file} does not parse"
            );
            continue;
        };
        let Some(kind) = import::detect(&value) else {
            continue;
        };
        if !matches!(kind, SourceKind::CloudFormation | SourceKind::GetExport) {
            continue;
        }
        let first = import::import(&text, &name, &ImportOptions::default())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let apis = if first.apis.is_empty() {
            vec![None]
        } else {
            first.apis.iter().cloned().map(Some).collect()
        };
        for api in apis {
            let imported = import::import(&text, &name, &ImportOptions { api: api.clone() })
                .unwrap_or_else(|e| panic!("{file} {api:?}: {e}"));
            let what = format!("{file} ({})", api.as_deref().unwrap_or("-"));
            assert_reloads_identically(&imported);
            // The corpus.json values of the parameters this import declares.
            let mut params = params_of(path);
            params.retain(|k, _| imported.document["x-deploy-parameters"].get(k).is_some());
            let loaded = apidef::Api::from_str_with(&imported.yaml, "imported.yaml", &params)
                .unwrap_or_else(|e| {
                    panic!(
                        "{what}: the loader refuses the import: {e}\n{}",
                        imported.yaml
                    )
                });

            emits_with(&loaded, &what, params.clone());
            if kind == SourceKind::CloudFormation {
                let template = match value.as_object() {
                    Some(o) if o.contains_key("service") && o.contains_key("provider") => {
                        serverless_resources(o)
                    }
                    _ => value.clone(),
                };
                let api_id = imported.api.clone().unwrap();
                let (ops, want) = source_templates(&template, &api_id, path.parent().unwrap());
                assert_eq!(
                    operation_count(&imported.document),
                    ops,
                    "{what}: operations"
                );
                assert_eq!(loaded.operations.len(), ops, "{what}: operations loaded");
                // The document's templates with the values the loader substitutes.
                let substituted: Vec<(String, String)> = templates(&imported.document)
                    .into_iter()
                    .map(|(w, t)| {
                        (
                            w,
                            apidef::params::substitute_str(&t, &loaded.parameter_values),
                        )
                    })
                    .collect();
                let got = sorted_texts(&substituted);
                let compiled = sorted_texts(&loaded_templates(&loaded));
                if compiled != got {
                    println!(
                        "LOADER: {what}: the loader compiles {} templates and patterns of the {} in the document",
                        compiled.len(),
                        got.len()
                    );
                }
                if got.len() != want.len() {
                    let only_src: Vec<&String> = want.iter().filter(|w| !got.contains(w)).collect();
                    let only_out: Vec<&String> = got.iter().filter(|g| !want.contains(g)).collect();
                    panic!(
                        "{what}: templates {} vs {}: only in the source {only_src:#?}, only in the import {only_out:#?}",
                        got.len(),
                        want.len()
                    );
                }
                for (g, w) in got.iter().zip(&want) {
                    assert_eq!(g.as_bytes(), w.as_bytes(), "{what}: a template differs");
                }
            }
            report.push(format!(
                "{what}: {} operations, {} templates and patterns, {} not carried",
                loaded.operations.len(),
                templates(&imported.document).len(),
                imported.not_carried.len()
            ));
            for n in &imported.not_carried {
                report.push(format!("    not carried: {n}"));
            }
            imported_count += 1;
        }
    }
    for r in &report {
        println!("{r}");
    }
    assert!(
        imported_count >= 10,
        "only {imported_count} corpus documents imported"
    );
}
