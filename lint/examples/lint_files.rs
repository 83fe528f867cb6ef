//! Lint the documents named on the command line and print the findings (human format):
//! `cargo run -p lint --example lint_files -- corpus/*/api.yaml`.

fn main() {
    let mut failed = false;
    for path in std::env::args().skip(1) {
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let report = lint::lint(&path, &text);
                print!("{}", report.human());
                failed |= report.errors() > 0;
            }
            Err(e) => {
                eprintln!("{path}: {e}");
                failed = true;
            }
        }
    }
    std::process::exit(i32::from(failed));
}
