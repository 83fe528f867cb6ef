//! CloudFormation intrinsic functions inside an OpenAPI document.
//!
//! A document used as SAM's `DefinitionBody`, pulled in with `AWS::Include`, or written as the
//! `Body` of an `AWS::ApiGateway::RestApi` is processed by CloudFormation before API Gateway
//! sees it: every object with exactly one key `Ref` or `Fn::...` is replaced by its value. To
//! run such a document locally, [`resolve`] does the same with local values: `--param` values
//! first, then the documented local defaults of [`LOCAL_DEFAULTS`]; what has no sensible local
//! value (another stack's export, an attribute other than `Arn`, a condition) is an error that
//! names the function, its argument and the `--param` to pass.
//!
//! Only the long form (`Fn::Sub:`) is seen here: [`crate::source`] reads YAML's short-form
//! tags (`!Sub`, `!GetAtt A.B`) as the long form.

use std::borrow::Cow;

use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::error::{ErrorKind, SpecError, pointer_push};

/// How deep a document may nest before resolution stops with an error (the parsers allow less).
pub const MAX_DEPTH: usize = 256;

/// How deep intrinsic functions may nest inside each other's arguments (real documents nest
/// two or three); each level costs several stack frames (at 64, an incremental debug build
/// overflowed a 1 MiB stack), so this is far less than [`MAX_DEPTH`].
pub const MAX_NESTING: usize = 32;

/// The longest string an intrinsic may produce: 1 MiB, more than a whole CloudFormation template.
pub const MAX_STRING_LEN: usize = 1 << 20;

/// Every value used locally for something CloudFormation would supply, as
/// `(what, local value, why)`. Region, account, partition and stack name follow `--param`
/// (`--param AWS::Region=eu-west-1` changes every ARN below); `X` is the logical id.
pub const LOCAL_DEFAULTS: &[(&str, &str, &str)] = &[
    (
        "AWS::Region",
        "us-east-1",
        "the region the local gateway and the embedded DynamoDB claim to be in",
    ),
    (
        "AWS::AccountId",
        "123456789012",
        "the example account id of AWS's own documentation: obviously not a real account",
    ),
    ("AWS::Partition", "aws", "the commercial partition"),
    (
        "AWS::URLSuffix",
        "amazonaws.com",
        "the suffix of the commercial partition",
    ),
    (
        "AWS::StackName",
        "local-stack",
        "there is no stack locally; a fixed name keeps outputs reproducible",
    ),
    (
        "AWS::StackId",
        "arn:aws:cloudformation:us-east-1:123456789012:stack/local-stack/00000000-0000-0000-0000-000000000000",
        "the shape of a real stack id, built from the values above, with a nil UUID",
    ),
    (
        "AWS::NoValue",
        "(the key or list item is removed)",
        "what CloudFormation does with Ref AWS::NoValue",
    ),
    (
        "Ref X, ${X} (any other name)",
        "X",
        "the logical id stands for the physical name (a table `OrdersTable` is named `OrdersTable`); warning; --param X=VALUE sets it",
    ),
    (
        "Fn::GetAtt [X, Arn], X ending in Role or role",
        "arn:aws:iam::123456789012:role/X",
        "an IAM role named after its logical id; warning; --param X.Arn=VALUE sets it",
    ),
    (
        "Fn::GetAtt [X, Arn], X ending in Function, function, Lambda or lambda",
        "arn:aws:lambda:us-east-1:123456789012:function:X",
        "a Lambda function named after its logical id; warning; --param X.Arn=VALUE sets it",
    ),
    (
        "Fn::GetAtt [X, Arn], X ending in Table or table",
        "arn:aws:dynamodb:us-east-1:123456789012:table/X",
        "a DynamoDB table named after its logical id; warning; --param X.Arn=VALUE sets it",
    ),
    (
        "Fn::GetAtt [X, Arn], any other X",
        "arn:aws:cloudformation:us-east-1:123456789012:local/X",
        "a well-formed ARN that names no real service; warning; --param X.Arn=VALUE sets it",
    ),
    (
        "Fn::GetAZs",
        "us-east-1a, us-east-1b, us-east-1c",
        "three zones of the region; warning",
    ),
    (
        "Fn::GetAtt [X, any other attribute]",
        "none: an error",
        "attributes such as StreamArn or Outputs.Y have no meaningful local value; --param X.Attribute=VALUE",
    ),
    (
        "Fn::ImportValue NAME",
        "none: an error",
        "the export belongs to another stack; --param NAME=VALUE",
    ),
    (
        "Fn::If [Condition, A, B]",
        "none: an error",
        "conditions cannot be evaluated locally; --param Condition=true or --param Condition=false picks a branch",
    ),
    (
        "Fn::FindInMap, Fn::Equals, Fn::And, Fn::Or, Fn::Not, Fn::Cidr, Fn::Transform, ...",
        "none: an error",
        "they read parts of the template (Mappings, Conditions, other transforms) that are not in the document",
    ),
];

/// Pseudo parameters whose local value is a row of [`LOCAL_DEFAULTS`] as is.
const PLAIN_PSEUDO: &[&str] = &[
    "AWS::Region",
    "AWS::AccountId",
    "AWS::Partition",
    "AWS::URLSuffix",
    "AWS::StackName",
];

/// The values names resolve to: `--param` values, then the declared deploy parameters'
/// defaults, then the pseudo parameters' local defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values {
    explicit: IndexMap<String, String>,
    declared: IndexMap<String, String>,
}

impl Values {
    /// Values given explicitly (`--param K=V`): a parameter or logical id (`TableName`), a
    /// pseudo parameter (`AWS::Region`), a resource attribute (`Orders.Arn`), an export name
    /// (for `Fn::ImportValue`) or a condition (`IsProd=true`, for `Fn::If`).
    pub fn new(explicit: &IndexMap<String, String>) -> Values {
        Values {
            explicit: explicit.clone(),
            declared: IndexMap::new(),
        }
    }

    /// [`Values::new`] plus the default of every parameter the document declares in the
    /// project's `x-deploy-parameters` extension.
    pub fn from_document(doc: &Value, explicit: &IndexMap<String, String>) -> Values {
        let mut values = Values::new(explicit);
        if let Some(Value::Object(declared)) = doc.get("x-deploy-parameters") {
            for (name, p) in declared {
                if let Some(Value::String(default)) = p.get("default") {
                    values.declare(name, default);
                }
            }
        }
        values
    }

    /// A declared deploy parameter's default (used when no `--param` names it); `${AWS::...}`
    /// in it is substituted now, as `x-deploy-parameters` allows.
    pub fn declare(&mut self, name: &str, default: &str) {
        let mut pseudo = IndexMap::new();
        for p in crate::params::placeholders(default) {
            if let Some(v) = self.get(&p.name) {
                pseudo.insert(p.name.clone(), v.into_owned());
            }
        }
        let value = crate::params::substitute_str(default, &pseudo);
        self.declared.insert(name.to_string(), value);
    }

    /// The value of a name given with `--param`, declared, or a pseudo parameter's local
    /// default; `None` for anything else (including `AWS::NoValue`, which is no value).
    pub fn get(&self, name: &str) -> Option<Cow<'_, str>> {
        if let Some(v) = self.explicit.get(name) {
            return Some(Cow::Borrowed(v));
        }
        if let Some(v) = self.declared.get(name) {
            return Some(Cow::Borrowed(v));
        }
        if name == "AWS::StackId" {
            return Some(Cow::Owned(format!(
                "arn:{}:cloudformation:{}:{}:stack/{}/00000000-0000-0000-0000-000000000000",
                self.pseudo("AWS::Partition"),
                self.pseudo("AWS::Region"),
                self.pseudo("AWS::AccountId"),
                self.pseudo("AWS::StackName"),
            )));
        }
        if PLAIN_PSEUDO.contains(&name) {
            return local_default(name).map(Cow::Borrowed);
        }
        None
    }

    /// Only a value given with `--param` (exports and conditions have no other source).
    pub fn explicit(&self, name: &str) -> Option<&str> {
        self.explicit.get(name).map(String::as_str)
    }

    fn pseudo(&self, name: &str) -> Cow<'_, str> {
        self.get(name).unwrap_or(Cow::Borrowed(""))
    }
}

fn local_default(name: &str) -> Option<&'static str> {
    LOCAL_DEFAULTS
        .iter()
        .find(|(what, _, _)| *what == name)
        .map(|(_, v, _)| *v)
}

/// Resolve every intrinsic function in `doc`; the result keeps the key order of the source.
/// An intrinsic that cannot be resolved is left as written, with an error in the problems; a
/// local default used in place of CloudFormation's value is a warning. The pointer of every
/// problem is that of the intrinsic object in `doc`.
pub fn resolve(doc: &Value, values: &Values, file: &str) -> (Value, Vec<SpecError>) {
    let mut r = Resolver {
        values,
        file,
        problems: Vec::new(),
        errors: 0,
        too_deep: false,
        nesting: 0,
    };
    let out = match r.eval(doc, "", None, 0) {
        Ok(Out::Value(v)) => v,
        Ok(Out::NoValue) => Value::Null,
        Err(()) => doc.clone(),
    };
    (out, r.problems)
}

/// Whether `doc` holds any object that [`resolve`] would treat as an intrinsic function (or
/// nests deeper than [`MAX_DEPTH`], which `resolve` reports).
pub fn contains_intrinsic(doc: &Value) -> bool {
    fn walk(v: &Value, parent: Option<&str>, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            // Unknown below here: let `resolve` look, and report the depth.
            return true;
        }
        match v {
            Value::Object(m) => {
                intrinsic_call(m, parent).is_some()
                    || m.iter().any(|(k, x)| walk(x, Some(k), depth + 1))
            }
            Value::Array(a) => a.iter().any(|x| walk(x, None, depth + 1)),
            _ => false,
        }
    }
    walk(doc, None, 0)
}

/// `(function, argument)` when `m` is an intrinsic function call: exactly one key, `Ref` or
/// `Fn::...`. A schema property named `Ref` (an entry of a `properties` map whose value is a
/// schema, not an intrinsic) is not one: `Ref` never takes an object.
fn intrinsic_call<'v>(
    m: &'v Map<String, Value>,
    parent: Option<&str>,
) -> Option<(&'v str, &'v Value)> {
    if m.len() != 1 {
        return None;
    }
    let (k, arg) = m.iter().next()?;
    if k != "Ref" && !k.starts_with("Fn::") {
        return None;
    }
    if parent == Some("properties")
        && let Value::Object(inner) = arg
        && intrinsic_call(inner, None).is_none()
    {
        return None;
    }
    Some((k.as_str(), arg))
}

enum Out {
    Value(Value),
    /// `Ref: AWS::NoValue`: the key or list item disappears.
    NoValue,
}

struct Resolver<'a> {
    values: &'a Values,
    file: &'a str,
    problems: Vec<SpecError>,
    errors: usize,
    too_deep: bool,
    /// Intrinsic calls currently being evaluated (this one's arguments included).
    nesting: usize,
}

/// Resolution failed; the problem is already recorded.
type Failed = ();

impl Resolver<'_> {
    fn fail<T>(&mut self, function: &str, message: String, pointer: &str) -> Result<T, Failed> {
        self.errors += 1;
        self.problems.push(SpecError::new(
            ErrorKind::Intrinsic {
                function: function.to_string(),
                message,
            },
            self.file,
            pointer,
        ));
        Err(())
    }

    /// Nested `Fn::Sub`, `Fn::Join` and `Fn::Base64` can grow a string exponentially; nothing
    /// CloudFormation accepts (templates are at most 1 MB) comes near the cap.
    fn too_long<T>(&mut self, function: &str, pointer: &str) -> Result<T, Failed> {
        self.fail(
            function,
            format!("the result would be longer than {MAX_STRING_LEN} bytes"),
            pointer,
        )
    }

    fn warn(&mut self, message: String, pointer: &str) {
        self.problems
            .push(SpecError::new(ErrorKind::Tolerated(message), self.file, pointer).warning());
    }

    /// Resolve a node: intrinsics are replaced, containers are rebuilt in order with their
    /// failed children left as written. `Err` only when the node itself is a failed intrinsic.
    fn eval(
        &mut self,
        v: &Value,
        ptr: &str,
        parent: Option<&str>,
        depth: usize,
    ) -> Result<Out, Failed> {
        if depth > MAX_DEPTH {
            if !self.too_deep {
                self.too_deep = true;
                return self.fail(
                    "the document",
                    format!("it nests deeper than {MAX_DEPTH} levels"),
                    ptr,
                );
            }
            return Err(());
        }
        match v {
            Value::Object(m) => {
                if let Some((function, arg)) = intrinsic_call(m, parent) {
                    return self.call(function, arg, ptr, depth);
                }
                let mut out = Map::new();
                for (k, x) in m {
                    let p = pointer_push(ptr, k);
                    match self.eval(x, &p, Some(k), depth + 1) {
                        Ok(Out::Value(y)) => {
                            out.insert(k.clone(), y);
                        }
                        Ok(Out::NoValue) => {}
                        Err(()) => {
                            out.insert(k.clone(), x.clone());
                        }
                    }
                }
                Ok(Out::Value(Value::Object(out)))
            }
            Value::Array(a) => {
                let mut out = Vec::with_capacity(a.len());
                for (i, x) in a.iter().enumerate() {
                    let p = pointer_push(ptr, &i.to_string());
                    match self.eval(x, &p, None, depth + 1) {
                        Ok(Out::Value(y)) => out.push(y),
                        Ok(Out::NoValue) => {}
                        Err(()) => out.push(x.clone()),
                    }
                }
                Ok(Out::Value(Value::Array(out)))
            }
            other => Ok(Out::Value(other.clone())),
        }
    }

    /// An argument of an intrinsic, fully resolved: any error inside it fails the intrinsic.
    fn arg(
        &mut self,
        function: &str,
        v: &Value,
        ptr: &str,
        call_ptr: &str,
        depth: usize,
    ) -> Result<Value, Failed> {
        let before = self.errors;
        let r = self.eval(v, ptr, None, depth + 1);
        if self.errors > before {
            return Err(());
        }
        match r {
            Ok(Out::Value(v)) => Ok(v),
            Ok(Out::NoValue) => self.fail(
                function,
                "an argument is Ref AWS::NoValue, which is no value".into(),
                call_ptr,
            ),
            Err(()) => Err(()),
        }
    }

    /// An argument that must come out as a string (numbers and booleans count, as their text).
    fn text_arg(
        &mut self,
        function: &str,
        v: &Value,
        ptr: &str,
        call_ptr: &str,
        depth: usize,
    ) -> Result<String, Failed> {
        let v = self.arg(function, v, ptr, call_ptr, depth)?;
        match as_text(&v) {
            Some(s) => Ok(s),
            None => self.fail(
                function,
                format!("expected a string, found {}", describe(&v)),
                call_ptr,
            ),
        }
    }

    fn call(
        &mut self,
        function: &str,
        arg: &Value,
        ptr: &str,
        depth: usize,
    ) -> Result<Out, Failed> {
        if self.nesting >= MAX_NESTING {
            return self.fail(
                function,
                format!("intrinsic functions nest deeper than {MAX_NESTING} levels"),
                ptr,
            );
        }
        self.nesting += 1;
        let r = self.dispatch(function, arg, ptr, depth);
        self.nesting -= 1;
        r
    }

    fn dispatch(
        &mut self,
        function: &str,
        arg: &Value,
        ptr: &str,
        depth: usize,
    ) -> Result<Out, Failed> {
        let arg_ptr = pointer_push(ptr, function);
        match function {
            "Ref" => match arg {
                Value::String(name) => self.reference(name, "Ref", name, ptr),
                other => self.fail(
                    "Ref",
                    format!(
                        "the argument must be a parameter name or logical id (a string), found {}",
                        describe(other)
                    ),
                    ptr,
                ),
            },
            "Fn::Sub" => {
                let s = self.sub(arg, ptr, &arg_ptr, depth)?;
                value(Value::String(s))
            }
            "Fn::GetAtt" => self.fn_get_att_call(arg, ptr, &arg_ptr, depth),
            "Fn::Join" => self.fn_join(arg, ptr, &arg_ptr, depth),
            "Fn::Select" => self.fn_select(arg, ptr, &arg_ptr, depth),
            "Fn::Split" => self.fn_split(arg, ptr, &arg_ptr, depth),
            "Fn::Base64" => self.fn_base64(arg, ptr, &arg_ptr, depth),
            "Fn::ImportValue" => self.fn_import_value(arg, ptr, &arg_ptr, depth),
            "Fn::If" => self.fn_if(arg, ptr, &arg_ptr, depth),
            "Fn::GetAZs" => self.fn_get_azs(arg, ptr, &arg_ptr, depth),
            "Fn::FindInMap" => self.fn_find_in_map(arg, ptr),
            "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" => self.fail(
                function,
                "conditions cannot be evaluated locally; write the value the condition selects"
                    .into(),
                ptr,
            ),
            "Fn::Transform" => self.fail(
                function,
                "another transform (such as AWS::Include) cannot run inside the document; load the file it names instead".into(),
                ptr,
            ),
            "Fn::Cidr" | "Fn::Length" | "Fn::ToJsonString" => self.fail(
                function,
                "not supported locally; write the value it produces in its place".into(),
                ptr,
            ),
            other => self.fail(
                other,
                "not a CloudFormation intrinsic function this toolkit knows".into(),
                ptr,
            ),
        }
    }

    fn fn_get_att_call(
        &mut self,
        arg: &Value,
        ptr: &str,
        arg_ptr: &str,
        depth: usize,
    ) -> Result<Out, Failed> {
        let (resource, attribute) = match arg {
            Value::String(s) => match s.split_once('.') {
                Some((r, a)) => (r.to_string(), a.to_string()),
                None => {
                    return self.fail(
                        "Fn::GetAtt",
                        format!("{s:?} is not of the form Resource.Attribute"),
                        ptr,
                    );
                }
            },
            Value::Array(a) if a.len() == 2 => {
                let r = a.first().unwrap_or(&Value::Null);
                let at = a.get(1).unwrap_or(&Value::Null);
                let r = self.text_arg("Fn::GetAtt", r, &pointer_push(arg_ptr, "0"), ptr, depth)?;
                let at =
                    self.text_arg("Fn::GetAtt", at, &pointer_push(arg_ptr, "1"), ptr, depth)?;
                (r, at)
            }
            other => {
                return self.fail(
                    "Fn::GetAtt",
                    format!(
                        "expected [Resource, Attribute] or \"Resource.Attribute\", found {}",
                        describe(other)
                    ),
                    ptr,
                );
            }
        };
        let shown = format!("{resource}.{attribute}");
        let s = self.get_att(&resource, &attribute, "Fn::GetAtt", &shown, ptr)?;
        value(Value::String(s))
    }

    fn fn_join(
        &mut self,
        arg: &Value,
        ptr: &str,
        arg_ptr: &str,
        depth: usize,
    ) -> Result<Out, Failed> {
        let Some((sep, list)) = pair(arg) else {
            return self.fail(
                "Fn::Join",
                format!("expected [delimiter, [values]], found {}", describe(arg)),
                ptr,
            );
        };
        let Some(sep) = as_text(sep) else {
            return self.fail(
                "Fn::Join",
                format!("the delimiter must be a string, found {}", describe(sep)),
                ptr,
            );
        };
        let list = self.arg("Fn::Join", list, &pointer_push(arg_ptr, "1"), ptr, depth)?;
        let Value::Array(items) = list else {
            return self.fail(
                "Fn::Join",
                format!("the values must be a list, found {}", describe(&list)),
                ptr,
            );
        };
        let mut parts = Vec::with_capacity(items.len());
        let mut len = 0usize;
        for item in &items {
            match as_text(item) {
                Some(s) => {
                    len = len.saturating_add(s.len()).saturating_add(sep.len());
                    if len > MAX_STRING_LEN {
                        return self.too_long("Fn::Join", ptr);
                    }
                    parts.push(s);
                }
                None => {
                    return self.fail(
                        "Fn::Join",
                        format!("every value must be a string, found {}", describe(item)),
                        ptr,
                    );
                }
            }
        }
        value(Value::String(parts.join(&sep)))
    }

    fn fn_select(
        &mut self,
        arg: &Value,
        ptr: &str,
        arg_ptr: &str,
        depth: usize,
    ) -> Result<Out, Failed> {
        let Some((index, list)) = pair(arg) else {
            return self.fail(
                "Fn::Select",
                format!("expected [index, [values]], found {}", describe(arg)),
                ptr,
            );
        };
        let index = self.arg("Fn::Select", index, &pointer_push(arg_ptr, "0"), ptr, depth)?;
        let list = self.arg("Fn::Select", list, &pointer_push(arg_ptr, "1"), ptr, depth)?;
        let i = match &index {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        };
        let Some(i) = i else {
            return self.fail(
                "Fn::Select",
                format!(
                    "the index must be a non-negative integer, found {}",
                    describe(&index)
                ),
                ptr,
            );
        };
        let Value::Array(items) = list else {
            return self.fail(
                "Fn::Select",
                format!("the values must be a list, found {}", describe(&list)),
                ptr,
            );
        };
        match usize::try_from(i).ok().and_then(|i| items.get(i)) {
            Some(v) => value(v.clone()),
            None => self.fail(
                "Fn::Select",
                format!("index {i} is out of range for a list of {}", items.len()),
                ptr,
            ),
        }
    }

    fn fn_split(
        &mut self,
        arg: &Value,
        ptr: &str,
        arg_ptr: &str,
        depth: usize,
    ) -> Result<Out, Failed> {
        let Some((delim, source)) = pair(arg) else {
            return self.fail(
                "Fn::Split",
                format!("expected [delimiter, string], found {}", describe(arg)),
                ptr,
            );
        };
        let Some(delim) = as_text(delim).filter(|d| !d.is_empty()) else {
            return self.fail(
                "Fn::Split",
                format!(
                    "the delimiter must be a non-empty string, found {}",
                    describe(delim)
                ),
                ptr,
            );
        };
        let s = self.text_arg("Fn::Split", source, &pointer_push(arg_ptr, "1"), ptr, depth)?;
        value(Value::Array(
            s.split(delim.as_str())
                .map(|p| Value::String(p.to_string()))
                .collect(),
        ))
    }

    fn fn_base64(
        &mut self,
        arg: &Value,
        ptr: &str,
        arg_ptr: &str,
        depth: usize,
    ) -> Result<Out, Failed> {
        let s = self.text_arg("Fn::Base64", arg, arg_ptr, ptr, depth)?;
        if s.len() / 3 * 4 > MAX_STRING_LEN {
            return self.too_long("Fn::Base64", ptr);
        }
        value(Value::String(base64(s.as_bytes())))
    }

    fn fn_import_value(
        &mut self,
        arg: &Value,
        ptr: &str,
        arg_ptr: &str,
        depth: usize,
    ) -> Result<Out, Failed> {
        let name = self.text_arg("Fn::ImportValue", arg, arg_ptr, ptr, depth)?;
        match self.values.explicit(&name) {
                Some(v) => value(Value::String(v.to_string())),
                None => self.fail(
                    "Fn::ImportValue",
                    format!(
                        "the export {name:?} belongs to another stack and has no local value; pass --param {name}=VALUE"
                    ),
                    ptr,
                ),
            }
    }

    fn fn_if(
        &mut self,
        arg: &Value,
        ptr: &str,
        arg_ptr: &str,
        depth: usize,
    ) -> Result<Out, Failed> {
        let Value::Array(a) = arg else {
            return self.fail(
                "Fn::If",
                format!(
                    "expected [condition, value if true, value if false], found {}",
                    describe(arg)
                ),
                ptr,
            );
        };
        let (Some(Value::String(condition)), Some(yes), Some(no), 3) =
            (a.first(), a.get(1), a.get(2), a.len())
        else {
            return self.fail(
                "Fn::If",
                "expected [condition name, value if true, value if false]".into(),
                ptr,
            );
        };
        let choice = self
            .values
            .explicit(condition)
            .map(|v| v.trim().to_ascii_lowercase());
        let (branch, index) = match choice.as_deref() {
            Some("true") => (yes, "1"),
            Some("false") => (no, "2"),
            _ => {
                return self.fail(
                        "Fn::If",
                        format!(
                            "conditions cannot be evaluated locally; pass --param {condition}=true or --param {condition}=false to pick a branch"
                        ),
                        ptr,
                    );
            }
        };
        let before = self.errors;
        let r = self.eval(branch, &pointer_push(arg_ptr, index), None, depth + 1);
        if self.errors > before {
            return Err(());
        }
        r
    }

    fn fn_get_azs(
        &mut self,
        arg: &Value,
        ptr: &str,
        arg_ptr: &str,
        depth: usize,
    ) -> Result<Out, Failed> {
        let region = self.text_arg("Fn::GetAZs", arg, arg_ptr, ptr, depth)?;
        let region = if region.is_empty() {
            self.values.pseudo("AWS::Region").into_owned()
        } else {
            region
        };
        self.warn(
                format!(
                    "Fn::GetAZs: CloudFormation lists the account's availability zones of {region}; locally {region}a, {region}b and {region}c are used"
                ),
                ptr,
            );
        value(Value::Array(
            ["a", "b", "c"]
                .iter()
                .map(|z| Value::String(format!("{region}{z}")))
                .collect(),
        ))
    }

    fn fn_find_in_map(&mut self, arg: &Value, ptr: &str) -> Result<Out, Failed> {
        let map = match arg {
            Value::Array(a) => a.first().and_then(as_text),
            _ => None,
        };
        let map = map.map(|m| format!(" {m:?}")).unwrap_or_default();
        self.fail(
                "Fn::FindInMap",
                format!(
                    "it reads the mapping{map} of the template's Mappings section, which is not part of this document; write the value in its place"
                ),
                ptr,
            )
    }

    /// `Ref name` or `${name}`; `function` names the intrinsic in errors, `shown` is how the
    /// reference is written (`OrdersTable` or `${OrdersTable}`).
    fn reference(
        &mut self,
        name: &str,
        function: &str,
        shown: &str,
        ptr: &str,
    ) -> Result<Out, Failed> {
        if name == "AWS::NoValue" {
            return Ok(Out::NoValue);
        }
        if let Some(v) = self.values.get(name) {
            return Ok(Out::Value(Value::String(v.into_owned())));
        }
        if name.starts_with("AWS::") {
            return self.fail(
                function,
                format!(
                    "{shown} has no local value (it is no pseudo parameter with a local default); pass --param {name}=VALUE"
                ),
                ptr,
            );
        }
        if name.is_empty() {
            return self.fail(function, "the name is empty".into(), ptr);
        }
        self.warn(
            format!(
                "{function} {shown}: CloudFormation substitutes the parameter's value or the resource's physical id; locally the logical id {name:?} is used; pass --param {name}=VALUE to set it"
            ),
            ptr,
        );
        Ok(Out::Value(Value::String(name.to_string())))
    }

    /// `Fn::GetAtt [resource, attribute]` or `${resource.attribute}`.
    fn get_att(
        &mut self,
        resource: &str,
        attribute: &str,
        function: &str,
        shown: &str,
        ptr: &str,
    ) -> Result<String, Failed> {
        let key = format!("{resource}.{attribute}");
        if resource.is_empty() || attribute.is_empty() {
            return self.fail(
                function,
                format!("{shown} is not of the form Resource.Attribute"),
                ptr,
            );
        }
        if let Some(v) = self.values.explicit(&key) {
            return Ok(v.to_string());
        }
        if attribute != "Arn" {
            return self.fail(
                function,
                format!("{shown} has no local value; pass --param {key}=VALUE"),
                ptr,
            );
        }
        let partition = self.values.pseudo("AWS::Partition");
        let region = self.values.pseudo("AWS::Region");
        let account = self.values.pseudo("AWS::AccountId");
        let ends = |suffixes: &[&str]| suffixes.iter().any(|s| resource.ends_with(s));
        let arn = if ends(&["Role", "role"]) {
            format!("arn:{partition}:iam::{account}:role/{resource}")
        } else if ends(&["Function", "function", "Lambda", "lambda"]) {
            format!("arn:{partition}:lambda:{region}:{account}:function:{resource}")
        } else if ends(&["Table", "table"]) {
            format!("arn:{partition}:dynamodb:{region}:{account}:table/{resource}")
        } else {
            format!("arn:{partition}:cloudformation:{region}:{account}:local/{resource}")
        };
        self.warn(
            format!(
                "{function} {shown}: CloudFormation substitutes the resource's ARN; locally {arn:?} is used; pass --param {key}=VALUE to set it"
            ),
            ptr,
        );
        Ok(arn)
    }

    /// `Fn::Sub` in its string and its `[string, {variables}]` forms.
    fn sub(
        &mut self,
        arg: &Value,
        ptr: &str,
        arg_ptr: &str,
        depth: usize,
    ) -> Result<String, Failed> {
        let (template, vars) = match arg {
            Value::String(s) => (s.as_str(), IndexMap::new()),
            Value::Array(a) if a.len() == 2 => {
                let (Some(Value::String(s)), Some(Value::Object(vars))) = (a.first(), a.get(1))
                else {
                    return self.fail(
                        "Fn::Sub",
                        "expected [string, {variables}]: the first item a string, the second a map"
                            .into(),
                        ptr,
                    );
                };
                let vars_ptr = pointer_push(arg_ptr, "1");
                let mut resolved = IndexMap::new();
                let mut failed = false;
                for (name, v) in vars {
                    let p = pointer_push(&vars_ptr, name);
                    match self.text_arg("Fn::Sub", v, &p, ptr, depth) {
                        Ok(s) => {
                            resolved.insert(name.as_str(), s);
                        }
                        Err(()) => failed = true,
                    }
                }
                if failed {
                    return Err(());
                }
                (s.as_str(), resolved)
            }
            other => {
                return self.fail(
                    "Fn::Sub",
                    format!(
                        "expected a string or [string, {{variables}}], found {}",
                        describe(other)
                    ),
                    ptr,
                );
            }
        };
        let mut out = String::with_capacity(template.len());
        let mut rest = template;
        let mut failed = false;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            let Some(j) = after.find('}') else {
                // No closing brace: CloudFormation leaves the text as it is.
                out.push_str(&rest[i..]);
                rest = "";
                break;
            };
            let inner = &after[..j];
            rest = &after[j + 1..];
            if let Some(literal) = inner.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
                continue;
            }
            let name = inner.trim();
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':'));
            if !valid {
                let _ = self.fail::<()>(
                    "Fn::Sub",
                    format!(
                        "${{{inner}}}: CloudFormation reads every ${{...}} as a variable, and variable names may hold only letters, digits, '_', '.' and ':'; write ${{!{inner}}} for the literal text"
                    ),
                    ptr,
                );
                failed = true;
                continue;
            }
            if out.len() > MAX_STRING_LEN {
                return self.too_long("Fn::Sub", ptr);
            }
            if let Some(v) = vars.get(name) {
                out.push_str(v);
                continue;
            }
            let shown = format!("${{{name}}}");
            let r = match name.split_once('.') {
                Some((res, attr)) if !name.starts_with("AWS::") => self
                    .get_att(res, attr, "Fn::Sub", &shown, ptr)
                    .map(|s| Out::Value(Value::String(s))),
                _ => self.reference(name, "Fn::Sub", &shown, ptr),
            };
            match r {
                Ok(Out::Value(v)) => match as_text(&v) {
                    Some(s) => out.push_str(&s),
                    None => failed = true,
                },
                Ok(Out::NoValue) => {
                    let _ = self.fail::<()>(
                        "Fn::Sub",
                        "${AWS::NoValue} is no value and cannot be part of a string".into(),
                        ptr,
                    );
                    failed = true;
                }
                Err(()) => failed = true,
            }
        }
        out.push_str(rest);
        if out.len() > MAX_STRING_LEN {
            return self.too_long("Fn::Sub", ptr);
        }
        if failed { Err(()) } else { Ok(out) }
    }
}

/// A resolved value.
fn value(v: Value) -> Result<Out, Failed> {
    Ok(Out::Value(v))
}

fn pair(v: &Value) -> Option<(&Value, &Value)> {
    match v {
        Value::Array(a) if a.len() == 2 => Some((a.first()?, a.get(1)?)),
        _ => None,
    }
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn describe(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a map",
    }
}

/// Standard base64 with padding, as `Fn::Base64` produces.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(doc: Value, explicit: &[(&str, &str)]) -> (Value, Vec<SpecError>) {
        let explicit: IndexMap<String, String> = explicit
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        resolve(&doc, &Values::new(&explicit), "t.yaml")
    }

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }

    #[test]
    fn stack_id_default_is_the_table_row() {
        let v = Values::new(&IndexMap::new());
        assert_eq!(
            v.get("AWS::StackId").as_deref(),
            local_default("AWS::StackId")
        );
        for name in PLAIN_PSEUDO {
            assert!(v.get(name).is_some(), "{name}");
        }
    }

    #[test]
    fn no_value_removes_keys_and_items() {
        let (out, problems) = run(
            json!({"a": {"Ref": "AWS::NoValue"}, "b": [1, {"Ref": "AWS::NoValue"}, 2]}),
            &[],
        );
        assert!(problems.is_empty());
        assert_eq!(out, json!({"b": [1, 2]}));
    }

    #[test]
    fn sub_escape_and_unterminated() {
        let (out, problems) = run(json!({"Fn::Sub": "${!Literal} $input.path('$') ${"}), &[]);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(out, json!("${Literal} $input.path('$') ${"));
    }

    #[test]
    fn sub_invalid_variable_name_is_an_error() {
        let (out, problems) = run(json!({"x": {"Fn::Sub": "${a b}"}}), &[]);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].location.pointer, "/x");
        assert_eq!(out, json!({"x": {"Fn::Sub": "${a b}"}}));
    }

    #[test]
    fn if_picks_a_branch_only_when_told() {
        let doc = json!({"v": {"Fn::If": ["IsProd", "p", {"Ref": "AWS::NoValue"}]}});
        let (_, problems) = run(doc.clone(), &[]);
        assert!(
            matches!(&problems[0].kind, ErrorKind::Intrinsic { function, .. } if function == "Fn::If")
        );
        assert_eq!(run(doc.clone(), &[("IsProd", "true")]).0, json!({"v": "p"}));
        assert_eq!(run(doc, &[("IsProd", "false")]).0, json!({}));
    }

    #[test]
    fn select_split_base64_getazs() {
        let (out, problems) = run(
            json!([
                {"Fn::Select": ["1", {"Fn::Split": [",", "a,b,c"]}]},
                {"Fn::Base64": {"Fn::Sub": "${AWS::Region}"}},
                {"Fn::Join": ["|", {"Fn::GetAZs": ""}]},
            ]),
            &[],
        );
        assert_eq!(
            out,
            json!(["b", "dXMtZWFzdC0x", "us-east-1a|us-east-1b|us-east-1c"])
        );
        assert_eq!(problems.len(), 1);
        assert!(problems[0].is_warning());
    }

    #[test]
    fn schema_property_named_ref_is_not_an_intrinsic() {
        let doc = json!({"properties": {"Ref": {"type": "string"}}});
        assert!(!contains_intrinsic(&doc));
        let (out, problems) = run(doc.clone(), &[]);
        assert_eq!(out, doc);
        assert!(problems.is_empty());
    }

    #[test]
    fn declared_defaults_substitute_pseudo_parameters() {
        let doc = json!({"x-deploy-parameters": {"RoleArn": {"default": "arn:aws:iam::${AWS::AccountId}:role/r"}}});
        let explicit: IndexMap<String, String> =
            [("AWS::AccountId".to_string(), "999".to_string())]
                .into_iter()
                .collect();
        let v = Values::from_document(&doc, &explicit);
        assert_eq!(v.get("RoleArn").as_deref(), Some("arn:aws:iam::999:role/r"));
    }
}
