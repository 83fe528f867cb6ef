//! Java regular expressions (`java.util.regex`) on top of fancy-regex: a small translation layer for
//! the constructs the two dialects spell differently (docs/evidence/dependencies.md §8).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use fancy_regex::{Regex, RegexBuilder};

/// Patterns kept by [`cached`]: enough for every distinct pattern of a real API's templates.
pub const CACHE_CAPACITY: usize = 256;
/// Longer patterns are compiled every time rather than pinned in the cache.
const CACHE_MAX_PATTERN_LEN: usize = 1024;

/// Compiled patterns shared by every render in the process (renders run on many threads).
static CACHE: OnceLock<Mutex<HashMap<String, Arc<JavaPattern>>>> = OnceLock::new();

/// [`JavaPattern::compile`] through a process-wide cache of at most [`CACHE_CAPACITY`] patterns.
/// When the cache is full an arbitrary entry is evicted. Compilation happens outside the lock, so a
/// slow pattern never blocks other renders; two threads may compile the same pattern once each.
/// Invalid patterns are not cached (the error is cheap to reproduce and rare).
pub fn cached(p: &str) -> Result<Arc<JavaPattern>, String> {
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    // A panic while holding the lock cannot leave the map inconsistent: keep using it.
    if let Some(hit) = cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(p)
        .cloned()
    {
        return Ok(hit);
    }
    let compiled = Arc::new(JavaPattern::compile(p)?);
    if p.len() <= CACHE_MAX_PATTERN_LEN {
        let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= CACHE_CAPACITY && !map.contains_key(p) {
            let victim = map.keys().next().cloned();
            if let Some(victim) = victim {
                map.remove(&victim);
            }
        }
        map.insert(p.to_string(), compiled.clone());
    }
    Ok(compiled)
}

/// Number of patterns in the process-wide cache (for tests).
pub fn cache_len() -> usize {
    CACHE
        .get()
        .map_or(0, |c| c.lock().unwrap_or_else(|e| e.into_inner()).len())
}

/// A compiled Java pattern.
#[derive(Debug, Clone)]
pub struct JavaPattern {
    find: Regex,
    whole: Regex,
}

/// The one string a pattern matches when it has no construct of its own: letters, digits and
/// other characters that are not metacharacters, and metacharacters escaped with a backslash
/// (`\\'` matches `\'`). `replaceAll("\\'", "'")`, the idiom of AWS's mapping-template
/// examples, then needs no regex search. `None` for anything else, the empty pattern included.
fn literal(p: &str) -> Option<Cow<'_, str>> {
    let plain = |c: char| {
        !matches!(
            c,
            '\\' | '^' | '$' | '.' | '|' | '?' | '*' | '+' | '(' | ')' | '[' | ']' | '{' | '}'
        )
    };
    if p.chars().all(plain) {
        return (!p.is_empty()).then_some(Cow::Borrowed(p));
    }
    let mut out = String::with_capacity(p.len());
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        match c {
            // Java: a backslash before a character that is not a letter or a digit quotes it;
            // before a letter or a digit it is a construct (a class, a back reference, \Q ...).
            '\\' => match chars.next() {
                Some(n) if !n.is_alphanumeric() => out.push(n),
                _ => return None,
            },
            c if plain(c) => out.push(c),
            _ => return None,
        }
    }
    Some(Cow::Owned(out))
}

/// `replaceAll`/`replaceFirst` of a plain `pattern` (no metacharacter, or only escaped ones) by a
/// replacement without `$` or `\`, which Java inserts as it is: no regex compiled or searched.
/// `None` when the pattern or the replacement needs the regex path ([`JavaPattern::replace`]).
pub fn replace_plain(
    s: &str,
    pattern: &str,
    repl: &str,
    all: bool,
    limit: usize,
) -> Option<Result<String, String>> {
    if repl.contains(['$', '\\']) {
        return None;
    }
    let lit = literal(pattern)?;
    let lit = lit.as_ref();
    // The steps of `JavaPattern::replace`, with every match the literal.
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for (at, _) in s.match_indices(lit) {
        out.push_str(&s[last..at]);
        out.push_str(repl);
        if out.len() > limit {
            return Some(Err("result too large".into()));
        }
        last = at + lit.len();
        if !all {
            break;
        }
    }
    out.push_str(&s[last..]);
    Some(Ok(out))
}

fn posix_class(name: &str) -> Option<&'static str> {
    // Java's POSIX classes are ASCII-only by default.
    Some(match name {
        "Lower" => "a-z",
        "Upper" => "A-Z",
        "ASCII" => "\\x00-\\x7F",
        "Alpha" => "a-zA-Z",
        "Digit" => "0-9",
        "Alnum" => "a-zA-Z0-9",
        "Punct" => "!-/:-@\\[-`{-~",
        "Graph" => "!-~",
        "Print" => " -~",
        "Blank" => " \\t",
        "Cntrl" => "\\x00-\\x1F\\x7F",
        "XDigit" => "0-9a-fA-F",
        "Space" => " \\t\\n\\x0B\\f\\r",
        "javaLowerCase" => "\\p{Lowercase}",
        "javaUpperCase" => "\\p{Uppercase}",
        "javaWhitespace" => "\\s",
        "javaMirrored" => "()\\[\\]{}<>",
        "javaLetter" => "\\p{L}",
        "javaDigit" => "\\p{Nd}",
        "javaLetterOrDigit" => "\\p{L}\\p{Nd}",
        "javaAlphabetic" => "\\p{Alphabetic}",
        _ => return None,
    })
}

/// Rewrites a Java pattern into fancy-regex syntax.
pub fn translate(p: &str) -> Result<String, String> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::with_capacity(p.len() + 8);
    let mut i = 0;
    let mut class_depth = 0usize;
    let dotall = p.contains("(?s");
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(&n) = chars.get(i + 1) else {
                    return Err("Unexpected internal error near index 1: trailing backslash".into());
                };
                match n {
                    'Q' => {
                        // \Q...\E quotes literally.
                        let mut j = i + 2;
                        while j < chars.len()
                            && !(chars[j] == '\\' && chars.get(j + 1) == Some(&'E'))
                        {
                            let ch = chars[j];
                            if ch.is_ascii_alphanumeric() || !ch.is_ascii() {
                                out.push(ch);
                            } else {
                                out.push('\\');
                                out.push(ch);
                            }
                            j += 1;
                        }
                        i = if j < chars.len() { j + 2 } else { j };
                        continue;
                    }
                    'p' | 'P' if chars.get(i + 2) == Some(&'{') => {
                        let close = chars[i + 3..].iter().position(|&c| c == '}');
                        if let Some(k) = close {
                            let name: String = chars[i + 3..i + 3 + k].iter().collect();
                            let name = name.strip_prefix("Is").unwrap_or(&name).to_string();
                            if let Some(cls) = posix_class(&name) {
                                let neg = if n == 'P' { "^" } else { "" };
                                if class_depth > 0 && n == 'p' {
                                    out.push_str(cls);
                                } else {
                                    out.push_str(&format!("[{neg}{cls}]"));
                                }
                                i += 4 + k;
                                continue;
                            }
                        }
                        out.push('\\');
                        out.push(n);
                        i += 2;
                    }
                    _ => {
                        out.push('\\');
                        out.push(n);
                        i += 2;
                    }
                }
            }
            '[' => {
                class_depth += 1;
                out.push('[');
                i += 1;
                // A `]` right after `[` or `[^` is a literal in Java.
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            ']' if class_depth > 0 => {
                class_depth -= 1;
                out.push(']');
                i += 1;
            }
            ']' => {
                out.push_str("\\]");
                i += 1;
            }
            '.' if class_depth == 0 && !dotall => {
                // Java's `.` also excludes \r, U+0085, U+2028 and U+2029.
                out.push_str("[^\\n\\r\\x{85}\\x{2028}\\x{2029}]");
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

impl JavaPattern {
    pub fn compile(p: &str) -> Result<JavaPattern, String> {
        let t = translate(p)?;
        let build = |s: &str| {
            RegexBuilder::new(s)
                .backtrack_limit(1_000_000)
                .build()
                .map_err(|e| format!("PatternSyntaxException: {e}"))
        };
        Ok(JavaPattern {
            find: build(&t)?,
            whole: build(&format!("\\A(?:{t})\\z"))?,
        })
    }

    /// `String.matches`: the whole input must match.
    pub fn matches(&self, s: &str) -> Result<bool, String> {
        self.whole.is_match(s).map_err(|e| e.to_string())
    }

    /// `replaceAll`/`replaceFirst` with Java replacement syntax (`$1`, `${name}`, `\$`).
    pub fn replace(&self, s: &str, repl: &str, all: bool, limit: usize) -> Result<String, String> {
        let mut out = String::new();
        let mut last = 0;
        let mut search_from = 0;
        while search_from <= s.len() {
            let caps = match self.find.captures_from_pos(s, search_from) {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(e) => return Err(e.to_string()),
            };
            let Some(m) = caps.get(0) else { break };
            out.push_str(&s[last..m.start()]);
            expand_replacement(&caps, &self.find, repl, &mut out)?;
            if out.len() > limit {
                return Err("result too large".into());
            }
            last = m.end();
            if m.end() == m.start() {
                // Empty match: step over one character.
                match s[m.end()..].chars().next() {
                    Some(ch) => {
                        search_from = m.end() + ch.len_utf8();
                    }
                    None => break,
                }
            } else {
                search_from = m.end();
            }
            if !all {
                break;
            }
        }
        out.push_str(&s[last..]);
        Ok(out)
    }

    /// `String.split(regex)` (limit 0): trailing empty strings removed; a zero-width match at the
    /// very start does not produce a leading empty string (Java 8+).
    pub fn split(&self, s: &str) -> Result<Vec<String>, String> {
        let mut parts = Vec::new();
        let mut last = 0;
        let mut search_from = 0;
        while search_from <= s.len() {
            let m = match self.find.find_from_pos(s, search_from) {
                Ok(Some(m)) => m,
                Ok(None) => break,
                Err(e) => return Err(e.to_string()),
            };
            if m.end() == 0 {
                // zero-length match at the beginning: no leading empty substring
            } else {
                parts.push(s[last..m.start()].to_string());
                last = m.end();
            }
            if m.end() == m.start() {
                match s[m.end()..].chars().next() {
                    Some(ch) => search_from = m.end() + ch.len_utf8(),
                    None => break,
                }
            } else {
                search_from = m.end();
            }
        }
        parts.push(s[last..].to_string());
        if parts.len() == 1 && s.is_empty() {
            return Ok(vec![String::new()]);
        }
        while parts.last().is_some_and(|p| p.is_empty()) {
            parts.pop();
        }
        Ok(parts)
    }
}

fn expand_replacement(
    caps: &fancy_regex::Captures<'_, str>,
    re: &Regex,
    repl: &str,
    out: &mut String,
) -> Result<(), String> {
    let r: Vec<char> = repl.chars().collect();
    let groups = caps.len();
    let mut i = 0;
    while i < r.len() {
        match r[i] {
            '\\' => {
                i += 1;
                match r.get(i) {
                    Some(c) => out.push(*c),
                    None => return Err("character to be escaped is missing".into()),
                }
                i += 1;
            }
            '$' => {
                i += 1;
                match r.get(i) {
                    None => return Err("Illegal group reference: group index is missing".into()),
                    Some('{') => {
                        let close = r[i..].iter().position(|&c| c == '}');
                        let Some(k) = close else {
                            return Err("named capturing group is missing trailing '}'".into());
                        };
                        let name: String = r[i + 1..i + k].iter().collect();
                        if !re.capture_names().any(|n| n == Some(name.as_str())) {
                            return Err(format!("No group with name {{{name}}}"));
                        }
                        if let Some(m) = caps.name(&name) {
                            out.push_str(m.as_str());
                        }
                        i += k + 1;
                    }
                    Some(c) if c.is_ascii_digit() => {
                        let mut g = c.to_digit(10).unwrap_or(0) as usize;
                        if g >= groups {
                            return Err(format!("No group {g}"));
                        }
                        i += 1;
                        // Java takes more digits while the group number stays valid.
                        while let Some(d) = r.get(i).and_then(|c| c.to_digit(10)) {
                            let ng = g * 10 + d as usize;
                            if ng >= groups {
                                break;
                            }
                            g = ng;
                            i += 1;
                        }
                        if let Some(m) = caps.get(g) {
                            out.push_str(m.as_str());
                        }
                    }
                    Some(_) => return Err("Illegal group reference".into()),
                }
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_patterns_replace_as_the_regex_search_does() {
        // What is plain, and what is a construct.
        assert_eq!(literal("\\\\'").as_deref(), Some("\\'"));
        assert_eq!(literal("abc").as_deref(), Some("abc"));
        assert_eq!(literal("a\\.b\\$").as_deref(), Some("a.b$"));
        assert_eq!(literal("é-\\\"").as_deref(), Some("é-\""));
        // Java's replacement syntax and patterns with constructs take the regex path.
        assert_eq!(replace_plain("a$b", "a", "$0", true, usize::MAX), None);
        assert_eq!(replace_plain("a\\b", "a", "\\$", true, usize::MAX), None);
        assert_eq!(replace_plain("ab", "a.", "x", true, usize::MAX), None);
        for construct in [
            "", "a.b", "\\d", "\\1", "\\Qa\\E", "(?i)a", "a|b", "[a]", "a+", "^a", "\\",
        ] {
            assert_eq!(literal(construct), None, "{construct:?}");
        }
        // The fast path against the regex search on the same input, for both methods, with
        // overlapping candidates, matches at both ends, none, and multi-byte text.
        let inputs = [
            "",
            "no match here",
            "O\\'Brien \\'quoted\\' \\'",
            "\\'\\'\\'",
            "aaaa",
            "é\\'é\\'",
            "a.b$a.b$",
        ];
        for pattern in ["\\\\'", "aa", "a\\.b\\$", "é"] {
            let regex = JavaPattern::compile(pattern).unwrap();
            for input in inputs {
                for repl in ["'", "", "xyz"] {
                    for all in [true, false] {
                        assert_eq!(
                            replace_plain(input, pattern, repl, all, usize::MAX),
                            Some(regex.replace(input, repl, all, usize::MAX)),
                            "{pattern:?} in {input:?} by {repl:?}, all: {all}"
                        );
                    }
                }
                // The size limit is met at the same match.
                for limit in 0..12 {
                    assert_eq!(
                        replace_plain(input, pattern, "xyz", true, limit),
                        Some(regex.replace(input, "xyz", true, limit)),
                        "{pattern:?} in {input:?}, limit {limit}"
                    );
                }
            }
        }
    }

    #[test]
    fn cache_is_bounded_and_shared_across_threads() {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                std::thread::spawn(move || {
                    for i in 0..CACHE_CAPACITY {
                        let p = format!("x{}y{t}", i % (CACHE_CAPACITY / 2 + t));
                        let re = cached(&p).expect("valid pattern");
                        assert!(re.matches(&p).is_ok());
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().expect("no panic");
        }
        assert!(cache_len() <= CACHE_CAPACITY);
        let a = cached("a+b").expect("valid");
        let b = cached("a+b").expect("valid");
        assert!(Arc::ptr_eq(&a, &b) || cache_len() == CACHE_CAPACITY);
        assert!(cached("(").is_err());
    }

    #[test]
    fn java_semantics() {
        let p = JavaPattern::compile("(o)").unwrap();
        assert_eq!(
            p.replace("Hello World", "<$1>", true, 1000).unwrap(),
            "Hell<o> W<o>rld"
        );
        assert_eq!(
            p.replace("Hello World", "<$1>", false, 1000).unwrap(),
            "Hell<o> World"
        );
        assert!(p.replace("x", "$2", true, 1000).is_ok()); // no match, no expansion
        assert!(p.replace("o", "$2", true, 1000).is_err());
        let p = JavaPattern::compile("\\\\'").unwrap();
        assert_eq!(p.replace("it\\'s", "'", true, 1000).unwrap(), "it's");
        let p = JavaPattern::compile("4\\d{2}").unwrap();
        assert!(p.matches("404").unwrap());
        assert!(!p.matches("4040").unwrap());
        let p = JavaPattern::compile(",").unwrap();
        assert_eq!(p.split("a,b,,").unwrap(), vec!["a", "b"]);
        let p = JavaPattern::compile("").unwrap();
        assert_eq!(p.split("abc").unwrap(), vec!["a", "b", "c"]);
        let p = JavaPattern::compile("\\Qa.b\\E").unwrap();
        assert!(p.matches("a.b").unwrap());
        assert!(!p.matches("axb").unwrap());
        let p = JavaPattern::compile("\\p{Alpha}+").unwrap();
        assert!(p.matches("abc").unwrap());
    }
}
