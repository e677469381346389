//! The interface between the SQL engine and the systems it runs on.

use lakegate_core::DatasetPlan;

/// The SQL dialect a backend speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// Apache Spark SQL (through Spark Connect).
    Spark,
    /// PostgreSQL (9.6 and later).
    Postgres,
    /// Amazon Redshift: a PostgreSQL 8.0 fork. Only constructs that also run on PostgreSQL
    /// are used, so the dialect is tested on PostgreSQL.
    Redshift,
}

impl Dialect {
    /// The dialect's name in messages (`spark`, `postgres`, `redshift`).
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Spark => "spark",
            Dialect::Postgres => "postgres",
            Dialect::Redshift => "redshift",
        }
    }
}

/// One value of a query result.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer (every integer width; also DECIMAL with scale 0 that fits).
    Int(i128),
    /// A floating point number (REAL, DOUBLE; may be NaN or infinite).
    Float(f64),
    /// An exact decimal: `unscaled * 10^-scale`.
    Decimal {
        /// The digits.
        unscaled: i128,
        /// Digits after the point.
        scale: u8,
    },
    /// Text.
    Text(String),
    /// A date, as days since 1970-01-01.
    Date(i32),
    /// A timestamp, as microseconds since 1970-01-01T00:00:00 UTC (values without a time
    /// zone are read as UTC).
    Timestamp(i64),
}

/// The rows of a query result.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Column names, in select order.
    pub columns: Vec<String>,
    /// Rows; each has one value per column.
    pub rows: Vec<Vec<Value>>,
}

/// A column of a relation, as its system's catalog describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogColumn {
    /// Column name.
    pub name: String,
    /// The system's type name as the catalog writes it (`numeric(12,2)`, `timestamp with time
    /// zone`, `character varying(64)`, `bigint`, Spark's `decimal(12,2)`, `string` ...).
    pub data_type: String,
    /// The column admits nulls.
    pub nullable: bool,
}

/// A connection to one SQL system. Implementations are read-only: a query that would write is
/// refused by the system (read-only session) or never sent.
///
/// Errors are one-line reasons naming the system and the object (table, path) and never a
/// credential; the engine errors every check of the dataset with them (exit 3).
pub trait Backend: Send + Sync {
    /// The system in messages, e.g. `spark (sc://127.0.0.1:15002)` or `postgres
    /// (127.0.0.1:5432/lake)`: never a user name, password or token.
    fn engine(&self) -> String;

    /// The dialect queries are written in.
    fn dialect(&self) -> Dialect;

    /// The SQL relation (a FROM item) holding a dataset's rows: a quoted table name for
    /// warehouse servers; for files, a relation reading them (e.g. a Spark temporary view over
    /// the dataset's path, created here). Errors when the dataset has no source this backend
    /// can read.
    fn relation(&self, dataset: &DatasetPlan) -> Result<String, String>;

    /// The columns of a dataset's relation, from the catalog (no rows read).
    fn columns(&self, dataset: &DatasetPlan) -> Result<Vec<CatalogColumn>, String>;

    /// The FROM item the metrics of a dataset read, given its relation and catalog columns:
    /// the relation itself, or a projection of it (PostgreSQL: `uuid`, `inet` ... as text,
    /// so that string rules run on them).
    fn scan(&self, _dataset: &DatasetPlan, relation: String, _columns: &[CatalogColumn]) -> String {
        relation
    }

    /// The columns of a dataset's relation the backend parsed from text (CSV, JSON, hive
    /// folder values), each kept beside its text as `<column>\u{1}raw` ([`crate::lower::RAW_SUFFIX`])
    /// so that a parse check counts the texts that did not parse. None by default (typed tables).
    fn parsed_columns(&self, _dataset: &DatasetPlan) -> Result<std::collections::BTreeSet<String>, String> {
        Ok(std::collections::BTreeSet::new())
    }

    /// Runs one read-only query and returns every row.
    fn query(&self, sql: &str) -> Result<Table, String>;

    /// Cancels the running queries (Ctrl-C); the queries then return an error.
    fn cancel(&self);
}
