//! Calendar arithmetic (UTC, proleptic Gregorian, H. Hinnant's day-number algorithms) and every
//! date format the gateway writes: `$context.requestTime` (CLF), SigV4's `X-Amz-Date`, Java's
//! `Date.toString()` (Cognito claims), and the execution log's ISO time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// A second of UTC time, broken down.
struct Civil {
    y: i64,
    m: i64,
    d: i64,
    /// 0 = Sunday.
    weekday: i64,
    h: i64,
    min: i64,
    s: i64,
}

fn civil(secs: i64) -> Civil {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    Civil {
        y,
        m,
        d,
        // 1970-01-01 was a Thursday.
        weekday: (days + 4).rem_euclid(7),
        h: rem / 3600,
        min: (rem % 3600) / 60,
        s: rem % 60,
    }
}

fn secs(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs()) as i64
}

/// Days since 1970-01-01 to (year, month 1..=12, day 1..=31).
pub(crate) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// (year, month, day) to days since 1970-01-01, the inverse of [`civil_from_days`].
pub(crate) fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `$context.requestTime`, CLF: `02/Dec/2026:15:00:00 +0000`.
pub(crate) fn clf(t: SystemTime) -> String {
    let c = civil(secs(t));
    format!(
        "{:02}/{}/{:04}:{:02}:{:02}:{:02} +0000",
        c.d,
        MONTHS[(c.m - 1) as usize],
        c.y,
        c.h,
        c.min,
        c.s
    )
}

/// SigV4's `X-Amz-Date`: `20261202T150000Z`.
pub(crate) fn amz(t: SystemTime) -> String {
    let c = civil(secs(t));
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        c.y, c.m, c.d, c.h, c.min, c.s
    )
}

/// `20261202T150000Z` back to a time; `None` unless exactly that form.
pub(crate) fn parse_amz(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
    let (y, mo, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (h, mi, se) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se;
    u64::try_from(secs)
        .ok()
        .map(|s| UNIX_EPOCH + Duration::from_secs(s))
}

/// An ISO 8601 date or UTC date-time as IAM's date conditions take them (`2026-12-02`,
/// `2026-12-02T15:00:00Z`, fractions ignored) to epoch seconds; `None` for anything else.
pub(crate) fn parse_iso8601(s: &str) -> Option<i64> {
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let day = days_from_civil(y, mo, d) * 86_400;
    if b.len() == 10 {
        return Some(day);
    }
    if b.len() < 20 || b[10] != b'T' || b[13] != b':' || b[16] != b':' || !s.ends_with('Z') {
        return None;
    }
    let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let fraction = &s[19..s.len() - 1];
    if h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let digits_after_dot = |f: &str| {
        f.strip_prefix('.')
            .is_some_and(|d| d.bytes().all(|b| b.is_ascii_digit()))
    };
    if !fraction.is_empty() && !digits_after_dot(fraction) {
        return None;
    }
    Some(day + h * 3600 + mi * 60 + se)
}

/// Java's `Date.toString()` in UTC: `Wed Dec 02 15:00:00 UTC 2026`.
pub(crate) fn java(secs: i64) -> String {
    let c = civil(secs);
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} UTC {}",
        WEEKDAYS[c.weekday as usize],
        MONTHS[(c.m - 1) as usize],
        c.d,
        c.h,
        c.min,
        c.s,
        c.y
    )
}

/// ISO 8601 to the second, as IAM's `aws:CurrentTime` holds it: `2026-12-02T15:00:00Z`.
pub(crate) fn iso_seconds(t: SystemTime) -> String {
    let c = civil(secs(t));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.y, c.m, c.d, c.h, c.min, c.s
    )
}

/// ISO 8601 with milliseconds: `2026-12-02T15:00:00.123Z`.
pub(crate) fn iso_millis(t: SystemTime) -> String {
    let millis = t
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_millis());
    let c = civil(secs(t));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        c.y, c.m, c.d, c.h, c.min, c.s
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_of_one_instant() {
        let t = UNIX_EPOCH + Duration::from_millis(1_796_223_600_123);
        assert_eq!(clf(t), "02/Dec/2026:15:00:00 +0000");
        assert_eq!(amz(t), "20261202T150000Z");
        assert_eq!(java(1_796_223_600), "Wed Dec 02 15:00:00 UTC 2026");
        assert_eq!(iso_millis(t), "2026-12-02T15:00:00.123Z");
        assert_eq!(clf(UNIX_EPOCH), "01/Jan/1970:00:00:00 +0000");
        assert_eq!(
            parse_amz("20261202T150000Z").map(amz),
            Some("20261202T150000Z".into())
        );
        assert_eq!(
            parse_amz("20260230T000000Z").map(amz),
            Some("20260302T000000Z".into())
        );
        assert_eq!(parse_amz("2026-12-02T15:00:00Z"), None);
        for z in [-800_000, -1, 0, 59, 60, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }
}
