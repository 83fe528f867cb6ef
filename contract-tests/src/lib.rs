//! Harness for the generated contract tests: targets (embedded gateway or a base URL).
