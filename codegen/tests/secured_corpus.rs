//! Authorization on stacks someone else wrote, imported and served:
//! - API keys: aws-samples' `apigw-rest-api-dynamodb-gsi` (corpus/sp-apigw-rest-api-dynamodb-gsi,
//!   MIT-0) declares `ApiKeyRequired: true` on both methods and an `AWS::ApiGateway::UsagePlan`
//!   (500 requests per second, burst 1000, 10,000 a month). Imported, the plan is
//!   `x-usage-plans.ApiUsagePlan`; served with a key of that plan, the methods answer as
//!   deployed: 403 `{"message":"Forbidden"}` without the key, the integration with it.
//! - `AWS_IAM`: AWS Solutions Constructs' `aws-apigateway-dynamodb` CRUD integration test
//!   (corpus/solutions-constructs-cdk-crud, Apache-2.0), whose four methods are
//!   `AuthorizationType: AWS_IAM`: an unsigned request gets API Gateway's 403, a request signed
//!   with a known credential reaches DynamoDB, one signed with the wrong secret is refused before
//!   any write.

use std::sync::Arc;
use std::time::SystemTime;

use gateway::api_keys::ApiKey;
use gateway::iam::{IamCredential, sign};
use gateway::{Gateway, Request};
use serde_json::json;

/// A corpus template, imported and loaded.
fn imported(path: &str) -> apidef::Api {
    let path = format!("{}/../corpus/{path}", env!("CARGO_MANIFEST_DIR"));
    let imported = import::import_file(
        std::path::Path::new(&path),
        &import::ImportOptions::default(),
    )
    .expect("the template imports");
    apidef::Api::from_str_with(&imported.yaml, "imported.yaml", &Default::default())
        .expect("the imported document loads")
}

const GSI: &str = "sp-apigw-rest-api-dynamodb-gsi/template.yml";
const CRUD: &str = "solutions-constructs-cdk-crud/apiddb-apigateway-dynamodb-CRUD.template.json";

#[test]
fn the_usage_plan_and_the_key_requirement_are_imported() {
    let api = imported(GSI);
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
    let gw = Gateway::builder(imported(GSI), Arc::new(dynamo::Embedded::new()))
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

fn signed(mut req: Request, secret: &str) -> Request {
    let cred = IamCredential::parse(&format!("AKIDLOCAL:{secret}")).unwrap();
    sign(&mut req, &cred, "localhost", "us-east-1", SystemTime::now());
    req
}

#[tokio::test]
async fn unsigned_403_signed_through_to_dynamodb_wrong_secret_refused() {
    let api = imported(CRUD);
    assert!(
        api.operations
            .iter()
            .all(|o| o.authorization == apidef::Authorization::AwsIam),
        "every method of the stack is AWS_IAM"
    );
    let gw = Gateway::builder(api, Arc::new(dynamo::Embedded::new()))
        .iam_credential(IamCredential::parse("AKIDLOCAL:local-secret").unwrap())
        .build()
        .expect("gateway builds");
    gw.create_tables().await.expect("tables");

    let r = gw.handle(Request::new("GET", "/item-1")).await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.text(), r#"{"message":"Missing Authentication Token"}"#);

    let change = json!({"id": "item-1", "EventCount": 2, "Message": "hello"});
    let r = gw
        .handle(signed(
            Request::new("PUT", "/item-1").json(&change),
            "wrong-secret",
        ))
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(
        r.header("x-amzn-ErrorType"),
        Some("InvalidSignatureException")
    );
    let r = gw
        .handle(signed(Request::new("GET", "/item-1"), "local-secret"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        !r.text().contains("hello"),
        "the refused write was made: {}",
        r.text()
    );

    let r = gw
        .handle(signed(
            Request::new("PUT", "/item-1").json(&change),
            "local-secret",
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = gw
        .handle(signed(Request::new("GET", "/item-1"), "local-secret"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("hello"), "{}", r.text());
}
