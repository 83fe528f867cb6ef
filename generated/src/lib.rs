//! Written by `codegen` from `openapi.yaml`. Do not edit by hand.
//!
//! [`models`]: a type for every schema; [`client`]: a typed async client with one method per operation.

pub mod client;
pub mod models;

pub use client::{Client, Error};
