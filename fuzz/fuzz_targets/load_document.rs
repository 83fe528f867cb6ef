//! Any bytes as an API document: loading must never panic, hang or exhaust memory, whether it
//! succeeds or reports problems.
//!
//! The first byte chooses how the loader is asked: `j`, as `fuzz.json` (JSON whatever the text);
//! anything else, as `fuzz.yaml` (YAML, or JSON when the text starts with `{`). The rest is the
//! document, so a seed is `y` or `j` followed by a real document.
#![no_main]

use indexmap::IndexMap;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    // The loader takes text; invalid UTF-8 is a caller's error (`Api::load` reads with
    // `read_to_string`), so only valid text is worth the time.
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let file = if mode == b'j' {
        "fuzz.json"
    } else {
        "fuzz.yaml"
    };
    // A deploy parameter and a pseudo parameter, so that `${...}` placeholders and intrinsics
    // (`!Ref TableName`, `AWS::Region`) have something to resolve besides the defaults.
    let params: IndexMap<String, String> = [
        ("TableName".to_string(), "fuzz-table".to_string()),
        ("AWS::Region".to_string(), "eu-west-1".to_string()),
    ]
    .into_iter()
    .collect();
    match apidef::Api::from_str_with(text, file, &params) {
        Ok(api) => {
            // What the gateway does with a loaded document next (route lookups) and what `codegen`
            // prints (the position of every warning).
            for w in &api.warnings {
                let _ = api.position(&w.location.pointer);
            }
            for op in &api.operations {
                let segments: Vec<String> = op
                    .path
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                let _ = api.route(&op.method, &segments);
            }
        }
        Err(e) => {
            // Formatting every problem is what `codegen lint`/`check` print.
            for p in e.all() {
                let _ = p.to_string();
            }
        }
    }
});
