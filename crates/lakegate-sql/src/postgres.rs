//! The PostgreSQL and Amazon Redshift backend (the `postgres` crate, TLS by rustls).
//!
//! Where the table is comes from the contract's ODCS server (host, port, database, schema);
//! who connects and how comes from the environment and PostgreSQL's standard files, never from
//! a contract: `PGHOST`, `PGPORT`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`, `PGPASSFILE` (default
//! `~/.pgpass`), `PGSERVICE` with `PGSERVICEFILE` (default `~/.pg_service.conf`) and
//! `PGSYSCONFDIR/pg_service.conf`, `PGSSLMODE` (`disable`, `allow`/`prefer`, `require`,
//! `verify-ca`, `verify-full`), `PGSSLROOTCERT`, `PGCONNECT_TIMEOUT`, `PGAPPNAME`.
//!
//! The session is read-only (`default_transaction_read_only` at connection on PostgreSQL, and
//! every query in a `READ ONLY` transaction on both), with a statement timeout. Passwords are
//! never part of a message.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lakegate_core::{DatasetPlan, WarehouseTable};
use postgres::{CancelToken, Client, NoTls, SimpleQueryMessage};

use crate::backend::{Backend, CatalogColumn, Dialect, Table, Value};
use crate::expr::{quote, string};

/// How to reach a server: resolved from the contract's server and the environment.
#[derive(Clone, PartialEq, Eq)]
pub struct ConnectionSettings {
    /// Host name, address or Unix socket folder.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Database.
    pub database: String,
    /// User.
    pub user: String,
    /// Password (never printed; `Debug` hides it).
    pub password: Option<String>,
    /// `PGSSLMODE`.
    pub ssl_mode: String,
    /// `PGSSLROOTCERT`: root certificates (PEM) for `verify-ca` / `verify-full`.
    pub ssl_root_cert: Option<String>,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Application name shown in `pg_stat_activity`.
    pub application_name: String,
    /// Why a password file was not read (group or world readable), for the connection error.
    pub password_file_ignored: Option<String>,
}

impl std::fmt::Debug for ConnectionSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectionSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("database", &self.database)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("ssl_mode", &self.ssl_mode)
            .finish()
    }
}

/// The environment lakegate reads connection settings from (a map in tests).
pub trait Env {
    /// A variable's value.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct ProcessEnv;

impl Env for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl Env for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

fn home(env: &dyn Env) -> Option<std::path::PathBuf> {
    env.var("HOME").map(std::path::PathBuf::from)
}

/// The `[name]` section of a PostgreSQL service file.
fn service_section(text: &str, name: &str) -> Option<BTreeMap<String, String>> {
    let mut found = None;
    let mut current: Option<&str> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(section) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(section.trim());
            if current == Some(name) {
                found.get_or_insert_with(BTreeMap::new);
            }
            continue;
        }
        if current == Some(name)
            && let Some((k, v)) = line.split_once('=')
            && let Some(map) = found.as_mut()
        {
            map.insert(k.trim().to_owned(), v.trim().to_owned());
        }
    }
    found
}

/// The service `PGSERVICE` names: its settings, or an error when no service file defines it.
fn service(env: &dyn Env) -> Result<BTreeMap<String, String>, String> {
    let Some(name) = env.var("PGSERVICE") else { return Ok(BTreeMap::new()) };
    let mut files = Vec::new();
    match env.var("PGSERVICEFILE") {
        Some(f) => files.push(std::path::PathBuf::from(f)),
        None => files.extend(home(env).map(|h| h.join(".pg_service.conf"))),
    }
    if let Some(d) = env.var("PGSYSCONFDIR") {
        files.push(std::path::Path::new(&d).join("pg_service.conf"));
    }
    for f in &files {
        if let Ok(text) = std::fs::read_to_string(f)
            && let Some(s) = service_section(&text, &name)
        {
            return Ok(s);
        }
    }
    Err(format!(
        "PGSERVICE `{name}` is not defined in {}",
        files.iter().map(|f| format!("`{}`", f.display())).collect::<Vec<_>>().join(" or ")
    ))
}

/// The password of `~/.pgpass` (or `PGPASSFILE`) for a connection: the first matching line of
/// `host:port:database:user:password` (`*` matches anything, `\:` and `\\` escape). A file
/// readable by group or others is ignored, as libpq does.
///
/// `Err` says why the file was ignored (libpq's warning), for the connection error.
fn pgpass(env: &dyn Env, host: &str, port: u16, database: &str, user: &str) -> Result<Option<String>, String> {
    let Some(path) =
        env.var("PGPASSFILE").map(std::path::PathBuf::from).or_else(|| home(env).map(|h| h.join(".pgpass")))
    else {
        return Ok(None);
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::metadata(&path) else { return Ok(None) };
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            let why = format!(
                "password file `{}` ignored: it has group or world access ({:04o}); permissions should be u=rw \
                 (0600) or less (chmod 600), as libpq requires",
                path.display(),
                mode & 0o777
            );
            tracing::warn!("{why}");
            return Err(why);
        }
    }
    let Ok(text) = std::fs::read_to_string(&path) else { return Ok(None) };
    let host_key = if host.starts_with('/') { "localhost" } else { host };
    for line in text.lines() {
        if line.trim_start().starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut fields = Vec::new();
        let mut cur = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => cur.extend(chars.next()),
                ':' if fields.len() < 4 => fields.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
        }
        fields.push(cur);
        if fields.len() != 5 {
            continue;
        }
        let port_text = port.to_string();
        let matches = |f: &str, v: &str| f == "*" || f == v;
        if matches(&fields[0], host_key)
            && matches(&fields[1], &port_text)
            && matches(&fields[2], database)
            && matches(&fields[3], user)
        {
            return Ok(Some(fields[4].clone()));
        }
    }
    Ok(None)
}

impl ConnectionSettings {
    /// The settings for a warehouse table: the contract's host, port and database, the rest
    /// (and what the contract leaves out) from the environment, the service file and
    /// `~/.pgpass`.
    pub fn resolve(table: &WarehouseTable, env: &dyn Env) -> Result<ConnectionSettings, String> {
        let svc = service(env)?;
        let pick = |contract: Option<String>, var: &str, key: &str| {
            contract.or_else(|| env.var(var)).or_else(|| svc.get(key).cloned())
        };
        let host = pick(table.host.clone(), "PGHOST", "host").unwrap_or_else(|| "localhost".into());
        let default_port = if table.is_redshift() { 5439 } else { 5432 };
        let port = match pick(table.port.map(|p| p.to_string()), "PGPORT", "port") {
            Some(p) => p.trim().parse::<u16>().map_err(|_| format!("PGPORT `{p}` is not a port number"))?,
            None => default_port,
        };
        let user = env
            .var("PGUSER")
            .or_else(|| svc.get("user").cloned())
            .or_else(|| env.var("USER"))
            .ok_or("no user to connect as: set PGUSER")?;
        let database = pick(table.database.clone(), "PGDATABASE", "dbname").unwrap_or_else(|| user.clone());
        let mut password_file_ignored = None;
        let password = match env.var("PGPASSWORD").or_else(|| svc.get("password").cloned()) {
            Some(p) => Some(p),
            None => pgpass(env, &host, port, &database, &user).unwrap_or_else(|why| {
                password_file_ignored = Some(why);
                None
            }),
        };
        let ssl_mode = env.var("PGSSLMODE").or_else(|| svc.get("sslmode").cloned()).unwrap_or_else(|| "prefer".into());
        if !["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(&ssl_mode.as_str()) {
            return Err(format!(
                "PGSSLMODE `{ssl_mode}` is not one of disable, allow, prefer, require, verify-ca, verify-full"
            ));
        }
        let connect_timeout = match env.var("PGCONNECT_TIMEOUT").or_else(|| svc.get("connect_timeout").cloned()) {
            Some(t) => Duration::from_secs(
                t.trim()
                    .parse::<u64>()
                    .map_err(|_| format!("PGCONNECT_TIMEOUT `{t}` is not a number of seconds"))?
                    .max(2),
            ),
            None => Duration::from_secs(10),
        };
        Ok(ConnectionSettings {
            host,
            port,
            database,
            user,
            password,
            ssl_mode,
            ssl_root_cert: env.var("PGSSLROOTCERT").or_else(|| svc.get("sslrootcert").cloned()),
            connect_timeout,
            application_name: env.var("PGAPPNAME").unwrap_or_else(|| "lakegate".into()),
            password_file_ignored,
        })
    }
}

/// A TLS certificate verifier that accepts any certificate: libpq's `require` (and `prefer`)
/// encrypt without authenticating the server.
#[derive(Debug)]
struct NoVerify(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls_pki_types::CertificateDer<'_>,
        _intermediates: &[rustls_pki_types::CertificateDer<'_>],
        _server_name: &rustls_pki_types::ServerName<'_>,
        _ocsp: &[u8],
        _now: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls_pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn tls_config(s: &ConnectionSettings) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    if matches!(s.ssl_mode.as_str(), "verify-ca" | "verify-full") {
        let mut roots = rustls::RootCertStore::empty();
        match &s.ssl_root_cert {
            Some(path) => {
                use rustls_pki_types::pem::PemObject;
                let certs = rustls_pki_types::CertificateDer::pem_file_iter(path)
                    .map_err(|e| format!("PGSSLROOTCERT `{path}`: {e}"))?;
                for c in certs {
                    roots
                        .add(c.map_err(|e| format!("PGSSLROOTCERT `{path}`: {e}"))?)
                        .map_err(|e| format!("PGSSLROOTCERT `{path}`: {e}"))?;
                }
            }
            None => {
                for c in rustls_native_certs::load_native_certs().certs {
                    let _ = roots.add(c);
                }
            }
        }
        Ok(builder.with_root_certificates(roots).with_no_client_auth())
    } else {
        Ok(builder.dangerous().with_custom_certificate_verifier(Arc::new(NoVerify(provider))).with_no_client_auth())
    }
}

/// One line naming what went wrong, with the server's message when it sent one (never a
/// credential: PostgreSQL does not echo passwords).
fn reason(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        let mut s = format!("{}: {}", db.severity(), db.message());
        if let Some(d) = db.detail() {
            s.push_str(&format!(" ({d})"));
        }
        return s;
    }
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(x) = src {
        let t = x.to_string();
        if !s.contains(&t) {
            s.push_str(&format!(": {t}"));
        }
        src = x.source();
    }
    s
}

enum Conn {
    /// Not connected yet.
    New,
    Open(Box<Client>),
    /// The connection failed: every dataset gets this reason.
    Failed(String),
}

/// A connection to one PostgreSQL or Redshift database.
pub struct PostgresBackend {
    settings: ConnectionSettings,
    dialect: Dialect,
    timeout: Duration,
    conn: Mutex<Conn>,
    cancel: Mutex<Option<CancelToken>>,
    /// Identifies the server datasets must be on (host, port, database).
    server: (String, u16, String),
    /// The columns of each table (by its quoted `schema.table`) this user may not read.
    unreadable: Mutex<BTreeMap<String, Vec<String>>>,
}

impl PostgresBackend {
    /// A backend for the server of `table` (not connected until the first query), with
    /// statements cancelled after `timeout`.
    pub fn new(table: &WarehouseTable, env: &dyn Env, timeout: Duration) -> Result<PostgresBackend, String> {
        let settings = ConnectionSettings::resolve(table, env)?;
        let dialect = if table.is_redshift() { Dialect::Redshift } else { Dialect::Postgres };
        let server = (settings.host.clone(), settings.port, settings.database.clone());
        Ok(PostgresBackend {
            settings,
            dialect,
            timeout,
            conn: Mutex::new(Conn::New),
            cancel: Mutex::new(None),
            server,
            unreadable: Mutex::new(BTreeMap::new()),
        })
    }

    /// Whether `table` is on this backend's server (what the contract leaves out is the
    /// environment's, the same for every table).
    pub fn serves(&self, table: &WarehouseTable) -> bool {
        let s = &self.settings;
        let server = (
            table.host.clone().unwrap_or_else(|| s.host.clone()),
            table.port.unwrap_or(s.port),
            table.database.clone().unwrap_or_else(|| s.database.clone()),
        );
        server == self.server && table.is_redshift() == (self.dialect == Dialect::Redshift)
    }

    fn connect(&self) -> Result<Client, String> {
        let s = &self.settings;
        let mut c = postgres::Config::new();
        c.host(&s.host)
            .port(s.port)
            .user(&s.user)
            .dbname(&s.database)
            .connect_timeout(s.connect_timeout)
            .application_name(&s.application_name);
        if let Some(p) = &s.password {
            c.password(p);
        }
        if self.dialect == Dialect::Postgres {
            // Read-only and time-limited from the first statement on.
            // Times as text in UTC, whatever the server's or the role's default (group labels,
            // samples and offset-free literals read the same on every run).
            c.options(&format!(
                "-c default_transaction_read_only=on -c statement_timeout={} -c TimeZone=UTC -c DateStyle=ISO",
                self.timeout.as_millis()
            ));
        }
        let fail = |e: postgres::Error| {
            let note = s.password_file_ignored.as_ref().map(|why| format!(" ({why})")).unwrap_or_default();
            format!("cannot connect to {}: {}{note}", self.engine(), reason(&e))
        };
        let mut client = match s.ssl_mode.as_str() {
            "disable" => c.ssl_mode(postgres::config::SslMode::Disable).connect(NoTls).map_err(fail)?,
            mode => {
                let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(s)?);
                let m = if matches!(mode, "allow" | "prefer") {
                    postgres::config::SslMode::Prefer
                } else {
                    postgres::config::SslMode::Require
                };
                c.ssl_mode(m).connect(tls).map_err(fail)?
            }
        };
        if self.dialect == Dialect::Redshift {
            client
                .batch_execute(&format!(
                    "SET statement_timeout TO {}; SET timezone TO 'UTC'; SET datestyle TO 'ISO'",
                    self.timeout.as_millis()
                ))
                .map_err(|e| format!("{}: {}", self.engine(), reason(&e)))?;
        }
        Ok(client)
    }

    fn with_client<T>(&self, f: impl FnOnce(&mut Client) -> Result<T, String>) -> Result<T, String> {
        let mut conn = self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Conn::New = *conn {
            *conn = match self.connect() {
                Ok(c) => {
                    *self.cancel.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(c.cancel_token());
                    Conn::Open(Box::new(c))
                }
                Err(e) => Conn::Failed(e),
            };
        }
        match &mut *conn {
            Conn::Open(c) if c.is_closed() => {
                let why = format!("{}: the connection was lost", self.engine());
                *conn = Conn::Failed(why.clone());
                Err(why)
            }
            Conn::Open(c) => f(c),
            Conn::Failed(why) => Err(why.clone()),
            Conn::New => Err("not connected".into()),
        }
    }

    fn table_of<'a>(&self, d: &'a DatasetPlan) -> Result<&'a WarehouseTable, String> {
        let t = d.table.as_ref().ok_or_else(|| {
            format!(
                "`{}` is not a table on {}: {} reads tables of its server only",
                d.name,
                self.engine(),
                self.dialect.name()
            )
        })?;
        if !self.serves(t) {
            return Err(format!("`{}` is on another server than {}", d.name, self.engine()));
        }
        Ok(t)
    }
}

impl Backend for PostgresBackend {
    fn engine(&self) -> String {
        format!("{} ({}:{}/{})", self.dialect.name(), self.settings.host, self.settings.port, self.settings.database)
    }

    fn dialect(&self) -> Dialect {
        self.dialect
    }

    fn relation(&self, dataset: &DatasetPlan) -> Result<String, String> {
        let t = self.table_of(dataset)?;
        Ok(format!(
            "{}.{}",
            quote(t.schema.as_deref().unwrap_or("public"), self.dialect),
            quote(&t.table, self.dialect)
        ))
    }

    /// The columns from `pg_catalog` (`pg_attribute`, which lists every column whatever the
    /// user's grants, unlike `information_schema.columns`), with the type as
    /// `format_type` writes it (`character varying(8)`, `timestamp(3) with time zone`,
    /// `integer[]`, `jsonb`). A declared column the user may not read (a column-level grant
    /// that leaves it out) errors the dataset "permission denied": never "missing".
    fn columns(&self, dataset: &DatasetPlan) -> Result<Vec<CatalogColumn>, String> {
        let t = self.table_of(dataset)?;
        let schema = t.schema.as_deref().unwrap_or("public");
        let d = self.dialect;
        let sql = format!(
            "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull, \
             pg_catalog.has_column_privilege(c.oid, a.attnum, 'SELECT'), \
             pg_catalog.has_schema_privilege(n.oid, 'USAGE') \
             FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = {} AND c.relname = {} AND c.relkind IN ('r', 'v', 'm', 'f', 'p') \
             AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            string(schema, d),
            string(&t.table, d)
        );
        let table = self.query(&sql)?;
        let cell = |r: &[Value], i: usize| match r.get(i) {
            Some(Value::Text(s)) => Some(s.clone()),
            _ => None,
        };
        let yes = |r: &[Value], i: usize| matches!(cell(r, i).as_deref(), Some("t" | "true"));
        let readable: Vec<bool> = table.rows.iter().map(|r| yes(r, 3) && yes(r, 4)).collect();
        if table.rows.is_empty() || !readable.iter().any(|r| *r) {
            // No table, or nothing of it readable: the server says why in its own words.
            let relation = self.relation(dataset)?;
            self.query(&format!("SELECT * FROM {relation} WHERE 1 = 0"))?;
            return Err(format!("{}: `{schema}.{}` has no column visible to this user", self.engine(), t.table));
        }
        let columns: Vec<CatalogColumn> = table
            .rows
            .iter()
            .map(|r| CatalogColumn {
                name: cell(r, 0).unwrap_or_default(),
                data_type: cell(r, 1).unwrap_or_default(),
                nullable: !yes(r, 2),
            })
            .collect();
        let denied: Vec<&str> = columns
            .iter()
            .zip(&readable)
            .filter(|(c, ok)| !**ok && dataset.declared.iter().any(|dc| dc.column == c.name))
            .map(|(c, _)| c.name.as_str())
            .collect();
        let hidden: Vec<String> =
            columns.iter().zip(&readable).filter(|(_, ok)| !**ok).map(|(c, _)| c.name.clone()).collect();
        let relation = self.relation(dataset)?;
        self.unreadable.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(relation, hidden);
        if !denied.is_empty() {
            let granted: Vec<String> =
                columns.iter().zip(&readable).filter(|(_, ok)| **ok).map(|(c, _)| format!("`{}`", c.name)).collect();
            return Err(format!(
                "{}: ERROR: permission denied for column{} {} of table `{schema}.{}` (this user may read {} only: \
                 the columns exist, ask for SELECT on them)",
                self.engine(),
                if denied.len() == 1 { "" } else { "s" },
                denied.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "),
                t.table,
                granted.join(", ")
            ));
        }
        Ok(columns)
    }

    /// Types checked as strings through their text form (`uuid`, `inet`, `citext`, see
    /// [`crate::types::as_text`]): the metrics read the table through a projection that casts
    /// them, of the columns this user may read.
    fn scan(&self, _dataset: &DatasetPlan, relation: String, columns: &[CatalogColumn]) -> String {
        if !columns.iter().any(|c| crate::types::as_text(&c.data_type)) {
            return relation;
        }
        let unreadable = self.unreadable.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let hidden = unreadable.get(&relation);
        let text = if self.dialect == Dialect::Redshift { "VARCHAR(65535)" } else { "TEXT" };
        let list: Vec<String> = columns
            .iter()
            .filter(|c| !hidden.is_some_and(|h| h.contains(&c.name)))
            .map(|c| {
                let q = quote(&c.name, self.dialect);
                if crate::types::as_text(&c.data_type) { format!("CAST({q} AS {text}) AS {q}") } else { q }
            })
            .collect();
        format!("(SELECT {} FROM {relation} AS s)", list.join(", "))
    }

    fn query(&self, sql: &str) -> Result<Table, String> {
        tracing::debug!(engine = %self.engine(), "{sql}");
        let engine = self.engine();
        self.with_client(|c| {
            let mut tx =
                c.build_transaction().read_only(true).start().map_err(|e| format!("{engine}: {}", reason(&e)))?;
            let messages = tx.simple_query(sql).map_err(|e| format!("{engine}: {}", reason(&e)));
            let _ = tx.rollback();
            let mut table = Table::default();
            for m in messages? {
                match m {
                    SimpleQueryMessage::RowDescription(cols) => {
                        table.columns = cols.iter().map(|c| c.name().to_owned()).collect();
                    }
                    SimpleQueryMessage::Row(row) => {
                        if table.columns.is_empty() {
                            table.columns = row.columns().iter().map(|c| c.name().to_owned()).collect();
                        }
                        table.rows.push(
                            (0..row.len())
                                .map(|i| row.get(i).map_or(Value::Null, |v| Value::Text(v.to_owned())))
                                .collect(),
                        );
                    }
                    _ => {}
                }
            }
            Ok(table)
        })
    }

    fn cancel(&self) {
        let token = self.cancel.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        if let Some(t) = token {
            let _ = match self.settings.ssl_mode.as_str() {
                "disable" => t.cancel_query(NoTls),
                _ => match tls_config(&self.settings) {
                    Ok(cfg) => t.cancel_query(tokio_postgres_rustls::MakeRustlsConnect::new(cfg)),
                    Err(_) => t.cancel_query(NoTls),
                },
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> WarehouseTable {
        WarehouseTable {
            server_type: "postgres".into(),
            server: "pg".into(),
            host: None,
            port: None,
            database: Some("lake".into()),
            schema: None,
            table: "orders".into(),
            region: None,
        }
    }

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn the_contract_says_where_the_environment_says_who() {
        let e = env(&[
            ("PGHOST", "db.internal"),
            ("PGPORT", "6543"),
            ("PGUSER", "ci"),
            ("PGPASSWORD", "s3cret"),
            ("PGDATABASE", "other"),
        ]);
        let s = ConnectionSettings::resolve(&table(), &e).expect("settings");
        assert_eq!(
            (s.host.as_str(), s.port, s.database.as_str(), s.user.as_str()),
            ("db.internal", 6543, "lake", "ci")
        );
        assert!(!format!("{s:?}").contains("s3cret"), "the password is never printed");
        let mut t = table();
        t.server_type = "redshift".into();
        assert_eq!(ConnectionSettings::resolve(&t, &env(&[("PGUSER", "ci")])).expect("rs").port, 5439);
        let bad = ConnectionSettings::resolve(&table(), &env(&[("PGUSER", "ci"), ("PGSSLMODE", "maybe")]));
        assert!(bad.expect_err("mode").contains("PGSSLMODE `maybe`"));
    }

    #[test]
    fn pgpass_and_service_files() {
        let dir = std::env::temp_dir().join(format!("lakegate-pgpass-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let pass = dir.join("pgpass");
        std::fs::write(&pass, "# comment\nother:*:*:*:nope\nlocalhost:5432:lake:ci:pa\\:ss\n").expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        }
        let svc = dir.join("services");
        std::fs::write(&svc, "[warehouse]\nhost=localhost\nport=5432\nuser=ci\n").expect("write");
        let e = env(&[
            ("PGPASSFILE", pass.to_str().expect("utf-8")),
            ("PGSERVICE", "warehouse"),
            ("PGSERVICEFILE", svc.to_str().expect("utf-8")),
        ]);
        let s = ConnectionSettings::resolve(&table(), &e).expect("settings");
        assert_eq!((s.user.as_str(), s.password.as_deref()), ("ci", Some("pa:ss")));
        let e = env(&[("PGSERVICE", "nope"), ("PGSERVICEFILE", svc.to_str().expect("utf-8")), ("PGUSER", "x")]);
        assert!(ConnectionSettings::resolve(&table(), &e).expect_err("service").contains("PGSERVICE `nope`"));
        // A password file others can read is ignored, as libpq does, and the settings say why
        // (the connection error then names the file, not only "password missing").
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&pass, std::fs::Permissions::from_mode(0o644)).expect("chmod");
            let e = env(&[("PGPASSFILE", pass.to_str().expect("utf-8")), ("PGUSER", "ci"), ("PGHOST", "localhost")]);
            let s = ConnectionSettings::resolve(&table(), &e).expect("settings");
            assert_eq!(s.password, None);
            let why = s.password_file_ignored.expect("a reason");
            assert!(why.contains("ignored") && why.contains("0644") && why.contains("0600"), "{why}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
