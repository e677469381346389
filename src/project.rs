//! The project file, `.lakegate.yaml`: settings declared once for every contract of a project.
//! It declares the data roots: the folders that paths written in contracts (server paths) may
//! point into, so that a pull request cannot make CI read `/etc`; and the engine that reads
//! the project's files (`polars` or a Spark Connect URL), below `--engine` and
//! `LAKEGATE_ENGINE`.
//!
//! ```yaml
//! # .lakegate.yaml, at the root of the repository
//! roots: [../shared-lake, /mnt/lake]   # relative to this file's folder
//! engine: sc://spark.internal:15002    # the contracts' files are read on this Spark cluster
//! ```
//!
//! The nearest `.lakegate.yaml` above a contract, up to the top of its git repository (else
//! above the current directory), is its project file; its folder and its `roots` are the contract's data roots. Without a project
//! file the roots are the current directory and the contract's own folder. `--root DIR`
//! (repeatable) adds a root. Paths typed on the command line (`--data`, contract paths) are
//! the user's own and never checked.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

/// The project file's name (hidden, so that a folder of contracts never reads it as one).
pub const PROJECT_FILE: &str = ".lakegate.yaml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectFile {
    /// Extra data roots, relative to the file's folder.
    #[serde(default)]
    roots: Vec<PathBuf>,
    /// The engine for the project's files: `polars` or `sc://host:port`.
    #[serde(default)]
    engine: Option<String>,
}

/// What a project file declares, resolved.
#[derive(Clone, Default)]
struct Project {
    /// Its folder and its `roots`.
    roots: Vec<PathBuf>,
    /// Its `engine`.
    engine: Option<String>,
}

/// Data roots by contract, with the project files read once.
pub struct Roots {
    cwd: PathBuf,
    extra: Vec<PathBuf>,
    /// Project file (None: none found) -> what it declares.
    projects: BTreeMap<Option<PathBuf>, Project>,
}

/// The nearest project file at or above `dir`, searched up to the top of the git repository
/// holding `dir` (a `.lakegate.yaml` in a home folder never governs the repositories below it).
/// The project file of a contract in `dir`: in a git repository, only the `.lakegate.yaml` at
/// its top (where `.git` is); outside one, the top-most `.lakegate.yaml` above `dir`. Never one
/// nearer the contract: a pull request that adds a project file next to its contract (or
/// anywhere below the top) must not grant that contract new roots; the one at the top is a
/// single, well-known file that a review (or CODEOWNERS) watches.
fn find(dir: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(dir).ok()?;
    if let Some(top) = abs.ancestors().find(|d| d.join(".git").exists()) {
        let f = top.join(PROJECT_FILE);
        return f.is_file().then_some(f);
    }
    abs.ancestors().map(|d| d.join(PROJECT_FILE)).filter(|f| f.is_file()).last()
}

fn read(file: &Path) -> anyhow::Result<Project> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read `{}`", file.display()))?;
    let parsed: ProjectFile = if text.trim().is_empty() {
        ProjectFile { roots: Vec::new(), engine: None }
    } else {
        match serde_yaml::from_str(&text) {
            Ok(p) => p,
            Err(e) => {
                let at = e.location().map(|l| format!(":{}:{}", l.line(), l.column())).unwrap_or_default();
                bail!(
                    "{}{at}: {e} (the project file holds `roots: [DIR, ...]`, folders relative to it, and \
                     `engine: polars` or `engine: sc://host:15002`)",
                    file.display()
                );
            }
        }
    };
    let dir = file.parent().unwrap_or(Path::new("/"));
    let mut roots = vec![dir.to_path_buf()];
    for r in parsed.roots {
        let r = if r.is_absolute() { r } else { dir.join(r) };
        if !r.is_dir() {
            tracing::warn!("{}: data root `{}` is not a folder", file.display(), r.display());
        }
        roots.push(r);
    }
    let engine = parsed.engine.map(|e| e.trim().to_owned());
    if let Some(e) = &engine
        && e != "polars"
        && !e.starts_with("sc://")
    {
        let line = text.lines().position(|l| l.trim_start().starts_with("engine:")).map(|i| i + 1).unwrap_or(1);
        bail!(
            "{}:{line}: `engine: {e}` is not an engine: `polars` or a Spark Connect URL (sc://host:15002)",
            file.display()
        );
    }
    Ok(Project { roots, engine })
}

impl Roots {
    /// `extra`: the `--root` folders.
    pub fn new(extra: &[PathBuf]) -> anyhow::Result<Roots> {
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        Ok(Roots { cwd, extra: extra.to_vec(), projects: BTreeMap::new() })
    }

    /// The project file of the contract in `contract_file` (read once), and what it declares.
    fn project(&mut self, contract_file: &Path) -> anyhow::Result<(Option<PathBuf>, Project)> {
        let contract_dir = contract_file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let project = find(contract_dir).or_else(|| find(&self.cwd));
        let declared = match self.projects.get(&project) {
            Some(r) => r.clone(),
            None => {
                let r = match &project {
                    Some(f) => read(f)?,
                    None => Project::default(),
                };
                self.projects.insert(project.clone(), r.clone());
                r
            }
        };
        Ok((project, declared))
    }

    /// The engine the project file of `contract_file` names for its files (`engine:`), with the
    /// project file; `None` without one.
    pub fn engine_of(&mut self, contract_file: &Path) -> anyhow::Result<Option<(String, PathBuf)>> {
        let (file, project) = self.project(contract_file)?;
        Ok(project.engine.zip(file))
    }

    /// The data roots of the contract in `contract_file`, and how to allow another folder.
    pub fn of(&mut self, contract_file: &Path) -> anyhow::Result<(Vec<PathBuf>, String)> {
        let contract_dir = contract_file.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let (project, declared) = self.project(contract_file)?;
        let mut roots = declared.roots;
        if project.is_none() {
            roots.push(self.cwd.clone());
            roots.push(std::path::absolute(contract_dir).unwrap_or_else(|_| contract_dir.to_path_buf()));
        }
        roots.extend(self.extra.iter().cloned());
        // The current directory is often the contract's own folder: each root once.
        let mut seen = std::collections::BTreeSet::new();
        roots.retain(|r| seen.insert(std::path::absolute(r).unwrap_or_else(|_| r.clone())));
        let help = match &project {
            Some(f) => format!("; to allow it, add its folder to `roots:` in `{}`, or pass `--root DIR`", f.display()),
            None => format!(
                "; to allow it, write `roots: [DIR]` into a `{PROJECT_FILE}` at the project's top folder (e.g. `{}`), \
                 or pass `--root DIR`",
                self.cwd.join(PROJECT_FILE).display()
            ),
        };
        Ok((roots, help))
    }
}
