//! Differential tests against Apache Velocity 1.7 (the Debian `velocity` jar), run through the Java
//! harness in tests/support/VelocityOracle.java with API Gateway's null-renders-empty rule.
//!
//! - `corpus_matches_velocity_17`: every template of tests/data/corpus/*.vtl must render byte for
//!   byte like Velocity 1.7 (or both must fail), except the deliberate divergences listed with
//!   their reasons in tests/data/divergences.json.
//! - `generated_templates_match_velocity_17`: a grammar-based generator produces random templates
//!   (fixed seed) that are compared in one JVM run; every mismatch must be explained by a named
//!   `generator_rule` of tests/data/divergences.json (checked mechanically), with no tolerated count.
//!
//! Both need `VELOCITY_CLASSPATH` (the project's test command sets it) and are `#[ignore]`d
//! otherwise, so a plain `cargo test` stays green without Java.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use vtl::{Bindings, Template};

const SEP: &str = "\n====\n";

#[path = "support/oracle.rs"]
mod oracle;

fn classpath() -> String {
    oracle::classpath(
        "VELOCITY_CLASSPATH",
        "Apache Velocity 1.7 (apt-get install velocity libcommons-lang-java \
         libcommons-collections3-java)",
    )
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Ok(String),
    Err,
}

/// Renders all templates in one JVM run.
fn velocity(templates: &[String], vars: &str, tag: &str) -> Vec<Outcome> {
    let cp = classpath();
    let dir = oracle::compile(&cp, "VelocityOracle", tag);
    let input = dir.join("in.bin");
    let output = dir.join("out.bin");
    let vars_file = dir.join("vars.json");
    std::fs::write(&vars_file, vars).expect("write vars");
    let mut buf = Vec::new();
    for t in templates {
        buf.extend_from_slice(format!("{}\n", t.len()).as_bytes());
        buf.extend_from_slice(t.as_bytes());
    }
    std::fs::write(&input, buf).expect("write input");
    let results: Vec<Outcome> =
        oracle::run(&cp, &dir, "VelocityOracle", &[&vars_file, &input], &output)
            .into_iter()
            .map(|(status, body)| {
                if status == "OK" {
                    Outcome::Ok(body)
                } else {
                    Outcome::Err
                }
            })
            .collect();
    assert_eq!(
        results.len(),
        templates.len(),
        "oracle answered every template"
    );
    results
}

fn bindings(vars: &str) -> Bindings {
    Bindings {
        vars: serde_json::from_str(vars).expect("vars.json is an object"),
        ..Bindings::default()
    }
}

fn rust(t: &str, b: &Bindings, velocity17_equality: bool) -> Outcome {
    match Template::parse(t) {
        Err(_) => Outcome::Err,
        Ok(t) => {
            let r = if velocity17_equality {
                t.render_velocity17_equality(b)
            } else {
                t.render(b)
            };
            match r {
                Ok(r) => Outcome::Ok(r.output),
                Err(_) => Outcome::Err,
            }
        }
    }
}

fn data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(p)
}

#[test]
#[ignore = "needs Apache Velocity 1.7: run scripts/test-all"]
fn corpus_matches_velocity_17() {
    let vars = std::fs::read_to_string(data("corpus/vars.json")).expect("vars.json");
    let mut files: Vec<PathBuf> = std::fs::read_dir(data("corpus"))
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "vtl"))
        .collect();
    files.sort();
    let mut templates = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("corpus file");
        templates.extend(text.split(SEP).map(str::to_string));
    }
    assert!(
        templates.len() >= 300,
        "corpus has {} templates",
        templates.len()
    );
    let divergences: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(data("divergences.json")).expect("file"))
            .expect("divergences.json");
    let java = velocity(&templates, &vars, "corpus");
    let b = bindings(&vars);
    let mut failures = Vec::new();
    let mut divergent = 0;
    for (t, j) in templates.iter().zip(java) {
        let r = rust(t, &b, false);
        let listed = divergences
            .iter()
            .find(|d| d["template"].as_str() == Some(t.as_str()));
        match listed {
            Some(d) => {
                divergent += 1;
                assert!(
                    d["reason"].as_str().is_some_and(|r| !r.is_empty()),
                    "divergence without a reason: {t:?}"
                );
                let expected = match d["rust"].as_str() {
                    Some("error") => Outcome::Err,
                    Some(s) => Outcome::Ok(s.to_string()),
                    None => panic!("divergence without \"rust\": {t:?}"),
                };
                if r != expected {
                    failures.push(format!("{t:?}: listed divergence now renders {r:?}"));
                }
                if r == j {
                    failures.push(format!("{t:?}: listed as divergent but matches Velocity"));
                }
            }
            None => {
                if r != j {
                    failures.push(format!("{t:?}:\n  velocity {j:?}\n  rust     {r:?}"));
                }
            }
        }
    }
    eprintln!(
        "compared {} corpus templates with Velocity 1.7, {divergent} listed divergences",
        templates.len()
    );
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

// ---- grammar-based generator -------------------------------------------------------------

fn var_name() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "n", "s", "list", "map", "nums", "t", "f", "d", "x", "y", "nosuch",
    ])
    .prop_map(str::to_string)
}

fn reference() -> impl Strategy<Value = String> {
    let tail = prop::sample::select(vec![
        "",
        "",
        "",
        ".a",
        ".b",
        ".size()",
        ".length()",
        ".toUpperCase()",
        ".get(0)",
        ".get('a')",
        ".isEmpty()",
        ".contains('p')",
        "[0]",
        "['b']",
        ".keySet()",
        ".substring(1)",
        ".trim()",
        ".toString()",
        ".empty",
        ".hasNext",
        ".index",
    ]);
    (
        var_name(),
        prop::sample::select(vec!["$", "$", "$!", "${", "$!{"]),
        tail,
    )
        .prop_map(|(v, pre, tail)| {
            if pre.ends_with('{') {
                format!("{pre}{v}{tail}}}")
            } else {
                format!("{pre}{v}{tail}")
            }
        })
}

fn literal() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "0",
        "1",
        "2",
        "7",
        "-3",
        "2147483647",
        "1.5",
        "0.1",
        "2.0",
        "'abc'",
        "\"q\"",
        "'p'",
        "true",
        "false",
        "[]",
        "[1, 2]",
        "['p', 'q']",
        "{}",
        "{'a': 1}",
        "[1..3]",
        "\"x$n\"",
        "'$n'",
    ])
    .prop_map(str::to_string)
}

fn expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![reference(), literal(), reference()];
    leaf.prop_recursive(3, 12, 2, |inner| {
        let op = prop::sample::select(vec![
            "+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "&&", "||", "and", "or",
            "eq", "ne", "lt", "gt",
        ]);
        prop_oneof![
            (inner.clone(), op, inner.clone()).prop_map(|(a, o, b)| format!("{a} {o} {b}")),
            inner.clone().prop_map(|a| format!("!{a}")),
            inner.prop_map(|a| format!("({a})")),
        ]
    })
}

fn text() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        // No `{` or `(`: right after a reference they hit Velocity 1.7 lexer quirks
        // (`$a{b` fails to parse, `$a.b(` depends on what follows) that the corpus covers.
        "a", " ", "\n", "x y", "  ", "\t", ",", "}", "\"", ":", "[", "]", "\n  ", ")", ".", "-",
        "=", " {", " (",
    ])
    .prop_map(str::to_string)
}

fn block() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        4 => text(),
        4 => reference(),
        2 => (var_name(), expr()).prop_map(|(v, e)| format!("#set(${v} = {e})")),
        1 => (prop::sample::select(vec!["", "  ", "\n", "\t"]), var_name(), expr(), prop::sample::select(vec!["", "\n", "  \n", " "]))
            .prop_map(|(pre, v, e, post)| format!("{pre}#set(${v} = {e}){post}")),
        1 => Just("## c\n".to_string()),
        1 => Just("#* c *#".to_string()),
        1 => reference().prop_map(|r| format!("\\{r}")),
        1 => Just("$velocityCount".to_string()),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        let body = prop::collection::vec(inner, 0..4).prop_map(|v| v.concat());
        let nl = prop::sample::select(vec!["", "\n", "  \n", " "]);
        prop_oneof![
            (expr(), body.clone(), nl.clone())
                .prop_map(|(c, b, nl)| format!("#if({c}){nl}{b}#end{nl}")),
            (expr(), body.clone(), body.clone(), nl.clone())
                .prop_map(|(c, a, b, nl)| format!("#if({c}){nl}{a}#else{nl}{b}#end")),
            (expr(), body.clone(), expr(), body.clone(), body.clone()).prop_map(
                |(c, a, c2, b, e)| format!("#if({c}){a}#elseif({c2}){b}#{{else}}{e}#end")
            ),
            (
                prop::sample::select(vec![
                    "$list",
                    "$nums",
                    "[1..3]",
                    "$map",
                    "[]",
                    "$nosuch",
                    "['a', 'b']"
                ]),
                body.clone(),
                nl.clone()
            )
                .prop_map(|(it, b, nl)| format!(
                    "#foreach($i in {it}){nl}$i{b}#if($foreach.hasNext),#end#end{nl}"
                )),
            (body.clone(), expr())
                .prop_map(|(b, c)| format!("#foreach($i in [1..4])#if({c})#break#end{b}#end")),
            body.prop_map(|b| format!("#define($dd){b}#end$dd$dd")),
        ]
    })
}

/// Macros are defined at top level only: Velocity 1.7 with inline-local macros handles definitions
/// nested in other blocks and redefinitions in ways no real template relies on.
fn template() -> impl Strategy<Value = String> {
    let macro_def = prop::collection::vec(block(), 0..3)
        .prop_map(|b| format!("#macro(mm $p)[$p]{}#end", b.concat()));
    let call = prop_oneof![literal(), reference()].prop_map(|a| format!("#mm({a})"));
    (
        prop::option::of(macro_def),
        prop::collection::vec(prop_oneof![4 => block(), 1 => call], 1..6),
    )
        .prop_map(|(m, v)| format!("{}{}", m.unwrap_or_default(), v.concat()))
}

/// A rule of tests/data/divergences.json that the generator comparison applies by category.
fn generator_rule<'a>(divergences: &'a [serde_json::Value], name: &str) -> &'a serde_json::Value {
    let rule = divergences
        .iter()
        .find(|d| d["generator_rule"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("divergences.json has no generator_rule {name:?}"));
    assert!(
        rule["reason"].as_str().is_some_and(|r| !r.is_empty()),
        "generator_rule {name:?} without a reason"
    );
    rule
}

/// The rule `velocity17-stale-reference-state`: Velocity 1.7's lexer does not leave reference
/// state after a reference ending in `)`, `]` or `}`, or after a `#*...*#` comment, so text glued
/// right after it (`a.b`, `[`, `##`, blanks before `#set`) is lexed as reference syntax. Inserting
/// an empty `#if(false)#{end}` at each such point resets the 1.7 lexer and prints nothing: a
/// template is explained by the rule when Velocity renders the separated template exactly as this
/// engine renders the original (and this engine renders both alike).
fn separate_glued_text(t: &str) -> String {
    let b = t.as_bytes();
    let mut out = String::with_capacity(t.len() + 32);
    let mut last = 0;
    for i in 0..b.len() {
        let closes =
            matches!(b[i], b')' | b']' | b'}') || (b[i] == b'#' && i > 0 && b[i - 1] == b'*');
        if !closes {
            continue;
        }
        let glued = match b.get(i + 1) {
            Some(c) if c.is_ascii_alphabetic() || matches!(c, b'_' | b'[' | b'.') => true,
            Some(b'#') => b.get(i + 2) == Some(&b'#'),
            _ => false,
        };
        if glued {
            out.push_str(&t[last..=i]);
            out.push_str("#if(false)#{end}");
            last = i + 1;
        }
    }
    out.push_str(&t[last..]);
    out
}

#[test]
fn separate_glued_text_inserts_only_at_glued_points() {
    assert_eq!(
        separate_glued_text("$s.trim()a.b #* c *#[x ${n} $n.t#set($a = 1)## c"),
        "$s.trim()#if(false)#{end}a.b #* c *##if(false)#{end}[x ${n} $n.t#set($a = 1)#if(false)#{end}## c"
    );
    assert_eq!(
        separate_glued_text("$a $b.c() (x) [1]"),
        "$a $b.c() (x) [1]"
    );
}

#[test]
#[ignore = "needs Apache Velocity 1.7: run scripts/test-all"]
fn generated_templates_match_velocity_17() {
    // At least 2000 in CI (issue acceptance); every mismatch must be explained by a named rule.
    const CASES: usize = 2500;
    let vars = std::fs::read_to_string(data("corpus/vars.json")).expect("vars.json");
    let divergences: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(data("divergences.json")).expect("file"))
            .expect("divergences.json");
    generator_rule(&divergences, "api-gateway-null-equals-empty");
    generator_rule(&divergences, "velocity17-stale-reference-state");
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &[7; 32]),
    );
    let strategy = template();
    let templates: Vec<String> = (0..CASES)
        .map(|_| {
            strategy
                .new_tree(&mut runner)
                .expect("generate a template")
                .current()
        })
        .collect();
    let java = velocity(&templates, &vars, "generated");
    let b = bindings(&vars);
    let mut unexplained = Vec::new();
    let mut null_equals_empty = 0;
    for (t, j) in templates.iter().zip(java) {
        let r = rust(t, &b, false);
        if r == j {
            continue;
        }
        // Rule api-gateway-null-equals-empty: API Gateway's null == "" (AWS-recorded).
        if rust(t, &b, true) == j {
            null_equals_empty += 1;
            continue;
        }
        unexplained.push(t.clone());
    }
    // Rule velocity17-stale-reference-state, checked in a second JVM run.
    let separated: Vec<String> = unexplained.iter().map(|t| separate_glued_text(t)).collect();
    let java_separated = if separated.is_empty() {
        Vec::new()
    } else {
        velocity(&separated, &vars, "generated-separated")
    };
    let mut stale_reference_state = Vec::new();
    let mut failures = Vec::new();
    for ((t, s), js) in unexplained.iter().zip(&separated).zip(java_separated) {
        let r = rust(t, &b, false);
        let explained = s != t && rust(s, &b, false) == r && (r == js || rust(t, &b, true) == js);
        if explained {
            stale_reference_state.push(t.clone());
        } else {
            failures.push(t.clone());
        }
    }
    eprintln!(
        "compared {CASES} generated templates with Velocity 1.7: {null_equals_empty} differ only by \
         rule api-gateway-null-equals-empty, {} only by rule velocity17-stale-reference-state, {} unexplained",
        stale_reference_state.len(),
        failures.len()
    );
    if let Ok(dump) = std::env::var("VTL_DIFF_DUMP") {
        let _ = std::fs::write(dump, failures.join(SEP));
    }
    let total = failures.len();
    failures.truncate(20);
    assert!(
        total == 0,
        "{total} generated templates differ from Velocity 1.7 without a rule of divergences.json \
         (first 20; minimise them and fix the engine or add a named rule):\n{}",
        failures.join(SEP)
    );
}
