//! Golden files of the Rust models, the client and the docs: the committed files under
//! `generated/` are exactly what `codegen` generates from `openapi.yaml`
//! (`EXPECTORATE=overwrite cargo test -p codegen --test models_golden` rewrites them). The
//! generated crate itself is compiled by `cargo test`/`clippy` (zero warnings, `-D warnings`).

use std::path::{Path, PathBuf};

use codegen::Options;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn artifacts() -> Vec<codegen::Artifact> {
    let options = Options::default();
    let api = codegen::load(&root().join("openapi.yaml"), &options)
        .unwrap_or_else(|e| panic!("openapi.yaml does not load: {e}"));
    let mut out = vec![emit::models::emit(&api, &options).expect("models")];
    out.extend(emit::client::emit(&api, &options).expect("client"));
    out.extend(
        emit::docs::emit(
            &api,
            &options,
            &mut codegen::examples::GatewayRunner::new(&api).expect("runner"),
        )
        .expect("docs"),
    );
    out
}

#[test]
fn rust_and_docs_are_golden() {
    for a in artifacts() {
        expectorate::assert_contents(root().join(&a.path), a.text());
    }
}

#[test]
fn every_artifact_goes_through_generate() {
    let options = Options::default();
    let api = codegen::load(&root().join("openapi.yaml"), &options).expect("loads");
    let all: Vec<String> = codegen::generate(&api, &options)
        .expect("generate")
        .into_iter()
        .map(|a| a.path)
        .collect();
    for path in [
        "generated/src/lib.rs",
        "generated/src/models.rs",
        "generated/src/client.rs",
        "generated/docs/api.md",
        "generated/docs/index.html",
    ] {
        assert!(all.iter().any(|p| p == path), "{path} is not generated");
    }
}

#[test]
fn docs_are_deterministic_and_show_gateway_responses() {
    let a = artifacts();
    assert_eq!(a, artifacts());
    let md = a
        .iter()
        .find(|x| x.path == emit::docs::MD_PATH)
        .expect("api.md");
    let text = md.text();
    // The examples ran: the stored album comes back, then the second delete is a 404.
    assert!(text.contains("HTTP/1.1 204"), "{text}");
    assert!(text.contains("\"artist\":\"Dream Theater\""), "{text}");
    assert!(text.contains("{\"message\":\"Album not found\",\"type\":\"NotFound\"}"));
    assert!(text.contains("DynamoDB action **PutItem**"));
    assert!(text.contains(
        "aws apigateway import-rest-api --body fileb://generated/apigateway.json --fail-on-warnings"
    ));
    let html = a
        .iter()
        .find(|x| x.path == emit::docs::HTML_PATH)
        .expect("index.html");
    // Self-contained: no script, no external stylesheet, image or font.
    for needle in ["<script", "<link", "src=", "@import", "url("] {
        assert!(!html.text().contains(needle), "index.html has {needle}");
    }
}

/// `generate` may be called inside a Tokio runtime (the docs run the gateway on a thread and
/// runtime of their own).
#[tokio::test]
async fn generate_works_inside_a_runtime() {
    assert!(!artifacts().is_empty());
}
