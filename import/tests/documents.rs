//! Bare documents: `aws apigateway get-export` output (OpenAPI 3.0 and Swagger 2.0), a
//! Swagger 2.0 document, and an OpenAPI 3.0 file that a SAM template includes.

mod common;

use common::*;
use import::{ImportErrorKind, ImportOptions, SourceKind};
use serde_json::{Value, json};

fn source(name: &str) -> Value {
    let path = data(name);
    let text = std::fs::read_to_string(&path).unwrap();
    apidef::source::parse(&text, &path.display().to_string()).unwrap()
}

#[test]
fn get_export_output_loses_what_aws_added() {
    let imported = import::import_file(data("get-export.json"), &ImportOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(imported.kind, SourceKind::GetExport);
    assert!(imported.apis.is_empty());
    let doc = &imported.document;
    // The execute-api server is the deployed stack's; its basePath is the stage.
    assert!(doc.get("servers").is_none());
    assert_eq!(doc["x-deploy-stage"], json!({"name": "prod"}));
    let integ = &doc["paths"]["/album"]["post"]["x-amazon-apigateway-integration"];
    assert_eq!(
        integ["uri"],
        "arn:aws:apigateway:${AWS::Region}:dynamodb:action/PutItem"
    );
    assert_eq!(
        integ["credentials"],
        "arn:aws:iam::${AWS::AccountId}:role/albums-api-dynamodb"
    );
    let authorizer = &doc["components"]["securitySchemes"]["albums-authorizer"]["x-amazon-apigateway-authorizer"];
    assert_eq!(
        authorizer["authorizerUri"],
        "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:authorizer/invocations"
    );
    assert_eq!(
        authorizer["authorizerCredentials"],
        "arn:aws:iam::${AWS::AccountId}:role/authorizer-invoke"
    );
    // The rest is kept, in the source's order, templates byte for byte.
    let src = source("get-export.json");
    assert_eq!(templates(doc), templates(&src));
    let src_keys: Vec<&String> = src
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| *k != "servers")
        .collect();
    let keys: Vec<&String> = doc
        .as_object()
        .unwrap()
        .keys()
        .filter(|k| *k != "x-deploy-stage")
        .collect();
    assert_eq!(keys, src_keys);
    assert_eq!(doc["components"]["schemas"], src["components"]["schemas"]);
    let pointers: Vec<&str> = imported
        .not_carried
        .iter()
        .map(|n| n.pointer.as_str())
        .collect();
    assert_eq!(pointers, ["/servers/0", ""]);
    assert!(imported.not_carried[1].reason.contains("albums"));
    assert_reloads_identically(&imported);
    let api = load(&imported);
    assert_eq!(api.stage.name, "prod");
    assert_eq!(
        api.operations[0].integration.uri.as_deref(),
        Some("arn:aws:apigateway:us-east-1:dynamodb:action/PutItem")
    );
}

#[test]
fn a_swagger_export_is_an_export_too() {
    let imported = import::import_file(data("swagger2-export.yaml"), &ImportOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(imported.kind, SourceKind::GetExport);
    let doc = &imported.document;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.0."));
    assert!(doc.get("servers").is_none());
    assert_eq!(doc["x-deploy-stage"]["name"], "v1");
    let integ = &doc["paths"]["/"]["get"]["x-amazon-apigateway-integration"];
    assert_eq!(
        integ["uri"],
        "arn:aws:apigateway:${AWS::Region}:dynamodb:action/Scan"
    );
    assert_eq!(
        integ["credentials"],
        "arn:aws:iam::${AWS::AccountId}:role/visits-scan"
    );
    assert_reloads_identically(&imported);
    load(&imported);
}

#[test]
fn swagger_2_becomes_openapi_3() {
    let imported = import::import_file(data("swagger2.yaml"), &ImportOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(imported.kind, SourceKind::Swagger2);
    let doc = &imported.document;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.0."));
    assert!(doc.get("swagger").is_none());
    assert_eq!(
        doc["components"]["schemas"]["Visits"],
        json!({"type": "object", "properties": {"count": {"type": "integer"}}})
    );
    assert_eq!(
        doc["paths"]["/visits/{PageId}"]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"],
        json!({"$ref": "#/components/schemas/Visits"})
    );
    assert_eq!(templates(doc), templates(&source("swagger2.yaml")));
    assert_reloads_identically(&imported);
    let api = load(&imported);
    assert_eq!(api.operations.len(), 1);
}

#[test]
fn an_openapi_file_a_template_includes() {
    // Without its template, the names it refers to are deploy parameters with stand-in
    // defaults, each listed.
    let imported = import::import_file(data("sam-include/api.yaml"), &ImportOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(imported.kind, SourceKind::OpenApi3);
    let integ =
        &imported.document["paths"]["/items/{pk}"]["get"]["x-amazon-apigateway-integration"];
    assert_eq!(integ["credentials"], "${RoleArn}");
    assert_eq!(
        integ["requestTemplates"]["application/json"],
        "{\"TableName\": \"${Items}\", \"Key\": {\"pk\": {\"S\": \"$input.params('pk')\"}}}"
    );
    assert_eq!(
        imported.document["x-deploy-parameters"],
        json!({
            "RoleArn": {"description": "Fn::GetAtt Role.Arn in the source.", "default": "Role.Arn"},
            "Items": {"description": "Items in the source (no template says what it is).", "default": "Items"}
        })
    );
    assert_eq!(imported.not_carried.len(), 2);
    assert!(
        imported
            .not_carried
            .iter()
            .all(|n| n.reason.contains("import the template instead")),
        "{:#?}",
        imported.not_carried
    );
    assert_reloads_identically(&imported);
    load(&imported);
}

#[test]
fn what_is_not_an_api_is_an_error() {
    let err = import::import("a: 1\n", "x.yaml", &ImportOptions::default()).unwrap_err();
    assert_eq!(err.kind, ImportErrorKind::Unrecognised);
    let err = import::import("a: [1\n", "x.yaml", &ImportOptions::default()).unwrap_err();
    assert!(matches!(err.kind, ImportErrorKind::Parse(_)), "{err}");
    assert!(!err.location.is_empty(), "a parse error says where: {err}");
    let err = import::import(
        "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n",
        "t.yaml",
        &ImportOptions::default(),
    )
    .unwrap_err();
    assert_eq!(err.kind, ImportErrorKind::NoRestApi);
    assert_eq!(
        err.to_string(),
        "t.yaml at /Resources: the template has no REST API (AWS::ApiGateway::RestApi or AWS::Serverless::Api)"
    );
}
