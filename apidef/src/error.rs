//! The one error type of the `apidef` crate: every error names the file, the JSON pointer of the
//! offending node and, where the source position is known, its line:column.

use std::fmt;

/// Where in the document a problem is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    /// The file the document was read from (or the name given to [`crate::Api::from_str_with`]).
    pub file: String,
    /// RFC 6901 JSON pointer of the offending node (`""` is the whole document).
    pub pointer: String,
    /// 1-based line and column in the source text, when known.
    pub line_col: Option<(usize, usize)>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((line, col)) = self.line_col {
            write!(f, ":{line}:{col}")?;
        }
        if !self.pointer.is_empty() {
            write!(f, " at {}", self.pointer)?;
        }
        Ok(())
    }
}

/// What is wrong. Each variant is one kind of problem, so tests (and users' tools) can match on it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ErrorKind {
    #[error("cannot read the file: {0}")]
    Io(String),
    #[error("not valid YAML: {0}")]
    Yaml(String),
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("duplicate key {0:?}: a later value would silently replace an earlier one")]
    DuplicateKey(String),
    #[error("the document must be an object")]
    NotAnObject,
    #[error("missing the `openapi` version field")]
    MissingVersion,
    #[error(
        "OpenAPI {0} is not supported: API Gateway REST APIs and this toolkit take OpenAPI 3.0.x"
    )]
    UnsupportedVersion(String),
    #[error("not a valid OpenAPI 3.0 document: {0}")]
    InvalidOpenApi(String),
    #[error("unresolvable $ref {0:?}")]
    UnknownRef(String),
    #[error("$ref cycle through {0:?}")]
    RefCycle(String),
    #[error("only local $refs (#/...) are supported, found {0:?}")]
    ExternalRef(String),
    #[error("invalid {extension}: {message}")]
    InvalidExtension { extension: String, message: String },
    #[error("unknown field {field:?} in {extension}; expected one of: {expected}")]
    UnknownField {
        extension: String,
        field: String,
        expected: String,
    },
    #[error("missing field {field:?} in {extension}")]
    MissingField { extension: String, field: String },
    #[error("unknown project extension {0:?}")]
    UnknownProjectExtension(String),
    #[error("the placeholder ${{{0}}} names no declared deploy parameter")]
    UnknownPlaceholder(String),
    #[error("--param {0}: no deploy parameter of that name is declared in x-deploy-parameters")]
    UnknownParameter(String),
    #[error(
        "integration statusCode {status:?} is not declared in the operation's responses (declared: {declared})"
    )]
    UndeclaredStatusCode { status: String, declared: String },
    #[error("selection pattern {pattern:?} does not compile as a Java regex: {message}")]
    BadSelectionPattern { pattern: String, message: String },
    #[error("{what} template does not parse: {message}")]
    BadTemplate { what: String, message: String },
    #[error("unsupported integration: {0}")]
    UnsupportedIntegration(String),
    #[error("duplicate operationId {0:?}")]
    DuplicateOperationId(String),
    #[error("invalid path template: {0}")]
    BadPath(String),
    #[error("unknown request validator {0:?} (declared: {1})")]
    UnknownValidator(String, String),
    #[error("invalid schema: {0}")]
    BadSchema(String),
    /// A CloudFormation intrinsic function (`Fn::Sub`, `Ref`, `Fn::GetAtt`, `Fn::Join`,
    /// `Fn::ImportValue`, ...) inside the document that cannot be resolved locally.
    #[error("cannot resolve {function}: {message}")]
    Intrinsic { function: String, message: String },
    /// Something a Swagger 2.0 document says that has no OpenAPI 3.0 equivalent.
    #[error("Swagger 2.0 conversion: {0}")]
    Swagger(String),
    /// The document relies on something AWS accepts but that this toolkit reads differently or
    /// more strictly; the message says what AWS does (always a warning).
    #[error("{0}")]
    Tolerated(String),
}

/// How bad a problem is: an error stops the document from loading (AWS would refuse it too, or
/// it cannot be executed faithfully); a warning is reported and the document still loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Severity {
    #[default]
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// An error in a spec document.
///
/// A document with several problems fails with its first error; the others, errors and
/// warnings, in document order, are in [`SpecError::also`], and `Display` prints them all, one
/// per line, so one run names everything to fix.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecError {
    pub location: Location,
    pub kind: ErrorKind,
    pub severity: Severity,
    /// The document's other problems, when this is the first of several.
    pub also: Vec<SpecError>,
}

impl std::error::Error for SpecError {}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Warning => "warning: ",
            Severity::Error => "",
        };
        write!(f, "{}: {severity}{}", self.location, self.kind)?;
        for other in &self.also {
            write!(f, "\n{other}")?;
        }
        Ok(())
    }
}

impl SpecError {
    pub fn new(kind: ErrorKind, file: &str, pointer: impl Into<String>) -> Self {
        SpecError {
            location: Location {
                file: file.to_string(),
                pointer: pointer.into(),
                line_col: None,
            },
            kind,
            severity: Severity::Error,
            also: Vec::new(),
        }
    }

    /// Every problem this error stands for: itself, then [`SpecError::also`].
    pub fn all(&self) -> impl Iterator<Item = &SpecError> {
        std::iter::once(self).chain(self.also.iter())
    }

    /// The number of error-severity problems this error stands for.
    pub fn error_count(&self) -> usize {
        self.all().filter(|e| !e.is_warning()).count()
    }

    /// The same problem as a warning: reported, but the document still loads.
    pub fn warning(mut self) -> Self {
        self.severity = Severity::Warning;
        self
    }

    pub fn is_warning(&self) -> bool {
        self.severity == Severity::Warning
    }

    pub fn at(mut self, line_col: Option<(usize, usize)>) -> Self {
        if self.location.line_col.is_none() {
            self.location.line_col = line_col;
        }
        self
    }
}

/// Append a key to a JSON pointer, escaping `~` and `/` as RFC 6901 requires.
pub fn pointer_push(pointer: &str, key: &str) -> String {
    let escaped = key.replace('~', "~0").replace('/', "~1");
    format!("{pointer}/{escaped}")
}
