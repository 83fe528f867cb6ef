//! Rules that read a template's syntax tree: parse errors, undefined roots, methods API Gateway
//! does not have, body fields the request schema does not declare, and JSON injection found by
//! tracking where each value comes from (taint) and in which output context it lands (inside a
//! JSON string literal or bare).
//!
//! A value is trusted where something guarantees what it holds:
//! - the request validator, when it checks the body (`validateRequestBody`) against a model
//!   that makes the field a number, a boolean, an enum of plain strings, an anchored pattern of
//!   safe characters or a safe format ([`schema_level`]);
//! - a condition in force where the value is output: `#if($x.matches('regex'))` with a regex
//!   [`regex_safety`] proves safe, `#if($x == 'literal')`, their negations, `&&`/`||`, and flag
//!   variables (`#set($ok = $x.matches(..))`, or `#if(!$x.matches(..))#set($bad = true)#end`
//!   followed by `#if(!$bad)` / `#else`). Rebinding the variable drops what was known about it.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use vtl::ast::{
    BinOp, Expr, Node, Part, Reference, Visitor, walk_node, walk_nodes, walk_reference,
};

use super::Finding;
use super::doc::{Doc, Kind, Tpl};
use super::regex_safety::{self, Safe};

/// The members of `$util` on API Gateway (developer guide, mapping template reference), from the
/// renderer's method registry, in its (the guide's) order.
fn util_methods() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for (name, _) in vtl::methods::methods(vtl::methods::Class::Util) {
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

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

/// The members of `$input` as templates name them, sorted: its methods from the renderer's
/// registry, a getter under its property name (`getBody()` is `$input.body`).
fn input_members() -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (name, arity) in vtl::methods::methods(vtl::methods::Class::Input) {
        let name = match name.strip_prefix("get") {
            Some(p) if arity == 0 && !p.is_empty() => {
                let mut c = p.chars();
                c.next()
                    .map(|f| f.to_lowercase().chain(c).collect())
                    .unwrap_or_default()
            }
            _ => name.to_string(),
        };
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names.sort();
    names
}

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
    /// Request or DynamoDB data known to hold no `"`, `\` or control character (checked by a
    /// regex or guaranteed by the validated model) but possibly `,` or `:`: safe inside a JSON
    /// string literal, not bare.
    InString(String),
}

impl Taint {
    fn join(self, other: Taint) -> Taint {
        match (self, other) {
            (Taint::Raw(s), _) | (_, Taint::Raw(s)) => Taint::Raw(s),
            (Taint::Escaped, _) | (_, Taint::Escaped) => Taint::Escaped,
            (Taint::InString(s), _) | (_, Taint::InString(s)) => Taint::InString(s),
            _ => Taint::Clean,
        }
    }

    /// What is left of the taint of a value known to be safe at `level`.
    fn trusted(self, level: Safe) -> Taint {
        match (self, level) {
            (Taint::Raw(_) | Taint::InString(_), Safe::Anywhere) => Taint::Clean,
            (Taint::Raw(s), Safe::InString) => Taint::InString(s),
            (t, _) => t,
        }
    }
}

/// A guarantee about a value: the expression `key` (a variable, or a chain such as
/// `input.params('id')`) holds only characters safe at `level`.
#[derive(Debug, Clone, PartialEq)]
struct Fact {
    key: String,
    level: Safe,
}

/// What a condition tells about values when it is true, and when it is false.
#[derive(Debug, Clone, Default)]
struct Facts {
    when_true: Vec<Fact>,
    when_false: Vec<Fact>,
}

impl Facts {
    fn swap(self) -> Facts {
        Facts {
            when_true: self.when_false,
            when_false: self.when_true,
        }
    }
}

/// Both hold: every fact of either.
fn union(mut a: Vec<Fact>, b: Vec<Fact>) -> Vec<Fact> {
    for f in b {
        match a.iter_mut().find(|x| x.key == f.key) {
            Some(x) => x.level = x.level.max(f.level),
            None => a.push(f),
        }
    }
    a
}

/// One of them holds: only what both say.
fn intersection(a: Vec<Fact>, b: &[Fact]) -> Vec<Fact> {
    a.into_iter()
        .filter_map(|f| {
            b.iter().find(|x| x.key == f.key).map(|x| Fact {
                key: f.key,
                level: f.level.min(x.level),
            })
        })
        .collect()
}

/// What the truth of a flag variable (`#set($bad = true)` under `#if(!$x.matches(..))`) says.
/// `None`: the flag cannot be in that state.
#[derive(Debug, Clone)]
struct Flag {
    if_truthy: Option<Vec<Fact>>,
    if_falsy: Option<Vec<Fact>>,
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
    /// A request validator checks the body against `schema` before the template runs.
    validated: bool,
    /// Inside a JSON string literal of the output.
    in_string: bool,
    /// Guarantees in force here, each with the `#if` nesting depth that established it.
    facts: Vec<(Fact, usize)>,
    depth: usize,
    /// Flag variables and what their truth says.
    flags: HashMap<String, Flag>,
    /// Variables set so far (a variable never set is null, so falsy).
    assigned: HashSet<String>,
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
    let (schema, validated) = match (t.kind, doc.operations.get(t.op_index)) {
        (Kind::Request, Some(op)) => {
            let schema = doc.request_schema(op, &t.content_type);
            (schema, schema.is_some() && doc.body_validated(op))
        }
        _ => (None, false),
    };
    let mut defined = HashSet::new();
    collect_defined(template.nodes(), &mut defined);
    for (name, _) in &doc.params {
        defined.insert(name.clone());
    }
    for (name, _) in &doc.placeholders {
        defined.insert(name.clone());
    }
    let mut w = Walker {
        doc,
        tpl: t,
        schema,
        defined,
        env: HashMap::new(),
        validated,
        in_string: false,
        facts: Vec::new(),
        depth: 0,
        flags: HashMap::new(),
        assigned: HashSet::new(),
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

/// Every variable `nodes` define (`#set`, `#foreach`, `#define`), in any nested block (not inside
/// expressions: an interpolated string's `#set` is not counted).
fn collect_defined(nodes: &[Node], out: &mut HashSet<String>) {
    struct Defined<'o>(&'o mut HashSet<String>);
    impl Visitor<'_> for Defined<'_> {
        fn visit_node(&mut self, n: &Node) {
            match n {
                Node::Set { target, .. } => {
                    self.0.insert(target.root.clone());
                }
                Node::Foreach { var, .. } => {
                    self.0.insert(var.clone());
                }
                Node::Define { name, .. } => {
                    self.0.insert(name.clone());
                }
                _ => {}
            }
            walk_node(self, n);
        }
        fn visit_expr(&mut self, _: &Expr) {}
        fn visit_reference(&mut self, _: &Reference) {}
    }
    walk_nodes(&mut Defined(out), nodes);
}

/// Every variable a body defines: `Some(b)` when its only definitions are top-level
/// `#set($x = b)` with the same boolean literal, `None` otherwise.
fn top_level_flag_sets(body: &[Node]) -> HashMap<String, Option<bool>> {
    let mut all = HashSet::new();
    collect_defined(body, &mut all);
    let mut out: HashMap<String, Option<bool>> = all.into_iter().map(|n| (n, None)).collect();
    let mut literal: HashMap<String, Option<bool>> = HashMap::new();
    let mut nested = HashSet::new();
    for n in body {
        match n {
            Node::Set { target, value, .. } if target.parts.is_empty() => {
                let v = match value {
                    Expr::Bool(b, _) => Some(*b),
                    _ => None,
                };
                let e = literal.entry(target.root.clone()).or_insert(v);
                if *e != v {
                    *e = None;
                }
            }
            Node::If { .. } | Node::Foreach { .. } | Node::Define { .. } => {
                collect_defined(std::slice::from_ref(n), &mut nested);
            }
            _ => {}
        }
    }
    for (name, v) in literal {
        if !nested.contains(&name) {
            out.insert(name, v);
        }
    }
    out
}

/// An expression whose value is a boolean (a flag's source).
fn is_condition(e: &Expr) -> bool {
    match e {
        Expr::Paren(x, _) => is_condition(x),
        Expr::Not(_, _) => true,
        Expr::Binary(op, ..) => matches!(
            op,
            BinOp::And
                | BinOp::Or
                | BinOp::Eq
                | BinOp::Ne
                | BinOp::Lt
                | BinOp::Gt
                | BinOp::Le
                | BinOp::Ge
        ),
        Expr::Ref(r) => matches!(r.parts.last(), Some(Part::Method(m, _)) if m == "matches"),
        _ => false,
    }
}

/// The canonical text of a reference chain (`input.params('id')`, `b.id`), when every
/// argument in it is a literal: two references with the same key read the same value.
fn key_of(root: &str, parts: &[Part]) -> Option<String> {
    let mut k = root.to_string();
    for p in parts {
        match p {
            Part::Property(n) => {
                k.push('.');
                k.push_str(n);
            }
            Part::Method(n, args) => {
                k.push('.');
                k.push_str(n);
                k.push('(');
                let mut first = true;
                for a in args {
                    if !first {
                        k.push(',');
                    }
                    first = false;
                    match a {
                        Expr::Str(s, _) => k.push_str(&format!("{s:?}")),
                        Expr::Int(i, _) => k.push_str(&i.to_string()),
                        _ => return None,
                    }
                }
                k.push(')');
            }
            Part::Index(Expr::Str(s, _)) => k.push_str(&format!(".get({s:?})")),
            Part::Index(Expr::Int(i, _)) => k.push_str(&format!("[{i}]")),
            Part::Index(_) => return None,
        }
    }
    Some(k)
}

/// A string literal, or a double-quoted string with no reference in it.
fn literal_text(e: &Expr) -> Option<String> {
    match e {
        Expr::Str(s, _) => Some(s.clone()),
        Expr::Interpolated(nodes, _) => {
            let mut s = String::new();
            for n in nodes {
                match n {
                    Node::Text(t, _) => s.push_str(t),
                    _ => return None,
                }
            }
            Some(s)
        }
        _ => None,
    }
}

/// The reference an expression reads, seeing through `"$x"` and `"$!x"`.
fn referenced(e: &Expr) -> Option<&Reference> {
    match e {
        Expr::Ref(r) => Some(r),
        Expr::Paren(x, _) => referenced(x),
        Expr::Interpolated(nodes, _) => match nodes.as_slice() {
            [Node::Ref(r)] => Some(r),
            _ => None,
        },
        _ => None,
    }
}

/// `key` is a variable that `#set` or `#foreach` rebinds.
fn key_is_about(key: &str, var: &str) -> bool {
    key.strip_prefix(var)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
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

/// The first argument when it is a literal: `'$.a'`, or `"$.a"` (a double-quoted string whose
/// `$` starts no reference is text).
fn str_arg(args: &[Expr]) -> Option<String> {
    literal_text(args.first()?)
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

    /// Whether a request template of this operation is an UpdateItem returning the new
    /// values whose `SET` gives `attr` (or its `#alias`) a `:value` written as
    /// `{"S": "$context.X"}` with X one of the values API Gateway itself produces.
    fn set_from_context(&self, attr: &str) -> bool {
        const CONTEXT: &[&str] = &[
            "$context.requestTime",
            "$context.requestTimeEpoch",
            "$context.requestId",
            "$context.extendedRequestId",
            "$context.identity.sourceIp",
        ];
        self.doc
            .templates()
            .into_iter()
            .filter(|t| t.op_index == self.tpl.op_index && t.kind == Kind::Request)
            .any(|t| {
                let flat: String = t.source.chars().filter(|c| !c.is_whitespace()).collect();
                let returns_new = flat.contains(r#""ReturnValues":"ALL_NEW""#)
                    || flat.contains(r#""ReturnValues":"UPDATED_NEW""#);
                if !returns_new {
                    return false;
                }
                // The names the expression may use for `attr`: itself and each `"#x": "attr"`.
                let mut names = vec![attr.to_string()];
                let needle = format!(r#"":"{attr}""#);
                let mut rest = flat.as_str();
                while let Some(at) = rest.find(&needle) {
                    if let Some(open) = rest[..at].rfind('"')
                        && rest[open + 1..at].starts_with('#')
                    {
                        names.push(rest[open + 1..at].to_string());
                    }
                    rest = &rest[at + needle.len()..];
                }
                // `SET a = :v, #b = :w` (the first clause; other clauses start with a keyword).
                let Some(start) = t.source.find("\"UpdateExpression\"") else {
                    return false;
                };
                let after = &t.source[start..];
                let Some(q) = after
                    .find(':')
                    .and_then(|c| after[c..].find('"').map(|q| c + q + 1))
                else {
                    return false;
                };
                let expr = &after[q..after[q..].find('"').map_or(q, |e| q + e)];
                let expr = expr.trim().strip_prefix("SET ").unwrap_or("");
                expr.split(',').any(|assignment| {
                    let Some((lhs, rhs)) = assignment.split_once('=') else {
                        return false;
                    };
                    let (lhs, rhs) = (lhs.trim(), rhs.split_whitespace().next().unwrap_or(""));
                    names.iter().any(|n| n == lhs)
                        && rhs.starts_with(':')
                        && CONTEXT
                            .iter()
                            .any(|c| flat.contains(&format!(r#""{rhs}":{{"S":"{c}"}}"#)))
                })
            })
    }

    fn data_kind(&self) -> &'static str {
        match self.tpl.kind {
            Kind::Request | Kind::Gateway => "request data",
            Kind::Response => "DynamoDB data",
        }
    }

    fn nodes(&mut self, nodes: &[Node]) {
        for n in nodes {
            self.node(n);
        }
    }

    /// Walk a branch body with the facts that hold when it runs.
    fn branch(&mut self, body: &[Node], entry: Vec<Fact>) {
        self.depth += 1;
        let depth = self.depth;
        for f in entry {
            self.facts.push((f, depth));
        }
        self.nodes(body);
        self.facts.retain(|(_, d)| *d < depth);
        self.depth -= 1;
    }

    /// `var` is rebound: nothing known about it still holds.
    fn forget(&mut self, var: &str) {
        self.facts.retain(|(f, _)| !key_is_about(&f.key, var));
        for flag in self.flags.values_mut() {
            for v in [&mut flag.if_truthy, &mut flag.if_falsy]
                .into_iter()
                .flatten()
            {
                v.retain(|f| !key_is_about(&f.key, var));
            }
        }
    }

    /// The state of a flag before it is used: known, null (never set), or unknown.
    fn flag_state(
        &self,
        name: &str,
        flags: &HashMap<String, Flag>,
        assigned: &HashSet<String>,
    ) -> Option<Flag> {
        match flags.get(name) {
            Some(f) => Some(f.clone()),
            None if !assigned.contains(name)
                && !self.doc.params.iter().any(|(k, _)| k == name)
                && !self.doc.placeholders.iter().any(|(k, _)| k == name) =>
            {
                Some(Flag {
                    if_truthy: None,
                    if_falsy: Some(Vec::new()),
                })
            }
            None => None,
        }
    }

    /// After an `#if`: a flag that the first k branches set to true (at their top level) and no
    /// later branch (nor the else) touches is falsy only if it was falsy before and none of those
    /// branches ran. Any other variable a branch sets is no longer a known flag.
    fn merge_flags(
        &mut self,
        before: &HashMap<String, Flag>,
        assigned_before: &HashSet<String>,
        conds: &[Facts],
        set_in: &[HashMap<String, Option<bool>>],
    ) {
        let mut names: Vec<String> = set_in.iter().flat_map(|m| m.keys().cloned()).collect();
        names.sort_unstable();
        names.dedup();
        for name in names {
            let sets: Vec<Option<Option<bool>>> =
                set_in.iter().map(|m| m.get(&name).cloned()).collect();
            let k = sets
                .iter()
                .take_while(|s| matches!(s, Some(Some(true))))
                .count();
            let merged = if k == 0 || sets[k..].iter().any(Option::is_some) {
                None
            } else if k == sets.len() {
                // Every branch and the else set it.
                Some(Flag {
                    if_truthy: Some(Vec::new()),
                    if_falsy: None,
                })
            } else {
                self.flag_state(&name, before, assigned_before)
                    .map(|prior| Flag {
                        if_truthy: Some(Vec::new()),
                        if_falsy: prior.if_falsy.map(|mut falsy| {
                            for c in &conds[..k.min(conds.len())] {
                                falsy = union(falsy, c.when_false.clone());
                            }
                            falsy
                        }),
                    })
            };
            match merged {
                Some(f) => self.flags.insert(name.clone(), f),
                None => self.flags.remove(&name),
            };
            self.assigned.insert(name);
        }
    }

    /// What a condition says about values.
    fn facts(&self, e: &Expr) -> Facts {
        match e {
            Expr::Paren(x, _) => self.facts(x),
            Expr::Not(x, _) => self.facts(x).swap(),
            Expr::Binary(BinOp::And, a, b, _, _) => {
                let (a, b) = (self.facts(a), self.facts(b));
                Facts {
                    when_true: union(a.when_true, b.when_true),
                    when_false: intersection(a.when_false, &b.when_false),
                }
            }
            Expr::Binary(BinOp::Or, a, b, _, _) => {
                let (a, b) = (self.facts(a), self.facts(b));
                Facts {
                    when_true: intersection(a.when_true, &b.when_true),
                    when_false: union(a.when_false, b.when_false),
                }
            }
            Expr::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b, _, _) => {
                let f = self
                    .equality(a, b)
                    .or_else(|| self.equality(b, a))
                    .unwrap_or_default();
                if *op == BinOp::Ne { f.swap() } else { f }
            }
            _ => {
                let Some(r) = referenced(e) else {
                    return Facts::default();
                };
                // `$x.matches('regex')`: the receiver passed a whole-string Java match.
                if let Some((Part::Method(m, args), receiver)) = r.parts.split_last()
                    && m == "matches"
                    && args.len() == 1
                {
                    let level =
                        literal_text(&args[0]).and_then(|re| regex_safety::java_matches(&re));
                    return match (level, key_of(&r.root, receiver)) {
                        (Some(level), Some(key)) => Facts {
                            when_true: vec![Fact { key, level }],
                            when_false: Vec::new(),
                        },
                        _ => Facts::default(),
                    };
                }
                // A flag.
                if r.parts.is_empty()
                    && let Some(flag) = self.flag_state(&r.root, &self.flags, &self.assigned)
                {
                    return Facts {
                        when_true: flag.if_truthy.unwrap_or_default(),
                        when_false: flag.if_falsy.unwrap_or_default(),
                    };
                }
                Facts::default()
            }
        }
    }

    /// `$x == 'literal'` (`$x` holds the literal when true), `$flag == true`.
    fn equality(&self, a: &Expr, b: &Expr) -> Option<Facts> {
        let r = referenced(a)?;
        if let Expr::Bool(v, _) = b {
            let f = self.facts(&Expr::Ref(Box::new(r.clone())));
            return Some(if *v { f } else { f.swap() });
        }
        let level = match b {
            Expr::Int(_, _) => Some(Safe::Anywhere),
            other => regex_safety::literal(&literal_text(other)?),
        }?;
        Some(Facts {
            when_true: vec![Fact {
                key: key_of(&r.root, &r.parts)?,
                level,
            }],
            when_false: Vec::new(),
        })
    }

    /// The level a reference is known safe at: a fact about it, or about a prefix of it that
    /// only string methods that cannot add a character follow.
    fn known_level(&self, r: &Reference) -> Option<Safe> {
        let mut best = None;
        for n in (0..=r.parts.len()).rev() {
            let rest = &r.parts[n..];
            let harmless = rest.iter().all(|p| {
                matches!(p, Part::Method(m, _) if matches!(m.as_str(), "toString" | "trim" | "toLowerCase" | "toUpperCase" | "substring"))
            });
            if !harmless {
                break;
            }
            if let Some(key) = key_of(&r.root, &r.parts[..n]) {
                for (f, _) in &self.facts {
                    if f.key == key {
                        best = best.max(Some(f.level));
                    }
                }
            }
        }
        best
    }

    fn node(&mut self, n: &Node) {
        match n {
            Node::Text(s, _) => self.text(s),
            Node::Ref(r) => {
                let v = self.reference(r);
                self.output(r, &v);
            }
            Node::EscapedRef { .. } | Node::Break { .. } | Node::Stop { .. } => {}
            Node::Set { target, value, .. } => {
                let v = self.expr(value);
                if target.parts.is_empty() {
                    let name = target.root.clone();
                    self.forget(&name);
                    // A flag: a literal, or a condition whose truth it keeps.
                    let flag = match value {
                        Expr::Bool(b, _) => Some(Flag {
                            if_truthy: b.then(Vec::new),
                            if_falsy: (!b).then(Vec::new),
                        }),
                        Expr::Str(s, _) if s.is_empty() => Some(Flag {
                            if_truthy: None,
                            if_falsy: Some(Vec::new()),
                        }),
                        e if is_condition(e) => {
                            let f = self.facts(e);
                            Some(Flag {
                                if_truthy: Some(f.when_true),
                                if_falsy: Some(f.when_false),
                            })
                        }
                        _ => None,
                    };
                    match flag {
                        Some(f) => self.flags.insert(name.clone(), f),
                        None => self.flags.remove(&name),
                    };
                    self.assigned.insert(name.clone());
                    self.env.insert(name, v);
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
                ..
            } => {
                let start = self.in_string;
                let mut end = None;
                let flags_before = self.flags.clone();
                let assigned_before = self.assigned.clone();
                // Facts of the conditions of the branches before (each is false there).
                let mut prior_false: Vec<Fact> = Vec::new();
                let mut conds: Vec<Facts> = Vec::new();
                let mut set_in: Vec<HashMap<String, Option<bool>>> = Vec::new();
                for (cond, body) in branches {
                    self.expr(cond);
                    let f = self.facts(cond);
                    self.in_string = start;
                    let entry = union(prior_false.clone(), f.when_true.clone());
                    self.branch(body, entry);
                    set_in.push(top_level_flag_sets(body));
                    end.get_or_insert(self.in_string);
                    prior_false = union(prior_false, f.when_false.clone());
                    conds.push(f);
                }
                if let Some(body) = otherwise {
                    self.in_string = start;
                    self.branch(body, prior_false);
                    set_in.push(top_level_flag_sets(body));
                } else {
                    set_in.push(HashMap::new());
                }
                self.merge_flags(&flags_before, &assigned_before, &conds, &set_in);
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
                self.forget(var);
                let saved = self.env.insert(var.clone(), item);
                let flags_before = self.flags.clone();
                self.nodes(body);
                // The body may run any number of times: a flag it sets says nothing after.
                let mut changed = HashSet::new();
                collect_defined(body, &mut changed);
                for name in changed {
                    if flags_before.contains_key(&name) || self.flags.contains_key(&name) {
                        self.flags.remove(&name);
                    }
                    self.assigned.insert(name);
                }
                self.forget(var);
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
        // What the validated request model guarantees about a body field.
        let taint = match self.model_level(v) {
            Some(level) => v.taint.clone().trusted(level),
            None => v.taint.clone(),
        };
        let describe = |source: &str| match &v.path {
            Some(p) if source.starts_with("`$input.path(") => {
                format!("`$input.path('{}')`", render_path(p))
            }
            _ => source.to_string(),
        };
        match &taint {
            Taint::Raw(source) if self.in_string => {
                // Parameters are request data even in a response template.
                let kind = if source.contains("params") || source.contains("$method") {
                    "request data"
                } else {
                    self.data_kind()
                };
                let msg = format!(
                    "{kind} from {} is placed inside a JSON string without escaping: a `\"` or `\\` in it breaks the JSON or injects fields; use `$util.escapeJavaScript(..).replaceAll(\"\\\\'\",\"'\")`{}",
                    describe(source),
                    if self.tpl.kind == Kind::Request {
                        " or `$input.json(..)` without the quotes"
                    } else {
                        ""
                    }
                );
                self.report("json-injection", r.pos, width, msg);
            }
            Taint::Raw(source) | Taint::InString(source)
                if self.tpl.kind == Kind::Request && !self.in_string && self.splices(source) =>
            {
                let msg = format!(
                    "request data from {} is spliced into the JSON bare: a client can send `1, \"TableName\": \"other\"` and add or replace fields; quote and escape it, use `$input.json(..)`, validate the body against a model that makes it a number, or check it with `#if($x.matches('[0-9]+'))` first",
                    describe(source)
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

    /// The level the validated request model guarantees for a value read from the body.
    fn model_level(&self, v: &Val) -> Option<Safe> {
        let (true, Some(schema), Some(path)) = (self.validated, self.schema, v.path.as_ref())
        else {
            return None;
        };
        schema_level(self.doc, schema, path)
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
            Expr::Int(n, _) => n.to_string(),
            Expr::Str(s, _) => s.trim().to_string(),
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

    /// Request data output outside a string literal is a splice, except the one value
    /// API Gateway itself writes there: nothing (a template's own numbers are clean already).
    fn splices(&self, source: &str) -> bool {
        !self.in_string && !source.is_empty()
    }

    fn expr(&mut self, e: &Expr) -> Val {
        match e {
            Expr::Ref(r) => self.reference(r),
            Expr::Str(_, _) | Expr::Int(_, _) | Expr::Float(_, _) | Expr::Bool(_, _) => {
                Val::clean()
            }
            Expr::Interpolated(nodes, _) => {
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
            Expr::List(items, _) => {
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
            Expr::Map(entries, _) => {
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
            Expr::Range(a, b, _) => {
                self.expr(a);
                self.expr(b);
                Val::clean()
            }
            Expr::Binary(op, a, b, _, _) => {
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
            Expr::Not(x, _) => {
                self.expr(x);
                Val::clean()
            }
            Expr::Paren(x, _) => self.expr(x),
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
            let hint = if r.literal.starts_with("${") || r.literal.starts_with("$!{") {
                // `${Name}` is also how deployment tools (Terraform's templatefile, `Fn::Sub`)
                // spell the placeholders they substitute before API Gateway sees the template.
                format!(
                    "; if `${{{root}}}` is a placeholder a deployment tool substitutes, declare it under `x-deploy-parameters`"
                )
            } else {
                suggestion(root, &["input", "util", "context", "stageVariables"])
                    .map(|s| format!("; did you mean `${s}`?"))
                    .unwrap_or_default()
            };
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
                            let path = lit.as_deref().and_then(json_path);
                            let taint = if name == "json" {
                                Taint::Clean
                            } else {
                                Taint::Raw(format!(
                                    "`$input.path('{}')`",
                                    lit.as_deref().unwrap_or("..")
                                ))
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
                            let hint = suggestion(
                                other,
                                &input_members()
                                    .iter()
                                    .map(String::as_str)
                                    .collect::<Vec<_>>(),
                            )
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
                    let literal_arg = matches!(p, Part::Method(_, a) if matches!(a.first(), Some(Expr::Str(_, _))));
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
                                format!("`$util.{other}` is an AppSync helper; API Gateway's $util has only {} and renders this empty", util_methods().join(", ")),
                            );
                            Val::clean()
                        }
                        other => {
                            self.report(
                                "unknown-method",
                                r.pos,
                                width,
                                format!("`$util.{other}` does not exist on API Gateway (its $util has {})", util_methods().join(", ")),
                            );
                            Val::clean()
                        }
                    }
                }
            },
            // `$method` is not a template variable (docs/evidence/apigateway-semantics.md §1.5):
            // it renders empty, which `undefined-root` reports (with `empty-attribute` where the
            // empty text becomes a key). No request data reaches the output through it, so it is
            // not also an injection. It does name a path parameter, which API Gateway has
            // already decoded: `$util.urlDecode` around it is the second defect the fix
            // (`$input.params(..)`) would keep, so double-decode still says so.
            "method" => Val {
                taint: Taint::Clean,
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
            // The request validator's message quotes property names and values
            // (`object has missing required properties (["id"])`); `messageString` is the
            // one AWS quotes and escapes for JSON.
            "context"
                if matches!(
                    r.parts.as_slice(),
                    [Part::Property(a), Part::Property(b), ..] if a == "error" && b == "validationErrorString"
                ) =>
            {
                parts.next();
                parts.next();
                Val::raw(
                    "`$context.error.validationErrorString` (the validator's message, which quotes the request's property names and values)",
                )
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
        // A DynamoDB attribute value's `N` is a number written as a string: digits, a sign, a
        // `.` and an exponent, never a quote or a backslash (DynamoDB API Reference,
        // "AttributeValue": "N — An attribute of type Number ... sent across the network to
        // DynamoDB as strings"), and `BOOL`/`NULL` are booleans. Read from a reply, they are
        // safe inside a JSON string.
        let scalar = |n: &str| n == "N" || n == "BOOL" || n == "NULL";
        let last_key = match val.path.as_ref().and_then(|p| p.last()) {
            Some(Seg::Key(k)) => Some(k.as_str()),
            _ => match r.parts.last() {
                Some(Part::Property(n)) => Some(n.as_str()),
                _ => None,
            },
        };
        if self.tpl.kind == Kind::Response && last_key.is_some_and(scalar) {
            val.taint = val.taint.trusted(Safe::InString);
        }
        // An attribute of an UpdateItem's ALL_NEW / UPDATED_NEW reply that this very update
        // SET from a value API Gateway writes itself ($context.requestTime, ...): the reply
        // holds exactly that value (DynamoDB API Reference, UpdateItem "ReturnValues").
        if self.tpl.kind == Kind::Response
            && let Some(path) = &val.path
            && let [Seg::Key(a), Seg::Key(attr), Seg::Key(ty)] = path.as_slice()
            && a == "Attributes"
            && ty == "S"
            && self.set_from_context(attr)
        {
            val.taint = Taint::Clean;
        }
        // Checked by a guard in force here.
        if let Some(level) = self.known_level(r) {
            val.taint = val.taint.trusted(level);
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

/// What a body that passed draft-4 validation against `schema` guarantees about the value at
/// `path` (apigateway-semantics.md §4.1): numbers and booleans render as digits and letters;
/// an `enum` of safe literals; a string whose `pattern` is anchored (`^...$`: draft-4 patterns
/// are searched) and admits only safe characters; the formats the validator asserts whose
/// grammar has no quote, backslash or control character (`date-time`, `ipv4`, `ipv6`,
/// `hostname`; not `email`, whose quoted local parts may hold both, nor formats draft 4 does not
/// define, such as `uuid`, which validators ignore).
fn schema_level(doc: &Doc, schema: &Value, path: &[Seg]) -> Option<Safe> {
    let node = doc.deref(schema);
    // Every branch of allOf holds: the best of them; anyOf/oneOf: the worst.
    let mut best: Option<Safe> = None;
    if let Some(all) = node.get("allOf").and_then(Value::as_array) {
        for a in all {
            best = best.max(schema_level(doc, a, path));
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(alts) = node.get(key).and_then(Value::as_array)
            && !alts.is_empty()
        {
            let worst = alts
                .iter()
                .map(|a| schema_level(doc, a, path))
                .min()
                .flatten();
            best = best.max(worst);
        }
    }
    let own = match path.split_first() {
        None => node_level(node),
        Some((Seg::Key(k), rest)) => match node.get("properties").and_then(|p| p.get(k)) {
            Some(p) => schema_level(doc, p, rest),
            None => match node.get("additionalProperties") {
                Some(ap) if ap.is_object() => schema_level(doc, ap, rest),
                _ => None,
            },
        },
        Some((Seg::Item, rest)) => match node.get("items") {
            Some(items) if items.is_object() => schema_level(doc, items, rest),
            Some(Value::Array(items)) if !items.is_empty() => items
                .iter()
                .map(|i| schema_level(doc, i, rest))
                .min()
                .flatten(),
            _ => None,
        },
    };
    best.max(own)
}

/// [`schema_level`] of the node itself.
fn node_level(node: &Value) -> Option<Safe> {
    if let Some(values) = node.get("enum").and_then(Value::as_array) {
        return values
            .iter()
            .map(|v| match v {
                Value::String(s) => regex_safety::literal(s),
                Value::Number(_) | Value::Bool(_) | Value::Null => Some(Safe::Anywhere),
                _ => None,
            })
            .min()
            .flatten();
    }
    let scalar = |t: &str| matches!(t, "integer" | "number" | "boolean" | "null");
    match node.get("type") {
        Some(Value::String(t)) if scalar(t) => return Some(Safe::Anywhere),
        Some(Value::Array(ts))
            if !ts.is_empty() && ts.iter().all(|t| t.as_str().is_some_and(scalar)) =>
        {
            return Some(Safe::Anywhere);
        }
        Some(Value::String(t)) if t == "string" => {}
        _ => return None,
    }
    let pattern = node
        .get("pattern")
        .and_then(Value::as_str)
        .and_then(regex_safety::schema_pattern);
    let format = match node.get("format").and_then(Value::as_str) {
        Some("date-time" | "ipv4" | "ipv6" | "hostname") => Some(Safe::InString),
        _ => None,
    };
    pattern.max(format)
}

/// Whether a template reads the integration's response body (`$input.path`, `$input.json`,
/// `$input.body`, in any spelling: `$!input`, `${input}`, inside strings and arguments).
pub(super) fn reads_input(src: &str) -> bool {
    match vtl::Template::parse(src) {
        Ok(t) => nodes_read_input(t.nodes()),
        // Unparsable: template-parse reports it; do not add a guess.
        Err(_) => true,
    }
}

/// Whether evaluating `nodes` reads the body: a `$input.path`/`json`/`body` anywhere, except in
/// an escaped `\$ref` (printed, not evaluated).
fn nodes_read_input(nodes: &[Node]) -> bool {
    #[derive(Default)]
    struct ReadsInput(bool);
    impl Visitor<'_> for ReadsInput {
        fn visit_node(&mut self, n: &Node) {
            if !self.0 && !matches!(n, Node::EscapedRef { .. }) {
                walk_node(self, n);
            }
        }
        fn visit_reference(&mut self, r: &Reference) {
            self.0 |= r.root == "input"
                && matches!(r.parts.first(), Some(Part::Method(m, _) | Part::Property(m)) if matches!(m.as_str(), "path" | "json" | "body"));
            if !self.0 {
                walk_reference(self, r);
            }
        }
    }
    let mut v = ReadsInput::default();
    walk_nodes(&mut v, nodes);
    v.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_lists_come_from_the_registry() {
        assert_eq!(
            util_methods(),
            [
                "escapeJavaScript",
                "parseJson",
                "urlEncode",
                "urlDecode",
                "base64Encode",
                "base64Decode"
            ]
        );
        assert_eq!(input_members(), ["body", "json", "params", "path"]);
    }
}
