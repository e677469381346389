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

/// A dataset with a column literally named `a.b`, a struct `s` with fields `x` and `y`, and
/// plain columns; a second dataset keyed by `a.b` for a relationship.
fn dotted_data(dir: &Path) {
    use polars::prelude::*;
    let s = StructChunked::from_series(
        "s".into(),
        5,
        [Series::new("x".into(), [1i64, 2, 3, 4, 4]), Series::new("y".into(), ["p", "q", "r", "s", "t"])].iter(),
    )
    .expect("struct")
    .into_series();
    let mut t = DataFrame::new(
        5,
        vec![
            Column::new("id".into(), [1i64, 2, 3, 4, 5]),
            Column::new("a.b".into(), [Some(10i64), Some(20), Some(20), None, Some(50)]),
            s.into_column(),
            Column::new("g".into(), ["u", "u", "v", "v", "v"]),
        ],
    )
    .expect("frame");
    let mut r = DataFrame::new(2, vec![Column::new("a.b".into(), [10i64, 20])]).expect("frame");
    std::fs::create_dir_all(dir.join("data")).expect("mkdir");
    ParquetWriter::new(std::fs::File::create(dir.join("data/t.parquet")).expect("t")).finish(&mut t).expect("t");
    ParquetWriter::new(std::fs::File::create(dir.join("data/r.parquet")).expect("r")).finish(&mut r).expect("r");
}

const DOTTED: &str = r#"apiVersion: v3.1.0
kind: DataContract
id: dotted
version: 1.0.0
status: active
servers: [{server: local, type: local, path: "data/{model}.parquet", format: parquet}]
schema:
  - name: t
    properties:
      - {name: id, logicalType: integer, required: true, unique: true}
      - name: a.b
        logicalType: integer
        required: true
        unique: true
        relationships: [{to: r.a.b}]
        quality:
          - {id: ab_max, type: custom, engine: lakegate, implementation: {metric: max, property: a.b, mustBe: 50}}
          - {id: ab_set, type: custom, engine: lakegate, implementation: {metric: distinctValues, property: a.b, subsetOf: [10, 20], mustBe: 0}}
          - {id: ab_by_g, type: custom, engine: lakegate, implementation: {metric: max, property: a.b, groupBy: [g], mustBeLessThan: 30}}
          - {id: ab_cond, type: custom, engine: lakegate, implementation: {metric: rowCondition, expression: '"a.b" < 40', mustBe: 0}}
      - name: s
        logicalType: object
        properties:
          - {name: x, logicalType: integer, required: true, unique: true}
          - {name: y, logicalType: string, unique: true}
      - {name: g, logicalType: string}
    quality:
      - {id: rows, metric: rowCount, mustBe: 5}
      - {id: by_sx, type: custom, engine: lakegate, implementation: {metric: rowCount, groupBy: [s.x], mustBeLessThan: 2}}
      - {id: pair, metric: duplicateValues, arguments: {properties: [a.b, g]}, mustBe: 0}
  - name: r
    properties:
      - {name: a.b, logicalType: integer}
"#;

#[test]
fn a_column_named_with_a_dot_is_its_own_column_and_poisons_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    dotted_data(dir.path());
    std::fs::write(dir.path().join("c.odcs.yaml"), DOTTED).expect("contract");
    let (code, report, all) = run(dir.path(), &["check", "c.odcs.yaml", "--samples", "3"]);
    let checks = checks(&report);
    assert!(!checks.is_empty(), "{all}");
    for (id, status, message) in &checks {
        assert_ne!(status, "errored", "{id}: {message}\n{all}");
    }
    assert_eq!(code, 1, "{all}");
    let expect = |end: &str, want: &str| {
        let (status, message) = status_of(&report, end);
        assert_eq!(status, want, "{end}: {message}");
    };
    // `a.b` holds 10, 20, 20, null, 50.
    expect("t/a.b/schema.present", "passed");
    expect("/ab_max", "passed");
    expect("/ab_set", "failed");
    expect("/ab_by_g", "failed");
    expect("/ab_cond", "failed");
    // s.x holds 1, 2, 3, 4, 4; s.y is unique.
    expect("/by_sx", "failed");
    expect("/rows", "passed");
    expect("/pair", "passed");
    let by_id: Vec<&(String, String, String)> = checks.iter().filter(|(id, _, _)| id.contains("/a.b/")).collect();
    let kinds = |kind: &str, want: &str| {
        let hits: Vec<_> = checks.iter().filter(|(id, _, _)| id.ends_with(kind)).collect();
        assert!(!hits.is_empty(), "no {kind} in {checks:?}");
        for (id, status, message) in hits {
            let is_ok = if id.contains("/id/") || id.contains("/s.y/") { "passed" } else { want };
            assert_eq!(status, is_ok, "{id}: {message}");
        }
    };
    // Uniqueness: `a.b` and `s.x` each repeat a value; `id` and `s.y` do not.
    kinds("unique", "failed");
    // Required: `a.b` has a null; `s.x` and `id` have none.
    assert!(by_id.iter().any(|(id, status, _)| id.ends_with("required") && status == "failed"), "{by_id:?}");
    let (status, message) = checks
        .iter()
        .find(|(id, _, _)| id.contains("/s.x/") && id.ends_with("required"))
        .map(|(_, s, m)| (s.clone(), m.clone()))
        .unwrap_or_else(|| panic!("no s.x required in {checks:?}"));
    assert_eq!(status, "passed", "{message}");
    // The relationship: 50 is not in r.
    let (status, message) = checks
        .iter()
        .find(|(id, _, _)| id.contains("/a.b/") && id.contains("relationship"))
        .map(|(_, s, m)| (s.clone(), m.clone()))
        .unwrap_or_else(|| panic!("no relationship in {checks:?}"));
    assert_eq!(status, "failed", "{message}");
}
