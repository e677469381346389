//! Faults found when lakegate first met real data (issue 12): a missing or renamed column is a
//! breach (exit 1) whose dependent checks are skipped with a reason, one bad rule never errors
//! its neighbours, nested struct fields are checked like top-level columns, and array items
//! are checked or skipped with a reason. Each test runs the real binary on files it writes.

mod common;

use std::path::Path;
use std::process::Command;

use polars::prelude::*;
use serde_json::Value;

/// Runs `lakegate check c.odcs.yaml` in `dir` (after writing the contract): exit code, stdout
/// and the JSON report.
fn check(dir: &Path, contract: &str) -> (i32, String, Value) {
    std::fs::write(dir.join("c.odcs.yaml"), contract).expect("write contract");
    let out = lakegate_in(dir, &["check", "c.odcs.yaml", "--now", "2026-11-26T06:00:00Z", "--format", "json"]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = serde_json::from_str(&stdout).unwrap_or(Value::Null);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "lakegate panicked: {stderr}");
    (out.status.code().unwrap_or(-1), stdout, json)
}

/// (status, message) of the check whose id ends with `suffix`.
fn status(json: &Value, suffix: &str) -> (String, String) {
    for c in json["contracts"].as_array().expect("contracts") {
        for r in c["checks"].as_array().expect("checks") {
            if r["id"].as_str().is_some_and(|s| s.ends_with(suffix)) {
                return (r["status"].as_str().unwrap_or("").to_owned(), r["message"].as_str().unwrap_or("").to_owned());
            }
        }
    }
    panic!("no check ending with {suffix} in {json}");
}

/// Runs the lakegate binary in `dir` with `args`.
fn lakegate_in(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lakegate")).current_dir(dir).args(args).output().expect("run lakegate")
}

const HEADER: &str = "apiVersion: v3.1.0\nkind: DataContract\nid: t\nversion: 1.0.0\nstatus: active\n";

fn contract(path: &str, format: &str, schema: &str) -> String {
    format!(
        "{HEADER}servers:\n  - server: local\n    type: local\n    path: {path}\n    format: {format}\nschema:\n{schema}"
    )
}

#[test]
fn a_missing_column_is_a_breach_and_its_value_checks_are_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("p.csv"), "id,Sex,age\n1,M,30\n2,F,40\n3,F,-1\n").expect("csv");
    let (code, _, json) = check(
        dir.path(),
        &contract(
            "p.csv",
            "csv",
            r#"  - name: p
    properties:
      - name: id
        logicalType: integer
        required: true
      - name: sex
        logicalType: string
        required: true
        logicalTypeOptions: { pattern: "^[MF]$" }
      - name: age
        logicalType: integer
        logicalTypeOptions: { minimum: 0 }
    quality:
      - id: sexes
        type: custom
        engine: lakegate
        implementation: { metric: rowCondition, expression: "sex IN ('M', 'F')", mustBe: 0 }
"#,
        ),
    );
    assert_eq!(code, 1, "a missing column is a contract breach (exit 1), not unreadable data (exit 3)");
    let (s, m) = status(&json, "p/sex/schema.present");
    assert_eq!(s, "failed");
    assert!(m.contains("the data has `Sex` (the case differs)"), "rename hint: {m}");
    for id in ["p/sex/schema.type", "p/sex/required", "p/sex/pattern", "p/sexes"] {
        let (s, m) = status(&json, id);
        assert_eq!(s, "skipped", "{id}: {m}");
        assert_eq!(m, "column `sex` is missing (see check t/p/sex/schema.present)", "{id}");
    }
    assert_eq!(status(&json, "p/age/minimum").0, "failed", "the other checks still run");
    assert_eq!(json["summary"]["errored"], 0);
}

#[test]
fn a_rule_over_an_undeclared_column_is_a_contract_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("p.csv"), "id,amount\n1,3\n").expect("csv");
    std::fs::write(
        dir.path().join("c.odcs.yaml"),
        contract(
            "p.csv",
            "csv",
            r#"  - name: p
    properties:
      - name: id
        logicalType: integer
    quality:
      - id: positive
        type: custom
        engine: lakegate
        implementation: { metric: rowCondition, expression: "amout > 0", mustBe: 0 }
"#,
        ),
    )
    .expect("contract");
    // Never a pass, never "unreadable data": a lint error before any data is read (exit 2), or
    // a failed rule with a hint at the column the data has (exit 1).
    let out = lakegate_in(dir.path(), &["check", "c.odcs.yaml", "--format", "json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(2) => assert!(err.contains("column `amout`") && err.contains("c.odcs.yaml:"), "{err}"),
        Some(1) => {
            let json: Value = serde_json::from_slice(&out.stdout).expect("json");
            let (s, m) = status(&json, "p/positive");
            assert_eq!(s, "failed");
            assert!(m.contains("column `amout` is not in the data") && m.contains("did you mean `amount`?"), "{m}");
        }
        other => panic!("exit {other:?}: {err}"),
    }
}

#[test]
fn one_failing_expression_errors_only_its_own_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("p.csv"), "id,code\n1,A\n2,B\n3,\n").expect("csv");
    let (code, _, json) = check(
        dir.path(),
        &contract(
            "p.csv",
            "csv",
            r#"  - name: p
    properties:
      - name: id
        logicalType: integer
        required: true
      - name: code
        logicalType: string
    quality:
      - id: casts
        type: custom
        engine: lakegate
        implementation: { metric: rowCondition, expression: "CAST(code AS INT) > 0", mustBe: 0 }
      - id: sum_ids
        type: custom
        engine: lakegate
        implementation: { metric: sum, property: id, mustBe: 6 }
      - id: typed
        type: custom
        engine: lakegate
        implementation: { metric: rowCondition, expression: "id + code > 0", mustBe: 0 }
"#,
        ),
    );
    // The cast fails while reading; `id + code` does not type-check: each errors alone.
    assert_eq!(status(&json, "p/casts").0, "errored");
    assert!(status(&json, "p/casts").1.contains("conversion"), "{}", status(&json, "p/casts").1);
    assert_eq!(status(&json, "p/sum_ids"), ("passed".to_owned(), "observed 6, expected = 6".to_owned()));
    assert_eq!(status(&json, "p/id/required").0, "passed");
    assert_eq!(status(&json, "p/typed").0, "errored");
    assert_eq!(json["summary"]["errored"], 2, "only the two bad rules: {json}");
    assert_eq!(code, 3);
}

#[test]
fn struct_fields_have_value_checks_and_array_items_are_typed() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("n.json"),
        concat!(
            "{\"id\":1,\"s\":{\"a\":1,\"b\":\"x\"},\"tags\":[\"a\",\"b\"]}\n",
            "{\"id\":2,\"s\":{\"a\":null,\"b\":\"yy\"},\"tags\":[]}\n",
            "{\"id\":3,\"s\":{\"a\":-5,\"b\":\"z\"},\"tags\":[\"c\"]}\n",
        ),
    )
    .expect("json");
    let (code, _, json) = check(
        dir.path(),
        &contract(
            "n.json",
            "json",
            r#"  - name: n
    properties:
      - name: id
        logicalType: integer
      - name: s
        logicalType: object
        properties:
          - name: a
            logicalType: integer
            required: true
            logicalTypeOptions: { minimum: 0 }
          - name: b
            logicalType: string
            logicalTypeOptions: { maxLength: 1 }
      - name: tags
        logicalType: array
        items:
          logicalType: string
          logicalTypeOptions: { maxLength: 1 }
"#,
        ),
    );
    assert_eq!(code, 1);
    let observed = |suffix: &str| {
        for r in json["contracts"][0]["checks"].as_array().expect("checks") {
            if r["id"].as_str().is_some_and(|s| s.ends_with(suffix)) {
                return (r["status"].as_str().unwrap_or("").to_owned(), r["observed"].clone());
            }
        }
        panic!("{suffix}")
    };
    assert_eq!(observed("n/s.a/required"), ("failed".to_owned(), Value::from(1.0)));
    assert_eq!(observed("n/s.a/minimum"), ("failed".to_owned(), Value::from(1.0)));
    assert_eq!(observed("n/s.b/maxLength"), ("failed".to_owned(), Value::from(1.0)));
    assert_eq!(observed("n/tags[]/schema.type").0, "passed");
    let (s, m) = status(&json, "n/tags[]/logicalTypeOptions/maxLength");
    assert_eq!(s, "skipped");
    assert!(m.ends_with("`items.logicalTypeOptions.maxLength`"), "{m}");
}

#[test]
fn array_items_of_another_type_fail_their_type_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("n.json"), "{\"tags\":[1,2]}\n").expect("json");
    let (code, _, json) = check(
        dir.path(),
        &contract(
            "n.json",
            "json",
            "  - name: n\n    properties:\n      - name: tags\n        logicalType: array\n        items: { logicalType: string }\n",
        ),
    );
    assert_eq!(code, 1);
    assert_eq!(status(&json, "n/tags[]/schema.type").0, "failed");
}

#[test]
fn samples_out_exports_every_row_of_a_duplicated_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("d.csv"), "id,code\n1,A\n2,B\n1,C\n3,D\n1,E\n3,F\n").expect("csv");
    std::fs::write(
        dir.path().join("c.odcs.yaml"),
        contract("d.csv", "csv", "  - name: d\n    properties:\n      - name: id\n        logicalType: integer\n        unique: true\n      - name: code\n        logicalType: string\n"),
    )
    .expect("contract");
    let out = lakegate_in(dir.path(), &["check", "c.odcs.yaml", "--samples-out", "quarantine"]);
    assert_eq!(out.status.code(), Some(1));
    let file = dir.path().join("quarantine/t_d_id_unique.parquet");
    let df = ParquetReader::new(std::fs::File::open(&file).expect("exported file")).finish().expect("parquet");
    let codes: Vec<&str> = df.column("code").expect("code").str().expect("str").iter().flatten().collect();
    assert_eq!(codes, ["A", "C", "D", "E", "F"], "every row of keys 1 and 3, in the data's order");
    // The next run: a file someone else put there stays; the export of a check that now
    // passes goes.
    std::fs::write(dir.path().join("quarantine/user_data.parquet"), b"not lakegate's").expect("user file");
    std::fs::write(dir.path().join("d.csv"), "id,code\n1,A\n2,B\n").expect("csv");
    let out = lakegate_in(dir.path(), &["check", "c.odcs.yaml", "--samples-out", "quarantine"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!file.exists(), "the stale export is removed");
    assert!(dir.path().join("quarantine/user_data.parquet").is_file(), "a file lakegate did not write stays");
}

#[test]
fn a_column_some_files_lack_is_present_with_the_count_of_files_lacking_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let ev = dir.path().join("ev");
    std::fs::create_dir_all(&ev).expect("mkdir");
    std::fs::write(ev.join("f1.csv"), "id,a\n1,x\n").expect("csv");
    std::fs::write(ev.join("f2.csv"), "id,a,b\n2,y,5\n").expect("csv");
    std::fs::write(ev.join("f3.csv"), "id,a,b\n3,z,\n").expect("csv");
    let (code, _, json) = check(
        dir.path(),
        &contract(
            "./ev",
            "csv",
            "  - name: ev\n    properties:\n      - name: b\n        logicalType: integer\n        required: true\n",
        ),
    );
    assert_eq!(code, 1);
    let (s, m) = status(&json, "ev/b/schema.present");
    assert_eq!(s, "passed");
    assert_eq!(m, "`b` is present (int64); missing in 1 of 3 files (read as nulls there)");
    assert_eq!(status(&json, "ev/b/required").1, "observed 2, expected = 0", "the file without `b` reads as nulls");
}

#[test]
fn an_unknown_physical_type_is_skipped_never_passed() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("p.csv"), "g,h\nPOINT(1 2),1\n").expect("csv");
    let (code, _, json) = check(
        dir.path(),
        &contract(
            "p.csv",
            "csv",
            "  - name: p\n    properties:\n      - name: g\n        physicalType: GEOGRAPHY\n      - name: h\n        logicalType: integer\n        physicalType: HUGEINTEGER\n",
        ),
    );
    assert_eq!(code, 0);
    let (s, m) = status(&json, "p/g/schema.type");
    assert_eq!(
        (s.as_str(), m.as_str()),
        ("skipped", "physicalType `GEOGRAPHY` is not a type name lakegate knows: its type is not checked")
    );
    let (s, m) = status(&json, "p/h/schema.type");
    assert_eq!(s, "passed");
    assert!(m.contains("the logicalType only: physicalType `HUGEINTEGER`"), "{m}");
}

#[test]
fn map_keys_and_values_are_typed() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A map as Parquet and Arrow store it: a list of (key, value) structs, here from NDJSON.
    std::fs::write(
        dir.path().join("m.json"),
        "{\"attrs\":[{\"key\":\"colour\",\"value\":1},{\"key\":\"size\",\"value\":2}]}\n",
    )
    .expect("json");
    let schema = r#"  - name: m
    properties:
      - name: attrs
        logicalType: map
        map:
          key: { logicalType: string, required: true }
          value: { logicalType: string }
"#;
    let text = contract("m.json", "json", schema).replace("apiVersion: v3.1.0", "apiVersion: v3.2.0");
    let (code, _, json) = check(dir.path(), &text);
    assert_eq!(code, 1, "{json}");
    assert_eq!(status(&json, "m/attrs[].<key>/schema.type").0, "passed");
    let (s, m) = status(&json, "m/attrs[].<value>/schema.type");
    assert_eq!(s, "failed", "{m}");
    let (s, m) = status(&json, "m/attrs[].<key>/required");
    assert_eq!(s, "skipped");
    assert!(m.ends_with("`map.key.required`"), "{m}");
}

#[test]
fn a_sql_rule_that_fails_inside_polars_errors_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut df = df!("id" => ["1", "2", "x"], "amount" => [1i64, 2, 3]).expect("frame");
    common::write_parquet(&dir.path().join("wt.parquet"), &mut df);
    let (code, _, json) = check(
        dir.path(),
        &contract(
            "wt.parquet",
            "parquet",
            r#"  - name: wt
    properties:
      - name: id
        logicalType: string
        quality:
          - {id: casts, type: sql, query: "SELECT COUNT(*) FROM {object} WHERE CAST(id AS INT) > 0", mustBeGreaterThan: 0}
      - name: amount
        logicalType: integer
    quality:
      - {id: rows, metric: rowCount, mustBeGreaterThan: 0}
      - {id: count_sql, type: sql, query: "SELECT COUNT(*) FROM wt", mustBe: 3}
"#,
        ),
    );
    assert_eq!(code, 3);
    let (s, m) = status(&json, "wt/id/casts");
    assert_eq!(s, "errored");
    assert!(m.contains("conversion from `str` to `i32` failed"), "the polars error is the reason: {m}");
    assert_eq!(status(&json, "wt/rows").0, "passed");
    assert_eq!(status(&json, "wt/count_sql").0, "passed");
    assert_eq!(json["summary"]["errored"], 1);
}

#[test]
fn groups_without_a_value_are_left_out_and_nan_groups_errored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut df = df!(
        "g" => ["a", "a", "b", "c"],
        "i" => [Some(1i64), Some(2), None, Some(3)],
        "x" => [Some(1.0f64), Some(2.0), None, Some(f64::NAN)]
    )
    .expect("frame");
    common::write_parquet(&dir.path().join("grp.parquet"), &mut df);
    let rule = |id: &str, metric: &str, property: &str| {
        format!(
            "      - {{id: {id}, type: custom, engine: lakegate, implementation: {{metric: {metric}, property: {property}, groupBy: [g], mustBeLessThan: 10}}}}\n"
        )
    };
    let schema = format!(
        "  - name: grp\n    properties:\n      - {{name: g, logicalType: string}}\n      - {{name: i, logicalType: integer}}\n      - {{name: x, logicalType: number}}\n    quality:\n{}{}{}",
        rule("max_i", "max", "i"),
        rule("sum_x", "sum", "x"),
        "      - {id: none, type: custom, engine: lakegate, implementation: {metric: avg, property: i, where: \"g = 'b'\", groupBy: [g], mustBeLessThan: 10}}\n",
    );
    let (_, _, json) = check(dir.path(), &contract("grp.parquet", "parquet", &schema));
    let (s, m) = status(&json, "grp/max_i");
    assert_eq!(s, "passed", "group b has only nulls: no value, not NaN ({m})");
    assert!(m.ends_with("(1 group(s) without a value (only nulls): b)"), "{m}");
    let (s, m) = status(&json, "grp/sum_x");
    assert_eq!((s.as_str(), m.as_str()), ("errored", "NaN in the data of 1 group(s): c"));
    let (s, m) = status(&json, "grp/none");
    assert_eq!(s, "errored", "no group with a value is no pass: {m}");
    assert!(m.starts_with("no group has a value"), "{m}");
}

#[test]
fn a_report_with_nan_values_reads_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("run.json"),
        r#"{"report_version":1,"lakegate_version":"0.1.0","run_id":"r","started_at":"2026-11-26T06:00:00Z",
        "finished_at":"2026-11-26T06:00:01Z","now":"2026-11-26T06:00:00Z","server":null,"command":[],
        "contracts":[{"id":"c","name":null,"version":"1","domain":null,"owner":null,"description":null,
        "file":"c.yaml","server":null,"slas":[],"datasets":[],"checks":[{"id":"c/t/x","kind":"k","dataset":"t",
        "property":null,"title":"t","tags":[],"location":{"file":"c.yaml","line":1,"column":1},"severity":"error",
        "status":"failed","observed":1.0,"expected":"< 10","message":"m","failing_groups":[["b",null]],
        "threshold":{"operator":"mustBeLessThan","value":[null]}}],
        "summary":{"total":1,"passed":0,"warnings":0,"failed":1,"errored":0,"skipped":0}}],
        "summary":{"total":1,"passed":0,"warnings":0,"failed":1,"errored":0,"skipped":0}}"#,
    )
    .expect("json");
    let out = lakegate_in(dir.path(), &["report", "run.json"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("1 checks: 0 passed, 0 warnings, 1 failed"),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn dates_timestamps_and_booleans_are_not_compared_with_numbers_or_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("b.csv"), "id,day,flag\n1,2026-11-25,true\n2,2026-11-26,false\n").expect("csv");
    let rule = |id: &str, e: &str| {
        format!(
            "      - {{id: {id}, type: custom, engine: lakegate, implementation: {{metric: rowCondition, expression: \"{e}\", mustBe: 0}}}}\n"
        )
    };
    let schema = format!(
        "  - name: b\n    properties:\n      - {{name: id, logicalType: integer}}\n      - {{name: day, logicalType: date}}\n      - {{name: flag, logicalType: boolean}}\n    quality:\n{}{}{}",
        rule("day_number", "day > 5"),
        rule("flag_text", "flag = 'yes'"),
        rule("day_text", "day >= '2026-11-25'"),
    );
    let (code, _, json) = check(dir.path(), &contract("b.csv", "csv", &schema));
    assert_eq!(code, 3);
    let (s, m) = status(&json, "b/day_number");
    assert_eq!(s, "errored");
    assert!(m.contains("`day` is a date and cannot be compared with the number 5"), "{m}");
    let (s, m) = status(&json, "b/flag_text");
    assert_eq!(s, "errored");
    assert!(m.contains("`flag` is a boolean and cannot be compared with the string 'yes'"), "{m}");
    assert_eq!(status(&json, "b/day_text").0, "passed", "a date literal is cast to the column's type");
}

#[test]
fn reports_to_devices_and_links_write_through_never_replace() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("p.csv"), "id\n1\n").expect("csv");
    std::fs::write(
        dir.path().join("c.odcs.yaml"),
        contract("p.csv", "csv", "  - name: p\n    properties:\n      - {name: id, logicalType: integer}\n"),
    )
    .expect("contract");
    std::os::unix::fs::symlink(dir.path().join("real.json"), dir.path().join("link.json")).expect("symlink");
    let out = lakegate_in(dir.path(), &["check", "c.odcs.yaml", "-q", "--metrics", "/dev/null", "--json", "link.json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    use std::os::unix::fs::FileTypeExt;
    assert!(
        std::fs::metadata("/dev/null").expect("/dev/null").file_type().is_char_device(),
        "/dev/null stays a device"
    );
    let link = std::fs::symlink_metadata(dir.path().join("link.json")).expect("link");
    assert!(link.file_type().is_symlink(), "the link stays a link");
    let report = std::fs::read_to_string(dir.path().join("real.json")).expect("the link's target holds the report");
    assert!(report.contains("\"report_version\": 1"));
    // A link leading out of the current folder (committed by a pull request): refused.
    let elsewhere = tempfile::tempdir().expect("elsewhere");
    std::os::unix::fs::symlink(elsewhere.path().join("new.html"), dir.path().join("out.html")).expect("symlink");
    let out = lakegate_in(dir.path(), &["check", "c.odcs.yaml", "-q", "--html=out.html"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!elsewhere.path().join("new.html").exists(), "nothing written outside");
    // Nor through a linked folder, for reports, the history and the samples folder alike.
    std::os::unix::fs::symlink(elsewhere.path(), dir.path().join("dirlink")).expect("folder link");
    for flag in ["--json=dirlink/r.json", "--history=dirlink", "--samples-out=dirlink/q"] {
        let out = lakegate_in(dir.path(), &["check", "c.odcs.yaml", "-q", flag]);
        assert_eq!(out.status.code(), Some(2), "{flag}");
    }
    assert_eq!(std::fs::read_dir(elsewhere.path()).expect("read").count(), 0, "nothing written outside");
    // A dangling link to another report's file is that file: refused, not overwritten.
    std::os::unix::fs::symlink("new.json", dir.path().join("dangling.xml")).expect("symlink");
    let out = lakegate_in(dir.path(), &["check", "c.odcs.yaml", "-q", "--json", "new.json", "--junit", "dangling.xml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is given for two reports"));
}

#[test]
fn history_refuses_a_lake_partition_folder_and_retention_never_deletes_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("p.csv"), "id\n1\n").expect("csv");
    std::fs::write(
        dir.path().join("c.odcs.yaml"),
        contract("p.csv", "csv", "  - name: p\n    properties:\n      - {name: id, logicalType: integer}\n"),
    )
    .expect("contract");
    let day = dir.path().join("lake/date=2020-01-01");
    std::fs::create_dir_all(&day).expect("mkdir");
    std::fs::write(day.join("part-0000.parquet"), b"data").expect("data");
    let out = lakegate_in(dir.path(), &["check", "c.odcs.yaml", "--history=lake", "--history-retention", "30d"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a lakegate history folder") && err.contains("part-0000.parquet"), "{err}");
    assert!(day.join("part-0000.parquet").is_file(), "nothing deleted");
}

#[test]
fn a_column_typed_by_its_physical_type_alone_counts_values_that_do_not_parse() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("pp.csv"), "id,amount\n1,2.5\n2,x\n").expect("csv");
    let schema = "  - name: pp\n    properties:\n      - {name: id, physicalType: INTEGER}\n      - {name: amount, physicalType: \"DECIMAL(10,2)\"}\n";
    let (code, _, json) = check(dir.path(), &contract("pp.csv", "csv", schema));
    assert_eq!(code, 1);
    assert_eq!(status(&json, "pp/id/schema.type").0, "passed", "INTEGER on a CSV passes its own type check");
    assert_eq!(status(&json, "pp/id/schema.parse").0, "passed");
    let (s, m) = status(&json, "pp/amount/schema.parse");
    assert_eq!((s.as_str(), m.as_str()), ("failed", "observed 1, expected = 0"), "`x` is not a DECIMAL(10,2)");
}

#[test]
fn empty_files_and_columns_of_nulls_take_the_declared_types() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A column that holds only nulls has Arrow's null type: nothing said what type it is.
    let mut df =
        DataFrame::new(2, vec![Column::new("id".into(), [1i64, 2]), Series::new_null("note".into(), 2).into_column()])
            .expect("frame");
    common::write_parquet(&dir.path().join("n.parquet"), &mut df);
    let schema = "  - name: n\n    properties:\n      - {name: id, logicalType: integer}\n      - {name: note, logicalType: string, logicalTypeOptions: {minLength: 2}}\n";
    let (code, _, json) = check(dir.path(), &contract("n.parquet", "parquet", schema));
    assert_eq!(code, 0, "{json}");
    assert_eq!(status(&json, "n/note/schema.type").0, "passed");
    assert_eq!(status(&json, "n/note/minLength").0, "passed", "nulls are ignored by value checks");

    // An NDJSON file with no rows (`[]`): the declared columns are there, with no rows.
    std::fs::write(dir.path().join("e.json"), "[]").expect("json");
    let schema = "  - name: e\n    properties:\n      - {name: id, logicalType: integer, required: true}\n";
    let (code, _, json) = check(dir.path(), &contract("e.json", "json", schema));
    assert_eq!(code, 0, "{json}");
    assert_eq!(status(&json, "e/id/schema.present").0, "passed");
}

#[test]
fn a_glob_never_follows_a_symbolic_link_out_of_the_data_roots() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outside = tempfile::tempdir().expect("outside");
    std::fs::write(outside.path().join("secret.csv"), "user\ns3cr3t-value\n").expect("secret");
    std::fs::create_dir_all(dir.path().join("lake/ok")).expect("mkdir");
    std::fs::write(dir.path().join("lake/ok/t.csv"), "user\nalice\n").expect("data");
    std::os::unix::fs::symlink(outside.path(), dir.path().join("lake/link")).expect("symlink");
    let schema = "  - name: t\n    properties:\n      - {name: user, logicalType: string, logicalTypeOptions: {pattern: '^zzz$'}}\n";
    // The file outside is not read (nor named); the one inside is.
    let (code, stdout, json) = check(dir.path(), &contract("lake/*/*.csv", "csv", schema));
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(json["contracts"][0]["datasets"][0]["rows"], 1);
    assert!(!stdout.contains("s3cr3t-value") && !stdout.contains("secret.csv"), "nothing outside is shown: {stdout}");
    // A pattern that finds only files outside says what a pattern that finds nothing says.
    let (code, outside_only, _) = check(dir.path(), &contract("lake/l*/*.csv", "csv", schema));
    assert_eq!(code, 3);
    let (_, nothing, _) = check(dir.path(), &contract("lake/q*/*.csv", "csv", schema));
    let error = |out: &str, pattern: &str| {
        let v: Value = serde_json::from_str(out).expect("json");
        v["contracts"][0]["datasets"][0]["error"].as_str().unwrap_or("").replace(pattern, "P")
    };
    assert_eq!(error(&outside_only, "lake/l*/*.csv"), error(&nothing, "lake/q*/*.csv"));
    // The folder itself allowed in the project file: read.
    std::fs::write(dir.path().join(".lakegate.yaml"), format!("roots: ['{}']\n", outside.path().display()))
        .expect("project");
    let (code, _, json) = check(dir.path(), &contract("lake/*/*.csv", "csv", schema));
    assert_eq!(code, 1, "{json}");
    assert_eq!(json["contracts"][0]["datasets"][0]["rows"], 2);
}

#[test]
fn an_expression_over_a_retyped_column_is_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Declared a timestamp, but the data holds text (JSON strings stay text when not typed).
    let mut df = df!("ts" => ["2026-11-02", "bad", "2026-11-03"], "id" => [1i64, 2, 3]).expect("frame");
    common::write_parquet(&dir.path().join("t.parquet"), &mut df);
    let schema = "  - name: t\n    properties:\n      - {name: ts, logicalType: timestamp, required: true}\n      - {name: id, logicalType: integer}\n    quality:\n      - {id: recent, type: custom, engine: lakegate, implementation: {metric: rowCount, where: \"ts > '2026-11-01'\", mustBe: 2}}\n";
    let (code, _, json) = check(dir.path(), &contract("t.parquet", "parquet", schema));
    assert_eq!(code, 1);
    assert_eq!(status(&json, "t/ts/schema.type").0, "failed");
    assert_eq!(status(&json, "t/ts/required").0, "passed", "nulls are counted right whatever the type");
    let (s, m) = status(&json, "t/recent");
    assert_eq!(
        (s.as_str(), m.as_str()),
        ("skipped", "column `ts` is not of its declared type (see check t/t/ts/schema.type)")
    );
}

#[test]
fn schema_only_counts_no_csv_rows() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A ragged row: any scan of the rows would fail; --schema-only reads the header only.
    std::fs::write(dir.path().join("p.csv"), "id,name\n1,a\n2,b,c,d\n").expect("csv");
    std::fs::write(
        dir.path().join("c.odcs.yaml"),
        contract(
            "p.csv",
            "csv",
            "  - name: p\n    properties:\n      - {name: id, logicalType: integer, required: true}\n",
        ),
    )
    .expect("contract");
    let out = lakegate_in(dir.path(), &["check", "c.odcs.yaml", "--schema-only", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(json["contracts"][0]["datasets"][0]["rows"].is_null(), "no row was counted: {json}");
}

#[test]
fn an_export_that_cannot_be_written_exits_2_and_keeps_the_verdict_and_samples() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("d.csv"), "id\n1\n1\n").expect("csv");
    std::fs::write(
        dir.path().join("c.odcs.yaml"),
        contract(
            "d.csv",
            "csv",
            "  - name: d\n    properties:\n      - {name: id, logicalType: integer, unique: true}\n",
        ),
    )
    .expect("contract");
    // A folder where the export file goes: the write fails (as on a full or read-only disk).
    let q = dir.path().join("quarantine");
    std::fs::create_dir_all(q.join("t_d_id_unique.parquet")).expect("mkdir");
    std::fs::write(q.join(".lakegate-samples"), "written by lakegate\n").expect("marker");
    let out = lakegate_in(dir.path(), &["check", "c.odcs.yaml", "--samples-out", "quarantine", "--json", "r.json"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("t_d_id_unique.parquet") && err.contains("verdict was exit 1"), "{err}");
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).expect("report")).expect("json");
    assert_eq!(status(&json, "d/id/unique").0, "failed", "the verdict is in the report");
    let samples = &json["contracts"][0]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == "t/d/id/unique")
        .expect("unique")["samples"];
    assert!(samples["rows"].as_array().is_some_and(|r| !r.is_empty()), "samples kept: {samples}");
}

#[test]
fn on_bad_file_skip_checks_the_other_files_and_names_the_bad_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("bad");
    std::fs::create_dir_all(&bad).expect("mkdir");
    std::fs::write(bad.join("a.csv"), "id\n1\n2\n").expect("csv");
    std::fs::write(bad.join("b.csv"), "PAR1 not a csv").expect("bad file");
    std::fs::write(bad.join("c.csv"), "id\n3\n").expect("csv");
    let schema = "  - name: b\n    properties:\n      - {name: id, logicalType: integer}\n    quality:\n      - {id: rows, metric: rowCount, mustBe: 3}\n";
    std::fs::write(dir.path().join("c.odcs.yaml"), contract("bad", "csv", schema)).expect("contract");
    let run = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
            .current_dir(dir.path())
            .args(["check", "c.odcs.yaml", "--format", "json"])
            .args(extra)
            .output()
            .expect("run lakegate");
        (out.status.code(), serde_json::from_slice::<Value>(&out.stdout).expect("json"))
    };
    let (code, json) = run(&[]);
    assert_eq!(code, Some(3), "by default one bad file errors the dataset");
    assert!(json["contracts"][0]["datasets"][0]["error"].as_str().is_some_and(|e| e.contains("bad/b.csv")));
    let (code, json) = run(&["--on-bad-file", "skip"]);
    assert_eq!(code, Some(0), "{json}");
    assert_eq!(status(&json, "b/rows").0, "passed");
    let skipped = json["contracts"][0]["datasets"][0]["skipped_files"][0].as_str().unwrap_or("").to_owned();
    assert!(skipped.contains("bad/b.csv") && skipped.contains("Parquet"), "{skipped}");

    // A Parquet file whose declared column has another type than the files before it.
    let p = dir.path().join("pq");
    common::write_parquet(&p.join("a.parquet"), &mut df!("id" => [1i64, 2]).expect("frame"));
    common::write_parquet(&p.join("b.parquet"), &mut df!("id" => ["x"]).expect("frame"));
    common::write_parquet(&p.join("c.parquet"), &mut df!("id" => [3i64]).expect("frame"));
    std::fs::write(dir.path().join("c.odcs.yaml"), contract("pq", "parquet", schema)).expect("contract");
    let (code, json) = run(&["--on-bad-file", "skip"]);
    assert_eq!(code, Some(0), "{json}");
    let skipped = json["contracts"][0]["datasets"][0]["skipped_files"][0].as_str().unwrap_or("").to_owned();
    assert!(skipped.contains("pq/b.parquet"), "{skipped}");
    let (code, _) = run(&[]);
    assert_eq!(code, Some(3));
}
