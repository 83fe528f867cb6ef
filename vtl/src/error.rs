//! Parse and render errors. Both carry the line:column of the offending source and a snippet of it,
//! because API Gateway itself only says "Unable to transform request" and users need more.

/// 1-based line and column (in characters) of byte offset `pos` in `src`, plus the source line
/// from that position (at most 40 characters) as a snippet.
pub(crate) fn locate(src: &str, pos: usize) -> (usize, usize, String) {
    let mut pos = pos.min(src.len());
    while !src.is_char_boundary(pos) {
        pos -= 1;
    }
    let before = &src[..pos];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = src[line_start..pos].chars().count() + 1;
    let snippet: String = src[pos..]
        .chars()
        .take_while(|c| *c != '\n')
        .take(40)
        .collect();
    (line, column, snippet)
}

/// What kind of mistake a [`ParseError`] reports (its message says exactly what).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The template is larger than API Gateway accepts ([`crate::MAX_TEMPLATE_BYTES`]).
    TooLarge,
    /// Blocks nested, or operators chained, beyond the parser's bounds.
    TooDeep,
    /// The template ends inside a `$` or `#` token (`100$`, `$!`, `${n`), which Velocity 1.7's
    /// lexer rejects.
    UnexpectedEnd,
    /// A `#if`, `#foreach`, `#define` or `#macro` without its `#end`, or a `#[[` without `]]#`.
    UnclosedDirective,
    /// An `#end` that closes nothing.
    UnmatchedEnd,
    /// An `#else` or `#elseif` outside an `#if`, or after its `#else`.
    UnmatchedElse,
    /// A directive API Gateway does not support (`#include`, `#parse`, `#evaluate`, ...).
    UnsupportedDirective,
    /// A malformed `#set`, `#if`, `#elseif`, `#foreach`, `#define` or `#macro` header.
    BadDirective,
    /// A call of a macro with arguments that do not parse.
    BadMacroCall,
    /// A malformed reference: `${`, an index or a method call's arguments left open.
    BadReference,
    /// A malformed expression: a missing operand, an unclosed list or map literal, a bad range.
    BadExpression,
    /// A malformed number or an unterminated string literal.
    BadLiteral,
}

/// A template that API Gateway would reject ("Unable to transform request").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("parse error at {line}:{column}: {message} (near `{snippet}`)")]
pub struct ParseError {
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) kind: ParseErrorKind,
    pub(crate) message: String,
    pub(crate) snippet: String,
}

impl ParseError {
    pub(crate) fn at(
        src: &str,
        pos: usize,
        kind: ParseErrorKind,
        message: impl Into<String>,
    ) -> ParseError {
        let (line, column, snippet) = locate(src, pos);
        ParseError {
            line,
            column,
            kind,
            message: message.into(),
            snippet,
        }
    }

    /// What kind of mistake this is; [`ParseError::message`] says exactly what.
    pub fn kind(&self) -> ParseErrorKind {
        self.kind
    }

    pub fn line(&self) -> usize {
        self.line
    }

    pub fn column(&self) -> usize {
        self.column
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn snippet(&self) -> &str {
        &self.snippet
    }
}

/// What went wrong while rendering.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenderErrorKind {
    /// AWS documents a limit of 1000 iterations per `#foreach` (DG limits).
    #[error("#foreach exceeded the API Gateway limit of {0} iterations")]
    ForeachLimit(usize),
    /// Nested loops can multiply; this bounds the work of one render.
    #[error("the template ran more than {0} #foreach iterations in total")]
    TotalIterationLimit(usize),
    #[error("output exceeded {0} bytes")]
    OutputLimit(usize),
    #[error("macro or #define nesting deeper than {0}")]
    RecursionLimit(usize),
    #[error("range [{0}..{1}] is larger than {2} elements")]
    RangeLimit(i64, i64, usize),
    /// A Java method threw (index out of bounds, bad regex, ...). Velocity raises
    /// MethodInvocationException; API Gateway answers 500.
    #[error("method invocation failed: {0}")]
    MethodInvocation(String),
    #[error("{0}")]
    Other(String),
}

/// A runtime failure; API Gateway answers 500 "Internal server error" for these.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("render error at {line}:{column}: {kind} (near `{snippet}`)")]
pub struct RenderError {
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) kind: RenderErrorKind,
    pub(crate) snippet: String,
}

impl RenderError {
    pub(crate) fn at(src: &str, pos: usize, kind: RenderErrorKind) -> RenderError {
        let (line, column, snippet) = locate(src, pos);
        RenderError {
            line,
            column,
            kind,
            snippet,
        }
    }

    pub fn line(&self) -> usize {
        self.line
    }

    pub fn column(&self) -> usize {
        self.column
    }

    pub fn kind(&self) -> &RenderErrorKind {
        &self.kind
    }

    pub fn snippet(&self) -> &str {
        &self.snippet
    }
}

#[cfg(test)]
mod tests {
    use super::ParseErrorKind as K;

    fn kind(src: &str) -> K {
        match crate::Template::parse(src) {
            Ok(_) => panic!("{src:?} parses"),
            Err(e) => e.kind(),
        }
    }

    #[test]
    fn parse_errors_have_kinds() {
        assert_eq!(kind("#if(true)x"), K::UnclosedDirective);
        assert_eq!(kind("#foreach($x in [1])x"), K::UnclosedDirective);
        assert_eq!(kind("x#end"), K::UnmatchedEnd);
        assert_eq!(kind("#else"), K::UnmatchedElse);
        assert_eq!(kind("#include('x')"), K::UnsupportedDirective);
        assert_eq!(kind("#set(x = 1)"), K::BadDirective);
        assert_eq!(kind("#set($x = )"), K::BadExpression);
        assert_eq!(kind("${x"), K::BadReference);
        assert_eq!(kind("#set($x = 'abc)"), K::BadLiteral);
        assert_eq!(kind("100$"), K::UnexpectedEnd);
        assert_eq!(
            kind(&"x".repeat(crate::MAX_TEMPLATE_BYTES + 1)),
            K::TooLarge
        );
        assert_eq!(kind(&"#if(true)".repeat(500)), K::TooDeep);
        // An interpolated string's error keeps the kind of what is wrong inside it.
        assert_eq!(kind("#set($x = \"#if(true)\")"), K::UnclosedDirective);
    }
}
