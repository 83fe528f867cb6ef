//! Step 8 (with finish): one access-log line per request, in the stage's format (`$context` variables, DG
//! `set-up-logging`), substituted from the request's typed context; the format was parsed when
//! the gateway was built.

use std::time::Instant;

use crate::Inner;
use crate::context::{Outcome, RequestContext};
use crate::request::Response;

pub(crate) fn write(
    inner: &Inner,
    resp: &Response,
    ctx: &mut RequestContext<'_>,
    started: Instant,
) {
    ctx.outcome = Some(Outcome {
        status: resp.status,
        response_length: resp.body.len(),
        response_latency: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    });
    match &inner.access_log {
        Some(sink) => {
            let line = inner
                .access_log_format
                .render(&*ctx, &inner.stage_variables, "-");
            sink(&line)
        }
        None => {
            if tracing::enabled!(target: "gateway::access_log", tracing::Level::INFO) {
                let line = inner
                    .access_log_format
                    .render(&*ctx, &inner.stage_variables, "-");
                tracing::info!(target: "gateway::access_log", "{line}");
            }
        }
    }
}
