//! TransactWriteItems and TransactGetItems for [`Embedded`].
//!
//! A child module of `store`, so it reuses the store's item
//! validation, key extraction, condition evaluation and update application unchanged: each write
//! action runs as the matching PutItem, UpdateItem or DeleteItem against a scratch copy of the
//! tables it touches, under the store's write lock; the copy replaces the tables only when every
//! action succeeded, so a transaction is all-or-nothing and no other caller sees it half done.
//!
//! Reply and error shapes follow the DynamoDB API reference (`TransactWriteItems`,
//! `TransactGetItems`, `CancellationReason`): a successful write replies `{}`; a failed condition
//! cancels the whole transaction with a `TransactionCanceledException` whose `CancellationReasons`
//! has one entry per action, in request order (`{"Code":"None"}` for the actions that did not
//! fail), and the failed action's item when it asked for `ReturnValuesOnConditionCheckFailure:
//! ALL_OLD`.

use std::collections::HashSet;

use serde_json::{Map, Value, json};

use super::capacity::{add_batch_consumed, read_units, write_units};
use super::expressions::{Expressions, check_condition, item_json};
use super::model::Table;
use super::shapes::{attr_map, names_map, table_name};
use super::validate::{check_key_paths, is_empty_scalar, validate_item_keys, validate_key};
use super::{Embedded, str_field};
use crate::error::DynamoError;
use crate::schema::{Con, Field, Ty, f};
use crate::value::{AttributeValue, Item, item_to_json, parse_item};

/// The four kinds of TransactWriteItems action, as named in the request.
const WRITE_KINDS: [&str; 4] = ["ConditionCheck", "Put", "Delete", "Update"];

const SAME_ITEM: &str = "Transaction request cannot include multiple operations on one item";

/// How long a `ClientRequestToken` identifies its request (API reference: 10 minutes).
const TOKEN_SECONDS: f64 = 600.0;

/// The `ClientRequestToken`s of successful TransactWriteItems calls: the request (without its
/// reporting options) and when it completed.
#[derive(Debug, Default)]
pub(super) struct Tokens(std::sync::Mutex<std::collections::HashMap<String, (Value, f64)>>);

fn rvoccf() -> Field {
    f(
        "ReturnValuesOnConditionCheckFailure",
        Ty::Str,
        vec![Con::Enum(&["ALL_OLD", "NONE"])],
    )
}

fn rcc() -> Field {
    f(
        "ReturnConsumedCapacity",
        Ty::Str,
        vec![Con::Enum(&["INDEXES", "TOTAL", "NONE"])],
    )
}

/// The input shape of TransactWriteItems (API reference: `TransactWriteItem`, `ConditionCheck`,
/// `Put`, `Delete`, `Update`; `TransactItems` holds 1 to 100 actions).
pub(super) fn write_fields() -> Vec<Field> {
    let s = |n: &'static str| f(n, Ty::Str, vec![]);
    let action = |name: &'static str, class: &'static str, mut fields: Vec<Field>| {
        fields.extend([
            table_name(),
            attr_map("ExpressionAttributeValues", vec![]),
            names_map(),
            rvoccf(),
        ]);
        f(name, Ty::Struct(fields, class, false), vec![])
    };
    let key = || attr_map("Key", vec![Con::NotNull]);
    vec![
        rcc(),
        f(
            "ReturnItemCollectionMetrics",
            Ty::Str,
            vec![Con::Enum(&["SIZE", "NONE"])],
        ),
        f(
            "ClientRequestToken",
            Ty::Str,
            vec![Con::LenGe(1), Con::LenLe(36)],
        ),
        f(
            "TransactItems",
            Ty::List(Box::new(f(
                "member",
                Ty::Struct(
                    vec![
                        action(
                            "ConditionCheck",
                            "ConditionCheck",
                            vec![key(), f("ConditionExpression", Ty::Str, vec![Con::NotNull])],
                        ),
                        action(
                            "Put",
                            "Put",
                            vec![
                                attr_map("Item", vec![Con::NotNull]),
                                s("ConditionExpression"),
                            ],
                        ),
                        action("Delete", "Delete", vec![key(), s("ConditionExpression")]),
                        action(
                            "Update",
                            "Update",
                            vec![
                                key(),
                                f("UpdateExpression", Ty::Str, vec![Con::NotNull]),
                                s("ConditionExpression"),
                            ],
                        ),
                    ],
                    "TransactWriteItem",
                    true,
                ),
                vec![],
            ))),
            vec![Con::NotNull, Con::LenGe(1), Con::LenLe(100)],
        ),
    ]
}

/// The input shape of TransactGetItems (API reference: `TransactGetItem`, `Get`).
pub(super) fn get_fields() -> Vec<Field> {
    vec![
        rcc(),
        f(
            "TransactItems",
            Ty::List(Box::new(f(
                "member",
                Ty::Struct(
                    vec![f(
                        "Get",
                        Ty::Struct(
                            vec![
                                attr_map("Key", vec![Con::NotNull]),
                                table_name(),
                                f("ProjectionExpression", Ty::Str, vec![]),
                                names_map(),
                            ],
                            "Get",
                            false,
                        ),
                        vec![Con::NotNull],
                    )],
                    "TransactGetItem",
                    true,
                ),
                vec![],
            ))),
            vec![Con::NotNull, Con::LenGe(1), Con::LenLe(100)],
        ),
    ]
}

/// One parsed write action.
struct WriteAction {
    kind: &'static str,
    /// The action's own object (`TableName`, `Key`/`Item`, expressions, ...).
    body: Value,
    table: String,
    /// The item's key (for a Put: the key attributes of `Item`).
    key: Item,
    /// The message of a key that does not match the table's schema: the action's
    /// `ValidationError` cancellation reason.
    invalid: Option<String>,
}

/// A key attribute of `item` holding an empty string or binary.
fn empty_key_error(t: &Table, item: &Item) -> Option<DynamoError> {
    for kd in std::iter::once(&t.hash).chain(t.range.iter()) {
        if let Some(v) = item.get(&kd.name)
            && is_empty_scalar(v)
        {
            let what = if matches!(v, AttributeValue::B(_)) {
                "binary"
            } else {
                "string"
            };
            return Some(DynamoError::validation(format!(
                "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {what} value. Key: {}",
                kd.name
            )));
        }
    }
    None
}

/// The one action of a `TransactWriteItem`.
fn write_action(entry: &Value) -> Result<(&'static str, Value), DynamoError> {
    let present: Vec<&'static str> = WRITE_KINDS
        .iter()
        .copied()
        .filter(|k| entry.get(*k).is_some_and(|v| !v.is_null()))
        .collect();
    match present.as_slice() {
        [kind] => Ok((kind, entry[*kind].clone())),
        _ => Err(DynamoError::validation(
            "TransactItems can only contain one of Check, Put, Update or Delete",
        )),
    }
}

/// An UpdateItem error that depends on the item the update meets rather than on the request:
/// in a transaction it cancels the transaction with a `ValidationError` reason (USER: a real
/// reply quoted in aws/aws-sdk-net#1292 carries "The provided expression refers to an attribute
/// that does not exist in the item" as a `ValidationError` reason; the API reference lists "an
/// item size becomes too large" among the causes of a cancellation).
fn item_error(message: &str) -> bool {
    [
        "The provided expression refers to an attribute that does not exist in the item",
        "An operand in the update expression has an incorrect data type",
        "The document path provided in the update expression is invalid for update",
        "Item size to update has exceeded the maximum allowed size",
    ]
    .contains(&message)
}

fn consumed_units(reply: &Value) -> f64 {
    reply
        .pointer("/ConsumedCapacity/CapacityUnits")
        .and_then(Value::as_f64)
        .unwrap_or(0.0)
}

impl Embedded {
    /// TransactWriteItems, idempotent per `ClientRequestToken` (API reference,
    /// `TransactWriteItems`: a token "is valid for 10 minutes after the first request that uses
    /// it completes"; a repeat of a successful call returns success "without making any
    /// changes"; the same token with other parameters is an `IdempotentParameterMismatch`).
    pub(super) fn transact_write_items(&self, data: &Value) -> Result<Value, DynamoError> {
        let Some(token) = data.get("ClientRequestToken").and_then(Value::as_str) else {
            return self.transact_write_items_once(data);
        };
        // Held for the whole call, so two concurrent calls with one token apply it once.
        let mut seen = self.tokens.0.lock().unwrap_or_else(|p| p.into_inner());
        let now = self.now();
        seen.retain(|_, (_, at)| now - *at < TOKEN_SECONDS);
        let mut request = data.clone();
        if let Some(o) = request.as_object_mut() {
            // What the reply reports is not part of what the token identifies.
            o.remove("ReturnConsumedCapacity");
            o.remove("ReturnItemCollectionMetrics");
        }
        if let Some((first, _)) = seen.get(token) {
            if *first == request {
                return Ok(json!({}));
            }
            return Err(DynamoError::IdempotentParameterMismatch(
                "DynamoDB rejected the request because you retried a request with a different payload but with an idempotent token that was already used."
                    .to_string(),
            ));
        }
        let out = self.transact_write_items_once(data)?;
        seen.insert(token.to_string(), (request, self.now()));
        Ok(out)
    }

    fn transact_write_items_once(&self, data: &Value) -> Result<Value, DynamoError> {
        let entries = data
            .get("TransactItems")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        // Shape and AttributeValue checks of every action come before any table is read.
        let mut parsed = Vec::new();
        for entry in &entries {
            let (kind, body) = write_action(entry)?;
            let source = if kind == "Put" { "Item" } else { "Key" };
            let item = parse_item(body.get(source)).map_err(DynamoError::Validation)?;
            parsed.push((kind, body, item));
        }
        let mut tables = self.write();
        let mut actions = Vec::new();
        let mut seen = HashSet::new();
        for (kind, body, item) in parsed {
            let table = str_field(&body, "TableName");
            let t = tables
                .get(&table)
                .ok_or_else(DynamoError::table_not_found)?;
            // An empty key value is refused up front; any other key fault cancels the
            // transaction with a `ValidationError` reason for its action (USER: AWS replies
            // captured in paritysuite/dynamodb-conformance
            // `tests/tier3/error-messages/transactWriteItems.test.ts`).
            if let Some(e) = empty_key_error(t, &item) {
                return Err(e);
            }
            let checked = if kind == "Put" {
                validate_item_keys(t, &item)
            } else {
                validate_key(t, &item)
            };
            let invalid = match checked {
                Ok(()) => None,
                Err(DynamoError::Validation(m)) => Some(m),
                Err(e) => return Err(e),
            };
            if invalid.is_none() && !seen.insert((table.clone(), t.storage_key(&item))) {
                return Err(DynamoError::validation(SAME_ITEM));
            }
            let key = t.key_of(&item);
            actions.push(WriteAction {
                kind,
                body,
                table,
                key,
                invalid,
            });
        }
        // A scratch store holding copies of the tables involved; every action runs against it.
        let scratch = Embedded::new();
        {
            let mut copy = scratch.write();
            for a in &actions {
                if !copy.contains_key(&a.table)
                    && let Some(t) = tables.get(&a.table)
                {
                    copy.insert(a.table.clone(), t.clone());
                }
            }
        }
        let mut reasons = Vec::new();
        let mut failed = false;
        let mut capacity: Vec<(String, f64)> = Vec::new();
        for a in &actions {
            if let Some(m) = &a.invalid {
                failed = true;
                reasons.push(json!({"Code": "ValidationError", "Message": m}));
                continue;
            }
            let old = {
                let copy = scratch.read();
                copy.get(&a.table)
                    .and_then(|t| t.items.get(&t.storage_key(&a.key)).cloned())
            };
            let mut req = match a.body.as_object() {
                Some(o) => o.clone(),
                None => Map::new(),
            };
            req.remove("ReturnValuesOnConditionCheckFailure");
            req.insert("ReturnConsumedCapacity".to_string(), json!("TOTAL"));
            let req = Value::Object(req);
            let result = match a.kind {
                "Put" => scratch.put_item(&req),
                "Update" => scratch.update_item(&req),
                "Delete" => scratch.delete_item(&req),
                _ => {
                    let exprs =
                        Expressions::parse(&req, &["ConditionExpression"], &[])?.finish()?;
                    check_condition(&exprs, old.as_ref())
                        .map(|_| json!({"ConsumedCapacity": {"CapacityUnits": read_units(old.as_ref(), true)}}))
                }
            };
            match result {
                Ok(reply) => {
                    let units = if a.kind == "ConditionCheck" {
                        consumed_units(&reply)
                    } else {
                        consumed_units(&reply).max(write_units(old.as_ref()))
                    };
                    // A transactional write or read costs two units per unit (Developer Guide,
                    // "Capacity unit consumption for transactions").
                    match capacity.iter_mut().find(|(n, _)| *n == a.table) {
                        Some((_, u)) => *u += 2.0 * units,
                        None => capacity.push((a.table.clone(), 2.0 * units)),
                    }
                    reasons.push(json!({"Code": "None"}));
                }
                Err(DynamoError::ConditionalCheckFailed) => {
                    failed = true;
                    let mut r = Map::new();
                    r.insert("Code".to_string(), json!("ConditionalCheckFailed"));
                    if a.body
                        .get("ReturnValuesOnConditionCheckFailure")
                        .and_then(Value::as_str)
                        == Some("ALL_OLD")
                        && let Some(old) = &old
                    {
                        r.insert("Item".to_string(), item_to_json(old));
                    }
                    r.insert(
                        "Message".to_string(),
                        json!("The conditional request failed"),
                    );
                    reasons.push(Value::Object(r));
                }
                Err(DynamoError::Validation(m)) if a.kind == "Update" && item_error(&m) => {
                    failed = true;
                    reasons.push(json!({"Code": "ValidationError", "Message": m}));
                }
                Err(e) => return Err(e),
            }
        }
        if failed {
            return Err(DynamoError::TransactionCanceled(reasons));
        }
        let mut copy = scratch.write();
        for (name, t) in std::mem::take(&mut *copy) {
            tables.insert(name, t);
        }
        let mut out = Map::new();
        add_batch_consumed(&mut out, data, capacity);
        Ok(Value::Object(out))
    }

    pub(super) fn transact_get_items(&self, data: &Value) -> Result<Value, DynamoError> {
        let entries = data
            .get("TransactItems")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut plans = Vec::new();
        for entry in &entries {
            let get = entry.get("Get").cloned().unwrap_or(Value::Null);
            let exprs = Expressions::parse(&get, &["ProjectionExpression"], &[])?;
            let key = parse_item(get.get("Key")).map_err(DynamoError::Validation)?;
            let exprs = exprs.finish()?;
            plans.push((get, exprs, key));
        }
        let tables = self.read();
        let mut seen = HashSet::new();
        let mut responses = Vec::new();
        let mut reasons = Vec::new();
        let mut failed = false;
        let mut capacity: Vec<(String, f64)> = Vec::new();
        for (get, exprs, key) in &plans {
            let table = str_field(get, "TableName");
            let t = tables
                .get(&table)
                .ok_or_else(DynamoError::table_not_found)?;
            check_key_paths(t, exprs.projection_nested())?;
            if let Some(e) = empty_key_error(t, key) {
                return Err(e);
            }
            // A key that does not match the schema cancels the read with a `ValidationError`
            // reason (USER: paritysuite/dynamodb-conformance
            // `tests/tier3/error-messages/transactGetItems.test.ts`, captured on AWS).
            match validate_key(t, key) {
                Ok(()) => reasons.push(json!({"Code": "None"})),
                Err(DynamoError::Validation(m)) => {
                    failed = true;
                    reasons.push(json!({"Code": "ValidationError", "Message": m}));
                    continue;
                }
                Err(e) => return Err(e),
            }
            if !seen.insert((table.clone(), t.storage_key(key))) {
                return Err(DynamoError::validation(SAME_ITEM));
            }
            let found = t.items.get(&t.storage_key(key));
            let units = 2.0 * read_units(found, true);
            match capacity.iter_mut().find(|(n, _)| *n == table) {
                Some((_, u)) => *u += units,
                None => capacity.push((table.clone(), units)),
            }
            responses.push(match found {
                Some(item) => json!({"Item": item_json(item, exprs, get)}),
                None => json!({}),
            });
        }
        if failed {
            return Err(DynamoError::TransactionCanceled(reasons));
        }
        let mut out = Map::new();
        out.insert("Responses".to_string(), Value::Array(responses));
        add_batch_consumed(&mut out, data, capacity);
        Ok(Value::Object(out))
    }
}
