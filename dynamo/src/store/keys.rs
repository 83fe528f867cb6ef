//! The storage key: the order in which a table's items are kept, and so scanned and paged.

use crate::number::Number;
use crate::util::md5;
use crate::value::{AttributeValue, decode_b64};

/// Bytes of a number in the binary form DynamoDB-compatible servers hash for partitioning
/// (a base-100 mantissa with a biased exponent byte, complemented for negatives).
pub(crate) fn number_bytes(n: &Number) -> Vec<u8> {
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

pub(crate) fn hex2(v: i64) -> String {
    let s = format!("0{:x}", v);
    s[s.len().saturating_sub(2)..].to_string()
}

/// A sortable text form of a key value: strings and binaries as hex of their bytes, numbers as
/// sign, biased exponent and digits, so that text order is value order.
pub(crate) fn range_str(v: &AttributeValue) -> String {
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
pub(crate) fn key_bytes(v: &AttributeValue) -> Vec<u8> {
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
pub(crate) fn storage_key(hash: Option<&AttributeValue>, range: Option<&AttributeValue>) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

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
