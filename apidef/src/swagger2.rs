//! Swagger 2.0 to OpenAPI 3.0.3, for everything API Gateway reads.
//!
//! API Gateway imports and exports both versions, and much of what is written for it is Swagger
//! 2.0. [`convert`] rewrites such a document into the OpenAPI 3.0 the rest of the toolkit reads:
//! the key order of the source is kept, every `x-` extension (mapping templates included) is
//! copied byte for byte, and [`Converted::original_pointer`] maps any pointer into the result
//! back to the node of the Swagger document it came from, so a later error gets the source's
//! line:column. What OpenAPI 3.0 cannot say is a warning (kind [`ErrorKind::Swagger`]) at the
//! Swagger pointer.

use serde_json::{Map, Value, json};

use crate::error::{ErrorKind, SpecError, pointer_push};

/// The OpenAPI version written into converted documents.
pub const OPENAPI_VERSION: &str = "3.0.3";

/// How deep schemas may nest before conversion stops with an error.
pub const MAX_DEPTH: usize = 256;

/// When neither the operation nor the document says `consumes`/`produces`.
const DEFAULT_MEDIA_TYPE: &str = "application/json";
const FORM_URLENCODED: &str = "application/x-www-form-urlencoded";
const MULTIPART: &str = "multipart/form-data";

/// Keys of a Swagger parameter, header or items object that OpenAPI 3.0 moves into `schema`.
const SCHEMA_KEYS: &[&str] = &[
    "type",
    "format",
    "items",
    "default",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "enum",
    "multipleOf",
];

/// Swagger's operation keys, and OpenAPI 3.0's own, that carry over unchanged.
const OPERATION_VERBATIM: &[&str] = &[
    "tags",
    "summary",
    "description",
    "externalDocs",
    "operationId",
    "deprecated",
    "security",
    "servers",
    "callbacks",
];

/// A converted document.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted {
    /// The OpenAPI 3.0.3 document.
    pub document: Value,
    /// Everything that has no OpenAPI 3.0 equivalent (warnings), or that stopped the
    /// conversion (errors); pointers are into the Swagger document.
    pub problems: Vec<SpecError>,
    /// `(pointer in the converted document, pointer in the Swagger document)` for every node
    /// that moved; a subtree copied as is has one entry, at its root.
    map: Vec<(String, String)>,
}

impl Converted {
    /// The pointer in the Swagger document of the node at `converted_pointer` (or of its
    /// nearest ancestor that came from somewhere): the longest recorded prefix is replaced.
    pub fn original_pointer(&self, converted_pointer: &str) -> String {
        let mut best: Option<&(String, String)> = None;
        for entry in &self.map {
            if is_prefix(&entry.0, converted_pointer)
                && best.is_none_or(|b| entry.0.len() > b.0.len())
            {
                best = Some(entry);
            }
        }
        match best {
            Some((converted, original)) => {
                let rest = converted_pointer.get(converted.len()..).unwrap_or("");
                format!("{original}{rest}")
            }
            None => converted_pointer.to_string(),
        }
    }
}

/// Whether `prefix` is `pointer` or one of its ancestors.
fn is_prefix(prefix: &str, pointer: &str) -> bool {
    match pointer.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('/'),
        None => false,
    }
}

/// Convert a Swagger 2.0 document. A document that is not one (no `swagger` key) comes back
/// unchanged with no problems; `swagger` other than `"2.0"` comes back unchanged with an error.
pub fn convert(doc: &Value, file: &str) -> Converted {
    let unchanged = |problems: Vec<SpecError>| Converted {
        document: doc.clone(),
        problems,
        map: Vec::new(),
    };
    let Value::Object(root) = doc else {
        return unchanged(Vec::new());
    };
    match root.get("swagger") {
        None => return unchanged(Vec::new()),
        Some(Value::String(v)) if v == "2.0" => {}
        // `swagger: 2.0` unquoted is a YAML number; AWS's import takes it.
        Some(Value::Number(n)) if n.as_f64() == Some(2.0) => {}
        Some(other) => {
            return unchanged(vec![SpecError::new(
                ErrorKind::Swagger(format!(
                    "swagger: {other} is not a version this toolkit converts (only \"2.0\")"
                )),
                file,
                "/swagger",
            )]);
        }
    }
    if root.contains_key("openapi") {
        return unchanged(vec![SpecError::new(
            ErrorKind::Swagger(
                "the document has both `swagger` and `openapi`: it must be one or the other".into(),
            ),
            file,
            "/openapi",
        )]);
    }
    let empty = Map::new();
    let mut c = Converter {
        file,
        problems: Vec::new(),
        map: vec![(String::new(), String::new())],
        consumes: media_types(root.get("consumes")),
        produces: media_types(root.get("produces")),
        root_params: match root.get("parameters") {
            Some(Value::Object(p)) => p,
            _ => &empty,
        },
        too_deep: false,
    };
    let document = c.root(root);
    Converted {
        document: Value::Object(document),
        problems: c.problems,
        map: c.map,
    }
}

/// A list of media types, `None` when absent or not a list of strings.
fn media_types(v: Option<&Value>) -> Option<Vec<String>> {
    match v {
        Some(Value::Array(a)) => Some(
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
        ),
        _ => None,
    }
}

/// `#/definitions/X` -> `#/components/schemas/X`, and the same for parameters and responses;
/// the part before `#` (another file) is kept.
pub fn rewrite_ref(reference: &str) -> String {
    let Some(hash) = reference.find('#') else {
        return reference.to_string();
    };
    let (file, fragment) = reference.split_at(hash);
    for (from, to) in [
        ("#/definitions/", "#/components/schemas/"),
        ("#/parameters/", "#/components/parameters/"),
        ("#/responses/", "#/components/responses/"),
    ] {
        if let Some(rest) = fragment.strip_prefix(from) {
            return format!("{file}{to}{rest}");
        }
    }
    reference.to_string()
}

fn is_extension(key: &str) -> bool {
    key.starts_with("x-")
}

/// One parameter of an operation after `$ref`s to `#/parameters/X` are followed.
struct Param<'a> {
    /// The parameter object itself (the target of a `$ref`).
    value: &'a Value,
    /// Its pointer in the Swagger document.
    pointer: String,
    /// `Some(X)` when written as `$ref: '#/parameters/X'`.
    via_ref: Option<String>,
    written_pointer: String,
}

impl Param<'_> {
    fn location(&self) -> &str {
        self.value.get("in").and_then(Value::as_str).unwrap_or("")
    }
    fn name(&self) -> &str {
        self.value.get("name").and_then(Value::as_str).unwrap_or("")
    }
}

struct Converter<'a> {
    file: &'a str,
    problems: Vec<SpecError>,
    map: Vec<(String, String)>,
    consumes: Option<Vec<String>>,
    produces: Option<Vec<String>>,
    root_params: &'a Map<String, Value>,
    too_deep: bool,
}

impl<'a> Converter<'a> {
    fn warn(&mut self, pointer: &str, message: String) {
        self.problems
            .push(SpecError::new(ErrorKind::Swagger(message), self.file, pointer).warning());
    }

    fn dropped(&mut self, pointer: &str, key: &str, context: &str) {
        self.warn(
            &pointer_push(pointer, key),
            format!("`{key}` in {context} has no OpenAPI 3.0 equivalent; dropped"),
        );
    }

    fn link(&mut self, converted: &str, original: &str) {
        if converted != original {
            self.map.push((converted.to_string(), original.to_string()));
        }
    }

    fn root(&mut self, root: &'a Map<String, Value>) -> Map<String, Value> {
        let mut out = Map::new();
        let mut components: Option<Map<String, Value>> = None;
        let mut servers_done = false;
        for (k, v) in root {
            let old = pointer_push("", k);
            match k.as_str() {
                "swagger" => {
                    out.insert("openapi".into(), Value::String(OPENAPI_VERSION.into()));
                    self.link("/openapi", "/swagger");
                }
                "host" | "basePath" | "schemes" => {
                    if !servers_done {
                        servers_done = true;
                        if let Some(servers) = self.servers(root) {
                            out.insert("servers".into(), servers);
                            self.link("/servers", &old);
                        }
                    }
                }
                "consumes" | "produces" => {
                    if media_types(Some(v)).is_none() {
                        self.warn(
                            &old,
                            format!("`{k}` must be a list of media types; ignored"),
                        );
                    }
                }
                "paths" => {
                    let paths = self.paths(v);
                    out.insert(k.clone(), paths);
                }
                "definitions" | "parameters" | "responses" | "securityDefinitions" => {
                    if components.is_none() {
                        // Hold the position of the first of them; filled in below.
                        out.insert("components".into(), Value::Null);
                        components = Some(Map::new());
                    }
                    if let Some(c) = components.as_mut() {
                        self.component(k, v, c);
                    }
                }
                "info" | "tags" | "externalDocs" | "security" => {
                    out.insert(k.clone(), v.clone());
                }
                _ if is_extension(k) => {
                    out.insert(k.clone(), v.clone());
                }
                _ => self.dropped("", k, "a Swagger document"),
            }
        }
        if let Some(c) = components {
            out.insert("components".into(), Value::Object(c));
        }
        out
    }

    /// `host`, `basePath`, `schemes` -> one server per scheme, `https://{host}{basePath}`.
    fn servers(&mut self, root: &Map<String, Value>) -> Option<Value> {
        let host = root.get("host").and_then(Value::as_str);
        let base = root.get("basePath").and_then(Value::as_str).unwrap_or("");
        for key in ["host", "basePath"] {
            if root.get(key).is_some_and(|v| !v.is_string()) {
                self.warn(
                    &pointer_push("", key),
                    format!("`{key}` must be a string; ignored"),
                );
            }
        }
        let Some(host) = host else {
            if base.is_empty() {
                if root.contains_key("schemes") {
                    self.warn(
                        "/schemes",
                        "`schemes` without `host` gives no server URL; dropped".into(),
                    );
                }
                return None;
            }
            self.link("/servers/0", "/basePath");
            self.link("/servers/0/url", "/basePath");
            return Some(json!([{ "url": base }]));
        };
        let mut schemes: Vec<&str> = match root.get("schemes") {
            Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if schemes.is_empty() {
            schemes.push("https");
        }
        let mut servers: Vec<Value> = Vec::new();
        for s in schemes {
            let server = json!({ "url": format!("{s}://{host}{base}") });
            if !servers.contains(&server) {
                let n = format!("/servers/{}", servers.len());
                self.link(&n, "/host");
                self.link(&format!("{n}/url"), "/host");
                servers.push(server);
            }
        }
        Some(Value::Array(servers))
    }

    fn component(&mut self, key: &str, v: &'a Value, c: &mut Map<String, Value>) {
        let old = pointer_push("", key);
        let Value::Object(entries) = v else {
            self.warn(&old, format!("`{key}` must be a map; ignored"));
            return;
        };
        match key {
            "definitions" => {
                let mut schemas = Map::new();
                for (name, s) in entries {
                    let o = pointer_push(&old, name);
                    let n = pointer_push("/components/schemas", name);
                    self.link(&n, &o);
                    schemas.insert(name.clone(), self.schema(s, &o, &n, 0, false));
                }
                c.insert("schemas".into(), Value::Object(schemas));
                self.link("/components/schemas", &old);
            }
            "parameters" => {
                let mut params = Map::new();
                let mut bodies = Map::new();
                let root_consumes = self.consumes.clone();
                for (name, p) in entries {
                    let o = pointer_push(&old, name);
                    match p.get("in").and_then(Value::as_str) {
                        Some("body") => {
                            let n = pointer_push("/components/requestBodies", name);
                            self.link(&n, &o);
                            let body = self.request_body(p, root_consumes.as_deref(), &o, &n);
                            bodies.insert(name.clone(), body);
                        }
                        // Form fields are one schema in 3.0: inlined where operations use them.
                        Some("formData") => {}
                        _ => {
                            let n = pointer_push("/components/parameters", name);
                            self.link(&n, &o);
                            params.insert(name.clone(), self.parameter(p, &o, &n));
                        }
                    }
                }
                if !params.is_empty() {
                    c.insert("parameters".into(), Value::Object(params));
                    self.link("/components/parameters", &old);
                }
                if !bodies.is_empty() {
                    c.insert("requestBodies".into(), Value::Object(bodies));
                    self.link("/components/requestBodies", &old);
                }
            }
            "responses" => {
                let mut responses = Map::new();
                let produces = self.produces.clone();
                for (name, r) in entries {
                    let o = pointer_push(&old, name);
                    let n = pointer_push("/components/responses", name);
                    self.link(&n, &o);
                    responses.insert(name.clone(), self.response(r, produces.as_deref(), &o, &n));
                }
                c.insert("responses".into(), Value::Object(responses));
                self.link("/components/responses", &old);
            }
            _ => {
                let mut schemes = Map::new();
                for (name, s) in entries {
                    let o = pointer_push(&old, name);
                    let n = pointer_push("/components/securitySchemes", name);
                    self.link(&n, &o);
                    schemes.insert(name.clone(), self.security_scheme(s, &o, &n));
                }
                c.insert("securitySchemes".into(), Value::Object(schemes));
                self.link("/components/securitySchemes", &old);
            }
        }
    }

    fn security_scheme(&mut self, s: &Value, old: &str, new: &str) -> Value {
        let Value::Object(m) = s else {
            return s.clone();
        };
        let kind = m.get("type").and_then(Value::as_str).unwrap_or("");
        match kind {
            "apiKey" => s.clone(),
            "basic" => {
                let mut out = Map::new();
                for (k, v) in m {
                    if k == "type" {
                        out.insert("type".into(), Value::String("http".into()));
                        out.insert("scheme".into(), Value::String("basic".into()));
                        self.link(&pointer_push(new, "scheme"), &pointer_push(old, "type"));
                    } else {
                        out.insert(k.clone(), v.clone());
                    }
                }
                Value::Object(out)
            }
            "oauth2" => {
                let flow = m.get("flow").and_then(Value::as_str).unwrap_or("");
                let name = match flow {
                    "implicit" => "implicit",
                    "password" => "password",
                    "application" => "clientCredentials",
                    "accessCode" => "authorizationCode",
                    _ => {
                        self.warn(
                            &pointer_push(old, "flow"),
                            format!(
                                "oauth2 flow {flow:?} is none of implicit, password, application, accessCode; kept as an implicit flow"
                            ),
                        );
                        "implicit"
                    }
                };
                let mut body = Map::new();
                for k in ["authorizationUrl", "tokenUrl", "scopes"] {
                    if let Some(v) = m.get(k) {
                        body.insert(k.into(), v.clone());
                    }
                }
                if !body.contains_key("scopes") {
                    body.insert("scopes".into(), json!({}));
                }
                let flows_ptr = pointer_push(&pointer_push(new, "flows"), name);
                let mut out = Map::new();
                let mut placed = false;
                for (k, v) in m {
                    match k.as_str() {
                        "flow" | "authorizationUrl" | "tokenUrl" | "scopes" => {
                            if !placed {
                                placed = true;
                                let mut flows = Map::new();
                                flows.insert(name.into(), Value::Object(std::mem::take(&mut body)));
                                out.insert("flows".into(), Value::Object(flows));
                                self.link(&flows_ptr, old);
                            }
                            self.link(&pointer_push(&flows_ptr, k), &pointer_push(old, k));
                        }
                        _ => {
                            out.insert(k.clone(), v.clone());
                        }
                    }
                }
                if !placed {
                    let mut flows = Map::new();
                    flows.insert(name.into(), Value::Object(body));
                    out.insert("flows".into(), Value::Object(flows));
                }
                Value::Object(out)
            }
            other => {
                self.warn(
                    &pointer_push(old, "type"),
                    format!("security scheme type {other:?} is none of apiKey, basic, oauth2; kept as written"),
                );
                s.clone()
            }
        }
    }

    fn paths(&mut self, v: &'a Value) -> Value {
        let Value::Object(paths) = v else {
            return v.clone();
        };
        let mut out = Map::new();
        for (path, item) in paths {
            let p = pointer_push("/paths", path);
            if is_extension(path) {
                out.insert(path.clone(), item.clone());
            } else {
                out.insert(path.clone(), self.path_item(item, &p));
            }
        }
        Value::Object(out)
    }

    /// A `parameters` list with `$ref`s to `#/parameters/X` followed.
    fn params(&mut self, v: Option<&'a Value>, list_ptr: &str) -> Vec<Param<'a>> {
        let Some(Value::Array(list)) = v else {
            if v.is_some() {
                self.warn(list_ptr, "`parameters` must be a list; ignored".into());
            }
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, p) in list.iter().enumerate() {
            let written_pointer = pointer_push(list_ptr, &i.to_string());
            let target = p
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/parameters/"))
                .and_then(|name| {
                    let key = unescape(name);
                    self.root_params.get(&key).map(|t| (key, t))
                });
            match target {
                Some((name, t)) => out.push(Param {
                    value: t,
                    pointer: pointer_push("/parameters", &name),
                    via_ref: Some(name),
                    written_pointer,
                }),
                None => out.push(Param {
                    value: p,
                    pointer: written_pointer.clone(),
                    via_ref: None,
                    written_pointer,
                }),
            }
        }
        out
    }

    fn path_item(&mut self, item: &'a Value, old: &str) -> Value {
        let Value::Object(m) = item else {
            return item.clone();
        };
        let params_ptr = pointer_push(old, "parameters");
        let shared = self.params(m.get("parameters"), &params_ptr);
        let mut out = Map::new();
        for (k, v) in m {
            let o = pointer_push(old, k);
            if k == "parameters" {
                let kept: Vec<&Param> = shared
                    .iter()
                    .filter(|p| !matches!(p.location(), "body" | "formData"))
                    .collect();
                if !kept.is_empty() {
                    let list = self.param_list(&kept, &o);
                    out.insert(k.clone(), list);
                }
            } else if crate::HTTP_METHODS.contains(&k.as_str())
                || k == "x-amazon-apigateway-any-method"
            {
                let op = self.operation(v, &o, &shared);
                out.insert(k.clone(), op);
            } else if is_extension(k)
                || matches!(k.as_str(), "$ref" | "summary" | "description" | "servers")
            {
                out.insert(k.clone(), v.clone());
            } else {
                self.dropped(old, k, "a path item");
            }
        }
        Value::Object(out)
    }

    /// Non-body parameters, in order, at `new` (a `parameters` list).
    fn param_list(&mut self, params: &[&Param], new: &str) -> Value {
        let mut list = Vec::new();
        for p in params {
            let n = pointer_push(new, &list.len().to_string());
            self.link(&n, &p.written_pointer);
            match &p.via_ref {
                Some(name) => {
                    let mut r = Map::new();
                    r.insert(
                        "$ref".into(),
                        Value::String(format!("#/components/parameters/{}", escape(name))),
                    );
                    list.push(Value::Object(r));
                }
                None => list.push(self.parameter(p.value, &p.pointer, &n)),
            }
        }
        Value::Array(list)
    }

    fn operation(&mut self, op: &'a Value, old: &str, shared: &[Param<'a>]) -> Value {
        let Value::Object(m) = op else {
            return op.clone();
        };
        let consumes = media_types(m.get("consumes")).or_else(|| self.consumes.clone());
        let produces = media_types(m.get("produces")).or_else(|| self.produces.clone());
        let params_ptr = pointer_push(old, "parameters");
        let own = self.params(m.get("parameters"), &params_ptr);
        // Path-level body and form parameters move into each operation that does not
        // override them (same name and location).
        let inherited: Vec<&Param> = shared
            .iter()
            .filter(|s| matches!(s.location(), "body" | "formData"))
            .filter(|s| {
                !own.iter()
                    .any(|o| o.name() == s.name() && o.location() == s.location())
            })
            .collect();
        let all: Vec<&Param> = own.iter().chain(inherited).collect();
        let bodies: Vec<&Param> = all
            .iter()
            .copied()
            .filter(|p| p.location() == "body")
            .collect();
        let forms: Vec<&Param> = all
            .iter()
            .copied()
            .filter(|p| p.location() == "formData")
            .collect();
        let others: Vec<&Param> = own
            .iter()
            .filter(|p| !matches!(p.location(), "body" | "formData"))
            .collect();

        let body_ptr = pointer_push(old, "requestBody");
        let mut request_body = None;
        if let Some(first) = bodies.first() {
            for extra in bodies.iter().skip(1) {
                self.warn(
                    &extra.written_pointer,
                    "a second `in: body` parameter: an operation has one body; dropped".into(),
                );
            }
            for f in &forms {
                self.warn(
                    &f.written_pointer,
                    "an `in: formData` parameter next to an `in: body` one: the body wins; dropped"
                        .into(),
                );
            }
            self.link(&body_ptr, &first.written_pointer);
            request_body = Some(match &first.via_ref {
                Some(name) => json!({
                    "$ref": format!("#/components/requestBodies/{}", escape(name))
                }),
                None => {
                    self.request_body(first.value, consumes.as_deref(), &first.pointer, &body_ptr)
                }
            });
        } else if !forms.is_empty() {
            self.link(&body_ptr, &params_ptr);
            request_body = Some(self.form_body(&forms, consumes.as_deref(), &body_ptr));
        }

        let mut out = Map::new();
        for (k, v) in m {
            let o = pointer_push(old, k);
            match k.as_str() {
                "consumes" | "produces" => {
                    if media_types(Some(v)).is_none() {
                        self.warn(&o, format!("`{k}` must be a list of media types; ignored"));
                    }
                }
                "parameters" => {
                    if !others.is_empty() {
                        let list = self.param_list(&others, &o);
                        out.insert(k.clone(), list);
                    }
                    if let Some(b) = request_body.take() {
                        out.insert("requestBody".into(), b);
                    }
                }
                "responses" => {
                    if let Some(b) = request_body.take() {
                        out.insert("requestBody".into(), b);
                    }
                    let r = self.responses(v, produces.as_deref(), &o);
                    out.insert(k.clone(), r);
                }
                "schemes" => self.dropped(old, k, "an operation (API Gateway serves HTTPS only)"),
                _ if is_extension(k) || OPERATION_VERBATIM.contains(&k.as_str()) => {
                    out.insert(k.clone(), v.clone());
                }
                _ => self.dropped(old, k, "an operation"),
            }
        }
        if let Some(b) = request_body.take() {
            out.insert("requestBody".into(), b);
        }
        Value::Object(out)
    }

    /// A path, query or header parameter: schema keywords move into `schema`,
    /// `collectionFormat` becomes `style`/`explode`.
    fn parameter(&mut self, p: &Value, old: &str, new: &str) -> Value {
        let Value::Object(m) = p else {
            return p.clone();
        };
        let location = m.get("in").and_then(Value::as_str).unwrap_or("");
        let is_array = m.get("type").and_then(Value::as_str) == Some("array");
        let schema_ptr = pointer_push(new, "schema");
        let mut out = Map::new();
        let mut schema: Option<Map<String, Value>> = None;
        let mut style_done = false;
        for (k, v) in m {
            let o = pointer_push(old, k);
            if SCHEMA_KEYS.contains(&k.as_str()) {
                if schema.is_none() {
                    out.insert("schema".into(), Value::Null);
                    schema = Some(Map::new());
                    self.link(&schema_ptr, old);
                }
                let n = pointer_push(&schema_ptr, k);
                self.link(&n, &o);
                let converted = self.schema_keyword(k, v, &o, &n);
                if let (Some(s), Some(c)) = (schema.as_mut(), converted) {
                    for (ck, cv) in c {
                        s.insert(ck, cv);
                    }
                }
                continue;
            }
            match k.as_str() {
                "collectionFormat" => {
                    style_done = true;
                    if !is_array {
                        continue;
                    }
                    let format = v.as_str().unwrap_or("");
                    if let Some((style, explode)) = self.style(format, location, &o) {
                        out.insert("style".into(), Value::String(style.into()));
                        out.insert("explode".into(), Value::Bool(explode));
                        self.link(&pointer_push(new, "style"), &o);
                        self.link(&pointer_push(new, "explode"), &o);
                    }
                }
                "$ref" => {
                    let r = v.as_str().map(rewrite_ref).map(Value::String);
                    out.insert(k.clone(), r.unwrap_or_else(|| v.clone()));
                }
                "schema" => {
                    let n = pointer_push(new, "schema");
                    let s = self.schema(v, &o, &n, 0, false);
                    out.insert(k.clone(), s);
                }
                "name" | "in" | "description" | "required" | "allowEmptyValue" | "deprecated"
                | "example" | "examples" | "style" | "explode" | "allowReserved" | "content" => {
                    out.insert(k.clone(), v.clone());
                }
                _ if is_extension(k) => {
                    out.insert(k.clone(), v.clone());
                }
                _ => self.dropped(old, k, "a parameter"),
            }
        }
        if is_array
            && !style_done
            && location == "query"
            && let Some((style, explode)) = self.style("csv", location, old)
        {
            // Swagger's default for a query array is csv; OpenAPI 3.0's is form with explode.
            out.insert("style".into(), Value::String(style.into()));
            out.insert("explode".into(), Value::Bool(explode));
        }
        if let Some(s) = schema {
            out.insert("schema".into(), Value::Object(s));
        }
        Value::Object(out)
    }

    /// One Swagger schema keyword of a parameter, header or items object, as `schema` entries.
    fn schema_keyword(
        &mut self,
        k: &str,
        v: &Value,
        old: &str,
        new: &str,
    ) -> Option<Vec<(String, Value)>> {
        match k {
            "type" if v.as_str() == Some("file") => Some(vec![
                ("type".into(), Value::String("string".into())),
                ("format".into(), Value::String("binary".into())),
            ]),
            "items" => Some(vec![(k.to_string(), self.schema(v, old, new, 1, true))]),
            _ => Some(vec![(k.to_string(), v.clone())]),
        }
    }

    /// `collectionFormat` in a location as OpenAPI 3.0's `(style, explode)`.
    fn style(&mut self, format: &str, location: &str, old: &str) -> Option<(&'static str, bool)> {
        match (format, location) {
            ("csv", "query" | "formData") => Some(("form", false)),
            ("csv", "path" | "header") => Some(("simple", false)),
            ("multi", "query" | "formData") => Some(("form", true)),
            ("ssv", "query") => Some(("spaceDelimited", false)),
            ("pipes", "query") => Some(("pipeDelimited", false)),
            _ => {
                self.warn(
                    old,
                    format!("collectionFormat {format:?} in {location:?} has no OpenAPI 3.0 equivalent; dropped"),
                );
                None
            }
        }
    }

    /// An `in: body` parameter as a request body, its schema under every media type consumed.
    fn request_body(
        &mut self,
        p: &Value,
        consumes: Option<&[String]>,
        old: &str,
        new: &str,
    ) -> Value {
        let Value::Object(m) = p else {
            return p.clone();
        };
        let types = media_or_default(consumes);
        let content_ptr = pointer_push(new, "content");
        let mut out = Map::new();
        let mut has_content = false;
        for (k, v) in m {
            let o = pointer_push(old, k);
            match k.as_str() {
                "schema" => {
                    let mut content = Map::new();
                    for t in &types {
                        let n = pointer_push(&pointer_push(&content_ptr, t), "schema");
                        self.link(&n, &o);
                        let s = self.schema(v, &o, &n, 0, false);
                        content.insert(t.clone(), json!({ "schema": s }));
                    }
                    out.insert("content".into(), Value::Object(content));
                    has_content = true;
                }
                "description" | "required" => {
                    out.insert(k.clone(), v.clone());
                }
                // A body parameter's name has no meaning on the wire.
                "name" | "in" => {}
                _ if is_extension(k) => {
                    out.insert(k.clone(), v.clone());
                }
                _ => self.dropped(old, k, "a body parameter"),
            }
        }
        if !has_content {
            let content: Map<String, Value> =
                types.iter().map(|t| (t.clone(), json!({}))).collect();
            out.insert("content".into(), Value::Object(content));
        }
        Value::Object(out)
    }

    /// `in: formData` parameters as one object schema under the form media types consumed.
    fn form_body(&mut self, forms: &[&Param], consumes: Option<&[String]>, new: &str) -> Value {
        let has_file = forms
            .iter()
            .any(|p| p.value.get("type").and_then(Value::as_str) == Some("file"));
        let mut types: Vec<String> = consumes
            .unwrap_or(&[])
            .iter()
            .filter(|t| {
                let base = t.split(';').next().unwrap_or("").trim();
                base == FORM_URLENCODED || base == MULTIPART
            })
            .cloned()
            .collect();
        if types.is_empty() {
            types.push(if has_file { MULTIPART } else { FORM_URLENCODED }.to_string());
        }
        let mut properties = Map::new();
        let mut required = Vec::new();
        let mut encoding = Map::new();
        let mut links = Vec::new();
        for p in forms {
            let name = p.name().to_string();
            if name.is_empty() {
                self.warn(
                    &p.written_pointer,
                    "a formData parameter without a name; dropped".into(),
                );
                continue;
            }
            let Value::Object(m) = p.value else {
                continue;
            };
            let is_array = m.get("type").and_then(Value::as_str) == Some("array");
            let mut prop = Map::new();
            for (k, v) in m {
                let o = pointer_push(&p.pointer, k);
                if SCHEMA_KEYS.contains(&k.as_str()) {
                    // Pointers are fixed up per media type below.
                    if let Some(c) = self.schema_keyword(k, v, &o, &o) {
                        for (ck, cv) in c {
                            prop.insert(ck, cv);
                        }
                    }
                    continue;
                }
                match k.as_str() {
                    "required" => {
                        if v == &Value::Bool(true) {
                            required.push(Value::String(name.clone()));
                        }
                    }
                    "collectionFormat" => {
                        if is_array
                            && let Some((style, explode)) =
                                self.style(v.as_str().unwrap_or(""), "formData", &o)
                        {
                            encoding
                                .insert(name.clone(), json!({"style": style, "explode": explode}));
                        }
                    }
                    "description" => {
                        prop.insert(k.clone(), v.clone());
                    }
                    "name" | "in" => {}
                    _ if is_extension(k) => {
                        prop.insert(k.clone(), v.clone());
                    }
                    _ => self.dropped(&p.pointer, k, "a formData parameter"),
                }
            }
            if is_array && !m.contains_key("collectionFormat") {
                encoding.insert(name.clone(), json!({"style": "form", "explode": false}));
            }
            links.push((name.clone(), p.pointer.clone()));
            properties.insert(name, Value::Object(prop));
        }
        let mut schema = Map::new();
        schema.insert("type".into(), Value::String("object".into()));
        schema.insert("properties".into(), Value::Object(properties));
        if !required.is_empty() {
            schema.insert("required".into(), Value::Array(required.clone()));
        }
        let schema = Value::Object(schema);
        let mut content = Map::new();
        let content_ptr = pointer_push(new, "content");
        for t in &types {
            let n = pointer_push(&pointer_push(&content_ptr, t), "schema");
            for (name, o) in &links {
                self.link(&pointer_push(&pointer_push(&n, "properties"), name), o);
            }
            let mut media = Map::new();
            media.insert("schema".into(), schema.clone());
            // Encoding applies to form bodies only; multipart explode has other rules.
            if !encoding.is_empty() && t.starts_with(FORM_URLENCODED) {
                media.insert("encoding".into(), Value::Object(encoding.clone()));
            }
            content.insert(t.clone(), Value::Object(media));
        }
        let mut out = Map::new();
        out.insert("content".into(), Value::Object(content));
        if !required.is_empty() {
            out.insert("required".into(), Value::Bool(true));
        }
        Value::Object(out)
    }

    fn responses(&mut self, v: &Value, produces: Option<&[String]>, old: &str) -> Value {
        let Value::Object(m) = v else {
            return v.clone();
        };
        let mut out = Map::new();
        for (code, r) in m {
            let o = pointer_push(old, code);
            if is_extension(code) {
                out.insert(code.clone(), r.clone());
            } else {
                out.insert(code.clone(), self.response(r, produces, &o, &o));
            }
        }
        Value::Object(out)
    }

    /// A response: `schema` and `examples` -> `content`, headers' schema keywords -> `schema`.
    fn response(&mut self, r: &Value, produces: Option<&[String]>, old: &str, new: &str) -> Value {
        let Value::Object(m) = r else {
            return r.clone();
        };
        let types = media_or_default(produces);
        let content_ptr = pointer_push(new, "content");
        let mut out = Map::new();
        let mut content_done = false;
        for (k, v) in m {
            let o = pointer_push(old, k);
            match k.as_str() {
                "schema" | "examples" => {
                    if content_done {
                        continue;
                    }
                    content_done = true;
                    let mut content = Map::new();
                    if let Some(schema) = m.get("schema") {
                        let so = pointer_push(old, "schema");
                        for t in &types {
                            let n = pointer_push(&pointer_push(&content_ptr, t), "schema");
                            self.link(&n, &so);
                            let s = self.schema(schema, &so, &n, 0, false);
                            content.insert(t.clone(), json!({ "schema": s }));
                        }
                    }
                    match m.get("examples") {
                        Some(Value::Object(examples)) => {
                            let eo = pointer_push(old, "examples");
                            for (t, example) in examples {
                                let media = content.entry(t.clone()).or_insert_with(|| json!({}));
                                if let Value::Object(media) = media {
                                    media.insert("example".into(), example.clone());
                                }
                                let n = pointer_push(&pointer_push(&content_ptr, t), "example");
                                self.link(&n, &pointer_push(&eo, t));
                            }
                        }
                        Some(_) => self.warn(
                            &pointer_push(old, "examples"),
                            "`examples` must be a map of media type to example; dropped".into(),
                        ),
                        None => {}
                    }
                    if !content.is_empty() {
                        out.insert("content".into(), Value::Object(content));
                        self.link(&content_ptr, &o);
                    }
                }
                "headers" => {
                    let n = pointer_push(new, "headers");
                    out.insert(k.clone(), self.headers(v, &o, &n));
                }
                "$ref" => {
                    let rewritten = v.as_str().map(rewrite_ref).map(Value::String);
                    out.insert(k.clone(), rewritten.unwrap_or_else(|| v.clone()));
                }
                "description" | "content" | "links" => {
                    out.insert(k.clone(), v.clone());
                }
                _ if is_extension(k) => {
                    out.insert(k.clone(), v.clone());
                }
                _ => self.dropped(old, k, "a response"),
            }
        }
        Value::Object(out)
    }

    /// Response headers: every key is a header name (`X-Request-Id` is no extension).
    fn headers(&mut self, v: &Value, old: &str, new: &str) -> Value {
        let Value::Object(m) = v else {
            return v.clone();
        };
        let mut out = Map::new();
        for (name, h) in m {
            let o = pointer_push(old, name);
            let n = pointer_push(new, name);
            self.link(&n, &o);
            let Value::Object(hm) = h else {
                out.insert(name.clone(), h.clone());
                continue;
            };
            let schema_ptr = pointer_push(&n, "schema");
            let mut header = Map::new();
            let mut schema: Option<Map<String, Value>> = None;
            for (k, x) in hm {
                let ko = pointer_push(&o, k);
                if SCHEMA_KEYS.contains(&k.as_str()) {
                    if schema.is_none() {
                        header.insert("schema".into(), Value::Null);
                        schema = Some(Map::new());
                        self.link(&schema_ptr, &o);
                    }
                    let kn = pointer_push(&schema_ptr, k);
                    self.link(&kn, &ko);
                    if let (Some(c), Some(s)) =
                        (self.schema_keyword(k, x, &ko, &kn), schema.as_mut())
                    {
                        for (ck, cv) in c {
                            s.insert(ck, cv);
                        }
                    }
                    continue;
                }
                match k.as_str() {
                    "collectionFormat" => {
                        let format = x.as_str().unwrap_or("");
                        if hm.get("type").and_then(Value::as_str) == Some("array")
                            && let Some((style, explode)) = self.style(format, "header", &ko)
                        {
                            header.insert("style".into(), Value::String(style.into()));
                            header.insert("explode".into(), Value::Bool(explode));
                        }
                    }
                    "description" | "required" | "deprecated" | "example" | "examples"
                    | "style" | "explode" | "schema" | "content" => {
                        header.insert(k.clone(), x.clone());
                    }
                    _ if is_extension(k) => {
                        header.insert(k.clone(), x.clone());
                    }
                    _ => self.dropped(&o, k, "a response header"),
                }
            }
            if let Some(s) = schema {
                header.insert("schema".into(), Value::Object(s));
            }
            out.insert(name.clone(), Value::Object(header));
        }
        Value::Object(out)
    }

    /// A Swagger schema as an OpenAPI 3.0 schema. `items_mode`: a parameter's or header's
    /// `items`, where `collectionFormat` may appear (nested arrays). The recursion goes through
    /// small functions only, so the stack a level costs stays small even in debug builds.
    fn schema(&mut self, v: &Value, old: &str, new: &str, depth: usize, items_mode: bool) -> Value {
        if depth > MAX_DEPTH {
            self.schema_too_deep(old);
            return v.clone();
        }
        let Value::Object(m) = v else {
            return v.clone();
        };
        let mut out = Map::new();
        for (k, x) in m {
            let o = pointer_push(old, k);
            let n = pointer_push(new, k);
            let d = depth + 1;
            match k.as_str() {
                "properties" => {
                    let c = self.schema_map(x, &o, &n, d);
                    out.insert(k.clone(), c);
                }
                "additionalProperties" | "not" => {
                    let c = self.schema(x, &o, &n, d, false);
                    out.insert(k.clone(), c);
                }
                "items" => {
                    let c = self.schema_items(x, &o, &n, d, items_mode);
                    out.insert(k.clone(), c);
                }
                "allOf" | "anyOf" | "oneOf" => {
                    let c = self.schema_list(x, &o, &n, d);
                    out.insert(k.clone(), c);
                }
                _ => self.schema_keyword_entry(&mut out, k, x, &o, new, items_mode),
            }
        }
        Value::Object(out)
    }

    fn schema_too_deep(&mut self, old: &str) {
        if !self.too_deep {
            self.too_deep = true;
            self.problems.push(SpecError::new(
                ErrorKind::Swagger(format!("schemas nest deeper than {MAX_DEPTH} levels")),
                self.file,
                old,
            ));
        }
    }

    /// A map of name -> schema (`properties`).
    fn schema_map(&mut self, x: &Value, old: &str, new: &str, depth: usize) -> Value {
        let Value::Object(props) = x else {
            return x.clone();
        };
        let mut converted = Map::new();
        for (name, s) in props {
            let po = pointer_push(old, name);
            let pn = pointer_push(new, name);
            let c = self.schema(s, &po, &pn, depth, false);
            converted.insert(name.clone(), c);
        }
        Value::Object(converted)
    }

    /// A list of schemas (`allOf`, `anyOf`, `oneOf`).
    fn schema_list(&mut self, x: &Value, old: &str, new: &str, depth: usize) -> Value {
        let Value::Array(list) = x else {
            return x.clone();
        };
        let mut converted = Vec::with_capacity(list.len());
        for (i, s) in list.iter().enumerate() {
            let io = pointer_push(old, &i.to_string());
            let inn = pointer_push(new, &i.to_string());
            converted.push(self.schema(s, &io, &inn, depth, false));
        }
        Value::Array(converted)
    }

    /// `items`: one schema, or Swagger's tuple form (a list), which 3.0 cannot say.
    fn schema_items(
        &mut self,
        x: &Value,
        old: &str,
        new: &str,
        depth: usize,
        items_mode: bool,
    ) -> Value {
        let Value::Array(tuple) = x else {
            return self.schema(x, old, new, depth, items_mode);
        };
        self.warn(
            old,
            "tuple `items` (a list of schemas) has no OpenAPI 3.0 equivalent; written as items: {anyOf: [...]}"
                .into(),
        );
        let any_ptr = pointer_push(new, "anyOf");
        self.link(&any_ptr, old);
        let mut list = Vec::with_capacity(tuple.len());
        for (i, s) in tuple.iter().enumerate() {
            let io = pointer_push(old, &i.to_string());
            let inn = pointer_push(&any_ptr, &i.to_string());
            list.push(self.schema(s, &io, &inn, depth, items_mode));
        }
        json!({ "anyOf": list })
    }

    /// A keyword whose value is no schema: copied, or rewritten where 3.0 spells it otherwise.
    fn schema_keyword_entry(
        &mut self,
        out: &mut Map<String, Value>,
        k: &str,
        x: &Value,
        o: &str,
        new: &str,
        items_mode: bool,
    ) {
        match k {
            "$ref" => {
                let r = x.as_str().map(rewrite_ref).map(Value::String);
                out.insert(k.to_string(), r.unwrap_or_else(|| x.clone()));
            }
            "x-nullable" => {
                out.insert("nullable".into(), x.clone());
                self.link(&pointer_push(new, "nullable"), o);
            }
            _ if is_extension(k) => {
                out.insert(k.to_string(), x.clone());
            }
            "type" => match x {
                Value::String(t) if t == "file" => {
                    out.insert("type".into(), Value::String("string".into()));
                    out.insert("format".into(), Value::String("binary".into()));
                }
                Value::Array(types) => {
                    let non_null: Vec<&Value> = types
                        .iter()
                        .filter(|t| t.as_str() != Some("null"))
                        .collect();
                    match (non_null.as_slice(), non_null.len() < types.len()) {
                        ([one], nullable) => {
                            out.insert("type".into(), (*one).clone());
                            if nullable {
                                out.insert("nullable".into(), Value::Bool(true));
                            }
                        }
                        _ => {
                            self.warn(
                                o,
                                "a list of types has no OpenAPI 3.0 equivalent; kept as written"
                                    .into(),
                            );
                            out.insert(k.to_string(), x.clone());
                        }
                    }
                }
                _ => {
                    out.insert(k.to_string(), x.clone());
                }
            },
            "discriminator" => match x {
                Value::String(property) => {
                    out.insert(k.to_string(), json!({ "propertyName": property }));
                }
                _ => {
                    out.insert(k.to_string(), x.clone());
                }
            },
            "collectionFormat" if items_mode => {
                if x.as_str() != Some("csv") {
                    self.warn(
                        o,
                        "collectionFormat of nested array items has no OpenAPI 3.0 equivalent; dropped"
                            .into(),
                    );
                }
            }
            // example, default, enum and the rest are values, not schemas: as written.
            _ => {
                out.insert(k.to_string(), x.clone());
            }
        }
    }
}

fn media_or_default(types: Option<&[String]>) -> Vec<String> {
    match types {
        Some(t) if !t.is_empty() => t.to_vec(),
        _ => vec![DEFAULT_MEDIA_TYPE.to_string()],
    }
}

/// A JSON pointer token back to the key (RFC 6901).
fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_are_rewritten_by_prefix() {
        assert_eq!(rewrite_ref("#/definitions/A"), "#/components/schemas/A");
        assert_eq!(
            rewrite_ref("#/definitions/A/properties/b"),
            "#/components/schemas/A/properties/b"
        );
        assert_eq!(
            rewrite_ref("other.yaml#/definitions/A"),
            "other.yaml#/components/schemas/A"
        );
        assert_eq!(rewrite_ref("#/parameters/P"), "#/components/parameters/P");
        assert_eq!(rewrite_ref("#/responses/R"), "#/components/responses/R");
        assert_eq!(
            rewrite_ref("#/components/schemas/A"),
            "#/components/schemas/A"
        );
        assert_eq!(rewrite_ref("plain"), "plain");
    }

    #[test]
    fn not_swagger_is_unchanged() {
        let doc = json!({"openapi": "3.0.3", "paths": {}});
        let c = convert(&doc, "t");
        assert_eq!(c.document, doc);
        assert!(c.problems.is_empty());
        assert_eq!(c.original_pointer("/paths"), "/paths");
    }

    #[test]
    fn prefix_is_per_token() {
        assert!(is_prefix("/a", "/a/b"));
        assert!(is_prefix("/a", "/a"));
        assert!(!is_prefix("/a", "/ab"));
        assert!(is_prefix("", "/ab"));
    }

    #[test]
    fn query_array_defaults_to_csv() {
        let doc = json!({
            "swagger": "2.0",
            "paths": {"/a": {"get": {"parameters": [
                {"name": "ids", "in": "query", "type": "array", "items": {"type": "string"}}
            ], "responses": {"200": {"description": "ok"}}}}}
        });
        let c = convert(&doc, "t");
        assert_eq!(
            c.document["paths"]["/a"]["get"]["parameters"][0],
            json!({"name": "ids", "in": "query", "style": "form", "explode": false,
                   "schema": {"type": "array", "items": {"type": "string"}}})
        );
    }
}
