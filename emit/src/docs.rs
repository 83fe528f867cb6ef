//! `generated/docs/api.md` and `generated/docs/index.html`: the API reference.
//!
//! For each operation: method and path, description, parameters, request schema, responses with
//! schemas, examples, and the integration (DynamoDB action, request template, response templates
//! with their selection patterns); then an error reference and the deploy commands. The examples
//! are not written by hand: at generation time each one is answered by an [`ExampleRunner`] (the
//! `codegen` binary's runs the local gateway over a fresh embedded store, with a fixed request-id
//! sequence and a fixed clock), so the responses shown are exactly what the document does and the
//! output is the same on every run. This crate only plans the requests and writes the pages: it
//! executes nothing. Markdown comes from a minijinja template; the HTML page is that
//! Markdown through pulldown-cmark inside one self-contained page (inline CSS, no script, no
//! external asset).

use serde_json::{Value, json};

use crate::rust::{ModelKind, Ty, TypeSpace};
use crate::{Artifact, EmitError};

/// The Markdown reference, relative to the workspace root.
pub const MD_PATH: &str = "generated/docs/api.md";
/// The HTML page, relative to the workspace root.
pub const HTML_PATH: &str = "generated/docs/index.html";

/// Response headers whose values are random on every request.
const RANDOM_HEADERS: &[&str] = &["x-amz-apigw-id", "X-Amzn-Trace-Id"];

/// The clock the examples' runner must use: 2025-11-24T16:00:00Z, any fixed instant would do.
pub const EXAMPLE_EPOCH_SECS: u64 = 1_764_000_000;

/// The request id of the `n`th example (from 1), so the pages are the same on every run.
pub fn example_request_id(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// One request of the docs' scenario, as the client would send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleRequest {
    pub method: String,
    /// Path and query, percent-encoded.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl ExampleRequest {
    fn new(method: impl Into<String>, target: impl Into<String>) -> ExampleRequest {
        ExampleRequest {
            method: method.into(),
            target: target.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    fn header(mut self, name: &str, value: &str) -> ExampleRequest {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    fn body(mut self, body: impl Into<Vec<u8>>) -> ExampleRequest {
        self.body = body.into();
        self
    }

    fn json(self, v: &Value) -> ExampleRequest {
        self.header("Content-Type", "application/json")
            .body(v.to_string())
    }
}

/// What the API answered to an [`ExampleRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl ExampleResponse {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Whatever executes the API for the docs: requests come one at a time, in the scenario's
/// order, against one store that starts empty (the document's tables created), with
/// [`example_request_id`] ids and the clock at [`EXAMPLE_EPOCH_SECS`].
pub trait ExampleRunner {
    fn answer(&mut self, request: &ExampleRequest) -> Result<ExampleResponse, String>;
}

/// Emit `generated/docs/api.md` and `generated/docs/index.html` for `api`, the examples answered
/// by `runner`.
pub fn emit(
    api: &apidef::Api,
    _options: &crate::Options,
    runner: &mut dyn ExampleRunner,
) -> Result<Vec<Artifact>, EmitError> {
    let space = TypeSpace::build(api)?;
    let examples = run_examples(api, runner)?;
    let context = context(api, &space, &examples);
    let md = render(MD_PATH, MARKDOWN, &context, false)?;
    let body = markdown_to_html(&md);
    let title = api
        .resolved
        .pointer("/info/title")
        .and_then(Value::as_str)
        .unwrap_or("API");
    let html = render(
        HTML_PATH,
        HTML,
        &json!({"title": title, "body": body, "css": CSS}),
        true,
    )?;
    Ok(vec![
        Artifact::new(MD_PATH, end_with_newline(md)),
        Artifact::new(HTML_PATH, end_with_newline(html)),
    ])
}

fn end_with_newline(mut s: String) -> String {
    while s.ends_with("\n\n") {
        s.pop();
    }
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

/// One request sent through the gateway and what it answered, as text.
#[derive(Debug, Clone)]
struct Example {
    /// The `operationId` (or label) of the operation it exercises, `None` for a routing miss.
    operation: Option<String>,
    title: String,
    request: String,
    status: u16,
    response: String,
}

/// Percent-encode a path segment outside RFC 3986's unreserved characters (as the client does).
fn encode_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The example body of an operation's JSON request body, if the document gives one.
fn body_example(api: &apidef::Api, op: &apidef::Operation) -> Option<Value> {
    let mut node = api
        .resolved
        .pointer(&format!("{}/requestBody", op.pointer))?;
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        node = api.resolve_ref(r).ok()?;
    }
    let media = node.get("content")?.get("application/json")?;
    if let Some(e) = media.get("example") {
        return Some(e.clone());
    }
    media
        .get("examples")?
        .as_object()?
        .values()
        .find_map(|e| e.get("value").cloned())
}

/// The request target for `op` with path parameters taken from `values` (matched by name,
/// ignoring case), or `None` when a path parameter has no value.
fn target_for(op: &apidef::Operation, values: &Value) -> Option<String> {
    let mut target = String::new();
    for segment in op.path.split('/').filter(|s| !s.is_empty()) {
        target.push('/');
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let name = name.trim_end_matches('+');
                let value = values.as_object()?.iter().find_map(|(k, v)| {
                    if k.eq_ignore_ascii_case(name) {
                        v.as_str().map(str::to_string)
                    } else {
                        None
                    }
                })?;
                target.push_str(&encode_segment(&value));
            }
            None => target.push_str(segment),
        }
    }
    if target.is_empty() {
        target.push('/');
    }
    Some(target)
}

/// One request of the scenario.
struct Step {
    /// The operation it is an example of; `None` for a routing miss.
    operation: Option<String>,
    title: String,
    request: ExampleRequest,
    /// `(header, query parameter)`: sent only when the previous response has `header`, with its
    /// value appended as `query parameter` (following a pagination cursor).
    follow: Option<(String, String)>,
}

impl Step {
    fn new(operation: Option<String>, title: &str, request: ExampleRequest) -> Step {
        Step {
            operation,
            title: title.to_string(),
            request,
            follow: None,
        }
    }
}

/// A paginated operation: a success response header `X-Next-{Name}` whose value goes back as
/// the query parameter `{name}` (the rule the client's pager uses too).
fn pagination(op: &apidef::Operation) -> Option<(String, String)> {
    op.responses
        .iter()
        .filter(|(status, _)| status.starts_with('2'))
        .flat_map(|(_, r)| r.headers.keys())
        .find_map(|h| {
            let name = h.to_ascii_lowercase();
            let name = name.strip_prefix("x-next-")?;
            op.parameters
                .iter()
                .find(|p| {
                    p.location == apidef::ParamLocation::Query && p.name.eq_ignore_ascii_case(name)
                })
                .map(|p| (h.clone(), p.name.clone()))
        })
}

/// The scenario: every operation with a request-body example (with its example), then every
/// read (`GET`; a paginated one also one item per page, then with its cursor followed), then
/// the other methods, then every `DELETE` twice (the second one shows the "not found" answer);
/// then three error paths (an invalid body, an unsupported media type, a route that does not
/// exist). Path parameters come from the first body example.
fn scenario(api: &apidef::Api) -> Vec<Step> {
    let mut steps = Vec::new();
    let label = |op: &apidef::Operation| Some(crate::rust::operation_name(op));
    let mut values = Value::Null;
    let mut with_body = None;
    for op in &api.operations {
        if let Some(body) = body_example(api, op)
            && let Some(target) = target_for(op, &body)
        {
            if values.is_null() {
                values = body.clone();
            }
            with_body.get_or_insert((op, target.clone()));
            steps.push(Step::new(
                label(op),
                "The request body's example",
                ExampleRequest::new(op.method.to_uppercase(), target).json(&body),
            ));
        }
    }
    let order = |m: &str| match m {
        "GET" => 0,
        "DELETE" => 2,
        _ => 1,
    };
    let mut rest: Vec<&apidef::Operation> = api
        .operations
        .iter()
        .filter(|op| op.request_body.is_none())
        .collect();
    rest.sort_by_key(|op| order(&op.method.to_uppercase()));
    for op in rest {
        let Some(target) = target_for(op, &values) else {
            continue;
        };
        let method = op.method.to_uppercase();
        steps.push(Step::new(
            label(op),
            "With the example stored",
            ExampleRequest::new(method.clone(), target.clone()),
        ));
        if method == "DELETE" {
            steps.push(Step::new(
                label(op),
                "Again, once it is gone",
                ExampleRequest::new(method.clone(), target.clone()),
            ));
        }
        // Integer query parameters at their minimum make the one stored item fill a page.
        if let Some((header, param)) = pagination(op) {
            let query: Vec<String> = op
                .parameters
                .iter()
                .filter(|p| p.location == apidef::ParamLocation::Query)
                .filter_map(|p| {
                    let schema = p.schema.as_ref()?;
                    if schema.get("type").and_then(Value::as_str) != Some("integer") {
                        return None;
                    }
                    let min = schema.get("minimum").and_then(Value::as_i64)?;
                    Some(format!("{}={min}", encode_segment(&p.name)))
                })
                .collect();
            if !query.is_empty() {
                let first = format!("{target}?{}", query.join("&"));
                steps.push(Step::new(
                    label(op),
                    "One item per page",
                    ExampleRequest::new(method.clone(), first.clone()),
                ));
                steps.push(Step {
                    follow: Some((header.clone(), param)),
                    ..Step::new(
                        label(op),
                        &format!("The next page, from `{header}`"),
                        ExampleRequest::new(method.clone(), first),
                    )
                });
            }
        }
    }
    if let Some((op, target)) = with_body {
        steps.push(Step::new(
            label(op),
            "A body that breaks the request schema",
            ExampleRequest::new(op.method.to_uppercase(), target.clone()).json(&json!({})),
        ));
        steps.push(Step::new(
            label(op),
            "A Content-Type with no mapping template",
            ExampleRequest::new(op.method.to_uppercase(), target)
                .header("Content-Type", "text/plain")
                .body("hello"),
        ));
    }
    steps.push(Step::new(
        None,
        "A route that does not exist",
        ExampleRequest::new("GET", "/no/such/route/here"),
    ));
    steps
}

fn request_text(r: &ExampleRequest) -> String {
    let mut s = format!("{} {} HTTP/1.1\n", r.method, r.target);
    let mut headers = r.headers.clone();
    if !r.body.is_empty()
        && !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
    {
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    for (k, v) in &headers {
        s.push_str(&format!("{k}: {v}\n"));
    }
    if !r.body.is_empty() {
        s.push('\n');
        let text = String::from_utf8_lossy(&r.body);
        // Shown pretty; sent compact (the gateway's validator and template see the same JSON).
        match serde_json::from_str::<Value>(&text) {
            Ok(v) => {
                s.push_str(&serde_json::to_string_pretty(&v).unwrap_or_else(|_| text.to_string()))
            }
            Err(_) => s.push_str(&text),
        }
        s.push('\n');
    }
    s
}

fn response_text(r: &ExampleResponse) -> String {
    let mut s = format!("HTTP/1.1 {}\n", r.status);
    for (k, v) in &r.headers {
        // The gateway draws these two at random for every request and has no option to fix
        // them (request ids and the clock it does have), so the page shows a placeholder.
        if RANDOM_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(k)) {
            s.push_str(&format!("{k}: <random>\n"));
        } else {
            s.push_str(&format!("{k}: {v}\n"));
        }
    }
    if !r.body.is_empty() {
        s.push('\n');
        // Exactly the bytes the gateway answered.
        s.push_str(&String::from_utf8_lossy(&r.body));
        if !r.body.ends_with(b"\n") {
            s.push('\n');
        }
    }
    s
}

/// Run the scenario through `runner`.
fn run_examples(
    api: &apidef::Api,
    runner: &mut dyn ExampleRunner,
) -> Result<Vec<Example>, EmitError> {
    let mut out = Vec::new();
    let mut previous: Option<ExampleResponse> = None;
    for step in scenario(api) {
        let mut request = step.request;
        if let Some((header, param)) = &step.follow {
            let Some(value) = previous.as_ref().and_then(|r| r.header(header)) else {
                continue;
            };
            let separator = if request.target.contains('?') {
                '&'
            } else {
                '?'
            };
            request.target = format!(
                "{}{separator}{}={}",
                request.target,
                encode_segment(param),
                encode_segment(value)
            );
        }
        let response = runner
            .answer(&request)
            .map_err(|message| EmitError::Serialize {
                artifact: MD_PATH.to_string(),
                message: format!("example {} {}: {message}", request.method, request.target),
            })?;
        out.push(Example {
            operation: step.operation,
            title: step.title,
            request: request_text(&request),
            status: response.status,
            response: response_text(&response),
        });
        previous = Some(response);
    }
    Ok(out)
}

/// An HTML id for a name: lowercase ASCII letters and digits, everything else `-`.
fn anchor(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// A template's source ending in exactly one newline (so the closing fence starts a line).
fn with_newline(s: &str) -> String {
    format!("{}\n", s.trim_end_matches('\n'))
}

fn schema_json(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// A body type for the docs: the type name and, for a component, an anchor to its schema.
fn ty_doc(space: &TypeSpace, ty: &Ty) -> Value {
    let component = match ty {
        Ty::Named(n) => space
            .components
            .iter()
            .find(|(_, rust)| *rust == n)
            .map(|(k, _)| k.clone()),
        _ => None,
    };
    let anchor = component.as_deref().map(anchor);
    json!({"rust": ty.describe(), "component": component, "anchor": anchor})
}

fn context(api: &apidef::Api, space: &TypeSpace, examples: &[Example]) -> Value {
    let info = api.resolved.get("info").cloned().unwrap_or(Value::Null);
    let mut operations = Vec::new();
    // status -> description -> operations
    let mut statuses: std::collections::BTreeMap<String, indexmap::IndexMap<String, Vec<String>>> =
        std::collections::BTreeMap::new();
    for op in &api.operations {
        let name = crate::rust::operation_name(op);
        let params: Vec<Value> = op
            .parameters
            .iter()
            .map(|p| {
                json!({
                    "name": p.name,
                    "in": p.location.apigw_name(),
                    "required": p.required,
                    "schema": p.schema.as_ref().map(|s| {
                        let mut s = s.clone();
                        if let Value::Object(o) = &mut s {
                            // The apidef crate adds it for the validator; it says nothing here.
                            o.remove("$schema");
                        }
                        serde_json::to_string(&s).unwrap_or_default()
                    }),
                    "description": p.description,
                })
            })
            .collect();
        let request = op.request_body.as_ref().map(|b| {
            let ty = space
                .bodies
                .get(&(op.pointer.clone(), "request".to_string()))
                .map(|t| ty_doc(space, t));
            json!({
                "required": b.required,
                "content_types": b.content.keys().collect::<Vec<_>>(),
                "type": ty,
                "schema": crate::rust::json_body_schema(api, &format!("{}/requestBody", op.pointer))
                    .filter(|(_, s)| s.get("$ref").is_none())
                    .map(|(_, s)| schema_json(&s)),
            })
        });
        let responses: Vec<Value> = op
            .responses
            .iter()
            .map(|(status, r)| {
                if !status.starts_with(['1', '2', '3']) {
                    statuses
                        .entry(status.clone())
                        .or_default()
                        .entry(r.description.clone())
                        .or_default()
                        .push(name.clone());
                }
                let ty = space
                    .bodies
                    .get(&(op.pointer.clone(), status.clone()))
                    .map(|t| ty_doc(space, t));
                let headers: Vec<Value> = r
                    .headers
                    .iter()
                    .map(|(h, v)| {
                        json!({"name": h, "description": v.get("description").and_then(Value::as_str)})
                    })
                    .collect();
                json!({
                    "status": status,
                    "description": r.description,
                    "type": ty,
                    "headers": headers,
                })
            })
            .collect();
        let integ = &op.integration;
        let request_templates: Vec<Value> = integ
            .request_templates
            .values()
            .map(|t| json!({"content_type": t.content_type, "source": with_newline(&t.source)}))
            .collect();
        let integration_responses: Vec<Value> = integ
            .responses
            .iter()
            .map(|r| {
                json!({
                    "key": r.key,
                    "pattern": r.selection_pattern.as_ref().map(|_| r.key.clone()),
                    "status": r.status_code,
                    "parameters": r.response_parameters.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
                    "templates": r.response_templates.values().map(|t| json!({"content_type": t.content_type, "source": with_newline(&t.source)})).collect::<Vec<_>>(),
                })
            })
            .collect();
        let examples: Vec<Value> = examples
            .iter()
            .filter(|e| e.operation.as_deref() == Some(name.as_str()))
            .map(|e| json!({"title": e.title, "request": e.request, "response": e.response, "status": e.status}))
            .collect();
        operations.push(json!({
            "anchor": anchor(&name),
            "name": name,
            "method": op.method.to_uppercase(),
            "path": op.path,
            "summary": op.summary,
            "description": op.description,
            "params": params,
            "request": request,
            "responses": responses,
            "examples": examples,
            "integration": {
                "type": integ.integration_type.as_str(),
                "action": integ.dynamodb_action(),
                "uri": integ.uri,
                "http_method": integ.http_method,
                "passthrough": format!("{:?}", integ.passthrough_behavior),
                "request_templates": request_templates,
                "responses": integration_responses,
            },
        }));
    }
    let schemas: Vec<Value> = space
        .components
        .iter()
        .map(|(json_name, rust)| {
            let schema = api
                .resolved
                .pointer(&format!(
                    "/components/schemas/{}",
                    crate::rust::naming::escape_pointer(json_name)
                ))
                .cloned()
                .unwrap_or(Value::Null);
            let kind = match space.model(rust).map(|m| &m.kind) {
                Some(ModelKind::Struct { .. }) => "struct",
                Some(ModelKind::Enum { .. }) => "enum",
                _ => "newtype",
            };
            json!({
                "name": json_name,
                "anchor": anchor(json_name),
                "rust": rust,
                "kind": kind,
                "description": schema.get("description").and_then(Value::as_str),
                "schema": schema_json(&schema),
            })
        })
        .collect();
    let statuses: Vec<Value> = statuses
        .into_iter()
        .flat_map(|(status, meanings)| {
            meanings.into_iter().map(move |(description, operations)| {
                json!({"status": status, "description": description, "operations": operations})
            })
        })
        .collect();
    let gateway_responses: Vec<Value> = api
        .gateway_responses
        .iter()
        .map(|(k, g)| {
            let default_status = apidef::model::GATEWAY_RESPONSE_TYPES
                .iter()
                .find(|(t, _)| t == k)
                .and_then(|(_, s)| *s);
            json!({
                "type": k,
                "status": g.status_code.clone().or(default_status.map(|s| s.to_string())),
                "templates": g.response_templates.iter().map(|(ct, t)| json!({"content_type": ct, "source": with_newline(t)})).collect::<Vec<_>>(),
            })
        })
        .collect();
    // Every gateway response type API Gateway can send, the template it uses: its own, else
    // the document's DEFAULT_4XX/DEFAULT_5XX by its status, else API Gateway's built-in one.
    let gateway_types: Vec<Value> = apidef::model::GATEWAY_RESPONSE_TYPES
        .iter()
        .filter_map(|(t, status)| {
            let status = api
                .gateway_responses
                .get(*t)
                .and_then(|g| g.status_code.clone())
                .or(status.map(|s| s.to_string()))?;
            let fallback = if status.starts_with('5') {
                "DEFAULT_5XX"
            } else {
                "DEFAULT_4XX"
            };
            let template = if api.gateway_responses.contains_key(*t) {
                (*t).to_string()
            } else if api.gateway_responses.contains_key(fallback) {
                fallback.to_string()
            } else {
                "API Gateway's built-in `{\"message\": ...}`".to_string()
            };
            Some(json!({"type": t, "status": status, "template": template}))
        })
        .collect();
    // The one schema every declared error response uses, if there is one.
    let error_schemas: std::collections::BTreeSet<String> = api
        .operations
        .iter()
        .flat_map(|op| {
            op.responses
                .keys()
                .filter(|status| !status.starts_with(['1', '2', '3']))
                .map(
                    |status| match space.bodies.get(&(op.pointer.clone(), status.clone())) {
                        Some(Ty::Named(n)) => space
                            .components
                            .iter()
                            .find(|(_, rust)| *rust == n)
                            .map(|(k, _)| k.clone())
                            .unwrap_or_default(),
                        _ => String::new(),
                    },
                )
        })
        .collect();
    let error_schema = match error_schemas.iter().collect::<Vec<_>>().as_slice() {
        [one] if !one.is_empty() => Some((*one).clone()),
        _ => None,
    };
    let error_examples: Vec<Value> = examples
        .iter()
        .filter(|e| e.status >= 400)
        .map(|e| json!({"title": e.title, "request": e.request, "response": e.response}))
        .collect();
    json!({
        "info": info,
        "stage": api.stage.name,
        "operations": operations,
        "schemas": schemas,
        "statuses": statuses,
        "gateway_responses": gateway_responses,
        "gateway_types": gateway_types,
        "error_schema_anchor": error_schema.as_deref().map(anchor),
        "error_schema": error_schema,
        "error_examples": error_examples,
        "example_epoch": EXAMPLE_EPOCH_SECS,
    })
}

/// serde_json to minijinja (the workspace's minijinja has no `serde` feature).
fn to_template_value(v: &Value) -> minijinja::Value {
    match v {
        Value::Null => minijinja::Value::from(()),
        Value::Bool(b) => minijinja::Value::from(*b),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => minijinja::Value::from(i),
            (None, Some(f)) => minijinja::Value::from(f),
            _ => minijinja::Value::from(n.to_string()),
        },
        Value::String(s) => minijinja::Value::from(s.as_str()),
        Value::Array(a) => {
            minijinja::Value::from(a.iter().map(to_template_value).collect::<Vec<_>>())
        }
        Value::Object(o) => minijinja::Value::from(
            o.iter()
                .map(|(k, v)| (k.clone(), to_template_value(v)))
                .collect::<std::collections::BTreeMap<String, minijinja::Value>>(),
        ),
    }
}

fn render(path: &str, source: &str, context: &Value, html: bool) -> Result<String, EmitError> {
    let failed = |e: minijinja::Error| EmitError::Serialize {
        artifact: path.to_string(),
        message: format!("template: {e}"),
    };
    let mut env = minijinja::Environment::new();
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
        .map_err(failed)?;
    env.set_syntax(syntax);
    // A Markdown table cell: one line, `|` escaped.
    env.add_filter("cell", |s: Option<String>| -> String {
        s.unwrap_or_default()
            .replace('|', "\\|")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    });
    // A fence longer than any run of backticks in the text, so a template cannot close it.
    env.add_filter("fence", |s: Option<String>| -> String {
        let s = s.unwrap_or_default();
        let mut longest = 0;
        let mut run = 0;
        for c in s.chars() {
            if c == '`' {
                run += 1;
                longest = longest.max(run);
            } else {
                run = 0;
            }
        }
        "`".repeat((longest + 1).max(3))
    });
    let name = if html { "page.html" } else { "page.md" };
    env.add_template(name, source).map_err(failed)?;
    let template = env.get_template(name).map_err(failed)?;
    template.render(to_template_value(context)).map_err(failed)
}

/// Markdown to HTML. Descriptions in the document are CommonMark, which allows raw HTML; the page
/// promises no script and no external asset, so raw HTML is shown as text, except the anchors
/// this module writes itself (`<a id="..."></a>` with an id made by [`anchor`]).
fn markdown_to_html(md: &str) -> String {
    use pulldown_cmark::{CowStr, Event};
    // CommonMark reads `<a id="x"></a>` inside a paragraph as two inline HTML events.
    let own_anchor = |html: &str| {
        let html = html.trim_end();
        html == "</a>"
            || html
                .strip_prefix("<a id=\"")
                .and_then(|rest| rest.strip_suffix("\">"))
                .is_some_and(|id| {
                    id.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                })
    };
    let options = pulldown_cmark::Options::ENABLE_TABLES;
    let parser = pulldown_cmark::Parser::new_ext(md, options).map(|event| match event {
        Event::Html(h) | Event::InlineHtml(h) if own_anchor(&h) => Event::InlineHtml(h),
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(CowStr::from(h.into_string())),
        other => other,
    });
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    html
}

const MARKDOWN: &str = r#"# {{ info.title }} {{ info.version }}

{{ info.description }}

Written by `codegen` from `openapi.yaml`; do not edit by hand. Every example below was sent
through the local gateway (`gateway::Gateway` over a fresh embedded DynamoDB store) when this
page was generated, so each response is exactly what the document does. Request ids are a fixed
sequence and the clock is fixed at Unix time {{ example_epoch }}, so the page is the same on
every run (the two headers the gateway draws at random, `x-amz-apigw-id` and `X-Amzn-Trace-Id`,
show `<random>`); a deployed stage answers with its own ids and times. Paths are shown without the
stage: the invoke URL is `https://{api-id}.execute-api.{region}.amazonaws.com/{{ stage }}`.

## Operations

| operation | method | path | summary |
|---|---|---|---|
{% for op in operations %}
| [`{{ op.name }}`](#op-{{ op.anchor }}) | {{ op.method }} | `{{ op.path }}` | {{ op.summary | cell }} |
{% endfor %}

{% for op in operations %}
<a id="op-{{ op.anchor }}"></a>

## {{ op.method }} {{ op.path }} ({{ op.name }})

{% if op.summary %}
**{{ op.summary }}**

{% endif %}
{% if op.description %}
{{ op.description }}

{% endif %}
### Parameters

{% if op.params %}
| name | in | required | schema | description |
|---|---|---|---|---|
{% for p in op.params %}
| `{{ p.name }}` | {{ p.in }} | {{ "yes" if p.required else "no" }} | `{{ p.schema | cell }}` | {{ p.description | cell }} |
{% endfor %}
{% else %}
None.
{% endif %}

### Request body

{% if op.request %}
{{ "Required" if op.request.required else "Optional" }}, content type {% for ct in op.request.content_types %}`{{ ct }}`{{ ", " if not loop.last }}{% endfor %}{% if op.request.type %}: {% if op.request.type.component %}[{{ op.request.type.component }}](#schema-{{ op.request.type.anchor }}) (Rust `generated::models::{{ op.request.type.rust }}`){% else %}{{ op.request.type.rust }}{% endif %}{% endif %}.

{% if op.request.schema %}
{% set f = op.request.schema | fence %}
{{ f }}json
{{ op.request.schema }}
{{ f }}

{% endif %}
{% else %}
None.

{% endif %}
### Responses

| status | description | body | headers |
|---|---|---|---|
{% for r in op.responses %}
| {{ r.status }} | {{ r.description | cell }} | {% if r.type %}{% if r.type.component %}[{{ r.type.component }}](#schema-{{ r.type.anchor }}){% else %}{{ r.type.rust }}{% endif %}{% else %}none{% endif %} | {% for h in r.headers %}`{{ h.name }}`: {{ h.description | cell }}{{ "; " if not loop.last }}{% endfor %} |
{% endfor %}

### Examples

{% for e in op.examples %}
#### {{ e.title }}

{% set f = e.request | fence %}
{{ f }}http
{{ e.request }}{{ f }}

{% set f = e.response | fence %}
{{ f }}http
{{ e.response }}{{ f }}

{% else %}
None: the document gives no example this operation can use.

{% endfor %}
### Integration

{{ op.integration.type }} integration{% if op.integration.action %}, DynamoDB action **{{ op.integration.action }}**{% endif %}{% if op.integration.uri %} (`{{ op.integration.uri }}`){% endif %}, passthrough behavior `{{ op.integration.passthrough }}`.

{% for t in op.integration.request_templates %}
Request template for `{{ t.content_type }}`:

{% set f = t.source | fence %}
{{ f }}velocity
{{ t.source }}{{ f }}

{% endfor %}
Integration responses, chosen by matching the backend status against each selection pattern (a
whole-string Java regular expression), else `default`:

{% for r in op.integration.responses %}
#### {% if r.pattern %}Selection pattern `{{ r.pattern }}`{% else %}`{{ r.key }}`{% endif %} -> {{ r.status }}

{% for p in r.parameters %}
- `{{ p.name }}` = `{{ p.value }}`
{% endfor %}
{% if r.parameters %}

{% endif %}
{% for t in r.templates %}
{% set f = t.source | fence %}
{{ f }}velocity
{{ t.source }}{{ f }}

{% endfor %}
{% endfor %}
{% endfor %}
## Schemas

{% for s in schemas %}
<a id="schema-{{ s.anchor }}"></a>

### {{ s.name }}

{% if s.description %}
{{ s.description }}

{% endif %}
Rust: `generated::models::{{ s.rust }}` ({{ s.kind }}).

{% set f = s.schema | fence %}
{{ f }}json
{{ s.schema }}
{{ f }}

{% endfor %}
## Error reference

{% if error_schema %}
Every error response the document declares has the body [{{ error_schema }}](#schema-{{ error_schema_anchor }}).
{% endif %}

### Statuses

Every error status an operation declares, what it means, and which operations declare it:

| status | meaning | operations |
|---|---|---|
{% for s in statuses %}
| {{ s.status }} | {{ s.description | cell }} | {% for o in s.operations %}`{{ o }}`{{ ", " if not loop.last }}{% endfor %} |
{% endfor %}

### Gateway responses

API Gateway's own errors (validator, routing, authorization, throttling) are gateway responses.
Every type, its status, and the template that writes its body:

| type | status | template |
|---|---|---|
{% for g in gateway_types %}
| `{{ g.type }}` | {{ g.status }} | {{ g.template }} |
{% endfor %}

The document's templates:

{% for g in gateway_responses %}
#### {{ g.type }}{% if g.status %} ({{ g.status }}){% endif %}

{% for t in g.templates %}
{% set f = t.source | fence %}
{{ f }}velocity
{{ t.source }}{{ f }}

{% endfor %}
{% endfor %}
### Error examples

{% for e in error_examples %}
#### {{ e.title }}

{% set f = e.request | fence %}
{{ f }}http
{{ e.request }}{{ f }}

{% set f = e.response | fence %}
{{ f }}http
{{ e.response }}{{ f }}

{% endfor %}
## Deploy

Import the API definition into API Gateway (a new REST API; `--fail-on-warnings` makes any
warning an error):

```sh
aws apigateway import-rest-api --body fileb://generated/apigateway.json --fail-on-warnings
```

Or deploy the whole stack (table, IAM role, API, stage):

```sh
aws cloudformation deploy --template-file generated/cloudformation.yaml --stack-name albums --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND
```
"#;

const HTML: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
{{ css | safe }}
</style>
</head>
<body>
<main>
{{ body | safe }}
</main>
</body>
</html>
"#;

const CSS: &str = "body { margin: 0; background: #f6f7f9; color: #1d2330; font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', sans-serif; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 2rem 4rem; background: #fff; }
h1 { border-bottom: 3px solid #2f6fdb; padding-bottom: .3rem; }
h2 { margin-top: 2.5rem; border-bottom: 1px solid #d7dbe3; padding-bottom: .2rem; }
h3 { margin-top: 1.6rem; }
h4 { margin: 1.2rem 0 .4rem; color: #3a4458; }
table { border-collapse: collapse; width: 100%; margin: .6rem 0; font-size: 14px; }
th, td { border: 1px solid #d7dbe3; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef2f8; }
code { font: 13px/1.4 ui-monospace, 'DejaVu Sans Mono', monospace; background: #f0f2f5; padding: 0 .2rem; border-radius: 3px; }
pre { background: #1f2430; color: #e6e9ef; padding: .7rem .9rem; border-radius: 5px; overflow-x: auto; }
pre code { background: none; padding: 0; color: inherit; }
a { color: #2f6fdb; }";
