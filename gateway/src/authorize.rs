//! Step 3 of a request: authorization, as the method's `security` says (ARCHITECTURE.md): the
//! authorizer first (`iam`, `cognito` or `lambda_authorizer`), then the API key and its usage
//! plan (`api_keys`), then the stage's and account's throttles (`throttle`), as API Gateway
//! orders them (DG "How throttling limit settings are applied": usage plan, then the stage's
//! per-method limits, then the account's); each fills its part of `$context` or refuses with
//! its gateway response.

use crate::context::RequestContext;
use crate::gateway_responses::{Refusal, ResponseType};
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
    // What a Lambda authorizer returned as the API key (`usageIdentifierKey`).
    let mut usage_identifier_key: Option<String> = None;
    if routed.op.authorization == apidef::Authorization::AwsIam {
        match iam::verify(
            &iam::Signed::of(req, method),
            &inner.iam,
            &inner.account_id,
            ctx.received,
        ) {
            Ok(caller) => ctx.identity.iam = Some(caller),
            Err(iam::Denied::Missing) => {
                return Err(ResponseType::MissingAuthenticationToken.into());
            }
            Err(iam::Denied::Invalid {
                message,
                error_type,
            }) => {
                let refusal = Refusal {
                    t: ResponseType::InvalidSignature,
                    message: Some(message),
                    validation_error: None,
                    error_type: Some(error_type),
                };
                return Err(refusal);
            }
        }
    }
    if let apidef::Authorization::Authorizer {
        scheme,
        kind,
        identity_source,
        validation_expression,
        ttl_secs,
        ..
    } = &routed.op.authorization
        && (kind == "token" || kind == "request")
    {
        let (raw_path, _) = request::split_target(&req.target);
        let region = inner
            .api
            .parameter_values
            .get("AWS::Region")
            .map_or("us-east-1", String::as_str);
        let call = lambda_authorizer::Call {
            scheme,
            kind,
            identity_source,
            validation_expression: validation_expression.as_deref(),
            ttl_secs: *ttl_secs,
            method_arn: format!(
                "arn:aws:execute-api:{region}:{}:{}/{}/{method}/{}",
                inner.account_id,
                inner.api_id,
                ctx.stage,
                raw_path.trim_start_matches('/')
            ),
            header: &|h| req.header_value(h),
            query: &|q| m.querystring.get(q).map(String::as_str),
            stage_variable: &|v| inner.stage_variables.get(v).map(String::as_str),
        };
        match inner.lambda_policies.authorize(&call, ctx.received) {
            Ok(authorized) => {
                ctx.authorizer = Some(authorized.context);
                usage_identifier_key = authorized.usage_identifier_key;
            }
            Err(why) => {
                let (t, message) = match why {
                    lambda_authorizer::Refused::NoIdentity => {
                        // "API Gateway does not log the call to CloudWatch if the required
                        // token for the TOKEN authorizer is not set, is null, or is invalidated
                        // by the specified Token validation expression", and likewise for a
                        // REQUEST authorizer's identity sources (DG "Call an API with an API
                        // Gateway Lambda authorizer").
                        ctx.exec = None;
                        (ResponseType::Unauthorized, None)
                    }
                    lambda_authorizer::Refused::Unauthorized => (ResponseType::Unauthorized, None),
                    lambda_authorizer::Refused::Denied(m) => {
                        (ResponseType::AccessDenied, Some(m.to_string()))
                    }
                };
                let refusal = Refusal {
                    t,
                    message,
                    validation_error: None,
                    error_type: None,
                };
                return Err(refusal);
            }
        }
    }
    if let apidef::Authorization::Authorizer {
        kind,
        header,
        provider_arns,
        scopes,
        ..
    } = &routed.op.authorization
        && kind == "cognito_user_pools"
    {
        let token = req.header_value(header);
        match cognito::verify(token, &inner.cognito, provider_arns, scopes, ctx.received) {
            Ok(authorizer) => ctx.authorizer = Some(authorizer),
            Err(why) => {
                let message = match why {
                    cognito::Refused::Expired => Some("The incoming token has expired".to_string()),
                    cognito::Refused::Invalid(why) => {
                        ctx.log_info(|| format!("Unauthorized request: {why}"));
                        None
                    }
                    cognito::Refused::Missing => None,
                };
                let refusal = Refusal {
                    t: ResponseType::Unauthorized,
                    message,
                    validation_error: None,
                    error_type: None,
                };
                return Err(refusal);
            }
        }
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
