//! Reading a document's text into an ordered `serde_json::Value`, refusing duplicate keys, plus
//! an index from JSON pointers to line:column so later errors can say where they are.

use std::collections::HashMap;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::error::{ErrorKind, SpecError, pointer_push};

const DUPLICATE_KEY: &str = "duplicate key ";

/// A `serde_json::Value` built by a visitor that refuses duplicate map keys. serde_yaml (and
/// serde_json) keep the last of two equal keys silently; for an API definition that would lose a
/// method or a response without a word, so the duplicate is an error, with the parser's position.
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML or JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom(format!("the number {v} cannot be represented in JSON")))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        StrictValue::deserialize(d).map(|v| v.0)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(StrictValue(key)) = map.next_key()? {
            // YAML allows non-string keys (`200:`); OpenAPI means them as strings.
            let key = match key {
                Value::String(s) => s,
                Value::Null => "null".to_string(),
                other => other.to_string(),
            };
            let StrictValue(value) = map.next_value()?;
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!("{DUPLICATE_KEY}{key:?}")));
            }
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// Parse a document. JSON when the name ends in `.json` or the text starts with `{`, else YAML.
pub fn parse(text: &str, file: &str) -> Result<Value, SpecError> {
    let is_json = file.ends_with(".json") || text.trim_start().starts_with('{');
    if is_json {
        let mut de = serde_json::Deserializer::from_str(text);
        let value = StrictValue::deserialize(&mut de)
            .and_then(|v| de.end().map(|_| v))
            .map_err(|e| {
                let msg = e.to_string();
                let kind = duplicate_key(&msg).unwrap_or_else(|| ErrorKind::Json(strip_pos(&msg)));
                SpecError::new(kind, file, "").at(Some((e.line(), e.column())))
            })?;
        Ok(value.0)
    } else {
        let de = serde_yaml::Deserializer::from_str(text);
        let value = StrictValue::deserialize(de).map_err(|e| {
            let msg = e.to_string();
            let kind = duplicate_key(&msg).unwrap_or_else(|| ErrorKind::Yaml(strip_pos(&msg)));
            let pos = e.location().map(|l| (l.line(), l.column()));
            SpecError::new(kind, file, "").at(pos)
        })?;
        Ok(value.0)
    }
}

fn duplicate_key(msg: &str) -> Option<ErrorKind> {
    let start = msg.find(DUPLICATE_KEY)? + DUPLICATE_KEY.len();
    let rest = &msg[start..];
    // The key was written with {:?}; take the quoted part.
    let key = if let Some(stripped) = rest.strip_prefix('"') {
        let end = stripped.find("\" at ").or_else(|| stripped.rfind('"'))?;
        stripped[..end].to_string()
    } else {
        rest.split_whitespace().next()?.to_string()
    };
    Some(ErrorKind::DuplicateKey(key))
}

/// Parser messages end with their own " at line X column Y"; the location is reported separately.
fn strip_pos(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// JSON pointer -> 1-based (line, column) of the node (for a map entry, of its key).
#[derive(Debug, Default, Clone)]
pub struct Positions {
    map: HashMap<String, (usize, usize)>,
    /// Map keys seen twice at the same pointer, in document order.
    duplicates: Vec<(String, (usize, usize))>,
}

impl Positions {
    /// Build the index from the source text. YAML is a superset of JSON, so one event parser
    /// serves both. When the text does not parse, the index is empty (the parse error itself
    /// carries its position).
    pub fn index(text: &str) -> Positions {
        let mut recv = Indexer::default();
        let mut parser = Parser::new_from_str(text);
        if parser.load(&mut recv, false).is_err() {
            return Positions::default();
        }
        Positions {
            map: recv.map,
            duplicates: recv.duplicates,
        }
    }

    /// Position of the first repeated map key named `key`.
    pub fn duplicate(&self, key: &str) -> Option<(usize, usize)> {
        let suffix = crate::error::pointer_push("", key);
        self.duplicates
            .iter()
            .find(|(p, _)| p.ends_with(&suffix))
            .map(|(_, pos)| *pos)
    }

    /// Position of `pointer`, or of its nearest ancestor that has one.
    pub fn find(&self, pointer: &str) -> Option<(usize, usize)> {
        let mut p = pointer;
        loop {
            if let Some(pos) = self.map.get(p) {
                return Some(*pos);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }
}

enum Frame {
    Map {
        pointer: String,
        pending_key: Option<String>,
    },
    Seq {
        pointer: String,
        next: usize,
    },
}

#[derive(Default)]
struct Indexer {
    stack: Vec<Frame>,
    map: HashMap<String, (usize, usize)>,
    duplicates: Vec<(String, (usize, usize))>,
    done: bool,
}

impl Indexer {
    /// The pointer of the node that starts now, advancing the parent's state.
    fn child_pointer(&mut self, scalar_key: Option<&str>, mark: Marker) -> Option<String> {
        let pos = (mark.line(), mark.col() + 1);
        match self.stack.last_mut() {
            None => {
                self.map.entry(String::new()).or_insert(pos);
                Some(String::new())
            }
            Some(Frame::Seq { pointer, next }) => {
                let p = format!("{pointer}/{next}");
                *next += 1;
                self.map.entry(p.clone()).or_insert(pos);
                Some(p)
            }
            Some(Frame::Map {
                pointer,
                pending_key,
            }) => match pending_key.take() {
                None => {
                    // This node is a key. Record the entry's position at the key.
                    if let Some(k) = scalar_key {
                        let p = pointer_push(pointer, k);
                        if self.map.contains_key(&p) {
                            self.duplicates.push((p.clone(), pos));
                        }
                        self.map.entry(p).or_insert(pos);
                        *pending_key = Some(k.to_string());
                    } else {
                        *pending_key = Some(String::from("?"));
                    }
                    None
                }
                Some(k) => Some(pointer_push(pointer, &k)),
            },
        }
    }
}

impl MarkedEventReceiver for Indexer {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.done {
            return;
        }
        match ev {
            Event::Scalar(value, ..) => {
                self.child_pointer(Some(&value), mark);
            }
            Event::Alias(_) => {
                self.child_pointer(Some(""), mark);
            }
            Event::MappingStart(..) => {
                let p = self.child_pointer(None, mark);
                self.stack.push(Frame::Map {
                    pointer: p.unwrap_or_else(|| "/?".into()),
                    pending_key: None,
                });
            }
            Event::SequenceStart(..) => {
                let p = self.child_pointer(None, mark);
                self.stack.push(Frame::Seq {
                    pointer: p.unwrap_or_else(|| "/?".into()),
                    next: 0,
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            Event::DocumentEnd => self.done = true,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_duplicate_key_is_an_error_with_position() {
        let text = "a: 1\nb:\n  c: 1\n  c: 2\n";
        let err = parse(text, "x.yaml").unwrap_err();
        assert_eq!(err.kind, ErrorKind::DuplicateKey("c".into()));
        assert!(err.location.line_col.is_some());
        assert_eq!(Positions::index(text).duplicate("c"), Some((4, 3)));
    }

    #[test]
    fn json_duplicate_key_is_an_error() {
        let err = parse(r#"{"a": 1, "a": 2}"#, "x.json").unwrap_err();
        assert_eq!(err.kind, ErrorKind::DuplicateKey("a".into()));
    }

    #[test]
    fn unquoted_status_keys_become_strings_and_order_is_kept() {
        let v = parse("z: 1\n200: ok\na: 2\n", "x.yaml").unwrap();
        let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["z", "200", "a"]);
    }

    #[test]
    fn positions_of_nested_keys() {
        let text = "paths:\n  /a:\n    get:\n      responses: {}\nlist:\n  - x\n  - y: 1\n";
        let pos = Positions::index(text);
        assert_eq!(pos.find("/paths/~1a/get"), Some((3, 5)));
        assert_eq!(pos.find("/list/1/y"), Some((7, 5)));
        // Unknown children fall back to the nearest ancestor.
        assert_eq!(pos.find("/paths/~1a/get/nothing/here"), Some((3, 5)));
    }
}
