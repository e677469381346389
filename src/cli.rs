//! Command-line interface (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// lakegate: checks data contracts (ODCS v3) against lake data and gates CI.
#[derive(Debug, Parser)]
#[command(name = "lakegate", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// More logs on stderr (-v info, -vv lakegate's debug, -vvv trace of everything); `LAKEGATE_LOG` sets a filter.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// Quiet: only errors on stderr; `check` and `report` print only the failed and errored
    /// checks and the summary line, `lint` only errors and its summary line.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Worker threads (default and 0: all cores; more than the machine's cores are capped).
    #[arg(long, global = true, value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bars (they are also hidden when stderr is not a terminal, and with -q).
    #[arg(long, global = true)]
    pub no_progress: bool,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate contracts: unknown keys, wrong types, broken rules (exit 2 on any error).
    Lint(LintArgs),
    /// Check contracts against their data; the exit code gates CI.
    Check(Box<CheckArgs>),
    /// Re-render reports from a saved JSON result, without touching the data.
    Report(ReportArgs),
    /// Trends of past runs from the history folder.
    History(HistoryArgs),
    /// Write the data-product catalog: a static site of every product from its contract.
    Catalog(CatalogArgs),
    /// Print the JSON Schema of the contract format lakegate accepts (or of the JSON report).
    Schema(SchemaArgs),
    /// Classify the changes between two versions of contracts (breaking, non-breaking,
    /// informational) and check the version bump; the exit code gates the pull request.
    Diff(crate::diff_cmd::DiffArgs),
    /// Profile a dataset and write a first contract from it (ODCS v3, lints clean).
    Init(crate::init_cmd::InitArgs),
}

/// Output formats of `lint`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    /// Compiler-style diagnostics with source snippets.
    Text,
    /// One JSON document with every diagnostic.
    Json,
}

/// `lakegate lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Contract files or folders (searched recursively for *.yaml / *.yml).
    #[arg(default_value = "contracts")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = LintFormat::Text)]
    pub format: LintFormat,
}

/// `lakegate schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The schema of the JSON report instead of the contract's.
    #[arg(long)]
    pub report: bool,
}

/// What `check` and `report` print on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A table per dataset, failures first, and a summary line.
    Text,
    /// The JSON report.
    Json,
    /// GitHub Actions annotations (`::error file=...,line=...::`).
    Github,
}

/// Report files to write (shared by `check` and `report`). An existing file is replaced only
/// when it is a previous lakegate report of the same kind (or empty): anything else is refused.
#[derive(Debug, Args, Clone)]
pub struct ReportFiles {
    /// Write the full result as JSON to PATH. Like every report flag, an existing file is
    /// replaced only when it is a lakegate report of the same kind (or empty).
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write the self-contained HTML report: `--html` alone writes reports/lakegate-report.html,
    /// another path is given as `--html=PATH` (the flag never takes the next argument).
    #[arg(
        long,
        value_name = "PATH",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "reports/lakegate-report.html"
    )]
    pub html: Option<PathBuf>,
    /// Write JUnit XML to PATH.
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Write a Markdown summary to PATH (e.g. "$GITHUB_STEP_SUMMARY").
    #[arg(long, value_name = "PATH")]
    pub markdown: Option<PathBuf>,
    /// Write OpenMetrics text to PATH (Prometheus textfile collector, Datadog OpenMetrics check).
    #[arg(long, value_name = "PATH")]
    pub metrics: Option<PathBuf>,
}

/// `lakegate report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A JSON result written by `lakegate check --json`.
    pub run: PathBuf,
    /// What to print on stdout (default: the text summary).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Report files to write.
    #[command(flatten)]
    pub files: ReportFiles,
}

/// What a dataset does with a file it cannot open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnBadFile {
    /// The dataset is errored, naming the file (its checks exit 3).
    Error,
    /// The file is left out with a warning and named in the report; the other files are checked.
    Skip,
}

/// When the run fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Exit 1 when an error-severity check fails.
    Error,
    /// Exit 1 when any check fails, warnings included.
    Warning,
    /// Never exit 1 (errored checks still exit 3).
    Never,
}

/// `lakegate check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Contract files or folders.
    #[arg(default_value = "contracts")]
    pub paths: Vec<PathBuf>,
    /// The server to read (default: the first `local` server of each contract, else the first).
    #[arg(long)]
    pub server: Option<String>,
    /// Read OBJECT's data from PATH instead of the server (repeatable), e.g. `--data ads=sample/ads.parquet`.
    #[arg(long = "data", value_name = "OBJECT=PATH")]
    pub data: Vec<String>,
    /// The run's clock, RFC 3339 (default: now). Freshness and retention are measured against it.
    #[arg(long)]
    pub now: Option<String>,
    /// Which failures make the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// What to print on stdout (default: text; GitHub annotations are added when GITHUB_ACTIONS=true).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Report files to write.
    #[command(flatten)]
    pub files: ReportFiles,
    /// Print, per dataset, the metrics and the polars plan, without running the checks.
    #[arg(long)]
    pub explain: bool,
    /// Datasets (Parquet, CSV, NDJSON) with more rows are read in slices of N rows with
    /// mergeable metric states, so memory holds two slices (0: read whole).
    #[arg(long, value_name = "N", default_value_t = lakegate_engine::DEFAULT_SLICE_ROWS)]
    pub slice_rows: u64,
    /// Compute every metric from the data, never from Parquet footer statistics (by default
    /// row counts, null counts and min/max of integer, date and timestamp columns come from
    /// the footers when they are exact; the report marks them).
    #[arg(long)]
    pub no_statistics: bool,
    /// Also allow data paths written in contracts inside DIR (repeatable). By default they must
    /// stay inside the project: the folder of the nearest `.lakegate.yaml` and its `roots`,
    /// else the current directory and the contract's folder. `--data` paths are never checked.
    #[arg(long, value_name = "DIR")]
    pub root: Vec<PathBuf>,
    /// Run only the matching checks (repeatable; see the README): a check id pattern such as
    /// `orders`, `orders/ads/*`, or `contract:`, `object:`, `column:`, `check:`, `tag:`,
    /// `dimension:`, `kind:`, `severity:` with a glob; `a,b` must match both.
    #[arg(long, value_name = "SELECTOR")]
    pub select: Vec<String>,
    /// Do not run the matching checks (repeatable; same selectors as --select).
    #[arg(long, value_name = "SELECTOR")]
    pub exclude: Vec<String>,
    /// Only the schema checks (columns present, their types, columns beyond the contract):
    /// reads schemas and Parquet footers, never the rows.
    #[arg(long)]
    pub schema_only: bool,
    /// The engine that reads files: `polars` (embedded, the default) or a Spark Connect URL
    /// (`sc://host:15002`). Tables of `postgres`, `postgresql` and `redshift` servers are
    /// always read by the SQL engine on their server.
    #[arg(long, env = "LAKEGATE_ENGINE", value_name = "ENGINE")]
    pub engine: Option<String>,
    /// The longest a SQL engine's query may run before the server cancels it (`30s`, `10m`);
    /// the checks of its dataset are then errored.
    #[arg(long, default_value = "10m", value_name = "DURATION")]
    pub query_timeout: String,
    /// Check only the rows matching this polars SQL predicate, in every dataset
    /// (e.g. `--where "dt = '2026-11-25'"` on a pull request that adds one partition).
    #[arg(long = "where", value_name = "PREDICATE")]
    pub filter: Option<String>,
    /// Failing rows to show per failed row-level check (0 disables the sample pass).
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub samples: usize,
    /// Write every failing row of each failed row-level check to DIR/<check>.parquet (a new or
    /// empty folder, or one lakegate wrote before: it then holds the last run's exports only).
    #[arg(long, value_name = "DIR")]
    pub samples_out: Option<PathBuf>,
    /// A file of a dataset that cannot be opened (corrupt, another format, unreadable):
    /// `error` errors the dataset, `skip` leaves the file out with a warning, named in the report.
    #[arg(long, value_enum, default_value_t = OnBadFile::Error)]
    pub on_bad_file: OnBadFile,
    /// Append this run to the history folder and read change rules' baselines from it:
    /// `--history` alone uses reports/history, another folder is given as `--history=DIR`
    /// (the flag never takes the next argument).
    #[arg(long, value_name = "DIR", num_args = 0..=1, require_equals = true, default_missing_value = "reports/history")]
    pub history: Option<PathBuf>,
    /// Delete history older than this (e.g. 400d) after appending the run.
    #[arg(long, value_name = "DURATION", requires = "history")]
    pub history_retention: Option<String>,
}

/// `lakegate history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The history folder.
    #[arg(long, value_name = "DIR", default_value = "reports/history")]
    pub history: PathBuf,
    /// Only this contract id.
    #[arg(long)]
    pub contract: Option<String>,
    /// Only checks whose id contains this text.
    #[arg(long)]
    pub check: Option<String>,
    /// Only runs since this RFC 3339 time or duration ago (e.g. 30d).
    #[arg(long)]
    pub since: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = LintFormat::Text)]
    pub format: LintFormat,
}

/// `lakegate catalog`.
#[derive(Debug, Args)]
pub struct CatalogArgs {
    /// Contract files or folders.
    #[arg(default_value = "contracts")]
    pub paths: Vec<PathBuf>,
    /// The history folder the health of each product comes from.
    #[arg(long, value_name = "DIR")]
    pub history: Option<PathBuf>,
    /// The folder to write the site to (new, empty, or a catalog lakegate wrote before).
    #[arg(long, value_name = "DIR", default_value = "reports/catalog")]
    pub out: PathBuf,
    /// The latest report to link from each product page (a path relative to the site, or a URL).
    #[arg(long, value_name = "PATH_OR_URL")]
    pub report: Option<String>,
}
