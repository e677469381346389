//! `lakegate init DATA`: profile a dataset with the engine `check` uses and write a first ODCS
//! v3 contract from it: types, `required`, `unique`/`primaryKey`, `enum`, observed ranges (as
//! comments), a volume rule, a freshness SLA, a server block, and pii candidates.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::{Args, ValueEnum};
use lakegate_core::{ColumnType, DatasetPlan};
use lakegate_engine::profile::{ColumnProfile, LOW_CARDINALITY, Profile, Value};

/// The data's format, when its name does not tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DataFormat {
    /// Apache Parquet.
    Parquet,
    /// CSV (or TSV).
    Csv,
    /// Newline-delimited JSON.
    Json,
}

impl DataFormat {
    fn as_str(self) -> &'static str {
        match self {
            DataFormat::Parquet => "parquet",
            DataFormat::Csv => "csv",
            DataFormat::Json => "json",
        }
    }
}

/// What `init` prints on stdout: the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileFormat {
    /// A table: one line per column.
    Text,
    /// One JSON document.
    Json,
}

/// `lakegate init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The dataset: a file, a folder (hive partitions too), a glob, or an object-storage URL.
    pub data: String,
    /// Where to write the contract (default: contracts/NAME.odcs.yaml; `-`: stdout, the profile
    /// then goes to stderr).
    #[arg(short, long, value_name = "PATH")]
    pub out: Option<PathBuf>,
    /// The schema object's name (default: the file or folder name).
    #[arg(long)]
    pub name: Option<String>,
    /// The contract's id (default: the object's name).
    #[arg(long)]
    pub id: Option<String>,
    /// The data's format (default: from the file extensions).
    #[arg(long, value_enum)]
    pub data_format: Option<DataFormat>,
    /// How the profile is printed.
    #[arg(long, value_enum, default_value_t = ProfileFormat::Text)]
    pub format: ProfileFormat,
    /// Replace an existing contract file.
    #[arg(long)]
    pub force: bool,
    /// The clock the freshness SLA is measured against, RFC 3339 (default: now).
    #[arg(long)]
    pub now: Option<String>,
    /// For an `s3://` dataset on an S3-compatible store (MinIO, Ceph...): its endpoint URL,
    /// written as the server's `endpointUrl` (default: AWS_ENDPOINT_URL; credentials come from
    /// the environment, never from the contract).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

const OBJECT_SCHEMES: [(&str, &str); 9] = [
    ("s3", "s3"),
    ("s3a", "s3"),
    ("gs", "gcs"),
    ("gcs", "gcs"),
    ("az", "azure"),
    ("azure", "azure"),
    ("abfs", "azure"),
    ("abfss", "azure"),
    ("adl", "azure"),
];

/// The server type of an object-storage URL, or `None` for a local path.
fn object_server(data: &str) -> Option<&'static str> {
    let (scheme, _) = data.split_once("://")?;
    OBJECT_SCHEMES.iter().find(|(s, _)| s.eq_ignore_ascii_case(scheme)).map(|(_, t)| *t)
}

/// The format from a name: `t.parquet`, `t.csv.gz`, `t.ndjson.zst`.
fn format_of(name: &str) -> Option<DataFormat> {
    let lower = name.to_ascii_lowercase();
    let stem =
        ["gz", "gzip", "zst", "zstd"].iter().fold(lower.as_str(), |s, c| s.strip_suffix(&format!(".{c}")).unwrap_or(s));
    let ext = stem.rsplit_once('.').map(|(_, e)| e)?;
    match ext {
        "parquet" | "pq" => Some(DataFormat::Parquet),
        "csv" | "tsv" => Some(DataFormat::Csv),
        "json" | "ndjson" | "jsonl" => Some(DataFormat::Json),
        _ => None,
    }
}

/// The format of the first data file below a folder (sorted walk).
fn format_in(dir: &Path) -> Option<DataFormat> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).ok()?.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in &entries {
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with(['.', '_']) {
            continue;
        }
        if p.is_file()
            && let Some(f) = format_of(name)
        {
            return Some(f);
        }
    }
    entries.iter().filter(|p| p.is_dir()).find_map(|p| format_in(p))
}

/// The first data file of a local path (a file, or the first below a folder).
fn first_file(path: &Path) -> Option<PathBuf> {
    if path.is_file() {
        return Some(path.to_path_buf());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path).ok()?.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    entries
        .iter()
        .filter(|p| !p.file_name().and_then(|n| n.to_str()).unwrap_or(".").starts_with(['.', '_']))
        .find_map(|p| if p.is_file() { format_of(&p.to_string_lossy()).map(|_| p.clone()) } else { first_file(p) })
}

/// The delimiter of a CSV file, from its first line: `;`, tab or `|` when one of them is more
/// frequent there than `,` (uncompressed local files only; otherwise the default).
fn sniff_delimiter(data: &str) -> Option<&'static str> {
    let f = first_file(Path::new(data))?;
    let name = f.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".tsv") || [".gz", ".gzip", ".zst", ".zstd"].iter().any(|e| name.ends_with(e)) {
        return None;
    }
    let mut head = vec![0u8; 64 * 1024];
    let n = {
        use std::io::Read;
        std::fs::File::open(&f).ok()?.read(&mut head).ok()?
    };
    let text = String::from_utf8_lossy(&head[..n]);
    let line = text.lines().next()?;
    let count = |c: char| line.matches(c).count();
    let commas = count(',');
    [(";", ';'), ("\t", '\t'), ("|", '|')].into_iter().find(|(_, c)| count(*c) > commas).map(|(s, _)| s)
}

/// The name of the dataset: the file's stem, or the folder's name (the part before any glob).
fn default_name(data: &str) -> String {
    let path = data.split_once("://").map_or(data, |(_, rest)| rest);
    let before_glob: Vec<&str> = path
        .split('/')
        .filter(|s| !s.is_empty() && *s != "." && *s != "..")
        .take_while(|s| !s.contains(['*', '?', '[']))
        .collect();
    let last = before_glob.iter().rev().find(|s| !s.contains('=')).copied().unwrap_or("dataset");
    let stem = last.split('.').next().unwrap_or(last);
    let name: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c.to_ascii_lowercase() } else { '_' })
        .collect();
    let name = name.trim_matches('_').to_owned();
    if name.is_empty() { "dataset".into() } else { name }
}

/// `path` without `.` and with `..` applied (no file system access: globs stay globs).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// `target` relative to the folder `base` (both absolute).
fn relative(target: &Path, base: &Path) -> PathBuf {
    let t: Vec<Component> = target.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c);
    }
    if out.as_os_str().is_empty() { PathBuf::from(".") } else { out }
}

/// A YAML scalar, quoted when needed.
fn scalar(s: &str) -> String {
    serde_yaml::to_string(s).map(|t| t.trim_end().to_owned()).unwrap_or_else(|_| format!("{s:?}"))
}

fn value_yaml(v: &Value) -> String {
    match v {
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format!("{f}"),
        Value::Bool(b) => b.to_string(),
        Value::Text(t) => scalar(t),
    }
}

fn value_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Int(i) => (*i).into(),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Bool(b) => (*b).into(),
        Value::Text(t) => t.clone().into(),
    }
}

/// `10,000,000`.
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The skeleton contract init reads the data through: the server and, for text formats, the
/// columns with the type to parse them as.
fn skeleton(server: &str, name: &str, columns: &[(String, &str)]) -> String {
    let mut s =
        format!("apiVersion: v3.2.0\nkind: DataContract\nid: {}\nversion: 0.1.0\nstatus: draft\n", scalar(name));
    s.push_str(server);
    let _ = writeln!(s, "schema:\n  - name: {}", scalar(name));
    if !columns.is_empty() {
        s.push_str("    properties:\n");
        for (c, t) in columns {
            let _ = writeln!(s, "      - name: {}\n        logicalType: {t}", scalar(c));
        }
    }
    s
}

/// Compiles `text` (a contract written at `file`) and returns its one dataset.
fn dataset(file: &str, text: &str) -> anyhow::Result<DatasetPlan> {
    let r = lakegate_contract::load_str(file, text, &|_| None);
    let errors = r.has_errors();
    let Some(c) = r.contract.filter(|_| !errors) else {
        let first = r.diagnostics.first().map(|d| d.message.clone()).unwrap_or_default();
        bail!("internal error: the reading contract does not load: {first}");
    };
    let plan = lakegate_checks::compile(&c, std::slice::from_ref(&c), &lakegate_checks::CompileOptions::default())
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let d = plan.datasets.into_iter().next().context("internal error: no dataset")?;
    if let Err(e) = &d.source {
        bail!("{e}");
    }
    Ok(d)
}

/// Types CSV text columns: each is read as the first of integer, number, boolean, date,
/// timestamp that all its values parse as (the engine's own lenient parsing, as `check` will
/// read them), else kept as string.
fn text_types(
    file: &str,
    server: &str,
    name: &str,
    columns: &[String],
    candidates: &[&'static str],
) -> anyhow::Result<Vec<(String, &'static str)>> {
    // The candidates each column's first rows allow (a failure there is a failure of the whole:
    // one cheap read per candidate), then the whole data read once per round, each column
    // declared as its first candidate left: a full read per column type otherwise (10M-row CSV:
    // five full reads).
    let mut left: Vec<(&String, Vec<&'static str>)> = columns.iter().map(|c| (c, Vec::new())).collect();
    for &candidate in candidates {
        let decl: Vec<(String, &str)> = columns.iter().map(|c| (c.clone(), candidate)).collect();
        let d = dataset(file, &skeleton(server, name, &decl))?;
        let failures = lakegate_engine::profile::parse_failures(&d, Some(TYPE_SAMPLE)).map_err(anyhow::Error::msg)?;
        for (c, allowed) in &mut left {
            if failures.get(*c).is_some_and(|(bad, _)| *bad == 0) {
                allowed.push(candidate);
            }
        }
    }
    let mut typed: Vec<(String, &'static str)> = Vec::new();
    loop {
        let round: Vec<(String, &'static str)> =
            left.iter().filter_map(|(c, allowed)| allowed.first().map(|t| ((*c).clone(), *t))).collect();
        if round.is_empty() {
            break;
        }
        let d = dataset(file, &skeleton(server, name, &round))?;
        let failures = lakegate_engine::profile::parse_failures(&d, None).map_err(anyhow::Error::msg)?;
        for ((c, allowed), (_, candidate)) in left.iter_mut().filter(|(_, a)| !a.is_empty()).zip(&round) {
            if failures.get(*c) == Some(&(0, true)) {
                typed.push(((*c).clone(), candidate));
                allowed.clear();
            } else {
                allowed.remove(0);
            }
        }
    }
    Ok(columns.iter().map(|c| (c.clone(), typed.iter().find(|(n, _)| n == c).map_or("string", |(_, t)| *t))).collect())
}

/// Rows read to rule out candidate types before the whole data is read.
const TYPE_SAMPLE: u32 = 100_000;

/// ODCS logical type and physical type names of a column type.
fn types(t: &ColumnType) -> (Option<&'static str>, Option<String>) {
    let physical = lakegate_contract::physical::matching_names(t).into_iter().next();
    let logical = match t {
        ColumnType::String => Some("string"),
        ColumnType::Int(_) | ColumnType::UInt(_) => Some("integer"),
        ColumnType::Float(_) | ColumnType::Decimal(..) => Some("number"),
        ColumnType::Boolean => Some("boolean"),
        ColumnType::Date => Some("date"),
        ColumnType::Timestamp { .. } => Some("timestamp"),
        ColumnType::Time => Some("time"),
        ColumnType::List(_) => Some("array"),
        ColumnType::Struct(_) => Some("object"),
        ColumnType::Duration | ColumnType::Binary | ColumnType::Null | ColumnType::Other(_) => None,
    };
    // A struct's or list's fields are written as nested properties, not in one long name.
    let physical = match t {
        ColumnType::Struct(_) | ColumnType::List(_) => None,
        _ => physical,
    };
    (logical, physical)
}

/// Writes a nested type (struct fields, list items) as properties; `indent` is the column of
/// the property's keys.
fn nested(out: &mut String, t: &ColumnType, indent: usize) {
    let pad = " ".repeat(indent);
    match t {
        ColumnType::Struct(fields) => {
            let _ = writeln!(out, "{pad}properties:");
            for (n, ft) in fields {
                let _ = writeln!(out, "{pad}  - name: {}", scalar(n));
                element(out, ft, indent + 4);
            }
        }
        ColumnType::List(inner) => {
            let _ = writeln!(out, "{pad}items:");
            element(out, inner, indent + 2);
        }
        _ => {}
    }
}

/// A nested element's types (and its own nested types).
fn element(out: &mut String, t: &ColumnType, indent: usize) {
    let pad = " ".repeat(indent);
    let (logical, physical) = types(t);
    if let Some(l) = logical {
        let _ = writeln!(out, "{pad}logicalType: {l}");
    }
    if let Some(p) = &physical {
        let _ = writeln!(out, "{pad}physicalType: {}", scalar(p));
    }
    if logical.is_none() && physical.is_none() {
        let _ = writeln!(out, "{pad}description: no value at init tells this element's type");
    }
    nested(out, t, indent);
}

/// Whether a column's values are hidden (a pii candidate).
fn hidden(c: &ColumnProfile) -> bool {
    c.looks_like.is_some()
}

fn key_like(c: &ColumnProfile, first: bool) -> bool {
    let n = c.name.to_ascii_lowercase();
    matches!(c.checked_type, ColumnType::Int(_) | ColumnType::UInt(_) | ColumnType::String)
        && (first
            || n == "id"
            || ["_id", "_key", "_uuid", "_code", "_number", "_no"].iter().any(|s| n.ends_with(s))
            || n == "uuid"
            || n == "key")
}

/// The freshness SLA: the newest timestamp column's latest value and how old it is.
fn freshness(p: &Profile, now: DateTime<Utc>) -> Option<(String, String, f64)> {
    let mut best: Option<(String, String)> = None;
    for c in &p.columns {
        if !matches!(c.checked_type, ColumnType::Timestamp { .. }) || c.partition {
            continue;
        }
        if let Some(Value::Text(max)) = &c.max
            && best.as_ref().is_none_or(|(_, b)| max > b)
        {
            best = Some((c.name.clone(), max.clone()));
        }
    }
    let (column, max) = best?;
    let t = DateTime::parse_from_rfc3339(&max).ok()?.with_timezone(&Utc);
    let age = (now - t).num_seconds().max(0) as f64;
    Some((column, max, age))
}

/// The freshness to promise for data `age` seconds old: the smallest of 1 h, 6 h, 1 d, 2 d,
/// 7 d, 30 d at least twice the age, else twice the age in days.
fn freshness_value(age: f64) -> (u64, &'static str) {
    const H: f64 = 3600.0;
    const D: f64 = 86_400.0;
    for (v, unit, secs) in
        [(1, "h", H), (6, "h", 6.0 * H), (1, "d", D), (2, "d", 2.0 * D), (7, "d", 7.0 * D), (30, "d", 30.0 * D)]
    {
        if secs >= 2.0 * age {
            return (v, unit);
        }
    }
    ((2.0 * age / D).ceil() as u64, "d")
}

fn age_text(secs: f64) -> String {
    if secs < 3600.0 {
        format!("{} min", (secs / 60.0).round())
    } else if secs < 2.0 * 86_400.0 {
        format!("{:.1} h", secs / 3600.0)
    } else {
        format!("{:.0} d", secs / 86_400.0)
    }
}

/// The contract's text.
fn contract(args: &InitArgs, name: &str, id: &str, server: &str, p: &Profile, now: DateTime<Utc>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Written by `lakegate init` from {} rows in {} file(s) of `{}`, {}.\n# Review it before committing: \
         `required`, `unique` and `enum` say what the data held that day;\n# the observed ranges are suggestions \
         (commented out: uncomment what you promise).",
        thousands(p.rows),
        p.files,
        args.data.replace('\n', " "),
        now.format("%Y-%m-%d")
    );
    let _ = writeln!(
        s,
        "apiVersion: v3.2.0\nkind: DataContract\nid: {}\nname: {}\nversion: 0.1.0\nstatus: draft",
        scalar(id),
        scalar(name)
    );
    s.push_str(server);
    let _ = writeln!(s, "schema:\n  - name: {}", scalar(name));
    if p.rows == 0 && !p.columns.is_empty() {
        let _ = writeln!(
            s,
            "    # The data held no row at init: the columns are typed as read (text for CSV), with no range, enum\n    \
             # or volume rule suggested."
        );
    }
    if p.columns.is_empty() {
        // A 0-byte CSV has not even a header: nothing to describe, and `properties:` with no
        // item would not lint.
        let _ =
            writeln!(s, "    # No column: the data had none at init (an empty file). Add the properties you promise.");
    } else {
        let _ = writeln!(s, "    properties:");
    }
    let mut pk_done = false;
    let partitions: Vec<&ColumnProfile> = p.columns.iter().filter(|c| c.partition).collect();
    for (i, c) in p.columns.iter().enumerate() {
        let _ = writeln!(s, "      - name: {}", scalar(&c.name));
        let (logical, physical) = types(&c.checked_type);
        if let Some(l) = logical {
            let _ = writeln!(s, "        logicalType: {l}");
        }
        if let Some(ph) = &physical {
            let _ = writeln!(s, "        physicalType: {}", scalar(ph));
        }
        if logical.is_none() && physical.is_none() {
            // A column of the null type (all None from pandas, Spark NullType): no type asserted.
            let _ = writeln!(s, "        # no logicalType: every value was null at init, none told the type");
        }
        let non_null = p.rows.saturating_sub(c.nulls);
        let required = p.rows > 0 && c.nulls == 0;
        if required {
            let _ = writeln!(s, "        required: true");
        }
        // Every value distinct: a promise for identifiers; for other columns (names, times)
        // more likely chance, left to the author.
        let unique = c.distinct_exact && c.distinct.is_some_and(|d| d == non_null && d > 1);
        if unique && (key_like(c, false) || c.looks_like.as_deref() == Some("e-mail")) {
            if required && !pk_done && key_like(c, i == 0) {
                pk_done = true;
                let _ = writeln!(s, "        unique: true\n        primaryKey: true\n        primaryKeyPosition: 1");
            } else {
                let _ = writeln!(s, "        unique: true");
            }
        } else if unique && !matches!(c.checked_type, ColumnType::Float(_) | ColumnType::Boolean) {
            let _ = writeln!(s, "        # unique: true   # every value was distinct at init");
        }
        if c.partition {
            let pos = partitions.iter().position(|x| x.name == c.name).unwrap_or(0) + 1;
            let _ = writeln!(s, "        partitioned: true\n        partitionKeyPosition: {pos}");
        }
        if let Some(kind) = &c.looks_like {
            let what = match kind.as_str() {
                "e-mail" => "e-mail addresses",
                "phone" => "phone numbers",
                _ => "IP addresses",
            };
            let _ = writeln!(
                s,
                "        classification: pii   # candidate: the values look like {what}; reports hide them"
            );
        }
        let is_enum = matches!(c.checked_type, ColumnType::String)
            && !hidden(c)
            && !c.top_values.is_empty()
            && c.distinct.is_some_and(|d| d <= LOW_CARDINALITY && d * 10 <= non_null && d > 1);
        if is_enum {
            let mut values: Vec<&Value> = c.top_values.iter().map(|(v, _)| v).collect();
            values.sort_by_key(|v| v.to_string());
            let _ = writeln!(s, "        enum:   # every value seen at init");
            for v in values {
                let _ = writeln!(s, "          - value: {}", value_yaml(v));
            }
        }
        // Observed ranges, as a suggestion.
        if !hidden(c) && !is_enum {
            let range = match (&c.checked_type, &c.min, &c.max, c.min_length, c.max_length) {
                (ColumnType::String, _, _, Some(a), Some(b)) => Some(format!("{{minLength: {a}, maxLength: {b}}}")),
                (
                    ColumnType::Int(_)
                    | ColumnType::UInt(_)
                    | ColumnType::Float(_)
                    | ColumnType::Decimal(..)
                    | ColumnType::Date
                    | ColumnType::Timestamp { .. },
                    Some(a),
                    Some(b),
                    _,
                    _,
                ) if !c.partition => Some(format!("{{minimum: {}, maximum: {}}}", value_yaml(a), value_yaml(b))),
                _ => None,
            };
            if let Some(r) = range {
                let _ = writeln!(s, "        # logicalTypeOptions: {r}   # observed at init");
            }
        }
        if let Some(n) = c.nan.filter(|n| *n > 0) {
            let _ = writeln!(s, "        # {} NaN values at init", thousands(n));
        }
        nested(&mut s, &c.checked_type, 8);
    }
    // Volume: never empty; a warning when it shrinks below half of today. Data empty at init
    // gets none (the rule would fail the first check of the same data).
    if p.rows == 0 {
        return s;
    }
    let _ = writeln!(s, "    quality:");
    let _ = writeln!(
        s,
        "      - id: not_empty\n        name: Not empty\n        metric: rowCount\n        mustBeGreaterThan: 0"
    );
    if p.rows >= 100 {
        let _ = writeln!(
            s,
            "      - id: row_count\n        name: Row count\n        description: at least half of the {} rows seen at init\n        \
             metric: rowCount\n        mustBeGreaterOrEqualTo: {}\n        severity: \
             warning",
            thousands(p.rows),
            p.rows / 2
        );
    }
    if let Some((column, max, age)) = freshness(p, now) {
        let (v, unit) = freshness_value(age);
        let _ = writeln!(
            s,
            "slaProperties:\n  - property: freshness   # the newest `{column}` was {} old at init ({max})\n    value: \
             {v}\n    unit: {unit}\n    element: {}",
            age_text(age),
            scalar(&format!("{name}.{column}"))
        );
    }
    s
}

fn print_profile(out: &mut dyn Write, name: &str, p: &Profile, format: ProfileFormat) -> anyhow::Result<()> {
    match format {
        ProfileFormat::Json => {
            let cols: Vec<serde_json::Value> = p
                .columns
                .iter()
                .map(|c| {
                    let hide = hidden(c);
                    let v = |x: &Option<Value>| if hide { serde_json::Value::Null } else { x.as_ref().map_or(serde_json::Value::Null, value_json) };
                    serde_json::json!({
                        "name": c.name,
                        "type": c.column_type,
                        "nulls": c.nulls,
                        "nan": c.nan,
                        "distinct": c.distinct,
                        "distinctExact": c.distinct_exact,
                        "min": v(&c.min),
                        "max": v(&c.max),
                        "minLength": c.min_length,
                        "maxLength": c.max_length,
                        "topValues": if hide { Vec::new() } else {
                            c.top_values.iter().map(|(v, n)| serde_json::json!({"value": value_json(v), "count": n})).collect()
                        },
                        "looksLike": c.looks_like,
                        "partition": c.partition,
                    })
                })
                .collect();
            let doc = serde_json::json!({"dataset": name, "rows": p.rows, "files": p.files, "columns": cols});
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)?;
        }
        ProfileFormat::Text => {
            writeln!(out, "{name}: {} rows in {} file(s)", thousands(p.rows), p.files)?;
            let clean = |s: String| -> String {
                s.chars().flat_map(|c| if c.is_control() { c.escape_default().collect() } else { vec![c] }).collect()
            };
            let mut rows =
                vec![["column", "type", "nulls", "distinct", "min", "max", "length", "top values"].map(String::from)];
            for c in &p.columns {
                let hide = hidden(c);
                let v = |x: &Option<Value>| {
                    if hide { "hidden".into() } else { x.as_ref().map_or("-".into(), |v| clean(v.to_string())) }
                };
                let nulls = match c.nan.filter(|n| *n > 0) {
                    Some(n) => format!("{} (+{} NaN)", thousands(c.nulls), thousands(n)),
                    None => thousands(c.nulls),
                };
                let top = if hide {
                    format!("looks like {}: candidate pii", c.looks_like.as_deref().unwrap_or(""))
                } else if c.top_values.iter().all(|(_, n)| *n == 1) {
                    String::new()
                } else {
                    let shown: Vec<String> = c
                        .top_values
                        .iter()
                        .take(5)
                        .map(|(v, n)| format!("{} ({})", clean(v.to_string()), thousands(*n)))
                        .collect();
                    let more = c.top_values.len().saturating_sub(5);
                    if more > 0 { format!("{}, +{more}", shown.join(", ")) } else { shown.join(", ") }
                };
                rows.push([
                    clean(c.name.clone()) + if c.partition { " (partition)" } else { "" },
                    c.column_type.clone(),
                    nulls,
                    match c.distinct {
                        None => "-".into(),
                        Some(d) if c.distinct_exact => thousands(d),
                        Some(d) => format!(">{}", thousands(d)),
                    },
                    v(&c.min),
                    v(&c.max),
                    match (c.min_length, c.max_length) {
                        (Some(a), Some(b)) => format!("{a}..{b}"),
                        _ => "-".into(),
                    },
                    top,
                ]);
            }
            let widths: Vec<usize> =
                (0..8).map(|i| rows.iter().map(|r| r[i].chars().count().min(40)).max().unwrap_or(0)).collect();
            for r in rows {
                let mut line = String::from(" ");
                for (i, cell) in r.iter().enumerate() {
                    let cell: String = if i < 7 { cell.chars().take(40).collect() } else { cell.clone() };
                    let _ = write!(line, " {cell:<w$}", w = if i < 7 { widths[i] } else { 0 });
                }
                writeln!(out, "{}", line.trim_end())?;
            }
        }
    }
    Ok(())
}

/// When local `data` is outside the data roots `check` will allow for the contract at `out`:
/// the folder to allow, the roots as shown, and how to allow it for good.
fn outside_roots(data: &str, url: bool, out: &Path) -> anyhow::Result<Option<(PathBuf, String, String)>> {
    if url {
        return Ok(None);
    }
    let cwd = std::env::current_dir().context("the current folder")?;
    let abs = normalize(&cwd.join(data));
    // The folder holding the data: the folder itself, a file's folder, a glob's fixed part.
    let fixed: PathBuf =
        abs.components().take_while(|c| !c.as_os_str().to_string_lossy().contains(['*', '?', '['])).collect();
    let dir = if fixed.is_dir() { fixed } else { fixed.parent().map_or_else(|| cwd.clone(), Path::to_path_buf) };
    let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (roots, help) = crate::project::Roots::new(&[])?.of(out)?;
    let dir = real(&dir);
    if roots.iter().any(|r| dir.starts_with(real(&cwd.join(r)))) {
        return Ok(None);
    }
    let shown = roots.iter().map(|r| format!("`{}`", real(&cwd.join(r)).display())).collect::<Vec<_>>().join(", ");
    Ok(Some((dir, shown, help)))
}

/// A path as one shell word: quoted when it holds anything but plain characters.
fn shell_word(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+=:@,".contains(c)) {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Runs `init`: exit 0 with the contract written, 2 on a usage or data error.
pub fn run(args: &InitArgs) -> anyhow::Result<u8> {
    let now: DateTime<Utc> = match &args.now {
        Some(s) => DateTime::parse_from_rfc3339(s)
            .with_context(|| format!("`--now {s}` is not an RFC 3339 timestamp (e.g. 2026-11-26T06:00:00Z)"))?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let data = args.data.trim_end_matches('/').to_owned();
    if data.is_empty() {
        bail!("`lakegate init` needs the dataset to read: a file, folder, glob or URL");
    }
    let url = object_server(&data);
    if url.is_none() && !data.contains(['*', '?', '[']) && !Path::new(&data).exists() {
        bail!("`{data}` does not exist");
    }
    let name = args.name.clone().unwrap_or_else(|| default_name(&data));
    let id = args.id.clone().unwrap_or_else(|| name.replace('_', "-"));
    // An S3 endpoint is written into the contract (`--endpoint-url`, else the environment's
    // AWS_ENDPOINT_URL), so that `check` of it reaches the same store; never one holding
    // user information.
    let endpoint = match url {
        Some("s3") => args
            .endpoint_url
            .clone()
            .or_else(|| std::env::var("AWS_ENDPOINT_URL").or_else(|_| std::env::var("AWS_ENDPOINT")).ok())
            .filter(|e| !e.is_empty() && lakegate_engine::source::object::redact_userinfo(e) == *e),
        _ => None,
    };
    let object_block = |kind: &str, format: DataFormat| {
        let mut server = format!(
            "servers:\n  - server: {kind}\n    type: {kind}\n    location: {}\n    format: {}\n",
            scalar(&data),
            format.as_str()
        );
        if let Some(e) = &endpoint {
            let _ = writeln!(server, "    endpointUrl: {}", scalar(e));
        }
        server
    };
    let named = args
        .data_format
        .or_else(|| format_of(&data))
        .or_else(|| if url.is_none() && Path::new(&data).is_dir() { format_in(Path::new(&data)) } else { None });
    let format = match (named, url) {
        (Some(f), _) => f,
        // A folder on object storage: the format whose extension the listed objects have.
        (None, Some(kind)) => {
            let mut found = None;
            for f in [DataFormat::Parquet, DataFormat::Csv, DataFormat::Json] {
                let d = dataset("init.odcs.yaml", &skeleton(&object_block(kind, f), "probe", &[]))?;
                let Ok(src) = &d.source else { continue };
                if lakegate_engine::source::resolve_files(src).is_ok_and(|(files, _)| !files.is_empty()) {
                    found = Some(f);
                    break;
                }
            }
            match found {
                Some(f) => f,
                None => bail!(
                    "cannot tell the format of `{data}`: no object below it ends in .parquet, .csv or .json (also \
                     .gz/.zst); give `--data-format parquet|csv|json`"
                ),
            }
        }
        (None, None) => {
            bail!("cannot tell the format of `{data}` from its name: give `--data-format parquet|csv|json`")
        }
    };
    let to_stdout = args.out.as_deref() == Some(Path::new("-"));
    let out = args
        .out
        .clone()
        .filter(|_| !to_stdout)
        .unwrap_or_else(|| PathBuf::from("contracts").join(format!("{name}.odcs.yaml")));
    if !to_stdout {
        crate::output::check_link(&out)?;
        if out.exists() && !args.force {
            bail!("`{}` exists: give another `--out`, or `--force` to replace it", out.display());
        }
    }
    // The server: a local path relative to the contract's folder, or the URL.
    let server = match url {
        Some(kind) => object_block(kind, format),
        None => {
            let delimiter = match format {
                DataFormat::Csv => sniff_delimiter(&data),
                _ => None,
            };
            let cwd = std::env::current_dir().context("the current folder")?;
            let abs_data = normalize(&cwd.join(&data));
            let contract_dir =
                if to_stdout { cwd.clone() } else { normalize(&cwd.join(out.parent().unwrap_or(Path::new("")))) };
            let rel = relative(&abs_data, &contract_dir);
            let mut server = format!(
                "servers:\n  - server: local\n    type: local\n    path: {}\n    format: {}\n",
                scalar(&rel.to_string_lossy()),
                format.as_str()
            );
            if let Some(d) = delimiter {
                let _ = writeln!(
                    server,
                    "    customProperties:\n      - property: delimiter\n        value: {}",
                    scalar(&d.replace("\\t", "\t"))
                );
            }
            server
        }
    };
    let file = if to_stdout { "init.odcs.yaml".to_owned() } else { out.display().to_string() };
    let mut d = dataset(&file, &skeleton(&server, &name, &[]))?;
    // CSV columns are text: each is typed as its values allow. JSON strings holding dates or
    // timestamps are typed too (JSON has no such type); its numbers and booleans already are.
    let candidates: &[&'static str] = match format {
        DataFormat::Csv => &["integer", "number", "boolean", "date", "timestamp"],
        DataFormat::Json => &["date", "timestamp"],
        DataFormat::Parquet => &[],
    };
    if !candidates.is_empty() {
        let schema = lakegate_engine::profile::columns(&d).map_err(anyhow::Error::msg)?;
        let text: Vec<String> =
            schema.iter().filter(|(_, t)| *t == ColumnType::String).map(|(n, _)| n.clone()).collect();
        let typed = text_types(&file, &server, &name, &text, candidates)?;
        if typed.iter().any(|(_, t)| *t != "string") {
            d = dataset(&file, &skeleton(&server, &name, &typed))?;
        }
    }
    let started = std::time::Instant::now();
    let profile = lakegate_engine::profile::profile(&d).map_err(anyhow::Error::msg)?;
    tracing::info!(secs = started.elapsed().as_secs_f64(), "profiled");
    let text = contract(args, &name, &id, &server, &profile, now);
    // The contract must lint clean: a generated error is a bug, never the user's to fix.
    let check = lakegate_contract::load_str(&file, &text, &|_| None);
    if let Some(e) = check.diagnostics.iter().find(|d| d.severity == lakegate_contract::Severity::Error) {
        bail!("internal error: the generated contract does not lint ({}:{}: {})", e.line, e.column, e.message);
    }
    let mut stdout = crate::stdout::stdout();
    if to_stdout {
        write!(stdout, "{text}")?;
        print_profile(&mut std::io::stderr(), &name, &profile, args.format)?;
    } else {
        if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
        }
        crate::output::write_atomic(&out, text.as_bytes())?;
        print_profile(&mut stdout, &name, &profile, args.format)?;
        match outside_roots(&data, url.is_some(), &out)? {
            None => writeln!(std::io::stderr(), "wrote `{}`: run `lakegate check {}`", out.display(), out.display())?,
            Some((dir, roots, help)) => writeln!(
                std::io::stderr(),
                "wrote `{}`: run `lakegate check --root {} {}`\nnote: the data is outside the folders `check` reads \
                 contract paths from ({roots}){help}",
                out.display(),
                shell_word(&dir.to_string_lossy()),
                out.display()
            )?,
        }
    }
    Ok(crate::EXIT_OK)
}
