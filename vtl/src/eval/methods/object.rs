//! `java.lang.Object`'s methods, which every value has.

use super::{Method, arg, m};
use crate::eval::{R, Renderer, java_equals};
use crate::value::Value;

pub(super) const METHODS: &[Method] = &[m("toString", 0, to_string), m("equals", 1, equals)];

fn to_string(r: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(Value::string(r.stringify(cur)?))
}

fn equals(_: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    Ok(Value::Bool(java_equals(cur, &arg(args, 0), 0)))
}
