//! What `check` and `report` print and write: the console table, the JSON report, and the
//! HTML, JUnit, Markdown and GitHub renderings. Files are written atomically.

use std::io::Write;
use std::path::{Component, Path};

use anyhow::{Context, bail};
use lakegate_core::check::fmt_num;
use lakegate_core::{RunResult, Status};

use crate::cli::{OutputFormat, ReportFiles};

/// Fails early (exit 2, before any data is read) when a report path cannot be written.
pub fn check_writable(files: &ReportFiles) -> anyhow::Result<()> {
    for p in [&files.json, &files.html, &files.junit, &files.markdown, &files.metrics].into_iter().flatten() {
        let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if !dir.is_dir() {
            if Some(p) == files.html.as_ref() && p == Path::new("reports/lakegate-report.html") {
                std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
            } else {
                bail!("cannot write `{}`: folder `{}` does not exist", p.display(), dir.display());
            }
        }
        if p.is_dir() {
            bail!("cannot write `{}`: it is a folder", p.display());
        }
        tempfile::NamedTempFile::new_in(dir).with_context(|| format!("cannot write `{}`", p.display()))?;
    }
    Ok(())
}

/// Writes `bytes` to `p` through a temporary file and a rename: an interrupted run never
/// leaves a half-written report, and an existing report is only replaced by a complete one.
pub fn write_atomic(p: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("cannot write `{}`", p.display()))?;
    tmp.write_all(bytes)?;
    // Reports are for reading: the usual file mode, not the temporary file's private one.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(p).with_context(|| format!("cannot write `{}`", p.display()))?;
    Ok(())
}

/// The path from the folder of `report` back to the working directory, for links to contract
/// files (`../` for `reports/x.html`).
fn link_base(report: &Path) -> String {
    let dir = report.parent().unwrap_or(Path::new(""));
    if dir.is_absolute() {
        return std::env::current_dir().map(|d| format!("{}/", d.display())).unwrap_or_default();
    }
    dir.components().filter(|c| matches!(c, Component::Normal(_))).map(|_| "../").collect()
}

/// Prints the run on stdout in `format` and writes the requested files.
pub fn emit(run: &RunResult, format: OutputFormat, files: &ReportFiles, secs: Option<f64>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Text => {
            print_console(&mut out, run, secs)?;
            if std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true") {
                write!(out, "{}", lakegate_report::github_annotations(run))?;
            }
        }
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, run)?;
            writeln!(out)?;
        }
        OutputFormat::Github => write!(out, "{}", lakegate_report::github_annotations(run))?,
    }
    if let Some(p) = &files.json {
        write_atomic(p, &serde_json::to_vec_pretty(run)?)?;
    }
    if let Some(p) = &files.html {
        let html = lakegate_report::html(run, &link_base(p)).map_err(|e| anyhow::anyhow!("HTML report: {e}"))?;
        write_atomic(p, html.as_bytes())?;
    }
    if let Some(p) = &files.junit {
        let xml = lakegate_report::junit(run).map_err(|e| anyhow::anyhow!("JUnit report: {e}"))?;
        write_atomic(p, xml.as_bytes())?;
    }
    if let Some(p) = &files.markdown {
        write_atomic(p, lakegate_report::markdown(run, &link_base(p)).as_bytes())?;
    }
    if let Some(p) = &files.metrics {
        write_atomic(p, lakegate_report::openmetrics(run).as_bytes())?;
    }
    Ok(())
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

/// Per contract and dataset, a compact table (failures first), then one summary line.
pub fn print_console(out: &mut impl Write, run: &RunResult, secs: Option<f64>) -> std::io::Result<()> {
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
        let width = checks.iter().map(|r| r.info.title.chars().count().min(60)).max().unwrap_or(0);
        for r in checks {
            let title: String = r.info.title.chars().take(60).collect();
            let observed = r.observed.map_or_else(|| "-".to_owned(), fmt_num);
            let expected = if r.expected.is_empty() { "-" } else { &r.expected };
            writeln!(
                out,
                "    {} {title:<width$}  observed {observed:<10} expected {expected:<16} {}:{}",
                status_word(r.status),
                r.info.location.file,
                r.info.location.line,
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
    let time = secs.map(|t| format!(" in {t:.2}s")).unwrap_or_default();
    writeln!(
        out,
        "{} checks: {} passed, {} warnings, {} failed, {} errored, {} skipped{time}",
        s.total, s.passed, s.warnings, s.failed, s.errored, s.skipped
    )
}
