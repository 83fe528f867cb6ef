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

/// A control character inside an RFC 9535 string literal, which must be escaped there; Jayway
/// takes it as it is, in a dot-name or a quoted one.
fn push_escaped_control(out: &mut String, c: char) {
    out.push_str(&format!("\\u{:04x}", c as u32));
}

/// Rewrites Jayway spellings that RFC 9535 rejects: dot-names with `-` or other characters become
/// `['name']`, control characters in names are escaped, and a path without `$` is taken relative
/// to the root.
pub fn to_rfc(path: &str) -> String {
    match rewrite(path) {
        Ok(rfc) | Err((rfc, _)) => rfc,
    }
}

/// [`to_rfc`], and the first index, slice bound or union member Jayway cannot read: it reads them
/// with `Integer.parseInt`, so one outside Java's `int` (`$.a[2147483648]`, `[-2147483649]`, also
/// with leading zeros) makes the path invalid ("InvalidPathException: NumberFormatException: For
/// input string", Jayway 2.0 through the oracle), where RFC 9535 would take it up to 2^53 - 1.
/// Such a number is left as written.
fn rewrite(path: &str) -> Result<String, (String, String)> {
    let mut too_big: Option<String> = None;
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
    // Whether the bracket segment open at depth 1 is a filter (`[?...]`), whose numbers are
    // left to the filter code.
    let mut filter = false;
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            if (c as u32) < 0x20 {
                push_escaped_control(&mut out, c);
                i += 1;
                continue;
            }
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
                if depth == 1 {
                    filter = chars[i + 1..].iter().find(|c| !c.is_whitespace()) == Some(&'?');
                }
                out.push(c);
                i += 1;
            }
            ']' => {
                depth = depth.saturating_sub(1);
                out.push(c);
                i += 1;
            }
            // An index, slice bound or union member: Jayway reads it with `Integer.parseInt`, so
            // `[01]` is `[1]` and `[-0]` is `[0]`; RFC 9535 refuses leading zeros and `-0`.
            '0'..='9' if depth == 1 && !filter && number_starts(&out) => {
                let mut e = i;
                while e < chars.len() && chars[e].is_ascii_digit() {
                    e += 1;
                }
                let written: String = chars[i..e].iter().collect();
                let digits = written.trim_start_matches('0');
                let negative = out.trim_end().ends_with('-');
                let limit: &str = if negative { "2147483648" } else { "2147483647" };
                if digits.len() > limit.len() || (digits.len() == limit.len() && digits > limit) {
                    too_big.get_or_insert_with(|| {
                        format!("{}{written}", if negative { "-" } else { "" })
                    });
                    out.push_str(&written);
                } else if digits.is_empty() {
                    if out.ends_with('-') {
                        out.pop();
                    }
                    out.push('0');
                } else {
                    out.push_str(digits);
                }
                i = e;
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
                    for c in name.chars() {
                        match c {
                            '\\' | '\'' => {
                                out.push('\\');
                                out.push(c);
                            }
                            c if (c as u32) < 0x20 => push_escaped_control(&mut out, c),
                            c => out.push(c),
                        }
                    }
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
    match too_big {
        None => Ok(out),
        Some(n) => Err((out, n)),
    }
}

/// Whether a digit after `out` starts a number inside brackets: after `[`, `,`, `:`, a sign or
/// blanks.
fn number_starts(out: &str) -> bool {
    let before = out.trim_end();
    let before = before.strip_suffix('-').unwrap_or(before).trim_end();
    before.ends_with(['[', ',', ':'])
}

/// Jayway's notion of a definite path: no deep scan, wildcard, filter, slice or union. Only
/// what is outside quotes counts: `$['a*b']` and `$['x, y']` name one member each.
pub fn is_definite(rfc: &str) -> bool {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut prev = '\0';
    for c in rfc.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            prev = c;
            continue;
        }
        match c {
            '\'' | '"' if depth > 0 => quote = Some(c),
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            // A `,` or `:` inside brackets is a union or slice.
            ',' | ':' if depth > 0 => return false,
            '*' => return false,
            '.' if prev == '.' => return false,
            '?' if prev == '[' => return false,
            _ => {}
        }
        prev = c;
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
                    // Jayway's `Integer.parseInt`: a larger index is an invalid path, for the
                    // engine to report.
                    let i: i32 = inner.parse().ok()?;
                    steps.push(Step::Index(i as usize));
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

/// The segments of an RFC 9535 path after `$` (`.a`, `..a`, `.*`, `[...]`, `..[...]`), or `None`
/// when it does not split cleanly or a filter refers to the root (`$` inside `[?...]`).
fn segments(rfc: &str) -> Option<Vec<&str>> {
    let rest = rfc.strip_prefix('$')?;
    let b = rest.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        if b[i] == b'.' {
            i += if b.get(i + 1) == Some(&b'.') { 2 } else { 1 };
        }
        if b.get(i) == Some(&b'[') {
            // To the matching `]`, outside quotes.
            let mut depth = 0usize;
            let mut quote: Option<u8> = None;
            loop {
                let c = *b.get(i)?;
                i += 1;
                if let Some(q) = quote {
                    if c == b'\\' {
                        i += 1;
                    } else if c == q {
                        quote = None;
                    }
                    continue;
                }
                match c {
                    b'\'' | b'"' => quote = Some(c),
                    b'[' => depth += 1,
                    b']' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
        } else {
            if i == start {
                return None;
            }
            while i < b.len() && b[i] != b'.' && b[i] != b'[' {
                i += 1;
            }
        }
        let seg = &rest[start..i];
        if seg.starts_with("[?") && seg.contains('$') {
            return None;
        }
        out.push(seg);
    }
    Some(out)
}

/// Evaluates the segments one after the other as RFC 9535 does, except that a filter `[?...]`
/// applied to an object tests the object itself (Jayway), not its members: `$.o[?(@.x)]` gives
/// `[o]` when `o.x` exists. On an array it tests each element, as both do; on a scalar, nothing.
fn jayway_filters<'a>(
    doc: &'a serde_json::Value,
    segs: &[&str],
) -> Result<Vec<&'a serde_json::Value>, String> {
    let mut nodes = vec![doc];
    for seg in segs {
        let jp = JsonPath::parse(&format!("${seg}")).map_err(|e| e.to_string())?;
        let mut next = Vec::new();
        for node in nodes {
            if seg.starts_with("[?") && node.is_object() {
                let one = serde_json::Value::Array(vec![node.clone()]);
                if !jp.query(&one).all().is_empty() {
                    next.push(node);
                }
            } else {
                next.extend(jp.query(node).all());
            }
        }
        nodes = next;
    }
    Ok(nodes)
}

/// A dot-notation name holding a blank (`$.a b`), which Jayway refuses; `None` when there is none.
fn spaced_dot_name(path: &str) -> Option<String> {
    let chars: Vec<char> = path.chars().collect();
    let (mut depth, mut quote, mut i) = (0usize, None::<char>, 0);
    while i < chars.len() {
        let c = chars[i];
        if let Some(q) = quote {
            if c == '\\' {
                i += 1;
            } else if c == q {
                quote = None;
            }
        } else if depth > 0 && (c == '\'' || c == '"') {
            quote = Some(c);
        } else if c == '[' {
            depth += 1;
        } else if c == ']' {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && c == '.' {
            let s = i + 1 + usize::from(chars.get(i + 1) == Some(&'.'));
            let mut e = s;
            while e < chars.len() && chars[e] != '.' && chars[e] != '[' {
                e += 1;
            }
            let name: String = chars[s..e].iter().collect();
            // A trailing function call (`.length()`) is not a name.
            if name.contains(' ') && !name.contains('(') {
                return Some(name.trim().to_string());
            }
            i = e;
            continue;
        }
        i += 1;
    }
    None
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
                // Jayway: the prefix throws PathNotFoundException before the function runs, so
                // `$input.json` gives its no-match `""` (and `$input.path` null), not `null`.
                PathResult::One(None) => return Ok(PathResult::One(None)),
                PathResult::One(_) => None,
                PathResult::Many(v) => Some(v.len()),
                PathResult::Length(_) => None,
            }));
        }
    }
    let rooted = if trimmed.starts_with(['$', '[', '.']) {
        trimmed.to_string()
    } else {
        format!("$.{trimmed}")
    };
    if let Some(name) = spaced_dot_name(&rooted) {
        // Jayway: "Space not allowed in path" (bracket notation `['a b']` is the way).
        return Err(format!(
            "invalid JSONPath `{path}`: space in the dot name `{name}`, use ['{name}']"
        ));
    }
    let rfc = rewrite(trimmed).map_err(|(_, n)| {
        format!(
            "invalid JSONPath `{path}`: the index {n} is outside Java's int, which Jayway reads"
        )
    })?;
    let jp = JsonPath::parse(&rfc).map_err(|e| format!("invalid JSONPath `{path}`: {e}"))?;
    let nodes = match segments(&rfc) {
        Some(segs) if segs.iter().any(|s| s.starts_with("[?")) => {
            jayway_filters(doc, &segs).map_err(|e| format!("invalid JSONPath `{path}`: {e}"))?
        }
        _ => jp.query(doc).all(),
    };
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
            query(&doc, "$.zz.length()").unwrap(),
            PathResult::One(None)
        ));
        assert!(matches!(
            query(&doc, "$.zz[*].length()").unwrap(),
            PathResult::Length(Some(0))
        ));
        assert!(matches!(
            query(&doc, "$.x-y").unwrap(),
            PathResult::One(Some(_))
        ));
    }

    /// Found by the `jsonpath` fuzz target, input `$.a\x01\0\0\0\0\0\0\x07ty` over `{}`: the renderer's
    /// own walk (`simple_steps`) took the control characters as part of the name, as Jayway's
    /// dot-names do, while the RFC 9535 engine refused the rewritten `['...']` (control
    /// characters must be escaped in its strings), so `$.a\x01b[*]` was an error. Jayway 2.0
    /// (`tests/support/JsonPathOracle.java`) answers the three paths below `[1,2]`, `[1,2]`, `3`.
    #[test]
    fn control_characters_in_names_are_escaped_for_the_engine() {
        let name = "a\u{1}\0\u{7}ty";
        let doc = serde_json::json!({ name: [1, 2], "q\u{1f}": 3 });
        assert_eq!(to_rfc("$.a\u{1}b"), "$['a\\u0001b']");
        assert!(matches!(
            query(&doc, &format!("$.{name}")).unwrap(),
            PathResult::One(Some(v)) if *v == serde_json::json!([1, 2])
        ));
        assert!(matches!(
            query(&doc, &format!("$.{name}[*]")).unwrap(),
            PathResult::Many(v) if v.len() == 2
        ));
        assert!(matches!(
            query(&doc, "$['q\u{1f}']").unwrap(),
            PathResult::One(Some(v)) if *v == serde_json::json!(3)
        ));
    }

    /// Found by the `jsonpath` fuzz target, input `$.a[01]` over `{}`: the renderer's own walk
    /// read the index as 1, as Jayway does (`Integer.parseInt`), while the RFC 9535 engine
    /// refused the leading zero, so `$.a[01:02]` or `$.a[00,02]` were errors. Jayway 2.0
    /// (`tests/support/JsonPathOracle.java`) answers the paths below over `{"a":[10,11,12]}` with
    /// `11`, `10`, `[11]`, `[10,12]`, `10`, `11`, and no match for `[007]`.
    #[test]
    fn indexes_with_leading_zeros_are_read_as_jayway_reads_them() {
        assert_eq!(to_rfc("$.a[01]"), "$.a[1]");
        assert_eq!(to_rfc("$.a[-01:007, 00]"), "$.a[-1:7, 0]");
        assert_eq!(to_rfc("$.a['01'][?(@.x == 01)]"), "$.a['01'][?(@.x == 01)]");
        let doc = serde_json::json!({"a": [10, 11, 12]});
        let one = |p: &str| match query(&doc, p).unwrap() {
            PathResult::One(v) => v.cloned(),
            _ => panic!("{p} is definite"),
        };
        let many = |p: &str| match query(&doc, p).unwrap() {
            PathResult::Many(v) => serde_json::Value::Array(v.into_iter().cloned().collect()),
            _ => panic!("{p} is indefinite"),
        };
        assert_eq!(one("$.a[01]"), Some(serde_json::json!(11)));
        assert_eq!(one("$.a[00]"), Some(serde_json::json!(10)));
        assert_eq!(many("$.a[01:02]"), serde_json::json!([11]));
        assert_eq!(many("$.a[00,02]"), serde_json::json!([10, 12]));
        assert_eq!(one("$.a[-0]"), Some(serde_json::json!(10)));
        assert_eq!(one("$.a[ 01 ]"), Some(serde_json::json!(11)));
        assert_eq!(one("$.a[007]"), None);
    }

    /// Found by the `jsonpath` fuzz target, input `$.a[000...0008967167258053254251]` over `{}`:
    /// the renderer's walk read the index as a `usize` while the engine refused it. Jayway 2.0
    /// (the oracle, `tests/support/JsonPathOracle.java`) reads indexes, slice bounds and union
    /// members with `Integer.parseInt`: over `{"a":[1,2,3]}`, `$.a[2147483647]` is no match, while
    /// `[2147483648]`, `[0002147483648]`, `[9007199254740991]`, `[-2147483649]` and
    /// `[0:2147483648]` are InvalidPathException (NumberFormatException).
    #[test]
    fn indexes_outside_javas_int_are_invalid_paths_as_in_jayway() {
        let doc = serde_json::json!({"a": [1, 2, 3]});
        assert!(matches!(
            query(&doc, "$.a[2147483647]").unwrap(),
            PathResult::One(None)
        ));
        assert!(matches!(
            query(&doc, "$.a[-2147483648]").unwrap(),
            PathResult::One(None)
        ));
        for p in [
            "$.a[2147483648]",
            "$.a[0002147483648]",
            "$.a[9007199254740991]",
            "$.a[-2147483649]",
            "$.a[0:2147483648]",
            "$.a[00000000000000000000000000000000000000000008967167258053254251]",
        ] {
            let e = query(&doc, p)
                .err()
                .unwrap_or_else(|| panic!("{p} is invalid"));
            assert!(e.contains("outside Java's int"), "{p}: {e}");
        }
        // The renderer's fast path leaves such an index to the engine.
        assert_eq!(simple_steps("$.a[2147483648]"), None);
        assert_eq!(
            simple_steps("$.a[02147483647]"),
            Some(vec![Step::Name("a".into()), Step::Index(2147483647)])
        );
        assert_eq!(to_rfc("$.a[2147483648]"), "$.a[2147483648]");
    }

    /// Found by the `jsonpath` fuzz target, input `$['x-aArtist}, *Tracks-\0\x01\0\0i7']` over `[]`:
    /// the renderer walked the one quoted name, as Jayway does, while `is_definite` saw the `*`
    /// (and would have seen a `..` or `[?`) inside the quotes and made the engine answer a list.
    /// Jayway 2.0 answers `$['a*b']` and `$['x, *y'].z` with one value each, not a list.
    #[test]
    fn quoted_names_do_not_make_a_path_indefinite() {
        assert!(is_definite("$['a*b']"));
        assert!(is_definite("$['x, *y'].z"));
        assert!(is_definite("$['a..b']['[?c']"));
        assert!(is_definite(r"$['it\'s *']"));
        assert!(!is_definite(r"$['it\'s'][*]"));
        assert!(!is_definite("$['a','b']"));
        assert!(!is_definite("$..a"));
        assert!(!is_definite("$.a[?(@.b)]"));
        let doc = serde_json::json!({"a*b": 1, "x, *y": {"z": 2}});
        assert!(matches!(query(&doc, "$['a*b']").unwrap(), PathResult::One(Some(v)) if *v == 1));
        assert!(matches!(
            query(&doc, "$['x, *y'].z").unwrap(),
            PathResult::One(Some(v)) if *v == 2
        ));
    }

    #[test]
    fn filters_on_objects_test_the_object() {
        let doc = serde_json::json!({"o": {"x": 2, "y": {"x": 5}}, "l": [{"x": 1}, {"x": 3}, 4]});
        let many = |p: &str| match query(&doc, p).unwrap() {
            PathResult::Many(v) => serde_json::Value::Array(v.into_iter().cloned().collect()),
            _ => panic!("{p} is indefinite"),
        };
        assert_eq!(
            many("$.o[?(@.x > 1)]"),
            serde_json::json!([{"x": 2, "y": {"x": 5}}])
        );
        assert_eq!(many("$.o[?(@.x > 2)]"), serde_json::json!([]));
        assert_eq!(many("$.o.y[?(@.x)].x"), serde_json::json!([5]));
        assert_eq!(many("$.l[?(@.x > 1)]"), serde_json::json!([{"x": 3}]));
        assert_eq!(
            many("$.l[*][?(@.x)]"),
            serde_json::json!([{"x": 1}, {"x": 3}])
        );
        assert_eq!(many("$.o.x[?(@)]"), serde_json::json!([]));
        assert_eq!(
            many("$['o'][?(@.x == 2)]['y']"),
            serde_json::json!([{"x": 5}])
        );
        assert_eq!(
            segments("$.a..b[0]['c.d'][?(@.x == ']')]..*.e"),
            Some(vec![
                ".a",
                "..b",
                "[0]",
                "['c.d']",
                "[?(@.x == ']')]",
                "..*",
                ".e"
            ])
        );
        assert_eq!(segments("$.a[?(@.x == $.y)]"), None);
        assert!(query(&doc, "$.o.a b").is_err());
        assert!(query(&doc, "$..a b").is_err());
        assert!(query(&doc, "a b").is_err());
        assert!(query(&doc, "$['a b']").is_ok());
        assert!(query(&doc, "$.l[?(@.x == 'a b')]").is_ok());
    }
}
