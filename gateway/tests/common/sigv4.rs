//! Requests signed as a client signs them, by `aws-sigv4` (the signer of the AWS SDK for Rust).

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use gateway::Request;

/// `req` signed for execute-api in us-east-1 at `at` with these credentials.
pub fn signed(req: Request, key: &str, secret: &str, at: SystemTime) -> Request {
    let uri = format!(
        "https://abc123.execute-api.us-east-1.amazonaws.com{}",
        req.target
    );
    let mut headers = vec![(
        "host".to_string(),
        "abc123.execute-api.us-east-1.amazonaws.com".to_string(),
    )];
    headers.extend(req.headers.iter().cloned());
    let identity = Credentials::new(key, secret, None, None, "test").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("execute-api")
        .time(at)
        .settings(SigningSettings::default())
        .build()
        .expect("signing params")
        .into();
    let signable = SignableRequest::new(
        &req.method,
        &uri,
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        SignableBody::Bytes(&req.body),
    )
    .expect("signable");
    let (instructions, _) = sign(signable, &params).expect("sign").into_parts();
    let mut out = req;
    out.headers = headers;
    for (k, v) in instructions.headers() {
        out.headers.push((k.to_string(), v.to_string()));
    }
    out
}
