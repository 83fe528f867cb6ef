//! Rules that render templates with generated inputs: invalid JSON output, response bodies
//! against their schemas, a body on 204, and empty DynamoDB attributes.
//!
//! Request templates get bodies generated from the request schema (every field with hostile
//! strings; only the required fields with the shortest allowed strings; arrays of one sparse
//! element). Response templates get plausible DynamoDB replies built from the items the API's
//! own PutItem templates render (else from the response schema), and DynamoDB error bodies.

use serde_json::{Map, Value, json};

use super::Finding;
use super::doc::{Doc, Kind, Op, Tpl};

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
    /// The DynamoDB status this reply comes with (response templates).
    status: Option<&'static str>,
}

impl<'a> Context<'a> {
    pub fn new(doc: &'a Doc) -> Self {
        Context { doc }
    }

    pub fn check(&mut self, templates: &[Tpl], out: &mut Vec<Finding>) {
        // Items the API itself stores, from its PutItem request templates.
        let mut items: Vec<Value> = Vec::new();
        let mut rendered: Vec<(usize, Vec<(String, Value)>)> = Vec::new();
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
            let mut outputs = Vec::new();
            let mut reported_json = false;
            for case in self.request_cases(op, t) {
                match template.render(&case.bindings) {
                    Ok(r) => {
                        let text = r.output.trim();
                        if text.is_empty() {
                            continue;
                        }
                        match serde_json::from_str::<Value>(text) {
                            Ok(v) => outputs.push((case.what.clone(), v)),
                            Err(e) if !reported_json => {
                                reported_json = true;
                                out.push(self.doc.template_finding(
                                    "invalid-json",
                                    t,
                                    None,
                                    format!(
                                        "with {} the output is not JSON ({e}): {}",
                                        case.what,
                                        excerpt(text, e.line(), e.column())
                                    ),
                                ));
                            }
                            Err(_) => {}
                        }
                    }
                    Err(e) if !reported_json => {
                        reported_json = true;
                        out.push(self.doc.template_finding(
                            "invalid-json",
                            t,
                            None,
                            format!("with {} the template fails to render: {e}", case.what),
                        ));
                    }
                    Err(_) => {}
                }
            }
            if op.dynamodb_action().as_deref() == Some("PutItem") {
                for (_, v) in &outputs {
                    if let Some(item) = v.get("Item") {
                        // What the API stores, then the same shape with plain and with hostile
                        // strings (the hostile request itself may not have rendered JSON).
                        items.push(item.clone());
                        items.push(with_strings(item, "a"));
                        items.push(with_strings(item, HOSTILE));
                    }
                }
            }
            rendered.push((i, outputs));
        }
        for (i, outputs) in &rendered {
            self.empty_attributes(&templates[*i], outputs, out);
        }
        for t in templates.iter().filter(|t| t.kind == Kind::Response) {
            self.response(t, &items, out);
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
            let what = match schema {
                Some(_) => format!("a request with {what} ({})", truncate(&b.body)),
                None if fill == Fill::Full => "a request whose parameters hold quotes, backslashes, `'`, control characters and emoji".to_string(),
                None => "a request with plain parameters".to_string(),
            };
            Case {
                what,
                bindings: b,
                status: None,
            }
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

    fn response(&self, t: &Tpl, items: &[Value], out: &mut Vec<Finding>) {
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
            for body in success_bodies(action.as_deref(), &items, &self.doc.key_attributes) {
                let mut b = self.base_bindings(op, Fill::Full);
                b.body = body.to_string();
                cases.push(Case {
                    what: format!("the DynamoDB reply {}", truncate(&b.body)),
                    bindings: b,
                    status: Some("200"),
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
                    status: Some(status),
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
        for case in cases {
            let r = match template.render(&case.bindings) {
                Ok(r) => r,
                Err(e) => {
                    push(
                        "invalid-json",
                        format!("with {} the template fails to render: {e}", case.what),
                        out,
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
            let value = match serde_json::from_str::<Value>(text) {
                Ok(v) => v,
                Err(e) => {
                    push(
                        "invalid-json",
                        format!(
                            "with {} the output is not JSON ({e}): {}",
                            case.what,
                            excerpt(text, e.line(), e.column())
                        ),
                        out,
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
            let _ = case.status;
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

/// The replies of a successful call of `action`.
fn success_bodies(action: Option<&str>, items: &[Value], keys: &[String]) -> Vec<Value> {
    let first = items.first().cloned().unwrap_or_else(|| json!({}));
    match action {
        Some("Scan" | "Query") => {
            let last_key: Map<String, Value> = first
                .as_object()
                .map(|m| {
                    m.iter()
                        .filter(|(k, _)| keys.contains(k))
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect()
                })
                .unwrap_or_default();
            vec![
                json!({"Items": items, "Count": items.len(), "ScannedCount": items.len()}),
                json!({"Items": [], "Count": 0, "ScannedCount": 0}),
                json!({"Items": [first], "Count": 1, "ScannedCount": 1, "LastEvaluatedKey": last_key}),
            ]
        }
        Some("GetItem") => {
            let mut v: Vec<Value> = items.iter().map(|i| json!({"Item": i})).collect();
            v.push(json!({}));
            v
        }
        Some("DeleteItem" | "UpdateItem" | "PutItem") => {
            let mut v: Vec<Value> = items.iter().map(|i| json!({"Attributes": i})).collect();
            v.push(json!({}));
            v
        }
        _ => vec![json!({})],
    }
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
            // A pattern or format this cannot satisfy with hostile text: use plain letters.
            let constrained = s.get("pattern").is_some() || s.get("format").is_some();
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
