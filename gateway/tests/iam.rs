//! `AWS_IAM` methods, with requests signed by `aws-sigv4` (the signer of the AWS SDK for Rust) as
//! a client would sign them: allowed, denied (wrong secret, unknown key, expired), missing and
//! malformed credentials, with the status, body and `x-amzn-ErrorType` API Gateway answers, and
//! `$context.identity` as a template sees it. The albums document with `AWS_IAM` on POST /album,
//! in process with a clock the test sets. (A third party's `AWS_IAM` stack is in
//! codegen/tests/secured_corpus.rs.)

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use gateway::iam::IamCredential;
use gateway::{Gateway, Request};
use serde_json::{Value, json};

use common::sigv4::signed;

/// 2026-12-02 15:00:00 UTC.
const NOW: u64 = 1_796_223_600;

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(NOW)
}

fn document() -> String {
    let path = format!("{}/../openapi.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("openapi.yaml");
    let mut doc = apidef::source::parse(&text, &path).expect("openapi.yaml parses");
    // What AWS's export writes for authorizationType AWS_IAM.
    doc["components"]["securitySchemes"] = json!({"sigv4": {
        "type": "apiKey", "name": "Authorization", "in": "header",
        "x-amazon-apigateway-authtype": "awsSigv4"
    }});
    doc["paths"]["/album"]["post"]["security"] = json!([{"sigv4": []}]);
    doc["paths"]["/whoami"] = json!({"get": {
        "security": [{"sigv4": []}],
        "responses": {"200": {"description": "who"}},
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
            "responses": {"default": {"statusCode": "200", "responseTemplates": {
                "application/json": "{\"accessKey\":\"$context.identity.accessKey\",\"caller\":\"$context.identity.caller\",\"user\":\"$context.identity.user\",\"userArn\":\"$context.identity.userArn\",\"accountId\":\"$context.identity.accountId\"}"
            }}}
        }
    }});
    doc.to_string()
}

async fn gateway() -> Gateway {
    let api = apidef::Api::from_str_with(&document(), "albums-iam.json", &Default::default())
        .expect("the document loads");
    assert_eq!(
        api.operation("putAlbum").map(|o| o.authorization.clone()),
        Some(apidef::Authorization::AwsIam)
    );
    let gw = Gateway::builder(api, Arc::new(dynamo::Embedded::new()))
        .clock(Arc::new(now))
        .iam_credential(
            IamCredential::parse("AKIDALICE:alice-secret:arn:aws:iam::111122223333:user/alice")
                .unwrap(),
        )
        .iam_credential(IamCredential::parse("AKIDBOB:bob-secret").unwrap())
        .build()
        .expect("gateway builds");
    gw.create_tables().await.expect("tables");
    gw
}

fn put(album: &str) -> Request {
    Request::new("POST", "/album").json(&json!({"artist": "Signed", "album": album}))
}

fn assert_denied(r: &gateway::Response, kind: &str, error_type: &str, message_starts: &str) {
    assert_eq!(r.status, 403, "{}", r.text());
    let body: Value = r.json().expect("JSON");
    assert_eq!(body["type"], kind, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    assert!(message.starts_with(message_starts), "{message}");
    assert_eq!(r.header("x-amzn-ErrorType"), Some(error_type));
}

#[tokio::test]
async fn a_signed_request_is_allowed_and_its_caller_is_in_the_context() {
    let gw = gateway().await;
    let r = gw
        .handle(signed(put("one"), "AKIDALICE", "alice-secret", now()))
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    // A signature two minutes old is within AWS's five.
    let r = gw
        .handle(signed(
            put("two"),
            "AKIDBOB",
            "bob-secret",
            now() - Duration::from_secs(120),
        ))
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let r = gw
        .handle(signed(
            Request::new("GET", "/whoami?b=2&a=1"),
            "AKIDALICE",
            "alice-secret",
            now(),
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        Some(json!({
            "accessKey": "AKIDALICE",
            "caller": "AKIDALICE",
            "user": "AKIDALICE",
            "userArn": "arn:aws:iam::111122223333:user/alice",
            "accountId": "111122223333"
        }))
    );
    // Methods without AWS_IAM take unsigned requests.
    let r = gw.handle(Request::new("GET", "/Signed/one")).await;
    assert_eq!(r.status, 200, "{}", r.text());
}

#[tokio::test]
async fn denied_missing_and_malformed_credentials_get_awss_answers() {
    let gw = gateway().await;
    // No signature: AWS's famous 403.
    let r = gw.handle(put("x")).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json(),
        Some(
            json!({"message": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN"})
        )
    );
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("MissingAuthenticationTokenException")
    );
    // The wrong secret.
    let r = gw
        .handle(signed(put("x"), "AKIDALICE", "not-her-secret", now()))
        .await;
    assert_denied(
        &r,
        "INVALID_SIGNATURE",
        "InvalidSignatureException",
        "The request signature we calculated does not match the signature you provided.",
    );
    let message = r.json().unwrap()["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("The Canonical String for this request should have been\n'POST\n/album\n"),
        "{message}"
    );
    // A body changed after signing.
    let mut tampered = signed(put("x"), "AKIDALICE", "alice-secret", now());
    tampered.body = bytes::Bytes::from_static(br#"{"artist":"Signed","album":"y"}"#);
    assert_denied(
        &gw.handle(tampered).await,
        "INVALID_SIGNATURE",
        "InvalidSignatureException",
        "The request signature we calculated",
    );
    // An access key the gateway does not know.
    let r = gw
        .handle(signed(put("x"), "AKIDMALLORY", "whatever", now()))
        .await;
    assert_denied(
        &r,
        "INVALID_SIGNATURE",
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
    );
    // Ten minutes old, and ten minutes ahead.
    let r = gw
        .handle(signed(
            put("x"),
            "AKIDALICE",
            "alice-secret",
            now() - Duration::from_secs(600),
        ))
        .await;
    assert_denied(
        &r,
        "INVALID_SIGNATURE",
        "InvalidSignatureException",
        "Signature expired: 20261202T145000Z is now earlier than 20261202T145500Z (20261202T150000Z - 5 min.)",
    );
    let r = gw
        .handle(signed(
            put("x"),
            "AKIDALICE",
            "alice-secret",
            now() + Duration::from_secs(600),
        ))
        .await;
    assert_denied(
        &r,
        "INVALID_SIGNATURE",
        "InvalidSignatureException",
        "Signature not yet current",
    );
    // Not a SigV4 Authorization header.
    let r = gw
        .handle(put("x").header("Authorization", "Bearer abc"))
        .await;
    assert_denied(
        &r,
        "INVALID_SIGNATURE",
        "IncompleteSignatureException",
        "Authorization header requires 'Credential' parameter.",
    );
    // None of the refused writes was made.
    let r = gw.handle(Request::new("GET", "/Signed/x")).await;
    assert_eq!(r.status, 404, "{}", r.text());
}
