//! Request identity (ids, time, trace) and the simple `$context.*` substitution that gateway
//! responses and access logs use. Neither is VTL (DG `api-gateway-gatewayResponse-definition`,
//! `set-up-logging`): a variable is replaced by its value and nothing else is interpreted.

use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

use indexmap::IndexMap;
use rand::Rng;
use serde_json::{Map, Value};
use vtl::{Host, HostValue};

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    s
}

/// A random UUID v4 in its usual text form, like API Gateway's `$context.requestId`.
pub fn uuid_v4() -> String {
    let mut b: [u8; 16] = rand::rng().random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// An `x-amz-apigw-id` / `$context.extendedRequestId` look-alike: 16 base64 characters
/// ending in `=` (the shape AWS returns, e.g. `Ab1CdEfGhIjKlM=`).
pub fn extended_request_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rng = rand::rng();
    let mut s: String = (0..15)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    s.push('=');
    s
}

/// An X-Ray trace header value `Root=1-<epoch seconds, 8 hex>-<96 random bits, 24 hex>`.
pub fn trace_id(now: SystemTime) -> String {
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let r: [u8; 12] = rand::rng().random();
    format!("Root=1-{:08x}-{}", secs & 0xffff_ffff, hex(&r))
}

/// Milliseconds since the epoch (`$context.requestTimeEpoch`).
pub fn epoch_millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// `$context.requestTime` in CLF format, `dd/MMM/yyyy:HH:mm:ss +0000` (always UTC).
pub fn clf_time(t: SystemTime) -> String {
    crate::dates::clf(t)
}

/// `$context` of one request: what the pipeline learned, typed, and rendered only where a
/// template, a gateway response or the access log reads it (a [`vtl::Host`]).
pub(crate) struct RequestContext<'r> {
    pub account_id: &'r str,
    pub api_id: &'r str,
    /// The stage's name, or the first path segment taken as one (dialect table, "Stage prefix").
    pub stage: Cow<'r, str>,
    pub request_id: String,
    pub extended_request_id: String,
    /// The client's `X-Amzn-Trace-Id`, else a fresh one.
    pub trace_id: Cow<'r, str>,
    /// Upper-case.
    pub http_method: Cow<'r, str>,
    /// The request path as sent (percent-encoded, no query).
    pub raw_path: &'r str,
    /// `$context.path` carries the stage (DG), whether or not the client sent it: set when the
    /// route was found without the stage prefix.
    pub path_with_stage: bool,
    /// (resource path, resource id), once routed.
    pub resource: Option<(&'r str, &'r str)>,
    /// When the request arrived (the gateway's clock).
    pub received: SystemTime,
    pub domain_name: &'r str,
    pub protocol: &'r str,
    pub identity: Identity<'r>,
    /// `$context.error`, set by a gateway response.
    pub error: Option<ErrorContext>,
    /// The execution log's lines, when the stage writes one.
    pub exec: Option<crate::execution_log::ExecLog>,
    /// `$context.authorizer` (`claims`), set by an authorizer.
    pub authorizer: Option<Value>,
    pub integration: IntegrationContext,
    /// Set for the access log, after the response is final.
    pub outcome: Option<Outcome>,
}

impl RequestContext<'_> {
    /// An execution-log INFO line (and a DEBUG trace event).
    pub fn log_info(&self, line: impl FnOnce() -> String) {
        if let Some(x) = &self.exec {
            x.info(line);
        }
    }

    /// An execution-log INFO line of CloudWatch's only (not in test-invoke-method's log).
    pub fn log_cloudwatch(&self, line: impl FnOnce() -> String) {
        if let Some(x) = &self.exec {
            x.cloudwatch(line);
        }
    }

    /// An execution-log data line (`dataTraceEnabled`).
    pub fn log_data(&self, label: &str, value: impl FnOnce() -> String) {
        if let Some(x) = &self.exec {
            x.data(label, value);
        }
    }

    /// Whether the execution log has an `Execution failed ...` line.
    pub fn log_failed(&self) -> bool {
        self.exec.as_ref().is_some_and(|x| x.failed())
    }

    /// An execution-log ERROR line, also a DEBUG trace event.
    pub fn log_error(&self, line: String) {
        tracing::debug!(request_id = %self.request_id, "{line}");
        if let Some(x) = &self.exec {
            x.error(line);
        }
    }
}

/// `$context.identity`.
pub(crate) struct Identity<'r> {
    pub source_ip: &'r str,
    pub user_agent: Option<&'r str>,
    /// Set for a method that requires an API key, once the key is admitted.
    pub api_key: Option<(&'r str, &'r str)>,
    /// Set for an `AWS_IAM` method, once the signature is verified.
    pub iam: Option<crate::iam::Caller>,
}

/// `$context.error` (DG `api-gateway-gatewayResponse-definition`).
pub(crate) struct ErrorContext {
    pub message: Cow<'static, str>,
    /// The message as a JSON string literal.
    pub message_string: String,
    pub response_type: &'static str,
    pub validation_error: Option<String>,
}

/// `$context.integration` (and the flat `integrationStatus` / `integrationLatency`).
#[derive(Default)]
pub(crate) struct IntegrationContext {
    pub status: Option<u16>,
    pub latency: Option<u64>,
}

/// `$context.status`, `responseLength`, `responseLatency`: known only to the access log.
pub(crate) struct Outcome {
    pub status: u16,
    pub response_length: usize,
    pub response_latency: u64,
}

/// The `$context` keys in the order API Gateway-style output shows them (and `$context`
/// printed whole, or iterated, lists them).
const BASE_KEYS: [&str; 17] = [
    "accountId",
    "apiId",
    "deploymentId",
    "domainName",
    "domainPrefix",
    "extendedRequestId",
    "httpMethod",
    "identity",
    "path",
    "protocol",
    "requestId",
    "requestTime",
    "requestTimeEpoch",
    "resourceId",
    "resourcePath",
    "stage",
    "xrayTraceId",
];
const OUTCOME_KEYS: [&str; 6] = [
    "status",
    "responseLength",
    "responseLatency",
    "integrationStatus",
    "integrationLatency",
    "integration",
];

fn s(v: &str) -> Option<HostValue<'_>> {
    Some(HostValue::Str(Cow::Borrowed(v)))
}

fn opt_int(v: Option<impl Into<i64>>) -> Option<HostValue<'static>> {
    Some(v.map_or(HostValue::Null, |v| HostValue::Int(v.into())))
}

impl RequestContext<'_> {
    /// `$context.path`.
    pub fn path(&self) -> Cow<'_, str> {
        if self.path_with_stage {
            Cow::Owned(format!("/{}{}", self.stage, self.raw_path))
        } else {
            Cow::Borrowed(self.raw_path)
        }
    }
}

impl Host for RequestContext<'_> {
    fn get(&self, name: &str) -> Option<HostValue<'_>> {
        match name {
            "accountId" => s(self.account_id),
            "apiId" => s(self.api_id),
            "deploymentId" => s("local"),
            "domainName" => s(self.domain_name),
            "domainPrefix" => s(self.domain_name.split('.').next().unwrap_or_default()),
            "extendedRequestId" => s(&self.extended_request_id),
            "httpMethod" => s(&self.http_method),
            "identity" => Some(HostValue::Object(&self.identity)),
            "path" => Some(HostValue::Str(self.path())),
            "protocol" => s(self.protocol),
            "requestId" => s(&self.request_id),
            "requestTime" => Some(HostValue::Str(Cow::Owned(clf_time(self.received)))),
            "requestTimeEpoch" => Some(HostValue::Int(
                i64::try_from(epoch_millis(self.received)).unwrap_or(i64::MAX),
            )),
            "resourceId" => Some(
                self.resource
                    .map_or(HostValue::Null, |(_, id)| HostValue::Str(Cow::Borrowed(id))),
            ),
            "resourcePath" => Some(
                self.resource
                    .map_or(HostValue::Null, |(p, _)| HostValue::Str(Cow::Borrowed(p))),
            ),
            "stage" => s(&self.stage),
            "xrayTraceId" => s(&self.trace_id),
            "error" => self.error.as_ref().map(|e| HostValue::Object(e)),
            "authorizer" => self.authorizer.as_ref().map(HostValue::Json),
            _ => {
                let o = self.outcome.as_ref()?;
                match name {
                    "status" => Some(HostValue::Int(o.status.into())),
                    "responseLength" => Some(HostValue::Int(
                        i64::try_from(o.response_length).unwrap_or(i64::MAX),
                    )),
                    "responseLatency" => Some(HostValue::Int(
                        i64::try_from(o.response_latency).unwrap_or(i64::MAX),
                    )),
                    "integrationStatus" => opt_int(self.integration.status),
                    "integrationLatency" => opt_int(
                        self.integration
                            .latency
                            .map(|l| i64::try_from(l).unwrap_or(i64::MAX)),
                    ),
                    "integration" => Some(HostValue::Object(&self.integration)),
                    _ => None,
                }
            }
        }
    }

    fn keys(&self) -> Vec<&str> {
        let mut k = BASE_KEYS.to_vec();
        if self.error.is_some() {
            k.push("error");
        }
        if self.authorizer.is_some() {
            k.push("authorizer");
        }
        if self.outcome.is_some() {
            k.extend(OUTCOME_KEYS);
        }
        k
    }
}

impl Host for Identity<'_> {
    fn get(&self, name: &str) -> Option<HostValue<'_>> {
        match name {
            "sourceIp" => s(self.source_ip),
            "userAgent" => Some(
                self.user_agent
                    .map_or(HostValue::Null, |u| HostValue::Str(Cow::Borrowed(u))),
            ),
            "apiKey" => Some(
                self.api_key
                    .map_or(HostValue::Null, |(v, _)| HostValue::Str(Cow::Borrowed(v))),
            ),
            "apiKeyId" => Some(
                self.api_key
                    .map_or(HostValue::Null, |(_, id)| HostValue::Str(Cow::Borrowed(id))),
            ),
            "accessKey" | "accountId" | "caller" | "user" | "userArn" => {
                let Some(c) = &self.iam else {
                    return Some(HostValue::Null);
                };
                let v = match name {
                    "accessKey" => &c.access_key,
                    "accountId" => &c.account_id,
                    "userArn" => &c.user_arn,
                    _ => &c.principal,
                };
                Some(HostValue::Str(Cow::Borrowed(v)))
            }
            n if IDENTITY_NULLS.contains(&n) => Some(HostValue::Null),
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        let mut k = vec![
            "sourceIp",
            "userAgent",
            "apiKey",
            "apiKeyId",
            "accessKey",
            "accountId",
            "caller",
            "user",
            "userArn",
        ];
        k.extend(IDENTITY_NULLS);
        k
    }
}

/// The identity fields an unauthenticated local request leaves null.
const IDENTITY_NULLS: [&str; 5] = [
    "cognitoAuthenticationProvider",
    "cognitoAuthenticationType",
    "cognitoIdentityId",
    "cognitoIdentityPoolId",
    "principalOrgId",
];

impl Host for ErrorContext {
    fn get(&self, name: &str) -> Option<HostValue<'_>> {
        match name {
            "message" => s(&self.message),
            "messageString" => s(&self.message_string),
            "responseType" => s(self.response_type),
            "validationErrorString" => self.validation_error.as_deref().and_then(s),
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        let mut k = vec!["message", "messageString", "responseType"];
        if self.validation_error.is_some() {
            k.push("validationErrorString");
        }
        k
    }
}

impl Host for IntegrationContext {
    fn get(&self, name: &str) -> Option<HostValue<'_>> {
        match name {
            "status" | "integrationStatus" => opt_int(self.status),
            "latency" => opt_int(self.latency.map(|l| i64::try_from(l).unwrap_or(i64::MAX))),
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        vec!["status", "latency", "integrationStatus"]
    }
}

/// The text of a value as substitution prints it: `None` for absent or null, strings as they
/// are, anything else as JSON.
fn value_text(v: HostValue<'_>) -> Option<Cow<'_, str>> {
    match v {
        HostValue::Null => None,
        HostValue::Bool(b) => Some(Cow::Borrowed(if b { "true" } else { "false" })),
        HostValue::Int(i) => Some(Cow::Owned(i.to_string())),
        HostValue::Str(s) => Some(s),
        HostValue::Json(Value::Null) => None,
        HostValue::Json(Value::String(s)) => Some(Cow::Borrowed(s)),
        HostValue::Json(j) => Some(Cow::Owned(j.to_string())),
        HostValue::Object(h) => {
            let mut out = String::new();
            write_json(h, &mut out, 0);
            Some(Cow::Owned(out))
        }
    }
}

/// A host object as compact JSON.
fn write_json(h: &dyn Host, out: &mut String, depth: usize) {
    out.push('{');
    for (i, k) in h.keys().into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&Value::String(k.to_string()).to_string());
        out.push(':');
        match h.get(k) {
            None | Some(HostValue::Null) => out.push_str("null"),
            Some(HostValue::Bool(b)) => out.push_str(if b { "true" } else { "false" }),
            Some(HostValue::Int(n)) => out.push_str(&n.to_string()),
            Some(HostValue::Str(s)) => out.push_str(&Value::String(s.into_owned()).to_string()),
            Some(HostValue::Json(j)) => out.push_str(&j.to_string()),
            Some(HostValue::Object(o)) if depth < 32 => write_json(o, out, depth + 1),
            Some(HostValue::Object(_)) => out.push_str("null"),
        }
    }
    out.push('}');
}

/// Looks up a dotted name (`identity.sourceIp`) in a context object. `None` for absent or null.
pub fn lookup(context: &Map<String, Value>, dotted: &str) -> Option<String> {
    let path: Vec<&str> = dotted.split('.').collect();
    lookup_host(context, &path).map(Cow::into_owned)
}

/// Looks up a name, given as its dotted parts, in a host object. `None` for absent or null.
pub fn lookup_host<'h, S: AsRef<str>>(context: &'h dyn Host, path: &[S]) -> Option<Cow<'h, str>> {
    let (first, rest) = path.split_first()?;
    let mut cur = context.get(first.as_ref())?;
    for p in rest {
        cur = match cur {
            HostValue::Object(h) => h.get(p.as_ref())?,
            HostValue::Json(Value::Object(m)) => HostValue::Json(m.get(p.as_ref())?),
            _ => return None,
        };
    }
    value_text(cur)
}

/// A `$context` / `$stageVariables` substitution text (gateway-response templates, the access
/// log format), parsed once.
#[derive(Debug, Clone)]
pub struct Substitution {
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone)]
enum Piece {
    Text(String),
    /// `$context.a.b`, by its dotted parts.
    Context(Vec<String>),
    StageVariable(String),
}

impl Substitution {
    /// Reads `$context.a.b`, `${context.a.b}`, `$stageVariables.x` and `${stageVariables.x}` in
    /// `template`; everything else is text.
    pub fn parse(template: &str) -> Substitution {
        let mut pieces = Vec::new();
        let mut text = String::new();
        let mut rest = template;
        while let Some(i) = rest.find('$') {
            text.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let (braced, body) = match after.strip_prefix('{') {
                Some(b) => (true, b),
                None => (false, after),
            };
            let root = ["context.", "stageVariables."]
                .into_iter()
                .find(|r| body.starts_with(r));
            let Some(root) = root else {
                text.push('$');
                rest = after;
                continue;
            };
            let name_start = root.len();
            let mut end = name_start
                + body[name_start..]
                    .find(|c: char| {
                        !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
                    })
                    .unwrap_or(body.len() - name_start);
            // A trailing dot belongs to the text, not to the name (`$context.stage.`).
            while end > name_start && body[..end].ends_with('.') {
                end -= 1;
            }
            let name = &body[name_start..end];
            if braced && !body[end..].starts_with('}') || name.is_empty() {
                text.push('$');
                rest = after;
                continue;
            }
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            pieces.push(if root == "context." {
                Piece::Context(name.split('.').map(str::to_string).collect())
            } else {
                Piece::StageVariable(name.to_string())
            });
            rest = if braced {
                &body[end + 1..]
            } else {
                &body[end..]
            };
        }
        text.push_str(rest);
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Substitution { pieces }
    }

    /// The text with every variable replaced by its value; `missing` is what an absent value
    /// prints (`""` in gateway-response templates, `-` in access logs).
    pub fn render(
        &self,
        context: &dyn Host,
        stage_variables: &IndexMap<String, String>,
        missing: &str,
    ) -> String {
        let mut out = String::with_capacity(256);
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Context(path) => match lookup_host(context, path.as_slice()) {
                    Some(v) => out.push_str(&v),
                    None => out.push_str(missing),
                },
                Piece::StageVariable(n) => {
                    out.push_str(stage_variables.get(n).map_or(missing, String::as_str))
                }
            }
        }
        out
    }
}

/// Replaces `$context.a.b`, `${context.a.b}`, `$stageVariables.x` and `${stageVariables.x}` in
/// `template`. `missing` is what an absent value prints (`""` in gateway-response templates, `-`
/// in access logs).
pub fn substitute(
    template: &str,
    context: &Map<String, Value>,
    stage_variables: &IndexMap<String, String>,
    missing: &str,
) -> String {
    Substitution::parse(template).render(context, stage_variables, missing)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn clf_format() {
        let t = UNIX_EPOCH + std::time::Duration::from_secs(1_428_582_896);
        assert_eq!(clf_time(t), "09/Apr/2015:12:34:56 +0000");
        assert_eq!(clf_time(UNIX_EPOCH), "01/Jan/1970:00:00:00 +0000");
    }

    #[test]
    fn ids_have_aws_shapes() {
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_eq!(extended_request_id().len(), 16);
        let t = trace_id(UNIX_EPOCH + std::time::Duration::from_secs(0x5759e988));
        assert!(t.starts_with("Root=1-5759e988-"), "{t}");
        assert_eq!(t.len(), "Root=1-5759e988-".len() + 24);
    }

    #[test]
    fn substitution() {
        let ctx = json!({"requestId": "r1", "identity": {"sourceIp": "1.2.3.4", "caller": null},
                         "error": {"messageString": "\"bad\""}, "status": 403});
        let ctx = ctx.as_object().unwrap();
        let mut sv = indexmap::IndexMap::new();
        sv.insert("a".to_string(), "A".to_string());
        assert_eq!(
            substitute(
                r#"{"m":$context.error.messageString,"id":"$context.requestId","ip":"${context.identity.sourceIp}","c":"$context.identity.caller","s":$context.status,"v":"$stageVariables.a","x":"$other $"}"#,
                ctx,
                &sv,
                "-"
            ),
            r#"{"m":"bad","id":"r1","ip":"1.2.3.4","c":"-","s":403,"v":"A","x":"$other $"}"#
        );
        assert_eq!(substitute("$context.requestId.", ctx, &sv, ""), "r1.");
        assert_eq!(
            substitute("${context.requestId", ctx, &sv, ""),
            "${context.requestId"
        );
    }
}
