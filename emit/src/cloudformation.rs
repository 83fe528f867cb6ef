//! `generated/cloudformation.yaml`: the whole stack, deployable with
//! `aws cloudformation deploy --template-file generated/cloudformation.yaml --stack-name NAME
//! --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND`.
//!
//! - every deploy parameter without a `stackValue` becomes a stack parameter; one with a
//!   `stackValue` (`Resource.Attribute`) is taken from that resource of this stack;
//! - the DynamoDB tables of `x-dynamodb-tables`, on demand unless they say otherwise, with the
//!   `TableDeletionPolicy` parameter as `DeletionPolicy` and `UpdateReplacePolicy` (an intrinsic
//!   function there needs the `AWS::LanguageExtensions` transform: CloudFormation user guide,
//!   "Intrinsic function references in DeletionPolicy and UpdateReplacePolicy attributes");
//! - `IntegrationRole`, assumable by API Gateway, allowed exactly the DynamoDB actions of the
//!   integration URIs, each on the ARN of the table its request template names;
//! - `Api` (`AWS::ApiGateway::RestApi`, `Mode: overwrite`, `FailOnWarnings`) whose `Body` is
//!   the import-ready definition with every string that holds a placeholder written as
//!   `Fn::Sub`: `${TableName}` refers to the stack parameter, a `stackValue` parameter goes through `Fn::Sub`'s variable map as `Fn::GetAtt`,
//!   and every other `${` (VTL's formal references such as `${part}`) is escaped as `${!`, which
//!   `Fn::Sub` turns back into `${` (user guide, `Fn::Sub`);
//! - a `Deployment` whose logical id carries a hash of the body, because CloudFormation does not
//!   redeploy an unchanged `AWS::ApiGateway::Deployment` when only the API changes;
//! - the `Stage` of `x-deploy-stage`: X-Ray tracing, method logging, metrics and throttling for
//!   every method (`/*/*`), a `MethodSettings` entry per `methodSettings` override (its throttle;
//!   the resource path `~1`-escaped), access logs in its JSON format to `AccessLogGroup`;
//! - each usage plan of `x-usage-plans` on that stage, its `methodThrottle` as the `ApiStages`
//!   entry's `Throttle`, with one API key;
//! - optionally (`ConfigureApiGatewayAccount`) the account-wide CloudWatch role that API Gateway
//!   needs before a stage may log; the stage depends on it only when it is created, through an
//!   `Fn::If` tag (a plain `DependsOn` on a conditional resource is invalid);
//! - Outputs: the invoke URL, the REST API id, each table's name, the role's ARN.
//!
//! Intrinsic functions are written in long form (`Fn::Sub`, `Fn::GetAtt`, `Ref`), so the YAML
//! needs no custom tags and any YAML or JSON reader sees the same tree.

use std::collections::{BTreeMap, BTreeSet};

use apidef::Api;
use apidef::error::pointer_push;
use indexmap::IndexMap;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::import_ready::{self, Placeholders};
use crate::{Artifact, EmitError, Options};

/// The artifact's path, relative to the workspace root.
pub const PATH: &str = "generated/cloudformation.yaml";

const INTEGRATION_ROLE: &str = "IntegrationRole";
const API: &str = "Api";
const STAGE: &str = "Stage";
const ACCESS_LOG_GROUP: &str = "AccessLogGroup";
const ACCOUNT_ROLE: &str = "ApiGatewayCloudWatchRole";
const ACCOUNT: &str = "ApiGatewayAccount";
const CONFIGURE_ACCOUNT: &str = "ConfigureApiGatewayAccount";
const CONFIGURE_ACCOUNT_CONDITION: &str = "ConfigureAccount";
const TABLE_DELETION_POLICY: &str = "TableDeletionPolicy";
const LOG_RETENTION: &str = "AccessLogRetentionInDays";
/// Key prefix, in the table -> actions map, of a table the templates name that
/// `x-dynamodb-tables` does not declare.
const EXTERNAL_TABLE: &str = "external table/";

/// A resource path as `AWS::ApiGateway::Stage` MethodSetting `ResourcePath` writes it: a `/`,
/// then the whole path with `~` as `~0` and every `/` as `~1` (`/album/{id}` ->
/// `/~1album~1{id}`; the root is `/` alone), per the CloudFormation user guide.
fn cfn_resource_path(path: &str) -> String {
    if path == "/" {
        return "/".into();
    }
    format!("/{}", path.replace('~', "~0").replace('/', "~1"))
}

/// DynamoDB API actions that are not IAM actions, and the IAM actions that authorize them (every
/// other action of an integration URI, `BatchWriteItem` and `BatchGetItem` included, is its own
/// IAM action, `dynamodb:{Action}`).
///
/// - Transactions (DynamoDB developer guide, "Using IAM with DynamoDB transactions"): "Permissions
///   for Put, Update, Delete, and Get actions are governed by the permissions used for the
///   underlying PutItem, UpdateItem, DeleteItem, and GetItem operations. For the ConditionCheck
///   action, you can use the dynamodb:ConditionCheckItem permission." Each entry is
///   `(TransactItems member, IAM action)`; only the members the request templates write are
///   granted (`transaction_kinds`), all of them when that cannot be told.
/// - PartiQL (developer guide, "IAM security policies with PartiQL for DynamoDB"): statements
///   are authorized by `PartiQLSelect`/`Insert`/`Update`/`Delete`; which statements a template
///   sends is not read from it, so all four are granted.
const NON_IAM_ACTIONS: &[(&str, &[(&str, &str)])] = &[
    (
        "TransactWriteItems",
        &[
            ("Put", "PutItem"),
            ("Update", "UpdateItem"),
            ("Delete", "DeleteItem"),
            ("ConditionCheck", "ConditionCheckItem"),
        ],
    ),
    ("TransactGetItems", &[("Get", "GetItem")]),
    (
        "ExecuteStatement",
        &[
            ("", "PartiQLSelect"),
            ("", "PartiQLInsert"),
            ("", "PartiQLUpdate"),
            ("", "PartiQLDelete"),
        ],
    ),
    (
        "BatchExecuteStatement",
        &[
            ("", "PartiQLSelect"),
            ("", "PartiQLInsert"),
            ("", "PartiQLUpdate"),
            ("", "PartiQLDelete"),
        ],
    ),
    (
        "ExecuteTransaction",
        &[
            ("", "PartiQLSelect"),
            ("", "PartiQLInsert"),
            ("", "PartiQLUpdate"),
            ("", "PartiQLDelete"),
        ],
    ),
];

/// The IAM actions (`dynamodb:...`) that allow the integration action `action` as the request
/// `templates` (as written) send it.
fn iam_actions(action: &str, templates: &[&str]) -> BTreeSet<String> {
    let Some((_, members)) = NON_IAM_ACTIONS.iter().find(|(a, _)| *a == action) else {
        return BTreeSet::from([format!("dynamodb:{action}")]);
    };
    let names: Vec<&str> = members.iter().map(|(m, _)| *m).collect();
    let used = transaction_kinds(&names, templates);
    members
        .iter()
        .filter(|(m, _)| used.as_ref().is_none_or(|u| u.contains(m)))
        .map(|(_, iam)| format!("dynamodb:{iam}"))
        .collect()
}

/// The members of `TransactItems` (`"Put": {...}`, ...) among `kinds` that the request
/// `templates` write, or `None` when that cannot be told from their text: a template that names
/// none of them (the items come from the request, `$input.json(...)`), whose `TransactItems` is
/// not a literal array, or that puts a VTL reference where an item or a member could be
/// (`[$item`, `, $items`, a line that starts with `$`). `#if` and `#foreach` around literal
/// members only choose or repeat them, so the members written are still the ones granted.
fn transaction_kinds<'k>(kinds: &[&'k str], templates: &[&str]) -> Option<BTreeSet<&'k str>> {
    // An unnamed member (the PartiQL rows of `NON_IAM_ACTIONS`) is never read from a template.
    if kinds.iter().any(|k| k.is_empty()) || templates.is_empty() {
        return None;
    }
    let mut used = BTreeSet::new();
    for template in templates {
        let at = template.find("\"TransactItems\"")?;
        let rest = &template[at + "\"TransactItems\"".len()..];
        if !rest
            .trim_start()
            .strip_prefix(':')?
            .trim_start()
            .starts_with('[')
        {
            return None;
        }
        let mut found = false;
        for kind in kinds {
            let key = format!("\"{kind}\"");
            let mut from = 0;
            while let Some(i) = rest[from..].find(&key) {
                let after = &rest[from + i + key.len()..];
                if after.trim_start().starts_with(':') {
                    used.insert(*kind);
                    found = true;
                }
                from += i + key.len();
            }
        }
        if !found {
            return None;
        }
        // A reference where an item or a member could be.
        let bytes = rest.as_bytes();
        let mut previous = b'\n';
        for &b in bytes {
            if b == b'$' && matches!(previous, b'[' | b',' | b'\n') {
                return None;
            }
            if !b.is_ascii_whitespace() || b == b'\n' {
                previous = b;
            }
        }
    }
    Some(used)
}

/// The `"TableName": "..."` a request template writes, when it is a literal (no VTL, no
/// placeholder).
fn literal_table_name(template: &str) -> Option<String> {
    let at = template.find("\"TableName\"")?;
    let rest = template[at + "\"TableName\"".len()..].trim_start();
    let rest = rest.strip_prefix(':')?.trim_start().strip_prefix('"')?;
    let name = &rest[..rest.find('"')?];
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    valid.then(|| name.to_string())
}

/// The logical ids (resources and parameters) this stack always has.
const FIXED_IDS: &[&str] = &[
    INTEGRATION_ROLE,
    API,
    STAGE,
    ACCESS_LOG_GROUP,
    ACCOUNT_ROLE,
    ACCOUNT,
    CONFIGURE_ACCOUNT,
    CONFIGURE_ACCOUNT_CONDITION,
    TABLE_DELETION_POLICY,
    LOG_RETENTION,
];
/// The values CloudWatch Logs accepts for `RetentionInDays`.
const RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// Emit `generated/cloudformation.yaml`. `options` are not used: the stack keeps every
/// placeholder as a parameter or reference, so one template serves every value.
pub fn emit(api: &Api, _options: &Options) -> Result<Artifact, EmitError> {
    let stack = Stack::new(api)?;
    let template = stack.template()?;
    let text = serde_yaml::to_string(&template).map_err(|e| EmitError::Serialize {
        artifact: PATH.into(),
        message: e.to_string(),
    })?;
    Ok(Artifact::new(PATH, text))
}

/// A table of `x-dynamodb-tables` and its logical id.
struct Table<'a> {
    key: String,
    logical_id: String,
    /// The definition as written (placeholders intact).
    raw: &'a Map<String, Value>,
    has_indexes: bool,
}

struct Stack<'a> {
    api: &'a Api,
    /// Declared deploy parameter -> `(resource, attribute)` when it has a `stackValue`.
    stack_values: IndexMap<String, Option<(String, String)>>,
    tables: Vec<Table<'a>>,
}

impl<'a> Stack<'a> {
    fn new(api: &'a Api) -> Result<Stack<'a>, EmitError> {
        let mut tables = Vec::new();
        if let Some(Value::Object(defs)) = api.raw.get("x-dynamodb-tables") {
            for (key, def) in defs {
                let pointer = pointer_push("/x-dynamodb-tables", key);
                let Some(raw) = def.as_object() else {
                    return Err(EmitError::unsupported(
                        api,
                        pointer,
                        "a table definition must be an object",
                    ));
                };
                let base: String = key.chars().filter(char::is_ascii_alphanumeric).collect();
                // The table's logical id is ours to choose: `{Key}Table`, or, when a deploy
                // parameter, a fixed resource or another table already has that name
                // (CloudFormation's parameters and resources share one namespace), the first
                // free one of `{Key}DynamoDBTable`, `{Key}DynamoDBTable2`, ...
                let taken = |id: &str| {
                    api.deploy_parameters.contains_key(id)
                        || FIXED_IDS.contains(&id)
                        || tables.iter().any(|t: &Table| t.logical_id == id)
                };
                let mut logical_id = format!("{base}Table");
                let mut n = 1;
                while taken(&logical_id) {
                    logical_id = if n == 1 {
                        format!("{base}DynamoDBTable")
                    } else {
                        format!("{base}DynamoDBTable{n}")
                    };
                    n += 1;
                }
                let has_indexes = raw.contains_key("GlobalSecondaryIndexes")
                    || raw.contains_key("LocalSecondaryIndexes");
                tables.push(Table {
                    key: key.clone(),
                    logical_id,
                    raw,
                    has_indexes,
                });
            }
        }

        let mut resources: BTreeSet<String> = [
            INTEGRATION_ROLE,
            API,
            STAGE,
            ACCESS_LOG_GROUP,
            ACCOUNT_ROLE,
            ACCOUNT,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Table logical ids were chosen around the deploy parameters' names above; only the
        // fixed resources and parameters can still collide with one.
        resources.extend(tables.iter().map(|t| t.logical_id.clone()));
        let mut stack_values = IndexMap::new();
        for (name, p) in &api.deploy_parameters {
            let pointer = pointer_push("/x-deploy-parameters", name);
            if resources.contains(name)
                || [TABLE_DELETION_POLICY, CONFIGURE_ACCOUNT, LOG_RETENTION]
                    .contains(&name.as_str())
            {
                return Err(EmitError::unsupported(
                    api,
                    pointer,
                    format!(
                        "the deploy parameter {name} has the name of a logical id of the generated stack"
                    ),
                ));
            }
            let value = match &p.stack_value {
                None => None,
                Some(sv) => {
                    let Some((resource, attribute)) = sv.split_once('.') else {
                        return Err(EmitError::unsupported(
                            api,
                            pointer_push(&pointer, "stackValue"),
                            format!("stackValue {sv:?} must be Resource.Attribute"),
                        ));
                    };
                    if !resources.contains(resource) {
                        let known = resources.iter().cloned().collect::<Vec<_>>().join(", ");
                        return Err(EmitError::unsupported(
                            api,
                            pointer_push(&pointer, "stackValue"),
                            format!(
                                "stackValue {sv:?} names no resource of the generated stack (resources: {known})"
                            ),
                        ));
                    }
                    Some((resource.to_string(), attribute.to_string()))
                }
            };
            stack_values.insert(name.clone(), value);
        }
        Ok(Stack {
            api,
            stack_values,
            tables,
        })
    }

    /// A string of the document as a CloudFormation value: unchanged when it holds no
    /// placeholder, else `Ref` / `Fn::GetAtt` when it is exactly one, else `Fn::Sub`.
    fn intrinsic(&self, s: &str) -> Value {
        let known: Vec<apidef::params::Placeholder> = apidef::params::placeholders(s)
            .into_iter()
            .filter(|p| self.is_placeholder(&p.name))
            .collect();
        if known.is_empty() {
            return Value::String(s.to_string());
        }
        if known.len() == 1 && known[0].start == 0 && known[0].end == s.len() {
            return self.reference(&known[0].name);
        }
        // Keep the known placeholders; escape every other `${` as `${!` (Fn::Sub's literal).
        let mut text = String::with_capacity(s.len() + 16);
        let mut variables = Map::new();
        let mut i = 0;
        let mut next = known.iter().peekable();
        while i < s.len() {
            if let Some(p) = next.peek()
                && p.start == i
            {
                text.push_str(&s[p.start..p.end]);
                if let Some(Some((resource, attribute))) = self.stack_values.get(&p.name) {
                    variables.insert(p.name.clone(), json!({"Fn::GetAtt": [resource, attribute]}));
                }
                i = p.end;
                next.next();
                continue;
            }
            if s[i..].starts_with("${") {
                text.push_str("${!");
                i += 2;
                continue;
            }
            let Some(c) = s[i..].chars().next() else {
                break;
            };
            text.push(c);
            i += c.len_utf8();
        }
        if variables.is_empty() {
            json!({"Fn::Sub": text})
        } else {
            json!({"Fn::Sub": [text, variables]})
        }
    }

    fn is_placeholder(&self, name: &str) -> bool {
        self.stack_values.contains_key(name)
            || apidef::params::PSEUDO_PARAMETERS
                .iter()
                .any(|(p, _)| *p == name)
    }

    fn reference(&self, name: &str) -> Value {
        match self.stack_values.get(name) {
            Some(Some((resource, attribute))) => json!({"Fn::GetAtt": [resource, attribute]}),
            _ => json!({"Ref": name}),
        }
    }

    fn intrinsic_tree(&self, v: &Value) -> Value {
        match v {
            Value::String(s) => self.intrinsic(s),
            Value::Array(a) => Value::Array(a.iter().map(|x| self.intrinsic_tree(x)).collect()),
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, x)| (k.clone(), self.intrinsic_tree(x)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// Table logical id -> the DynamoDB actions used on it, from the integration URIs.
    fn table_actions(&self) -> Result<BTreeMap<String, BTreeSet<String>>, EmitError> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for op in &self.api.operations {
            let Some(action) = op.integration.dynamodb_action() else {
                continue;
            };
            // Which table: the one whose TableName (as written, e.g. `${TableName}`) the
            // request templates contain. With a single table there is no choice to make.
            let templates: Vec<&str> = op
                .integration
                .request_templates
                .values()
                .filter_map(|t| self.api.raw.pointer(&t.pointer).and_then(Value::as_str))
                .collect();
            let grants = iam_actions(action, &templates);
            let used: Vec<&Table> = if self.tables.len() == 1 {
                self.tables.iter().collect()
            } else {
                self.tables
                    .iter()
                    .filter(|t| {
                        t.raw
                            .get("TableName")
                            .and_then(Value::as_str)
                            .is_some_and(|name| templates.iter().any(|s| s.contains(name)))
                    })
                    .collect()
            };
            if used.is_empty() {
                // A table the stack does not declare (a document loaded as a team has it, the
                // table defined elsewhere): the grant is on the table the template names, or
                // on every table of the account and region when the name is computed.
                let names: BTreeSet<String> = templates
                    .iter()
                    .filter_map(|t| literal_table_name(t))
                    .collect();
                let names = if names.is_empty() {
                    BTreeSet::from(["*".to_string()])
                } else {
                    names
                };
                for name in names {
                    out.entry(format!("{EXTERNAL_TABLE}{name}"))
                        .or_default()
                        .extend(grants.iter().cloned());
                }
                continue;
            }
            for t in used {
                out.entry(t.logical_id.clone())
                    .or_default()
                    .extend(grants.iter().cloned());
            }
        }
        Ok(out)
    }

    fn template(&self) -> Result<Value, EmitError> {
        let api = self.api;
        let title = api
            .raw
            .pointer("/info/title")
            .and_then(Value::as_str)
            .unwrap_or("API");
        let mut t = Map::new();
        t.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
        t.insert(
            "Description".into(),
            json!(format!(
                "{title}: API Gateway REST API with direct DynamoDB integrations. Written by codegen from {}; do not edit. Deploy with: aws cloudformation deploy --template-file generated/cloudformation.yaml --stack-name NAME --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND",
                file_name(&api.file)
            )),
        );
        // Needed for the parameter in DeletionPolicy / UpdateReplacePolicy.
        t.insert("Transform".into(), json!("AWS::LanguageExtensions"));
        t.insert("Parameters".into(), Value::Object(self.parameters()));
        t.insert(
            "Conditions".into(),
            json!({CONFIGURE_ACCOUNT_CONDITION: {"Fn::Equals": [{"Ref": CONFIGURE_ACCOUNT}, "true"]}}),
        );
        t.insert("Resources".into(), Value::Object(self.resources()?));
        t.insert("Outputs".into(), Value::Object(self.outputs()));
        Ok(Value::Object(t))
    }

    fn parameters(&self) -> Map<String, Value> {
        let mut p = Map::new();
        for (name, stack_value) in &self.stack_values {
            if stack_value.is_some() {
                continue;
            }
            let Some(declared) = self.api.deploy_parameters.get(name) else {
                continue;
            };
            let mut param = Map::new();
            param.insert("Type".into(), json!("String"));
            if let Some(d) = &declared.description {
                param.insert("Description".into(), json!(d));
            }
            // A parameter default is taken literally by CloudFormation, so a default that
            // itself holds a placeholder cannot be one.
            if let Some(d) = &declared.default
                && !d.contains("${")
            {
                param.insert("Default".into(), json!(d));
            }
            p.insert(name.clone(), Value::Object(param));
        }
        if !self.tables.is_empty() {
            p.insert(
                TABLE_DELETION_POLICY.into(),
                json!({
                    "Type": "String",
                    "Description": "What happens to the DynamoDB table(s) when the stack is deleted or a table is replaced.",
                    "AllowedValues": ["Delete", "Retain"],
                    "Default": "Retain",
                }),
            );
        }
        p.insert(
            CONFIGURE_ACCOUNT.into(),
            json!({
                "Type": "String",
                "Description": "Set the API Gateway account's CloudWatch Logs role (an account-wide, per-region setting that stage logging needs). Choose false when the account already has one.",
                "AllowedValues": ["true", "false"],
                "Default": "true",
            }),
        );
        if self.api.stage.access_log_format.is_some() {
            p.insert(
                LOG_RETENTION.into(),
                json!({
                    "Type": "Number",
                    "Description": "Days to keep the access logs.",
                    "AllowedValues": RETENTION_DAYS,
                    "Default": 30,
                }),
            );
        }
        p
    }

    fn resources(&self) -> Result<Map<String, Value>, EmitError> {
        let api = self.api;
        let mut r = Map::new();
        for table in &self.tables {
            r.insert(table.logical_id.clone(), self.table(table));
        }

        let actions = self.table_actions()?;
        let mut statements = Vec::new();
        for table in &self.tables {
            let Some(acts) = actions.get(&table.logical_id) else {
                continue;
            };
            let mut resources = vec![json!({"Fn::GetAtt": [table.logical_id, "Arn"]})];
            if table.has_indexes
                && (acts.contains("dynamodb:Query") || acts.contains("dynamodb:Scan"))
            {
                resources
                    .push(json!({"Fn::Sub": format!("${{{}.Arn}}/index/*", table.logical_id)}));
            }
            statements.push(json!({
                "Sid": table.logical_id,
                "Effect": "Allow",
                "Action": acts.iter().collect::<Vec<_>>(),
                "Resource": resources,
            }));
        }
        // Tables named by the templates but not declared in x-dynamodb-tables.
        for (key, acts) in &actions {
            let Some(name) = key.strip_prefix(EXTERNAL_TABLE) else {
                continue;
            };
            let arn = format!(
                "arn:${{AWS::Partition}}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/{name}"
            );
            let sid: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
            statements.push(json!({
                "Sid": if sid.is_empty() { "AnyTable".to_string() } else { format!("External{sid}") },
                "Effect": "Allow",
                "Action": acts.iter().collect::<Vec<_>>(),
                "Resource": [{"Fn::Sub": arn}, {"Fn::Sub": format!("{arn}/index/*")}],
            }));
        }
        let mut role = Map::new();
        role.insert(
            "Description".into(),
            json!("Assumed by API Gateway to call DynamoDB: exactly the IAM actions that allow the actions of the integration URIs, on the tables they use."),
        );
        role.insert(
            "AssumeRolePolicyDocument".into(),
            assume_role_by_apigateway(),
        );
        if !statements.is_empty() {
            role.insert(
                "Policies".into(),
                json!([{
                    "PolicyName": "dynamodb-integrations",
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements},
                }]),
            );
        }
        r.insert(
            INTEGRATION_ROLE.into(),
            json!({"Type": "AWS::IAM::Role", "Properties": role}),
        );

        let body = import_ready::document(api, Placeholders::Keep)?;
        let body = self.intrinsic_tree(&body);
        let body_json = serde_json::to_vec(&body).map_err(|e| EmitError::Serialize {
            artifact: PATH.into(),
            message: e.to_string(),
        })?;
        let digest = Sha256::digest(&body_json);
        let hash: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
        r.insert(
            API.into(),
            json!({
                "Type": "AWS::ApiGateway::RestApi",
                // `overwrite`: the body is the whole API, so an operation removed from the
                // document is removed from the API (the default mode for new APIs merges, and
                // would keep it: user guide, AWS::ApiGateway::RestApi `Mode`).
                "Properties": {"Body": body, "FailOnWarnings": true, "Mode": "overwrite"},
            }),
        );
        let deployment = format!("Deployment{hash}");
        r.insert(
            deployment.clone(),
            json!({
                "Type": "AWS::ApiGateway::Deployment",
                "Properties": {
                    "RestApiId": {"Ref": API},
                    "Description": format!("API definition {hash}"),
                },
            }),
        );

        let stage = &api.stage;
        let mut props = Map::new();
        props.insert("RestApiId".into(), json!({"Ref": API}));
        props.insert("DeploymentId".into(), json!({"Ref": deployment}));
        props.insert("StageName".into(), json!(stage.name));
        props.insert("TracingEnabled".into(), json!(stage.tracing_enabled));
        let mut method = Map::new();
        method.insert("ResourcePath".into(), json!("/*"));
        method.insert("HttpMethod".into(), json!("*"));
        if let Some(level) = &stage.logging_level {
            method.insert("LoggingLevel".into(), json!(level));
        }
        method.insert("MetricsEnabled".into(), json!(stage.metrics_enabled));
        method.insert("DataTraceEnabled".into(), json!(stage.data_trace_enabled));
        let mut settings = Vec::new();
        // A method's own entry starts from the stage's settings, so overriding its throttle
        // does not turn its logging and metrics off (an override is a whole MethodSetting).
        for (key, ms) in &stage.method_settings {
            let (Some((path, http_method)), Some(t)) =
                (apidef::split_method_key(key), &ms.throttling)
            else {
                continue;
            };
            let mut m = method.clone();
            m.insert("ResourcePath".into(), json!(cfn_resource_path(path)));
            m.insert("HttpMethod".into(), json!(http_method));
            m.insert("ThrottlingRateLimit".into(), json!(t.rate_limit));
            m.insert("ThrottlingBurstLimit".into(), json!(t.burst_limit));
            settings.push(Value::Object(m));
        }
        if let Some(t) = &stage.throttling {
            method.insert("ThrottlingRateLimit".into(), json!(t.rate_limit));
            method.insert("ThrottlingBurstLimit".into(), json!(t.burst_limit));
        }
        settings.insert(0, Value::Object(method));
        props.insert("MethodSettings".into(), Value::Array(settings));
        if let Some(format) = &stage.access_log_format {
            props.insert(
                "AccessLogSetting".into(),
                json!({
                    "DestinationArn": {"Fn::GetAtt": [ACCESS_LOG_GROUP, "Arn"]},
                    "Format": format,
                }),
            );
        }
        if !stage.variables.is_empty() {
            let vars: Map<String, Value> = stage
                .variables
                .iter()
                .map(|(k, v)| (k.clone(), self.intrinsic(v)))
                .collect();
            props.insert("Variables".into(), Value::Object(vars));
        }
        // Logging needs the account's CloudWatch role first; depend on it only when this
        // stack sets it (DependsOn cannot be conditional).
        props.insert(
            "Tags".into(),
            json!([{
                "Key": "account-cloudwatch-role",
                "Value": {"Fn::If": [CONFIGURE_ACCOUNT_CONDITION, {"Ref": ACCOUNT}, "not-managed-by-this-stack"]},
            }]),
        );
        r.insert(
            STAGE.into(),
            json!({"Type": "AWS::ApiGateway::Stage", "Properties": props}),
        );
        for (name, plan, id) in self.usage_plans() {
            let mut props = Map::new();
            props.insert(
                "UsagePlanName".into(),
                json!({"Fn::Sub": format!("${{AWS::StackName}}-{name}")}),
            );
            if let Some(d) = &plan.description {
                props.insert("Description".into(), json!(d));
            }
            let mut api_stage = json!({"ApiId": {"Ref": API}, "Stage": {"Ref": STAGE}});
            if !plan.method_throttle.is_empty() {
                // Keyed `/{resource path}/{METHOD}`, the path as written (CloudFormation user
                // guide, AWS::ApiGateway::UsagePlan ApiStage `Throttle`).
                let throttle: Map<String, Value> = plan
                    .method_throttle
                    .iter()
                    .map(|(k, t)| {
                        (
                            k.clone(),
                            json!({"RateLimit": t.rate_limit, "BurstLimit": t.burst_limit}),
                        )
                    })
                    .collect();
                api_stage["Throttle"] = Value::Object(throttle);
            }
            props.insert("ApiStages".into(), json!([api_stage]));
            if let Some(t) = &plan.throttle {
                props.insert(
                    "Throttle".into(),
                    json!({"RateLimit": t.rate_limit, "BurstLimit": t.burst_limit}),
                );
            }
            if let Some(q) = &plan.quota {
                let period = match q.period {
                    apidef::QuotaPeriod::Day => "DAY",
                    apidef::QuotaPeriod::Week => "WEEK",
                    apidef::QuotaPeriod::Month => "MONTH",
                };
                props.insert(
                    "Quota".into(),
                    json!({"Limit": q.limit, "Period": period, "Offset": q.offset}),
                );
            }
            r.insert(
                id.clone(),
                json!({"Type": "AWS::ApiGateway::UsagePlan", "Properties": props}),
            );
            // One key per plan, its value made by AWS (`aws apigateway get-api-key --include-value`).
            r.insert(
                format!("{id}Key"),
                json!({
                    "Type": "AWS::ApiGateway::ApiKey",
                    "Properties": {
                        "Name": {"Fn::Sub": format!("${{AWS::StackName}}-{name}")},
                        "Enabled": true,
                        "StageKeys": [{"RestApiId": {"Ref": API}, "StageName": {"Ref": STAGE}}],
                    },
                }),
            );
            r.insert(
                format!("{id}KeyLink"),
                json!({
                    "Type": "AWS::ApiGateway::UsagePlanKey",
                    "Properties": {
                        "KeyId": {"Ref": format!("{id}Key")},
                        "KeyType": "API_KEY",
                        "UsagePlanId": {"Ref": id},
                    },
                }),
            );
        }
        if stage.access_log_format.is_some() {
            r.insert(
                ACCESS_LOG_GROUP.into(),
                json!({
                    "Type": "AWS::Logs::LogGroup",
                    "Properties": {
                        "LogGroupName": {"Fn::Sub": "/aws/api-gateway/${AWS::StackName}/access"},
                        "RetentionInDays": {"Ref": LOG_RETENTION},
                    },
                }),
            );
        }
        r.insert(
            ACCOUNT_ROLE.into(),
            json!({
                "Type": "AWS::IAM::Role",
                "Condition": CONFIGURE_ACCOUNT_CONDITION,
                "Properties": {
                    "Description": "Lets API Gateway write execution and access logs to CloudWatch Logs (account setting).",
                    "AssumeRolePolicyDocument": assume_role_by_apigateway(),
                    "ManagedPolicyArns": [
                        {"Fn::Sub": "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"}
                    ],
                },
            }),
        );
        r.insert(
            ACCOUNT.into(),
            json!({
                "Type": "AWS::ApiGateway::Account",
                "Condition": CONFIGURE_ACCOUNT_CONDITION,
                "Properties": {"CloudWatchRoleArn": {"Fn::GetAtt": [ACCOUNT_ROLE, "Arn"]}},
            }),
        );
        Ok(r)
    }

    fn table(&self, table: &Table) -> Value {
        let mut props = Map::new();
        for (k, v) in table.raw {
            let v = self.intrinsic_tree(v);
            match k.as_str() {
                // CreateTable says `Enabled`, AWS::DynamoDB::Table says `SSEEnabled`.
                "SSESpecification" => {
                    let v = match v {
                        Value::Object(o) => Value::Object(
                            o.into_iter()
                                .map(|(k, x)| {
                                    let k = if k == "Enabled" {
                                        "SSEEnabled".into()
                                    } else {
                                        k
                                    };
                                    (k, x)
                                })
                                .collect(),
                        ),
                        other => other,
                    };
                    props.insert(k.clone(), v);
                }
                _ => {
                    props.insert(k.clone(), v);
                }
            }
        }
        if !props.contains_key("BillingMode") {
            props.insert("BillingMode".into(), json!("PAY_PER_REQUEST"));
        }
        json!({
            "Type": "AWS::DynamoDB::Table",
            "DeletionPolicy": {"Ref": TABLE_DELETION_POLICY},
            "UpdateReplacePolicy": {"Ref": TABLE_DELETION_POLICY},
            "Properties": props,
        })
    }

    /// `x-usage-plans`, each with its logical id (`UsagePlan{Name}`, alphanumeric).
    fn usage_plans(&self) -> Vec<(&'a String, &'a apidef::UsagePlan, String)> {
        self.api
            .usage_plans
            .iter()
            .map(|(name, plan)| {
                let mut base: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
                if let Some(first) = base.get_mut(..1) {
                    first.make_ascii_uppercase();
                }
                (name, plan, format!("UsagePlan{base}"))
            })
            .collect()
    }

    fn outputs(&self) -> Map<String, Value> {
        let mut o = Map::new();
        for (name, _, id) in self.usage_plans() {
            o.insert(
                format!("{id}KeyId"),
                json!({
                    "Description": format!("Id of the API key of usage plan {name} (its value: aws apigateway get-api-key --include-value --api-key <id>)."),
                    "Value": {"Ref": format!("{id}Key")},
                }),
            );
        }
        o.insert(
            "ApiUrl".into(),
            json!({
                "Description": "Invoke URL of the stage.",
                "Value": {"Fn::Sub": format!("https://${{{API}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}/${{{STAGE}}}/")},
            }),
        );
        o.insert(
            "RestApiId".into(),
            json!({"Description": "Id of the REST API.", "Value": {"Ref": API}}),
        );
        for table in &self.tables {
            o.insert(
                format!("{}Name", table.logical_id),
                json!({
                    "Description": format!("Name of the DynamoDB table {}.", table.key),
                    "Value": {"Ref": table.logical_id},
                }),
            );
        }
        o.insert(
            "IntegrationRoleArn".into(),
            json!({
                "Description": "The role API Gateway assumes to call DynamoDB.",
                "Value": {"Fn::GetAtt": [INTEGRATION_ROLE, "Arn"]},
            }),
        );
        o
    }
}

fn assume_role_by_apigateway() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }],
    })
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}
