//! The gateway over HTTP: axum supplies the connection handling, one fallback handler hands every
//! request to [`Gateway::handle`] (routing is ours: API Gateway answers unknown routes with 403,
//! not 404; docs/evidence/dependencies.md §9).

use std::future::Future;
use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use tokio::net::TcpListener;

use crate::{Gateway, MAX_PAYLOAD_BYTES, Request, Response};

/// Serve `gateway` on `listener` until `shutdown` completes, then let in-flight requests finish.
pub async fn serve<F>(listener: TcpListener, gateway: Gateway, shutdown: F) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let app = axum::Router::new()
        .fallback(handler)
        .with_state(gateway)
        .into_make_service_with_connect_info::<SocketAddr>();
    // Responses go out in one write; without Nagle they leave at once on keep-alive connections.
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp: &mut tokio::net::TcpStream| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn handler(
    State(gateway): State<Gateway>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    req: http::Request<Body>,
) -> http::Response<Body> {
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
    // Stop reading at the payload limit: a larger body is answered 413 without buffering it all.
    let declared_too_large = parts
        .headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .is_some_and(|n| n > MAX_PAYLOAD_BYTES as u64);
    if declared_too_large {
        request.body = Bytes::from(vec![0u8; MAX_PAYLOAD_BYTES + 1]);
    } else {
        match Limited::new(body, MAX_PAYLOAD_BYTES).collect().await {
            Ok(b) => request.body = b.to_bytes(),
            Err(e) => {
                if e.downcast_ref::<http_body_util::LengthLimitError>()
                    .is_some()
                {
                    request.body = Bytes::from(vec![0u8; MAX_PAYLOAD_BYTES + 1]);
                } else {
                    // The client went away or sent a broken chunked body.
                    return to_http(Response {
                        status: 400,
                        headers: vec![("Content-Type".into(), "application/json".into())],
                        body: Bytes::from_static(b"{\"message\":\"Bad Request\"}"),
                    });
                }
            }
        }
    }
    to_http(gateway.handle(request).await)
}

fn to_http(r: Response) -> http::Response<Body> {
    r.into_http().map(Body::from)
}
