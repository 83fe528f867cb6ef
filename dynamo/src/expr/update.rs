//! Update actions (SET, REMOVE, ADD, DELETE) applied to an item.

use super::ast::{Operand, Path, PathElem, UpdateAction};
use super::error::{ExprError, ExprErrorKind};
use super::eval::resolve_path;
use crate::number::Number;
use crate::value::{AttributeValue, Item};

/// Evaluate a SET value.
pub(crate) fn eval_update_value(item: &Item, op: &Operand) -> Result<AttributeValue, ExprError> {
    match op {
        Operand::Path(p) => resolve_path(item, p).cloned().ok_or_else(missing_attribute),
        Operand::Value(v) => Ok(v.clone()),
        Operand::IfNotExists(p, alt) => match resolve_path(item, p) {
            Some(v) => Ok(v.clone()),
            None => eval_update_value(item, alt),
        },
        Operand::ListAppend(a, b) => {
            let AttributeValue::L(mut x) = eval_update_value(item, a)? else {
                return Err(type_mismatch());
            };
            let AttributeValue::L(y) = eval_update_value(item, b)? else {
                return Err(type_mismatch());
            };
            x.extend(y);
            Ok(AttributeValue::L(x))
        }
        Operand::Plus(a, b) | Operand::Minus(a, b) => {
            let AttributeValue::N(x) = eval_update_value(item, a)? else {
                return Err(type_mismatch());
            };
            let AttributeValue::N(y) = eval_update_value(item, b)? else {
                return Err(type_mismatch());
            };
            let r = if matches!(op, Operand::Plus(..)) {
                x.add(&y)
            } else {
                x.sub(&y)
            };
            r.check()
                .map_err(|e| ExprError::new(ExprErrorKind::Number, e.message("")))?;
            Ok(AttributeValue::N(r))
        }
        Operand::Size(_) => Err(type_mismatch()),
    }
}

/// Apply update actions to an item in place. Errors are DynamoDB's ValidationException messages.
pub fn apply_update(item: &mut Item, actions: &[UpdateAction]) -> Result<(), ExprError> {
    // SET values are all computed against the item as it was before the update.
    let snapshot = item.clone();
    let mut set_values = Vec::new();
    for a in actions {
        if let UpdateAction::Set(_, op) = a {
            set_values.push(eval_update_value(&snapshot, op)?);
        }
    }
    let mut set_iter = set_values.into_iter();
    for a in actions {
        match a {
            UpdateAction::Set(p, _) => {
                let v = set_iter.next().unwrap_or(AttributeValue::Null);
                put_path(item, p, v).ok_or_else(invalid_path)?;
            }
            UpdateAction::Remove(p) => {
                remove_path(item, p).ok_or_else(invalid_path)?;
            }
            UpdateAction::Add(p, v) => {
                let existing = resolve_path_checked(item, p).ok_or_else(invalid_path)?;
                let new = match (existing, v) {
                    (None, v) => v.clone(),
                    (Some(AttributeValue::N(x)), AttributeValue::N(y)) => {
                        let r = x.add(y);
                        r.check()
                            .map_err(|e| ExprError::new(ExprErrorKind::Number, e.message("")))?;
                        AttributeValue::N(r)
                    }
                    (Some(AttributeValue::SS(x)), AttributeValue::SS(y)) => {
                        let mut x = x.clone();
                        for e in y {
                            if !x.contains(e) {
                                x.push(e.clone());
                            }
                        }
                        AttributeValue::SS(x)
                    }
                    (Some(AttributeValue::NS(x)), AttributeValue::NS(y)) => {
                        let mut x = x.clone();
                        for e in y {
                            if !x.contains(e) {
                                x.push(e.clone());
                            }
                        }
                        AttributeValue::NS(x)
                    }
                    (Some(AttributeValue::BS(x)), AttributeValue::BS(y)) => {
                        let mut x = x.clone();
                        for e in y {
                            if !x.contains(e) {
                                x.push(e.clone());
                            }
                        }
                        AttributeValue::BS(x)
                    }
                    // Only reachable from the legacy `AttributeUpdates` ADD, which appends lists.
                    (Some(AttributeValue::L(x)), AttributeValue::L(y)) => {
                        let mut x = x.clone();
                        x.extend(y.iter().cloned());
                        AttributeValue::L(x)
                    }
                    _ => return Err(type_mismatch()),
                };
                put_path(item, p, new).ok_or_else(invalid_path)?;
            }
            UpdateAction::Delete(p, v) => {
                let existing = resolve_path_checked(item, p).ok_or_else(invalid_path)?;
                let new = match (existing, v) {
                    (None, _) => continue,
                    (Some(AttributeValue::SS(x)), AttributeValue::SS(y)) => {
                        let r: Vec<String> = x.iter().filter(|e| !y.contains(e)).cloned().collect();
                        if r.is_empty() {
                            None
                        } else {
                            Some(AttributeValue::SS(r))
                        }
                    }
                    (Some(AttributeValue::NS(x)), AttributeValue::NS(y)) => {
                        let r: Vec<Number> = x.iter().filter(|e| !y.contains(e)).cloned().collect();
                        if r.is_empty() {
                            None
                        } else {
                            Some(AttributeValue::NS(r))
                        }
                    }
                    (Some(AttributeValue::BS(x)), AttributeValue::BS(y)) => {
                        let r: Vec<String> = x.iter().filter(|e| !y.contains(e)).cloned().collect();
                        if r.is_empty() {
                            None
                        } else {
                            Some(AttributeValue::BS(r))
                        }
                    }
                    _ => return Err(type_mismatch()),
                };
                match new {
                    Some(v) => put_path(item, p, v).ok_or_else(invalid_path)?,
                    None => remove_path(item, p).ok_or_else(invalid_path)?,
                }
            }
        }
    }
    Ok(())
}

/// The current value at `path`: `None` when the parent does not exist or has the wrong type
/// (an invalid path for update), `Some(None)` when only the last element is missing.
pub(crate) fn resolve_path_checked<'i>(
    item: &'i Item,
    path: &Path,
) -> Option<Option<&'i AttributeValue>> {
    let (last, parent) = path.split_last()?;
    if parent.is_empty() {
        return match last {
            PathElem::Name(n) => Some(item.get(n)),
            PathElem::Index(_) => None,
        };
    }
    let parent_v = resolve_path(item, &parent.to_vec())?;
    match (last, parent_v) {
        (PathElem::Name(n), AttributeValue::M(m)) => Some(m.get(n)),
        (PathElem::Index(i), AttributeValue::L(l)) => Some(l.get(*i)),
        _ => None,
    }
}

pub(crate) fn parent_mut<'i>(
    item: &'i mut Item,
    parent: &[PathElem],
) -> Option<&'i mut AttributeValue> {
    let mut iter = parent.iter();
    let mut cur = match iter.next()? {
        PathElem::Name(n) => item.get_mut(n)?,
        PathElem::Index(_) => return None,
    };
    for e in iter {
        cur = match (e, cur) {
            (PathElem::Name(n), AttributeValue::M(m)) => m.get_mut(n)?,
            (PathElem::Index(i), AttributeValue::L(l)) => l.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

pub(crate) fn put_path(item: &mut Item, path: &Path, v: AttributeValue) -> Option<()> {
    let (last, parent) = path.split_last()?;
    if parent.is_empty() {
        return match last {
            PathElem::Name(n) => {
                item.insert(n.clone(), v);
                Some(())
            }
            PathElem::Index(_) => None,
        };
    }
    match (last, parent_mut(item, parent)?) {
        (PathElem::Name(n), AttributeValue::M(m)) => {
            m.insert(n.clone(), v);
            Some(())
        }
        (PathElem::Index(i), AttributeValue::L(l)) => {
            // Setting past the end appends, as documented for SET on list elements.
            if *i < l.len() {
                l[*i] = v;
            } else {
                l.push(v);
            }
            Some(())
        }
        _ => None,
    }
}

pub(crate) fn remove_path(item: &mut Item, path: &Path) -> Option<()> {
    let (last, parent) = path.split_last()?;
    if parent.is_empty() {
        return match last {
            PathElem::Name(n) => {
                item.shift_remove(n);
                Some(())
            }
            PathElem::Index(_) => None,
        };
    }
    match (last, parent_mut(item, parent)?) {
        (PathElem::Name(n), AttributeValue::M(m)) => {
            m.shift_remove(n);
            Some(())
        }
        (PathElem::Index(i), AttributeValue::L(l)) => {
            if *i < l.len() {
                l.remove(*i);
            }
            Some(())
        }
        _ => None,
    }
}

/// DynamoDB's ValidationException messages for an update that cannot be applied to the item.
fn missing_attribute() -> ExprError {
    ExprError::new(
        ExprErrorKind::MissingAttribute,
        "The provided expression refers to an attribute that does not exist in the item",
    )
}

fn type_mismatch() -> ExprError {
    ExprError::new(
        ExprErrorKind::TypeMismatch,
        "An operand in the update expression has an incorrect data type",
    )
}

fn invalid_path() -> ExprError {
    ExprError::new(
        ExprErrorKind::InvalidPath,
        "The document path provided in the update expression is invalid for update",
    )
}
