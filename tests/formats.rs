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
    write(&d.join("lake/notes.md.bz2"), b"BZh91AY&SY");
    let run = check(d, &contract("{server: l, type: local, path: lake, format: csv}", PROPS, QUALITY));
    assert_check(&run, "t/quality[0]", "failed", 6.0);
    assert_eq!(run.json["contracts"][0]["datasets"][0]["files"].as_u64(), Some(2), "{}", run.out);
    // A glob: marker files (`_SUCCESS`, `_committed_*`) and hidden ones (`.crc`) are not data.
    write(&d.join("lake/_committed_a.csv"), b"\x00\x01");
    write(&d.join("lake/.a.csv.gz.crc"), b"crc\x00\x01");
    let run = check(d, &contract("{server: l, type: local, path: 'lake/*.csv*', format: csv}", PROPS, QUALITY));
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
    // NDJSON with a byte order mark (as Windows tools write it).
    write(&d.join("bom.ndjson"), format!("\u{feff}{NDJSON}").as_bytes());
    for path in ["array.json", "array.json.gz", "pretty.json", "bom.ndjson"] {
        // The first byte decides (ODCS `delimiter: array` is allowed on object-store servers only).
        let server = format!("{{server: l, type: local, path: {path}, format: json}}");
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
    write(&d.join("n.csv"), &gzip(NDJSON.as_bytes()));
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
        ("n.csv", "csv", "`n.csv` is JSON text, but the server declares format csv"),
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

fn frame(cols: Vec<Column>) -> DataFrame {
    let height = cols.first().map_or(0, |c| c.len());
    DataFrame::new(height, cols).expect("frame")
}

/// The dataset of `path` opened by the engine, as `check` opens it, no column declared.
fn open(path: &Path, format: lakegate_core::Format) -> Result<lakegate_engine::source::Opened, String> {
    open_declared(path, format, &[])
}

/// The dataset of `path` opened by the engine with the columns `declared` by name.
fn open_declared(
    path: &Path,
    format: lakegate_core::Format,
    declared: &[&str],
) -> Result<lakegate_engine::source::Opened, String> {
    let declared: Vec<lakegate_core::plan::DeclaredColumn> = declared
        .iter()
        .map(|c| lakegate_core::plan::DeclaredColumn { column: (*c).to_owned(), logical: None, parse: None })
        .collect();
    let src = lakegate_core::Source {
        path: path.to_path_buf(),
        display: path.display().to_string(),
        format,
        csv: Default::default(),
        roots: Vec::new(),
        skip_bad_files: false,
        object: None,
    };
    let (files, base) = lakegate_engine::source::resolve_files(&src)?;
    lakegate_engine::source::open_dataset(&src, &files, &base, &declared).map_err(|e| e.to_string())
}

#[test]
fn files_with_different_columns_are_read_as_their_union() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // An old partition without `country`, with `id` still int32; later files in another column order.
    write_parquet(
        &d.join("lake/p/part-0.parquet"),
        &mut frame(vec![Column::new("id".into(), [1i32, 2]), Column::new("amount".into(), [1.5, 2.5])]),
    );
    for (i, ids) in [[3i64, 4, 5], [6, 7, 8]].iter().enumerate() {
        write_parquet(
            &d.join(format!("lake/p/part-{}.parquet", i + 1)),
            &mut frame(vec![
                Column::new("country".into(), ["DE", "FR", "DE"]),
                Column::new("id".into(), ids.to_vec()),
                Column::new("amount".into(), [3.0, -1.0, 4.0]),
            ]),
        );
    }
    let o = open(&d.join("lake/p"), lakegate_core::Format::Parquet).expect("union");
    assert_eq!(o.missing_in_files, std::collections::BTreeMap::from([("country".to_owned(), 1)]));
    let mut lf = o.lf;
    let schema = lf.collect_schema().expect("schema");
    assert_eq!(schema.get("id"), Some(&DataType::Int64), "int32 and int64 give int64");
    let df = lf.sort(["id"], Default::default()).collect().expect("collect");
    assert_eq!(df.height(), 8);
    assert_eq!(df.column("country").expect("country").null_count(), 2, "the old file's rows are null");

    let contract = contract(
        "{server: l, type: local, path: lake/p, format: parquet}",
        "      - {name: id, physicalType: BIGINT, required: true, unique: true}\n      - {name: country, logicalType: string, required: true}\n      - {name: amount, logicalType: number, logicalTypeOptions: {minimum: 0}}\n",
        "      - {metric: rowCount, mustBe: 8}\n",
    );
    // Whole, and read in slices (the union keeps its schema in every slice).
    for extra in [None, Some("2")] {
        std::fs::write(d.join("c.odcs.yaml"), &contract).expect("contract");
        let run = match extra {
            None => check(d, &contract),
            Some(rows) => {
                let json_path = d.join("sliced.json");
                let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
                    .current_dir(d)
                    .args(["check", "c.odcs.yaml", "--now", "2026-11-26T06:00:00Z", "--slice-rows", rows, "--json"])
                    .arg(&json_path)
                    .output()
                    .expect("run");
                let json = std::fs::read_to_string(&json_path).ok().and_then(|s| serde_json::from_str(&s).ok());
                Run {
                    code: out.status.code().unwrap_or(-1),
                    out: String::from_utf8_lossy(&out.stdout).into_owned(),
                    json: json.unwrap_or(Value::Null),
                }
            }
        };
        assert_eq!(run.code, 1, "{}", run.out);
        assert_check(&run, "t/quality[0]", "passed", 8.0);
        assert_check(&run, "t/id/schema.type", "passed", 1.0);
        assert_check(&run, "t/id/unique", "passed", 0.0);
        assert_check(&run, "t/country/required", "failed", 2.0);
        assert_check(&run, "t/amount/minimum", "failed", 2.0);
    }

    // The same column as int64 in one file and text in another: an error naming both files
    // when the contract declares it; left out when it does not.
    write_parquet(
        &d.join("lake/p/part-9.parquet"),
        &mut frame(vec![Column::new("id".into(), ["9"]), Column::new("amount".into(), [1.0])]),
    );
    let mut undeclared = open(&d.join("lake/p"), lakegate_core::Format::Parquet).expect("read without `id`");
    let names = undeclared.lf.collect_schema().expect("schema");
    assert!(names.get("id").is_none() && names.get("amount").is_some(), "{names:?}");
    let e = open_declared(&d.join("lake/p"), lakegate_core::Format::Parquet, &["id"]).err().unwrap_or_default();
    assert!(e.contains("column `id` is int64 in `") && e.contains("part-1.parquet` but string in `"), "{e}");
    assert!(e.contains("part-9.parquet`"), "{e}");

    // CSV files with different headers, NDJSON files with integers in one and floats in another.
    write(&d.join("lake/c/a.csv"), b"id,amount\n1,2.5\n");
    write(&d.join("lake/c/b.csv"), b"id,amount,note\n2,3,x\n3,4,y\n");
    let o = open(&d.join("lake/c"), lakegate_core::Format::Csv).expect("csv union");
    assert_eq!(o.missing_in_files, std::collections::BTreeMap::from([("note".to_owned(), 1)]));
    write(&d.join("lake/j/a.ndjson"), b"{\"id\":1,\"amount\":2}\n");
    write(&d.join("lake/j/b.ndjson"), b"{\"id\":2,\"amount\":2.5,\"note\":\"x\"}\n");
    let o = open(&d.join("lake/j"), lakegate_core::Format::Json).expect("json union");
    let mut lf = o.lf;
    assert_eq!(lf.collect_schema().expect("schema").get("amount"), Some(&DataType::Float64));
    let df = lf.collect().expect("collect");
    let amounts: Vec<Option<f64>> = df.column("amount").expect("amount").f64().expect("f64").iter().collect();
    assert_eq!(amounts, [Some(2.0), Some(2.5)]);
}

#[test]
fn hive_partition_values_take_their_declared_types() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    for (day, hour) in [("2026-11-25", "01"), ("2026-11-25", "02"), ("2026-11-26", "10")] {
        write_parquet(
            &d.join(format!("lake/dt={day}/hour={hour}/part.parquet")),
            &mut frame(vec![Column::new("v".into(), [1i64, 2])]),
        );
    }
    let server = "{server: l, type: local, path: lake, format: parquet}";
    // `hour` declared string stays "01"; `dt` declared date is a date.
    let props = "      - {name: v, logicalType: integer}\n      - {name: dt, logicalType: date, partitioned: true}\n      - {name: hour, logicalType: string, physicalType: VARCHAR, partitioned: true, logicalTypeOptions: {pattern: '^[0-9]{2}$'}}\n";
    let run = check(d, &contract(server, props, "      - {metric: rowCount, mustBe: 6}\n"));
    assert_eq!(run.code, 0, "{}", run.out);
    assert_check(&run, "t/hour/schema.type", "passed", 1.0);
    assert_check(&run, "t/hour/pattern", "passed", 0.0);
    assert_check(&run, "t/dt/schema.type", "passed", 1.0);
    // Declared integer: an integer (INTEGER passes its type check); undeclared: inferred.
    let props = "      - {name: v, logicalType: integer}\n      - {name: hour, physicalType: INTEGER, partitioned: true, logicalTypeOptions: {}}\n";
    let props = props.replace(", logicalTypeOptions: {}", "");
    let run = check(
        d,
        &contract(
            server,
            &props,
            "      - {metric: rowCount, mustBe: 6}\n      - {type: sql, query: 'SELECT SUM(hour) FROM t', mustBe: 26}\n",
        ),
    );
    assert_eq!(run.code, 0, "{}", run.out);
    assert_check(&run, "t/hour/schema.type", "passed", 1.0);
    let o = open(&d.join("lake"), lakegate_core::Format::Parquet).expect("undeclared");
    let mut lf = o.lf;
    let schema = lf.collect_schema().expect("schema");
    assert_eq!(schema.get("hour"), Some(&DataType::Int64));
    assert_eq!(schema.get("dt"), Some(&DataType::Date));
    // A value that is not of the declared type names the file.
    write_parquet(
        &d.join("lake/dt=2026-11-27/hour=ab/part.parquet"),
        &mut frame(vec![Column::new("v".into(), [1i64])]),
    );
    let run = check(d, &contract(server, &props, "      - {metric: rowCount, mustBe: 6}\n"));
    assert_eq!(run.code, 3, "{}", run.out);
    let e = dataset_error(&run);
    assert!(e.contains("partition value `hour=ab` of `lake/dt=2026-11-27/hour=ab/part.parquet` is not of type int64, the type the contract declares for `hour`"), "{e}");
}

#[test]
fn csv_and_ndjson_columns_are_typed_by_their_physical_type() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        &d.join("t.csv"),
        b"i,b,s,f,dbl,n,day,ts,tstz,ntz,ok,v,t\n\
          1,10000000000,3,1.5,2.25,12.50,2026-11-20,2026-11-25 10:00:00,2026-11-25T10:00:00Z,2026-11-25T10:00:00,true,abc,10:30:00\n\
          -2,-1,4,-0.5,3,0.05,2026-11-21,2026-11-25T11:00:00,2026-11-25T12:00:00+02:00,2026-11-25 11:00:00,false,de,23:59:59\n",
    );
    let types = [
        ("i", "INTEGER"),
        ("b", "BIGINT"),
        ("s", "SMALLINT"),
        ("f", "FLOAT"),
        ("dbl", "DOUBLE"),
        ("n", "DECIMAL(10,2)"),
        ("day", "DATE"),
        ("ts", "TIMESTAMP"),
        ("tstz", "TIMESTAMPTZ"),
        ("ntz", "TIMESTAMP_NTZ"),
        ("ok", "BOOLEAN"),
        ("v", "VARCHAR(5)"),
        ("t", "TIME"),
    ];
    let props: String =
        types.iter().map(|(c, t)| format!("      - {{name: {c}, physicalType: '{t}', required: true}}\n")).collect();
    let quality = "      - {metric: rowCount, mustBe: 2}\n      - {type: sql, query: 'SELECT SUM(b) FROM t', mustBe: 9999999999}\n      - {type: sql, query: 'SELECT SUM(n) FROM t', mustBe: 12.55}\n      - {type: sql, query: 'SELECT MIN(i) FROM t', mustBe: -2}\n";
    let run = check(d, &contract("{server: l, type: local, path: t.csv, format: csv}", &props, quality));
    assert_eq!(run.code, 0, "{}", run.out);
    for (c, _) in types {
        assert_check(&run, &format!("t/{c}/schema.type"), "passed", 1.0);
        assert_check(&run, &format!("t/{c}/required"), "passed", 0.0);
    }
    for q in 0..4 {
        let (s, o, m) = get(&run, &format!("t/quality[{q}]"));
        assert_eq!(s, "passed", "quality[{q}]: {o} {m}");
    }
    // NDJSON: numbers and text become the declared types, a fraction never an integer.
    write(
        &d.join("t.ndjson"),
        b"{\"i\":1,\"dbl\":2,\"n\":\"12.50\",\"day\":\"2026-11-20\",\"ok\":true}\n{\"i\":2.5,\"dbl\":1.5,\"n\":0.05,\"day\":\"2026-11-21\",\"ok\":\"no\"}\n",
    );
    let props = "      - {name: i, physicalType: INTEGER}\n      - {name: dbl, physicalType: DOUBLE}\n      - {name: n, physicalType: 'DECIMAL(10,2)'}\n      - {name: day, physicalType: DATE}\n      - {name: ok, physicalType: BOOLEAN}\n";
    let quality = "      - {type: sql, query: 'SELECT COUNT(i) FROM t', mustBe: 1}\n      - {type: sql, query: 'SELECT SUM(n) FROM t', mustBe: 12.55}\n      - {type: sql, query: 'SELECT COUNT(*) FROM t WHERE NOT ok', mustBe: 1}\n";
    let run = check(d, &contract("{server: l, type: local, path: t.ndjson, format: json}", props, quality));
    // `2.5` is no INTEGER: null for the value checks, and counted by the parse check.
    assert_eq!(run.code, 1, "{}", run.out);
    assert_check(&run, "t/i/schema.parse", "failed", 1.0);
    for c in ["i", "dbl", "n", "day", "ok"] {
        assert_check(&run, &format!("t/{c}/schema.type"), "passed", 1.0);
    }
    // Beyond the rows polars infers types from: integers, then a fraction, then a number in a
    // text column; and `7.0` is the integer 7.
    let body: String = (0..300)
        .map(|i| match i {
            250 => "{\"id\":7.0,\"amount\":250.5,\"name\":5}\n".to_owned(),
            _ => format!("{{\"id\":{i},\"amount\":{i},\"name\":\"x\"}}\n"),
        })
        .collect();
    write(&d.join("late.ndjson"), body.as_bytes());
    let props = "      - {name: id, physicalType: INTEGER, required: true}\n      - {name: amount, physicalType: DOUBLE, required: true}\n      - {name: name, physicalType: VARCHAR, required: true}\n";
    let quality = "      - {type: sql, query: 'SELECT SUM(amount) FROM t', mustBe: 44850.5}\n      - {type: sql, query: 'SELECT COUNT(*) FROM t WHERE name = ''5''', mustBe: 1}\n";
    let run = check(d, &contract("{server: l, type: local, path: late.ndjson, format: json}", props, quality));
    assert_eq!(run.code, 0, "{}", run.out);
    assert_check(&run, "t/id/required", "passed", 0.0);
    assert_check(&run, "t/amount/schema.type", "passed", 1.0);
}

#[test]
fn csv_null_markers_and_decimal_comma() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(&d.join("t.csv"), "id;amount;name\n1;10,5;NA\n2;;\n3;-3,25;x\n4;NA;\"\"\n".as_bytes());
    let server = "{server: l, type: local, path: t.csv, format: csv, customProperties: [{property: delimiter, value: ';'}, {property: decimalComma, value: true}, {property: nullValues, value: [NA]}]}";
    let props = "      - {name: id, logicalType: integer}\n      - {name: amount, logicalType: number, logicalTypeOptions: {minimum: 0}}\n      - {name: name, logicalType: string, required: true}\n";
    let quality = "      - {type: sql, query: 'SELECT SUM(amount) FROM t', mustBe: 7.25}\n      - {type: sql, query: 'SELECT COUNT(*) FROM t WHERE name = ''''', mustBe: 2}\n";
    let run = check(d, &contract(server, props, quality));
    assert_eq!(run.code, 1, "{}", run.out);
    // `NA` is null; with a marker list that lacks "", an empty field is an empty string.
    assert_check(&run, "t/name/required", "failed", 1.0);
    assert_check(&run, "t/amount/schema.parse", "passed", 0.0);
    assert_check(&run, "t/amount/minimum", "failed", 1.0);
    for q in 0..2 {
        let (s, o, m) = get(&run, &format!("t/quality[{q}]"));
        assert_eq!(s, "passed", "quality[{q}]: {o} {m}\n{}", run.out);
    }
    // Default: the empty field is null, `NA` is text (and not a number).
    let server = "{server: l, type: local, path: t.csv, format: csv, customProperties: [{property: delimiter, value: ';'}, {property: decimalComma, value: true}]}";
    let run = check(d, &contract(server, props, "      - {metric: rowCount, mustBe: 4}\n"));
    assert_check(&run, "t/name/required", "failed", 1.0);
    assert_check(&run, "t/amount/schema.parse", "failed", 1.0);
}

#[test]
fn empty_files_add_no_rows_and_no_columns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(&d.join("lake/a.csv"), b"id,amount\n1,2\n2,3\n");
    write(&d.join("lake/b.csv"), b"");
    write(&d.join("lake/c.csv.gz"), &gzip(b"\n"));
    let run = check(
        d,
        &contract(
            "{server: l, type: local, path: lake, format: csv}",
            PROPS,
            "      - {metric: rowCount, mustBe: 2}\n",
        ),
    );
    assert_eq!(run.code, 0, "{}", run.out);
    assert_check(&run, "t/id/schema.present", "passed", 1.0);
    assert_eq!(run.json["contracts"][0]["datasets"][0]["files"].as_u64(), Some(3));
    // An empty JSON array: zero rows, and the declared columns are there (a text source is typed by
    // the contract; no value ever said otherwise).
    write(&d.join("none.json"), b"[ ]");
    let run = check(
        d,
        &contract(
            "{server: l, type: local, path: none.json, format: json}",
            PROPS,
            "      - {metric: rowCount, mustBe: 0}\n",
        ),
    );
    assert_eq!(run.code, 0, "{}", run.out);
    assert_check(&run, "t/quality[0]", "passed", 0.0);
    assert_check(&run, "t/id/schema.present", "passed", 1.0);
}

#[test]
fn tsv_files_are_tab_separated() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(&dir.path().join("t.tsv.gz"), &gzip(CSV.replace(',', "\t").as_bytes()));
    let run = check(dir.path(), &contract("{server: l, type: local, path: t.tsv.gz, format: csv}", PROPS, QUALITY));
    assert_eq!(run.code, 1, "{}", run.out);
    assert_check(&run, "t/quality[0]", "passed", 3.0);
    assert_check(&run, "t/amount/minimum", "failed", 1.0);
}

#[test]
fn decimal_values_beyond_the_declared_scale_do_not_parse() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(&dir.path().join("t.csv"), b"id,amount\n1,12.345\n2,1e3\n3,99999999999\n4, 5.50 \n5,-0.1\n");
    let props = "      - {name: id, physicalType: INTEGER}\n      - {name: amount, physicalType: 'DECIMAL(10,2)', logicalType: number}\n";
    let quality = "      - {type: sql, query: 'SELECT SUM(amount) FROM t', mustBe: 1005.4}\n";
    let run = check(dir.path(), &contract("{server: l, type: local, path: t.csv, format: csv}", props, quality));
    // 12.345 would be truncated to 12.34 by a plain cast; 99999999999 has 11 integer digits.
    assert_check(&run, "t/amount/schema.parse", "failed", 2.0);
    assert_check(&run, "t/amount/schema.type", "passed", 1.0);
    let (s, o, m) = get(&run, "t/quality[0]");
    assert_eq!(s, "passed", "{o} {m}\n{}", run.out);
}

#[test]
fn type_names_of_other_tools_type_csv_columns_that_pass_their_own_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        &dir.path().join("t.csv"),
        b"a,b,c,d,e,f,g\n1,12.5,3,4.25,5000000000,x,2026-11-20 10:00:00\n2,3,-1,0.5,6,y,2026-11-21 11:30:00\n",
    );
    let types = [
        ("a", "NUMBER(38,0)"),
        ("b", "NUMERIC"),
        ("c", "int8"),
        ("d", "float"),
        ("e", "INT64"),
        ("f", "TEXT"),
        ("g", "TIMESTAMP_NTZ"),
    ];
    let props: String = types.iter().map(|(c, t)| format!("      - {{name: {c}, physicalType: '{t}'}}\n")).collect();
    let quality = "      - {type: sql, query: 'SELECT SUM(b) + SUM(d) FROM t', mustBe: 20.25}\n      - {type: sql, query: 'SELECT SUM(e) FROM t', mustBe: 5000000006}\n";
    let run = check(dir.path(), &contract("{server: l, type: local, path: t.csv, format: csv}", &props, quality));
    assert_eq!(run.code, 0, "{}", run.out);
    for (c, _) in types {
        assert_check(&run, &format!("t/{c}/schema.type"), "passed", 1.0);
    }
}

#[test]
fn csv_without_a_header_takes_the_declared_column_names_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(&dir.path().join("t.csv"), b"1,10.5\n2,-3\n3,7\n");
    let server =
        "{server: l, type: local, path: t.csv, format: csv, customProperties: [{property: header, value: false}]}";
    let run = check(dir.path(), &contract(server, PROPS, QUALITY));
    assert_eq!(run.code, 1, "{}", run.out);
    assert_check(&run, "t/quality[0]", "passed", 3.0);
    assert_check(&run, "t/id/schema.present", "passed", 1.0);
    assert_check(&run, "t/amount/minimum", "failed", 1.0);
}

#[test]
fn latin1_and_windows_1252_csv_are_read_with_the_declared_encoding() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // `café` and `€` as Excel on Windows writes them.
    write(&d.join("t.csv"), b"id,amount,name\n1,10.5,caf\xe9\n2,-3,\x80 price\n3,7,x\n");
    let props = format!(
        "{PROPS}      - {{name: name, logicalType: string, logicalTypeOptions: {{pattern: '^(café|€ price|x)$'}}}}\n"
    );
    let run = check(d, &contract("{server: l, type: local, path: t.csv, format: csv}", &props, QUALITY));
    assert_eq!(run.code, 3, "{}", run.out);
    let e = dataset_error(&run);
    assert!(
        e.contains("`t.csv` is text that is not UTF-8 (byte 0xE9 at offset 25): declare the server's `encoding` (latin1 or windows-1252)"),
        "{e}"
    );
    let run = check(
        d,
        &contract("{server: l, type: local, path: t.csv, format: csv, encoding: windows-1252}", &props, QUALITY)
            .replace("v3.1.0", "v3.2.0"),
    );
    assert_eq!(run.code, 1, "{}", run.out);
    assert_check(&run, "t/name/pattern", "passed", 0.0);
    assert_check(&run, "t/amount/minimum", "failed", 1.0);
    // Latin-1 has no `€`: 0x80 is a control character there, and the pattern says so.
    write(&d.join("t.csv.gz"), &gzip(b"id,amount,name\n1,10.5,caf\xe9\n2,-3,\x80 price\n3,7,x\n"));
    let run = check(
        d,
        &contract("{server: l, type: local, path: t.csv.gz, format: csv, encoding: ISO-8859-1}", &props, QUALITY)
            .replace("v3.1.0", "v3.2.0"),
    );
    assert_check(&run, "t/name/pattern", "failed", 1.0);
}
