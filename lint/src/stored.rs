//! Which items the API's own writes store, and which of them a read can return: the provenance
//! behind the replies response templates are rendered with.
//!
//! Two facts of DynamoDB narrow the items a reply holds:
//!
//! - An UpdateItem (or a TransactWriteItems `Update`) whose `ConditionExpression` has an
//!   `attribute_exists(...)` conjunct never creates an item. API_UpdateItem: it "edits an
//!   existing item's attributes, or adds a new item to the table if it does not already exist",
//!   but only when the condition holds, and the condition is evaluated against the item as it is
//!   (developer guide, "Condition expressions": `attribute_exists(path)` is "True if the item
//!   contains the attribute specified by path"); a missing item contains none, so the call fails
//!   with ConditionalCheckFailedException. Such an update only changes items some other write
//!   created: after it the attributes it SETs are there and those it REMOVEs may be missing.
//! - A Query returns only items whose key satisfies its `KeyConditionExpression`
//!   (`PK = :v`, `begins_with(SK, :v)`), and GetItem / UpdateItem / DeleteItem reach only the
//!   item of their `Key`. When the template writes a literal at the start of a key value
//!   (`"SK": {"S": "ATTENDEE#$email"}`) and of the condition's value
//!   (`":p": {"S": "ATTENDEE#"}`), items whose written key cannot match are not returned.
//!
//! Which text of a rendered string is the template's own literal is found by rendering the
//! template again with a marker (a private-use character, one per place) inserted right after
//! each `{"S": "` of its source: a value that starts with a place's marker starts with that
//! place's literal text. When the marked render differs in anything but the markers, nothing is
//! known (every item is kept).

use std::collections::HashMap;

use serde_json::{Map, Value};

/// What a template writes literally at the start of a string value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Literal {
    /// The whole value is this text.
    Exact(String),
    /// The value starts with this text (what follows comes from a reference).
    Prefix(String),
}

/// The literal of each `S` value of a rendered request, by the pointer of the value's object
/// (`/TransactItems/1/Put/Item/SK`, `/ExpressionAttributeValues/:p`).
pub(super) type Literals = HashMap<String, Literal>;

const MARK: u32 = 0xE000;
const MARKS: u32 = 0x1800;

fn is_mark(c: char) -> bool {
    (MARK..MARK + MARKS).contains(&(c as u32))
}

/// The literal text that follows a place in a template's source, up to the first reference,
/// directive, escape or the closing quote.
fn run_at(src: &str) -> Literal {
    let mut out = String::new();
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Literal::Exact(out),
            '$' | '\\' | '\n' => return Literal::Prefix(out),
            '#' => {
                if chars
                    .peek()
                    .is_none_or(|n| n.is_ascii_alphabetic() || matches!(n, '{' | '#' | '*' | '['))
                {
                    return Literal::Prefix(out);
                }
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    Literal::Prefix(out)
}

/// The source with a marker after each `{"S": "`, and each marker's literal.
fn marked(src: &str) -> (String, Vec<Literal>) {
    let mut out = String::with_capacity(src.len() + 64);
    let mut runs = Vec::new();
    let mut rest = src;
    while let Some(i) = rest.find("\"S\"") {
        let before = rest[..i].trim_end();
        let after = &rest[i + 3..];
        let t = after.trim_start();
        let place = before.ends_with('{')
            && t.starts_with(':')
            && t[1..].trim_start().starts_with('"')
            && runs.len() < MARKS as usize;
        if !place {
            out.push_str(&rest[..i + 3]);
            rest = after;
            continue;
        }
        let t = t[1..].trim_start();
        let quote_end = rest.len() - t.len() + 1;
        out.push_str(&rest[..quote_end]);
        let mark = char::from_u32(MARK + runs.len() as u32).unwrap_or('\u{E000}');
        out.push(mark);
        runs.push(run_at(&rest[quote_end..]));
        rest = &rest[quote_end..];
    }
    out.push_str(rest);
    (out, runs)
}

fn strip(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(s.chars().filter(|c| !is_mark(*c)).collect()),
        Value::Array(a) => Value::Array(a.iter().map(strip).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, x)| (k.clone(), strip(x))).collect()),
        other => other.clone(),
    }
}

fn collect(v: &Value, at: &str, runs: &[Literal], out: &mut Literals) {
    match v {
        Value::Object(m) => {
            if let Some(Value::String(s)) = m.get("S")
                && let Some(first) = s.chars().next()
                && is_mark(first)
                && let Some(run) = runs.get((first as u32 - MARK) as usize)
            {
                let clean: String = s.chars().filter(|c| !is_mark(*c)).collect();
                let ok = match run {
                    Literal::Exact(e) => clean == *e,
                    Literal::Prefix(p) => clean.starts_with(p.as_str()),
                };
                if ok {
                    out.insert(at.to_string(), run.clone());
                }
            }
            for (k, x) in m {
                collect(x, &apidef::error::pointer_push(at, k), runs, out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                collect(x, &format!("{at}/{i}"), runs, out);
            }
        }
        _ => {}
    }
}

/// The literals of `output`, what `source` rendered with `bindings`.
pub(super) fn literals(source: &str, bindings: &vtl::Bindings, output: &Value) -> Literals {
    let mut out = Literals::new();
    let (src, runs) = marked(source);
    if runs.is_empty() {
        return out;
    }
    let Ok(t) = vtl::Template::parse(&src) else {
        return out;
    };
    let Ok(r) = t.render(bindings) else {
        return out;
    };
    let Ok(v) = serde_json::from_str::<Value>(r.output.trim()) else {
        return out;
    };
    if strip(&v) != *output {
        return out;
    }
    collect(&v, "", &runs, &mut out);
    out
}

/// A constraint a read puts on a key attribute's value.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Constraint {
    Equals(String),
    StartsWith(String),
}

/// Whether a value the template wrote as `lit` can satisfy `c`.
fn compatible(lit: &Literal, c: &Constraint) -> bool {
    match (lit, c) {
        (Literal::Exact(v), Constraint::Equals(e)) => v == e,
        (Literal::Exact(v), Constraint::StartsWith(q)) => v.starts_with(q.as_str()),
        (Literal::Prefix(p), Constraint::Equals(e)) => e.starts_with(p.as_str()),
        (Literal::Prefix(p), Constraint::StartsWith(q)) => {
            p.starts_with(q.as_str()) || q.starts_with(p.as_str())
        }
    }
}

/// An item one of the API's writes leaves in a table.
#[derive(Debug, Clone)]
pub(super) struct Stored {
    pub table: Option<String>,
    pub item: Value,
    /// The literal the write gives each of the item's string attributes, when it gives one.
    pub literals: HashMap<String, Literal>,
}

impl Stored {
    /// The item with every string replaced by `text` (after `with`), except the part the write
    /// gives literally: an `ATTENDEE#` prefix stays, as every such item has it.
    pub fn with_strings(&self, text: &str, with: impl Fn(&Value, &str) -> Value) -> Value {
        let mut item = with(&self.item, text);
        if let Some(m) = item.as_object_mut() {
            for (attr, lit) in &self.literals {
                if let Some(av) = m.get_mut(attr).and_then(Value::as_object_mut)
                    && av.contains_key("S")
                {
                    let s = match lit {
                        Literal::Exact(e) => e.clone(),
                        Literal::Prefix(p) => format!("{p}{text}"),
                    };
                    av.insert("S".into(), Value::String(s));
                }
            }
        }
        item
    }

    /// Whether a read with these constraints can return the item (unknown: yes).
    fn can_match(&self, constraints: &[(String, Constraint)]) -> bool {
        constraints
            .iter()
            .all(|(attr, c)| self.literals.get(attr).is_none_or(|lit| compatible(lit, c)))
    }
}

/// The literals under `at` (`{attribute: literal}` of an item or key at that pointer).
fn under(lits: &Literals, at: &str) -> HashMap<String, Literal> {
    let prefix = format!("{at}/");
    lits.iter()
        .filter_map(|(p, l)| {
            let rest = p.strip_prefix(&prefix)?;
            (!rest.contains('/')).then(|| (unescape(rest), l.clone()))
        })
        .collect()
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// An UpdateItem that cannot create its item: changes applied to items other writes created.
struct Change {
    table: Option<String>,
    key: Map<String, Value>,
    key_literals: HashMap<String, Literal>,
    set: Map<String, Value>,
    remove: Vec<String>,
}

/// The items every write of the API stores, from each rendered request (`action`, the request,
/// its literals). Creating writes first (PutItem, UpdateItem that may create, the Puts and
/// Updates of TransactWriteItems, the PutRequests of BatchWriteItem), then each update that
/// cannot create applied to the created items its key can reach; an update that can reach none
/// of them is taken as an item of its own (nothing says what it changes).
pub(super) fn items(writes: &[(String, Value, Literals)]) -> Vec<Stored> {
    let mut created: Vec<Stored> = Vec::new();
    let mut changes: Vec<Change> = Vec::new();
    fn put(table: Option<String>, v: &Value, at: &str, lits: &Literals, out: &mut Vec<Stored>) {
        if let Some(item) = v.get("Item").filter(|i| i.is_object()) {
            out.push(Stored {
                table,
                item: item.clone(),
                literals: under(lits, &format!("{at}/Item")),
            });
        }
    }
    fn update(
        table: Option<String>,
        v: &Value,
        at: &str,
        lits: &Literals,
        created: &mut Vec<Stored>,
        changes: &mut Vec<Change>,
    ) {
        let key = v
            .get("Key")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let set = super::render::updated_attributes(v);
        let key_literals = under(lits, &format!("{at}/Key"));
        if requires_existing_item(v) {
            changes.push(Change {
                table,
                key,
                key_literals,
                set,
                remove: removed_attributes(v),
            });
        } else {
            let mut item = key;
            item.extend(set);
            if !item.is_empty() {
                created.push(Stored {
                    table,
                    item: Value::Object(item),
                    literals: key_literals,
                });
            }
        }
    }
    for (action, v, lits) in writes {
        let table_of = |x: &Value| {
            x.get("TableName")
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        match action.as_str() {
            "PutItem" => put(table_of(v), v, "", lits, &mut created),
            "UpdateItem" => update(table_of(v), v, "", lits, &mut created, &mut changes),
            "TransactWriteItems" => {
                for (i, x) in v
                    .get("TransactItems")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .enumerate()
                {
                    if let Some(p) = x.get("Put") {
                        put(
                            table_of(p),
                            p,
                            &format!("/TransactItems/{i}/Put"),
                            lits,
                            &mut created,
                        );
                    }
                    if let Some(u) = x.get("Update") {
                        let at = format!("/TransactItems/{i}/Update");
                        update(table_of(u), u, &at, lits, &mut created, &mut changes);
                    }
                }
            }
            "BatchWriteItem" => {
                for (table, reqs) in v
                    .get("RequestItems")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    for (j, r) in reqs.as_array().into_iter().flatten().enumerate() {
                        if let Some(p) = r.get("PutRequest") {
                            let at = format!(
                                "{}/{j}/PutRequest",
                                apidef::error::pointer_push("/RequestItems", table)
                            );
                            put(Some(table.clone()), p, &at, lits, &mut created);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let mut out = created.clone();
    for c in changes {
        let constraints = key_constraints(&c.key_literals);
        let reached: Vec<&Stored> = created
            .iter()
            .filter(|s| s.table == c.table && s.can_match(&constraints))
            .collect();
        if reached.is_empty() {
            let mut item = c.key.clone();
            item.extend(c.set.clone());
            if !item.is_empty() {
                out.push(Stored {
                    table: c.table.clone(),
                    item: Value::Object(item),
                    literals: c.key_literals.clone(),
                });
            }
            continue;
        }
        for s in reached {
            let Some(m) = s.item.as_object() else {
                continue;
            };
            let mut m = m.clone();
            let mut literals = s.literals.clone();
            for (k, v) in &c.set {
                // What the update writes replaces what the create wrote literally.
                literals.remove(k);
                m.insert(k.clone(), v.clone());
            }
            for r in &c.remove {
                literals.remove(r);
                m.remove(r);
            }
            out.push(Stored {
                table: s.table.clone(),
                item: Value::Object(m),
                literals,
            });
        }
    }
    out
}

fn key_constraints(lits: &HashMap<String, Literal>) -> Vec<(String, Constraint)> {
    lits.iter()
        .map(|(k, l)| {
            let c = match l {
                Literal::Exact(e) => Constraint::Equals(e.clone()),
                Literal::Prefix(p) => Constraint::StartsWith(p.clone()),
            };
            (k.clone(), c)
        })
        .collect()
}

/// What a read's request says about the keys of the items it can return: a Query's key
/// condition (`A = :v`, `begins_with(A, :v)`), the `Key` of GetItem, UpdateItem, DeleteItem.
fn read_constraints(action: &str, request: &Value, lits: &Literals) -> Vec<(String, Constraint)> {
    match action {
        "GetItem" | "UpdateItem" | "DeleteItem" => key_constraints(&under(lits, "/Key")),
        "Query" => {
            let Some(expr) = request
                .get("KeyConditionExpression")
                .and_then(Value::as_str)
            else {
                return Vec::new();
            };
            let names = request.get("ExpressionAttributeNames");
            let value_lit = |token: &str| {
                lits.get(&apidef::error::pointer_push(
                    "/ExpressionAttributeValues",
                    token.trim(),
                ))
            };
            let mut out = Vec::new();
            for c in conjuncts(expr).unwrap_or_default() {
                let c = c.trim();
                let (attr, value, begins) = if let Some(args) = function_args(c, "begins_with") {
                    match args.split_once(',') {
                        Some((a, v)) => (a.trim().to_string(), v.trim().to_string(), true),
                        None => continue,
                    }
                } else if let Some((a, v)) = c.split_once('=')
                    && !a.contains(['<', '>', '('])
                    && !v.contains(['<', '>', '('])
                {
                    let (a, v) = (a.trim(), v.trim());
                    if a.starts_with(':') {
                        (v.to_string(), a.to_string(), false)
                    } else {
                        (a.to_string(), v.to_string(), false)
                    }
                } else {
                    continue;
                };
                let Some(attr) = resolve(&attr, names) else {
                    continue;
                };
                let Some(lit) = value_lit(&value) else {
                    continue;
                };
                let constraint = match (lit, begins) {
                    (Literal::Exact(e), false) => Constraint::Equals(e.clone()),
                    (Literal::Exact(p) | Literal::Prefix(p), _) => {
                        Constraint::StartsWith(p.clone())
                    }
                };
                out.push((attr, constraint));
            }
            out
        }
        _ => Vec::new(),
    }
}

/// The items a read can return: those of `items` that some of its requests can reach; all of
/// them when none can (what the reply holds is then unknown) or the read is not narrowed.
pub(super) fn readable(
    action: Option<&str>,
    requests: &[(Value, Literals)],
    items: &[Stored],
) -> Vec<Stored> {
    let Some(action) = action else {
        return items.to_vec();
    };
    if requests.is_empty() {
        return items.to_vec();
    }
    let all: Vec<Vec<(String, Constraint)>> = requests
        .iter()
        .map(|(r, l)| read_constraints(action, r, l))
        .collect();
    let kept: Vec<Stored> = items
        .iter()
        .filter(|s| all.iter().any(|c| s.can_match(c)))
        .cloned()
        .collect();
    if kept.is_empty() {
        items.to_vec()
    } else {
        kept
    }
}

/// A top-level attribute name (through `ExpressionAttributeNames`).
fn resolve(path: &str, names: Option<&Value>) -> Option<String> {
    let first = path.trim().split(['.', '[']).next()?.trim().to_string();
    if first.is_empty() {
        return None;
    }
    if first.starts_with('#') {
        names?.get(&first)?.as_str().map(str::to_string)
    } else {
        Some(first)
    }
}

/// The argument text of `name(...)` when `c` is exactly that call.
fn function_args<'a>(c: &'a str, name: &str) -> Option<&'a str> {
    let c = c.trim();
    let head = c.get(..name.len())?;
    if !head.eq_ignore_ascii_case(name) {
        return None;
    }
    let rest = c[name.len()..].trim_start();
    let inner = rest.strip_prefix('(')?.strip_suffix(')')?;
    // `f(a) AND g(b)` is not one call.
    let mut depth = 0i32;
    for ch in inner.chars() {
        match ch {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return None;
                }
            }
            _ => {}
        }
    }
    Some(inner)
}

/// The conjuncts of a condition (split on top-level `AND`, parentheses around the whole
/// removed); `None` when it has a top-level `OR` (then no conjunct is required alone).
fn conjuncts(expr: &str) -> Option<Vec<String>> {
    let mut e = expr.trim();
    while let Some(inner) = e.strip_prefix('(').and_then(|x| x.strip_suffix(')'))
        && function_args(&format!("f{e}"), "f").is_some()
    {
        e = inner.trim();
    }
    let mut parts = vec![String::new()];
    let mut depth = 0usize;
    let mut word = String::new();
    let flush = |word: &mut String, parts: &mut Vec<String>, depth: usize| -> Option<()> {
        if depth == 0 && word.eq_ignore_ascii_case("OR") {
            return None;
        }
        if depth == 0 && word.eq_ignore_ascii_case("AND") {
            parts.push(String::new());
        } else if let Some(last) = parts.last_mut() {
            last.push_str(word);
        }
        word.clear();
        Some(())
    };
    for ch in e.chars() {
        match ch {
            '(' | ')' => {
                flush(&mut word, &mut parts, depth)?;
                if ch == '(' {
                    depth += 1;
                } else {
                    depth = depth.saturating_sub(1);
                }
                parts.last_mut()?.push(ch);
            }
            c if c.is_whitespace() => {
                flush(&mut word, &mut parts, depth)?;
                parts.last_mut()?.push(c);
            }
            c => word.push(c),
        }
    }
    flush(&mut word, &mut parts, depth)?;
    let mut out = Vec::new();
    for p in parts {
        let p = p.trim();
        let wrapped = p.starts_with('(') && function_args(&format!("f{p}"), "f").is_some();
        if wrapped {
            out.extend(conjuncts(p).unwrap_or_else(|| vec![p.to_string()]));
        } else if !p.is_empty() {
            out.push(p.to_string());
        }
    }
    Some(out)
}

/// The request's condition requires the item to exist: a top-level `attribute_exists(...)`
/// conjunct (false on a missing item, which has no attributes).
pub(super) fn requires_existing_item(request: &Value) -> bool {
    request
        .get("ConditionExpression")
        .and_then(Value::as_str)
        .and_then(conjuncts)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| function_args(c, "attribute_exists").is_some_and(|a| !a.trim().is_empty()))
        })
}

/// The top-level attributes an update expression REMOVEs.
pub(super) fn removed_attributes(request: &Value) -> Vec<String> {
    let names = request.get("ExpressionAttributeNames");
    let Some(expr) = request.get("UpdateExpression").and_then(Value::as_str) else {
        return Vec::new();
    };
    super::render::update_clauses(expr)
        .into_iter()
        .filter(|(clause, _)| clause == "REMOVE")
        .flat_map(|(_, body)| {
            body.split(',')
                .filter_map(|p| {
                    // `REMOVE a.b` and `REMOVE l[0]` change a part only: the attribute stays.
                    let p = p.trim();
                    (!p.contains(['.', '[']))
                        .then(|| resolve(p, names))
                        .flatten()
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn conditions_that_require_the_item() {
        let r = |c: &str| requires_existing_item(&json!({"ConditionExpression": c}));
        assert!(r("attribute_exists(Id)"));
        assert!(r("attribute_exists(#k) AND #s = :s"));
        assert!(r("(attribute_exists(PK)) and Registered < #capacity"));
        assert!(r("Price BETWEEN :a AND :b AND attribute_exists(Id)"));
        assert!(!r("attribute_exists(Id) OR attribute_not_exists(Id)"));
        assert!(!r("NOT attribute_exists(Id)"));
        assert!(!r("attribute_not_exists(Id)"));
        assert!(!r("attribute_exists(a) OR b = :b AND attribute_exists(c)"));
        assert!(!requires_existing_item(&json!({})));
    }

    #[test]
    fn literal_runs() {
        assert_eq!(
            run_at("ATTENDEE#$email\"}"),
            Literal::Prefix("ATTENDEE#".into())
        );
        assert_eq!(run_at("EVENT\"}"), Literal::Exact("EVENT".into()));
        assert_eq!(run_at("A#if($x)b#end\""), Literal::Prefix("A".into()));
        assert_eq!(run_at("$x\""), Literal::Prefix(String::new()));
    }

    #[test]
    fn literals_of_a_transaction_and_what_a_query_reaches() {
        let src = r##"#set($k = "EVENT#$input.params('id')")
{"TransactItems": [
 {"Update": {"TableName": "t", "Key": {"PK": {"S": "$k"}, "SK": {"S": "EVENT"}}, "UpdateExpression": "SET N = :n", "ConditionExpression": "attribute_exists(PK)", "ExpressionAttributeValues": {":n": {"N": "1"}}}},
 {"Put": {"TableName": "t", "Item": {"PK": {"S": "$k"}, "SK": {"S": "ATTENDEE#$input.params('id')"}}}}
]}"##;
        let t = vtl::Template::parse(src).expect("parses");
        let mut b = vtl::Bindings::default();
        b.path.insert("id".into(), "x".into());
        let v: Value =
            serde_json::from_str(t.render(&b).expect("renders").output.trim()).expect("json");
        let lits = literals(src, &b, &v);
        assert_eq!(
            lits.get("/TransactItems/1/Put/Item/SK"),
            Some(&Literal::Prefix("ATTENDEE#".into()))
        );
        assert_eq!(
            lits.get("/TransactItems/0/Update/Key/SK"),
            Some(&Literal::Exact("EVENT".into()))
        );
        assert_eq!(
            lits.get("/TransactItems/1/Put/Item/PK"),
            Some(&Literal::Prefix(String::new()))
        );
        let event = Stored {
            table: Some("t".into()),
            item: json!({"PK": {"S": "EVENT#x"}, "SK": {"S": "EVENT"}}),
            literals: HashMap::from([("SK".to_string(), Literal::Exact("EVENT".into()))]),
        };
        let mut stored = items(&[("TransactWriteItems".into(), v, lits)]);
        // The update cannot create: it reaches no created item of its key, so it stands alone.
        assert_eq!(stored.len(), 2, "{stored:?}");
        stored.push(event);
        let query = json!({"KeyConditionExpression": "PK = :pk AND begins_with(SK, :a)"});
        let q = Literals::from([(
            "/ExpressionAttributeValues/:a".to_string(),
            Literal::Exact("ATTENDEE#".into()),
        )]);
        let read = readable(Some("Query"), &[(query, q)], &stored);
        assert_eq!(read.len(), 1, "{read:?}");
        assert!(
            read[0].item["SK"]["S"]
                .as_str()
                .is_some_and(|s| s.starts_with("ATTENDEE#"))
        );
    }

    #[test]
    fn a_conditional_update_changes_created_items() {
        let put = json!({"TableName": "t", "Item": {"Id": {"S": "a"}, "Note": {"S": "n"}, "At": {"N": "1"}}});
        let update = json!({"TableName": "t", "Key": {"Id": {"S": "a"}}, "UpdateExpression": "SET #s = :s REMOVE Note", "ConditionExpression": "attribute_exists(Id)", "ExpressionAttributeNames": {"#s": "Status"}, "ExpressionAttributeValues": {":s": {"S": "paid"}}});
        let stored = items(&[
            ("PutItem".into(), put, Literals::new()),
            ("UpdateItem".into(), update, Literals::new()),
        ]);
        assert_eq!(stored.len(), 2);
        assert_eq!(
            stored[1].item,
            json!({"Id": {"S": "a"}, "At": {"N": "1"}, "Status": {"S": "paid"}})
        );
    }

    #[test]
    fn compatibility() {
        let s = |p: &str| Constraint::StartsWith(p.into());
        assert!(!compatible(
            &Literal::Exact("EVENT".into()),
            &s("ATTENDEE#")
        ));
        assert!(compatible(
            &Literal::Prefix("ATTENDEE#".into()),
            &s("ATTENDEE#")
        ));
        assert!(compatible(&Literal::Prefix("A".into()), &s("ATTENDEE#")));
        assert!(!compatible(&Literal::Prefix("B#".into()), &s("ATTENDEE#")));
        assert!(!compatible(
            &Literal::Exact("x".into()),
            &Constraint::Equals("-".into())
        ));
    }
}
