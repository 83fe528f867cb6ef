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

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

pub use error::{ParseError, ParseErrorKind, RenderError, RenderErrorKind};

use ast::{MacroDef, Node};
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
        Ok(Template {
            src: src.to_string(),
            nodes,
            macros: std::mem::take(&mut p.macros),
        })
    }

    /// The template source.
    /// The parsed nodes, for static analysis.
    pub fn nodes(&self) -> &[ast::Node] {
        &self.nodes
    }

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
        self.render_inner(b, limits, dialect::NULL_EQUALS_EMPTY_STRING)
    }

    /// Renders with Velocity 1.7's `null == ""` (false) instead of API Gateway's (true). Only for
    /// differential tests against the 1.7 jar.
    #[doc(hidden)]
    pub fn render_velocity17_equality(&self, b: &Bindings) -> Result<Rendered, RenderError> {
        self.render_inner(b, &Limits::default(), false)
    }

    fn render_inner(
        &self,
        b: &Bindings,
        limits: &Limits,
        null_equals_empty: bool,
    ) -> Result<Rendered, RenderError> {
        let mut params = value::Entries::default();
        params.insert(Key::str("path"), string_map(&b.path));
        params.insert(Key::str("querystring"), string_map(&b.querystring));
        params.insert(Key::str("header"), string_map(&b.header));
        let input = InputData {
            body: &b.body,
            json: OnceCell::new(),
            doc: OnceCell::new(),
            params: Value::new_map(params),
        };
        let mut r = Renderer::new(&self.src, &self.macros, limits, input);
        r.null_equals_empty = null_equals_empty;
        for (k, v) in &b.vars {
            r.vars
                .insert(k.clone(), Value::from_json(v, ListKind::ArrayList));
        }
        let context = match Value::from_json(
            &serde_json::Value::Object(b.context.clone()),
            ListKind::Json,
        ) {
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
        r.vars.insert("context".into(), Value::Map(context.clone()));
        r.vars
            .insert("stageVariables".into(), string_map(&b.stage_variables));
        r.vars.insert("input".into(), Value::Input);
        r.vars.insert("util".into(), Value::Util);

        let mut out = String::new();
        match r.render_nodes(&self.nodes, &mut out) {
            // `#stop`, and `#break` outside a loop, end the template (Velocity 1.7).
            Ok(()) | Err(Flow::Stop) | Err(Flow::Break) => {}
            Err(Flow::Err(e)) => return Err(e),
        }
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

    #[test]
    fn basics() {
        assert_eq!(render("#set($a = 1)$a"), "1");
        assert_eq!(render("$nothing|$!nothing"), "|");
        assert_eq!(render("#if($x == \"\")empty#end"), "empty");
    }
}
