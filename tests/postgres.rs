//! Contracts on a PostgreSQL server (issue 16), on the real server of .ci/services/postgres.sh
//! (LAKEGATE_PG_*; skipped with a printed reason without it, failed in CI): what a warehouse
//! user gets wrong (a wrong password, an unreachable host, a dropped table, a revoked grant, a
//! long query) errors every check of the table with the server's reason (exit 3); SQL rules
//! cannot write; `--explain` prints the SQL.

mod common;

use std::path::Path;

struct Pg {
    port: String,
    user: String,
    password: String,
    database: String,
    schema: String,
    client: postgres::Client,
}

fn server(tag: &str) -> Option<Pg> {
    let pg = common::PgServer::from_env("postgres")?;
    let schema = format!("pgtest_{tag}_{}", std::process::id());
    let mut client = pg.connect();
    let common::PgServer { port, user, password, database, .. } = pg;
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema};
             CREATE TABLE {schema}.orders (id bigint, amount numeric(12,2), placed timestamptz, note varchar(16));
             INSERT INTO {schema}.orders SELECT g, g * 1.25, TIMESTAMPTZ '2026-11-25 00:00:00+00' + g * INTERVAL '1 minute',
               CASE WHEN g % 3 = 0 THEN NULL ELSE 'n' || g END FROM generate_series(1, 2000) g;"
        ))
        .expect("load");
    Some(Pg { port, user, password, database, schema, client })
}

impl Drop for Pg {
    fn drop(&mut self) {
        let _ = self.client.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema));
    }
}

fn contract(dir: &Path, pg: &Pg, port: &str, table: &str, sql: &str) {
    let text = format!(
        "apiVersion: v3.1.0
kind: DataContract
id: wh
name: wh
version: 1.0.0
status: active
servers:
  - server: pg
    type: postgres
    host: 127.0.0.1
    port: {port}
    database: {db}
    schema: {schema}
schema:
  - name: orders
    physicalName: {table}
    properties:
      - name: id
        logicalType: integer
        physicalType: bigint
        required: true
        unique: true
      - name: amount
        logicalType: number
        physicalType: numeric(12,2)
        logicalTypeOptions:
          minimum: 0
      - name: placed
        logicalType: timestamp
        physicalType: timestamptz
      - name: note
        logicalType: string
        physicalType: varchar(16)
        logicalTypeOptions:
          maxLength: 16
    quality:
      - metric: rowCount
        mustBe: 2000
      - type: sql
        query: \"{sql}\"
        mustBeGreaterThan: 0
",
        db = pg.database,
        schema = pg.schema
    );
    std::fs::write(dir.join("c.yaml"), text).expect("contract");
}

fn check(dir: &Path, pg: &Pg, user: &str, password: &str, extra: &[&str]) -> (i32, serde_json::Value, String) {
    let mut args = vec!["check", "c.yaml", "--format", "json"];
    args.extend_from_slice(extra);
    let (code, out, err) = common::lakegate_env(
        dir,
        &args,
        &[("PGUSER", user), ("PGPASSWORD", password), ("PGSSLMODE", "disable"), ("PGPORT", &pg.port)],
    );
    let json = serde_json::from_str(&out).unwrap_or(serde_json::Value::Null);
    (code, json, err)
}

fn statuses(json: &serde_json::Value) -> Vec<(String, String)> {
    json["contracts"][0]["checks"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    (c["status"].as_str().unwrap_or("").to_owned(), c["message"].as_str().unwrap_or("").to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

const SQL: &str = "SELECT count(*) FROM orders WHERE amount > 10";

#[test]
fn a_table_on_postgres_is_checked_where_it_is() {
    let Some(pg) = server("ok") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    contract(dir.path(), &pg, &pg.port, "orders", SQL);
    let (code, json, err) = check(dir.path(), &pg, &pg.user, &pg.password, &[]);
    let s = statuses(&json);
    assert_eq!(code, 0, "{err}\n{s:#?}");
    assert!(s.iter().all(|(st, _)| st == "passed"), "{s:#?}");
    let types: Vec<&str> = s.iter().filter(|(_, m)| m.contains(" is ")).map(|(_, m)| m.as_str()).collect();
    assert!(types.iter().any(|m| m.contains("decimal(12,2)")), "numeric(p,s) read from the catalog: {types:?}");
    assert!(types.iter().any(|m| m.contains("timestamp with time zone")), "{types:?}");
    // --explain: the SQL that will run, one aggregate query for the scan metrics.
    let (code, out, err) = common::lakegate_env(
        dir.path(),
        &["check", "c.yaml", "--explain"],
        &[("PGUSER", &pg.user), ("PGPASSWORD", &pg.password), ("PGSSLMODE", "disable")],
    );
    assert_eq!(code, 0, "{err}");
    let relation = format!("FROM \"{}\".\"orders\" AS t", pg.schema);
    assert!(out.contains(&relation) && out.contains("SELECT CAST(count(*)"), "{out}");
    assert!(out.contains(&format!("SELECT count(*) FROM \"{}\".\"orders\" AS \"orders\"", pg.schema)), "{out}");
}

#[test]
fn server_errors_error_every_check_of_the_table_with_the_reason() {
    let Some(mut pg) = server("err") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let all_errored = |json: &serde_json::Value, needle: &str| {
        let s = statuses(json);
        assert!(!s.is_empty(), "no checks: {json}");
        for (status, message) in &s {
            assert_eq!(status, "errored", "{message}");
            assert!(message.contains(needle), "`{needle}` not in `{message}`");
        }
    };
    // A wrong password: the server's reason, never the password.
    contract(dir.path(), &pg, &pg.port, "orders", SQL);
    let (code, json, _) = check(dir.path(), &pg, &pg.user, "not-the-password-x9", &[]);
    assert_eq!(code, 3);
    all_errored(&json, "password authentication failed");
    assert!(!json.to_string().contains("not-the-password-x9"));
    // An unreachable server.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port();
    contract(dir.path(), &pg, &closed.to_string(), "orders", SQL);
    let (code, json, _) = check(dir.path(), &pg, &pg.user, &pg.password, &[]);
    assert_eq!(code, 3);
    all_errored(&json, "Connection refused");
    // A dropped (missing) table.
    contract(dir.path(), &pg, &pg.port, "dropped", SQL);
    let (code, json, _) = check(dir.path(), &pg, &pg.user, &pg.password, &[]);
    assert_eq!(code, 3);
    all_errored(&json, "does not exist");
    // A revoked grant.
    let role = format!("lakegate_reader_{}", std::process::id());
    pg.client
        .batch_execute(&format!(
            "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN PASSWORD 'r'; GRANT USAGE ON SCHEMA {s} TO {role};",
            s = pg.schema
        ))
        .expect("role");
    contract(dir.path(), &pg, &pg.port, "orders", SQL);
    let (code, json, _) = check(dir.path(), &pg, &role, "r", &[]);
    pg.client.batch_execute(&format!("DROP OWNED BY {role}; DROP ROLE {role}")).expect("drop role");
    assert_eq!(code, 3);
    all_errored(&json, "permission denied for table orders");
}

#[test]
fn long_queries_time_out_and_sql_rules_cannot_write() {
    let Some(mut pg) = server("ro") else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    // A statement timeout errors the query's checks with the server's reason.
    contract(
        dir.path(),
        &pg,
        &pg.port,
        "orders",
        "SELECT count(*) FROM orders a, orders b, orders c WHERE a.id + b.id > c.id",
    );
    let started = std::time::Instant::now();
    let (code, json, _) = check(dir.path(), &pg, &pg.user, &pg.password, &["--query-timeout", "1s"]);
    assert!(started.elapsed().as_secs() < 30);
    assert_eq!(code, 3);
    assert!(statuses(&json).iter().any(|(s, m)| s == "errored" && m.contains("statement timeout")), "{json}");
    // SQL rules are one SELECT, run in a read-only transaction.
    for sql in [
        "DELETE FROM orders",
        "SELECT count(*) FROM orders; DROP TABLE orders",
        "SELECT count(*) FROM pg_catalog.pg_authid",
    ] {
        contract(dir.path(), &pg, &pg.port, "orders", sql);
        let (code, json, err) = check(dir.path(), &pg, &pg.user, &pg.password, &[]);
        // Refused by `lint` before anything runs (exit 2), or errored by the SQL engine (exit 3).
        if code == 2 {
            assert!(err.contains("error"), "{sql}: {err}");
            continue;
        }
        assert_eq!(code, 3, "{sql}");
        let s = statuses(&json);
        assert!(
            s.iter().any(|(st, m)| st == "errored" && (m.contains("one SELECT") || m.contains("not a dataset"))),
            "{sql}: {s:#?}"
        );
    }
    let n: i64 = pg.client.query_one(&format!("SELECT count(*) FROM {}.orders", pg.schema), &[]).expect("count").get(0);
    assert_eq!(n, 2000, "the table is untouched");
}

#[test]
fn a_port_that_is_no_tcp_port_is_a_contract_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "apiVersion: v3.1.0
kind: DataContract
id: wh
name: wh
version: 1.0.0
status: active
servers:
  - server: pg
    type: postgres
    host: 127.0.0.1
    port: 99999
    database: lake
    schema: public
schema:
  - name: orders
    properties:
      - name: id
        logicalType: integer
";
    std::fs::write(dir.path().join("c.yaml"), text).expect("contract");
    let (code, _, err) = common::lakegate(dir.path(), &["check", "c.yaml"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("c.yaml:11:5: port 99999 of server `pg` is not a TCP port"), "{err}");
}
