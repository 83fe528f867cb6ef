//! `codegen`: from an `Api`, write every derived artifact.
