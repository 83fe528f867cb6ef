//! The CloudFormation stack: least-privilege policy derived from the integration URIs, the
//! `Fn::Sub` body, and the resources the seed's stack had.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use codegen::Options;
use indexmap::IndexMap;
use serde_json::{Value, json};

fn openapi_yaml() -> String {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi.yaml");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn api_of(text: &str) -> apidef::Api {
    apidef::Api::from_str_with(text, "openapi.yaml", &IndexMap::new())
        .unwrap_or_else(|e| panic!("does not load: {e}"))
}

fn stack_of(api: &apidef::Api) -> Value {
    let artifact = emit::cloudformation::emit(api, &Options::default()).expect("emit");
    assert_eq!(artifact.path, "generated/cloudformation.yaml");
    serde_yaml::from_slice(&artifact.contents).expect("the stack is YAML")
}

fn policy_actions(stack: &Value) -> BTreeSet<String> {
    let statements = stack
        .pointer("/Resources/IntegrationRole/Properties/Policies/0/PolicyDocument/Statement")
        .and_then(Value::as_array)
        .expect("policy statements");
    let mut actions = BTreeSet::new();
    for s in statements {
        assert_eq!(s["Effect"], "Allow");
        assert_eq!(
            s["Resource"],
            json!([{"Fn::GetAtt": ["AlbumsTable", "Arn"]}]),
            "on the table's ARN only"
        );
        for a in s["Action"].as_array().expect("actions") {
            actions.insert(a.as_str().expect("action").to_string());
        }
    }
    actions
}

/// `dynamodb:<Action>` for each integration URI, read straight from the document.
fn uri_actions(api: &apidef::Api) -> BTreeSet<String> {
    api.operations
        .iter()
        .filter_map(|op| op.integration.uri.as_deref())
        .filter_map(|uri| uri.rsplit_once(":dynamodb:action/"))
        .map(|(_, action)| format!("dynamodb:{action}"))
        .collect()
}

#[test]
fn policy_actions_are_exactly_the_integration_uri_actions() {
    let api = api_of(&openapi_yaml());
    let stack = stack_of(&api);
    let actions = policy_actions(&stack);
    assert_eq!(actions, uri_actions(&api));
    assert_eq!(
        actions,
        ["DeleteItem", "GetItem", "PutItem", "Scan"]
            .iter()
            .map(|a| format!("dynamodb:{a}"))
            .collect()
    );
}

#[test]
fn changing_one_integration_uri_changes_the_policy() {
    let text = openapi_yaml().replace("dynamodb:action/GetItem", "dynamodb:action/Query");
    let api = api_of(&text);
    let actions = policy_actions(&stack_of(&api));
    assert_eq!(actions, uri_actions(&api));
    assert!(actions.contains("dynamodb:Query"));
    assert!(!actions.contains("dynamodb:GetItem"));
}

fn resource<'a>(stack: &'a Value, name: &str) -> &'a Value {
    stack
        .pointer(&format!("/Resources/{name}"))
        .unwrap_or_else(|| panic!("no resource {name}"))
}

#[test]
fn the_seed_stack_resources_are_all_there() {
    let stack = stack_of(&api_of(&openapi_yaml()));
    let table = resource(&stack, "AlbumsTable");
    assert_eq!(table["Type"], "AWS::DynamoDB::Table");
    assert_eq!(
        table["DeletionPolicy"],
        json!({"Ref": "TableDeletionPolicy"})
    );
    assert_eq!(table["Properties"]["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        table["Properties"]["TableName"],
        json!({"Ref": "TableName"})
    );
    assert_eq!(stack["Parameters"]["TableName"]["Default"], "albums");
    assert!(
        stack["Parameters"].get("IntegrationRoleArn").is_none(),
        "a stack value, not a parameter"
    );

    let stage = &resource(&stack, "Stage")["Properties"];
    assert_eq!(stage["StageName"], "prod");
    assert_eq!(stage["TracingEnabled"], true);
    assert_eq!(stage["MethodSettings"][0]["LoggingLevel"], "INFO");
    assert_eq!(stage["MethodSettings"][0]["MetricsEnabled"], true);
    assert_eq!(
        stage["AccessLogSetting"]["DestinationArn"],
        json!({"Fn::GetAtt": ["AccessLogGroup", "Arn"]})
    );
    let format: Value = serde_json::from_str(
        stage["AccessLogSetting"]["Format"]
            .as_str()
            .expect("format"),
    )
    .expect("the access log format is JSON");
    assert_eq!(format["requestId"], "$context.requestId");
    let deployment = stage["DeploymentId"]["Ref"]
        .as_str()
        .expect("deployment ref");
    assert_eq!(
        resource(&stack, deployment)["Type"],
        "AWS::ApiGateway::Deployment"
    );

    assert_eq!(
        resource(&stack, "ApiGatewayAccount")["Condition"],
        "ConfigureAccount"
    );
    assert!(stack["Outputs"]["ApiUrl"].is_object());
    assert_eq!(
        stack["Outputs"]["AlbumsTableName"]["Value"],
        json!({"Ref": "AlbumsTable"})
    );
}

/// What CloudFormation does with the body: `Fn::Sub` (with `${!` as the literal `${`),
/// `Ref` and `Fn::GetAtt`, for given parameter and attribute values.
fn resolve(v: &Value, values: &IndexMap<String, String>) -> Value {
    match v {
        Value::Object(o) if o.len() == 1 => {
            if let Some(Value::String(name)) = o.get("Ref") {
                return json!(values[name]);
            }
            if let Some(Value::Array(ga)) = o.get("Fn::GetAtt") {
                let key = format!(
                    "{}.{}",
                    ga[0].as_str().unwrap_or(""),
                    ga[1].as_str().unwrap_or("")
                );
                return json!(values[&key]);
            }
            if let Some(sub) = o.get("Fn::Sub") {
                let (text, vars) = match sub {
                    Value::String(s) => (s.clone(), IndexMap::new()),
                    Value::Array(a) => {
                        let vars = a[1]
                            .as_object()
                            .expect("variable map")
                            .iter()
                            .map(|(k, x)| {
                                (
                                    k.clone(),
                                    resolve(x, values).as_str().unwrap_or("").to_string(),
                                )
                            })
                            .collect();
                        (a[0].as_str().expect("text").to_string(), vars)
                    }
                    other => panic!("bad Fn::Sub {other}"),
                };
                return json!(fn_sub(&text, &vars, values));
            }
            Value::Object(
                o.iter()
                    .map(|(k, x)| (k.clone(), resolve(x, values)))
                    .collect(),
            )
        }
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), resolve(x, values)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| resolve(x, values)).collect()),
        other => other.clone(),
    }
}

fn fn_sub(
    text: &str,
    vars: &IndexMap<String, String>,
    values: &IndexMap<String, String>,
) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        if let Some(literal) = after.strip_prefix('!') {
            out.push_str("${");
            rest = literal;
            continue;
        }
        let end = after.find('}').expect("closed ${");
        let name = &after[..end];
        let value = vars
            .get(name)
            .or_else(|| values.get(name))
            .unwrap_or_else(|| panic!("Fn::Sub would not resolve ${{{name}}}"));
        out.push_str(value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn the_body_resolves_to_the_import_ready_definition() {
    let api = api_of(&openapi_yaml());
    let stack = stack_of(&api);
    let body = stack
        .pointer("/Resources/Api/Properties/Body")
        .expect("RestApi Body");
    let mut values = IndexMap::new();
    values.insert("TableName".to_string(), "albums".to_string());
    values.insert("AWS::Region".to_string(), "eu-west-1".to_string());
    values.insert("AWS::AccountId".to_string(), "111122223333".to_string());
    values.insert("AWS::Partition".to_string(), "aws".to_string());
    let role = "arn:aws:iam::111122223333:role/stack-IntegrationRole-X";
    values.insert("IntegrationRole.Arn".to_string(), role.to_string());
    let resolved = resolve(body, &values);

    let mut params = IndexMap::new();
    params.insert("AWS::Region".to_string(), "eu-west-1".to_string());
    params.insert("AWS::AccountId".to_string(), "111122223333".to_string());
    params.insert("IntegrationRoleArn".to_string(), role.to_string());
    let options = Options { params };
    let expected: Value = serde_json::from_slice(
        &emit::apigateway::emit(&api, &options)
            .expect("emit")
            .contents,
    )
    .expect("json");
    assert_eq!(resolved, expected);
}

#[test]
fn vtl_formal_references_are_escaped_and_placeholders_kept() {
    let stack = stack_of(&api_of(&openapi_yaml()));
    let scan = stack
        .pointer("/Resources/Api/Properties/Body/paths/~1/get/x-amazon-apigateway-integration")
        .expect("scan integration");
    let template = scan
        .pointer("/requestTemplates/application~1json/Fn::Sub")
        .and_then(Value::as_str)
        .expect("the Scan request template is an Fn::Sub");
    assert!(template.contains(r#"$cursor.matches("${!part}[.]${!part}")"#));
    assert!(template.contains(r#""TableName": "${TableName}""#));
    assert_eq!(
        scan["credentials"],
        json!({"Fn::GetAtt": ["IntegrationRole", "Arn"]})
    );
    // A template without placeholders stays a plain string, `${` and all.
    let response = scan
        .pointer("/responses/2\\d{2}/responseTemplates/application~1json")
        .and_then(Value::as_str)
        .expect("plain response template");
    assert!(response.contains("${nextArtist}.${nextAlbum}"));
}

#[test]
fn the_deployment_id_follows_the_body() {
    let deployment = |text: &str| -> String {
        let stack = stack_of(&api_of(text));
        stack["Resources"]
            .as_object()
            .expect("resources")
            .keys()
            .find(|k| k.starts_with("Deployment"))
            .cloned()
            .expect("a deployment")
    };
    let a = deployment(&openapi_yaml());
    let b =
        deployment(&openapi_yaml().replace("summary: Read one album", "summary: Read an album"));
    assert_ne!(a, b, "a changed API must get a new deployment");
}

const RULES: &str = include_str!("data/rules.yaml");

#[test]
fn a_small_spec_gets_its_own_table_role_and_escapes() {
    let stack = stack_of(&api_of(RULES));
    let statement = stack
        .pointer("/Resources/IntegrationRole/Properties/Policies/0/PolicyDocument/Statement/0")
        .expect("statement");
    assert_eq!(statement["Action"], json!(["dynamodb:GetItem"]));
    assert_eq!(
        statement["Resource"],
        json!([{"Fn::GetAtt": ["ThingsTable", "Arn"]}])
    );
    assert_eq!(stack["Parameters"]["TableName"]["Default"], "things");
    assert!(stack["Parameters"].get("RoleArn").is_none());
    let integration = stack
        .pointer("/Resources/Api/Properties/Body/paths/~1things~1{id}/get/x-amazon-apigateway-integration")
        .expect("integration");
    assert_eq!(
        integration["credentials"],
        json!({"Fn::GetAtt": ["IntegrationRole", "Arn"]})
    );
    let template = integration
        .pointer("/requestTemplates/application~1json/Fn::Sub")
        .and_then(Value::as_str)
        .expect("Fn::Sub template");
    assert!(
        template.contains(r#""TableName": "${TableName}""#),
        "{template}"
    );
    assert!(template.contains(r#""Note": "${!part}""#), "{template}");
    // A placeholder inside a longer string that also needs the variable map.
    let with_role_in_text = RULES.replace(
        "credentials: ${RoleArn}",
        "credentials: ${RoleArn}\n        cacheNamespace: ns-${RoleArn}-${TableName}",
    );
    let stack = stack_of(&api_of(&with_role_in_text));
    let ns = stack
        .pointer("/Resources/Api/Properties/Body/paths/~1things~1{id}/get/x-amazon-apigateway-integration/cacheNamespace")
        .expect("cacheNamespace");
    assert_eq!(
        ns,
        &json!({"Fn::Sub": ["ns-${RoleArn}-${TableName}", {"RoleArn": {"Fn::GetAtt": ["IntegrationRole", "Arn"]}}]})
    );
}

#[test]
fn a_stack_value_naming_no_resource_is_an_error() {
    let text = RULES.replace("stackValue: IntegrationRole.Arn", "stackValue: Nowhere.Arn");
    let e = emit::cloudformation::emit(&api_of(&text), &Options::default())
        .expect_err("unknown resource");
    let msg = e.to_string();
    assert!(
        msg.contains("/x-deploy-parameters/RoleArn/stackValue"),
        "{msg}"
    );
    assert!(msg.contains("Nowhere.Arn"), "{msg}");
}

#[test]
fn with_two_tables_each_action_is_granted_on_the_table_its_template_names() {
    let text = RULES
        .replace(
            "  TableName:\n    default: things\n",
            "  TableName:\n    default: things\n  LogTableName:\n    default: log\n",
        )
        .replace(
            "x-deploy-stage:",
            "  Log:\n    TableName: ${LogTableName}\n    AttributeDefinitions:\n      - AttributeName: id\n        AttributeType: S\n    KeySchema:\n      - AttributeName: id\n        KeyType: HASH\n    GlobalSecondaryIndexes: []\nx-deploy-stage:",
        );
    let stack = stack_of(&api_of(&text));
    let statements = stack
        .pointer("/Resources/IntegrationRole/Properties/Policies/0/PolicyDocument/Statement")
        .and_then(Value::as_array)
        .expect("statements");
    assert_eq!(statements.len(), 1, "only the table the template names");
    assert_eq!(statements[0]["Sid"], "ThingsTable");
    assert!(stack.pointer("/Resources/LogTable").is_some());
    let moved = text.replace(
        r#""TableName": "${TableName}""#,
        r#""TableName": "${LogTableName}""#,
    );
    let stack = stack_of(&api_of(&moved));
    assert_eq!(
        stack.pointer(
            "/Resources/IntegrationRole/Properties/Policies/0/PolicyDocument/Statement/0/Sid"
        ),
        Some(&json!("LogTable"))
    );
}

/// A deploy parameter named like the table's logical id (`ThingsTable`, as a team that imports
/// its stack has it): the generator picks another id for the table instead of refusing.
#[test]
fn a_parameter_named_like_a_table_logical_id_moves_the_table_id() {
    let text = RULES
        .replace(
            "  TableName:\n    default: things\n",
            "  ThingsTable:\n    default: things\n",
        )
        .replace("${TableName}", "${ThingsTable}");
    let stack = stack_of(&api_of(&text));
    assert!(
        stack.pointer("/Parameters/ThingsTable").is_some(),
        "{stack:#}"
    );
    let table = stack
        .pointer("/Resources/ThingsDynamoDBTable")
        .expect("the table under another id");
    assert_eq!(table["Type"], "AWS::DynamoDB::Table");
    assert_eq!(
        table["Properties"]["TableName"],
        json!({"Ref": "ThingsTable"})
    );
    assert!(stack.pointer("/Resources/ThingsTable").is_none());
    assert_eq!(
        stack.pointer(
            "/Resources/IntegrationRole/Properties/Policies/0/PolicyDocument/Statement/0/Resource/0"
        ),
        Some(&json!({"Fn::GetAtt": ["ThingsDynamoDBTable", "Arn"]}))
    );
}

fn events_api(edit: impl Fn(String) -> String) -> apidef::Api {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/events/openapi.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let edited = path.with_file_name(format!("openapi-edited-{}.yaml", std::process::id()));
    let text = edit(text);
    // The example's file stays as it is: the edited text is loaded under a name beside it.
    let api = apidef::Api::from_str_with(&text, &edited.to_string_lossy(), &IndexMap::new());
    api.unwrap_or_else(|e| panic!("the edited events example does not load: {e}"))
}

/// Every action of every statement of the integration role.
fn granted(stack: &Value) -> BTreeSet<String> {
    stack
        .pointer("/Resources/IntegrationRole/Properties/Policies/0/PolicyDocument/Statement")
        .and_then(Value::as_array)
        .expect("policy statements")
        .iter()
        .flat_map(|s| s["Action"].as_array().expect("actions").clone())
        .map(|a| a.as_str().expect("action").to_string())
        .collect()
}

fn dynamodb(actions: &[&str]) -> BTreeSet<String> {
    actions.iter().map(|a| format!("dynamodb:{a}")).collect()
}

/// `TransactWriteItems` is no IAM action (cfn-lint W3037): a transaction is allowed by the item
/// actions of its members, here the `Update`, `Put` and `Delete` the events example writes (no
/// `ConditionCheck`, so no `ConditionCheckItem`).
#[test]
fn a_transaction_is_granted_the_item_actions_of_its_members() {
    let stack = stack_of(&events_api(|t| t));
    assert_eq!(
        granted(&stack),
        dynamodb(&["DeleteItem", "GetItem", "PutItem", "Query", "UpdateItem"])
    );
    // Only the members written: register alone needs UpdateItem and PutItem.
    let register_only = events_api(|t| {
        t.replace("action/DeleteItem", "action/GetItem").replacen(
            "{\"Delete\": {",
            "{\"Update\": {",
            1,
        )
    });
    assert_eq!(
        granted(&stack_of(&register_only)),
        dynamodb(&["GetItem", "PutItem", "Query", "UpdateItem"])
    );
    // A ConditionCheck member is ConditionCheckItem.
    let check = events_api(|t| t.replacen("{\"Delete\": {", "{\"ConditionCheck\": {", 1));
    assert!(granted(&stack_of(&check)).contains("dynamodb:ConditionCheckItem"));
}

/// When the template does not show which members it writes (the items come from the request,
/// or a reference stands where an item could be), all four item actions are granted.
#[test]
fn a_transaction_whose_members_cannot_be_told_gets_all_four_item_actions() {
    let all = dynamodb(&["ConditionCheckItem", "DeleteItem", "PutItem", "UpdateItem"]);
    for (what, from, to) in [
        (
            "items from the request",
            "\"TransactItems\": [",
            "\"TransactItems\": $input.json('$.items'), \"Unused\": [",
        ),
        (
            "a reference in item position",
            "\"TransactItems\": [",
            "\"TransactItems\": [$input.json('$.extra'),",
        ),
    ] {
        let api = events_api(|t| t.replacen(from, to, 1));
        let actions = granted(&stack_of(&api));
        assert!(actions.is_superset(&all), "{what}: {actions:?}");
        assert!(
            !actions.iter().any(|a| a.contains("Transact")),
            "{what}: {actions:?}"
        );
    }
}

/// `TransactGetItems` is `GetItem`; `BatchWriteItem` and `BatchGetItem` are IAM actions; a
/// PartiQL statement is one of the four `PartiQL*` actions.
#[test]
fn transact_get_is_get_item_and_batch_actions_are_kept() {
    let partiql: &[&str] = &[
        "PartiQLDelete",
        "PartiQLInsert",
        "PartiQLSelect",
        "PartiQLUpdate",
    ];
    for (action, expected) in [
        ("TransactGetItems", &["GetItem"][..]),
        ("BatchGetItem", &["BatchGetItem"]),
        ("BatchWriteItem", &["BatchWriteItem"]),
        ("Query", &["Query"]),
        ("ExecuteStatement", partiql),
        ("ExecuteTransaction", partiql),
    ] {
        let text = RULES.replace(
            "dynamodb:action/GetItem",
            &format!("dynamodb:action/{action}"),
        );
        let stack = stack_of(&api_of(&text));
        assert_eq!(granted(&stack), dynamodb(expected), "{action}");
    }
}

/// `x-usage-plans` become `AWS::ApiGateway::UsagePlan`s on the stack's stage, each with an API
/// key linked to it (cfn-lint checks the example's stack in scripts/try-api); the imported
/// third-party template (aws-samples apigw-rest-api-dynamodb-gsi) carries its plan across.
#[test]
fn usage_plans_are_declared_with_a_key_each() {
    let text = std::fs::read_to_string(format!(
        "{}/../examples/inventory/openapi.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the inventory example");
    let stack = stack_of(&api_of(&text));
    let plan = resource(&stack, "UsagePlanPartners");
    assert_eq!(plan["Type"], "AWS::ApiGateway::UsagePlan");
    assert_eq!(
        plan["Properties"]["ApiStages"],
        serde_json::json!([{"ApiId": {"Ref": "Api"}, "Stage": {"Ref": "Stage"}}])
    );
    assert_eq!(plan["Properties"]["Throttle"]["BurstLimit"], 100);
    assert_eq!(plan["Properties"]["Quota"]["Period"], "MONTH");
    assert_eq!(
        resource(&stack, "UsagePlanPartnersKey")["Type"],
        "AWS::ApiGateway::ApiKey"
    );
    let link = resource(&stack, "UsagePlanPartnersKeyLink");
    assert_eq!(
        link["Properties"]["UsagePlanId"],
        serde_json::json!({"Ref": "UsagePlanPartners"})
    );
    assert_eq!(
        link["Properties"]["KeyId"],
        serde_json::json!({"Ref": "UsagePlanPartnersKey"})
    );
    assert!(stack["Outputs"]["UsagePlanPartnersKeyId"].is_object());

    let path = format!(
        "{}/../corpus/sp-apigw-rest-api-dynamodb-gsi/template.yml",
        env!("CARGO_MANIFEST_DIR")
    );
    let imported = import::import_file(&path, &import::ImportOptions::default()).expect("imports");
    let stack = stack_of(&api_of(&imported.yaml));
    let plan = resource(&stack, "UsagePlanApiUsagePlan");
    assert_eq!(plan["Properties"]["Throttle"]["RateLimit"], 500.0);
    assert_eq!(plan["Properties"]["Quota"]["Limit"], 10000);
}

/// The stage's throttle is the `/*` `*` method setting's, each `methodSettings` override is a
/// MethodSettings entry of its own (resource path `~1`-escaped, the stage's logging and metrics
/// kept), and a plan's `methodThrottle` is its `ApiStages` entry's `Throttle`.
#[test]
fn stage_method_and_plan_throttles_are_declared() {
    let mut doc: Value = serde_yaml::from_str(&openapi_yaml()).expect("YAML");
    doc["x-deploy-stage"]["throttling"] = json!({"rateLimit": 50, "burstLimit": 20});
    doc["x-deploy-stage"]["methodSettings"] = json!({
        "/{artist}/{album}/GET": {"throttling": {"rateLimit": 5.5, "burstLimit": 2}}
    });
    doc["x-usage-plans"] = json!({"basic": {
        "throttle": {"rateLimit": 10, "burstLimit": 10},
        "methodThrottle": {"/album/POST": {"rateLimit": 1, "burstLimit": 1}}
    }});
    let api = api_of(&serde_json::to_string(&doc).unwrap());
    let stack = stack_of(&api);
    let settings = &resource(&stack, "Stage")["Properties"]["MethodSettings"];
    let all = &settings[0];
    assert_eq!(
        (&all["ResourcePath"], &all["HttpMethod"]),
        (&json!("/*"), &json!("*"))
    );
    assert_eq!(all["ThrottlingRateLimit"], 50.0);
    assert_eq!(all["ThrottlingBurstLimit"], 20);
    let one = &settings[1];
    assert_eq!(one["ResourcePath"], "/~1{artist}~1{album}");
    assert_eq!(one["HttpMethod"], "GET");
    assert_eq!(one["ThrottlingRateLimit"], 5.5);
    assert_eq!(one["ThrottlingBurstLimit"], 2);
    assert_eq!(one["LoggingLevel"], all["LoggingLevel"]);
    assert_eq!(one["MetricsEnabled"], all["MetricsEnabled"]);
    assert_eq!(settings.as_array().map(Vec::len), Some(2));
    let plan = resource(&stack, "UsagePlanBasic");
    assert_eq!(
        plan["Properties"]["ApiStages"],
        json!([{"ApiId": {"Ref": "Api"}, "Stage": {"Ref": "Stage"},
                "Throttle": {"/album/POST": {"RateLimit": 1.0, "BurstLimit": 1}}}])
    );
    if let Ok(out) = std::env::var("THROTTLE_STACK_OUT") {
        let artifact = emit::cloudformation::emit(&api, &Options::default()).expect("emit");
        std::fs::write(out, &artifact.contents).expect("write");
    }
}
