//! Serverless Framework `serverless.yml`: its `resources` block is a CloudFormation template,
//! once the framework's own variables (`${self:...}`, `${opt:...}`, `${sls:stage}`,
//! `${param:...}`, `${aws:region}`, ...) are substituted.
//!
//! Each variable takes the value the framework would give it without command-line options:
//! `opt:` falls back to its default (the part after the comma), `${aws:region}` and
//! `${aws:accountId}` become the pseudo parameters `${AWS::Region}` and `${AWS::AccountId}`.
//! `${name}` without a source (VTL's formal notation) is left alone.

use serde_json::{Map, Value};

use crate::NotCarried;

/// Whether `root` is a `serverless.yml` with a CloudFormation `resources` block.
pub(crate) fn is_serverless(root: &Map<String, Value>) -> bool {
    root.contains_key("service")
        && root.contains_key("provider")
        && root
            .get("resources")
            .and_then(|r| r.get("Resources"))
            .is_some_and(Value::is_object)
}

/// The stage the framework deploys (`provider.stage`, `dev` by default).
pub(crate) fn stage(root: &Map<String, Value>) -> Option<String> {
    let ctx = Ctx {
        root,
        defaulted: std::cell::Cell::new(false),
    };
    let mut notes = Vec::new();
    ctx.stage(&mut notes, "/provider/stage", 0)
        .as_str()
        .map(str::to_string)
}

/// The `resources` block with the framework's variables substituted, and what could not be.
pub(crate) fn template(root: &Map<String, Value>) -> (Value, Vec<NotCarried>) {
    let mut notes = Vec::new();
    let resources = root.get("resources").cloned().unwrap_or(Value::Null);
    let ctx = Ctx {
        root,
        defaulted: std::cell::Cell::new(false),
    };
    let out = ctx.tree(&resources, "/resources", &mut notes, 0);
    if ctx.defaulted.get() {
        let stage = ctx.stage(&mut Vec::new(), "", 0);
        notes.push(NotCarried {
            pointer: "/provider".into(),
            logical_id: None,
            reason: format!(
                "the framework's variables take the values they have without command-line options (stage {}): the imported document has those values, not the variables",
                stage.as_str().unwrap_or("dev")
            ),
        });
    }
    for section in ["functions", "stepFunctions"] {
        if root
            .get(section)
            .is_some_and(|f| f.as_object().is_some_and(|o| !o.is_empty()))
        {
            notes.push(NotCarried {
                pointer: format!("/{section}"),
                logical_id: None,
                reason: format!(
                    "the framework's {section} are not carried (nor the Lambda methods their http events add to the API)"
                ),
            });
        }
    }
    (out, notes)
}

struct Ctx<'a> {
    root: &'a Map<String, Value>,
    /// Whether a variable took a value that a command-line option could change.
    defaulted: std::cell::Cell<bool>,
}

const MAX_DEPTH: usize = 32;

impl Ctx<'_> {
    fn tree(&self, v: &Value, ptr: &str, notes: &mut Vec<NotCarried>, depth: usize) -> Value {
        match v {
            Value::String(s) => self.string(s, ptr, notes, depth),
            Value::Array(a) => Value::Array(
                a.iter()
                    .enumerate()
                    .map(|(i, x)| self.tree(x, &format!("{ptr}/{i}"), notes, depth))
                    .collect(),
            ),
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, x)| {
                        let p = apidef::error::pointer_push(ptr, k);
                        (k.clone(), self.tree(x, &p, notes, depth))
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// A string with its variables substituted: a string that is exactly one variable takes
    /// the variable's value, whatever its type.
    fn string(&self, s: &str, ptr: &str, notes: &mut Vec<NotCarried>, depth: usize) -> Value {
        if depth > MAX_DEPTH || !s.contains("${") {
            return Value::String(s.to_string());
        }
        let mut current = s.to_string();
        for _ in 0..MAX_DEPTH {
            let Some((start, end, inner)) = innermost_variable(&current) else {
                break;
            };
            let whole = start == 0 && end == current.len();
            match self.variable(&inner, notes, ptr, depth) {
                Some(value) => {
                    if whole && !value.is_string() {
                        return value;
                    }
                    let text = match &value {
                        Value::String(t) => t.clone(),
                        other => other.to_string(),
                    };
                    current.replace_range(start..end, &text);
                }
                None => {
                    // Leave it, marked so it is not found again; unmark below.
                    current.replace_range(start..start + 2, "\u{0}{");
                }
            }
        }
        Value::String(current.replace("\u{0}{", "${"))
    }

    /// The value of `source:address[, fallback]`, `None` when it has none here.
    fn variable(
        &self,
        inner: &str,
        notes: &mut Vec<NotCarried>,
        ptr: &str,
        depth: usize,
    ) -> Option<Value> {
        let (expr, fallback) = match split_fallback(inner) {
            Some((e, f)) => (e.trim(), Some(f.trim())),
            None => (inner.trim(), None),
        };
        let from_fallback = |notes: &mut Vec<NotCarried>| -> Option<Value> {
            let f = fallback?;
            Some(self.literal_or_reference(f, notes, ptr, depth))
        };
        let (source, address) = expr.split_once(':')?;
        if matches!(source, "opt" | "sls" | "param") {
            self.defaulted.set(true);
        }
        let value = match source {
            "self" => self
                .lookup(address)
                .map(|v| self.tree(&v, ptr, notes, depth + 1)),
            "opt" => match from_fallback(notes) {
                Some(v) => return Some(v),
                None => match address {
                    "stage" => Some(self.stage(notes, ptr, depth)),
                    "region" => Some(self.region(notes, ptr, depth)),
                    _ => None,
                },
            },
            "sls" => match address {
                "stage" => Some(self.stage(notes, ptr, depth)),
                "instanceId" => Some(Value::String("local".into())),
                _ => None,
            },
            "aws" => match address {
                "region" => Some(Value::String("${AWS::Region}".into())),
                "accountId" => Some(Value::String("${AWS::AccountId}".into())),
                _ => None,
            },
            "param" => {
                let stage = self.stage(notes, ptr, depth);
                let stage = stage.as_str().unwrap_or("dev").to_string();
                let params = self.root.get("params");
                params
                    .and_then(|p| p.get(&stage))
                    .and_then(|p| p.get(address))
                    .or_else(|| {
                        params
                            .and_then(|p| p.get("default"))
                            .and_then(|p| p.get(address))
                    })
                    .cloned()
                    .map(|v| self.tree(&v, ptr, notes, depth + 1))
            }
            "env" | "ssm" | "cf" | "s3" | "file" | "strToBool" | "git" => None,
            _ if source.contains('(') => None,
            _ => return None,
        };
        match value {
            Some(v) => Some(v),
            None => match from_fallback(notes) {
                Some(v) => Some(v),
                None => {
                    notes.push(NotCarried {
                        pointer: ptr.to_string(),
                        logical_id: None,
                        reason: format!(
                            "the Serverless Framework variable ${{{inner}}} has no value without deploying: left as written"
                        ),
                    });
                    None
                }
            },
        }
    }

    /// A fallback: `"v1"`, `'v1'`, a number, or `self:provider.stage` (a reference without
    /// `${}`).
    fn literal_or_reference(
        &self,
        f: &str,
        notes: &mut Vec<NotCarried>,
        ptr: &str,
        depth: usize,
    ) -> Value {
        let unquoted = f
            .strip_prefix('"')
            .and_then(|x| x.strip_suffix('"'))
            .or_else(|| f.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')));
        if let Some(u) = unquoted {
            return Value::String(u.to_string());
        }
        if f.contains(':')
            && !f.contains(' ')
            && let Some(v) = self.variable(f, notes, ptr, depth + 1)
        {
            return v;
        }
        Value::String(f.to_string())
    }

    fn lookup(&self, address: &str) -> Option<Value> {
        let mut v: &Value = self.root.get(address.split('.').next()?)?;
        for part in address.split('.').skip(1) {
            v = match v {
                Value::Object(o) => o.get(part)?,
                Value::Array(a) => a.get(part.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(v.clone())
    }

    fn stage(&self, notes: &mut Vec<NotCarried>, ptr: &str, depth: usize) -> Value {
        match self.lookup("provider.stage") {
            Some(Value::String(s)) if depth < MAX_DEPTH => self.string(&s, ptr, notes, depth + 1),
            Some(other) => other,
            None => Value::String("dev".into()),
        }
    }

    fn region(&self, notes: &mut Vec<NotCarried>, ptr: &str, depth: usize) -> Value {
        match self.lookup("provider.region") {
            Some(Value::String(s)) if depth < MAX_DEPTH => {
                let v = self.string(&s, ptr, notes, depth + 1);
                if v.as_str() == Some("us-east-1") {
                    // The framework's default, not a choice: keep it a pseudo parameter.
                    Value::String("${AWS::Region}".into())
                } else {
                    v
                }
            }
            _ => Value::String("${AWS::Region}".into()),
        }
    }
}

/// The innermost `${source:...}` of `s`: (start, end, inside).
fn innermost_variable(s: &str) -> Option<(usize, usize, String)> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'$' && bytes[i + 1] == b'{' {
            // The matching `}` with no `${` in between.
            let body = &s[i + 2..];
            let close = body.find('}')?;
            let inner = &body[..close];
            if inner.contains("${") {
                i += 2;
                continue;
            }
            let is_variable = inner.split_once(':').is_some_and(|(src, _)| {
                !src.is_empty()
                    && src.chars().all(|c| {
                        c.is_ascii_alphanumeric()
                            || c == '('
                            || c == ')'
                            || c == '.'
                            || c == '/'
                            || c == '-'
                            || c == '_'
                    })
            }) && !inner.contains("::");
            if is_variable {
                return Some((i, i + 2 + close + 1, inner.to_string()));
            }
            i += 2;
            continue;
        }
        i += 1;
    }
    None
}

/// `opt:stage, "v1"` -> (`opt:stage`, `"v1"`): the comma outside quotes.
fn split_fallback(inner: &str) -> Option<(&str, &str)> {
    let mut quote: Option<char> = None;
    for (i, c) in inner.char_indices() {
        match (quote, c) {
            (None, '"') | (None, '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, ',') => return Some((&inner[..i], &inner[i + 1..])),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn variables_take_their_defaults() {
        let root = json!({
            "service": "svc",
            "provider": {"name": "aws", "stage": "dev"},
            "custom": {"stage": "${opt:stage, self:provider.stage}", "table": "${self:custom.stage}-t"},
            "params": {"default": {"App": "music"}},
            "resources": {"Resources": {"T": {"Properties": {
                "TableName": "${self:custom.table}",
                "Uri": "arn:aws:apigateway:${aws:region}:dynamodb:action/Query",
                "Name": "${param:App}-api",
                "Vtl": "#set($t = \"${hours}:${minutes}\")",
                "Stage": "${opt:stage, \"v1\"}",
                "Unknown": "${ssm:/x/y}",
            }}}}
        });
        let root = root.as_object().unwrap();
        assert!(is_serverless(root));
        let (t, notes) = template(root);
        let p = &t["Resources"]["T"]["Properties"];
        assert_eq!(p["TableName"], "dev-t");
        assert_eq!(
            p["Uri"],
            "arn:aws:apigateway:${AWS::Region}:dynamodb:action/Query"
        );
        assert_eq!(p["Name"], "music-api");
        assert_eq!(p["Vtl"], "#set($t = \"${hours}:${minutes}\")");
        assert_eq!(p["Stage"], "v1");
        assert_eq!(p["Unknown"], "${ssm:/x/y}");
        assert_eq!(notes.len(), 2, "{notes:#?}");
        assert!(
            notes
                .iter()
                .any(|n| n.pointer == "/provider" && n.reason.contains("stage dev"))
        );
    }
}
