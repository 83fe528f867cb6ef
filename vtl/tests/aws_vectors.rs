//! Every vector recorded on real AWS in docs/evidence/apigateway-semantics.md §8.1-§8.3, as data
//! (tests/data/aws_vectors.json). A request template (if any) is rendered first; an echo backend
//! returns its output as the body seen by the response template, which also receives the
//! request's overrides, as API Gateway does (8.3).

use indexmap::IndexMap;
use serde_json::Value as Json;
use vtl::{Bindings, Template};

fn string_map(v: Option<&Json>) -> IndexMap<String, String> {
    v.and_then(Json::as_object)
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn bindings(side: &Json) -> Bindings {
    let params = side.get("params");
    Bindings {
        body: side["body"].as_str().unwrap_or_default().to_string(),
        path: string_map(params.and_then(|p| p.get("path"))),
        querystring: string_map(params.and_then(|p| p.get("querystring"))),
        header: string_map(params.and_then(|p| p.get("header"))),
        ..Bindings::default()
    }
}

#[test]
fn aws_recorded_vectors() {
    let data: Vec<Json> =
        serde_json::from_str(include_str!("data/aws_vectors.json")).expect("valid data file");
    assert!(data.len() >= 30, "the data file lost vectors");
    let mut failures = Vec::new();
    for case in &data {
        let name = case["name"].as_str().unwrap_or("?");
        let mut carried = None;
        let mut response_body = None;
        if let Some(req) = case.get("request") {
            let t = Template::parse(req["template"].as_str().unwrap_or_default())
                .unwrap_or_else(|e| panic!("{name}: request template: {e}"));
            let r = t
                .render(&bindings(req))
                .unwrap_or_else(|e| panic!("{name}: request render: {e}"));
            if let Some(exp) = req.get("expected_output").and_then(Json::as_str)
                && r.output != exp
            {
                failures.push(format!("{name}: request output {:?} != {exp:?}", r.output));
            }
            response_body = Some(r.output.clone());
            carried = Some(r);
        }
        let mut final_override = carried.as_ref().map(|r| r.response_override.clone());
        if let Some(resp) = case.get("response") {
            let mut b = bindings(resp);
            if let Some(body) = response_body.take()
                && resp.get("body").is_none()
            {
                b.body = body;
            }
            if let Some(r) = &carried {
                b.request_override = r.request_override.clone();
                b.response_override = r.response_override.clone();
            }
            let t = Template::parse(resp["template"].as_str().unwrap_or_default())
                .unwrap_or_else(|e| panic!("{name}: response template: {e}"));
            let r = t
                .render(&b)
                .unwrap_or_else(|e| panic!("{name}: response render: {e}"));
            let exp = case["expected"].as_str().unwrap_or_default();
            if r.output != exp {
                failures.push(format!("{name}: output {:?} != {exp:?}", r.output));
            }
            if let Some(q) = case.get("expected_request_querystring") {
                let got = serde_json::to_value(&r.request_override.querystring).unwrap_or_default();
                if &got != q {
                    failures.push(format!("{name}: requestOverride.querystring {got} != {q}"));
                }
            }
            final_override = Some(r.response_override);
        }
        if let Some(status) = case.get("expected_status").and_then(Json::as_u64) {
            let got = final_override.as_ref().and_then(|o| o.status_code());
            if got != Some(status as u16) {
                failures.push(format!("{name}: status {got:?} != {status}"));
            }
        }
        if let Some(h) = case.get("expected_response_headers") {
            let got = final_override
                .as_ref()
                .map(|o| serde_json::to_value(&o.header).unwrap_or_default());
            if got.as_ref() != Some(h) {
                failures.push(format!("{name}: headers {got:?} != {h}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "AWS vectors failed:\n{}",
        failures.join("\n")
    );
}

#[test]
fn readme_lists_every_dialect_entry() {
    let readme = include_str!("../README.md");
    for b in vtl::dialect::TABLE {
        let name = b.name.replace('|', "\\|");
        assert!(
            readme.contains(&format!("| {name} |")),
            "README.md lacks dialect entry {:?}",
            b.name
        );
    }
}
