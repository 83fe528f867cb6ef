//! The renderer: walks the AST with Velocity 1.7 semantics plus API Gateway's rules
//! (null renders empty, null equals "", `$input`/`$util`/`$context` bindings).

use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use crate::Limits;
use crate::ast::{BinOp, Expr, MacroDef, Node, Part, Reference, Symbols, VarId};
use crate::dialect;
use crate::error::{RenderError, RenderErrorKind};
use crate::javaregex::JavaPattern;
use crate::jsonpath::{self, PathResult};
use crate::util;
use crate::value::{ForeachScope, JList, JMap, Key, ListKind, StrKey, TooBig, Value};

/// Non-local exits while rendering.
pub(crate) enum Flow {
    Break,
    Stop,
    Err(RenderError),
}

type R<T> = Result<T, Flow>;

/// Where [`Renderer::walk_tape`] stopped: at a value of the tape after the first `n` parts, or at
/// a member that is not there.
enum Walk<'a> {
    At(crate::json::Cursor<'a>, usize),
    Missing,
}

pub mod methods;

pub(crate) struct InputData<'b> {
    pub body: &'b str,
    /// The body as `serde_json::Value`, for JSONPath queries beyond simple member/index chains.
    pub json: OnceCell<Option<serde_json::Value>>,
    /// The body as template values, for simple paths (the common case, and much faster).
    pub doc: OnceCell<Option<Value>>,
    pub params: Value,
}

pub(crate) struct Renderer<'t, 'b> {
    pub src: &'t str,
    pub macros: &'t HashMap<String, MacroDef>,
    /// The template's variables by [`VarId`]; `Null` is undefined (Velocity tells them apart
    /// nowhere API Gateway's rules do not already erase: a null renders empty either way).
    pub vars: Vec<Value>,
    pub limits: &'t Limits,
    pub input: InputData<'b>,
    /// API Gateway's `null == ""` (true) versus Velocity 1.7's (false); tests turn it off to
    /// compare with the 1.7 jar.
    pub null_equals_empty: bool,
    depth: usize,
    total_iterations: usize,
    foreach: Vec<Rc<ForeachScope>>,
    regex_cache: HashMap<String, Arc<JavaPattern>>,
    /// The documents `$util.parseJson` made, released with the body's when the render ends.
    parsed: Vec<crate::json::TapeHandle>,
    /// The containers this render put another container into, emptied when it ends.
    holders: Vec<Holder>,
}

/// A map or list a template put a container into (`$m.put('k', $l)`, `$l.add($m)`, `#set($m.k =
/// $l)`): the only way a template makes a cycle of references (`$m.put('self', $m)`), which
/// reference counting alone would never free. Weak: it keeps nothing alive.
enum Holder {
    Map(std::rc::Weak<RefCell<JMap>>),
    List(std::rc::Weak<RefCell<JList>>),
}

impl Holder {
    fn alive(&self) -> bool {
        match self {
            Holder::Map(w) => w.strong_count() > 0,
            Holder::List(w) => w.strong_count() > 0,
        }
    }

    /// Empties the container if something (a cycle) still holds it. `try_borrow_mut`: a render
    /// that panicked may have left a borrow behind, and a panic in a drop would abort.
    fn release(self) {
        match self {
            Holder::Map(w) => {
                if let Some(m) = w.upgrade() {
                    let entries = m
                        .try_borrow_mut()
                        .map(|mut m| std::mem::take(&mut m.entries));
                    drop(entries);
                }
            }
            Holder::List(w) => {
                if let Some(l) = w.upgrade() {
                    let items = l.try_borrow_mut().map(|mut l| std::mem::take(&mut l.items));
                    drop(items);
                }
            }
        }
    }
}

impl Drop for Renderer<'_, '_> {
    /// Breaks the cycle between each tape of this render and the Java objects built from it
    /// (`TapeHandle::release_live`), and any cycle the template made (`Holder`); without it
    /// every body whose containers a template turned into Java objects would stay allocated.
    /// Nothing of a render outlives it: `Rendered` holds no template values.
    fn drop(&mut self) {
        if let Some(Some(Value::Json(j))) = self.input.doc.get() {
            j.tape_handle().release_live();
        }
        for t in self.parsed.drain(..) {
            t.release_live();
        }
        for h in self.holders.drain(..) {
            h.release();
        }
    }
}

fn int_value(i: i128) -> Value {
    if let Ok(v) = i32::try_from(i) {
        Value::Int(v)
    } else if let Ok(v) = i64::try_from(i) {
        Value::Long(v)
    } else {
        Value::BigInt(i)
    }
}

/// Integer rank of a Java number for MathUtils' result-type rule: Integer < Long < BigInteger.
fn rank(v: &Value) -> u8 {
    match v {
        Value::Int(_) => 0,
        Value::Long(_) => 1,
        _ => 2,
    }
}

fn int_of_rank(i: i128, r: u8) -> Value {
    match r {
        0 => int_value(i),
        1 => match i64::try_from(i) {
            Ok(v) => Value::Long(v),
            Err(_) => Value::BigInt(i),
        },
        _ => Value::BigInt(i),
    }
}

fn as_i128(v: &Value) -> Option<i128> {
    match v {
        Value::Int(i) => Some(i128::from(*i)),
        Value::Long(i) => Some(i128::from(*i)),
        Value::BigInt(i) => Some(*i),
        _ => None,
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Double(d) => Some(*d),
        other => as_i128(other).map(|i| i as f64),
    }
}

/// Java `equals` (strict: Integer 1 is not Long 1), bounded in depth.
pub(crate) fn java_equals(a: &Value, b: &Value, depth: usize) -> bool {
    if depth > crate::value::MAX_VALUE_DEPTH {
        return false;
    }
    if let Value::Json(j) = a {
        return java_equals(&j.materialize(), b, depth);
    }
    if let Value::Json(j) = b {
        return java_equals(a, &j.materialize(), depth);
    }
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Long(x), Value::Long(y)) => x == y,
        (Value::BigInt(x), Value::BigInt(y)) => x == y,
        (Value::Double(x), Value::Double(y)) => x.to_bits() == y.to_bits() || (x == y && *x != 0.0),
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::List(x), Value::List(y)) => {
            if Rc::ptr_eq(x, y) {
                return true;
            }
            let (Ok(x), Ok(y)) = (x.try_borrow(), y.try_borrow()) else {
                return false;
            };
            x.items.len() == y.items.len()
                && x.items
                    .iter()
                    .zip(y.items.iter())
                    .all(|(a, b)| java_equals(a, b, depth + 1))
        }
        (Value::Map(x), Value::Map(y)) => {
            if Rc::ptr_eq(x, y) {
                return true;
            }
            let (Ok(x), Ok(y)) = (x.try_borrow(), y.try_borrow()) else {
                return false;
            };
            x.entries.len() == y.entries.len()
                && x.entries.iter().all(|(k, v)| {
                    y.entries
                        .get(k)
                        .is_some_and(|w| java_equals(v, w, depth + 1))
                })
        }
        (Value::Entry(x), Value::Entry(y)) => x.0 == y.0 && java_equals(&x.1, &y.1, depth + 1),
        (Value::Foreach(x), Value::Foreach(y)) => Rc::ptr_eq(x, y),
        (Value::Input, Value::Input) | (Value::Util, Value::Util) => true,
        _ => false,
    }
}

fn compare_numbers(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (as_i128(a), as_i128(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => as_f64(a)?.partial_cmp(&as_f64(b)?),
    }
}

impl<'t, 'b> Renderer<'t, 'b> {
    pub(crate) fn new(
        src: &'t str,
        macros: &'t HashMap<String, MacroDef>,
        symbols: &Symbols,
        limits: &'t Limits,
        input: InputData<'b>,
    ) -> Self {
        Renderer {
            src,
            macros,
            vars: vec![Value::Null; symbols.len()],
            limits,
            input,
            null_equals_empty: dialect::NULL_EQUALS_EMPTY_STRING,
            depth: 0,
            total_iterations: 0,
            foreach: Vec::new(),
            regex_cache: HashMap::new(),
            parsed: Vec::new(),
            holders: Vec::new(),
        }
    }

    /// `receiver` (a map or list) is about to hold `inserted`: when that is a container, the
    /// receiver may close a cycle, and is released at the end of the render (`Holder`).
    pub(crate) fn note_insert(&mut self, receiver: &Value, inserted: &Value) {
        if !matches!(
            inserted,
            Value::Map(_) | Value::List(_) | Value::Entry(_) | Value::Json(_)
        ) {
            return;
        }
        let holder = match receiver {
            Value::Map(m) => Holder::Map(Rc::downgrade(m)),
            Value::List(l) => Holder::List(Rc::downgrade(l)),
            _ => return,
        };
        // Pruned when full, so a loop that builds and drops containers keeps only the live ones.
        if self.holders.len() == self.holders.capacity() {
            self.holders.retain(Holder::alive);
        }
        self.holders.push(holder);
    }

    fn fail(&self, pos: usize, kind: RenderErrorKind) -> Flow {
        Flow::Err(RenderError::at(self.src, pos, kind))
    }

    fn too_big(&self, pos: usize) -> Flow {
        self.fail(
            pos,
            RenderErrorKind::OutputLimit(self.limits.max_output_bytes),
        )
    }

    fn push(&self, out: &mut String, s: &str, pos: usize) -> R<()> {
        if out.len() + s.len() > self.limits.max_output_bytes {
            return Err(self.too_big(pos));
        }
        out.push_str(s);
        Ok(())
    }

    pub(crate) fn render_nodes(&mut self, nodes: &[Node], out: &mut String) -> R<()> {
        for node in nodes {
            self.render_node(node, out)?;
        }
        Ok(())
    }

    fn write_value(&mut self, v: &Value, out: &mut String, pos: usize) -> R<()> {
        match v {
            Value::Null => Ok(()),
            Value::Block(body) => self.render_block(body, out, pos),
            v => {
                let limit = self.limits.max_output_bytes;
                let start = out.len();
                match v.write_java(out, 0, limit) {
                    Ok(()) if out.len() <= limit => Ok(()),
                    _ => {
                        out.truncate(start);
                        Err(self.too_big(pos))
                    }
                }
            }
        }
    }

    fn render_block(&mut self, body: &Arc<Vec<Node>>, out: &mut String, pos: usize) -> R<()> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            self.depth -= 1;
            return Err(self.fail(pos, RenderErrorKind::RecursionLimit(self.limits.max_depth)));
        }
        let body = body.clone();
        let r = self.render_nodes(&body, out);
        self.depth -= 1;
        r
    }

    fn render_node(&mut self, node: &Node, out: &mut String) -> R<()> {
        match node {
            Node::Text(t, _) => self.push(out, t, 0),
            Node::Ref(r) => {
                // `$item.Artist.S` on the body's tape: walked on the tape, and a string at the
                // end written straight from it, as the general path would write it, without
                // building the string first (most of a response template's output).
                match self.walk_tape(r) {
                    Some(Walk::Missing) => return Ok(()),
                    Some(Walk::At(c, n)) => {
                        if n == r.parts.len()
                            && let Some(s) = c.str()
                        {
                            return self.push(out, s, r.pos);
                        }
                        let v = c.value();
                        let v = self.eval_parts(r, v, &r.parts[n..])?;
                        return self.write_value(&v, out, r.pos);
                    }
                    None => {}
                }
                if let Some((last @ Part::Property(name), init)) = r.parts.split_last() {
                    let root = self.var(r.var).clone();
                    let base = self.eval_parts(r, root, init)?;
                    if let Value::Json(j) = &base
                        && let Some(s) = j.str_member(name)
                    {
                        return self.push(out, s, r.pos);
                    }
                    let v = self.eval_parts(r, base, std::slice::from_ref(last))?;
                    return self.write_value(&v, out, r.pos);
                }
                let v = self.eval_ref(r)?;
                self.write_value(&v, out, r.pos)
            }
            Node::EscapedRef {
                backslashes,
                reference,
                ..
            } => {
                let v = self.eval_ref(reference)?;
                let n = *backslashes;
                if n % 2 == 0 {
                    self.push(out, &"\\".repeat(n / 2), reference.pos)?;
                    self.write_value(&v, out, reference.pos)
                } else {
                    // Velocity 1.7: `\$x` prints `$x` when defined, `\$x` when not.
                    let keep = if v.is_null() {
                        (n - 1) / 2 + 1
                    } else {
                        (n - 1) / 2
                    };
                    self.push(out, &"\\".repeat(keep), reference.pos)?;
                    self.push(out, &reference.literal, reference.pos)
                }
            }
            Node::Set {
                target, value, pos, ..
            } => {
                let v = self.eval_expr(value)?;
                if v.is_null() && !dialect::SET_NULL_ASSIGNS {
                    return Ok(());
                }
                self.assign(target, v, *pos)
            }
            Node::If {
                branches,
                otherwise,
                ..
            } => {
                for (cond, body) in branches {
                    if self.eval_cond(cond)? {
                        return self.render_nodes(body, out);
                    }
                }
                if let Some(body) = otherwise {
                    self.render_nodes(body, out)?;
                }
                Ok(())
            }
            Node::Foreach {
                var_id,
                iterable,
                body,
                pos,
                ..
            } => self.foreach(*var_id, iterable, body, *pos, out),
            Node::Break { .. } => Err(Flow::Break),
            Node::Stop { .. } => Err(Flow::Stop),
            Node::Define { id, body, .. } => {
                self.vars[id.0 as usize] = Value::Block(body.clone());
                Ok(())
            }
            Node::MacroCall {
                name,
                args,
                pos,
                literal,
                ..
            } => {
                if self.macros.contains_key(name) {
                    self.call_macro(name, args, *pos, out)
                } else {
                    self.push(out, literal, *pos)
                }
            }
        }
    }

    fn foreach(
        &mut self,
        var: VarId,
        iterable: &Expr,
        body: &[Node],
        pos: usize,
        out: &mut String,
    ) -> R<()> {
        let items: Vec<Value> = match self.eval_expr(iterable)? {
            Value::List(l) => l.borrow().items.clone(),
            Value::Map(m) => m.borrow().entries.values().cloned().collect(),
            Value::Json(j) => match j.live() {
                Some(Value::List(l)) => l.borrow().items.clone(),
                Some(Value::Map(m)) => m.borrow().entries.values().cloned().collect(),
                _ => j.members(),
            },
            _ => return Ok(()),
        };
        let saved_var = self.var(var).clone();
        let saved_count = self.var(Symbols::VELOCITY_COUNT).clone();
        let saved_foreach = self.var(Symbols::FOREACH).clone();
        let scope = Rc::new(ForeachScope {
            index: std::cell::Cell::new(0),
            has_next: std::cell::Cell::new(false),
            parent: self.foreach.last().cloned(),
        });
        self.foreach.push(scope.clone());
        let n = items.len();
        let mut result = Ok(());
        for (i, item) in items.into_iter().enumerate() {
            if i >= self.limits.max_foreach_iterations {
                result = Err(self.fail(
                    pos,
                    RenderErrorKind::ForeachLimit(self.limits.max_foreach_iterations),
                ));
                break;
            }
            self.total_iterations += 1;
            if self.total_iterations > self.limits.max_total_iterations {
                result = Err(self.fail(
                    pos,
                    RenderErrorKind::TotalIterationLimit(self.limits.max_total_iterations),
                ));
                break;
            }
            scope.index.set(i);
            scope.has_next.set(i + 1 < n);
            *self.var_mut(var) = item;
            *self.var_mut(Symbols::VELOCITY_COUNT) = int_value(i as i128 + 1);
            *self.var_mut(Symbols::FOREACH) = Value::Foreach(scope.clone());
            match self.render_nodes(body, out) {
                Ok(()) => {}
                Err(Flow::Break) => break,
                Err(other) => {
                    result = Err(other);
                    break;
                }
            }
        }
        self.foreach.pop();
        // Velocity 1.7 restores the loop variable, $velocityCount and $foreach afterwards.
        for (k, v) in [
            (var, saved_var),
            (Symbols::VELOCITY_COUNT, saved_count),
            (Symbols::FOREACH, saved_foreach),
        ] {
            *self.var_mut(k) = v;
        }
        result
    }

    fn call_macro(&mut self, name: &str, args: &[Expr], pos: usize, out: &mut String) -> R<()> {
        let Some(m) = self.macros.get(name) else {
            return Ok(());
        };
        let mut values = Vec::with_capacity(args.len());
        for a in args {
            values.push(self.eval_expr(a)?);
        }
        if self.depth + 1 > self.limits.max_depth {
            return Err(self.fail(pos, RenderErrorKind::RecursionLimit(self.limits.max_depth)));
        }
        let params = m.param_ids.clone();
        let body = m.body.clone();
        let mut saved = Vec::with_capacity(params.len());
        // Velocity 1.7 binds only the parameters a call passes: one left out still reads the
        // variable of that name outside the macro (`#m()` of `#macro(m $a)` sees the outer `$a`).
        for (&p, v) in params.iter().zip(values) {
            saved.push((p, std::mem::replace(self.var_mut(p), v)));
        }
        self.depth += 1;
        let r = self.render_nodes(&body, out);
        self.depth -= 1;
        for (p, v) in saved.into_iter().rev() {
            *self.var_mut(p) = v;
        }
        match r {
            Err(Flow::Break) => Ok(()),
            other => other,
        }
    }

    fn assign(&mut self, target: &Reference, v: Value, pos: usize) -> R<()> {
        let Some((last, init)) = target.parts.split_last() else {
            *self.var_mut(target.var) = v;
            return Ok(());
        };
        let mut base = self.var(target.var).clone();
        for part in init {
            base = self.apply_part(base, part)?;
            if base.is_null() {
                return Ok(());
            }
        }
        let base = base.resolved();
        let key = match last {
            Part::Property(name) => Value::str(name),
            Part::Index(e) => self.eval_expr(e)?,
            Part::Method(..) => return Ok(()),
        };
        self.note_insert(&base, &v);
        match &base {
            Value::Map(m) => {
                m.borrow_mut().entries.insert(Key::from_value(&key), v);
            }
            Value::List(l) => {
                if let Some(i) = key.as_i64() {
                    let mut l = l.borrow_mut();
                    let len = l.items.len() as i64;
                    let idx = if i < 0 { i + len } else { i };
                    if idx < 0 || idx >= len {
                        return Err(self.fail(
                            pos,
                            RenderErrorKind::MethodInvocation(format!(
                                "IndexOutOfBoundsException: Index {i} out of bounds for length {len}"
                            )),
                        ));
                    }
                    l.items[idx as usize] = v;
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn var(&self, id: VarId) -> &Value {
        &self.vars[id.0 as usize]
    }

    fn var_mut(&mut self, id: VarId) -> &mut Value {
        &mut self.vars[id.0 as usize]
    }

    pub(crate) fn eval_ref(&mut self, r: &Reference) -> R<Value> {
        match self.walk_tape(r) {
            Some(Walk::Missing) => Ok(Value::Null),
            Some(Walk::At(c, n)) => {
                let v = c.value();
                self.eval_parts(r, v, &r.parts[n..])
            }
            None => {
                let root = self.var(r.var).clone();
                self.eval_parts(r, root, &r.parts)
            }
        }
    }

    /// The leading member reads of `r` (`$item.Tracks.L`) when its root is a container of a
    /// tape, walked on the tape: what `property` would answer for each, without a `JsonRef` per
    /// step. `None` when the root is anything else.
    fn walk_tape(&self, r: &Reference) -> Option<Walk<'_>> {
        let Value::Json(j) = self.var(r.var) else {
            return None;
        };
        let mut c = j.cursor();
        let mut n = 0;
        for part in &r.parts {
            let Part::Property(name) = part else {
                break;
            };
            match c.member(name) {
                Some(Some(m)) => c = m,
                // A missing member is null, and every later part of a null is null
                // (`eval_parts`).
                Some(None) => return Some(Walk::Missing),
                None => break,
            }
            n += 1;
        }
        Some(Walk::At(c, n))
    }

    /// Applies `parts` of reference `r` to `cur`, in order.
    fn eval_parts(&mut self, r: &Reference, mut cur: Value, parts: &[Part]) -> R<Value> {
        for part in parts {
            if cur.is_null() {
                return Ok(Value::Null);
            }
            if let Value::Block(body) = &cur {
                let mut s = String::new();
                self.render_block(&body.clone(), &mut s, r.pos)?;
                cur = Value::string(s);
            }
            cur = match self.apply_part(cur, part) {
                Ok(v) => v,
                Err(Flow::Err(mut e)) if e.line == 0 => {
                    let fresh = RenderError::at(self.src, r.pos, e.kind.clone());
                    e = fresh;
                    return Err(Flow::Err(e));
                }
                Err(other) => return Err(other),
            };
        }
        Ok(cur)
    }

    fn apply_part(&mut self, cur: Value, part: &Part) -> R<Value> {
        match part {
            Part::Property(name) => self.property(&cur, name),
            Part::Method(name, args) => {
                let mut values = Vec::with_capacity(args.len());
                for a in args {
                    values.push(self.eval_expr(a)?.resolved());
                }
                self.method(&cur.resolved(), name, &values)
            }
            Part::Index(e) => {
                let idx = self.eval_expr(e)?;
                self.index(&cur, &idx)
            }
        }
    }

    fn method_error(&self, msg: impl Into<String>) -> Flow {
        // Position filled in by eval_ref (line 0 marks "not yet located").
        Flow::Err(RenderError {
            line: 0,
            column: 0,
            kind: RenderErrorKind::MethodInvocation(msg.into()),
            snippet: String::new(),
        })
    }

    fn index(&mut self, cur: &Value, idx: &Value) -> R<Value> {
        if let Value::Json(j) = cur {
            return self.index(&j.materialize(), idx);
        }
        match cur {
            Value::List(l) => {
                let Some(i) = idx.as_i64() else {
                    return Ok(Value::Null);
                };
                let l = l.borrow();
                let len = l.items.len() as i64;
                let j = if i < 0 { i + len } else { i };
                if j < 0 || j >= len {
                    return Err(self.method_error(format!(
                        "IndexOutOfBoundsException: Index {i} out of bounds for length {len}"
                    )));
                }
                Ok(l.items[j as usize].clone())
            }
            Value::Map(m) => Ok(m
                .borrow()
                .entries
                .get(&Key::from_value(idx))
                .cloned()
                .unwrap_or(Value::Null)),
            _ => Ok(Value::Null),
        }
    }

    /// `$x.name`: `Map.get("name")` for maps, otherwise the JavaBean getter (`getName()`/`isName()`).
    fn property(&mut self, cur: &Value, name: &str) -> R<Value> {
        match cur {
            Value::Map(m) => {
                return Ok(m
                    .borrow()
                    .entries
                    .get(&StrKey(name))
                    .cloned()
                    .unwrap_or(Value::Null));
            }
            Value::Input if name == "body" => return Ok(self.input_body()),
            // `$foreach.hasNext` and friends, as their getters answer below, without building
            // the getter's name on every iteration.
            Value::Foreach(f) => match name {
                "hasNext" => return Ok(Value::Bool(f.has_next.get())),
                "index" => return Ok(Value::Int(f.index.get() as i32)),
                "count" => return Ok(Value::Int(f.index.get() as i32 + 1)),
                "first" => return Ok(Value::Bool(f.index.get() == 0)),
                "last" => return Ok(Value::Bool(!f.has_next.get())),
                _ => {}
            },
            Value::Json(j) => match j.live() {
                Some(v) => return self.property(&v, name),
                None if j.is_object() => return Ok(j.get(name).unwrap_or(Value::Null)),
                None => return self.property(&j.materialize(), name),
            },
            _ => {}
        }
        let mut cap = String::with_capacity(name.len() + 3);
        let mut chars = name.chars();
        if let Some(f) = chars.next() {
            cap.extend(f.to_uppercase());
            cap.push_str(chars.as_str());
        }
        for getter in [format!("get{cap}"), format!("is{cap}")] {
            let v = self.method(cur, &getter, &[])?;
            if !v.is_null() {
                return Ok(v);
            }
        }
        Ok(Value::Null)
    }

    fn input_body(&self) -> Value {
        // AWS-recorded: an empty body renders `{}` (docs/evidence/apigateway-semantics.md §8.2).
        if self.input.body.is_empty() {
            Value::str("{}")
        } else {
            Value::str(self.input.body)
        }
    }

    fn body_doc(&self) -> Option<&Value> {
        self.input
            .doc
            .get_or_init(|| {
                // Java's `String.trim` (chars <= U+0020), as the gateway's own empty-body check.
                let body = if self.input.body.trim_matches(|c: char| c <= ' ').is_empty() {
                    "{}"
                } else {
                    self.input.body
                };
                crate::json::parse(body)
            })
            .as_ref()
    }

    /// `$input.path`/`$input.json` for a simple definite path (`$`, `.name`, `['name']`, `[n]`):
    /// `Some(result)`, or `None` when the path needs the full JSONPath engine.
    fn simple_path(&self, path: &str) -> Option<Option<Value>> {
        let steps = jsonpath::simple_steps(path)?;
        let Some(mut cur) = self.body_doc().cloned() else {
            return Some(None);
        };
        for step in steps {
            if let Value::Json(j) = &cur
                && let Some(v) = j.live()
            {
                cur = v;
            }
            let next = match (&cur, step) {
                (Value::Map(m), jsonpath::Step::Name(n)) => {
                    m.borrow().entries.get(&StrKey(&n)).cloned()
                }
                (Value::List(l), jsonpath::Step::Index(i)) => l.borrow().items.get(i).cloned(),
                (Value::Json(j), jsonpath::Step::Name(n)) => j.get(&n),
                (Value::Json(j), jsonpath::Step::Index(i)) => j.index(i),
                _ => None,
            };
            match next {
                Some(v) => cur = v,
                None => return Some(None),
            }
        }
        Some(Some(cur))
    }

    fn body_json(&self) -> Option<&serde_json::Value> {
        self.input
            .json
            .get_or_init(|| {
                // Java's `String.trim` (chars <= U+0020), as the gateway's own empty-body check.
                let body = if self.input.body.trim_matches(|c: char| c <= ' ').is_empty() {
                    "{}"
                } else {
                    self.input.body
                };
                serde_json::from_str(body).ok()
            })
            .as_ref()
    }

    /// A compiled pattern: from this render's memo (no locking on repeated calls), else from the
    /// process-wide bounded cache shared by concurrent renders (`javaregex::cached`).
    fn regex(&mut self, p: &str) -> R<Arc<JavaPattern>> {
        if let Some(r) = self.regex_cache.get(p) {
            return Ok(r.clone());
        }
        let compiled = crate::javaregex::cached(p).map_err(|e| self.method_error(e))?;
        if self.regex_cache.len() < crate::javaregex::CACHE_CAPACITY {
            self.regex_cache.insert(p.to_string(), compiled.clone());
        }
        Ok(compiled)
    }

    fn stringify(&mut self, v: &Value) -> R<String> {
        match v {
            Value::Block(body) => {
                let mut s = String::new();
                self.render_block(&body.clone(), &mut s, 0)?;
                Ok(s)
            }
            v => v
                .to_java_string(self.limits.max_output_bytes)
                .map_err(|TooBig| self.too_big(0)),
        }
    }

    /// `cur.name(args)`: the registry's method for the receiver's class (`methods`), else null;
    /// a `#define` block without one is rendered and the call retried on the `String`.
    fn method(&mut self, cur: &Value, name: &str, args: &[Value]) -> R<Value> {
        // A tape container answers Java methods as the object it becomes.
        if let Value::Json(j) = cur {
            return self.method(&j.materialize(), name, args);
        }
        if let Some(call) = methods::lookup(cur, name, args.len()) {
            return call(self, cur, args);
        }
        match cur {
            Value::Block(_) => {
                let s = Value::string(self.stringify(cur)?);
                self.method(&s, name, args)
            }
            _ => Ok(Value::Null),
        }
    }

    fn input_method(&mut self, name: &str, args: &[Value]) -> R<Value> {
        let path_arg = match args.first() {
            Some(Value::Str(s)) => Some(s.clone()),
            _ => None,
        };
        match (name, args.len()) {
            ("getBody", 0) => Ok(self.input_body()),
            ("params", 0) => Ok(self.input.params.clone()),
            ("params", 1) => {
                let Some(name) = args.first() else {
                    return Ok(Value::Null);
                };
                let key = Key::from_value(name);
                // Path, then query string, then header (DG).
                if let Value::Map(all) = &self.input.params {
                    for section in ["path", "querystring", "header"] {
                        if let Some(Value::Map(m)) = all.borrow().entries.get(&Key::str(section))
                            && let Some(v) = m.borrow().entries.get(&key)
                        {
                            return Ok(v.clone());
                        }
                    }
                }
                Ok(Value::Null)
            }
            ("path", 1) => {
                let Some(p) = path_arg else {
                    return Ok(Value::Null);
                };
                if let Some(found) = self.simple_path(&p) {
                    // JSON null and a missing member both render empty (AWS-recorded, 8.1).
                    return Ok(found.unwrap_or(Value::Null));
                }
                let limit = self.limits.max_output_bytes;
                let Some(doc) = self.body_json() else {
                    return Ok(Value::Null);
                };
                let r = jsonpath::query(doc, &p).map_err(|e| self.method_error(e))?;
                let _ = limit;
                Ok(match r {
                    PathResult::One(Some(v)) => Value::from_json(v, ListKind::Json),
                    PathResult::One(None) => Value::Null,
                    PathResult::Many(vs) => Value::new_list(
                        vs.into_iter()
                            .map(|v| Value::from_json(v, ListKind::Json))
                            .collect(),
                        ListKind::Json,
                    ),
                    PathResult::Length(n) => n.map(|n| Value::Int(n as i32)).unwrap_or(Value::Null),
                })
            }
            ("json", 1) => {
                let Some(p) = path_arg else {
                    return Ok(Value::Null);
                };
                if let Some(found) = self.simple_path(&p) {
                    let Some(v) = found else {
                        return Ok(Value::str(dialect::INPUT_JSON_NO_MATCH));
                    };
                    let s = v
                        .to_json(self.limits.max_output_bytes)
                        .map_err(|TooBig| self.too_big(0))?;
                    return Ok(Value::string(s));
                }
                let Some(doc) = self.body_json() else {
                    return Ok(Value::str(dialect::INPUT_JSON_NO_MATCH));
                };
                let r = jsonpath::query(doc, &p).map_err(|e| self.method_error(e))?;
                let v = match r {
                    PathResult::One(Some(v)) => Value::from_json(v, ListKind::Json),
                    PathResult::One(None) => return Ok(Value::str(dialect::INPUT_JSON_NO_MATCH)),
                    PathResult::Many(vs) => Value::new_list(
                        vs.into_iter()
                            .map(|v| Value::from_json(v, ListKind::Json))
                            .collect(),
                        ListKind::Json,
                    ),
                    PathResult::Length(n) => n.map(|n| Value::Int(n as i32)).unwrap_or(Value::Null),
                };
                let s = v
                    .to_json(self.limits.max_output_bytes)
                    .map_err(|TooBig| self.too_big(0))?;
                Ok(Value::string(s))
            }
            _ => Ok(Value::Null),
        }
    }

    fn util_method(&mut self, name: &str, args: &[Value]) -> R<Value> {
        if args.len() != 1 {
            return Ok(Value::Null);
        }
        let s = match &args[0] {
            // AWS-recorded: `$util.urlEncode(<null>)` renders empty (docs/evidence/apigateway-semantics.md §8.2).
            Value::Null => return Ok(Value::Null),
            Value::Str(s) => s.to_string(),
            other => self.stringify(other)?,
        };
        Ok(match name {
            "escapeJavaScript" => Value::string(util::escape_javascript(&s)),
            "urlEncode" => Value::string(util::url_encode(&s)),
            "urlDecode" => Value::string(util::url_decode(&s).map_err(|e| self.method_error(e))?),
            "base64Encode" => Value::string(util::base64_encode(&s)),
            "base64Decode" => {
                Value::string(util::base64_decode(&s).map_err(|e| self.method_error(e))?)
            }
            "parseJson" => match crate::json::parse(&s) {
                Some(v) => {
                    if let Value::Json(j) = &v {
                        // Pruned when full, so a loop of parseJson keeps only the live ones.
                        if self.parsed.len() == self.parsed.capacity() {
                            self.parsed.retain(crate::json::TapeHandle::alive);
                        }
                        self.parsed.push(j.tape_handle());
                    }
                    v
                }
                // The tape accepts exactly what serde_json does; serde_json says why not.
                None => {
                    let e = serde_json::from_str::<serde::de::IgnoredAny>(&s)
                        .err()
                        .map_or_else(|| "invalid JSON".to_string(), |e| e.to_string());
                    return Err(self.method_error(format!("parseJson: invalid JSON: {e}")));
                }
            },
            _ => Value::Null,
        })
    }

    /// Velocity 1.7 `evaluate()`: the truth value of an expression in `#if`, `&&`, `||`, `!`.
    /// References are true unless null or false; literals and arithmetic are false (a 1.7 quirk,
    /// checked against the jar: `#if("x")` and `#if(1)` are false).
    pub(crate) fn eval_cond(&mut self, e: &Expr) -> R<bool> {
        match e {
            Expr::Ref(r) => Ok(match self.eval_ref(r)? {
                Value::Null => false,
                Value::Bool(b) => b,
                _ => true,
            }),
            Expr::Bool(b, _) => Ok(*b),
            Expr::Paren(inner, _) => self.eval_cond(inner),
            Expr::Not(inner, _) => Ok(!self.eval_cond(inner)?),
            Expr::Binary(BinOp::And, l, r, _, _) => Ok(self.eval_cond(l)? && self.eval_cond(r)?),
            Expr::Binary(BinOp::Or, l, r, _, _) => Ok(self.eval_cond(l)? || self.eval_cond(r)?),
            Expr::Binary(
                op @ (BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Gt | BinOp::Le | BinOp::Ge),
                l,
                r,
                _,
                _,
            ) => self.compare(*op, l, r),
            _ => {
                // Still evaluated for side effects (method calls inside).
                self.eval_expr(e)?;
                Ok(false)
            }
        }
    }

    fn compare(&mut self, op: BinOp, l: &Expr, r: &Expr) -> R<bool> {
        if matches!(op, BinOp::Eq | BinOp::Ne)
            && let Some(empty) = self.renders_empty(l, r)?
        {
            return Ok(empty == (op == BinOp::Eq));
        }
        let a = self.eval_expr(l)?;
        let b = self.eval_expr(r)?;
        match op {
            BinOp::Eq => Ok(self.velocity_eq(&a, &b)),
            BinOp::Ne => Ok(!self.velocity_eq(&a, &b)),
            _ => {
                let Some(ord) = (if a.is_number() && b.is_number() {
                    compare_numbers(&a, &b)
                } else {
                    None
                }) else {
                    return Ok(false);
                };
                use std::cmp::Ordering::*;
                Ok(match op {
                    BinOp::Lt => ord == Less,
                    BinOp::Gt => ord == Greater,
                    BinOp::Le => ord != Greater,
                    _ => ord != Less,
                })
            }
        }
    }

    /// `"$!x" == ""` (either way round, or `!=`): the idiom of AWS's examples for "missing or
    /// empty". Whether the one reference renders empty, without writing a whole item out to find
    /// that out: a Java `Map` or `List` (or a container on the tape) renders at least `{}` or
    /// `[]`, a number or boolean its digits or word, null nothing; anything else is rendered as
    /// the string would be. The reference is evaluated once, as rendering the string would.
    /// `None` when the comparison has another shape.
    fn renders_empty(&mut self, l: &Expr, r: &Expr) -> R<Option<bool>> {
        let nodes = match (l, r) {
            (Expr::Interpolated(nodes, _), Expr::Str(s, _))
            | (Expr::Str(s, _), Expr::Interpolated(nodes, _))
                if s.is_empty() =>
            {
                nodes
            }
            _ => return Ok(None),
        };
        let [Node::Ref(reference)] = nodes.as_slice() else {
            return Ok(None);
        };
        let v = self.eval_ref(reference)?;
        Ok(Some(match &v {
            Value::Null => true,
            Value::Str(s) => s.is_empty(),
            Value::Bool(_)
            | Value::Int(_)
            | Value::Long(_)
            | Value::BigInt(_)
            | Value::Double(_)
            | Value::List(_)
            | Value::Map(_)
            | Value::Json(_) => false,
            other => {
                let mut out = String::new();
                self.write_value(other, &mut out, reference.pos)?;
                out.is_empty()
            }
        }))
    }

    /// `==` as Velocity 1.7 `ASTEQNode`, plus API Gateway's null == "" (AWS-recorded, 8.1).
    fn velocity_eq(&mut self, a: &Value, b: &Value) -> bool {
        let a = match a {
            Value::Block(_) => self.stringify(a).map(Value::string).unwrap_or(Value::Null),
            v => v.clone(),
        };
        let b = match b {
            Value::Block(_) => self.stringify(b).map(Value::string).unwrap_or(Value::Null),
            v => v.clone(),
        };
        match (&a, &b) {
            (Value::Null, Value::Null) => true,
            (Value::Null, Value::Str(s)) | (Value::Str(s), Value::Null) => {
                self.null_equals_empty && s.is_empty()
            }
            (Value::Null, _) | (_, Value::Null) => false,
            _ if a.is_number() && b.is_number() => {
                compare_numbers(&a, &b) == Some(std::cmp::Ordering::Equal)
            }
            _ if a.class() == b.class() => java_equals(&a, &b, 0),
            _ => {
                let limit = self.limits.max_output_bytes;
                match (a.to_java_string(limit), b.to_java_string(limit)) {
                    (Ok(x), Ok(y)) => x == y,
                    _ => false,
                }
            }
        }
    }

    pub(crate) fn eval_expr(&mut self, e: &Expr) -> R<Value> {
        match e {
            Expr::Ref(r) => {
                let v = self.eval_ref(r)?;
                if let Value::Block(_) = v {
                    return Ok(Value::string(self.stringify(&v)?));
                }
                Ok(v)
            }
            Expr::Str(s, _) => Ok(Value::str(s)),
            Expr::Interpolated(nodes, _) => {
                let mut s = String::new();
                match self.render_nodes(nodes, &mut s) {
                    Ok(()) | Err(Flow::Break) => {}
                    Err(other) => return Err(other),
                }
                Ok(Value::string(s))
            }
            Expr::Int(i, _) => Ok(int_value(i128::from(*i))),
            Expr::Float(f, _) => Ok(Value::Double(*f)),
            Expr::Bool(b, _) => Ok(Value::Bool(*b)),
            Expr::List(items, _) => {
                let mut v = Vec::with_capacity(items.len());
                for i in items {
                    v.push(self.eval_expr(i)?);
                }
                Ok(Value::new_list(v, ListKind::ArrayList))
            }
            Expr::Map(entries, _) => {
                let mut m = crate::value::Entries::with_capacity(entries.len());
                for (k, v) in entries {
                    let k = self.eval_expr(k)?;
                    let v = self.eval_expr(v)?;
                    m.insert(Key::from_value(&k), v);
                }
                Ok(Value::Map(Rc::new(RefCell::new(JMap { entries: m }))))
            }
            Expr::Range(a, b, _) => {
                let x = self.eval_expr(a)?;
                let y = self.eval_expr(b)?;
                let (Some(x), Some(y)) = (range_bound(&x), range_bound(&y)) else {
                    return Ok(Value::Null);
                };
                let len = usize::try_from((i128::from(x) - i128::from(y)).unsigned_abs())
                    .unwrap_or(usize::MAX)
                    .saturating_add(1);
                if len > self.limits.max_range {
                    let pos = expr_pos(e);
                    return Err(self.fail(
                        pos,
                        RenderErrorKind::RangeLimit(x, y, self.limits.max_range),
                    ));
                }
                let items: Vec<Value> = if x <= y {
                    (x..=y).map(|i| int_value(i128::from(i))).collect()
                } else {
                    (y..=x).rev().map(|i| int_value(i128::from(i))).collect()
                };
                Ok(Value::new_list(items, ListKind::ArrayList))
            }
            Expr::Not(inner, _) => Ok(Value::Bool(!self.eval_cond(inner)?)),
            Expr::Paren(inner, _) => self.eval_expr(inner),
            Expr::Binary(op, l, r, pos, _) => match op {
                BinOp::And
                | BinOp::Or
                | BinOp::Eq
                | BinOp::Ne
                | BinOp::Lt
                | BinOp::Gt
                | BinOp::Le
                | BinOp::Ge => Ok(Value::Bool(self.eval_cond(e)?)),
                _ => {
                    let a = self.eval_expr(l)?;
                    let b = self.eval_expr(r)?;
                    self.math(*op, a, b, l, r, *pos)
                }
            },
        }
    }

    fn math(&mut self, op: BinOp, a: Value, b: Value, l: &Expr, r: &Expr, pos: usize) -> R<Value> {
        if op == BinOp::Add && (matches!(a, Value::Str(_)) || matches!(b, Value::Str(_))) {
            // Velocity 1.7 ASTAddNode: `+` with a String concatenates; a null side prints its
            // reference literally.
            let sa = match &a {
                Value::Null => expr_literal(l),
                v => self.stringify(v)?,
            };
            let sb = match &b {
                Value::Null => expr_literal(r),
                v => self.stringify(v)?,
            };
            if sa.len() + sb.len() > self.limits.max_output_bytes {
                return Err(self.too_big(pos));
            }
            return Ok(Value::string(sa + &sb));
        }
        if !a.is_number() || !b.is_number() {
            return Ok(Value::Null);
        }
        if matches!(a, Value::Double(_)) || matches!(b, Value::Double(_)) {
            let (x, y) = (as_f64(&a).unwrap_or(0.0), as_f64(&b).unwrap_or(0.0));
            return Ok(match op {
                BinOp::Add => Value::Double(x + y),
                BinOp::Sub => Value::Double(x - y),
                BinOp::Mul => Value::Double(x * y),
                // Velocity 1.7 MathUtils.isZero: division by zero gives null.
                BinOp::Div if y == 0.0 => Value::Null,
                BinOp::Div => Value::Double(x / y),
                BinOp::Mod if y == 0.0 => Value::Null,
                BinOp::Mod => Value::Double(x % y),
                _ => Value::Null,
            });
        }
        let (Some(x), Some(y)) = (as_i128(&a), as_i128(&b)) else {
            return Ok(Value::Null);
        };
        let rk = rank(&a).max(rank(&b));
        let res = match op {
            BinOp::Add => x.checked_add(y),
            BinOp::Sub => x.checked_sub(y),
            BinOp::Mul => x.checked_mul(y),
            BinOp::Div if y == 0 => return Ok(Value::Null),
            BinOp::Div => x.checked_div(y),
            BinOp::Mod if y == 0 => return Ok(Value::Null),
            BinOp::Mod => x.checked_rem(y),
            _ => None,
        };
        match res {
            Some(v) => Ok(int_of_rank(v, rk)),
            None => Err(self.fail(
                pos,
                RenderErrorKind::Other("integer arithmetic beyond 128 bits".into()),
            )),
        }
    }
}

fn range_bound(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(i64::from(*i)),
        Value::Long(i) => Some(*i),
        _ => None,
    }
}

fn expr_pos(e: &Expr) -> usize {
    match e {
        Expr::Ref(r) => r.pos,
        Expr::Binary(_, _, _, p, _) => *p,
        Expr::Range(a, _, _) => expr_pos(a),
        _ => 0,
    }
}

fn expr_literal(e: &Expr) -> String {
    match e {
        Expr::Ref(r) => r.literal.clone(),
        _ => "null".into(),
    }
}
