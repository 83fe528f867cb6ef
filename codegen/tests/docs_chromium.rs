//! `generated/docs/index.html` opened by headless Chromium (Debian's `chromium`, installed by
//! `scripts/test-all`): no console error, and a screenshot written to
//! `target/docs-screenshot.png`.
//!
//! Chromium logs console messages to stderr with `--enable-logging=stderr --v=0` as lines with
//! `CONSOLE` in them; an uncaught exception shows as `Uncaught`. The page has no script, so any
//! such line means something is wrong with it (or a resource it tried to load).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// `chromium` (Debian) or another name for the same browser, first found on `PATH`.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |d| d.join(name)))
        .find(|p| p.is_file())
}

#[test]
#[ignore = "needs chromium: run scripts/test-all"]
fn index_html_renders_in_headless_chromium_without_console_errors() {
    let Some(browser) = chromium() else {
        panic!(
            "chromium is not installed: run scripts/test-all (it installs Debian's chromium), or apt-get install chromium"
        );
    };
    let page = root().join("generated/docs/index.html");
    assert!(page.is_file(), "{} is missing", page.display());
    let target = root().join("target");
    std::fs::create_dir_all(&target).expect("target/");
    let screenshot = target.join("docs-screenshot.png");
    let _ = std::fs::remove_file(&screenshot);
    // A fresh profile for every run, so no state of an earlier run can hide an error.
    let profile = std::env::temp_dir().join(format!("docs-chromium-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&profile);
    let output = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--enable-logging=stderr", "--v=0"])
        .arg(format!("--screenshot={}", screenshot.display()))
        .arg("--window-size=1280,2000")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", browser.display()));
    let _ = std::fs::remove_dir_all(&profile);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "chromium failed ({}):\n{stderr}",
        output.status
    );
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(
        errors.is_empty(),
        "console messages:\n{}",
        errors.join("\n")
    );
    let png = std::fs::read(&screenshot)
        .unwrap_or_else(|e| panic!("no screenshot at {}: {e}\n{stderr}", screenshot.display()));
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "the screenshot is not a PNG"
    );
    assert!(png.len() > 10_000, "the screenshot is suspiciously small");
}
