//! Gateway responses (DG `supported-gateway-response-types`, `api-gateway-gatewayResponse-definition`):
//! the answers API Gateway gives itself, without calling the integration. Customised by
//! `x-amazon-apigateway-gateway-responses`; an uncustomised 4XX/5XX type inherits
//! `DEFAULT_4XX`/`DEFAULT_5XX`.

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
}

impl ResponseType {
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
        }
    }

    /// The default template, with AWS's spacing where it was recorded (dialect table).
    pub fn default_template(self) -> &'static str {
        match self {
            Self::MissingAuthenticationToken
            | Self::UnsupportedMediaType
            | Self::RequestTooLarge => "{\"message\":$context.error.messageString}",
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
