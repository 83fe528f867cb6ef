//! `$util.*` functions of API Gateway (docs/evidence/apigateway-semantics.md §1.2).

use std::fmt::Write as _;

use base64::Engine as _;

/// commons-lang 2.6 `StringEscapeUtils.escapeJavaScript`: what AWS's own template simulator uses and
/// what the DG describes (`'` becomes `\'`, which is why AWS documents `.replaceAll("\\'","'")`).
/// Works on UTF-16 code units like Java: characters above U+FFFF become two `\uXXXX` escapes.
pub fn escape_javascript(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for unit in s.encode_utf16() {
        match unit {
            0x27 => out.push_str("\\'"),
            0x22 => out.push_str("\\\""),
            0x5c => out.push_str("\\\\"),
            0x2f => out.push_str("\\/"),
            0x08 => out.push_str("\\b"),
            0x0a => out.push_str("\\n"),
            0x09 => out.push_str("\\t"),
            0x0c => out.push_str("\\f"),
            0x0d => out.push_str("\\r"),
            u if !(0x20..=0x7f).contains(&u) => {
                let _ = write!(out, "\\u{u:04X}");
            }
            u => out.push(char::from(u as u8)),
        }
    }
    out
}

/// Java `URLEncoder.encode(s, "UTF-8")`: alphanumerics and `.-*_` stay, space becomes `+`,
/// everything else `%XX` (upper case) of its UTF-8 bytes. AWS-recorded: `{"some": "value"}` ->
/// `%7B%22some%22%3A+%22value%22%7D` (docs/evidence/apigateway-semantics.md §8.2).
pub fn url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Java `URLDecoder.decode(s, "UTF-8")`: `+` is a space, `%XX` a byte; a malformed escape throws
/// `IllegalArgumentException` there, an error here.
pub fn url_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' => {
                let hex = b
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) if hex.is_some_and(|h| h.bytes().all(|c| c.is_ascii_hexdigit())) => {
                        out.push(v)
                    }
                    _ => {
                        return Err(format!(
                            "URLDecoder: Illegal hex characters in escape (%) pattern at index {i}"
                        ));
                    }
                }
                i += 3;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Standard Base64 of the UTF-8 bytes, with padding.
pub fn base64_encode(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s.as_bytes())
}

/// Standard Base64 decode to a UTF-8 string. Padding is optional, as with Java's
/// `Base64.getDecoder()` (dialect table: `base64Decode` leniency).
pub fn base64_decode(s: &str) -> Result<String, String> {
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    engine
        .decode(s.as_bytes())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| format!("base64Decode: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_javascript_commons_lang_2() {
        assert_eq!(escape_javascript("it's"), "it\\'s");
        assert_eq!(escape_javascript("a\"b\\c/d"), "a\\\"b\\\\c\\/d");
        assert_eq!(escape_javascript("é\n\u{1}"), "\\u00E9\\n\\u0001");
        assert_eq!(escape_javascript("😀"), "\\uD83D\\uDE00");
        assert_eq!(escape_javascript("\u{7f}"), "\u{7f}");
    }

    #[test]
    fn url_encoding_java_rules() {
        assert_eq!(
            url_encode("{\"some\": \"value\"}"),
            "%7B%22some%22%3A+%22value%22%7D"
        );
        assert_eq!(url_encode("a.b-c*d_e~"), "a.b-c*d_e%7E");
        assert_eq!(url_decode("a+b%20c%C3%A9").as_deref(), Ok("a b cé"));
        assert!(url_decode("%zz").is_err());
        assert!(url_decode("%4").is_err());
    }

    #[test]
    fn base64_round_trip() {
        assert_eq!(base64_encode("hello"), "aGVsbG8=");
        assert_eq!(base64_decode("aGVsbG8=").as_deref(), Ok("hello"));
        assert_eq!(base64_decode("aGVsbG8").as_deref(), Ok("hello"));
        assert!(base64_decode("!!").is_err());
    }
}
