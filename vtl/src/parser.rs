//! Hand-written lexer and recursive-descent parser for Velocity 1.7 as API Gateway runs it.
//!
//! The scanner works on bytes: every character with a meaning in VTL is ASCII, so text between
//! them is always sliced at character boundaries. Whitespace rules follow what Velocity 1.7 does
//! (checked against the 1.7 jar, see tests/differential.rs):
//! - a directive's closing `)` and `#else`/`#end` swallow trailing spaces/tabs plus one newline;
//! - `#set` also swallows the spaces/tabs before it when they start a new token (start of template,
//!   right after another directive, reference or comment);
//! - `##` comments swallow their newline, `#* *#` comments do not.

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::{BinOp, Expr, MacroDef, Node, Part, Reference, Span, Symbols};
use crate::error::{ParseError, ParseErrorKind};

/// Deepest nesting of blocks and expressions accepted; beyond it the parser would risk the stack.
pub const MAX_NESTING: usize = 100;

/// Most binary operators accepted in one expression.
pub const MAX_OPERATOR_CHAIN: usize = 256;

const DIRECTIVES: &[&str] = &[
    "set", "if", "elseif", "else", "end", "foreach", "break", "stop", "define", "macro", "include",
    "parse", "evaluate",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Block {
    Top,
    If,
    Other,
}

enum Term {
    Eof,
    End,
    Else,
    ElseIf(Expr),
}

pub(crate) struct Parser<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    /// Added to every recorded position (interpolated strings are parsed from a copy).
    base: usize,
    pub(crate) macros: HashMap<String, MacroDef>,
    /// Every variable name met so far, numbered (shared with the parsers of interpolated strings).
    pub(crate) symbols: Symbols,
    depth: usize,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

fn is_word_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

impl<'a> Parser<'a> {
    pub(crate) fn new(src: &'a str, base: usize, macros: HashMap<String, MacroDef>) -> Self {
        Parser {
            src,
            b: src.as_bytes(),
            pos: 0,
            base,
            macros,
            symbols: Symbols::new(),
            depth: 0,
        }
    }

    /// The absolute span from the local offset `start` to the current position.
    fn span_from(&self, start: usize) -> Span {
        Span::new(start + self.base, self.pos + self.base)
    }

    fn err(&self, pos: usize, kind: ParseErrorKind, msg: impl Into<String>) -> ParseError {
        ParseError::at(self.src, pos, kind, msg)
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn peek_at(&self, p: usize) -> Option<u8> {
        self.b.get(p).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        self.b[self.pos.min(self.b.len())..].starts_with(s.as_bytes())
    }

    pub(crate) fn parse_template(&mut self) -> Result<Vec<Node>, ParseError> {
        let (nodes, term, at) = self.parse_block(Block::Top)?;
        match term {
            Term::Eof => Ok(nodes),
            Term::End => Err(self.err(
                at,
                ParseErrorKind::UnmatchedEnd,
                "#end without a matching #if, #foreach, #macro or #define",
            )),
            Term::Else | Term::ElseIf(_) => Err(self.err(
                at,
                ParseErrorKind::UnmatchedElse,
                "#else/#elseif without a matching #if",
            )),
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.err(
                self.pos,
                ParseErrorKind::TooDeep,
                format!("nesting deeper than {MAX_NESTING}"),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Parses nodes until EOF or a block terminator; returns the terminator and its position.
    fn parse_block(&mut self, block: Block) -> Result<(Vec<Node>, Term, usize), ParseError> {
        self.enter()?;
        let r = self.parse_block_inner(block);
        self.leave();
        r
    }

    fn parse_block_inner(&mut self, block: Block) -> Result<(Vec<Node>, Term, usize), ParseError> {
        let block_start = self.pos + self.base;
        let mut nodes: Vec<Node> = Vec::new();
        let mut pending = String::new();
        fn flush(nodes: &mut Vec<Node>, pending: &mut String) {
            if pending.is_empty() {
                return;
            }
            if let Some(Node::Text(t, _)) = nodes.last_mut() {
                t.push_str(pending);
            } else {
                nodes.push(Node::Text(std::mem::take(pending), Span::default()));
            }
            pending.clear();
        }
        loop {
            let Some(c) = self.peek() else {
                flush(&mut nodes, &mut pending);
                text_spans(&mut nodes, block_start, self.pos + self.base);
                return Ok((nodes, Term::Eof, self.pos));
            };
            match c {
                b'\\' => {
                    let start = self.pos;
                    let mut n = 0;
                    while self.peek_at(start + n) == Some(b'\\') {
                        n += 1;
                    }
                    let after = start + n;
                    if self.peek_at(after) == Some(b'$') {
                        self.pos = after;
                        if let Some(reference) = self.try_reference()? {
                            flush(&mut nodes, &mut pending);
                            let property_last =
                                matches!(reference.parts.last(), Some(Part::Property(_)))
                                    && !reference.literal.ends_with('}');
                            let span = self.span_from(start);
                            nodes.push(Node::EscapedRef {
                                backslashes: n,
                                reference,
                                span,
                            });
                            // Same lexer quirk as for unescaped references (`##` is text).
                            if property_last && self.starts_with("##") {
                                pending.push_str("##");
                                self.pos += 2;
                            }
                            continue;
                        }
                        self.pos = start;
                    }
                    if self.peek_at(after) == Some(b'#')
                        && let Some((name, name_end)) = self.directive_name_at(after)
                        && (DIRECTIVES.contains(&name.as_str()) || self.macros.contains_key(&name))
                    {
                        if n % 2 == 1 {
                            // Escaped directive: half the backslashes, then the directive text.
                            pending.push_str(&"\\".repeat((n - 1) / 2));
                            pending.push_str(&self.src[after..name_end]);
                            self.pos = name_end;
                        } else {
                            // Velocity 1.7 keeps every backslash before an unescaped #set but only
                            // half of them before other directives (checked against the 1.7 jar).
                            let keep = if name == "set" { n } else { n / 2 };
                            pending.push_str(&"\\".repeat(keep));
                            flush(&mut nodes, &mut pending);
                            self.pos = after;
                        }
                        continue;
                    }
                    pending.push_str(&self.src[start..after]);
                    self.pos = after;
                }
                b'$' => {
                    if let Some(r) = self.try_reference()? {
                        flush(&mut nodes, &mut pending);
                        // Velocity 1.7 lexer quirk: `##` right after an unbraced property
                        // reference (`$a.b## c`) is text, not a comment.
                        let property_last = matches!(r.parts.last(), Some(Part::Property(_)))
                            && !r.literal.ends_with('}');
                        let braced = r.literal.ends_with('}');
                        nodes.push(Node::Ref(r));
                        if property_last && self.starts_with("##") {
                            pending.push_str("##");
                            self.pos += 2;
                        }
                        // Velocity 1.7 lexer quirk: `$a{word}` prints `{` and drops `word}`;
                        // `$a{word` without `}` does not parse.
                        if !braced && self.peek() == Some(b'{') {
                            let mut q = self.pos + 1;
                            if self.peek_at(q).is_some_and(is_ident_start) {
                                while self.peek_at(q).is_some_and(is_ident_char) {
                                    q += 1;
                                }
                                if self.peek_at(q) != Some(b'}') {
                                    return Err(self.err(
                                        self.pos,
                                        ParseErrorKind::BadReference,
                                        "unexpected `{` after a reference",
                                    ));
                                }
                                pending.push('{');
                                self.pos = q + 1;
                            }
                        }
                    } else {
                        self.lone_symbol_at_end()?;
                        // Velocity 1.7 drops a lone `$` written right before a directive.
                        let before_directive = self.peek_at(self.pos + 1) == Some(b'#')
                            && self
                                .directive_name_at(self.pos + 1)
                                .is_some_and(|(n, _)| DIRECTIVES.contains(&n.as_str()));
                        if !before_directive {
                            pending.push('$');
                        }
                        self.pos += 1;
                    }
                }
                b'#' => {
                    if let Some((term, at)) = self.hash(block, &mut nodes, &mut pending, flush)? {
                        flush(&mut nodes, &mut pending);
                        text_spans(&mut nodes, block_start, at + self.base);
                        return Ok((nodes, term, at));
                    }
                }
                _ => {
                    let start = self.pos;
                    while let Some(c) = self.peek() {
                        if c == b'\\' || c == b'$' || c == b'#' {
                            break;
                        }
                        self.pos += 1;
                    }
                    pending.push_str(&self.src[start..self.pos]);
                }
            }
        }
    }

    /// Velocity 1.7's lexer fails when a template ends inside a `$`/`#` token (`100$`, `a#`, `$!`,
    /// `${n`); elsewhere such text is printed literally.
    fn lone_symbol_at_end(&self) -> Result<(), ParseError> {
        let rest = &self.b[self.pos..];
        let at_end = match rest {
            [_] => true,
            [b'$', b'!'] => true,
            [b'$', b'!', b'{', tail @ ..] | [b'$', b'{', tail @ ..] => {
                tail.first().is_some_and(|c| is_ident_start(*c))
                    && tail.iter().all(|c| is_ident_char(*c))
            }
            _ => false,
        };
        if at_end {
            return Err(self.err(
                self.pos,
                ParseErrorKind::UnexpectedEnd,
                "unexpected end of template",
            ));
        }
        Ok(())
    }

    /// `#name` or `#{name}` at `p` (which holds `#`): the name and the position after it.
    fn directive_name_at(&self, p: usize) -> Option<(String, usize)> {
        let mut q = p + 1;
        let braced = self.peek_at(q) == Some(b'{');
        if braced {
            q += 1;
        }
        let s = q;
        if !self.peek_at(q).is_some_and(is_ident_start) {
            return None;
        }
        while self.peek_at(q).is_some_and(is_word_char) {
            q += 1;
        }
        let name = self.src[s..q].to_string();
        if braced {
            if self.peek_at(q) != Some(b'}') {
                return None;
            }
            q += 1;
        }
        Some((name, q))
    }

    /// Swallows `[ \t]*` plus one newline, if a newline follows (Velocity 1.7 directive rule).
    fn eat_trailing_newline(&mut self) {
        let mut p = self.pos;
        while matches!(self.peek_at(p), Some(b' ' | b'\t')) {
            p += 1;
        }
        match self.peek_at(p) {
            Some(b'\n') => self.pos = p + 1,
            Some(b'\r') => {
                self.pos = if self.peek_at(p + 1) == Some(b'\n') {
                    p + 2
                } else {
                    p + 1
                }
            }
            _ => {}
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, c: u8, kind: ParseErrorKind, what: &str) -> Result<(), ParseError> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(self.pos, kind, format!("expected {what}")))
        }
    }

    /// Handles everything starting with `#`. Returns a terminator when the block ends here.
    fn hash(
        &mut self,
        block: Block,
        nodes: &mut Vec<Node>,
        pending: &mut String,
        flush: fn(&mut Vec<Node>, &mut String),
    ) -> Result<Option<(Term, usize)>, ParseError> {
        let start = self.pos;
        match self.peek_at(start + 1) {
            Some(b'#') => {
                // Line comment, including its newline.
                flush(nodes, pending);
                while let Some(c) = self.peek() {
                    self.pos += 1;
                    if c == b'\n' {
                        break;
                    }
                }
                return Ok(None);
            }
            Some(b'*') => {
                flush(nodes, pending);
                // Velocity 1.7 lets an unterminated `#*` comment run to the end of the template.
                match self.src[start + 2..].find("*#") {
                    Some(i) => self.pos = start + 2 + i + 2,
                    None => self.pos = self.b.len(),
                }
                return Ok(None);
            }
            Some(b'[') if self.peek_at(start + 2) == Some(b'[') => {
                flush(nodes, pending);
                match self.src[start + 3..].find("]]#") {
                    Some(i) => {
                        pending.push_str(&self.src[start + 3..start + 3 + i]);
                        flush(nodes, pending);
                        self.pos = start + 3 + i + 3;
                    }
                    None => {
                        return Err(self.err(
                            start,
                            ParseErrorKind::UnclosedDirective,
                            "unterminated #[[ block",
                        ));
                    }
                }
                return Ok(None);
            }
            _ => {}
        }
        let Some((name, name_end)) = self.directive_name_at(start) else {
            self.lone_symbol_at_end()?;
            pending.push('#');
            self.pos += 1;
            return Ok(None);
        };
        let pos = start + self.base;
        match name.as_str() {
            "set"
                if self.b[name_end..]
                    .iter()
                    .find(|c| !matches!(c, b' ' | b'\t'))
                    .is_none_or(|c| *c != b'(') =>
            {
                // `#set` is only a directive when `(` follows (Velocity 1.7 token).
                pending.push_str(&self.src[start..name_end]);
                self.pos = name_end;
            }
            "set" => {
                if pending.bytes().all(|c| c == b' ' || c == b'\t') {
                    pending.clear();
                }
                flush(nodes, pending);
                self.pos = name_end;
                self.expect(b'(', ParseErrorKind::BadDirective, "`(` after #set")?;
                self.skip_ws();
                if self.peek() != Some(b'$') {
                    return Err(self.err(
                        self.pos,
                        ParseErrorKind::BadDirective,
                        "#set needs a reference on the left-hand side",
                    ));
                }
                let Some(target) = self.try_reference()? else {
                    return Err(self.err(
                        self.pos,
                        ParseErrorKind::BadDirective,
                        "#set needs a reference on the left-hand side",
                    ));
                };
                self.expect(b'=', ParseErrorKind::BadDirective, "`=` in #set")?;
                let value = self.parse_expr()?;
                self.expect(b')', ParseErrorKind::BadDirective, "`)` closing #set")?;
                self.eat_trailing_newline();
                let span = self.span_from(start);
                nodes.push(Node::Set {
                    target,
                    value,
                    pos,
                    span,
                });
            }
            "if" => {
                flush(nodes, pending);
                self.pos = name_end;
                let cond = self.paren_expr("#if")?;
                self.eat_trailing_newline();
                let mut branches = Vec::new();
                let mut cond = cond;
                loop {
                    let (body, term, at) = self.parse_block(Block::If)?;
                    branches.push((cond, body));
                    match term {
                        Term::End => {
                            nodes.push(Node::If {
                                branches,
                                otherwise: None,
                                span: self.span_from(start),
                            });
                            break;
                        }
                        Term::ElseIf(e) => cond = e,
                        Term::Else => {
                            let (body, term, at) = self.parse_block(Block::Other)?;
                            match term {
                                Term::End => {}
                                Term::Eof => {
                                    return Err(self.err(
                                        start,
                                        ParseErrorKind::UnclosedDirective,
                                        "#if without #end",
                                    ));
                                }
                                _ => {
                                    return Err(self.err(
                                        at,
                                        ParseErrorKind::UnmatchedElse,
                                        "unexpected #else",
                                    ));
                                }
                            }
                            nodes.push(Node::If {
                                branches,
                                otherwise: Some(body),
                                span: self.span_from(start),
                            });
                            break;
                        }
                        Term::Eof => {
                            let _ = at;
                            return Err(self.err(
                                start,
                                ParseErrorKind::UnclosedDirective,
                                "#if without #end",
                            ));
                        }
                    }
                }
            }
            "elseif" => {
                if block != Block::If {
                    return Err(self.err(
                        start,
                        ParseErrorKind::UnmatchedElse,
                        "#elseif without a matching #if",
                    ));
                }
                self.pos = name_end;
                let cond = self.paren_expr("#elseif")?;
                self.eat_trailing_newline();
                return Ok(Some((Term::ElseIf(cond), start)));
            }
            "else" => {
                if block != Block::If {
                    return Err(self.err(
                        start,
                        ParseErrorKind::UnmatchedElse,
                        "#else without a matching #if",
                    ));
                }
                self.pos = name_end;
                self.eat_trailing_newline();
                return Ok(Some((Term::Else, start)));
            }
            "end" => {
                if block == Block::Top {
                    return Err(self.err(
                        start,
                        ParseErrorKind::UnmatchedEnd,
                        "#end without a matching block",
                    ));
                }
                self.pos = name_end;
                self.eat_trailing_newline();
                return Ok(Some((Term::End, start)));
            }
            "foreach" => {
                flush(nodes, pending);
                self.pos = name_end;
                self.expect(b'(', ParseErrorKind::BadDirective, "`(` after #foreach")?;
                let args_start = self.pos;
                let header = self.foreach_header();
                let (var, iterable) = match header {
                    Ok(h) => h,
                    Err(e) => {
                        // Velocity 1.7 accepts `#foreach($x <anything>)` and then renders nothing;
                        // we do the same when the parentheses balance.
                        self.pos = args_start;
                        self.skip_ws();
                        let lenient = self.simple_var("#foreach").is_ok() && {
                            self.skip_ws();
                            self.peek() != Some(b')')
                        };
                        if !lenient || !self.skip_balanced_parens() {
                            return Err(e);
                        }
                        (String::new(), Expr::Bool(false, self.span_from(args_start)))
                    }
                };
                self.eat_trailing_newline();
                let (body, term, _) = self.parse_block(Block::Other)?;
                if !matches!(term, Term::End) {
                    return Err(self.err(
                        start,
                        ParseErrorKind::UnclosedDirective,
                        "#foreach without #end",
                    ));
                }
                nodes.push(Node::Foreach {
                    var_id: self.symbols.intern(&var),
                    var,
                    iterable,
                    body,
                    pos,
                    span: self.span_from(start),
                });
            }
            "break" => {
                flush(nodes, pending);
                self.pos = name_end;
                nodes.push(Node::Break {
                    span: self.span_from(start),
                });
            }
            "stop" => {
                flush(nodes, pending);
                self.pos = name_end;
                nodes.push(Node::Stop {
                    span: self.span_from(start),
                });
            }
            "define" => {
                flush(nodes, pending);
                self.pos = name_end;
                self.expect(b'(', ParseErrorKind::BadDirective, "`(` after #define")?;
                self.skip_ws();
                let name = self.simple_var("#define")?;
                self.expect(b')', ParseErrorKind::BadDirective, "`)` closing #define")?;
                self.eat_trailing_newline();
                let (body, term, _) = self.parse_block(Block::Other)?;
                if !matches!(term, Term::End) {
                    return Err(self.err(
                        start,
                        ParseErrorKind::UnclosedDirective,
                        "#define without #end",
                    ));
                }
                nodes.push(Node::Define {
                    id: self.symbols.intern(&name),
                    name,
                    body: Arc::new(body),
                    span: self.span_from(start),
                });
            }
            "macro" => {
                flush(nodes, pending);
                self.pos = name_end;
                self.expect(b'(', ParseErrorKind::BadDirective, "`(` after #macro")?;
                self.skip_ws();
                let s = self.pos;
                while self.peek().is_some_and(is_ident_char) {
                    self.pos += 1;
                }
                if s == self.pos || !is_ident_start(self.b[s]) {
                    return Err(self.err(s, ParseErrorKind::BadDirective, "#macro needs a name"));
                }
                let mname = self.src[s..self.pos].to_string();
                let mut params = Vec::new();
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b')') => {
                            self.pos += 1;
                            break;
                        }
                        Some(b',') => self.pos += 1,
                        Some(b'$') => params.push(self.simple_var("#macro")?),
                        _ => {
                            return Err(self.err(
                                self.pos,
                                ParseErrorKind::BadDirective,
                                "expected a `$parameter` or `)` in #macro",
                            ));
                        }
                    }
                }
                self.eat_trailing_newline();
                let param_ids: Vec<_> = params.iter().map(|p| self.symbols.intern(p)).collect();
                // Registered before the body is parsed so the macro may call itself.
                self.macros.insert(
                    mname.clone(),
                    MacroDef {
                        params: params.clone(),
                        param_ids: param_ids.clone(),
                        body: Arc::new(Vec::new()),
                    },
                );
                let (body, term, _) = self.parse_block(Block::Other)?;
                if !matches!(term, Term::End) {
                    return Err(self.err(
                        start,
                        ParseErrorKind::UnclosedDirective,
                        "#macro without #end",
                    ));
                }
                self.macros.insert(
                    mname,
                    MacroDef {
                        params,
                        param_ids,
                        body: Arc::new(body),
                    },
                );
            }
            "include" | "parse" | "evaluate" => {
                // API Gateway rejects these (docs/evidence/apigateway-semantics.md §2.3).
                return Err(self.err(
                    start,
                    ParseErrorKind::UnsupportedDirective,
                    format!("#{name} is not supported by API Gateway"),
                ));
            }
            _ => {
                // A call of a macro, possibly defined later; Velocity 1.7 resolves it at render time
                // and prints the call literally when no such macro exists.
                let mut p = name_end;
                while matches!(self.peek_at(p), Some(b' ' | b'\t')) {
                    p += 1;
                }
                if self.peek_at(p) != Some(b'(') {
                    pending.push_str(&self.src[start..name_end]);
                    self.pos = name_end;
                    return Ok(None);
                }
                let save_depth = self.depth;
                self.pos = p + 1;
                let mut args = Vec::new();
                let parsed = loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b')') => {
                            self.pos += 1;
                            break true;
                        }
                        Some(b',') => self.pos += 1,
                        None => break false,
                        _ => match self.parse_param() {
                            Ok(e) => args.push(e),
                            Err(_) => break false,
                        },
                    }
                };
                if !parsed {
                    // Velocity 1.7 commits to a macro call at `#name(`.
                    self.depth = save_depth;
                    return Err(self.err(
                        start,
                        ParseErrorKind::BadMacroCall,
                        format!("bad arguments in call of macro #{name}"),
                    ));
                }
                flush(nodes, pending);
                self.eat_trailing_newline();
                // Printed when no such macro exists, newline included (Velocity 1.7).
                let literal = self.src[start..self.pos].to_string();
                nodes.push(Node::MacroCall {
                    name,
                    args,
                    pos,
                    literal,
                    span: self.span_from(start),
                });
                return Ok(None);
            }
        }
        Ok(None)
    }

    /// `$var in expr)` of a #foreach.
    fn foreach_header(&mut self) -> Result<(String, Expr), ParseError> {
        self.skip_ws();
        let var = self.simple_var("#foreach")?;
        self.skip_ws();
        // Velocity 1.7 takes any word in the place of `in` (`#foreach($i of $list)` iterates).
        let w = self.pos;
        while self.peek().is_some_and(is_word_char) {
            self.pos += 1;
        }
        if w == self.pos || !is_ident_start(self.b[w]) {
            return Err(self.err(
                self.pos,
                ParseErrorKind::BadDirective,
                "expected `in` in #foreach",
            ));
        }
        let iterable = self.parse_expr()?;
        self.expect(b')', ParseErrorKind::BadDirective, "`)` closing #foreach")?;
        Ok((var, iterable))
    }

    /// Skips to just after the `)` matching an already consumed `(`; false at end of input.
    fn skip_balanced_parens(&mut self) -> bool {
        let mut depth = 1usize;
        while let Some(c) = self.peek() {
            self.pos += 1;
            match c {
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return true;
                    }
                }
                b'"' | b'\'' => {
                    while let Some(d) = self.peek() {
                        self.pos += 1;
                        if d == c {
                            break;
                        }
                    }
                }
                _ => {}
            }
        }
        false
    }

    fn paren_expr(&mut self, what: &str) -> Result<Expr, ParseError> {
        self.expect(
            b'(',
            ParseErrorKind::BadDirective,
            &format!("`(` after {what}"),
        )?;
        let e = self.parse_expr()?;
        self.expect(
            b')',
            ParseErrorKind::BadDirective,
            &format!("`)` closing {what}"),
        )?;
        Ok(e)
    }

    /// `$name` (no property chain), as in `#foreach($x in ...)`, `#define($x)`, macro parameters.
    fn simple_var(&mut self, what: &str) -> Result<String, ParseError> {
        if self.peek() != Some(b'$') {
            return Err(self.err(
                self.pos,
                ParseErrorKind::BadDirective,
                format!("expected a `$variable` in {what}"),
            ));
        }
        let mut p = self.pos + 1;
        if self.peek_at(p) == Some(b'!') {
            p += 1;
        }
        let braced = self.peek_at(p) == Some(b'{');
        if braced {
            p += 1;
        }
        let s = p;
        if !self.peek_at(p).is_some_and(is_ident_start) {
            return Err(self.err(
                self.pos,
                ParseErrorKind::BadDirective,
                format!("expected a `$variable` in {what}"),
            ));
        }
        while self.peek_at(p).is_some_and(is_ident_char) {
            p += 1;
        }
        let name = self.src[s..p].to_string();
        if braced {
            if self.peek_at(p) != Some(b'}') {
                return Err(self.err(p, ParseErrorKind::BadDirective, "expected `}`"));
            }
            p += 1;
        }
        self.pos = p;
        Ok(name)
    }

    /// A reference at `self.pos` (which holds `$`), or `None` (position unchanged) when the text
    /// there is not a reference and Velocity prints it literally.
    fn try_reference(&mut self) -> Result<Option<Reference>, ParseError> {
        let start = self.pos;
        let mut p = start + 1;
        let silent = self.peek_at(p) == Some(b'!');
        if silent {
            p += 1;
        }
        let braced = self.peek_at(p) == Some(b'{');
        if braced {
            p += 1;
        }
        if !self.peek_at(p).is_some_and(is_ident_start) {
            if braced && self.peek_at(p) == Some(b'$') {
                return Err(self.err(
                    start,
                    ParseErrorKind::BadReference,
                    "unexpected `$` after `${`",
                ));
            }
            return Ok(None);
        }
        let s = p;
        while self.peek_at(p).is_some_and(is_ident_char) {
            p += 1;
        }
        let root = self.src[s..p].to_string();
        self.pos = p;
        let mut parts = Vec::new();
        loop {
            match self.peek() {
                Some(b'.') if self.peek_at(self.pos + 1).is_some_and(is_ident_start) => {
                    let s = self.pos + 1;
                    let mut q = s;
                    while self.peek_at(q).is_some_and(is_ident_char) {
                        q += 1;
                    }
                    let name = self.src[s..q].to_string();
                    self.pos = q;
                    if self.peek() == Some(b'(') {
                        let open = self.pos;
                        self.pos += 1;
                        let depth = self.depth;
                        match self.call_args() {
                            Ok(args) => parts.push(Part::Method(name, args)),
                            Err(e) if braced || self.src[open + 1..].contains(['#', '(']) => {
                                return Err(e);
                            }
                            Err(_) => {
                                // Velocity 1.7: `$a.b(` without valid arguments is the property
                                // `$a.b` followed by the text `(`.
                                self.depth = depth;
                                self.pos = open;
                                parts.push(Part::Property(name));
                                break;
                            }
                        }
                    } else {
                        parts.push(Part::Property(name));
                    }
                }
                Some(b'[') => {
                    // Velocity 1.7 commits to an index after `$ref[`: a bad one is a parse error.
                    self.pos += 1;
                    let e = self.parse_param()?;
                    self.skip_ws();
                    if self.peek() != Some(b']') {
                        return Err(self.err(
                            self.pos,
                            ParseErrorKind::BadReference,
                            "expected `]` closing the index",
                        ));
                    }
                    self.pos += 1;
                    parts.push(Part::Index(e));
                }
                _ => break,
            }
        }
        if braced {
            if self.peek() == Some(b'}') {
                self.pos += 1;
            } else {
                return Err(self.err(
                    start,
                    ParseErrorKind::BadReference,
                    "expected `}` closing the reference",
                ));
            }
        }
        Ok(Some(Reference {
            var: self.symbols.intern(&root),
            root,
            parts,
            silent,
            literal: self.src[start..self.pos].to_string(),
            pos: start + self.base,
            span: self.span_from(start),
        }))
    }

    fn call_args(&mut self) -> Result<Vec<Expr>, ParseError> {
        let open = self.pos;
        let mut args = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b')') {
            self.pos += 1;
            return Ok(args);
        }
        loop {
            args.push(self.parse_param()?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b')') => {
                    self.pos += 1;
                    return Ok(args);
                }
                _ => {
                    return Err(self.err(
                        open,
                        ParseErrorKind::BadReference,
                        "unterminated method call arguments",
                    ));
                }
            }
        }
    }

    pub(crate) fn parse_expr(&mut self) -> Result<Expr, ParseError> {
        self.enter()?;
        let r = self.parse_binary(0);
        self.leave();
        r
    }

    fn word_op(&self, w: &str) -> bool {
        self.starts_with(w) && !self.peek_at(self.pos + w.len()).is_some_and(is_word_char)
    }

    /// The binary operator at the cursor with its precedence level, if any.
    fn peek_op(&self) -> Option<(BinOp, usize, usize)> {
        let two = |s: &str| self.starts_with(s);
        let ops: [(bool, BinOp, usize, usize); 22] = [
            (two("||"), BinOp::Or, 0, 2),
            (self.word_op("or"), BinOp::Or, 0, 2),
            (two("&&"), BinOp::And, 1, 2),
            (self.word_op("and"), BinOp::And, 1, 3),
            (two("=="), BinOp::Eq, 2, 2),
            (self.word_op("eq"), BinOp::Eq, 2, 2),
            (two("!="), BinOp::Ne, 2, 2),
            (self.word_op("ne"), BinOp::Ne, 2, 2),
            (two("<="), BinOp::Le, 3, 2),
            (self.word_op("le"), BinOp::Le, 3, 2),
            (two(">="), BinOp::Ge, 3, 2),
            (self.word_op("ge"), BinOp::Ge, 3, 2),
            (two("<"), BinOp::Lt, 3, 1),
            (self.word_op("lt"), BinOp::Lt, 3, 2),
            (two(">"), BinOp::Gt, 3, 1),
            (self.word_op("gt"), BinOp::Gt, 3, 2),
            (two("+"), BinOp::Add, 4, 1),
            // `-3` is one token in Velocity 1.7 (a negative literal), so `5 -3` does not parse.
            (
                two("-")
                    && !self
                        .peek_at(self.pos + 1)
                        .is_some_and(|c| c.is_ascii_digit()),
                BinOp::Sub,
                4,
                1,
            ),
            (two("*"), BinOp::Mul, 5, 1),
            (two("/"), BinOp::Div, 5, 1),
            (two("%"), BinOp::Mod, 5, 1),
            (false, BinOp::Or, 0, 0),
        ];
        ops.iter()
            .find(|(m, ..)| *m)
            .map(|(_, op, prec, len)| (*op, *prec, *len))
    }

    fn parse_binary(&mut self, min_prec: usize) -> Result<Expr, ParseError> {
        let mut left = self.parse_unary()?;
        let mut chain = 0usize;
        loop {
            self.skip_ws();
            let Some((op, prec, len)) = self.peek_op() else {
                return Ok(left);
            };
            if prec < min_prec {
                return Ok(left);
            }
            // A chain `a + b + c ...` nests to the left; bound it so evaluating it cannot
            // exhaust the stack.
            chain += 1;
            if chain > MAX_OPERATOR_CHAIN {
                return Err(self.err(
                    self.pos,
                    ParseErrorKind::TooDeep,
                    format!("more than {MAX_OPERATOR_CHAIN} operators in one expression"),
                ));
            }
            let at = self.pos + self.base;
            self.pos += len;
            self.enter()?;
            let right = self.parse_binary(prec + 1);
            self.leave();
            let right = right?;
            let span = Span::new(left.span().start, right.span().end);
            left = Expr::Binary(op, Box::new(left), Box::new(right), at, span);
        }
    }

    /// A Velocity 1.7 "parameter": what method arguments, indexes, list and map items, range bounds
    /// and macro arguments may be. Operators are not allowed there (`$l.add($i * $i)` is a parse
    /// error in 1.7).
    fn parse_param(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        if self.peek() == Some(b'(') {
            return Err(self.err(
                self.pos,
                ParseErrorKind::BadExpression,
                "expected a literal or a reference",
            ));
        }
        self.enter()?;
        let r = self.parse_primary();
        self.leave();
        r
    }

    fn parse_unary(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        let start = self.pos;
        if self.peek() == Some(b'!') && self.peek_at(self.pos + 1) != Some(b'=') {
            self.pos += 1;
            self.enter()?;
            let e = self.parse_unary();
            self.leave();
            return Ok(Expr::Not(Box::new(e?), self.span_from(start)));
        }
        if self.word_op("not") {
            self.pos += 3;
            self.enter()?;
            let e = self.parse_unary();
            self.leave();
            return Ok(Expr::Not(Box::new(e?), self.span_from(start)));
        }
        self.parse_primary()
    }

    fn parse_primary(&mut self) -> Result<Expr, ParseError> {
        self.skip_ws();
        let start = self.pos;
        let Some(c) = self.peek() else {
            return Err(self.err(
                start,
                ParseErrorKind::BadExpression,
                "expected an expression",
            ));
        };
        match c {
            b'$' => match self.try_reference()? {
                Some(r) => Ok(Expr::Ref(Box::new(r))),
                None => Err(self.err(start, ParseErrorKind::BadExpression, "expected a reference")),
            },
            b'"' => self.string_literal(b'"'),
            b'\'' => self.string_literal(b'\''),
            b'0'..=b'9' => self.number(),
            b'-' if self.peek_at(start + 1).is_some_and(|c| c.is_ascii_digit()) => self.number(),
            b'(' => {
                self.pos += 1;
                let e = self.parse_expr()?;
                self.expect(b')', ParseErrorKind::BadExpression, "`)`")?;
                Ok(Expr::Paren(Box::new(e), self.span_from(start)))
            }
            b'[' => {
                self.pos += 1;
                self.skip_ws();
                if self.peek() == Some(b']') {
                    self.pos += 1;
                    return Ok(Expr::List(Vec::new(), self.span_from(start)));
                }
                let first = self.parse_param()?;
                self.skip_ws();
                if self.starts_with("..") {
                    if !matches!(first, Expr::Int(..) | Expr::Ref(_)) {
                        return Err(self.err(
                            start,
                            ParseErrorKind::BadExpression,
                            "a range bound must be an integer or a reference",
                        ));
                    }
                    self.pos += 2;
                    let last = self.parse_param()?;
                    if !matches!(last, Expr::Int(..) | Expr::Ref(_)) {
                        return Err(self.err(
                            start,
                            ParseErrorKind::BadExpression,
                            "a range bound must be an integer or a reference",
                        ));
                    }
                    self.expect(b']', ParseErrorKind::BadExpression, "`]` closing the range")?;
                    return Ok(Expr::Range(
                        Box::new(first),
                        Box::new(last),
                        self.span_from(start),
                    ));
                }
                let mut items = vec![first];
                loop {
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => {
                            self.pos += 1;
                            items.push(self.parse_param()?);
                        }
                        Some(b']') => {
                            self.pos += 1;
                            return Ok(Expr::List(items, self.span_from(start)));
                        }
                        _ => {
                            return Err(self.err(
                                start,
                                ParseErrorKind::BadExpression,
                                "unterminated list literal",
                            ));
                        }
                    }
                }
            }
            b'{' => {
                self.pos += 1;
                self.skip_ws();
                let mut entries = Vec::new();
                if self.peek() == Some(b'}') {
                    self.pos += 1;
                    return Ok(Expr::Map(entries, self.span_from(start)));
                }
                loop {
                    let k = self.parse_param()?;
                    self.expect(b':', ParseErrorKind::BadExpression, "`:` in map literal")?;
                    let v = self.parse_param()?;
                    entries.push((k, v));
                    self.skip_ws();
                    match self.peek() {
                        Some(b',') => self.pos += 1,
                        Some(b'}') => {
                            self.pos += 1;
                            return Ok(Expr::Map(entries, self.span_from(start)));
                        }
                        _ => {
                            return Err(self.err(
                                start,
                                ParseErrorKind::BadExpression,
                                "unterminated map literal",
                            ));
                        }
                    }
                }
            }
            _ if self.word_op("true") => {
                self.pos += 4;
                Ok(Expr::Bool(true, self.span_from(start)))
            }
            _ if self.word_op("false") => {
                self.pos += 5;
                Ok(Expr::Bool(false, self.span_from(start)))
            }
            _ => Err(self.err(
                start,
                ParseErrorKind::BadExpression,
                "expected an expression",
            )),
        }
    }

    fn number(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let mut float = false;
        if self.peek() == Some(b'.')
            && self
                .peek_at(self.pos + 1)
                .is_some_and(|c| c.is_ascii_digit())
        {
            float = true;
            self.pos += 1;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            let mut q = self.pos + 1;
            if matches!(self.peek_at(q), Some(b'+' | b'-')) {
                q += 1;
            }
            if self.peek_at(q).is_some_and(|c| c.is_ascii_digit()) {
                float = true;
                self.pos = q;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
            }
        }
        let text = &self.src[start..self.pos];
        let span = self.span_from(start);
        if float {
            text.parse::<f64>()
                .map(|f| Expr::Float(f, span))
                .map_err(|_| self.err(start, ParseErrorKind::BadLiteral, "bad number"))
        } else {
            match text.parse::<i64>() {
                Ok(i) => Ok(Expr::Int(i, span)),
                // Beyond Long, Velocity 1.7 would make a BigInteger; a Double keeps the magnitude.
                Err(_) => text
                    .parse::<f64>()
                    .map(|f| Expr::Float(f, span))
                    .map_err(|_| self.err(start, ParseErrorKind::BadLiteral, "bad number")),
            }
        }
    }

    /// `"..."` (interpolated when it holds `$` or `#`) or `'...'` (literal); a doubled quote stands
    /// for one quote and a backslash is not an escape (Velocity 1.7).
    fn string_literal(&mut self, q: u8) -> Result<Expr, ParseError> {
        let start = self.pos;
        self.pos += 1;
        let mut content = String::new();
        loop {
            let s = self.pos;
            while self.peek().is_some_and(|c| c != q) {
                self.pos += 1;
            }
            content.push_str(&self.src[s..self.pos]);
            if self.peek().is_none() {
                return Err(self.err(
                    start,
                    ParseErrorKind::BadLiteral,
                    "unterminated string literal",
                ));
            }
            self.pos += 1;
            if self.peek() == Some(q) {
                content.push(q as char);
                self.pos += 1;
            } else {
                break;
            }
        }
        if q == b'"' && (content.contains('$') || content.contains('#')) {
            let macros = std::mem::take(&mut self.macros);
            let mut sub = Parser::new(&content, self.base + start + 1, macros);
            sub.depth = self.depth;
            sub.symbols = std::mem::replace(&mut self.symbols, Symbols::new());
            let r = sub.parse_template();
            self.macros = std::mem::take(&mut sub.macros);
            self.symbols = std::mem::replace(&mut sub.symbols, Symbols::new());
            match r {
                Ok(nodes) => Ok(Expr::Interpolated(nodes, self.span_from(start))),
                Err(e) => Err(self.err(
                    start,
                    e.kind(),
                    format!("in string literal: {}", e.message()),
                )),
            }
        } else {
            Ok(Expr::Str(content, self.span_from(start)))
        }
    }
}

/// Gives each text node of a block the source between its neighbours (or the block's ends):
/// text is gathered from several pieces (escapes, comments dropped), so its range is where it
/// lies rather than what it spells.
fn text_spans(nodes: &mut [Node], block_start: usize, block_end: usize) {
    for i in 0..nodes.len() {
        if !matches!(nodes[i], Node::Text(..)) {
            continue;
        }
        let start = if i == 0 {
            block_start
        } else {
            nodes[i - 1].span().end
        };
        let end = nodes.get(i + 1).map_or(block_end, |n| n.span().start);
        if let Node::Text(_, span) = &mut nodes[i] {
            *span = Span::new(start, end.max(start));
        }
    }
}
