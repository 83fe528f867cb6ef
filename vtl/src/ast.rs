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

/// A read-only walk over the tree, in source order (as `syn::visit`): each `visit_*` method
/// defaults to the matching `walk_*` function, which visits the children; override a method to
/// act on a kind of element, and call the `walk_*` function from it to go on into the children
/// (or not, to skip them).
///
/// The walk visits every child, including the reference of an escaped `\$ref` (printed, never
/// evaluated) and the nodes of interpolated strings, `#define` bodies and macro arguments.
///
/// ```
/// use vtl::ast::{Reference, Visitor, walk_reference};
///
/// struct Roots(Vec<String>);
/// impl<'ast> Visitor<'ast> for Roots {
///     fn visit_reference(&mut self, r: &'ast Reference) {
///         self.0.push(r.root.clone());
///         walk_reference(self, r);
///     }
/// }
/// let t = vtl::Template::parse("#foreach($x in $input.path('$.a'))$x.get($y)#end").unwrap();
/// let mut roots = Roots(Vec::new());
/// vtl::ast::walk_nodes(&mut roots, t.nodes());
/// assert_eq!(roots.0, ["input", "x", "y"]);
/// ```
pub trait Visitor<'ast> {
    fn visit_node(&mut self, node: &'ast Node) {
        walk_node(self, node);
    }

    fn visit_expr(&mut self, expr: &'ast Expr) {
        walk_expr(self, expr);
    }

    fn visit_reference(&mut self, reference: &'ast Reference) {
        walk_reference(self, reference);
    }

    fn visit_part(&mut self, part: &'ast Part) {
        walk_part(self, part);
    }
}

/// Visits each node of a sequence (a template, a block's body).
pub fn walk_nodes<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, nodes: &'ast [Node]) {
    for n in nodes {
        v.visit_node(n);
    }
}

/// Visits a node's references, expressions and nested bodies, in source order.
pub fn walk_node<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, node: &'ast Node) {
    match node {
        Node::Text(..) | Node::Break | Node::Stop => {}
        Node::Ref(r) => v.visit_reference(r),
        Node::EscapedRef { reference, .. } => v.visit_reference(reference),
        Node::Set { target, value, .. } => {
            v.visit_reference(target);
            v.visit_expr(value);
        }
        Node::If {
            branches,
            otherwise,
            ..
        } => {
            for (cond, body) in branches {
                v.visit_expr(cond);
                walk_nodes(v, body);
            }
            if let Some(body) = otherwise {
                walk_nodes(v, body);
            }
        }
        Node::Foreach { iterable, body, .. } => {
            v.visit_expr(iterable);
            walk_nodes(v, body);
        }
        Node::Define { body, .. } => walk_nodes(v, body),
        Node::MacroCall { args, .. } => {
            for a in args {
                v.visit_expr(a);
            }
        }
    }
}

/// Visits an expression's operands, elements, reference or interpolated nodes.
pub fn walk_expr<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, expr: &'ast Expr) {
    match expr {
        Expr::Ref(r, ..) => v.visit_reference(r),
        Expr::Interpolated(nodes, ..) => walk_nodes(v, nodes),
        Expr::List(items, ..) => {
            for e in items {
                v.visit_expr(e);
            }
        }
        Expr::Map(entries, ..) => {
            for (k, e) in entries {
                v.visit_expr(k);
                v.visit_expr(e);
            }
        }
        Expr::Range(a, b, ..) | Expr::Binary(_, a, b, ..) => {
            v.visit_expr(a);
            v.visit_expr(b);
        }
        Expr::Not(x, ..) | Expr::Paren(x, ..) => v.visit_expr(x),
        Expr::Str(..) | Expr::Int(..) | Expr::Float(..) | Expr::Bool(..) => {}
    }
}

/// Visits a reference's parts (properties, method calls, indexes), left to right.
pub fn walk_reference<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, reference: &'ast Reference) {
    for p in &reference.parts {
        v.visit_part(p);
    }
}

/// Visits a method call's arguments or an index's expression.
pub fn walk_part<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, part: &'ast Part) {
    match part {
        Part::Property(..) => {}
        Part::Method(_, args, ..) => {
            for a in args {
                v.visit_expr(a);
            }
        }
        Part::Index(e, ..) => v.visit_expr(e),
    }
}
