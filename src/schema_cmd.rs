//! `lakegate schema`: the JSON Schema of the contract format, for editors.

use std::io::Write;

use crate::cli::SchemaArgs;

/// Prints the schema on stdout.
pub fn run(_args: &SchemaArgs) -> anyhow::Result<u8> {
    let schema = lakegate_contract::json_schema();
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &schema)?;
    writeln!(out)?;
    Ok(crate::EXIT_OK)
}
