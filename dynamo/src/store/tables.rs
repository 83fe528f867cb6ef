//! Table management: CreateTable (key schema, attribute definitions, secondary indexes, billing
//! mode), DescribeTable, DeleteTable and ListTables.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::model::{Index, Items, KeyDef, Table};
use super::{Embedded, arr, str_field};
use crate::error::DynamoError;
use crate::util::md5;
use crate::value::ScalarType;

impl Embedded {
    pub(crate) fn create_table(&self, data: &Value) -> Result<Value, DynamoError> {
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

    pub(crate) fn describe_table(&self, data: &Value) -> Result<Value, DynamoError> {
        let name = str_field(data, "TableName");
        let tables = self.read();
        let t = tables.get(&name).ok_or_else(|| {
            DynamoError::ResourceNotFound(format!(
                "Requested resource not found: Table: {name} not found"
            ))
        })?;
        Ok(json!({"Table": t.describe("ACTIVE")}))
    }

    pub(crate) fn delete_table(&self, data: &Value) -> Result<Value, DynamoError> {
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

    pub(crate) fn list_tables(&self, data: &Value) -> Result<Value, DynamoError> {
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
}

pub(crate) fn table_id(name: &str, now: f64) -> String {
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

/// The checks a table's and each index's `KeySchema` share, in DynamoDB's order: every key
/// attribute defined, hash and range named differently, HASH first, RANGE second.
pub(crate) fn check_key_schema(
    keys: &[(String, String)],
    def_names: &[&str],
) -> Result<(), DynamoError> {
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
