//! Shared by the tests that run codegen's list of contract tests on a document of their own.

use contract_tests::Property;
use emit::contract_tests::ContractTest;

/// Calls `f` with the [`Property`] that the generated `#[test]` for `t` would check.
pub fn with_property<R>(t: &ContractTest, f: impl FnOnce(&Property<'_>) -> R) -> R {
    let statuses: Vec<&str> = t.statuses.iter().map(String::as_str).collect();
    let links: Vec<&str> = t.links.iter().map(String::as_str).collect();
    let operation = t.operation_id.as_str();
    let property = match t.property {
        "positive" => Property::Positive {
            operation,
            statuses: &statuses,
        },
        "negative" => Property::Negative {
            operation,
            statuses: &statuses,
        },
        "links" => Property::Links {
            operation,
            links: &links,
        },
        "state_machine" => Property::StateMachine {
            operation,
            links: &links,
        },
        _ => Property::NoServerError { operation },
    };
    f(&property)
}
