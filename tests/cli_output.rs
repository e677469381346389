//! What the command line prints for people and how it runs: `--threads`, `-q`, selection,
//! `--schema-only`, `history --since`. lakegate runs from a folder of its own, on a project
//! elsewhere, with stdout piped.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{lakegate, lakegate_env, write_parquet};
use polars::prelude::*;

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

#[test]
fn failing_since_is_where_the_streak_started_whatever_the_window() {
    let p = project();
    let cwd = tempfile::tempdir().expect("cwd");
    let c = s(&p.path().join("c.odcs.yaml"));
    let mut good =
        DataFrame::new(2, vec![Column::new("id".into(), [1i64, 2]), Column::new("amount".into(), [1.0f64, 2.0])])
            .expect("frame");
    write_parquet(&cwd.path().join("good.parquet"), &mut good);
    let bad = s(&p.path().join("data/t.parquet"));
    // Passed on Jan 10, failing every run since Feb 1 (more than 90 days before Nov 5).
    for (day, data) in [
        ("2026-01-10", "good.parquet"),
        ("2026-02-01", bad.as_str()),
        ("2026-10-01", bad.as_str()),
        ("2026-11-02", bad.as_str()),
        ("2026-11-04", bad.as_str()),
    ] {
        let now = format!("{day}T06:00:00Z");
        let (code, _, err) =
            lakegate(cwd.path(), &["check", &c, "--now", &now, "--history=h", "--data", &format!("t={data}")]);
        assert!(code == 0 || code == 1, "{day}: {err}");
    }
    let (code, _, err) =
        lakegate(cwd.path(), &["check", &c, "--now", "2026-11-05T06:00:00Z", "--history=h", "--json", "r.json"]);
    assert_eq!(code, 1, "{err}");
    let run: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cwd.path().join("r.json")).expect("report")).expect("json");
    let check = run["contracts"][0]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|r| r["id"] == "orders/t/amount/required")
        .expect("the failing check");
    assert_eq!(check["failing_since"], "2026-02-01T06:00:00Z", "beyond the 90 days of trends");
    // `history --since` shows the window's runs, and the streak's real start.
    for since in ["2026-11-03T00:00:00Z", "2026-10-15T00:00:00Z", "2025-01-01T00:00:00Z"] {
        let (code, out, err) = lakegate(
            cwd.path(),
            &["history", "--history", "h", "--since", since, "--check", "amount/required", "--format", "json"],
        );
        assert_eq!(code, 0, "{err}");
        let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
        let h = &doc["checks"][0];
        assert_eq!(h["failing_since"], "2026-02-01T06:00:00Z", "--since {since}: {out}");
        let first = h["runs"][0]["now"].as_str().expect("runs");
        assert!(first >= since, "--since {since}: only the window's runs ({first})");
        let (_, text, _) =
            lakegate(cwd.path(), &["history", "--history", "h", "--since", since, "--check", "amount/required"]);
        assert!(text.contains("failing since 2026-02-01T06:00:00Z"), "{text}");
    }
    // A passing run ends the streak.
    let (code, _, err) = lakegate(
        cwd.path(),
        &["check", &c, "--now", "2026-11-06T06:00:00Z", "--history=h", "--data", "t=good.parquet"],
    );
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = lakegate(cwd.path(), &["history", "--history", "h", "--since", "2026-11-03T00:00:00Z"]);
    assert!(!out.contains("failing since"), "{out}");
}

/// Two contracts: `orders` (object `t`: `id`, `amount` with a null; a tagged completeness
/// rule) and `users` (object `u`: `name`).
fn two_contracts() -> tempfile::TempDir {
    let p = project();
    let orders = std::fs::read_to_string(p.path().join("c.odcs.yaml")).expect("orders").replace(
        "      - {name: amount, logicalType: number, required: true}\n",
        "      - name: amount\n        logicalType: number\n        required: true\n        quality:\n          - {metric: nullValues, mustBe: 0, dimension: completeness, tags: [finance, daily]}\n",
    );
    std::fs::write(p.path().join("c.odcs.yaml"), orders).expect("orders");
    let users = "apiVersion: v3.1.0\nkind: DataContract\nid: users\nversion: 1.0.0\nstatus: active\n\
                 servers: [{server: local, type: local, path: data/u.parquet, format: parquet}]\n\
                 schema:\n  - name: u\n    properties:\n      - {name: name, logicalType: string, required: true}\n";
    std::fs::write(p.path().join("users.odcs.yaml"), users).expect("users");
    let mut u = DataFrame::new(2, vec![Column::new("name".into(), ["a", "b"])]).expect("u");
    write_parquet(&p.path().join("data/u.parquet"), &mut u);
    p
}

/// (exit code, check ids run, summary line, stderr).
fn selected(cwd: &Path, p: &Path, extra: &[&str]) -> (i32, Vec<String>, String, String) {
    let mut args = vec!["check".to_owned(), s(&p.join("c.odcs.yaml")), s(&p.join("users.odcs.yaml"))];
    args.extend(["--json".to_owned(), "sel.json".to_owned()]);
    args.extend(extra.iter().map(|a| (*a).to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = lakegate(cwd, &args);
    let ids = std::fs::read_to_string(cwd.join("sel.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .map(|run| {
            let mut ids: Vec<String> = run["contracts"]
                .as_array()
                .expect("contracts")
                .iter()
                .flat_map(|c| c["checks"].as_array().expect("checks").iter())
                .map(|r| r["id"].as_str().expect("id").to_owned())
                .collect();
            ids.sort();
            ids
        })
        .unwrap_or_default();
    let _ = std::fs::remove_file(cwd.join("sel.json"));
    let summary = out.lines().last().unwrap_or_default().to_owned();
    (code, ids, summary, err)
}

#[test]
fn select_and_exclude_by_contract_object_column_check_tag_dimension_and_kind() {
    let p = two_contracts();
    let cwd = tempfile::tempdir().expect("cwd");
    let (code, all, summary, err) = selected(cwd.path(), p.path(), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(!summary.contains("deselected"), "{summary}");
    let total = all.len();
    assert!(all.contains(&"users/u/name/required".to_owned()), "{all:?}");
    let only = |ids: &[String], prefix: &str| !ids.is_empty() && ids.iter().all(|i| i.starts_with(prefix));
    // By contract: the other contract is not run at all.
    let (code, ids, summary, err) = selected(cwd.path(), p.path(), &["--select", "users"]);
    assert_eq!(code, 0, "{err}");
    assert!(only(&ids, "users/"), "{ids:?}");
    assert!(summary.contains(&format!("; {} deselected", total - ids.len())), "{summary}");
    let (_, same, _, _) = selected(cwd.path(), p.path(), &["--select", "contract:us*"]);
    assert_eq!(same, ids);
    // By object, column and check id pattern.
    let (_, ids, _, _) = selected(cwd.path(), p.path(), &["--select", "orders/t/amount"]);
    assert!(only(&ids, "orders/t/amount/") && ids.len() >= 3, "{ids:?}");
    let (_, same, _, _) = selected(cwd.path(), p.path(), &["--select", "column:amount"]);
    assert_eq!(same, ids);
    let (_, ids, _, _) = selected(cwd.path(), p.path(), &["--select", "object:u"]);
    assert!(only(&ids, "users/u/"), "{ids:?}");
    let (_, ids, _, _) = selected(cwd.path(), p.path(), &["--select", "*/required"]);
    assert_eq!(ids, ["orders/t/amount/required", "orders/t/id/required", "users/u/name/required"]);
    // By tag, dimension, kind; a union of two selectors; an intersection with `,`.
    let (code, tagged, _, err) = selected(cwd.path(), p.path(), &["--select", "tag:finance"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(tagged.len(), 1, "{tagged:?}");
    // `required` checks are of the completeness dimension too.
    let (_, ids, _, _) = selected(cwd.path(), p.path(), &["--select", "dimension:Completeness"]);
    assert_eq!(
        ids,
        ["orders/t/amount/quality[0]", "orders/t/amount/required", "orders/t/id/required", "users/u/name/required"]
    );
    let (_, ids, _, _) = selected(cwd.path(), p.path(), &["--select", "kind:schema.present"]);
    assert_eq!(ids.len(), 3, "{ids:?}");
    let (_, ids, _, _) =
        selected(cwd.path(), p.path(), &["--select", "tag:finance", "--select", "users/u/name/required"]);
    assert_eq!(ids.len(), 2, "{ids:?}");
    let (_, ids, _, _) = selected(cwd.path(), p.path(), &["--select", "orders,kind:required"]);
    assert_eq!(ids, ["orders/t/amount/required", "orders/t/id/required"]);
    // Exclude: the failing checks are not run, the run passes.
    let (code, ids, summary, err) =
        selected(cwd.path(), p.path(), &["--exclude", "orders/t/amount/required", "--exclude", "tag:daily"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ids.len(), total - 2);
    assert!(summary.contains("; 2 deselected"), "{summary}");
    // Usage errors: exit 2 before reading data.
    let (code, _, _, err) = selected(cwd.path(), p.path(), &["--select", "colour:red"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown selector method `colour:`"), "{err}");
    let (code, _, _, err) = selected(cwd.path(), p.path(), &["--select", "nothing*"]);
    assert_eq!(code, 2, "a selection of nothing never passes: {err}");
    assert!(err.contains("no check to run"), "{err}");
    let (code, _, _, err) = selected(cwd.path(), p.path(), &["--select", "users", "--select", "tag:nope"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("`--select tag:nope` matches no check"), "{err}");
}

#[test]
fn schema_only_never_reads_the_rows() {
    let p = project();
    let cwd = tempfile::tempdir().expect("cwd");
    // 20,000 rows; then the data pages in the middle of the file are damaged, the footer kept.
    let n = 20_000;
    let mut df = DataFrame::new(
        n,
        vec![
            Column::new("id".into(), (0..n as i64).collect::<Vec<_>>()),
            Column::new(
                "amount".into(),
                (0..n).map(|i| if i % 7 == 0 { None } else { Some(i as f64) }).collect::<Vec<_>>(),
            ),
        ],
    )
    .expect("frame");
    let file = p.path().join("data/t.parquet");
    write_parquet(&file, &mut df);
    let mut bytes = std::fs::read(&file).expect("read");
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid - 1_000..mid + 1_000] {
        *b = 0x5a;
    }
    std::fs::write(&file, bytes).expect("write");
    let c = s(&p.path().join("c.odcs.yaml"));
    let (code, out, err) = lakegate(cwd.path(), &["check", &c, "--no-statistics"]);
    assert_eq!(code, 3, "reading the rows fails: {out}\n{err}");
    let (code, out, err) = lakegate(cwd.path(), &["check", &c, "--schema-only", "--format", "json"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let run: serde_json::Value = serde_json::from_str(&out).expect("json");
    let checks = run["contracts"][0]["checks"].as_array().expect("checks");
    assert!(!checks.is_empty());
    for r in checks {
        assert!(r["kind"].as_str().is_some_and(|k| k.starts_with("schema.")), "{r}");
        assert_eq!(r["status"], "passed", "{r}");
    }
    let (_, text, _) = lakegate(cwd.path(), &["check", &c, "--schema-only"]);
    assert!(text.contains("; 2 deselected"), "the two `required` checks: {text}");
}

#[test]
fn quiet_prints_failures_and_the_summary_and_a_missing_dataset_is_one_line() {
    let p = two_contracts();
    let cwd = tempfile::tempdir().expect("cwd");
    let orders = s(&p.path().join("c.odcs.yaml"));
    let users = s(&p.path().join("users.odcs.yaml"));
    let (code, full, _) = lakegate(cwd.path(), &["check", &orders, &users]);
    assert_eq!(code, 1);
    assert!(full.contains("passed ") && full.contains("contract users"), "{full}");
    let (code, quiet, err) = lakegate(cwd.path(), &["-q", "check", &orders, &users]);
    assert_eq!(code, 1, "{err}");
    assert!(err.is_empty(), "{err}");
    assert!(quiet.contains("FAILED"), "{quiet}");
    assert!(!quiet.contains("passed ") && !quiet.contains("contract users") && !quiet.contains("rows in"), "{quiet}");
    assert!(quiet.lines().last().is_some_and(|l| l.contains("checks: ") && l.contains("2 failed")), "{quiet}");
    // A passing run prints its summary line alone.
    let (code, quiet, _) = lakegate(cwd.path(), &["-q", "check", &users]);
    assert_eq!(code, 0);
    assert_eq!(quiet.lines().count(), 1, "{quiet}");
    // A dataset that is not there: one line, its errored checks counted on it.
    let text = std::fs::read_to_string(p.path().join("users.odcs.yaml")).expect("users");
    std::fs::write(p.path().join("users.odcs.yaml"), text.replace("data/u.parquet", "data/gone.parquet"))
        .expect("users");
    for q in [&[][..], &["-q"][..]] {
        let mut args: Vec<&str> = q.to_vec();
        args.extend(["check", users.as_str()]);
        let (code, out, err) = lakegate(cwd.path(), &args);
        assert_eq!(code, 3, "{out}\n{err}");
        let errors: Vec<&str> = out.lines().filter(|l| l.contains("gone.parquet")).collect();
        assert_eq!(errors.len(), 1, "{out}");
        assert!(errors[0].contains("dataset u: ERROR") && errors[0].contains("checks errored)"), "{out}");
        assert!(!out.contains("ERRORED"), "{out}");
    }
}

#[test]
fn no_escape_codes_or_rust_values_in_piped_output() {
    let p = project();
    let cwd = tempfile::tempdir().expect("cwd");
    let text = std::fs::read_to_string(p.path().join("c.odcs.yaml")).expect("contract").replace(
        "      - {name: id, logicalType: integer, required: true}\n",
        "      - name: id\n        logicalType: integer\n        required: true\n        quality:\n          - {metric: rowCount, mustBeGreaterThan: 2500}\n          - {metric: nullValues, mustBeBetween: [2500.5, 3000]}\n",
    );
    std::fs::write(p.path().join("c.odcs.yaml"), text).expect("contract");
    let c = s(&p.path().join("c.odcs.yaml"));
    for env in [&[][..], &[("NO_COLOR", "1")][..]] {
        for args in [vec!["-vv", "check", &c], vec!["-vv", "lint", &c], vec!["check", &c, "--format", "github"]] {
            let (_, out, err) = lakegate_env(cwd.path(), &args, env);
            assert!(!out.contains('\u{1b}') && !err.contains('\u{1b}'), "{args:?}: {out}\n{err}");
            for rust in ["Number(", "F64(", "Some(", "Int64", "Float64", "\"None\""] {
                assert!(!out.contains(rust), "{args:?}: `{rust}` in {out}");
            }
        }
    }
    let (code, out, _) = lakegate(cwd.path(), &["check", &c]);
    assert_eq!(code, 1);
    assert!(out.contains("2500"), "{out}");
}

#[test]
fn debug_logs_are_lakegates_own_and_trace_has_the_libraries() {
    // -vv: lakegate's debug events, not a library's (sqlparser logs every token of a SQL rule).
    let p = project();
    let text = std::fs::read_to_string(p.path().join("c.odcs.yaml")).expect("contract")
        + "    quality:\n      - {type: sql, query: 'SELECT COUNT(*) FROM t WHERE amount < 0', mustBe: 0}\n";
    std::fs::write(p.path().join("c.odcs.yaml"), text).expect("contract");
    let c = s(&p.path().join("c.odcs.yaml"));
    let (code, _, err) = lakegate(p.path(), &["-vv", "check", &c]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("running contract"), "{err}");
    assert!(!err.contains("Parsing sql") && !err.contains("TokenWithSpan"), "{err}");
    let (_, _, err) = lakegate(p.path(), &["-vvv", "check", &c]);
    assert!(err.contains("Parsing sql"), "{err}");
}

#[test]
fn a_selected_check_over_a_missing_column_brings_its_failed_presence_check() {
    let p = two_contracts();
    let cwd = tempfile::tempdir().expect("cwd");
    let users = std::fs::read_to_string(p.path().join("users.odcs.yaml")).expect("users");
    std::fs::write(
        p.path().join("users.odcs.yaml"),
        users.replace(
            "      - {name: name, logicalType: string, required: true}\n",
            "      - {name: name, logicalType: string, required: true}\n      - {name: email, logicalType: string, required: true}\n",
        ),
    )
    .expect("users");
    let (code, ids, summary, err) = selected(cwd.path(), p.path(), &["--select", "users/u/email/required"]);
    assert_eq!(code, 1, "a missing column is a breach, never a pass: {err}");
    assert_eq!(ids, ["users/u/email/required", "users/u/email/schema.present"]);
    assert!(summary.contains("1 failed") && summary.contains("1 skipped"), "{summary}");
    // A present column: its deselected schema checks stay out of the report.
    let (code, ids, _, err) = selected(cwd.path(), p.path(), &["--select", "users/u/name/required"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(ids, ["users/u/name/required"]);
}
