//! False positives and blind spots of the lint, each pinned by a correct template that must stay
//! quiet and, next to it, the broken one that must still fire. The documents are built as JSON
//! (linted as `.json`) so each test states only the operation it is about.

use lint::{Config, Finding, Report, lint, lint_with};
use serde_json::{Value, json};

/// `$util.escapeJavaScript(X).replaceAll("\\'","'")`, the escaping the lint asks for.
fn esc(x: &str) -> String {
    format!(r#"$util.escapeJavaScript({x}).replaceAll("\\'","'")"#)
}

const ERROR_400: &str =
    r#"{"message":"$util.escapeJavaScript($input.path('$.message')).replaceAll("\\'","'")"}"#;

fn error_schema() -> Value {
    json!({"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}})
}

/// The method responses every operation declares: 200 (with `schema` when given), 400, 500.
fn method_responses(schema: Option<Value>) -> Value {
    let mut ok = json!({"description": "OK"});
    if let Some(s) = schema {
        ok["content"] = json!({"application/json": {"schema": s}});
    }
    json!({
        "200": ok,
        "400": {"description": "Bad request", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "500": {"description": "Error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
    })
}

/// An AWS DynamoDB integration with honest error mapping.
fn integration(uri: Value, request: Option<&str>, success: &str) -> Value {
    let mut i = json!({
        "type": "aws",
        "httpMethod": "POST",
        "uri": uri,
        "credentials": "arn:aws:iam::123456789012:role/api",
        "passthroughBehavior": "never",
        "responses": {
            "2\\d{2}": {"statusCode": "200", "responseTemplates": {"application/json": success}},
            "4\\d{2}": {"statusCode": "400", "responseTemplates": {"application/json": ERROR_400}},
            "5\\d{2}": {"statusCode": "500", "responseTemplates": {"application/json": "{\"message\":\"DynamoDB failed\"}"}},
            "default": {"statusCode": "500", "responseTemplates": {"application/json": "{\"message\":\"unexpected\"}"}},
        },
    });
    if let Some(t) = request {
        i["requestTemplates"] = json!({"application/json": t});
    }
    i
}

fn uri(action: &str) -> Value {
    json!(format!(
        "arn:aws:apigateway:us-east-1:dynamodb:action/{action}"
    ))
}

/// The whole document: one table `things` keyed by `Id`, validators `body` and `params`.
fn api(paths: Value, schemas: Value) -> String {
    let mut all = json!({"Error": error_schema()});
    if let Value::Object(m) = schemas {
        for (k, v) in m {
            all[k] = v;
        }
    }
    let doc = json!({
        "openapi": "3.0.3",
        "info": {"title": "fixture", "version": "1"},
        "x-dynamodb-tables": {"Things": {
            "TableName": "things",
            "AttributeDefinitions": [{"AttributeName": "Id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "Id", "KeyType": "HASH"}],
        }},
        "x-amazon-apigateway-request-validators": {
            "body": {"validateRequestBody": true, "validateRequestParameters": true},
            "params": {"validateRequestBody": false, "validateRequestParameters": true},
        },
        "paths": paths,
        "components": {"schemas": all},
    });
    serde_json::to_string_pretty(&doc).expect("json")
}

/// `GET /things/{id}`: a GetItem on the path parameter.
fn get_op(request: &str, success: &str, schema: Option<Value>) -> Value {
    json!({
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": method_responses(schema),
        "x-amazon-apigateway-integration": integration(uri("GetItem"), Some(request), success),
    })
}

/// `POST /things`: a write with a request body of schema `Thing`, validated by `validator`.
fn post_op(action: &str, request: &str, success: &str, validator: Option<&str>) -> Value {
    let mut op = json!({
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
        "responses": method_responses(None),
        "x-amazon-apigateway-integration": integration(uri(action), Some(request), success),
    });
    if let Some(v) = validator {
        op["x-amazon-apigateway-request-validator"] = json!(v);
    }
    op
}

fn run(doc: &str) -> Report {
    lint("fixture.json", doc)
}

fn of<'a>(r: &'a Report, rule: &str) -> Vec<&'a Finding> {
    r.findings.iter().filter(|f| f.rule == rule).collect()
}

#[track_caller]
fn assert_quiet(r: &Report, rule: &str) {
    assert!(of(r, rule).is_empty(), "{rule} fired:\n{}", r.human());
}

#[track_caller]
fn assert_fires(r: &Report, rule: &str) {
    assert!(
        !of(r, rule).is_empty(),
        "{rule} did not fire:\n{}",
        r.human()
    );
}

#[track_caller]
fn assert_clean(r: &Report) {
    assert!(r.findings.is_empty(), "{}", r.human());
}

const GET_ITEM: &str = r#"{"TableName": "things", "Key": {"Id": {"S": "$util.escapeJavaScript($input.params('id')).replaceAll("\\'","'")"}}}"#;

/// A GetItem response template that also answers 404-free for a missing item.
fn get_success() -> String {
    format!(
        r#"#set($i = $input.path('$.Item'))
{{"id": "{}"}}"#,
        esc("$i.Id.S")
    )
}

fn id_schema() -> Value {
    json!({"type": "object", "properties": {"id": {"type": "string"}}})
}

#[test]
fn the_fixture_itself_is_clean() {
    let doc = api(
        json!({"/things/{id}": {"get": get_op(GET_ITEM, &get_success(), Some(id_schema()))}}),
        json!({}),
    );
    assert_clean(&run(&doc));
}

// 1. passthrough ---------------------------------------------------------------------------

fn with_passthrough(pb: &str, templates: bool) -> String {
    let mut op = get_op(GET_ITEM, &get_success(), Some(id_schema()));
    let i = &mut op["x-amazon-apigateway-integration"];
    i["passthroughBehavior"] = json!(pb);
    if !templates {
        i.as_object_mut()
            .expect("object")
            .remove("requestTemplates");
    }
    api(json!({"/things/{id}": {"get": op}}), json!({}))
}

#[test]
fn passthrough_when_no_templates_with_templates_is_quiet() {
    // With templates present, WHEN_NO_TEMPLATES answers 415 for other content types, like NEVER.
    assert_quiet(
        &run(&with_passthrough("when_no_templates", true)),
        "passthrough",
    );
    assert_quiet(
        &run(&with_passthrough("WHEN_NO_TEMPLATES", true)),
        "passthrough",
    );
}

#[test]
fn passthrough_still_fires_when_the_body_can_pass_through() {
    assert_fires(
        &run(&with_passthrough("when_no_templates", false)),
        "passthrough",
    );
    assert_fires(
        &run(&with_passthrough("when_no_match", true)),
        "passthrough",
    );
    assert_fires(
        &run(&with_passthrough("when_no_match", false)),
        "passthrough",
    );
}

// 2. json-injection and the validated request model -----------------------------------------

fn order_schema() -> Value {
    json!({"Thing": {
        "type": "object",
        "required": ["id", "quantity", "price", "paid", "status", "ref", "at"],
        "properties": {
            "id": {"type": "string", "minLength": 1},
            "quantity": {"type": "integer", "minimum": 1},
            "price": {"type": "number"},
            "paid": {"type": "boolean"},
            "status": {"type": "string", "enum": ["new", "paid", "shipped"]},
            "ref": {"type": "string", "pattern": "^[A-Za-z0-9-]{1,64}$"},
            "at": {"type": "string", "format": "date-time"},
            "sizes": {"type": "array", "items": {"type": "integer"}},
        },
    }})
}

fn order_template(fields: &str) -> String {
    format!(
        r#"#set($o = $input.path('$'))
{{"TableName": "things", "Item": {{"Id": {{"S": "{}"}}{fields}}}}}"#,
        esc("$o.id")
    )
}

const ORDER_FIELDS: &str = r##", "Quantity": {"N": "$o.quantity"}, "Price": {"N": "$input.path('$.price')"}, "Paid": {"BOOL": $o.paid}, "Status": {"S": "$o.status"}, "Ref": {"S": "$o.ref"}, "At": {"S": "$input.path('$.at')"}#if($o.sizes.size() > 0), "Sizes": {"NS": [#foreach($s in $o.sizes)"$s"#if($foreach.hasNext),#end#end]}#end"##;

fn order_doc(validator: Option<&str>, fields: &str, root_validator: Option<&str>) -> String {
    let doc = api(
        json!({"/things": {"post": post_op("PutItem", &order_template(fields), "", validator)}}),
        order_schema(),
    );
    match root_validator {
        None => doc,
        Some(v) => {
            let mut d: Value = serde_json::from_str(&doc).expect("json");
            d["x-amazon-apigateway-request-validator"] = json!(v);
            d.to_string()
        }
    }
}

#[test]
fn json_injection_trusts_what_the_validator_guarantees() {
    let r = run(&order_doc(Some("body"), ORDER_FIELDS, None));
    assert_clean(&r);
    // The document-wide default validator counts too.
    let r = run(&order_doc(None, ORDER_FIELDS, Some("body")));
    assert_quiet(&r, "json-injection");
}

#[test]
fn json_injection_without_body_validation_still_fires() {
    for doc in [
        order_doc(None, ORDER_FIELDS, None),
        // A validator that checks only parameters.
        order_doc(Some("params"), ORDER_FIELDS, None),
        // The operation's own validator overrides the document's default.
        order_doc(Some("params"), ORDER_FIELDS, Some("body")),
    ] {
        let r = run(&doc);
        let fired: Vec<usize> = of(&r, "json-injection")
            .iter()
            .filter_map(|f| f.column)
            .collect();
        // quantity, price, paid (bare), status, ref, at and the sizes items: seven places.
        assert_eq!(fired.len(), 7, "{}", r.human());
    }
}

#[test]
fn json_injection_does_not_trust_weak_constraints() {
    let mut schemas = order_schema();
    let props = &mut schemas["Thing"]["properties"];
    // JSON Schema patterns are searched, not anchored: this one accepts `a"b`.
    props["ref"] = json!({"type": "string", "pattern": "[A-Za-z0-9-]{1,64}"});
    // An enum value with a quote.
    props["status"] = json!({"type": "string", "enum": ["new", "say \"hi\""]});
    // A format the validator does not assert for safety.
    props["at"] = json!({"type": "string", "format": "email"});
    let doc = api(
        json!({"/things": {"post": post_op("PutItem", &order_template(ORDER_FIELDS), "", Some("body"))}}),
        schemas,
    );
    let r = run(&doc);
    assert_eq!(of(&r, "json-injection").len(), 3, "{}", r.human());
}

// 3. json-injection after a `.matches()` check ---------------------------------------------

fn guarded_get(request: &str) -> String {
    api(
        json!({"/things/{id}": {"get": get_op(request, &get_success(), Some(id_schema()))}}),
        json!({}),
    )
}

#[test]
fn json_injection_trusts_a_safe_regex_check() {
    for regex in [
        "[A-Za-z0-9-]{1,64}",
        "^[0-9a-f-]{36}$",
        r"\d+",
        r"[\w-]+",
        "[a-z]+(-[a-z]+)*",
        r#"[^"\\\x00-\x1F]+"#,
    ] {
        // Directly on the parameter.
        let t = format!(
            r#"#if($input.params('id').matches('{regex}'))
{{"TableName": "things", "Key": {{"Id": {{"S": "$input.params('id')"}}}}}}
#else
{{"TableName": "things", "Key": {{"Id": {{"S": "invalid"}}}}}}
#end"#
        );
        assert_quiet(&run(&guarded_get(&t)), "json-injection");
        // On a variable, in a double-quoted VTL string.
        if !regex.contains('"') {
            let t = format!(
                r#"#set($id = $input.params('id'))
#if($id.matches("{regex}")){{"TableName": "things", "Key": {{"Id": {{"S": "$id"}}}}}}#end"#
            );
            assert_quiet(&run(&guarded_get(&t)), "json-injection");
        }
        // Through a flag variable.
        let t = format!(
            r#"#set($id = $input.params('id'))
#set($bad = false)
#if(!$id.matches('{regex}'))#set($bad = true)#end
#if($bad)
{{"TableName": "things", "Key": {{"Id": {{"S": "-"}}}}}}
#else
{{"TableName": "things", "Key": {{"Id": {{"S": "$id"}}}}}}
#end"#
        );
        assert_quiet(&run(&guarded_get(&t)), "json-injection");
        let t = format!(
            r#"#set($id = $input.params('id'))
#set($ok = $id.matches('{regex}'))
#if(!$ok){{}}#else{{"TableName": "things", "Key": {{"Id": {{"S": "$id"}}}}}}#end"#
        );
        assert_quiet(&run(&guarded_get(&t)), "json-injection");
    }
}

#[test]
fn json_injection_distrusts_an_unsafe_regex_check() {
    for regex in [
        ".+", "[^,]+", r"[\s\S]*", r"[\w\s]+", "[a-z\"]+", r"\S+", "(?s).*",
    ] {
        let t = format!(
            r#"#set($id = $input.params('id'))
#if($id.matches('{regex}')){{"TableName": "things", "Key": {{"Id": {{"S": "$id"}}}}}}#end"#
        );
        assert_fires(&run(&guarded_get(&t)), "json-injection");
    }
    // The flag is set on the wrong branch, or the value changes after the check.
    for t in [
        r#"#set($id = $input.params('id'))#set($bad = false)
#if($id.matches('\d+'))#set($bad = true)#end
#if(!$bad){"TableName": "things", "Key": {"Id": {"S": "$id"}}}#end"#,
        r#"#set($id = $input.params('id'))
#if($id.matches('\d+'))#set($id = "$id$input.params('x')"){"TableName": "things", "Key": {"Id": {"S": "$id"}}}#end"#,
        r#"#set($id = $input.params('id'))#set($bad = $input.params('flag'))
#if(!$id.matches('\d+'))#set($bad = true)#end
#if(!$bad){"TableName": "things", "Key": {"Id": {"S": "$id"}}}#end"#,
    ] {
        assert_fires(&run(&guarded_get(t)), "json-injection");
    }
}

// 4. invalid-json and the replies DynamoDB can give -----------------------------------------

fn update_op(return_values: &str, success: &str) -> Value {
    let request = format!(
        r##"{{"TableName": "things", "Key": {{"Id": {{"S": "$util.escapeJavaScript($input.params('id')).replaceAll("\\'","'")"}}}}, "UpdateExpression": "ADD #c :one", "ExpressionAttributeNames": {{"#c": "Count"}}, "ExpressionAttributeValues": {{":one": {{"N": "1"}}}}, "ReturnValues": "{return_values}"}}"##
    );
    json!({
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": method_responses(Some(json!({"type": "object", "properties": {"count": {"type": "integer"}}}))),
        "x-amazon-apigateway-integration": integration(uri("UpdateItem"), Some(&request), success),
    })
}

const COUNT_FROM_ATTRIBUTES: &str = r#"{"count": $input.path('$.Attributes.Count.N')}"#;

#[test]
fn invalid_json_knows_update_item_all_new_always_has_attributes() {
    let doc = api(
        json!({"/things/{id}": {"post": update_op("ALL_NEW", COUNT_FROM_ATTRIBUTES)}}),
        json!({}),
    );
    assert_clean(&run(&doc));
    let doc = api(
        json!({"/things/{id}": {"post": update_op("UPDATED_NEW", COUNT_FROM_ATTRIBUTES)}}),
        json!({}),
    );
    assert_quiet(&run(&doc), "invalid-json");
}

#[test]
fn invalid_json_still_sees_replies_without_attributes() {
    // ALL_OLD of an update that created the item, and NONE, have no Attributes.
    for rv in ["ALL_OLD", "NONE", "UPDATED_OLD"] {
        let doc = api(
            json!({"/things/{id}": {"post": update_op(rv, COUNT_FROM_ATTRIBUTES)}}),
            json!({}),
        );
        assert_fires(&run(&doc), "invalid-json");
    }
    // A GetItem of a missing key has no Item.
    let doc = api(
        json!({"/things/{id}": {"get": get_op(GET_ITEM, r#"{"count": $input.path('$.Item.Count.N')}"#, Some(json!({"type": "object"})))}}),
        json!({}),
    );
    assert_fires(&run(&doc), "invalid-json");
}

#[test]
fn invalid_json_knows_query_and_scan_always_have_items_and_count() {
    let scan = json!({
        "responses": method_responses(Some(json!({"type": "object", "properties": {"count": {"type": "integer"}, "next": {"type": "string"}}}))),
        "x-amazon-apigateway-integration": integration(
            uri("Scan"),
            Some(r##"{"TableName": "things"#if("$!input.params('c')" != ""), "ExclusiveStartKey": {"Id": {"S": "$util.escapeJavaScript($input.params('c')).replaceAll("\\'","'")"}}#end}"##),
            r#"{"count": $input.path('$.Count'), "next": "$util.escapeJavaScript($input.path('$.LastEvaluatedKey.Id.S')).replaceAll("\\'","'")"}"#,
        ),
        "parameters": [{"name": "c", "in": "query", "schema": {"type": "string"}}],
    });
    let doc = api(json!({"/things": {"get": scan}}), json!({}));
    assert_clean(&run(&doc));
}

// 5. lossy-error ---------------------------------------------------------------------------

#[test]
fn lossy_error_accepts_every_way_of_reading_the_error_body() {
    for t in [
        r#"{"type": "$util.escapeJavaScript($!input.path('$.__type')).replaceAll("\\'","'")"}"#,
        r#"#set($t = "$!input.path('$.__type')"){"message": "$util.escapeJavaScript($t).replaceAll("\\'","'")"}"#,
        r#"{"message": $input.json('$.message')}"#,
        r#"#set($e = $input.path('$'))#set($t = $e.__type){"message": "$util.escapeJavaScript($t).replaceAll("\\'","'")"}"#,
        r#"#set($e = $util.parseJson($input.body))#set($t = $e.__type){"message": "$util.escapeJavaScript($t).replaceAll("\\'","'")"}"#,
        r#"#set($t = "${input.path('$.__type')}"){"message": "$util.escapeJavaScript($t).replaceAll("\\'","'")"}"#,
    ] {
        let mut op = get_op(GET_ITEM, &get_success(), Some(id_schema()));
        op["x-amazon-apigateway-integration"]["responses"]["4\\d{2}"]["responseTemplates"]["application/json"] =
            json!(t);
        let doc = api(json!({"/things/{id}": {"get": op}}), json!({}));
        assert_quiet(&run(&doc), "lossy-error");
    }
}

// 6. CDK's CORS preflight mock --------------------------------------------------------------

fn cors_options(request: &str) -> Value {
    json!({
        "responses": {"204": {"description": "CORS", "headers": {
            "Access-Control-Allow-Headers": {"schema": {"type": "string"}},
            "Access-Control-Allow-Origin": {"schema": {"type": "string"}},
            "Access-Control-Allow-Methods": {"schema": {"type": "string"}},
        }}},
        "x-amazon-apigateway-integration": {
            "type": "mock",
            "requestTemplates": {"application/json": request},
            "responses": {"default": {"statusCode": "204", "responseParameters": {
                "method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent'",
                "method.response.header.Access-Control-Allow-Origin": "'*'",
                "method.response.header.Access-Control-Allow-Methods": "'OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD'",
            }}},
        },
    })
}

#[test]
fn invalid_json_accepts_the_cdk_cors_mock_template() {
    let doc = api(
        json!({"/things/{id}": {
            "get": get_op(GET_ITEM, &get_success(), Some(id_schema())),
            "options": cors_options("{ statusCode: 200 }"),
        }}),
        json!({}),
    );
    assert_clean(&run(&doc));
    // A real DynamoDB request template is still held to strict JSON.
    let doc = api(
        json!({"/things/{id}": {"get": get_op("{ TableName: 'things' }", &get_success(), Some(id_schema()))}}),
        json!({}),
    );
    assert_fires(&run(&doc), "invalid-json");
}

// 7. action-dependent rules on every way of writing the URI -----------------------------------

fn uris(action: &str) -> Vec<Value> {
    vec![
        json!(format!(
            "arn:aws:apigateway:${{AWS::Region}}:dynamodb:action/{action}"
        )),
        json!(format!(
            "arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:dynamodb:action/{action}"
        )),
        json!({"Fn::Sub": format!("arn:aws:apigateway:${{AWS::Region}}:dynamodb:action/{action}")}),
        json!({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":apigateway:", {"Ref": "AWS::Region"}, format!(":dynamodb:action/{action}")]]}),
    ]
}

/// A Scan whose success template breaks only when the reply has items: invalid-json can see
/// it only by simulating a Scan reply.
const BREAKS_ON_ITEMS: &str =
    r#"#if($input.path('$.Count') > 0){"count": $input.path('$.Count'),}#else{}#end"#;

fn scan_op(u: Value) -> Value {
    json!({
        "responses": method_responses(Some(json!({"type": "object", "properties": {"count": {"type": "integer"}}}))),
        "x-amazon-apigateway-integration": integration(u, Some(r#"{"TableName": "things"}"#), BREAKS_ON_ITEMS),
    })
}

#[test]
fn action_rules_see_through_placeholders_and_intrinsics() {
    // The control: not a DynamoDB URI, so no action-dependent rule runs.
    let r = run(&api(
        json!({"/things": {"get": scan_op(json!("arn:aws:apigateway:us-east-1:s3:path/bucket"))}}),
        json!({}),
    ));
    for rule in ["pagination", "invalid-json"] {
        assert_quiet(&r, rule);
    }
    for u in uris("Scan") {
        let mut op = scan_op(u.clone());
        let r = run(&api(json!({"/things": {"get": op.clone()}}), json!({})));
        // pagination: a Scan that never pages; invalid-json: the reply with items.
        assert_fires(&r, "pagination");
        assert_fires(&r, "invalid-json");
        // error-to-success: errors that end in a 200.
        let responses = &mut op["x-amazon-apigateway-integration"]["responses"];
        responses["4\\d{2}"]["statusCode"] = json!("200");
        responses["4\\d{2}"]["responseTemplates"]["application/json"] =
            json!("{\"message\":\"no\"}");
        let r = run(&api(json!({"/things": {"get": op.clone()}}), json!({})));
        assert_fires(&r, "error-to-success");
        // lossy-error: a fixed body for every 400.
        let responses = &mut op["x-amazon-apigateway-integration"]["responses"];
        responses["4\\d{2}"]["statusCode"] = json!("400");
        let r = run(&api(json!({"/things": {"get": op}}), json!({})));
        assert_fires(&r, "lossy-error");
    }
}

// 8. one defect, one finding ----------------------------------------------------------------

#[test]
fn an_unescaped_value_is_one_json_injection_not_also_invalid_json() {
    let t = r#"{"TableName": "things", "Key": {"Id": {"S": "$input.params('id')"}}}"#;
    let r = run(&guarded_get(t));
    assert_eq!(of(&r, "json-injection").len(), 1, "{}", r.human());
    assert_quiet(&r, "invalid-json");
    // escape-quote is the cause of the `\'` that breaks the JSON.
    let t = r#"{"TableName": "things", "Key": {"Id": {"S": "$util.escapeJavaScript($input.params('id'))"}}}"#;
    let r = run(&guarded_get(t));
    assert_eq!(of(&r, "escape-quote").len(), 1, "{}", r.human());
    assert_quiet(&r, "invalid-json");
    // A second, independent defect in the same template is still reported.
    let t = r#"{"TableName": "things",, "Key": {"Id": {"S": "$input.params('id')"}}}"#;
    let r = run(&guarded_get(t));
    assert_fires(&r, "json-injection");
    assert_fires(&r, "invalid-json");
}

// 9. allow and deny -------------------------------------------------------------------------

const UNESCAPED: &str = r#"{"TableName": "things", "Key": {"Id": {"S": "$input.params('id')"}}}"#;

fn with_x_lint(root: Option<Value>, op: Option<Value>) -> String {
    let mut o = get_op(UNESCAPED, &get_success(), Some(id_schema()));
    // A warning to play with: no default response, and 501-599 unmatched.
    let responses = o["x-amazon-apigateway-integration"]["responses"]
        .as_object_mut()
        .expect("responses");
    responses.remove("default");
    let five = responses.remove("5\\d{2}").expect("5xx");
    responses.insert("500".into(), five);
    if let Some(x) = op {
        o["x-lint"] = x;
    }
    let mut d: Value =
        serde_json::from_str(&api(json!({"/things/{id}": {"get": o}}), json!({}))).expect("json");
    if let Some(x) = root {
        d["x-lint"] = x;
    }
    d.to_string()
}

fn finding<'a>(r: &'a Report, rule: &str) -> &'a Finding {
    r.findings
        .iter()
        .find(|f| f.rule == rule)
        .unwrap_or_else(|| panic!("no {rule}:\n{}", r.human()))
}

#[test]
fn x_lint_allow_at_the_root_and_per_operation() {
    let base = run(&with_x_lint(None, None));
    assert!(!finding(&base, "json-injection").allowed);
    assert_eq!(base.errors(), 1, "{}", base.human());
    assert_eq!(base.warnings(), 1, "{}", base.human());

    let r = run(&with_x_lint(
        Some(json!({"allow": ["json-injection"]})),
        None,
    ));
    assert!(finding(&r, "json-injection").allowed);
    assert_eq!((r.errors(), r.warnings()), (0, 1), "{}", r.human());

    let r = run(&with_x_lint(
        None,
        Some(
            json!({"allow": [{"rule": "no-default", "reason": "every status is matched"}, "json-injection"]}),
        ),
    ));
    let f = finding(&r, "no-default");
    assert!(f.allowed);
    assert_eq!(f.allow_reason.as_deref(), Some("every status is matched"));
    assert_eq!((r.errors(), r.warnings()), (0, 0), "{}", r.human());
    // Allowed findings are kept, flagged, and shown as one line.
    assert_eq!(r.findings.len(), base.findings.len());
    let human = r.human();
    assert!(human.contains("allowed[no-default]"), "{human}");
    assert!(human.contains("every status is matched"), "{human}");
    assert!(!human.contains("error[json-injection]"), "{human}");
    let j = r.json();
    let allowed: Vec<bool> = j["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["allowed"].as_bool().expect("allowed"))
        .collect();
    assert!(allowed.iter().all(|a| *a), "{j}");
    assert_eq!(j["errors"], 0);
}

#[test]
fn per_operation_allow_does_not_leak_to_other_operations() {
    let mut d: Value = serde_json::from_str(&with_x_lint(
        None,
        Some(json!({"allow": ["json-injection"]})),
    ))
    .expect("json");
    let mut other = d["paths"]["/things/{id}"]["get"].clone();
    other.as_object_mut().expect("op").remove("x-lint");
    d["paths"]["/other/{id}"] = json!({"get": other});
    let r = run(&d.to_string());
    let inj = of(&r, "json-injection");
    assert_eq!(inj.len(), 2, "{}", r.human());
    for f in inj {
        assert_eq!(
            f.allowed,
            f.operation.as_deref() == Some("GET /things/{id}"),
            "{f:?}"
        );
    }
}

#[test]
fn config_allow_and_deny() {
    let doc = with_x_lint(Some(json!({"allow": ["no-default"]})), None);
    let cfg = Config {
        allow: vec!["json-injection".into()],
        deny: vec![],
        ..Default::default()
    };
    let r = lint_with("fixture.json", &doc, &cfg);
    assert!(finding(&r, "json-injection").allowed);
    assert!(finding(&r, "no-default").allowed);
    assert_eq!((r.errors(), r.warnings()), (0, 0));
    // deny makes a warning an error and overrides the document's allow.
    let cfg = Config {
        allow: vec![],
        deny: vec!["no-default".into()],
        ..Default::default()
    };
    let r = lint_with("fixture.json", &doc, &cfg);
    let f = finding(&r, "no-default");
    assert!(!f.allowed);
    assert_eq!(f.severity, lint::Severity::Error);
    assert_eq!((r.errors(), r.warnings()), (2, 0), "{}", r.human());
    // The default config is `lint`.
    assert_eq!(
        lint_with("fixture.json", &doc, &Config::default()),
        lint("fixture.json", &doc)
    );
}

#[test]
fn unknown_rule_ids_are_an_error_naming_the_id() {
    let doc = with_x_lint(
        Some(json!({"allow": ["json-injektion"]})),
        Some(json!({"allow": [{"rule": "no-defualt", "reason": "typo"}]})),
    );
    let r = lint_with(
        "fixture.json",
        &doc,
        &Config {
            allow: vec!["pagnation".into()],
            deny: vec!["nope".into()],
            ..Default::default()
        },
    );
    let config: Vec<&Finding> = of(&r, "lint-config");
    for id in ["json-injektion", "no-defualt", "pagnation", "nope"] {
        assert!(
            config.iter().any(|f| f.message.contains(id)),
            "{id} not reported:\n{}",
            r.human()
        );
    }
    assert!(config.iter().all(|f| f.severity == lint::Severity::Error));
    // The misspelt allow allows nothing.
    assert!(!finding(&r, "json-injection").allowed);
}

#[test]
fn sarif_reports_allowed_findings_as_suppressions() {
    let doc = with_x_lint(
        None,
        Some(json!({"allow": [{"rule": "json-injection", "reason": "ids are checked upstream"}]})),
    );
    let r = lint_with(
        "fixture.json",
        &doc,
        &Config {
            allow: vec!["no-default".into()],
            deny: vec![],
            ..Default::default()
        },
    );
    let sarif = r.sarif();
    let schema: Value =
        serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let by_rule = |id: &str| {
        results
            .iter()
            .find(|x| x["ruleId"] == id)
            .unwrap_or_else(|| panic!("{id}"))
            .clone()
    };
    let inj = by_rule("json-injection");
    assert_eq!(inj["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        inj["suppressions"][0]["justification"],
        "ids are checked upstream"
    );
    assert_eq!(by_rule("no-default")["suppressions"][0]["kind"], "external");
}

// Found in the corpus -----------------------------------------------------------------------

/// The GetItem fixture with its integration responses replaced.
fn with_responses(responses: Value) -> String {
    let mut op = get_op(GET_ITEM, &get_success(), Some(id_schema()));
    op["x-amazon-apigateway-integration"]["responses"] = responses;
    api(json!({"/things/{id}": {"get": op}}), json!({}))
}

#[test]
fn lossy_error_accepts_a_400_that_passes_the_error_body_through() {
    // No template, or an empty one: API Gateway passes DynamoDB's error body through unchanged
    // (apigateway-semantics.md §3.4). (books-openapi-terraform-templatefile)
    for four in [
        json!({"statusCode": "400"}),
        json!({"statusCode": "400", "responseTemplates": {"application/json": ""}}),
    ] {
        let doc = with_responses(json!({
            "2\\d{2}": {"statusCode": "200", "responseTemplates": {"application/json": get_success()}},
            "4\\d{2}": four,
            "5\\d{2}": {"statusCode": "500"},
            "default": {"statusCode": "500"},
        }));
        assert_quiet(&run(&doc), "lossy-error");
    }
}

#[test]
fn no_default_is_quiet_when_every_dynamodb_status_is_matched() {
    // DynamoDB answers 200 or an error status: `200`, `4\d{2}` and `5\d{2}` cover them all.
    // (books-openapi-terraform-templatefile)
    let doc = with_responses(json!({
        "200": {"statusCode": "200", "responseTemplates": {"application/json": get_success()}},
        "4\\d{2}": {"statusCode": "400", "responseTemplates": {"application/json": ERROR_400}},
        "5\\d{2}": {"statusCode": "500"},
    }));
    assert_clean(&run(&doc));
    // A 5xx nobody maps still is a finding.
    let doc = with_responses(json!({
        "200": {"statusCode": "200", "responseTemplates": {"application/json": get_success()}},
        "4\\d{2}": {"statusCode": "400", "responseTemplates": {"application/json": ERROR_400}},
        "500": {"statusCode": "500"},
    }));
    let r = run(&doc);
    assert_fires(&r, "no-default");
    assert!(
        of(&r, "no-default")[0].message.contains("503"),
        "{}",
        r.human()
    );
}

#[test]
fn fn_sub_templates_keep_unknown_stack_values_as_references() {
    // `${TTL}` is a stack parameter: CloudFormation puts its value into the VTL, the lint cannot
    // know it, and must neither put the name into the code (`#set($ttl = TTL)` does not parse)
    // nor call it undefined. (divmora-url-shortener-sigv4)
    let request = json!({"Fn::Sub": [
        "#set($ttl = ${TTL})#set($stage = \"${!context.requestId}\")\n{\"TableName\": \"${Table}\", \"Key\": {\"Id\": {\"S\": \"$util.escapeJavaScript($input.params('id')).replaceAll(\"\\\\'\",\"'\")\"}}, \"Region\": \"${AWS::Region}\", \"Ttl\": \"$ttl\", \"Tag\": \"${Tag}\"}",
        {"Tag": "v1"}
    ]});
    let mut op = get_op(GET_ITEM, &get_success(), Some(id_schema()));
    op["x-amazon-apigateway-integration"]["requestTemplates"]["application/json"] = request;
    let r = run(&api(json!({"/things/{id}": {"get": op}}), json!({})));
    for rule in ["template-parse", "undefined-root", "invalid-json"] {
        assert_quiet(&r, rule);
    }
}

#[test]
fn response_checks_still_run_when_the_update_writes_hostile_strings() {
    // ALL_NEW returns what the request wrote; the request rendered with hostile strings must not
    // leave the response template only replies it cannot render as JSON.
    let request = r##"{"TableName": "things", "Key": {"Id": {"S": "$util.escapeJavaScript($input.params('id')).replaceAll("\\'","'")"}}, "UpdateExpression": "SET #n = :n", "ExpressionAttributeNames": {"#n": "Name"}, "ExpressionAttributeValues": {":n": {"S": "$util.escapeJavaScript($input.params('id')).replaceAll("\\'","'")"}}, "ReturnValues": "ALL_NEW"}"##;
    let success = r#"{"name": "$input.path('$.Attributes.Name.S')", "extra": 1}"#;
    let op = json!({
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": method_responses(Some(json!({"type": "object", "properties": {"name": {"type": "string"}}}))),
        "x-amazon-apigateway-integration": integration(uri("UpdateItem"), Some(request), success),
    });
    let r = run(&api(json!({"/things/{id}": {"post": op}}), json!({})));
    assert_fires(&r, "json-injection");
    assert_fires(&r, "response-schema");
}

#[test]
fn json_injection_reads_double_quoted_json_paths() {
    // `$input.path("$.at")` is `$input.path('$.at')`: the validated date-time is as safe.
    // (sp-reminders-scheduler)
    let fields =
        r#", "At": {"S": "$input.path("$.at")"}, "Status": {"S": "$input.path("$.status")"}"#;
    let r = run(&order_doc(Some("body"), fields, None));
    assert_quiet(&r, "json-injection");
    // And an unvalidated one is named by its path.
    let r = run(&order_doc(None, fields, None));
    let f = of(&r, "json-injection");
    assert!(
        f.iter().any(|f| f.message.contains("$input.path('$.at')")),
        "{}",
        r.human()
    );
}

#[test]
fn gateway_response_templates_are_checked_too() {
    // The validator's message quotes property names (`object has missing required properties
    // (["id"])`): spliced into a JSON string it breaks the body. (sp-reminders-scheduler)
    let doc_with = |template: &str| {
        let mut d: Value = serde_json::from_str(&api(
            json!({"/things/{id}": {"get": get_op(GET_ITEM, &get_success(), Some(id_schema()))}}),
            json!({}),
        ))
        .expect("json");
        d["x-amazon-apigateway-gateway-responses"] = json!({"BAD_REQUEST_BODY": {
            "statusCode": 400,
            "responseTemplates": {"application/json": template},
        }});
        d.to_string()
    };
    let r = run(&doc_with(
        r#"{"message": "$context.error.validationErrorString"}"#,
    ));
    let f = of(&r, "json-injection");
    assert_eq!(f.len(), 1, "{}", r.human());
    assert_eq!(
        f[0].template.as_deref(),
        Some("gateway-response BAD_REQUEST_BODY application/json")
    );
    assert!(f[0].file_line.is_some());
    // AWS's own default is fine, and so is an escaped message.
    for t in [
        r#"{"message": $context.error.messageString}"#,
        r#"{"message": "$util.escapeJavaScript($context.error.validationErrorString).replaceAll("\\'","'")"}"#,
    ] {
        assert_clean(&run(&doc_with(t)));
    }
    // The other checks see them too.
    assert_fires(
        &run(&doc_with(r#"{"message": "$util.toJson(1)"}"#)),
        "appsync-helper",
    );
}

/// `--param` values reach the lint as they reach the loader: a `${Name}` placeholder the
/// document uses without declaring (a Terraform templatefile) is declared by the value given, so
/// it is neither a load refusal nor an undefined reference.
#[test]
fn params_declare_undeclared_placeholders_as_the_loader_does() {
    let good = include_str!("data/good.yaml");
    assert!(good.contains(r#""TableName": "things""#));
    let doc = good.replace(
        r#""TableName": "things""#,
        r#""TableName": "${GivenTable}""#,
    );
    let bare = lint::lint("good.yaml", &doc);
    assert!(
        bare.findings.iter().any(|f| f.rule == "spec-load"),
        "{}",
        bare.human()
    );
    let mut params = indexmap::IndexMap::new();
    params.insert("GivenTable".to_string(), "things".to_string());
    let config = lint::Config {
        params,
        ..Default::default()
    };
    let given = lint::lint_with("good.yaml", &doc, &config);
    assert!(
        !given
            .findings
            .iter()
            .any(|f| f.rule == "spec-load" || f.rule == "undefined-root"),
        "{}",
        given.human()
    );
}

/// A response template keyed by a media type that is not JSON (`text/html`, as the cdk-synth
/// corpus entry `solutions-constructs-cdk-text-plain-template` has for its 500) writes a body
/// that is not JSON by design: only `application/json` and `+json` templates are held to JSON.
#[test]
fn invalid_json_only_for_json_media_types() {
    let mut op = get_op(
        &format!(
            r#"{{"TableName": "things", "Key": {{"Id": {{"S": "{}"}}}}}}"#,
            esc("$input.params('id')")
        ),
        r#"#set($i = $input.path('$.Item')){"id": "$util.escapeJavaScript($i.Id.S).replaceAll("\\'","'")"}"#,
        None,
    );
    op["x-amazon-apigateway-integration"]["responses"]["5\\d{2}"]["responseTemplates"] =
        json!({"text/html": "Error"});
    let doc = api(json!({"/things/{id}": {"get": op.clone()}}), json!({}));
    assert_quiet(&run(&doc), "invalid-json");
    // The same text under application/json is a defect.
    op["x-amazon-apigateway-integration"]["responses"]["5\\d{2}"]["responseTemplates"] =
        json!({"application/json": "Error"});
    let doc = api(json!({"/things/{id}": {"get": op}}), json!({}));
    assert_fires(&run(&doc), "invalid-json");
}

/// A DynamoDB Number (`.N`) read from a reply is digits, sign, `.` and exponent: spliced inside
/// a JSON string it injects nothing (the starwolf corpus entry's `"EventCount":
/// "$elem.EventCount.N"`). The `.S` beside it still fires.
#[test]
fn json_injection_trusts_dynamodb_numbers_inside_strings() {
    let request = format!(
        r#"{{"TableName": "things", "Key": {{"Id": {{"S": "{}"}}}}}}"#,
        esc("$input.params('id')")
    );
    let doc = api(
        json!({"/things/{id}": {"get": get_op(&request, r#"{"count": "$input.path('$.Item.count.N')"}"#, None)}}),
        json!({}),
    );
    assert_quiet(&run(&doc), "json-injection");
    let doc = api(
        json!({"/things/{id}": {"get": get_op(&request, r#"{"count": "$input.path('$.Item.count.S')"}"#, None)}}),
        json!({}),
    );
    assert_fires(&run(&doc), "json-injection");
}

/// An UpdateItem that SETs an attribute from `$context.requestTime` and returns ALL_NEW: the
/// reply's attribute is exactly that value (the url-shortener corpus entry's `timestamp`), so
/// echoing it injects nothing; an attribute set from the request still fires.
#[test]
fn json_injection_trusts_reply_attributes_the_update_set_from_context() {
    let request = |source: &str| {
        format!(
            r##"{{"TableName": "things", "Key": {{"Id": {{"S": "{}"}}}}, "UpdateExpression": "SET #ts = :ts", "ExpressionAttributeNames": {{"#ts": "ts"}}, "ExpressionAttributeValues": {{":ts": {{"S": "{source}"}}}}, "ReturnValues": "ALL_NEW"}}"##,
            esc("$input.params('id')")
        )
    };
    let mut op = get_op(
        &request("$context.requestTime"),
        r#"{"ts": "$input.path('$.Attributes.ts.S')"}"#,
        None,
    );
    op["x-amazon-apigateway-integration"]["uri"] = uri("UpdateItem");
    let doc = api(json!({"/things/{id}": {"put": op.clone()}}), json!({}));
    assert_quiet(&run(&doc), "json-injection");
    // An attribute this update did not set may hold anything another writer stored.
    op["x-amazon-apigateway-integration"]["responses"]["2\\d{2}"]["responseTemplates"]["application/json"] =
        json!(r#"{"ts": "$input.path('$.Attributes.other.S')"}"#);
    let doc = api(json!({"/things/{id}": {"put": op}}), json!({}));
    let report = run(&doc);
    assert!(
        of(&report, "json-injection").iter().any(|f| f
            .template
            .as_deref()
            .is_some_and(|t| t.starts_with("response"))),
        "{}",
        report.human()
    );
}

/// DynamoDB answers 400 for every client error and 500 or 503 for server errors: with `400` and
/// `5\d{2}` mapped, a `default` 2xx receives no DynamoDB error (the seed's mapping), so
/// error-to-success is quiet; without the 400 it fires, naming 400.
#[test]
fn error_to_success_asks_only_about_the_statuses_dynamodb_answers() {
    let doc = with_responses(json!({
        "default": {"statusCode": "200", "responseTemplates": {"application/json": get_success()}},
        "400": {"statusCode": "400", "responseTemplates": {"application/json": ERROR_400}},
        "5\\d{2}": {"statusCode": "500"},
    }));
    assert_quiet(&run(&doc), "error-to-success");
    let doc = with_responses(json!({
        "default": {"statusCode": "200", "responseTemplates": {"application/json": get_success()}},
        "5\\d{2}": {"statusCode": "500"},
    }));
    let r = run(&doc);
    assert_fires(&r, "error-to-success");
    assert!(
        of(&r, "error-to-success")[0].message.contains("400"),
        "{}",
        r.human()
    );
}

/// `$method.request.path.id` in a template renders empty: one `undefined-root` finding (the
/// seed's bug 1.5.3), not also a `json-injection`, since no request data gets through.
#[test]
fn an_undefined_method_reference_is_not_also_an_injection() {
    let doc = api(
        json!({"/things/{id}": {"get": get_op(
            r#"{"TableName": "things", "Key": {"Id": {"S": "$method.request.path.id"}}}"#,
            r#"{"ok": true}"#,
            None,
        )}}),
        json!({}),
    );
    let r = run(&doc);
    assert_fires(&r, "undefined-root");
    assert_quiet(&r, "json-injection");
}

/// A Query on the base table of a partition-key-only table matches one item at most (the
/// aws-solutions-constructs corpus entries' `id = :v1`): no page past 1 MB, so no pagination
/// finding; the same Query on an index still needs a cursor.
#[test]
fn pagination_is_quiet_for_a_query_that_matches_one_item() {
    let query = |index: &str| {
        format!(
            r#"{{"TableName": "things",{index} "KeyConditionExpression": "Id = :v", "ExpressionAttributeValues": {{":v": {{"S": "{}"}}}}}}"#,
            esc("$input.params('id')")
        )
    };
    let mut op = get_op(&query(""), r#"{"items": $input.json('$.Items')}"#, None);
    op["x-amazon-apigateway-integration"]["uri"] = uri("Query");
    let doc = api(json!({"/things/{id}": {"get": op.clone()}}), json!({}));
    assert_quiet(&run(&doc), "pagination");
    op["x-amazon-apigateway-integration"]["requestTemplates"]["application/json"] =
        json!(query(r#" "IndexName": "ByOwner","#));
    let doc = api(json!({"/things/{id}": {"get": op}}), json!({}));
    assert_fires(&run(&doc), "pagination");
}

// Which items a reply can hold: conditional updates and key conditions --------------------

/// `Thing`: the body of a create, a name.
fn named_thing() -> Value {
    json!({"Thing": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1}}}})
}

/// An operation with a path parameter `id`, a body of schema `Thing` when `body`, and the
/// integration of `action` (no method response schema: only invalid-json is looked at).
fn op_on(action: &str, request: &str, success: &str, body: bool) -> Value {
    let mut op = json!({
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "minLength": 1}}],
        "responses": method_responses(None),
        "x-amazon-apigateway-request-validator": "body",
        "x-amazon-apigateway-integration": integration(uri(action), Some(request), success),
    });
    if body {
        op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}});
    }
    op
}

/// createThing stores whole items (with CreatedAt); updateThing SETs the name (and REMOVEs
/// `remove` when given) under `condition`; getThing and updateThing's ALL_NEW reply print
/// CreatedAt bare, so an item without it breaks their JSON.
fn conditional_update_doc(condition: Option<&str>, remove: Option<&str>) -> String {
    let id = esc("$input.params('id')");
    let create = format!(
        r#"{{"TableName": "things", "Item": {{"Id": {{"S": "{id}"}}, "Name": {{"S": "{}"}}, "CreatedAt": {{"N": "$context.requestTimeEpoch"}}}}, "ConditionExpression": "attribute_not_exists(Id)"}}"#,
        esc("$input.path('$.name')")
    );
    let condition = match condition {
        Some(c) => format!(r#", "ConditionExpression": "{c}""#),
        None => String::new(),
    };
    let remove = remove.map(|r| format!(" REMOVE {r}")).unwrap_or_default();
    let update = format!(
        r##"{{"TableName": "things", "Key": {{"Id": {{"S": "{id}"}}}}, "UpdateExpression": "SET #n = :n{remove}"{condition}, "ExpressionAttributeNames": {{"#n": "Name", "#k": "Id"}}, "ExpressionAttributeValues": {{":n": {{"S": "{}"}}}}, "ReturnValues": "ALL_NEW"}}"##,
        esc("$input.path('$.name')")
    );
    let print = |at: &str| {
        format!(
            r#"#set($i = $input.path('{at}'))
#if("$!i" == ""){{"message": "no such thing"}}#else{{"id": "{}", "createdAt": $i.CreatedAt.N}}#end"#,
            esc("$i.Id.S")
        )
    };
    api(
        json!({"/things/{id}": {
            "put": op_on("PutItem", &create, r#"{"ok": true}"#, true),
            "patch": op_on("UpdateItem", &update, &print("$.Attributes"), true),
            "get": op_on("GetItem", GET_ITEM, &print("$.Item"), false),
        }}),
        named_thing(),
    )
}

/// An UpdateItem whose condition requires the item (`attribute_exists` of its key, directly or
/// through a `#k` name, alone or AND-ed) creates nothing: it changes only items the PutItem
/// stored whole, so the items every reply holds have CreatedAt (examples/orders' updateOrder).
#[test]
fn invalid_json_knows_a_conditional_update_creates_no_item() {
    for condition in [
        "attribute_exists(Id)",
        "attribute_exists(#k)",
        "attribute_exists(#k) AND #n <> :n",
        "(attribute_exists(Id)) and size(#n) > :n",
    ] {
        let r = run(&conditional_update_doc(Some(condition), None));
        assert_quiet(&r, "invalid-json");
    }
}

/// Without such a condition (or with one DynamoDB can satisfy on a missing item) the update
/// may create an item of only the key and the name: the replies without CreatedAt still fire;
/// and what a conditional update REMOVEs may be missing afterwards.
#[test]
fn invalid_json_still_sees_items_an_update_creates_or_strips() {
    for condition in [
        None,
        Some("attribute_not_exists(Id)"),
        Some("attribute_exists(Id) OR #n = :n"),
        Some("NOT attribute_exists(Id)"),
    ] {
        let r = run(&conditional_update_doc(condition, None));
        let fired: Vec<String> = of(&r, "invalid-json")
            .iter()
            .filter_map(|f| f.operation.clone())
            .collect();
        assert!(
            fired.iter().any(|o| o.starts_with("GET"))
                && fired.iter().any(|o| o.starts_with("PATCH")),
            "{condition:?}: {}",
            r.human()
        );
    }
    let r = run(&conditional_update_doc(
        Some("attribute_exists(Id)"),
        Some("CreatedAt"),
    ));
    assert_fires(&r, "invalid-json");
}

/// Groups (`PK = GROUP#id`, `SK = META`) and their members (`SK = MEMBER#email`) in one table;
/// the members Query's key condition is `condition` with `:m` written as `m_value`; the meta
/// item's SK is written as `meta_sk`, the member is stored by `member_action` (PutItem or a
/// TransactWriteItems Put). The Query's template prints JoinedAt bare, which only members have.
fn single_table_doc(condition: &str, m_value: &str, meta_sk: &str, member_action: &str) -> String {
    let id = esc("$input.params('id')");
    let group = format!(
        r#"{{"TableName": "things", "Item": {{"PK": {{"S": "GROUP#{id}"}}, "SK": {{"S": "{meta_sk}"}}, "Title": {{"S": "{}"}}}}}}"#,
        esc("$input.path('$.name')")
    );
    let member_item = format!(
        r#"{{"TableName": "things", "Item": {{"PK": {{"S": "GROUP#{id}"}}, "SK": {{"S": "MEMBER#{email}"}}, "Email": {{"S": "{email}"}}, "JoinedAt": {{"N": "$context.requestTimeEpoch"}}}}}}"#,
        email = esc("$input.path('$.name')")
    );
    let member = match member_action {
        "PutItem" => member_item,
        _ => format!(
            r#"{{"TransactItems": [{{"Update": {{"TableName": "things", "Key": {{"PK": {{"S": "GROUP#{id}"}}, "SK": {{"S": "META"}}}}, "UpdateExpression": "ADD Members :one", "ConditionExpression": "attribute_exists(PK)", "ExpressionAttributeValues": {{":one": {{"N": "1"}}}}}}}}, {{"Put": {member_item}}}]}}"#
        ),
    };
    let query = format!(
        r##"{{"TableName": "things", "KeyConditionExpression": "{condition}", "ExpressionAttributeNames": {{"#sk": "SK"}}, "ExpressionAttributeValues": {{":pk": {{"S": "GROUP#{id}"}}, ":m": {{"S": "{m_value}"}}}}#if("$!input.params('c')" != ""), "ExclusiveStartKey": {{"PK": {{"S": "GROUP#{id}"}}, "SK": {{"S": "MEMBER#{}"}}}}#end}}"##,
        esc("$input.params('c')")
    );
    let list = format!(
        r##"{{"members": [#foreach($i in $input.path('$.Items')){{"email": "{}", "joinedAt": $i.JoinedAt.N}}#if($foreach.hasNext),#end#end]#if("$!input.path('$.LastEvaluatedKey')" != ""), "next": "$util.base64Encode($input.path('$.LastEvaluatedKey.SK.S').substring(7))"#end}}"##,
        esc("$i.Email.S")
    );
    let mut query_op = op_on("Query", &query, &list, false);
    query_op["parameters"]
        .as_array_mut()
        .expect("parameters")
        .push(json!({"name": "c", "in": "query", "schema": {"type": "string"}}));
    let doc = api(
        json!({
            "/groups/{id}": {"put": op_on("PutItem", &group, r#"{"ok": true}"#, true)},
            "/groups/{id}/members": {
                "post": op_on(member_action, &member, r#"{"ok": true}"#, true),
                "get": query_op,
            },
        }),
        named_thing(),
    );
    let mut d: Value = serde_json::from_str(&doc).expect("json");
    d["x-dynamodb-tables"]["Things"]["AttributeDefinitions"] = json!([
        {"AttributeName": "PK", "AttributeType": "S"},
        {"AttributeName": "SK", "AttributeType": "S"},
    ]);
    d["x-dynamodb-tables"]["Things"]["KeySchema"] = json!([
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]);
    d.to_string()
}

fn query_invalid_json(r: &Report) -> bool {
    of(r, "invalid-json")
        .iter()
        .any(|f| f.operation.as_deref() == Some("GET /groups/{id}/members"))
}

/// `begins_with(SK, :m)` with `:m` written as `MEMBER#` (or starting with it) returns only the
/// items whose SK the writes start with `MEMBER#`: never the `META` item (examples/events'
/// listRegistrations).
#[test]
fn invalid_json_knows_a_sort_key_prefix_selects_the_items_of_one_write() {
    for (condition, m_value) in [
        ("PK = :pk AND begins_with(SK, :m)", "MEMBER#"),
        ("PK = :pk and begins_with(#sk, :m)", "MEMBER#"),
        ("begins_with ( SK , :m ) AND PK = :pk", "MEMBER#"),
        (
            "PK = :pk AND begins_with(SK, :m)",
            "MEMBER#$input.params('c')",
        ),
        ("PK = :pk AND SK = :m", "MEMBER#$input.params('c')"),
    ] {
        for action in ["PutItem", "TransactWriteItems"] {
            let r = run(&single_table_doc(condition, m_value, "META", action));
            assert!(
                !query_invalid_json(&r),
                "{condition} {m_value} {action}:\n{}",
                r.human()
            );
        }
    }
}

/// The META item is still among the replies when the key condition does not rule it out: no
/// sort key condition, a prefix both writes share, a prefix from the request, or a META SK the
/// template does not write literally.
#[test]
fn invalid_json_still_sees_items_a_key_condition_cannot_rule_out() {
    for (condition, m_value, meta_sk) in [
        ("PK = :pk", "MEMBER#", "META"),
        ("PK = :pk AND begins_with(SK, :m)", "M", "META"),
        (
            "PK = :pk AND begins_with(SK, :m)",
            "$input.params('c')",
            "META",
        ),
        (
            "PK = :pk AND begins_with(SK, :m)",
            "MEMBER#",
            "$input.params('id')",
        ),
        ("PK = :pk AND begins_with(SK, :m)", "MEMBER#", "MEMBER#META"),
        ("PK = :pk AND SK >= :m", "MEMBER#", "META"),
        ("PK = :pk AND SK BETWEEN :m AND :pk", "MEMBER#", "META"),
    ] {
        let r = run(&single_table_doc(condition, m_value, meta_sk, "PutItem"));
        assert!(
            query_invalid_json(&r),
            "{condition} {m_value} {meta_sk}:\n{}",
            r.human()
        );
    }
}
