//! One case's session with the target (its connection, the exchanges so far, the clean-up a
//! shared target needs) and the runner that shrinks a failing case and replays it.

use std::fmt::Debug;

use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestError, TestRunner};

use crate::error::Error;
use crate::http::{Connection, HttpRequest, HttpResponse};
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
    fn open(suite: &'a Suite) -> Result<Session<'a>, Error> {
        let conn = suite.runtime.block_on(Connection::open(
            &suite.api,
            &suite.target,
            &suite.credentials,
            || suite.remote_client(),
        ))?;
        Ok(Session {
            suite,
            conn,
            exchanges: Vec::new(),
            cleanup: Vec::new(),
        })
    }

    /// Send `req` with the credentials its method asks for.
    pub(crate) fn send(&mut self, req: HttpRequest) -> Result<HttpResponse, Outcome> {
        let req = match self.operation_of(&req) {
            Some(op) => self.suite.credentials.apply(op, req, &self.host()),
            None => req,
        };
        self.send_as_is(req)
    }

    /// The operation a request reaches, by API Gateway's routing.
    fn operation_of(&self, req: &HttpRequest) -> Option<&'a apidef::Operation> {
        let segments: Vec<String> = req
            .path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(|s| {
                percent_encoding::percent_decode_str(s)
                    .decode_utf8_lossy()
                    .into_owned()
            })
            .collect();
        match self.suite.api.route(&req.method, &segments) {
            apidef::RouteMatch::Found { operation, .. } => self.suite.api.operations.get(operation),
            apidef::RouteMatch::NotFound => None,
        }
    }

    /// The `Host` requests are sent with (what a signature covers).
    fn host(&self) -> String {
        match &self.suite.target {
            Target::Embedded => "localhost".into(),
            Target::BaseUrl(base) => base
                .split("://")
                .nth(1)
                .unwrap_or(base)
                .split('/')
                .next()
                .unwrap_or_default()
                .to_string(),
        }
    }

    /// Send `req` exactly as it is (no credentials added).
    pub(crate) fn send_as_is(&mut self, req: HttpRequest) -> Result<HttpResponse, Outcome> {
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
            Err(e) => return Err((Outcome::Fail(e.to_string()), Vec::new())),
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
