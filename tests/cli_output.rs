//! What the command line prints for people and how it runs: `--threads`, `-q`, selection,
//! `--schema-only`, `history --since`. lakegate runs from a folder of its own, on a project
//! elsewhere, with stdout piped.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::write_parquet;
use polars::prelude::*;

fn lakegate(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    lakegate_env(cwd, args, &[])
}

fn lakegate_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lakegate"));
    cmd.current_dir(cwd).args(args).env_remove("GITHUB_ACTIONS").env_remove("NO_COLOR").env_remove("LAKEGATE_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run lakegate");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// A small project: `orders` over `data/t.parquet` (3 rows; `amount` has a null).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let contract = "apiVersion: v3.1.0
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
    std::fs::write(dir.path().join("c.odcs.yaml"), contract).expect("contract");
    let mut df = DataFrame::new(
        3,
        vec![Column::new("id".into(), [1i64, 2, 3]), Column::new("amount".into(), [Some(1.0f64), None, Some(3.0)])],
    )
    .expect("frame");
    write_parquet(&dir.path().join("data/t.parquet"), &mut df);
    dir
}

#[test]
fn threads_beyond_the_machine_are_capped() {
    let p = project();
    let cwd = tempfile::tempdir().expect("cwd");
    let c = s(&p.path().join("c.odcs.yaml"));
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(cwd.path())
        .args(["-vv", "--threads", "100000000", "check", &c])
        .env_remove("LAKEGATE_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("--threads 100000000 did not finish in a minute");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut err).expect("stderr");
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains(&format!("--threads 100000000: this machine has {cores} cores: using {cores} threads")),
        "{err}"
    );
    // 0 is the default (all cores), 1 is one thread: the same results.
    let (zero, out0, err0) = lakegate(cwd.path(), &["--threads", "0", "check", &c]);
    let (one, out1, _) = lakegate(cwd.path(), &["--threads", "1", "check", &c]);
    assert_eq!((zero, one), (1, 1), "{err0}");
    let strip =
        |o: &str| o.lines().filter(|l| !l.contains(" ms") && !l.contains(" in ")).collect::<Vec<_>>().join("\n");
    assert_eq!(strip(&out0), strip(&out1));
}
