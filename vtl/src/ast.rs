//! Abstract syntax tree of a parsed template. Every node, expression and reference carries the
//! byte range of its source ([`Span`](crate::ast::Span); `pos` fields, where kept, are its start)
//! so errors and tools can report line:column.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

/// A byte range of the template source, `start..end` (absolute: a node of an interpolated
/// string has the range in the whole template). A directive's range runs from its `#` through
/// its `#end` (or closing `)`) and the one newline a directive swallows after it; a text node's
/// covers the source between its neighbours (comments and escapes included). Inside a string
/// literal, each doubled quote (`""` for `"`) before a node shifts its range one byte early, as it
/// does its `pos` (the string's content is parsed without them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    pub fn range(self) -> Range<usize> {
        self.start..self.end
    }

    pub fn len(self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

#[derive(Debug, Clone)]
pub enum Node {
    Text(String, Span),
    /// A reference printed where it stands; its span is the reference's.
    Ref(Reference),
    /// `\$ref` escapes (Velocity 1.7): `backslashes` is the run length before the `$`.
    EscapedRef {
        backslashes: usize,
        reference: Reference,
        span: Span,
    },
    Set {
        target: Reference,
        value: Expr,
        pos: usize,
        span: Span,
    },
    If {
        branches: Vec<(Expr, Vec<Node>)>,
        otherwise: Option<Vec<Node>>,
        span: Span,
    },
    Foreach {
        var: String,
        /// `var`'s number in the template's [`Symbols`].
        var_id: VarId,
        iterable: Expr,
        body: Vec<Node>,
        pos: usize,
        span: Span,
    },
    Break {
        span: Span,
    },
    Stop {
        span: Span,
    },
    Define {
        name: String,
        /// `name`'s number in the template's [`Symbols`].
        id: VarId,
        body: Arc<Vec<Node>>,
        span: Span,
    },
    /// `#name(args)`: resolved when rendering (Velocity 1.7 allows calls before the definition);
    /// an undefined macro prints `literal`.
    MacroCall {
        name: String,
        args: Vec<Expr>,
        pos: usize,
        literal: String,
        span: Span,
    },
}

impl Node {
    /// The source range of the node.
    pub fn span(&self) -> Span {
        match self {
            Node::Text(_, span)
            | Node::EscapedRef { span, .. }
            | Node::Set { span, .. }
            | Node::If { span, .. }
            | Node::Foreach { span, .. }
            | Node::Break { span }
            | Node::Stop { span }
            | Node::Define { span, .. }
            | Node::MacroCall { span, .. } => *span,
            Node::Ref(r) => r.span,
        }
    }

    /// The byte offset where the node starts.
    pub fn pos(&self) -> usize {
        self.span().start
    }
}

#[derive(Debug, Clone)]
pub struct Reference {
    pub root: String,
    /// `root`'s number in the template's [`Symbols`].
    pub var: VarId,
    pub parts: Vec<Part>,
    /// `$!x`: in Velocity, silent; on API Gateway every null renders empty anyway, so the flag is
    /// kept only for tools that inspect the tree.
    #[allow(dead_code)]
    pub silent: bool,
    /// The source text, printed for escaped references.
    pub literal: String,
    /// Where the reference starts (`span.start`).
    pub pos: usize,
    /// From the `$` through the reference's last part (its `}` when braced).
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum Part {
    Property(String),
    Method(String, Vec<Expr>),
    Index(Expr),
}

/// An expression; the last field of each variant is its source range (a reference's is the
/// [`Reference`]'s `span`).
#[derive(Debug, Clone)]
pub enum Expr {
    Ref(Box<Reference>),
    Str(String, Span),
    /// A double-quoted string containing `$` or `#`: rendered as a template each time.
    Interpolated(Vec<Node>, Span),
    Int(i64, Span),
    Float(f64, Span),
    Bool(bool, Span),
    List(Vec<Expr>, Span),
    Map(Vec<(Expr, Expr)>, Span),
    Range(Box<Expr>, Box<Expr>, Span),
    /// `usize` is the operator's offset (where a failing operation is reported); the span runs
    /// from the left operand through the right one.
    Binary(BinOp, Box<Expr>, Box<Expr>, usize, Span),
    Not(Box<Expr>, Span),
    Paren(Box<Expr>, Span),
}

impl Expr {
    /// The source range of the expression.
    pub fn span(&self) -> Span {
        match self {
            Expr::Ref(r) => r.span,
            Expr::Str(_, s)
            | Expr::Interpolated(_, s)
            | Expr::Int(_, s)
            | Expr::Float(_, s)
            | Expr::Bool(_, s)
            | Expr::List(_, s)
            | Expr::Map(_, s)
            | Expr::Range(_, _, s)
            | Expr::Binary(_, _, _, _, s)
            | Expr::Not(_, s)
            | Expr::Paren(_, s) => *s,
        }
    }

    /// The byte offset where the expression starts.
    pub fn pos(&self) -> usize {
        self.span().start
    }
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

/// A variable's number in its template: the renderer keeps a template's variables in a vector
/// indexed by it, so reading `$item` on every iteration is an index, not a hash and a string
/// compare (a tenth of a response template's render, by profile).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct VarId(pub u32);

/// The names of a template's variables, numbered in order of first appearance after the ones
/// the renderer itself sets ([`Symbols::INPUT`] and the rest). Velocity has no way to name a
/// variable at render time (no `#evaluate` on API Gateway), so every name a render can read or
/// set is here once parsing ends.
#[derive(Clone, Debug)]
pub struct Symbols {
    names: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Symbols {
    pub const INPUT: VarId = VarId(0);
    pub const UTIL: VarId = VarId(1);
    pub const CONTEXT: VarId = VarId(2);
    pub const STAGE_VARIABLES: VarId = VarId(3);
    pub const VELOCITY_COUNT: VarId = VarId(4);
    pub const FOREACH: VarId = VarId(5);

    /// The renderer's own names, at their constant numbers.
    pub(crate) fn new() -> Symbols {
        let mut s = Symbols {
            names: Vec::new(),
            ids: HashMap::new(),
        };
        for n in [
            "input",
            "util",
            "context",
            "stageVariables",
            "velocityCount",
            "foreach",
        ] {
            s.intern(n);
        }
        s
    }

    pub(crate) fn intern(&mut self, name: &str) -> VarId {
        if let Some(&i) = self.ids.get(name) {
            return VarId(i);
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.ids.insert(name.to_string(), i);
        VarId(i)
    }

    /// The number of `name`, if the template names it anywhere.
    pub fn get(&self, name: &str) -> Option<VarId> {
        self.ids.get(name).map(|&i| VarId(i))
    }

    /// How many names there are (the renderer's vector length).
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Never: the renderer's own names are always there.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct MacroDef {
    pub params: Vec<String>,
    /// The parameters' numbers in the template's [`Symbols`].
    pub param_ids: Vec<VarId>,
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
        Node::Text(..) | Node::Break { .. } | Node::Stop { .. } => {}
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

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(src: &str) -> Vec<&str> {
        let t = crate::Template::parse(src).unwrap();
        t.nodes().iter().map(|n| &src[n.span().range()]).collect()
    }

    #[test]
    fn nodes_carry_their_source_range() {
        let src = "ab$x.y #set($a = 1)\nc#if($a)t#else$!{b}#end\\$e#foreach($i in [1])#break#end";
        assert_eq!(
            spans(src),
            [
                "ab",
                "$x.y",
                "#set($a = 1)\n",
                "c",
                "#if($a)t#else$!{b}#end",
                "\\$e",
                "#foreach($i in [1])#break#end"
            ]
        );
        let t = crate::Template::parse(src).unwrap();
        let Node::If {
            branches,
            otherwise,
            ..
        } = &t.nodes()[4]
        else {
            panic!("not an #if");
        };
        assert_eq!(&src[branches[0].1[0].span().range()], "t");
        assert_eq!(&src[otherwise.as_ref().unwrap()[0].span().range()], "$!{b}");
        let Node::Set { target, .. } = &t.nodes()[2] else {
            panic!("not a #set");
        };
        assert_eq!(&src[target.span.range()], "$a");
        // The blank before `#set` is dropped (Velocity 1.7), and with it any text node.
        assert_eq!(t.nodes()[1].span().end, 6);
    }

    #[test]
    fn interpolated_nodes_have_ranges_in_the_whole_template() {
        let src = r#"#set($s = "x$y")"#;
        let t = crate::Template::parse(src).unwrap();
        let Node::Set {
            value: Expr::Interpolated(nodes, _),
            ..
        } = &t.nodes()[0]
        else {
            panic!("not an interpolated #set");
        };
        let got: Vec<&str> = nodes.iter().map(|n| &src[n.span().range()]).collect();
        assert_eq!(got, ["x", "$y"]);
    }

    #[test]
    fn expressions_carry_their_source_range() {
        struct All<'s>(&'s str, Vec<&'s str>);
        impl<'ast> Visitor<'ast> for All<'_> {
            fn visit_expr(&mut self, e: &'ast Expr) {
                self.1.push(&self.0[e.span().range()]);
                walk_expr(self, e);
            }
        }
        let src = "#if(!($a.b(1, 'x') == [1..$n]) && {\"k\": 2.5} || not true)#end";
        let t = crate::Template::parse(src).unwrap();
        let mut v = All(src, Vec::new());
        walk_nodes(&mut v, t.nodes());
        assert_eq!(
            v.1,
            [
                "!($a.b(1, 'x') == [1..$n]) && {\"k\": 2.5} || not true",
                "!($a.b(1, 'x') == [1..$n]) && {\"k\": 2.5}",
                "!($a.b(1, 'x') == [1..$n])",
                "($a.b(1, 'x') == [1..$n])",
                "$a.b(1, 'x') == [1..$n]",
                "$a.b(1, 'x')",
                "1",
                "'x'",
                "[1..$n]",
                "1",
                "$n",
                "{\"k\": 2.5}",
                "\"k\"",
                "2.5",
                "not true",
                "true",
            ]
        );
    }
}
