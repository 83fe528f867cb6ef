//! `import`: turn what a team already has into an `openapi.yaml` in this project's form.
//!
//! Inputs ([`SourceKind`]):
//!
//! - a CloudFormation template (JSON or YAML, short-form tags included), SAM templates and
//!   `cdk synth` output among them, whose REST API is
//!   - an `AWS::ApiGateway::RestApi` with an inline `Body`,
//!   - an `AWS::Serverless::Api` with a `DefinitionBody` (inline, or `Fn::Transform`
//!     `AWS::Include` of a local file, read relative to the template), or a local `DefinitionUri`,
//!   - or an `AWS::ApiGateway::RestApi` built from `Resource`, `Method`, `Model`,
//!     `RequestValidator`, `GatewayResponse`, `Authorizer`, `Stage` and `Deployment` resources,
//!     as `cdk synth` emits it;
//! - a Swagger 2.0 document (converted by `apidef::swagger2`);
//! - the output of `aws apigateway get-export --export-type oas30 --parameters
//!   extensions='integrations'` (the execute-api server becomes the stage, concrete regions and
//!   accounts in ARNs become `${AWS::Region}` / `${AWS::AccountId}`);
//! - an OpenAPI 3.0 document (intrinsics it may hold, as a file that a SAM template includes
//!   does, become deploy parameters).
//!
//! CloudFormation intrinsics become the project's placeholders: a template parameter is a
//! deploy parameter (`x-deploy-parameters`), a DynamoDB table is an `x-dynamodb-tables` entry
//! whose `TableName` is the placeholder its `Ref` became, a role's ARN is a deploy parameter
//! whose stack value is the role the generated stack creates, pseudo parameters stay
//! `${AWS::Region}` and so on. Mapping templates and selection patterns are carried byte for
//! byte. Everything that could not be carried is listed in [`Imported::not_carried`] and in the
//! comment at the top of [`Imported::yaml`].

// Errors carry the file and location a user needs; their size is not a concern here.
#![allow(clippy::result_large_err)]

mod cfn;
mod openapi;
mod rest;
mod serverless;
mod tables;

use std::fmt;

use serde_json::Value;

/// What kind of document was imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    /// A CloudFormation template, SAM templates and `cdk synth` output included.
    CloudFormation,
    /// A Swagger 2.0 document.
    Swagger2,
    /// `aws apigateway get-export` output (OpenAPI 3.0 or Swagger 2.0 with an execute-api
    /// server).
    GetExport,
    /// An OpenAPI 3.0 document.
    OpenApi3,
}

impl SourceKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceKind::CloudFormation => "CloudFormation template",
            SourceKind::Swagger2 => "Swagger 2.0 document",
            SourceKind::GetExport => "API Gateway export (get-export)",
            SourceKind::OpenApi3 => "OpenAPI 3.0 document",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something of the source that the imported document does not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotCarried {
    /// JSON pointer of the node in the source (`/Resources/Plan`, `/paths/~1a/get/...`).
    pub pointer: String,
    /// The CloudFormation logical id it belongs to, if any.
    pub logical_id: Option<String>,
    /// Why it is not carried (and, where there is one, what to do instead).
    pub reason: String,
}

impl fmt::Display for NotCarried {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.logical_id {
            Some(id) if !self.pointer.is_empty() => {
                write!(f, "{} ({id}): {}", self.pointer, self.reason)
            }
            Some(id) => write!(f, "{id}: {}", self.reason),
            None if self.pointer.is_empty() => write!(f, "(document): {}", self.reason),
            None => write!(f, "{}: {}", self.pointer, self.reason),
        }
    }
}

/// Choices for [`import`].
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Which REST API to import when a template has several (its logical id); the first one in
    /// the template otherwise.
    pub api: Option<String>,
}

/// The result of [`import`].
#[derive(Debug, Clone)]
pub struct Imported {
    /// The OpenAPI 3.0 document in project form.
    pub document: Value,
    /// `document` as YAML, beginning with a comment saying where it was imported from and
    /// listing what was not carried.
    pub yaml: String,
    pub kind: SourceKind,
    /// What could not be carried over, each with its place in the source and why.
    pub not_carried: Vec<NotCarried>,
    /// The logical ids of the template's REST APIs (`AWS::ApiGateway::RestApi` and
    /// `AWS::Serverless::Api`), in template order; empty for documents that are not templates.
    pub apis: Vec<String>,
    /// The logical id of the REST API imported, for templates.
    pub api: Option<String>,
}

/// What went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportErrorKind {
    #[error("cannot read the file: {0}")]
    Io(String),
    #[error("{0}")]
    Parse(String),
    #[error(
        "not a CloudFormation template (no AWSTemplateFormatVersion or Resources), Swagger 2.0 or OpenAPI 3.0 document"
    )]
    Unrecognised,
    #[error("the template has no REST API (AWS::ApiGateway::RestApi or AWS::Serverless::Api)")]
    NoRestApi,
    #[error("the template has no REST API {name:?} (its REST APIs: {})", known.join(", "))]
    UnknownApi { name: String, known: Vec<String> },
    #[error("the REST API has no definition that can be imported: {0}")]
    NoDefinition(String),
    #[error("AWS::Include of {location:?}: {message}")]
    Include { location: String, message: String },
    #[error("Swagger 2.0 conversion: {0}")]
    Swagger(String),
    #[error("{0}")]
    Invalid(String),
    #[error("cannot write YAML: {0}")]
    Serialize(String),
}

/// An import error, with the file and where in it (a JSON pointer or a logical id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub kind: ImportErrorKind,
    pub file: String,
    /// JSON pointer, logical id or `line:column`; empty for the whole document.
    pub location: String,
}

impl ImportError {
    pub(crate) fn new(kind: ImportErrorKind, file: &str, location: impl Into<String>) -> Self {
        ImportError {
            kind,
            file: file.to_string(),
            location: location.into(),
        }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.location.is_empty() {
            write!(f, "{}: {}", self.file, self.kind)
        } else {
            write!(f, "{} at {}: {}", self.file, self.location, self.kind)
        }
    }
}

impl std::error::Error for ImportError {}

/// What kind of document `value` is, if it is one this crate imports.
pub fn detect(value: &Value) -> Option<SourceKind> {
    let root = value.as_object()?;
    if root.contains_key("AWSTemplateFormatVersion")
        || root.get("Resources").is_some_and(Value::is_object)
    {
        return Some(SourceKind::CloudFormation);
    }
    if serverless::is_serverless(root) {
        return Some(SourceKind::CloudFormation);
    }
    if root.contains_key("swagger") {
        let export = root
            .get("host")
            .and_then(Value::as_str)
            .is_some_and(openapi::is_execute_api_host);
        return Some(if export {
            SourceKind::GetExport
        } else {
            SourceKind::Swagger2
        });
    }
    if root.contains_key("openapi") {
        let export = root
            .get("servers")
            .and_then(Value::as_array)
            .is_some_and(|servers| {
                servers.iter().any(|s| {
                    s.get("url")
                        .and_then(Value::as_str)
                        .is_some_and(openapi::is_execute_api_url)
                })
            });
        return Some(if export {
            SourceKind::GetExport
        } else {
            SourceKind::OpenApi3
        });
    }
    None
}

/// Import `text`, read from `file` (its name selects JSON or YAML, and its directory is where
/// `AWS::Include` locations are read from).
pub fn import(text: &str, file: &str, options: &ImportOptions) -> Result<Imported, ImportError> {
    let value = apidef::source::parse(text, file).map_err(|e| {
        let location = e
            .location
            .line_col
            .map(|(l, c)| format!("{l}:{c}"))
            .unwrap_or_default();
        ImportError::new(ImportErrorKind::Parse(e.kind.to_string()), file, location)
    })?;
    let kind =
        detect(&value).ok_or_else(|| ImportError::new(ImportErrorKind::Unrecognised, file, ""))?;
    let out = match kind {
        SourceKind::CloudFormation => match value.as_object() {
            Some(root) if serverless::is_serverless(root) => {
                let (template, mut notes) = serverless::template(root);
                let mut out = rest::import_template(&template, file, options)?;
                for n in &mut out.not_carried {
                    if n.pointer.starts_with('/') && !n.pointer.starts_with("/resources") {
                        n.pointer = format!("/resources{}", n.pointer);
                    }
                }
                notes.append(&mut out.not_carried);
                out.not_carried = notes;
                if out.document.get("x-deploy-stage").is_none()
                    && let Some(stage) = serverless::stage(root)
                {
                    let mut m = serde_json::Map::new();
                    m.insert("name".into(), Value::String(stage));
                    out.document = openapi::place_extensions(
                        out.document,
                        serde_json::Map::new(),
                        serde_json::Map::new(),
                        Some(m),
                    );
                }
                out
            }
            _ => rest::import_template(&value, file, options)?,
        },
        _ => openapi::import_document(&value, file, kind)?,
    };
    finish(out, kind, file)
}

/// Import a file from disk (see [`import`]).
pub fn import_file(
    path: impl AsRef<std::path::Path>,
    options: &ImportOptions,
) -> Result<Imported, ImportError> {
    let path = path.as_ref();
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| ImportError::new(ImportErrorKind::Io(e.to_string()), &file, ""))?;
    import(&text, &file, options)
}

/// What an importer produced, before it is written out.
pub(crate) struct Output {
    pub document: Value,
    pub not_carried: Vec<NotCarried>,
    pub apis: Vec<String>,
    pub api: Option<String>,
}

fn finish(out: Output, kind: SourceKind, file: &str) -> Result<Imported, ImportError> {
    let body = serde_yaml::to_string(&out.document)
        .map_err(|e| ImportError::new(ImportErrorKind::Serialize(e.to_string()), file, ""))?;
    let mut yaml = String::new();
    let what = match &out.api {
        Some(api) => format!("{kind}, REST API {api}"),
        None => kind.to_string(),
    };
    yaml.push_str(&comment_line(&format!(
        "Imported from {file} ({what}) by the `import` crate."
    )));
    if out.not_carried.is_empty() {
        yaml.push_str("# Everything in the source was carried over.\n");
    } else {
        yaml.push_str("# Not carried over:\n");
        for n in &out.not_carried {
            yaml.push_str(&comment_line(&format!("  - {n}")));
        }
    }
    yaml.push_str(&body);
    Ok(Imported {
        document: out.document,
        yaml,
        kind,
        not_carried: out.not_carried,
        apis: out.apis,
        api: out.api,
    })
}

/// One `# ...` line; line breaks in the text become spaces.
fn comment_line(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    format!("# {}\n", flat.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn detects_each_kind() {
        assert_eq!(
            detect(&json!({"AWSTemplateFormatVersion": "2010-09-09"})),
            Some(SourceKind::CloudFormation)
        );
        assert_eq!(
            detect(&json!({"Resources": {}})),
            Some(SourceKind::CloudFormation)
        );
        assert_eq!(
            detect(&json!({"swagger": "2.0"})),
            Some(SourceKind::Swagger2)
        );
        assert_eq!(
            detect(&json!({"swagger": "2.0", "host": "abc.execute-api.eu-west-1.amazonaws.com"})),
            Some(SourceKind::GetExport)
        );
        assert_eq!(
            detect(&json!({"openapi": "3.0.1"})),
            Some(SourceKind::OpenApi3)
        );
        assert_eq!(
            detect(
                &json!({"openapi": "3.0.1", "servers": [{"url": "https://abc123.execute-api.us-east-1.amazonaws.com/{basePath}"}]})
            ),
            Some(SourceKind::GetExport)
        );
        assert_eq!(detect(&json!({"a": 1})), None);
        assert_eq!(detect(&json!([1])), None);
    }

    /// Whatever a template holds, the YAML reads back to the same bytes (block scalars where
    /// the emitter can, quoted scalars where it cannot).
    #[test]
    fn any_template_reads_back_byte_for_byte() {
        let mut samples: Vec<String> = [
            "",
            " ",
            "\n",
            "\n\n",
            " leading space\nsecond",
            "trailing space \nsecond ",
            "tab\tinside\n\tleading tab",
            "crlf\r\nline\r\n",
            "lone\rcarriage",
            "ends with newlines\n\n\n",
            "#comment-like\n# another",
            "key: value\n- item",
            "---\n...\n",
            "'single' \"double\" \\backslash",
            "${TableName} $input.path('$') #if($x)#end",
            "unicode é ü 🎵 \u{2028} \u{85} nel",
            "\u{feff}bom",
            "control \u{1} \u{7f}",
            "yes",
            "null",
            "~",
            "0x1F",
            "1e3",
            "@at `tick` %percent &amp *star !bang |pipe >gt",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // A deterministic spread of strings from an alphabet of troublesome characters.
        let alphabet: Vec<char> = " \t\n\r#:-'\"\\${}[],&*!|>%@`éa1".chars().collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..3000 {
            let mut s = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 24) as usize;
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                s.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            samples.push(s);
        }
        let mut templates = serde_json::Map::new();
        for (i, s) in samples.iter().enumerate() {
            templates.insert(format!("t{i}"), Value::String(s.clone()));
            // Selection patterns are keys.
            templates.insert(s.clone(), Value::String(format!("k{i}")));
        }
        let document = json!({"openapi": "3.0.1", "paths": {"/": {"get": {"x-amazon-apigateway-integration": {"requestTemplates": templates}}}}});
        let imported = finish(
            Output {
                document: document.clone(),
                not_carried: vec![NotCarried {
                    pointer: "/a\nb".into(),
                    logical_id: None,
                    reason: "two\nlines".into(),
                }],
                apis: Vec::new(),
                api: None,
            },
            SourceKind::OpenApi3,
            "t.yaml",
        )
        .unwrap();
        let back = apidef::source::parse(&imported.yaml, "t.yaml").unwrap();
        let a = &back["paths"]["/"]["get"]["x-amazon-apigateway-integration"]["requestTemplates"];
        let b =
            &document["paths"]["/"]["get"]["x-amazon-apigateway-integration"]["requestTemplates"];
        for (k, v) in b.as_object().unwrap() {
            assert_eq!(a.get(k), Some(v), "{k:?} -> {v:?} does not read back");
        }
        assert_eq!(back, document);
    }

    #[test]
    fn comments_are_one_line_each() {
        assert_eq!(comment_line("a\nb "), "# a b\n");
    }
}
