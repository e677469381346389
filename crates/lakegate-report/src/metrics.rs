//! OpenMetrics text for monitoring (Prometheus textfile collector, the Datadog agent's
//! OpenMetrics check): per check status and observed value, per dataset rows and duration,
//! per run totals.

use std::fmt::Write as _;

use lakegate_core::{ContractResult, RunResult, Status};

fn label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn number(x: f64) -> String {
    if x.is_nan() {
        "NaN".into()
    } else if x.is_infinite() {
        if x > 0.0 { "+Inf".into() } else { "-Inf".into() }
    } else {
        lakegate_core::check::fmt_num(x)
    }
}

/// The labels that place a sample: contract, domain, dataset (and check when given).
fn place(c: &ContractResult, dataset: &str, check: Option<&str>) -> String {
    let mut l = format!(
        "contract=\"{}\",domain=\"{}\",dataset=\"{}\"",
        label(&c.id),
        label(c.domain.as_deref().unwrap_or("")),
        label(dataset)
    );
    if let Some(check) = check {
        l.push_str(&format!(",check=\"{}\"", label(check)));
    }
    l
}

/// Renders the run as OpenMetrics text (ending with `# EOF`).
pub fn openmetrics(run: &RunResult) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# TYPE lakegate_check_status gauge");
    let _ = writeln!(out, "# HELP lakegate_check_status 1 for the check's status of the last run (labels: status).");
    for c in &run.contracts {
        for r in &c.checks {
            let severity = match r.info.severity {
                lakegate_core::Severity::Error => "error",
                lakegate_core::Severity::Warning => "warning",
            };
            let at = place(c, r.info.dataset.as_deref().unwrap_or(""), Some(&r.info.id));
            let _ = writeln!(
                out,
                "lakegate_check_status{{{at},severity=\"{severity}\",status=\"{}\"}} 1",
                r.status.as_str()
            );
        }
    }
    let _ = writeln!(out, "# TYPE lakegate_check_observed gauge");
    let _ = writeln!(out, "# HELP lakegate_check_observed The observed value of the check (absent when not computed).");
    for c in &run.contracts {
        for r in &c.checks {
            if let Some(v) = r.observed {
                let at = place(c, r.info.dataset.as_deref().unwrap_or(""), Some(&r.info.id));
                let _ = writeln!(out, "lakegate_check_observed{{{at}}} {}", number(v));
            }
        }
    }
    let _ = writeln!(out, "# TYPE lakegate_dataset_rows gauge");
    let _ = writeln!(out, "# HELP lakegate_dataset_rows Rows read in the dataset.");
    for c in &run.contracts {
        for d in &c.datasets {
            if let Some(rows) = d.rows {
                let _ = writeln!(out, "lakegate_dataset_rows{{{}}} {rows}", place(c, &d.name, None));
            }
        }
    }
    let _ = writeln!(out, "# TYPE lakegate_dataset_duration_seconds gauge");
    let _ = writeln!(out, "# UNIT lakegate_dataset_duration_seconds seconds");
    let _ = writeln!(
        out,
        "# HELP lakegate_dataset_duration_seconds Time spent reading the dataset and computing its metrics."
    );
    for c in &run.contracts {
        for d in &c.datasets {
            let secs = number(d.duration_ms as f64 / 1000.0);
            let _ = writeln!(out, "lakegate_dataset_duration_seconds{{{}}} {secs}", place(c, &d.name, None));
        }
    }
    let _ = writeln!(out, "# TYPE lakegate_run_checks gauge");
    let _ = writeln!(out, "# HELP lakegate_run_checks Checks of the last run by status.");
    let s = run.summary;
    for (status, n) in [
        (Status::Passed, s.passed),
        (Status::Warning, s.warnings),
        (Status::Failed, s.failed),
        (Status::Errored, s.errored),
        (Status::Skipped, s.skipped),
    ] {
        let _ = writeln!(out, "lakegate_run_checks{{status=\"{}\"}} {n}", status.as_str());
    }
    out.push_str("# EOF\n");
    out
}
