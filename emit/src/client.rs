//! `generated/src/client.rs` and `generated/src/lib.rs`: a typed async client with one method per
//! operation (named from its `operationId` in snake_case), one result enum per operation with a
//! variant per documented status, and, for an operation paginated by a response header
//! `X-Next-{Name}` fed back as the query parameter `{name}`, a pager that follows it to the end.
//!
//! Path parameters are percent-encoded outside RFC 3986's unreserved characters (`/`, `%`, `+`
//! and space included), so API Gateway, which decodes each path segment once, routes on and hands
//! the template exactly the string the caller gave.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::rust::naming::{self, ident};
use crate::rust::{ModelKind, Ty, TypeSpace};
use crate::{Artifact, EmitError};

/// Where the client goes, relative to the workspace root.
pub const PATH: &str = "generated/src/client.rs";
/// The crate root of `generated`.
pub const LIB_PATH: &str = "generated/src/lib.rs";

/// A documented response of one operation, as a variant of its result enum.
struct Variant {
    name: String,
    /// `None` for `default`, else the status or the first status of an `NXX` range.
    status: StatusMatch,
    body: Option<Ty>,
    /// (header name, Rust field)
    headers: Vec<(String, String)>,
    description: String,
}

enum StatusMatch {
    Exact(u16),
    Range(u16),
    Default,
}

struct Param {
    json: String,
    rust: String,
    ty: Ty,
    required: bool,
    location: apidef::ParamLocation,
}

struct Op {
    method: String,
    path: String,
    fn_name: String,
    result: String,
    doc: Vec<String>,
    params: Vec<Param>,
    body: Option<Ty>,
    variants: Vec<Variant>,
    /// (cursor query parameter index, success variant index, response header field, item type,
    /// whether the body is a newtype over the list)
    pager: Option<Pager>,
}

struct Pager {
    param: usize,
    variant: usize,
    header_field: String,
    item: Ty,
    newtype: bool,
}

/// Emit `generated/src/client.rs` and `generated/src/lib.rs` for `api`.
pub fn emit(api: &apidef::Api, _options: &crate::Options) -> Result<Vec<Artifact>, EmitError> {
    let space = TypeSpace::build(api)?;
    let ops = operations(api, &space);
    let client = crate::rust::pretty(PATH, client_tokens(&ops))?;
    let lib = crate::rust::pretty(
        LIB_PATH,
        quote! {
            #![doc = " Written by `codegen` from `openapi.yaml`. Do not edit by hand."]
            #![doc = ""]
            #![doc = " [`models`]: a type for every schema; [`client`]: a typed async client with one method per operation."]
            pub mod client;
            pub mod models;
            pub use client::{Client, Error};
        },
    )?;
    Ok(vec![
        Artifact::new(LIB_PATH, lib),
        Artifact::new(PATH, client),
    ])
}

/// The reason phrase of a status, as a variant name (RFC 9110's names).
fn variant_name(status: &str) -> String {
    let name = match status {
        "200" => "Ok",
        "201" => "Created",
        "202" => "Accepted",
        "204" => "NoContent",
        "301" => "MovedPermanently",
        "302" => "Found",
        "304" => "NotModified",
        "400" => "BadRequest",
        "401" => "Unauthorized",
        "403" => "Forbidden",
        "404" => "NotFound",
        "405" => "MethodNotAllowed",
        "406" => "NotAcceptable",
        "409" => "Conflict",
        "410" => "Gone",
        "412" => "PreconditionFailed",
        "413" => "ContentTooLarge",
        "415" => "UnsupportedMediaType",
        "422" => "UnprocessableContent",
        "429" => "TooManyRequests",
        "500" => "InternalServerError",
        "501" => "NotImplemented",
        "502" => "BadGateway",
        "503" => "ServiceUnavailable",
        "504" => "GatewayTimeout",
        "default" => "Default",
        other => {
            // `2XX` -> `Status2xx`: the digits stay first after the prefix.
            let tail: String = other
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect();
            return format!("Status{tail}");
        }
    };
    name.to_string()
}

fn operations(api: &apidef::Api, space: &TypeSpace) -> Vec<Op> {
    let mut used_fns = std::collections::BTreeSet::new();
    let mut used_types = std::collections::BTreeSet::new();
    api.operations
        .iter()
        .map(|op| {
            let base = crate::rust::operation_name(op);
            let fn_name = naming::unique(&mut used_fns, &naming::field_name(&base), "_");
            let result = naming::unique(
                &mut used_types,
                &format!("{}Response", naming::type_name(&base)),
                "",
            );
            let mut doc = vec![format!("`{} {}`", op.method.to_uppercase(), op.path)];
            if let Some(s) = &op.summary {
                doc.push(String::new());
                doc.push(s.clone());
            }
            if let Some(d) = &op.description {
                doc.push(String::new());
                doc.extend(d.lines().map(str::to_string));
            }
            let mut used_params = std::collections::BTreeSet::new();
            // The generated method's own locals: a parameter of the same name would shadow
            // them (or be shadowed), so it gets a suffix instead.
            for local in [
                "body", "url", "query", "headers", "raw", "value", "items", "other", "next",
            ] {
                used_params.insert(local.to_string());
            }
            let params: Vec<Param> = op
                .parameters
                .iter()
                .filter(|p| {
                    matches!(
                        p.location,
                        apidef::ParamLocation::Path
                            | apidef::ParamLocation::Query
                            | apidef::ParamLocation::Header
                    )
                })
                .map(|p| Param {
                    json: p.name.clone(),
                    rust: naming::unique(&mut used_params, &naming::field_name(&p.name), "_"),
                    ty: match p
                        .schema
                        .as_ref()
                        .and_then(|s| s.get("type"))
                        .and_then(Value::as_str)
                    {
                        Some("integer") => Ty::Integer,
                        Some("number") => Ty::Number,
                        Some("boolean") => Ty::Boolean,
                        _ => Ty::String,
                    },
                    required: p.required || p.location == apidef::ParamLocation::Path,
                    location: p.location,
                })
                .collect();
            let body = space
                .bodies
                .get(&(op.pointer.clone(), "request".to_string()))
                .cloned();
            let mut used_variants = std::collections::BTreeSet::new();
            let variants: Vec<Variant> = op
                .responses
                .iter()
                .map(|(status, response)| {
                    let mut used_fields = std::collections::BTreeSet::new();
                    used_fields.insert("body".to_string());
                    used_fields.insert("status".to_string());
                    let status_match = match status.parse::<u16>() {
                        Ok(n) => StatusMatch::Exact(n),
                        Err(_) if status == "default" => StatusMatch::Default,
                        Err(_) => match status.get(..1).and_then(|d| d.parse::<u16>().ok()) {
                            Some(d) => StatusMatch::Range(d * 100),
                            None => StatusMatch::Default,
                        },
                    };
                    Variant {
                        name: naming::unique(&mut used_variants, &variant_name(status), ""),
                        status: status_match,
                        body: space
                            .bodies
                            .get(&(op.pointer.clone(), status.clone()))
                            .cloned(),
                        headers: response
                            .headers
                            .keys()
                            .map(|h| {
                                (
                                    h.clone(),
                                    naming::unique(&mut used_fields, &naming::field_name(h), "_"),
                                )
                            })
                            .collect(),
                        description: response.description.clone(),
                    }
                })
                .collect();
            let pager = pager(&params, &variants, space);
            Op {
                method: op.method.to_uppercase(),
                path: op.path.clone(),
                fn_name,
                result,
                doc,
                params,
                body,
                variants,
                pager,
            }
        })
        .collect()
}

/// A success response with a header `X-Next-{Name}` whose value goes back as the query
/// parameter `{name}`, and a list body, makes the operation pageable.
fn pager(params: &[Param], variants: &[Variant], space: &TypeSpace) -> Option<Pager> {
    for (vi, v) in variants.iter().enumerate() {
        let StatusMatch::Exact(s) = v.status else {
            continue;
        };
        if !(200..300).contains(&s) {
            continue;
        }
        for (header, field) in &v.headers {
            let lower = header.to_ascii_lowercase();
            let Some(name) = lower.strip_prefix("x-next-") else {
                continue;
            };
            let Some(pi) = params.iter().position(|p| {
                p.location == apidef::ParamLocation::Query
                    && p.json.eq_ignore_ascii_case(name)
                    && p.ty == Ty::String
                    && !p.required
            }) else {
                continue;
            };
            let (item, newtype) = match &v.body {
                Some(Ty::Vec(item)) => ((**item).clone(), false),
                Some(Ty::Named(n)) => match space.model(n).map(|m| &m.kind) {
                    Some(ModelKind::Newtype {
                        ty: Ty::Vec(item), ..
                    }) => ((**item).clone(), true),
                    _ => continue,
                },
                _ => continue,
            };
            return Some(Pager {
                param: pi,
                variant: vi,
                header_field: field.clone(),
                item,
                newtype,
            });
        }
    }
    None
}

fn docs(lines: &[String]) -> TokenStream {
    let lines = lines.iter().map(|l| {
        if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        }
    });
    quote!(#(#[doc = #lines])*)
}

fn param_type(p: &Param) -> TokenStream {
    let inner = match p.ty {
        Ty::Integer => quote!(i64),
        Ty::Number => quote!(f64),
        Ty::Boolean => quote!(bool),
        _ => quote!(&str),
    };
    if p.required {
        inner
    } else {
        quote!(::std::option::Option<#inner>)
    }
}

/// Parameter `p`'s value (the expression `value`) as an owned `String`.
fn param_text(_p: &Param, value: &TokenStream) -> TokenStream {
    quote!(#value.to_string())
}

fn client_tokens(ops: &[Op]) -> TokenStream {
    let models = quote!(models::);
    let mut enums = Vec::new();
    let mut methods = Vec::new();
    for op in ops {
        let result = format_ident!("{}", op.result);
        let fn_name = ident(&op.fn_name);
        let op_docs = docs(&op.doc);
        let method = &op.method;
        let label = format!("{} {}", op.method, op.path);

        // The result enum.
        let variants = op.variants.iter().map(|v| {
            let id = format_ident!("{}", v.name);
            let doc = format!(" {}", v.description);
            let status_field = match v.status {
                StatusMatch::Exact(_) => TokenStream::new(),
                _ => quote!(status: u16,),
            };
            let body = match &v.body {
                Some(ty) => {
                    let t = ty.tokens(&models);
                    quote!(body: #t,)
                }
                None => TokenStream::new(),
            };
            let headers = v.headers.iter().map(|(h, f)| {
                let f = ident(f);
                let d = format!(" The `{h}` response header, when present.");
                quote!(#[doc = #d] #f: ::std::option::Option<::std::string::String>,)
            });
            quote! {
                #[doc = #doc]
                #id { #status_field #body #(#headers)* },
            }
        });
        let status_arms = op.variants.iter().map(|v| {
            let id = format_ident!("{}", v.name);
            match v.status {
                StatusMatch::Exact(n) => {
                    let n = proc_macro2::Literal::u16_unsuffixed(n);
                    quote!(#result::#id { .. } => #n,)
                }
                _ => quote!(#result::#id { status, .. } => *status,),
            }
        });
        let enum_doc = format!(" What `{label}` answered: one variant per documented status.");
        enums.push(quote! {
            #[doc = #enum_doc]
            // A response is returned once and matched at once: boxing its larger variants
            // would only make every match site noisier.
            #[allow(clippy::large_enum_variant)]
            #[derive(Debug, Clone, PartialEq)]
            pub enum #result {
                #(#variants)*
            }
            impl #result {
                /// The HTTP status of the response.
                pub fn status(&self) -> u16 {
                    match self {
                        #(#status_arms)*
                    }
                }
            }
        });

        // The method.
        let args = op.params.iter().map(|p| {
            let id = ident(&p.rust);
            let t = param_type(p);
            quote!(#id: #t)
        });
        let body_arg = op.body.as_ref().map(|ty| {
            let t = ty.tokens(&models);
            quote!(body: &#t)
        });
        let args: Vec<TokenStream> = args.chain(body_arg).collect();
        // One argument per parameter is the design (a call reads like the request); clippy's
        // limit of 7 (`self` included) would otherwise fail `-D warnings` on a rich operation.
        let many = if args.len() >= 7 {
            quote!(#[allow(clippy::too_many_arguments)])
        } else {
            TokenStream::new()
        };
        // The path, segment by segment.
        let mut path_stmts = Vec::new();
        for segment in op.path.split('/').filter(|s| !s.is_empty()) {
            let name = segment
                .strip_prefix('{')
                .and_then(|s| s.strip_suffix('}'))
                .map(|s| s.trim_end_matches('+'));
            match name.and_then(|n| {
                op.params
                    .iter()
                    .find(|p| p.location == apidef::ParamLocation::Path && p.json == n)
            }) {
                Some(p) => {
                    let id = ident(&p.rust);
                    let text = if p.ty == Ty::String {
                        quote!(#id)
                    } else {
                        let t = param_text(p, &quote!(#id));
                        quote!(&#t)
                    };
                    path_stmts.push(quote! {
                        url.push('/');
                        url.push_str(&encode(#text));
                    });
                }
                None => {
                    let lit = format!("/{segment}");
                    path_stmts.push(quote!(url.push_str(#lit);));
                }
            }
        }
        if op.path == "/" || op.path.is_empty() {
            path_stmts.push(quote!(url.push('/');));
        }
        let query_stmts: Vec<TokenStream> = op
            .params
            .iter()
            .filter(|p| p.location == apidef::ParamLocation::Query)
            .map(|p| {
                let id = ident(&p.rust);
                let name = &p.json;
                let text = param_text(p, &quote!(value));
                if p.required {
                    quote! { let value = #id; query.push((#name, #text)); }
                } else {
                    quote! { if let ::std::option::Option::Some(value) = #id { query.push((#name, #text)); } }
                }
            })
            .collect();
        let header_stmts: Vec<TokenStream> = op
            .params
            .iter()
            .filter(|p| p.location == apidef::ParamLocation::Header)
            .map(|p| {
                let id = ident(&p.rust);
                let name = &p.json;
                let text = param_text(p, &quote!(value));
                if p.required {
                    quote! { let value = #id; headers.push((#name, #text)); }
                } else {
                    quote! { if let ::std::option::Option::Some(value) = #id { headers.push((#name, #text)); } }
                }
            })
            .collect();
        // `mut` only when something is pushed (an unused `mut` is a warning).
        let query_decl = if query_stmts.is_empty() {
            quote!(let query: ::std::vec::Vec<(&str, ::std::string::String)> = ::std::vec::Vec::new();)
        } else {
            quote!(let mut query: ::std::vec::Vec<(&str, ::std::string::String)> = ::std::vec::Vec::new();)
        };
        let headers_decl = if header_stmts.is_empty() {
            quote!(let headers: ::std::vec::Vec<(&str, ::std::string::String)> = ::std::vec::Vec::new();)
        } else {
            quote!(let mut headers: ::std::vec::Vec<(&str, ::std::string::String)> = ::std::vec::Vec::new();)
        };
        let body_stmt = match &op.body {
            Some(_) => quote! {
                let body = ::std::option::Option::Some(::serde_json::to_vec(body).map_err(|e| Error::Encode(e.to_string()))?);
            },
            None => {
                quote!(let body: ::std::option::Option<::std::vec::Vec<u8>> = ::std::option::Option::None;)
            }
        };
        let mut exact_arms = Vec::new();
        let mut range_arms = Vec::new();
        let mut default_arm = None;
        for v in &op.variants {
            let id = format_ident!("{}", v.name);
            let body = match &v.body {
                Some(_) => quote!(body: raw.json()?,),
                None => TokenStream::new(),
            };
            let headers = v.headers.iter().map(|(h, f)| {
                let f = ident(f);
                quote!(#f: raw.header(#h),)
            });
            match v.status {
                StatusMatch::Exact(n) => {
                    let n = proc_macro2::Literal::u16_unsuffixed(n);
                    exact_arms.push(quote!(#n => #result::#id { #body #(#headers)* },))
                }
                StatusMatch::Range(lo) => {
                    let hi = proc_macro2::Literal::u16_unsuffixed(lo + 99);
                    let lo = proc_macro2::Literal::u16_unsuffixed(lo);
                    range_arms.push(
                        quote!(status @ #lo..=#hi => #result::#id { status, #body #(#headers)* },),
                    )
                }
                StatusMatch::Default => {
                    default_arm =
                        Some(quote!(status => #result::#id { status, #body #(#headers)* },))
                }
            }
        }
        let fallback = default_arm.unwrap_or_else(|| {
            quote!(status => return ::std::result::Result::Err(Error::UnexpectedStatus { status, body: raw.text() }),)
        });
        methods.push(quote! {
            #op_docs
            #many
            pub async fn #fn_name(&self, #(#args),*) -> ::std::result::Result<#result, Error> {
                let mut url = self.base_url.clone();
                #(#path_stmts)*
                #query_decl
                #(#query_stmts)*
                #headers_decl
                #(#header_stmts)*
                #body_stmt
                let raw = self.send(#method, url, &query, &headers, body).await?;
                ::std::result::Result::Ok(match raw.status {
                    #(#exact_arms)*
                    #(#range_arms)*
                    #fallback
                })
            }
        });

        if let Some(pager) = &op.pager {
            let all = format_ident!("{}_all", op.fn_name.trim_start_matches("r#"));
            let cursor = &op.params[pager.param];
            let cursor_id = ident(&cursor.rust);
            let other: Vec<&Param> = op
                .params
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != pager.param)
                .map(|(_, p)| p)
                .collect();
            let other_args = other.iter().map(|p| {
                let id = ident(&p.rust);
                let t = param_type(p);
                quote!(#id: #t)
            });
            let body_arg = op.body.as_ref().map(|ty| {
                let t = ty.tokens(&models);
                quote!(body: &#t)
            });
            let call_args = op.params.iter().map(|p| {
                let id = ident(&p.rust);
                if p.json == cursor.json {
                    quote!(#cursor_id.as_deref())
                } else {
                    quote!(#id)
                }
            });
            let call_body = op.body.as_ref().map(|_| quote!(body));
            let call_args: Vec<TokenStream> = call_args.chain(call_body).collect();
            let args: Vec<TokenStream> = other_args.chain(body_arg).collect();
            let many = if args.len() >= 7 {
                quote!(#[allow(clippy::too_many_arguments)])
            } else {
                TokenStream::new()
            };
            let variant = format_ident!("{}", op.variants[pager.variant].name);
            let header = ident(&pager.header_field);
            let item = pager.item.tokens(&models);
            let items = if pager.newtype {
                quote!(body.0)
            } else {
                quote!(body)
            };
            let doc = format!(
                " Every item of `{label}`, page after page: follows `{}` until a page has none.",
                op.variants[pager.variant]
                    .headers
                    .iter()
                    .find(|(_, f)| *f == pager.header_field)
                    .map(|(h, _)| h.as_str())
                    .unwrap_or_default()
            );
            methods.push(quote! {
                #[doc = #doc]
                ///
                /// A page with any other status ends it with [`Error::Page`]; a cursor that
                /// repeats the previous one (which would loop forever) with [`Error::Pager`].
                #many
                pub async fn #all(&self, #(#args),*) -> ::std::result::Result<::std::vec::Vec<#item>, Error> {
                    let mut items = ::std::vec::Vec::new();
                    let mut #cursor_id: ::std::option::Option<::std::string::String> = ::std::option::Option::None;
                    loop {
                        match self.#fn_name(#(#call_args),*).await? {
                            #result::#variant { body, #header, .. } => {
                                items.extend(#items);
                                match #header {
                                    ::std::option::Option::None => return ::std::result::Result::Ok(items),
                                    ::std::option::Option::Some(next) if #cursor_id.as_deref() == ::std::option::Option::Some(next.as_str()) => {
                                        return ::std::result::Result::Err(Error::Pager(::std::format!("the cursor {next:?} repeats")));
                                    }
                                    next => #cursor_id = next,
                                }
                            }
                            other => {
                                return ::std::result::Result::Err(Error::Page { status: other.status(), response: ::std::format!("{other:?}") });
                            }
                        }
                    }
                }
            });
        }
    }

    // `Raw`'s helpers are emitted only when a generated method calls them: the generated crate
    // is checked with `clippy -D warnings`, and an unused private item is dead code there.
    let uses_headers = ops
        .iter()
        .any(|op| op.variants.iter().any(|v| !v.headers.is_empty()));
    let uses_json = ops
        .iter()
        .any(|op| op.variants.iter().any(|v| v.body.is_some()));
    // `text` is what an undocumented status carries, and a body that does not decode.
    let uses_text = uses_json
        || ops.iter().any(|op| {
            !op.variants
                .iter()
                .any(|v| matches!(v.status, StatusMatch::Default))
        });
    let headers_field = if uses_headers {
        quote!(headers: ::http::HeaderMap,)
    } else {
        TokenStream::new()
    };
    let header_fn = if uses_headers {
        quote! {
            fn header(&self, name: &str) -> ::std::option::Option<::std::string::String> {
                self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
            }
        }
    } else {
        TokenStream::new()
    };
    let text_fn = if uses_text {
        quote! {
            fn text(&self) -> ::std::string::String {
                ::std::string::String::from_utf8_lossy(&self.body).into_owned()
            }
        }
    } else {
        TokenStream::new()
    };
    let json_fn = if uses_json {
        quote! {
            fn json<T: ::serde::de::DeserializeOwned>(&self) -> ::std::result::Result<T, Error> {
                ::serde_json::from_slice(&self.body).map_err(|e| Error::Decode {
                    status: self.status,
                    message: e.to_string(),
                    body: self.text(),
                })
            }
        }
    } else {
        TokenStream::new()
    };
    // Without a documented response header, only the body of the response is kept.
    let (into_parts, raw_headers) = if uses_headers {
        (
            quote!(let (parts, body) = response.into_parts();),
            quote!(headers: parts.headers,),
        )
    } else {
        (quote!(let body = response.into_body();), TokenStream::new())
    };
    let raw_impl = if uses_headers || uses_text || uses_json {
        quote! {
            impl Raw {
                #header_fn
                #text_fn
                #json_fn
            }
        }
    } else {
        TokenStream::new()
    };

    quote! {
        #![doc = " A typed async client for `openapi.yaml`. Written by `codegen`; do not edit by hand."]
        #![doc = ""]
        #![doc = " HTTP/1.1 through hyper-util's legacy client: `http://` base URLs (such as `gateway serve`) in clear, `https://` (a deployed stage's invoke URL) through rustls with the ring provider and the Mozilla root certificates compiled in."]

        use crate::models;

        /// Everything outside RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`) is
        /// percent-encoded: API Gateway decodes each path segment once, so `/`, `%`, `+` and
        /// spaces come back as they were sent.
        const UNRESERVED: &::percent_encoding::AsciiSet = &::percent_encoding::NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_')
            .remove(b'~');

        fn encode(s: &str) -> ::std::string::String {
            ::percent_encoding::utf8_percent_encode(s, UNRESERVED).to_string()
        }

        /// Why a call did not produce a documented response.
        #[derive(Debug, Clone, PartialEq)]
        pub enum Error {
            /// The base URL and path do not make a URL hyper accepts, or the scheme is neither
            /// `http` nor `https`.
            InvalidUrl { url: ::std::string::String, message: ::std::string::String },
            /// The request body could not be serialized.
            Encode(::std::string::String),
            /// Connecting, sending or reading failed.
            Transport(::std::string::String),
            /// A documented status whose body does not parse as its documented schema.
            Decode { status: u16, message: ::std::string::String, body: ::std::string::String },
            /// A status the document does not list for this operation.
            UnexpectedStatus { status: u16, body: ::std::string::String },
            /// A pager got a page that is not a success.
            Page { status: u16, response: ::std::string::String },
            /// A pager's cursor does not advance.
            Pager(::std::string::String),
        }

        impl ::std::fmt::Display for Error {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                match self {
                    Error::InvalidUrl { url, message } => write!(f, "invalid URL {url}: {message}"),
                    Error::Encode(m) => write!(f, "cannot encode the request body: {m}"),
                    Error::Transport(m) => write!(f, "transport: {m}"),
                    Error::Decode { status, message, body } => write!(f, "status {status}: the body does not match its schema ({message}): {body}"),
                    Error::UnexpectedStatus { status, body } => write!(f, "undocumented status {status}: {body}"),
                    Error::Page { status, response } => write!(f, "a page answered {status}: {response}"),
                    Error::Pager(m) => write!(f, "pager: {m}"),
                }
            }
        }

        impl ::std::error::Error for Error {}

        /// A response before it is typed.
        struct Raw {
            status: u16,
            #headers_field
            body: ::bytes::Bytes,
        }

        #raw_impl

        type Http = ::hyper_util::client::legacy::Client<
            ::hyper_rustls::HttpsConnector<::hyper_util::client::legacy::connect::HttpConnector>,
            ::http_body_util::Full<::bytes::Bytes>,
        >;

        /// A client for one base URL, such as `http://127.0.0.1:3000/prod` or
        /// `https://{api-id}.execute-api.{region}.amazonaws.com/prod` (the stage is part of
        /// the base URL, as in an invoke URL).
        #[derive(Clone, Debug)]
        pub struct Client {
            base_url: ::std::string::String,
            /// `Err` only if rustls refuses ring's default provider, which supports every
            /// protocol version rustls offers; kept as an error for `send` rather than a panic.
            http: ::std::result::Result<Http, ::std::string::String>,
        }

        impl Client {
            /// A client for `base_url` (a trailing `/` is ignored). Must be called within a
            /// Tokio runtime's context only when a request is sent.
            pub fn new(base_url: impl Into<::std::string::String>) -> Client {
                let base_url = base_url.into().trim_end_matches('/').to_string();
                // The provider is named, not taken from the process default: with more than one
                // rustls provider compiled into a program, the default is ambiguous.
                let http = ::hyper_rustls::HttpsConnectorBuilder::new()
                    .with_provider_and_webpki_roots(::rustls::crypto::ring::default_provider())
                    .map(|builder| {
                        let connector = builder.https_or_http().enable_http1().build();
                        ::hyper_util::client::legacy::Client::builder(::hyper_util::rt::TokioExecutor::new()).build(connector)
                    })
                    .map_err(|e| e.to_string());
                Client { base_url, http }
            }

            /// The base URL, without a trailing `/`.
            pub fn base_url(&self) -> &str {
                &self.base_url
            }

            async fn send(
                &self,
                method: &str,
                mut url: ::std::string::String,
                query: &[(&str, ::std::string::String)],
                headers: &[(&str, ::std::string::String)],
                body: ::std::option::Option<::std::vec::Vec<u8>>,
            ) -> ::std::result::Result<Raw, Error> {
                for (i, (k, v)) in query.iter().enumerate() {
                    url.push(if i == 0 { '?' } else { '&' });
                    url.push_str(&encode(k));
                    url.push('=');
                    url.push_str(&encode(v));
                }
                let invalid = |message: ::std::string::String| Error::InvalidUrl { url: url.clone(), message };
                let uri: ::http::Uri = url.parse().map_err(|e: ::http::uri::InvalidUri| invalid(e.to_string()))?;
                if !matches!(uri.scheme_str(), ::std::option::Option::Some("http" | "https")) {
                    return ::std::result::Result::Err(invalid("the scheme must be http or https".to_string()));
                }
                let mut request = ::http::Request::builder().method(method).uri(uri);
                for (k, v) in headers {
                    request = request.header(*k, v.as_str());
                }
                let has_body = body.is_some();
                if has_body {
                    request = request.header("content-type", "application/json");
                }
                let request = request
                    .body(::http_body_util::Full::new(::bytes::Bytes::from(body.unwrap_or_default())))
                    .map_err(|e| invalid(e.to_string()))?;
                let http = self.http.as_ref().map_err(|e| Error::Transport(::std::format!("TLS configuration: {e}")))?;
                let response = http.request(request).await.map_err(|e| Error::Transport(::std::format!("{e:?}")))?;
                let status = response.status().as_u16();
                #into_parts
                let body = ::http_body_util::BodyExt::collect(body)
                    .await
                    .map_err(|e| Error::Transport(e.to_string()))?
                    .to_bytes();
                ::std::result::Result::Ok(Raw { status, #raw_headers body })
            }

            #(#methods)*
        }

        #(#enums)*
    }
}
