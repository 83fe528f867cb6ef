//! UpdateTable for [`Embedded`]: billing mode and provisioned throughput changes, global secondary
//! indexes created (backfilled from the items already stored) and deleted, stream settings.
//!
//! A child module of `store` (declared there with a `#[path]`), so it builds indexes with the
//! store's own `Index` and `Table` helpers. Request checks follow the DynamoDB API reference
//! (`UpdateTable`, `GlobalSecondaryIndexUpdate`) in dynalite's order, with DynamoDB's messages
//! as dynalite reproduces them (its `validations/updateTable.js` and `actions/updateTable.js`).
//!
//! DynamoDB applies an update asynchronously: the reply says `UPDATING` (a new index `CREATING`,
//! a deleted one `DELETING`) and DescribeTable shows `ACTIVE` later. The embedded store applies
//! it at once: the reply carries the transitional statuses, every later read sees the result
//! (as CreateTable does here). So there is never an update in progress, and the
//! ResourceInUseException DynamoDB sends for a second update during the first cannot arise.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::model::{Index, IndexEntry, KeyDef, Stored, Table};
use super::shapes::{key_schema, projection, throughput};
use super::tables::check_key_schema;
use super::{Embedded, arr, str_field};
use crate::error::DynamoError;
use crate::schema::{Con, Field, Ty, f};
use crate::value::ScalarType;

/// DynamoDB's largest capacity value; larger ones are "out of bounds".
const MAX_UNITS: i64 = 1_000_000_000_000;

const INVALID: &str = "One or more parameter values were invalid: ";

fn required_throughput() -> Field {
    let mut t = throughput();
    t.cons.push(Con::NotNull);
    t
}

fn index_name() -> Field {
    f(
        "IndexName",
        Ty::Str,
        vec![Con::NotNull, Con::Regex, Con::LenGe(3), Con::LenLe(255)],
    )
}

/// The input shape (API reference: `UpdateTable`, `GlobalSecondaryIndexUpdate`,
/// `StreamSpecification`).
pub(super) fn fields() -> Vec<Field> {
    let projection = projection();
    let update = f(
        "Update",
        Ty::Struct(
            vec![index_name(), required_throughput()],
            "UpdateGlobalSecondaryIndexAction",
            false,
        ),
        vec![],
    );
    let create = f(
        "Create",
        Ty::Struct(
            vec![projection, index_name(), throughput(), key_schema()],
            "CreateGlobalSecondaryIndexAction",
            false,
        ),
        vec![],
    );
    let delete = f(
        "Delete",
        Ty::Struct(
            vec![index_name()],
            "DeleteGlobalSecondaryIndexAction",
            false,
        ),
        vec![],
    );
    vec![
        f(
            "TableName",
            Ty::Str,
            vec![Con::RequiredTableName, Con::Regex],
        ),
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
            vec![],
        ),
        throughput(),
        f(
            "BillingMode",
            Ty::Str,
            vec![Con::Enum(&["PROVISIONED", "PAY_PER_REQUEST"])],
        ),
        f(
            "GlobalSecondaryIndexUpdates",
            Ty::List(Box::new(f(
                "member",
                Ty::Struct(
                    vec![update, create, delete],
                    "GlobalSecondaryIndexUpdate",
                    true,
                ),
                vec![],
            ))),
            vec![],
        ),
        f(
            "StreamSpecification",
            Ty::Struct(
                vec![
                    f("StreamEnabled", Ty::Bool, vec![Con::NotNull]),
                    f(
                        "StreamViewType",
                        Ty::Str,
                        vec![Con::Enum(&[
                            "NEW_IMAGE",
                            "OLD_IMAGE",
                            "NEW_AND_OLD_IMAGES",
                            "KEYS_ONLY",
                        ])],
                    ),
                ],
                "StreamSpecification",
                false,
            ),
            vec![],
        ),
        f(
            "SSESpecification",
            Ty::Struct(
                vec![
                    f("Enabled", Ty::Bool, vec![]),
                    f("SSEType", Ty::Str, vec![Con::Enum(&["AES256", "KMS"])]),
                    f("KMSMasterKeyId", Ty::Str, vec![]),
                ],
                "SSESpecification",
                false,
            ),
            vec![],
        ),
    ]
}

fn units(pt: Option<&Value>, name: &str) -> i64 {
    pt.and_then(|p| p.get(name))
        .and_then(Value::as_i64)
        .unwrap_or(0)
}

fn now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The checks that need no table (dynalite's `validations/updateTable.js`, in its order).
fn check_request(data: &Value) -> Result<(), DynamoError> {
    let pt = data.get("ProvisionedThroughput");
    let updates = arr(data, "GlobalSecondaryIndexUpdates");
    if pt.is_none()
        && data.get("BillingMode").is_none()
        && data.get("StreamSpecification").is_none()
        && updates.is_empty()
        && data.get("SSESpecification").is_none()
    {
        return Err(DynamoError::validation(
            "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required",
        ));
    }
    if data.get("BillingMode").and_then(Value::as_str) == Some("PROVISIONED") && pt.is_none() {
        return Err(DynamoError::validation(format!(
            "{INVALID}ProvisionedThroughput must be specified when BillingMode is PROVISIONED"
        )));
    }
    for n in ["ReadCapacityUnits", "WriteCapacityUnits"] {
        let v = units(pt, n);
        if v > MAX_UNITS {
            return Err(DynamoError::validation(format!(
                "Given value {v} for {n} is out of bounds"
            )));
        }
    }
    let mut seen = Vec::new();
    for u in &updates {
        let named = ["Update", "Create", "Delete"]
            .iter()
            .find_map(|k| u.get(*k).map(|a| str_field(a, "IndexName")));
        let Some(name) = named else {
            return Err(DynamoError::validation(format!(
                "{INVALID}One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null"
            )));
        };
        if seen.contains(&name) {
            return Err(DynamoError::validation(format!(
                "{INVALID}Only one global secondary index update per index is allowed simultaneously. Index: {name}"
            )));
        }
        seen.push(name);
    }
    Ok(())
}

/// One `Create` of a global secondary index, checked against the table.
struct NewIndex {
    index: Index,
    described: Value,
    definitions: Vec<(String, String)>,
}

fn plan_create(
    t: &Table,
    table: &str,
    create: &Value,
    data: &Value,
    on_demand: bool,
) -> Result<NewIndex, DynamoError> {
    let iname = str_field(create, "IndexName");
    if t.find_index(&iname).is_some() {
        return Err(DynamoError::validation(
            "Attempting to create an index which already exists",
        ));
    }
    // The key attributes are defined by the request's AttributeDefinitions (API reference:
    // "AttributeDefinitions ... must include the key element(s) of the new index") or by the
    // table's own.
    let mut defs: Vec<(String, String)> = arr(data, "AttributeDefinitions")
        .iter()
        .map(|d| (str_field(d, "AttributeName"), str_field(d, "AttributeType")))
        .collect();
    for d in t
        .description
        .get("AttributeDefinitions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = str_field(d, "AttributeName");
        if let Some(mine) = defs.iter().find(|x| x.0 == name) {
            let theirs = str_field(d, "AttributeType");
            if mine.1 != theirs {
                return Err(DynamoError::validation(format!(
                    "{INVALID}Attribute {name} is defined as {theirs} in the table and as {} in AttributeDefinitions",
                    mine.1
                )));
            }
        } else {
            defs.push((name, str_field(d, "AttributeType")));
        }
    }
    let keys: Vec<(String, String)> = arr(create, "KeySchema")
        .iter()
        .map(|d| (str_field(d, "AttributeName"), str_field(d, "KeyType")))
        .collect();
    let def_names: Vec<&str> = defs.iter().map(|d| d.0.as_str()).collect();
    check_key_schema(&keys, &def_names)?;
    let projection = create.get("Projection");
    let Some(ptype) = projection
        .and_then(|p| p.get("ProjectionType"))
        .and_then(Value::as_str)
    else {
        return Err(DynamoError::validation(format!(
            "{INVALID}Unknown ProjectionType: null"
        )));
    };
    let non_key: Option<Vec<String>> = projection
        .and_then(|p| p.get("NonKeyAttributes"))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        });
    if non_key.is_some() && ptype != "INCLUDE" {
        return Err(DynamoError::validation(format!(
            "{INVALID}ProjectionType is {ptype}, but NonKeyAttributes is specified"
        )));
    }
    let pt = create.get("ProvisionedThroughput");
    if on_demand && pt.is_some() {
        return Err(DynamoError::validation(format!(
            "{INVALID}ProvisionedThroughput should not be specified for index: {iname} when BillingMode is PAY_PER_REQUEST"
        )));
    }
    if !on_demand && pt.is_none() {
        return Err(DynamoError::validation(format!(
            "{INVALID}ProvisionedThroughput must be specified for index: {iname}"
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
    let index = Index {
        name: iname.clone(),
        global: true,
        hash: def(&keys[0].0),
        range: keys.get(1).map(|k| def(&k.0)),
        projection: match ptype {
            "ALL" => None,
            _ => Some(non_key.unwrap_or_default()),
        },
        entries: BTreeMap::new(),
    };
    // Described as CreateTable describes a global index.
    let mut d = Map::new();
    d.insert("IndexName".to_string(), json!(iname));
    d.insert(
        "KeySchema".to_string(),
        create.get("KeySchema").cloned().unwrap_or(json!([])),
    );
    d.insert(
        "Projection".to_string(),
        projection.cloned().unwrap_or(json!({})),
    );
    d.insert(
        "IndexArn".to_string(),
        json!(format!(
            "arn:aws:dynamodb:us-east-1:000000000000:table/{table}/index/{iname}"
        )),
    );
    d.insert("IndexSizeBytes".to_string(), json!(0));
    d.insert("ItemCount".to_string(), json!(0));
    d.insert("IndexStatus".to_string(), json!("ACTIVE"));
    d.insert(
        "ProvisionedThroughput".to_string(),
        json!({
            "ReadCapacityUnits": units(pt, "ReadCapacityUnits"),
            "WriteCapacityUnits": units(pt, "WriteCapacityUnits"),
            "NumberOfDecreasesToday": 0,
        }),
    );
    // Only the definitions the new keys need join the table's (DynamoDB lists the attributes
    // of the table's and its indexes' key schemas).
    let definitions = keys
        .iter()
        .filter_map(|(n, _)| defs.iter().find(|d| &d.0 == n).cloned())
        .collect();
    Ok(NewIndex {
        index,
        described: Value::Object(d),
        definitions,
    })
}

/// Set a described throughput to `rcu`/`wcu`, recording an increase or decrease as DynamoDB does.
fn set_throughput(pt: &mut Map<String, Value>, rcu: i64, wcu: i64, at: f64) {
    let (old_r, old_w) = (
        pt.get("ReadCapacityUnits")
            .and_then(Value::as_i64)
            .unwrap_or(0),
        pt.get("WriteCapacityUnits")
            .and_then(Value::as_i64)
            .unwrap_or(0),
    );
    if rcu > old_r || wcu > old_w {
        pt.insert("LastIncreaseDateTime".to_string(), json!(at));
    }
    if rcu < old_r || wcu < old_w {
        pt.insert("LastDecreaseDateTime".to_string(), json!(at));
        let n = pt
            .get("NumberOfDecreasesToday")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        pt.insert("NumberOfDecreasesToday".to_string(), json!(n + 1));
    }
    pt.insert("ReadCapacityUnits".to_string(), json!(rcu));
    pt.insert("WriteCapacityUnits".to_string(), json!(wcu));
}

impl Embedded {
    pub(super) fn update_table(&self, data: &Value) -> Result<Value, DynamoError> {
        check_request(data)?;
        let name = str_field(data, "TableName");
        let mut tables = self.write();
        let t = tables.get_mut(&name).ok_or_else(|| {
            DynamoError::ResourceNotFound(format!(
                "Requested resource not found: Table: {name} not found"
            ))
        })?;
        let was_on_demand = t
            .description
            .get("BillingModeSummary")
            .and_then(|b| b.get("BillingMode"))
            .and_then(Value::as_str)
            == Some("PAY_PER_REQUEST");
        let billing = data.get("BillingMode").and_then(Value::as_str);
        let on_demand = match billing {
            Some(b) => b == "PAY_PER_REQUEST",
            None => was_on_demand,
        };
        let pt = data.get("ProvisionedThroughput");
        if pt.is_some() && on_demand {
            return Err(DynamoError::validation(format!(
                "{INVALID}Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
            )));
        }
        let updates = arr(data, "GlobalSecondaryIndexUpdates");

        // Check everything before changing anything: a refused request changes nothing.
        let mut index_throughput: Vec<(String, i64, i64)> = Vec::new();
        let mut creates = Vec::new();
        let mut deletes = Vec::new();
        for u in &updates {
            if let Some(up) = u.get("Update") {
                let iname = str_field(up, "IndexName");
                let ipt = up.get("ProvisionedThroughput");
                let (r, w) = (
                    units(ipt, "ReadCapacityUnits"),
                    units(ipt, "WriteCapacityUnits"),
                );
                if r > MAX_UNITS || w > MAX_UNITS {
                    return Err(DynamoError::validation(
                        "This operation cannot be performed with given input values. Please contact DynamoDB service team for more info: Action Blocked: IndexUpdate",
                    ));
                }
                if !t.indexes.iter().any(|i| i.global && i.name == iname) {
                    return Err(DynamoError::ResourceNotFound(format!(
                        "Requested resource not found: Index: {iname} not found"
                    )));
                }
                if on_demand {
                    return Err(DynamoError::validation(format!(
                        "{INVALID}ProvisionedThroughput should not be specified for index: {iname} when BillingMode is PAY_PER_REQUEST"
                    )));
                }
                index_throughput.push((iname, r, w));
            } else if let Some(c) = u.get("Create") {
                creates.push(plan_create(t, &name, c, data, on_demand)?);
            } else if let Some(d) = u.get("Delete") {
                let iname = str_field(d, "IndexName");
                if !t.indexes.iter().any(|i| i.global && i.name == iname) {
                    return Err(DynamoError::ResourceNotFound(format!(
                        "Requested resource not found: Index: {iname} not found"
                    )));
                }
                deletes.push(iname);
            }
        }
        if billing == Some("PROVISIONED") && was_on_demand {
            // Every remaining global index needs its own throughput (dynalite's wording).
            let missing: Vec<String> = t
                .indexes
                .iter()
                .filter(|i| i.global)
                .map(|i| i.name.clone())
                .filter(|n| !deletes.contains(n) && !index_throughput.iter().any(|u| &u.0 == n))
                .collect();
            if !missing.is_empty() {
                return Err(DynamoError::validation(format!(
                    "{INVALID}ProvisionedThroughput must be specified for index: {}",
                    missing.join(",")
                )));
            }
        }
        let current = t
            .description
            .get("ProvisionedThroughput")
            .cloned()
            .unwrap_or_default();
        let (cur_r, cur_w) = (
            units(Some(&current), "ReadCapacityUnits"),
            units(Some(&current), "WriteCapacityUnits"),
        );
        let (new_r, new_w) = (
            units(pt, "ReadCapacityUnits"),
            units(pt, "WriteCapacityUnits"),
        );
        if pt.is_some() && new_r == cur_r && new_w == cur_w {
            return Err(DynamoError::validation(format!(
                "The provisioned throughput for the table will not change. The requested value equals the current value. Current ReadCapacityUnits provisioned for the table: {cur_r}. Requested ReadCapacityUnits: {new_r}. Current WriteCapacityUnits provisioned for the table: {cur_w}. Requested WriteCapacityUnits: {new_w}. Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits."
            )));
        }

        // Apply.
        let at = now();
        let before = t.description.clone();
        let d = &mut t.description;
        if pt.is_some()
            && let Some(Value::Object(tp)) = d.get_mut("ProvisionedThroughput")
        {
            set_throughput(tp, new_r, new_w, at);
        }
        if on_demand && !was_on_demand {
            d.insert(
                "BillingModeSummary".to_string(),
                json!({"BillingMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": at}),
            );
            d.insert(
                "TableThroughputModeSummary".to_string(),
                json!({"TableThroughputMode": "PAY_PER_REQUEST", "LastUpdateToPayPerRequestDateTime": at}),
            );
            if let Some(Value::Object(tp)) = d.get_mut("ProvisionedThroughput") {
                set_throughput(tp, 0, 0, at);
            }
            for g in d
                .get_mut("GlobalSecondaryIndexes")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                if let Some(Value::Object(gp)) = g.get_mut("ProvisionedThroughput") {
                    set_throughput(gp, 0, 0, at);
                }
            }
        } else if billing == Some("PROVISIONED") && was_on_demand {
            d.insert(
                "BillingModeSummary".to_string(),
                json!({"BillingMode": "PROVISIONED"}),
            );
            d.insert(
                "TableThroughputModeSummary".to_string(),
                json!({"TableThroughputMode": "PROVISIONED"}),
            );
        }
        for g in d
            .get_mut("GlobalSecondaryIndexes")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
        {
            let gname = str_field(g, "IndexName");
            if let Some((_, r, w)) = index_throughput.iter().find(|u| u.0 == gname)
                && let Some(Value::Object(gp)) = g.get_mut("ProvisionedThroughput")
            {
                set_throughput(gp, *r, *w, at);
            }
        }
        if let Some(s) = data.get("StreamSpecification") {
            if s.get("StreamEnabled").and_then(Value::as_bool) == Some(true) {
                d.insert("StreamSpecification".to_string(), s.clone());
                let label = format!("{at:.3}");
                d.insert("LatestStreamLabel".to_string(), json!(label));
                d.insert(
                    "LatestStreamArn".to_string(),
                    json!(format!(
                        "arn:aws:dynamodb:us-east-1:000000000000:table/{name}/stream/{label}"
                    )),
                );
            } else {
                d.remove("StreamSpecification");
            }
        }
        if let Some(s) = data.get("SSESpecification") {
            if s.get("Enabled").and_then(Value::as_bool) == Some(true) {
                d.insert(
                    "SSEDescription".to_string(),
                    json!({"Status": "ENABLED", "SSEType": s.get("SSEType").cloned().unwrap_or(json!("KMS"))}),
                );
            } else {
                d.remove("SSEDescription");
            }
        }
        let mut deleted_described = Vec::new();
        if let Some(Value::Array(g)) = d.get_mut("GlobalSecondaryIndexes") {
            g.retain(|e| {
                let keep = !deletes.contains(&str_field(e, "IndexName"));
                if !keep {
                    deleted_described.push(e.clone());
                }
                keep
            });
        }
        if d.get("GlobalSecondaryIndexes")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            d.remove("GlobalSecondaryIndexes");
        }
        t.indexes
            .retain(|i| !(i.global && deletes.contains(&i.name)));
        let mut created_names = Vec::new();
        for c in creates {
            let NewIndex {
                mut index,
                described,
                definitions,
            } = c;
            // Backfill: DynamoDB adds every existing item that has the index's key attributes
            // with their defined types (Developer Guide, "Adding a global secondary index to an
            // existing table"); the index is ready for reads once the call returns.
            let range_key = t.range.as_ref().map(|r| r.name.clone());
            for (k, s) in &t.items.map {
                if let Some(ik) = t.index_key(&index, &s.item) {
                    let stored =
                        Stored::new(t.index_projection(&index, &s.item), range_key.as_deref());
                    index.entries.insert(
                        ik,
                        IndexEntry {
                            table_key: k.clone(),
                            stored,
                        },
                    );
                }
            }
            created_names.push(index.name.clone());
            t.indexes.push(index);
            let d = &mut t.description;
            if let Value::Array(list) = d
                .entry("GlobalSecondaryIndexes")
                .or_insert_with(|| json!([]))
            {
                list.push(described);
            }
            if let Value::Array(list) = d.entry("AttributeDefinitions").or_insert_with(|| json!([]))
            {
                for (n, ty) in definitions {
                    if !list.iter().any(|e| str_field(e, "AttributeName") == n) {
                        list.push(json!({"AttributeName": n, "AttributeType": ty}));
                    }
                }
            }
        }

        // The reply: the table UPDATING, new indexes CREATING, deleted ones DELETING.
        let mut out = t.describe("UPDATING");
        if let Some(o) = out.as_object_mut() {
            // A switch to provisioned shows its units at once (as dynalite does).
            let to_provisioned = billing == Some("PROVISIONED") && was_on_demand;
            reply_throughput(
                o,
                &before,
                pt.is_some() && !to_provisioned,
                on_demand && !was_on_demand,
            );
            for (iname, _, _) in &index_throughput {
                let old = index_pt(&before, iname);
                if let (Some(old), Some(g)) = (old, index_mut(o, iname)) {
                    g.insert("ProvisionedThroughput".to_string(), old);
                }
            }
            let list = o
                .entry("GlobalSecondaryIndexes")
                .or_insert_with(|| json!([]));
            if let Value::Array(list) = list {
                for e in list.iter_mut() {
                    if created_names.contains(&str_field(e, "IndexName"))
                        && let Some(m) = e.as_object_mut()
                    {
                        m.insert("IndexStatus".to_string(), json!("CREATING"));
                    }
                }
                for mut e in deleted_described {
                    if let Some(m) = e.as_object_mut() {
                        m.insert("IndexStatus".to_string(), json!("DELETING"));
                    }
                    list.push(e);
                }
            }
            if o.get("GlobalSecondaryIndexes")
                .and_then(Value::as_array)
                .is_some_and(Vec::is_empty)
            {
                o.remove("GlobalSecondaryIndexes");
            }
        }
        Ok(json!({"TableDescription": out}))
    }
}

/// The reply's table throughput. DynamoDB (and dynalite) answer a throughput change with the
/// units still in force, the change's time recorded: the new units show once the table is ACTIVE
/// again. A switch to on-demand shows zero units at once, decreases not yet counted.
fn reply_throughput(
    out: &mut Map<String, Value>,
    before: &Map<String, Value>,
    changed: bool,
    to_on_demand: bool,
) {
    if !changed && !to_on_demand {
        return;
    }
    let Some(Value::Object(now)) = out.get("ProvisionedThroughput").cloned() else {
        return;
    };
    let Some(Value::Object(mut old)) = before.get("ProvisionedThroughput").cloned() else {
        return;
    };
    for k in ["LastIncreaseDateTime", "LastDecreaseDateTime"] {
        if let Some(v) = now.get(k) {
            old.insert(k.to_string(), v.clone());
        }
    }
    if to_on_demand {
        old.insert("ReadCapacityUnits".to_string(), json!(0));
        old.insert("WriteCapacityUnits".to_string(), json!(0));
    }
    out.insert("ProvisionedThroughput".to_string(), Value::Object(old));
}

fn index_pt(d: &Map<String, Value>, name: &str) -> Option<Value> {
    d.get("GlobalSecondaryIndexes")?
        .as_array()?
        .iter()
        .find(|g| str_field(g, "IndexName") == name)?
        .get("ProvisionedThroughput")
        .cloned()
}

fn index_mut<'a>(d: &'a mut Map<String, Value>, name: &str) -> Option<&'a mut Map<String, Value>> {
    d.get_mut("GlobalSecondaryIndexes")?
        .as_array_mut()?
        .iter_mut()
        .find(|g| str_field(g, "IndexName") == name)?
        .as_object_mut()
}
