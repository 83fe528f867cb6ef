//! `Remote`: a DynamoDB client for any endpoint (dynalite, DynamoDB Local, AWS) that sends the given
//! bytes unchanged, signed with SigV4, and returns the service's status, headers and body as they
//! came. `http://` and `https://` endpoints both work: TLS is rustls with the bundled Mozilla root
//! certificates, plus the certificates of `AWS_CA_BUNDLE` (a PEM file, the variable the AWS CLI
//! and SDKs read) when it is set, so private CAs and local TLS proxies can be trusted too.
//!
//! A call that gets no reply (connection refused or reset, a reply cut short or not HTTP, a
//! timeout, a bad endpoint) is a [`TransportError`] from [`Dynamo::exchange`], with its kind, and
//! [`Dynamo::call`] answers it as status 503 (504 for a timeout) with the body
//! `{"__type":"dynamo#TransportError","message":"<what failed> (endpoint <url>)"}`.
//!
//! Failed attempts are tried again as the AWS SDKs do ([`crate::retry`]) when
//! [`RemoteConfig::retry`] allows more than one attempt.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::retry::{self, RetryPolicy, RetryQuota};
use crate::{Dynamo, DynamoResponse};

/// Where and how to reach a DynamoDB endpoint.
#[derive(Debug, Clone)]
pub struct RemoteConfig {
    /// Base URL, e.g. `http://127.0.0.1:8000`.
    pub endpoint: String,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// Whole-request timeout of one attempt (connect, send, receive).
    pub timeout: Duration,
    /// Attempts and back-off (the SDKs' standard mode by default).
    pub retry: RetryPolicy,
    /// Extra trusted root certificates (PEM file), from `AWS_CA_BUNDLE`.
    pub ca_bundle: Option<std::path::PathBuf>,
}

impl RemoteConfig {
    /// Read the standard AWS environment variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_SESSION_TOKEN`, `AWS_REGION`/`AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL_DYNAMODB`/
    /// `AWS_ENDPOINT_URL`). Local defaults: credentials `test`/`test`, region `us-east-1`,
    /// endpoint `http://127.0.0.1:8000`, timeout 29 s (API Gateway's default integration timeout),
    /// the SDKs' standard retries (`AWS_MAX_ATTEMPTS` changes the number of attempts, as it does
    /// for the SDKs).
    pub fn from_env(endpoint: Option<String>) -> RemoteConfig {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        RemoteConfig {
            endpoint: endpoint
                .or_else(|| var("AWS_ENDPOINT_URL_DYNAMODB"))
                .or_else(|| var("AWS_ENDPOINT_URL"))
                .unwrap_or_else(|| "http://127.0.0.1:8000".to_string()),
            region: var("AWS_REGION")
                .or_else(|| var("AWS_DEFAULT_REGION"))
                .unwrap_or_else(|| "us-east-1".to_string()),
            access_key_id: var("AWS_ACCESS_KEY_ID").unwrap_or_else(|| "test".to_string()),
            secret_access_key: var("AWS_SECRET_ACCESS_KEY").unwrap_or_else(|| "test".to_string()),
            session_token: var("AWS_SESSION_TOKEN"),
            timeout: Duration::from_secs(29),
            retry: RetryPolicy {
                max_attempts: var("AWS_MAX_ATTEMPTS")
                    .and_then(|n| n.parse().ok())
                    .filter(|n| *n >= 1)
                    .unwrap_or(RetryPolicy::STANDARD.max_attempts),
                ..RetryPolicy::STANDARD
            },
            ca_bundle: var("AWS_CA_BUNDLE").map(std::path::PathBuf::from),
        }
    }
}

/// The remote client. Cheap to clone; connections are pooled.
#[derive(Clone)]
pub struct Remote {
    config: RemoteConfig,
    client: Option<Client<HttpsConnector<HttpConnector>, Full<Bytes>>>,
    /// Why no client could be built (an unreadable `AWS_CA_BUNDLE`): every call answers 500 with it.
    setup_error: Option<String>,
    /// The retry quota every call of this client (and its clones) draws on.
    quota: std::sync::Arc<RetryQuota>,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("endpoint", &self.config.endpoint)
            .field("region", &self.config.region)
            .finish()
    }
}

/// What kind of "no reply" a call ended in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportErrorKind {
    /// The request could not be made at all (bad endpoint, unreadable CA bundle, signing).
    Setup,
    /// No connection (refused, unreachable, TLS handshake failed).
    Connect,
    /// The connection broke or the reply was not a whole HTTP response (reset, cut short).
    Reply,
    /// No whole reply within [`RemoteConfig::timeout`].
    Timeout,
}

/// A DynamoDB call that got no reply: what failed and at which endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (endpoint {endpoint})")]
pub struct TransportError {
    pub kind: TransportErrorKind,
    pub message: String,
    pub endpoint: String,
}

impl TransportError {
    pub fn new(kind: TransportErrorKind, message: impl Into<String>, endpoint: &str) -> Self {
        TransportError {
            kind,
            message: message.into(),
            endpoint: endpoint.to_string(),
        }
    }

    /// The answer of [`Dynamo::call`] for it: 504 for a timeout, 500 for a request that could
    /// not be made, 503 otherwise.
    pub fn to_response(&self) -> DynamoResponse {
        let status = match self.kind {
            TransportErrorKind::Timeout => 504,
            TransportErrorKind::Setup => 500,
            TransportErrorKind::Connect | TransportErrorKind::Reply => 503,
        };
        let body = serde_json::json!({
            "__type": "dynamo#TransportError",
            "message": self.to_string(),
        });
        DynamoResponse::json(status, &body)
    }
}

impl Remote {
    pub fn new(config: RemoteConfig) -> Remote {
        let built = Self::client(&config).or_else(|e| {
            // The CA bundle only matters for https://: a plain-HTTP endpoint (dynalite, DynamoDB
            // Local) must keep working whatever AWS_CA_BUNDLE says.
            if config.endpoint.starts_with("https://") || config.ca_bundle.is_none() {
                Err(e)
            } else {
                Self::client(&RemoteConfig {
                    ca_bundle: None,
                    ..config.clone()
                })
            }
        });
        match built {
            Ok(client) => Remote {
                config,
                client: Some(client),
                setup_error: None,
                quota: Default::default(),
            },
            Err(e) => Remote {
                config,
                client: None,
                setup_error: Some(e),
                quota: Default::default(),
            },
        }
    }

    fn client(
        config: &RemoteConfig,
    ) -> Result<Client<HttpsConnector<HttpConnector>, Full<Bytes>>, String> {
        let mut http = HttpConnector::new();
        http.set_connect_timeout(Some(config.timeout));
        http.set_nodelay(true);
        // The HTTPS connector handles both schemes; it must see https:// URIs itself.
        http.enforce_http(false);
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(path) = &config.ca_bundle {
            use rustls_pki_types::pem::PemObject;
            let certs = rustls_pki_types::CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("AWS_CA_BUNDLE {}: {e}", path.display()))?;
            let certs: Vec<_> = certs
                .collect::<Result<_, _>>()
                .map_err(|e| format!("AWS_CA_BUNDLE {}: {e}", path.display()))?;
            // A system bundle (Debian's ca-certificates.crt, which the AWS tools are often
            // pointed at) may hold certificates rustls cannot use; skip those, as the AWS CLI does.
            let (added, _skipped) = roots.add_parsable_certificates(certs);
            if added == 0 {
                return Err(format!(
                    "AWS_CA_BUNDLE {}: no PEM certificate in the file",
                    path.display()
                ));
            }
        }
        let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup failed: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let https = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        Ok(Client::builder(TokioExecutor::new()).build(https))
    }

    pub fn config(&self) -> &RemoteConfig {
        &self.config
    }

    fn build_request(
        &self,
        action: &str,
        body: &[u8],
    ) -> Result<http::Request<Full<Bytes>>, String> {
        let uri = format!("{}/", self.config.endpoint.trim_end_matches('/'));
        let parsed: http::Uri = uri.parse().map_err(|e| format!("invalid endpoint: {e}"))?;
        let host = parsed
            .authority()
            .map(|a| a.as_str().to_string())
            .ok_or_else(|| "invalid endpoint: no host".to_string())?;
        let target = format!("DynamoDB_20120810.{action}");
        let mut req = http::Request::builder()
            .method("POST")
            .uri(parsed)
            .header("host", host.clone())
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amz-target", target.clone())
            .body(Full::new(Bytes::copy_from_slice(body)))
            .map_err(|e| format!("invalid request: {e}"))?;
        let identity = Credentials::new(
            self.config.access_key_id.clone(),
            self.config.secret_access_key.clone(),
            self.config.session_token.clone(),
            None,
            "dynamo-remote",
        )
        .into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.config.region)
            .name("dynamodb")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| format!("signing failed: {e}"))?
            .into();
        let headers = [
            ("host", host.as_str()),
            ("content-type", "application/x-amz-json-1.0"),
            ("x-amz-target", target.as_str()),
        ];
        let signable = SignableRequest::new(
            "POST",
            uri.as_str(),
            headers.into_iter(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| format!("signing failed: {e}"))?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| format!("signing failed: {e}"))?
            .into_parts();
        instructions.apply_to_request_http1x(&mut req);
        Ok(req)
    }
}

impl Remote {
    /// One attempt.
    async fn attempt(&self, action: &str, body: &[u8]) -> Result<DynamoResponse, TransportError> {
        use TransportErrorKind as K;
        let endpoint = self.config.endpoint.as_str();
        let req = self
            .build_request(action, body)
            .map_err(|e| TransportError::new(K::Setup, e, endpoint))?;
        let Some(client) = &self.client else {
            let why = self.setup_error.as_deref().unwrap_or("no HTTP client");
            return Err(TransportError::new(K::Setup, why, endpoint));
        };
        let exchange = async {
            let resp = client.request(req).await.map_err(|e| {
                // hyper-util says "connect" for failures before the request went out.
                let kind = if e.is_connect() { K::Connect } else { K::Reply };
                TransportError::new(kind, format!("request failed: {e}"), endpoint)
            })?;
            let status = resp.status().as_u16();
            let headers: Vec<(String, String)> = resp
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
                    TransportError::new(
                        K::Reply,
                        format!("reading the response failed: {e}"),
                        endpoint,
                    )
                })?
                .to_bytes()
                .to_vec();
            Ok(DynamoResponse {
                status,
                headers,
                body,
            })
        };
        match tokio::time::timeout(self.config.timeout, exchange).await {
            Ok(r) => r,
            Err(_) => Err(TransportError::new(
                K::Timeout,
                format!("timed out after {} ms", self.config.timeout.as_millis()),
                endpoint,
            )),
        }
    }
}

#[async_trait::async_trait]
impl Dynamo for Remote {
    async fn call(&self, action: &str, body: &[u8]) -> DynamoResponse {
        match self.exchange(action, body).await {
            Ok(r) => r,
            Err(e) => e.to_response(),
        }
    }

    async fn exchange(&self, action: &str, body: &[u8]) -> Result<DynamoResponse, TransportError> {
        let policy = self.config.retry;
        let mut spent = 0;
        let mut attempt = 1;
        loop {
            let outcome = self.attempt(action, body).await;
            let Some(why) = retry::classify(&outcome) else {
                if outcome.is_ok() {
                    self.quota.release(spent);
                }
                return outcome;
            };
            if attempt >= policy.max_attempts {
                return outcome;
            }
            let Some(cost) = self.quota.acquire(why) else {
                tracing::debug!("retry quota exhausted: {action} not retried");
                return outcome;
            };
            spent += cost;
            let wait = policy.backoff(attempt, retry::jitter());
            tracing::debug!("{action} attempt {attempt} failed ({why:?}); retrying in {wait:?}");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }
}
