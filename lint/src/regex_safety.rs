//! Which characters a regular expression can let through, decided conservatively from its
//! syntax: used to trust a value a template checked with `$x.matches('...')` (a Java regex that
//! must match the whole string) or a request field whose schema `pattern` the validator checks
//! (ECMA 262, searched: only trusted when anchored with `^...$`).
//!
//! The analysis computes the set of ASCII characters any consuming atom of the pattern can match
//! (character classes, escapes, literals, `.`); quantifiers, groups, alternation and anchors only
//! combine atoms, so a string the pattern accepts is made of characters of that set. Anything the
//! analysis does not understand (`\Q..\E`, class intersections, `\x{..}`, comments mode, unknown
//! escapes) makes the pattern untrusted: it can only err on the side of a finding.

/// Where a value lands in the JSON a template builds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Safe {
    /// Inside a JSON string literal: nothing the value holds can end the string or make the JSON
    /// invalid (no `"`, no `\`, no control character).
    InString,
    /// Anywhere, even bare: additionally no `,` `:` `{` `}` `[` `]`, so it cannot add a member.
    Anywhere,
}

/// A set of ASCII characters (bit `c` for `c < 128`).
type Mask = u128;

const fn bit(c: u8) -> Mask {
    1u128 << c
}

fn range(a: u8, b: u8) -> Mask {
    (a..=b).fold(0, |m, c| m | bit(c))
}

/// `\x00`-`\x1F` (JSON allows DEL unescaped).
const CONTROL: Mask = (1u128 << 32) - 1;

/// What breaks a JSON string literal.
const STRING_DANGER: Mask = CONTROL | bit(b'"') | bit(b'\\');

/// What, bare, adds structure.
const BARE_DANGER: Mask =
    STRING_DANGER | bit(b',') | bit(b':') | bit(b'{') | bit(b'}') | bit(b'[') | bit(b']');

fn digits() -> Mask {
    range(b'0', b'9')
}

fn word() -> Mask {
    range(b'a', b'z') | range(b'A', b'Z') | digits() | bit(b'_')
}

/// Java's `\s`: `[ \t\n\x0B\f\r]`.
fn space() -> Mask {
    bit(b' ') | range(0x09, 0x0d)
}

const ALL: Mask = Mask::MAX;

/// The level a character set earns.
fn level(mask: Mask) -> Option<Safe> {
    if mask & BARE_DANGER == 0 {
        Some(Safe::Anywhere)
    } else if mask & STRING_DANGER == 0 {
        Some(Safe::InString)
    } else {
        None
    }
}

/// The level of a value that passed `String.matches(pattern)` (Java, whole string).
pub(super) fn java_matches(pattern: &str) -> Option<Safe> {
    // It must compile as API Gateway compiles it, or `.matches` throws and nothing is checked.
    vtl::javaregex::JavaPattern::compile(pattern).ok()?;
    let a = Analysis::of(pattern)?;
    level(a.mask)
}

/// The level of a string a JSON Schema `pattern` accepted. Draft 4 patterns are ECMA 262
/// regexes that are *searched*: only `^...$` with no top-level alternative constrains the whole
/// value.
pub(super) fn schema_pattern(pattern: &str) -> Option<Safe> {
    let a = Analysis::of(pattern)?;
    if !(a.starts_anchored && a.ends_anchored && !a.top_level_alternation) {
        return None;
    }
    level(a.mask)
}

/// The level of a string literal (an equality guard).
pub(super) fn literal(s: &str) -> Option<Safe> {
    let mut mask: Mask = 0;
    for c in s.chars() {
        if c.is_ascii() {
            mask |= bit(c as u8);
        }
    }
    level(mask)
}

struct Analysis {
    mask: Mask,
    starts_anchored: bool,
    ends_anchored: bool,
    top_level_alternation: bool,
}

impl Analysis {
    fn of(pattern: &str) -> Option<Analysis> {
        let chars: Vec<char> = pattern.chars().collect();
        let mut p = Parser {
            s: &chars,
            i: 0,
            mask: 0,
            depth: 0,
            top_alt: false,
        };
        p.sequence()?;
        if p.i != chars.len() {
            return None;
        }
        let starts_anchored = chars.first() == Some(&'^');
        // A final `$` that is not escaped (an even run of backslashes before it).
        let ends_anchored = chars.last() == Some(&'$') && {
            let run = chars[..chars.len() - 1]
                .iter()
                .rev()
                .take_while(|c| **c == '\\')
                .count();
            run % 2 == 0
        };
        Some(Analysis {
            mask: p.mask,
            starts_anchored,
            ends_anchored: ends_anchored && chars.len() > 1,
            top_level_alternation: p.top_alt,
        })
    }
}

struct Parser<'a> {
    s: &'a [char],
    i: usize,
    mask: Mask,
    depth: usize,
    top_alt: bool,
}

impl Parser<'_> {
    fn peek(&self) -> Option<char> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Alternatives up to a `)` or the end.
    fn sequence(&mut self) -> Option<()> {
        while let Some(c) = self.peek() {
            match c {
                ')' => {
                    if self.depth == 0 {
                        return None;
                    }
                    return Some(());
                }
                '|' => {
                    if self.depth == 0 {
                        self.top_alt = true;
                    }
                    self.i += 1;
                }
                '(' => {
                    self.i += 1;
                    self.group_prefix()?;
                    self.depth += 1;
                    self.sequence()?;
                    self.depth -= 1;
                    if !self.eat(')') {
                        return None;
                    }
                    self.quantifier()?;
                }
                '^' | '$' => self.i += 1,
                '[' => {
                    self.i += 1;
                    let m = self.class()?;
                    self.mask |= m;
                    self.quantifier()?;
                }
                '.' => {
                    self.i += 1;
                    self.mask |= ALL;
                    self.quantifier()?;
                }
                '\\' => {
                    self.i += 1;
                    let m = self.escape(false)?;
                    self.mask |= m;
                    self.quantifier()?;
                }
                '*' | '+' | '?' | '{' => {
                    // A quantifier with nothing to repeat, or a literal brace: not understood.
                    return None;
                }
                c => {
                    self.i += 1;
                    self.mask |= char_mask(c);
                    self.quantifier()?;
                }
            }
        }
        if self.depth == 0 { Some(()) } else { None }
    }

    /// After `(`: `?:`, lookarounds, atomic and named groups, inline flags.
    fn group_prefix(&mut self) -> Option<()> {
        if !self.eat('?') {
            return Some(());
        }
        match self.peek()? {
            ':' | '=' | '!' | '>' => {
                self.i += 1;
                Some(())
            }
            '<' => {
                self.i += 1;
                if self.eat('=') || self.eat('!') {
                    return Some(());
                }
                // A named group.
                while let Some(c) = self.peek() {
                    self.i += 1;
                    if c == '>' {
                        return Some(());
                    }
                    if !c.is_ascii_alphanumeric() {
                        return None;
                    }
                }
                None
            }
            _ => {
                // Inline flags `(?i)`, `(?i:...)`, `(?-i)`: comments mode changes what every
                // character means, so it is not understood; the others do not widen the set of
                // ASCII characters matched (case folding maps letters to letters).
                while let Some(c) = self.peek() {
                    match c {
                        'i' | 'm' | 'u' | 'U' | 'd' | 's' | '-' => self.i += 1,
                        ')' => {
                            // `(?i)`: the caller expects a group body; an empty one is fine.
                            return Some(());
                        }
                        ':' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
                None
            }
        }
    }

    /// `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each optionally lazy or possessive.
    fn quantifier(&mut self) -> Option<()> {
        loop {
            match self.peek() {
                Some('*' | '+' | '?') => self.i += 1,
                Some('{') => {
                    self.i += 1;
                    let start = self.i;
                    while self.peek().is_some_and(|c| c.is_ascii_digit() || c == ',') {
                        self.i += 1;
                    }
                    if self.i == start || !self.eat('}') {
                        return None;
                    }
                }
                _ => return Some(()),
            }
            // Lazy or possessive suffix.
            if matches!(self.peek(), Some('?' | '+')) {
                self.i += 1;
            }
            if !matches!(self.peek(), Some('*' | '+' | '?' | '{')) {
                return Some(());
            }
        }
    }

    /// After `[`: the characters the class matches.
    fn class(&mut self) -> Option<Mask> {
        let negated = self.eat('^');
        let mut m: Mask = 0;
        let mut first = true;
        loop {
            let c = self.peek()?;
            match c {
                ']' if !first => {
                    self.i += 1;
                    break;
                }
                // Nested classes and intersections: not understood.
                '[' => return None,
                '&' if self.s.get(self.i + 1) == Some(&'&') => return None,
                _ => {
                    let (lo, single) = self.class_atom()?;
                    // A range `a-z` (a `-` before `]` is literal).
                    if let Some(lo_c) = single
                        && self.peek() == Some('-')
                        && self.s.get(self.i + 1).is_some_and(|n| *n != ']')
                    {
                        self.i += 1;
                        let (_, hi) = self.class_atom()?;
                        let hi_c = hi?;
                        if hi_c < lo_c {
                            return None;
                        }
                        m |= char_range_mask(lo_c, hi_c);
                    } else {
                        m |= lo;
                    }
                }
            }
            first = false;
        }
        Some(if negated { !m } else { m })
    }

    /// One member of a class: its mask, and the character when it is a single one.
    fn class_atom(&mut self) -> Option<(Mask, Option<char>)> {
        let c = self.peek()?;
        self.i += 1;
        if c == '\\' {
            let start = self.i;
            let m = self.escape(true)?;
            // A single-character escape (`\-`, `\\`, `\x41`): find which one.
            let single = single_char_of(&self.s[start..self.i]);
            return Some((m, single));
        }
        Some((char_mask(c), Some(c)))
    }

    /// After `\`: the characters the escape matches (zero for anchors and back-references).
    fn escape(&mut self, in_class: bool) -> Option<Mask> {
        let c = self.peek()?;
        self.i += 1;
        let m = match c {
            'd' => digits(),
            'w' => word(),
            's' => space(),
            'D' => !digits(),
            'W' => !word(),
            'S' => !space(),
            'h' => bit(b' ') | bit(b'\t'),
            'H' | 'v' | 'V' | 'R' | 'X' | 'N' => ALL,
            'b' | 'B' | 'A' | 'z' | 'Z' | 'G' if !in_class => 0,
            't' => bit(b'\t'),
            'n' => bit(b'\n'),
            'r' => bit(b'\r'),
            'f' => bit(0x0c),
            'a' => bit(0x07),
            'e' => bit(0x1b),
            '0' => {
                let v = self.digits_in(8, 3)?;
                char_mask(char::from_u32(v)?)
            }
            'x' => {
                let v = self.hex_exact(2)?;
                char_mask(char::from_u32(v)?)
            }
            'u' => {
                let v = self.hex_exact(4)?;
                char_mask(char::from_u32(v)?)
            }
            'c' => {
                self.peek()?;
                self.i += 1;
                CONTROL
            }
            'p' | 'P' => {
                let m = self.property()?;
                if c == 'P' { !m } else { m }
            }
            // Back-references repeat text other atoms already matched.
            '1'..='9' if !in_class => {
                while self.peek().is_some_and(|d| d.is_ascii_digit()) {
                    self.i += 1;
                }
                0
            }
            'k' if !in_class => {
                if !self.eat('<') {
                    return None;
                }
                while let Some(d) = self.peek() {
                    self.i += 1;
                    if d == '>' {
                        return Some(0);
                    }
                }
                return None;
            }
            c if c.is_ascii_alphanumeric() => return None,
            // `\.`, `\-`, `\\`, `\"`: the character itself.
            c => char_mask(c),
        };
        Some(m)
    }

    fn digits_in(&mut self, radix: u32, max: usize) -> Option<u32> {
        let mut v = 0u32;
        let mut n = 0;
        while n < max
            && let Some(d) = self.peek().and_then(|c| c.to_digit(radix))
        {
            v = v * radix + d;
            self.i += 1;
            n += 1;
        }
        (n > 0).then_some(v)
    }

    fn hex_exact(&mut self, n: usize) -> Option<u32> {
        let start = self.i;
        let v = self.digits_in(16, n)?;
        (self.i - start == n).then_some(v)
    }

    /// `\p{Name}`: the ASCII-only and letter/digit properties.
    fn property(&mut self) -> Option<Mask> {
        if !self.eat('{') {
            return None;
        }
        let start = self.i;
        while self.peek().is_some_and(|c| c != '}') {
            self.i += 1;
        }
        let name: String = self.s[start..self.i].iter().collect();
        if !self.eat('}') {
            return None;
        }
        let name = name
            .strip_prefix("Is")
            .or_else(|| name.strip_prefix("general_category="))
            .unwrap_or(&name);
        Some(match name {
            "Lower" | "Ll" | "javaLowerCase" => range(b'a', b'z'),
            "Upper" | "Lu" | "javaUpperCase" => range(b'A', b'Z'),
            "Alpha" | "L" | "Letter" | "Alphabetic" => range(b'a', b'z') | range(b'A', b'Z'),
            "Digit" | "Nd" | "N" => digits(),
            "Alnum" => range(b'a', b'z') | range(b'A', b'Z') | digits(),
            "XDigit" => digits() | range(b'a', b'f') | range(b'A', b'F'),
            _ => return None,
        })
    }
}

/// The single character an escape sequence (without its backslash) stands for.
fn single_char_of(esc: &[char]) -> Option<char> {
    match esc {
        [c] if !c.is_ascii_alphanumeric() => Some(*c),
        ['t'] => Some('\t'),
        ['n'] => Some('\n'),
        ['r'] => Some('\r'),
        ['f'] => Some('\u{c}'),
        ['a'] => Some('\u{7}'),
        ['e'] => Some('\u{1b}'),
        ['x', a, b] => char::from_u32(u32::from_str_radix(&format!("{a}{b}"), 16).ok()?),
        ['u', rest @ ..] if rest.len() == 4 => {
            char::from_u32(u32::from_str_radix(&rest.iter().collect::<String>(), 16).ok()?)
        }
        ['0', rest @ ..] if !rest.is_empty() => {
            char::from_u32(u32::from_str_radix(&rest.iter().collect::<String>(), 8).ok()?)
        }
        _ => None,
    }
}

fn char_mask(c: char) -> Mask {
    if c.is_ascii() { bit(c as u8) } else { 0 }
}

fn char_range_mask(lo: char, hi: char) -> Mask {
    let lo = lo as u32;
    let hi = hi as u32;
    if lo > 127 {
        return 0;
    }
    range(lo as u8, hi.min(127) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_checks_are_safe() {
        for p in [
            "[A-Za-z0-9-]{1,64}",
            "^[0-9a-f-]{36}$",
            r"\d+",
            r"[\w-]+",
            "[a-z]+(-[a-z]+)*",
            r"(?i)[a-f0-9]{8}(?:-[a-f0-9]{4}){3}-[a-f0-9]{12}",
            r"\p{Alnum}{1,10}",
            r#"[^\x00-\x1F,:{}\[\]"\\]+"#,
        ] {
            assert_eq!(java_matches(p), Some(Safe::Anywhere), "{p}");
        }
        for p in [r#"[^"\\\x00-\x1F]+"#, "[a-z, ]+", r"[\w.:]+"] {
            assert_eq!(java_matches(p), Some(Safe::InString), "{p}");
        }
    }

    #[test]
    fn loose_checks_are_not() {
        for p in [
            ".+",
            "[^,]+",
            r"[\s\S]*",
            r"[\w\s]+",
            "[a-z\"]+",
            r"\S+",
            "(?s).*",
            "(?x)[a-z ]+",
            r"[a-z\\]+",
            r"\Qabc\E",
            "[a-z&&[^b]]",
            r"\x{22}",
            "[",
            "a{",
        ] {
            assert_eq!(java_matches(p), None, "{p}");
        }
    }

    #[test]
    fn schema_patterns_must_be_anchored() {
        assert_eq!(schema_pattern("^[A-Za-z0-9-]{1,64}$"), Some(Safe::Anywhere));
        assert_eq!(schema_pattern("[A-Za-z0-9-]{1,64}"), None);
        assert_eq!(schema_pattern("^[a-z]+"), None);
        assert_eq!(schema_pattern("^a$|b"), None);
        assert_eq!(schema_pattern(r"^[a-z]+\$"), None);
        assert_eq!(schema_pattern("^(a|b)$"), Some(Safe::Anywhere));
    }

    #[test]
    fn literals() {
        assert_eq!(literal("abc"), Some(Safe::Anywhere));
        assert_eq!(literal("a:b"), Some(Safe::InString));
        assert_eq!(literal("a\"b"), None);
    }
}
