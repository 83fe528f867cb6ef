//! The Java oracles of the differential tests (Velocity 1.7, Jayway JsonPath): compiled once per
//! test binary, run once per batch, answering one `STATUS LENGTH\nBODY` record per case.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The class path in `var`; without it the test cannot run, and says what to install.
pub fn classpath(var: &str, install: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: this test needs {install}, run it through scripts/test-all")
    })
}

/// Compiles `tests/support/{class}.java` into a fresh directory of the target's temp dir.
pub fn compile(cp: &str, class: &str, tag: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "{}-{}-{tag}",
        class.to_lowercase(),
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("create oracle dir");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/support/{class}.java"));
    let status = Command::new("javac")
        .arg("-nowarn")
        .arg("-d")
        .arg(&dir)
        .arg("-cp")
        .arg(cp)
        .arg(&src)
        .status()
        .expect("javac must be installed to run the oracle tests");
    assert!(status.success(), "javac failed on {}", src.display());
    dir
}

/// Runs `class` (compiled into `dir`) with `args`, then reads the records it wrote to `output`
/// as (status, body) pairs, and removes `dir`.
pub fn run(
    cp: &str,
    dir: &Path,
    class: &str,
    args: &[&Path],
    output: &Path,
) -> Vec<(String, String)> {
    let out = Command::new("java")
        .arg("-cp")
        .arg(format!("{cp}:{}", dir.display()))
        .arg(class)
        .arg("batch")
        .args(args)
        .arg(output)
        .output()
        .expect("java must be installed to run the oracle tests");
    assert!(
        out.status.success(),
        "the {class} oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = std::fs::read(output).expect("read oracle output");
    let mut records = Vec::new();
    let mut p = 0;
    while p < out.len() {
        let nl = p + out[p..].iter().position(|&c| c == b'\n').expect("header");
        let header = std::str::from_utf8(&out[p..nl]).expect("ascii header");
        let (status, len) = header.split_once(' ').expect("status and length");
        let len: usize = len.parse().expect("length");
        let body = String::from_utf8_lossy(&out[nl + 1..nl + 1 + len]).into_owned();
        records.push((status.to_string(), body));
        p = nl + 1 + len;
    }
    let _ = std::fs::remove_dir_all(dir);
    records
}
