//! Rules that render templates with generated inputs: invalid JSON output, response bodies
//! against their schemas, a body on 204, and empty DynamoDB attributes.
//!
//! Request templates get bodies generated from the request schema (every field with hostile
//! strings; only the required fields with the shortest allowed strings; arrays of one sparse
//! element). Response templates get plausible DynamoDB replies built from the items the API's
//! own writes store (else from the response schema), narrowed to those the operation's request
//! can reach (see `stored`), and DynamoDB error bodies.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::Finding;
use super::doc::{Doc, Kind, Op, Tpl};
use super::reply_shapes::{self, Member};
use super::stored;

/// Every character class that breaks naive JSON building: quote, backslash, `'` (which
/// `escapeJavaScript` escapes invalidly), a control character, non-ASCII and an emoji.
const HOSTILE: &str = "a\"b\\c'd\u{1}é😀</";

/// DynamoDB error replies (status, body).
const ERROR_BODIES: &[(&str, &str)] = &[
    (
        "400",
        r#"{"__type":"com.amazon.coral.validate#ValidationException","message":"x \" y"}"#,
    ),
    (
        "400",
        r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"rate \\ exceeded"}"#,
    ),
    (
        "500",
        r#"{"__type":"com.amazon.coral.service#InternalFailure","message":"internal"}"#,
    ),
];

/// How a generated value fills a schema.
#[derive(Clone, Copy, PartialEq)]
enum Fill {
    /// Every property, hostile strings, two array items.
    Full,
    /// Only required properties, shortest strings, empty arrays.
    Minimal,
    /// Every top-level property, one array item, nested objects with required properties only,
    /// shortest strings.
    Sparse,
    /// Every property, hostile strings, arrays as short as allowed (usually empty).
    EmptyArrays,
}

pub(super) struct Context<'a> {
    doc: &'a Doc,
}

/// One input a template is rendered with.
struct Case {
    what: String,
    bindings: vtl::Bindings,
}

/// The invalid-json finding of a template, chosen among its failing inputs: preferably an input
/// with plain strings (the template itself is wrong, and the message shows it without a
/// distracting quote), then one that fails whatever its strings hold, and only then one that
/// fails only because input strings hold quotes, backslashes, `'` or control characters
/// (`hostile_only`: the same defect as a json-injection or escape-quote finding there).
struct Problem {
    message: String,
    hostile_only: bool,
    rank: u8,
}

impl Problem {
    /// `plain`: the input has no character [`tame`] replaces; `hostile_only`: the tamed input
    /// does not fail.
    fn offer(slot: &mut Option<Problem>, message: String, plain: bool, hostile_only: bool) {
        let rank = match (plain, hostile_only) {
            (true, _) => 0,
            (false, false) => 1,
            (false, true) => 2,
        };
        if slot.as_ref().is_none_or(|p| rank < p.rank) {
            *slot = Some(Problem {
                message,
                hostile_only: hostile_only && !plain,
                rank,
            });
        }
    }
}

/// Whether [`tame`] leaves an input as it is.
fn is_plain(b: &vtl::Bindings) -> bool {
    let t = tame(b);
    t.body == b.body
        && t.path == b.path
        && t.querystring == b.querystring
        && t.header == b.header
        && t.stage_variables == b.stage_variables
}

/// Why an output is not JSON.
enum NotJson {
    Render(String),
    Parse(String),
}

impl NotJson {
    fn message(&self, what: &str) -> String {
        match self {
            NotJson::Render(e) => format!("with {what} the template fails to render: {e}"),
            NotJson::Parse(e) => format!("with {what} the output is not JSON {e}"),
        }
    }
}

/// Render and parse: `Ok(None)` for an empty output.
fn render_json(template: &vtl::Template, b: &vtl::Bindings) -> Result<Option<Value>, NotJson> {
    let r = template
        .render(b)
        .map_err(|e| NotJson::Render(e.to_string()))?;
    let text = r.output.trim();
    if text.is_empty() {
        return Ok(None);
    }
    serde_json::from_str::<Value>(text)
        .map(Some)
        .map_err(|e| NotJson::Parse(format!("({e}): {}", excerpt(text, e.line(), e.column()))))
}

/// The same input with every character that needs escaping in JSON (`"`, `\`, `'`, control
/// characters) replaced by a letter, in the body's strings and in every parameter.
fn tame(b: &vtl::Bindings) -> vtl::Bindings {
    let plain = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if matches!(c, '"' | '\\' | '\'') || c.is_control() {
                    'a'
                } else {
                    c
                }
            })
            .collect()
    };
    fn strings(v: &Value, f: &dyn Fn(&str) -> String) -> Value {
        match v {
            Value::String(s) => Value::String(f(s)),
            Value::Array(a) => Value::Array(a.iter().map(|x| strings(x, f)).collect()),
            Value::Object(m) => {
                Value::Object(m.iter().map(|(k, x)| (f(k), strings(x, f))).collect())
            }
            other => other.clone(),
        }
    }
    let mut t = b.clone();
    t.body = match serde_json::from_str::<Value>(&b.body) {
        Ok(v) => strings(&v, &plain).to_string(),
        Err(_) => plain(&b.body),
    };
    for map in [
        &mut t.path,
        &mut t.querystring,
        &mut t.header,
        &mut t.stage_variables,
    ] {
        for v in map.values_mut() {
            *v = plain(v);
        }
    }
    t
}

impl<'a> Context<'a> {
    pub fn new(doc: &'a Doc) -> Self {
        Context { doc }
    }

    pub fn check(&mut self, templates: &[Tpl], out: &mut Vec<Finding>) {
        // What each request template renders (with the literal parts of its strings), for the
        // items the API's writes store and for the shape of each operation's reply.
        let mut writes: Vec<(String, Value, stored::Literals)> = Vec::new();
        let mut rendered: Vec<(usize, Vec<(String, Value)>)> = Vec::new();
        let mut requests: HashMap<usize, Vec<Value>> = HashMap::new();
        let mut request_literals: HashMap<usize, Vec<(Value, stored::Literals)>> = HashMap::new();
        for (i, t) in templates.iter().enumerate() {
            if t.kind != Kind::Request {
                continue;
            }
            let Some(op) = self.doc.operations.get(t.op_index) else {
                continue;
            };
            let Ok(template) = vtl::Template::parse(&t.source) else {
                continue;
            };
            // A MOCK integration reads only `statusCode` from its request template's output,
            // leniently (CDK's CORS preflight sends `{ statusCode: 200 }`): it is not JSON
            // for a backend, so it is not held to strict JSON.
            let mock = op.integration_type() == "mock";
            let action = op.dynamodb_action();
            let mut outputs = Vec::new();
            let mut problem: Option<Problem> = None;
            for case in self.request_cases(op, t) {
                let result = render_json(&template, &case.bindings);
                match result {
                    Ok(Some(v)) => {
                        if let Some(a) = &action {
                            let lits = stored::literals(&t.source, &case.bindings, &v);
                            writes.push((a.clone(), v.clone(), lits.clone()));
                            request_literals
                                .entry(t.op_index)
                                .or_default()
                                .push((v.clone(), lits));
                        }
                        outputs.push((case.what.clone(), v));
                    }
                    Ok(None) => {}
                    Err(e) if !mock => {
                        let hostile_only = render_json(&template, &tame(&case.bindings)).is_ok();
                        Problem::offer(
                            &mut problem,
                            e.message(&case.what),
                            is_plain(&case.bindings),
                            hostile_only,
                        );
                    }
                    Err(_) => {}
                }
            }
            if let Some(p) = problem {
                let mut f = self
                    .doc
                    .template_finding("invalid-json", t, None, p.message);
                f.hostile_only = p.hostile_only;
                out.push(f);
            }
            for (_, v) in &outputs {
                requests.entry(t.op_index).or_default().push(v.clone());
            }
            rendered.push((i, outputs));
        }
        // What the API stores, each item also with plain and with hostile strings (the hostile
        // request itself may not have rendered JSON).
        let items: Vec<stored::Stored> = stored::items(&writes)
            .into_iter()
            .flat_map(|s| {
                [
                    s.with_strings("a", with_strings),
                    s.item.clone(),
                    s.with_strings(HOSTILE, with_strings),
                ]
                .into_iter()
                .map(move |item| stored::Stored { item, ..s.clone() })
            })
            .collect();
        for (i, outputs) in &rendered {
            self.empty_attributes(&templates[*i], outputs, out);
        }
        for t in templates.iter().filter(|t| t.kind == Kind::Response) {
            let reqs = requests.get(&t.op_index).cloned().unwrap_or_default();
            // The items of the table this operation reads, else every stored item; of those,
            // the ones its requests' keys can reach.
            let table = reqs
                .iter()
                .find_map(|r| r.get("TableName").and_then(Value::as_str));
            let mine: Vec<stored::Stored> = items
                .iter()
                .filter(|s| table.is_some() && s.table.as_deref() == table)
                .cloned()
                .collect();
            let chosen = if mine.is_empty() { items.clone() } else { mine };
            let action = self
                .doc
                .operations
                .get(t.op_index)
                .and_then(Op::dynamodb_action);
            let lits = request_literals
                .get(&t.op_index)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let chosen: Vec<Value> = stored::readable(action.as_deref(), lits, &chosen)
                .into_iter()
                .map(|s| s.item)
                .collect();
            self.response(t, &chosen, &reqs, out);
        }
    }

    fn base_bindings(&self, op: &Op, fill: Fill) -> vtl::Bindings {
        let mut b = vtl::Bindings::default();
        for name in op.parameter_names(self.doc, "path") {
            b.path.insert(name, param_value(fill));
        }
        for p in &op.parameters {
            let p = self.doc.deref(p);
            let required = p.get("required").and_then(Value::as_bool) == Some(true);
            let Some(name) = p.get("name").and_then(Value::as_str) else {
                continue;
            };
            // A value the parameter's schema accepts: hostile only for plain strings.
            let value = match p.get("schema").map(|s| self.doc.deref(s)) {
                Some(s) if s.get("type").and_then(Value::as_str) == Some("integer") => s
                    .get("minimum")
                    .and_then(Value::as_i64)
                    .unwrap_or(1)
                    .to_string(),
                _ => param_value(fill),
            };
            match p.get("in").and_then(Value::as_str) {
                Some("query") if required || fill == Fill::Full => {
                    b.querystring.insert(name.to_string(), value);
                }
                Some("header") if required || fill == Fill::Full => {
                    b.header.insert(name.to_string(), value);
                }
                _ => {}
            }
        }
        b.context = json!({
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "extendedRequestId": "Q2jLtF0_IAMEsWg=",
            "httpMethod": op.label.split(' ').next().unwrap_or("GET"),
            "resourcePath": op.path,
            "path": format!("/prod{}", op.path),
            "stage": "prod",
            "identity": {"sourceIp": "203.0.113.7", "userAgent": "lint"},
            "requestTime": "09/Apr/2015:12:34:56 +0000",
            "requestTimeEpoch": 1428582896000u64,
        })
        .as_object()
        .cloned()
        .unwrap_or_default();
        for (k, v) in &self.doc.params {
            b.vars.insert(k.clone(), Value::String(v.clone()));
        }
        for (k, v) in &self.doc.placeholders {
            b.vars.insert(k.clone(), v.clone());
        }
        b
    }

    fn request_cases(&self, op: &Op, t: &Tpl) -> Vec<Case> {
        let schema = self.doc.request_schema(op, &t.content_type);
        [
            (Fill::Full, "every field set to strings with quotes, backslashes, `'`, control characters and emoji"),
            (Fill::Minimal, "only the required fields, shortest strings"),
            (Fill::Sparse, "every field, one array element with only its required fields"),
            (Fill::EmptyArrays, "every field, empty arrays"),
        ]
        .into_iter()
        .map(|(fill, what)| {
            let mut b = self.base_bindings(op, fill);
            let body = match schema {
                Some(s) => generate(self.doc, s, fill, 0),
                None => json!({}),
            };
            b.body = body.to_string();
            let has_params = !(b.path.is_empty() && b.querystring.is_empty() && b.header.is_empty());
            let what = match schema {
                Some(_) => format!("a request with {what} ({})", truncate(&b.body)),
                None if !has_params => "any request".to_string(),
                None if fill == Fill::Full => "a request whose parameters hold quotes, backslashes, `'`, control characters and emoji".to_string(),
                None => "a request with plain parameters".to_string(),
            };
            Case { what, bindings: b }
        })
        .collect()
    }

    /// `{"S": ""}` where a request template writes an attribute.
    fn empty_attributes(&self, t: &Tpl, outputs: &[(String, Value)], out: &mut Vec<Finding>) {
        let mut kinds = std::collections::HashSet::new();
        for (what, v) in outputs {
            for section in ["Item", "Key"] {
                let Some(attrs) = v.get(section).and_then(Value::as_object) else {
                    continue;
                };
                for (name, av) in attrs {
                    let mut empty = Vec::new();
                    empty_strings(av, name, &mut empty);
                    for path in empty {
                        let is_key = section == "Key"
                            || (path == *name && self.doc.key_attributes.contains(name));
                        // One finding for an empty key, one for an empty other attribute.
                        if !kinds.insert(is_key) {
                            continue;
                        }
                        let msg = if is_key {
                            format!(
                                "with {what} the key attribute `{path}` is an empty string: DynamoDB refuses empty key attributes (400, answered as a client error); require `minLength: 1`"
                            )
                        } else {
                            format!(
                                "with {what} attribute `{section}.{path}` is written as an empty string instead of being left out: an absent optional field is stored as \"\"; guard it with `#if`"
                            )
                        };
                        out.push(self.doc.template_finding("empty-attribute", t, None, msg));
                    }
                }
            }
        }
    }

    fn response(&self, t: &Tpl, items: &[Value], requests: &[Value], out: &mut Vec<Finding>) {
        let Some(op) = self.doc.operations.get(t.op_index) else {
            return;
        };
        let Ok(template) = vtl::Template::parse(&t.source) else {
            return;
        };
        let action = op.dynamodb_action();
        let key = t.response_key.as_deref().unwrap_or("default");
        let pattern = (key != "default")
            .then(|| apidef::SelectionPattern::compile(key).ok())
            .flatten();
        // The statuses this response is selected for (roughly: the default takes what no
        // pattern of the operation does).
        let other_patterns: Vec<apidef::SelectionPattern> = op
            .integration_responses()
            .iter()
            .filter(|(k, _)| k != "default")
            .filter_map(|(k, _)| apidef::SelectionPattern::compile(k).ok())
            .collect();
        let selected = |status: &str| match &pattern {
            Some(p) => p.matches(status),
            None => !other_patterns.iter().any(|p| p.matches(status)),
        };
        let mut cases = Vec::new();
        if selected("200") {
            let items = if items.is_empty() {
                self.items_from_schema(op)
            } else {
                items.to_vec()
            };
            for body in success_replies(
                action.as_deref(),
                requests,
                &items,
                &self.doc.key_attributes,
            ) {
                let mut b = self.base_bindings(op, Fill::Full);
                b.body = body.to_string();
                cases.push(Case {
                    what: format!("the DynamoDB reply {}", truncate(&b.body)),
                    bindings: b,
                });
            }
        }
        for (status, body) in ERROR_BODIES {
            if selected(status)
                || (pattern.is_some() && !selected("200") && !selected("400") && !selected("500"))
            {
                let mut b = self.base_bindings(op, Fill::Full);
                b.body = (*body).to_string();
                cases.push(Case {
                    what: format!("the DynamoDB error {status} {body}"),
                    bindings: b,
                });
            }
        }
        let mut seen: Vec<&'static str> = Vec::new();
        let mut push = |rule: &'static str, msg: String, out: &mut Vec<Finding>| {
            if !seen.contains(&rule) {
                seen.push(rule);
                out.push(self.doc.template_finding(rule, t, None, msg));
            }
        };
        let mut problem: Option<Problem> = None;
        for case in cases {
            let r = match template.render(&case.bindings) {
                Ok(r) => r,
                Err(e) => {
                    let hostile_only = template.render(&tame(&case.bindings)).is_ok();
                    Problem::offer(
                        &mut problem,
                        format!("with {} the template fails to render: {e}", case.what),
                        is_plain(&case.bindings),
                        hostile_only,
                    );
                    continue;
                }
            };
            let status = r
                .response_override
                .status_code()
                .map(|s| s.to_string())
                .or_else(|| t.status_code.clone())
                .unwrap_or_default();
            let text = r.output.trim();
            if status == "204" || status == "205" || status == "304" {
                if !text.is_empty() {
                    push(
                        "body-on-204",
                        format!(
                            "the response is {status}, which carries no content, but the template renders {:?} (with {})",
                            truncate(text),
                            case.what
                        ),
                        out,
                    );
                }
                continue;
            }
            if text.is_empty() {
                continue;
            }
            // A response template's key is the Content-Type of the body it writes: only a JSON
            // media type promises JSON (a `text/html` error page is not JSON by design).
            if !is_json_media(&t.content_type) {
                continue;
            }
            let value = match serde_json::from_str::<Value>(text) {
                Ok(v) => v,
                Err(e) => {
                    let hostile_only = render_json(&template, &tame(&case.bindings)).is_ok();
                    Problem::offer(
                        &mut problem,
                        format!(
                            "with {} the output is not JSON ({e}): {}",
                            case.what,
                            excerpt(text, e.line(), e.column())
                        ),
                        is_plain(&case.bindings),
                        hostile_only,
                    );
                    continue;
                }
            };
            match self.doc.response_schema(op, &status, &t.content_type) {
                Some(schema) => {
                    let mut problems = Vec::new();
                    compare(self.doc, schema, &value, "$", &mut problems);
                    if let Some(p) = problems.first() {
                        push(
                            "response-schema",
                            format!(
                                "with {} the {status} body does not match its schema: {p}",
                                case.what
                            ),
                            out,
                        );
                    }
                }
                None if status.starts_with('2') => push(
                    "no-response-schema",
                    format!(
                        "the template renders a {status} body but response {status} declares no {} schema, so clients have no contract for it",
                        t.content_type
                    ),
                    out,
                ),
                None => {}
            }
        }
        if let Some(p) = problem {
            let mut f = self
                .doc
                .template_finding("invalid-json", t, None, p.message);
            f.hostile_only = p.hostile_only;
            out.push(f);
        }
    }

    /// DynamoDB items shaped after a success response's schema, when no PutItem shows them.
    fn items_from_schema(&self, op: &Op) -> Vec<Value> {
        let Some(schema) = self.doc.response_schema(op, "200", "application/json") else {
            return vec![json!({})];
        };
        let mut s = self.doc.deref(schema);
        if s.get("type").and_then(Value::as_str) == Some("array")
            && let Some(items) = s.get("items")
        {
            s = self.doc.deref(items);
        }
        vec![
            to_item(self.doc, s, Fill::Full, 0),
            to_item(self.doc, s, Fill::Minimal, 0),
        ]
    }
}

fn param_value(fill: Fill) -> String {
    match fill {
        Fill::Full => HOSTILE.to_string(),
        _ => "a".to_string(),
    }
}

/// The replies of a successful call of `action` (the requests are what the operation's request
/// templates rendered), after [`reply_shapes::SHAPES`]: every member a reply always has, with
/// and without each member it only sometimes has, and each list member empty, full and with one
/// element.
fn success_replies(
    action: Option<&str>,
    requests: &[Value],
    items: &[Value],
    keys: &[String],
) -> Vec<Value> {
    let Some(action) = action else {
        return vec![json!({})];
    };
    let selector = if matches!(action, "Query" | "Scan") {
        "Select"
    } else {
        "ReturnValues"
    };
    let mut whens: Vec<Option<String>> = requests
        .iter()
        .map(|r| r.get(selector).and_then(Value::as_str).map(str::to_string))
        .collect();
    if whens.is_empty() {
        whens.push(None);
    }
    whens.dedup();
    let first = items.first().cloned().unwrap_or_else(|| json!({}));
    let mut out: Vec<Value> = Vec::new();
    for when in whens {
        let Some(shape) = reply_shapes::shape(action, when.as_deref()) else {
            if !out.contains(&json!({})) {
                out.push(json!({}));
            }
            continue;
        };
        let request = requests
            .iter()
            .find(|r| r.get(selector).and_then(Value::as_str) == when.as_deref())
            .cloned()
            .unwrap_or_else(|| json!({}));
        let alternatives = |m: Member| -> Vec<(String, Value)> {
            match m {
                Member::Item => items.iter().map(|i| ("Item".into(), i.clone())).collect(),
                Member::OldItem | Member::UpdatedOld => items
                    .iter()
                    .map(|i| ("Attributes".into(), i.clone()))
                    .collect(),
                Member::NewItem => new_items(&request, items)
                    .into_iter()
                    .map(|i| ("Attributes".into(), i))
                    .collect(),
                Member::UpdatedNew => {
                    let updated = updated_attributes(&request);
                    if updated.is_empty() {
                        items
                            .iter()
                            .map(|i| ("Attributes".into(), i.clone()))
                            .collect()
                    } else {
                        vec![("Attributes".into(), Value::Object(updated))]
                    }
                }
                Member::Items => vec![
                    ("Items".into(), Value::Array(items.to_vec())),
                    ("Items".into(), json!([])),
                    ("Items".into(), json!([first.clone()])),
                ],
                // Filled in from Items below.
                Member::Counts => vec![("Count".into(), json!(0))],
                Member::LastEvaluatedKey => {
                    let key: Map<String, Value> = first
                        .as_object()
                        .map(|m| {
                            m.iter()
                                .filter(|(k, _)| keys.contains(k))
                                .map(|(k, v)| (k.clone(), v.clone()))
                                .collect()
                        })
                        .unwrap_or_default();
                    vec![("LastEvaluatedKey".into(), Value::Object(key))]
                }
                Member::BatchResponses => {
                    let tables: Vec<String> = request
                        .get("RequestItems")
                        .and_then(Value::as_object)
                        .map(|m| m.keys().cloned().collect())
                        .unwrap_or_default();
                    let m: Map<String, Value> = tables
                        .into_iter()
                        .map(|t| (t, Value::Array(items.to_vec())))
                        .collect();
                    vec![("Responses".into(), Value::Object(m))]
                }
                Member::UnprocessedKeys => vec![("UnprocessedKeys".into(), json!({}))],
                Member::UnprocessedItems => vec![("UnprocessedItems".into(), json!({}))],
                Member::TransactResponses => vec![(
                    "Responses".into(),
                    Value::Array(
                        items
                            .iter()
                            .map(|i| json!({"Item": i}))
                            .chain([json!({})])
                            .collect(),
                    ),
                )],
            }
        };
        let build = |chosen: &[(String, Value)]| -> Value {
            let mut m = Map::new();
            for (k, v) in chosen {
                m.insert(k.clone(), v.clone());
            }
            if shape.always.contains(&Member::Counts) || shape.sometimes.contains(&Member::Counts) {
                let n = m.get("Items").and_then(Value::as_array).map_or(
                    if shape.always.contains(&Member::Items) {
                        0
                    } else {
                        items.len()
                    },
                    Vec::len,
                );
                m.insert("Count".into(), json!(n));
                m.insert("ScannedCount".into(), json!(n));
            }
            Value::Object(m)
        };
        let base: Vec<(String, Value)> = shape
            .always
            .iter()
            .filter_map(|m| alternatives(*m).into_iter().next())
            .collect();
        let mut replies = vec![build(&base)];
        // Each alternative of each member that is always there.
        for m in shape.always {
            for alt in alternatives(*m).into_iter().skip(1) {
                let chosen: Vec<(String, Value)> = base
                    .iter()
                    .map(|(k, v)| {
                        if *k == alt.0 {
                            alt.clone()
                        } else {
                            (k.clone(), v.clone())
                        }
                    })
                    .collect();
                replies.push(build(&chosen));
            }
        }
        // Each alternative of each member that is only sometimes there (with the one-element
        // list for a page that is not the last one).
        for m in shape.sometimes {
            for alt in alternatives(*m) {
                let mut chosen: Vec<(String, Value)> = base
                    .iter()
                    .map(|(k, v)| {
                        if k == "Items" && *m == Member::LastEvaluatedKey {
                            (k.clone(), json!([first.clone()]))
                        } else {
                            (k.clone(), v.clone())
                        }
                    })
                    .collect();
                chosen.push(alt);
                replies.push(build(&chosen));
            }
        }
        // Each reply also with plain strings (the characters JSON needs escaped replaced, as
        // [`tame`] does, so a literal prefix such as `ATTENDEE#` stays), so the checks that need
        // JSON output (response schemas) see the reply even when hostile strings break it.
        for r in replies {
            for r in [tame_strings(&r), r] {
                if !out.contains(&r) {
                    out.push(r);
                }
            }
        }
    }
    out
}

/// The item after an UpdateItem: its key and what the update writes, over each stored item
/// (the item existed) and alone (the update created it), unless the request's condition says
/// the item exists.
fn new_items(request: &Value, items: &[Value]) -> Vec<Value> {
    let mut written = request
        .get("Key")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    written.extend(updated_attributes(request));
    if written.is_empty() {
        return items.to_vec();
    }
    let must_exist = stored::requires_existing_item(request);
    let removed = stored::removed_attributes(request);
    let mut out: Vec<Value> = items
        .iter()
        .filter_map(Value::as_object)
        .map(|i| {
            let mut m = i.clone();
            m.extend(written.clone());
            for r in &removed {
                m.remove(r);
            }
            Value::Object(m)
        })
        .collect();
    if !must_exist || out.is_empty() {
        out.push(Value::Object(written));
    }
    out
}

/// The attributes an UpdateItem request writes, with the values it writes (`SET a = :v`,
/// `SET a = a + :v`, `SET a = if_not_exists(a, :v)`, `ADD a :v`, and the legacy
/// `AttributeUpdates`). Names go through `ExpressionAttributeNames`; only the top-level attribute
/// of a path is kept.
pub(super) fn updated_attributes(request: &Value) -> Map<String, Value> {
    let mut out = Map::new();
    let names = request.get("ExpressionAttributeNames");
    let values = request.get("ExpressionAttributeValues");
    let name_of = |path: &str| -> Option<String> {
        let first = path
            .trim()
            .split(['.', '['])
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        if first.is_empty() {
            return None;
        }
        match first.strip_prefix('#') {
            Some(_) => names
                .and_then(|n| n.get(&first))
                .and_then(Value::as_str)
                .map(str::to_string),
            None => Some(first),
        }
    };
    let value_in = |expr: &str| -> Option<Value> {
        let start = expr.find(':')?;
        let token: String = expr[start..]
            .chars()
            .take_while(|c| *c == ':' || c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        values.and_then(|v| v.get(&token)).cloned()
    };
    if let Some(expr) = request.get("UpdateExpression").and_then(Value::as_str) {
        for (clause, body) in update_clauses(expr) {
            for item in split_top_level(&body) {
                let (path, rhs) = match clause.as_str() {
                    "SET" => match item.split_once('=') {
                        Some((p, r)) => (p.to_string(), r.to_string()),
                        None => continue,
                    },
                    "ADD" => {
                        let item = item.trim();
                        match item.split_once(char::is_whitespace) {
                            Some((p, r)) => (p.to_string(), r.to_string()),
                            None => continue,
                        }
                    }
                    _ => continue,
                };
                if let (Some(n), Some(v)) = (name_of(&path), value_in(&rhs)) {
                    out.insert(n, v);
                }
            }
        }
    }
    if let Some(updates) = request.get("AttributeUpdates").and_then(Value::as_object) {
        for (k, u) in updates {
            if let Some(v) = u.get("Value") {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    out
}

/// `SET a = :a, b = :b REMOVE c` -> `[("SET", "a = :a, b = :b"), ("REMOVE", "c")]`.
pub(super) fn update_clauses(expr: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for word in expr.split_inclusive(char::is_whitespace) {
        let w = word.trim().to_ascii_uppercase();
        if matches!(w.as_str(), "SET" | "REMOVE" | "ADD" | "DELETE") {
            out.push((w, String::new()));
        } else if let Some(last) = out.last_mut() {
            last.1.push_str(word);
        }
    }
    out
}

/// Split on commas outside parentheses.
fn split_top_level(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

/// A schema-valid value.
fn generate(doc: &Doc, schema: &Value, fill: Fill, depth: usize) -> Value {
    let s = doc.deref(schema);
    if depth > 8 {
        return Value::Null;
    }
    if let Some(e) = s
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return e.clone();
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(first) = s.get(key).and_then(Value::as_array).and_then(|a| a.first()) {
            return generate(doc, first, fill, depth + 1);
        }
    }
    let ty = match s.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts.iter().find_map(Value::as_str).unwrap_or("string"),
        _ if s.get("properties").is_some() => "object",
        _ if s.get("items").is_some() => "array",
        _ => "string",
    };
    match ty {
        "object" => {
            let required: Vec<&str> = s
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut m = Map::new();
            if let Some(props) = s.get("properties").and_then(Value::as_object) {
                for (k, p) in props {
                    let include = match fill {
                        Fill::Full | Fill::EmptyArrays => true,
                        Fill::Minimal => required.contains(&k.as_str()),
                        Fill::Sparse => depth == 0 || required.contains(&k.as_str()),
                    };
                    if include {
                        m.insert(k.clone(), generate(doc, p, fill, depth + 1));
                    }
                }
            }
            Value::Object(m)
        }
        "array" => {
            let min = s.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
            let max = s.get("maxItems").and_then(Value::as_u64).unwrap_or(100) as usize;
            let n = match fill {
                Fill::Full => 2,
                Fill::Minimal | Fill::EmptyArrays => 0,
                Fill::Sparse => 1,
            }
            .clamp(min.min(max), max);
            let item = s.get("items").cloned().unwrap_or(json!({}));
            Value::Array(
                (0..n)
                    .map(|_| generate(doc, &item, fill, depth + 1))
                    .collect(),
            )
        }
        "integer" => json!(s.get("minimum").and_then(Value::as_i64).unwrap_or(1)),
        "number" => json!(s.get("minimum").and_then(Value::as_f64).unwrap_or(1.5)),
        "boolean" => json!(true),
        "null" => Value::Null,
        _ => {
            let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
            let max = s
                .get("maxLength")
                .and_then(Value::as_u64)
                .unwrap_or(1 << 20) as usize;
            // A pattern or format: a plain sample that satisfies it.
            let constrained = s.get("pattern").is_some() || s.get("format").is_some();
            if constrained && let Some(sample) = sample_string(s, min, max) {
                return Value::String(sample);
            }
            let hostile = matches!(fill, Fill::Full | Fill::EmptyArrays);
            let text = if hostile && !constrained {
                HOSTILE.chars().take(max).collect::<String>()
            } else {
                String::new()
            };
            let mut text = text;
            while text.chars().count() < min {
                text.push('a');
            }
            Value::String(text)
        }
    }
}

/// A string its schema's `format` and `pattern` (searched, as draft 4 says) accept, within its
/// length bounds: the first of a few plain candidates that fits.
fn sample_string(s: &Value, min: usize, max: usize) -> Option<String> {
    let by_format: &[&str] = match s.get("format").and_then(Value::as_str) {
        Some("date-time") => &["2024-01-01T00:00:00Z"],
        Some("date") => &["2024-01-01"],
        Some("time") => &["00:00:00Z"],
        Some("email") => &["a@example.com"],
        Some("uuid") => &["c6af9ac6-7b61-11e6-9a41-93e8deadbeef"],
        Some("uri" | "url") => &["https://example.com/a"],
        Some("hostname") => &["example.com"],
        Some("ipv4") => &["192.0.2.1"],
        Some("ipv6") => &["2001:db8::1"],
        _ => &[],
    };
    let pattern = match s.get("pattern").and_then(Value::as_str) {
        Some(p) => Some(vtl::javaregex::JavaPattern::compile(&format!("(?s).*(?:{p}).*")).ok()?),
        None => None,
    };
    let generic = [
        "a",
        "A",
        "1",
        "abc",
        "ABC",
        "123",
        "a1",
        "Abc1",
        "a-b",
        "a_b",
        "a.b",
        "a b",
        "2024-01-01",
        "2024-01-01T00:00:00Z",
        "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "a@example.com",
        "https://example.com/a",
    ];
    let padded: Vec<String> = ["a", "A", "1", "ab"]
        .iter()
        .map(|c| c.repeat(min.max(1).div_ceil(c.len())))
        .collect();
    by_format
        .iter()
        .map(|c| c.to_string())
        .chain(generic.iter().map(|c| c.to_string()))
        .chain(padded)
        .find(|c| {
            let n = c.chars().count();
            n >= min
                && n <= max
                && pattern
                    .as_ref()
                    .is_none_or(|p| p.matches(c).unwrap_or(false))
        })
}

/// A DynamoDB item (attribute values) for an object schema: properties become capitalised
/// attribute names, as hand-written templates usually do.
fn to_item(doc: &Doc, schema: &Value, fill: Fill, depth: usize) -> Value {
    let mut m = Map::new();
    if let Some(props) = doc
        .deref(schema)
        .get("properties")
        .and_then(Value::as_object)
    {
        for (k, p) in props {
            let name = capitalise(k);
            m.insert(name, attribute(doc, p, fill, depth + 1));
        }
    }
    Value::Object(m)
}

fn attribute(doc: &Doc, schema: &Value, fill: Fill, depth: usize) -> Value {
    let s = doc.deref(schema);
    if depth > 8 {
        return json!({"NULL": true});
    }
    match s.get("type").and_then(Value::as_str) {
        Some("object") => json!({"M": to_item(doc, s, fill, depth)}),
        Some("array") => {
            let item = s.get("items").cloned().unwrap_or(json!({}));
            let n = if fill == Fill::Full { 2 } else { 0 };
            json!({"L": (0..n).map(|_| attribute(doc, &item, fill, depth + 1)).collect::<Vec<_>>()})
        }
        Some("integer" | "number") => json!({"N": "1"}),
        Some("boolean") => json!({"BOOL": true}),
        _ => json!({"S": if fill == Fill::Full { HOSTILE } else { "a" }}),
    }
}

/// `reply` with every character JSON needs escaped (`"`, `\\`, `'`, control characters) in its
/// strings replaced by a letter.
fn tame_strings(reply: &Value) -> Value {
    match reply {
        Value::String(s) => Value::String(
            s.chars()
                .map(|c| {
                    if matches!(c, '"' | '\\' | '\'') || c.is_control() {
                        'a'
                    } else {
                        c
                    }
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(tame_strings).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), tame_strings(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// `item` with every `S` value replaced by `text`.
fn with_strings(item: &Value, text: &str) -> Value {
    match item {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v = if k == "S" && v.is_string() {
                        Value::String(text.to_string())
                    } else {
                        with_strings(v, text)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|v| with_strings(v, text)).collect()),
        other => other.clone(),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Attribute paths (`Tracks[0].Length`) whose `S` value is the empty string.
fn empty_strings(av: &Value, path: &str, out: &mut Vec<String>) {
    let Some(m) = av.as_object() else { return };
    if m.get("S").and_then(Value::as_str) == Some("") {
        out.push(path.to_string());
    }
    if let Some(l) = m.get("L").and_then(Value::as_array) {
        for (i, x) in l.iter().enumerate() {
            empty_strings(x, &format!("{path}[{i}]"), out);
        }
    }
    if let Some(mm) = m.get("M").and_then(Value::as_object) {
        for (k, x) in mm {
            empty_strings(x, &format!("{path}.{k}"), out);
        }
    }
}

/// Fields the schema does not declare, required fields missing, wrong JSON types.
fn compare(doc: &Doc, schema: &Value, v: &Value, at: &str, out: &mut Vec<String>) {
    let s = doc.deref(schema);
    let ty = s.get("type").and_then(Value::as_str);
    match v {
        Value::Object(m) => {
            if let Some(t) = ty
                && t != "object"
            {
                out.push(format!("{at} is an object, the schema says {t}"));
                return;
            }
            if let Some(props) = s.get("properties").and_then(Value::as_object) {
                for (k, x) in m {
                    match props.get(k) {
                        Some(p) => compare(doc, p, x, &format!("{at}.{k}"), out),
                        None => out.push(format!(
                            "`{at}.{k}` is not declared (declared: {})",
                            props.keys().cloned().collect::<Vec<_>>().join(", ")
                        )),
                    }
                }
            }
            for r in s
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                if !m.contains_key(r) {
                    out.push(format!("required field `{at}.{r}` is missing"));
                }
            }
        }
        Value::Array(a) => {
            if let Some(t) = ty
                && t != "array"
            {
                out.push(format!("{at} is an array, the schema says {t}"));
                return;
            }
            if let Some(items) = s.get("items") {
                for (i, x) in a.iter().enumerate() {
                    compare(doc, items, x, &format!("{at}[{i}]"), out);
                }
            }
        }
        Value::String(_) if ty.is_some_and(|t| t != "string") => {
            out.push(format!(
                "{at} is a string, the schema says {}",
                ty.unwrap_or("")
            ));
        }
        Value::Number(_) if ty.is_some_and(|t| t != "number" && t != "integer") => {
            out.push(format!(
                "{at} is a number, the schema says {}",
                ty.unwrap_or("")
            ));
        }
        Value::Bool(_) if ty.is_some_and(|t| t != "boolean") => {
            out.push(format!(
                "{at} is a boolean, the schema says {}",
                ty.unwrap_or("")
            ));
        }
        _ => {}
    }
}

fn truncate(s: &str) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 120 {
        format!("{}…", one_line.chars().take(120).collect::<String>())
    } else {
        one_line
    }
}

/// The output line around a JSON error, with a marker.
fn excerpt(text: &str, line: usize, column: usize) -> String {
    let l = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    let start = column.saturating_sub(40);
    let piece: String = l.chars().skip(start).take(80).collect();
    format!("`{}` (output line {line}, column {column})", piece.trim())
}

/// `application/json`, or a `+json` structured syntax (`application/problem+json`), with or
/// without parameters.
fn is_json_media(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}
