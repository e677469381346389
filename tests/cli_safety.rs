//! The command line never destroys a user's file and a closed stdout never changes the
//! verdict. The binary runs from its own working folder, on a project and data elsewhere,
//! with stdout piped.

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

use common::{lakegate, write_parquet};
use polars::prelude::*;

const CONTRACT: &str = "apiVersion: v3.1.0
kind: DataContract
id: orders
version: 1.0.0
status: active
servers: [{server: local, type: local, path: data/t.parquet, format: parquet}]
schema:
  - name: t
    properties:
      - {name: id, logicalType: integer, required: true}
      - {name: amount, logicalType: number, required: true}
";

/// A project folder: `c.odcs.yaml` over `data/t.parquet`, where `amount` has a null (the run
/// fails: exit 1).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("c.odcs.yaml"), CONTRACT).expect("contract");
    let mut df = DataFrame::new(
        3,
        vec![Column::new("id".into(), [1i64, 2, 3]), Column::new("amount".into(), [Some(1.0f64), None, Some(3.0)])],
    )
    .expect("frame");
    write_parquet(&dir.path().join("data/t.parquet"), &mut df);
    dir
}

/// Runs `check` from `cwd` on the project `p` (its folder is the data root).
fn check_from(cwd: &Path, p: &Path, extra: &[&str]) -> (i32, String, String) {
    let contract = s(&p.join("c.odcs.yaml"));
    let root = s(p);
    let mut args = vec!["check", contract.as_str(), "--root", root.as_str()];
    args.extend(extra);
    lakegate(cwd, &args)
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn html_and_history_never_take_the_next_argument() {
    let p = project();
    let contract = p.path().join("c.odcs.yaml");
    // `--html c.odcs.yaml`: the contract is checked, the HTML goes to the default path.
    let (code, out, err) = lakegate(p.path(), &["check", "--html", "c.odcs.yaml"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert_eq!(std::fs::read_to_string(&contract).expect("contract"), CONTRACT, "the contract is intact");
    let html = std::fs::read_to_string(p.path().join("reports/lakegate-report.html")).expect("default HTML path");
    assert!(html.contains("<meta name=\"generator\" content=\"lakegate"));
    assert!(out.contains("contract orders"), "{out}");
    // `--history c.odcs.yaml`: the default history folder, the contract is checked.
    let (code, out, err) = lakegate(p.path(), &["check", "--history", "c.odcs.yaml"]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert_eq!(std::fs::read_to_string(&contract).expect("contract"), CONTRACT);
    assert!(p.path().join("reports/history").is_dir());
    // `--html=PATH` and `--history=DIR` name other places.
    let (code, _, err) = lakegate(p.path(), &["check", "c.odcs.yaml", "--html=r.html", "--history=h"]);
    assert_eq!(code, 1, "{err}");
    assert!(p.path().join("r.html").is_file() && p.path().join("h").is_dir());
    // `report RUN --html PATH` is a usage error now (exit 2), never a write over PATH.
    let (code, _, err) = lakegate(p.path(), &["check", "c.odcs.yaml", "--json", "run.json"]);
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = lakegate(p.path(), &["report", "run.json", "--html", "c.odcs.yaml"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(std::fs::read_to_string(&contract).expect("contract"), CONTRACT);
}

#[test]
fn report_writers_refuse_files_that_are_not_their_own_reports() {
    let p = project();
    let elsewhere = tempfile::tempdir().expect("cwd");
    let contract = s(&p.path().join("c.odcs.yaml"));
    let parquet = p.path().join("data/t.parquet");
    let parquet_bytes = std::fs::read(&parquet).expect("parquet");
    let notes = elsewhere.path().join("notes.txt");
    std::fs::write(&notes, "my notes\n").expect("notes");
    for (flag, target) in [
        ("--json", contract.clone()),
        ("--junit", s(&parquet)),
        ("--markdown", s(&notes)),
        ("--metrics", contract.clone()),
    ] {
        let (code, out, err) = check_from(elsewhere.path(), p.path(), &[flag, &target]);
        assert_eq!(code, 2, "{flag} {target}: {out}\n{err}");
        assert!(err.contains(&target) && err.contains("refusing to overwrite"), "{flag}: {err}");
        assert!(out.is_empty(), "refused before the run: {out}");
    }
    let (code, _, err) = check_from(elsewhere.path(), p.path(), &[&format!("--html={}", s(&notes))]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("not a lakegate HTML report"), "{err}");
    assert_eq!(std::fs::read_to_string(p.path().join("c.odcs.yaml")).expect("contract"), CONTRACT);
    assert_eq!(std::fs::read(&parquet).expect("parquet"), parquet_bytes);
    assert_eq!(std::fs::read_to_string(&notes).expect("notes"), "my notes\n");
    // One report kind over another's file is refused too (a JUnit file is no JSON report).
    let (code, _, err) = check_from(elsewhere.path(), p.path(), &["--junit", "j.xml", "--json", "r.json"]);
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = check_from(elsewhere.path(), p.path(), &["--json", "j.xml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("j.xml"), "{err}");
    // Its own previous reports are replaced, and an empty file (a fresh $GITHUB_STEP_SUMMARY) is written.
    std::fs::write(elsewhere.path().join("summary.md"), "").expect("empty");
    let all =
        ["--json", "r.json", "--junit", "j.xml", "--markdown", "summary.md", "--metrics", "m.prom", "--html=r.html"];
    for round in 0..2 {
        let (code, _, err) = check_from(elsewhere.path(), p.path(), &all);
        assert_eq!(code, 1, "round {round}: {err}");
    }
    let md = std::fs::read_to_string(elsewhere.path().join("summary.md")).expect("md");
    assert!(md.starts_with("<!-- lakegate report -->\n## "), "{md}");
    // `lakegate report` rewrites them from the saved run too.
    let (code, _, err) = lakegate(elsewhere.path(), &["report", "r.json", "--junit", "j.xml", "--html=r.html"]);
    assert_eq!(code, 0, "{err}");
    // Not a regular file: written in place, never read first (a pipe would block).
    #[cfg(unix)]
    {
        let (code, out, err) = check_from(elsewhere.path(), p.path(), &["--json", "/dev/stdout", "--format", "github"]);
        assert_eq!(code, 1, "{err}");
        assert!(out.contains("\"report_version\""), "{out}");
        let (code, _, err) = check_from(elsewhere.path(), p.path(), &["--junit", "/dev/null"]);
        assert_eq!(code, 1, "{err}");
    }
    // The same file for two reports is refused.
    let (code, _, err) = check_from(elsewhere.path(), p.path(), &["--json", "x.out", "--junit", "./x.out"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn samples_history_and_catalog_folders_must_be_lakegates_own() {
    let p = project();
    let elsewhere = tempfile::tempdir().expect("cwd");
    let contract = s(&p.path().join("c.odcs.yaml"));
    // A folder of someone else's files: refused, nothing written.
    let foreign = elsewhere.path().join("foreign");
    std::fs::create_dir_all(&foreign).expect("mkdir");
    std::fs::write(foreign.join("keep.parquet"), "not mine").expect("file");
    for args in [
        vec!["check", &contract, "--samples-out", "foreign"],
        vec!["check", &contract, "--history=foreign"],
        vec!["catalog", &contract, "--out", "foreign"],
        vec!["check", &contract, "--history=foreign/keep.parquet"],
        vec!["check", &contract, "--samples-out", "foreign/keep.parquet"],
    ] {
        let (code, out, err) = lakegate(elsewhere.path(), &args);
        assert_eq!(code, 2, "{args:?}: {out}\n{err}");
        assert!(err.contains("foreign") && err.contains("refusing"), "{args:?}: {err}");
    }
    assert_eq!(std::fs::read_dir(&foreign).expect("dir").count(), 1);
    assert_eq!(std::fs::read_to_string(foreign.join("keep.parquet")).expect("kept"), "not mine");
    // New folders are claimed, and the next run writes into them again.
    for _ in 0..2 {
        let (code, _, err) =
            check_from(elsewhere.path(), p.path(), &["--samples-out", "q", "--history=h", "--samples", "1"]);
        assert_eq!(code, 1, "{err}");
        let (code, _, err) = lakegate(elsewhere.path(), &["catalog", &contract, "--out", "site"]);
        assert_eq!(code, 0, "{err}");
    }
    let exports: Vec<_> = std::fs::read_dir(elsewhere.path().join("q"))
        .expect("q")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(exports.iter().any(|f| f.ends_with(".parquet")), "{exports:?}");
    assert!(elsewhere.path().join("site/index.html").is_file());
    let days = std::fs::read_dir(elsewhere.path().join("h")).expect("h").count();
    assert_eq!(days, 1, "one day folder");
}

/// A project whose text output is far bigger than a pipe buffer (64 KiB): 800 columns, each
/// `required`, every other one with a null (400 failed checks, exit 1).
fn big_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut yaml = String::from(
        "apiVersion: v3.1.0\nkind: DataContract\nid: wide\nversion: 1.0.0\nstatus: active\n\
         servers: [{server: local, type: local, path: data/w.parquet, format: parquet}]\nschema:\n  - name: w\n    properties:\n",
    );
    let mut cols = Vec::new();
    for i in 0..800 {
        yaml.push_str(&format!(
            "      - {{name: column_with_a_long_name_{i:04}, logicalType: integer, required: true}}\n"
        ));
        let v = if i % 2 == 0 { vec![Some(1i64), None, Some(3)] } else { vec![Some(1i64), Some(2), Some(3)] };
        cols.push(Column::new(format!("column_with_a_long_name_{i:04}").into(), v));
    }
    std::fs::write(dir.path().join("c.odcs.yaml"), yaml).expect("contract");
    let mut df = DataFrame::new(3, cols).expect("frame");
    write_parquet(&dir.path().join("data/w.parquet"), &mut df);
    dir
}

/// Runs lakegate with stdout a pipe that the reader closes after `keep` bytes (0: before
/// lakegate writes anything); returns (exit code, stderr).
fn closed_early(cwd: &Path, args: &[&str], keep: usize) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(cwd)
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn lakegate");
    let mut stdout = child.stdout.take().expect("stdout");
    if keep > 0 {
        let mut buf = vec![0u8; keep];
        stdout.read_exact(&mut buf).expect("the first bytes");
    }
    drop(stdout);
    let mut err = String::new();
    child.stderr.take().expect("stderr").read_to_string(&mut err).expect("stderr");
    (child.wait().expect("wait").code().unwrap_or(-1), err)
}

#[test]
fn a_closed_stdout_never_changes_the_exit_code() {
    let big = big_project();
    let small = project();
    let elsewhere = tempfile::tempdir().expect("cwd");
    let (code, out, _) = check_from(elsewhere.path(), big.path(), &[]);
    assert_eq!(code, 1);
    assert!(out.len() > 256 << 10, "the text output exceeds a pipe buffer: {} bytes", out.len());
    let wide = s(&big.path().join("c.odcs.yaml"));
    let root = s(big.path());
    for format in ["text", "json", "github"] {
        for keep in [0, 100] {
            let (code, err) = closed_early(
                elsewhere.path(),
                &["check", &wide, "--root", &root, "--format", format, "--json", "r.json", "--history=h"],
                keep,
            );
            assert_eq!(code, 1, "--format {format}, closed after {keep} bytes: {err}");
            assert!(err.is_empty(), "quiet: {err}");
            // Report files and history are still written.
            let report = std::fs::read_to_string(elsewhere.path().join("r.json")).expect("report");
            assert!(report.contains("\"failed\": 400"), "{format}");
            std::fs::remove_file(elsewhere.path().join("r.json")).expect("rm");
        }
    }
    let days = std::fs::read_dir(elsewhere.path().join("h/")).expect("history").flatten().next().expect("day");
    assert_eq!(std::fs::read_dir(days.path()).expect("day").count(), 6, "one history file per run");
    // The small run: stdout closed before lakegate writes anything.
    let c = s(&small.path().join("c.odcs.yaml"));
    let root = s(small.path());
    for format in ["text", "json"] {
        let (code, err) = closed_early(elsewhere.path(), &["check", &c, "--root", &root, "--format", format], 0);
        assert_eq!(code, 1, "{format}: {err}");
    }
    // Every subcommand: the code is the one of the same run with stdout open.
    check_from(elsewhere.path(), small.path(), &["--json", "small.json"]);
    std::fs::write(elsewhere.path().join("bad.odcs.yaml"), "apiVersion: v3.1.0\nkind: DataContract\nid: [\n")
        .expect("bad");
    for (args, want) in [
        (vec!["lint", wide.as_str()], 0),
        (vec!["lint", wide.as_str(), "--format", "json"], 0),
        (vec!["lint", "bad.odcs.yaml"], 2),
        (vec!["lint", "bad.odcs.yaml", "--format", "json"], 2),
        (vec!["report", "small.json"], 0),
        (vec!["report", "small.json", "--format", "json"], 0),
        (vec!["schema"], 0),
        (vec!["schema", "--report"], 0),
        (vec!["history", "--history", "h"], 0),
        (vec!["history", "--history", "h", "--format", "json"], 0),
        (vec!["catalog", wide.as_str(), "--out", "site"], 0),
    ] {
        let (open, out, err) = lakegate(elsewhere.path(), &args);
        assert_eq!(open, want, "{args:?}: {out}\n{err}");
        for keep in [0, 10] {
            if keep > out.len() {
                continue;
            }
            let (code, err) = closed_early(elsewhere.path(), &args, keep);
            assert_eq!(code, want, "{args:?} closed after {keep} bytes: {err}");
            assert!(!err.contains("Broken pipe") && !err.contains("panicked"), "{args:?}: {err}");
        }
    }
}

#[test]
fn a_closed_stderr_never_changes_the_exit_code() {
    let small = project();
    let elsewhere = tempfile::tempdir().expect("cwd");
    let c = s(&small.path().join("c.odcs.yaml"));
    // `2>&1 | head -c 1`: both streams closed before lakegate writes; logs at every level.
    for v in ["-q", "-v", "-vv", "-vvv"] {
        for args in [vec![v, "check", c.as_str()], vec![v, "lint", c.as_str()]] {
            let mut child = Command::new(env!("CARGO_BIN_EXE_lakegate"))
                .current_dir(elsewhere.path())
                .args(&args)
                .env_remove("LAKEGATE_LOG")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn");
            drop(child.stdout.take());
            drop(child.stderr.take());
            let want = if args[1] == "check" { 1 } else { 0 };
            assert_eq!(child.wait().expect("wait").code(), Some(want), "{args:?}");
        }
    }
}
