//! `lakegate check`: lint, compile, run, evaluate, print, exit with the CI gate's code.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::{DateTime, SecondsFormat, Utc};
use lakegate_checks::evaluate::DatasetFacts;
use lakegate_checks::{CompileOptions, compile};
use lakegate_core::{ContractPlan, ContractResult, RunResult, Status, Summary};
use rayon::prelude::*;

use crate::cli::{CheckArgs, FailOn};

/// The file that marks a `--samples-out` folder as lakegate's.
pub const SAMPLES_MARKER: &str = ".lakegate-samples";

/// Runs `lakegate check`.
pub fn run(args: &CheckArgs, progress: bool, quiet: bool) -> anyhow::Result<u8> {
    let started = Instant::now();
    let started_at = Utc::now();
    let now = match &args.now {
        Some(s) => DateTime::parse_from_rfc3339(s)
            .with_context(|| format!("`--now {s}` is not an RFC 3339 timestamp (e.g. 2026-11-26T06:00:00Z)"))?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let mut data = BTreeMap::new();
    for d in &args.data {
        let Some((obj, path)) = d.split_once('=').filter(|(o, p)| !o.is_empty() && !p.is_empty()) else {
            bail!("`--data {d}` must be OBJECT=PATH (a schema object name and a file, folder or glob)");
        };
        if let Some(first) = data.insert(obj.to_owned(), PathBuf::from(path)) {
            bail!("`--data {obj}=...` is given twice (`{}` and `{path}`): one path per schema object", first.display());
        }
    }
    crate::output::check_writable(&args.files)?;
    if let Some(dir) = &args.history {
        crate::output::check_history_folder(dir)?;
    }
    if let Some(dir) = &args.samples_out {
        crate::output::claim_folder(dir, SAMPLES_MARKER, "--samples-out")?;
        // The folder holds the failing rows of the last run only: a check that passes now
        // leaves no stale export behind. Only the files the marker lists (the last run's
        // exports) are removed, never another file someone put there.
        let marker = std::fs::read_to_string(dir.join(SAMPLES_MARKER)).unwrap_or_default();
        for name in marker.lines().skip(1).filter(|n| n.ends_with(".parquet") && !n.contains(['/', '\\'])) {
            let p = dir.join(name);
            if p.is_file() {
                std::fs::remove_file(&p).with_context(|| format!("cannot remove the old export `{}`", p.display()))?;
            }
        }
    }
    let mut roots = crate::project::Roots::new(&args.root)?;

    // 1. Load and lint: any error stops the run before data is read.
    let Some(loaded) = crate::contracts::load(&args.paths)? else { return Ok(crate::EXIT_INVALID) };

    // 2. Compile.
    let mut err = std::io::stderr().lock();
    let mut invalid = false;
    if let Some(f) = &args.filter
        && let Err(why) = lakegate_contract::sql::check_expression(f)
    {
        bail!("`--where {f}` is not a SQL predicate: {why}");
    }
    let opts = CompileOptions {
        server: args.server.clone(),
        data,
        roots: Vec::new(),
        root_help: String::new(),
        filter: args.filter.clone(),
        skip_bad_files: args.on_bad_file == crate::cli::OnBadFile::Skip,
    };
    let mut plans = Vec::new();
    // The engine each contract's project file names (`engine:`), by contract file.
    let mut project_engines = BTreeMap::new();
    for c in &loaded {
        // Paths written in this contract stay inside its project's data roots.
        let (allowed, help) = roots.of(std::path::Path::new(&c.file))?;
        if let Some((url, _)) = roots.engine_of(std::path::Path::new(&c.file))? {
            project_engines.insert(c.file.clone(), url);
        }
        let opts = CompileOptions { roots: allowed, root_help: help, ..opts.clone() };
        match compile(c, &loaded, &opts) {
            Ok(p) => plans.push(p),
            Err(e) => {
                writeln!(err, "error: {}", e.message)?;
                invalid = true;
            }
        }
    }
    // Names checked against the contracts, not the plans: a contract that failed to compile
    // (e.g. its --data path was refused) still names its objects.
    let unknown: Vec<&String> = opts
        .data
        .keys()
        .filter(|k| !loaded.iter().any(|c| c.contract.schema.iter().flatten().any(|o| &o.name == *k)))
        .collect();
    for k in unknown {
        writeln!(err, "error: `--data {k}=...` names no schema object of the contracts")?;
        invalid = true;
    }
    if invalid {
        return Ok(crate::EXIT_INVALID);
    }
    drop(err);
    // A classification belongs to the data, not to one object or contract: a column classified
    // anywhere in the run is hidden in every dataset (another object or contract over the same
    // file, reached through a link or a copy, must not show what one of them hides).
    let mut classified_anywhere: Vec<String> = Vec::new();
    for d in plans.iter().flat_map(|p| &p.datasets) {
        for r in &d.redacted {
            if !classified_anywhere.contains(r) {
                classified_anywhere.push(r.clone());
            }
        }
    }
    for d in plans.iter_mut().flat_map(|p| p.datasets.iter_mut()) {
        d.redacted = classified_anywhere.clone();
    }
    // Selection: deselected checks are dropped from the plans with the metrics only they
    // needed, so their data is never read.
    let selection = crate::select::Selection::parse(&args.select, &args.exclude, args.schema_only)?;
    let applied = selection.apply(&mut plans);
    for u in &applied.unmatched {
        tracing::warn!("`{u}` matches no check");
    }
    if plans.is_empty() {
        bail!("the selection leaves no check to run ({} deselected): nothing was checked", applied.deselected);
    }
    if applied.deselected > 0 {
        tracing::info!("{} check(s) deselected", applied.deselected);
    }

    let engine = lakegate_engine::EngineOptions {
        slice_rows: args.slice_rows,
        // --schema-only reads no rows: a Parquet row count comes from the footers, a CSV or
        // JSON one (a scan) is not counted.
        statistics: !args.no_statistics || args.schema_only,
        progress: None,
        // Failing rows are captured in the scan unless every failing row is exported.
        capture: if args.samples_out.is_some() { 0 } else { args.samples },
        row_count: !args.schema_only,
    };
    if args.explain {
        let engines = Engines::new(args, engine.clone(), &project_engines)?;
        let mut out = crate::stdout::stdout();
        for p in &plans {
            writeln!(out, "contract `{}` ({})", p.id, p.file)?;
            write!(out, "{}", engines.engine_for(p).explain(p))?;
        }
        return Ok(crate::EXIT_OK);
    }

    // 3. Run and evaluate, contracts in parallel.
    let now_s = now.timestamp_micros() as f64 / 1e6;
    // History: the past points of change rules, read before the run, the run appended after.
    let retention = match &args.history_retention {
        Some(r) => match lakegate_contract::lakegate::window(&serde_json::Value::String(r.clone())) {
            Some(Err(seconds)) => Some(seconds),
            _ => bail!("`--history-retention {r}` is not a duration such as 400d"),
        },
        None => None,
    };
    let (history, trends) = match &args.history {
        Some(dir) => (load_history(dir, &plans, now_s)?, load_trends(dir, &plans, now_s)),
        None => (BTreeMap::new(), BTreeMap::new()),
    };
    let sampling = Sampling { n: args.samples, out: args.samples_out.clone(), failures: Default::default() };
    let progress = Progress::new(progress, plans.iter().map(|p| p.datasets.len() as u64).sum());
    let engines = Engines::new(
        args,
        lakegate_engine::EngineOptions { progress: Some(progress.slices()), ..engine },
        &project_engines,
    )?;
    let bar = &progress.overall;
    let contracts: Vec<ContractResult> = plans
        .par_iter()
        .map(|p| {
            bar.set_message(p.id.clone());
            let r = run_contract(p, now_s, &sampling, engines.engine_for(p).as_ref(), &history, &applied.hidden);
            bar.inc(p.datasets.len() as u64);
            r
        })
        .collect();
    bar.finish_and_clear();
    let mut contracts = contracts;
    if args.history.is_some() {
        let now_text = now.to_rfc3339_opts(SecondsFormat::Secs, true);
        let mut open = std::collections::BTreeSet::new();
        for r in contracts.iter_mut().flat_map(|c| c.checks.iter_mut()) {
            if attach_trend(r, trends.get(&r.info.id).map(Vec::as_slice).unwrap_or(&[]), &now_text) {
                open.insert(r.info.id.clone());
            }
        }
        // Streaks older than the trend window: "failing since" is where they really started.
        if let Some(dir) = &args.history
            && !open.is_empty()
        {
            let before = now_s - TREND_DAYS * 86_400.0;
            let (rows, _) = lakegate_history::load(dir, Some(&open), None);
            let mut older: BTreeMap<&str, Vec<&lakegate_history::Row>> = BTreeMap::new();
            for r in rows.iter().filter(|r| r.at < before) {
                older.entry(r.check.as_str()).or_default().push(r);
            }
            for r in contracts.iter_mut().flat_map(|c| c.checks.iter_mut()) {
                if let Some(runs) = older.get(r.info.id.as_str())
                    && open.contains(&r.info.id)
                    && let Some(start) = streak_start(runs)
                {
                    r.failing_since = Some(start);
                }
            }
        }
    }
    if let Some(dir) = &args.samples_out {
        // The marker lists this run's exports: the next run removes exactly these.
        let mut names: Vec<String> = plans
            .iter()
            .flat_map(|p| &p.checks)
            .map(|c| format!("{}.parquet", file_name(&c.info.id)))
            .filter(|n| dir.join(n).is_file())
            .collect();
        names.dedup();
        let text = format!(
            "written by lakegate: this folder may be rewritten by the next run; its exports:\n{}",
            names.iter().map(|n| format!("{n}\n")).collect::<String>()
        );
        crate::output::write_atomic(&dir.join(SAMPLES_MARKER), text.as_bytes())?;
    }
    let summary = Summary::of(contracts.iter().flat_map(|c| &c.checks));
    let command: Vec<String> = std::env::args().skip(1).collect();
    let now_text = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    let run = RunResult {
        report_version: lakegate_core::REPORT_VERSION,
        lakegate_version: env!("CARGO_PKG_VERSION").to_owned(),
        run_id: run_id(&now_text, &command),
        started_at: started_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        finished_at: Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
        now: now_text,
        server: args.server.clone(),
        command,
        contracts,
        summary,
    };

    // 4. Report.
    // Deselected presence checks reported after all (a selected check depends on them).
    let pulled = run.contracts.iter().flat_map(|c| &c.checks).filter(|r| applied.hidden.contains(&r.info.id)).count();
    let deselected = applied.deselected - pulled;
    let console = crate::output::Console { secs: Some(started.elapsed().as_secs_f64()), deselected, quiet };
    crate::output::emit(&run, args.format, &args.files, &console)?;
    let mut failures = sampling.failures.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(dir) = &args.history {
        match lakegate_history::append(dir, &run) {
            Ok(file) => tracing::info!("history: appended {}", file.display()),
            Err(e) => failures.push(format!("history: {e}")),
        }
        if let Some(seconds) = retention {
            match lakegate_history::prune(dir, now_s - seconds) {
                Ok(removed) => tracing::info!("history: pruned {removed} day(s)"),
                Err(e) => failures.push(format!("history: {e}")),
            }
        }
    }
    // Every write failure names its path and cause and exits 2, after the verdict was printed and
    // the other reports written: nothing of the run is lost.
    if !failures.is_empty() {
        let mut err = std::io::stderr().lock();
        for f in &failures {
            let _ = writeln!(err, "error: {f}");
        }
        let _ = writeln!(
            err,
            "error: the run's verdict was exit {}, but not every output was written",
            exit_code(&run, args.fail_on)
        );
        return Ok(crate::EXIT_INVALID);
    }
    Ok(exit_code(&run, args.fail_on))
}

/// A bar of datasets done, on stderr; drawn only when stderr is a terminal, and only after
/// a second (short runs stay quiet).
/// Progress on stderr: an overall bar (datasets) and one bar per dataset read in slices.
/// Drawn only after a second and only when stderr is a terminal.
struct Progress {
    multi: indicatif::MultiProgress,
    overall: indicatif::ProgressBar,
    slices: std::sync::Mutex<BTreeMap<String, indicatif::ProgressBar>>,
}

impl Progress {
    fn new(enabled: bool, datasets: u64) -> Arc<Progress> {
        let multi = indicatif::MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::hidden());
        let overall =
            if enabled { multi.add(indicatif::ProgressBar::new(datasets)) } else { indicatif::ProgressBar::hidden() };
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{spinner} [{elapsed}] {bar:30} {pos}/{len} datasets  {msg}")
        {
            overall.set_style(style);
        }
        let p = Arc::new(Progress { multi, overall, slices: std::sync::Mutex::new(BTreeMap::new()) });
        if enabled {
            let shown = Arc::clone(&p);
            std::thread::spawn(move || {
                std::thread::sleep(std::time::Duration::from_secs(1));
                if !shown.overall.is_finished() {
                    // stderr() draws nothing when stderr is not a terminal.
                    shown.multi.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                    shown.overall.enable_steady_tick(std::time::Duration::from_millis(120));
                }
            });
        }
        p
    }

    /// The engine's callback: a dataset's slices read so far.
    fn slices(self: &Arc<Self>) -> lakegate_engine::SliceProgress {
        let me = Arc::clone(self);
        lakegate_engine::SliceProgress(Arc::new(move |dataset: &str, done: usize, total: usize| {
            if me.overall.is_hidden() {
                return;
            }
            let mut bars = me.slices.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let bar = bars.entry(dataset.to_owned()).or_insert_with(|| {
                let b = me.multi.add(indicatif::ProgressBar::new(total as u64));
                if let Ok(style) = indicatif::ProgressStyle::with_template("  {bar:30} {pos}/{len} slices  {msg}") {
                    b.set_style(style);
                }
                b.set_message(dataset.to_owned());
                b
            });
            bar.set_position(done as u64);
            if done >= total {
                bar.finish_and_clear();
                bars.remove(dataset);
            }
        }))
    }
}

/// The engines of a run: the embedded polars engine (or the one `--engine`/`LAKEGATE_ENGINE`,
/// else the contract's project file, names) for files, and the SQL engine on their server for
/// contracts whose datasets are warehouse tables.
struct Engines {
    files: Arc<dyn lakegate_core::Engine>,
    /// The engine of each contract (by file) whose project file names one, when neither
    /// `--engine` nor `LAKEGATE_ENGINE` is given.
    by_project: BTreeMap<String, Arc<dyn lakegate_core::Engine>>,
    /// One SQL engine per warehouse server (type, host, port, database), connected on first use.
    warehouses: std::sync::Mutex<Vec<(lakegate_core::WarehouseTable, Arc<dyn lakegate_core::Engine>)>>,
    timeout: std::time::Duration,
    row_count: bool,
}

impl Engines {
    fn new(
        args: &CheckArgs,
        polars: lakegate_engine::EngineOptions,
        project_engines: &BTreeMap<String, String>,
    ) -> anyhow::Result<Engines> {
        let timeout = match lakegate_contract::lakegate::window(&serde_json::Value::String(args.query_timeout.clone()))
        {
            Some(Err(seconds)) if seconds > 0.0 => std::time::Duration::from_secs_f64(seconds),
            _ => bail!("`--query-timeout {}` is not a duration such as 30s or 10m", args.query_timeout),
        };
        let row_count = polars.row_count;
        let make = |name: &str| -> anyhow::Result<Arc<dyn lakegate_core::Engine>> {
            Ok(match name.trim() {
                "" | "polars" => Arc::new(lakegate_engine::PolarsEngine(polars.clone())),
                url if url.starts_with("sc://") => spark_engine(url, timeout, row_count),
                other => {
                    bail!("`--engine {other}` is not an engine: `polars` or a Spark Connect URL (sc://host:15002)")
                }
            })
        };
        let files = make(args.engine.as_deref().unwrap_or("polars"))?;
        // Precedence: --engine > LAKEGATE_ENGINE (one value, clap's) > the project file.
        let mut by_project = BTreeMap::new();
        if args.engine.is_none() {
            let mut by_url: BTreeMap<&str, Arc<dyn lakegate_core::Engine>> = BTreeMap::new();
            for (file, url) in project_engines {
                let engine = match by_url.get(url.as_str()) {
                    Some(e) => Arc::clone(e),
                    None => {
                        let e = make(url)?;
                        by_url.insert(url, Arc::clone(&e));
                        e
                    }
                };
                by_project.insert(file.clone(), engine);
            }
        }
        Ok(Engines { files, by_project, warehouses: std::sync::Mutex::new(Vec::new()), timeout, row_count })
    }

    /// The engine that runs a contract: the SQL engine of its warehouse server when its
    /// datasets are tables, else the engine for files.
    fn engine_for(&self, plan: &ContractPlan) -> Arc<dyn lakegate_core::Engine> {
        let files = || Arc::clone(self.by_project.get(&plan.file).unwrap_or(&self.files));
        let Some(table) = plan.datasets.iter().find_map(|d| d.table.as_ref()) else {
            return files();
        };
        // `databricks` and `hive` tables are read by Spark, the engine given for files (the
        // embedded engine errors them, naming --engine).
        if matches!(table.server_type.as_str(), "databricks" | "hive") {
            return files();
        }
        let mut known = self.warehouses.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let same = |t: &lakegate_core::WarehouseTable| {
            (&t.server_type, &t.host, t.port, &t.database)
                == (&table.server_type, &table.host, table.port, &table.database)
        };
        if let Some((_, e)) = known.iter().find(|(t, _)| same(t)) {
            return Arc::clone(e);
        }
        let engine = warehouse_engine(table, self.timeout, self.row_count);
        known.push((table.clone(), Arc::clone(&engine)));
        engine
    }
}

/// The SQL engine on a warehouse table's server; when its settings are wrong (an unknown
/// PGSERVICE, a bad PGPORT), an engine erroring every dataset with the reason.
fn warehouse_engine(
    table: &lakegate_core::WarehouseTable,
    timeout: std::time::Duration,
    row_count: bool,
) -> Arc<dyn lakegate_core::Engine> {
    match lakegate_sql::postgres::PostgresBackend::new(table, &lakegate_sql::postgres::ProcessEnv, timeout) {
        Ok(b) => {
            let mut e = lakegate_sql::SqlEngine::new(Arc::new(b));
            e.row_count = row_count;
            Arc::new(e)
        }
        Err(why) => Arc::new(Unavailable(format!("{} server `{}`: {why}", table.server_type, table.server))),
    }
}

/// The Spark Connect engine (`--engine sc://...`); a server that cannot be reached errors
/// every dataset with the reason (exit 3), as a lost connection does.
#[cfg(feature = "spark")]
fn spark_engine(url: &str, timeout: std::time::Duration, row_count: bool) -> Arc<dyn lakegate_core::Engine> {
    match lakegate_spark::connect_with_timeout(url, Some(timeout)) {
        Ok(backend) => {
            let mut e = lakegate_sql::SqlEngine::new(backend);
            e.row_count = row_count;
            Arc::new(e)
        }
        Err(why) => Arc::new(Unavailable(why)),
    }
}

/// Without the `spark` feature: every dataset errored with the reason.
#[cfg(not(feature = "spark"))]
fn spark_engine(url: &str, _timeout: std::time::Duration, _row_count: bool) -> Arc<dyn lakegate_core::Engine> {
    Arc::new(Unavailable(format!("`--engine {url}`: this lakegate was built without the `spark` feature")))
}

/// An engine that cannot run: every dataset errored with why.
struct Unavailable(String);

impl lakegate_core::Engine for Unavailable {
    fn name(&self) -> String {
        "unavailable".into()
    }

    fn run(&self, plan: &ContractPlan) -> Box<dyn lakegate_core::EngineRun> {
        let outcomes = plan
            .datasets
            .iter()
            .map(|d| lakegate_core::DatasetOutcome::unread(d, d.name.clone(), self.0.clone(), 0))
            .collect();
        Box::new(Unread(outcomes))
    }

    fn explain(&self, _plan: &ContractPlan) -> String {
        format!("  cannot run: {}\n", self.0)
    }
}

struct Unread(Vec<lakegate_core::DatasetOutcome>);

impl lakegate_core::EngineRun for Unread {
    fn outcomes(&self) -> &[lakegate_core::DatasetOutcome] {
        &self.0
    }

    fn outcomes_mut(&mut self) -> &mut [lakegate_core::DatasetOutcome] {
        &mut self.0
    }

    fn samples(
        &self,
        _d: &lakegate_core::DatasetPlan,
        _measure: &lakegate_core::Measure,
        _n: usize,
        _export: Option<&std::path::Path>,
    ) -> Option<Result<lakegate_core::Samples, String>> {
        None
    }

    fn into_outcomes(self: Box<Self>) -> Vec<lakegate_core::DatasetOutcome> {
        self.0
    }
}

/// The sample pass: rows per failed check, and where to export every failing row.
struct Sampling {
    n: usize,
    out: Option<PathBuf>,
    /// Exports that could not be written (path and OS error): the run exits 2 after its reports.
    failures: std::sync::Mutex<Vec<String>>,
}

/// Past points of the run's change rules, by check id.
type HistoryMap = BTreeMap<String, Vec<lakegate_core::HistoryPoint>>;

fn load_history(dir: &std::path::Path, plans: &[ContractPlan], now: f64) -> anyhow::Result<HistoryMap> {
    let mut ids = std::collections::BTreeSet::new();
    let mut since: Option<f64> = Some(now);
    for spec in plans.iter().flat_map(|p| &p.checks) {
        if let lakegate_core::CheckPlan::Metric { measure: lakegate_core::Measure::Change { change, .. }, .. } =
            &spec.plan
        {
            ids.insert(spec.info.id.clone());
            since = match (since, change.window) {
                (Some(s), Err(seconds)) => Some(s.min(now - seconds)),
                _ => None,
            };
        }
    }
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    if dir.exists() && !dir.is_dir() {
        bail!("history: `{}` is not a folder", dir.display());
    }
    // A day of margin: the day folders are by UTC date.
    let (rows, warnings) = lakegate_history::load(dir, Some(&ids), since.map(|s| s - 86_400.0));
    for w in warnings {
        tracing::warn!("{w}");
    }
    let mut map: HistoryMap = BTreeMap::new();
    for r in rows {
        map.entry(r.check.clone()).or_default().push(r.point());
    }
    Ok(map)
}

/// Every check's past runs of the last 90 days (trends and "failing since" in the reports).
fn load_trends(
    dir: &std::path::Path,
    plans: &[ContractPlan],
    now: f64,
) -> BTreeMap<String, Vec<lakegate_history::Row>> {
    let ids: std::collections::BTreeSet<String> =
        plans.iter().flat_map(|p| p.checks.iter().map(|c| c.info.id.clone())).collect();
    let (rows, _) = lakegate_history::load(dir, Some(&ids), Some(now - TREND_DAYS * 86_400.0));
    let mut map: BTreeMap<String, Vec<lakegate_history::Row>> = BTreeMap::new();
    for r in rows.into_iter().filter(|r| r.at < now) {
        map.entry(r.check.clone()).or_default().push(r);
    }
    map
}

/// Days of history read for trends and "failing since".
const TREND_DAYS: f64 = 90.0;

/// The start of the streak of failed or errored runs that ends `runs` (oldest first).
fn streak_start(runs: &[&lakegate_history::Row]) -> Option<String> {
    let mut start = None;
    for p in runs.iter().rev() {
        if matches!(p.status, Status::Failed | Status::Errored) {
            start = Some(p.now.clone());
        } else {
            break;
        }
    }
    start
}

/// The last 19 past runs and this one, and since when the check fails. True when the check
/// fails and so did every past run read: its streak may have started before them.
fn attach_trend(r: &mut lakegate_core::CheckResult, past: &[lakegate_history::Row], now: &str) -> bool {
    let tail = &past[past.len().saturating_sub(19)..];
    r.trend = tail
        .iter()
        .map(|p| lakegate_core::TrendPoint { now: p.now.clone(), value: p.value.or(p.observed), status: p.status })
        .chain(std::iter::once(lakegate_core::TrendPoint {
            now: now.to_owned(),
            value: r.value.or(r.observed),
            status: r.status,
        }))
        .collect();
    if !matches!(r.status, Status::Failed | Status::Errored) {
        return false;
    }
    let past: Vec<&lakegate_history::Row> = past.iter().collect();
    let since = streak_start(&past);
    let open = past.iter().all(|p| matches!(p.status, Status::Failed | Status::Errored));
    r.failing_since = Some(since.unwrap_or_else(|| now.to_owned()));
    open
}

fn run_contract(
    plan: &ContractPlan,
    now: f64,
    sampling: &Sampling,
    engine: &dyn lakegate_core::Engine,
    history: &HistoryMap,
    hidden: &std::collections::BTreeSet<String>,
) -> ContractResult {
    tracing::info!(contract = %plan.id, datasets = plan.datasets.len(), "running");
    let mut run = engine.run(plan);
    // The one choke point for classified values: every output is made from these metrics (and
    // the samples, which the engine redacts).
    for (d, o) in plan.datasets.iter().zip(run.outcomes_mut().iter_mut()) {
        lakegate_checks::redact::redact_metrics(&mut o.metrics, &d.redacted);
    }
    let by_name: BTreeMap<&str, &lakegate_core::DatasetOutcome> =
        plan.datasets.iter().zip(run.outcomes()).map(|(d, o)| (d.name.as_str(), o)).collect();
    let lookup = |name: &str| {
        by_name.get(name).map(|o| DatasetFacts {
            schema: o.schema.as_ref().map_err(String::as_str),
            metrics: &o.metrics,
            missing_in_files: Some((&o.missing_in_files, o.result.files)),
            catalog_types: Some(&o.catalog_types).filter(|c| !c.is_empty()),
        })
    };
    let past = |id: &str| history.get(id).cloned().unwrap_or_default();
    let mut checks = lakegate_checks::evaluate_all(&plan.checks, &lookup, now, &past);
    // A number computed from a classified column's values (max(ssn), a SQL rule reading one)
    // could carry them out: its verdict stays, the number does not.
    let redacted =
        |ds: &str| plan.datasets.iter().find(|d| d.name == ds).map(|d| d.redacted.clone()).unwrap_or_default();
    lakegate_checks::redact::hide_observed(&plan.checks, &mut checks, &redacted);
    // Where a value came from: footer statistics when every metric of the check did.
    for (spec, result) in plan.checks.iter().zip(checks.iter_mut()) {
        if let (Some(ds), lakegate_core::CheckPlan::Metric { measure, .. }) = (&spec.info.dataset, &spec.plan)
            && result.observed.is_some()
            && measure.other().is_none()
            && let Some(o) = by_name.get(ds.as_str())
        {
            let metrics = measure.metrics();
            if !metrics.is_empty() && metrics.iter().all(|m| o.from_statistics.contains(m)) {
                result.origin = Some(lakegate_core::ORIGIN_STATISTICS.to_owned());
            }
        }
    }
    // Second pass, only for failed row-level checks: example rows, classified columns redacted.
    if sampling.n > 0 || sampling.out.is_some() {
        for (spec, result) in plan.checks.iter().zip(checks.iter_mut()) {
            if !matches!(result.status, Status::Failed | Status::Warning) {
                continue;
            }
            let (Some(ds), lakegate_core::CheckPlan::Metric { measure, .. }) = (&spec.info.dataset, &spec.plan) else {
                continue;
            };
            let Some(d) = plan.datasets.iter().find(|d| &d.name == ds) else { continue };
            let export = sampling.out.as_ref().map(|dir| dir.join(format!("{}.parquet", file_name(&spec.info.id))));
            match run.samples(d, measure, sampling.n, export.as_deref()) {
                Some(Ok(s)) if sampling.n > 0 => result.samples = Some(s),
                Some(Ok(_)) | None => {}
                // The export could not be written (a full disk, a read-only folder): the error
                // is the run's (exit 2), and the samples still go into the reports.
                Some(Err(e)) if export.is_some() => {
                    sampling.failures.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(e);
                    if let Some(Ok(s)) = run.samples(d, measure, sampling.n, None).filter(|_| sampling.n > 0) {
                        result.samples = Some(s);
                    }
                }
                Some(Err(e)) => tracing::warn!(check = %spec.info.id, "samples: {e}"),
            }
        }
    }
    // Deselected schema checks were evaluated for the checks that depend on them, and are
    // reported only when a selected check was skipped because of them (a missing column is a
    // breach even when only its value checks were selected).
    let needed: std::collections::BTreeSet<&str> = hidden
        .iter()
        .filter(|id| {
            let named = format!("(see check {id})");
            checks.iter().any(|r| !hidden.contains(&r.info.id) && r.message.contains(&named))
        })
        .map(String::as_str)
        .collect();
    checks.retain(|r| !hidden.contains(&r.info.id) || needed.contains(r.info.id.as_str()));
    ContractResult {
        id: plan.id.clone(),
        name: plan.name.clone(),
        version: plan.version.clone(),
        domain: plan.domain.clone(),
        file: plan.file.clone(),
        server: plan.server.clone(),
        owner: plan.owner.clone(),
        description: plan.description.clone(),
        slas: plan.slas.clone(),
        summary: Summary::of(&checks),
        datasets: run.into_outcomes().into_iter().map(|o| o.result).collect(),
        checks,
    }
}

/// A run id derived from the run's clock and command line (FNV-1a): the same inputs give
/// the same id, so reports are reproducible.
fn run_id(now: &str, command: &[String]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in now.bytes().chain(command.join("\u{0}").bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{}-{:08x}", now.get(..10).unwrap_or(now).replace('-', ""), h as u32)
}

/// A check id as a file name: path separators and odd characters become `_`.
fn file_name(id: &str) -> String {
    id.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') { c } else { '_' }).collect()
}

/// 3 when a check could not be evaluated (an incomplete run is no verdict), else 1 when a
/// check at or above `--fail-on` failed, else 0.
pub fn exit_code(run: &RunResult, fail_on: FailOn) -> u8 {
    let s = run.summary;
    if s.errored > 0 {
        return crate::EXIT_ERRORED;
    }
    let failed = match fail_on {
        FailOn::Error => s.failed > 0,
        FailOn::Warning => s.failed + s.warnings > 0,
        FailOn::Never => false,
    };
    if failed { crate::EXIT_FAILED } else { crate::EXIT_OK }
}
