//! Step 3, last (after the API key): the stage's and the account's throttles (DG "Throttle
//! requests to your REST APIs").
//!
//! - Each method of the stage has a token bucket: its `x-deploy-stage.methodSettings` throttle
//!   when it has one, else the stage's `throttling` (AWS applies the stage's limits "at the API
//!   method level": every method gets the `*/*` settings, and an override replaces them).
//!   Without either, the method has no stage throttle.
//! - Every request of the gateway then draws on the account's bucket (AWS's default 10,000
//!   requests per second, burst 5,000, per Region; `Builder::account_throttle` changes it).
//! - A bucket holds `burstLimit` tokens and refills at `rateLimit` per second, continuously; a
//!   request takes one token, and is THROTTLED (429 `Too Many Requests`,
//!   `TooManyRequestsException`, the same gateway response as a usage plan's throttle) when a
//!   bucket it needs has less than one.
//! - A refused request takes no token from any bucket (nor from its usage plan: `api_keys`
//!   checks its plan, then calls this, then takes the plan's token).
//!
//! Time is the request's receipt time (the builder's clock), as for `api_keys`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use apidef::{Api, ThrottleSettings};

use crate::gateway_responses::ResponseType;

/// AWS's account-level throttle per Region (DG "Amazon API Gateway quotas": 10,000 requests per
/// second with a burst of 5,000).
pub const ACCOUNT_DEFAULT: ThrottleSettings = ThrottleSettings {
    rate_limit: 10_000.0,
    burst_limit: 5_000,
};

/// A token bucket.
#[derive(Debug, Clone)]
pub(crate) struct Bucket {
    rate: f64,
    burst: f64,
    /// Tokens in the bucket at `at` (seconds since the epoch).
    tokens: f64,
    at: f64,
}

impl Bucket {
    pub fn new(t: &ThrottleSettings) -> Bucket {
        Bucket {
            rate: t.rate_limit,
            burst: t.burst_limit as f64,
            tokens: t.burst_limit as f64,
            at: f64::NEG_INFINITY,
        }
    }

    /// Refill up to `now`; whether a token is there for a request.
    pub fn ready(&mut self, now: f64) -> bool {
        // A clock that steps back refills nothing.
        if self.at.is_finite() && now > self.at {
            self.tokens = (self.tokens + (now - self.at) * self.rate).min(self.burst);
        }
        if !self.at.is_finite() || now > self.at {
            self.at = now;
        }
        self.tokens >= 1.0
    }

    /// Take the token `ready` found.
    pub fn take(&mut self) {
        self.tokens -= 1.0;
    }
}

/// The key of a method in `methodSettings`, a plan's `methodThrottle` and the buckets:
/// `/{resource path}/{METHOD}`.
pub(crate) fn method_key(op: &apidef::Operation) -> String {
    format!("{}/{}", op.path, op.method)
}

/// The stage's buckets (one per throttled method) and the account's.
pub(crate) struct Throttles {
    methods: HashMap<String, Mutex<Bucket>>,
    account: Option<Mutex<Bucket>>,
}

impl Throttles {
    pub fn new(api: &Api, account: Option<ThrottleSettings>) -> Throttles {
        let stage = &api.stage;
        let methods = api
            .operations
            .iter()
            .filter_map(|op| {
                let key = method_key(op);
                let t = stage
                    .method_settings
                    .get(&key)
                    .and_then(|m| m.throttling)
                    .or(stage.throttling)?;
                Some((key, Mutex::new(Bucket::new(&t))))
            })
            .collect();
        Throttles {
            methods,
            account: account.map(|t| Mutex::new(Bucket::new(&t))),
        }
    }

    /// Admit one request of the method `key` at `now`: both buckets have a token, and each
    /// gives one; or THROTTLED and neither does.
    pub fn admit(&self, key: &str, now: SystemTime) -> Result<(), ResponseType> {
        let now = seconds(now);
        // Locks are always taken in the order plan (held by the caller), method, account.
        let mut method = self
            .methods
            .get(key)
            .map(|m| m.lock().unwrap_or_else(|p| p.into_inner()));
        let mut account = self
            .account
            .as_ref()
            .map(|m| m.lock().unwrap_or_else(|p| p.into_inner()));
        let ready = |b: &mut Option<std::sync::MutexGuard<'_, Bucket>>| {
            b.as_deref_mut().is_none_or(|b| b.ready(now))
        };
        // Both refilled first, so a refusal by one leaves the other's count right.
        let (m_ok, a_ok) = (ready(&mut method), ready(&mut account));
        if !(m_ok && a_ok) {
            return Err(ResponseType::Throttled);
        }
        if let Some(b) = method.as_deref_mut() {
            b.take();
        }
        if let Some(b) = account.as_deref_mut() {
            b.take();
        }
        Ok(())
    }
}

pub(crate) fn seconds(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_gives_its_burst_then_its_rate_and_never_more_than_the_burst() {
        let mut b = Bucket::new(&ThrottleSettings {
            rate_limit: 2.0,
            burst_limit: 3,
        });
        for _ in 0..3 {
            assert!(b.ready(100.0));
            b.take();
        }
        assert!(!b.ready(100.0));
        // Half a second at 2 per second: one token.
        assert!(b.ready(100.5));
        b.take();
        assert!(!b.ready(100.5));
        // A clock stepping back refills nothing.
        assert!(!b.ready(90.0));
        let mut n = 0;
        while b.ready(10_000.0) {
            b.take();
            n += 1;
        }
        assert_eq!(n, 3);
    }
}
