//! `java.util.Map`'s methods (a `LinkedHashMap`: insertion order).

use std::cell::RefCell;
use std::rc::Rc;

use super::{Method, arg, m};
use crate::eval::{R, Renderer, java_equals};
use crate::value::{JMap, Key, ListKind, Value};

pub(super) const METHODS: &[Method] = &[
    m("get", 1, get),
    m("put", 2, put),
    m("containsKey", 1, contains_key),
    m("containsValue", 1, contains_value),
    m("keySet", 0, key_set),
    m("values", 0, values),
    m("entrySet", 0, entry_set),
    m("size", 0, size),
    m("isEmpty", 0, is_empty),
    m("remove", 1, remove),
    m("clear", 0, clear),
    m("putAll", 1, put_all),
];

fn map(cur: &Value) -> Option<Rc<RefCell<JMap>>> {
    match cur {
        Value::Map(m) => Some(m.clone()),
        _ => None,
    }
}

fn key(args: &[Value]) -> Key {
    Key::from_value(args.first().unwrap_or(&Value::Null))
}

fn get(_: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    Ok(map(cur)
        .and_then(|m| m.borrow().entries.get(&key(args)).cloned())
        .unwrap_or(Value::Null))
}

fn put(r: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    r.note_insert(cur, &arg(args, 1));
    let Some(m) = map(cur) else {
        return Ok(Value::Null);
    };
    let mut mm = m.borrow_mut();
    let k = key(args);
    if !mm.entries.contains_key(&k) && mm.entries.len() >= r.limits.max_collection_size {
        return Err(r.too_big(0));
    }
    Ok(mm.entries.insert(k, arg(args, 1)).unwrap_or(Value::Null))
}

fn contains_key(_: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    Ok(map(cur).map_or(Value::Null, |m| {
        Value::Bool(m.borrow().entries.contains_key(&key(args)))
    }))
}

fn contains_value(_: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    let x = arg(args, 0);
    Ok(map(cur).map_or(Value::Null, |m| {
        Value::Bool(m.borrow().entries.values().any(|v| java_equals(v, &x, 0)))
    }))
}

fn key_set(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(map(cur).map_or(Value::Null, |m| {
        Value::new_list(
            m.borrow().entries.keys().map(Key::to_value).collect(),
            ListKind::ArrayList,
        )
    }))
}

fn values(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(map(cur).map_or(Value::Null, |m| {
        Value::new_list(
            m.borrow().entries.values().cloned().collect(),
            ListKind::ArrayList,
        )
    }))
}

fn entry_set(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(map(cur).map_or(Value::Null, |m| {
        Value::new_list(
            m.borrow()
                .entries
                .iter()
                .map(|(k, v)| Value::Entry(Rc::new((k.clone(), v.clone()))))
                .collect(),
            ListKind::ArrayList,
        )
    }))
}

fn size(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(map(cur).map_or(Value::Null, |m| Value::Int(m.borrow().entries.len() as i32)))
}

fn is_empty(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(map(cur).map_or(Value::Null, |m| Value::Bool(m.borrow().entries.is_empty())))
}

fn remove(_: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    Ok(map(cur)
        .and_then(|m| m.borrow_mut().entries.shift_remove(&key(args)))
        .unwrap_or(Value::Null))
}

fn clear(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    if let Some(m) = map(cur) {
        m.borrow_mut().entries.clear();
    }
    Ok(Value::Null)
}

fn put_all(r: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    if let (Some(m), Some(Value::Map(other))) = (map(cur), args.first()) {
        if other.borrow().entries.values().any(|v| {
            matches!(
                v,
                Value::Map(_) | Value::List(_) | Value::Entry(_) | Value::Json(_)
            )
        }) {
            r.note_insert(cur, &Value::Map(other.clone()));
        }
        let add: Vec<(Key, Value)> = other
            .borrow()
            .entries
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut mm = m.borrow_mut();
        for (k, v) in add {
            mm.entries.insert(k, v);
        }
    }
    Ok(Value::Null)
}
