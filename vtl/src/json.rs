//! The request body as a tape: one pass over the JSON text records every value in a flat array of
//! slots, and templates walk it without building a tree.
//!
//! API Gateway hands `$input.path('$')` to the template as Java objects (json-smart's
//! `LinkedHashMap`/`JSONArray`). Building all of them for a 1 MB Scan page costs more than the
//! whole render, while a typical response template reads each member once and never calls a Java
//! method on the containers. So containers stay on the tape ([`JsonRef`]): `$item.Artist.S`,
//! `[n]`, `#foreach` and rendering read the slots directly, and only strings that are read are
//! allocated. The first Java method called on a container (`$list.add(..)`, `$map.keySet()`...)
//! turns it into a real map or list, *shallowly* (its members are still tape references), and
//! records it in [`Tape::live`], so every later read of that container, from any reference,
//! sees the same Java object: reference semantics as on AWS.
//!
//! Acceptance is exactly serde_json's (which the engine used before and which the differential
//! tests pin): the same grammar, whitespace, a nesting limit of 128, escapes and numbers decoded
//! by serde_json itself whenever they are not plain.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::rc::Rc;

use crate::value::{Entries, JsonDoc, Key, ListKind, TooBig, Value, intern, write_json_string};

/// serde_json's default recursion limit: the 128th nested container is refused.
const MAX_NESTING: usize = 127;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag {
    Null,
    True,
    False,
    /// An integer that fits `i32`: `a`.
    Int,
    /// A string without escapes: `src[a..b]`.
    Str,
    /// Anything serde_json decoded for us (escaped strings, fractions, exponents, big integers),
    /// and integers beyond `i32`: `scalars[a]`.
    Scalar,
    /// `a` members; `b` is the slot after the last descendant. Members are key, value pairs.
    Object,
    /// `a` members; `b` is the slot after the last descendant.
    Array,
}

/// One value in 8 bytes (a megabyte of DynamoDB JSON holds some 150,000): the tag in the top
/// three bits of the second word, which leaves 29 bits for offsets and slot indices.
#[derive(Clone, Copy, Debug)]
struct Slot {
    a: u32,
    tb: u32,
}

const B_BITS: u32 = 29;
const B_MASK: u32 = (1 << B_BITS) - 1;
/// Texts this long go to serde_json instead: their offsets do not fit a slot.
const MAX_TAPE_BYTES: usize = B_MASK as usize;
const TAGS: [Tag; 8] = [
    Tag::Null,
    Tag::True,
    Tag::False,
    Tag::Int,
    Tag::Str,
    Tag::Scalar,
    Tag::Object,
    Tag::Array,
];

impl Slot {
    fn new(tag: Tag, a: u32, b: u32) -> Slot {
        debug_assert!(b <= B_MASK);
        Slot {
            a,
            tb: ((tag as u32) << B_BITS) | b,
        }
    }

    fn tag(self) -> Tag {
        TAGS[(self.tb >> B_BITS) as usize]
    }

    fn b(self) -> u32 {
        self.tb & B_MASK
    }

    fn set_b(&mut self, b: u32) {
        debug_assert!(b <= B_MASK);
        self.tb = (self.tb & !B_MASK) | b;
    }
}

/// A parsed JSON text.
pub(crate) struct Tape {
    src: String,
    slots: Vec<Slot>,
    scalars: Vec<Value>,
    /// Containers turned into Java objects by a method call, by slot.
    live: RefCell<HashMap<u32, Value>>,
    /// Whether `live` has anything: the common case skips the lookup.
    any_live: Cell<bool>,
}

/// A tape, weakly: what the renderer keeps of each document it parsed, to release at the end.
pub(crate) struct TapeHandle(std::rc::Weak<Tape>);

impl TapeHandle {
    pub(crate) fn alive(&self) -> bool {
        self.0.strong_count() > 0
    }

    /// Drops the Java objects built from the tape. They hold references to the tape (their
    /// members are still on it) and the tape holds them (`live`): a cycle that would keep the
    /// tape, the whole document, allocated after the render. The renderer calls this for every
    /// tape it made when it is done.
    pub(crate) fn release_live(&self) {
        let Some(tape) = self.0.upgrade() else {
            return;
        };
        let live = std::mem::take(&mut *tape.live.borrow_mut());
        tape.any_live.set(false);
        // Dropped after the borrow ends (a member's drop may reach the tape); `tape` last.
        drop(live);
    }
}

/// An object or array on a tape: a Java `Map`/`List` not yet built.
#[derive(Clone)]
pub struct JsonRef {
    tape: Rc<Tape>,
    slot: u32,
}

impl std::fmt::Debug for JsonRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "JsonRef({})", self.slot)
    }
}

/// Parses `src` as serde_json would, into a value whose containers are tape references. `None`
/// when serde_json would refuse the text.
pub(crate) fn parse(src: &str) -> Option<Value> {
    if src.len() > MAX_TAPE_BYTES {
        return serde_json::from_str::<JsonDoc>(src).ok().map(|d| d.0);
    }
    let tape = Rc::new(build(src)?);
    Some(value_at(&tape, 0))
}

fn skip_ws(b: &[u8], mut p: usize) -> usize {
    while let Some(c) = b.get(p) {
        if matches!(c, b' ' | b'\n' | b'\t' | b'\r') {
            p += 1;
        } else {
            break;
        }
    }
    p
}

struct Builder<'s> {
    src: &'s str,
    b: &'s [u8],
    slots: Vec<Slot>,
    scalars: Vec<Value>,
}

impl Builder<'_> {
    fn push(&mut self, tag: Tag, a: u32, b: u32) {
        self.slots.push(Slot::new(tag, a, b));
    }

    /// A string starting at the opening quote `p`; returns the position after the closing quote.
    fn string(&mut self, p: usize) -> Option<usize> {
        let b = self.b;
        let start = p + 1;
        // Most strings of a DynamoDB page are short (`"S"`, `"M"`, attribute names): a byte loop
        // ends them before memchr's vector set-up would pay off; longer ones go to memchr.
        let mut i = start;
        let short_end = (start + 24).min(b.len());
        while i < short_end && !matches!(b[i], b'"' | b'\\') {
            i += 1;
        }
        if i == short_end {
            i += memchr::memchr2(b'"', b'\\', b.get(i..)?)?;
        }
        // serde_json refuses control characters in strings.
        if b[start..i].iter().any(|&c| c < 0x20) {
            return None;
        }
        if b[i] == b'"' {
            self.push(Tag::Str, start as u32, i as u32);
            return Some(i + 1);
        }
        // Escapes: find the closing quote, then let serde_json decode (and judge) the text.
        loop {
            let c = *b.get(i)?;
            match c {
                b'"' => break,
                b'\\' => i += 2,
                _ => i += 1,
            }
        }
        let s: String = serde_json::from_str(self.src.get(p..=i)?).ok()?;
        self.push(Tag::Scalar, self.scalars.len() as u32, 0);
        self.scalars.push(Value::string(s));
        Some(i + 1)
    }

    fn number(&mut self, p: usize) -> Option<usize> {
        let b = self.b;
        let mut i = p;
        let negative = b[i] == b'-';
        if negative {
            i += 1;
        }
        let digits_start = i;
        match b.get(i)? {
            b'0' => i += 1,
            b'1'..=b'9' => {
                while b.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
            }
            _ => return None,
        }
        let digits_end = i;
        let mut integral = true;
        if b.get(i) == Some(&b'.') {
            integral = false;
            i += 1;
            if !b.get(i).is_some_and(u8::is_ascii_digit) {
                return None;
            }
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            integral = false;
            i += 1;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if !b.get(i).is_some_and(u8::is_ascii_digit) {
                return None;
            }
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
        }
        let n_digits = digits_end - digits_start;
        // Plain integers of up to 18 digits fit i64; `-0` is a double for serde_json.
        if integral && n_digits <= 18 && !(negative && b[digits_start] == b'0') {
            let mut v: i64 = 0;
            for &d in &b[digits_start..digits_end] {
                v = v * 10 + i64::from(d - b'0');
            }
            if negative {
                v = -v;
            }
            match i32::try_from(v) {
                Ok(v) => self.push(Tag::Int, v as u32, 0),
                Err(_) => {
                    self.push(Tag::Scalar, self.scalars.len() as u32, 0);
                    self.scalars.push(Value::Long(v));
                }
            }
        } else {
            let JsonDoc(v) = serde_json::from_str(&self.src[p..i]).ok()?;
            self.push(Tag::Scalar, self.scalars.len() as u32, 0);
            self.scalars.push(v);
        }
        Some(i)
    }

    fn literal(&mut self, p: usize, word: &[u8], tag: Tag) -> Option<usize> {
        if self.b.get(p..p + word.len())? != word {
            return None;
        }
        self.push(tag, 0, 0);
        Some(p + word.len())
    }

    /// An object key at `p` (after whitespace), its `:` and the whitespace after it.
    fn key(&mut self, p: usize) -> Option<usize> {
        let p = skip_ws(self.b, p);
        if self.b.get(p) != Some(&b'"') {
            return None;
        }
        let p = skip_ws(self.b, self.string(p)?);
        if self.b.get(p) != Some(&b':') {
            return None;
        }
        Some(p + 1)
    }
}

/// The buffers of the last tape this thread dropped, when not larger than [`SPARE_BYTES`]: a
/// gateway renders body after body, and a fresh megabyte buffer is a megabyte of page faults.
type Spare = (String, Vec<Slot>);

const SPARE_BYTES: usize = 16 << 20;

thread_local! {
    static SPARE: std::cell::RefCell<Option<Spare>> = const { std::cell::RefCell::new(None) };
}

impl Drop for Tape {
    fn drop(&mut self) {
        let src = std::mem::take(&mut self.src);
        let slots = std::mem::take(&mut self.slots);
        if src.capacity() + slots.capacity() * std::mem::size_of::<Slot>() <= SPARE_BYTES {
            let _ = SPARE.try_with(|s| *s.borrow_mut() = Some((src, slots)));
        }
    }
}

fn build(src: &str) -> Option<Tape> {
    let (mut copy, mut slots) = SPARE
        .try_with(|s| s.borrow_mut().take())
        .ok()
        .flatten()
        .unwrap_or_default();
    copy.clear();
    slots.clear();
    // About one value per 7 bytes in DynamoDB JSON: reserving for one per 6 avoids regrowing.
    slots.reserve(src.len() / 6 + 1);
    let mut t = Builder {
        src,
        b: src.as_bytes(),
        slots,
        scalars: Vec::new(),
    };
    let b = t.b;
    // Open containers: their slot indices.
    let mut open: Vec<u32> = Vec::new();
    let mut p = 0;
    'value: loop {
        p = skip_ws(b, p);
        let c = *b.get(p)?;
        match c {
            b'{' | b'[' => {
                if open.len() >= MAX_NESTING {
                    return None;
                }
                let object = c == b'{';
                let slot = t.slots.len() as u32;
                t.push(if object { Tag::Object } else { Tag::Array }, 0, 0);
                p = skip_ws(b, p + 1);
                let close = if object { b'}' } else { b']' };
                if b.get(p) == Some(&close) {
                    let end = t.slots.len() as u32;
                    t.slots[slot as usize].set_b(end);
                    p += 1;
                } else {
                    open.push(slot);
                    if object {
                        p = t.key(p)?;
                    }
                    continue 'value;
                }
            }
            b'"' => p = t.string(p)?,
            b't' => p = t.literal(p, b"true", Tag::True)?,
            b'f' => p = t.literal(p, b"false", Tag::False)?,
            b'n' => p = t.literal(p, b"null", Tag::Null)?,
            b'-' | b'0'..=b'9' => p = t.number(p)?,
            _ => return None,
        }
        // A value ended: continue or close the containers it ends.
        loop {
            let Some(&top) = open.last() else {
                break 'value;
            };
            let top = top as usize;
            t.slots[top].a += 1;
            p = skip_ws(b, p);
            let object = t.slots[top].tag() == Tag::Object;
            match b.get(p) {
                Some(b',') => {
                    p += 1;
                    if object {
                        p = t.key(p)?;
                    }
                    continue 'value;
                }
                Some(b'}') if object => {}
                Some(b']') if !object => {}
                _ => return None,
            }
            p += 1;
            let end = t.slots.len() as u32;
            t.slots[top].set_b(end);
            // The container itself is a value of its parent: the loop counts it there.
            open.pop();
        }
    }
    if skip_ws(b, p) != b.len() {
        return None;
    }
    // The reservation above is for one value per 6 bytes; a page with fewer gives the excess
    // back, since the slots stay allocated for the whole render (an eighth of the page's size
    // on a Scan page).
    if t.slots.capacity() - t.slots.len() > t.slots.len() / 8 {
        t.slots.shrink_to_fit();
    }
    Some(Tape {
        src: {
            copy.push_str(src);
            copy
        },
        slots: t.slots,
        scalars: t.scalars,
        live: RefCell::new(HashMap::new()),
        any_live: Cell::new(false),
    })
}

/// The slot after the value at `i` (its subtree, for containers).
fn after(tape: &Tape, i: usize) -> usize {
    let s = tape.slots[i];
    match s.tag() {
        Tag::Object | Tag::Array => s.b() as usize,
        _ => i + 1,
    }
}

fn str_at(tape: &Tape, i: usize) -> &str {
    let s = tape.slots[i];
    &tape.src[s.a as usize..s.b() as usize]
}

/// The Java value of slot `i`: scalars converted, containers as references (or their live object).
fn value_at(tape: &Rc<Tape>, i: usize) -> Value {
    let s = tape.slots[i];
    match s.tag() {
        Tag::Null => Value::Null,
        Tag::True => Value::Bool(true),
        Tag::False => Value::Bool(false),
        Tag::Int => Value::Int(s.a as i32),
        Tag::Str => Value::str(str_at(tape, i)),
        Tag::Scalar => tape.scalars[s.a as usize].clone(),
        Tag::Object | Tag::Array => {
            if tape.any_live.get()
                && let Some(v) = tape.live.borrow().get(&(i as u32))
            {
                return v.clone();
            }
            Value::Json(JsonRef {
                tape: tape.clone(),
                slot: i as u32,
            })
        }
    }
}

/// Whether the key at slot `i` is `name`.
fn key_is(tape: &Tape, i: usize, name: &str) -> bool {
    let s = tape.slots[i];
    match s.tag() {
        // Keys are short: comparing bytes inline beats a call to memcmp.
        Tag::Str => {
            let k = str_at(tape, i).as_bytes();
            let n = name.as_bytes();
            k.len() == n.len() && k.iter().zip(n).all(|(a, b)| a == b)
        }
        Tag::Scalar => matches!(&tape.scalars[s.a as usize], Value::Str(k) if &**k == name),
        _ => false,
    }
}

fn key_at(tape: &Tape, i: usize) -> Key {
    let s = tape.slots[i];
    match s.tag() {
        Tag::Str => Key::Str(intern(str_at(tape, i))),
        _ => match &tape.scalars[s.a as usize] {
            Value::Str(k) => Key::Str(k.clone()),
            other => Key::from_value(other),
        },
    }
}

/// A value on a tape, borrowed: what a chain of member reads (`$track.M.Title.S`) walks through
/// without building and dropping a [`JsonRef`] at every step (the renderer's hottest path on a
/// response template).
#[derive(Clone, Copy)]
pub(crate) struct Cursor<'a> {
    tape: &'a Rc<Tape>,
    slot: usize,
}

impl<'a> Cursor<'a> {
    /// `Map.get(name)` answered on the tape: `Some(Some(member))`, `Some(None)` when the object
    /// has no such key, and `None` when the tape cannot answer (not an object, or an object a
    /// method call made live: its Java map answers then).
    pub(crate) fn member(self, name: &str) -> Option<Option<Cursor<'a>>> {
        let s = self.tape.slots[self.slot];
        if s.tag() != Tag::Object
            || (self.tape.any_live.get()
                && self.tape.live.borrow().contains_key(&(self.slot as u32)))
        {
            return None;
        }
        // The last of duplicate keys, as serde_json and json-smart keep it.
        let mut found = None;
        let mut i = self.slot + 1;
        for _ in 0..s.a {
            let v = i + 1;
            if key_is(self.tape, i, name) {
                found = Some(v);
            }
            i = after(self.tape, v);
        }
        Some(found.map(|slot| Cursor {
            tape: self.tape,
            slot,
        }))
    }

    /// The value when it is a string, borrowed from the tape.
    pub(crate) fn str(self) -> Option<&'a str> {
        let s = self.tape.slots[self.slot];
        match s.tag() {
            Tag::Str => Some(str_at(self.tape, self.slot)),
            Tag::Scalar => match &self.tape.scalars[s.a as usize] {
                Value::Str(x) => Some(x),
                _ => None,
            },
            _ => None,
        }
    }

    /// The Java value here, as [`JsonRef::get`] would return it.
    pub(crate) fn value(self) -> Value {
        value_at(self.tape, self.slot)
    }
}

impl JsonRef {
    fn slot(&self) -> Slot {
        self.tape.slots[self.slot as usize]
    }

    pub fn is_object(&self) -> bool {
        self.slot().tag() == Tag::Object
    }

    /// The Java object this container became, if a method call made it one.
    pub fn live(&self) -> Option<Value> {
        if !self.tape.any_live.get() {
            return None;
        }
        self.tape.live.borrow().get(&self.slot).cloned()
    }

    /// This container, as the start of a walk on its tape.
    pub(crate) fn cursor(&self) -> Cursor<'_> {
        Cursor {
            tape: &self.tape,
            slot: self.slot as usize,
        }
    }

    /// A handle on this container's tape that does not keep it alive.
    pub(crate) fn tape_handle(&self) -> TapeHandle {
        TapeHandle(Rc::downgrade(&self.tape))
    }

    /// Slots of the members (values only, for objects).
    fn member_slots(&self) -> impl Iterator<Item = (Option<usize>, usize)> + '_ {
        let object = self.is_object();
        let n = self.slot().a as usize;
        let mut i = self.slot as usize + 1;
        (0..n).map(move |_| {
            if object {
                let k = i;
                let v = i + 1;
                i = after(&self.tape, v);
                (Some(k), v)
            } else {
                let v = i;
                i = after(&self.tape, v);
                (None, v)
            }
        })
    }

    /// `Map.get(name)` on an object not yet live (the last of duplicate keys, as serde_json and
    /// json-smart keep it).
    pub fn get(&self, name: &str) -> Option<Value> {
        self.cursor().member(name).flatten().map(Cursor::value)
    }

    /// `Map.get(name)` when it is a string, borrowed from the tape (`None` for anything else, or
    /// once the object is live: then its Java map answers).
    pub fn str_member(&self, name: &str) -> Option<&str> {
        self.cursor().member(name).flatten()?.str()
    }

    /// `List.get(i)` on an array not yet live.
    pub fn index(&self, i: usize) -> Option<Value> {
        if self.is_object() {
            return None;
        }
        self.member_slots()
            .nth(i)
            .map(|(_, v)| value_at(&self.tape, v))
    }

    /// What `#foreach` iterates: the array's items, or the object's values.
    pub fn members(&self) -> Vec<Value> {
        if self.is_object() {
            // Duplicate keys: one entry each, at the first position, with the last value.
            return match self.materialize() {
                Value::Map(m) => m.borrow().entries.values().cloned().collect(),
                _ => Vec::new(),
            };
        }
        self.member_slots()
            .map(|(_, v)| value_at(&self.tape, v))
            .collect()
    }

    /// The Java `Map`/`List` of this container (members still on the tape), built once.
    pub fn materialize(&self) -> Value {
        if let Some(v) = self.live() {
            return v;
        }
        let v = if self.is_object() {
            let mut entries = Entries::with_capacity(self.slot().a as usize);
            for (k, v) in self.member_slots() {
                if let Some(k) = k {
                    entries.insert(key_at(&self.tape, k), value_at(&self.tape, v));
                }
            }
            Value::new_map(entries)
        } else {
            Value::new_list(
                self.member_slots()
                    .map(|(_, v)| value_at(&self.tape, v))
                    .collect(),
                ListKind::Json,
            )
        };
        self.tape.live.borrow_mut().insert(self.slot, v.clone());
        self.tape.any_live.set(true);
        v
    }

    /// Compact JSON, as [`Value::write_json`] writes the same value built as Java objects.
    pub fn write_json(&self, out: &mut String, depth: usize, limit: usize) -> Result<(), TooBig> {
        if let Some(v) = self.live() {
            return v.write_json(out, depth, limit);
        }
        if self.is_object() && has_duplicate_keys(self) {
            return self.materialize().write_json(out, depth, limit);
        }
        let object = self.is_object();
        out.push(if object { '{' } else { '[' });
        for (n, (k, v)) in self.member_slots().enumerate() {
            if out.len() > limit {
                return Err(TooBig);
            }
            if n > 0 {
                out.push(',');
            }
            if let Some(k) = k {
                write_scalar_json(&self.tape, k, out);
                out.push(':');
            }
            match self.tape.slots[v].tag() {
                Tag::Object | Tag::Array => {
                    value_at(&self.tape, v).write_json(out, depth + 1, limit)?
                }
                _ => write_scalar_json(&self.tape, v, out),
            }
        }
        out.push(if object { '}' } else { ']' });
        Ok(())
    }
}

fn has_duplicate_keys(j: &JsonRef) -> bool {
    let n = j.slot().a as usize;
    if n < 2 {
        return false;
    }
    let keys: Vec<usize> = j.member_slots().filter_map(|(k, _)| k).collect();
    if n <= 16 {
        for (x, &a) in keys.iter().enumerate() {
            for &b in &keys[x + 1..] {
                if key_at(&j.tape, a) == key_at(&j.tape, b) {
                    return true;
                }
            }
        }
        return false;
    }
    let mut seen = std::collections::HashSet::with_capacity(n);
    keys.iter()
        .any(|&k| !seen.insert(key_at(&j.tape, k).as_string()))
}

fn write_scalar_json(tape: &Tape, i: usize, out: &mut String) {
    let s = tape.slots[i];
    match s.tag() {
        Tag::Null => out.push_str("null"),
        Tag::True => out.push_str("true"),
        Tag::False => out.push_str("false"),
        Tag::Int => {
            let _ = write!(out, "{}", s.a as i32);
        }
        // No escapes and no control characters: the text is its own compact JSON.
        Tag::Str => {
            out.push('"');
            out.push_str(str_at(tape, i));
            out.push('"');
        }
        Tag::Scalar => match &tape.scalars[s.a as usize] {
            Value::Str(v) => write_json_string(out, v),
            v => {
                let _ = v.write_json(out, 0, usize::MAX);
            }
        },
        Tag::Object | Tag::Array => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The deep Java value, for comparing with serde_json's reading.
    fn deep(v: &Value) -> serde_json::Value {
        v.to_serde(0)
    }

    fn same_as_serde(text: &str) {
        let ours = parse(text).map(|v| deep(&v));
        let theirs = serde_json::from_str::<JsonDoc>(text)
            .ok()
            .map(|d| deep(&d.0));
        assert_eq!(ours, theirs, "{text:?}");
        if let (Some(v), Ok(d)) = (parse(text), serde_json::from_str::<JsonDoc>(text)) {
            assert_eq!(
                v.to_json(usize::MAX).unwrap(),
                d.0.to_json(usize::MAX).unwrap(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn accepts_and_refuses_like_serde_json() {
        for t in [
            "{}",
            "[]",
            " {\"a\" : [1, 2.5, -0, -3, 1e3, 12345678901234567890, true, false, null]} ",
            "{\"a\":1,\"a\":2,\"b\":3}",
            "\"x\"",
            "7",
            "[{\"k\\\"ey\":\"v\\u00e9\\n\"}]",
            "[1,]",
            "{\"a\":1,}",
            "[01]",
            "[1.]",
            "[1e]",
            "[-]",
            "[\"\t\"]",
            "[\"\\x\"]",
            "[\"\\ud800\"]",
            "[1e400]",
            "{\"a\" 1}",
            "[1] x",
            "",
            "nul",
            "[[[]]]",
            "{\"a\":{\"b\":{}},\"c\":[[],{}]}",
            "[999999999999999999, -999999999999999999, 9223372036854775807, -9223372036854775808]",
        ] {
            same_as_serde(t);
        }
    }

    #[test]
    fn nesting_limit_is_serde_jsons() {
        for depth in [126, 127, 128, 129] {
            same_as_serde(&format!("{}{}", "[".repeat(depth), "]".repeat(depth)));
            same_as_serde(&format!(
                "{}1{}",
                "{\"a\":[".repeat(depth / 2),
                "]}".repeat(depth / 2)
            ));
        }
    }

    /// JSON texts: values of every kind, laid out with random whitespace, then sometimes broken
    /// by one edit (so that refusals are compared too).
    fn texts() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just("null".to_string()),
            Just("true".to_string()),
            Just("false".to_string()),
            any::<i64>().prop_map(|i| i.to_string()),
            any::<u64>().prop_map(|i| format!("{i}0")),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(|f| format!("{f:e}")),
            "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{1,5})?([eE][+-]?[0-9]{1,3})?",
            "\"([a-zA-Z0-9 é😀]|\\\\[\"\\\\/bfnrt]|\\\\u00[0-9a-f]{2}|\\\\ud83d\\\\ude00){0,8}\"",
        ];
        let value = leaf.prop_recursive(6, 64, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                proptest::collection::vec(("[a-c]{1,2}", inner), 0..6).prop_map(|v| {
                    let members: Vec<String> =
                        v.into_iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
                    format!("{{{}}}", members.join(","))
                }),
            ]
        });
        let spaced = (value, proptest::collection::vec(0usize..4, 0..40)).prop_map(|(v, ws)| {
            // Whitespace after some structural characters.
            let mut out = String::new();
            let mut n = 0;
            for c in v.chars() {
                out.push(c);
                if matches!(c, '[' | ']' | '{' | '}' | ',' | ':') {
                    if let Some(&w) = ws.get(n) {
                        out.push_str(["", " ", "\n\t", "\r "][w]);
                    }
                    n += 1;
                }
            }
            out
        });
        (spaced, 0usize..1000, 0usize..6, any::<char>()).prop_map(|(t, at, edit, c)| {
            let mut chars: Vec<char> = t.chars().collect();
            let at = at % (chars.len() + 1);
            match edit {
                0 => chars.insert(at, c),
                1 if at < chars.len() => {
                    chars.remove(at);
                }
                2 if at < chars.len() => chars[at] = c,
                _ => {}
            }
            chars.into_iter().collect()
        })
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// The tape accepts what serde_json accepts, reads the same values and writes the same
        /// JSON back.
        #[test]
        fn tape_reads_what_serde_json_reads(text in texts()) {
            same_as_serde(&text);
        }
    }

    #[test]
    fn a_method_call_makes_the_container_live_for_every_reader() {
        let root = parse("{\"items\":[1,2]}").unwrap();
        let Value::Json(j) = &root else {
            panic!("object on the tape")
        };
        let Some(Value::Json(items)) = j.get("items") else {
            panic!("array on the tape")
        };
        let Value::List(l) = items.materialize() else {
            panic!("a list")
        };
        l.borrow_mut().items.push(Value::Int(3));
        assert_eq!(root.to_json(usize::MAX).unwrap(), "{\"items\":[1,2,3]}");
        assert!(matches!(j.get("items"), Some(Value::List(_))));
    }
}
