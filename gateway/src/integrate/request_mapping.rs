//! Step 5: the request template chosen by `Content-Type` (none means
//! `application/json`), `passthroughBehavior` honoured (415 when it says so), the template
//! rendered with `$input` = the method request; the overrides it sets carried on.

use std::borrow::Cow;

use apidef::PassthroughBehavior;

use crate::Inner;
use crate::context::RequestContext;
use crate::gateway_responses::ResponseType;
use crate::request::MethodRequest;
use crate::route::Routed;

/// The integration request.
pub(crate) struct IntegrationRequest<'r> {
    /// The rendered template, or the method request's body passed through.
    pub body: Cow<'r, str>,
    /// Whether a template produced the body.
    pub templated: bool,
    pub request_override: vtl::Overrides,
    pub response_override: vtl::Overrides,
}

pub(crate) fn map<'r>(
    inner: &Inner,
    routed: &Routed<'_>,
    m: &MethodRequest<'r>,
    ctx: &RequestContext<'_>,
) -> Result<IntegrationRequest<'r>, ResponseType> {
    let integ = &routed.op.integration;
    // Request template by Content-Type (absent means application/json), DG
    // `integration-passthrough-behaviors`.
    let mime = m.content_type.as_deref().unwrap_or("application/json");
    let template = routed
        .plan
        .request_templates
        .iter()
        .position(|t| t == mime)
        .and_then(|i| integ.request_templates.get_index(i))
        .map(|(_, t)| t);
    let passthrough_ok = match integ.passthrough_behavior {
        PassthroughBehavior::WhenNoMatch => true,
        PassthroughBehavior::WhenNoTemplates => integ.request_templates.is_empty(),
        PassthroughBehavior::Never => false,
    };
    if template.is_none() && !passthrough_ok {
        tracing::debug!(
            "Request Content-Type {mime} has no mapping template and passthroughBehavior is {}",
            integ.passthrough_behavior.as_str()
        );
        return Err(ResponseType::UnsupportedMediaType);
    }
    let body_text = String::from_utf8_lossy(&m.req.body);
    let Some(t) = template else {
        return Ok(IntegrationRequest {
            body: body_text,
            templated: false,
            request_override: vtl::Overrides::default(),
            response_override: vtl::Overrides::default(),
        });
    };
    let no_override = vtl::Overrides::default();
    let scope = super::scope(inner, m, ctx, &body_text, &no_override, &no_override);
    match t.template.render_scope(&scope) {
        Ok(r) => {
            tracing::debug!(request_id = %ctx.request_id, "Endpoint request body after transformations: {}", r.output);
            Ok(IntegrationRequest {
                body: Cow::Owned(r.output),
                templated: true,
                request_override: r.request_override,
                response_override: r.response_override,
            })
        }
        Err(e) => {
            super::log_template_failure(inner, ctx, "request", routed.op, &t.pointer, &e);
            Err(ResponseType::ApiConfigurationError)
        }
    }
}
