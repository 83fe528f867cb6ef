//! Harness for the generated contract tests (`tests/generated.rs`, written by `codegen`).
//!
//! Everything is derived at run time from the document: request strategies from the parameter
//! and body schemas, expected statuses and response schemas from `responses`, the stateful
//! checks from the response `links` and the table's key. The generated tests only name what to
//! check ([`Property`]); [`Suite::check`] runs it and returns a [`Failure`] (property, operation,
//! shrunk request, response) instead of panicking, and [`assert_property`] is the panicking
//! wrapper the generated `#[test]`s call.
//!
//! Modules, each one idea, none importing a sibling property module: `case` (a generated
//! request and its wire form), `session` (one case's connection, exchanges, clean-up, and the
//! shrinking runner), `links` (OpenAPI's runtime expressions and following a `Link`), `keys`
//! (the item key, learned from what the create template sends to DynamoDB), `checks` (a
//! response against the document, and which `responses` entry a gateway-produced status needs),
//! `properties` (positive, negative, no server error), `stateful` (links walk and state
//! machine), `error` (the one [`Error`] type).
//!
//! Targets ([`Target`]): the embedded gateway over a fresh embedded store per case (default), or
//! any base URL from `CONTRACT_BASE_URL` (`gateway serve`, a deployed stage). Cases per property:
//! `PROPTEST_CASES` (default 256).

mod case;
mod checks;
mod credentials;
pub mod error;
pub mod http;
mod keys;
mod links;
mod properties;
mod session;
mod stateful;
pub mod strategy;

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::Value;

pub use error::{Error, ErrorKind};
pub use http::{HttpRequest, HttpResponse, Target};

/// One property of one operation, as the generated tests name it. The statuses and links are
/// read from the document by `codegen`; [`Suite::check`] verifies they still match the document
/// it loaded (a stale generated file fails with "regenerate").
#[derive(Debug, Clone, Copy)]
pub enum Property<'a> {
    /// A valid request gets a documented status (and is not refused as invalid), a body that
    /// validates against that status's schema and a documented `Content-Type`.
    Positive {
        operation: &'a str,
        statuses: &'a [&'a str],
    },
    /// A request that breaks the schema gets a documented 4xx and its error shape.
    Negative {
        operation: &'a str,
        statuses: &'a [&'a str],
    },
    /// No request, however malformed, gets a 5xx.
    NoServerError { operation: &'a str },
    /// Create through `operation`, then follow its links: read returns it field for field, the
    /// list (every page) holds it once, delete returns it, then read and delete give 404.
    Links {
        operation: &'a str,
        links: &'a [&'a str],
    },
    /// Random sequences of create / read / delete / list agree with a model keyed by the
    /// table's key.
    StateMachine {
        operation: &'a str,
        links: &'a [&'a str],
    },
    /// A valid request without the method's credentials (API key, signature, token) gets what
    /// API Gateway answers: 403, or 401 for an authorizer.
    Unauthenticated { operation: &'a str },
}

impl Property<'_> {
    pub fn name(&self) -> &'static str {
        match self {
            Property::Positive { .. } => "positive",
            Property::Negative { .. } => "negative",
            Property::NoServerError { .. } => "no-server-error",
            Property::Links { .. } => "links",
            Property::StateMachine { .. } => "state-machine",
            Property::Unauthenticated { .. } => "unauthenticated",
        }
    }

    pub fn operation(&self) -> &str {
        match self {
            Property::Positive { operation, .. }
            | Property::Negative { operation, .. }
            | Property::NoServerError { operation }
            | Property::Links { operation, .. }
            | Property::StateMachine { operation, .. }
            | Property::Unauthenticated { operation } => operation,
        }
    }
}

/// One request and what came back (no response when the target could not be reached).
#[derive(Debug, Clone)]
pub struct Exchange {
    pub request: HttpRequest,
    pub response: Option<HttpResponse>,
}

/// A property that does not hold, after shrinking.
#[derive(Debug, Clone)]
pub struct Failure {
    /// [`Property::name`].
    pub property: String,
    pub operation: String,
    /// Which check failed and why.
    pub reason: String,
    /// The shrunk case's exchanges, in order; the last one is the one that failed.
    pub exchanges: Vec<Exchange>,
    /// The shrunk generated input, as proptest shows it.
    pub minimal_input: String,
}

impl Failure {
    /// The request that failed (the last one sent).
    pub fn request(&self) -> Option<&HttpRequest> {
        self.exchanges.last().map(|e| &e.request)
    }

    pub fn response(&self) -> Option<&HttpResponse> {
        self.exchanges.last().and_then(|e| e.response.as_ref())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "property `{}` of operation `{}` failed: {}",
            self.property, self.operation, self.reason
        )?;
        if !self.exchanges.is_empty() {
            writeln!(f, "\nshrunk case ({} request(s)):", self.exchanges.len())?;
        }
        // A long stateful case: the earlier steps as commands only, the failing one in full.
        // Commands are never clipped: run in order against a fresh `gateway serve`, they are
        // the reproduction.
        let n = self.exchanges.len();
        for (i, e) in self.exchanges.iter().enumerate() {
            writeln!(f, "\n[{}] {}", i + 1, e.request.to_curl())?;
            if i + 1 == n {
                match &e.response {
                    Some(r) => writeln!(f, "{}", r.describe())?,
                    None => writeln!(f, "(no response)")?,
                }
            } else if let Some(r) = &e.response {
                writeln!(f, "  -> HTTP {}", r.status)?;
            }
        }
        if !self.minimal_input.is_empty() {
            writeln!(f, "\nshrunk input: {}", clip(&self.minimal_input, 4000))?;
        }
        Ok(())
    }
}

/// At most `max` characters of `s`, for reports (the full text stays in [`Failure`]).
pub(crate) fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let head: String = s.chars().take(max).collect();
    format!("{head}... ({} characters in all)", s.chars().count())
}

/// What a passing property reports.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub cases: u32,
}

/// A loaded document, a target and the compiled response validators.
pub struct Suite {
    pub(crate) api: Arc<apidef::Api>,
    pub(crate) target: Target,
    pub(crate) runtime: tokio::runtime::Runtime,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
    cases: Option<u32>,
    client: std::sync::OnceLock<http::RemoteClient>,
    pub(crate) credentials: credentials::Credentials,
}

/// Only one test at a time talks to a shared base URL: the list and model checks then see the
/// table as this test left it.
static REMOTE: Mutex<()> = Mutex::new(());

impl Suite {
    pub fn new(api: apidef::Api, target: Target) -> Result<Suite, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| {
                Error::new(
                    ErrorKind::Target,
                    "tokio",
                    format!("cannot start a runtime: {e}"),
                )
            })?;
        let credentials = credentials::Credentials::for_target(&target);
        Ok(Suite {
            api: Arc::new(api),
            credentials,
            target,
            runtime,
            validators: Mutex::new(HashMap::new()),
            cases: None,
            client: std::sync::OnceLock::new(),
        })
    }

    /// The workspace's `openapi.yaml` and the target from the environment.
    pub fn from_workspace() -> Result<Suite, Error> {
        // The directory cargo gives the running test, not the one this library was compiled
        // in: a copy of the workspace (scripts/try-api) may reuse this crate's build, and must
        // test its own openapi.yaml.
        let dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf());
        let path = dir.join("../openapi.yaml");
        let api = apidef::Api::load(&path)
            .map_err(|e| Error::new(ErrorKind::Untestable, "openapi.yaml", e.to_string()))?;
        Suite::new(api, Target::from_env())
    }

    /// Cases per property for this suite, instead of `PROPTEST_CASES`.
    pub fn with_cases(mut self, cases: u32) -> Suite {
        self.cases = Some(cases);
        self
    }

    pub fn api(&self) -> &apidef::Api {
        &self.api
    }

    /// Run one property; `Err` carries the shrunk counterexample.
    pub fn check(&self, property: &Property<'_>) -> Result<Report, Failure> {
        let _serial = match self.target {
            Target::BaseUrl(_) => Some(REMOTE.lock().unwrap_or_else(|p| p.into_inner())),
            Target::Embedded => None,
        };
        let fail = |reason: String| Failure {
            property: property.name().to_string(),
            operation: property.operation().to_string(),
            reason,
            exchanges: Vec::new(),
            minimal_input: String::new(),
        };
        let op = self
            .api
            .operation(property.operation())
            .ok_or_else(|| fail("no such operationId in the document: regenerate".into()))?;
        let expected_statuses = match property {
            Property::Positive { statuses, .. } | Property::Negative { statuses, .. } => {
                Some(*statuses)
            }
            _ => None,
        };
        if let Some(statuses) = expected_statuses {
            let documented: Vec<&str> = op.responses.keys().map(String::as_str).collect();
            if documented != statuses {
                return Err(fail(format!(
                    "the generated test expects statuses {statuses:?} but the document has {documented:?}: regenerate (`cargo run -p codegen -- generate`)"
                )));
            }
        }
        match property {
            Property::Positive { .. } => properties::positive(self, op, property),
            Property::Negative { .. } if !properties::has_negatives(op) => Ok(Report { cases: 0 }),
            Property::Negative { .. } => properties::negative(self, op, property),
            Property::NoServerError { .. } => properties::no_server_error(self, op, property),
            Property::Links { links, .. } => stateful::links(self, op, links, property),
            Property::StateMachine { links, .. } => {
                stateful::state_machine(self, op, links, property)
            }
            Property::Unauthenticated { .. } => properties::unauthenticated(self, op, property),
        }
    }

    /// The suite's HTTP client for a base URL, built once.
    pub(crate) fn remote_client(&self) -> Result<http::RemoteClient, Error> {
        if let Some(c) = self.client.get() {
            return Ok(c.clone());
        }
        let c = http::https_client()?;
        Ok(self.client.get_or_init(|| c).clone())
    }

    /// A draft-4 validator for a response or model schema, compiled once.
    pub(crate) fn validator(&self, schema: &Value) -> Result<Arc<jsonschema::Validator>, Error> {
        let key = schema.to_string();
        let mut cache = self.validators.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = cache.get(&key) {
            return Ok(v.clone());
        }
        let v = Arc::new(jsonschema::draft4::new(schema).map_err(|e| {
            Error::new(
                ErrorKind::Schema,
                clip(&key, 200),
                format!("does not compile as draft 4: {e}"),
            )
        })?);
        cache.insert(key, v.clone());
        Ok(v)
    }

    /// Cases per property: `PROPTEST_CASES`, default 256.
    pub(crate) fn config(&self) -> proptest::test_runner::Config {
        let cases = self.cases.unwrap_or_else(|| {
            std::env::var("PROPTEST_CASES")
                .ok()
                .and_then(|c| c.parse().ok())
                .unwrap_or(256)
        });
        proptest::test_runner::Config {
            cases,
            failure_persistence: None,
            // Negative cases that turn out valid are rejected, not counted.
            max_global_rejects: cases.saturating_mul(8).max(1024),
            // proptest's default (4 x cases) stops shrinking a 256-character string or a
            // 20-step sequence half-way; the time bound keeps a failing run short.
            max_shrink_iters: 20_000,
            max_shrink_time: 30_000,
            ..proptest::test_runner::Config::default()
        }
    }
}

/// The panicking wrapper the generated tests call: loads the workspace's document, runs the
/// property against the target from the environment and panics with the failure's report.
pub fn assert_property(property: Property<'_>) {
    let suite = match Suite::from_workspace() {
        Ok(s) => s,
        Err(e) => panic!("contract tests cannot start: {e}"),
    };
    if let Err(failure) = suite.check(&property) {
        panic!("{failure}");
    }
}
