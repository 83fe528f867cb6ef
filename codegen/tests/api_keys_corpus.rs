//! API keys on a template someone else wrote: aws-samples' `apigw-rest-api-dynamodb-gsi`
//! (corpus/sp-apigw-rest-api-dynamodb-gsi, MIT-0) declares `ApiKeyRequired: true` on both methods
//! and an `AWS::ApiGateway::UsagePlan` (500 requests per second, burst 1000, 10,000 a month).
//! Imported, the plan is `x-usage-plans.ApiUsagePlan`; served with a key of that plan, the
//! methods answer as deployed: 403 `{"message":"Forbidden"}` without the key, the integration
//! with it.

use std::sync::Arc;

use gateway::api_keys::ApiKey;
use gateway::{Gateway, Request};
use serde_json::json;

fn imported() -> apidef::Api {
    let path = format!(
        "{}/../corpus/sp-apigw-rest-api-dynamodb-gsi/template.yml",
        env!("CARGO_MANIFEST_DIR")
    );
    let imported = import::import_file(
        std::path::Path::new(&path),
        &import::ImportOptions::default(),
    )
    .expect("the template imports");
    apidef::Api::from_str_with(&imported.yaml, "imported.yaml", &Default::default())
        .expect("the imported document loads")
}

#[test]
fn the_usage_plan_and_the_key_requirement_are_imported() {
    let api = imported();
    let plan = api.usage_plans.get("ApiUsagePlan").expect("the plan");
    let throttle = plan.throttle.expect("its throttle");
    assert_eq!((throttle.rate_limit, throttle.burst_limit), (500.0, 1000));
    let quota = plan.quota.expect("its quota");
    assert_eq!(
        (quota.limit, quota.period),
        (10_000, apidef::QuotaPeriod::Month)
    );
    let keyed: Vec<String> = api
        .operations
        .iter()
        .filter(|o| o.api_key_required)
        .map(|o| o.label())
        .collect();
    assert_eq!(keyed, ["POST /music", "GET /music/{artist}"]);
}

#[tokio::test]
async fn without_the_key_403_with_it_the_integration() {
    let gw = Gateway::builder(imported(), Arc::new(dynamo::Embedded::new()))
        .api_key(ApiKey::parse("local-key-0123456789:ApiUsagePlan").expect("key"))
        .build()
        .expect("gateway builds");
    gw.create_tables().await.expect("tables");
    let song = json!({"artist": "The Beatles", "album": "Abbey Road"});
    let r = gw.handle(Request::new("POST", "/music").json(&song)).await;
    assert_eq!(r.status, 403, "{}", r.text());
    // The template customises no gateway response: AWS's default body, byte for byte.
    assert_eq!(r.text(), r#"{"message":"Forbidden"}"#);
    assert_eq!(r.header("x-amzn-ErrorType"), Some("ForbiddenException"));
    let r = gw
        .handle(Request::new("GET", "/music/The%20Beatles").header("x-api-key", "wrong"))
        .await;
    assert_eq!(r.status, 403, "{}", r.text());

    let r = gw
        .handle(
            Request::new("POST", "/music")
                .header("x-api-key", "local-key-0123456789")
                .json(&song),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = gw
        .handle(
            Request::new("GET", "/music/The%20Beatles").header("x-api-key", "local-key-0123456789"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("Abbey Road"), "{}", r.text());
}
