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
/// (status, observed) of the check whose id ends with `suffix`.
fn outcome(json: &Value, suffix: &str) -> (String, Value) {
    outcomes(json)
        .into_iter()
        .find(|(id, _, _)| id.ends_with(suffix))
        .map(|(_, s, o)| (s, o))
        .unwrap_or_else(|| panic!("no check ending with {suffix} in {json}"))
}

/// One instant (2026-11-20T01:00:00Z, epoch 1795136400) in the shapes pandas, pyarrow, Spark and
/// databases write, then text that is no timestamp.
const SAME_INSTANT: [&str; 10] = [
    "2026-11-20 01:00:00.000000Z",
    "2026-11-20T01:00:00Z",
    "2026-11-20T01:00:00.000000000Z",
    "2026-11-20 01:00:00",
    "2026-11-20T01:00:00.0",
    "2026-11-20 01:00:00+00:00",
    "2026-11-20T02:00:00+01:00",
    "2026-11-20 02:00:00.000+0100",
    "2026-11-20T00:30:00-0030",
    "2026-11-20 01:00:00z",
];
const NOT_TIMESTAMPS: [&str; 6] = [
    "2026-11-20  01:00:00",
    "2026-11-20T01:00:00.1234567890Z",
    "2026-11-20T25:00:00Z",
    "2026-11-20T01:00:00+1",
    "20261120T010000Z",
    "2026-11-20T01:00:00 Z",
];

#[test]
fn csv_timestamps_parse_in_the_usual_iso_8601_shapes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = String::from("id,ts,ntz,bad\n");
    for (i, t) in SAME_INSTANT.iter().enumerate() {
        let bad = NOT_TIMESTAMPS.get(i).copied().unwrap_or("");
        text.push_str(&format!("{i},{t},{t},{bad}\n"));
    }
    std::fs::write(dir.path().join("t.csv"), &text).expect("csv");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, text.as_bytes()).expect("gzip");
    std::fs::write(dir.path().join("t.csv.gz"), gz.finish().expect("gzip")).expect("csv.gz");
    std::fs::write(dir.path().join("t.csv.zst"), zstd::encode_all(text.as_bytes(), 3).expect("zstd")).expect("zst");
    let rule = |m: &str, p: &str, v: u64| {
        format!(
            "      - {{type: custom, engine: lakegate, implementation: {{metric: {m}, property: {p}, mustBe: {v}}}}}\n"
        )
    };
    let mut schema = String::from(
        "  - name: t\n    properties:\n      - {name: id, logicalType: integer}\n      - {name: ts, physicalType: TIMESTAMP}\n      - {name: ntz, physicalType: TIMESTAMP_NTZ}\n      - {name: bad, logicalType: timestamp}\n    quality:\n",
    );
    for p in ["ts", "ntz"] {
        schema += &rule("distinctCount", p, 1);
        schema += &rule("min", p, 1_795_136_400);
        schema += &rule("max", p, 1_795_136_400);
    }
    for file in ["t.csv", "t.csv.gz", "t.csv.zst"] {
        let (code, json) = check(dir.path(), file, "csv", &schema, &[]);
        let parse = |c: &str| outcome(&json, &format!("t/{c}/schema.parse"));
        assert_eq!(parse("ts"), ("passed".into(), Value::from(0.0)), "{file}: {json}");
        assert_eq!(parse("ntz"), ("passed".into(), Value::from(0.0)), "{file}: {json}");
        // Every text that is no timestamp is counted, none read as another instant.
        assert_eq!(parse("bad"), ("failed".into(), Value::from(NOT_TIMESTAMPS.len() as f64)), "{file}: {json}");
        let failed: Vec<_> = outcomes(&json).into_iter().filter(|(_, s, _)| s != "passed").collect();
        assert_eq!(failed.len(), 1, "{file}: only the parse check of `bad` fails: {failed:?}");
        assert_eq!(code, 1, "{file}");
    }

    // `lakegate init` types such a column as a timestamp (it parses as `check` does).
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(dir.path())
        .args(["init", "t.csv", "--out", "init.odcs.yaml"])
        .output()
        .expect("run lakegate init");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let c: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(dir.path().join("init.odcs.yaml")).expect("read")).expect("yaml");
    let props = c["schema"][0]["properties"].as_sequence().cloned().unwrap_or_default();
    let logical = |n: &str| {
        props.iter().find(|p| p["name"].as_str() == Some(n)).and_then(|p| p["logicalType"].as_str()).map(str::to_owned)
    };
    assert_eq!(logical("ts").as_deref(), Some("timestamp"), "{c:?}");
    assert_eq!(logical("bad").as_deref(), Some("string"), "{c:?}");
}

#[test]
fn integers_outside_their_declared_width_are_parse_failures() {
    let dir = tempfile::tempdir().expect("tempdir");
    // One value beyond each declared width, one value inside it.
    let cols = [
        ("tiny", "TINYINT", "300"),
        ("small", "SMALLINT", "40000"),
        ("int4", "INT4", "3000000000"),
        ("int32", "INT32", "-3000000000"),
        ("uint", "UINT32", "-1"),
        ("big", "BIGINT", "9223372036854775808"),
        ("ubig", "UBIGINT", "18446744073709551616"),
        // INT and INTEGER mean 32 bits in most engines and 64 in BigQuery and Snowflake: as the
        // type check accepts an int64 Parquet column for INT, a 64-bit value parses.
        ("int", "INT", "3000000000"),
    ];
    let header: Vec<&str> = cols.iter().map(|c| c.0).collect();
    let over: Vec<&str> = cols.iter().map(|c| c.2).collect();
    let text = format!("{}\n{}\n{}\n", header.join(","), over.join(","), vec!["7"; cols.len()].join(","));
    std::fs::write(dir.path().join("d.csv"), text).expect("csv");
    let mut schema = String::from("  - name: d\n    properties:\n");
    for (name, t, _) in cols {
        schema += &format!("      - {{name: {name}, physicalType: {t}}}\n");
    }
    let (code, json) = check(dir.path(), "d.csv", "csv", &schema, &[]);
    assert_eq!(code, 1, "{json}");
    for (name, t, _) in cols {
        let parse = outcome(&json, &format!("d/{name}/schema.parse"));
        let want = if t == "INT" { ("passed".into(), Value::from(0.0)) } else { ("failed".into(), Value::from(1.0)) };
        assert_eq!(parse, want, "{name} {t}: {json}");
        assert_eq!(outcome(&json, &format!("d/{name}/schema.type")).0, "passed", "{name} {t}");
    }

    // The same value in an int64 Parquet column: INT accepts it, INT4 does not (a type failure).
    let mut df = polars::df!("int" => [3_000_000_000i64, 7], "int4" => [3_000_000_000i64, 7]).expect("frame");
    common::write_parquet(&dir.path().join("d.parquet"), &mut df);
    let schema = "  - name: d\n    properties:\n      - {name: int, physicalType: INT}\n      - {name: int4, physicalType: INT4}\n";
    let (code, json) = check(dir.path(), "d.parquet", "parquet", schema, &[]);
    assert_eq!(code, 1, "{json}");
    assert_eq!(outcome(&json, "d/int/schema.type").0, "passed", "{json}");
    assert_eq!(outcome(&json, "d/int4/schema.type").0, "failed", "{json}");
}
