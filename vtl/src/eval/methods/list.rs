//! `java.util.List`'s methods (`ArrayList` for literals and ranges, also JSON arrays and the
//! array `String.split` returns).

use std::cell::RefCell;
use std::rc::Rc;

use super::{Method, arg, arg_int, m};
use crate::eval::{R, Renderer, java_equals};
use crate::value::{JList, Value};

pub(super) const METHODS: &[Method] = &[
    m("size", 0, size),
    m("isEmpty", 0, is_empty),
    m("get", 1, get),
    m("contains", 1, contains),
    m("indexOf", 1, index_of),
    m("lastIndexOf", 1, last_index_of),
    m("add", 1, add),
    m("add", 2, add_at),
    m("set", 2, set),
    m("remove", 1, remove),
    m("clear", 0, clear),
];

fn list(cur: &Value) -> Option<Rc<RefCell<JList>>> {
    match cur {
        Value::List(l) => Some(l.clone()),
        _ => None,
    }
}

fn out_of_bounds(r: &Renderer, i: i64, len: usize) -> crate::eval::Flow {
    r.method_error(format!(
        "IndexOutOfBoundsException: Index {i} out of bounds for length {len}"
    ))
}

fn size(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(list(cur).map_or(Value::Null, |l| Value::Int(l.borrow().items.len() as i32)))
}

fn is_empty(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(list(cur).map_or(Value::Null, |l| Value::Bool(l.borrow().items.is_empty())))
}

fn get(r: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    let (Some(l), Some(i)) = (list(cur), arg_int(args, 0)) else {
        return Ok(Value::Null);
    };
    let l = l.borrow();
    if i < 0 || i as usize >= l.items.len() {
        return Err(out_of_bounds(r, i, l.items.len()));
    }
    Ok(l.items[i as usize].clone())
}

fn contains(_: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    let Some(l) = list(cur) else {
        return Ok(Value::Null);
    };
    let x = arg(args, 0);
    Ok(Value::Bool(
        l.borrow().items.iter().any(|v| java_equals(v, &x, 0)),
    ))
}

fn index_of(_: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    let Some(l) = list(cur) else {
        return Ok(Value::Null);
    };
    let x = arg(args, 0);
    let pos = l.borrow().items.iter().position(|v| java_equals(v, &x, 0));
    Ok(Value::Int(pos.map(|p| p as i32).unwrap_or(-1)))
}

fn last_index_of(_: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    let Some(l) = list(cur) else {
        return Ok(Value::Null);
    };
    let x = arg(args, 0);
    let pos = l.borrow().items.iter().rposition(|v| java_equals(v, &x, 0));
    Ok(Value::Int(pos.map(|p| p as i32).unwrap_or(-1)))
}

fn add(r: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    r.note_insert(cur, &arg(args, 0));
    let Some(l) = list(cur) else {
        return Ok(Value::Null);
    };
    let mut l = l.borrow_mut();
    if l.items.len() >= r.limits.max_collection_size {
        return Err(r.too_big(0));
    }
    l.items.push(arg(args, 0));
    Ok(Value::Bool(true))
}

fn add_at(r: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    r.note_insert(cur, &arg(args, 1));
    let (Some(l), Some(i)) = (list(cur), arg_int(args, 0)) else {
        return Ok(Value::Null);
    };
    let mut l = l.borrow_mut();
    if i < 0 || i as usize > l.items.len() {
        return Err(r.method_error(format!(
            "IndexOutOfBoundsException: Index: {i}, Size: {}",
            l.items.len()
        )));
    }
    if l.items.len() >= r.limits.max_collection_size {
        return Err(r.too_big(0));
    }
    l.items.insert(i as usize, arg(args, 1));
    // void: renders as nothing.
    Ok(Value::Null)
}

fn set(r: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    r.note_insert(cur, &arg(args, 1));
    let (Some(l), Some(i)) = (list(cur), arg_int(args, 0)) else {
        return Ok(Value::Null);
    };
    let mut l = l.borrow_mut();
    if i < 0 || i as usize >= l.items.len() {
        return Err(out_of_bounds(r, i, l.items.len()));
    }
    Ok(std::mem::replace(&mut l.items[i as usize], arg(args, 1)))
}

/// `remove(int)` for an `Integer` argument, else `remove(Object)`.
fn remove(r: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    let Some(l) = list(cur) else {
        return Ok(Value::Null);
    };
    let mut l = l.borrow_mut();
    match arg_int(args, 0) {
        Some(i) => {
            if i < 0 || i as usize >= l.items.len() {
                return Err(out_of_bounds(r, i, l.items.len()));
            }
            Ok(l.items.remove(i as usize))
        }
        None => {
            let x = arg(args, 0);
            match l.items.iter().position(|v| java_equals(v, &x, 0)) {
                Some(p) => {
                    l.items.remove(p);
                    Ok(Value::Bool(true))
                }
                None => Ok(Value::Bool(false)),
            }
        }
    }
}

fn clear(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    if let Some(l) = list(cur) {
        l.borrow_mut().items.clear();
    }
    Ok(Value::Null)
}
