//! The view model of the HTML and Markdown reports: numbers formatted, checks ordered.

use lakegate_core::check::fmt_num;
use lakegate_core::{CheckResult, ContractResult, RunResult, Status};
use serde::Serialize;

#[derive(Serialize)]
pub struct CheckView<'a> {
    pub id: &'a str,
    pub status: &'static str,
    pub title: &'a str,
    pub kind: &'a str,
    pub dataset: &'a str,
    pub property: &'a str,
    pub dimension: &'a str,
    pub severity: &'static str,
    pub observed: String,
    pub expected: &'a str,
    pub message: &'a str,
    /// Where the value came from, when not from reading the data (e.g. `parquet-statistics`).
    pub origin: Option<&'a str>,
    pub failing_since: Option<&'a str>,
    pub location: String,
    pub href: Option<String>,
    pub samples: Option<&'a lakegate_core::Samples>,
    pub groups: Vec<(String, String)>,
    pub spark: Option<Spark>,
    pub product: String,
    pub domain: &'a str,
}

#[derive(Serialize)]
pub struct ContractView<'a> {
    pub id: &'a str,
    pub name: String,
    pub version: &'a str,
    pub domain: &'a str,
    pub owner: &'a str,
    pub description: &'a str,
    pub file: &'a str,
    pub href: Option<String>,
    pub status: &'static str,
    pub summary: lakegate_core::Summary,
    pub slas: Vec<String>,
    pub datasets: Vec<String>,
    pub checks: Vec<CheckView<'a>>,
}

/// A sparkline of a change rule: the baseline runs and this run's value, in an 80x20 box.
#[derive(Serialize)]
pub struct Spark {
    pub points: String,
    pub x: String,
    pub y: String,
    pub band: Option<(String, String)>,
    pub fails: Vec<(String, String)>,
    pub title: String,
}

/// The trend of any check over its last runs (with `--history`), failed runs marked.
fn trend_spark(r: &CheckResult) -> Option<Spark> {
    let pts: Vec<(f64, bool)> = r
        .trend
        .iter()
        .filter_map(|p| {
            p.value
                .filter(|v| v.is_finite())
                .map(|v| (v, matches!(p.status, Status::Failed | Status::Errored | Status::Warning)))
        })
        .collect();
    if pts.len() < 2 {
        return None;
    }
    let (lo, hi) = pts.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), (v, _)| (l.min(*v), h.max(*v)));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let n = pts.len() - 1;
    let xy = |i: usize, v: f64| (2.0 + 76.0 * i as f64 / n as f64, 18.0 - 16.0 * (v - lo) / span);
    let points: Vec<String> = pts
        .iter()
        .enumerate()
        .map(|(i, (v, _))| {
            let (x, y) = xy(i, *v);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let fails = pts
        .iter()
        .enumerate()
        .filter(|(_, (_, f))| *f)
        .map(|(i, (v, _))| {
            let (x, y) = xy(i, *v);
            (format!("{x:.1}"), format!("{y:.1}"))
        })
        .collect();
    let (x, y) = xy(n, pts[n].0);
    Some(Spark {
        points: points.join(" "),
        x: format!("{x:.1}"),
        y: format!("{y:.1}"),
        band: None,
        fails,
        title: format!("last {} runs, from {} to {}", pts.len(), fmt_num(lo), fmt_num(hi)),
    })
}

fn spark(r: &CheckResult) -> Option<Spark> {
    let Some(b) = r.baseline.as_ref() else { return trend_spark(r) };
    let current = r.value?;
    let mut values: Vec<f64> = b.trend.iter().map(|(_, v)| *v).collect();
    values.push(current);
    let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(*v), h.max(*v)));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let n = values.len().max(2) - 1;
    let xy = |i: usize, v: f64| (2.0 + 76.0 * i as f64 / n as f64, 18.0 - 16.0 * (v - lo) / span);
    let pts: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let (x, y) = xy(i, *v);
            format!("{x:.1},{y:.1}")
        })
        .collect();
    let (x, y) = xy(values.len() - 1, current);
    let band = b.spread.map(|s| {
        let top = 18.0 - 16.0 * ((b.center + s).min(hi) - lo) / span;
        let bottom = 18.0 - 16.0 * ((b.center - s).max(lo) - lo) / span;
        (format!("{:.1}", top.min(bottom)), format!("{:.1}", (bottom - top).abs().max(0.5)))
    });
    Some(Spark {
        points: pts.join(" "),
        x: format!("{x:.1}"),
        y: format!("{y:.1}"),
        band,
        fails: Vec::new(),
        title: format!("{} past runs around {}; this run {}", b.points, fmt_num(b.center), fmt_num(current)),
    })
}

pub fn observed(r: &CheckResult) -> String {
    r.observed.map_or_else(|| "–".to_owned(), fmt_num)
}

/// A link to the rule's line, relative to the report (`link_base` leads from the report's
/// folder to the working directory the contract paths are relative to); `None` when the path
/// is not a plain relative path (see [`crate::links::safe_href`]): shown as text only.
pub fn href(file: &str, line: usize, link_base: &str) -> Option<String> {
    crate::links::rule_href(file, line, link_base)
}

pub fn check<'a>(c: &'a ContractResult, r: &'a CheckResult, link_base: &str) -> CheckView<'a> {
    let product = c.name.clone().unwrap_or_else(|| c.id.clone());
    CheckView {
        id: &r.info.id,
        status: r.status.as_str(),
        title: &r.info.title,
        kind: &r.info.kind,
        dataset: r.info.dataset.as_deref().unwrap_or(""),
        property: r.info.property.as_deref().unwrap_or(""),
        dimension: r.info.dimension.as_deref().unwrap_or(""),
        severity: match r.info.severity {
            lakegate_core::Severity::Error => "error",
            lakegate_core::Severity::Warning => "warning",
        },
        observed: observed(r),
        expected: &r.expected,
        message: &r.message,
        origin: r.origin.as_deref(),
        failing_since: r.failing_since.as_deref(),
        location: format!("{}:{}", r.info.location.file, r.info.location.line),
        href: href(&r.info.location.file, r.info.location.line, link_base),
        samples: r.samples.as_ref(),
        groups: r.failing_groups.iter().map(|(k, v)| (k.clone(), fmt_num(*v))).collect(),
        spark: spark(r),
        product,
        domain: c.domain.as_deref().unwrap_or(""),
    }
}

pub fn contract<'a>(c: &'a ContractResult, link_base: &str) -> ContractView<'a> {
    let mut checks: Vec<&CheckResult> = c.checks.iter().collect();
    checks.sort_by_key(|r| r.status);
    ContractView {
        id: &c.id,
        name: c.name.clone().unwrap_or_else(|| c.id.clone()),
        version: &c.version,
        domain: c.domain.as_deref().unwrap_or(""),
        owner: c.owner.as_deref().unwrap_or(""),
        description: c.description.as_deref().unwrap_or(""),
        file: &c.file,
        href: href(&c.file, 1, link_base),
        status: c.summary.status().as_str(),
        summary: c.summary,
        slas: c
            .slas
            .iter()
            .map(|s| {
                let mut t = format!("{} {}", s.property, s.value);
                if let Some(u) = &s.unit {
                    t.push_str(&format!(" {u}"));
                }
                if let Some(e) = &s.element {
                    t.push_str(&format!(" ({e})"));
                }
                t
            })
            .collect(),
        datasets: c
            .datasets
            .iter()
            .map(|d| match (&d.error, d.rows) {
                (Some(e), _) => format!("{}: {e}", d.name),
                (None, Some(rows)) => format!("{}: {rows} rows, {} file(s)", d.name, d.files),
                (None, None) => d.name.clone(),
            })
            .collect(),
        checks: checks.into_iter().map(|r| check(c, r, link_base)).collect(),
    }
}

pub fn problems<'a>(run: &'a RunResult, link_base: &str) -> Vec<CheckView<'a>> {
    crate::ordered(run)
        .into_iter()
        .filter(|(_, r)| matches!(r.status, Status::Failed | Status::Errored))
        .map(|(c, r)| check(c, r, link_base))
        .collect()
}
