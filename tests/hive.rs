//! Hive partitions: the folders' keys are added by lakegate (typed by the contract), never also
//! by polars' own hive reading (which made every file look as if it held the key column).

mod common;

use polars::prelude::*;

const CONTRACT: &str = "apiVersion: v3.0.2
kind: DataContract
id: hive
name: hive
version: 1.0.0
status: active
servers:
  - {server: lake, type: local, path: data, format: parquet}
schema:
  - name: t
    properties:
      - {name: a, logicalType: integer, required: true}
      - {name: dt, logicalType: date, required: true}
";

#[test]
fn only_a_file_holding_the_key_column_is_warned_about() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    std::fs::write(d.join("c.odcs.yaml"), CONTRACT).expect("write");
    // dt=2026-11-20: the file has no `dt` column (the usual layout); dt=2026-11-21: it has one,
    // with another value (the folder's wins).
    common::write_parquet(&d.join("data/dt=2026-11-20/p.parquet"), &mut df!("a" => [1i64, 2, 3]).expect("df"));
    common::write_parquet(
        &d.join("data/dt=2026-11-21/p.parquet"),
        &mut df!("a" => [4i64], "dt" => ["1999-01-01"]).expect("df"),
    );
    let (code, out, err) =
        common::lakegate(d, &["check", "c.odcs.yaml", "--format", "json", "--now", "2026-11-22T00:00:00Z"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let warned: Vec<&str> = err.lines().filter(|l| l.contains("has a column `dt`")).collect();
    assert_eq!(warned.len(), 1, "{err}");
    assert!(warned[0].contains("dt=2026-11-21"), "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(report["contracts"][0]["datasets"][0]["rows"], 4, "{out}");
}
