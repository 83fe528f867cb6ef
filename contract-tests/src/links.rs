//! The link evaluator: OpenAPI 3.0's runtime expressions (§ "Runtime Expressions": `$url`,
//! `$method`, `$statusCode`, `$request.{path,query,header}.NAME`, `$request.body#/pointer`,
//! `$response.header.NAME`, `$response.body#/pointer`, and expressions embedded in a string as
//! `{$...}`) evaluated against one exchange, and a `Link` followed into the request it leads to.

use apidef::{Api, Link, Operation, ParamLocation};
use percent_encoding::percent_decode_str;
use serde_json::Value;

use crate::case::{Case, build};
use crate::error::{Error, ErrorKind};
use crate::http::{HttpRequest, HttpResponse};

/// The exchange an expression is evaluated against: the operation the request was sent to
/// (for `$request.path.*`, read back through its path template) and, once it came, the response.
#[derive(Clone, Copy)]
pub(crate) struct Exchange<'a> {
    pub(crate) op: &'a Operation,
    pub(crate) request: &'a HttpRequest,
    pub(crate) response: Option<&'a HttpResponse>,
}

/// A value's text as a parameter carries it.
pub(crate) fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The decoded path parameters of `request`, matched against `op`'s path template segment by
/// segment (`{name+}` takes the rest).
pub(crate) fn path_params(op: &Operation, request: &HttpRequest) -> Vec<(String, String)> {
    let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
    let template: Vec<&str> = op.path.trim_start_matches('/').split('/').collect();
    let actual: Vec<&str> = request.path.trim_start_matches('/').split('/').collect();
    let mut out = Vec::new();
    for (i, t) in template.iter().enumerate() {
        let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) else {
            continue;
        };
        if let Some(greedy) = name.strip_suffix('+') {
            let rest: Vec<String> = actual.iter().skip(i).map(|s| decode(s)).collect();
            out.push((greedy.to_string(), rest.join("/")));
            break;
        }
        if let Some(a) = actual.get(i) {
            out.push((name.to_string(), decode(a)));
        }
    }
    out
}

fn body_at(body: &[u8], pointer: Option<&str>) -> Option<Value> {
    let v: Value = serde_json::from_slice(body).ok()?;
    match pointer {
        None | Some("") => Some(v),
        // A pointer in a URI fragment may be percent-encoded (RFC 6901 §6).
        Some(p) => v
            .pointer(&percent_decode_str(p).decode_utf8_lossy())
            .cloned(),
    }
}

/// Evaluate one expression. `Ok(None)`: well-formed but absent in this exchange (no such
/// header, field or response yet); `Err`: not an expression OpenAPI 3.0 defines.
pub(crate) fn evaluate(expr: &str, x: &Exchange<'_>) -> Result<Option<Value>, Error> {
    let bad = |why: &str| {
        Error::new(
            ErrorKind::Untestable,
            format!("runtime expression {expr:?}"),
            format!("{why} (OpenAPI 3.0 \"Runtime Expressions\")"),
        )
    };
    if !expr.starts_with('$') {
        if expr.contains("{$") {
            return embedded(expr, x).map(|s| s.map(Value::String));
        }
        // A constant.
        return Ok(Some(Value::String(expr.to_string())));
    }
    let req = x.request;
    match expr {
        "$url" => {
            return Ok(Some(Value::String(req.target())));
        }
        "$method" => return Ok(Some(Value::String(req.method.clone()))),
        "$statusCode" => return Ok(x.response.map(|r| Value::from(r.status))),
        _ => {}
    }
    if let Some(rest) = expr.strip_prefix("$request.") {
        if let Some(name) = rest.strip_prefix("path.") {
            return Ok(path_params(x.op, req)
                .into_iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| Value::String(v)));
        }
        if let Some(name) = rest.strip_prefix("query.") {
            return Ok(req
                .query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| Value::String(v.clone())));
        }
        if let Some(name) = rest.strip_prefix("header.") {
            return Ok(req
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| Value::String(v.clone())));
        }
        if let Some(b) = rest.strip_prefix("body") {
            return match b {
                "" => Ok(body_at(&req.body, None)),
                p if p.starts_with('#') => Ok(body_at(&req.body, Some(&p[1..]))),
                _ => Err(bad("a body reference is `body` or `body#/json/pointer`")),
            };
        }
        return Err(bad("a request source is path, query, header or body"));
    }
    if let Some(rest) = expr.strip_prefix("$response.") {
        let Some(resp) = x.response else {
            return Ok(None);
        };
        if let Some(name) = rest.strip_prefix("header.") {
            return Ok(resp.header(name).map(|v| Value::String(v.to_string())));
        }
        if let Some(b) = rest.strip_prefix("body") {
            return match b {
                "" => Ok(body_at(&resp.body, None)),
                p if p.starts_with('#') => Ok(body_at(&resp.body, Some(&p[1..]))),
                _ => Err(bad("a body reference is `body` or `body#/json/pointer`")),
            };
        }
        return Err(bad("a response source is header or body"));
    }
    Err(bad("not a runtime expression"))
}

/// A string with `{$expression}`s inside, each replaced by its value's text.
fn embedded(s: &str, x: &Exchange<'_>) -> Result<Option<String>, Error> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("{$") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[i..]);
            return Ok(Some(out));
        };
        match evaluate(&after[..end], x)? {
            Some(v) => out.push_str(&text(&v)),
            None => return Ok(None),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(Some(out))
}

/// A link's value for one parameter of its target: a string is an expression (or a constant),
/// anything else a constant.
fn link_value(v: &Value, x: &Exchange<'_>) -> Result<Option<Value>, Error> {
    match v {
        Value::String(e) => evaluate(e, x),
        other => Ok(Some(other.clone())),
    }
}

/// A link followed from an exchange: the target operation and its case (parameter values the
/// link gives; the body from the link's `requestBody`, if it has one).
pub(crate) struct Followed<'a> {
    /// Borrowed from the document: a link is followed on every case.
    pub(crate) op: &'a Operation,
    pub(crate) case: Case,
}

impl Followed<'_> {
    pub(crate) fn request(&self) -> HttpRequest {
        build(self.op, &self.case)
    }

    /// The request with `body` instead of the link's.
    pub(crate) fn request_with(&self, body: Option<Value>) -> HttpRequest {
        build(self.op, &(self.case.0.clone(), body))
    }
}

/// Follow `link` (named `name`) from an exchange. A parameter is looked up as OpenAPI allows,
/// by name or as `location.name` (`path.id`); a required or path parameter the link cannot give
/// is an error saying which.
pub(crate) fn follow<'a>(
    api: &'a Api,
    name: &str,
    link: &Link,
    x: &Exchange<'_>,
) -> Result<Followed<'a>, Error> {
    let at = format!("link {name}");
    let id = link.operation_id.as_deref().ok_or_else(|| {
        Error::new(
            ErrorKind::Untestable,
            &at,
            "has no operationId (operationRef is not followed)",
        )
    })?;
    let target = api.operation(id).ok_or_else(|| {
        Error::new(
            ErrorKind::Untestable,
            &at,
            format!("names operation {id}, which is not in the document"),
        )
    })?;
    let mut values = Vec::new();
    for p in &target.parameters {
        let given = link.parameters.get(&p.name).or_else(|| {
            link.parameters
                .get(&format!("{}.{}", p.location.apigw_name(), p.name))
        });
        let v = match given {
            Some(v) => link_value(v, x)?.map(|v| text(&v)),
            None => None,
        };
        if v.is_none() && (p.required || p.location == ParamLocation::Path) {
            return Err(Error::new(
                ErrorKind::Untestable,
                &at,
                format!(
                    "gives no value for {} parameter {:?} of {} from {} {}",
                    p.location.apigw_name(),
                    p.name,
                    target.label(),
                    x.request.method,
                    x.request.path
                ),
            ));
        }
        values.push(v);
    }
    let body = match &link.request_body {
        Some(v) => link_value(v, x)?,
        None => None,
    };
    Ok(Followed {
        op: target,
        case: (values, body),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(path: &str) -> Operation {
        let doc = format!(
            "openapi: 3.0.3\ninfo: {{title: t, version: '1'}}\npaths:\n  {path}:\n    get:\n      operationId: o\n      responses:\n        '200': {{description: ok}}\n      x-amazon-apigateway-integration:\n        type: mock\n        requestTemplates:\n          application/json: '{{\"statusCode\": 200}}'\n        responses:\n          default: {{statusCode: '200'}}\n"
        );
        let api = Api::from_str_with(&doc, "t.yaml", &Default::default()).expect("loads");
        api.operations[0].clone()
    }

    #[test]
    fn every_runtime_expression_is_evaluated() {
        let op = op("/customers/{customerId}/orders/{orderId}");
        let mut req = HttpRequest::new("PUT", "/customers/c%2F1/orders/o.2".into());
        req.query.push(("limit".into(), "5".into()));
        req.headers.push(("X-Trace".into(), "t1".into()));
        req.body = br#"{"qty":3,"a/b":{"c":"d"}}"#.to_vec();
        let resp = HttpResponse {
            status: 201,
            headers: vec![("Location".into(), "/x".into())],
            body: br#"{"next":"n1","items":[{"id":7}]}"#.to_vec(),
        };
        let x = Exchange {
            op: &op,
            request: &req,
            response: Some(&resp),
        };
        let ev = |e: &str| evaluate(e, &x).expect("well-formed");
        assert_eq!(ev("$request.path.customerId"), Some("c/1".into()));
        assert_eq!(ev("$request.path.orderId"), Some("o.2".into()));
        assert_eq!(ev("$request.query.limit"), Some("5".into()));
        assert_eq!(ev("$request.header.x-trace"), Some("t1".into()));
        assert_eq!(ev("$request.body#/qty"), Some(3.into()));
        assert_eq!(ev("$request.body#/a~1b/c"), Some("d".into()));
        assert_eq!(ev("$response.body#/items/0/id"), Some(7.into()));
        assert_eq!(ev("$response.body#/next"), Some("n1".into()));
        assert_eq!(ev("$response.header.location"), Some("/x".into()));
        assert_eq!(ev("$statusCode"), Some(201.into()));
        assert_eq!(ev("$method"), Some("PUT".into()));
        assert_eq!(
            ev("$url"),
            Some("/customers/c%2F1/orders/o.2?limit=5".into())
        );
        assert_eq!(ev("id-{$request.path.orderId}"), Some("id-o.2".into()));
        assert_eq!(ev("constant"), Some("constant".into()));
        assert_eq!(ev("$response.body#/absent"), None);
        assert_eq!(ev("$request.query.absent"), None);
        for wrong in [
            "$request.cookie.a",
            "$response.status",
            "$foo",
            "$request.bodyx",
        ] {
            let e = evaluate(wrong, &x).expect_err(wrong);
            assert_eq!(e.kind, ErrorKind::Untestable);
        }
        let before = Exchange {
            response: None,
            ..x
        };
        assert_eq!(evaluate("$response.body#/next", &before).ok(), Some(None));
    }
}
