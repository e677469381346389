//! Faults a contract can provoke: expressions and YAML long or deep enough to overflow the
//! stack (an abort, no report at all) or to run for minutes, and column names holding a dot.
//! Each runs the real binary: an abort shows as a signal instead of an exit code.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

/// Runs `lakegate ARGS` in `dir` with a JSON report: (exit code, the report, stdout + stderr).
fn run(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let _ = std::fs::remove_file(dir.join("r.json"));
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(dir)
        .args(args)
        .args(["--json", "r.json"])
        .output()
        .expect("run lakegate");
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!all.contains("overflow"), "the stack overflowed:\n{all}");
    let code = out.status.code().unwrap_or_else(|| panic!("killed by a signal (an abort):\n{all}"));
    let json = std::fs::read_to_string(dir.join("r.json"))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null);
    (code, json, all)
}

/// The checks of the first contract of a report, by their title.
fn checks(report: &Value) -> Vec<(String, String, String)> {
    report["contracts"][0]["checks"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    let s = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
                    (s("id"), s("status"), s("message"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn status_of(report: &Value, id_end: &str) -> (String, String) {
    let all = checks(report);
    let (_, status, message) = all
        .iter()
        .find(|(id, _, _)| id.ends_with(id_end))
        .unwrap_or_else(|| panic!("no check `{id_end}` in {all:?}"))
        .clone();
    (status, message)
}

const HEAD: &str = "apiVersion: v3.1.0\nkind: DataContract\nid: f\nversion: 1.0.0\nstatus: active\n\
                    servers: [{server: local, type: local, path: t.csv, format: csv}]\nschema:\n  - name: t\n    \
                    properties:\n      - {name: id, logicalType: integer}\n      - {name: v, logicalType: integer}\n    \
                    quality:\n      - {id: rows, metric: rowCount, mustBeGreaterThan: 0}\n";

/// A contract with the rules `ids` built from `terms`-long expressions.
fn long_rules(terms: usize) -> String {
    let and = vec!["id > 0"; terms].join(" AND ");
    let plus = vec!["id"; terms].join(" + ");
    let or = vec!["v = 2"; terms].join(" OR ");
    format!(
        "{HEAD}      - {{id: cond, type: custom, engine: lakegate, implementation: {{metric: rowCondition, mustBe: 0, \
         expression: \"{and}\"}}}}\n      \
         - {{id: expr, type: custom, engine: lakegate, implementation: {{metric: expression, mustBeGreaterThan: 0, \
         expression: \"sum({plus})\"}}}}\n      \
         - {{id: filt, type: custom, engine: lakegate, implementation: {{metric: rowCount, mustBeGreaterThan: 0, \
         where: \"{or}\"}}}}\n      \
         - {{id: q, type: sql, query: \"SELECT sum({plus}) FROM t\", mustBeGreaterThan: 0}}\n"
    )
}

fn data(dir: &Path) {
    std::fs::write(dir.join("t.csv"), "id,v\n1,2\n3,2\n").expect("data");
}

#[test]
fn five_thousand_terms_error_their_rule_and_never_abort() {
    let dir = tempfile::tempdir().expect("tempdir");
    data(dir.path());
    std::fs::write(dir.path().join("c.odcs.yaml"), long_rules(5000)).expect("contract");
    let (code, report, all) = run(dir.path(), &["check", "c.odcs.yaml"]);
    assert_eq!(code, 3, "{all}");
    for rule in ["/cond", "/expr", "/filt", "/q"] {
        let (status, message) = status_of(&report, rule);
        assert_eq!(status, "errored", "{rule}: {message}");
        assert!(message.contains("too long") && message.contains("at most"), "{rule}: {message}");
        assert!(message.len() < 400, "{rule}: the message quotes the whole expression: {message}");
    }
    // The other checks of the dataset are unaffected.
    assert_eq!(status_of(&report, "/rows").0, "passed");
}

#[test]
fn two_hundred_terms_still_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    data(dir.path());
    std::fs::write(dir.path().join("c.odcs.yaml"), long_rules(200)).expect("contract");
    let (code, report, all) = run(dir.path(), &["check", "c.odcs.yaml"]);
    assert_eq!(code, 0, "{all}");
    assert_eq!(status_of(&report, "/cond").0, "passed");
    let checks = checks(&report);
    let value = |id: &str| {
        report["contracts"][0]["checks"]
            .as_array()
            .and_then(|a| a.iter().find(|c| c["id"].as_str().is_some_and(|s| s.ends_with(id))))
            .and_then(|c| c["observed"].as_f64())
    };
    // sum(id + id + ...) over ids 1 and 3: 200 * 4.
    assert_eq!(value("/expr"), Some(800.0), "{checks:?}");
    assert_eq!(value("/q"), Some(800.0), "{checks:?}");
    assert_eq!(value("/filt"), Some(2.0), "{checks:?}");
}

#[test]
fn a_long_where_flag_errors_the_run_without_aborting() {
    let dir = tempfile::tempdir().expect("tempdir");
    data(dir.path());
    std::fs::write(dir.path().join("c.odcs.yaml"), HEAD).expect("contract");
    let long = vec!["id = 1"; 5000].join(" OR ");
    let (code, report, all) = run(dir.path(), &["check", "c.odcs.yaml", "--where", &long]);
    assert_eq!(code, 3, "{all}");
    assert!(all.contains("--where") && all.contains("too long"), "{all}");
    assert_eq!(status_of(&report, "/rows").0, "errored");
    let short = vec!["id = 1"; 200].join(" OR ");
    let (code, report, all) = run(dir.path(), &["check", "c.odcs.yaml", "--where", &short]);
    assert_eq!(code, 0, "{all}");
    assert_eq!(status_of(&report, "/rows").0, "passed");
}

#[test]
fn deeply_nested_yaml_is_refused_at_once_with_its_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 200_000;
    let cases = [
        ("flow.odcs.yaml", format!("{}1{}", "{a: ".repeat(n), "}".repeat(n)), 1),
        ("list.odcs.yaml", format!("apiVersion: v3.1.0\nx: {}1{}\n", "[".repeat(n), "]".repeat(n)), 2),
        ("block.odcs.yaml", format!("apiVersion: v3.1.0\nx:\n  {}1\n", "- ".repeat(n)), 3),
    ];
    for (file, text, line) in cases {
        std::fs::write(dir.path().join(file), text).expect("contract");
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
            .current_dir(dir.path())
            .args(["lint", file])
            .output()
            .expect("lint");
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(started.elapsed() < Duration::from_secs(20), "{file}: took {:?}", started.elapsed());
        assert_eq!(out.status.code(), Some(2), "{file}: {all}");
        assert!(all.contains("nested too deeply"), "{file}: {all}");
        assert!(all.contains(&format!("{file}:{line}:")), "{file}: no file:line in {all}");
    }
    // A contract nesting a few levels (a struct of a list of structs) stays valid.
    let nested = "apiVersion: v3.1.0\nkind: DataContract\nid: n\nversion: 1.0.0\nstatus: active\nschema:\n  - name: t\n    \
                  properties:\n      - name: s\n        logicalType: object\n        properties:\n          - name: l\n            \
                  logicalType: array\n            items:\n              logicalType: object\n              properties:\n                \
                  - {name: x, logicalType: integer, description: \"[not {a flow} ] | > '\"}\n";
    std::fs::write(dir.path().join("ok.odcs.yaml"), nested).expect("contract");
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(dir.path())
        .args(["lint", "ok.odcs.yaml"])
        .output()
        .expect("lint");
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{all}");
}
