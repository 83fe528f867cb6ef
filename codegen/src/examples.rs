//! The one place the generator executes the API: the docs' example requests
//! ([`emit::docs::ExampleRunner`]) answered by the local gateway over a fresh embedded DynamoDB
//! store, with the fixed request ids and clock `emit` asks for, so the pages show exactly what
//! the document does and are the same on every run.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use emit::docs::{EXAMPLE_EPOCH_SECS, ExampleRequest, ExampleResponse, ExampleRunner};

/// The local gateway as an [`ExampleRunner`].
pub struct GatewayRunner {
    gateway: gateway::Gateway,
    /// The gateway is async and `generate` is not, and may itself be called inside a runtime
    /// (a `#[tokio::test]`), where blocking on another runtime on the same thread panics: so
    /// every request runs on a scoped thread of its own, with this runtime. (An `Option` so
    /// that `Drop` can move it to a thread of its own too: dropping a runtime inside another
    /// one's async context panics.)
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for GatewayRunner {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            let _ = std::thread::spawn(move || drop(runtime)).join();
        }
    }
}

impl GatewayRunner {
    /// A gateway for `api` over an empty embedded store with the document's tables created.
    pub fn new(api: &apidef::Api) -> Result<GatewayRunner, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start a runtime for the examples: {e}"))?;
        let store: Arc<dyn dynamo::Dynamo> = Arc::new(dynamo::Embedded::new());
        let counter = Arc::new(AtomicU64::new(1));
        let gateway = gateway::Gateway::builder(api.clone(), store)
            .request_ids(Arc::new(move || {
                emit::docs::example_request_id(counter.fetch_add(1, Ordering::SeqCst))
            }))
            .clock(Arc::new(|| {
                SystemTime::UNIX_EPOCH + Duration::from_secs(EXAMPLE_EPOCH_SECS)
            }))
            .access_log(Arc::new(|_line: &str| {}))
            .api_key(gateway::api_keys::ApiKey {
                value: emit::docs::EXAMPLE_API_KEY.to_string(),
                plan: None,
            })
            .iam_credential(example_credential()?)
            .build()
            .map_err(|e| format!("the local gateway does not accept the document: {e}"))?;
        let runner = GatewayRunner {
            gateway,
            runtime: Some(runtime),
        };
        runner
            .block_on(runner.gateway.create_tables())
            .map_err(|e| format!("cannot create the example tables: {e}"))?;
        Ok(runner)
    }

    fn block_on<F: std::future::Future + Send>(&self, f: F) -> F::Output
    where
        F::Output: Send,
    {
        let Some(runtime) = &self.runtime else {
            unreachable!("the runtime is taken only when the runner is dropped")
        };
        std::thread::scope(|scope| {
            scope
                .spawn(|| runtime.block_on(f))
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p))
        })
    }
}

fn example_credential() -> Result<gateway::iam::IamCredential, String> {
    gateway::iam::IamCredential::parse(emit::docs::EXAMPLE_IAM_CREDENTIAL)
}

impl ExampleRunner for GatewayRunner {
    fn answer(&mut self, request: &ExampleRequest) -> Result<ExampleResponse, String> {
        let mut req = gateway::Request::new(request.method.clone(), request.target.clone())
            .body(request.body.clone());
        req.headers = request.headers.clone();
        if request.sigv4 {
            let at = SystemTime::UNIX_EPOCH + Duration::from_secs(EXAMPLE_EPOCH_SECS);
            gateway::iam::sign(
                &mut req,
                &example_credential()?,
                "localhost",
                "us-east-1",
                at,
            );
        }
        let response = self.block_on(self.gateway.handle(req));
        Ok(ExampleResponse {
            status: response.status,
            headers: response.headers,
            body: response.body.to_vec(),
        })
    }
}
