//! Step 3 (after routing, before API keys): Lambda authorizers (`x-amazon-apigateway-authorizer`
//! of type `token` or `request`). No Lambda runs here: a policy file says, per authorizer and
//! identity, what the function would return, and the gateway does with it what API Gateway does
//! with a returned policy (DG "Use API Gateway Lambda authorizers", "Output from an API Gateway
//! Lambda authorizer"):
//!
//! - the identity is read from `identitySource` (`method.request.header.X`,
//!   `method.request.querystring.X`, `stageVariables.X`, `context.X`; REQUEST values joined by
//!   commas); a missing one, or a TOKEN that does not match `identityValidationExpression`, is
//!   401 `Unauthorized` without a call;
//! - an identity the file does not list is the function raising `Unauthorized`: 401;
//! - the policy is evaluated against the request's method ARN
//!   (`arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH`) by `policy`, IAM's evaluator:
//!   an explicit Deny is 403 `{"Message":"User is not authorized to access this resource with an
//!   explicit deny"}`, no matching Allow 403 `... to access this resource` unless the API's
//!   resource policy allows the call (`authorize`, DG "How API Gateway resource policies affect
//!   authorization workflow", table A);
//! - results are cached per identity for `authorizerResultTtlInSeconds`, the policy with them:
//!   a resource written `$methodArn` in the file is the ARN of the request that filled the
//!   cache, as a function that returns `event.methodArn` gives it, so the cache's well-known
//!   effect (a second method denied by the first one's policy) shows locally too;
//! - `principalId` and the `context` map fill `$context.authorizer`.
//!
//! The file (`gateway serve --authorizer-policies FILE`), JSON:
//! `{"<authorizer scheme, or *>": {"<identity>": {"principalId": "alice", "effect": "Allow",
//! "resource": ["arn:aws:execute-api:*:*:*/*/GET/*"], "context": {"role": "reader"},
//! "usageIdentifierKey": "KEY"}}}` (`resource` defaults to `*`; `usageIdentifierKey`, optional, is
//! the request's API key when `x-amazon-apigateway-api-key-source` is AUTHORIZER), or with the
//! function's own output in place of `effect` and `resource`:
//! `"policyDocument": {"Version": "2012-10-17", "Statement": [...]}`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value, json};

use crate::policy::{Decision, Policy, Subject};

/// What the file says one identity gets.
#[derive(Debug, Clone, PartialEq)]
struct Outcome {
    principal_id: String,
    policy: Policy,
    context: Map<String, Value>,
    /// The `usageIdentifierKey` the function returns: the API key of the request when the API's
    /// key source is AUTHORIZER (DG "Choose an API key source").
    usage_identifier_key: Option<String>,
}

/// The policy file, read once, and the results cache.
#[derive(Default)]
pub struct Policies {
    /// scheme (or `*`) -> identity -> outcome.
    by_scheme: HashMap<String, HashMap<String, Outcome>>,
    cache: Mutex<HashMap<(String, String), (SystemTime, Outcome)>>,
}

/// Why a request is refused before its policy is read: 401 `Unauthorized`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    /// 401 `Unauthorized`: an identity source is missing or empty, or a TOKEN fails
    /// `identityValidationExpression` (then AWS writes no execution log).
    NoIdentity,
    /// 401 `Unauthorized`: the function raised it (the file does not list the identity).
    Unauthorized,
}

/// What the function returned: its policy's decision for this request, `$context.authorizer`
/// (`principalId` and the `context` map) and the API key it names.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Authorized {
    pub decision: Decision,
    pub authorizer: Value,
    pub usage_identifier_key: Option<String>,
}

/// The request's parts an authorizer reads.
pub(crate) struct Call<'a> {
    pub scheme: &'a str,
    pub kind: &'a str,
    pub identity_source: &'a [String],
    pub validation_expression: Option<&'a str>,
    pub ttl_secs: u64,
    /// `arn:aws:execute-api:...` of this request.
    pub method_arn: String,
    pub header: &'a dyn Fn(&str) -> Option<&'a str>,
    pub query: &'a dyn Fn(&str) -> Option<&'a str>,
    pub stage_variable: &'a dyn Fn(&str) -> Option<&'a str>,
    /// IAM's condition keys for this request (`aws:SourceIp`, ...).
    pub keys: &'a dyn Fn(&str) -> Option<Vec<String>>,
}

impl Policies {
    /// Read a policy file's text (JSON), naming the entry that is wrong.
    pub fn parse(text: &str) -> Result<Policies, String> {
        let doc: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let obj = doc
            .as_object()
            .ok_or("must be an object of authorizer names")?;
        let mut by_scheme = HashMap::new();
        for (scheme, ids) in obj {
            let ids = ids
                .as_object()
                .ok_or_else(|| format!("{scheme}: must be an object of identities"))?;
            let mut out = HashMap::new();
            for (id, o) in ids {
                let at = format!("{scheme}.{id}");
                let policy = match o.get("policyDocument") {
                    Some(doc) => Policy::parse(doc, "execute-api:")
                        .map_err(|e| format!("{at}.policyDocument{e}"))?,
                    None => policy_of(o, &at)?,
                };
                let context = match o.get("context") {
                    None => Map::new(),
                    Some(Value::Object(m)) => m.clone(),
                    Some(_) => return Err(format!("{at}: context must be an object")),
                };
                let usage_identifier_key = match o.get("usageIdentifierKey") {
                    None | Some(Value::Null) => None,
                    Some(Value::String(k)) => Some(k.clone()),
                    Some(_) => return Err(format!("{at}: usageIdentifierKey must be a string")),
                };
                out.insert(
                    id.clone(),
                    Outcome {
                        principal_id: o
                            .get("principalId")
                            .and_then(Value::as_str)
                            .unwrap_or("user")
                            .to_string(),
                        policy,
                        context,
                        usage_identifier_key,
                    },
                );
            }
            by_scheme.insert(scheme.clone(), out);
        }
        Ok(Policies {
            by_scheme,
            cache: Mutex::default(),
        })
    }

    /// Authorize one request at `now`: what the function's policy says, or why it was not called.
    pub(crate) fn authorize(
        &self,
        call: &Call<'_>,
        now: SystemTime,
    ) -> Result<Authorized, Refused> {
        let identity = identity(call).ok_or(Refused::NoIdentity)?;
        let key = (call.scheme.to_string(), identity.clone());
        let cached = {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            cache.retain(|_, (until, _)| *until > now);
            cache.get(&key).map(|(_, o)| o.clone())
        };
        let outcome = match cached {
            Some(o) => o,
            None => {
                let mut o = self
                    .by_scheme
                    .get(call.scheme)
                    .and_then(|m| m.get(&identity))
                    .or_else(|| self.by_scheme.get("*").and_then(|m| m.get(&identity)))
                    .cloned()
                    .ok_or(Refused::Unauthorized)?;
                o.policy.bind_method_arn(&call.method_arn);
                if call.ttl_secs > 0 {
                    let until = now + Duration::from_secs(call.ttl_secs);
                    self.cache
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(key, (until, o.clone()));
                }
                o
            }
        };
        let decision = outcome.policy.evaluate(&Subject {
            arn: None,
            resource: &call.method_arn,
            key: call.keys,
        });
        let mut authorizer = outcome.context.clone();
        authorizer.insert("principalId".into(), json!(outcome.principal_id));
        Ok(Authorized {
            decision,
            authorizer: Value::Object(authorizer),
            usage_identifier_key: outcome.usage_identifier_key,
        })
    }
}

/// The file's short form: `effect` (default Allow) and `resource` (default `*`).
fn policy_of(o: &Value, at: &str) -> Result<Policy, String> {
    let effect = o.get("effect").and_then(Value::as_str).unwrap_or("Allow");
    let allow = match effect {
        "Allow" => true,
        "Deny" => false,
        other => return Err(format!("{at}: effect {other:?} is neither Allow nor Deny")),
    };
    let resources = match o.get("resource") {
        None => vec!["*".to_string()],
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .map(|r| {
                r.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("{at}: resource entries must be strings"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(format!("{at}: resource must be a string or a list")),
    };
    Ok(Policy::single(allow, resources))
}

/// The identity value, or `None` when a source is missing (or a TOKEN fails its expression).
fn identity(call: &Call<'_>) -> Option<String> {
    let mut values = Vec::new();
    for source in call.identity_source {
        let v = if let Some(h) = source.strip_prefix("method.request.header.") {
            (call.header)(h)
        } else if let Some(q) = source.strip_prefix("method.request.querystring.") {
            (call.query)(q)
        } else if let Some(s) = source.strip_prefix("stageVariables.") {
            (call.stage_variable)(s)
        } else {
            None
        };
        values.push(v.filter(|v| !v.is_empty())?.to_string());
    }
    if values.is_empty() {
        return None;
    }
    let identity = values.join(",");
    if call.kind == "token"
        && let Some(expr) = call.validation_expression
    {
        // A Java regular expression, matched against the whole token (String.matches).
        let re = vtl::javaregex::cached(expr).ok()?;
        if !re.matches(&identity).unwrap_or(false) {
            return None;
        }
    }
    Some(identity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_broken_file_names_the_entry() {
        let e = Policies::parse(r#"{"Auth": {"tok": {"effect": "Maybe"}}}"#)
            .err()
            .unwrap();
        assert!(e.contains("Auth.tok") && e.contains("Maybe"), "{e}");
        assert!(Policies::parse("[]").is_err());
    }
}
