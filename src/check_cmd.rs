//! `lakegate check`: lint, compile, run, evaluate, print, exit with the CI gate's code.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::{DateTime, SecondsFormat, Utc};
use lakegate_checks::evaluate::DatasetFacts;
use lakegate_checks::{CompileOptions, compile, evaluate};
use lakegate_contract::{Severity as LintSeverity, lint};
use lakegate_core::check::fmt_num;
use lakegate_core::{ContractPlan, ContractResult, RunResult, Status, Summary};
use rayon::prelude::*;

use crate::cli::{CheckArgs, FailOn};

/// Runs `lakegate check`.
pub fn run(args: &CheckArgs) -> anyhow::Result<u8> {
    let started = Instant::now();
    let now = match &args.now {
        Some(s) => DateTime::parse_from_rfc3339(s)
            .with_context(|| format!("`--now {s}` is not an RFC 3339 timestamp (e.g. 2026-11-26T06:00:00Z)"))?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let mut data = BTreeMap::new();
    for d in &args.data {
        let Some((obj, path)) = d.split_once('=') else {
            bail!("`--data {d}` must be OBJECT=PATH");
        };
        data.insert(obj.to_owned(), PathBuf::from(path));
    }
    if let Some(p) = &args.json {
        check_writable(p)?;
    }
    let root = match &args.root {
        Some(r) => r.clone(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };

    // 1. Load and lint: any error stops the run before data is read.
    let (results, discovery) = lint::lint_paths(&args.paths);
    let mut err = std::io::stderr().lock();
    let mut invalid = !discovery.is_empty();
    for d in &discovery {
        write!(err, "{}", d.render(None))?;
    }
    let mut loaded = Vec::new();
    for (_, r) in results {
        let errors: Vec<_> = r.diagnostics.iter().filter(|d| d.severity == LintSeverity::Error).collect();
        if !errors.is_empty() {
            invalid = true;
            for d in errors {
                writeln!(err, "{}", d.render(r.source.as_deref()))?;
            }
        } else if let Some(c) = r.contract {
            loaded.push(c);
        }
    }
    if invalid {
        writeln!(err, "error: invalid contracts: no data was read (run `lakegate lint` for warnings too)")?;
        return Ok(crate::EXIT_INVALID);
    }
    if loaded.is_empty() {
        bail!(
            "no contract found in {}",
            args.paths.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", ")
        );
    }

    // 2. Compile.
    if let Some(f) = &args.filter
        && let Err(why) = lakegate_contract::sql::check_expression(f)
    {
        bail!("`--where {f}` is not a SQL predicate: {why}");
    }
    let opts = CompileOptions { server: args.server.clone(), data, root, filter: args.filter.clone() };
    let mut plans = Vec::new();
    for c in &loaded {
        match compile(c, &loaded, &opts) {
            Ok(p) => plans.push(p),
            Err(e) => {
                writeln!(err, "error: {}", e.message)?;
                invalid = true;
            }
        }
    }
    let unknown: Vec<&String> =
        opts.data.keys().filter(|k| !plans.iter().any(|p| p.datasets.iter().any(|d| &d.name == *k))).collect();
    for k in unknown {
        writeln!(err, "error: `--data {k}=...` names no schema object of the contracts")?;
        invalid = true;
    }
    if invalid {
        return Ok(crate::EXIT_INVALID);
    }
    drop(err);

    if args.explain {
        let mut out = std::io::stdout().lock();
        for p in &plans {
            writeln!(out, "contract `{}` ({})", p.id, p.file)?;
            write!(out, "{}", lakegate_engine::explain(p))?;
        }
        return Ok(crate::EXIT_OK);
    }

    // 3. Run and evaluate, contracts in parallel.
    let now_s = now.timestamp_micros() as f64 / 1e6;
    let sampling = Sampling { n: args.samples, out: args.samples_out.clone() };
    let contracts: Vec<ContractResult> = plans.par_iter().map(|p| run_contract(p, now_s, &sampling)).collect();
    let summary = Summary::of(contracts.iter().flat_map(|c| &c.checks));
    let run = RunResult {
        lakegate_version: env!("CARGO_PKG_VERSION").to_owned(),
        now: now.to_rfc3339_opts(SecondsFormat::Secs, true),
        contracts,
        summary,
    };

    // 4. Report.
    let mut out = std::io::stdout().lock();
    print_console(&mut out, &run, started.elapsed().as_secs_f64())?;
    if let Some(p) = &args.json {
        write_atomic(p, &serde_json::to_vec_pretty(&run)?)?;
    }
    Ok(exit_code(&run, args.fail_on))
}

/// The sample pass: rows per failed check, and where to export every failing row.
struct Sampling {
    n: usize,
    out: Option<PathBuf>,
}

fn run_contract(plan: &ContractPlan, now: f64, sampling: &Sampling) -> ContractResult {
    tracing::info!(contract = %plan.id, datasets = plan.datasets.len(), "running");
    let run = lakegate_engine::run_contract(plan);
    let by_name: BTreeMap<&str, &lakegate_engine::DatasetOutcome> =
        plan.datasets.iter().zip(&run.outcomes).map(|(d, o)| (d.name.as_str(), o)).collect();
    let lookup = |name: &str| {
        by_name
            .get(name)
            .map(|o| DatasetFacts { schema: o.schema.as_ref().map_err(String::as_str), metrics: &o.metrics })
    };
    let mut checks: Vec<_> = plan.checks.iter().map(|spec| evaluate(spec, &lookup, now)).collect();
    // Second pass, only for failed row-level checks: example rows, classified columns redacted.
    if sampling.n > 0 || sampling.out.is_some() {
        for (spec, result) in plan.checks.iter().zip(checks.iter_mut()) {
            if !matches!(result.status, Status::Failed | Status::Warning) {
                continue;
            }
            let (Some(ds), lakegate_core::CheckPlan::Metric { measure, .. }) = (&spec.dataset, &spec.plan) else {
                continue;
            };
            let Some(d) = plan.datasets.iter().find(|d| &d.name == ds) else { continue };
            let export = sampling.out.as_ref().map(|dir| dir.join(format!("{}.parquet", file_name(&spec.id))));
            match run.samples(d, measure, sampling.n, export.as_deref()) {
                Some(Ok(s)) if sampling.n > 0 => result.samples = Some(s),
                Some(Ok(_)) | None => {}
                Some(Err(e)) => tracing::warn!(check = %spec.id, "samples: {e}"),
            }
        }
    }
    ContractResult {
        id: plan.id.clone(),
        name: plan.name.clone(),
        version: plan.version.clone(),
        domain: plan.domain.clone(),
        file: plan.file.clone(),
        server: plan.server.clone(),
        datasets: run.outcomes.into_iter().map(|o| o.result).collect(),
        checks,
    }
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

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Failed => "FAILED ",
        Status::Errored => "ERRORED",
        Status::Warning => "WARNING",
        Status::Passed => "passed ",
        Status::Skipped => "skipped",
    }
}

fn print_console(out: &mut impl Write, run: &RunResult, secs: f64) -> std::io::Result<()> {
    for c in &run.contracts {
        let name = c.name.as_deref().map(|n| format!(" {n}")).unwrap_or_default();
        writeln!(
            out,
            "contract {}{name} v{} ({}){}",
            c.id,
            c.version,
            c.file,
            c.server.as_ref().map(|s| format!(", server {s}")).unwrap_or_default()
        )?;
        for d in &c.datasets {
            match &d.error {
                Some(e) => writeln!(out, "  dataset {}: ERROR {e}", d.name)?,
                None => writeln!(
                    out,
                    "  dataset {}: {} rows in {} file(s), {} ms",
                    d.name,
                    d.rows.map_or("?".into(), |r| r.to_string()),
                    d.files,
                    d.duration_ms
                )?,
            }
        }
        let mut checks: Vec<_> = c.checks.iter().collect();
        checks.sort_by_key(|r| r.status);
        let width = checks.iter().map(|r| r.title.chars().count().min(60)).max().unwrap_or(0);
        for r in checks {
            let title: String = r.title.chars().take(60).collect();
            let observed = r.observed.map_or_else(|| "-".to_owned(), fmt_num);
            let expected = if r.expected.is_empty() { "-" } else { &r.expected };
            writeln!(
                out,
                "    {} {title:<width$}  observed {observed:<10} expected {expected:<16} {}:{}",
                status_word(r.status),
                r.location.file,
                r.location.line,
            )?;
            if r.status != Status::Passed {
                writeln!(out, "            {}", r.message)?;
            }
            if let Some(s) = &r.samples {
                writeln!(out, "            sample rows: {}", s.columns.join(" | "))?;
                for row in &s.rows {
                    writeln!(out, "              {}", row.join(" | "))?;
                }
            }
        }
    }
    let s = run.summary;
    writeln!(
        out,
        "{} checks: {} passed, {} warnings, {} failed, {} errored, {} skipped in {:.2}s",
        s.total, s.passed, s.warnings, s.failed, s.errored, s.skipped, secs
    )
}

/// Fails early (exit 2, before reading data) when a report path cannot be written.
fn check_writable(p: &Path) -> anyhow::Result<()> {
    let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if !dir.is_dir() {
        bail!("cannot write `{}`: folder `{}` does not exist", p.display(), dir.display());
    }
    tempfile::NamedTempFile::new_in(dir).with_context(|| format!("cannot write `{}`", p.display()))?;
    Ok(())
}

/// Writes `bytes` to `p` through a temporary file and a rename: never a half-written report.
fn write_atomic(p: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("cannot write `{}`", p.display()))?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(p).with_context(|| format!("cannot write `{}`", p.display()))?;
    Ok(())
}
