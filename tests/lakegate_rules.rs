//! lakegate's own rules (`type: custom`, `engine: lakegate`) on fixture data with known
//! answers: statistics, sets, row conditions, aggregate expressions, order, freshness,
//! segments, comparisons within and across contracts, filters, and failing-row samples.

mod common;

use std::path::Path;
use std::process::Command;

use common::write_parquet;
use polars::prelude::*;
use serde_json::Value;

const H: i64 = 3_600_000_000;
const NOV25: i64 = 20_782 * 24 * H;

fn fixture(dir: &Path) {
    let ts = |v: Vec<Option<i64>>| {
        Series::new("t".into(), v).cast(&DataType::Datetime(TimeUnit::Microseconds, None)).expect("ts").into_column()
    };
    let created: Vec<Option<i64>> = (0..10).map(|i| Some(NOV25 + i * H)).collect();
    let mut updated: Vec<Option<i64>> = created.iter().map(|c| c.map(|c| c + H)).collect();
    updated[2] = Some(NOV25); // id 3: updated before created
    updated[6] = Some(NOV25); // id 7
    updated[8] = None; // id 9: unknown
    let mut t = DataFrame::new(
        10,
        vec![
            Column::new("id".into(), (1..=10).collect::<Vec<i64>>()),
            Column::new(
                "amount".into(),
                [
                    Some(10.0f64),
                    Some(20.0),
                    Some(30.0),
                    Some(40.0),
                    Some(50.0),
                    None,
                    Some(70.0),
                    Some(80.0),
                    Some(90.0),
                    Some(100.0),
                ],
            ),
            Column::new(
                "status".into(),
                ["paid", "paid", "refunded", "paid", "cancelled", "paid", "paid", "refunded", "paid", "paid"],
            ),
            Column::new("country".into(), ["DE", "DE", "FR", "FR", "FR", "NL", "NL", "NL", "NL", "DE"]),
            Column::new("name".into(), ["a", "bb", "ccc", "dddd", "", "ff", "g", "hh", "iii", "jjjj"]),
            Column::new("seq".into(), [1i64, 2, 3, 3, 5, 4, 7, 8, 9, 10]),
            Column::new("price".into(), (1..=10).map(|x| x as f64).collect::<Vec<_>>()),
            Column::new("quantity".into(), [2i64; 10]),
            Column::new("total".into(), [2.0f64, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0, 16.0, 18.0, 21.0]),
            Column::new("email".into(), (1..=10).map(|i| format!("person{i}@secret.example")).collect::<Vec<_>>()),
            Column::new("x".into(), [1.0f64, f64::NAN, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]),
            ts(created).with_name("created_at".into()),
            ts(updated).with_name("updated_at".into()),
        ],
    )
    .expect("t");
    write_parquet(&dir.join("data/t.parquet"), &mut t);
    let mut u = DataFrame::new(
        5,
        vec![
            Column::new("id".into(), [1i64, 2, 3, 4, 5]),
            Column::new("amount".into(), [100.0f64, 200.0, 0.0, 0.0, 0.0]),
        ],
    )
    .expect("u");
    write_parquet(&dir.join("data/u.parquet"), &mut u);
    let mut w = DataFrame::new(2, vec![Column::new("amount".into(), [245.0f64, 245.0])]).expect("w");
    write_parquet(&dir.join("other/w.parquet"), &mut w);
}

fn rule(id: &str, body: &str) -> String {
    format!("      - id: {id}\n        type: custom\n        engine: lakegate\n{body}")
}

fn contract() -> String {
    let rules = [
        rule(
            "avg_paid",
            "        implementation: {metric: avg, property: amount, where: \"status = 'paid'\", mustBeBetween: [40, 55]}\n",
        ),
        rule("sum", "        implementation: {metric: sum, property: amount, mustBe: 490}\n"),
        rule("min", "        implementation: {metric: min, property: amount, mustBe: 10}\n"),
        rule("max", "        implementation: {metric: max, property: amount, mustBeLessThan: 100}\n"),
        rule("stddev", "        implementation: {metric: stddev, property: amount, mustBeLessThan: 40}\n"),
        rule("median", "        implementation: {metric: median, property: amount, mustBe: 50}\n"),
        rule("p90", "        implementation: {metric: quantile, q: 0.9, property: amount, mustBeLessOrEqualTo: 92}\n"),
        rule("statuses", "        implementation: {metric: distinctCount, property: status, mustBe: 3}\n"),
        rule(
            "country_ratio",
            "        implementation: {metric: distinctRatio, property: country, mustBeGreaterThan: 0.5}\n",
        ),
        rule("min_len", "        implementation: {metric: minLength, property: name, mustBeGreaterOrEqualTo: 1}\n"),
        rule("max_len", "        implementation: {metric: maxLength, property: name, mustBeLessOrEqualTo: 4}\n"),
        rule("avg_len", "        implementation: {metric: avgLength, property: name, mustBe: 2.2}\n"),
        rule(
            "no_cancel",
            "        implementation: {metric: forbiddenValues, property: status, values: [cancelled], mustBe: 0}\n",
        ),
        rule(
            "no_cancel_pct",
            "        unit: percent\n        implementation: {metric: forbiddenValues, property: status, values: [cancelled], mustBeLessThan: 5}\n",
        ),
        rule(
            "countries_subset",
            "        implementation: {metric: distinctValues, property: country, subsetOf: [DE, FR], mustBe: 0}\n",
        ),
        rule(
            "countries_superset",
            "        implementation: {metric: distinctValues, property: country, supersetOf: [DE, FR, IT], mustBe: 0}\n",
        ),
        rule(
            "countries_equal",
            "        implementation: {metric: distinctValues, property: country, equals: [DE, FR, NL], mustBe: 0}\n",
        ),
        rule(
            "updated_after_created",
            "        implementation: {metric: rowCondition, expression: 'updated_at >= created_at', mustBe: 0}\n",
        ),
        rule(
            "line_total",
            "        implementation: {metric: rowCondition, expression: 'price * quantity = total', mustBe: 0}\n",
        ),
        rule(
            "price_share",
            "        implementation: {metric: expression, expression: 'sum(price) / sum(total)', mustBeBetween: [0.4, 0.5]}\n",
        ),
        rule("seq_up", "        implementation: {metric: increasing, property: seq, orderBy: id, mustBe: 0}\n"),
        rule(
            "seq_up_strict",
            "        implementation: {metric: increasing, property: seq, orderBy: id, strict: true, mustBe: 0}\n",
        ),
        rule(
            "fresh",
            "        unit: h\n        implementation: {metric: freshness, property: created_at, mustBeLessOrEqualTo: 24}\n",
        ),
        rule(
            "avg_by_country",
            "        implementation: {metric: avg, property: amount, groupBy: [country], mustBeLessThan: 50}\n",
        ),
        rule("rows_vs_u", "        implementation: {metric: rowCountComparison, compareTo: {object: u}, mustBe: 2}\n"),
        rule(
            "rows_minus_u",
            "        implementation: {metric: rowCountComparison, compareTo: {object: u}, method: difference, mustBe: 5}\n",
        ),
        rule(
            "sum_vs_u",
            "        implementation: {metric: aggregateComparison, property: amount, aggregate: sum, compareTo: {object: u}, mustBeBetween: [0.99, 1.01]}\n",
        ),
        rule(
            "sum_vs_other_contract",
            "        implementation: {metric: aggregateComparison, property: amount, aggregate: sum, compareTo: {contract: other, object: w}, mustBe: 1}\n",
        ),
        rule("avg_x", "        implementation: {metric: avg, property: x, mustBeGreaterThan: 0}\n"),
        rule(
            "emails",
            "        implementation: {metric: forbiddenValues, property: email, values: [person3@secret.example, person4@secret.example], mustBe: 0}\n",
        ),
    ];
    let head = [
        "apiVersion: v3.1.0",
        "kind: DataContract",
        "id: rules",
        "version: 1.0.0",
        "status: active",
        "servers: [{server: local, type: local, path: 'data/{model}.parquet', format: parquet}]",
        "schema:",
        "  - name: t",
        "    properties:",
        "      - {name: id, logicalType: integer, primaryKey: true}",
        "      - {name: email, logicalType: string, classification: pii}",
        "      - name: amount",
        "        logicalType: number",
        "        quality:",
        "          - metric: rowCount",
        "            mustBe: 4",
        "            customProperties: [{property: where, value: \"country = 'NL'\"}]",
        "    quality:",
    ];
    format!("{}\n{}  - name: u\n", head.join("\n"), rules.join(""))
}

const OTHER: &str = "apiVersion: v3.1.0\nkind: DataContract\nid: other\nversion: 1.0.0\nstatus: active\nservers: [{server: local, type: local, path: '{model}.parquet', format: parquet}]\nschema:\n  - name: w\n    properties:\n      - {name: amount, logicalType: number}\n";

fn run(dir: &Path, extra: &[&str]) -> (i32, Value, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(dir)
        .args(["check", "c.odcs.yaml", "other/other.odcs.yaml", "--now", "2026-11-26T06:00:00Z", "--json", "r.json"])
        .args(extra)
        .env("LAKEGATE_LOG", "lakegate_engine=debug")
        .output()
        .expect("run");
    let json = std::fs::read_to_string(dir.join("r.json"))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null);
    (
        out.status.code().unwrap_or(-1),
        json,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn find<'a>(json: &'a Value, id: &str) -> &'a Value {
    json["contracts"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["checks"].as_array().into_iter().flatten())
        .find(|r| r["id"].as_str().is_some_and(|s| s.ends_with(&format!("/{id}"))))
        .unwrap_or_else(|| panic!("no check {id}"))
}

fn expect(json: &Value, id: &str, status: &str, observed: f64) {
    let r = find(json, id);
    assert_eq!(r["status"], status, "{id}: {}", r["message"]);
    let o = r["observed"].as_f64().unwrap_or(f64::NAN);
    assert!(
        (o - observed).abs() <= 1e-9 * observed.abs().max(1.0),
        "{id}: observed {o}, want {observed}: {}",
        r["message"]
    );
}

#[test]
fn lakegate_metrics_have_exact_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    fixture(dir.path());
    std::fs::write(dir.path().join("c.odcs.yaml"), contract()).expect("contract");
    std::fs::write(dir.path().join("other/other.odcs.yaml"), OTHER).expect("other");
    let (code, json, stdout, stderr) = run(dir.path(), &[]);
    assert_eq!(code, 3, "avg_x is errored (NaN): {stdout}{stderr}");
    expect(&json, "avg_paid", "passed", 55.0);
    expect(&json, "sum", "passed", 490.0);
    expect(&json, "min", "passed", 10.0);
    expect(&json, "max", "failed", 100.0);
    expect(&json, "stddev", "passed", 32.058973436118904);
    expect(&json, "median", "passed", 50.0);
    expect(&json, "p90", "passed", 92.0);
    expect(&json, "statuses", "passed", 3.0);
    expect(&json, "country_ratio", "failed", 0.3);
    expect(&json, "min_len", "failed", 0.0);
    expect(&json, "max_len", "passed", 4.0);
    expect(&json, "avg_len", "passed", 2.2);
    expect(&json, "no_cancel", "failed", 1.0);
    expect(&json, "no_cancel_pct", "failed", 10.0);
    expect(&json, "countries_subset", "failed", 1.0);
    assert!(find(&json, "countries_subset")["message"].as_str().unwrap_or("").contains("'NL'"));
    expect(&json, "countries_superset", "failed", 1.0);
    assert!(find(&json, "countries_superset")["message"].as_str().unwrap_or("").contains("absent: IT"));
    expect(&json, "countries_equal", "passed", 0.0);
    expect(&json, "updated_after_created", "failed", 3.0);
    expect(&json, "line_total", "failed", 1.0);
    expect(&json, "price_share", "passed", 55.0 / 111.0);
    expect(&json, "seq_up", "failed", 1.0);
    expect(&json, "seq_up_strict", "failed", 2.0);
    // now 2026-11-26T06:00 - max(created_at) 2026-11-25T09:00 = 21 h.
    expect(&json, "fresh", "passed", 21.0);
    // DE 43.33, FR 40, NL 80: one group breaks < 50.
    expect(&json, "avg_by_country", "failed", 1.0);
    let groups = &find(&json, "avg_by_country")["failing_groups"];
    assert_eq!(groups, &serde_json::json!([["NL", 80.0]]));
    expect(&json, "rows_vs_u", "passed", 2.0);
    expect(&json, "rows_minus_u", "passed", 5.0);
    expect(&json, "sum_vs_u", "failed", 490.0 / 300.0);
    expect(&json, "sum_vs_other_contract", "passed", 1.0);
    let x = find(&json, "avg_x");
    assert_eq!(x["status"], "errored");
    assert!(x["message"].as_str().unwrap_or("").contains("NaN"), "{}", x["message"]);
    expect(&json, "amount/quality[0]", "passed", 4.0);

    // Samples: failing rows with the key and the offending columns; pii redacted.
    let s = &find(&json, "updated_after_created")["samples"];
    assert_eq!(s["columns"], serde_json::json!(["id", "updated_at", "created_at"]));
    assert_eq!(s["rows"].as_array().map(Vec::len), Some(3));
    let e = &find(&json, "emails")["samples"];
    assert_eq!(e["redacted"], serde_json::json!(["email"]));
    assert_eq!(e["rows"], serde_json::json!([["3", "***"], ["4", "***"]]));
    let text = std::fs::read_to_string(dir.path().join("r.json")).expect("json");
    assert!(!text.contains("secret.example"), "a pii value leaked into the report");
    assert!(!stdout.contains("secret.example"), "a pii value leaked into the console");
    assert!(stderr.contains("sample pass"), "{stderr}");
}

#[test]
fn samples_out_exports_failing_rows_redacted_and_no_sample_pass_without_failures() {
    let dir = tempfile::tempdir().expect("tempdir");
    fixture(dir.path());
    std::fs::write(dir.path().join("c.odcs.yaml"), contract()).expect("contract");
    std::fs::write(dir.path().join("other/other.odcs.yaml"), OTHER).expect("other");
    let (_, json, _, _) = run(dir.path(), &["--samples", "1", "--samples-out", "quarantine"]);
    assert_eq!(find(&json, "updated_after_created")["samples"]["rows"].as_array().map(Vec::len), Some(1));
    let exported = dir.path().join("quarantine/rules_t_updated_after_created.parquet");
    let df = LazyFrame::scan_parquet(PlRefPath::new(exported.to_string_lossy().as_ref()), Default::default())
        .and_then(LazyFrame::collect)
        .expect("quarantine file");
    assert_eq!(df.height(), 3, "every failing row is exported");
    let emails = dir.path().join("quarantine/rules_t_emails.parquet");
    let df = LazyFrame::scan_parquet(PlRefPath::new(emails.to_string_lossy().as_ref()), Default::default())
        .and_then(LazyFrame::collect)
        .expect("quarantine file");
    let col = df.column("email").expect("email");
    assert!(col.str().expect("str").iter().all(|v| v == Some("***")));

    // Only passing checks: the sample pass never runs.
    let passing = "apiVersion: v3.1.0\nkind: DataContract\nid: ok\nversion: 1.0.0\nstatus: active\nservers: [{server: local, type: local, path: data/t.parquet, format: parquet}]\nschema:\n  - name: t\n    properties:\n      - {name: id, logicalType: integer, required: true}\n";
    std::fs::write(dir.path().join("c.odcs.yaml"), passing).expect("contract");
    let (code, _, _, stderr) = run(dir.path(), &[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("sample pass"), "{stderr}");
}

#[test]
fn lakegate_rules_lint_strictly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = "apiVersion: v3.1.0\nkind: DataContract\nid: bad\nversion: 1.0.0\nstatus: active\nschema:\n  - name: t\n    quality:\n      - type: custom\n        engine: lakegate\n        implementation:\n          metric: avgg\n          mustBe: 1\n      - type: custom\n        engine: lakegate\n        implementation:\n          metric: quantile\n          property: a\n          q: 2\n          mustBe: 1\n          mustNotBe: 2\n      - type: custom\n        engine: lakegate\n        implementation:\n          metric: avg\n          propertee: a\n          mustBe: 1\n";
    std::fs::write(dir.path().join("bad.yaml"), bad).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(dir.path())
        .args(["lint", "bad.yaml"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("unknown lakegate metric `avgg`") && text.contains("did you mean `avg`?"), "{text}");
    assert!(text.contains("bad.yaml:12:19"), "{text}");
    assert!(text.contains("quantile `q` must be in [0, 1]"), "{text}");
    assert!(text.contains("has 2 operators"), "{text}");
    assert!(text.contains("unknown key `propertee`") && text.contains("did you mean `property`?"), "{text}");
    insta::assert_snapshot!("lakegate_rules_lint", text);
}
