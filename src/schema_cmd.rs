//! `lakegate schema`: the JSON Schema of the contract format, for editors.

use std::io::Write;

use crate::cli::SchemaArgs;

/// Prints the schema on stdout.
pub fn run(args: &SchemaArgs) -> anyhow::Result<u8> {
    let schema = if args.report {
        let mut s = serde_json::to_value(schemars::schema_for!(lakegate_core::RunResult))?;
        if let Some(o) = s.as_object_mut() {
            o.insert(
                "title".into(),
                format!("lakegate JSON report, reportVersion {}", lakegate_core::REPORT_VERSION).into(),
            );
        }
        s
    } else {
        lakegate_contract::json_schema()
    };
    let mut out = crate::stdout::stdout();
    serde_json::to_writer_pretty(&mut out, &schema)?;
    writeln!(out)?;
    Ok(crate::EXIT_OK)
}
