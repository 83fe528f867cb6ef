//! `codegen lint`: static contract checks of the API Gateway mapping templates (VTL) and
//! integrations of an OpenAPI document against its own schemas.
//!
//! The entry points are [`lint`] and [`lint_with`] (with a command line's [`Config`]): give it
//! the document's text and the name to report it under; it returns a [`Report`], which prints
//! itself for people ([`Report::human`]), for programs ([`Report::json`]) and for code-scanning
//! tools ([`Report::sarif`]).
//!
//! The lint works on the YAML/JSON tree (after `apidef::normalize`: CloudFormation intrinsics
//! resolved, Swagger 2.0 converted), not on `apidef::Api`, so it also runs on documents the
//! `apidef` crate refuses to load: spec's refusal becomes one `spec-load` finding and every
//! other rule still runs. Deploy placeholders (`${TableName}`) are kept in the templates (so
//! line:column are those of the file) and are bound as variables when rendering.
//!
//! # Allow and deny
//!
//! `x-lint: {allow: [rule, {rule: id, reason: "..."}]}` at the document's root or inside an
//! operation object allows findings of those rules (there); [`Config::allow`] allows them
//! everywhere and [`Config::deny`] makes them errors, overriding every allow. Allowed findings
//! stay in the report with [`Finding::allowed`] set and are not counted by [`Report::errors`]
//! and [`Report::warnings`]. One defect is one finding: see [`SUPERSEDES`].
//!
//! # Rules
//!
//! Every finding carries one rule id of [`RULES`] (see the table there for the description of
//! each) and a severity: `error` findings make `codegen lint`, `codegen generate` and
//! `codegen check` exit non-zero, `warning` findings are printed only.
//!
//! # `--format json`
//!
//! A stable shape: one object with the findings in document order and the three counts. Fields
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
//!       "message": "...",
//!       "allowed": false,
//!       "allow_reason": null
//!     }
//!   ],
//!   "errors": 1,
//!   "warnings": 0,
//!   "allowed": 0
//! }
//! ```
//!
//! - `rule`: the rule id; `severity`: `"error"` or `"warning"`;
//! - `operation`: `"METHOD /path"`, or `null` for a document-level finding;
//! - `template`: `"request <content-type>"`, `"response <selection key> <content-type>"` or
//!   `"gateway-response <response type> <content-type>"`, or `null` when the finding is not
//!   about a template;
//! - `line`, `column`: 1-based, inside the template (`null` when not about a template line);
//! - `file_line`, `file_column`: 1-based, in the document (`null` when unknown);
//! - `message`: one sentence saying what is wrong and what to do;
//! - `allowed`: an `x-lint` entry or [`Config::allow`] allowed it; `allow_reason`: the entry's
//!   `reason`, or `null`;
//! - `errors`, `warnings`: the findings not allowed; `allowed`: the others.
//!
//! # `--format sarif`
//!
//! SARIF 2.1.0: one run whose `tool.driver.rules` lists every rule of [`RULES`]; each result has
//! `ruleId`, `level` (`error`/`warning`), `message.text` and one location whose
//! `physicalLocation.artifactLocation.uri` is the document and whose `region` has the file's
//! `startLine`/`startColumn` when known; the operation and template are in the result's
//! `properties`; an allowed finding has a `suppressions` entry (`kind` `inSource` for `x-lint`,
//! `external` for [`Config::allow`], `justification` the reason).

mod allow;
mod doc;
mod integration;
mod output;
mod regex_safety;
mod render;
mod reply_shapes;
mod stored;
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
        "Request or DynamoDB data placed inside a JSON string literal without escaping (or request data spliced bare): a quote or backslash breaks the JSON or injects fields. Values a body validator or a `.matches()` check guarantees safe are trusted (below).",
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
        "The response for DynamoDB's 400 renders a fixed body (its template reads nothing of `$input`; no template passes the body through): throttling (a 400) reads as a validation error and the message is lost.",
    ),
    rule(
        "no-default",
        Severity::Warning,
        "The integration has no `default` response and a status the backend can answer (DynamoDB: 200, 4xx, 5xx) matches no pattern: it becomes a 500 API_CONFIGURATION_ERROR.",
    ),
    rule(
        "passthrough",
        Severity::Error,
        "passthroughBehavior lets a request body skip the mapping template: WHEN_NO_MATCH (also the default) for a Content-Type without a template; WHEN_NO_TEMPLATES only when a DynamoDB integration has no template at all (with templates it answers 415, like NEVER).",
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
    rule(
        "lint-config",
        Severity::Error,
        "An `x-lint` entry or a command-line allow/deny names no rule of the lint, or `x-lint` is malformed.",
    ),
];

/// One defect, one finding: `(cause, symptom)` pairs. A `symptom` finding of a template that
/// only hostile input strings produce (quotes, backslashes, `'`, control characters) is dropped
/// when the same template has a `cause` finding: the unescaped value that json-injection (or the
/// `\'` that escape-quote) points at is what breaks the JSON, and its finding says where.
pub const SUPERSEDES: &[(&str, &str)] = &[
    ("json-injection", "invalid-json"),
    ("escape-quote", "invalid-json"),
];

/// Apply [`SUPERSEDES`].
fn one_finding_per_defect(findings: &mut Vec<Finding>) {
    let causes: Vec<(&'static str, Option<String>, Option<String>)> = findings
        .iter()
        .map(|f| (f.rule, f.operation.clone(), f.template.clone()))
        .collect();
    findings.retain(|f| {
        !(f.hostile_only
            && SUPERSEDES.iter().any(|(cause, symptom)| {
                *symptom == f.rule
                    && causes.iter().any(|(r, o, t)| {
                        r == cause && *o == f.operation && *t == f.template && t.is_some()
                    })
            }))
    });
}

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
    /// `request application/json` / `response 4\d{2} application/json` /
    /// `gateway-response BAD_REQUEST_BODY application/json`.
    pub template: Option<String>,
    /// 1-based line and column inside the template.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// 1-based line and column in the document.
    pub file_line: Option<usize>,
    pub file_column: Option<usize>,
    pub message: String,
    /// Allowed by `x-lint` or [`Config::allow`]: kept in the report, not counted.
    pub allowed: bool,
    /// Why, when the `x-lint` entry says.
    pub allow_reason: Option<String>,
    /// Who allowed it.
    pub allowed_by: Option<AllowedBy>,
    #[serde(skip)]
    pub snippet: Option<Snippet>,
    /// The finding disappears when the input strings hold no quote, backslash, `'` or control
    /// character: the symptom of an escaping defect (see [`SUPERSEDES`]).
    #[serde(skip)]
    pub(crate) hostile_only: bool,
}

/// Where an allow came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AllowedBy {
    /// An `x-lint` entry of the document (SARIF: an `inSource` suppression).
    Document,
    /// [`Config::allow`] (SARIF: an `external` suppression).
    Config,
}

/// Everything the lint found in one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The name the document was given (its path).
    pub file: String,
    pub findings: Vec<Finding>,
}

impl Report {
    /// Error findings, allowed ones not counted.
    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error && !f.allowed)
            .count()
    }

    /// Warning findings, allowed ones not counted.
    pub fn warnings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning && !f.allowed)
            .count()
    }

    /// Allowed findings.
    pub fn allowed(&self) -> usize {
        self.findings.iter().filter(|f| f.allowed).count()
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

/// Rule settings from the command line (`codegen lint --allow RULE --deny RULE`).
///
/// `allow`: findings of these rules are kept in the report but allowed (not counted, printed as
/// one line, SARIF suppressions of kind `external`). `deny`: findings of these rules are errors,
/// even warnings, and no allow (here or in the document's `x-lint`) applies to them. An id that
/// is no rule is a `lint-config` error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    pub allow: Vec<String>,
    pub deny: Vec<String>,
    /// `--param NAME=VALUE`: values for deploy parameters, for CloudFormation intrinsics in
    /// the document (`OrdersTable`, `Role.Arn`, a condition) and for `${NAME}` placeholders the
    /// document uses without declaring, exactly as the loader takes them.
    pub params: indexmap::IndexMap<String, String>,
}

/// Lint a document: `text` is its YAML or JSON source, `file` the name findings are reported
/// under (a `.json` suffix selects JSON). Never panics; a document that does not even parse
/// yields one `spec-load` finding. The same as [`lint_with`] and the default [`Config`].
pub fn lint(file: &str, text: &str) -> Report {
    lint_with(file, text, &Config::default())
}

/// [`lint`] with the command line's allow and deny lists (the document's `x-lint` applies in
/// both).
pub fn lint_with(file: &str, text: &str, config: &Config) -> Report {
    let mut findings = Vec::new();
    // spec's own verdict first: what it refuses, the deploy and the local gateway refuse too.
    if let Err(e) = apidef::Api::from_str_with(text, file, &config.params) {
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
            allowed: false,
            allow_reason: None,
            allowed_by: None,
            hostile_only: false,
        });
    }
    let d = doc::Doc::parse(file, text, &config.params);
    if let Some(d) = &d {
        integration::check(d, &mut findings);
        let templates = d.templates();
        let mut rendered = render::Context::new(d);
        for t in &templates {
            template::check(d, t, &mut findings);
        }
        rendered.check(&templates, &mut findings);
    }
    one_finding_per_defect(&mut findings);
    allow::apply(d.as_ref(), config, &mut findings);
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
