//! Item writes: PutItem, DeleteItem, UpdateItem and BatchWriteItem.

use serde_json::{Map, Value, json};

use super::capacity::{add_batch_consumed, add_consumed, write_units, write_units_of_size};
use super::expressions::{Expressions, check_condition};
use super::validate::{check_key_paths, validate_index_keys, validate_item_keys, validate_key};
use super::{Embedded, MAX_ITEM_SIZE, str_field};
use crate::error::DynamoError;
use crate::expr::{self, ExprErrorKind, Path, UpdateAction};
use crate::value::{Item, item_size, item_to_json, parse_item};

impl Embedded {
    pub(crate) fn put_item(&self, data: &Value) -> Result<Value, DynamoError> {
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
        let size = item_size(&item);
        if size > MAX_ITEM_SIZE {
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
        let existing = t.items.get_stored(&key);
        check_condition(&exprs, existing.map(|s| &s.item))?;
        let mut out = Map::new();
        if let Some(old) = existing
            && rv == Some("ALL_OLD")
        {
            out.insert("Attributes".to_string(), item_to_json(&old.item));
        }
        // Sizes known already: the stored item's, and this one's from the size check.
        let units =
            write_units_of_size(existing.map(|s| s.size)).max(write_units_of_size(Some(size)));
        add_consumed(&mut out, data, &name, units, None);
        t.put(key, item);
        Ok(Value::Object(out))
    }

    pub(crate) fn delete_item(&self, data: &Value) -> Result<Value, DynamoError> {
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

    pub(crate) fn update_item(&self, data: &Value) -> Result<Value, DynamoError> {
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
        expr::apply_update(&mut item, &exprs.update).map_err(|e| {
            // The legacy AttributeUpdates report a type clash in their own words.
            if exprs.legacy_updates && e.kind() == ExprErrorKind::TypeMismatch {
                DynamoError::validation("Type mismatch for attribute to update")
            } else {
                DynamoError::from(e)
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

    pub(crate) fn batch_write_item(&self, data: &Value) -> Result<Value, DynamoError> {
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
}
