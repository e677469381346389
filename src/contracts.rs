//! Loading the contracts a command runs on: lint errors are printed on stderr and stop the
//! command before it does anything else (exit 2).

use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;
use lakegate_contract::{LoadedContract, Severity, lint};

/// The valid contracts under `paths`, or `None` when any file has a lint error (already
/// printed). No contract at all is an error.
pub fn load(paths: &[PathBuf]) -> anyhow::Result<Option<Vec<LoadedContract>>> {
    let (results, discovery) = lint::lint_paths(paths);
    let mut err = std::io::stderr().lock();
    let mut invalid = !discovery.is_empty();
    for d in &discovery {
        write!(err, "{}", d.render(None))?;
    }
    let mut loaded = Vec::new();
    for (_, r) in results {
        let errors: Vec<_> = r.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
        if !errors.is_empty() {
            invalid = true;
            for d in errors {
                writeln!(err, "{}", d.render(r.source.as_deref()))?;
            }
        } else if let Some(c) = r.contract {
            loaded.push(c);
        }
    }
    if invalid {
        writeln!(err, "error: invalid contracts: nothing was done (run `lakegate lint` for warnings too)")?;
        return Ok(None);
    }
    if loaded.is_empty() {
        bail!(
            "no contract found in {}",
            paths.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(Some(loaded))
}
