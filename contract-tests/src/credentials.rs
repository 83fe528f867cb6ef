//! The credentials a case sends to a secured method, as a client of the stage must: the API key
//! (`x-api-key`) of a method with `apiKeyRequired`, a SigV4 signature for `AWS_IAM`, a Cognito
//! token in the authorizer's header. For the embedded gateway they are made here and the
//! gateway is given them; for a base URL they come from the environment: `CONTRACT_API_KEY`,
//! `CONTRACT_TOKEN`, `CONTRACT_IAM_CREDENTIAL` (`ACCESS_KEY_ID:SECRET`, else the `AWS_*`
//! variables). Lambda authorizers take `CONTRACT_TOKEN` in their first header.

use apidef::{Authorization, Operation};

use crate::http::{HttpRequest, Target};

pub(crate) struct Credentials {
    pub api_key: Option<String>,
    pub token: Option<String>,
    pub iam: Option<gateway::iam::IamCredential>,
    /// The embedded target's issuer (its key file is removed on drop).
    pub issuer: Option<(gateway::cognito::LocalIssuer, std::path::PathBuf)>,
}

impl Drop for Credentials {
    fn drop(&mut self) {
        if let Some((_, path)) = &self.issuer {
            let _ = std::fs::remove_file(path);
        }
    }
}

const LOCAL_API_KEY: &str = "contract-tests-local-api-key";
const LOCAL_IAM: &str = "AKIDCONTRACTTESTS:contract-tests-local-secret";

impl Credentials {
    pub fn for_target(target: &Target) -> Credentials {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        match target {
            Target::Embedded => {
                let path = std::env::temp_dir().join(format!(
                    "contract-tests-issuer-{}-{}.p8",
                    std::process::id(),
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_nanos())
                ));
                let issuer = gateway::cognito::LocalIssuer::load_or_create(&path).ok();
                let token = issuer.as_ref().map(|i| {
                    let claims = serde_json::json!({"sub": "contract-tests", "email": "contract-tests@example.com"});
                    i.token(
                        claims.as_object().cloned().unwrap_or_default(),
                        std::time::SystemTime::now(),
                        24 * 3600,
                    )
                });
                Credentials {
                    api_key: Some(LOCAL_API_KEY.into()),
                    token,
                    iam: gateway::iam::IamCredential::parse(LOCAL_IAM).ok(),
                    issuer: issuer.map(|i| (i, path)),
                }
            }
            Target::BaseUrl(_) => Credentials {
                api_key: var("CONTRACT_API_KEY"),
                token: var("CONTRACT_TOKEN"),
                iam: var("CONTRACT_IAM_CREDENTIAL")
                    .and_then(|c| gateway::iam::IamCredential::parse(&c).ok())
                    .or_else(|| {
                        Some(gateway::iam::IamCredential {
                            access_key_id: var("AWS_ACCESS_KEY_ID")?,
                            secret_access_key: var("AWS_SECRET_ACCESS_KEY")?,
                            user_arn: None,
                        })
                    }),
                issuer: None,
            },
        }
    }

    /// The embedded gateway, told the credentials.
    pub fn embedded_builder(&self, b: gateway::GatewayBuilder) -> gateway::GatewayBuilder {
        let mut b = b.api_key(gateway::api_keys::ApiKey {
            value: LOCAL_API_KEY.into(),
            plan: None,
        });
        if let Some(c) = &self.iam {
            b = b.iam_credential(c.clone());
        }
        if let Some((issuer, _)) = &self.issuer {
            b = b.cognito_keys(gateway::cognito::TrustedKeys::default().with_local(issuer));
        }
        b
    }

    /// `req` with what `op` asks of its caller; `host` is the `Host` it is sent with.
    pub fn apply(&self, op: &Operation, mut req: HttpRequest, host: &str) -> HttpRequest {
        if op.api_key_required
            && let Some(k) = &self.api_key
        {
            req.headers.push(("x-api-key".into(), k.clone()));
        }
        match &op.authorization {
            Authorization::None => {}
            Authorization::Authorizer { header, .. } => {
                if let Some(t) = &self.token {
                    req.headers.push((header.clone(), t.clone()));
                }
            }
            Authorization::AwsIam => {
                if let Some(c) = &self.iam {
                    let mut signed = gateway::Request::new(req.method.clone(), req.target());
                    signed.headers = req.headers.clone();
                    signed.body = bytes::Bytes::from(req.body.clone());
                    let region = std::env::var("AWS_REGION")
                        .ok()
                        .filter(|r| !r.is_empty())
                        .unwrap_or_else(|| "us-east-1".into());
                    gateway::iam::sign(&mut signed, c, host, &region, std::time::SystemTime::now());
                    req.headers = signed.headers;
                }
            }
        }
        req
    }
}

/// What API Gateway answers a request without credentials: 403 for an API key and `AWS_IAM`,
/// 401 for an authorizer; `None` for an open method.
pub(crate) fn unauthenticated_status(op: &Operation) -> Option<u16> {
    match &op.authorization {
        Authorization::Authorizer { .. } => Some(401),
        Authorization::AwsIam => Some(403),
        Authorization::None if op.api_key_required => Some(403),
        Authorization::None => None,
    }
}
