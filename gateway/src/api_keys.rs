//! Step 3 (after routing, before validation): API keys and usage plans, for a method with
//! `apiKeyRequired` (DG "Usage plans and API keys for REST APIs").
//!
//! - The key comes from the `x-api-key` header (`x-amazon-apigateway-api-key-source: HEADER`, the
//!   default). A missing or unknown key is INVALID_API_KEY: 403 `{"message":"Forbidden"}`.
//! - A known key is metered by its usage plan (`x-usage-plans`): first the quota (QUOTA_EXCEEDED,
//!   429 `Limit Exceeded`), then the throttle, a token bucket of `burstLimit` tokens refilled at
//!   `rateLimit` per second (THROTTLED, 429 `Too Many Requests`). A refused request uses up
//!   neither. A key given without a plan is not metered.
//! - `$context.identity.apiKey` and `apiKeyId` are set.
//!
//! Time is the request's receipt time (`Gateway` builder's clock), so a test can move it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use apidef::{QuotaPeriod, QuotaSettings, ThrottleSettings, UsagePlan};

use crate::gateway_responses::ResponseType;

/// One API key the gateway accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// The value clients send in `x-api-key`.
    pub value: String,
    /// The usage plan (a name in `x-usage-plans`) that meters it, if any.
    pub plan: Option<String>,
}

impl ApiKey {
    /// `VALUE` or `VALUE:PLAN`, as `gateway serve --api-key` takes it.
    pub fn parse(spec: &str) -> Result<ApiKey, String> {
        let (value, plan) = match spec.rsplit_once(':') {
            Some((v, p)) if !p.is_empty() => (v, Some(p.to_string())),
            _ => (spec, None),
        };
        // AWS: an API key value is 20 to 128 characters (CreateApiKey); shorter ones are
        // accepted locally, but an empty one would match a missing header.
        if value.is_empty() {
            return Err(format!("API key {spec:?}: the value is empty"));
        }
        Ok(ApiKey {
            value: value.to_string(),
            plan,
        })
    }
}

/// The keys and their meters, shared by every request of a stage.
pub(crate) struct Keys {
    by_value: HashMap<String, Entry>,
}

struct Entry {
    /// `$context.identity.apiKeyId`: AWS's ids are 10 lower-case letters and digits; this one is
    /// derived from the value, so it is stable across restarts.
    id: String,
    meter: Option<Mutex<Meter>>,
}

impl Keys {
    /// Every key must name a plan of the document, when it names one.
    pub fn new(
        keys: &[ApiKey],
        plans: &indexmap::IndexMap<String, UsagePlan>,
    ) -> Result<Keys, String> {
        let mut by_value = HashMap::new();
        for k in keys {
            let meter = match &k.plan {
                None => None,
                Some(name) => {
                    let plan = plans.get(name).ok_or_else(|| {
                        let known: Vec<&str> = plans.keys().map(String::as_str).collect();
                        format!(
                            "API key {:?}: no usage plan {name:?} in x-usage-plans (plans: {})",
                            k.value,
                            if known.is_empty() {
                                "none".to_string()
                            } else {
                                known.join(", ")
                            }
                        )
                    })?;
                    Some(Mutex::new(Meter::new(plan)))
                }
            };
            by_value.insert(
                k.value.clone(),
                Entry {
                    id: key_id(&k.value),
                    meter,
                },
            );
        }
        Ok(Keys { by_value })
    }

    /// Admit a request presenting `key` at `now`: the key id, or why not.
    pub fn admit(&self, key: Option<&str>, now: SystemTime) -> Result<&str, ResponseType> {
        let entry = key
            .and_then(|k| self.by_value.get(k))
            .ok_or(ResponseType::InvalidApiKey)?;
        if let Some(m) = &entry.meter {
            m.lock()
                .unwrap_or_else(|p| p.into_inner())
                .take(seconds(now))?;
        }
        Ok(&entry.id)
    }
}

fn seconds(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// A stable 10-character id for a key value (FNV-1a, base 36).
fn key_id(value: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in value.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    (0..10)
        .map(|_| {
            let c = DIGITS[(h % 36) as usize] as char;
            h /= 36;
            c
        })
        .collect()
}

/// One key's use of its plan.
struct Meter {
    throttle: Option<ThrottleSettings>,
    quota: Option<QuotaSettings>,
    /// Tokens in the bucket at `at`.
    tokens: f64,
    at: f64,
    /// Start (seconds) of the quota period `used` counts.
    period_start: i64,
    used: u64,
}

impl Meter {
    fn new(plan: &UsagePlan) -> Meter {
        Meter {
            throttle: plan.throttle,
            quota: plan.quota,
            tokens: plan.throttle.map_or(0.0, |t| t.burst_limit as f64),
            at: f64::NEG_INFINITY,
            period_start: i64::MIN,
            used: 0,
        }
    }

    fn take(&mut self, now: f64) -> Result<(), ResponseType> {
        if let Some(q) = self.quota {
            let start = period_start(now as i64, q.period, q.offset);
            if start != self.period_start {
                self.period_start = start;
                self.used = 0;
            }
            if self.used >= q.limit {
                return Err(ResponseType::QuotaExceeded);
            }
        }
        if let Some(t) = self.throttle {
            let burst = t.burst_limit as f64;
            // A clock that steps back refills nothing.
            if self.at.is_finite() && now > self.at {
                self.tokens = (self.tokens + (now - self.at) * t.rate_limit).min(burst);
            }
            if !self.at.is_finite() || now > self.at {
                self.at = now;
            }
            if self.tokens < 1.0 {
                return Err(ResponseType::Throttled);
            }
            self.tokens -= 1.0;
        }
        self.used += 1;
        Ok(())
    }
}

/// The start (seconds since the epoch, UTC) of the quota period holding `now`.
fn period_start(now: i64, period: QuotaPeriod, offset: u32) -> i64 {
    const DAY: i64 = 86_400;
    let today = now.div_euclid(DAY);
    let offset = i64::from(offset);
    let start_day = match period {
        QuotaPeriod::Day => today,
        QuotaPeriod::Week => {
            // 1970-01-01 was a Thursday: weekday 4 with Sunday = 0.
            let weekday = (today + 4).rem_euclid(7);
            today - (weekday - offset).rem_euclid(7)
        }
        QuotaPeriod::Month => {
            let (_, _, d) = crate::dates::civil_from_days(today);
            let first = offset + 1;
            if d >= first {
                today - (d - first)
            } else {
                // Back to the last day of the previous month, then to its `first`.
                let last_of_previous = today - d;
                let (_, _, pd) = crate::dates::civil_from_days(last_of_previous);
                last_of_previous - (pd - first)
            }
        }
    };
    start_day * DAY
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(throttle: Option<(f64, u64)>, quota: Option<(u64, QuotaPeriod, u32)>) -> UsagePlan {
        UsagePlan {
            description: None,
            throttle: throttle.map(|(rate_limit, burst_limit)| ThrottleSettings {
                rate_limit,
                burst_limit,
            }),
            quota: quota.map(|(limit, period, offset)| QuotaSettings {
                limit,
                period,
                offset,
            }),
        }
    }

    #[test]
    fn the_bucket_gives_the_burst_then_the_rate() {
        let mut m = Meter::new(&plan(Some((5.0, 5)), None));
        for _ in 0..5 {
            assert_eq!(m.take(1000.0), Ok(()));
        }
        assert_eq!(m.take(1000.0), Err(ResponseType::Throttled));
        // 0.2 s later one token is back, and only one.
        assert_eq!(m.take(1000.2), Ok(()));
        assert_eq!(m.take(1000.2), Err(ResponseType::Throttled));
        // Never more than the burst, however long the pause.
        let mut n = 0;
        while m.take(5000.0).is_ok() {
            n += 1;
        }
        assert_eq!(n, 5);
    }

    #[test]
    fn the_quota_counts_admitted_requests_and_resets_with_its_period() {
        let mut m = Meter::new(&plan(Some((1.0, 1)), Some((3, QuotaPeriod::Day, 0))));
        let day = 86_400.0 * 20_000.0;
        assert_eq!(m.take(day), Ok(()));
        // Throttled requests do not use the quota.
        assert_eq!(m.take(day), Err(ResponseType::Throttled));
        assert_eq!(m.take(day + 1.0), Ok(()));
        assert_eq!(m.take(day + 2.0), Ok(()));
        assert_eq!(m.take(day + 3.0), Err(ResponseType::QuotaExceeded));
        assert_eq!(m.take(day + 86_399.0), Err(ResponseType::QuotaExceeded));
        assert_eq!(m.take(day + 86_400.0), Ok(()));
    }

    #[test]
    fn periods_start_where_aws_says() {
        // 2026-12-02 (a Wednesday) 15:00 UTC.
        let now = 1_796_223_600;
        let day = |y, m, d| {
            // Days from the civil date, by search (test only).
            let mut z = now / 86_400 - 400;
            while crate::dates::civil_from_days(z) != (y, m, d) {
                z += 1;
            }
            z * 86_400
        };
        assert_eq!(period_start(now, QuotaPeriod::Day, 0), day(2026, 12, 2));
        // Weeks start on Sunday (offset 0) or Monday (offset 1).
        assert_eq!(period_start(now, QuotaPeriod::Week, 0), day(2026, 11, 29));
        assert_eq!(period_start(now, QuotaPeriod::Week, 1), day(2026, 11, 30));
        assert_eq!(period_start(now, QuotaPeriod::Week, 3), day(2026, 12, 2));
        assert_eq!(period_start(now, QuotaPeriod::Week, 4), day(2026, 11, 26));
        // Months on the 1st (offset 0), or on the 5th of the previous month before the 5th.
        assert_eq!(period_start(now, QuotaPeriod::Month, 0), day(2026, 12, 1));
        assert_eq!(period_start(now, QuotaPeriod::Month, 1), day(2026, 12, 2));
        assert_eq!(period_start(now, QuotaPeriod::Month, 4), day(2026, 11, 5));
    }

    #[test]
    fn keys_parse_and_name_known_plans() {
        assert_eq!(
            ApiKey::parse("abc:basic"),
            Ok(ApiKey {
                value: "abc".into(),
                plan: Some("basic".into())
            })
        );
        assert_eq!(ApiKey::parse("abc").map(|k| k.plan), Ok(None));
        assert!(ApiKey::parse(":basic").is_err());
        let plans = indexmap::IndexMap::from([("basic".to_string(), plan(None, None))]);
        let err = Keys::new(&[ApiKey::parse("k:gold").unwrap()], &plans)
            .err()
            .unwrap();
        assert!(
            err.contains("no usage plan \"gold\"") && err.contains("basic"),
            "{err}"
        );
        let keys = Keys::new(&[ApiKey::parse("k:basic").unwrap()], &plans).unwrap();
        let now = SystemTime::now();
        let id = keys.admit(Some("k"), now).unwrap();
        assert_eq!(id.len(), 10);
        assert_eq!(
            keys.admit(Some("other"), now),
            Err(ResponseType::InvalidApiKey)
        );
        assert_eq!(keys.admit(None, now), Err(ResponseType::InvalidApiKey));
    }
}
