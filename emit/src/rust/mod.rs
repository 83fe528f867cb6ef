//! The typed IR shared by the Rust emitters ([`crate::models`], [`crate::client`]): every type the
//! document's schemas need, with sanitized, collision-free Rust names, built once from the spec.
//!
//! Named schemas come from `components/schemas`; inline request and response body schemas get a
//! name from their operation (`{OperationId}RequestBody`, `{OperationId}{Status}Body`); inline
//! objects and string enums nested in properties get `{Parent}{Property}` (plus `Item` inside an
//! array). Anything the IR cannot type exactly is `serde_json::Value`, which accepts every JSON
//! value, so the model never rejects what the document allows.

pub(crate) mod naming;

use std::collections::BTreeSet;

use indexmap::IndexMap;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::EmitError;

const SCHEMAS_PREFIX: &str = "#/components/schemas/";

/// A Rust type a schema maps to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ty {
    String,
    Integer,
    Number,
    Boolean,
    /// Any JSON value (no `type`, or a shape the IR does not model).
    Any,
    /// A generated type, by its Rust name.
    Named(String),
    Vec(Box<Ty>),
}

impl Ty {
    /// The type as tokens, with paths that cannot be shadowed by a generated type's name
    /// (a schema may well be called `String` or `Option`).
    pub(crate) fn tokens(&self, models: &TokenStream) -> TokenStream {
        match self {
            Ty::String => quote!(::std::string::String),
            Ty::Integer => quote!(i64),
            Ty::Number => quote!(f64),
            Ty::Boolean => quote!(bool),
            Ty::Any => quote!(::serde_json::Value),
            Ty::Named(n) => {
                let id = format_ident!("{}", n);
                quote!(#models #id)
            }
            Ty::Vec(t) => {
                let inner = t.tokens(models);
                quote!(::std::vec::Vec<#inner>)
            }
        }
    }

    /// How the type reads in the docs.
    pub(crate) fn describe(&self) -> String {
        match self {
            Ty::String => "string".into(),
            Ty::Integer => "integer".into(),
            Ty::Number => "number".into(),
            Ty::Boolean => "boolean".into(),
            Ty::Any => "any JSON value".into(),
            Ty::Named(n) => n.clone(),
            Ty::Vec(t) => format!("array of {}", t.describe()),
        }
    }
}

/// The validation keywords schemars can derive (`#[schemars(length(..), range(..), regex(..))]`).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Constraints {
    /// `minLength`/`maxLength` on strings, `minItems`/`maxItems` on arrays.
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub pattern: Option<String>,
}

impl Constraints {
    fn of(schema: &Value) -> Constraints {
        let u = |k: &str| schema.get(k).and_then(Value::as_u64);
        let f = |k: &str| schema.get(k).and_then(Value::as_f64);
        let is_array = schema.get("type").and_then(Value::as_str) == Some("array");
        Constraints {
            min_length: if is_array {
                u("minItems")
            } else {
                u("minLength")
            },
            max_length: if is_array {
                u("maxItems")
            } else {
                u("maxLength")
            },
            minimum: f("minimum"),
            maximum: f("maximum"),
            pattern: schema
                .get("pattern")
                .and_then(Value::as_str)
                .map(str::to_string),
        }
    }

    fn is_empty(&self) -> bool {
        *self == Constraints::default()
    }

    /// `#[schemars(...)]` for these constraints; `integer` writes the bounds as integers.
    pub(crate) fn attribute(&self, integer: bool) -> TokenStream {
        if self.is_empty() {
            return TokenStream::new();
        }
        let mut parts = Vec::new();
        let mut length = Vec::new();
        if let Some(n) = self.min_length {
            let n = proc_macro2::Literal::u64_unsuffixed(n);
            length.push(quote!(min = #n));
        }
        if let Some(n) = self.max_length {
            let n = proc_macro2::Literal::u64_unsuffixed(n);
            length.push(quote!(max = #n));
        }
        if !length.is_empty() {
            parts.push(quote!(length(#(#length),*)));
        }
        let number = |v: f64| {
            // A bound written as an integer in the document stays an integer, so the derived
            // schema says `"minimum": 1` as the document does.
            if integer && v.fract() == 0.0 && v.abs() < 9.0e15 {
                proc_macro2::Literal::i64_unsuffixed(v as i64)
            } else {
                proc_macro2::Literal::f64_unsuffixed(v)
            }
        };
        let mut range = Vec::new();
        if let Some(v) = self.minimum {
            let v = number(v);
            range.push(quote!(min = #v));
        }
        if let Some(v) = self.maximum {
            let v = number(v);
            range.push(quote!(max = #v));
        }
        if !range.is_empty() {
            parts.push(quote!(range(#(#range),*)));
        }
        if let Some(p) = &self.pattern {
            parts.push(quote!(regex(pattern = #p)));
        }
        quote!(#[schemars(#(#parts),*)])
    }
}

/// One property of a struct.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    /// The Rust identifier (sanitized, may be a raw identifier such as `r#type`).
    pub rust: String,
    /// The exact JSON name.
    pub json: String,
    pub doc: Option<String>,
    pub ty: Ty,
    pub required: bool,
    pub constraints: Constraints,
}

#[derive(Debug, Clone)]
pub(crate) enum ModelKind {
    /// An object with properties.
    Struct {
        fields: Vec<Field>,
        deny_unknown_fields: bool,
    },
    /// Any other named schema (array, string, ...): a newtype, transparent in JSON.
    Newtype { ty: Ty, constraints: Constraints },
    /// A string `enum`: (Rust variant, JSON value).
    Enum { variants: Vec<(String, String)> },
}

/// One generated type.
#[derive(Debug, Clone)]
pub(crate) struct Model {
    pub name: String,
    pub doc: Option<String>,
    pub kind: ModelKind,
    /// For a type that stands for a whole schema (a component or a body), that schema's JSON
    /// pointer in the resolved document; `None` for a type nested in another.
    pub origin: Option<String>,
}

/// Every generated type, plus what each body schema of each operation maps to.
#[derive(Debug, Clone, Default)]
pub(crate) struct TypeSpace {
    pub models: Vec<Model>,
    /// Component schema name -> Rust type name.
    pub components: IndexMap<String, String>,
    /// (operation pointer, "request" or a status) -> body type, for `application/json` bodies.
    pub bodies: IndexMap<(String, String), Ty>,
    taken: BTreeSet<String>,
}

impl TypeSpace {
    /// Build the IR from the document: component schemas first (in document order), then
    /// inline bodies operation by operation.
    pub(crate) fn build(api: &apidef::Api) -> Result<TypeSpace, EmitError> {
        let mut space = TypeSpace::default();
        let schemas = api
            .resolved
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        // Names are reserved first, so a component keeps its name even when an inline type
        // that comes earlier would have wanted it.
        for name in schemas.keys() {
            let rust = space.reserve(&naming::type_name(name));
            space.components.insert(name.clone(), rust);
        }
        for (name, schema) in &schemas {
            let rust = space.components.get(name).cloned().unwrap_or_default();
            let origin = format!("{SCHEMAS_PREFIX}{name}");
            space.named(api, &rust, schema, &origin)?;
            if let Some(m) = space.models.iter_mut().find(|m| m.name == rust) {
                m.origin = Some(format!(
                    "/components/schemas/{}",
                    naming::escape_pointer(name)
                ));
            }
        }
        for op in &api.operations {
            let base = naming::type_name(&operation_name(op));
            let pointer = &op.pointer;
            if let Some((at, schema)) = json_body_schema(api, &format!("{pointer}/requestBody")) {
                let ty = space.inline(api, &format!("{base}RequestBody"), &schema, &at)?;
                space.bodies.insert((pointer.clone(), "request".into()), ty);
            }
            for status in op.responses.keys() {
                let at = format!("{pointer}/responses/{}", naming::escape_pointer(status));
                if let Some((at, schema)) = json_body_schema(api, &at) {
                    let label = naming::type_name(status);
                    let ty = space.inline(api, &format!("{base}{label}Body"), &schema, &at)?;
                    space.bodies.insert((pointer.clone(), status.clone()), ty);
                }
            }
        }
        Ok(space)
    }

    /// The model with this Rust name.
    pub(crate) fn model(&self, name: &str) -> Option<&Model> {
        self.models.iter().find(|m| m.name == name)
    }

    /// A fresh type name: `base`, else `base2`, `base3`, ...
    fn reserve(&mut self, base: &str) -> String {
        let mut name = base.to_string();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{base}{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }

    /// A body schema: a reference names its component; anything else is typed inline under
    /// `name` when it needs a type of its own.
    fn inline(
        &mut self,
        api: &apidef::Api,
        name: &str,
        schema: &Value,
        origin: &str,
    ) -> Result<Ty, EmitError> {
        let before = self.models.len();
        let ty = self.ty(api, name, schema, origin)?;
        if let Ty::Named(n) = &ty
            && let Some(m) = self.models[before..].iter_mut().find(|m| &m.name == n)
        {
            m.origin = Some(origin.to_string());
        }
        Ok(ty)
    }

    /// The Rust type for `schema`, creating types for inline objects and enums under `hint`.
    fn ty(
        &mut self,
        api: &apidef::Api,
        hint: &str,
        schema: &Value,
        origin: &str,
    ) -> Result<Ty, EmitError> {
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let Some(name) = r.strip_prefix(SCHEMAS_PREFIX) else {
                return Err(EmitError::unsupported(
                    api,
                    origin,
                    format!("reference {r} is not into #/components/schemas"),
                ));
            };
            return match self.components.get(name) {
                Some(rust) => Ok(Ty::Named(rust.clone())),
                None => Err(EmitError::unsupported(
                    api,
                    origin,
                    format!("reference {r} names no schema"),
                )),
            };
        }
        let ty = match schema.get("type").and_then(Value::as_str) {
            Some("string") if schema.get("enum").is_some() => {
                if string_enum(schema).is_some() {
                    let name = self.reserve(hint);
                    self.named(api, &name, schema, origin)?;
                    Ty::Named(name)
                } else {
                    Ty::Any
                }
            }
            _ if schema.get("enum").is_some() => Ty::Any,
            Some("string") => Ty::String,
            Some("integer") => Ty::Integer,
            Some("number") => Ty::Number,
            Some("boolean") => Ty::Boolean,
            Some("array") => match schema.get("items") {
                Some(items) if items.is_object() => {
                    let inner = self.ty(api, &format!("{hint}Item"), items, origin)?;
                    Ty::Vec(Box::new(inner))
                }
                _ => Ty::Vec(Box::new(Ty::Any)),
            },
            Some("object") if is_struct(schema) => {
                let name = self.reserve(hint);
                self.named(api, &name, schema, origin)?;
                Ty::Named(name)
            }
            _ => Ty::Any,
        };
        Ok(ty)
    }

    /// Add the model `name` (already reserved) for `schema`.
    fn named(
        &mut self,
        api: &apidef::Api,
        name: &str,
        schema: &Value,
        origin: &str,
    ) -> Result<(), EmitError> {
        let doc = schema
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_string);
        let kind = if let Some(values) = string_enum(schema) {
            let mut used = BTreeSet::new();
            let variants = values
                .into_iter()
                .map(|v| {
                    let rust = naming::unique(&mut used, &naming::type_name(&v), "");
                    (rust, v)
                })
                .collect();
            ModelKind::Enum { variants }
        } else if is_struct(schema) {
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut used = BTreeSet::new();
            let mut fields = Vec::new();
            let props = schema
                .get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            for (json, prop) in &props {
                let rust = naming::unique(&mut used, &naming::field_name(json), "_");
                let hint = format!("{name}{}", naming::type_name(json));
                let ty = self.ty(api, &hint, prop, origin)?;
                fields.push(Field {
                    rust,
                    json: json.clone(),
                    doc: prop
                        .get("description")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    ty,
                    required: required.contains(&json.as_str()),
                    constraints: Constraints::of(prop),
                });
            }
            ModelKind::Struct {
                fields,
                deny_unknown_fields: schema.get("additionalProperties")
                    == Some(&Value::Bool(false)),
            }
        } else {
            // Only arrays and scalars reach here (objects and enums are handled above), so
            // asking for the schema's own type cannot create this type again.
            let ty = self.ty(api, &format!("{name}Item"), schema, origin)?;
            ModelKind::Newtype {
                ty,
                constraints: Constraints::of(schema),
            }
        };
        self.models.push(Model {
            name: name.to_string(),
            doc,
            kind,
            origin: None,
        });
        Ok(())
    }
}

/// An object schema with properties becomes a struct.
fn is_struct(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("object")
        && schema.get("properties").is_some_and(Value::is_object)
}

/// The values of a string enum whose values are all strings.
fn string_enum(schema: &Value) -> Option<Vec<String>> {
    if schema.get("type").and_then(Value::as_str) != Some("string") {
        return None;
    }
    let values = schema.get("enum")?.as_array()?;
    let strings: Option<Vec<String>> = values
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect();
    strings.filter(|s| !s.is_empty())
}

/// The `application/json` schema of a request body or response at `pointer` in the resolved
/// document, following a `$ref` to `components/requestBodies` or `components/responses` (but
/// not one to a schema, which names a component type).
///
/// Returns the schema's own JSON pointer with it.
pub(crate) fn json_body_schema(api: &apidef::Api, pointer: &str) -> Option<(String, Value)> {
    let mut at = pointer.to_string();
    let mut node = api.resolved.pointer(pointer)?;
    // A chain of references (a response that is a `$ref` to a `$ref`) is followed to the end,
    // but not around a cycle.
    let mut hops = 0;
    while let Some(r) = node.get("$ref").and_then(Value::as_str) {
        hops += 1;
        if hops > 16 {
            return None;
        }
        at = r.strip_prefix('#')?.to_string();
        node = api.resolved.pointer(&at)?;
    }
    let schema = node
        .get("content")?
        .get("application/json")?
        .get("schema")?;
    Some((
        format!("{at}/content/application~1json/schema"),
        schema.clone(),
    ))
}

/// The name an operation's generated items start from: its `operationId`, else method and path.
pub(crate) fn operation_name(op: &apidef::Operation) -> String {
    match &op.operation_id {
        Some(id) => id.clone(),
        None => format!("{} {}", op.method.to_lowercase(), op.path),
    }
}

/// Pretty-print a generated file (progenitor's pipeline: tokens -> `syn::File` -> prettyplease).
pub(crate) fn pretty(path: &str, tokens: TokenStream) -> Result<String, EmitError> {
    let file: syn::File = syn::parse2(tokens).map_err(|e| EmitError::Serialize {
        artifact: path.to_string(),
        message: format!("generated tokens do not parse: {e}"),
    })?;
    Ok(blank_lines(&prettyplease::unparse(&file)))
}

/// A blank line between items, as rustfmt-formatted code has and prettyplease's output does not
/// (progenitor adds the same pass): before every top-level item, and after every item that ends
/// one level in (the methods of an `impl`). Only whitespace between lines of prettyplease's
/// output changes; a line at indentation 0 there starts or ends a top-level item, and `}` alone
/// at indentation 4 ends an item or block inside one.
fn blank_lines(source: &str) -> String {
    let lines: Vec<&str> = source.lines().collect();
    let mut out = String::with_capacity(source.len() + source.len() / 20);
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        out.push('\n');
        let Some(next) = lines.get(i + 1) else {
            continue;
        };
        let inner_doc_ends = line.starts_with("//!") && !next.starts_with("//!");
        // The next line starts a top-level item (not the `where`, `{` or `)` of a signature
        // that prettyplease breaks over lines).
        let next_starts_item = !next.is_empty()
            && !next.starts_with([' ', '}', ')', ']', '{'])
            && !next.starts_with("where")
            && !next.starts_with("//!");
        let line_ends_item = line.ends_with(['}', ';']);
        // Consecutive `use` or `mod` lines stay together.
        let same_group = ["use ", "pub use ", "mod ", "pub mod "]
            .iter()
            .any(|p| line.starts_with(p) && next.starts_with(p));
        let method_ends = *line == "    }"
            && !next.trim_start().is_empty()
            && !next.trim_start().starts_with('}');
        if inner_doc_ends || (next_starts_item && line_ends_item && !same_group) || method_ends {
            out.push('\n');
        }
    }
    out
}
