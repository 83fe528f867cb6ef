//! Step 4 of a request: the method request validator's checks, required parameters and then
//! the body against the method's model.
//!
//! Public so that the contract-test strategies can be checked against the very validator the
//! gateway uses: a generated valid value must pass it, every mutation must fail it.

use apidef::ParamLocation;
use serde_json::{Value, json};

use crate::gateway_responses::{Refusal, ResponseType};
use crate::request::MethodRequest;
use crate::route::Routed;

/// The validator in effect for the routed operation, if any: `Err` is the gateway response.
pub(crate) fn check(routed: &Routed<'_>, m: &MethodRequest<'_>) -> Result<(), Refusal> {
    let Some((name, validator)) = &routed.op.validator else {
        return Ok(());
    };
    if validator.validate_request_parameters
        && let Some(missing) = missing_parameters(routed.op, m)
    {
        tracing::debug!(validator = %name, "Request validation failed: {missing}");
        return Err(Refusal {
            t: ResponseType::BadRequestParameters,
            message: Some(format!("Missing required request parameters: [{missing}]")),
            validation_error: None,
            error_type: None,
        });
    }
    if validator.validate_request_body {
        let model_type = m.content_type.as_deref().unwrap_or("application/json");
        if let Some(model) = routed.plan.models.get(model_type)
            && let Err(why) = validate_body(model, &m.req.body)
        {
            tracing::debug!(validator = %name, "Request body does not match model schema: {why}");
            return Err(Refusal {
                t: ResponseType::BadRequestBody,
                message: None,
                validation_error: Some(why),
                error_type: None,
            });
        }
    }
    Ok(())
}

/// AWS's message lists missing names ordered by their full key
/// (`method.request.header.*` < `path` < `querystring`), AWS-REC
/// `test_api_gateway_request_validator`.
fn missing_parameters(op: &apidef::Operation, m: &MethodRequest<'_>) -> Option<String> {
    let mut missing: Vec<(String, &str)> = Vec::new();
    for p in op.parameters.iter().filter(|p| p.required) {
        let value = match p.location {
            ParamLocation::Path => m.path.get(&p.name).map(String::as_str),
            ParamLocation::Query => m.querystring.get(&p.name).map(String::as_str),
            ParamLocation::Header => m
                .header
                .iter()
                .rev()
                .find(|(k, _)| k.eq_ignore_ascii_case(&p.name))
                .map(|(_, v)| v.as_str()),
            ParamLocation::Cookie => continue,
        };
        if value.is_none_or(java_is_blank) {
            missing.push((
                format!("method.request.{}.{}", p.location.apigw_name(), p.name),
                &p.name,
            ));
        }
    }
    if missing.is_empty() {
        return None;
    }
    missing.sort();
    Some(
        missing
            .iter()
            .map(|(_, n)| *n)
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// The validator of one model. Models are draft-4 schemas whatever `$schema` says (or omits):
/// with no `$schema` the crate would assume 2020-12 (docs/evidence/dependencies.md §6).
pub fn model_validator(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::draft4::options()
        .build(schema)
        .map_err(|e| e.to_string())
}

/// Validates a body against a model: empty means `{}` (AWS-REC: an empty body fails a model with
/// `required`), non-JSON fails. "Empty" is Java's `trim().isEmpty()` (only chars <= U+0020), the
/// same test `$input.body` uses, so a body of e.g. U+000B alone is `{}` to both.
pub fn validate_body(model: &jsonschema::Validator, body: &[u8]) -> Result<(), String> {
    let instance: Value = if body.iter().all(|b| *b <= b' ') {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|e| format!("[Invalid JSON: {e}]"))?
    };
    let errors: Vec<String> = model
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("[{}]", errors.join(", ")))
    }
}

/// Java's `Character.isWhitespace`, which API Gateway (a Java service) uses when it calls a
/// required parameter blank: Unicode space, line and paragraph separators except the no-break
/// ones (U+00A0, U+2007, U+202F), and the ASCII controls U+0009..U+000D, U+001C..U+001F. Unlike
/// Rust's `char::is_whitespace` it does not count U+0085 (NEXT LINE), a control character.
pub fn java_is_whitespace(c: char) -> bool {
    match c {
        '\u{00A0}' | '\u{2007}' | '\u{202F}' => false,
        '\u{0009}'..='\u{000D}' | '\u{001C}'..='\u{001F}' => true,
        // Zs, Zl, Zp: the Unicode space separators and the two separators of their own.
        ' '
        | '\u{1680}'
        | '\u{2000}'..='\u{200A}'
        | '\u{2028}'
        | '\u{2029}'
        | '\u{205F}'
        | '\u{3000}' => true,
        _ => false,
    }
}

/// Java's `String.isBlank`: empty or only [`java_is_whitespace`].
pub fn java_is_blank(s: &str) -> bool {
    s.chars().all(java_is_whitespace)
}

/// Java's `String.trim`: strips the chars <= U+0020 (all ASCII controls and space) from both ends,
/// and nothing else (no Unicode spaces, unlike Rust's `str::trim`).
pub fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_java_blank_not_rust_whitespace() {
        assert!(java_is_blank(""));
        assert!(java_is_blank(
            " \t\r\n\u{000B}\u{000C}\u{001F}\u{2003}\u{3000}"
        ));
        // U+0085 is whitespace to Rust, a control character to Java.
        assert!('\u{0085}'.is_whitespace());
        assert!(!java_is_blank("\u{0085}"));
        // No-break spaces are Zs but Java excludes them.
        assert!(!java_is_blank("\u{00A0}"));
        assert!(!java_is_blank("\u{202F}"));
        assert!(!java_is_blank(" a "));
    }

    #[test]
    fn trim_is_java_trim() {
        assert_eq!(java_trim("\u{0000}\u{0001} a\t\u{000B}\u{001F} "), "a");
        // Unicode spaces survive Java's trim; Rust's trim removes them.
        assert_eq!(java_trim("\u{3000}a\u{2003}"), "\u{3000}a\u{2003}");
        assert_eq!("\u{3000}a\u{2003}".trim(), "a");
        assert_eq!(java_trim(""), "");
    }

    #[test]
    fn empty_body_is_java_trim_empty() {
        let model = model_validator(&json!({"type": "object", "required": ["a"]})).expect("model");
        // Control characters alone are an empty body (so `{}`, failing `required`) ...
        let e = validate_body(&model, b"\x0b\x00 ").expect_err("empty");
        assert!(!e.contains("Invalid JSON"), "{e}");
        // ... a Unicode space is not, and is not JSON either.
        let e = validate_body(&model, "\u{3000}".as_bytes()).expect_err("not JSON");
        assert!(e.contains("Invalid JSON"), "{e}");
        assert!(validate_body(&model, br#" {"a": 1} "#).is_ok());
    }
}
