//! DynamoDB's legacy (pre-expression) parameters, still accepted by the service and still written
//! in older mapping templates: `Expected` + `ConditionalOperator`, `ScanFilter`/`QueryFilter`,
//! `KeyConditions` and `AttributeUpdates` (DynamoDB Developer Guide, "Legacy conditional
//! parameters"). They are translated into the same condition and update trees as expressions.

use serde_json::{Map, Value};

use crate::error::DynamoError;
use crate::expr::{CmpOp, Cond, Operand, PathElem, UpdateAction};
use crate::value::{AttributeValue, parse_attribute_value};

fn invalid(msg: String) -> DynamoError {
    DynamoError::Validation(format!("One or more parameter values were invalid: {msg}"))
}

fn values(list: Option<&Value>) -> Result<Vec<AttributeValue>, DynamoError> {
    let mut out = Vec::new();
    for v in list.and_then(Value::as_array).into_iter().flatten() {
        out.push(parse_attribute_value(v).map_err(DynamoError::Validation)?);
    }
    Ok(out)
}

/// Arity of each ComparisonOperator: (min, max).
fn arity(op: &str) -> (usize, usize) {
    match op {
        "NULL" | "NOT_NULL" => (0, 0),
        "IN" => (1, usize::MAX),
        "BETWEEN" => (2, 2),
        _ => (1, 1),
    }
}

fn comparison(attr: &str, op: &str, vals: Vec<AttributeValue>) -> Cond {
    let path = Operand::Path(vec![PathElem::Name(attr.to_string())]);
    let mut vals = vals.into_iter().map(Operand::Value);
    let mut next = || vals.next().unwrap_or(Operand::Value(AttributeValue::Null));
    match op {
        "NULL" => Cond::AttributeNotExists(vec![PathElem::Name(attr.to_string())]),
        "NOT_NULL" => Cond::AttributeExists(vec![PathElem::Name(attr.to_string())]),
        "NE" => Cond::Cmp(CmpOp::Ne, path, next()),
        "LE" => Cond::Cmp(CmpOp::Le, path, next()),
        "LT" => Cond::Cmp(CmpOp::Lt, path, next()),
        "GE" => Cond::Cmp(CmpOp::Ge, path, next()),
        "GT" => Cond::Cmp(CmpOp::Gt, path, next()),
        "CONTAINS" => Cond::Contains(path, next()),
        "NOT_CONTAINS" => Cond::Not(Box::new(Cond::Contains(path, next()))),
        "BEGINS_WITH" => Cond::BeginsWith(path, next()),
        "BETWEEN" => {
            let lo = next();
            let hi = next();
            Cond::Between(path, lo, hi)
        }
        "IN" => {
            let first = next();
            let mut list = vec![first];
            list.extend(vals);
            Cond::In(path, list)
        }
        _ => Cond::Cmp(CmpOp::Eq, path, next()),
    }
}

fn combine(conds: Vec<Cond>, operator: Option<&str>) -> Option<Cond> {
    let or = operator == Some("OR");
    conds.into_iter().reduce(|a, b| {
        if or {
            Cond::Or(Box::new(a), Box::new(b))
        } else {
            Cond::And(Box::new(a), Box::new(b))
        }
    })
}

/// `Expected` (PutItem, UpdateItem, DeleteItem).
pub fn expected(
    map: Option<&Map<String, Value>>,
    operator: Option<&str>,
) -> Result<Option<Cond>, DynamoError> {
    let Some(map) = map else {
        return Ok(None);
    };
    let mut conds = Vec::new();
    for (key, c) in map {
        let has_list = c.get("AttributeValueList").is_some();
        let has_value = c.get("Value").is_some();
        if has_list && has_value {
            return Err(invalid(format!(
                "Value and AttributeValueList cannot be used together for Attribute: {key}"
            )));
        }
        if let Some(op) = c.get("ComparisonOperator").and_then(Value::as_str) {
            if c.get("Exists").is_some() {
                return Err(invalid(format!(
                    "Exists and ComparisonOperator cannot be used together for Attribute: {key}"
                )));
            }
            if op != "NULL" && op != "NOT_NULL" && !has_list && !has_value {
                return Err(invalid(format!(
                    "Value or AttributeValueList must be used with ComparisonOperator: {op} for Attribute: {key}"
                )));
            }
            let vals = if has_value {
                values(Some(&Value::Array(vec![c["Value"].clone()])))?
            } else {
                values(c.get("AttributeValueList"))?
            };
            let (min, max) = arity(op);
            if vals.len() < min || vals.len() > max {
                return Err(invalid(format!(
                    "Invalid number of argument(s) for the {op} ComparisonOperator"
                )));
            }
            conds.push(comparison(key, op, vals));
        } else if has_list {
            return Err(invalid(format!(
                "AttributeValueList can only be used with a ComparisonOperator for Attribute: {key}"
            )));
        } else {
            let exists_flag = c.get("Exists").and_then(Value::as_bool);
            let exists = exists_flag != Some(false);
            if exists && !has_value {
                return Err(invalid(format!(
                    "Value must be provided when Exists is {} for Attribute: {key}",
                    match exists_flag {
                        None => "null",
                        Some(_) => "true",
                    }
                )));
            }
            if !exists && has_value {
                return Err(invalid(format!(
                    "Value cannot be used when Exists is false for Attribute: {key}"
                )));
            }
            if exists {
                let v = parse_attribute_value(&c["Value"]).map_err(DynamoError::Validation)?;
                conds.push(comparison(key, "EQ", vec![v]));
            } else {
                conds.push(comparison(key, "NULL", Vec::new()));
            }
        }
    }
    Ok(combine(conds, operator))
}

/// `ScanFilter` / `QueryFilter`.
pub fn filter(
    map: Option<&Map<String, Value>>,
    operator: Option<&str>,
) -> Result<Option<Cond>, DynamoError> {
    let Some(map) = map else {
        return Ok(None);
    };
    let mut conds = Vec::new();
    for (key, c) in map {
        let op = c
            .get("ComparisonOperator")
            .and_then(Value::as_str)
            .unwrap_or("EQ");
        let vals = values(c.get("AttributeValueList"))?;
        let (min, max) = arity(op);
        if vals.len() < min || vals.len() > max {
            return Err(invalid(format!(
                "Invalid number of argument(s) for the {op} ComparisonOperator"
            )));
        }
        conds.push(comparison(key, op, vals));
    }
    Ok(combine(conds, operator))
}

/// `KeyConditions` of Query: (attribute, operator, values).
pub fn key_conditions(
    map: &Map<String, Value>,
) -> Result<Vec<(String, String, Vec<AttributeValue>)>, DynamoError> {
    let mut out = Vec::new();
    for (key, c) in map {
        let op = c
            .get("ComparisonOperator")
            .and_then(Value::as_str)
            .unwrap_or("EQ")
            .to_string();
        let vals = values(c.get("AttributeValueList"))?;
        let (min, max) = arity(&op);
        if vals.len() < min || vals.len() > max {
            return Err(invalid(format!(
                "Invalid number of argument(s) for the {op} ComparisonOperator"
            )));
        }
        out.push((key.clone(), op, vals));
    }
    Ok(out)
}

/// `AttributeUpdates` of UpdateItem, as update actions.
pub fn attribute_updates(
    map: Option<&Map<String, Value>>,
) -> Result<Vec<UpdateAction>, DynamoError> {
    let Some(map) = map else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (key, u) in map {
        let path = vec![PathElem::Name(key.clone())];
        let action = u.get("Action").and_then(Value::as_str).unwrap_or("PUT");
        let value = match u.get("Value") {
            Some(v) => Some(parse_attribute_value(v).map_err(DynamoError::Validation)?),
            None => None,
        };
        match (&value, action) {
            (None, "DELETE") => out.push(UpdateAction::Remove(path)),
            (None, _) => {
                return Err(invalid(
                    "Only DELETE action is allowed when no attribute value is specified"
                        .to_string(),
                ));
            }
            (Some(v), "DELETE") => {
                if !matches!(
                    v,
                    AttributeValue::SS(_) | AttributeValue::NS(_) | AttributeValue::BS(_)
                ) {
                    return Err(invalid(format!(
                        "DELETE action with value is not supported for the type {}",
                        v.type_name()
                    )));
                }
                out.push(UpdateAction::Delete(path, v.clone()));
            }
            (Some(v), "ADD") => {
                if !matches!(
                    v,
                    AttributeValue::SS(_)
                        | AttributeValue::NS(_)
                        | AttributeValue::BS(_)
                        | AttributeValue::N(_)
                        | AttributeValue::L(_)
                ) {
                    return Err(invalid(format!(
                        "ADD action is not supported for the type {}",
                        v.type_name()
                    )));
                }
                out.push(UpdateAction::Add(path, v.clone()));
            }
            (Some(v), _) => out.push(UpdateAction::Set(path, Operand::Value(v.clone()))),
        }
    }
    Ok(out)
}
