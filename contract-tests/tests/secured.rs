//! The harness on secured methods of documents someone else wrote: with the credentials it
//! makes for the embedded gateway, valid requests pass (positive) and requests without them
//! get API Gateway's refusal (unauthenticated): API keys (aws-samples
//! apigw-rest-api-dynamodb-gsi), AWS_IAM (AWS Solutions Constructs' CRUD stack) and a Cognito
//! user pool (aws-samples' url shortener).

use contract_tests::{Property, Suite, Target};

/// The imported document, each operation given an `operationId` (the templates have none; the
/// harness names operations by it).
fn imported(path: &str) -> apidef::Api {
    let path = format!("{}/../corpus/{path}", env!("CARGO_MANIFEST_DIR"));
    let imported = import::import_file(&path, &import::ImportOptions::default()).expect("imports");
    let mut doc = apidef::source::parse(&imported.yaml, "imported.yaml").expect("parses");
    if let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) {
        for (path, item) in paths.iter_mut() {
            for (method, op) in item.as_object_mut().into_iter().flatten() {
                if let Some(op) = op.as_object_mut() {
                    let id: String = format!("{method}{path}")
                        .chars()
                        .filter(char::is_ascii_alphanumeric)
                        .collect();
                    op.entry("operationId").or_insert(id.into());
                }
            }
        }
    }
    apidef::Api::from_str_with(&doc.to_string(), "imported.json", &Default::default())
        .expect("loads")
}

fn check_all(api: apidef::Api, expect_unauthenticated: usize) {
    let ops: Vec<(String, Vec<String>)> = api
        .operations
        .iter()
        .filter_map(|o| {
            Some((
                o.operation_id.clone()?,
                o.responses.keys().cloned().collect(),
            ))
        })
        .collect();
    let suite = Suite::new(api, Target::Embedded)
        .expect("suite")
        .with_cases(16);
    let mut checked = 0;
    for (id, statuses) in &ops {
        let statuses: Vec<&str> = statuses.iter().map(String::as_str).collect();
        // With the credentials the harness sends, no valid request is refused by API Gateway
        // (these documents fail the positive property for other reasons: their method
        // responses declare no content, but DynamoDB's reply passes through).
        if let Err(f) = suite.check(&Property::Positive {
            operation: id,
            statuses: &statuses,
        }) {
            let status = f.response().map(|r| r.status);
            assert!(
                !matches!(status, Some(401 | 403)) && !f.reason.contains("refused"),
                "{id}: the credentials were refused: {f:?}"
            );
        }
        let r = suite
            .check(&Property::Unauthenticated { operation: id })
            .unwrap_or_else(|f| panic!("{id} unauthenticated: {f:?}"));
        if r.cases > 0 {
            checked += 1;
        }
    }
    assert_eq!(checked, expect_unauthenticated);
}

#[test]
fn api_keys_of_the_gsi_sample() {
    check_all(imported("sp-apigw-rest-api-dynamodb-gsi/template.yml"), 2);
}

#[test]
fn aws_iam_of_the_solutions_constructs_crud_stack() {
    check_all(
        imported("solutions-constructs-cdk-crud/apiddb-apigateway-dynamodb-CRUD.template.json"),
        4,
    );
}

#[test]
fn a_cognito_user_pool_of_the_url_shortener() {
    let path = format!(
        "{}/../corpus/url-shortener-cognito/api.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let params = indexmap::IndexMap::from([
        ("IsLocal".to_string(), "true".to_string()),
        (
            "AmplifyApp.DefaultDomain".to_string(),
            "main.d1a2b3c4.amplifyapp.com".to_string(),
        ),
    ]);
    let text = std::fs::read_to_string(&path).expect("api.yaml");
    let mut doc = apidef::source::parse(&text, &path).expect("parses");
    for (p, item) in doc["paths"].as_object_mut().expect("paths").iter_mut() {
        for (m, op) in item.as_object_mut().into_iter().flatten() {
            let id: String = format!("{m}{p}")
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            if let Some(op) = op.as_object_mut() {
                op.entry("operationId").or_insert(id.into());
            }
        }
    }
    let api = apidef::Api::from_str_with(&doc.to_string(), "api.json", &params).expect("loads");
    // Four methods use the user pool; the OPTIONS preflights and the public redirect do not.
    check_all(api, 4);
}
