//! Written by `codegen` from `openapi.yaml`. Do not edit by hand.
