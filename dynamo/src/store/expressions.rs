//! A request's expression parameters: `ExpressionAttributeNames`/`Values` checked, every
//! expression parsed (or the legacy `Expected`, `ScanFilter`, `QueryFilter`, `AttributeUpdates`
//! translated), unused names and values refused; then what they do to an item (the condition, the
//! projection).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::model::Stored;
use crate::error::DynamoError;
use crate::expr::{self, Cond, ExprContext, Expression, Path, UpdateAction};
use crate::value::{AttributeValue, Item, item_to_json, parse_attribute_value, write_item_json};

pub(crate) fn check_condition(
    exprs: &Expressions,
    existing: Option<&Item>,
) -> Result<(), DynamoError> {
    if let Some(c) = &exprs.condition {
        let empty = Item::new();
        if !expr::eval_condition(existing.unwrap_or(&empty), c) {
            return Err(DynamoError::ConditionalCheckFailed);
        }
    }
    Ok(())
}

/// `item_json` written into `out`: the stored bytes themselves when nothing is projected.
pub(crate) fn write_stored_json(out: &mut Vec<u8>, s: &Stored, exprs: &Expressions, data: &Value) {
    if exprs.projection.is_none() && data.get("AttributesToGet").is_none() {
        out.extend_from_slice(&s.json);
    } else {
        write_item_json(out, &project_item(&s.item, exprs, data));
    }
}

/// The JSON of an item after `ProjectionExpression`/`AttributesToGet` (no copy when neither).
pub(crate) fn item_json(item: &Item, exprs: &Expressions, data: &Value) -> Value {
    if exprs.projection.is_none() && data.get("AttributesToGet").is_none() {
        return item_to_json(item);
    }
    item_to_json(&project_item(item, exprs, data))
}

pub(crate) fn project_item(item: &Item, exprs: &Expressions, data: &Value) -> Item {
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

#[derive(Default)]
pub(crate) struct Expressions {
    pub(crate) names: HashMap<String, String>,
    pub(crate) values: HashMap<String, AttributeValue>,
    pub(crate) name_order: Vec<String>,
    pub(crate) value_order: Vec<String>,
    pub(crate) raw: Vec<(&'static str, String)>,
    pub(crate) condition: Option<Cond>,
    pub(crate) filter: Option<Cond>,
    pub(crate) key_condition: Option<Cond>,
    pub(crate) update: Vec<UpdateAction>,
    pub(crate) projection: Option<Vec<Path>>,
    pub(crate) raw_values: Option<Map<String, Value>>,
    pub(crate) raw_names_present: bool,
    /// Legacy parameters (`Expected`, `ConditionalOperator`, `ScanFilter`, `QueryFilter`,
    /// `AttributeUpdates`), translated in `finish`.
    pub(crate) legacy: Map<String, Value>,
    pub(crate) legacy_updates: bool,
}

impl Expressions {
    /// The checks DynamoDB makes on the expression parameters before parsing them.
    pub(crate) fn parse(
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
    pub(crate) fn finish(mut self) -> Result<Expressions, DynamoError> {
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
            match name {
                "UpdateExpression" => {
                    update = expr::parse_update(src, &mut ctx)
                        .map_err(|e| e.in_parameter(Expression::Update))?
                }
                "ConditionExpression" => {
                    condition = Some(
                        expr::parse_condition(src, &mut ctx)
                            .map_err(|e| e.in_parameter(Expression::Condition))?,
                    )
                }
                "KeyConditionExpression" => {
                    key_condition = Some(
                        expr::parse_condition(src, &mut ctx)
                            .map_err(|e| e.in_parameter(Expression::KeyCondition))?,
                    )
                }
                "FilterExpression" => {
                    filter = Some(
                        expr::parse_condition(src, &mut ctx)
                            .map_err(|e| e.in_parameter(Expression::Filter))?,
                    )
                }
                _ => {
                    projection = Some(
                        expr::parse_projection(src, &mut ctx)
                            .map_err(|e| e.in_parameter(Expression::Projection))?,
                    )
                }
            }
        }
        ctx.check_unused(&self.name_order, &self.value_order)?;
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

    pub(crate) fn projection_nested(&self) -> Vec<(String, bool)> {
        self.projection
            .iter()
            .flatten()
            .filter_map(|p| match p.first() {
                Some(expr::PathElem::Name(n)) => Some((n.clone(), p.len() > 1)),
                _ => None,
            })
            .collect()
    }

    pub(crate) fn filter_nested(&self) -> Vec<(String, bool)> {
        let mut v = Vec::new();
        if let Some(f) = &self.filter {
            expr::path_heads_cond(f, &mut v);
        }
        v
    }
}

pub(crate) fn valid_ref(k: &str, lead: char) -> bool {
    let mut chars = k.chars();
    chars.next() == Some(lead)
        && k.len() > 1
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}
