//! How data files are read, end to end on files written by each test: gzip and zstd CSV and
//! NDJSON, JSON arrays and single objects, files that are not in the declared format, schema
//! evolution across files, hive partition types, CSV/NDJSON typed by the declaration
//! (`physicalType` too), and the CSV options (null markers, decimal comma).

mod common;

use std::io::Write;
use std::path::Path;
use std::process::Command;

use common::write_parquet;
use polars::prelude::*;
use serde_json::Value;

struct Run {
    code: i32,
    out: String,
    json: Value,
}

fn check(dir: &Path, contract: &str) -> Run {
    std::fs::write(dir.join("c.odcs.yaml"), contract).expect("write contract");
    let json_path = dir.join("result.json");
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(dir)
        .args(["check", "c.odcs.yaml", "--now", "2026-11-26T06:00:00Z", "--json"])
        .arg(&json_path)
        .output()
        .expect("run lakegate");
    let json =
        std::fs::read_to_string(&json_path).ok().and_then(|s| serde_json::from_str(&s).ok()).unwrap_or(Value::Null);
    let _ = std::fs::remove_file(&json_path);
    Run {
        code: out.status.code().unwrap_or(-1),
        out: format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        json,
    }
}

/// (status, observed, message) of the check whose id ends with `id`.
fn get(run: &Run, id: &str) -> (String, Value, String) {
    for c in run.json["contracts"].as_array().unwrap_or(&Vec::new()) {
        for r in c["checks"].as_array().unwrap_or(&Vec::new()) {
            if r["id"].as_str().is_some_and(|s| s.ends_with(id)) {
                return (
                    r["status"].as_str().unwrap_or("").to_owned(),
                    r["observed"].clone(),
                    r["message"].as_str().unwrap_or("").to_owned(),
                );
            }
        }
    }
    panic!("no check `{id}` in:\n{}", run.out);
}

#[track_caller]
fn assert_check(run: &Run, id: &str, status: &str, observed: f64) {
    let (s, o, m) = get(run, id);
    assert_eq!(s, status, "{id}: {m}\n{}", run.out);
    let got = o.as_f64().unwrap_or(f64::NAN);
    assert!((got - observed).abs() < 1e-9, "{id}: observed {o}, expected {observed}\n{}", run.out);
}

/// The error of the (only) dataset.
fn dataset_error(run: &Run) -> String {
    run.json["contracts"][0]["datasets"][0]["error"].as_str().unwrap_or("").to_owned()
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, bytes).expect("write");
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).expect("gzip");
    e.finish().expect("gzip")
}

fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).expect("zstd")
}

fn contract(server: &str, properties: &str, quality: &str) -> String {
    format!(
        "apiVersion: v3.1.0\nkind: DataContract\nid: f\nversion: 1.0.0\nstatus: active\nservers:\n  - {server}\n\
         schema:\n  - name: t\n    properties:\n{properties}    quality:\n{quality}"
    )
}

const CSV: &str = "id,amount,day\n1,10.5,2026-11-20\n2,-3,2026-11-21\n3,7,2026-11-22\n";
const NDJSON: &str = "{\"id\":1,\"amount\":10.5}\n{\"id\":2,\"amount\":-3}\n{\"id\":3,\"amount\":7}\n";
const PROPS: &str = "      - {name: id, logicalType: integer, required: true}\n      - {name: amount, logicalType: number, logicalTypeOptions: {minimum: 0}}\n";
const QUALITY: &str = "      - {metric: rowCount, mustBe: 3}\n";

#[test]
fn gzip_and_zstd_csv_and_ndjson_are_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(&d.join("t.csv.gz"), &gzip(CSV.as_bytes()));
    write(&d.join("t.csv.zst"), &zstd(CSV.as_bytes()));
    write(&d.join("t.ndjson.gz"), &gzip(NDJSON.as_bytes()));
    write(&d.join("t.jsonl.zst"), &zstd(NDJSON.as_bytes()));
    // A gzip file without a telling name: the magic bytes decide.
    write(&d.join("t.csv"), &gzip(CSV.as_bytes()));
    for (path, format) in
        [("t.csv.gz", "csv"), ("t.csv.zst", "csv"), ("t.ndjson.gz", "json"), ("t.jsonl.zst", "json"), ("t.csv", "csv")]
    {
        let run =
            check(d, &contract(&format!("{{server: l, type: local, path: {path}, format: {format}}}"), PROPS, QUALITY));
        assert_eq!(run.code, 1, "{path}: {}", run.out);
        assert_check(&run, "t/quality[0]", "passed", 3.0);
        assert_check(&run, "t/amount/minimum", "failed", 1.0);
        assert_check(&run, "t/id/required", "passed", 0.0);
    }
    // A folder: compressed files of the format are found by their extensions.
    write(&d.join("lake/a.csv.gz"), &gzip(CSV.as_bytes()));
    write(&d.join("lake/b.csv.zst"), &zstd(CSV.as_bytes()));
    write(&d.join("lake/notes.txt.bz2"), b"BZh91AY&SY");
    let run = check(d, &contract("{server: l, type: local, path: lake, format: csv}", PROPS, QUALITY));
    assert_check(&run, "t/quality[0]", "failed", 6.0);
    assert_eq!(run.json["contracts"][0]["datasets"][0]["files"].as_u64(), Some(2), "{}", run.out);
}

#[test]
fn a_compressed_file_lakegate_does_not_read_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(&dir.path().join("t.csv.bz2"), b"BZh91AY&SY\x00\x01");
    let run = check(dir.path(), &contract("{server: l, type: local, path: t.csv.bz2, format: csv}", PROPS, QUALITY));
    assert_eq!(run.code, 3, "{}", run.out);
    let e = dataset_error(&run);
    assert!(
        e.contains(
            "`t.csv.bz2` is a bzip2-compressed file; lakegate reads csv files as they are, gzip- or zstd-compressed"
        ),
        "{e}"
    );
}

#[test]
fn json_arrays_single_objects_and_pretty_documents_are_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let array = "[\n  {\"id\": 1, \"amount\": 10.5, \"tags\": [\"a\", \"b\"]},\n  {\"id\": 2, \"amount\": -3,\n   \"note\": \"a ] and a }\"},\n  {\"id\": 3, \"amount\": 7}\n]\n";
    write(&d.join("array.json"), array.as_bytes());
    write(&d.join("array.json.gz"), &gzip(array.as_bytes()));
    write(
        &d.join("pretty.json"),
        b"{\n  \"id\": 1,\n  \"amount\": 10.5\n}\n{\n  \"id\": 2,\n  \"amount\": -3\n}\n{\"id\": 3, \"amount\": 7}\n",
    );
    for path in ["array.json", "array.json.gz", "pretty.json"] {
        // `delimiter: array` (a customProperty: ODCS allows the field on object stores only) is
        // accepted, and the first byte decides anyway.
        let server = format!(
            "{{server: l, type: local, path: {path}, format: json, customProperties: [{{property: delimiter, value: array}}]}}"
        );
        let run = check(d, &contract(&server, PROPS, QUALITY));
        assert_eq!(run.code, 1, "{path}: {}", run.out);
        assert_check(&run, "t/quality[0]", "passed", 3.0);
        assert_check(&run, "t/amount/minimum", "failed", 1.0);
    }
    // One object, on one line or spread over several: one row.
    write(&d.join("one.json"), b"  {\n \"id\": 4,\n \"amount\": 1.5\n}\n");
    let run = check(
        d,
        &contract(
            "{server: l, type: local, path: one.json, format: json}",
            PROPS,
            "      - {metric: rowCount, mustBe: 1}\n",
        ),
    );
    assert_eq!(run.code, 0, "{}", run.out);
    assert_check(&run, "t/quality[0]", "passed", 1.0);
    // An array that does not hold objects, or ends too early: an error naming the file and line.
    write(&d.join("numbers.json"), b"[\n  {\"id\": 1},\n  2\n]");
    let run = check(d, &contract("{server: l, type: local, path: numbers.json, format: json}", PROPS, QUALITY));
    assert_eq!(run.code, 3, "{}", run.out);
    let e = dataset_error(&run);
    assert!(e.contains("`numbers.json` line 3: element 2 of the JSON array is a number"), "{e}");
    write(&d.join("cut.json"), b"[{\"id\": 1},\n {\"id\": ");
    let run = check(d, &contract("{server: l, type: local, path: cut.json, format: json}", PROPS, QUALITY));
    assert!(dataset_error(&run).contains("`cut.json` line 2: the JSON ends in the middle of a value"), "{}", run.out);
}

#[test]
fn a_file_not_in_the_declared_format_is_an_error_that_says_what_it_is() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let mut df = df!("id" => [1i64, 2, 3], "amount" => [1.0, 2.0, 3.0]).expect("df");
    write_parquet(&d.join("x.csv"), &mut df);
    write_parquet(&d.join("x.json"), &mut df);
    write(&d.join("y.parquet"), CSV.as_bytes());
    write(&d.join("z.json"), b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\x00");
    write(&d.join("w.json"), CSV.as_bytes());
    write(&d.join("v.parquet"), &gzip(b"PAR1 not really"));
    let cases = [
        ("x.csv", "csv", "`x.csv` is a Parquet file (magic PAR1), but the server declares format csv"),
        ("x.json", "json", "`x.json` is a Parquet file (magic PAR1), but the server declares format json"),
        (
            "y.parquet",
            "parquet",
            "`y.parquet` is text (CSV or other delimited text), but the server declares format parquet",
        ),
        ("z.json", "json", "`z.json` is binary data, not text, but the server declares format json"),
        (
            "w.json",
            "json",
            "`w.json` is text that is not JSON (it starts with `id,amount,day`), but the server declares format json",
        ),
        ("v.parquet", "parquet", "`v.parquet` is gzip-compressed, but the server declares format parquet"),
    ];
    for (path, format, message) in cases {
        let run =
            check(d, &contract(&format!("{{server: l, type: local, path: {path}, format: {format}}}"), PROPS, QUALITY));
        assert_eq!(run.code, 3, "{path}: {}", run.out);
        assert!(dataset_error(&run).contains(message), "{path}: {}", dataset_error(&run));
        // Never read into garbage columns: no check of the dataset passes or fails.
        let checks = run.json["contracts"][0]["checks"].as_array().cloned().unwrap_or_default();
        assert!(checks.iter().all(|c| c["status"] == "errored"), "{path}: {}", run.out);
    }
}
