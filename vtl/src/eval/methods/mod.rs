//! Java's methods of the values a template sees, as a registry: one table per receiver class of
//! (name, arity, function), looked up for the receiver's class and then its Java supertypes
//! (as Velocity's introspection finds an inherited method), ending with `java.lang.Object`.
//!
//! A call nothing matches renders null (Velocity 1.7 logs "method not found" and the reference
//! stays unresolved; API Gateway renders it empty) — except that a `#define` block is first
//! rendered to a `String` and the call retried on that, as Velocity 1.7 does for a block
//! reference.
//!
//! Static analysis asks [`exists`] whether a class has a method, and [`methods`] for the ones a
//! class declares.

mod entry;
mod foreach;
mod input;
mod list;
mod map;
mod number;
mod object;
mod string;

use super::{R, Renderer};
use crate::value::Value;

/// The classes of the values a template sees, by the Java type Velocity introspects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// `java.lang.Object`: the methods every value has.
    Object,
    /// `java.lang.String`.
    String,
    /// `java.lang.Boolean`.
    Boolean,
    /// `java.lang.Number`: what `Integer`, `Long`, `BigInteger` and `Double` share.
    Number,
    /// `java.lang.Integer`.
    Integer,
    /// `java.lang.Long`.
    Long,
    /// `java.math.BigInteger`.
    BigInteger,
    /// `java.lang.Double`.
    Double,
    /// `java.util.List` (list literals, ranges, JSON arrays, `String.split`'s array).
    List,
    /// `java.util.Map` (map literals, JSON objects).
    Map,
    /// `java.util.Map.Entry` (the elements of `entrySet()`).
    Entry,
    /// Velocity 1.7's `ForeachScope` (`$foreach`).
    ForeachScope,
    /// API Gateway's `$input`.
    Input,
    /// API Gateway's `$util`.
    Util,
}

impl Class {
    /// Every class, in declaration order.
    pub const ALL: [Class; 14] = [
        Class::Object,
        Class::String,
        Class::Boolean,
        Class::Number,
        Class::Integer,
        Class::Long,
        Class::BigInteger,
        Class::Double,
        Class::List,
        Class::Map,
        Class::Entry,
        Class::ForeachScope,
        Class::Input,
        Class::Util,
    ];

    /// The simple Java name (`Util` and `Input` are API Gateway's objects).
    pub fn name(self) -> &'static str {
        match self {
            Class::Object => "Object",
            Class::String => "String",
            Class::Boolean => "Boolean",
            Class::Number => "Number",
            Class::Integer => "Integer",
            Class::Long => "Long",
            Class::BigInteger => "BigInteger",
            Class::Double => "Double",
            Class::List => "List",
            Class::Map => "Map",
            Class::Entry => "Entry",
            Class::ForeachScope => "ForeachScope",
            Class::Input => "Input",
            Class::Util => "Util",
        }
    }

    /// The supertypes whose methods the class inherits, nearest first (ending with `Object`,
    /// except for `Object` itself).
    pub fn supers(self) -> &'static [Class] {
        match self {
            Class::Object => &[],
            Class::Integer | Class::Long | Class::BigInteger | Class::Double => {
                &[Class::Number, Class::Object]
            }
            _ => &[Class::Object],
        }
    }

    /// The class of a value; `None` for null and for a `#define` block, which have only
    /// `Object`'s methods (a block's others are its rendered `String`'s).
    pub(crate) fn of(v: &Value) -> Option<Class> {
        Some(match v {
            Value::Null | Value::Block(_) => return None,
            Value::Bool(_) => Class::Boolean,
            Value::Int(_) => Class::Integer,
            Value::Long(_) => Class::Long,
            Value::BigInt(_) => Class::BigInteger,
            Value::Double(_) => Class::Double,
            Value::Str(_) => Class::String,
            Value::List(_) => Class::List,
            Value::Map(_) => Class::Map,
            // A tape container has its object's methods (the renderer builds it before calling).
            Value::Json(j) if j.is_object() => Class::Map,
            Value::Json(_) => Class::List,
            Value::Entry(_) => Class::Entry,
            Value::Foreach(_) => Class::ForeachScope,
            Value::Input => Class::Input,
            Value::Util => Class::Util,
        })
    }

    /// The methods this class declares itself (not those it inherits).
    fn table(self) -> &'static [Method] {
        match self {
            Class::Object => object::METHODS,
            Class::String => string::METHODS,
            Class::Boolean => number::BOOLEAN,
            Class::Number => number::NUMBER,
            Class::Integer | Class::Long | Class::BigInteger | Class::Double => &[],
            Class::List => list::METHODS,
            Class::Map => map::METHODS,
            Class::Entry => entry::METHODS,
            Class::ForeachScope => foreach::METHODS,
            Class::Input => input::INPUT,
            Class::Util => input::UTIL,
        }
    }

    /// The class, then its supertypes.
    fn chain(self) -> impl Iterator<Item = Class> {
        std::iter::once(self).chain(self.supers().iter().copied())
    }
}

/// A method's implementation: the renderer, the receiver (of the class the method is
/// registered on) and the evaluated arguments (as many as its arity).
pub(crate) type MethodFn =
    for<'r, 't, 'b> fn(&'r mut Renderer<'t, 'b>, &Value, &[Value]) -> R<Value>;

/// One registry entry.
pub(crate) struct Method {
    name: &'static str,
    arity: usize,
    call: MethodFn,
}

/// A registry entry: `m("name", arity, function)`.
const fn m(name: &'static str, arity: usize, call: MethodFn) -> Method {
    Method { name, arity, call }
}

fn find(class: Class, name: &str, arity: usize) -> Option<&'static Method> {
    class
        .chain()
        .flat_map(|c| c.table())
        .find(|m| m.arity == arity && m.name == name)
}

/// Whether `class` has (declares or inherits) the method `name` taking `arity` arguments.
pub fn exists(class: Class, name: &str, arity: usize) -> bool {
    find(class, name, arity).is_some()
}

/// The methods `class` declares itself, as (name, arity), in the registry's order.
pub fn methods(class: Class) -> impl Iterator<Item = (&'static str, usize)> {
    class.table().iter().map(|m| (m.name, m.arity))
}

/// The implementation of `name/arity` on the receiver `cur`, if its class has one.
pub(crate) fn lookup(cur: &Value, name: &str, arity: usize) -> Option<MethodFn> {
    match Class::of(cur) {
        Some(c) => find(c, name, arity),
        None => Class::Object
            .table()
            .iter()
            .find(|m| m.arity == arity && m.name == name),
    }
    .map(|m| m.call)
}

/// Argument `i` when it is a `String`.
fn arg_str(args: &[Value], i: usize) -> Option<std::rc::Rc<str>> {
    match args.get(i) {
        Some(Value::Str(s)) => Some(s.clone()),
        _ => None,
    }
}

/// Argument `i` when it is an `Integer`.
fn arg_int(args: &[Value], i: usize) -> Option<i64> {
    match args.get(i) {
        Some(Value::Int(v)) => Some(i64::from(*v)),
        _ => None,
    }
}

/// Argument `i`, null when absent.
fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_class_declares_a_method_twice() {
        for c in Class::ALL {
            let ms: Vec<_> = methods(c).collect();
            for (i, a) in ms.iter().enumerate() {
                assert!(
                    !ms[i + 1..].contains(a),
                    "{}.{}/{} twice",
                    c.name(),
                    a.0,
                    a.1
                );
            }
        }
    }

    #[test]
    fn inherited_methods_are_found() {
        assert!(exists(Class::Integer, "intValue", 0));
        assert!(exists(Class::Integer, "toString", 0));
        assert!(exists(Class::Map, "equals", 1));
        assert!(exists(Class::String, "substring", 2));
        assert!(!exists(Class::String, "substring", 3));
        assert!(!exists(Class::Object, "length", 0));
        assert!(exists(Class::Util, "escapeJavaScript", 1));
        assert!(exists(Class::Input, "path", 1));
    }

    #[test]
    fn no_class_overrides_object() {
        // The dispatcher used to try `toString`/`equals` before the receiver's own methods; with
        // the class first, an override would change what renders.
        for c in Class::ALL {
            if c == Class::Object {
                continue;
            }
            for (n, a) in methods(c) {
                assert!(
                    !methods(Class::Object).any(|o| o == (n, a)),
                    "{}.{n}/{a}",
                    c.name()
                );
            }
        }
    }
}
