//! Step 3 (after routing, before API keys): Cognito user-pool authorizers
//! (`x-amazon-apigateway-authorizer` of type `cognito_user_pools`), a JWT check as API Gateway
//! makes it (DG "Control access to REST APIs using Amazon Cognito user pools as an authorizer"):
//!
//! - the token is the value of the authorizer's header (a `Bearer ` prefix is taken off);
//! - its signature must verify with a trusted key: the local issuer's (`gateway token` mints
//!   tokens with it) or one of a JWKS file (what a user pool publishes at
//!   `/.well-known/jwks.json`), by `kid`;
//! - `exp` must be in the future (by the gateway's clock); a JWKS-verified token's `iss` must be
//!   the user pool of one of the authorizer's `providerARNs` when those are real ARNs;
//! - without `authorizationScopes` the token must be an ID token (`token_use: id`); with them an
//!   access token whose `scope` holds one of them.
//!
//! Missing token: UNAUTHORIZED 401 `{"message":"Unauthorized"}`; expired: 401 `The incoming token
//! has expired`; anything else: 401 `Unauthorized`. The claims fill
//! `$context.authorizer.claims`, every value as text, `exp` and `iat` as Java's `Date.toString()`
//! (as API Gateway hands them on).

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use ring::signature::KeyPair;
use serde_json::{Map, Value, json};

/// Why a token is refused, with AWS's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    Missing,
    Expired,
    Invalid(String),
}

/// The local issuer: an ES256 key kept in a file, so `gateway token` and `gateway serve` agree.
pub struct LocalIssuer {
    pkcs8: Vec<u8>,
    /// The public key, uncompressed SEC1 (0x04 || x || y).
    public: Vec<u8>,
    pub kid: String,
}

/// The `iss` of the local issuer's tokens.
pub const LOCAL_ISSUER: &str = "https://cognito-idp.local.gateway/local";

impl LocalIssuer {
    /// The key of `path`, made (and written, owner-readable only) when the file does not exist.
    pub fn load_or_create(path: &std::path::Path) -> Result<LocalIssuer, String> {
        let pkcs8 = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let rng = ring::rand::SystemRandom::new();
                let doc = ring::signature::EcdsaKeyPair::generate_pkcs8(
                    &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    &rng,
                )
                .map_err(|_| "cannot generate an ES256 key".to_string())?;
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| format!("issuer key {}: {e}", dir.display()))?;
                }
                write_private(path, doc.as_ref())
                    .map_err(|e| format!("issuer key {}: {e}", path.display()))?;
                doc.as_ref().to_vec()
            }
            Err(e) => return Err(format!("issuer key {}: {e}", path.display())),
        };
        let rng = ring::rand::SystemRandom::new();
        let pair = ring::signature::EcdsaKeyPair::from_pkcs8(
            &ring::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &pkcs8,
            &rng,
        )
        .map_err(|_| format!("issuer key {}: not an ES256 PKCS#8 key", path.display()))?;
        let public = pair.public_key().as_ref().to_vec();
        let kid = hex::encode(&<sha2::Sha256 as sha2::Digest>::digest(&public)[..8]);
        Ok(LocalIssuer { pkcs8, public, kid })
    }

    /// A token with these claims (plus `iss`, `kid`, and `iat`/`exp` when not given).
    pub fn token(&self, mut claims: Map<String, Value>, now: SystemTime, ttl_secs: u64) -> String {
        let iat = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        claims.entry("iss").or_insert_with(|| json!(LOCAL_ISSUER));
        claims.entry("iat").or_insert_with(|| json!(iat));
        claims.entry("exp").or_insert_with(|| json!(iat + ttl_secs));
        claims.entry("token_use").or_insert_with(|| json!("id"));
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ec_der(&self.pkcs8))
            .unwrap_or_default()
    }

    /// The public key as a JWKS document, as a user pool publishes its keys.
    pub fn jwks(&self) -> Value {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let (x, y) = self.public[1..].split_at(32);
        json!({"keys": [{
            "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig",
            "kid": self.kid, "x": b64.encode(x), "y": b64.encode(y)
        }]})
    }

    fn decoding_key(&self) -> DecodingKey {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let (x, y) = self.public[1..].split_at(32);
        DecodingKey::from_ec_components(&b64.encode(x), &b64.encode(y)).unwrap_or_else(|_| {
            // Components from ring's own public key always decode.
            DecodingKey::from_secret(&[])
        })
    }
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?
        .write_all(bytes)
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

/// The keys a stage trusts.
#[derive(Default)]
pub struct TrustedKeys {
    local: Option<(String, DecodingKey)>,
    jwks: Vec<(Option<String>, DecodingKey, Algorithm)>,
}

impl TrustedKeys {
    pub fn with_local(mut self, issuer: &LocalIssuer) -> Self {
        self.local = Some((issuer.kid.clone(), issuer.decoding_key()));
        self
    }

    /// The keys of a JWKS document (`{"keys": [...]}`), RS256 and ES256.
    pub fn with_jwks(mut self, text: &str) -> Result<Self, String> {
        let set: jsonwebtoken::jwk::JwkSet =
            serde_json::from_str(text).map_err(|e| format!("JWKS: {e}"))?;
        for jwk in &set.keys {
            let key = DecodingKey::from_jwk(jwk).map_err(|e| format!("JWKS key: {e}"))?;
            let alg = match &jwk.algorithm {
                jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(_) => Algorithm::ES256,
                _ => Algorithm::RS256,
            };
            self.jwks.push((jwk.common.key_id.clone(), key, alg));
        }
        Ok(self)
    }
}

/// Check `header_value` for an authorizer with these provider ARNs and scopes.
pub(crate) fn verify(
    header_value: Option<&str>,
    keys: &TrustedKeys,
    provider_arns: &[String],
    scopes: &[String],
    now: SystemTime,
) -> Result<Value, Refused> {
    let raw = header_value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or(Refused::Missing)?;
    let token = raw.strip_prefix("Bearer ").unwrap_or(raw).trim();
    let invalid = |why: &str| Refused::Invalid(why.to_string());
    let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("not a JWT"))?;
    // Time, audience and issuer are checked below, by the gateway's clock and rules.
    let validation = |alg| {
        let mut v = Validation::new(alg);
        v.validate_exp = false;
        v.validate_aud = false;
        v.required_spec_claims.clear();
        v
    };
    let local = keys
        .local
        .as_ref()
        .filter(|(kid, _)| header.kid.as_deref() == Some(kid.as_str()));
    let (claims, from_local) = if let Some((_, key)) = local {
        let d =
            jsonwebtoken::decode::<Map<String, Value>>(token, key, &validation(Algorithm::ES256))
                .map_err(|_| invalid("signature"))?;
        (d.claims, true)
    } else {
        let (_, key, alg) = keys
            .jwks
            .iter()
            .find(|(kid, _, _)| kid.is_some() && *kid == header.kid)
            .ok_or_else(|| invalid("no trusted key with this kid"))?;
        let d = jsonwebtoken::decode::<Map<String, Value>>(token, key, &validation(*alg))
            .map_err(|_| invalid("signature"))?;
        (d.claims, false)
    };
    let now_secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    match claims.get("exp").and_then(Value::as_u64) {
        Some(exp) if exp > now_secs => {}
        Some(_) => return Err(Refused::Expired),
        None => return Err(invalid("no exp")),
    }
    if !from_local {
        let pools: Vec<String> = provider_arns
            .iter()
            .filter_map(|a| pool_issuer(a))
            .collect();
        let iss = claims
            .get("iss")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !pools.is_empty() && !pools.iter().any(|p| p == iss) {
            return Err(invalid("issuer"));
        }
    }
    let token_use = claims.get("token_use").and_then(Value::as_str);
    if scopes.is_empty() {
        if token_use != Some("id") {
            return Err(invalid("an ID token is required"));
        }
    } else {
        let granted = claims
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if token_use != Some("access") || !granted.split(' ').any(|g| scopes.iter().any(|s| s == g))
        {
            return Err(invalid("scope"));
        }
    }
    Ok(json!({"claims": claims_as_text(&claims)}))
}

/// `https://cognito-idp.REGION.amazonaws.com/POOL` for
/// `arn:aws:cognito-idp:REGION:ACCOUNT:userpool/POOL`.
fn pool_issuer(arn: &str) -> Option<String> {
    let mut parts = arn.splitn(6, ':');
    let (_, _, service, region, _, resource) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    let pool = resource.strip_prefix("userpool/")?;
    (service == "cognito-idp").then(|| format!("https://cognito-idp.{region}.amazonaws.com/{pool}"))
}

/// Claims as API Gateway passes them to templates: text, `exp`/`iat` as Java dates.
fn claims_as_text(claims: &Map<String, Value>) -> Map<String, Value> {
    claims
        .iter()
        .map(|(k, v)| {
            let text = match (k.as_str(), v) {
                ("exp" | "iat", Value::Number(n)) => {
                    n.as_i64().map_or_else(|| n.to_string(), crate::dates::java)
                }
                (_, Value::String(s)) => s.clone(),
                (_, other) => other.to_string(),
            };
            (k.clone(), Value::String(text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_dates_and_pool_issuers() {
        assert_eq!(
            pool_issuer("arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbC"),
            Some("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC".into())
        );
        assert_eq!(
            pool_issuer("arn:aws:cloudformation:us-east-1:1:local/UserPool"),
            None
        );
    }
}
