//! The ODCS v3 contract model of lakegate: loading with source locations, strict
//! validation with compiler-style diagnostics, and the JSON Schema of what lakegate accepts.

pub mod custom;
pub mod diagnostic;
pub mod either;
pub mod lakegate;
pub mod lint;
pub mod load;
pub mod model;
pub mod operators;
pub mod physical;
pub mod servers;
pub mod spans;
pub mod sql;
pub mod structure;
pub mod units;
pub mod validate;
pub mod vars;
pub mod versions;

pub use diagnostic::{Diagnostic, Severity};
pub use load::{LoadResult, LoadedContract, load_bytes, load_file, load_str};
pub use model::Contract;

/// The JSON Schema (draft 2020-12) of the contract documents lakegate accepts.
pub fn json_schema() -> serde_json::Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(Contract)).unwrap_or_default();
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("title".into(), "lakegate data contract (ODCS v3.0.0 - v3.2.0)".into());
        obj.insert(
            "description".into(),
            "Open Data Contract Standard v3 as read by lakegate; generated from lakegate's Rust model.".into(),
        );
    }
    schema
}
