//! The three output formats: rustc-style text, the documented JSON shape, SARIF 2.1.0.

use serde_json::{Value, json};

use super::{AllowedBy, Finding, RULES, Report};

/// `file:line:col`, as far as known.
fn place(file: &str, f: &Finding) -> String {
    let mut at = file.to_string();
    if let Some(l) = f.file_line {
        at.push_str(&format!(":{l}"));
        if let Some(c) = f.file_column {
            at.push_str(&format!(":{c}"));
        }
    }
    at
}

pub(super) fn human(r: &Report) -> String {
    let mut s = String::new();
    for f in &r.findings {
        if f.allowed {
            // One line: what, where, and why it is allowed.
            let by = match (f.allowed_by, &f.allow_reason) {
                (_, Some(reason)) => format!("allowed by x-lint: {reason}"),
                (Some(AllowedBy::Config), None) => "allowed by the command line".to_string(),
                _ => "allowed by x-lint".to_string(),
            };
            let what: Vec<String> = [f.operation.clone(), f.template.clone()]
                .into_iter()
                .flatten()
                .collect();
            let what = if what.is_empty() {
                String::new()
            } else {
                format!(" ({})", what.join(", "))
            };
            s.push_str(&format!(
                "allowed[{}]: {}{what}: {} [{by}]\n",
                f.rule,
                place(&r.file, f),
                f.message.replace('\n', " ")
            ));
            continue;
        }
        s.push_str(&format!(
            "{}[{}]: {}\n",
            f.severity.as_str(),
            f.rule,
            f.message
        ));
        let at = place(&r.file, f);
        let mut what = Vec::new();
        if let Some(o) = &f.operation {
            what.push(o.clone());
        }
        if let Some(t) = &f.template {
            what.push(t.clone());
        }
        if let (Some(l), Some(c)) = (f.line, f.column) {
            what.push(format!("template {l}:{c}"));
        }
        if what.is_empty() {
            s.push_str(&format!("  --> {at}\n"));
        } else {
            s.push_str(&format!("  --> {at} ({})\n", what.join(", ")));
        }
        if let Some(sn) = &f.snippet {
            let num = sn.line_number.to_string();
            let pad = " ".repeat(num.len());
            // Tabs would misalign the caret; show them as one space.
            let text = sn.text.replace('\t', " ");
            let before = " ".repeat(sn.column.saturating_sub(1));
            s.push_str(&format!(
                "{pad} |\n{num} | {text}\n{pad} | {before}{}\n",
                "^".repeat(sn.width)
            ));
        }
        s.push('\n');
    }
    let allowed = r.allowed();
    s.push_str(&format!(
        "codegen lint: {}: {} error(s), {} warning(s){}\n",
        r.file,
        r.errors(),
        r.warnings(),
        if allowed > 0 {
            format!(", {allowed} allowed")
        } else {
            String::new()
        }
    ));
    s
}

fn finding_json(f: &Finding) -> Value {
    json!({
        "rule": f.rule,
        "severity": f.severity.as_str(),
        "operation": f.operation,
        "template": f.template,
        "line": f.line,
        "column": f.column,
        "file_line": f.file_line,
        "file_column": f.file_column,
        "message": f.message,
        "allowed": f.allowed,
        "allow_reason": f.allow_reason,
    })
}

pub(super) fn json(r: &Report) -> Value {
    json!({
        "findings": r.findings.iter().map(finding_json).collect::<Vec<_>>(),
        "errors": r.errors(),
        "warnings": r.warnings(),
        "allowed": r.allowed(),
    })
}

pub(super) fn sarif(r: &Report) -> Value {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|rule| {
            json!({
                "id": rule.id,
                "name": rule.id,
                "shortDescription": {"text": rule.description},
                "defaultConfiguration": {"level": rule.severity.as_str()},
            })
        })
        .collect();
    let uri = r.file.replace('\\', "/");
    let results: Vec<Value> = r
        .findings
        .iter()
        .map(|f| {
            let mut physical = json!({"artifactLocation": {"uri": uri}});
            if let Some(l) = f.file_line {
                let mut region = json!({"startLine": l});
                if let Some(c) = f.file_column {
                    region["startColumn"] = json!(c);
                }
                physical["region"] = region;
            }
            let mut location = json!({"physicalLocation": physical});
            let logical: Vec<String> = [f.operation.clone(), f.template.clone()]
                .into_iter()
                .flatten()
                .collect();
            if !logical.is_empty() {
                location["logicalLocations"] = json!([{"fullyQualifiedName": logical.join(" / ")}]);
            }
            let rule_index = RULES.iter().position(|x| x.id == f.rule);
            let mut result = json!({
                "ruleId": f.rule,
                "level": f.severity.as_str(),
                "message": {"text": f.message},
                "locations": [location],
                "properties": {
                    "operation": f.operation,
                    "template": f.template,
                    "templateLine": f.line,
                    "templateColumn": f.column,
                },
            });
            if let Some(i) = rule_index {
                result["ruleIndex"] = json!(i);
            }
            if f.allowed {
                let kind = match f.allowed_by {
                    Some(AllowedBy::Config) => "external",
                    _ => "inSource",
                };
                let mut suppression = json!({"kind": kind, "status": "accepted"});
                if let Some(reason) = &f.allow_reason {
                    suppression["justification"] = json!(reason);
                }
                result["suppressions"] = json!([suppression]);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "codegen lint",
                "informationUri": "https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "artifacts": [{"location": {"uri": uri}}],
            "results": results,
        }],
    })
}
