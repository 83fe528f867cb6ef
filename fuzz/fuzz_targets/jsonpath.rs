//! Any bytes as a JSONPath and a JSON document: `vtl::jsonpath` (Jayway's spellings rewritten to
//! RFC 9535, then evaluated) and `$input.path`/`$input.json` in a template must never panic, hang
//! or exhaust memory. And the renderer's fast path agrees with the engine: when
//! `jsonpath::simple_steps` takes a path (the renderer then walks the body itself instead of
//! asking the engine), walking those steps finds what `jsonpath::query` finds.
//!
//! Input: the path on the first line, the document (the request body) after it.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use vtl::jsonpath::{self, PathResult, Step};

fn template() -> &'static vtl::Template {
    static T: OnceLock<vtl::Template> = OnceLock::new();
    // The path is a variable, not spliced into the template text: any bytes are a path then,
    // quotes included, and the template is parsed once.
    T.get_or_init(|| {
        vtl::Template::parse(
            "$input.json($p)|$input.path($p)|#set($v = $input.path($p))$v.size()|$input.json('$')",
        )
        .expect("the template parses")
    })
}

fn walk<'a>(doc: &'a serde_json::Value, steps: &[Step]) -> Option<&'a serde_json::Value> {
    let mut cur = doc;
    for s in steps {
        cur = match (s, cur) {
            (Step::Name(n), serde_json::Value::Object(o)) => o.get(n)?,
            (Step::Index(i), serde_json::Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (path, body) = text.split_once('\n').unwrap_or((&text, ""));

    let rfc = jsonpath::to_rfc(path);
    let _ = jsonpath::is_definite(&rfc);
    if let Ok(doc) = serde_json::from_str::<serde_json::Value>(body) {
        let found = jsonpath::query(&doc, path);
        if let Some(steps) = jsonpath::simple_steps(path) {
            let walked = walk(&doc, &steps);
            match &found {
                Ok(PathResult::One(v)) => assert_eq!(
                    *v, walked,
                    "path {path:?}: the renderer's walk ({steps:?}) and the engine disagree"
                ),
                Ok(PathResult::Many(_)) | Ok(PathResult::Length(_)) => panic!(
                    "path {path:?}: the renderer walks it as definite ({steps:?}), the engine does not"
                ),
                Err(e) => panic!(
                    "path {path:?}: the renderer walks it ({steps:?}), the engine refuses it: {e}"
                ),
            }
        }
    }

    let mut vars = serde_json::Map::new();
    vars.insert("p".into(), serde_json::Value::String(path.to_string()));
    let b = vtl::Bindings {
        body: body.to_string(),
        vars,
        ..vtl::Bindings::default()
    };
    let _ = template().render(&b);
});
