//! One test per lint rule: a broken variant of `data/good.yaml` that makes the rule fire,
//! and the good document (plus near misses) where it does not.

use lint::{RULES, Report, lint};

const GOOD: &str = include_str!("data/good.yaml");

/// The PutItem id, escaped as the lint wants.
const ESCAPED_ID: &str = r#"$util.escapeJavaScript($b.id).replaceAll("\\'","'")"#;

fn edit(edits: &[(&str, &str)]) -> String {
    let mut doc = GOOD.to_string();
    for (from, to) in edits {
        assert!(
            doc.contains(from),
            "the fixture no longer contains {from:?}"
        );
        doc = doc.replacen(from, to, 1);
    }
    doc
}

fn rules(r: &Report) -> Vec<&'static str> {
    let mut v: Vec<_> = r.findings.iter().map(|f| f.rule).collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn fires(rule: &str, edits: &[(&str, &str)]) -> Report {
    assert!(RULES.iter().any(|r| r.id == rule), "unknown rule {rule}");
    let report = lint("broken.yaml", &edit(edits));
    assert!(
        rules(&report).contains(&rule),
        "expected {rule}, got {:?}\n{}",
        rules(&report),
        report.human()
    );
    // Every finding names its operation's template position or file position.
    for f in &report.findings {
        assert!(!f.message.is_empty());
    }
    report
}

fn quiet(rule: &str, doc: &str) {
    let report = lint("fine.yaml", doc);
    assert!(
        !rules(&report).contains(&rule),
        "{rule} fired:\n{}",
        report.human()
    );
}

#[test]
fn good_document_has_no_findings() {
    let report = lint("good.yaml", GOOD);
    assert!(report.findings.is_empty(), "{}", report.human());
    assert_eq!(report.errors(), 0);
}

macro_rules! rule_test {
    ($name:ident, $rule:literal, [$(($from:expr, $to:expr)),* $(,)?]) => {
        #[test]
        fn $name() {
            fires($rule, &[$(($from, $to)),*]);
            quiet($rule, GOOD);
        }
    };
}

rule_test!(
    spec_load,
    "spec-load",
    [("statusCode: '204'", "statusCode: '201'")]
);
rule_test!(
    template_parse,
    "template-parse",
    [("#set($b = $input.path('$'))", "#set($b = )")]
);
rule_test!(
    undefined_root,
    "undefined-root",
    [("$input.path('$')", "$inputs.path('$')")]
);
rule_test!(
    appsync_helper,
    "appsync-helper",
    [(ESCAPED_ID, "$util.toJson($b.id)")]
);
rule_test!(
    unknown_method,
    "unknown-method",
    [("$input.path('$')", "$input.pathx('$')")]
);
rule_test!(json_injection, "json-injection", [(ESCAPED_ID, "$b.id")]);
rule_test!(
    escape_quote,
    "escape-quote",
    [(ESCAPED_ID, "$util.escapeJavaScript($b.id)")]
);
rule_test!(
    double_decode,
    "double-decode",
    [(
        "$util.escapeJavaScript($c)",
        "$util.escapeJavaScript($util.urlDecode($input.params('cursor')))"
    )]
);
rule_test!(
    undeclared_field,
    "undeclared-field",
    [("\"$!b.note\" != \"\"", "\"$!b.notes\" != \"\"")]
);
rule_test!(
    invalid_json,
    "invalid-json",
    [(
        "\"TableName\": \"things\", \"Item\"",
        "\"TableName\": \"things\",, \"Item\""
    )]
);
rule_test!(
    response_schema,
    "response-schema",
    [("{\"id\":", "{\"ident\":")]
);
rule_test!(
    no_response_schema,
    "no-response-schema",
    [(
        ", content: {application/json: {schema: {$ref: '#/components/schemas/ThingList'}}}",
        ""
    )]
);
rule_test!(
    body_on_204,
    "body-on-204",
    [("'## stored: no body'", "'{\"stored\":true}'")]
);
rule_test!(
    empty_attribute,
    "empty-attribute",
    [("id: {type: string, minLength: 1}", "id: {type: string}")]
);
rule_test!(
    status_undeclared,
    "status-undeclared",
    [("statusCode: '204'", "statusCode: '201'")]
);
rule_test!(
    pattern_invalid,
    "pattern-invalid",
    [("4\\d{2}:", "'[45\\d{2}':")]
);
rule_test!(
    pattern_unmatchable,
    "pattern-unmatchable",
    [("4\\d{2}:", "4\\\\d{2}:")]
);
rule_test!(
    pattern_overlap,
    "pattern-overlap",
    [("4\\d{2}:", "'[45]\\d{2}':")]
);
rule_test!(
    error_to_success,
    "error-to-success",
    [("4\\d{2}: {statusCode: '400'", "4\\d{2}: {statusCode: '200'")]
);
rule_test!(
    lossy_error,
    "lossy-error",
    [(
        "{\"message\":\"$util.escapeJavaScript($input.path('$.message')).replaceAll(\"\\\\'\",\"'\")\"}\n",
        "{\"message\":\"Bad input!\"}\n"
    )]
);
rule_test!(
    no_default,
    "no-default",
    [
        (
            "          default:\n            statusCode: '500'\n            responseTemplates:\n              application/json: '{\"message\":\"unexpected status\"}'\n",
            ""
        ),
        // DynamoDB's 501-599 now match nothing.
        ("5\\d{2}:", "'500':")
    ]
);
rule_test!(
    passthrough,
    "passthrough",
    [(
        "passthroughBehavior: never",
        "passthroughBehavior: when_no_match"
    )]
);
rule_test!(
    pagination,
    "pagination",
    [("$input.path('$.LastEvaluatedKey')", "\"\"")]
);
rule_test!(
    missing_credentials,
    "missing-credentials",
    [(
        "        credentials: arn:aws:iam::123456789012:role/put\n",
        ""
    )]
);
rule_test!(
    import_refused_required,
    "import-refused",
    [("      required: [message]\n", "      required: []\n")]
);
rule_test!(
    import_refused_header,
    "import-refused",
    [(
        "method.response.header.X-Next:",
        "method.response.header.X-Undeclared:"
    )]
);
rule_test!(
    import_refused_path,
    "import-refused",
    [("/items:", "/it*ems:")]
);
rule_test!(
    model_name,
    "model-name",
    [
        ("    Error:\n", "    Error_1:\n"),
        (
            "'#/components/schemas/Error'",
            "'#/components/schemas/Error_1'"
        )
    ]
);

// Near misses: the patterns the rules must accept.

#[test]
fn json_injection_accepts_escaping_json_and_guards() {
    let doc = edit(&[(ESCAPED_ID, r#"$util.base64Encode($b.id)"#)]);
    quiet("json-injection", &doc);
    // `$input.json` is already JSON: bare is right.
    let doc = edit(&[(&format!("\"{ESCAPED_ID}\""), "$input.json('$.id')")]);
    quiet("json-injection", &doc);
    // Inside `#if($x == 'A' || $x == 'B')` the variable holds one of the literals.
    let doc = edit(&[(
        ESCAPED_ID,
        r#"#set($k = $b.id)#if($k == "A" || $k == "B")$k#end"#,
    )]);
    quiet("json-injection", &doc);
    // A bare number from the request is not inside a string literal.
    let doc = edit(&[(
        "\"Item\": {",
        "\"Limit\": $input.params('cursor').length(), \"Item\": {",
    )]);
    quiet("json-injection", &doc);
}

#[test]
fn json_injection_follows_set_foreach_and_interpolation() {
    let report = fires(
        "json-injection",
        &[(
            ESCAPED_ID,
            r#"#set($x = "pre-$b.id")#foreach($y in [$x])$y#end"#,
        )],
    );
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "json-injection")
        .expect("finding");
    assert_eq!(f.operation.as_deref(), Some("POST /item"));
    assert_eq!(f.template.as_deref(), Some("request application/json"));
    assert_eq!(f.line, Some(2));
    assert!(f.file_line.is_some());
}

#[test]
fn undefined_root_accepts_template_variables() {
    let doc = edit(&[(
        ESCAPED_ID,
        r#"#foreach($v in [1])$velocityCount$foreach.index$v#end"#,
    )]);
    quiet("undefined-root", &doc);
    let r = fires(
        "undefined-root",
        &[("$input.path('$')", "$method.request.body")],
    );
    assert!(r.human().contains("$input.params"));
}

#[test]
fn unknown_method_accepts_every_documented_member() {
    let doc = edit(&[(
        ESCAPED_ID,
        r#"$util.urlEncode($util.urlDecode($util.base64Decode($util.base64Encode($input.json('$.id')))))$util.parseJson('{}')$input.body.length()"#,
    )]);
    quiet("unknown-method", &doc);
    quiet("appsync-helper", &doc);
}

#[test]
fn pattern_rules_accept_disjoint_patterns() {
    let doc = edit(&[("5\\d{2}:", "5\\d{2}|600:")]);
    quiet("pattern-overlap", &doc);
    quiet("pattern-unmatchable", &doc);
}

#[test]
fn passthrough_accepts_upper_case_never() {
    let doc = edit(&[("passthroughBehavior: never", "passthroughBehavior: NEVER")]);
    quiet("passthrough", &doc);
}

#[test]
fn a_document_that_does_not_parse_is_one_finding() {
    let report = lint("x.yaml", "openapi: [");
    assert_eq!(rules(&report), vec!["spec-load"]);
    assert_eq!(report.errors(), 1);
}

#[test]
fn human_output_has_a_caret_snippet() {
    let report = fires("json-injection", &[(ESCAPED_ID, "$b.id")]);
    let text = report.human();
    assert!(text.contains("error[json-injection]"), "{text}");
    assert!(text.contains("--> broken.yaml:"), "{text}");
    assert!(
        text.contains("POST /item, request application/json, template 2:"),
        "{text}"
    );
    assert!(text.contains("^^^^^"), "{text}");
    assert!(text.contains("\"S\": \"$b.id\""), "{text}");
}

#[test]
fn json_injection_sees_bare_splices_unless_checked() {
    fires(
        "json-injection",
        &[(
            "{\"TableName\": \"things\"#if",
            "{\"TableName\": \"things\", \"Limit\": $input.params('cursor')#if",
        )],
    );
    // Checked with a regex first: the author constrained it.
    let doc = edit(&[(
        "{\"TableName\": \"things\"#if",
        "{\"TableName\": \"things\"#if($c.matches('[0-9]{1,3}')), \"Limit\": $c#end#if",
    )]);
    quiet("json-injection", &doc);
}

/// Broken documents never panic the lint: every line of both fixtures deleted in turn, and
/// the good one cut at many byte offsets.
#[test]
fn no_panic_on_mangled_documents() {
    for doc in [GOOD, include_str!("data/seed.yaml")] {
        let lines: Vec<&str> = doc.lines().collect();
        for i in 0..lines.len() {
            let mut l = lines.clone();
            l.remove(i);
            let _ = lint("mangled.yaml", &l.join("\n"));
        }
    }
    for cut in (0..GOOD.len()).step_by(97) {
        if GOOD.is_char_boundary(cut) {
            let _ = lint("cut.yaml", &GOOD[..cut]);
        }
    }
    // Templates full of odd constructs.
    for t in [
        "#foreach($i in [1..50])#foreach($j in [1..50])$i#end#end",
        "#define($d)$input.body#end\"$d\"",
        "#macro(m $a)\"$a\"#end#m($input.path('$.x'))",
        "$input.path('$..x[?(@.a)]').b.c[0].d",
        "${input.params().header.get('x')}\\$escaped",
    ] {
        let doc = edit(&[(ESCAPED_ID, t)]);
        let _ = lint("odd.yaml", &doc);
    }
}

#[test]
fn status_undeclared_sees_response_overrides() {
    let doc = edit(&[(
        "[#foreach($i",
        "#if(\"$!last\" == \"\")#set($context.responseOverride.status = 418)#end[#foreach($i",
    )]);
    let report = lint("teapot.yaml", &doc);
    let f = report
        .findings
        .iter()
        .find(|f| f.rule == "status-undeclared")
        .expect("status-undeclared");
    assert_eq!(
        f.template.as_deref(),
        Some("response 2\\d{2} application/json")
    );
    assert!(f.message.contains("418"), "{}", f.message);
    // A declared one is fine.
    let doc = edit(&[(
        "[#foreach($i",
        "#if(\"$!last\" == \"\")#set($context.responseOverride.status = 400)#end[#foreach($i",
    )]);
    quiet("status-undeclared", &doc);
}

#[test]
fn json_injection_knows_the_user_agent_is_client_data() {
    fires(
        "json-injection",
        &[(ESCAPED_ID, "$context.identity.userAgent")],
    );
    let doc = edit(&[(ESCAPED_ID, "$context.requestId")]);
    quiet("json-injection", &doc);
}

/// The README's rule table lists every rule the lint has.
#[test]
fn readme_lists_every_rule() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("README.md");
    for rule in lint::RULES {
        assert!(
            readme.contains(&format!("| `{}` |", rule.id)),
            "README.md does not list lint rule {}",
            rule.id
        );
    }
}
