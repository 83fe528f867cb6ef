//! Abstract syntax tree of a parsed template. Every node that can fail at render time carries the
//! byte offset of its source so errors can report line:column.

use std::sync::Arc;

#[derive(Debug, Clone)]
pub enum Node {
    Text(String),
    Ref(Reference),
    /// `\$ref` escapes (Velocity 1.7): `backslashes` is the run length before the `$`.
    EscapedRef {
        backslashes: usize,
        reference: Reference,
    },
    Set {
        target: Reference,
        value: Expr,
        pos: usize,
    },
    If {
        branches: Vec<(Expr, Vec<Node>)>,
        otherwise: Option<Vec<Node>>,
    },
    Foreach {
        var: String,
        iterable: Expr,
        body: Vec<Node>,
        pos: usize,
    },
    Break,
    Stop,
    Define {
        name: String,
        body: Arc<Vec<Node>>,
    },
    /// `#name(args)`: resolved when rendering (Velocity 1.7 allows calls before the definition);
    /// an undefined macro prints `literal`.
    MacroCall {
        name: String,
        args: Vec<Expr>,
        pos: usize,
        literal: String,
    },
}

#[derive(Debug, Clone)]
pub struct Reference {
    pub root: String,
    pub parts: Vec<Part>,
    /// `$!x`: in Velocity, silent; on API Gateway every null renders empty anyway, so the flag is
    /// kept only for tools that inspect the tree.
    #[allow(dead_code)]
    pub silent: bool,
    /// The source text, printed for escaped references.
    pub literal: String,
    pub pos: usize,
}

#[derive(Debug, Clone)]
pub enum Part {
    Property(String),
    Method(String, Vec<Expr>),
    Index(Expr),
}

#[derive(Debug, Clone)]
pub enum Expr {
    Ref(Box<Reference>),
    Str(String),
    /// A double-quoted string containing `$` or `#`: rendered as a template each time.
    Interpolated(Vec<Node>),
    Int(i64),
    Float(f64),
    Bool(bool),
    List(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
    Range(Box<Expr>, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>, usize),
    Not(Box<Expr>),
    Paren(Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Debug, Clone)]
pub struct MacroDef {
    pub params: Vec<String>,
    pub body: Arc<Vec<Node>>,
}
