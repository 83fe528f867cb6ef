//! `emit`: from an [`apidef::Api`], every derived artifact, as bytes.
//!
//! [`generate`] runs every emitter and returns the artifacts (a path relative to the workspace
//! root plus the exact bytes); [`check`] compares them with the files on disk; the binary
//! `codegen` wraps both. Nothing here executes the API: the docs' examples are answered by an
//! [`docs::ExampleRunner`] the caller gives (the `codegen` crate's runs the local gateway), so
//! this crate depends on the definition alone, not on `gateway`, `dynamo` or `tokio`. Each emitter is one module with one public function `emit`:
//!
//! | module | artifact |
//! |---|---|
//! | [`apigateway`] | `generated/apigateway.json`: the import-ready definition for `aws apigateway import-rest-api` |
//! | [`cloudformation`] | `generated/cloudformation.yaml`: the deployable stack |
//! | [`contract_tests`] | `contract-tests/tests/generated.rs`: the property-based contract tests |
//! | [`models`] | `generated/src/models.rs`: a Rust type for every schema |
//! | [`client`] | `generated/src/client.rs` and `generated/src/lib.rs`: the typed async client |
//! | [`docs`] | `generated/docs/api.md` and `generated/docs/index.html`: the API reference |
//!
//! Output is deterministic: keys keep the order of the source document (or a fixed order chosen
//! here), every file ends with a newline, nothing depends on the clock or the machine.

// `apidef::SpecError` is large; errors are a cold path.
#![allow(clippy::result_large_err)]

pub mod apigateway;
pub mod client;
pub mod cloudformation;
pub mod contract_tests;
pub mod docs;
mod import_ready;
pub mod models;
mod rust;

use std::path::{Path, PathBuf};

use indexmap::IndexMap;

/// One generated file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Relative to the workspace root, with `/` separators.
    pub path: String,
    pub contents: Vec<u8>,
}

impl Artifact {
    pub fn new(path: impl Into<String>, contents: impl Into<Vec<u8>>) -> Artifact {
        Artifact {
            path: path.into(),
            contents: contents.into(),
        }
    }

    /// The contents as text (every artifact is UTF-8).
    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.contents).unwrap_or("")
    }
}

/// What a generation run is given besides the document.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--param K=V`: values for `x-deploy-parameters` (and the pseudo parameters
    /// `AWS::Region`, `AWS::AccountId`, `AWS::Partition`), overriding the declared defaults.
    ///
    /// Only the import-ready definition takes them: the CloudFormation stack keeps every
    /// placeholder as a stack parameter or `Fn::Sub` reference, so it is the same for all values.
    pub params: IndexMap<String, String>,
}

/// The one error type of this crate. Every variant says where the problem is.
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    /// The document does not load (the apidef crate names file, pointer and line:column).
    #[error(transparent)]
    Spec(#[from] Box<apidef::SpecError>),
    /// The document uses something a target cannot express; `pointer` is a JSON pointer into it.
    #[error("{file} at {pointer}: {message}")]
    Unsupported {
        file: String,
        pointer: String,
        message: String,
    },
    /// A `--param` that is malformed or names nothing.
    #[error("--param {param}: {message}")]
    Param { param: String, message: String },
    /// Serializing an artifact failed.
    #[error("{artifact}: cannot serialize: {message}")]
    Serialize { artifact: String, message: String },
    /// Reading or writing a file failed.
    #[error("{path}: {message}")]
    Io { path: String, message: String },
}

impl From<apidef::SpecError> for EmitError {
    fn from(e: apidef::SpecError) -> Self {
        EmitError::Spec(Box::new(e))
    }
}

impl EmitError {
    pub(crate) fn unsupported(
        api: &apidef::Api,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let pointer = pointer.into();
        let file = match api.position(&pointer) {
            Some((line, col)) => format!("{}:{line}:{col}", api.file),
            None => api.file.clone(),
        };
        EmitError::Unsupported {
            file,
            pointer,
            message: message.into(),
        }
    }
}

/// Parse one `--param K=V`.
pub fn parse_param(s: &str) -> Result<(String, String), EmitError> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(EmitError::Param {
            param: s.to_string(),
            message: "expected NAME=VALUE".into(),
        }),
    }
}

/// Load a document the way every command does (the apidef crate checks that each `--param`
/// names a declared deploy parameter or a pseudo parameter).
pub fn load(spec_path: &Path, options: &Options) -> Result<apidef::Api, EmitError> {
    Ok(apidef::Api::load_with(spec_path, &options.params)?)
}

/// Run every emitter, in a fixed order; `examples` answers the docs' example requests.
pub fn generate(
    api: &apidef::Api,
    options: &Options,
    examples: &mut dyn docs::ExampleRunner,
) -> Result<Vec<Artifact>, EmitError> {
    let mut artifacts = vec![
        apigateway::emit(api, options)?,
        cloudformation::emit(api, options)?,
    ];
    artifacts.push(models::emit(api, options)?);
    artifacts.extend(client::emit(api, options)?);
    artifacts.extend(docs::emit(api, options, examples)?);
    artifacts.push(contract_tests::emit(api, options)?);
    Ok(artifacts)
}

/// How a file on disk differs from its artifact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    Missing,
    Differs,
}

/// Every artifact whose file under `root` is missing or not byte-identical.
pub fn check(root: &Path, artifacts: &[Artifact]) -> Vec<(String, Difference)> {
    artifacts
        .iter()
        .filter_map(|a| match std::fs::read(root.join(&a.path)) {
            Ok(bytes) if bytes == a.contents => None,
            Ok(_) => Some((a.path.clone(), Difference::Differs)),
            Err(_) => Some((a.path.clone(), Difference::Missing)),
        })
        .collect()
}

/// Write every artifact under `root`, leaving files that are already identical untouched (so
/// their modification times do not change); returns the paths written.
pub fn write(root: &Path, artifacts: &[Artifact]) -> Result<Vec<String>, EmitError> {
    let mut written = Vec::new();
    for (path, _) in check(root, artifacts) {
        let Some(a) = artifacts.iter().find(|a| a.path == path) else {
            continue;
        };
        let target = root.join(&a.path);
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).map_err(|e| EmitError::Io {
                path: dir.display().to_string(),
                message: e.to_string(),
            })?;
        }
        std::fs::write(&target, &a.contents).map_err(|e| EmitError::Io {
            path: target.display().to_string(),
            message: e.to_string(),
        })?;
        written.push(a.path.clone());
    }
    Ok(written)
}

/// The workspace root: the nearest ancestor of `start` (inclusive) whose `Cargo.toml` has a
/// `[workspace]` table, else `start` itself. The binary starts from the current directory, so
/// `cargo run -p codegen` (which runs in the directory it was called from) and an installed
/// `codegen` run anywhere inside the checkout find the same root.
pub fn workspace_root(start: &Path) -> PathBuf {
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(&manifest)
            && text.lines().any(|l| l.trim() == "[workspace]")
        {
            return dir.to_path_buf();
        }
    }
    start.to_path_buf()
}
