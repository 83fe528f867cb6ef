//! Gateway responses (DG `supported-gateway-response-types`, `api-gateway-gatewayResponse-definition`):
//! the answers API Gateway gives itself, without calling the integration. Customised by
//! `x-amazon-apigateway-gateway-responses`; an uncustomised 4XX/5XX type inherits
//! `DEFAULT_4XX`/`DEFAULT_5XX`.

use std::borrow::Cow;

use apidef::model::GatewayResponse;
use bytes::Bytes;
use indexmap::IndexMap;

use crate::context::{ErrorContext, RequestContext, Substitution};
use crate::mapping::{Source, Sources};
use crate::request::{MethodRequest, Response, media_type};

/// The gateway-response types this gateway raises, in AWS's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseType {
    MissingAuthenticationToken,
    BadRequestParameters,
    BadRequestBody,
    UnsupportedMediaType,
    ApiConfigurationError,
    IntegrationFailure,
    IntegrationTimeout,
    RequestTooLarge,
    InvalidApiKey,
    Throttled,
    QuotaExceeded,
    InvalidSignature,
    Unauthorized,
    AccessDenied,
}

impl ResponseType {
    /// Every type, in declaration order (`t as usize` indexes it).
    pub const ALL: [ResponseType; 14] = [
        Self::MissingAuthenticationToken,
        Self::BadRequestParameters,
        Self::BadRequestBody,
        Self::UnsupportedMediaType,
        Self::ApiConfigurationError,
        Self::IntegrationFailure,
        Self::IntegrationTimeout,
        Self::RequestTooLarge,
        Self::InvalidApiKey,
        Self::Throttled,
        Self::QuotaExceeded,
        Self::InvalidSignature,
        Self::Unauthorized,
        Self::AccessDenied,
    ];

    /// The name used as key in `x-amazon-apigateway-gateway-responses` and in
    /// `$context.error.responseType`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "MISSING_AUTHENTICATION_TOKEN",
            Self::BadRequestParameters => "BAD_REQUEST_PARAMETERS",
            Self::BadRequestBody => "BAD_REQUEST_BODY",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::ApiConfigurationError => "API_CONFIGURATION_ERROR",
            Self::IntegrationFailure => "INTEGRATION_FAILURE",
            Self::IntegrationTimeout => "INTEGRATION_TIMEOUT",
            Self::RequestTooLarge => "REQUEST_TOO_LARGE",
            Self::InvalidApiKey => "INVALID_API_KEY",
            Self::Throttled => "THROTTLED",
            Self::QuotaExceeded => "QUOTA_EXCEEDED",
            Self::InvalidSignature => "INVALID_SIGNATURE",
            Self::Unauthorized => "UNAUTHORIZED",
            Self::AccessDenied => "ACCESS_DENIED",
        }
    }

    /// AWS's default status code (DG `supported-gateway-response-types`).
    pub fn default_status(self) -> u16 {
        apidef::model::GATEWAY_RESPONSE_TYPES
            .iter()
            .find(|(n, _)| *n == self.as_str())
            .and_then(|(_, s)| *s)
            .unwrap_or(500)
    }

    /// `$context.error.message`.
    pub fn default_message(self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken => "Missing Authentication Token",
            Self::BadRequestParameters => "Missing required request parameters",
            Self::BadRequestBody => "Invalid request body",
            Self::UnsupportedMediaType => "Unsupported Media Type",
            Self::ApiConfigurationError => "Internal server error",
            Self::IntegrationFailure => "Internal server error",
            Self::IntegrationTimeout => "Endpoint request timed out",
            Self::RequestTooLarge => "Request Too Long",
            // What users see for a missing or unknown key (serverless#2450) and for a usage
            // plan's throttle and quota (dialect table, "API keys and usage plans").
            Self::InvalidApiKey => "Forbidden",
            Self::Throttled => "Too Many Requests",
            Self::QuotaExceeded => "Limit Exceeded",
            Self::InvalidSignature => "Forbidden",
            Self::Unauthorized => "Unauthorized",
            Self::AccessDenied => "User is not authorized to access this resource",
        }
    }

    /// The `x-amzn-ErrorType` header (see the dialect table for the unrecorded ones).
    pub fn error_type(self) -> &'static str {
        match self {
            // AWS-REC test_routing_not_found.
            Self::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            // LS for both; 415 is UNK on AWS.
            Self::BadRequestParameters | Self::BadRequestBody | Self::UnsupportedMediaType => {
                "BadRequestException"
            }
            // AWS-REC header-remapping tests.
            Self::ApiConfigurationError | Self::IntegrationFailure => {
                "InternalServerErrorException"
            }
            Self::IntegrationTimeout => "InternalServerErrorException",
            Self::RequestTooLarge => "RequestEntityTooLargeException",
            Self::InvalidApiKey => "ForbiddenException",
            Self::Throttled => "TooManyRequestsException",
            Self::QuotaExceeded => "LimitExceededException",
            Self::InvalidSignature => "InvalidSignatureException",
            Self::Unauthorized => "UnauthorizedException",
            Self::AccessDenied => "AccessDeniedException",
        }
    }

    /// The default template, with AWS's spacing where it was recorded (dialect table).
    pub fn default_template(self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken
            | Self::UnsupportedMediaType
            | Self::RequestTooLarge
            | Self::InvalidApiKey
            | Self::Throttled
            | Self::QuotaExceeded
            | Self::InvalidSignature
            | Self::Unauthorized => "{\"message\":$context.error.messageString}",
            // A Lambda authorizer's denial says `Message`, capitalised (users' captures).
            Self::AccessDenied => "{\"Message\":$context.error.messageString}",
            _ => "{\"message\": $context.error.messageString}",
        }
    }

    /// REQUEST_TOO_LARGE cannot be customised (DG).
    pub fn customisable(self) -> bool {
        self != Self::RequestTooLarge
    }
}

/// A JSON string literal, as `$context.error.messageString` holds it.
pub fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// Why the pipeline answers with a gateway response instead of calling on.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub t: ResponseType,
    /// `$context.error.message`, when not the type's default.
    pub message: Option<String>,
    /// `$context.error.validationErrorString`.
    pub validation_error: Option<String>,
    /// `x-amzn-ErrorType`, when not the type's (a signature's several kinds of failure).
    pub error_type: Option<&'static str>,
}

impl From<ResponseType> for Refusal {
    fn from(t: ResponseType) -> Refusal {
        Refusal {
            t,
            message: None,
            validation_error: None,
            error_type: None,
        }
    }
}

/// One type's gateway response, resolved once: the type's customisation, else
/// DEFAULT_4XX/DEFAULT_5XX's, else AWS's default (DG `supported-gateway-response-types`).
struct Plan {
    status: u16,
    content_type: String,
    template: Substitution,
    /// `gatewayresponse.header.NAME` mappings, in order.
    headers: Vec<(String, Source)>,
}

/// Every type's plan.
pub(crate) struct Plans(Vec<Plan>);

impl Plans {
    pub fn new(responses: &IndexMap<String, GatewayResponse>) -> Plans {
        Plans(
            ResponseType::ALL
                .iter()
                .map(|t| Plan::new(*t, responses))
                .collect(),
        )
    }
}

impl Plan {
    fn new(t: ResponseType, responses: &IndexMap<String, GatewayResponse>) -> Plan {
        let default_status = t.default_status();
        let fallback = if default_status >= 500 {
            "DEFAULT_5XX"
        } else {
            "DEFAULT_4XX"
        };
        let custom = if t.customisable() {
            responses
                .get(t.as_str())
                .or_else(|| responses.get(fallback))
        } else {
            None
        };
        let status = custom
            .and_then(|c| c.status_code.as_deref())
            .and_then(|s| s.trim().parse::<u16>().ok())
            .filter(|s| (100..=599).contains(s))
            .unwrap_or(default_status);
        let (content_type, template) = custom
            .and_then(|c| {
                c.response_templates
                    .iter()
                    .find(|(k, _)| media_type(k) == "application/json")
                    .or_else(|| c.response_templates.iter().next())
            })
            .map(|(k, v)| (k.clone(), v.as_str()))
            .unwrap_or_else(|| ("application/json".into(), t.default_template()));
        let headers = custom
            .map(|c| {
                c.response_parameters
                    .iter()
                    .filter_map(|(target, source)| {
                        let name = target.strip_prefix("gatewayresponse.header.")?;
                        // Integration values do not exist for a gateway response.
                        let source = match Source::parse(source) {
                            Source::IntegrationHeader(_)
                            | Source::IntegrationBody
                            | Source::IntegrationBodyPath(_) => Source::Nothing,
                            s => s,
                        };
                        Some((name.to_string(), source))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Plan {
            status,
            content_type,
            template: Substitution::parse(template),
            headers,
        }
    }
}

/// The gateway response for `refusal`; `$context.error` is set for the template and the
/// access log. `request` is `None` when the request was refused before it was read.
pub(crate) fn respond(
    plans: &Plans,
    stage_variables: &IndexMap<String, String>,
    refusal: Refusal,
    ctx: &mut RequestContext<'_>,
    request: Option<&MethodRequest<'_>>,
) -> Response {
    let t = refusal.t;
    let plan = &plans.0[t as usize];
    let message = refusal
        .message
        .map_or(Cow::Borrowed(t.default_message()), Cow::Owned);
    ctx.error = Some(ErrorContext {
        message_string: quoted(&message),
        message,
        response_type: t.as_str(),
        validation_error: refusal.validation_error,
    });
    let body = plan.template.render(&*ctx, stage_variables, "");
    let mut resp = Response {
        status: plan.status,
        headers: vec![("Content-Type".into(), plan.content_type.clone())],
        body: Bytes::from(body),
    };
    let from = Sources {
        context: &*ctx,
        stage_variables,
        request,
        backend: None,
    };
    for (name, source) in &plan.headers {
        if let Some(v) = source.value(&from) {
            resp.set_header(name, v.into_owned());
        }
    }
    resp.set_header(
        "x-amzn-ErrorType",
        refusal.error_type.unwrap_or(t.error_type()).into(),
    );
    tracing::debug!(
        "Gateway response type: {} with status code: {}",
        t.as_str(),
        plan.status
    );
    // After an `Execution failed ...` line AWS writes the status and nothing between: the
    // AWS-validated test-invoke-method log of a failed integration (LocalStack's
    // `test_failed_invoke_test_method` snapshot, tests/data/localstack-test-invoke) and the
    // CloudWatch logs of re:Post's knowledge-center articles api-gateway-500-error-vpc and
    // api-gateway-lambda-template-invoke-error.
    if !ctx.log_failed() {
        ctx.log_info(|| {
            format!(
                "Gateway response type: {} with status code: {}",
                t.as_str(),
                plan.status
            )
        });
        ctx.log_data("Gateway response body", || {
            String::from_utf8_lossy(&resp.body).into_owned()
        });
        ctx.log_data("Gateway response headers", || {
            crate::execution_log::java_map(
                resp.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            )
        });
    }
    ctx.log_info(|| format!("Method completed with status: {}", plan.status));
    resp
}
