//! The Spark backend against a real Spark Connect server (`.ci/services/spark.sh` starts one
//! on loopback and exports LAKEGATE_SPARK_URL; a second one on a standalone master + worker
//! exports LAKEGATE_SPARK_CLUSTER_URL). Skipped with a printed reason without them, failed in
//! CI (LAKEGATE_REQUIRE_SERVICES=1).
#![cfg(feature = "spark")]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lakegate_core::plan::DeclaredColumn;
use lakegate_core::{ColumnType, CsvOptions, DatasetPlan, Format, Source, WarehouseTable};
use lakegate_sql::{Backend, CatalogColumn, Table, Value};
use polars::prelude::*;

fn spark() -> Option<Arc<dyn Backend>> {
    let url = common::service("LAKEGATE_SPARK_URL", "the Spark Connect server")?;
    Some(lakegate_spark::connect(&url).expect("connect"))
}

fn source(path: &Path, format: Format) -> Source {
    Source {
        path: path.to_path_buf(),
        display: path.display().to_string(),
        format,
        csv: CsvOptions::default(),
        roots: Vec::new(),
        skip_bad_files: false,
        object: None,
    }
}

fn dataset(name: &str, source: Result<Source, String>, declared: Vec<DeclaredColumn>) -> DatasetPlan {
    DatasetPlan {
        name: name.into(),
        source,
        metrics: BTreeSet::new(),
        declared,
        filter: None,
        redacted: Vec::new(),
        key: Vec::new(),
        table: None,
    }
}

fn declared(column: &str, parse: Option<ColumnType>) -> DeclaredColumn {
    DeclaredColumn { column: column.into(), logical: None, parse }
}

fn query(b: &dyn Backend, sql: &str) -> Table {
    b.query(sql).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn text(s: &str) -> Value {
    Value::Text(s.into())
}

/// Days since 1970-01-01 of a civil date.
fn days(y: i32, m: u32, d: u32) -> i32 {
    let date = chrono::NaiveDate::from_ymd_opt(y, m, d).expect("date");
    (date - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

#[test]
fn every_result_type_converts_to_values() {
    let Some(b) = spark() else { return };
    let t = query(
        b.as_ref(),
        "SELECT CAST(-8 AS TINYINT) AS i8, CAST(300 AS SMALLINT) AS i16, 2147483647 AS i32, \
         9223372036854775807 AS i64, CAST(1.5 AS FLOAT) AS f32, CAST('NaN' AS DOUBLE) AS nan, \
         CAST(-123.45 AS DECIMAL(12,2)) AS dec, CAST(12345678901234567890 AS DECIMAL(20,0)) AS dec0, \
         'é€😀' AS s, '' AS empty, DATE'1969-12-31' AS d, TIMESTAMP'2026-11-29 10:11:12.123456+02:00' AS ts, \
         TIMESTAMP_NTZ'2026-11-29 10:11:12.5' AS ntz, true AS b, CAST(NULL AS INT) AS n, NULL AS void",
    );
    assert_eq!(
        t.columns,
        ["i8", "i16", "i32", "i64", "f32", "nan", "dec", "dec0", "s", "empty", "d", "ts", "ntz", "b", "n", "void"]
    );
    assert_eq!(t.rows.len(), 1);
    let r = &t.rows[0];
    assert_eq!(r[0], Value::Int(-8));
    assert_eq!(r[1], Value::Int(300));
    assert_eq!(r[2], Value::Int(2147483647));
    assert_eq!(r[3], Value::Int(i64::MAX.into()));
    assert_eq!(r[4], Value::Float(1.5));
    assert!(matches!(r[5], Value::Float(f) if f.is_nan()), "{:?}", r[5]);
    assert_eq!(r[6], Value::Decimal { unscaled: -12345, scale: 2 });
    assert_eq!(r[7], Value::Int(12345678901234567890));
    assert_eq!(r[8], text("é€😀"));
    assert_eq!(r[9], text(""));
    assert_eq!(r[10], Value::Date(-1));
    // 10:11:12.123456 at +02:00 is 08:11:12.123456 UTC.
    let utc = chrono::DateTime::parse_from_rfc3339("2026-11-29T08:11:12.123456Z").expect("ts").timestamp_micros();
    assert_eq!(r[11], Value::Timestamp(utc));
    let ntz = chrono::DateTime::parse_from_rfc3339("2026-11-29T10:11:12.5Z").expect("ts").timestamp_micros();
    assert_eq!(r[12], Value::Timestamp(ntz));
    assert_eq!(r[13], Value::Bool(true));
    assert_eq!(r[14], Value::Null);
    assert_eq!(r[15], Value::Null);
}

#[test]
fn an_empty_result_names_its_columns_and_many_rows_arrive_in_order() {
    let Some(b) = spark() else { return };
    let t = query(b.as_ref(), "SELECT id AS n FROM range(0, 10) WHERE id < 0");
    assert_eq!(t.columns, ["n"]);
    assert!(t.rows.is_empty());
    let t = query(b.as_ref(), "SELECT id FROM range(0, 100000, 1, 4) ORDER BY id");
    assert_eq!(t.rows.len(), 100000);
    assert!(t.rows.iter().enumerate().all(|(i, r)| r[0] == Value::Int(i as i128)));
}

#[test]
fn a_result_outlasting_the_servers_stream_is_complete() {
    let Some(b) = spark() else { return };
    // 24 rows sleeping 0.8 s each on two slots: ~10 s, past the 5 s after which the CI server
    // closes a response stream (the client reattaches; Spark's default is 2 minutes).
    let start = Instant::now();
    let t = query(
        b.as_ref(),
        "SELECT id FROM (SELECT id, reflect('java.lang.Thread', 'sleep', CAST(800 + id * 0 AS BIGINT)) AS s \
         FROM range(0, 24, 1, 2)) WHERE coalesce(s, 'null') = 'null' ORDER BY id",
    );
    assert!(start.elapsed() > Duration::from_secs(9), "the rows did not sleep: {:?}", start.elapsed());
    assert_eq!(t.rows, (0..24).map(|i| vec![Value::Int(i)]).collect::<Vec<_>>());
}

#[test]
fn parquet_files_with_hive_folders_are_one_relation() {
    let Some(b) = spark() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut day1 = df!(
        "id" => [1i64, 2, 3],
        "amount" => [Some(10.5f64), None, Some(f64::NAN)],
        "name" => [Some("a"), Some("é"), None],
    )
    .expect("df");
    let mut day2 = df!("id" => [4i64], "amount" => [Some(1.0f64)], "name" => [Some("d")]).expect("df");
    common::write_parquet(&dir.path().join("orders/dt=2026-11-01/part-0.parquet"), &mut day1);
    common::write_parquet(&dir.path().join("orders/dt=2026-11-02/part-0.parquet"), &mut day2);
    std::fs::write(dir.path().join("orders/_SUCCESS"), b"").expect("marker");
    let d = dataset(
        "orders",
        Ok(source(&dir.path().join("orders"), Format::Parquet)),
        vec![declared("id", Some(ColumnType::Int(64))), declared("dt", Some(ColumnType::Date))],
    );
    let rel = b.relation(&d).expect("relation");
    assert!(rel.starts_with("`lakegate_orders_"), "{rel}");
    assert_eq!(b.relation(&d).expect("relation"), rel, "one view per dataset and session");
    let t = query(
        b.as_ref(),
        &format!(
            "SELECT count(*), count(amount), sum(CASE WHEN isnan(amount) THEN 1 ELSE 0 END), count(DISTINCT name), \
             min(dt), max(dt), max(length(name)) FROM {rel}"
        ),
    );
    assert_eq!(
        t.rows,
        [[
            Value::Int(4),
            Value::Int(3),
            Value::Int(1),
            Value::Int(3),
            Value::Date(days(2026, 11, 1)),
            Value::Date(days(2026, 11, 2)),
            Value::Int(1),
        ]]
    );
    let columns = b.columns(&d).expect("columns");
    let types: Vec<(&str, &str)> = columns.iter().map(|c| (c.name.as_str(), c.data_type.as_str())).collect();
    assert_eq!(types, [("id", "bigint"), ("amount", "double"), ("name", "string"), ("dt", "date")]);
}

/// A double column holding NaN, written by polars (its page statistics then hold NaN): Spark's
/// Parquet reader must not skip the page under a filter (it did through the page index: `amount
/// IS NOT NULL` found no row while `count(amount)` counted them).
#[test]
fn nan_in_polars_page_statistics_does_not_hide_rows_from_filters() {
    let Some(b) = spark() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut df = df!(
        "id" => [1i64, 2, 3, 4],
        "amount" => [Some(1.5f64), Some(f64::NAN), None, Some(-1.0)],
    )
    .expect("df");
    common::write_parquet(&dir.path().join("t/part.parquet"), &mut df);
    // NaN first, then only NaN and nulls: min = max = NaN in the statistics.
    let mut nan_first = df!("id" => [5i64, 6], "amount" => [Some(f64::NAN), Some(7.0)]).expect("df");
    common::write_parquet(&dir.path().join("u/part.parquet"), &mut nan_first);
    let d = dataset("t", Ok(source(&dir.path().join("t"), Format::Parquet)), vec![]);
    let rel = b.relation(&d).expect("relation");
    let count = |rel: &str, filter: &str| query(b.as_ref(), &format!("SELECT count(*) FROM {rel} WHERE {filter}")).rows;
    assert_eq!(count(&rel, "amount IS NOT NULL"), [[Value::Int(3)]]);
    assert_eq!(count(&rel, "amount < 10"), [[Value::Int(2)]]);
    assert_eq!(count(&rel, "amount > 1"), [[Value::Int(2)]], "NaN is larger than any number in Spark");
    assert_eq!(count(&rel, "isnan(amount)"), [[Value::Int(1)]]);
    let u = b.relation(&dataset("u", Ok(source(&dir.path().join("u"), Format::Parquet)), vec![])).expect("relation");
    assert_eq!(count(&u, "amount < 10"), [[Value::Int(1)]]);
    assert_eq!(count(&u, "amount IS NOT NULL"), [[Value::Int(2)]]);
}

#[test]
fn csv_options_and_declared_types_shape_the_relation() {
    let Some(b) = spark() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("prices.csv");
    std::fs::write(&file, "1;3,50;2026-11-29T10:00:00+01:00;NA\n2;NA;2026-11-29 12:00:00;x\n300;;bad;\n")
        .expect("write");
    let mut s = source(&file, Format::Csv);
    s.csv = CsvOptions {
        delimiter: b';',
        header: false,
        quote: Some(b'"'),
        null_values: vec![String::new(), "NA".into()],
        decimal_comma: true,
        encoding: None,
    };
    let d = dataset(
        "prices",
        Ok(s),
        vec![
            declared("id", Some(ColumnType::UInt(8))),
            declared("price", Some(ColumnType::Decimal(Some(10), Some(2)))),
            declared("at", Some(ColumnType::Timestamp { tz: true })),
            declared("note", Some(ColumnType::String)),
        ],
    );
    let rel = b.relation(&d).expect("relation");
    let t = query(b.as_ref(), &format!("SELECT id, price, at, note FROM {rel} ORDER BY id NULLS LAST"));
    let at = |s: &str| Value::Timestamp(chrono::DateTime::parse_from_rfc3339(s).expect("ts").timestamp_micros());
    assert_eq!(
        t.rows,
        vec![
            vec![Value::Int(1), Value::Decimal { unscaled: 350, scale: 2 }, at("2026-11-29T09:00:00Z"), Value::Null],
            vec![Value::Int(2), Value::Null, at("2026-11-29T12:00:00Z"), text("x")],
            // 300 is out of the range of an unsigned 8-bit integer: it does not parse.
            vec![Value::Null, Value::Null, Value::Null, Value::Null],
        ]
    );
    // Values that did not parse: the text as written is there, the value is not (`300`, `bad`).
    let t = query(
        b.as_ref(),
        &format!(
            "SELECT count(CASE WHEN `id\u{1}raw` IS NOT NULL AND id IS NULL THEN 1 END), \
             count(CASE WHEN `price\u{1}raw` IS NOT NULL AND price IS NULL THEN 1 END), \
             count(CASE WHEN `at\u{1}raw` IS NOT NULL AND at IS NULL THEN 1 END), max(`at\u{1}raw`) FROM {rel}"
        ),
    );
    assert_eq!(t.rows, [[Value::Int(1), Value::Int(0), Value::Int(1), text("bad")]]);
    let columns = b.columns(&d).expect("columns");
    assert_eq!(
        columns,
        [
            CatalogColumn { name: "id".into(), data_type: "smallint".into(), nullable: true },
            CatalogColumn { name: "price".into(), data_type: "decimal(10,2)".into(), nullable: true },
            CatalogColumn { name: "at".into(), data_type: "timestamp_ltz".into(), nullable: true },
            CatalogColumn { name: "note".into(), data_type: "string".into(), nullable: true },
        ]
    );
}

#[test]
fn json_lines_are_read_and_typed() {
    let Some(b) = spark() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("events.ndjson"),
        "{\"id\": 1, \"v\": 1, \"day\": \"2026-11-29\"}\n{\"id\": 2, \"v\": 2.5, \"day\": null}\n",
    )
    .expect("write");
    let d = dataset(
        "events",
        Ok(source(dir.path(), Format::Json)),
        vec![declared("id", Some(ColumnType::Int(32))), declared("day", Some(ColumnType::Date))],
    );
    let rel = b.relation(&d).expect("relation");
    let t = query(b.as_ref(), &format!("SELECT id, v, day FROM {rel} ORDER BY id"));
    assert_eq!(
        t.rows,
        vec![
            vec![Value::Int(1), Value::Float(1.0), Value::Date(days(2026, 11, 29))],
            vec![Value::Int(2), Value::Float(2.5), Value::Null],
        ]
    );
}

#[test]
fn a_missing_path_errors_the_dataset_with_one_line() {
    let Some(b) = spark() else { return };
    let d = dataset("gone", Ok(source(Path::new("/nonexistent/lakegate/orders/*.parquet"), Format::Parquet)), vec![]);
    let e = b.relation(&d).expect_err("missing");
    assert!(e.contains("no file matches"), "{e}");
    let d = dataset("unknown", Err("server `prod` has no path".into()), vec![]);
    assert_eq!(b.relation(&d).expect_err("no source"), "server `prod` has no path");
}

#[test]
fn a_missing_table_and_an_analysis_error_are_one_line_reasons() {
    let Some(b) = spark() else { return };
    let mut d = dataset("orders", Err("unused".into()), vec![]);
    d.table = Some(WarehouseTable {
        server_type: "hive".into(),
        server: "lake".into(),
        host: None,
        port: None,
        database: Some("default".into()),
        schema: None,
        table: "no_such_table".into(),
        region: None,
    });
    assert_eq!(b.relation(&d).expect("named"), "`default`.`no_such_table`");
    let e = b.columns(&d).expect_err("missing table");
    assert!(e.starts_with("spark (sc://127.0.0.1:"), "{e}");
    assert!(e.contains("TABLE_OR_VIEW_NOT_FOUND") && !e.contains('\n'), "{e}");
    let e = b.query("SELECT no_such_column FROM range(1)").expect_err("analysis error");
    assert!(e.contains("UNRESOLVED_COLUMN") && !e.contains('\n') && !e.contains("at org.apache"), "{e}");
    let e = b.query("DROP TABLE anything").expect_err("not a query");
    assert!(e.contains("only queries"), "{e}");
}

#[test]
fn a_catalog_table_is_read_by_its_name() {
    let Some(b) = spark() else { return };
    // The session has no metastore: a view of the session stands for a `hive` server's table
    // (read by its catalog name, as written, through the same path as a real table).
    let dir = tempfile::tempdir().expect("tempdir");
    let mut df = df!("k" => [1i32, 2]).expect("df");
    common::write_parquet(&dir.path().join("t/part.parquet"), &mut df);
    let files = dataset("t", Ok(source(&dir.path().join("t"), Format::Parquet)), vec![]);
    let view = b.relation(&files).expect("view");
    let mut d = dataset("t", Err("unused".into()), vec![]);
    d.table = Some(WarehouseTable {
        server_type: "hive".into(),
        server: "lake".into(),
        host: None,
        port: None,
        database: None,
        schema: None,
        table: view.trim_matches('`').to_owned(),
        region: None,
    });
    let rel = b.relation(&d).expect("relation");
    assert_eq!(rel, view);
    assert_eq!(
        b.columns(&d).expect("columns"),
        [CatalogColumn { name: "k".into(), data_type: "int".into(), nullable: true }]
    );
    assert_eq!(query(b.as_ref(), &format!("SELECT sum(k) FROM {rel}")).rows, [[Value::Int(3)]]);
}

#[test]
fn an_unreachable_server_errors_quickly_without_the_token() {
    let port = TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    // The port is free again: nothing listens there.
    let b = lakegate_spark::connect(&format!("sc://127.0.0.1:{port}/;token=SECRET-TOKEN")).expect("URL");
    let start = Instant::now();
    let e = b.query("SELECT 1").expect_err("unreachable");
    assert!(start.elapsed() < Duration::from_secs(15), "took {:?}", start.elapsed());
    assert_eq!(
        e,
        format!(
            "spark (sc://127.0.0.1:{port}): session: cannot reach the Spark Connect server (no TCP connection: \
             nothing listens there, or the host is unreachable)"
        )
    );
    let d = dataset("x", Ok(source(Path::new("/"), Format::Parquet)), vec![]);
    let e = b.columns(&d).expect_err("unreachable");
    assert!(!e.contains("SECRET") && !e.contains('\n'), "{e}");
}

/// A TCP relay to the Spark server that can be cut, as a network failure or a killed server
/// would cut the connection.
struct Relay {
    port: u16,
    cut: Arc<AtomicBool>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
}

impl Relay {
    fn start(target: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let cut = Arc::new(AtomicBool::new(false));
        let streams: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (c, s) = (Arc::clone(&cut), Arc::clone(&streams));
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if c.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&target) else { continue };
                let mut all = s.lock().expect("lock");
                all.push(client.try_clone().expect("clone"));
                all.push(server.try_clone().expect("clone"));
                pipe(client.try_clone().expect("clone"), server.try_clone().expect("clone"));
                pipe(server, client);
            }
        });
        Relay { port, cut, streams }
    }

    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for s in self.streams.lock().expect("lock").iter() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    std::thread::spawn(move || {
        let mut buf = [0u8; 16384];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 || to.write_all(&buf[..n]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Both);
    });
}

/// A query that runs for minutes in many short tasks: it stops at once when interrupted, and
/// the other tests' queries get the executors between its tasks (Spark does not preempt a
/// running task).
const LONG_QUERY: &str = "SELECT sum(id % 7) FROM range(0, 1000000000000, 1, 100000)";

/// A random version-4 UUID (a Spark Connect session id).
fn session_id() -> String {
    use std::hash::{BuildHasher, RandomState};
    let a = RandomState::new().hash_one(1u8);
    let b = RandomState::new().hash_one(2u8);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        8 + (b >> 62),
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

#[test]
fn a_connection_lost_mid_query_errors_the_query() {
    let Some(url) = common::service("LAKEGATE_SPARK_URL", "the Spark Connect server") else { return };
    let relay = Relay::start(url.trim_start_matches("sc://").to_owned());
    let session = session_id();
    let b = lakegate_spark::connect(&format!("sc://127.0.0.1:{}/;session_id={session}", relay.port)).expect("connect");
    assert_eq!(query(b.as_ref(), "SELECT 1 AS one").rows, [[Value::Int(1)]]);
    let running = {
        let b = Arc::clone(&b);
        std::thread::spawn(move || b.query(LONG_QUERY))
    };
    std::thread::sleep(Duration::from_millis(1500));
    let cut_at = Instant::now();
    relay.cut();
    let e = running.join().expect("join").expect_err("the connection was cut");
    assert!(cut_at.elapsed() < Duration::from_secs(20), "took {:?} after the cut", cut_at.elapsed());
    assert!(e.contains("cannot reach the Spark Connect server (connection lost)"), "{e}");
    assert!(!e.contains('\n'), "{e}");
    // The server goes on with the query it lost the client of: interrupt it in the same session.
    let direct = lakegate_spark::connect(&format!("{url}/;session_id={session}")).expect("connect");
    assert_eq!(query(direct.as_ref(), "SELECT 1 AS one").rows, [[Value::Int(1)]]);
    direct.cancel();
}

#[test]
fn cancel_interrupts_the_running_query() {
    let Some(b) = spark() else { return };
    assert_eq!(query(b.as_ref(), "SELECT 1 AS one").rows, [[Value::Int(1)]]);
    let running = {
        let b = Arc::clone(&b);
        std::thread::spawn(move || {
            let start = Instant::now();
            (b.query(LONG_QUERY), start.elapsed())
        })
    };
    std::thread::sleep(Duration::from_millis(1500));
    let cancelled_at = Instant::now();
    b.cancel();
    let (r, _) = running.join().expect("join");
    let e = r.expect_err("cancelled");
    assert!(cancelled_at.elapsed() < Duration::from_secs(10), "took {:?} after cancel", cancelled_at.elapsed());
    assert!(e.ends_with("cancelled"), "{e}");
    assert!(b.query("SELECT 1").expect_err("after cancel").ends_with("cancelled"));
}

#[test]
fn a_standalone_cluster_runs_the_queries_in_an_executor() {
    let Some(url) = common::service("LAKEGATE_SPARK_CLUSTER_URL", "the Spark Connect server on a standalone cluster")
    else {
        return;
    };
    let b = lakegate_spark::connect(&url).expect("connect");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut df = df!("id" => (0i64..1000).collect::<Vec<_>>(), "v" => (0i64..1000).map(|i| i % 7).collect::<Vec<_>>())
        .expect("df");
    common::write_parquet(&dir.path().join("t/a.parquet"), &mut df);
    let d = dataset("t", Ok(source(&dir.path().join("t"), Format::Parquet)), vec![]);
    let rel = b.relation(&d).expect("relation");
    let t = query(b.as_ref(), &format!("SELECT count(*), sum(v), count(DISTINCT v) FROM {rel}"));
    assert_eq!(t.rows, [[Value::Int(1000), Value::Int((0..1000).map(|i| i % 7).sum::<i128>()), Value::Int(7)]]);
    // The JVM that read the rows: an executor the worker started, not the driver.
    let t = query(
        b.as_ref(),
        &format!(
            "SELECT DISTINCT java_method('java.lang.System', 'getProperty', \
             concat('sun.java.command', substr(CAST(id AS STRING), 1, 0))) FROM {rel}"
        ),
    );
    assert_eq!(t.rows.len(), 1, "{:?}", t.rows);
    match &t.rows[0][0] {
        Value::Text(command) => {
            assert!(command.starts_with("org.apache.spark.executor.CoarseGrainedExecutorBackend"), "{command}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_query_past_the_timeout_is_interrupted_and_the_session_goes_on() {
    let Some(url) = common::service("LAKEGATE_SPARK_URL", "the Spark Connect server") else { return };
    let b = lakegate_spark::connect_with_timeout(&url, Some(Duration::from_secs(20))).expect("connect");
    assert_eq!(query(b.as_ref(), "SELECT 1 AS one").rows, [[Value::Int(1)]]);
    let start = Instant::now();
    let e = b.query(LONG_QUERY).expect_err("timed out");
    assert!(start.elapsed() < Duration::from_secs(35), "took {:?}", start.elapsed());
    assert!(e.ends_with("query: interrupted after the query timeout of 20s"), "{e}");
    assert_eq!(query(b.as_ref(), "SELECT 2 AS two").rows, [[Value::Int(2)]]);
}

/// Checks whose result on Spark still differs from the embedded engine's, with why (the SQL
/// engine's lowering; see the README's Spark section). Every other check must agree.
const KNOWN_DIFFERENCES: [(&str, &str); 0] = [];

/// A number's relative difference, for floats summed in another order.
fn close(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
        _ => a == b,
    }
}

#[test]
fn the_example_contracts_give_the_same_results_on_spark() {
    let Some(url) = common::service("LAKEGATE_SPARK_URL", "the Spark Connect server") else { return };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |engine: Option<&str>, name: &str| {
        let json = dir.path().join(name);
        let json_arg = json.to_string_lossy().into_owned();
        let mut args = vec!["check", "contracts", "--now", "2026-11-26T06:00:00Z", "--json", json_arg.as_str()];
        if let Some(e) = engine {
            args.extend(["--engine", e]);
        }
        let (code, out, err) = common::lakegate(root, &args);
        let report: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&json).unwrap_or_else(|e| panic!("{e}\n{out}\n{err}")))
                .expect("json");
        (code, report)
    };
    let (polars_code, polars) = run(None, "polars.json");
    let (spark_code, spark) = run(Some(&url), "spark.json");
    let checks = |r: &serde_json::Value| -> Vec<serde_json::Value> {
        r["contracts"]
            .as_array()
            .expect("contracts")
            .iter()
            .flat_map(|c| c["checks"].as_array().expect("checks").clone())
            .collect()
    };
    let (p, s) = (checks(&polars), checks(&spark));
    assert_eq!(p.len(), s.len());
    let mut differ = Vec::new();
    for (a, b) in p.iter().zip(&s) {
        assert_eq!(a["id"], b["id"]);
        let id = a["id"].as_str().expect("id");
        let same = a["status"] == b["status"] && close(&a["observed"], &b["observed"]);
        match KNOWN_DIFFERENCES.iter().find(|(k, _)| *k == id) {
            Some((_, why)) if !same => eprintln!("known difference: {id}: {why}"),
            Some(_) => eprintln!("{id} now agrees on Spark: take it out of KNOWN_DIFFERENCES"),
            None if !same => differ.push(format!(
                "{id}: polars {} {} | spark {} {} ({})",
                a["status"], a["observed"], b["status"], b["observed"], b["message"]
            )),
            None => {}
        }
    }
    assert!(differ.is_empty(), "{} checks differ:\n{}", differ.len(), differ.join("\n"));
    for c in spark["contracts"].as_array().expect("contracts") {
        for d in c["datasets"].as_array().expect("datasets") {
            assert!(d["error"].is_null(), "dataset {} not read on Spark: {}", d["name"], d["error"]);
        }
    }
    // The same verdict, unless a known difference errors a check (exit 3).
    assert_eq!(polars_code, 1);
    assert!(spark_code == 1 || spark_code == 3, "exit {spark_code}");
}

#[test]
fn a_server_lost_in_the_middle_of_a_run_errors_the_datasets_left_exit_3() {
    let Some(url) = common::service("LAKEGATE_SPARK_URL", "the Spark Connect server") else { return };
    let relay = Relay::start(url.trim_start_matches("sc://").to_owned());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("run.json");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(root)
        .args(["check", "contracts", "--now", "2026-11-26T06:00:00Z", "--engine"])
        .arg(format!("sc://127.0.0.1:{}", relay.port))
        .arg("--json")
        .arg(&json)
        .env_remove("GITHUB_ACTIONS")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run lakegate");
    // The run has started talking to Spark (its session, its first views): the server goes away.
    let start = Instant::now();
    while relay.streams.lock().expect("lock").is_empty() && start.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    let cut_at = Instant::now();
    relay.cut();
    let out = child.wait_with_output().expect("wait");
    assert!(cut_at.elapsed() < Duration::from_secs(60), "took {:?} after the cut", cut_at.elapsed());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let run: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("parse");
    let errored: Vec<String> = run["contracts"]
        .as_array()
        .expect("contracts")
        .iter()
        .flat_map(|c| c["checks"].as_array().expect("checks").clone())
        .filter(|k| k["status"] == "errored")
        .map(|k| k["message"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(!errored.is_empty(), "nothing errored");
    for m in &errored {
        assert!(!m.contains('\n'), "{m}");
    }
    // The datasets read after the cut say why, and none says it was cancelled (nobody did).
    assert!(errored.iter().any(|m| m.contains("cannot reach the Spark Connect server")), "{}", errored.join("\n"));
    assert!(!errored.iter().any(|m| m.contains("cancel")), "{}", errored.join("\n"));
}

/// Failing-row samples on Spark: a text that did not parse is shown as written (never under the
/// view's internal `<column>\u{1}raw` name), a classified column's value and text stay hidden,
/// and the rows are the embedded engine's.
#[test]
fn samples_show_texts_as_written_and_hide_classified_ones() {
    let Some(url) = common::service("LAKEGATE_SPARK_URL", "the Spark Connect server") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("t.csv"),
        "id,amount,ssn\n1,1.5,111223333\n2,abc,222334444\n3,,secret-ssn\n4,-7,444556666\n",
    )
    .expect("csv");
    std::fs::write(
        dir.path().join("c.odcs.yaml"),
        "apiVersion: v3.0.2\nkind: DataContract\nid: s\nname: s\nversion: 1.0.0\nstatus: active\n\
         servers: [{server: local, type: local, path: t.csv, format: csv}]\nschema:\n  - name: t\n    properties:\n      \
         - {name: id, logicalType: integer, primaryKey: true}\n      - {name: amount, logicalType: number}\n      \
         - {name: ssn, logicalType: integer, classification: restricted}\n",
    )
    .expect("contract");
    let run = |extra: &[&str]| {
        let mut args = vec!["check", "c.odcs.yaml", "--format", "json", "--samples", "10"];
        args.extend_from_slice(extra);
        let (code, out, err) = common::lakegate(dir.path(), &args);
        assert_eq!(code, 1, "{out}\n{err}");
        assert!(!out.contains("secret-ssn") && !out.contains("\\u0001") && !out.contains('\u{1}'), "{out}");
        let report: serde_json::Value = serde_json::from_str(&out).expect("json");
        let mut samples = BTreeMap::new();
        for c in report["contracts"][0]["checks"].as_array().expect("checks") {
            if c["samples"].is_object() {
                samples.insert(c["id"].as_str().expect("id").to_owned(), c["samples"].clone());
            }
        }
        samples
    };
    let (polars, spark) = (run(&[]), run(&["--engine", &url]));
    let parse = |s: &BTreeMap<String, serde_json::Value>, id: &str| s.get(id).cloned().unwrap_or_default();
    for id in ["s/t/amount/schema.parse", "s/t/ssn/schema.parse"] {
        assert_eq!(parse(&spark, id), parse(&polars, id), "{id}");
    }
    assert_eq!(
        parse(&spark, "s/t/amount/schema.parse"),
        serde_json::json!({"columns": ["id", "amount (as written)", "amount"], "rows": [["2", "abc", "null"]]})
    );
    let ssn = parse(&spark, "s/t/ssn/schema.parse");
    assert_eq!(ssn["columns"], serde_json::json!(["id", "ssn (as written)", "ssn"]));
    assert_eq!(ssn["rows"], serde_json::json!([["3", "***", "***"]]));
}

/// ODCS `databricks` (catalog, schema) and `hive` (database) servers: their tables are read by
/// Spark by their catalog names, with the results of the same rows read as files; without a
/// Spark engine the datasets are errored naming `--engine` (exit 3).
#[test]
fn databricks_and_hive_servers_read_catalog_tables_on_spark() {
    let Some(url) = common::service("LAKEGATE_SPARK_URL", "the Spark Connect server") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let mut df = df!(
        "id" => [1i64, 2, 2, 4],
        "amount" => [Some(1.5f64), Some(f64::NAN), None, Some(-1.0)],
        "email" => [Some("a@x.io"), Some("bad"), None, Some("d@z.com")],
    )
    .expect("df");
    let data = dir.path().join("data");
    common::write_parquet(&data.join("part-0.parquet"), &mut df);
    let table = format!("lakegate_orders_{}", std::process::id());
    let location = data.display().to_string().replace('\'', "\\'");
    lakegate_spark::run_statement(&url, &format!("DROP TABLE IF EXISTS default.{table}")).expect("drop");
    lakegate_spark::run_statement(&url, &format!("CREATE TABLE default.{table} USING parquet LOCATION '{location}'"))
        .expect("create table");
    std::fs::write(
        dir.path().join("c.odcs.yaml"),
        format!(
            "apiVersion: v3.1.0\nkind: DataContract\nid: w\nname: w\nversion: 1.0.0\nstatus: active\nservers:\n  \
             - {{server: files, type: local, path: data, format: parquet}}\n  \
             - {{server: dbx, type: databricks, host: adb-1.azuredatabricks.net, catalog: spark_catalog, schema: default}}\n  \
             - {{server: metastore, type: hive, host: thrift.example, database: default}}\n\
             schema:\n  - name: orders\n    physicalName: {table}\n    properties:\n      \
             - {{name: id, logicalType: integer, required: true, unique: true}}\n      \
             - name: amount\n        logicalType: number\n        logicalTypeOptions: {{minimum: 0}}\n        \
             quality: [{{type: library, metric: nullValues, mustBe: 0}}]\n      \
             - {{name: email, logicalType: string, logicalTypeOptions: {{format: email}}}}\n    \
             quality: [{{type: library, metric: rowCount, mustBeGreaterThan: 3}}]\n"
        ),
    )
    .expect("contract");
    let run = |server: &str, engine: Option<&str>| {
        let mut args = vec!["check", "c.odcs.yaml", "--server", server, "--format", "json"];
        if let Some(e) = engine {
            args.extend(["--engine", e]);
        }
        let (code, out, err) = common::lakegate(dir.path(), &args);
        let report: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}\n{err}"));
        (code, report)
    };
    let checks = |r: &serde_json::Value| -> Vec<(String, String, serde_json::Value)> {
        r["contracts"][0]["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .map(|c| {
                let id = c["id"].as_str().expect("id");
                // The same check, whichever server: drop the server from the id if any.
                (id.to_owned(), c["status"].as_str().expect("status").to_owned(), c["observed"].clone())
            })
            .collect()
    };
    let (files_code, files) = run("files", None);
    assert_eq!(files_code, 1, "{files:#}");
    let expected = checks(&files);
    assert!(expected.iter().any(|c| c.1 == "failed") && expected.iter().any(|c| c.1 == "passed"), "{expected:?}");
    for server in ["dbx", "metastore"] {
        let (code, report) = run(server, Some(&url));
        assert_eq!(code, 1, "{server}: {report:#}");
        let d = &report["contracts"][0]["datasets"][0];
        assert!(d["error"].is_null(), "{server}: {d}");
        assert_eq!(checks(&report), expected, "{server}");
        // Without Spark: errored, naming the engine to use.
        let (code, report) = run(server, Some("polars"));
        assert_eq!(code, 3, "{server}: {report:#}");
        let d = &report["contracts"][0]["datasets"][0];
        assert!(d["error"].as_str().is_some_and(|e| e.contains("--engine sc://")), "{server}: {d}");
    }
    lakegate_spark::run_statement(&url, &format!("DROP TABLE default.{table}")).expect("drop");
}
