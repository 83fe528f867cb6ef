//! Time to Live for [`Embedded`]: `UpdateTimeToLive`, `DescribeTimeToLive`, and the expiry of
//! items whose TTL attribute has passed.
//!
//! A child module of `store` (declared there with a `#[path]`), so it reads the tables directly.
//!
//! What DynamoDB documents (API reference, `UpdateTimeToLive`): "If the epoch time value stored in
//! the attribute is less than the current time, the item is marked as expired and subsequently
//! deleted"; only a Number attribute counts (Developer Guide, "Time to Live": an attribute that is
//! absent or not a Number is ignored, the item never expires); deletion is "typically within two
//! days of expiration" and "items that have expired and not been deleted will still show up in
//! reads, queries, and scans". Locally the useful behaviour is the deterministic one: before every
//! request, items already expired by the store's [`Clock`] are deleted (from the table and its
//! indexes), so a read never returns an item past its TTL. Recorded in the gateway's dialect
//! table ("TTL expiry").
//!
//! The status changes at once (`ENABLED` / `DISABLED`, never `ENABLING` / `DISABLING`), and the
//! documented "one hour" during which a further `UpdateTimeToLive` is refused is not applied: a
//! test can enable, disable and enable again (also in the dialect table).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde_json::{Value, json};

use super::model::Table;
use super::shapes::table_name;
use super::{Embedded, str_field};
use crate::error::DynamoError;
use crate::number::Number;
use crate::schema::{Con, Field, Ty, f};
use crate::value::{AttributeValue, Item};

/// The time TTL expiry compares items with, in epoch seconds. [`Clock::system`] by default; tests
/// inject their own ([`ManualClock`], [`Clock::from_fn`]) through [`Embedded::with_clock`].
#[derive(Clone)]
pub struct Clock(Arc<dyn Fn() -> f64 + Send + Sync>);

impl Clock {
    /// The system's wall clock.
    pub fn system() -> Clock {
        Clock(Arc::new(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0)
        }))
    }

    /// A clock that asks `now` (epoch seconds).
    pub fn from_fn(now: impl Fn() -> f64 + Send + Sync + 'static) -> Clock {
        Clock(Arc::new(now))
    }

    pub fn now(&self) -> f64 {
        (self.0)()
    }
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::system()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}

/// A clock that only moves when told to (tests).
#[derive(Debug, Clone, Default)]
pub struct ManualClock(Arc<AtomicU64>);

impl ManualClock {
    /// A clock standing at `secs` (epoch seconds).
    pub fn at(secs: f64) -> ManualClock {
        ManualClock(Arc::new(AtomicU64::new(secs.to_bits())))
    }

    pub fn set(&self, secs: f64) {
        self.0.store(secs.to_bits(), Ordering::SeqCst);
    }

    pub fn advance(&self, secs: f64) {
        self.set(self.now() + secs);
    }

    pub fn now(&self) -> f64 {
        f64::from_bits(self.0.load(Ordering::SeqCst))
    }

    /// The [`Clock`] reading this one.
    pub fn clock(&self) -> Clock {
        let me = self.clone();
        Clock::from_fn(move || me.now())
    }
}

/// When the next sweep is due. A sweep walks every item of the tables with TTL enabled, so it
/// runs only when something can have expired since the last one: the clock has passed the
/// earliest TTL the last sweep left in place, or a write may have stored an item (or enabled a
/// TTL) that is already past.
#[derive(Debug)]
pub(super) struct Expiry {
    clock: Clock,
    /// `f64` bits of the earliest TTL left by the last sweep, rounded down (infinite when none;
    /// minus infinity before the first sweep).
    next_due: AtomicU64,
    /// A write succeeded since the last sweep.
    dirty: AtomicBool,
}

impl Expiry {
    fn new(clock: Clock) -> Expiry {
        Expiry {
            clock,
            next_due: AtomicU64::new(f64::NEG_INFINITY.to_bits()),
            dirty: AtomicBool::new(false),
        }
    }
}

impl Default for Expiry {
    fn default() -> Expiry {
        Expiry::new(Clock::system())
    }
}

/// The actions after which an item past its TTL may be in a table.
const WRITES: &[&str] = &[
    "PutItem",
    "UpdateItem",
    "BatchWriteItem",
    "TransactWriteItems",
    "UpdateTimeToLive",
    "UpdateTable",
];

/// The input shapes (API reference: `UpdateTimeToLive`, `DescribeTimeToLive`,
/// `TimeToLiveSpecification`: `Enabled` and `AttributeName` required, the name 1 to 255 long).
pub(super) fn fields(action: &str) -> Vec<Field> {
    let mut out = vec![table_name()];
    if action == "UpdateTimeToLive" {
        out.push(f(
            "TimeToLiveSpecification",
            Ty::Struct(
                vec![
                    f(
                        "AttributeName",
                        Ty::Str,
                        vec![Con::NotNull, Con::LenGe(1), Con::LenLe(255)],
                    ),
                    f("Enabled", Ty::Bool, vec![Con::NotNull]),
                ],
                "TimeToLiveSpecification",
                false,
            ),
            vec![Con::NotNull],
        ));
    }
    out
}

/// Whether `item` is past its TTL at `now`: its `attr` is a Number less than `now` (the API
/// reference's "less than the current time"). Any other type, or no such attribute: never.
pub(super) fn expired(item: &Item, attr: &str, now: &Number) -> bool {
    matches!(item.get(attr), Some(AttributeValue::N(n)) if n < now)
}

/// `now` as a DynamoDB number (milliseconds kept; a clock that is not finite never expires
/// anything).
fn now_number(now: f64) -> Option<Number> {
    if !now.is_finite() {
        return None;
    }
    Number::parse(&format!("{now:.3}")).ok()
}

fn not_found(name: &str) -> DynamoError {
    DynamoError::ResourceNotFound(format!(
        "Requested resource not found: Table: {name} not found"
    ))
}

impl Embedded {
    /// An empty store whose TTL expiry reads `clock`.
    pub fn with_clock(clock: Clock) -> Embedded {
        Embedded {
            tables: Default::default(),
            expiry: Arc::new(Expiry::new(clock)),
            tokens: Default::default(),
        }
    }

    /// Delete every item past its TTL (see the module comment), when one can have expired since
    /// the last sweep.
    pub(super) fn expire_items(&self) {
        let now = self.expiry.clock.now();
        let dirty = self.expiry.dirty.swap(false, Ordering::SeqCst);
        let due = f64::from_bits(self.expiry.next_due.load(Ordering::SeqCst));
        if !dirty && now <= due {
            return;
        }
        let Some(now_n) = now_number(now) else {
            return;
        };
        let mut next = f64::INFINITY;
        if self.read().values().any(|t| t.ttl.is_some()) {
            let mut tables = self.write();
            for t in tables.values_mut() {
                next = next.min(sweep(t, &now_n));
            }
        }
        self.expiry.next_due.store(next.to_bits(), Ordering::SeqCst);
    }

    /// The store's clock (epoch seconds).
    pub(super) fn now(&self) -> f64 {
        self.expiry.clock.now()
    }

    /// Called after every action that succeeded.
    pub(super) fn note_write(&self, action: &str) {
        if WRITES.contains(&action) {
            self.expiry.dirty.store(true, Ordering::SeqCst);
        }
    }

    pub(super) fn describe_time_to_live(&self, data: &Value) -> Result<Value, DynamoError> {
        let name = str_field(data, "TableName");
        let tables = self.read();
        let t = tables.get(&name).ok_or_else(|| not_found(&name))?;
        // API reference, `TimeToLiveDescription`: the status, and the attribute while enabled.
        Ok(match &t.ttl {
            Some(attr) => json!({"TimeToLiveDescription": {
                "AttributeName": attr, "TimeToLiveStatus": "ENABLED"}}),
            None => json!({"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}),
        })
    }

    pub(super) fn update_time_to_live(&self, data: &Value) -> Result<Value, DynamoError> {
        let name = str_field(data, "TableName");
        let spec = data
            .get("TimeToLiveSpecification")
            .cloned()
            .unwrap_or_default();
        let attr = str_field(&spec, "AttributeName");
        let enable = spec
            .get("Enabled")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let mut tables = self.write();
        let t = tables.get_mut(&name).ok_or_else(|| not_found(&name))?;
        // DynamoDB's wording (ValidationException), as quoted by SDK users and infrastructure
        // tools that handle it: a change of attribute while enabled names the current one;
        // enabling twice and disabling twice are refused (the call is not idempotent).
        match (&t.ttl, enable) {
            (Some(current), _) if *current != attr => {
                return Err(DynamoError::validation(format!(
                    "TimeToLive is active on a different AttributeName: current AttributeName is {current}"
                )));
            }
            (Some(_), true) => {
                return Err(DynamoError::validation("TimeToLive is already enabled"));
            }
            (None, false) => {
                return Err(DynamoError::validation("TimeToLive is already disabled"));
            }
            _ => {}
        }
        t.ttl = enable.then(|| attr.clone());
        // The reply echoes the specification (API reference, `UpdateTimeToLive` response).
        Ok(json!({"TimeToLiveSpecification": {"AttributeName": attr, "Enabled": enable}}))
    }
}

/// Delete the items of `t` past their TTL at `now`; returns the earliest TTL left (rounded down,
/// so a sweep is never late), infinite when none.
fn sweep(t: &mut Table, now: &Number) -> f64 {
    let Some(attr) = t.ttl.clone() else {
        return f64::INFINITY;
    };
    let mut keys = Vec::new();
    let mut next = f64::INFINITY;
    for (k, s) in &t.items.map {
        if expired(&s.item, &attr, now) {
            keys.push(k.clone());
        } else if let Some(AttributeValue::N(n)) = s.item.get(&attr) {
            next = next.min(lower_bound(n));
        }
    }
    for k in keys {
        t.delete(&k);
    }
    next
}

/// An `f64` not above `n` (a Number has up to 38 digits; the nearest `f64` may be above it).
fn lower_bound(n: &Number) -> f64 {
    match n.to_plain_string().parse::<f64>() {
        Ok(v) if v.is_finite() => v - v.abs() * 1e-12 - 1e-6,
        _ => f64::NEG_INFINITY,
    }
}
