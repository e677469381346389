//! Every fast path against the plain path on the same data: reading in slices with mergeable
//! states (`--slice-rows`), the parallel distinct kernel, and answers from Parquet footer
//! statistics, over data with nulls, NaN, an empty file, many row groups, a file written
//! without statistics and long strings (whose statistics a writer may truncate).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use lakegate_bench::Rng;
use polars::prelude::*;
use serde_json::Value;

const DAY_US: i64 = 86_400_000_000;
const NOV25_US: i64 = 20_782 * DAY_US;

/// `n` rows of a table with nulls, NaN, duplicates and long strings; `seed` varies the values.
fn frame(n: usize, seed: u64) -> DataFrame {
    let mut r = Rng(seed);
    let mut id = Vec::with_capacity(n);
    let mut customer = Vec::with_capacity(n);
    let mut amount = Vec::with_capacity(n);
    let mut ratio = Vec::with_capacity(n);
    let mut status = Vec::with_capacity(n);
    let mut note = Vec::with_capacity(n);
    let mut created = Vec::with_capacity(n);
    let mut day = Vec::with_capacity(n);
    let mut small = Vec::with_capacity(n);
    for i in 0..n {
        let base = (seed as i64) * 1_000_000 + i as i64;
        id.push(match r.below(500) {
            0 => None,
            1 => Some(base - 1), // a duplicate of the previous id
            _ => Some(base),
        });
        customer.push((r.below(50) != 0).then(|| r.below(3_000) as i64 - 100));
        amount.push(match r.below(100) {
            0 => None,
            1 => Some(-(r.unit() * 10.0)),
            _ => Some((r.unit() * 1000.0 * 100.0).round() / 100.0),
        });
        ratio.push(match r.below(300) {
            0 => Some(f64::NAN),
            1 => None,
            _ => Some(r.unit()),
        });
        status.push(r.pick(&["paid", "paid", "shipped", "cancelled", "PAID", ""]).to_owned());
        // Long strings: a writer may truncate their statistics.
        let len = r.below(120) as usize;
        note.push((r.below(40) != 0).then(|| format!("{}{}", "z".repeat(len), r.below(1000))));
        created.push((r.below(200) != 0).then(|| NOV25_US - r.below(30 * DAY_US as u64) as i64));
        day.push((r.below(100) != 0).then(|| 20_700 + r.below(80) as i32));
        small.push((r.below(7) != 0).then(|| r.below(200) as i32 - 50));
    }
    let ts = Series::new("created_at".into(), created)
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
        .expect("ts")
        .into_column();
    let day = Series::new("day".into(), day).cast(&DataType::Date).expect("date").into_column();
    DataFrame::new(
        n,
        vec![
            Column::new("id".into(), id),
            Column::new("customer_id".into(), customer),
            Column::new("amount".into(), amount),
            Column::new("ratio".into(), ratio),
            Column::new("status".into(), status),
            Column::new("note".into(), note),
            ts,
            day,
            Column::new("small".into(), small),
        ],
    )
    .expect("frame")
}

fn write(path: &Path, df: &mut DataFrame, row_group: usize, statistics: bool) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    let stats = if statistics { StatisticsOptions::full() } else { StatisticsOptions::empty() };
    ParquetWriter::new(std::fs::File::create(path).expect("create"))
        .with_row_group_size(Some(row_group))
        .with_statistics(stats)
        .finish(df)
        .expect("write parquet");
}

fn rule(id: &str, implementation: &str) -> String {
    format!(
        "      - id: {id}\n        type: custom\n        engine: lakegate\n        implementation: {implementation}\n"
    )
}

const CONTRACT_HEAD: &str = "apiVersion: v3.1.0
kind: DataContract
id: fast
version: 1.0.0
status: active
servers: [{server: local, type: local, path: 'data/{model}', format: parquet}]
schema:
  - name: orders
    properties:
      - {name: id, logicalType: integer, required: true, unique: true}
      - name: customer_id
        logicalType: integer
        required: true
        quality:
          - {metric: nullValues, mustBe: 0}
          - {metric: duplicateValues, mustBeLessThan: 100}
      - name: amount
        logicalType: number
        logicalTypeOptions: {minimum: 0}
        quality:
          - {metric: nullValues, unit: percent, mustBeLessThan: 0.5}
      - {name: status, logicalType: string, logicalTypeOptions: {pattern: '^[a-z]+$'}}
      - name: note
        logicalType: string
        quality:
          - {metric: invalidValues, arguments: {validValues: ['z1']}, mustBe: 0}
      - {name: created_at, logicalType: timestamp}
      - {name: day, logicalType: date}
      - {name: small, logicalType: integer}
      - {name: ratio, logicalType: number}
    quality:
      - {metric: rowCount, mustBeGreaterThan: 0}
      - {metric: duplicateValues, arguments: {properties: [customer_id, created_at]}, mustBe: 0}
      - {metric: duplicateValues, arguments: {properties: [day, small]}, mustBe: 0}
";

fn contract() -> String {
    let mut s = CONTRACT_HEAD.to_owned();
    let rules = [
        ("sum", "{metric: sum, property: amount, mustBeGreaterThan: 0}"),
        ("avg", "{metric: avg, property: amount, mustBeBetween: [400, 600]}"),
        ("stddev", "{metric: stddev, property: amount, mustBeLessThan: 100}"),
        ("min", "{metric: min, property: amount, mustBeGreaterOrEqualTo: 0}"),
        ("max", "{metric: max, property: amount, mustBeLessThan: 999}"),
        ("min_small", "{metric: min, property: small, mustBeGreaterOrEqualTo: -10}"),
        ("max_small", "{metric: max, property: small, mustBeLessThan: 100}"),
        ("min_day", "{metric: min, property: day, mustBeGreaterThan: 0}"),
        ("max_created", "{metric: max, property: created_at, mustBeGreaterThan: 0}"),
        ("avg_ratio", "{metric: avg, property: ratio, mustBeLessThan: 1}"),
        ("max_ratio", "{metric: max, property: ratio, mustBeLessThan: 1}"),
        ("min_ratio", "{metric: min, property: ratio, mustBeGreaterThan: 0}"),
        ("sd_ratio", "{metric: stddev, property: ratio, mustBeLessThan: 1}"),
        ("median", "{metric: median, property: amount, mustBeBetween: [400, 600]}"),
        ("p90", "{metric: quantile, q: 0.9, property: amount, mustBeLessThan: 950}"),
        ("customers", "{metric: distinctCount, property: customer_id, mustBeGreaterThan: 2000}"),
        ("customer_ratio", "{metric: distinctRatio, property: customer_id, mustBeGreaterThan: 0.5}"),
        ("statuses", "{metric: distinctCount, property: status, mustBe: 4}"),
        // Integer-like keys the kernel counts in a bitmap (date, int32) or packs (a pair).
        ("days", "{metric: distinctCount, property: day, mustBe: 80}"),
        ("smalls", "{metric: distinctRatio, property: small, mustBeGreaterThan: 0.5}"),
        ("min_len", "{metric: minLength, property: note, mustBeGreaterOrEqualTo: 2}"),
        ("max_len", "{metric: maxLength, property: note, mustBeLessOrEqualTo: 100}"),
        ("avg_len", "{metric: avgLength, property: note, mustBeLessThan: 50}"),
        ("nulls_note", "{metric: nullCount, property: note, mustBe: 0}"),
        ("rows_paid", "{metric: rowCount, where: \"status = 'paid'\", mustBeGreaterThan: 0}"),
        ("avg_paid", "{metric: avg, property: amount, where: \"status = 'paid'\", mustBeLessThan: 500}"),
        ("cancelled", "{metric: forbiddenValues, property: status, values: [cancelled], mustBe: 0}"),
        ("no_refunds", "{metric: distinctValues, property: status, subsetOf: [paid, shipped], mustBe: 0}"),
        ("positive", "{metric: rowCondition, expression: 'amount >= 0 OR amount IS NULL', mustBe: 0}"),
        ("by_status", "{metric: avg, property: amount, groupBy: [status], mustBeLessThan: 600}"),
    ];
    for (id, imp) in rules {
        s.push_str(&rule(id, imp));
    }
    s.push_str(&rule("fresh", "{metric: freshness, property: created_at, mustBeLessOrEqualTo: 3600}"));
    s.push_str("        unit: s\n");
    s
}

/// A dataset of four files: many small row groups, an empty file, a file without statistics
/// and one with large row groups.
fn lake(dir: &Path) {
    write(&dir.join("data/orders/part-0.parquet"), &mut frame(9_000, 1), 700, true);
    write(&dir.join("data/orders/part-1.parquet"), &mut frame(0, 2), 700, true);
    write(&dir.join("data/orders/part-2.parquet"), &mut frame(6_000, 3), 1_000, false);
    write(&dir.join("data/orders/part-3.parquet"), &mut frame(5_000, 4), 100_000, true);
    std::fs::write(dir.join("c.odcs.yaml"), contract()).expect("contract");
}

/// What a check of a run says.
#[derive(Debug, Clone)]
struct Seen {
    status: String,
    observed: Option<f64>,
    message: String,
    origin: Option<String>,
    samples: Value,
}

type Run = BTreeMap<String, Seen>;

/// Every check of a run, by id.
fn run(dir: &Path, extra: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(dir)
        .args(["check", "c.odcs.yaml", "--now", "2026-11-26T06:00:00Z", "--format", "json"])
        .args(extra)
        .output()
        .expect("run");
    let json: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    json["contracts"][0]["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or_default().to_owned(),
                Seen {
                    status: c["status"].as_str().unwrap_or_default().to_owned(),
                    observed: c["observed"].as_f64(),
                    message: c["message"].as_str().unwrap_or_default().to_owned(),
                    origin: c["origin"].as_str().map(str::to_owned),
                    samples: c["samples"].clone(),
                },
            )
        })
        .collect()
}

fn same(plain: &Run, fast: &Run) {
    assert_eq!(plain.keys().collect::<Vec<_>>(), fast.keys().collect::<Vec<_>>());
    for (id, p) in plain {
        let f = &fast[id];
        assert_eq!(p.status, f.status, "{id}: plain `{}`, fast `{}`", p.message, f.message);
        match (p.observed, f.observed) {
            (Some(a), Some(b)) => assert!((a - b).abs() <= 1e-9 * a.abs().max(1.0), "{id}: plain {a}, fast {b}"),
            (a, b) => assert_eq!(a, b, "{id}: plain `{}`, fast `{}`", p.message, f.message),
        }
        assert_eq!(p.samples, f.samples, "{id}: samples");
    }
}

fn get<'a>(run: &'a Run, suffix: &str) -> &'a Seen {
    run.iter().find(|(k, _)| k.ends_with(suffix)).map(|(_, v)| v).unwrap_or_else(|| panic!("no check {suffix}"))
}

#[test]
fn slices_agree_with_the_whole_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    lake(dir.path());
    // The plain path: one read, no statistics, samples from a second pass per failed check
    // (`--samples-out` exports every failing row, so nothing is captured in the scan).
    let plain = run(dir.path(), &["--slice-rows", "0", "--no-statistics", "--samples-out", "quarantine"]);
    assert!(plain.len() > 30, "{plain:?}");
    let sampled = plain.values().filter(|c| c.samples["rows"].as_array().is_some_and(|r| !r.is_empty())).count();
    assert!(sampled >= 12, "failed row-level checks carry samples: {sampled}");
    // The data really has what the fast paths must get right.
    assert_eq!(get(&plain, "/avg_ratio").status, "errored", "NaN propagates into avg");
    assert_eq!(get(&plain, "/id/unique").status, "failed");
    assert!(get(&plain, "/customers").observed.expect("distinct") > 2000.0);
    assert!(plain.values().all(|c| c.origin.is_none()), "--no-statistics reads everything");
    for slice in ["1000", "4096", "19999"] {
        let fast = run(dir.path(), &["--slice-rows", slice]);
        same(&plain, &fast);
    }
    // A `--where` filter applies to every slice, and statistics are not used under it.
    let plain = run(
        dir.path(),
        &["--slice-rows", "0", "--where", "status = 'paid'", "--no-statistics", "--samples-out", "quarantine"],
    );
    let fast = run(dir.path(), &["--slice-rows", "777", "--where", "status = 'paid'"]);
    same(&plain, &fast);
    assert!(fast.values().all(|c| c.origin.is_none()), "no statistics under a filter");
}

#[test]
fn footer_statistics_agree_with_the_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    lake(dir.path());
    // One file was written without statistics: only the row count (every footer has it)
    // comes from the footers; null counts and bounds are read from the data.
    let scanned = run(dir.path(), &["--no-statistics"]);
    let mixed = run(dir.path(), &[]);
    same(&scanned, &mixed);
    assert_eq!(get(&mixed, "/orders/quality[0]").origin.as_deref(), Some("parquet-statistics"), "row count");
    assert_eq!(get(&mixed, "/nulls_note").origin, None, "a file lacks null counts");
    assert_eq!(get(&mixed, "/min_small").origin, None, "a file lacks bounds");
    // Without that file, the footers answer null counts and the bounds of integer, date and
    // timestamp columns (also across an empty file); never floats or strings, whose
    // statistics leave NaN out or may be truncated.
    std::fs::remove_file(dir.path().join("data/orders/part-2.parquet")).expect("rm");
    let scanned = run(dir.path(), &["--no-statistics"]);
    let footers = run(dir.path(), &[]);
    same(&scanned, &footers);
    for id in [
        "/orders/quality[0]",
        "/nulls_note",
        "/amount/quality[0]", // null percentage: null count and row count, both from the footers
        "/min_small",
        "/max_small",
        "/min_day",
        "/max_created",
        "/fresh",
    ] {
        assert_eq!(get(&footers, id).origin.as_deref(), Some("parquet-statistics"), "{id}");
    }
    // Kernels over footer bounds (a bitmap for the date and int32 keys, packed (day, small)
    // pairs) answer like the hash sets of the scanned run, samples of duplicates included.
    assert_eq!(get(&footers, "/days").observed, Some(80.0));
    let pairs = get(&footers, "/orders/quality[2]");
    assert_eq!(pairs.status, "failed", "{}", pairs.message);
    assert_eq!(pairs.samples["columns"], serde_json::json!(["day", "small", "count"]));
    assert!(pairs.samples["rows"][0][0].as_str().is_some_and(|d| d.starts_with("2026-")), "dates as dates");
    // customer_id and id are written dictionary-encoded by polars, whose footers then carry
    // wrong null counts: lakegate does not use them.
    assert_eq!(get(&footers, "/customer_id/quality[0]").origin, None);
    assert_eq!(get(&footers, "/id/required").origin, None);
    for id in ["/min", "/max", "/max_ratio", "/min_len", "/max_len", "/avg", "/customers", "/rows_paid", "/positive"] {
        assert_eq!(get(&footers, id).origin, None, "{id}");
    }
}

#[test]
fn hive_partitions_slice_like_the_whole_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Partition folders: a union of scans with a partition column, sliced by whole files
    // grouped up to the slice size and by row ranges within a larger file. One partition lacks
    // the `note` column (null there in the whole read, and so in its slice).
    let days = [
        ("2026-11-23", 4_000usize),
        ("2026-11-24", 0),
        ("2026-11-25", 7_000),
        ("2026-11-26", 1_200),
        ("2026-11-27", 900),
    ];
    for (i, (day, rows)) in days.iter().enumerate() {
        let path = dir.path().join(format!("data/orders/dt={day}/part.parquet"));
        let mut df = frame(*rows, 10 + i as u64);
        if i == 3 {
            df = df.drop("note").expect("drop");
        }
        write(&path, &mut df, 900, i != 2);
    }
    std::fs::write(dir.path().join("c.odcs.yaml"), contract()).expect("contract");
    let plain = run(dir.path(), &["--slice-rows", "0", "--no-statistics", "--samples-out", "quarantine"]);
    assert_eq!(get(&plain, "/orders/quality[0]").observed, Some(13_100.0), "rows of every partition");
    for slice in ["1500", "2500", "5000"] {
        same(&plain, &run(dir.path(), &["--slice-rows", slice]));
    }
}

#[test]
fn a_corrupt_row_group_errors_the_sliced_metrics_with_the_slice_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    lake(dir.path());
    // Damage the data pages in the middle of a file, keep its footer: the footer reads (rows,
    // slicing), the pages do not.
    let p = dir.path().join("data/orders/part-3.parquet");
    let mut bytes = std::fs::read(&p).expect("read");
    let mid = bytes.len() / 2;
    for b in &mut bytes[mid - 2_000..mid + 2_000] {
        *b = 0x5a;
    }
    std::fs::write(&p, bytes).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(dir.path())
        .args(["check", "c.odcs.yaml", "--now", "2026-11-26T06:00:00Z", "--format", "json", "--slice-rows", "4000"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(3), "errored checks: exit 3; {}", String::from_utf8_lossy(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).expect("json");
    let checks = json["contracts"][0]["checks"].as_array().expect("checks");
    let sum = checks.iter().find(|c| c["id"].as_str().is_some_and(|i| i.ends_with("/sum"))).expect("sum");
    assert_eq!(sum["status"], "errored");
    let msg = sum["message"].as_str().unwrap_or_default();
    assert!(msg.contains("reading `orders` (slice"), "{msg}");
    // The row count comes from the footers and stays right.
    let rows =
        checks.iter().find(|c| c["id"].as_str().is_some_and(|i| i.ends_with("orders/quality[0]"))).expect("rows");
    assert_eq!(rows["observed"], 20_000.0);
}
