//! OpenAPI documents: Swagger 2.0 conversion, the project form's touches, `get-export` clean-up
//! and where the project extensions go.

use serde_json::{Map, Value, json};

use crate::cfn::{Resolver, Template};
use crate::{ImportError, ImportErrorKind, Output, SourceKind};

pub(crate) fn is_execute_api_host(host: &str) -> bool {
    host.contains(".execute-api.")
}

pub(crate) fn is_execute_api_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url);
    is_execute_api_host(rest.split('/').next().unwrap_or(rest))
}

pub(crate) use apidef::OPERATION_KEYS as HTTP_METHODS;

/// A bare document: Swagger 2.0, `get-export` output or OpenAPI 3.0.
pub(crate) fn import_document(
    value: &Value,
    file: &str,
    kind: SourceKind,
) -> Result<Output, ImportError> {
    let t = Template::standalone(file);
    let mut r = Resolver::new(&t);
    let resolved = r.tree(value, "").unwrap_or(Value::Null);
    if let Some(e) = r.fatal.take() {
        return Err(e);
    }
    let mut doc = to_openapi3(resolved, &mut r, "")?;
    let stage = if kind == SourceKind::GetExport {
        export_cleanup(&mut doc, &mut r)
    } else {
        None
    };
    project_form(&mut doc);
    let document = place_extensions(doc, r.deploy_parameters(), Map::new(), stage);
    Ok(Output {
        document,
        not_carried: r.not_carried,
        apis: Vec::new(),
        api: None,
    })
}

/// A resolved definition as OpenAPI 3.0 (Swagger 2.0 is converted by `apidef::swagger2`);
/// `ptr` is where the definition is in the source.
pub(crate) fn to_openapi3(
    mut doc: Value,
    r: &mut Resolver,
    ptr: &str,
) -> Result<Value, ImportError> {
    let Some(root) = doc.as_object_mut() else {
        return Err(ImportError::new(
            ImportErrorKind::Invalid("the API definition is not an object".into()),
            &r.t.file,
            ptr,
        ));
    };
    if !root.contains_key("swagger") {
        return Ok(doc);
    }
    // `swagger: 2.0` unquoted is a number to YAML; API Gateway (and SAM) take it as "2.0".
    if root.get("swagger").and_then(Value::as_f64) == Some(2.0) {
        root.insert("swagger".into(), json!("2.0"));
    }
    let converted = apidef::swagger2::convert(&doc, &r.t.file);
    let mut fatal = Vec::new();
    for p in &converted.problems {
        let at = format!("{ptr}{}", p.location.pointer);
        if p.severity == apidef::Severity::Error {
            fatal.push(format!("{at}: {}", p.kind));
        } else {
            r.note(&at, None, format!("Swagger 2.0 conversion: {}", p.kind));
        }
    }
    if !fatal.is_empty() {
        return Err(ImportError::new(
            ImportErrorKind::Swagger(fatal.join("; ")),
            &r.t.file,
            ptr,
        ));
    }
    Ok(converted.document)
}

/// The project form's spelling: integration `type` and `passthroughBehavior` lower-case, status
/// codes strings.
pub(crate) fn project_form(doc: &mut Value) {
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                if !HTTP_METHODS.contains(&method.as_str()) {
                    continue;
                }
                if let Some(integ) = op
                    .get_mut("x-amazon-apigateway-integration")
                    .and_then(Value::as_object_mut)
                {
                    integration_form(integ);
                }
            }
        }
    }
    if let Some(grs) = doc
        .get_mut("x-amazon-apigateway-gateway-responses")
        .and_then(Value::as_object_mut)
    {
        for gr in grs.values_mut() {
            if let Some(gr) = gr.as_object_mut() {
                stringify(gr, "statusCode");
            }
        }
    }
}

pub(crate) fn integration_form(integ: &mut Map<String, Value>) {
    for k in ["type", "passthroughBehavior"] {
        if let Some(Value::String(s)) = integ.get_mut(k) {
            *s = s.to_ascii_lowercase();
        }
    }
    if let Some(responses) = integ.get_mut("responses").and_then(Value::as_object_mut) {
        for resp in responses.values_mut() {
            if let Some(resp) = resp.as_object_mut() {
                stringify(resp, "statusCode");
            }
        }
    }
}

fn stringify(m: &mut Map<String, Value>, key: &str) {
    if let Some(v) = m.get_mut(key)
        && let Value::Number(n) = v
    {
        *v = Value::String(n.to_string());
    }
}

/// The document with the project extensions after `info` (after `openapi` when there is no
/// `info`), merged with any the document already has.
pub(crate) fn place_extensions(
    doc: Value,
    params: Map<String, Value>,
    tables: Map<String, Value>,
    stage: Option<Map<String, Value>>,
) -> Value {
    let Value::Object(mut root) = doc else {
        return doc;
    };
    let mut merged_params = match root.shift_remove("x-deploy-parameters") {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for (k, v) in params {
        merged_params.entry(k).or_insert(v);
    }
    let mut merged_tables = match root.shift_remove("x-dynamodb-tables") {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    };
    for (k, v) in tables {
        merged_tables.entry(k).or_insert(v);
    }
    let existing_stage = root.shift_remove("x-deploy-stage");
    let stage = match (existing_stage, stage) {
        (Some(s), _) => Some(s),
        (None, Some(s)) => Some(Value::Object(s)),
        (None, None) => None,
    };
    let mut ext: Vec<(String, Value)> = Vec::new();
    if !merged_params.is_empty() {
        ext.push(("x-deploy-parameters".into(), Value::Object(merged_params)));
    }
    if !merged_tables.is_empty() {
        ext.push(("x-dynamodb-tables".into(), Value::Object(merged_tables)));
    }
    if let Some(s) = stage {
        ext.push(("x-deploy-stage".into(), s));
    }
    let anchor = if root.contains_key("info") {
        "info"
    } else {
        "openapi"
    };
    let mut out = Map::new();
    let mut placed = false;
    for (k, v) in root {
        let here = k == anchor;
        out.insert(k, v);
        if here {
            for (k, v) in ext.drain(..) {
                out.insert(k, v);
            }
            placed = true;
        }
    }
    if !placed {
        let mut front = Map::new();
        for (k, v) in ext {
            front.insert(k, v);
        }
        for (k, v) in out {
            front.insert(k, v);
        }
        return Value::Object(front);
    }
    Value::Object(out)
}

/// Insert `key` before `before` (at the end when there is no `before`), replacing it in place
/// when present.
pub(crate) fn insert_before(root: &mut Map<String, Value>, key: &str, value: Value, before: &str) {
    if let Some(v) = root.get_mut(key) {
        *v = value;
        return;
    }
    if !root.contains_key(before) {
        root.insert(key.to_string(), value);
        return;
    }
    let old = std::mem::take(root);
    for (k, v) in old {
        if k == before {
            root.insert(key.to_string(), value.clone());
        }
        root.insert(k, v);
    }
}

/// What `get-export` adds that the project form does not want: the execute-api server (its
/// stage becomes `x-deploy-stage`), the region and account in integration ARNs.
fn export_cleanup(doc: &mut Value, r: &mut Resolver) -> Option<Map<String, Value>> {
    let root = doc.as_object_mut()?;
    let mut stage = None;
    if let Some(Value::Array(servers)) = root.get("servers").cloned() {
        let mut keep = Vec::new();
        for (i, s) in servers.into_iter().enumerate() {
            let url = s
                .get("url")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            if !is_execute_api_url(&url) {
                keep.push(s);
                continue;
            }
            let name = stage_of_url(&url, &s);
            if let Some(cfg) = s.get("x-amazon-apigateway-endpoint-configuration")
                && !root.contains_key("x-amazon-apigateway-endpoint-configuration")
            {
                root.insert(
                    "x-amazon-apigateway-endpoint-configuration".into(),
                    cfg.clone(),
                );
            }
            r.note(
                &format!("/servers/{i}"),
                None,
                format!(
                    "the exported API's URL {url}: the deployed stack has its own{}",
                    match &name {
                        Some(n) => format!("; its stage {n} is x-deploy-stage.name"),
                        None => String::new(),
                    }
                ),
            );
            if stage.is_none()
                && let Some(n) = name
            {
                let mut m = Map::new();
                m.insert("name".into(), Value::String(n));
                stage = Some(m);
            }
        }
        if keep.is_empty() {
            root.shift_remove("servers");
        } else {
            root.insert("servers".into(), Value::Array(keep));
        }
    }
    let mut tables = Vec::new();
    if let Some(paths) = root.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, op) in item.iter_mut() {
                if !HTTP_METHODS.contains(&method.as_str()) {
                    continue;
                }
                let Some(integ) = op
                    .get_mut("x-amazon-apigateway-integration")
                    .and_then(Value::as_object_mut)
                else {
                    continue;
                };
                for k in ["uri", "credentials"] {
                    if let Some(Value::String(s)) = integ.get_mut(k) {
                        *s = generalise_arns(s);
                    }
                }
                if let Some(Value::Object(templates)) = integ.get("requestTemplates") {
                    for t in templates.values() {
                        if let Some(t) = t.as_str() {
                            for name in table_names_in(t) {
                                if !tables.contains(&name) {
                                    tables.push(name);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    if let Some(Value::Object(schemes)) = root
        .get_mut("components")
        .and_then(|c| c.get_mut("securitySchemes"))
    {
        for scheme in schemes.values_mut() {
            if let Some(Value::Object(a)) = scheme.get_mut("x-amazon-apigateway-authorizer") {
                for k in ["authorizerUri", "authorizerCredentials"] {
                    if let Some(Value::String(s)) = a.get_mut(k) {
                        *s = generalise_arns(s);
                    }
                }
            }
        }
    }
    if !tables.is_empty() {
        r.note(
            "",
            None,
            format!(
                "an export carries no table definitions: declare the table(s) {} in x-dynamodb-tables (and their names as deploy parameters) by hand",
                tables.join(", ")
            ),
        );
    }
    stage
}

/// The stage of an execute-api URL: `{basePath}`'s default, else the first path segment.
fn stage_of_url(url: &str, server: &Value) -> Option<String> {
    let rest = url.split_once("://").map(|x| x.1).unwrap_or(url);
    let path = rest.split_once('/').map(|x| x.1).unwrap_or("");
    let first = path.split('/').next().unwrap_or("");
    let name = if let Some(var) = first.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
        server
            .get("variables")
            .and_then(|v| v.get(var))
            .and_then(|v| v.get("default"))
            .and_then(Value::as_str)
            .map(|s| s.trim_matches('/').to_string())?
    } else {
        first.to_string()
    };
    (!name.is_empty()).then_some(name)
}

/// Every ARN in `s` with its region `${AWS::Region}` and its account `${AWS::AccountId}`
/// (`arn:aws:apigateway:us-east-1:dynamodb:action/PutItem`,
/// `arn:aws:iam::123456789012:role/x`, nested ARNs in Lambda invocation URIs).
pub(crate) fn generalise_arns(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("arn:") {
        let boundary = i == 0 || !rest.as_bytes()[i - 1].is_ascii_alphanumeric();
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if !boundary {
            out.push_str("arn:");
            rest = &rest[4..];
            continue;
        }
        // arn:partition:service:region:account:...
        let mut fields: Vec<&str> = Vec::new();
        let mut pos = 4;
        for _ in 0..4 {
            match rest[pos..].find(':') {
                Some(j) => {
                    fields.push(&rest[pos..pos + j]);
                    pos += j + 1;
                }
                None => break,
            }
        }
        if fields.len() < 4 {
            out.push_str("arn:");
            rest = &rest[4..];
            continue;
        }
        let region = if is_region(fields[2]) {
            "${AWS::Region}"
        } else {
            fields[2]
        };
        let account = if fields[3].len() == 12 && fields[3].bytes().all(|b| b.is_ascii_digit()) {
            "${AWS::AccountId}"
        } else {
            fields[3]
        };
        out.push_str(&format!(
            "arn:{}:{}:{region}:{account}:",
            fields[0], fields[1]
        ));
        rest = &rest[pos..];
    }
    out.push_str(rest);
    out
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`, ...
fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
}

/// `"TableName": "x"` values in a request template.
fn table_names_in(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(i) = rest.find("\"TableName\"") {
        rest = &rest[i + "\"TableName\"".len()..];
        let after = rest.trim_start();
        let Some(after) = after.strip_prefix(':') else {
            continue;
        };
        let after = after.trim_start();
        let Some(after) = after.strip_prefix('"') else {
            continue;
        };
        if let Some(end) = after.find('"') {
            let name = &after[..end];
            if !name.is_empty() && !name.contains('$') {
                out.push(name.to_string());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_lose_their_region_and_account() {
        assert_eq!(
            generalise_arns("arn:aws:apigateway:eu-west-1:dynamodb:action/PutItem"),
            "arn:aws:apigateway:${AWS::Region}:dynamodb:action/PutItem"
        );
        assert_eq!(
            generalise_arns("arn:aws:iam::123456789012:role/api-ddb"),
            "arn:aws:iam::${AWS::AccountId}:role/api-ddb"
        );
        assert_eq!(
            generalise_arns(
                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations"
            ),
            "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:f/invocations"
        );
        assert_eq!(generalise_arns("no arn here"), "no arn here");
    }

    #[test]
    fn stages_of_execute_api_urls() {
        let s = json!({"variables": {"basePath": {"default": "/prod"}}});
        assert_eq!(
            stage_of_url(
                "https://a1.execute-api.us-east-1.amazonaws.com/{basePath}",
                &s
            ),
            Some("prod".into())
        );
        assert_eq!(
            stage_of_url(
                "https://a1.execute-api.us-east-1.amazonaws.com/v1",
                &json!({})
            ),
            Some("v1".into())
        );
        assert!(is_execute_api_url(
            "https://a1.execute-api.us-east-1.amazonaws.com/v1"
        ));
        assert!(!is_execute_api_url("https://api.example.com/execute-api."));
    }

    #[test]
    fn extensions_go_after_info() {
        let doc = json!({"openapi": "3.0.1", "info": {}, "paths": {}});
        let mut p = Map::new();
        p.insert("T".into(), json!({"default": "t"}));
        let out = place_extensions(doc, p, Map::new(), None);
        let keys: Vec<_> = out.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["openapi", "info", "x-deploy-parameters", "paths"]);
    }
}
