//! Property tests: no input makes the engine panic (parse and render), and parse errors always
//! carry a valid line:column.

use proptest::prelude::*;
use vtl::{Bindings, Template};

fn bindings() -> Bindings {
    Bindings {
        body: r#"{"a": [1, {"b": "c"}], "s": "x", "n": 2.5}"#.into(),
        vars: serde_json::from_str(
            r#"{"list": ["p", "q"], "map": {"a": 1}, "n": 5, "s": "Hello"}"#,
        )
        .expect("vars"),
        ..Bindings::default()
    }
}

fn check(src: &str) {
    match Template::parse(src) {
        Ok(t) => {
            let _ = t.render(&bindings());
        }
        Err(e) => {
            assert!(e.line() >= 1 && e.column() >= 1);
            assert!(
                e.line() <= src.lines().count().max(1) + 1,
                "{e} for {src:?}"
            );
        }
    }
}

const TOKENS: &[&str] = &[
    "$",
    "#",
    "\\",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "!",
    ".",
    ",",
    ":",
    "=",
    "'",
    "\"",
    "\n",
    " ",
    "$a",
    "$!b",
    "${c}",
    "$list",
    "$map",
    "$n",
    "$s",
    "$input",
    "$util",
    "$context",
    "$foreach",
    ".size()",
    ".get(0)",
    ".a",
    "[0]",
    "['a']",
    ".path('$.a')",
    ".json('$')",
    ".params('x')",
    ".escapeJavaScript($s)",
    ".parseJson('{}')",
    ".urlDecode('%')",
    ".base64Decode('@')",
    ".replaceAll('(', 'x')",
    ".matches('[')",
    ".substring(9)",
    ".split('')",
    "#set(",
    "#if(",
    "#elseif(",
    "#else",
    "#end",
    "#foreach(",
    "#break",
    "#stop",
    "#define(",
    "#macro(",
    "#m(",
    "#{end}",
    "##",
    "#*",
    "*#",
    "#[[",
    "]]#",
    " in ",
    "..",
    "1",
    "-1",
    "2.5",
    "2147483647",
    "true",
    "false",
    "&&",
    "||",
    "==",
    "!=",
    "<",
    ">=",
    " and ",
    " not ",
    "+",
    "-",
    "*",
    "/",
    "%",
    "é",
    "😀",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn random_token_soup_never_panics(tokens in prop::collection::vec(prop::sample::select(TOKENS), 0..60)) {
        check(&tokens.concat());
    }

    #[test]
    fn random_well_formed_templates_never_panic(
        parts in prop::collection::vec((
            prop::sample::select(vec!["$list", "$map", "$n", "$s", "$input.path('$.a')", "$nosuch", "[1..3]", "{'k': $n}", "$util.parseJson($input.body)"]),
            prop::sample::select(vec!["", ".size()", ".get(0)", ".a", "[0]", ".toString()", ".keySet()", ".length()"]),
            prop::sample::select(vec!["+", "-", "*", "/", "%", "==", "<", "&&"]),
            prop::sample::select(vec!["#set($x = A)$x", "#if(A)y#{else}n#end", "#foreach($i in A)$i,#end", "[A]", "#macro(m $p)$p#end#m(A)"]),
        ), 1..8)
    ) {
        let mut src = String::new();
        for (root, tail, op, shape) in parts {
            let expr = format!("{root}{tail} {op} {root}");
            src.push_str(&shape.replace('A', &expr).replace("[A]", &format!("{root}{tail}")));
        }
        check(&src);
    }
}
