//! The one entry point every reader of a document uses before anything else looks at it:
//! CloudFormation intrinsic functions resolved (on the tree as written), then Swagger 2.0
//! converted to OpenAPI 3.0. A plain OpenAPI 3.0 document comes back equal to the input.

use indexmap::IndexMap;
use serde_json::Value;

use crate::error::SpecError;
use crate::intrinsics::{self, Values};
use crate::swagger2::{self, Converted};

/// A document ready for the loader.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    /// OpenAPI 3.0 with no intrinsic functions left (unless resolving one failed: then an
    /// error is in `problems` and the intrinsic is left as written).
    pub document: Value,
    /// Problems of both steps, in order; every pointer is into the document as written.
    pub problems: Vec<SpecError>,
    /// The conversion, when the document was Swagger 2.0 (for [`Normalized::original_pointer`]).
    pub swagger: Option<Converted>,
}

impl Normalized {
    /// The pointer in the document as written of the node at pointer `p` of
    /// [`Normalized::document`], so an error found later gets the source's line:column.
    /// (Intrinsics keep pointers, except that `Ref: AWS::NoValue` in a list shifts the items
    /// after it.)
    pub fn original_pointer(&self, p: &str) -> String {
        match &self.swagger {
            Some(c) => c.original_pointer(p),
            None => p.to_string(),
        }
    }
}

/// Resolve intrinsics (values: `explicit`, then the defaults of the document's
/// `x-deploy-parameters`, then [`intrinsics::LOCAL_DEFAULTS`]), then convert Swagger 2.0.
pub fn normalize(raw: &Value, file: &str, explicit: &IndexMap<String, String>) -> Normalized {
    let (document, mut problems) = if intrinsics::contains_intrinsic(raw) {
        let values = Values::from_document(raw, explicit);
        intrinsics::resolve(raw, &values, file)
    } else {
        (raw.clone(), Vec::new())
    };
    if document.get("swagger").is_none() {
        return Normalized {
            document,
            problems,
            swagger: None,
        };
    }
    let converted = swagger2::convert(&document, file);
    problems.extend(converted.problems.iter().cloned());
    Normalized {
        document: converted.document.clone(),
        problems,
        swagger: Some(converted),
    }
}
