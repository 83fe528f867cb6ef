//! The tolerant reader: a document as written, with positions, normalized (intrinsics
//! resolved, Swagger 2.0 converted), and every operation of it listed, even when something in
//! it is wrong. Nothing here validates: the validated [`crate::Api`] is built from a
//! [`Document`] by `lib.rs`, and the lint reads the same [`Document`] to explain documents the
//! `Api` refuses. Only text that does not parse as YAML or JSON at all is refused here.

use indexmap::IndexMap;
use serde_json::Value;

use crate::error::{ErrorKind, SpecError, pointer_push};
use crate::normalize::{self, Normalized};
use crate::source::{self, Positions};
use crate::{ANY_METHOD, HTTP_METHODS};

/// A document read, not yet validated.
#[derive(Debug, Clone)]
pub struct Document {
    pub file: String,
    pub text: String,
    /// The tree as written.
    pub raw: Value,
    /// The tree every later step reads (`normalized.document`), and how it was made from `raw`.
    pub normalized: Normalized,
    pub positions: Positions,
}

/// One method of one resource, as written (nothing checked).
#[derive(Debug, Clone)]
pub struct OperationRef<'a> {
    /// `GET`, ..., or `ANY` for `x-amazon-apigateway-any-method`.
    pub method: String,
    pub path: &'a str,
    /// JSON pointer of the operation object in [`Document::document`].
    pub pointer: String,
    pub value: &'a Value,
    /// The path item's parameters, then the operation's (`$ref`s not followed).
    pub parameters: Vec<&'a Value>,
}

impl Document {
    /// Parse `text` (YAML or JSON; `file` names it in problems), then normalize it with
    /// `params` (`--param` values, for intrinsics). The normalization's problems are in
    /// `normalized.problems`, with pointers into the document as written.
    pub fn read(
        text: &str,
        file: &str,
        params: &IndexMap<String, String>,
    ) -> Result<Document, SpecError> {
        let positions = Positions::index(text);
        let raw = source::parse(text, file).map_err(|mut e| {
            // The parser reports a duplicate at the enclosing map; point at the repeated key.
            if let ErrorKind::DuplicateKey(k) = &e.kind
                && let Some(pos) = positions.duplicate(k)
            {
                e.location.line_col = Some(pos);
            }
            e
        })?;
        let normalized = normalize::normalize(&raw, file, params);
        Ok(Document {
            file: file.to_string(),
            text: text.to_string(),
            raw,
            normalized,
            positions,
        })
    }

    /// The normalized tree.
    pub fn document(&self) -> &Value {
        &self.normalized.document
    }

    /// Line and column in the text of a pointer into [`Document::document`].
    pub fn position(&self, pointer: &str) -> Option<(usize, usize)> {
        self.positions
            .find(&self.normalized.original_pointer(pointer))
    }

    /// Follow a local `$ref` (one step, then chains) in the normalized tree; `v` itself when it
    /// is not a reference or the reference does not resolve.
    pub fn deref<'a>(&'a self, v: &'a Value) -> &'a Value {
        let mut current = v;
        for _ in 0..32 {
            let Some(r) = current.get("$ref").and_then(Value::as_str) else {
                return current;
            };
            match r.strip_prefix('#').and_then(|p| self.document().pointer(p)) {
                Some(next) => current = next,
                None => return current,
            }
        }
        current
    }

    /// Every operation of `paths`, in document order, whatever is wrong inside it.
    pub fn operations(&self) -> Vec<OperationRef<'_>> {
        let mut ops = Vec::new();
        let Some(paths) = self.document().get("paths").and_then(Value::as_object) else {
            return ops;
        };
        for (path, item) in paths {
            let item_pointer = pointer_push("/paths", path);
            let Some(item_map) = self.deref(item).as_object() else {
                continue;
            };
            let shared: Vec<&Value> = item_map
                .get("parameters")
                .and_then(Value::as_array)
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            for (key, op) in item_map {
                let method = if key == ANY_METHOD {
                    "ANY".to_string()
                } else if HTTP_METHODS.contains(&key.as_str()) {
                    key.to_ascii_uppercase()
                } else {
                    continue;
                };
                if !op.is_object() {
                    continue;
                }
                let mut parameters = shared.clone();
                parameters.extend(
                    op.get("parameters")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten(),
                );
                ops.push(OperationRef {
                    method,
                    path,
                    pointer: pointer_push(&item_pointer, key),
                    value: op,
                    parameters,
                });
            }
        }
        ops
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_operation_even_broken_ones() {
        let text = "swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths:\n  /a/{id}:\n    parameters: [{name: id, in: path, required: true, type: string}]\n    get:\n      x-amazon-apigateway-integration: {type: nonsense}\n    x-amazon-apigateway-any-method:\n      responses: {}\n  /b: 3\n";
        let d = Document::read(text, "t.yaml", &IndexMap::new()).expect("parses");
        let ops = d.operations();
        let labels: Vec<String> = ops
            .iter()
            .map(|o| format!("{} {}", o.method, o.path))
            .collect();
        assert_eq!(labels, ["GET /a/{id}", "ANY /a/{id}"]);
        assert_eq!(ops[0].parameters.len(), 1);
        // Converted from Swagger 2.0; positions map back to the lines as written.
        assert!(d.document()["openapi"].is_string());
        assert_eq!(d.position(&ops[0].pointer).map(|p| p.0), Some(6));
        assert!(Document::read("a: [", "t.yaml", &IndexMap::new()).is_err());
    }
}
