//! Step 7: the integration response selected by the backend status (whole-string
//! Java-regex match of each `selectionPattern`, else `default`, else 500), its template chosen by
//! `Accept` and rendered with `$input` = the backend response, then `responseParameters` and
//! `responseOverride` applied; `Content-Type` defaults to `application/json`.

use bytes::Bytes;

use super::call::BackendResponse;
use super::request_mapping::IntegrationRequest;
use crate::Inner;
use crate::context::RequestContext;
use crate::gateway_responses::ResponseType;
use crate::mapping::{Backend, Sources};
use crate::request::{MethodRequest, Response, media_type};
use crate::route::Routed;

pub(crate) fn map(
    inner: &Inner,
    routed: &Routed<'_>,
    m: &MethodRequest<'_>,
    ctx: &RequestContext<'_>,
    request: IntegrationRequest<'_>,
    backend: BackendResponse,
) -> Result<Response, ResponseType> {
    let integ = &routed.op.integration;
    let status = backend.status;
    // 6. Select the integration response.
    let Some(index) = routed.plan.select(integ, status) else {
        ctx.log_error(format!(
            "Execution failed due to configuration error: No match for output mapping and no default output mapping configured. Endpoint Response Status Code: {status}"
        ));
        return Err(ResponseType::ApiConfigurationError);
    };
    let ir = &integ.responses[index];
    let plan = &routed.plan.responses[index];
    tracing::debug!(
        "Integration response selected: {} -> {}",
        ir.key,
        ir.status_code
    );

    // 7. Response template by Accept: first media type, else application/json, else the
    // first template (DG known-issues; LS observed application/json preferred).
    let accept = m
        .req
        .header_value("accept")
        .and_then(|a| a.split(',').next())
        .map(media_type)
        .filter(|a| !a.is_empty() && a != "*/*");
    let chosen = accept
        .as_deref()
        .and_then(|a| plan.templates.iter().position(|t| t == a))
        .or_else(|| plan.templates.iter().position(|t| t == "application/json"))
        .or(if plan.templates.is_empty() {
            None
        } else {
            Some(0)
        })
        .and_then(|i| ir.response_templates.get_index(i))
        .map(|(_, t)| t);
    let mut content_type = None;
    let mut response_override = request.response_override;
    let rendered = match chosen {
        // An empty template means "no mapping": the payload passes through (DG).
        Some(t) if !t.source.is_empty() => {
            let scope = super::scope(
                inner,
                m,
                ctx,
                &backend.body,
                &request.request_override,
                &response_override,
            );
            match t.template.render_scope(&scope) {
                Ok(r) => {
                    response_override = r.response_override;
                    content_type = Some(t.content_type.clone());
                    Some(r.output)
                }
                Err(e) => {
                    super::log_template_failure(inner, ctx, "response", routed.op, &t.pointer, &e);
                    return Err(ResponseType::ApiConfigurationError);
                }
            }
        }
        Some(t) => {
            content_type = Some(t.content_type.clone());
            None
        }
        None => None,
    };

    // Status: the selected response's, unless a valid override (100..=599) says otherwise.
    let status_code = response_override
        .status_code()
        .or_else(|| ir.status_code.trim().parse().ok())
        .filter(|s| (100..=599).contains(s))
        .ok_or(ResponseType::ApiConfigurationError)?;

    let mut headers: Vec<(String, String)> = Vec::with_capacity(plan.headers.len() + 4);
    if let Some(ct) = content_type {
        headers.push(("Content-Type".into(), ct));
    }
    if !plan.headers.is_empty() {
        let b = Backend {
            headers: &backend.headers,
            body: &backend.body,
            json: std::cell::OnceCell::new(),
        };
        let from = Sources {
            context: ctx,
            stage_variables: &inner.stage_variables,
            request: Some(m),
            backend: Some(&b),
        };
        for (name, source) in &plan.headers {
            if let Some(v) = source.value(&from) {
                headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
                headers.push((name.clone(), v.into_owned()));
            }
        }
    }
    // Overrides are final (DG `apigateway-override-request-response-parameters`).
    for (k, v) in response_override.header {
        headers.retain(|(h, _)| !h.eq_ignore_ascii_case(&k));
        headers.push((k, v));
    }
    let mut resp = Response {
        status: status_code,
        headers,
        // The backend's body itself when it passes through: no copy.
        body: Bytes::from(rendered.unwrap_or(backend.body)),
    };
    if resp.header("content-type").is_none() {
        resp.set_header("Content-Type", "application/json".into());
    }
    ctx.log_data("Method response body after transformations", || {
        String::from_utf8_lossy(&resp.body).into_owned()
    });
    ctx.log_data("Method response headers", || {
        crate::execution_log::java_map(resp.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    });
    ctx.log_info(|| "Successfully completed execution".into());
    ctx.log_info(|| format!("Method completed with status: {}", resp.status));
    Ok(resp)
}
