//! `lakegate lint`: validate contracts and print diagnostics.

use std::io::Write;

use lakegate_contract::{Diagnostic, Severity};
use serde_json::json;

use crate::cli::{LintArgs, LintFormat};

/// Lints the given paths; exit 0 when every file is valid, 2 when any has an error.
pub fn run(args: &LintArgs, quiet: bool) -> anyhow::Result<u8> {
    let (results, discovery) = crate::contracts::lint_unique(&args.paths);
    let mut all: Vec<(Option<&str>, &Diagnostic)> = discovery.iter().map(|d| (None, d)).collect();
    for (_, r) in &results {
        all.extend(r.diagnostics.iter().map(|d| (r.source.as_deref(), d)));
    }
    let errors = all.iter().filter(|(_, d)| d.severity == Severity::Error).count();
    let warnings = all.len() - errors;
    let mut out = crate::stdout::stdout();
    match args.format {
        LintFormat::Text => {
            // -q: errors only (the summary line still counts the warnings).
            for (source, d) in all.iter().filter(|(_, d)| !quiet || d.severity == Severity::Error) {
                writeln!(out, "{}", d.render(*source))?;
            }
            let invalid = results.iter().filter(|(_, r)| r.has_errors()).count();
            writeln!(
                out,
                "lint: {} file(s), {} valid, {} invalid; {} error(s), {} warning(s)",
                results.len(),
                results.len() - invalid,
                invalid,
                errors,
                warnings
            )?;
        }
        LintFormat::Json => {
            let files: Vec<_> = results
                .iter()
                .map(|(path, r)| {
                    json!({
                        "file": path.display().to_string(),
                        "valid": !r.has_errors(),
                        "diagnostics": r.diagnostics,
                    })
                })
                .collect();
            let doc = json!({
                "files": files,
                "diagnostics": discovery,
                "summary": { "files": results.len(), "errors": errors, "warnings": warnings },
            });
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
    }
    if results.is_empty() && discovery.is_empty() {
        tracing::warn!("no contract files found");
    }
    Ok(if errors > 0 { crate::EXIT_INVALID } else { crate::EXIT_OK })
}
