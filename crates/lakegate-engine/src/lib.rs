//! The polars engine: reads each dataset of a contract and computes its metrics, every
//! scan-shareable metric in ONE lazy select per dataset; relationships as anti-joins and
//! SQL rules through polars SQL over the contract's datasets.

mod distinct;
mod footer;
mod lower;
mod merge;
mod pattern;
pub mod profile;
mod samples;
pub mod source;
mod sql_guard;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Instant;

use lakegate_core::{ColumnType, ContractPlan, DataSchema, DatasetPlan, DatasetResult, Metric, MetricMap, Observed};
use polars::prelude::*;
use polars::sql::SQLContext;

pub use lakegate_core::DatasetOutcome;

/// A progress callback: (dataset, slices read, slices).
pub type OnSlice = dyn Fn(&str, usize, usize) + Send + Sync;

/// Called as the slices of a dataset are read.
#[derive(Clone)]
pub struct SliceProgress(pub Arc<OnSlice>);

impl std::fmt::Debug for SliceProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SliceProgress")
    }
}

/// How the engine reads data.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// Datasets (Parquet, CSV, NDJSON) with more rows than this are read in slices of this many
    /// rows, with mergeable metric states: memory holds two slices (0: never slice).
    pub slice_rows: u64,
    /// Answer row counts, null counts and min/max from Parquet footer statistics when they
    /// are exact for the question.
    pub statistics: bool,
    /// Progress of sliced reads (for progress bars).
    pub progress: Option<SliceProgress>,
    /// Failing rows to capture per row-level check in the scan itself (0: none).
    pub capture: usize,
    /// Count the rows of every dataset even when no check asks (the report shows them). Off for
    /// `--schema-only`, which reads no rows: a CSV's row count is a scan of the file.
    pub row_count: bool,
}

/// Default rows per slice (8 row groups of 262,144 rows): about 250 MB of decoded columns for a
/// typical 10-column table. Measured on the orders benchmark (10M rows): 2M-row slices ran as fast
/// as one read, at half the peak memory; 8M-row slices kept 85% of it.
pub const DEFAULT_SLICE_ROWS: u64 = 2 * 1024 * 1024;

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions { slice_rows: DEFAULT_SLICE_ROWS, statistics: true, progress: None, capture: 0, row_count: true }
    }
}

struct Opened {
    lf: LazyFrame,
    /// The same rows as `lf` in slices, when the dataset is read slice by slice.
    slices: Vec<LazyFrame>,
    /// The Parquet footers, when every file is Parquet and they could be read.
    footer: Option<footer::Footer>,
    schema: DataSchema,
    bytes: u64,
    missing_in_files: BTreeMap<String, usize>,
    skipped: Vec<String>,
    /// The files read and the folder hive partitions are read below (to name a failing file).
    files: Vec<PathBuf>,
    base: PathBuf,
}

fn open(d: &DatasetPlan, opts: &EngineOptions) -> (Result<Opened, String>, usize) {
    // No row is read when no metric needs one (`--schema-only`): text files are not scanned.
    let header_only = !opts.row_count && d.metrics.is_empty();
    let (mut opened, n) = source::schema_only(header_only, || open_source(d, opts.slice_rows));
    if let Ok(o) = &mut opened
        && (!opts.statistics || d.filter.is_some())
        && let Some(f) = o.footer.as_mut()
    {
        // Statistics describe the whole files, not the rows a filter keeps.
        f.answers = false;
    }
    // `--where`: every metric of the dataset is computed over the matching rows only.
    if let (Ok(o), Some(filter)) = (&mut opened, &d.filter) {
        match lower::sql_expression(filter, &o.schema) {
            Ok(pred) => {
                let pred = pred.fill_null(lit(false));
                o.lf = o.lf.clone().filter(pred.clone());
                o.slices = o.slices.iter().map(|s| s.clone().filter(pred.clone())).collect();
            }
            Err(e) => return (Err(format!("--where: {e}")), n),
        }
    }
    (opened, n)
}

/// Opens a dataset's files; a Parquet dataset of more than `slice_rows` rows (by its footers)
/// is also cut into slices: row ranges of its one file, or groups of whole files (a large file
/// cut into row ranges of its own) for several files.
fn open_source(d: &DatasetPlan, slice_rows: u64) -> (Result<Opened, String>, usize) {
    // CSV files note where their slices start as their fields are counted.
    source::with_slice_rows(slice_rows, || open_sliced(d, slice_rows))
}

/// [`open_source`].
fn open_sliced(d: &DatasetPlan, slice_rows: u64) -> (Result<Opened, String>, usize) {
    let src = match &d.source {
        Ok(s) => s,
        Err(e) => return (Err(e.clone()), 0),
    };
    let (files, base) = match source::resolve_files(src) {
        Ok(f) => f,
        Err(e) => return (Err(e), 0),
    };
    let n = files.len();
    let bytes: u64 = files
        .iter()
        .filter_map(|f| source::object::size(f).or_else(|| std::fs::metadata(f).ok().map(|m| m.len())))
        .sum();
    // The Parquet footers: row counts for slicing and, unless filtered, zero-scan answers.
    let footer = (src.format == lakegate_core::Format::Parquet)
        .then(|| footer::read(&files))
        .and_then(|f| f.map_err(|e| tracing::debug!(dataset = %d.name, "footers not used: {e}")).ok());
    let opened = source::open_dataset(src, &files, &base, &d.declared)
        .and_then(|source::Opened { mut lf, missing_in_files, skipped, files: read }| {
            // The footers describe every file, the skipped ones too: not used then.
            let footer = if skipped.is_empty() { footer } else { None };
            let mut schema = lf.collect_schema()?;
            // Only empty files (no bytes, `[]`): no column was read, so the declared ones are
            // there, with no rows, rather than reported missing.
            if schema.is_empty() {
                let declared: Schema = d
                    .declared
                    .iter()
                    .filter(|c| !c.column.contains('.'))
                    .map(|c| Field::new(c.column.as_str().into(), DataType::Null))
                    .collect();
                lf = DataFrame::empty_with_schema(&declared).lazy();
                schema = lf.collect_schema()?;
            }
            // Categorical and enum columns (a Parquet dictionary written by polars) are checked
            // as the text they hold: polars' string functions refuse them. Fixed-size lists
            // (Arrow FixedSizeList) are checked as the arrays they are. A column of nulls only
            // (Arrow's null type: no value ever told its type) takes its declared type.
            let declared_type = |n: &str| match d.declared.iter().find(|c| c.column == n)?.parse.as_ref()? {
                ColumnType::String => Some(DataType::String),
                t => source::dtype_of(t),
            };
            let cats: Vec<Expr> = schema
                .iter()
                .filter_map(|(n, t)| match t {
                    DataType::Categorical(..) | DataType::Enum(..) => Some(col(n.clone()).cast(DataType::String)),
                    DataType::Array(inner, _) => Some(col(n.clone()).cast(DataType::List(inner.clone()))),
                    DataType::Null => declared_type(n).map(|t| col(n.clone()).cast(t)),
                    _ => None,
                })
                .collect();
            let text = |lf: LazyFrame| if cats.is_empty() { lf } else { lf.with_columns(cats.clone()) };
            // The schema the checks see: after the casts above (slices are cut on the raw one).
            let checked = if cats.is_empty() { schema.clone() } else { text(lf.clone()).collect_schema()? };
            let mut slices = Vec::new();
            if let Some(f) = footer.as_ref().filter(|f| slice_rows > 0 && f.rows > slice_rows) {
                let hive = files.iter().any(|f| !source::hive_keys(f, &base).is_empty());
                // Several files: each slice scans its own files. A row range of the dataset's
                // scan reads the footers of every file before it (polars counts their rows): on
                // object storage, a HEAD and a footer GET per earlier file and slice (20 objects
                // of 500,000 rows: 90 HEADs and 110 footer reads for 20 data reads).
                slices = if (hive || files.len() > 1) && f.file_rows.len() == files.len() {
                    source::parquet_file_slices(src, &files, &base, &d.declared, f, slice_rows, &schema)?
                } else {
                    // On row-group boundaries: no row group is fetched and decoded twice.
                    f.slices(slice_rows)
                        .into_iter()
                        .map(|(offset, rows)| lf.clone().slice(offset as i64, rows as IdxSize))
                        .collect()
                };
                slices = slices.into_iter().map(text).collect();
                tracing::debug!(dataset = %d.name, rows = f.rows, slices = slices.len(), hive, "read in slices");
            } else if src.format != lakegate_core::Format::Parquet {
                // CSV and NDJSON: cut by rows counted in the files (source/text.rs).
                slices = source::text_slices(src, &read, &base, &d.declared, &lf, &schema, slice_rows)?;
                slices = slices.into_iter().map(text).collect();
            }
            Ok(Opened {
                schema: convert_schema(&checked),
                lf: text(lf),
                slices,
                footer,
                bytes,
                missing_in_files,
                skipped,
                files: read,
                base: base.clone(),
            })
        })
        .map_err(|e| {
            // A reason that already names the dataset's one file or object is not prefixed twice.
            let why = first_line(&e.to_string());
            let named = format!("`{}`: ", src.display);
            let again = format!("cannot read `{}`: ", src.display);
            let why = why.strip_prefix(named.as_str()).or_else(|| why.strip_prefix(again.as_str())).unwrap_or(&why);
            format!("cannot read `{}`: {why}", src.display)
        });
    (opened, n)
}

/// Pieces of about an equal share of all cores' work over chunks of `lens` rows: (chunk, rows).
pub(crate) fn pieces(lens: &[usize]) -> Vec<(usize, std::ops::Range<usize>)> {
    let step = lens.iter().sum::<usize>().div_ceil(rayon::current_num_threads().max(1) * 4).max(1 << 16);
    lens.iter()
        .enumerate()
        .flat_map(|(c, &len)| (0..len.div_ceil(step)).map(move |p| (c, p * step..((p + 1) * step).min(len))))
        .collect()
}

/// A lock whose holders never leave its data half-updated: a poisoned one is used as it is.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).trim().to_owned()
}

/// A contract's run: what each dataset gave, and the opened data for the sample pass.
pub struct ContractRun {
    /// One outcome per dataset of the plan, in plan order.
    pub outcomes: Vec<DatasetOutcome>,
    frames: BTreeMap<String, (LazyFrame, DataSchema)>,
    /// Failing rows captured in the scans, by dataset and metric.
    captured: BTreeMap<String, BTreeMap<Metric, DataFrame>>,
}

impl ContractRun {
    /// Up to `n` failing rows of a row-level check (None when the check is not row-level or
    /// its dataset was not read); every failing row goes to `export` (Parquet) when given.
    pub fn samples(
        &self,
        d: &DatasetPlan,
        measure: &lakegate_core::Measure,
        n: usize,
        export: Option<&std::path::Path>,
    ) -> Option<Result<lakegate_core::Samples, String>> {
        if export.is_none()
            && let Some(c) = self.captured.get(&d.name)
        {
            match guarded(|| samples::from_captured(measure, c, d, n)) {
                Ok(Some(s)) => return Some(Ok(s)),
                Ok(None) => {}
                Err(panic) => return Some(Err(panic)),
            }
        }
        let (lf, schema) = self.frames.get(&d.name)?;
        let lazy: BTreeMap<String, LazyFrame> = self.frames.iter().map(|(k, (f, _))| (k.clone(), f.clone())).collect();
        guarded(|| samples::sample(lf, schema, d, measure, &lazy, n, export)).unwrap_or_else(|panic| Some(Err(panic)))
    }
}

/// The embedded polars engine behind the core [`lakegate_core::Engine`] interface.
#[derive(Debug, Clone, Default)]
pub struct PolarsEngine(pub EngineOptions);

impl lakegate_core::Engine for PolarsEngine {
    fn name(&self) -> String {
        "polars".into()
    }

    fn run(&self, plan: &ContractPlan) -> Box<dyn lakegate_core::EngineRun> {
        Box::new(run_contract_with(plan, &self.0))
    }

    fn explain(&self, plan: &ContractPlan) -> String {
        explain(plan, &self.0)
    }
}

impl lakegate_core::EngineRun for ContractRun {
    fn outcomes(&self) -> &[DatasetOutcome] {
        &self.outcomes
    }

    fn outcomes_mut(&mut self) -> &mut [DatasetOutcome] {
        &mut self.outcomes
    }

    fn samples(
        &self,
        d: &DatasetPlan,
        measure: &lakegate_core::Measure,
        n: usize,
        export: Option<&std::path::Path>,
    ) -> Option<Result<lakegate_core::Samples, String>> {
        ContractRun::samples(self, d, measure, n, export)
    }

    fn into_outcomes(self: Box<Self>) -> Vec<DatasetOutcome> {
        self.outcomes
    }
}

/// Runs every dataset of a contract and its cross-dataset metrics, with default options.
pub fn run_contract(plan: &ContractPlan) -> ContractRun {
    run_contract_with(plan, &EngineOptions::default())
}

/// Runs every dataset of a contract and its cross-dataset metrics.
pub fn run_contract_with(plan: &ContractPlan, opts: &EngineOptions) -> ContractRun {
    // Datasets of one contract run one after the other: contracts already run in parallel
    // on rayon's pool, each polars query is parallel itself, and nested rayon loops let a
    // blocked worker steal another contract onto its stack (a stack overflow at 500 contracts).
    let started: Vec<Instant> = plan.datasets.iter().map(|_| Instant::now()).collect();
    let opened: Vec<(Result<Opened, String>, usize)> = plan
        .datasets
        .iter()
        .map(|d| {
            guarded(|| open(d, opts)).unwrap_or_else(|panic| (Err(format!("cannot read `{}`: {panic}", d.name)), 0))
        })
        .collect();
    let frames: BTreeMap<String, LazyFrame> = plan
        .datasets
        .iter()
        .zip(&opened)
        .filter_map(|(d, (o, _))| o.as_ref().ok().map(|o| (d.name.clone(), o.lf.clone())))
        .collect();
    let kept: BTreeMap<String, (LazyFrame, DataSchema)> = plan
        .datasets
        .iter()
        .zip(&opened)
        .filter_map(|(d, (o, _))| o.as_ref().ok().map(|o| (d.name.clone(), (o.lf.clone(), o.schema.clone()))))
        .collect();
    let captures = std::sync::Mutex::new(BTreeMap::new());
    let outcomes = plan
        .datasets
        .iter()
        .zip(opened)
        .zip(started)
        .map(|((d, (o, files)), t0)| {
            let display = d.source.as_ref().map(|s| s.display.clone()).unwrap_or_default();
            match o {
                Err(e) => {
                    let metrics = d.metrics.iter().map(|m| (m.clone(), Err(e.clone()))).collect();
                    DatasetOutcome {
                        schema: Err(e.clone()),
                        metrics,
                        from_statistics: BTreeSet::new(),
                        missing_in_files: BTreeMap::new(),
                        catalog_types: BTreeMap::new(),
                        result: DatasetResult {
                            name: d.name.clone(),
                            source: display,
                            files,
                            bytes: 0,
                            rows: None,
                            error: Some(e),
                            duration_ms: t0.elapsed().as_millis() as u64,
                            skipped_files: Vec::new(),
                        },
                    }
                }
                Ok(o) => {
                    // A panic while computing (inside polars, on data it did not expect) errors
                    // this dataset's metrics with the reason; the other datasets still run.
                    let Computed { metrics, from_statistics, captured } = guarded(|| compute(d, &o, &frames, opts))
                        .unwrap_or_else(|panic| Computed {
                            metrics: d.metrics.iter().map(|m| (m.clone(), Err(panic.clone()))).collect(),
                            from_statistics: BTreeSet::new(),
                            captured: BTreeMap::new(),
                        });
                    if !captured.is_empty() {
                        lock(&captures).insert(d.name.clone(), captured);
                    }
                    let metrics = name_failing_file(d, &o, metrics);
                    let bytes = o.bytes;
                    let rows = match metrics.get(&Metric::RowCount) {
                        Some(Ok(v)) => Some(v.value as u64),
                        _ => None,
                    };
                    DatasetOutcome {
                        schema: Ok(o.schema.into_iter().filter(|(n, _)| !n.ends_with(source::RAW_SUFFIX)).collect()),
                        metrics,
                        from_statistics,
                        missing_in_files: o.missing_in_files.clone(),
                        catalog_types: BTreeMap::new(),
                        result: DatasetResult {
                            name: d.name.clone(),
                            source: display,
                            files,
                            bytes,
                            rows,
                            error: None,
                            duration_ms: t0.elapsed().as_millis() as u64,
                            skipped_files: o.skipped.clone(),
                        },
                    }
                }
            }
        })
        .collect();
    let captured = captures.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    ContractRun { outcomes, frames: kept, captured }
}

/// Read errors of a dataset name the file that fails (a corrupt page): polars reads the files
/// as one and names none; each file is then read on its own until one fails.
fn name_failing_file(d: &DatasetPlan, o: &Opened, mut metrics: MetricMap) -> MetricMap {
    let prefix = format!("reading `{}` ", d.name);
    let failed =
        |v: &Result<Observed, String>| matches!(v, Err(e) if e.starts_with(&prefix) && !e.contains(" failed in `"));
    if !metrics.values().any(failed) {
        return metrics;
    }
    let Ok(src) = d.source.as_ref() else { return metrics };
    let Some(f) = source::failing_file(src, &o.files, &o.base, &d.declared) else { return metrics };
    for v in metrics.values_mut() {
        if failed(v)
            && let Err(e) = v
        {
            *e = e.replacen(" failed: ", &format!(" failed in `{}`: ", f.display()), 1);
        }
    }
    metrics
}

/// Computes the metrics of one dataset; also says which came from footer statistics.
fn compute(d: &DatasetPlan, o: &Opened, frames: &BTreeMap<String, LazyFrame>, opts: &EngineOptions) -> Computed {
    let progress = opts.progress.as_ref();
    let mut out = MetricMap::new();
    let mut from_statistics = BTreeSet::new();
    let mut captured = BTreeMap::new();
    let capture = |m: &Metric| if opts.capture > 0 { samples::capture(m, &o.schema, d) } else { None };
    let mut captures: Vec<(Metric, Capture)> = Vec::new();
    // Row count is computed unless no rows may be read: percentages and the report need it.
    let mut wanted: Vec<Metric> = d.metrics.iter().cloned().collect();
    let footer_rows = o.footer.as_ref().and_then(|f| f.answer(&Metric::RowCount)).is_some();
    if (opts.row_count || footer_rows) && !wanted.contains(&Metric::RowCount) {
        wanted.push(Metric::RowCount);
    }
    let mut plain = Vec::new();
    let mut filtered: BTreeMap<String, Vec<Metric>> = BTreeMap::new();
    for m in wanted {
        match m {
            Metric::Sql { ref query } => {
                // A panic inside polars on this query errors this rule alone.
                // A long query is refused, a fairly long one read on a large stack (lower.rs).
                let v = lower::check_size(query)
                    .and_then(|_| lower::deep_stack(|| guarded(|| run_sql(query, frames)).unwrap_or_else(Err)));
                out.insert(m, v);
            }
            Metric::OrphanCount { ref columns, ref target, ref target_columns } => {
                let v = guarded(|| orphans(o, columns, frames.get(target), target, target_columns)).unwrap_or_else(Err);
                out.insert(m, v);
            }
            Metric::Filtered { filter, metric } => filtered.entry(filter).or_default().push(*metric),
            other => match o.footer.as_ref().and_then(|f| f.answer(&other)) {
                Some(v) => {
                    // Answered without reading; its failing rows (if any) still come from the scan.
                    if v > 0.0
                        && let Some(e) = capture(&other)
                    {
                        captures.push((other.clone(), e));
                    }
                    out.insert(other.clone(), Ok(Observed::num(v)));
                    from_statistics.insert(other);
                }
                None => {
                    if let Some(e) = capture(&other) {
                        captures.push((other.clone(), e));
                    }
                    plain.push(other);
                }
            },
        }
    }
    let (values, rows) = compute_on(
        Frame {
            lf: &o.lf,
            slices: &o.slices,
            schema: &o.schema,
            name: &d.name,
            footer: o.footer.as_ref().filter(|_| opts.statistics),
        },
        plain,
        captures,
        opts.capture,
        progress,
    );
    out.extend(values);
    captured.extend(rows);
    // One select per distinct filter, over the filtered rows.
    for (filter, metrics) in filtered {
        match lower::sql_expression(&filter, &o.schema) {
            Ok(pred) => {
                let pred = pred.fill_null(lit(false));
                let lf = o.lf.clone().filter(pred.clone());
                let slices: Vec<LazyFrame> = o.slices.iter().map(|s| s.clone().filter(pred.clone())).collect();
                let wrap = |m: Metric| Metric::Filtered { filter: filter.clone(), metric: Box::new(m) };
                let captures = metrics.iter().filter_map(|m| capture(m).map(|e| (m.clone(), e))).collect();
                let (values, rows) = compute_on(
                    Frame {
                        lf: &lf,
                        slices: &slices,
                        schema: &o.schema,
                        name: &d.name,
                        footer: o.footer.as_ref().filter(|_| opts.statistics),
                    },
                    metrics,
                    captures,
                    opts.capture,
                    progress,
                );
                for (m, v) in values {
                    out.insert(wrap(m), v);
                }
                for (m, r) in rows {
                    captured.insert(wrap(m), r);
                }
            }
            Err(e) => {
                for m in metrics {
                    out.insert(
                        Metric::Filtered { filter: filter.clone(), metric: Box::new(m) },
                        Err(format!("where: {e}")),
                    );
                }
            }
        }
    }
    Computed { metrics: out, from_statistics, captured }
}

/// The rows one pass of `compute_on` reads: the whole frame, the same rows in slices (or
/// none), their schema and the dataset's name.
#[derive(Clone, Copy)]
struct Frame<'a> {
    lf: &'a LazyFrame,
    slices: &'a [LazyFrame],
    schema: &'a DataSchema,
    name: &'a str,
    /// The footers, for the exact bounds of integer key columns (None with --no-statistics).
    footer: Option<&'a footer::Footer>,
}

/// An in-scan capture: a violation mask and the columns shown for failing rows.
type Capture = (Expr, Vec<Expr>);

/// What `compute` learned about a dataset.
struct Computed {
    metrics: MetricMap,
    from_statistics: BTreeSet<Metric>,
    /// The first failing rows of row-level metrics, captured in the scan.
    captured: BTreeMap<Metric, DataFrame>,
}

/// Computes plain and grouped metrics over one frame: one select for every plain metric,
/// one group-by per distinct key set. With `slices` (a large Parquet dataset read in pieces),
/// mergeable metrics and the distinct kernel read slice by slice, one select per slice, and
/// only the rest reads the whole frame. Also returns the first `n` failing rows of every
/// metric in `captures`, taken in the same selects.
fn compute_on(
    frame: Frame<'_>,
    metrics: Vec<Metric>,
    captures: Vec<(Metric, Capture)>,
    n: usize,
    progress: Option<&SliceProgress>,
) -> (MetricMap, BTreeMap<Metric, DataFrame>) {
    let (out, captured, failed) = compute_once(frame, metrics.clone(), captures.clone(), n, progress);
    if !failed {
        return (out, captured);
    }
    // The shared read failed on the data (a cast of a value that does not convert, say): find
    // the metrics at fault by halving, error those alone, and read again without them.
    let candidates: Vec<(usize, Expr)> = metrics
        .iter()
        .enumerate()
        .filter(|(_, m)| !matches!(m, Metric::Grouped { .. }) && kernel_columns(m, frame.schema).is_none())
        .filter_map(|(i, m)| lower::expr(m, frame.schema).ok().map(|e| (i, e.cast(DataType::Float64))))
        .collect();
    let bad = culprits(frame.lf, &candidates);
    if bad.is_empty() {
        return (out, captured);
    }
    let mut errors = MetricMap::new();
    let mut keep = Vec::new();
    for (i, m) in metrics.into_iter().enumerate() {
        match bad.iter().find(|(j, _)| *j == i) {
            Some((_, why)) => {
                errors.insert(m, Err(format!("reading `{}` failed: {why}", frame.name)));
            }
            None => keep.push(m),
        }
    }
    let captures = captures.into_iter().filter(|(m, _)| !errors.contains_key(m)).collect();
    let (mut out, captured, _) = compute_once(frame, keep, captures, n, progress);
    out.extend(errors);
    (out, captured)
}

/// One attempt of [`compute_on`]; also says whether the shared read failed on the data.
fn compute_once(
    frame: Frame<'_>,
    metrics: Vec<Metric>,
    captures: Vec<(Metric, Capture)>,
    n: usize,
    progress: Option<&SliceProgress>,
) -> (MetricMap, BTreeMap<Metric, DataFrame>, bool) {
    let Frame { lf, slices, schema, name, footer } = frame;
    let mut out = MetricMap::new();
    let mut captured: BTreeMap<Metric, DataFrame> = BTreeMap::new();
    // A capture whose mask does not resolve on this data is dropped: its metric then takes
    // the plain path, where it is validated and errored alone.
    let probe = slices.first().unwrap_or(lf);
    let captures: Vec<(Metric, Capture)> = if captures.is_empty()
        || probe
            .clone()
            .select(captures.iter().map(|(_, (m, _))| m.clone()).collect::<Vec<_>>())
            .collect_schema()
            .is_ok()
    {
        captures
    } else {
        captures
            .into_iter()
            .filter(|(_, (m, shown))| resolves(probe, std::slice::from_ref(m)) && resolves(probe, shown))
            .collect()
    };
    // A captured metric's mask is computed once, as a column: its count and its first failing
    // rows both read it.
    let masks: Vec<Expr> =
        captures.iter().enumerate().map(|(j, (_, (m, _)))| m.clone().alias(format!("__mask{j}"))).collect();
    let mask_of = |m: &Metric| captures.iter().position(|(c, _)| c == m).map(|j| col(format!("__mask{j}")));
    let capture_exprs: Vec<Expr> = captures
        .iter()
        .enumerate()
        .map(|(j, (_, (_, shown)))| {
            as_struct(shown.clone())
                .filter(col(format!("__mask{j}")))
                .head(Some(n))
                .implode(false)
                .alias(format!("c{j}"))
        })
        .collect();
    let with_masks = |f: &LazyFrame| if masks.is_empty() { f.clone() } else { f.clone().with_columns(masks.clone()) };
    let lf = &with_masks(lf);
    let slices: &[LazyFrame] = &slices.iter().map(with_masks).collect::<Vec<_>>();
    let mut exprs = Vec::new();
    let mut names = Vec::new();
    let mut grouped: BTreeMap<Vec<String>, Vec<Metric>> = BTreeMap::new();
    // Distinct counts over integer keys go to the parallel kernel, fed from inside the select
    // (the data is still read once); metrics over the same key columns share one kernel.
    let mut kernel: Vec<(Metric, usize)> = Vec::new();
    let mut key_sets: Vec<Vec<String>> = Vec::new();
    // Per-slice states of mergeable metrics: (metric, merge, range of state columns).
    let mut merged: Vec<(Metric, merge::Merge, std::ops::Range<usize>)> = Vec::new();
    let mut states: Vec<Expr> = Vec::new();
    for m in metrics {
        if let Metric::Grouped { keys, metric } = m {
            grouped.entry(keys).or_default().push(*metric);
            continue;
        }
        if let Some(cols) = kernel_columns(&m, schema) {
            let set = match key_sets.iter().position(|s| *s == cols) {
                Some(i) => i,
                None => {
                    key_sets.push(cols);
                    key_sets.len() - 1
                }
            };
            kernel.push((m, set));
            continue;
        }
        if let Some(mask) = mask_of(&m) {
            // Counted from its mask column (merges by addition over slices).
            let e = mask.sum();
            if slices.is_empty() {
                exprs.push(e.cast(DataType::Float64));
                names.push(m);
            } else {
                let start = states.len();
                states.push(e.cast(DataType::Float64).alias(format!("s{start}")));
                merged.push((m, merge::Merge::Sum, start..states.len()));
            }
            continue;
        }
        if !slices.is_empty() {
            match merge::states(&m, schema) {
                Some(Ok((how, es))) => {
                    // A state that does not resolve on this data errors its metric alone.
                    if let Some(why) = unresolved(probe, &es) {
                        out.insert(m, Err(why));
                        continue;
                    }
                    let start = states.len();
                    for e in es {
                        states.push(e.cast(DataType::Float64).alias(format!("s{}", states.len())));
                    }
                    merged.push((m, how, start..states.len()));
                    continue;
                }
                Some(Err(why)) => {
                    out.insert(m, Err(why));
                    continue;
                }
                None => {}
            }
        }
        match lower::expr(&m, schema) {
            Ok(e) => {
                exprs.push(e.cast(DataType::Float64));
                names.push(m);
            }
            Err(why) => {
                out.insert(m, Err(why));
            }
        }
    }
    // Every expression is checked against the data's schema before the shared select: one
    // that does not type-check (a timestamp compared with text, a column that is not there)
    // errors its own metric, not every metric of the dataset.
    if !exprs.is_empty() && !resolves(lf, &aliased(&exprs)) {
        let (mut keep_e, mut keep_n) = (Vec::new(), Vec::new());
        for (e, m) in exprs.into_iter().zip(names) {
            match unresolved(lf, std::slice::from_ref(&e)) {
                Some(why) => {
                    out.insert(m, Err(why));
                }
                None => {
                    keep_e.push(e);
                    keep_n.push(m);
                }
            }
        }
        (exprs, names) = (keep_e, keep_n);
    }
    let make_kernels = || -> Vec<Arc<distinct::Distinct>> {
        key_sets
            .iter()
            .enumerate()
            .map(|(j, cols)| {
                // Duplicated keys are remembered for the samples of a failing uniqueness check.
                let dups =
                    n > 0 && kernel.iter().any(|(m, set)| *set == j && matches!(m, Metric::DuplicateCount { .. }));
                kernel_for(cols, schema, dups, slices.len(), footer).map(Arc::new)
            })
            .collect::<PolarsResult<_>>()
            .unwrap_or_default()
    };
    let make_feeds = |kernels: &[Arc<distinct::Distinct>]| -> Vec<Expr> {
        key_sets
            .iter()
            .zip(kernels)
            .enumerate()
            .map(|(j, (cols, k))| {
                k.feed(cols.iter().map(|c| lower::column(schema, c)).collect()).alias(format!("k{j}"))
            })
            .collect()
    };
    let kernels = make_kernels();
    let feeds = make_feeds(&kernels);
    let whole_keys = slices.is_empty() && !feeds.is_empty();
    let whole_captures = slices.is_empty() && !capture_exprs.is_empty();
    let mut kernel_error: Option<String> = None;
    let mut read_failed = false;
    if !exprs.is_empty() || whole_keys || whole_captures {
        let select: Vec<Expr> = aliased(&exprs)
            .into_iter()
            .chain(if whole_keys { feeds.clone() } else { vec![] })
            .chain(if whole_captures { capture_exprs.clone() } else { vec![] })
            .collect();
        let result = guarded(|| lf.clone().select(select).collect())
            .unwrap_or_else(|panic| Err(PolarsError::ComputeError(panic.into())));
        read_failed |= result.is_err();
        match result {
            Ok(df) => {
                if whole_captures {
                    for (j, (m, _)) in captures.iter().enumerate() {
                        if let Some(rows) = samples::captured_rows(&df, &format!("c{j}")) {
                            captured.insert(m.clone(), rows);
                        }
                    }
                }
                for (i, m) in names.into_iter().enumerate() {
                    let v = df
                        .column(&format!("m{i}"))
                        .and_then(|c| c.f64().map(|ca| ca.get(0)))
                        .map(|v| Observed::num(v.unwrap_or(f64::NAN)))
                        .map_err(|e| first_line(&e.to_string()));
                    let v = match v {
                        Ok(o) if o.value > 0.0 => Ok(with_detail(lf, schema, &m, o)),
                        Ok(o) => lower::nan_values(lf, schema, &m, o),
                        other => other,
                    };
                    out.insert(m, v);
                }
            }
            Err(e) => {
                let msg = format!("reading `{name}` failed: {}", first_line(&e.to_string()));
                for m in names {
                    out.insert(m, Err(msg.clone()));
                }
                if whole_keys {
                    kernel_error = Some(msg);
                }
            }
        }
    }
    if !slices.is_empty() && (!merged.is_empty() || !feeds.is_empty() || !capture_exprs.is_empty()) {
        let select: Vec<Expr> = states.into_iter().chain(feeds).chain(capture_exprs).collect();
        let width = merged.last().map_or(0, |m| m.2.end);
        let (per_slice, rows, failed) = read_slices(slices, &select, width, captures.len(), name, progress);
        // The first captured rows in slice order: the same rows a whole read gives.
        if failed.is_none() {
            for (j, (m, _)) in captures.iter().enumerate() {
                let parts: Vec<DataFrame> = rows.iter().filter_map(|r| r.as_ref()?.get(j)?.clone()).collect();
                let mut it = parts.into_iter();
                if let Some(mut first) = it.next() {
                    for p in it {
                        if first.vstack_mut(&p).is_err() {
                            break;
                        }
                    }
                    captured.insert(m.clone(), first);
                }
            }
        }
        if let Some(msg) = failed {
            read_failed = true;
            kernel_error = Some(msg.clone());
            for (m, _, _) in merged {
                out.insert(m, Err(msg.clone()));
            }
        } else {
            let per_slice: Vec<Vec<Option<f64>>> = per_slice.into_iter().map(Option::unwrap_or_default).collect();
            for (m, how, range) in merged {
                let parts: Vec<Vec<Option<f64>>> = per_slice.iter().map(|r| r[range.clone()].to_vec()).collect();
                let v = lower::nan_values(lf, schema, &m, Observed::num(merge::finish(how, &parts)));
                out.insert(m, v);
            }
        }
    }
    for (m, set) in kernel {
        if kernel_error.is_none()
            && let (Some(k), Metric::DuplicateCount { columns }) = (kernels.get(set), &m)
            && let Some(Ok(rows)) = k.duplicates(columns, n)
            && rows.height() > 0
        {
            captured.insert(m.clone(), rows);
        }
        let v = match &kernel_error {
            Some(e) => Err(e.clone()),
            None => match kernels.get(set) {
                Some(k) => Ok(Observed::num(kernel_value(&m, k.rows(), k.count()))),
                None => Err("the distinct kernel takes one or two key columns".to_owned()),
            },
        };
        out.insert(m, v);
    }
    for (keys, metrics) in grouped {
        let wrap = |m: &Metric| Metric::Grouped { keys: keys.clone(), metric: Box::new(m.clone()) };
        let errors = |why: String| metrics.iter().map(|m| (wrap(m), Err(why.clone()))).collect::<MetricMap>();
        out.extend(guarded(|| group_metrics(lf, schema, &keys, metrics.clone())).unwrap_or_else(errors));
    }
    (out, captured, read_failed)
}

/// The metric expressions of a select, named by position (`m0`, `m1` ...).
fn aliased(exprs: &[Expr]) -> Vec<Expr> {
    exprs.iter().enumerate().map(|(i, e)| e.clone().alias(format!("m{i}"))).collect()
}

/// Whether `exprs` resolve (columns, types) on `lf` without reading data.
fn resolves(lf: &LazyFrame, exprs: &[Expr]) -> bool {
    unresolved(lf, exprs).is_none()
}

/// Why `exprs` do not resolve on `lf` (columns, types), without reading data; a panic in
/// polars while resolving is an answer too.
fn unresolved(lf: &LazyFrame, exprs: &[Expr]) -> Option<String> {
    let aliased: Vec<Expr> = exprs.iter().enumerate().map(|(i, e)| e.clone().alias(format!("v{i}"))).collect();
    match guarded(|| lf.clone().select(aliased).collect_schema().map_err(|e| first_line(&e.to_string()))) {
        Ok(Ok(_)) => None,
        Ok(Err(e)) | Err(e) => Some(e),
    }
}

/// The expressions (by index) whose reading fails on `lf`, found by halving: a failing half is
/// split again until each culprit is alone. Reads `lf` about 2 log2(n) times per culprit.
fn culprits(lf: &LazyFrame, exprs: &[(usize, Expr)]) -> Vec<(usize, String)> {
    let run = |part: &[(usize, Expr)]| -> Result<(), String> {
        let select: Vec<Expr> = part.iter().map(|(i, e)| e.clone().alias(format!("m{i}"))).collect();
        match guarded(|| lf.clone().select(select).collect().map(|_| ()).map_err(|e| first_line(&e.to_string()))) {
            Ok(r) => r,
            Err(panic) => Err(panic),
        }
    };
    match (exprs.len(), run(exprs)) {
        (_, Ok(())) | (0, _) => Vec::new(),
        (1, Err(why)) => vec![(exprs[0].0, why)],
        (n, Err(_)) => {
            let (a, b) = exprs.split_at(n / 2);
            let mut out = culprits(lf, a);
            out.extend(culprits(lf, b));
            out
        }
    }
}

/// Runs `f`, turning a panic (inside polars, on data it did not expect) into an error with the
/// panic's message: one bad dataset or rule never takes the run down.
pub(crate) fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|p| {
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        match polars_reason(&msg) {
            // A polars error that its thread pool turned into a panic: the error is the reason.
            Some(reason) => reason,
            None => format!("internal error while reading (please report it): {}", first_line(&msg)),
        }
    })
}

/// The innermost polars error inside a panic message (`... ErrString("conversion from `str`
/// to `i32` failed ...") ...`), unescaped; None when the panic is not a polars error.
fn polars_reason(msg: &str) -> Option<String> {
    let kinds = ["InvalidOperation", "ComputeError", "SchemaMismatch", "ColumnNotFound", "OutOfBounds", "NoData"];
    let start = kinds.iter().filter_map(|k| msg.find(&format!("{k}(ErrString("))).min()?;
    let rest = &msg[start..];
    let open = rest.find("ErrString(")? + "ErrString(".len();
    let body = &rest[open..];
    // The quoted text: its closing quote has as many backslashes before it as the opening one
    // (a panic message nests the error's Debug text, so quotes inside have more).
    let depth = body.chars().take_while(|c| *c == '\\').count();
    let mut out = String::new();
    let mut chars = body[depth..].strip_prefix('"')?.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' && c != '"' {
            out.push(c);
            continue;
        }
        let mut k = usize::from(c == '\\');
        while c == '\\' && chars.peek() == Some(&'\\') {
            chars.next();
            k += 1;
        }
        let next = if c == '"' { Some('"') } else { chars.next() };
        match next {
            Some('"') if k == depth => break,
            Some(n) => out.push(n),
            None => break,
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Slices read at once: a slow expression (a regex) or the kernel of one slice overlaps with
/// the other's work. Memory holds this many slices.
const IN_FLIGHT: usize = 2;

type SliceStates = Vec<Option<Vec<Option<f64>>>>;
type SliceRows = Vec<Option<Vec<Option<DataFrame>>>>;

/// Reads every slice with `select`, `IN_FLIGHT` at a time: the `width` states of each slice
/// (by slice index, so that merges are deterministic), its `captures` captured rows, and the
/// first failure.
fn read_slices(
    slices: &[LazyFrame],
    select: &[Expr],
    width: usize,
    captures: usize,
    name: &str,
    progress: Option<&SliceProgress>,
) -> (SliceStates, SliceRows, Option<String>) {
    struct Shared {
        states: SliceStates,
        rows: SliceRows,
        failed: Option<(usize, String)>,
    }
    let shared = std::sync::Mutex::new(Shared {
        states: vec![None; slices.len()],
        rows: vec![None; slices.len()],
        failed: None,
    });
    let state = || lock(&shared);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if i >= slices.len() || state().failed.is_some() {
                return;
            }
            let t0 = Instant::now();
            let df = match slices[i].clone().select(select).collect() {
                Ok(df) => df,
                Err(e) => {
                    let msg = format!("reading `{name}` (slice {}) failed: {}", i + 1, first_line(&e.to_string()));
                    let mut g = state();
                    if g.failed.as_ref().is_none_or(|(j, _)| i < *j) {
                        g.failed = Some((i, msg));
                    }
                    return;
                }
            };
            let row: Vec<Option<f64>> = (0..width)
                .map(|j| df.column(&format!("s{j}")).ok().and_then(|c| c.f64().ok().and_then(|ca| ca.get(0))))
                .collect();
            let rows: Vec<Option<DataFrame>> =
                (0..captures).map(|j| samples::captured_rows(&df, &format!("c{j}"))).collect();
            {
                let mut g = state();
                g.states[i] = Some(row);
                g.rows[i] = Some(rows);
            }
            let read = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            if let Some(p) = progress {
                (p.0)(name, read, slices.len());
            }
            tracing::debug!(
                dataset = name,
                slice = i + 1,
                of = slices.len(),
                ms = t0.elapsed().as_millis() as u64,
                "slice read"
            );
        }
    };
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..IN_FLIGHT.min(slices.len()))
            .map(|_| std::thread::Builder::new().stack_size(16 << 20).spawn_scoped(scope, work))
            .collect();
        for w in workers {
            match w {
                Ok(h) => {
                    if h.join().is_err() {
                        state().failed.get_or_insert((0, format!("reading `{name}` failed: a worker panicked")));
                    }
                }
                // No thread: read here, one slice at a time.
                Err(_) => work(),
            }
        }
    });
    let g = shared.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    (g.states, g.rows, g.failed.map(|(_, m)| m))
}

/// The distinct kernel for key columns `cols`: a bitmap over one column's exact footer range,
/// pairs packed into u64 when two ranges allow, else hash sets (sized after the first of
/// `slices` when there are several).
fn kernel_for(
    cols: &[String],
    schema: &DataSchema,
    dups: bool,
    slices: usize,
    footer: Option<&footer::Footer>,
) -> PolarsResult<distinct::Distinct> {
    // A string among the keys, or more than two columns: the kernel's byte-string sets (one
    // string column as its bytes, several columns as an encoding of each row's values).
    let texts: Vec<bool> = cols.iter().map(|c| is_text(schema, c)).collect();
    let text = texts.iter().any(|t| *t) || cols.len() > 2;
    let k = if text { distinct::Distinct::encoded(texts, dups) } else { distinct::Distinct::new(cols.len(), dups)? };
    let k = if slices > 1 { k.expecting(slices as u64) } else { k };
    Ok(match (cols, footer) {
        _ if text => k,
        ([c], Some(f)) => match f.int_range(c) {
            Some((lo, hi)) => k.in_range(lo, hi, f.rows),
            None => k,
        },
        ([a, b], Some(f)) => match (f.int_range(a), f.int_range(b)) {
            (Some(ra), Some(rb)) => k.pairs_in_range(ra, rb),
            _ => k,
        },
        _ => k,
    })
}

/// Whether a key column holds text (strings, and categoricals cast to text on opening).
fn is_text(schema: &DataSchema, column: &str) -> bool {
    matches!(lower::find(schema, column), Some(ColumnType::String))
}

/// A kernel metric's value from the kernel's rows and distinct keys.
fn kernel_value(m: &Metric, rows: u64, distinct: u64) -> f64 {
    let (rows, distinct) = (rows as f64, distinct as f64);
    match m {
        Metric::DuplicateCount { .. } => rows - distinct,
        Metric::Aggregate { agg: lakegate_core::Agg::DistinctRatio, .. } => {
            if rows == 0.0 {
                f64::NAN
            } else {
                distinct / rows
            }
        }
        _ => distinct,
    }
}

/// Metrics computed by lakegate's own parallel kernel, with the columns they read: duplicate
/// counts over integer-like and string columns, distinct counts and ratios of one such column. (A regex
/// kernel was measured too: imploding 10M strings cost more than the parallel matching won,
/// 2.15 s against 1.97 s on the orders workload, so patterns stay in the polars select.)
fn kernel_columns(m: &Metric, schema: &DataSchema) -> Option<Vec<String>> {
    let int_like = |c: &str| {
        matches!(
            lower::find(schema, c),
            Some(ColumnType::Int(_) | ColumnType::UInt(8 | 16 | 32) | ColumnType::Date | ColumnType::Timestamp { .. })
        )
    };
    match m {
        Metric::DuplicateCount { columns } if !columns.is_empty() => {
            columns.iter().all(|c| int_like(c) || is_text(schema, c)).then(|| columns.clone())
        }
        Metric::Aggregate { column, agg: lakegate_core::Agg::DistinctCount | lakegate_core::Agg::DistinctRatio } => {
            (int_like(column) || is_text(schema, column)).then(|| vec![column.clone()])
        }
        _ => None,
    }
}

/// The offending values of set metrics, listed in the message (capped at 10).
fn with_detail(lf: &LazyFrame, schema: &DataSchema, m: &Metric, mut o: Observed) -> Observed {
    let (column, values, outside) = match m {
        Metric::DistinctOutside { column, values } => (column, values, true),
        Metric::DistinctAbsent { column, values } => (column, values, false),
        _ => return o,
    };
    if lower::find(schema, column).is_none() {
        return o;
    }
    if outside {
        let e = lower::column(schema, column);
        let allowed: Vec<String> = values.iter().map(lit_text).collect();
        let q = lf
            .clone()
            .select([e.clone().cast(DataType::String).alias("v")])
            .filter(
                col("v")
                    .is_not_null()
                    .and(col("v").is_in(lit(Series::new("a".into(), allowed)).implode(false), false).not()),
            )
            .unique(None, UniqueKeepStrategy::Any)
            .sort(["v"], SortMultipleOptions::default())
            .limit(10)
            .collect();
        if let Ok(df) = q {
            o.detail = Some(format!("outside the set: {}", values_of(&df)));
        }
    } else {
        let e = lower::column(schema, column);
        let q =
            lf.clone().select([e.cast(DataType::String).alias("v")]).unique(None, UniqueKeepStrategy::Any).collect();
        if let Ok(df) = q {
            let present: std::collections::BTreeSet<String> = df
                .column("v")
                .ok()
                .and_then(|c| c.str().ok().map(|ca| ca.iter().flatten().map(str::to_owned).collect()))
                .unwrap_or_default();
            let absent: Vec<String> = values.iter().map(lit_text).filter(|v| !present.contains(v)).take(10).collect();
            o.detail = Some(format!("absent: {}", absent.join(", ")));
        }
    }
    o
}

fn lit_text(l: &lakegate_core::Literal) -> String {
    match l {
        lakegate_core::Literal::Str(s) => s.clone(),
        other => other.to_string(),
    }
}

fn values_of(df: &DataFrame) -> String {
    df.column("v")
        .ok()
        .and_then(|c| {
            c.str().ok().map(|ca| ca.iter().flatten().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", "))
        })
        .unwrap_or_default()
}

/// One group-by for every metric of a key set; each metric gets one value per group.
fn group_metrics(lf: &LazyFrame, schema: &DataSchema, keys: &[String], metrics: Vec<Metric>) -> MetricMap {
    let mut out = MetricMap::new();
    let wrap = |m: &Metric| Metric::Grouped { keys: keys.to_vec(), metric: Box::new(m.clone()) };
    for k in keys {
        if lower::find(schema, k).is_none() {
            for m in &metrics {
                out.insert(wrap(m), Err(format!("groupBy column `{k}` not found in the data")));
            }
            return out;
        }
    }
    let mut aggs = Vec::new();
    let mut names = Vec::new();
    for m in &metrics {
        match lower::expr(m, schema) {
            Ok(e) => {
                aggs.push(e.cast(DataType::Float64).alias(format!("m{}", aggs.len())));
                names.push(m.clone());
            }
            Err(why) => {
                out.insert(wrap(m), Err(why));
            }
        }
    }
    if aggs.is_empty() {
        return out;
    }
    let key_label = concat_str(
        keys.iter().map(|k| col(k.as_str()).cast(DataType::String).fill_null(lit("null"))).collect::<Vec<_>>(),
        "/",
        false,
    );
    let q = lf
        .clone()
        .group_by(keys.iter().map(|k| lower::column(schema, k)).collect::<Vec<_>>())
        .agg(aggs)
        .with_column(key_label.alias("__group"))
        .sort(["__group"], SortMultipleOptions::default())
        .collect();
    match q {
        Ok(df) => {
            let labels: Vec<String> = df
                .column("__group")
                .ok()
                .and_then(|c| c.str().ok().map(|ca| ca.iter().map(|v| v.unwrap_or("null").to_owned()).collect()))
                .unwrap_or_default();
            for (i, m) in names.into_iter().enumerate() {
                let values: Vec<Option<f64>> = df
                    .column(&format!("m{i}"))
                    .ok()
                    .and_then(|c| c.f64().ok().map(|ca| ca.iter().collect()))
                    .unwrap_or_default();
                // A group whose statistic has no value (only nulls) is left out, as nulls are
                // everywhere else; NaN stays (the check errors on it).
                let empty: Vec<&String> =
                    labels.iter().zip(&values).filter(|(_, v)| v.is_none()).map(|(l, _)| l).collect();
                let detail = (!empty.is_empty()).then(|| {
                    let shown: Vec<&str> = empty.iter().take(5).map(|l| l.as_str()).collect();
                    format!(
                        "{} group(s) without a value (only nulls): {}{}",
                        empty.len(),
                        shown.join(", "),
                        if empty.len() > 5 { ", ..." } else { "" }
                    )
                });
                let groups: Vec<(String, f64)> =
                    labels.iter().cloned().zip(values).filter_map(|(l, v)| v.map(|v| (l, v))).collect();
                out.insert(wrap(&m), Ok(Observed { value: groups.len() as f64, detail, groups: Some(groups) }));
            }
        }
        Err(e) => {
            for m in names {
                out.insert(wrap(&m), Err(format!("group-by failed: {}", first_line(&e.to_string()))));
            }
        }
    }
    out
}

/// The one select of a dataset, for `--explain`: the metrics and polars' optimized plan.
pub fn explain(plan: &ContractPlan, opts: &EngineOptions) -> String {
    let mut s = String::new();
    for d in &plan.datasets {
        s.push_str(&format!("dataset `{}`\n", d.name));
        let (opened, files) = open(d, opts);
        let o = match opened {
            Ok(o) => o,
            Err(e) => {
                s.push_str(&format!("  cannot be read: {e}\n\n"));
                continue;
            }
        };
        s.push_str(&format!("  files: {files}\n"));
        if !o.slices.is_empty() {
            // Text slices hold at most ~64 MiB of text, file groups end on files: "at most".
            s.push_str(&format!(
                "  read in {} slices of at most {} rows (mergeable metrics)\n",
                o.slices.len(),
                opts.slice_rows
            ));
        }
        s.push_str("  metrics:\n");
        let mut exprs = Vec::new();
        let mut separate = Vec::new();
        let mut wanted: Vec<&Metric> = d.metrics.iter().collect();
        if !wanted.contains(&&Metric::RowCount) {
            wanted.insert(0, &Metric::RowCount);
        }
        for m in wanted {
            if o.footer.as_ref().and_then(|f| f.answer(m)).is_some() {
                s.push_str(&format!("    (parquet footer statistics, no scan) {}\n", m.describe()));
                continue;
            }
            if let Some(cols) = kernel_columns(m, &o.schema) {
                let footer = o.footer.as_ref().filter(|_| opts.statistics);
                let mode =
                    kernel_for(&cols, &o.schema, false, o.slices.len(), footer).map_or("hash sets", |k| k.mode());
                s.push_str(&format!("    (distinct kernel, {mode}, fed by the scan) {}\n", m.describe()));
                continue;
            }
            match m {
                Metric::Sql { .. } | Metric::OrphanCount { .. } => separate.push(m.describe()),
                _ => match lower::expr(m, &o.schema) {
                    Ok(e) => {
                        s.push_str(&format!("    m{}: {}\n", exprs.len(), m.describe()));
                        exprs.push(e.cast(DataType::Float64).alias(format!("m{}", exprs.len())));
                    }
                    Err(why) => s.push_str(&format!("    (not computed) {}: {why}\n", m.describe())),
                },
            }
        }
        for q in separate {
            s.push_str(&format!("    (own query) {q}\n"));
        }
        if !exprs.is_empty() {
            match o.lf.clone().select(exprs).explain(true) {
                Ok(p) => {
                    s.push_str("  plan (one scan):\n");
                    for line in p.lines() {
                        s.push_str(&format!("    {line}\n"));
                    }
                }
                Err(e) => s.push_str(&format!("  plan error: {e}\n")),
            }
        }
        s.push('\n');
    }
    s
}

fn scalar(df: &DataFrame) -> Result<f64, String> {
    let c = df.columns().first().ok_or("the query returned no column")?;
    if df.height() != 1 {
        return Err(format!("the query returned {} rows; a rule's query returns exactly one", df.height()));
    }
    let v = c
        .cast(&DataType::Float64)
        .map_err(|e| format!("the query's result is not a number: {}", first_line(&e.to_string())))?;
    let v = v.f64().map_err(|e| first_line(&e.to_string()))?.get(0);
    v.ok_or_else(|| "the query returned null".to_owned())
}

fn run_sql(query: &str, frames: &BTreeMap<String, LazyFrame>) -> Result<Observed, String> {
    // Only the contract's datasets: never a table function reading another file.
    let registered: BTreeSet<String> = frames.keys().cloned().collect();
    sql_guard::check_query(query, &registered).map_err(|why| format!("the query cannot run: {why}"))?;
    let mut ctx = SQLContext::new();
    for (name, lf) in frames {
        ctx.register(name, lf.clone());
    }
    let lf = ctx.execute(query).map_err(|e| format!("the query failed: {}", first_line(&e.to_string())))?;
    let df = lf.collect().map_err(|e| format!("the query failed: {}", first_line(&e.to_string())))?;
    scalar(&df).map(Observed::num)
}

fn orphans(
    o: &Opened,
    columns: &[String],
    target: Option<&LazyFrame>,
    target_name: &str,
    target_columns: &[String],
) -> Result<Observed, String> {
    let target = target.ok_or_else(|| format!("the referenced dataset `{target_name}` could not be read"))?;
    for c in columns {
        if lower::find(&o.schema, c).is_none() {
            return Err(format!("column `{c}` not found"));
        }
    }
    let left: Vec<Expr> = columns.iter().map(|c| lower::column(&o.schema, c)).collect();
    let target_schema = convert_schema(&*target.clone().collect_schema().map_err(|e| first_line(&e.to_string()))?);
    let right: Vec<Expr> = target_columns.iter().map(|c| lower::column(&target_schema, c)).collect();
    let not_null = left.iter().cloned().map(|e| e.is_not_null()).reduce(|a, b| a.and(b)).unwrap_or(lit(true));
    let keys: Vec<String> = (0..columns.len()).map(|i| format!("k{i}")).collect();
    let l =
        o.lf.clone()
            .filter(not_null)
            .select(left.iter().zip(&keys).map(|(e, k)| e.clone().alias(k.as_str())).collect::<Vec<_>>());
    let r = target
        .clone()
        .select(right.iter().zip(&keys).map(|(e, k)| e.clone().alias(k.as_str())).collect::<Vec<_>>())
        .unique(None, UniqueKeepStrategy::Any);
    let key_exprs: Vec<Expr> = keys.iter().map(|k| col(k.as_str())).collect();
    let orphan_rows = l.join(r, key_exprs.clone(), key_exprs, JoinArgs::new(JoinType::Anti));
    let df = orphan_rows
        .clone()
        .select([len().alias("n")])
        .collect()
        .map_err(|e| format!("the join failed: {}", first_line(&e.to_string())))?;
    let n = scalar(&df)?;
    let mut detail = None;
    if n > 0.0 {
        let sample = orphan_rows
            .unique_stable(None, UniqueKeepStrategy::First)
            .limit(5)
            .collect()
            .map_err(|e| first_line(&e.to_string()))?;
        let mut shown = Vec::new();
        for i in 0..sample.height() {
            let vals: Vec<String> =
                sample.columns().iter().map(|c| c.get(i).map(|v| v.to_string()).unwrap_or_default()).collect();
            shown.push(if vals.len() == 1 { vals[0].clone() } else { format!("({})", vals.join(", ")) });
        }
        detail = Some(format!("orphan keys: {}", shown.join(", ")));
    }
    Ok(Observed { value: n, detail, groups: None })
}

/// Converts a polars schema to lakegate's column types.
pub fn convert_schema(schema: &Schema) -> DataSchema {
    schema.iter().map(|(n, t)| (n.to_string(), convert(t))).collect()
}

fn convert(t: &DataType) -> ColumnType {
    match t {
        DataType::String | DataType::Categorical(..) | DataType::Enum(..) => ColumnType::String,
        DataType::Int8 => ColumnType::Int(8),
        DataType::Int16 => ColumnType::Int(16),
        DataType::Int32 => ColumnType::Int(32),
        DataType::Int64 => ColumnType::Int(64),
        DataType::UInt8 => ColumnType::UInt(8),
        DataType::UInt16 => ColumnType::UInt(16),
        DataType::UInt32 => ColumnType::UInt(32),
        DataType::UInt64 => ColumnType::UInt(64),
        DataType::Float32 => ColumnType::Float(32),
        DataType::Float64 => ColumnType::Float(64),
        DataType::Decimal(p, s) => ColumnType::Decimal(Some(*p), Some(*s)),
        DataType::Boolean => ColumnType::Boolean,
        DataType::Date => ColumnType::Date,
        DataType::Datetime(_, tz) => ColumnType::Timestamp { tz: tz.is_some() },
        DataType::Time => ColumnType::Time,
        DataType::Duration(_) => ColumnType::Duration,
        DataType::Binary | DataType::BinaryOffset => ColumnType::Binary,
        DataType::List(inner) | DataType::Array(inner, _) => ColumnType::List(Box::new(convert(inner))),
        DataType::Struct(fields) => {
            ColumnType::Struct(fields.iter().map(|f| (f.name().to_string(), convert(f.dtype()))).collect())
        }
        DataType::Null => ColumnType::Null,
        other => ColumnType::Other(other.to_string()),
    }
}

/// Whether a dataset's source is readable at all (used by `--explain` and tests).
pub fn source_files(d: &DatasetPlan) -> Result<Vec<PathBuf>, String> {
    let src = d.source.as_ref().map_err(Clone::clone)?;
    source::resolve_files(src).map(|(f, _)| f)
}

#[cfg(test)]
mod guard_tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_with_its_message() {
        let r: Result<(), String> = guarded(|| panic!("bad data {}", 7));
        assert_eq!(r, Err("internal error while reading (please report it): bad data 7".to_owned()));
        assert_eq!(guarded(|| 3), Ok(3));
    }

    #[test]
    fn polars_errors_inside_panics_are_the_reason() {
        let msg = r#"called `Result::unwrap()` on an `Err` value: JoinError::Panic(Id(9), "called `Result::unwrap()` on an `Err` value: ExprContext { error: ExprContext { error: InvalidOperation(ErrString(\"conversion from `str` to `i32` failed in column 'id' for 1 out of 3 values: [\\\"x\\\"]\")), expr: ErrString(\"col\") } }", ...)"#;
        assert_eq!(
            polars_reason(msg).as_deref(),
            Some("conversion from `str` to `i32` failed in column 'id' for 1 out of 3 values: [\"x\"]")
        );
        assert_eq!(polars_reason("index out of bounds"), None);
    }

    #[test]
    fn culprits_are_found_by_halving() {
        let lf = df!("a" => [1i64, 2, 3], "s" => ["x", "1", "2"]).expect("frame").lazy();
        let exprs: Vec<(usize, Expr)> = (0..6)
            .map(|i| {
                let e = if i == 2 || i == 5 {
                    col("s").strict_cast(DataType::Int64).sum().cast(DataType::Float64)
                } else {
                    col("a").sum().cast(DataType::Float64)
                };
                (i, e)
            })
            .collect();
        let bad: Vec<usize> = culprits(&lf, &exprs).into_iter().map(|(i, _)| i).collect();
        assert_eq!(bad, [2, 5]);
        assert!(culprits(&lf, &exprs[..2]).is_empty());
    }
}
