//! Hostile names (keywords, `gen`, dashes, leading digits, names that collide once cased, names
//! of std types) in `tests/data/naming/openapi.yaml`: the models and client generated from it
//! are golden files beside it, and they are compiled here, as modules of this test, so a bad
//! identifier fails the build. (Compiling them as modules of this test crate needs no separate
//! cargo project and no trybuild: the test's own dev-dependencies are the generated crate's.)

use std::path::{Path, PathBuf};

use serde_json::json;

// Generated output compared byte for byte with what codegen writes: rustfmt must not touch it.
#[rustfmt::skip]
#[allow(dead_code)]
#[path = "data/naming/models.rs"]
mod models;

#[rustfmt::skip]
#[allow(dead_code)]
#[path = "data/naming/client.rs"]
mod client;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/naming")
}

fn api() -> apidef::Api {
    apidef::Api::load(dir().join("openapi.yaml"))
        .unwrap_or_else(|e| panic!("the naming fixture does not load: {e}"))
}

#[test]
fn generated_models_and_client_are_golden() {
    let api = api();
    let options = codegen::Options::default();
    let models = emit::models::emit(&api, &options).expect("models");
    expectorate::assert_contents(dir().join("models.rs"), models.text());
    let client = emit::client::emit(&api, &options)
        .expect("client")
        .into_iter()
        .find(|a| a.path == emit::client::PATH)
        .expect("client.rs");
    expectorate::assert_contents(dir().join("client.rs"), client.text());
}

#[test]
fn keyword_and_hostile_properties_keep_their_json_names() {
    let value = json!({
        "type": "t", "gen": 3, "self": "s", "Self": "S", "crate": "c", "1st": "one",
        "first-name": "a", "first_name": "b", "firstName": "c", "": "empty",
        "ünïcode": "u", "match": "a-b", "tags": ["x"]
    });
    let parsed: models::Type = serde_json::from_value(value.clone()).expect("parses");
    assert_eq!(parsed.r#type, "t");
    assert_eq!(parsed.r#gen, 3);
    assert_eq!(parsed.self_.as_deref(), Some("s"));
    assert_eq!(parsed.r#match, Some(models::TypeMatch::AB));
    assert_eq!(serde_json::to_value(&parsed).expect("serializes"), value);
    // The enum values that collide once cased stay distinct.
    for v in ["a-b", "a_b", "1", "self", ""] {
        let m: models::TypeMatch = serde_json::from_value(json!(v)).expect("enum value");
        assert_eq!(serde_json::to_value(m).expect("serializes"), json!(v));
    }
    // `deny_unknown_fields` and `null` for an optional property are refused, as the schema does.
    assert!(
        serde_json::from_value::<models::Type>(json!({"type": "t", "gen": 1, "x": 1})).is_err()
    );
    assert!(
        serde_json::from_value::<models::Type>(json!({"type": "t", "gen": 1, "self": null}))
            .is_err()
    );
}

#[test]
fn collisions_get_distinct_names() {
    // `type` and `Type`, `album-list` and `AlbumList`, `self` -> `Self_`, `2fast` -> `T2fast`.
    let _: models::Type2 = models::Type2("x".into());
    let _: models::AlbumList = models::AlbumList(vec![models::Type2("y".into())]);
    let _: models::AlbumList2 = models::AlbumList2(vec!["z".into()]);
    let _: models::Self_ = models::Self_ { super_: None };
    let _: models::T2fast = models::T2fast(1);
    let _: models::Option = models::Option { value: None };
    let _: models::String = models::String("s".into());
    let _: models::Result = models::Result(true);
}

#[test]
fn operations_with_colliding_ids_get_distinct_methods() {
    // `create-thing` and `createThing` are both `create_thing` in snake_case.
    let c = client::Client::new("http://127.0.0.1:1");
    let _first = c.create_thing(
        "t",
        "s",
        Some(1),
        None,
        // `url` is also a local of the generated method: the parameter is `url_2`.
        Some("u"),
        None,
        &models::CreateThingRequestBody {
            r#fn: true,
            self_: None,
            nested_object: None,
        },
    );
    let _second = c.create_thing_2("t", "s");
}

#[test]
fn docs_show_raw_html_from_the_document_as_text() {
    let docs = emit::docs::emit(
        &api(),
        &codegen::Options::default(),
        &mut codegen::examples::GatewayRunner::new(&api()).expect("runner"),
    )
    .expect("docs");
    let html = docs
        .iter()
        .find(|a| a.path == emit::docs::HTML_PATH)
        .expect("index.html");
    assert!(html.text().contains("&lt;script&gt;"), "{}", html.text());
    assert!(!html.text().contains("<script"));
    assert!(!html.text().contains("<img"));
    // The page's own anchors survive.
    assert!(html.text().contains("<a id=\"op-create-thing\"></a>"));
}
