//! API Gateway's `$input` and `$util`: their methods are implemented by the renderer
//! (`Renderer::input_method`, `Renderer::util_method`); this registers which exist.

use super::{Method, m};

pub(super) const INPUT: &[Method] = &[
    m("getBody", 0, |r, _, a| r.input_method("getBody", a)),
    m("json", 1, |r, _, a| r.input_method("json", a)),
    m("params", 0, |r, _, a| r.input_method("params", a)),
    m("params", 1, |r, _, a| r.input_method("params", a)),
    m("path", 1, |r, _, a| r.input_method("path", a)),
];

/// In the developer guide's order (messages list them so).
pub(super) const UTIL: &[Method] = &[
    m("escapeJavaScript", 1, |r, _, a| {
        r.util_method("escapeJavaScript", a)
    }),
    m("parseJson", 1, |r, _, a| r.util_method("parseJson", a)),
    m("urlEncode", 1, |r, _, a| r.util_method("urlEncode", a)),
    m("urlDecode", 1, |r, _, a| r.util_method("urlDecode", a)),
    m("base64Encode", 1, |r, _, a| {
        r.util_method("base64Encode", a)
    }),
    m("base64Decode", 1, |r, _, a| {
        r.util_method("base64Decode", a)
    }),
];
