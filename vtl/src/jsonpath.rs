//! JSONPath for `$input.path`/`$input.json` with Jayway's result shaping on top of serde_json_path
//! (RFC 9535). API Gateway documents Jayway ("JSONPath for Java"): a definite path yields one value
//! (or null), an indefinite one (`..`, `*`, filters, slices, unions) a list (docs/evidence/dependencies.md §7).

use serde_json_path::JsonPath;

/// The result of evaluating a path against a document.
pub enum PathResult<'a> {
    /// Definite path: the value, or `None` when it does not exist.
    One(Option<&'a serde_json::Value>),
    /// Indefinite path: every match in document order.
    Many(Vec<&'a serde_json::Value>),
    /// A trailing Jayway `.length()`/`.size()` function.
    Length(Option<usize>),
}

fn shorthand_ok(name: &str) -> bool {
    let mut chars = name.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' || !c.is_ascii() => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii())
}

/// Rewrites Jayway spellings that RFC 9535 rejects: dot-names with `-` or other characters become
/// `['name']`, and a path without `$` is taken relative to the root.
pub fn to_rfc(path: &str) -> String {
    let path = path.trim();
    let mut p = if path.starts_with('$') {
        path.to_string()
    } else if path.starts_with('[') || path.starts_with('.') {
        format!("${path}")
    } else {
        format!("$.{path}")
    };
    if p.starts_with("$.") && p.len() == 2 {
        p = "$".into();
    }
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 8);
    let mut i = 0;
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            out.push(c);
            if c == '\\' {
                if let Some(n) = chars.get(i + 1) {
                    out.push(*n);
                    i += 1;
                }
            } else if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match c {
            '\'' | '"' if depth > 0 => {
                quote = Some(c);
                out.push(c);
                i += 1;
            }
            '[' => {
                depth += 1;
                out.push(c);
                i += 1;
            }
            ']' => {
                depth = depth.saturating_sub(1);
                out.push(c);
                i += 1;
            }
            '.' if depth == 0 => {
                let dots = if chars.get(i + 1) == Some(&'.') { 2 } else { 1 };
                let s = i + dots;
                let mut e = s;
                while e < chars.len() && chars[e] != '.' && chars[e] != '[' {
                    e += 1;
                }
                let name: String = chars[s..e].iter().collect();
                if name.is_empty() || name == "*" || shorthand_ok(&name) {
                    out.extend(&chars[i..e]);
                } else {
                    if dots == 2 {
                        out.push_str("..");
                    }
                    out.push_str("['");
                    out.push_str(&name.replace('\\', "\\\\").replace('\'', "\\'"));
                    out.push_str("']");
                }
                i = e;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// Jayway's notion of a definite path: no deep scan, wildcard, filter, slice or union.
pub fn is_definite(rfc: &str) -> bool {
    if rfc.contains("..") || rfc.contains('*') || rfc.contains("[?") {
        return false;
    }
    // A `,` or `:` inside brackets (outside quotes) is a union or slice.
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for c in rfc.chars() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            ',' | ':' if depth > 0 => return false,
            _ => {}
        }
    }
    true
}

/// One step of a simple definite path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Name(String),
    Index(usize),
}

/// The steps of a simple definite path (`$`, `$.a.b`, `$['a']`, `$.a[0]`), or `None` when the
/// path needs the full engine (wildcards, filters, slices, negative indexes, functions...).
pub fn simple_steps(path: &str) -> Option<Vec<Step>> {
    let p = path.trim();
    let rest = p.strip_prefix('$')?;
    let b = rest.as_bytes();
    let mut steps = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'.' => {
                let s = i + 1;
                let mut e = s;
                while e < b.len() && b[e] != b'.' && b[e] != b'[' {
                    e += 1;
                }
                let name = &rest[s..e];
                if name.is_empty()
                    || name.contains(['*', '(', ')', '?', '@', '\'', '"', ' ', ']', ','])
                {
                    return None;
                }
                steps.push(Step::Name(name.to_string()));
                i = e;
            }
            b'[' => {
                let close = rest[i..].find(']')? + i;
                let inner = &rest[i + 1..close];
                if let Some(q) = inner
                    .strip_prefix('\'')
                    .and_then(|x| x.strip_suffix('\''))
                    .or_else(|| inner.strip_prefix('"').and_then(|x| x.strip_suffix('"')))
                {
                    if q.contains(['\'', '"', '\\']) {
                        return None;
                    }
                    steps.push(Step::Name(q.to_string()));
                } else if !inner.is_empty() && inner.bytes().all(|c| c.is_ascii_digit()) {
                    steps.push(Step::Index(inner.parse().ok()?));
                } else {
                    return None;
                }
                i = close + 1;
            }
            _ => return None,
        }
    }
    Some(steps)
}

/// Evaluates a Jayway-style path.
pub fn query<'a>(doc: &'a serde_json::Value, path: &str) -> Result<PathResult<'a>, String> {
    let trimmed = path.trim();
    for suffix in [".length()", ".size()"] {
        if let Some(prefix) = trimmed.strip_suffix(suffix) {
            return Ok(PathResult::Length(match query(doc, prefix)? {
                PathResult::One(Some(serde_json::Value::Array(a))) => Some(a.len()),
                PathResult::One(Some(serde_json::Value::Object(o))) => Some(o.len()),
                PathResult::One(Some(serde_json::Value::String(s))) => {
                    Some(s.encode_utf16().count())
                }
                PathResult::One(_) => None,
                PathResult::Many(v) => Some(v.len()),
                PathResult::Length(_) => None,
            }));
        }
    }
    let rfc = to_rfc(trimmed);
    let jp = JsonPath::parse(&rfc).map_err(|e| format!("invalid JSONPath `{path}`: {e}"))?;
    let nodes = jp.query(doc).all();
    if is_definite(&rfc) {
        Ok(PathResult::One(nodes.into_iter().next()))
    } else {
        Ok(PathResult::Many(nodes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_paths() {
        assert_eq!(simple_steps("$"), Some(vec![]));
        assert_eq!(
            simple_steps("$.a['b c'][2]"),
            Some(vec![
                Step::Name("a".into()),
                Step::Name("b c".into()),
                Step::Index(2)
            ])
        );
        assert_eq!(
            simple_steps("$.x-amz-id"),
            Some(vec![Step::Name("x-amz-id".into())])
        );
        assert_eq!(simple_steps("$.a[*]"), None);
        assert_eq!(simple_steps("$..a"), None);
        assert_eq!(simple_steps("$.a[-1]"), None);
        assert_eq!(simple_steps("$.a.length()"), None);
        assert_eq!(simple_steps("a.b"), None);
    }

    #[test]
    fn jayway_compat() {
        assert_eq!(to_rfc("$.x-amz-id"), "$['x-amz-id']");
        assert_eq!(to_rfc("$.a.b"), "$.a.b");
        assert_eq!(to_rfc("a.b"), "$.a.b");
        assert_eq!(to_rfc("$..x-y"), "$..['x-y']");
        assert!(is_definite("$.a[0]['b']"));
        assert!(!is_definite("$.a[*]"));
        assert!(!is_definite("$..a"));
        assert!(!is_definite("$.a[0,1]"));
        let doc: serde_json::Value = serde_json::json!({"a": [1, 2, 3], "x-y": 5});
        assert!(matches!(
            query(&doc, "$.a").unwrap(),
            PathResult::One(Some(_))
        ));
        assert!(matches!(query(&doc, "$.b").unwrap(), PathResult::One(None)));
        assert!(matches!(query(&doc, "$.a[*]").unwrap(), PathResult::Many(v) if v.len() == 3));
        assert!(matches!(
            query(&doc, "$.a.length()").unwrap(),
            PathResult::Length(Some(3))
        ));
        assert!(matches!(
            query(&doc, "$.x-y").unwrap(),
            PathResult::One(Some(_))
        ));
    }
}
