//! `vtl`: API Gateway's dialect of Apache Velocity.
//!
//! Parse a mapping template once with [`Template::parse`], render it many times with
//! [`Template::render`], using Java value semantics and API Gateway's `$input`, `$util`,
//! `$context` and `$stageVariables` bindings.
//!
//! ```
//! let t = vtl::Template::parse(r#"{"id": "$input.params('id')", "n": $input.path('$.n')}"#).unwrap();
//! let mut b = vtl::Bindings::default();
//! b.body = r#"{"n": 3}"#.into();
//! b.path.insert("id".into(), "42".into());
//! assert_eq!(t.render(&b).unwrap().output, r#"{"id": "42", "n": 3}"#);
//! ```

/// The syntax tree, read-only, for static analysis (`codegen lint`).
pub mod ast;
pub mod dialect;
mod error;
mod eval;
pub mod javaregex;
mod json;
pub mod jsonpath;
mod parser;
pub mod util;
mod value;

/// Java's methods of the values a template sees, by receiver class, name and arity (read-only,
/// for static analysis: [`methods::exists`]).
pub use eval::methods;

use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

pub use error::{ParseError, ParseErrorKind, RenderError, RenderErrorKind};

use ast::{MacroDef, Node, Part, Reference, Symbols};
use eval::{Flow, InputData, Renderer};
use value::{JMap, Key, ListKind, Value};

/// Maximum template size accepted by API Gateway (DG known-issues: 300 KB).
pub const MAX_TEMPLATE_BYTES: usize = 300 * 1024;

/// Safety caps of one render. [`Limits::default`] is what [`Template::render`] uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Iterations of one `#foreach` (AWS: 1000).
    pub max_foreach_iterations: usize,
    /// Iterations of all loops of one render.
    pub max_total_iterations: usize,
    /// Bytes of output (and of any string built while rendering).
    pub max_output_bytes: usize,
    /// Nesting of macro calls and `#define` expansions.
    pub max_depth: usize,
    /// Elements of a range literal `[a..b]`.
    pub max_range: usize,
    /// Elements of a list or map grown with `add`/`put`.
    pub max_collection_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_foreach_iterations: 1000,
            max_total_iterations: 1_000_000,
            max_output_bytes: 10 * 1024 * 1024,
            max_depth: 20,
            max_range: 100_000,
            max_collection_size: 1_000_000,
        }
    }
}

/// A parsed mapping template: parse once, render many times (`Send + Sync`).
#[derive(Debug, Clone)]
pub struct Template {
    src: String,
    nodes: Vec<Node>,
    macros: HashMap<String, MacroDef>,
    /// Every variable name the template uses, numbered: the renderer's variables are a vector.
    symbols: Symbols,
    /// What the template reads of `$context`, found once at parse time.
    context_use: ContextUse,
    /// Whether `$input.params` can be reached (any `$input` use but `.path`, `.json`, `.body`).
    reads_params: bool,
    /// The capacity the next render's output starts with.
    output_hint: OutputHint,
}

/// What a template's last render wrote, plus an eighth: the next render's output buffer starts
/// that large. A template renders alike request after request, and a `String` grown by doubling
/// ends up to twice its content (a 1.16 MB Scan page sat in a 2 MB buffer, 45% of a render's peak
/// heap), copying and page-faulting at every step. Relaxed: a stale hint only costs a regrowth.
#[derive(Debug, Default)]
struct OutputHint(std::sync::atomic::AtomicUsize);

impl OutputHint {
    fn get(&self, limit: usize) -> usize {
        self.0.load(std::sync::atomic::Ordering::Relaxed).min(limit)
    }

    fn learn(&self, len: usize) {
        let next = len.saturating_add(len / 8);
        self.0.store(next, std::sync::atomic::Ordering::Relaxed);
    }
}

impl Clone for OutputHint {
    fn clone(&self) -> Self {
        OutputHint(self.0.load(std::sync::atomic::Ordering::Relaxed).into())
    }
}

/// The part of `$context` a template can reach: only those top-level keys are converted from
/// the [`Host`] when it renders.
#[derive(Debug, Clone, PartialEq, Eq)]
enum ContextUse {
    /// `$context` itself escapes (printed, iterated, passed on, indexed, a method called on it).
    All,
    /// Only `$context.name...` references, by these first names.
    Keys(Vec<String>),
}

/// A value a [`Host`] answers with.
#[derive(Debug, Clone)]
pub enum HostValue<'a> {
    Null,
    Bool(bool),
    /// An integer, typed as a JSON number would be (Integer when it fits 32 bits, else Long).
    Int(i64),
    Str(Cow<'a, str>),
    /// A nested object (`$context.identity`), seen by templates as a map of its keys.
    Object(&'a dyn Host),
    /// Any JSON value, converted as a JSON body would be (arrays render as JSON).
    Json(&'a serde_json::Value),
}

/// An object the host answers key by key, such as `$context`: a render asks only for the
/// top-level keys its template names (all of them when the template uses the object as a
/// whole), so the host computes nothing a template does not read.
pub trait Host {
    /// The value of `name`; `None` when the object has no such key.
    fn get(&self, name: &str) -> Option<HostValue<'_>>;
    /// Every key, in the object's order (`$context.keySet()`, `$context` printed).
    fn keys(&self) -> Vec<&str>;
}

impl std::fmt::Debug for dyn Host + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut m = f.debug_map();
        for k in self.keys() {
            m.entry(&k, &self.get(k));
        }
        m.finish()
    }
}

/// A JSON object is a host whose values are converted as JSON (what [`Bindings::context`] is).
impl Host for serde_json::Map<String, serde_json::Value> {
    fn get(&self, name: &str) -> Option<HostValue<'_>> {
        serde_json::Map::get(self, name).map(HostValue::Json)
    }

    fn keys(&self) -> Vec<&str> {
        serde_json::Map::keys(self).map(String::as_str).collect()
    }
}

/// `$context.requestOverride` / `$context.responseOverride` (docs/evidence/apigateway-semantics.md §3.5).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Overrides {
    /// `responseOverride.status` as the template set it (a number, or a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub header: IndexMap<String, String>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub path: IndexMap<String, String>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub querystring: IndexMap<String, String>,
    /// Any other key set on the override map (AWS carries them to the response template, 8.3).
    #[serde(flatten)]
    pub custom: serde_json::Map<String, serde_json::Value>,
}

impl Overrides {
    pub fn is_empty(&self) -> bool {
        self.status.is_none()
            && self.header.is_empty()
            && self.path.is_empty()
            && self.querystring.is_empty()
            && self.custom.is_empty()
    }

    /// The status to send, when valid: 100..=599, given as a number or numeric string
    /// (LocalStack PRs #11135/#11144; see the dialect table).
    pub fn status_code(&self) -> Option<u16> {
        let n = match self.status.as_ref()? {
            serde_json::Value::Number(n) => n.as_u64()?,
            serde_json::Value::String(s) => s.trim().parse().ok()?,
            _ => return None,
        };
        (100..=599).contains(&n).then_some(n as u16)
    }

    fn to_value(&self) -> Value {
        let strmap = |m: &IndexMap<String, String>| {
            Value::new_map(
                m.iter()
                    .map(|(k, v)| (Key::str(k), Value::str(v)))
                    .collect(),
            )
        };
        let mut entries = value::Entries::default();
        if let Some(s) = &self.status {
            entries.insert(Key::str("status"), Value::from_json(s, ListKind::Json));
        }
        entries.insert(Key::str("header"), strmap(&self.header));
        entries.insert(Key::str("path"), strmap(&self.path));
        entries.insert(Key::str("querystring"), strmap(&self.querystring));
        for (k, v) in &self.custom {
            entries.insert(Key::str(k), Value::from_json(v, ListKind::Json));
        }
        Value::new_map(entries)
    }

    fn from_value(v: &Value) -> Overrides {
        let mut o = Overrides::default();
        // A JSON object of the body assigned to an override is read as the map it is.
        let Value::Map(m) = v.clone().resolved() else {
            return o;
        };
        let Ok(m) = m.try_borrow() else { return o };
        let strmap = |v: &Value| -> IndexMap<String, String> {
            match v.clone().resolved() {
                Value::Map(m) => m
                    .try_borrow()
                    .map(|m| {
                        m.entries
                            .iter()
                            .filter(|(_, v)| !v.is_null())
                            .map(|(k, v)| (k.as_string(), v.to_java_string_lossy()))
                            .collect()
                    })
                    .unwrap_or_default(),
                _ => IndexMap::new(),
            }
        };
        for (k, v) in &m.entries {
            match k.as_string().as_str() {
                "status" => {
                    if !v.is_null() {
                        o.status = Some(v.to_serde(0));
                    }
                }
                "header" => o.header = strmap(v),
                "path" => o.path = strmap(v),
                "querystring" => o.querystring = strmap(v),
                other => {
                    o.custom.insert(other.to_string(), v.to_serde(0));
                }
            }
        }
        o
    }
}

/// Everything a template can see.
#[derive(Debug, Default, Clone)]
pub struct Bindings {
    /// Raw payload: `$input.body` and the JSONPath source.
    pub body: String,
    /// `$input.params().path`.
    pub path: IndexMap<String, String>,
    /// `$input.params().querystring`.
    pub querystring: IndexMap<String, String>,
    /// `$input.params().header`.
    pub header: IndexMap<String, String>,
    /// `$context.*` (nested objects allowed: `identity.sourceIp`, `error.message`, ...).
    pub context: serde_json::Map<String, serde_json::Value>,
    /// `$stageVariables`.
    pub stage_variables: IndexMap<String, String>,
    /// Extra top-level variables: object -> Map, array -> List, integer -> Integer/Long, other
    /// number -> Double.
    pub vars: serde_json::Map<String, serde_json::Value>,
    /// `$context.requestOverride` carried from the request template (AWS-recorded, 8.3).
    pub request_override: Overrides,
    /// `$context.responseOverride` carried from the request template (AWS-recorded, 8.3).
    pub response_override: Overrides,
}

impl Bindings {
    /// The borrowed view of these bindings that a render reads.
    pub fn scope(&self) -> Scope<'_> {
        Scope {
            body: &self.body,
            path: &self.path,
            querystring: &self.querystring,
            header: &self.header,
            context: &self.context,
            stage_variables: &self.stage_variables,
            vars: Some(&self.vars),
            request_override: &self.request_override,
            response_override: &self.response_override,
        }
    }
}

/// Everything a template can see, borrowed: what [`Bindings`] holds, with `$context` as a
/// [`Host`] asked for what the template reads. Render with [`Template::render_scope`].
#[derive(Clone, Copy, Debug)]
pub struct Scope<'a> {
    /// Raw payload: `$input.body` and the JSONPath source.
    pub body: &'a str,
    /// `$input.params().path`.
    pub path: &'a IndexMap<String, String>,
    /// `$input.params().querystring`.
    pub querystring: &'a IndexMap<String, String>,
    /// `$input.params().header`.
    pub header: &'a IndexMap<String, String>,
    /// `$context.*` (`requestOverride` and `responseOverride` come from the fields below).
    pub context: &'a dyn Host,
    /// `$stageVariables`.
    pub stage_variables: &'a IndexMap<String, String>,
    /// Extra top-level variables, as [`Bindings::vars`].
    pub vars: Option<&'a serde_json::Map<String, serde_json::Value>>,
    /// `$context.requestOverride` carried from the request template (AWS-recorded, 8.3).
    pub request_override: &'a Overrides,
    /// `$context.responseOverride` carried from the request template (AWS-recorded, 8.3).
    pub response_override: &'a Overrides,
}

/// A host value as a template value; nested objects are converted whole, to a bounded depth.
fn host_value(v: HostValue<'_>, depth: usize) -> Value {
    match v {
        HostValue::Null => Value::Null,
        HostValue::Bool(b) => Value::Bool(b),
        HostValue::Int(i) => match i32::try_from(i) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Long(i),
        },
        HostValue::Str(s) => match s {
            Cow::Borrowed(s) => Value::str(s),
            Cow::Owned(s) => Value::string(s),
        },
        HostValue::Json(j) => Value::from_json(j, ListKind::Json),
        HostValue::Object(h) => {
            if depth >= value::MAX_VALUE_DEPTH {
                return Value::Null;
            }
            host_map(h, None, depth + 1)
        }
    }
}

/// A host as a template map: all its keys, or only `keys` (absent ones left out).
fn host_map(h: &dyn Host, keys: Option<&[String]>, depth: usize) -> Value {
    let mut entries = value::Entries::default();
    let mut put = |k: &str| {
        if let Some(v) = h.get(k) {
            entries.insert(Key::str(k), host_value(v, depth));
        }
    };
    match keys {
        Some(keys) => keys.iter().for_each(|k| put(k)),
        None => h.keys().into_iter().for_each(put),
    }
    Value::new_map(entries)
}

/// What a template reads of `$context` and `$input`, from its tree (macro bodies included).
#[derive(Default)]
struct Uses {
    context_all: bool,
    context_keys: Vec<String>,
    reads_params: bool,
}

impl Uses {
    fn of(nodes: &[Node], macros: &HashMap<String, MacroDef>) -> Uses {
        let mut u = Uses::default();
        ast::walk_nodes(&mut u, nodes);
        for m in macros.values() {
            ast::walk_nodes(&mut u, &m.body);
        }
        u
    }

    fn context_use(&self) -> ContextUse {
        if self.context_all {
            ContextUse::All
        } else {
            ContextUse::Keys(self.context_keys.clone())
        }
    }
}

impl<'ast> ast::Visitor<'ast> for Uses {
    fn visit_reference(&mut self, r: &'ast Reference) {
        match r.root.as_str() {
            "context" => match r.parts.first() {
                Some(Part::Property(name)) => {
                    if !self.context_keys.contains(name) {
                        self.context_keys.push(name.clone());
                    }
                }
                _ => self.context_all = true,
            },
            "input" => match r.parts.first() {
                Some(Part::Property(name)) if name == "body" => {}
                Some(Part::Method(name, _))
                    if matches!(name.as_str(), "path" | "json" | "getBody") => {}
                _ => self.reads_params = true,
            },
            _ => {}
        }
        ast::walk_reference(self, r);
    }
}

/// The result of a render.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rendered {
    pub output: String,
    #[serde(rename = "requestOverride")]
    pub request_override: Overrides,
    #[serde(rename = "responseOverride")]
    pub response_override: Overrides,
}

impl Rendered {
    /// `{"requestOverride": {...}, "responseOverride": {...}}` as printed by `vtl render --overrides`.
    pub fn overrides_json(&self) -> serde_json::Value {
        serde_json::json!({
            "requestOverride": self.request_override,
            "responseOverride": self.response_override,
        })
    }
}

fn string_map(m: &IndexMap<String, String>) -> Value {
    Value::new_map(
        m.iter()
            .map(|(k, v)| (Key::str(k), Value::str(v)))
            .collect(),
    )
}

impl Template {
    /// Parses a mapping template. Fails like API Gateway would ("Unable to transform"), with the
    /// line:column and text of the problem.
    pub fn parse(src: &str) -> Result<Template, ParseError> {
        if src.len() > MAX_TEMPLATE_BYTES {
            return Err(ParseError::at(
                src,
                0,
                ParseErrorKind::TooLarge,
                format!(
                    "template is {} bytes; API Gateway accepts at most {MAX_TEMPLATE_BYTES}",
                    src.len()
                ),
            ));
        }
        let mut p = parser::Parser::new(src, 0, HashMap::new());
        let nodes = p.parse_template()?;
        let macros = std::mem::take(&mut p.macros);
        let symbols = std::mem::replace(&mut p.symbols, Symbols::new());
        let uses = Uses::of(&nodes, &macros);
        Ok(Template {
            src: src.to_string(),
            nodes,
            macros,
            symbols,
            context_use: uses.context_use(),
            reads_params: uses.reads_params,
            output_hint: OutputHint::default(),
        })
    }

    /// The parsed nodes, for static analysis.
    pub fn nodes(&self) -> &[ast::Node] {
        &self.nodes
    }

    /// The template source.
    pub fn source(&self) -> &str {
        &self.src
    }

    /// Renders with the default [`Limits`].
    pub fn render(&self, b: &Bindings) -> Result<Rendered, RenderError> {
        self.render_with_limits(b, &Limits::default())
    }

    /// Renders with explicit caps.
    pub fn render_with_limits(
        &self,
        b: &Bindings,
        limits: &Limits,
    ) -> Result<Rendered, RenderError> {
        self.render_inner(&b.scope(), limits, dialect::NULL_EQUALS_EMPTY_STRING)
    }

    /// Renders borrowed bindings with the default [`Limits`]: nothing is copied but what the
    /// template reads.
    pub fn render_scope(&self, s: &Scope<'_>) -> Result<Rendered, RenderError> {
        self.render_scope_with_limits(s, &Limits::default())
    }

    /// Renders borrowed bindings with explicit caps.
    pub fn render_scope_with_limits(
        &self,
        s: &Scope<'_>,
        limits: &Limits,
    ) -> Result<Rendered, RenderError> {
        self.render_inner(s, limits, dialect::NULL_EQUALS_EMPTY_STRING)
    }

    /// Renders with Velocity 1.7's `null == ""` (false) instead of API Gateway's (true). Only for
    /// differential tests against the 1.7 jar.
    #[doc(hidden)]
    pub fn render_velocity17_equality(&self, b: &Bindings) -> Result<Rendered, RenderError> {
        self.render_inner(&b.scope(), &Limits::default(), false)
    }

    fn render_inner(
        &self,
        b: &Scope<'_>,
        limits: &Limits,
        null_equals_empty: bool,
    ) -> Result<Rendered, RenderError> {
        // `$input.params()` is built only when the template can reach it.
        let params = if self.reads_params {
            let mut params = value::Entries::with_capacity(3);
            params.insert(Key::str("path"), string_map(b.path));
            params.insert(Key::str("querystring"), string_map(b.querystring));
            params.insert(Key::str("header"), string_map(b.header));
            Value::new_map(params)
        } else {
            Value::Null
        };
        let input = InputData {
            body: b.body,
            json: OnceCell::new(),
            doc: OnceCell::new(),
            params,
        };
        let mut r = Renderer::new(&self.src, &self.macros, &self.symbols, limits, input);
        r.null_equals_empty = null_equals_empty;
        // A variable the template never names cannot be read: it is not even converted.
        for (k, v) in b.vars.into_iter().flatten() {
            if let Some(id) = self.symbols.get(k) {
                r.vars[id.0 as usize] = Value::from_json(v, ListKind::ArrayList);
            }
        }
        // Only the keys of `$context` the template names are asked of the host.
        let keys = match &self.context_use {
            ContextUse::All => None,
            ContextUse::Keys(k) => Some(k.as_slice()),
        };
        let context = match host_map(b.context, keys, 0) {
            Value::Map(m) => m,
            _ => Rc::new(RefCell::new(JMap::default())),
        };
        context
            .borrow_mut()
            .entries
            .insert(Key::str("requestOverride"), b.request_override.to_value());
        context
            .borrow_mut()
            .entries
            .insert(Key::str("responseOverride"), b.response_override.to_value());
        r.vars[Symbols::CONTEXT.0 as usize] = Value::Map(context.clone());
        r.vars[Symbols::STAGE_VARIABLES.0 as usize] = string_map(b.stage_variables);
        r.vars[Symbols::INPUT.0 as usize] = Value::Input;
        r.vars[Symbols::UTIL.0 as usize] = Value::Util;

        let mut out = String::with_capacity(self.output_hint.get(limits.max_output_bytes));
        match r.render_nodes(&self.nodes, &mut out) {
            // `#stop`, and `#break` outside a loop, end the template (Velocity 1.7).
            Ok(()) | Err(Flow::Stop) | Err(Flow::Break) => {}
            Err(Flow::Err(e)) => return Err(e),
        }
        self.output_hint.learn(out.len());
        let ctx = context.borrow();
        let get = |k: &str| {
            ctx.entries
                .get(&Key::str(k))
                .map(Overrides::from_value)
                .unwrap_or_default()
        };
        Ok(Rendered {
            output: out,
            request_override: get("requestOverride"),
            response_override: get("responseOverride"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(t: &str) -> String {
        Template::parse(t)
            .unwrap()
            .render(&Bindings::default())
            .unwrap()
            .output
    }

    /// Member chains on the body (`$x.a.b`) are walked on the tape; what the walk meets must
    /// read as the Java objects would: a container a method made live answers from its map (for
    /// every reference to it), a missing member is null for the rest of the chain, a string with
    /// more parts after it gets its methods, the last of duplicate keys wins, and a property of
    /// an array is its getter.
    #[test]
    fn member_chains_on_the_body_read_as_the_java_objects_would() {
        let b = Bindings {
            body: r#"{"o":{"a":{"s":"x"},"d":1,"d":2,"l":[{"s":"y"}]}}"#.into(),
            ..Bindings::default()
        };
        let t = |src: &str| Template::parse(src).unwrap().render(&b).unwrap().output;
        assert_eq!(
            t("#set($r = $input.path('$'))$r.o.a.s|$r.o.d|$r.o.q.s|$r.o.a.s.length()"),
            "x|2||1"
        );
        assert_eq!(
            t("#set($r = $input.path('$'))#set($o = $r.o)#set($_ = $o.a.put('s', 'live'))$r.o.a.s"),
            "live"
        );
        assert_eq!(
            t(
                "#set($r = $input.path('$'))#set($_ = $r.o.put('a', {'s': 'new'}))$r.o.a.s $r.o.l.empty"
            ),
            "new false"
        );
        assert_eq!(t("#foreach($i in $input.path('$.o.l'))$i.s#end"), "y");
        assert_eq!(
            t("#set($r = $input.path('$'))#if($r.o.a && !$r.o.z)yes#end"),
            "yes"
        );
    }

    /// `#if("$!x" == "")` answers without rendering `$x` (`renders_empty` in eval.rs): the same
    /// answer as comparing the rendered string, for every kind of value a template meets, both
    /// ways round and with `!=`, and the reference evaluated once.
    #[test]
    fn empty_string_comparisons_answer_as_the_rendered_string_would() {
        let b = Bindings {
            body:
                r#"{"m":{"a":{"S":"x"}},"e":{},"l":[],"s":"","t":"text","n":0,"f":false,"z":null}"#
                    .into(),
            ..Bindings::default()
        };
        let t = |src: &str| Template::parse(src).unwrap().render(&b).unwrap().output;
        let values = [
            "$input.path('$.m')",
            "$input.path('$.e')",
            "$input.path('$.l')",
            "$input.path('$.s')",
            "$input.path('$.t')",
            "$input.path('$.n')",
            "$input.path('$.f')",
            "$input.path('$.z')",
            "$input.path('$.missing')",
            "$input.path('$').m.a",
            "{}",
            "[]",
            "''",
            "'x'",
            "1.5",
            "true",
            "$util.parseJson('{}')",
        ];
        let mut answers = 0;
        for v in values {
            let setup = format!("#set($r = {v})#define($d)$!r#end#set($cnt = 0)");
            for (probe, form) in [("$!r", "quiet"), ("$r", "plain"), ("$d", "block")] {
                let fast = t(&format!(
                    "{setup}#if(\"{probe}\" == \"\")E#{{else}}N#end#if(\"\" != \"{probe}\")n#{{else}}e#end"
                ));
                let slow = t(&format!(
                    "{setup}#set($s = \"{probe}\")#if($s == \"\")E#{{else}}N#end#if(\"\" != $s)n#{{else}}e#end"
                ));
                assert_eq!(fast, slow, "{form} {probe} with $r = {v}");
                answers += usize::from(fast.starts_with('E'));
            }
        }
        // Both answers occur: null, missing and empty strings render empty, the rest do not.
        assert!((5..30).contains(&answers), "{answers} empty");
        // Evaluated once: a method call in the reference runs once per comparison.
        assert_eq!(
            t("#set($l = [])#if(\"$!l.add(1)\" == \"\")E#end$l.size()"),
            "1"
        );
    }

    /// The second render of a template starts from what the first wrote, plus an eighth: its
    /// buffer holds the output without the doubling's up to 2x (the peak heap of a Scan page's
    /// render, `scripts/bench memory`, 4.6x the page before, 3.7x after).
    #[test]
    fn a_template_renders_into_a_buffer_sized_by_its_last_output() {
        let t = Template::parse(
            "#foreach($i in [1..1000])item $i of a line long enough to add up,#end",
        )
        .unwrap();
        let first = t.render(&Bindings::default()).unwrap().output;
        let len = first.len();
        assert!(len > 40_000, "{len}");
        let second = t.render(&Bindings::default()).unwrap().output;
        assert_eq!(second, first);
        assert!(
            second.capacity() >= len && second.capacity() <= len + len / 8,
            "capacity {} for {len} bytes",
            second.capacity()
        );
    }

    #[test]
    fn template_is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<Template>();
    }

    #[test]
    fn regex_methods_render_alike_from_many_threads() {
        let t = std::sync::Arc::new(
            Template::parse(
                "#set($s = \"it\\'s a-b\")$s.replaceAll(\"\\\\'\", \"'\")|$s.replaceFirst('-', '+')|$s.matches('.*b')|$s.split(' ').size()",
            )
            .unwrap(),
        );
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let t = t.clone();
                std::thread::spawn(move || {
                    (0..50)
                        .map(|_| t.render(&Bindings::default()).unwrap().output)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in threads {
            for out in h.join().unwrap() {
                assert_eq!(out, "it's a-b|it\\'s a+b|true|2");
            }
        }
    }

    /// A `$context` host that records what a render asked of it.
    struct Recording {
        asked: RefCell<Vec<String>>,
        inner: serde_json::Map<String, serde_json::Value>,
    }

    impl Host for Recording {
        fn get(&self, name: &str) -> Option<HostValue<'_>> {
            self.asked.borrow_mut().push(name.to_string());
            self.inner.get(name).map(HostValue::Json)
        }
        fn keys(&self) -> Vec<&str> {
            self.inner.keys().map(String::as_str).collect()
        }
    }

    fn recording() -> Recording {
        let inner = match serde_json::json!({"requestId": "r1", "stage": "prod",
            "identity": {"sourceIp": "1.2.3.4", "caller": null}})
        {
            serde_json::Value::Object(m) => m,
            _ => unreachable!(),
        };
        Recording {
            asked: RefCell::new(Vec::new()),
            inner,
        }
    }

    fn render_host(t: &str, host: &Recording) -> Rendered {
        let b = Bindings::default();
        let scope = Scope {
            context: host,
            ..b.scope()
        };
        Template::parse(t).unwrap().render_scope(&scope).unwrap()
    }

    #[test]
    fn a_host_is_asked_only_for_the_keys_the_template_names() {
        let h = recording();
        let r = render_host(
            "$context.requestId $context.identity.sourceIp $context.identity.size() #set($context.responseOverride.status = 201)",
            &h,
        );
        assert_eq!(r.output, "r1 1.2.3.4 2");
        assert_eq!(
            *h.asked.borrow(),
            ["requestId", "identity", "responseOverride"]
        );
        assert_eq!(r.response_override.status_code(), Some(201));
        // `$context` used whole: every key, in the host's order, then the overrides.
        let h = recording();
        let r = render_host("#foreach($k in $context.keySet())$k,#end", &h);
        assert_eq!(
            r.output,
            "requestId,stage,identity,requestOverride,responseOverride,"
        );
        let h = recording();
        assert_eq!(render_host("$input.body", &h).output, "{}");
        assert!(h.asked.borrow().is_empty());
    }

    #[test]
    fn uses_are_found_in_every_corner_of_the_tree() {
        let uses = |t: &str| {
            let t = Template::parse(t).unwrap();
            (t.context_use.clone(), t.reads_params)
        };
        let keys = |k: &[&str]| ContextUse::Keys(k.iter().map(|s| s.to_string()).collect());
        assert_eq!(uses("$input.path('$.a') $input.body"), (keys(&[]), false));
        assert_eq!(
            uses("#macro(m $x)$context.stage#end#m($input.params('a'))"),
            (keys(&["stage"]), true)
        );
        assert_eq!(uses("\"${context.path}\""), (keys(&["path"]), false));
        assert_eq!(uses("#set($c = $context)"), (ContextUse::All, false));
        assert_eq!(uses("$context['stage']"), (ContextUse::All, false));
        assert_eq!(uses("#set($i = $input)$i.params()"), (keys(&[]), true));
        assert_eq!(
            uses("#define($d)$context.requestId#end#foreach($x in [$context.stage])#end"),
            (keys(&["requestId", "stage"]), false)
        );
    }

    #[test]
    fn basics() {
        assert_eq!(render("#set($a = 1)$a"), "1");
        assert_eq!(render("$nothing|$!nothing"), "|");
        assert_eq!(render("#if($x == \"\")empty#end"), "empty");
    }
}
