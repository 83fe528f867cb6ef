//! Any bytes as a template (and as the request body): parsing and rendering must never panic,
//! hang or exhaust memory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // The first line doubles as the body, so $input.path/json see varied JSON.
    let body = text.lines().next().unwrap_or_default().to_string();
    if let Ok(t) = vtl::Template::parse(&text) {
        let b = vtl::Bindings {
            body,
            vars: serde_json::from_str(
                r#"{"list": ["p", "q"], "map": {"a": 1}, "n": 5, "s": "Hello"}"#,
            )
            .unwrap_or_default(),
            ..vtl::Bindings::default()
        };
        let _ = t.render(&b);
    }
});
