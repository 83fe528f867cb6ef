//! A CloudFormation template and the resolution of its intrinsic functions into the project's
//! placeholder form.
//!
//! - `Ref` to a template parameter is `${Name}`, a deploy parameter with the parameter's
//!   `Default` and `Description`;
//! - `Ref` to a DynamoDB table is the table's name: `${<LogicalId>Name}`, a deploy parameter
//!   whose default is the table's `TableName` (the logical id when unnamed), or the table's
//!   `TableName` itself when that already is a placeholder expression;
//! - `Fn::GetAtt [Role, Arn]` of an IAM role is `${<Role>Arn}`, a deploy parameter whose stack
//!   value is the role the generated stack creates (the role itself is not imported);
//! - `Fn::GetAtt [Table, Arn]` is the table's ARN built from the pseudo parameters and its name;
//! - pseudo parameters stay `${AWS::Region}`, `${AWS::AccountId}`, `${AWS::Partition}`,
//!   `${AWS::URLSuffix}`; `AWS::NoValue` removes the value;
//! - `Fn::Sub` substitutes each `${X}` as above (`${!X}` is the literal `${X}`), `Fn::Join`
//!   concatenates, `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, `Fn::Base64`, `Fn::Length` and
//!   `Fn::ToJsonString` are evaluated, `Fn::If` is decided with the parameters' defaults;
//! - anything else that names a resource (a `Ref` to it, another `Fn::GetAtt`) or an export
//!   (`Fn::ImportValue`) becomes a deploy parameter with a stand-in default, and is listed as
//!   not carried;
//! - `Fn::Transform` `AWS::Include` of a local file is read relative to the template.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use apidef::error::pointer_push;
use base64::Engine;
use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::{ImportError, ImportErrorKind, NotCarried};

/// The logical ids, parameter and output names of the stack codegen emits
/// (`emit/src/cloudformation.rs`): a deploy parameter of one of these names would collide there.
const STACK_NAMES: &[&str] = &[
    "IntegrationRole",
    "Api",
    "Stage",
    "AccessLogGroup",
    "ApiGatewayCloudWatchRole",
    "ApiGatewayAccount",
    "ConfigureApiGatewayAccount",
    "ConfigureAccount",
    "TableDeletionPolicy",
    "AccessLogRetentionInDays",
    "ApiUrl",
    "RestApiId",
    "IntegrationRoleArn",
];

/// The role the generated stack creates, as a deploy parameter's `stackValue`.
pub(crate) const STACK_ROLE_ARN: &str = "IntegrationRole.Arn";

/// How deeply intrinsics (and includes) may nest.
const MAX_DEPTH: usize = 64;

pub(crate) const TABLE_TYPES: &[&str] = &["AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"];

/// A CloudFormation template (or, for a bare OpenAPI document, an empty one).
pub(crate) struct Template {
    pub file: String,
    /// Where `AWS::Include` locations are read from.
    pub dir: Option<PathBuf>,
    pub resources: Map<String, Value>,
    pub parameters: Map<String, Value>,
    pub conditions: Map<String, Value>,
    pub mappings: Map<String, Value>,
    /// Written by `cdk synth`: logical ids end in an 8-digit hash, left out of names.
    pub cdk: bool,
    /// Not a template: names that are neither pseudo parameters nor known become deploy
    /// parameters instead of errors.
    pub standalone: bool,
}

fn object(v: Option<&Value>) -> Map<String, Value> {
    v.and_then(Value::as_object).cloned().unwrap_or_default()
}

impl Template {
    pub fn new(root: &Map<String, Value>, file: &str) -> Template {
        let resources = object(root.get("Resources"));
        let parameters = object(root.get("Parameters"));
        let cdk = resources.contains_key("CDKMetadata")
            || parameters.contains_key("BootstrapVersion")
            || resources.values().any(|r| {
                r.get("Metadata")
                    .and_then(|m| m.get("aws:cdk:path"))
                    .is_some()
            });
        Template {
            file: file.to_string(),
            dir: dir_of(file),
            resources,
            parameters,
            conditions: object(root.get("Conditions")),
            mappings: object(root.get("Mappings")),
            cdk,
            standalone: false,
        }
    }

    pub fn standalone(file: &str) -> Template {
        Template {
            file: file.to_string(),
            dir: dir_of(file),
            resources: Map::new(),
            parameters: Map::new(),
            conditions: Map::new(),
            mappings: Map::new(),
            cdk: false,
            standalone: true,
        }
    }

    pub fn resource_type(&self, id: &str) -> Option<&str> {
        self.resources.get(id)?.get("Type")?.as_str()
    }

    pub fn props(&self, id: &str) -> Option<&Map<String, Value>> {
        self.resources.get(id)?.get("Properties")?.as_object()
    }

    pub fn is_table(&self, id: &str) -> bool {
        self.resource_type(id)
            .is_some_and(|t| TABLE_TYPES.contains(&t))
    }

    /// The logical id without `cdk synth`'s 8-digit hash (`dynamodbtable650E77A7` ->
    /// `dynamodbtable`).
    pub fn short_id<'a>(&self, id: &'a str) -> &'a str {
        if !self.cdk || id.len() <= 8 || !id.is_ascii() {
            return id;
        }
        let (head, tail) = id.split_at(id.len() - 8);
        let hashlike = tail
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'A'..=b'F').contains(&b))
            && tail.bytes().any(|b| b.is_ascii_digit());
        if hashlike { head } else { id }
    }

    /// The key of a table in `x-dynamodb-tables`.
    pub fn table_key(&self, id: &str) -> String {
        capitalised_identifier(self.short_id(id))
    }
}

fn dir_of(file: &str) -> Option<PathBuf> {
    let p = std::path::Path::new(file);
    p.parent().map(|d| {
        if d.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            d.to_path_buf()
        }
    })
}

/// Alphanumeric, first letter upper-case (a lower-case `${name}` is VTL's formal notation to the
/// loader, not a placeholder).
pub(crate) fn capitalised_identifier(s: &str) -> String {
    let mut out: String = s.chars().filter(char::is_ascii_alphanumeric).collect();
    if let Some(first) = out.get(0..1) {
        let up = first.to_ascii_uppercase();
        out.replace_range(0..1, &up);
    }
    if out.chars().next().is_some_and(|c| c.is_ascii_digit()) {
        out.insert(0, 'P');
    }
    out
}

/// `{"Ref": "X"}` or `{"Fn::...": ...}`. A one-key object `Ref` whose value is not a name
/// (a schema's property called `Ref`) is data.
pub(crate) fn is_intrinsic(m: &Map<String, Value>) -> bool {
    m.len() == 1
        && m.iter()
            .next()
            .is_some_and(|(k, v)| (k == "Ref" && v.is_string()) || k.starts_with("Fn::"))
}

/// `{"Ref": X}` -> X.
pub(crate) fn ref_target(v: &Value) -> Option<&str> {
    let m = v.as_object()?;
    if m.len() != 1 {
        return None;
    }
    m.get("Ref")?.as_str()
}

/// `{"Fn::GetAtt": [R, A]}` or `{"Fn::GetAtt": "R.A"}` -> (R, A).
pub(crate) fn get_att_target(v: &Value) -> Option<(&str, &str)> {
    let m = v.as_object()?;
    if m.len() != 1 {
        return None;
    }
    match m.get("Fn::GetAtt")? {
        Value::Array(a) if a.len() == 2 => Some((a[0].as_str()?, a[1].as_str()?)),
        Value::String(s) => s.split_once('.'),
        _ => None,
    }
}

/// Whether `s` holds a `${...}` placeholder.
pub(crate) fn has_placeholder(s: &str) -> bool {
    !apidef::params::placeholders(s).is_empty()
}

/// Resolves intrinsics, collecting deploy parameters and what is not carried.
pub(crate) struct Resolver<'t> {
    pub t: &'t Template,
    /// Deploy parameters, in order of first use: name -> `{description, default, stackValue}`.
    pub params: IndexMap<String, Map<String, Value>>,
    /// What a parameter stands for (`Ref:X`, `Role:R`, ...) -> its name.
    by_source: HashMap<String, String>,
    /// Names a deploy parameter must not have.
    reserved: HashSet<String>,
    pub not_carried: Vec<NotCarried>,
    noted: HashSet<(String, String)>,
    /// Table logical id -> the expression its `Ref` became.
    pub table_names: IndexMap<String, String>,
    /// Template parameters used.
    pub used_parameters: HashSet<String>,
    /// Resources named by a carried value.
    pub used_resources: HashSet<String>,
    /// An include that could not be read: the whole import fails.
    pub fatal: Option<ImportError>,
    depth: usize,
    /// Pointer prefix of included content (`api.yaml#`), when resolving inside an include.
    include_prefix: Option<String>,
}

type Eval = Result<Option<Value>, String>;

impl<'t> Resolver<'t> {
    pub fn new(t: &'t Template) -> Resolver<'t> {
        let mut reserved: HashSet<String> = STACK_NAMES.iter().map(|s| s.to_string()).collect();
        for (id, r) in &t.resources {
            if r.get("Type")
                .and_then(Value::as_str)
                .is_some_and(|ty| TABLE_TYPES.contains(&ty))
            {
                let key = t.table_key(id);
                reserved.insert(format!("{key}Table"));
                reserved.insert(format!("{key}TableName"));
            }
        }
        Resolver {
            t,
            params: IndexMap::new(),
            by_source: HashMap::new(),
            reserved,
            not_carried: Vec::new(),
            noted: HashSet::new(),
            table_names: IndexMap::new(),
            used_parameters: HashSet::new(),
            used_resources: HashSet::new(),
            fatal: None,
            depth: 0,
            include_prefix: None,
        }
    }

    /// Record something not carried (once per pointer and reason).
    pub fn note(&mut self, pointer: &str, logical_id: Option<&str>, reason: impl Into<String>) {
        let reason = reason.into();
        let pointer = match &self.include_prefix {
            Some(prefix)
                if !pointer.starts_with("/Resources") && !pointer.starts_with("/Conditions") =>
            {
                format!("{prefix}{pointer}")
            }
            _ => pointer.to_string(),
        };
        if self.noted.insert((pointer.clone(), reason.clone())) {
            self.not_carried.push(NotCarried {
                pointer,
                logical_id: logical_id.map(str::to_string),
                reason,
            });
        }
    }

    fn is_reserved(&self, name: &str, stack_value: bool) -> bool {
        if stack_value && name == "IntegrationRoleArn" {
            // Not a stack parameter: the stack's own output of that name is the same value.
            return false;
        }
        if self.reserved.contains(name) {
            return true;
        }
        // `Deployment<10 hex digits>`, the stack's deployment.
        name.strip_prefix("Deployment")
            .is_some_and(|h| h.len() == 10 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    }

    /// A free parameter name from `base`: `base`, else `baseName`, `baseName2`, ...
    fn allocate(&self, base: &str, stack_value: bool) -> String {
        let mut base = capitalised_identifier(base);
        if base.is_empty() {
            base = "Parameter".into();
        }
        let free = |n: &str| !self.params.contains_key(n) && !self.is_reserved(n, stack_value);
        if free(&base) {
            return base;
        }
        let named = format!("{base}Name");
        if free(&named) {
            return named;
        }
        (2..)
            .map(|i| format!("{base}Name{i}"))
            .find(|n| free(n))
            .unwrap_or(named)
    }

    /// The deploy parameter standing for `source`, declared on first use.
    fn declare(
        &mut self,
        source: &str,
        base: &str,
        description: Option<String>,
        default: Option<String>,
        stack_value: Option<&str>,
    ) -> String {
        if let Some(name) = self.by_source.get(source) {
            return name.clone();
        }
        let name = self.allocate(base, stack_value.is_some());
        let mut p = Map::new();
        if let Some(d) = description {
            p.insert("description".into(), Value::String(d));
        }
        if let Some(d) = default {
            p.insert("default".into(), Value::String(d));
        }
        if let Some(s) = stack_value {
            p.insert("stackValue".into(), Value::String(s.into()));
        }
        self.params.insert(name.clone(), p);
        self.by_source.insert(source.to_string(), name.clone());
        name
    }

    /// Resolve every intrinsic in `v`, leniently: a value that cannot be resolved is left out
    /// (and listed as not carried); `None` when `v` itself is left out.
    pub fn tree(&mut self, v: &Value, ptr: &str) -> Option<Value> {
        match v {
            Value::Object(m) if is_intrinsic(m) => match self.eval(v, ptr) {
                Ok(x) => x,
                Err(msg) => {
                    self.note(ptr, None, msg);
                    None
                }
            },
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, x) in m {
                    if let Some(y) = self.tree(x, &pointer_push(ptr, k)) {
                        out.insert(k.clone(), y);
                    }
                }
                Some(Value::Object(out))
            }
            Value::Array(a) => {
                let mut out = Vec::new();
                for (i, x) in a.iter().enumerate() {
                    if let Some(y) = self.tree(x, &format!("{ptr}/{i}")) {
                        out.push(y);
                    }
                }
                Some(Value::Array(out))
            }
            other => Some(other.clone()),
        }
    }

    /// A value that must be a string (numbers and booleans are written out).
    pub fn string(&mut self, v: &Value, ptr: &str) -> Result<String, String> {
        match self.eval(v, ptr)? {
            Some(Value::String(s)) => Ok(s),
            Some(Value::Number(n)) => Ok(n.to_string()),
            Some(Value::Bool(b)) => Ok(b.to_string()),
            Some(Value::Null) | None => Err("a string is needed here, the value is empty".into()),
            Some(other) => Err(format!(
                "a string is needed here, the value is {}",
                kind_of(&other)
            )),
        }
    }

    /// Evaluate `v` strictly: an intrinsic that cannot be resolved is an error. `Ok(None)` is
    /// `AWS::NoValue`.
    pub fn eval(&mut self, v: &Value, ptr: &str) -> Eval {
        let Value::Object(m) = v else {
            return Ok(Some(v.clone()));
        };
        if !is_intrinsic(m) {
            return Ok(self.tree(v, ptr));
        }
        if self.depth > MAX_DEPTH {
            return Err("intrinsic functions nest too deeply".into());
        }
        self.depth += 1;
        let out = self.eval_function(m, ptr);
        self.depth -= 1;
        out
    }

    fn eval_function(&mut self, m: &Map<String, Value>, ptr: &str) -> Eval {
        let Some((key, arg)) = m.iter().next() else {
            return Ok(Some(Value::Object(Map::new())));
        };
        let at = pointer_push(ptr, key);
        match key.as_str() {
            "Ref" => {
                let name = arg
                    .as_str()
                    .ok_or_else(|| "Ref must name a parameter or resource".to_string())?;
                self.reference(name, ptr)
            }
            "Fn::GetAtt" => {
                let (r, a) = match arg {
                    Value::Array(x) if x.len() == 2 => {
                        let r = x[0]
                            .as_str()
                            .ok_or("Fn::GetAtt's resource must be a name")?
                            .to_string();
                        let a = self.string(&x[1], &format!("{at}/1"))?;
                        (r, a)
                    }
                    Value::String(s) => match s.split_once('.') {
                        Some((r, a)) => (r.to_string(), a.to_string()),
                        None => return Err(format!("Fn::GetAtt {s:?} is not Resource.Attribute")),
                    },
                    _ => return Err("Fn::GetAtt takes [Resource, Attribute]".into()),
                };
                self.get_att(&r, &a, ptr).map(|s| Some(Value::String(s)))
            }
            "Fn::Sub" => {
                let (text, vars) = match arg {
                    Value::String(s) => (s.clone(), None),
                    Value::Array(x) if x.len() == 2 => {
                        let text = x[0]
                            .as_str()
                            .ok_or("Fn::Sub's first argument must be a string")?
                            .to_string();
                        let vars = x[1]
                            .as_object()
                            .ok_or("Fn::Sub's second argument must be a map of variables")?
                            .clone();
                        (text, Some(vars))
                    }
                    _ => return Err("Fn::Sub takes a string or [string, {variables}]".into()),
                };
                self.sub(&text, vars.as_ref(), &at)
                    .map(|s| Some(Value::String(s)))
            }
            "Fn::Join" => {
                let Value::Array(x) = arg else {
                    return Err("Fn::Join takes [delimiter, [values]]".into());
                };
                if x.len() != 2 {
                    return Err("Fn::Join takes [delimiter, [values]]".into());
                }
                let delimiter = self.string(&x[0], &format!("{at}/0"))?;
                // A literal list: each element strictly, so that one unresolvable part fails
                // the join; else a function that yields a list (Fn::Split, ...).
                let elements: Vec<Option<Value>> = match &x[1] {
                    Value::Array(src) => {
                        let mut out = Vec::with_capacity(src.len());
                        for (i, e) in src.iter().enumerate() {
                            out.push(self.eval(e, &format!("{at}/1/{i}"))?);
                        }
                        out
                    }
                    other => match self.eval(other, &format!("{at}/1"))? {
                        Some(Value::Array(a)) => a.into_iter().map(Some).collect(),
                        _ => return Err("Fn::Join's second argument must be a list".into()),
                    },
                };
                let mut parts = Vec::with_capacity(elements.len());
                for v in elements.into_iter().flatten() {
                    parts.push(scalar_string(&v).ok_or_else(|| {
                        format!("Fn::Join's values must be strings, found {}", kind_of(&v))
                    })?);
                }
                Ok(Some(Value::String(parts.join(&delimiter))))
            }
            "Fn::Select" => {
                let Value::Array(x) = arg else {
                    return Err("Fn::Select takes [index, [values]]".into());
                };
                if x.len() != 2 {
                    return Err("Fn::Select takes [index, [values]]".into());
                }
                let index = self.string(&x[0], &format!("{at}/0"))?;
                let index: usize = index
                    .parse()
                    .map_err(|_| format!("Fn::Select index {index:?} is not a number"))?;
                match self.eval(&x[1], &format!("{at}/1"))? {
                    Some(Value::Array(a)) => a
                        .get(index)
                        .cloned()
                        .map(Some)
                        .ok_or_else(|| format!("Fn::Select index {index} is out of range")),
                    _ => Err("Fn::Select's second argument must be a list".into()),
                }
            }
            "Fn::Split" => {
                let Value::Array(x) = arg else {
                    return Err("Fn::Split takes [delimiter, string]".into());
                };
                if x.len() != 2 {
                    return Err("Fn::Split takes [delimiter, string]".into());
                }
                let delimiter = self.string(&x[0], &format!("{at}/0"))?;
                let s = self.string(&x[1], &format!("{at}/1"))?;
                if delimiter.is_empty() {
                    return Err("Fn::Split's delimiter is empty".into());
                }
                Ok(Some(Value::Array(
                    s.split(delimiter.as_str())
                        .map(|p| Value::String(p.to_string()))
                        .collect(),
                )))
            }
            "Fn::If" => {
                let Value::Array(x) = arg else {
                    return Err("Fn::If takes [condition, value if true, value if false]".into());
                };
                if x.len() != 3 {
                    return Err("Fn::If takes [condition, value if true, value if false]".into());
                }
                let cond = x[0].as_str().ok_or("Fn::If's condition must be a name")?;
                let truth = self.condition(cond, 0)?;
                self.note(
                    &pointer_push("/Conditions", cond),
                    Some(cond),
                    format!(
                        "Fn::If {cond} is decided with the template parameters' defaults ({truth}): only that branch is carried"
                    ),
                );
                let i = if truth { 1 } else { 2 };
                self.eval(&x[i], &format!("{at}/{i}"))
            }
            "Fn::FindInMap" => {
                let Value::Array(x) = arg else {
                    return Err("Fn::FindInMap takes [map, top-level key, second-level key]".into());
                };
                if x.len() < 3 {
                    return Err("Fn::FindInMap takes [map, top-level key, second-level key]".into());
                }
                let mut keys = Vec::new();
                for (i, k) in x.iter().take(3).enumerate() {
                    let s = self.string(k, &format!("{at}/{i}"))?;
                    if s.contains("${") {
                        return Err(format!(
                            "Fn::FindInMap key {s:?} is only known when the stack is deployed"
                        ));
                    }
                    keys.push(s);
                }
                let found = self
                    .t
                    .mappings
                    .get(&keys[0])
                    .and_then(|m| m.get(&keys[1]))
                    .and_then(|m| m.get(&keys[2]))
                    .cloned();
                match found {
                    Some(v) => self.eval(&v, &format!("/Mappings/{}", keys.join("/"))),
                    None => match x.get(3).and_then(|d| d.get("DefaultValue")) {
                        Some(d) => self.eval(d, &format!("{at}/3/DefaultValue")),
                        None => Err(format!("Mappings has no {}", keys.join("/"))),
                    },
                }
            }
            "Fn::Base64" => {
                let s = self.string(arg, &at)?;
                if s.contains("${") {
                    return Err(
                        "Fn::Base64 of a value only known when the stack is deployed".into(),
                    );
                }
                Ok(Some(Value::String(
                    base64::engine::general_purpose::STANDARD.encode(s.as_bytes()),
                )))
            }
            "Fn::Length" => match self.eval(arg, &at)? {
                Some(Value::Array(a)) => Ok(Some(Value::from(a.len()))),
                _ => Err("Fn::Length takes a list".into()),
            },
            "Fn::ToJsonString" => match self.eval(arg, &at)? {
                Some(v) => Ok(Some(Value::String(v.to_string()))),
                None => Err("Fn::ToJsonString of no value".into()),
            },
            "Fn::ImportValue" => {
                let export = self.string(arg, &at)?;
                let name = self.declare(
                    &format!("Import:{export}"),
                    &export,
                    Some(format!(
                        "The value another stack exports as {export} (Fn::ImportValue)."
                    )),
                    Some(export.clone()),
                    None,
                );
                self.note(
                    ptr,
                    None,
                    format!(
                        "Fn::ImportValue {export} is the deploy parameter {name}; its default is a stand-in: pass the export's value with --param {name}=..."
                    ),
                );
                Ok(Some(Value::String(format!("${{{name}}}"))))
            }
            "Fn::Transform" => self.transform(arg, ptr),
            other => Err(format!(
                "{other} can only be evaluated by CloudFormation when the stack is deployed"
            )),
        }
    }

    /// `Ref name`.
    fn reference(&mut self, name: &str, ptr: &str) -> Eval {
        if name == "AWS::NoValue" {
            return Ok(None);
        }
        if apidef::params::PSEUDO_PARAMETERS
            .iter()
            .any(|(p, _)| *p == name)
        {
            return Ok(Some(Value::String(format!("${{{name}}}"))));
        }
        if let Some(pseudo) = name.strip_prefix("AWS::") {
            let default = match pseudo {
                "StackName" => stem(&self.t.file),
                "StackId" => format!(
                    "arn:aws:cloudformation:us-east-1:123456789012:stack/{}/00000000-0000-0000-0000-000000000000",
                    stem(&self.t.file)
                ),
                "NotificationARNs" => String::new(),
                _ => return Err(format!("{name} is not a pseudo parameter")),
            };
            let p = self.declare(
                &format!("Ref:{name}"),
                pseudo,
                Some(format!("CloudFormation's {name} in the source template.")),
                Some(default),
                None,
            );
            self.note(
                ptr,
                None,
                format!(
                    "{name} is not a pseudo parameter of this project: it is the deploy parameter {p}"
                ),
            );
            return Ok(Some(Value::String(format!("${{{p}}}"))));
        }
        if let Some(param) = self.t.parameters.get(name).cloned() {
            let p = self.template_parameter(name, &param);
            return Ok(Some(Value::String(format!("${{{p}}}"))));
        }
        if self.t.resources.contains_key(name) {
            self.used_resources.insert(name.to_string());
            if self.t.is_table(name) {
                return self.table_ref(name).map(|s| Some(Value::String(s)));
            }
            let ty = self.t.resource_type(name).unwrap_or("resource").to_string();
            let p = self.declare(
                &format!("Ref:{name}"),
                self.t.short_id(name),
                Some(format!(
                    "Ref to the {ty} {name} of the source template (not imported)."
                )),
                Some(name.to_string()),
                None,
            );
            self.note(
                &pointer_push("/Resources", name),
                Some(name),
                format!(
                    "{ty}: not imported; its Ref is the deploy parameter {p}, whose default is a stand-in: pass the real value with --param {p}=..."
                ),
            );
            return Ok(Some(Value::String(format!("${{{p}}}"))));
        }
        if self.t.standalone {
            return Ok(Some(Value::String(self.unknown_name(name, ptr))));
        }
        Err(format!(
            "Ref to {name}, which is neither a parameter nor a resource of the template"
        ))
    }

    /// A name a bare document refers to without a template to say what it is.
    fn unknown_name(&mut self, name: &str, ptr: &str) -> String {
        let p = self.declare(
            &format!("Ref:{name}"),
            name,
            Some(format!(
                "{name} in the source (no template says what it is)."
            )),
            Some(name.to_string()),
            None,
        );
        self.note(
            ptr,
            None,
            format!(
                "{name} is not defined in this document (it comes from the template that includes it): it is the deploy parameter {p}, whose default is a stand-in; import the template instead, or pass --param {p}=..."
            ),
        );
        format!("${{{p}}}")
    }

    /// The deploy parameter of a template parameter.
    fn template_parameter(&mut self, name: &str, param: &Value) -> String {
        let source = format!("Param:{name}");
        if let Some(p) = self.by_source.get(&source) {
            return p.clone();
        }
        self.used_parameters.insert(name.to_string());
        let at = pointer_push("/Parameters", name);
        let default = param.get("Default").map(|d| match d {
            Value::String(s) => s.clone(),
            Value::Array(a) => a
                .iter()
                .map(|x| scalar_string(x).unwrap_or_default())
                .collect::<Vec<_>>()
                .join(","),
            other => scalar_string(other).unwrap_or_else(|| other.to_string()),
        });
        let description = param
            .get("Description")
            .and_then(Value::as_str)
            .map(str::to_string);
        let p = self.declare(&source, name, description, default.clone(), None);
        if p != name {
            self.note(
                &at,
                Some(name),
                format!(
                    "the parameter is the deploy parameter {p} (the name {name} is taken by the stack codegen emits, or is not a capitalised identifier)"
                ),
            );
        }
        if default.is_none() {
            self.note(
                &at,
                Some(name),
                format!("the parameter has no Default: pass a value with --param {p}=..."),
            );
        }
        if let Some(obj) = param.as_object() {
            for (k, v) in obj {
                match k.as_str() {
                    "Default" | "Description" => {}
                    "Type" if v.as_str() == Some("String") => {}
                    "Type" => self.note(
                        &pointer_push(&at, k),
                        Some(name),
                        format!(
                            "Type {}: deploy parameters are strings",
                            v.as_str().unwrap_or("?")
                        ),
                    ),
                    _ => self.note(
                        &pointer_push(&at, k),
                        Some(name),
                        format!("{k}: deploy parameters have no such constraint"),
                    ),
                }
            }
        }
        p
    }

    /// What `Ref Table` becomes.
    pub fn table_ref(&mut self, id: &str) -> Result<String, String> {
        if let Some(e) = self.table_names.get(id) {
            return Ok(e.clone());
        }
        let props = self.t.props(id).cloned().unwrap_or_default();
        let short = self.t.table_key(id);
        let at = format!("{}/Properties/TableName", pointer_push("/Resources", id));
        let expr = match props.get("TableName") {
            Some(v) => {
                let name = self.string(v, &at)?;
                if has_placeholder(&name) {
                    name
                } else {
                    let p = self.declare(
                        &format!("Table:{id}"),
                        &format!("{short}Name"),
                        Some(format!("Name of the DynamoDB table {id}.")),
                        Some(name),
                        None,
                    );
                    format!("${{{p}}}")
                }
            }
            None => {
                let p = self.declare(
                    &format!("Table:{id}"),
                    &format!("{short}Name"),
                    Some(format!(
                        "Name of the DynamoDB table {id} (unnamed in the template, where CloudFormation generates one)."
                    )),
                    Some(id.to_string()),
                    None,
                );
                format!("${{{p}}}")
            }
        };
        self.table_names.insert(id.to_string(), expr.clone());
        Ok(expr)
    }

    /// `Fn::GetAtt [r, a]` as a string.
    fn get_att(&mut self, r: &str, a: &str, ptr: &str) -> Result<String, String> {
        if !self.t.resources.contains_key(r) {
            if self.t.standalone {
                let name = format!("{r}{}", capitalised_identifier(a));
                let p = self.declare(
                    &format!("GetAtt:{r}.{a}"),
                    &name,
                    Some(format!("Fn::GetAtt {r}.{a} in the source.")),
                    Some(stand_in(r, a)),
                    None,
                );
                self.note(
                    ptr,
                    None,
                    format!(
                        "Fn::GetAtt {r}.{a}: {r} is not defined in this document (it comes from the template that includes it): it is the deploy parameter {p}, whose default is a stand-in; import the template instead, or pass --param {p}=..."
                    ),
                );
                return Ok(format!("${{{p}}}"));
            }
            return Err(format!(
                "Fn::GetAtt {r}.{a}: the template has no resource {r}"
            ));
        }
        self.used_resources.insert(r.to_string());
        let ty = self.t.resource_type(r).unwrap_or("").to_string();
        if self.t.is_table(r) && a == "Arn" {
            let name = self.table_ref(r)?;
            return Ok(format!(
                "arn:${{AWS::Partition}}:dynamodb:${{AWS::Region}}:${{AWS::AccountId}}:table/{name}"
            ));
        }
        if ty == "AWS::IAM::Role" && a == "Arn" {
            return Ok(format!("${{{}}}", self.role_arn(r)));
        }
        if ty == "AWS::ApiGateway::RestApi" && a == "RootResourceId" {
            return Err(format!(
                "{r}.RootResourceId names the API's root resource, which has no value outside the API"
            ));
        }
        let base = format!("{}{}", self.t.short_id(r), capitalised_identifier(a));
        let p = self.declare(
            &format!("GetAtt:{r}.{a}"),
            &base,
            Some(format!(
                "Fn::GetAtt {r}.{a} of the {ty} {r} of the source template (not imported)."
            )),
            Some(stand_in(r, a)),
            None,
        );
        self.note(
            &pointer_push("/Resources", r),
            Some(r),
            format!(
                "{ty}: not imported; its {a} is the deploy parameter {p}, whose default is a stand-in: pass the real value with --param {p}=..."
            ),
        );
        Ok(format!("${{{p}}}"))
    }

    /// The deploy parameter for a role's ARN.
    pub fn role_arn(&mut self, role: &str) -> String {
        let role_name = self
            .t
            .props(role)
            .and_then(|p| p.get("RoleName"))
            .and_then(Value::as_str)
            .filter(|n| !n.contains("${"))
            .unwrap_or(role)
            .to_string();
        let base = format!("{}Arn", self.t.short_id(role));
        let p = self.declare(
            &format!("Role:{role}"),
            &base,
            Some(format!(
                "IAM role API Gateway assumes to call the integration: the role {role} of the source template. In the generated CloudFormation stack it is the stack's own role."
            )),
            Some(format!("arn:aws:iam::${{AWS::AccountId}}:role/{role_name}")),
            Some(STACK_ROLE_ARN),
        );
        self.note(
            &pointer_push("/Resources", role),
            Some(role),
            format!(
                "the role itself is not imported; the stack codegen emits creates its own (the deploy parameter {p} stands for its ARN)"
            ),
        );
        p
    }

    /// `Fn::Sub`.
    fn sub(
        &mut self,
        text: &str,
        vars: Option<&Map<String, Value>>,
        at: &str,
    ) -> Result<String, String> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            if let Some(literal) = after.strip_prefix('!') {
                // `${!X}` is the literal `${X}`.
                out.push_str("${");
                rest = literal;
                continue;
            }
            let Some(end) = after.find('}') else {
                out.push_str(&rest[i..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            let value = if let Some(v) = vars.and_then(|m| m.get(name)) {
                self.string(
                    v,
                    &format!("{at}/1/{}", name.replace('~', "~0").replace('/', "~1")),
                )?
            } else if name.starts_with("AWS::") {
                match self.reference(name, at)? {
                    Some(Value::String(s)) => s,
                    _ => String::new(),
                }
            } else if let Some((r, a)) = name.split_once('.') {
                if self.t.standalone
                    && !self.t.resources.contains_key(r)
                    && !looks_like_placeholder(r)
                {
                    // VTL's formal notation with a property (`${item.name}`).
                    format!("${{{name}}}")
                } else {
                    self.get_att(r, a, at)?
                }
            } else if self.t.parameters.contains_key(name) || self.t.resources.contains_key(name) {
                match self.reference(name, at)? {
                    Some(Value::String(s)) => s,
                    _ => String::new(),
                }
            } else if self.t.standalone {
                if looks_like_placeholder(name) {
                    self.unknown_name(name, at)
                } else {
                    // VTL's formal notation (`${x}`), which CloudFormation would refuse here.
                    format!("${{{name}}}")
                }
            } else {
                return Err(format!(
                    "Fn::Sub variable ${{{name}}} is neither a parameter, a resource nor a variable of the Fn::Sub"
                ));
            };
            out.push_str(&value);
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// The truth of a condition, with the parameters' defaults.
    fn condition(&mut self, name: &str, depth: usize) -> Result<bool, String> {
        if depth > MAX_DEPTH {
            return Err(format!("condition {name} refers to itself"));
        }
        let c = self
            .t
            .conditions
            .get(name)
            .cloned()
            .ok_or_else(|| format!("the template has no condition {name}"))?;
        self.truth(&c, depth + 1)
    }

    fn truth(&mut self, c: &Value, depth: usize) -> Result<bool, String> {
        if depth > MAX_DEPTH {
            return Err("conditions nest too deeply".into());
        }
        let Some(m) = c.as_object().filter(|m| m.len() == 1) else {
            return match c {
                Value::Bool(b) => Ok(*b),
                Value::String(s) if s == "true" || s == "false" => Ok(s == "true"),
                _ => Err(
                    "a condition must be Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition".into(),
                ),
            };
        };
        let (k, arg) = m.iter().next().expect("one entry");
        let list = || arg.as_array().cloned().unwrap_or_default();
        match k.as_str() {
            "Condition" => {
                let n = arg.as_str().ok_or("Condition must be a name")?.to_string();
                self.condition(&n, depth + 1)
            }
            "Fn::Not" => Ok(!self.truth(
                list().first().ok_or("Fn::Not takes [condition]")?,
                depth + 1,
            )?),
            "Fn::And" => {
                for x in list() {
                    if !self.truth(&x, depth + 1)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            "Fn::Or" => {
                for x in list() {
                    if self.truth(&x, depth + 1)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            "Fn::Equals" => {
                let l = list();
                if l.len() != 2 {
                    return Err("Fn::Equals takes two values".into());
                }
                Ok(self.concrete(&l[0])? == self.concrete(&l[1])?)
            }
            other => Err(format!("{other} is not a condition function")),
        }
    }

    /// A value with the parameters' defaults (and the local values of pseudo parameters) in
    /// place of placeholders, without declaring anything.
    pub fn concrete(&mut self, v: &Value) -> Result<String, String> {
        if let Some(name) = ref_target(v) {
            if let Some((_, local)) = apidef::params::PSEUDO_PARAMETERS
                .iter()
                .find(|(p, _)| *p == name)
            {
                return Ok(local.to_string());
            }
            if let Some(p) = self.t.parameters.get(name) {
                self.used_parameters.insert(name.to_string());
                return p
                    .get("Default")
                    .and_then(scalar_string)
                    .ok_or_else(|| format!("the parameter {name} has no Default"));
            }
        }
        // Evaluate on a copy of the state, so that nothing used only here is declared.
        let saved = (
            self.params.clone(),
            self.by_source.clone(),
            self.not_carried.clone(),
            self.noted.clone(),
            self.table_names.clone(),
            self.used_resources.clone(),
        );
        let result = self.string(v, "");
        let values: IndexMap<String, String> = apidef::params::PSEUDO_PARAMETERS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .chain(self.params.iter().filter_map(|(k, p)| {
                p.get("default")
                    .and_then(Value::as_str)
                    .map(|d| (k.clone(), d.to_string()))
            }))
            .collect();
        (
            self.params,
            self.by_source,
            self.not_carried,
            self.noted,
            self.table_names,
            self.used_resources,
        ) = saved;
        let s = result?;
        let s = apidef::params::substitute_str(&s, &values);
        if has_placeholder(&s) {
            return Err(format!("{s:?} is only known when the stack is deployed"));
        }
        Ok(s)
    }

    /// `Fn::Transform`: `AWS::Include` of a local file.
    fn transform(&mut self, arg: &Value, ptr: &str) -> Eval {
        let name = arg.get("Name").and_then(Value::as_str).unwrap_or("");
        if name != "AWS::Include" {
            return Err(format!(
                "Fn::Transform {name}: only AWS::Include is evaluated (other macros run in CloudFormation)"
            ));
        }
        let location = arg
            .get("Parameters")
            .and_then(|p| p.get("Location"))
            .ok_or("AWS::Include without Parameters.Location")?;
        let location = match location {
            Value::String(s) => s.clone(),
            other => self.string(other, &format!("{ptr}/Fn::Transform/Parameters/Location"))?,
        };
        self.include(&location, ptr)
    }

    /// Read, parse and resolve a local file (`AWS::Include`, SAM's local `DefinitionUri`).
    pub fn include(&mut self, location: &str, ptr: &str) -> Eval {
        if location.starts_with("s3://")
            || location.starts_with("https://")
            || location.starts_with("http://")
        {
            return Err(format!(
                "AWS::Include of {location}: the file is in S3, not beside the template; download it and import it, or point Location at a local copy"
            ));
        }
        if self.depth > 8 {
            return Err(format!(
                "AWS::Include of {location}: includes nest too deeply"
            ));
        }
        let dir = self.t.dir.clone().unwrap_or_else(|| PathBuf::from("."));
        let path = dir.join(location);
        let file = path.display().to_string();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                let err = ImportError::new(
                    ImportErrorKind::Include {
                        location: location.to_string(),
                        message: format!("cannot read {file}: {e}"),
                    },
                    &self.t.file,
                    ptr,
                );
                self.fatal.get_or_insert(err);
                return Err(format!(
                    "AWS::Include of {location}: cannot read {file}: {e}"
                ));
            }
        };
        let value = match apidef::source::parse(&text, &file) {
            Ok(v) => v,
            Err(e) => {
                let err = ImportError::new(
                    ImportErrorKind::Include {
                        location: location.to_string(),
                        message: e.to_string(),
                    },
                    &self.t.file,
                    ptr,
                );
                self.fatal.get_or_insert(err);
                return Err(format!("AWS::Include of {location}: {e}"));
            }
        };
        let saved = self.include_prefix.replace(format!("{location}#"));
        self.depth += 1;
        let out = self.tree(&value, "");
        self.depth -= 1;
        self.include_prefix = saved;
        Ok(out)
    }

    /// The deploy parameters as `x-deploy-parameters`.
    pub fn deploy_parameters(&self) -> Map<String, Value> {
        self.params
            .iter()
            .map(|(k, v)| (k.clone(), Value::Object(v.clone())))
            .collect()
    }
}

/// Whether a `${name}` looks like a deploy-time placeholder rather than VTL (capitalised, or a
/// pseudo parameter).
fn looks_like_placeholder(name: &str) -> bool {
    name.contains("::") || name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
}

fn stand_in(r: &str, a: &str) -> String {
    format!("{r}.{a}")
}

fn stem(file: &str) -> String {
    let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let stem = name.split('.').next().unwrap_or(name);
    if stem.is_empty() {
        "stack".into()
    } else {
        stem.to_string()
    }
}

pub(crate) fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub(crate) fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(v: Value) -> Template {
        Template::new(v.as_object().unwrap(), "dir/t.json")
    }

    #[test]
    fn joins_subs_and_refs_become_placeholders() {
        let t = template(json!({
            "Parameters": {"Stage": {"Type": "String", "Default": "v1", "Description": "d"}},
            "Resources": {
                "Albums": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "albums"}},
                "Role": {"Type": "AWS::IAM::Role"},
            }
        }));
        let mut r = Resolver::new(&t);
        let v = r.tree(&json!({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":x/", {"Ref": "Albums"}]]}), "/a").unwrap();
        assert_eq!(v, json!("arn:${AWS::Partition}:x/${AlbumsName}"));
        let v = r
            .tree(
                &json!({"Fn::Sub": "${Stage}/${!vtl}/${Role.Arn}/${AWS::Region}"}),
                "/b",
            )
            .unwrap();
        // `Stage` is a logical id of the generated stack: the parameter is renamed.
        assert_eq!(v, json!("${StageName}/${vtl}/${RoleArn}/${AWS::Region}"));
        assert_eq!(r.params["AlbumsName"]["default"], "albums");
        assert_eq!(r.params["StageName"]["default"], "v1");
        assert_eq!(r.params["RoleArn"]["stackValue"], "IntegrationRole.Arn");
        let v = r
            .tree(
                &json!({"Fn::Sub": ["${A}-${B}", {"A": "x", "B": {"Ref": "Albums"}}]}),
                "/c",
            )
            .unwrap();
        assert_eq!(v, json!("x-${AlbumsName}"));
        assert_eq!(
            r.tree(&json!({"k": {"Ref": "AWS::NoValue"}, "j": 1}), "/d")
                .unwrap(),
            json!({"j": 1})
        );
        // A schema property named Ref is data.
        let schema = json!({"properties": {"Ref": {"type": "string"}}});
        assert_eq!(r.tree(&schema, "/e").unwrap(), schema);
    }

    #[test]
    fn conditions_use_defaults_and_unresolvable_values_are_listed() {
        let t = template(json!({
            "Parameters": {"Local": {"Type": "String", "Default": "false"}},
            "Conditions": {"IsLocal": {"Fn::Equals": [{"Ref": "Local"}, "true"]}},
            "Mappings": {"M": {"a": {"b": "found"}}},
            "Resources": {}
        }));
        let mut r = Resolver::new(&t);
        assert_eq!(
            r.tree(&json!({"Fn::If": ["IsLocal", "yes", "no"]}), "/x")
                .unwrap(),
            json!("no")
        );
        assert!(
            r.params.is_empty(),
            "a parameter used only in a condition is not declared"
        );
        assert_eq!(
            r.tree(&json!({"Fn::FindInMap": ["M", "a", "b"]}), "/y")
                .unwrap(),
            json!("found")
        );
        assert_eq!(
            r.tree(
                &json!({"Fn::Select": [1, {"Fn::Split": [",", "a,b"]}]}),
                "/z"
            )
            .unwrap(),
            json!("b")
        );
        assert_eq!(
            r.tree(&json!({"k": {"Fn::GetAZs": ""}}), "/w").unwrap(),
            json!({})
        );
        assert!(r.not_carried.iter().any(|n| n.pointer == "/w/k"));
        assert!(
            r.not_carried
                .iter()
                .any(|n| n.pointer == "/Conditions/IsLocal")
        );
    }

    #[test]
    fn cdk_hashes_are_left_out_of_names() {
        let t = template(json!({"Resources": {"CDKMetadata": {"Type": "AWS::CDK::Metadata"}}}));
        assert_eq!(t.short_id("dynamodbtable650E77A7"), "dynamodbtable");
        assert_eq!(t.short_id("Table"), "Table");
        assert_eq!(t.short_id("MyTableABCDEFAB"), "MyTableABCDEFAB");
        assert_eq!(capitalised_identifier("dynamodb-table"), "Dynamodbtable");
    }
}
