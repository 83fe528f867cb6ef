//! A Query's key condition (`KeyConditionExpression`, or the legacy `KeyConditions`) as matchers
//! on the partition and sort key, with DynamoDB's rules on what a key condition may say.

use serde_json::{Map, Value};

use crate::error::DynamoError;
use crate::expr::{self, CmpOp, Cond, Operand};
use crate::value::{AttributeValue, decode_b64};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyOp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
    Between,
    BeginsWith,
}

#[derive(Debug, Clone)]
pub(crate) struct KeyCond {
    pub(crate) attr: String,
    pub(crate) op: KeyOp,
    pub(crate) values: Vec<AttributeValue>,
}

impl KeyCond {
    pub(crate) fn matches(&self, v: &AttributeValue) -> bool {
        use std::cmp::Ordering::*;
        let first = self.values.first();
        let ord = first.and_then(|f| v.compare_scalar(f));
        match self.op {
            KeyOp::Eq => ord == Some(Equal),
            KeyOp::Lt => ord == Some(Less),
            KeyOp::Le => matches!(ord, Some(Less | Equal)),
            KeyOp::Gt => ord == Some(Greater),
            KeyOp::Ge => matches!(ord, Some(Greater | Equal)),
            KeyOp::Between => {
                matches!(ord, Some(Greater | Equal))
                    && matches!(
                        self.values.get(1).and_then(|h| v.compare_scalar(h)),
                        Some(Less | Equal)
                    )
            }
            KeyOp::BeginsWith => match (v, first) {
                (AttributeValue::S(a), Some(AttributeValue::S(b))) => a.starts_with(b.as_str()),
                (AttributeValue::B(a), Some(AttributeValue::B(b))) => {
                    decode_b64(a).starts_with(&decode_b64(b))
                }
                _ => false,
            },
        }
    }
}

/// Turn a KeyConditionExpression into per-attribute conditions, with DynamoDB's messages for the
/// operators a key condition does not allow.
pub(crate) fn convert_key_condition(c: &Cond) -> Result<Vec<KeyCond>, DynamoError> {
    let mut out: Vec<KeyCond> = Vec::new();
    collect_key_conds(c, &mut out)?;
    Ok(out)
}

pub(crate) fn key_attr(o: &Operand) -> Result<Option<String>, DynamoError> {
    match o {
        Operand::Path(p) => {
            if p.len() > 1 {
                return Err(DynamoError::validation(
                    "KeyConditionExpressions cannot have conditions on nested attributes",
                ));
            }
            match p.first() {
                Some(expr::PathElem::Name(n)) => Ok(Some(n.clone())),
                _ => Ok(None),
            }
        }
        Operand::Size(_) => Err(DynamoError::validation(
            "KeyConditionExpressions cannot contain nested operations",
        )),
        _ => Ok(None),
    }
}

pub(crate) fn collect_key_conds(c: &Cond, out: &mut Vec<KeyCond>) -> Result<(), DynamoError> {
    let invalid = |op: &str| {
        DynamoError::validation(format!(
            "Invalid operator used in KeyConditionExpression: {op}"
        ))
    };
    let (attr, op, values) = match c {
        Cond::And(a, b) => {
            collect_key_conds(a, out)?;
            return collect_key_conds(b, out);
        }
        Cond::Or(..) => return Err(invalid("OR")),
        Cond::Not(..) => return Err(invalid("NOT")),
        Cond::In(..) => return Err(invalid("IN")),
        Cond::Cmp(CmpOp::Ne, ..) => return Err(invalid("<>")),
        Cond::AttributeExists(_) => return Err(invalid("attribute_exists")),
        Cond::AttributeNotExists(_) => return Err(invalid("attribute_not_exists")),
        Cond::AttributeType(..) => return Err(invalid("attribute_type")),
        Cond::Contains(..) => return Err(invalid("contains")),
        Cond::Misused => {
            return Err(DynamoError::validation(
                "KeyConditionExpressions cannot contain nested operations",
            ));
        }
        Cond::Between(a, lo, hi) => {
            let Some(attr) = key_attr(a)? else {
                return Err(DynamoError::validation(
                    "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand",
                ));
            };
            for o in [lo, hi] {
                if key_attr(o)?.is_some() {
                    return Err(DynamoError::validation(
                        "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
                    ));
                }
            }
            (attr, KeyOp::Between, vec![value_of(lo), value_of(hi)])
        }
        Cond::BeginsWith(a, b) => {
            let Some(attr) = key_attr(a)? else {
                return Err(DynamoError::validation(
                    "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand",
                ));
            };
            if key_attr(b)?.is_some() {
                return Err(DynamoError::validation(
                    "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
                ));
            }
            (attr, KeyOp::BeginsWith, vec![value_of(b)])
        }
        Cond::Cmp(op, a, b) => {
            let (la, lb) = (key_attr(a)?, key_attr(b)?);
            let flip = |op: CmpOp| match op {
                CmpOp::Lt => KeyOp::Gt,
                CmpOp::Le => KeyOp::Ge,
                CmpOp::Gt => KeyOp::Lt,
                CmpOp::Ge => KeyOp::Le,
                _ => KeyOp::Eq,
            };
            let direct = |op: CmpOp| match op {
                CmpOp::Lt => KeyOp::Lt,
                CmpOp::Le => KeyOp::Le,
                CmpOp::Gt => KeyOp::Gt,
                CmpOp::Ge => KeyOp::Ge,
                _ => KeyOp::Eq,
            };
            match (la, lb) {
                (Some(_), Some(_)) => {
                    return Err(DynamoError::validation(
                        "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
                    ));
                }
                (Some(n), None) => (n, direct(*op), vec![value_of(b)]),
                (None, Some(n)) => (n, flip(*op), vec![value_of(a)]),
                (None, None) => {
                    return Err(DynamoError::validation(
                        "Invalid condition in KeyConditionExpression: No key attribute specified",
                    ));
                }
            }
        }
    };
    if out.iter().any(|k| k.attr == attr) {
        return Err(DynamoError::validation(
            "KeyConditionExpressions must only contain one condition per key",
        ));
    }
    out.push(KeyCond { attr, op, values });
    Ok(())
}

/// The legacy `KeyConditions` parameter as key conditions.
pub(crate) fn legacy_key_conditions(map: &Map<String, Value>) -> Result<Vec<KeyCond>, DynamoError> {
    let mut out = Vec::new();
    for (attr, op, values) in crate::legacy::key_conditions(map)? {
        let op = match op.as_str() {
            "EQ" => KeyOp::Eq,
            "LT" => KeyOp::Lt,
            "LE" => KeyOp::Le,
            "GT" => KeyOp::Gt,
            "GE" => KeyOp::Ge,
            "BETWEEN" => KeyOp::Between,
            "BEGINS_WITH" => KeyOp::BeginsWith,
            _ => {
                return Err(DynamoError::validation(
                    "Attempted conditional constraint is not an indexable operation",
                ));
            }
        };
        out.push(KeyCond { attr, op, values });
    }
    Ok(out)
}

pub(crate) fn value_of(o: &Operand) -> AttributeValue {
    match o {
        Operand::Value(v) => v.clone(),
        _ => AttributeValue::Null,
    }
}
