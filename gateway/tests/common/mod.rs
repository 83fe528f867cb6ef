//! Shared helpers of the HTTP tests: start the built `gateway serve` on a free port and talk raw
//! HTTP/1.1 to it (raw, so that tests can send bytes no HTTP client would: invalid UTF-8, bad
//! percent-encoding, huge headers).

#![allow(dead_code)]

pub mod fault_proxy;
pub mod sigv4;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A path in the tests' scratch directory unique to this test process,
/// `CARGO_TARGET_TMPDIR/{stem}-{pid}.{ext}`, with nothing at it (a previous run's file removed).
pub fn scratch_file(stem: &str, ext: &str) -> String {
    let path = format!(
        "{}/{stem}-{}.{ext}",
        env!("CARGO_TARGET_TMPDIR"),
        std::process::id()
    );
    let _ = std::fs::remove_file(&path);
    path
}

pub fn spec_path() -> String {
    format!("{}/../openapi.yaml", env!("CARGO_MANIFEST_DIR"))
}

/// A running `gateway serve`, stopped (SIGTERM, then kill) on drop.
pub struct Server {
    child: Child,
    pub addr: String,
    pub first_line: String,
    /// `host:port` of `--dynamodb-port`, when asked for.
    pub dynamodb_addr: Option<String>,
}

impl Server {
    pub fn start(extra: &[&str]) -> Server {
        Self::start_spec(&spec_path(), extra)
    }

    /// `gateway serve --spec SPEC ...`.
    pub fn start_spec(spec: &str, extra: &[&str]) -> Server {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_gateway"));
        cmd.args([
            "serve",
            "--spec",
            spec,
            "--port",
            "0",
            "--host",
            "127.0.0.1",
        ])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
        let mut child = cmd.spawn().expect("gateway binary starts");
        let stdout = child.stdout.take().expect("stdout piped");
        let mut reader = BufReader::new(stdout);
        let mut first_line = String::new();
        let mut dynamodb_addr = None;
        loop {
            first_line.clear();
            let n = reader.read_line(&mut first_line).expect("read stdout");
            assert!(n > 0, "gateway exited before listening");
            if let Some(a) = first_line
                .trim()
                .strip_prefix("dynamodb endpoint on http://")
            {
                dynamodb_addr = Some(a.to_string());
            }
            if first_line.starts_with("gateway listening on ") {
                break;
            }
        }
        // Keep draining stdout (access-log lines) so the child never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut line = String::new();
            while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                line.clear();
            }
        });
        let url = first_line
            .trim()
            .strip_prefix("gateway listening on http://")
            .and_then(|s| s.split_whitespace().next())
            .expect("URL in the first line")
            .to_string();
        Server {
            child,
            addr: url,
            first_line: first_line.trim().to_string(),
            dynamodb_addr,
        }
    }

    /// The process id, e.g. to read its memory in /proc.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no chance to clean up, as a crash.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM and wait: the server must stop by itself.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        for _ in 0..200 {
            if let Ok(Some(s)) = self.child.try_wait() {
                return s;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let _ = self.child.kill();
        panic!("gateway did not stop on SIGTERM");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|_| panic!("not JSON: {:?}", self.text()))
    }
}

/// Send raw bytes as one request on a fresh connection (`Connection: close` must be in them or
/// is added by [`request`]), read the whole response.
pub async fn raw(addr: &str, bytes: &[u8]) -> HttpResponse {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    // The server may answer (413, 431) before reading everything; a write error is fine then.
    let _ = s.write_all(bytes).await;
    // No half-close: hyper treats a read EOF as the client going away.
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf).await;
    parse(&buf)
}

fn parse(buf: &[u8]) -> HttpResponse {
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(buf)));
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut body = buf[end + 4..].to_vec();
    if let Some(n) = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse::<usize>().ok())
    {
        body.truncate(n);
    }
    HttpResponse {
        status,
        headers,
        body,
    }
}

/// One request with a body and headers; adds Host, Content-Length and Connection: close.
pub async fn request(
    addr: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> HttpResponse {
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    raw(addr, &bytes).await
}

pub fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}
