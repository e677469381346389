//! Contract -> checks and metrics.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

use lakegate_contract::lakegate::LakegateRule;
use lakegate_contract::model::{BoundKind, LogicalType, Property, QualityRule, QualityType, SchemaObject, Server};
use lakegate_contract::units::{parse_date_bound, parse_timestamp_bound, parse_unit};
use lakegate_contract::{LoadedContract, sql};
use lakegate_core::metric::{Bound, Cmp};
use lakegate_core::plan::DeclaredColumn;
use lakegate_core::{
    Agg, CheckInfo, CheckPlan, CheckSpec, ContractPlan, CsvOptions, DatasetPlan, F64, Format, Literal, Location,
    Measure, Metric, Operator, SchemaAssertion, Severity, Source, Validity, WarehouseTable,
};
use serde_json::Value as Json;

/// Options of a run that change what is compiled.
#[derive(Debug, Clone, Default)]
pub struct CompileOptions {
    /// `--server NAME`: the server to read (default: the first `local` one, else the first).
    pub server: Option<String>,
    /// `--data OBJECT=PATH`: location overrides by schema object name.
    pub data: BTreeMap<String, PathBuf>,
    /// Data paths written in contracts (server paths) must resolve inside one of these
    /// folders (symlinks followed); `--data` paths are the user's own and never checked.
    /// Empty: no restriction (library use; the command line always sets them).
    pub roots: Vec<PathBuf>,
    /// Appended to the error of a refused path: how to allow it (e.g. the project file).
    pub root_help: String,
    /// `--where`: a polars SQL predicate applied to every dataset of the run.
    pub filter: Option<String>,
    /// `--on-bad-file skip`: files that cannot be opened are left out instead of erroring.
    pub skip_bad_files: bool,
}

/// A configuration error: the run stops before reading data (exit 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// `file:line:col: message`.
    pub message: String,
}

struct Compiler<'a> {
    c: &'a LoadedContract,
    /// Every contract of the run (for comparisons with another contract's objects).
    all: &'a [LoadedContract],
    checks: Vec<CheckSpec>,
    ids: BTreeSet<String>,
    /// Objects of other contracts that comparisons read: dataset name -> (contract, object index).
    externals: BTreeMap<String, (&'a LoadedContract, usize)>,
    /// The server the run reads (its fields replace `${project}`, `${dataset}`, ... in sql rules).
    server: Option<&'a Server>,
}

/// Classifications whose values never appear in samples.
pub const REDACTED_CLASSES: [&str; 5] = ["pii", "restricted", "confidential", "sensitive", "secret"];

fn dataset_plan(
    c: &LoadedContract,
    name: String,
    obj: &SchemaObject,
    source: Result<Source, String>,
    opts: &CompileOptions,
) -> DatasetPlan {
    let props = obj.properties.as_deref().unwrap_or(&[]);
    let declared = props.iter().map(declared_column).collect();
    let redacted = classified_paths(props, None);
    let mut key: Vec<(i64, String)> = props
        .iter()
        .filter(|p| p.primary_key == Some(true))
        .map(|p| (p.primary_key_position.filter(|x| *x >= 1).unwrap_or(i64::MAX), column_name(p)))
        .collect();
    key.sort();
    let _ = c;
    DatasetPlan {
        name,
        source,
        metrics: BTreeSet::new(),
        declared,
        filter: opts.filter.clone(),
        redacted,
        key: key.into_iter().map(|(_, k)| k).collect(),
        table: None,
    }
}

/// Compiles one loaded contract; `all` holds every contract of the run.
pub fn compile(c: &LoadedContract, all: &[LoadedContract], opts: &CompileOptions) -> Result<ContractPlan, ConfigError> {
    let contract = &c.contract;
    let server = select_server(c, opts)?;
    let mut comp = Compiler {
        c,
        all,
        checks: Vec::new(),
        ids: BTreeSet::new(),
        externals: BTreeMap::new(),
        server: server.map(|(s, _)| s),
    };
    let mut datasets = Vec::new();
    for (i, obj) in contract.schema.iter().flatten().enumerate() {
        let source = source_for(c, obj, server.as_ref(), opts)?;
        comp.object(obj, i);
        if let Ok(src) = &source
            && src.format != Format::Parquet
        {
            comp.parse_checks(obj, i);
        }
        let mut d = dataset_plan(c, obj.name.clone(), obj, source, opts);
        d.table = warehouse_table(c, obj, server.as_ref(), opts)?;
        datasets.push(d);
    }
    comp.slas();
    for (name, (other, i)) in &comp.externals {
        let Some(obj) = other.contract.schema.as_ref().and_then(|s| s.get(*i)) else { continue };
        let other_opts = CompileOptions { server: None, ..opts.clone() };
        let other_server = match &opts.server {
            Some(s) if other.contract.servers.iter().flatten().any(|x| &x.server == s) => select_server(other, opts)?,
            _ => select_server(other, &other_opts)?,
        };
        let source = source_for(other, obj, other_server.as_ref(), &other_opts)?;
        let mut d = dataset_plan(other, name.clone(), obj, source, opts);
        d.table = warehouse_table(other, obj, other_server.as_ref(), &other_opts)?;
        datasets.push(d);
    }
    // A classification belongs to the data, not to one schema object: objects reading the same
    // files share their classified columns (a second, unclassified object over the same file
    // must not show what the first one hides).
    let by_source: Vec<(PathBuf, Vec<String>)> =
        datasets.iter().filter_map(|d| d.source.as_ref().ok().map(|s| (s.path.clone(), d.redacted.clone()))).collect();
    for d in datasets.iter_mut() {
        let Ok(src) = &d.source else { continue };
        for (path, redacted) in &by_source {
            if *path == src.path {
                for r in redacted {
                    if !d.redacted.contains(r) {
                        d.redacted.push(r.clone());
                    }
                }
            }
        }
    }
    for check in &comp.checks {
        let (Some(ds), CheckPlan::Metric { measure, .. }) = (&check.info.dataset, &check.plan) else { continue };
        if let Some(d) = datasets.iter_mut().find(|d| &d.name == ds) {
            d.metrics.extend(measure.metrics());
        }
        if let Some((other, m)) = measure.other()
            && let Some(d) = datasets.iter_mut().find(|d| d.name == other)
        {
            d.metrics.insert(m.clone());
        }
    }
    let owner = match &contract.team {
        Some(lakegate_contract::either::TeamField::Team(t)) => t.name.clone(),
        Some(lakegate_contract::either::TeamField::Members(m)) => {
            m.iter().find(|x| x.role.as_deref() == Some("owner")).or(m.first()).map(|x| x.username.clone())
        }
        None => None,
    };
    let slas = contract
        .sla_properties
        .iter()
        .flatten()
        .map(|s| lakegate_core::SlaSummary {
            property: s.property.clone(),
            value: s.value.as_str().map_or_else(|| s.value.to_string(), str::to_owned),
            unit: s.unit.clone(),
            element: s.element.clone(),
        })
        .collect();
    Ok(ContractPlan {
        id: contract.id.clone(),
        name: contract.name.clone(),
        version: contract.version.clone(),
        domain: contract.domain.clone(),
        owner,
        description: contract.description.as_ref().and_then(|d| d.purpose.clone()),
        slas,
        file: c.file.clone(),
        server: server.map(|(s, _)| s.server.clone()),
        datasets,
        checks: comp.checks,
    })
}

fn at(c: &LoadedContract, ptr: &str) -> Location {
    let pos = c.locate(ptr);
    Location { file: c.file.clone(), line: pos.line, column: pos.column }
}

fn select_server<'a>(c: &'a LoadedContract, opts: &CompileOptions) -> Result<Option<(&'a Server, usize)>, ConfigError> {
    let servers = c.contract.servers.as_deref().unwrap_or(&[]);
    match &opts.server {
        Some(name) => match servers.iter().position(|s| &s.server == name) {
            Some(i) => Ok(Some((&servers[i], i))),
            None => Err(ConfigError {
                message: format!(
                    "{}: contract `{}` has no server `{name}` (servers: {})",
                    c.file,
                    c.contract.id,
                    servers.iter().map(|s| s.server.as_str()).collect::<Vec<_>>().join(", ")
                ),
            }),
        },
        None => Ok(servers
            .iter()
            .position(|s| s.server_type == "local")
            .or(if servers.is_empty() { None } else { Some(0) })
            .map(|i| (&servers[i], i))),
    }
}

/// Normalises `..` and `.` without touching the file system (the files may not exist).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for comp in p.components() {
        match comp {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Where `p` really is: absolute, normalised, and with symlinks resolved in its longest
/// existing prefix (a link `data/x -> /etc` inside a root leads outside it). The part that
/// does not exist yet (or is a glob pattern) is kept as written.
fn resolve(p: &Path) -> PathBuf {
    let abs = normalize(&std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()));
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(&existing) {
            return rest.iter().rev().fold(real, |acc: PathBuf, part| acc.join(part));
        }
        match (existing.file_name().map(std::ffi::OsStr::to_os_string), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => return abs,
        }
    }
}

/// ODCS server types whose datasets are tables read by the SQL engine: PostgreSQL and Redshift
/// servers by their own engine, `databricks` and `hive` tables by Spark ([`is_spark_table`]).
fn is_warehouse(server_type: &str) -> bool {
    matches!(server_type.to_ascii_lowercase().as_str(), "postgres" | "postgresql" | "redshift")
        || is_spark_table(server_type)
}

/// ODCS server types whose tables Spark reads by their catalog name (`--engine sc://...` or the
/// project's engine): `databricks` (catalog.schema.table) and `hive` (database.table).
fn is_spark_table(server_type: &str) -> bool {
    matches!(server_type.to_ascii_lowercase().as_str(), "databricks" | "hive")
}

/// The warehouse table of a schema object on a `postgres`, `postgresql` or `redshift` server
/// (`--data OBJECT=PATH` wins: the object is read from that file instead).
fn warehouse_table(
    c: &LoadedContract,
    obj: &SchemaObject,
    server: Option<&(&Server, usize)>,
    opts: &CompileOptions,
) -> Result<Option<WarehouseTable>, ConfigError> {
    let Some((s, i)) = server else { return Ok(None) };
    if !is_warehouse(&s.server_type) || opts.data.contains_key(&obj.name) {
        return Ok(None);
    }
    let port = match s.port {
        Some(p) => match u16::try_from(p) {
            Ok(p) if p > 0 => Some(p),
            _ => {
                let l = at(c, &format!("/servers/{i}/port"));
                return Err(ConfigError {
                    message: format!(
                        "{}:{}:{}: port {p} of server `{}` is not a TCP port (1-65535)",
                        l.file, l.line, l.column, s.server
                    ),
                });
            }
        },
        None => None,
    };
    let server_type = s.server_type.to_ascii_lowercase();
    // Databricks names its top level `catalog` (Unity Catalog); a Hive table's database may be
    // written `database` or `schema` (one level in Hive).
    let (database, schema) = match server_type.as_str() {
        "databricks" => (s.catalog.clone().or_else(|| s.database.clone()), s.schema.clone()),
        "hive" => (s.database.clone().or_else(|| s.schema.clone()), None),
        _ => (s.database.clone(), s.schema.clone()),
    };
    Ok(Some(WarehouseTable {
        server_type,
        server: s.server.clone(),
        host: s.host.clone(),
        port,
        database,
        schema,
        table: obj.physical_name.clone().unwrap_or_else(|| obj.name.clone()),
        region: s.region.clone(),
    }))
}

fn source_for(
    c: &LoadedContract,
    obj: &SchemaObject,
    server: Option<&(&Server, usize)>,
    opts: &CompileOptions,
) -> Result<Result<Source, String>, ConfigError> {
    let model = obj.physical_name.clone().unwrap_or_else(|| obj.name.clone());
    let contract_dir = Path::new(&c.file).parent().map(Path::to_path_buf).unwrap_or_default();
    // `ptr`: where the path is written in the contract; None for --data (never sandboxed).
    let (raw, base, format_hint, csv, ptr) = if let Some(p) = opts.data.get(&obj.name) {
        if is_object_url(&p.to_string_lossy()) {
            return Ok(object_data(p.to_string_lossy().into_owned(), opts));
        }
        // --data paths are the user's own: relative to the working directory.
        (p.display().to_string(), PathBuf::new(), None, CsvOptions::default(), None)
    } else {
        let Some((s, i)) = server else {
            return Ok(Err(format!(
                "contract `{}` declares no server: no data location for `{}`",
                c.contract.id, obj.name
            )));
        };
        if is_spark_table(&s.server_type) {
            return Ok(Err(format!(
                "`{}` is a table on the {} server `{}`: Spark reads it (--engine sc://host:15002 or the project's \
                 engine), the embedded engine reads files",
                obj.name, s.server_type, s.server
            )));
        }
        if is_warehouse(&s.server_type) {
            return Ok(Err(format!(
                "`{}` is a table on the {} server `{}`: the SQL engine reads it, the embedded engine reads files",
                obj.name, s.server_type, s.server
            )));
        }
        // A file location without `{model}` names the same files for every schema object: with
        // several objects, each would be checked against another's data (a relationship
        // between them would pass on the same rows). Refused, naming the objects.
        let file_location = match s.server_type.to_ascii_lowercase().as_str() {
            "local" => s.path.as_ref(),
            "s3" | "azure" | "gcs" => s.location.as_ref(),
            _ => s.location.as_ref().filter(|l| is_object_url(l)),
        };
        let objects: Vec<&str> = c.contract.schema.iter().flatten().map(|o| o.name.as_str()).collect();
        if let Some(location) = file_location
            && !location.contains("{model}")
            && objects.len() > 1
        {
            let key = if s.server_type == "local" { "path" } else { "location" };
            let l = at(c, &format!("/servers/{i}/{key}"));
            return Ok(Err(format!(
                "{}:{}:{}: the {key} `{location}` of server `{}` has no `{{model}}`, so the schema objects {} would \
                 all be read from the same files; put `{{model}}` where each object's name (or physicalName) goes, \
                 give the objects servers of their own (--server), or --data {}=...",
                l.file,
                l.line,
                l.column,
                s.server,
                objects.iter().map(|o| format!("`{o}`")).collect::<Vec<_>>().join(", "),
                obj.name
            )));
        }
        if let Some(object) = object_source(c, obj, s, *i, &model, opts) {
            return object;
        }
        if s.server_type != "local" {
            return Ok(Err(format!(
                "server `{}` is of type `{}`; this lakegate reads `local` servers (use --server or --data OBJECT=PATH)",
                s.server, s.server_type
            )));
        }
        let Some(path) = &s.path else {
            return Ok(Err(format!("server `{}` has no `path`", s.server)));
        };
        // Object-level customProperties `format`, `delimiter`, `header`, `quote` override the server's.
        let object_format = obj
            .custom_properties
            .iter()
            .flatten()
            .find(|cp| cp.property == "format")
            .and_then(|cp| cp.value.as_str().map(str::to_owned));
        let mut csv = csv_options(s.custom_properties.iter().flatten(), s);
        csv = apply_csv(csv, obj.custom_properties.iter().flatten());
        (
            path.replace("{model}", &model),
            contract_dir.clone(),
            object_format.or(s.format.clone()),
            csv,
            Some(format!("/servers/{i}/path")),
        )
    };
    let joined = if Path::new(&raw).is_absolute() { PathBuf::from(&raw) } else { base.join(&raw) };
    let abs = normalize(&std::path::absolute(&joined).unwrap_or(joined));
    // The engine checks every file a contract's glob or folder finds against the same roots.
    let file_roots: Vec<PathBuf> =
        if ptr.is_some() { opts.roots.iter().map(|r| resolve(r)).collect() } else { Vec::new() };
    if let Some(ptr) = ptr
        && !opts.roots.is_empty()
    {
        let real = resolve(&abs);
        let roots: Vec<PathBuf> = opts.roots.iter().map(|r| resolve(r)).collect();
        if !roots.iter().any(|r| real.starts_with(r)) {
            let l = at(c, &ptr);
            let shown = if real == abs {
                format!("`{}`", abs.display())
            } else {
                format!("`{}` (really `{}`)", abs.display(), real.display())
            };
            return Err(ConfigError {
                message: format!(
                    "{}:{}:{}: data path `{raw}` of `{}` resolves to {shown}, outside the allowed data roots ({}){}",
                    l.file,
                    l.line,
                    l.column,
                    obj.name,
                    roots.iter().map(|r| format!("`{}`", r.display())).collect::<Vec<_>>().join(", "),
                    opts.root_help
                ),
            });
        }
    }
    // `t.csv.gz`, `t.ndjson.zst`: the format is the extension before the compression's.
    let ext_of = |p: &Path| p.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
    let ext = match ext_of(&abs).as_deref() {
        Some("gz" | "gzip" | "zst" | "zstd") => abs.file_stem().and_then(|s| ext_of(Path::new(s))),
        _ => ext_of(&abs),
    };
    let format = match format_hint.as_deref().map(str::to_ascii_lowercase).as_deref().or(ext.as_deref()) {
        Some("parquet") | Some("pq") => Format::Parquet,
        Some("csv") | Some("tsv") => Format::Csv,
        Some("json") | Some("ndjson") | Some("jsonl") => Format::Json,
        Some(other) => {
            return Ok(Err(format!("format `{other}` of `{}` is not supported (parquet, csv, json)", obj.name)));
        }
        None => Format::Parquet,
    };
    Ok(Ok(Source {
        path: abs,
        display: raw,
        format,
        csv,
        roots: file_roots,
        skip_bad_files: opts.skip_bad_files,
        object: None,
    }))
}

/// URL schemes of object storage (S3 and compatibles, Google Cloud Storage, Azure).
const OBJECT_SCHEMES: [&str; 9] = ["s3", "s3a", "gs", "gcs", "az", "azure", "abfs", "abfss", "adl"];

/// Whether `s` is an object-storage URL (`s3://bucket/key`).
fn is_object_url(s: &str) -> bool {
    s.split_once("://").is_some_and(|(scheme, rest)| {
        OBJECT_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) && !rest.is_empty()
    })
}

/// The source of an object on object storage: `url` (`{model}` replaced), its format from the
/// object's or the server's `format`, else its extension, else Parquet.
fn object_location(
    url: String,
    endpoint: Option<String>,
    format_hint: Option<String>,
    csv: CsvOptions,
    obj: &str,
    opts: &CompileOptions,
) -> Result<Source, String> {
    let name = url.trim_end_matches('/').rsplit('/').next().unwrap_or("").to_ascii_lowercase();
    let name = ["gz", "gzip", "zst", "zstd"].iter().find_map(|c| name.strip_suffix(&format!(".{c}"))).unwrap_or(&name);
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_owned()).filter(|e| !e.contains(['*', '?', '[']));
    let format = match format_hint.as_deref().map(str::to_ascii_lowercase).as_deref().or(ext.as_deref()) {
        Some("parquet" | "pq") | None => Format::Parquet,
        Some("csv" | "tsv") => Format::Csv,
        Some("json" | "ndjson" | "jsonl") => Format::Json,
        // An extension that names no format (`part-0.snappy`): the server did not say.
        Some(_) if format_hint.is_none() => Format::Parquet,
        Some(other) => return Err(format!("format `{other}` of `{obj}` is not supported (parquet, csv, json)")),
    };
    Ok(Source {
        path: PathBuf::from(&url),
        display: url.clone(),
        format,
        csv,
        roots: Vec::new(),
        skip_bad_files: opts.skip_bad_files,
        object: Some(lakegate_core::plan::ObjectLocation { url, endpoint }),
    })
}

/// `--data OBJECT=s3://...`: the user's own location; the endpoint, region and credentials come
/// from the environment (`AWS_ENDPOINT_URL`, ...).
fn object_data(url: String, opts: &CompileOptions) -> Result<Source, String> {
    object_location(url, None, None, CsvOptions::default(), "--data", opts)
}

/// Object storage servers: ODCS `s3` (S3 and S3-compatible stores through `endpointUrl`, and
/// `gs://` locations), `azure` (`az://`, `abfs://`, `abfss://`), `gcs`, and any server whose
/// `location` is an object URL (`custom`). `None`: another kind of server.
///
/// Confinement: data roots are local folders and do not apply to URLs. A contract reads only
/// the bucket (or container) its server's location names: `{model}` may not stand in the bucket
/// (a schema object's name must not choose the bucket), and `.`/`..` key segments are refused
/// when the objects are listed. What the credentials may read is the rest of the boundary.
fn object_source(
    c: &LoadedContract,
    obj: &SchemaObject,
    s: &Server,
    i: usize,
    model: &str,
    opts: &CompileOptions,
) -> Option<Result<Result<Source, String>, ConfigError>> {
    let kind = s.server_type.to_ascii_lowercase();
    let by_type = matches!(kind.as_str(), "s3" | "azure" | "gcs");
    if !by_type && !s.location.as_deref().is_some_and(is_object_url) {
        return None;
    }
    let Some(location) = &s.location else {
        return Some(Ok(Err(format!("server `{}` of type `{}` has no `location`", s.server, s.server_type))));
    };
    let ptr = format!("/servers/{i}/location");
    let fail = |message: String| {
        let l = at(c, &ptr);
        Some(Err(ConfigError { message: format!("{}:{}:{}: {message}", l.file, l.line, l.column) }))
    };
    let scheme = location.split_once("://").map(|(p, _)| p.to_ascii_lowercase()).unwrap_or_default();
    let fits = match kind.as_str() {
        "s3" => matches!(scheme.as_str(), "s3" | "s3a" | "gs" | "gcs"),
        "azure" => matches!(scheme.as_str(), "az" | "azure" | "abfs" | "abfss" | "adl"),
        "gcs" => matches!(scheme.as_str(), "gs" | "gcs"),
        _ => true,
    };
    if !is_object_url(location) || !fits {
        let want = match kind.as_str() {
            "azure" => "az://CONTAINER/KEY or abfss://CONTAINER@ACCOUNT.dfs.core.windows.net/KEY",
            "gcs" => "gs://BUCKET/KEY",
            _ => "s3://BUCKET/KEY",
        };
        return fail(format!("location `{location}` of server `{}` is not a `{}` location ({want})", s.server, kind));
    }
    let authority = location.split_once("://").map(|(_, r)| r.split('/').next().unwrap_or("")).unwrap_or("");
    if authority.contains("{model}") {
        return fail(format!(
            "location `{location}` of server `{}` has `{{model}}` in its bucket: a schema object may not choose \
             the bucket (put `{{model}}` in the key)",
            s.server
        ));
    }
    // Credentials never come from a contract: user information in the endpoint is refused (and
    // not echoed: the message shows the endpoint without it).
    if let Some(ep) = &s.endpoint_url
        && let Some((scheme, rest)) = ep.split_once("://")
        && let Some((_, host)) = rest.split('/').next().and_then(|a| a.rsplit_once('@'))
    {
        let l = at(c, &format!("/servers/{i}/endpointUrl"));
        return Some(Err(ConfigError {
            message: format!(
                "{}:{}:{}: endpointUrl of server `{}` holds credentials (`{scheme}://***@{host}`): a contract never \
                 carries credentials; give the endpoint as `{scheme}://{host}` and the credentials in the \
                 environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)",
                l.file, l.line, l.column, s.server
            ),
        }));
    }
    if let Some(ep) = &s.endpoint_url
        && !(ep.starts_with("http://") || ep.starts_with("https://"))
    {
        let l = at(c, &format!("/servers/{i}/endpointUrl"));
        return Some(Err(ConfigError {
            message: format!(
                "{}:{}:{}: endpointUrl `{ep}` of server `{}` is not an http:// or https:// URL",
                l.file, l.line, l.column, s.server
            ),
        }));
    }
    let object_format =
        obj.custom_properties.iter().flatten().find(|cp| cp.property == "format").and_then(|cp| cp.value.as_str());
    let mut csv = csv_options(s.custom_properties.iter().flatten(), s);
    csv = apply_csv(csv, obj.custom_properties.iter().flatten());
    let url = location.replace("{model}", model);
    let hint = object_format.map(str::to_owned).or(s.format.clone());
    Some(Ok(object_location(url, s.endpoint_url.clone(), hint, csv, &obj.name, opts)))
}

fn csv_options<'a>(
    props: impl Iterator<Item = &'a lakegate_contract::model::CustomProperty>,
    s: &Server,
) -> CsvOptions {
    let mut o = CsvOptions { encoding: s.encoding.clone(), ..CsvOptions::default() };
    // The ODCS server `delimiter` is `new_line` or `array` for JSON; for CSV, one character.
    if let Some(d) = s.delimiter.as_deref().and_then(delimiter_byte).filter(|_| s.format.as_deref() == Some("csv")) {
        o.delimiter = d;
    }
    apply_csv(o, props)
}

/// A CSV delimiter as written: one character, or `tab` / `\t`.
fn delimiter_byte(d: &str) -> Option<u8> {
    match d {
        "\\t" | "\t" | "tab" => Some(b'\t'),
        _ if d.len() == 1 => d.bytes().next(),
        _ => None,
    }
}

/// CSV options from customProperties: `delimiter`, `header`, `quote`, `nullValues` (a list or
/// one string), `decimalComma`, `encoding`.
fn apply_csv<'a>(
    mut o: CsvOptions,
    props: impl Iterator<Item = &'a lakegate_contract::model::CustomProperty>,
) -> CsvOptions {
    for cp in props {
        match (cp.property.as_str(), &cp.value) {
            ("delimiter", Json::String(d)) => {
                if let Some(b) = delimiter_byte(d) {
                    o.delimiter = b;
                }
            }
            ("header", Json::Bool(b)) => o.header = *b,
            ("quote", Json::String(q)) => o.quote = q.bytes().next(),
            ("quote", Json::Null) => o.quote = None,
            ("nullValues", Json::Array(values)) => {
                o.null_values = values.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
            }
            ("nullValues", Json::String(v)) => o.null_values = vec![v.clone()],
            ("decimalComma", Json::Bool(b)) => o.decimal_comma = *b,
            // The server's `encoding` field exists from ODCS v3.2.0 on; earlier contracts say it here.
            ("encoding", Json::String(e)) => o.encoding = Some(e.clone()),
            _ => {}
        }
    }
    o
}

/// A declared column as the engine reads it: a text source's column (CSV, JSON, a hive
/// partition value) is parsed into the first type, in the order below, that both the declared
/// `logicalType` and `physicalType` accept, so that a column typed by its declaration passes its
/// own type check. Floats come before integers (`NUMBER` is any number), the widest integer
/// first (a value never fails for a width the type check also accepts), time zones before none
/// (naive text is read as UTC). `DECIMAL(p,s)` reads as that decimal; `DECIMAL(p)` as scale 0;
/// `DECIMAL`/`NUMERIC` without parameters as DECIMAL(38,9).
fn declared_column(p: &Property) -> DeclaredColumn {
    use lakegate_core::ColumnType as C;
    let logical = p.logical_type.map(|t| t.as_str());
    let physical = p.physical_type.as_deref().filter(|t| lakegate_contract::physical::parse(t).is_some());
    let tz = p.logical_type_options.as_ref().and_then(|o| o.timezone);
    let parse = (logical.is_some() || physical.is_some()).then(|| {
        let mut candidates = Vec::new();
        if let Some(lakegate_contract::physical::PhysicalType::Decimal(prec, scale)) =
            physical.and_then(lakegate_contract::physical::parse)
        {
            let scale = scale.unwrap_or(if prec.is_some() { 0 } else { 9 });
            candidates.push(C::Decimal(Some(prec.unwrap_or(38) as usize), Some(scale as usize)));
        }
        candidates.extend([C::Float(64), C::Float(32)]);
        candidates.extend([64, 32, 16, 8].map(C::Int));
        candidates.extend([64, 32, 16, 8].map(C::UInt));
        candidates.extend([
            C::Decimal(Some(38), Some(0)),
            C::Boolean,
            C::Date,
            C::Timestamp { tz: true },
            C::Timestamp { tz: false },
            C::Time,
            C::String,
        ]);
        candidates.into_iter().find(|c| {
            logical.is_none_or(|l| crate::schema::fits_logical(c, l, tz).is_ok())
                && physical.is_none_or(|t| matches!(crate::schema::fits_physical(c, t), Some(Ok(()))))
        })
    });
    DeclaredColumn { column: column_name(p), logical: logical.map(str::to_owned), parse: parse.flatten() }
}

/// The column name of a property in the data.
pub fn column_name(p: &Property) -> String {
    p.physical_name.clone().or_else(|| p.name.clone()).unwrap_or_default()
}

fn custom_bool(props: Option<&Vec<lakegate_contract::model::CustomProperty>>, key: &str) -> Option<bool> {
    props?.iter().find(|cp| cp.property == key).and_then(|cp| cp.value.as_bool())
}

impl Compiler<'_> {
    fn push(&mut self, mut spec: CheckSpec) {
        let base = spec.info.id.clone();
        let mut n = 2;
        while !self.ids.insert(spec.info.id.clone()) {
            spec.info.id = format!("{base}#{n}");
            n += 1;
        }
        self.checks.push(spec);
    }

    // One constructor for every check keeps ids, locations and defaults uniform.
    #[allow(clippy::too_many_arguments)]
    fn spec(
        &self,
        id: String,
        kind: &str,
        dataset: &str,
        property: Option<&str>,
        title: String,
        ptr: &str,
        plan: CheckPlan,
    ) -> CheckSpec {
        CheckSpec {
            info: CheckInfo {
                id,
                kind: kind.to_owned(),
                dataset: Some(dataset.to_owned()),
                property: property.map(str::to_owned),
                title,
                location: at(self.c, ptr),
                severity: Severity::Error,
                dimension: None,
                tags: Vec::new(),
                business_impact: None,
            },
            plan,
        }
    }

    fn object(&mut self, obj: &SchemaObject, i: usize) {
        let cid = self.c.contract.id.clone();
        let ds = obj.name.clone();
        let optr = format!("/schema/{i}");
        let props = obj.properties.as_deref().unwrap_or(&[]);
        for (j, p) in props.iter().enumerate() {
            self.property(obj, p, &format!("{optr}/properties/{j}"), None);
        }
        // Primary key: all key columns by primaryKeyPosition, one check.
        let mut pk: Vec<(i64, usize, &Property)> = props
            .iter()
            .enumerate()
            .filter(|(_, p)| p.primary_key == Some(true))
            .map(|(j, p)| (p.primary_key_position.filter(|x| *x >= 1).unwrap_or(i64::MAX), j, p))
            .collect();
        pk.sort_by_key(|(pos, j, _)| (*pos, *j));
        if let Some((_, first, _)) = pk.first() {
            let cols: Vec<String> = pk.iter().map(|(_, _, p)| column_name(p)).collect();
            let measure = Measure::Sum(vec![
                Metric::NullAnyCount { columns: cols.clone() },
                Metric::DuplicateCount { columns: cols.clone() },
            ]);
            let mut s = self.spec(
                format!("{cid}/{ds}/primaryKey"),
                "primaryKey",
                &ds,
                None,
                format!("primary key ({}) is not null and unique", cols.join(", ")),
                &format!("{optr}/properties/{first}/primaryKey"),
                CheckPlan::Metric { measure, operator: Operator::MustBe(0.0), unit: Some("rows".into()) },
            );
            s.info.dimension = Some("uniqueness".into());
            self.push(s);
        }
        for (k, rel) in obj.relationships.iter().flatten().enumerate() {
            let from = rel.from.as_ref().map(|f| f.to_vec()).unwrap_or_default();
            self.relationship(&ds, &from, &rel.to.to_vec(), &format!("{optr}/relationships/{k}"), None);
        }
        for (k, rule) in obj.quality.iter().flatten().enumerate() {
            self.quality(obj, None, rule, &format!("{optr}/quality/{k}"));
        }
        let strict = custom_bool(obj.custom_properties.as_ref(), "strictColumns")
            .or_else(|| custom_bool(self.c.contract.custom_properties.as_ref(), "strictColumns"))
            .unwrap_or(false);
        let declared = props.iter().map(column_name).collect();
        let s = self.spec(
            format!("{cid}/{ds}/schema.extraColumns"),
            "schema.extraColumns",
            &ds,
            None,
            if strict {
                "no columns beyond the contract (strictColumns)".into()
            } else {
                "columns beyond the contract (informational)".into()
            },
            &optr,
            CheckPlan::Schema(SchemaAssertion::NoExtraColumns { declared, strict }),
        );
        self.push(s);
    }

    /// `parent` is the column path of the enclosing struct for nested properties.
    fn property(&mut self, obj: &SchemaObject, p: &Property, ptr: &str, parent: Option<&str>) {
        let cid = self.c.contract.id.clone();
        let ds = obj.name.clone();
        let col = match parent {
            Some(par) => format!("{par}.{}", column_name(p)),
            None => column_name(p),
        };
        let name = p.name.clone().unwrap_or_else(|| col.clone());
        let base = format!("{cid}/{ds}/{col}");
        let present = self.spec(
            format!("{base}/schema.present"),
            "schema.present",
            &ds,
            Some(&col),
            format!("column `{col}` is present"),
            &format!("{ptr}/name"),
            CheckPlan::Schema(SchemaAssertion::Present { column: col.clone() }),
        );
        self.push(present);
        self.type_check(&ds, &col, p, ptr, |declared| format!("column `{col}` has type {declared}"));
        let count_plan = |metric: Metric| CheckPlan::Metric {
            measure: Measure::Value(metric),
            operator: Operator::MustBe(0.0),
            unit: Some("rows".into()),
        };
        if p.required == Some(true) {
            let mut s = self.spec(
                format!("{base}/required"),
                "required",
                &ds,
                Some(&col),
                format!("`{col}` has no nulls"),
                &format!("{ptr}/required"),
                count_plan(Metric::NullCount { column: col.clone() }),
            );
            s.info.dimension = Some("completeness".into());
            self.push(s);
        }
        if p.unique == Some(true) {
            let mut s = self.spec(
                format!("{base}/unique"),
                "unique",
                &ds,
                Some(&col),
                format!("`{col}` has no duplicate values"),
                &format!("{ptr}/unique"),
                count_plan(Metric::DuplicateCount { columns: vec![col.clone()] }),
            );
            s.info.dimension = Some("uniqueness".into());
            self.push(s);
        }
        if let Some(o) = &p.logical_type_options {
            let lt = p.logical_type;
            let optr = format!("{ptr}/logicalTypeOptions");
            let mut rules: Vec<(&str, Result<Validity, String>, String)> = Vec::new();
            if let Some(x) = o.min_length {
                rules.push(("minLength", Ok(Validity::MinLength(x)), format!("`{col}` has at least {x} characters")));
            }
            if let Some(x) = o.max_length {
                rules.push(("maxLength", Ok(Validity::MaxLength(x)), format!("`{col}` has at most {x} characters")));
            }
            if let Some(x) = &o.pattern {
                rules.push(("pattern", Ok(Validity::Pattern(x.clone())), format!("`{col}` matches `{x}`")));
            }
            if let Some(f) = &o.format {
                let v = if lt == Some(LogicalType::String) {
                    if lakegate_contract::validate::STRING_FORMATS.contains(&f.as_str()) {
                        Ok(Validity::Format(f.clone()))
                    } else {
                        Err(format!("format `{f}` is not checked by lakegate"))
                    }
                } else {
                    Err(format!(
                        "format `{f}` describes how values are written; typed columns are not checked against it"
                    ))
                };
                rules.push(("format", v, format!("`{col}` has format {f}")));
            }
            // `bounds` folds v3.0's boolean `exclusiveMinimum: true` into an exclusive `minimum`.
            for (key, kind, val) in o.bounds() {
                let cmp = match kind {
                    BoundKind::Minimum => Cmp::Ge,
                    BoundKind::ExclusiveMinimum => Cmp::Gt,
                    BoundKind::Maximum => Cmp::Le,
                    BoundKind::ExclusiveMaximum => Cmp::Lt,
                };
                let bound = match lt {
                    Some(LogicalType::Date) => val.as_str().and_then(parse_date_bound).map(|d| Bound::Date(d as i32)),
                    Some(LogicalType::Timestamp) => {
                        val.as_str().and_then(parse_timestamp_bound).map(|t| Bound::Timestamp(t as i64))
                    }
                    _ => val.as_f64().map(|x| Bound::Number(F64(x))),
                };
                let sym = match cmp {
                    Cmp::Ge => ">=",
                    Cmp::Gt => ">",
                    Cmp::Le => "<=",
                    Cmp::Lt => "<",
                };
                let shown = val.as_str().map_or_else(|| val.to_string(), str::to_owned);
                rules.push((
                    key,
                    bound.map(|b| Validity::Bound(cmp, b)).ok_or_else(|| format!("bound {shown} cannot be read")),
                    format!("`{col}` {sym} {shown}"),
                ));
            }
            if let Some(m) = o.multiple_of {
                rules.push(("multipleOf", Ok(Validity::MultipleOf(F64(m))), format!("`{col}` is a multiple of {m}")));
            }
            if let Some(x) = o.min_items {
                rules.push(("minItems", Ok(Validity::MinItems(x)), format!("`{col}` has at least {x} items")));
            }
            if let Some(x) = o.max_items {
                rules.push(("maxItems", Ok(Validity::MaxItems(x)), format!("`{col}` has at most {x} items")));
            }
            if o.unique_items == Some(true) {
                rules.push(("uniqueItems", Ok(Validity::UniqueItems), format!("`{col}` has no repeated items")));
            }
            for (key, v, title) in rules {
                let plan = match v {
                    Ok(v) => count_plan(Metric::InvalidCount { column: col.clone(), rules: vec![v] }),
                    Err(why) => CheckPlan::Skip(why),
                };
                let mut s =
                    self.spec(format!("{base}/{key}"), key, &ds, Some(&col), title, &format!("{optr}/{key}"), plan);
                s.info.dimension = Some("conformity".into());
                self.push(s);
            }
            for key in [
                "defaultTimezone",
                "minProperties",
                "maxProperties",
                "required",
                "dimensions",
                "elementType",
                "distanceMetric",
                "embeddingModel",
                "embeddingModelVersion",
                "normalized",
            ] {
                if self.c.spans.get(&format!("{optr}/{key}")).is_some() {
                    let s = self.spec(
                        format!("{base}/{key}"),
                        key,
                        &ds,
                        Some(&col),
                        format!("`{col}` {key}"),
                        &format!("{optr}/{key}"),
                        CheckPlan::Skip(format!("`{key}` is descriptive; lakegate derives no check from it")),
                    );
                    self.push(s);
                }
            }
        }
        if let Some(values) = &p.enum_values {
            let lits: Vec<Literal> = values.iter().map(|e| Literal::from_json(&e.value)).collect();
            let mut s = self.spec(
                format!("{base}/enum"),
                "enum",
                &ds,
                Some(&col),
                format!("`{col}` is one of {} values", lits.len()),
                &format!("{ptr}/enum"),
                count_plan(Metric::InvalidCount { column: col.clone(), rules: vec![Validity::AllowedValues(lits)] }),
            );
            s.info.dimension = Some("conformity".into());
            self.push(s);
        }
        for (k, rel) in p.relationships.iter().flatten().enumerate() {
            if parent.is_none() {
                self.relationship(
                    &ds,
                    &[format!("{ds}.{}", name)],
                    &rel.to.to_vec(),
                    &format!("{ptr}/relationships/{k}"),
                    Some(&col),
                );
            }
        }
        for (k, rule) in p.quality.iter().flatten().enumerate() {
            self.quality(obj, Some((&col, &name)), rule, &format!("{ptr}/quality/{k}"));
        }
        for (j, nested) in p.properties.iter().flatten().enumerate() {
            self.property(obj, nested, &format!("{ptr}/properties/{j}"), Some(&col));
        }
        if let Some(items) = &p.items {
            self.element(obj, items, &format!("{ptr}/items"), format!("{col}[]"), format!("items of `{col}`"));
        }
        // v3.2 maps: a list of (key, value) entries, as Parquet and Arrow store them.
        if let Some(map) = &p.map {
            self.element(
                obj,
                &map.key,
                &format!("{ptr}/map/key"),
                format!("{col}[].<key>"),
                format!("keys of `{col}`"),
            );
            let value = format!("{col}[].<value>");
            self.element(obj, &map.value, &format!("{ptr}/map/value"), value, format!("values of `{col}`"));
        }
    }

    /// An element of a nested type: the `items` of an array (column path `col[]`) or the key and
    /// value of a map (`col[].<key>`, `col[].<value>`). Its type is checked (and the fields of
    /// struct elements, `col[].field`); every value rule on it is reported as skipped with the
    /// reason, never silently ignored. `label` names the element in titles ("items of `tags`").
    fn element(&mut self, obj: &SchemaObject, it: &Property, ptr: &str, col: String, label: String) {
        let cid = self.c.contract.id.clone();
        let ds = obj.name.clone();
        self.type_check(&ds, &col, it, ptr, |declared| format!("{label} have type {declared}"));
        self.skip_element_rules(&ds, it, ptr, &col, &label);
        for (j, field) in it.properties.iter().flatten().enumerate() {
            let fptr = format!("{ptr}/properties/{j}");
            let fcol = format!("{col}.{}", column_name(field));
            let present = self.spec(
                format!("{cid}/{ds}/{fcol}/schema.present"),
                "schema.present",
                &ds,
                Some(&fcol),
                format!("{label} have field `{}`", column_name(field)),
                &format!("{fptr}/name"),
                CheckPlan::Schema(SchemaAssertion::Present { column: fcol.clone() }),
            );
            self.push(present);
            self.type_check(&ds, &fcol, field, &fptr, |declared| format!("column `{fcol}` has type {declared}"));
            self.skip_element_rules(&ds, field, &fptr, &fcol, &format!("`{fcol}`"));
        }
        if let Some(inner) = &it.items {
            self.element(obj, inner, &format!("{ptr}/items"), format!("{col}[]"), format!("items of `{col}`"));
        }
    }

    /// The `schema.type` check of a property (or array item, map key or value, or one of their
    /// fields) whose column path is `col`, when it declares a logical or physical type; `title`
    /// makes the title from the declared type (`integer / BIGINT`).
    fn type_check(&mut self, ds: &str, col: &str, p: &Property, ptr: &str, title: impl Fn(&str) -> String) {
        if p.logical_type.is_none() && p.physical_type.is_none() {
            return;
        }
        let declared = [p.logical_type.map(|t| t.as_str().to_owned()), p.physical_type.clone()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" / ");
        let key = if p.logical_type.is_some() { "logicalType" } else { "physicalType" };
        let s = self.spec(
            format!("{}/{ds}/{col}/schema.type", self.c.contract.id),
            "schema.type",
            ds,
            Some(col),
            title(&declared),
            &format!("{ptr}/{key}"),
            CheckPlan::Schema(SchemaAssertion::Type {
                column: col.to_owned(),
                // ODCS v3.0 has no `timestamp` logical type: its `date` is any date or time.
                logical: p.logical_type.map(|t| match t.as_str() {
                    "date" if self.c.contract.api_version.starts_with("v3.0") => "date|timestamp".to_owned(),
                    other => other.to_owned(),
                }),
                physical: p.physical_type.clone(),
                tz: p.logical_type_options.as_ref().and_then(|o| o.timezone),
            }),
        );
        self.push(s);
    }

    /// One skipped check per value rule of an element of an array or map (or a field of one):
    /// lakegate checks their type only, and says so instead of ignoring them.
    fn skip_element_rules(&mut self, ds: &str, it: &Property, ptr: &str, col: &str, label: &str) {
        let base = format!("{}/{ds}/{col}", self.c.contract.id);
        let mut rules: Vec<String> = ["required", "unique", "primaryKey", "enum", "quality", "relationships"]
            .iter()
            .filter(|k| self.c.spans.get(&format!("{ptr}/{k}")).is_some())
            .map(|k| (*k).to_owned())
            .collect();
        if let Some(serde_json::Value::Object(o)) =
            it.logical_type_options.as_ref().and_then(|o| serde_json::to_value(o).ok())
        {
            rules.extend(
                o.iter()
                    .filter(|(k, v)| !v.is_null() && *k != "timezone")
                    .map(|(k, _)| format!("logicalTypeOptions/{k}")),
            );
        }
        for key in rules {
            let s = self.spec(
                format!("{base}/{key}"),
                key.rsplit('/').next().unwrap_or(&key),
                ds,
                Some(col),
                format!("{label}: {key}"),
                &format!("{ptr}/{key}"),
                CheckPlan::Skip(format!(
                    "rules on the elements of arrays and maps are not checked by lakegate yet (only their type): \
                     `{}`",
                    format!("{}/{key}", element_path(ptr)).replace('/', ".")
                )),
            );
            self.push(s);
        }
    }

    /// Resolves `object.property` to (dataset, column).
    /// `object.property` (names or physical names), or a bare property name when exactly one
    /// schema object has it.
    fn resolve(&self, element: &str) -> Option<(String, String)> {
        let objects = || self.c.contract.schema.iter().flatten();
        let is_prop = |q: &Property, p: &str| q.name.as_deref() == Some(p) || q.physical_name.as_deref() == Some(p);
        match element.split_once('.') {
            Some((o, p)) => {
                let obj = objects().find(|s| s.name == o || s.physical_name.as_deref() == Some(o))?;
                let prop = obj.properties.iter().flatten().find(|q| is_prop(q, p))?;
                Some((obj.name.clone(), column_name(prop)))
            }
            None => {
                let mut found = objects()
                    .filter_map(|obj| obj.properties.iter().flatten().find(|q| is_prop(q, element)).map(|q| (obj, q)));
                let (obj, prop) = found.next()?;
                found.next().is_none().then(|| (obj.name.clone(), column_name(prop)))
            }
        }
    }

    /// Text sources (CSV, JSON) are typed by the contract: values that do not parse as the
    /// declared type are counted, one check per typed column.
    fn parse_checks(&mut self, obj: &SchemaObject, i: usize) {
        let cid = self.c.contract.id.clone();
        for (j, p) in obj.properties.iter().flatten().enumerate() {
            // Every column the source parses from text (see `declared_column`): by its
            // logicalType, its physicalType, or both.
            let parsed = declared_column(p).parse;
            use lakegate_core::ColumnType as C;
            if !matches!(
                parsed,
                Some(
                    C::Int(_)
                        | C::UInt(_)
                        | C::Float(_)
                        | C::Decimal(..)
                        | C::Boolean
                        | C::Date
                        | C::Timestamp { .. }
                        | C::Time
                )
            ) {
                continue;
            }
            let (declared, key) = match (p.logical_type, &p.physical_type) {
                (Some(lt), _) => (lt.as_str().to_owned(), "logicalType"),
                (None, Some(pt)) => (pt.clone(), "physicalType"),
                (None, None) => continue,
            };
            let col = column_name(p);
            let mut s = self.spec(
                format!("{cid}/{}/{col}/schema.parse", obj.name),
                "schema.parse",
                &obj.name,
                Some(&col),
                format!("values of `{col}` parse as {declared}"),
                &format!("/schema/{i}/properties/{j}/{key}"),
                CheckPlan::Metric {
                    measure: Measure::Value(Metric::InvalidCount {
                        column: col.clone(),
                        rules: vec![Validity::Parses],
                    }),
                    operator: Operator::MustBe(0.0),
                    unit: Some("rows".into()),
                },
            );
            s.info.dimension = Some("conformity".into());
            self.push(s);
        }
    }

    fn relationship(&mut self, ds: &str, from: &[String], to: &[String], ptr: &str, property: Option<&str>) {
        let cid = self.c.contract.id.clone();
        let id = match property {
            Some(col) => format!("{cid}/{ds}/{col}/relationship:{}", to.join(",")),
            None => format!("{cid}/{ds}/relationship:{}", to.join(",")),
        };
        let title = format!("({}) references ({})", from.join(", "), to.join(", "));
        let resolved_from: Option<Vec<(String, String)>> = from.iter().map(|f| self.resolve(f)).collect();
        let resolved_to: Option<Vec<(String, String)>> = to.iter().map(|t| self.resolve(t)).collect();
        let plan = match (resolved_from, resolved_to) {
            (Some(f), Some(t)) if !t.is_empty() && f.len() == t.len() => {
                let target = t[0].0.clone();
                if f.iter().any(|(d, _)| d != ds) || t.iter().any(|(d, _)| *d != target) {
                    CheckPlan::Error("a composite relationship must stay within one object on each side".into())
                } else {
                    CheckPlan::Metric {
                        measure: Measure::Value(Metric::OrphanCount {
                            columns: f.into_iter().map(|(_, c)| c).collect(),
                            target,
                            target_columns: t.into_iter().map(|(_, c)| c).collect(),
                        }),
                        operator: Operator::MustBe(0.0),
                        unit: Some("rows".into()),
                    }
                }
            }
            _ => CheckPlan::Error(format!(
                "relationship names an element that is no `object.property` of this contract: ({}) -> ({})",
                from.join(", "),
                to.join(", ")
            )),
        };
        let mut s = self.spec(id, "relationship", ds, property, title, ptr, plan);
        s.info.dimension = Some("consistency".into());
        self.push(s);
    }

    fn quality(&mut self, obj: &SchemaObject, property: Option<(&str, &str)>, r: &QualityRule, ptr: &str) {
        let cid = self.c.contract.id.clone();
        let ds = obj.name.clone();
        let idx = ptr.rsplit('/').next().unwrap_or("0");
        let scope = match property {
            Some((col, _)) => format!("{cid}/{ds}/{col}"),
            None => format!("{cid}/{ds}"),
        };
        let kind_ty = r.rule_type.unwrap_or(QualityType::Library);
        // v3.0 rule names (`rule: nullCheck`) read as their metric.
        let metric_name = r.library_metric().map(|(m, _)| m);
        let id = match &r.id {
            Some(id) => format!("{scope}/{id}"),
            None => format!("{scope}/quality[{idx}]"),
        };
        let col = property.map(|(c, _)| c.to_owned());
        let (kind, plan, default_title) = match kind_ty {
            QualityType::Text => (
                "text".to_owned(),
                CheckPlan::Skip("text rule: documentation, not executable".into()),
                "text rule".to_owned(),
            ),
            QualityType::Custom => {
                let engine = r.engine.clone().unwrap_or_default();
                if engine.eq_ignore_ascii_case("lakegate") {
                    self.lakegate(obj, col.as_deref(), r)
                } else {
                    let why =
                        format!("custom rule for engine `{engine}`; lakegate runs library, sql and lakegate rules");
                    (format!("custom.{engine}"), CheckPlan::Skip(why), format!("{engine} rule"))
                }
            }
            QualityType::Sql => {
                let q = sql::substitute(r.query.as_deref().unwrap_or(""), &ds, col.as_deref());
                let q = self.server.map_or_else(|| q.clone(), |s| sql::substitute_server(&q, s));
                // Lint only warns about what the embedded engine cannot run; a query that is not
                // one SELECT over the datasets (`read_parquet('/etc/passwd')`) never runs.
                let plan = match (sql::check_read_only(&q), to_operator(r.operators())) {
                    (Err(why), _) => CheckPlan::Error(format!("the query cannot run: {why}")),
                    (Ok(()), Some(op)) => CheckPlan::Metric {
                        measure: Measure::Value(Metric::Sql { query: q.clone() }),
                        operator: op,
                        unit: r.unit.clone(),
                    },
                    (Ok(()), None) => CheckPlan::Error("the rule has no operator".into()),
                };
                ("sql".to_owned(), plan, "sql rule".to_owned())
            }
            QualityType::Library => {
                let m = metric_name.clone().unwrap_or_default();
                let args = r.arguments.clone().unwrap_or_default();
                let metric = match (m.as_str(), &col) {
                    ("rowCount", _) => Ok(Metric::RowCount),
                    ("nullValues", Some(c)) => Ok(Metric::NullCount { column: c.clone() }),
                    ("missingValues", Some(c)) => Ok(Metric::MissingCount {
                        column: c.clone(),
                        values: args
                            .get("missingValues")
                            .and_then(Json::as_array)
                            .map(|a| a.iter().map(Literal::from_json).collect())
                            .unwrap_or_default(),
                    }),
                    ("invalidValues", Some(c)) => {
                        let mut rules = Vec::new();
                        if let Some(a) = args.get("validValues").and_then(Json::as_array) {
                            rules.push(Validity::AllowedValues(a.iter().map(Literal::from_json).collect()));
                        }
                        if let Some(p) = args.get("pattern").and_then(Json::as_str) {
                            rules.push(Validity::Pattern(p.to_owned()));
                        }
                        Ok(Metric::InvalidCount { column: c.clone(), rules })
                    }
                    ("duplicateValues", _) => {
                        let cols: Vec<String> = match args.get("properties").and_then(Json::as_array) {
                            Some(a) => a
                                .iter()
                                .filter_map(Json::as_str)
                                .map(|n| {
                                    obj.properties
                                        .iter()
                                        .flatten()
                                        .find(|p| p.name.as_deref() == Some(n))
                                        .map_or_else(|| n.to_owned(), column_name)
                                })
                                .collect(),
                            None => col.iter().cloned().collect(),
                        };
                        Ok(Metric::DuplicateCount { columns: cols })
                    }
                    (other, _) => Err(format!("metric `{other}` cannot run here")),
                };
                let unit = r.unit.clone();
                // `rule: nullCheck` (v3.0) means `mustBe: 0` when no operator is written.
                let plan = match (metric, to_operator(r.operators_or_implied())) {
                    (Ok(metric), Some(op)) => {
                        let filter = rule_filter(r);
                        let metric = scoped(metric, filter.as_deref(), None);
                        let measure = if unit.as_deref() == Some("percent") && metric != Metric::RowCount {
                            Measure::Percent { metric, rows: scoped(Metric::RowCount, filter.as_deref(), None) }
                        } else {
                            Measure::Value(metric)
                        };
                        CheckPlan::Metric { measure, operator: op, unit: unit.or(Some("rows".into())) }
                    }
                    (Err(e), _) => CheckPlan::Error(e),
                    (_, None) => CheckPlan::Error("the rule has no operator".into()),
                };
                (format!("library.{m}"), plan, m.clone())
            }
        };
        let title = r.description.clone().or_else(|| r.name.clone()).unwrap_or_else(|| match &col {
            Some(c) => format!("{default_title} on `{c}`"),
            None => default_title.clone(),
        });
        let mut s = self.spec(id, &kind, &ds, col.as_deref(), title, ptr, plan);
        s.info.severity = Severity::from_contract(r.severity.as_deref());
        s.info.dimension = r.dimension.map(|d| d.as_str().to_owned());
        s.info.tags = r.tags.clone().unwrap_or_default();
        s.info.business_impact = r.business_impact.clone();
        self.push(s);
    }

    /// Compiles an `engine: lakegate` rule.
    fn lakegate(
        &mut self,
        obj: &SchemaObject,
        enclosing: Option<&str>,
        r: &QualityRule,
    ) -> (String, CheckPlan, String) {
        let rule: LakegateRule = match r.implementation.clone().map(serde_json::from_value) {
            Some(Ok(rule)) => rule,
            _ => {
                return (
                    "lakegate".into(),
                    CheckPlan::Error("invalid lakegate implementation (see `lakegate lint`)".into()),
                    "lakegate rule".into(),
                );
            }
        };
        let m = rule.metric.clone();
        let kind = format!("lakegate.{m}");
        let col = rule
            .property
            .as_deref()
            .map(|p| {
                obj.properties
                    .iter()
                    .flatten()
                    .find(|q| q.name.as_deref() == Some(p))
                    .map_or_else(|| p.to_owned(), column_name)
            })
            .or_else(|| enclosing.map(str::to_owned));
        let title = match &col {
            Some(c) => format!("{m} of `{c}`"),
            None => m.clone(),
        };
        let Some(op) = to_operator(rule.operators()) else {
            return (kind, CheckPlan::Error("the rule has no operator".into()), title);
        };
        let filter = rule.filter.as_deref();
        let groups = rule.group_by.as_deref();
        let need_col = || col.clone().ok_or_else(|| format!("`{m}` needs a property"));
        let lits = |v: &Option<Vec<Json>>| v.iter().flatten().map(Literal::from_json).collect::<Vec<_>>();
        let unit = r.unit.clone();
        let agg = |a: Agg| need_col().map(|c| Metric::Aggregate { column: c, agg: a });
        let time_unit = || {
            unit.as_deref()
                .and_then(parse_unit)
                .ok_or_else(|| format!("`{m}` needs a time `unit` on the rule (s, m, h, d, ...)"))
        };
        let measure: Result<Measure, String> = (|| {
            let base = match m.as_str() {
                "rowCount" => Metric::RowCount,
                "nullCount" => Metric::NullCount { column: need_col()? },
                "min" => agg(Agg::Min)?,
                "max" => agg(Agg::Max)?,
                "avg" => agg(Agg::Avg)?,
                "sum" => agg(Agg::Sum)?,
                "stddev" => agg(Agg::Stddev)?,
                "median" => agg(Agg::Median)?,
                "quantile" => agg(Agg::Quantile(F64(rule.q.unwrap_or(0.5))))?,
                "distinctCount" => agg(Agg::DistinctCount)?,
                "distinctRatio" => agg(Agg::DistinctRatio)?,
                "minLength" => agg(Agg::MinLength)?,
                "maxLength" => agg(Agg::MaxLength)?,
                "avgLength" => agg(Agg::AvgLength)?,
                "forbiddenValues" => Metric::MissingCount { column: need_col()?, values: lits(&rule.values) },
                "distinctValues" => {
                    let c = need_col()?;
                    if rule.subset_of.is_some() {
                        Metric::DistinctOutside { column: c, values: lits(&rule.subset_of) }
                    } else if rule.superset_of.is_some() {
                        Metric::DistinctAbsent { column: c, values: lits(&rule.superset_of) }
                    } else {
                        let v = lits(&rule.equals);
                        return Ok(Measure::Sum(vec![
                            scoped(Metric::DistinctOutside { column: c.clone(), values: v.clone() }, filter, None),
                            scoped(Metric::DistinctAbsent { column: c, values: v }, filter, None),
                        ]));
                    }
                }
                "rowCondition" => {
                    Metric::RowConditionFailures { expression: rule.expression.clone().unwrap_or_default() }
                }
                "expression" => Metric::Expression { expression: rule.expression.clone().unwrap_or_default() },
                "increasing" | "decreasing" => Metric::OrderBreaks {
                    column: need_col()?,
                    order_by: rule.order_by.clone().unwrap_or_default(),
                    descending: m == "decreasing",
                    strict: rule.strict.unwrap_or(false),
                },
                "freshness" => {
                    return Ok(Measure::Age {
                        metric: scoped(Metric::MaxEpoch { column: need_col()? }, filter, None),
                        unit_seconds: time_unit()?,
                    });
                }
                "partitionFreshness" => {
                    let c = col.clone().or_else(|| {
                        obj.properties.iter().flatten().find(|p| p.partitioned == Some(true)).map(column_name)
                    });
                    let c = c.ok_or("`partitionFreshness` needs a property or a property with `partitioned: true`")?;
                    return Ok(Measure::Age {
                        metric: scoped(Metric::MaxEpoch { column: c }, filter, None),
                        unit_seconds: time_unit()?,
                    });
                }
                "rowCountComparison" | "aggregateComparison" => {
                    let to = rule.compare_to.clone().unwrap_or_default();
                    let (dataset, other_obj) = self.other_dataset(&to)?;
                    let ratio = rule.method.as_deref() != Some("difference");
                    let (left, right) = if m == "rowCountComparison" {
                        (Metric::RowCount, Metric::RowCount)
                    } else {
                        let a = match rule.aggregate.as_deref().unwrap_or("sum") {
                            "avg" => Agg::Avg,
                            "min" => Agg::Min,
                            "max" => Agg::Max,
                            "count" => Agg::Count,
                            "distinctCount" => Agg::DistinctCount,
                            _ => Agg::Sum,
                        };
                        let here = need_col()?;
                        let there_name = to.property.clone().unwrap_or_else(|| {
                            rule.property.clone().or_else(|| enclosing.map(str::to_owned)).unwrap_or_default()
                        });
                        let there = other_obj
                            .properties
                            .iter()
                            .flatten()
                            .find(|p| p.name.as_deref() == Some(there_name.as_str()))
                            .map_or(there_name.clone(), column_name);
                        (Metric::Aggregate { column: here, agg: a }, Metric::Aggregate { column: there, agg: a })
                    };
                    return Ok(Measure::Compare {
                        left: scoped(left, filter, None),
                        dataset,
                        right: scoped(right, to.filter.as_deref(), None),
                        ratio,
                    });
                }
                other => return Err(format!("unknown lakegate metric `{other}`")),
            };
            let metric = scoped(base, filter, groups);
            if unit.as_deref() == Some("percent") {
                if groups.is_some() {
                    return Err("`unit: percent` does not combine with `groupBy`".into());
                }
                return Ok(Measure::Percent { metric, rows: scoped(Metric::RowCount, filter, None) });
            }
            Ok(Measure::Value(metric))
        })();
        let measure = match (measure, &rule.change) {
            (Ok(m), Some(c)) => lakegate_contract::lakegate::window(&c.window)
                .map(|window| Measure::Change {
                    inner: Box::new(m),
                    change: lakegate_core::ChangeSpec {
                        method: c.method.clone(),
                        window,
                        min_history: c.min_history.unwrap_or(3),
                        same_weekday: c.seasonality.as_deref() == Some("dayOfWeek") || c.method == "seasonal",
                        include_failed: c.include_failed.unwrap_or(false),
                        rebase_after: c.rebase_after.filter(|n| *n > 0),
                    },
                })
                .ok_or_else(|| "invalid change window".to_owned()),
            (m, _) => m,
        };
        let plan = match measure {
            Ok(measure) => CheckPlan::Metric { measure, operator: op, unit: unit.clone() },
            Err(e) => CheckPlan::Error(e),
        };
        let (kind, title) = match &rule.change {
            Some(c) => (format!("{kind}.change"), format!("{title}: change ({})", c.method)),
            None => (kind, title),
        };
        (kind, plan, title)
    }

    /// The dataset name of a comparison's other side, registering other contracts' objects.
    fn other_dataset(&mut self, to: &lakegate_contract::lakegate::CompareTo) -> Result<(String, SchemaObject), String> {
        let (contract, prefix) = match &to.contract {
            None => (self.c, None),
            Some(id) if *id == self.c.contract.id => (self.c, None),
            Some(id) => {
                let other = self.all.iter().find(|c| &c.contract.id == id).ok_or_else(|| {
                    format!("contract `{id}` is not part of this run: pass its file to `lakegate check` too")
                })?;
                (other, Some(id.clone()))
            }
        };
        let (i, obj) = contract
            .contract
            .schema
            .iter()
            .flatten()
            .enumerate()
            .find(|(_, o)| o.name == to.object)
            .ok_or_else(|| format!("`{}` is no schema object of contract `{}`", to.object, contract.contract.id))?;
        match prefix {
            None => Ok((obj.name.clone(), obj.clone())),
            Some(id) => {
                let name = format!("{id}:{}", obj.name);
                self.externals.insert(name.clone(), (contract, i));
                Ok((name, obj.clone()))
            }
        }
    }

    fn slas(&mut self) {
        let c = self.c;
        let cid = c.contract.id.clone();
        for (i, s) in c.contract.sla_properties.iter().flatten().enumerate() {
            let ptr = format!("/slaProperties/{i}");
            let prop = s.property.to_ascii_lowercase();
            let element = s.element.clone().or_else(|| c.contract.sla_default_element.clone());
            let first = element.as_deref().map(|e| e.split(',').next().unwrap_or("").trim().to_owned());
            let resolved = first.as_deref().and_then(|e| self.resolve(e));
            let id = format!("{cid}/sla/{}", s.id.clone().unwrap_or_else(|| format!("{}[{i}]", s.property)));
            // `value: 4, unit: d`, `"500ms"`, ISO 8601 (`P1D`, `PT15M`): the forms lint accepts.
            let duration = lakegate_contract::units::sla_duration(&s.value, s.unit.as_deref());
            let unit = duration.as_ref().map(|d| d.unit.clone()).unwrap_or_default();
            let plan = if !lakegate_contract::validate::EXECUTED_SLAS.contains(&prop.as_str()) {
                CheckPlan::Skip(format!("SLA `{}` has no execution semantics in lakegate", s.property))
            } else {
                match (&resolved, &duration) {
                    (None, _) => CheckPlan::Error(match &first {
                        Some(e) => format!("element `{e}` names no `object.property` of this contract"),
                        None => "the SLA has no `element`".into(),
                    }),
                    (_, Err(why)) => CheckPlan::Error(format!("the SLA value cannot be read: {why}")),
                    (Some((_, col)), Ok(d)) => {
                        let (v, unit_seconds) = (d.amount, d.unit_seconds);
                        let column = col.clone();
                        let measure = match prop.as_str() {
                            "freshness" | "latency" => {
                                Measure::Age { metric: Metric::MaxEpoch { column }, unit_seconds }
                            }
                            "retention" => Measure::Age { metric: Metric::MinEpoch { column }, unit_seconds },
                            _ => Measure::Scaled { metric: Metric::MaxGap { column }, unit_seconds },
                        };
                        CheckPlan::Metric {
                            measure,
                            operator: Operator::MustBeLessOrEqualTo(v),
                            unit: Some(unit.clone()),
                        }
                    }
                }
            };
            let title = s.description.clone().unwrap_or_else(|| match (&first, &duration) {
                (Some(e), Ok(d)) => format!("{} of `{e}` <= {} {unit}", s.property, fmt_value(d.amount)),
                _ => format!("SLA {}", s.property),
            });
            let spec = CheckSpec {
                info: CheckInfo {
                    id,
                    kind: format!("sla.{}", s.property),
                    dataset: resolved.as_ref().map(|(d, _)| d.clone()),
                    property: resolved.as_ref().map(|(_, c)| c.clone()),
                    title,
                    location: at(c, &ptr),
                    severity: Severity::Error,
                    dimension: Some("timeliness".into()),
                    tags: Vec::new(),
                    business_impact: s.driver.clone(),
                },
                plan,
            };
            self.push(spec);
        }
    }
}

/// The classified columns of `props` as paths (`email`, `s.email` for a struct's field,
/// `tags[]` for array items): a classified property hides everything below it too.
fn classified_paths(props: &[Property], parent: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    for p in props {
        let path = match parent {
            Some(par) => format!("{par}.{}", column_name(p)),
            None => column_name(p),
        };
        let classified = |p: &Property| {
            p.classification.as_deref().is_some_and(|cl| REDACTED_CLASSES.contains(&cl.to_ascii_lowercase().as_str()))
        };
        if classified(p) {
            out.push(path.clone());
            continue;
        }
        out.extend(classified_paths(p.properties.as_deref().unwrap_or(&[]), Some(&path)));
        // Classified array items or map values: the whole column holds them.
        let elements =
            p.items.iter().map(|i| i.as_ref()).chain(p.map.iter().flat_map(|m| [m.key.as_ref(), m.value.as_ref()]));
        if elements
            .into_iter()
            .any(|e| classified(e) || !classified_paths(e.properties.as_deref().unwrap_or(&[]), None).is_empty())
        {
            out.push(path);
        }
    }
    out
}

/// The element part of a JSON pointer below its top-level property (`/schema/0/properties/2/`):
/// `items`, `map/key`, `items/items`, `items/properties/1`.
fn element_path(ptr: &str) -> &str {
    let Some(i) = ptr.find("/properties/") else { return ptr };
    let tail = &ptr[i + "/properties/".len()..];
    tail.split_once('/').map_or(tail, |(_, rest)| rest)
}

fn fmt_value(x: f64) -> String {
    lakegate_core::check::fmt_num(x)
}

/// A library rule's row filter: its customProperties `where`.
fn rule_filter(r: &QualityRule) -> Option<String> {
    r.custom_properties
        .iter()
        .flatten()
        .find(|cp| cp.property == "where")
        .and_then(|cp| cp.value.as_str().map(str::to_owned))
}

/// Wraps a metric in its filter and groups: `Filtered { Grouped { metric } }`.
fn scoped(m: Metric, filter: Option<&str>, groups: Option<&[String]>) -> Metric {
    let m = match groups {
        Some(keys) => Metric::Grouped { keys: keys.to_vec(), metric: Box::new(m) },
        None => m,
    };
    match filter {
        Some(f) => Metric::Filtered { filter: f.to_owned(), metric: Box::new(m) },
        None => m,
    }
}

/// The first operator written on a rule, with its threshold (lint guarantees exactly one).
fn to_operator(ops: Vec<lakegate_contract::operators::SetOperator>) -> Option<Operator> {
    let (name, v) = ops.into_iter().next()?;
    let v = v?;
    Some(match (name, v.as_slice()) {
        ("mustBe", [x]) => Operator::MustBe(*x),
        ("mustNotBe", [x]) => Operator::MustNotBe(*x),
        ("mustBeGreaterThan", [x]) => Operator::MustBeGreaterThan(*x),
        ("mustBeGreaterOrEqualTo", [x]) => Operator::MustBeGreaterOrEqualTo(*x),
        ("mustBeLessThan", [x]) => Operator::MustBeLessThan(*x),
        ("mustBeLessOrEqualTo", [x]) => Operator::MustBeLessOrEqualTo(*x),
        ("mustBeBetween", [a, b]) => Operator::MustBeBetween(*a, *b),
        ("mustNotBeBetween", [a, b]) => Operator::MustNotBeBetween(*a, *b),
        _ => return None,
    })
}
