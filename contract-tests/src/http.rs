//! Raw HTTP exchanges and the two targets they are sent to.
//!
//! A request is kept raw (method, percent-encoded path, query pairs, headers, body bytes) so a
//! negative case can send anything a client could, and so a failure can be printed as the exact
//! `curl` command that reproduces it.

use std::fmt::Write as _;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::error::{Error, ErrorKind};

/// Everything but RFC 3986's unreserved characters is percent-encoded. `.` is encoded too, so a
/// path parameter `..` stays one segment instead of being read as a dot-segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'~');
/// A query value: the same set (so `+` is sent as `%2B` and is never read as a space).
const QUERY: &AsciiSet = SEGMENT;

/// One request, as it goes on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    pub method: String,
    /// Percent-encoded path, starting with `/`.
    pub path: String,
    /// Decoded query pairs, encoded when the target is built.
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpRequest {
    pub fn new(method: &str, path: String) -> HttpRequest {
        HttpRequest {
            method: method.to_string(),
            path,
            query: Vec::new(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Percent-encode one path segment.
    pub fn segment(value: &str) -> String {
        utf8_percent_encode(value, SEGMENT).to_string()
    }

    /// Path and query as sent in the request line.
    pub fn target(&self) -> String {
        let mut t = self.path.clone();
        for (i, (k, v)) in self.query.iter().enumerate() {
            t.push(if i == 0 { '?' } else { '&' });
            t.push_str(&utf8_percent_encode(k, QUERY).to_string());
            t.push('=');
            t.push_str(&utf8_percent_encode(v, QUERY).to_string());
        }
        t
    }

    /// A `curl` command that sends exactly this request; the base URL comes from
    /// `CONTRACT_BASE_URL` when the command runs (a `gateway serve` on the default port otherwise).
    ///
    /// Exactly means byte for byte: `-g` and `--path-as-is` stop curl globbing `[]{}` and
    /// removing dot segments; a header with an empty value is written `-H 'Name;'` (curl drops
    /// `-H 'Name: '`); curl's own `Content-Type` for a body is removed when the request has
    /// none; a body that is not text (a NUL byte cannot be a shell argument) is piped through
    /// `printf` octal escapes, a text body goes with `--data-raw` (no `@file` reading).
    pub fn to_curl(&self) -> String {
        let text = std::str::from_utf8(&self.body)
            .ok()
            .filter(|t| !t.contains('\0'));
        let mut s = String::new();
        if !self.body.is_empty() && text.is_none() {
            let _ = write!(s, "printf '{}' | ", printf_escape(&self.body));
        }
        s.push_str("curl -sS -i -g --path-as-is");
        if self.method.eq_ignore_ascii_case("HEAD") {
            // `-X HEAD` would wait for a body that never comes.
            s.push_str(" --head");
        } else {
            let _ = write!(s, " -X {}", shell_quote(&self.method));
        }
        let _ = write!(
            s,
            " \"${{CONTRACT_BASE_URL:-http://127.0.0.1:4010}}\"{}",
            shell_quote(&self.target())
        );
        for (k, v) in &self.headers {
            if v.is_empty() {
                let _ = write!(s, " -H {}", shell_quote(&format!("{k};")));
            } else {
                let _ = write!(s, " -H {}", shell_quote(&format!("{k}: {v}")));
            }
        }
        let has_content_type = self
            .headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        if !self.body.is_empty() && !has_content_type {
            s.push_str(" -H 'Content-Type:'");
        }
        match (self.body.is_empty(), text) {
            (true, _) => {}
            (false, Some(t)) => {
                let _ = write!(s, " --data-raw {}", shell_quote(t));
            }
            (false, None) => s.push_str(" --data-binary @-"),
        }
        s
    }
}

/// Bytes as a `printf` format inside single quotes: printable ASCII as is, everything else
/// (and `%`, `\\`, `'`) as a three-digit octal escape, which POSIX printf understands.
fn printf_escape(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        if (0x20..0x7f).contains(&b) && !matches!(b, b'%' | b'\\' | b'\'') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "\\{b:03o}");
        }
    }
    out
}

/// POSIX single quoting: `'` becomes `'\''`.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// One response.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Status line, headers and body, for failure messages.
    pub fn describe(&self) -> String {
        let mut s = format!("HTTP {}\n", self.status);
        for (k, v) in &self.headers {
            let _ = writeln!(s, "{k}: {v}");
        }
        let body = String::from_utf8_lossy(&self.body);
        // A body can be large (a list page): the start is what a reader needs.
        if body.chars().count() > 4000 {
            let head: String = body.chars().take(4000).collect();
            let _ = write!(s, "\n{head}... ({} bytes)", self.body.len());
        } else {
            let _ = write!(s, "\n{body}");
        }
        s
    }
}

/// Where the requests go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An in-process gateway over a fresh embedded store for every case (the default).
    Embedded,
    /// Any running stage: `gateway serve` or a deployed API (tests remove what they create).
    BaseUrl(String),
}

impl Target {
    /// `CONTRACT_BASE_URL` when set and not empty, else the embedded gateway.
    pub fn from_env() -> Target {
        match std::env::var("CONTRACT_BASE_URL") {
            Ok(url) if !url.trim().is_empty() => {
                Target::BaseUrl(url.trim().trim_end_matches('/').to_string())
            }
            _ => Target::Embedded,
        }
    }
}

/// A client for http:// (gateway serve) and https:// (a deployed stage) base URLs.
pub(crate) type RemoteClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A client for http:// (gateway serve) and https:// (a deployed stage) base URLs; one per
/// suite, so cases reuse connections (its pool lives on the suite's runtime).
pub(crate) fn https_client() -> Result<RemoteClient, Error> {
    let mut http = HttpConnector::new();
    http.set_nodelay(true);
    // The HTTPS connector handles both schemes; it must see https:// URIs itself.
    http.enforce_http(false);
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| {
        Error::new(
            ErrorKind::Target,
            "https client",
            format!("TLS setup failed: {e}"),
        )
    })?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let https = HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(Client::builder(TokioExecutor::new()).build(https))
}

/// A connection for one test case.
pub(crate) enum Connection {
    Embedded(gateway::Gateway),
    Remote { client: RemoteClient, base: String },
}

impl Connection {
    /// A fresh connection: for the embedded target, a new store with the document's tables.
    pub(crate) async fn open(
        api: &Arc<apidef::Api>,
        target: &Target,
        credentials: &crate::credentials::Credentials,
        client: impl FnOnce() -> Result<RemoteClient, Error>,
    ) -> Result<Connection, Error> {
        match target {
            Target::Embedded => {
                let store: Arc<dyn dynamo::Dynamo> = Arc::new(dynamo::Embedded::new());
                let builder = gateway::Gateway::builder((**api).clone(), store);
                let gw = credentials.embedded_builder(builder).build().map_err(|e| {
                    Error::new(
                        ErrorKind::Target,
                        "embedded gateway",
                        format!("the gateway does not accept the document: {e}"),
                    )
                })?;
                gw.create_tables().await.map_err(|e| {
                    Error::new(
                        ErrorKind::Target,
                        "embedded gateway",
                        format!("creating the document's tables failed: {e}"),
                    )
                })?;
                Ok(Connection::Embedded(gw))
            }
            Target::BaseUrl(base) => Ok(Connection::Remote {
                client: client()?,
                base: base.clone(),
            }),
        }
    }

    pub(crate) async fn send(&self, req: &HttpRequest) -> Result<HttpResponse, Error> {
        match self {
            Connection::Embedded(gw) => {
                let mut r = gateway::Request::new(req.method.clone(), req.target());
                for (k, v) in &req.headers {
                    r = r.header(k.clone(), v.clone());
                }
                let r = r.body(Bytes::from(req.body.clone()));
                let resp = gw.handle(r).await;
                Ok(HttpResponse {
                    status: resp.status,
                    headers: resp.headers,
                    body: resp.body.to_vec(),
                })
            }
            Connection::Remote { client, base } => {
                let uri = format!("{base}{}", req.target());
                let mut b = http::Request::builder()
                    .method(req.method.as_str())
                    .uri(uri.as_str());
                for (k, v) in &req.headers {
                    b = b.header(k.as_str(), v.as_str());
                }
                let hreq = b
                    .body(Full::new(Bytes::from(req.body.clone())))
                    .map_err(|e| {
                        Error::new(
                            ErrorKind::Target,
                            &uri,
                            format!("cannot build the request: {e}"),
                        )
                    })?;
                let resp = client.request(hreq).await.map_err(|e| {
                    Error::new(ErrorKind::Target, &uri, format!("{} {e}", req.method))
                })?;
                let status = resp.status().as_u16();
                let headers = resp
                    .headers()
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.as_str().to_string(),
                            String::from_utf8_lossy(v.as_bytes()).into_owned(),
                        )
                    })
                    .collect();
                let body = resp
                    .into_body()
                    .collect()
                    .await
                    .map_err(|e| {
                        Error::new(
                            ErrorKind::Target,
                            &uri,
                            format!("{}: reading the body: {e}", req.method),
                        )
                    })?
                    .to_bytes()
                    .to_vec();
                Ok(HttpResponse {
                    status,
                    headers,
                    body,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run a printed command with `CONTRACT_BASE_URL` pointing at a closed port and `curl`
    /// replaced by a function that prints its arguments and stdin, so the test sees what curl
    /// would send without a server.
    fn sent(req: &HttpRequest) -> String {
        let script = format!(
            "curl() {{ for a in \"$@\"; do printf '<%s>' \"$a\"; done; if [ -p /dev/stdin ]; then printf '|'; od -An -c; fi; }}; {}",
            req.to_curl()
        );
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(script)
            .env("CONTRACT_BASE_URL", "http://x")
            .output()
            .expect("sh runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    #[test]
    fn the_curl_command_sends_exactly_the_request() {
        let mut r = HttpRequest::new("OPTIONS", "/a%2Fb/{c}".into());
        r.headers.push(("Content-Type".into(), "text/plain".into()));
        r.headers.push(("X-Empty".into(), String::new()));
        r.body = vec![0, b'%', b'\'', 0xff];
        let s = sent(&r);
        // The NUL, `%`, quote and non-UTF-8 bytes reach curl's stdin unchanged.
        assert!(s.contains(r"\0   %   ' 377"), "{s}");
        assert!(s.contains("<--data-binary><@->"), "{s}");
        // An empty header is sent empty (`Name;`), not dropped (`Name:`).
        assert!(s.contains("<X-Empty;>"), "{s}");
        assert!(
            s.contains("<http://x/a%2Fb/{c}>") && s.contains("<-g>"),
            "{s}"
        );

        let mut r = HttpRequest::new("POST", "/".into());
        r.body = b"@/etc/passwd".to_vec();
        let s = sent(&r);
        // A body starting with `@` is data, not a file name; curl's own Content-Type is removed.
        assert!(s.contains("<--data-raw><@/etc/passwd>"), "{s}");
        assert!(s.contains("<Content-Type:>"), "{s}");
    }
}
