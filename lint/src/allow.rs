//! Per-rule allow and deny: the document's `x-lint` extension (at the root, and inside an
//! operation object) and the command line's [`Config`].
//!
//! ```yaml
//! x-lint:
//!   allow:
//!     - no-default
//!     - {rule: lossy-error, reason: every DynamoDB error is answered by the gateway response}
//! paths:
//!   /items:
//!     get:
//!       x-lint: {allow: [{rule: pagination, reason: the table never exceeds 1 MB}]}
//! ```
//!
//! An allowed finding stays in the report with `allowed: true` and is not counted; `deny`
//! makes a rule's findings errors and overrides every allow. An id that is no rule of
//! [`RULES`] is a `lint-config` error naming it.

use serde_json::Value;

use super::doc::Doc;
use super::{AllowedBy, Config, Finding, RULES, Severity};

/// One allow entry of the document.
struct Entry {
    rule: String,
    reason: Option<String>,
    /// `None`: the root's (every operation and the document itself).
    operation: Option<String>,
}

/// Read the document's `x-lint` entries, reporting malformed ones and unknown rule ids.
fn entries(d: &Doc, out: &mut Vec<Finding>) -> Vec<Entry> {
    let mut all = Vec::new();
    let mut read = |v: &Value,
                    pointer: String,
                    operation: Option<String>,
                    out: &mut Vec<Finding>| {
        let op = operation
            .as_deref()
            .and_then(|l| d.operations.iter().find(|o| o.label == l));
        let Some(list) = v.get("allow").and_then(Value::as_array) else {
            out.push(d.node_finding(
                "lint-config",
                op,
                None,
                &pointer,
                "`x-lint` must be an object whose `allow` is a list of rule ids or `{rule, reason}` objects".into(),
            ));
            return;
        };
        for (i, item) in list.iter().enumerate() {
            let at = format!("{pointer}/allow/{i}");
            let (rule, reason) = match item {
                Value::String(s) => (s.clone(), None),
                Value::Object(m) => match m.get("rule").and_then(Value::as_str) {
                    Some(r) => (
                        r.to_string(),
                        m.get("reason").and_then(Value::as_str).map(str::to_string),
                    ),
                    None => {
                        out.push(d.node_finding(
                            "lint-config",
                            op,
                            None,
                            &at,
                            "an `x-lint` allow entry needs `rule: <id>` (and optionally `reason`)".into(),
                        ));
                        continue;
                    }
                },
                _ => {
                    out.push(
                        d.node_finding(
                            "lint-config",
                            op,
                            None,
                            &at,
                            "an `x-lint` allow entry is a rule id or `{rule: <id>, reason: ...}`"
                                .into(),
                        ),
                    );
                    continue;
                }
            };
            if !known(&rule) {
                out.push(d.node_finding(
                    "lint-config",
                    op,
                    None,
                    &at,
                    unknown_message(&rule, "`x-lint` allows"),
                ));
                continue;
            }
            all.push(Entry {
                rule,
                reason,
                operation: operation.clone(),
            });
        }
    };
    if let Some(v) = d.root.get("x-lint") {
        read(v, "/x-lint".into(), None, out);
    }
    for op in &d.operations {
        if let Some(v) = op.value.get("x-lint") {
            read(
                v,
                format!("{}/x-lint", op.pointer),
                Some(op.label.clone()),
                out,
            );
        }
    }
    all
}

fn known(id: &str) -> bool {
    RULES.iter().any(|r| r.id == id)
}

fn unknown_message(id: &str, what: &str) -> String {
    let close: Vec<&str> = RULES
        .iter()
        .map(|r| r.id)
        .filter(|r| r.starts_with(id.get(..3).unwrap_or(id)) || id.contains(r))
        .collect();
    let hint = if close.is_empty() {
        String::new()
    } else {
        format!(" (did you mean {}?)", close.join(", "))
    };
    format!(
        "{what} `{id}`, which is not a rule of the lint{hint}; `codegen lint` lists every rule id in README.md"
    )
}

/// Apply the document's allows and the command line's allow and deny.
pub(super) fn apply(d: Option<&Doc>, config: &Config, findings: &mut Vec<Finding>) {
    let mut extra = Vec::new();
    for (ids, what) in [
        (&config.allow, "the command line allows"),
        (&config.deny, "the command line denies"),
    ] {
        for id in ids {
            if !known(id) {
                extra.push(Finding {
                    rule: "lint-config",
                    severity: Severity::Error,
                    operation: None,
                    template: None,
                    line: None,
                    column: None,
                    file_line: None,
                    file_column: None,
                    message: unknown_message(id, what),
                    allowed: false,
                    allow_reason: None,
                    allowed_by: None,
                    snippet: None,
                    hostile_only: false,
                });
            }
        }
    }
    let entries = match d {
        Some(d) => entries(d, &mut extra),
        None => Vec::new(),
    };
    findings.append(&mut extra);
    for f in findings.iter_mut() {
        if config.deny.iter().any(|r| r == f.rule) {
            f.severity = Severity::Error;
            continue;
        }
        if config.allow.iter().any(|r| r == f.rule) {
            f.allowed = true;
            f.allowed_by = Some(AllowedBy::Config);
            continue;
        }
        // The operation's own entry first (its reason is the more specific one), then the root's.
        let entry = entries
            .iter()
            .filter(|e| e.rule == f.rule)
            .filter(|e| e.operation.is_none() || e.operation == f.operation)
            .max_by_key(|e| e.operation.is_some());
        if let Some(e) = entry {
            f.allowed = true;
            f.allowed_by = Some(AllowedBy::Document);
            f.allow_reason = e.reason.clone();
        }
    }
}
