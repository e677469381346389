//! Linting files and folders of contracts.

use std::path::{Path, PathBuf};

use crate::diagnostic::Diagnostic;
use crate::load::{LoadResult, load_file};

/// File name suffixes read as contracts when a folder is given.
pub const CONTRACT_SUFFIXES: [&str; 4] = [".odcs.yaml", ".odcs.yml", ".yaml", ".yml"];

/// Expands files and folders (recursively, sorted) into the contract files to read.
/// A path that does not exist is reported as a diagnostic.
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diags = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut files, &mut diags);
        } else if p.exists() {
            files.push(p.clone());
        } else {
            let shown = p.display().to_string();
            diags.push(
                Diagnostic::file_error("io-error", &shown, format!("`{shown}` does not exist"))
                    .with_help("give contract files or folders that hold them"),
            );
        }
    }
    (files, diags)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, diags: &mut Vec<Diagnostic>) {
    let mut entries = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(Result::ok).map(|e| e.path()).collect::<Vec<_>>(),
        Err(e) => {
            let shown = dir.display().to_string();
            diags.push(Diagnostic::file_error("io-error", &shown, format!("cannot read folder `{shown}`: {e}")));
            return;
        }
    };
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(&path, files, diags);
        } else if CONTRACT_SUFFIXES.iter().any(|s| name.ends_with(s)) {
            files.push(path);
        }
    }
}

/// Loads every contract under `paths`: one result per file, plus discovery problems.
pub fn lint_paths(paths: &[PathBuf]) -> (Vec<(PathBuf, LoadResult)>, Vec<Diagnostic>) {
    let (files, diags) = discover(paths);
    // Files are independent: parsed on all cores, reported in discovery order.
    use rayon::prelude::*;
    let results = files.into_par_iter().map(|f| {
        let r = load_file(&f);
        (f, r)
    });
    (results.collect(), diags)
}
