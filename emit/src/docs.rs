//! `generated/docs/api.md` and `generated/docs/index.html`: the API reference.
//!
//! For each operation: method and path, description, parameters, request schema, responses with
//! schemas, examples, and the integration (DynamoDB action, request template, response templates
//! with their selection patterns); then an error reference and the deploy commands. The examples
//! are not written by hand: at generation time each one is answered by an [`ExampleRunner`] (the
//! `codegen` binary's runs the local gateway over a fresh embedded store, with a fixed request-id
//! sequence and a fixed clock), so the responses shown are exactly what the document does and the
//! output is the same on every run. Where the document gives an operation no example, the
//! request is made from its parameter and body schemas ([`sample`]; a body with no schema from
//! the fields its request template reads) and marked on the page as generated. This crate only
//! plans the requests and writes the pages: it executes nothing. Markdown comes from a minijinja template; the HTML page is that
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

/// The API key the examples send to a method that requires one; the examples' runner must
/// accept it (unmetered).
pub const EXAMPLE_API_KEY: &str = "example-api-key-0123456789";

/// The credential (`ACCESS_KEY_ID:SECRET`, AWS's documentation example) the examples sign
/// `AWS_IAM` requests with; the examples' runner must accept it.
pub const EXAMPLE_IAM_CREDENTIAL: &str = "AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

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
    /// The method is `AWS_IAM`: the runner signs the request (SigV4, execute-api) with
    /// [`EXAMPLE_IAM_CREDENTIAL`] before it sends it; the page says so in place of the headers.
    pub sigv4: bool,
}

impl ExampleRequest {
    fn new(method: impl Into<String>, target: impl Into<String>) -> ExampleRequest {
        ExampleRequest {
            method: method.into(),
            target: target.into(),
            headers: Vec::new(),
            body: Vec::new(),
            sigv4: false,
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
    /// Made from the schemas, not taken from the document's examples.
    generated: bool,
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

/// One request of the scenario.
struct Step {
    /// The operation it is an example of; `None` for a routing miss.
    operation: Option<String>,
    title: String,
    request: ExampleRequest,
    /// `(header, query parameter)`: sent only when the previous response has `header`, with its
    /// value appended as `query parameter` (following a pagination cursor).
    follow: Option<(String, String)>,
    /// Some value of the request was made from the schemas ([`sample`]), not taken from the
    /// document's examples.
    generated: bool,
}

impl Step {
    fn new(operation: Option<String>, title: &str, request: ExampleRequest) -> Step {
        Step {
            operation,
            title: title.to_string(),
            request,
            follow: None,
            generated: false,
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

/// Values shared between the operations' requests, by name (compared ignoring case): the first
/// one set wins, so the read of `/{id}` asks for the key the create before it stored. Each
/// remembers whether it was made here (`true`) or is the document's.
#[derive(Default)]
struct Shared(Vec<(String, String, bool)>);

impl Shared {
    fn get(&self, name: &str) -> Option<(&str, bool)> {
        self.0
            .iter()
            .find(|(k, _, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v, made)| (v.as_str(), *made))
    }

    fn set(&mut self, name: &str, value: &str, made: bool) {
        if self.get(name).is_none() && !value.trim().is_empty() {
            self.0.push((name.to_string(), value.to_string(), made));
        }
    }

    /// The top-level scalar members of a body, as text.
    fn learn(&mut self, body: &Value, made: bool) {
        for (k, v) in body.as_object().into_iter().flatten() {
            match v {
                Value::String(s) => self.set(k, s, made),
                Value::Number(n) => self.set(k, &n.to_string(), made),
                _ => {}
            }
        }
    }

    /// Name -> value, for [`sample::value_with`].
    fn pairs(&self) -> Vec<(String, String)> {
        self.0
            .iter()
            .map(|(k, v, _)| (k.clone(), v.clone()))
            .collect()
    }
}

/// The document's own example of a parameter (`example`, else the first of `examples`, on the
/// parameter object or its schema), as the text sent.
fn param_example(
    api: &apidef::Api,
    op: &apidef::Operation,
    p: &apidef::Parameter,
) -> Option<String> {
    let path_item = op.pointer.rsplit_once('/').map(|(item, _)| item)?;
    let declared = [op.pointer.as_str(), path_item].into_iter().find_map(|at| {
        api.resolved
            .pointer(&format!("{at}/parameters"))?
            .as_array()?
            .iter()
            .filter_map(|q| match q.get("$ref").and_then(Value::as_str) {
                Some(r) => api.resolve_ref(r).ok(),
                None => Some(q),
            })
            .find(|q| {
                q.get("name").and_then(Value::as_str) == Some(p.name.as_str())
                    && q.get("in").and_then(Value::as_str) == Some(p.location.apigw_name())
            })
    });
    let of = |node: &Value| {
        node.get("example").cloned().or_else(|| {
            node.get("examples")?
                .as_object()?
                .values()
                .find_map(|e| e.get("value").cloned())
        })
    };
    let value = declared
        .and_then(of)
        .or_else(|| p.schema.as_ref().and_then(of))?;
    match value {
        Value::String(s) => Some(s),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
        other => Some(other.to_string()),
    }
}

/// A value for a parameter: the document's example, else one shared with an earlier request,
/// else one made from its schema; `true` when it was not the document's. Path parameters are
/// never blank (API Gateway routes no empty segment, and its validator calls a blank required
/// parameter missing).
fn param_value(
    api: &apidef::Api,
    op: &apidef::Operation,
    p: &apidef::Parameter,
    shared: &mut Shared,
) -> (String, bool) {
    if let Some(v) = param_example(api, op, p).filter(|v| !v.trim().is_empty()) {
        shared.set(&p.name, &v, false);
        return (v, false);
    }
    if let Some((v, made)) = shared.get(&p.name) {
        return (v.to_string(), made);
    }
    let made = match p.schema.as_ref().map(sample::value) {
        Some(Value::String(s)) => s,
        Some(Value::Null | Value::Object(_) | Value::Array(_)) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let made = if made.trim().is_empty() {
        "example".to_string()
    } else {
        made
    };
    shared.set(&p.name, &made, true);
    (made, true)
}

/// The fields a request template reads from the body (`$input.path('$.a.b')`,
/// `$input.json("$.a")`), for a body the document gives no schema for: a body with those
/// fields is what the template was written for. A field placed into a DynamoDB `"N"` gets a
/// number, one into `"BOOL"` a boolean, the rest a string (shared with a path parameter of the
/// same name when there is one).
fn template_body(op: &apidef::Operation, shared: &Shared) -> Option<Value> {
    let template = op
        .integration
        .request_templates
        .iter()
        .find(|(ct, _)| ct.eq_ignore_ascii_case("application/json"))
        .or_else(|| op.integration.request_templates.first())
        .map(|(_, t)| t.source.as_str())?;
    let mut body = serde_json::Map::new();
    for call in ["$input.path(", "$input.json("] {
        let mut from = 0;
        while let Some(at) = template.get(from..).and_then(|t| t.find(call)) {
            let start = from + at + call.len();
            from = start;
            let rest = template.get(start..).unwrap_or_default();
            let rest = rest.trim_start_matches(['\'', '"']);
            let Some(path) = rest.strip_prefix("$.") else {
                continue;
            };
            let names: Vec<&str> = path
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
                .next()
                .unwrap_or_default()
                .split('.')
                .filter(|s| !s.is_empty())
                .collect();
            let Some((last, parents)) = names.split_last() else {
                continue;
            };
            let before = template
                .get(start.saturating_sub(24)..start)
                .unwrap_or_default();
            let leaf = if before.contains("\"N\"") {
                json!(1)
            } else if before.contains("\"BOOL\"") {
                json!(true)
            } else {
                json!(shared.get(last).map_or("example", |(v, _)| v))
            };
            insert_at(&mut body, parents, last, leaf);
        }
    }
    (!body.is_empty()).then_some(Value::Object(body))
}

/// `leaf` at `parents.last`, objects made on the way; a member already there is kept.
fn insert_at(node: &mut serde_json::Map<String, Value>, parents: &[&str], last: &str, leaf: Value) {
    match parents.split_first() {
        None => {
            node.entry(last.to_string()).or_insert(leaf);
        }
        Some((parent, rest)) => {
            let entry = node.entry(parent.to_string()).or_insert_with(|| json!({}));
            if let Value::Object(next) = entry {
                insert_at(next, rest, last, leaf);
            }
        }
    }
}

/// The JSON request body of `op` and its content type: the document's example, else one made
/// from its schema, else (a method that carries a body but declares none) one with the fields
/// its template reads; with `true` when it was made here.
fn request_body(
    api: &apidef::Api,
    op: &apidef::Operation,
    shared: &Shared,
) -> Option<(String, Value, bool)> {
    let Some(declared) = &op.request_body else {
        if !matches!(op.method.as_str(), "POST" | "PUT" | "PATCH") {
            return None;
        }
        return template_body(op, shared).map(|b| ("application/json".to_string(), b, true));
    };
    if let Some(example) = body_example(api, op) {
        return Some(("application/json".to_string(), example, false));
    }
    let (content_type, schema) = declared
        .content
        .iter()
        .find(|(ct, _)| media_type_is_json(ct))
        .or_else(|| declared.content.first())
        .map(|(ct, s)| (ct.clone(), s.clone()))
        .unwrap_or_else(|| ("application/json".to_string(), None));
    let body = match schema {
        Some(schema) => sample::value_with(&schema, &shared.pairs()),
        None => template_body(op, shared).unwrap_or_else(|| json!({})),
    };
    Some((content_type, body, true))
}

fn media_type_is_json(ct: &str) -> bool {
    ct.split(';')
        .next()
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// The request for `op`: path parameters from its body, else shared or made ones; the required
/// query and header parameters; the body. `true` when anything in it was made here.
fn operation_request(
    api: &apidef::Api,
    op: &apidef::Operation,
    shared: &mut Shared,
) -> (ExampleRequest, bool) {
    let mut generated = false;
    let body = request_body(api, op, shared);
    if let Some((_, b, made)) = &body {
        shared.learn(b, *made);
    }
    let mut path_values = serde_json::Map::new();
    let mut query = Vec::new();
    let mut headers = Vec::new();
    for p in &op.parameters {
        let in_body = body.as_ref().and_then(|(_, b, made)| {
            let v = b.as_object()?.iter().find_map(|(k, v)| {
                k.eq_ignore_ascii_case(&p.name)
                    .then(|| v.as_str().map(str::to_string))
                    .flatten()
            })?;
            Some((v, *made))
        });
        match p.location {
            apidef::ParamLocation::Path => {
                let (v, made) = match in_body.filter(|(v, _)| !v.trim().is_empty()) {
                    Some(found) => found,
                    None => param_value(api, op, p, shared),
                };
                generated |= made;
                path_values.insert(p.name.clone(), Value::String(v));
            }
            apidef::ParamLocation::Query if p.required => {
                let (v, made) = param_value(api, op, p, shared);
                generated |= made;
                query.push(format!(
                    "{}={}",
                    encode_segment(&p.name),
                    encode_segment(&v)
                ));
            }
            apidef::ParamLocation::Header if p.required => {
                let (v, made) = param_value(api, op, p, shared);
                generated |= made;
                headers.push((p.name.clone(), v));
            }
            _ => {}
        }
    }
    // A `{param}` of the path the method does not declare still needs a segment.
    let mut target = String::new();
    for segment in op.path.split('/').filter(|s| !s.is_empty()) {
        target.push('/');
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let name = name.trim_end_matches('+');
                let value = path_values
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .and_then(|(_, v)| v.as_str().map(str::to_string))
                    .or_else(|| {
                        let (v, made) = shared.get(name)?;
                        generated |= made;
                        Some(v.to_string())
                    })
                    .unwrap_or_else(|| {
                        generated = true;
                        shared.set(name, "example", true);
                        "example".to_string()
                    });
                target.push_str(&encode_segment(&value));
            }
            None => target.push_str(segment),
        }
    }
    if target.is_empty() {
        target.push('/');
    }
    if !query.is_empty() {
        target = format!("{target}?{}", query.join("&"));
    }
    // `ANY` is no method a client sends; GET is one it accepts.
    let method = match op.method.to_uppercase().as_str() {
        "ANY" => "GET".to_string(),
        m => m.to_string(),
    };
    let mut request = ExampleRequest::new(method, target);
    for (k, v) in &headers {
        request = request.header(k, v);
    }
    if let Some((content_type, b, made)) = body {
        generated |= made;
        request = request
            .header("Content-Type", &content_type)
            .body(b.to_string());
    }
    (request, generated)
}

/// The model schema `{}` is known to break: its top level (after `$ref`s) requires a property.
fn empty_object_breaks(api: &apidef::Api, op: &apidef::Operation) -> bool {
    let validates = op
        .validator
        .as_ref()
        .is_some_and(|(_, v)| v.validate_request_body);
    let Some(schema) = op
        .request_body
        .as_ref()
        .and_then(|b| b.content.iter().find(|(ct, _)| media_type_is_json(ct)))
        .and_then(|(_, s)| s.as_ref())
    else {
        return false;
    };
    let _ = api;
    let mut node = schema;
    for _ in 0..16 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => match r.strip_prefix('#').and_then(|p| schema.pointer(p)) {
                Some(next) => node = next,
                None => return false,
            },
            None => break,
        }
    }
    validates
        && node
            .get("required")
            .and_then(Value::as_array)
            .is_some_and(|r| !r.is_empty())
}

/// API Gateway answers 415 to a `text/plain` body, per its passthrough behavior: `NEVER`, or
/// `WHEN_NO_TEMPLATES` with templates (none of them `text/plain`).
fn text_plain_refused(op: &apidef::Operation) -> bool {
    let templates = &op.integration.request_templates;
    let has_plain = templates
        .keys()
        .any(|ct| ct.to_ascii_lowercase().starts_with("text/plain"));
    match op.integration.passthrough_behavior {
        apidef::model::PassthroughBehavior::Never => !has_plain,
        apidef::model::PassthroughBehavior::WhenNoTemplates => !templates.is_empty() && !has_plain,
        apidef::model::PassthroughBehavior::WhenNoMatch => false,
    }
}

/// The scenario, against one store in this order: every operation with a request body (the
/// document's example, else one made from its schema), in document order, so the creates come
/// first; then every read (`GET`; a paginated one also one item per page, then with its cursor
/// followed), then the other methods, then every `DELETE` twice (the second one shows the "not
/// found" answer); then up to three error paths (an invalid body, an unsupported media type,
/// a route that does not exist). Path parameters come from the bodies and the values shared by
/// name between the requests (best effort: a read finds what a create stored only when both
/// name the key alike).
fn scenario(api: &apidef::Api) -> Vec<Step> {
    let mut steps = Vec::new();
    let label = |op: &apidef::Operation| Some(crate::rust::operation_name(op));
    let mut shared = Shared::default();
    // The first document example's values come first, as the page's running example.
    if let Some(first) = api.operations.iter().find_map(|op| body_example(api, op)) {
        shared.learn(&first, false);
    }
    let carries_body = |op: &apidef::Operation| {
        op.request_body.is_some()
            || (matches!(op.method.as_str(), "POST" | "PUT" | "PATCH")
                && template_body(op, &Shared::default()).is_some())
    };
    let order = |op: &apidef::Operation| match op.method.to_uppercase().as_str() {
        _ if carries_body(op) => 0,
        "GET" => 1,
        "DELETE" => 3,
        _ => 2,
    };
    let mut ordered: Vec<&apidef::Operation> = api.operations.iter().collect();
    ordered.sort_by_key(|op| order(op));
    let mut with_body: Vec<(&apidef::Operation, String)> = Vec::new();
    for op in ordered {
        let (request, generated) = operation_request(api, op, &mut shared);
        let method = request.method.clone();
        let target = request.target.clone();
        let title = if carries_body(op) {
            with_body.push((op, target.clone()));
            if generated {
                "A request body made from the schema"
            } else {
                "The request body's example"
            }
        } else if generated {
            "With parameters made from the schema"
        } else {
            "With the example stored"
        };
        steps.push(Step {
            generated,
            ..Step::new(label(op), title, request)
        });
        if method == "DELETE" {
            steps.push(Step {
                generated,
                ..Step::new(
                    label(op),
                    "Again, once it is gone",
                    ExampleRequest::new(method.clone(), target.clone()),
                )
            });
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
                let separator = if target.contains('?') { '&' } else { '?' };
                let first = format!("{target}{separator}{}", query.join("&"));
                steps.push(Step {
                    generated,
                    ..Step::new(
                        label(op),
                        "One item per page",
                        ExampleRequest::new(method.clone(), first.clone()),
                    )
                });
                steps.push(Step {
                    follow: Some((header.clone(), param)),
                    generated,
                    ..Step::new(
                        label(op),
                        &format!("The next page, from `{header}`"),
                        ExampleRequest::new(method.clone(), first),
                    )
                });
            }
        }
    }
    // The error paths, each on the first operation where its answer is certain.
    if let Some((op, target)) = with_body
        .iter()
        .find(|(op, _)| empty_object_breaks(api, op))
    {
        steps.push(Step::new(
            label(op),
            "A body that breaks the request schema",
            ExampleRequest::new(op.method.to_uppercase(), target.clone()).json(&json!({})),
        ));
    }
    if let Some((op, target)) = with_body
        .iter()
        .find(|(op, _)| op.method != "ANY" && op.request_body.is_some() && text_plain_refused(op))
    {
        steps.push(Step::new(
            label(op),
            "A Content-Type with no mapping template",
            ExampleRequest::new(op.method.to_uppercase(), target.clone())
                .header("Content-Type", "text/plain")
                .body("hello"),
        ));
    }
    steps.push(Step::new(
        None,
        "A route that does not exist",
        ExampleRequest::new("GET", "/no/such/route/here"),
    ));
    // A method with `apiKeyRequired` is called with a key, and an `AWS_IAM` one signed, as a
    // client of the stage must.
    let names = |keep: &dyn Fn(&apidef::Operation) -> bool| -> Vec<String> {
        api.operations
            .iter()
            .filter(|op| keep(op))
            .map(crate::rust::operation_name)
            .collect()
    };
    let keyed = names(&|op| op.api_key_required);
    let iam = names(&|op| op.authorization == apidef::Authorization::AwsIam);
    for step in &mut steps {
        let Some(name) = &step.operation else {
            continue;
        };
        if keyed.contains(name) {
            step.request
                .headers
                .push(("x-api-key".to_string(), EXAMPLE_API_KEY.to_string()));
        }
        step.request.sigv4 = iam.contains(name);
    }
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
    if r.sigv4 {
        // The signature changes with the time and the credential: described, not shown.
        s.push_str("Authorization: AWS4-HMAC-SHA256 Credential=... (SigV4, service execute-api)\nX-Amz-Date: ...\n");
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
            generated: step.generated,
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
            .map(|e| json!({"title": e.title, "request": e.request, "response": e.response, "status": e.status, "generated": e.generated}))
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
        .map(|e| json!({"title": e.title, "request": e.request, "response": e.response, "generated": e.generated}))
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
show `<random>`); a deployed stage answers with its own ids and times. Where the document gives
an operation no example, the request was made from its schemas and is marked *Generated from the
schema*. Paths are shown without the stage: the invoke URL is
`https://{api-id}.execute-api.{region}.amazonaws.com/{{ stage }}`.

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

{% if e.generated %}
*Generated from the schema:* the document gives this operation no example, so the request was
made from its schemas (valid by the gateway's request validator; values shared by name with the
requests before it) and the response is what the gateway answered.

{% endif %}
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

{% if e.generated %}
*Generated from the schema:* the request was made from the operation's schemas.

{% endif %}
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

/// Example values made from schemas, for operations the document gives no example for.
///
/// Deterministic (the pages are the same on every run) and plain: the first enum value, the
/// smallest count a quantifier or `minItems` allows, `1` clamped into a number's bounds. The
/// values aim to pass the gateway's draft-4 validator; this crate cannot run it (it executes
/// nothing, see the module docs), so `codegen`'s tests check them against it.
pub mod sample {
    use serde_json::{Map, Value, json};

    /// Deeper than this a schema is taken to be recursive: optional properties stop, and a
    /// required one gets the plainest value its type allows.
    const OPTIONAL_DEPTH: usize = 6;
    const MAX_DEPTH: usize = 24;
    /// At most this many values in one example and characters in one string: a schema asking
    /// for more (nested `minItems`, a huge `minLength`) gets a value cut short, which its
    /// validator refuses, rather than a generator that never ends.
    const BUDGET: usize = 10_000;

    /// An example value for the self-contained draft-4 `schema` (its `$ref`s point into it, as
    /// `apidef` builds models), preferring the schema's own `example` and `default`.
    pub fn value(schema: &Value) -> Value {
        Sampler {
            root: schema,
            spent: std::cell::Cell::new(0),
        }
        .value(schema, 0, &[])
    }

    /// [`value`], with the values of `shared` (name -> string, names compared ignoring case)
    /// used for the top-level string properties of the same name when the property accepts any
    /// string: a create then carries the key a later read of `/{name}` asks for.
    pub fn value_with(schema: &Value, shared: &[(String, String)]) -> Value {
        Sampler {
            root: schema,
            spent: std::cell::Cell::new(0),
        }
        .value(schema, 0, shared)
    }

    /// A string matching the regular expression `pattern` (ECMA-262 as JSON Schema reads it),
    /// between `min` and `max` characters when the pattern allows it; best effort, `None` when
    /// no length tried fits.
    pub fn pattern_string(pattern: &str, min: usize, max: Option<usize>) -> Option<String> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut parser = Parser { chars, pos: 0 };
        let node = parser.alternation(0);
        // More repetitions of every open-ended quantifier until the string is long enough.
        for extra in (0usize..8).chain([8, 16, 32, 64, 128, 256]) {
            let mut out = String::new();
            node.emit(extra, &mut out);
            let n = out.chars().count();
            if n >= min && max.is_none_or(|m| n <= m) {
                return Some(out);
            }
            if max.is_some_and(|m| n > m) {
                return None;
            }
        }
        None
    }

    struct Sampler<'a> {
        root: &'a Value,
        /// Values made so far, against [`BUDGET`].
        spent: std::cell::Cell<usize>,
    }

    fn schema_type(s: &Value) -> Option<&str> {
        match s.get("type") {
            Some(Value::String(t)) => Some(t.as_str()),
            // `[string, "null"]`: the first type that is not null.
            Some(Value::Array(ts)) => ts
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .or_else(|| ts.first().and_then(Value::as_str)),
            _ => None,
        }
    }

    /// A string property that takes any string, so a shared value fits it.
    fn takes_any_string(s: &Value, v: &str) -> bool {
        let n = v.chars().count() as u64;
        schema_type(s) == Some("string")
            && [
                "enum", "pattern", "format", "const", "$ref", "allOf", "anyOf", "oneOf", "not",
            ]
            .iter()
            .all(|k| s.get(k).is_none())
            && s.get("minLength")
                .and_then(Value::as_u64)
                .is_none_or(|m| n >= m)
            && s.get("maxLength")
                .and_then(Value::as_u64)
                .is_none_or(|m| n <= m)
    }

    impl Sampler<'_> {
        fn resolve<'s>(&'s self, s: &'s Value, depth: usize) -> &'s Value {
            let mut s = s;
            for _ in 0..MAX_DEPTH.saturating_sub(depth).max(1) {
                let Some(r) = s.get("$ref").and_then(Value::as_str) else {
                    return s;
                };
                let target = match r.strip_prefix('#') {
                    Some("") => Some(self.root),
                    Some(p) => self.root.pointer(p),
                    None => None,
                };
                match target {
                    Some(t) => s = t,
                    None => return &Value::Null,
                }
            }
            s
        }

        fn value(&self, schema: &Value, depth: usize, shared: &[(String, String)]) -> Value {
            let s = self.resolve(schema, depth);
            self.spent.set(self.spent.get() + 1);
            if depth > MAX_DEPTH || !s.is_object() || self.spent.get() > BUDGET {
                return Value::Null;
            }
            for k in ["example", "default", "const"] {
                if let Some(v) = s.get(k) {
                    return v.clone();
                }
            }
            if let Some(first) = s.get("enum").and_then(|e| e.get(0)) {
                return first.clone();
            }
            // allOf: every branch holds, so the objects they make are merged; anyOf/oneOf: the
            // first branch (oneOf's others may match too: best effort).
            let mut merged: Option<Value> = None;
            if let Some(all) = s.get("allOf").and_then(Value::as_array) {
                for branch in all {
                    let v = self.value(branch, depth + 1, shared);
                    merged = Some(match (merged, v) {
                        (Some(Value::Object(mut a)), Value::Object(b)) => {
                            for (k, v) in b {
                                a.entry(k).or_insert(v);
                            }
                            Value::Object(a)
                        }
                        (Some(a), _) => a,
                        (None, v) => v,
                    });
                }
            }
            for k in ["anyOf", "oneOf"] {
                if merged.is_none()
                    && let Some(first) = s.get(k).and_then(|a| a.get(0))
                {
                    merged = Some(self.value(first, depth + 1, shared));
                }
            }
            let ty = schema_type(s).or_else(|| {
                if s.get("properties").is_some() || s.get("required").is_some() {
                    Some("object")
                } else if s.get("items").is_some() {
                    Some("array")
                } else if ["pattern", "minLength", "maxLength", "format"]
                    .iter()
                    .any(|k| s.get(k).is_some())
                {
                    Some("string")
                } else if ["minimum", "maximum", "multipleOf"]
                    .iter()
                    .any(|k| s.get(k).is_some())
                {
                    Some("number")
                } else {
                    None
                }
            });
            let own = match ty {
                Some("string") => Value::String(string(s)),
                Some("integer") => number(s, true),
                Some("number") => number(s, false),
                Some("boolean") => json!(true),
                Some("null") => Value::Null,
                Some("array") => self.array(s, depth, shared),
                Some("object") => self.object(s, depth, shared),
                // No type and no hint: the branches' value, else an empty object, which a
                // schema without constraints accepts.
                _ => return merged.unwrap_or_else(|| json!({})),
            };
            match (merged, own) {
                (Some(Value::Object(mut a)), Value::Object(b)) => {
                    for (k, v) in b {
                        a.entry(k).or_insert(v);
                    }
                    Value::Object(a)
                }
                (Some(m), _) if ty != Some("object") => m,
                (_, own) => own,
            }
        }

        fn array(&self, s: &Value, depth: usize, shared: &[(String, String)]) -> Value {
            let min = s.get("minItems").and_then(Value::as_u64).unwrap_or(1) as usize;
            let max = s
                .get("maxItems")
                .and_then(Value::as_u64)
                .map(|m| m as usize);
            let mut n = min.max(1);
            if let Some(max) = max {
                n = n.min(max);
            }
            // Never more than a page needs, whatever `minItems` says.
            let n = n.min(64);
            let _ = shared;
            let mut out = Vec::new();
            match s.get("items") {
                // Draft 4's tuple form: one value per position.
                Some(Value::Array(items)) => {
                    for (i, item) in items.iter().enumerate() {
                        if i >= n.max(items.len().min(max.unwrap_or(usize::MAX))) {
                            break;
                        }
                        out.push(self.value(item, depth + 1, &[]));
                    }
                }
                Some(item) => {
                    let v = self.value(item, depth + 1, &[]);
                    let unique = s.get("uniqueItems").and_then(Value::as_bool) == Some(true);
                    // Each copy counts against the budget, or nested arrays multiply.
                    let weight = weight(&v);
                    let left = BUDGET.saturating_sub(self.spent.get());
                    let n = n.min((left / weight).max(1));
                    self.spent.set(self.spent.get() + n * weight);
                    for i in 0..n {
                        // Distinct strings for `uniqueItems` (best effort for other types).
                        match (&v, unique && i > 0) {
                            (Value::String(t), true) => out.push(json!(format!("{t}{i}"))),
                            (Value::Number(_), true) => out.push(number_at(item, i)),
                            _ => out.push(v.clone()),
                        }
                    }
                }
                None => out.extend((0..n).map(|_| json!("example"))),
            }
            Value::Array(out)
        }

        fn object(&self, s: &Value, depth: usize, shared: &[(String, String)]) -> Value {
            let required: Vec<&str> = s
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let props = s.get("properties").and_then(Value::as_object);
            let max = s
                .get("maxProperties")
                .and_then(Value::as_u64)
                .map(|m| m as usize)
                .unwrap_or(usize::MAX);
            let mut out = Map::new();
            let add = |out: &mut Map<String, Value>, name: &str, prop: Option<&Value>| {
                if out.contains_key(name) {
                    return;
                }
                let prop = prop
                    .or_else(|| s.get("additionalProperties").filter(|a| a.is_object()))
                    .unwrap_or(&Value::Null);
                let shared_value = shared.iter().find_map(|(k, v)| {
                    (k.eq_ignore_ascii_case(name) && takes_any_string(self.resolve(prop, depth), v))
                        .then(|| v.clone())
                });
                let v = match shared_value {
                    Some(v) => Value::String(v),
                    None if prop.is_null() => json!("example"),
                    None => self.value(prop, depth + 1, &[]),
                };
                out.insert(name.to_string(), v);
            };
            // Required properties first, so `maxProperties` never leaves one out.
            for name in &required {
                add(&mut out, name, props.and_then(|p| p.get(*name)));
            }
            if depth < OPTIONAL_DEPTH
                && let Some(props) = props
            {
                for (name, prop) in props {
                    if out.len() >= max {
                        break;
                    }
                    add(&mut out, name, Some(prop));
                }
            }
            // Declaration order reads best; required ones not declared go last.
            let mut ordered = Map::new();
            if let Some(props) = props {
                for name in props.keys() {
                    if let Some(v) = out.remove(name) {
                        ordered.insert(name.clone(), v);
                    }
                }
            }
            ordered.extend(out);
            Value::Object(ordered)
        }
    }

    /// How many values `v` holds, itself included.
    fn weight(v: &Value) -> usize {
        1 + match v {
            Value::Array(a) => a.iter().map(weight).sum(),
            Value::Object(o) => o.values().map(weight).sum(),
            _ => 0,
        }
    }

    fn string(s: &Value) -> String {
        let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = s
            .get("maxLength")
            .and_then(Value::as_u64)
            .map(|m| m as usize);
        if let Some(p) = s.get("pattern").and_then(Value::as_str)
            && let Some(v) = pattern_string(p, min, max)
        {
            return v;
        }
        // The date formats at the examples' fixed clock, 2025-11-24T16:00:00Z.
        let formatted = match s.get("format").and_then(Value::as_str) {
            Some("date-time") => Some("2025-11-24T16:00:00Z"),
            Some("date") => Some("2025-11-24"),
            Some("time") => Some("16:00:00Z"),
            Some("email") => Some("user@example.com"),
            Some("uri" | "url" | "uri-reference" | "iri") => Some("https://example.com/"),
            Some("uuid") => Some("00000000-0000-4000-8000-000000000001"),
            Some("hostname") => Some("example.com"),
            Some("ipv4") => Some("192.0.2.1"),
            Some("ipv6") => Some("2001:db8::1"),
            Some("byte") => Some("ZXhhbXBsZQ=="),
            _ => None,
        };
        let base = formatted.unwrap_or("example");
        let n = base.chars().count();
        if n >= min && max.is_none_or(|m| n <= m) {
            return base.to_string();
        }
        // Lengthened or cut to fit: "exampleexample..." or "exa".
        let target = min
            .max(max.unwrap_or(min).min(n))
            .min(max.unwrap_or(usize::MAX))
            .min(BUDGET);
        "example".chars().cycle().take(target).collect()
    }

    /// A bound and whether it is exclusive.
    type Bound = (f64, bool);

    /// Draft 4's bounds: `exclusiveMinimum: true` beside `minimum`; a number there (the later
    /// drafts' form) is read as the exclusive bound itself.
    fn bounds(s: &Value) -> (Option<Bound>, Option<Bound>) {
        let bound = |plain: &str, exclusive: &str| {
            let ex = s.get(exclusive);
            match (s.get(plain).and_then(Value::as_f64), ex) {
                (_, Some(Value::Number(n))) => n.as_f64().map(|n| (n, true)),
                (Some(v), Some(Value::Bool(true))) => Some((v, true)),
                (Some(v), _) => Some((v, false)),
                (None, _) => None,
            }
        };
        (
            bound("minimum", "exclusiveMinimum"),
            bound("maximum", "exclusiveMaximum"),
        )
    }

    fn number(s: &Value, integer: bool) -> Value {
        number_from(s, integer, 0)
    }

    /// The `i`th number the schema accepts upward from [`number`]'s (for `uniqueItems`).
    fn number_at(s: &Value, i: usize) -> Value {
        let integer = schema_type(s) == Some("integer");
        number_from(s, integer, i)
    }

    fn number_from(s: &Value, integer: bool, i: usize) -> Value {
        let (min, max) = bounds(s);
        let step = s
            .get("multipleOf")
            .and_then(Value::as_f64)
            .filter(|m| *m > 0.0 && m.is_finite());
        let unit = if integer { 1.0 } else { step.unwrap_or(1.0) };
        let mut lo = f64::NEG_INFINITY;
        if let Some((m, ex)) = min {
            lo = if ex {
                if integer {
                    m.floor() + 1.0
                } else {
                    m + unit.min(1.0)
                }
            } else {
                m
            };
        }
        let mut hi = f64::INFINITY;
        if let Some((m, ex)) = max {
            hi = if ex {
                if integer {
                    m.ceil() - 1.0
                } else {
                    m - unit.min(1.0)
                }
            } else {
                m
            };
        }
        // 1 reads as "one of them"; within the bounds it is the value, else the nearest bound.
        let mut v = 1.0f64.max(lo).min(hi.max(lo)) + i as f64 * step.unwrap_or(1.0);
        if integer {
            v = v.ceil();
        }
        if let Some(step) = step {
            let up = (v / step).ceil() * step;
            v = if up <= hi {
                up
            } else {
                (hi / step).floor() * step
            };
        }
        if !v.is_finite() {
            v = 1.0;
        }
        if (integer || v.fract() == 0.0) && v.abs() < 9.0e15 {
            json!(v as i64)
        } else {
            json!(v)
        }
    }

    /// A regular expression, enough of it to write one string it matches.
    enum Node {
        /// The alternatives; a string takes the first.
        Alt(Vec<Node>),
        Seq(Vec<Node>),
        Char(char),
        /// Anchors, word boundaries, lookarounds, back-references: nothing written.
        Empty,
        Repeat(Box<Node>, usize, Option<usize>),
    }

    impl Node {
        fn emit(&self, extra: usize, out: &mut String) {
            match self {
                Node::Alt(alts) => {
                    if let Some(first) = alts.first() {
                        first.emit(extra, out);
                    }
                }
                _ if out.len() > BUDGET => {}
                Node::Seq(nodes) => nodes.iter().for_each(|n| n.emit(extra, out)),
                Node::Char(c) => out.push(*c),
                Node::Empty => {}
                Node::Repeat(node, min, max) => {
                    let mut n = min.saturating_add(extra);
                    if let Some(max) = max {
                        n = n.min(*max);
                    }
                    // Only the repetitions a length needs: a `{2,256}` run is not written out.
                    let n = n.min(min.saturating_add(256)).min(4096);
                    for _ in 0..n {
                        if out.len() > BUDGET {
                            break;
                        }
                        node.emit(extra, out);
                    }
                }
            }
        }
    }

    struct Parser {
        chars: Vec<char>,
        pos: usize,
    }

    /// Characters tried, in order, for a negated class.
    const CANDIDATES: &str = "a0A-_x.Z9 ";

    impl Parser {
        fn peek(&self) -> Option<char> {
            self.chars.get(self.pos).copied()
        }

        fn alternation(&mut self, depth: usize) -> Node {
            let mut alts = vec![self.sequence(depth)];
            while self.peek() == Some('|') {
                self.pos += 1;
                alts.push(self.sequence(depth));
            }
            Node::Alt(alts)
        }

        fn sequence(&mut self, depth: usize) -> Node {
            let mut nodes = Vec::new();
            while let Some(c) = self.peek() {
                if c == '|' || c == ')' {
                    break;
                }
                let atom = self.atom(depth);
                let atom = self.quantified(atom);
                nodes.push(atom);
            }
            Node::Seq(nodes)
        }

        fn quantified(&mut self, atom: Node) -> Node {
            let (min, max) = match self.peek() {
                Some('*') => {
                    self.pos += 1;
                    (0, None)
                }
                Some('+') => {
                    self.pos += 1;
                    (1, None)
                }
                Some('?') => {
                    self.pos += 1;
                    (0, Some(1))
                }
                Some('{') => match self.braces() {
                    Some(b) => b,
                    None => return atom,
                },
                _ => return atom,
            };
            // A lazy quantifier matches the same strings.
            if self.peek() == Some('?') {
                self.pos += 1;
            }
            Node::Repeat(Box::new(atom), min, max)
        }

        /// `{n}`, `{n,}`, `{n,m}`; anything else is a literal `{` (as ECMA-262's Annex B reads it).
        fn braces(&mut self) -> Option<(usize, Option<usize>)> {
            let rest: String = self.chars.get(self.pos..)?.iter().collect();
            let end = rest.find('}')?;
            let inner = rest.get(1..end)?;
            let (a, b) = match inner.split_once(',') {
                Some((a, b)) => (a, Some(b)),
                None => (inner, None),
            };
            let min: usize = a.trim().parse().ok()?;
            let max = match b {
                None => Some(min),
                Some(b) if b.trim().is_empty() => None,
                Some(b) => Some(b.trim().parse().ok()?),
            };
            self.pos += rest.get(..=end)?.chars().count();
            Some((min, max))
        }

        fn atom(&mut self, depth: usize) -> Node {
            let Some(c) = self.peek() else {
                return Node::Empty;
            };
            self.pos += 1;
            match c {
                '^' | '$' => Node::Empty,
                '.' => Node::Char('a'),
                '(' => {
                    let mut skip = false;
                    if self.peek() == Some('?') {
                        let next = self.chars.get(self.pos + 1).copied();
                        let after = self.chars.get(self.pos + 2).copied();
                        match (next, after) {
                            (Some(':'), _) => self.pos += 2,
                            (Some('=' | '!'), _) => {
                                self.pos += 2;
                                skip = true;
                            }
                            (Some('<'), Some('=' | '!')) => {
                                self.pos += 3;
                                skip = true;
                            }
                            (Some('<'), _) => {
                                // A named group: skip the name.
                                while let Some(c) = self.peek() {
                                    self.pos += 1;
                                    if c == '>' {
                                        break;
                                    }
                                }
                            }
                            _ => self.pos += 1,
                        }
                    }
                    let inner = if depth > 64 {
                        Node::Empty
                    } else {
                        self.alternation(depth + 1)
                    };
                    if self.peek() == Some(')') {
                        self.pos += 1;
                    }
                    if skip { Node::Empty } else { inner }
                }
                '[' => self.class(),
                '\\' => self.escape().map_or(Node::Empty, Node::Char),
                c => Node::Char(c),
            }
        }

        /// The character an escape outside a class stands for, `None` for an assertion.
        fn escape(&mut self) -> Option<char> {
            let c = self.peek()?;
            self.pos += 1;
            match c {
                'b' | 'B' => None,
                '1'..='9' => {
                    // A back-reference: its group's text is not kept (best effort).
                    while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                        self.pos += 1;
                    }
                    None
                }
                _ => Some(self.escaped(c)),
            }
        }

        /// After the backslash, `c` read: one character of what the escape matches.
        fn escaped(&mut self, c: char) -> char {
            match c {
                'd' => '0',
                'w' | 'D' | 'S' => 'a',
                'W' => '-',
                's' => ' ',
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                'f' => '\u{c}',
                'v' => '\u{b}',
                '0' => '\0',
                'x' => self.hex(2).unwrap_or('x'),
                'u' => self.hex(4).unwrap_or('u'),
                'c' => {
                    // \cX: the control character X % 32.
                    match self.peek() {
                        Some(x) if x.is_ascii_alphabetic() => {
                            self.pos += 1;
                            char::from((x as u8) % 32)
                        }
                        _ => 'c',
                    }
                }
                other => other,
            }
        }

        fn hex(&mut self, n: usize) -> Option<char> {
            let digits: String = self.chars.get(self.pos..self.pos + n)?.iter().collect();
            let v = u32::from_str_radix(&digits, 16).ok()?;
            let c = char::from_u32(v)?;
            self.pos += n;
            Some(c)
        }

        /// A bracket class: its first character, or for `[^...]` the first candidate it does
        /// not exclude.
        fn class(&mut self) -> Node {
            let negated = self.peek() == Some('^');
            if negated {
                self.pos += 1;
            }
            // (from, to) ranges, and the class escapes' sets as samples.
            let mut ranges: Vec<(char, char)> = Vec::new();
            let mut first = true;
            while let Some(c) = self.peek() {
                if c == ']' && !first {
                    self.pos += 1;
                    break;
                }
                first = false;
                self.pos += 1;
                let lo = if c == '\\' {
                    let Some(e) = self.peek() else { break };
                    self.pos += 1;
                    match e {
                        'd' => {
                            ranges.push(('0', '9'));
                            continue;
                        }
                        'w' => {
                            ranges.extend([('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')]);
                            continue;
                        }
                        's' => {
                            ranges.extend([(' ', ' '), ('\t', '\r')]);
                            continue;
                        }
                        'D' | 'W' | 'S' => {
                            // Their complements: a sample that is in them.
                            let sample = if e == 'D' {
                                'a'
                            } else if e == 'W' {
                                '-'
                            } else {
                                'a'
                            };
                            ranges.push((sample, sample));
                            continue;
                        }
                        'b' => '\u{8}',
                        other => self.escaped(other),
                    }
                } else {
                    c
                };
                // A range `a-z`, unless the `-` is the class's last character.
                if self.peek() == Some('-')
                    && self.chars.get(self.pos + 1).is_some_and(|c| *c != ']')
                {
                    self.pos += 1;
                    let Some(mut hi) = self.peek() else { break };
                    self.pos += 1;
                    if hi == '\\'
                        && let Some(e) = self.peek()
                    {
                        self.pos += 1;
                        hi = self.escaped(e);
                    }
                    ranges.push((lo, hi));
                } else {
                    ranges.push((lo, lo));
                }
            }
            let inside = |c: char| ranges.iter().any(|(a, b)| *a <= c && c <= *b);
            if negated {
                CANDIDATES
                    .chars()
                    .chain('!'..='~')
                    .find(|c| !inside(*c))
                    .map_or(Node::Empty, Node::Char)
            } else {
                // A letter or digit of the class if there is one, for a readable value.
                ['a', 'A', '0', 'x']
                    .into_iter()
                    .find(|c| inside(*c))
                    .or_else(|| ranges.first().map(|(a, _)| *a))
                    .map_or(Node::Empty, Node::Char)
            }
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn patterns_give_matching_strings() {
            assert_eq!(
                pattern_string("^[A-Z]{3}-\\d{2}$", 0, None).as_deref(),
                Some("AAA-00")
            );
            assert_eq!(
                pattern_string("^(foo|bar)+x?$", 0, None).as_deref(),
                Some("foo")
            );
            assert_eq!(pattern_string("[^a0]", 0, None).as_deref(), Some("A"));
            assert_eq!(pattern_string("^a*$", 3, Some(5)).as_deref(), Some("aaa"));
            assert_eq!(pattern_string("^ab$", 3, None), None);
            assert_eq!(
                pattern_string("^https?://[-a-zA-Z0-9@:%._\\+~#=]{2,256}\\.[a-z]{2,6}\\b([-a-zA-Z0-9@:%_\\+.~#?&//=]*)", 0, None)
                    .as_deref(),
                Some("http://aa.aa")
            );
        }

        #[test]
        fn numbers_respect_bounds_and_multiples() {
            assert_eq!(number(&json!({"minimum": 5}), true), json!(5));
            assert_eq!(
                number(&json!({"maximum": 0, "exclusiveMaximum": true}), true),
                json!(-1)
            );
            assert_eq!(
                number(&json!({"minimum": 3, "multipleOf": 4}), true),
                json!(4)
            );
            assert_eq!(
                number(&json!({"multipleOf": 0.5, "minimum": 0.2}), false),
                json!(1)
            );
            assert_eq!(
                number(&json!({"minimum": 0.25, "maximum": 0.5}), false),
                json!(0.5)
            );
        }

        #[test]
        fn objects_have_their_required_properties_and_refs_are_followed() {
            let schema = json!({
                "$ref": "#/definitions/A",
                "definitions": {"A": {"type": "object", "required": ["n", "tags"], "properties": {
                    "n": {"type": "integer", "minimum": 2},
                    "tags": {"type": "array", "minItems": 2, "uniqueItems": true, "items": {"type": "string", "enum": ["x", "y"]}},
                    "kind": {"allOf": [{"$ref": "#/definitions/K"}]},
                    "id": {"type": "string"},
                }}, "K": {"type": "string", "default": "k"}}
            });
            let v = value_with(&schema, &[("ID".into(), "shared".into())]);
            assert_eq!(
                v,
                json!({"n": 2, "tags": ["x", "x1"], "kind": "k", "id": "shared"})
            );
        }

        #[test]
        fn no_panic_on_odd_schemas_and_patterns() {
            for s in [
                json!(true),
                json!({"$ref": "#/nowhere"}),
                json!({"$ref": "#"}),
                json!({"type": []}),
                json!({"items": [], "maxItems": 0}),
                json!({"type": "string", "maxLength": 0, "minLength": 3}),
                json!({"type": "string", "minLength": 1_000_000_000u64}),
                json!({"$ref": "#/definitions/A", "definitions": {"A": {"type": "array", "minItems": 64, "items": {"$ref": "#/definitions/A"}}}}),
            ] {
                let v = value(&s);
                assert!(v.to_string().len() < 1_000_000, "{s}: too big");
            }
            for p in [
                "((a{4000}){4000}){4000}",
                "(",
                ")",
                "[",
                "\\",
                "{",
                "a{2",
                "a{,}",
                "(?<n",
                "[\\",
                "[a-",
                "\\u12",
                "x{99999999999999999999}",
            ] {
                let _ = pattern_string(p, 0, Some(10));
            }
        }
    }
}
