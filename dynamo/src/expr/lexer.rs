//! Tokens of an expression, with their offsets, and DynamoDB's syntax error text.

use super::error::{ExprError, ExprErrorKind};
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    NameRef(String),
    ValueRef(String),
    Int(String),
    Sym(&'static str),
}

impl Tok {
    pub(crate) fn text(&self) -> String {
        match self {
            Tok::Ident(s) | Tok::NameRef(s) | Tok::ValueRef(s) | Tok::Int(s) => s.clone(),
            Tok::Sym(s) => (*s).to_string(),
        }
    }
}

/// The tokens of `s`, each with its offset in characters (what DynamoDB's `near:` context counts).
pub(crate) fn tokenize(s: &str) -> Result<Vec<(Tok, usize)>, ExprError> {
    let refuse = |at: usize, token: &str| {
        ExprError::new(ExprErrorKind::Syntax, syntax_error(s, at, token)).at(byte_offset(s, at))
    };
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c.is_ascii_alphabetic() || c == '_' {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(chars[start..i].iter().collect()), start));
            continue;
        }
        if c == '#' || c == ':' {
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            if text.len() == 1 {
                return Err(refuse(start, &text));
            }
            out.push((
                if c == '#' {
                    Tok::NameRef(text)
                } else {
                    Tok::ValueRef(text)
                },
                start,
            ));
            continue;
        }
        if c.is_ascii_digit() {
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            out.push((Tok::Int(chars[start..i].iter().collect()), start));
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let sym = match two.as_str() {
            "<>" => Some("<>"),
            "<=" => Some("<="),
            ">=" => Some(">="),
            _ => None,
        };
        if let Some(sym) = sym {
            out.push((Tok::Sym(sym), start));
            i += 2;
            continue;
        }
        let sym = match c {
            '(' => "(",
            ')' => ")",
            '[' => "[",
            ']' => "]",
            ',' => ",",
            '.' => ".",
            '=' => "=",
            '<' => "<",
            '>' => ">",
            '+' => "+",
            '-' => "-",
            _ => return Err(refuse(start, &c.to_string())),
        };
        out.push((Tok::Sym(sym), start));
        i += 1;
    }
    Ok(out)
}

/// DynamoDB's syntax error text: `Syntax error; token: "<tok>", near: "<context>"`.
pub(crate) fn syntax_error(src: &str, at: usize, token: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let from = at.saturating_sub(1).min(chars.len());
    let to = (at + token.chars().count() + 1).min(chars.len());
    let near: String = chars[from..to].iter().collect();
    format!("Syntax error; token: \"{token}\", near: \"{near}\"")
}

/// The byte offset of the character at index `chars` of `src` (its length past the end).
pub(crate) fn byte_offset(src: &str, chars: usize) -> usize {
    src.char_indices().nth(chars).map_or(src.len(), |(b, _)| b)
}
