//! Checks over metrics: pure functions, no data.

use lakegate_core::check::fmt_num;
use lakegate_core::{
    CheckPlan, CheckResult, CheckSpec, DataSchema, Measure, Metric, MetricMap, Observed, SchemaAssertion, Severity,
    Status,
};

use crate::schema::{find, fits_logical, fits_physical};

/// What the engine learned about a dataset.
#[derive(Debug, Clone, Copy)]
pub struct DatasetFacts<'a> {
    /// The dataset's schema, or why it could not be read.
    pub schema: Result<&'a DataSchema, &'a str>,
    /// Computed metrics.
    pub metrics: &'a MetricMap,
    /// Schema evolution: columns that some of the dataset's files lack, with how many files
    /// lack them (their rows read as nulls), and the number of files.
    pub missing_in_files: Option<(&'a std::collections::BTreeMap<String, usize>, usize)>,
    /// Each column's type as a SQL server's catalog writes it (warehouse tables): a declared
    /// physicalType is then read as that server reads it, exactly (crate::catalog).
    pub catalog_types: Option<&'a std::collections::BTreeMap<String, String>>,
}

fn result(spec: &CheckSpec, status: Status, observed: Option<f64>, expected: String, message: String) -> CheckResult {
    CheckResult {
        info: spec.info.clone(),
        status,
        observed,
        threshold: match &spec.plan {
            CheckPlan::Metric { operator, unit, .. } => {
                let (op, value) = operator.parts();
                Some(lakegate_core::Threshold { operator: op.to_owned(), value, unit: unit.clone() })
            }
            _ => None,
        },
        expected,
        message,
        value: None,
        origin: None,
        baseline: None,
        trend: Vec::new(),
        failing_since: None,
        failing_groups: Vec::new(),
        samples: None,
    }
}

fn fail_status(spec: &CheckSpec) -> Status {
    match spec.info.severity {
        Severity::Warning => Status::Warning,
        Severity::Error => Status::Failed,
    }
}

/// The past runs of checks, by check id (empty without a history).
pub type History<'h> = &'h dyn Fn(&str) -> Vec<lakegate_core::HistoryPoint>;

/// Evaluates one check. `lookup` gives the facts of a dataset by name (the check's own and,
/// for comparisons, the other one); `now` is the run's clock in seconds since the Unix epoch;
/// `history` gives the check's past runs (for change rules).
pub fn evaluate<'a>(
    spec: &CheckSpec,
    lookup: &dyn Fn(&str) -> Option<DatasetFacts<'a>>,
    now: f64,
    history: History<'_>,
) -> CheckResult {
    let facts = spec.info.dataset.as_deref().and_then(lookup);
    match &spec.plan {
        CheckPlan::Skip(why) => result(spec, Status::Skipped, None, String::new(), why.clone()),
        CheckPlan::Error(why) => result(spec, Status::Errored, None, String::new(), why.clone()),
        CheckPlan::Schema(a) => {
            let Some(facts) = facts else {
                return result(spec, Status::Errored, None, String::new(), "no dataset to check".into());
            };
            match facts.schema {
                Err(why) => result(spec, Status::Errored, None, String::new(), why.to_owned()),
                Ok(schema) => {
                    let mut r = schema_check(spec, a, schema, facts.catalog_types);
                    // A column some files lack (an old partition written before it existed).
                    if let (SchemaAssertion::Present { column }, Some((missing, files))) = (a, facts.missing_in_files)
                        && let Some(n) = missing.get(column)
                        && r.status == Status::Passed
                    {
                        r.message.push_str(&format!("; missing in {n} of {files} files (read as nulls there)"));
                    }
                    r
                }
            }
        }
        CheckPlan::Metric { measure, operator, unit } => {
            let unit_sfx = match unit.as_deref() {
                Some("rows") | None => String::new(),
                Some("percent") => " %".into(),
                Some(u) => format!(" {u}"),
            };
            let expected = format!("{}{unit_sfx}", operator.describe());
            let Some(facts) = facts else {
                return result(spec, Status::Errored, None, expected, "no dataset to check".into());
            };
            let other = match measure.other() {
                Some((ds, _)) => match lookup(ds) {
                    Some(f) => Some(f.metrics),
                    None => {
                        return result(
                            spec,
                            Status::Errored,
                            None,
                            expected,
                            format!("dataset `{ds}` is not part of this run"),
                        );
                    }
                },
                None => None,
            };
            if let Measure::Change { inner, change } = measure {
                return evaluate_change(spec, inner, change, *operator, facts.metrics, other, now, history, expected);
            }
            match observe(measure, facts.metrics, other, now) {
                Err(why) => result(spec, Status::Errored, None, expected, why),
                Ok(Observed { groups: Some(groups), detail, .. }) if groups.is_empty() => {
                    // "All 0 groups hold" is no evidence: as without groupBy, no value is errored.
                    let why = detail.map(|d| format!(": {d}")).unwrap_or_else(|| ": no rows".to_owned());
                    result(spec, Status::Errored, None, expected, format!("no group has a value{why}"))
                }
                Ok(Observed { groups: Some(groups), detail, .. }) => {
                    // NaN in a group is errored, as it is without groupBy.
                    let nan: Vec<&str> = groups.iter().filter(|(_, v)| v.is_nan()).map(|(k, _)| k.as_str()).collect();
                    if !nan.is_empty() {
                        let shown = nan.iter().take(5).copied().collect::<Vec<_>>().join(", ");
                        return result(
                            spec,
                            Status::Errored,
                            None,
                            expected,
                            format!("NaN in the data of {} group(s): {shown}", nan.len()),
                        );
                    }
                    let failing: Vec<(String, f64)> =
                        groups.iter().filter(|(_, v)| !operator.holds(*v)).cloned().collect();
                    let n = failing.len();
                    let shown: Vec<String> =
                        failing.iter().take(10).map(|(k, v)| format!("{k}: {}", fmt_num(*v))).collect();
                    let message = if n == 0 {
                        format!("all {} groups {expected}", groups.len())
                    } else {
                        format!(
                            "{n} of {} groups break {expected}: {}{}",
                            groups.len(),
                            shown.join(", "),
                            if n > 10 { ", ..." } else { "" }
                        )
                    };
                    let message = match detail {
                        Some(d) => format!("{message} ({d})"),
                        None => message,
                    };
                    let status = if n == 0 { Status::Passed } else { fail_status(spec) };
                    let mut r = result(spec, status, Some(n as f64), format!("{expected} in every group"), message);
                    r.failing_groups = failing.into_iter().take(20).collect();
                    r
                }
                Ok(obs) => {
                    if let Some(why) = future_age(measure, obs.value, *operator, unit.as_deref()) {
                        let mut r = result(spec, fail_status(spec), Some(obs.value), expected, why);
                        r.value = Some(obs.value);
                        return r;
                    }
                    let pass = operator.holds(obs.value);
                    let mut message = format!("observed {}{unit_sfx}, expected {expected}", fmt_num(obs.value));
                    if let Some(d) = &obs.detail {
                        message.push_str(&format!(" ({d})"));
                    }
                    let status = if pass { Status::Passed } else { fail_status(spec) };
                    let mut r = result(spec, status, Some(obs.value), expected, message);
                    r.value = Some(obs.value);
                    r
                }
            }
        }
    }
}

/// Seconds a value may lie ahead of the run's clock unremarked when the threshold has no lower
/// bound: rows written while the run reads, and ordinary clock drift between machines.
pub const CLOCK_SKEW_SECONDS: f64 = 60.0;

/// Data from the future: an age (`now - newest` for freshness and latency, `now - oldest` for
/// retention) below zero. A contract that expects clock skew says so with a lower bound below
/// zero on its threshold (`mustBeBetween: [-5, 60]` with `unit: m`), which then decides alone;
/// otherwise an age more than [`CLOCK_SKEW_SECONDS`] below zero fails with this message (a
/// lower bound of zero or more fails it too, with this message).
fn future_age(measure: &Measure, age: f64, operator: lakegate_core::Operator, unit: Option<&str>) -> Option<String> {
    use lakegate_core::Operator as Op;
    let Measure::Age { metric, unit_seconds } = measure else {
        return None;
    };
    if age.is_nan() || age >= 0.0 {
        return None;
    }
    let lower = match operator {
        Op::MustBe(a) | Op::MustBeGreaterThan(a) | Op::MustBeGreaterOrEqualTo(a) | Op::MustBeBetween(a, _) => Some(a),
        _ => None,
    };
    match lower {
        Some(a) if a < 0.0 => return None,
        None if -age * unit_seconds <= CLOCK_SKEW_SECONDS => return None,
        _ => {}
    }
    let mut inner = metric;
    while let Metric::Filtered { metric, .. } = inner {
        inner = metric;
    }
    let which = match inner {
        Metric::MinEpoch { .. } => "oldest",
        _ => "newest",
    };
    let unit = unit.map(|u| format!(" {u}")).unwrap_or_else(|| " s".into());
    Some(format!(
        "the {which} value ({}) is {}{unit} in the future of the run's clock: a clock or time-zone error upstream? \
         (a contract that expects clock skew gives the threshold a lower bound below zero, e.g. mustBeBetween: \
         [-0.1, ...])",
        inner.describe(),
        fmt_num(-age)
    ))
}

#[allow(clippy::too_many_arguments)]
fn evaluate_change(
    spec: &CheckSpec,
    inner: &Measure,
    change: &lakegate_core::ChangeSpec,
    operator: lakegate_core::Operator,
    metrics: &MetricMap,
    other: Option<&MetricMap>,
    now: f64,
    history: History<'_>,
    expected: String,
) -> CheckResult {
    let expected = format!("change {expected} ({})", change.method);
    let x = match observe(inner, metrics, other, now) {
        Ok(o) => o.value,
        Err(why) => return result(spec, Status::Errored, None, expected, why),
    };
    let past = history(&spec.info.id);
    let points = crate::change::baseline_points(change, &past, now);
    if (points.len() as u64) < change.min_history {
        let mut r = result(
            spec,
            Status::Skipped,
            None,
            expected,
            format!(
                "history too short: {} baseline run(s), minHistory {} (value {})",
                points.len(),
                change.min_history,
                fmt_num(x)
            ),
        );
        r.value = Some(x);
        return r;
    }
    match crate::change::statistic(&change.method, x, &points) {
        Err(why) => {
            let mut r = result(spec, Status::Errored, None, expected, why);
            r.value = Some(x);
            r
        }
        Ok((stat, baseline)) => {
            let pass = operator.holds(stat);
            let band = baseline.spread.map(|s| format!(" ± {}", fmt_num(s))).unwrap_or_default();
            let mut message = format!(
                "{} {}: value {} against a baseline of {}{band} over {} run(s)",
                change.method,
                fmt_num(stat),
                fmt_num(x),
                fmt_num(baseline.center),
                baseline.points
            );
            // A long failing streak is often a legitimate level shift the baseline never learns.
            let streak = crate::change::failing_streak(&past, now);
            if !pass && streak >= 2 && !change.include_failed && change.rebase_after.is_none() {
                message.push_str(&format!(
                    "; failing for {} runs in a row: if this level is the new normal, set `rebaseAfter: N` \
                     (or `includeFailed: true`) in the change rule",
                    streak + 1
                ));
            }
            let mut r =
                result(spec, if pass { Status::Passed } else { fail_status(spec) }, Some(stat), expected, message);
            r.value = Some(x);
            r.baseline = Some(baseline);
            r
        }
    }
}

fn metric<'a>(metrics: &'a MetricMap, m: &Metric) -> Result<&'a Observed, String> {
    match metrics.get(m) {
        Some(Ok(o)) => Ok(o),
        Some(Err(e)) => Err(e.clone()),
        // Never a pass: a metric the engine did not compute is an error of the run.
        None => Err(format!("metric not computed: {}", m.describe())),
    }
}

fn observe(measure: &Measure, metrics: &MetricMap, other: Option<&MetricMap>, now: f64) -> Result<Observed, String> {
    match measure {
        Measure::Value(m) => {
            let o = metric(metrics, m)?;
            if o.value.is_nan() && o.groups.is_none() {
                return Err(format!("{} is not a number: no rows, only nulls, or NaN in the data", m.describe()));
            }
            Ok(o.clone())
        }
        Measure::Compare { left, dataset, right, ratio } => {
            let l = metric(metrics, left)?.value;
            let r = metric(other.ok_or("the other dataset was not read")?, right)
                .map_err(|e| format!("`{dataset}`: {e}"))?
                .value;
            if l.is_nan() || r.is_nan() {
                return Err("a compared value is missing (no rows, or only nulls)".into());
            }
            let value = if *ratio {
                if r == 0.0 {
                    return Err(format!("cannot divide by {} of `{dataset}`, which is 0", right.describe()));
                }
                l / r
            } else {
                l - r
            };
            Ok(Observed {
                value,
                detail: Some(format!("{} here, {} in `{dataset}`", fmt_num(l), fmt_num(r))),
                groups: None,
            })
        }
        Measure::Percent { metric: m, rows } => {
            let count = metric(metrics, m)?;
            let rows = metric(metrics, rows)?.value;
            let pct = if rows == 0.0 { 0.0 } else { 100.0 * count.value / rows };
            Ok(Observed {
                value: pct,
                detail: Some(format!("{} of {} rows", fmt_num(count.value), fmt_num(rows))),
                groups: None,
            })
        }
        Measure::Sum(ms) => {
            let mut total = 0.0;
            let mut parts = Vec::new();
            for m in ms {
                let o = metric(metrics, m)?;
                total += o.value;
                if o.value != 0.0 {
                    parts.push(format!("{}: {}", m.describe(), fmt_num(o.value)));
                }
                if let Some(d) = &o.detail {
                    parts.push(d.clone());
                }
            }
            Ok(Observed { value: total, detail: (!parts.is_empty()).then(|| parts.join("; ")), groups: None })
        }
        Measure::Age { metric: m, unit_seconds } => {
            let o = metric(metrics, m)?;
            if o.value.is_nan() {
                return Err(format!("{} has no value (empty or all null)", m.describe()));
            }
            Ok(Observed { value: (now - o.value) / unit_seconds, detail: o.detail.clone(), groups: None })
        }
        Measure::Change { inner, .. } => observe(inner, metrics, other, now),
        Measure::Scaled { metric: m, unit_seconds } => {
            let o = metric(metrics, m)?;
            if o.value.is_nan() {
                return Err(format!("{} has no value (fewer than two distinct values)", m.describe()));
            }
            Ok(Observed { value: o.value / unit_seconds, detail: o.detail.clone(), groups: None })
        }
    }
}

fn schema_check(
    spec: &CheckSpec,
    a: &SchemaAssertion,
    schema: &DataSchema,
    catalog_types: Option<&std::collections::BTreeMap<String, String>>,
) -> CheckResult {
    match a {
        SchemaAssertion::Present { column } => match find(schema, column) {
            Some(t) => result(
                spec,
                Status::Passed,
                Some(1.0),
                "present".into(),
                format!("`{column}` is present ({})", t.name()),
            ),
            None => result(
                spec,
                fail_status(spec),
                Some(0.0),
                "present".into(),
                format!(
                    "`{column}` is missing from the data{}",
                    crate::schema::rename_hint(schema, column).map(|h| format!("; {h}")).unwrap_or_default()
                ),
            ),
        },
        SchemaAssertion::Type { column, logical, physical, tz } => {
            let expected = [logical.clone(), physical.clone()].into_iter().flatten().collect::<Vec<_>>().join(" / ");
            let Some(t) = find(schema, column) else {
                return result(
                    spec,
                    Status::Errored,
                    None,
                    expected,
                    format!("`{column}` is missing: its type cannot be checked"),
                );
            };
            let mut problems = Vec::new();
            // The server's own type name, on a warehouse table (`character varying(8)`).
            let catalog = catalog_types.and_then(|c| c.get(column.as_str()));
            if let Some(l) = logical
                && !catalog.is_some_and(|c| crate::catalog::fits_logical(l, c))
                && let Err(e) = fits_logical(t, l, *tz)
            {
                problems.push(e);
            }
            // An unknown physicalType is never passed: skipped when it is all the check has.
            let mut unknown = None;
            if let Some(p) = physical {
                let fits = catalog.and_then(|c| crate::catalog::fits_physical(p, c)).or_else(|| fits_physical(t, p));
                match fits {
                    Some(Err(e)) => problems.push(e),
                    Some(Ok(())) => {}
                    None => unknown = Some(format!("physicalType `{p}` is not a type name lakegate knows")),
                }
            }
            if let (Some(why), None) = (&unknown, logical) {
                return result(spec, Status::Skipped, None, expected, format!("{why}: its type is not checked"));
            }
            if problems.is_empty() {
                let note = unknown.map(|u| format!(" (the logicalType only: {u})")).unwrap_or_default();
                result(spec, Status::Passed, Some(1.0), expected, format!("`{column}` is {}{note}", t.name()))
            } else {
                result(spec, fail_status(spec), Some(0.0), expected, problems.join("; "))
            }
        }
        SchemaAssertion::NoExtraColumns { declared, strict } => {
            let extra: Vec<&str> =
                schema.iter().map(|(n, _)| n.as_str()).filter(|n| !declared.iter().any(|d| d == n)).collect();
            let n = extra.len() as f64;
            let listing = if extra.is_empty() {
                "none".to_owned()
            } else {
                extra.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(", ")
            };
            if *strict && !extra.is_empty() {
                result(
                    spec,
                    fail_status(spec),
                    Some(n),
                    "= 0".into(),
                    format!("columns not in the contract: {listing}"),
                )
            } else {
                let expected = if *strict { "= 0".into() } else { "informational".into() };
                result(spec, Status::Passed, Some(n), expected, format!("columns not in the contract: {listing}"))
            }
        }
    }
}
