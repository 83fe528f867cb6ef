//! The checks of one response against the document: a documented status (and, for a status
//! API Gateway itself produces, which `responses` entry to add), documented headers,
//! `Content-Type` and body schema; and "returns what was written" comparisons.

use apidef::{Operation, Response};
use serde_json::Value;

use crate::Suite;
use crate::case::media_type;
use crate::http::HttpResponse;
use crate::strategy;

/// Statuses API Gateway answers by itself, before or instead of the integration, with the
/// gateway response type that produces them (AWS's "Gateway response types" table,
/// docs/evidence): a client gets them whatever the templates do, so the document must say so.
pub(crate) const GATEWAY_STATUSES: &[(u16, &str)] = &[
    (403, "MISSING_AUTHENTICATION_TOKEN: no route matches"),
    (413, "REQUEST_TOO_LARGE: the body is over 10 MB"),
    (
        415,
        "UNSUPPORTED_MEDIA_TYPE: no mapping template for the Content-Type",
    ),
    (429, "THROTTLED: the stage's or account's rate limit"),
];

/// The `responses` entry that covers `status`: exact, `4XX`-style range, then `default`.
pub(crate) fn documented(op: &Operation, status: u16) -> Option<&Response> {
    let exact = status.to_string();
    let range = format!("{}XX", status / 100);
    op.responses
        .get(&exact)
        .or_else(|| op.responses.get(&range))
        .or_else(|| op.responses.get(&range.to_ascii_lowercase()))
        .or_else(|| op.responses.get("default"))
}

/// The message for a status the document does not list: names the entry to add, so a user
/// knows what to change.
pub(crate) fn undocumented(op: &Operation, status: u16) -> String {
    let origin = GATEWAY_STATUSES
        .iter()
        .find(|(s, _)| *s == status)
        .map_or_else(String::new, |(_, why)| {
            format!(" (API Gateway answers it itself: {why})")
        });
    format!(
        "HTTP {status} is not a documented status of {}{origin}; add `'{status}'` to responses of {} (documented: {})",
        op.label(),
        op.label(),
        op.responses.keys().cloned().collect::<Vec<_>>().join(", ")
    )
}

/// A status API Gateway produced by itself that the document does not declare.
pub(crate) fn gateway_status(op: &Operation, resp: &HttpResponse) -> Result<(), String> {
    if GATEWAY_STATUSES.iter().any(|(s, _)| *s == resp.status)
        && documented(op, resp.status).is_none()
    {
        return Err(undocumented(op, resp.status));
    }
    Ok(())
}

/// What the response is checked against.
pub(crate) fn check_response(
    suite: &Suite,
    op: &Operation,
    resp: &HttpResponse,
) -> Result<(), String> {
    if resp.status >= 500 {
        return Err(format!("server error: HTTP {}", resp.status));
    }
    let documented = documented(op, resp.status);
    let Some(documented) = documented else {
        return Err(undocumented(op, resp.status));
    };
    // Documented headers: a required one is present, a present one matches its schema (header
    // values are strings on the wire, coerced as parameters are).
    for (name, header) in &documented.headers {
        let value = resp.header(name);
        if value.is_none() && header.get("required") == Some(&Value::Bool(true)) {
            return Err(format!(
                "HTTP {} lacks the required header {name}",
                resp.status
            ));
        }
        if let (Some(v), Some(schema)) = (value, header.get("schema")) {
            // A header schema is not a self-contained model (it may `$ref` the components):
            // one that does not compile on its own is not checked.
            let Ok(validator) = suite.validator(schema) else {
                continue;
            };
            if !validator.is_valid(&strategy::coerce(v, schema)) {
                return Err(format!(
                    "HTTP {} header {name}: {v:?} does not match its documented schema {schema}",
                    resp.status
                ));
            }
        }
    }
    if documented.content.is_empty() {
        if !resp.body.is_empty() {
            return Err(format!(
                "HTTP {} documents no content but the response has a {}-byte body",
                resp.status,
                resp.body.len()
            ));
        }
        return Ok(());
    }
    let got = resp.header("content-type").map(media_type);
    let Some((_, schema)) = documented
        .content
        .iter()
        .find(|(ct, _)| Some(media_type(ct)) == got)
    else {
        return Err(format!(
            "Content-Type {:?} is not documented for HTTP {} (documented: {})",
            resp.header("content-type").unwrap_or("(none)"),
            resp.status,
            documented
                .content
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    let Some(schema) = schema else { return Ok(()) };
    let body: Value = serde_json::from_slice(&resp.body)
        .map_err(|e| format!("HTTP {} body is not JSON: {e}", resp.status))?;
    let validator = suite.validator(schema).map_err(|e| e.to_string())?;
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .take(3)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if !errors.is_empty() {
        return Err(format!(
            "HTTP {} body does not validate against its documented schema: {}",
            resp.status,
            errors.join("; ")
        ));
    }
    Ok(())
}

/// Statuses that say "your request is invalid": a valid request must not get them.
pub(crate) const REFUSALS: &[u16] = &[400, 415, 422];

/// Where two JSON values first differ, for "field for field" messages. Only what `expected`
/// holds is compared: a response may carry more (fields the server adds).
pub(crate) fn first_difference(path: &str, expected: &Value, got: &Value) -> Option<String> {
    match (expected, got) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, x) in a {
                match b.get(k) {
                    None => return Some(format!("{path}/{k} is missing")),
                    Some(y) => {
                        if let Some(d) = first_difference(&format!("{path}/{k}"), x, y) {
                            return Some(d);
                        }
                    }
                }
            }
            None
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(&format!("{path}/{i}"), x, y)),
        _ if same_value(expected, got) => None,
        _ => Some(format!(
            "{} is {got} instead of {expected}",
            if path.is_empty() { "the body" } else { path }
        )),
    }
}

/// JSON equality, with numbers compared as numbers (`1` and `1.0` are the same DynamoDB `N`).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}
