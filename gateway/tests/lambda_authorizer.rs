//! Lambda authorizers from a policy file: TOKEN (with `identityValidationExpression` and result
//! caching) and REQUEST (header and query string) on the albums with authorizers added as AWS's
//! export writes them. Allowed, denied, missing and malformed identities get API Gateway's
//! statuses and bodies; `$context.authorizer` reaches templates; a cached `$methodArn` policy
//! denies a second method as on AWS until its TTL ends.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use gateway::lambda_authorizer::Policies;
use gateway::{Gateway, Request};
use serde_json::{Value, json};

fn document() -> String {
    let path = common::spec_path();
    let text = std::fs::read_to_string(&path).expect("openapi.yaml");
    let mut doc = apidef::source::parse(&text, &path).expect("parses");
    doc["components"]["securitySchemes"] = json!({
        "TokenAuth": {
            "type": "apiKey", "name": "Authorization", "in": "header",
            "x-amazon-apigateway-authtype": "custom",
            "x-amazon-apigateway-authorizer": {
                "type": "token",
                "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations",
                "identityValidationExpression": "^Bearer [a-z-]+$",
                "authorizerResultTtlInSeconds": 300
            }
        },
        "RequestAuth": {
            "type": "apiKey", "name": "Unused", "in": "header",
            "x-amazon-apigateway-authtype": "custom",
            "x-amazon-apigateway-authorizer": {
                "type": "request",
                "identitySource": "method.request.header.X-Tenant, method.request.querystring.user",
                "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations",
                "authorizerResultTtlInSeconds": 0
            }
        }
    });
    doc["paths"]["/album"]["post"]["security"] = json!([{"TokenAuth": []}]);
    doc["paths"]["/{artist}/{album}"]["get"]["security"] = json!([{"TokenAuth": []}]);
    doc["paths"]["/whoami"] = json!({"get": {
        "security": [{"RequestAuth": []}],
        "responses": {"200": {"description": "who"}},
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
            "responses": {"default": {"statusCode": "200", "responseTemplates": {
                "application/json": "{\"principal\":\"$context.authorizer.principalId\",\"role\":\"$context.authorizer.role\"}"
            }}}
        }
    }});
    doc.to_string()
}

const POLICIES: &str = r#"{
  "TokenAuth": {
    "Bearer alice": {"principalId": "alice", "effect": "Allow", "context": {"role": "writer"}},
    "Bearer bob": {"principalId": "bob", "effect": "Deny"},
    "Bearer carol": {"principalId": "carol", "effect": "Allow",
                     "resource": ["arn:aws:execute-api:*:*:*/*/GET/*"]},
    "Bearer dave": {"principalId": "dave", "resource": "$methodArn"}
  },
  "RequestAuth": {
    "acme,erin": {"principalId": "erin", "context": {"role": "admin"}}
  }
}"#;

struct Clocked {
    gw: Gateway,
    now: Arc<Mutex<SystemTime>>,
}

async fn gateway() -> Clocked {
    let api =
        apidef::Api::from_str_with(&document(), "albums-authorizers.json", &Default::default())
            .expect("loads");
    let now = Arc::new(Mutex::new(
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_223_600),
    ));
    let clock = now.clone();
    let gw = Gateway::builder(api, Arc::new(dynamo::Embedded::new()))
        .clock(Arc::new(move || *clock.lock().unwrap()))
        .lambda_policies(Policies::parse(POLICIES).expect("policies"))
        .build()
        .expect("builds");
    gw.create_tables().await.expect("tables");
    Clocked { gw, now }
}

fn put(token: Option<&str>, album: &str) -> Request {
    let r = Request::new("POST", "/album").json(&json!({"artist": "Authorized", "album": album}));
    match token {
        Some(t) => r.header("Authorization", t),
        None => r,
    }
}

fn assert_refused(r: &gateway::Response, status: u16, body: Value, error_type: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.json(), Some(body));
    assert_eq!(r.header("x-amzn-ErrorType"), Some(error_type));
}

#[tokio::test]
async fn token_authorizer_allows_denies_and_validates() {
    let c = gateway().await;
    let gw = &c.gw;
    assert_eq!(gw.handle(put(Some("Bearer alice"), "a")).await.status, 204);
    // Missing, not matching the validation expression, unknown: 401.
    let unauthorized = json!({"message": "Unauthorized", "type": "UNAUTHORIZED"});
    for token in [None, Some("alice"), Some("Bearer nobody")] {
        let r = gw.handle(put(token, "x")).await;
        assert_refused(&r, 401, unauthorized.clone(), "UnauthorizedException");
    }
    // An explicit Deny: 403 with AWS's capitalised `Message` (the albums customise DEFAULT_4XX,
    // and ACCESS_DENIED inherits it).
    let r = gw.handle(put(Some("Bearer bob"), "x")).await;
    assert_refused(
        &r,
        403,
        json!({"message": "User is not authorized to access this resource with an explicit deny", "type": "ACCESS_DENIED"}),
        "AccessDeniedException",
    );
    // Allowed for GET only.
    let r = gw.handle(put(Some("Bearer carol"), "x")).await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(
        r.json().unwrap()["message"],
        "User is not authorized to access this resource"
    );
    let r = gw
        .handle(Request::new("GET", "/Authorized/a").header("Authorization", "Bearer carol"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    // Nothing refused was written.
    let r = gw
        .handle(Request::new("GET", "/Authorized/x").header("Authorization", "Bearer alice"))
        .await;
    assert_eq!(r.status, 404, "{}", r.text());
}

#[tokio::test]
async fn a_cached_method_arn_policy_denies_the_next_method_until_the_ttl_ends() {
    let c = gateway().await;
    // Dave's policy is the ARN of the request that called the authorizer: POST /album.
    assert_eq!(c.gw.handle(put(Some("Bearer dave"), "d")).await.status, 204);
    let get = || Request::new("GET", "/Authorized/d").header("Authorization", "Bearer dave");
    let r = c.gw.handle(get()).await;
    assert_eq!(r.status, 403, "{}", r.text());
    // After the 300 s TTL the authorizer runs again, for the GET.
    *c.now.lock().unwrap() += Duration::from_secs(301);
    assert_eq!(c.gw.handle(get()).await.status, 200);
}

#[tokio::test]
async fn request_authorizer_reads_every_identity_source_and_fills_the_context() {
    let c = gateway().await;
    let r =
        c.gw.handle(Request::new("GET", "/whoami?user=erin").header("X-Tenant", "acme"))
            .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        Some(json!({"principal": "erin", "role": "admin"}))
    );
    // One source missing: 401 without a call.
    let r = c.gw.handle(Request::new("GET", "/whoami?user=erin")).await;
    assert_eq!(r.status, 401, "{}", r.text());
    let r =
        c.gw.handle(Request::new("GET", "/whoami?user=mallory").header("X-Tenant", "acme"))
            .await;
    assert_eq!(r.status, 401, "{}", r.text());
}

#[tokio::test]
async fn without_a_customisation_access_denied_says_message_capitalised() {
    let mut doc: Value = serde_json::from_str(&document()).unwrap();
    doc.as_object_mut()
        .unwrap()
        .remove("x-amazon-apigateway-gateway-responses");
    let api =
        apidef::Api::from_str_with(&doc.to_string(), "plain.json", &Default::default()).unwrap();
    let gw = Gateway::builder(api, Arc::new(dynamo::Embedded::new()))
        .lambda_policies(Policies::parse(POLICIES).unwrap())
        .build()
        .unwrap();
    let r = gw.handle(put(Some("Bearer bob"), "x")).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.text(),
        r#"{"Message":"User is not authorized to access this resource with an explicit deny"}"#
    );
}

/// The albums with `x-amazon-apigateway-api-key-source: AUTHORIZER`: GET /keyed-whoami requires
/// the TOKEN authorizer and an API key, which comes from the authorizer's `usageIdentifierKey`.
fn authorizer_key_source_gateway() -> Gateway {
    let mut doc: Value = serde_json::from_str(&document()).unwrap();
    doc["x-amazon-apigateway-api-key-source"] = json!("AUTHORIZER");
    doc["components"]["securitySchemes"]["api_key"] =
        json!({"type": "apiKey", "name": "x-api-key", "in": "header"});
    doc["x-usage-plans"] = json!({"basic": {"throttle": {"rateLimit": 1, "burstLimit": 2}}});
    doc["paths"]["/keyed-whoami"] = json!({"get": {
        "security": [{"TokenAuth": [], "api_key": []}],
        "responses": {"200": {"description": "who"}},
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
            "responses": {"default": {"statusCode": "200", "responseTemplates": {
                "application/json": "{\"apiKey\":\"$context.identity.apiKey\",\"principal\":\"$context.authorizer.principalId\"}"
            }}}
        }
    }});
    let api = apidef::Api::from_str_with(
        &doc.to_string(),
        "authorizer-keys.json",
        &Default::default(),
    )
    .expect("loads");
    assert_eq!(api.api_key_source, Some(apidef::ApiKeySource::Authorizer));
    let policies = r#"{"TokenAuth": {
        "Bearer keyed": {"principalId": "kim", "usageIdentifierKey": "authorizer-given-key"},
        "Bearer unknown-key": {"principalId": "uma", "usageIdentifierKey": "no-such-key"},
        "Bearer keyless": {"principalId": "lee"}
    }}"#;
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_223_600);
    Gateway::builder(api, Arc::new(dynamo::Embedded::new()))
        .clock(Arc::new(move || now))
        .lambda_policies(Policies::parse(policies).expect("policies"))
        .api_key(gateway::api_keys::ApiKey::parse("authorizer-given-key:basic").unwrap())
        .api_key(gateway::api_keys::ApiKey::parse("header-key:basic").unwrap())
        .build()
        .expect("builds")
}

#[tokio::test]
async fn with_the_authorizer_key_source_the_key_is_the_authorizers_usage_identifier_key() {
    let gw = authorizer_key_source_gateway();
    let who = |token: &str, header: Option<&str>| {
        let r = Request::new("GET", "/keyed-whoami").header("Authorization", token);
        match header {
            Some(h) => r.header("x-api-key", h),
            None => r,
        }
    };
    // No x-api-key header: the authorizer's key is the request's.
    let r = gw.handle(who("Bearer keyed", None)).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        Some(json!({"apiKey": "authorizer-given-key", "principal": "kim"}))
    );
    // The key's plan meters it (burst 2): the second is admitted, the third throttled, and a
    // header naming another valid key changes nothing.
    assert_eq!(
        gw.handle(who("Bearer keyed", Some("header-key")))
            .await
            .status,
        200
    );
    let r = gw.handle(who("Bearer keyed", None)).await;
    assert_refused(
        &r,
        429,
        json!({"message": "Too Many Requests", "type": "THROTTLED"}),
        "TooManyRequestsException",
    );
    // An authorizer that returns no key, or one no plan knows: 403 Forbidden, even with a
    // valid key in the header (it is not read).
    let forbidden = json!({"message": "Forbidden", "type": "INVALID_API_KEY"});
    for (token, header) in [
        ("Bearer keyless", Some("header-key")),
        ("Bearer keyless", None),
        ("Bearer unknown-key", None),
    ] {
        let r = gw.handle(who(token, header)).await;
        assert_refused(&r, 403, forbidden.clone(), "ForbiddenException");
    }
    // The authorizer still comes first: an unknown token is 401, not 403.
    let r = gw.handle(who("Bearer nobody", Some("header-key"))).await;
    assert_eq!(r.status, 401, "{}", r.text());
}

#[test]
fn a_usage_identifier_key_must_be_a_string() {
    let e = Policies::parse(r#"{"Auth": {"tok": {"usageIdentifierKey": 7}}}"#)
        .err()
        .unwrap();
    assert!(
        e.contains("Auth.tok") && e.contains("usageIdentifierKey"),
        "{e}"
    );
}
