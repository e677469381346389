//! Paths typed on the command line are the user's own; paths written in contracts stay inside
//! the project's data roots (`.lakegate.yaml`, `--root`). lakegate runs from a folder of its
//! own, on contracts and data elsewhere.

mod common;

use std::path::Path;

use common::{lakegate, write_parquet};
use polars::prelude::*;

fn contract(path: &str) -> String {
    format!(
        "apiVersion: v3.1.0\nkind: DataContract\nid: orders\nversion: 1.0.0\nstatus: active\n\
         servers: [{{server: local, type: local, path: \"{path}\", format: parquet}}]\n\
         schema:\n  - name: t\n    properties:\n      - {{name: id, logicalType: integer, required: true}}\n"
    )
}

/// `t.parquet` with ids 1, null, 3: the `required` check fails (exit 1) whenever it is read.
fn data(path: &Path) {
    let mut df = DataFrame::new(3, vec![Column::new("id".into(), [Some(1i64), None, Some(3)])]).expect("frame");
    write_parquet(path, &mut df);
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn command_line_paths_are_never_refused() {
    let project = tempfile::tempdir().expect("project");
    let lake = tempfile::tempdir().expect("lake");
    let cwd = tempfile::tempdir().expect("cwd");
    data(&project.path().join("data/t.parquet"));
    data(&lake.path().join("t.parquet"));
    data(&cwd.path().join("local/t.parquet"));
    let c = project.path().join("c.odcs.yaml");
    std::fs::write(&c, contract("data/t.parquet")).expect("contract");
    // A contract outside the current directory, its server path relative to it.
    let (code, out, err) = lakegate(cwd.path(), &["check", &s(&c)]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("1 failed"), "{out}");
    // `--data` anywhere: absolute, and relative to the current directory.
    let absolute = format!("t={}", s(&lake.path().join("t.parquet")));
    for d in [absolute.as_str(), "t=local/t.parquet"] {
        let (code, out, err) = lakegate(cwd.path(), &["check", &s(&c), "--data", d]);
        assert_eq!(code, 1, "--data {d}: {out}\n{err}");
    }
    // An empty object or path is a usage error.
    for d in ["t=", "=local/t.parquet", "t"] {
        let (code, _, err) = lakegate(cwd.path(), &["check", &s(&c), "--data", d]);
        assert_eq!(code, 2, "--data {d}: {err}");
        assert!(err.contains("must be OBJECT=PATH"), "{err}");
    }
    // The same object twice: which path wins would be a guess.
    let (code, _, err) = lakegate(cwd.path(), &["check", &s(&c), "--data", "t=a.parquet", "--data", "t=b.parquet"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`--data t=...` is given twice"), "{err}");
    // Also when a project file declares roots that do not include them.
    std::fs::write(project.path().join(".lakegate.yaml"), "roots: []\n").expect("project file");
    let (code, _, err) = lakegate(cwd.path(), &["check", &s(&c), "--data", &absolute]);
    assert_eq!(code, 1, "{err}");
}

#[test]
fn contract_paths_stay_inside_the_data_roots() {
    let top = tempfile::tempdir().expect("top");
    let cwd = tempfile::tempdir().expect("cwd");
    let project = top.path().join("project");
    let lake = top.path().join("lake");
    data(&lake.join("t.parquet"));
    data(&project.join("data/t.parquet"));
    let c = project.join("contracts/c.odcs.yaml");
    std::fs::create_dir_all(c.parent().expect("dir")).expect("mkdir");
    let outside = contract("../../lake/t.parquet");
    std::fs::write(&c, &outside).expect("contract");
    // Outside the contract's folder and the current directory: refused, located, with the way out.
    let (code, out, err) = lakegate(cwd.path(), &["check", &s(&c)]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains(&format!("{}:6:", s(&c))), "file:line:col: {err}");
    assert!(err.contains("outside the allowed data roots"), "{err}");
    assert!(err.contains(".lakegate.yaml") && err.contains("--root"), "how to allow it: {err}");
    assert!(out.is_empty(), "{out}");
    // `--root` allows it.
    let (code, _, err) = lakegate(cwd.path(), &["check", &s(&c), "--root", &s(&lake)]);
    assert_eq!(code, 1, "{err}");
    // A project file at the project's top: its folder is a root (`../data` from contracts/).
    std::fs::write(&c, contract("../data/t.parquet")).expect("contract");
    let (code, _, err) = lakegate(cwd.path(), &["check", &s(&c)]);
    assert_eq!(code, 2, "no project file: only the contract's folder and the cwd: {err}");
    std::fs::write(project.join(".lakegate.yaml"), "# data roots\n").expect("project file");
    let (code, _, err) = lakegate(cwd.path(), &["check", &s(&c)]);
    assert_eq!(code, 1, "{err}");
    // ... and its `roots`, relative to it, allow more.
    std::fs::write(&c, &outside).expect("contract");
    let (code, _, err) = lakegate(cwd.path(), &["check", &s(&c)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&s(&project.join(".lakegate.yaml"))), "names the project file: {err}");
    std::fs::write(project.join(".lakegate.yaml"), "roots: [../lake]\n").expect("project file");
    let (code, _, err) = lakegate(cwd.path(), &["check", &s(&c)]);
    assert_eq!(code, 1, "{err}");
    // Never /etc, and never through a symlink inside a root.
    std::fs::write(&c, contract("/etc/passwd")).expect("contract");
    let (code, _, err) = lakegate(cwd.path(), &["check", &s(&c)]);
    assert_eq!(code, 2, "{err}");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("/etc", project.join("data/etc")).expect("symlink");
        std::fs::write(&c, contract("../data/etc/passwd")).expect("contract");
        let (code, _, err) = lakegate(cwd.path(), &["check", &s(&c)]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("really `/etc/passwd`"), "{err}");
    }
    // A project file with a typo is an error that names it.
    std::fs::write(project.join(".lakegate.yaml"), "root: [../lake]\n").expect("project file");
    let (code, _, err) = lakegate(cwd.path(), &["check", &s(&c)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(".lakegate.yaml:1:1") && err.contains("unknown field `root`"), "{err}");
}

#[test]
fn one_file_is_checked_once_and_one_id_belongs_to_one_file() {
    let project = tempfile::tempdir().expect("project");
    data(&project.path().join("contracts/data/t.parquet"));
    let a = project.path().join("contracts/a.odcs.yaml");
    std::fs::write(&a, contract("data/t.parquet")).expect("a");
    let once = |args: &[&str]| {
        let (code, out, err) = lakegate(project.path(), args);
        assert_eq!(code, 1, "{args:?}: {out}\n{err}");
        assert_eq!(out.matches("contract orders").count(), 1, "{args:?}: {out}");
        assert!(out.contains("1 failed"), "{out}");
    };
    once(&["check", "contracts", "contracts/a.odcs.yaml"]);
    once(&["check", "./contracts/a.odcs.yaml", "contracts/a.odcs.yaml", "contracts/../contracts/a.odcs.yaml"]);
    #[cfg(unix)]
    {
        // A link next to the file: the folder holds one contract, read once.
        std::fs::write(project.path().join("contracts/.keep"), "").expect("keep");
        std::os::unix::fs::symlink(&a, project.path().join("contracts/link.odcs.yaml")).expect("symlink");
        once(&["check", "contracts"]);
        once(&["check", "contracts/link.odcs.yaml", "contracts/a.odcs.yaml"]);
        std::fs::remove_file(project.path().join("contracts/link.odcs.yaml")).expect("rm");
    }
    let (code, out, err) = lakegate(project.path(), &["lint", "contracts", "contracts/a.odcs.yaml"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 file(s)"), "{out}");
    // A second file with the same id: exit 2 naming both files, before any data is read.
    let b = project.path().join("contracts/b.odcs.yaml");
    std::fs::write(&b, contract("data/t.parquet").replace("version: 1.0.0", "version: 2.0.0")).expect("b");
    for cmd in ["check", "lint", "catalog"] {
        let (code, out, err) = lakegate(project.path(), &[cmd, "contracts"]);
        let all = format!("{out}{err}");
        assert_eq!(code, 2, "{cmd}: {all}");
        assert!(all.contains("contracts/b.odcs.yaml:3:") && all.contains("contracts/a.odcs.yaml"), "{cmd}: {all}");
        assert!(all.contains("contract id `orders` is also declared by"), "{cmd}: {all}");
    }
}

#[test]
fn the_project_file_is_searched_up_to_the_repository_top() {
    let top = tempfile::tempdir().expect("top");
    let cwd = tempfile::tempdir().expect("cwd");
    // A project file above the repository allows `../lake`; the repository's own rules stand.
    std::fs::write(top.path().join(".lakegate.yaml"), "roots: [lake]\n").expect("outer project file");
    let repo = top.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).expect("git");
    data(&top.path().join("lake/t.parquet"));
    let c = repo.join("c.odcs.yaml");
    std::fs::write(&c, contract("../lake/t.parquet")).expect("contract");
    let (code, _, err) = lakegate(cwd.path(), &["check", &s(&c)]);
    assert_eq!(code, 2, "{err}");
    std::fs::write(repo.join(".lakegate.yaml"), "roots: [../lake]\n").expect("project file");
    let (code, _, err) = lakegate(cwd.path(), &["check", &s(&c)]);
    assert_eq!(code, 1, "{err}");
}
