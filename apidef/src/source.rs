//! Reading a document's text into an ordered `serde_json::Value`, refusing duplicate keys, plus
//! an index from JSON pointers to line:column so later errors can say where they are.
//!
//! YAML may use CloudFormation's short-form intrinsic tags (`!Ref X`, `!Sub s`, `!GetAtt A.B`,
//! ...); they are read as the long form (`{"Ref": "X"}`, `{"Fn::Sub": "s"}`,
//! `{"Fn::GetAtt": ["A", "B"]}`), which is what a JSON template says and what every reader of the
//! tree understands.

use std::collections::HashMap;

use serde::de::{
    self, Deserialize, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};
use serde_json::{Map, Number, Value};
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::error::{ErrorKind, SpecError, pointer_push};

const DUPLICATE_KEY: &str = "duplicate key ";

/// CloudFormation's short-form tags and the long-form key each stands for.
pub const CLOUDFORMATION_TAGS: &[(&str, &str)] = &[
    ("Ref", "Ref"),
    ("Condition", "Condition"),
    ("Sub", "Fn::Sub"),
    ("GetAtt", "Fn::GetAtt"),
    ("Join", "Fn::Join"),
    ("Select", "Fn::Select"),
    ("Split", "Fn::Split"),
    ("If", "Fn::If"),
    ("Equals", "Fn::Equals"),
    ("Not", "Fn::Not"),
    ("And", "Fn::And"),
    ("Or", "Fn::Or"),
    ("FindInMap", "Fn::FindInMap"),
    ("Base64", "Fn::Base64"),
    ("Cidr", "Fn::Cidr"),
    ("ImportValue", "Fn::ImportValue"),
    ("GetAZs", "Fn::GetAZs"),
    ("Transform", "Fn::Transform"),
    ("Length", "Fn::Length"),
    ("ToJsonString", "Fn::ToJsonString"),
];

/// The long form of a short-form tagged value: `!GetAtt A.B` is `{"Fn::GetAtt": ["A", "B"]}`
/// (the attribute is everything after the first dot); `!GetAZs` with no value is `""`.
fn long_form<E: de::Error>(tag: &str, value: Value) -> Result<Value, E> {
    let Some((_, key)) = CLOUDFORMATION_TAGS.iter().find(|(t, _)| *t == tag) else {
        return Err(E::custom(format!(
            "unknown tag !{tag} (CloudFormation's short forms are {})",
            CLOUDFORMATION_TAGS
                .iter()
                .map(|(t, _)| format!("!{t}"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    };
    let value = match (tag, value) {
        ("GetAtt", Value::String(s)) => match s.split_once('.') {
            Some((resource, attribute)) => Value::Array(vec![
                Value::String(resource.to_string()),
                Value::String(attribute.to_string()),
            ]),
            None => {
                return Err(E::custom(format!(
                    "!GetAtt {s:?} must be Resource.Attribute (or [Resource, Attribute])"
                )));
            }
        },
        ("GetAZs", Value::Null) => Value::String(String::new()),
        // A tagged scalar is a string to CloudFormation (`!Ref 123` names "123").
        (_, v @ (Value::Number(_) | Value::Bool(_))) => Value::String(v.to_string()),
        (_, v) => v,
    };
    let mut m = Map::new();
    m.insert(key.to_string(), value);
    Ok(Value::Object(m))
}

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
    /// serde_yaml presents a tagged node (`!Ref X`) as an enum whose variant is the tag.
    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
        let (tag, variant) = data.variant::<String>()?;
        let StrictValue(value) = variant.newtype_variant()?;
        long_form(&tag, value)
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
    fn cloudformation_short_tags_become_long_form() {
        let text = "\
a: !Ref Table
b: !Sub 'arn:${AWS::Partition}:x'
c: !Sub ['${A}-${B}', {A: !Ref P, B: !GetAtt R.Arn}]
d: !GetAtt Role.Arn
e: !GetAtt [Role, Arn]
f: !GetAtt Db.Endpoint.Address
g: !Join ['', [a, !Ref X]]
h: !Select [0, !Split [',', 'a,b']]
i: !If [Cond, !Ref 'AWS::NoValue', !Not [!Equals [!Ref P, x]]]
j: !And [!Or [!Condition C1, !Condition C2], !Condition C3]
k: !FindInMap [M, !Ref 'AWS::Region', K]
l: !Base64 text
m: !Cidr [10.0.0.0/16, 4, 8]
n: !ImportValue Shared-Table
o: !GetAZs ''
p: !GetAZs
q:
  Fn::Transform: {Name: 'AWS::Include', Parameters: {Location: ./api.yaml}}
r: !Transform {Name: 'AWS::Include', Parameters: {Location: s3://b/k}}
s: !Sub |
  {\"TableName\": \"${T}\"}
t: !Ref 123
";
        let v = parse(text, "t.yaml").unwrap();
        let expected = serde_json::json!({
            "a": {"Ref": "Table"},
            "b": {"Fn::Sub": "arn:${AWS::Partition}:x"},
            "c": {"Fn::Sub": ["${A}-${B}", {"A": {"Ref": "P"}, "B": {"Fn::GetAtt": ["R", "Arn"]}}]},
            "d": {"Fn::GetAtt": ["Role", "Arn"]},
            "e": {"Fn::GetAtt": ["Role", "Arn"]},
            "f": {"Fn::GetAtt": ["Db", "Endpoint.Address"]},
            "g": {"Fn::Join": ["", ["a", {"Ref": "X"}]]},
            "h": {"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]},
            "i": {"Fn::If": ["Cond", {"Ref": "AWS::NoValue"}, {"Fn::Not": [{"Fn::Equals": [{"Ref": "P"}, "x"]}]}]},
            "j": {"Fn::And": [{"Fn::Or": [{"Condition": "C1"}, {"Condition": "C2"}]}, {"Condition": "C3"}]},
            "k": {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "K"]},
            "l": {"Fn::Base64": "text"},
            "m": {"Fn::Cidr": ["10.0.0.0/16", 4, 8]},
            "n": {"Fn::ImportValue": "Shared-Table"},
            "o": {"Fn::GetAZs": ""},
            "p": {"Fn::GetAZs": ""},
            "q": {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "./api.yaml"}}},
            "r": {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://b/k"}}},
            "s": {"Fn::Sub": "{\"TableName\": \"${T}\"}\n"},
            "t": {"Ref": "123"},
        });
        assert_eq!(v, expected);
        // Key order inside and around tagged values is kept.
        let keys: Vec<_> = v["c"]["Fn::Sub"][1]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["A", "B"]);
    }

    #[test]
    fn tagged_values_keep_duplicate_refusal_and_positions() {
        let text = "Resources:\n  A:\n    Uri: !Sub\n      - '${X}'\n      - X: 1\n        X: 2\n";
        let err = parse(text, "t.yaml").unwrap_err();
        assert_eq!(err.kind, ErrorKind::DuplicateKey("X".into()));
        assert!(err.location.line_col.is_some());
        let text = "a: !Sub\n  b: 1\n  b: 2\n";
        assert_eq!(
            parse(text, "t.yaml").unwrap_err().kind,
            ErrorKind::DuplicateKey("b".into())
        );
        let text = "Resources:\n  A:\n    Type: T\n    Properties:\n      Uri: !Ref B\n      Name: !GetAtt C.D\n";
        let pos = Positions::index(text);
        assert_eq!(pos.find("/Resources/A/Properties/Uri"), Some((5, 7)));
        assert_eq!(pos.find("/Resources/A/Properties/Name"), Some((6, 7)));
    }

    #[test]
    fn unknown_tags_and_bad_getatt_are_errors_with_position() {
        let err = parse("a: 1\nb: !Frobnicate x\n", "t.yaml").unwrap_err();
        assert!(
            matches!(&err.kind, ErrorKind::Yaml(m) if m.contains("unknown tag !Frobnicate")),
            "{err:?}"
        );
        assert_eq!(err.location.line_col.map(|p| p.0), Some(2));
        let err = parse("a: !GetAtt NoDot\n", "t.yaml").unwrap_err();
        assert!(matches!(&err.kind, ErrorKind::Yaml(m) if m.contains("Resource.Attribute")));
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
