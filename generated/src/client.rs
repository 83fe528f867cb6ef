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

    /// `POST /album`
    ///
    /// Create or replace an album
    ///
    /// Stores the album under its (artist, album) key with DynamoDB PutItem, replacing any album stored under the same key. The response has no body; the request id is in `X-Request-Id`.
    pub async fn put_album(
        &self,
        body: &models::Album,
    ) -> ::std::result::Result<PutAlbumResponse, Error> {
        let mut url = self.base_url.clone();
        url.push_str("/album");
        let query: ::std::vec::Vec<(&str, ::std::string::String)> = ::std::vec::Vec::new();
        let headers: ::std::vec::Vec<(&str, ::std::string::String)> = ::std::vec::Vec::new();
        let body = ::std::option::Option::Some(
            ::serde_json::to_vec(body).map_err(|e| Error::Encode(e.to_string()))?,
        );
        let raw = self.send("POST", url, &query, &headers, body).await?;
        ::std::result::Result::Ok(
            match raw.status {
                204 => {
                    PutAlbumResponse::NoContent {
                        x_request_id: raw.header("X-Request-Id"),
                    }
                }
                400 => {
                    PutAlbumResponse::BadRequest {
                        body: raw.json()?,
                    }
                }
                415 => {
                    PutAlbumResponse::UnsupportedMediaType {
                        body: raw.json()?,
                    }
                }
                429 => {
                    PutAlbumResponse::TooManyRequests {
                        body: raw.json()?,
                    }
                }
                500 => {
                    PutAlbumResponse::InternalServerError {
                        body: raw.json()?,
                    }
                }
                503 => {
                    PutAlbumResponse::ServiceUnavailable {
                        body: raw.json()?,
                    }
                }
                status => {
                    return ::std::result::Result::Err(Error::UnexpectedStatus {
                        status,
                        body: raw.text(),
                    });
                }
            },
        )
    }

    /// `GET /`
    ///
    /// List albums, one page at a time
    ///
    /// Scans the table one page at a time (at most `limit` albums, default 100, and at most 1 MB of DynamoDB data). When more albums may follow, the response carries the header `X-Next-Cursor`; pass its value back as `cursor` to get the next page. The last page has no `X-Next-Cursor`. The cursor holds only the key of the last album read, and the request template re-emits that key as escaped strings, so a cursor cannot inject anything into the DynamoDB request.
    pub async fn list_albums(
        &self,
        limit: ::std::option::Option<i64>,
        cursor: ::std::option::Option<&str>,
    ) -> ::std::result::Result<ListAlbumsResponse, Error> {
        let mut url = self.base_url.clone();
        url.push('/');
        let mut query: ::std::vec::Vec<(&str, ::std::string::String)> = ::std::vec::Vec::new();
        if let ::std::option::Option::Some(value) = limit {
            query.push(("limit", value.to_string()));
        }
        if let ::std::option::Option::Some(value) = cursor {
            query.push(("cursor", value.to_string()));
        }
        let headers: ::std::vec::Vec<(&str, ::std::string::String)> = ::std::vec::Vec::new();
        let body: ::std::option::Option<::std::vec::Vec<u8>> = ::std::option::Option::None;
        let raw = self.send("GET", url, &query, &headers, body).await?;
        ::std::result::Result::Ok(
            match raw.status {
                200 => {
                    ListAlbumsResponse::Ok {
                        body: raw.json()?,
                        x_next_cursor: raw.header("X-Next-Cursor"),
                    }
                }
                400 => {
                    ListAlbumsResponse::BadRequest {
                        body: raw.json()?,
                    }
                }
                415 => {
                    ListAlbumsResponse::UnsupportedMediaType {
                        body: raw.json()?,
                    }
                }
                429 => {
                    ListAlbumsResponse::TooManyRequests {
                        body: raw.json()?,
                    }
                }
                500 => {
                    ListAlbumsResponse::InternalServerError {
                        body: raw.json()?,
                    }
                }
                503 => {
                    ListAlbumsResponse::ServiceUnavailable {
                        body: raw.json()?,
                    }
                }
                status => {
                    return ::std::result::Result::Err(Error::UnexpectedStatus {
                        status,
                        body: raw.text(),
                    });
                }
            },
        )
    }

    /// Every item of `GET /`, page after page: follows `X-Next-Cursor` until a page has none.
    ///
    /// A page with any other status ends it with [`Error::Page`]; a cursor that
    /// repeats the previous one (which would loop forever) with [`Error::Pager`].
    pub async fn list_albums_all(
        &self,
        limit: ::std::option::Option<i64>,
    ) -> ::std::result::Result<::std::vec::Vec<models::Album>, Error> {
        let mut items = ::std::vec::Vec::new();
        let mut cursor: ::std::option::Option<::std::string::String> = ::std::option::Option::None;
        loop {
            match self.list_albums(limit, cursor.as_deref()).await? {
                ListAlbumsResponse::Ok { body, x_next_cursor, .. } => {
                    items.extend(body.0);
                    match x_next_cursor {
                        ::std::option::Option::None => {
                            return ::std::result::Result::Ok(items);
                        }
                        ::std::option::Option::Some(
                            next,
                        ) if cursor.as_deref()
                            == ::std::option::Option::Some(next.as_str()) => {
                            return ::std::result::Result::Err(
                                Error::Pager(::std::format!("the cursor {next:?} repeats")),
                            );
                        }
                        next => cursor = next,
                    }
                }
                other => {
                    return ::std::result::Result::Err(Error::Page {
                        status: other.status(),
                        response: ::std::format!("{other:?}"),
                    });
                }
            }
        }
    }

    /// `GET /{artist}/{album}`
    ///
    /// Read one album
    pub async fn get_album(
        &self,
        artist: &str,
        album: &str,
    ) -> ::std::result::Result<GetAlbumResponse, Error> {
        let mut url = self.base_url.clone();
        url.push('/');
        url.push_str(&encode(artist));
        url.push('/');
        url.push_str(&encode(album));
        let query: ::std::vec::Vec<(&str, ::std::string::String)> = ::std::vec::Vec::new();
        let headers: ::std::vec::Vec<(&str, ::std::string::String)> = ::std::vec::Vec::new();
        let body: ::std::option::Option<::std::vec::Vec<u8>> = ::std::option::Option::None;
        let raw = self.send("GET", url, &query, &headers, body).await?;
        ::std::result::Result::Ok(
            match raw.status {
                200 => {
                    GetAlbumResponse::Ok {
                        body: raw.json()?,
                    }
                }
                400 => {
                    GetAlbumResponse::BadRequest {
                        body: raw.json()?,
                    }
                }
                404 => {
                    GetAlbumResponse::NotFound {
                        body: raw.json()?,
                    }
                }
                415 => {
                    GetAlbumResponse::UnsupportedMediaType {
                        body: raw.json()?,
                    }
                }
                429 => {
                    GetAlbumResponse::TooManyRequests {
                        body: raw.json()?,
                    }
                }
                500 => {
                    GetAlbumResponse::InternalServerError {
                        body: raw.json()?,
                    }
                }
                503 => {
                    GetAlbumResponse::ServiceUnavailable {
                        body: raw.json()?,
                    }
                }
                status => {
                    return ::std::result::Result::Err(Error::UnexpectedStatus {
                        status,
                        body: raw.text(),
                    });
                }
            },
        )
    }

    /// `DELETE /{artist}/{album}`
    ///
    /// Delete one album and return it
    pub async fn delete_album(
        &self,
        artist: &str,
        album: &str,
    ) -> ::std::result::Result<DeleteAlbumResponse, Error> {
        let mut url = self.base_url.clone();
        url.push('/');
        url.push_str(&encode(artist));
        url.push('/');
        url.push_str(&encode(album));
        let query: ::std::vec::Vec<(&str, ::std::string::String)> = ::std::vec::Vec::new();
        let headers: ::std::vec::Vec<(&str, ::std::string::String)> = ::std::vec::Vec::new();
        let body: ::std::option::Option<::std::vec::Vec<u8>> = ::std::option::Option::None;
        let raw = self.send("DELETE", url, &query, &headers, body).await?;
        ::std::result::Result::Ok(
            match raw.status {
                200 => {
                    DeleteAlbumResponse::Ok {
                        body: raw.json()?,
                    }
                }
                400 => {
                    DeleteAlbumResponse::BadRequest {
                        body: raw.json()?,
                    }
                }
                404 => {
                    DeleteAlbumResponse::NotFound {
                        body: raw.json()?,
                    }
                }
                415 => {
                    DeleteAlbumResponse::UnsupportedMediaType {
                        body: raw.json()?,
                    }
                }
                429 => {
                    DeleteAlbumResponse::TooManyRequests {
                        body: raw.json()?,
                    }
                }
                500 => {
                    DeleteAlbumResponse::InternalServerError {
                        body: raw.json()?,
                    }
                }
                503 => {
                    DeleteAlbumResponse::ServiceUnavailable {
                        body: raw.json()?,
                    }
                }
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

/// What `POST /album` answered: one variant per documented status.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum PutAlbumResponse {
    /// The album is stored.
    NoContent {
        /// The `X-Request-Id` response header, when present.
        x_request_id: ::std::option::Option<::std::string::String>,
    },
    /// The request is invalid (parameters, body, or a value DynamoDB refuses).
    BadRequest { body: models::Error },
    /// The request's Content-Type has no mapping template.
    UnsupportedMediaType { body: models::Error },
    /// DynamoDB throttled the request; retry with back-off.
    TooManyRequests { body: models::Error },
    /// A configuration or integration error.
    InternalServerError { body: models::Error },
    /// DynamoDB answered with a server error; retry with back-off.
    ServiceUnavailable { body: models::Error },
}

impl PutAlbumResponse {
    /// The HTTP status of the response.
    pub fn status(&self) -> u16 {
        match self {
            PutAlbumResponse::NoContent { .. } => 204,
            PutAlbumResponse::BadRequest { .. } => 400,
            PutAlbumResponse::UnsupportedMediaType { .. } => 415,
            PutAlbumResponse::TooManyRequests { .. } => 429,
            PutAlbumResponse::InternalServerError { .. } => 500,
            PutAlbumResponse::ServiceUnavailable { .. } => 503,
        }
    }
}

/// What `GET /` answered: one variant per documented status.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum ListAlbumsResponse {
    /// One page of albums.
    Ok {
        body: models::AlbumList,
        /// The `X-Next-Cursor` response header, when present.
        x_next_cursor: ::std::option::Option<::std::string::String>,
    },
    /// The request is invalid (parameters, body, or a value DynamoDB refuses).
    BadRequest { body: models::Error },
    /// The request's Content-Type has no mapping template.
    UnsupportedMediaType { body: models::Error },
    /// DynamoDB throttled the request; retry with back-off.
    TooManyRequests { body: models::Error },
    /// A configuration or integration error.
    InternalServerError { body: models::Error },
    /// DynamoDB answered with a server error; retry with back-off.
    ServiceUnavailable { body: models::Error },
}

impl ListAlbumsResponse {
    /// The HTTP status of the response.
    pub fn status(&self) -> u16 {
        match self {
            ListAlbumsResponse::Ok { .. } => 200,
            ListAlbumsResponse::BadRequest { .. } => 400,
            ListAlbumsResponse::UnsupportedMediaType { .. } => 415,
            ListAlbumsResponse::TooManyRequests { .. } => 429,
            ListAlbumsResponse::InternalServerError { .. } => 500,
            ListAlbumsResponse::ServiceUnavailable { .. } => 503,
        }
    }
}

/// What `GET /{artist}/{album}` answered: one variant per documented status.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum GetAlbumResponse {
    /// The album.
    Ok { body: models::Album },
    /// The request is invalid (parameters, body, or a value DynamoDB refuses).
    BadRequest { body: models::Error },
    /// No album has this key.
    NotFound { body: models::Error },
    /// The request's Content-Type has no mapping template.
    UnsupportedMediaType { body: models::Error },
    /// DynamoDB throttled the request; retry with back-off.
    TooManyRequests { body: models::Error },
    /// A configuration or integration error.
    InternalServerError { body: models::Error },
    /// DynamoDB answered with a server error; retry with back-off.
    ServiceUnavailable { body: models::Error },
}

impl GetAlbumResponse {
    /// The HTTP status of the response.
    pub fn status(&self) -> u16 {
        match self {
            GetAlbumResponse::Ok { .. } => 200,
            GetAlbumResponse::BadRequest { .. } => 400,
            GetAlbumResponse::NotFound { .. } => 404,
            GetAlbumResponse::UnsupportedMediaType { .. } => 415,
            GetAlbumResponse::TooManyRequests { .. } => 429,
            GetAlbumResponse::InternalServerError { .. } => 500,
            GetAlbumResponse::ServiceUnavailable { .. } => 503,
        }
    }
}

/// What `DELETE /{artist}/{album}` answered: one variant per documented status.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum DeleteAlbumResponse {
    /// The album that was deleted, tracks included.
    Ok { body: models::Album },
    /// The request is invalid (parameters, body, or a value DynamoDB refuses).
    BadRequest { body: models::Error },
    /// No album has this key.
    NotFound { body: models::Error },
    /// The request's Content-Type has no mapping template.
    UnsupportedMediaType { body: models::Error },
    /// DynamoDB throttled the request; retry with back-off.
    TooManyRequests { body: models::Error },
    /// A configuration or integration error.
    InternalServerError { body: models::Error },
    /// DynamoDB answered with a server error; retry with back-off.
    ServiceUnavailable { body: models::Error },
}

impl DeleteAlbumResponse {
    /// The HTTP status of the response.
    pub fn status(&self) -> u16 {
        match self {
            DeleteAlbumResponse::Ok { .. } => 200,
            DeleteAlbumResponse::BadRequest { .. } => 400,
            DeleteAlbumResponse::NotFound { .. } => 404,
            DeleteAlbumResponse::UnsupportedMediaType { .. } => 415,
            DeleteAlbumResponse::TooManyRequests { .. } => 429,
            DeleteAlbumResponse::InternalServerError { .. } => 500,
            DeleteAlbumResponse::ServiceUnavailable { .. } => 503,
        }
    }
}
