//! Integration-response selection patterns: "Java pattern-style regexes" (API Gateway developer
//! guide) matched against the backend status code as a whole string, like Java's
//! `String.matches` (docs/evidence/apigateway-semantics.md §3.2: `4` never matches `400`, `Invalid*` did not match
//! `Invalid ...`). Compiled with `vtl`'s Java-regex layer when the spec loads, so a pattern that
//! does not compile is reported before deploy, not when a request arrives.

/// A compiled selection pattern.
#[derive(Debug, Clone)]
pub struct SelectionPattern {
    source: String,
    regex: vtl::javaregex::JavaPattern,
}

/// Longer patterns are refused: backtracking regexes can be made to run for a long time.
pub const MAX_PATTERN_LEN: usize = 1024;

impl SelectionPattern {
    pub fn compile(source: &str) -> Result<Self, String> {
        if source.len() > MAX_PATTERN_LEN {
            return Err(format!(
                "pattern is {} bytes long; the limit is {MAX_PATTERN_LEN}",
                source.len()
            ));
        }
        // The same Java-regex layer the templates' `matches`/`replaceAll` use.
        let regex = vtl::javaregex::JavaPattern::compile(source)?;
        Ok(SelectionPattern {
            source: source.to_string(),
            regex,
        })
    }

    /// Whole-string match. A match that exceeds the backtracking budget counts as no match.
    pub fn matches(&self, s: &str) -> bool {
        self.regex.matches(s).unwrap_or(false)
    }

    pub fn as_str(&self) -> &str {
        &self.source
    }
}

/// `pattern` (a model's JSON Schema keyword, ECMA-262) rewritten so that a strict (Unicode-mode)
/// engine reads it as a lenient (Annex B) one does, or `None` when nothing needs rewriting.
/// The one rewrite: inside a character class, a `-` right after a class escape (`[\w-_]`) is
/// a literal `-` in Annex B and an error in Unicode mode; `\-` means the same in both.
pub fn ecma_compatible(pattern: &str) -> Option<String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 4);
    let mut in_class = false;
    let mut changed = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() => {
                let e = chars[i + 1];
                out.push(c);
                out.push(e);
                i += 2;
                let class_escape = matches!(e, 'w' | 'W' | 'd' | 'D' | 's' | 'S');
                if in_class
                    && class_escape
                    && chars.get(i) == Some(&'-')
                    && chars.get(i + 1).is_some_and(|n| *n != ']')
                {
                    out.push_str("\\-");
                    changed = true;
                    i += 1;
                }
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // A `]` or `^]` right after the opening bracket is literal.
                if chars.get(i + 1) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
        i += 1;
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::ecma_compatible;

    #[test]
    fn dash_after_class_escape_is_escaped() {
        assert_eq!(
            ecma_compatible(r"^[\w-_]+$").as_deref(),
            Some(r"^[\w\-_]+$")
        );
        assert_eq!(
            ecma_compatible(r"[\d-x\s-y]").as_deref(),
            Some(r"[\d\-x\s\-y]")
        );
        // Already fine: a trailing dash, a range, an escaped dash, a dash outside a class.
        for p in [
            r"[\w-]",
            r"[a-z0-9-]{1,64}",
            r"[\w\-_]",
            r"\w-\d",
            r"^\S+$",
            r"[\\w-_]",
        ] {
            assert_eq!(ecma_compatible(p), None, "{p}");
        }
    }

    use super::*;

    fn m(p: &str, s: &str) -> bool {
        SelectionPattern::compile(p).unwrap().matches(s)
    }

    #[test]
    fn whole_string_semantics() {
        assert!(m(r"4\d{2}", "400"));
        assert!(!m(r"4\d{2}", "4000"));
        assert!(!m("4", "400"));
        assert!(m(".*", ""));
        assert!(!m("Invalid*", "Invalid input"));
        assert!(m("Invalid.*", "Invalid input"));
        assert!(m(r"4\d{2}|5\d{2}", "503"));
    }

    #[test]
    fn java_forms() {
        assert!(m(r"\Q4.0\E", "4.0"));
        assert!(!m(r"\Q4.0\E", "400"));
        assert!(m(r"\p{Digit}+", "404"));
        assert!(!m(r"\p{Alpha}+", "é"));
        assert!(m(r"(?>40)0", "400"));
        assert!(m(r"\d++", "500"));
        assert!(m(r"[0-9&&[^5]]00", "400"));
    }

    #[test]
    fn errors_are_reported() {
        assert!(SelectionPattern::compile("[45\\d{2}").is_err());
        assert!(SelectionPattern::compile("(").is_err());
        assert!(SelectionPattern::compile("\\").is_err());
        assert!(SelectionPattern::compile(&"a".repeat(2000)).is_err());
    }
}
