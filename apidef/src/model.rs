//! Typed models of the `x-amazon-apigateway-*` extensions a REST API can carry, and of this
//! project's own extensions (`x-deploy-parameters`, `x-dynamodb-tables`, `x-deploy-stage`).
//!
//! Shapes and value sets follow API Gateway's extension reference (developer guide,
//! "API Gateway extensions to OpenAPI"). Unknown fields of the project's extensions are errors:
//! they are ours, and a misspelt field would silently fall back to a default. Unknown fields of
//! AWS's extensions are warnings (`from_aws_extension`): AWS's import ignores them, so a
//! document that deploys must load, but a misspelt `passthroughBehaviour` is still reported.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{ErrorKind, SpecError};

/// Deserialize an extension value, turning serde's messages into specific error kinds.
pub(crate) fn from_extension<T: for<'de> Deserialize<'de>>(
    value: &Value,
    extension: &str,
    file: &str,
    pointer: &str,
) -> Result<T, SpecError> {
    serde_json::from_value::<T>(value.clone()).map_err(|e| {
        let msg = e.to_string();
        let mut pointer = pointer.to_string();
        let kind = if let Some(rest) = msg.strip_prefix("unknown field `") {
            let field = rest.split('`').next().unwrap_or_default().to_string();
            let expected = rest
                .split_once("expected ")
                .map(|(_, x)| x.trim_start_matches("one of ").replace('`', ""))
                .unwrap_or_default();
            // Point at the unknown key itself when it is at this level.
            if value.get(&field).is_some() {
                pointer = crate::error::pointer_push(&pointer, &field);
            }
            ErrorKind::UnknownField {
                extension: extension.to_string(),
                field,
                expected,
            }
        } else if let Some(rest) = msg.strip_prefix("missing field `") {
            ErrorKind::MissingField {
                extension: extension.to_string(),
                field: rest.split('`').next().unwrap_or_default().to_string(),
            }
        } else {
            ErrorKind::InvalidExtension {
                extension: extension.to_string(),
                message: msg,
            }
        };
        SpecError::new(kind, file, pointer)
    })
}

/// Deserialize one of AWS's extensions the way AWS's import reads it: an unknown field is left
/// out with a warning in `warnings` (AWS ignores it, so the document deploys), every other
/// problem is an error.
pub(crate) fn from_aws_extension<T: for<'de> Deserialize<'de>>(
    value: &Value,
    extension: &str,
    file: &str,
    pointer: &str,
    warnings: &mut Vec<SpecError>,
) -> Result<T, SpecError> {
    let mut value = value.clone();
    // Each round removes one unknown field; a document has finitely many.
    for _ in 0..256 {
        match from_extension::<T>(&value, extension, file, pointer) {
            Err(e) => match &e.kind {
                ErrorKind::UnknownField { field, .. } => {
                    let at = e.location.pointer.clone();
                    let removed = remove_at(&mut value, pointer, &at, field);
                    warnings.push(
                        SpecError::new(
                            ErrorKind::Tolerated(format!(
                                "unknown field {field:?} in {extension}: AWS's import ignores it, and so does this toolkit (check its spelling)"
                            )),
                            file,
                            at,
                        )
                        .warning(),
                    );
                    if !removed {
                        return Err(e);
                    }
                }
                _ => return Err(e),
            },
            ok => return ok,
        }
    }
    from_extension(&value, extension, file, pointer)
}

/// Remove `field` from the object at `at` (a pointer at or below `base`, the pointer of
/// `value`), only where serde said it is: a field of the same name elsewhere is data (a
/// `requestTemplates` key `application/json` must never go because a response had a stray
/// `application/json`), so anything not found exactly there is left for the error.
fn remove_at(value: &mut Value, base: &str, at: &str, field: &str) -> bool {
    let rel = at.strip_prefix(base).unwrap_or("");
    let leaf = format!("/{}", field.replace('~', "~0").replace('/', "~1"));
    let parent = rel.strip_suffix(leaf.as_str()).unwrap_or(rel);
    let target = if parent.is_empty() {
        Some(value)
    } else {
        value.pointer_mut(parent)
    };
    match target {
        Some(Value::Object(o)) => o.shift_remove(field).is_some(),
        _ => false,
    }
}

/// A status code written as a string (`"200"`) or, as YAML makes it easily, a number (`200`):
/// AWS's import takes both.
fn status_code<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Code {
        S(String),
        N(u64),
    }
    Ok(match Code::deserialize(d)? {
        Code::S(s) => s,
        Code::N(n) => n.to_string(),
    })
}

fn optional_status_code<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<String>, D::Error> {
    status_code(d).map(Some)
}

/// Deserialize a map-valued extension entry by entry, so an error names the entry.
pub(crate) fn from_extension_map<T: for<'de> Deserialize<'de>>(
    value: &Value,
    extension: &str,
    file: &str,
    pointer: &str,
) -> Result<IndexMap<String, T>, SpecError> {
    let obj = value.as_object().ok_or_else(|| {
        SpecError::new(
            ErrorKind::InvalidExtension {
                extension: extension.to_string(),
                message: "must be an object (a map of names to entries)".into(),
            },
            file,
            pointer,
        )
    })?;
    obj.iter()
        .map(|(k, v)| {
            let p = crate::error::pointer_push(pointer, k);
            from_extension(v, extension, file, &p).map(|t| (k.clone(), t))
        })
        .collect()
}

/// `x-amazon-apigateway-integration`, as written in the document.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawIntegration {
    #[serde(rename = "type")]
    pub integration_type: String,
    #[serde(default)]
    pub http_method: Option<String>,
    #[serde(default)]
    pub uri: Option<String>,
    #[serde(default)]
    pub credentials: Option<String>,
    #[serde(default)]
    pub request_parameters: IndexMap<String, String>,
    #[serde(default)]
    pub request_templates: IndexMap<String, String>,
    #[serde(default)]
    pub passthrough_behavior: Option<String>,
    #[serde(default)]
    pub responses: IndexMap<String, RawIntegrationResponse>,
    #[serde(default)]
    pub timeout_in_millis: Option<u64>,
    #[serde(default)]
    pub content_handling: Option<String>,
    #[serde(default)]
    pub cache_key_parameters: Vec<String>,
    #[serde(default)]
    pub cache_namespace: Option<String>,
    #[serde(default)]
    pub connection_type: Option<String>,
    #[serde(default)]
    pub connection_id: Option<String>,
    #[serde(default)]
    pub tls_config: Option<TlsConfig>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TlsConfig {
    #[serde(default)]
    pub insecure_skip_verification: bool,
}

/// The fields of an integration response, as AWS's extension reference lists them.
pub(crate) const INTEGRATION_RESPONSE_FIELDS: &[&str] = &[
    "statusCode",
    "responseParameters",
    "responseTemplates",
    "contentHandling",
];

/// One entry of `x-amazon-apigateway-integration.responses`; its key is the selection pattern.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RawIntegrationResponse {
    #[serde(deserialize_with = "status_code")]
    pub status_code: String,
    #[serde(default)]
    pub response_parameters: IndexMap<String, String>,
    #[serde(default)]
    pub response_templates: IndexMap<String, String>,
    #[serde(default)]
    pub content_handling: Option<String>,
}

/// The kinds of integration API Gateway REST APIs have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum IntegrationType {
    Aws,
    AwsProxy,
    Http,
    HttpProxy,
    Mock,
}

impl IntegrationType {
    pub fn parse(s: &str) -> Option<Self> {
        // The OpenAPI extension is written lower-case; the API enum is upper-case. Both import.
        match s.to_ascii_lowercase().as_str() {
            "aws" => Some(Self::Aws),
            "aws_proxy" => Some(Self::AwsProxy),
            "http" => Some(Self::Http),
            "http_proxy" => Some(Self::HttpProxy),
            "mock" => Some(Self::Mock),
            _ => None,
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Aws => "aws",
            Self::AwsProxy => "aws_proxy",
            Self::Http => "http",
            Self::HttpProxy => "http_proxy",
            Self::Mock => "mock",
        }
    }
}

/// `passthroughBehavior`. When absent, API Gateway stores WHEN_NO_MATCH (developer guide,
/// "integration-passthrough-behaviors").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PassthroughBehavior {
    WhenNoMatch,
    WhenNoTemplates,
    Never,
}

impl PassthroughBehavior {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "when_no_match" => Some(Self::WhenNoMatch),
            "when_no_templates" => Some(Self::WhenNoTemplates),
            "never" => Some(Self::Never),
            _ => None,
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::WhenNoMatch => "when_no_match",
            Self::WhenNoTemplates => "when_no_templates",
            Self::Never => "never",
        }
    }
}

/// One entry of `x-amazon-apigateway-request-validators`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestValidator {
    #[serde(default)]
    pub validate_request_body: bool,
    #[serde(default)]
    pub validate_request_parameters: bool,
}

/// One entry of `x-amazon-apigateway-gateway-responses`, keyed by the response type.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GatewayResponse {
    #[serde(default, deserialize_with = "optional_status_code")]
    pub status_code: Option<String>,
    #[serde(default)]
    pub response_parameters: IndexMap<String, String>,
    #[serde(default)]
    pub response_templates: IndexMap<String, String>,
}

/// Gateway response types and their default status codes (developer guide,
/// "supported-gateway-response-types"); `None` for the two DEFAULT_ types, which have none.
pub const GATEWAY_RESPONSE_TYPES: &[(&str, Option<u16>)] = &[
    ("ACCESS_DENIED", Some(403)),
    ("API_CONFIGURATION_ERROR", Some(500)),
    ("AUTHORIZER_CONFIGURATION_ERROR", Some(500)),
    ("AUTHORIZER_FAILURE", Some(500)),
    ("BAD_REQUEST_PARAMETERS", Some(400)),
    ("BAD_REQUEST_BODY", Some(400)),
    ("DEFAULT_4XX", None),
    ("DEFAULT_5XX", None),
    ("EXPIRED_TOKEN", Some(403)),
    ("INTEGRATION_FAILURE", Some(504)),
    ("INTEGRATION_TIMEOUT", Some(504)),
    ("INVALID_API_KEY", Some(403)),
    ("INVALID_SIGNATURE", Some(403)),
    ("MISSING_AUTHENTICATION_TOKEN", Some(403)),
    ("QUOTA_EXCEEDED", Some(429)),
    ("REQUEST_TOO_LARGE", Some(413)),
    ("RESOURCE_NOT_FOUND", Some(404)),
    ("THROTTLED", Some(429)),
    ("UNAUTHORIZED", Some(401)),
    ("UNSUPPORTED_MEDIA_TYPE", Some(415)),
    ("WAF_FILTERED", Some(403)),
];

/// `x-amazon-apigateway-endpoint-configuration` (under a `servers[]` entry in OpenAPI 3).
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EndpointConfiguration {
    #[serde(default)]
    pub disable_execute_api_endpoint: Option<bool>,
    #[serde(default)]
    pub vpc_endpoint_ids: Vec<String>,
}

/// `x-amazon-apigateway-api-key-source`.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum ApiKeySource {
    Header,
    Authorizer,
}

/// One entry of the project extension `x-deploy-parameters`: a deploy-time value written as
/// `${Name}` anywhere in the document, substituted by codegen for `import-rest-api`, filled by
/// CloudFormation `Fn::Sub`, and by `gateway serve --param` locally.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeployParameter {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub default: Option<String>,
    /// In the generated CloudFormation stack, take the value from this stack resource attribute
    /// (`Resource.Attribute`, written as `Fn::GetAtt`) instead of a stack parameter.
    #[serde(default)]
    pub stack_value: Option<String>,
}

/// One entry of the project extension `x-dynamodb-tables`: a DynamoDB table in
/// CreateTable's own shape and field names.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TableDefinition {
    #[serde(rename = "TableName")]
    pub table_name: String,
    #[serde(rename = "AttributeDefinitions")]
    pub attribute_definitions: Vec<AttributeDefinition>,
    #[serde(rename = "KeySchema")]
    pub key_schema: Vec<KeySchemaElement>,
    #[serde(rename = "BillingMode", default)]
    pub billing_mode: Option<String>,
    #[serde(rename = "ProvisionedThroughput", default)]
    pub provisioned_throughput: Option<Value>,
    #[serde(rename = "GlobalSecondaryIndexes", default)]
    pub global_secondary_indexes: Option<Vec<Value>>,
    #[serde(rename = "LocalSecondaryIndexes", default)]
    pub local_secondary_indexes: Option<Vec<Value>>,
    #[serde(rename = "StreamSpecification", default)]
    pub stream_specification: Option<Value>,
    #[serde(rename = "SSESpecification", default)]
    pub sse_specification: Option<Value>,
    #[serde(rename = "TimeToLiveSpecification", default)]
    pub time_to_live_specification: Option<Value>,
    #[serde(rename = "PointInTimeRecoverySpecification", default)]
    pub point_in_time_recovery_specification: Option<Value>,
    #[serde(rename = "DeletionProtectionEnabled", default)]
    pub deletion_protection_enabled: Option<bool>,
    #[serde(rename = "Tags", default)]
    pub tags: Option<Vec<Value>>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AttributeDefinition {
    #[serde(rename = "AttributeName")]
    pub attribute_name: String,
    #[serde(rename = "AttributeType")]
    pub attribute_type: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KeySchemaElement {
    #[serde(rename = "AttributeName")]
    pub attribute_name: String,
    #[serde(rename = "KeyType")]
    pub key_type: String,
}

impl TableDefinition {
    /// The partition (HASH) key attribute name.
    pub fn hash_key(&self) -> Option<&str> {
        self.key_schema
            .iter()
            .find(|k| k.key_type == "HASH")
            .map(|k| k.attribute_name.as_str())
    }
    /// The sort (RANGE) key attribute name, if the table has one.
    pub fn range_key(&self) -> Option<&str> {
        self.key_schema
            .iter()
            .find(|k| k.key_type == "RANGE")
            .map(|k| k.attribute_name.as_str())
    }

    /// The body of a DynamoDB `CreateTable` request for this table.
    pub fn create_table_request(&self) -> Value {
        let mut v = serde_json::Map::new();
        v.insert("TableName".into(), Value::String(self.table_name.clone()));
        v.insert(
            "AttributeDefinitions".into(),
            serde_json::to_value(&self.attribute_definitions).unwrap_or(Value::Null),
        );
        v.insert(
            "KeySchema".into(),
            serde_json::to_value(&self.key_schema).unwrap_or(Value::Null),
        );
        let billing = self
            .billing_mode
            .clone()
            .unwrap_or_else(|| "PAY_PER_REQUEST".into());
        v.insert("BillingMode".into(), Value::String(billing));
        if let Some(p) = &self.provisioned_throughput {
            v.insert("ProvisionedThroughput".into(), p.clone());
        }
        if let Some(g) = &self.global_secondary_indexes {
            v.insert("GlobalSecondaryIndexes".into(), Value::Array(g.clone()));
        }
        if let Some(l) = &self.local_secondary_indexes {
            v.insert("LocalSecondaryIndexes".into(), Value::Array(l.clone()));
        }
        Value::Object(v)
    }

    pub(crate) fn check(&self) -> Result<(), String> {
        let hashes = self
            .key_schema
            .iter()
            .filter(|k| k.key_type == "HASH")
            .count();
        let ranges = self
            .key_schema
            .iter()
            .filter(|k| k.key_type == "RANGE")
            .count();
        if hashes != 1 {
            return Err(format!(
                "KeySchema needs exactly one HASH key, found {hashes}"
            ));
        }
        if ranges > 1 {
            return Err(format!(
                "KeySchema may have at most one RANGE key, found {ranges}"
            ));
        }
        for k in &self.key_schema {
            if k.key_type != "HASH" && k.key_type != "RANGE" {
                return Err(format!(
                    "KeyType {:?} of {:?} must be HASH or RANGE",
                    k.key_type, k.attribute_name
                ));
            }
            match self
                .attribute_definitions
                .iter()
                .find(|a| a.attribute_name == k.attribute_name)
            {
                None => {
                    return Err(format!(
                        "key attribute {:?} is not in AttributeDefinitions",
                        k.attribute_name
                    ));
                }
                Some(a) if !matches!(a.attribute_type.as_str(), "S" | "N" | "B") => {
                    return Err(format!(
                        "AttributeType {:?} of {:?} must be S, N or B",
                        a.attribute_type, a.attribute_name
                    ));
                }
                _ => {}
            }
        }
        if let Some(b) = &self.billing_mode
            && b != "PAY_PER_REQUEST"
            && b != "PROVISIONED"
        {
            return Err(format!(
                "BillingMode {b:?} must be PAY_PER_REQUEST or PROVISIONED"
            ));
        }
        Ok(())
    }
}

/// One entry of the project extension `x-usage-plans`: an API Gateway usage plan for the deployed
/// stage, in the shapes of `AWS::ApiGateway::UsagePlan` (`Throttle`, `Quota`) written camelCase
/// as the REST API writes them. The stack declares it; `gateway serve --api-key VALUE:PLAN`
/// meters a key by it.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UsagePlan {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub throttle: Option<ThrottleSettings>,
    #[serde(default)]
    pub quota: Option<QuotaSettings>,
    /// Per-method throttles of this plan on the stage, keyed `/{resource path}/{METHOD}`
    /// (`/album/{id}/GET`): AWS's `apiStages[].throttle` for this API's one stage. For that
    /// method a key's requests are metered by this bucket instead of the plan's `throttle`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub method_throttle: IndexMap<String, ThrottleSettings>,
}

/// A token bucket: `burstLimit` requests at once, refilled at `rateLimit` per second.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ThrottleSettings {
    pub rate_limit: f64,
    pub burst_limit: u64,
}

/// At most `limit` requests per `period`, which starts `offset` days into it (WEEK: 0 = Sunday;
/// MONTH: 0 = the 1st; DAY: 0 only), in UTC.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QuotaSettings {
    pub limit: u64,
    pub period: QuotaPeriod,
    #[serde(default)]
    pub offset: u32,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum QuotaPeriod {
    Day,
    Week,
    Month,
}

/// The project extension `x-deploy-stage`: the stage the generated stack deploys and the local
/// gateway serves.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeployStage {
    pub name: String,
    #[serde(default)]
    pub tracing_enabled: bool,
    #[serde(default)]
    pub logging_level: Option<String>,
    #[serde(default)]
    pub metrics_enabled: bool,
    #[serde(default)]
    pub data_trace_enabled: bool,
    /// API Gateway access-log format (`$context` variables), as `accessLogSetting.format`.
    #[serde(default)]
    pub access_log_format: Option<String>,
    /// Stage variables (`$stageVariables`).
    #[serde(default)]
    pub variables: IndexMap<String, String>,
    /// The stage's default throttle for every method: AWS's `throttlingRateLimit` /
    /// `throttlingBurstLimit` of the method settings `*/*` (CloudFormation: `MethodSettings`
    /// with `ResourcePath: /*`, `HttpMethod: '*'`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub throttling: Option<ThrottleSettings>,
    /// Per-method overrides, keyed `/{resource path}/{METHOD}` (`/album/{id}/GET`), as AWS's
    /// stage `methodSettings` keys them (there with the path's `/` written `~1`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub method_settings: IndexMap<String, MethodSetting>,
}

/// One method's settings in `x-deploy-stage.methodSettings`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MethodSetting {
    /// Replaces the stage's `throttling` for this method (DG "Throttle requests to your REST
    /// APIs": per-method settings override the stage's).
    #[serde(default)]
    pub throttling: Option<ThrottleSettings>,
}

/// A `/{resource path}/{METHOD}` key (of `methodSettings` or a plan's `methodThrottle`) split
/// at its last `/`: (`/album/{id}`, `GET`); the root resource is `//GET`.
pub fn split_method_key(key: &str) -> Option<(&str, &str)> {
    let (path, method) = key.rsplit_once('/')?;
    if !path.starts_with('/') || method.is_empty() {
        return None;
    }
    // AWS's root resource, `/`, makes the key `//GET`.
    let path = if path == "/" { "/" } else { path };
    Some((path, method))
}

impl Default for DeployStage {
    fn default() -> Self {
        DeployStage {
            name: "prod".into(),
            tracing_enabled: false,
            logging_level: None,
            metrics_enabled: false,
            data_trace_enabled: false,
            access_log_format: None,
            variables: IndexMap::new(),
            throttling: None,
            method_settings: IndexMap::new(),
        }
    }
}
