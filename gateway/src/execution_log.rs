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
//! CloudWatch shows it: `<time> (<request id>) <message>`.

use std::sync::Mutex;

/// What a stage logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Level {
    pub info: bool,
    pub data_trace: bool,
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
        })
    }
}

/// One request's lines.
pub(crate) struct ExecLog {
    level: Level,
    lines: Mutex<Vec<String>>,
}

/// AWS cuts logged payloads at 1 KB.
const MAX_LOGGED: usize = 1024;

impl ExecLog {
    pub fn new(level: Level) -> ExecLog {
        ExecLog {
            level,
            lines: Mutex::new(Vec::new()),
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
        self.push(line);
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
                // AWS keeps the last 6 characters (users' logs: `Authorization=****...d063b3`).
                let tail: String = v
                    .chars()
                    .rev()
                    .take(6)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                format!("{k}=****{tail}")
            } else {
                format!("{k}={v}")
            }
        })
        .collect();
    format!("{{{}}}", items.join(", "))
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
            "{artist=Rush, x-api-key=****j12345}"
        );
    }

    #[test]
    fn levels_follow_the_stage() {
        let mut stage = apidef::DeployStage::default();
        assert_eq!(
            Level::of(&stage),
            Some(Level {
                info: true,
                data_trace: false
            })
        );
        stage.data_trace_enabled = true;
        assert_eq!(
            Level::of(&stage),
            Some(Level {
                info: true,
                data_trace: true
            })
        );
        stage.logging_level = Some("ERROR".into());
        assert_eq!(
            Level::of(&stage),
            Some(Level {
                info: false,
                data_trace: false
            })
        );
        stage.logging_level = Some("OFF".into());
        assert_eq!(Level::of(&stage), None);
    }

    #[test]
    fn data_is_cut_at_one_kilobyte() {
        let log = ExecLog::new(Level {
            info: true,
            data_trace: true,
        });
        log.data("Endpoint request body after transformations", || {
            "é".repeat(600)
        });
        let lines = log.into_lines();
        assert!(lines[0].ends_with(" [TRUNCATED]"));
        assert!(lines[0].len() < 1024 + 80);
    }
}
