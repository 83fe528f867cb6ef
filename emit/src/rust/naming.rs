//! Rust identifiers from JSON names: `PascalCase` types and variants, `snake_case` fields,
//! methods and parameters. Only ASCII letters and digits survive (everything else separates
//! words), a leading digit gets a prefix, keywords become raw identifiers (`r#type`, `r#gen`:
//! `gen` is reserved in edition 2024), and the four keywords that cannot be raw (`self`, `Self`,
//! `super`, `crate`) get a trailing `_`. Collisions are settled by the caller with [`unique`].

use std::collections::BTreeSet;

/// Strict and reserved keywords of edition 2024 (the Reference, "Keywords"), `gen` included.
const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// Keywords a raw identifier cannot spell.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Split into words at every non-alphanumeric character and at lower-to-upper case changes
/// (`artistName`, `X-Request-Id`, `HTTPStatus` -> `HTTP`, `Status`).
fn words(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        let boundary = match prev {
            Some(p) if c.is_ascii_uppercase() => {
                p.is_ascii_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()))
            }
            _ => false,
        };
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// A `PascalCase` type or variant name.
pub(crate) fn type_name(s: &str) -> String {
    let mut out: String = words(s)
        .iter()
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + &cs.as_str().to_ascii_lowercase(),
                None => String::new(),
            }
        })
        .collect();
    if out.is_empty() {
        out = "Unnamed".into();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'T');
    }
    keyword_safe(out)
}

/// A `snake_case` field, method or parameter name.
pub(crate) fn field_name(s: &str) -> String {
    let mut out = words(s)
        .iter()
        .map(|w| w.to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if out.is_empty() {
        out = "unnamed".into();
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'n');
    }
    keyword_safe(out)
}

fn keyword_safe(s: String) -> String {
    if NOT_RAW.contains(&s.as_str()) {
        format!("{s}_")
    } else if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// `base`, else `base{sep}2`, `base{sep}3`, ... whichever is not in `used` yet (raw
/// identifiers compare by their spelling without `r#`, as rustc does).
pub(crate) fn unique(used: &mut BTreeSet<String>, base: &str, sep: &str) -> String {
    let bare = |s: &str| s.trim_start_matches("r#").to_string();
    let mut name = base.to_string();
    let mut n = 2;
    while used.contains(&bare(&name)) {
        // `self_` + `_2` would be `self__2`, which is not snake_case.
        name = format!("{}{sep}{n}", bare(base).trim_end_matches('_'));
        n += 1;
    }
    used.insert(bare(&name));
    name
}

/// An identifier token for a sanitized name (`r#type` becomes a raw identifier).
pub(crate) fn ident(name: &str) -> proc_macro2::Ident {
    match name.strip_prefix("r#") {
        Some(raw) => proc_macro2::Ident::new_raw(raw, proc_macro2::Span::call_site()),
        None => proc_macro2::Ident::new(name, proc_macro2::Span::call_site()),
    }
}

/// Escape a JSON pointer token (`~` and `/`).
pub(crate) fn escape_pointer(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(type_name("album-list"), "AlbumList");
        assert_eq!(type_name("HTTPStatus"), "HttpStatus");
        assert_eq!(type_name("2xx"), "T2xx");
        assert_eq!(type_name("self"), "Self_");
        assert_eq!(type_name(""), "Unnamed");
        assert_eq!(field_name("X-Request-Id"), "x_request_id");
        assert_eq!(field_name("artistName"), "artist_name");
        assert_eq!(field_name("gen"), "r#gen");
        assert_eq!(field_name("type"), "r#type");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("1st"), "n1st");
        assert_eq!(field_name("ünï"), "n");
        let mut used = BTreeSet::new();
        assert_eq!(unique(&mut used, "a_b", "_"), "a_b");
        assert_eq!(unique(&mut used, "a_b", "_"), "a_b_2");
        assert_eq!(unique(&mut used, "r#type", "_"), "r#type");
        assert_eq!(unique(&mut used, "r#type", "_"), "type_2");
    }
}
