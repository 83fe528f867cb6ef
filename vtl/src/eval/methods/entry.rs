//! `java.util.Map.Entry`'s methods.

use super::{Method, m};
use crate::eval::{R, Renderer};
use crate::value::Value;

pub(super) const METHODS: &[Method] = &[m("getKey", 0, get_key), m("getValue", 0, get_value)];

fn get_key(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(match cur {
        Value::Entry(e) => e.0.to_value(),
        _ => Value::Null,
    })
}

fn get_value(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(match cur {
        Value::Entry(e) => e.1.clone(),
        _ => Value::Null,
    })
}
