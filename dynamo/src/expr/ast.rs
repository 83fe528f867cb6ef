//! What an expression parses to: document paths, operands, conditions and update actions, and
//! the attribute names a condition's paths start with.

use crate::value::AttributeValue;

#[derive(Debug, Clone, PartialEq)]
pub enum PathElem {
    Name(String),
    Index(usize),
}

pub type Path = Vec<PathElem>;

pub(crate) fn path_str(p: &Path) -> String {
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
    pub(crate) fn symbol(self) -> &'static str {
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

pub(crate) fn push_head(p: &Path, out: &mut Vec<(String, bool)>) {
    if let Some(PathElem::Name(n)) = p.first() {
        out.push((n.clone(), p.len() > 1));
    }
}

pub(crate) fn operand_heads(o: &Operand, out: &mut Vec<(String, bool)>) {
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
