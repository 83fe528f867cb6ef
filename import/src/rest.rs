//! A template's REST API: an inline definition (`Body`, `DefinitionBody`, a local
//! `DefinitionUri`) or the `AWS::ApiGateway::*` resources `cdk synth` writes, plus its stage,
//! its tables and the list of what is not carried.

use std::collections::HashSet;

use apidef::error::pointer_push;
use serde_json::{Map, Value, json};

use crate::cfn::{Resolver, Template, get_att_target, is_intrinsic, ref_target, scalar_string};
use crate::openapi::{self, insert_before, integration_form, place_extensions, project_form};
use crate::{ImportError, ImportErrorKind, ImportOptions, Output, tables};

const REST_API: &str = "AWS::ApiGateway::RestApi";
const SAM_API: &str = "AWS::Serverless::Api";

/// The keys of an `AWS::Serverless::Api` that describe its stage.
const SAM_STAGE_KEYS: &[&str] = &[
    "StageName",
    "TracingEnabled",
    "MethodSettings",
    "Variables",
    "AccessLogSetting",
    "CacheClusterEnabled",
    "CacheClusterSize",
    "CanarySetting",
];

/// Import the REST API of a CloudFormation template.
pub(crate) fn import_template(
    value: &Value,
    file: &str,
    options: &ImportOptions,
) -> Result<Output, ImportError> {
    let root = value
        .as_object()
        .ok_or_else(|| ImportError::new(ImportErrorKind::Unrecognised, file, ""))?;
    let t = Template::new(root, file);
    let apis: Vec<String> = t
        .resources
        .iter()
        .filter(|(_, r)| {
            r.get("Type")
                .and_then(Value::as_str)
                .is_some_and(|ty| ty == REST_API || ty == SAM_API)
        })
        .map(|(id, _)| id.clone())
        .collect();
    if apis.is_empty() {
        return Err(ImportError::new(
            ImportErrorKind::NoRestApi,
            file,
            "/Resources",
        ));
    }
    let api = match &options.api {
        Some(a) if apis.contains(a) => a.clone(),
        Some(a) => {
            return Err(ImportError::new(
                ImportErrorKind::UnknownApi {
                    name: a.clone(),
                    known: apis.clone(),
                },
                file,
                "/Resources",
            ));
        }
        None => apis[0].clone(),
    };
    let globals = root
        .get("Globals")
        .and_then(|g| g.get("Api"))
        .and_then(Value::as_object)
        .cloned();
    let mut b = Builder {
        r: Resolver::new(&t),
        api: api.clone(),
        used: HashSet::new(),
        globals,
    };
    let document = b.build()?;
    if let Some(e) = b.r.fatal.take() {
        return Err(e);
    }
    b.leftovers(root, &apis);
    Ok(Output {
        document,
        not_carried: b.r.not_carried,
        apis,
        api: Some(api),
    })
}

struct Builder<'t> {
    r: Resolver<'t>,
    api: String,
    /// Resources the document carries (or that were accounted for).
    used: HashSet<String>,
    /// SAM's `Globals.Api`.
    globals: Option<Map<String, Value>>,
}

fn res_ptr(id: &str) -> String {
    pointer_push("/Resources", id)
}

fn props_ptr(id: &str) -> String {
    format!("{}/Properties", res_ptr(id))
}

fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn empty_document(title: &str) -> Value {
    json!({
        "openapi": "3.0.1",
        "info": {"title": title, "version": "1.0.0"},
        "paths": {},
    })
}

impl<'t> Builder<'t> {
    fn t(&self) -> &'t Template {
        self.r.t
    }

    /// Whether `v` is `{"Ref": <this API>}`.
    fn is_this_api(&self, v: Option<&Value>) -> bool {
        v.and_then(ref_target) == Some(self.api.as_str())
    }

    /// The resources of this API of `ty`, in template order.
    fn members(&self, ty: &str) -> Vec<String> {
        self.t()
            .resources
            .iter()
            .filter(|(_, r)| {
                r.get("Type").and_then(Value::as_str) == Some(ty)
                    && self.is_this_api(r.get("Properties").and_then(|p| p.get("RestApiId")))
            })
            .map(|(id, _)| id.clone())
            .collect()
    }

    fn build(&mut self) -> Result<Value, ImportError> {
        let api = self.api.clone();
        let ty = self.t().resource_type(&api).unwrap_or(REST_API).to_string();
        let mut props = self.t().props(&api).cloned().unwrap_or_default();
        let at = props_ptr(&api);
        self.used.insert(api.clone());
        let (mut doc, stage) = if ty == SAM_API {
            if let Some(g) = &self.globals {
                for (k, v) in g {
                    props.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
            let doc = self.sam_definition(&props, &at)?;
            let doc = self.api_properties(doc, &props, &at, true);
            let stage = self.stage_from(&props, &at, true);
            (doc, stage)
        } else {
            let doc = if let Some(body) = props.get("Body") {
                let body_at = format!("{at}/Body");
                let resolved = match body {
                    Value::String(text) => apidef::source::parse(text, &self.t().file)
                        .map_err(|e| {
                            ImportError::new(
                                ImportErrorKind::Parse(format!("Body: {}", e.kind)),
                                &self.t().file,
                                body_at.clone(),
                            )
                        })
                        .map(|v| self.r.tree(&v, &body_at))?,
                    _ => self.r.tree(body, &body_at),
                };
                if let Some(e) = self.r.fatal.take() {
                    return Err(e);
                }
                let doc = match resolved {
                    Some(v) => openapi::to_openapi3(v, &mut self.r, &body_at)?,
                    None => empty_document(&api),
                };
                self.members_beside_body();
                doc
            } else if props.contains_key("BodyS3Location") {
                self.r.note(
                    &format!("{at}/BodyS3Location"),
                    Some(&api),
                    "the definition is in S3: download it and import it (the imported document has no paths)",
                );
                empty_document(&api)
            } else {
                self.build_from_resources()
            };
            let doc = self.api_properties(doc, &props, &at, false);
            let stage = self.rest_stage();
            (doc, stage)
        };
        // x-deploy-stage needs a name; CloudFormation would refuse a stage without one.
        let stage = stage.map(|mut st| {
            if !st.contains_key("name") {
                self.r.note(
                    &res_ptr(&api),
                    Some(&api),
                    "the stage has no StageName: x-deploy-stage is named prod",
                );
                st.insert("name".into(), json!("prod"));
                st = order_stage(st);
            }
            st
        });
        project_form(&mut doc);
        let plans = self.usage_plans();
        let tables = tables::tables(&mut self.r);
        let doc = place_extensions(doc, self.r.deploy_parameters(), tables, stage);
        let Value::Object(root) = doc else {
            return Ok(doc);
        };
        if plans.is_empty() {
            return Ok(Value::Object(root));
        }
        // With the other project extensions: after the last of them, else after info.
        let after = root
            .keys()
            .rev()
            .find(|k| apidef::PROJECT_EXTENSIONS.contains(&k.as_str()) || *k == "info")
            .cloned();
        let mut out = Map::new();
        let mut plans = Some(plans);
        for (k, v) in root {
            let here = Some(&k) == after.as_ref();
            out.insert(k, v);
            if here && let Some(p) = plans.take() {
                out.insert("x-usage-plans".into(), Value::Object(p));
            }
        }
        if let Some(p) = plans {
            out.insert("x-usage-plans".into(), Value::Object(p));
        }
        Ok(Value::Object(out))
    }

    /// The `AWS::ApiGateway::UsagePlan`s whose `ApiStages` name this API, as `x-usage-plans`
    /// entries named by their logical ids (what `gateway serve --api-key VALUE:PLAN` names).
    fn usage_plans(&mut self) -> Map<String, Value> {
        let mut out = Map::new();
        let ids: Vec<String> = self
            .t()
            .resources
            .iter()
            .filter(|(_, r)| {
                r.get("Type").and_then(Value::as_str) == Some("AWS::ApiGateway::UsagePlan")
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in ids {
            let props = self.t().props(&id).cloned().unwrap_or_default();
            let stages = props.get("ApiStages").and_then(Value::as_array);
            if !stages.is_some_and(|a| a.iter().any(|st| self.is_this_api(st.get("ApiId")))) {
                continue;
            }
            let at = props_ptr(&id);
            let mut plan = Map::new();
            if let Some(d) = props
                .get("Description")
                .and_then(|d| self.r.tree(d, &format!("{at}/Description")))
            {
                plan.insert("description".into(), d);
            }
            // CloudFormation's PascalCase members, camelCase as the REST API writes them.
            for (member, fields) in [
                (
                    "Throttle",
                    &[("RateLimit", "rateLimit"), ("BurstLimit", "burstLimit")][..],
                ),
                (
                    "Quota",
                    &[
                        ("Limit", "limit"),
                        ("Period", "period"),
                        ("Offset", "offset"),
                    ][..],
                ),
            ] {
                let Some(v) = props.get(member) else { continue };
                let member_at = format!("{at}/{member}");
                let Some(Value::Object(v)) = self.r.tree(v, &member_at) else {
                    continue;
                };
                let mut m = Map::new();
                for (from, to) in fields {
                    if let Some(x) = v.get(*from) {
                        // Numbers may be written as strings in YAML templates.
                        let x = match x {
                            Value::String(t) if *to != "period" => t
                                .parse::<f64>()
                                .ok()
                                .and_then(|n| {
                                    if n.fract() == 0.0 && *to != "rateLimit" {
                                        Some(json!(n as u64))
                                    } else {
                                        serde_json::Number::from_f64(n).map(Value::Number)
                                    }
                                })
                                .unwrap_or_else(|| x.clone()),
                            _ => x.clone(),
                        };
                        m.insert((*to).into(), x);
                    }
                }
                plan.insert(member.to_ascii_lowercase(), Value::Object(m));
            }
            // The API stage's per-method throttles (`/{resource path}/{METHOD}` ->
            // ThrottleSettings) become the plan's `methodThrottle`.
            let mut method_throttle = Map::new();
            for (i, st) in stages.into_iter().flatten().enumerate() {
                if !self.is_this_api(st.get("ApiId")) {
                    continue;
                }
                let p = format!("{at}/ApiStages/{i}/Throttle");
                let Some(Value::Object(th)) = st.get("Throttle").and_then(|t| self.r.tree(t, &p))
                else {
                    continue;
                };
                for (key, t) in th {
                    if let Some(t) = t
                        .as_object()
                        .and_then(|t| throttle_of(t, "RateLimit", "BurstLimit"))
                    {
                        method_throttle.insert(key, t);
                    }
                }
            }
            if !method_throttle.is_empty() {
                plan.insert("methodThrottle".into(), Value::Object(method_throttle));
            }
            self.used.insert(id.clone());
            out.insert(id, Value::Object(plan));
        }
        out
    }

    /// `DefinitionBody`, or a local `DefinitionUri`.
    fn sam_definition(
        &mut self,
        props: &Map<String, Value>,
        at: &str,
    ) -> Result<Value, ImportError> {
        let api = self.api.clone();
        let resolved = if let Some(def) = props.get("DefinitionBody") {
            let def_at = format!("{at}/DefinitionBody");
            self.r.tree(def, &def_at).map(|v| (v, def_at))
        } else if let Some(uri) = props.get("DefinitionUri") {
            let uri_at = format!("{at}/DefinitionUri");
            match uri.as_str() {
                Some(path) if !path.starts_with("s3://") => match self.r.include(path, &uri_at) {
                    Ok(v) => v.map(|v| (v, uri_at)),
                    Err(msg) => {
                        self.r.note(&uri_at, Some(&api), msg);
                        None
                    }
                },
                _ => {
                    self.r.note(
                        &uri_at,
                        Some(&api),
                        "the definition is in S3: download it and import it (the imported document has no paths)",
                    );
                    None
                }
            }
        } else {
            self.r.note(
                at,
                Some(&api),
                "no DefinitionBody: SAM builds this API from the functions' Api events, which are not carried (the imported document has no paths)",
            );
            None
        };
        if let Some(e) = self.r.fatal.take() {
            return Err(e);
        }
        match resolved {
            Some((v, p)) => openapi::to_openapi3(v, &mut self.r, &p),
            None => Ok(empty_document(&api)),
        }
    }

    /// The API's own properties (name, binary media types, policy, ...) applied to `doc`.
    fn api_properties(
        &mut self,
        mut doc: Value,
        props: &Map<String, Value>,
        at: &str,
        sam: bool,
    ) -> Value {
        let api = self.api.clone();
        let Some(root) = doc.as_object_mut() else {
            return doc;
        };
        for (k, v) in props {
            let p = pointer_push(at, k);
            match k.as_str() {
                "Body" | "BodyS3Location" | "DefinitionBody" | "DefinitionUri" => {}
                k if sam && SAM_STAGE_KEYS.contains(&k) => {}
                "Name" => {
                    if let Ok(name) = self.r.string(v, &p) {
                        let info = root
                            .entry("info")
                            .or_insert_with(|| json!({"version": "1.0.0"}));
                        if let Some(info) = info.as_object_mut() {
                            info.insert("title".into(), Value::String(name));
                        }
                    }
                }
                "Description" => {
                    if let Ok(d) = self.r.string(v, &p) {
                        let info = root
                            .entry("info")
                            .or_insert_with(|| json!({"title": api, "version": "1.0.0"}));
                        if let Some(info) = info.as_object_mut() {
                            info.insert("description".into(), Value::String(d));
                        }
                    }
                }
                "BinaryMediaTypes" => {
                    if let Some(Value::Array(list)) = self.r.tree(v, &p) {
                        // SAM writes `/` as `~1`.
                        let list: Vec<Value> = list
                            .into_iter()
                            .map(|x| match x {
                                Value::String(s) if sam => Value::String(s.replace("~1", "/")),
                                other => other,
                            })
                            .collect();
                        insert_before(
                            root,
                            "x-amazon-apigateway-binary-media-types",
                            Value::Array(list),
                            "paths",
                        );
                    }
                }
                "ApiKeySourceType" => {
                    if let Some(v) = self.r.tree(v, &p) {
                        insert_before(root, "x-amazon-apigateway-api-key-source", v, "paths");
                    }
                }
                "MinimumCompressionSize" => {
                    if let Some(v) = self.r.tree(v, &p) {
                        let v = match &v {
                            Value::String(s) => s.parse::<u64>().map(Value::from).unwrap_or(v),
                            _ => v,
                        };
                        insert_before(
                            root,
                            "x-amazon-apigateway-minimum-compression-size",
                            v,
                            "paths",
                        );
                    }
                }
                "Policy" => {
                    if let Some(v) = self.r.tree(v, &p) {
                        insert_before(root, "x-amazon-apigateway-policy", v, "paths");
                    }
                }
                "DisableExecuteApiEndpoint" => {
                    if let Some(b) = self.r.tree(v, &p).as_ref().and_then(as_bool) {
                        endpoint_configuration(root).insert(
                            "disableExecuteApiEndpoint".into(),
                            Value::Bool(b),
                        );
                    }
                }
                "EndpointConfiguration" => self.endpoint(root, v, &p),
                "GatewayResponses" if sam => self.sam_gateway_responses(root, v, &p),
                "Models" if sam => {
                    if let Some(Value::Object(models)) = self.r.tree(v, &p) {
                        let schemas = components(root, "schemas");
                        for (name, schema) in models {
                            schemas.entry(name).or_insert(schema);
                        }
                    }
                }
                "Auth" if sam => self.sam_auth(root, v, &p, &api),
                "Cors" if sam => self.r.note(
                    &p,
                    Some(&api),
                    "SAM's Cors adds OPTIONS methods and headers when the template is transformed: write them in the document instead (a MOCK OPTIONS method per path)",
                ),
                "Domain" => self.r.note(&p, Some(&api), "custom domains are not part of the API definition"),
                "Tags" | "PropagateTags" => self.r.note(&p, Some(&api), "tags are not carried"),
                "Parameters" => self.r.note(
                    &p,
                    Some(&api),
                    "import parameters (endpointConfigurationTypes, ignore, ...) are not carried",
                ),
                "FailOnWarnings" | "Mode" | "CloneFrom" | "OpenApiVersion" | "AlwaysDeploy"
                | "MergeDefinitions" => self.r.note(
                    &p,
                    Some(&api),
                    format!("{k}: how the definition is deployed, not part of it (the stack codegen emits sets its own)"),
                ),
                _ => self
                    .r
                    .note(&p, Some(&api), format!("{k}: not carried")),
            }
        }
        doc
    }

    fn endpoint(&mut self, root: &mut Map<String, Value>, v: &Value, p: &str) {
        let api = self.api.clone();
        let Some(v) = self.r.tree(v, p) else {
            return;
        };
        let mut types: Vec<String> = Vec::new();
        match &v {
            Value::String(s) => types.push(s.clone()),
            Value::Object(o) => {
                for (k, x) in o {
                    match k.as_str() {
                        "Types" => {
                            if let Value::Array(a) = x {
                                types.extend(a.iter().filter_map(scalar_string));
                            }
                        }
                        "Type" => types.extend(scalar_string(x)),
                        "VpcEndpointIds" | "VPCEndpointIds" => {
                            endpoint_configuration(root).insert("vpcEndpointIds".into(), x.clone());
                        }
                        _ => self.r.note(
                            &pointer_push(p, k),
                            Some(&api),
                            format!("{k}: not carried"),
                        ),
                    }
                }
            }
            _ => {}
        }
        // EDGE is what the stack codegen emits deploys anyway.
        types.retain(|t| t != "EDGE");
        if !types.is_empty() {
            self.r.note(
                p,
                Some(&api),
                format!(
                    "endpoint type {}: an OpenAPI document cannot say it (the stack codegen emits deploys the default, EDGE)",
                    types.join(", ")
                ),
            );
        }
    }

    /// SAM's `GatewayResponses` (`ResponseParameters: {Headers: {H: v}}`).
    /// SAM's `Auth`: of it only `ResourcePolicy.CustomStatements` is carried, appended to the
    /// definition's `x-amazon-apigateway-policy` as the SAM transform appends them (SAM's
    /// "ApiAuth"/"ResourcePolicyStatement" docs: "CustomStatements: A list of custom resource
    /// policy statements to apply to this API"); the rest is generated per path by the transform.
    fn sam_auth(&mut self, root: &mut Map<String, Value>, v: &Value, p: &str, api: &str) {
        let Some(auth) = v.as_object() else {
            self.r
                .note(p, Some(api), "Auth is not an object: not carried");
            return;
        };
        for (k, x) in auth {
            let at = format!("{p}/{k}");
            if k != "ResourcePolicy" {
                self.r.note(
                    &at,
                    Some(api),
                    format!("SAM's Auth.{k} is applied by the SAM transform: write securitySchemes and security in the document instead"),
                );
                continue;
            }
            let Some(rp) = x.as_object() else {
                self.r.note(
                    &at,
                    Some(api),
                    "ResourcePolicy is not an object: not carried",
                );
                continue;
            };
            for (rk, rv) in rp {
                let rat = format!("{at}/{rk}");
                if rk != "CustomStatements" {
                    self.r.note(
                        &rat,
                        Some(api),
                        format!("ResourcePolicy.{rk}: the statements SAM generates from it are not carried; write them as CustomStatements or x-amazon-apigateway-policy"),
                    );
                    continue;
                }
                let statements = match self.r.tree(rv, &rat) {
                    Some(Value::Array(a)) => a,
                    Some(one @ Value::Object(_)) => vec![one],
                    Some(_) => {
                        self.r.note(
                            &rat,
                            Some(api),
                            "CustomStatements must be a list of statements: not carried",
                        );
                        continue;
                    }
                    None => continue,
                };
                if !root.contains_key("x-amazon-apigateway-policy") {
                    let empty = json!({"Version": "2012-10-17", "Statement": []});
                    insert_before(root, "x-amazon-apigateway-policy", empty, "paths");
                }
                if let Some(Value::Object(pm)) = root.get_mut("x-amazon-apigateway-policy") {
                    let list = pm.entry("Statement").or_insert_with(|| json!([]));
                    if !list.is_array() {
                        *list = Value::Array(vec![list.take()]);
                    }
                    if let Value::Array(l) = list {
                        for st in statements {
                            if !l.contains(&st) {
                                l.push(st);
                            }
                        }
                    }
                }
            }
        }
    }

    fn sam_gateway_responses(&mut self, root: &mut Map<String, Value>, v: &Value, p: &str) {
        let Some(Value::Object(list)) = self.r.tree(v, p) else {
            return;
        };
        let mut out = Map::new();
        for (ty, gr) in list {
            let mut entry = Map::new();
            if let Some(s) = gr.get("StatusCode").and_then(scalar_string) {
                entry.insert("statusCode".into(), Value::String(s));
            }
            if let Some(Value::Object(rp)) = gr.get("ResponseParameters") {
                let mut params = Map::new();
                for (section, prefix) in [
                    ("Headers", "gatewayresponse.header."),
                    ("Paths", "gatewayresponse.path."),
                    ("QueryStrings", "gatewayresponse.querystring."),
                ] {
                    if let Some(Value::Object(m)) = rp.get(section) {
                        for (name, value) in m {
                            params.insert(format!("{prefix}{name}"), value.clone());
                        }
                    }
                }
                entry.insert("responseParameters".into(), Value::Object(params));
            }
            if let Some(t) = gr.get("ResponseTemplates") {
                entry.insert("responseTemplates".into(), t.clone());
            }
            out.insert(ty, Value::Object(entry));
        }
        let existing = root
            .entry("x-amazon-apigateway-gateway-responses")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(m) = existing.as_object_mut() {
            for (k, v) in out {
                m.entry(k).or_insert(v);
            }
        }
    }

    /// Methods, resources and models of an API that has a `Body`: the body is the definition.
    fn members_beside_body(&mut self) {
        for ty in [
            "AWS::ApiGateway::Resource",
            "AWS::ApiGateway::Method",
            "AWS::ApiGateway::Model",
            "AWS::ApiGateway::RequestValidator",
            "AWS::ApiGateway::Authorizer",
        ] {
            for id in self.members(ty) {
                self.used.insert(id.clone());
                self.r.note(
                    &res_ptr(&id),
                    Some(&id),
                    format!(
                        "{ty} beside the API's Body: the Body is the definition that is imported"
                    ),
                );
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // A REST API built from resources (`cdk synth`).
    // ---------------------------------------------------------------------------------------

    fn build_from_resources(&mut self) -> Value {
        let api = self.api.clone();
        let mut doc = Map::new();
        doc.insert("openapi".into(), json!("3.0.1"));
        doc.insert("info".into(), json!({"title": api, "version": "1.0.0"}));

        // Models.
        let mut model_names: Vec<(String, String)> = Vec::new();
        for id in self.members("AWS::ApiGateway::Model") {
            let props = self.t().props(&id).cloned().unwrap_or_default();
            // Unnamed, CloudFormation makes up a name; the schema's title (when it is one API
            // Gateway accepts) says more than the logical id.
            let parsed = match props.get("Schema") {
                Some(Value::String(text)) => serde_json::from_str::<Value>(text).ok(),
                other => other.cloned(),
            };
            let title = parsed
                .as_ref()
                .and_then(|s| s.get("title"))
                .and_then(Value::as_str)
                .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric()));
            let name = props
                .get("Name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| {
                    title
                        .filter(|t| !model_names.iter().any(|(_, n)| n == t))
                        .map(str::to_string)
                })
                .unwrap_or_else(|| self.t().short_id(&id).to_string());
            model_names.push((id, name));
        }
        let mut schemas = Map::new();
        for (id, name) in model_names.clone() {
            self.used.insert(id.clone());
            let props = self.t().props(&id).cloned().unwrap_or_default();
            let at = props_ptr(&id);
            let schema = match props.get("Schema") {
                Some(Value::String(text)) => match serde_json::from_str::<Value>(text) {
                    Ok(v) => v,
                    Err(e) => {
                        self.r.note(
                            &format!("{at}/Schema"),
                            Some(&id),
                            format!("the schema is not JSON ({e}): the model is empty"),
                        );
                        json!({})
                    }
                },
                Some(v) => v.clone(),
                None => json!({}),
            };
            let schema = model_refs(&schema, &model_names);
            let mut schema = self
                .r
                .tree(&schema, &format!("{at}/Schema"))
                .unwrap_or(json!({}));
            for (k, v) in &props {
                match k.as_str() {
                    "Name" | "Schema" | "RestApiId" => {}
                    "Description" if schema.get("description").is_none() && schema.is_object() => {
                        if let (Ok(d), Some(o)) = (
                            self.r.string(v, &pointer_push(&at, k)),
                            schema.as_object_mut(),
                        ) {
                            o.insert("description".into(), Value::String(d));
                        }
                    }
                    "ContentType" if v.as_str().is_none_or(|c| c == "application/json") => {}
                    _ => self.r.note(
                        &pointer_push(&at, k),
                        Some(&id),
                        format!("{k}: a schema of components/schemas has no such field"),
                    ),
                }
            }
            schemas.insert(name, schema);
        }

        // Request validators.
        let mut validators = Map::new();
        let mut validator_names: Vec<(String, String)> = Vec::new();
        for id in self.members("AWS::ApiGateway::RequestValidator") {
            self.used.insert(id.clone());
            let props = self.t().props(&id).cloned().unwrap_or_default();
            let name = props
                .get("Name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| self.t().short_id(&id).to_string());
            let body = props
                .get("ValidateRequestBody")
                .and_then(as_bool)
                .unwrap_or(false);
            let params = props
                .get("ValidateRequestParameters")
                .and_then(as_bool)
                .unwrap_or(false);
            validators.insert(
                name.clone(),
                json!({"validateRequestBody": body, "validateRequestParameters": params}),
            );
            validator_names.push((id, name));
        }

        // Authorizers.
        let mut schemes = Map::new();
        let mut authorizer_names: Vec<(String, String)> = Vec::new();
        for id in self.members("AWS::ApiGateway::Authorizer") {
            self.used.insert(id.clone());
            let (name, scheme) = self.authorizer(&id);
            schemes.insert(name.clone(), scheme);
            authorizer_names.push((id, name));
        }

        // Gateway responses.
        let mut gateway_responses = Map::new();
        for id in self.members("AWS::ApiGateway::GatewayResponse") {
            self.used.insert(id.clone());
            let props = self.t().props(&id).cloned().unwrap_or_default();
            let at = props_ptr(&id);
            let Some(ty) = props.get("ResponseType").and_then(Value::as_str) else {
                self.r
                    .note(&at, Some(&id), "a gateway response without ResponseType");
                continue;
            };
            let mut entry = Map::new();
            for (k, v) in &props {
                let p = pointer_push(&at, k);
                match k.as_str() {
                    "ResponseType" | "RestApiId" => {}
                    "StatusCode" => {
                        if let Ok(s) = self.r.string(v, &p) {
                            entry.insert("statusCode".into(), Value::String(s));
                        }
                    }
                    "ResponseParameters" => {
                        if let Some(v) = self.r.tree(v, &p) {
                            entry.insert("responseParameters".into(), v);
                        }
                    }
                    "ResponseTemplates" => {
                        if let Some(v) = self.r.tree(v, &p) {
                            entry.insert("responseTemplates".into(), v);
                        }
                    }
                    _ => self.r.note(&p, Some(&id), format!("{k}: not carried")),
                }
            }
            gateway_responses.insert(ty.to_string(), Value::Object(entry));
        }

        // Methods.
        let mut paths: Map<String, Value> = Map::new();
        for id in self.members("AWS::ApiGateway::Method") {
            self.used.insert(id.clone());
            let Some((path, method, op)) = self.method(
                &id,
                &model_names,
                &validator_names,
                &authorizer_names,
                &mut schemes,
            ) else {
                continue;
            };
            let item = paths
                .entry(path.clone())
                .or_insert_with(|| Value::Object(Map::new()));
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            if item.contains_key(&method) {
                self.r.note(
                    &res_ptr(&id),
                    Some(&id),
                    format!("a second {method} method on {path}: only the first is carried"),
                );
                continue;
            }
            item.insert(method, op);
        }
        for id in self.members("AWS::ApiGateway::Resource") {
            self.used.insert(id);
        }

        // API Gateway's built-in models, when a method names them.
        let mut referenced: Vec<String> = Vec::new();
        collect_schema_refs(&Value::Object(paths.clone()), &mut referenced);
        for name in referenced {
            if schemas.contains_key(&name) {
                continue;
            }
            match name.as_str() {
                "Empty" => {
                    schemas.insert(
                        name,
                        json!({"$schema": "http://json-schema.org/draft-04/schema#", "title": "Empty Schema", "type": "object"}),
                    );
                }
                "Error" => {
                    schemas.insert(
                        name,
                        json!({"$schema": "http://json-schema.org/draft-04/schema#", "title": "Error Schema", "type": "object", "properties": {"message": {"type": "string"}}}),
                    );
                }
                _ => {}
            }
        }

        if !validators.is_empty() {
            doc.insert(
                "x-amazon-apigateway-request-validators".into(),
                Value::Object(validators),
            );
        }
        if !gateway_responses.is_empty() {
            doc.insert(
                "x-amazon-apigateway-gateway-responses".into(),
                Value::Object(gateway_responses),
            );
        }
        doc.insert("paths".into(), Value::Object(paths));
        let mut comps = Map::new();
        if !schemas.is_empty() {
            comps.insert("schemas".into(), Value::Object(schemas));
        }
        if !schemes.is_empty() {
            comps.insert("securitySchemes".into(), Value::Object(schemes));
        }
        if !comps.is_empty() {
            doc.insert("components".into(), Value::Object(comps));
        }
        Value::Object(doc)
    }

    /// An `AWS::ApiGateway::Authorizer` as a security scheme.
    fn authorizer(&mut self, id: &str) -> (String, Value) {
        let props = self.t().props(id).cloned().unwrap_or_default();
        let at = props_ptr(id);
        let name = props
            .get("Name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| self.t().short_id(id).to_string());
        let ty = props
            .get("Type")
            .and_then(Value::as_str)
            .unwrap_or("TOKEN")
            .to_string();
        let mut authorizer = Map::new();
        authorizer.insert("type".into(), Value::String(ty.to_ascii_lowercase()));
        let mut header = "Authorization".to_string();
        let mut auth_type = if ty == "COGNITO_USER_POOLS" {
            "cognito_user_pools".to_string()
        } else {
            "custom".to_string()
        };
        for (k, v) in &props {
            let p = pointer_push(&at, k);
            let key = match k.as_str() {
                "Name" | "Type" | "RestApiId" => continue,
                "AuthType" => {
                    if let Ok(s) = self.r.string(v, &p) {
                        auth_type = s;
                    }
                    continue;
                }
                "AuthorizerUri" => "authorizerUri",
                "AuthorizerCredentials" => "authorizerCredentials",
                "AuthorizerResultTtlInSeconds" => "authorizerResultTtlInSeconds",
                "IdentitySource" => {
                    if let Some(h) = v
                        .as_str()
                        .and_then(|s| s.split(',').next())
                        .and_then(|s| s.trim().strip_prefix("method.request.header."))
                    {
                        header = h.to_string();
                    }
                    "identitySource"
                }
                "IdentityValidationExpression" => "identityValidationExpression",
                "ProviderARNs" => "providerARNs",
                _ => {
                    self.r.note(&p, Some(id), format!("{k}: not carried"));
                    continue;
                }
            };
            if let Some(v) = self.r.tree(v, &p) {
                authorizer.insert(key.into(), v);
            }
        }
        let scheme = json!({
            "type": "apiKey",
            "name": header,
            "in": "header",
            "x-amazon-apigateway-authtype": auth_type,
            "x-amazon-apigateway-authorizer": authorizer,
        });
        (name, scheme)
    }

    /// The path of an `AWS::ApiGateway::Resource` (or of the root, for `RootResourceId`).
    fn resource_path(&mut self, v: &Value, depth: usize) -> Result<String, String> {
        if depth > 64 {
            return Err("resources nest too deeply (a ParentId cycle?)".into());
        }
        if let Some((r, a)) = get_att_target(v)
            && r == self.api
            && a == "RootResourceId"
        {
            return Ok(String::new());
        }
        let Some(id) = ref_target(v) else {
            return Err(format!(
                "{v} is neither this API's RootResourceId nor a Ref to one of its resources"
            ));
        };
        let props = self
            .t()
            .props(id)
            .filter(|_| self.t().resource_type(id) == Some("AWS::ApiGateway::Resource"))
            .cloned()
            .ok_or_else(|| format!("{id} is not an AWS::ApiGateway::Resource of the template"))?;
        let parent = props
            .get("ParentId")
            .ok_or_else(|| format!("the resource {id} has no ParentId"))?;
        let parent = self.resource_path(parent, depth + 1)?;
        let part = props
            .get("PathPart")
            .ok_or_else(|| format!("the resource {id} has no PathPart"))?;
        let part = self
            .r
            .string(part, &format!("{}/PathPart", props_ptr(id)))?;
        Ok(format!("{parent}/{part}"))
    }

    fn method(
        &mut self,
        id: &str,
        models: &[(String, String)],
        validators: &[(String, String)],
        authorizers: &[(String, String)],
        schemes: &mut Map<String, Value>,
    ) -> Option<(String, String, Value)> {
        let props = self.t().props(id).cloned().unwrap_or_default();
        let at = props_ptr(id);
        let path = match props.get("ResourceId").map(|v| self.resource_path(v, 0)) {
            Some(Ok(p)) if p.is_empty() => "/".to_string(),
            Some(Ok(p)) => p,
            Some(Err(msg)) => {
                self.r.note(
                    &format!("{at}/ResourceId"),
                    Some(id),
                    format!("the method is not carried: {msg}"),
                );
                return None;
            }
            None => {
                self.r.note(
                    &at,
                    Some(id),
                    "the method is not carried: it has no ResourceId",
                );
                return None;
            }
        };
        let http_method = props
            .get("HttpMethod")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_uppercase();
        let key = match http_method.as_str() {
            "ANY" => "x-amazon-apigateway-any-method".to_string(),
            "GET" | "PUT" | "POST" | "DELETE" | "OPTIONS" | "HEAD" | "PATCH" => {
                http_method.to_ascii_lowercase()
            }
            other => {
                self.r.note(
                    &format!("{at}/HttpMethod"),
                    Some(id),
                    format!("the method is not carried: HttpMethod {other:?} is not an HTTP method API Gateway has"),
                );
                return None;
            }
        };

        let mut op = Map::new();
        if let Some(name) = props.get("OperationName")
            && let Ok(name) = self.r.string(name, &format!("{at}/OperationName"))
        {
            op.insert("operationId".into(), Value::String(name));
        }

        // Parameters: the path's `{name}` parts, then the method's request parameters.
        let mut parameters: Vec<Value> = Vec::new();
        let mut seen: HashSet<(String, String)> = HashSet::new();
        for seg in path.split('/') {
            if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                let name = name.trim_end_matches('+').to_string();
                seen.insert(("path".into(), name.clone()));
                parameters.push(json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}));
            }
        }
        if let Some(Value::Object(rp)) = props.get("RequestParameters") {
            for (k, v) in rp {
                let Some(rest) = k.strip_prefix("method.request.") else {
                    self.r.note(
                        &pointer_push(&format!("{at}/RequestParameters"), k),
                        Some(id),
                        "not a method.request.* parameter",
                    );
                    continue;
                };
                let Some((loc, name)) = rest.split_once('.') else {
                    continue;
                };
                let location = match loc {
                    "path" => "path",
                    "querystring" | "multivaluequerystring" => "query",
                    "header" | "multivalueheader" => "header",
                    _ => {
                        self.r.note(
                            &pointer_push(&format!("{at}/RequestParameters"), k),
                            Some(id),
                            format!("{loc} parameters have no OpenAPI location"),
                        );
                        continue;
                    }
                };
                if !seen.insert((location.to_string(), name.to_string())) {
                    continue;
                }
                let required = location == "path" || as_bool(v).unwrap_or(false);
                parameters.push(json!({"name": name, "in": location, "required": required, "schema": {"type": "string"}}));
            }
        }
        if !parameters.is_empty() {
            op.insert("parameters".into(), Value::Array(parameters));
        }

        // Request body models.
        if let Some(Value::Object(rm)) = props.get("RequestModels") {
            let mut content = Map::new();
            for (ct, m) in rm {
                let name = model_name(m, models);
                content.insert(
                    ct.clone(),
                    json!({"schema": {"$ref": format!("#/components/schemas/{name}")}}),
                );
            }
            op.insert("requestBody".into(), json!({"content": content}));
        }

        // Method responses.
        let mut responses = Map::new();
        if let Some(Value::Array(mrs)) = props.get("MethodResponses") {
            for (i, mr) in mrs.iter().enumerate() {
                let p = format!("{at}/MethodResponses/{i}");
                let Some(code) = mr.get("StatusCode").and_then(scalar_string) else {
                    self.r
                        .note(&p, Some(id), "a method response without StatusCode");
                    continue;
                };
                let mut resp = Map::new();
                resp.insert(
                    "description".into(),
                    Value::String(format!("{code} response")),
                );
                if let Some(Value::Object(params)) = mr.get("ResponseParameters") {
                    let mut headers = Map::new();
                    for (k, _) in params {
                        match k.strip_prefix("method.response.header.") {
                            Some(h) => {
                                headers
                                    .insert(h.to_string(), json!({"schema": {"type": "string"}}));
                            }
                            None => self.r.note(
                                &pointer_push(&format!("{p}/ResponseParameters"), k),
                                Some(id),
                                "not a method.response.header.* parameter",
                            ),
                        }
                    }
                    if !headers.is_empty() {
                        resp.insert("headers".into(), Value::Object(headers));
                    }
                }
                if let Some(Value::Object(rm)) = mr.get("ResponseModels") {
                    let mut content = Map::new();
                    for (ct, m) in rm {
                        let name = model_name(m, models);
                        content.insert(
                            ct.clone(),
                            json!({"schema": {"$ref": format!("#/components/schemas/{name}")}}),
                        );
                    }
                    resp.insert("content".into(), Value::Object(content));
                }
                responses.insert(code, Value::Object(resp));
            }
        }
        op.insert("responses".into(), Value::Object(responses));

        // Security.
        let mut requirement = Map::new();
        let auth = props
            .get("AuthorizationType")
            .and_then(Value::as_str)
            .unwrap_or("NONE")
            .to_string();
        match auth.as_str() {
            "NONE" => {}
            "AWS_IAM" => {
                schemes.entry("sigv4").or_insert_with(|| {
                    json!({"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"})
                });
                requirement.insert("sigv4".into(), json!([]));
            }
            "COGNITO_USER_POOLS" | "CUSTOM" => {
                let name = props
                    .get("AuthorizerId")
                    .and_then(ref_target)
                    .and_then(|a| authorizers.iter().find(|(i, _)| i == a))
                    .map(|(_, n)| n.clone());
                match name {
                    Some(n) => {
                        let scopes = props
                            .get("AuthorizationScopes")
                            .cloned()
                            .unwrap_or_else(|| json!([]));
                        requirement.insert(n, scopes);
                    }
                    None => self.r.note(
                        &format!("{at}/AuthorizerId"),
                        Some(id),
                        format!("AuthorizationType {auth} without an authorizer of this API: the method's authorization is not carried"),
                    ),
                }
            }
            other => self.r.note(
                &format!("{at}/AuthorizationType"),
                Some(id),
                format!("AuthorizationType {other}: not carried"),
            ),
        }
        if props.get("ApiKeyRequired").and_then(as_bool) == Some(true) {
            schemes
                .entry("api_key")
                .or_insert_with(|| json!({"type": "apiKey", "name": "x-api-key", "in": "header"}));
            requirement.insert("api_key".into(), json!([]));
        }
        if !requirement.is_empty() {
            op.insert("security".into(), json!([requirement]));
        }

        if let Some(v) = props.get("RequestValidatorId") {
            match ref_target(v).and_then(|r| validators.iter().find(|(i, _)| i == r)) {
                Some((_, name)) => {
                    op.insert(
                        "x-amazon-apigateway-request-validator".into(),
                        Value::String(name.clone()),
                    );
                }
                None => self.r.note(
                    &format!("{at}/RequestValidatorId"),
                    Some(id),
                    "names no request validator of this API",
                ),
            }
        }

        match props.get("Integration") {
            Some(Value::Object(integ)) => {
                let integ = self.integration(integ, &format!("{at}/Integration"), id);
                op.insert(
                    "x-amazon-apigateway-integration".into(),
                    Value::Object(integ),
                );
            }
            _ => self.r.note(
                &at,
                Some(id),
                "the method has no Integration (API Gateway cannot deploy it)",
            ),
        }

        for k in props.keys() {
            if ![
                "RestApiId",
                "ResourceId",
                "HttpMethod",
                "OperationName",
                "RequestParameters",
                "RequestModels",
                "MethodResponses",
                "AuthorizationType",
                "AuthorizerId",
                "AuthorizationScopes",
                "ApiKeyRequired",
                "RequestValidatorId",
                "Integration",
            ]
            .contains(&k.as_str())
            {
                self.r
                    .note(&pointer_push(&at, k), Some(id), format!("{k}: not carried"));
            }
        }
        Some((path, key, Value::Object(op)))
    }

    /// `Integration` as `x-amazon-apigateway-integration`.
    fn integration(
        &mut self,
        integ: &Map<String, Value>,
        at: &str,
        id: &str,
    ) -> Map<String, Value> {
        const KEYS: &[(&str, &str)] = &[
            ("Type", "type"),
            ("IntegrationHttpMethod", "httpMethod"),
            ("Uri", "uri"),
            ("Credentials", "credentials"),
            ("RequestTemplates", "requestTemplates"),
            ("RequestParameters", "requestParameters"),
            ("PassthroughBehavior", "passthroughBehavior"),
            ("TimeoutInMillis", "timeoutInMillis"),
            ("ContentHandling", "contentHandling"),
            ("CacheKeyParameters", "cacheKeyParameters"),
            ("CacheNamespace", "cacheNamespace"),
            ("ConnectionType", "connectionType"),
            ("ConnectionId", "connectionId"),
        ];
        let mut out = Map::new();
        for (from, to) in KEYS {
            let Some(v) = integ.get(*from) else {
                continue;
            };
            let p = pointer_push(at, from);
            let Some(v) = self.r.tree(v, &p) else {
                continue;
            };
            let v = match (*to, v) {
                ("timeoutInMillis", Value::String(s)) => s
                    .parse::<u64>()
                    .map(Value::from)
                    .unwrap_or(Value::String(s)),
                (_, v) => v,
            };
            out.insert(to.to_string(), v);
        }
        if let Some(Value::Array(list)) = integ.get("IntegrationResponses") {
            let mut responses = Map::new();
            for (i, ir) in list.iter().enumerate() {
                let p = format!("{at}/IntegrationResponses/{i}");
                let Some(ir) = ir.as_object() else {
                    continue;
                };
                let pattern = match ir.get("SelectionPattern") {
                    Some(v) => match self.r.string(v, &format!("{p}/SelectionPattern")) {
                        Ok(s) => s,
                        Err(msg) => {
                            self.r.note(
                                &format!("{p}/SelectionPattern"),
                                Some(id),
                                format!("the integration response is not carried: {msg}"),
                            );
                            continue;
                        }
                    },
                    None => String::new(),
                };
                let key = if pattern.is_empty() {
                    "default".to_string()
                } else {
                    pattern
                };
                if responses.contains_key(&key) {
                    self.r.note(
                        &p,
                        Some(id),
                        format!("a second integration response for {key:?}: OpenAPI keys them by selection pattern, only the first is carried"),
                    );
                    continue;
                }
                let mut resp = Map::new();
                for (k, v) in ir {
                    let q = pointer_push(&p, k);
                    let to = match k.as_str() {
                        "SelectionPattern" => continue,
                        "StatusCode" => "statusCode",
                        "ResponseTemplates" => "responseTemplates",
                        "ResponseParameters" => "responseParameters",
                        "ContentHandling" => "contentHandling",
                        _ => {
                            self.r.note(&q, Some(id), format!("{k}: not carried"));
                            continue;
                        }
                    };
                    if let Some(v) = self.r.tree(v, &q) {
                        let v = match (to, v) {
                            ("statusCode", Value::Number(n)) => Value::String(n.to_string()),
                            (_, v) => v,
                        };
                        resp.insert(to.into(), v);
                    }
                }
                // The extension's own order: statusCode first.
                let mut ordered = Map::new();
                for k in [
                    "statusCode",
                    "responseTemplates",
                    "responseParameters",
                    "contentHandling",
                ] {
                    if let Some(v) = resp.shift_remove(k) {
                        ordered.insert(k.into(), v);
                    }
                }
                responses.insert(key, Value::Object(ordered));
            }
            out.insert("responses".into(), Value::Object(responses));
        }
        for k in integ.keys() {
            if k != "IntegrationResponses" && !KEYS.iter().any(|(f, _)| f == k) {
                self.r
                    .note(&pointer_push(at, k), Some(id), format!("{k}: not carried"));
            }
        }
        integration_form(&mut out);
        out
    }

    // ---------------------------------------------------------------------------------------
    // The stage.
    // ---------------------------------------------------------------------------------------

    /// The stage of a REST API: its first `AWS::ApiGateway::Stage`, else the stage a
    /// `Deployment` creates.
    fn rest_stage(&mut self) -> Option<Map<String, Value>> {
        let stages = self.members("AWS::ApiGateway::Stage");
        let deployments = self.members("AWS::ApiGateway::Deployment");
        for d in &deployments {
            self.used.insert(d.clone());
        }
        if let Some(first) = stages.first().cloned() {
            for other in stages.iter().skip(1) {
                self.used.insert(other.clone());
                self.r.note(
                    &res_ptr(other),
                    Some(other),
                    format!("another stage of the API: the project deploys one stage (x-deploy-stage is {first})"),
                );
            }
            self.used.insert(first.clone());
            let props = self.t().props(&first).cloned().unwrap_or_default();
            for d in &deployments {
                self.deployment_leftovers(d, true);
            }
            return self.stage_from(&props, &props_ptr(&first), false);
        }
        let with_stage = deployments.iter().find(|d| {
            self.t()
                .props(d)
                .is_some_and(|p| p.contains_key("StageName"))
        });
        if let Some(d) = with_stage.cloned() {
            let props = self.t().props(&d).cloned().unwrap_or_default();
            let mut merged = Map::new();
            if let Some(v) = props.get("StageName") {
                merged.insert("StageName".into(), v.clone());
            }
            let stage = self.stage_from(&merged, &props_ptr(&d), false);
            let mut stage = stage.unwrap_or_default();
            if let Some(Value::Object(desc)) = props.get("StageDescription")
                && let Some(more) =
                    self.stage_from(desc, &format!("{}/StageDescription", props_ptr(&d)), false)
            {
                for (k, v) in more {
                    stage.entry(k).or_insert(v);
                }
            }
            self.deployment_leftovers(&d, false);
            return Some(order_stage(stage));
        }
        None
    }

    fn deployment_leftovers(&mut self, id: &str, stage_resource_exists: bool) {
        let props = self.t().props(id).cloned().unwrap_or_default();
        let at = props_ptr(id);
        for k in props.keys() {
            match k.as_str() {
                "RestApiId" | "Description" => {}
                "StageName" | "StageDescription" if !stage_resource_exists => {}
                _ => self.r.note(
                    &pointer_push(&at, k),
                    Some(id),
                    format!("{k}: the stack codegen emits makes its own deployment"),
                ),
            }
        }
    }

    /// `x-deploy-stage` from a Stage's (or SAM Api's, or a Deployment's StageDescription's)
    /// properties.
    fn stage_from(
        &mut self,
        props: &Map<String, Value>,
        at: &str,
        sam: bool,
    ) -> Option<Map<String, Value>> {
        let owner = at
            .strip_prefix("/Resources/")
            .and_then(|s| s.split('/').next())
            .map(|s| s.replace("~1", "/").replace("~0", "~"));
        let owner = owner.as_deref();
        let mut st = Map::new();
        for (k, v) in props {
            let p = pointer_push(at, k);
            if sam && !SAM_STAGE_KEYS.contains(&k.as_str()) {
                continue;
            }
            match k.as_str() {
                "RestApiId" | "DeploymentId" | "Description" => {}
                // A name, not a placeholder: with the parameters' defaults, declaring nothing.
                "StageName" => match self.r.concrete(v) {
                    Ok(name) => {
                        if !v.is_string() {
                            self.r.note(
                                &p,
                                owner,
                                format!("the stage name is taken with the template parameters' defaults: {name}"),
                            );
                        }
                        st.insert("name".into(), Value::String(name));
                    }
                    Err(msg) => self.r.note(&p, owner, msg),
                },
                "TracingEnabled" => {
                    if let Some(b) = self.r.tree(v, &p).as_ref().and_then(as_bool) {
                        st.insert("tracingEnabled".into(), Value::Bool(b));
                    }
                }
                "LoggingLevel" => {
                    if let Ok(l) = self.r.string(v, &p) {
                        st.insert("loggingLevel".into(), Value::String(l));
                    }
                }
                "MetricsEnabled" | "DataTraceEnabled" => {
                    if let Some(b) = self.r.tree(v, &p).as_ref().and_then(as_bool) {
                        let key = if k == "MetricsEnabled" {
                            "metricsEnabled"
                        } else {
                            "dataTraceEnabled"
                        };
                        st.insert(key.into(), Value::Bool(b));
                    }
                }
                "MethodSettings" => self.method_settings(v, &p, owner, &mut st),
                "Variables" => {
                    if let Some(Value::Object(vars)) = self.r.tree(v, &p) {
                        let vars: Map<String, Value> = vars
                            .into_iter()
                            .map(|(k, v)| {
                                let s = scalar_string(&v).unwrap_or_else(|| v.to_string());
                                (k, Value::String(s))
                            })
                            .collect();
                        st.insert("variables".into(), Value::Object(vars));
                    }
                }
                "AccessLogSetting" => {
                    if let Some(Value::Object(a)) = v.as_object().map(|_| v.clone()) {
                        for (ak, av) in &a {
                            let q = pointer_push(&p, ak);
                            match ak.as_str() {
                                "Format" => {
                                    if let Ok(f) = self.r.string(av, &q) {
                                        st.insert("accessLogFormat".into(), Value::String(f));
                                    }
                                }
                                "DestinationArn" => self.r.note(
                                    &q,
                                    owner,
                                    "the stack codegen emits writes access logs to a log group of its own",
                                ),
                                _ => self.r.note(&q, owner, format!("{ak}: not carried")),
                            }
                        }
                    }
                }
                _ => self.r.note(
                    &p,
                    owner,
                    format!("{k}: x-deploy-stage has no such setting"),
                ),
            }
        }
        (!st.is_empty()).then(|| order_stage(st))
    }

    fn method_settings(
        &mut self,
        v: &Value,
        p: &str,
        owner: Option<&str>,
        st: &mut Map<String, Value>,
    ) {
        let Some(Value::Array(list)) = self.r.tree(v, p) else {
            return;
        };
        for (i, ms) in list.iter().enumerate() {
            let q = format!("{p}/{i}");
            let Some(ms) = ms.as_object() else {
                continue;
            };
            let path = ms
                .get("ResourcePath")
                .and_then(Value::as_str)
                .unwrap_or("/*");
            let method = ms.get("HttpMethod").and_then(Value::as_str).unwrap_or("*");
            let throttling = throttle_of(ms, "ThrottlingRateLimit", "ThrottlingBurstLimit");
            if path != "/*" || method != "*" {
                // One method's entry: its throttle is carried (x-deploy-stage.methodSettings,
                // keyed /{resource path}/{METHOD}); its other settings are not.
                let Some(resource) = unescape_resource_path(path).filter(|_| method != "*") else {
                    self.r.note(
                        &q,
                        owner,
                        format!("method settings of {method} {path}: only one method's (or every method's) settings are carried"),
                    );
                    continue;
                };
                if let Some(t) = throttling {
                    let key = if resource == "/" {
                        format!("//{method}")
                    } else {
                        format!("{resource}/{method}")
                    };
                    let all = st
                        .entry("methodSettings")
                        .or_insert_with(|| Value::Object(Map::new()));
                    if let Some(all) = all.as_object_mut() {
                        all.insert(key, json!({"throttling": t}));
                    }
                }
                for k in ms.keys() {
                    if !matches!(
                        k.as_str(),
                        "ResourcePath"
                            | "HttpMethod"
                            | "ThrottlingRateLimit"
                            | "ThrottlingBurstLimit"
                    ) {
                        self.r.note(
                            &pointer_push(&q, k),
                            owner,
                            format!("{k} of {method} {path}: x-deploy-stage's settings other than throttling apply to every method"),
                        );
                    }
                }
                continue;
            }
            if let Some(t) = throttling {
                st.insert("throttling".into(), t);
            }
            for (k, x) in ms {
                match k.as_str() {
                    "ResourcePath"
                    | "HttpMethod"
                    | "ThrottlingRateLimit"
                    | "ThrottlingBurstLimit" => {}
                    "LoggingLevel" => {
                        if let Some(l) = scalar_string(x) {
                            st.insert("loggingLevel".into(), Value::String(l));
                        }
                    }
                    "MetricsEnabled" => {
                        if let Some(b) = as_bool(x) {
                            st.insert("metricsEnabled".into(), Value::Bool(b));
                        }
                    }
                    "DataTraceEnabled" => {
                        if let Some(b) = as_bool(x) {
                            st.insert("dataTraceEnabled".into(), Value::Bool(b));
                        }
                    }
                    _ => self.r.note(
                        &pointer_push(&q, k),
                        owner,
                        format!("{k}: x-deploy-stage has no such setting"),
                    ),
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------
    // What is left.
    // ---------------------------------------------------------------------------------------

    fn leftovers(&mut self, root: &Map<String, Value>, apis: &[String]) {
        let t = self.t();
        for (id, res) in &t.resources {
            if self.used.contains(id) || self.r.used_resources.contains(id) {
                continue;
            }
            let ty = res.get("Type").and_then(Value::as_str).unwrap_or("?");
            let owner = res
                .get("Properties")
                .and_then(|p| p.get("RestApiId"))
                .and_then(ref_target)
                .filter(|o| apis.iter().any(|a| a == o) && *o != self.api);
            let reason = if let Some(other) = owner {
                format!(
                    "{ty} of the REST API {other}, which is not the one imported (import it with api: {other})"
                )
            } else if apis.contains(id) {
                format!("another REST API of the template: import it with api: {id}")
            } else {
                match ty {
                    "AWS::CDK::Metadata" => continue,
                    "AWS::ApiGateway::UsagePlan" => {
                        format!("{ty}: its ApiStages do not name this API")
                    }
                    "AWS::ApiGateway::UsagePlanKey" | "AWS::ApiGateway::ApiKey" => {
                        format!(
                            "{ty}: API keys are not part of the API definition; give them to gateway serve as --api-key VALUE:PLAN (a plan of x-usage-plans) and create them beside the stack codegen emits"
                        )
                    }
                    "AWS::ApiGateway::Account" => format!(
                        "{ty}: the stack codegen emits sets the account's CloudWatch Logs role itself (parameter ConfigureApiGatewayAccount)"
                    ),
                    "AWS::Logs::LogGroup" => format!(
                        "{ty}: the stack codegen emits writes access logs to a log group of its own"
                    ),
                    "AWS::IAM::Role" => format!("{ty}: no integration of the API uses it"),
                    "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => format!(
                        "{ty}: not imported; the stack codegen emits allows its role exactly the DynamoDB actions of the integrations"
                    ),
                    _ if ty.starts_with("AWS::ApiGateway::") => {
                        format!("{ty}: not part of the API definition")
                    }
                    _ => format!("{ty}: not part of a REST API definition"),
                }
            };
            self.r.note(&res_ptr(id), Some(id), reason);
        }
        let params: Vec<String> = t.parameters.keys().cloned().collect();
        for p in params {
            if !self.r.used_parameters.contains(&p) {
                self.r.note(
                    &pointer_push("/Parameters", &p),
                    Some(&p),
                    "the parameter is not used by the API",
                );
            }
        }
        for section in ["Outputs", "Rules"] {
            if root
                .get(section)
                .is_some_and(|v| v.as_object().is_some_and(|o| !o.is_empty()))
            {
                self.r.note(
                    &format!("/{section}"),
                    None,
                    format!("the template's {section} are not carried (the stack codegen emits has its own)"),
                );
            }
        }
    }
}

/// `x-amazon-apigateway-endpoint-configuration` at the root, created when absent.
fn endpoint_configuration(root: &mut Map<String, Value>) -> &mut Map<String, Value> {
    if !root
        .get("x-amazon-apigateway-endpoint-configuration")
        .is_some_and(Value::is_object)
    {
        insert_before(
            root,
            "x-amazon-apigateway-endpoint-configuration",
            Value::Object(Map::new()),
            "paths",
        );
    }
    root.get_mut("x-amazon-apigateway-endpoint-configuration")
        .and_then(Value::as_object_mut)
        .expect("just inserted")
}

/// `components.<section>`, created when absent.
fn components<'a>(root: &'a mut Map<String, Value>, section: &str) -> &'a mut Map<String, Value> {
    let c = root
        .entry("components")
        .or_insert_with(|| Value::Object(Map::new()));
    if !c.is_object() {
        *c = Value::Object(Map::new());
    }
    let c = c.as_object_mut().expect("an object");
    let s = c
        .entry(section)
        .or_insert_with(|| Value::Object(Map::new()));
    if !s.is_object() {
        *s = Value::Object(Map::new());
    }
    s.as_object_mut().expect("an object")
}

/// A MethodSetting's `ResourcePath` (`/~1album~1{id}`; `/` the root) as the resource path
/// (`/album/{id}`); `None` for a wildcard or a path not written that way.
fn unescape_resource_path(p: &str) -> Option<String> {
    if p == "/" {
        return Some("/".into());
    }
    let rest = p.strip_prefix('/')?;
    if rest.contains('*') || !rest.starts_with("~1") {
        return None;
    }
    Some(rest.replace("~1", "/").replace("~0", "~"))
}

/// `{rateLimit, burstLimit}` from a map's two members (numbers, or numbers written as strings);
/// a missing one is AWS's account default (DG "Amazon API Gateway quotas": 10,000 per second,
/// burst 5,000), as the stage would have it.
fn throttle_of(m: &Map<String, Value>, rate: &str, burst: &str) -> Option<Value> {
    let num = |k: &str| {
        m.get(k).and_then(|v| match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        })
    };
    let (r, b) = (num(rate), num(burst));
    if r.is_none() && b.is_none() {
        return None;
    }
    let r = r.unwrap_or(10_000.0);
    let b = b.unwrap_or(5_000.0);
    Some(json!({"rateLimit": r, "burstLimit": b.max(0.0) as u64}))
}

fn order_stage(st: Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for k in [
        "name",
        "tracingEnabled",
        "loggingLevel",
        "metricsEnabled",
        "dataTraceEnabled",
        "accessLogFormat",
        "variables",
        "throttling",
        "methodSettings",
    ] {
        if let Some(v) = st.get(k) {
            out.insert(k.into(), v.clone());
        }
    }
    out
}

/// A model named by `RequestModels`/`ResponseModels`: a `Ref` to a Model resource, or a name.
fn model_name(v: &Value, models: &[(String, String)]) -> String {
    if let Some(id) = ref_target(v) {
        return models
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| id.to_string());
    }
    v.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| v.to_string())
}

/// `$ref`s between models (`https://apigateway.amazonaws.com/restapis/<api>/models/<name>`,
/// often an `Fn::Join` with `Ref`s) as `#/components/schemas/<name>`.
fn model_refs(v: &Value, models: &[(String, String)]) -> Value {
    match v {
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| {
                    if k == "$ref" {
                        let text = flatten(x, models);
                        if let Some(i) = text.rfind("/models/") {
                            let name = &text[i + "/models/".len()..];
                            return (
                                k.clone(),
                                Value::String(format!("#/components/schemas/{name}")),
                            );
                        }
                    }
                    (k.clone(), model_refs(x, models))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| model_refs(x, models)).collect()),
        other => other.clone(),
    }
}

/// A string out of a `$ref` value, `Ref`s to models as their names.
fn flatten(v: &Value, models: &[(String, String)]) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(o) if is_intrinsic(o) => {
            if let Some(id) = ref_target(v) {
                return model_name(&json!({"Ref": id}), models);
            }
            if let Some(Value::Array(a)) = o.get("Fn::Join")
                && a.len() == 2
            {
                let delimiter = a[0].as_str().unwrap_or("");
                if let Value::Array(parts) = &a[1] {
                    return parts
                        .iter()
                        .map(|p| flatten(p, models))
                        .collect::<Vec<_>>()
                        .join(delimiter);
                }
            }
            if let Some(Value::String(s)) = o.get("Fn::Sub") {
                let mut out = s.clone();
                for (id, name) in models {
                    out = out.replace(&format!("${{{id}}}"), name);
                }
                return out;
            }
            String::new()
        }
        _ => String::new(),
    }
}

/// Names of `#/components/schemas/X` references.
fn collect_schema_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if k == "$ref"
                    && let Some(name) = x
                        .as_str()
                        .and_then(|s| s.strip_prefix("#/components/schemas/"))
                {
                    if !out.iter().any(|n| n == name) {
                        out.push(name.to_string());
                    }
                } else {
                    collect_schema_refs(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_schema_refs(x, out)),
        _ => {}
    }
}
