//! Query and Scan: the index read, `ExclusiveStartKey`, one page within `Limit` and the 1 MB read
//! budget, the filter after the read, `LastEvaluatedKey`.

use std::collections::BTreeMap;
use std::ops::Bound;

use serde_json::{Map, Value};

use super::capacity::{add_consumed, consistent};
use super::expressions::{Expressions, write_stored_json};
use super::key_condition::{KeyCond, KeyOp, convert_key_condition, legacy_key_conditions};
use super::keys::storage_key;
use super::model::{Index, IndexEntry, Stored, Table};
use super::reply::{ReplyWriter, write_count};
use super::validate::{
    check_duplicate_attributes_to_get, check_key_paths, empty_index_key, empty_key,
    is_empty_scalar, validate_key, validate_key_piece,
};
use super::{Embedded, MAX_PAGE_BYTES, str_field};
use crate::error::DynamoError;
use crate::expr;
use crate::value::{AttributeValue, Item, parse_attribute_value, write_item_json};

impl Embedded {
    pub(crate) fn scan(&self, data: &Value) -> Result<Vec<u8>, DynamoError> {
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

    pub(crate) fn query(&self, data: &Value) -> Result<Vec<u8>, DynamoError> {
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
}

pub(crate) fn parse_start_key(data: &Value) -> Result<Option<Item>, DynamoError> {
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

/// The index named by `IndexName`, and whether whole items must be read (Select ALL_ATTRIBUTES on
/// a local index that does not project everything).
pub(crate) fn resolve_index<'t>(
    t: &'t Table,
    data: &Value,
) -> Result<(Option<&'t Index>, bool), DynamoError> {
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
pub(crate) fn start_key_names(t: &Table, index: Option<&Index>) -> Vec<String> {
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

pub(crate) fn validate_index_start_key(idx: &Index, esk: &Item) -> Result<(), DynamoError> {
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

pub(crate) fn validate_table_start_key(t: &Table, esk: &Item) -> Result<(), DynamoError> {
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
pub(crate) enum View<'t> {
    Table(&'t BTreeMap<String, Stored>),
    Index {
        entries: &'t BTreeMap<String, IndexEntry>,
        /// The table's items, when whole items are read.
        full: Option<&'t BTreeMap<String, Stored>>,
    },
}

pub(crate) type ViewIter<'t> = Box<dyn DoubleEndedIterator<Item = (&'t String, &'t Stored)> + 't>;

impl<'t> View<'t> {
    pub(crate) fn range(&self, bounds: (Bound<&String>, Bound<&String>)) -> ViewIter<'t> {
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

pub(crate) fn read_view<'t>(t: &'t Table, index: Option<&'t Index>, full: bool) -> View<'t> {
    match index {
        None => View::Table(&t.items.map),
        Some(idx) => View::Index {
            entries: &idx.entries,
            full: full.then_some(&t.items.map),
        },
    }
}

/// One page of a Query or Scan: stop before the next item once `Limit` items were evaluated or the
/// 1 MB read budget is spent; the filter applies after the read, so `Count` ≤ `ScannedCount`.
/// The reply is written straight into bytes, items copied from their stored JSON.
pub(crate) fn page<'a>(
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
