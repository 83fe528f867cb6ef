//! `ExprError`: why an expression was refused or could not be applied, with where.
//!
//! DynamoDB answers every such problem with a ValidationException whose message is
//! `Invalid <Parameter>: <problem>` for a problem in one expression parameter (parse errors of
//! ConditionExpression, UpdateExpression, ...), and the bare problem for what concerns the
//! request as a whole (unused placeholders) or the item (an update that cannot be applied). The
//! `Display` of an `ExprError` is that message, byte for byte; the kind and the location are for
//! callers and tests that need more than the text.

use std::fmt;

/// What is wrong. The message keeps DynamoDB's words; the kind groups them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExprErrorKind {
    /// The expression is the empty string.
    Empty,
    /// A token where the grammar allows none (`Syntax error; token: ..., near: ...`).
    Syntax,
    /// Nesting deeper than the parser allows; DynamoDB's text for it is a syntax error.
    Limit,
    /// A `#name` that `ExpressionAttributeNames` does not define.
    UndefinedName,
    /// A `:value` that `ExpressionAttributeValues` does not define.
    UndefinedValue,
    /// A name of `ExpressionAttributeNames` no expression of the request uses.
    UnusedName,
    /// A value of `ExpressionAttributeValues` no expression of the request uses.
    UnusedValue,
    /// An attribute name that is a DynamoDB reserved word, written without `#`.
    ReservedWord,
    /// An unknown function, or a function used where it is not allowed.
    Function,
    /// The wrong number or type of operands for an operator or function (parse time).
    Operand,
    /// A condition wrapped twice in parentheses.
    RedundantParentheses,
    /// A SET, REMOVE, ADD or DELETE section given twice.
    DuplicateSection,
    /// Two document paths of one expression that overlap.
    PathOverlap,
    /// Two document paths of one expression that conflict (a name and an index at one level).
    PathConflict,
    /// An update operand of the wrong type for the item's value (apply time).
    TypeMismatch,
    /// An update that reads an attribute the item does not have (apply time).
    MissingAttribute,
    /// A document path that the item's shape does not allow to update (apply time).
    InvalidPath,
    /// An arithmetic result outside DynamoDB's number range or precision (apply time).
    Number,
}

/// The request parameter an expression came from: it names the parameter in the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expression {
    Condition,
    Filter,
    KeyCondition,
    Update,
    Projection,
}

impl Expression {
    /// The request parameter's name, as DynamoDB writes it in its messages.
    pub fn parameter(self) -> &'static str {
        match self {
            Expression::Condition => "ConditionExpression",
            Expression::Filter => "FilterExpression",
            Expression::KeyCondition => "KeyConditionExpression",
            Expression::Update => "UpdateExpression",
            Expression::Projection => "ProjectionExpression",
        }
    }
}

/// One refused expression or failed update: kind, DynamoDB's message, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    kind: ExprErrorKind,
    message: String,
    expression: Option<Expression>,
    offset: Option<usize>,
}

impl ExprError {
    pub(crate) fn new(kind: ExprErrorKind, message: impl Into<String>) -> ExprError {
        ExprError {
            kind,
            message: message.into(),
            expression: None,
            offset: None,
        }
    }

    /// The byte offset in the expression where the parser was when it found the problem.
    pub(crate) fn at(mut self, offset: usize) -> ExprError {
        self.offset = Some(offset);
        self
    }

    /// The parameter the expression came from; the message then names it.
    pub fn in_parameter(mut self, expression: Expression) -> ExprError {
        self.expression = Some(expression);
        self
    }

    pub fn kind(&self) -> ExprErrorKind {
        self.kind
    }

    /// DynamoDB's words for the problem alone, without the `Invalid <Parameter>: ` prefix.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Which expression parameter, when the problem is in one.
    pub fn expression(&self) -> Option<Expression> {
        self.expression
    }

    /// Byte offset in the expression: the token being read when a parse problem was found
    /// (the end of the text for an unexpected end); `None` for problems not found while
    /// reading the text (unused placeholders, applying an update).
    pub fn offset(&self) -> Option<usize> {
        self.offset
    }
}

impl fmt::Display for ExprError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.expression {
            Some(e) => write!(f, "Invalid {}: {}", e.parameter(), self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ExprError {}
