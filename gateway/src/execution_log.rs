//! Execution logs (`gateway serve --execution-log`): the lines API Gateway writes to CloudWatch
//! for each request, in its wording (DG "Set up CloudWatch logging"; the lines and their order
//! are those of `test-invoke-method`'s log, LocalStack's AWS-validated `TestInvokeMethod`
//! snapshots and users' captured logs): `Starting execution for request`, `Method request
//! path: {k=v}`, `Endpoint request body after transformations: ...`, `Received response.
//! Status: 200, Integration latency: 3 ms`, `Method completed with status: 200`, ...
//!
//! As on AWS, the stage's `loggingLevel` (`x-deploy-stage`) chooses what is written (`ERROR`:
//! failures only; `OFF`: nothing), and its `dataTraceEnabled` adds the headers and bodies, each
//! cut at 1 KB with ` [TRUNCATED]`; `Authorization` and `x-api-key` values are masked.
//! Collected per request and written in one piece when the response is final, each line as
//! CloudWatch shows it: `<time> (<request id>) <message>`; `Gateway::test_invoke` gives the
//! same messages in test-invoke-method's form ([`TestInvoke`]). tests/execution_log_recorded.rs
//! compares them with AWS-recorded test-invoke-method logs line by line.

use std::sync::Mutex;

/// What a stage logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Level {
    pub info: bool,
    pub data_trace: bool,
    /// The stage's CloudWatch log, with the lines test-invoke-method's log does not have
    /// (`Extended Request Id`, the usage plan's); false for `Gateway::test_invoke`.
    pub cloudwatch: bool,
}

impl Level {
    /// From `x-deploy-stage`: `None` when the stage logs nothing.
    pub fn of(stage: &apidef::DeployStage) -> Option<Level> {
        let info = match stage.logging_level.as_deref() {
            Some("OFF") => return None,
            Some("ERROR") => false,
            _ => true,
        };
        Some(Level {
            info,
            data_trace: stage.data_trace_enabled && info,
            cloudwatch: true,
        })
    }
}

/// One request's lines.
pub(crate) struct ExecLog {
    level: Level,
    lines: Mutex<Vec<String>>,
    /// An `Execution failed ...` line was written.
    failed: std::sync::atomic::AtomicBool,
}

/// AWS cuts logged payloads at 1 KB.
const MAX_LOGGED: usize = 1024;

impl ExecLog {
    pub fn new(level: Level) -> ExecLog {
        ExecLog {
            level,
            lines: Mutex::new(Vec::new()),
            failed: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn push(&self, line: String) {
        self.lines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(line);
    }

    /// An INFO line.
    pub fn info(&self, line: impl FnOnce() -> String) {
        if self.level.info {
            self.push(line());
        }
    }

    /// An INFO line CloudWatch has and test-invoke-method's log does not.
    pub fn cloudwatch(&self, line: impl FnOnce() -> String) {
        if self.level.info && self.level.cloudwatch {
            self.push(line());
        }
    }

    /// A line of request or response data (`dataTraceEnabled`), cut at 1 KB.
    pub fn data(&self, label: &str, value: impl FnOnce() -> String) {
        if self.level.data_trace {
            let mut v = value();
            if v.len() > MAX_LOGGED {
                let mut cut = MAX_LOGGED;
                while !v.is_char_boundary(cut) {
                    cut -= 1;
                }
                v.truncate(cut);
                v.push_str(" [TRUNCATED]");
            }
            self.push(format!("{label}: {v}"));
        }
    }

    /// An ERROR line (written at every level but OFF).
    pub fn error(&self, line: String) {
        self.failed
            .store(true, std::sync::atomic::Ordering::Relaxed);
        self.push(line);
    }

    /// Whether an ERROR line was written: the execution failed, and what answers the client is
    /// the failure's gateway response.
    pub fn failed(&self) -> bool {
        self.failed.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn into_lines(self) -> Vec<String> {
        self.lines.into_inner().unwrap_or_else(|p| p.into_inner())
    }
}

/// Java's `Map.toString()`, as the log prints maps: `{a=1, b=2}`; secrets masked.
pub(crate) fn java_map<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let items: Vec<String> = pairs
        .into_iter()
        .map(|(k, v)| {
            if k.eq_ignore_ascii_case("authorization") || k.eq_ignore_ascii_case("x-api-key") {
                format!("{k}={}", mask(v))
            } else {
                format!("{k}={v}")
            }
        })
        .collect();
    format!("{{{}}}", items.join(", "))
}

/// What `Gateway::test_invoke` answers: `aws apigateway test-invoke-method`'s `status`,
/// `headers`, `body`, `log` and `latency`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestInvoke {
    pub status: u16,
    /// The method response's headers, before the ones every response gets (`Date`,
    /// `x-amzn-RequestId`, ...): test-invoke-method's `headers` have none of those (LocalStack's
    /// AWS-validated snapshots: a MOCK method's are `{"Content-Type": "application/json"}`).
    pub headers: Vec<(String, String)>,
    pub body: bytes::Bytes,
    /// `Execution log for request <id>`, then one `<date> : <message>` line per message, each
    /// ending in a newline.
    pub log: String,
    pub latency_ms: u64,
}

impl TestInvoke {
    /// As the AWS CLI prints the reply: `status`, `body`, `headers`, `multiValueHeaders`,
    /// `log`, `latency`.
    pub fn to_json(&self) -> serde_json::Value {
        let mut headers = serde_json::Map::new();
        let mut multi = serde_json::Map::new();
        for (k, v) in &self.headers {
            headers.insert(k.clone(), v.clone().into());
            match multi
                .entry(k.clone())
                .or_insert_with(|| serde_json::Value::Array(Vec::new()))
            {
                serde_json::Value::Array(a) => a.push(v.clone().into()),
                other => *other = serde_json::Value::Array(vec![v.clone().into()]),
            }
        }
        serde_json::json!({
            "status": self.status,
            "body": String::from_utf8_lossy(&self.body),
            "headers": headers,
            "multiValueHeaders": multi,
            "log": self.log,
            "latency": self.latency_ms,
        })
    }
}

/// test-invoke-method's form of a log: a first line naming the request, then each message
/// after the time as Java's `Date.toString()` prints it in UTC (`Wed Dec 02 15:47:00 UTC
/// 2026 : ...`), every line ending in `\n` (LocalStack's AWS-validated TestInvokeMethod
/// snapshots: the log split at `\n` ends in an empty string).
pub(crate) fn test_invoke_log(
    request_id: &str,
    at: std::time::SystemTime,
    messages: &[String],
) -> String {
    let secs = at
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let date = crate::dates::java(secs);
    let mut log = format!("Execution log for request {request_id}\n");
    for m in messages {
        log.push_str(&date);
        log.push_str(" : ");
        log.push_str(m);
        log.push('\n');
    }
    log
}

/// A secret as AWS logs it: every character but the last 6 replaced by `*`, the length kept
/// (a user's captured CloudWatch log of 2017: the 52-character principal
/// `UkoTIwQiZZsx03SlU9t_y|24u62kim5mn0slhwigdt7v4ybkwef5` logged as 46 `*` and `bkwef5`, and
/// `Authorization=****...afc190` alike). A value of 6 characters or fewer is all `*`: what AWS
/// does then is not known, and showing all of it would not be masking.
pub(crate) fn mask(v: &str) -> String {
    let n = v.chars().count();
    if n <= 6 {
        return "*".repeat(n);
    }
    let mut out = "*".repeat(n - 6);
    out.extend(v.chars().skip(n - 6));
    out
}

/// `2026-12-02T15:47:00.123Z`.
pub(crate) fn timestamp(t: std::time::SystemTime) -> String {
    crate::dates::iso_millis(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_print_as_java_and_mask_secrets() {
        assert_eq!(java_map([]), "{}");
        assert_eq!(
            java_map([("artist", "Rush"), ("x-api-key", "abcdefghij12345")]),
            "{artist=Rush, x-api-key=*********j12345}"
        );
        assert_eq!(
            mask("UkoTIwQiZZsx03SlU9t_y|24u62kim5mn0slhwigdt7v4ybkwef5"),
            format!("{}bkwef5", "*".repeat(46))
        );
        assert_eq!(mask("abc"), "***");
        assert_eq!(mask("ééééééé"), "*éééééé");
    }

    #[test]
    fn levels_follow_the_stage() {
        let mut stage = apidef::DeployStage::default();
        assert_eq!(
            Level::of(&stage),
            Some(Level {
                info: true,
                data_trace: false,
                cloudwatch: true,
            })
        );
        stage.data_trace_enabled = true;
        assert_eq!(
            Level::of(&stage),
            Some(Level {
                info: true,
                data_trace: true,
                cloudwatch: true,
            })
        );
        stage.logging_level = Some("ERROR".into());
        assert_eq!(
            Level::of(&stage),
            Some(Level {
                info: false,
                data_trace: false,
                cloudwatch: true,
            })
        );
        stage.logging_level = Some("OFF".into());
        assert_eq!(Level::of(&stage), None);
    }

    #[test]
    fn the_test_invoke_form_names_the_request_then_dates_every_line() {
        let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_759_174_130);
        let log = test_invoke_log("r-1", at, &["a: 1".into(), "b".into()]);
        assert_eq!(
            log,
            "Execution log for request r-1\nMon Sep 29 19:28:50 UTC 2025 : a: 1\nMon Sep 29 19:28:50 UTC 2025 : b\n"
        );
        // A repeated header: `headers` keeps the last, `multiValueHeaders` every one.
        let reply = TestInvoke {
            status: 200,
            headers: vec![("A".into(), "1".into()), ("A".into(), "2".into())],
            body: bytes::Bytes::from_static(b"{}"),
            log,
            latency_ms: 3,
        };
        let json = reply.to_json();
        assert_eq!(json["headers"], serde_json::json!({"A": "2"}));
        assert_eq!(
            json["multiValueHeaders"],
            serde_json::json!({"A": ["1", "2"]})
        );
        assert_eq!(json["body"], "{}");
        assert_eq!(json["latency"], 3);
    }

    #[test]
    fn data_is_cut_at_one_kilobyte() {
        let log = ExecLog::new(Level {
            info: true,
            data_trace: true,
            cloudwatch: true,
        });
        log.data("Endpoint request body after transformations", || {
            "é".repeat(600)
        });
        let lines = log.into_lines();
        assert!(lines[0].ends_with(" [TRUNCATED]"));
        assert!(lines[0].len() < 1024 + 80);
    }
}
