//! `apidef`: the API definition, in two layers, as ripgrep goes from low-level to high-level
//! arguments:
//!
//! - [`reader::Document`], the tolerant reader: the text parsed with positions, normalized
//!   ([`normalize`]: CloudFormation intrinsics resolved, Swagger 2.0 converted), and every
//!   operation listed even when something in it is wrong (the lint reads this);
//! - [`Api`], validated and typed, built from a `Document`; one load names every problem
//!   ([`SpecError::all`]), errors and warnings, and a document with only warnings loads and
//!   keeps them ([`Api::warnings`]). An `Api` holds:
//!
//! - the ordered JSON tree, normalized ([`Api::raw`]): the truth, used for lossless re-emit;
//! - the same tree with deploy-time placeholders substituted ([`Api::resolved`]);
//! - a typed model of every `x-amazon-apigateway-*` extension and of the project's own
//!   extensions, with every mapping template compiled by `vtl` and every selection pattern
//!   compiled as a Java regex, and the route table.
//!
//! Errors ([`SpecError`]) name the file, the JSON pointer and, where known, line:column. Nothing
//! here panics on any input.

// Errors are rare and carry the file, pointer and position a user needs; their size is not a
// concern on this cold path.
#![allow(clippy::result_large_err)]

pub mod error;
pub mod intrinsics;
pub mod model;
pub mod normalize;
pub mod params;
pub mod pattern;
pub mod reader;
pub mod routes;
pub mod source;
pub mod swagger2;

use std::cell::RefCell;
use std::path::Path;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;

pub use error::{ErrorKind, Location, Severity, SpecError};
pub use model::{
    ApiKeySource, DeployParameter, DeployStage, EndpointConfiguration, GatewayResponse,
    IntegrationType, MethodSetting, PassthroughBehavior, QuotaPeriod, QuotaSettings,
    RawIntegration, RawIntegrationResponse, RequestValidator, TableDefinition, ThrottleSettings,
    UsagePlan, split_method_key,
};
pub use pattern::SelectionPattern;
pub use routes::{RouteMatch, RouteTable, Segment};

use error::pointer_push;
use model::{from_extension, from_extension_map};
use source::Positions;

/// HTTP methods an OpenAPI path item can hold, in the order API Gateway lists them.
pub const HTTP_METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
/// API Gateway's key for a method that takes any HTTP method (`ANY`).
pub const ANY_METHOD: &str = "x-amazon-apigateway-any-method";
/// Every key of a path item that holds an operation: [`HTTP_METHODS`] and [`ANY_METHOD`].
pub const OPERATION_KEYS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace", ANY_METHOD,
];

/// Extensions of this project, at the document root.
pub const PROJECT_EXTENSIONS: &[&str] = &[
    "x-deploy-parameters",
    "x-dynamodb-tables",
    "x-deploy-stage",
    "x-usage-plans",
    // The lint's allows (lint crate), at the root and in operations.
    "x-lint",
];

/// Root-level API Gateway extensions of a REST API.
const ROOT_APIGW_EXTENSIONS: &[&str] = &[
    "x-amazon-apigateway-request-validators",
    "x-amazon-apigateway-request-validator",
    "x-amazon-apigateway-gateway-responses",
    "x-amazon-apigateway-binary-media-types",
    "x-amazon-apigateway-api-key-source",
    "x-amazon-apigateway-policy",
    "x-amazon-apigateway-minimum-compression-size",
    "x-amazon-apigateway-endpoint-configuration",
    "x-amazon-apigateway-documentation",
    "x-amazon-apigateway-importexport-version",
    "x-amazon-apigateway-tag-value",
    "x-amazon-apigateway-security-policy",
    "x-amazon-apigateway-disable-execute-api-endpoint",
];

/// Operation-level API Gateway extensions.
const OPERATION_APIGW_EXTENSIONS: &[&str] = &[
    "x-amazon-apigateway-integration",
    "x-amazon-apigateway-request-validator",
    "x-amazon-apigateway-auth",
    "x-amazon-apigateway-authtype",
    "x-amazon-apigateway-api-key-source",
];

/// Where a parameter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
    Cookie,
}

impl ParamLocation {
    /// The name API Gateway uses in `method.request.<location>.<name>`.
    pub fn apigw_name(&self) -> &'static str {
        match self {
            ParamLocation::Path => "path",
            ParamLocation::Query => "querystring",
            ParamLocation::Header => "header",
            ParamLocation::Cookie => "cookie",
        }
    }
}

/// A method request parameter, `$ref`s resolved.
#[derive(Debug, Clone)]
pub struct Parameter {
    pub name: String,
    pub location: ParamLocation,
    pub required: bool,
    pub description: Option<String>,
    pub schema: Option<Value>,
}

/// The request body of an operation.
#[derive(Debug, Clone)]
pub struct RequestBody {
    pub required: bool,
    /// Content type -> self-contained draft-4 model schema (references to
    /// `#/components/schemas/X` rewritten to `#/definitions/X`), if the body has a schema.
    pub content: IndexMap<String, Option<Value>>,
}

/// An OpenAPI link from a response to another operation.
#[derive(Debug, Clone)]
pub struct Link {
    pub operation_id: Option<String>,
    pub parameters: IndexMap<String, Value>,
    pub request_body: Option<Value>,
    pub description: Option<String>,
}

/// A declared method response.
#[derive(Debug, Clone)]
pub struct Response {
    pub description: String,
    /// Header name -> header object (schema, description).
    pub headers: IndexMap<String, Value>,
    /// Content type -> self-contained draft-4 schema, if any.
    pub content: IndexMap<String, Option<Value>>,
    pub links: IndexMap<String, Link>,
}

/// A mapping template compiled once by `vtl`.
#[derive(Debug, Clone)]
pub struct MappingTemplate {
    pub content_type: String,
    /// The template text, placeholders substituted.
    pub source: String,
    /// JSON pointer of the template string in the document.
    pub pointer: String,
    pub template: Arc<vtl::Template>,
}

/// One integration response.
#[derive(Debug, Clone)]
pub struct IntegrationResponse {
    /// The key in the document: the selection pattern, or `default`.
    pub key: String,
    /// `None` for the default response.
    pub selection_pattern: Option<SelectionPattern>,
    pub status_code: String,
    pub response_parameters: IndexMap<String, String>,
    pub response_templates: IndexMap<String, MappingTemplate>,
    pub content_handling: Option<String>,
    pub pointer: String,
}

/// `x-amazon-apigateway-integration`, checked and compiled.
#[derive(Debug, Clone)]
pub struct Integration {
    pub integration_type: IntegrationType,
    pub http_method: Option<String>,
    pub uri: Option<String>,
    pub credentials: Option<String>,
    pub request_parameters: IndexMap<String, String>,
    pub request_templates: IndexMap<String, MappingTemplate>,
    /// The effective behaviour: WHEN_NO_MATCH when the document says nothing, as AWS stores it.
    pub passthrough_behavior: PassthroughBehavior,
    pub responses: Vec<IntegrationResponse>,
    /// Integration timeout; API Gateway's default is 29 000 ms.
    pub timeout_in_millis: u64,
    pub pointer: String,
    /// The extension as written (placeholders substituted).
    pub raw: RawIntegration,
}

impl Integration {
    /// `PutItem` for `arn:aws:apigateway:{region}:dynamodb:action/PutItem`.
    pub fn dynamodb_action(&self) -> Option<&str> {
        dynamodb_action(self.uri.as_deref()?)
    }

    /// Integration-response selection: each non-default response whose pattern matches the
    /// whole status string, in document order (which one AWS prefers when several match is
    /// undocumented, see the README), else the default one.
    pub fn select_response(&self, status: &str) -> Option<&IntegrationResponse> {
        self.responses
            .iter()
            .find(|r| {
                r.selection_pattern
                    .as_ref()
                    .is_some_and(|p| p.matches(status))
            })
            .or_else(|| {
                self.responses
                    .iter()
                    .find(|r| r.selection_pattern.is_none())
            })
    }
}

/// The DynamoDB action of an integration URI, if it is one. The region and partition may be
/// CloudFormation placeholders (`arn:${AWS::Partition}:apigateway:${AWS::Region}:dynamodb:...`,
/// the form `Fn::Sub` bodies use): AWS substitutes them before it reads the URI, so they are
/// skipped here as one field each, `::` inside `${...}` included.
pub fn dynamodb_action(uri: &str) -> Option<&str> {
    let rest = uri.strip_prefix("arn:")?;
    let mut fields = Vec::with_capacity(5);
    let mut start = 0;
    let mut depth = 0usize;
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() && fields.len() < 4 {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 1;
            }
            b'}' if depth > 0 => depth -= 1,
            b':' if depth == 0 => {
                fields.push(&rest[start..i]);
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if fields.len() < 4 {
        return None;
    }
    let (_partition, service, _region, target) = (fields[0], fields[1], fields[2], fields[3]);
    if service != "apigateway" || target != "dynamodb" {
        return None;
    }
    rest[start..].strip_prefix("action/")
}

/// Whether `components.securitySchemes[name]` is the API key (`{type: apiKey, name: x-api-key,
/// in: header}`, no authorizer): the scheme AWS's export writes for `apiKeyRequired`.
fn is_api_key_scheme(doc: &Value, name: &str) -> bool {
    let Some(scheme) = security_scheme(doc, name) else {
        return false;
    };
    let field = |k: &str| scheme.get(k).and_then(Value::as_str);
    field("type") == Some("apiKey")
        && field("in") == Some("header")
        && field("name").is_some_and(|n| n.eq_ignore_ascii_case("x-api-key"))
        && scheme.get("x-amazon-apigateway-authorizer").is_none()
        && scheme.get("x-amazon-apigateway-authtype").is_none()
}

/// The authorization a scheme stands for, when it is not the API key.
/// A security scheme by name: `components.securitySchemes`, else a root `securityDefinitions`,
/// which AWS's import also reads in an OpenAPI 3 document (aws-samples'
/// amazon-api-gateway-url-shortener deploys its Cognito authorizer that way).
fn security_scheme<'a>(doc: &'a Value, name: &str) -> Option<&'a Value> {
    doc.pointer(&pointer_push("/components/securitySchemes", name))
        .or_else(|| doc.pointer(&pointer_push("/securityDefinitions", name)))
}

fn scheme_authorization(doc: &Value, name: &str, scopes: &Value) -> Option<Authorization> {
    let scheme = security_scheme(doc, name)?;
    if let Some(authorizer) = scheme.get("x-amazon-apigateway-authorizer") {
        let kind = authorizer
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("token")
            .to_ascii_lowercase();
        let header = authorizer
            .get("identitySource")
            .and_then(Value::as_str)
            .and_then(|s| s.split(',').next())
            .and_then(|s| s.trim().strip_prefix("method.request.header."))
            .or_else(|| scheme.get("name").and_then(Value::as_str))
            .unwrap_or("Authorization")
            .to_string();
        let strings = |v: Option<&Value>| -> Vec<String> {
            v.and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        };
        let identity_source: Vec<String> = authorizer
            .get("identitySource")
            .and_then(Value::as_str)
            .map(|s| {
                s.split(',')
                    .map(|p| p.trim().to_string())
                    .filter(|p| !p.is_empty())
                    .collect()
            })
            .unwrap_or_else(|| vec![format!("method.request.header.{header}")]);
        return Some(Authorization::Authorizer {
            scheme: name.to_string(),
            kind,
            header,
            provider_arns: strings(authorizer.get("providerARNs")),
            scopes: strings(Some(scopes)),
            identity_source,
            validation_expression: authorizer
                .get("identityValidationExpression")
                .and_then(Value::as_str)
                .map(str::to_string),
            ttl_secs: authorizer
                .get("authorizerResultTtlInSeconds")
                .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
                .unwrap_or(300),
        });
    }
    let authtype = scheme.get("x-amazon-apigateway-authtype")?.as_str()?;
    authtype
        .eq_ignore_ascii_case("awsSigv4")
        .then_some(Authorization::AwsIam)
}

/// One method of one resource.
#[derive(Debug, Clone)]
pub struct Operation {
    /// JSON pointer of the operation object (`/paths/~1album/post`).
    pub pointer: String,
    /// Upper-case method, or `ANY` for `x-amazon-apigateway-any-method`.
    pub method: String,
    pub path: String,
    pub operation_id: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub parameters: Vec<Parameter>,
    pub request_body: Option<RequestBody>,
    /// Status code (or `default`) -> response, in document order.
    pub responses: IndexMap<String, Response>,
    /// The request validator in effect (operation's, else the document's default).
    pub validator: Option<(String, RequestValidator)>,
    /// The method requires an API key (`apiKeyRequired`): a `security` requirement names a
    /// scheme `{type: apiKey, name: x-api-key, in: header}` that is no authorizer, which is how
    /// AWS's import and export write it (DG "x-amazon-apigateway-api-key-source", "Set up API
    /// keys using OpenAPI"). The document-level `security` is ignored, as AWS ignores it.
    pub api_key_required: bool,
    /// Who may call the method (`authorizationType`), from the same `security` requirement.
    pub authorization: Authorization,
    pub integration: Integration,
}

/// A method's `authorizationType`, as AWS's import reads the operation's `security`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Authorization {
    /// `NONE`.
    #[default]
    None,
    /// `AWS_IAM`: a scheme with `x-amazon-apigateway-authtype: awsSigv4`; SigV4-signed
    /// requests only.
    AwsIam,
    /// `COGNITO_USER_POOLS` or `CUSTOM`: a scheme with `x-amazon-apigateway-authorizer`.
    Authorizer {
        /// The scheme's name.
        scheme: String,
        /// The authorizer's `type`: `cognito_user_pools`, `token` or `request`.
        kind: String,
        /// The header the token is read from: `identitySource`'s `method.request.header.X`,
        /// else the scheme's `name` (`Authorization` when neither says).
        header: String,
        /// `providerARNs` of a Cognito authorizer.
        provider_arns: Vec<String>,
        /// The requirement's scopes (`authorizationScopes`): a Cognito authorizer then wants
        /// an access token with one of them.
        scopes: Vec<String>,
        /// `identitySource`, split at commas (`method.request.header.Authorization`, ...).
        identity_source: Vec<String>,
        /// `identityValidationExpression` (TOKEN authorizers).
        validation_expression: Option<String>,
        /// `authorizerResultTtlInSeconds` (AWS's default 300).
        ttl_secs: u64,
    },
}

impl Operation {
    /// `POST /album`, for messages.
    pub fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// A loaded API definition.
#[derive(Debug, Clone)]
pub struct Api {
    pub file: String,
    /// The document exactly as written (ordered).
    pub raw: Value,
    /// The document with deploy parameters substituted.
    pub resolved: Value,
    pub deploy_parameters: IndexMap<String, DeployParameter>,
    /// The values used for placeholders (declared parameters and pseudo parameters).
    pub parameter_values: IndexMap<String, String>,
    /// Logical name -> table definition (placeholders substituted).
    pub tables: IndexMap<String, TableDefinition>,
    pub stage: DeployStage,
    /// The document has `x-deploy-stage` (else `stage` is the default, `prod`).
    pub stage_declared: bool,
    pub request_validators: IndexMap<String, RequestValidator>,
    pub default_validator: Option<String>,
    pub gateway_responses: IndexMap<String, GatewayResponse>,
    pub binary_media_types: Vec<String>,
    pub api_key_source: Option<ApiKeySource>,
    /// `x-usage-plans`: name -> plan.
    pub usage_plans: IndexMap<String, UsagePlan>,
    pub policy: Option<Value>,
    pub endpoint_configuration: Option<EndpointConfiguration>,
    pub minimum_compression_size: Option<u64>,
    pub operations: Vec<Operation>,
    pub routes: RouteTable,
    /// What loaded but deserves a word: things AWS accepts that this toolkit reads as the
    /// message says (unknown fields AWS ignores, undeclared path parameters, ...), in document
    /// order, each with its location.
    pub warnings: Vec<SpecError>,
    positions: Positions,
    /// How a Swagger 2.0 document was converted, to map pointers back to its lines.
    origin: Option<Arc<normalize::Normalized>>,
    /// The `params` given to the load that only CloudFormation intrinsics used (a `Ref`'s
    /// value, `Role.Arn`, a condition): not deploy parameters, already applied.
    pub intrinsic_params: Vec<String>,
}

impl Api {
    /// Load a file with the deploy parameters' defaults.
    pub fn load(path: impl AsRef<Path>) -> Result<Api, SpecError> {
        Self::load_with(path, &IndexMap::new())
    }

    /// Load a file; `params` override deploy parameters (and pseudo parameters such as
    /// `AWS::Region`).
    pub fn load_with(
        path: impl AsRef<Path>,
        params: &IndexMap<String, String>,
    ) -> Result<Api, SpecError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| SpecError::new(ErrorKind::Io(e.to_string()), &file, ""))?;
        Self::from_str_with(&text, &file, params)
    }

    /// Load from text; `file` names the source in errors (`.json` selects JSON).
    pub fn from_str_with(
        text: &str,
        file: &str,
        params: &IndexMap<String, String>,
    ) -> Result<Api, SpecError> {
        // The tolerant reader first: parsed with positions, CloudFormation intrinsics resolved
        // and Swagger 2.0 converted (pointers of its problems are into the document as
        // written); what the intrinsics consumed of `params` (a `Ref`'s value, `Role.Arn`) is
        // not a deploy parameter of the result.
        let reader::Document {
            raw,
            normalized,
            positions,
            ..
        } = reader::Document::read(text, file, params)?;
        let declared: Vec<String> = normalized
            .document
            .get("x-deploy-parameters")
            .and_then(Value::as_object)
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        let intrinsic_params: Vec<String> = if normalized.document == raw {
            Vec::new()
        } else {
            params
                .keys()
                .filter(|k| {
                    !declared.contains(k) && !params::PSEUDO_PARAMETERS.iter().any(|(n, _)| n == *k)
                })
                .cloned()
                .collect()
        };
        let params: IndexMap<String, String> = if normalized.document == raw {
            params.clone()
        } else {
            params
                .iter()
                .filter(|(k, _)| {
                    declared.contains(k) || params::PSEUDO_PARAMETERS.iter().any(|(n, _)| n == k)
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        let builder = Builder {
            file,
            positions: &positions,
            problems: RefCell::new(normalized.problems.clone()),
        };
        let converted_len = normalized.problems.len();
        let api = builder.build(normalized.document.clone(), &params);
        let origin = Arc::new(normalized);
        let problems: Vec<SpecError> = builder
            .problems
            .into_inner()
            .into_iter()
            .enumerate()
            .map(|(i, mut e)| {
                // The builder's pointers are into the converted document.
                if i >= converted_len {
                    e.location.pointer = origin.original_pointer(&e.location.pointer);
                }
                let pos = positions.find(&e.location.pointer);
                e.at(pos)
            })
            .collect();
        // One defect, one error: an intrinsic that could not be resolved stays an object where
        // the builder wants a string, and the extension holding it would fail again for the
        // same reason; that second error is dropped.
        let unresolved: Vec<String> = problems[..converted_len]
            .iter()
            .filter(|e| !e.is_warning() && matches!(e.kind, ErrorKind::Intrinsic { .. }))
            .map(|e| e.location.pointer.clone())
            .collect();
        let problems: Vec<SpecError> = problems
            .into_iter()
            .enumerate()
            .filter(|(i, e)| {
                *i < converted_len
                    || e.is_warning()
                    || !unresolved.iter().any(|u| {
                        u.starts_with(&format!("{}/", e.location.pointer))
                            || e.location.pointer.starts_with(&format!("{u}/"))
                            || *u == e.location.pointer
                    })
            })
            .map(|(_, e)| e)
            .collect();
        let problems = merge_repeated_warnings(problems);
        match api {
            Some(mut api) if problems.iter().all(SpecError::is_warning) => {
                api.positions = positions;
                api.warnings = problems;
                api.intrinsic_params = intrinsic_params;
                if origin.swagger.is_some() {
                    api.origin = Some(origin);
                }
                Ok(api)
            }
            _ => Err(first_of(problems, file)),
        }
    }

    /// Line and column of a JSON pointer (into [`Api::resolved`]) in the source, when known.
    pub fn position(&self, pointer: &str) -> Option<(usize, usize)> {
        match &self.origin {
            Some(o) => self.positions.find(&o.original_pointer(pointer)),
            None => self.positions.find(pointer),
        }
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, operation_id: &str) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|o| o.operation_id.as_deref() == Some(operation_id))
    }

    /// Route a request: `segments` are the path's segments, each percent-decoded once.
    pub fn route(&self, method: &str, segments: &[String]) -> RouteMatch {
        self.routes.route(method, segments)
    }

    /// Resolve a local `$ref` (`#/components/...`) in the resolved document, following chains.
    pub fn resolve_ref(&self, reference: &str) -> Result<&Value, SpecError> {
        resolve_ref(&self.resolved, reference, &self.file, "")
    }

    /// A self-contained draft-4 schema for `schema` (which may be or contain `$ref`s into
    /// `#/components/schemas`), as API Gateway builds models.
    pub fn model_schema(&self, schema: &Value) -> Result<Value, SpecError> {
        model_schema(&self.resolved, schema, &self.file, "")
    }
}

/// One warning for one cause: the same tolerated reading at many places (a `Ref` to one table
/// in every template) is said once, at its first place, with the number of others.
fn merge_repeated_warnings(problems: Vec<SpecError>) -> Vec<SpecError> {
    let mut out: Vec<SpecError> = Vec::with_capacity(problems.len());
    let mut repeats: Vec<usize> = Vec::new();
    for p in problems {
        let first = match &p.kind {
            ErrorKind::Tolerated(m) if p.is_warning() => out.iter().position(|q| {
                q.is_warning() && matches!(&q.kind, ErrorKind::Tolerated(n) if n == m)
            }),
            _ => None,
        };
        match first {
            Some(i) => repeats[i] += 1,
            None => {
                out.push(p);
                repeats.push(0);
            }
        }
    }
    for (p, n) in out.iter_mut().zip(repeats) {
        if n > 0
            && let ErrorKind::Tolerated(m) = &mut p.kind
        {
            m.push_str(&format!(
                " (the same at {n} more place{})",
                if n == 1 { "" } else { "s" }
            ));
        }
    }
    out
}

/// The first error of `problems`, carrying all the others (errors and warnings, in order).
fn first_of(mut problems: Vec<SpecError>, file: &str) -> SpecError {
    match problems.iter().position(|e| !e.is_warning()) {
        Some(i) => {
            let mut first = problems.remove(i);
            first.also = problems;
            first
        }
        // Unreachable in practice (a failed build records why), but never a panic.
        None => SpecError::new(
            ErrorKind::InvalidOpenApi("the document could not be read".into()),
            file,
            "",
        ),
    }
}

fn resolve_ref<'a>(
    doc: &'a Value,
    reference: &str,
    file: &str,
    at: &str,
) -> Result<&'a Value, SpecError> {
    let mut seen: Vec<&str> = Vec::new();
    let mut current = reference;
    loop {
        if seen.contains(&current) {
            return Err(SpecError::new(
                ErrorKind::RefCycle(reference.to_string()),
                file,
                at,
            ));
        }
        seen.push(current);
        let Some(pointer) = current.strip_prefix('#') else {
            return Err(SpecError::new(
                ErrorKind::ExternalRef(current.to_string()),
                file,
                at,
            ));
        };
        let target = doc
            .pointer(pointer)
            .ok_or_else(|| SpecError::new(ErrorKind::UnknownRef(current.to_string()), file, at))?;
        match target.get("$ref").and_then(Value::as_str) {
            Some(next) if target.as_object().is_some_and(|o| o.len() == 1) => current = next,
            _ => return Ok(target),
        }
    }
}

/// Deref an object that may be a `$ref`.
fn deref<'a>(doc: &'a Value, v: &'a Value, file: &str, at: &str) -> Result<&'a Value, SpecError> {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => resolve_ref(doc, r, file, at),
        None => Ok(v),
    }
}

const SCHEMAS_PREFIX: &str = "#/components/schemas/";

fn model_schema(doc: &Value, schema: &Value, file: &str, at: &str) -> Result<Value, SpecError> {
    let mut definitions = serde_json::Map::new();
    let mut queue: Vec<String> = Vec::new();
    let mut body = rewrite_refs(schema, &mut queue);
    while let Some(name) = queue.pop() {
        if definitions.contains_key(&name) {
            continue;
        }
        let target = resolve_ref(doc, &format!("{SCHEMAS_PREFIX}{name}"), file, at)?;
        let rewritten = rewrite_refs(target, &mut queue);
        definitions.insert(name, rewritten);
    }
    if !definitions.is_empty()
        && let Value::Object(o) = &mut body
    {
        let defs = o
            .entry("definitions")
            .or_insert_with(|| Value::Object(Default::default()));
        if let Value::Object(d) = defs {
            for (k, v) in definitions {
                d.entry(k).or_insert(v);
            }
        }
    }
    if let Value::Object(o) = &mut body {
        o.entry("$schema")
            .or_insert_with(|| Value::String("http://json-schema.org/draft-04/schema#".into()));
    }
    Ok(body)
}

fn rewrite_refs(v: &Value, queue: &mut Vec<String>) -> Value {
    match v {
        Value::Object(o) => {
            let mut out = serde_json::Map::new();
            for (k, x) in o {
                if k == "$ref"
                    && let Some(r) = x.as_str()
                    && let Some(rest) = r.strip_prefix(SCHEMAS_PREFIX)
                {
                    let name = rest.split('/').next().unwrap_or(rest).to_string();
                    queue.push(name);
                    out.insert(k.clone(), Value::String(format!("#/definitions/{rest}")));
                } else if k == "example" || k == "examples" {
                    out.insert(k.clone(), x.clone());
                } else {
                    out.insert(k.clone(), rewrite_refs(x, queue));
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(|x| rewrite_refs(x, queue)).collect()),
        other => other.clone(),
    }
}

struct Builder<'a> {
    file: &'a str,
    positions: &'a Positions,
    /// Every problem found so far, errors and warnings, in the order found: the builder goes on
    /// past a broken piece (skipping just that piece) so one load names every problem.
    problems: RefCell<Vec<SpecError>>,
}

impl Builder<'_> {
    fn err(&self, kind: ErrorKind, pointer: impl Into<String>) -> SpecError {
        SpecError::new(kind, self.file, pointer)
    }

    /// Record a problem and go on.
    fn report(&self, e: SpecError) {
        self.problems.borrow_mut().push(e);
    }

    /// Record a warning: something AWS accepts that is read here as the message says.
    fn warn(&self, kind: ErrorKind, pointer: impl Into<String>) {
        self.report(self.err(kind, pointer).warning());
    }

    /// The value, or `None` with the error recorded.
    fn keep<T>(&self, r: Result<T, SpecError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.report(e);
                None
            }
        }
    }

    /// One of AWS's extensions, read as AWS reads it (unknown fields are warnings).
    fn aws_extension<T: for<'de> serde::Deserialize<'de>>(
        &self,
        v: &Value,
        extension: &str,
        pointer: &str,
    ) -> Result<T, SpecError> {
        let mut warnings = Vec::new();
        let r = model::from_aws_extension(v, extension, self.file, pointer, &mut warnings);
        self.problems.borrow_mut().extend(warnings);
        r
    }

    /// A map-valued AWS extension, entry by entry: a broken entry is recorded and left out.
    fn aws_extension_map<T: for<'de> serde::Deserialize<'de>>(
        &self,
        v: &Value,
        extension: &str,
        pointer: &str,
    ) -> IndexMap<String, T> {
        let Some(obj) = v.as_object() else {
            self.report(self.err(
                ErrorKind::InvalidExtension {
                    extension: extension.to_string(),
                    message: "must be an object (a map of names to entries)".into(),
                },
                pointer,
            ));
            return IndexMap::new();
        };
        obj.iter()
            .filter_map(|(k, x)| {
                let p = pointer_push(pointer, k);
                self.keep(self.aws_extension(x, extension, &p))
                    .map(|t| (k.clone(), t))
            })
            .collect()
    }

    fn build(&self, raw: Value, params: &IndexMap<String, String>) -> Option<Api> {
        let Some(root) = raw.as_object() else {
            self.report(self.err(ErrorKind::NotAnObject, ""));
            return None;
        };
        if let Some(v) = root.get("swagger") {
            let v = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            self.report(self.err(
                ErrorKind::UnsupportedVersion(format!("{v} (Swagger)")),
                "/swagger",
            ));
            return None;
        }
        let Some(version) = root.get("openapi") else {
            self.report(self.err(ErrorKind::MissingVersion, ""));
            return None;
        };
        let version = version
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| version.to_string());
        if !version.starts_with("3.0.") {
            self.report(self.err(ErrorKind::UnsupportedVersion(version), "/openapi"));
            return None;
        }

        // Project extensions.
        for key in root.keys() {
            let project_like = key.starts_with("x-deploy-") || key.starts_with("x-dynamodb-");
            if project_like && !PROJECT_EXTENSIONS.contains(&key.as_str()) {
                self.report(self.err(
                    ErrorKind::UnknownProjectExtension(key.clone()),
                    pointer_push("", key),
                ));
            }
            if key.starts_with("x-amazon-apigateway-")
                && !ROOT_APIGW_EXTENSIONS.contains(&key.as_str())
            {
                // AWS's import ignores extensions it does not know (with a warning).
                self.warn(
                    ErrorKind::Tolerated(format!(
                        "{key} is not an API Gateway extension of a REST API's root: AWS's import ignores it, and so does this toolkit"
                    )),
                    pointer_push("", key),
                );
            }
        }
        let deploy_parameters: IndexMap<String, DeployParameter> = root
            .get("x-deploy-parameters")
            .and_then(|v| {
                self.keep(from_extension_map(
                    v,
                    "x-deploy-parameters",
                    self.file,
                    "/x-deploy-parameters",
                ))
            })
            .unwrap_or_default();
        // A `--param` for a placeholder the document uses but does not declare (a Terraform
        // `templatefile` or a hand-filled template): declared by the value given, with a
        // warning, so such a document runs without being edited.
        let mut deploy_parameters = deploy_parameters;
        let text = raw.to_string();
        for (name, value) in params {
            let pseudo = params::PSEUDO_PARAMETERS.iter().any(|(n, _)| n == name);
            if !pseudo
                && !deploy_parameters.contains_key(name)
                && text.contains(&format!("${{{name}}}"))
            {
                self.warn(
                    ErrorKind::Tolerated(format!(
                        "${{{name}}} is not declared in x-deploy-parameters; --param {name} declares it for this run"
                    )),
                    "",
                );
                deploy_parameters.insert(
                    name.clone(),
                    DeployParameter {
                        description: Some("given with --param".into()),
                        default: Some(value.clone()),
                        stack_value: None,
                    },
                );
            }
        }
        let parameter_values = self.keep(params::resolve_values(
            &deploy_parameters,
            params,
            self.file,
        ))?;

        // Every declared-looking placeholder must be declared: `${TableNme}` would otherwise
        // silently render as an empty VTL reference.
        self.check_placeholders(&raw, &deploy_parameters, "");
        let mut resolved = raw.clone();
        if let Value::Object(o) = &mut resolved {
            for (k, v) in o.iter_mut() {
                if k == "x-deploy-parameters" {
                    continue;
                }
                if let Some(x) = self.keep(params::substitute_tree(
                    v,
                    &parameter_values,
                    self.file,
                    &pointer_push("", k),
                )) {
                    *v = x;
                }
            }
        }
        self.check_refs(&resolved, &resolved, "");
        self.check_structure(&resolved);
        let root = resolved.as_object()?;

        let tables: IndexMap<String, TableDefinition> = root
            .get("x-dynamodb-tables")
            .and_then(|v| {
                self.keep(from_extension_map(
                    v,
                    "x-dynamodb-tables",
                    self.file,
                    "/x-dynamodb-tables",
                ))
            })
            .unwrap_or_default();
        for (name, t) in &tables {
            if let Err(message) = t.check() {
                self.report(self.err(
                    ErrorKind::InvalidExtension {
                        extension: "x-dynamodb-tables".into(),
                        message,
                    },
                    pointer_push("/x-dynamodb-tables", name),
                ));
            }
        }
        let stage: DeployStage = root
            .get("x-deploy-stage")
            .and_then(|v| {
                self.keep(from_extension(
                    v,
                    "x-deploy-stage",
                    self.file,
                    "/x-deploy-stage",
                ))
            })
            .unwrap_or_default();
        if let Some(level) = &stage.logging_level
            && !matches!(level.as_str(), "OFF" | "ERROR" | "INFO")
        {
            self.report(self.err(
                ErrorKind::InvalidExtension {
                    extension: "x-deploy-stage".into(),
                    message: format!("loggingLevel {level:?} must be OFF, ERROR or INFO"),
                },
                "/x-deploy-stage/loggingLevel",
            ));
        }

        let usage_plans: IndexMap<String, UsagePlan> = root
            .get("x-usage-plans")
            .and_then(|v| {
                self.keep(model::from_extension_map(
                    v,
                    "x-usage-plans",
                    self.file,
                    "/x-usage-plans",
                ))
            })
            .unwrap_or_default();
        for (name, plan) in &usage_plans {
            let at = pointer_push("/x-usage-plans", name);
            let invalid = |message: String, field: &str| {
                self.report(self.err(
                    ErrorKind::InvalidExtension {
                        extension: "x-usage-plans".into(),
                        message,
                    },
                    pointer_push(&at, field),
                ));
            };
            if let Some(t) = &plan.throttle
                && !(t.rate_limit.is_finite() && t.rate_limit >= 0.0)
            {
                invalid(
                    format!("throttle.rateLimit {} must be a number >= 0", t.rate_limit),
                    "throttle",
                );
            }
            if let Some(q) = &plan.quota {
                // AWS's CreateUsagePlan: offset 0..=6 for WEEK, 0..=27 for MONTH, 0 for DAY.
                let max = match q.period {
                    QuotaPeriod::Day => 0,
                    QuotaPeriod::Week => 6,
                    QuotaPeriod::Month => 27,
                };
                if q.offset > max {
                    invalid(
                        format!(
                            "quota.offset {} must be at most {max} for period {:?}",
                            q.offset, q.period
                        ),
                        "quota",
                    );
                }
            }
        }

        let request_validators: IndexMap<String, RequestValidator> = root
            .get("x-amazon-apigateway-request-validators")
            .map(|v| {
                self.aws_extension_map(
                    v,
                    "x-amazon-apigateway-request-validators",
                    "/x-amazon-apigateway-request-validators",
                )
            })
            .unwrap_or_default();
        let default_validator = root
            .get("x-amazon-apigateway-request-validator")
            .and_then(|v| {
                self.keep(self.validator_name(
                    v,
                    &request_validators,
                    "/x-amazon-apigateway-request-validator",
                ))
            });
        let mut gateway_responses: IndexMap<String, GatewayResponse> = root
            .get("x-amazon-apigateway-gateway-responses")
            .map(|v| {
                self.aws_extension_map(
                    v,
                    "x-amazon-apigateway-gateway-responses",
                    "/x-amazon-apigateway-gateway-responses",
                )
            })
            .unwrap_or_default();
        gateway_responses.retain(|kind, gr| {
            let p = pointer_push("/x-amazon-apigateway-gateway-responses", kind);
            if !model::GATEWAY_RESPONSE_TYPES.iter().any(|(t, _)| t == kind) {
                self.report(self.err(
                    ErrorKind::InvalidExtension {
                        extension: "x-amazon-apigateway-gateway-responses".into(),
                        message: format!("{kind:?} is not a gateway response type"),
                    },
                    p,
                ));
                return false;
            }
            if let Some(s) = &gr.status_code
                && !is_status_code(s)
            {
                self.report(self.err(
                    ErrorKind::InvalidExtension {
                        extension: "x-amazon-apigateway-gateway-responses".into(),
                        message: format!("statusCode {s:?} is not a three-digit HTTP status"),
                    },
                    pointer_push(&p, "statusCode"),
                ));
                return false;
            }
            true
        });
        let binary_media_types: Vec<String> = root
            .get("x-amazon-apigateway-binary-media-types")
            .and_then(|v| {
                self.keep(self.aws_extension(
                    v,
                    "x-amazon-apigateway-binary-media-types",
                    "/x-amazon-apigateway-binary-media-types",
                ))
            })
            .unwrap_or_default();
        let api_key_source = root
            .get("x-amazon-apigateway-api-key-source")
            .and_then(|v| {
                self.keep(self.aws_extension(
                    v,
                    "x-amazon-apigateway-api-key-source",
                    "/x-amazon-apigateway-api-key-source",
                ))
            });
        let policy = root.get("x-amazon-apigateway-policy").cloned();
        if let Some(p) = &policy
            && !(p.is_object() || p.is_string())
        {
            self.report(self.err(
                ErrorKind::InvalidExtension {
                    extension: "x-amazon-apigateway-policy".into(),
                    message: "must be an IAM policy document (object or JSON string)".into(),
                },
                "/x-amazon-apigateway-policy",
            ));
        }
        let minimum_compression_size =
            match root.get("x-amazon-apigateway-minimum-compression-size") {
                Some(v) => {
                    let n = v.as_u64().filter(|n| *n <= 10_485_760);
                    if n.is_none() {
                        self.report(self.err(
                            ErrorKind::InvalidExtension {
                                extension: "x-amazon-apigateway-minimum-compression-size".into(),
                                message: "must be an integer from 0 to 10485760".into(),
                            },
                            "/x-amazon-apigateway-minimum-compression-size",
                        ));
                    }
                    n
                }
                None => None,
            };
        // OpenAPI 3: the endpoint configuration sits under a servers[] entry.
        let mut endpoint_configuration = root
            .get("x-amazon-apigateway-endpoint-configuration")
            .and_then(|v| {
                self.keep(self.aws_extension(
                    v,
                    "x-amazon-apigateway-endpoint-configuration",
                    "/x-amazon-apigateway-endpoint-configuration",
                ))
            });
        if let Some(Value::Array(servers)) = root.get("servers") {
            for (i, s) in servers.iter().enumerate() {
                if let Some(v) = s.get("x-amazon-apigateway-endpoint-configuration") {
                    let p = format!("/servers/{i}/x-amazon-apigateway-endpoint-configuration");
                    if let Some(c) = self.keep(self.aws_extension(
                        v,
                        "x-amazon-apigateway-endpoint-configuration",
                        &p,
                    )) {
                        endpoint_configuration = Some(c);
                    }
                }
            }
        }

        let mut api = Api {
            file: self.file.to_string(),
            raw: raw.clone(),
            resolved: resolved.clone(),
            deploy_parameters,
            parameter_values,
            tables,
            stage,
            stage_declared: root.contains_key("x-deploy-stage"),
            request_validators,
            default_validator,
            gateway_responses,
            binary_media_types,
            api_key_source,
            usage_plans,
            policy,
            endpoint_configuration,
            minimum_compression_size,
            operations: Vec::new(),
            routes: RouteTable::default(),
            warnings: Vec::new(),
            positions: Positions::default(),
            origin: None,
            intrinsic_params: Vec::new(),
        };
        self.build_operations(&mut api);
        self.check_throttles(&api);
        Some(api)
    }

    /// The stage's and the plans' throttles: rates AWS takes (numbers >= 0) and method keys
    /// that name an operation of the document (AWS refuses settings for a method that does not
    /// exist: UpdateStage's `NotFoundException`).
    fn check_throttles(&self, api: &Api) {
        let check = |extension: &str, at: String, t: &ThrottleSettings| {
            if !(t.rate_limit.is_finite() && t.rate_limit >= 0.0) {
                self.report(self.err(
                    ErrorKind::InvalidExtension {
                        extension: extension.into(),
                        message: format!("rateLimit {} must be a number >= 0", t.rate_limit),
                    },
                    at,
                ));
            }
        };
        let method_key = |extension: &str, at: String, key: &str| {
            let known = split_method_key(key).is_some_and(|(path, method)| {
                api.operations
                    .iter()
                    .any(|o| o.path == path && o.method == method)
            });
            if !known {
                self.report(self.err(
                    ErrorKind::InvalidExtension {
                        extension: extension.into(),
                        message: format!(
                            "{key:?} names no method of the document (keys are /{{resource path}}/{{METHOD}}, e.g. /album/GET)"
                        ),
                    },
                    at,
                ));
            }
        };
        if let Some(t) = &api.stage.throttling {
            check("x-deploy-stage", "/x-deploy-stage/throttling".into(), t);
        }
        for (key, ms) in &api.stage.method_settings {
            let at = pointer_push("/x-deploy-stage/methodSettings", key);
            method_key("x-deploy-stage", at.clone(), key);
            if let Some(t) = &ms.throttling {
                check("x-deploy-stage", pointer_push(&at, "throttling"), t);
            }
        }
        for (name, plan) in &api.usage_plans {
            let at = pointer_push(&pointer_push("/x-usage-plans", name), "methodThrottle");
            for (key, t) in &plan.method_throttle {
                let at = pointer_push(&at, key);
                method_key("x-usage-plans", at.clone(), key);
                check("x-usage-plans", at, t);
            }
        }
    }

    /// The shapes the rest of the builder relies on, checked where they are (the typed
    /// `openapiv3` index this replaces stopped at the first problem and pointed at `/paths`).
    fn check_structure(&self, doc: &Value) {
        let invalid = |message: String, pointer: String| {
            self.report(self.err(ErrorKind::InvalidOpenApi(message), pointer));
        };
        if !doc.get("info").is_some_and(Value::is_object) {
            // AWS's import names the API from info.title; a missing info is tolerated there.
            self.warn(
                ErrorKind::Tolerated(
                    "no `info` object: the API is named after the file (AWS's import would name it from info.title)".into(),
                ),
                "",
            );
        }
        match doc.get("paths") {
            None | Some(Value::Object(_)) => {}
            Some(_) => invalid("`paths` must be an object".into(), "/paths".into()),
        }
        if let Some(c) = doc.get("components")
            && !c.is_object()
        {
            invalid(
                "`components` must be an object".into(),
                "/components".into(),
            );
        }
    }

    fn validator_name(
        &self,
        v: &Value,
        validators: &IndexMap<String, RequestValidator>,
        pointer: &str,
    ) -> Result<String, SpecError> {
        let name = v.as_str().ok_or_else(|| {
            self.err(
                ErrorKind::InvalidExtension {
                    extension: "x-amazon-apigateway-request-validator".into(),
                    message: "must be the name of a request validator".into(),
                },
                pointer,
            )
        })?;
        if !validators.contains_key(name) {
            let declared = validators.keys().cloned().collect::<Vec<_>>().join(", ");
            return Err(self.err(ErrorKind::UnknownValidator(name.into(), declared), pointer));
        }
        Ok(name.to_string())
    }

    fn check_placeholders(
        &self,
        v: &Value,
        declared: &IndexMap<String, DeployParameter>,
        pointer: &str,
    ) {
        match v {
            Value::String(s) => {
                for p in params::placeholders(s) {
                    let known = declared.contains_key(&p.name)
                        || params::PSEUDO_PARAMETERS.iter().any(|(n, _)| *n == p.name);
                    // A capitalised name is a placeholder by convention; lower-case `${x}` is a
                    // VTL formal reference.
                    let looks_like_param = p.name.contains("::")
                        || p.name
                            .chars()
                            .next()
                            .is_some_and(|c| c.is_ascii_uppercase());
                    if !known && looks_like_param {
                        self.report(self.err(ErrorKind::UnknownPlaceholder(p.name), pointer));
                    }
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    self.check_placeholders(x, declared, &format!("{pointer}/{i}"));
                }
            }
            Value::Object(o) => {
                for (k, x) in o {
                    if pointer.is_empty() && k == "x-deploy-parameters" {
                        continue;
                    }
                    self.check_placeholders(x, declared, &pointer_push(pointer, k));
                }
            }
            _ => {}
        }
    }

    /// Every `$ref` in the document must resolve (examples and extensions excepted: their
    /// content is data).
    fn check_refs(&self, doc: &Value, v: &Value, pointer: &str) {
        match v {
            Value::Object(o) => {
                for (k, x) in o {
                    let p = pointer_push(pointer, k);
                    if k == "$ref" {
                        if let Some(r) = x.as_str() {
                            self.keep(resolve_ref(doc, r, self.file, &p));
                        }
                    } else if k == "example" || k == "examples" || k.starts_with("x-") {
                        continue;
                    } else {
                        self.check_refs(doc, x, &p);
                    }
                }
            }
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    self.check_refs(doc, x, &format!("{pointer}/{i}"));
                }
            }
            _ => {}
        }
    }

    fn build_operations(&self, api: &mut Api) {
        let doc = api.resolved.clone();
        let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
            return;
        };
        let mut ids: IndexMap<String, String> = IndexMap::new();
        for (path, item) in paths {
            let item_ptr = pointer_push("/paths", path);
            let Some(segments) = self.keep(
                routes::parse_path(path)
                    .map_err(|m| self.err(ErrorKind::BadPath(m), item_ptr.clone())),
            ) else {
                continue;
            };
            let Some(item) = self.keep(deref(&doc, item, self.file, &item_ptr)) else {
                continue;
            };
            let Some(item_obj) = item.as_object() else {
                continue;
            };
            let common: Vec<Value> = item_obj
                .get("parameters")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for (key, op) in item_obj {
                let method = if HTTP_METHODS.contains(&key.as_str()) {
                    key.to_ascii_uppercase()
                } else if key == ANY_METHOD {
                    "ANY".to_string()
                } else {
                    continue;
                };
                let op_ptr = pointer_push(&item_ptr, key);
                let Some(operation) =
                    self.keep(self.build_operation(api, &doc, path, &method, op, &common, &op_ptr))
                else {
                    continue;
                };
                if let Some(id) = &operation.operation_id {
                    if ids.contains_key(id) {
                        self.report(self.err(
                            ErrorKind::DuplicateOperationId(id.clone()),
                            pointer_push(&op_ptr, "operationId"),
                        ));
                        continue;
                    }
                    ids.insert(id.clone(), op_ptr.clone());
                }
                let index = api.operations.len();
                api.routes.add(path, segments.clone(), &method, index);
                api.operations.push(operation);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn build_operation(
        &self,
        api: &Api,
        doc: &Value,
        path: &str,
        method: &str,
        op: &Value,
        common: &[Value],
        op_ptr: &str,
    ) -> Result<Operation, SpecError> {
        let obj = op.as_object().ok_or_else(|| {
            self.err(
                ErrorKind::InvalidOpenApi("an operation must be an object".into()),
                op_ptr,
            )
        })?;
        for key in obj.keys() {
            if key.starts_with("x-amazon-apigateway-")
                && !OPERATION_APIGW_EXTENSIONS.contains(&key.as_str())
            {
                self.warn(
                    ErrorKind::Tolerated(format!(
                        "{key} is not an API Gateway extension of an operation: AWS's import ignores it, and so does this toolkit"
                    )),
                    pointer_push(op_ptr, key),
                );
            }
        }
        let str_field = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);

        // Parameters: path-item level, overridden by operation level (same name and location).
        let mut parameters: Vec<Parameter> = Vec::new();
        let own: Vec<Value> = obj
            .get("parameters")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let sources = common
            .iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    p,
                    format!(
                        "{}/parameters/{i}",
                        op_ptr.rsplit_once('/').map(|x| x.0).unwrap_or("")
                    ),
                )
            })
            .chain(
                own.iter()
                    .enumerate()
                    .map(|(i, p)| (p, format!("{op_ptr}/parameters/{i}"))),
            );
        for (p, ptr) in sources {
            let Some(p) = self.keep(deref(doc, p, self.file, &ptr)) else {
                continue;
            };
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let location = match p.get("in").and_then(Value::as_str) {
                Some("path") => ParamLocation::Path,
                Some("query") => ParamLocation::Query,
                Some("header") => ParamLocation::Header,
                Some("cookie") => ParamLocation::Cookie,
                other => {
                    self.report(self.err(
                        ErrorKind::InvalidOpenApi(format!(
                            "parameter {name:?} has invalid `in`: {other:?}"
                        )),
                        ptr,
                    ));
                    continue;
                }
            };
            let schema = match p.get("schema") {
                Some(s) => self
                    .keep(model_schema(doc, s, self.file, &ptr))
                    .and_then(|mut m| {
                        let at = pointer_push(&ptr, "schema");
                        self.ecma_patterns(&mut m, &at);
                        // AWS checks only that a required parameter is present, never its
                        // schema; an invalid one is left out here (it would mislead the
                        // generated client and tests) with a warning rather than refused.
                        match self.check_model(&m, &at) {
                            Ok(()) => Some(m),
                            Err(e) => {
                                self.warn(
                                    ErrorKind::Tolerated(format!(
                                        "parameter {name:?}: {}; AWS never validates a parameter's schema, so it imports; the schema is ignored here",
                                        e.kind
                                    )),
                                    at,
                                );
                                None
                            }
                        }
                    }),
                None => None,
            };
            let param = Parameter {
                required: p.get("required").and_then(Value::as_bool).unwrap_or(false)
                    || location == ParamLocation::Path,
                description: p
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                name,
                location,
                schema,
            };
            parameters.retain(|q| !(q.name == param.name && q.location == param.location));
            parameters.push(param);
        }
        // A {param} of the path that the method does not declare: AWS's import accepts the
        // method (the resource has the parameter; CDK's CORS OPTIONS methods never declare it),
        // but refuses an integration `requestParameters` mapping that reads it, with "Invalid
        // mapping expression parameter specified: method.request.path.X"
        // (docs/evidence/apigateway-semantics.md §5.3).
        for seg in routes::parse_path(path).unwrap_or_default() {
            let name = match &seg {
                Segment::Param(n) | Segment::Greedy(n) => n,
                Segment::Literal(_) => continue,
            };
            if parameters
                .iter()
                .any(|p| &p.name == name && p.location == ParamLocation::Path)
            {
                continue;
            }
            let expression = format!("method.request.path.{name}");
            let mapped = obj
                .get("x-amazon-apigateway-integration")
                .and_then(|i| i.get("requestParameters"))
                .and_then(Value::as_object)
                .is_some_and(|m| m.values().any(|v| v.as_str() == Some(expression.as_str())));
            if mapped {
                self.report(self.err(
                    ErrorKind::InvalidOpenApi(format!(
                        "path parameter {{{name}}} of {path} is not declared in `parameters`, but the integration's requestParameters read {expression}: AWS's import refuses it (Invalid mapping expression parameter specified)"
                    )),
                    op_ptr,
                ));
            } else {
                self.warn(
                    ErrorKind::Tolerated(format!(
                        "path parameter {{{name}}} of {path} is not declared in `parameters`: AWS imports the method without it (not validated, not in method.request.path)"
                    )),
                    op_ptr,
                );
            }
        }

        let request_body = match obj.get("requestBody") {
            Some(rb) => {
                let ptr = pointer_push(op_ptr, "requestBody");
                let rb = deref(doc, rb, self.file, &ptr)?;
                let content = self.content_models(doc, rb, &ptr);
                Some(RequestBody {
                    required: rb.get("required").and_then(Value::as_bool).unwrap_or(false),
                    content,
                })
            }
            None => None,
        };

        let mut responses = IndexMap::new();
        if let Some(rs) = obj.get("responses").and_then(Value::as_object) {
            for (code, r) in rs {
                let ptr = pointer_push(&pointer_push(op_ptr, "responses"), code);
                let Some(r) = self.keep(deref(doc, r, self.file, &ptr)) else {
                    continue;
                };
                let mut headers = IndexMap::new();
                if let Some(h) = r.get("headers").and_then(Value::as_object) {
                    for (name, hv) in h {
                        let hp = pointer_push(&pointer_push(&ptr, "headers"), name);
                        let Some(hv) = self.keep(deref(doc, hv, self.file, &hp)) else {
                            continue;
                        };
                        headers.insert(name.clone(), self.header_object(hv, &hp));
                    }
                }
                let content = self.content_models(doc, r, &ptr);
                let mut links = IndexMap::new();
                if let Some(l) = r.get("links").and_then(Value::as_object) {
                    for (name, lv) in l {
                        let Some(lv) = self.keep(deref(doc, lv, self.file, &ptr)) else {
                            continue;
                        };
                        links.insert(
                            name.clone(),
                            Link {
                                operation_id: lv
                                    .get("operationId")
                                    .and_then(Value::as_str)
                                    .map(str::to_string),
                                parameters: lv
                                    .get("parameters")
                                    .and_then(Value::as_object)
                                    .map(|m| {
                                        m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
                                    })
                                    .unwrap_or_default(),
                                request_body: lv.get("requestBody").cloned(),
                                description: lv
                                    .get("description")
                                    .and_then(Value::as_str)
                                    .map(str::to_string),
                            },
                        );
                    }
                }
                responses.insert(
                    code.clone(),
                    Response {
                        description: r
                            .get("description")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        headers,
                        content,
                        links,
                    },
                );
            }
        }

        let validator = match obj.get("x-amazon-apigateway-request-validator") {
            Some(v) => self.keep(self.validator_name(
                v,
                &api.request_validators,
                &pointer_push(op_ptr, "x-amazon-apigateway-request-validator"),
            )),
            None => api.default_validator.clone(),
        }
        .map(|name| {
            let v = api
                .request_validators
                .get(&name)
                .cloned()
                .unwrap_or_default();
            (name, v)
        });

        let label = format!("{method} {path}");
        let integration_ptr = pointer_push(op_ptr, "x-amazon-apigateway-integration");
        let raw_integration = obj.get("x-amazon-apigateway-integration").ok_or_else(|| {
            self.err(
                ErrorKind::MissingField {
                    extension: format!("operation {label}"),
                    field: "x-amazon-apigateway-integration".into(),
                },
                op_ptr,
            )
        })?;
        let integration =
            self.build_integration(raw_integration, &integration_ptr, &label, &responses)?;
        let required: Vec<(&String, &Value)> = obj
            .get("security")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .flat_map(|r| r.iter())
            .collect();
        let api_key_required = required
            .iter()
            .any(|(name, _)| is_api_key_scheme(doc, name));
        let authorization = required
            .iter()
            .find_map(|(name, scopes)| scheme_authorization(doc, name, scopes))
            .unwrap_or_default();

        Ok(Operation {
            pointer: op_ptr.to_string(),
            method: method.to_string(),
            path: path.to_string(),
            operation_id: str_field("operationId"),
            summary: str_field("summary"),
            description: str_field("description"),
            parameters,
            request_body,
            responses,
            validator,
            api_key_required,
            authorization,
            integration,
        })
    }

    fn build_integration(
        &self,
        v: &Value,
        ptr: &str,
        label: &str,
        declared: &IndexMap<String, Response>,
    ) -> Result<Integration, SpecError> {
        let ext = "x-amazon-apigateway-integration";
        // Unknown fields of an integration response are left out where they are, each with
        // its own warning (serde names the field, not the response it is in).
        let mut v = v.clone();
        if let Some(Value::Object(responses)) = v.get_mut("responses") {
            for (key, r) in responses.iter_mut() {
                let Value::Object(r) = r else { continue };
                let unknown: Vec<String> = r
                    .keys()
                    .filter(|k| !model::INTEGRATION_RESPONSE_FIELDS.contains(&k.as_str()))
                    .cloned()
                    .collect();
                for field in unknown {
                    r.shift_remove(&field);
                    self.warn(
                        ErrorKind::Tolerated(format!(
                            "unknown field {field:?} in an integration response (expected one of: {}): AWS's import ignores it, and so does this toolkit (check its spelling and nesting)",
                            model::INTEGRATION_RESPONSE_FIELDS.join(", ")
                        )),
                        pointer_push(&pointer_push(&pointer_push(ptr, "responses"), key), &field),
                    );
                }
            }
        }
        let raw: RawIntegration = self.aws_extension(&v, ext, ptr)?;
        let invalid = |message: String, p: String| {
            self.err(
                ErrorKind::InvalidExtension {
                    extension: ext.into(),
                    message,
                },
                p,
            )
        };
        let integration_type = IntegrationType::parse(&raw.integration_type).ok_or_else(|| {
            invalid(
                format!(
                    "type {:?} must be one of aws, aws_proxy, http, http_proxy, mock",
                    raw.integration_type
                ),
                pointer_push(ptr, "type"),
            )
        })?;
        let missing = |field: &str| {
            self.err(
                ErrorKind::MissingField {
                    extension: format!("{ext} of {label}"),
                    field: field.into(),
                },
                ptr,
            )
        };
        if integration_type != IntegrationType::Mock {
            if raw.uri.is_none() {
                return Err(missing("uri"));
            }
            if raw.http_method.is_none() {
                return Err(missing("httpMethod"));
            }
        }
        if let Some(uri) = &raw.uri
            && dynamodb_action(uri).is_some()
            && integration_type == IntegrationType::AwsProxy
        {
            // AWS-recorded (docs/evidence/apigateway-semantics.md §3.1): AWS_PROXY only supports Lambda and Firehose.
            return Err(self.err(
                ErrorKind::UnsupportedIntegration(
                    "Integrations of type 'AWS_PROXY' currently only supports Lambda function and Firehose stream invocations".into(),
                ),
                pointer_push(ptr, "type"),
            ));
        }
        let passthrough_behavior = match &raw.passthrough_behavior {
            Some(p) => PassthroughBehavior::parse(p).ok_or_else(|| {
                invalid(
                    format!("passthroughBehavior {p:?} must be when_no_match, when_no_templates or never"),
                    pointer_push(ptr, "passthroughBehavior"),
                )
            })?,
            None => PassthroughBehavior::WhenNoMatch,
        };
        if let Some(t) = raw.timeout_in_millis
            && !(50..=300_000).contains(&t)
        {
            return Err(invalid(
                format!(
                    "timeoutInMillis {t} must be from 50 to 29000 (or a raised quota up to 300000)"
                ),
                pointer_push(ptr, "timeoutInMillis"),
            ));
        }
        for (k, ch) in [("contentHandling", &raw.content_handling)] {
            if let Some(c) = ch
                && c != "CONVERT_TO_TEXT"
                && c != "CONVERT_TO_BINARY"
            {
                return Err(invalid(
                    format!("{k} {c:?} must be CONVERT_TO_TEXT or CONVERT_TO_BINARY"),
                    pointer_push(ptr, k),
                ));
            }
        }
        let templates_ptr = pointer_push(ptr, "requestTemplates");
        let mut request_templates = IndexMap::new();
        for (mime, src) in &raw.request_templates {
            let p = pointer_push(&templates_ptr, mime);
            let Some(t) =
                self.keep(self.compile(src, &format!("request template {mime} of {label}"), &p))
            else {
                continue;
            };
            request_templates.insert(
                mime.clone(),
                MappingTemplate {
                    content_type: mime.clone(),
                    source: src.clone(),
                    pointer: p,
                    template: Arc::new(t),
                },
            );
        }
        let responses_ptr = pointer_push(ptr, "responses");
        let mut responses = Vec::new();
        for (key, r) in &raw.responses {
            let rp = pointer_push(&responses_ptr, key);
            let selection_pattern = if key == "default" {
                None
            } else {
                match SelectionPattern::compile(key) {
                    Ok(p) => Some(p),
                    Err(message) => {
                        self.report(self.err(
                            ErrorKind::BadSelectionPattern {
                                pattern: key.clone(),
                                message,
                            },
                            rp.clone(),
                        ));
                        continue;
                    }
                }
            };
            if !declared.contains_key(&r.status_code) {
                let list = declared.keys().cloned().collect::<Vec<_>>().join(", ");
                self.report(self.err(
                    ErrorKind::UndeclaredStatusCode {
                        status: r.status_code.clone(),
                        declared: list,
                    },
                    pointer_push(&rp, "statusCode"),
                ));
                continue;
            }
            let mut response_templates = IndexMap::new();
            for (mime, src) in &r.response_templates {
                let p = pointer_push(&pointer_push(&rp, "responseTemplates"), mime);
                let Some(t) = self.keep(self.compile(
                    src,
                    &format!("response template {mime} of integration response {key:?} of {label}"),
                    &p,
                )) else {
                    continue;
                };
                response_templates.insert(
                    mime.clone(),
                    MappingTemplate {
                        content_type: mime.clone(),
                        source: src.clone(),
                        pointer: p,
                        template: Arc::new(t),
                    },
                );
            }
            for target in r.response_parameters.keys() {
                let header = target.strip_prefix("method.response.header.");
                let ok = header.is_some_and(|h| {
                    declared
                        .get(&r.status_code)
                        .is_some_and(|resp| resp.headers.keys().any(|k| k.eq_ignore_ascii_case(h)))
                });
                if !ok {
                    self.report(invalid(
                        format!(
                            "responseParameters target {target:?} must be method.response.header.NAME with NAME declared under responses.{}.headers",
                            r.status_code
                        ),
                        pointer_push(&pointer_push(&rp, "responseParameters"), target),
                    ));
                }
            }
            responses.push(IntegrationResponse {
                key: key.clone(),
                selection_pattern,
                status_code: r.status_code.clone(),
                response_parameters: r.response_parameters.clone(),
                response_templates,
                content_handling: r.content_handling.clone(),
                pointer: rp,
            });
        }
        Ok(Integration {
            integration_type,
            http_method: raw.http_method.clone(),
            uri: raw.uri.clone(),
            credentials: raw.credentials.clone(),
            request_parameters: raw.request_parameters.clone(),
            request_templates,
            passthrough_behavior,
            responses,
            timeout_in_millis: raw.timeout_in_millis.unwrap_or(29_000),
            pointer: ptr.to_string(),
            raw,
        })
    }

    /// Content type -> self-contained, checked draft-4 model, for a request body or a response
    /// object at `ptr`.
    fn content_models(
        &self,
        doc: &Value,
        holder: &Value,
        ptr: &str,
    ) -> IndexMap<String, Option<Value>> {
        let mut content = IndexMap::new();
        if let Some(c) = holder.get("content").and_then(Value::as_object) {
            for (mime, media) in c {
                let schema = match media.get("schema") {
                    Some(s) => {
                        let at = pointer_push(
                            &pointer_push(&pointer_push(ptr, "content"), mime),
                            "schema",
                        );
                        self.keep(model_schema(doc, s, self.file, ptr))
                            .and_then(|mut model| {
                                self.ecma_patterns(&mut model, &at);
                                self.keep(self.check_model(&model, &at)).map(|_| model)
                            })
                    }
                    None => None,
                };
                content.insert(mime.clone(), schema);
            }
        }
        content
    }

    /// A response header object. OpenAPI 3 puts the header's type under `schema`; AWS's
    /// import also takes the Swagger 2.0 form `{type: string}` written in an OpenAPI 3
    /// document, so that is read as `{schema: {type: string}}`, with a warning.
    fn header_object(&self, header: &Value, pointer: &str) -> Value {
        let Some(o) = header.as_object() else {
            return header.clone();
        };
        if o.contains_key("schema") || !o.contains_key("type") {
            return header.clone();
        }
        self.warn(
            ErrorKind::Tolerated(
                "a header object with `type` outside `schema` is Swagger 2.0's form: AWS's import accepts it, and it is read here as that schema".into(),
            ),
            pointer,
        );
        let mut out = serde_json::Map::new();
        let mut schema = serde_json::Map::new();
        for (k, v) in o {
            match k.as_str() {
                "description" | "required" | "deprecated" | "example" | "examples" => {
                    out.insert(k.clone(), v.clone());
                }
                _ if k.starts_with("x-") => {
                    out.insert(k.clone(), v.clone());
                }
                _ => {
                    schema.insert(k.clone(), v.clone());
                }
            }
        }
        out.insert("schema".into(), Value::Object(schema));
        Value::Object(out)
    }

    /// `pattern`s written for JavaScript's regex dialect that the validator's ECMA-262 (Unicode
    /// mode) refuses but AWS's model validator accepts: a `-` right after a class escape in a
    /// character class (`[\w-_]`) is a literal `-` outside Unicode mode. Rewritten to the
    /// equivalent `[\w\-_]`, with a warning, so the model validates what AWS validates.
    fn ecma_patterns(&self, model: &mut Value, at: &str) {
        fn walk(v: &mut Value, at: &str, found: &mut Vec<(String, String, String)>) {
            match v {
                Value::Object(o) => {
                    for (k, x) in o.iter_mut() {
                        let p = pointer_push(at, k);
                        if k == "pattern"
                            && let Value::String(pat) = x
                            && let Some(fixed) = pattern::ecma_compatible(pat)
                        {
                            found.push((p, pat.clone(), fixed.clone()));
                            *pat = fixed;
                        } else if k != "enum" && k != "example" && k != "default" {
                            walk(x, &p, found);
                        }
                    }
                }
                Value::Array(a) => {
                    for (i, x) in a.iter_mut().enumerate() {
                        walk(x, &format!("{at}/{i}"), found);
                    }
                }
                _ => {}
            }
        }
        let mut found = Vec::new();
        walk(model, at, &mut found);
        for (p, from, to) in found {
            self.warn(
                ErrorKind::Tolerated(format!(
                    "pattern {from:?} is refused by a Unicode-mode ECMA-262 regex engine but accepted by AWS's validator, where `-` after a class escape is a literal; validated here as the equivalent {to:?}"
                )),
                p,
            );
        }
    }

    /// API Gateway models are JSON Schema draft 4 and are checked when created: a model that is
    /// not a valid draft-4 schema (for example `required: []`, refused by AWS, docs/evidence/apigateway-semantics.md §4.1)
    /// is an error here rather than at deploy.
    fn check_model(&self, model: &Value, pointer: &str) -> Result<(), SpecError> {
        let fail = |m: String| self.err(ErrorKind::BadSchema(m), pointer);
        jsonschema::draft4::meta::validate(model)
            .map_err(|e| fail(format!("{e} (at {} of the model)", e.instance_path())))?;
        jsonschema::draft4::new(model).map_err(|e| fail(e.to_string()))?;
        Ok(())
    }

    fn compile(&self, src: &str, what: &str, pointer: &str) -> Result<vtl::Template, SpecError> {
        vtl::Template::parse(src).map_err(|e| {
            let at = self.positions.find(pointer);
            SpecError::new(
                ErrorKind::BadTemplate {
                    what: what.to_string(),
                    message: format!("line {}:{}: {e}", e.line(), e.column()),
                },
                self.file,
                pointer,
            )
            .at(at)
        })
    }
}

fn is_status_code(s: &str) -> bool {
    s.len() == 3
        && s.bytes().all(|b| b.is_ascii_digit())
        && (b'1'..=b'5').contains(&s.as_bytes()[0])
}
#[cfg(test)]
mod tests {
    use super::dynamodb_action;

    #[test]
    fn dynamodb_action_sees_through_placeholders() {
        for (uri, action) in [
            (
                "arn:aws:apigateway:us-east-1:dynamodb:action/Scan",
                Some("Scan"),
            ),
            (
                "arn:aws:apigateway:${AWS::Region}:dynamodb:action/Scan",
                Some("Scan"),
            ),
            (
                "arn:${AWS::Partition}:apigateway:${AWS::Region}:dynamodb:action/Query",
                Some("Query"),
            ),
            (
                "arn:aws:apigateway:${Region}:dynamodb:action/PutItem",
                Some("PutItem"),
            ),
            (
                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions",
                None,
            ),
            ("arn:aws:apigateway:${AWS::Region}:s3:path/bucket", None),
            ("arn:aws:apigateway:${AWS::Region", None),
            ("https://example.com", None),
        ] {
            assert_eq!(dynamodb_action(uri), action, "{uri}");
        }
    }
}
