//! SAM templates: an inline `DefinitionBody` written with short-form tags, and
//! `AWS::Include` of a local file (and of S3, and of a file that is not there).

mod common;

use common::*;
use import::{ImportErrorKind, ImportOptions, SourceKind};
use serde_json::json;

fn has_note(imported: &import::Imported, pointer: &str, reason_part: &str) -> bool {
    imported
        .not_carried
        .iter()
        .any(|n| n.pointer == pointer && n.reason.contains(reason_part))
}

#[test]
fn inline_definition_body_with_short_tags() {
    let imported = import::import_file(data("sam-inline.yaml"), &ImportOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(imported.kind, SourceKind::CloudFormation);
    assert_eq!(imported.apis, ["AlbumsApi"]);
    assert_eq!(imported.api.as_deref(), Some("AlbumsApi"));
    let doc = &imported.document;

    // The table's name is the template parameter its TableName refers to, so `Ref AlbumsTable`
    // is `${TableName}`, as openapi.yaml writes it.
    assert_eq!(
        doc["x-deploy-parameters"],
        json!({
            "TableName": {"description": "Name of the DynamoDB table.", "default": "albums"},
            "ApiRoleArn": {
                "description": "IAM role API Gateway assumes to call the integration: the role ApiRole of the source template. In the generated CloudFormation stack it is the stack's own role.",
                "default": "arn:aws:iam::${AWS::AccountId}:role/ApiRole",
                "stackValue": "IntegrationRole.Arn"
            }
        })
    );
    assert_eq!(
        doc["x-dynamodb-tables"],
        json!({"AlbumsTable": {
            "TableName": "${TableName}",
            "AttributeDefinitions": [
                {"AttributeName": "Artist", "AttributeType": "S"},
                {"AttributeName": "Album", "AttributeType": "S"}
            ],
            "KeySchema": [
                {"AttributeName": "Artist", "KeyType": "HASH"},
                {"AttributeName": "Album", "KeyType": "RANGE"}
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "SSESpecification": {"Enabled": true}
        }})
    );
    // Globals.Api's TracingEnabled, the "/*" "*" method settings, variables and the log format;
    // the stage name from the Stage parameter's default.
    assert_eq!(
        doc["x-deploy-stage"],
        json!({
            "name": "v2",
            "tracingEnabled": true,
            "loggingLevel": "ERROR",
            "metricsEnabled": true,
            "accessLogFormat": "{\"requestId\":\"$context.requestId\",\"status\":\"$context.status\"}",
            "variables": {"mode": "live"},
            // SAM's MethodSettings: ThrottlingRateLimit alone, the burst the account's default.
            "throttling": {"rateLimit": 100.0, "burstLimit": 5000}
        })
    );
    let keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "openapi",
            "info",
            "x-deploy-parameters",
            "x-dynamodb-tables",
            "x-deploy-stage",
            "paths"
        ]
    );
    // Fn::If decided with the defaults (Stage v2 is not prod).
    assert_eq!(doc["info"]["description"], "Test albums");

    let get = &doc["paths"]["/albums/{artist}"]["get"]["x-amazon-apigateway-integration"];
    assert_eq!(get["type"], "aws");
    assert_eq!(get["passthroughBehavior"], "never");
    assert_eq!(
        get["uri"],
        "arn:${AWS::Partition}:apigateway:${AWS::Region}:dynamodb:action/Query"
    );
    assert_eq!(get["credentials"], "${ApiRoleArn}");
    assert_eq!(
        get["requestTemplates"]["application/json"],
        "{\n  \"TableName\": \"${TableName}\",\n  \"KeyConditionExpression\": \"Artist = :a\",\n  \"ExpressionAttributeValues\": {\":a\": {\"S\": \"$util.escapeJavaScript($input.params('artist')).replaceAll(\"\\\\'\",\"'\")\"}}\n}\n## ${page} is VTL's formal notation, written ${...} inside Fn::Sub\n"
    );
    assert_eq!(
        get["responses"]["2\\d{2}"],
        json!({
            "statusCode": "200",
            "responseTemplates": {"application/json": "#set($items = $input.path('$.Items'))\n[#foreach($i in $items)\"$util.escapeJavaScript($i.Album.S).replaceAll(\"\\\\'\",\"'\")\"#if($foreach.hasNext),#end#end]  \n\t trailing spaces, a tab  "}
        })
    );
    let response_keys: Vec<&String> = get["responses"].as_object().unwrap().keys().collect();
    assert_eq!(response_keys, ["2\\d{2}", "4\\d{2}", "default"]);

    let put = &doc["paths"]["/albums"]["put"]["x-amazon-apigateway-integration"];
    assert_eq!(
        put["uri"],
        "arn:${AWS::Partition}:apigateway:${AWS::Region}:dynamodb:action/PutItem"
    );
    assert_eq!(put["credentials"], "${ApiRoleArn}");
    assert_eq!(
        put["requestTemplates"]["application/json"],
        "{\"TableName\": \"${TableName}\", \"Item\": {\"Artist\": {\"S\": $input.json('$.artist')}, \"Album\": {\"S\": $input.json('$.album')}}}\r\n"
    );
    assert_eq!(
        put["responses"]["default"]["responseTemplates"]["application/json"],
        ""
    );

    for (pointer, reason) in [
        (
            "/Resources/ApiRole",
            "the role itself is not imported; the stack codegen emits creates its own",
        ),
        ("/Resources/AlbumsApi/Properties/Cors", "SAM's Cors"),
        (
            "/Resources/AlbumsApi/Properties/AccessLogSetting/DestinationArn",
            "log group of its own",
        ),
        ("/Resources/AlbumsApi/Properties/StageName", "defaults: v2"),
        (
            "/Resources/AlbumsTable/DeletionPolicy",
            "TableDeletionPolicy",
        ),
        ("/Resources/AccessLogs", "log group of its own"),
        ("/Parameters/TableName/AllowedPattern", "no such constraint"),
        ("/Parameters/Unused", "not used"),
        ("/Conditions/IsProd", "defaults (false)"),
        ("/Outputs", "Outputs"),
    ] {
        assert!(
            has_note(&imported, pointer, reason),
            "no note {pointer}: {reason}; notes: {:#?}",
            imported.not_carried
        );
    }
    // Each not carried thing is in the header comment too.
    for n in &imported.not_carried {
        assert!(
            imported.yaml.contains(&n.pointer),
            "{n} is not in the comment"
        );
    }

    assert_reloads_identically(&imported);
    let api = load(&imported);
    emits(&api, "import");
    assert_eq!(api.operations.len(), 2);
    assert_eq!(api.tables["AlbumsTable"].table_name, "albums");
    assert_eq!(api.stage.name, "v2");
    // The loader substitutes the placeholder with the parameter's default.
    let get = api.operation("listAlbums").unwrap();
    assert!(
        get.integration.request_templates["application/json"]
            .source
            .contains("\"TableName\": \"albums\"")
    );
    assert_eq!(
        get.integration.credentials.as_deref(),
        Some("arn:aws:iam::123456789012:role/ApiRole")
    );
}

#[test]
fn include_of_a_local_file_beside_the_template() {
    let imported =
        import::import_file(data("sam-include/template.yaml"), &ImportOptions::default())
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(imported.apis, ["Api", "FromS3", "Missing"]);
    let doc = &imported.document;
    let integ = &doc["paths"]["/items/{pk}"]["get"]["x-amazon-apigateway-integration"];
    assert_eq!(
        integ["requestTemplates"]["application/json"],
        "{\"TableName\": \"${ItemsName}\", \"Key\": {\"pk\": {\"S\": \"$input.params('pk')\"}}}"
    );
    // The role's RoleName names the default ARN.
    assert_eq!(
        doc["x-deploy-parameters"]["RoleArn"]["default"],
        "arn:aws:iam::${AWS::AccountId}:role/items-api"
    );
    // A SimpleTable, unnamed: its name defaults to its logical id.
    assert_eq!(doc["x-deploy-parameters"]["ItemsName"]["default"], "Items");
    assert_eq!(
        doc["x-dynamodb-tables"]["Items"],
        json!({
            "TableName": "${ItemsName}",
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST"
        })
    );
    assert_eq!(doc["x-deploy-stage"]["name"], "live");
    assert!(imported.not_carried.iter().any(
        |n| n.pointer == "/Resources/FromS3" && n.reason.contains("import it with api: FromS3")
    ));
    assert_reloads_identically(&imported);
    load(&imported);

    // The include in S3 is not carried: a document without paths, the include listed.
    let s3 = import::import_file(
        data("sam-include/template.yaml"),
        &ImportOptions {
            api: Some("FromS3".into()),
        },
    )
    .unwrap();
    assert_eq!(s3.document["paths"], json!({}));
    assert!(
        s3.not_carried.iter().any(
            |n| n.pointer == "/Resources/FromS3/Properties/DefinitionBody"
                && n.reason.contains("in S3")
        ),
        "{:#?}",
        s3.not_carried
    );
    load(&s3);

    // A local include that is not there is an error naming it.
    let err = import::import_file(
        data("sam-include/template.yaml"),
        &ImportOptions {
            api: Some("Missing".into()),
        },
    )
    .unwrap_err();
    assert!(
        matches!(&err.kind, ImportErrorKind::Include { location, .. } if location == "./no-such-file.yaml"),
        "{err}"
    );
    assert_eq!(err.location, "/Resources/Missing/Properties/DefinitionBody");
    assert!(err.file.ends_with("template.yaml"));

    let err = import::import_file(
        data("sam-include/template.yaml"),
        &ImportOptions {
            api: Some("Nope".into()),
        },
    )
    .unwrap_err();
    assert!(
        matches!(err.kind, ImportErrorKind::UnknownApi { .. }),
        "{err}"
    );
}

/// SAM's `Auth.ResourcePolicy.CustomStatements` are appended to the definition's resource
/// policy as the SAM transform appends them; what SAM generates (IP and VPC lists, accounts)
/// and the authorizers are noted, not guessed.
#[test]
fn sam_custom_statements_join_the_resource_policy() {
    let template = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: AWS_IAM
        ResourcePolicy:
          IpRangeWhitelist: ["10.0.0.0/8"]
          CustomStatements:
            - Effect: Deny
              Principal: "*"
              Action: execute-api:Invoke
              Resource: execute-api:/*/DELETE/*
      DefinitionBody:
        openapi: 3.0.1
        info: {title: t, version: "1"}
        x-amazon-apigateway-policy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: "*"
              Action: execute-api:Invoke
              Resource: execute-api:/*
        paths:
          /ping:
            get:
              responses: {"200": {description: ok}}
              x-amazon-apigateway-integration:
                type: mock
                requestTemplates: {application/json: '{"statusCode": 200}'}
                responses: {default: {statusCode: "200"}}
"#;
    let imported = import::import(template, "sam-policy.yaml", &ImportOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        imported.document["x-amazon-apigateway-policy"],
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
             "Resource": "execute-api:/*"},
            {"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke",
             "Resource": "execute-api:/*/DELETE/*"}
        ]})
    );
    assert!(has_note(
        &imported,
        "/Resources/Api/Properties/Auth/ResourcePolicy/IpRangeWhitelist",
        "not carried"
    ));
    assert!(has_note(
        &imported,
        "/Resources/Api/Properties/Auth/DefaultAuthorizer",
        "securitySchemes"
    ));
    load(&imported);
}
