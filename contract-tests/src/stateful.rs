//! The stateful properties, derived from the document: the create operation's response links
//! say which operation reads, updates, deletes and lists what was created (recognised by HTTP
//! semantics: GET reads, PATCH or another PUT updates, DELETE deletes, a GET whose page pairs a
//! response field or header with a request parameter through a link to itself lists); the
//! model's key is what the create's template sends to DynamoDB ([`crate::keys`]); a create of an
//! existing key is refused when the create documents 409 or its template is conditional.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use apidef::{Link, Operation, ParamLocation};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest_state_machine::Sequential;
use serde_json::{Map, Value};

use crate::case::{Case, blank, body_schema, build, media_type, valid_case};
use crate::checks::{check_response, documented, first_difference};
use crate::error::{Error, ErrorKind};
use crate::http::{HttpRequest, HttpResponse};
use crate::keys::{self, Key};
use crate::links::{self, Exchange, follow, text};
use crate::session::{Outcome, Session, run};
use crate::strategy::{coerce, resolve};
use crate::{Failure, Property, Report, Suite};

/// The 2xx links of an operation, in document order.
fn success_links(op: &Operation) -> Vec<(String, Link)> {
    op.responses
        .iter()
        .filter(|(s, _)| s.starts_with('2'))
        .flat_map(|(_, r)| r.links.iter().map(|(n, l)| (n.clone(), l.clone())))
        .collect()
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
    let x = Exchange {
        op,
        request: req,
        response: Some(resp),
    };
    r.links
        .iter()
        .filter_map(|(n, l)| follow(&suite.api, n, l, &x).ok())
        .filter(|f| f.op.method == "DELETE")
        .map(|f| f.request())
        .collect()
}

/// Whether a successful `req` to `op` would create what no link can delete: a blank value
/// (API Gateway reads it as a missing parameter) for a path parameter of a DELETE link. On a
/// shared target such a case is skipped, so the suite leaves nothing behind.
pub(crate) fn undeletable(suite: &Suite, op: &Operation, req: &HttpRequest) -> bool {
    let x = Exchange {
        op,
        request: req,
        response: None,
    };
    success_links(op).iter().any(|(_, l)| {
        let Some(target) = l
            .operation_id
            .as_deref()
            .and_then(|id| suite.api.operation(id))
        else {
            return false;
        };
        target.method == "DELETE"
            && target
                .parameters
                .iter()
                .filter(|p| p.location == ParamLocation::Path)
                .any(|p| match l.parameters.get(&p.name) {
                    Some(Value::String(e)) => links::evaluate(e, &x)
                        .ok()
                        .flatten()
                        .is_some_and(|v| blank(&text(&v))),
                    _ => false,
                })
    })
}

/// The JSON schema of a response of `op` for `status`, resolved.
fn response_schema(op: &Operation, status: u16) -> Option<(Value, Value)> {
    let r = documented(op, status)?;
    let (_, schema) = r
        .content
        .iter()
        .find(|(ct, _)| media_type(ct) == "application/json")?;
    let root = schema.clone()?;
    Some((resolve(&root, &root).clone(), root))
}

/// Where the items of a list page are: the body itself (`""`) or one array property of it.
fn items_pointer(schema: &Value, root: &Value) -> Option<String> {
    match schema.get("type").and_then(Value::as_str) {
        Some("array") => Some(String::new()),
        _ => schema
            .get("properties")?
            .as_object()?
            .iter()
            .find(|(_, p)| resolve(p, root).get("type").and_then(Value::as_str) == Some("array"))
            .map(|(n, _)| format!("/{}", n.replace('~', "~0").replace('/', "~1"))),
    }
}

struct Named {
    name: String,
    link: Link,
}

struct ListPlan {
    op: Operation,
    /// The create's link to it (a Query scoped by the partition key), or none (a list found by
    /// its schema that takes no required parameter).
    link: Option<Named>,
    /// Index of an optional integer query parameter that bounds the page size.
    page_size: Option<usize>,
    /// (index of the parameter the next page is asked with, the expression that gives it).
    cursor: Option<(usize, String)>,
    items: String,
}

/// Everything the stateful checks need, derived from the document.
struct Plan {
    create: Operation,
    key: Key,
    read: Named,
    update: Option<Named>,
    delete: Option<Named>,
    list: Option<ListPlan>,
    /// What a create of an existing key answers, when creates are conditional.
    conflict: Option<u16>,
}

fn plan(suite: &Suite, op: &Operation, names: &[&str]) -> Result<Plan, Error> {
    let api = &suite.api;
    let links = success_links(op);
    let found: Vec<&str> = links.iter().map(|(n, _)| n.as_str()).collect();
    if found != names {
        return Err(Error::new(
            ErrorKind::Stale,
            op.label(),
            format!(
                "the generated test expects links {names:?} but the document has {found:?}: regenerate (`cargo run -p codegen -- generate`)"
            ),
        ));
    }
    let target = |l: &Link| l.operation_id.as_deref().and_then(|id| api.operation(id));
    let named = |(n, l): &(String, Link)| Named {
        name: n.clone(),
        link: l.clone(),
    };
    let is_list = |o: &Operation| {
        success_links(o)
            .iter()
            .any(|(_, l)| l.operation_id == o.operation_id)
            || o.responses.keys().any(|s| {
                s.starts_with('2')
                    && s.parse()
                        .ok()
                        .and_then(|s| response_schema(o, s))
                        .is_some_and(|(s, _)| {
                            s.get("type").and_then(Value::as_str) == Some("array")
                        })
            })
    };
    let read = links
        .iter()
        .find(|(_, l)| target(l).is_some_and(|t| t.method == "GET" && !is_list(t)))
        .map(named)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Untestable,
                op.label(),
                "no link of a 2xx response leads to a GET operation that reads one item",
            )
        })?;
    let update = links
        .iter()
        .find(|(_, l)| {
            target(l).is_some_and(|t| {
                t.method == "PATCH" || (t.method == "PUT" && t.operation_id != op.operation_id)
            })
        })
        .map(named);
    let delete = links
        .iter()
        .find(|(_, l)| target(l).is_some_and(|t| t.method == "DELETE"))
        .map(named);
    let key = keys::learn(&suite.api, op, &suite.runtime)?;
    let conflict = if op.responses.contains_key("409") {
        Some(409)
    } else if key.conditional {
        Some(400)
    } else {
        None
    };
    let linked_list = links
        .iter()
        .find(|(_, l)| target(l).is_some_and(|t| t.method == "GET" && is_list(t)))
        .and_then(|nl| Some((target(&nl.1)?.clone(), Some(named(nl)))));
    // A list no link leads to: the parameterless GET whose page is an array of what is created.
    let unlinked = || {
        let created = body_schema(op)?;
        let created = resolve(created, created).clone();
        api.operations
            .iter()
            .find(|o| {
                o.method == "GET"
                    && !o
                        .parameters
                        .iter()
                        .any(|p| p.required || p.location == ParamLocation::Path)
                    && o.responses.keys().any(|s| {
                        s.starts_with('2')
                            && s.parse()
                                .ok()
                                .and_then(|s| response_schema(o, s))
                                .is_some_and(|(s, root)| {
                                    s.get("type").and_then(Value::as_str) == Some("array")
                                        && s.get("items")
                                            .is_some_and(|i| resolve(i, &root) == &created)
                                })
                    })
            })
            .map(|o| (o.clone(), None))
    };
    let list = linked_list
        .or_else(unlinked)
        .and_then(|(o, link)| list_plan(o, link));
    Ok(Plan {
        create: op.clone(),
        key,
        read,
        update,
        delete,
        list,
        conflict,
    })
}

fn list_plan(op: Operation, link: Option<Named>) -> Option<ListPlan> {
    let status = op
        .responses
        .keys()
        .filter(|s| s.starts_with('2'))
        .find_map(|s| s.parse::<u16>().ok())?;
    let (schema, root) = response_schema(&op, status)?;
    let items = items_pointer(&schema, &root)?;
    let page_size = op.parameters.iter().position(|p| {
        p.location == ParamLocation::Query
            && !p.required
            && p.schema
                .as_ref()
                .and_then(|s| s.get("type"))
                .and_then(Value::as_str)
                == Some("integer")
    });
    // The cursor: a link from the list to itself that passes a response field or header back
    // as a parameter (a `NextPage` link).
    let mut cursor = None;
    for (_, l) in success_links(&op) {
        if l.operation_id.as_deref() != op.operation_id.as_deref() {
            continue;
        }
        for (name, expr) in &l.parameters {
            let Some(e) = expr.as_str().filter(|e| e.starts_with("$response.")) else {
                continue;
            };
            let bare = name.rsplit('.').next().unwrap_or(name);
            if let Some(i) = op.parameters.iter().position(|p| p.name == bare) {
                cursor = Some((i, e.to_string()));
            }
        }
    }
    Some(ListPlan {
        op,
        link,
        page_size,
        cursor,
        items,
    })
}

/// One item the case created: the create exchange (links are followed from it) and what is
/// stored now (the create body, then merged with each update).
#[derive(Clone)]
struct Stored {
    request: HttpRequest,
    response: Option<HttpResponse>,
    case: Case,
    body: Value,
}

/// JSON merge patch of objects (RFC 7386): what an UpdateItem with `SET`/`REMOVE` of the sent
/// fields leaves.
fn merge(stored: &Value, patch: &Value) -> Value {
    match (stored, patch) {
        (Value::Object(a), Value::Object(b)) => {
            let mut out = a.clone();
            for (k, v) in b {
                if v.is_null() {
                    out.shift_remove(k);
                } else {
                    out.insert(k.clone(), v.clone());
                }
            }
            Value::Object(out)
        }
        (_, p) => p.clone(),
    }
}

impl Plan {
    fn exchange<'a>(&'a self, s: &'a Stored) -> Exchange<'a> {
        Exchange {
            op: &self.create,
            request: &s.request,
            response: s.response.as_ref(),
        }
    }

    /// What a response documented with `schema` shows of a stored item: the stored fields it
    /// declares, and a create parameter of the same name (a key sent in the path), coerced to
    /// the declared type. A schema without `properties` shows the stored body as is.
    fn view(&self, s: &Stored, schema: &Value, root: &Value) -> Value {
        let Some(props) = schema.get("properties").and_then(Value::as_object) else {
            return s.body.clone();
        };
        let mut out = Map::new();
        for (name, sub) in props {
            if let Some(v) = s.body.get(name) {
                out.insert(name.clone(), v.clone());
            } else if let Some((_, Some(v))) = self
                .create
                .parameters
                .iter()
                .zip(&s.case.0)
                .find(|(p, _)| &p.name == name)
            {
                out.insert(name.clone(), coerce(v, resolve(sub, root)));
            }
        }
        Value::Object(out)
    }

    fn follow_from<'s>(
        &self,
        session: &Session<'s>,
        n: &Named,
        s: &Stored,
    ) -> Result<links::Followed<'s>, Outcome> {
        follow(&session.suite.api, &n.name, &n.link, &self.exchange(s))
            .map_err(|e| Outcome::Fail(e.to_string()))
    }

    /// Create `case`; `exists`: the model holds its key already.
    fn create(
        &self,
        session: &mut Session<'_>,
        case: &Case,
        exists: bool,
    ) -> Result<Option<Stored>, Outcome> {
        let req = build(&self.create, case);
        let resp = session.send(req.clone())?;
        let suite = session.suite;
        if session.remote() {
            session
                .cleanup
                .extend(undo(suite, &self.create, &req, &resp));
        }
        check_response(suite, &self.create, &resp).map_err(Outcome::Fail)?;
        if exists && let Some(c) = self.conflict {
            if resp.status != c {
                return Err(Outcome::Fail(format!(
                    "{} of a key that is already stored answered HTTP {} instead of the documented {c}: the create overwrites despite its condition",
                    self.create.label(),
                    resp.status
                )));
            }
            return Ok(None);
        }
        if !(200..300).contains(&resp.status) {
            return Err(Outcome::Fail(format!(
                "{} of a valid request answered HTTP {}",
                self.create.label(),
                resp.status
            )));
        }
        Ok(Some(Stored {
            request: req,
            response: Some(resp),
            case: case.clone(),
            body: case.1.clone().unwrap_or(Value::Object(Map::new())),
        }))
    }

    /// Compare a 2xx response with what is stored, as its documented schema shows it.
    fn expect_stored(
        &self,
        what: &str,
        op: &Operation,
        resp: &HttpResponse,
        s: &Stored,
    ) -> Result<(), Outcome> {
        let Some((schema, root)) = response_schema(op, resp.status) else {
            return Ok(());
        };
        let got = resp
            .json()
            .ok_or_else(|| Outcome::Fail(format!("{what}: the body is not JSON")))?;
        match first_difference("", &self.view(s, &schema, &root), &got) {
            None => Ok(()),
            Some(d) => Err(Outcome::Fail(format!(
                "{what} does not return what was written, field for field: {d}"
            ))),
        }
    }

    /// Read through the read link; `present`: the model holds the item (`s` is then its state,
    /// else only the key to address it).
    fn read(&self, session: &mut Session<'_>, s: &Stored, present: bool) -> Result<(), Outcome> {
        let f = self.follow_from(session, &self.read, s)?;
        let resp = session.send(f.request())?;
        check_response(session.suite, f.op, &resp).map_err(Outcome::Fail)?;
        let what = format!("{} (link {})", f.op.label(), self.read.name);
        if !present {
            if resp.status != 404 {
                return Err(Outcome::Fail(format!(
                    "{what} of an absent item answered HTTP {} instead of 404",
                    resp.status
                )));
            }
            return Ok(());
        }
        if !(200..300).contains(&resp.status) {
            return Err(Outcome::Fail(format!(
                "{what} of a stored item answered HTTP {}",
                resp.status
            )));
        }
        self.expect_stored(&what, f.op, &resp, s)
    }

    /// Update through the update link with `patch`; the new state (None: still absent).
    fn update(
        &self,
        session: &mut Session<'_>,
        s: &Stored,
        present: bool,
        patch: &Value,
    ) -> Result<Option<Stored>, Outcome> {
        let Some(u) = &self.update else {
            return Ok(present.then(|| s.clone()));
        };
        let f = self.follow_from(session, u, s)?;
        let body = f.case.1.clone().unwrap_or_else(|| patch.clone());
        let resp = session.send(f.request_with(Some(body.clone())))?;
        check_response(session.suite, f.op, &resp).map_err(Outcome::Fail)?;
        let what = format!("{} (link {})", f.op.label(), u.name);
        if !present && resp.status == 404 {
            return Ok(None);
        }
        if !(200..300).contains(&resp.status) {
            return Err(Outcome::Fail(format!(
                "{what} of a {} item answered HTTP {}",
                if present { "stored" } else { "absent" },
                resp.status
            )));
        }
        // An update's body need not name the item's fields (`addQuantity` adds to `quantity`):
        // the fields it does name are what was written; a documented item response (UpdateItem
        // with ALL_NEW) is the new state, which later reads must return.
        let base = if present {
            s.body.clone()
        } else {
            Value::Object(Map::new())
        };
        let mut next = Stored {
            body: base,
            ..s.clone()
        };
        let named: Map<String, Value> = match (&body, response_schema(f.op, resp.status)) {
            (Value::Object(b), Some((schema, _))) => {
                let props = schema.get("properties").and_then(Value::as_object);
                b.iter()
                    .filter(|(k, _)| props.is_none_or(|p| p.contains_key(*k)))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect()
            }
            (Value::Object(b), None) => b.clone(),
            _ => Map::new(),
        };
        next.body = merge(&next.body, &Value::Object(named.clone()));
        if let Some((schema, _)) = response_schema(f.op, resp.status) {
            let got = resp
                .json()
                .ok_or_else(|| Outcome::Fail(format!("{what}: the body is not JSON")))?;
            let sent = Value::Object(named.into_iter().filter(|(_, v)| !v.is_null()).collect());
            if let Some(d) = first_difference("", &sent, &got) {
                return Err(Outcome::Fail(format!(
                    "{what} does not return what was written, field for field: {d}"
                )));
            }
            if schema.get("properties").is_some() && present {
                // The response is the new state (ALL_NEW): what the update did to fields it
                // does not name (an ADD, a REMOVE) is read there.
                next.body = got;
            } else {
                self.expect_stored(&what, f.op, &resp, &next)?;
            }
        }
        Ok(Some(next))
    }

    fn delete(&self, session: &mut Session<'_>, s: &Stored, present: bool) -> Result<(), Outcome> {
        let Some(d) = &self.delete else { return Ok(()) };
        let f = self.follow_from(session, d, s)?;
        let resp = session.send(f.request())?;
        check_response(session.suite, f.op, &resp).map_err(Outcome::Fail)?;
        let what = format!("{} (link {})", f.op.label(), d.name);
        if !present {
            // An idempotent delete may answer 2xx; one that documents 404 must give it.
            if f.op.responses.contains_key("404") && resp.status != 404 {
                return Err(Outcome::Fail(format!(
                    "{what} of an absent item answered HTTP {} instead of 404",
                    resp.status
                )));
            }
            return Ok(());
        }
        if !matches!(resp.status, 200 | 202 | 204) {
            return Err(Outcome::Fail(format!(
                "{what} of a stored item answered HTTP {}",
                resp.status
            )));
        }
        self.expect_stored(&what, f.op, &resp, s)
    }

    /// The first request of the list that `s` belongs to (the link's scope), without a page
    /// size.
    fn list_start(
        &self,
        session: &Session<'_>,
        s: Option<&Stored>,
    ) -> Option<(Vec<Option<String>>, String)> {
        let list = self.list.as_ref()?;
        let values = match (&list.link, s) {
            (Some(n), Some(s)) => self.follow_from(session, n, s).ok()?.case.0,
            (Some(_), None) => return None,
            (None, _) => vec![None; list.op.parameters.len()],
        };
        let scope = build(&list.op, &(values.clone(), None)).target();
        Some((values, scope))
    }

    /// Every page of the list `s` belongs to, following the cursor.
    fn list_all(
        &self,
        session: &mut Session<'_>,
        s: Option<&Stored>,
        page_size: Option<u32>,
    ) -> Result<Vec<Value>, Outcome> {
        let Some(list) = &self.list else {
            return Ok(Vec::new());
        };
        let Some((mut values, _)) = self.list_start(session, s) else {
            return Ok(Vec::new());
        };
        let suite = session.suite;
        if let (Some(i), Some(n)) = (list.page_size, page_size) {
            values[i] = Some(n.to_string());
        }
        let mut items = Vec::new();
        let mut cursors: Vec<String> = Vec::new();
        for page in 1.. {
            let req = build(&list.op, &(values.clone(), None));
            let resp = session.send(req.clone())?;
            check_response(suite, &list.op, &resp).map_err(Outcome::Fail)?;
            if !(200..300).contains(&resp.status) {
                return Err(Outcome::Fail(format!(
                    "{} page {page} answered HTTP {}",
                    list.op.label(),
                    resp.status
                )));
            }
            match resp.json().as_ref().and_then(|b| b.pointer(&list.items)) {
                Some(Value::Array(page_items)) => items.extend(page_items.iter().cloned()),
                _ => {
                    return Err(Outcome::Fail(format!(
                        "{} page {page} has no array at {:?}",
                        list.op.label(),
                        list.items
                    )));
                }
            }
            let Some((i, expr)) = &list.cursor else { break };
            let x = Exchange {
                op: &list.op,
                request: &req,
                response: Some(&resp),
            };
            let next = links::evaluate(expr, &x)
                .map_err(|e| Outcome::Fail(e.to_string()))?
                .filter(|v| !v.is_null())
                .map(|v| text(&v))
                .filter(|c| !c.is_empty());
            let Some(c) = next else { break };
            if cursors.contains(&c) || page > 1000 {
                return Err(Outcome::Fail(format!(
                    "{} page {page} gives cursor {c:?} ({expr}) again: the next page request does not move on (is the {:?} parameter ignored?)",
                    list.op.label(),
                    list.op.parameters.get(*i).map_or("", |p| p.name.as_str())
                )));
            }
            cursors.push(c.clone());
            values[*i] = Some(c);
        }
        Ok(items)
    }

    /// Whether a listed item is the one with key `key`: each key attribute at its body pointer,
    /// or (a key sent as a parameter) in the field of that name or any top-level field.
    fn is_item(&self, item: &Value, key: &[String]) -> bool {
        self.key
            .attributes
            .iter()
            .zip(key)
            .all(|((_, _, src), k)| match src {
                keys::Source::Body(p) => item.pointer(p).is_some_and(|v| &text(v) == k),
                keys::Source::Constant(_) => true,
                keys::Source::Response(p) => item.pointer(p).is_some_and(|v| &text(v) == k),
                keys::Source::Param(i) => {
                    let name = self.create.parameters.get(*i).map(|p| p.name.as_str());
                    match name.and_then(|n| item.get(n)) {
                        Some(v) => &text(v) == k,
                        None => item
                            .as_object()
                            .is_some_and(|o| o.values().any(|v| &text(v) == k)),
                    }
                }
            })
    }

    /// The list holds each stored item of its scope exactly once and as stored; keys in `ours`
    /// not stored are absent. Other items (a shared stage) are ignored.
    fn check_list(
        &self,
        session: &Session<'_>,
        scope_of: Option<&Stored>,
        items: &[Value],
        stored: &[(Vec<String>, Option<&Stored>)],
    ) -> Result<(), Outcome> {
        let Some(list) = &self.list else {
            return Ok(());
        };
        let Some((_, scope)) = self.list_start(session, scope_of) else {
            return Ok(());
        };
        let item_schema = list
            .op
            .responses
            .keys()
            .filter(|s| s.starts_with('2'))
            .find_map(|s| {
                let (schema, root) = response_schema(&list.op, s.parse().ok()?)?;
                let arr = if list.items.is_empty() {
                    schema
                } else {
                    resolve(
                        schema.pointer(&format!("/properties{}", list.items))?,
                        &root,
                    )
                    .clone()
                };
                Some((resolve(arr.get("items")?, &root).clone(), root))
            });
        let what = format!("{} (every page)", list.op.label());
        for (key, s) in stored {
            // Only items of this list's scope (same partition for a Query).
            if let Some(s) = s
                && self.list_start(session, Some(s)).map(|x| x.1) != Some(scope.clone())
            {
                continue;
            }
            let found: Vec<&Value> = items.iter().filter(|i| self.is_item(i, key)).collect();
            match (s, found.as_slice()) {
                (Some(s), [one]) => {
                    let expected = match &item_schema {
                        Some((schema, root)) => self.view(s, schema, root),
                        None => s.body.clone(),
                    };
                    if let Some(d) = first_difference("", &expected, one) {
                        return Err(Outcome::Fail(format!(
                            "{what} holds item {key:?} but not as written: {d}"
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

    /// A stand-in for an item never created: its create request, not sent, to follow links
    /// from (links that need the create's response cannot be followed for it).
    fn unsent(&self, case: &Case) -> Stored {
        Stored {
            request: build(&self.create, case),
            response: None,
            case: case.clone(),
            body: case.1.clone().unwrap_or(Value::Object(Map::new())),
        }
    }
}

fn page_sizes(plan: &Plan) -> BoxedStrategy<Option<u32>> {
    let Some((list, i)) = plan.list.as_ref().and_then(|l| Some((l, l.page_size?))) else {
        return Just(None).boxed();
    };
    let min = list.op.parameters[i]
        .schema
        .as_ref()
        .and_then(|s| s.get("minimum"))
        .and_then(Value::as_u64)
        .and_then(|m| u32::try_from(m).ok())
        .unwrap_or(1);
    // Small pages, so a few items already span several.
    proptest::option::weighted(0.75, min..=min + 2).boxed()
}

/// Create cases whose key a link can carry: a blank key value would be a missing path
/// parameter to API Gateway, so the item could be stored but never read back (reported by the
/// positive property of the read operation, not here).
fn addressable(plan: &Plan) -> BoxedStrategy<Case> {
    let key = plan.key.clone();
    valid_case(&plan.create)
        .prop_filter(
            "a blank key value cannot be sent as a path parameter",
            move |c| key.sent(c).iter().all(|v| !blank(v)),
        )
        .boxed()
}

/// The update operation, if there is an update link.
fn update_op(plan: &Plan, suite: &Suite) -> Option<Operation> {
    plan.update
        .as_ref()
        .and_then(|u| suite.api.operation(u.link.operation_id.as_deref()?))
        .cloned()
}

/// Bodies for the update operation (none when there is no update link or it takes no body).
fn patches(op: Option<&Operation>) -> BoxedStrategy<Option<Value>> {
    match op {
        Some(op) if body_schema(op).is_some() => valid_case(op).prop_map(|c| c.1).boxed(),
        _ => Just(None).boxed(),
    }
}

fn untestable(property: &Property<'_>, e: Error) -> Failure {
    Failure {
        property: property.name().into(),
        operation: property.operation().into(),
        reason: e.to_string(),
        exchanges: Vec::new(),
        minimal_input: String::new(),
    }
}

pub(crate) fn links(
    suite: &Suite,
    op: &Operation,
    names: &[&str],
    property: &Property<'_>,
) -> Result<Report, Failure> {
    let plan = plan(suite, op, names).map_err(|e| untestable(property, e))?;
    let strategy = (
        proptest::collection::vec(addressable(&plan), 1..=5),
        proptest::option::weighted(0.3, (any::<Index>(), valid_case(op))),
        proptest::collection::vec(patches(update_op(&plan, suite).as_ref()), 5),
        page_sizes(&plan),
    );
    run(
        suite,
        property,
        strategy,
        |session, (cases, again, patches, page)| {
            // Create every item; the last create of a key is what is stored (or the first, when
            // creates are conditional).
            let mut stored: BTreeMap<Vec<String>, Stored> = BTreeMap::new();
            let mut order = Vec::new();
            let mut creates: Vec<Case> = cases.clone();
            if let Some((i, case)) = again {
                let like = &cases[i.index(cases.len())];
                creates.push(plan.key.with(case, like));
            }
            for case in &creates {
                // A generated key: every create is a new item, known once it answered.
                let exists = !plan.key.generated() && stored.contains_key(&plan.key.of(case));
                if let Some(s) = plan.create(session, case, exists)? {
                    let key = plan.key.of_created(case, s.response.as_ref());
                    if !order.contains(&key) {
                        order.push(key.clone());
                    }
                    stored.insert(key, s);
                }
            }
            for key in &order {
                plan.read(session, &stored[key], true)?;
            }
            if plan.update.is_some() {
                for (key, patch) in order.iter().zip(patches) {
                    let Some(patch) = patch else { continue };
                    if let Some(next) = plan.update(session, &stored[key], true, patch)? {
                        plan.read(session, &next, true)?;
                        stored.insert(key.clone(), next);
                    }
                }
            }
            let all: Vec<(Vec<String>, Option<&Stored>)> =
                order.iter().map(|k| (k.clone(), stored.get(k))).collect();
            let first = order.first().and_then(|k| stored.get(k));
            let items = plan.list_all(session, first, *page)?;
            plan.check_list(session, first, &items, &all)?;
            if plan.delete.is_some() {
                for key in &order {
                    let s = &stored[key];
                    plan.delete(session, s, true)?;
                    plan.read(session, s, false)?;
                    plan.delete(session, s, false)?;
                }
                let gone: Vec<(Vec<String>, Option<&Stored>)> =
                    order.iter().map(|k| (k.clone(), None)).collect();
                let items = plan.list_all(session, first, *page)?;
                plan.check_list(session, first, &items, &gone)?;
            }
            Ok(())
        },
    )
}

/// One step of the state machine; the first index picks a key from the initial state's pool,
/// the second a create body or an update body from its variants.
#[derive(Debug, Clone)]
enum Step {
    Create(usize, usize),
    Read(usize),
    Update(usize, usize),
    Delete(usize),
    List(usize, Option<u32>),
}

/// The reference model's fixed part: the key pool (create cases with distinct keys) and the
/// bodies steps pick from. Bodies are generated once per case here, not per step: a schema's
/// strategy is costly to build, and transitions are built for every step.
#[derive(Debug, Clone)]
struct Model {
    pool: Vec<Case>,
    bodies: Vec<Case>,
    patches: Vec<Option<Value>>,
}

/// Body variants per case.
const VARIANTS: usize = 3;

thread_local! {
    /// The initial-state strategy of the running state-machine property (see `state_machine`).
    static INIT: std::cell::RefCell<Option<(usize, BoxedStrategy<Model>)>> =
        const { std::cell::RefCell::new(None) };
}

pub(crate) fn state_machine(
    suite: &Suite,
    op: &Operation,
    names: &[&str],
    property: &Property<'_>,
) -> Result<Report, Failure> {
    let plan = Arc::new(plan(suite, op, names).map_err(|e| untestable(property, e))?);
    let plan_init = plan.clone();
    let update = update_op(&plan, suite);
    let op_init = op.clone();
    let build_init = move || {
        let plan = plan_init.clone();
        (
            proptest::collection::vec(addressable(&plan), 1..=3),
            any::<bool>(),
            proptest::collection::vec(valid_case(&op_init), VARIANTS),
            proptest::collection::vec(patches(update.as_ref()), VARIANTS),
        )
            .prop_map(move |(cases, share, bodies, patches)| {
                // Half the pools share one partition key, so a Query lists several items.
                let mut pool: Vec<Case> = Vec::new();
                for c in cases {
                    let c = match pool.first() {
                        Some(first) if share => plan.key.with_only(&c, first, |k| k == "HASH"),
                        _ => c,
                    };
                    if !pool.iter().any(|p| plan.key.of(p) == plan.key.of(&c)) {
                        pool.push(c);
                    }
                }
                Model {
                    pool,
                    bodies,
                    patches,
                }
            })
            .boxed()
    };
    // proptest-state-machine asks for the initial strategy once per case; building schema
    // strategies is costly, so it is built once per property (on this thread) and cloned.
    let id = Arc::as_ptr(&plan) as usize;
    let init = move || {
        INIT.with(|cache| {
            if let Some((k, s)) = &*cache.borrow()
                && *k == id
            {
                return s.clone();
            }
            let s = build_init();
            *cache.borrow_mut() = Some((id, s.clone()));
            s
        })
    };
    let plan_tr = plan.clone();
    let transitions = move |m: &Model| {
        let n = m.pool.len().max(1);
        prop_oneof![
            3 => (0..n, 0..VARIANTS).prop_map(|(i, j)| Step::Create(i, j)),
            2 => (0..n).prop_map(Step::Read),
            1 => (0..n, 0..VARIANTS).prop_map(|(i, j)| Step::Update(i, j)),
            2 => (0..n).prop_map(Step::Delete),
            1 => (0..n, page_sizes(&plan_tr)).prop_map(|(i, p)| Step::List(i, p)),
        ]
        .boxed()
    };
    let next = |m: Model, _: &Step| m;
    let sequential = Sequential::new(
        (1..=20usize).into(),
        init,
        |m: &Model, step: &Step| match step {
            Step::Create(i, _)
            | Step::Read(i)
            | Step::Update(i, _)
            | Step::Delete(i)
            | Step::List(i, _) => *i < m.pool.len(),
        },
        transitions,
        next,
    );
    let result = run(
        suite,
        property,
        sequential,
        |session, (model, steps, seen)| {
            let seen: &Option<Arc<AtomicUsize>> = seen;
            let mut stored: BTreeMap<usize, Stored> = BTreeMap::new();
            let keys: Vec<Vec<String>> = model.pool.iter().map(|c| plan.key.of(c)).collect();
            if session.remote()
                && let Some(d) = &plan.delete
            {
                for c in &model.pool {
                    let s = plan.unsent(c);
                    if let Ok(f) = follow(&session.suite.api, &d.name, &d.link, &plan.exchange(&s))
                    {
                        session.cleanup.push(f.request());
                    }
                }
            }
            for step in steps {
                // Before the step: the strategy's first shrink drops the steps never reached, and
                // the failing one was reached.
                if let Some(seen) = seen {
                    seen.fetch_add(1, Ordering::SeqCst);
                }
                let current = |i: usize, stored: &BTreeMap<usize, Stored>| {
                    stored
                        .get(&i)
                        .cloned()
                        .map_or_else(|| (plan.unsent(&model.pool[i]), false), |s| (s, true))
                };
                // With a generated key, an item never created has no address: links that need the
                // create's response cannot be followed for it.
                if plan.key.generated()
                    && !matches!(step, Step::Create(..))
                    && let Step::Read(i) | Step::Update(i, _) | Step::Delete(i) | Step::List(i, _) =
                        step
                    && !stored.contains_key(i)
                {
                    continue;
                }
                match step {
                    Step::Create(i, j) => {
                        let case = plan.key.with(&model.bodies[*j], &model.pool[*i]);
                        let exists = !plan.key.generated() && stored.contains_key(i);
                        if let Some(s) = plan.create(session, &case, exists)? {
                            stored.insert(*i, s);
                        }
                    }
                    Step::Read(i) => {
                        let (s, present) = current(*i, &stored);
                        plan.read(session, &s, present)?;
                    }
                    Step::Update(i, j) => {
                        let (s, present) = current(*i, &stored);
                        if let Some(patch) = &model.patches[*j]
                            && plan.update.is_some()
                        {
                            match plan.update(session, &s, present, patch)? {
                                Some(next) => stored.insert(*i, next),
                                None => stored.remove(i),
                            };
                        }
                    }
                    Step::Delete(i) => {
                        let (s, present) = current(*i, &stored);
                        if plan.delete.is_some() {
                            plan.delete(session, &s, present)?;
                            stored.remove(i);
                        }
                    }
                    Step::List(i, page) => {
                        let (s, _) = current(*i, &stored);
                        let items = plan.list_all(session, Some(&s), *page)?;
                        let all: Vec<(Vec<String>, Option<&Stored>)> = keys
                            .iter()
                            .enumerate()
                            .map(|(j, k)| match stored.get(&j) {
                                Some(st) => (
                                    plan.key.of_created(&st.case, st.response.as_ref()),
                                    Some(st),
                                ),
                                None => (k.clone(), None),
                            })
                            // A generated key of an item never created is unknown.
                            .filter(|(_, st)| st.is_some() || !plan.key.generated())
                            .collect();
                        // Absent pool items are checked against this list's scope too.
                        let all: Vec<(Vec<String>, Option<&Stored>)> = all
                            .into_iter()
                            .enumerate()
                            .filter(|(j, (_, st))| {
                                st.is_some()
                                    || plan
                                        .list_start(session, Some(&plan.unsent(&model.pool[*j])))
                                        .map(|x| x.1)
                                        == plan.list_start(session, Some(&s)).map(|x| x.1)
                            })
                            .map(|(_, e)| e)
                            .collect();
                        plan.check_list(session, Some(&s), &items, &all)?;
                    }
                }
            }
            Ok(())
        },
    );
    INIT.with(|cache| cache.borrow_mut().take());
    result
}
