//! Strings: free text full of the characters that break templates, ECMA-262 `pattern`s and the
//! `format`s the gateway's validator asserts.

use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};

use super::{Check, guard_strings, usize_of};

/// Longest string ever built: a `minLength` above it cannot be met without exhausting memory, so
/// such a schema degrades to strings of this length (which its validator then refuses).
pub(super) const MAX_BUILT_LENGTH: usize = 1 << 16;
/// Characters added beyond `minLength` when a schema gives no `maxLength`.
const DEFAULT_SPAN: usize = 64;

/// The formats the gateway's validator (jsonschema's draft 4, formats asserted by default)
/// refuses a wrong value for, found by probing it: every other format name (`uuid`, `int32`,
/// `byte`, `uri-reference`, ...) is an annotation to draft 4 and validates anything, so those
/// strings are generated as free text.
pub const ASSERTED_FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "email",
    "hostname",
    "ipv4",
    "ipv6",
    "uri",
    "regex",
];

/// Characters that break JSON, URLs, shells and templates, mixed with plain letters.
pub(super) fn stress_char() -> BoxedStrategy<char> {
    prop_oneof![
        4 => proptest::char::range('a', 'z'),
        3 => select(vec![
            '"', '\\', '\'', '%', '+', '/', ' ', '$', '#', '&', '?', '=', '.', '{', '}', '[',
            ']', ':', ',', '!', '*', '(', ')', ';', '@', '`', '~', '<', '>', '|',
        ]),
        1 => proptest::char::range('\u{0}', '\u{1f}'),
        1 => select(vec![
            '\u{7f}', '\u{a0}', 'é', 'ß', '中', '\u{2028}', '\u{feff}', '😀', '🎸', '𝄞',
        ]),
    ]
    .boxed()
}

/// A string of `min..=max` characters (code points, as draft 4 counts them): short ones half of
/// the time, any length up to `max` the rest. Each branch is one `vec` whose length shrinks down
/// to `min`, so a failing 256-character value shrinks to the one character that matters (a
/// branch of fixed length could not shrink at all).
pub fn string(min: usize, max: usize) -> BoxedStrategy<String> {
    let min = min.min(MAX_BUILT_LENGTH);
    let max = max.max(min).min(MAX_BUILT_LENGTH.max(min));
    let short = max.min(min + 8);
    prop_oneof![
        proptest::collection::vec(stress_char(), min..=short),
        proptest::collection::vec(stress_char(), min..=max),
    ]
    .prop_map(|cs| cs.into_iter().collect())
    .boxed()
}

/// `minLength`/`maxLength` of a string schema, with the defaults used for generation.
pub(super) fn length_bounds(schema: &Value) -> (usize, usize) {
    let min = usize_of(schema, "minLength").unwrap_or(0);
    let max = usize_of(schema, "maxLength").unwrap_or(min.saturating_add(DEFAULT_SPAN));
    (min, max)
}

/// The string keywords of `schema` alone (what a string must satisfy), as a schema: strings are
/// generated and checked against this, cheaper than the whole schema and independent of `$ref`s.
pub(super) fn string_keywords(schema: &Value) -> Value {
    let mut out = serde_json::Map::new();
    out.insert("type".into(), json!("string"));
    for k in ["minLength", "maxLength", "pattern", "format"] {
        if let Some(v) = schema.get(k) {
            out.insert(k.into(), v.clone());
        }
    }
    Value::Object(out)
}

/// Valid strings for the string keywords of `schema`.
pub(super) fn valid_string(schema: &Value) -> BoxedStrategy<Value> {
    let (min, max) = length_bounds(schema);
    if min > MAX_BUILT_LENGTH {
        // Not buildable: one short value, refused by the validator, rather than megabytes.
        return Just(Value::String("x".repeat(16))).boxed();
    }
    let format = schema
        .get("format")
        .and_then(Value::as_str)
        .filter(|f| ASSERTED_FORMATS.contains(f));
    let pattern = schema.get("pattern").and_then(Value::as_str);
    let raw: BoxedStrategy<String> = match (format, pattern) {
        // A format fixes the shape; a pattern beside it is left to the check below.
        (Some(f), _) => format_strategy(f),
        (None, Some(p)) => match pattern_strategy(p) {
            Some(s) => s,
            None => string(min, max),
        },
        (None, None) => return string(min, max).prop_map(Value::String).boxed(),
    };
    let raw = raw.prop_map(Value::String).boxed();
    // Formats and patterns do not know the length bounds (and a translated pattern is only
    // close to the ECMA one): the gateway's own check keeps what it accepts, with a few accepted
    // examples standing in for the rest so that no case is ever rejected.
    let check = Check::compile(&string_keywords(schema));
    let free = string(min, max).prop_map(Value::String).boxed();
    guard_strings(raw, free, check)
}

/// A short valid string for the string keywords of `schema`, if one is found quickly.
pub(super) fn minimal_string(schema: &Value) -> Option<Value> {
    let (min, _) = length_bounds(schema);
    let check = Check::compile(&string_keywords(schema))?;
    let plain = Value::String("a".repeat(min.min(MAX_BUILT_LENGTH)));
    if check.is_valid(&plain) {
        return Some(plain);
    }
    super::sample(&valid_string(schema), 64)
        .into_iter()
        .filter(|v| check.is_valid(v))
        .min_by_key(|v| v.as_str().map_or(0, str::len))
}

/// Values that a format accepts. Dates keep days under 29 so that every month has them.
pub(super) fn format_strategy(format: &str) -> BoxedStrategy<String> {
    let re = |r: &str| -> BoxedStrategy<String> {
        proptest::string::string_regex(r)
            .map(|s| s.boxed())
            .unwrap_or_else(|_| Just("a".to_string()).boxed())
    };
    const DATE: &str = "(19[0-9]{2}|20[0-9]{2})-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])";
    const TIME: &str = "([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?\
                        (Z|z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])";
    match format {
        "date-time" => re(&format!("{DATE}[Tt]{TIME}")),
        "date" => re(DATE),
        "time" => re(TIME),
        "email" => re(
            "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]{1,12}(\\.[A-Za-z0-9+_-]{1,6})?\
             @[a-z0-9]{1,10}(-[a-z0-9]{1,4})?\\.[a-z]{2,6}",
        ),
        "hostname" => {
            re("[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?(\\.[a-zA-Z0-9]([a-z0-9-]{0,8}[a-z0-9])?){0,3}")
        }
        "ipv4" => proptest::array::uniform4(any::<u8>())
            .prop_map(|o| std::net::Ipv4Addr::from(o).to_string())
            .boxed(),
        // Both the compressed form (`::` for the longest run of zeros) and all eight groups.
        "ipv6" => (
            proptest::array::uniform8(prop_oneof![Just(0u16), any::<u16>()]),
            any::<bool>(),
        )
            .prop_map(|(g, full)| {
                if full {
                    g.iter()
                        .map(|x| format!("{x:x}"))
                        .collect::<Vec<_>>()
                        .join(":")
                } else {
                    std::net::Ipv6Addr::from(g).to_string()
                }
            })
            .boxed(),
        "uri" => prop_oneof![
            4 => re("(https?|ftp)://[a-z0-9]{1,10}(\\.[a-z]{2,5})?(:[0-9]{1,4})?\
                (/([A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-F]{2}){0,8}){0,3}\
                (\\?([A-Za-z0-9=&+/?]|%[0-9a-f]{2}){0,10})?(#[a-z0-9/?]{0,5})?"),
            1 => re("urn:isbn:[0-9]{10}"),
            1 => re("mailto:[a-z]{1,8}@[a-z]{1,8}\\.com"),
        ]
        .boxed(),
        "regex" => (
            re("[a-z]{0,4}"),
            select(vec![
                "", "^", "[a-z]+", "\\d{2,3}", "(a|b)*", ".*", "\\S", "\\/", "[^\\]]", "a{2}$",
            ]),
        )
            .prop_map(|(a, b)| format!("{a}{b}"))
            .boxed(),
        _ => string(0, 16),
    }
}

/// Strings matching an ECMA-262 `pattern`, where proptest's regex generator can read a close
/// Rust translation of it; `None` when it cannot (the caller filters free strings instead).
///
/// JSON Schema's `pattern` is an unanchored search, so a string that wholly matches the pattern
/// matches it, and free text may be put around it where the pattern is not anchored there.
/// Anchors, lookarounds and word boundaries are dropped for generation (proptest cannot generate
/// them): what that lets through is refused by the gateway's own check afterwards.
pub(super) fn pattern_strategy(pattern: &str) -> Option<BoxedStrategy<String>> {
    let (core, start, end) = strip_anchors(pattern);
    let translated = ecma_to_rust(core)?;
    let inner = proptest::string::string_regex(&translated).ok()?.boxed();
    let around = |anchored: bool| -> BoxedStrategy<String> {
        if anchored {
            Just(String::new()).boxed()
        } else {
            prop_oneof![3 => Just(String::new()), 1 => string(0, 3)].boxed()
        }
    };
    Some(
        (around(start), inner, around(end))
            .prop_map(|(a, b, c)| format!("{a}{b}{c}"))
            .boxed(),
    )
}

/// The pattern without a leading `^` and an unescaped trailing `$`, and whether each was there.
fn strip_anchors(p: &str) -> (&str, bool, bool) {
    let (p, start) = match p.strip_prefix('^') {
        Some(rest) => (rest, true),
        None => (p, false),
    };
    let backslashes = p
        .strip_suffix('$')
        .map(|rest| rest.chars().rev().take_while(|c| *c == '\\').count());
    match backslashes {
        Some(n) if n % 2 == 0 => (&p[..p.len() - 1], start, true),
        _ => (p, start, false),
    }
}

/// ECMA-262 classes are ASCII where Rust's are Unicode (`\d`, `\w`) and `.` excludes more line
/// terminators; ECMA escapes (`\/`, `\cX`, `\uXXXX`, `\0`) are spelled the Rust way; inside a class a
/// `[` is literal in ECMA. Lookarounds, `\b`/`\B` and back-references are dropped. `None` when the
/// pattern is not even balanced.
fn ecma_to_rust(p: &str) -> Option<String> {
    const SPACE: &str = "\\t\\n\\x0B\\x0C\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}";
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::new();
    let mut in_class = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let next = *chars.get(i + 1)?;
                i += 2;
                match (next, in_class) {
                    ('d', false) => out.push_str("[0-9]"),
                    ('d', true) => out.push_str("0-9"),
                    ('D', false) => out.push_str("[^0-9]"),
                    ('w', false) => out.push_str("[0-9A-Za-z_]"),
                    ('w', true) => out.push_str("0-9A-Za-z_"),
                    ('W', false) => out.push_str("[^0-9A-Za-z_]"),
                    // Generating only ASCII blanks is a subset of ECMA's `\s`.
                    ('s', false) => out.push_str("[\\t\\n\\x0B\\x0C\\r ]"),
                    ('s', true) => out.push_str("\\t\\n\\x0B\\x0C\\r "),
                    ('S', false) => out.push_str(&format!("[^{SPACE}]")),
                    ('b' | 'B', false) => {}
                    ('b', true) => out.push_str("\\x08"),
                    ('0', _) => out.push_str("\\x00"),
                    ('1'..='9', false) => {
                        while chars.get(i).is_some_and(char::is_ascii_digit) {
                            i += 1;
                        }
                    }
                    ('c', _) => {
                        let letter = chars.get(i).filter(|l| l.is_ascii_alphabetic())?;
                        out.push_str(&format!("\\x{{{:X}}}", (*letter as u32) % 32));
                        i += 1;
                    }
                    ('u', _) => {
                        let hex: String = chars.get(i..i + 4)?.iter().collect();
                        u32::from_str_radix(&hex, 16).ok()?;
                        out.push_str(&format!("\\x{{{hex}}}"));
                        i += 4;
                    }
                    ('x', _) => {
                        let hex: String = chars.get(i..i + 2)?.iter().collect();
                        u32::from_str_radix(&hex, 16).ok()?;
                        out.push_str(&format!("\\x{hex}"));
                        i += 2;
                    }
                    (n, _) if n.is_ascii_alphanumeric() => {
                        out.push('\\');
                        out.push(n);
                    }
                    // Any other escaped character is itself.
                    (n, _) => push_literal(&mut out, n),
                }
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                // ECMA's `[]` matches nothing and `[^]` anything: Rust has neither.
                if chars.get(i + 1) == Some(&']') {
                    return None;
                }
            }
            '[' => out.push_str("\\["),
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '&' | '~' | '-' if in_class && chars.get(i + 1) == Some(&c) => {
                out.push('\\');
                out.push(c);
                out.push('\\');
                out.push(c);
                i += 1;
            }
            '.' if !in_class => out.push_str("[^\\n\\r\\x{2028}\\x{2029}]"),
            '^' | '$' if !in_class => {}
            '(' if !in_class && chars.get(i + 1) == Some(&'?') => {
                let rest: String = chars[i..chars.len().min(i + 4)].iter().collect();
                if rest.starts_with("(?=")
                    || rest.starts_with("(?!")
                    || rest.starts_with("(?<=")
                    || rest.starts_with("(?<!")
                {
                    i = skip_group(&chars, i)?;
                    continue;
                }
                out.push(c);
            }
            _ => out.push(c),
        }
        i += 1;
    }
    (!in_class).then_some(out)
}

fn push_literal(out: &mut String, c: char) {
    if c.is_ascii_punctuation() {
        out.push('\\');
    }
    out.push(c);
}

/// The index after the group opening at `start`, skipping nested groups, classes and escapes.
fn skip_group(chars: &[char], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_class = false;
    let mut i = start;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => depth += 1,
            ')' if !in_class => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Strings of an allowed length that are not what the format asserts.
pub(super) fn format_breakers(format: &str, value: &str) -> Vec<String> {
    let mut out = vec![
        format!("not-a-{format}"),
        format!("{value} x"),
        format!(" {value}"),
        String::new(),
    ];
    match format {
        "date-time" => {
            out.extend(["2020-02-30T00:00:00Z", "2020-01-01 00:00", "2020-01-01"].map(String::from))
        }
        "date" => out.extend(["2020-13-01", "2020-1-1", "20200101"].map(String::from)),
        "time" => out.extend(["25:00:00Z", "12:00"].map(String::from)),
        "email" => out.extend(["a@", "@b.co", "a b@c.d"].map(String::from)),
        "hostname" => out.extend(["-a", "a..b", "a_b"].map(String::from)),
        "ipv4" => out.extend(["256.0.0.1", "1.2.3", "01.2.3.4"].map(String::from)),
        "ipv6" => out.extend([":::", "1:2:3", "g::1"].map(String::from)),
        "uri" => out.extend(["no scheme", "//x", "http://a b"].map(String::from)),
        "regex" => out.extend(["(", "[", "a{2,1}"].map(String::from)),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_stripped_only_when_unescaped() {
        assert_eq!(strip_anchors("^a$"), ("a", true, true));
        assert_eq!(strip_anchors("a\\$"), ("a\\$", false, false));
        assert_eq!(strip_anchors("a\\\\$"), ("a\\\\", false, true));
    }

    #[test]
    fn ecma_classes_become_ascii() {
        assert_eq!(ecma_to_rust("\\d+").as_deref(), Some("[0-9]+"));
        assert_eq!(ecma_to_rust("[\\w-]").as_deref(), Some("[0-9A-Za-z_-]"));
        assert_eq!(ecma_to_rust("(?=.*a)b").as_deref(), Some("b"));
        assert_eq!(ecma_to_rust("[a"), None);
        assert_eq!(ecma_to_rust("\\/x").as_deref(), Some("\\/x"));
    }
}
