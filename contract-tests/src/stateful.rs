//! The stateful properties, derived from the response links of a create operation: which
//! operation reads and which deletes what was created, with which parameters; the list
//! operation is the parameterless GET whose success body is an array of the created schema.
//! The model's key is the table's key (`x-dynamodb-tables` KeySchema), whose attributes the
//! links' parameters carry.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use apidef::{Link, Operation, ParamLocation};
use proptest::prelude::*;
use proptest_state_machine::Sequential;
use serde_json::Value;

use crate::http::{HttpRequest, HttpResponse};
use crate::properties::{
    Case, Outcome, Session, blank, body_schema, build, check_response, run, valid_case,
};
use crate::strategy::resolve;
use crate::{Failure, Property, Report, Suite};

/// Where a link parameter's value comes from (OpenAPI runtime expressions).
fn evaluate(expr: &str, req: &HttpRequest, resp: Option<&HttpResponse>) -> Option<String> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if let Some(ptr) = expr.strip_prefix("$request.body#") {
        let body: Value = serde_json::from_slice(&req.body).ok()?;
        return body.pointer(ptr).map(text);
    }
    if let Some(ptr) = expr.strip_prefix("$response.body#") {
        let body: Value = serde_json::from_slice(&resp?.body).ok()?;
        return body.pointer(ptr).map(text);
    }
    if let Some(name) = expr.strip_prefix("$response.header.") {
        return resp?.header(name).map(str::to_string);
    }
    if let Some(name) = expr.strip_prefix("$request.query.") {
        return req
            .query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone());
    }
    if let Some(name) = expr.strip_prefix("$request.header.") {
        return req
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone());
    }
    if !expr.starts_with('$') {
        // A constant.
        return Some(expr.to_string());
    }
    None
}

/// The request a link leads to, from the request (and response) it starts at.
fn follow(
    api: &apidef::Api,
    link: &Link,
    req: &HttpRequest,
    resp: Option<&HttpResponse>,
) -> Option<(Operation, HttpRequest)> {
    let target = api.operation(link.operation_id.as_deref()?)?;
    let mut values = Vec::new();
    for p in &target.parameters {
        let v = match link.parameters.get(&p.name).or_else(|| {
            // `path.artist` names a parameter with its location.
            link.parameters
                .get(&format!("{}.{}", p.location.apigw_name(), p.name))
        }) {
            Some(Value::String(expr)) => evaluate(expr, req, resp),
            Some(other) => Some(other.to_string()),
            None => None,
        };
        if v.is_none() && (p.required || p.location == ParamLocation::Path) {
            return None;
        }
        values.push(v);
    }
    let case: Case = (values, None);
    Some((target.clone(), build(target, &case)))
}

/// Requests that remove what a successful `req` to `op` created (its links to DELETE operations).
pub(crate) fn undo(
    suite: &Suite,
    op: &Operation,
    req: &HttpRequest,
    resp: &HttpResponse,
) -> Vec<HttpRequest> {
    let Some(r) = op.responses.get(&resp.status.to_string()) else {
        return Vec::new();
    };
    r.links
        .values()
        .filter_map(|l| follow(&suite.api, l, req, Some(resp)))
        .filter(|(t, _)| t.method == "DELETE")
        .map(|(_, r)| r)
        .collect()
}

/// Whether a successful `req` to `op` would create what no link can delete: a blank value
/// (API Gateway reads it as a missing parameter) for a path parameter of a DELETE link. On a
/// shared target such a case is skipped, so the suite leaves nothing behind.
pub(crate) fn undeletable(suite: &Suite, op: &Operation, req: &HttpRequest) -> bool {
    op.responses
        .iter()
        .filter(|(s, _)| s.starts_with('2'))
        .flat_map(|(_, r)| r.links.values())
        .filter_map(|l| {
            let target = suite.api.operation(l.operation_id.as_deref()?)?;
            (target.method == "DELETE").then_some((l, target))
        })
        .any(|(l, target)| {
            target
                .parameters
                .iter()
                .filter(|p| p.location == ParamLocation::Path)
                .any(|p| match l.parameters.get(&p.name) {
                    Some(Value::String(expr)) => {
                        evaluate(expr, req, None).is_some_and(|v| blank(&v))
                    }
                    _ => false,
                })
        })
}

/// Everything the stateful checks need, derived from the document.
struct Plan {
    create: Operation,
    read: (String, Link),
    delete: Option<(String, Link)>,
    /// Body pointers that make up the key, in the read operation's parameter order.
    key: Vec<String>,
    list: Option<ListPlan>,
}

struct ListPlan {
    op: Operation,
    /// Index of an optional integer query parameter that bounds the page size.
    page_size: Option<usize>,
    /// (response header, index of the query parameter it is passed back in).
    cursor: Option<(String, usize)>,
}

fn plan(suite: &Suite, op: &Operation, names: &[&str]) -> Result<Plan, String> {
    let api = &suite.api;
    let links: Vec<(String, Link)> = op
        .responses
        .iter()
        .filter(|(s, _)| s.starts_with('2'))
        .flat_map(|(_, r)| r.links.iter().map(|(n, l)| (n.clone(), l.clone())))
        .collect();
    let found: Vec<&str> = links.iter().map(|(n, _)| n.as_str()).collect();
    if found != names {
        return Err(format!(
            "the generated test expects links {names:?} but the document has {found:?}: regenerate"
        ));
    }
    let method_of = |l: &Link| {
        l.operation_id
            .as_deref()
            .and_then(|id| api.operation(id))
            .map(|o| o.method.clone())
    };
    let read = links
        .iter()
        .find(|(_, l)| method_of(l).as_deref() == Some("GET"))
        .cloned()
        .ok_or("no link from the create operation leads to a GET operation")?;
    let delete = links
        .iter()
        .find(|(_, l)| method_of(l).as_deref() == Some("DELETE"))
        .cloned();
    let read_op = read
        .1
        .operation_id
        .as_deref()
        .and_then(|id| api.operation(id))
        .ok_or("the read link names no operation")?;
    let mut key = Vec::new();
    for p in &read_op.parameters {
        if let Some(Value::String(expr)) = read.1.parameters.get(&p.name)
            && let Some(ptr) = expr
                .strip_prefix("$request.body#")
                .or_else(|| expr.strip_prefix("$response.body#"))
        {
            key.push(ptr.to_string());
        }
    }
    // The table's key: every KeySchema attribute must be carried by one link parameter (matched
    // by name, case-insensitively), else the model would key items differently from the store.
    if let Some(table) = api.tables.values().next() {
        let attrs: Vec<&str> = table
            .key_schema
            .iter()
            .map(|k| k.attribute_name.as_str())
            .collect();
        if attrs.len() != key.len() {
            return Err(format!(
                "table {} is keyed by {attrs:?} but link {} carries {} body field(s) {key:?}",
                table.table_name,
                read.0,
                key.len()
            ));
        }
        for a in &attrs {
            if !key.iter().any(|p| {
                p.rsplit('/')
                    .next()
                    .is_some_and(|f| f.eq_ignore_ascii_case(a))
            }) {
                return Err(format!(
                    "key attribute {a} of table {} is not carried by link {}",
                    table.table_name, read.0
                ));
            }
        }
    }
    let list = body_schema(op).and_then(|created| {
        let created = resolve(created, created).clone();
        api.operations
            .iter()
            .find(|o| {
                o.method == "GET"
                    && !o
                        .parameters
                        .iter()
                        .any(|p| p.required || p.location == ParamLocation::Path)
                    && o.responses.iter().any(|(s, r)| {
                        s.starts_with('2')
                            && r.content.values().flatten().any(|schema| {
                                let s = resolve(schema, schema);
                                s.get("type").and_then(Value::as_str) == Some("array")
                                    && s.get("items")
                                        .is_some_and(|i| resolve(i, schema) == &created)
                            })
                    })
            })
            .map(|o| list_plan(o.clone()))
    });
    Ok(Plan {
        create: op.clone(),
        read,
        delete,
        key,
        list,
    })
}

fn list_plan(op: Operation) -> ListPlan {
    let page_size = op.parameters.iter().position(|p| {
        p.location == ParamLocation::Query
            && !p.required
            && p.schema
                .as_ref()
                .and_then(|s| s.get("type"))
                .and_then(Value::as_str)
                == Some("integer")
    });
    // The cursor: a link from the list to itself passing a response header back, or else (the
    // document has no such link) the query parameter whose description names the header.
    let mut cursor = None;
    for r in op
        .responses
        .iter()
        .filter(|(s, _)| s.starts_with('2'))
        .map(|(_, r)| r)
    {
        for l in r.links.values() {
            if l.operation_id.as_deref() != op.operation_id.as_deref() {
                continue;
            }
            for (name, expr) in &l.parameters {
                if let Some(h) = expr
                    .as_str()
                    .and_then(|e| e.strip_prefix("$response.header."))
                    && let Some(i) = op.parameters.iter().position(|p| &p.name == name)
                {
                    cursor = Some((h.to_string(), i));
                }
            }
        }
        if cursor.is_none() {
            for h in r.headers.keys() {
                if let Some(i) = op.parameters.iter().position(|p| {
                    p.location == ParamLocation::Query
                        && p.description
                            .as_deref()
                            .is_some_and(|d| d.contains(h.as_str()))
                }) {
                    cursor = Some((h.clone(), i));
                }
            }
        }
    }
    ListPlan {
        op,
        page_size,
        cursor,
    }
}

fn key_of(plan: &Plan, v: &Value) -> Vec<String> {
    plan.key
        .iter()
        .map(|p| match v.pointer(p) {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        })
        .collect()
}

fn set_pointer(v: &mut Value, ptr: &str, new: Value) {
    if let Some(slot) = v.pointer_mut(ptr) {
        *slot = new;
    } else if let Some((parent, last)) = ptr.rsplit_once('/')
        && let Some(Value::Object(o)) = v.pointer_mut(parent)
    {
        o.insert(last.replace("~1", "/").replace("~0", "~"), new);
    }
}

/// Where two JSON values first differ, for "field for field" messages.
fn first_difference(path: &str, expected: &Value, got: &Value) -> Option<String> {
    match (expected, got) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, x) in a {
                match b.get(k) {
                    None => return Some(format!("{path}/{k} is missing")),
                    Some(y) => {
                        if let Some(d) = first_difference(&format!("{path}/{k}"), x, y) {
                            return Some(d);
                        }
                    }
                }
            }
            b.keys()
                .find(|k| !a.contains_key(*k))
                .map(|k| format!("{path}/{k} was not sent"))
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => a
            .iter()
            .zip(b)
            .enumerate()
            .find_map(|(i, (x, y))| first_difference(&format!("{path}/{i}"), x, y)),
        _ if expected == got => None,
        _ => Some(format!(
            "{} is {got} instead of {expected}",
            if path.is_empty() { "the body" } else { path }
        )),
    }
}

fn expect_same(what: &str, expected: &Value, resp: &HttpResponse) -> Result<(), Outcome> {
    let got = resp
        .json()
        .ok_or_else(|| Outcome::Fail(format!("{what}: the body is not JSON")))?;
    match first_difference("", expected, &got) {
        None => Ok(()),
        Some(d) => Err(Outcome::Fail(format!(
            "{what} does not return what was stored, field for field: {d}"
        ))),
    }
}

impl Plan {
    fn create(&self, session: &mut Session<'_>, case: &Case) -> Result<HttpRequest, Outcome> {
        let req = build(&self.create, case);
        let resp = session.send(req.clone())?;
        let suite = session.suite;
        if session.remote() {
            session
                .cleanup
                .extend(undo(suite, &self.create, &req, &resp));
        }
        check_response(suite, &self.create, &resp).map_err(Outcome::Fail)?;
        if !(200..300).contains(&resp.status) {
            return Err(Outcome::Fail(format!(
                "{} of a valid body answered HTTP {}",
                self.create.label(),
                resp.status
            )));
        }
        Ok(req)
    }

    /// Follow a link from a create request; `expected` is the stored body (None: absent, 404).
    fn linked(
        &self,
        session: &mut Session<'_>,
        link: &(String, Link),
        source: &HttpRequest,
        expected: Option<&Value>,
    ) -> Result<(), Outcome> {
        let suite = session.suite;
        let (op, req) = follow(&suite.api, &link.1, source, None).ok_or_else(|| {
            Outcome::Fail(format!(
                "link {} cannot be followed from the request",
                link.0
            ))
        })?;
        let resp = session.send(req)?;
        check_response(suite, &op, &resp).map_err(Outcome::Fail)?;
        let what = format!("{} (link {})", op.label(), link.0);
        match expected {
            None if resp.status != 404 => Err(Outcome::Fail(format!(
                "{what} of an absent item answered HTTP {} instead of 404",
                resp.status
            ))),
            None => Ok(()),
            Some(_) if !(200..300).contains(&resp.status) => Err(Outcome::Fail(format!(
                "{what} of a stored item answered HTTP {}",
                resp.status
            ))),
            Some(x) => {
                // Only a response documented with the created schema returns the item.
                let returns_item = op
                    .responses
                    .get(&resp.status.to_string())
                    .is_some_and(|r| !r.content.is_empty());
                if returns_item {
                    expect_same(&what, x, &resp)
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Every page of the list, following the cursor.
    fn list_all(
        &self,
        session: &mut Session<'_>,
        page_size: Option<u32>,
    ) -> Result<Vec<Value>, Outcome> {
        let Some(list) = &self.list else {
            return Ok(Vec::new());
        };
        let suite = session.suite;
        let mut values: Vec<Option<String>> = vec![None; list.op.parameters.len()];
        if let (Some(i), Some(n)) = (list.page_size, page_size) {
            values[i] = Some(n.to_string());
        }
        let mut items = Vec::new();
        for page in 0.. {
            if page > 10_000 {
                return Err(Outcome::Fail(format!(
                    "{} never stops returning a cursor",
                    list.op.label()
                )));
            }
            let req = build(&list.op, &(values.clone(), None));
            let resp = session.send(req)?;
            check_response(suite, &list.op, &resp).map_err(Outcome::Fail)?;
            if !(200..300).contains(&resp.status) {
                return Err(Outcome::Fail(format!(
                    "{} page {} answered HTTP {}",
                    list.op.label(),
                    page + 1,
                    resp.status
                )));
            }
            match resp.json() {
                Some(Value::Array(page_items)) => items.extend(page_items),
                _ => {
                    return Err(Outcome::Fail(format!(
                        "{} page {} is not a JSON array",
                        list.op.label(),
                        page + 1
                    )));
                }
            }
            let next = list
                .cursor
                .as_ref()
                .and_then(|(h, i)| resp.header(h).map(|c| (*i, c.to_string())));
            match next {
                Some((i, c)) => values[i] = Some(c),
                None => break,
            }
        }
        Ok(items)
    }

    /// The list holds each expected item exactly once and as stored; keys in `ours` that are not
    /// expected are absent. Other items (a shared stage) are ignored.
    fn check_list(
        &self,
        items: &[Value],
        expected: &BTreeMap<Vec<String>, Value>,
        ours: &[Vec<String>],
    ) -> Result<(), Outcome> {
        let Some(list) = &self.list else {
            return Ok(());
        };
        let what = format!("{} (every page)", list.op.label());
        for key in ours {
            let found: Vec<&Value> = items.iter().filter(|i| &key_of(self, i) == key).collect();
            match (expected.get(key), found.as_slice()) {
                (Some(x), [one]) => {
                    if let Some(d) = first_difference("", x, one) {
                        return Err(Outcome::Fail(format!(
                            "{what} holds item {key:?} but not as stored: {d}"
                        )));
                    }
                }
                (Some(_), found) => {
                    return Err(Outcome::Fail(format!(
                        "{what} holds item {key:?} {} times instead of once ({} items listed)",
                        found.len(),
                        items.len()
                    )));
                }
                (None, []) => {}
                (None, found) => {
                    return Err(Outcome::Fail(format!(
                        "{what} holds deleted item {key:?} {} time(s)",
                        found.len()
                    )));
                }
            }
        }
        Ok(())
    }
}

/// A create case with its key fields taken from `keyed`.
fn with_key(plan: &Plan, case: &Case, keyed: &Value) -> Case {
    let mut body = case.1.clone().unwrap_or(Value::Null);
    for p in &plan.key {
        if let Some(v) = keyed.pointer(p) {
            set_pointer(&mut body, p, v.clone());
        }
    }
    (case.0.clone(), Some(body))
}

fn page_sizes(plan: &Plan) -> BoxedStrategy<Option<u32>> {
    let min = plan
        .list
        .as_ref()
        .and_then(|l| l.page_size.map(|i| &l.op.parameters[i]))
        .and_then(|p| p.schema.as_ref())
        .and_then(|s| s.get("minimum"))
        .and_then(Value::as_u64)
        .and_then(|m| u32::try_from(m).ok())
        .unwrap_or(1);
    if plan.list.as_ref().is_some_and(|l| l.page_size.is_some()) {
        // Small pages, so a few items already span several.
        proptest::option::weighted(0.75, min..=min + 2).boxed()
    } else {
        Just(None).boxed()
    }
}

pub(crate) fn links(
    suite: &Suite,
    op: &Operation,
    names: &[&str],
    property: &Property<'_>,
) -> Result<Report, Failure> {
    let plan = plan(suite, op, names).map_err(|reason| Failure {
        property: property.name().into(),
        operation: property.operation().into(),
        reason,
        exchanges: Vec::new(),
        minimal_input: String::new(),
    })?;
    let strategy = (
        proptest::collection::vec(addressable(&plan, op), 1..=5),
        page_sizes(&plan),
    );
    run(suite, property, strategy, |session, (cases, page)| {
        // Create every item; the last create of a key is what is stored.
        let mut stored: BTreeMap<Vec<String>, (Value, HttpRequest)> = BTreeMap::new();
        let mut order = Vec::new();
        for case in cases {
            let req = plan.create(session, case)?;
            let Some(body) = &case.1 else { continue };
            let key = key_of(&plan, body);
            if !order.contains(&key) {
                order.push(key.clone());
            }
            stored.insert(key, (body.clone(), req));
        }
        for key in &order {
            let (x, req) = &stored[key];
            plan.linked(session, &plan.read, req, Some(x))?;
        }
        let expected: BTreeMap<Vec<String>, Value> = stored
            .iter()
            .map(|(k, (v, _))| (k.clone(), v.clone()))
            .collect();
        let items = plan.list_all(session, *page)?;
        plan.check_list(&items, &expected, &order)?;
        if let Some(delete) = &plan.delete {
            for key in &order {
                let (x, req) = &stored[key];
                plan.linked(session, delete, req, Some(x))?;
                plan.linked(session, &plan.read, req, None)?;
                plan.linked(session, delete, req, None)?;
            }
            let items = plan.list_all(session, *page)?;
            plan.check_list(&items, &BTreeMap::new(), &order)?;
        }
        Ok(())
    })
}

/// Create cases whose key a link can carry: a blank key value would be a missing path
/// parameter to API Gateway, so the item could be stored but never read back (reported by the
/// positive property of the read operation, not here).
fn addressable(plan: &Plan, op: &Operation) -> BoxedStrategy<Case> {
    let key = plan.key.clone();
    valid_case(op)
        .prop_filter(
            "a blank key value cannot be sent as a path parameter",
            move |c| {
                c.1.as_ref().is_none_or(|b| {
                    key.iter().all(|p| {
                        b.pointer(p)
                            .and_then(Value::as_str)
                            .is_none_or(|s| !blank(s))
                    })
                })
            },
        )
        .boxed()
}

/// One step of the state machine; indices pick a key from the initial state's pool.
#[derive(Debug, Clone)]
enum Step {
    Create(usize, Case),
    Read(usize),
    Delete(usize),
    List(Option<u32>),
}

/// The reference model: the key pool and what the store should hold.
#[derive(Debug, Clone)]
struct Model {
    pool: Vec<Value>,
}

pub(crate) fn state_machine(
    suite: &Suite,
    op: &Operation,
    names: &[&str],
    property: &Property<'_>,
) -> Result<Report, Failure> {
    let plan = Arc::new(plan(suite, op, names).map_err(|reason| Failure {
        property: property.name().into(),
        operation: property.operation().into(),
        reason,
        exchanges: Vec::new(),
        minimal_input: String::new(),
    })?);
    // Keys must differ within the pool, or two indices would name one item.
    let op_init = op.clone();
    let plan_init = plan.clone();
    let init = move || {
        let plan = plan_init.clone();
        proptest::collection::vec(addressable(&plan, &op_init), 1..=3)
            .prop_map(move |cases| {
                let mut pool: Vec<Value> = Vec::new();
                for body in cases.into_iter().filter_map(|c| c.1) {
                    if !pool
                        .iter()
                        .any(|p| key_of(&plan, p) == key_of(&plan, &body))
                    {
                        pool.push(body);
                    }
                }
                Model { pool }
            })
            .boxed()
    };
    let op_tr = op.clone();
    let plan_tr = plan.clone();
    let transitions = move |m: &Model| {
        let n = m.pool.len().max(1);
        prop_oneof![
            3 => (0..n, valid_case(&op_tr)).prop_map(|(i, c)| Step::Create(i, c)),
            2 => (0..n).prop_map(Step::Read),
            2 => (0..n).prop_map(Step::Delete),
            1 => page_sizes(&plan_tr).prop_map(Step::List),
        ]
        .boxed()
    };
    // The model only holds the key pool: what is stored is tracked while the steps run.
    let next = |m: Model, _: &Step| m;
    let sequential = Sequential::new(
        (1..=20usize).into(),
        init,
        |m: &Model, step: &Step| match step {
            Step::Create(i, _) | Step::Read(i) | Step::Delete(i) => *i < m.pool.len(),
            Step::List(_) => true,
        },
        transitions,
        next,
    );
    run(
        suite,
        property,
        sequential,
        |session, (model, steps, seen)| {
            let seen: &Option<Arc<AtomicUsize>> = seen;
            let mut stored: BTreeMap<usize, (Value, HttpRequest)> = BTreeMap::new();
            let keys: Vec<Vec<String>> = model.pool.iter().map(|b| key_of(&plan, b)).collect();
            // A request that only carries the key, to follow links from for a key never created.
            let key_request = |i: usize| {
                build(
                    &plan.create,
                    &(
                        vec![None; plan.create.parameters.len()],
                        Some(model.pool[i].clone()),
                    ),
                )
            };
            if session.remote()
                && let Some(delete) = &plan.delete
            {
                for i in 0..model.pool.len() {
                    if let Some((_, r)) =
                        follow(&session.suite.api, &delete.1, &key_request(i), None)
                    {
                        session.cleanup.push(r);
                    }
                }
            }
            for step in steps {
                // Before the step: the strategy's first shrink drops the steps never reached, and
                // the failing one was reached.
                if let Some(seen) = seen {
                    seen.fetch_add(1, Ordering::SeqCst);
                }
                match step {
                    Step::Create(i, case) => {
                        let case = with_key(&plan, case, &model.pool[*i]);
                        let req = plan.create(session, &case)?;
                        if let Some(body) = case.1 {
                            stored.insert(*i, (body, req));
                        }
                    }
                    Step::Read(i) => {
                        let source = stored
                            .get(i)
                            .map_or_else(|| key_request(*i), |s| s.1.clone());
                        plan.linked(session, &plan.read, &source, stored.get(i).map(|s| &s.0))?;
                    }
                    Step::Delete(i) => {
                        if let Some(delete) = &plan.delete {
                            let source = stored
                                .get(i)
                                .map_or_else(|| key_request(*i), |s| s.1.clone());
                            plan.linked(session, delete, &source, stored.get(i).map(|s| &s.0))?;
                            stored.remove(i);
                        }
                    }
                    Step::List(page) => {
                        let items = plan.list_all(session, *page)?;
                        let expected = stored
                            .iter()
                            .map(|(i, (v, _))| (keys[*i].clone(), v.clone()))
                            .collect();
                        plan.check_list(&items, &expected, &keys)?;
                    }
                }
            }
            Ok(())
        },
    )
}
