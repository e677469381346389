//! The compiled form of a contract: datasets to read and the checks to evaluate.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde::Serialize;

use crate::check::CheckSpec;
use crate::metric::Metric;

/// File format of a dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Apache Parquet.
    Parquet,
    /// Comma (or other delimiter) separated values.
    Csv,
    /// Newline-delimited JSON.
    Json,
}

/// CSV reading options (from the server's customProperties).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CsvOptions {
    /// Field delimiter.
    pub delimiter: u8,
    /// First line holds the column names.
    pub header: bool,
    /// Quote character (none disables quoting).
    pub quote: Option<u8>,
    /// The field values that mean null (`nullValues`); the default `[""]`: an empty field is null.
    /// A list without `""` reads empty fields as empty strings.
    pub null_values: Vec<String>,
    /// Numbers are written with a decimal comma (`decimalComma: true`: `3,14`).
    pub decimal_comma: bool,
    /// The files' character encoding (the server's `encoding`); `None`: UTF-8.
    pub encoding: Option<String>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: b',',
            header: true,
            quote: Some(b'"'),
            null_values: vec![String::new()],
            decimal_comma: false,
            encoding: None,
        }
    }
}

/// Where a dataset's files are.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    /// Absolute path or glob of the files.
    pub path: PathBuf,
    /// As written by the user (for messages).
    pub display: String,
    /// File format.
    pub format: Format,
    /// CSV options.
    pub csv: CsvOptions,
    /// For a path written in a contract: the folders (real paths) every file it designates must
    /// be inside, each file's real path checked after the glob or folder walk (a symbolic link
    /// in the lake must not lead out of it). Empty: unrestricted (`--data`, the user's own).
    pub roots: Vec<PathBuf>,
    /// `--on-bad-file skip`: a file that cannot be opened (corrupt, another format, unreadable)
    /// is left out with a warning and named in the report; the other files are checked.
    pub skip_bad_files: bool,
    /// On object storage (ODCS `s3`, `azure`, `gs://` locations; `--data OBJECT=s3://...`): the
    /// URL and the settings to reach it; `path` then holds the same URL. `None`: local files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectLocation>,
}

/// A dataset's location on object storage and the settings to reach it. Never credentials:
/// those come from the environment and the cloud's profile chain at run time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectLocation {
    /// The URL (`{model}` replaced), a glob or a prefix: `s3://bucket/orders/*.parquet`,
    /// `abfss://container@account.dfs.core.windows.net/orders/`, `gs://bucket/orders/`.
    pub url: String,
    /// An S3-compatible endpoint (the server's `endpointUrl`); `None`: the environment's
    /// (`AWS_ENDPOINT_URL`) or the cloud's own.
    pub endpoint: Option<String>,
}

/// A declared column, as the engine needs it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeclaredColumn {
    /// Column name in the data.
    pub column: String,
    /// Logical type, when declared (`string`, `integer`, `date` ...).
    pub logical: Option<String>,
    /// The type a text column (CSV, JSON, a hive partition value) is read as: the narrowest
    /// reading that satisfies both the declared `logicalType` and `physicalType`; `None` when
    /// neither is declared (the value's own type is kept).
    pub parse: Option<crate::ColumnType>,
}

/// One dataset (schema object) of a contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetPlan {
    /// Schema object name (the name SQL rules use).
    pub name: String,
    /// Where its data is, or why it is not known.
    pub source: Result<Source, String>,
    /// Every metric the checks need, deduplicated.
    pub metrics: BTreeSet<Metric>,
    /// Declared top-level columns (CSV sources are typed by them).
    pub declared: Vec<DeclaredColumn>,
    /// `--where`: a polars SQL predicate every metric of the dataset is computed under.
    pub filter: Option<String>,
    /// Columns classified pii/restricted/confidential/sensitive/secret: redacted in samples.
    pub redacted: Vec<String>,
    /// Primary key columns (by position), shown first in samples.
    pub key: Vec<String>,
    /// The table holding the dataset on a SQL warehouse server (ODCS `postgres`, `postgresql`,
    /// `redshift`), read by the SQL engine; `None` for files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<WarehouseTable>,
}

/// A table on a SQL warehouse server, as the contract's ODCS server and schema object name it.
/// Only where the table is: credentials come from the environment, never from a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WarehouseTable {
    /// The server type as written (`postgres`, `postgresql`, `redshift`).
    pub server_type: String,
    /// The ODCS server's name.
    pub server: String,
    /// Host name (`None`: from the environment, PGHOST).
    pub host: Option<String>,
    /// Port (`None`: from the environment, PGPORT, or 5432; Redshift 5439).
    pub port: Option<u16>,
    /// Database (`None`: from the environment, PGDATABASE).
    pub database: Option<String>,
    /// Schema (`None`: `public`).
    pub schema: Option<String>,
    /// Table name (the object's `physicalName`, else its name).
    pub table: String,
    /// AWS region (Redshift; informative).
    pub region: Option<String>,
}

impl WarehouseTable {
    /// True for Redshift servers (the Redshift SQL dialect).
    pub fn is_redshift(&self) -> bool {
        self.server_type.eq_ignore_ascii_case("redshift")
    }
}

/// A compiled contract.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContractPlan {
    /// Contract id.
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// Version.
    pub version: String,
    /// Domain.
    pub domain: Option<String>,
    /// The owning team.
    pub owner: Option<String>,
    /// The purpose of the data product.
    pub description: Option<String>,
    /// SLAs of the product (for the reports).
    pub slas: Vec<crate::result::SlaSummary>,
    /// The contract file.
    pub file: String,
    /// The server used.
    pub server: Option<String>,
    /// Datasets, in contract order.
    pub datasets: Vec<DatasetPlan>,
    /// Every check, in contract order.
    pub checks: Vec<CheckSpec>,
}
