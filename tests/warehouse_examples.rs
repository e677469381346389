//! The example contracts on the warehouse: the example lake's tables, read as lakegate reads
//! them (typed by the contracts), are loaded into PostgreSQL (.ci/services/postgres.sh,
//! LAKEGATE_PG_*), and each contract's `warehouse` server (type postgres) gives the same
//! results as its `local` one: every check's status, observed value and failing groups. The
//! CSV parse checks (`schema.parse`) exist for CSV files only: a warehouse column is typed.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use lakegate_checks::{CompileOptions, compile};
use polars::prelude::*;

const CONTRACTS: [&str; 4] = ["users", "payments", "listings", "messaging"];
const NOW: &str = "2026-11-26T06:00:00Z";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn pg_type(t: &DataType) -> String {
    match t {
        DataType::Int8 | DataType::Int16 | DataType::UInt8 => "smallint".into(),
        DataType::Int32 | DataType::UInt16 => "integer".into(),
        DataType::Int64 | DataType::UInt32 | DataType::UInt64 => "bigint".into(),
        DataType::Float32 => "real".into(),
        DataType::Float64 => "double precision".into(),
        DataType::Boolean => "boolean".into(),
        DataType::Date => "date".into(),
        DataType::Datetime(_, Some(_)) => "timestamp with time zone".into(),
        DataType::Datetime(_, None) => "timestamp".into(),
        DataType::Decimal(p, s) => format!("numeric({p},{s})"),
        _ => "text".into(),
    }
}

/// Loads every dataset of a contract's `local` server into `schema`, as lakegate reads it.
fn load(client: &mut postgres::Client, contract: &Path, schema: &str) {
    let loaded = lakegate_contract::load::load_file(contract).contract.expect("contract");
    let plan = compile(&loaded, std::slice::from_ref(&loaded), &CompileOptions::default()).expect("compile");
    client
        .batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE; CREATE SCHEMA \"{schema}\""))
        .expect("schema");
    let obj_tables: BTreeMap<String, String> = loaded
        .contract
        .schema
        .iter()
        .flatten()
        .map(|o| (o.name.clone(), o.physical_name.clone().unwrap_or_else(|| o.name.clone())))
        .collect();
    for d in &plan.datasets {
        let src = d.source.as_ref().expect("a local source");
        let (files, base) = lakegate_engine::source::resolve_files(src).expect("files");
        let opened = lakegate_engine::source::open_dataset(src, &files, &base, &d.declared).expect("open");
        let df = opened.lf.collect().expect("read");
        let keep: Vec<String> = df
            .get_column_names()
            .iter()
            .map(|c| c.to_string())
            .filter(|c| !c.ends_with(lakegate_engine::source::RAW_SUFFIX))
            .collect();
        let df = df.select(keep.iter().map(String::as_str)).expect("select");
        let table = &obj_tables[&d.name];
        let cols: Vec<String> =
            df.columns().iter().map(|c| format!("\"{}\" {}", c.name(), pg_type(c.dtype()))).collect();
        client.batch_execute(&format!("CREATE TABLE \"{schema}\".\"{table}\" ({})", cols.join(", "))).expect("create");
        // Every value as text in PostgreSQL's input syntax (NaN, timestamps with their zone).
        let text: Vec<Column> = df
            .columns()
            .iter()
            .map(|c| match c.dtype() {
                DataType::Datetime(_, Some(_)) => c
                    .cast(&DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)))
                    .and_then(|c| c.cast(&DataType::Datetime(TimeUnit::Microseconds, None)))
                    .and_then(|c| c.cast(&DataType::String))
                    .expect("timestamp text"),
                _ => c.cast(&DataType::String).expect("text"),
            })
            .collect();
        let zoned: Vec<bool> =
            df.columns().iter().map(|c| matches!(c.dtype(), DataType::Datetime(_, Some(_)))).collect();
        for start in (0..df.height()).step_by(500) {
            let end = (start + 500).min(df.height());
            let rows: Vec<String> = (start..end)
                .map(|i| {
                    let vals: Vec<String> = text
                        .iter()
                        .zip(&zoned)
                        .map(|(c, z)| match c.str().expect("str").get(i) {
                            None => "NULL".into(),
                            Some(v) if *z => format!("'{}+00'", v.replace('\'', "''")),
                            Some(v) => format!("'{}'", v.replace('\'', "''")),
                        })
                        .collect();
                    format!("({})", vals.join(", "))
                })
                .collect();
            if !rows.is_empty() {
                client
                    .batch_execute(&format!("INSERT INTO \"{schema}\".\"{table}\" VALUES {}", rows.join(", ")))
                    .expect("insert");
            }
        }
    }
}

type Results = BTreeMap<String, (String, Option<f64>, String, String)>;

fn results(json: &str) -> Results {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let mut out = Results::new();
    for c in v["contracts"].as_array().expect("contracts") {
        for r in c["checks"].as_array().expect("checks") {
            out.insert(
                r["id"].as_str().expect("id").to_owned(),
                (
                    r["status"].as_str().expect("status").to_owned(),
                    r["observed"].as_f64(),
                    r["failing_groups"].to_string(),
                    r["message"].as_str().unwrap_or("").to_owned(),
                ),
            );
        }
    }
    out
}

fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
        (x, y) => x.is_none() && y.is_none(),
    }
}

#[test]
fn the_example_contracts_give_the_same_results_on_the_warehouse() {
    let Some(pg) = common::PgServer::from_env("lake") else { return };
    let mut client = pg.connect();
    let common::PgServer { port, user, password, database, .. } = pg;
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut diffs = Vec::new();
    let mut compared = 0;
    for name in CONTRACTS {
        let file = repo().join(format!("contracts/{name}.odcs.yaml"));
        // Each contract's tables in a schema of its own, named after the run (tests run in parallel).
        let schema = format!("{name}_{}", std::process::id());
        load(&mut client, &file, &schema);
        let (_, lake, err) = common::lakegate(
            &repo(),
            &["check", file.to_str().expect("utf-8"), "--server", "local", "--format", "json", "--now", NOW],
        );
        let lake = results(if lake.is_empty() { &err } else { &lake });
        // The warehouse server of the contract, pointed at the test server and schema.
        let text = std::fs::read_to_string(&file)
            .expect("read")
            .replace("    port: 5432\n", &format!("    port: {port}\n"))
            .replace("    host: localhost\n", "    host: 127.0.0.1\n")
            .replace("    database: lake\n", &format!("    database: {database}\n"))
            .replace(&format!("    schema: {name}\n"), &format!("    schema: {schema}\n"));
        let copy = tmp.path().join(format!("{name}.odcs.yaml"));
        std::fs::write(&copy, text).expect("write");
        let (code, out, err) = common::lakegate_env(
            tmp.path(),
            &["check", copy.to_str().expect("utf-8"), "--server", "warehouse", "--format", "json", "--now", NOW],
            &[("PGUSER", user.as_str()), ("PGPASSWORD", password.as_str()), ("PGSSLMODE", "disable")],
        );
        assert!([0, 1].contains(&code), "{name}: exit {code}: {err}\n{out}");
        let wh = results(&out);
        for (id, (status, observed, groups, message)) in &lake {
            let Some((s2, o2, g2, m2)) = wh.get(id) else {
                if !id.ends_with("/schema.parse") {
                    diffs.push(format!("{id}: missing on the warehouse"));
                }
                continue;
            };
            compared += 1;
            if status != s2 || !same(*observed, *o2) || groups != g2 {
                diffs.push(format!(
                    "{id}: lake {status} {observed:?} {groups} ({message}) vs warehouse {s2} {o2:?} {g2} ({m2})"
                ));
            }
        }
        for id in wh.keys().filter(|k| !lake.contains_key(*k)) {
            diffs.push(format!("{id}: only on the warehouse"));
        }
        let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"));
    }
    assert!(compared > 50, "{compared} checks compared");
    assert!(diffs.is_empty(), "{} difference(s):\n{}", diffs.len(), diffs.join("\n"));
}
