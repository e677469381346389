//! What the catalog of a PostgreSQL server says about a table, end to end on the real server
//! of .ci/services/postgres.sh (LAKEGATE_PG_*; skipped with a printed reason without it, failed
//! in CI): a column-level grant that leaves a declared column out errors the table (exit 3),
//! never "missing" (exit 1); a declared physicalType is compared with the catalog's type as
//! PostgreSQL reads it (varchar length, float width, time zones, jsonb, arrays); string rules
//! run on uuid and inet through their text form; a world-readable `.pgpass` says it was ignored.

mod common;

use std::path::Path;

struct Pg {
    port: String,
    user: String,
    password: String,
    database: String,
    schema: String,
    role: String,
    client: postgres::Client,
}

fn server(tag: &str, setup: &str) -> Option<Pg> {
    let pg = common::PgServer::from_env("postgres")?;
    let schema = format!("pgcat_{tag}_{}", std::process::id());
    let role = format!("pgcat_{tag}_reader_{}", std::process::id());
    let mut client = pg.connect();
    let common::PgServer { port, user, password, database, .. } = pg;
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; {}",
            setup.replace("{schema}", &schema).replace("{role}", &role)
        ))
        .expect("load");
    Some(Pg { port, user, password, database, schema, role, client })
}

impl Drop for Pg {
    fn drop(&mut self) {
        let _ = self.client.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema));
        let _ = self.client.batch_execute(&format!("DROP ROLE IF EXISTS {}", self.role));
    }
}

fn contract(dir: &Path, pg: &Pg, table: &str, properties: &str) {
    let text = format!(
        "apiVersion: v3.1.0
kind: DataContract
id: cat
name: cat
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
  - name: {table}
    properties:
{properties}",
        port = pg.port,
        db = pg.database,
        schema = pg.schema
    );
    std::fs::write(dir.join("c.yaml"), text).expect("contract");
}

fn check(dir: &Path, pg: &Pg, env: &[(&str, &str)]) -> (i32, Vec<(String, String, String)>, String) {
    let mut all = vec![("PGSSLMODE", "disable"), ("PGPORT", pg.port.as_str())];
    all.extend_from_slice(env);
    let (code, out, err) = common::lakegate_env(dir, &["check", "c.yaml", "--format", "json"], &all);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap_or(serde_json::Value::Null);
    let checks = json["contracts"][0]["checks"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|c| {
                    let s = |k: &str| c[k].as_str().unwrap_or("").to_owned();
                    (s("status"), s("title"), s("message"))
                })
                .collect()
        })
        .unwrap_or_default();
    (code, checks, err)
}

fn status_of<'a>(checks: &'a [(String, String, String)], name: &str) -> (&'a str, &'a str) {
    checks
        .iter()
        .find(|(_, n, _)| n == name)
        .map(|(s, _, m)| (s.as_str(), m.as_str()))
        .unwrap_or_else(|| panic!("no check `{name}` in {checks:#?}"))
}

#[test]
fn a_column_left_out_of_a_grant_errors_the_table_and_is_never_missing() {
    let Some(mut pg) = server(
        "grant",
        "CREATE TABLE {schema}.items (item_id bigint, name text, secret text, u uuid);
         INSERT INTO {schema}.items VALUES (1, 'a', 's', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),
           (2, 'b', 't', 'b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
         CREATE ROLE {role} LOGIN PASSWORD 'reader-pw';
         GRANT USAGE ON SCHEMA {schema} TO {role};
         GRANT SELECT (item_id, u) ON {schema}.items TO {role};",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let reader = [("PGUSER", pg.role.as_str()), ("PGPASSWORD", "reader-pw")];
    contract(
        dir.path(),
        &pg,
        "items",
        "      - {name: item_id, logicalType: integer, required: true}\n      - {name: name, logicalType: string, required: true}\n",
    );
    let (code, checks, err) = check(dir.path(), &pg, &reader);
    assert_eq!(code, 3, "{err}\n{checks:#?}");
    assert!(!checks.is_empty(), "{err}");
    for (status, name, message) in &checks {
        assert_eq!(status, "errored", "{name}: {message}");
        assert!(message.contains("permission denied for column `name`"), "{name}: {message}");
        assert!(!message.contains("missing"), "{name}: {message}");
    }
    // The superuser sees the same table whole: the contract passes.
    let (code, checks, err) = check(dir.path(), &pg, &[("PGUSER", &pg.user), ("PGPASSWORD", &pg.password)]);
    assert_eq!(code, 0, "{err}\n{checks:#?}");
    // A contract over the granted columns only runs for the reader (the uuid's pattern through
    // a projection of the columns it may read); the others still exist (beyond the contract).
    contract(
        dir.path(),
        &pg,
        "items",
        "      - {name: item_id, logicalType: integer, required: true, unique: true}
      - {name: u, logicalType: string, logicalTypeOptions: {pattern: '^[ab]0eebc99-'}}\n",
    );
    let (code, checks, err) = check(dir.path(), &pg, &reader);
    assert_eq!(code, 0, "{err}\n{checks:#?}");
    assert_eq!(status_of(&checks, "`u` matches `^[ab]0eebc99-`").0, "passed", "{checks:#?}");
    let extra = checks.iter().find(|(_, _, m)| m.contains("columns not in the contract")).expect("extra columns");
    assert!(extra.2.contains("`name`") && extra.2.contains("`secret`"), "{extra:?}");
    // A column that does not exist is still missing (failed, exit 1), for the reader too.
    contract(
        dir.path(),
        &pg,
        "items",
        "      - {name: item_id, logicalType: integer}\n      - {name: colour, logicalType: string}\n",
    );
    let (code, checks, err) = check(dir.path(), &pg, &reader);
    assert_eq!(code, 1, "{err}\n{checks:#?}");
    assert!(checks.iter().any(|(s, _, m)| s == "failed" && m.contains("`colour` is missing")), "{checks:#?}");
    // Revoked entirely: the server's words, exit 3.
    pg.client
        .batch_execute(&format!("REVOKE SELECT (item_id) ON {}.items FROM {}", pg.schema, pg.role))
        .expect("revoke");
    let (code, checks, err) = check(dir.path(), &pg, &reader);
    assert_eq!(code, 3, "{err}\n{checks:#?}");
    assert!(checks.iter().all(|(s, _, m)| s == "errored" && m.contains("permission denied")), "{checks:#?}");
}

#[test]
fn a_world_readable_pgpass_says_it_was_ignored() {
    let Some(pg) = server("pgpass", "CREATE TABLE {schema}.t (id int); INSERT INTO {schema}.t VALUES (1);") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    contract(dir.path(), &pg, "t", "      - {name: id, logicalType: integer}\n");
    let pass = dir.path().join("pgpass");
    std::fs::write(&pass, format!("127.0.0.1:*:*:{}:{}\n", pg.user, pg.password)).expect("pgpass");
    let file = pass.to_str().expect("utf-8");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let (code, checks, err) = check(dir.path(), &pg, &[("PGUSER", &pg.user), ("PGPASSFILE", file)]);
        assert_eq!(code, 3, "{err}");
        let (_, _, message) = &checks[0];
        assert!(message.contains(&format!("password file `{file}` ignored")) && message.contains("0600"), "{message}");
        std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    let (code, checks, err) = check(dir.path(), &pg, &[("PGUSER", &pg.user), ("PGPASSFILE", file)]);
    assert_eq!(code, 0, "{err}\n{checks:#?}");
}

const TYPES: &str = "CREATE TABLE {schema}.t (code varchar(8), score double precision, ratio real, ts timestamptz,
       naive timestamp, n bigint, j jsonb, arr int[], u uuid, ip inet, body text, amount numeric(12,2));
     INSERT INTO {schema}.t VALUES
       ('ABCDEFGH', 1e300, 0.5, now(), '2026-11-25 10:00', 9000000000, '{\"a\": 1}', '{1,2}',
        'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '10.0.0.1', 'x', 1.25),
       ('ABC', 2, 0.25, now(), '2026-11-25 11:00', 1, '[1]', '{3}',
        '0b7c3e59-7c47-4d2e-9a53-6b6d3b1f4b6e', '192.168.1.0/24', 'y', 2.5);";

#[test]
fn declared_types_are_read_as_postgresql_reads_them() {
    let Some(pg) = server("types", TYPES) else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let su = [("PGUSER", pg.user.as_str()), ("PGPASSWORD", pg.password.as_str())];
    // The catalog's own names, aliases, and wider string lengths: accepted.
    contract(
        dir.path(),
        &pg,
        "t",
        "      - {name: code, logicalType: string, physicalType: varchar(50), logicalTypeOptions: {maxLength: 8}}
      - {name: score, logicalType: number, physicalType: double precision}
      - {name: ratio, logicalType: number, physicalType: float4}
      - {name: ts, logicalType: timestamp, physicalType: timestamptz}
      - {name: naive, logicalType: timestamp, physicalType: timestamp}
      - {name: n, logicalType: integer, physicalType: int8}
      - {name: j, logicalType: object, physicalType: jsonb}
      - {name: arr, logicalType: array, physicalType: 'integer[]'}
      - {name: u, logicalType: string, physicalType: uuid, logicalTypeOptions: {pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-'}}
      - {name: ip, logicalType: string, physicalType: inet, logicalTypeOptions: {pattern: '^[0-9.]+(/[0-9]+)?$'}}
      - {name: body, logicalType: string, physicalType: STRING}
      - {name: amount, logicalType: number, physicalType: 'numeric(12,2)'}
",
    );
    let (code, checks, err) = check(dir.path(), &pg, &su);
    assert_eq!(code, 0, "{err}\n{checks:#?}");
    assert!(checks.iter().all(|(s, _, _)| s == "passed"), "{checks:#?}");
    // Narrower or other types than the column: each a breach naming the server's type.
    contract(
        dir.path(),
        &pg,
        "t",
        "      - {name: code, physicalType: varchar(4)}
      - {name: score, physicalType: real}
      - {name: ts, physicalType: timestamp}
      - {name: naive, physicalType: timestamptz}
      - {name: n, physicalType: smallint}
      - {name: j, physicalType: json}
      - {name: arr, physicalType: 'bigint[]'}
      - {name: body, physicalType: varchar(10)}
      - {name: amount, physicalType: 'numeric(10,2)'}
      - {name: u, logicalType: string, logicalTypeOptions: {pattern: '^a'}}
",
    );
    let (code, checks, err) = check(dir.path(), &pg, &su);
    assert_eq!(code, 1, "{err}\n{checks:#?}");
    for (column, declared, server) in [
        ("code", "varchar(4)", "character varying(8)"),
        ("score", "real", "double precision"),
        ("ts", "timestamp", "timestamp with time zone"),
        ("naive", "timestamptz", "timestamp without time zone"),
        ("n", "smallint", "bigint"),
        ("j", "json", "jsonb"),
        ("arr", "bigint[]", "integer[]"),
        ("body", "varchar(10)", "text"),
        ("amount", "numeric(10,2)", "numeric(12,2)"),
    ] {
        let (status, message) = status_of(&checks, &format!("column `{column}` has type {declared}"));
        assert_eq!(status, "failed", "{column}: {message}");
        assert!(message.contains(&format!("the column's type `{server}` on the server")), "{column}: {message}");
    }
    let (_, message) = status_of(&checks, "column `code` has type varchar(4)");
    assert!(message.contains("up to 8 characters, more than the declared 4"), "{message}");
    // The pattern ran on the uuid's text: one of the two values does not start with `a`.
    let (status, message) = status_of(&checks, "`u` matches `^a`");
    assert_eq!((status, message), ("failed", "observed 1, expected = 0"));
}
