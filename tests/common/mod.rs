//! Helpers shared by the end-to-end tests: fixture files and headless Chromium.
// Each test binary uses a subset of the helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs the lakegate binary in `cwd` (without the CI and colour settings of the environment
/// running the tests): (exit code, stdout, stderr).
pub fn lakegate(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    lakegate_env(cwd, args, &[])
}

/// As [`lakegate`], with extra environment variables.
pub fn lakegate_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    lakegate_clean_env(cwd, args, env, &|_| false)
}

/// As [`lakegate_env`], without the variables of the running environment that `drop` names
/// (a cloud's settings of the machine running the tests).
pub fn lakegate_clean_env(
    cwd: &Path,
    args: &[&str],
    env: &[(&str, &str)],
    drop: &dyn Fn(&str) -> bool,
) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lakegate"));
    cmd.current_dir(cwd).args(args).env_remove("GITHUB_ACTIONS").env_remove("NO_COLOR").env_remove("LAKEGATE_LOG");
    for (k, _) in std::env::vars() {
        if drop(&k) {
            cmd.env_remove(k);
        }
    }
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

/// Writes `df` as Parquet at `path`, creating the folders.
pub fn write_parquet(path: &Path, df: &mut polars::prelude::DataFrame) {
    use polars::prelude::ParquetWriter;
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    ParquetWriter::new(std::fs::File::create(path).expect("create")).finish(df).expect("write parquet");
}

/// Chromium, from LAKEGATE_CHROMIUM or the PATH.
pub fn chromium() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("LAKEGATE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        for dir in std::env::var("PATH").unwrap_or_default().split(':') {
            let p = Path::new(dir).join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// Chromium when present; without it the browser tests are skipped locally and fail in CI
/// (LAKEGATE_BROWSER_TESTS=1, set by .ci/run, which installs Chromium).
pub fn chromium_or_skip() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        assert!(
            std::env::var("LAKEGATE_BROWSER_TESTS").is_err(),
            "LAKEGATE_BROWSER_TESTS is set but no Chromium was found"
        );
        eprintln!("SKIPPED: no Chromium on PATH (apt-get install chromium); the browser tests run in CI");
    }
    found
}

/// The DOM after scripts ran, as Chromium serialises it.
pub fn dump_dom(browser: &Path, url: &str, profile: &Path) -> String {
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("run chromium");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The address of a real server the test needs, from the environment variable `var` (set by
/// `.ci/run`, which starts the server on loopback). Without it the test is skipped with the
/// reason printed, unless LAKEGATE_REQUIRE_SERVICES=1 (CI), where a missing server fails it.
pub fn service(var: &str, what: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ => {
            assert!(
                std::env::var("LAKEGATE_REQUIRE_SERVICES").as_deref() != Ok("1"),
                "LAKEGATE_REQUIRE_SERVICES=1 but {var} is not set: {what} was not started (see .ci/run)"
            );
            eprintln!("skipped: {var} is not set (start {what}, as .ci/run does, to run this test)");
            None
        }
    }
}

/// The test PostgreSQL of `.ci/services/postgres.sh` (LAKEGATE_PG_*), as a superuser.
pub struct PgServer {
    /// Host (LAKEGATE_PG_HOST, else 127.0.0.1).
    pub host: String,
    /// Port.
    pub port: String,
    /// Superuser name.
    pub user: String,
    /// Its password.
    pub password: String,
    /// The database.
    pub database: String,
}

impl PgServer {
    /// The server's settings (None, with the reason printed, when it was not started);
    /// `database` when LAKEGATE_PG_DATABASE is not set.
    pub fn from_env(database: &str) -> Option<PgServer> {
        let port = service("LAKEGATE_PG_PORT", "PostgreSQL (.ci/services/postgres.sh)")?;
        let var = |k: &str, default: &str| std::env::var(k).unwrap_or_else(|_| default.to_owned());
        Some(PgServer {
            host: var("LAKEGATE_PG_HOST", "127.0.0.1"),
            port,
            user: var("LAKEGATE_PG_USER", "postgres"),
            password: var("LAKEGATE_PG_PASSWORD", ""),
            database: var("LAKEGATE_PG_DATABASE", database),
        })
    }

    /// A client connection (plain TCP on loopback).
    pub fn connect(&self) -> postgres::Client {
        postgres::Config::new()
            .host(&self.host)
            .port(self.port.parse().expect("port"))
            .user(&self.user)
            .password(&self.password)
            .dbname(&self.database)
            .connect(postgres::NoTls)
            .expect("connect to the test PostgreSQL")
    }
}

/// A run's JSON report without what differs between two runs of the same data in two places
/// (on disk, on object storage): locations, durations, the command line, the run's id and its
/// start and end.
pub fn normalized_report(path: &Path) -> serde_json::Value {
    use serde_json::Value;
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for k in ["duration_ms", "source", "file", "command", "run_id", "started_at", "finished_at"] {
                    m.remove(k);
                }
                m.values_mut().for_each(walk);
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("json")).expect("parse");
    walk(&mut v);
    v
}

/// Where the JSON values `a` and `b` first differ (a JSON pointer and both values).
pub fn first_difference(a: &serde_json::Value, b: &serde_json::Value, at: &str) -> Option<String> {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => x.keys().chain(y.keys()).find_map(|k| match (x.get(k), y.get(k)) {
            (Some(u), Some(v)) => first_difference(u, v, &format!("{at}/{k}")),
            (u, v) => Some(format!("{at}/{k}: {u:?} / {v:?}")),
        }),
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (u, v))| first_difference(u, v, &format!("{at}/{i}")))
        }
        _ => (a != b).then(|| format!("{at}: {a} / {b}")),
    }
}

/// Every check of a run's JSON report: (id, status, the check as JSON).
pub fn report_checks(path: &Path) -> Vec<(String, String, String)> {
    let run: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).expect("json")).expect("parse");
    let mut out = Vec::new();
    for c in run["contracts"].as_array().expect("contracts") {
        for r in c["checks"].as_array().expect("checks") {
            out.push((
                r["id"].as_str().unwrap_or("").to_owned(),
                r["status"].as_str().unwrap_or("").to_owned(),
                r.to_string(),
            ));
        }
    }
    out
}

/// The example contracts (`contracts/`) with their `local` servers turned into `server_type`
/// servers whose location is `location` followed by the path below `examples/lake/`, written to
/// `dir` line for line (the checks' contract lines stay those of the local run).
pub fn example_contracts_on(dir: &Path, server_type: &str, location: &str) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(dir).expect("mkdir");
    for entry in std::fs::read_dir(repo.join("contracts")).expect("contracts") {
        let p = entry.expect("entry").path();
        let text = std::fs::read_to_string(&p).expect("read");
        let mut out = String::new();
        for line in text.lines() {
            if line == "    type: local" {
                out.push_str(&format!("    type: {server_type}\n"));
            } else if let Some(rest) = line.strip_prefix("    path: ../examples/lake/") {
                out.push_str(&format!("    location: {location}{rest}\n"));
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
        assert!(out.contains(&format!("location: {location}")), "{} has no local server to move", p.display());
        std::fs::write(dir.join(p.file_name().expect("name")), out).expect("write");
    }
}

/// Asserts that a run (exit code, stdout, stderr) errored every check of its JSON report `json`
/// (exit 3), `reason` in the report and on stdout, and that none of `secrets` is in any output.
pub fn assert_all_errored(run: (i32, String, String), json: &Path, reason: &str, secrets: &[&str]) {
    let (code, out, err) = run;
    assert_eq!(code, 3, "{out}\n{err}");
    let all = report_checks(json);
    assert!(!all.is_empty());
    for (id, status, text) in &all {
        assert_eq!(status, "errored", "{id}: {text}");
    }
    let report = std::fs::read_to_string(json).expect("json");
    assert!(report.contains(reason), "`{reason}` not in {report}");
    assert!(out.contains(reason), "`{reason}` not in {out}");
    for text in [&out, &err, &report] {
        for s in secrets {
            assert!(!text.contains(s), "a credential was printed: {text}");
        }
    }
}
