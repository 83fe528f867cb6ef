//! Stage, method, usage-plan and account throttles (DG "Throttle requests to your REST APIs"), in
//! process with a clock the test moves: a small document of mock methods whose `x-deploy-stage`
//! and `x-usage-plans` set the limits. Every 429 is API Gateway's THROTTLED gateway response:
//! `{"message":"Too Many Requests"}` with `x-amzn-ErrorType: TooManyRequestsException`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use apidef::ThrottleSettings;
use gateway::api_keys::ApiKey;
use gateway::{Gateway, Request, Response};
use serde_json::{Value, json};

struct Clocked {
    gw: Gateway,
    now: Arc<Mutex<SystemTime>>,
}

impl Clocked {
    fn advance(&self, d: Duration) {
        *self.now.lock().unwrap() += d;
    }

    async fn get(&self, path: &str, key: Option<&str>) -> Response {
        let r = Request::new("GET", path);
        let r = match key {
            Some(k) => r.header("x-api-key", k),
            None => r,
        };
        self.gw.handle(r).await
    }

    /// How many of `n` requests at this instant are admitted (200); every other one must be
    /// AWS's THROTTLED answer.
    async fn admitted(&self, path: &str, key: Option<&str>, n: usize) -> usize {
        let mut ok = 0;
        for _ in 0..n {
            let r = self.get(path, key).await;
            if r.status == 200 {
                ok += 1;
            } else {
                assert_throttled(&r);
            }
        }
        ok
    }
}

fn mock(secured: bool) -> Value {
    let mut op = json!({
        "responses": {"200": {"description": "ok"}},
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
            "responses": {"default": {"statusCode": "200",
                "responseTemplates": {"application/json": "{\"ok\": true}"}}}
        }
    });
    if secured {
        op["security"] = json!([{"api_key": []}]);
    }
    op
}

/// Mock methods GET /ping, GET /pong, GET /keyed (API key required) and GET /items/{id}, with
/// `stage` as `x-deploy-stage` (named prod) and `plans` as `x-usage-plans`.
fn document(stage: Value, plans: Value) -> String {
    let mut stage = stage;
    stage["name"] = json!("prod");
    json!({
        "openapi": "3.0.1",
        "info": {"title": "throttled", "version": "1"},
        "paths": {
            "/ping": {"get": mock(false)},
            "/pong": {"get": mock(false)},
            "/keyed": {"get": mock(true)},
            "/items/{id}": {"get": {
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": mock(false)["x-amazon-apigateway-integration"].clone()
            }}
        },
        "components": {"securitySchemes": {
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}
        }},
        "x-deploy-stage": stage,
        "x-usage-plans": plans
    })
    .to_string()
}

fn gateway_with(
    stage: Value,
    plans: Value,
    keys: &[&str],
    account: Option<ThrottleSettings>,
) -> Clocked {
    let api = apidef::Api::from_str_with(
        &document(stage, plans),
        "throttled.json",
        &Default::default(),
    )
    .expect("the document loads");
    let now = Arc::new(Mutex::new(
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_223_600),
    ));
    let clock = now.clone();
    let mut b = Gateway::builder(api, Arc::new(dynamo::Embedded::new()))
        .clock(Arc::new(move || *clock.lock().unwrap()));
    if let Some(a) = account {
        b = b.account_throttle(Some(a));
    }
    for k in keys {
        b = b.api_key(ApiKey::parse(k).expect("key"));
    }
    Clocked {
        gw: b.build().expect("gateway builds"),
        now,
    }
}

fn gateway(stage: Value) -> Clocked {
    gateway_with(stage, json!({}), &[], None)
}

fn assert_throttled(r: &Response) {
    assert_eq!(r.status, 429, "{}", r.text());
    assert_eq!(r.json(), Some(json!({"message": "Too Many Requests"})));
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("TooManyRequestsException")
    );
}

#[tokio::test]
async fn the_stage_limit_admits_its_burst_then_429_then_refills_with_the_clock() {
    let c = gateway(json!({"throttling": {"rateLimit": 5, "burstLimit": 5}}));
    for n in 0..5 {
        let r = c.get("/ping", None).await;
        assert_eq!(r.status, 200, "request {n}: {}", r.text());
    }
    let r = c.get("/ping", None).await;
    assert_throttled(&r);
    // 5 per second: 200 ms gives back exactly one request.
    c.advance(Duration::from_millis(200));
    assert_eq!(c.admitted("/ping", None, 3).await, 1);
    // A second later the bucket is full again: the burst, and no more.
    c.advance(Duration::from_secs(1));
    assert_eq!(c.admitted("/ping", None, 8).await, 5);
    // A long pause refills no more than the burst.
    c.advance(Duration::from_secs(3600));
    assert_eq!(c.admitted("/ping", None, 8).await, 5);
}

#[tokio::test]
async fn a_method_override_replaces_the_stage_limit_for_that_method_only() {
    let c = gateway(json!({
        "throttling": {"rateLimit": 5, "burstLimit": 5},
        "methodSettings": {
            "/ping/GET": {"throttling": {"rateLimit": 1, "burstLimit": 2}},
            "/items/{id}/GET": {"throttling": {"rateLimit": 1, "burstLimit": 1}}
        }
    }));
    assert_eq!(c.admitted("/ping", None, 6).await, 2);
    // The stage's limit applies to each other method, with a bucket of its own.
    assert_eq!(c.admitted("/pong", None, 6).await, 5);
    // A templated resource path: every id draws on the one method's bucket.
    assert_eq!(c.get("/items/a", None).await.status, 200);
    assert_throttled(&c.get("/items/b", None).await);
    // The override's own rate: one a second.
    c.advance(Duration::from_millis(1000));
    assert_eq!(c.admitted("/ping", None, 3).await, 1);
}

#[tokio::test]
async fn a_stage_limit_stricter_than_the_plan_wins_and_the_plan_counts_only_admitted_requests() {
    let c = gateway_with(
        json!({"throttling": {"rateLimit": 2, "burstLimit": 2}}),
        json!({"basic": {
            "throttle": {"rateLimit": 100, "burstLimit": 100},
            "quota": {"limit": 3, "period": "DAY"}
        }}),
        &["client-key:basic"],
        None,
    );
    // The plan would take 100; the stage takes 2.
    assert_eq!(c.admitted("/keyed", Some("client-key"), 5).await, 2);
    // The 3 throttled requests used none of the quota: one more is admitted after a refill,
    // and then the quota (3 a day) is spent.
    c.advance(Duration::from_secs(1));
    assert_eq!(c.get("/keyed", Some("client-key")).await.status, 200);
    let r = c.get("/keyed", Some("client-key")).await;
    assert_eq!(r.status, 429, "{}", r.text());
    assert_eq!(r.json(), Some(json!({"message": "Limit Exceeded"})));
    assert_eq!(r.header("x-amzn-ErrorType"), Some("LimitExceededException"));
    // A missing key is still a 403, before any throttle.
    assert_eq!(c.get("/keyed", None).await.status, 403);
}

#[tokio::test]
async fn a_plans_method_throttle_meters_each_key_for_that_method() {
    let c = gateway_with(
        json!({}),
        json!({"basic": {
            "throttle": {"rateLimit": 10, "burstLimit": 10},
            "methodThrottle": {"/keyed/GET": {"rateLimit": 1, "burstLimit": 2}}
        }}),
        &["key-a:basic", "key-b:basic"],
        None,
    );
    assert_eq!(c.admitted("/keyed", Some("key-a"), 4).await, 2);
    // Per key: another client of the same plan has its own bucket.
    assert_eq!(c.admitted("/keyed", Some("key-b"), 4).await, 2);
}

#[tokio::test]
async fn the_account_limit_covers_every_method_and_is_on_by_default() {
    let c = gateway_with(
        json!({}),
        json!({}),
        &[],
        Some(ThrottleSettings {
            rate_limit: 1.0,
            burst_limit: 3,
        }),
    );
    assert_eq!(c.admitted("/ping", None, 2).await, 2);
    assert_eq!(c.admitted("/pong", None, 2).await, 1);
    // AWS's default (10,000 per second, burst 5,000) is there without being asked for.
    let d = gateway(json!({}));
    assert_eq!(d.admitted("/ping", None, 5_001).await, 5_000);
}

#[test]
fn a_method_key_that_names_no_method_is_refused_with_its_location() {
    let text = document(
        json!({"methodSettings": {"/nope/GET": {"throttling": {"rateLimit": 1, "burstLimit": 1}}}}),
        json!({}),
    );
    let err = apidef::Api::from_str_with(&text, "throttled.json", &Default::default())
        .expect_err("refused");
    let all: Vec<String> = err.all().map(|e| format!("{e} {e:?}")).collect();
    let all = all.join("\n");
    assert!(all.contains("/nope/GET"), "{all}");
    assert!(all.contains("methodSettings"), "{all}");
    let text = document(
        json!({"throttling": {"rateLimit": -1, "burstLimit": 1}}),
        json!({}),
    );
    assert!(apidef::Api::from_str_with(&text, "throttled.json", &Default::default()).is_err());
}
