//! `lakegate diff`: classify the changes between two versions of contracts (breaking,
//! non-breaking, informational) and check the `version` bump; the exit code gates the pull
//! request.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use lakegate_contract::{Diagnostic, LoadResult, LoadedContract, Severity};
use lakegate_diff::{ContractDiff, FindingLevel, Impact};

/// What `diff` prints on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// One line per change with the new file's `file:line:col`, and a summary line.
    Text,
    /// One JSON document (schema in the README).
    Json,
    /// Markdown for a pull-request comment or `$GITHUB_STEP_SUMMARY`.
    Markdown,
    /// GitHub Actions annotations.
    Github,
}

/// Which changes make the exit code 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFailOn {
    /// A breaking change not announced by a major version bump, or any other versioning error.
    Breaking,
    /// Any breaking or non-breaking change (a frozen contract), and versioning errors.
    Any,
    /// Never exit 1 (invalid contracts still exit 2).
    Never,
}

/// `lakegate diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// OLD NEW: two contract files or folders (contracts are matched by `id`). With `--base`:
    /// the contract files or folders of the working tree to compare (default: contracts).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Compare the working tree with this git commit, branch or tag (the pull request's base,
    /// e.g. `origin/main`); contracts are matched by `id`, so renamed files are followed.
    #[arg(long, value_name = "GIT_REF")]
    pub base: Option<String>,
    /// What to print on stdout (text adds GitHub annotations when GITHUB_ACTIONS=true).
    #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
    pub format: DiffFormat,
    /// Which changes make the exit code 1.
    #[arg(long, value_enum, default_value_t = DiffFailOn::Breaking)]
    pub fail_on: DiffFailOn,
    /// Also write the Markdown summary to PATH (e.g. "$GITHUB_STEP_SUMMARY").
    #[arg(long, value_name = "PATH")]
    pub markdown: Option<PathBuf>,
}

/// Runs the diff; exit 0, 1 (a change `--fail-on` refuses) or 2 (invalid contracts, usage).
pub fn run(args: &DiffArgs, quiet: bool) -> anyhow::Result<u8> {
    if let Some(p) = &args.markdown {
        crate::output::check_link(p)?;
        crate::output::check_overwrite(p, crate::output::ReportKind::Markdown)?;
    }
    // Where the old side did not lint: changes from there are not classified.
    let mut invalid = std::collections::BTreeSet::new();
    let (old, new) = match &args.base {
        Some(base) => {
            let paths = if args.paths.is_empty() { vec![PathBuf::from("contracts")] } else { args.paths.clone() };
            let old = git_side(base, &paths)?;
            // A path gone from the working tree whose files the base had was deleted by the
            // pull request (git drops an emptied folder): its contracts are removed, not a
            // usage error.
            let kept: Vec<PathBuf> =
                paths.iter().filter(|p| p.exists() || !old.0.iter().any(|(n, _)| n.starts_with(p))).cloned().collect();
            let new = if kept.is_empty() { (Vec::new(), Vec::new()) } else { crate::contracts::lint_unique(&kept) };
            (lint_old_side(old, &mut invalid), lint_side(new))
        }
        None => {
            let [old, new] = args.paths.as_slice() else {
                bail!(
                    "`lakegate diff` takes two paths, OLD and NEW (files or folders), or `--base GIT_REF` and the \
                     paths of the working tree"
                );
            };
            (
                lint_old_side(crate::contracts::lint_unique(std::slice::from_ref(old)), &mut invalid),
                lint_side(crate::contracts::lint_unique(std::slice::from_ref(new))),
            )
        }
    };
    let (Some(old), Some(new)) = (old?, new?) else {
        writeln!(
            std::io::stderr(),
            "error: invalid contracts: nothing was compared (run `lakegate lint` for details)"
        )?;
        return Ok(crate::EXIT_INVALID);
    };
    if old.is_empty() && new.is_empty() {
        bail!("no contract found on either side");
    }
    let diffs = lakegate_diff::diff_sets_except(&old, &new, &invalid);
    let mut out = crate::stdout::stdout();
    match args.format {
        DiffFormat::Text => {
            write!(out, "{}", text(&diffs, quiet))?;
            if std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true") {
                write!(out, "{}", github(&diffs))?;
            }
        }
        DiffFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &json(&diffs))?;
            writeln!(out)?;
        }
        DiffFormat::Markdown => write!(out, "{}", markdown(&diffs))?,
        DiffFormat::Github => write!(out, "{}", github(&diffs))?,
    }
    if let Some(p) = &args.markdown {
        crate::output::write_atomic(p, markdown(&diffs).as_bytes())?;
    }
    Ok(if fails(&diffs, args.fail_on) { crate::EXIT_FAILED } else { crate::EXIT_OK })
}

/// Whether the exit code is 1.
pub fn fails(diffs: &[ContractDiff], fail_on: DiffFailOn) -> bool {
    let semver_error = diffs.iter().any(|d| d.semver.iter().any(|f| f.level == FindingLevel::Error));
    match fail_on {
        DiffFailOn::Never => false,
        DiffFailOn::Breaking => semver_error || diffs.iter().any(|d| d.unannounced() > 0),
        DiffFailOn::Any => {
            semver_error || diffs.iter().any(|d| d.count(Impact::Breaking) + d.count(Impact::NonBreaking) > 0)
        }
    }
}

/// One side as read: each file's result, and the problems finding the files.
type Side = (Vec<(PathBuf, LoadResult)>, Vec<Diagnostic>);

/// The contracts of one side, or `None` when any is invalid (the errors are printed).
fn lint_side((results, discovery): Side) -> anyhow::Result<Option<Vec<LoadedContract>>> {
    crate::contracts::valid(results, discovery)
}

/// The contracts of the old side. An invalid old contract does not block the diff (the pull
/// request may be the one fixing it): its errors are printed as warnings, a contract that
/// still parsed is compared as it parsed, and one that did not is left out (its contract on
/// the new side then reads as added). Problems finding the files stay errors.
fn lint_old_side(
    side: Side,
    invalid: &mut std::collections::BTreeSet<(String, usize)>,
) -> anyhow::Result<Option<Vec<LoadedContract>>> {
    let (results, discovery) = side;
    let mut err = std::io::stderr().lock();
    for d in &discovery {
        write!(err, "{}", d.render(None))?;
    }
    let mut loaded = Vec::new();
    for (path, r) in results {
        let errors: Vec<_> = r.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
        if !errors.is_empty() {
            for d in &errors {
                invalid.insert((d.file.clone(), d.line));
                let w = Diagnostic { severity: Severity::Warning, ..(*d).clone() };
                writeln!(err, "{}", w.render(r.source.as_deref()))?;
            }
            let file = errors.first().map_or_else(|| path.display().to_string(), |d| d.file.clone());
            let what = if r.contract.is_some() {
                "compared as it parsed, except on the lines in error"
            } else {
                "not compared: its contract on the new side reads as added"
            };
            writeln!(err, "warning: the old side `{file}` does not lint ({} error(s)); {what}", errors.len())?;
        }
        if let Some(c) = r.contract {
            loaded.push(c);
        }
    }
    Ok((discovery.is_empty()).then_some(loaded))
}

/// The contracts under `paths` at git commit `base`, read with `git show`, each named
/// `BASE:path`; a second file with an id already seen is a `duplicate-contract-id` error.
fn git_side(base: &str, paths: &[PathBuf]) -> anyhow::Result<Side> {
    if base.starts_with('-') {
        bail!("`--base {base}`: not a git reference");
    }
    let git = |args: &[&str]| -> anyhow::Result<Vec<u8>> {
        let out = Command::new("git").args(args).output().context("cannot run `git` (is it installed?)")?;
        if !out.status.success() {
            bail!("`git {}` failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(out.stdout)
    };
    if git(&["rev-parse", "--is-inside-work-tree"]).is_err() {
        bail!("`--base {base}`: the current folder is not inside a git repository");
    }
    let commit = git(&["rev-parse", "--verify", "--quiet", &format!("{base}^{{commit}}")])
        .with_context(|| format!("`--base {base}`: no such commit, branch or tag"))?;
    let commit = String::from_utf8_lossy(&commit).trim().to_owned();
    let mut args = vec!["ls-tree", "-r", "-z", "--name-only", commit.as_str(), "--"];
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    args.extend(shown.iter().map(String::as_str));
    let listing = git(&args)?;
    let mut names: Vec<String> = listing
        .split(|b| *b == 0)
        .filter(|n| !n.is_empty())
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .filter(|n| {
            let file = Path::new(n).file_name().and_then(|f| f.to_str()).unwrap_or("");
            !file.starts_with('.') && lakegate_contract::lint::CONTRACT_SUFFIXES.iter().any(|s| file.ends_with(s))
        })
        .collect();
    names.sort();
    let lookup = |name: &str| std::env::var(name).ok().filter(|_| lakegate_contract::load::expandable(name));
    let mut results = Vec::new();
    let mut first: BTreeMap<String, String> = BTreeMap::new();
    for n in names {
        let bytes = git(&["show", &format!("{commit}:./{n}")])?;
        let display = format!("{base}:{n}");
        let mut r = lakegate_contract::load_bytes(&display, &bytes, &lookup);
        if let Some(c) = &r.contract {
            if let Some(earlier) = first.get(&c.contract.id) {
                let d = Diagnostic::error(
                    "duplicate-contract-id",
                    &c.file,
                    c.locate("/id"),
                    format!("contract id `{}` is also declared by `{earlier}`", c.contract.id),
                );
                r.diagnostics.push(d);
            } else {
                first.insert(c.contract.id.clone(), c.file.clone());
            }
        }
        results.push((PathBuf::from(n), r));
    }
    Ok((results, Vec::new()))
}

/// Text made safe for a terminal or CI log: control characters shown escaped.
fn clean(s: &str) -> String {
    s.chars().flat_map(|c| if c.is_control() { c.escape_default().collect() } else { vec![c] }).collect()
}

fn version_line(d: &ContractDiff) -> String {
    let v = |x: &Option<String>| x.clone().unwrap_or_else(|| "-".into());
    // A file read from git is `REF:path`: the same path in the working tree is one file.
    let same = |a: &str, b: &str| a == b || a.split_once(':').is_some_and(|(_, p)| p == b);
    let files = match (&d.old_file, &d.new_file) {
        (Some(a), Some(b)) if !same(a, b) => format!("{a} -> {b}"),
        (_, Some(f)) | (Some(f), None) => f.clone(),
        (None, None) => String::new(),
    };
    format!("contract {} {} -> {} ({files})", d.id, v(&d.old_version), v(&d.new_version))
}

/// The text output: per contract its changes (breaking first), the versioning verdict, then
/// one summary line. `quiet`: breaking changes and errors only.
pub fn text(diffs: &[ContractDiff], quiet: bool) -> String {
    let mut out = String::new();
    for d in diffs {
        let mut changes: Vec<_> = d.changes.iter().filter(|c| !quiet || c.impact() == Impact::Breaking).collect();
        changes.sort_by_key(|c| c.impact());
        let errors: Vec<_> = d.semver.iter().filter(|f| !quiet || f.level == FindingLevel::Error).collect();
        if quiet && changes.is_empty() && errors.is_empty() {
            continue;
        }
        out.push_str(&clean(&version_line(d)));
        if d.changes.is_empty() {
            out.push_str(": no change");
        }
        out.push('\n');
        for c in changes {
            let r = c.kind.rule();
            let label = match c.impact() {
                Impact::Breaking if c.allowed => "BREAKING (announced)",
                Impact::Breaking => "BREAKING",
                Impact::NonBreaking => "non-breaking",
                Impact::Informational => "info",
            };
            let values = match (&c.old, &c.new) {
                (Some(a), Some(b)) => format!(" [{a} -> {b}]"),
                _ => String::new(),
            };
            let affects = if r.affects == "-" { String::new() } else { format!(" (affects {})", r.affects) };
            out.push_str(&clean(&format!(
                "  {}: {label} {}: {}{values}{affects}",
                c.location.display(),
                r.code,
                c.message
            )));
            out.push('\n');
        }
        for f in errors {
            let level = if f.level == FindingLevel::Error { "error" } else { "note" };
            out.push_str(&clean(&format!("  {}: {level}: {}", f.location.display(), f.message)));
            out.push('\n');
        }
    }
    let sum = |i: Impact| diffs.iter().map(|d| d.count(i)).sum::<usize>();
    let unannounced: usize = diffs.iter().map(ContractDiff::unannounced).sum();
    let errors = diffs.iter().flat_map(|d| &d.semver).filter(|f| f.level == FindingLevel::Error).count();
    let changed = diffs.iter().filter(|d| !d.changes.is_empty()).count();
    out.push_str(&format!(
        "diff: {} contract(s), {changed} changed; {} breaking ({unannounced} without a major version bump), {} \
         non-breaking, {} informational; {errors} versioning error(s)\n",
        diffs.len(),
        sum(Impact::Breaking),
        sum(Impact::NonBreaking),
        sum(Impact::Informational),
    ));
    out
}

/// The JSON document (schema in the README).
pub fn json(diffs: &[ContractDiff]) -> serde_json::Value {
    let sum = |i: Impact| diffs.iter().map(|d| d.count(i)).sum::<usize>();
    serde_json::json!({
        "diff_version": 1,
        "contracts": diffs,
        "summary": {
            "contracts": diffs.len(),
            "changed": diffs.iter().filter(|d| !d.changes.is_empty()).count(),
            "breaking": sum(Impact::Breaking),
            "unannounced": diffs.iter().map(ContractDiff::unannounced).sum::<usize>(),
            "nonBreaking": sum(Impact::NonBreaking),
            "informational": sum(Impact::Informational),
            "versioningErrors": diffs.iter().flat_map(|d| &d.semver).filter(|f| f.level == FindingLevel::Error).count(),
        },
    })
}

/// GitHub annotations: an error per breaking change not announced by a major bump and per
/// versioning error, a warning per announced breaking change, a notice per non-breaking
/// change and versioning note; informational changes are not annotated.
pub fn github(diffs: &[ContractDiff]) -> String {
    let mut out = String::new();
    for d in diffs {
        for c in &d.changes {
            let r = c.kind.rule();
            let level = match c.impact() {
                Impact::Breaking if c.allowed => "warning",
                Impact::Breaking => "error",
                Impact::NonBreaking => "notice",
                Impact::Informational => continue,
            };
            let affects = if r.affects == "-" { String::new() } else { format!(" (affects {})", r.affects) };
            out.push_str(&lakegate_report::annotation(
                level,
                &c.location.file,
                c.location.line,
                c.location.column,
                &format!("lakegate diff: {} {}", r.impact.as_str(), r.code),
                &clean(&format!("{}{affects}", c.message)),
            ));
        }
        for f in &d.semver {
            let level = if f.level == FindingLevel::Error { "error" } else { "notice" };
            out.push_str(&lakegate_report::annotation(
                level,
                &f.location.file,
                f.location.line,
                f.location.column,
                "lakegate diff: version",
                &clean(&f.message),
            ));
        }
    }
    out
}

/// At most this many changes are listed in the Markdown summary.
const MAX_ROWS: usize = 100;

/// The Markdown summary: a verdict heading, a table per contract, the changes (breaking first).
pub fn markdown(diffs: &[ContractDiff]) -> String {
    use lakegate_report::markdown_cell as cell;
    let sum = |i: Impact| diffs.iter().map(|d| d.count(i)).sum::<usize>();
    let unannounced: usize = diffs.iter().map(ContractDiff::unannounced).sum();
    let errors = diffs.iter().flat_map(|d| &d.semver).filter(|f| f.level == FindingLevel::Error).count();
    let icon = if unannounced + errors > 0 {
        "❌"
    } else if sum(Impact::Breaking) > 0 {
        "🟡"
    } else {
        "✅"
    };
    let mut out = format!(
        "{}\n## {icon} lakegate diff: {} breaking ({unannounced} without a major version bump), {} non-breaking, {} \
         informational\n\n",
        lakegate_report::MARKDOWN_MARKER,
        sum(Impact::Breaking),
        sum(Impact::NonBreaking),
        sum(Impact::Informational)
    );
    out.push_str(
        "| contract | version | needs | breaking | non-breaking | informational |\n|---|---|---|---|---|---|\n",
    );
    for d in diffs {
        let v = |x: &Option<String>| x.clone().unwrap_or_else(|| "–".into());
        out.push_str(&format!(
            "| {} | {} → {} | {} | {} | {} | {} |\n",
            cell(&d.id),
            cell(&v(&d.old_version)),
            cell(&v(&d.new_version)),
            d.required_bump.as_str(),
            d.count(Impact::Breaking),
            d.count(Impact::NonBreaking),
            d.count(Impact::Informational)
        ));
    }
    let findings: Vec<_> = diffs.iter().flat_map(|d| &d.semver).collect();
    if !findings.is_empty() {
        out.push('\n');
        for f in findings {
            let level = if f.level == FindingLevel::Error { "**error**" } else { "note" };
            out.push_str(&format!("- {level}: {} ({})\n", cell(&f.message), cell(&f.location.display())));
        }
    }
    let mut rows: Vec<_> = diffs.iter().flat_map(|d| &d.changes).collect();
    rows.sort_by_key(|c| c.impact());
    if !rows.is_empty() {
        out.push_str("\n| impact | rule | element | change | where |\n|---|---|---|---|---|\n");
        for c in rows.iter().take(MAX_ROWS) {
            let r = c.kind.rule();
            let impact = match c.impact() {
                Impact::Breaking if c.allowed => "breaking (announced)",
                other => other.as_str(),
            };
            let change = match (&c.old, &c.new) {
                (Some(a), Some(b)) => format!("{} ({a} → {b})", c.message),
                _ => c.message.clone(),
            };
            out.push_str(&format!(
                "| {impact} | `{}` | {} | {} | {} |\n",
                r.code,
                cell(&c.element),
                cell(&change),
                cell(&c.location.display())
            ));
        }
        if rows.len() > MAX_ROWS {
            out.push_str(&format!("\n… and {} more (see `lakegate diff --format json`).\n", rows.len() - MAX_ROWS));
        }
    }
    out
}
