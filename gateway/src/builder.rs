//! Building a gateway: every check and every parse that does not depend on the request is done
//! here, once (integrations, request models, template media types, parameter mappings, gateway
//! responses, the access-log format), so that a request only reads the compiled plan.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use apidef::{Api, Integration, IntegrationType, Operation};
use indexmap::IndexMap;

use crate::context::Substitution;
use crate::mapping::Source;
use crate::request::media_type;
use crate::{
    AccessLogSink, Clock, DEFAULT_ACCESS_LOG_FORMAT, Gateway, GatewayError, IdSource, Inner,
    gateway_responses, validate,
};

/// Builds a [`Gateway`] with non-default settings.
pub struct GatewayBuilder {
    pub(crate) api: Api,
    pub(crate) dynamo: Arc<dyn dynamo::Dynamo>,
    pub(crate) stage: Option<String>,
    pub(crate) stage_variables: IndexMap<String, String>,
    pub(crate) access_log_format: Option<String>,
    pub(crate) access_log: Option<AccessLogSink>,
    pub(crate) execution_log: Option<AccessLogSink>,
    pub(crate) request_ids: Option<IdSource>,
    pub(crate) clock: Option<Clock>,
    pub(crate) api_id: String,
    pub(crate) account_id: String,
    pub(crate) api_keys: Vec<crate::api_keys::ApiKey>,
    pub(crate) iam_credentials: Vec<crate::iam::IamCredential>,
    pub(crate) cognito: crate::cognito::TrustedKeys,
    pub(crate) lambda_policies: crate::lambda_authorizer::Policies,
    /// The account's throttle (AWS's default unless `account_throttle` says otherwise).
    pub(crate) account_throttle: Option<apidef::ThrottleSettings>,
    pub(crate) iam_policies: crate::iam::IamPolicies,
    pub(crate) policy_context: Vec<(String, String)>,
}

impl GatewayBuilder {
    /// The document being built.
    pub fn api(&self) -> &Api {
        &self.api
    }

    /// The stage name (default: `x-deploy-stage.name`, else `prod`).
    pub fn stage(mut self, name: impl Into<String>) -> Self {
        self.stage = Some(name.into());
        self
    }

    /// A stage variable (added to those of `x-deploy-stage.variables`).
    pub fn stage_variable(mut self, k: impl Into<String>, v: impl Into<String>) -> Self {
        self.stage_variables.insert(k.into(), v.into());
        self
    }

    /// The access-log format (`$context` variables); default the stage's, else
    /// [`DEFAULT_ACCESS_LOG_FORMAT`].
    pub fn access_log_format(mut self, format: impl Into<String>) -> Self {
        self.access_log_format = Some(format.into());
        self
    }

    /// Where access-log lines go; default `tracing` at INFO, target `gateway::access_log`.
    pub fn access_log(mut self, sink: AccessLogSink) -> Self {
        self.access_log = Some(sink);
        self
    }

    /// Where execution-log lines go (none by default); what is written follows the stage's
    /// `loggingLevel` and `dataTraceEnabled`.
    pub fn execution_log(mut self, sink: AccessLogSink) -> Self {
        self.execution_log = Some(sink);
        self
    }

    pub fn request_ids(mut self, ids: IdSource) -> Self {
        self.request_ids = Some(ids);
        self
    }

    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = Some(clock);
        self
    }

    /// An API key the stage accepts for methods with `apiKeyRequired` (repeatable), metered by
    /// the usage plan it names.
    pub fn api_key(mut self, key: crate::api_keys::ApiKey) -> Self {
        self.api_keys.push(key);
        self
    }

    /// A credential whose SigV4 signatures `AWS_IAM` methods accept (repeatable).
    pub fn iam_credential(mut self, credential: crate::iam::IamCredential) -> Self {
        self.iam_credentials.push(credential);
        self
    }

    /// The keys Cognito user-pool authorizers trust (the local issuer's, a JWKS file's).
    pub fn cognito_keys(mut self, keys: crate::cognito::TrustedKeys) -> Self {
        self.cognito = keys;
        self
    }

    /// The account's throttle, which every request of this gateway draws on: AWS's default
    /// (`throttle::ACCOUNT_DEFAULT`, 10,000 per second, burst 5,000) unless changed here;
    /// `None` turns it off.
    pub fn account_throttle(mut self, throttle: Option<apidef::ThrottleSettings>) -> Self {
        self.account_throttle = throttle;
        self
    }

    /// What the Lambda authorizers would return, per identity (a policy file, parsed).
    pub fn lambda_policies(mut self, policies: crate::lambda_authorizer::Policies) -> Self {
        self.lambda_policies = policies;
        self
    }

    /// The identity policies of the `AWS_IAM` credentials (without them, all may call all).
    pub fn iam_policies(mut self, policies: crate::iam::IamPolicies) -> Self {
        self.iam_policies = policies;
        self
    }

    /// A value of an IAM condition key for every request (`aws:SourceVpce`,
    /// `aws:PrincipalOrgID`, ...), as policies read it; repeat a key for a list.
    pub fn policy_context(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.policy_context.push((key.into(), value.into()));
        self
    }

    pub fn api_id(mut self, id: impl Into<String>) -> Self {
        self.api_id = id.into();
        self
    }

    /// Check every integration and compile every request model once.
    pub fn build(self) -> Result<Gateway, GatewayError> {
        let mut ops = Vec::with_capacity(self.api.operations.len());
        for op in &self.api.operations {
            ops.push(OpPlan::new(op)?);
        }
        let any_stage = self.stage.is_none() && !self.api.stage_declared;
        let stage = self.stage.unwrap_or_else(|| self.api.stage.name.clone());
        let mut stage_variables = self.api.stage.variables.clone();
        stage_variables.extend(self.stage_variables);
        let access_log_format = self
            .access_log_format
            .or_else(|| self.api.stage.access_log_format.clone())
            .unwrap_or_else(|| DEFAULT_ACCESS_LOG_FORMAT.to_string());
        let gateway_responses = gateway_responses::Plans::new(&self.api.gateway_responses);
        let execution_log = self
            .execution_log
            .and_then(|sink| Some((sink, crate::execution_log::Level::of(&self.api.stage)?)));
        let keys = crate::api_keys::Keys::new(&self.api_keys, &self.api.usage_plans)
            .map_err(GatewayError::ApiKeys)?;
        let throttles = crate::throttle::Throttles::new(&self.api, self.account_throttle);
        let region = self
            .api
            .parameter_values
            .get("AWS::Region")
            .map_or("us-east-1", String::as_str);
        let api_arn = format!(
            "arn:aws:execute-api:{region}:{}:{}",
            self.account_id, self.api_id
        );
        let resource_policy = match &self.api.policy {
            Some(doc) => Some(crate::policy::Policy::parse(doc, &api_arn).map_err(|e| {
                GatewayError::Policy {
                    pointer: format!("/x-amazon-apigateway-policy{}", e.pointer),
                    message: e.message,
                }
            })?),
            None => None,
        };
        Ok(Gateway {
            inner: Arc::new(Inner {
                api: self.api,
                dynamo: self.dynamo,
                stage,
                any_stage,
                stage_variables,
                ops,
                gateway_responses,
                access_log_format: Substitution::parse(&access_log_format),
                access_log: self.access_log,
                execution_log,
                request_ids: self.request_ids,
                clock: self.clock,
                api_id: self.api_id,
                account_id: self.account_id,
                keys,
                throttles,
                iam: self.iam_credentials,
                cognito: self.cognito,
                lambda_policies: self.lambda_policies,
                iam_policies: self.iam_policies,
                policy_context: self.policy_context,
                resource_policy,
                api_arn,
            }),
        })
    }
}

/// One operation, compiled.
pub(crate) struct OpPlan {
    /// `$context.resourceId`.
    pub resource_id: String,
    /// `/{resource path}/{METHOD}`: the key of the method's throttles.
    pub method_key: String,
    /// Media type -> compiled draft-4 validator of the request model.
    pub models: HashMap<String, Arc<jsonschema::Validator>>,
    /// The media type of each request template, in the integration's order.
    pub request_templates: Vec<String>,
    /// The DynamoDB action of an `aws` integration.
    pub action: Option<String>,
    /// Integration-response selection by backend status (100..=599), memoised: a selection
    /// pattern is a pure function of the status text.
    selection: Box<[OnceLock<Option<usize>>]>,
    /// One per integration response, in the integration's order.
    pub responses: Vec<ResponsePlan>,
}

/// One integration response, compiled.
pub(crate) struct ResponsePlan {
    /// The media type of each response template, in order.
    pub templates: Vec<String>,
    /// `method.response.header.NAME` mappings, in order.
    pub headers: Vec<(String, Source)>,
}

const SELECTION_STATUSES: std::ops::RangeInclusive<u16> = 100..=599;

impl OpPlan {
    fn new(op: &Operation) -> Result<OpPlan, GatewayError> {
        let integ = &op.integration;
        let action = match integ.integration_type {
            IntegrationType::Mock => None,
            IntegrationType::Aws => match integ.dynamodb_action() {
                Some(a) => Some(a.to_string()),
                None => {
                    return Err(GatewayError::NotDynamoDb {
                        operation: op.label(),
                        pointer: integ.pointer.clone(),
                        uri: integ.uri.clone().unwrap_or_default(),
                    });
                }
            },
            other => {
                return Err(GatewayError::UnsupportedIntegration {
                    operation: op.label(),
                    pointer: integ.pointer.clone(),
                    integration_type: other.as_str().to_string(),
                });
            }
        };
        let mut models = HashMap::new();
        if let Some(body) = &op.request_body {
            for (ct, schema) in &body.content {
                let Some(schema) = schema else { continue };
                let v =
                    validate::model_validator(schema).map_err(|message| GatewayError::Model {
                        operation: op.label(),
                        content_type: ct.clone(),
                        message,
                    })?;
                models.insert(media_type(ct), Arc::new(v));
            }
        }
        let responses = integ
            .responses
            .iter()
            .map(|ir| ResponsePlan {
                templates: ir
                    .response_templates
                    .keys()
                    .map(|k| media_type(k))
                    .collect(),
                headers: ir
                    .response_parameters
                    .iter()
                    .filter_map(|(target, source)| {
                        let name = target.strip_prefix("method.response.header.")?;
                        Some((name.to_string(), Source::parse(source)))
                    })
                    .collect(),
            })
            .collect();
        Ok(OpPlan {
            resource_id: resource_id(&op.path),
            method_key: crate::throttle::method_key(op),
            models,
            request_templates: integ
                .request_templates
                .keys()
                .map(|k| media_type(k))
                .collect(),
            action,
            selection: SELECTION_STATUSES.map(|_| OnceLock::new()).collect(),
            responses,
        })
    }

    /// Integration-response selection: each non-default response whose pattern matches the
    /// whole status string, in document order, else the default one (`Integration::select_response`).
    pub fn select(&self, integ: &Integration, status: u16) -> Option<usize> {
        let select = || {
            let found = integ.select_response(&status.to_string())?;
            integ.responses.iter().position(|r| std::ptr::eq(r, found))
        };
        match status.checked_sub(*SELECTION_STATUSES.start()) {
            Some(i) if SELECTION_STATUSES.contains(&status) => {
                *self.selection[usize::from(i)].get_or_init(select)
            }
            _ => select(),
        }
    }
}

/// A resource id look-alike derived from the path template (stable per resource).
fn resource_id(path: &str) -> String {
    let h = path.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("{:06x}", h & 0xff_ffff)
}
