//! Step 6: the integration call. `arn:aws:apigateway:{region}:dynamodb:action/{Action}` ->
//! `Dynamo::call(Action, rendered bytes)` within the integration timeout; `mock` answers the
//! template's `statusCode`.

use std::time::{Duration, Instant};

use serde_json::Value;

use super::request_mapping::IntegrationRequest;
use crate::Inner;
use crate::context::RequestContext;
use crate::gateway_responses::ResponseType;
use crate::route::Routed;
use crate::validate;

/// The integration response.
pub(crate) struct BackendResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// The body as text (bytes that are not UTF-8 replaced by U+FFFD).
    pub body: String,
}

pub(crate) async fn call(
    inner: &Inner,
    routed: &Routed<'_>,
    request: &IntegrationRequest<'_>,
    ctx: &mut RequestContext<'_>,
) -> Result<BackendResponse, ResponseType> {
    let integ = &routed.op.integration;
    let started = Instant::now();
    let backend = match &routed.plan.action {
        None => {
            let status = mock_status(&request.body, request.templated).ok_or_else(|| {
                ctx.log_error("Execution failed due to configuration error: Unable to parse statusCode. It should be an integer that is defined in the request template.".into());
                ResponseType::ApiConfigurationError
            })?;
            BackendResponse {
                status,
                headers: Vec::new(),
                body: String::new(),
            }
        }
        Some(action) => {
            // What API Gateway calls for an `aws` DynamoDB action (DG "AWS service
            // integrations"): the regional endpoint with the action in the query string.
            let region = inner
                .api
                .parameter_values
                .get("AWS::Region")
                .map_or("us-east-1", String::as_str);
            let uri = format!("https://dynamodb.{region}.amazonaws.com/?Action={action}");
            ctx.log_info(|| format!("Endpoint request URI: {uri}"));
            // The headers AWS's recorded AWS-integration log shows that are not a signature's
            // (LocalStack's AWS-validated `test_apigw_test_invoke_method_api` snapshot:
            // `x-amzn-apigateway-api-id`, `Accept`, `User-Agent`, in that order), then the two
            // DynamoDB's JSON protocol needs. The gateway signs nothing itself, so no
            // `Authorization`, `X-Amz-Date` or `X-Amz-Security-Token` (dialect table).
            ctx.log_data("Endpoint request headers", || {
                crate::execution_log::java_map([
                    ("x-amzn-apigateway-api-id", inner.api_id.as_str()),
                    ("Accept", "application/json"),
                    ("User-Agent", &format!("AmazonAPIGateway_{}", inner.api_id)),
                    ("Content-Type", "application/x-amz-json-1.0"),
                    ("X-Amz-Target", &format!("DynamoDB_20120810.{action}")),
                ])
            });
            ctx.log_data("Endpoint request body after transformations", || {
                request.body.to_string()
            });
            ctx.log_info(|| format!("Sending request to {uri}"));
            let call = inner.dynamo.exchange(action, request.body.as_bytes());
            let timeout = Duration::from_millis(integ.timeout_in_millis.max(1));
            match tokio::time::timeout(timeout, call).await {
                Ok(Ok(r)) => BackendResponse {
                    status: r.status,
                    headers: r.headers,
                    body: String::from_utf8(r.body)
                        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
                },
                // No reply at all: API Gateway answers itself, the integration responses never
                // see it (dialect table, "DynamoDB without a reply").
                Ok(Err(e)) if e.kind == dynamo::TransportErrorKind::Timeout => {
                    ctx.log_error(format!("Execution failed due to a timeout error: {e}"));
                    return Err(ResponseType::IntegrationTimeout);
                }
                Ok(Err(e)) => {
                    ctx.log_error(format!("Execution failed due to configuration error: {e}"));
                    return Err(ResponseType::ApiConfigurationError);
                }
                Err(_) => {
                    ctx.log_error("Execution failed due to a timeout error".into());
                    return Err(ResponseType::IntegrationTimeout);
                }
            }
        }
    };
    let latency = started.elapsed().as_millis();
    ctx.integration.status = Some(backend.status);
    ctx.integration.latency = Some(u64::try_from(latency).unwrap_or(u64::MAX));
    tracing::debug!(request_id = %ctx.request_id, "Received response. Status: {}, Integration latency: {latency} ms; body: {}", backend.status, backend.body);
    if routed.plan.action.is_some() {
        ctx.log_info(|| {
            format!(
                "Received response. Status: {}, Integration latency: {latency} ms",
                backend.status
            )
        });
        ctx.log_data("Endpoint response headers", || {
            crate::execution_log::java_map(
                backend
                    .headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str())),
            )
        });
        ctx.log_data("Endpoint response body before transformations", || {
            backend.body.clone()
        });
    }
    Ok(backend)
}

/// The integration status of a mock: the rendered template's `statusCode`.
///
/// AWS reads the template's output leniently: CDK's standard CORS preflight (`addCorsPreflight`,
/// `defaultCorsPreflightOptions`) sends `{ statusCode: 200 }`, an unquoted member name, and its
/// 204 answers on AWS (docs/evidence/apigateway-semantics.md §3.6). So member names may be
/// quoted with `"` or `'` or bare, and the value a number or a quoted number (dialect table).
fn mock_status(rendered: &str, templated: bool) -> Option<u16> {
    // An empty passed-through body, by Java's `trim()` (as `$input.body`'s emptiness).
    if !templated && validate::java_trim(rendered).is_empty() {
        return Some(200);
    }
    let n = match serde_json::from_str::<Value>(rendered) {
        Ok(v) => match v.get("statusCode")? {
            Value::Number(n) => n.as_u64()?,
            Value::String(s) => s.trim().parse().ok()?,
            _ => return None,
        },
        Err(_) => lenient_status_code(rendered)?,
    };
    (100..=599).contains(&n).then_some(n as u16)
}

/// `statusCode` of a top-level object written in relaxed JSON (bare or single-quoted member
/// names and string values); `None` when there is none or the text is not such an object.
fn lenient_status_code(text: &str) -> Option<u64> {
    let mut chars = text.trim_start().chars().peekable();
    if chars.next()? != '{' {
        return None;
    }
    let skip_ws = |c: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while c.peek().is_some_and(|ch| ch.is_whitespace()) {
            c.next();
        }
    };
    // A quoted string whose opening quote was consumed; escapes are kept as the escaped char.
    let quoted = |c: &mut std::iter::Peekable<std::str::Chars<'_>>, q: char| -> Option<String> {
        let mut out = String::new();
        loop {
            match c.next()? {
                '\\' => out.push(c.next()?),
                ch if ch == q => return Some(out),
                ch => out.push(ch),
            }
        }
    };
    loop {
        skip_ws(&mut chars);
        let key = match chars.next()? {
            '}' => return None,
            q @ ('"' | '\'') => quoted(&mut chars, q)?,
            first if first.is_alphanumeric() || first == '_' || first == '$' => {
                let mut k = first.to_string();
                while let Some(&ch) = chars.peek() {
                    if !(ch.is_alphanumeric() || ch == '_' || ch == '$') {
                        break;
                    }
                    k.push(ch);
                    chars.next();
                }
                k
            }
            _ => return None,
        };
        skip_ws(&mut chars);
        if chars.next()? != ':' {
            return None;
        }
        skip_ws(&mut chars);
        // The value: a quoted string, a nested value (skipped, quotes respected), or a bare word.
        let mut value = String::new();
        match chars.peek().copied()? {
            q @ ('"' | '\'') => {
                chars.next();
                value = quoted(&mut chars, q)?;
            }
            '{' | '[' => {
                let mut depth = 0usize;
                loop {
                    match chars.next()? {
                        '{' | '[' => depth += 1,
                        '}' | ']' => {
                            depth = depth.saturating_sub(1);
                            if depth == 0 {
                                break;
                            }
                        }
                        q @ ('"' | '\'') => {
                            quoted(&mut chars, q)?;
                        }
                        _ => {}
                    }
                }
            }
            _ => {
                while let Some(&ch) = chars.peek() {
                    if ch == ',' || ch == '}' || ch.is_whitespace() {
                        break;
                    }
                    value.push(ch);
                    chars.next();
                }
            }
        }
        if key == "statusCode" {
            return value.trim().parse().ok();
        }
        skip_ws(&mut chars);
        match chars.next()? {
            ',' => continue,
            '}' => return None,
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mock_statuses() {
        assert_eq!(mock_status(r#"{"statusCode": 200}"#, true), Some(200));
        assert_eq!(mock_status(r#"{"statusCode": "404"}"#, true), Some(404));
        assert_eq!(mock_status("{}", true), None);
        assert_eq!(mock_status("", false), Some(200));
        assert_eq!(mock_status("nope", true), None);
        // CDK's CORS preflight template, exactly as CDK writes it.
        assert_eq!(mock_status("{ statusCode: 200 }", true), Some(200));
        assert_eq!(mock_status("{statusCode:204}", true), Some(204));
        assert_eq!(mock_status("{ 'statusCode': '404' }", true), Some(404));
        assert_eq!(
            mock_status("{ other: {a: [1, '}']}, statusCode: 302, }", true),
            Some(302)
        );
        assert_eq!(mock_status("{ statusCode: 99 }", true), None);
        assert_eq!(mock_status("{ statusCode: abc }", true), None);
        assert_eq!(mock_status("{ status: 200 }", true), None);
        assert_eq!(mock_status("{ statusCode: 200", true), Some(200));
        assert_eq!(mock_status("{ statusCode ", true), None);
        assert_eq!(mock_status("{ 'statusCode", true), None);
        assert_eq!(mock_status("[1]", true), None);
    }
}
