//! Evaluation against an item: conditions and filters, document paths, projections.

use super::ast::{CmpOp, Cond, Operand, Path, PathElem};
use crate::number::Number;
use crate::value::{AttributeValue, Item, decode_b64};

pub(crate) fn resolve_path<'i>(item: &'i Item, path: &Path) -> Option<&'i AttributeValue> {
    let mut iter = path.iter();
    let mut cur = match iter.next()? {
        PathElem::Name(n) => item.get(n)?,
        PathElem::Index(_) => return None,
    };
    for e in iter {
        cur = match (e, cur) {
            (PathElem::Name(n), AttributeValue::M(m)) => m.get(n)?,
            (PathElem::Index(i), AttributeValue::L(l)) => l.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

pub(crate) fn resolve_operand(item: &Item, op: &Operand) -> Option<AttributeValue> {
    match op {
        Operand::Path(p) => resolve_path(item, p).cloned(),
        Operand::Value(v) => Some(v.clone()),
        Operand::Size(inner) => {
            let v = resolve_operand(item, inner)?;
            let n = match &v {
                AttributeValue::S(s) => s.chars().count(),
                AttributeValue::B(b) => decode_b64(b).len(),
                AttributeValue::SS(l) | AttributeValue::BS(l) => l.len(),
                AttributeValue::NS(l) => l.len(),
                AttributeValue::L(l) => l.len(),
                AttributeValue::M(m) => m.len(),
                _ => return None,
            };
            Some(AttributeValue::N(Number::from_u64(n as u64)))
        }
        _ => None,
    }
}

/// Evaluate a condition against an item (an absent item is an empty one).
pub fn eval_condition(item: &Item, c: &Cond) -> bool {
    use std::cmp::Ordering::*;
    match c {
        Cond::And(a, b) => eval_condition(item, a) && eval_condition(item, b),
        Cond::Or(a, b) => eval_condition(item, a) || eval_condition(item, b),
        Cond::Not(a) => !eval_condition(item, a),
        Cond::Misused => false,
        Cond::AttributeExists(p) => resolve_path(item, p).is_some(),
        Cond::AttributeNotExists(p) => resolve_path(item, p).is_none(),
        Cond::AttributeType(p, t) => match (resolve_operand(item, p), resolve_operand(item, t)) {
            (Some(v), Some(AttributeValue::S(t))) => v.type_name() == t,
            _ => false,
        },
        Cond::BeginsWith(a, b) => match (resolve_operand(item, a), resolve_operand(item, b)) {
            (Some(AttributeValue::S(x)), Some(AttributeValue::S(y))) => x.starts_with(&y),
            (Some(AttributeValue::B(x)), Some(AttributeValue::B(y))) => {
                decode_b64(&x).starts_with(&decode_b64(&y))
            }
            _ => false,
        },
        Cond::Contains(a, b) => match (resolve_operand(item, a), resolve_operand(item, b)) {
            (Some(x), Some(y)) => contains(&x, &y),
            _ => false,
        },
        Cond::Cmp(op, a, b) => {
            let (x, y) = (resolve_operand(item, a), resolve_operand(item, b));
            match op {
                CmpOp::Eq => matches!((&x, &y), (Some(x), Some(y)) if x.dynamo_eq(y)),
                CmpOp::Ne => !matches!((&x, &y), (Some(x), Some(y)) if x.dynamo_eq(y)),
                _ => {
                    let (Some(x), Some(y)) = (x, y) else {
                        return false;
                    };
                    let Some(ord) = x.compare_scalar(&y) else {
                        return false;
                    };
                    match op {
                        CmpOp::Lt => ord == Less,
                        CmpOp::Le => ord != Greater,
                        CmpOp::Gt => ord == Greater,
                        _ => ord != Less,
                    }
                }
            }
        }
        Cond::Between(a, lo, hi) => {
            let (Some(x), Some(l), Some(h)) = (
                resolve_operand(item, a),
                resolve_operand(item, lo),
                resolve_operand(item, hi),
            ) else {
                return false;
            };
            matches!(x.compare_scalar(&l), Some(Greater | Equal))
                && matches!(x.compare_scalar(&h), Some(Less | Equal))
        }
        Cond::In(a, list) => {
            let Some(x) = resolve_operand(item, a) else {
                return false;
            };
            list.iter()
                .any(|o| resolve_operand(item, o).is_some_and(|y| x.dynamo_eq(&y)))
        }
    }
}

/// `contains(a, b)`: substring of a string or binary, member of a set, or element of a list.
pub(crate) fn contains(a: &AttributeValue, b: &AttributeValue) -> bool {
    match (a, b) {
        (AttributeValue::S(x), AttributeValue::S(y)) => x.contains(y.as_str()),
        (AttributeValue::B(x), AttributeValue::B(y)) => {
            let (x, y) = (decode_b64(x), decode_b64(y));
            y.is_empty() || x.windows(y.len()).any(|w| w == y.as_slice())
        }
        (AttributeValue::SS(l), AttributeValue::S(y)) => l.contains(y),
        (AttributeValue::BS(l), AttributeValue::B(y)) => {
            let y = decode_b64(y);
            l.iter().any(|b| decode_b64(b) == y)
        }
        (AttributeValue::NS(l), AttributeValue::N(y)) => l.contains(y),
        (AttributeValue::L(l), y) => l.iter().any(|e| e.dynamo_eq(y)),
        _ => false,
    }
}

/// Build the projection of an item onto `paths` (nested paths keep their enclosing maps and lists;
/// projected list elements keep their relative order and are compacted).
pub fn project(item: &Item, paths: &[Path]) -> Item {
    enum Node {
        Leaf(AttributeValue),
        Map(indexmap::IndexMap<String, Node>),
        List(std::collections::BTreeMap<usize, Node>),
    }
    pub(crate) fn insert(slot: &mut Node, rest: &[PathElem], v: AttributeValue) {
        let Some(first) = rest.first() else {
            *slot = Node::Leaf(v);
            return;
        };
        let fresh = || match rest.get(1) {
            Some(PathElem::Index(_)) => Node::List(Default::default()),
            Some(PathElem::Name(_)) => Node::Map(Default::default()),
            None => Node::Leaf(AttributeValue::Null),
        };
        match (first, slot) {
            (PathElem::Name(n), Node::Map(m)) => {
                let child = m.entry(n.clone()).or_insert_with(fresh);
                insert(child, &rest[1..], v);
            }
            (PathElem::Index(i), Node::List(l)) => {
                let child = l.entry(*i).or_insert_with(fresh);
                insert(child, &rest[1..], v);
            }
            _ => {}
        }
    }
    pub(crate) fn build(n: Node) -> AttributeValue {
        match n {
            Node::Leaf(v) => v,
            Node::Map(m) => AttributeValue::M(m.into_iter().map(|(k, v)| (k, build(v))).collect()),
            Node::List(l) => AttributeValue::L(l.into_values().map(build).collect()),
        }
    }
    let mut root = Node::Map(Default::default());
    for p in paths {
        if let Some(v) = resolve_path(item, p) {
            insert(&mut root, p, v.clone());
        }
    }
    match build(root) {
        AttributeValue::M(m) => m,
        _ => Item::new(),
    }
}
