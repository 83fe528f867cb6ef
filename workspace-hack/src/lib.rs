//! The workspace-hack crate (the pattern of cargo-hakari, written out by hand): every crate of
//! the workspace depends on it, and it depends on each shared dependency with the union of the
//! features the workspace enables on it. Cargo resolves features per command, for the packages
//! the command selects: without this crate `cargo test --workspace` (which also builds the
//! dev-dependencies' features), `cargo run -p codegen` and `cargo run -p gateway` each asked for
//! a different feature set of tokio-rustls, zerocopy, either, bitflags, ... and rebuilt those
//! and everything above them, our crates included, when run one after another.
//!
//! `scripts/workspace-hack` lists the dependencies whose features still differ between commands
//! (and so belong here); it needs no tool beyond cargo and python3.
