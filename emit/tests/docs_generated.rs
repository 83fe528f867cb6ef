//! The docs' scenario for a document without examples, seen from the runner's side: each
//! operation gets a request made from its schemas, in the order a stateful API needs (the
//! create before the read), the read asking for the key the create sent, and the page marks
//! those examples as generated. The runner here records the requests and answers 200; the real
//! one (the gateway) is `codegen`'s, tested in `codegen/tests/docs_generated_examples.rs`.

use emit::docs::{ExampleRequest, ExampleResponse, ExampleRunner};
use serde_json::Value;

const DOC: &str = r##"
openapi: 3.0.1
info: {title: Items, version: "2"}
x-amazon-apigateway-request-validators:
  all: {validateRequestBody: true, validateRequestParameters: true}
x-amazon-apigateway-request-validator: all
paths:
  /items/{itemId}:
    get:
      operationId: getItem
      parameters:
        - {name: itemId, in: path, required: true, schema: {type: string, minLength: 3}}
        - {name: X-Tenant, in: header, required: true, schema: {type: string, enum: [acme, other]}}
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200"}}
    delete:
      operationId: deleteItem
      parameters:
        - {name: itemId, in: path, required: true, schema: {type: string}}
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200"}}
  /items:
    post:
      operationId: putItem
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Item"}
      responses: {"200": {description: ok}}
      x-amazon-apigateway-integration:
        type: mock
        requestTemplates: {application/json: '{"statusCode": 200}'}
        responses: {default: {statusCode: "200"}}
components:
  schemas:
    Item:
      type: object
      required: [itemId, count, tags]
      properties:
        itemId: {type: string, pattern: "^[a-z]{2}-[0-9]{3}$"}
        count: {type: integer, minimum: 10, multipleOf: 5}
        tags: {type: array, minItems: 1, items: {$ref: "#/components/schemas/Tag"}}
    Tag:
      type: string
      enum: [red, blue]
"##;

#[derive(Default)]
struct Recorder(Vec<ExampleRequest>);

impl ExampleRunner for Recorder {
    fn answer(&mut self, request: &ExampleRequest) -> Result<ExampleResponse, String> {
        self.0.push(request.clone());
        Ok(ExampleResponse {
            status: 200,
            headers: vec![("x-amzn-RequestId".into(), "r".into())],
            body: Vec::new(),
        })
    }
}

#[test]
fn a_document_without_examples_gets_made_requests_in_create_then_read_order() {
    let api = apidef::Api::from_str_with(DOC, "items.yaml", &Default::default())
        .unwrap_or_else(|e| panic!("the document loads: {e}"));
    let mut runner = Recorder::default();
    let artifacts =
        emit::docs::emit(&api, &emit::Options::default(), &mut runner).expect("docs emit");
    let requests: Vec<String> = runner
        .0
        .iter()
        .map(|r| format!("{} {}", r.method, r.target))
        .collect();
    // The create first (it carries a body), then the read, then the delete twice; then the
    // error paths: `{}` breaks the required properties; no `text/plain` request, since the
    // passthrough behavior (WHEN_NO_MATCH, the default) passes it through instead of answering
    // 415; a route that does not exist.
    let id = "aa-000";
    assert_eq!(
        requests,
        [
            "POST /items".to_string(),
            format!("GET /items/{id}"),
            format!("DELETE /items/{id}"),
            format!("DELETE /items/{id}"),
            "POST /items".to_string(),
            "GET /no/such/route/here".to_string(),
        ]
    );
    let body: Value = serde_json::from_slice(&runner.0[0].body).expect("a JSON body");
    assert_eq!(
        body,
        serde_json::json!({"itemId": id, "count": 10, "tags": ["red"]})
    );
    // The required header, its first enum value.
    assert!(
        runner.0[1]
            .headers
            .contains(&("X-Tenant".to_string(), "acme".to_string())),
        "{:?}",
        runner.0[1].headers
    );
    let md = artifacts
        .iter()
        .find(|a| a.path == emit::docs::MD_PATH)
        .expect("api.md")
        .text()
        .to_string();
    // Every operation's own example is marked (three operations, the delete shown twice).
    let marked = md.matches("*Generated from the schema:*").count();
    assert!(marked >= 4, "{marked} marked examples:\n{md}");
    assert!(
        md.contains("#### A request body made from the schema"),
        "{md}"
    );
}
