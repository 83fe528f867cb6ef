//! `java.lang.Number`'s methods (shared by `Integer`, `Long`, `BigInteger` and `Double`) and
//! `java.lang.Boolean`'s.

use super::{Method, m};
use crate::eval::{R, Renderer, as_f64, as_i128, compare_numbers};
use crate::value::Value;

pub(super) const NUMBER: &[Method] = &[
    m("intValue", 0, int_value),
    m("longValue", 0, long_value),
    m("doubleValue", 0, double_value),
    // `Comparable<T>` of each number class: only a number of the same class compares.
    m("compareTo", 1, compare_to),
];

pub(super) const BOOLEAN: &[Method] = &[m("booleanValue", 0, boolean_value)];

fn int_value(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(match cur {
        Value::Double(d) => Value::Int(*d as i32),
        v => Value::Int(as_i128(v).unwrap_or(0) as i32),
    })
}

fn long_value(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(match cur {
        Value::Double(d) => Value::Long(*d as i64),
        v => Value::Long(as_i128(v).unwrap_or(0) as i64),
    })
}

fn double_value(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(Value::Double(as_f64(cur).unwrap_or(0.0)))
}

fn compare_to(_: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    Ok(match args.first() {
        Some(a) if a.class() == cur.class() => match compare_numbers(cur, a) {
            Some(o) => Value::Int(o as i32),
            None => Value::Null,
        },
        _ => Value::Null,
    })
}

fn boolean_value(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(match cur {
        Value::Bool(b) => Value::Bool(*b),
        _ => Value::Null,
    })
}
