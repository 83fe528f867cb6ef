//! The seed project's stack as `cdk synth` writes it
//! (`corpus/seed-cdk-synth/ApigatewayDynamodbIntegrationStack.template.json`).

mod common;

use common::*;
use import::ImportOptions;
use serde_json::{Value, json};

const SEED: &str = "corpus/seed-cdk-synth/ApigatewayDynamodbIntegrationStack.template.json";
const TABLE: &str = "dynamodbtable650E77A7";

fn source() -> Value {
    let text = std::fs::read_to_string(workspace().join(SEED)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A template string of the source: a string, or `Fn::Join ["", [...]]` whose `Ref` to the
/// table is the placeholder.
fn resolved(v: &Value, placeholder: &str) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(o) => {
            let join = o["Fn::Join"].as_array().expect("Fn::Join");
            let delimiter = join[0].as_str().unwrap();
            join[1]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| match p {
                    Value::String(s) => s.clone(),
                    other => {
                        assert_eq!(
                            other,
                            &json!({"Ref": TABLE}),
                            "only the table is referred to"
                        );
                        placeholder.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(delimiter)
        }
        other => panic!("unexpected template {other}"),
    }
}

#[test]
fn the_seed_stack_imports_byte_for_byte() {
    let imported = import::import_file(workspace().join(SEED), &ImportOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let doc = &imported.document;
    let src = source();

    // (3) the seed's table, keyed so that its TableName is the placeholder the templates use.
    let tables = doc["x-dynamodb-tables"].as_object().unwrap();
    assert_eq!(tables.len(), 1);
    let (key, table) = tables.iter().next().unwrap();
    assert_eq!(key, "Dynamodbtable");
    let placeholder = table["TableName"].as_str().unwrap().to_string();
    assert_eq!(placeholder, "${DynamodbtableName}");
    assert_eq!(
        doc["x-deploy-parameters"]["DynamodbtableName"]["default"],
        "apigateway-dynamodb-integration"
    );
    let props = &src["Resources"][TABLE]["Properties"];
    assert_eq!(table["AttributeDefinitions"], props["AttributeDefinitions"]);
    assert_eq!(table["KeySchema"], props["KeySchema"]);
    assert_eq!(
        table["ProvisionedThroughput"],
        props["ProvisionedThroughput"]
    );
    assert_eq!(table["BillingMode"], "PROVISIONED");

    // (1) every template and selection pattern of every method, byte for byte.
    let methods: Vec<(&String, &Value)> = src["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::ApiGateway::Method")
        .collect();
    assert_eq!(methods.len(), 3);
    assert_eq!(operation_count(doc), methods.len());
    let mut checked = 0;
    for (id, m) in &methods {
        let p = &m["Properties"];
        let http = p["HttpMethod"].as_str().unwrap().to_ascii_lowercase();
        let path = match p["ResourceId"].get("Ref").and_then(Value::as_str) {
            None => "/".to_string(),
            Some(r) => {
                // Walk the ParentId chain.
                let mut parts = Vec::new();
                let mut cur = r.to_string();
                loop {
                    let res = &src["Resources"][&cur]["Properties"];
                    parts.push(res["PathPart"].as_str().unwrap().to_string());
                    match res["ParentId"].get("Ref").and_then(Value::as_str) {
                        Some(parent) => cur = parent.to_string(),
                        None => break,
                    }
                }
                parts.reverse();
                format!("/{}", parts.join("/"))
            }
        };
        let out = &doc["paths"][&path][&http]["x-amazon-apigateway-integration"];
        assert!(out.is_object(), "{id}: no {http} {path}");
        let integ = &p["Integration"];
        for (ct, t) in integ["RequestTemplates"].as_object().unwrap() {
            let want = resolved(t, &placeholder);
            let got = out["requestTemplates"][ct].as_str().unwrap();
            assert_eq!(
                got.as_bytes(),
                want.as_bytes(),
                "{http} {path} request {ct}"
            );
            checked += 1;
        }
        for ir in integ["IntegrationResponses"].as_array().unwrap() {
            let key = ir
                .get("SelectionPattern")
                .and_then(Value::as_str)
                .unwrap_or("default");
            let r = &out["responses"][key];
            assert!(
                r.is_object(),
                "{http} {path}: no integration response {key:?}"
            );
            checked += 1;
            assert_eq!(r["statusCode"], ir["StatusCode"]);
            for (ct, t) in ir["ResponseTemplates"].as_object().unwrap() {
                let want = resolved(t, &placeholder);
                let got = r["responseTemplates"][ct].as_str().unwrap();
                assert_eq!(
                    got.as_bytes(),
                    want.as_bytes(),
                    "{http} {path} response {key} {ct}"
                );
                checked += 1;
            }
            assert_eq!(
                out["responses"].as_object().unwrap().len(),
                integ["IntegrationResponses"].as_array().unwrap().len()
            );
        }
    }
    assert!(checked > 10);
    // ... and the same after the YAML is read back.
    assert_reloads_identically(&imported);

    // (2) the project's loader takes it; the templates it compiles are the source's with the
    // table's name.
    let api = load(&imported);
    assert_eq!(api.operations.len(), 3);
    // ... and codegen generates the stack from it: the role's parameter is the stack's role,
    // the table the stack's table.
    let (stack, import_ready) = emits(&api, "the seed");
    assert!(stack.contains("DynamodbtableTable:"), "{stack}");
    assert!(import_ready.contains("apigateway-dynamodb-integration"));
    assert_eq!(
        api.tables[key].table_name,
        "apigateway-dynamodb-integration"
    );
    let loaded = loaded_templates(&api);
    let want: Vec<(String, String)> = templates(doc)
        .into_iter()
        .map(|(w, t)| {
            (
                w,
                t.replace(&placeholder, "apigateway-dynamodb-integration"),
            )
        })
        .collect();
    assert_eq!(sorted_texts(&loaded), sorted_texts(&want));

    // The rest of the stack.
    assert_eq!(
        doc["x-deploy-stage"],
        json!({
            "name": "prod",
            "tracingEnabled": true,
            "loggingLevel": "INFO",
            "dataTraceEnabled": false,
            "accessLogFormat": src["Resources"]["restapigatewayDeploymentStageprod4376F359"]["Properties"]["AccessLogSetting"]["Format"]
        })
    );
    assert_eq!(
        doc["x-amazon-apigateway-request-validators"],
        json!({"apigatewa-dynamodb-validator": {"validateRequestBody": true, "validateRequestParameters": true}})
    );
    assert_eq!(
        doc["paths"]["/album"]["post"]["requestBody"]["content"]["application/json"]["schema"],
        json!({"$ref": "#/components/schemas/PostAlbumSchema"})
    );
    assert_eq!(
        doc["components"]["schemas"]["PostAlbumSchema"],
        src["Resources"]["postmodel2F577444"]["Properties"]["Schema"]
    );
    assert_eq!(
        doc["x-deploy-parameters"]["ApigatewayroleArn"],
        json!({
            "description": "IAM role API Gateway assumes to call the integration: the role apigatewayrole17EC5BC5 of the source template. In the generated CloudFormation stack it is the stack's own role.",
            "default": "arn:aws:iam::${AWS::AccountId}:role/apigatewayrole17EC5BC5",
            "stackValue": "IntegrationRole.Arn"
        })
    );
    let notes: Vec<String> = imported.not_carried.iter().map(|n| n.to_string()).collect();
    for want in [
        "/Resources/apigatewayrole17EC5BC5 (apigatewayrole17EC5BC5): the role itself is not imported; the stack codegen emits creates its own",
        "/Resources/apigatewayroleDefaultPolicyD2A212CA",
        "/Resources/apigatewayloggroupD522395F",
        "/Resources/dynamodbtable650E77A7/DeletionPolicy",
        "/Resources/restapigatewayDeploymentStageprod4376F359/Properties/AccessLogSetting/DestinationArn",
    ] {
        assert!(
            notes.iter().any(|n| n.starts_with(want)),
            "{want} not in {notes:#?}"
        );
    }
}
