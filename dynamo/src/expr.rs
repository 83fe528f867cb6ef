//! DynamoDB expressions: condition/filter/key-condition, update and projection expressions, with
//! `ExpressionAttributeNames` (`#n`) and `ExpressionAttributeValues` (`:v`). Grammar and semantics
//! follow the DynamoDB Developer Guide ("Condition and filter expressions, operators and
//! functions", "Update expressions", "Projection expressions"); error messages are DynamoDB's.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use crate::number::Number;
use crate::value::{AttributeValue, Item, decode_b64};

/// The reserved words of the DynamoDB Developer Guide ("Reserved words in DynamoDB"); an attribute
/// name equal to one of them (case-insensitively) must be written through `#name`.
static RESERVED: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("reserved_words.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
});

pub fn is_reserved(name: &str) -> bool {
    RESERVED.contains(name.to_ascii_uppercase().as_str())
}

#[derive(Debug, Clone, PartialEq)]
pub enum PathElem {
    Name(String),
    Index(usize),
}

pub type Path = Vec<PathElem>;

pub fn path_str(p: &Path) -> String {
    let parts: Vec<String> = p
        .iter()
        .map(|e| match e {
            PathElem::Name(n) => n.clone(),
            PathElem::Index(i) => format!("[{i}]"),
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Path(Path),
    Value(AttributeValue),
    Size(Box<Operand>),
    /// Only in update expressions.
    IfNotExists(Path, Box<Operand>),
    ListAppend(Box<Operand>, Box<Operand>),
    Plus(Box<Operand>, Box<Operand>),
    Minus(Box<Operand>, Box<Operand>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "=",
            CmpOp::Ne => "<>",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Cmp(CmpOp, Operand, Operand),
    Between(Operand, Operand, Operand),
    In(Operand, Vec<Operand>),
    AttributeExists(Path),
    AttributeNotExists(Path),
    AttributeType(Operand, Operand),
    BeginsWith(Operand, Operand),
    Contains(Operand, Operand),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Not(Box<Cond>),
    /// `size(x)` used as a condition: a semantic error reported after parsing.
    Misused,
}

#[derive(Debug, Clone, PartialEq)]
pub enum UpdateAction {
    Set(Path, Operand),
    Remove(Path),
    Add(Path, AttributeValue),
    Delete(Path, AttributeValue),
}

// ---------------------------------------------------------------------------------------------
// Tokens
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    NameRef(String),
    ValueRef(String),
    Int(String),
    Sym(&'static str),
}

impl Tok {
    fn text(&self) -> String {
        match self {
            Tok::Ident(s) | Tok::NameRef(s) | Tok::ValueRef(s) | Tok::Int(s) => s.clone(),
            Tok::Sym(s) => (*s).to_string(),
        }
    }
}

fn tokenize(s: &str) -> Result<Vec<(Tok, usize)>, String> {
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
                return Err(syntax_error(s, start, &text));
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
            _ => return Err(syntax_error(s, start, &c.to_string())),
        };
        out.push((Tok::Sym(sym), start));
        i += 1;
    }
    Ok(out)
}

/// DynamoDB's syntax error text: `Syntax error; token: "<tok>", near: "<context>"`.
fn syntax_error(src: &str, at: usize, token: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let from = at.saturating_sub(1).min(chars.len());
    let to = (at + token.chars().count() + 1).min(chars.len());
    let near: String = chars[from..to].iter().collect();
    format!("Syntax error; token: \"{token}\", near: \"{near}\"")
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

/// Names and values a request supplies, and which of them the expressions used.
pub struct ExprContext<'a> {
    pub names: &'a HashMap<String, String>,
    pub values: &'a HashMap<String, AttributeValue>,
    pub used_names: HashSet<String>,
    pub used_values: HashSet<String>,
}

impl<'a> ExprContext<'a> {
    pub fn new(
        names: &'a HashMap<String, String>,
        values: &'a HashMap<String, AttributeValue>,
    ) -> ExprContext<'a> {
        ExprContext {
            names,
            values,
            used_names: HashSet::new(),
            used_values: HashSet::new(),
        }
    }
}

/// Semantic errors found while parsing, reported in DynamoDB's priority order once the whole
/// expression has been read.
#[derive(Default)]
struct Errors {
    parens: Option<String>,
    unknown_function: Option<String>,
    misused_function: Option<String>,
    reserved: Option<String>,
    section: Option<String>,
    attr_name: Option<String>,
    attr_val: Option<String>,
    path_overlap: Option<String>,
    path_conflict: Option<String>,
    operand: Option<String>,
    distinct: Option<String>,
    function: Option<String>,
}

fn set(slot: &mut Option<String>, msg: String) {
    if slot.is_none() {
        *slot = Some(msg);
    }
}

struct Parser<'s, 'c, 'a> {
    src: &'s str,
    toks: Vec<(Tok, usize)>,
    pos: usize,
    ctx: &'c mut ExprContext<'a>,
    errors: Errors,
    /// Parenthesis nesting, bounded so that no input can exhaust the stack.
    depth: usize,
    /// Grammar keywords of the expression kind being parsed; they cannot name an attribute.
    keywords: &'static [&'static str],
}

const CONDITION_KEYWORDS: &[&str] = &["AND", "OR", "NOT", "IN", "BETWEEN"];
const UPDATE_KEYWORDS: &[&str] = &["SET", "REMOVE", "ADD", "DELETE"];

/// Deeper nesting than this is refused as a syntax error (a 4 KB expression could otherwise nest
/// thousands of levels).
const MAX_DEPTH: usize = 100;

type PResult<T> = Result<T, String>;

impl<'s, 'c, 'a> Parser<'s, 'c, 'a> {
    fn new(src: &'s str, ctx: &'c mut ExprContext<'a>) -> PResult<Self> {
        Ok(Parser {
            src,
            toks: tokenize(src)?,
            pos: 0,
            ctx,
            errors: Errors::default(),
            depth: 0,
            keywords: CONDITION_KEYWORDS,
        })
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn peek_at(&self, k: usize) -> Option<&Tok> {
        self.toks.get(self.pos + k).map(|(t, _)| t)
    }

    fn err_here(&self) -> String {
        match self.toks.get(self.pos) {
            Some((t, at)) => syntax_error(self.src, *at, &t.text()),
            None => {
                let n = self.src.chars().count();
                syntax_error(self.src, n, "<EOF>")
            }
        }
    }

    fn eat_sym(&mut self, s: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Sym(x)) if *x == s) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect_sym(&mut self, s: &str) -> PResult<()> {
        if self.eat_sym(s) {
            Ok(())
        } else {
            Err(self.err_here())
        }
    }

    fn is_keyword(&self, kw: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(x)) if x.eq_ignore_ascii_case(kw))
    }

    fn eat_keyword(&mut self, kw: &str) -> bool {
        if self.is_keyword(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }

    fn resolve_name(&mut self, n: &str) -> String {
        if let Some(v) = self.ctx.names.get(n) {
            self.ctx.used_names.insert(n.to_string());
            v.clone()
        } else {
            set(
                &mut self.errors.attr_name,
                format!(
                    "An expression attribute name used in the document path is not defined; attribute name: {n}"
                ),
            );
            String::new()
        }
    }

    fn resolve_value(&mut self, n: &str) -> AttributeValue {
        if let Some(v) = self.ctx.values.get(n) {
            self.ctx.used_values.insert(n.to_string());
            v.clone()
        } else {
            set(
                &mut self.errors.attr_val,
                format!(
                    "An expression attribute value used in expression is not defined; attribute value: {n}"
                ),
            );
            AttributeValue::Null
        }
    }

    fn path_element_name(&mut self) -> PResult<String> {
        match self.peek().cloned() {
            Some(Tok::Ident(n)) => {
                if self.keywords.iter().any(|k| k.eq_ignore_ascii_case(&n)) {
                    return Err(self.err_here());
                }
                self.pos += 1;
                if is_reserved(&n) {
                    set(
                        &mut self.errors.reserved,
                        format!("Attribute name is a reserved keyword; reserved keyword: {n}"),
                    );
                }
                Ok(n)
            }
            Some(Tok::NameRef(n)) => {
                self.pos += 1;
                Ok(self.resolve_name(&n))
            }
            _ => Err(self.err_here()),
        }
    }

    fn path(&mut self) -> PResult<Path> {
        let mut p = vec![PathElem::Name(self.path_element_name()?)];
        loop {
            if self.eat_sym(".") {
                p.push(PathElem::Name(self.path_element_name()?));
            } else if self.eat_sym("[") {
                match self.peek().cloned() {
                    Some(Tok::Int(n)) => {
                        self.pos += 1;
                        p.push(PathElem::Index(n.parse::<usize>().unwrap_or(usize::MAX)));
                    }
                    _ => return Err(self.err_here()),
                }
                self.expect_sym("]")?;
            } else {
                return Ok(p);
            }
        }
    }

    fn is_function_call(&self) -> bool {
        match (self.peek(), self.peek_at(1)) {
            (Some(Tok::Ident(name)), Some(Tok::Sym("("))) => {
                !self.keywords.iter().any(|k| k.eq_ignore_ascii_case(name))
            }
            _ => false,
        }
    }

    fn args(&mut self, update: bool) -> PResult<Vec<Operand>> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err_here());
        }
        let r = self.args_inner(update);
        self.depth -= 1;
        r
    }

    fn args_inner(&mut self, update: bool) -> PResult<Vec<Operand>> {
        self.expect_sym("(")?;
        let mut args = vec![self.operand(update)?];
        while self.eat_sym(",") {
            args.push(self.operand(update)?);
        }
        self.expect_sym(")")?;
        Ok(args)
    }

    /// A condition operand: path, `:value`, or `size(path)`.
    fn operand(&mut self, update: bool) -> PResult<Operand> {
        match self.peek().cloned() {
            Some(Tok::ValueRef(v)) => {
                self.pos += 1;
                Ok(Operand::Value(self.resolve_value(&v)))
            }
            Some(Tok::Ident(name)) if self.is_function_call() => {
                self.pos += 1;
                let args = self.args(update)?;
                self.function_operand(&name, args, update)
            }
            Some(Tok::Ident(_)) | Some(Tok::NameRef(_)) => Ok(Operand::Path(self.path()?)),
            _ => Err(self.err_here()),
        }
    }

    fn function_operand(
        &mut self,
        name: &str,
        mut args: Vec<Operand>,
        update: bool,
    ) -> PResult<Operand> {
        let arity = |n: usize, args: &Vec<Operand>, errors: &mut Errors| {
            if args.len() != n {
                set(
                    &mut errors.function,
                    format!(
                        "Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {}",
                        args.len()
                    ),
                );
                false
            } else {
                true
            }
        };
        match (name, update) {
            ("size", false) => {
                if !arity(1, &args, &mut self.errors) {
                    return Ok(Operand::Value(AttributeValue::Null));
                }
                if let Some(Operand::Value(v)) = args.first()
                    && matches!(
                        v,
                        AttributeValue::N(_) | AttributeValue::Bool(_) | AttributeValue::Null
                    )
                {
                    set(
                        &mut self.errors.function,
                        format!(
                            "Incorrect operand type for operator or function; operator or function: size, operand type: {}",
                            v.type_name()
                        ),
                    );
                }
                Ok(Operand::Size(Box::new(args.remove(0))))
            }
            ("if_not_exists", true) => {
                if !arity(2, &args, &mut self.errors) {
                    return Ok(Operand::Value(AttributeValue::Null));
                }
                let second = args.remove(1);
                match args.remove(0) {
                    Operand::Path(p) => Ok(Operand::IfNotExists(p, Box::new(second))),
                    _ => {
                        set(
                            &mut self.errors.function,
                            "Operator or function requires a document path; operator or function: if_not_exists".to_string(),
                        );
                        Ok(Operand::Value(AttributeValue::Null))
                    }
                }
            }
            ("list_append", true) => {
                if !arity(2, &args, &mut self.errors) {
                    return Ok(Operand::Value(AttributeValue::Null));
                }
                for a in &args {
                    if let Operand::Value(v) = a
                        && !matches!(v, AttributeValue::L(_))
                    {
                        set(
                            &mut self.errors.function,
                            format!(
                                "Incorrect operand type for operator or function; operator or function: list_append, operand type: {}",
                                v.type_name()
                            ),
                        );
                    }
                }
                let b = args.remove(1);
                let a = args.remove(0);
                Ok(Operand::ListAppend(Box::new(a), Box::new(b)))
            }
            (
                "attribute_exists"
                | "attribute_not_exists"
                | "attribute_type"
                | "begins_with"
                | "contains",
                false,
            ) => {
                set(
                    &mut self.errors.misused_function,
                    format!(
                        "The function is not allowed to be used this way in an expression; function: {name}"
                    ),
                );
                Ok(Operand::Value(AttributeValue::Null))
            }
            _ => {
                set(
                    &mut self.errors.unknown_function,
                    format!("Invalid function name; function: {name}"),
                );
                Ok(Operand::Value(AttributeValue::Null))
            }
        }
    }

    // condition ::= or
    fn condition(&mut self) -> PResult<Cond> {
        let mut left = self.and_cond()?;
        while self.eat_keyword("OR") {
            let right = self.and_cond()?;
            left = Cond::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_cond(&mut self) -> PResult<Cond> {
        let mut left = self.not_cond()?;
        while self.eat_keyword("AND") {
            let right = self.not_cond()?;
            left = Cond::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not_cond(&mut self) -> PResult<Cond> {
        if self.depth > MAX_DEPTH {
            return Err(self.err_here());
        }
        if self.is_keyword("NOT")
            && !matches!(
                self.peek_at(1),
                Some(Tok::Sym("=" | "<>" | "<" | "<=" | ">" | ">=" | "." | "[")) | None
            )
        {
            self.pos += 1;
            self.depth += 1;
            let inner = self.not_cond()?;
            self.depth -= 1;
            return Ok(Cond::Not(Box::new(inner)));
        }
        self.primary_cond()
    }

    /// Index of the `)` matching the `(` at token index `open`.
    fn matching_paren(&self, open: usize) -> Option<usize> {
        let mut depth = 0usize;
        for (i, (t, _)) in self.toks.iter().enumerate().skip(open) {
            match t {
                Tok::Sym("(") => depth += 1,
                Tok::Sym(")") => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        None
    }

    fn primary_cond(&mut self) -> PResult<Cond> {
        if self.eat_sym("(") {
            let inner_start = self.pos;
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(self.err_here());
            }
            let c = self.condition()?;
            self.depth -= 1;
            let close = self.pos;
            self.expect_sym(")")?;
            // `((x))`: DynamoDB rejects a condition wrapped twice in parentheses.
            if matches!(self.toks.get(inner_start), Some((Tok::Sym("("), _)))
                && self.matching_paren(inner_start) == Some(close.wrapping_sub(1))
            {
                set(
                    &mut self.errors.parens,
                    "The expression has redundant parentheses;".to_string(),
                );
            }
            return Ok(c);
        }
        // Condition functions.
        if let Some(Tok::Ident(name)) = self.peek().cloned()
            && self.is_function_call()
        {
            let lname = name.as_str();
            if matches!(
                lname,
                "attribute_exists"
                    | "attribute_not_exists"
                    | "attribute_type"
                    | "begins_with"
                    | "contains"
            ) {
                self.pos += 1;
                let args = self.args(false)?;
                return Ok(self.condition_function(lname, args));
            }
        }
        let left = self.operand(false)?;
        self.comparison_rest(left)
    }

    fn condition_function(&mut self, name: &str, mut args: Vec<Operand>) -> Cond {
        let want = match name {
            "attribute_exists" | "attribute_not_exists" => 1,
            _ => 2,
        };
        if args.len() != want {
            set(
                &mut self.errors.operand,
                format!(
                    "Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {}",
                    args.len()
                ),
            );
            return Cond::Misused;
        }
        self.check_distinct(name, &args);
        match name {
            "attribute_exists" | "attribute_not_exists" => match args.remove(0) {
                Operand::Path(p) => {
                    if name == "attribute_exists" {
                        Cond::AttributeExists(p)
                    } else {
                        Cond::AttributeNotExists(p)
                    }
                }
                _ => {
                    set(
                        &mut self.errors.function,
                        format!(
                            "Operator or function requires a document path; operator or function: {name}"
                        ),
                    );
                    Cond::Misused
                }
            },
            "attribute_type" => {
                let t = args.remove(1);
                let p = args.remove(0);
                match &t {
                    Operand::Value(AttributeValue::S(s)) => {
                        if !["S", "N", "B", "NULL", "SS", "BOOL", "L", "BS", "NS", "M"]
                            .contains(&s.as_str())
                        {
                            set(
                                &mut self.errors.function,
                                format!(
                                    "Invalid attribute type name found; type: {s}, valid types: {{B,NULL,SS,BOOL,L,BS,N,NS,S,M}}"
                                ),
                            );
                        }
                    }
                    Operand::Value(v) => set(
                        &mut self.errors.function,
                        format!(
                            "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {}",
                            v.type_name()
                        ),
                    ),
                    Operand::Size(_) => set(
                        &mut self.errors.function,
                        "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N".to_string(),
                    ),
                    _ => set(
                        &mut self.errors.function,
                        "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {NS,SS,L,BS,N,M,B,BOOL,NULL,S}".to_string(),
                    ),
                }
                Cond::AttributeType(p, t)
            }
            "begins_with" => {
                for a in &args {
                    let ty = match a {
                        Operand::Value(v) => Some(v.type_name()),
                        Operand::Size(_) => Some("N"),
                        _ => None,
                    };
                    if let Some(ty) = ty
                        && ty != "S"
                        && ty != "B"
                    {
                        set(
                            &mut self.errors.function,
                            format!(
                                "Incorrect operand type for operator or function; operator or function: begins_with, operand type: {ty}"
                            ),
                        );
                    }
                }
                let b = args.remove(1);
                let a = args.remove(0);
                Cond::BeginsWith(a, b)
            }
            _ => {
                let b = args.remove(1);
                let a = args.remove(0);
                Cond::Contains(a, b)
            }
        }
    }

    fn check_distinct(&mut self, name: &str, args: &[Operand]) {
        if let [Operand::Path(a), Operand::Path(b)] = args
            && a == b
        {
            set(
                &mut self.errors.distinct,
                format!(
                    "The first operand must be distinct from the remaining operands for this operator or function; operator: {name}, first operand: {}",
                    path_str(a)
                ),
            );
        }
    }

    fn comparison_rest(&mut self, left: Operand) -> PResult<Cond> {
        let op = match self.peek() {
            Some(Tok::Sym("=")) => Some(CmpOp::Eq),
            Some(Tok::Sym("<>")) => Some(CmpOp::Ne),
            Some(Tok::Sym("<")) => Some(CmpOp::Lt),
            Some(Tok::Sym("<=")) => Some(CmpOp::Le),
            Some(Tok::Sym(">")) => Some(CmpOp::Gt),
            Some(Tok::Sym(">=")) => Some(CmpOp::Ge),
            _ => None,
        };
        if let Some(op) = op {
            self.pos += 1;
            let right = self.operand(false)?;
            self.check_distinct(op.symbol(), &[left.clone(), right.clone()]);
            return Ok(Cond::Cmp(op, left, right));
        }
        if self.eat_keyword("BETWEEN") {
            let lo = self.operand(false)?;
            if !self.eat_keyword("AND") {
                return Err(self.err_here());
            }
            let hi = self.operand(false)?;
            if let (Operand::Value(a), Operand::Value(b)) = (&lo, &hi) {
                if a.type_name() != b.type_name() {
                    set(
                        &mut self.errors.function,
                        format!(
                            "The BETWEEN operator requires same data type for lower and upper bounds; lower bound operand: AttributeValue: {{{}:{}}}, upper bound operand: AttributeValue: {{{}:{}}}",
                            a.type_name(),
                            scalar_text(a),
                            b.type_name(),
                            scalar_text(b)
                        ),
                    );
                } else if a.compare_scalar(b) == Some(std::cmp::Ordering::Greater) {
                    set(
                        &mut self.errors.function,
                        format!(
                            "The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {{{}:{}}}, upper bound operand: AttributeValue: {{{}:{}}}",
                            a.type_name(),
                            scalar_text(a),
                            b.type_name(),
                            scalar_text(b)
                        ),
                    );
                }
            }
            return Ok(Cond::Between(left, lo, hi));
        }
        if self.eat_keyword("IN") {
            self.expect_sym("(")?;
            let mut list = vec![self.operand(false)?];
            while self.eat_sym(",") {
                list.push(self.operand(false)?);
            }
            self.expect_sym(")")?;
            return Ok(Cond::In(left, list));
        }
        if self.errors.unknown_function.is_some() {
            // An unknown function used as a condition: reported as "Invalid function name".
            return Ok(Cond::Misused);
        }
        if matches!(left, Operand::Size(_))
            && (self.at_end()
                || matches!(self.peek(), Some(Tok::Sym(")")))
                || self.is_keyword("AND")
                || self.is_keyword("OR"))
        {
            set(
                &mut self.errors.misused_function,
                "The function is not allowed to be used this way in an expression; function: size"
                    .to_string(),
            );
            return Ok(Cond::Misused);
        }
        Err(self.err_here())
    }

    fn finish_condition(&mut self) -> PResult<()> {
        let e = std::mem::take(&mut self.errors);
        if let Some(msg) = [
            e.parens,
            e.unknown_function,
            e.misused_function,
            e.reserved,
            e.attr_name,
            e.attr_val,
            e.operand,
            e.distinct,
            e.function,
        ]
        .into_iter()
        .flatten()
        .next()
        {
            return Err(msg);
        }
        Ok(())
    }

    // ------------------------------ update expressions ------------------------------

    fn update_value(&mut self) -> PResult<Operand> {
        let first = self.update_operand()?;
        if self.eat_sym("+") {
            let second = self.update_operand()?;
            self.check_arith("+", &[&first, &second]);
            return Ok(Operand::Plus(Box::new(first), Box::new(second)));
        }
        if self.eat_sym("-") {
            let second = self.update_operand()?;
            self.check_arith("-", &[&first, &second]);
            return Ok(Operand::Minus(Box::new(first), Box::new(second)));
        }
        Ok(first)
    }

    fn check_arith(&mut self, op: &str, ops: &[&Operand]) {
        for o in ops {
            if let Operand::Value(v) = o
                && !matches!(v, AttributeValue::N(_))
            {
                set(
                    &mut self.errors.function,
                    format!(
                        "Incorrect operand type for operator or function; operator or function: {op}, operand type: {}",
                        v.type_name()
                    ),
                );
            }
        }
    }

    fn update_operand(&mut self) -> PResult<Operand> {
        match self.peek().cloned() {
            Some(Tok::ValueRef(v)) => {
                self.pos += 1;
                Ok(Operand::Value(self.resolve_value(&v)))
            }
            Some(Tok::Ident(name)) if self.is_function_call() => {
                self.pos += 1;
                let args = self.update_args()?;
                self.function_operand(&name, args, true)
            }
            Some(Tok::Ident(_)) | Some(Tok::NameRef(_)) => Ok(Operand::Path(self.path()?)),
            _ => Err(self.err_here()),
        }
    }

    fn update_args(&mut self) -> PResult<Vec<Operand>> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err_here());
        }
        let r = self.update_args_inner();
        self.depth -= 1;
        r
    }

    fn update_args_inner(&mut self) -> PResult<Vec<Operand>> {
        self.expect_sym("(")?;
        let mut args = vec![self.update_operand()?];
        while self.eat_sym(",") {
            args.push(self.update_operand()?);
        }
        self.expect_sym(")")?;
        Ok(args)
    }

    fn update_expression(&mut self) -> PResult<Vec<UpdateAction>> {
        let mut actions = Vec::new();
        let mut seen: HashSet<&'static str> = HashSet::new();
        let mut paths: Vec<Path> = Vec::new();
        if self.at_end() {
            return Err(self.err_here());
        }
        while !self.at_end() {
            let section = match self.peek() {
                Some(Tok::Ident(k)) if k.eq_ignore_ascii_case("SET") => "SET",
                Some(Tok::Ident(k)) if k.eq_ignore_ascii_case("REMOVE") => "REMOVE",
                Some(Tok::Ident(k)) if k.eq_ignore_ascii_case("ADD") => "ADD",
                Some(Tok::Ident(k)) if k.eq_ignore_ascii_case("DELETE") => "DELETE",
                _ => return Err(self.err_here()),
            };
            self.pos += 1;
            if !seen.insert(section) {
                set(
                    &mut self.errors.section,
                    format!(
                        "The \"{section}\" section can only be used once in an update expression;"
                    ),
                );
            }
            loop {
                let path = self.path()?;
                self.check_path(&mut paths, &path);
                match section {
                    "SET" => {
                        self.expect_sym("=")?;
                        let v = self.update_value()?;
                        actions.push(UpdateAction::Set(path, v));
                    }
                    "REMOVE" => actions.push(UpdateAction::Remove(path)),
                    _ => {
                        let v = match self.peek().cloned() {
                            Some(Tok::ValueRef(v)) => {
                                self.pos += 1;
                                self.resolve_value(&v)
                            }
                            _ => return Err(self.err_here()),
                        };
                        let bad = match (&v, section) {
                            (AttributeValue::N(_), "ADD") => None,
                            (
                                AttributeValue::SS(_)
                                | AttributeValue::NS(_)
                                | AttributeValue::BS(_),
                                _,
                            ) => None,
                            (AttributeValue::S(_), _) => Some("STRING"),
                            (AttributeValue::N(_), _) => Some("NUMBER"),
                            (AttributeValue::B(_), _) => Some("BINARY"),
                            (AttributeValue::Null, _) => Some("NULL"),
                            (AttributeValue::Bool(_), _) => Some("BOOLEAN"),
                            (AttributeValue::L(_), _) => Some("LIST"),
                            (AttributeValue::M(_), _) => Some("MAP"),
                        };
                        if let Some(bad) = bad
                            && self.errors.attr_val.is_none()
                        {
                            set(
                                &mut self.errors.operand,
                                format!(
                                    "Incorrect operand type for operator or function; operator: {section}, operand type: {bad}"
                                ),
                            );
                        }
                        if section == "ADD" {
                            actions.push(UpdateAction::Add(path, v));
                        } else {
                            actions.push(UpdateAction::Delete(path, v));
                        }
                    }
                }
                if !self.eat_sym(",") {
                    break;
                }
            }
        }
        Ok(actions)
    }

    fn check_path(&mut self, paths: &mut Vec<Path>, path: &Path) {
        if self.errors.path_overlap.is_some() {
            return;
        }
        for p in paths.iter() {
            let mut diverged = false;
            for (a, b) in p.iter().zip(path.iter()) {
                let same_kind = matches!(
                    (a, b),
                    (PathElem::Name(_), PathElem::Name(_))
                        | (PathElem::Index(_), PathElem::Index(_))
                );
                if !same_kind {
                    set(
                        &mut self.errors.path_conflict,
                        format!(
                            "Two document paths conflict with each other; must remove or rewrite one of these paths; path one: {}, path two: {}",
                            path_str(p),
                            path_str(path)
                        ),
                    );
                    diverged = true;
                    break;
                }
                if a != b {
                    diverged = true;
                    break;
                }
            }
            if !diverged {
                set(
                    &mut self.errors.path_overlap,
                    format!(
                        "Two document paths overlap with each other; must remove or rewrite one of these paths; path one: {}, path two: {}",
                        path_str(p),
                        path_str(path)
                    ),
                );
                return;
            }
        }
        paths.push(path.clone());
    }

    fn finish_update(&mut self) -> PResult<()> {
        let e = std::mem::take(&mut self.errors);
        if let Some(msg) = [
            e.reserved,
            e.unknown_function,
            e.section,
            e.attr_name,
            e.attr_val,
            e.path_overlap,
            e.path_conflict,
            e.operand,
            e.function,
            e.misused_function,
        ]
        .into_iter()
        .flatten()
        .next()
        {
            return Err(msg);
        }
        Ok(())
    }
}

/// A value as it appears inside a BETWEEN error message: the way dynalite (a JavaScript server)
/// prints it — sets joined by commas, maps and list elements as `[object Object]`.
fn scalar_text(v: &AttributeValue) -> String {
    match v {
        AttributeValue::S(s) | AttributeValue::B(s) => s.clone(),
        AttributeValue::N(n) => n.to_plain_string(),
        AttributeValue::SS(l) | AttributeValue::BS(l) => l.join(","),
        AttributeValue::NS(l) => l
            .iter()
            .map(Number::to_plain_string)
            .collect::<Vec<_>>()
            .join(","),
        AttributeValue::Bool(b) => b.to_string(),
        AttributeValue::Null => "true".to_string(),
        AttributeValue::L(l) => vec!["[object Object]"; l.len()].join(","),
        AttributeValue::M(_) => "[object Object]".to_string(),
    }
}

/// Parse a condition (ConditionExpression, FilterExpression, KeyConditionExpression).
/// `Err` carries DynamoDB's message without the "Invalid XExpression: " prefix.
pub fn parse_condition(src: &str, ctx: &mut ExprContext<'_>) -> Result<Cond, String> {
    if src.is_empty() {
        return Err("The expression can not be empty;".to_string());
    }
    let mut p = Parser::new(src, ctx)?;
    let c = p.condition()?;
    if !p.at_end() {
        return Err(p.err_here());
    }
    if matches!(c, Cond::Misused)
        && p.errors.misused_function.is_none()
        && p.errors.function.is_none()
        && p.errors.operand.is_none()
    {
        set(
            &mut p.errors.misused_function,
            "The function is not allowed to be used this way in an expression; function: size"
                .to_string(),
        );
    }
    p.finish_condition()?;
    Ok(c)
}

pub fn parse_update(src: &str, ctx: &mut ExprContext<'_>) -> Result<Vec<UpdateAction>, String> {
    if src.is_empty() {
        return Err("The expression can not be empty;".to_string());
    }
    let mut p = Parser::new(src, ctx)?;
    p.keywords = UPDATE_KEYWORDS;
    let actions = p.update_expression()?;
    p.finish_update()?;
    Ok(actions)
}

pub fn parse_projection(src: &str, ctx: &mut ExprContext<'_>) -> Result<Vec<Path>, String> {
    if src.is_empty() {
        return Err("The expression can not be empty;".to_string());
    }
    let mut p = Parser::new(src, ctx)?;
    p.keywords = &[];
    let mut paths: Vec<Path> = Vec::new();
    let mut checked: Vec<Path> = Vec::new();
    loop {
        let path = p.path()?;
        p.check_path(&mut checked, &path);
        paths.push(path);
        if !p.eat_sym(",") {
            break;
        }
    }
    if !p.at_end() {
        return Err(p.err_here());
    }
    let e = std::mem::take(&mut p.errors);
    if let Some(msg) = [e.reserved, e.attr_name, e.path_overlap, e.path_conflict]
        .into_iter()
        .flatten()
        .next()
    {
        return Err(msg);
    }
    Ok(paths)
}

// ---------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------

pub fn resolve_path<'i>(item: &'i Item, path: &Path) -> Option<&'i AttributeValue> {
    let mut iter = path.iter();
    let mut cur = match iter.next()? {
        PathElem::Name(n) => item.get(n)?,
        PathElem::Index(_) => return None,
    };
    for e in iter {
        cur = match (e, cur) {
            (PathElem::Name(n), AttributeValue::M(m)) => m.get(n)?,
            (PathElem::Index(i), AttributeValue::L(l)) => l.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn resolve_operand(item: &Item, op: &Operand) -> Option<AttributeValue> {
    match op {
        Operand::Path(p) => resolve_path(item, p).cloned(),
        Operand::Value(v) => Some(v.clone()),
        Operand::Size(inner) => {
            let v = resolve_operand(item, inner)?;
            let n = match &v {
                AttributeValue::S(s) => s.chars().count(),
                AttributeValue::B(b) => decode_b64(b).len(),
                AttributeValue::SS(l) | AttributeValue::BS(l) => l.len(),
                AttributeValue::NS(l) => l.len(),
                AttributeValue::L(l) => l.len(),
                AttributeValue::M(m) => m.len(),
                _ => return None,
            };
            Some(AttributeValue::N(Number::from_u64(n as u64)))
        }
        _ => None,
    }
}

/// Evaluate a condition against an item (an absent item is an empty one).
pub fn eval_condition(item: &Item, c: &Cond) -> bool {
    use std::cmp::Ordering::*;
    match c {
        Cond::And(a, b) => eval_condition(item, a) && eval_condition(item, b),
        Cond::Or(a, b) => eval_condition(item, a) || eval_condition(item, b),
        Cond::Not(a) => !eval_condition(item, a),
        Cond::Misused => false,
        Cond::AttributeExists(p) => resolve_path(item, p).is_some(),
        Cond::AttributeNotExists(p) => resolve_path(item, p).is_none(),
        Cond::AttributeType(p, t) => match (resolve_operand(item, p), resolve_operand(item, t)) {
            (Some(v), Some(AttributeValue::S(t))) => v.type_name() == t,
            _ => false,
        },
        Cond::BeginsWith(a, b) => match (resolve_operand(item, a), resolve_operand(item, b)) {
            (Some(AttributeValue::S(x)), Some(AttributeValue::S(y))) => x.starts_with(&y),
            (Some(AttributeValue::B(x)), Some(AttributeValue::B(y))) => {
                decode_b64(&x).starts_with(&decode_b64(&y))
            }
            _ => false,
        },
        Cond::Contains(a, b) => match (resolve_operand(item, a), resolve_operand(item, b)) {
            (Some(x), Some(y)) => contains(&x, &y),
            _ => false,
        },
        Cond::Cmp(op, a, b) => {
            let (x, y) = (resolve_operand(item, a), resolve_operand(item, b));
            match op {
                CmpOp::Eq => matches!((&x, &y), (Some(x), Some(y)) if x.dynamo_eq(y)),
                CmpOp::Ne => !matches!((&x, &y), (Some(x), Some(y)) if x.dynamo_eq(y)),
                _ => {
                    let (Some(x), Some(y)) = (x, y) else {
                        return false;
                    };
                    let Some(ord) = x.compare_scalar(&y) else {
                        return false;
                    };
                    match op {
                        CmpOp::Lt => ord == Less,
                        CmpOp::Le => ord != Greater,
                        CmpOp::Gt => ord == Greater,
                        _ => ord != Less,
                    }
                }
            }
        }
        Cond::Between(a, lo, hi) => {
            let (Some(x), Some(l), Some(h)) = (
                resolve_operand(item, a),
                resolve_operand(item, lo),
                resolve_operand(item, hi),
            ) else {
                return false;
            };
            matches!(x.compare_scalar(&l), Some(Greater | Equal))
                && matches!(x.compare_scalar(&h), Some(Less | Equal))
        }
        Cond::In(a, list) => {
            let Some(x) = resolve_operand(item, a) else {
                return false;
            };
            list.iter()
                .any(|o| resolve_operand(item, o).is_some_and(|y| x.dynamo_eq(&y)))
        }
    }
}

/// `contains(a, b)`: substring of a string or binary, member of a set, or element of a list.
fn contains(a: &AttributeValue, b: &AttributeValue) -> bool {
    match (a, b) {
        (AttributeValue::S(x), AttributeValue::S(y)) => x.contains(y.as_str()),
        (AttributeValue::B(x), AttributeValue::B(y)) => {
            let (x, y) = (decode_b64(x), decode_b64(y));
            y.is_empty() || x.windows(y.len()).any(|w| w == y.as_slice())
        }
        (AttributeValue::SS(l), AttributeValue::S(y)) => l.contains(y),
        (AttributeValue::BS(l), AttributeValue::B(y)) => {
            let y = decode_b64(y);
            l.iter().any(|b| decode_b64(b) == y)
        }
        (AttributeValue::NS(l), AttributeValue::N(y)) => l.contains(y),
        (AttributeValue::L(l), y) => l.iter().any(|e| e.dynamo_eq(y)),
        _ => false,
    }
}

/// Evaluate a SET value.
pub fn eval_update_value(item: &Item, op: &Operand) -> Result<AttributeValue, String> {
    const MISSING: &str =
        "The provided expression refers to an attribute that does not exist in the item";
    const BAD_TYPE: &str = "An operand in the update expression has an incorrect data type";
    match op {
        Operand::Path(p) => resolve_path(item, p)
            .cloned()
            .ok_or_else(|| MISSING.to_string()),
        Operand::Value(v) => Ok(v.clone()),
        Operand::IfNotExists(p, alt) => match resolve_path(item, p) {
            Some(v) => Ok(v.clone()),
            None => eval_update_value(item, alt),
        },
        Operand::ListAppend(a, b) => {
            let AttributeValue::L(mut x) = eval_update_value(item, a)? else {
                return Err(BAD_TYPE.to_string());
            };
            let AttributeValue::L(y) = eval_update_value(item, b)? else {
                return Err(BAD_TYPE.to_string());
            };
            x.extend(y);
            Ok(AttributeValue::L(x))
        }
        Operand::Plus(a, b) | Operand::Minus(a, b) => {
            let AttributeValue::N(x) = eval_update_value(item, a)? else {
                return Err(BAD_TYPE.to_string());
            };
            let AttributeValue::N(y) = eval_update_value(item, b)? else {
                return Err(BAD_TYPE.to_string());
            };
            let r = if matches!(op, Operand::Plus(..)) {
                x.add(&y)
            } else {
                x.sub(&y)
            };
            r.check().map_err(|e| e.message(""))?;
            Ok(AttributeValue::N(r))
        }
        Operand::Size(_) => Err(BAD_TYPE.to_string()),
    }
}

/// Build the projection of an item onto `paths` (nested paths keep their enclosing maps and lists;
/// projected list elements keep their relative order and are compacted).
pub fn project(item: &Item, paths: &[Path]) -> Item {
    enum Node {
        Leaf(AttributeValue),
        Map(indexmap::IndexMap<String, Node>),
        List(std::collections::BTreeMap<usize, Node>),
    }
    fn insert(slot: &mut Node, rest: &[PathElem], v: AttributeValue) {
        let Some(first) = rest.first() else {
            *slot = Node::Leaf(v);
            return;
        };
        let fresh = || match rest.get(1) {
            Some(PathElem::Index(_)) => Node::List(Default::default()),
            Some(PathElem::Name(_)) => Node::Map(Default::default()),
            None => Node::Leaf(AttributeValue::Null),
        };
        match (first, slot) {
            (PathElem::Name(n), Node::Map(m)) => {
                let child = m.entry(n.clone()).or_insert_with(fresh);
                insert(child, &rest[1..], v);
            }
            (PathElem::Index(i), Node::List(l)) => {
                let child = l.entry(*i).or_insert_with(fresh);
                insert(child, &rest[1..], v);
            }
            _ => {}
        }
    }
    fn build(n: Node) -> AttributeValue {
        match n {
            Node::Leaf(v) => v,
            Node::Map(m) => AttributeValue::M(m.into_iter().map(|(k, v)| (k, build(v))).collect()),
            Node::List(l) => AttributeValue::L(l.into_values().map(build).collect()),
        }
    }
    let mut root = Node::Map(Default::default());
    for p in paths {
        if let Some(v) = resolve_path(item, p) {
            insert(&mut root, p, v.clone());
        }
    }
    match build(root) {
        AttributeValue::M(m) => m,
        _ => Item::new(),
    }
}

/// Apply update actions to an item in place. Errors are DynamoDB's ValidationException messages.
pub fn apply_update(item: &mut Item, actions: &[UpdateAction]) -> Result<(), String> {
    const BAD_PATH: &str =
        "The document path provided in the update expression is invalid for update";
    const BAD_TYPE: &str = "An operand in the update expression has an incorrect data type";
    // SET values are all computed against the item as it was before the update.
    let snapshot = item.clone();
    let mut set_values = Vec::new();
    for a in actions {
        if let UpdateAction::Set(_, op) = a {
            set_values.push(eval_update_value(&snapshot, op)?);
        }
    }
    let mut set_iter = set_values.into_iter();
    for a in actions {
        match a {
            UpdateAction::Set(p, _) => {
                let v = set_iter.next().unwrap_or(AttributeValue::Null);
                put_path(item, p, v).ok_or_else(|| BAD_PATH.to_string())?;
            }
            UpdateAction::Remove(p) => {
                remove_path(item, p).ok_or_else(|| BAD_PATH.to_string())?;
            }
            UpdateAction::Add(p, v) => {
                let existing = resolve_path_checked(item, p).ok_or_else(|| BAD_PATH.to_string())?;
                let new = match (existing, v) {
                    (None, v) => v.clone(),
                    (Some(AttributeValue::N(x)), AttributeValue::N(y)) => {
                        let r = x.add(y);
                        r.check().map_err(|e| e.message(""))?;
                        AttributeValue::N(r)
                    }
                    (Some(AttributeValue::SS(x)), AttributeValue::SS(y)) => {
                        let mut x = x.clone();
                        for e in y {
                            if !x.contains(e) {
                                x.push(e.clone());
                            }
                        }
                        AttributeValue::SS(x)
                    }
                    (Some(AttributeValue::NS(x)), AttributeValue::NS(y)) => {
                        let mut x = x.clone();
                        for e in y {
                            if !x.contains(e) {
                                x.push(e.clone());
                            }
                        }
                        AttributeValue::NS(x)
                    }
                    (Some(AttributeValue::BS(x)), AttributeValue::BS(y)) => {
                        let mut x = x.clone();
                        for e in y {
                            if !x.contains(e) {
                                x.push(e.clone());
                            }
                        }
                        AttributeValue::BS(x)
                    }
                    // Only reachable from the legacy `AttributeUpdates` ADD, which appends lists.
                    (Some(AttributeValue::L(x)), AttributeValue::L(y)) => {
                        let mut x = x.clone();
                        x.extend(y.iter().cloned());
                        AttributeValue::L(x)
                    }
                    _ => return Err(BAD_TYPE.to_string()),
                };
                put_path(item, p, new).ok_or_else(|| BAD_PATH.to_string())?;
            }
            UpdateAction::Delete(p, v) => {
                let existing = resolve_path_checked(item, p).ok_or_else(|| BAD_PATH.to_string())?;
                let new = match (existing, v) {
                    (None, _) => continue,
                    (Some(AttributeValue::SS(x)), AttributeValue::SS(y)) => {
                        let r: Vec<String> = x.iter().filter(|e| !y.contains(e)).cloned().collect();
                        if r.is_empty() {
                            None
                        } else {
                            Some(AttributeValue::SS(r))
                        }
                    }
                    (Some(AttributeValue::NS(x)), AttributeValue::NS(y)) => {
                        let r: Vec<Number> = x.iter().filter(|e| !y.contains(e)).cloned().collect();
                        if r.is_empty() {
                            None
                        } else {
                            Some(AttributeValue::NS(r))
                        }
                    }
                    (Some(AttributeValue::BS(x)), AttributeValue::BS(y)) => {
                        let r: Vec<String> = x.iter().filter(|e| !y.contains(e)).cloned().collect();
                        if r.is_empty() {
                            None
                        } else {
                            Some(AttributeValue::BS(r))
                        }
                    }
                    _ => return Err(BAD_TYPE.to_string()),
                };
                match new {
                    Some(v) => put_path(item, p, v).ok_or_else(|| BAD_PATH.to_string())?,
                    None => remove_path(item, p).ok_or_else(|| BAD_PATH.to_string())?,
                }
            }
        }
    }
    Ok(())
}

/// The current value at `path`: `None` when the parent does not exist or has the wrong type
/// (an invalid path for update), `Some(None)` when only the last element is missing.
fn resolve_path_checked<'i>(item: &'i Item, path: &Path) -> Option<Option<&'i AttributeValue>> {
    let (last, parent) = path.split_last()?;
    if parent.is_empty() {
        return match last {
            PathElem::Name(n) => Some(item.get(n)),
            PathElem::Index(_) => None,
        };
    }
    let parent_v = resolve_path(item, &parent.to_vec())?;
    match (last, parent_v) {
        (PathElem::Name(n), AttributeValue::M(m)) => Some(m.get(n)),
        (PathElem::Index(i), AttributeValue::L(l)) => Some(l.get(*i)),
        _ => None,
    }
}

fn parent_mut<'i>(item: &'i mut Item, parent: &[PathElem]) -> Option<&'i mut AttributeValue> {
    let mut iter = parent.iter();
    let mut cur = match iter.next()? {
        PathElem::Name(n) => item.get_mut(n)?,
        PathElem::Index(_) => return None,
    };
    for e in iter {
        cur = match (e, cur) {
            (PathElem::Name(n), AttributeValue::M(m)) => m.get_mut(n)?,
            (PathElem::Index(i), AttributeValue::L(l)) => l.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn put_path(item: &mut Item, path: &Path, v: AttributeValue) -> Option<()> {
    let (last, parent) = path.split_last()?;
    if parent.is_empty() {
        return match last {
            PathElem::Name(n) => {
                item.insert(n.clone(), v);
                Some(())
            }
            PathElem::Index(_) => None,
        };
    }
    match (last, parent_mut(item, parent)?) {
        (PathElem::Name(n), AttributeValue::M(m)) => {
            m.insert(n.clone(), v);
            Some(())
        }
        (PathElem::Index(i), AttributeValue::L(l)) => {
            // Setting past the end appends, as documented for SET on list elements.
            if *i < l.len() {
                l[*i] = v;
            } else {
                l.push(v);
            }
            Some(())
        }
        _ => None,
    }
}

fn remove_path(item: &mut Item, path: &Path) -> Option<()> {
    let (last, parent) = path.split_last()?;
    if parent.is_empty() {
        return match last {
            PathElem::Name(n) => {
                item.shift_remove(n);
                Some(())
            }
            PathElem::Index(_) => None,
        };
    }
    match (last, parent_mut(item, parent)?) {
        (PathElem::Name(n), AttributeValue::M(m)) => {
            m.shift_remove(n);
            Some(())
        }
        (PathElem::Index(i), AttributeValue::L(l)) => {
            if *i < l.len() {
                l.remove(*i);
            }
            Some(())
        }
        _ => None,
    }
}

/// Top-level attribute names an expression's paths start with (used to reject key attributes in a
/// Query filter and updates of key attributes).
pub fn path_heads_cond(c: &Cond, out: &mut Vec<(String, bool)>) {
    let op = |o: &Operand, out: &mut Vec<(String, bool)>| operand_heads(o, out);
    match c {
        Cond::And(a, b) | Cond::Or(a, b) => {
            path_heads_cond(a, out);
            path_heads_cond(b, out);
        }
        Cond::Not(a) => path_heads_cond(a, out),
        Cond::Misused => {}
        Cond::AttributeExists(p) | Cond::AttributeNotExists(p) => push_head(p, out),
        Cond::AttributeType(a, b)
        | Cond::BeginsWith(a, b)
        | Cond::Contains(a, b)
        | Cond::Cmp(_, a, b) => {
            op(a, out);
            op(b, out);
        }
        Cond::Between(a, b, d) => {
            op(a, out);
            op(b, out);
            op(d, out);
        }
        Cond::In(a, l) => {
            op(a, out);
            for x in l {
                op(x, out);
            }
        }
    }
}

fn push_head(p: &Path, out: &mut Vec<(String, bool)>) {
    if let Some(PathElem::Name(n)) = p.first() {
        out.push((n.clone(), p.len() > 1));
    }
}

fn operand_heads(o: &Operand, out: &mut Vec<(String, bool)>) {
    match o {
        Operand::Path(p) => push_head(p, out),
        Operand::Size(x) => operand_heads(x, out),
        Operand::IfNotExists(p, x) => {
            push_head(p, out);
            operand_heads(x, out);
        }
        Operand::ListAppend(a, b) | Operand::Plus(a, b) | Operand::Minus(a, b) => {
            operand_heads(a, out);
            operand_heads(b, out);
        }
        Operand::Value(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx_with<'a>(
        names: &'a HashMap<String, String>,
        values: &'a HashMap<String, AttributeValue>,
    ) -> ExprContext<'a> {
        ExprContext::new(names, values)
    }

    #[test]
    fn parses_and_evaluates() {
        let names: HashMap<String, String> = [("#n".to_string(), "name".to_string())].into();
        let values: HashMap<String, AttributeValue> = [
            (":v".to_string(), AttributeValue::S("ab".to_string())),
            (":n".to_string(), AttributeValue::N(Number::from_u64(3))),
        ]
        .into();
        let mut ctx = ctx_with(&names, &values);
        let c = parse_condition(
            "begins_with(#n, :v) AND (size(#n) >= :n OR attribute_not_exists(x))",
            &mut ctx,
        );
        let Ok(c) = c else {
            panic!("parse failed: {c:?}");
        };
        let mut item = Item::new();
        item.insert("name".to_string(), AttributeValue::S("abc".to_string()));
        assert!(eval_condition(&item, &c));
        item.insert("name".to_string(), AttributeValue::S("xbc".to_string()));
        assert!(!eval_condition(&item, &c));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let names = HashMap::new();
        let values = HashMap::new();
        let mut ctx = ctx_with(&names, &values);
        let src = format!("{}a = b{}", "(".repeat(5000), ")".repeat(5000));
        assert!(parse_condition(&src, &mut ctx).is_err());
        let mut ctx = ctx_with(&names, &values);
        let src = format!("{}a = b", "NOT ".repeat(5000));
        assert!(parse_condition(&src, &mut ctx).is_err());
        let mut ctx = ctx_with(&names, &values);
        let src = format!(
            "SET a = {}b{}",
            "list_append(".repeat(5000),
            ", c)".repeat(5000)
        );
        assert!(parse_update(&src, &mut ctx).is_err());
    }

    #[test]
    fn errors() {
        let names = HashMap::new();
        let values = HashMap::new();
        let mut ctx = ctx_with(&names, &values);
        assert_eq!(
            parse_condition("#x = :y", &mut ctx).err().as_deref(),
            Some(
                "An expression attribute name used in the document path is not defined; attribute name: #x"
            )
        );
        let mut ctx = ctx_with(&names, &values);
        assert_eq!(
            parse_update("SET name = :y", &mut ctx).err().as_deref(),
            Some("Attribute name is a reserved keyword; reserved keyword: name")
        );
    }
}
