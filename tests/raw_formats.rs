//! Raw formats at scale, end to end: CSV and NDJSON datasets read in slices (`--slice-rows`)
//! give exactly the results of a whole read (sums and means of decimals and integers, standard
//! deviations, medians, distinct and duplicate counts, parse failures, captured samples), for
//! plain, gzip- and zstd-compressed files (the large ones decompressed once to a temporary file),
//! JSON arrays (`delimiter: array`) and NDJSON (`delimiter: new_line`), and folders of several
//! files; contracts declare `physicalType` only, as datacontract-cli users write them.

mod common;

use std::io::Write;
use std::path::Path;

use serde_json::Value;

/// Runs `lakegate check` on `contract` in `dir` with `--slice-rows rows`: (exit code, JSON
/// result, output).
fn run(dir: &Path, contract: &str, rows: u64) -> (i32, Value, String) {
    std::fs::write(dir.join("c.odcs.yaml"), contract).expect("write contract");
    let json = dir.join(format!("result-{rows}.json"));
    let (code, out, err) = common::lakegate(
        dir,
        &[
            "check",
            "c.odcs.yaml",
            "--now",
            "2026-11-26T06:00:00Z",
            "--slice-rows",
            &rows.to_string(),
            "--json",
            json.to_str().expect("utf-8 path"),
        ],
    );
    let v = std::fs::read_to_string(&json).ok().and_then(|s| serde_json::from_str(&s).ok()).unwrap_or(Value::Null);
    (code, v, format!("{out}{err}"))
}

/// How many slices `--explain` says the dataset is read in (0: read whole).
fn slices(dir: &Path, rows: u64) -> usize {
    let (_, out, err) =
        common::lakegate(dir, &["check", "c.odcs.yaml", "--explain", "--slice-rows", &rows.to_string()]);
    let text = format!("{out}{err}");
    text.lines().find_map(|l| l.trim().strip_prefix("read in ")?.split(' ').next()?.parse().ok()).unwrap_or(0)
}

/// Every check as (id, status, observed, samples): what must not change with slicing.
fn outcomes(v: &Value) -> Vec<(String, String, Value, Value)> {
    v["contracts"][0]["checks"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    (
                        c["id"].as_str().unwrap_or("").to_owned(),
                        c["status"].as_str().unwrap_or("").to_owned(),
                        c["observed"].clone(),
                        c["samples"].clone(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn observed(v: &Value, id: &str) -> (String, f64) {
    for c in v["contracts"][0]["checks"].as_array().unwrap_or(&Vec::new()) {
        if c["id"].as_str().is_some_and(|s| s.ends_with(id)) {
            return (c["status"].as_str().unwrap_or("").to_owned(), c["observed"].as_f64().unwrap_or(f64::NAN));
        }
    }
    panic!("no check `{id}` in {v}");
}

/// One order row: (id, amount, qty, price, ok, day, ts, name, status), as text; every 97th row
/// carries values that do not parse, every 89th blanks, ids 5 and 6 twice.
fn row(i: u64) -> [String; 9] {
    let id = if i == 40 {
        5
    } else if i == 41 {
        6
    } else {
        i
    };
    let mut r = [
        id.to_string(),
        format!("{}.{:02}", (i * 37) % 1000, (i * 13) % 100),
        ((i * 7) % 50).to_string(),
        format!("{}", ((i * 7919) % 10_000) as f64 / 8.0),
        if i.is_multiple_of(3) { "true".into() } else { "false".into() },
        format!("2026-{:02}-{:02}", 1 + i % 12, 1 + i % 28),
        format!("2026-11-{:02}T{:02}:{:02}:00Z", 1 + i % 25, i % 24, i % 60),
        format!("user{}@example.com", i % 701),
        ["pending", "paid", "shipped"][(i % 3) as usize].to_owned(),
    ];
    if i % 97 == 5 {
        r[1] = "12.345".into(); // beyond DECIMAL(12,2)'s scale
        r[2] = "2.5".into(); // no INT
        r[4] = "maybe".into();
        r[5] = "2026-02-30".into();
        r[6] = "yesterday".into();
        r[7] = "not an e-mail".into();
        r[8] = "lost".into();
    }
    if i % 89 == 7 {
        for v in &mut r[1..8] {
            v.clear();
        }
    }
    r
}

const COLUMNS: [&str; 9] = ["id", "amount", "qty", "price", "ok", "day", "ts", "name", "status"];

fn csv(rows: std::ops::Range<u64>, header: bool) -> String {
    let mut s = if header { COLUMNS.join(",") + "\n" } else { String::new() };
    for i in rows {
        s.push_str(&row(i).join(","));
        s.push('\n');
    }
    s
}

fn ndjson_object(i: u64) -> String {
    let r = row(i);
    let fields: Vec<String> = COLUMNS
        .iter()
        .zip(r.iter())
        .filter(|(_, v)| !v.is_empty())
        .map(|(c, v)| match *c {
            // Numbers as JSON numbers when they are numbers; the rest as strings.
            "id" | "qty" | "price" if v.parse::<f64>().is_ok() => format!("\"{c}\":{v}"),
            "ok" if v == "true" || v == "false" => format!("\"{c}\":{v}"),
            _ => format!("\"{c}\":\"{v}\""),
        })
        .collect();
    format!("{{{}}}", fields.join(","))
}

fn ndjson(rows: std::ops::Range<u64>) -> String {
    rows.map(|i| ndjson_object(i) + "\n").collect()
}

/// The orders contract over `path`; `delimiter`: the JSON layout the server declares (ODCS
/// `new_line` or `array`; a `local` server says it as a custom property).
fn contract(path: &str, format: &str, delimiter: Option<&str>) -> String {
    let delimiter =
        delimiter.map(|d| format!(", customProperties: [{{property: delimiter, value: {d}}}]")).unwrap_or_default();
    format!(
        r#"apiVersion: v3.1.0
kind: DataContract
id: raw
version: 1.0.0
status: active
servers:
  - {{server: l, type: local, path: '{path}', format: {format}{delimiter}}}
schema:
  - name: orders
    properties:
      - {{name: id, physicalType: BIGINT, required: true, unique: true}}
      - name: amount
        physicalType: DECIMAL(12,2)
        quality:
          - {{type: custom, engine: lakegate, implementation: {{metric: sum, mustBe: 0}}}}
          - {{type: custom, engine: lakegate, implementation: {{metric: avg, mustBe: 0}}}}
      - name: qty
        physicalType: INT
        quality:
          - {{type: custom, engine: lakegate, implementation: {{metric: avg, mustBe: 0}}}}
          - {{type: custom, engine: lakegate, implementation: {{metric: sum, mustBe: 0}}}}
      - name: price
        physicalType: DOUBLE
        quality:
          - {{type: custom, engine: lakegate, implementation: {{metric: stddev, mustBe: 0}}}}
          - {{type: custom, engine: lakegate, implementation: {{metric: median, mustBe: 0}}}}
          - {{type: custom, engine: lakegate, implementation: {{metric: max, mustBe: 0}}}}
      - {{name: ok, physicalType: BOOLEAN}}
      - {{name: day, physicalType: DATE}}
      - {{name: ts, physicalType: TIMESTAMP}}
      - name: name
        physicalType: VARCHAR(64)
        quality:
          - {{type: custom, engine: lakegate, implementation: {{metric: distinctCount, mustBe: 0}}}}
      - name: status
        physicalType: VARCHAR
        quality:
          - {{metric: invalidValues, arguments: {{validValues: [pending, paid, shipped]}}, mustBe: 0}}
    quality:
      - {{metric: rowCount, mustBe: 0}}
      - {{metric: duplicateValues, arguments: {{properties: [name, status]}}, mustBe: 0}}
      - {{type: custom, engine: lakegate, implementation: {{metric: rowCondition, expression: 'qty < 45', mustBe: 0}}}}
slaProperties:
  - {{property: freshness, value: 24, unit: h, element: orders.ts}}
"#
    )
}

/// The dataset read whole and in slices of `rows` (and of 1 row for a small one) gives the same
/// outcome for every check; the slices are really used.
#[track_caller]
fn assert_sliced_equals_whole(dir: &Path, contract_text: &str, rows: u64, n: u64) -> Value {
    assert_read_equals_whole(dir, contract_text, rows, n, n.div_ceil(rows) as usize)
}

/// [`assert_sliced_equals_whole`], the run with `--slice-rows rows` reading `expected` slices
/// (0: read whole).
fn assert_read_equals_whole(dir: &Path, contract_text: &str, rows: u64, n: u64, expected: usize) -> Value {
    let (code, whole, out) = run(dir, contract_text, 0);
    assert_eq!(code, 1, "{out}");
    assert!(whole["contracts"][0]["datasets"][0]["error"].is_null(), "{out}");
    let (_, sliced, out2) = run(dir, contract_text, rows);
    assert_eq!(slices(dir, rows), expected, "slices of {rows} rows of {n}:\n{out2}");
    assert_eq!(slices(dir, 0), 0);
    let (a, b) = (outcomes(&whole), outcomes(&sliced));
    assert!(a.len() > 20, "{out}");
    for (x, y) in a.iter().zip(&b) {
        assert_same(x, y, &format!("whole read vs slices of {rows} rows"));
    }
    assert_eq!(a.len(), b.len());
    whole
}

/// Two outcomes are the same: equal, but for a standard deviation, whose merge over slices
/// (Chan's formula) may differ from the whole read in the last bits of a float.
#[track_caller]
fn assert_same(x: &(String, String, Value, Value), y: &(String, String, Value, Value), what: &str) {
    if x.0.ends_with("price/quality[0]")
        && let (Some(a), Some(b)) = (x.2.as_f64(), y.2.as_f64())
    {
        assert!((a - b).abs() <= 1e-12 * a.abs(), "{what}: {x:?} vs {y:?}");
        assert_eq!((&x.0, &x.1, &x.3), (&y.0, &y.1, &y.3), "{what}");
    } else {
        assert_eq!(x, y, "{what}");
    }
}

#[track_caller]
fn assert_all_same(a: &Value, b: &Value, what: &str) {
    let (a, b) = (outcomes(a), outcomes(b));
    assert_eq!(a.len(), b.len(), "{what}");
    for (x, y) in a.iter().zip(&b) {
        assert_same(x, y, what);
    }
}

/// The observed values of the fixture, computed independently of lakegate from `row`.
fn assert_truth(v: &Value, n: u64) {
    let rows: Vec<[String; 9]> = (0..n).map(row).collect();
    let bad = |i: u64| i % 97 == 5;
    let blank = |i: u64| i % 89 == 7;
    let ok_rows: Vec<u64> = (0..n).filter(|i| !bad(*i) && !blank(*i)).collect();
    assert_eq!(observed(v, "orders/quality[0]"), ("failed".into(), n as f64));
    // Parse failures are counted, blanks are missing values, not failures.
    let n_bad = (0..n).filter(|i| bad(*i) && !blank(*i)).count() as f64;
    for c in ["amount", "qty", "ok", "day", "ts"] {
        assert_eq!(observed(v, &format!("orders/{c}/schema.parse")), ("failed".into(), n_bad), "{c}");
        assert_eq!(observed(v, &format!("orders/{c}/schema.type")).0, "passed", "{c}");
    }
    // Exact decimal sum, in cents.
    let cents: i64 = ok_rows.iter().map(|i| (i * 37 % 1000 * 100 + i * 13 % 100) as i64).sum();
    assert_eq!(observed(v, "orders/amount/quality[0]").1, cents as f64 / 100.0);
    let qty: u64 = ok_rows.iter().map(|i| i * 7 % 50).sum();
    assert_eq!(observed(v, "orders/qty/quality[1]").1, qty as f64);
    assert!((observed(v, "orders/qty/quality[0]").1 - qty as f64 / ok_rows.len() as f64).abs() < 1e-12);
    let prices: Vec<f64> = (0..n).filter(|i| !blank(*i)).map(|i| ((i * 7919) % 10_000) as f64 / 8.0).collect();
    let max = prices.iter().copied().fold(f64::MIN, f64::max);
    assert_eq!(observed(v, "orders/price/quality[2]").1, max);
    let mut sorted = prices.clone();
    sorted.sort_by(f64::total_cmp);
    let m = sorted.len();
    let median = if m % 2 == 1 { sorted[m / 2] } else { (sorted[m / 2 - 1] + sorted[m / 2]) / 2.0 };
    assert_eq!(observed(v, "orders/price/quality[1]").1, median);
    let names: std::collections::BTreeSet<&String> =
        rows.iter().enumerate().filter(|(i, _)| !blank(*i as u64)).map(|(_, r)| &r[7]).collect();
    assert_eq!(observed(v, "orders/name/quality[0]").1, names.len() as f64);
    assert_eq!(observed(v, "orders/id/unique").1, 2.0);
    let lost = (0..n).filter(|i| bad(*i)).count() as f64;
    assert_eq!(observed(v, "orders/status/quality[0]").1, lost);
}

#[test]
fn csv_read_in_slices_equals_the_whole_read_and_the_truth() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 2_000;
    std::fs::write(dir.path().join("orders.csv"), csv(0..n, true)).expect("write");
    let v = assert_sliced_equals_whole(dir.path(), &contract("orders.csv", "csv", None), 300, n);
    assert_truth(&v, n);
    // Every row its own slice.
    let small = 120;
    std::fs::write(dir.path().join("small.csv"), csv(0..small, true)).expect("write");
    assert_sliced_equals_whole(dir.path(), &contract("small.csv", "csv", None), 1, small);
}

#[test]
fn slices_of_csv_and_ndjson_files_read_their_own_bytes() {
    // Each slice reads its byte range (noted as the file was first read), not the lines before
    // it: the debug log names every slice's rows and bytes.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let n = 1_000;
    std::fs::write(d.join("orders.csv"), csv(0..n, true)).expect("write");
    std::fs::write(d.join("orders.ndjson"), ndjson(0..n)).expect("write");
    for (file, format) in [("orders.csv", "csv"), ("orders.ndjson", "json")] {
        std::fs::write(d.join("c.odcs.yaml"), contract(file, format, None)).expect("write");
        let (_, out, err) = common::lakegate_env(
            d,
            &["check", "c.odcs.yaml", "--slice-rows", "300", "-q"],
            &[("LAKEGATE_LOG", "lakegate_engine=debug")],
        );
        let all = format!("{out}{err}");
        let ranges: Vec<&str> = all.lines().filter(|l| l.contains("slice read from its bytes")).collect();
        assert_eq!(ranges.len(), 4, "{file}: {all}");
        assert!(ranges[0].contains("rows=(0, 300)") && ranges[3].contains("rows=(900, "), "{file}: {ranges:?}");
    }
}

#[test]
fn ndjson_and_json_arrays_read_in_slices_equal_the_whole_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let n = 1_500;
    std::fs::write(dir.path().join("orders.ndjson"), ndjson(0..n)).expect("write");
    let v = assert_sliced_equals_whole(dir.path(), &contract("orders.ndjson", "json", Some("new_line")), 400, n);
    assert_truth(&v, n);
    // The same rows as a pretty-printed JSON array (ODCS `delimiter: array`).
    let objects: Vec<String> = (0..n).map(|i| format!("  {}", ndjson_object(i).replace(",\"", ",\n    \""))).collect();
    std::fs::write(dir.path().join("orders.json"), format!("[\n{}\n]\n", objects.join(",\n"))).expect("write");
    let a = assert_sliced_equals_whole(dir.path(), &contract("orders.json", "json", Some("array")), 400, n);
    assert_all_same(&a, &v, "the JSON array and the NDJSON file hold the same rows");
}

#[test]
fn blank_lines_are_no_rows_whole_sliced_and_compressed() {
    // The tester's cases: blank lines (CRLF and at the end too) in a CSV made rows of nulls, and
    // small compressed files with blank lines lost or repeated rows when cut by polars.
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let n = 1_200u64;
    let plain = csv(0..n, true);
    let mut gappy = String::new();
    for (i, line) in plain.lines().enumerate() {
        gappy.push_str(line);
        gappy.push('\n');
        if i % 97 == 5 {
            gappy.push_str(if i % 2 == 0 { "\n" } else { "\r\n" });
        }
    }
    gappy.push('\n');
    std::fs::write(d.join("plain.csv"), &plain).expect("write");
    let truth = assert_sliced_equals_whole(d, &contract("plain.csv", "csv", None), 500, n);
    std::fs::write(d.join("gappy.csv"), &gappy).expect("write");
    let v = assert_sliced_equals_whole(d, &contract("gappy.csv", "csv", None), 500, n);
    assert_all_same(&v, &truth, "blank lines and none");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(gappy.as_bytes()).expect("gzip");
    std::fs::write(d.join("gappy.csv.gz"), gz.finish().expect("gzip")).expect("write");
    // Read from a decompressed copy, in slices.
    let v = assert_sliced_equals_whole(d, &contract("gappy.csv.gz", "csv", None), 500, n);
    assert_all_same(&v, &truth, "gzip with blank lines and plain");
    let lines: String = ndjson(0..n)
        .lines()
        .enumerate()
        .map(|(i, l)| format!("{l}\n{}", if i % 50 == 3 { "\n  \n" } else { "" }))
        .collect();
    std::fs::write(d.join("gappy.ndjson.gz"), {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(lines.as_bytes()).expect("gzip");
        gz.finish().expect("gzip")
    })
    .expect("write");
    let v = assert_read_equals_whole(d, &contract("gappy.ndjson.gz", "json", None), 500, n, 0);
    assert_truth(&v, n);
}

#[test]
fn compressed_files_read_in_slices_equal_the_plain_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let n = 1_200;
    let text = csv(0..n, true);
    std::fs::write(d.join("orders.csv"), &text).expect("write");
    let plain = assert_sliced_equals_whole(d, &contract("orders.csv", "csv", None), 500, n);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).expect("gzip");
    std::fs::write(d.join("orders.csv.gz"), gz.finish().expect("gzip")).expect("write");
    // Small compressed files (read by polars directly, no byte offsets) are read whole: polars'
    // row ranges over compressed text lost or repeated rows next to blank lines.
    let v = assert_read_equals_whole(d, &contract("orders.csv.gz", "csv", None), 500, n, 0);
    assert_all_same(&v, &plain, "gzip and plain");
    std::fs::write(d.join("orders.ndjson.zst"), zstd::encode_all(ndjson(0..n).as_bytes(), 3).expect("zstd"))
        .expect("write");
    let v = assert_read_equals_whole(d, &contract("orders.ndjson.zst", "json", None), 500, n, 0);
    assert_truth(&v, n);
}

#[test]
fn a_large_gzip_file_is_decompressed_once_and_read_in_slices() {
    // Above 4 MiB compressed, the file is decompressed to a temporary file (not once per slice).
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let n = 60_000u64;
    let mut text = csv(0..n, true);
    // Incompressible filler, so that the gzip file exceeds 4 MiB.
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut filler = String::with_capacity(n as usize * 80);
    for line in text.lines() {
        filler.push_str(line);
        filler.push(',');
        if line.starts_with("id,") {
            filler.push_str("note");
        } else {
            for _ in 0..12 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                filler.push_str(&format!("{x:016x}"));
            }
        }
        filler.push('\n');
    }
    text = filler;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(text.as_bytes()).expect("gzip");
    let bytes = gz.finish().expect("gzip");
    assert!(bytes.len() > 4 << 20, "{} bytes", bytes.len());
    std::fs::write(d.join("orders.csv.gz"), bytes).expect("write");
    let c = contract("orders.csv.gz", "csv", None);
    let v = assert_sliced_equals_whole(d, &c, 25_000, n);
    assert_truth(&v, n);
    // The copy is made once per run: the debug log says so once, the slices reading it.
    let (_, out, err) = common::lakegate_env(
        d,
        &["check", "c.odcs.yaml", "--slice-rows", "25000", "-q"],
        &[("LAKEGATE_LOG", "lakegate_engine=debug")],
    );
    let copies = format!("{out}{err}").matches("decompressed to a temporary file").count();
    assert_eq!(copies, 1, "{out}{err}");
}

#[test]
fn folders_of_csv_files_are_sliced_by_files_and_row_ranges() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().join("lake");
    std::fs::create_dir_all(&d).expect("mkdir");
    // Small files grouped, a large one cut into row ranges; one file without a header row
    // would be wrong data, so every file has its header.
    let parts = [0..150u64, 150..300, 300..1_400, 1_400..1_450, 1_450..1_800];
    for (k, r) in parts.iter().enumerate() {
        std::fs::write(d.join(format!("part-{k}.csv")), csv(r.clone(), true)).expect("write");
    }
    let n = 1_800;
    let c = contract("lake", "csv", None);
    let (_, whole, out) = run(dir.path(), &c, 0);
    assert_truth(&whole, n);
    let (_, sliced, _) = run(dir.path(), &c, 400);
    // [0..150, 150..300] grouped; 300..1400 in 3 ranges; [1400..1450, 1450..1800] grouped.
    assert_eq!(slices(dir.path(), 400), 5, "{out}");
    assert_all_same(&whole, &sliced, "folder read whole and in slices");
}

/// A contract as datacontract-cli users write it (`physicalType` only): each column is read as
/// exactly the type its `schema.type` check expects, and a value that does not parse, the very
/// first one too, is counted by `schema.parse`, never turning the column into text nor failing
/// the read. The same for CSV and NDJSON.
#[test]
fn physical_types_alone_type_csv_and_ndjson_columns_and_count_what_does_not_parse() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let types = [
        ("b", "BIGINT", "int64", "x", "9007199254740993"),
        // INT is 64-bit in BigQuery: its type check accepts int64, the width read.
        ("i", "INT", "int64", "1.5", "3000000000"),
        ("s", "SMALLINT", "int16", "40000", "-7"),
        ("dbl", "DOUBLE", "float64", "1,5", "2.25"),
        ("v", "VARCHAR", "string", "", "text"),
        ("day", "DATE", "date", "2026-02-30", "2026-11-20"),
        ("ts", "TIMESTAMP", "timestamp with time zone", "2026-11-25 25:00:00", "2026-11-25T10:00:00+02:00"),
        ("ntz", "TIMESTAMP_NTZ", "timestamp", "noon", "2026-11-25 10:00:00.123456"),
        ("ok", "BOOLEAN", "boolean", "maybe", "TRUE"),
        ("n", "DECIMAL(5,2)", "decimal(5,2)", "1234.5", "-999.99"),
    ];
    let header: Vec<&str> = types.iter().map(|t| t.0).collect();
    let bad: Vec<&str> = types.iter().map(|t| t.3).collect();
    let good: Vec<&str> = types.iter().map(|t| t.4).collect();
    // The bad row first, where polars would infer a format from.
    let csv_text = format!("{}\n{}\n{}\n", header.join(","), bad.join(","), good.join(","));
    std::fs::write(d.join("t.csv"), csv_text.replace("1,5", "\"1,5\"")).expect("write");
    let obj = |vals: &[&str]| {
        let f: Vec<String> = header.iter().zip(vals).map(|(c, v)| format!("\"{c}\":\"{v}\"")).collect();
        format!("{{{}}}", f.join(","))
    };
    std::fs::write(d.join("t.ndjson"), format!("{}\n{}\n", obj(&bad), obj(&good))).expect("write");
    let props: String =
        types.iter().map(|(c, t, ..)| format!("      - {{name: {c}, physicalType: '{t}'}}\n")).collect();
    for (path, format) in [("t.csv", "csv"), ("t.ndjson", "json")] {
        let c = format!(
            "apiVersion: v3.1.0\nkind: DataContract\nid: p\nversion: 1.0.0\nstatus: active\nservers:\n  - {{server: l, \
             type: local, path: {path}, format: {format}}}\nschema:\n  - name: t\n    properties:\n{props}"
        );
        let (code, v, out) = run(d, &c, 0);
        assert_eq!(code, 1, "{out}");
        for (col, physical, name, bad, _) in types {
            let present = v["contracts"][0]["checks"]
                .as_array()
                .and_then(|cs| cs.iter().find(|x| x["id"].as_str() == Some(&format!("p/t/{col}/schema.present"))))
                .and_then(|x| x["message"].as_str())
                .unwrap_or("")
                .to_owned();
            assert!(present.ends_with(&format!("({name})")), "{path} {col} {physical}: {present}");
            assert_eq!(observed(&v, &format!("t/{col}/schema.type")).0, "passed", "{path} {col}");
            if col != "v" {
                let want = if bad.is_empty() { 0.0 } else { 1.0 };
                assert_eq!(observed(&v, &format!("t/{col}/schema.parse")).1, want, "{path} {col} `{bad}`");
            }
        }
    }
}

/// A CSV line with more or fewer fields than the header is a malformed file: an error naming the
/// file and the line (polars said neither, and padded short lines with nulls), and with
/// `--on-bad-file skip` that file is left out, named, while the others are read.
#[test]
fn a_ragged_csv_line_names_its_file_and_line_and_skip_leaves_the_file_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    std::fs::create_dir_all(&lake).expect("mkdir");
    std::fs::write(lake.join("a.csv"), csv(0..100, true)).expect("write");
    // Line 4 has a tenth field; a quoted comma and line end elsewhere are fine.
    let mut bad = csv(100..110, true);
    bad = bad.replacen("\n103,", "\n103,\"x,\ny\",", 1);
    std::fs::write(lake.join("b.csv"), &bad).expect("write");
    let c = contract("lake", "csv", None);
    let (code, v, out) = run(dir.path(), &c, 0);
    assert_eq!(code, 3, "{out}");
    let error = v["contracts"][0]["datasets"][0]["error"].as_str().unwrap_or("").to_owned();
    assert!(
        error.contains("`lake/b.csv` line 5: 10 fields where the header has 9 (a ragged CSV line)"),
        "{error}\n{out}"
    );
    std::fs::write(dir.path().join("c.odcs.yaml"), &c).expect("write");
    let (code, out, err) = common::lakegate(dir.path(), &["check", "c.odcs.yaml", "--on-bad-file", "skip"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("left out (--on-bad-file skip): `lake/b.csv` line 5: 10 fields"), "{out}");
    assert!(out.contains("rowCount") && out.contains("observed 100"), "{out}");
}

#[test]
fn a_late_ndjson_column_is_found_and_an_open_quote_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // polars infers NDJSON columns from the first 100 lines: a declared column first seen at
    // line 121 was reported missing.
    let text: String = (0..300)
        .map(|i| if i >= 120 { format!("{{\"id\":{i},\"late\":1}}\n") } else { format!("{{\"id\":{i}}}\n") })
        .collect();
    std::fs::write(d.join("l.ndjson"), text).expect("write");
    let late = "apiVersion: v3.1.0\nkind: DataContract\nid: late\nversion: 1.0.0\nstatus: active\nservers:\n  - {server: l, type: local, path: l.ndjson, format: json}\nschema:\n  - name: l\n    properties:\n      - {name: id, physicalType: BIGINT, required: true}\n      - name: late\n        physicalType: INT\n        quality:\n          - {type: custom, engine: lakegate, implementation: {metric: sum, mustBe: 180}}\n";
    std::fs::write(d.join("late.odcs.yaml"), late).expect("write");
    for rows in ["0", "50"] {
        let (code, out, err) = common::lakegate(d, &["check", "late.odcs.yaml", "--slice-rows", rows]);
        assert_eq!(code, 0, "{out}{err}");
    }
    // A quoted field never closed: the file is an error naming the record's line (it read as
    // one more row when sliced, one fewer whole).
    let mut bad = String::from("id,name\n");
    for i in 0..50 {
        bad.push_str(&format!("{i},n{i}\n"));
    }
    bad.push_str("50,\"open\n51,x\n");
    std::fs::write(d.join("q.csv"), bad).expect("write");
    std::fs::write(d.join("q.odcs.yaml"), late.replace("l.ndjson, format: json", "q.csv, format: csv")).expect("write");
    for rows in ["0", "20"] {
        let (code, out, err) = common::lakegate(d, &["check", "q.odcs.yaml", "--slice-rows", rows]);
        assert_eq!(code, 3, "{out}{err}");
        assert!(out.contains("`q.csv` line 52: a quoted field is still open at the end of the file"), "{out}{err}");
    }
}

#[test]
fn a_truncated_compressed_file_is_named_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(csv(0..5_000, true).as_bytes()).expect("gzip");
    let bytes = gz.finish().expect("gzip");
    std::fs::write(d.join("cut.csv.gz"), &bytes[..bytes.len() / 2]).expect("write");
    std::fs::write(d.join("c.odcs.yaml"), contract("cut.csv.gz", "csv", None)).expect("write");
    let (code, out, err) = common::lakegate(d, &["check", "c.odcs.yaml"]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(out.contains("ERROR cannot read `cut.csv.gz`: "), "{out}");
    assert_eq!(out.matches("cannot read").count(), 1, "{out}");
}
