//! `AWS_IAM` on a stack someone else wrote: AWS Solutions Constructs' `aws-apigateway-dynamodb`
//! CRUD integration test (corpus/solutions-constructs-cdk-crud, Apache-2.0), whose four methods
//! are `AuthorizationType: AWS_IAM`. Imported and served, an unsigned request gets API Gateway's
//! 403, a request signed with a known credential reaches DynamoDB, and one signed with the wrong
//! secret is refused before any write.

use std::sync::Arc;
use std::time::SystemTime;

use gateway::iam::{IamCredential, sign};
use gateway::{Gateway, Request};
use serde_json::json;

fn imported() -> apidef::Api {
    let path = format!(
        "{}/../corpus/solutions-constructs-cdk-crud/apiddb-apigateway-dynamodb-CRUD.template.json",
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

fn signed(mut req: Request, secret: &str) -> Request {
    let cred = IamCredential::parse(&format!("AKIDLOCAL:{secret}")).unwrap();
    sign(&mut req, &cred, "localhost", "us-east-1", SystemTime::now());
    req
}

#[tokio::test]
async fn unsigned_403_signed_through_to_dynamodb_wrong_secret_refused() {
    let api = imported();
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
