//! AttributeValue: DynamoDB's typed value (`S`, `N`, `B`, `SS`, `NS`, `BS`, `BOOL`, `NULL`, `L`, `M`),
//! its validation with DynamoDB's messages, its JSON form, and its size.

use std::cmp::Ordering;

use base64::Engine as _;
use indexmap::IndexMap;
use serde_json::{Map, Value};

/// The number of an `N` value (and why a number text was refused): public with the value.
pub use crate::number::{Number, NumberError};

/// One item: attribute name to value, in the order the client sent them.
pub type Item = IndexMap<String, AttributeValue>;

#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    S(String),
    N(Number),
    /// Base64 text exactly as received (already checked to be canonical base64).
    B(String),
    SS(Vec<String>),
    NS(Vec<Number>),
    BS(Vec<String>),
    Bool(bool),
    Null,
    L(Vec<AttributeValue>),
    M(Item),
}

/// The scalar type of a key attribute (`AttributeType` in `AttributeDefinitions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScalarType {
    S,
    N,
    B,
}

impl ScalarType {
    pub(crate) fn parse(s: &str) -> Option<ScalarType> {
        match s {
            "S" => Some(ScalarType::S),
            "N" => Some(ScalarType::N),
            "B" => Some(ScalarType::B),
            _ => None,
        }
    }
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ScalarType::S => "S",
            ScalarType::N => "N",
            ScalarType::B => "B",
        }
    }
}

pub(crate) fn decode_b64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .unwrap_or_default()
}

impl AttributeValue {
    pub fn type_name(&self) -> &'static str {
        match self {
            AttributeValue::S(_) => "S",
            AttributeValue::N(_) => "N",
            AttributeValue::B(_) => "B",
            AttributeValue::SS(_) => "SS",
            AttributeValue::NS(_) => "NS",
            AttributeValue::BS(_) => "BS",
            AttributeValue::Bool(_) => "BOOL",
            AttributeValue::Null => "NULL",
            AttributeValue::L(_) => "L",
            AttributeValue::M(_) => "M",
        }
    }

    pub(crate) fn scalar_type(&self) -> Option<ScalarType> {
        match self {
            AttributeValue::S(_) => Some(ScalarType::S),
            AttributeValue::N(_) => Some(ScalarType::N),
            AttributeValue::B(_) => Some(ScalarType::B),
            _ => None,
        }
    }

    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        let (k, v) = match self {
            AttributeValue::S(s) => ("S", Value::String(s.clone())),
            AttributeValue::N(n) => ("N", Value::String(n.to_plain_string())),
            AttributeValue::B(b) => ("B", Value::String(b.clone())),
            AttributeValue::SS(v) => (
                "SS",
                Value::Array(v.iter().map(|s| Value::String(s.clone())).collect()),
            ),
            AttributeValue::NS(v) => (
                "NS",
                Value::Array(
                    v.iter()
                        .map(|n| Value::String(n.to_plain_string()))
                        .collect(),
                ),
            ),
            AttributeValue::BS(v) => (
                "BS",
                Value::Array(v.iter().map(|s| Value::String(s.clone())).collect()),
            ),
            AttributeValue::Bool(b) => ("BOOL", Value::Bool(*b)),
            AttributeValue::Null => ("NULL", Value::Bool(true)),
            AttributeValue::L(v) => ("L", Value::Array(v.iter().map(|a| a.to_json()).collect())),
            AttributeValue::M(m) => ("M", item_to_json(m)),
        };
        m.insert(k.to_string(), v);
        Value::Object(m)
    }

    /// Ordering used by comparison operators: only between two values of the same scalar type
    /// (DynamoDB compares strings by UTF-8 bytes, binaries as unsigned bytes, numbers numerically).
    pub fn compare_scalar(&self, other: &AttributeValue) -> Option<Ordering> {
        match (self, other) {
            (AttributeValue::S(a), AttributeValue::S(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
            (AttributeValue::N(a), AttributeValue::N(b)) => Some(a.cmp(b)),
            (AttributeValue::B(a), AttributeValue::B(b)) => Some(decode_b64(a).cmp(&decode_b64(b))),
            _ => None,
        }
    }

    /// Equality as DynamoDB's `=`: same type and same value; sets compare as sets.
    pub fn dynamo_eq(&self, other: &AttributeValue) -> bool {
        match (self, other) {
            (AttributeValue::SS(a), AttributeValue::SS(b)) => {
                a.len() == b.len() && a.iter().all(|x| b.contains(x))
            }
            (AttributeValue::BS(a), AttributeValue::BS(b)) => {
                a.len() == b.len() && a.iter().all(|x| b.contains(x))
            }
            (AttributeValue::NS(a), AttributeValue::NS(b)) => {
                a.len() == b.len() && a.iter().all(|x| b.contains(x))
            }
            (AttributeValue::L(a), AttributeValue::L(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.dynamo_eq(y))
            }
            (AttributeValue::M(a), AttributeValue::M(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| b.get(k).is_some_and(|w| v.dynamo_eq(w)))
            }
            _ => self == other,
        }
    }
}

pub fn item_to_json(item: &Item) -> Value {
    let mut m = Map::new();
    for (k, v) in item {
        m.insert(k.clone(), v.to_json());
    }
    Value::Object(m)
}

/// A JSON string literal, escaped exactly as `serde_json` escapes it.
pub(crate) fn write_json_str(out: &mut Vec<u8>, s: &str) {
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// The bytes `item_to_json(item).to_string()` gives, written straight into `out` (no intermediate
/// `serde_json::Value` tree).
pub(crate) fn write_item_json(out: &mut Vec<u8>, item: &Item) {
    out.push(b'{');
    for (i, (k, v)) in item.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_json_str(out, k);
        out.push(b':');
        write_value_json(out, v);
    }
    out.push(b'}');
}

/// The bytes `v.to_json().to_string()` gives.
pub(crate) fn write_value_json(out: &mut Vec<u8>, v: &AttributeValue) {
    fn strings<'a>(out: &mut Vec<u8>, ty: &[u8], list: impl Iterator<Item = &'a str>) {
        out.extend_from_slice(ty);
        out.push(b'[');
        for (i, s) in list.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_json_str(out, s);
        }
        out.extend_from_slice(b"]}");
    }
    match v {
        AttributeValue::S(s) => {
            out.extend_from_slice(br#"{"S":"#);
            write_json_str(out, s);
            out.push(b'}');
        }
        AttributeValue::N(n) => {
            // A plain decimal has no character JSON escapes.
            out.extend_from_slice(br#"{"N":""#);
            out.extend_from_slice(n.to_plain_string().as_bytes());
            out.extend_from_slice(br#""}"#);
        }
        AttributeValue::B(b) => {
            out.extend_from_slice(br#"{"B":"#);
            write_json_str(out, b);
            out.push(b'}');
        }
        AttributeValue::SS(l) => strings(out, br#"{"SS":"#, l.iter().map(String::as_str)),
        AttributeValue::BS(l) => strings(out, br#"{"BS":"#, l.iter().map(String::as_str)),
        AttributeValue::NS(l) => {
            out.extend_from_slice(br#"{"NS":["#);
            for (i, n) in l.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.push(b'"');
                out.extend_from_slice(n.to_plain_string().as_bytes());
                out.push(b'"');
            }
            out.extend_from_slice(b"]}");
        }
        AttributeValue::Bool(b) => out.extend_from_slice(if *b {
            br#"{"BOOL":true}"#
        } else {
            br#"{"BOOL":false}"#
        }),
        AttributeValue::Null => out.extend_from_slice(br#"{"NULL":true}"#),
        AttributeValue::L(l) => {
            out.extend_from_slice(br#"{"L":["#);
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value_json(out, x);
            }
            out.extend_from_slice(b"]}");
        }
        AttributeValue::M(m) => {
            out.extend_from_slice(br#"{"M":"#);
            write_item_json(out, m);
            out.push(b'}');
        }
    }
}

/// Validate one AttributeValue (already type-checked JSON) and convert it.
/// Messages and their order follow DynamoDB (as reproduced by dynalite).
pub fn parse_attribute_value(v: &Value) -> Result<AttributeValue, String> {
    let Some(obj) = v.as_object() else {
        return Err(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
                .to_string(),
        );
    };
    if obj.is_empty() {
        return Err(
            "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
                .to_string(),
        );
    }
    let mut parsed: Option<AttributeValue> = None;
    for (ty, val) in obj {
        let one = match ty.as_str() {
            "S" => AttributeValue::S(val.as_str().unwrap_or_default().to_string()),
            "N" => {
                let s = val.as_str().unwrap_or_default();
                AttributeValue::N(Number::parse(s).map_err(|e| e.message(s))?)
            }
            "B" => AttributeValue::B(val.as_str().unwrap_or_default().to_string()),
            "BOOL" => AttributeValue::Bool(val.as_bool().unwrap_or(false)),
            "NULL" => {
                if val.as_bool() != Some(true) {
                    return Err("One or more parameter values were invalid: Null attribute value types must have the value of true".to_string());
                }
                AttributeValue::Null
            }
            "SS" => {
                let list = strings(val);
                if list.is_empty() {
                    return Err("One or more parameter values were invalid: An string set  may not be empty".to_string());
                }
                if has_duplicate(&list) {
                    return Err(format!(
                        "One or more parameter values were invalid: Input collection [{}] contains duplicates.",
                        list.join(", ")
                    ));
                }
                AttributeValue::SS(list)
            }
            "NS" => {
                let list = strings(val);
                if list.is_empty() {
                    return Err("One or more parameter values were invalid: An number set  may not be empty".to_string());
                }
                let mut nums = Vec::with_capacity(list.len());
                for s in &list {
                    nums.push(Number::parse(s).map_err(|e| e.message(s))?);
                }
                // Duplicates are detected on the normalised numbers (`1` and `1.0` are the same).
                let normalised: Vec<String> = nums.iter().map(|n| n.to_plain_string()).collect();
                if has_duplicate(&normalised) {
                    return Err("Input collection contains duplicates".to_string());
                }
                AttributeValue::NS(nums)
            }
            "BS" => {
                let list = strings(val);
                if list.is_empty() {
                    return Err(
                        "One or more parameter values were invalid: Binary sets should not be empty"
                            .to_string(),
                    );
                }
                if has_duplicate(&list) {
                    return Err(format!(
                        "One or more parameter values were invalid: Input collection [{}]of type BS contains duplicates.",
                        list.join(", ")
                    ));
                }
                AttributeValue::BS(list)
            }
            "M" => {
                let mut m = Item::new();
                if let Some(o) = val.as_object() {
                    for (k, x) in o {
                        m.insert(k.clone(), parse_attribute_value(x)?);
                    }
                }
                AttributeValue::M(m)
            }
            "L" => {
                let mut l = Vec::new();
                if let Some(a) = val.as_array() {
                    for x in a {
                        l.push(parse_attribute_value(x)?);
                    }
                }
                AttributeValue::L(l)
            }
            _ => continue,
        };
        if parsed.is_none() {
            parsed = Some(one);
        }
    }
    if obj.len() > 1 {
        return Err("Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes".to_string());
    }
    parsed.ok_or_else(|| {
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
            .to_string()
    })
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn has_duplicate(list: &[String]) -> bool {
    let mut seen = std::collections::HashSet::new();
    list.iter().any(|s| !seen.insert(s.as_str()))
}

/// Parse a map of AttributeValues (an `Item`, a `Key`, `ExpressionAttributeValues`).
pub fn parse_item(v: Option<&Value>) -> Result<Item, String> {
    let mut out = Item::new();
    if let Some(obj) = v.and_then(Value::as_object) {
        for (k, x) in obj {
            out.insert(k.clone(), parse_attribute_value(x)?);
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Sizes
// ---------------------------------------------------------------------------------------------

/// Bytes of a number as DynamoDB documents it: about one byte per two significant digits plus one.
fn number_size(n: &Number) -> usize {
    if n.is_zero() {
        return 1;
    }
    let digits = n.digits().len();
    let e = n.exponent();
    1 + digits.div_ceil(2)
        + if digits % 2 == 1 || e % 2 != 0 { 0 } else { 1 }
        + usize::from(n.is_negative())
}

/// Item size as documented in "Item sizes and formats" of the DynamoDB Developer Guide
/// (docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html): the UTF-8
/// length of every attribute name plus the size of its value (strings: UTF-8 bytes; binary: raw
/// bytes; numbers: see `number_size`; BOOL and NULL: 1; List and Map: 3 bytes plus 1 byte per
/// element plus the elements).
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(k, v)| k.len() + value_size(v)).sum()
}

pub(crate) fn value_size(v: &AttributeValue) -> usize {
    match v {
        AttributeValue::S(s) => s.len(),
        AttributeValue::B(b) => decode_b64(b).len(),
        AttributeValue::N(n) => number_size(n),
        AttributeValue::SS(l) => l.iter().map(String::len).sum(),
        AttributeValue::BS(l) => l.iter().map(|b| decode_b64(b).len()).sum(),
        AttributeValue::NS(l) => l.iter().map(number_size).sum(),
        AttributeValue::Bool(_) | AttributeValue::Null => 1,
        AttributeValue::L(l) => 3 + l.iter().map(|x| 1 + value_size(x)).sum::<usize>(),
        AttributeValue::M(m) => 3 + m.len() + item_size(m),
    }
}

/// JavaScript string length (UTF-16 code units): dynalite measures strings this way for its
/// page-size estimate, so the 1 MB page boundary is computed with it to land on the same item.
fn js_len(s: &str) -> usize {
    s.encode_utf16().count()
}

fn stored_value_size(v: &AttributeValue, compress: bool) -> usize {
    match v {
        AttributeValue::S(s) => js_len(s),
        AttributeValue::B(b) => decode_b64(b).len(),
        AttributeValue::N(n) => number_size(n),
        AttributeValue::SS(l) => l.iter().map(|s| js_len(s)).sum(),
        AttributeValue::BS(l) => l.iter().map(|b| decode_b64(b).len()).sum(),
        AttributeValue::NS(l) => l.iter().map(number_size).sum(),
        AttributeValue::Bool(_) | AttributeValue::Null => 1,
        AttributeValue::L(l) => {
            3 + l
                .iter()
                .map(|x| 1 + stored_size_with_overhead(x, compress))
                .sum::<usize>()
        }
        AttributeValue::M(m) => 3 + m.len() + stored_map_size(m, compress, None).0,
    }
}

fn stored_size_with_overhead(v: &AttributeValue, compress: bool) -> usize {
    let size = stored_value_size(v, compress);
    if !compress {
        return size;
    }
    match v {
        AttributeValue::S(_) => {
            size + if size < 128 {
                1
            } else if size < 16384 {
                2
            } else {
                3
            }
        }
        AttributeValue::B(_) | AttributeValue::N(_) => size + 1,
        AttributeValue::SS(l) | AttributeValue::BS(l) => size + l.len() + 1,
        AttributeValue::NS(l) => size + l.len() + 1,
        AttributeValue::Null => 0,
        AttributeValue::Bool(_) => 1,
        AttributeValue::L(_) | AttributeValue::M(_) => size,
    }
}

fn stored_map_size(m: &Item, compress: bool, range_key: Option<&str>) -> (usize, usize) {
    let mut range_size = 0;
    let mut sum = 0;
    for (k, v) in m {
        let is_range = range_key == Some(k.as_str());
        let s = stored_size_with_overhead(v, compress && !is_range);
        if compress && is_range {
            range_size = s;
            continue;
        }
        sum += s + if compress { 1 } else { js_len(k) };
    }
    (sum, range_size)
}

/// Bytes an item counts towards the 1 MB limit of one Query or Scan page. DynamoDB does not
/// document the exact accounting; this is the storage-size estimate dynalite uses (its Scan of
/// 300 × ~10 KB items pages 104/104/92), so page boundaries are the same on both backends.
pub(crate) fn page_size(item: &Item, range_key: Option<&str>) -> usize {
    let (size, range_size) = stored_map_size(item, true, range_key);
    2 + size + (1 + (1 + size) / 3072) * (18 + range_size)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn messages() {
        assert_eq!(
            parse_attribute_value(&json!({})).err().as_deref(),
            Some(
                "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
            )
        );
        assert!(
            parse_attribute_value(&json!({"S":"a","N":"1"}))
                .err()
                .unwrap_or_default()
                .contains("more than one datatypes")
        );
        assert_eq!(
            parse_attribute_value(&json!({"N":"x"})).err().as_deref(),
            Some("The parameter cannot be converted to a numeric value: x")
        );
    }

    #[test]
    fn direct_json_equals_value_json() {
        let item = parse_item(Some(&json!({
            "s": {"S": "quote \" back \\ ctl \u{1} \u{7f} nl \n tab \t é ☃ 😀 </script>"},
            "n": {"N": "-0.00120"}, "big": {"N": "1e30"}, "b": {"B": "AAEC"},
            "ss": {"SS": ["a", "b\"c"]}, "ns": {"NS": ["1", "2.5", "-3"]}, "bs": {"BS": ["AA==", "AQ=="]},
            "t": {"BOOL": true}, "f": {"BOOL": false}, "z": {"NULL": true},
            "l": {"L": [{"S": "x"}, {"L": []}, {"M": {}}, {"N": "7"}]},
            "m": {"M": {"k\u{e9}": {"M": {"deep": {"SS": ["q"]}}}, "e": {"S": ""}}},
            "": {"S": "empty name"}
        })))
        .unwrap_or_default();
        assert_eq!(item.len(), 13);
        let mut out = Vec::new();
        write_item_json(&mut out, &item);
        assert_eq!(
            String::from_utf8(out).unwrap_or_default(),
            item_to_json(&item).to_string()
        );
    }

    #[test]
    fn sizes() {
        let item =
            parse_item(Some(&json!({"a": {"S": "hello"}, "n": {"N": "123"}}))).unwrap_or_default();
        assert_eq!(item_size(&item), 1 + 5 + 1 + 3);
    }
}
