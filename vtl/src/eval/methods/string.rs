//! `java.lang.String`'s methods. Indexes and lengths count UTF-16 code units, as Java's do.

use std::rc::Rc;

use super::{Method, arg_int, arg_str, m};
use crate::eval::{R, Renderer};
use crate::value::{ListKind, Value};

pub(super) const METHODS: &[Method] = &[
    m("hashCode", 0, hash_code),
    m("length", 0, length),
    m("isEmpty", 0, is_empty),
    m("trim", 0, trim),
    m("toLowerCase", 0, to_lower_case),
    m("toUpperCase", 0, to_upper_case),
    m("contains", 1, contains),
    m("startsWith", 1, starts_with),
    m("startsWith", 2, starts_with_at),
    m("endsWith", 1, ends_with),
    m("equalsIgnoreCase", 1, equals_ignore_case),
    m("concat", 1, concat),
    m("indexOf", 1, index_of),
    m("indexOf", 2, index_of),
    m("lastIndexOf", 1, last_index_of),
    m("lastIndexOf", 2, last_index_of),
    m("charAt", 1, char_at),
    m("substring", 1, substring),
    m("substring", 2, substring),
    m("replace", 2, replace),
    m("replaceAll", 2, replace_all),
    m("replaceFirst", 2, replace_first),
    m("matches", 1, matches),
    m("split", 1, split),
    m("compareTo", 1, compare_to),
];

fn utf16(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

fn from_utf16(u: &[u16]) -> Value {
    Value::string(String::from_utf16_lossy(u))
}

fn find_sub(hay: &[u16], needle: &[u16], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return Some(from.min(hay.len()));
    }
    if from >= hay.len() {
        return None;
    }
    (from..=hay.len().saturating_sub(needle.len())).find(|&i| hay[i..].starts_with(needle))
}

fn rfind_sub(hay: &[u16], needle: &[u16], from: usize) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    let start = from.min(hay.len() - needle.len());
    (0..=start).rev().find(|&i| hay[i..].starts_with(needle))
}

/// The receiver; every method here is registered on `String` only.
fn this(cur: &Value) -> Rc<str> {
    match cur {
        Value::Str(s) => s.clone(),
        _ => Rc::from(""),
    }
}

/// `f(receiver, argument 0)` when argument 0 is a `String`, else null.
fn with_str(cur: &Value, args: &[Value], f: impl FnOnce(&str, &str) -> Value) -> R<Value> {
    Ok(match arg_str(args, 0) {
        Some(x) => f(&this(cur), &x),
        None => Value::Null,
    })
}

fn hash_code(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    let mut h: i32 = 0;
    for u in this(cur).encode_utf16() {
        h = h.wrapping_mul(31).wrapping_add(i32::from(u));
    }
    Ok(Value::Int(h))
}

fn length(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(Value::Int(this(cur).encode_utf16().count() as i32))
}

fn is_empty(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(Value::Bool(this(cur).is_empty()))
}

fn trim(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(Value::str(
        this(cur).trim_matches(|c: char| (c as u32) <= 0x20),
    ))
}

fn to_lower_case(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(Value::string(this(cur).to_lowercase()))
}

fn to_upper_case(_: &mut Renderer, cur: &Value, _: &[Value]) -> R<Value> {
    Ok(Value::string(this(cur).to_uppercase()))
}

fn contains(_: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    with_str(cur, args, |s, x| Value::Bool(s.contains(x)))
}

fn starts_with(_: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    with_str(cur, args, |s, x| Value::Bool(s.starts_with(x)))
}

fn starts_with_at(_: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    Ok(match (arg_str(args, 0), arg_int(args, 1)) {
        (Some(x), Some(off)) => {
            let h = utf16(&this(cur));
            let n = utf16(&x);
            Value::Bool(off >= 0 && (off as usize) <= h.len() && h[off as usize..].starts_with(&n))
        }
        _ => Value::Null,
    })
}

fn ends_with(_: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    with_str(cur, args, |s, x| Value::Bool(s.ends_with(x)))
}

fn equals_ignore_case(_: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    let s = this(cur);
    Ok(match arg_str(args, 0) {
        Some(x) => Value::Bool(
            s.chars().count() == x.chars().count()
                && s.chars().zip(x.chars()).all(|(a, b)| {
                    a == b
                        || a.to_uppercase().eq(b.to_uppercase())
                        || a.to_lowercase().eq(b.to_lowercase())
                }),
        ),
        None => Value::Bool(false),
    })
}

fn concat(r: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    let s = this(cur);
    match arg_str(args, 0) {
        Some(x) => {
            if s.len() + x.len() > r.limits.max_output_bytes {
                return Err(r.too_big(0));
            }
            Ok(Value::string(format!("{s}{x}")))
        }
        None if args.first().is_some_and(Value::is_null) => {
            Err(r.method_error("NullPointerException"))
        }
        None => Ok(Value::Null),
    }
}

/// `indexOf`/`lastIndexOf` of a `String` or of a character given as an `Integer`, from an
/// optional start.
fn search(cur: &Value, args: &[Value], forward: bool) -> R<Value> {
    let h = utf16(&this(cur));
    let needle = match (args.first(), arg_str(args, 0)) {
        (_, Some(x)) => utf16(&x),
        (Some(Value::Int(c)), None) => match char::from_u32(*c as u32) {
            Some(c) => utf16(&c.to_string()),
            None => return Ok(Value::Int(-1)),
        },
        _ => return Ok(Value::Null),
    };
    let from = if args.len() == 2 {
        match arg_int(args, 1) {
            Some(f) => Some(f),
            None => return Ok(Value::Null),
        }
    } else {
        None
    };
    let r = if forward {
        let f = from.unwrap_or(0).max(0) as usize;
        find_sub(&h, &needle, f)
    } else {
        match from {
            Some(f) if f < 0 => None,
            Some(f) => rfind_sub(&h, &needle, f as usize),
            None => rfind_sub(&h, &needle, h.len()),
        }
    };
    Ok(Value::Int(r.map(|i| i as i32).unwrap_or(-1)))
}

fn index_of(_: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    search(cur, args, true)
}

fn last_index_of(_: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    search(cur, args, false)
}

fn char_at(r: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    let Some(i) = arg_int(args, 0) else {
        return Ok(Value::Null);
    };
    let h = utf16(&this(cur));
    if i < 0 || i as usize >= h.len() {
        return Err(r.method_error(format!(
            "StringIndexOutOfBoundsException: index {i}, length {}",
            h.len()
        )));
    }
    Ok(from_utf16(&h[i as usize..i as usize + 1]))
}

fn substring(r: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    let h = utf16(&this(cur));
    let Some(b) = arg_int(args, 0) else {
        return Ok(Value::Null);
    };
    let e = if args.len() == 2 {
        match arg_int(args, 1) {
            Some(e) => e,
            None => return Ok(Value::Null),
        }
    } else {
        h.len() as i64
    };
    if b < 0 || e > h.len() as i64 || b > e {
        return Err(r.method_error(format!(
            "StringIndexOutOfBoundsException: begin {b}, end {e}, length {}",
            h.len()
        )));
    }
    Ok(from_utf16(&h[b as usize..e as usize]))
}

fn replace(r: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    let limit = r.limits.max_output_bytes;
    let s = this(cur);
    let (Some(a), Some(b)) = (arg_str(args, 0), arg_str(args, 1)) else {
        return Ok(Value::Null);
    };
    if a.is_empty() {
        // Java inserts the replacement between every character.
        let mut o = String::new();
        o.push_str(&b);
        for c in s.chars() {
            o.push(c);
            o.push_str(&b);
            if o.len() > limit {
                return Err(r.too_big(0));
            }
        }
        Ok(Value::string(o))
    } else {
        let est = s.len() / a.len().max(1) * b.len();
        if est > limit {
            return Err(r.too_big(0));
        }
        Ok(Value::string(s.replace(&*a, &b)))
    }
}

fn regex_replace(r: &mut Renderer, cur: &Value, args: &[Value], all: bool) -> R<Value> {
    let (Some(p), Some(with)) = (arg_str(args, 0), arg_str(args, 1)) else {
        return Ok(Value::Null);
    };
    let s = this(cur);
    let limit = r.limits.max_output_bytes;
    let out = match crate::javaregex::replace_plain(&s, &p, &with, all, limit) {
        Some(done) => done,
        None => r.regex(&p)?.replace(&s, &with, all, limit),
    }
    .map_err(|e| r.method_error(e))?;
    Ok(Value::string(out))
}

fn replace_all(r: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    regex_replace(r, cur, args, true)
}

fn replace_first(r: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    regex_replace(r, cur, args, false)
}

fn matches(r: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    let Some(p) = arg_str(args, 0) else {
        return Ok(Value::Null);
    };
    let re = r.regex(&p)?;
    Ok(Value::Bool(
        re.matches(&this(cur)).map_err(|e| r.method_error(e))?,
    ))
}

fn split(r: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    let Some(p) = arg_str(args, 0) else {
        return Ok(Value::Null);
    };
    let re = r.regex(&p)?;
    let parts = re.split(&this(cur)).map_err(|e| r.method_error(e))?;
    Ok(Value::new_list(
        parts.into_iter().map(Value::string).collect(),
        ListKind::Array,
    ))
}

fn compare_to(_: &mut Renderer, cur: &Value, args: &[Value]) -> R<Value> {
    with_str(cur, args, |s, x| {
        let a = utf16(s);
        let b = utf16(x);
        let r = a
            .iter()
            .zip(b.iter())
            .find(|(x, y)| x != y)
            .map(|(x, y)| i32::from(*x) - i32::from(*y))
            .unwrap_or(a.len() as i32 - b.len() as i32);
        Value::Int(r)
    })
}
