//! Scheduled runs: a simulated month of daily runs with a spike, a drop and a broken day;
//! change rules against the history; the history surviving corrupt and half-written files.

mod common;

use std::path::Path;
use std::process::Command;

use common::write_parquet;
use polars::prelude::*;
use serde_json::Value;

const CONTRACT: &str = r#"apiVersion: v3.1.0
kind: DataContract
id: daily
version: 1.0.0
status: active
servers: [{server: local, type: local, path: data/t.parquet, format: parquet}]
schema:
  - name: t
    properties:
      - {name: id, logicalType: integer, required: true}
    quality:
      - id: volume_z
        type: custom
        engine: lakegate
        implementation:
          metric: rowCount
          change: {method: zscore, window: 7, minHistory: 5}
          mustBeLessOrEqualTo: 4
      - id: volume_rel
        type: custom
        engine: lakegate
        severity: warning
        implementation:
          metric: rowCount
          change: {method: relative, window: 14d, minHistory: 3}
          mustBeLessOrEqualTo: 50
"#;

fn write_rows(dir: &Path, n: usize) {
    let mut df = DataFrame::new(n, vec![Column::new("id".into(), (0..n as i64).collect::<Vec<_>>())]).expect("df");
    write_parquet(&dir.join("data/t.parquet"), &mut df);
}

fn run(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate")).current_dir(dir).args(args).output().expect("run");
    let json = std::fs::read_to_string(dir.join("r.json"))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null);
    let _ = std::fs::remove_file(dir.join("r.json"));
    (
        out.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout),
    )
}

fn status(json: &Value, id: &str) -> (String, String) {
    let c = json["contracts"][0]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == format!("daily/t/{id}"))
        .expect("check");
    (c["status"].as_str().unwrap_or("").to_owned(), c["message"].as_str().unwrap_or("").to_owned())
}

#[test]
fn a_month_of_daily_runs_flags_the_anomalies_on_the_right_days() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("c.odcs.yaml"), CONTRACT).expect("contract");
    let mut flagged = Vec::new();
    for day in 1..=30u32 {
        // Weekly noise around 1000 rows; a spike on the 20th, a drop on the 25th, no data on the 27th.
        let n = match day {
            20 => 3000,
            25 => 100,
            _ => 1000 + ((day * 37) % 23) as usize,
        };
        if day == 27 {
            let _ = std::fs::remove_file(dir.path().join("data/t.parquet"));
        } else {
            write_rows(dir.path(), n);
        }
        let now = format!("2026-11-{day:02}T06:00:00Z");
        let (code, json, out) =
            run(dir.path(), &["check", "c.odcs.yaml", "--now", &now, "--history=hist", "--json", "r.json"]);
        let (z, msg) = status(&json, "volume_z");
        if day <= 5 {
            assert_eq!(z, "skipped", "day {day}: {msg}");
            assert!(msg.contains("history too short"), "{msg}");
        }
        if day == 27 {
            assert_eq!(code, 3, "{out}");
            assert_eq!(z, "errored");
        }
        if z == "failed" {
            flagged.push(day);
        }
        if day == 20 {
            let c = json["contracts"][0]["checks"]
                .as_array()
                .expect("checks")
                .iter()
                .find(|c| c["id"] == "daily/t/volume_z")
                .expect("check")
                .clone();
            assert_eq!(c["failing_since"], "2026-11-20T06:00:00Z");
            let trend = c["trend"].as_array().expect("trend");
            assert_eq!(trend.len(), 20, "19 past runs of the check and this one");
            assert_eq!(trend.last().map(|p| p["value"].clone()), Some(serde_json::json!(3000.0)));
        }
        let (rel, _) = status(&json, "volume_rel");
        if day == 20 || day == 25 {
            assert_eq!(rel, "warning", "day {day}");
        }
    }
    assert_eq!(flagged, vec![20, 25], "anomalies flagged on exactly the spike and the drop");

    // The history: one file per run, readable as trends.
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(dir.path())
        .args(["history", "--history", "hist", "--check", "volume_z", "--format", "json"])
        .output()
        .expect("run");
    let h: Value = serde_json::from_slice(&out.stdout).expect("json");
    let runs = h["checks"][0]["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 30);
    assert_eq!(runs[19]["status"], "failed");
    assert_eq!(runs[19]["value"], 3000.0, "the tracked value is the row count, the observed the statistic");

    // A corrupt file and a half-written temporary file: reported and skipped, never fatal.
    std::fs::write(dir.path().join("hist/date=2026-11-30/run-corrupt.parquet"), b"not parquet at all").expect("write");
    std::fs::write(dir.path().join("hist/date=2026-11-30/.run-killed.tmp"), b"PAR1 half").expect("write");
    write_rows(dir.path(), 1004);
    let (code, json, out) = run(
        dir.path(),
        &["check", "c.odcs.yaml", "--now", "2026-12-01T06:00:00Z", "--history=hist", "--json", "r.json"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("run-corrupt.parquet` skipped"), "{out}");
    assert_eq!(status(&json, "volume_z").0, "passed");

    // Retention prunes old days.
    let (code, _, out) = run(
        dir.path(),
        &["check", "c.odcs.yaml", "--now", "2026-12-02T06:00:00Z", "--history=hist", "--history-retention", "10d"],
    );
    assert_eq!(code, 0, "{out}");
    let days = std::fs::read_dir(dir.path().join("hist")).expect("hist").count();
    assert_eq!(days, 11, "days 2026-11-22 .. 2026-12-02 are kept");
}

#[test]
fn change_rules_lint_strictly_and_skip_without_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = CONTRACT.replace("method: zscore", "method: zscor").replace("window: 14d", "window: soon");
    std::fs::write(dir.path().join("c.odcs.yaml"), bad).expect("contract");
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(dir.path())
        .args(["lint", "c.odcs.yaml"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("unknown change method `zscor`") && text.contains("did you mean `zscore`?"), "{text}");
    assert!(text.contains("`window` must be a number of runs or a period"), "{text}");

    std::fs::write(dir.path().join("c.odcs.yaml"), CONTRACT).expect("contract");
    write_rows(dir.path(), 10);
    let (code, json, out) = run(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(status(&json, "volume_z").0, "skipped", "no history: skipped, never passed");
}

#[test]
fn two_runs_at_the_same_time_write_two_readable_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("c.odcs.yaml"), CONTRACT).expect("contract");
    write_rows(dir.path(), 100);
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_lakegate"))
            .current_dir(dir.path())
            .args(["check", "c.odcs.yaml", "--now", "2026-11-20T06:00:00Z", "--history=hist", "-q"])
            .spawn()
            .expect("spawn")
    };
    let (mut a, mut b) = (spawn(), spawn());
    assert_eq!(a.wait().expect("a").code(), Some(0));
    assert_eq!(b.wait().expect("b").code(), Some(0));
    let files: Vec<_> =
        std::fs::read_dir(dir.path().join("hist/date=2026-11-20")).expect("day").filter_map(Result::ok).collect();
    assert_eq!(files.len(), 2, "one file per run, none left half-written");
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(dir.path())
        .args(["history", "--history", "hist", "--format", "json"])
        .output()
        .expect("run");
    let h: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(h["skipped_files"].as_array().is_some_and(Vec::is_empty), "{h}");
    assert!(h["checks"].as_array().expect("checks").iter().all(|c| c["runs"].as_array().map(Vec::len) == Some(2)));
}
