//! DynamoDB expressions: condition/filter/key-condition, update and projection expressions, with
//! `ExpressionAttributeNames` (`#n`) and `ExpressionAttributeValues` (`:v`). Grammar and semantics
//! follow the DynamoDB Developer Guide ("Condition and filter expressions, operators and
//! functions", "Update expressions", "Projection expressions"); error messages are DynamoDB's.
//!
//! One module per step: `lexer` (tokens), `parser` (the grammar, into the `ast`), `eval`
//! (conditions, filters, projections against an item), `update` (update actions applied to an
//! item).

mod ast;
mod eval;
mod lexer;
mod parser;
mod update;

pub use ast::{CmpOp, Cond, Operand, Path, PathElem, UpdateAction, path_heads_cond, path_str};
pub use eval::{eval_condition, project, resolve_path};
pub use parser::{ExprContext, is_reserved, parse_condition, parse_projection, parse_update};
pub use update::{apply_update, eval_update_value};

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
