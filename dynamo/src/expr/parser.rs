//! The grammar of condition (ConditionExpression, FilterExpression, KeyConditionExpression),
//! update and projection expressions: names and values resolved through the request's
//! `ExpressionAttributeNames`/`Values`, and the semantic errors DynamoDB reports, in its order.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use super::ast::{CmpOp, Cond, Operand, Path, PathElem, UpdateAction, path_str};
use super::error::{ExprError, ExprErrorKind};
use super::lexer::{Tok, byte_offset, syntax_error, tokenize};
use crate::number::Number;
use crate::value::AttributeValue;

/// The reserved words of the DynamoDB Developer Guide ("Reserved words in DynamoDB"); an attribute
/// name equal to one of them (case-insensitively) must be written through `#name`.
static RESERVED: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("reserved_words.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
});

pub(crate) fn is_reserved(name: &str) -> bool {
    RESERVED.contains(name.to_ascii_uppercase().as_str())
}

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

    /// DynamoDB refuses a request whose `ExpressionAttributeNames` or `ExpressionAttributeValues`
    /// hold an entry no expression used; `names` and `values` are the request's keys in request
    /// order (the message lists them so).
    pub fn check_unused(&self, names: &[String], values: &[String]) -> Result<(), ExprError> {
        fn unused<'k>(keys: &'k [String], used: &HashSet<String>) -> Vec<&'k str> {
            keys.iter()
                .filter(|k| !used.contains(*k))
                .map(String::as_str)
                .collect()
        }
        let names = unused(names, &self.used_names);
        if !names.is_empty() {
            return Err(ExprError::new(
                ExprErrorKind::UnusedName,
                format!(
                    "Value provided in ExpressionAttributeNames unused in expressions: keys: {{{}}}",
                    names.join(", ")
                ),
            ));
        }
        let values = unused(values, &self.used_values);
        if !values.is_empty() {
            return Err(ExprError::new(
                ExprErrorKind::UnusedValue,
                format!(
                    "Value provided in ExpressionAttributeValues unused in expressions: keys: {{{}}}",
                    values.join(", ")
                ),
            ));
        }
        Ok(())
    }
}

/// Semantic errors found while parsing, reported in DynamoDB's priority order once the whole
/// expression has been read.
#[derive(Default)]
struct Errors {
    parens: Option<ExprError>,
    unknown_function: Option<ExprError>,
    misused_function: Option<ExprError>,
    reserved: Option<ExprError>,
    section: Option<ExprError>,
    attr_name: Option<ExprError>,
    attr_val: Option<ExprError>,
    path_overlap: Option<ExprError>,
    path_conflict: Option<ExprError>,
    operand: Option<ExprError>,
    distinct: Option<ExprError>,
    function: Option<ExprError>,
}

/// Record the first problem of its kind; `at` is the byte offset the parser was at.
fn set(kind: ExprErrorKind, at: usize, slot: &mut Option<ExprError>, msg: String) {
    if slot.is_none() {
        *slot = Some(ExprError::new(kind, msg).at(at));
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

type PResult<T> = Result<T, ExprError>;

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

    /// A syntax error at the current token (or the end of the text).
    fn err_here(&self) -> ExprError {
        let (message, at) = match self.toks.get(self.pos) {
            Some((t, at)) => (syntax_error(self.src, *at, &t.text()), *at),
            None => {
                let n = self.src.chars().count();
                (syntax_error(self.src, n, "<EOF>"), n)
            }
        };
        ExprError::new(ExprErrorKind::Syntax, message).at(byte_offset(self.src, at))
    }

    /// Nesting beyond `MAX_DEPTH`: DynamoDB's words are a syntax error at the current token.
    fn too_deep(&self) -> ExprError {
        let e = self.err_here();
        let at = e.offset().unwrap_or(0);
        ExprError::new(ExprErrorKind::Limit, e.message()).at(at)
    }

    /// The byte offset of the token last read (the start of the text before any).
    fn at(&self) -> usize {
        let at = self
            .pos
            .checked_sub(1)
            .and_then(|i| self.toks.get(i))
            .map_or(0, |(_, at)| *at);
        byte_offset(self.src, at)
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
                ExprErrorKind::UndefinedName,
                self.at(),
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
                ExprErrorKind::UndefinedValue,
                self.at(),
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
                        ExprErrorKind::ReservedWord,
                        self.at(),
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
            return Err(self.too_deep());
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
        let at = self.at();
        let arity = |n: usize, args: &Vec<Operand>, errors: &mut Errors| {
            if args.len() != n {
                set(
                    ExprErrorKind::Operand,
                    at,
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
                        ExprErrorKind::Operand,
                        self.at(),
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
                        set(ExprErrorKind::Operand, self.at(), &mut self.errors.function,
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
                            ExprErrorKind::Operand,
                            self.at(),
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
                    ExprErrorKind::Function,
                    self.at(),
                    &mut self.errors.misused_function,
                    format!(
                        "The function is not allowed to be used this way in an expression; function: {name}"
                    ),
                );
                Ok(Operand::Value(AttributeValue::Null))
            }
            _ => {
                set(
                    ExprErrorKind::Function,
                    self.at(),
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
            return Err(self.too_deep());
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
                return Err(self.too_deep());
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
                    ExprErrorKind::RedundantParentheses,
                    self.at(),
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
                ExprErrorKind::Operand,
                self.at(),
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
                        ExprErrorKind::Operand,
                        self.at(),
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
                            set(ExprErrorKind::Operand, self.at(), &mut self.errors.function,
                                format!(
                                    "Invalid attribute type name found; type: {s}, valid types: {{B,NULL,SS,BOOL,L,BS,N,NS,S,M}}"
                                ),
                            );
                        }
                    }
                    Operand::Value(v) => set(ExprErrorKind::Operand, self.at(), &mut self.errors.function,
                        format!(
                            "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: {}",
                            v.type_name()
                        ),
                    ),
                    Operand::Size(_) => set(ExprErrorKind::Operand, self.at(), &mut self.errors.function,
                        "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: N".to_string(),
                    ),
                    _ => set(ExprErrorKind::Operand, self.at(), &mut self.errors.function,
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
                            ExprErrorKind::Operand,
                            self.at(),
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
                ExprErrorKind::Operand,
                self.at(),
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
                        ExprErrorKind::Operand,
                        self.at(),
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
                        ExprErrorKind::Operand,
                        self.at(),
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
                ExprErrorKind::Function,
                self.at(),
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
                    ExprErrorKind::Operand,
                    self.at(),
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
            return Err(self.too_deep());
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
                    ExprErrorKind::DuplicateSection,
                    self.at(),
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
                                ExprErrorKind::Operand,
                                self.at(),
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
                        ExprErrorKind::PathConflict,
                        self.at(),
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
                    ExprErrorKind::PathOverlap,
                    self.at(),
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
/// `Err` carries DynamoDB's message without the "Invalid XExpression: " prefix (the caller
/// names the parameter, `ExprError::in_parameter`).
pub fn parse_condition(src: &str, ctx: &mut ExprContext<'_>) -> Result<Cond, ExprError> {
    if src.is_empty() {
        return Err(ExprError::new(ExprErrorKind::Empty, "The expression can not be empty;").at(0));
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
            ExprErrorKind::Function,
            p.at(),
            &mut p.errors.misused_function,
            "The function is not allowed to be used this way in an expression; function: size"
                .to_string(),
        );
    }
    p.finish_condition()?;
    Ok(c)
}

pub fn parse_update(src: &str, ctx: &mut ExprContext<'_>) -> Result<Vec<UpdateAction>, ExprError> {
    if src.is_empty() {
        return Err(ExprError::new(ExprErrorKind::Empty, "The expression can not be empty;").at(0));
    }
    let mut p = Parser::new(src, ctx)?;
    p.keywords = UPDATE_KEYWORDS;
    let actions = p.update_expression()?;
    p.finish_update()?;
    Ok(actions)
}

pub fn parse_projection(src: &str, ctx: &mut ExprContext<'_>) -> Result<Vec<Path>, ExprError> {
    if src.is_empty() {
        return Err(ExprError::new(ExprErrorKind::Empty, "The expression can not be empty;").at(0));
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
