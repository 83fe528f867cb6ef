//! `generated/apigateway.json`: the definition `aws apigateway import-rest-api --body
//! fileb://generated/apigateway.json --fail-on-warnings` takes as it is.
//!
//! The transform is in `import_ready` (its module comment lists each rule and why). Deploy
//! parameters are substituted with their defaults or the `--param` values; the pseudo
//! parameters `${AWS::Region}`, `${AWS::AccountId}`, `${AWS::Partition}` stay unless given
//! with `--param`, because `import-rest-api` resolves them to the importing account and region.

use apidef::Api;

use crate::import_ready::{self, Placeholders};
use crate::{Artifact, EmitError, Options};

/// The artifact's path, relative to the workspace root.
pub const PATH: &str = "generated/apigateway.json";

/// Emit `generated/apigateway.json`: pretty JSON (two-space indent), keys in the source's
/// order, a trailing newline.
pub fn emit(api: &Api, options: &Options) -> Result<Artifact, EmitError> {
    let values = import_ready::import_values(api, options)?;
    let doc = import_ready::document(api, Placeholders::Substitute(&values))?;
    let mut text = serde_json::to_string_pretty(&doc).map_err(|e| EmitError::Serialize {
        artifact: PATH.into(),
        message: e.to_string(),
    })?;
    text.push('\n');
    Ok(Artifact::new(PATH, text))
}
