//! Conformance: the same contract (tests/conformance/contract.yaml: every metric kind, operator
//! and rule form) over the same rows on every engine: the embedded polars engine (Parquet), the
//! SQL engine on PostgreSQL in its PostgreSQL and Redshift dialects (LAKEGATE_PG_*), and on Spark
//! Connect (LAKEGATE_SPARK_URL, a test of its own: it needs no PostgreSQL). Every check must agree on status, observed value (floats within a
//! relative 1e-9) and failing groups; the differences that are documented (README, "SQL
//! engines") are listed in `DOCUMENTED` with their reason, and nothing else may differ.
//!
//! The datasets hold nulls, NaN, empty strings, unicode, timestamps written in several time
//! zones, an empty table and duplicate keys. PostgreSQL comes from .ci/services/postgres.sh
//! (LAKEGATE_PG_*); without it the test is skipped with a printed reason (failed in CI).

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use polars::prelude::*;

/// One cell of a dataset.
#[derive(Clone, Copy)]
enum V {
    N,
    I(i64),
    F(f64),
    S(&'static str),
    B(bool),
    /// A date, `YYYY-MM-DD`.
    D(&'static str),
    /// An instant: text with an offset, and its microseconds since the epoch.
    T(&'static str, i64),
}

use V::*;

/// A column: name, PostgreSQL type, polars type.
struct Col(&'static str, &'static str, DataType);

struct Dataset {
    name: &'static str,
    cols: Vec<Col>,
    rows: Vec<Vec<V>>,
}

/// 2026-11-25T00:00:00Z in microseconds.
const NOV25: i64 = 1_795_564_800_000_000;

fn datasets() -> Vec<Dataset> {
    let orders_cols = vec![
        Col("id", "bigint", DataType::Int64),
        Col("customer_id", "integer", DataType::Int32),
        Col("customer", "text", DataType::String),
        Col("amount", "double precision", DataType::Float64),
        Col("qty", "integer", DataType::Int32),
        Col("price", "numeric(10,2)", DataType::Decimal(10, 2)),
        Col("placed", "timestamp with time zone", DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))),
        Col("dt", "date", DataType::Date),
        Col("flag", "boolean", DataType::Boolean),
        Col("email", "character varying(64)", DataType::String),
        Col("code", "text", DataType::String),
    ];
    // An instant: its text (as loaded into PostgreSQL) and its minutes after NOV25 (Parquet).
    let t = |text: &'static str, minutes: i64| T(text, NOV25 + minutes * 60_000_000);
    let orders = vec![
        vec![
            I(1),
            I(1),
            S("Ann"),
            F(1.5),
            I(1),
            F(0.10),
            t("2026-11-25 10:00:00+00", 600),
            D("2026-11-25"),
            B(true),
            S("a@x.io"),
            S("AB-123"),
        ],
        vec![
            I(2),
            I(2),
            S("Bob"),
            F(2.0),
            I(2),
            F(0.20),
            t("2026-11-26 01:30:00+02", 1410),
            D("2026-11-25"),
            B(true),
            S("bad"),
            S("123"),
        ],
        vec![
            I(2),
            I(3),
            S("Zoë"),
            F(f64::NAN),
            I(3),
            N,
            t("2026-11-25 20:00:00-05", 1500),
            D("2026-11-26"),
            B(false),
            N,
            S("x12"),
        ],
        vec![I(3), N, S(""), F(-1.0), I(2), F(0.0), N, D("2026-11-26"), B(true), S("é@ü.de"), N],
        vec![N, I(9), N, N, I(4), N, t("2026-11-28 22:00:00Z", 5640), N, N, S("b@y.org"), S("999")],
        vec![
            I(5),
            I(1),
            S("Ann "),
            F(3.25),
            I(3),
            N,
            t("2026-11-27 00:00:00+00", 2880),
            D("2026-11-27"),
            B(true),
            S("c@z.com"),
            S("12"),
        ],
        vec![
            I(6),
            I(2),
            S("Eveline"),
            F(0.5),
            I(5),
            F(99.99),
            t("2026-11-27 06:00:00+00", 3240),
            D("2026-10-30"),
            B(false),
            S("d@q.io"),
            S("ZZ-000"),
        ],
        vec![
            I(7),
            I(1),
            S("Bob"),
            F(1.0),
            I(10),
            N,
            t("2026-11-29 11:00:00+00", 6420),
            D("2026-11-27"),
            B(true),
            S("e@q.io"),
            S("AB-12"),
        ],
    ];
    vec![
        Dataset { name: "orders", cols: orders_cols, rows: orders },
        Dataset {
            name: "customers",
            cols: vec![Col("id", "bigint", DataType::Int64), Col("name", "text", DataType::String)],
            rows: vec![vec![I(1), S("Ann")], vec![I(2), S("Bob")], vec![I(3), S("Zoë")], vec![I(3), S("Zoé")]],
        },
        Dataset {
            name: "strings",
            cols: vec![Col("k", "integer", DataType::Int32), Col("s", "text", DataType::String)],
            rows: [
                "123e4567-e89b-12d3-a456-426614174000",
                "123E4567-E89B-12D3-A456-42661417400",
                "https://example.com/a?b=c",
                "mailto:x@y.z",
                "no scheme",
                "db-1.internal",
                "-bad-.host",
                "192.168.0.1",
                "256.1.1.1",
                "::1",
                "2001:db8::8a2e:370:7334",
                "2026-11-25",
                "2026-13-01",
                "2026-11-25T10:00:00Z",
                "2026-11-25 10:00:00+05:30",
                "line one\nline two",
                "naïve café",
                "",
                "tab\there",
                "x.y",
            ]
            .iter()
            .enumerate()
            .map(|(i, v)| vec![I(i as i64), S(v)])
            .chain(std::iter::once(vec![I(99), N]))
            .collect(),
        },
        Dataset {
            name: "empty_t",
            cols: vec![Col("id", "bigint", DataType::Int64), Col("v", "double precision", DataType::Float64)],
            rows: vec![],
        },
    ]
}

fn frame(d: &Dataset) -> DataFrame {
    let columns: Vec<Column> = d
        .cols
        .iter()
        .enumerate()
        .map(|(i, Col(name, _, dtype))| {
            let cells: Vec<V> = d.rows.iter().map(|r| r[i]).collect();
            let s = match dtype {
                DataType::String => Series::new(
                    (*name).into(),
                    cells.iter().map(|c| if let S(s) = c { Some(*s) } else { None }).collect::<Vec<_>>(),
                ),
                DataType::Boolean => Series::new(
                    (*name).into(),
                    cells.iter().map(|c| if let B(b) = c { Some(*b) } else { None }).collect::<Vec<_>>(),
                ),
                DataType::Float64 | DataType::Decimal(..) => Series::new(
                    (*name).into(),
                    cells.iter().map(|c| if let F(f) = c { Some(*f) } else { None }).collect::<Vec<_>>(),
                ),
                DataType::Date => Series::new(
                    (*name).into(),
                    cells.iter().map(|c| if let D(s) = c { Some(days(s)) } else { None }).collect::<Vec<_>>(),
                ),
                DataType::Datetime(..) => Series::new(
                    (*name).into(),
                    cells.iter().map(|c| if let T(_, us) = c { Some(*us) } else { None }).collect::<Vec<_>>(),
                ),
                _ => Series::new(
                    (*name).into(),
                    cells.iter().map(|c| if let I(i) = c { Some(*i) } else { None }).collect::<Vec<_>>(),
                ),
            };
            s.cast(dtype).expect("cast").into_column()
        })
        .collect();
    DataFrame::new(d.rows.len(), columns).expect("frame")
}

/// Days since 1970-01-01 of `YYYY-MM-DD`.
fn days(s: &str) -> i32 {
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
    (d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch")).num_days() as i32
}

fn sql_value(v: &V) -> String {
    match v {
        N => "NULL".into(),
        I(i) => i.to_string(),
        F(f) if f.is_nan() => "'NaN'".into(),
        F(f) => format!("{f:?}"),
        S(s) | D(s) | T(s, _) => format!("'{}'", s.replace('\'', "''")),
        B(b) => b.to_string(),
    }
}

fn load_postgres(client: &mut postgres::Client, schema: &str) {
    client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")).expect("schema");
    for d in datasets() {
        let cols: Vec<String> = d.cols.iter().map(|Col(n, t, _)| format!("\"{n}\" {t}")).collect();
        let mut sql = format!("CREATE TABLE {schema}.{} ({});", d.name, cols.join(", "));
        for r in &d.rows {
            let vals: Vec<String> = r.iter().map(sql_value).collect();
            sql.push_str(&format!("INSERT INTO {schema}.{} VALUES ({});", d.name, vals.join(", ")));
        }
        client.batch_execute(&sql).expect("load");
    }
}

/// (status, observed, failing groups, message, the first column of the sample rows sorted) of
/// every check, by id.
type Results = BTreeMap<String, (String, Option<f64>, Vec<(String, Option<f64>)>, String, Vec<String>)>;

fn results(json: &str) -> Results {
    let v: serde_json::Value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}"));
    let mut out = Results::new();
    for c in v["contracts"].as_array().expect("contracts") {
        for r in c["checks"].as_array().expect("checks") {
            let groups = r["failing_groups"]
                .as_array()
                .map(|g| g.iter().map(|p| (p[0].as_str().unwrap_or("").to_owned(), p[1].as_f64())).collect())
                .unwrap_or_default();
            out.insert(
                r["id"].as_str().expect("id").to_owned(),
                (
                    r["status"].as_str().expect("status").to_owned(),
                    r["observed"].as_f64(),
                    groups,
                    r["message"].as_str().unwrap_or("").to_owned(),
                    {
                        let mut keys: Vec<String> = r["samples"]["rows"]
                            .as_array()
                            .map(|rows| rows.iter().map(|row| row[0].as_str().unwrap_or("").to_owned()).collect())
                            .unwrap_or_default();
                        keys.sort();
                        keys
                    },
                ),
            );
        }
    }
    out
}

/// Rules a SQL engine refuses, documented in the README ("Not supported on SQL engines"): check
/// id suffix -> why. Each must be errored "not supported on <engine>" there (never computed
/// differently); every other check must agree.
const DOCUMENTED: &[(&str, &str)] = &[(
    "strings/s/quality[10]",
    "`\\b` is a word boundary in Rust and Java but a backspace in PostgreSQL's AREs: outside the regex subset",
)];

fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-9 * x.abs().max(y.abs()),
        _ => false,
    }
}

fn compare(engine: &str, base: &Results, other: &Results) -> Vec<String> {
    let mut diffs = Vec::new();
    for (id, (status, observed, groups, message, samples)) in base {
        if let Some((_, why)) = DOCUMENTED.iter().find(|(suffix, _)| id.ends_with(suffix)) {
            match other.get(id) {
                Some((s2, _, _, m2, _)) if s2 == "errored" && m2.starts_with("not supported on ") => {}
                got => diffs.push(format!("{engine}: {id}: should be errored as not supported ({why}), got {got:?}")),
            }
            continue;
        }
        let Some((s2, o2, g2, m2, samples2)) = other.get(id) else {
            diffs.push(format!("{engine}: check {id} missing"));
            continue;
        };
        if status != s2 || !same(*observed, *o2) {
            diffs.push(format!("{engine}: {id}: polars {status} {observed:?} ({message}) vs {s2} {o2:?} ({m2})"));
            continue;
        }
        let g_same =
            groups.len() == g2.len() && groups.iter().zip(g2).all(|((k1, v1), (k2, v2))| k1 == k2 && same(*v1, *v2));
        if !g_same {
            diffs.push(format!("{engine}: {id}: failing groups {groups:?} vs {g2:?}"));
        }
        // Samples as sets (every failing row is sampled: --samples 100), by their first column
        // (the key): SQL engines sample in key order, polars in file order.
        if samples != samples2 {
            diffs.push(format!("{engine}: {id}: sample rows {samples:?} vs {samples2:?}"));
        }
        // Errors must give the same reason (NaN statistics, unsupported constructs are errors
        // on every engine), minus the engine's own words for a failed query.
        if status == "errored" && message.contains("NaN") != m2.contains("NaN") {
            diffs.push(format!("{engine}: {id}: errored for another reason: {message} vs {m2}"));
        }
    }
    for id in other.keys().filter(|k| !base.contains_key(*k)) {
        diffs.push(format!("{engine}: extra check {id}"));
    }
    diffs
}

fn run(dir: &Path, server: &str, extra: &[&str], env: &[(&str, &str)]) -> Results {
    let mut args =
        vec!["check", "contract.yaml", "--server", server, "--format", "json", "--now", "2026-11-29T12:00:00Z"];
    args.extend_from_slice(extra);
    let (code, out, err) = common::lakegate_env(dir, &args, env);
    assert!([0, 1, 3].contains(&code), "{server}: exit {code}: {err}");
    results(&out)
}

/// The data written as Parquet and the contract, in a temporary folder; the contract's `pg` and
/// `rs` servers point at `pg` (port, database, schema) when given.
fn fixture(pg: Option<(&str, &str, &str)>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for d in datasets() {
        common::write_parquet(&dir.path().join(format!("{}.parquet", d.name)), &mut frame(&d));
    }
    let (port, database, schema) = pg.unwrap_or(("5432", "lake", "public"));
    let contract = include_str!("conformance/contract.yaml")
        .replace("__PORT__", port)
        .replace("__SCHEMA__", schema)
        .replace("__DATABASE__", database)
        .replace("__DIR__", &dir.path().display().to_string());
    std::fs::write(dir.path().join("contract.yaml"), contract).expect("contract");
    dir
}

/// The polars results, checked to exercise every status and the samples.
fn polars_results(dir: &Path, env: &[(&str, &str)]) -> Results {
    let polars = run(dir, "local", &[], env);
    assert!(polars.len() > 60, "{} checks", polars.len());
    // The contract exercises failures, errors and passes on every engine.
    for status in ["passed", "failed", "errored"] {
        assert!(polars.values().any(|r| r.0 == status), "no {status} check: {polars:#?}");
    }
    let sampled = polars.values().filter(|r| !r.4.is_empty()).count();
    assert!(sampled >= 10, "{sampled} checks with samples");
    polars
}

#[test]
fn postgres_and_redshift_dialects_give_the_embedded_engines_results() {
    let Some(port) = common::service("LAKEGATE_PG_PORT", "PostgreSQL (.ci/services/postgres.sh)") else { return };
    let host = std::env::var("LAKEGATE_PG_HOST").unwrap_or_else(|_| "127.0.0.1".into());
    let user = std::env::var("LAKEGATE_PG_USER").unwrap_or_else(|_| "postgres".into());
    let password = std::env::var("LAKEGATE_PG_PASSWORD").unwrap_or_default();
    let database = std::env::var("LAKEGATE_PG_DATABASE").unwrap_or_else(|_| "postgres".into());
    let schema = format!("conformance_{}", std::process::id());
    let mut client = postgres::Config::new()
        .host(&host)
        .port(port.parse().expect("port"))
        .user(&user)
        .password(&password)
        .dbname(&database)
        .connect(postgres::NoTls)
        .expect("connect to the test PostgreSQL");
    load_postgres(&mut client, &schema);
    let dir = fixture(Some((&port, &database, &schema)));
    let env = [
        ("PGUSER", user.as_str()),
        ("PGPASSWORD", password.as_str()),
        ("PGSSLMODE", "disable"),
        ("PGPORT", port.as_str()),
        ("PGSERVICE", ""),
    ];
    let polars = polars_results(dir.path(), &env);
    let mut diffs = Vec::new();
    for server in ["pg", "rs"] {
        let other = run(dir.path(), server, &[], &env);
        diffs.extend(compare(server, &polars, &other));
    }
    let _ = client.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
    assert!(diffs.is_empty(), "{} difference(s):\n{}", diffs.len(), diffs.join("\n"));
}

/// The same contract on Spark Connect (`--engine`), reading the Parquet files; Spark's
/// documented differences go into `DOCUMENTED` with their reason.
#[test]
fn spark_gives_the_embedded_engines_results() {
    let Some(url) = common::service("LAKEGATE_SPARK_URL", "the Spark Connect server (.ci/services/spark.sh)") else {
        return;
    };
    let dir = fixture(None);
    let polars = polars_results(dir.path(), &[]);
    let spark = run(dir.path(), "local", &["--engine", &url], &[]);
    let diffs = compare("spark", &polars, &spark);
    assert!(diffs.is_empty(), "{} difference(s):\n{}", diffs.len(), diffs.join("\n"));
}
