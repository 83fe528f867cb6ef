//! The contract-test emitter follows the document: the generated file is valid Rust, has one
//! test per property per operation, and changes when `openapi.yaml` changes (statuses, links,
//! operations).

use std::path::{Path, PathBuf};

use emit::contract_tests;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn load(text: &str) -> apidef::Api {
    apidef::Api::from_str_with(text, "openapi.yaml", &Default::default())
        .unwrap_or_else(|e| panic!("document does not load: {e}"))
}

fn original() -> String {
    std::fs::read_to_string(root().join("openapi.yaml")).expect("openapi.yaml is readable")
}

fn emit(text: &str) -> String {
    let api = load(text);
    let a = contract_tests::emit(&api, &codegen::Options::default()).expect("emits");
    assert_eq!(a.path, contract_tests::PATH);
    a.text().to_string()
}

fn names(text: &str) -> Vec<String> {
    contract_tests::tests(&load(text))
        .into_iter()
        .map(|t| t.name)
        .collect()
}

#[test]
fn one_test_per_property_per_operation() {
    let text = emit(&original());
    syn::parse_file(&text).expect("the generated file is Rust");
    assert_eq!(
        names(&original()),
        [
            "put_album_positive",
            "put_album_negative",
            "put_album_no_server_error",
            "put_album_links",
            "put_album_state_machine",
            "list_albums_positive",
            "list_albums_negative",
            "list_albums_no_server_error",
            "get_album_positive",
            "get_album_no_server_error",
            "delete_album_positive",
            "delete_album_no_server_error",
        ]
    );
    assert!(
        text.contains(r#"links: &["GetAlbum", "DeleteAlbum"]"#),
        "{text}"
    );
    assert!(
        text.contains(r#"statuses: &["204", "400", "415", "429", "500", "503"]"#),
        "{text}"
    );
    assert!(
        text.starts_with("//! Contract tests of `openapi.yaml`"),
        "{text}"
    );
}

#[test]
fn tests_follow_the_document() {
    let doc = original();
    // A new documented status is in the expectations.
    let with_409 = doc.replacen(
        "        '415':\n          $ref: '#/components/responses/UnsupportedMediaType'",
        "        '409':\n          $ref: '#/components/responses/BadRequest'\n        '415':\n          $ref: '#/components/responses/UnsupportedMediaType'",
        1,
    );
    assert_ne!(with_409, doc);
    assert!(emit(&with_409).contains(r#""204", "400", "409", "415""#));

    // Without links there is nothing to derive a stateful test from.
    let start = doc.find("          links:\n").expect("putAlbum has links");
    let end = doc[start..]
        .find("        '400':")
        .map(|i| start + i)
        .expect("links end");
    let no_links = format!("{}{}", &doc[..start], &doc[end..]);
    let n = names(&no_links);
    assert!(
        !n.iter()
            .any(|t| t.ends_with("_links") || t.ends_with("_state_machine")),
        "{n:?}"
    );

    // A renamed operation renames its tests.
    let renamed = doc.replace("operationId: listAlbums", "operationId: scanAlbums");
    let n = names(&renamed);
    assert!(n.contains(&"scan_albums_positive".to_string()), "{n:?}");
    assert!(!n.iter().any(|t| t.starts_with("list_albums")), "{n:?}");
}

#[test]
fn generated_file_is_up_to_date() {
    let on_disk = std::fs::read_to_string(root().join(contract_tests::PATH))
        .expect("contract-tests/tests/generated.rs exists");
    assert_eq!(
        on_disk,
        emit(&original()),
        "stale: run `cargo run -p codegen -- generate`"
    );
}
