//! `codegen lint`: static contract checks of the API Gateway mapping templates (VTL) and
//! integrations of an OpenAPI document against its own schemas.
//!
//! The one entry point is [`lint`]: give it the document's text and the name to report it
//! under; it returns a [`Report`], which prints itself for people ([`Report::human`]), for
//! programs ([`Report::json`]) and for code-scanning tools ([`Report::sarif`]).
//!
//! The lint works on the raw YAML/JSON tree, not on `apidef::Api`, so it also runs on documents
//! the `apidef` crate refuses to load: spec's refusal becomes one `spec-load` finding and every
//! other rule still runs. Deploy placeholders (`${TableName}`) are kept in the templates (so
//! line:column are those of the file) and are bound as variables when rendering.
//!
//! # Rules
//!
//! Every finding carries one rule id of [`RULES`] (see the table there for the description of
//! each) and a severity: `error` findings make `codegen lint`, `codegen generate` and
//! `codegen check` exit non-zero, `warning` findings are printed only.
//!
//! # `--format json`
//!
//! A stable shape: one object with the findings in document order and the two counts. Fields
//! that are unknown for a finding are `null`; new fields may be added, none will be removed or
//! renamed.
//!
//! ```json
//! {
//!   "findings": [
//!     {
//!       "rule": "json-injection",
//!       "severity": "error",
//!       "operation": "POST /album",
//!       "template": "request application/json",
//!       "line": 4,
//!       "column": 23,
//!       "file_line": 40,
//!       "file_column": 33,
//!       "message": "..."
//!     }
//!   ],
//!   "errors": 1,
//!   "warnings": 0
//! }
//! ```
//!
//! - `rule`: the rule id; `severity`: `"error"` or `"warning"`;
//! - `operation`: `"METHOD /path"`, or `null` for a document-level finding;
//! - `template`: `"request <content-type>"` or `"response <selection key> <content-type>"`, or
//!   `null` when the finding is not about a template;
//! - `line`, `column`: 1-based, inside the template (`null` when not about a template line);
//! - `file_line`, `file_column`: 1-based, in the document (`null` when unknown);
//! - `message`: one sentence saying what is wrong and what to do.
//!
//! # `--format sarif`
//!
//! SARIF 2.1.0: one run whose `tool.driver.rules` lists every rule of [`RULES`]; each result has
//! `ruleId`, `level` (`error`/`warning`), `message.text` and one location whose
//! `physicalLocation.artifactLocation.uri` is the document and whose `region` has the file's
//! `startLine`/`startColumn` when known; the operation and template are in the result's
//! `properties`.

mod doc;
mod integration;
mod output;
mod render;
mod template;

use serde::Serialize;

/// Severity of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
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

/// One rule: its id, default severity and a one-line description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    pub description: &'static str,
}

const fn rule(id: &'static str, severity: Severity, description: &'static str) -> Rule {
    Rule {
        id,
        severity,
        description,
    }
}

/// Every rule the lint knows.
pub const RULES: &[Rule] = &[
    rule(
        "spec-load",
        Severity::Error,
        "The apidef crate refuses to load the document (the deploy and the local gateway would too).",
    ),
    rule(
        "template-parse",
        Severity::Error,
        "A mapping template does not parse: API Gateway answers `Unable to transform`.",
    ),
    rule(
        "undefined-root",
        Severity::Error,
        "A reference whose root is none of $input, $util, $context, $stageVariables or a variable of the template (e.g. $method, which exists only in parameter mappings); it renders empty.",
    ),
    rule(
        "appsync-helper",
        Severity::Error,
        "An AppSync-only helper ($util.toJson, $util.qr, $util.dynamodb.*, ...) that API Gateway does not have; it renders empty.",
    ),
    rule(
        "unknown-method",
        Severity::Error,
        "A member of $input or $util that API Gateway does not have.",
    ),
    rule(
        "json-injection",
        Severity::Error,
        "Request or DynamoDB data placed inside a JSON string literal without escaping: a quote or backslash breaks the JSON or injects fields.",
    ),
    rule(
        "escape-quote",
        Severity::Error,
        "$util.escapeJavaScript output used in JSON without .replaceAll(\"\\\\'\",\"'\"): it escapes ' as \\', which is not valid JSON.",
    ),
    rule(
        "double-decode",
        Severity::Warning,
        "$util.urlDecode on a path or query parameter, which API Gateway has already decoded (`+` becomes a space, `%25` decodes twice).",
    ),
    rule(
        "undeclared-field",
        Severity::Error,
        "A request template reads a body field that the request schema does not declare, so the validator never checks it.",
    ),
    rule(
        "invalid-json",
        Severity::Error,
        "A template renders output that is not valid JSON (or fails to render) for some schema-valid input.",
    ),
    rule(
        "response-schema",
        Severity::Error,
        "A response template's output has fields its response schema does not declare, or lacks required ones.",
    ),
    rule(
        "no-response-schema",
        Severity::Warning,
        "A success response template renders a body but the method response declares no schema for it.",
    ),
    rule(
        "body-on-204",
        Severity::Error,
        "A 204 No Content response whose template renders a body.",
    ),
    rule(
        "empty-attribute",
        Severity::Error,
        "A request template writes an empty string into a DynamoDB attribute for some schema-valid input (empty key: DynamoDB refuses; absent optional field: stored as \"\").",
    ),
    rule(
        "status-undeclared",
        Severity::Error,
        "An integration response's statusCode (import fails) or a template's responseOverride.status is not declared in the operation's responses.",
    ),
    rule(
        "pattern-invalid",
        Severity::Error,
        "A selection pattern does not compile as a Java regex.",
    ),
    rule(
        "pattern-unmatchable",
        Severity::Error,
        "A selection pattern matches no three-digit status (100..599) as a whole string.",
    ),
    rule(
        "pattern-overlap",
        Severity::Error,
        "Two selection patterns match the same status; which one API Gateway picks is undocumented.",
    ),
    rule(
        "error-to-success",
        Severity::Error,
        "A DynamoDB 4xx/5xx status is mapped to a 2xx method response: the client sees success for a failure.",
    ),
    rule(
        "lossy-error",
        Severity::Warning,
        "The response for DynamoDB's 400 ignores the error body: throttling (a 400) reads as a validation error and the message is lost.",
    ),
    rule(
        "no-default",
        Severity::Warning,
        "The integration has no `default` response: an unmatched status becomes a 500 API_CONFIGURATION_ERROR.",
    ),
    rule(
        "passthrough",
        Severity::Error,
        "passthroughBehavior is not `never`: a request with another Content-Type skips the template and reaches the backend raw.",
    ),
    rule(
        "pagination",
        Severity::Error,
        "A Scan or Query that drops LastEvaluatedKey or cannot take an ExclusiveStartKey: results are silently truncated at 1 MB.",
    ),
    rule(
        "missing-credentials",
        Severity::Error,
        "An AWS integration without `credentials`: API Gateway cannot call the service.",
    ),
    rule(
        "import-refused",
        Severity::Error,
        "Something `aws apigateway import-rest-api` refuses (path segments, `required: []`, undeclared headers or parameters in mappings, AWS_PROXY to DynamoDB).",
    ),
    rule(
        "model-name",
        Severity::Warning,
        "A schema name that is not alphanumeric: API Gateway refuses it as a model name (codegen renames it in the import-ready output).",
    ),
];

/// The description of a rule id.
fn rule_of(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

/// The offending line, for a rustc-style snippet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Snippet {
    /// The line's number as shown (in the file when known, else in the template).
    pub line_number: usize,
    pub text: String,
    /// 1-based character column of the caret in `text`.
    pub column: usize,
    /// Number of carets (at least 1).
    pub width: usize,
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    /// `POST /album`, or `None` for document-level findings.
    pub operation: Option<String>,
    /// `request application/json` / `response 4\d{2} application/json`.
    pub template: Option<String>,
    /// 1-based line and column inside the template.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// 1-based line and column in the document.
    pub file_line: Option<usize>,
    pub file_column: Option<usize>,
    pub message: String,
    #[serde(skip)]
    pub snippet: Option<Snippet>,
}

/// Everything the lint found in one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The name the document was given (its path).
    pub file: String,
    pub findings: Vec<Finding>,
}

impl Report {
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count()
    }

    /// The rule ids reported for one operation (`None`: document-level findings), sorted.
    pub fn rules_for(&self, operation: Option<&str>) -> Vec<&'static str> {
        let mut ids: Vec<&'static str> = self
            .findings
            .iter()
            .filter(|f| f.operation.as_deref() == operation)
            .map(|f| f.rule)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// rustc-style text: one block per finding, then a summary line.
    pub fn human(&self) -> String {
        output::human(self)
    }

    /// The documented JSON shape (see the module docs).
    pub fn json(&self) -> serde_json::Value {
        output::json(self)
    }

    /// A SARIF 2.1.0 log.
    pub fn sarif(&self) -> serde_json::Value {
        output::sarif(self)
    }
}

/// Lint a document: `text` is its YAML or JSON source, `file` the name findings are reported
/// under (a `.json` suffix selects JSON). Never panics; a document that does not even parse
/// yields one `spec-load` finding.
pub fn lint(file: &str, text: &str) -> Report {
    let mut findings = Vec::new();
    // spec's own verdict first: what it refuses, the deploy and the local gateway refuse too.
    if let Err(e) = apidef::Api::from_str_with(text, file, &indexmap::IndexMap::new()) {
        let (file_line, file_column) = match e.location.line_col {
            Some((l, c)) => (Some(l), Some(c)),
            None => (None, None),
        };
        let snippet = file_line.and_then(|l| doc::file_snippet(text, l, file_column, 1));
        findings.push(Finding {
            rule: "spec-load",
            severity: Severity::Error,
            operation: None,
            template: None,
            line: None,
            column: None,
            file_line,
            file_column,
            message: format!(
                "spec refuses the document{}: {}",
                if e.location.pointer.is_empty() {
                    String::new()
                } else {
                    format!(" at {}", e.location.pointer)
                },
                e.kind
            ),
            snippet,
        });
    }
    if let Some(d) = doc::Doc::parse(file, text) {
        integration::check(&d, &mut findings);
        let templates = d.templates();
        let mut rendered = render::Context::new(&d);
        for t in &templates {
            template::check(&d, t, &mut findings);
        }
        rendered.check(&templates, &mut findings);
    }
    // Document order; findings without a position (rare) after the others, stable.
    findings.sort_by_key(|f| {
        (
            f.rule != "spec-load",
            f.file_line.unwrap_or(usize::MAX),
            f.file_column.unwrap_or(usize::MAX),
        )
    });
    Report {
        file: file.to_string(),
        findings,
    }
}
