//! The harness's one error type: what went wrong (a kind a caller can match on) and where (an
//! operation, a link, a table), so a message can say which part of the document to change.

use std::fmt;

/// What kind of problem stops a property before or while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The generated test no longer matches the document: regenerate it.
    Stale,
    /// The document does not say enough to derive the check (no read link, a key the templates
    /// do not take from the request, an expression OpenAPI does not define).
    Untestable,
    /// The target did not answer or could not be set up.
    Target,
    /// A schema of the document does not compile as draft 4.
    Schema,
}

/// One error, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    /// The operation, link or table it is about (`PUT /orders/{id}`, `link ReadOrder`).
    pub at: String,
    pub message: String,
}

impl Error {
    pub fn new(kind: ErrorKind, at: impl Into<String>, message: impl Into<String>) -> Error {
        Error {
            kind,
            at: at.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.at.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.at, self.message)
        }
    }
}

impl std::error::Error for Error {}
