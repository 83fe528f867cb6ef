//! A typed async client for `openapi.yaml`. Written by `codegen`; do not edit by hand.
//!
//! HTTP/1.1 through hyper-util's legacy client: `http://` base URLs (such as `gateway serve`) in clear, `https://` (a deployed stage's invoke URL) through rustls with the ring provider and the Mozilla root certificates compiled in.

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
            Error::InvalidUrl { url, message } => {
                write!(f, "invalid URL {url}: {message}")
            }
            Error::Encode(m) => write!(f, "cannot encode the request body: {m}"),
            Error::Transport(m) => write!(f, "transport: {m}"),
            Error::Decode { status, message, body } => {
                write!(
                    f,
                    "status {status}: the body does not match its schema ({message}): {body}"
                )
            }
            Error::UnexpectedStatus { status, body } => {
                write!(f, "undocumented status {status}: {body}")
            }
            Error::Page { status, response } => {
                write!(f, "a page answered {status}: {response}")
            }
            Error::Pager(m) => write!(f, "pager: {m}"),
        }
    }
}

impl ::std::error::Error for Error {}

/// A response before it is typed.
struct Raw {
    status: u16,
    headers: ::http::HeaderMap,
    body: ::bytes::Bytes,
}

impl Raw {
    fn header(&self, name: &str) -> ::std::option::Option<::std::string::String> {
        self.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
    }

    fn text(&self) -> ::std::string::String {
        ::std::string::String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json<T: ::serde::de::DeserializeOwned>(&self) -> ::std::result::Result<T, Error> {
        ::serde_json::from_slice(&self.body)
            .map_err(|e| Error::Decode {
                status: self.status,
                message: e.to_string(),
                body: self.text(),
            })
    }
}

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
        let http = ::hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(::rustls::crypto::ring::default_provider())
            .map(|builder| {
                let connector = builder.https_or_http().enable_http1().build();
                ::hyper_util::client::legacy::Client::builder(
                        ::hyper_util::rt::TokioExecutor::new(),
                    )
                    .build(connector)
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
        let invalid = |message: ::std::string::String| Error::InvalidUrl {
            url: url.clone(),
            message,
        };
        let uri: ::http::Uri = url
            .parse()
            .map_err(|e: ::http::uri::InvalidUri| invalid(e.to_string()))?;
        if !matches!(uri.scheme_str(), ::std::option::Option::Some("http" | "https")) {
            return ::std::result::Result::Err(
                invalid("the scheme must be http or https".to_string()),
            );
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
            .body(
                ::http_body_util::Full::new(
                    ::bytes::Bytes::from(body.unwrap_or_default()),
                ),
            )
            .map_err(|e| invalid(e.to_string()))?;
        let http = self
            .http
            .as_ref()
            .map_err(|e| Error::Transport(::std::format!("TLS configuration: {e}")))?;
        let response = http
            .request(request)
            .await
            .map_err(|e| Error::Transport(::std::format!("{e:?}")))?;
        let status = response.status().as_u16();
        let (parts, body) = response.into_parts();
        let body = ::http_body_util::BodyExt::collect(body)
            .await
            .map_err(|e| Error::Transport(e.to_string()))?
            .to_bytes();
        ::std::result::Result::Ok(Raw {
            status,
            headers: parts.headers,
            body,
        })
    }

    /// `POST /things/{type}/{self}`
    #[allow(clippy::too_many_arguments)]
    pub async fn create_thing(
        &self,
        r#type: &str,
        self_: &str,
        r#gen: ::std::option::Option<i64>,
        n1st_page: ::std::option::Option<&str>,
        url_2: ::std::option::Option<&str>,
        x_trace: ::std::option::Option<&str>,
        body: &models::CreateThingRequestBody,
    ) -> ::std::result::Result<CreateThingResponse, Error> {
        let mut url = self.base_url.clone();
        url.push_str("/things");
        url.push('/');
        url.push_str(&encode(r#type));
        url.push('/');
        url.push_str(&encode(self_));
        let mut query: ::std::vec::Vec<(&str, ::std::string::String)> = ::std::vec::Vec::new();
        if let ::std::option::Option::Some(value) = r#gen {
            query.push(("gen", value.to_string()));
        }
        if let ::std::option::Option::Some(value) = n1st_page {
            query.push(("1st-page", value.to_string()));
        }
        if let ::std::option::Option::Some(value) = url_2 {
            query.push(("url", value.to_string()));
        }
        let mut headers: ::std::vec::Vec<(&str, ::std::string::String)> = ::std::vec::Vec::new();
        if let ::std::option::Option::Some(value) = x_trace {
            headers.push(("X-Trace", value.to_string()));
        }
        let body = ::std::option::Option::Some(
            ::serde_json::to_vec(body).map_err(|e| Error::Encode(e.to_string()))?,
        );
        let raw = self.send("POST", url, &query, &headers, body).await?;
        ::std::result::Result::Ok(
            match raw.status {
                200 => {
                    CreateThingResponse::Ok {
                        body: raw.json()?,
                        x_next_page: raw.header("X-Next-Page"),
                        body_2: raw.header("body"),
                    }
                }
                status @ 200..=299 => {
                    CreateThingResponse::Status2xx {
                        status,
                    }
                }
                status => {
                    CreateThingResponse::Default {
                        status,
                        body: raw.json()?,
                    }
                }
            },
        )
    }

    /// `GET /things/{type}/{self}`
    pub async fn create_thing_2(
        &self,
        r#type: &str,
        self_: &str,
    ) -> ::std::result::Result<CreateThingResponse2, Error> {
        let mut url = self.base_url.clone();
        url.push_str("/things");
        url.push('/');
        url.push_str(&encode(r#type));
        url.push('/');
        url.push_str(&encode(self_));
        let query: ::std::vec::Vec<(&str, ::std::string::String)> = ::std::vec::Vec::new();
        let headers: ::std::vec::Vec<(&str, ::std::string::String)> = ::std::vec::Vec::new();
        let body: ::std::option::Option<::std::vec::Vec<u8>> = ::std::option::Option::None;
        let raw = self.send("GET", url, &query, &headers, body).await?;
        ::std::result::Result::Ok(
            match raw.status {
                200 => CreateThingResponse2::Ok {},
                status => {
                    return ::std::result::Result::Err(Error::UnexpectedStatus {
                        status,
                        body: raw.text(),
                    });
                }
            },
        )
    }
}

/// What `POST /things/{type}/{self}` answered: one variant per documented status.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum CreateThingResponse {
    /// The thing.
    Ok {
        body: models::Type,
        /// The `X-Next-Page` response header, when present.
        x_next_page: ::std::option::Option<::std::string::String>,
        /// The `body` response header, when present.
        body_2: ::std::option::Option<::std::string::String>,
    },
    /// Some other success.
    Status2xx { status: u16 },
    /// Anything else.
    Default { status: u16, body: ::std::vec::Vec<models::CreateThingDefaultBodyItem> },
}

impl CreateThingResponse {
    /// The HTTP status of the response.
    pub fn status(&self) -> u16 {
        match self {
            CreateThingResponse::Ok { .. } => 200,
            CreateThingResponse::Status2xx { status, .. } => *status,
            CreateThingResponse::Default { status, .. } => *status,
        }
    }
}

/// What `GET /things/{type}/{self}` answered: one variant per documented status.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum CreateThingResponse2 {
    /// A collision with create-thing once both are snake_case.
    Ok {},
}

impl CreateThingResponse2 {
    /// The HTTP status of the response.
    pub fn status(&self) -> u16 {
        match self {
            CreateThingResponse2::Ok { .. } => 200,
        }
    }
}
