//! The request/response properties: positive, negative, no server error; and the machinery they
//! share with the stateful ones (sessions, the runner, response checks).

use std::fmt::Debug;

use apidef::{Operation, ParamLocation};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{TestCaseError, TestError, TestRunner};
use serde_json::Value;

use crate::http::{Connection, HttpRequest, HttpResponse};
use crate::strategy;
use crate::{Exchange, Failure, Property, Report, Suite, Target};

/// How one case ends when it does not pass.
#[derive(Debug)]
pub(crate) enum Outcome {
    /// The generated case is not what the property is about (a "negative" case that is valid):
    /// proptest discards it, also while shrinking, so a shrunk counterexample is always a real one.
    Reject(String),
    Fail(String),
}

/// One case's connection and the exchanges made so far.
pub(crate) struct Session<'a> {
    pub(crate) suite: &'a Suite,
    conn: Connection,
    pub(crate) exchanges: Vec<Exchange>,
    /// Requests that undo what the case created on a shared target (sent at the end).
    pub(crate) cleanup: Vec<HttpRequest>,
}

impl<'a> Session<'a> {
    fn open(suite: &'a Suite) -> Result<Session<'a>, String> {
        let conn = suite
            .runtime
            .block_on(Connection::open(&suite.api, &suite.target, || {
                suite.remote_client()
            }))?;
        Ok(Session {
            suite,
            conn,
            exchanges: Vec::new(),
            cleanup: Vec::new(),
        })
    }

    pub(crate) fn send(&mut self, req: HttpRequest) -> Result<HttpResponse, Outcome> {
        let result = self.suite.runtime.block_on(self.conn.send(&req));
        match result {
            Ok(resp) => {
                self.exchanges.push(Exchange {
                    request: req,
                    response: Some(resp.clone()),
                });
                Ok(resp)
            }
            Err(e) => {
                self.exchanges.push(Exchange {
                    request: req,
                    response: None,
                });
                Err(Outcome::Fail(format!("the target did not answer: {e}")))
            }
        }
    }

    pub(crate) fn remote(&self) -> bool {
        matches!(self.suite.target, Target::BaseUrl(_))
    }

    fn finish(&mut self) {
        for req in std::mem::take(&mut self.cleanup) {
            // Best effort: what is already gone answers 404, which is fine here.
            let _ = self.suite.runtime.block_on(self.conn.send(&req));
        }
    }
}

/// Run `test` on `strategy` with proptest; a failure is shrunk, then the minimal case is run once
/// more to capture its exchanges.
pub(crate) fn run<S>(
    suite: &Suite,
    property: &Property<'_>,
    strategy: S,
    test: impl Fn(&mut Session<'_>, &S::Value) -> Result<(), Outcome>,
) -> Result<Report, Failure>
where
    S: Strategy,
    S::Value: Debug,
{
    let config = suite.config();
    let cases = config.cases;
    let mut runner = TestRunner::new(config);
    let one = |value: &S::Value| -> Result<Vec<Exchange>, (Outcome, Vec<Exchange>)> {
        let mut session = match Session::open(suite) {
            Ok(s) => s,
            Err(e) => return Err((Outcome::Fail(e), Vec::new())),
        };
        let result = test(&mut session, value);
        session.finish();
        match result {
            Ok(()) => Ok(session.exchanges),
            Err(o) => Err((o, session.exchanges)),
        }
    };
    let failure = |reason: String, exchanges: Vec<Exchange>, minimal: String| Failure {
        property: property.name().to_string(),
        operation: property.operation().to_string(),
        reason,
        exchanges,
        minimal_input: minimal,
    };
    let result = runner.run(&strategy, |value| match one(&value) {
        Ok(_) => Ok(()),
        Err((Outcome::Reject(why), _)) => Err(TestCaseError::reject(why)),
        Err((Outcome::Fail(why), _)) => Err(TestCaseError::fail(why)),
    });
    match result {
        Ok(()) => Ok(Report { cases }),
        Err(TestError::Fail(reason, minimal)) => {
            let shown = format!("{minimal:?}");
            match one(&minimal) {
                Err((Outcome::Fail(why), exchanges)) => Err(failure(why, exchanges, shown)),
                // Not reproducible (a shared target changed under us): report what proptest saw.
                _ => Err(failure(reason.to_string(), Vec::new(), shown)),
            }
        }
        Err(TestError::Abort(reason)) => Err(failure(
            format!("proptest gave up: {reason}"),
            Vec::new(),
            String::new(),
        )),
    }
}

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

fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

fn param_schema(p: &apidef::Parameter) -> Value {
    p.schema
        .clone()
        .unwrap_or_else(|| serde_json::json!({"type": "string"}))
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
            // A header value cannot carry every character; visible ASCII keeps it sendable.
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

/// What the response is checked against.
pub(crate) fn check_response(
    suite: &Suite,
    op: &Operation,
    resp: &HttpResponse,
) -> Result<(), String> {
    if resp.status >= 500 {
        return Err(format!("server error: HTTP {}", resp.status));
    }
    let status = resp.status.to_string();
    let range = format!("{}XX", &status[..1]);
    let documented = op
        .responses
        .get(&status)
        .or_else(|| op.responses.get(&range))
        .or_else(|| op.responses.get(&range.to_ascii_lowercase()))
        .or_else(|| op.responses.get("default"));
    let Some(documented) = documented else {
        return Err(format!(
            "HTTP {} is not a documented status of {} (documented: {})",
            resp.status,
            op.label(),
            op.responses.keys().cloned().collect::<Vec<_>>().join(", ")
        ));
    };
    // Documented headers: a required one is present, a present one matches its schema (header
    // values are strings on the wire, coerced as parameters are).
    for (name, header) in &documented.headers {
        let value = resp.header(name);
        if value.is_none() && header.get("required") == Some(&Value::Bool(true)) {
            return Err(format!(
                "HTTP {} lacks the required header {name}",
                resp.status
            ));
        }
        if let (Some(v), Some(schema)) = (value, header.get("schema")) {
            // A header schema is not a self-contained model (it may `$ref` the components):
            // one that does not compile on its own is not checked.
            let Ok(validator) = suite.validator(schema) else {
                continue;
            };
            if !validator.is_valid(&strategy::coerce(v, schema)) {
                return Err(format!(
                    "HTTP {} header {name}: {v:?} does not match its documented schema {schema}",
                    resp.status
                ));
            }
        }
    }
    if documented.content.is_empty() {
        if !resp.body.is_empty() {
            return Err(format!(
                "HTTP {} documents no content but the response has a {}-byte body",
                resp.status,
                resp.body.len()
            ));
        }
        return Ok(());
    }
    let got = resp.header("content-type").map(media_type);
    let Some((_, schema)) = documented
        .content
        .iter()
        .find(|(ct, _)| Some(media_type(ct)) == got)
    else {
        return Err(format!(
            "Content-Type {:?} is not documented for HTTP {} (documented: {})",
            resp.header("content-type").unwrap_or("(none)"),
            resp.status,
            documented
                .content
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    let Some(schema) = schema else { return Ok(()) };
    let body: Value = serde_json::from_slice(&resp.body)
        .map_err(|e| format!("HTTP {} body is not JSON: {e}", resp.status))?;
    let validator = suite.validator(schema)?;
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .take(3)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if !errors.is_empty() {
        return Err(format!(
            "HTTP {} body does not validate against its documented schema: {}",
            resp.status,
            errors.join("; ")
        ));
    }
    Ok(())
}

/// Statuses that say "your request is invalid": a valid request must not get them.
const REFUSALS: &[u16] = &[400, 415, 422];

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
        if session.remote() && crate::stateful::undeletable(suite, op, &req) {
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
            session
                .cleanup
                .extend(crate::stateful::undo(suite, op, &req, &resp));
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
                (Some(schema), Some(b)) => !suite.validator(schema)?.is_valid(b),
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
                        .validator(&schema)?
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
            session
                .cleanup
                .extend(crate::stateful::undo(suite, op, &req, &resp));
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
                session
                    .cleanup
                    .extend(crate::stateful::undo(suite, op, &req, &resp));
            }
            if resp.status >= 500 {
                return Err(Outcome::Fail(format!("server error: HTTP {}", resp.status)));
            }
            Ok(())
        },
    )
}
