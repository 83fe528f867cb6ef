//! Key attributes in keys and items: present, of the schema's type, not empty, within DynamoDB's
//! size limits; index key attributes of an item.

use serde_json::Value;

use super::model::{Index, Table};
use crate::error::DynamoError;
use crate::value::{AttributeValue, Item, ScalarType, decode_b64};

pub(crate) fn check_duplicate_attributes_to_get(data: &Value) -> Result<(), DynamoError> {
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

pub(crate) fn key_size_error(v: &AttributeValue, is_hash: bool) -> Option<DynamoError> {
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

pub(crate) fn validate_key_piece(
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

pub(crate) fn is_empty_scalar(v: &AttributeValue) -> bool {
    matches!(v, AttributeValue::S(s) | AttributeValue::B(s) if s.is_empty())
}

/// A `Key` parameter: exactly the key attributes, of the declared types.
pub(crate) fn validate_key(t: &Table, key: &Item) -> Result<(), DynamoError> {
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
pub(crate) fn validate_item_keys(t: &Table, item: &Item) -> Result<(), DynamoError> {
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
pub(crate) fn validate_index_keys(t: &Table, item: &Item, update: bool) -> Result<(), DynamoError> {
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
pub(crate) fn empty_key(name: &str, ty: ScalarType) -> DynamoError {
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
pub(crate) fn empty_index_key(index: &str, key: &str, ty: ScalarType) -> DynamoError {
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
pub(crate) fn check_key_paths(t: &Table, heads: Vec<(String, bool)>) -> Result<(), DynamoError> {
    for kn in t.key_names() {
        if heads.iter().any(|(h, nested)| *nested && *h == kn) {
            return Err(DynamoError::validation(format!(
                "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: {kn}"
            )));
        }
    }
    Ok(())
}
