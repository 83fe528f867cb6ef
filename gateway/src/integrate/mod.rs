//! Steps 5 to 7 of a request, the integration: map the method request to the integration
//! request ([`request_mapping`]), call DynamoDB or the mock ([`call`]), map the integration
//! response to the method response ([`response_mapping`]). Each step either hands its result
//! to the next or stops with the gateway response's type.

pub(crate) mod call;
pub(crate) mod request_mapping;
pub(crate) mod response_mapping;

use crate::Inner;
use crate::context::RequestContext;
use crate::gateway_responses::ResponseType;
use crate::request::{MethodRequest, Response};
use crate::route::Routed;

pub(crate) async fn integrate(
    inner: &Inner,
    routed: &Routed<'_>,
    m: &MethodRequest<'_>,
    ctx: &mut RequestContext<'_>,
) -> Result<Response, ResponseType> {
    let request = request_mapping::map(inner, routed, m, ctx)?;
    let backend = call::call(inner, routed, &request, ctx).await?;
    response_mapping::map(inner, routed, m, ctx, request, backend)
}

/// What a template of this request sees: `$input` is `body` with the method request's
/// parameters, `$context` the request's, plus the overrides carried so far.
fn scope<'a>(
    inner: &'a Inner,
    m: &'a MethodRequest<'_>,
    ctx: &'a RequestContext<'_>,
    body: &'a str,
    request_override: &'a vtl::Overrides,
    response_override: &'a vtl::Overrides,
) -> vtl::Scope<'a> {
    vtl::Scope {
        body,
        path: &m.path,
        querystring: &m.querystring,
        header: &m.header,
        context: ctx,
        stage_variables: &inner.stage_variables,
        vars: None,
        request_override,
        response_override,
    }
}

/// What API Gateway's execution log says when a template fails, with where the template is.
fn log_template_failure(
    inner: &Inner,
    ctx: &RequestContext<'_>,
    side: &str,
    op: &apidef::Operation,
    pointer: &str,
    e: &vtl::RenderError,
) {
    if ctx.exec.is_none() && !tracing::enabled!(tracing::Level::DEBUG) {
        return;
    }
    let at = inner
        .api
        .position(pointer)
        .map(|(l, c)| format!(" ({}:{l}:{c})", inner.api.file))
        .unwrap_or_default();
    ctx.log_error(format!(
        "Execution failed due to configuration error: Unable to transform {side}: {} template {pointer}{at}, template line {}:{}: {e}",
        op.label(),
        e.line(),
        e.column()
    ));
}
