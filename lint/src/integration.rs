//! Rules about an operation's integration as a whole: statuses, selection patterns,
//! passthrough, credentials, pagination, and what `import-rest-api` refuses.

use apidef::SelectionPattern;
use serde_json::Value;

use super::Finding;
use super::doc::{Doc, Op};

/// The statuses a selection pattern is tried against.
const STATUSES: std::ops::RangeInclusive<u16> = 100..=599;

pub(super) fn check(d: &Doc, out: &mut Vec<Finding>) {
    document_rules(d, out);
    for op in &d.operations {
        let Some(integ) = op.integration() else {
            continue;
        };
        let ip = op.integration_pointer();
        let itype = integ
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase();
        let action = op.dynamodb_action();

        if itype == "aws" && integ.get("credentials").and_then(Value::as_str).is_none() {
            out.push(d.node_finding(
                "missing-credentials",
                Some(op),
                None,
                &ip,
                "the AWS integration has no `credentials`: API Gateway has no role to call the service with; set it to the ARN of a least-privilege role".into(),
            ));
        }
        if itype == "aws_proxy" && action.is_some() {
            out.push(d.node_finding(
                "import-refused",
                Some(op),
                None,
                &ip,
                "AWS_PROXY integrations only support Lambda and Firehose; DynamoDB needs `type: aws` with mapping templates".into(),
            ));
        }
        if matches!(itype.as_str(), "aws" | "http") {
            passthrough(d, op, integ, out);
        }
        responses_rules(d, op, action.as_deref(), out);
        parameter_rules(d, op, out);
        if let Some(a) = action.as_deref()
            && matches!(a, "Scan" | "Query")
        {
            pagination(d, op, a, out);
        }
    }
}

/// What reaches the backend when a request's Content-Type has no template
/// (apigateway-semantics.md §3.1): WHEN_NO_MATCH (also the default) passes it through
/// unchanged; WHEN_NO_TEMPLATES does too, but only when the integration has no request template
/// at all (with templates it answers 415, like NEVER). Without any template a pass-through body
/// is the design of e.g. an S3 upload; for a DynamoDB action it lets the client write the
/// DynamoDB request itself.
fn passthrough(d: &Doc, op: &Op, integ: &serde_json::Map<String, Value>, out: &mut Vec<Finding>) {
    let ip = op.integration_pointer();
    let pb = integ.get("passthroughBehavior").and_then(Value::as_str);
    let has_templates = integ
        .get("requestTemplates")
        .and_then(Value::as_object)
        .is_some_and(|m| !m.is_empty());
    let lower = pb.map(str::to_ascii_lowercase);
    if lower.as_deref() == Some("never") {
        return;
    }
    let pointer = match pb {
        Some(_) => format!("{ip}/passthroughBehavior"),
        None => ip.clone(),
    };
    let what = match pb {
        Some(p) => format!("`{p}`"),
        None => "absent (stored as WHEN_NO_MATCH)".to_string(),
    };
    let message = if has_templates {
        if lower.as_deref() == Some("when_no_templates") {
            return;
        }
        format!(
            "passthroughBehavior is {what}: a request with another Content-Type skips the mapping template and reaches the backend unchanged; set `passthroughBehavior: never` (415 instead)"
        )
    } else if let Some(action) = op.dynamodb_action() {
        format!(
            "passthroughBehavior is {what} and there is no request template: the client's body is sent to DynamoDB {action} as it is, so the client chooses the table and the request; add a request template and set `passthroughBehavior: never`"
        )
    } else {
        return;
    };
    out.push(d.node_finding("passthrough", Some(op), None, &pointer, message));
}

/// Statuses, patterns, default, and what error statuses turn into.
fn responses_rules(d: &Doc, op: &Op, action: Option<&str>, out: &mut Vec<Finding>) {
    let ip = op.integration_pointer();
    let responses = op.integration_responses();
    let declared: Vec<String> = op
        .value
        .get("responses")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    let mut compiled: Vec<(String, String, Option<SelectionPattern>)> = Vec::new();
    for (key, r) in &responses {
        let rp = apidef::error::pointer_push(&format!("{ip}/responses"), key);
        let status = match r.get("statusCode") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => String::new(),
        };
        if !declared.contains(&status) {
            out.push(d.node_finding(
                "status-undeclared",
                Some(op),
                None,
                &format!("{rp}/statusCode"),
                format!(
                    "integration response `{key}` answers {status:?}, which the operation's responses do not declare (declared: {}); import fails with `Invalid Response status code specified`",
                    declared.join(", ")
                ),
            ));
        }
        // Headers set by responseParameters must be declared on that method response.
        if let Some(params) = r.get("responseParameters").and_then(Value::as_object) {
            let headers: Vec<String> = d
                .response(op, &status)
                .and_then(|resp| resp.get("headers"))
                .and_then(Value::as_object)
                .map(|h| h.keys().map(|k| k.to_ascii_lowercase()).collect())
                .unwrap_or_default();
            for k in params.keys() {
                if let Some(h) = k.strip_prefix("method.response.header.")
                    && !headers.contains(&h.to_ascii_lowercase())
                {
                    out.push(d.node_finding(
                        "import-refused",
                        Some(op),
                        None,
                        &apidef::error::pointer_push(&format!("{rp}/responseParameters"), k),
                        format!("`{k}` maps to header `{h}`, which response {status} does not declare under `headers`; import refuses it"),
                    ));
                }
            }
        }
        if key == "default" {
            compiled.push((key.clone(), status, None));
            continue;
        }
        match SelectionPattern::compile(key) {
            Ok(p) => compiled.push((key.clone(), status, Some(p))),
            Err(e) => out.push(d.node_finding(
                "pattern-invalid",
                Some(op),
                None,
                &rp,
                format!("selection pattern `{key}` does not compile as a Java regex: {e}"),
            )),
        }
    }
    // Which patterns match which statuses, as whole strings.
    let matches: Vec<Vec<u16>> = compiled
        .iter()
        .map(|(_, _, p)| match p {
            Some(p) => STATUSES.filter(|s| p.matches(&s.to_string())).collect(),
            None => Vec::new(),
        })
        .collect();
    if !responses.is_empty() && !responses.iter().any(|(k, _)| k == "default") {
        // The statuses the backend can answer: DynamoDB only 200 or an error (4xx/5xx); any
        // other backend anything.
        let possible: Vec<u16> = match action {
            Some(_) => DYNAMODB_STATUSES.to_vec(),
            None => STATUSES.collect(),
        };
        let unmatched: Vec<u16> = possible
            .into_iter()
            .filter(|s| !matches.iter().any(|m| m.contains(s)))
            .collect();
        if !unmatched.is_empty() {
            out.push(d.node_finding(
                "no-default",
                Some(op),
                None,
                &format!("{ip}/responses"),
                format!(
                    "no `default` integration response and no pattern matches status {}: such a status becomes a 500 API_CONFIGURATION_ERROR",
                    ranges(&unmatched)
                ),
            ));
        }
    }
    for (i, (key, _, p)) in compiled.iter().enumerate() {
        if p.is_none() {
            continue;
        }
        let rp = apidef::error::pointer_push(&format!("{ip}/responses"), key);
        if matches[i].is_empty() {
            out.push(d.node_finding(
                "pattern-unmatchable",
                Some(op),
                None,
                &rp,
                format!("selection pattern `{key}` matches no status from 100 to 599 (patterns match the whole status string; a doubled backslash in YAML is a common cause); the response is dead"),
            ));
        }
        for (j, (other, _, q)) in compiled.iter().enumerate().skip(i + 1) {
            if q.is_none() {
                continue;
            }
            let shared: Vec<u16> = matches[i]
                .iter()
                .filter(|s| matches[j].contains(s))
                .copied()
                .collect();
            if !shared.is_empty() {
                out.push(d.node_finding(
                    "pattern-overlap",
                    Some(op),
                    None,
                    &rp,
                    format!(
                        "selection patterns `{key}` and `{other}` both match {}; which one API Gateway picks is undocumented",
                        ranges(&shared)
                    ),
                ));
            }
        }
    }
    let Some(action) = action else { return };
    // Error statuses from DynamoDB: which response each one ends in.
    let select = |status: u16| -> Option<usize> {
        matches
            .iter()
            .position(|m| m.contains(&status))
            .or_else(|| compiled.iter().position(|(_, _, p)| p.is_none()))
    };
    for (i, (key, status, _)) in compiled.iter().enumerate() {
        if !status.starts_with('2') {
            continue;
        }
        let caught: Vec<u16> = DYNAMODB_STATUSES
            .iter()
            .copied()
            .filter(|s| *s >= 400 && select(*s) == Some(i))
            .collect();
        if !caught.is_empty() {
            let rp = apidef::error::pointer_push(&format!("{ip}/responses"), key);
            out.push(d.node_finding(
                "error-to-success",
                Some(op),
                None,
                &rp,
                format!(
                    "DynamoDB {action} errors with status {} end in integration response `{key}`, which answers {status}: the client is told the request succeeded; add `4\\d{{2}}` and `5\\d{{2}}` responses",
                    ranges(&caught)
                ),
            ));
        }
    }
    // The response for DynamoDB's 400 must look at the error body.
    if let Some(i) = select(400) {
        let (key, _, _) = &compiled[i];
        if let Some((_, r)) = responses.iter().find(|(k, _)| k == key) {
            // No template, or an empty one, passes DynamoDB's error body through unchanged
            // (apigateway-semantics.md §3.4).
            let reads_body = match r.get("responseTemplates").and_then(Value::as_object) {
                None => true,
                Some(m) if m.is_empty() => true,
                Some(m) => m.values().any(|t| {
                    t.as_str()
                        .is_none_or(|s| s.trim().is_empty() || super::template::reads_input(s))
                }),
            };
            let status_is_error = !compiled[i].1.starts_with('2');
            if !reads_body && status_is_error {
                let rp = apidef::error::pointer_push(&format!("{ip}/responses"), key);
                out.push(d.node_finding(
                    "lossy-error",
                    Some(op),
                    None,
                    &rp,
                    format!("integration response `{key}` answers every DynamoDB 400 with a fixed body: throttling (ProvisionedThroughputExceededException is a 400) reads as a validation error and DynamoDB's message is lost; read `$input.path('$.__type')`"),
                ));
            }
        }
    }
}

/// The statuses DynamoDB answers: 200, 400 for every client error (validation, conditions,
/// throttling, missing tables, ...) and 500 / 503 for server errors
/// (docs/evidence/apigateway-semantics.md §6, from DynamoDB's "Error handling" guide). The rules
/// about where an error ends (`no-default`, `error-to-success`) ask only about these.
const DYNAMODB_STATUSES: &[u16] = &[200, 400, 500, 503];

/// `requestParameters` must name declared method request parameters.
fn parameter_rules(d: &Doc, op: &Op, out: &mut Vec<Finding>) {
    let Some(params) = op
        .integration()
        .and_then(|i| i.get("requestParameters"))
        .and_then(Value::as_object)
    else {
        return;
    };
    let ip = op.integration_pointer();
    for (k, v) in params {
        let Some(v) = v.as_str() else { continue };
        for (prefix, location) in [
            ("method.request.path.", "path"),
            ("method.request.querystring.", "query"),
            ("method.request.multivaluequerystring.", "query"),
            ("method.request.header.", "header"),
            ("method.request.multivalueheader.", "header"),
        ] {
            if let Some(name) = v.strip_prefix(prefix) {
                let declared = op.parameter_names(d, location);
                let found = if location == "header" {
                    declared.iter().any(|n| n.eq_ignore_ascii_case(name))
                } else {
                    declared.iter().any(|n| n == name)
                };
                if !found {
                    out.push(d.node_finding(
                        "import-refused",
                        Some(op),
                        None,
                        &apidef::error::pointer_push(&format!("{ip}/requestParameters"), k),
                        format!("`{k}` reads `{v}`, but no {location} parameter `{name}` is declared: import fails with `Invalid mapping expression parameter specified`"),
                    ));
                }
            }
        }
    }
}

fn pagination(d: &Doc, op: &Op, action: &str, out: &mut Vec<Finding>) {
    let Some(integ) = op.integration() else {
        return;
    };
    if action == "Query" && queries_one_item(d, integ) {
        return;
    }
    let ip = op.integration_pointer();
    let request_ok = integ
        .get("requestTemplates")
        .and_then(Value::as_object)
        .is_some_and(|m| {
            m.values()
                .any(|t| t.as_str().is_some_and(|s| s.contains("ExclusiveStartKey")))
        });
    let mut success_templates = false;
    let mut response_ok = false;
    for (key, r) in op.integration_responses() {
        let selected_for_200 =
            key == "default" || SelectionPattern::compile(&key).is_ok_and(|p| p.matches("200"));
        if !selected_for_200 {
            continue;
        }
        if let Some(m) = r.get("responseTemplates").and_then(Value::as_object) {
            success_templates = true;
            response_ok |= m
                .values()
                .any(|t| t.as_str().is_some_and(|s| s.contains("LastEvaluatedKey")));
        }
    }
    if success_templates && !response_ok {
        out.push(d.node_finding(
            "pagination",
            Some(op),
            None,
            &format!("{ip}/responses"),
            format!("the {action} response template drops `LastEvaluatedKey`: one {action} returns at most 1 MB, so later items are silently lost; expose it as a cursor"),
        ));
    }
    if !request_ok {
        out.push(d.node_finding(
            "pagination",
            Some(op),
            None,
            &format!("{ip}/requestTemplates"),
            format!("the {action} request template never sends `ExclusiveStartKey`: a client cannot ask for the page after the first 1 MB"),
        ));
    }
}

/// A Query on the base table of a table whose key is a partition key alone matches at most one
/// item (one item is at most 400 KB, DynamoDB's item size limit), so it never has a page past
/// the first 1 MB. Known only when the document declares the table (`x-dynamodb-tables`) and
/// every request template names it and no `IndexName`.
fn queries_one_item(d: &Doc, integ: &serde_json::Map<String, Value>) -> bool {
    let Some(templates) = integ.get("requestTemplates").and_then(Value::as_object) else {
        return false;
    };
    let Some(tables) = d.root.get("x-dynamodb-tables").and_then(Value::as_object) else {
        return false;
    };
    !templates.is_empty()
        && templates.values().all(|t| {
            let Some(src) = t.as_str() else { return false };
            if src.contains("IndexName") {
                return false;
            }
            let named: Vec<&Value> = tables
                .values()
                .filter(|table| {
                    table
                        .get("TableName")
                        .and_then(Value::as_str)
                        .is_some_and(|n| src.contains(&format!("\"{n}\"")))
                })
                .collect();
            !named.is_empty()
                && named.iter().all(|table| {
                    table
                        .get("KeySchema")
                        .and_then(Value::as_array)
                        .is_some_and(|k| {
                            k.len() == 1
                                && k[0].get("KeyType").and_then(Value::as_str) == Some("HASH")
                        })
                })
        })
}

/// Model names, `required: []`, path segments.
fn document_rules(d: &Doc, out: &mut Vec<Finding>) {
    if let Some(schemas) = d
        .root
        .get("components")
        .and_then(|c| c.get("schemas"))
        .and_then(Value::as_object)
    {
        for name in schemas.keys() {
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric()) {
                out.push(d.node_finding(
                    "model-name",
                    None,
                    None,
                    &apidef::error::pointer_push("/components/schemas", name),
                    format!("schema name `{name}` is not alphanumeric: API Gateway refuses it as a model name (`Model name must be alphanumeric`)"),
                ));
            }
        }
    }
    empty_required(d, &d.root, "", out);
    if let Some(paths) = d.root.get("paths").and_then(Value::as_object) {
        for path in paths.keys() {
            let pointer = apidef::error::pointer_push("/paths", path);
            if let Some(bad) = bad_segment(path) {
                out.push(d.node_finding(
                    "import-refused",
                    None,
                    None,
                    &pointer,
                    format!("path segment `{bad}` of `{path}`: API Gateway accepts only letters, digits, `_ - . , :` and whole-segment `{{name}}` / `{{name+}}` parameters"),
                ));
            }
        }
    }
}

fn empty_required(d: &Doc, v: &Value, pointer: &str, out: &mut Vec<Finding>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = apidef::error::pointer_push(pointer, k);
                if k == "required" && x.as_array().is_some_and(Vec::is_empty) {
                    out.push(d.node_finding(
                        "import-refused",
                        None,
                        None,
                        &p,
                        "`required: []`: API Gateway refuses an empty required list in a model; remove the keyword".into(),
                    ));
                }
                empty_required(d, x, &p, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                empty_required(d, x, &format!("{pointer}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// The first path segment API Gateway would refuse.
fn bad_segment(path: &str) -> Option<String> {
    let rest = path.strip_prefix('/')?;
    if rest.is_empty() {
        return None;
    }
    for seg in rest.split('/') {
        let ok = if let Some(inner) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            let name = inner.strip_suffix('+').unwrap_or(inner);
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        } else {
            !seg.is_empty()
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ',' | ':'))
        };
        if !ok {
            return Some(seg.to_string());
        }
    }
    None
}

/// `400, 402-499` for a sorted list of statuses.
fn ranges(s: &[u16]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let start = s[i];
        let mut end = start;
        while i + 1 < s.len() && s[i + 1] == end + 1 {
            i += 1;
            end = s[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    out.join(", ")
}
