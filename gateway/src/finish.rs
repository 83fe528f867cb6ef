//! Step 8: the headers API Gateway adds to every response (AWS-REC snapshots). `Date` is set
//! here, not by the HTTP server, so that in-process and HTTP responses carry the same headers; a
//! `Date` the method response mapped itself is kept.

use crate::context::RequestContext;
use crate::request::Response;

pub(crate) fn finish(mut resp: Response, ctx: &RequestContext<'_>) -> Response {
    if resp.header("date").is_none() {
        resp.headers
            .push(("Date".into(), dynamo::util::http_date(ctx.received)));
    }
    resp.set_header("x-amzn-RequestId", ctx.request_id.clone());
    resp.set_header("x-amz-apigw-id", ctx.extended_request_id.clone());
    resp.set_header("X-Amzn-Trace-Id", ctx.trace_id.clone().into_owned());
    resp
}
