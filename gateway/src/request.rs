//! Step 1 of a request (ARCHITECTURE.md numbering): the method request as it arrived ([`Request`]), API Gateway's limits on
//! it, and its parameters read once ([`MethodRequest`]) for every later step; and the method
//! response ([`Response`]) the pipeline ends with.

use bytes::Bytes;
use indexmap::IndexMap;
use serde_json::Value;

use crate::{MAX_HEADER_BYTES, MAX_PAYLOAD_BYTES};

/// A method request, in process.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, ... (any case).
    pub method: String,
    /// The request target as sent on the wire: percent-encoded path, optionally `?query`.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// `$context.identity.sourceIp`.
    pub source_ip: String,
    /// `$context.protocol`.
    pub protocol: String,
}

impl Request {
    pub fn new(method: impl Into<String>, target: impl Into<String>) -> Request {
        Request {
            method: method.into(),
            target: target.into(),
            headers: Vec::new(),
            body: Bytes::new(),
            source_ip: "127.0.0.1".into(),
            protocol: "HTTP/1.1".into(),
        }
    }

    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Request {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn body(mut self, body: impl Into<Bytes>) -> Request {
        self.body = body.into();
        self
    }

    /// A JSON body with `Content-Type: application/json`.
    pub fn json(self, value: &Value) -> Request {
        self.header("Content-Type", "application/json")
            .body(value.to_string())
    }

    /// The last value of a header (case-insensitive name).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl From<http::Request<Bytes>> for Request {
    /// An `http` request (header values that are not UTF-8 are converted lossily).
    fn from(r: http::Request<Bytes>) -> Request {
        let (parts, body) = r.into_parts();
        Request {
            method: parts.method.as_str().to_string(),
            target: parts
                .uri
                .path_and_query()
                .map_or_else(|| "/".to_string(), |p| p.as_str().to_string()),
            headers: parts
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body,
            source_ip: "127.0.0.1".into(),
            protocol: "HTTP/1.1".into(),
        }
    }
}

/// A method response, in process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl Response {
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as JSON, `None` when it is not JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// As an `http` response; headers HTTP cannot carry (a template can produce any text) are
    /// dropped.
    pub fn into_http(self) -> http::Response<Bytes> {
        let mut resp = http::Response::new(self.body);
        *resp.status_mut() = http::StatusCode::from_u16(self.status)
            .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        for (k, v) in &self.headers {
            if let (Ok(n), Ok(v)) = (
                http::HeaderName::from_bytes(k.as_bytes()),
                http::HeaderValue::from_str(v),
            ) {
                resp.headers_mut().append(n, v);
            }
        }
        resp
    }

    pub(crate) fn set_header(&mut self, name: &str, value: String) {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value));
    }
}

/// A request API Gateway refuses before routing it.
pub(crate) enum Refused {
    /// 431, raw (not a gateway response).
    HeadersTooLarge(Response),
    RequestTooLarge,
}

/// The limits come first: API Gateway refuses these before routing.
pub(crate) fn admit(req: &Request) -> Result<(), Refused> {
    let header_bytes = req.method.len()
        + req.target.len()
        + req
            .headers
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>();
    if header_bytes > MAX_HEADER_BYTES {
        return Err(Refused::HeadersTooLarge(raw_error(
            431,
            "{\"message\":\"Request Header Fields Too Large\"}",
            "RequestHeaderFieldsTooLargeException",
        )));
    }
    if req.body.len() > MAX_PAYLOAD_BYTES {
        return Err(Refused::RequestTooLarge);
    }
    Ok(())
}

/// The method request's parameters, read once: what `$input.params()`, the validator and the
/// parameter mappings see.
pub(crate) struct MethodRequest<'r> {
    pub req: &'r Request,
    /// Upper-case.
    pub method: &'r str,
    /// Percent-decoded path segments.
    pub segments: Vec<String>,
    /// Filled by routing.
    pub path: IndexMap<String, String>,
    pub querystring: IndexMap<String, String>,
    /// Every header, a repeated one's last value winning.
    pub header: IndexMap<String, String>,
    /// The media type of `Content-Type`, lower-case.
    pub content_type: Option<String>,
}

impl<'r> MethodRequest<'r> {
    pub fn read(req: &'r Request, method: &'r str) -> MethodRequest<'r> {
        let (raw_path, raw_query) = split_target(&req.target);
        let mut header = IndexMap::with_capacity(req.headers.len());
        for (k, v) in &req.headers {
            header.insert(k.clone(), v.clone());
        }
        MethodRequest {
            req,
            method,
            segments: path_segments(raw_path),
            path: IndexMap::new(),
            querystring: parse_query(raw_query),
            header,
            content_type: req.header_value("content-type").map(media_type),
        }
    }
}

fn raw_error(status: u16, body: &str, error_type: &str) -> Response {
    Response {
        status,
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("x-amzn-ErrorType".into(), error_type.into()),
        ],
        body: Bytes::from(body.to_string()),
    }
}

/// `application/json; charset=UTF-8` -> `application/json`.
pub(crate) fn media_type(s: &str) -> String {
    s.split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

pub(crate) fn split_target(target: &str) -> (&str, &str) {
    match target.split_once('?') {
        Some((p, q)) => (p, q),
        None => (target, ""),
    }
}

/// Decode once, as API Gateway does (DG known-issues); see the dialect table for bad input.
fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn path_segments(path: &str) -> Vec<String> {
    let p = path.strip_prefix('/').unwrap_or(path);
    if p.is_empty() {
        return Vec::new();
    }
    let p = p.strip_suffix('/').unwrap_or(p);
    p.split('/').map(decode).collect()
}

fn parse_query(q: &str) -> IndexMap<String, String> {
    let mut out = IndexMap::new();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = decode(&k.replace('+', " "));
        let v = decode(&v.replace('+', " "));
        out.insert(k, v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_queries() {
        assert_eq!(path_segments("/"), Vec::<String>::new());
        assert_eq!(path_segments("/a%2Fb/c/"), vec!["a/b", "c"]);
        assert_eq!(path_segments("/%ZZ/%E0%A4"), vec!["%ZZ", "\u{fffd}"]);
        assert_eq!(path_segments("/%2541"), vec!["%41"]);
        let q = parse_query("a=1&b=x+y%2B&a=2&c&=e");
        assert_eq!(q["a"], "2");
        assert_eq!(q["b"], "x y+");
        assert_eq!(q["c"], "");
        assert_eq!(
            media_type("Application/JSON; charset=utf-8"),
            "application/json"
        );
    }
}
