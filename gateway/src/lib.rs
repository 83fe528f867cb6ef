//! `gateway`: execute an `Api` the way Amazon API Gateway does, against any `Dynamo`.
//!
//! [`Gateway::handle`] runs the pipeline of `ARCHITECTURE.md` ("How a request flows through
//! gateway") in process; [`server::serve`] puts it behind HTTP (the `gateway serve` binary).
//! Where AWS's behaviour is unknown, the choice made is listed in [`dialect::CHOICES`].
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! let api = apidef::Api::load("openapi.yaml")?;
//! let gw = gateway::Gateway::new(api, Arc::new(dynamo::Embedded::new()))?;
//! gw.create_tables().await?;
//! let resp = gw
//!     .handle(gateway::Request::new("POST", "/album").json(&serde_json::json!({"artist": "a", "album": "b"})))
//!     .await;
//! assert_eq!(resp.status, 204);
//! # Ok(()) }
//! ```

pub mod context;
pub mod dialect;
pub mod gateway_responses;
pub mod server;
pub mod throttle;
pub mod validate;

// The pipeline, one module per step (ARCHITECTURE.md, "How a request flows through gateway"):
// request (limits, parameters) -> route -> authorize (iam | cognito | lambda_authorizer, then
// api_keys) -> validate -> integrate (request_mapping ->
// call -> response_mapping) -> finish -> access_log; any step may stop with gateway_responses.
mod access_log;
pub mod api_keys;
mod authorize;
mod builder;
pub mod cognito;
mod dates;
mod execution_log;
mod finish;
pub mod iam;
mod integrate;
pub mod lambda_authorizer;
mod mapping;
mod policy;
mod request;
mod route;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use apidef::Api;
use bytes::Bytes;
use indexmap::IndexMap;
use serde_json::json;

pub use builder::GatewayBuilder;
pub use execution_log::TestInvoke;
pub use gateway_responses::ResponseType;
pub use request::{Request, Response};

use context::{Identity, IntegrationContext, RequestContext, Substitution};
use gateway_responses::Refusal;
use request::{MethodRequest, Refused};

/// API Gateway's payload limit (DG quotas: 10 MB).
pub const MAX_PAYLOAD_BYTES: usize = 10 * 1024 * 1024;
/// API Gateway's quota on the request line plus header values (DG quotas: 10240 bytes).
pub const MAX_HEADER_BYTES: usize = 10 * 1024;

/// The access-log format of the seed (`x-deploy-stage.accessLogFormat` of openapi.yaml): the JSON
/// standard fields, used when the stage has none.
pub const DEFAULT_ACCESS_LOG_FORMAT: &str = r#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","caller":"$context.identity.caller","user":"$context.identity.user","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","resourcePath":"$context.resourcePath","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength"}"#;

/// Why a gateway cannot be built or prepared.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error(
        "{operation} ({pointer}): integration type `{integration_type}` is not supported; gateway executes `aws` integrations with `arn:aws:apigateway:{{region}}:dynamodb:action/{{Action}}` URIs and `mock` integrations"
    )]
    UnsupportedIntegration {
        operation: String,
        pointer: String,
        integration_type: String,
    },
    #[error(
        "{operation} ({pointer}): `aws` integration URI {uri:?} is not a DynamoDB action (`arn:aws:apigateway:{{region}}:dynamodb:action/{{Action}}`)"
    )]
    NotDynamoDb {
        operation: String,
        pointer: String,
        uri: String,
    },
    /// An API key names a usage plan the document does not declare.
    #[error("{0}")]
    ApiKeys(String),
    #[error("{operation}: request model for {content_type} does not compile as draft 4: {message}")]
    Model {
        operation: String,
        content_type: String,
        message: String,
    },
    #[error("CreateTable {table} failed with HTTP {status}: {body}")]
    CreateTable {
        table: String,
        status: u16,
        body: String,
    },
    /// The resource policy does not parse.
    #[error("{pointer}: {message}")]
    Policy { pointer: String, message: String },
    #[error("table {table} did not become ACTIVE: {message}")]
    TableNotActive { table: String, message: String },
    #[error("UpdateTimeToLive {table} failed with HTTP {status}: {body}")]
    UpdateTimeToLive {
        table: String,
        status: u16,
        body: String,
    },
}

/// Where access-log lines go.
pub type AccessLogSink = Arc<dyn Fn(&str) + Send + Sync>;
/// A source of request ids (`$context.requestId`), for deterministic tests.
pub type IdSource = Arc<dyn Fn() -> String + Send + Sync>;
/// A clock (`$context.requestTime`), for deterministic tests.
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// The compiled stage: the API and everything read from it once (`builder`).
pub(crate) struct Inner {
    api: Api,
    dynamo: Arc<dyn dynamo::Dynamo>,
    stage: String,
    /// No stage was named (no `x-deploy-stage`, no `--stage`): any first path segment may be
    /// the stage, as execute-api URLs always have one.
    any_stage: bool,
    stage_variables: IndexMap<String, String>,
    /// One per operation, same index.
    ops: Vec<builder::OpPlan>,
    gateway_responses: gateway_responses::Plans,
    access_log_format: Substitution,
    access_log: Option<AccessLogSink>,
    /// Where execution-log lines go, and what the stage logs.
    execution_log: Option<(AccessLogSink, execution_log::Level)>,
    request_ids: Option<IdSource>,
    clock: Option<Clock>,
    api_id: String,
    account_id: String,
    keys: api_keys::Keys,
    throttles: throttle::Throttles,
    iam: Vec<iam::IamCredential>,
    cognito: cognito::TrustedKeys,
    lambda_policies: lambda_authorizer::Policies,
    iam_policies: iam::IamPolicies,
    /// `--policy-context`: condition-key values for every request.
    policy_context: Vec<(String, String)>,
    /// `x-amazon-apigateway-policy`, parsed.
    resource_policy: Option<policy::Policy>,
    /// `arn:aws:execute-api:REGION:ACCOUNT:API-ID`.
    api_arn: String,
}

impl Inner {
    /// `arn:aws:execute-api:REGION:ACCOUNT:API-ID`, the prefix of every method ARN.
    pub(crate) fn api_arn(&self) -> &str {
        &self.api_arn
    }
}

/// A local API Gateway stage. Cheap to clone; serves concurrent requests.
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Gateway")
            .field("file", &self.inner.api.file)
            .field("stage", &self.inner.stage)
            .finish()
    }
}

impl Gateway {
    /// A gateway with the defaults: the spec's stage, random ids, the system clock.
    pub fn new(api: Api, dynamo: Arc<dyn dynamo::Dynamo>) -> Result<Gateway, GatewayError> {
        Self::builder(api, dynamo).build()
    }

    pub fn builder(api: Api, dynamo: Arc<dyn dynamo::Dynamo>) -> GatewayBuilder {
        GatewayBuilder {
            api,
            dynamo,
            stage: None,
            stage_variables: IndexMap::new(),
            access_log_format: None,
            access_log: None,
            execution_log: None,
            request_ids: None,
            clock: None,
            api_id: "local".into(),
            account_id: "123456789012".into(),
            api_keys: Vec::new(),
            iam_credentials: Vec::new(),
            cognito: cognito::TrustedKeys::default(),
            lambda_policies: lambda_authorizer::Policies::default(),
            account_throttle: Some(throttle::ACCOUNT_DEFAULT),
            iam_policies: iam::IamPolicies::default(),
            policy_context: Vec::new(),
        }
    }

    pub fn api(&self) -> &Api {
        &self.inner.api
    }

    pub fn stage(&self) -> &str {
        &self.inner.stage
    }

    pub fn dynamo(&self) -> &Arc<dyn dynamo::Dynamo> {
        &self.inner.dynamo
    }

    /// CreateTable for every `x-dynamodb-tables` entry (an existing table is fine), then wait
    /// until each is ACTIVE (dynalite and DynamoDB create tables asynchronously), then enable
    /// its `TimeToLiveSpecification`, if any.
    pub async fn create_tables(&self) -> Result<(), GatewayError> {
        for t in self.inner.api.tables.values() {
            let req = t.create_table_request();
            let r = self
                .inner
                .dynamo
                .call("CreateTable", req.to_string().as_bytes())
                .await;
            let body = String::from_utf8_lossy(&r.body).into_owned();
            if r.status != 200 && !body.contains("ResourceInUseException") {
                return Err(GatewayError::CreateTable {
                    table: t.table_name.clone(),
                    status: r.status,
                    body,
                });
            }
            let describe = json!({"TableName": t.table_name}).to_string();
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let d = self
                    .inner
                    .dynamo
                    .call("DescribeTable", describe.as_bytes())
                    .await;
                let v = d.json_body();
                if d.status == 200 && v["Table"]["TableStatus"] == "ACTIVE" {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(GatewayError::TableNotActive {
                        table: t.table_name.clone(),
                        message: String::from_utf8_lossy(&d.body).into_owned(),
                    });
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            // CreateTable has no TTL member: DynamoDB enables TTL with UpdateTimeToLive (as
            // CloudFormation does for AWS::DynamoDB::Table's TimeToLiveSpecification).
            if let Some(spec) = &t.time_to_live_specification
                && spec.get("Enabled") == Some(&json!(true))
            {
                let req = json!({"TableName": t.table_name, "TimeToLiveSpecification": spec});
                let r = self
                    .inner
                    .dynamo
                    .call("UpdateTimeToLive", req.to_string().as_bytes())
                    .await;
                let body = String::from_utf8_lossy(&r.body).into_owned();
                // Already enabled: a table kept from an earlier run. dynalite has no TTL
                // actions (UnknownOperationException): its tables just never expire items.
                if r.status != 200
                    && !body.contains("TimeToLive is already enabled")
                    && !body.contains("UnknownOperationException")
                {
                    return Err(GatewayError::UpdateTimeToLive {
                        table: t.table_name.clone(),
                        status: r.status,
                        body,
                    });
                }
            }
        }
        Ok(())
    }

    /// Runs one request through the pipeline and writes its access-log line.
    pub async fn handle(&self, req: Request) -> Response {
        let inner = &*self.inner;
        let started = Instant::now();
        let now = inner.clock.as_ref().map_or_else(SystemTime::now, |c| c());
        let method = if req.method.bytes().any(|b| b.is_ascii_lowercase()) {
            Cow::Owned(req.method.to_ascii_uppercase())
        } else {
            Cow::Borrowed(req.method.as_str())
        };
        let level = inner.execution_log.as_ref().map(|(_, level)| *level);
        let mut ctx = new_context(inner, &req, &method, now, level);
        let resp = pipeline(inner, &req, &method, &mut ctx, false).await;
        let mut resp = finish::finish(resp, &ctx);
        access_log::write(inner, &resp, &mut ctx, started);
        if let (Some(log), Some((sink, _))) = (ctx.exec.take(), &inner.execution_log) {
            let at = execution_log::timestamp(now);
            for line in log.into_lines() {
                sink(&format!("{at} ({}) {line}", ctx.request_id));
            }
        }
        // A response to HEAD has no body on the wire (RFC 9110 §9.3.2), so none in process either:
        // `Gateway::handle` and `gateway serve` answer alike (dialect table).
        if req.method.eq_ignore_ascii_case("HEAD") {
            resp.body = Bytes::new();
        }
        resp
    }

    /// Runs one request as `aws apigateway test-invoke-method` does: the method's response
    /// and its execution log with every line, headers and bodies included, whatever the
    /// stage's `loggingLevel` and `dataTraceEnabled` say (a test invocation is not the stage's
    /// traffic: nothing goes to the execution or access log sinks). Authorization (IAM,
    /// authorizers, API keys and usage plans) is not run: test-invoke-method calls the method
    /// as its owner, and authorizers have their own test-invoke-authorizer (dialect table,
    /// "Execution logs").
    pub async fn test_invoke(&self, req: Request) -> TestInvoke {
        let inner = &*self.inner;
        let started = Instant::now();
        let now = inner.clock.as_ref().map_or_else(SystemTime::now, |c| c());
        let method = Cow::Owned(req.method.to_ascii_uppercase());
        let level = execution_log::Level {
            info: true,
            data_trace: true,
            cloudwatch: false,
        };
        let mut ctx = new_context(inner, &req, &method, now, Some(level));
        let resp = pipeline(inner, &req, &method, &mut ctx, true).await;
        let lines = ctx.exec.take().map(|l| l.into_lines()).unwrap_or_default();
        TestInvoke {
            log: execution_log::test_invoke_log(&ctx.request_id, now, &lines),
            status: resp.status,
            headers: resp.headers,
            body: resp.body,
            latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// `$context` as the request arrives (routing adds the resource).
fn new_context<'r>(
    inner: &'r Inner,
    req: &'r Request,
    method: &Cow<'r, str>,
    now: SystemTime,
    log: Option<execution_log::Level>,
) -> RequestContext<'r> {
    let request_id = inner
        .request_ids
        .as_ref()
        .map_or_else(context::uuid_v4, |f| f());
    let trace_id = match req
        .header_value("x-amzn-trace-id")
        .filter(|v| !v.is_empty())
    {
        Some(t) => Cow::Borrowed(t),
        None => Cow::Owned(context::trace_id(now)),
    };
    let (raw_path, _) = request::split_target(&req.target);
    RequestContext {
        account_id: &inner.account_id,
        api_id: &inner.api_id,
        stage: Cow::Borrowed(&inner.stage),
        request_id,
        extended_request_id: context::extended_request_id(),
        trace_id,
        http_method: method.clone(),
        raw_path,
        path_with_stage: false,
        resource: None,
        received: now,
        domain_name: req.header_value("host").unwrap_or("localhost"),
        protocol: &req.protocol,
        identity: Identity {
            source_ip: &req.source_ip,
            user_agent: req.header_value("user-agent"),
            api_key: None,
            iam: None,
        },
        error: None,
        authorizer: None,
        exec: log.map(execution_log::ExecLog::new),
        integration: IntegrationContext::default(),
        outcome: None,
    }
}

/// The steps, each handing its result to the next or stopping with a gateway response.
async fn pipeline<'r>(
    inner: &'r Inner,
    req: &'r Request,
    method: &'r str,
    ctx: &mut RequestContext<'r>,
    test_invoke: bool,
) -> Response {
    let respond =
        |refusal: Refusal, ctx: &mut RequestContext<'_>, m: Option<&MethodRequest<'_>>| {
            gateway_responses::respond(
                &inner.gateway_responses,
                &inner.stage_variables,
                refusal,
                ctx,
                m,
            )
        };
    match request::admit(req) {
        Ok(()) => {}
        Err(Refused::HeadersTooLarge(resp)) => return resp,
        Err(Refused::RequestTooLarge) => {
            return respond(ResponseType::RequestTooLarge.into(), ctx, None);
        }
    }
    let mut m = MethodRequest::read(req, method);
    let routed = match route::route(inner, &mut m, ctx) {
        Ok(r) => r,
        Err(refusal) => return respond(refusal, ctx, Some(&m)),
    };
    if !test_invoke {
        if let Err(refusal) = authorize::authorize(inner, req, method, &m, &routed, ctx) {
            return respond(refusal, ctx, Some(&m));
        }
        authorize::log_usage_plan(&routed, ctx);
    }
    route::log_method_request(ctx, &m);
    if let Err(refusal) = validate::check(&routed, &m) {
        return respond(refusal, ctx, Some(&m));
    }
    match integrate::integrate(inner, &routed, &m, ctx).await {
        Ok(resp) => resp,
        Err(t) => respond(t.into(), ctx, Some(&m)),
    }
}
