//! A REST API built from resources, as `cdk synth` writes it: `Fn::Join` URIs and templates
//! with the table's `Ref` inside, models (one `$ref`ing another through an `Fn::Join` URL, one
//! given as a JSON string), a request validator, a gateway response, a CORS `OPTIONS` MOCK
//! method, IAM and API-key authorization, a stage, usage plans, and a second REST API.

mod common;

use common::*;
use import::{ImportOptions, SourceKind};
use serde_json::{Value, json};

fn imported() -> import::Imported {
    import::import_file(
        data("cdk-resources.template.json"),
        &ImportOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

fn source() -> Value {
    let text = std::fs::read_to_string(data("cdk-resources.template.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A template of the source, its `Fn::Join` joined with `Ref table` as `${placeholder}`.
fn joined(v: &Value, table: &str, placeholder: &str) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(o) => {
            let parts = o["Fn::Join"][1].as_array().unwrap();
            parts
                .iter()
                .map(|p| match p {
                    Value::String(s) => s.clone(),
                    other => {
                        assert_eq!(other, &json!({"Ref": table}));
                        format!("${{{placeholder}}}")
                    }
                })
                .collect()
        }
        other => panic!("{other}"),
    }
}

#[test]
fn resources_become_paths_components_and_extensions() {
    let imported = imported();
    assert_eq!(imported.kind, SourceKind::CloudFormation);
    assert_eq!(imported.apis, ["restapi0A1B2C3D", "otherapiEEEE5555"]);
    assert_eq!(imported.api.as_deref(), Some("restapi0A1B2C3D"));
    let doc = &imported.document;

    let keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    // The usage plan of this API (no throttle, no quota) is carried, named by its logical id.
    assert_eq!(
        doc["x-usage-plans"],
        serde_json::json!({"plan2222CCCC": {
            "methodThrottle": {"/album/POST": {"rateLimit": 1.0, "burstLimit": 1}}
        }})
    );
    assert_eq!(
        keys,
        [
            "openapi",
            "info",
            "x-deploy-parameters",
            "x-dynamodb-tables",
            "x-deploy-stage",
            "x-usage-plans",
            "x-amazon-apigateway-request-validators",
            "x-amazon-apigateway-gateway-responses",
            "x-amazon-apigateway-binary-media-types",
            "paths",
            "components"
        ]
    );
    assert_eq!(
        doc["info"],
        json!({"title": "albums-api", "version": "1.0.0", "description": "Albums, as cdk synth writes them"})
    );
    // cdk's hashes are left out of the names; the template parameter `Api` would collide with
    // the generated stack's `Api` resource, so it is renamed.
    let params = doc["x-deploy-parameters"].as_object().unwrap();
    let names: Vec<&str> = params.keys().map(String::as_str).collect();
    assert_eq!(names, ["ApiroleArn", "AlbumstableName", "ApiName"]);
    assert_eq!(params["ApiroleArn"]["stackValue"], "IntegrationRole.Arn");
    assert_eq!(
        params["ApiroleArn"]["default"],
        "arn:aws:iam::${AWS::AccountId}:role/apiroleF00DBEEF"
    );
    assert_eq!(params["AlbumstableName"]["default"], "albums");
    assert_eq!(
        params["ApiName"],
        json!({"description": "Name the responses carry.", "default": "albums-v1"})
    );
    assert_eq!(
        doc["x-dynamodb-tables"],
        json!({"Albumstable": {
            "TableName": "${AlbumstableName}",
            "AttributeDefinitions": [
                {"AttributeName": "Artist", "AttributeType": "S"},
                {"AttributeName": "Album", "AttributeType": "S"},
                {"AttributeName": "Year", "AttributeType": "N"}
            ],
            "KeySchema": [
                {"AttributeName": "Artist", "KeyType": "HASH"},
                {"AttributeName": "Album", "KeyType": "RANGE"}
            ],
            "BillingMode": "PAY_PER_REQUEST",
            "GlobalSecondaryIndexes": [{"IndexName": "by-year", "KeySchema": [{"AttributeName": "Year", "KeyType": "HASH"}], "Projection": {"ProjectionType": "ALL"}}]
        }})
    );
    assert_eq!(
        doc["x-deploy-stage"],
        json!({
            "name": "prod",
            "tracingEnabled": true,
            "loggingLevel": "INFO",
            "metricsEnabled": true,
            "dataTraceEnabled": false,
            "accessLogFormat": "$context.requestId $context.status",
            "variables": {"flavour": "vanilla"},
            // ThrottlingBurstLimit alone: the rate is the account's default, as on AWS.
            "throttling": {"rateLimit": 10000.0, "burstLimit": 50},
            // One method's entry: its throttle is carried (its LoggingLevel is not).
            "methodSettings": {"/album/POST": {"throttling": {"rateLimit": 2.0, "burstLimit": 1}}}
        })
    );
    assert_eq!(
        doc["x-amazon-apigateway-request-validators"],
        json!({"body-and-params": {"validateRequestBody": true, "validateRequestParameters": true}})
    );
    assert_eq!(
        doc["x-amazon-apigateway-gateway-responses"],
        json!({"DEFAULT_4XX": {
            "responseParameters": {"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
            "responseTemplates": {"application/json": "{\"message\":$context.error.messageString}"}
        }})
    );

    let paths: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(paths, ["/album", "/album/{artist}"]);
    let post = &doc["paths"]["/album"]["post"];
    assert_eq!(post["operationId"], "putAlbum");
    assert_eq!(
        post["requestBody"],
        json!({"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Album"}}}})
    );
    assert_eq!(
        post["responses"],
        json!({
            "200": {
                "description": "200 response",
                "headers": {"X-Request-Id": {"schema": {"type": "string"}}},
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Empty"}}}
            },
            "400": {
                "description": "400 response",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ApiError"}}}
            },
            "500": {"description": "500 response"}
        })
    );
    assert_eq!(
        post["x-amazon-apigateway-request-validator"],
        "body-and-params"
    );
    let integ = &post["x-amazon-apigateway-integration"];
    let integ_keys: Vec<&str> = integ
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        integ_keys,
        [
            "type",
            "httpMethod",
            "uri",
            "credentials",
            "requestTemplates",
            "requestParameters",
            "passthroughBehavior",
            "timeoutInMillis",
            "responses"
        ]
    );
    assert_eq!(integ["type"], "aws");
    assert_eq!(integ["passthroughBehavior"], "never");
    assert_eq!(integ["timeoutInMillis"], 5000);
    assert_eq!(
        integ["uri"],
        "arn:${AWS::Partition}:apigateway:${AWS::Region}:dynamodb:action/PutItem"
    );
    assert_eq!(integ["credentials"], "${ApiroleArn}");
    let responses: Vec<&str> = integ["responses"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(responses, ["default", "4\\d{2}", "5\\d{2}"]);
    assert_eq!(
        integ["responses"]["default"],
        json!({
            "statusCode": "200",
            "responseTemplates": {"application/json": ""},
            "responseParameters": {"method.response.header.X-Request-Id": "context.requestId"}
        })
    );

    // Every template and selection pattern byte for byte as the source says, the table's Ref
    // as the placeholder x-dynamodb-tables names.
    let src = source();
    let placeholder = "AlbumstableName";
    assert_eq!(
        doc["x-dynamodb-tables"]["Albumstable"]["TableName"],
        format!("${{{placeholder}}}")
    );
    for (method_id, path, method) in [
        ("restapialbumPOST2222BBBB", "/album", "post"),
        ("restapialbumOPTIONSABCD1234", "/album", "options"),
        ("restapialbumartistGETDCBA4321", "/album/{artist}", "get"),
    ] {
        let m = &src["Resources"][method_id]["Properties"]["Integration"];
        let out = &doc["paths"][path][method]["x-amazon-apigateway-integration"];
        for (ct, t) in m["RequestTemplates"].as_object().unwrap() {
            let want = joined(t, "albumstable99AA11BB", placeholder);
            assert_eq!(
                out["requestTemplates"][ct].as_str().unwrap().as_bytes(),
                want.as_bytes(),
                "{method} {path} request {ct}"
            );
        }
        let mut seen = std::collections::HashSet::new();
        for ir in m["IntegrationResponses"].as_array().unwrap() {
            let key = ir
                .get("SelectionPattern")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .unwrap_or("default");
            if !seen.insert(key.to_string()) {
                continue; // the duplicate, listed as not carried
            }
            let r = &out["responses"][key];
            assert!(r.is_object(), "{method} {path}: no response {key}");
            assert_eq!(r["statusCode"], ir["StatusCode"]);
            if let Some(Value::Object(ts)) = ir.get("ResponseTemplates") {
                for (ct, t) in ts {
                    assert_eq!(
                        r["responseTemplates"][ct].as_str().unwrap().as_bytes(),
                        t.as_str().unwrap().as_bytes(),
                        "{method} {path} response {key} {ct}"
                    );
                }
            }
        }
    }

    // The CORS preflight, as cdk's addCorsPreflight writes it.
    let options = &doc["paths"]["/album"]["options"];
    assert_eq!(
        options["x-amazon-apigateway-integration"],
        json!({
            "type": "mock",
            "requestTemplates": {"application/json": "{ statusCode: 200 }"},
            "responses": {"default": {"statusCode": "204", "responseParameters": {
                "method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent'",
                "method.response.header.Access-Control-Allow-Origin": "'*'",
                "method.response.header.Vary": "'Origin'",
                "method.response.header.Access-Control-Allow-Methods": "'OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD'"
            }}}
        })
    );
    let headers: Vec<&str> = options["responses"]["204"]["headers"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        headers,
        [
            "Access-Control-Allow-Headers",
            "Access-Control-Allow-Origin",
            "Vary",
            "Access-Control-Allow-Methods"
        ]
    );

    let get = &doc["paths"]["/album/{artist}"]["get"];
    assert_eq!(
        get["parameters"],
        json!([
            {"name": "artist", "in": "path", "required": true, "schema": {"type": "string"}},
            {"name": "limit", "in": "query", "required": false, "schema": {"type": "string"}}
        ])
    );
    assert_eq!(get["security"], json!([{"sigv4": [], "api_key": []}]));
    assert_eq!(
        get["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"],
        json!({"method.response.header.X-Api": "'${ApiName}'"})
    );

    let schemas = &doc["components"]["schemas"];
    let names: Vec<&str> = schemas
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(names, ["Album", "Track", "ApiError", "Empty"]);
    assert_eq!(
        schemas["Album"]["properties"]["tracks"]["items"],
        json!({"$ref": "#/components/schemas/Track"})
    );
    assert_eq!(
        schemas["Track"],
        json!({"$schema": "http://json-schema.org/draft-04/schema#", "title": "Track", "type": "object", "properties": {"title": {"type": "string"}}})
    );
    assert_eq!(schemas["ApiError"]["description"], "An error.");
    assert_eq!(
        doc["components"]["securitySchemes"],
        json!({
            "sigv4": {"type": "apiKey", "name": "Authorization", "in": "header", "x-amazon-apigateway-authtype": "awsSigv4"},
            "api_key": {"type": "apiKey", "name": "x-api-key", "in": "header"}
        })
    );

    let expected_notes = [
        (
            "/Resources/apiroleF00DBEEF",
            "the role itself is not imported",
        ),
        (
            "/Resources/albumstable99AA11BB/Properties/TableClass",
            "no such field",
        ),
        (
            "/Resources/albumstable99AA11BB/DeletionPolicy",
            "TableDeletionPolicy",
        ),
        (
            "/Resources/albumstable99AA11BB/UpdateReplacePolicy",
            "TableDeletionPolicy",
        ),
        (
            "/Resources/restapi0A1B2C3D/Properties/EndpointConfiguration",
            "REGIONAL",
        ),
        (
            "/Resources/restapiDeploymentStageprod3333CCCC/Properties/MethodSettings/1/LoggingLevel",
            "other than throttling",
        ),
        (
            "/Resources/restapiDeploymentStageprod3333CCCC/Properties/CacheClusterEnabled",
            "no such setting",
        ),
        (
            "/Resources/restapiDeploymentStageprod3333CCCC/Properties/AccessLogSetting/DestinationArn",
            "log group of its own",
        ),
        (
            "/Resources/restapialbumPOST2222BBBB/Properties/Integration/IntegrationResponses/3",
            "second integration response",
        ),
        (
            "/Resources/key3333DDDD",
            "API keys are not part of the API definition",
        ),
        ("/Resources/logs4444DDDD", "log group of its own"),
        ("/Resources/apiroleDefaultPolicy12345678", "IAM::Policy"),
        (
            "/Resources/otherapiEEEE5555",
            "import it with api: otherapiEEEE5555",
        ),
        (
            "/Resources/otherapiGETFFFF6666",
            "REST API otherapiEEEE5555",
        ),
        ("/Parameters/Api", "the deploy parameter ApiName"),
        ("/Parameters/BootstrapVersion", "not used"),
        ("/Outputs", "Outputs"),
    ];
    for (pointer, reason) in expected_notes {
        assert!(
            imported
                .not_carried
                .iter()
                .any(|n| n.pointer == pointer && n.reason.contains(reason)),
            "no note {pointer}: {reason}; notes: {:#?}",
            imported.not_carried
        );
    }
    assert_eq!(
        imported.not_carried.len(),
        expected_notes.len(),
        "{:#?}",
        imported.not_carried
    );

    assert_reloads_identically(&imported);
    let api = load(&imported);
    emits(&api, "import");
    assert_eq!(api.operations.len(), 3);
    assert_eq!(api.tables["Albumstable"].table_name, "albums");
    assert_eq!(api.stage.name, "prod");
    assert_eq!(api.binary_media_types, ["image/png"]);
    let put = api.operation("putAlbum").unwrap();
    assert!(
        put.integration.request_templates["application/json"]
            .source
            .contains("\"TableName\": \"albums\",\r\n")
    );
}

#[test]
fn the_other_rest_api_of_the_template() {
    let imported = import::import_file(
        data("cdk-resources.template.json"),
        &ImportOptions {
            api: Some("otherapiEEEE5555".into()),
        },
    )
    .unwrap();
    assert_eq!(imported.api.as_deref(), Some("otherapiEEEE5555"));
    let get = &imported.document["paths"]["/"]["get"];
    // An empty SelectionPattern is the default response.
    assert_eq!(
        get["x-amazon-apigateway-integration"]["responses"],
        json!({"default": {"statusCode": "200"}})
    );
    assert!(
        imported
            .not_carried
            .iter()
            .any(|n| n.pointer == "/Resources/restapialbumPOST2222BBBB"
                && n.reason.contains("REST API restapi0A1B2C3D"))
    );
    // The template's table is still declared (the gateway creates it), named as written.
    assert_eq!(
        imported.document["x-dynamodb-tables"]["Albumstable"]["TableName"],
        "albums"
    );
    assert_reloads_identically(&imported);
    load(&imported);
}
