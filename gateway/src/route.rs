//! Step 2 of a request: routing by API Gateway's rules (`apidef::RouteTable`: literal segments
//! beat `{param}`, greedy `{proxy+}` last); no match is MISSING_AUTHENTICATION_TOKEN (403).

use apidef::Operation;

use crate::Inner;
use crate::builder::OpPlan;
use crate::context::RequestContext;
use crate::gateway_responses::{Refusal, ResponseType};
use crate::request::MethodRequest;

/// The operation a request reached.
pub(crate) struct Routed<'g> {
    pub op: &'g Operation,
    pub plan: &'g OpPlan,
}

/// Routes with the stage prefix stripped first, then the path as is, then (when no stage was
/// named) without its first segment, whatever it is (dialect table, "Stage prefix"). Fills the
/// path parameters and `$context.stage`, `resourcePath`, `resourceId` and `path`.
pub(crate) fn route<'g>(
    inner: &'g Inner,
    m: &mut MethodRequest<'_>,
    ctx: &mut RequestContext<'g>,
) -> Result<Routed<'g>, Refusal> {
    let api = &inner.api;
    let found = |segments: &[String]| match api.route(m.method, segments) {
        apidef::RouteMatch::Found {
            operation,
            path_params,
        } => Some((operation, path_params)),
        apidef::RouteMatch::NotFound => None,
    };
    let first = m.segments.first();
    let mut stage_prefixed = true;
    let hit = if first.is_some_and(|s| *s == inner.stage)
        && let Some(hit) = found(&m.segments[1..])
    {
        Some(hit)
    } else if let Some(hit) = found(&m.segments) {
        stage_prefixed = false;
        Some(hit)
    } else if inner.any_stage
        && let Some(stage) = first
        && let Some(hit) = found(&m.segments[1..])
    {
        // No stage was named: the first segment is the stage of an execute-api URL.
        ctx.stage = std::borrow::Cow::Owned(stage.clone());
        Some(hit)
    } else {
        None
    };
    let Some((index, path_params)) = hit else {
        return Err(ResponseType::MissingAuthenticationToken.into());
    };
    let op = &api.operations[index];
    let plan = &inner.ops[index];
    m.path = path_params;
    ctx.path_with_stage = !stage_prefixed;
    ctx.resource = Some((op.path.as_str(), plan.resource_id.as_str()));
    tracing::debug!(
        request_id = %ctx.request_id,
        "Starting execution for request: {} {} (resource {})",
        m.method,
        m.req.target,
        op.path
    );
    // CloudWatch's first line of a routed request (users' captured execution logs).
    ctx.log_cloudwatch(|| format!("Extended Request Id: {}", ctx.extended_request_id));
    Ok(Routed { op, plan })
}

/// The method request's lines, `Starting execution for request` to `Method request body
/// before transformations`: written once authorization has passed, as AWS starts the
/// execution only then (users' captured CloudWatch logs: the authorizer's and the usage
/// plan's lines come first).
pub(crate) fn log_method_request(ctx: &RequestContext<'_>, m: &MethodRequest<'_>) {
    ctx.log_info(|| format!("Starting execution for request: {}", ctx.request_id));
    ctx.log_info(|| format!("HTTP Method: {}, Resource Path: {}", m.method, ctx.raw_path));
    ctx.log_info(|| {
        let path = m.path.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        format!(
            "Method request path: {}",
            crate::execution_log::java_map(path)
        )
    });
    ctx.log_info(|| {
        let query = m.querystring.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        format!(
            "Method request query string: {}",
            crate::execution_log::java_map(query)
        )
    });
    ctx.log_data("Method request headers", || {
        crate::execution_log::java_map(m.header.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    });
    ctx.log_data("Method request body before transformations", || {
        String::from_utf8_lossy(&m.req.body).into_owned()
    });
}
