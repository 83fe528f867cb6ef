//! Velocity 1.7's `ForeachScope` (`$foreach`): its getters, also under the property names
//! Velocity's introspection maps to them (`$foreach.hasNext` is `hasNext()`, `getHasNext()` or
//! `isHasNext()`).

use std::rc::Rc;

use super::{Method, m};
use crate::eval::{R, Renderer};
use crate::value::{ForeachScope, Value};

pub(super) const METHODS: &[Method] = &[
    m("hasNext", 0, has_next),
    m("getHasNext", 0, has_next),
    m("isHasNext", 0, has_next),
    m("getIndex", 0, index),
    m("getCount", 0, count),
    m("isFirst", 0, first),
    m("getFirst", 0, first),
    m("isLast", 0, last),
    m("getLast", 0, last),
    m("getParent", 0, parent),
];

fn scope(cur: &Value) -> Option<&Rc<ForeachScope>> {
    match cur {
        Value::Foreach(f) => Some(f),
        _ => None,
    }
}

fn has_next(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(scope(cur).map_or(Value::Null, |f| Value::Bool(f.has_next.get())))
}

fn index(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(scope(cur).map_or(Value::Null, |f| Value::Int(f.index.get() as i32)))
}

fn count(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(scope(cur).map_or(Value::Null, |f| Value::Int(f.index.get() as i32 + 1)))
}

fn first(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(scope(cur).map_or(Value::Null, |f| Value::Bool(f.index.get() == 0)))
}

fn last(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(scope(cur).map_or(Value::Null, |f| Value::Bool(!f.has_next.get())))
}

fn parent(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(scope(cur)
        .and_then(|f| f.parent.clone())
        .map(Value::Foreach)
        .unwrap_or(Value::Null))
}
