//! The gateway over HTTP: hyper's HTTP/1.1 connection handling, one service that hands every
//! request to [`Gateway::handle`] (routing is ours: API Gateway answers unknown routes with 403,
//! not 404; docs/evidence/dependencies.md §9), and the limits a production server has
//! ([`Limits`]): how long a client may take to send its headers and its body, how many
//! connections are open at once, and how many requests one connection may carry.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

use crate::{Gateway, MAX_PAYLOAD_BYTES, Request, Response};

/// The HTTP limits of `gateway serve` (each one a flag; the defaults are in [`Limits::default`]).
#[derive(Debug, Clone)]
pub struct Limits {
    /// A client that has not sent a whole request head (request line and headers) this long
    /// after the connection opened, or after its previous response on a kept-alive connection,
    /// is disconnected. hyper applies it from the first byte it waits for, so it also bounds an
    /// idle keep-alive connection.
    pub header_read_timeout: Duration,
    /// A request whose body has not fully arrived this long after its head is answered 408 and
    /// its connection closed.
    pub body_read_timeout: Duration,
    /// At most this many connections are served at once; further ones wait in the listen
    /// backlog (the kernel's queue) until one closes, so they are slowed, never refused.
    pub max_connections: usize,
    /// A connection carries at most this many requests; the last one's response says
    /// `Connection: close`.
    pub max_requests_per_connection: u64,
    /// After an early refusal (a body over the 10 MB payload limit), up to this many more bytes
    /// of the body are read and discarded before the connection closes, so a client that writes
    /// its whole body before it reads (Python's `http.client`, `requests`) still reads the 413
    /// instead of a broken pipe.
    pub drain_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // The integration timeout's default and ceiling on AWS is 29 s; a client gets as
            // long as that to send its request.
            header_read_timeout: Duration::from_secs(30),
            body_read_timeout: Duration::from_secs(30),
            max_connections: 1024,
            max_requests_per_connection: 10_000,
            // Twice the payload limit: a client that overshoots by a little still reads its 413.
            drain_bytes: 2 * MAX_PAYLOAD_BYTES as u64,
        }
    }
}

/// The stage a server serves, replaceable while it serves (`gateway serve --watch`): each
/// request takes the stage current when it arrives and keeps it to its end, so a reload never
/// fails a request in flight.
#[derive(Clone)]
pub struct Live(Arc<std::sync::RwLock<Gateway>>);

impl Live {
    pub fn new(gateway: Gateway) -> Live {
        Live(Arc::new(std::sync::RwLock::new(gateway)))
    }

    /// The stage now (a cheap clone).
    pub fn current(&self) -> Gateway {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Serve `gateway` from the next request on.
    pub fn replace(&self, gateway: Gateway) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = gateway;
    }
}

impl From<Gateway> for Live {
    fn from(g: Gateway) -> Live {
        Live::new(g)
    }
}

/// Serve `gateway` on `listener` with the default [`Limits`] until `shutdown` completes.
pub async fn serve<F>(listener: TcpListener, gateway: Gateway, shutdown: F) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    serve_with(listener, gateway, Limits::default(), shutdown).await
}

/// Serve `gateway` on `listener` within `limits` until `shutdown` completes, then stop
/// accepting, let every connection finish its in-flight request, and return.
pub async fn serve_with<F>(
    listener: TcpListener,
    gateway: impl Into<Live>,
    limits: Limits,
    shutdown: F,
) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let live: Live = gateway.into();
    let limits = Arc::new(limits);
    let max = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS);
    let slots = Arc::new(Semaphore::new(max));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        // A free slot first, then accept: connections past the bound stay in the backlog.
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok(s) => s,
                // EMFILE and friends: the connection is lost, not the server; back off a moment.
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        // Responses go out in one write; without Nagle they leave at once on keep-alive.
        let _ = stream.set_nodelay(true);
        let live = live.clone();
        let limits = limits.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let header_timeout = limits.header_read_timeout;
            let served = Arc::new(std::sync::atomic::AtomicU64::new(0));
            let service = service_fn(move |req| {
                let gateway = live.current();
                let limits = limits.clone();
                let served = served.clone();
                async move {
                    let n = served.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    let mut resp = handle(&gateway, &limits, peer, req).await;
                    if n >= limits.max_requests_per_connection {
                        resp.headers_mut().insert(
                            http::header::CONNECTION,
                            http::HeaderValue::from_static("close"),
                        );
                    }
                    Ok::<_, Infallible>(resp)
                }
            });
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            let stopped = async move {
                let _ = stop.wait_for(|s| *s).await;
            };
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stopped => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(permit);
        });
    }
    let _ = stop_tx.send(true);
    // Every connection holds a slot until it ends: having them all back means all are done.
    let _ = slots.acquire_many(max as u32).await;
    Ok(())
}

/// How long a drained body may stay silent before the connection is closed.
const DRAIN_IDLE: Duration = Duration::from_secs(1);

type HttpResponse = http::Response<Full<Bytes>>;

async fn handle(
    gateway: &Gateway,
    limits: &Limits,
    peer: SocketAddr,
    req: http::Request<Incoming>,
) -> HttpResponse {
    let (parts, body) = req.into_parts();
    let target = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".to_string());
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let protocol = match parts.version {
        http::Version::HTTP_10 => "HTTP/1.0",
        http::Version::HTTP_2 => "HTTP/2.0",
        _ => "HTTP/1.1",
    };
    let mut request = Request {
        method: parts.method.as_str().to_string(),
        target,
        headers,
        body: Bytes::new(),
        source_ip: peer.ip().to_string(),
        protocol: protocol.to_string(),
    };
    let declared = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let read = tokio::time::timeout(limits.body_read_timeout, read_body(body, declared)).await;
    match read {
        Ok(Body::Whole(b)) => request.body = b,
        Ok(Body::TooLarge(rest)) => {
            // The gateway answers 413 for any body over the limit: hand it one, without holding
            // the real one, and read the rest of the client's body in the background.
            request.body = Bytes::from(vec![0u8; MAX_PAYLOAD_BYTES + 1]);
            if let Some(rest) = rest {
                drain(rest, limits.drain_bytes, limits.body_read_timeout);
            }
            let mut resp = to_http(gateway.handle(request).await);
            if rest_unbounded(declared, limits.drain_bytes) {
                resp.headers_mut().insert(
                    http::header::CONNECTION,
                    http::HeaderValue::from_static("close"),
                );
            }
            return resp;
        }
        // The client went away or sent a broken chunked body.
        Ok(Body::Broken) => return closing(400, "Bad Request"),
        // Slow body: AWS's behaviour is unknown (dialect table, "Slow request bodies").
        Err(_) => return closing(408, "Request Timeout"),
    }
    to_http(gateway.handle(request).await)
}

/// The body as read: whole, over the payload limit (with what is left of it unread), or broken.
enum Body {
    Whole(Bytes),
    TooLarge(Option<Incoming>),
    Broken,
}

/// Read a body of at most [`MAX_PAYLOAD_BYTES`], stopping as soon as it is known to be larger.
async fn read_body(mut body: Incoming, declared: Option<u64>) -> Body {
    if declared.is_some_and(|n| n > MAX_PAYLOAD_BYTES as u64) {
        return Body::TooLarge(Some(body));
    }
    let mut buf = BytesMut::with_capacity(declared.unwrap_or(0) as usize);
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(f) => {
                if let Ok(data) = f.into_data() {
                    if buf.len() + data.len() > MAX_PAYLOAD_BYTES {
                        return Body::TooLarge(Some(body));
                    }
                    buf.extend_from_slice(&data);
                }
            }
            Err(_) => return Body::Broken,
        }
    }
    Body::Whole(buf.freeze())
}

/// A declared body larger than the drain bound is not read to its end: the connection closes.
fn rest_unbounded(declared: Option<u64>, drain_bytes: u64) -> bool {
    declared.is_none_or(|n| n > drain_bytes)
}

/// Read and discard up to `bound` bytes of `body` within `within` (and while it keeps arriving),
/// then drop it (hyper then
/// closes the connection if the body was not read to its end).
fn drain(mut body: Incoming, bound: u64, within: Duration) {
    tokio::spawn(async move {
        let _ = tokio::time::timeout(within, async {
            let mut read = 0u64;
            // A client that declared a large body but stopped sending is let go after a second
            // of silence, not after the whole body timeout.
            while let Ok(Some(Ok(f))) = tokio::time::timeout(DRAIN_IDLE, body.frame()).await {
                if let Ok(d) = f.into_data() {
                    read += d.len() as u64;
                    if read > bound {
                        break;
                    }
                }
            }
        })
        .await;
    });
}

/// An answer the server gives on its own (the body could not be read), closing the connection.
fn closing(status: u16, message: &str) -> HttpResponse {
    to_http(Response {
        status,
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            ("Connection".into(), "close".into()),
        ],
        body: Bytes::from(format!("{{\"message\":\"{message}\"}}")),
    })
}

fn to_http(r: Response) -> HttpResponse {
    r.into_http().map(Full::new)
}
