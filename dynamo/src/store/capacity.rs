//! Consumed capacity: read and write units of an item, and the `ConsumedCapacity` reply member.

use serde_json::{Map, Value, json};

use super::model::Index;
use crate::value::{Item, item_size};

pub(crate) fn consistent(data: &Value) -> bool {
    data.get("ConsistentRead").and_then(Value::as_bool) == Some(true)
}

/// Write units of one item: 1 KB per unit, at least 1 (Developer Guide, "Read/write capacity mode").
pub(crate) fn write_units(item: Option<&Item>) -> f64 {
    write_units_of_size(item.map(item_size))
}

/// `write_units` of an item of this size (`None`: no item).
pub(crate) fn write_units_of_size(size: Option<usize>) -> f64 {
    match size {
        Some(s) => (s as f64 / 1024.0).ceil().max(1.0),
        None => 1.0,
    }
}

/// Read units of one item: 4 KB per unit, at least 1, halved for eventually consistent reads.
pub(crate) fn read_units(item: Option<&Item>, consistent: bool) -> f64 {
    read_units_of_size(item.map(item_size), consistent)
}

/// `read_units` of an item of this size (`None`: no item).
pub(crate) fn read_units_of_size(size: Option<usize>, consistent: bool) -> f64 {
    let units = match size {
        Some(s) => (s as f64 / 1024.0 / 4.0).ceil().max(1.0),
        None => 1.0,
    };
    if consistent { units } else { units / 2.0 }
}

/// A capacity number as JSON: whole numbers without a fraction, as DynamoDB writes them.
pub(crate) fn units_json(u: f64) -> Value {
    if u.fract() == 0.0 && u.abs() < 1e15 {
        json!(u as i64)
    } else {
        json!(u)
    }
}

/// `ConsumedCapacity` when the request asks for it (`ReturnConsumedCapacity` TOTAL or INDEXES).
pub(crate) fn add_consumed(
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
pub(crate) fn add_batch_consumed(
    out: &mut Map<String, Value>,
    data: &Value,
    per_table: Vec<(String, f64)>,
) {
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
