//! A DynamoDB that fails on request: an HTTP/1.1 proxy on 127.0.0.1 in front of a real
//! DynamoDB endpoint (the embedded store served in process, or dynalite) that applies, per action,
//! the next fault of a queue to the next request: a delay, a connection reset before or in the
//! middle of the reply, a reply cut short, a body that is not JSON, or an error DynamoDB sends
//! (500, 503, throttling). It logs every exchange, so a test can tell which writes reached the
//! store and what the store acknowledged.
//!
//! Raw sockets rather than an HTTP library, because the faults are what no well-behaved server
//! sends. Requests and replies are framed by `Content-Length` (what the gateway's client, the
//! embedded endpoint and dynalite all send).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What to do with one request.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Wait, then forward (the reply comes late).
    Delay(Duration),
    /// Forward, then reset the connection after this many bytes of the reply (0: before any).
    ResetAfter(usize),
    /// Forward, then send the reply's head and half its body, and close.
    Truncate,
    /// Answer 200 with this body, which is not JSON, without forwarding.
    NotJson(&'static str),
    /// Answer DynamoDB's error `{"__type": TYPE, "message": MESSAGE}` with this status, without
    /// forwarding.
    Error(u16, &'static str, &'static str),
}

impl Fault {
    pub fn throttled() -> Fault {
        Fault::Error(
            400,
            "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
            "The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API.",
        )
    }

    pub fn internal_error() -> Fault {
        Fault::Error(
            500,
            "com.amazonaws.dynamodb.v20120810#InternalServerError",
            "Internal server error",
        )
    }

    pub fn unavailable() -> Fault {
        Fault::Error(
            503,
            "com.amazonaws.dynamodb.v20120810#ServiceUnavailable",
            "Service unavailable",
        )
    }

    pub fn validation() -> Fault {
        Fault::Error(
            400,
            "com.amazon.coral.validate#ValidationException",
            "One or more parameter values were invalid",
        )
    }
}

/// One request the proxy saw.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub action: String,
    pub fault: Option<Fault>,
    /// The upstream's status, when the request was forwarded and the upstream replied.
    pub upstream_status: Option<u16>,
}

#[derive(Default)]
struct State {
    faults: HashMap<String, VecDeque<Fault>>,
    log: Vec<Exchange>,
    /// Requests being handled (a delayed one is still counted after its client left).
    in_flight: usize,
}

/// A running proxy; stops when dropped.
pub struct FaultProxy {
    pub addr: std::net::SocketAddr,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// Listen on 127.0.0.1 and forward to `upstream` (`host:port`).
    pub async fn start(upstream: std::net::SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let st = st.clone();
                tokio::spawn(async move {
                    let _ = serve_connection(client, upstream, st).await;
                });
            }
        });
        FaultProxy { addr, state, task }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The next `action` request (e.g. `PutItem`) gets `fault`; queued faults apply in order.
    pub fn push(&self, action: &str, fault: Fault) {
        let mut s = self.state.lock().expect("proxy state");
        s.faults
            .entry(action.to_string())
            .or_default()
            .push_back(fault);
    }

    /// Every exchange of `action` so far.
    pub fn log(&self, action: &str) -> Vec<Exchange> {
        let s = self.state.lock().expect("proxy state");
        s.log
            .iter()
            .filter(|e| e.action == action)
            .cloned()
            .collect()
    }

    /// Wait (at most 10 s) until no request is being handled, delayed ones included: a reply
    /// reaches the client before its exchange is logged.
    pub async fn settle(&self) {
        for _ in 0..1000 {
            if self.state.lock().expect("proxy state").in_flight == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the fault proxy still handles a request after 10 s");
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One HTTP/1.1 message: its head (through the blank line) and its body.
struct Message {
    head: Vec<u8>,
    body: Vec<u8>,
}

impl Message {
    fn header(&self, name: &str) -> Option<String> {
        let text = String::from_utf8_lossy(&self.head);
        text.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }

    fn bytes(&self) -> Vec<u8> {
        [self.head.as_slice(), self.body.as_slice()].concat()
    }
}

/// Read one message framed by `Content-Length`; `None` at a clean end of stream.
async fn read_message(s: &mut TcpStream, buf: &mut Vec<u8>) -> std::io::Result<Option<Message>> {
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 64 * 1024 {
            return Err(std::io::Error::other("head over 64 KB"));
        }
        let mut chunk = [0u8; 8192];
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return if buf.is_empty() {
                Ok(None)
            } else {
                Err(std::io::ErrorKind::UnexpectedEof.into())
            };
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head: Vec<u8> = buf.drain(..head_end).collect();
    let mut msg = Message {
        head,
        body: Vec::new(),
    };
    let len: usize = msg
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < len {
        let mut chunk = [0u8; 8192];
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    msg.body = buf.drain(..len).collect();
    Ok(Some(msg))
}

/// Send `req` to the upstream on a connection of its own and read the whole reply.
async fn forward(upstream: std::net::SocketAddr, req: &Message) -> std::io::Result<Message> {
    let mut up = TcpStream::connect(upstream).await?;
    up.write_all(&req.bytes()).await?;
    let mut buf = Vec::new();
    read_message(&mut up, &mut buf)
        .await?
        .ok_or_else(|| std::io::ErrorKind::UnexpectedEof.into())
}

fn reply(status: u16, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/x-amz-json-1.0\r\nx-amzn-RequestId: FAULTPROXY\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Close with a TCP reset instead of an orderly FIN (SO_LINGER 0; dropping such a socket does
/// not block, which is why tokio deprecates the general setter).
#[allow(deprecated)]
fn reset(client: TcpStream) {
    let _ = client.set_linger(Some(Duration::ZERO));
    drop(client);
}

async fn serve_connection(
    mut client: TcpStream,
    upstream: std::net::SocketAddr,
    state: Arc<Mutex<State>>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    while let Some(req) = read_message(&mut client, &mut buf).await? {
        let action = req
            .header("x-amz-target")
            .and_then(|t| t.split_once('.').map(|(_, a)| a.to_string()))
            .unwrap_or_default();
        let fault = {
            let mut s = state.lock().expect("proxy state");
            s.in_flight += 1;
            s.faults.get_mut(&action).and_then(VecDeque::pop_front)
        };
        let outcome = exchange(&mut client, upstream, &req, fault.clone()).await;
        let mut s = state.lock().expect("proxy state");
        s.in_flight -= 1;
        s.log.push(Exchange {
            action,
            fault: fault.clone(),
            upstream_status: outcome.as_ref().ok().copied().flatten(),
        });
        drop(s);
        match (fault, outcome) {
            (Some(Fault::ResetAfter(_)), _) => {
                reset(client);
                return Ok(());
            }
            (Some(Fault::Truncate), _) => return Ok(()),
            (_, Err(e)) => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// Handle one request under `fault`; the upstream's status when it was forwarded.
async fn exchange(
    client: &mut TcpStream,
    upstream: std::net::SocketAddr,
    req: &Message,
    fault: Option<Fault>,
) -> std::io::Result<Option<u16>> {
    let status_of = |m: &Message| {
        String::from_utf8_lossy(&m.head)
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
    };
    match fault {
        None => {
            let resp = forward(upstream, req).await?;
            client.write_all(&resp.bytes()).await?;
            Ok(status_of(&resp))
        }
        Some(Fault::Delay(d)) => {
            tokio::time::sleep(d).await;
            let resp = forward(upstream, req).await?;
            // The client may have given up: the write still landed, as on AWS.
            let _ = client.write_all(&resp.bytes()).await;
            Ok(status_of(&resp))
        }
        Some(Fault::ResetAfter(n)) => {
            let resp = forward(upstream, req).await?;
            let bytes = resp.bytes();
            client.write_all(&bytes[..n.min(bytes.len())]).await?;
            client.flush().await?;
            Ok(status_of(&resp))
        }
        Some(Fault::Truncate) => {
            let resp = forward(upstream, req).await?;
            client.write_all(&resp.head).await?;
            client.write_all(&resp.body[..resp.body.len() / 2]).await?;
            client.flush().await?;
            client.shutdown().await?;
            Ok(status_of(&resp))
        }
        Some(Fault::NotJson(body)) => {
            client.write_all(&reply(200, body)).await?;
            Ok(None)
        }
        Some(Fault::Error(status, kind, message)) => {
            let body = serde_json::json!({"__type": kind, "message": message}).to_string();
            client.write_all(&reply(status, &body)).await?;
            Ok(None)
        }
    }
}
