//! The item's key, learned from what the create operation's template sends to DynamoDB rather
//! than guessed from names: generated create requests go through an in-process gateway over a
//! store that records every call; the `Item`/`Key` of the recorded request holds the table's
//! key attributes, and the request value (a body field or a parameter) that equals each of them
//! in every sample is where that key attribute comes from.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use apidef::{Api, Operation};
use dynamo::{Dynamo, DynamoResponse};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::Value;

use crate::case::{Case, build, valid_case};
use crate::error::{Error, ErrorKind};
use crate::links::text;

/// Where one key attribute's value comes from in a create request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// A JSON pointer into the body.
    Body(String),
    /// An index into the operation's parameters.
    Param(usize),
    /// The same text in every request (a single-table design's sort key `EVENT`).
    Constant(String),
    /// A JSON pointer into the create's response body: an id the API generates (from
    /// `$context.requestId`), known only once the create answered.
    Response(String),
}

/// The table's key as the create request carries it, in KeySchema order.
#[derive(Debug, Clone)]
pub(crate) struct Key {
    /// (attribute name, HASH or RANGE, source).
    pub(crate) attributes: Vec<(String, String, Source)>,
    /// The recorded create request has a `ConditionExpression` with `attribute_not_exists`: a
    /// create of an existing key is refused.
    pub(crate) conditional: bool,
}

impl Key {
    /// The key of a create case, as text per attribute.
    pub(crate) fn of(&self, case: &Case) -> Vec<String> {
        self.of_created(case, None)
    }

    /// The key of an item created by `case`, its generated parts read from the response.
    pub(crate) fn of_created(
        &self,
        case: &Case,
        response: Option<&crate::http::HttpResponse>,
    ) -> Vec<String> {
        self.attributes
            .iter()
            .map(|(_, _, s)| match s {
                Source::Response(p) => response
                    .and_then(|r| r.json())
                    .and_then(|b| b.pointer(p).map(text))
                    .unwrap_or_default(),
                s => source_value(s, case).unwrap_or_default(),
            })
            .collect()
    }

    /// Whether the API generates part of the key: every create makes a new item.
    pub(crate) fn generated(&self) -> bool {
        self.attributes
            .iter()
            .any(|(_, _, s)| matches!(s, Source::Response(_)))
    }

    /// The key values a request carries (not the generated ones), for the blank check.
    pub(crate) fn sent(&self, case: &Case) -> Vec<String> {
        self.attributes
            .iter()
            .filter_map(|(_, _, s)| source_value(s, case))
            .collect()
    }

    /// `case` with the key of `like`.
    pub(crate) fn with(&self, case: &Case, like: &Case) -> Case {
        self.with_only(case, like, |_| true)
    }

    /// `case` with the key attributes of `like` that `which` picks (by KeyType).
    pub(crate) fn with_only(&self, case: &Case, like: &Case, which: impl Fn(&str) -> bool) -> Case {
        let mut out = case.clone();
        for (_, kind, s) in &self.attributes {
            if !which(kind) {
                continue;
            }
            match s {
                Source::Param(i) => {
                    if let (Some(slot), Some(v)) = (out.0.get_mut(*i), like.0.get(*i)) {
                        *slot = v.clone();
                    }
                }
                Source::Constant(_) | Source::Response(_) => {}
                Source::Body(p) => {
                    if let (Some(body), Some(v)) =
                        (out.1.as_mut(), like.1.as_ref().and_then(|b| b.pointer(p)))
                    {
                        set_pointer(body, p, v.clone());
                    }
                }
            }
        }
        out
    }
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

pub(crate) fn source_value(s: &Source, case: &Case) -> Option<String> {
    match s {
        Source::Param(i) => case.0.get(*i).cloned().flatten(),
        Source::Body(p) => case.1.as_ref().and_then(|b| b.pointer(p)).map(text),
        Source::Constant(c) => Some(c.clone()),
        Source::Response(_) => None,
    }
}

/// A store that records every call and answers from an embedded store.
struct Recording {
    inner: dynamo::Embedded,
    calls: Mutex<Vec<(String, Vec<u8>)>>,
}

// `Dynamo` is an `async_trait`; this is the signature that macro gives it, written out (the
// harness does not depend on async-trait).
impl Dynamo for Recording {
    fn call<'s, 'a, 'b, 'f>(
        &'s self,
        action: &'a str,
        body: &'b [u8],
    ) -> Pin<Box<dyn Future<Output = DynamoResponse> + Send + 'f>>
    where
        's: 'f,
        'a: 'f,
        'b: 'f,
        Self: 'f,
    {
        Box::pin(async move {
            if let Ok(mut c) = self.calls.lock() {
                c.push((action.to_string(), body.to_vec()));
            }
            self.inner.call(action, body).await
        })
    }
}

/// The DynamoDB value of an attribute as text (`{"S": "a"}` -> `a`, `{"N": "1"}` -> `1`).
fn attribute_text(v: &Value) -> Option<String> {
    let o = v.as_object()?;
    let (_, inner) = o.iter().next()?;
    Some(text(inner))
}

/// Every `Item`/`Key` object in a rendered request that holds all of `attrs`, with whether a
/// `TableName` beside it names `table` (a BatchWriteItem names it as the map key instead).
fn key_objects<'v>(v: &'v Value, table: &str, attrs: &[&str], out: &mut Vec<(&'v Value, bool)>) {
    match v {
        Value::Object(o) => {
            let named = o.get("TableName").and_then(Value::as_str) == Some(table);
            for field in ["Item", "Key"] {
                if let Some(Value::Object(k)) = o.get(field)
                    && attrs.iter().all(|a| k.contains_key(*a))
                {
                    out.push((&o[field], named));
                }
            }
            for (name, child) in o {
                let mut inner = Vec::new();
                key_objects(child, table, attrs, &mut inner);
                out.extend(inner.into_iter().map(|(k, n)| (k, n || name == table)));
            }
        }
        Value::Array(a) => a.iter().for_each(|c| key_objects(c, table, attrs, out)),
        _ => {}
    }
}

/// Request values of a case, each with its source.
fn candidates(case: &Case) -> Vec<(Source, String)> {
    let mut out: Vec<(Source, String)> = case
        .0
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.clone().map(|v| (Source::Param(i), v)))
        .collect();
    fn walk(v: &Value, at: String, out: &mut Vec<(Source, String)>) {
        match v {
            Value::Object(o) => {
                for (k, c) in o {
                    walk(
                        c,
                        format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                        out,
                    );
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter().enumerate() {
                    walk(c, format!("{at}/{i}"), out);
                }
            }
            leaf => out.push((Source::Body(at), text(leaf))),
        }
    }
    if let Some(b) = &case.1 {
        walk(b, String::new(), &mut out);
    }
    out
}

/// How a key attribute's value holds a request value: the constant text around it (a
/// single-table design writes `EVENT#<id>`), or `None` when it does not hold it.
fn affixes(attr: &str, value: &str) -> Option<(String, String)> {
    if attr == value
        || matches!((attr.parse::<f64>(), value.parse::<f64>()), (Ok(x), Ok(y)) if x == y && attr.trim() == attr)
    {
        return Some((String::new(), String::new()));
    }
    if value.is_empty() {
        return None;
    }
    let i = attr.find(value)?;
    Some((attr[..i].to_string(), attr[i + value.len()..].to_string()))
}

/// Learn the key of the items `op` creates. Samples whose template output is not JSON (a bug
/// the positive property reports) are skipped.
pub(crate) fn learn(
    api: &Arc<Api>,
    op: &Operation,
    runtime: &tokio::runtime::Runtime,
) -> Result<Key, Error> {
    let at = op.label();
    let untestable = |m: String| Error::new(ErrorKind::Untestable, &at, m);
    let recording = Arc::new(Recording {
        inner: dynamo::Embedded::new(),
        calls: Mutex::new(Vec::new()),
    });
    let store: Arc<dyn Dynamo> = recording.clone();
    let gw = gateway::Gateway::new((**api).clone(), store)
        .map_err(|e| Error::new(ErrorKind::Target, &at, e.to_string()))?;
    runtime
        .block_on(gw.create_tables())
        .map_err(|e| Error::new(ErrorKind::Target, &at, e.to_string()))?;
    let mut runner = TestRunner::deterministic();
    let strategy = valid_case(op);
    // Per table: surviving candidates per key attribute, samples seen.
    // (table, (attribute, KeyType) per key attribute, surviving candidates, conditional).
    type Found = (
        String,
        Vec<(String, String)>,
        Vec<Vec<(Source, (String, String))>>,
        bool,
    );
    let mut found: Option<Found> = None;
    // Per key attribute: its value if it was the same in every sample so far.
    let mut constant: Vec<Option<Option<String>>> = Vec::new();
    let mut samples = 0;
    let mut last_rendered = String::new();
    for _ in 0..48 {
        if samples >= 8 {
            break;
        }
        let Ok(tree) = strategy.new_tree(&mut runner) else {
            continue;
        };
        let case = tree.current();
        let req = build(op, &case);
        if let Ok(mut c) = recording.calls.lock() {
            c.clear();
        }
        let mut r = gateway::Request::new(req.method.clone(), req.target());
        for (k, v) in &req.headers {
            r = r.header(k.clone(), v.clone());
        }
        let resp = runtime.block_on(gw.handle(r.body(bytes::Bytes::from(req.body.clone()))));
        let calls = recording
            .calls
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default();
        let mut cands = candidates(&case);
        // Last, so a request value wins: the response's fields (a generated id it returns).
        if let Some(body) = resp.json() {
            cands.extend(
                candidates(&(Vec::new(), Some(body)))
                    .into_iter()
                    .filter_map(|(s, v)| match s {
                        Source::Body(p) => Some((Source::Response(p), v)),
                        _ => None,
                    }),
            );
        }
        for (_, body) in &calls {
            last_rendered = String::from_utf8_lossy(body).into_owned();
            let Ok(rendered) = serde_json::from_slice::<Value>(body) else {
                continue;
            };
            for (name, t) in &api.tables {
                let _ = name;
                let attrs: Vec<&str> = t
                    .key_schema
                    .iter()
                    .map(|k| k.attribute_name.as_str())
                    .collect();
                if found.as_ref().is_some_and(|f| f.0 != t.table_name) {
                    continue;
                }
                let mut objs = Vec::new();
                key_objects(&rendered, &t.table_name, &attrs, &mut objs);
                // The table named beside it first; else the only table.
                let obj = objs
                    .iter()
                    .find(|(_, named)| *named)
                    .or_else(|| (api.tables.len() == 1).then(|| objs.first()).flatten());
                let Some((obj, _)) = obj else { continue };
                let conditional = rendered
                    .get("ConditionExpression")
                    .and_then(Value::as_str)
                    .is_some_and(|c| c.contains("attribute_not_exists"));
                let values: Vec<Option<String>> = attrs
                    .iter()
                    .map(|a| obj.get(*a).and_then(attribute_text))
                    .collect();
                // Each candidate with the text around it; kept only while the text is the same
                // in every sample (a constant prefix, not a coincidence).
                let per_attr: Vec<Vec<(Source, (String, String))>> = values
                    .iter()
                    .map(|v| {
                        cands
                            .iter()
                            .filter_map(|(s, c)| Some((s.clone(), affixes(v.as_deref()?, c)?)))
                            .collect()
                    })
                    .collect();
                if constant.is_empty() {
                    constant = values.iter().map(|v| Some(v.clone())).collect();
                } else {
                    for (c, v) in constant.iter_mut().zip(&values) {
                        if c.as_ref() != Some(v) {
                            *c = None;
                        }
                    }
                }
                match &mut found {
                    None => {
                        let kinds = t
                            .key_schema
                            .iter()
                            .map(|k| (k.attribute_name.clone(), k.key_type.clone()))
                            .collect();
                        found = Some((t.table_name.clone(), kinds, per_attr, conditional));
                    }
                    Some(f) => {
                        for (kept, now) in f.2.iter_mut().zip(per_attr) {
                            kept.retain(|s| now.contains(s));
                        }
                        f.3 |= conditional;
                    }
                }
                samples += 1;
                break;
            }
            if found.is_some() {
                break;
            }
        }
    }
    let Some((table, kinds, per_attr, conditional)) = found else {
        return Err(untestable(format!(
            "none of the generated requests made its template send DynamoDB an Item or Key with a table's key attributes (last rendered request: {})",
            crate::clip(&last_rendered, 600)
        )));
    };
    let mut attributes = Vec::new();
    for (i, ((name, kind), sources)) in kinds.into_iter().zip(per_attr).enumerate() {
        if sources.is_empty()
            && samples > 1
            && let Some(Some(Some(c))) = constant.get(i)
        {
            attributes.push((name, kind, Source::Constant(c.clone())));
            continue;
        }
        // A parameter first: a path parameter is what reads and deletes address.
        // Exact matches before affixed ones, then a parameter before a body field.
        let mut sources = sources;
        sources.sort_by_key(|(s, (p, x))| {
            (
                !p.is_empty() || !x.is_empty(),
                !matches!(s, Source::Param(_)),
            )
        });
        let source = sources
            .first()
            .map(|(s, _)| s.clone())
            .ok_or_else(|| {
                untestable(format!(
                    "the template writes key attribute {name} of table {table} from no request value (a generated id is not modelled); rendered: {}",
                    crate::clip(&last_rendered, 600)
                ))
            })?;
        attributes.push((name, kind, source));
    }
    Ok(Key {
        attributes,
        conditional,
    })
}
