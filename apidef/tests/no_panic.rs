//! Random and mutated documents never panic the loader: they load or give an error.

use indexmap::IndexMap;
use proptest::prelude::*;
use serde_json::Value;

fn source() -> Value {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml")).unwrap();
    let api = apidef::Api::from_str_with(&text, "openapi.yaml", &IndexMap::new()).unwrap();
    api.raw
}

/// Visit nodes in document order; call `f` on the `target`-th one (modulo the node count).
fn mutate(v: &mut Value, target: usize, f: &dyn Fn(&mut Value)) {
    fn count(v: &Value) -> usize {
        1 + match v {
            Value::Array(a) => a.iter().map(count).sum(),
            Value::Object(o) => o.values().map(count).sum(),
            _ => 0,
        }
    }
    fn walk(v: &mut Value, n: &mut usize, f: &dyn Fn(&mut Value)) -> bool {
        if *n == 0 {
            f(v);
            return true;
        }
        *n -= 1;
        match v {
            Value::Array(a) => a.iter_mut().any(|x| walk(x, n, f)),
            Value::Object(o) => o.values_mut().any(|x| walk(x, n, f)),
            _ => false,
        }
    }
    let total = count(v);
    let mut n = target % total;
    walk(v, &mut n, f);
}

fn replacement() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        ".{0,40}".prop_map(Value::String),
        Just(Value::String("#if(".into())),
        Just(Value::String("${Unknown}".into())),
        Just(Value::String("${AWS::Nope}".into())),
        Just(Value::String("#/components/schemas/Nope".into())),
        Just(serde_json::json!({"$ref": "#/components/schemas/Album"})),
        Just(serde_json::json!({"$ref": "#/paths"})),
        Just(serde_json::json!({"$ref": "#"})),
        Just(serde_json::json!([])),
        Just(serde_json::json!({})),
        Just(serde_json::json!([[[[[[[[[[{}]]]]]]]]]])),
    ]
}

#[derive(Debug, Clone)]
enum Mutation {
    Replace(usize, Value),
    RemoveKey(usize, usize),
    RenameKey(usize, usize, String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), replacement()).prop_map(|(i, v)| Mutation::Replace(i, v)),
        (any::<usize>(), any::<usize>()).prop_map(|(i, k)| Mutation::RemoveKey(i, k)),
        (any::<usize>(), any::<usize>(), "[a-zA-Z/{}$x-]{0,12}")
            .prop_map(|(i, k, s)| Mutation::RenameKey(i, k, s)),
    ]
}

fn apply(doc: &mut Value, m: &Mutation) {
    match m {
        Mutation::Replace(i, v) => mutate(doc, *i, &|x| *x = v.clone()),
        Mutation::RemoveKey(i, k) => mutate(doc, *i, &|x| {
            if let Value::Object(o) = x
                && !o.is_empty()
            {
                let key = o.keys().nth(k % o.len()).cloned().unwrap_or_default();
                o.shift_remove(&key);
            }
        }),
        Mutation::RenameKey(i, k, name) => mutate(doc, *i, &|x| {
            if let Value::Object(o) = x
                && !o.is_empty()
            {
                let key = o.keys().nth(k % o.len()).cloned().unwrap_or_default();
                if let Some(v) = o.shift_remove(&key) {
                    o.insert(name.clone(), v);
                }
            }
        }),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(text in any::<Vec<u8>>().prop_map(|b| String::from_utf8_lossy(&b).into_owned())) {
        let _ = apidef::Api::from_str_with(&text, "random.yaml", &IndexMap::new());
        let _ = apidef::Api::from_str_with(&text, "random.json", &IndexMap::new());
    }

    #[test]
    fn yaml_like_text_never_panics(text in "(openapi: 3.0.[0-9]\n|paths:\n|  /[a-z{}]{0,6}:\n|    get:\n|      x-amazon-apigateway-integration: \\{\\}\n| &a x\n| \\*a\n|[ :\\-\\[\\]{}#'\"]{0,3}\n){0,30}") {
        let _ = apidef::Api::from_str_with(&text, "gen.yaml", &IndexMap::new());
    }

    #[test]
    fn mutated_documents_never_panic(mutations in proptest::collection::vec(mutation(), 1..6)) {
        let mut doc = source();
        for m in &mutations {
            apply(&mut doc, m);
        }
        let json = serde_json::to_string(&doc).unwrap();
        let _ = apidef::Api::from_str_with(&json, "mutated.json", &IndexMap::new());
        let yaml = serde_yaml::to_string(&doc).unwrap();
        let _ = apidef::Api::from_str_with(&yaml, "mutated.yaml", &IndexMap::new());
    }
}

#[test]
fn deeply_nested_and_alias_bombs_are_errors_not_crashes() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(apidef::Api::from_str_with(&deep, "deep.json", &IndexMap::new()).is_err());
    let deep_yaml = format!("a: {}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert!(apidef::Api::from_str_with(&deep_yaml, "deep.yaml", &IndexMap::new()).is_err());
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 0..9 {
        let prev = if i == 0 {
            "a".to_string()
        } else {
            format!("b{}", i - 1)
        };
        bomb.push_str(&format!("b{i}: &b{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    assert!(apidef::Api::from_str_with(&bomb, "bomb.yaml", &IndexMap::new()).is_err());
}
