//! `Embedded`: an in-process DynamoDB. Requests go through the same steps as on the service:
//! JSON parse (SerializationException), shape check (SerializationException with `Message`),
//! member constraints (ValidationException, aggregated), action-specific validation, then the action.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Arc, RwLock};

use serde_json::{Map, Value, json};

use crate::error::DynamoError;
use crate::expr::{self, CmpOp, Cond, ExprContext, Operand, Path, UpdateAction};
use crate::number::Number;
use crate::schema::{Con, Field, Ty, check_constraints, check_types, f};
use crate::util::md5;
use crate::value::{
    AttributeValue, Item, ScalarType, decode_b64, item_size, item_to_json, page_size,
    parse_attribute_value, parse_item, write_item_json,
};
use crate::{Dynamo, DynamoResponse};

/// TransactWriteItems and TransactGetItems (a child module, so it shares this module's helpers).
#[path = "transact.rs"]
mod transact;

/// UpdateTimeToLive, DescribeTimeToLive and the expiry of items (a child module, as above).
#[path = "ttl.rs"]
mod ttl;
pub use ttl::{Clock, ManualClock};

/// UpdateTable (a child module, as above).
#[path = "update_table.rs"]
mod update_table;

/// DynamoDB's maximum item size, 400 KB (Developer Guide, "Service, account, and table quotas").
pub const MAX_ITEM_SIZE: usize = 400 * 1024;
/// Query and Scan read at most 1 MB per call (Developer Guide, "Paginating table query results").
pub const MAX_PAGE_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone)]
struct KeyDef {
    name: String,
    ty: ScalarType,
}

/// One stored item with what every read of it needs, computed once when it is written: its reply
/// JSON (the bytes `item_to_json` serialises to), its size (capacity units, `TableSizeBytes`) and
/// what it counts towards the 1 MB page of a Query or Scan.
#[derive(Debug, Clone)]
struct Stored {
    item: Item,
    json: Box<[u8]>,
    size: usize,
    page: usize,
}

impl Stored {
    fn new(item: Item, range_key: Option<&str>) -> Stored {
        let mut json = Vec::with_capacity(64);
        write_item_json(&mut json, &item);
        Stored {
            size: item_size(&item),
            page: page_size(&item, range_key),
            json: json.into_boxed_slice(),
            item,
        }
    }
}

/// A table's items keyed by storage key (see `storage_key`), so that a page that starts at an
/// `ExclusiveStartKey` is a range lookup.
#[derive(Debug, Clone, Default)]
struct Items {
    map: BTreeMap<String, Stored>,
    /// The table's sort key name: `page_size` counts it apart.
    range_key: Option<String>,
    /// Sum of the items' sizes (`TableSizeBytes`).
    total_size: usize,
}

impl Items {
    fn new(range_key: Option<String>) -> Items {
        Items {
            range_key,
            ..Items::default()
        }
    }

    fn get(&self, key: &str) -> Option<&Item> {
        self.map.get(key).map(|s| &s.item)
    }

    fn get_stored(&self, key: &str) -> Option<&Stored> {
        self.map.get(key)
    }

    fn insert(&mut self, key: String, item: Item) {
        let stored = Stored::new(item, self.range_key.as_deref());
        self.total_size += stored.size;
        if let Some(old) = self.map.insert(key, stored) {
            self.total_size -= old.size;
        }
    }

    fn remove(&mut self, key: &str) -> Option<Item> {
        let old = self.map.remove(key)?;
        self.total_size -= old.size;
        Some(old.item)
    }

    fn len(&self) -> usize {
        self.map.len()
    }
}

#[derive(Debug, Clone)]
struct Table {
    description: Map<String, Value>,
    hash: KeyDef,
    range: Option<KeyDef>,
    /// Items in the order a DynamoDB-compatible server scans them (see `storage_key`).
    items: Items,
    /// Local and global secondary indexes.
    indexes: Vec<Index>,
    /// The TTL attribute while Time to Live is enabled (see `ttl`).
    ttl: Option<String>,
}

#[derive(Debug, Clone)]
struct Index {
    name: String,
    global: bool,
    hash: KeyDef,
    range: Option<KeyDef>,
    /// `None` for `ALL`, else the projected non-key attributes (empty for `KEYS_ONLY`).
    projection: Option<Vec<String>>,
    /// What the index holds, by index key (see `Table::index_key`), kept up to date on every
    /// write so that a Query or Scan page of an index is a range lookup too.
    entries: BTreeMap<String, IndexEntry>,
}

/// One item in an index: its projection, and where the whole item is in the table.
#[derive(Debug, Clone)]
struct IndexEntry {
    table_key: String,
    stored: Stored,
}

impl Index {
    fn key_names(&self) -> Vec<String> {
        let mut v = vec![self.hash.name.clone()];
        if let Some(r) = &self.range {
            v.push(r.name.clone());
        }
        v
    }
}

impl Table {
    /// Store `item` under `key` (replacing what was there), in the table and its indexes.
    fn put(&mut self, key: String, item: Item) {
        self.unindex(&key);
        if !self.indexes.is_empty() {
            let range_key = self.range.as_ref().map(|r| r.name.as_str());
            let mut adds = Vec::new();
            for (i, idx) in self.indexes.iter().enumerate() {
                if let Some(k) = self.index_key(idx, &item) {
                    let stored = Stored::new(self.index_projection(idx, &item), range_key);
                    adds.push((i, k, stored));
                }
            }
            for (i, k, stored) in adds {
                let entry = IndexEntry {
                    table_key: key.clone(),
                    stored,
                };
                self.indexes[i].entries.insert(k, entry);
            }
        }
        self.items.insert(key, item);
    }

    /// Remove the item under `key` from the table and its indexes.
    fn delete(&mut self, key: &str) -> Option<Item> {
        self.unindex(key);
        self.items.remove(key)
    }

    fn unindex(&mut self, key: &str) {
        if self.indexes.is_empty() {
            return;
        }
        let Some(old) = self.items.get(key) else {
            return;
        };
        let keys: Vec<(usize, String)> = self
            .indexes
            .iter()
            .enumerate()
            .filter_map(|(i, idx)| self.index_key(idx, old).map(|k| (i, k)))
            .collect();
        for (i, k) in keys {
            self.indexes[i].entries.remove(&k);
        }
    }

    fn key_names(&self) -> Vec<String> {
        let mut v = vec![self.hash.name.clone()];
        if let Some(r) = &self.range {
            v.push(r.name.clone());
        }
        v
    }

    fn storage_key(&self, item: &Item) -> String {
        let h = item.get(&self.hash.name);
        let r = self.range.as_ref().and_then(|r| item.get(&r.name));
        storage_key(h, r)
    }

    /// The key of an item in an index: the index key's storage key, then a hash of the table key
    /// (so equal index keys keep a stable order). `None` when the item is not in the index.
    fn index_key(&self, idx: &Index, item: &Item) -> Option<String> {
        let h = item.get(&idx.hash.name)?;
        if h.scalar_type() != Some(idx.hash.ty) {
            return None;
        }
        let r = match &idx.range {
            Some(r) => {
                let v = item.get(&r.name)?;
                if v.scalar_type() != Some(r.ty) {
                    return None;
                }
                Some(v)
            }
            None => None,
        };
        let mut key = storage_key(Some(h), r);
        let mut data = b"Outliers".to_vec();
        if let Some(th) = item.get(&self.hash.name) {
            data.extend(key_bytes(th));
        }
        if let Some(tr) = self.range.as_ref().and_then(|r| item.get(&r.name)) {
            data.extend(key_bytes(tr));
        }
        key.push_str(&hex::encode(&md5(&data)[..3]));
        Some(key)
    }

    /// What an index holds of an item: everything for `ALL`, else the index and table keys and
    /// the projected attributes.
    fn index_projection(&self, idx: &Index, item: &Item) -> Item {
        let Some(extra) = &idx.projection else {
            return item.clone();
        };
        let mut out = Item::new();
        for n in idx
            .key_names()
            .iter()
            .chain(self.key_names().iter())
            .chain(extra.iter())
        {
            if let Some(v) = item.get(n) {
                out.insert(n.clone(), v.clone());
            }
        }
        out
    }

    fn name(&self) -> String {
        self.description
            .get("TableName")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    }

    fn find_index(&self, name: &str) -> Option<&Index> {
        self.indexes.iter().find(|i| i.name == name)
    }

    fn key_of(&self, item: &Item) -> Item {
        let mut k = Item::new();
        for n in self.key_names() {
            if let Some(v) = item.get(&n) {
                k.insert(n, v.clone());
            }
        }
        k
    }

    fn describe(&self, status: &str) -> Value {
        let mut d = self.description.clone();
        d.insert("TableStatus".to_string(), json!(status));
        if let Some(Value::Array(g)) = d.get_mut("GlobalSecondaryIndexes") {
            for e in g.iter_mut() {
                if let Some(m) = e.as_object_mut() {
                    m.insert(
                        "IndexStatus".to_string(),
                        json!(if status == "CREATING" {
                            "CREATING"
                        } else {
                            "ACTIVE"
                        }),
                    );
                }
            }
        }
        d.insert("ItemCount".to_string(), json!(self.items.len()));
        d.insert("TableSizeBytes".to_string(), json!(self.items.total_size));
        Value::Object(d)
    }
}

/// Bytes of a number in the binary form DynamoDB-compatible servers hash for partitioning
/// (a base-100 mantissa with a biased exponent byte, complemented for negatives).
fn number_bytes(n: &Number) -> Vec<u8> {
    if n.is_zero() {
        return vec![128];
    }
    let c = n.digits();
    let neg = n.is_negative();
    let exponent = n.exponent() + 1;
    let az: i64 = if exponent % 2 != 0 { 1 } else { 0 };
    let blen = ((c.len() as i64 + az + 1) / 2) as usize;
    let mut arr: Vec<i64> = if blen < 20 && neg {
        let mut a = vec![0; blen + 2];
        a[blen + 1] = 102;
        a
    } else {
        vec![0; blen + 1]
    };
    arr[0] = (exponent + az).div_euclid(2) - 64;
    if neg {
        arr[0] = i64::from(!(arr[0] as i32));
    }
    let len = c.len() as i64;
    let mut mi: i64 = 0;
    let mut appended = false;
    while mi < len {
        let idx = ((mi + az).div_euclid(2) + 1) as usize;
        if az == 1 && mi == 0 && !appended {
            if let Some(s) = arr.get_mut(idx) {
                *s = 0;
            }
            appended = true;
            mi -= 1;
        } else if (mi + az) % 2 == 0 {
            if let Some(s) = arr.get_mut(idx) {
                *s = i64::from(c[mi as usize]) * 10;
            }
        } else if let Some(s) = arr.get_mut(idx) {
            *s += i64::from(c[mi as usize]);
        }
        if ((mi + az) % 2 != 0 || mi == len - 1)
            && let Some(s) = arr.get_mut(idx)
        {
            *s = if neg { 101 - *s } else { *s + 1 };
        }
        mi += 1;
    }
    arr.into_iter().map(|v| (v & 0xff) as u8).collect()
}

fn hex2(v: i64) -> String {
    let s = format!("0{:x}", v);
    s[s.len().saturating_sub(2)..].to_string()
}

/// A sortable text form of a key value: strings and binaries as hex of their bytes, numbers as
/// sign, biased exponent and digits, so that text order is value order.
fn range_str(v: &AttributeValue) -> String {
    match v {
        AttributeValue::S(s) => hex::encode(s.as_bytes()),
        AttributeValue::B(b) => hex::encode(decode_b64(b)),
        AttributeValue::N(n) => {
            if n.is_zero() {
                return "1000".to_string();
            }
            let digits: String = n.digits().iter().map(|d| (b'0' + d) as char).collect();
            if n.is_negative() {
                let mut mant = String::new();
                mant.push(digits.as_bytes()[0] as char);
                if digits.len() > 1 {
                    mant.push('.');
                    mant.push_str(&digits[1..]);
                }
                let m = Number::parse(&mant).unwrap_or_else(|_| Number::zero());
                let ten = Number::from_u64(10);
                let d = ten.sub(&m).to_plain_string().replace('.', "");
                format!("0{}{}", hex2(125 - n.exponent()), d)
            } else {
                format!("1{}{}", hex2(130 + n.exponent()), digits)
            }
        }
        _ => String::new(),
    }
}

/// The bytes of a key value that are hashed.
fn key_bytes(v: &AttributeValue) -> Vec<u8> {
    match v {
        AttributeValue::S(s) => s.as_bytes().to_vec(),
        AttributeValue::N(n) => number_bytes(n),
        AttributeValue::B(b) => decode_b64(b),
        _ => Vec::new(),
    }
}

/// The key under which an item is kept: six hex digits of an MD5 of the partition key, then the
/// partition and sort key texts. DynamoDB scans in hash order of the partition key (Developer
/// Guide, "Partitions and data distribution"); using the same hash as dynalite makes Scan pages
/// and `LastEvaluatedKey` identical on both backends.
fn storage_key(hash: Option<&AttributeValue>, range: Option<&AttributeValue>) -> String {
    let Some(h) = hash else {
        return String::new();
    };
    let mut data = b"Outliers".to_vec();
    data.extend(key_bytes(h));
    let digest = md5(&data);
    let mut key = hex::encode(&digest[..3]);
    key.push('/');
    key.push_str(&range_str(h));
    key.push('/');
    if let Some(r) = range {
        key.push_str(&range_str(r));
        key.push('/');
    }
    key
}

/// What an action answers: a JSON tree (its members are put in DynamoDB's order by
/// `aws_key_order`), or the reply bytes already written in that order (Query, Scan and GetItem,
/// whose items are copied from their stored JSON).
enum Reply {
    Json(Value),
    Bytes(Vec<u8>),
}

/// Writes a reply object member by member; members must come in DynamoDB's order (by name).
struct ReplyWriter {
    out: Vec<u8>,
    first: bool,
}

impl ReplyWriter {
    fn new(capacity: usize) -> ReplyWriter {
        let mut out = Vec::with_capacity(capacity);
        out.push(b'{');
        ReplyWriter { out, first: true }
    }

    /// Start member `name`; the caller writes its value into `out`.
    fn member(&mut self, name: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        crate::value::write_json_str(&mut self.out, name);
        self.out.push(b':');
        &mut self.out
    }

    /// A member whose value is a small JSON tree, in DynamoDB's member order.
    fn value(&mut self, name: &str, v: &Value) {
        let mut wrapped = Value::Object(Map::from_iter([(name.to_string(), v.clone())]));
        aws_key_order(&mut wrapped);
        let inner = wrapped.get(name).cloned().unwrap_or(Value::Null);
        let out = self.member(name);
        let _ = serde_json::to_writer(&mut *out, &inner);
    }

    fn finish(mut self) -> Vec<u8> {
        self.out.push(b'}');
        self.out
    }
}

/// The embedded store. Cheap to clone (shared state); every action takes the store lock for the
/// duration of its read-modify-write, so concurrent callers never lose a write.
#[derive(Clone, Default)]
pub struct Embedded {
    tables: Arc<RwLock<BTreeMap<String, Table>>>,
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

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Table>> {
        self.tables.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Table>> {
        self.tables.write().unwrap_or_else(|p| p.into_inner())
    }

    // --------------------------------------------------------------------------------------
    // Tables
    // --------------------------------------------------------------------------------------

    fn create_table(&self, data: &Value) -> Result<Value, DynamoError> {
        let name = str_field(data, "TableName");
        let billing = data.get("BillingMode").and_then(Value::as_str);
        let pt = data.get("ProvisionedThroughput");
        if billing == Some("PAY_PER_REQUEST") {
            if pt.is_some() {
                return Err(DynamoError::validation(
                    "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST",
                ));
            }
        } else {
            let rcu = pt
                .and_then(|p| p.get("ReadCapacityUnits"))
                .and_then(Value::as_i64);
            let wcu = pt
                .and_then(|p| p.get("WriteCapacityUnits"))
                .and_then(Value::as_i64);
            if rcu.unwrap_or(0) == 0 || wcu.unwrap_or(0) == 0 {
                return Err(DynamoError::validation(
                    "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
                ));
            }
            for (n, v) in [("ReadCapacityUnits", rcu), ("WriteCapacityUnits", wcu)] {
                if let Some(v) = v
                    && v > 1_000_000_000_000
                {
                    return Err(DynamoError::validation(format!(
                        "Given value {v} for {n} is out of bounds"
                    )));
                }
            }
        }
        let defs: Vec<(String, String)> = arr(data, "AttributeDefinitions")
            .iter()
            .map(|d| (str_field(d, "AttributeName"), str_field(d, "AttributeType")))
            .collect();
        let keys: Vec<(String, String)> = arr(data, "KeySchema")
            .iter()
            .map(|d| (str_field(d, "AttributeName"), str_field(d, "KeyType")))
            .collect();
        let def_names: Vec<&str> = defs.iter().map(|d| d.0.as_str()).collect();
        if keys.len() > defs.len() {
            return Err(DynamoError::validation(
                "Invalid KeySchema: Some index key attribute have no definition",
            ));
        }
        check_key_schema(&keys, &def_names)?;
        let has_indexes = data.get("LocalSecondaryIndexes").is_some()
            || data.get("GlobalSecondaryIndexes").is_some();
        if !has_indexes && keys.len() != defs.len() {
            return Err(DynamoError::validation(
                "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions",
            ));
        }
        let table_hash = keys[0].0.clone();
        let mut indexes = Vec::new();
        for (list, global) in [
            ("LocalSecondaryIndexes", false),
            ("GlobalSecondaryIndexes", true),
        ] {
            let Some(entries) = data.get(list).and_then(Value::as_array) else {
                continue;
            };
            if entries.is_empty() {
                return Err(DynamoError::validation(format!(
                    "One or more parameter values were invalid: List of {list} is empty"
                )));
            }
            if !global && keys.len() != 2 {
                return Err(DynamoError::validation(
                    "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex",
                ));
            }
            for e in entries {
                let iname = str_field(e, "IndexName");
                let ikeys: Vec<(String, String)> = arr(e, "KeySchema")
                    .iter()
                    .map(|d| (str_field(d, "AttributeName"), str_field(d, "KeyType")))
                    .collect();
                check_key_schema(&ikeys, &def_names)?;
                if !global && ikeys.len() != 2 {
                    return Err(DynamoError::validation(format!(
                        "One or more parameter values were invalid: Index KeySchema does not have a range key for index: {iname}"
                    )));
                }
                if !global && ikeys[0].0 != table_hash {
                    return Err(DynamoError::validation(format!(
                        "One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: {iname}. index hash key: {}, table hash key: {table_hash}",
                        ikeys[0].0
                    )));
                }
                let ptype = e
                    .get("Projection")
                    .and_then(|p| p.get("ProjectionType"))
                    .and_then(Value::as_str);
                let non_key: Option<Vec<String>> = e
                    .get("Projection")
                    .and_then(|p| p.get("NonKeyAttributes"))
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    });
                let Some(ptype) = ptype else {
                    return Err(DynamoError::validation(
                        "One or more parameter values were invalid: Unknown ProjectionType: null",
                    ));
                };
                if non_key.is_some() && ptype != "INCLUDE" {
                    return Err(DynamoError::validation(format!(
                        "One or more parameter values were invalid: ProjectionType is {ptype}, but NonKeyAttributes is specified"
                    )));
                }
                if global
                    && billing == Some("PAY_PER_REQUEST")
                    && e.get("ProvisionedThroughput").is_some()
                {
                    return Err(DynamoError::validation(format!(
                        "One or more parameter values were invalid: ProvisionedThroughput should not be specified for index: {iname} when BillingMode is PAY_PER_REQUEST"
                    )));
                }
                if indexes.iter().any(|i: &Index| i.name == iname) {
                    return Err(DynamoError::validation(format!(
                        "One or more parameter values were invalid: Duplicate index name: {iname}"
                    )));
                }
                let def = |name: &str| KeyDef {
                    name: name.to_string(),
                    ty: defs
                        .iter()
                        .find(|d| d.0 == name)
                        .and_then(|d| ScalarType::parse(&d.1))
                        .unwrap_or(ScalarType::S),
                };
                indexes.push(Index {
                    name: iname.clone(),
                    global,
                    hash: def(&ikeys[0].0),
                    range: ikeys.get(1).map(|k| def(&k.0)),
                    projection: match ptype {
                        "ALL" => None,
                        _ => Some(non_key.unwrap_or_default()),
                    },
                    entries: BTreeMap::new(),
                });
            }
        }
        let key_def = |name: &str| -> KeyDef {
            let ty = defs
                .iter()
                .find(|d| d.0 == name)
                .and_then(|d| ScalarType::parse(&d.1))
                .unwrap_or(ScalarType::S);
            KeyDef {
                name: name.to_string(),
                ty,
            }
        };
        let hash = key_def(&keys[0].0);
        let range = keys.get(1).map(|k| key_def(&k.0));

        let mut tables = self.write();
        if tables.contains_key(&name) {
            return Err(DynamoError::ResourceInUse(format!(
                "Table already exists: {name}"
            )));
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
        let mut d = Map::new();
        d.insert(
            "AttributeDefinitions".to_string(),
            data.get("AttributeDefinitions")
                .cloned()
                .unwrap_or(json!([])),
        );
        d.insert("TableName".to_string(), json!(name));
        d.insert(
            "KeySchema".to_string(),
            data.get("KeySchema").cloned().unwrap_or(json!([])),
        );
        for (extra, global) in [
            ("LocalSecondaryIndexes", false),
            ("GlobalSecondaryIndexes", true),
        ] {
            let Some(Value::Array(list)) = data.get(extra) else {
                continue;
            };
            // DynamoDB describes each index with its ARN, size, count (and, for a global index,
            // its status and throughput).
            let described: Vec<Value> = list
                .iter()
                .map(|e| {
                    let mut m = e.as_object().cloned().unwrap_or_default();
                    let iname = str_field(e, "IndexName");
                    m.insert(
                        "IndexArn".to_string(),
                        json!(format!(
                            "arn:aws:dynamodb:us-east-1:000000000000:table/{name}/index/{iname}"
                        )),
                    );
                    m.insert("IndexSizeBytes".to_string(), json!(0));
                    m.insert("ItemCount".to_string(), json!(0));
                    if global {
                        m.insert("IndexStatus".to_string(), json!("ACTIVE"));
                        let mut pt = m
                            .get("ProvisionedThroughput")
                            .and_then(Value::as_object)
                            .cloned()
                            .unwrap_or_else(|| {
                                let mut p = Map::new();
                                p.insert("ReadCapacityUnits".to_string(), json!(0));
                                p.insert("WriteCapacityUnits".to_string(), json!(0));
                                p
                            });
                        pt.insert("NumberOfDecreasesToday".to_string(), json!(0));
                        m.insert("ProvisionedThroughput".to_string(), Value::Object(pt));
                    }
                    Value::Object(m)
                })
                .collect();
            d.insert(extra.to_string(), Value::Array(described));
        }
        d.insert(
            "TableArn".to_string(),
            json!(format!(
                "arn:aws:dynamodb:us-east-1:000000000000:table/{name}"
            )),
        );
        d.insert("TableId".to_string(), json!(table_id(&name, now)));
        d.insert("CreationDateTime".to_string(), json!(now));
        let mut throughput = match pt {
            Some(Value::Object(p)) => p.clone(),
            _ => {
                let mut m = Map::new();
                m.insert("ReadCapacityUnits".to_string(), json!(0));
                m.insert("WriteCapacityUnits".to_string(), json!(0));
                m
            }
        };
        throughput.insert("NumberOfDecreasesToday".to_string(), json!(0));
        d.insert(
            "ProvisionedThroughput".to_string(),
            Value::Object(throughput),
        );
        if billing == Some("PAY_PER_REQUEST") {
            d.insert(
                "BillingModeSummary".to_string(),
                json!({"BillingMode": "PAY_PER_REQUEST"}),
            );
            d.insert(
                "TableThroughputModeSummary".to_string(),
                json!({"TableThroughputMode": "PAY_PER_REQUEST"}),
            );
        }
        let items = Items::new(range.as_ref().map(|r| r.name.clone()));
        let table = Table {
            description: d,
            hash,
            range,
            items,
            indexes,
            ttl: None,
        };
        // DynamoDB answers CreateTable with status CREATING; the embedded table is usable at once,
        // so DescribeTable reports ACTIVE from then on.
        let out = json!({"TableDescription": table.describe("CREATING")});
        tables.insert(name, table);
        Ok(out)
    }

    fn describe_table(&self, data: &Value) -> Result<Value, DynamoError> {
        let name = str_field(data, "TableName");
        let tables = self.read();
        let t = tables.get(&name).ok_or_else(|| {
            DynamoError::ResourceNotFound(format!(
                "Requested resource not found: Table: {name} not found"
            ))
        })?;
        Ok(json!({"Table": t.describe("ACTIVE")}))
    }

    fn delete_table(&self, data: &Value) -> Result<Value, DynamoError> {
        let name = str_field(data, "TableName");
        let mut tables = self.write();
        let t = tables.remove(&name).ok_or_else(|| {
            DynamoError::ResourceNotFound(format!(
                "Requested resource not found: Table: {name} not found"
            ))
        })?;
        let mut d = t.describe("DELETING");
        // DynamoDB's DeleteTable answer no longer lists the global indexes.
        if let Some(o) = d.as_object_mut() {
            o.remove("GlobalSecondaryIndexes");
        }
        Ok(json!({"TableDescription": d}))
    }

    fn list_tables(&self, data: &Value) -> Result<Value, DynamoError> {
        let limit = data.get("Limit").and_then(Value::as_i64).unwrap_or(100) as usize;
        let start = data.get("ExclusiveStartTableName").and_then(Value::as_str);
        let tables = self.read();
        let mut names: Vec<String> = tables
            .keys()
            .filter(|n| start.is_none_or(|s| n.as_str() > s))
            .cloned()
            .collect();
        let mut out = Map::new();
        if names.len() > limit {
            names.truncate(limit);
            if let Some(last) = names.last() {
                out.insert("LastEvaluatedTableName".to_string(), json!(last));
            }
        }
        out.insert("TableNames".to_string(), json!(names));
        Ok(Value::Object(out))
    }

    // --------------------------------------------------------------------------------------
    // Items
    // --------------------------------------------------------------------------------------

    fn put_item(&self, data: &Value) -> Result<Value, DynamoError> {
        let exprs = Expressions::parse(data, &["ConditionExpression"], &["Expected"])?;
        let item = parse_item(data.get("Item")).map_err(DynamoError::Validation)?;
        let rv = data.get("ReturnValues").and_then(Value::as_str);
        if let Some(rv) = rv
            && rv != "ALL_OLD"
            && rv != "NONE"
        {
            return Err(DynamoError::validation(
                "ReturnValues can only be ALL_OLD or NONE",
            ));
        }
        if item_size(&item) > MAX_ITEM_SIZE {
            return Err(DynamoError::validation(
                "Item size has exceeded the maximum allowed size",
            ));
        }
        let exprs = exprs.finish()?;
        let name = str_field(data, "TableName");
        let mut tables = self.write();
        let t = tables
            .get_mut(&name)
            .ok_or_else(DynamoError::table_not_found)?;
        validate_item_keys(t, &item)?;
        validate_index_keys(t, &item, false)?;
        let key = t.storage_key(&item);
        let existing = t.items.get(&key);
        check_condition(&exprs, existing)?;
        let mut out = Map::new();
        if let Some(old) = existing
            && rv == Some("ALL_OLD")
        {
            out.insert("Attributes".to_string(), item_to_json(old));
        }
        let units = write_units(existing).max(write_units(Some(&item)));
        add_consumed(&mut out, data, &name, units, None);
        t.put(key, item);
        Ok(Value::Object(out))
    }

    fn get_item(&self, data: &Value) -> Result<Vec<u8>, DynamoError> {
        let exprs = Expressions::parse(data, &["ProjectionExpression"], &["AttributesToGet"])?;
        let key = parse_item(data.get("Key")).map_err(DynamoError::Validation)?;
        check_duplicate_attributes_to_get(data)?;
        let exprs = exprs.finish()?;
        let name = str_field(data, "TableName");
        let tables = self.read();
        let t = tables.get(&name).ok_or_else(DynamoError::table_not_found)?;
        validate_key(t, &key)?;
        check_key_paths(t, exprs.projection_nested())?;
        let found = t.items.get_stored(&t.storage_key(&key));
        let mut consumed = Map::new();
        add_consumed(
            &mut consumed,
            data,
            &name,
            read_units_of_size(found.map(|s| s.size), consistent(data)),
            None,
        );
        let mut w = ReplyWriter::new(found.map_or(64, |s| s.json.len() + 64));
        if let Some(c) = consumed.get("ConsumedCapacity") {
            w.value("ConsumedCapacity", c);
        }
        if let Some(s) = found {
            write_stored_json(w.member("Item"), s, &exprs, data);
        }
        Ok(w.finish())
    }

    fn delete_item(&self, data: &Value) -> Result<Value, DynamoError> {
        let exprs = Expressions::parse(data, &["ConditionExpression"], &["Expected"])?;
        let key = parse_item(data.get("Key")).map_err(DynamoError::Validation)?;
        let exprs = exprs.finish()?;
        let rv = data.get("ReturnValues").and_then(Value::as_str);
        // DynamoDB accepts only NONE and ALL_OLD for DeleteItem (DeleteItem API reference).
        if let Some(rv) = rv
            && rv != "ALL_OLD"
            && rv != "NONE"
        {
            return Err(DynamoError::validation(
                "Return values set to invalid value",
            ));
        }
        let name = str_field(data, "TableName");
        let mut tables = self.write();
        let t = tables
            .get_mut(&name)
            .ok_or_else(DynamoError::table_not_found)?;
        validate_key(t, &key)?;
        let skey = t.storage_key(&key);
        check_condition(&exprs, t.items.get(&skey))?;
        let old = t.delete(&skey);
        let mut out = Map::new();
        add_consumed(&mut out, data, &name, write_units(old.as_ref()), None);
        if let Some(old) = old
            && rv == Some("ALL_OLD")
        {
            out.insert("Attributes".to_string(), item_to_json(&old));
        }
        Ok(Value::Object(out))
    }

    fn update_item(&self, data: &Value) -> Result<Value, DynamoError> {
        let exprs = Expressions::parse(
            data,
            &["UpdateExpression", "ConditionExpression"],
            &["AttributeUpdates", "Expected"],
        )?;
        let key = parse_item(data.get("Key")).map_err(DynamoError::Validation)?;
        let exprs = exprs.finish()?;
        let rv = data
            .get("ReturnValues")
            .and_then(Value::as_str)
            .unwrap_or("NONE");
        let name = str_field(data, "TableName");
        let mut tables = self.write();
        let t = tables
            .get_mut(&name)
            .ok_or_else(DynamoError::table_not_found)?;
        validate_key(t, &key)?;
        let key_names = t.key_names();
        let mut nested = Vec::new();
        for a in &exprs.update {
            let p = match a {
                UpdateAction::Set(p, _)
                | UpdateAction::Remove(p)
                | UpdateAction::Add(p, _)
                | UpdateAction::Delete(p, _) => p,
            };
            if let Some(expr::PathElem::Name(head)) = p.first() {
                if key_names.contains(head) {
                    return Err(DynamoError::validation(format!(
                        "One or more parameter values were invalid: Cannot update attribute {head}. This attribute is part of the key"
                    )));
                }
                if p.len() > 1 {
                    nested.push((head.clone(), true));
                }
            }
        }
        check_key_paths(t, nested)?;
        let skey = t.storage_key(&key);
        let old = t.items.get(&skey).cloned();
        check_condition(&exprs, old.as_ref())?;
        let mut item = match &old {
            Some(o) => o.clone(),
            None => key.clone(),
        };
        expr::apply_update(&mut item, &exprs.update).map_err(|m| {
            // The legacy AttributeUpdates report a type clash in their own words.
            if exprs.legacy_updates && m.contains("incorrect data type") {
                DynamoError::validation("Type mismatch for attribute to update")
            } else {
                DynamoError::Validation(m)
            }
        })?;
        validate_index_keys(t, &item, true)?;
        if item_size(&item) > MAX_ITEM_SIZE {
            return Err(DynamoError::validation(
                "Item size to update has exceeded the maximum allowed size",
            ));
        }
        let paths: Vec<Path> = exprs
            .update
            .iter()
            .map(|a| match a {
                UpdateAction::Set(p, _)
                | UpdateAction::Remove(p)
                | UpdateAction::Add(p, _)
                | UpdateAction::Delete(p, _) => p.clone(),
            })
            .collect();
        let mut out = Map::new();
        let attrs = match rv {
            "ALL_OLD" => old.clone(),
            "UPDATED_OLD" => old.as_ref().map(|o| expr::project(o, &paths)),
            "ALL_NEW" => Some(item.clone()),
            "UPDATED_NEW" => Some(expr::project(&item, &paths)),
            _ => None,
        };
        // An empty projection is still returned as `"Attributes": {}` (as dynalite does).
        if let Some(a) = attrs {
            out.insert("Attributes".to_string(), item_to_json(&a));
        }
        let units = write_units(old.as_ref()).max(write_units(Some(&item)));
        add_consumed(&mut out, data, &name, units, None);
        t.put(skey, item);
        Ok(Value::Object(out))
    }

    // --------------------------------------------------------------------------------------
    // Query and Scan
    // --------------------------------------------------------------------------------------

    fn scan(&self, data: &Value) -> Result<Vec<u8>, DynamoError> {
        let exprs = Expressions::parse(
            data,
            &["ProjectionExpression", "FilterExpression"],
            &["AttributesToGet", "ScanFilter", "ConditionalOperator"],
        )?;
        check_duplicate_attributes_to_get(data)?;
        let esk = parse_start_key(data)?;
        let segment = data.get("Segment").and_then(Value::as_i64);
        let total_segments = data.get("TotalSegments").and_then(Value::as_i64);
        if segment.is_some_and(|s| s != 0) && total_segments.is_none() {
            return Err(DynamoError::validation(
                "The TotalSegments parameter is required but was not present in the request when Segment parameter is present",
            ));
        }
        if let Some(total) = total_segments {
            let Some(seg) = segment else {
                return Err(DynamoError::validation(
                    "The Segment parameter is required but was not present in the request when parameter TotalSegments is present",
                ));
            };
            if seg >= total {
                return Err(DynamoError::validation(format!(
                    "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: {seg} is not less than TotalSegments: {total}"
                )));
            }
        }
        let exprs = exprs.finish()?;
        let name = str_field(data, "TableName");
        let tables = self.read();
        let t = tables.get(&name).ok_or_else(DynamoError::table_not_found)?;
        let (index, full) = resolve_index(t, data)?;
        let start_names = start_key_names(t, index);
        // A parallel scan splits the key space by the first three hex digits of the partition
        // hash (4096 buckets), so the segments are disjoint and together cover the table.
        let (seg_start, seg_end) = match (segment, total_segments) {
            (Some(seg), Some(total)) if total > 1 => {
                let lo = (4096 * seg + total - 1) / total;
                let hi = (4096 * (seg + 1) + total - 1) / total - 1;
                (
                    (seg > 0).then(|| format!("{lo:03x}")),
                    Some(format!("{hi:03x}~")),
                )
            }
            _ => (None, None),
        };
        let start = match &esk {
            Some(esk) => {
                if esk.len() != start_names.len() {
                    return Err(DynamoError::validation(if index.is_some() {
                        "The provided starting key is invalid"
                    } else {
                        "The provided starting key is invalid: The provided key element does not match the schema"
                    }));
                }
                if let Some(idx) = index {
                    validate_index_start_key(idx, esk)?;
                }
                validate_table_start_key(t, esk)?;
                let key = match index {
                    Some(idx) => t.index_key(idx, esk).unwrap_or_default(),
                    None => t.storage_key(esk),
                };
                if let (Some(seg), Some(total)) = (segment, total_segments)
                    && total > 1
                    && (seg_start.as_ref().is_some_and(|lo| key < *lo)
                        || seg_end.as_ref().is_some_and(|hi| key > *hi))
                {
                    return Err(DynamoError::validation(format!(
                        "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: {total} Segment: {seg}"
                    )));
                }
                Some(key)
            }
            None => seg_start.clone(),
        };
        check_key_paths(t, exprs.projection_nested())?;
        check_key_paths(t, exprs.filter_nested())?;
        let view = read_view(t, index, full);
        let upper = match &seg_end {
            Some(hi) => Bound::Excluded(hi),
            None => Bound::Unbounded,
        };
        let lower = match &start {
            Some(s) => Bound::Excluded(s),
            None => Bound::Unbounded,
        };
        // An empty range (start past the segment's end) reads nothing.
        let iter: Box<dyn Iterator<Item = &Stored>> = match (&start, &seg_end) {
            (Some(s), Some(hi)) if s >= hi => Box::new(std::iter::empty()),
            _ => Box::new(view.range((lower, upper)).map(|(_, v)| v)),
        };
        Ok(page(t, iter, data, &exprs, &start_names))
    }

    fn query(&self, data: &Value) -> Result<Vec<u8>, DynamoError> {
        let exprs = Expressions::parse(
            data,
            &[
                "ProjectionExpression",
                "FilterExpression",
                "KeyConditionExpression",
            ],
            &[
                "AttributesToGet",
                "QueryFilter",
                "ConditionalOperator",
                "KeyConditions",
            ],
        )?;
        check_duplicate_attributes_to_get(data)?;
        let esk = parse_start_key(data)?;
        if data.get("KeyConditions").is_none() && data.get("KeyConditionExpression").is_none() {
            return Err(DynamoError::validation(
                "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.",
            ));
        }
        let exprs = exprs.finish()?;
        let key_conds = match (
            &exprs.key_condition,
            data.get("KeyConditions").and_then(Value::as_object),
        ) {
            (Some(c), _) => convert_key_condition(c)?,
            (None, Some(kc)) => legacy_key_conditions(kc)?,
            (None, None) => Vec::new(),
        };
        if key_conds.is_empty() || key_conds.len() > 2 {
            return Err(DynamoError::validation(
                "Conditions can be of length 1 or 2 only",
            ));
        }
        let name = str_field(data, "TableName");
        let tables = self.read();
        let t = tables.get(&name).ok_or_else(DynamoError::table_not_found)?;
        let (index, full) = resolve_index(t, data)?;
        let start_names = start_key_names(t, index);
        let (hash_def, range_def) = match index {
            Some(i) => (i.hash.clone(), i.range.clone()),
            None => (t.hash.clone(), t.range.clone()),
        };
        if let Some(esk) = &esk
            && esk.len() != start_names.len()
        {
            return Err(DynamoError::validation(
                "The provided starting key is invalid",
            ));
        }
        let mut hash_value: Option<AttributeValue> = None;
        let mut range_cond: Option<&KeyCond> = None;
        for (i, kd) in std::iter::once(&hash_def)
            .chain(range_def.iter())
            .enumerate()
        {
            let is_hash = i == 0;
            if let Some(esk) = &esk {
                let Some(v) = esk.get(&kd.name) else {
                    return Err(DynamoError::validation(
                        "The provided starting key is invalid",
                    ));
                };
                validate_key_piece(v, &kd.name, kd.ty, is_hash)?;
            }
            if is_hash && range_def.is_none() && key_conds.len() > 1 {
                return Err(DynamoError::validation("Query key condition not supported"));
            }
            let Some(kc) = key_conds.iter().find(|k| k.attr == kd.name) else {
                if is_hash || key_conds.len() > 1 {
                    return Err(DynamoError::validation(format!(
                        "Query condition missed key schema element: {}",
                        kd.name
                    )));
                }
                continue;
            };
            if kc.values.iter().any(|v| v.scalar_type() != Some(kd.ty)) {
                return Err(DynamoError::validation(
                    "One or more parameter values were invalid: Condition parameter type does not match schema type",
                ));
            }
            if is_hash && kc.op != KeyOp::Eq {
                return Err(DynamoError::validation("Query key condition not supported"));
            }
            if kc.values.iter().any(is_empty_scalar) {
                return Err(match index {
                    Some(idx) => empty_index_key(&idx.name, &kd.name, kd.ty),
                    None => empty_key(&kd.name, kd.ty),
                });
            }
            if is_hash {
                hash_value = kc.values.first().cloned();
            } else {
                range_cond = Some(kc);
            }
        }
        let hash_value = hash_value.ok_or_else(|| {
            DynamoError::validation(format!(
                "Query condition missed key schema element: {}",
                hash_def.name
            ))
        })?;
        if let Some(esk) = &esk {
            validate_table_start_key(t, esk)?;
            let esk_hash = esk.get(&hash_def.name);
            match (range_cond, &range_def) {
                (Some(rc), Some(r)) => {
                    let ok = esk.get(&r.name).is_some_and(|v| rc.matches(v));
                    if !ok {
                        return Err(DynamoError::validation(
                            "The provided starting key does not match the range key predicate",
                        ));
                    }
                    if esk_hash != Some(&hash_value) {
                        return Err(DynamoError::validation(
                            "The query can return at most one row and cannot be restarted",
                        ));
                    }
                }
                _ => {
                    if esk_hash != Some(&hash_value) {
                        return Err(DynamoError::validation(
                            "The provided starting key is outside query boundaries based on provided conditions",
                        ));
                    }
                }
            }
        }
        check_key_paths(t, exprs.projection_nested())?;
        if let Some(f) = &exprs.filter {
            let mut heads = Vec::new();
            expr::path_heads_cond(f, &mut heads);
            for kd in std::iter::once(&hash_def).chain(range_def.iter()) {
                if heads.iter().any(|(h, _)| *h == kd.name) {
                    return Err(DynamoError::validation(format!(
                        "Filter Expression can only contain non-primary key attributes: Primary key attribute: {}",
                        kd.name
                    )));
                }
            }
        }
        check_key_paths(t, exprs.filter_nested())?;
        let prefix = storage_key(Some(&hash_value), None);
        let forward = data.get("ScanIndexForward").and_then(Value::as_bool) != Some(false);
        let start = esk.as_ref().map(|e| match index {
            Some(idx) => t.index_key(idx, e).unwrap_or_default(),
            None => t.storage_key(e),
        });
        let range_name = range_def.as_ref().map(|r| r.name.clone());
        let view = read_view(t, index, full);
        // The partition's keys are those that start with `prefix` (which ends with '/'): the
        // range from `prefix` to `prefix` with its last byte raised by one, '/' + 1 = '0'. A page
        // that continues after `start` begins there: a range lookup, not a walk from the
        // partition's first item.
        let mut partition_end = prefix.clone();
        partition_end.pop();
        partition_end.push('0');
        let mut lower = Bound::Included(&prefix);
        let mut upper = Bound::Excluded(&partition_end);
        if let Some(s) = &start {
            if forward && s >= &prefix {
                lower = Bound::Excluded(s);
            } else if !forward && s < &partition_end {
                upper = Bound::Excluded(s);
            }
        }
        // A start outside the partition on the far side leaves nothing to read.
        let empty = match &start {
            Some(s) if forward => s >= &partition_end,
            Some(s) => s < &prefix,
            None => false,
        };
        let in_range = view.range((lower, upper));
        let matches = move |(_, st): &(&String, &Stored)| match (range_cond, &range_name) {
            (Some(rc), Some(rn)) => st.item.get(rn).is_some_and(|v| rc.matches(v)),
            _ => true,
        };
        let iter: Box<dyn Iterator<Item = &Stored>> = if empty {
            Box::new(std::iter::empty())
        } else if forward {
            Box::new(in_range.filter(matches).map(|(_, v)| v))
        } else {
            Box::new(in_range.rev().filter(matches).map(|(_, v)| v))
        };
        Ok(page(t, iter, data, &exprs, &start_names))
    }

    // --------------------------------------------------------------------------------------
    // Batches
    // --------------------------------------------------------------------------------------

    fn batch_write_item(&self, data: &Value) -> Result<Value, DynamoError> {
        let requests = data
            .get("RequestItems")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        // Shape and AttributeValue checks for the whole batch come first.
        let mut parsed: Vec<(String, Vec<(bool, Item)>)> = Vec::new();
        for (table, reqs) in &requests {
            let list = reqs.as_array().cloned().unwrap_or_default();
            if list
                .iter()
                .any(|r| r.as_object().is_none_or(|o| o.is_empty()))
            {
                return Err(DynamoError::validation(
                    "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes",
                ));
            }
            let mut out = Vec::new();
            for r in &list {
                if let Some(put) = r.get("PutRequest") {
                    let item = parse_item(put.get("Item")).map_err(DynamoError::Validation)?;
                    if item_size(&item) > MAX_ITEM_SIZE {
                        return Err(DynamoError::validation(
                            "Item size has exceeded the maximum allowed size",
                        ));
                    }
                    out.push((true, item));
                } else if let Some(del) = r.get("DeleteRequest") {
                    let key = parse_item(del.get("Key")).map_err(DynamoError::Validation)?;
                    out.push((false, key));
                }
            }
            parsed.push((table.clone(), out));
        }
        let mut tables = self.write();
        for (table, reqs) in &parsed {
            let t = tables.get(table).ok_or_else(DynamoError::table_not_found)?;
            let mut seen = std::collections::HashSet::new();
            for (is_put, item) in reqs {
                let r = if *is_put {
                    validate_item_keys(t, item).and_then(|_| validate_index_keys(t, item, false))
                } else {
                    validate_key(t, item)
                };
                r.map_err(|e| match e {
                    DynamoError::Validation(m)
                        if m.contains("Missing the key") || m.contains("Type mismatch for key") =>
                    {
                        DynamoError::validation(
                            "The provided key element does not match the schema",
                        )
                    }
                    other => other,
                })?;
                if !seen.insert(t.storage_key(item)) {
                    return Err(DynamoError::validation(
                        "Provided list of item keys contains duplicates",
                    ));
                }
            }
        }
        let mut capacity = Vec::new();
        for (table, reqs) in parsed {
            let Some(t) = tables.get_mut(&table) else {
                continue;
            };
            let mut units = 0.0;
            for (is_put, item) in reqs {
                let key = t.storage_key(&item);
                if is_put {
                    units += write_units(t.items.get(&key)).max(write_units(Some(&item)));
                    t.put(key, item);
                } else {
                    units += write_units(t.items.get(&key));
                    t.delete(&key);
                }
            }
            capacity.push((table, units));
        }
        let mut out = Map::new();
        out.insert("UnprocessedItems".to_string(), json!({}));
        add_batch_consumed(&mut out, data, capacity);
        Ok(Value::Object(out))
    }

    fn batch_get_item(&self, data: &Value) -> Result<Value, DynamoError> {
        let requests = data
            .get("RequestItems")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut plans = Vec::new();
        let mut total = 0;
        for (table, req) in &requests {
            let exprs = Expressions::parse(req, &["ProjectionExpression"], &["AttributesToGet"])?;
            check_duplicate_attributes_to_get(req)?;
            let exprs = exprs.finish()?;
            let mut keys = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for k in req
                .get("Keys")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                let key = parse_item(Some(&k)).map_err(DynamoError::Validation)?;
                let mut names: Vec<&String> = key.keys().collect();
                names.sort();
                let sig: Vec<String> = names
                    .iter()
                    .filter_map(|n| key.get(*n).map(range_str))
                    .collect();
                if !seen.insert(sig.join("/")) {
                    return Err(DynamoError::validation(
                        "Provided list of item keys contains duplicates",
                    ));
                }
                total += 1;
                if total > 100 {
                    return Err(DynamoError::validation(
                        "Too many items requested for the BatchGetItem call",
                    ));
                }
                keys.push(key);
            }
            plans.push((table.clone(), exprs, keys, req.clone()));
        }
        let tables = self.read();
        let mut responses = Map::new();
        let mut capacity = Vec::new();
        for (table, exprs, keys, req) in &plans {
            let t = tables.get(table).ok_or_else(DynamoError::table_not_found)?;
            let mut found = Vec::new();
            let mut units = 0.0;
            for key in keys {
                validate_key(t, key)?;
                let item = t.items.get(&t.storage_key(key));
                units += read_units(item, consistent(req));
                if let Some(item) = item {
                    found.push(item_json(item, exprs, req));
                }
            }
            responses.insert(table.clone(), Value::Array(found));
            capacity.push((table.clone(), units));
        }
        let mut out = Map::new();
        out.insert("Responses".to_string(), Value::Object(responses));
        out.insert("UnprocessedKeys".to_string(), json!({}));
        add_batch_consumed(&mut out, data, capacity);
        Ok(Value::Object(out))
    }
}

#[async_trait::async_trait]
impl Dynamo for Embedded {
    async fn call(&self, action: &str, body: &[u8]) -> DynamoResponse {
        self.handle(action, body)
    }
}

/// DynamoDB writes a reply's members in the order of their names: AWS recorded
/// `{"Count":0,"Items":[],"ScannedCount":0}` for an empty Query (docs/evidence/apigateway-semantics.md
/// §8, LocalStack `test_apigateway_dynamodb`), and the API reference lists every reply's members,
/// and those of `ConsumedCapacity` and `TableDescription`, in that order. A template that passes a
/// reply through byte for byte then gives AWS's bytes. Items (`Item`, `Items`, `Attributes`, keys)
/// keep their attribute order: DynamoDB gives no order for those.
fn aws_key_order(v: &mut Value) {
    fn sort_deep(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.sort_keys();
                m.values_mut().for_each(sort_deep);
            }
            Value::Array(a) => a.iter_mut().for_each(sort_deep),
            _ => {}
        }
    }
    let Value::Object(m) = v else { return };
    m.sort_keys();
    for (k, v) in m.iter_mut() {
        match k.as_str() {
            "ConsumedCapacity" | "ItemCollectionMetrics" | "Table" | "TableDescription" => {
                sort_deep(v)
            }
            _ => {}
        }
    }
}

fn table_id(name: &str, now: f64) -> String {
    let h = hex::encode(md5(format!("{name}{now}").as_bytes()));
    format!(
        "{}-{}-4{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[16..20],
        &h[20..32]
    )
}

fn str_field(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn arr(v: &Value, k: &str) -> Vec<Value> {
    v.get(k)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

fn check_duplicate_attributes_to_get(data: &Value) -> Result<(), DynamoError> {
    if let Some(list) = data.get("AttributesToGet").and_then(Value::as_array) {
        let mut seen = std::collections::HashSet::new();
        for a in list {
            let s = a.as_str().unwrap_or_default();
            if !seen.insert(s) {
                return Err(DynamoError::validation(format!(
                    "One or more parameter values were invalid: Duplicate value in attribute name: {s}"
                )));
            }
        }
    }
    Ok(())
}

fn parse_start_key(data: &Value) -> Result<Option<Item>, DynamoError> {
    let Some(esk) = data.get("ExclusiveStartKey").and_then(Value::as_object) else {
        return Ok(None);
    };
    let mut out = Item::new();
    for (k, v) in esk {
        match parse_attribute_value(v) {
            Ok(a) => {
                out.insert(k.clone(), a);
            }
            Err(msg) => {
                // DynamoDB prefixes only some of these messages.
                let plain = [
                    "contains duplicates",
                    "number set",
                    "numeric value",
                    "significant digits",
                    "number with magnitude",
                ]
                .iter()
                .any(|p| msg.contains(p));
                return Err(DynamoError::Validation(if plain {
                    msg
                } else {
                    format!("The provided starting key is invalid: {msg}")
                }));
            }
        }
    }
    Ok(Some(out))
}

fn key_size_error(v: &AttributeValue, is_hash: bool) -> Option<DynamoError> {
    let len = match v {
        AttributeValue::S(s) => s.len(),
        AttributeValue::B(b) => decode_b64(b).len(),
        _ => return None,
    };
    // Partition keys are limited to 2048 bytes and sort keys to 1024 bytes (service quotas).
    if is_hash && len > 2048 {
        return Some(DynamoError::validation(
            "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes",
        ));
    }
    if !is_hash && len > 1024 {
        return Some(DynamoError::validation(
            "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes",
        ));
    }
    None
}

fn validate_key_piece(
    v: &AttributeValue,
    name: &str,
    ty: ScalarType,
    is_hash: bool,
) -> Result<(), DynamoError> {
    if v.scalar_type() != Some(ty) {
        return Err(DynamoError::validation(
            "The provided key element does not match the schema",
        ));
    }
    if is_empty_scalar(v) {
        return Err(DynamoError::validation(format!(
            "One or more parameter values were invalid: The AttributeValue for a key attribute cannot contain an empty {} value. Key: {name}",
            if ty == ScalarType::S {
                "string"
            } else {
                "binary"
            }
        )));
    }
    match key_size_error(v, is_hash) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

fn is_empty_scalar(v: &AttributeValue) -> bool {
    matches!(v, AttributeValue::S(s) | AttributeValue::B(s) if s.is_empty())
}

/// A `Key` parameter: exactly the key attributes, of the declared types.
fn validate_key(t: &Table, key: &Item) -> Result<(), DynamoError> {
    if key.len() != t.key_names().len() {
        return Err(DynamoError::validation(
            "The provided key element does not match the schema",
        ));
    }
    for (i, kd) in std::iter::once(&t.hash).chain(t.range.iter()).enumerate() {
        let Some(v) = key.get(&kd.name) else {
            return Err(DynamoError::validation(
                "The provided key element does not match the schema",
            ));
        };
        validate_key_piece(v, &kd.name, kd.ty, i == 0)?;
    }
    Ok(())
}

/// An `Item` parameter must contain the key attributes with the declared types.
fn validate_item_keys(t: &Table, item: &Item) -> Result<(), DynamoError> {
    for (i, kd) in std::iter::once(&t.hash).chain(t.range.iter()).enumerate() {
        let Some(v) = item.get(&kd.name) else {
            return Err(DynamoError::validation(format!(
                "One or more parameter values were invalid: Missing the key {} in the item",
                kd.name
            )));
        };
        if v.scalar_type() != Some(kd.ty) {
            return Err(DynamoError::validation(format!(
                "One or more parameter values were invalid: Type mismatch for key {} expected: {} actual: {}",
                kd.name,
                kd.ty.as_str(),
                v.type_name()
            )));
        }
        if is_empty_scalar(v) {
            return Err(empty_key(&kd.name, kd.ty));
        }
        if let Some(e) = key_size_error(v, i == 0) {
            return Err(e);
        }
    }
    Ok(())
}

/// Attributes that are index keys must have the index's declared type when present, and must not
/// be empty. When an attribute keys several indexes, DynamoDB names the alphabetically first one
/// (USER: paritysuite/dynamodb-conformance `tests/tier3/error-messages/transactWriteItems.test.ts`,
/// captured on AWS). `update` is UpdateItem's result item, whose empty value has a message of its
/// own (same source).
fn validate_index_keys(t: &Table, item: &Item, update: bool) -> Result<(), DynamoError> {
    let mut indexes: Vec<&Index> = t.indexes.iter().collect();
    indexes.sort_by(|a, b| a.name.cmp(&b.name));
    for idx in indexes {
        for kd in std::iter::once(&idx.hash).chain(idx.range.iter()) {
            if let Some(v) = item.get(&kd.name)
                && v.scalar_type() != Some(kd.ty)
            {
                return Err(DynamoError::validation(format!(
                    "One or more parameter values were invalid: Type mismatch for Index Key {} Expected: {} Actual: {} IndexName: {}",
                    kd.name,
                    kd.ty.as_str(),
                    v.type_name(),
                    idx.name
                )));
            }
            if let Some(v) = item.get(&kd.name)
                && is_empty_scalar(v)
            {
                if update {
                    return Err(DynamoError::validation(format!(
                        "One or more parameter values are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty {} value.",
                        if kd.ty == ScalarType::S {
                            "string"
                        } else {
                            "binary"
                        }
                    )));
                }
                return Err(empty_index_key(&idx.name, &kd.name, kd.ty));
            }
        }
    }
    Ok(())
}

/// DynamoDB's refusal of an empty string or binary value for a table key attribute, as an item
/// key and in a key condition alike.
fn empty_key(name: &str, ty: ScalarType) -> DynamoError {
    DynamoError::validation(format!(
        "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty {} value. Key: {name}",
        if ty == ScalarType::S {
            "string"
        } else {
            "binary"
        },
    ))
}

/// DynamoDB refuses an empty S or B value for a secondary index key attribute in a write and in
/// a Query key condition on the index, with this message (USER: real DynamoDB errors quoted in
/// architect/dynalite#184, danishi/dynamodb-csv#41 for BatchWriteItem, aws-amplify/amplify-js#6759;
/// the Query form in praetorian-inc/chariot-ui#353).
fn empty_index_key(index: &str, key: &str, ty: ScalarType) -> DynamoError {
    DynamoError::validation(format!(
        "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty {} value. IndexName: {index}, IndexKey: {key}",
        if ty == ScalarType::S {
            "string"
        } else {
            "binary"
        }
    ))
}

/// Key attributes are scalars: a nested path into one is refused.
fn check_key_paths(t: &Table, heads: Vec<(String, bool)>) -> Result<(), DynamoError> {
    for kn in t.key_names() {
        if heads.iter().any(|(h, nested)| *nested && *h == kn) {
            return Err(DynamoError::validation(format!(
                "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: {kn}"
            )));
        }
    }
    Ok(())
}

fn check_condition(exprs: &Expressions, existing: Option<&Item>) -> Result<(), DynamoError> {
    if let Some(c) = &exprs.condition {
        let empty = Item::new();
        if !expr::eval_condition(existing.unwrap_or(&empty), c) {
            return Err(DynamoError::ConditionalCheckFailed);
        }
    }
    Ok(())
}

/// `item_json` written into `out`: the stored bytes themselves when nothing is projected.
fn write_stored_json(out: &mut Vec<u8>, s: &Stored, exprs: &Expressions, data: &Value) {
    if exprs.projection.is_none() && data.get("AttributesToGet").is_none() {
        out.extend_from_slice(&s.json);
    } else {
        write_item_json(out, &project_item(&s.item, exprs, data));
    }
}

/// The JSON of an item after `ProjectionExpression`/`AttributesToGet` (no copy when neither).
fn item_json(item: &Item, exprs: &Expressions, data: &Value) -> Value {
    if exprs.projection.is_none() && data.get("AttributesToGet").is_none() {
        return item_to_json(item);
    }
    item_to_json(&project_item(item, exprs, data))
}

fn project_item(item: &Item, exprs: &Expressions, data: &Value) -> Item {
    if let Some(paths) = &exprs.projection {
        return expr::project(item, paths);
    }
    if let Some(list) = data.get("AttributesToGet").and_then(Value::as_array) {
        let paths: Vec<Path> = list
            .iter()
            .filter_map(Value::as_str)
            .map(|s| vec![expr::PathElem::Name(s.to_string())])
            .collect();
        return expr::project(item, &paths);
    }
    item.clone()
}

/// The index named by `IndexName`, and whether whole items must be read (Select ALL_ATTRIBUTES on
/// a local index that does not project everything).
fn resolve_index<'t>(t: &'t Table, data: &Value) -> Result<(Option<&'t Index>, bool), DynamoError> {
    let Some(name) = data.get("IndexName").and_then(Value::as_str) else {
        return Ok((None, false));
    };
    let idx = t.find_index(name).ok_or_else(|| {
        DynamoError::validation(format!(
            "The table does not have the specified index: {name}"
        ))
    })?;
    if idx.global && data.get("ConsistentRead").and_then(Value::as_bool) == Some(true) {
        return Err(DynamoError::validation(
            "Consistent reads are not supported on global secondary indexes",
        ));
    }
    let full = data.get("Select").and_then(Value::as_str) == Some("ALL_ATTRIBUTES")
        && idx.projection.is_some();
    if full && idx.global {
        return Err(DynamoError::validation(format!(
            "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index {name} because its projection type is not ALL"
        )));
    }
    Ok((Some(idx), full))
}

/// `LastEvaluatedKey` holds the table key plus, on an index, the index key.
fn start_key_names(t: &Table, index: Option<&Index>) -> Vec<String> {
    let mut names = t.key_names();
    if let Some(idx) = index {
        for n in idx.key_names() {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    names
}

fn validate_index_start_key(idx: &Index, esk: &Item) -> Result<(), DynamoError> {
    for (i, kd) in std::iter::once(&idx.hash)
        .chain(idx.range.iter())
        .enumerate()
    {
        let Some(v) = esk.get(&kd.name) else {
            return Err(DynamoError::validation(
                "The provided starting key is invalid",
            ));
        };
        validate_key_piece(v, &kd.name, kd.ty, i == 0)?;
    }
    Ok(())
}

fn validate_table_start_key(t: &Table, esk: &Item) -> Result<(), DynamoError> {
    let table_key = t.key_of(esk);
    validate_key(t, &table_key).map_err(|e| match e {
        DynamoError::Validation(m) => {
            DynamoError::Validation(format!("The provided starting key is invalid: {m}"))
        }
        other => other,
    })
}

/// The ordered items a Query or Scan reads: the table's own, or an index's (projected items in
/// index-key order; whole items for `full`).
enum View<'t> {
    Table(&'t BTreeMap<String, Stored>),
    Index {
        entries: &'t BTreeMap<String, IndexEntry>,
        /// The table's items, when whole items are read.
        full: Option<&'t BTreeMap<String, Stored>>,
    },
}

type ViewIter<'t> = Box<dyn DoubleEndedIterator<Item = (&'t String, &'t Stored)> + 't>;

impl<'t> View<'t> {
    fn range(&self, bounds: (Bound<&String>, Bound<&String>)) -> ViewIter<'t> {
        match *self {
            View::Table(m) => Box::new(m.range::<String, _>(bounds)),
            View::Index {
                entries,
                full: None,
            } => Box::new(
                entries
                    .range::<String, _>(bounds)
                    .map(|(k, e)| (k, &e.stored)),
            ),
            View::Index {
                entries,
                full: Some(items),
            } => Box::new(
                entries
                    .range::<String, _>(bounds)
                    .filter_map(move |(k, e)| items.get(&e.table_key).map(|s| (k, s))),
            ),
        }
    }
}

fn read_view<'t>(t: &'t Table, index: Option<&'t Index>, full: bool) -> View<'t> {
    match index {
        None => View::Table(&t.items.map),
        Some(idx) => View::Index {
            entries: &idx.entries,
            full: full.then_some(&t.items.map),
        },
    }
}

fn consistent(data: &Value) -> bool {
    data.get("ConsistentRead").and_then(Value::as_bool) == Some(true)
}

/// Write units of one item: 1 KB per unit, at least 1 (Developer Guide, "Read/write capacity mode").
fn write_units(item: Option<&Item>) -> f64 {
    match item {
        Some(i) => (item_size(i) as f64 / 1024.0).ceil().max(1.0),
        None => 1.0,
    }
}

/// Read units of one item: 4 KB per unit, at least 1, halved for eventually consistent reads.
fn read_units(item: Option<&Item>, consistent: bool) -> f64 {
    read_units_of_size(item.map(item_size), consistent)
}

/// `read_units` of an item of this size (`None`: no item).
fn read_units_of_size(size: Option<usize>, consistent: bool) -> f64 {
    let units = match size {
        Some(s) => (s as f64 / 1024.0 / 4.0).ceil().max(1.0),
        None => 1.0,
    };
    if consistent { units } else { units / 2.0 }
}

/// A capacity number as JSON: whole numbers without a fraction, as DynamoDB writes them.
fn units_json(u: f64) -> Value {
    if u.fract() == 0.0 && u.abs() < 1e15 {
        json!(u as i64)
    } else {
        json!(u)
    }
}

/// `ConsumedCapacity` when the request asks for it (`ReturnConsumedCapacity` TOTAL or INDEXES).
fn add_consumed(
    out: &mut Map<String, Value>,
    data: &Value,
    table: &str,
    units: f64,
    index: Option<(&Index, f64)>,
) {
    let mode = data.get("ReturnConsumedCapacity").and_then(Value::as_str);
    if !matches!(mode, Some("TOTAL" | "INDEXES")) {
        return;
    }
    let index_units = index.map(|(_, u)| u).unwrap_or(0.0);
    let mut c = Map::new();
    c.insert("CapacityUnits".to_string(), units_json(units + index_units));
    c.insert("TableName".to_string(), json!(table));
    if mode == Some("INDEXES") {
        c.insert(
            "Table".to_string(),
            json!({"CapacityUnits": units_json(units)}),
        );
        if let Some((idx, u)) = index {
            let key = if idx.global {
                "GlobalSecondaryIndexes"
            } else {
                "LocalSecondaryIndexes"
            };
            c.insert(
                key.to_string(),
                json!({ idx.name.clone(): {"CapacityUnits": units_json(u)} }),
            );
        }
    }
    out.insert("ConsumedCapacity".to_string(), Value::Object(c));
}

/// The list form of `ConsumedCapacity` used by the batch actions (one entry per table).
fn add_batch_consumed(out: &mut Map<String, Value>, data: &Value, per_table: Vec<(String, f64)>) {
    let mode = data.get("ReturnConsumedCapacity").and_then(Value::as_str);
    if !matches!(mode, Some("TOTAL" | "INDEXES")) {
        return;
    }
    let list: Vec<Value> = per_table
        .into_iter()
        .map(|(table, units)| {
            let mut c = Map::new();
            c.insert("CapacityUnits".to_string(), units_json(units));
            c.insert("TableName".to_string(), json!(table));
            if mode == Some("INDEXES") {
                c.insert(
                    "Table".to_string(),
                    json!({"CapacityUnits": units_json(units)}),
                );
            }
            Value::Object(c)
        })
        .collect();
    out.insert("ConsumedCapacity".to_string(), Value::Array(list));
}

/// One page of a Query or Scan: stop before the next item once `Limit` items were evaluated or the
/// 1 MB read budget is spent; the filter applies after the read, so `Count` ≤ `ScannedCount`.
/// The reply is written straight into bytes, items copied from their stored JSON.
fn page<'a>(
    t: &Table,
    iter: Box<dyn Iterator<Item = &'a Stored> + 'a>,
    data: &Value,
    exprs: &Expressions,
    lek_names: &[String],
) -> Vec<u8> {
    let limit = data
        .get("Limit")
        .and_then(Value::as_i64)
        .map(|l| l.max(0) as usize);
    let mut size = 0usize;
    let mut read_bytes = 0usize;
    let mut json_bytes = 0usize;
    let mut scanned: Vec<&Stored> = Vec::with_capacity(limit.unwrap_or(0).min(4096));
    for st in iter {
        if limit.is_some_and(|l| scanned.len() >= l) || size >= MAX_PAGE_BYTES {
            break;
        }
        size += st.page;
        read_bytes += st.size;
        json_bytes += st.json.len() + 1;
        scanned.push(st);
    }
    let mut consumed = Map::new();
    // Query and Scan consume read units for the bytes read (4 KB per unit, half for eventually
    // consistent reads), summed over the page before filtering.
    let factor = if consistent(data) { 1.0 } else { 0.5 };
    let units = (read_bytes as f64 / 1024.0 / 4.0).ceil() * factor;
    let index = data
        .get("IndexName")
        .and_then(Value::as_str)
        .and_then(|n| t.find_index(n));
    match index {
        // Reads of an index are charged to the index, not to the table.
        Some(idx) => add_consumed(&mut consumed, data, &t.name(), 0.0, Some((idx, units))),
        None => add_consumed(&mut consumed, data, &t.name(), units, None),
    }
    let mut lek = None;
    if (limit.is_some_and(|l| scanned.len() >= l) || size >= MAX_PAGE_BYTES)
        && let Some(last) = scanned.last()
    {
        let mut k = Item::new();
        for n in lek_names {
            if let Some(v) = last.item.get(n) {
                k.insert(n.clone(), v.clone());
            }
        }
        lek = Some(k);
    }
    let scanned_count = scanned.len();
    let matched = scanned.into_iter().filter(|s| {
        exprs
            .filter
            .as_ref()
            .is_none_or(|f| expr::eval_condition(&s.item, f))
    });
    // Members in DynamoDB's order: ConsumedCapacity, Count, Items, LastEvaluatedKey, ScannedCount.
    let mut w = ReplyWriter::new(json_bytes + 256);
    if let Some(c) = consumed.get("ConsumedCapacity") {
        w.value("ConsumedCapacity", c);
    }
    if data.get("Select").and_then(Value::as_str) == Some("COUNT") {
        write_count(w.member("Count"), matched.count());
    } else {
        let matched: Vec<&Stored> = matched.collect();
        write_count(w.member("Count"), matched.len());
        let out = w.member("Items");
        out.push(b'[');
        for (i, s) in matched.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_stored_json(out, s, exprs, data);
        }
        out.push(b']');
    }
    if let Some(k) = &lek {
        write_item_json(w.member("LastEvaluatedKey"), k);
    }
    write_count(w.member("ScannedCount"), scanned_count);
    w.finish()
}

fn write_count(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(n.to_string().as_bytes());
}

// ------------------------------------------------------------------------------------------
// Expression parameters
// ------------------------------------------------------------------------------------------

#[derive(Default)]
struct Expressions {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
    name_order: Vec<String>,
    value_order: Vec<String>,
    raw: Vec<(&'static str, String)>,
    condition: Option<Cond>,
    filter: Option<Cond>,
    key_condition: Option<Cond>,
    update: Vec<UpdateAction>,
    projection: Option<Vec<Path>>,
    raw_values: Option<Map<String, Value>>,
    raw_names_present: bool,
    /// Legacy parameters (`Expected`, `ConditionalOperator`, `ScanFilter`, `QueryFilter`,
    /// `AttributeUpdates`), translated in `finish`.
    legacy: Map<String, Value>,
    legacy_updates: bool,
}

impl Expressions {
    /// The checks DynamoDB makes on the expression parameters before parsing them.
    fn parse(
        data: &Value,
        expressions: &[&'static str],
        non_expressions: &[&'static str],
    ) -> Result<Expressions, DynamoError> {
        let present: Vec<&str> = expressions
            .iter()
            .copied()
            .filter(|e| data.get(*e).is_some())
            .collect();
        if !present.is_empty() {
            let mut non: Vec<&str> = non_expressions
                .iter()
                .copied()
                .filter(|e| data.get(*e).is_some())
                .collect();
            if data.get("KeyConditions").is_some() && data.get("KeyConditionExpression").is_none() {
                non.retain(|e| *e != "KeyConditions");
            }
            if !non.is_empty() {
                return Err(DynamoError::validation(format!(
                    "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {{{}}} Expression parameters: {{{}}}",
                    non.join(", "),
                    present.join(", ")
                )));
            }
        }
        if data.get("ExpressionAttributeNames").is_some() && present.is_empty() {
            return Err(DynamoError::validation(
                "ExpressionAttributeNames can only be specified when using expressions",
            ));
        }
        let val_exprs: Vec<&str> = expressions
            .iter()
            .copied()
            .filter(|e| *e != "ProjectionExpression")
            .collect();
        if !val_exprs.is_empty()
            && data.get("ExpressionAttributeValues").is_some()
            && val_exprs.iter().all(|e| data.get(*e).is_none())
        {
            return Err(DynamoError::validation(format!(
                "ExpressionAttributeValues can only be specified when using expressions: {} {} null",
                val_exprs.join(" and "),
                if val_exprs.len() > 1 { "are" } else { "is" }
            )));
        }
        let mut ex = Expressions::default();
        for e in expressions {
            if let Some(s) = data.get(*e).and_then(Value::as_str) {
                ex.raw.push((e, s.to_string()));
            }
        }
        if let Some(names) = data
            .get("ExpressionAttributeNames")
            .and_then(Value::as_object)
        {
            for (k, v) in names {
                ex.names
                    .insert(k.clone(), v.as_str().unwrap_or_default().to_string());
                ex.name_order.push(k.clone());
            }
        }
        ex.raw_values = data
            .get("ExpressionAttributeValues")
            .and_then(Value::as_object)
            .cloned();
        ex.raw_names_present = data.get("ExpressionAttributeNames").is_some();
        for k in non_expressions.iter().chain(["ConditionalOperator"].iter()) {
            if let Some(v) = data.get(*k) {
                ex.legacy.insert((*k).to_string(), v.clone());
            }
        }
        Ok(ex)
    }

    /// Validate names and values, parse every expression, and report unused names and values.
    fn finish(mut self) -> Result<Expressions, DynamoError> {
        let v = |m: String| DynamoError::Validation(m);
        if self.raw_names_present {
            if self.names.is_empty() {
                return Err(v("ExpressionAttributeNames must not be empty".to_string()));
            }
            for k in &self.name_order {
                if !valid_ref(k, '#') {
                    return Err(v(format!(
                        "ExpressionAttributeNames contains invalid key: Syntax error; key: \"{k}\""
                    )));
                }
            }
        }
        if let Some(vals) = self.raw_values.take() {
            if vals.is_empty() {
                return Err(v("ExpressionAttributeValues must not be empty".to_string()));
            }
            for k in vals.keys() {
                if !valid_ref(k, ':') {
                    return Err(v(format!(
                        "ExpressionAttributeValues contains invalid key: Syntax error; key: \"{k}\""
                    )));
                }
            }
            for (k, x) in &vals {
                let av = parse_attribute_value(x).map_err(|m| {
                    v(format!(
                        "ExpressionAttributeValues contains invalid value: {m} for key {k}"
                    ))
                })?;
                self.values.insert(k.clone(), av);
                self.value_order.push(k.clone());
            }
        }
        let mut ctx = ExprContext::new(&self.names, &self.values);
        let mut condition = None;
        let mut filter = None;
        let mut key_condition = None;
        let mut update = Vec::new();
        let mut projection = None;
        // DynamoDB parses in this order: update, condition, key condition, filter, projection.
        let order = [
            "UpdateExpression",
            "ConditionExpression",
            "KeyConditionExpression",
            "FilterExpression",
            "ProjectionExpression",
        ];
        for name in order {
            let Some((_, src)) = self.raw.iter().find(|(n, _)| *n == name) else {
                continue;
            };
            let wrap = |m: String| DynamoError::Validation(format!("Invalid {name}: {m}"));
            match name {
                "UpdateExpression" => update = expr::parse_update(src, &mut ctx).map_err(wrap)?,
                "ConditionExpression" => {
                    condition = Some(expr::parse_condition(src, &mut ctx).map_err(wrap)?)
                }
                "KeyConditionExpression" => {
                    key_condition = Some(expr::parse_condition(src, &mut ctx).map_err(wrap)?)
                }
                "FilterExpression" => {
                    filter = Some(expr::parse_condition(src, &mut ctx).map_err(wrap)?)
                }
                _ => projection = Some(expr::parse_projection(src, &mut ctx).map_err(wrap)?),
            }
        }
        let unused_names: Vec<&String> = self
            .name_order
            .iter()
            .filter(|n| !ctx.used_names.contains(*n))
            .collect();
        if !unused_names.is_empty() {
            return Err(v(format!(
                "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
                unused_names
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        let unused_values: Vec<&String> = self
            .value_order
            .iter()
            .filter(|n| !ctx.used_values.contains(*n))
            .collect();
        if !unused_values.is_empty() {
            return Err(v(format!(
                "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
                unused_values
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        drop(ctx);
        let op = self
            .legacy
            .get("ConditionalOperator")
            .and_then(Value::as_str);
        if condition.is_none() {
            condition = crate::legacy::expected(
                self.legacy.get("Expected").and_then(Value::as_object),
                op,
            )?;
        }
        if filter.is_none() {
            let f = self
                .legacy
                .get("ScanFilter")
                .or_else(|| self.legacy.get("QueryFilter"))
                .and_then(Value::as_object);
            filter = crate::legacy::filter(f, op)?;
        }
        if let Some(u) = self
            .legacy
            .get("AttributeUpdates")
            .and_then(Value::as_object)
        {
            update = crate::legacy::attribute_updates(Some(u))?;
            self.legacy_updates = true;
        }
        self.condition = condition;
        self.filter = filter;
        self.key_condition = key_condition;
        self.update = update;
        self.projection = projection;
        Ok(self)
    }

    fn projection_nested(&self) -> Vec<(String, bool)> {
        self.projection
            .iter()
            .flatten()
            .filter_map(|p| match p.first() {
                Some(expr::PathElem::Name(n)) => Some((n.clone(), p.len() > 1)),
                _ => None,
            })
            .collect()
    }

    fn filter_nested(&self) -> Vec<(String, bool)> {
        let mut v = Vec::new();
        if let Some(f) = &self.filter {
            expr::path_heads_cond(f, &mut v);
        }
        v
    }
}

fn valid_ref(k: &str, lead: char) -> bool {
    let mut chars = k.chars();
    chars.next() == Some(lead)
        && k.len() > 1
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyOp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
    Between,
    BeginsWith,
}

#[derive(Debug, Clone)]
struct KeyCond {
    attr: String,
    op: KeyOp,
    values: Vec<AttributeValue>,
}

impl KeyCond {
    fn matches(&self, v: &AttributeValue) -> bool {
        use std::cmp::Ordering::*;
        let first = self.values.first();
        let ord = first.and_then(|f| v.compare_scalar(f));
        match self.op {
            KeyOp::Eq => ord == Some(Equal),
            KeyOp::Lt => ord == Some(Less),
            KeyOp::Le => matches!(ord, Some(Less | Equal)),
            KeyOp::Gt => ord == Some(Greater),
            KeyOp::Ge => matches!(ord, Some(Greater | Equal)),
            KeyOp::Between => {
                matches!(ord, Some(Greater | Equal))
                    && matches!(
                        self.values.get(1).and_then(|h| v.compare_scalar(h)),
                        Some(Less | Equal)
                    )
            }
            KeyOp::BeginsWith => match (v, first) {
                (AttributeValue::S(a), Some(AttributeValue::S(b))) => a.starts_with(b.as_str()),
                (AttributeValue::B(a), Some(AttributeValue::B(b))) => {
                    decode_b64(a).starts_with(&decode_b64(b))
                }
                _ => false,
            },
        }
    }
}

/// Turn a KeyConditionExpression into per-attribute conditions, with DynamoDB's messages for the
/// operators a key condition does not allow.
fn convert_key_condition(c: &Cond) -> Result<Vec<KeyCond>, DynamoError> {
    let mut out: Vec<KeyCond> = Vec::new();
    collect_key_conds(c, &mut out)?;
    Ok(out)
}

fn key_attr(o: &Operand) -> Result<Option<String>, DynamoError> {
    match o {
        Operand::Path(p) => {
            if p.len() > 1 {
                return Err(DynamoError::validation(
                    "KeyConditionExpressions cannot have conditions on nested attributes",
                ));
            }
            match p.first() {
                Some(expr::PathElem::Name(n)) => Ok(Some(n.clone())),
                _ => Ok(None),
            }
        }
        Operand::Size(_) => Err(DynamoError::validation(
            "KeyConditionExpressions cannot contain nested operations",
        )),
        _ => Ok(None),
    }
}

fn collect_key_conds(c: &Cond, out: &mut Vec<KeyCond>) -> Result<(), DynamoError> {
    let invalid = |op: &str| {
        DynamoError::validation(format!(
            "Invalid operator used in KeyConditionExpression: {op}"
        ))
    };
    let (attr, op, values) = match c {
        Cond::And(a, b) => {
            collect_key_conds(a, out)?;
            return collect_key_conds(b, out);
        }
        Cond::Or(..) => return Err(invalid("OR")),
        Cond::Not(..) => return Err(invalid("NOT")),
        Cond::In(..) => return Err(invalid("IN")),
        Cond::Cmp(CmpOp::Ne, ..) => return Err(invalid("<>")),
        Cond::AttributeExists(_) => return Err(invalid("attribute_exists")),
        Cond::AttributeNotExists(_) => return Err(invalid("attribute_not_exists")),
        Cond::AttributeType(..) => return Err(invalid("attribute_type")),
        Cond::Contains(..) => return Err(invalid("contains")),
        Cond::Misused => {
            return Err(DynamoError::validation(
                "KeyConditionExpressions cannot contain nested operations",
            ));
        }
        Cond::Between(a, lo, hi) => {
            let Some(attr) = key_attr(a)? else {
                return Err(DynamoError::validation(
                    "Invalid condition in KeyConditionExpression: BETWEEN operator must have the key attribute as its first operand",
                ));
            };
            for o in [lo, hi] {
                if key_attr(o)?.is_some() {
                    return Err(DynamoError::validation(
                        "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
                    ));
                }
            }
            (attr, KeyOp::Between, vec![value_of(lo), value_of(hi)])
        }
        Cond::BeginsWith(a, b) => {
            let Some(attr) = key_attr(a)? else {
                return Err(DynamoError::validation(
                    "Invalid condition in KeyConditionExpression: begins_with operator must have the key attribute as its first operand",
                ));
            };
            if key_attr(b)?.is_some() {
                return Err(DynamoError::validation(
                    "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
                ));
            }
            (attr, KeyOp::BeginsWith, vec![value_of(b)])
        }
        Cond::Cmp(op, a, b) => {
            let (la, lb) = (key_attr(a)?, key_attr(b)?);
            let flip = |op: CmpOp| match op {
                CmpOp::Lt => KeyOp::Gt,
                CmpOp::Le => KeyOp::Ge,
                CmpOp::Gt => KeyOp::Lt,
                CmpOp::Ge => KeyOp::Le,
                _ => KeyOp::Eq,
            };
            let direct = |op: CmpOp| match op {
                CmpOp::Lt => KeyOp::Lt,
                CmpOp::Le => KeyOp::Le,
                CmpOp::Gt => KeyOp::Gt,
                CmpOp::Ge => KeyOp::Ge,
                _ => KeyOp::Eq,
            };
            match (la, lb) {
                (Some(_), Some(_)) => {
                    return Err(DynamoError::validation(
                        "Invalid condition in KeyConditionExpression: Multiple attribute names used in one condition",
                    ));
                }
                (Some(n), None) => (n, direct(*op), vec![value_of(b)]),
                (None, Some(n)) => (n, flip(*op), vec![value_of(a)]),
                (None, None) => {
                    return Err(DynamoError::validation(
                        "Invalid condition in KeyConditionExpression: No key attribute specified",
                    ));
                }
            }
        }
    };
    if out.iter().any(|k| k.attr == attr) {
        return Err(DynamoError::validation(
            "KeyConditionExpressions must only contain one condition per key",
        ));
    }
    out.push(KeyCond { attr, op, values });
    Ok(())
}

/// The legacy `KeyConditions` parameter as key conditions.
fn legacy_key_conditions(map: &Map<String, Value>) -> Result<Vec<KeyCond>, DynamoError> {
    let mut out = Vec::new();
    for (attr, op, values) in crate::legacy::key_conditions(map)? {
        let op = match op.as_str() {
            "EQ" => KeyOp::Eq,
            "LT" => KeyOp::Lt,
            "LE" => KeyOp::Le,
            "GT" => KeyOp::Gt,
            "GE" => KeyOp::Ge,
            "BETWEEN" => KeyOp::Between,
            "BEGINS_WITH" => KeyOp::BeginsWith,
            _ => {
                return Err(DynamoError::validation(
                    "Attempted conditional constraint is not an indexable operation",
                ));
            }
        };
        out.push(KeyCond { attr, op, values });
    }
    Ok(out)
}

fn value_of(o: &Operand) -> AttributeValue {
    match o {
        Operand::Value(v) => v.clone(),
        _ => AttributeValue::Null,
    }
}

// ------------------------------------------------------------------------------------------
// Request shapes (DynamoDB API reference, one per action)
// ------------------------------------------------------------------------------------------

const RETURN_CONSUMED: &[&str] = &["INDEXES", "TOTAL", "NONE"];
const RETURN_VALUES: &[&str] = &["ALL_NEW", "UPDATED_OLD", "ALL_OLD", "NONE", "UPDATED_NEW"];
const SELECT: &[&str] = &[
    "SPECIFIC_ATTRIBUTES",
    "COUNT",
    "ALL_ATTRIBUTES",
    "ALL_PROJECTED_ATTRIBUTES",
];
const COMPARISON: &[&str] = &[
    "IN",
    "NULL",
    "BETWEEN",
    "LT",
    "NOT_CONTAINS",
    "EQ",
    "GT",
    "NOT_NULL",
    "NE",
    "LE",
    "BEGINS_WITH",
    "GE",
    "CONTAINS",
];

fn table_name() -> Field {
    f(
        "TableName",
        Ty::Str,
        vec![Con::NotNull, Con::Regex, Con::LenGe(3), Con::LenLe(255)],
    )
}

fn attr_map(name: &'static str, cons: Vec<Con>) -> Field {
    f(
        name,
        Ty::Map(
            Box::new(f("member", Ty::Attr(true), vec![])),
            "com.amazonaws.dynamodb.v20120810.AttributeValue",
        ),
        cons,
    )
}

fn names_map() -> Field {
    f(
        "ExpressionAttributeNames",
        Ty::Map(Box::new(f("member", Ty::Str, vec![])), "java.lang.String"),
        vec![],
    )
}

fn string_list(name: &'static str) -> Field {
    f(
        name,
        Ty::List(Box::new(f("member", Ty::Str, vec![]))),
        vec![Con::LenGe(1), Con::LenLe(255)],
    )
}

fn conditions_map(name: &'static str) -> Field {
    f(
        name,
        Ty::Map(
            Box::new(f(
                "member",
                Ty::Struct(
                    vec![
                        f(
                            "AttributeValueList",
                            Ty::List(Box::new(f("member", Ty::Attr(true), vec![]))),
                            vec![],
                        ),
                        f(
                            "ComparisonOperator",
                            Ty::Str,
                            vec![Con::NotNull, Con::Enum(COMPARISON)],
                        ),
                    ],
                    "Condition",
                    true,
                ),
                vec![],
            )),
            "com.amazonaws.dynamodb.v20120810.Condition",
        ),
        vec![],
    )
}

fn expected_map() -> Field {
    f(
        "Expected",
        Ty::Map(
            Box::new(f(
                "member",
                Ty::Struct(
                    vec![
                        f(
                            "AttributeValueList",
                            Ty::List(Box::new(f("member", Ty::Attr(true), vec![]))),
                            vec![],
                        ),
                        f("ComparisonOperator", Ty::Str, vec![Con::Enum(COMPARISON)]),
                        f("Exists", Ty::Bool, vec![]),
                        f("Value", Ty::Attr(false), vec![]),
                    ],
                    "ExpectedAttributeValue",
                    true,
                ),
                vec![],
            )),
            "com.amazonaws.dynamodb.v20120810.ExpectedAttributeValue",
        ),
        vec![],
    )
}

fn key_schema() -> Field {
    f(
        "KeySchema",
        Ty::List(Box::new(f(
            "member",
            Ty::Struct(
                vec![
                    f("AttributeName", Ty::Str, vec![Con::NotNull]),
                    f(
                        "KeyType",
                        Ty::Str,
                        vec![Con::NotNull, Con::Enum(&["HASH", "RANGE"])],
                    ),
                ],
                "KeySchemaElement",
                true,
            ),
            vec![],
        ))),
        vec![Con::NotNull, Con::LenGe(1), Con::LenLe(2)],
    )
}

fn index_list(name: &'static str, class: &'static str, global: bool) -> Field {
    let mut fields = vec![
        f(
            "IndexName",
            Ty::Str,
            vec![Con::NotNull, Con::Regex, Con::LenGe(3), Con::LenLe(255)],
        ),
        key_schema(),
        f(
            "Projection",
            Ty::Struct(
                vec![
                    f(
                        "ProjectionType",
                        Ty::Str,
                        vec![Con::Enum(&["ALL", "INCLUDE", "KEYS_ONLY"])],
                    ),
                    f(
                        "NonKeyAttributes",
                        Ty::List(Box::new(f("member", Ty::Str, vec![]))),
                        vec![Con::LenGe(1), Con::LenLe(20)],
                    ),
                ],
                "Projection",
                false,
            ),
            vec![Con::NotNull],
        ),
    ];
    if global {
        fields.push(throughput());
    }
    f(
        name,
        Ty::List(Box::new(f(
            "member",
            Ty::Struct(fields, class, true),
            vec![],
        ))),
        vec![],
    )
}

fn throughput() -> Field {
    f(
        "ProvisionedThroughput",
        Ty::Struct(
            vec![
                f(
                    "WriteCapacityUnits",
                    Ty::Long,
                    vec![Con::NotNull, Con::Ge(1)],
                ),
                f(
                    "ReadCapacityUnits",
                    Ty::Long,
                    vec![Con::NotNull, Con::Ge(1)],
                ),
            ],
            "ProvisionedThroughput",
            false,
        ),
        vec![],
    )
}

/// The supported actions (the DynamoDB API's data-plane subset plus table management).
const ACTIONS: &[&str] = &[
    "CreateTable",
    "DescribeTable",
    "DeleteTable",
    "ListTables",
    "PutItem",
    "GetItem",
    "DeleteItem",
    "UpdateItem",
    "Query",
    "Scan",
    "BatchWriteItem",
    "BatchGetItem",
    "TransactWriteItems",
    "TransactGetItems",
    "UpdateTable",
    "DescribeTimeToLive",
    "UpdateTimeToLive",
];

/// Input shapes, built once.
static ACTION_FIELDS: std::sync::LazyLock<HashMap<&'static str, Vec<Field>>> =
    std::sync::LazyLock::new(|| {
        ACTIONS
            .iter()
            .filter_map(|a| action_fields(a).map(|f| (*a, f)))
            .collect()
    });

/// The input shape of each supported action; `None` for an unknown action.
fn action_fields(action: &str) -> Option<Vec<Field>> {
    let rcc = || {
        f(
            "ReturnConsumedCapacity",
            Ty::Str,
            vec![Con::Enum(RETURN_CONSUMED)],
        )
    };
    let ricm = || {
        f(
            "ReturnItemCollectionMetrics",
            Ty::Str,
            vec![Con::Enum(&["SIZE", "NONE"])],
        )
    };
    let cond_op = || {
        f(
            "ConditionalOperator",
            Ty::Str,
            vec![Con::Enum(&["OR", "AND"])],
        )
    };
    let s = |n: &'static str| f(n, Ty::Str, vec![]);
    let fields = match action {
        "CreateTable" => vec![
            f(
                "AttributeDefinitions",
                Ty::List(Box::new(f(
                    "member",
                    Ty::Struct(
                        vec![
                            f("AttributeName", Ty::Str, vec![Con::NotNull]),
                            f(
                                "AttributeType",
                                Ty::Str,
                                vec![Con::NotNull, Con::Enum(&["B", "N", "S"])],
                            ),
                        ],
                        "AttributeDefinition",
                        true,
                    ),
                    vec![],
                ))),
                vec![Con::NotNull],
            ),
            f(
                "TableName",
                Ty::Str,
                vec![Con::RequiredTableName, Con::Regex],
            ),
            f(
                "BillingMode",
                Ty::Str,
                vec![Con::Enum(&["PROVISIONED", "PAY_PER_REQUEST"])],
            ),
            throughput(),
            key_schema(),
            index_list("LocalSecondaryIndexes", "LocalSecondaryIndex", false),
            index_list("GlobalSecondaryIndexes", "GlobalSecondaryIndex", true),
        ],
        "DescribeTable" | "DeleteTable" => {
            vec![f(
                "TableName",
                Ty::Str,
                vec![Con::RequiredTableName, Con::Regex],
            )]
        }
        "ListTables" => vec![
            f("Limit", Ty::Int, vec![Con::Ge(1), Con::Le(100)]),
            f(
                "ExclusiveStartTableName",
                Ty::Str,
                vec![Con::Regex, Con::LenGe(3), Con::LenLe(255)],
            ),
        ],
        "PutItem" => vec![
            rcc(),
            table_name(),
            f("ReturnValues", Ty::Str, vec![Con::Enum(RETURN_VALUES)]),
            ricm(),
            attr_map("Item", vec![Con::NotNull]),
            cond_op(),
            expected_map(),
            s("ConditionExpression"),
            attr_map("ExpressionAttributeValues", vec![]),
            names_map(),
        ],
        "GetItem" => vec![
            rcc(),
            string_list("AttributesToGet"),
            table_name(),
            attr_map("Key", vec![Con::NotNull]),
            f("ConsistentRead", Ty::Bool, vec![]),
            s("ProjectionExpression"),
            names_map(),
        ],
        "DeleteItem" => vec![
            rcc(),
            table_name(),
            f("ReturnValues", Ty::Str, vec![Con::Enum(RETURN_VALUES)]),
            ricm(),
            attr_map("Key", vec![Con::NotNull]),
            cond_op(),
            expected_map(),
            s("ConditionExpression"),
            attr_map("ExpressionAttributeValues", vec![]),
            names_map(),
        ],
        "UpdateItem" => vec![
            rcc(),
            table_name(),
            ricm(),
            f("ReturnValues", Ty::Str, vec![Con::Enum(RETURN_VALUES)]),
            attr_map("Key", vec![Con::NotNull]),
            cond_op(),
            expected_map(),
            f(
                "AttributeUpdates",
                Ty::Map(
                    Box::new(f(
                        "member",
                        Ty::Struct(
                            vec![
                                f("Action", Ty::Str, vec![]),
                                f("Value", Ty::Attr(false), vec![]),
                            ],
                            "AttributeValueUpdate",
                            true,
                        ),
                        vec![],
                    )),
                    "com.amazonaws.dynamodb.v20120810.AttributeValueUpdate",
                ),
                vec![],
            ),
            s("ConditionExpression"),
            s("UpdateExpression"),
            attr_map("ExpressionAttributeValues", vec![]),
            names_map(),
        ],
        "Query" => vec![
            f("Select", Ty::Str, vec![Con::Enum(SELECT)]),
            f(
                "IndexName",
                Ty::Str,
                vec![Con::Regex, Con::LenGe(3), Con::LenLe(255)],
            ),
            rcc(),
            conditions_map("QueryFilter"),
            table_name(),
            cond_op(),
            string_list("AttributesToGet"),
            f("Limit", Ty::Int, vec![Con::Ge(1)]),
            conditions_map("KeyConditions"),
            attr_map("ExclusiveStartKey", vec![]),
            f("ConsistentRead", Ty::Bool, vec![]),
            f("ScanIndexForward", Ty::Bool, vec![]),
            s("KeyConditionExpression"),
            s("FilterExpression"),
            s("ProjectionExpression"),
            attr_map("ExpressionAttributeValues", vec![]),
            names_map(),
        ],
        "Scan" => vec![
            f("Select", Ty::Str, vec![Con::Enum(SELECT)]),
            f(
                "IndexName",
                Ty::Str,
                vec![Con::Regex, Con::LenGe(3), Con::LenLe(255)],
            ),
            f("TotalSegments", Ty::Int, vec![Con::Ge(1)]),
            rcc(),
            table_name(),
            cond_op(),
            conditions_map("ScanFilter"),
            f("Segment", Ty::Int, vec![Con::Ge(0)]),
            f("Limit", Ty::Int, vec![Con::Ge(1)]),
            string_list("AttributesToGet"),
            attr_map("ExclusiveStartKey", vec![]),
            s("FilterExpression"),
            s("ProjectionExpression"),
            attr_map("ExpressionAttributeValues", vec![]),
            names_map(),
        ],
        "BatchWriteItem" => vec![
            rcc(),
            ricm(),
            f(
                "RequestItems",
                Ty::Map(
                    Box::new(f(
                        "member",
                        Ty::List(Box::new(f(
                            "member",
                            Ty::Struct(
                                vec![
                                    f(
                                        "DeleteRequest",
                                        Ty::Struct(
                                            vec![attr_map("Key", vec![Con::NotNull])],
                                            "DeleteRequest",
                                            false,
                                        ),
                                        vec![],
                                    ),
                                    f(
                                        "PutRequest",
                                        Ty::Struct(
                                            vec![attr_map("Item", vec![Con::NotNull])],
                                            "PutRequest",
                                            false,
                                        ),
                                        vec![],
                                    ),
                                ],
                                "WriteRequest",
                                true,
                            ),
                            vec![],
                        ))),
                        vec![],
                    )),
                    "java.util.List<com.amazonaws.dynamodb.v20120810.WriteRequest>",
                ),
                vec![
                    Con::NotNull,
                    Con::LenGe(1),
                    Con::TableNameKeys,
                    Con::MapValuesLen(1, 25),
                ],
            ),
        ],
        "TransactWriteItems" => transact::write_fields(),
        "TransactGetItems" => transact::get_fields(),
        "UpdateTable" => update_table::fields(),
        "DescribeTimeToLive" | "UpdateTimeToLive" => ttl::fields(action),
        "BatchGetItem" => vec![
            rcc(),
            f(
                "RequestItems",
                Ty::Map(
                    Box::new(f(
                        "member",
                        Ty::Struct(
                            vec![
                                f(
                                    "Keys",
                                    Ty::List(Box::new(f("member", Ty::ParamMap, vec![]))),
                                    vec![Con::NotNull, Con::LenGe(1), Con::LenLe(100)],
                                ),
                                string_list("AttributesToGet"),
                                f("ConsistentRead", Ty::Bool, vec![]),
                                s("ProjectionExpression"),
                                names_map(),
                            ],
                            "KeysAndAttributes",
                            true,
                        ),
                        vec![],
                    )),
                    "com.amazonaws.dynamodb.v20120810.KeysAndAttributes",
                ),
                vec![Con::NotNull, Con::LenGe(1), Con::TableNameKeys],
            ),
        ],
        _ => return None,
    };
    Some(fields)
}

/// The checks a table's and each index's `KeySchema` share, in DynamoDB's order: every key
/// attribute defined, hash and range named differently, HASH first, RANGE second.
fn check_key_schema(keys: &[(String, String)], def_names: &[&str]) -> Result<(), DynamoError> {
    let key_names: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
    if key_names.iter().any(|k| !def_names.contains(k)) {
        return Err(DynamoError::validation(format!(
            "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [{}], AttributeDefinitions: [{}]",
            key_names.join(", "),
            def_names.join(", ")
        )));
    }
    if keys.len() == 2 && keys[0].0 == keys[1].0 {
        return Err(DynamoError::validation(
            "Both the Hash Key and the Range Key element in the KeySchema have the same name",
        ));
    }
    if keys.first().map(|k| k.1.as_str()) != Some("HASH") {
        return Err(DynamoError::validation(
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
        ));
    }
    if let Some(k) = keys.get(1)
        && k.1 != "RANGE"
    {
        return Err(DynamoError::validation(
            "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type",
        ));
    }
    Ok(())
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

    #[test]
    fn storage_key_matches_dynalite_layout() {
        let k = storage_key(Some(&AttributeValue::S("a".to_string())), None);
        assert!(k.ends_with("/61/"));
        assert_eq!(k.len(), 6 + 4);
    }

    #[test]
    fn number_range_strings_sort_numerically() {
        let vals = ["-100", "-99.1", "-1", "0", "0.5", "1", "9.99", "10", "1e20"];
        let strs: Vec<String> = vals
            .iter()
            .map(|v| {
                range_str(&AttributeValue::N(
                    Number::parse(v).unwrap_or_else(|_| Number::zero()),
                ))
            })
            .collect();
        let mut sorted = strs.clone();
        sorted.sort();
        assert_eq!(strs, sorted);
    }
}
