//! The case builder: a generated request for an operation (parameter values and JSON body,
//! from the document's schemas) and the raw request it becomes on the wire.

use apidef::{Operation, ParamLocation};
use proptest::prelude::*;
use serde_json::Value;

use crate::http::HttpRequest;
use crate::strategy;

/// A generated request for an operation: parameter values by index into `op.parameters`
/// (`None`: absent) and the JSON body.
pub(crate) type Case = (Vec<Option<String>>, Option<Value>);

/// The JSON body schema of an operation, if it takes one.
pub(crate) fn body_schema(op: &Operation) -> Option<&Value> {
    op.request_body.as_ref().and_then(|b| {
        b.content
            .iter()
            .find(|(ct, _)| media_type(ct) == "application/json")
            .and_then(|(_, s)| s.as_ref())
    })
}

pub(crate) fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

pub(crate) fn param_schema(p: &apidef::Parameter) -> Value {
    p.schema
        .clone()
        .unwrap_or_else(|| serde_json::json!({"type": "string"}))
}

/// A parameter schema whose values are not free text: a non-string type or an `enum`.
fn typed(schema: &Value) -> bool {
    schema.get("enum").is_some()
        || matches!(
            schema.get("type").and_then(Value::as_str),
            Some("integer" | "number" | "boolean")
        )
}

fn header_safe(v: &str) -> bool {
    !v.is_empty() && v.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// Valid requests: every parameter from its schema (optional ones present and absent), the body
/// from the model.
pub(crate) fn valid_case(op: &Operation) -> BoxedStrategy<Case> {
    let mut params: Vec<BoxedStrategy<Option<String>>> = Vec::new();
    for p in &op.parameters {
        let mut schema = param_schema(p);
        let value = match p.location {
            ParamLocation::Path => {
                // Location-aware: a path segment is a non-empty string whatever the schema says;
                // an empty one would address another resource.
                if schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) == 0
                    && let Value::Object(o) = &mut schema
                {
                    o.insert("minLength".into(), 1.into());
                }
                strategy::param_value(&schema)
            }
            // A header value cannot carry every character; visible ASCII keeps it sendable. A
            // typed or enumerated header (`X-Page-Size: integer`, an enum) takes its values
            // from the schema, since a template may read it as one.
            ParamLocation::Header if typed(&schema) => strategy::param_value(&schema)
                .prop_filter("a header carries visible ASCII only", |v| header_safe(v))
                .boxed(),
            ParamLocation::Header => "[!-~]{1,32}".prop_map(|s: String| s).boxed(),
            ParamLocation::Cookie => "[a-z0-9]{1,16}".prop_map(|s: String| s).boxed(),
            ParamLocation::Query => strategy::param_value(&schema),
        };
        if p.required || p.location == ParamLocation::Path {
            // API Gateway counts a blank required value as missing (the gateway's dialect table,
            // "Required parameter blank values"): such a value is not a valid request.
            let value = value.prop_filter("a blank required parameter counts as missing", |v| {
                !blank(v)
            });
            params.push(value.prop_map(Some).boxed());
        } else {
            params.push(proptest::option::weighted(0.5, value).boxed());
        }
    }
    let body = match (body_schema(op), &op.request_body) {
        (Some(schema), Some(b)) if b.required => {
            strategy::valid(schema, schema).prop_map(Some).boxed()
        }
        (Some(schema), Some(_)) => {
            proptest::option::weighted(0.8, strategy::valid(schema, schema)).boxed()
        }
        _ => Just(None).boxed(),
    };
    (params, body).boxed()
}

/// Whether API Gateway reads a parameter value as missing: empty or only whitespace, in Java's
/// sense (`String.isBlank`) or Unicode's (`str::trim`); a value blank in either is avoided.
pub(crate) fn blank(v: &str) -> bool {
    v.chars()
        .all(|c| c.is_whitespace() || matches!(c, '\u{1c}'..='\u{1f}'))
}

/// The request for a case; `content_type` overrides the body's media type.
pub(crate) fn build(op: &Operation, case: &Case) -> HttpRequest {
    let (values, body) = case;
    let mut path = op.path.clone();
    let mut query = Vec::new();
    let mut headers = Vec::new();
    for (p, v) in op.parameters.iter().zip(values) {
        let Some(v) = v else { continue };
        match p.location {
            ParamLocation::Path => {
                let greedy = format!("{{{}+}}", p.name);
                let encoded = if path.contains(&greedy) {
                    v.split('/')
                        .map(HttpRequest::segment)
                        .collect::<Vec<_>>()
                        .join("/")
                } else {
                    HttpRequest::segment(v)
                };
                path = path
                    .replace(&greedy, &encoded)
                    .replace(&format!("{{{}}}", p.name), &encoded);
            }
            ParamLocation::Query => query.push((p.name.clone(), v.clone())),
            ParamLocation::Header => headers.push((p.name.clone(), v.clone())),
            ParamLocation::Cookie => headers.push(("Cookie".into(), format!("{}={v}", p.name))),
        }
    }
    let mut req = HttpRequest::new(&op.method, path);
    req.query = query;
    req.headers = headers;
    if let Some(b) = body {
        req.headers
            .push(("Content-Type".into(), "application/json".into()));
        req.body = b.to_string().into_bytes();
    }
    req
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    fn header_values(schema: Value) -> Vec<String> {
        let doc = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  /x:\n    get:\n      operationId: o\n      parameters:\n        - {{name: X-Page-Size, in: header, required: true, schema: {schema}}}\n      responses:\n        '200': {{description: ok}}\n      x-amazon-apigateway-integration:\n        type: mock\n        requestTemplates:\n          application/json: '{{\"statusCode\": 200}}'\n        responses:\n          default: {{statusCode: '200'}}\n"
        );
        let api = apidef::Api::from_str_with(&doc, "t.yaml", &Default::default()).expect("loads");
        let op = api.operations[0].clone();
        let strategy = valid_case(&op);
        let mut runner = TestRunner::deterministic();
        (0..200)
            .map(|_| {
                let (params, _) = strategy.new_tree(&mut runner).expect("a case").current();
                params[0].clone().expect("a required header is present")
            })
            .collect()
    }

    #[test]
    fn typed_headers_take_their_values_from_the_schema() {
        for v in header_values(serde_json::json!({"type": "integer", "minimum": 1, "maximum": 5})) {
            let n: i64 = v
                .parse()
                .unwrap_or_else(|_| panic!("{v:?} is not an integer"));
            assert!((1..=5).contains(&n), "{n} out of 1..=5");
        }
        for v in header_values(serde_json::json!({"type": "string", "enum": ["asc", "desc"]})) {
            assert!(v == "asc" || v == "desc", "{v:?} is not in the enum");
        }
        // Free text stays visible ASCII.
        for v in header_values(serde_json::json!({"type": "string"})) {
            assert!(header_safe(&v), "{v:?}");
        }
    }
}
