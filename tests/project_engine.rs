//! The engine for files from the project file (`.lakegate.yaml`: `engine: sc://...`), below
//! `--engine` and `LAKEGATE_ENGINE` (issue 15): precedence flag > environment > project file,
//! and a project file naming no engine is a config error at its line (exit 2).

use std::path::Path;
use std::process::Command;

/// Runs lakegate in `cwd` with `LAKEGATE_ENGINE` as given (removed when `None`).
fn lakegate(cwd: &Path, args: &[&str], engine_env: Option<&str>) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lakegate"));
    cmd.current_dir(cwd).args(args).env_remove("GITHUB_ACTIONS").env_remove("NO_COLOR").env_remove("LAKEGATE_LOG");
    match engine_env {
        Some(e) => cmd.env("LAKEGATE_ENGINE", e),
        None => cmd.env_remove("LAKEGATE_ENGINE"),
    };
    let out = cmd.output().expect("run lakegate");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A repository (its top holds the project file) with a CSV dataset and its contract in a
/// sub-folder.
fn project(engine_line: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join(".git")).expect(".git");
    std::fs::create_dir(dir.path().join("contracts")).expect("contracts");
    std::fs::write(dir.path().join("contracts/orders.csv"), "id,name\n1,a\n2,b\n").expect("csv");
    std::fs::write(
        dir.path().join("contracts/c.yaml"),
        "apiVersion: v3.1.0
kind: DataContract
id: pe
name: pe
version: 1.0.0
status: active
servers:
  - server: local
    type: local
    path: orders.csv
    format: csv
schema:
  - name: orders
    properties:
      - {name: id, logicalType: integer, required: true, unique: true}
",
    )
    .expect("contract");
    std::fs::write(dir.path().join(".lakegate.yaml"), format!("roots: []\n{engine_line}\n")).expect("project");
    dir
}

// Nothing listens on port 1 of loopback: a run on that engine errors every dataset, naming it.
const NOWHERE: &str = "sc://127.0.0.1:1";

#[test]
fn the_project_file_names_the_engine_below_the_flag_and_the_environment() {
    let dir = project(&format!("engine: {NOWHERE}"));
    let cwd = dir.path().join("contracts");
    // The project file's engine is the one that runs.
    let (code, out, err) = lakegate(&cwd, &["check", "c.yaml"], None);
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(out.contains(NOWHERE) && out.contains("checks errored"), "{out}\n{err}");
    let (code, out, err) = lakegate(&cwd, &["check", "c.yaml", "--explain"], None);
    assert!(code == 0 && out.contains(NOWHERE), "{out}\n{err}");
    // LAKEGATE_ENGINE is above it, --engine above both.
    let (code, out, err) = lakegate(&cwd, &["check", "c.yaml"], Some("polars"));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(!out.contains(NOWHERE), "{out}");
    let (code, out, err) = lakegate(&cwd, &["check", "c.yaml", "--engine", "polars"], Some(NOWHERE));
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, out, err) = lakegate(&cwd, &["check", "c.yaml", "--engine", NOWHERE], Some("polars"));
    assert_eq!(code, 3, "{out}\n{err}");
    // `engine: polars` (or none) is the embedded engine.
    let dir = project("engine: polars");
    let (code, out, err) = lakegate(&dir.path().join("contracts"), &["check", "c.yaml"], None);
    assert_eq!(code, 0, "{out}\n{err}");
}

#[test]
fn a_project_file_naming_no_engine_is_a_config_error_at_its_line() {
    let dir = project("engine: spork");
    let (code, out, err) = lakegate(&dir.path().join("contracts"), &["check", "c.yaml"], None);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains(".lakegate.yaml:2: `engine: spork` is not an engine"), "{err}");
}
