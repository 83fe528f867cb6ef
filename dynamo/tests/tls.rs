//! `Remote` over HTTPS: a TLS-terminating proxy on 127.0.0.1 in front of the served embedded
//! store, with a private CA trusted through `RemoteConfig::ca_bundle` (what `AWS_CA_BUNDLE`
//! sets). A certificate from an untrusted CA is refused.

use std::sync::Arc;
use std::time::Duration;

use dynamo::{Dynamo, Embedded, Remote, RemoteConfig};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::json;

struct Pki {
    ca_pem: String,
    leaf: CertificateDer<'static>,
    leaf_key: Vec<u8>,
}

fn pki() -> Pki {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("ca key"))
        .expect("ca cert");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["localhost".to_string()])
        .expect("leaf params")
        .signed_by(&leaf_key, &ca)
        .expect("leaf cert");
    Pki {
        ca_pem: ca.pem(),
        leaf: leaf.der().clone(),
        leaf_key: leaf_key.serialize_der(),
    }
}

fn config(endpoint: String, ca_bundle: Option<std::path::PathBuf>) -> RemoteConfig {
    RemoteConfig {
        endpoint,
        region: "us-east-1".to_string(),
        access_key_id: "test".to_string(),
        secret_access_key: "test".to_string(),
        session_token: None,
        timeout: Duration::from_secs(10),
        ca_bundle,
        retry: dynamo::RetryPolicy::NONE,
    }
}

/// Serve the embedded store over plain HTTP and put a TLS proxy in front; returns the proxy port.
async fn tls_endpoint(pki: &Pki) -> u16 {
    let plain = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let plain_addr = plain.local_addr().expect("addr");
    let store: Arc<dyn Dynamo> = Arc::new(Embedded::new());
    tokio::spawn(dynamo::server::serve(
        plain,
        store,
        std::future::pending::<()>(),
    ));

    let server_config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocols")
    .with_no_client_auth()
    .with_single_cert(
        vec![pki.leaf.clone()],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.leaf_key.clone())),
    )
    .expect("server cert");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
    let tls = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind tls");
    let port = tls.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = tls.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut client) = acceptor.accept(tcp).await else {
                    return;
                };
                if let Ok(mut upstream) = tokio::net::TcpStream::connect(plain_addr).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
    });
    port
}

#[tokio::test]
async fn https_endpoint_with_a_trusted_private_ca() {
    let pki = pki();
    let port = tls_endpoint(&pki).await;
    let dir = std::env::temp_dir().join(format!("dynamo-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let bundle = dir.join("ca.pem");
    std::fs::write(&bundle, &pki.ca_pem).expect("write ca");

    let remote = Remote::new(config(format!("https://localhost:{port}"), Some(bundle)));
    let create = json!({
        "TableName": "tls",
        "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
        "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST"
    });
    let r = remote
        .call("CreateTable", create.to_string().as_bytes())
        .await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let put = json!({"TableName": "tls", "Item": {"k": {"S": "über"}}});
    assert_eq!(
        remote
            .call("PutItem", put.to_string().as_bytes())
            .await
            .status,
        200
    );
    let get = json!({"TableName": "tls", "Key": {"k": {"S": "über"}}});
    let r = remote.call("GetItem", get.to_string().as_bytes()).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json_body()["Item"]["k"]["S"], "über");
}

#[tokio::test]
async fn an_untrusted_certificate_is_refused_as_a_transport_error() {
    let pki = pki();
    let port = tls_endpoint(&pki).await;
    // Only the public roots: the private CA is unknown.
    let remote = Remote::new(config(format!("https://localhost:{port}"), None));
    let r = remote.call("ListTables", b"{}").await;
    assert_eq!(r.status, 503);
    let body = r.json_body();
    assert_eq!(body["__type"], "dynamo#TransportError");
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains(&format!("https://localhost:{port}"))
    );
}

#[tokio::test]
async fn an_unreadable_ca_bundle_answers_500_naming_the_file() {
    let remote = Remote::new(config(
        "https://localhost:1".to_string(),
        Some("/nonexistent/ca.pem".into()),
    ));
    let r = remote.call("ListTables", b"{}").await;
    assert_eq!(r.status, 500);
    assert!(
        r.json_body()["message"]
            .as_str()
            .unwrap_or_default()
            .contains("/nonexistent/ca.pem")
    );
}

#[tokio::test]
async fn a_bad_ca_bundle_does_not_break_plain_http_endpoints() {
    let plain = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = plain.local_addr().expect("addr");
    let store: Arc<dyn Dynamo> = Arc::new(Embedded::new());
    tokio::spawn(dynamo::server::serve(
        plain,
        store,
        std::future::pending::<()>(),
    ));
    let remote = Remote::new(config(
        format!("http://{addr}"),
        Some("/nonexistent/ca.pem".into()),
    ));
    let r = remote.call("ListTables", b"{}").await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}

/// System bundles may hold certificates rustls cannot use; those are skipped, the rest trusted.
#[tokio::test]
async fn unusable_certificates_in_the_bundle_are_skipped() {
    let pki = pki();
    let port = tls_endpoint(&pki).await;
    let dir = std::env::temp_dir().join(format!("dynamo-tls-mixed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp dir");
    let bundle = dir.join("mixed.pem");
    // A well-formed PEM block whose content is not a certificate, then the real CA.
    let junk = "-----BEGIN CERTIFICATE-----\nAAECAwQFBgcICQ==\n-----END CERTIFICATE-----\n";
    std::fs::write(&bundle, format!("{junk}{}", pki.ca_pem)).expect("write bundle");
    let remote = Remote::new(config(format!("https://localhost:{port}"), Some(bundle)));
    let r = remote.call("ListTables", b"{}").await;
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
}
