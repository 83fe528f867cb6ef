//! The request/response properties: positive (a valid request gets a documented answer),
//! negative (an invalid one gets a documented 4xx), no server error (nothing gets a 5xx, and a
//! status API Gateway produces by itself is declared).

use apidef::{Operation, ParamLocation};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

use crate::case::{Case, body_schema, build, param_schema, valid_case};
use crate::checks::{REFUSALS, check_response, gateway_status};
use crate::http::HttpRequest;
use crate::session::{Outcome, run};
use crate::stateful::{undeletable, undo};
use crate::{Failure, Property, Report, Suite, strategy};

pub(crate) fn positive(
    suite: &Suite,
    op: &Operation,
    property: &Property<'_>,
) -> Result<Report, Failure> {
    // An optional string query parameter may be an opaque token (a pagination cursor) that only
    // the API itself can produce: a random value for it may be refused.
    let opaque: Vec<usize> = op
        .parameters
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            p.location == ParamLocation::Query
                && !p.required
                && p.schema
                    .as_ref()
                    .is_none_or(|s| s.get("type").and_then(Value::as_str) == Some("string"))
                && p.schema.as_ref().is_none_or(|s| s.get("enum").is_none())
        })
        .map(|(i, _)| i)
        .collect();
    run(suite, property, valid_case(op), |session, case| {
        let req = build(op, case);
        if session.remote() && undeletable(suite, op, &req) {
            return Err(Outcome::Reject(
                "would leave an item behind on the target".into(),
            ));
        }
        let resp = session.send(req.clone())?;
        check_response(suite, op, &resp).map_err(Outcome::Fail)?;
        let carries_token = opaque
            .iter()
            .any(|i| case.0.get(*i).is_some_and(Option::is_some));
        if REFUSALS.contains(&resp.status) && !carries_token {
            return Err(Outcome::Fail(format!(
                "a request that is valid by the document was refused with HTTP {}",
                resp.status
            )));
        }
        if session.remote() && (200..300).contains(&resp.status) {
            session.cleanup.extend(undo(suite, op, &req, &resp));
        }
        Ok(())
    })
}

/// One way to make a case invalid, built into a request only when chosen.
enum Candidate {
    Body(strategy::Mutation),
    NotJson,
    MediaType,
    BodyMissing,
    Param(usize, String),
    ParamMissing(usize),
}

/// Every negative candidate the case allows (cheap: nothing is copied until one is chosen).
fn negative_candidates(op: &Operation, case: &Case) -> Vec<Candidate> {
    let mut out = Vec::new();
    if let (Some(schema), Some(body)) = (body_schema(op), &case.1) {
        out.extend(
            strategy::mutations(schema, schema, body)
                .into_iter()
                .map(Candidate::Body),
        );
        out.push(Candidate::NotJson);
        if op
            .request_body
            .as_ref()
            .is_some_and(|b| !b.content.contains_key("text/plain"))
        {
            out.push(Candidate::MediaType);
        }
    }
    if body_schema(op).is_some()
        && case.1.is_none()
        && op.request_body.as_ref().is_some_and(|b| b.required)
    {
        out.push(Candidate::BodyMissing);
    }
    // Parameter mutations: query and header values are strings on the wire, so "wrong type" is
    // a string that does not parse as the declared type; path parameters are left alone (any
    // non-empty segment is a string, an empty one is another route).
    for (i, p) in op.parameters.iter().enumerate() {
        if p.location == ParamLocation::Path || p.location == ParamLocation::Cookie {
            continue;
        }
        for bad in strategy::param_invalid(&param_schema(p)) {
            out.push(Candidate::Param(i, bad));
        }
        if p.required {
            out.push(Candidate::ParamMissing(i));
        }
    }
    out
}

/// The request of a candidate, what it breaks, and whether it really is invalid (checked on
/// every case, shrunk ones included, so a shrunk counterexample is never a valid request).
fn negative_request(
    suite: &Suite,
    op: &Operation,
    case: &Case,
    candidate: &Candidate,
) -> Result<(HttpRequest, String, bool), String> {
    let param = |i: usize| op.parameters.get(i).map(|p| (p, param_schema(p)));
    Ok(match candidate {
        Candidate::Body(m) => {
            let body = case.1.as_ref().map(|b| m.apply(b));
            let invalid = match (body_schema(op), &body) {
                (Some(schema), Some(b)) => !suite
                    .validator(schema)
                    .map_err(|e| e.to_string())?
                    .is_valid(b),
                _ => true,
            };
            let req = build(op, &(case.0.clone(), body));
            (req, m.description.clone(), invalid)
        }
        Candidate::NotJson => {
            let mut req = build(op, case);
            req.body.truncate(req.body.len().saturating_sub(1));
            (req, "body: not JSON (truncated)".into(), true)
        }
        Candidate::MediaType => {
            let mut req = build(op, case);
            for h in &mut req.headers {
                if h.0.eq_ignore_ascii_case("content-type") {
                    h.1 = "text/plain".into();
                }
            }
            let d = "Content-Type text/plain, which the operation does not take";
            (req, d.into(), true)
        }
        Candidate::BodyMissing => (build(op, case), "required body missing".into(), true),
        Candidate::Param(i, bad) => {
            let mut values = case.0.clone();
            if let Some(slot) = values.get_mut(*i) {
                *slot = Some(bad.clone());
            }
            let (invalid, d) = match param(*i) {
                Some((p, schema)) => (
                    !suite
                        .validator(&schema)
                        .map_err(|e| e.to_string())?
                        .is_valid(&strategy::coerce(bad, &schema)),
                    format!(
                        "{} parameter {:?} = {bad:?}",
                        p.location.apigw_name(),
                        p.name
                    ),
                ),
                None => (true, String::new()),
            };
            (build(op, &(values, case.1.clone())), d, invalid)
        }
        Candidate::ParamMissing(i) => {
            let mut values = case.0.clone();
            if let Some(slot) = values.get_mut(*i) {
                *slot = None;
            }
            let d = param(*i).map_or_else(String::new, |(p, _)| {
                format!(
                    "required {} parameter {:?} missing",
                    p.location.apigw_name(),
                    p.name
                )
            });
            (build(op, &(values, case.1.clone())), d, true)
        }
    })
}

/// Whether the operation has anything a negative case can break.
pub fn has_negatives(op: &Operation) -> bool {
    body_schema(op).is_some()
        || op.parameters.iter().any(|p| {
            matches!(p.location, ParamLocation::Query | ParamLocation::Header)
                && (p.required || !strategy::param_invalid(&param_schema(p)).is_empty())
        })
}

pub(crate) fn negative(
    suite: &Suite,
    op: &Operation,
    property: &Property<'_>,
) -> Result<Report, Failure> {
    let strategy = (valid_case(op), any::<Index>());
    run(suite, property, strategy, |session, (case, pick)| {
        let candidates = negative_candidates(op, case);
        if candidates.is_empty() {
            return Err(Outcome::Reject("nothing to break in this case".into()));
        }
        let candidate = &candidates[pick.index(candidates.len())];
        let (req, description, invalid) =
            negative_request(suite, op, case, candidate).map_err(Outcome::Fail)?;
        if !invalid {
            return Err(Outcome::Reject(format!("{description}: still valid")));
        }
        let resp = session.send(req.clone())?;
        if session.remote() && (200..300).contains(&resp.status) {
            session.cleanup.extend(undo(suite, op, &req, &resp));
        }
        check_response(suite, op, &resp)
            .map_err(|e| Outcome::Fail(format!("invalid request ({description}): {e}")))?;
        if !(400..500).contains(&resp.status) {
            return Err(Outcome::Fail(format!(
                "an invalid request ({description}) was accepted with HTTP {}",
                resp.status
            )));
        }
        Ok(())
    })
}

/// Anything a client could send to an operation's route: parameters, body bytes, Content-Type,
/// extra query pairs.
type WildCase = (Case, Vec<u8>, Option<String>, Vec<(String, String)>);

fn wild_case(op: &Operation) -> BoxedStrategy<WildCase> {
    let content_types = proptest::option::of(proptest::sample::select(vec![
        "application/json".to_string(),
        "application/json; charset=utf-8".to_string(),
        "APPLICATION/JSON".to_string(),
        "text/plain".to_string(),
        "application/x-www-form-urlencoded".to_string(),
        "".to_string(),
    ]));
    let body = prop_oneof![
        valid_case(op).prop_map(|(_, b)| b.map(|b| b.to_string().into_bytes()).unwrap_or_default()),
        proptest::collection::vec(any::<u8>(), 0..64),
        strategy::string(0, 64).prop_map(String::into_bytes),
        Just(b"{\"a\":".to_vec()),
        Just(b"null".to_vec()),
        Just(b"[]".to_vec()),
    ];
    let params: Vec<BoxedStrategy<Option<String>>> = op
        .parameters
        .iter()
        .map(|p| match p.location {
            ParamLocation::Header | ParamLocation::Cookie => {
                proptest::option::of("[!-~]{0,32}").boxed()
            }
            ParamLocation::Path => strategy::string(1, 40).prop_map(Some).boxed(),
            ParamLocation::Query => proptest::option::of(strategy::string(0, 40)).boxed(),
        })
        .collect();
    let extra_query =
        proptest::collection::vec((strategy::string(0, 8), strategy::string(0, 16)), 0..3);
    ((params, Just(None)), body, content_types, extra_query).boxed()
}

pub(crate) fn no_server_error(
    suite: &Suite,
    op: &Operation,
    property: &Property<'_>,
) -> Result<Report, Failure> {
    run(
        suite,
        property,
        wild_case(op),
        |session, (case, body, ct, extra)| {
            let mut req = build(op, case);
            req.query.extend(extra.iter().cloned());
            req.body = body.clone();
            if let Some(ct) = ct {
                req.headers.push(("Content-Type".into(), ct.clone()));
            }
            let resp = session.send(req.clone())?;
            if session.remote() && (200..300).contains(&resp.status) {
                session.cleanup.extend(undo(suite, op, &req, &resp));
            }
            if resp.status >= 500 {
                return Err(Outcome::Fail(format!("server error: HTTP {}", resp.status)));
            }
            gateway_status(op, &resp).map_err(Outcome::Fail)?;
            Ok(())
        },
    )
}

/// A valid request sent without the method's credentials gets API Gateway's refusal (403 for
/// an API key or `AWS_IAM`, 401 for an authorizer), never the integration.
pub(crate) fn unauthenticated(
    suite: &Suite,
    op: &Operation,
    property: &Property<'_>,
) -> Result<Report, Failure> {
    let Some(want) = crate::credentials::unauthenticated_status(op) else {
        return Ok(Report { cases: 0 });
    };
    run(suite, property, valid_case(op), |session, case| {
        let resp = session.send_as_is(build(op, case))?;
        if resp.status != want {
            return Err(Outcome::Fail(format!(
                "a request without credentials got HTTP {} (API Gateway answers {want})",
                resp.status
            )));
        }
        Ok(())
    })
}
