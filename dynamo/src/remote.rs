//! `Remote`: a DynamoDB client for any endpoint (dynalite, DynamoDB Local, AWS) that sends the given
//! bytes unchanged, signed with SigV4, and returns the service's status, headers and body as they
//! came. `http://` and `https://` endpoints both work: TLS is rustls with the bundled Mozilla root
//! certificates, plus the certificates of `AWS_CA_BUNDLE` (a PEM file, the variable the AWS CLI
//! and SDKs read) when it is set, so private CAs and local TLS proxies can be trusted too.
//!
//! A transport failure (connection refused, timeout, bad endpoint) is returned as a
//! [`DynamoResponse`] too, because API Gateway surfaces it as an integration failure rather than
//! crashing: status 503 for connection errors and 504 for timeouts, with the body
//! `{"__type":"dynamo#TransportError","message":"<what failed> (endpoint <url>)"}`.

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
    /// Whole-request timeout (connect, send, receive).
    pub timeout: Duration,
    /// Extra trusted root certificates (PEM file), from `AWS_CA_BUNDLE`.
    pub ca_bundle: Option<std::path::PathBuf>,
}

impl RemoteConfig {
    /// Read the standard AWS environment variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_SESSION_TOKEN`, `AWS_REGION`/`AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL_DYNAMODB`/
    /// `AWS_ENDPOINT_URL`). Local defaults: credentials `test`/`test`, region `us-east-1`,
    /// endpoint `http://127.0.0.1:8000`, timeout 29 s (API Gateway's default integration timeout).
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
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("endpoint", &self.config.endpoint)
            .field("region", &self.config.region)
            .finish()
    }
}

fn transport_error(status: u16, what: &str, endpoint: &str) -> DynamoResponse {
    let body = serde_json::json!({
        "__type": "dynamo#TransportError",
        "message": format!("{what} (endpoint {endpoint})"),
    });
    DynamoResponse::json(status, &body)
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
            },
            Err(e) => Remote {
                config,
                client: None,
                setup_error: Some(e),
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

#[async_trait::async_trait]
impl Dynamo for Remote {
    async fn call(&self, action: &str, body: &[u8]) -> DynamoResponse {
        let endpoint = self.config.endpoint.as_str();
        let req = match self.build_request(action, body) {
            Ok(r) => r,
            Err(e) => return transport_error(500, &e, endpoint),
        };
        let Some(client) = &self.client else {
            let why = self.setup_error.as_deref().unwrap_or("no HTTP client");
            return transport_error(500, why, endpoint);
        };
        let exchange = async {
            let resp = client
                .request(req)
                .await
                .map_err(|e| format!("request failed: {e}"))?;
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
                .map_err(|e| format!("reading the response failed: {e}"))?
                .to_bytes()
                .to_vec();
            Ok::<_, String>(DynamoResponse {
                status,
                headers,
                body,
            })
        };
        match tokio::time::timeout(self.config.timeout, exchange).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => transport_error(503, &e, endpoint),
            Err(_) => transport_error(
                504,
                &format!("timed out after {} ms", self.config.timeout.as_millis()),
                endpoint,
            ),
        }
    }
}
