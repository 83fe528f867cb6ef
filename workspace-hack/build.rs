// Empty: a build script only so that [build-dependencies] (the host side: build scripts and
// procedural macros) unify their features too.
fn main() {}
