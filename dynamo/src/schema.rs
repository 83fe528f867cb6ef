//! Request shapes: DynamoDB first deserialises a request into its Java model (wrong JSON types give a
//! `SerializationException` whose `Message` names the Jackson token), then checks the documented
//! member constraints (`N validation error(s) detected: Value '…' at 'member' failed to satisfy
//! constraint: …`). Both steps are reproduced here from a declarative description of each action's
//! input, so every action gets the same messages, in the same order, as DynamoDB.

use serde_json::{Map, Value};

use crate::error::DynamoError;

#[derive(Debug, Clone)]
pub enum Ty {
    Str,
    Bool,
    Int,
    Long,
    Blob,
    /// A list whose members have the given field description (named `member`).
    List(Box<Field>),
    /// A map from string keys to the member field; the name is the Java value class used in the
    /// "Unrecognized collection type" message.
    Map(Box<Field>, &'static str),
    /// A structure; `value_struct` selects which message a scalar in its place produces.
    Struct(Vec<Field>, &'static str, bool),
    /// An AttributeValue (`value_struct` as above).
    Attr(bool),
    /// A list of maps of AttributeValues (BatchGetItem `Keys`).
    ParamMap,
}

#[derive(Debug, Clone)]
pub enum Con {
    NotNull,
    Regex,
    LenGe(usize),
    LenLe(usize),
    Ge(i64),
    Le(i64),
    Enum(&'static [&'static str]),
    /// Map keys are table names.
    TableNameKeys,
    /// Every map value is a list with a length in `min..=max`.
    MapValuesLen(usize, usize),
    /// Required, with the table-name length rule checked before everything else (the table
    /// control-plane actions: CreateTable, DescribeTable, DeleteTable).
    RequiredTableName,
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub ty: Ty,
    pub cons: Vec<Con>,
}

pub fn f(name: &'static str, ty: Ty, cons: Vec<Con>) -> Field {
    Field { name, ty, cons }
}

fn ser(msg: &str) -> DynamoError {
    DynamoError::Serialization(Some(msg.to_string()))
}

fn is_integral(n: &serde_json::Number) -> bool {
    n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
}

/// The members of an AttributeValue, built once (every attribute of every request is checked
/// against them).
static ATTR_FIELDS: std::sync::LazyLock<Vec<Field>> = std::sync::LazyLock::new(attr_fields);

fn attr_fields() -> Vec<Field> {
    vec![
        f("S", Ty::Str, vec![]),
        f("B", Ty::Blob, vec![]),
        f("N", Ty::Str, vec![]),
        f("BOOL", Ty::Bool, vec![]),
        f("NULL", Ty::Bool, vec![]),
        f(
            "BS",
            Ty::List(Box::new(f("member", Ty::Blob, vec![]))),
            vec![],
        ),
        f(
            "NS",
            Ty::List(Box::new(f("member", Ty::Str, vec![]))),
            vec![],
        ),
        f(
            "SS",
            Ty::List(Box::new(f("member", Ty::Str, vec![]))),
            vec![],
        ),
        f(
            "L",
            Ty::List(Box::new(f("member", Ty::Attr(true), vec![]))),
            vec![],
        ),
        f(
            "M",
            Ty::Map(
                Box::new(f("member", Ty::Attr(true), vec![])),
                "com.amazonaws.dynamodb.v20120810.AttributeValue",
            ),
            vec![],
        ),
    ]
}

/// Check JSON types against `fields`, dropping unknown members and nulls, as the Java model does.
pub fn check_types(data: &Value, fields: &[Field]) -> Result<Value, DynamoError> {
    let empty = Map::new();
    let obj = data.as_object().unwrap_or(&empty);
    let mut out = Map::new();
    for field in fields {
        if let Some(v) = obj.get(field.name)
            && !v.is_null()
            && let Some(c) = check_type(v, &field.ty)?
        {
            out.insert(field.name.to_string(), c);
        }
    }
    Ok(Value::Object(out))
}

fn check_type(v: &Value, ty: &Ty) -> Result<Option<Value>, DynamoError> {
    if v.is_null() {
        return Ok(None);
    }
    let scalar_or_collection = |name: &str| -> Result<Option<Value>, DynamoError> {
        match v {
            Value::Array(_) => Err(ser(&format!(
                "Unrecognized collection type class java.lang.{name}"
            ))),
            Value::Object(_) => Err(ser("Start of structure or map found where not expected")),
            _ => Ok(None),
        }
    };
    match ty {
        Ty::Bool => match v {
            Value::Bool(_) => Ok(Some(v.clone())),
            Value::Number(n) => Err(ser(&format!(
                "{} cannot be converted to Boolean",
                if is_integral(n) {
                    "NUMBER_VALUE"
                } else {
                    "DECIMAL_VALUE"
                }
            ))),
            Value::String(s) => match s.to_uppercase().as_str() {
                "TRUE" | "1" | "YES" => Ok(Some(Value::Bool(true))),
                "FALSE" | "0" | "NO" => Ok(Some(Value::Bool(false))),
                _ => Err(ser("Unexpected token received from parser")),
            },
            _ => scalar_or_collection("Boolean"),
        },
        Ty::Int | Ty::Long => {
            let name = if matches!(ty, Ty::Int) {
                "Integer"
            } else {
                "Long"
            };
            match v {
                Value::Bool(b) => Err(ser(&format!(
                    "{} cannot be converted to {name}",
                    if *b { "TRUE_VALUE" } else { "FALSE_VALUE" }
                ))),
                Value::Number(n) => {
                    let i = n
                        .as_i64()
                        .or_else(|| n.as_f64().map(|f| f.floor() as i64))
                        .unwrap_or(i64::MAX);
                    Ok(Some(Value::from(i)))
                }
                Value::String(_) => {
                    Err(ser(&format!("STRING_VALUE cannot be converted to {name}")))
                }
                _ => scalar_or_collection(name),
            }
        }
        Ty::Str => match v {
            Value::String(_) => Ok(Some(v.clone())),
            Value::Bool(b) => Err(ser(&format!(
                "{} cannot be converted to String",
                if *b { "TRUE_VALUE" } else { "FALSE_VALUE" }
            ))),
            Value::Number(n) => Err(ser(&format!(
                "{} cannot be converted to String",
                if is_integral(n) {
                    "NUMBER_VALUE"
                } else {
                    "DECIMAL_VALUE"
                }
            ))),
            _ => scalar_or_collection("String"),
        },
        Ty::Blob => match v {
            Value::Bool(_) | Value::Number(_) => {
                Err(ser("only base-64-encoded strings are convertible to bytes"))
            }
            Value::Array(_) => Err(ser(
                "Unrecognized collection type class java.nio.ByteBuffer",
            )),
            Value::Object(_) => Err(ser("Start of structure or map found where not expected")),
            Value::String(s) => {
                if s.len() % 4 != 0 {
                    return Err(ser(&format!(
                        "Base64 encoded length is expected a multiple of 4 bytes but found: {}",
                        s.encode_utf16().count()
                    )));
                }
                use base64::Engine as _;
                let ok = base64::engine::general_purpose::STANDARD
                    .decode(s)
                    .map(|b| base64::engine::general_purpose::STANDARD.encode(b) == *s)
                    .unwrap_or(false);
                if !ok {
                    return Err(ser("Invalid last non-pad Base64 character dectected"));
                }
                Ok(Some(v.clone()))
            }
            Value::Null => Ok(None),
        },
        Ty::List(member) => match v {
            Value::Array(a) => {
                let mut out = Vec::with_capacity(a.len());
                for x in a {
                    // A null member stays null (Jackson keeps it); later checks treat it as absent.
                    out.push(check_type(x, &member.ty)?.unwrap_or(Value::Null));
                }
                Ok(Some(Value::Array(out)))
            }
            Value::Object(_) => Err(ser("Start of structure or map found where not expected")),
            _ => Err(ser("Unexpected field type")),
        },
        Ty::ParamMap => match v {
            Value::Object(o) => {
                let mut out = Map::new();
                for (k, x) in o {
                    if let Some(c) = check_type(x, &Ty::Attr(true))? {
                        out.insert(k.clone(), c);
                    }
                }
                Ok(Some(Value::Object(out)))
            }
            Value::Array(_) => Err(ser(
                "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>",
            )),
            _ => Err(ser(
                "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and java.lang.Class are in module java.base of loader 'bootstrap')",
            )),
        },
        Ty::Map(member, class) => match v {
            Value::Object(o) => {
                let mut out = Map::new();
                for (k, x) in o {
                    if let Some(c) = check_type(x, &member.ty)? {
                        out.insert(k.clone(), c);
                    }
                }
                Ok(Some(Value::Object(out)))
            }
            Value::Array(_) => Err(ser(&format!(
                "Unrecognized collection type java.util.Map<java.lang.String, {class}>"
            ))),
            _ => Err(ser("Unexpected field type")),
        },
        Ty::Struct(fields, class, value_struct) => match v {
            Value::Object(_) => Ok(Some(check_types(v, fields)?)),
            Value::Array(_) => Err(ser(&format!(
                "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.{class}"
            ))),
            _ => Err(ser(if *value_struct {
                "Unexpected value type in payload"
            } else {
                "Unexpected field type"
            })),
        },
        Ty::Attr(value_struct) => match v {
            Value::Object(_) => Ok(Some(check_types(v, &ATTR_FIELDS)?)),
            Value::Array(_) => Err(ser(
                "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue",
            )),
            _ => Err(ser(if *value_struct {
                "Unexpected value type in payload"
            } else {
                "Unexpected field type"
            })),
        },
    }
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// JavaScript-like rendering of a value inside a constraint message.
fn value_str(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "null".to_string(),
        Some(Value::Array(a)) => format!(
            "[{}]",
            a.iter()
                .map(|x| value_str(Some(x)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Some(Value::Object(_)) => v.map(|x| x.to_string()).unwrap_or_default(),
        Some(Value::String(s)) => s.clone(),
        Some(x) => x.to_string(),
    }
}

fn table_name_ok(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

fn length_of(v: &Value) -> usize {
    match v {
        Value::String(s) => s.encode_utf16().count(),
        Value::Array(a) => a.len(),
        Value::Object(o) => o.len(),
        _ => 0,
    }
}

/// Check the member constraints; returns DynamoDB's aggregated ValidationException message.
pub fn check_constraints(data: &Value, fields: &[Field]) -> Result<(), DynamoError> {
    for field in fields {
        if !field
            .cons
            .iter()
            .any(|c| matches!(c, Con::RequiredTableName))
        {
            continue;
        }
        match data.get(field.name) {
            None | Some(Value::Null) => {
                return Err(DynamoError::Validation(format!(
                    "The parameter '{}' is required but was not present in the request",
                    field.name
                )));
            }
            Some(v) => {
                let len = length_of(v);
                if !(3..=255).contains(&len) {
                    return Err(DynamoError::Validation(format!(
                        "{} must be at least 3 characters long and at most 255 characters long",
                        field.name
                    )));
                }
            }
        }
    }
    let mut errors = Vec::new();
    for field in fields {
        check_field(data.get(field.name), field, "", &mut errors);
    }
    if errors.is_empty() {
        return Ok(());
    }
    errors.truncate(10);
    Err(DynamoError::Validation(format!(
        "{} validation error{} detected: {}",
        errors.len(),
        if errors.len() > 1 { "s" } else { "" },
        errors.join("; ")
    )))
}

/// Whether a field and everything inside it are free of constraints (an AttributeValue, an
/// item's attributes): `check_field` has nothing to check there, and builds no member paths.
fn is_inert(field: &Field) -> bool {
    field.cons.is_empty()
        && match &field.ty {
            Ty::List(m) | Ty::Map(m, _) => is_inert(m),
            Ty::Struct(fields, _, _) => fields.iter().all(is_inert),
            _ => true,
        }
}

#[allow(clippy::collapsible_match)]
fn check_field(v: Option<&Value>, field: &Field, parent: &str, errors: &mut Vec<String>) {
    if is_inert(field) {
        return;
    }
    let v = v.filter(|x| !x.is_null());
    let path_prefix = if parent.is_empty() {
        String::new()
    } else {
        format!("{parent}.")
    };
    let mut push = |msg: String| {
        if errors.len() < 10 {
            errors.push(format!(
                "Value {} at '{}{}' failed to satisfy constraint: {}",
                match v {
                    None => "null".to_string(),
                    Some(_) => format!("'{}'", value_str(v)),
                },
                path_prefix,
                lower_first(field.name),
                msg
            ));
        }
    };
    for con in &field.cons {
        match (con, v) {
            (Con::NotNull, None) => push("Member must not be null".to_string()),
            (_, None) | (Con::NotNull, _) => {}
            (Con::Regex, Some(Value::String(s))) => {
                if !table_name_ok(s) {
                    push(
                        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
                            .to_string(),
                    );
                }
            }
            (Con::LenGe(n), Some(x)) => {
                if length_of(x) < *n {
                    push(format!(
                        "Member must have length greater than or equal to {n}"
                    ));
                }
            }
            (Con::LenLe(n), Some(x)) => {
                if length_of(x) > *n {
                    push(format!("Member must have length less than or equal to {n}"));
                }
            }
            (Con::Ge(n), Some(Value::Number(x))) => {
                if x.as_i64().unwrap_or(i64::MAX) < *n {
                    push(format!(
                        "Member must have value greater than or equal to {n}"
                    ));
                }
            }
            (Con::Le(n), Some(Value::Number(x))) => {
                if x.as_i64().unwrap_or(i64::MAX) > *n {
                    push(format!("Member must have value less than or equal to {n}"));
                }
            }
            (Con::Enum(vals), Some(x)) => {
                if !x.as_str().is_some_and(|s| vals.contains(&s)) {
                    push(format!(
                        "Member must satisfy enum value set: [{}]",
                        vals.join(", ")
                    ));
                }
            }
            (Con::MapValuesLen(min, max), Some(Value::Object(o))) => {
                for x in o.values() {
                    let len = length_of(x);
                    if len < *min || len > *max {
                        push(format!(
                            "Map value must satisfy constraint: [Member must have length less than or equal to {max}, Member must have length greater than or equal to {min}]"
                        ));
                    }
                }
            }
            (Con::TableNameKeys, Some(Value::Object(o))) => {
                for k in o.keys() {
                    let len = k.encode_utf16().count();
                    if !(3..=255).contains(&len) || !table_name_ok(k) {
                        push("Map keys must satisfy constraint: [Member must have length less than or equal to 255, Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]".to_string());
                    }
                }
            }
            _ => {}
        }
    }
    let Some(v) = v else { return };
    let here = format!("{path_prefix}{}", lower_first(field.name));
    match (&field.ty, v) {
        (Ty::List(member), Value::Array(a)) if !is_inert(member) => {
            for (i, x) in a.iter().enumerate() {
                check_field(Some(x), member, &format!("{here}.{}", i + 1), errors);
            }
        }
        (Ty::Map(member, _), Value::Object(o)) if !is_inert(member) => {
            for (k, x) in o {
                check_field(Some(x), member, &format!("{here}.{k}"), errors);
            }
        }
        (Ty::Struct(fields, _, _), Value::Object(_)) => {
            for sub in fields {
                check_field(v.get(sub.name), sub, &here, errors);
            }
        }
        _ => {}
    }
}

/// DynamoDB's 4 KB limit on each expression parameter (Developer Guide, "Expression
/// parameters"): the raw string's bytes as sent (names and values not substituted), 4096
/// accepted, 4097 refused, with the message users capture (pynamodb#979: `Invalid
/// FilterExpression: Expression size has exceeded the maximum allowed size; expression size:
/// 4109`).
pub const MAX_EXPRESSION_BYTES: usize = 4096;

pub fn check_expression_sizes(data: &Value) -> Result<(), DynamoError> {
    for name in [
        "KeyConditionExpression",
        "ConditionExpression",
        "UpdateExpression",
        "FilterExpression",
        "ProjectionExpression",
    ] {
        if let Some(Value::String(e)) = data.get(name)
            && e.len() > MAX_EXPRESSION_BYTES
        {
            return Err(DynamoError::Validation(format!(
                "Invalid {name}: Expression size has exceeded the maximum allowed size; expression size: {}",
                e.len()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod expression_size_tests {
    use super::*;

    #[test]
    fn four_kilobytes_pass_one_byte_more_does_not() {
        let at = serde_json::json!({"FilterExpression": "a".repeat(4096)});
        assert!(check_expression_sizes(&at).is_ok());
        let over = serde_json::json!({"ProjectionExpression": "a".repeat(4097)});
        let e = check_expression_sizes(&over).unwrap_err().to_string();
        assert!(e.contains("Invalid ProjectionExpression: Expression size has exceeded the maximum allowed size; expression size: 4097"), "{e}");
    }
}
