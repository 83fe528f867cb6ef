//! The document as the rules see it: operations and templates found by walking the JSON tree
//! (not `apidef::Api`, so documents spec refuses still get linted), local `$ref`s followed on
//! demand, and line:column of every node and of every template line.
//!
//! The tree walked is the document after [`apidef::normalize`]: CloudFormation intrinsics
//! resolved (`{"Fn::Sub": "arn:...:dynamodb:action/Query"}` is the URI it stands for) and
//! Swagger 2.0 converted to OpenAPI 3.0. Every position is looked up through
//! [`apidef::normalize::Normalized::original_pointer`], so findings point into the file as
//! written.

use apidef::normalize::Normalized;
use apidef::source::Positions;
use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::{Finding, Severity, Snippet, rule_of};

/// `$ref` chains longer than this are treated as unresolvable (cycles).
const MAX_REF_DEPTH: usize = 32;

pub(super) struct Doc {
    pub text: String,
    /// The normalized document.
    pub root: Value,
    /// The document as written.
    raw: Value,
    /// The normalization (its document moved to `root`), for pointers back into `raw`.
    normalized: Normalized,
    positions: Positions,
    /// Declared deploy parameters and the value used for them when rendering.
    pub params: Vec<(String, String)>,
    /// Names a `Fn::Sub` template uses whose value is not known locally (a stack parameter,
    /// another resource's name): kept in the template as the VTL reference `${Name}` and bound
    /// when rendering to this value.
    pub placeholders: Vec<(String, Value)>,
    pub operations: Vec<Op>,
    /// Attribute names of the key of every declared table (`x-dynamodb-tables`).
    pub key_attributes: Vec<String>,
}

pub(super) struct Op {
    /// `POST /album`.
    pub label: String,
    pub path: String,
    pub pointer: String,
    pub value: Value,
    /// Path-item parameters followed by the operation's own (refs resolved).
    pub parameters: Vec<Value>,
}

impl Op {
    pub fn integration(&self) -> Option<&Map<String, Value>> {
        self.value
            .get("x-amazon-apigateway-integration")
            .and_then(Value::as_object)
    }

    pub fn integration_pointer(&self) -> String {
        format!("{}/x-amazon-apigateway-integration", self.pointer)
    }

    /// `PutItem` for a DynamoDB action integration.
    pub fn dynamodb_action(&self) -> Option<String> {
        let uri = self.integration()?.get("uri")?.as_str()?;
        apidef::dynamodb_action(uri).map(str::to_string)
    }

    /// The integration's `type`, lower-case (`aws`, `mock`, ...).
    pub fn integration_type(&self) -> String {
        self.integration()
            .and_then(|i| i.get("type"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_ascii_lowercase()
    }

    /// Integration responses: (selection key, object), in document order.
    pub fn integration_responses(&self) -> Vec<(String, &Map<String, Value>)> {
        self.integration()
            .and_then(|i| i.get("responses"))
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_object().map(|o| (k.clone(), o)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Names of the declared parameters in `location` (`path`, `query`, `header`).
    pub fn parameter_names(&self, doc: &Doc, location: &str) -> Vec<String> {
        self.parameters
            .iter()
            .map(|p| doc.deref(p))
            .filter(|p| p.get("in").and_then(Value::as_str) == Some(location))
            .filter_map(|p| p.get("name").and_then(Value::as_str).map(str::to_string))
            .collect()
    }
}

/// Which template a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Request,
    Response,
    /// A template of `x-amazon-apigateway-gateway-responses` (no operation).
    Gateway,
}

/// One mapping template of one operation.
pub(super) struct Tpl {
    pub op_index: usize,
    pub kind: Kind,
    /// `request application/json` / `response 4\d{2} application/json`.
    pub label: String,
    pub content_type: String,
    /// For a response template: the integration response's key and statusCode.
    pub response_key: Option<String>,
    pub status_code: Option<String>,
    pub pointer: String,
    pub source: String,
    /// Unknown `Fn::Sub` names the source keeps as `${Name}`.
    pub placeholders: Vec<String>,
    /// Where template line 1 column 1 is in the file, and how later lines map.
    origin: Option<Origin>,
}

#[derive(Debug, Clone, Copy)]
enum Origin {
    /// A YAML block scalar: template line k is file line `first_line + k - 1`, indented.
    Block { first_line: usize, indent: usize },
    /// A one-line scalar: only template line 1 is known, starting at this column.
    Inline { line: usize, column: usize },
}

impl Doc {
    pub fn parse(file: &str, text: &str, given: &IndexMap<String, String>) -> Option<Doc> {
        // apidef's tolerant reader: parsed, normalized, every operation listed.
        let document = apidef::reader::Document::read(text, file, given).ok()?;
        if !document.raw.is_object() || !document.document().is_object() {
            return None;
        }
        let operations: Vec<Op> = document
            .operations()
            .into_iter()
            .map(|o| Op {
                label: format!("{} {}", o.method, o.path),
                path: o.path.to_string(),
                pointer: o.pointer,
                value: o.value.clone(),
                parameters: o.parameters.into_iter().cloned().collect(),
            })
            .collect();
        let apidef::reader::Document {
            raw,
            mut normalized,
            positions,
            ..
        } = document;
        let root = std::mem::take(&mut normalized.document);
        let mut params: Vec<(String, String)> = root
            .get("x-deploy-parameters")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        let value = given
                            .get(k)
                            .map(String::as_str)
                            .or_else(|| v.get("default").and_then(Value::as_str))
                            .unwrap_or(k)
                            .to_string();
                        (k.clone(), value)
                    })
                    .collect()
            })
            .unwrap_or_default();
        // A `--param` for a placeholder the document uses without declaring it declares it,
        // as the loader does.
        for (k, v) in given {
            if !params.iter().any(|(p, _)| p == k) && text.contains(&format!("${{{k}}}")) {
                params.push((k.clone(), v.clone()));
            }
        }
        let mut key_attributes = Vec::new();
        if let Some(tables) = root.get("x-dynamodb-tables").and_then(Value::as_object) {
            for t in tables.values() {
                for k in t
                    .get("KeySchema")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(n) = k.get("AttributeName").and_then(Value::as_str) {
                        key_attributes.push(n.to_string());
                    }
                }
            }
        }
        let mut d = Doc {
            text: text.to_string(),
            root,
            raw,
            normalized,
            positions,
            params,
            placeholders: Vec::new(),
            operations,
            key_attributes,
        };
        let mut placeholders: Vec<(String, Value)> = Vec::new();
        for t in d.templates() {
            for name in t.placeholders {
                let (root, attr) = match name.split_once('.') {
                    Some((r, a)) => (r.to_string(), Some(a.to_string())),
                    None => (name.clone(), None),
                };
                let slot = match placeholders.iter_mut().find(|(n, _)| *n == root) {
                    Some((_, v)) => v,
                    None => {
                        placeholders.push((root.clone(), Value::String(root.clone())));
                        &mut placeholders.last_mut().expect("pushed").1
                    }
                };
                if let Some(a) = attr {
                    if !slot.is_object() {
                        *slot = Value::Object(Map::new());
                    }
                    slot[a] = Value::String(name.clone());
                }
            }
        }
        d.placeholders = placeholders;
        Some(d)
    }

    /// Every mapping template, request templates first within each operation.
    pub fn templates(&self) -> Vec<Tpl> {
        let mut out = Vec::new();
        for (i, op) in self.operations.iter().enumerate() {
            let Some(integ) = op.integration() else {
                continue;
            };
            let ip = op.integration_pointer();
            if let Some(m) = integ.get("requestTemplates").and_then(Value::as_object) {
                let base = format!("{ip}/requestTemplates");
                for (ct, src) in m {
                    let pointer = apidef::error::pointer_push(&base, ct);
                    let Some((source, placeholders)) = self.template_source(&pointer, src) else {
                        continue;
                    };
                    out.push(Tpl {
                        op_index: i,
                        kind: Kind::Request,
                        label: format!("request {ct}"),
                        content_type: ct.clone(),
                        response_key: None,
                        status_code: None,
                        origin: self.origin(&pointer, ct),
                        pointer,
                        source,
                        placeholders,
                    });
                }
            }
            for (key, r) in op.integration_responses() {
                let rp = apidef::error::pointer_push(&format!("{ip}/responses"), &key);
                let status = r
                    .get("statusCode")
                    .and_then(|s| match s {
                        Value::String(s) => Some(s.clone()),
                        Value::Number(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .unwrap_or_default();
                if let Some(m) = r.get("responseTemplates").and_then(Value::as_object) {
                    for (ct, src) in m {
                        let pointer =
                            apidef::error::pointer_push(&format!("{rp}/responseTemplates"), ct);
                        let Some((source, placeholders)) = self.template_source(&pointer, src)
                        else {
                            continue;
                        };
                        out.push(Tpl {
                            op_index: i,
                            kind: Kind::Response,
                            label: format!("response {key} {ct}"),
                            content_type: ct.clone(),
                            response_key: Some(key.clone()),
                            status_code: Some(status.clone()),
                            origin: self.origin(&pointer, ct),
                            pointer,
                            source,
                            placeholders,
                        });
                    }
                }
            }
        }
        // Gateway responses: the bodies API Gateway itself answers with (validation errors,
        // authorizer failures, ...).
        if let Some(m) = self
            .root
            .get("x-amazon-apigateway-gateway-responses")
            .and_then(Value::as_object)
        {
            for (kind, r) in m {
                let rp =
                    apidef::error::pointer_push("/x-amazon-apigateway-gateway-responses", kind);
                let Some(templates) = r.get("responseTemplates").and_then(Value::as_object) else {
                    continue;
                };
                for (ct, src) in templates {
                    let pointer =
                        apidef::error::pointer_push(&format!("{rp}/responseTemplates"), ct);
                    let Some((source, placeholders)) = self.template_source(&pointer, src) else {
                        continue;
                    };
                    out.push(Tpl {
                        op_index: usize::MAX,
                        kind: Kind::Gateway,
                        label: format!("gateway-response {kind} {ct}"),
                        content_type: ct.clone(),
                        response_key: None,
                        status_code: None,
                        origin: self.origin(&pointer, ct),
                        pointer,
                        source,
                        placeholders,
                    });
                }
            }
        }
        out
    }

    /// A template's text as API Gateway gets it, and the `Fn::Sub` names it keeps unresolved.
    ///
    /// A template written as `Fn::Sub` is substituted by CloudFormation before API Gateway sees
    /// it. What is known here is substituted (pseudo parameters such as `${AWS::Region}`,
    /// literal values of the list form, `${!X}` as `${X}`); anything else (a stack parameter, a
    /// resource's name) is a value the lint cannot know, so it is kept as the VTL reference
    /// `${Name}`, defined and bound when rendering like a deploy parameter: the logical id
    /// substituted into VTL code (`#set($ttl = ${TTL})` becoming `#set($ttl = TTL)`) would be a
    /// template the stack never deploys.
    fn template_source(&self, pointer: &str, normalized: &Value) -> Option<(String, Vec<String>)> {
        let raw = self.raw.pointer(&self.normalized.original_pointer(pointer));
        let sub = raw
            .and_then(Value::as_object)
            .filter(|m| m.len() == 1)
            .and_then(|m| m.get("Fn::Sub"));
        let (text, vars) = match sub {
            Some(Value::String(t)) => (t.as_str(), None),
            Some(Value::Array(a)) => match (a.first(), a.get(1)) {
                (Some(Value::String(t)), vars) => (t.as_str(), vars.and_then(Value::as_object)),
                _ => return normalized.as_str().map(|s| (s.to_string(), Vec::new())),
            },
            _ => return normalized.as_str().map(|s| (s.to_string(), Vec::new())),
        };
        let values = apidef::intrinsics::Values::new(&IndexMap::new());
        let mut out = String::with_capacity(text.len());
        let mut names = Vec::new();
        let mut rest = text;
        while let Some(at) = rest.find("${") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[at..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            if let Some(lit) = name.strip_prefix('!') {
                out.push_str(&format!("${{{lit}}}"));
            } else if let Some(v) = vars.and_then(|m| m.get(name)).and_then(Value::as_str) {
                out.push_str(v);
            } else if let Some(v) = name
                .starts_with("AWS::")
                .then(|| values.get(name))
                .flatten()
            {
                out.push_str(&v);
            } else if name.contains("::") || name.is_empty() {
                // Not a VTL name: the best local stand-in is the name itself.
                out.push_str(name);
            } else {
                out.push_str(&format!("${{{name}}}"));
                if !self.params.iter().any(|(k, _)| k == name) {
                    names.push(name.to_string());
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Some((out, names))
    }

    /// Where a template string starts in the file. Only trusted when the indexed position is
    /// the template's own key (aliased nodes have no position of their own).
    fn origin(&self, pointer: &str, key: &str) -> Option<Origin> {
        let original = self.normalized.original_pointer(pointer);
        // A template written as `Fn::Sub: |` starts where that string does (substitutions may
        // shift columns; template_finding checks each line).
        if let Some(sub) = self.raw.pointer(&original).and_then(|v| v.get("Fn::Sub"))
            && sub.is_string()
        {
            return self.origin_at(&format!("{original}/Fn::Sub"), "Fn::Sub");
        }
        self.origin_at(&original, key)
    }

    /// [`Doc::origin`] for a pointer into the document as written.
    fn origin_at(&self, pointer: &str, key: &str) -> Option<Origin> {
        let (line, col) = self.positions.find(pointer)?;
        let text = self.text.lines().nth(line.checked_sub(1)?)?;
        let start = char_to_byte(text, col.checked_sub(1)?);
        let rest = text.get(start..)?;
        let key_at = rest.find(key)?;
        // The key must be the node at that position (quoted or not), not a later mention.
        if key_at > 1 {
            return None;
        }
        let after_key = &rest[key_at + key.len()..];
        let after_key = after_key.trim_start_matches(['"', '\'']);
        let colon = after_key.find(':')?;
        if !after_key[..colon].trim().is_empty() {
            return None;
        }
        let value = &after_key[colon + 1..];
        let trimmed = value.trim_start();
        if trimmed.starts_with('|') || trimmed.starts_with('>') {
            let first_line = line + 1;
            let indent = self
                .text
                .lines()
                .skip(line)
                .find(|l| !l.trim().is_empty())
                .map(|l| l.len() - l.trim_start().len())?;
            return Some(Origin::Block { first_line, indent });
        }
        if trimmed.is_empty() {
            return None;
        }
        let value_byte = text.len() - trimmed.len();
        let quote = usize::from(trimmed.starts_with(['"', '\'']));
        let column = text[..value_byte].chars().count() + quote + 1;
        Some(Origin::Inline { line, column })
    }

    /// Position in the file of a JSON pointer into the normalized document.
    pub fn position(&self, pointer: &str) -> Option<(usize, usize)> {
        self.positions
            .find(&self.normalized.original_pointer(pointer))
    }

    /// Whether a request validator checks the operation's body against its model: the
    /// operation's `x-amazon-apigateway-request-validator`, else the document's, names an entry
    /// of `x-amazon-apigateway-request-validators` with `validateRequestBody: true`
    /// (apigateway-semantics.md §4.1).
    pub fn body_validated(&self, op: &Op) -> bool {
        let key = "x-amazon-apigateway-request-validator";
        let Some(name) = op
            .value
            .get(key)
            .or_else(|| self.root.get(key))
            .and_then(Value::as_str)
        else {
            return false;
        };
        self.root
            .get("x-amazon-apigateway-request-validators")
            .and_then(|v| v.get(name))
            .and_then(|v| v.get("validateRequestBody"))
            .and_then(Value::as_bool)
            == Some(true)
    }

    /// Follow local `$ref`s (`#/components/...`) to the node they name.
    pub fn deref<'a>(&'a self, v: &'a Value) -> &'a Value {
        let mut cur = v;
        for _ in 0..MAX_REF_DEPTH {
            let Some(r) = cur.get("$ref").and_then(Value::as_str) else {
                return cur;
            };
            let Some(ptr) = r.strip_prefix('#') else {
                return cur;
            };
            match self.root.pointer(ptr) {
                Some(next) => cur = next,
                None => return cur,
            }
        }
        cur
    }

    /// The JSON schema of a request body for a content type.
    pub fn request_schema<'a>(&'a self, op: &'a Op, content_type: &str) -> Option<&'a Value> {
        let body = self.deref(op.value.get("requestBody")?);
        let media = body.get("content")?.get(content_type)?;
        media.get("schema").map(|s| self.deref(s))
    }

    /// The declared method response for a status (falling back to `default`).
    pub fn response<'a>(&'a self, op: &'a Op, status: &str) -> Option<&'a Value> {
        let responses = op.value.get("responses")?;
        responses
            .get(status)
            .or_else(|| responses.get("default"))
            .map(|r| self.deref(r))
    }

    /// The JSON schema of a method response, for a content type.
    pub fn response_schema<'a>(
        &'a self,
        op: &'a Op,
        status: &str,
        content_type: &str,
    ) -> Option<&'a Value> {
        let r = self.response(op, status)?;
        let media = r.get("content")?.get(content_type)?;
        media.get("schema").map(|s| self.deref(s))
    }

    /// A finding about a node of the document (not a template line).
    pub fn node_finding(
        &self,
        rule: &'static str,
        op: Option<&Op>,
        template: Option<&str>,
        pointer: &str,
        message: String,
    ) -> Finding {
        let pos = self.position(pointer);
        let snippet = pos.and_then(|(l, c)| file_snippet(&self.text, l, Some(c), 1));
        Finding {
            rule,
            severity: severity_of(rule),
            operation: op.map(|o| o.label.clone()),
            template: template.map(str::to_string),
            line: None,
            column: None,
            file_line: pos.map(|p| p.0),
            file_column: pos.map(|p| p.1),
            message,
            snippet,
            allowed: false,
            allow_reason: None,
            allowed_by: None,
            hostile_only: false,
        }
    }

    /// A finding at a byte offset of a template (`None`: the template as a whole).
    pub fn template_finding(
        &self,
        rule: &'static str,
        t: &Tpl,
        at: Option<(usize, usize)>,
        message: String,
    ) -> Finding {
        let op = self.operations.get(t.op_index);
        let Some((offset, width)) = at else {
            let mut f = self.node_finding(rule, op, Some(&t.label), &t.pointer, message);
            if let Some(Origin::Block { first_line, indent }) = t.origin {
                f.file_line = Some(first_line);
                f.file_column = Some(indent + 1);
                f.snippet = file_snippet(&self.text, first_line, Some(indent + 1), 1);
            }
            return f;
        };
        let (line, column) = line_col(&t.source, offset);
        let line_text = t.source.lines().nth(line - 1).unwrap_or("").to_string();
        let (file_line, file_column) = match t.origin {
            Some(Origin::Block { first_line, indent }) => {
                let file_line = first_line + line - 1;
                // Exact when the file line is the template line (a substitution earlier on the
                // line shifts the column: then point at the line's start).
                let same = self.text.lines().nth(file_line - 1).is_some_and(|l| {
                    l.get(indent..).unwrap_or("").trim_end() == line_text.trim_end()
                });
                (
                    Some(file_line),
                    Some(if same { indent + column } else { indent + 1 }),
                )
            }
            // JSON-escaped or folded text shifts columns; only a plain first line is exact.
            Some(Origin::Inline { line: l, column: c }) if line == 1 => {
                (Some(l), Some(c + column - 1))
            }
            // Not mappable line by line: point at the template's key at least.
            _ => match self.position(&t.pointer) {
                Some((l, c)) => (Some(l), Some(c)),
                None => (None, None),
            },
        };
        let snippet = Some(Snippet {
            line_number: file_line.unwrap_or(line),
            text: line_text,
            column,
            width: width.max(1),
        });
        Finding {
            rule,
            severity: severity_of(rule),
            operation: op.map(|o| o.label.clone()),
            template: Some(t.label.clone()),
            line: Some(line),
            column: Some(column),
            file_line,
            file_column,
            message,
            snippet,
            allowed: false,
            allow_reason: None,
            allowed_by: None,
            hostile_only: false,
        }
    }
}

pub(super) fn severity_of(rule: &str) -> Severity {
    rule_of(rule).map(|r| r.severity).unwrap_or(Severity::Error)
}

/// 1-based line and character column of a byte offset.
pub(super) fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    (line, before[line_start..].chars().count() + 1)
}

fn char_to_byte(s: &str, chars: usize) -> usize {
    s.char_indices()
        .nth(chars)
        .map(|(b, _)| b)
        .unwrap_or(s.len())
}

/// The snippet of one file line.
pub(super) fn file_snippet(
    text: &str,
    line: usize,
    column: Option<usize>,
    width: usize,
) -> Option<Snippet> {
    let t = text.lines().nth(line.checked_sub(1)?)?;
    Some(Snippet {
        line_number: line,
        text: t.to_string(),
        column: column.unwrap_or(1),
        width,
    })
}
