//! `codegen`: the command that ties the toolkit together for one API definition.
//!
//! - `generate` / `check`: every artifact of [`emit`], the docs' examples answered by the local
//!   gateway ([`examples::GatewayRunner`], the one module here that executes the API);
//! - `lint`: the [`lint`] crate's findings;
//! - `import`: a team's existing definition (CloudFormation, SAM, `cdk synth`, Swagger 2.0,
//!   `get-export`) into this project's `openapi.yaml` form.

// `apidef::SpecError` is large; errors are a cold path.
#![allow(clippy::result_large_err)]

pub mod examples;

pub use emit::{
    Artifact, Difference, EmitError, Options, check, load, parse_param, workspace_root, write,
};

/// Run every emitter, the docs' examples through the local gateway.
pub fn generate(api: &apidef::Api, options: &Options) -> Result<Vec<Artifact>, EmitError> {
    let mut runner = examples::GatewayRunner::new(api).map_err(|message| EmitError::Serialize {
        artifact: emit::docs::MD_PATH.to_string(),
        message,
    })?;
    emit::generate(api, options, &mut runner)
}
