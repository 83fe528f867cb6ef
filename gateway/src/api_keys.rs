//! Step 3 (after routing, before validation): API keys and usage plans, for a method with
//! `apiKeyRequired` (DG "Usage plans and API keys for REST APIs").
//!
//! - The key comes from the `x-api-key` header (`x-amazon-apigateway-api-key-source: HEADER`, the
//!   default) or, with the source AUTHORIZER, from the Lambda authorizer's `usageIdentifierKey`
//!   (DG "Choose an API key source"; `authorize` picks it). A missing or unknown key is
//!   INVALID_API_KEY: 403 `{"message":"Forbidden"}`.
//! - A known key is metered by its usage plan (`x-usage-plans`): first the quota (QUOTA_EXCEEDED,
//!   429 `Limit Exceeded`), then the throttle, a token bucket of `burstLimit` tokens refilled at
//!   `rateLimit` per second (THROTTLED, 429 `Too Many Requests`): the plan's `methodThrottle`
//!   bucket for the method when it has one (per key and method), else the plan's `throttle`
//!   (per key). Then the stage's and account's throttles (`throttle`). A request refused at any
//!   of these uses up none of them. A key given without a plan is not metered.
//! - `$context.identity.apiKey` and `apiKeyId` are set.
//!
//! Time is the request's receipt time (`Gateway` builder's clock), so a test can move it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::SystemTime;

use apidef::{QuotaPeriod, QuotaSettings, UsagePlan};

use crate::gateway_responses::ResponseType;
use crate::throttle::{Bucket, seconds};

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

    /// Admit a request of the method `method` (`/{resource path}/{METHOD}`) presenting `key`
    /// at `now`: the key as stored and its id, or why not. The key's plan is checked (quota,
    /// then its throttle), then `then` (the stage's and account's throttles), and only when
    /// both admit the request does the plan count it, so a refused request uses up nothing.
    pub(crate) fn admit(
        &self,
        key: Option<&str>,
        method: &str,
        now: SystemTime,
        then: impl FnOnce() -> Result<(), ResponseType>,
    ) -> Result<(&str, &str), ResponseType> {
        let (value, entry) = key
            .and_then(|k| self.by_value.get_key_value(k))
            .ok_or(ResponseType::InvalidApiKey)?;
        match &entry.meter {
            Some(m) => {
                let mut m = m.lock().unwrap_or_else(|p| p.into_inner());
                m.check(seconds(now), method)?;
                then()?;
                m.commit(method);
            }
            None => then()?,
        }
        Ok((value, &entry.id))
    }
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
    quota: Option<QuotaSettings>,
    /// The plan's throttle, for every method without one of its own.
    throttle: Option<Bucket>,
    /// The plan's `methodThrottle`: `/{resource path}/{METHOD}` -> this key's bucket there.
    methods: HashMap<String, Bucket>,
    /// Start (seconds) of the quota period `used` counts.
    period_start: i64,
    used: u64,
}

impl Meter {
    fn new(plan: &UsagePlan) -> Meter {
        Meter {
            quota: plan.quota,
            throttle: plan.throttle.as_ref().map(Bucket::new),
            methods: plan
                .method_throttle
                .iter()
                .map(|(k, t)| (k.clone(), Bucket::new(t)))
                .collect(),
            period_start: i64::MIN,
            used: 0,
        }
    }

    /// The bucket that meters `method`: its own in the plan, else the plan's.
    fn bucket(&mut self, method: &str) -> Option<&mut Bucket> {
        match self.methods.get_mut(method) {
            Some(b) => Some(b),
            None => self.throttle.as_mut(),
        }
    }

    /// Whether the plan admits a request of `method` at `now`: the quota first, then the
    /// throttle (counting nothing yet).
    fn check(&mut self, now: f64, method: &str) -> Result<(), ResponseType> {
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
        if let Some(b) = self.bucket(method)
            && !b.ready(now)
        {
            return Err(ResponseType::Throttled);
        }
        Ok(())
    }

    /// Count the request `check` admitted.
    fn commit(&mut self, method: &str) {
        if let Some(b) = self.bucket(method) {
            b.take();
        }
        self.used += 1;
    }

    #[cfg(test)]
    fn take(&mut self, now: f64) -> Result<(), ResponseType> {
        self.check(now, "/x/GET")?;
        self.commit("/x/GET");
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
    use apidef::ThrottleSettings;

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
            method_throttle: Default::default(),
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
    fn a_method_throttle_of_the_plan_replaces_the_plans_for_that_method() {
        let mut p = plan(Some((1.0, 1)), None);
        p.method_throttle.insert(
            "/album/GET".into(),
            ThrottleSettings {
                rate_limit: 1.0,
                burst_limit: 3,
            },
        );
        let mut m = Meter::new(&p);
        for _ in 0..3 {
            assert_eq!(m.check(10.0, "/album/GET"), Ok(()));
            m.commit("/album/GET");
        }
        assert_eq!(m.check(10.0, "/album/GET"), Err(ResponseType::Throttled));
        // The plan's own bucket is untouched by that method's requests.
        assert_eq!(m.check(10.0, "/album/POST"), Ok(()));
        m.commit("/album/POST");
        assert_eq!(m.check(10.0, "/album/POST"), Err(ResponseType::Throttled));
    }

    #[test]
    fn a_request_refused_after_the_plan_uses_none_of_it() {
        let plans = indexmap::IndexMap::from([(
            "basic".to_string(),
            plan(Some((1.0, 1)), Some((5, QuotaPeriod::Day, 0))),
        )]);
        let keys = Keys::new(&[ApiKey::parse("k:basic").unwrap()], &plans).unwrap();
        let now = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        let refuse = || Err(ResponseType::Throttled);
        for _ in 0..3 {
            assert_eq!(
                keys.admit(Some("k"), "/x/GET", now, refuse),
                Err(ResponseType::Throttled)
            );
        }
        // The plan's one token is still there.
        assert!(keys.admit(Some("k"), "/x/GET", now, || Ok(())).is_ok());
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
        let ok = || Ok(());
        let (value, id) = keys.admit(Some("k"), "/x/GET", now, ok).unwrap();
        assert_eq!((value, id.len()), ("k", 10));
        assert_eq!(
            keys.admit(Some("other"), "/x/GET", now, ok),
            Err(ResponseType::InvalidApiKey)
        );
        assert_eq!(
            keys.admit(None, "/x/GET", now, ok),
            Err(ResponseType::InvalidApiKey)
        );
    }
}
