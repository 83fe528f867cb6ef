//! `contract-tests/tests/generated.rs`: one thin `#[test]` per property per operation, calling
//! the hand-written harness in `contract-tests/src` with the operation ids, statuses and links
//! read from the document. Change `openapi.yaml` and these tests change with it; the harness
//! derives the requests and checks from the same document at run time.
//!
//! | test | when | property |
//! |---|---|---|
//! | `<op>_positive` | every operation with an `operationId` | valid requests get a documented status, schema and `Content-Type` |
//! | `<op>_negative` | the operation takes a body or query/header parameters it can refuse | invalid requests get a documented 4xx and its error shape |
//! | `<op>_no_server_error` | every operation | no request gets a 5xx |
//! | `<op>_unauthenticated` | the operation requires an API key, a signature or a token | without them, API Gateway's 403 (401 for an authorizer) |
//! | `<op>_links`, `<op>_state_machine` | a POST or PUT whose 2xx response links to a GET operation | create / read / update / list every page / delete agree (a conditional create of an existing key gets its documented refusal), and random sequences agree with a model |

use apidef::{Api, Operation, ParamLocation};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::{Artifact, EmitError, Options};

/// The artifact's path, relative to the workspace root.
pub const PATH: &str = "contract-tests/tests/generated.rs";

/// `putAlbum` -> `put_album`; anything that is not a letter or digit becomes `_`.
fn snake(id: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in id.chars() {
        if c.is_ascii_uppercase() {
            if prev_lower {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            prev_lower = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    let out = out.trim_matches('_').to_string();
    match out.chars().next() {
        Some(c) if c.is_ascii_digit() => format!("op_{out}"),
        None => "op".into(),
        _ => out,
    }
}

/// Whether a negative case can break something in the operation's request (the harness makes
/// the same decision at run time: a body model, a required query/header parameter, or one whose
/// schema has invalid wire values).
fn has_negatives(op: &Operation) -> bool {
    let body = op.request_body.as_ref().is_some_and(|b| {
        b.content
            .iter()
            .any(|(ct, s)| ct.eq_ignore_ascii_case("application/json") && s.is_some())
    });
    body || op.parameters.iter().any(|p| {
        matches!(p.location, ParamLocation::Query | ParamLocation::Header)
            && (p.required
                || p.schema.as_ref().is_some_and(|s| {
                    matches!(
                        s.get("type").and_then(Value::as_str),
                        Some("integer" | "number" | "boolean")
                    ) || s.get("maxLength").is_some()
                        || s.get("enum").is_some()
                }))
    })
}

/// The names of the links of the operation's 2xx responses, in document order, when the
/// operation creates (POST or PUT, by HTTP's semantics) and one of them leads to a GET operation
/// (the read a stateful test needs). A GET's links (a list's `NextPage`) start no stateful test.
fn stateful_links(api: &Api, op: &Operation) -> Vec<String> {
    if op.method != "POST" && op.method != "PUT" {
        return Vec::new();
    }
    let links: Vec<(&String, &apidef::Link)> = op
        .responses
        .iter()
        .filter(|(s, _)| s.starts_with('2'))
        .flat_map(|(_, r)| r.links.iter())
        .collect();
    // A read is a GET that is not a list: a list links to itself (its `NextPage`).
    let reads = links.iter().any(|(_, l)| {
        l.operation_id
            .as_deref()
            .and_then(|id| api.operation(id))
            .is_some_and(|t| {
                t.method == "GET"
                    && !t
                        .responses
                        .values()
                        .flat_map(|r| r.links.values())
                        .any(|back| back.operation_id == t.operation_id)
            })
    });
    if reads {
        links.into_iter().map(|(n, _)| n.clone()).collect()
    } else {
        Vec::new()
    }
}

fn test_tokens(t: &ContractTest) -> TokenStream {
    let ident = format_ident!("{}", t.name);
    let id = &t.operation_id;
    let statuses = &t.statuses;
    let links = &t.links;
    let label = &t.label;
    let joined = links.join(", ");
    let (doc, body) = match t.property {
        "positive" => (
            format!(" {label}: a valid request gets a documented status, body and Content-Type."),
            quote! { assert_property(Property::Positive { operation: #id, statuses: &[#(#statuses),*] }); },
        ),
        "negative" => (
            format!(
                " {label}: a request that breaks the schema gets a documented 4xx and its error shape."
            ),
            quote! { assert_property(Property::Negative { operation: #id, statuses: &[#(#statuses),*] }); },
        ),
        "links" => (
            format!(
                " {label} and its links {joined}: create, read, update, list every page, delete, then 404."
            ),
            quote! { assert_property(Property::Links { operation: #id, links: &[#(#links),*] }); },
        ),
        "unauthenticated" => (
            format!(
                " {label}: a request without the method's credentials gets API Gateway's 401 or 403."
            ),
            quote! { assert_property(Property::Unauthenticated { operation: #id }); },
        ),
        "state_machine" => (
            format!(
                " {label} and its links {joined}: random sequences agree with a model keyed by the table's key."
            ),
            quote! { assert_property(Property::StateMachine { operation: #id, links: &[#(#links),*] }); },
        ),
        _ => (
            format!(" {label}: no request gets a 5xx."),
            quote! { assert_property(Property::NoServerError { operation: #id }); },
        ),
    };
    quote! {
        #[doc = #doc]
        #[test]
        fn #ident() {
            #body
        }
    }
}

/// One generated test: which property of which operation, with what the document says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractTest {
    /// The `#[test]` function's name.
    pub name: String,
    /// `positive`, `negative`, `no_server_error`, `unauthenticated`, `links` or
    /// `state_machine`.
    pub property: &'static str,
    pub operation_id: String,
    /// `POST /album`, for the doc comment.
    pub label: String,
    /// The documented statuses (positive and negative tests).
    pub statuses: Vec<String>,
    /// The links of the 2xx responses (stateful tests).
    pub links: Vec<String>,
}

/// The tests the document calls for, in document order; the generated file has one `#[test]`
/// per entry (the mutation tests of `contract-tests` run the same list for mutated documents).
pub fn tests(api: &Api) -> Vec<ContractTest> {
    let mut out = Vec::new();
    for op in &api.operations {
        let Some(id) = op.operation_id.as_deref() else {
            continue;
        };
        let name = snake(id);
        let statuses: Vec<String> = op.responses.keys().cloned().collect();
        let links = stateful_links(api, op);
        let mut push = |property: &'static str, statuses: &[String], links: &[String]| {
            out.push(ContractTest {
                name: format!("{name}_{property}"),
                property,
                operation_id: id.to_string(),
                label: op.label(),
                statuses: statuses.to_vec(),
                links: links.to_vec(),
            })
        };
        push("positive", &statuses, &[]);
        if has_negatives(op) {
            push("negative", &statuses, &[]);
        }
        push("no_server_error", &[], &[]);
        if op.api_key_required || op.authorization != apidef::Authorization::None {
            push("unauthenticated", &[], &[]);
        }
        if !links.is_empty() {
            push("links", &[], &links);
            push("state_machine", &[], &links);
        }
    }
    out
}

/// Emit `contract-tests/tests/generated.rs`.
pub fn emit(api: &Api, _options: &Options) -> Result<Artifact, EmitError> {
    let skipped: Vec<String> = api
        .operations
        .iter()
        .filter(|o| o.operation_id.is_none())
        .map(Operation::label)
        .collect();
    let tests: Vec<TokenStream> = tests(api).iter().map(test_tokens).collect();
    let mut doc = format!(
        " Contract tests of `{}`, generated by `codegen`: do not edit (`cargo run -p codegen --\n generate` rewrites this file, `codegen check` fails when it is stale).\n\n Each test names a property and what the document says about it; the harness in\n `contract-tests/src` derives the requests and checks from the same document. Target: the\n embedded gateway, or `CONTRACT_BASE_URL`; cases per property: `PROPTEST_CASES` (default 256).",
        file_name(&api.file)
    );
    if !skipped.is_empty() {
        doc.push_str(&format!(
            "\n\n Operations without an `operationId` have no tests: {}.",
            skipped.join(", ")
        ));
    }
    // One attribute per line, so the header prints as `//!` lines.
    let doc_lines = doc.lines();
    let file = quote! {
        #(#![doc = #doc_lines])*
        use contract_tests::{Property, assert_property};
        #(#tests)*
    };
    let syntax: syn::File = syn::parse2(file).map_err(|e| EmitError::Serialize {
        artifact: PATH.into(),
        message: e.to_string(),
    })?;
    Ok(Artifact::new(PATH, prettyplease::unparse(&syntax)))
}

/// The document's file name only: the artifact must not depend on where the checkout is.
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}
