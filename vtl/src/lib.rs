//! `vtl`: API Gateway's dialect of Apache Velocity.
//!
//! Parse a mapping template once with [`Template::parse`], render it many times with
//! [`Template::render`], using Java value semantics and API Gateway's `$input`, `$util`,
//! `$context` and `$stageVariables` bindings.
