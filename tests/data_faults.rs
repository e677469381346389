//! Faults a breaker found in reading raw data: a dataset whose every file `--on-bad-file skip`
//! left out is errored (never a pass on no rows), CSV timestamps in the forms pyarrow and
//! pandas write parse, and integers outside their declared width are parse failures. Each test
//! runs the real binary on files it writes.

mod common;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

const HEADER: &str = "apiVersion: v3.1.0\nkind: DataContract\nid: t\nversion: 1.0.0\nstatus: active\n";

/// Writes the contract `c.odcs.yaml` (a local server at `path` in `format`, one schema object
/// `schema`) in `dir` and runs `lakegate check` on it with `extra`: (exit code, JSON report).
fn check(dir: &Path, path: &str, format: &str, schema: &str, extra: &[&str]) -> (i32, Value) {
    let c = format!(
        "{HEADER}servers:\n  - server: local\n    type: local\n    path: {path}\n    format: {format}\nschema:\n{schema}"
    );
    std::fs::write(dir.join("c.odcs.yaml"), c).expect("write contract");
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(dir)
        .args(["check", "c.odcs.yaml", "--format", "json"])
        .args(extra)
        .output()
        .expect("run lakegate");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "lakegate panicked: {stderr}");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code().unwrap_or(-1), json)
}

/// (status, observed value) of every check, by id.
fn outcomes(json: &Value) -> Vec<(String, String, Value)> {
    let mut v = Vec::new();
    for c in json["contracts"].as_array().into_iter().flatten() {
        for r in c["checks"].as_array().into_iter().flatten() {
            v.push((
                r["id"].as_str().unwrap_or("").to_owned(),
                r["status"].as_str().unwrap_or("").to_owned(),
                r["observed"].clone(),
            ));
        }
    }
    v
}

#[test]
fn a_dataset_whose_every_file_is_left_out_is_errored_not_passed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().join("bad");
    std::fs::create_dir_all(&d).expect("mkdir");
    std::fs::write(d.join("a.csv"), "PAR1 not a csv").expect("bad file");
    std::fs::write(d.join("b.csv"), "PAR1 not a csv either").expect("bad file");
    let schema = "  - name: b\n    properties:\n      - {name: id, logicalType: integer, required: true}\n";
    let (code, json) = check(dir.path(), "bad", "csv", schema, &["--on-bad-file", "skip"]);
    assert_eq!(code, 3, "{json}");
    let err = json["contracts"][0]["datasets"][0]["error"].as_str().unwrap_or("").to_owned();
    assert!(err.contains("every file of") && err.contains("was left out"), "{err}");
    assert!(err.contains("bad/a.csv") && err.contains("bad/b.csv"), "{err}");
    assert!(outcomes(&json).iter().all(|(_, s, _)| s != "passed"), "{json}");
    // An empty file besides: still nothing read, still errored.
    std::fs::write(d.join("c.csv"), "").expect("empty file");
    let (code, json) = check(dir.path(), "bad", "csv", schema, &["--on-bad-file", "skip"]);
    assert_eq!(code, 3, "{json}");
    // One good file: checked, the bad ones named.
    std::fs::write(d.join("c.csv"), "id\n1\n").expect("csv");
    let (code, json) = check(dir.path(), "bad", "csv", schema, &["--on-bad-file", "skip"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["contracts"][0]["datasets"][0]["skipped_files"].as_array().map(Vec::len), Some(2), "{json}");
}
