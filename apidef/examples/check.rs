//! `cargo run -p apidef --example check -- FILE...`: load each file and print every problem
//! (errors and warnings, each with file:line:column and JSON pointer), the way `codegen`
//! reports a document.
fn main() {
    let mut failed = false;
    for path in std::env::args().skip(1) {
        match apidef::Api::load(&path) {
            Ok(api) => {
                for w in &api.warnings {
                    println!("{w}");
                }
                println!(
                    "{path}: OK ({} operations, {} warnings)",
                    api.operations.len(),
                    api.warnings.len()
                );
            }
            Err(e) => {
                failed = true;
                println!("{e}");
                println!("{path}: {} errors", e.error_count());
            }
        }
    }
    std::process::exit(i32::from(failed));
}
