//! Item reads by key: GetItem and BatchGetItem.

use serde_json::{Map, Value, json};

use super::capacity::{
    add_batch_consumed, add_consumed, consistent, read_units, read_units_of_size,
};
use super::expressions::{Expressions, item_json, write_stored_json};
use super::keys::range_str;
use super::reply::ReplyWriter;
use super::validate::{check_duplicate_attributes_to_get, check_key_paths, validate_key};
use super::{Embedded, str_field};
use crate::error::DynamoError;
use crate::value::parse_item;

impl Embedded {
    pub(crate) fn get_item(&self, data: &Value) -> Result<Vec<u8>, DynamoError> {
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

    pub(crate) fn batch_get_item(&self, data: &Value) -> Result<Value, DynamoError> {
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
