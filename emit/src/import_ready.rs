//! The import-ready transform shared by the `apigateway.json` and CloudFormation emitters: the
//! document as written, minus what API Gateway's importer refuses or does not support.
//!
//! The rules, with the reason for each (sources: API Gateway developer guide, "Amazon API
//! Gateway important notes for REST APIs" and "OpenAPI import errors and warnings", summarised
//! in `docs/evidence/apigateway-semantics.md` §5.2):
//!
//! - the project's own extensions (`x-deploy-parameters`, `x-dynamodb-tables`,
//!   `x-deploy-stage`, and `x-lint` at the root and in operations) are removed: they describe
//!   the deployment and the lint, not the API;
//! - `openapi` is set to `3.0.1`, the version API Gateway's own exports carry (3.0.x revisions
//!   only clarify wording, so nothing else changes);
//! - `info.description` is kept, and added from `info.title` when missing: moto's importer
//!   fails without it (docs/evidence/dependencies.md §18.2);
//! - `$ref`s to anything but `#/components/schemas` (responses, parameters, request bodies,
//!   headers) are inlined and those component sections dropped: API Gateway does not support
//!   reusing `responses` through `$ref`, and only schemas become models;
//! - `links`, `callbacks`, `example` and `examples` are removed: not supported (links and
//!   examples are OpenAPI 3 features the importer ignores or warns about);
//! - in schemas (API Gateway models are JSON Schema draft 4): `$schema` is removed (the OpenAPI
//!   3.0 Schema Object does not allow it, and models are draft 4 anyway), as are the
//!   annotations the importer does not support (`example`, `readOnly`, `writeOnly`,
//!   `deprecated`, `default`, `discriminator`, `xml`, `externalDocs`, `format` `int32` /
//!   `int64` / `decimal`); `nullable: true` and `exclusiveMinimum` /
//!   `exclusiveMaximum` are errors, since dropping them would change what the API accepts;
//! - model names (the keys of `components/schemas`) must be alphanumeric ("Model name must be
//!   alphanumeric"): other characters are dropped, collisions get a numeric suffix, and every
//!   `$ref` follows the rename;
//! - placeholders are substituted (or kept, for the CloudFormation `Fn::Sub` body): deploy
//!   parameters always, the AWS variables that `import-rest-api` resolves itself
//!   (`AWS::AccountId`, `AWS::Partition`, `AWS::Region`) only when given with `--param`, and
//!   `AWS::URLSuffix`, which it does not resolve, always.
//!
//! Mapping templates, selection patterns and every other extension value are copied unchanged
//! apart from placeholders.

use apidef::Api;
use apidef::error::pointer_push;
use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::{EmitError, Options};

const SCHEMAS_REF: &str = "#/components/schemas/";
use apidef::OPERATION_KEYS as METHODS;
/// Component sections whose `$ref`s are inlined, then dropped.
const INLINED_COMPONENTS: &[&str] = &[
    "responses",
    "parameters",
    "requestBodies",
    "headers",
    "examples",
    "links",
    "callbacks",
];
/// Schema keywords API Gateway does not support and that do not change what validates.
const DROPPED_SCHEMA_KEYWORDS: &[&str] = &[
    "$schema",
    "example",
    "readOnly",
    "writeOnly",
    "deprecated",
    "default",
    "discriminator",
    "xml",
    "externalDocs",
];
const DROPPED_FORMATS: &[&str] = &["int32", "int64", "decimal"];

/// The AWS variables `import-rest-api` resolves itself (developer guide, "AWS variables for
/// OpenAPI import").
const IMPORT_RESOLVES: &[&str] = &["AWS::AccountId", "AWS::Partition", "AWS::Region"];

/// What to do with `${Name}` placeholders.
pub(crate) enum Placeholders<'a> {
    /// Replace each name in the map; leave the others.
    Substitute(&'a IndexMap<String, String>),
    /// Keep them all (the CloudFormation emitter turns them into `Fn::Sub`).
    Keep,
}

/// The values the import-ready definition substitutes: each declared deploy parameter (from
/// `--param`, else its default), and an AWS variable (`AWS::Region`, `AWS::AccountId`,
/// `AWS::Partition`) only when given with `--param`. Otherwise `${AWS::Region}` and friends stay
/// in the file, because
/// `import-rest-api` resolves them itself to the importing account and region (developer
/// guide, "AWS variables for OpenAPI import"), which keeps the file valid in every account.
pub(crate) fn import_values(
    api: &Api,
    options: &Options,
) -> Result<IndexMap<String, String>, EmitError> {
    // Pseudo parameters that import-rest-api does not resolve (`AWS::URLSuffix`) get the value
    // the apidef crate uses, like a declared parameter's default.
    let mut pseudo: IndexMap<String, String> = apidef::params::PSEUDO_PARAMETERS
        .iter()
        .filter(|(name, _)| !IMPORT_RESOLVES.contains(name))
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    for (name, value) in &options.params {
        if apidef::params::PSEUDO_PARAMETERS
            .iter()
            .any(|(p, _)| *p == name.as_str())
        {
            pseudo.insert(name.clone(), value.clone());
        } else if !api.deploy_parameters.contains_key(name) && !api.intrinsic_params.contains(name)
        {
            return Err(EmitError::Param {
                param: name.clone(),
                message: "no deploy parameter of that name is declared in x-deploy-parameters"
                    .into(),
            });
        }
    }
    let mut values = pseudo.clone();
    for (name, p) in &api.deploy_parameters {
        let raw = match options.params.get(name).or(p.default.as_ref()) {
            Some(v) => v,
            None => {
                return Err(EmitError::Param {
                    param: name.clone(),
                    message: "the parameter has no default: give it with --param NAME=VALUE".into(),
                });
            }
        };
        values.insert(name.clone(), apidef::params::substitute_str(raw, &pseudo));
    }
    Ok(values)
}

/// The import-ready document.
pub(crate) fn document(api: &Api, placeholders: Placeholders) -> Result<Value, EmitError> {
    let source = &api.raw;
    let mut doc = source.clone();
    let Some(root) = doc.as_object_mut() else {
        return Err(EmitError::unsupported(
            api,
            "",
            "the document must be an object",
        ));
    };
    for ext in apidef::PROJECT_EXTENSIONS {
        root.shift_remove(*ext);
    }
    root.insert("openapi".into(), Value::String("3.0.1".into()));
    if let Some(Value::Object(info)) = root.get_mut("info")
        && !info.contains_key("description")
    {
        let title = info
            .get("title")
            .cloned()
            .unwrap_or(Value::String(String::new()));
        info.insert("description".into(), title);
    }

    let mut stack = Vec::new();
    inline_refs(api, source, &mut doc, "", &mut stack)?;
    if let Some(Value::Object(components)) = doc.get_mut("components") {
        for section in INLINED_COMPONENTS {
            components.shift_remove(*section);
        }
    }
    if doc
        .get("components")
        .and_then(Value::as_object)
        .is_some_and(Map::is_empty)
        && let Some(root) = doc.as_object_mut()
    {
        root.shift_remove("components");
    }

    strip(api, &mut doc)?;
    rename_models(&mut doc);
    if let Placeholders::Substitute(values) = placeholders {
        substitute(&mut doc, values);
    }
    Ok(doc)
}

/// Replace every `$ref` that does not point into `#/components/schemas` with a copy of its
/// target, recursively. Extension values are data and left alone.
fn inline_refs(
    api: &Api,
    source: &Value,
    v: &mut Value,
    pointer: &str,
    stack: &mut Vec<String>,
) -> Result<(), EmitError> {
    match v {
        Value::Object(o) => {
            if let Some(Value::String(r)) = o.get("$ref")
                && !r.starts_with(SCHEMAS_REF)
            {
                let r = r.clone();
                if stack.contains(&r) {
                    return Err(EmitError::unsupported(
                        api,
                        pointer,
                        format!("$ref cycle through {r:?} cannot be inlined"),
                    ));
                }
                let target = r
                    .strip_prefix('#')
                    .and_then(|p| source.pointer(p))
                    .ok_or_else(|| {
                        EmitError::unsupported(
                            api,
                            pointer,
                            format!("$ref {r:?} does not resolve in this document"),
                        )
                    })?;
                *v = target.clone();
                stack.push(r);
                let result = inline_refs(api, source, v, pointer, stack);
                stack.pop();
                return result;
            }
            for (k, x) in o.iter_mut() {
                if k.starts_with("x-") || k == "example" || k == "examples" {
                    continue;
                }
                inline_refs(api, source, x, &pointer_push(pointer, k), stack)?;
            }
            Ok(())
        }
        Value::Array(a) => {
            for (i, x) in a.iter_mut().enumerate() {
                inline_refs(api, source, x, &format!("{pointer}/{i}"), stack)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Remove what the importer does not support, walking the OpenAPI structure (not every key of
/// every object, so that a property *named* `example` survives).
fn strip(api: &Api, doc: &mut Value) -> Result<(), EmitError> {
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for (path, item) in paths.iter_mut() {
            let item_ptr = pointer_push("/paths", path);
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            if let Some(Value::Array(params)) = item.get_mut("parameters") {
                for (i, p) in params.iter_mut().enumerate() {
                    strip_parameter(api, p, &format!("{item_ptr}/parameters/{i}"))?;
                }
            }
            hoist_path_item_fields(item);
            for (method, op) in item.iter_mut() {
                if METHODS.contains(&method.as_str()) {
                    strip_operation(api, op, &pointer_push(&item_ptr, method))?;
                }
            }
        }
    }
    if let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") {
        for (name, schema) in schemas.iter_mut() {
            rewrite_schema(api, schema, &pointer_push("/components/schemas", name))?;
        }
    }
    Ok(())
}

/// Leave only methods in a path item: its `parameters` are copied into each operation (first,
/// unless the operation declares the same name and location, which OpenAPI 3.0's Path Item
/// Object defines as an override, so the meaning is unchanged), and `summary`,
/// `description` and `servers` are dropped (an API Gateway resource has no place for them).
/// API Gateway's own exports have this shape, and moto's importer reads every key of a path
/// item as a method (it fails on a path-level `parameters` list).
fn hoist_path_item_fields(item: &mut Map<String, Value>) {
    let common = match item.shift_remove("parameters") {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    for k in ["summary", "description", "servers"] {
        item.shift_remove(k);
    }
    if common.is_empty() {
        return;
    }
    let key = |p: &Value| {
        (
            p.get("name").and_then(Value::as_str).map(str::to_string),
            p.get("in").and_then(Value::as_str).map(str::to_string),
        )
    };
    for (method, op) in item.iter_mut() {
        if !METHODS.contains(&method.as_str()) {
            continue;
        }
        let Some(op) = op.as_object_mut() else {
            continue;
        };
        let own = match op.get("parameters") {
            Some(Value::Array(a)) => a.clone(),
            _ => Vec::new(),
        };
        let mut merged: Vec<Value> = common
            .iter()
            .filter(|c| !own.iter().any(|o| key(o) == key(c)))
            .cloned()
            .collect();
        merged.extend(own);
        if op.contains_key("parameters") {
            op.insert("parameters".into(), Value::Array(merged));
        } else {
            // Place them where an operation's parameters usually are: before the body and the
            // responses, after the descriptive fields.
            let old = std::mem::take(op);
            let mut placed = false;
            for (k, v) in old {
                if !placed
                    && !matches!(
                        k.as_str(),
                        "tags" | "summary" | "description" | "externalDocs" | "operationId"
                    )
                {
                    op.insert("parameters".into(), Value::Array(merged.clone()));
                    placed = true;
                }
                op.insert(k, v);
            }
            if !placed {
                op.insert("parameters".into(), Value::Array(merged));
            }
        }
    }
}

fn strip_operation(api: &Api, op: &mut Value, pointer: &str) -> Result<(), EmitError> {
    let Some(op) = op.as_object_mut() else {
        return Ok(());
    };
    op.shift_remove("callbacks");
    // The lint's allows are the project's, not AWS's.
    op.shift_remove("x-lint");
    if let Some(Value::Array(params)) = op.get_mut("parameters") {
        for (i, p) in params.iter_mut().enumerate() {
            strip_parameter(api, p, &format!("{pointer}/parameters/{i}"))?;
        }
    }
    if let Some(Value::Object(body)) = op.get_mut("requestBody") {
        strip_content(api, body, &pointer_push(pointer, "requestBody"))?;
    }
    if let Some(Value::Object(responses)) = op.get_mut("responses") {
        for (code, r) in responses.iter_mut() {
            let rp = pointer_push(&pointer_push(pointer, "responses"), code);
            let Some(r) = r.as_object_mut() else {
                continue;
            };
            r.shift_remove("links");
            if let Some(Value::Object(headers)) = r.get_mut("headers") {
                for (name, h) in headers.iter_mut() {
                    strip_parameter(api, h, &pointer_push(&pointer_push(&rp, "headers"), name))?;
                }
            }
            strip_content(api, r, &rp)?;
        }
    }
    Ok(())
}

/// A parameter or a header object.
fn strip_parameter(api: &Api, p: &mut Value, pointer: &str) -> Result<(), EmitError> {
    let Some(p) = p.as_object_mut() else {
        return Ok(());
    };
    p.shift_remove("example");
    p.shift_remove("examples");
    if let Some(schema) = p.get_mut("schema") {
        rewrite_schema(api, schema, &pointer_push(pointer, "schema"))?;
    }
    strip_content(api, p, pointer)
}

/// The `content` map of a request body, response, parameter or header.
fn strip_content(
    api: &Api,
    owner: &mut Map<String, Value>,
    pointer: &str,
) -> Result<(), EmitError> {
    let Some(Value::Object(content)) = owner.get_mut("content") else {
        return Ok(());
    };
    for (mime, media) in content.iter_mut() {
        let mp = pointer_push(&pointer_push(pointer, "content"), mime);
        let Some(media) = media.as_object_mut() else {
            continue;
        };
        media.shift_remove("example");
        media.shift_remove("examples");
        if let Some(schema) = media.get_mut("schema") {
            rewrite_schema(api, schema, &pointer_push(&mp, "schema"))?;
        }
    }
    Ok(())
}

/// Make one schema a draft-4 model API Gateway accepts (see the module comment).
fn rewrite_schema(api: &Api, schema: &mut Value, pointer: &str) -> Result<(), EmitError> {
    let Some(s) = schema.as_object_mut() else {
        return Ok(());
    };
    for k in DROPPED_SCHEMA_KEYWORDS {
        s.shift_remove(*k);
    }
    if s.get("format")
        .and_then(Value::as_str)
        .is_some_and(|f| DROPPED_FORMATS.contains(&f))
    {
        s.shift_remove("format");
    }
    match s.get("nullable") {
        Some(Value::Bool(false)) => {
            s.shift_remove("nullable");
        }
        Some(_) => {
            return Err(EmitError::unsupported(
                api,
                pointer_push(pointer, "nullable"),
                "API Gateway models are JSON Schema draft 4, which has no `nullable`; remove it (the import-ready definition cannot express it)",
            ));
        }
        None => {}
    }
    for k in ["exclusiveMinimum", "exclusiveMaximum"] {
        if s.contains_key(k) {
            return Err(EmitError::unsupported(
                api,
                pointer_push(pointer, k),
                format!(
                    "API Gateway does not support `{k}` in models; express the bound with minimum/maximum"
                ),
            ));
        }
    }
    if let Some(Value::Object(props)) = s.get_mut("properties") {
        for (name, p) in props.iter_mut() {
            rewrite_schema(
                api,
                p,
                &pointer_push(&pointer_push(pointer, "properties"), name),
            )?;
        }
    }
    for k in ["items", "additionalProperties", "not"] {
        if let Some(sub) = s.get_mut(k) {
            rewrite_schema(api, sub, &pointer_push(pointer, k))?;
        }
    }
    for k in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(list)) = s.get_mut(k) {
            for (i, sub) in list.iter_mut().enumerate() {
                rewrite_schema(api, sub, &format!("{}/{i}", pointer_push(pointer, k)))?;
            }
        }
    }
    Ok(())
}

/// API Gateway refuses model names that are not alphanumeric: keep the alphanumeric
/// characters, make collisions unique with a numeric suffix, and rewrite every `$ref`.
fn rename_models(doc: &mut Value) {
    let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") else {
        return;
    };
    let mut renames: IndexMap<String, String> = IndexMap::new();
    let mut taken: Vec<String> = schemas
        .keys()
        .filter(|k| is_model_name(k))
        .cloned()
        .collect();
    for name in schemas.keys() {
        if is_model_name(name) {
            continue;
        }
        let mut base: String = name.chars().filter(char::is_ascii_alphanumeric).collect();
        if base.is_empty() {
            base = "Model".into();
        }
        let mut candidate = base.clone();
        let mut n = 2;
        while taken.contains(&candidate) {
            candidate = format!("{base}{n}");
            n += 1;
        }
        taken.push(candidate.clone());
        renames.insert(name.clone(), candidate);
    }
    if renames.is_empty() {
        return;
    }
    let old = std::mem::take(schemas);
    for (k, v) in old {
        let k = renames.get(&k).cloned().unwrap_or(k);
        schemas.insert(k, v);
    }
    rewrite_schema_refs(doc, &renames);
}

fn is_model_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric())
}

fn rewrite_schema_refs(v: &mut Value, renames: &IndexMap<String, String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                if k == "$ref"
                    && let Value::String(r) = x
                    && let Some(rest) = r.strip_prefix(SCHEMAS_REF)
                {
                    let (name, tail) = match rest.split_once('/') {
                        Some((n, t)) => (n, format!("/{t}")),
                        None => (rest, String::new()),
                    };
                    // A `$ref` names the model as a JSON pointer token.
                    let name = name.replace("~1", "/").replace("~0", "~");
                    if let Some(new) = renames.get(&name) {
                        *r = format!("{SCHEMAS_REF}{new}{tail}");
                    }
                } else if !k.starts_with("x-") {
                    rewrite_schema_refs(x, renames);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| rewrite_schema_refs(x, renames)),
        _ => {}
    }
}

fn substitute(v: &mut Value, values: &IndexMap<String, String>) {
    match v {
        Value::String(s) if s.contains("${") => {
            *s = apidef::params::substitute_str(s, values);
        }
        Value::Array(a) => a.iter_mut().for_each(|x| substitute(x, values)),
        Value::Object(o) => o.values_mut().for_each(|x| substitute(x, values)),
        _ => {}
    }
}
