//! Deploy-time placeholders: `${Name}` for a parameter declared in `x-deploy-parameters`, and
//! the pseudo parameters `${AWS::Region}`, `${AWS::AccountId}`, `${AWS::Partition}` that both
//! `import-rest-api` and CloudFormation `Fn::Sub` resolve. Any other `${...}` is VTL's formal
//! reference notation and is left alone.

use indexmap::IndexMap;
use serde_json::Value;

use crate::error::{ErrorKind, SpecError};
use crate::model::DeployParameter;

/// Pseudo parameters and the values the local gateway uses for them.
pub const PSEUDO_PARAMETERS: &[(&str, &str)] = &[
    ("AWS::Region", "us-east-1"),
    ("AWS::AccountId", "123456789012"),
    ("AWS::Partition", "aws"),
    ("AWS::URLSuffix", "amazonaws.com"),
    // A stack's own name and id, as SAM and CloudFormation templates use them in names.
    ("AWS::StackName", "local-stack"),
    (
        "AWS::StackId",
        "arn:aws:cloudformation:us-east-1:123456789012:stack/local-stack/00000000-0000-0000-0000-000000000000",
    ),
];

/// One `${...}` occurrence in a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    pub name: String,
    /// Byte range of the whole `${...}` in the string.
    pub start: usize,
    pub end: usize,
}

/// Every `${name}` in `s` whose name is a plain identifier or an `AWS::` pseudo name.
pub fn placeholders(s: &str) -> Vec<Placeholder> {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'$'
            && bytes[i + 1] == b'{'
            && let Some(len) = s[i + 2..].find('}')
        {
            let name = &s[i + 2..i + 2 + len];
            let ok = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
            if ok {
                out.push(Placeholder {
                    name: name.to_string(),
                    start: i,
                    end: i + 2 + len + 1,
                });
                i += 2 + len + 1;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// The values of every declared parameter: `overrides` first, then the declared default;
/// defaults may themselves use pseudo parameters.
pub fn resolve_values(
    declared: &IndexMap<String, DeployParameter>,
    overrides: &IndexMap<String, String>,
    file: &str,
) -> Result<IndexMap<String, String>, SpecError> {
    for name in overrides.keys() {
        if !declared.contains_key(name) && !PSEUDO_PARAMETERS.iter().any(|(p, _)| p == name) {
            return Err(SpecError::new(
                ErrorKind::UnknownParameter(name.clone()),
                file,
                "/x-deploy-parameters",
            ));
        }
    }
    let mut values: IndexMap<String, String> = PSEUDO_PARAMETERS
        .iter()
        .map(|(k, v)| {
            let v = overrides.get(*k).cloned().unwrap_or_else(|| v.to_string());
            (k.to_string(), v)
        })
        .collect();
    for (name, p) in declared {
        let raw = match overrides.get(name) {
            Some(v) => v.clone(),
            None => p.default.clone().ok_or_else(|| {
                SpecError::new(
                    ErrorKind::InvalidExtension {
                        extension: "x-deploy-parameters".into(),
                        message: format!(
                            "parameter {name:?} has no default and no value was given"
                        ),
                    },
                    file,
                    crate::error::pointer_push("/x-deploy-parameters", name),
                )
            })?,
        };
        // Defaults may name pseudo parameters only, so one pass settles them.
        let v = substitute_str(&raw, &values);
        values.insert(name.clone(), v);
    }
    Ok(values)
}

/// Replace every known placeholder in `s`.
pub fn substitute_str(s: &str, values: &IndexMap<String, String>) -> String {
    let found = placeholders(s);
    if found.is_empty() {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for p in found {
        if let Some(v) = values.get(&p.name) {
            out.push_str(&s[last..p.start]);
            out.push_str(v);
            last = p.end;
        }
    }
    out.push_str(&s[last..]);
    out
}

/// Substitute in every string of a JSON tree; an `${AWS::...}` that is not a known pseudo
/// parameter is an error (it would reach AWS unresolved).
pub fn substitute_tree(
    v: &Value,
    values: &IndexMap<String, String>,
    file: &str,
    pointer: &str,
) -> Result<Value, SpecError> {
    Ok(match v {
        Value::String(s) => {
            for p in placeholders(s) {
                if p.name.starts_with("AWS::") && !values.contains_key(&p.name) {
                    return Err(SpecError::new(
                        ErrorKind::UnknownPlaceholder(p.name),
                        file,
                        pointer,
                    ));
                }
            }
            Value::String(substitute_str(s, values))
        }
        Value::Array(a) => Value::Array(
            a.iter()
                .enumerate()
                .map(|(i, x)| substitute_tree(x, values, file, &format!("{pointer}/{i}")))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(m) => {
            let mut out = serde_json::Map::new();
            for (k, x) in m {
                let p = crate::error::pointer_push(pointer, k);
                out.insert(k.clone(), substitute_tree(x, values, file, &p)?);
            }
            Value::Object(out)
        }
        other => other.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_declared_and_vtl_placeholders() {
        let p = placeholders(r#"{"T":"${TableName}","x":"${foo.bar}","r":"${AWS::Region}"}"#);
        let names: Vec<_> = p.iter().map(|p| p.name.as_str()).collect();
        // `${foo.bar}` is VTL formal notation with a property, not a placeholder.
        assert_eq!(names, ["TableName", "AWS::Region"]);
    }

    #[test]
    fn substitutes_only_known_names() {
        let mut values = IndexMap::new();
        values.insert("TableName".to_string(), "albums".to_string());
        assert_eq!(
            substitute_str("${TableName}/${other}", &values),
            "albums/${other}"
        );
    }

    #[test]
    fn defaults_resolve_pseudo_parameters_and_overrides_win() {
        let mut declared = IndexMap::new();
        declared.insert(
            "Role".to_string(),
            DeployParameter {
                default: Some("arn:aws:iam::${AWS::AccountId}:role/x".into()),
                ..Default::default()
            },
        );
        let v = resolve_values(&declared, &IndexMap::new(), "f").unwrap();
        assert_eq!(v["Role"], "arn:aws:iam::123456789012:role/x");
        let mut o = IndexMap::new();
        o.insert("AWS::AccountId".to_string(), "999".to_string());
        let v = resolve_values(&declared, &o, "f").unwrap();
        assert_eq!(v["Role"], "arn:aws:iam::999:role/x");
        let mut bad = IndexMap::new();
        bad.insert("Nope".to_string(), "1".to_string());
        assert!(matches!(
            resolve_values(&declared, &bad, "f").unwrap_err().kind,
            ErrorKind::UnknownParameter(_)
        ));
    }
}
