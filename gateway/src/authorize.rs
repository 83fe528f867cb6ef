//! Step 3 of a request: authorization, as the method's `security` says (ARCHITECTURE.md): the
//! authorizer first (`iam`, `cognito` or `lambda_authorizer`) together with the API's resource
//! policy (`x-amazon-apigateway-policy`, evaluated by `policy`), then the API key and its usage
//! plan (`api_keys`), then the stage's and account's throttles (`throttle`), as API Gateway
//! orders them (DG "How throttling limit settings are applied": usage plan, then the stage's
//! per-method limits, then the account's); each fills its part of `$context` or refuses with
//! its gateway response.
//!
//! How the resource policy combines with each authorizer is the developer guide's ("How API
//! Gateway resource policies affect authorization workflow"):
//! - no authorizer: the policy must explicitly allow;
//! - Lambda authorizer: an explicit deny refuses before the authorizer runs; then table A (the
//!   function's policy or the resource policy allows, and neither denies);
//! - `AWS_IAM`: table A when caller and API are in one account (identity or resource policy
//!   allows), table B across accounts (both must allow);
//! - Cognito: after the token is verified, the policy must explicitly allow (the guide's text
//!   says so; its table A reads as if silence were enough: dialect table, "Resource policies").

use std::borrow::Cow;

use crate::context::RequestContext;
use crate::gateway_responses::{Refusal, ResponseType};
use crate::policy::{Decision, Policy, Subject};
use crate::request::{self, MethodRequest};
use crate::route::Routed;
use crate::{Inner, Request, cognito, iam, lambda_authorizer};

pub(crate) fn authorize<'r>(
    inner: &'r Inner,
    req: &'r Request,
    method: &'r str,
    m: &MethodRequest<'_>,
    routed: &Routed<'r>,
    ctx: &mut RequestContext<'r>,
) -> Result<(), Refusal> {
    // The method ARN's path is the resource's, after the stage: `/prod/album` and `/album`
    // both give `.../prod/POST/album` (DG "Input to an API Gateway Lambda authorizer":
    // `arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/METHOD/PATH`).
    let (raw_path, _) = request::split_target(&req.target);
    let mut path = raw_path.trim_start_matches('/');
    if !ctx.path_with_stage {
        // Routing took the first segment as the stage.
        path = path.split_once('/').map_or("", |(_, rest)| rest);
    }
    let method_arn = format!("{}/{}/{method}/{path}", inner.api_arn(), ctx.stage);
    let resource_policy = inner.resource_policy.as_ref();
    // What a Lambda authorizer returned as the API key (`usageIdentifierKey`).
    let mut usage_identifier_key: Option<String> = None;
    match &routed.op.authorization {
        apidef::Authorization::AwsIam => {
            let caller = match iam::verify(
                &iam::Signed::of(req, method),
                &inner.iam,
                &inner.account_id,
                ctx.received,
            ) {
                Ok(caller) => caller,
                Err(iam::Denied::Missing) => {
                    return Err(ResponseType::MissingAuthenticationToken.into());
                }
                Err(iam::Denied::Invalid {
                    message,
                    error_type,
                }) => {
                    return Err(Refusal {
                        t: ResponseType::InvalidSignature,
                        message: Some(message),
                        validation_error: None,
                        error_type: Some(error_type),
                    });
                }
            };
            let outcome = {
                let keys = condition_keys(inner, req, ctx, Some(&caller));
                let subject = Subject {
                    arn: Some(&caller.user_arn),
                    resource: &method_arn,
                    key: &keys,
                };
                let identity = inner.iam_policies.decide(&caller.access_key, &subject);
                let resource = resource_policy.map(|p| p.evaluate(&subject));
                iam_outcome(identity, resource, caller.account_id == inner.account_id)
            };
            if let Some(why) = outcome {
                return Err(denied(&caller.user_arn, &method_arn, why));
            }
            ctx.identity.iam = Some(caller);
        }
        apidef::Authorization::Authorizer {
            scheme,
            kind,
            identity_source,
            validation_expression,
            ttl_secs,
            ..
        } if kind == "token" || kind == "request" => {
            let keys = condition_keys(inner, req, ctx, None);
            let subject = Subject {
                arn: None,
                resource: &method_arn,
                key: &keys,
            };
            // Phase one: an explicit deny refuses before the function is called.
            let resource = resource_policy.map(|p| p.evaluate(&subject));
            if resource == Some(Decision::ExplicitDeny) {
                return Err(denied("anonymous", &method_arn, Why::ResourceDeny));
            }
            let call = lambda_authorizer::Call {
                scheme,
                kind,
                identity_source,
                validation_expression: validation_expression.as_deref(),
                ttl_secs: *ttl_secs,
                method_arn: method_arn.clone(),
                header: &|h| req.header_value(h),
                query: &|q| m.querystring.get(q).map(String::as_str),
                stage_variable: &|v| inner.stage_variables.get(v).map(String::as_str),
                keys: &keys,
            };
            let out = match inner.lambda_policies.authorize(&call, ctx.received) {
                Ok(out) => out,
                Err(lambda_authorizer::Refused::NoIdentity) => {
                    // "API Gateway does not log the call to CloudWatch if the required token for
                    // the TOKEN authorizer is not set, is null, or is invalidated by the
                    // specified Token validation expression", and likewise for a REQUEST
                    // authorizer's identity sources (DG "Call an API with an API Gateway Lambda
                    // authorizer").
                    ctx.exec = None;
                    return Err(ResponseType::Unauthorized.into());
                }
                Err(lambda_authorizer::Refused::Unauthorized) => {
                    return Err(ResponseType::Unauthorized.into());
                }
            };
            // Phase two, table A: the function's policy or the resource policy allows.
            let message = match (out.decision, resource) {
                (Decision::ExplicitDeny, _) => {
                    Some("User is not authorized to access this resource with an explicit deny")
                }
                (Decision::Silent, r) if r != Some(Decision::Allow) => {
                    Some("User is not authorized to access this resource")
                }
                _ => None,
            };
            if let Some(message) = message {
                return Err(Refusal {
                    t: ResponseType::AccessDenied,
                    message: Some(message.to_string()),
                    validation_error: None,
                    error_type: None,
                });
            }
            ctx.authorizer = Some(out.authorizer);
            usage_identifier_key = out.usage_identifier_key;
        }
        apidef::Authorization::Authorizer {
            kind,
            header,
            provider_arns,
            scopes,
            ..
        } if kind == "cognito_user_pools" => {
            let token = req.header_value(header);
            match cognito::verify(token, &inner.cognito, provider_arns, scopes, ctx.received) {
                Ok(authorizer) => ctx.authorizer = Some(authorizer),
                Err(why) => {
                    let message = match why {
                        cognito::Refused::Expired => {
                            Some("The incoming token has expired".to_string())
                        }
                        cognito::Refused::Invalid(why) => {
                            ctx.log_info(|| format!("Unauthorized request: {why}"));
                            None
                        }
                        cognito::Refused::Missing => None,
                    };
                    return Err(Refusal {
                        t: ResponseType::Unauthorized,
                        message,
                        validation_error: None,
                        error_type: None,
                    });
                }
            }
            explicit_allow(inner, req, ctx, resource_policy, &method_arn)?;
        }
        _ => explicit_allow(inner, req, ctx, resource_policy, &method_arn)?,
    }
    let method = &routed.plan.method_key;
    let received = ctx.received;
    let stage_and_account = || inner.throttles.admit(method, received);
    if routed.op.api_key_required {
        // DG "Choose an API key source": HEADER (the default) reads `x-api-key`; AUTHORIZER
        // takes the Lambda authorizer's `usageIdentifierKey`, and no header is read.
        let key = match inner.api.api_key_source {
            Some(apidef::ApiKeySource::Authorizer) => usage_identifier_key.as_deref(),
            Some(apidef::ApiKeySource::Header) | None => req.header_value("x-api-key"),
        };
        match inner.keys.admit(key, method, received, stage_and_account) {
            Ok(admitted) => ctx.identity.api_key = Some(admitted),
            Err(t) => return Err(t.into()),
        }
    } else if let Err(t) = stage_and_account() {
        return Err(t.into());
    }
    Ok(())
}

/// CloudWatch's usage-plan lines for a method that requires no API key, word for word and
/// space for space (the key is empty) as users' captured execution logs have them (2017-2019
/// test fixtures; re:Post knowledge-center api-gateway-logs). For a method that requires a
/// key AWS's wording is not known: nothing is written (dialect table, "Execution logs").
pub(crate) fn log_usage_plan(routed: &Routed<'_>, ctx: &RequestContext<'_>) {
    if routed.op.api_key_required {
        return;
    }
    let stage = format!("{}/{}", ctx.api_id, ctx.stage);
    ctx.log_cloudwatch(|| {
        format!(
            "Verifying Usage Plan for request: {}. API Key:  API Stage: {stage}",
            ctx.request_id
        )
    });
    ctx.log_cloudwatch(|| {
        format!(
            "API Key  authorized because method '{} {}' does not require API Key. Request will not contribute to throttle or quota limits",
            routed.op.method, routed.op.path
        )
    });
    ctx.log_cloudwatch(|| format!("Usage Plan check succeeded for API Key  and API Stage {stage}"));
}

/// Without an IAM caller, a resource policy (if the API has one) must explicitly allow.
fn explicit_allow(
    inner: &Inner,
    req: &Request,
    ctx: &RequestContext<'_>,
    policy: Option<&Policy>,
    method_arn: &str,
) -> Result<(), Refusal> {
    let Some(policy) = policy else { return Ok(()) };
    let keys = condition_keys(inner, req, ctx, None);
    let decision = policy.evaluate(&Subject {
        arn: None,
        resource: method_arn,
        key: &keys,
    });
    match decision {
        Decision::Allow => Ok(()),
        Decision::ExplicitDeny => Err(denied("anonymous", method_arn, Why::ResourceDeny)),
        Decision::Silent => Err(denied("anonymous", method_arn, Why::NoResourceAllow)),
    }
}

/// Why an IAM or anonymous caller is refused: the clause IAM's messages end with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Why {
    ResourceDeny,
    IdentityDeny,
    NoResourceAllow,
    NoIdentityAllow,
}

/// Tables A and B of the developer guide for an `AWS_IAM` caller; `None` when allowed.
/// `resource` is `None` when the API has no resource policy (the identity policy decides).
fn iam_outcome(identity: Decision, resource: Option<Decision>, same_account: bool) -> Option<Why> {
    use Decision::*;
    match (identity, resource) {
        (ExplicitDeny, _) => Some(Why::IdentityDeny),
        (_, Some(ExplicitDeny)) => Some(Why::ResourceDeny),
        (Allow, None) => None,
        (Silent, None) => Some(Why::NoIdentityAllow),
        (Allow, Some(Allow)) => None,
        (Allow, Some(Silent)) if same_account => None,
        (Allow, Some(Silent)) => Some(Why::NoResourceAllow),
        (Silent, Some(Allow)) if same_account => None,
        (Silent, Some(_)) => Some(Why::NoIdentityAllow),
    }
}

/// ACCESS_DENIED with IAM's message, the resource's account masked as API Gateway prints it
/// (users' captured bodies: `User: anonymous is not authorized to perform: execute-api:Invoke
/// on resource: arn:aws:execute-api:us-east-1:********9489:... because no resource-based
/// policy allows the execute-api:Invoke action`).
fn denied(user: &str, method_arn: &str, why: Why) -> Refusal {
    let clause = match why {
        Why::ResourceDeny => "with an explicit deny in a resource-based policy",
        Why::IdentityDeny => "with an explicit deny in an identity-based policy",
        Why::NoResourceAllow => {
            "because no resource-based policy allows the execute-api:Invoke action"
        }
        Why::NoIdentityAllow => {
            "because no identity-based policy allows the execute-api:Invoke action"
        }
    };
    Refusal {
        t: ResponseType::AccessDenied,
        message: Some(format!(
            "User: {user} is not authorized to perform: execute-api:Invoke on resource: {} {clause}",
            crate::policy::masked(method_arn)
        )),
        validation_error: None,
        error_type: None,
    }
}

/// IAM's global condition keys as this request has them (IAM User Guide, "AWS global condition
/// context keys"), then `--policy-context`'s, which add to or replace them.
fn condition_keys<'a>(
    inner: &'a Inner,
    req: &'a Request,
    ctx: &RequestContext<'_>,
    caller: Option<&'a iam::Caller>,
) -> impl Fn(&str) -> Option<Vec<String>> + 'a {
    let now = ctx.received;
    move |key: &str| {
        let given: Vec<String> = inner
            .policy_context
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
            .collect();
        if !given.is_empty() {
            return Some(given);
        }
        let one = |v: Cow<'_, str>| Some(vec![v.into_owned()]);
        match key.to_ascii_lowercase().as_str() {
            "aws:sourceip" => one(Cow::Borrowed(&req.source_ip)),
            // execute-api endpoints are HTTPS only.
            "aws:securetransport" => one(Cow::Borrowed("true")),
            "aws:currenttime" => one(Cow::Owned(crate::dates::iso_seconds(now))),
            "aws:epochtime" => one(Cow::Owned(
                now.duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs())
                    .to_string(),
            )),
            "aws:useragent" => req.header_value("user-agent").map(|v| vec![v.to_string()]),
            "aws:referer" => req.header_value("referer").map(|v| vec![v.to_string()]),
            "aws:principalarn" => caller.map(|c| vec![c.user_arn.clone()]),
            "aws:principalaccount" => caller.map(|c| vec![c.account_id.clone()]),
            "aws:principaltype" => caller.map(|_| vec!["User".to_string()]),
            "aws:username" => caller
                .and_then(|c| c.user_arn.rsplit_once(":user/"))
                .map(|(_, name)| vec![name.rsplit('/').next().unwrap_or(name).to_string()]),
            "aws:userid" => caller.map(|c| vec![c.access_key.clone()]),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;

    #[test]
    fn tables_a_and_b_of_the_developer_guide() {
        // (identity, resource) -> same account (table A), other account (table B).
        let rows = [
            (Allow, Allow, None, None),
            (Allow, Silent, None, Some(Why::NoResourceAllow)),
            (
                Allow,
                ExplicitDeny,
                Some(Why::ResourceDeny),
                Some(Why::ResourceDeny),
            ),
            (Silent, Allow, None, Some(Why::NoIdentityAllow)),
            (
                Silent,
                Silent,
                Some(Why::NoIdentityAllow),
                Some(Why::NoIdentityAllow),
            ),
            (
                Silent,
                ExplicitDeny,
                Some(Why::ResourceDeny),
                Some(Why::ResourceDeny),
            ),
            (
                ExplicitDeny,
                Allow,
                Some(Why::IdentityDeny),
                Some(Why::IdentityDeny),
            ),
            (
                ExplicitDeny,
                Silent,
                Some(Why::IdentityDeny),
                Some(Why::IdentityDeny),
            ),
            (
                ExplicitDeny,
                ExplicitDeny,
                Some(Why::IdentityDeny),
                Some(Why::IdentityDeny),
            ),
        ];
        for (identity, resource, a, b) in rows {
            assert_eq!(
                iam_outcome(identity, Some(resource), true),
                a,
                "A {identity:?} {resource:?}"
            );
            assert_eq!(
                iam_outcome(identity, Some(resource), false),
                b,
                "B {identity:?} {resource:?}"
            );
        }
        assert_eq!(iam_outcome(Allow, None, false), None);
        assert_eq!(iam_outcome(Silent, None, true), Some(Why::NoIdentityAllow));
    }
}
