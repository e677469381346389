//! Loading the contracts a command runs on: lint errors are printed on stderr and stop the
//! command before it does anything else (exit 2).
//!
//! Each file is read once, by its canonical path (`contracts/ contracts/a.yaml`, `./a.yaml
//! a.yaml` or a symlink name one file), and a contract id declared by two files is an error:
//! history, reports and the catalog are keyed by contract id.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;
use lakegate_contract::{Diagnostic, LoadResult, LoadedContract, Severity, lint};

/// Lints every contract file under `paths`, each file once (the first name it was given by
/// wins), and adds a `duplicate-contract-id` error to every file whose id an earlier file
/// already declared.
pub fn lint_unique(paths: &[PathBuf]) -> (Vec<(PathBuf, LoadResult)>, Vec<Diagnostic>) {
    let (files, discovery) = lint::discover(paths);
    let mut seen = BTreeSet::new();
    let files: Vec<PathBuf> = files
        .into_iter()
        .filter(|f| {
            let key = std::fs::canonicalize(f).unwrap_or_else(|_| f.clone());
            let first = seen.insert(key);
            if !first {
                tracing::debug!("`{}` was given twice: checked once", f.display());
            }
            first
        })
        .collect();
    let (mut results, more) = lint::lint_paths(&files);
    let mut discovery = discovery;
    discovery.extend(more);
    let mut first: BTreeMap<String, String> = BTreeMap::new();
    for (_, r) in &mut results {
        let Some(c) = &r.contract else { continue };
        match first.get(&c.contract.id) {
            None => {
                first.insert(c.contract.id.clone(), c.file.clone());
            }
            Some(earlier) => {
                let pos = c.locate("/id");
                let d = Diagnostic::error(
                    "duplicate-contract-id",
                    &c.file,
                    pos,
                    format!("contract id `{}` is also declared by `{earlier}`", c.contract.id),
                )
                .with_help(
                    "contract ids must be unique across the files of a run (history, reports and the catalog are \
                     keyed by them): give one of the two contracts another id",
                );
                r.diagnostics.push(d);
            }
        }
    }
    (results, discovery)
}

/// The valid contracts under `paths`, or `None` when any file has a lint error (already
/// printed). No contract at all is an error.
pub fn load(paths: &[PathBuf]) -> anyhow::Result<Option<Vec<LoadedContract>>> {
    let (results, discovery) = lint_unique(paths);
    let Some(loaded) = valid(results, discovery)? else {
        writeln!(
            std::io::stderr().lock(),
            "error: invalid contracts: nothing was done (run `lakegate lint` for warnings too)"
        )?;
        return Ok(None);
    };
    if loaded.is_empty() {
        bail!(
            "no contract found in {}",
            paths.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", ")
        );
    }
    Ok(Some(loaded))
}

/// The contracts of lint results, or `None` when any file (or finding the files) has an error;
/// the errors are printed on stderr.
pub fn valid(
    results: Vec<(PathBuf, LoadResult)>,
    discovery: Vec<Diagnostic>,
) -> anyhow::Result<Option<Vec<LoadedContract>>> {
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
    Ok((!invalid).then_some(loaded))
}
