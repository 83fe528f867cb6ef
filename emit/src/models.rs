//! `generated/src/models.rs`: a Rust type for every schema in `components/schemas` and every
//! inline request or response body schema (typify's mapping rules, docs/evidence/prior-art.md §2.2):
//! non-required properties are `Option` with `skip_serializing_if`, `additionalProperties: false`
//! is `deny_unknown_fields`, string enums are enums, `description` is the doc comment, and the
//! validation keywords are `#[schemars(..)]` attributes so that the derived schema says what the
//! document says.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::rust::naming::ident;
use crate::rust::{Model, ModelKind, Ty, TypeSpace};
use crate::{Artifact, EmitError};

/// Where the models go, relative to the workspace root.
pub const PATH: &str = "generated/src/models.rs";

/// Emit `generated/src/models.rs` for `api`.
pub fn emit(api: &apidef::Api, _options: &crate::Options) -> Result<Artifact, EmitError> {
    let space = TypeSpace::build(api)?;
    let file = tokens(&space);
    Ok(Artifact::new(PATH, crate::rust::pretty(PATH, file)?))
}

fn tokens(space: &TypeSpace) -> TokenStream {
    let models = space.models.iter().map(model);
    // The helper exists only when some field is optional (else it would be dead code).
    let any_optional = space.models.iter().any(|m| match &m.kind {
        ModelKind::Struct { fields, .. } => fields.iter().any(|f| !f.required),
        _ => false,
    });
    let absent = if any_optional {
        quote! {
            /// An optional property is absent or a value: `null` is not a value the document
            /// allows (serde's default for `Option` would read it as absent).
            mod absent {
                pub fn deserialize<'de, D, T>(deserializer: D) -> ::std::result::Result<::std::option::Option<T>, D::Error>
                where
                    D: ::serde::Deserializer<'de>,
                    T: ::serde::Deserialize<'de>,
                {
                    T::deserialize(deserializer).map(::std::option::Option::Some)
                }
            }
        }
    } else {
        TokenStream::new()
    };
    let whole = space.models.iter().filter_map(|m| {
        let pointer = m.origin.as_ref()?;
        let id = format_ident!("{}", m.name);
        Some(quote!((#pointer, generator.root_schema_for::<#id>())))
    });
    let derived = quote! {
        /// Every type that stands for a whole schema of the document (a component or a body),
        /// with that schema's JSON pointer in `openapi.yaml` and the schema schemars derives for
        /// it under `settings`: for checking that the two accept the same instances.
        pub fn derived_schemas(settings: ::schemars::generate::SchemaSettings) -> ::std::vec::Vec<(&'static str, ::schemars::Schema)> {
            let mut generator = settings.into_generator();
            ::std::vec::Vec::from([#(#whole),*])
        }
    };
    quote! {
        #![doc = " Models for every schema of `openapi.yaml`. Written by `codegen`; do not edit by hand."]
        #(#models)*
        #derived
        #absent
    }
}

fn doc(text: &Option<String>) -> TokenStream {
    match text {
        Some(t) => {
            let lines = t.lines().map(|l| format!(" {l}"));
            quote!(#(#[doc = #lines])*)
        }
        None => TokenStream::new(),
    }
}

fn model(m: &Model) -> TokenStream {
    let name = format_ident!("{}", m.name);
    let docs = doc(&m.doc);
    let none = TokenStream::new();
    match &m.kind {
        ModelKind::Struct {
            fields,
            deny_unknown_fields,
        } => {
            let deny = if *deny_unknown_fields {
                quote!(#[serde(deny_unknown_fields)])
            } else {
                TokenStream::new()
            };
            let fields = fields.iter().map(|f| {
                let id = ident(&f.rust);
                let json = &f.json;
                let docs = doc(&f.doc);
                let ty = f.ty.tokens(&none);
                let constraints = f.constraints.attribute(f.ty == Ty::Integer);
                let rename = if f.rust.trim_start_matches("r#") == f.json {
                    TokenStream::new()
                } else {
                    quote!(#[serde(rename = #json)])
                };
                if f.required {
                    quote! {
                        #docs
                        #rename
                        #constraints
                        pub #id: #ty,
                    }
                } else {
                    // The schema of the value itself, not of `Option` (which schemars would
                    // make nullable): absence is what makes the property optional.
                    let with = ty.to_string().replace(' ', "");
                    quote! {
                        #docs
                        #rename
                        #[serde(default, skip_serializing_if = "::std::option::Option::is_none", deserialize_with = "absent::deserialize")]
                        #[schemars(with = #with)]
                        #constraints
                        pub #id: ::std::option::Option<#ty>,
                    }
                }
            });
            quote! {
                #docs
                #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize, ::schemars::JsonSchema)]
                #deny
                pub struct #name {
                    #(#fields)*
                }
            }
        }
        ModelKind::Newtype { ty, constraints } => {
            let ty_tokens = ty.tokens(&none);
            let constraints = constraints.attribute(*ty == Ty::Integer);
            quote! {
                #docs
                #[derive(Debug, Clone, PartialEq, ::serde::Serialize, ::serde::Deserialize, ::schemars::JsonSchema)]
                #[serde(transparent)]
                pub struct #name(#constraints pub #ty_tokens);
            }
        }
        ModelKind::Enum { variants } => {
            let variants = variants.iter().map(|(rust, json)| {
                let id = ident(rust);
                quote! {
                    #[serde(rename = #json)]
                    #id,
                }
            });
            quote! {
                #docs
                #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ::serde::Serialize, ::serde::Deserialize, ::schemars::JsonSchema)]
                pub enum #name {
                    #(#variants)*
                }
            }
        }
    }
}
