//! Serve any [`Dynamo`] as a DynamoDB HTTP endpoint (`POST /`, `X-Amz-Target:
//! DynamoDB_20120810.<Action>`, `Content-Type: application/x-amz-json-1.0`), so that standard tools
//! (`aws dynamodb scan --endpoint-url http://127.0.0.1:PORT`) can inspect an embedded store.
//! Signatures are not checked: this is a local development endpoint.

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::{Dynamo, DynamoError, DynamoResponse};

/// The `X-Amz-Target` prefix of DynamoDB's JSON protocol, API version 2012-08-10.
pub(crate) const TARGET_PREFIX: &str = "DynamoDB_20120810.";

/// Answer one HTTP request the way DynamoDB does.
pub(crate) async fn handle_request(
    dynamo: &dyn Dynamo,
    method: &http::Method,
    target: Option<&str>,
    body: &[u8],
) -> DynamoResponse {
    if method == http::Method::GET {
        // DynamoDB answers a GET on its endpoint with a plain health line.
        return DynamoResponse::new(200, b"healthy: dynamodb.us-east-1.amazonaws.com ".to_vec());
    }
    let action = target.and_then(|t| t.strip_prefix(TARGET_PREFIX));
    match action {
        Some(a) if !a.is_empty() && !a.contains('.') => dynamo.call(a, body).await,
        _ => {
            // Malformed JSON is reported before the unknown target, as DynamoDB does.
            if !body.is_empty() && serde_json::from_slice::<serde_json::Value>(body).is_err() {
                return DynamoResponse::from_error(&DynamoError::Serialization(None));
            }
            DynamoResponse::from_error(&DynamoError::UnknownOperation)
        }
    }
}

fn to_http(r: DynamoResponse) -> http::Response<Full<Bytes>> {
    let mut headers = http::HeaderMap::with_capacity(r.headers.len());
    for (k, v) in &r.headers {
        if let (Ok(k), Ok(v)) = (
            http::HeaderName::try_from(k.as_str()),
            http::HeaderValue::try_from(v.as_str()),
        ) {
            headers.append(k, v);
        }
    }
    // The body moves into the response (no copy of a 1 MB Scan page).
    let mut resp = http::Response::new(Full::new(Bytes::from(r.body)));
    *resp.status_mut() =
        http::StatusCode::from_u16(r.status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    *resp.headers_mut() = headers;
    resp
}

/// Serve `dynamo` on `listener` until `shutdown` completes; then stop accepting, let in-flight
/// requests finish, and return.
pub async fn serve<F>(
    listener: TcpListener,
    dynamo: Arc<dyn Dynamo>,
    shutdown: F,
) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send,
{
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::warn!("accept failed: {e}");
                    continue;
                }
            },
        };
        // Replies go out as soon as they are written: no Nagle delay on a keep-alive connection.
        let _ = stream.set_nodelay(true);
        let dynamo = dynamo.clone();
        let mut stop_rx = stop_rx.clone();
        tasks.spawn(async move {
            let service = service_fn(move |req: http::Request<Incoming>| {
                let dynamo = dynamo.clone();
                async move {
                    let method = req.method().clone();
                    let target = req
                        .headers()
                        .get("x-amz-target")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    let body = match req.into_body().collect().await {
                        Ok(b) => b.to_bytes(),
                        Err(_) => Bytes::new(),
                    };
                    let resp =
                        handle_request(dynamo.as_ref(), &method, target.as_deref(), &body).await;
                    Ok::<_, std::convert::Infallible>(to_http(resp))
                }
            });
            let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = async {
                    loop {
                        if *stop_rx.borrow_and_update() {
                            break;
                        }
                        if stop_rx.changed().await.is_err() {
                            break;
                        }
                    }
                } => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
    }
    let _ = stop_tx.send(true);
    while tasks.join_next().await.is_some() {}
    Ok(())
}
