//! Request identity (ids, time, trace) and the simple `$context.*` substitution that gateway
//! responses and access logs use. Neither is VTL (DG `api-gateway-gatewayResponse-definition`,
//! `set-up-logging`): a variable is replaced by its value and nothing else is interpreted.

use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;
use serde_json::{Map, Value};

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0x0f)] as char);
    }
    s
}

/// A random UUID v4 in its usual text form, like API Gateway's `$context.requestId`.
pub fn uuid_v4() -> String {
    let mut b: [u8; 16] = rand::rng().random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// An `x-amz-apigw-id` / `$context.extendedRequestId` look-alike: 16 base64 characters
/// ending in `=` (the shape AWS returns, e.g. `Ab1CdEfGhIjKlM=`).
pub fn extended_request_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut rng = rand::rng();
    let mut s: String = (0..15)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    s.push('=');
    s
}

/// An X-Ray trace header value `Root=1-<epoch seconds, 8 hex>-<96 random bits, 24 hex>`.
pub fn trace_id(now: SystemTime) -> String {
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let r: [u8; 12] = rand::rng().random();
    format!("Root=1-{:08x}-{}", secs & 0xffff_ffff, hex(&r))
}

/// Milliseconds since the epoch (`$context.requestTimeEpoch`).
pub fn epoch_millis(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// `$context.requestTime` in CLF format, `dd/MMM/yyyy:HH:mm:ss +0000` (always UTC).
pub fn clf_time(t: SystemTime) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{d:02}/{}/{y:04}:{:02}:{:02}:{:02} +0000",
        MONTHS[(m - 1) as usize],
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to (year, month 1..=12, day 1..=31), proleptic Gregorian
/// (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
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

/// Looks up a dotted name (`identity.sourceIp`) in a context object. `None` for absent or null.
pub fn lookup(context: &Map<String, Value>, dotted: &str) -> Option<String> {
    let mut parts = dotted.split('.');
    let mut cur = context.get(parts.next()?)?;
    for p in parts {
        cur = cur.as_object()?.get(p)?;
    }
    match cur {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// Replaces `$context.a.b`, `${context.a.b}`, `$stageVariables.x` and `${stageVariables.x}` in
/// `template`. `missing` is what an absent value prints (`""` in gateway-response templates, `-`
/// in access logs).
pub fn substitute(
    template: &str,
    context: &Map<String, Value>,
    stage_variables: &indexmap::IndexMap<String, String>,
    missing: &str,
) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (braced, body) = match after.strip_prefix('{') {
            Some(b) => (true, b),
            None => (false, after),
        };
        let root = ["context.", "stageVariables."]
            .into_iter()
            .find(|r| body.starts_with(r));
        let Some(root) = root else {
            out.push('$');
            rest = after;
            continue;
        };
        let name_start = root.len();
        let mut end = name_start
            + body[name_start..]
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'))
                .unwrap_or(body.len() - name_start);
        // A trailing dot belongs to the text, not to the name (`$context.stage.`).
        while end > name_start && body[..end].ends_with('.') {
            end -= 1;
        }
        let name = &body[name_start..end];
        if braced && !body[end..].starts_with('}') || name.is_empty() {
            out.push('$');
            rest = after;
            continue;
        }
        let value = if root == "context." {
            lookup(context, name)
        } else {
            stage_variables.get(name).cloned()
        };
        out.push_str(value.as_deref().unwrap_or(missing));
        rest = if braced {
            &body[end + 1..]
        } else {
            &body[end..]
        };
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn clf_format() {
        let t = UNIX_EPOCH + std::time::Duration::from_secs(1_428_582_896);
        assert_eq!(clf_time(t), "09/Apr/2015:12:34:56 +0000");
        assert_eq!(clf_time(UNIX_EPOCH), "01/Jan/1970:00:00:00 +0000");
    }

    #[test]
    fn ids_have_aws_shapes() {
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert_eq!(extended_request_id().len(), 16);
        let t = trace_id(UNIX_EPOCH + std::time::Duration::from_secs(0x5759e988));
        assert!(t.starts_with("Root=1-5759e988-"), "{t}");
        assert_eq!(t.len(), "Root=1-5759e988-".len() + 24);
    }

    #[test]
    fn substitution() {
        let ctx = json!({"requestId": "r1", "identity": {"sourceIp": "1.2.3.4", "caller": null},
                         "error": {"messageString": "\"bad\""}, "status": 403});
        let ctx = ctx.as_object().unwrap();
        let mut sv = indexmap::IndexMap::new();
        sv.insert("a".to_string(), "A".to_string());
        assert_eq!(
            substitute(
                r#"{"m":$context.error.messageString,"id":"$context.requestId","ip":"${context.identity.sourceIp}","c":"$context.identity.caller","s":$context.status,"v":"$stageVariables.a","x":"$other $"}"#,
                ctx,
                &sv,
                "-"
            ),
            r#"{"m":"bad","id":"r1","ip":"1.2.3.4","c":"-","s":403,"v":"A","x":"$other $"}"#
        );
        assert_eq!(substitute("$context.requestId.", ctx, &sv, ""), "r1.");
        assert_eq!(
            substitute("${context.requestId", ctx, &sv, ""),
            "${context.requestId"
        );
    }
}
