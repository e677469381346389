//! `lakegate init`: a contract written from data must lint clean and pass `lakegate check` on
//! the same data (round trip, with the real binary, in a temporary folder outside the
//! repository): the example lake, and datasets with nulls, NaN, unicode, nested columns and
//! hive partitions, in Parquet, CSV and NDJSON.

mod common;

use std::path::Path;

use polars::prelude::*;

const NOW: &str = "2026-11-29T12:00:00Z";

/// `init DATA`, then `lint` and `check` of the written contract: all exit 0. Returns the
/// contract's text.
fn round_trip(dir: &Path, data: &str, name: &str) -> String {
    let (code, out, err) = common::lakegate(dir, &["init", data, "--name", name, "--now", NOW]);
    assert_eq!(code, 0, "init {data}: {out}{err}");
    let contract = format!("contracts/{name}.odcs.yaml");
    let text = std::fs::read_to_string(dir.join(&contract)).expect("contract written");
    let (code, out, err) = common::lakegate(dir, &["lint", &contract]);
    assert_eq!(code, 0, "lint {contract}: {out}{err}\n{text}");
    assert!(out.contains("0 error(s), 0 warning(s)"), "{out}");
    let (code, out, err) = common::lakegate(dir, &["check", &contract, "--now", NOW]);
    assert_eq!(code, 0, "check {contract}: {out}{err}\n{text}");
    assert!(out.contains(" 0 failed, 0 errored"), "{out}");
    text
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read") {
        let e = e.expect("entry");
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).expect("copy");
        }
    }
}

/// Every dataset of the example lake: Parquet, CSV (`;` too), hive-partitioned Parquet and NDJSON.
#[test]
fn example_lake_round_trip() {
    let dir = tempfile::tempdir().expect("tmp");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/lake"), &dir.path().join("lake"));
    for (data, name) in [
        ("lake/users/users.parquet", "users"),
        ("lake/payments/transactions.csv", "transactions"),
        ("lake/payments/refunds.csv", "refunds"),
        ("lake/listings/categories.csv", "categories"),
        ("lake/listings/ads", "ads"),
        ("lake/messaging/messages", "messages"),
    ] {
        let text = round_trip(dir.path(), data, name);
        assert!(text.contains("apiVersion: v3.2.0"), "{text}");
    }
    let users = std::fs::read_to_string(dir.path().join("contracts/users.odcs.yaml")).expect("users");
    assert!(users.contains("      - name: email\n"), "{users}");
    assert!(users.contains("classification: pii   # candidate: the values look like e-mail addresses"), "{users}");
    assert!(users.contains("path: ../lake/users/users.parquet"), "{users}");
    let ads = std::fs::read_to_string(dir.path().join("contracts/ads.odcs.yaml")).expect("ads");
    assert!(ads.contains("partitioned: true\n        partitionKeyPosition: 1"), "{ads}");
    let categories = std::fs::read_to_string(dir.path().join("contracts/categories.odcs.yaml")).expect("c");
    assert!(categories.contains("property: delimiter\n        value: ;"), "{categories}");
    let messages = std::fs::read_to_string(dir.path().join("contracts/messages.odcs.yaml")).expect("m");
    assert!(
        messages.contains("- name: sent_at\n        logicalType: timestamp"),
        "NDJSON timestamps typed: {messages}"
    );
}

/// Nulls, NaN, unicode, nested structs and lists, in Parquet; the same flat columns in CSV
/// and NDJSON; and the contract for the Parquet file, snapshotted (a person reads it).
#[test]
fn awkward_values_round_trip() {
    let dir = tempfile::tempdir().expect("tmp");
    let n = 300usize;
    let ids: Vec<i64> = (1..=n as i64).collect();
    let names: Vec<Option<String>> = (0..n)
        .map(|i| (i % 7 != 0).then(|| ["Zoë", "Łukasz", "東京", "José", "Ærø"][i % 5].to_string() + &i.to_string()))
        .collect();
    let scores: Vec<Option<f64>> = (0..n)
        .map(|i| {
            if i % 11 == 0 {
                None
            } else if i % 13 == 0 {
                Some(f64::NAN)
            } else {
                Some(i as f64 / 4.0)
            }
        })
        .collect();
    let status: Vec<&str> = (0..n).map(|i| ["new", "paid", "shipped"][i % 3]).collect();
    let emails: Vec<String> = (0..n).map(|i| format!("user{i}@example.org")).collect();
    let day: Vec<i32> = (0..n).map(|i| 20_400 + (i % 30) as i32).collect();
    let mut df = DataFrame::new(
        n,
        vec![
            Column::new("order_id".into(), &ids),
            Column::new("customer_name".into(), &names),
            Column::new("score".into(), &scores),
            Column::new("status".into(), &status),
            Column::new("email".into(), &emails),
            Column::new("day".into(), &day).cast(&DataType::Date).expect("date"),
        ],
    )
    .expect("df");
    // Nested: a struct and a list.
    let city: Vec<&str> = (0..n).map(|i| ["Zürich", "Genève"][i % 2]).collect();
    let zip: Vec<i64> = (0..n).map(|i| 8000 + i as i64).collect();
    let address = StructChunked::from_columns(
        "address".into(),
        n,
        &[Column::new("city".into(), &city), Column::new("zip".into(), &zip)],
    )
    .expect("struct")
    .into_series();
    df.with_column(address.into()).expect("address");
    let tags = df
        .clone()
        .lazy()
        .select([concat_list([col("status"), lit("x")]).expect("list").alias("tags")])
        .collect()
        .expect("tags");
    df.with_column(tags.column("tags").expect("tags").clone()).expect("tags");
    common::write_parquet(&dir.path().join("data/orders.parquet"), &mut df.clone());
    let text = round_trip(dir.path(), "data/orders.parquet", "orders");
    insta::assert_snapshot!("init_orders_contract", text);

    // CSV and NDJSON of the flat columns.
    let mut flat = df.drop_many(["address", "tags"]);
    let mut f = std::fs::File::create(dir.path().join("data/orders.csv")).expect("csv");
    CsvWriter::new(&mut f).finish(&mut flat).expect("write csv");
    let text = round_trip(dir.path(), "data/orders.csv", "orders_csv");
    assert!(text.contains("- name: order_id\n        logicalType: integer"), "{text}");
    assert!(text.contains("- name: score\n        logicalType: number"), "{text}");
    assert!(text.contains("- name: day\n        logicalType: date"), "{text}");
    let mut f = std::fs::File::create(dir.path().join("data/orders.ndjson")).expect("ndjson");
    JsonWriter::new(&mut f).with_json_format(JsonFormat::JsonLines).finish(&mut df).expect("write ndjson");
    round_trip(dir.path(), "data/orders.ndjson", "orders_ndjson");
}

/// Hive partitions: the keys become partitioned properties; a zip code with leading zeros in
/// CSV stays text.
#[test]
fn hive_partitions_and_codes() {
    let dir = tempfile::tempdir().expect("tmp");
    for (d, rows) in [("2026-11-01", 3), ("2026-11-02", 2)] {
        let p = dir.path().join(format!("events/region=eu/dt={d}/part-0.csv"));
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        let body: String = (0..rows).map(|i| format!("{i},0{i}123,2026-11-01T10:0{i}:00Z\n")).collect();
        std::fs::write(&p, format!("event_id,zip,at\n{body}")).expect("write");
    }
    let text = round_trip(dir.path(), "events", "events");
    assert!(text.contains("- name: zip\n        logicalType: string"), "{text}");
    assert!(text.contains("- name: region\n"), "{text}");
    assert!(text.contains("partitionKeyPosition: 2"), "{text}");
}

/// The profile as JSON, and pii values hidden in it.
#[test]
fn profile_json() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("d")).expect("mkdir");
    let rows: String = (0..40).map(|i| format!("{i},u{i}@mail.test,{}\n", ["a", "b"][i % 2])).collect();
    std::fs::write(dir.path().join("d/people.csv"), format!("id,mail,grp\n{rows}")).expect("w");
    let (code, out, err) = common::lakegate(dir.path(), &["init", "d/people.csv", "--format", "json", "--now", NOW]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(doc["rows"], 40);
    let mail = &doc["columns"][1];
    assert_eq!(mail["looksLike"], "e-mail");
    assert_eq!(mail["min"], serde_json::Value::Null);
    assert_eq!(mail["topValues"], serde_json::json!([]));
    let grp = &doc["columns"][2];
    assert_eq!(grp["distinct"], 2);
    assert_eq!(grp["topValues"], serde_json::json!([{"value": "a", "count": 20}, {"value": "b", "count": 20}]));
    assert_eq!(doc["columns"][0]["type"], "int64");
}

/// Bad input: a missing dataset, an unknown format, an existing contract (replaced only with
/// --force), `--out -` prints the contract.
#[test]
fn errors_and_out() {
    let dir = tempfile::tempdir().expect("tmp");
    let (code, _, err) = common::lakegate(dir.path(), &["init", "nope.parquet"]);
    assert_eq!(code, 2);
    assert!(err.contains("`nope.parquet` does not exist"), "{err}");
    std::fs::write(dir.path().join("x.bin"), "a,b\n1,2\n").expect("w");
    let (code, _, err) = common::lakegate(dir.path(), &["init", "x.bin"]);
    assert_eq!(code, 2);
    assert!(err.contains("--data-format"), "{err}");
    let (code, out, err) = common::lakegate(dir.path(), &["init", "x.bin", "--data-format", "csv", "--out", "-"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("# Written by `lakegate init`"), "{out}");
    assert!(err.contains("x: 1 rows"), "the profile goes to stderr: {err}");
    let (code, _, err) = common::lakegate(dir.path(), &["init", "x.bin", "--data-format", "csv"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = common::lakegate(dir.path(), &["init", "x.bin", "--data-format", "csv"]);
    assert_eq!(code, 2);
    assert!(err.contains("exists: give another `--out`, or `--force`"), "{err}");
    let (code, _, err) = common::lakegate(dir.path(), &["init", "x.bin", "--data-format", "csv", "--force"]);
    assert_eq!(code, 0, "{err}");
}

/// Object storage: `init s3://...` reads through the same functions as `check` and writes an
/// `s3` server; the contract passes `check` (the moto server of .ci/services/s3.sh, holding
/// the example lake in the bucket `lakegate-example`).
#[test]
fn object_storage_round_trip() {
    let Some(endpoint) = common::service("LAKEGATE_S3_ENDPOINT", "the moto S3 server") else { return };
    let dir = tempfile::tempdir().expect("tmp");
    let env = [
        ("AWS_ACCESS_KEY_ID", "lakegate-test-key-id"),
        ("AWS_SECRET_ACCESS_KEY", "lakegate-test-secret"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
    ];
    for (data, name, extra) in [
        ("s3://lakegate-example/lake/users/users.parquet", "users", None),
        ("s3://lakegate-example/lake/payments/transactions.csv", "transactions", None),
        // A folder: the format from the listed objects' extensions.
        ("s3://lakegate-example/lake/listings/ads/", "ads", None),
        ("s3://lakegate-example/lake/messaging/messages/", "messages", Some("json")),
    ] {
        let mut args = vec!["init", data, "--name", name, "--now", NOW];
        if let Some(f) = extra {
            args.extend(["--data-format", f]);
        }
        let (code, out, err) = common::lakegate_env(dir.path(), &args, &env);
        assert_eq!(code, 0, "init {data}: {out}{err}");
        let contract = format!("contracts/{name}.odcs.yaml");
        let text = std::fs::read_to_string(dir.path().join(&contract)).expect("written");
        assert!(text.contains("    type: s3\n    location: s3://lakegate-example/lake/"), "{text}");
        // The endpoint used (AWS_ENDPOINT_URL here) is written: `check` reaches the same store
        // without it.
        assert!(text.contains(&format!("    endpointUrl: {endpoint}\n")), "{text}");
        let (code, out, err) = common::lakegate_env(dir.path(), &["check", &contract, "--now", NOW], &env[..3]);
        assert_eq!(code, 0, "check {contract}: {out}{err}\n{text}");
    }
}

/// Empty data: a header-only CSV gives its columns (no range, no volume rule), a 0-byte CSV a
/// schema object without properties; both lint and pass `check` of the same file.
#[test]
fn empty_files() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("header.csv"), "id,name,amount\n").expect("w");
    std::fs::write(dir.path().join("empty.csv"), "").expect("w");
    let text = round_trip(dir.path(), "header.csv", "header");
    for col in ["id", "name", "amount"] {
        assert!(text.contains(&format!("      - name: {col}\n        logicalType: string\n")), "{text}");
    }
    assert!(text.contains("# The data held no row at init"), "{text}");
    assert!(!text.contains("rowCount") && !text.contains("logicalTypeOptions"), "{text}");
    let text = round_trip(dir.path(), "empty.csv", "empty");
    assert!(!text.contains("properties:"), "{text}");
    assert!(text.contains("# No column: the data had none at init"), "{text}");
}

/// A Parquet column of the null type (all None from pandas/pyarrow, Spark's NullType): no type
/// asserted, a comment says why; the contract lints (one `missing-type` warning: the author
/// decides the type) and passes `check`.
#[test]
fn null_typed_column() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut df = df!("id" => [1i64, 2, 3]).expect("df");
    df.with_column(Series::full_null("nothing".into(), 3, &DataType::Null).into_column()).expect("null column");
    let mut f = std::fs::File::create(dir.path().join("nulls.parquet")).expect("create");
    ParquetWriter::new(&mut f).finish(&mut df).expect("write");
    let (code, out, err) = common::lakegate(dir.path(), &["init", "nulls.parquet", "--now", NOW]);
    assert_eq!(code, 0, "{out}{err}");
    let text = std::fs::read_to_string(dir.path().join("contracts/nulls.odcs.yaml")).expect("written");
    let (code, out, err) = common::lakegate(dir.path(), &["lint", "contracts/nulls.odcs.yaml"]);
    assert_eq!(code, 0, "{out}{err}");
    let all = format!("{out}{err}");
    assert!(
        all.contains("0 error(s), 1 warning(s)") && all.contains("warning[missing-type]: property `nothing`"),
        "{all}"
    );
    let (code, out, err) = common::lakegate(dir.path(), &["check", "contracts/nulls.odcs.yaml", "--now", NOW]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(" 0 failed, 0 errored"), "{out}");
    assert!(
        text.contains(
            "      - name: nothing\n        # no logicalType: every value was null at init, none told the type\n"
        ),
        "{text}"
    );
}

/// Data outside the current folder: `init` prints the exact `check` command that reads it
/// (`--root`), which passes, and how to allow the folder for good.
#[test]
fn data_outside_the_roots() {
    let dir = tempfile::tempdir().expect("tmp");
    let (lake, proj) = (dir.path().join("x/orders"), dir.path().join("proj"));
    std::fs::create_dir_all(&lake).expect("mkdir");
    std::fs::create_dir_all(&proj).expect("mkdir");
    let mut df = df!("a" => [1i64, 2]).expect("df");
    let mut f = std::fs::File::create(lake.join("p.parquet")).expect("create");
    ParquetWriter::new(&mut f).finish(&mut df).expect("write");
    let data = lake.to_string_lossy().into_owned();
    let (code, out, err) = common::lakegate(&proj, &["init", &data, "--now", NOW]);
    assert_eq!(code, 0, "{out}{err}");
    let real = std::fs::canonicalize(&lake).expect("real").to_string_lossy().into_owned();
    let hint = format!("run `lakegate check --root {real} contracts/orders.odcs.yaml`");
    assert!(err.contains(&hint), "{err}");
    assert!(err.contains("or pass `--root DIR`"), "{err}");
    let (code, out, err) =
        common::lakegate(&proj, &["check", "--root", &real, "contracts/orders.odcs.yaml", "--now", NOW]);
    assert_eq!(code, 0, "{out}{err}");
    // Data inside the current folder: the plain command.
    std::fs::create_dir_all(proj.join("data")).expect("mkdir");
    std::fs::copy(lake.join("p.parquet"), proj.join("data/p.parquet")).expect("copy");
    let (code, _, err) = common::lakegate(&proj, &["init", "data/p.parquet", "--name", "inside", "--now", NOW]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("run `lakegate check contracts/inside.odcs.yaml`") && !err.contains("--root"), "{err}");
}

/// Types are ruled out on the first rows, then confirmed on every row: a value that breaks a
/// type after the first 100,000 rows keeps its column text (and a later leading zero makes a
/// number a code), while columns whose every value parses are typed.
#[test]
fn a_type_broken_after_the_first_rows_is_not_inferred() {
    let dir = tempfile::tempdir().expect("tmp");
    let mut text = String::from("id,late_text,late_zero,late_date,day,flag\n");
    let n = 150_000;
    for i in 0..n {
        let late = i == n - 7;
        let t = if late { "x12".to_owned() } else { i.to_string() };
        let z = if late { "007".to_owned() } else { (i + 1).to_string() };
        let d = if late { "2026-02-30".to_owned() } else { format!("2026-01-{:02}", i % 28 + 1) };
        text.push_str(&format!("{i},{t},{z},{d},2026-03-{:02},{}\n", i % 28 + 1, i % 2 == 0));
    }
    std::fs::write(dir.path().join("t.csv"), text).expect("write");
    let contract = round_trip(dir.path(), "t.csv", "t");
    let type_of = |c: &str| {
        let at = contract.find(&format!("- name: {c}\n")).unwrap_or_else(|| panic!("{c}: {contract}"));
        contract[at..].lines().nth(1).unwrap_or_default().trim().to_owned()
    };
    assert_eq!(type_of("id"), "logicalType: integer");
    assert_eq!(type_of("late_text"), "logicalType: string");
    assert_eq!(type_of("late_zero"), "logicalType: string");
    assert_eq!(type_of("late_date"), "logicalType: string");
    assert_eq!(type_of("day"), "logicalType: date");
    assert_eq!(type_of("flag"), "logicalType: boolean");
}
