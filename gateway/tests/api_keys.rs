//! API keys and usage plans, in process with a clock the test moves: the albums document with
//! `security: [{api_key: []}]` on POST /album and a usage plan of 5 requests per second, burst 5,
//! quota 8 a day. (A third party's template with `ApiKeyRequired` and an
//! `AWS::ApiGateway::UsagePlan` is served in codegen/tests/secured_corpus.rs.)

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use gateway::api_keys::ApiKey;
use gateway::{Gateway, Request};
use serde_json::{Value, json};

/// 2026-12-02 23:59:58 UTC: the daily quota period ends two seconds in.
const START: u64 = 1_796_255_998;

struct Clocked {
    gw: Gateway,
    now: Arc<Mutex<SystemTime>>,
}

impl Clocked {
    fn advance(&self, d: Duration) {
        *self.now.lock().unwrap() += d;
    }
}

fn document() -> String {
    let path = format!("{}/../openapi.yaml", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("openapi.yaml");
    let mut doc = apidef::source::parse(&text, &path).expect("openapi.yaml parses");
    doc["paths"]["/album"]["post"]["security"] = json!([{"api_key": []}]);
    doc["components"]["securitySchemes"] =
        json!({"api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}});
    doc["x-usage-plans"] = json!({
        "basic": {
            "throttle": {"rateLimit": 5, "burstLimit": 5},
            "quota": {"limit": 8, "period": "DAY"}
        }
    });
    // A method that shows what $context.identity holds (a mock: no DynamoDB call).
    doc["paths"]["/whoami"] = json!({"get": {
        "security": [{"api_key": []}],
        "responses": {"200": {"description": "who"}},
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
            "responses": {"default": {"statusCode": "200", "responseTemplates": {
                "application/json": "{\"apiKey\":\"$context.identity.apiKey\",\"apiKeyId\":\"$context.identity.apiKeyId\"}"
            }}}
        }
    }});
    doc.to_string()
}

async fn gateway(keys: &[&str]) -> Clocked {
    let api = apidef::Api::from_str_with(&document(), "albums-with-keys.json", &Default::default())
        .expect("the document loads");
    assert!(
        api.operation("putAlbum")
            .is_some_and(|o| o.api_key_required)
    );
    let now = Arc::new(Mutex::new(
        SystemTime::UNIX_EPOCH + Duration::from_secs(START),
    ));
    let clock = now.clone();
    let mut b = Gateway::builder(api, Arc::new(dynamo::Embedded::new()))
        .clock(Arc::new(move || *clock.lock().unwrap()));
    for k in keys {
        b = b.api_key(ApiKey::parse(k).expect("key"));
    }
    let gw = b.build().expect("gateway builds");
    gw.create_tables().await.expect("tables");
    Clocked { gw, now }
}

fn put(n: u32, key: Option<&str>) -> Request {
    let r =
        Request::new("POST", "/album").json(&json!({"artist": "Keyed", "album": format!("n{n}")}));
    match key {
        Some(k) => r.header("x-api-key", k),
        None => r,
    }
}

fn assert_refused(r: &gateway::Response, status: u16, message: &str, kind: &str, error_type: &str) {
    assert_eq!(r.status, status, "{}", r.text());
    // The albums customise DEFAULT_4XX with the response type.
    assert_eq!(r.json(), Some(json!({"message": message, "type": kind})));
    assert_eq!(r.header("x-amzn-ErrorType"), Some(error_type));
}

#[tokio::test]
async fn a_key_is_required_where_the_document_says_and_only_there() {
    let c = gateway(&["secret-key-1:basic"]).await;
    let r = c.gw.handle(put(0, None)).await;
    assert_refused(
        &r,
        403,
        "Forbidden",
        "INVALID_API_KEY",
        "ForbiddenException",
    );
    let r = c.gw.handle(put(0, Some("not-a-key"))).await;
    assert_refused(
        &r,
        403,
        "Forbidden",
        "INVALID_API_KEY",
        "ForbiddenException",
    );
    // The refused writes were never made.
    let r = c.gw.handle(Request::new("GET", "/Keyed/n0")).await;
    assert_eq!(r.status, 404, "{}", r.text());
    // With the key it is stored; the reads, which require none, work without one.
    assert_eq!(c.gw.handle(put(0, Some("secret-key-1"))).await.status, 204);
    let r = c.gw.handle(Request::new("GET", "/Keyed/n0")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    // $context.identity carries the key and its id.
    let r =
        c.gw.handle(Request::new("GET", "/whoami").header("x-api-key", "secret-key-1"))
            .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let who: Value = r.json().expect("JSON");
    assert_eq!(who["apiKey"], "secret-key-1");
    let id = who["apiKeyId"].as_str().expect("an id");
    assert_eq!(id.len(), 10);
    assert!(
        id.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        "{id}"
    );
}

#[tokio::test]
async fn the_plan_throttles_past_the_burst_and_its_quota_resets_on_schedule() {
    let c = gateway(&["metered:basic", "unmetered"]).await;
    // Burst 5 at one instant, then 429 THROTTLED.
    for n in 0..5 {
        let r = c.gw.handle(put(n, Some("metered"))).await;
        assert_eq!(r.status, 204, "request {n}: {}", r.text());
    }
    let r = c.gw.handle(put(5, Some("metered"))).await;
    assert_refused(
        &r,
        429,
        "Too Many Requests",
        "THROTTLED",
        "TooManyRequestsException",
    );
    // 5 per second: 200 ms gives one request back.
    c.advance(Duration::from_millis(200));
    assert_eq!(c.gw.handle(put(6, Some("metered"))).await.status, 204);
    let r = c.gw.handle(put(7, Some("metered"))).await;
    assert_eq!(r.status, 429);
    // A second later the bucket is full again, but the quota (8 a day) has 2 left.
    c.advance(Duration::from_secs(1));
    assert_eq!(c.gw.handle(put(8, Some("metered"))).await.status, 204);
    assert_eq!(c.gw.handle(put(9, Some("metered"))).await.status, 204);
    let r = c.gw.handle(put(10, Some("metered"))).await;
    assert_refused(
        &r,
        429,
        "Limit Exceeded",
        "QUOTA_EXCEEDED",
        "LimitExceededException",
    );
    // A key without a plan is not metered meanwhile.
    for n in 100..120 {
        assert_eq!(c.gw.handle(put(n, Some("unmetered"))).await.status, 204);
    }
    // The day ends (UTC): a new quota period.
    c.advance(Duration::from_millis(900));
    assert_eq!(c.gw.handle(put(11, Some("metered"))).await.status, 204);
    // Exactly the admitted writes are stored: 8 yesterday, 1 today.
    let stored: Vec<bool> = futures_stored(&c.gw, 0..12).await;
    assert_eq!(
        stored,
        [
            true, true, true, true, true, false, true, false, true, true, false, true
        ]
    );
}

async fn futures_stored(gw: &Gateway, range: std::ops::Range<u32>) -> Vec<bool> {
    let mut out = Vec::new();
    for n in range {
        let r = gw.handle(Request::new("GET", format!("/Keyed/n{n}"))).await;
        out.push(r.status == 200);
    }
    out
}

#[tokio::test]
async fn a_key_naming_an_unknown_plan_is_refused_at_build_naming_the_plans() {
    let api = apidef::Api::from_str_with(&document(), "albums-with-keys.json", &Default::default())
        .expect("the document loads");
    let err = Gateway::builder(api, Arc::new(dynamo::Embedded::new()))
        .api_key(ApiKey::parse("k:gold").unwrap())
        .build()
        .expect_err("an unknown plan");
    let msg = err.to_string();
    assert!(msg.contains("\"gold\"") && msg.contains("basic"), "{msg}");
}

#[test]
fn a_broken_usage_plan_is_an_error_naming_where() {
    let mut doc: Value = serde_json::from_str(&document()).unwrap();
    doc["x-usage-plans"]["basic"]["quota"]["offset"] = json!(3);
    let err = apidef::Api::from_str_with(&doc.to_string(), "plans.json", &Default::default())
        .expect_err("DAY takes no offset");
    let msg = err.to_string();
    assert!(
        msg.contains("/x-usage-plans/basic/quota") && msg.contains("offset 3"),
        "{msg}"
    );
    doc["x-usage-plans"]["basic"]["quota"] = json!({"limit": 1, "period": "YEAR"});
    let err = apidef::Api::from_str_with(&doc.to_string(), "plans.json", &Default::default())
        .expect_err("no such period");
    assert!(err.to_string().contains("x-usage-plans"), "{err}");
}
