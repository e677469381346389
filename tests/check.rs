//! `lakegate check` end to end on fixture data with known answers: every check kind on
//! Parquet, CSV and NDJSON, hive partitions and globs, empty and all-null data, broken inputs,
//! and the exit codes. Fixtures are written by polars into a temporary folder per test.

mod common;

use std::path::Path;
use std::process::Command;

use common::write_parquet;
use polars::prelude::*;
use serde_json::Value;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    json: Value,
}

fn lakegate(dir: &Path, args: &[&str]) -> Run {
    let json_path = dir.join("result.json");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lakegate"));
    cmd.current_dir(dir).args(args).arg("--json").arg(&json_path);
    let out = cmd.output().expect("run lakegate");
    let json =
        std::fs::read_to_string(&json_path).ok().and_then(|s| serde_json::from_str(&s).ok()).unwrap_or(Value::Null);
    let _ = std::fs::remove_file(&json_path);
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        json,
    }
}

fn check(dir: &Path, contract: &str) -> Run {
    std::fs::write(dir.join("c.odcs.yaml"), contract).expect("write contract");
    lakegate(dir, &["check", "c.odcs.yaml", "--now", "2026-11-26T06:00:00Z"])
}

/// id suffix (after the contract id) -> (status, observed)
fn results(run: &Run) -> Vec<(String, String, Value)> {
    let mut v = Vec::new();
    for c in run.json["contracts"].as_array().unwrap_or(&Vec::new()) {
        let cid = c["id"].as_str().unwrap_or("");
        for r in c["checks"].as_array().unwrap_or(&Vec::new()) {
            let id = r["id"].as_str().unwrap_or("").trim_start_matches(cid).trim_start_matches('/').to_owned();
            v.push((id, r["status"].as_str().unwrap_or("").to_owned(), r["observed"].clone()));
        }
    }
    v
}

fn get(run: &Run, id: &str) -> (String, Value, String) {
    for c in run.json["contracts"].as_array().expect("contracts") {
        for r in c["checks"].as_array().expect("checks") {
            if r["id"].as_str().is_some_and(|s| s.ends_with(id)) {
                return (
                    r["status"].as_str().unwrap_or("").to_owned(),
                    r["observed"].clone(),
                    r["message"].as_str().unwrap_or("").to_owned(),
                );
            }
        }
    }
    panic!("no check {id} in {}\n{}", run.stdout, run.stderr);
}

fn assert_check(run: &Run, id: &str, status: &str, observed: f64) {
    let (s, o, m) = get(run, id);
    assert_eq!(s, status, "{id}: {m}");
    let o = o.as_f64().unwrap_or(f64::NAN);
    assert!((o - observed).abs() <= 1e-9 * observed.abs().max(1.0), "{id}: observed {o}, want {observed} ({m})");
}

fn ts(us: Vec<Option<i64>>, tz: Option<TimeZone>) -> Column {
    Series::new("t".into(), us).cast(&DataType::Datetime(TimeUnit::Microseconds, tz)).expect("cast").into_column()
}

const DAY_US: i64 = 86_400_000_000;
/// 2026-11-25T00:00:00Z in microseconds.
const NOV25: i64 = 20_782 * DAY_US;

fn orders_frame() -> DataFrame {
    let n = 8;
    let nested = StructChunked::from_series(
        "address".into(),
        n,
        [
            Series::new("city".into(), ["Berlin", "Paris", "Köln", "Lyon", "Berlin", "Paris", "Köln", "Lyon"]),
            Series::new("zip".into(), [10115i32, 75001, 50667, 69001, 10117, 75002, 50668, 69002]),
        ]
        .iter(),
    )
    .expect("struct")
    .into_series();
    let tags: Series = Series::new(
        "tags".into(),
        [
            Series::new("".into(), ["a", "b"]),
            Series::new("".into(), ["a"]),
            Series::new("".into(), ["a", "a"]),
            Series::new("".into(), Vec::<&str>::new()),
            Series::new("".into(), ["x", "y", "z"]),
            Series::new("".into(), ["b"]),
            Series::new("".into(), ["c", "d"]),
            Series::new("".into(), ["e"]),
        ],
    );
    DataFrame::new(
        n,
        vec![
            Column::new("order_id".into(), [Some(1i64), Some(2), Some(3), Some(3), Some(5), None, Some(7), Some(8)]),
            Column::new("customer_id".into(), [10i64, 11, 12, 13, 99, 10, 11, 12]),
            Column::new(
                "email".into(),
                [
                    Some("a@x.io"),
                    Some("b@x.io"),
                    Some("not-an-email"),
                    None,
                    Some("é@ü.de"),
                    Some("c@x.io"),
                    Some(""),
                    Some("d@x.io"),
                ],
            ),
            Column::new("name".into(), ["Zoë", "Ünal", "李", "Bob", "Al", "Éva", "Ōkubo", "Jo"]),
            Column::new(
                "amount".into(),
                [Some(10.0f64), Some(-1.0), Some(f64::NAN), None, Some(20.5), Some(30.25), Some(0.0), Some(1e6)],
            ),
            Column::new("status".into(), ["paid", "paid", "shipped", "PAID", "refunded ", "paid", "cancelled", "paid"]),
            Column::new("order_date".into(), [20_782i32, 20_781, 20_780, 20_000, 20_782, 20_782, 20_770, 20_779])
                .cast(&DataType::Date)
                .expect("date"),
            ts(
                vec![
                    Some(NOV25 + 3_600_000_000),
                    Some(NOV25),
                    Some(NOV25 - DAY_US),
                    Some(NOV25 - 2 * DAY_US),
                    None,
                    Some(NOV25 - 3 * DAY_US),
                    Some(NOV25 - 10 * DAY_US),
                    Some(NOV25 + 7_200_000_000),
                ],
                None,
            )
            .with_name("created_at".into()),
            ts(vec![Some(NOV25); 8].into_iter().collect(), Some(TimeZone::UTC)).with_name("paid_at".into()),
            Column::new("price".into(), [1.5f64, 2.0, 2.25, 3.0, 4.5, 5.0, 6.0, 7.75])
                .cast(&DataType::Decimal(10, 2))
                .expect("decimal"),
            nested.into_column(),
            tags.into_column(),
        ],
    )
    .expect("frame")
}

fn customers_frame() -> DataFrame {
    DataFrame::new(
        4,
        vec![Column::new("id".into(), [10i64, 11, 12, 13]), Column::new("segment".into(), ["a", "b", "c", "d"])],
    )
    .expect("frame")
}

const ORDERS_CONTRACT: &str = r#"
apiVersion: v3.2.0
kind: DataContract
id: shop
version: 1.0.0
status: active
servers:
  - server: local
    type: local
    path: data/{model}.parquet
    format: parquet
schema:
  - name: orders
    properties:
      - name: order_id
        logicalType: integer
        physicalType: BIGINT
        required: true
        unique: true
      - name: customer_id
        logicalType: integer
        relationships:
          - to: customers.id
      - name: email
        logicalType: string
        logicalTypeOptions:
          format: email
        quality:
          - id: email_missing
            metric: missingValues
            arguments:
              missingValues: [null, '']
            mustBeLessOrEqualTo: 10
            unit: percent
      - name: name
        logicalType: string
        logicalTypeOptions:
          minLength: 2
          maxLength: 4
      - name: amount
        logicalType: number
        logicalTypeOptions:
          minimum: 0
          multipleOf: 0.25
      - name: status
        logicalType: string
        enum:
          - value: paid
          - value: shipped
          - value: cancelled
        quality:
          - id: status_pattern
            metric: invalidValues
            arguments:
              pattern: '^[a-z]+$'
            mustBe: 0
            severity: warning
      - name: order_date
        logicalType: date
        logicalTypeOptions:
          minimum: '2026-01-01'
      - name: created_at
        logicalType: timestamp
        logicalTypeOptions:
          timezone: false
          exclusiveMaximum: '2026-11-25T02:00:00Z'
      - name: paid_at
        logicalType: timestamp
        physicalType: TIMESTAMP_TZ
      - name: price
        logicalType: number
        physicalType: DECIMAL(10,2)
      - name: address
        logicalType: object
        properties:
          - name: city
            logicalType: string
          - name: zip
            logicalType: integer
            physicalType: INT
          - name: street
            logicalType: string
      - name: tags
        logicalType: array
        logicalTypeOptions:
          minItems: 1
          uniqueItems: true
        items:
          logicalType: string
    quality:
      - id: rows
        metric: rowCount
        mustBe: 8
      - id: pair_unique
        metric: duplicateValues
        arguments:
          properties: [customer_id, status]
        mustBe: 0
      - id: revenue
        type: sql
        query: SELECT SUM(amount) FROM {object} WHERE amount BETWEEN 0.001 AND 1000000000000
        mustBeBetween: [1000000, 1000100]
      - id: big_customers
        type: sql
        query: |
          SELECT COUNT(*) FROM orders o JOIN customers c ON o.customer_id = c.id WHERE c.segment = 'a'
        mustBe: 2
  - name: customers
    properties:
      - name: id
        logicalType: integer
        primaryKey: true
      - name: segment
        logicalType: string
slaProperties:
  - id: fresh
    property: freshness
    value: 1
    unit: d
    element: orders.created_at
  - id: kept
    property: retention
    value: 30
    unit: d
    element: orders.order_date
  - id: steady
    property: frequency
    value: 2
    unit: d
    element: orders.created_at
  - id: uptime
    property: availability
    value: 99.9
"#;

#[test]
fn parquet_every_check_kind_with_known_answers() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_parquet(&dir.path().join("data/orders.parquet"), &mut orders_frame());
    write_parquet(&dir.path().join("data/customers.parquet"), &mut customers_frame());
    let run = check(dir.path(), ORDERS_CONTRACT);
    // `address.street` is missing: a breach (exit 1); its type check is skipped, pointing at
    // the failed presence check.
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let (s, _, m) = get(&run, "orders/address.street/schema.type");
    assert_eq!(s, "skipped");
    assert_eq!(m, "column `address.street` is missing (see check shop/orders/address.street/schema.present)");
    // Nulls: one null order_id; unique ignores nulls: 3 appears twice -> 1 extra row.
    assert_check(&run, "orders/order_id/required", "failed", 1.0);
    assert_check(&run, "orders/order_id/unique", "failed", 1.0);
    // 99 has no customer: one orphan row (null keys are not orphans).
    assert_check(&run, "orders/customer_id/relationship:customers.id", "failed", 1.0);
    let (_, _, m) = get(&run, "orders/customer_id/relationship:customers.id");
    assert!(m.contains("orphan keys: 99"), "{m}");
    // email: `not-an-email` and `` are not emails; null is ignored; unicode local part fails the ASCII rule.
    assert_check(&run, "orders/email/format", "failed", 3.0);
    // missing = null + '' = 2 of 8 rows = 25 %.
    assert_check(&run, "orders/email/email_missing", "failed", 25.0);
    // Lengths count characters, not bytes: `李` (1) and `Ōkubo` (5) break [2, 4].
    assert_check(&run, "orders/name/minLength", "failed", 1.0);
    assert_check(&run, "orders/name/maxLength", "failed", 1.0);
    // amount >= 0: -1 and NaN break it; null is ignored.
    assert_check(&run, "orders/amount/minimum", "failed", 2.0);
    // multipleOf 0.25: 10, 20.5, 30.25, 0, 1e6 pass; -1 passes; NaN fails.
    assert_check(&run, "orders/amount/multipleOf", "failed", 1.0);
    // enum: PAID and `refunded ` are not allowed.
    assert_check(&run, "orders/status/enum", "failed", 2.0);
    assert_check(&run, "orders/status/status_pattern", "warning", 2.0);
    assert_check(&run, "orders/order_date/minimum", "failed", 1.0);
    // created_at < 02:00 on Nov 25: only the 02:00 row breaks it (exclusive).
    assert_check(&run, "orders/created_at/exclusiveMaximum", "failed", 1.0);
    assert_check(&run, "orders/created_at/schema.type", "passed", 1.0);
    assert_check(&run, "orders/paid_at/schema.type", "passed", 1.0);
    assert_check(&run, "orders/price/schema.type", "passed", 1.0);
    assert_check(&run, "orders/address.zip/schema.type", "passed", 1.0);
    assert_check(&run, "orders/address.street/schema.present", "failed", 0.0);
    assert_check(&run, "orders/tags/minItems", "failed", 1.0);
    assert_check(&run, "orders/tags/uniqueItems", "failed", 1.0);
    assert_check(&run, "orders/rows", "passed", 8.0);
    // (customer_id, status): (10, paid) twice -> 1 duplicate row.
    assert_check(&run, "orders/pair_unique", "failed", 1.0);
    assert_check(&run, "orders/revenue", "passed", 1_000_060.75);
    assert_check(&run, "orders/big_customers", "passed", 2.0);
    // now 2026-11-26T06:00Z - max(created_at) 2026-11-25T02:00 = 28 h = 1.1666 d.
    assert_check(&run, "sla/fresh", "failed", 28.0 / 24.0);
    // now - min(order_date) 2024-10-04 (day 20000).
    assert_check(&run, "sla/kept", "failed", (20_783.0 - 20_000.0) + 0.25);
    // Largest gap between distinct created_at: Nov 15 -> Nov 22 = 7 days.
    assert_check(&run, "sla/steady", "failed", 7.0);
    let (s, _, m) = get(&run, "sla/uptime");
    assert_eq!((s.as_str(), m.contains("availability")), ("skipped", true));
    assert_check(&run, "customers/primaryKey", "passed", 0.0);
    insta::assert_yaml_snapshot!("parquet_every_check_kind", results(&run));
}

#[test]
fn empty_and_all_null_datasets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut empty =
        DataFrame::new(0, vec![Column::new("id".into(), Vec::<i64>::new()), ts(vec![], None).with_name("at".into())])
            .expect("df");
    write_parquet(&dir.path().join("data/t.parquet"), &mut empty);
    let contract = r#"
apiVersion: v3.1.0
kind: DataContract
id: e
version: 1.0.0
status: active
servers: [{server: local, type: local, path: data/t.parquet, format: parquet}]
schema:
  - name: t
    properties:
      - {name: id, logicalType: integer, required: true, unique: true}
      - {name: at, logicalType: timestamp}
    quality:
      - {metric: rowCount, mustBeGreaterThan: 0}
      - {metric: duplicateValues, arguments: {properties: [id, at]}, mustBe: 0, unit: percent}
slaProperties:
  - {property: freshness, value: 1, unit: d, element: t.at}
"#;
    let run = check(dir.path(), contract);
    assert_check(&run, "t/id/required", "passed", 0.0);
    assert_check(&run, "t/id/unique", "passed", 0.0);
    assert_check(&run, "t/quality[0]", "failed", 0.0);
    assert_check(&run, "t/quality[1]", "passed", 0.0);
    let (s, _, m) = get(&run, "sla/freshness[0]");
    assert_eq!(s, "errored", "{m}");
    assert!(m.contains("no value"), "{m}");
    assert_eq!(run.code, 3, "an errored check makes the run incomplete");

    let mut nulls = DataFrame::new(
        3,
        vec![
            Column::new("id".into(), [1i64, 2, 3]),
            Column::new("at".into(), [None::<i64>, None, None])
                .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
                .expect("ts"),
        ],
    )
    .expect("df");
    write_parquet(&dir.path().join("data/t.parquet"), &mut nulls);
    let contract2 = contract
        .replace("- {name: at, logicalType: timestamp}", "- {name: at, logicalType: timestamp, required: true}");
    let run = check(dir.path(), &contract2);
    assert_check(&run, "t/at/required", "failed", 3.0);
    assert_check(&run, "t/quality[1]", "passed", 0.0);
}

#[test]
fn csv_values_that_do_not_parse_are_counted() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("data")).expect("mkdir");
    std::fs::write(
        dir.path().join("data/pay.csv"),
        "id|amount|day|at|ok|note\n1|10.5|2026-11-20|2026-11-25T10:00:00Z|true|\"a|b\"\n2|n/a|2026-11-21|2026-11-25T11:00:00|false|\n3|-3|not a day|yesterday|maybe|x\n4||2026-11-22|2026-11-25T12:00:00+02:00|1|y\n",
    )
    .expect("csv");
    let contract = r#"
apiVersion: v3.1.0
kind: DataContract
id: csvs
version: 1.0.0
status: active
servers:
  - server: local
    type: local
    path: data/pay.csv
    format: csv
    customProperties:
      - {property: delimiter, value: '|'}
schema:
  - name: pay
    properties:
      - {name: id, logicalType: integer, unique: true}
      - {name: amount, logicalType: number, required: true, logicalTypeOptions: {minimum: 0}}
      - {name: day, logicalType: date}
      - {name: at, logicalType: timestamp}
      - {name: ok, logicalType: boolean}
      - {name: note, logicalType: string}
slaProperties:
  - {property: freshness, value: 1, unit: d, element: pay.at}
"#;
    let run = check(dir.path(), contract);
    assert_check(&run, "pay/amount/schema.parse", "failed", 1.0);
    // `n/a` and the empty value are both null once typed.
    assert_check(&run, "pay/amount/required", "failed", 2.0);
    assert_check(&run, "pay/amount/minimum", "failed", 1.0);
    assert_check(&run, "pay/day/schema.parse", "failed", 1.0);
    assert_check(&run, "pay/at/schema.parse", "failed", 1.0);
    assert_check(&run, "pay/ok/schema.parse", "failed", 1.0);
    assert_check(&run, "pay/id/schema.parse", "passed", 0.0);
    // max(at) = 2026-11-25T11:00 (naive, read as UTC; the +02:00 value is 10:00Z): 19 h old.
    assert_check(&run, "sla/freshness[0]", "passed", 19.0 / 24.0);
}

#[test]
fn ndjson_hive_partitions_and_globs_over_several_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (day, rows) in [("2026-11-24", 2), ("2026-11-25", 3)] {
        let p = dir.path().join(format!("lake/events/dt={day}/part.ndjson"));
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        let body: String =
            (0..rows).map(|i| format!("{{\"id\":{i},\"kind\":\"click\",\"score\":{}}}\n", i as f64 / 2.0)).collect();
        std::fs::write(p, body).expect("ndjson");
    }
    for (i, day) in ["2026-11-24", "2026-11-25"].iter().enumerate() {
        let mut df = DataFrame::new(2, vec![Column::new("v".into(), [i as i64, 10 + i as i64])]).expect("df");
        write_parquet(&dir.path().join(format!("lake/metrics/dt={day}/part-{i}.parquet")), &mut df);
    }
    let contract = r#"
apiVersion: v3.1.0
kind: DataContract
id: hive
version: 1.0.0
status: active
servers: [{server: local, type: local, path: lake/events/*/*.ndjson, format: json}]
schema:
  - name: events
    properties:
      - {name: id, logicalType: integer, required: true}
      - {name: kind, logicalType: string}
      - {name: score, logicalType: number, logicalTypeOptions: {maximum: 0.5}}
      - {name: dt, logicalType: date, partitioned: true}
    quality:
      - {metric: rowCount, mustBe: 5}
      - {metric: duplicateValues, arguments: {properties: [dt, id]}, mustBe: 0}
slaProperties:
  - {property: retention, value: 3, unit: d, element: events.dt}
"#;
    let run = check(dir.path(), contract);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_check(&run, "events/quality[0]", "passed", 5.0);
    assert_check(&run, "events/dt/schema.type", "passed", 1.0);
    assert_check(&run, "events/quality[1]", "passed", 0.0);
    assert_check(&run, "events/score/maximum", "failed", 1.0);
    // now - 2026-11-24 = 2.25 d.
    assert_check(&run, "sla/retention[0]", "passed", 2.25);
    let files = run.json["contracts"][0]["datasets"][0]["files"].as_u64();
    assert_eq!(files, Some(2));

    // --where: a pull request checks only the new partition.
    let run = lakegate(
        dir.path(),
        &["check", "c.odcs.yaml", "--now", "2026-11-26T06:00:00Z", "--where", "dt = DATE '2026-11-25'"],
    );
    assert_check(&run, "events/quality[0]", "failed", 3.0);
    let run = lakegate(dir.path(), &["check", "c.odcs.yaml", "--where", "nope = 1"]);
    assert_eq!(run.code, 3);
    assert_errored(&run, "events/quality[0]", "column `nope`");
    let run = lakegate(dir.path(), &["check", "c.odcs.yaml", "--where", "dt = = 1"]);
    assert_eq!(run.code, 2, "{}", run.stderr);

    // A folder of hive-partitioned parquet, via --data.
    let run = lakegate(
        dir.path(),
        &["check", "c.odcs.yaml", "--now", "2026-11-26T06:00:00Z", "--data", "events=lake/metrics"],
    );
    assert_eq!(run.code, 1, "missing columns are a breach, not unreadable data: {}{}", run.stdout, run.stderr);
    assert_check(&run, "events/quality[0]", "failed", 4.0);
    assert_check(&run, "events/id/schema.present", "failed", 0.0);
    let (s, _, m) = get(&run, "events/id/required");
    assert_eq!(
        (s.as_str(), m.as_str()),
        ("skipped", "column `id` is missing (see check hive/events/id/schema.present)")
    );
}

fn assert_errored(run: &Run, id: &str, needle: &str) {
    let (s, o, m) = get(run, id);
    assert_eq!(s, "errored", "{id}: {m}");
    assert!(o.is_null(), "{id}: an errored check has no observed value");
    assert!(m.contains(needle), "{id}: {m}");
}

const SIMPLE: &str = r#"
apiVersion: v3.1.0
kind: DataContract
id: simple
version: 1.0.0
status: active
servers: [{server: local, type: local, path: data/t.parquet, format: parquet}]
schema:
  - name: t
    properties:
      - {name: id, logicalType: integer, required: true}
"#;

#[test]
fn exit_codes_0_1_2_3() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut df = DataFrame::new(2, vec![Column::new("id".into(), [1i64, 2])]).expect("df");
    write_parquet(&dir.path().join("data/t.parquet"), &mut df);
    let run = check(dir.path(), SIMPLE);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("4 checks: 4 passed, 0 warnings, 0 failed, 0 errored, 0 skipped"), "{}", run.stdout);

    let mut df = DataFrame::new(2, vec![Column::new("id".into(), [Some(1i64), None])]).expect("df");
    write_parquet(&dir.path().join("data/t.parquet"), &mut df);
    let run = check(dir.path(), SIMPLE);
    assert_eq!(run.code, 1);
    let never = lakegate(dir.path(), &["check", "c.odcs.yaml", "--fail-on", "never"]);
    assert_eq!(never.code, 0);
    let warn = check(
        dir.path(),
        &SIMPLE
            .replace(
                "required: true}",
                "required: true}\n        quality: [{metric: nullValues, mustBe: 0, severity: warning}]",
            )
            .replace("\\n", "\n"),
    );
    assert!(warn.code == 1 || warn.code == 2, "{}", warn.stderr);

    // Missing data: errored with the path, exit 3.
    std::fs::remove_file(dir.path().join("data/t.parquet")).expect("rm");
    let run = check(dir.path(), SIMPLE);
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert_errored(&run, "t/id/required", "data/t.parquet");
    assert!(run.stdout.contains("ERROR `data/t.parquet` does not exist"), "{}", run.stdout);

    // Corrupt Parquet: errored with the path, exit 3, no panic.
    std::fs::write(dir.path().join("data/t.parquet"), b"PAR1 this is not parquet").expect("write");
    let run = check(dir.path(), SIMPLE);
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);
    assert_errored(&run, "t/id/required", "data/t.parquet");

    // A glob that matches nothing.
    let run = check(dir.path(), &SIMPLE.replace("data/t.parquet", "data/*.nothing"));
    assert_eq!(run.code, 3);
    assert_errored(&run, "t/id/required", "no file matches `data/*.nothing`");

    // Invalid contract: exit 2, no data read, diagnostics on stderr.
    let run = check(dir.path(), &SIMPLE.replace("required: true", "requird: true"));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("unknown key `requird`"), "{}", run.stderr);
    assert!(run.json.is_null(), "no report for a run that did not start");

    // A data path outside the project's data roots: exit 2 naming the contract line.
    let run = check(dir.path(), &SIMPLE.replace("data/t.parquet", "../../etc/passwd"));
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("c.odcs.yaml:7:") && run.stderr.contains("outside the allowed data roots"),
        "{}",
        run.stderr
    );

    // Bad usage and unwritable reports: exit 2 before reading data.
    let run = lakegate(dir.path(), &["check", "c.odcs.yaml", "--now", "yesterday"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--now yesterday"), "{}", run.stderr);
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(dir.path())
        .args(["check", "c.odcs.yaml", "--json", "no/such/dir/r.json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("folder `no/such/dir` does not exist"));
    let run = lakegate(dir.path(), &["check", "c.odcs.yaml", "--data", "nope=x.parquet"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("`--data nope=...` names no schema object"), "{}", run.stderr);
    // A --data path is the user's own: never refused by the data roots (here it is no
    // Parquet file: the dataset is unreadable, exit 3), and not "names no schema object".
    let run = lakegate(dir.path(), &["check", "c.odcs.yaml", "--data", "t=/etc/passwd"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(!run.stderr.contains("outside"), "{}", run.stderr);
    assert!(!run.stderr.contains("names no schema object"), "{}", run.stderr);
}

#[test]
fn wrong_column_types_are_schema_failures_and_their_value_checks_skipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut df = DataFrame::new(2, vec![Column::new("id".into(), ["1", "2"])]).expect("df");
    write_parquet(&dir.path().join("data/t.parquet"), &mut df);
    let contract = SIMPLE.replace("required: true}", "required: true, logicalTypeOptions: {minimum: 1}}");
    let run = check(dir.path(), &contract);
    assert_check(&run, "t/id/schema.type", "failed", 0.0);
    assert_check(&run, "t/id/required", "passed", 0.0);
    // The bound cannot be compared with a string column: skipped, pointing at the type check.
    let (s, _, m) = get(&run, "t/id/minimum");
    assert_eq!(s, "skipped");
    assert_eq!(m, "column `id` is not of its declared type (see check simple/t/id/schema.type)");
    assert_eq!(run.code, 1, "a wrong type is a breach (exit 1), not unreadable data (exit 3)");
}

#[test]
fn explain_shows_one_scan_per_dataset() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_parquet(&dir.path().join("data/orders.parquet"), &mut orders_frame());
    write_parquet(&dir.path().join("data/customers.parquet"), &mut customers_frame());
    std::fs::write(dir.path().join("c.odcs.yaml"), ORDERS_CONTRACT).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(dir.path())
        .args(["check", "c.odcs.yaml", "--explain"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout).replace(&dir.path().display().to_string(), "<tmp>");
    let orders = text.split("dataset `customers`").next().unwrap_or("");
    assert_eq!(orders.matches("Parquet SCAN").count(), 1, "one scan of orders:\n{orders}");
    let metrics: Vec<&str> = text
        .lines()
        .filter(|l| {
            let l = l.trim_start();
            l.starts_with('m') && l.contains(':')
                || l.starts_with("(own query)")
                || l.starts_with("(parquet footer")
                || l.starts_with("(distinct kernel")
        })
        .collect();
    insta::assert_snapshot!("explain_metrics", metrics.join("\n"));
}

/// Many contracts on one and two threads: the same results (no nested pools, no stack
/// overflow; 500 contracts once overflowed rayon's 2 MiB worker stacks).
#[test]
fn many_contracts_give_the_same_results_on_one_and_two_threads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut df = DataFrame::new(3, vec![Column::new("id".into(), [1i64, 2, 2])]).expect("df");
    write_parquet(&dir.path().join("data/t.parquet"), &mut df);
    std::fs::create_dir_all(dir.path().join("many")).expect("mkdir");
    for i in 0..60 {
        let c = SIMPLE
            .replace("id: simple", &format!("id: c{i}"))
            .replace("data/t.parquet", "../data/t.parquet")
            .replace("required: true", "unique: true");
        std::fs::write(dir.path().join(format!("many/c{i:02}.odcs.yaml")), c).expect("write");
    }
    let one = lakegate(dir.path(), &["check", "many", "--threads", "1"]);
    let two = lakegate(dir.path(), &["check", "many", "--threads", "2"]);
    assert_eq!(one.code, 1, "{}", one.stderr);
    assert_eq!(two.code, 1, "{}", two.stderr);
    assert_eq!(one.json["summary"], two.json["summary"]);
    assert_eq!(one.json["summary"]["failed"], 60);
    assert_eq!(results(&one), results(&two));
}

/// A Parquet dictionary column written by polars reads back as Categorical: its checks run on
/// its text and give what the same column as plain strings gives.
#[test]
fn categorical_columns_are_checked_as_their_text() {
    let contract = r#"
apiVersion: v3.1.0
kind: DataContract
id: cat
version: 1.0.0
status: active
servers: [{server: local, type: local, path: data/t.parquet, format: parquet}]
schema:
  - name: t
    properties:
      - name: code
        logicalType: string
        logicalTypeOptions: {pattern: '^[a-z]{2}$', minLength: 2, maxLength: 2}
        quality:
          - {metric: invalidValues, arguments: {validValues: [ab, cd]}, mustBe: 0}
          - {metric: duplicateValues, mustBe: 0}
          - {metric: nullValues, mustBe: 0}
"#;
    let codes = [Some("ab"), Some("cd"), None, Some("e1"), Some("ab"), Some("xyz")];
    let dir = tempfile::tempdir().expect("tempdir");
    let mut runs = Vec::new();
    for categorical in [false, true] {
        let mut s = Series::new("code".into(), codes);
        if categorical {
            s = s.cast(&DataType::from_categories(Categories::global())).expect("categorical");
        }
        let mut df = DataFrame::new(codes.len(), vec![s.into_column()]).expect("df");
        write_parquet(&dir.path().join("data/t.parquet"), &mut df);
        let run = check(dir.path(), contract);
        assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
        runs.push(results(&run));
    }
    assert_eq!(runs[0], runs[1]);
    let failed: Vec<&str> = runs[1].iter().filter(|r| r.1 == "failed").map(|r| r.0.as_str()).collect();
    assert!(failed.len() >= 5, "{failed:?}");
    assert!(runs[1].iter().all(|r| r.1 != "errored"), "{:?}", runs[1]);
}
