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
        check_link(p)?;
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
    for (p, kind) in [
        (&files.json, ReportKind::Json),
        (&files.html, ReportKind::Html),
        (&files.junit, ReportKind::Junit),
        (&files.markdown, ReportKind::Markdown),
        (&files.metrics, ReportKind::OpenMetrics),
    ] {
        if let Some(p) = p {
            check_overwrite(p, kind)?;
        }
    }
    let given: Vec<&std::path::PathBuf> =
        [&files.json, &files.html, &files.junit, &files.markdown, &files.metrics].into_iter().flatten().collect();
    for (i, p) in given.iter().enumerate() {
        if given[..i].iter().any(|q| same_file(p, q)) {
            bail!("`{}` is given for two reports: each report needs its own file", p.display());
        }
    }
    Ok(())
}

/// An output path given relative to the current folder (a pull request can commit
/// `reports/lakegate-report.html`, or `reports/` itself, as a symbolic link) must really be
/// inside it, links followed, or be a device or FIFO (`/dev/stdout`). An absolute path is the
/// user's own, as typed in the CI command (`--metrics /var/lib/...`, `"$GITHUB_STEP_SUMMARY"`).
pub fn check_link(p: &Path) -> anyhow::Result<()> {
    if p.is_absolute() {
        return Ok(());
    }
    // What the kernel opens through the links (`/dev/stdout` is a pipe, through magic links).
    if std::fs::metadata(p).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
        return Ok(());
    }
    let target = follow_links(p);
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let cwd = std::fs::canonicalize(&cwd).unwrap_or(cwd);
    // The deepest existing folder of the target, resolved; the rest joined as written.
    let mut existing = target.clone();
    let mut rest = Vec::new();
    let real = loop {
        if let Ok(r) = std::fs::canonicalize(if existing.as_os_str().is_empty() { Path::new(".") } else { &existing }) {
            break rest.iter().rev().fold(r, |acc: std::path::PathBuf, part| acc.join(part));
        }
        match (existing.file_name().map(std::ffi::OsStr::to_os_string), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent.to_path_buf();
            }
            _ => break cwd.join(&target),
        }
    };
    if real.starts_with(&cwd) && !real.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
        Ok(())
    } else {
        bail!(
            "refusing to write `{}`: it leads out of the current folder (to `{}`), through a symbolic link or `..`; \
             give an absolute path to write there",
            p.display(),
            real.display()
        )
    }
}

/// Where a report path leads: symbolic links followed (a link to a file not written yet
/// included), at most 40 deep as the OS does.
fn follow_links(p: &Path) -> std::path::PathBuf {
    let mut resolved = p.to_path_buf();
    for _ in 0..40 {
        match (std::fs::symlink_metadata(&resolved), std::fs::read_link(&resolved)) {
            (Ok(m), Ok(target)) if m.file_type().is_symlink() => {
                resolved = resolved.parent().unwrap_or(Path::new("")).join(target);
            }
            _ => break,
        }
    }
    resolved
}

/// Two report paths naming one file (also through `./` or a symlink, a dangling one included).
fn same_file(a: &Path, b: &Path) -> bool {
    let (a, b) = (&follow_links(a), &follow_links(b));
    let canon = |p: &Path| {
        let dir = p.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        std::fs::canonicalize(dir).ok().map(|d| d.join(p.file_name().unwrap_or_default()))
    };
    match (std::fs::canonicalize(a).ok().or_else(|| canon(a)), std::fs::canonicalize(b).ok().or_else(|| canon(b))) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// The kinds of report files, each recognised by what lakegate writes into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportKind {
    /// `--json`: a JSON object with `report_version`.
    Json,
    /// `--html`: `<meta name="generator" content="lakegate ...">`.
    Html,
    /// `--junit`: `<testsuites name="lakegate"`.
    Junit,
    /// `--markdown`: the `<!-- lakegate report -->` marker line.
    Markdown,
    /// `--metrics`: `lakegate_` metric families.
    OpenMetrics,
}

impl ReportKind {
    fn describe(self) -> &'static str {
        match self {
            ReportKind::Json => "JSON report (no `report_version` key)",
            ReportKind::Html => "HTML report (no `<meta name=\"generator\" content=\"lakegate ...\">`)",
            ReportKind::Junit => "JUnit report (no `<testsuites name=\"lakegate\"`)",
            ReportKind::Markdown => "Markdown report (no `<!-- lakegate report -->` line)",
            ReportKind::OpenMetrics => "OpenMetrics file (no `lakegate_` metric family)",
        }
    }

    fn flag(self) -> &'static str {
        match self {
            ReportKind::Json => "--json",
            ReportKind::Html => "--html",
            ReportKind::Junit => "--junit",
            ReportKind::Markdown => "--markdown",
            ReportKind::OpenMetrics => "--metrics",
        }
    }

    /// Whether `head` (the first bytes of an existing file) is lakegate's own output of this kind.
    fn recognises(self, head: &str) -> bool {
        let start = head.trim_start_matches('\u{feff}').trim_start();
        match self {
            ReportKind::Json => {
                start.starts_with('{')
                    && start.get(1..).is_some_and(|rest| rest.trim_start().starts_with("\"report_version\""))
            }
            ReportKind::Html => {
                start.to_ascii_lowercase().starts_with("<!doctype html")
                    && head.contains("<meta name=\"generator\" content=\"lakegate")
            }
            ReportKind::Junit => start.starts_with("<?xml") && head.contains("<testsuites name=\"lakegate\""),
            // Summaries written before the marker: the heading line of `markdown()`.
            ReportKind::Markdown => {
                start.starts_with(lakegate_report::MARKDOWN_MARKER)
                    || (start.starts_with("## ")
                        && start.lines().next().is_some_and(|l| l.contains(" lakegate: ") && l.contains(" checks, ")))
            }
            ReportKind::OpenMetrics => start.starts_with("# TYPE lakegate_") || start.starts_with("# HELP lakegate_"),
        }
    }
}

/// Refuses (exit 2, before any data is read) to replace an existing file that is not a
/// previous lakegate report of the same kind: `--html contract.odcs.yaml` must never destroy
/// the contract. A missing or empty file (e.g. a fresh `$GITHUB_STEP_SUMMARY`) is fine.
pub fn check_overwrite(p: &Path, kind: ReportKind) -> anyhow::Result<()> {
    let meta = match std::fs::metadata(p) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => bail!("cannot write `{}`: {e}", p.display()),
    };
    if meta.is_dir() {
        bail!("cannot write `{}`: it is a folder", p.display());
    }
    // Not a regular file (`/dev/null`, `/dev/stdout`, a FIFO): written in place, nothing to
    // lose, and never read (reading a pipe would wait for a writer).
    if !meta.is_file() || meta.len() == 0 {
        return Ok(());
    }
    let mut head = vec![0u8; 8192];
    let n = {
        use std::io::Read;
        let mut f = std::fs::File::open(p).with_context(|| format!("cannot read `{}`", p.display()))?;
        let mut n = 0;
        while n < head.len() {
            match f.read(&mut head[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => bail!("cannot read `{}`: {e}", p.display()),
            }
        }
        n
    };
    let text = String::from_utf8_lossy(&head[..n]);
    if !kind.recognises(&text) {
        bail!(
            "`{} {}`: refusing to overwrite `{}`: the file exists and is not a lakegate {}; give a new path \
             (e.g. `{}=reports/...`) or delete the file first",
            kind.flag(),
            p.display(),
            p.display(),
            kind.describe(),
            kind.flag()
        );
    }
    Ok(())
}

/// `--history=DIR` must be new, empty, or a lakegate history: only `date=YYYY-MM-DD` folders
/// holding lakegate's `run-*.parquet` files (and hidden files). A hive-partitioned lake has
/// `date=` folders too: its data files make it refused. Checked before any data is read.
pub fn check_history_folder(dir: &Path) -> anyhow::Result<()> {
    check_link(dir)?;
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => bail!("cannot use `{}`: {e}", dir.display()),
        Ok(m) if !m.is_dir() => {
            bail!(
                "`--history={}`: refusing to use `{}`: it is a file, not a history folder",
                dir.display(),
                dir.display()
            )
        }
        Ok(_) => {
            for e in std::fs::read_dir(dir).with_context(|| format!("cannot read `{}`", dir.display()))? {
                let e = e.with_context(|| format!("cannot read `{}`", dir.display()))?;
                let name = e.file_name().to_string_lossy().into_owned();
                let is_day = name
                    .strip_prefix("date=")
                    .is_some_and(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok() || d == "unknown")
                    && e.path().is_dir();
                if is_day && let Some(foreign) = lakegate_history::foreign_file(&e.path()) {
                    bail!(
                        "`--history={}`: refusing to write into `{}`: it is not a lakegate history folder (`{}` \
                         is not a lakegate run file); give a new or empty folder",
                        dir.display(),
                        dir.display(),
                        foreign.display()
                    );
                }
                if !is_day && !name.starts_with('.') {
                    bail!(
                        "`--history={}`: refusing to write into `{}`: it is not a lakegate history folder (`{name}` \
                         is not a `date=YYYY-MM-DD` folder); give a new or empty folder",
                        dir.display(),
                        dir.display()
                    );
                }
            }
            Ok(())
        }
    }
}

/// A folder lakegate writes into (`--samples-out`, `catalog --out`): it must be new, empty,
/// or hold `marker` (lakegate wrote it before). Creates it and writes the marker.
pub fn claim_folder(dir: &Path, marker: &str, flag: &str) -> anyhow::Result<()> {
    check_link(dir)?;
    match std::fs::metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => bail!("cannot use `{}`: {e}", dir.display()),
        Ok(m) if !m.is_dir() => {
            bail!("`{flag} {}`: refusing to write into `{}`: it is a file, not a folder", dir.display(), dir.display())
        }
        Ok(_) => {
            let mut entries = std::fs::read_dir(dir).with_context(|| format!("cannot read `{}`", dir.display()))?;
            let empty = entries.next().is_none();
            if !empty && !dir.join(marker).is_file() {
                bail!(
                    "`{flag} {}`: refusing to write into `{}`: the folder is not empty and was not written by \
                     lakegate (no `{marker}` file in it); give a new or empty folder",
                    dir.display(),
                    dir.display()
                );
            }
        }
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let m = dir.join(marker);
    if !m.is_file() {
        std::fs::write(&m, "written by lakegate: this folder may be rewritten by the next run\n")
            .with_context(|| format!("cannot write `{}`", m.display()))?;
    }
    Ok(())
}

/// Writes `bytes` to `p` through a temporary file and a rename: an interrupted run never
/// leaves a half-written report, and an existing report is only replaced by a complete one.
/// What is not a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is written in place, never
/// replaced; a symbolic link is followed, and its target replaced, never the link itself.
pub fn write_atomic(p: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let cannot = || format!("cannot write `{}`", p.display());
    if let Ok(m) = std::fs::metadata(p)
        && !m.is_file()
        && !m.is_dir()
    {
        let mut f = std::fs::OpenOptions::new().write(true).open(p).with_context(cannot)?;
        // A reader that closed the pipe early (`--json /dev/stdout | head`) changes nothing.
        return match f.write_all(bytes) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other.with_context(cannot),
        };
    }
    let resolved = follow_links(p);
    let p = resolved.as_path();
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

/// How the text output is printed.
#[derive(Debug, Clone, Default)]
pub struct Console {
    /// The run's duration, when it ran now (not re-rendered).
    pub secs: Option<f64>,
    /// Checks deselected by `--select`/`--exclude`/`--schema-only` (said in the summary line).
    pub deselected: usize,
    /// `-q`: only the failed and errored checks, and the summary line.
    pub quiet: bool,
}

/// The run with every text made safe for a terminal or a CI log: control characters (a newline
/// inside a title, ESC sequences, `\r`) are shown escaped, so text from a contract or the data
/// can neither start a line of its own (`::add-mask::`, `::set-output` are GitHub workflow
/// commands) nor drive the terminal.
pub fn printable(run: &RunResult) -> RunResult {
    fn clean(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) if s.chars().any(char::is_control) => {
                *s = s
                    .chars()
                    .flat_map(|c| if c.is_control() { c.escape_default().collect() } else { vec![c] })
                    .collect();
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(clean),
            serde_json::Value::Object(o) => o.values_mut().for_each(clean),
            _ => {}
        }
    }
    let Ok(mut v) = serde_json::to_value(run) else { return run.clone() };
    clean(&mut v);
    serde_json::from_value(v).unwrap_or_else(|_| run.clone())
}

/// Prints the run on stdout in `format` and writes the requested files.
pub fn emit(run: &RunResult, format: OutputFormat, files: &ReportFiles, console: &Console) -> anyhow::Result<()> {
    let mut out = crate::stdout::stdout();
    match format {
        OutputFormat::Text => {
            let safe = printable(run);
            print_console(&mut out, &safe, console)?;
            if std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true") {
                write!(out, "{}", lakegate_report::github_annotations(&safe))?;
            }
        }
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut out, run)?;
            writeln!(out)?;
        }
        OutputFormat::Github => write!(out, "{}", lakegate_report::github_annotations(&printable(run)))?,
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

/// Per contract and dataset, a compact table (failures first), then one summary line. A
/// dataset that could not be read is one line: the checks errored by its read error are
/// counted there, not repeated. With `-q`, only failed and errored checks (and the contracts
/// and datasets they belong to) are printed.
pub fn print_console(out: &mut impl Write, run: &RunResult, console: &Console) -> std::io::Result<()> {
    let shown = |st: Status| !console.quiet || matches!(st, Status::Failed | Status::Errored);
    for c in &run.contracts {
        // Checks errored by their dataset's own read error: folded into the dataset line.
        let folded = |r: &lakegate_core::CheckResult| {
            r.status == Status::Errored
                && c.datasets.iter().any(|d| {
                    Some(&d.name) == r.info.dataset.as_ref()
                        && d.error.as_deref().is_some_and(|e| !e.is_empty() && r.message.contains(e))
                })
        };
        let mut checks: Vec<_> = c.checks.iter().filter(|r| shown(r.status) && !folded(r)).collect();
        let broken = c.datasets.iter().any(|d| d.error.is_some());
        if console.quiet && checks.is_empty() && !broken {
            continue;
        }
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
                Some(e) => {
                    let n = c.checks.iter().filter(|r| r.info.dataset.as_ref() == Some(&d.name) && folded(r)).count();
                    let errored = match n {
                        0 => String::new(),
                        1 => " (1 check errored)".to_owned(),
                        n => format!(" ({n} checks errored)"),
                    };
                    writeln!(out, "  dataset {}: ERROR {e}{errored}", d.name)?
                }
                None if console.quiet => {}
                // A warehouse table (files: 0): named by where it is.
                None if d.files == 0 && d.source.contains("://") => writeln!(
                    out,
                    "  dataset {}: {} rows in {}, {} ms",
                    d.name,
                    d.rows.map_or("?".into(), |r| r.to_string()),
                    d.source,
                    d.duration_ms
                )?,
                None => writeln!(
                    out,
                    "  dataset {}: {} rows in {} file(s), {} ms",
                    d.name,
                    d.rows.map_or("?".into(), |r| r.to_string()),
                    d.files,
                    d.duration_ms
                )?,
            }
            // `--on-bad-file skip`: what was left out is never silent, even with -q.
            for why in &d.skipped_files {
                writeln!(out, "    left out (--on-bad-file skip): {why}")?;
            }
        }
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
    let time = console.secs.map(|t| format!(" in {t:.2}s")).unwrap_or_default();
    let deselected =
        if console.deselected > 0 { format!("; {} deselected", console.deselected) } else { String::new() };
    writeln!(
        out,
        "{} checks: {} passed, {} warnings, {} failed, {} errored, {} skipped{deselected}{time}",
        s.total, s.passed, s.warnings, s.failed, s.errored, s.skipped
    )
}
