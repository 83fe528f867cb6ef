//! `dynamo`: the DynamoDB JSON protocol (`DynamoDB_20120810.*`) behind one trait.
//!
//! [`Dynamo::call`] is the exact wire exchange API Gateway performs for an AWS-service integration:
//! the action name (from the integration URI) and the rendered request bytes go in, DynamoDB's HTTP
//! status, headers and response bytes come out. Two implementations:
//!
//! - [`Embedded`]: an in-process store (zero set-up, safe under concurrent callers);
//! - [`Remote`]: a SigV4-signing HTTP client for any DynamoDB endpoint (dynalite, DynamoDB Local, AWS).
//!
//! [`server`] serves any `Arc<dyn Dynamo>` as a DynamoDB HTTP endpoint. Everything else is
//! private to the crate; the few public modules say why they are public.

mod error;
mod legacy;
mod number;
mod persist;
mod remote;
mod retry;
mod schema;
mod store;

/// Public for the fuzz target `dynamo_expression` (fuzz/), which drives the expression parsers
/// and evaluator directly: parse a condition, update or projection, evaluate or apply it.
pub mod expr;
/// The DynamoDB HTTP endpoint: `gateway serve --dynamodb-port` and the tests and benches serve a
/// store with [`server::serve`].
pub mod server;
/// Public for `crc32` (the `x-amz-crc32` header) and `http_date` (the `Date` header), which the
/// gateway writes in the same format and the tests check.
pub mod util;
/// Attribute values and items: public because [`expr`] takes and returns them, and the fuzz
/// target builds them from JSON and checks that an updated item reads back as itself.
pub mod value;

pub use error::DynamoError;
pub use persist::{Persistent, Recovered};
pub use remote::{Remote, RemoteConfig, TransportError, TransportErrorKind};
pub use retry::RetryPolicy;
pub use store::{Clock, Embedded, ManualClock};

/// One DynamoDB HTTP response: status, headers (`Content-Type`, `x-amzn-RequestId`, `x-amz-crc32`,
/// `Date`) and body bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamoResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl DynamoResponse {
    /// A response with DynamoDB's headers: `Content-Type: application/x-amz-json-1.0`,
    /// `x-amzn-RequestId`, `x-amz-crc32` (CRC32 of the body), documented in the DynamoDB
    /// Developer Guide, "Low-level API", and the `Date` every HTTP reply of DynamoDB carries, so
    /// that an in-process caller (the gateway's `integration.response.header.Date` mappings) sees
    /// what the HTTP endpoint sends.
    pub fn new(status: u16, body: Vec<u8>) -> DynamoResponse {
        let headers = vec![
            (
                "Content-Type".to_string(),
                "application/x-amz-json-1.0".to_string(),
            ),
            ("x-amzn-RequestId".to_string(), util::request_id()),
            ("x-amz-crc32".to_string(), util::crc32(&body).to_string()),
            ("Date".to_string(), util::http_date_now()),
        ];
        DynamoResponse {
            status,
            headers,
            body,
        }
    }

    pub fn json(status: u16, value: &serde_json::Value) -> DynamoResponse {
        DynamoResponse::new(status, value.to_string().into_bytes())
    }

    pub fn from_error(e: &DynamoError) -> DynamoResponse {
        DynamoResponse::json(e.status(), &e.body())
    }

    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (`Null` when it is not JSON).
    pub fn json_body(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// A DynamoDB endpoint.
#[async_trait::async_trait]
pub trait Dynamo: Send + Sync {
    /// One DynamoDB action: the exact wire exchange API Gateway performs (action from the
    /// integration URI, body = rendered template bytes, sent unchanged). A call that got no
    /// reply (see [`Dynamo::exchange`]) is answered as [`TransportError::to_response`] says.
    async fn call(&self, action: &str, body: &[u8]) -> DynamoResponse;

    /// The same call, with "no reply" kept apart from DynamoDB's replies: API Gateway answers a
    /// failed connection itself, while every reply, errors included, goes to the integration
    /// responses. An in-process store always replies.
    async fn exchange(&self, action: &str, body: &[u8]) -> Result<DynamoResponse, TransportError> {
        Ok(self.call(action, body).await)
    }
}

#[async_trait::async_trait]
impl<T: Dynamo + ?Sized> Dynamo for std::sync::Arc<T> {
    async fn call(&self, action: &str, body: &[u8]) -> DynamoResponse {
        (**self).call(action, body).await
    }

    async fn exchange(&self, action: &str, body: &[u8]) -> Result<DynamoResponse, TransportError> {
        (**self).exchange(action, body).await
    }
}
