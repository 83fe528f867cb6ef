//! Cognito user-pool authorizers on a document someone else wrote: aws-samples'
//! amazon-api-gateway-url-shortener (corpus/url-shortener-cognito, MIT-0), whose methods use a
//! `cognito_user_pools` authorizer and whose templates read `$context.authorizer.claims.email`.
//! Tokens come from the local issuer (`gateway token`'s key) or a JWKS; allowed, missing,
//! malformed, expired, foreign and wrong-kind tokens get API Gateway's 401s.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use gateway::cognito::{LocalIssuer, TrustedKeys};
use gateway::{Gateway, Request};
use serde_json::{Map, Value, json};

/// 2026-12-02 15:00:00 UTC.
fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_223_600)
}

fn issuer(name: &str) -> LocalIssuer {
    let path = format!(
        "{}/issuer-{name}-{}.p8",
        env!("CARGO_TARGET_TMPDIR"),
        std::process::id()
    );
    let _ = std::fs::remove_file(&path);
    LocalIssuer::load_or_create(std::path::Path::new(&path)).expect("issuer key")
}

fn claims(v: Value) -> Map<String, Value> {
    v.as_object().expect("claims").clone()
}

async fn shortener(keys: TrustedKeys) -> Gateway {
    let dir = format!(
        "{}/../corpus/url-shortener-cognito",
        env!("CARGO_MANIFEST_DIR")
    );
    let params = indexmap::IndexMap::from([
        ("IsLocal".to_string(), "true".to_string()),
        (
            "AmplifyApp.DefaultDomain".to_string(),
            "main.d1a2b3c4.amplifyapp.com".to_string(),
        ),
    ]);
    let api = apidef::Api::load_with(format!("{dir}/api.yaml"), &params).expect("loads");
    let op = api
        .operations
        .iter()
        .find(|o| o.method == "POST" && o.path == "/app")
        .expect("POST /app");
    assert!(
        matches!(&op.authorization, apidef::Authorization::Authorizer { kind, header, .. }
            if kind == "cognito_user_pools" && header == "Authorization"),
        "{:?}",
        op.authorization
    );
    let store = Arc::new(dynamo::Embedded::new());
    // The table is declared in the SAM template beside the document (template.yaml LinkTable).
    let created = dynamo::Dynamo::call(
        &*store,
        "CreateTable",
        json!({
            "TableName": "LinkTable",
            "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "AttributeDefinitions": [
                {"AttributeName": "id", "AttributeType": "S"},
                {"AttributeName": "owner", "AttributeType": "S"}
            ],
            "GlobalSecondaryIndexes": [{
                "IndexName": "OwnerIndex",
                "KeySchema": [{"AttributeName": "owner", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"}
            }]
        })
        .to_string()
        .as_bytes(),
    )
    .await;
    assert_eq!(
        created.status,
        200,
        "{}",
        String::from_utf8_lossy(&created.body)
    );
    Gateway::builder(api, store)
        .clock(Arc::new(now))
        .cognito_keys(keys)
        .build()
        .expect("builds")
}

fn create(token: Option<&str>, id: &str) -> Request {
    let r = Request::new("POST", "/app").json(&json!({"id": id, "url": "https://example.com/x"}));
    match token {
        Some(t) => r.header("Authorization", t),
        None => r,
    }
}

fn assert_401(r: &gateway::Response, message: &str) {
    assert_eq!(r.status, 401, "{}", r.text());
    assert_eq!(r.json(), Some(json!({"message": message})));
    assert_eq!(r.header("x-amzn-ErrorType"), Some("UnauthorizedException"));
}

#[tokio::test]
async fn an_id_token_of_the_local_issuer_is_allowed_and_its_claims_reach_the_templates() {
    let local = issuer("local");
    let gw = shortener(TrustedKeys::default().with_local(&local)).await;
    let token = local.token(
        claims(json!({"sub": "alice", "email": "alice@example.com"})),
        now(),
        3600,
    );
    let r = gw.handle(create(Some(&token), "abc")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json().expect("JSON")["owner"], "alice@example.com");
    // `Bearer ` is taken off; the GET lists the caller's links by the claim.
    let r = gw
        .handle(Request::new("GET", "/app").header("Authorization", format!("Bearer {token}")))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("\"abc\""), "{}", r.text());
    let bob = local.token(
        claims(json!({"sub": "bob", "email": "bob@example.com"})),
        now(),
        3600,
    );
    let r = gw
        .handle(Request::new("GET", "/app").header("Authorization", bob))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        !r.text().contains("\"abc\""),
        "bob sees alice's link: {}",
        r.text()
    );
}

#[tokio::test]
async fn missing_malformed_expired_foreign_and_access_tokens_are_401() {
    let local = issuer("trusted");
    let gw = shortener(TrustedKeys::default().with_local(&local)).await;
    assert_401(&gw.handle(create(None, "a")).await, "Unauthorized");
    assert_401(
        &gw.handle(create(Some("not.a.jwt"), "a")).await,
        "Unauthorized",
    );
    let expired = local.token(
        claims(json!({"sub": "alice", "email": "a@x", "exp": 1_796_223_599})),
        now(),
        0,
    );
    assert_401(
        &gw.handle(create(Some(&expired), "a")).await,
        "The incoming token has expired",
    );
    let foreign =
        issuer("foreign").token(claims(json!({"sub": "eve", "email": "e@x"})), now(), 3600);
    assert_401(
        &gw.handle(create(Some(&foreign), "a")).await,
        "Unauthorized",
    );
    // No authorizationScopes: an access token is not enough.
    let access = local.token(
        claims(json!({"sub": "alice", "token_use": "access", "scope": "aws.cognito.signin.user.admin"})),
        now(),
        3600,
    );
    assert_401(&gw.handle(create(Some(&access), "a")).await, "Unauthorized");
    // A token changed after signing.
    let good = local.token(claims(json!({"sub": "alice", "email": "a@x"})), now(), 3600);
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    parts[1] = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"sub":"mallory","email":"m@x","token_use":"id","exp":1896223600}"#)
    };
    assert_401(
        &gw.handle(create(Some(&parts.join(".")), "a")).await,
        "Unauthorized",
    );
    // Nothing was written by the refused requests.
    let r = gw
        .handle(Request::new("GET", "/app").header("Authorization", good))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!r.text().contains("\"a\""), "{}", r.text());
}

#[tokio::test]
async fn a_jwks_key_verifies_tokens_by_kid() {
    // A user pool's published keys: here the JWKS of an issuer the gateway does not hold.
    let pool = issuer("pool");
    let keys = TrustedKeys::default()
        .with_jwks(&pool.jwks().to_string())
        .expect("JWKS");
    let gw = shortener(keys).await;
    let token = pool.token(claims(json!({"sub": "carol", "email": "c@x"})), now(), 3600);
    assert_eq!(gw.handle(create(Some(&token), "j1")).await.status, 200);
    let other = issuer("other").token(claims(json!({"sub": "eve", "email": "e@x"})), now(), 3600);
    assert_401(&gw.handle(create(Some(&other), "j2")).await, "Unauthorized");
}

#[tokio::test]
async fn gateway_token_mints_what_gateway_serve_accepts() {
    let key = common::scratch_file("issuer-cli", "p8");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gateway"))
        .args([
            "token",
            "--issuer-key",
            &key,
            "--sub",
            "alice",
            "--claim",
            "email=alice@example.com",
        ])
        .output()
        .expect("gateway token runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout)
        .expect("UTF-8")
        .trim()
        .to_string();
    assert_eq!(token.split('.').count(), 3, "{token}");
    let spec = format!(
        "{}/../corpus/url-shortener-cognito/api.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let server = common::Server::start_spec(
        &spec,
        &[
            "--issuer-key",
            &key,
            "--param",
            "IsLocal=true",
            "--param",
            "AmplifyApp.DefaultDomain=main.d1a2b3c4.amplifyapp.com",
        ],
    );
    let body = br#"{"id": "cli", "url": "https://example.com/cli"}"#;
    let json = [("Content-Type", "application/json")];
    let r = common::request(&server.addr, "POST", "/app", &json, body).await;
    assert_eq!(r.status, 401, "{}", r.text());
    let with = [
        ("Content-Type", "application/json"),
        ("Authorization", token.as_str()),
    ];
    let r = common::request(&server.addr, "POST", "/app", &with, body).await;
    // Past the authorizer: the table is declared only in the SAM template, so DynamoDB's
    // ResourceNotFoundException goes to the document's "400" response.
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(server.stop().success());
}
