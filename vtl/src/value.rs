//! Runtime values with Java semantics: what a Velocity 1.7 context holds on API Gateway.
//!
//! Lists and maps are shared, mutable references exactly like Java objects: `#set($b = $a)` then
//! `$b.add(1)` changes `$a` too, and `$context.requestOverride.header.put(..)` must be visible after
//! rendering (docs/evidence/apigateway-semantics.md §8.3).

use std::cell::{Cell, RefCell};
use std::fmt::Write as _;
use std::rc::Rc;

use indexmap::IndexMap;

/// A value as a Java object reference.
#[derive(Clone, Debug)]
pub enum Value {
    /// Java `null` (also: undefined reference).
    Null,
    Bool(bool),
    /// `java.lang.Integer`.
    Int(i32),
    /// `java.lang.Long`.
    Long(i64),
    /// `java.math.BigInteger`, bounded to 128 bits here (overflow beyond is a render error).
    BigInt(i128),
    /// `java.lang.Double`.
    Double(f64),
    Str(Rc<str>),
    List(Rc<RefCell<JList>>),
    Map(Rc<RefCell<JMap>>),
    /// `Map.Entry` from `entrySet()`.
    Entry(Rc<(Key, Value)>),
    /// `$foreach` (Velocity 1.7 `ForeachScope`).
    Foreach(Rc<ForeachScope>),
    /// `$input`.
    Input,
    /// `$util`.
    Util,
    /// A `#define` block: rendered where it is referenced.
    Block(std::sync::Arc<Vec<crate::ast::Node>>),
    /// A JSON object or array of the request body, still on its tape: a `Map` or JSON `List`
    /// built only when a Java method is called on it (`crate::json`).
    Json(crate::json::JsonRef),
}

/// Which Java class a list is, because AWS renders them differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListKind {
    /// `java.util.ArrayList` (Velocity list literals, ranges, `keySet()`...): renders `[a, b]`.
    ArrayList,
    /// A JSON array from `$input.path`/`$util.parseJson`: renders as compact JSON (AWS-recorded,
    /// docs/evidence/apigateway-semantics.md §8.1: `[{"foo":"bar"}]`).
    Json,
    /// A Java array (`String.split`). Velocity 1.7 prints `[Ljava.lang.String;@hash`, which no test can
    /// match; we print it like an `ArrayList` (listed divergence).
    Array,
}

#[derive(Clone, Debug)]
pub struct JList {
    pub items: Vec<Value>,
    pub kind: ListKind,
}

#[derive(Clone, Debug, Default)]
pub struct JMap {
    pub entries: Entries,
}

/// Insertion-ordered map entries (`LinkedHashMap`). Small maps, the vast majority (DynamoDB's
/// `{"S": "x"}`), are a plain vector searched linearly; a hash index is added past
/// [`Entries::INDEX_FROM`] entries.
#[derive(Clone, Debug, Default)]
pub struct Entries {
    items: Vec<(Key, Value)>,
    index: Option<IndexMap<Key, usize>>,
}

impl Entries {
    const INDEX_FROM: usize = 12;

    pub fn with_capacity(n: usize) -> Entries {
        Entries {
            items: Vec::with_capacity(n),
            index: None,
        }
    }

    fn position<Q>(&self, q: &Q) -> Option<usize>
    where
        Q: std::hash::Hash + indexmap::Equivalent<Key> + ?Sized,
    {
        match &self.index {
            Some(ix) => ix.get(q).copied(),
            None => self.items.iter().position(|(k, _)| q.equivalent(k)),
        }
    }

    pub fn get<Q>(&self, q: &Q) -> Option<&Value>
    where
        Q: std::hash::Hash + indexmap::Equivalent<Key> + ?Sized,
    {
        self.position(q).map(|i| &self.items[i].1)
    }

    pub fn contains_key<Q>(&self, q: &Q) -> bool
    where
        Q: std::hash::Hash + indexmap::Equivalent<Key> + ?Sized,
    {
        self.position(q).is_some()
    }

    /// `put`: replaces in place (keeping the position) and returns the previous value.
    pub fn insert(&mut self, k: Key, v: Value) -> Option<Value> {
        if let Some(i) = self.position(&k) {
            return Some(std::mem::replace(&mut self.items[i].1, v));
        }
        if let Some(ix) = &mut self.index {
            ix.insert(k.clone(), self.items.len());
        }
        self.items.push((k, v));
        if self.index.is_none() && self.items.len() > Self::INDEX_FROM {
            self.reindex();
        }
        None
    }

    fn reindex(&mut self) {
        if self.items.len() > Self::INDEX_FROM {
            self.index = Some(
                self.items
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _))| (k.clone(), i))
                    .collect(),
            );
        } else {
            self.index = None;
        }
    }

    pub fn shift_remove<Q>(&mut self, q: &Q) -> Option<Value>
    where
        Q: std::hash::Hash + indexmap::Equivalent<Key> + ?Sized,
    {
        let i = self.position(q)?;
        let (_, v) = self.items.remove(i);
        if self.index.is_some() {
            self.reindex();
        }
        Some(v)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn clear(&mut self) {
        self.items.clear();
        self.index = None;
    }

    pub fn keys(&self) -> impl Iterator<Item = &Key> {
        self.items.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &Value> {
        self.items.iter().map(|(_, v)| v)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Key, &Value)> {
        self.items.iter().map(|(k, v)| (k, v))
    }

    pub fn into_values(self) -> impl Iterator<Item = Value> {
        let mut me = self;
        std::mem::take(&mut me.items).into_iter().map(|(_, v)| v)
    }
}

impl FromIterator<(Key, Value)> for Entries {
    fn from_iter<I: IntoIterator<Item = (Key, Value)>>(iter: I) -> Entries {
        let mut e = Entries::default();
        for (k, v) in iter {
            e.insert(k, v);
        }
        e
    }
}

impl<'a> IntoIterator for &'a Entries {
    type Item = (&'a Key, &'a Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Key, Value)>,
        fn(&'a (Key, Value)) -> (&'a Key, &'a Value),
    >;
    fn into_iter(self) -> Self::IntoIter {
        fn pair(e: &(Key, Value)) -> (&Key, &Value) {
            (&e.0, &e.1)
        }
        self.items.iter().map(pair)
    }
}

// Deeply nested lists and maps (a template can build a million levels with `add`) must not
// overflow the stack when they are dropped: children are moved out and dropped iteratively.
fn drop_iteratively(mut stack: Vec<Value>) {
    while let Some(v) = stack.pop() {
        match v {
            Value::List(rc) => {
                if let Ok(cell) = Rc::try_unwrap(rc) {
                    let mut l = cell.into_inner();
                    stack.append(&mut l.items);
                }
            }
            Value::Map(rc) => {
                if let Ok(cell) = Rc::try_unwrap(rc) {
                    let mut m = cell.into_inner();
                    stack.extend(std::mem::take(&mut m.entries).into_values());
                }
            }
            Value::Entry(rc) => {
                if let Ok((_, v)) = Rc::try_unwrap(rc) {
                    stack.push(v);
                }
            }
            other => drop(other),
        }
    }
}

impl Drop for JList {
    fn drop(&mut self) {
        if self
            .items
            .iter()
            .any(|v| matches!(v, Value::List(_) | Value::Map(_) | Value::Entry(_)))
        {
            drop_iteratively(std::mem::take(&mut self.items));
        }
    }
}

impl Drop for JMap {
    fn drop(&mut self) {
        if self
            .entries
            .values()
            .any(|v| matches!(v, Value::List(_) | Value::Map(_) | Value::Entry(_)))
        {
            drop_iteratively(std::mem::take(&mut self.entries).into_values().collect());
        }
    }
}

/// A map key with Java `equals`/`hashCode` semantics for the key types templates use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Key {
    Null,
    Bool(bool),
    Int(i32),
    Long(i64),
    BigInt(i128),
    Double(u64),
    Str(Rc<str>),
    /// Any other object, keyed by its `toString()` (approximation for lists/maps used as keys).
    Other(Rc<str>),
}

impl std::hash::Hash for Key {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        match self {
            Key::Null => state.write_u8(0),
            Key::Bool(b) => {
                state.write_u8(1);
                b.hash(state);
            }
            Key::Int(i) => {
                state.write_u8(2);
                i.hash(state);
            }
            Key::Long(i) => {
                state.write_u8(3);
                i.hash(state);
            }
            Key::BigInt(i) => {
                state.write_u8(4);
                i.hash(state);
            }
            Key::Double(d) => {
                state.write_u8(5);
                d.hash(state);
            }
            Key::Str(s) => {
                state.write_u8(6);
                (**s).hash(state);
            }
            Key::Other(s) => {
                state.write_u8(7);
                (**s).hash(state);
            }
        }
    }
}

/// Looks a string key up without allocating a [`Key`] (hashes exactly like `Key::Str`).
pub struct StrKey<'a>(pub &'a str);

impl std::hash::Hash for StrKey<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u8(6);
        self.0.hash(state);
    }
}

impl indexmap::Equivalent<Key> for StrKey<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        matches!(key, Key::Str(s) if &**s == self.0)
    }
}

thread_local! {
    /// Attribute names repeat across a document (`S`, `M`, `Title`...): one allocation each.
    static KEY_NAMES: RefCell<std::collections::HashMap<Box<str>, Rc<str>>> =
        RefCell::new(std::collections::HashMap::new());
}

pub(crate) fn intern(k: &str) -> Rc<str> {
    KEY_NAMES.with(|c| {
        let mut c = c.borrow_mut();
        if let Some(r) = c.get(k) {
            return r.clone();
        }
        let r: Rc<str> = Rc::from(k);
        if c.len() < 4096 {
            c.insert(k.into(), r.clone());
        }
        r
    })
}

/// Parses JSON straight into values (objects -> maps, arrays -> JSON lists), without an
/// intermediate `serde_json::Value`.
pub struct JsonDoc(pub Value);

impl<'de> serde::Deserialize<'de> for JsonDoc {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = JsonDoc;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, b: bool) -> Result<JsonDoc, E> {
                Ok(JsonDoc(Value::Bool(b)))
            }
            fn visit_i64<E>(self, i: i64) -> Result<JsonDoc, E> {
                Ok(JsonDoc(match i32::try_from(i) {
                    Ok(i) => Value::Int(i),
                    Err(_) => Value::Long(i),
                }))
            }
            fn visit_u64<E>(self, u: u64) -> Result<JsonDoc, E> {
                Ok(JsonDoc(match i64::try_from(u) {
                    Ok(i) => match i32::try_from(i) {
                        Ok(i) => Value::Int(i),
                        Err(_) => Value::Long(i),
                    },
                    Err(_) => Value::BigInt(i128::from(u)),
                }))
            }
            fn visit_f64<E>(self, f: f64) -> Result<JsonDoc, E> {
                Ok(JsonDoc(Value::Double(f)))
            }
            fn visit_str<E>(self, s: &str) -> Result<JsonDoc, E> {
                Ok(JsonDoc(Value::str(s)))
            }
            fn visit_unit<E>(self) -> Result<JsonDoc, E> {
                Ok(JsonDoc(Value::Null))
            }
            fn visit_none<E>(self) -> Result<JsonDoc, E> {
                Ok(JsonDoc(Value::Null))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<JsonDoc, A::Error> {
                let mut items = Vec::with_capacity(a.size_hint().unwrap_or(0));
                while let Some(JsonDoc(v)) = a.next_element()? {
                    items.push(v);
                }
                Ok(JsonDoc(Value::new_list(items, ListKind::Json)))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<JsonDoc, A::Error> {
                let mut entries = Entries::with_capacity(a.size_hint().unwrap_or(0));
                while let Some(k) = a.next_key::<std::borrow::Cow<'de, str>>()? {
                    let JsonDoc(v) = a.next_value()?;
                    entries.insert(Key::Str(intern(&k)), v);
                }
                Ok(JsonDoc(Value::new_map(entries)))
            }
        }
        d.deserialize_any(V)
    }
}

impl Key {
    pub fn from_value(v: &Value) -> Key {
        match v {
            Value::Null => Key::Null,
            Value::Bool(b) => Key::Bool(*b),
            Value::Int(i) => Key::Int(*i),
            Value::Long(i) => Key::Long(*i),
            Value::BigInt(i) => Key::BigInt(*i),
            Value::Double(d) => Key::Double(d.to_bits()),
            Value::Str(s) => Key::Str(s.clone()),
            other => Key::Other(other.to_java_string_lossy().into()),
        }
    }

    pub fn str(s: &str) -> Key {
        Key::Str(s.into())
    }

    pub fn to_value(&self) -> Value {
        match self {
            Key::Null => Value::Null,
            Key::Bool(b) => Value::Bool(*b),
            Key::Int(i) => Value::Int(*i),
            Key::Long(i) => Value::Long(*i),
            Key::BigInt(i) => Value::BigInt(*i),
            Key::Double(d) => Value::Double(f64::from_bits(*d)),
            Key::Str(s) | Key::Other(s) => Value::Str(s.clone()),
        }
    }

    pub fn as_string(&self) -> String {
        match self {
            Key::Str(s) | Key::Other(s) => s.to_string(),
            other => other.to_value().to_java_string_lossy(),
        }
    }
}

/// State of one `#foreach` level, exposed as `$foreach` (Velocity 1.7 `ForeachScope`).
#[derive(Debug)]
pub struct ForeachScope {
    pub index: Cell<usize>,
    pub has_next: Cell<bool>,
    pub parent: Option<Rc<ForeachScope>>,
}

/// Raised when rendering a value would exceed the output cap or nest too deeply (cyclic lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooBig;

/// How deep `toString`/`equals` may recurse; Java would throw `StackOverflowError` on cycles.
pub const MAX_VALUE_DEPTH: usize = 200;

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Rc::from(s))
    }

    pub fn string(s: String) -> Value {
        Value::Str(Rc::from(s))
    }

    pub fn new_list(items: Vec<Value>, kind: ListKind) -> Value {
        Value::List(Rc::new(RefCell::new(JList { items, kind })))
    }

    pub fn new_map(entries: Entries) -> Value {
        Value::Map(Rc::new(RefCell::new(JMap { entries })))
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The value as a Java object: a tape container becomes (once) its `Map`/`List`.
    pub fn resolved(self) -> Value {
        match self {
            Value::Json(j) => j.materialize(),
            v => v,
        }
    }

    pub fn is_number(&self) -> bool {
        matches!(
            self,
            Value::Int(_) | Value::Long(_) | Value::BigInt(_) | Value::Double(_)
        )
    }

    /// Java class name, for the `toString`-comparison fallback of `==`.
    pub fn class(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "Boolean",
            Value::Int(_) => "Integer",
            Value::Long(_) => "Long",
            Value::BigInt(_) => "BigInteger",
            Value::Double(_) => "Double",
            Value::Str(_) => "String",
            Value::List(_) => "List",
            Value::Map(_) => "Map",
            Value::Entry(_) => "Entry",
            Value::Foreach(_) => "ForeachScope",
            Value::Input => "Input",
            Value::Util => "Util",
            Value::Block(_) => "Block",
            Value::Json(j) if j.is_object() => "Map",
            Value::Json(_) => "List",
        }
    }

    /// Integer value when this is a Java integral number.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(i64::from(*i)),
            Value::Long(i) => Some(*i),
            Value::BigInt(i) => i64::try_from(*i).ok(),
            _ => None,
        }
    }

    /// `toString()` of the value, bounded by `limit` bytes.
    pub fn to_java_string(&self, limit: usize) -> Result<String, TooBig> {
        let mut out = String::new();
        self.write_java(&mut out, 0, limit)?;
        Ok(out)
    }

    /// `toString()` for keys and messages, where a bound is not needed.
    pub fn to_java_string_lossy(&self) -> String {
        self.to_java_string(1 << 20).unwrap_or_default()
    }

    pub fn write_java(&self, out: &mut String, depth: usize, limit: usize) -> Result<(), TooBig> {
        if depth > MAX_VALUE_DEPTH || out.len() > limit {
            return Err(TooBig);
        }
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Long(i) => {
                let _ = write!(out, "{i}");
            }
            Value::BigInt(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Double(d) => out.push_str(&java_double(*d)),
            Value::Str(s) => out.push_str(s),
            Value::List(l) => {
                let l = l.try_borrow().map_err(|_| TooBig)?;
                if l.kind == ListKind::Json {
                    drop(l);
                    return self.write_json(out, depth, limit);
                }
                out.push('[');
                for (i, v) in l.items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    if let Value::List(inner) = v
                        && Rc::ptr_eq(
                            inner,
                            match self {
                                Value::List(me) => me,
                                _ => inner,
                            },
                        )
                    {
                        out.push_str("(this Collection)");
                        continue;
                    }
                    v.write_java(out, depth + 1, limit)?;
                    if out.len() > limit {
                        return Err(TooBig);
                    }
                }
                out.push(']');
            }
            Value::Map(m) => {
                let m = m.try_borrow().map_err(|_| TooBig)?;
                out.push('{');
                for (i, (k, v)) in m.entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&k.as_string());
                    out.push('=');
                    if let (Value::Map(inner), Value::Map(me)) = (v, self)
                        && Rc::ptr_eq(inner, me)
                    {
                        out.push_str("(this Map)");
                        continue;
                    }
                    v.write_java(out, depth + 1, limit)?;
                    if out.len() > limit {
                        return Err(TooBig);
                    }
                }
                out.push('}');
            }
            Value::Entry(e) => {
                out.push_str(&e.0.as_string());
                out.push('=');
                e.1.write_java(out, depth + 1, limit)?;
            }
            Value::Foreach(_) => out.push_str("org.apache.velocity.runtime.directive.ForeachScope"),
            Value::Input => out.push_str("$input"),
            Value::Util => out.push_str("$util"),
            // Resolved by the renderer before it gets here.
            Value::Block(_) => {}
            // A JSON list renders as JSON (as `ListKind::Json`); a map as `{k=v, ...}`.
            Value::Json(j) if !j.is_object() && j.live().is_none() => {
                return j.write_json(out, depth, limit);
            }
            Value::Json(j) => return j.materialize().write_java(out, depth, limit),
        }
        Ok(())
    }

    /// Compact JSON as json-smart writes it (used for JSON lists and `$input.json`).
    pub fn to_json(&self, limit: usize) -> Result<String, TooBig> {
        let mut out = String::new();
        self.write_json(&mut out, 0, limit)?;
        Ok(out)
    }

    pub fn write_json(&self, out: &mut String, depth: usize, limit: usize) -> Result<(), TooBig> {
        if depth > MAX_VALUE_DEPTH || out.len() > limit {
            return Err(TooBig);
        }
        match self {
            Value::Str(s) => write_json_string(out, s),
            Value::Json(j) => j.write_json(out, depth, limit)?,
            Value::List(l) => {
                let l = l.try_borrow().map_err(|_| TooBig)?;
                out.push('[');
                for (i, v) in l.items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write_json(out, depth + 1, limit)?;
                }
                out.push(']');
            }
            Value::Map(m) => {
                let m = m.try_borrow().map_err(|_| TooBig)?;
                out.push('{');
                for (i, (k, v)) in m.entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_json_string(out, &k.as_string());
                    out.push(':');
                    v.write_json(out, depth + 1, limit)?;
                }
                out.push('}');
            }
            Value::Entry(e) => {
                out.push('{');
                write_json_string(out, &e.0.as_string());
                out.push(':');
                e.1.write_json(out, depth + 1, limit)?;
                out.push('}');
            }
            Value::Double(d) if !d.is_finite() => out.push_str("null"),
            Value::Foreach(_) | Value::Input | Value::Util | Value::Block(_) => {
                let s = self.to_java_string(limit)?;
                write_json_string(out, &s);
            }
            other => other.write_java(out, depth + 1, limit)?,
        }
        Ok(())
    }

    /// Convert parsed JSON (`$input.path`, `$util.parseJson`, `Bindings::vars`) to Java objects:
    /// object -> map, array -> JSON list, integer -> Integer/Long, other number -> Double.
    pub fn from_json(v: &serde_json::Value, list_kind: ListKind) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    match i32::try_from(i) {
                        Ok(i) => Value::Int(i),
                        Err(_) => Value::Long(i),
                    }
                } else if let Some(u) = n.as_u64() {
                    Value::BigInt(i128::from(u))
                } else {
                    Value::Double(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            serde_json::Value::String(s) => Value::str(s),
            serde_json::Value::Array(a) => Value::new_list(
                a.iter().map(|x| Value::from_json(x, list_kind)).collect(),
                list_kind,
            ),
            serde_json::Value::Object(o) => Value::new_map(
                o.iter()
                    .map(|(k, x)| (Key::str(k), Value::from_json(x, list_kind)))
                    .collect(),
            ),
        }
    }

    /// Convert back to JSON (overrides, CLI output).
    pub fn to_serde(&self, depth: usize) -> serde_json::Value {
        if depth > MAX_VALUE_DEPTH {
            return serde_json::Value::Null;
        }
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Int(i) => serde_json::Value::from(*i),
            Value::Long(i) => serde_json::Value::from(*i),
            Value::BigInt(i) => match i64::try_from(*i) {
                Ok(i) => serde_json::Value::from(i),
                Err(_) => serde_json::Value::String(i.to_string()),
            },
            Value::Double(d) => serde_json::Number::from_f64(*d)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::Str(s) => serde_json::Value::String(s.to_string()),
            Value::List(l) => match l.try_borrow() {
                Ok(l) => serde_json::Value::Array(
                    l.items.iter().map(|v| v.to_serde(depth + 1)).collect(),
                ),
                Err(_) => serde_json::Value::Null,
            },
            Value::Map(m) => match m.try_borrow() {
                Ok(m) => serde_json::Value::Object(
                    m.entries
                        .iter()
                        .map(|(k, v)| (k.as_string(), v.to_serde(depth + 1)))
                        .collect(),
                ),
                Err(_) => serde_json::Value::Null,
            },
            Value::Json(j) => j.materialize().to_serde(depth),
            other => serde_json::Value::String(other.to_java_string_lossy()),
        }
    }
}

pub(crate) fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// `Double.toString(d)`: plain notation for 1e-3 <= |d| < 1e7, otherwise `d.dddE±n`, always with a
/// fractional part (`3.0`, `1.0E21`), shortest round-trip digits.
pub fn java_double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".into();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if d == 0.0 {
        return if d.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // `{:e}` gives the shortest round-trip digits as `d.ddde±x`.
    let sci = format!("{:e}", d.abs());
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| *c != '.').collect();
    let sign = if d < 0.0 { "-" } else { "" };
    let abs = d.abs();
    if (1e-3..1e7).contains(&abs) {
        let point = exp + 1; // position of the decimal point within digits
        let s = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if (point as usize) >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            let (a, b) = digits.split_at(point as usize);
            format!("{a}.{b}")
        };
        format!("{sign}{s}")
    } else {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        format!("{sign}{first}.{rest}E{exp}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_double_formatting() {
        assert_eq!(java_double(3.0), "3.0");
        assert_eq!(java_double(2.5), "2.5");
        assert_eq!(java_double(1e21), "1.0E21");
        assert_eq!(java_double(1e7), "1.0E7");
        assert_eq!(java_double(1234567.0), "1234567.0");
        assert_eq!(java_double(0.001), "0.001");
        assert_eq!(java_double(0.0001), "1.0E-4");
        assert_eq!(java_double(12345678.9), "1.23456789E7");
        assert_eq!(java_double(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(java_double(-0.5), "-0.5");
        assert_eq!(java_double(100.0), "100.0");
    }
}
