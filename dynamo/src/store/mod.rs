//! `Embedded`: an in-process DynamoDB. Requests go through the same steps as on the service:
//! JSON parse (SerializationException), shape check (SerializationException with `Message`),
//! member constraints (ValidationException, aggregated), action-specific validation, then the action.
//!
//! This module is the dispatcher (`Embedded::dispatch`: one `match` from action name to the
//! method that runs it); each idea has its own module:
//!
//! - `shapes`: the input shape of every action (members, types, constraints);
//! - `tables`: CreateTable, DescribeTable, DeleteTable, ListTables;
//! - `reads`: GetItem, BatchGetItem; `writes`: PutItem, DeleteItem, UpdateItem, BatchWriteItem;
//! - `query`: Query and Scan (index choice, `ExclusiveStartKey`, the 1 MB page, the filter),
//!   with `key_condition` for `KeyConditionExpression`/`KeyConditions`;
//! - `transact`: TransactWriteItems, TransactGetItems;
//! - `update_table`: UpdateTable; `ttl`: UpdateTimeToLive, DescribeTimeToLive and the expiry
//!   of items;
//! - `expressions`: a request's expression parameters (names, values, legacy forms) and what
//!   they do to an item (condition, projection);
//! - `validate`: key attributes of keys and items (types, sizes, empty values);
//! - `model`: tables, indexes and stored items; `keys`: the storage key that orders them;
//! - `capacity`: consumed capacity units; `reply`: reply bytes in DynamoDB's member order.

// The shared pieces are visible crate-wide (for actions written outside `store/`); the action
// modules only add `impl Embedded` methods, reached through `dispatch`.
pub(crate) mod capacity;
pub(crate) mod expressions;
mod key_condition;
pub(crate) mod keys;
pub(crate) mod model;
mod query;
mod reads;
pub(crate) mod reply;
pub(crate) mod shapes;
mod tables;
mod transact;
mod ttl;
mod update_table;
pub(crate) mod validate;
mod writes;

pub use ttl::{Clock, ManualClock};

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use serde_json::Value;

use crate::error::DynamoError;
use crate::schema::{check_constraints, check_types};
use crate::{Dynamo, DynamoResponse};
use model::Table;
use reply::aws_key_order;
use shapes::ACTION_FIELDS;

/// DynamoDB's maximum item size, 400 KB (Developer Guide, "Service, account, and table quotas").
pub(crate) const MAX_ITEM_SIZE: usize = 400 * 1024;
/// Query and Scan read at most 1 MB per call (Developer Guide, "Paginating table query results").
pub(crate) const MAX_PAGE_BYTES: usize = 1024 * 1024;

/// What an action answers: a JSON tree (its members are put in DynamoDB's order by
/// `aws_key_order`), or the reply bytes already written in that order (Query, Scan and GetItem,
/// whose items are copied from their stored JSON).
enum Reply {
    Json(Value),
    Bytes(Vec<u8>),
}

/// The embedded store. Cheap to clone (shared state); every action takes the store lock for the
/// duration of its read-modify-write, so concurrent callers never lose a write.
#[derive(Clone, Default)]
pub struct Embedded {
    pub(crate) tables: Arc<RwLock<BTreeMap<String, Table>>>,
    /// The clock TTL expiry reads and when it last swept (see `ttl`).
    expiry: Arc<ttl::Expiry>,
    /// TransactWriteItems client tokens seen in the last 10 minutes (see `transact`).
    tokens: Arc<transact::Tokens>,
}

impl Embedded {
    pub fn new() -> Embedded {
        Embedded::default()
    }

    /// Handle one request synchronously (the trait's `call` is this plus nothing).
    pub fn handle(&self, action: &str, body: &[u8]) -> DynamoResponse {
        match self.dispatch(action, body) {
            Ok(Reply::Json(mut v)) => {
                aws_key_order(&mut v);
                DynamoResponse::json(200, &v)
            }
            Ok(Reply::Bytes(b)) => DynamoResponse::new(200, b),
            Err(e) => DynamoResponse::from_error(&e),
        }
    }

    fn dispatch(&self, action: &str, body: &[u8]) -> Result<Reply, DynamoError> {
        // Malformed JSON is a SerializationException without a message; it is detected before
        // the action name is looked at.
        let data: Value = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(body).map_err(|_| DynamoError::Serialization(None))?
        };
        let fields = ACTION_FIELDS
            .get(action)
            .ok_or(DynamoError::UnknownOperation)?;
        if body.is_empty() {
            return Err(DynamoError::Serialization(None));
        }
        let data = check_types(&data, fields)?;
        check_constraints(&data, fields)?;
        crate::schema::check_expression_sizes(&data)?;
        self.expire_items();
        let json = match action {
            "GetItem" => return self.get_item(&data).map(Reply::Bytes),
            "Query" => return self.query(&data).map(Reply::Bytes),
            "Scan" => return self.scan(&data).map(Reply::Bytes),
            "CreateTable" => self.create_table(&data),
            "DescribeTable" => self.describe_table(&data),
            "DeleteTable" => self.delete_table(&data),
            "ListTables" => self.list_tables(&data),
            "PutItem" => self.put_item(&data),
            "DeleteItem" => self.delete_item(&data),
            "UpdateItem" => self.update_item(&data),
            "BatchWriteItem" => self.batch_write_item(&data),
            "BatchGetItem" => self.batch_get_item(&data),
            "TransactWriteItems" => self.transact_write_items(&data),
            "TransactGetItems" => self.transact_get_items(&data),
            "UpdateTable" => self.update_table(&data),
            "DescribeTimeToLive" => self.describe_time_to_live(&data),
            "UpdateTimeToLive" => self.update_time_to_live(&data),
            _ => Err(DynamoError::UnknownOperation),
        };
        if json.is_ok() {
            self.note_write(action);
        }
        json.map(Reply::Json)
    }

    pub(crate) fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Table>> {
        self.tables.read().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Table>> {
        self.tables.write().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait::async_trait]
impl Dynamo for Embedded {
    async fn call(&self, action: &str, body: &[u8]) -> DynamoResponse {
        self.handle(action, body)
    }
}

pub(crate) fn str_field(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

pub(crate) fn arr(v: &Value, k: &str) -> Vec<Value> {
    v.get(k)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> Embedded {
        let e = Embedded::new();
        let r = e.handle("CreateTable", br#"{"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],"BillingMode":"PAY_PER_REQUEST"}"#);
        assert_eq!(r.status, 200);
        let r = e.handle(
            "PutItem",
            br#"{"TableName":"tbl","Item":{"pk":{"S":"a"},"v":{"N":"1"}}}"#,
        );
        assert_eq!(r.status, 200);
        e
    }

    #[test]
    fn legacy_or_is_true_when_a_later_condition_holds() {
        // The documented OR (dynalite stops at the first false condition instead).
        let e = setup();
        let r = e.handle("DeleteItem", br#"{"TableName":"tbl","Key":{"pk":{"S":"a"}},"Expected":{"v":{"ComparisonOperator":"GT","AttributeValueList":[{"N":"5"}]},"w":{"ComparisonOperator":"NULL"}},"ConditionalOperator":"OR"}"#);
        assert_eq!(r.status, 200, "{}", r.json_body());
    }

    #[test]
    fn delete_item_rejects_all_new() {
        let e = setup();
        let r = e.handle(
            "DeleteItem",
            br#"{"TableName":"tbl","Key":{"pk":{"S":"a"}},"ReturnValues":"ALL_NEW"}"#,
        );
        assert_eq!(r.status, 400);
        assert_eq!(
            r.json_body()["message"],
            "Return values set to invalid value"
        );
    }
}
