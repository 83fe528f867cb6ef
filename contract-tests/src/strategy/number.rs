//! Integers and numbers within draft 4's `minimum`/`maximum` (with the boolean
//! `exclusiveMinimum`/`exclusiveMaximum`) and `multipleOf`.
//!
//! Draft 4 counts only a number written without fraction or exponent as an integer (`1.0` is not
//! one, as the gateway's validator says), so integers are always built as `i64` JSON numbers. The
//! validator checks a fractional `multipleOf` on the decimal digits (`0.03` is a multiple of `0.01`,
//! `0.030000000000000002` is not), so multiples are built from their decimal text.

use proptest::prelude::*;
use serde_json::{Number, Value, json};

/// Largest magnitude generated for an integer: beyond 2^53 a JSON reader that goes through `f64`
/// (as the templates' Java does for some paths) would not round-trip it.
const SAFE: i64 = 1 << 53;
/// Spread around a one-sided or absent bound.
const SPAN_INT: i64 = 1000;
const SPAN_FLOAT: f64 = 1.0e6;

/// The bounds of a numeric schema.
#[derive(Debug, Clone, Copy)]
pub(super) struct Bounds {
    pub lo: Option<f64>,
    pub lo_exclusive: bool,
    pub hi: Option<f64>,
    pub hi_exclusive: bool,
}

impl Bounds {
    pub fn of(schema: &Value) -> Bounds {
        let num = |k: &str| {
            schema
                .get(k)
                .and_then(Value::as_f64)
                .filter(|f| f.is_finite())
        };
        // Draft 4's exclusive bounds are booleans beside minimum/maximum; a number there is a
        // later draft's spelling, which the gateway's validator refuses to compile, read here as
        // that draft means it so that nothing panics.
        let exclusive = |k: &str| -> (bool, Option<f64>) {
            match schema.get(k) {
                Some(Value::Bool(b)) => (*b, None),
                Some(v) => (true, v.as_f64().filter(|f| f.is_finite())),
                None => (false, None),
            }
        };
        let (mut lo, mut hi) = (num("minimum"), num("maximum"));
        let (mut lo_exclusive, lo_later) = exclusive("exclusiveMinimum");
        let (mut hi_exclusive, hi_later) = exclusive("exclusiveMaximum");
        if let Some(l) = lo_later {
            lo = Some(l);
        } else if lo.is_none() {
            lo_exclusive = false;
        }
        if let Some(h) = hi_later {
            hi = Some(h);
        } else if hi.is_none() {
            hi_exclusive = false;
        }
        Bounds {
            lo,
            lo_exclusive,
            hi,
            hi_exclusive,
        }
    }

    fn admits(&self, x: f64) -> bool {
        let above = match self.lo {
            Some(l) if self.lo_exclusive => x > l,
            Some(l) => x >= l,
            None => true,
        };
        let below = match self.hi {
            Some(h) if self.hi_exclusive => x < h,
            Some(h) => x <= h,
            None => true,
        };
        above && below
    }
}

/// A positive `multipleOf` as `mantissa / 10^decimals`, read from its JSON text.
#[derive(Debug, Clone, Copy)]
pub(super) struct Decimal {
    mantissa: i128,
    decimals: u32,
}

impl Decimal {
    pub fn of(n: &Number) -> Option<Decimal> {
        let text = n.to_string();
        let (digits, exponent) = match text.split_once(['e', 'E']) {
            Some((d, e)) => (d, e.parse::<i32>().ok()?),
            None => (text.as_str(), 0),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let frac = frac.trim_end_matches('0');
        let mut mantissa: i128 = format!("{int}{frac}").parse().ok()?;
        let mut decimals = i32::try_from(frac.len()).ok()? - exponent;
        while decimals < 0 {
            mantissa = mantissa.checked_mul(10)?;
            decimals += 1;
        }
        let decimals = u32::try_from(decimals).ok().filter(|d| *d <= 30)?;
        (mantissa > 0).then_some(Decimal { mantissa, decimals })
    }

    fn as_f64(self) -> f64 {
        self.mantissa as f64 / 10f64.powi(self.decimals as i32)
    }

    /// The smallest positive integer that is a multiple: `mantissa / gcd(mantissa, 10^d)`.
    fn integer_step(self) -> Option<i64> {
        let scale = 10i128.checked_pow(self.decimals)?;
        let g = gcd(self.mantissa, scale);
        i64::try_from(self.mantissa / g).ok()
    }

    /// `k` times this decimal, as a JSON number written with exactly its decimals.
    fn times(self, k: i64) -> Option<Value> {
        let m = self.mantissa.checked_mul(i128::from(k))?;
        if self.decimals == 0 {
            return i64::try_from(m).ok().map(|v| json!(v));
        }
        let neg = m < 0;
        let digits = format!(
            "{:0>width$}",
            m.unsigned_abs(),
            width = self.decimals as usize + 1
        );
        let (int, frac) = digits.split_at(digits.len() - self.decimals as usize);
        let text = format!("{}{int}.{frac}", if neg { "-" } else { "" });
        serde_json::from_str::<Value>(&text)
            .ok()
            .filter(Value::is_number)
    }
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs().max(1)
}

fn multiple_of(schema: &Value) -> Option<Result<Decimal, ()>> {
    match schema.get("multipleOf") {
        Some(Value::Number(n)) => Some(Decimal::of(n).ok_or(())),
        // Not a number: the validator refuses to compile it; generate as if absent.
        _ => None,
    }
}

/// The smallest and largest valid integer `k * step` (`step` 1 when there is no multipleOf), as
/// `(k_lo, k_hi, step)`; `None` when no integer satisfies the bounds.
fn integer_range(schema: &Value) -> Option<(i64, i64, i64)> {
    let b = Bounds::of(schema);
    let step = match multiple_of(schema) {
        Some(Ok(d)) => d.integer_step()?.max(1),
        _ => 1,
    };
    let lo = b.lo.map(|l| {
        let c = l.ceil();
        if b.lo_exclusive && c == l { c + 1.0 } else { c }
    });
    let hi = b.hi.map(|h| {
        let f = h.floor();
        if b.hi_exclusive && f == h { f - 1.0 } else { f }
    });
    // `as` saturates: a bound past i64 is as far as generation goes.
    let (lo, hi) = match (lo, hi) {
        (Some(l), Some(h)) => (l as i64, h as i64),
        (Some(l), None) => (l as i64, (l as i64).saturating_add(SPAN_INT * step)),
        (None, Some(h)) => ((h as i64).saturating_sub(SPAN_INT * step), h as i64),
        (None, None) => (
            -SPAN_INT * step.min(SAFE / SPAN_INT),
            SPAN_INT * step.min(SAFE / SPAN_INT),
        ),
    };
    let (lo, hi) = (lo.clamp(-SAFE, SAFE), hi.clamp(-SAFE, SAFE));
    let k_lo = div_ceil(lo, step);
    let k_hi = div_floor(hi, step);
    (k_lo <= k_hi).then_some((k_lo, k_hi, step))
}

fn div_floor(a: i64, b: i64) -> i64 {
    let q = a / b;
    if (a % b != 0) && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

fn div_ceil(a: i64, b: i64) -> i64 {
    let q = a / b;
    if (a % b != 0) && ((a < 0) == (b < 0)) {
        q + 1
    } else {
        q
    }
}

/// Bounds first and last, small and zero-near values often, anything in range the rest.
fn k_strategy(k_lo: i64, k_hi: i64) -> BoxedStrategy<i64> {
    let near_zero = 0i64.clamp(k_lo, k_hi);
    prop_oneof![
        1 => Just(k_lo),
        1 => Just(k_hi),
        1 => Just(near_zero),
        4 => k_lo..=k_hi,
    ]
    .boxed()
}

/// Valid integers; `None` when the bounds leave none.
pub(super) fn integer(schema: &Value) -> Option<BoxedStrategy<Value>> {
    let (k_lo, k_hi, step) = integer_range(schema)?;
    Some(
        k_strategy(k_lo, k_hi)
            .prop_map(move |k| json!(k.saturating_mul(step)))
            .boxed(),
    )
}

/// The valid integer nearest zero.
pub(super) fn minimal_integer(schema: &Value) -> Option<Value> {
    let (k_lo, k_hi, step) = integer_range(schema)?;
    Some(json!(0i64.clamp(k_lo, k_hi).saturating_mul(step)))
}

/// Valid numbers: JSON integers and fractions both (a template may treat `5` and `5.0`
/// differently); `None` when the bounds leave none that can be built.
pub(super) fn number(schema: &Value) -> Option<BoxedStrategy<Value>> {
    let b = Bounds::of(schema);
    match multiple_of(schema) {
        Some(Ok(d)) => {
            let (k_lo, k_hi) = multiple_range(&b, d)?;
            Some(
                k_strategy(k_lo, k_hi)
                    .prop_map(move |k| d.times(k).unwrap_or_else(|| json!(0)))
                    .boxed(),
            )
        }
        // An unreadable multipleOf: the caller's check decides.
        Some(Err(())) => None,
        None => {
            let (lo, hi) = float_window(&b)?;
            let ints = integer(schema);
            let b2 = b;
            let floats = prop_oneof![
                1 => Just(lo),
                1 => Just(hi),
                6 => (0.0f64..=1.0).prop_map(move |t| lo * (1.0 - t) + hi * t),
                // Two decimals, the shape of prices and ratings.
                2 => (0.0f64..=1.0).prop_map(move |t| ((lo * (1.0 - t) + hi * t) * 100.0).round() / 100.0),
            ]
            .prop_map(move |x| {
                let x = x.clamp(lo, hi);
                if b2.admits(x) { x } else { lo }
            })
            .prop_map(|x| Number::from_f64(x).map_or(json!(0), Value::Number))
            .boxed();
            Some(match ints {
                Some(i) => prop_oneof![1 => i, 3 => floats].boxed(),
                None => floats,
            })
        }
    }
}

/// The smallest valid number by magnitude.
pub(super) fn minimal_number(schema: &Value) -> Option<Value> {
    let b = Bounds::of(schema);
    match multiple_of(schema) {
        Some(Ok(d)) => {
            let (k_lo, k_hi) = multiple_range(&b, d)?;
            d.times(0i64.clamp(k_lo, k_hi))
        }
        Some(Err(())) => None,
        None => {
            let (lo, hi) = float_window(&b)?;
            Number::from_f64(0.0f64.clamp(lo, hi)).map(Value::Number)
        }
    }
}

/// The closed range of floats admitted, exclusive ends moved one float inwards.
fn float_window(b: &Bounds) -> Option<(f64, f64)> {
    let lo = b.lo.map(|l| if b.lo_exclusive { l.next_up() } else { l });
    let hi = b.hi.map(|h| if b.hi_exclusive { h.next_down() } else { h });
    let (lo, hi) = match (lo, hi) {
        (Some(l), Some(h)) => (l, h),
        (Some(l), None) => (l, l + SPAN_FLOAT),
        (None, Some(h)) => (h - SPAN_FLOAT, h),
        (None, None) => (-SPAN_FLOAT, SPAN_FLOAT),
    };
    (lo <= hi && lo.is_finite() && hi.is_finite()).then_some((lo, hi))
}

/// `(k_lo, k_hi)` such that every `k * d` in between is within the bounds.
fn multiple_range(b: &Bounds, d: Decimal) -> Option<(i64, i64)> {
    let m = d.as_f64();
    let limit = (SAFE as f64 / m.max(1.0)).min(SAFE as f64);
    let span = (SPAN_INT as f64).max(1.0);
    let k_lo = b.lo.map(|l| (l / m).ceil() - 1.0);
    let k_hi = b.hi.map(|h| (h / m).floor() + 1.0);
    let (k_lo, k_hi) = match (k_lo, k_hi) {
        (Some(l), Some(h)) => (l, h),
        (Some(l), None) => (l, l + span),
        (None, Some(h)) => (h - span, h),
        (None, None) => (-span, span),
    };
    let (mut k_lo, mut k_hi) = (
        k_lo.clamp(-limit, limit) as i64,
        k_hi.clamp(-limit, limit) as i64,
    );
    // The estimates above are one wide on each side; step inwards onto admitted multiples (a few
    // steps at most, bounded anyway so that nothing loops).
    let admitted = |k: i64| {
        d.times(k)
            .and_then(|v| v.as_f64())
            .is_some_and(|x| b.admits(x))
    };
    for _ in 0..4 {
        if !admitted(k_lo) {
            k_lo = k_lo.saturating_add(1);
        }
        if !admitted(k_hi) {
            k_hi = k_hi.saturating_sub(1);
        }
    }
    (k_lo <= k_hi && admitted(k_lo) && admitted(k_hi)).then_some((k_lo, k_hi))
}

/// Numbers just outside each bound, and a value that is not a multiple: each invalid by the
/// keyword it is named after. `integer` keeps them integers so they fail only that keyword.
pub(super) fn breakers(schema: &Value, value: &Value, integer: bool) -> Vec<(String, Value)> {
    let b = Bounds::of(schema);
    let mut out = Vec::new();
    let num = |x: f64| -> Option<Value> {
        if integer {
            (x.fract() == 0.0 && x.abs() < 9.0e18).then(|| json!(x as i64))
        } else {
            Number::from_f64(x).map(Value::Number)
        }
    };
    let outside = |bound: f64, exclusive: bool, down: bool| -> Option<Value> {
        let x = if integer {
            match (exclusive && bound.fract() == 0.0, down) {
                (true, _) => bound,
                (false, true) => bound.ceil() - 1.0,
                (false, false) => bound.floor() + 1.0,
            }
        } else if exclusive {
            bound
        } else if down {
            let x = bound - 1.0;
            if x == bound { bound.next_down() } else { x }
        } else {
            let x = bound + 1.0;
            if x == bound { bound.next_up() } else { x }
        };
        num(x)
    };
    if let Some(v) = b.lo.and_then(|l| outside(l, b.lo_exclusive, true)) {
        out.push((format!("below minimum {}", b.lo.unwrap_or_default()), v));
    }
    if let Some(v) = b.hi.and_then(|h| outside(h, b.hi_exclusive, false)) {
        out.push((format!("above maximum {}", b.hi.unwrap_or_default()), v));
    }
    if let Some(Ok(d)) = multiple_of(schema) {
        let m = d.as_f64();
        let x = value.as_f64().unwrap_or(0.0);
        let candidate = if integer {
            // An integer multiple of 1 (or of a fraction such as 0.5) has no integer
            // non-multiple; those are left to the wrong-type mutation.
            (m > 1.0 && m.fract() == 0.0).then(|| json!((x as i64).saturating_add(1)))
        } else {
            let half = Decimal {
                mantissa: d
                    .mantissa
                    .saturating_mul(10)
                    .saturating_mul(i128::from((x / m).round().clamp(-1e12, 1e12) as i64))
                    + d.mantissa * 5,
                decimals: d.decimals + 1,
            };
            half.times(1)
        };
        if let Some(v) = candidate {
            out.push((format!("not a multiple of {m}"), v));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_read_from_text() {
        let d = Decimal::of(&Number::from_f64(0.01).unwrap()).unwrap();
        assert_eq!((d.mantissa, d.decimals), (1, 2));
        assert_eq!(d.times(3), Some(json!(0.03)));
        assert_eq!(d.times(-250), Some(json!(-2.5)));
        let d = Decimal::of(&Number::from(25)).unwrap();
        assert_eq!(d.times(2), Some(json!(50)));
        let half = Decimal::of(&Number::from_f64(2.5).unwrap()).unwrap();
        assert_eq!(half.integer_step(), Some(5));
    }
}
