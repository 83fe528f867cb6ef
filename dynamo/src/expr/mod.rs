//! DynamoDB expressions: condition/filter/key-condition, update and projection expressions, with
//! `ExpressionAttributeNames` (`#n`) and `ExpressionAttributeValues` (`:v`). Grammar and semantics
//! follow the DynamoDB Developer Guide ("Condition and filter expressions, operators and
//! functions", "Update expressions", "Projection expressions"); error messages are DynamoDB's.
//!
//! One module per step: `lexer` (tokens), `parser` (the grammar, into the `ast`), `eval`
//! (conditions, filters, projections against an item), `update` (update actions applied to an
//! item).

mod ast;
mod error;
mod eval;
mod lexer;
mod parser;
mod update;

// What the fuzz target calls, and what the parsers return.
pub use ast::{CmpOp, Cond, Operand, Path, PathElem, UpdateAction, path_heads_cond};
pub use error::{ExprError, ExprErrorKind, Expression};
pub use eval::{eval_condition, project};
pub use parser::{ExprContext, parse_condition, parse_projection, parse_update};
pub use update::apply_update;

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::number::Number;
    use crate::value::{AttributeValue, Item};

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

    /// The message of a parse error, as DynamoDB words it without the parameter.
    fn message<T: std::fmt::Debug>(r: Result<T, ExprError>) -> String {
        match r {
            Ok(v) => panic!("expected an error, got {v:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn errors() {
        let names = HashMap::new();
        let values = HashMap::new();
        let mut ctx = ctx_with(&names, &values);
        assert_eq!(
            message(parse_condition("#x = :y", &mut ctx)),
            "An expression attribute name used in the document path is not defined; attribute name: #x"
        );
        let mut ctx = ctx_with(&names, &values);
        assert_eq!(
            message(parse_update("SET name = :y", &mut ctx)),
            "Attribute name is a reserved keyword; reserved keyword: name"
        );
    }

    #[test]
    fn an_error_has_a_kind_and_the_byte_offset_of_its_token() {
        let names = HashMap::new();
        let values: HashMap<String, AttributeValue> =
            [(":v".to_string(), AttributeValue::S("x".to_string()))].into();
        // A no-break space (whitespace to the lexer) is two bytes: the offset counts bytes, the
        // message's context counts characters.
        let mut ctx = ctx_with(&names, &values);
        let e = parse_condition("a\u{a0}= :v AND ?", &mut ctx).expect_err("'?' is no token");
        assert_eq!(e.kind(), ExprErrorKind::Syntax);
        assert_eq!(e.offset(), Some("a\u{a0}= :v AND ".len()));
        assert_eq!(e.message(), "Syntax error; token: \"?\", near: \" ?\"");

        let mut ctx = ctx_with(&names, &values);
        let e = parse_condition("a = :v AND b = :w", &mut ctx).expect_err(":w is undefined");
        assert_eq!(e.kind(), ExprErrorKind::UndefinedValue);
        assert_eq!(e.offset(), Some("a = :v AND b = ".len()));

        let mut ctx = ctx_with(&names, &values);
        let e = parse_update("SET a = :v REMOVE b SET c = :v", &mut ctx).expect_err("two SETs");
        assert_eq!(e.kind(), ExprErrorKind::DuplicateSection);

        let mut ctx = ctx_with(&names, &values);
        let src = format!("{}a = :v{}", "(".repeat(200), ")".repeat(200));
        let e = parse_condition(&src, &mut ctx).expect_err("too deep");
        assert_eq!(e.kind(), ExprErrorKind::Limit);
        assert!(e.message().starts_with("Syntax error; token: "), "{e}");
    }

    #[test]
    fn the_parameter_prefixes_the_message_and_unused_placeholders_are_named() {
        let names: HashMap<String, String> = [
            ("#a".to_string(), "a".to_string()),
            ("#b".to_string(), "b".to_string()),
        ]
        .into();
        let values = HashMap::new();
        let mut ctx = ctx_with(&names, &values);
        let e = parse_projection("", &mut ctx)
            .expect_err("empty")
            .in_parameter(Expression::Projection);
        assert_eq!(e.kind(), ExprErrorKind::Empty);
        assert_eq!(e.expression(), Some(Expression::Projection));
        assert_eq!(
            e.to_string(),
            "Invalid ProjectionExpression: The expression can not be empty;"
        );

        let mut ctx = ctx_with(&names, &values);
        assert!(parse_projection("#a", &mut ctx).is_ok());
        let order = ["#b".to_string(), "#a".to_string()];
        let e = ctx.check_unused(&order, &[]).expect_err("#b is unused");
        assert_eq!(e.kind(), ExprErrorKind::UnusedName);
        assert_eq!(e.offset(), None);
        assert_eq!(
            e.to_string(),
            "Value provided in ExpressionAttributeNames unused in expressions: keys: {#b}"
        );
    }

    #[test]
    fn an_update_that_cannot_be_applied_says_why() {
        let names = HashMap::new();
        let values: HashMap<String, AttributeValue> =
            [(":n".to_string(), AttributeValue::N(Number::from_u64(1)))].into();
        let mut ctx = ctx_with(&names, &values);
        let actions = parse_update("SET a = b + :n", &mut ctx).expect("parses");
        let mut item = Item::new();
        let e = apply_update(&mut item, &actions).expect_err("b is missing");
        assert_eq!(e.kind(), ExprErrorKind::MissingAttribute);
        item.insert("b".to_string(), AttributeValue::S("s".to_string()));
        let e = apply_update(&mut item, &actions).expect_err("b is a string");
        assert_eq!(e.kind(), ExprErrorKind::TypeMismatch);
        assert_eq!(
            e.to_string(),
            "An operand in the update expression has an incorrect data type"
        );
    }
}
