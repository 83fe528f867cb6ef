//! Resource policies (`x-amazon-apigateway-policy`) as API Gateway combines them with each kind
//! of authorization (DG "How API Gateway resource policies affect authorization workflow"): an
//! IP allow list and a VPC endpoint deny on open methods, `AWS_IAM` callers of this account and
//! of another with and without identity policies (tables A and B), a Lambda authorizer whose
//! policy is silent, a Cognito authorizer, each with the status and the IAM message API Gateway
//! answers; and a third party's SAM template (corpus/divmora-url-shortener-sigv4, Apache-2.0)
//! whose `Auth.ResourcePolicy.CustomStatements` deny its `/api/*` methods outside an AWS
//! Organization, imported as a user imports it.

mod common;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use gateway::iam::{IamCredential, IamPolicies};
use gateway::{Gateway, GatewayBuilder, Request, Response};
use serde_json::{Value, json};

use common::sigv4::signed;

/// 2026-12-02 15:00:00 UTC.
fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_223_600)
}

fn mock(body: &str) -> Value {
    json!({
        "type": "mock",
        "requestTemplates": {"application/json": "{\"statusCode\": 200}"},
        "responses": {"default": {"statusCode": "200", "responseTemplates": {
            "application/json": body
        }}}
    })
}

/// Four mock methods, one per kind of authorization, under the policy given.
fn api(policy: Value) -> apidef::Api {
    let doc = json!({
        "openapi": "3.0.1",
        "info": {"title": "policies", "version": "1"},
        "x-deploy-stage": {"name": "prod"},
        "x-amazon-apigateway-policy": policy,
        "components": {"securitySchemes": {
            "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header",
                      "x-amazon-apigateway-authtype": "awsSigv4"},
            "tok": {"type": "apiKey", "name": "Authorization", "in": "header",
                    "x-amazon-apigateway-authtype": "custom",
                    "x-amazon-apigateway-authorizer": {
                        "type": "token",
                        "authorizerUri": "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:auth/invocations",
                        "authorizerResultTtlInSeconds": 0
                    }},
            "pool": {"type": "apiKey", "name": "Authorization", "in": "header",
                     "x-amazon-apigateway-authtype": "cognito_user_pools",
                     "x-amazon-apigateway-authorizer": {
                        "type": "cognito_user_pools",
                        "providerARNs": ["arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_local"]
                     }}
        }},
        "paths": {
            "/open": {"get": {"responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": mock("{\"open\":true}")}},
            "/signed": {"get": {"security": [{"sigv4": []}],
                "responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": mock("{\"caller\":\"$context.identity.userArn\"}")}},
            "/lambda": {"get": {"security": [{"tok": []}],
                "responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": mock("{\"principal\":\"$context.authorizer.principalId\"}")}},
            "/pool": {"get": {"security": [{"pool": []}],
                "responses": {"200": {"description": "ok"}},
                "x-amazon-apigateway-integration": mock("{\"sub\":\"$context.authorizer.claims.sub\"}")}}
        }
    });
    apidef::Api::from_str_with(&doc.to_string(), "policies.json", &Default::default())
        .expect("the document loads")
}

fn builder(api: apidef::Api) -> GatewayBuilder {
    Gateway::builder(api, Arc::new(dynamo::Embedded::new()))
        .clock(Arc::new(now))
        // This account's (the gateway's, 123456789012) and another's.
        .iam_credential(
            IamCredential::parse("AKIDALICE:alice-secret:arn:aws:iam::123456789012:user/alice")
                .unwrap(),
        )
        .iam_credential(
            IamCredential::parse("AKIDOTHER:other-secret:arn:aws:iam::444455556666:user/mallory")
                .unwrap(),
        )
}

fn from(ip: &str, r: Request) -> Request {
    let mut r = r;
    r.source_ip = ip.to_string();
    r
}

/// The masked ARN API Gateway prints for GET `path` of stage prod of this API.
fn arn(path: &str) -> String {
    format!("arn:aws:execute-api:us-east-1:********9012:local/prod/GET/{path}")
}

fn assert_denied(r: &Response, message: &str) {
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(r.json(), Some(json!({"Message": message})), "{}", r.text());
    assert_eq!(r.header("x-amzn-ErrorType"), Some("AccessDeniedException"));
}

fn statement(effect: &str, resource: &str, condition: Value) -> Value {
    let mut s = json!({"Effect": effect, "Principal": "*", "Action": "execute-api:Invoke",
                       "Resource": resource});
    if !condition.is_null() {
        s["Condition"] = condition;
    }
    s
}

fn policy(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

#[tokio::test]
async fn an_ip_allow_list_admits_its_ranges_and_refuses_the_rest_as_aws_words_it() {
    let p = policy(vec![statement(
        "Allow",
        "execute-api:/*",
        json!({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.7/32"]}}),
    )]);
    let gw = builder(api(p)).build().expect("builds");
    for ip in ["10.1.2.3", "192.0.2.7"] {
        let r = gw.handle(from(ip, Request::new("GET", "/open"))).await;
        assert_eq!(r.status, 200, "{ip}: {}", r.text());
        assert_eq!(r.json(), Some(json!({"open": true})));
    }
    let r = gw
        .handle(from("192.0.2.8", Request::new("GET", "/prod/open")))
        .await;
    assert_denied(
        &r,
        &format!(
            "User: anonymous is not authorized to perform: execute-api:Invoke on resource: {} because no resource-based policy allows the execute-api:Invoke action",
            arn("open")
        ),
    );
}

#[tokio::test]
async fn an_explicit_deny_outside_a_vpc_endpoint_wins_over_the_allow() {
    let p = policy(vec![
        statement("Allow", "execute-api:/*", Value::Null),
        statement(
            "Deny",
            "execute-api:/*",
            json!({"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}),
        ),
    ]);
    // No endpoint in the request: the negated condition holds, the deny applies.
    let gw = builder(api(p.clone())).build().expect("builds");
    let r = gw.handle(Request::new("GET", "/open")).await;
    assert_denied(
        &r,
        &format!(
            "User: anonymous is not authorized to perform: execute-api:Invoke on resource: {} with an explicit deny in a resource-based policy",
            arn("open")
        ),
    );
    // Through the endpoint (`--policy-context aws:SourceVpce=...`): allowed.
    let gw = builder(api(p.clone()))
        .policy_context("aws:SourceVpce", "vpce-1a2b3c4d")
        .build()
        .expect("builds");
    assert_eq!(gw.handle(Request::new("GET", "/open")).await.status, 200);
    // Another endpoint: denied again.
    let gw = builder(api(p))
        .policy_context("aws:SourceVpce", "vpce-ffff")
        .build()
        .expect("builds");
    assert_eq!(gw.handle(Request::new("GET", "/open")).await.status, 403);
}

fn get_signed(path: &str, key: &str, secret: &str) -> Request {
    signed(Request::new("GET", path), key, secret, now())
}

#[tokio::test]
async fn iam_callers_follow_table_a_in_this_account_and_table_b_across_accounts() {
    // The resource policy names only the other account's user, and only for /signed.
    let p = policy(vec![json!({
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::444455556666:user/mallory"},
        "Action": "execute-api:Invoke",
        "Resource": "execute-api:/prod/GET/signed"
    })]);
    let identities = IamPolicies::parse(
        &json!({
            "AKIDALICE": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "execute-api:Invoke",
                "Resource": "arn:aws:execute-api:us-east-1:123456789012:local/*"}]},
            "AKIDOTHER": [{"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "execute-api:*", "Resource": "*"}]}]
        })
        .to_string(),
    )
    .expect("identity policies parse");
    let gw = builder(api(p.clone()))
        .iam_policies(identities)
        .build()
        .expect("builds");
    // Table A: this account's caller, allowed by its identity policy, the resource policy
    // silent.
    let r = gw
        .handle(get_signed("/signed", "AKIDALICE", "alice-secret"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        Some(json!({"caller": "arn:aws:iam::123456789012:user/alice"}))
    );
    // Table B: the other account's caller needs both; both allow.
    let r = gw
        .handle(get_signed("/signed", "AKIDOTHER", "other-secret"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());

    // Without an identity policy for alice: table A, the resource policy silent too.
    let only_other = IamPolicies::parse(
        &json!({"AKIDOTHER": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"}]}})
        .to_string(),
    )
    .unwrap();
    let gw = builder(api(p.clone()))
        .iam_policies(only_other)
        .build()
        .expect("builds");
    let r = gw
        .handle(get_signed("/signed", "AKIDALICE", "alice-secret"))
        .await;
    assert_denied(
        &r,
        &format!(
            "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: execute-api:Invoke on resource: {} because no identity-based policy allows the execute-api:Invoke action",
            arn("signed")
        ),
    );

    // The resource policy silent for the other account's caller: table B refuses although
    // its identity policy allows.
    let gw = builder(api(policy(vec![statement(
        "Allow",
        "execute-api:/prod/GET/open",
        Value::Null,
    )])))
    .build()
    .expect("builds");
    let r = gw
        .handle(get_signed("/signed", "AKIDOTHER", "other-secret"))
        .await;
    assert_denied(
        &r,
        &format!(
            "User: arn:aws:iam::444455556666:user/mallory is not authorized to perform: execute-api:Invoke on resource: {} because no resource-based policy allows the execute-api:Invoke action",
            arn("signed")
        ),
    );
    // This account's caller with no identity policies given (none configured: allowed).
    let r = gw
        .handle(get_signed("/signed", "AKIDALICE", "alice-secret"))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());

    // An explicit deny in an identity policy wins over the resource policy's allow.
    let denying = IamPolicies::parse(
        &json!({"AKIDOTHER": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "execute-api:Invoke", "Resource": "*"},
            {"Effect": "Deny", "Action": "execute-api:Invoke",
             "Resource": "arn:aws:execute-api:*:*:*/*/GET/signed"}]}})
        .to_string(),
    )
    .unwrap();
    let gw = builder(api(p))
        .iam_policies(denying)
        .build()
        .expect("builds");
    let r = gw
        .handle(get_signed("/signed", "AKIDOTHER", "other-secret"))
        .await;
    assert_denied(
        &r,
        &format!(
            "User: arn:aws:iam::444455556666:user/mallory is not authorized to perform: execute-api:Invoke on resource: {} with an explicit deny in an identity-based policy",
            arn("signed")
        ),
    );
}

#[tokio::test]
async fn with_a_lambda_authorizer_a_deny_refuses_before_the_call_and_an_allow_covers_a_silent_policy()
 {
    let p = policy(vec![
        statement("Allow", "execute-api:/*/GET/lambda", Value::Null),
        statement(
            "Deny",
            "execute-api:/*",
            json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
        ),
    ]);
    // carol's policy names only POST methods: silent for GET /lambda.
    let lambda = gateway::lambda_authorizer::Policies::parse(
        r#"{"tok": {"carol": {"principalId": "carol",
                               "resource": "arn:aws:execute-api:*:*:*/*/POST/*"},
                     "dan": {"principalId": "dan", "effect": "Deny"}}}"#,
    )
    .expect("authorizer file parses");
    let gw = builder(api(p))
        .lambda_policies(lambda)
        .build()
        .expect("builds");
    let call = |who: &str, ip: &str| {
        from(
            ip,
            Request::new("GET", "/lambda").header("Authorization", who),
        )
    };
    // Silent function policy, allowing resource policy: table A admits.
    let r = gw.handle(call("carol", "10.0.0.1")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), Some(json!({"principal": "carol"})));
    // The function's explicit deny wins.
    let r = gw.handle(call("dan", "10.0.0.1")).await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.json(),
        Some(
            json!({"Message": "User is not authorized to access this resource with an explicit deny"})
        )
    );
    // The resource policy's explicit deny refuses before the function runs: an identity it
    // does not know (which it would answer 401) gets the 403.
    let r = gw.handle(call("nobody", "203.0.113.9")).await;
    assert_denied(
        &r,
        &format!(
            "User: anonymous is not authorized to perform: execute-api:Invoke on resource: {} with an explicit deny in a resource-based policy",
            arn("lambda")
        ),
    );
    // Outside the denied range the unknown identity is the function's 401.
    assert_eq!(gw.handle(call("nobody", "10.0.0.1")).await.status, 401);
}

#[tokio::test]
async fn a_cognito_method_needs_the_resource_policy_to_allow_it() {
    let path = common::scratch_file("issuer-policy", "p8");
    let issuer = gateway::cognito::LocalIssuer::load_or_create(std::path::Path::new(&path))
        .expect("issuer key");
    let token = issuer.token(
        json!({"sub": "alice", "token_use": "id"})
            .as_object()
            .unwrap()
            .clone(),
        now(),
        3600,
    );
    // A gateway whose resource policy allows GET `allowed`, and a call with alice's token.
    let gateway_allowing = |allowed: &str| {
        let p = policy(vec![statement(
            "Allow",
            &format!("execute-api:/*/GET/{allowed}"),
            Value::Null,
        )]);
        let keys = gateway::cognito::TrustedKeys::default().with_local(&issuer);
        builder(api(p)).cognito_keys(keys).build().expect("builds")
    };
    let with_token = || Request::new("GET", "/pool").header("Authorization", token.as_str());
    let r = gateway_allowing("open").handle(with_token()).await;
    assert_denied(
        &r,
        &format!(
            "User: anonymous is not authorized to perform: execute-api:Invoke on resource: {} because no resource-based policy allows the execute-api:Invoke action",
            arn("pool")
        ),
    );
    let gw = gateway_allowing("*");
    let r = gw.handle(with_token()).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), Some(json!({"sub": "alice"})));
    // An invalid token is still the authorizer's 401, before the policy is read.
    let r = gw
        .handle(Request::new("GET", "/pool").header("Authorization", "not-a-jwt"))
        .await;
    assert_eq!(r.status, 401, "{}", r.text());
}

#[test]
fn a_broken_policy_is_refused_at_start_naming_where() {
    let p = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"},
        {"Effect": "Perhaps", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "*"}
    ]});
    let Err(e) = builder(api(p)).build() else {
        panic!("a policy with Effect Perhaps was accepted")
    };
    let e = e.to_string();
    assert!(
        e.starts_with("/x-amazon-apigateway-policy/Statement/1/Effect"),
        "{e}"
    );
    assert!(e.contains("Perhaps"), "{e}");
}

/// The divmora URL shortener's SAM template, imported; OrgId is its parameter without default.
fn divmora(org: &str) -> apidef::Api {
    let dir = format!(
        "{}/../corpus/divmora-url-shortener-sigv4",
        env!("CARGO_MANIFEST_DIR")
    );
    let imported = import::import_file(
        std::path::Path::new(&dir).join("template.yaml"),
        &import::ImportOptions::default(),
    )
    .unwrap_or_else(|e| panic!("import: {e}"));
    let statements = imported.document["x-amazon-apigateway-policy"]["Statement"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(statements, 3, "the three CustomStatements are carried");
    let params = indexmap::IndexMap::from([("OrgId".to_string(), org.to_string())]);
    apidef::Api::from_str_with(&imported.yaml, "divmora-imported.yaml", &params)
        .unwrap_or_else(|e| panic!("loads: {e}"))
}

#[tokio::test]
async fn a_third_partys_sam_resource_policy_denies_its_api_outside_the_organization() {
    let build = |org_context: Option<&str>| {
        let mut b = Gateway::builder(divmora("o-divmora"), Arc::new(dynamo::Embedded::new()))
            .clock(Arc::new(now))
            .iam_credential(
                IamCredential::parse("AKIDALICE:alice-secret:arn:aws:iam::123456789012:user/alice")
                    .unwrap(),
            );
        if let Some(org) = org_context {
            b = b.policy_context("aws:PrincipalOrgID", org);
        }
        b.build().expect("builds")
    };
    let gw = build(None);
    gw.create_tables().await.expect("tables");
    // GET /{linkId} (no authorization) is allowed by the first statement: it reaches the
    // integration, which finds no link.
    let r = gw.handle(Request::new("GET", "/Prod/nothing-here")).await;
    assert_ne!(r.status, 403, "{}", r.text());
    // GET /api/{linkId} (AWS_IAM): outside the organization the second statement denies.
    let r = gw
        .handle(get_signed("/Prod/api/abc", "AKIDALICE", "alice-secret"))
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(
        r.text()
            .contains("/Prod/GET/api/abc with an explicit deny in a resource-based policy"),
        "{}",
        r.text()
    );
    // Inside the organization it is allowed.
    let gw = build(Some("o-divmora"));
    gw.create_tables().await.expect("tables");
    let r = gw
        .handle(get_signed("/Prod/api/abc", "AKIDALICE", "alice-secret"))
        .await;
    assert_ne!(r.status, 403, "{}", r.text());
    // Another organization is outside.
    let gw = build(Some("o-other"));
    let r = gw
        .handle(get_signed("/Prod/api/abc", "AKIDALICE", "alice-secret"))
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
}
