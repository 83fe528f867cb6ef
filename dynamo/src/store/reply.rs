//! Reply building: members in DynamoDB's order (`aws_key_order`), or written straight into bytes
//! (`ReplyWriter`).

use serde_json::{Map, Value};

/// Writes a reply object member by member; members must come in DynamoDB's order (by name).
pub(crate) struct ReplyWriter {
    pub(crate) out: Vec<u8>,
    pub(crate) first: bool,
}

impl ReplyWriter {
    pub(crate) fn new(capacity: usize) -> ReplyWriter {
        let mut out = Vec::with_capacity(capacity);
        out.push(b'{');
        ReplyWriter { out, first: true }
    }

    /// Start member `name`; the caller writes its value into `out`.
    pub(crate) fn member(&mut self, name: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        crate::value::write_json_str(&mut self.out, name);
        self.out.push(b':');
        &mut self.out
    }

    /// A member whose value is a small JSON tree, in DynamoDB's member order.
    pub(crate) fn value(&mut self, name: &str, v: &Value) {
        let mut wrapped = Value::Object(Map::from_iter([(name.to_string(), v.clone())]));
        aws_key_order(&mut wrapped);
        let inner = wrapped.get(name).cloned().unwrap_or(Value::Null);
        let out = self.member(name);
        let _ = serde_json::to_writer(&mut *out, &inner);
    }

    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.out.push(b'}');
        self.out
    }
}

/// DynamoDB writes a reply's members in the order of their names: AWS recorded
/// `{"Count":0,"Items":[],"ScannedCount":0}` for an empty Query (docs/evidence/apigateway-semantics.md
/// §8, LocalStack `test_apigateway_dynamodb`), and the API reference lists every reply's members,
/// and those of `ConsumedCapacity` and `TableDescription`, in that order. A template that passes a
/// reply through byte for byte then gives AWS's bytes. Items (`Item`, `Items`, `Attributes`, keys)
/// keep their attribute order: DynamoDB gives no order for those.
pub(crate) fn aws_key_order(v: &mut Value) {
    pub(crate) fn sort_deep(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.sort_keys();
                m.values_mut().for_each(sort_deep);
            }
            Value::Array(a) => a.iter_mut().for_each(sort_deep),
            _ => {}
        }
    }
    let Value::Object(m) = v else { return };
    m.sort_keys();
    for (k, v) in m.iter_mut() {
        match k.as_str() {
            "ConsumedCapacity" | "ItemCollectionMetrics" | "Table" | "TableDescription" => {
                sort_deep(v)
            }
            _ => {}
        }
    }
}

pub(crate) fn write_count(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(n.to_string().as_bytes());
}
