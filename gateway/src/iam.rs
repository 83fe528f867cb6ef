//! Step 3 (after routing, before API keys): `AWS_IAM` authorization, a Signature Version 4
//! check of the request against the credentials the gateway was given (IAM User Guide,
//! "Signature Version 4 signing process": canonical request, string to sign, signing key).
//!
//! What API Gateway answers, each a gateway response (dialect table, "AWS_IAM"):
//! - no `Authorization` header: MISSING_AUTHENTICATION_TOKEN, 403 `Missing Authentication Token`;
//! - an `Authorization` that is not `AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
//!   Signature=...`: 403 `IncompleteSignatureException`;
//! - an access key the gateway does not know: 403 `The security token included in the request is
//!   invalid.` (`UnrecognizedClientException`);
//! - `X-Amz-Date` more than 5 minutes from the gateway's clock: 403 `Signature expired: ...`;
//! - a signature that does not match: 403 `The request signature we calculated does not match
//!   ...` with the canonical request and string to sign, as AWS writes them
//!   (`InvalidSignatureException`).
//!
//! What a verified caller may invoke is what its identity policies say (`gateway serve
//! --iam-policies FILE`: `{"<access key id>": <policy document or list of them>}`), with the
//! API's resource policy, combined as API Gateway combines them (`authorize`). Without the
//! file every known credential's policies allow `execute-api:Invoke` on everything, as an
//! administrator's would (dialect table, "AWS_IAM").

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

/// A credential the gateway accepts, and the caller it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamCredential {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// `$context.identity.userArn` (default `arn:aws:iam::<account>:user/local`).
    pub user_arn: Option<String>,
}

impl IamCredential {
    /// `ACCESS_KEY_ID:SECRET` or `ACCESS_KEY_ID:SECRET:USER_ARN`, as `gateway serve
    /// --iam-credential` takes it (an ARN holds colons: everything after the second one is it).
    pub fn parse(spec: &str) -> Result<IamCredential, String> {
        let mut parts = spec.splitn(3, ':');
        let (Some(id), Some(secret)) = (parts.next(), parts.next()) else {
            return Err(format!(
                "IAM credential {spec:?}: expected ACCESS_KEY_ID:SECRET[:USER_ARN]"
            ));
        };
        if id.is_empty() || secret.is_empty() {
            return Err(format!(
                "IAM credential {spec:?}: the access key id and the secret must not be empty"
            ));
        }
        Ok(IamCredential {
            access_key_id: id.to_string(),
            secret_access_key: secret.to_string(),
            user_arn: parts.next().map(str::to_string),
        })
    }
}

/// The identity policies of the local credentials, by access key id.
#[derive(Debug, Default)]
pub struct IamPolicies {
    /// `None`: no file was given, every caller may invoke everything.
    by_key: Option<std::collections::HashMap<String, Vec<crate::policy::Policy>>>,
}

impl IamPolicies {
    /// Read `--iam-policies`' JSON text, naming the key and the place in its policy that is
    /// wrong.
    pub fn parse(text: &str) -> Result<IamPolicies, String> {
        let doc: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
        let obj = doc
            .as_object()
            .ok_or("must be an object of access key ids, each with its policies")?;
        let mut by_key = std::collections::HashMap::new();
        for (key, policies) in obj {
            let list = match policies {
                serde_json::Value::Array(a) => a.iter().collect::<Vec<_>>(),
                one => vec![one],
            };
            let mut parsed = Vec::new();
            for (i, p) in list.iter().enumerate() {
                // Identity policies name full ARNs: there is no `execute-api:/` shorthand.
                let policy = crate::policy::Policy::parse(p, "execute-api:")
                    .map_err(|e| format!("{key}[{i}]{e}"))?;
                parsed.push(policy);
            }
            by_key.insert(key.clone(), parsed);
        }
        Ok(IamPolicies {
            by_key: Some(by_key),
        })
    }

    /// What the caller's identity policies say of this request.
    pub(crate) fn decide(
        &self,
        access_key: &str,
        subject: &crate::policy::Subject<'_>,
    ) -> crate::policy::Decision {
        use crate::policy::Decision;
        let Some(by_key) = &self.by_key else {
            return Decision::Allow;
        };
        let mut out = Decision::Silent;
        for p in by_key.get(access_key).into_iter().flatten() {
            match p.evaluate(subject) {
                Decision::ExplicitDeny => return Decision::ExplicitDeny,
                Decision::Allow => out = Decision::Allow,
                Decision::Silent => {}
            }
        }
        out
    }
}

/// Who a verified request comes from (`$context.identity`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller {
    pub access_key: String,
    pub user_arn: String,
    pub account_id: String,
    /// `caller` and `user`: the principal id, here the access key id.
    pub principal: String,
}

/// Why a request is refused, with AWS's message and `x-amzn-ErrorType`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Denied {
    /// No signature at all.
    Missing,
    Invalid {
        message: String,
        error_type: &'static str,
    },
}

/// One request's parts that the signature covers.
pub(crate) struct Signed<'a> {
    pub method: &'a str,
    /// The path as received, still percent-encoded.
    pub raw_path: &'a str,
    /// The query string as received (no `?`).
    pub raw_query: &'a str,
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl<'a> Signed<'a> {
    /// The signed parts of `req`, sent with `method` (upper-case).
    pub fn of(req: &'a crate::Request, method: &'a str) -> Signed<'a> {
        let (raw_path, raw_query) = crate::request::split_target(&req.target);
        Signed {
            method,
            raw_path,
            raw_query,
            headers: &req.headers,
            body: &req.body,
        }
    }
}

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// API Gateway (like every AWS service) accepts a signature within 5 minutes of its clock.
const MAX_SKEW: Duration = Duration::from_secs(300);

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn invalid(message: impl Into<String>, error_type: &'static str) -> Denied {
    Denied::Invalid {
        message: message.into(),
        error_type,
    }
}

/// Check `req`'s signature at `now` against `credentials`.
pub(crate) fn verify(
    req: &Signed<'_>,
    credentials: &[IamCredential],
    account_id: &str,
    now: SystemTime,
) -> Result<Caller, Denied> {
    let Some(auth) = header(req.headers, "authorization") else {
        return Err(Denied::Missing);
    };
    let parsed = parse_authorization(auth)?;
    let scope: Vec<&str> = parsed.credential.split('/').collect();
    let [access_key, date, region, service, "aws4_request"] = scope[..] else {
        return Err(invalid(
            format!("Credential should be scoped to a valid region. Authorization={auth}"),
            "IncompleteSignatureException",
        ));
    };
    if service != "execute-api" {
        return Err(invalid(
            "Credential should be scoped to correct service: 'execute-api'. ",
            "InvalidSignatureException",
        ));
    }
    let Some(cred) = credentials.iter().find(|c| c.access_key_id == access_key) else {
        return Err(invalid(
            "The security token included in the request is invalid.",
            "UnrecognizedClientException",
        ));
    };
    let Some(amz_date) = header(req.headers, "x-amz-date") else {
        return Err(invalid(
            format!(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={auth}"
            ),
            "IncompleteSignatureException",
        ));
    };
    let signed_at = crate::dates::parse_amz(amz_date).ok_or_else(|| {
        invalid(
            format!("Date must be in ISO-8601 'basic format'. Got '{amz_date}'. See http://en.wikipedia.org/wiki/ISO_8601"),
            "IncompleteSignatureException",
        )
    })?;
    if signed_at + MAX_SKEW < now {
        return Err(invalid(
            format!(
                "Signature expired: {amz_date} is now earlier than {} ({} - 5 min.)",
                crate::dates::amz(now - MAX_SKEW),
                crate::dates::amz(now)
            ),
            "InvalidSignatureException",
        ));
    }
    if signed_at > now + MAX_SKEW {
        return Err(invalid(
            format!(
                "Signature not yet current: {amz_date} is still later than {} ({} + 5 min.)",
                crate::dates::amz(now + MAX_SKEW),
                crate::dates::amz(now)
            ),
            "InvalidSignatureException",
        ));
    }
    if !amz_date.starts_with(date) {
        return Err(invalid(
            format!(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{date}' != '{}', from '{amz_date}'.",
                &amz_date[..8.min(amz_date.len())]
            ),
            "InvalidSignatureException",
        ));
    }
    let canonical = canonical_request(req, &parsed.signed_headers);
    let string_to_sign = string_to_sign(
        amz_date,
        &format!("{date}/{region}/{service}/aws4_request"),
        &canonical,
    );
    let key = signing_key(&cred.secret_access_key, date, region, service);
    let expected = hex::encode(hmac(&key, string_to_sign.as_bytes()));
    if !constant_time_eq(expected.as_bytes(), parsed.signature.as_bytes()) {
        return Err(invalid(
            format!(
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\nThe Canonical String for this request should have been\n'{canonical}'\n\nThe String-to-Sign should have been\n'{string_to_sign}'\n"
            ),
            "InvalidSignatureException",
        ));
    }
    let user_arn = cred
        .user_arn
        .clone()
        .unwrap_or_else(|| format!("arn:aws:iam::{account_id}:user/local"));
    let account = user_arn
        .split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .unwrap_or(account_id)
        .to_string();
    Ok(Caller {
        access_key: cred.access_key_id.clone(),
        principal: cred.access_key_id.clone(),
        user_arn,
        account_id: account,
    })
}

/// Sign `req` as an AWS SDK signs an execute-api request (`Host`, `X-Amz-Date`, the payload
/// hash): for clients of this crate that call `AWS_IAM` methods, such as the contract tests.
/// `host` is the `Host` header the request is sent with.
pub fn sign(
    req: &mut crate::Request,
    credential: &IamCredential,
    host: &str,
    region: &str,
    at: SystemTime,
) {
    let amz_date = crate::dates::amz(at);
    let date = amz_date[..8].to_string();
    req.headers.retain(|(k, _)| {
        !["host", "x-amz-date", "authorization"]
            .iter()
            .any(|h| k.eq_ignore_ascii_case(h))
    });
    req.headers.push(("host".into(), host.into()));
    req.headers.push(("x-amz-date".into(), amz_date.clone()));
    let mut names: Vec<String> = vec!["host".into(), "x-amz-date".into()];
    names.sort();
    let signed = Signed::of(req, &req.method);
    let canonical = canonical_request(&signed, &names);
    let scope = format!("{date}/{region}/execute-api/aws4_request");
    let string_to_sign = string_to_sign(&amz_date, &scope, &canonical);
    let signature = hex::encode(hmac(
        &signing_key(&credential.secret_access_key, &date, region, "execute-api"),
        string_to_sign.as_bytes(),
    ));
    req.headers.push((
        "authorization".into(),
        format!(
            "{ALGORITHM} Credential={}/{scope}, SignedHeaders={}, Signature={signature}",
            credential.access_key_id,
            names.join(";")
        ),
    ));
}

/// SigV4's string to sign: algorithm, time, scope, the canonical request's hash.
fn string_to_sign(amz_date: &str, scope: &str, canonical: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    )
}

fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    [date, region, service, "aws4_request"]
        .iter()
        .fold(format!("AWS4{secret}").into_bytes(), |key, part| {
            hmac(&key, part.as_bytes())
        })
}

struct Authorization<'a> {
    credential: &'a str,
    signed_headers: Vec<String>,
    signature: &'a str,
}

fn parse_authorization(auth: &str) -> Result<Authorization<'_>, Denied> {
    let incomplete = || {
        invalid(
            format!(
                "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization={auth}"
            ),
            "IncompleteSignatureException",
        )
    };
    let rest = auth
        .strip_prefix(ALGORITHM)
        .filter(|r| r.starts_with(' '))
        .ok_or_else(incomplete)?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        match part.trim().split_once('=') {
            Some(("Credential", v)) => credential = Some(v),
            Some(("SignedHeaders", v)) => signed = Some(v),
            Some(("Signature", v)) => signature = Some(v),
            _ => {}
        }
    }
    let (Some(credential), Some(signed), Some(signature)) = (credential, signed, signature) else {
        return Err(incomplete());
    };
    Ok(Authorization {
        credential,
        signed_headers: signed.split(';').map(str::to_ascii_lowercase).collect(),
        signature,
    })
}

/// The canonical request: method, URI (normalised, each segment encoded a second time, as
/// every service but S3 signs it), query (decoded, re-encoded, sorted), the signed headers
/// (values trimmed, inner spaces collapsed, repeats joined by commas), their names, and the
/// payload's SHA-256 (or `X-Amz-Content-Sha256`).
fn canonical_request(req: &Signed<'_>, signed_headers: &[String]) -> String {
    let mut out = String::with_capacity(256);
    out.push_str(req.method);
    out.push('\n');
    out.push_str(&canonical_uri(req.raw_path));
    out.push('\n');
    out.push_str(&canonical_query(req.raw_query));
    out.push('\n');
    for name in signed_headers {
        let values: Vec<String> = req
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&signed_headers.join(";"));
    out.push('\n');
    match header(req.headers, "x-amz-content-sha256") {
        Some(h) => out.push_str(h),
        None => out.push_str(&hex::encode(Sha256::digest(req.body))),
    }
    out
}

fn canonical_uri(raw_path: &str) -> String {
    // Dot segments removed (RFC 3986 §5.2.4), as the SDKs' signers normalise the path.
    let mut segments: Vec<&str> = Vec::new();
    for seg in raw_path.split('/').skip(1) {
        match seg {
            "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let path = format!("/{}", segments.join("/"));
    uri_encode(&path, false)
}

fn canonical_query(raw_query: &str) -> String {
    let mut pairs: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (
                uri_encode(&percent_decode(k), true),
                uri_encode(&percent_decode(v), true),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn percent_decode(s: &str) -> Cow<'_, str> {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy()
}

/// SigV4's URI encoding: every byte but `A-Z a-z 0-9 - _ . ~` as `%XX`, and `/` too when
/// `slash` (query components) but not in paths.
fn uri_encode(s: &str, slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b'/' if !slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length: new_from_slice cannot fail for it.
    let Ok(mut mac) = hmac::Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms_follow_sigv4() {
        assert_eq!(canonical_uri("/prod/a%20b/./c/../d"), "/prod/a%2520b/d");
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_query("b=2&a=1&a=0&c"), "a=0&a=1&b=2&c=");
        assert_eq!(canonical_query("k=a%2Fb+c"), "k=a%2Fb%2Bc");
    }

    #[test]
    fn what_sign_signs_verify_accepts() {
        let cred = IamCredential::parse("AKID:secret").unwrap();
        let at = crate::dates::parse_amz("20261202T151500Z").unwrap();
        let mut req = crate::Request::new("PUT", "/prod/a%20b?x=1&a=2").body("{}");
        sign(&mut req, &cred, "localhost", "us-east-1", at);
        let verify_at = |req: &crate::Request, creds: &[IamCredential]| {
            verify(&Signed::of(req, &req.method), creds, "123456789012", at)
        };
        let caller = verify_at(&req, std::slice::from_ref(&cred)).unwrap();
        assert_eq!(caller.access_key, "AKID");
        assert_eq!(caller.user_arn, "arn:aws:iam::123456789012:user/local");
        let other = IamCredential::parse("AKID:other").unwrap();
        assert!(matches!(
            verify_at(&req, &[other]),
            Err(Denied::Invalid {
                error_type: "InvalidSignatureException",
                ..
            })
        ));
    }

    #[test]
    fn credentials_parse() {
        let c = IamCredential::parse("AKID:secret:arn:aws:iam::111122223333:user/alice").unwrap();
        assert_eq!(c.access_key_id, "AKID");
        assert_eq!(
            c.user_arn.as_deref(),
            Some("arn:aws:iam::111122223333:user/alice")
        );
        assert!(IamCredential::parse("AKID").is_err());
        assert!(IamCredential::parse(":x").is_err());
    }
}
