//! Rules that read a template's syntax tree: parse errors, undefined roots, methods API Gateway
//! does not have, body fields the request schema does not declare, and JSON injection found by
//! tracking where each value comes from (taint) and in which output context it lands (inside a
//! JSON string literal or bare).

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use vtl::ast::{BinOp, Expr, Node, Part, Reference};

use super::Finding;
use super::doc::{Doc, Kind, Tpl};

/// The members of `$util` on API Gateway (developer guide, mapping template reference).
const UTIL_METHODS: &[&str] = &[
    "escapeJavaScript",
    "parseJson",
    "urlEncode",
    "urlDecode",
    "base64Encode",
    "base64Decode",
];

/// AppSync's `$util` helpers (and namespaces) that API Gateway lacks (docs/evidence/apigateway-semantics.md §1.2).
const APPSYNC_HELPERS: &[&str] = &[
    "toJson",
    "qr",
    "quiet",
    "dynamodb",
    "time",
    "list",
    "map",
    "str",
    "math",
    "transform",
    "rds",
    "http",
    "xml",
    "error",
    "appendError",
    "unauthorized",
    "validate",
    "isNull",
    "isNullOrEmpty",
    "isNullOrBlank",
    "defaultIfNull",
    "defaultIfNullOrEmpty",
    "defaultIfNullOrBlank",
    "isString",
    "isNumber",
    "isBoolean",
    "isList",
    "isMap",
    "typeOf",
    "matches",
    "authType",
    "autoId",
    "autoUlid",
    "autoKsuid",
    "log",
    "escapeJavaScriptString",
];

/// The members of `$input`.
const INPUT_MEMBERS: &[&str] = &["body", "json", "params", "path"];

/// Velocity's own loop variables.
const VELOCITY_ROOTS: &[&str] = &["foreach", "velocityCount", "velocityHasNext"];

/// Where a value may have come from.
#[derive(Debug, Clone, PartialEq)]
enum Taint {
    /// Constant, numeric, boolean, or already JSON/encoded.
    Clean,
    /// Request or DynamoDB data, unescaped; the text names its source.
    Raw(String),
    /// `$util.escapeJavaScript(..)` without the `\'` fix.
    Escaped,
}

impl Taint {
    fn join(self, other: Taint) -> Taint {
        match (self, other) {
            (Taint::Raw(s), _) | (_, Taint::Raw(s)) => Taint::Raw(s),
            (Taint::Escaped, _) | (_, Taint::Escaped) => Taint::Escaped,
            _ => Taint::Clean,
        }
    }
}

/// One step into the request body.
#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Item,
}

#[derive(Debug, Clone)]
struct Val {
    taint: Taint,
    /// Where in the request body the value is, when known (request templates only).
    path: Option<Vec<Seg>>,
    /// From `$input.params(..)` or `$method.request..`: already URL-decoded by API Gateway.
    param: bool,
}

impl Val {
    fn clean() -> Val {
        Val {
            taint: Taint::Clean,
            path: None,
            param: false,
        }
    }
    fn raw(source: impl Into<String>) -> Val {
        Val {
            taint: Taint::Raw(source.into()),
            path: None,
            param: false,
        }
    }
}

struct Walker<'a> {
    doc: &'a Doc,
    tpl: &'a Tpl,
    /// The request schema (request templates only).
    schema: Option<&'a Value>,
    /// Every name the template defines anywhere (`#set`, `#foreach`, `#define`).
    defined: HashSet<String>,
    env: HashMap<String, Val>,
    /// Inside a JSON string literal of the output.
    in_string: bool,
    findings: Vec<Finding>,
    reported: HashSet<(&'static str, usize)>,
}

pub(super) fn check(doc: &Doc, t: &Tpl, out: &mut Vec<Finding>) {
    let template = match vtl::Template::parse(&t.source) {
        Ok(tpl) => tpl,
        Err(e) => {
            let offset = offset_of(&t.source, e.line(), e.column());
            out.push(doc.template_finding(
                "template-parse",
                t,
                Some((offset, 1)),
                format!(
                    "the template does not parse: {}; API Gateway answers `Unable to transform`",
                    e.message()
                ),
            ));
            return;
        }
    };
    let schema = match (t.kind, doc.operations.get(t.op_index)) {
        (Kind::Request, Some(op)) => doc.request_schema(op, &t.content_type),
        _ => None,
    };
    let mut defined = HashSet::new();
    collect_defined(template.nodes(), &mut defined);
    for (name, _) in &doc.params {
        defined.insert(name.clone());
    }
    let mut w = Walker {
        doc,
        tpl: t,
        schema,
        defined,
        env: HashMap::new(),
        in_string: false,
        findings: Vec::new(),
        reported: HashSet::new(),
    };
    w.nodes(template.nodes());
    out.append(&mut w.findings);
}

/// Byte offset of a 1-based line:column.
fn offset_of(src: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in src.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset
                + l.char_indices()
                    .nth(column.saturating_sub(1))
                    .map(|(b, _)| b)
                    .unwrap_or(l.len());
        }
        offset += l.len();
    }
    src.len()
}

fn collect_defined(nodes: &[Node], out: &mut HashSet<String>) {
    for n in nodes {
        match n {
            Node::Set { target, .. } => {
                out.insert(target.root.clone());
            }
            Node::If {
                branches,
                otherwise,
            } => {
                for (_, b) in branches {
                    collect_defined(b, out);
                }
                if let Some(b) = otherwise {
                    collect_defined(b, out);
                }
            }
            Node::Foreach { var, body, .. } => {
                out.insert(var.clone());
                collect_defined(body, out);
            }
            Node::Define { name, body } => {
                out.insert(name.clone());
                collect_defined(body, out);
            }
            _ => {}
        }
    }
}

/// `$x == 'literal'` (or a disjunction of those on one variable): inside such a branch `$x`
/// holds one of the literals, so it is clean there.
fn equality_guard(e: &Expr) -> Option<String> {
    match e {
        Expr::Paren(x) => equality_guard(x),
        // `$x.matches('regex')`: the author constrained the value; trust the regex.
        Expr::Ref(r)
            if r.parts.len() == 1
                && matches!(&r.parts[0], Part::Method(m, _) if m == "matches") =>
        {
            Some(r.root.clone())
        }
        Expr::Binary(BinOp::Eq, a, b, _) => match (a.as_ref(), b.as_ref()) {
            (Expr::Ref(r), Expr::Str(_) | Expr::Int(_))
            | (Expr::Str(_) | Expr::Int(_), Expr::Ref(r))
                if r.parts.is_empty() =>
            {
                Some(r.root.clone())
            }
            _ => None,
        },
        Expr::Binary(BinOp::Or, a, b, _) => {
            let (x, y) = (equality_guard(a)?, equality_guard(b)?);
            (x == y).then_some(x)
        }
        Expr::Binary(BinOp::And, a, b, _) => equality_guard(a).or_else(|| equality_guard(b)),
        _ => None,
    }
}

/// `$.a.b[0]['c']` -> segments; `None` for what this does not follow (filters, `..`).
fn json_path(p: &str) -> Option<Vec<Seg>> {
    let mut rest = p.trim().strip_prefix('$')?;
    let mut segs = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("..") {
            let _ = r;
            return None;
        } else if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let name = &r[..end];
            if name.is_empty() {
                return None;
            }
            if name == "*" {
                segs.push(Seg::Item);
            } else {
                segs.push(Seg::Key(name.to_string()));
            }
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = r[..end].trim();
            if let Some(q) = inner
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .or_else(|| inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
            {
                segs.push(Seg::Key(q.to_string()));
            } else if inner == "*" || inner.parse::<usize>().is_ok() {
                segs.push(Seg::Item);
            } else {
                return None;
            }
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(segs)
}

fn str_arg(args: &[Expr]) -> Option<&str> {
    match args.first()? {
        Expr::Str(s) => Some(s),
        _ => None,
    }
}

fn render_path(segs: &[Seg]) -> String {
    let mut s = String::from("$");
    for g in segs {
        match g {
            Seg::Key(k) => {
                s.push('.');
                s.push_str(k);
            }
            Seg::Item => s.push_str("[*]"),
        }
    }
    s
}

/// Closest known name, for "did you mean".
fn suggestion(name: &str, known: &[&str]) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    known
        .iter()
        .find(|k| {
            let k = k.to_ascii_lowercase();
            lower.starts_with(&k) || k.starts_with(&lower) || edit_distance(&lower, &k) <= 2
        })
        .map(|k| k.to_string())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

impl Walker<'_> {
    fn report(&mut self, rule: &'static str, at: usize, width: usize, message: String) {
        if self.reported.insert((rule, at)) {
            let f = self
                .doc
                .template_finding(rule, self.tpl, Some((at, width)), message);
            self.findings.push(f);
        }
    }

    fn data_kind(&self) -> &'static str {
        match self.tpl.kind {
            Kind::Request => "request data",
            Kind::Response => "DynamoDB data",
        }
    }

    fn nodes(&mut self, nodes: &[Node]) {
        for n in nodes {
            self.node(n);
        }
    }

    fn node(&mut self, n: &Node) {
        match n {
            Node::Text(s) => self.text(s),
            Node::Ref(r) => {
                let v = self.reference(r);
                self.output(r, &v);
            }
            Node::EscapedRef { .. } | Node::Break | Node::Stop => {}
            Node::Set { target, value, .. } => {
                let v = self.expr(value);
                if target.parts.is_empty() {
                    self.env.insert(target.root.clone(), v);
                } else {
                    self.check_root(target);
                    for p in &target.parts {
                        self.part_exprs(p);
                    }
                    self.check_override_status(target, value);
                }
            }
            Node::If {
                branches,
                otherwise,
            } => {
                let start = self.in_string;
                let mut end = None;
                for (cond, body) in branches {
                    self.expr(cond);
                    self.in_string = start;
                    let guarded = equality_guard(cond);
                    let saved = guarded
                        .as_ref()
                        .map(|g| (g.clone(), self.env.insert(g.clone(), Val::clean())));
                    self.nodes(body);
                    if let Some((g, old)) = saved {
                        match old {
                            Some(v) => self.env.insert(g, v),
                            None => self.env.remove(&g),
                        };
                    }
                    end.get_or_insert(self.in_string);
                }
                if let Some(body) = otherwise {
                    self.in_string = start;
                    self.nodes(body);
                }
                // Branches normally leave the output in the same context; take the first's.
                self.in_string = end.unwrap_or(start);
            }
            Node::Foreach {
                var,
                iterable,
                body,
                ..
            } => {
                let v = self.expr(iterable);
                let item = Val {
                    taint: v.taint,
                    path: v.path.map(|mut p| {
                        p.push(Seg::Item);
                        p
                    }),
                    param: v.param,
                };
                let saved = self.env.insert(var.clone(), item);
                self.nodes(body);
                match saved {
                    Some(v) => self.env.insert(var.clone(), v),
                    None => self.env.remove(var),
                };
            }
            Node::Define { body, .. } => {
                let saved = self.in_string;
                self.nodes(body);
                self.in_string = saved;
            }
            Node::MacroCall { args, .. } => {
                for a in args {
                    self.expr(a);
                }
            }
        }
    }

    /// Follow the output through a JSON lexer that only tracks "inside a string literal".
    fn text(&mut self, s: &str) {
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            if self.in_string {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => self.in_string = false,
                    _ => {}
                }
            } else if c == '"' {
                self.in_string = true;
            }
        }
    }

    fn output(&mut self, r: &Reference, v: &Val) {
        let width = r.literal.chars().count();
        match &v.taint {
            Taint::Raw(source) if self.in_string => {
                // Parameters are request data even in a response template.
                let kind = if source.contains("params") || source.contains("$method") {
                    "request data"
                } else {
                    self.data_kind()
                };
                let msg = format!(
                    "{kind} from {source} is placed inside a JSON string without escaping: a `\"` or `\\` in it breaks the JSON or injects fields; use `$util.escapeJavaScript(..).replaceAll(\"\\\\'\",\"'\")`{}",
                    if self.tpl.kind == Kind::Request {
                        " or `$input.json(..)` without the quotes"
                    } else {
                        ""
                    }
                );
                self.report("json-injection", r.pos, width, msg);
            }
            Taint::Raw(source) if self.tpl.kind == Kind::Request && self.splices(source, v) => {
                let msg = format!(
                    "request data from {source} is spliced into the JSON bare: a client can send `1, \"TableName\": \"other\"` and add or replace fields; quote and escape it, use `$input.json(..)`, or check it with `#if($x.matches('...'))` first"
                );
                self.report("json-injection", r.pos, width, msg);
            }
            Taint::Escaped if self.in_string => {
                self.report(
                    "escape-quote",
                    r.pos,
                    width,
                    "`$util.escapeJavaScript` turns `'` into `\\'`, which is not valid JSON; append `.replaceAll(\"\\\\'\",\"'\")`".into(),
                );
            }
            _ => {}
        }
    }

    /// `#set($context.responseOverride.status = N)`: N must be a declared response, or
    /// clients get a status the contract does not have.
    fn check_override_status(&mut self, target: &Reference, value: &Expr) {
        let is_status = target.root == "context"
            && matches!(
                target.parts.as_slice(),
                [Part::Property(a), Part::Property(b)] if a == "responseOverride" && b == "status"
            );
        if !is_status {
            return;
        }
        let status = match value {
            Expr::Int(n) => n.to_string(),
            Expr::Str(s) => s.trim().to_string(),
            _ => return,
        };
        let Some(op) = self.doc.operations.get(self.tpl.op_index) else {
            return;
        };
        let declared: Vec<String> = op
            .value
            .get("responses")
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        if !declared.contains(&status) && !declared.iter().any(|d| d == "default") {
            self.report(
                "status-undeclared",
                target.pos,
                target.literal.chars().count(),
                format!(
                    "the template overrides the status to {status}, which the operation's responses do not declare (declared: {}); clients get a status the contract does not have",
                    declared.join(", ")
                ),
            );
        }
    }

    /// Raw request text output outside a string literal: only safe when the schema makes it a
    /// number or boolean (an object from `$input.path` renders as `{k=v}`, invalid-json's case).
    fn splices(&self, source: &str, v: &Val) -> bool {
        if self.in_string {
            return false;
        }
        if source.contains("$input.path") {
            let (Some(schema), Some(path)) = (self.schema, v.path.as_ref()) else {
                return false;
            };
            return type_at(self.doc, schema, path).as_deref() == Some("string");
        }
        true
    }

    fn expr(&mut self, e: &Expr) -> Val {
        match e {
            Expr::Ref(r) => self.reference(r),
            Expr::Str(_) | Expr::Int(_) | Expr::Float(_) | Expr::Bool(_) => Val::clean(),
            Expr::Interpolated(nodes) => {
                // Not output: evaluate for the checks and the taint, keeping the output context.
                let saved = self.in_string;
                let mut taint = Taint::Clean;
                let mut param = false;
                for n in nodes {
                    match n {
                        Node::Ref(r) => {
                            let v = self.reference(r);
                            taint = taint.join(v.taint);
                            param |= v.param;
                        }
                        other => self.node(other),
                    }
                }
                self.in_string = saved;
                Val {
                    taint,
                    path: None,
                    param,
                }
            }
            Expr::List(items) => {
                let mut t = Taint::Clean;
                for i in items {
                    t = t.join(self.expr(i).taint);
                }
                Val {
                    taint: t,
                    path: None,
                    param: false,
                }
            }
            Expr::Map(entries) => {
                let mut t = Taint::Clean;
                for (k, v) in entries {
                    t = t.join(self.expr(k).taint).join(self.expr(v).taint);
                }
                Val {
                    taint: t,
                    path: None,
                    param: false,
                }
            }
            Expr::Range(a, b) => {
                self.expr(a);
                self.expr(b);
                Val::clean()
            }
            Expr::Binary(op, a, b, _) => {
                let x = self.expr(a);
                let y = self.expr(b);
                if *op == BinOp::Add {
                    Val {
                        taint: x.taint.join(y.taint),
                        path: None,
                        param: x.param || y.param,
                    }
                } else {
                    Val::clean()
                }
            }
            Expr::Not(x) => {
                self.expr(x);
                Val::clean()
            }
            Expr::Paren(x) => self.expr(x),
        }
    }

    fn part_exprs(&mut self, p: &Part) -> Vec<Val> {
        match p {
            Part::Method(_, args) => args.iter().map(|a| self.expr(a)).collect(),
            Part::Index(e) => vec![self.expr(e)],
            Part::Property(_) => Vec::new(),
        }
    }

    /// Reports an undefined root; true when the root is known.
    fn check_root(&mut self, r: &Reference) -> bool {
        let root = r.root.as_str();
        if matches!(root, "input" | "util" | "context" | "stageVariables")
            || VELOCITY_ROOTS.contains(&root)
            || self.defined.contains(root)
        {
            return true;
        }
        let width = r.literal.chars().count();
        let msg = if root == "method" {
            "`$method` is not a mapping-template variable (it is parameter-mapping syntax, `method.request.path.X`) and renders empty; use `$input.params('name')`".to_string()
        } else {
            let hint = suggestion(root, &["input", "util", "context", "stageVariables"])
                .map(|s| format!("; did you mean `${s}`?"))
                .unwrap_or_default();
            format!(
                "`${root}` is not defined: templates see only $input, $util, $context, $stageVariables and their own variables, and an undefined reference renders empty{hint}"
            )
        };
        self.report("undefined-root", r.pos, width, msg);
        false
    }

    fn reference(&mut self, r: &Reference) -> Val {
        let known = self.check_root(r);
        let width = r.literal.chars().count();
        let mut parts = r.parts.iter();
        let mut val = match r.root.as_str() {
            "input" => match parts.next() {
                None => Val::clean(),
                Some(p) => {
                    let args = self.part_exprs(p);
                    let (name, call_args) = match p {
                        Part::Method(n, a) => (n.as_str(), Some(a.as_slice())),
                        Part::Property(n) => (n.as_str(), None),
                        Part::Index(_) => ("[]", None),
                    };
                    match name {
                        "path" | "json" => {
                            let lit = call_args.and_then(str_arg);
                            let path = lit.and_then(json_path);
                            let taint = if name == "json" {
                                Taint::Clean
                            } else {
                                Taint::Raw(format!("`$input.path('{}')`", lit.unwrap_or("..")))
                            };
                            Val {
                                taint,
                                path,
                                param: false,
                            }
                        }
                        "params" => Val {
                            taint: Taint::Raw("`$input.params(..)`".into()),
                            path: None,
                            param: true,
                        },
                        "body" => Val::raw("`$input.body`"),
                        other => {
                            let hint = suggestion(other, INPUT_MEMBERS)
                                .map(|s| format!("; did you mean `$input.{s}`?"))
                                .unwrap_or_default();
                            self.report(
                                "unknown-method",
                                r.pos,
                                width,
                                format!("`$input.{other}` does not exist on API Gateway (it has body, json(), params(), path()){hint}"),
                            );
                            let _ = args;
                            Val::clean()
                        }
                    }
                }
            },
            "util" => match parts.next() {
                None => Val::clean(),
                Some(p) => {
                    let args = self.part_exprs(p);
                    let name = match p {
                        Part::Method(n, _) | Part::Property(n) => n.as_str(),
                        Part::Index(_) => "[]",
                    };
                    let first = args.into_iter().next().unwrap_or_else(Val::clean);
                    let literal_arg =
                        matches!(p, Part::Method(_, a) if matches!(a.first(), Some(Expr::Str(_))));
                    match name {
                        "escapeJavaScript" => Val {
                            taint: if literal_arg {
                                Taint::Clean
                            } else {
                                Taint::Escaped
                            },
                            path: None,
                            param: false,
                        },
                        "urlEncode" | "base64Encode" => Val::clean(),
                        "urlDecode" => {
                            if first.param {
                                self.report(
                                    "double-decode",
                                    r.pos,
                                    width,
                                    "API Gateway has already URL-decoded path and query parameters; decoding again turns `+` into a space and `%25xx` into another character".into(),
                                );
                            }
                            Val {
                                taint: first.taint,
                                path: None,
                                param: first.param,
                            }
                        }
                        "base64Decode" => Val::raw("`$util.base64Decode(..)`"),
                        "parseJson" => Val::raw("`$util.parseJson(..)`"),
                        other if APPSYNC_HELPERS.contains(&other) => {
                            self.report(
                                "appsync-helper",
                                r.pos,
                                width,
                                format!("`$util.{other}` is an AppSync helper; API Gateway's $util has only {} and renders this empty", UTIL_METHODS.join(", ")),
                            );
                            Val::clean()
                        }
                        other => {
                            self.report(
                                "unknown-method",
                                r.pos,
                                width,
                                format!("`$util.{other}` does not exist on API Gateway (its $util has {})", UTIL_METHODS.join(", ")),
                            );
                            Val::clean()
                        }
                    }
                }
            },
            "method" => Val {
                taint: Taint::Raw("`$method.request..`".into()),
                path: None,
                param: true,
            },
            // The one context value a client writes verbatim: its User-Agent header.
            "context"
                if matches!(
                    r.parts.as_slice(),
                    [Part::Property(a), Part::Property(b), ..] if a == "identity" && b == "userAgent"
                ) =>
            {
                parts.next();
                parts.next();
                Val::raw("`$context.identity.userAgent` (the client's User-Agent header)")
            }
            root => match self.env.get(root) {
                Some(v) => v.clone(),
                None if known => Val::clean(),
                None => Val::clean(),
            },
        };
        // The rest of the chain: properties walk into the body, methods transform the value.
        let mut field_checked = false;
        for p in parts {
            let args = self.part_exprs(p);
            match p {
                Part::Property(name) => {
                    if let Some(path) = val.path.as_mut() {
                        path.push(Seg::Key(name.clone()));
                    }
                }
                Part::Index(_) => {
                    if let Some(path) = val.path.as_mut() {
                        path.push(Seg::Item);
                    }
                }
                Part::Method(m, margs) => {
                    if !field_checked {
                        self.check_field(r, &val);
                        field_checked = true;
                    }
                    match m.as_str() {
                        "get" => {
                            if let (Some(path), Some(k)) = (val.path.as_mut(), str_arg(margs)) {
                                path.push(Seg::Key(k.to_string()));
                                field_checked = false;
                                continue;
                            }
                            val.path = None;
                        }
                        "size" | "length" | "isEmpty" | "equals" | "equalsIgnoreCase"
                        | "contains" | "containsKey" | "matches" | "startsWith" | "endsWith"
                        | "indexOf" | "lastIndexOf" | "compareTo" | "hashCode" => {
                            val = Val::clean();
                        }
                        "replaceAll" | "replace" => {
                            if val.taint == Taint::Escaped
                                && str_arg(margs).is_some_and(|s| s.contains('\''))
                            {
                                val.taint = Taint::Clean;
                            }
                            let _ = args;
                            val.path = None;
                        }
                        _ => val.path = None,
                    }
                }
            }
        }
        if !field_checked {
            self.check_field(r, &val);
        }
        val
    }

    /// A read of a body field must be declared by the request schema.
    fn check_field(&mut self, r: &Reference, v: &Val) {
        let (Some(schema), Some(path)) = (self.schema, v.path.as_ref()) else {
            return;
        };
        if let Err((field, declared)) = resolve(self.doc, schema, path) {
            let declared = if declared.is_empty() {
                String::new()
            } else {
                format!(" (declared: {})", declared.join(", "))
            };
            self.report(
                "undeclared-field",
                r.pos,
                r.literal.chars().count(),
                format!(
                    "reads `{}`: the request schema does not declare `{field}`{declared}, so the validator never checks it and a client that sends it as documented gets it ignored or stored unvalidated",
                    render_path(path)
                ),
            );
        }
    }
}

/// Walk `path` through `schema`; on a step the schema does not declare, the field and the
/// declared names there.
fn resolve(doc: &Doc, schema: &Value, path: &[Seg]) -> Result<(), (String, Vec<String>)> {
    let node = doc.deref(schema);
    let Some((first, rest)) = path.split_first() else {
        return Ok(());
    };
    // Combinators: declared if any alternative declares it.
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(alts) = node.get(key).and_then(Value::as_array) {
            let mut last = None;
            for a in alts {
                match resolve(doc, a, path) {
                    Ok(()) => return Ok(()),
                    Err(e) => last = Some(e),
                }
            }
            if let Some(e) = last
                && node.get("properties").is_none()
            {
                return Err(e);
            }
        }
    }
    match first {
        Seg::Key(k) => match node.get("properties").and_then(Value::as_object) {
            Some(props) => match props.get(k) {
                Some(s) => resolve(doc, s, rest),
                None => Err((k.clone(), props.keys().cloned().collect())),
            },
            None if node.get("items").is_some() => Err((k.clone(), Vec::new())),
            // No properties declared at all: an open schema this cannot judge.
            None => Ok(()),
        },
        Seg::Item => match node.get("items") {
            Some(items) if items.is_object() => resolve(doc, items, rest),
            _ => Ok(()),
        },
    }
}

/// The declared `type` at `path`, when the schema says.
fn type_at(doc: &Doc, schema: &Value, path: &[Seg]) -> Option<String> {
    let node = doc.deref(schema);
    match path.split_first() {
        None => node.get("type").and_then(Value::as_str).map(str::to_string),
        Some((Seg::Key(k), rest)) => type_at(doc, node.get("properties")?.get(k)?, rest),
        Some((Seg::Item, rest)) => type_at(doc, node.get("items")?, rest),
    }
}
