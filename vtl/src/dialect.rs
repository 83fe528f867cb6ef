//! The one table of every behaviour that is uncertain on AWS, with its evidence and the default this
//! engine chose. The README lists the same table (`vtl/README.md`). Where AWS was recorded, we follow
//! it; otherwise Apache Velocity 1.7 (what API Gateway is believed to run) decides.

/// One row of the dialect table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Behaviour {
    /// Short name of the behaviour.
    pub name: &'static str,
    /// What this engine does.
    pub chosen: &'static str,
    /// Why: the evidence (see `docs/evidence/apigateway-semantics.md`, `docs/evidence/dependencies.md`).
    pub evidence: &'static str,
    /// `true` when recorded on real AWS; `false` when it is a documented choice.
    pub aws_recorded: bool,
}

/// `null == ""` is true (Velocity 1.7 says false).
pub const NULL_EQUALS_EMPTY_STRING: bool = true;
/// `#set($x = <null>)` leaves `$x` unchanged (Velocity 1.7; 2.x would set null).
pub const SET_NULL_ASSIGNS: bool = false;
/// What `$input.json(path)` returns when nothing matches.
pub const INPUT_JSON_NO_MATCH: &str = "\"\"";

/// Every AWS-uncertain behaviour, in one place.
pub const TABLE: &[Behaviour] = &[
    Behaviour {
        name: "null and undefined references",
        chosen: "render as the empty string, also `$!x`, method results that are null and `$map.put` on a new key",
        evidence: "AWS-recorded (apigateway-semantics.md 2.2, 8.1, 8.3); stock Velocity prints the literal `$x`",
        aws_recorded: true,
    },
    Behaviour {
        name: "null == \"\"",
        chosen: "true; `null == null` true; `[] == \"\"` and `[] == null` false",
        evidence: "AWS-recorded (8.1 `isNull`/`isEmptyString`); Velocity 1.7 gives false for null == \"\"",
        aws_recorded: true,
    },
    Behaviour {
        name: "$input.body on an empty payload",
        chosen: "`{}`; `$input.body.x` renders empty",
        evidence: "AWS-recorded (8.2)",
        aws_recorded: true,
    },
    Behaviour {
        name: "$input.path rendering",
        chosen: "objects render `{k=v, k2=v2}` (Java Map.toString), arrays compact JSON `[{\"a\":1}]`, also inside maps",
        evidence: "AWS-recorded (8.1)",
        aws_recorded: true,
    },
    Behaviour {
        name: "JSONPath result shape",
        chosen: "Jayway: definite path gives one value or null, indefinite (`..`, `*`, filters, slices, unions) a list; `.length()` supported; `$.a-b` accepted",
        evidence: "DG links Jayway; LocalStack collapses single matches (not followed); dependencies.md 7",
        aws_recorded: false,
    },
    Behaviour {
        name: "JSONPath filters",
        chosen: "`[?(...)]` on an array tests each element, on an object the object itself (Jayway: `$.o[?(@.x)]` gives `[o]`), on a scalar nothing; comparisons follow RFC 9535: a missing member makes `!=` true, a null member exists for `[?(@.x)]`, ordering across types never matches",
        evidence: "Jayway 2.0 oracle (tests/jsonpath_oracle.rs): object filtering agrees; Jayway 2.0 treats a missing member as false for `!=`, a null member as absent, a boolean as equal to any string or number and orders `\"true\" <= true`, later Jayway releases rewrote these evaluators; UNK on AWS",
        aws_recorded: false,
    },
    Behaviour {
        name: "JSONPath name unions",
        chosen: "`$['a','b']` gives the list of the values present, `[1,2]`",
        evidence: "Jayway gives a map of the present members, `{\"a\":1,\"b\":2}` (and 2.0 refuses a name union before the end of a path): a known divergence, rule jayway-multi-property-map of tests/jsonpath_oracle.rs; following it needs owned path results in eval.rs; UNK on AWS",
        aws_recorded: false,
    },
    Behaviour {
        name: "JSONPath Jayway 2.0 limitations",
        chosen: "this engine follows later Jayway and RFC 9535: `[-1]` counts from the end, `.length()` counts (a definite path before it that does not exist gives no match, a scalar null), `[\"name\"]` and `\\'` in quoted names are read, an index or filter meeting the wrong type finds nothing, a member missing after a slice or union is skipped; a dot name with a blank (`$.a b`) is an error, as in Jayway",
        evidence: "the only Jayway packaged for Debian is 2.0.0 (libjsonpath-java), which throws or finds nothing in these cases (rules jayway20-* of tests/jsonpath_oracle.rs); API Gateway's Jayway version is UNK",
        aws_recorded: false,
    },
    Behaviour {
        name: "$input.json string escaping",
        chosen: "`/` written as is; `\"`, `\\`, control characters escaped, non-ASCII kept",
        evidence: "json-smart (Jayway's default provider) writes `/` as `\\/` (rule json-smart-escapes-slash of tests/jsonpath_oracle.rs); UNK on AWS",
        aws_recorded: false,
    },
    Behaviour {
        name: "$input.json with no match / non-JSON body",
        chosen: "the two-character string `\"\"`; $input.path gives null on a non-JSON body",
        evidence: "LocalStack, console-checked per PR #12774 (apigateway-semantics.md 1.1); UNK on AWS",
        aws_recorded: false,
    },
    Behaviour {
        name: "Velocity version",
        chosen: "1.7: `$velocityCount`, `$foreach.index/count/first/last/parent/hasNext`, no `#foreach ... #else`",
        evidence: "AWS never states it; 1.7-only and 2.x-only features both unconfirmed (apigateway-semantics.md 2.1, 12.2)",
        aws_recorded: false,
    },
    Behaviour {
        name: "#set to null",
        chosen: "leaves the variable unchanged (Velocity 1.7 `directive.set.null.allowed=false`)",
        evidence: "UNK on AWS (2.2); the 1.7 jar confirms the choice",
        aws_recorded: false,
    },
    Behaviour {
        name: "truthiness",
        chosen: "1.7: only null and false are false for references (\"\", 0, [] are true); literals, arithmetic and strings written inside #if are false",
        evidence: "Velocity 1.7 jar (dependencies.md 20); 2.x would treat \"\" and 0 as false; UNK on AWS",
        aws_recorded: false,
    },
    Behaviour {
        name: "whitespace gobbling",
        chosen: "Velocity 1.7: directive `)`, `#else`, `#end` eat trailing blanks plus newline; `#set` also eats leading blanks at a token start; `##` eats its newline",
        evidence: "Velocity 1.7 jar, differential corpus; UNK on AWS (2.4)",
        aws_recorded: false,
    },
    Behaviour {
        name: "#foreach iteration limit",
        chosen: "1000 iterations per loop; the 1001st is a render error (500)",
        evidence: "DG limits state 1000; what happens beyond it is UNK (12.11)",
        aws_recorded: false,
    },
    Behaviour {
        name: "template size",
        chosen: "templates over 300 KB are a parse error",
        evidence: "DG known-issues: 300 KB",
        aws_recorded: false,
    },
    Behaviour {
        name: "engine safety caps",
        chosen: "output 10 MB, 1,000,000 #foreach iterations per render, macro/#define depth 20, ranges of 100,000 elements, collections of 1,000,000 elements, 100 levels of nesting: each a clear error",
        evidence: "no AWS evidence; the engine must never hang or exhaust memory (10 MB is the API Gateway payload limit)",
        aws_recorded: false,
    },
    Behaviour {
        name: "$util.escapeJavaScript",
        chosen: "commons-lang 2.6 StringEscapeUtils.escapeJavaScript: `'`->`\\'`, `\"`->`\\\"`, `\\`->`\\\\`, `/`->`\\/`, control and non-ASCII -> `\\uXXXX`",
        evidence: "DG (`'` escaped); AWS's sample simulator uses commons-lang 2.6; `/` and non-ASCII UNK (12.4)",
        aws_recorded: false,
    },
    Behaviour {
        name: "$util.urlEncode / urlDecode",
        chosen: "Java URLEncoder/URLDecoder UTF-8; null argument renders empty; malformed `%` is a render error",
        evidence: "AWS-recorded for encode (8.2); decode errors UNK",
        aws_recorded: true,
    },
    Behaviour {
        name: "$util.base64Decode",
        chosen: "standard alphabet, padding optional, invalid input is a render error; bytes decoded as UTF-8 (lossy)",
        evidence: "DG; leniency UNK",
        aws_recorded: false,
    },
    Behaviour {
        name: "responseOverride.status",
        chosen: "kept as set (Integer or String) in Rendered; Overrides::status_code accepts integers and numeric strings in 100..=599",
        evidence: "LocalStack PRs #11135/#11144 (100..599); strings UNK (12.12)",
        aws_recorded: false,
    },
    Behaviour {
        name: "$input.params(name) lookup",
        chosen: "path, then querystring, then header; case-sensitive; missing renders empty",
        evidence: "DG; header case rules UNK (12.6)",
        aws_recorded: false,
    },
    Behaviour {
        name: "macros",
        chosen: "local to the template, arguments passed by value, a call before the definition is text",
        evidence: "Velocity 1.7 with inline local scope; 1.7 passes reference arguments by name (divergence for side-effecting arguments)",
        aws_recorded: false,
    },
    Behaviour {
        name: "#include, #parse, #evaluate",
        chosen: "parse error",
        evidence: "users report errors on AWS (apigateway-semantics.md 2.3)",
        aws_recorded: false,
    },
    Behaviour {
        name: "Java arrays (String.split)",
        chosen: "render like a list `[a, b]`",
        evidence: "Velocity 1.7 prints `[Ljava.lang.String;@hash`, which is meaningless; iteration and size() agree",
        aws_recorded: false,
    },
    Behaviour {
        name: "integer overflow",
        chosen: "Integer -> Long -> BigInteger promotion as Velocity 1.7 MathUtils; beyond 128 bits a render error",
        evidence: "Velocity 1.7 jar",
        aws_recorded: false,
    },
    Behaviour {
        name: "$input.path results",
        chosen: "all calls share one parsed copy of the body, so a map changed through one result is seen by the next call",
        evidence: "UNK on AWS; no template relies on it, and parsing once keeps large bodies fast",
        aws_recorded: false,
    },
    Behaviour {
        name: "Velocity 1.7 lexer corner cases",
        chosen: "reproduced where seen in the differential corpus: `$a.b## x` prints `## x`, `$a{b}` prints `{`, a lone `$` before a directive vanishes, a template ending in `$`/`#` does not parse, `5 -3` does not parse",
        evidence: "Velocity 1.7 jar (tests/data/corpus); UNK whether AWS patched any of them",
        aws_recorded: false,
    },
    Behaviour {
        name: "text glued after a reference (Velocity 1.7 stale lexer state)",
        chosen: "text, as after any other token: `$s.trim()a.b` prints `a.b`, `$n#* c *#[x` and `$n#set($a = 1)[x` print `[x`, `$n.t#set($a = 1)## c` is a comment, blanks before a later `#set` are kept",
        evidence: "Velocity 1.7 keeps its lexer in reference state after a reference ending in `)`, `]` or `}` (or a comment/#set glued to one), dropping `.b`/`[0]`, failing on `[`, printing `##`: a quirk no template relies on. Deliberate divergence `velocity17-stale-reference-state` (tests/data/divergences.json), applied by the generator comparison; UNK on AWS",
        aws_recorded: false,
    },
    Behaviour {
        name: "$method.request.* and unknown roots",
        chosen: "undefined, so they render empty",
        evidence: "not a documented VTL variable (apigateway-semantics.md 1.5); AWS output UNK (12.1)",
        aws_recorded: false,
    },
];
