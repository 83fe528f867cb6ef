//! `cargo run -p apidef --example check -- FILE...`: load each file and print the result, the way
//! `codegen` reports a broken document.
fn main() {
    let mut failed = false;
    for path in std::env::args().skip(1) {
        match apidef::Api::load(&path) {
            Ok(api) => println!("{path}: OK ({} operations)", api.operations.len()),
            Err(e) => {
                failed = true;
                println!("{e}\n    kind: {:?}", e.kind);
            }
        }
    }
    std::process::exit(i32::from(failed));
}
