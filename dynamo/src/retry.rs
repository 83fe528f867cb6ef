//! Which failed DynamoDB calls are tried again, and after how long: the AWS SDKs' "standard"
//! retry mode (AWS SDKs and Tools Reference Guide, "Retry behavior"), which [`crate::Remote`]
//! follows when its [`RetryPolicy`] allows more than one attempt.
//!
//! - Retried: transient failures (no reply: connection refused or reset, a reply cut short, a
//!   timeout) and the statuses 500, 502, 503, 504; throttling errors, by the error name in
//!   `__type` (`ProvisionedThroughputExceededException`, `ThrottlingException`,
//!   `RequestLimitExceeded`, ... the list below). Nothing else: a `ValidationException` or a
//!   `ConditionalCheckFailedException` is final.
//! - Back-off before attempt `n + 1` (n >= 1): `min(random(0..1) * initial_backoff * 2^(n-1),
//!   max_backoff)`, full jitter, with the SDKs' 1 s and 20 s.
//! - A retry quota shared by every call of one client: 500 tokens; a retry takes 5 (10 after a
//!   timeout) and is not made when the bucket cannot pay; a success gives back what its retries
//!   took, or 1 token when it needed none. So a DynamoDB that is down is not hammered.

use std::sync::Mutex;
use std::time::Duration;

use crate::DynamoResponse;
use crate::remote::{TransportError, TransportErrorKind};

/// How many attempts a call gets and how long to wait between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = no retry).
    pub max_attempts: u32,
    /// The back-off scale: the first retry waits up to this long.
    pub initial_backoff: Duration,
    /// No wait is longer than this.
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// One attempt, no retry.
    pub const NONE: RetryPolicy = RetryPolicy {
        max_attempts: 1,
        initial_backoff: Duration::from_secs(1),
        max_backoff: Duration::from_secs(20),
    };

    /// The SDKs' standard mode: 3 attempts, back-off scale 1 s, at most 20 s.
    pub const STANDARD: RetryPolicy = RetryPolicy {
        max_attempts: 3,
        ..RetryPolicy::NONE
    };

    /// The wait before attempt `attempt + 1`, after `attempt` (>= 1) failed ones, for a
    /// uniform `jitter` in `[0, 1)`.
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let scale = 2f64.powi(attempt.saturating_sub(1).min(62) as i32);
        let wait = self.initial_backoff.as_secs_f64() * scale * jitter.clamp(0.0, 1.0);
        Duration::from_secs_f64(wait.min(self.max_backoff.as_secs_f64()))
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::STANDARD
    }
}

/// The error names the SDKs treat as throttling (standard mode's list).
pub const THROTTLING_ERRORS: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// The statuses the SDKs treat as transient.
pub const TRANSIENT_STATUSES: &[u16] = &[500, 502, 503, 504];

/// Why an attempt may be retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retryable {
    /// A reply the SDKs retry (throttling or a transient status).
    Reply,
    /// No reply: the connection failed or was cut.
    Transport,
    /// No reply within the timeout (costs more of the quota).
    Timeout,
}

/// Whether the SDKs would try this outcome again.
pub fn classify(outcome: &Result<DynamoResponse, TransportError>) -> Option<Retryable> {
    match outcome {
        Ok(r) if TRANSIENT_STATUSES.contains(&r.status) => Some(Retryable::Reply),
        Ok(r) if r.status == 400 => {
            error_name(&r.body).filter(|n| THROTTLING_ERRORS.contains(&n.as_str()))?;
            Some(Retryable::Reply)
        }
        Ok(_) => None,
        Err(e) => match e.kind {
            TransportErrorKind::Setup => None,
            TransportErrorKind::Timeout => Some(Retryable::Timeout),
            TransportErrorKind::Connect | TransportErrorKind::Reply => Some(Retryable::Transport),
        },
    }
}

/// The error name of a DynamoDB error body: `__type` after its last `#`.
fn error_name(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let kind = v.get("__type")?.as_str()?;
    Some(kind.rsplit('#').next().unwrap_or(kind).to_string())
}

/// The SDKs' retry quota (token bucket), shared by the calls of one client.
#[derive(Debug)]
pub struct RetryQuota {
    tokens: Mutex<u32>,
}

impl RetryQuota {
    pub const CAPACITY: u32 = 500;
    pub const RETRY_COST: u32 = 5;
    pub const TIMEOUT_COST: u32 = 10;

    pub fn new() -> RetryQuota {
        RetryQuota {
            tokens: Mutex::new(Self::CAPACITY),
        }
    }

    /// Take the cost of one retry; `None` when the bucket cannot pay it (no retry then).
    pub fn acquire(&self, why: Retryable) -> Option<u32> {
        let cost = match why {
            Retryable::Timeout => Self::TIMEOUT_COST,
            Retryable::Reply | Retryable::Transport => Self::RETRY_COST,
        };
        let mut t = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        (*t >= cost).then(|| {
            *t -= cost;
            cost
        })
    }

    /// A call succeeded after its retries took `spent` tokens (1 comes back when none were).
    pub fn release(&self, spent: u32) {
        let mut t = self.tokens.lock().unwrap_or_else(|p| p.into_inner());
        *t = (*t + spent.max(1)).min(Self::CAPACITY);
    }

    /// Tokens left (the tests read it).
    #[cfg(test)]
    fn available(&self) -> u32 {
        *self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Default for RetryQuota {
    fn default() -> Self {
        RetryQuota::new()
    }
}

/// A uniform number in `[0, 1)` for the back-off's jitter (not for anything secret).
pub fn jitter() -> f64 {
    (crate::util::random_u64() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> Result<DynamoResponse, TransportError> {
        Ok(DynamoResponse::new(status, body.as_bytes().to_vec()))
    }

    #[test]
    fn throttling_and_transient_replies_are_retried_and_nothing_else() {
        let throttled = r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"x"}"#;
        assert_eq!(classify(&reply(400, throttled)), Some(Retryable::Reply));
        let limit = r#"{"__type":"com.amazon.coral.availability#ThrottlingException"}"#;
        assert_eq!(classify(&reply(400, limit)), Some(Retryable::Reply));
        for status in [500, 502, 503, 504] {
            assert_eq!(classify(&reply(status, "{}")), Some(Retryable::Reply));
        }
        let validation =
            r#"{"__type":"com.amazon.coral.validate#ValidationException","message":"x"}"#;
        assert_eq!(classify(&reply(400, validation)), None);
        let condition =
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"}"#;
        assert_eq!(classify(&reply(400, condition)), None);
        assert_eq!(classify(&reply(400, "not json")), None);
        assert_eq!(classify(&reply(200, "{}")), None);
        assert_eq!(classify(&reply(501, "{}")), None);
        let failed = |kind| Err(TransportError::new(kind, "x", "http://h"));
        assert_eq!(
            classify(&failed(TransportErrorKind::Connect)),
            Some(Retryable::Transport)
        );
        assert_eq!(
            classify(&failed(TransportErrorKind::Reply)),
            Some(Retryable::Transport)
        );
        assert_eq!(
            classify(&failed(TransportErrorKind::Timeout)),
            Some(Retryable::Timeout)
        );
        assert_eq!(classify(&failed(TransportErrorKind::Setup)), None);
    }

    #[test]
    fn backoff_is_full_jitter_exponential_capped() {
        let p = RetryPolicy::STANDARD;
        assert_eq!(p.backoff(1, 0.0), Duration::ZERO);
        assert_eq!(p.backoff(1, 0.5), Duration::from_millis(500));
        assert_eq!(p.backoff(2, 0.5), Duration::from_secs(1));
        assert_eq!(p.backoff(3, 0.75), Duration::from_secs(3));
        assert_eq!(p.backoff(10, 0.99), Duration::from_secs(20));
        assert_eq!(p.backoff(200, 1.0), Duration::from_secs(20));
        for _ in 0..1000 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j), "{j}");
        }
    }

    #[test]
    fn the_quota_runs_dry_and_refills_on_success() {
        let q = RetryQuota::new();
        let mut spent = 0;
        while let Some(c) = q.acquire(Retryable::Transport) {
            spent += c;
        }
        assert_eq!(spent, RetryQuota::CAPACITY);
        assert_eq!(q.acquire(Retryable::Timeout), None);
        q.release(10);
        assert_eq!(q.acquire(Retryable::Timeout), Some(10));
        q.release(0);
        assert_eq!(q.available(), 1);
        for _ in 0..1000 {
            q.release(0);
        }
        assert_eq!(q.available(), RetryQuota::CAPACITY);
    }
}
