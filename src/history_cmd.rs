//! `lakegate history`: trends of past runs, from the history folder.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::bail;
use lakegate_core::Status;
use lakegate_core::check::fmt_num;
use serde_json::json;

use crate::cli::{HistoryArgs, LintFormat};

/// Prints per check its runs (oldest first), its latest status and since when it fails.
pub fn run(args: &HistoryArgs) -> anyhow::Result<u8> {
    if !args.history.is_dir() {
        bail!("no history in `{}` (write one with `lakegate check --history`)", args.history.display());
    }
    let since = match &args.since {
        None => None,
        Some(s) => match chrono::DateTime::parse_from_rfc3339(s) {
            Ok(t) => Some(t.timestamp() as f64),
            Err(_) => match lakegate_contract::lakegate::window(&serde_json::Value::String(s.clone())) {
                Some(Err(seconds)) => Some(chrono::Utc::now().timestamp() as f64 - seconds),
                _ => bail!("`--since {s}` is neither RFC 3339 nor a duration such as 30d"),
            },
        },
    };
    let (rows, warnings) = lakegate_history::load(&args.history, None, since);
    for w in &warnings {
        tracing::warn!("{w}");
    }
    let mut by_check: BTreeMap<(String, String), Vec<&lakegate_history::Row>> = BTreeMap::new();
    for r in &rows {
        if args.contract.as_ref().is_some_and(|c| c != &r.contract)
            || args.check.as_ref().is_some_and(|c| !r.check.contains(c.as_str()))
        {
            continue;
        }
        by_check.entry((r.contract.clone(), r.check.clone())).or_default().push(r);
    }
    // "Failing since" is the start of the current streak of failed or errored runs, wherever
    // it started: `--since` narrows the runs shown, not the answer. Streaks that reach back to
    // the window's first run are followed into the runs before it.
    let failing = |s: Status| matches!(s, Status::Failed | Status::Errored);
    let streak = |runs: &[&lakegate_history::Row]| -> Option<(String, bool)> {
        let mut start = None;
        for r in runs.iter().rev() {
            if failing(r.status) {
                start = Some(r.now.clone());
            } else {
                return start.map(|s| (s, true));
            }
        }
        start.map(|s| (s, false))
    };
    let mut earlier: BTreeMap<(String, String), String> = BTreeMap::new();
    if let Some(since) = since {
        let open: std::collections::BTreeSet<String> = by_check
            .iter()
            .filter(|(_, runs)| matches!(streak(runs), Some((_, false))))
            .map(|((_, check), _)| check.clone())
            .collect();
        if !open.is_empty() {
            let (before, _) = lakegate_history::load(&args.history, Some(&open), None);
            let mut by: BTreeMap<(String, String), Vec<&lakegate_history::Row>> = BTreeMap::new();
            for r in before.iter().filter(|r| r.at < since) {
                by.entry((r.contract.clone(), r.check.clone())).or_default().push(r);
            }
            for (key, runs) in by {
                if let Some((start, _)) = streak(&runs) {
                    earlier.insert(key, start);
                }
            }
        }
    }
    let failing_since = |key: &(String, String), runs: &[&lakegate_history::Row]| -> Option<String> {
        match streak(runs)? {
            (start, true) => Some(start),
            (start, false) => Some(earlier.get(key).cloned().unwrap_or(start)),
        }
    };
    let mut out = crate::stdout::stdout();
    match args.format {
        LintFormat::Json => {
            let checks: Vec<_> = by_check
                .iter()
                .map(|((contract, check), runs)| {
                    json!({
                        "contract": contract,
                        "check": check,
                        "latest": runs.last().map(|r| r.status.as_str()),
                        "failing_since": failing_since(&(contract.clone(), check.clone()), runs),
                        "runs": runs.iter().map(|r| json!({"run_id": r.run_id, "now": r.now, "status": r.status.as_str(), "observed": r.observed, "value": r.value})).collect::<Vec<_>>(),
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &json!({ "checks": checks, "skipped_files": warnings }))?;
            writeln!(out)?;
        }
        LintFormat::Text => {
            for (key, runs) in &by_check {
                let check = &key.1;
                let marks: String = runs
                    .iter()
                    .map(|r| match r.status {
                        Status::Passed => '.',
                        Status::Warning => 'w',
                        Status::Failed => 'F',
                        Status::Errored => 'E',
                        Status::Skipped => 's',
                    })
                    .collect();
                let last =
                    runs.last().map(|r| r.value.or(r.observed).map_or_else(|| "-".into(), fmt_num)).unwrap_or_default();
                let since = failing_since(key, runs).map(|s| format!("  failing since {s}")).unwrap_or_default();
                writeln!(out, "{marks:>20} {last:>14}  {check}{since}")?;
            }
            let runs: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.run_id.as_str()).collect();
            writeln!(
                out,
                "{} check(s) over {} run(s) ('.' passed, w warning, F failed, E errored, s skipped; latest right)",
                by_check.len(),
                runs.len()
            )?;
        }
    }
    Ok(crate::EXIT_OK)
}
