//! Checks: what a contract asks, compiled to assertions over metrics or over the schema.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::metric::Metric;
use crate::types::ColumnType;

/// Where a rule is written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default, JsonSchema)]
pub struct Location {
    /// The contract file, as given on the command line.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// How bad a failure of a check is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A failure is reported as a Warning.
    Warning,
    /// A failure is reported as Failed.
    Error,
}

impl Severity {
    /// info/warning/warn/low/minor make a failure a warning; anything else (or none) an error.
    pub fn from_contract(s: Option<&str>) -> Severity {
        match s.map(|s| s.trim().to_ascii_lowercase()) {
            Some(s) if matches!(s.as_str(), "info" | "warning" | "warn" | "low" | "minor") => Severity::Warning,
            _ => Severity::Error,
        }
    }
}

/// A comparison with the threshold of a rule.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase", tag = "operator", content = "value")]
pub enum Operator {
    /// `mustBe`
    MustBe(f64),
    /// `mustNotBe`
    MustNotBe(f64),
    /// `mustBeGreaterThan`
    MustBeGreaterThan(f64),
    /// `mustBeGreaterOrEqualTo`
    MustBeGreaterOrEqualTo(f64),
    /// `mustBeLessThan`
    MustBeLessThan(f64),
    /// `mustBeLessOrEqualTo`
    MustBeLessOrEqualTo(f64),
    /// `mustBeBetween` (inclusive)
    MustBeBetween(f64, f64),
    /// `mustNotBeBetween` (outside the inclusive range)
    MustNotBeBetween(f64, f64),
}

impl Operator {
    /// Whether `x` satisfies the operator. NaN satisfies nothing.
    pub fn holds(&self, x: f64) -> bool {
        if x.is_nan() {
            return false;
        }
        match *self {
            Operator::MustBe(v) => x == v,
            Operator::MustNotBe(v) => x != v,
            Operator::MustBeGreaterThan(v) => x > v,
            Operator::MustBeGreaterOrEqualTo(v) => x >= v,
            Operator::MustBeLessThan(v) => x < v,
            Operator::MustBeLessOrEqualTo(v) => x <= v,
            Operator::MustBeBetween(a, b) => a <= x && x <= b,
            Operator::MustNotBeBetween(a, b) => x < a || x > b,
        }
    }

    /// The ODCS name and the threshold numbers.
    pub fn parts(&self) -> (&'static str, Vec<f64>) {
        match *self {
            Operator::MustBe(v) => ("mustBe", vec![v]),
            Operator::MustNotBe(v) => ("mustNotBe", vec![v]),
            Operator::MustBeGreaterThan(v) => ("mustBeGreaterThan", vec![v]),
            Operator::MustBeGreaterOrEqualTo(v) => ("mustBeGreaterOrEqualTo", vec![v]),
            Operator::MustBeLessThan(v) => ("mustBeLessThan", vec![v]),
            Operator::MustBeLessOrEqualTo(v) => ("mustBeLessOrEqualTo", vec![v]),
            Operator::MustBeBetween(a, b) => ("mustBeBetween", vec![a, b]),
            Operator::MustNotBeBetween(a, b) => ("mustNotBeBetween", vec![a, b]),
        }
    }

    /// The threshold as users read it: `= 0`, `<= 5`, `between 1 and 10`.
    pub fn describe(&self) -> String {
        let n = fmt_num;
        match *self {
            Operator::MustBe(v) => format!("= {}", n(v)),
            Operator::MustNotBe(v) => format!("!= {}", n(v)),
            Operator::MustBeGreaterThan(v) => format!("> {}", n(v)),
            Operator::MustBeGreaterOrEqualTo(v) => format!(">= {}", n(v)),
            Operator::MustBeLessThan(v) => format!("< {}", n(v)),
            Operator::MustBeLessOrEqualTo(v) => format!("<= {}", n(v)),
            Operator::MustBeBetween(a, b) => format!("between {} and {}", n(a), n(b)),
            Operator::MustNotBeBetween(a, b) => format!("not between {} and {}", n(a), n(b)),
        }
    }
}

/// Formats a number for people: integers without `.0`, others with 12 significant digits
/// at most (at least 2 decimals), trailing zeros trimmed. JSON reports keep the exact value.
pub fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else if x.is_finite() {
        let int_digits = if x.abs() >= 1.0 { x.abs().log10().floor() as usize + 1 } else { 0 };
        let prec = 12usize.saturating_sub(int_digits).clamp(2, 12);
        let s = format!("{x:.prec$}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        x.to_string()
    }
}

/// How the observed value of a check is derived from metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Measure {
    /// The metric itself.
    Value(Metric),
    /// 100 * metric / rows (the rows in the metric's scope).
    Percent {
        /// The count.
        metric: Metric,
        /// The row count of the same scope (filtered when the count is).
        rows: Metric,
    },
    /// The sum of several count metrics.
    Sum(Vec<Metric>),
    /// `now - metric` (an epoch in seconds), divided by `unit_seconds`.
    Age {
        /// The epoch metric.
        metric: Metric,
        /// Seconds in the unit of the threshold.
        unit_seconds: f64,
    },
    /// This dataset's metric compared with another dataset's: `left / right` (ratio) or
    /// `left - right` (difference).
    Compare {
        /// The metric of this dataset.
        left: Metric,
        /// The other dataset (a schema object, or `contract-id:object` of another contract).
        dataset: String,
        /// The metric of the other dataset.
        right: Metric,
        /// Ratio (true) or difference (false).
        ratio: bool,
    },
    /// A measure of this run against the same check's past runs; the operator applies to the
    /// change statistic.
    Change {
        /// The measure whose value is tracked.
        inner: Box<Measure>,
        /// How the value is compared with its history.
        change: ChangeSpec,
    },
    /// The metric (seconds) divided by `unit_seconds`.
    Scaled {
        /// The metric.
        metric: Metric,
        /// Seconds in the unit of the threshold.
        unit_seconds: f64,
    },
}

impl Measure {
    /// The metrics this measure reads (row count included for percentages).
    pub fn metrics(&self) -> Vec<Metric> {
        match self {
            Measure::Value(m) | Measure::Age { metric: m, .. } | Measure::Scaled { metric: m, .. } => vec![m.clone()],
            Measure::Percent { metric, rows } => vec![metric.clone(), rows.clone()],
            Measure::Sum(ms) => ms.clone(),
            Measure::Compare { left, .. } => vec![left.clone()],
            Measure::Change { inner, .. } => inner.metrics(),
        }
    }

    /// The metric this measure needs from another dataset.
    pub fn other(&self) -> Option<(&str, &Metric)> {
        match self {
            Measure::Compare { dataset, right, .. } => Some((dataset, right)),
            Measure::Change { inner, .. } => inner.other(),
            _ => None,
        }
    }
}

/// How a change rule compares a value with its history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeSpec {
    /// relative, absolute, zscore, mad or seasonal.
    pub method: String,
    /// The last N runs (`Ok(N)`) or the runs of the last `Err(seconds)`.
    pub window: Result<u64, f64>,
    /// Fewer baseline points: skipped.
    pub min_history: u64,
    /// Only runs of the same weekday (UTC) in the baseline.
    pub same_weekday: bool,
    /// Keep failed and errored past runs in the baseline.
    pub include_failed: bool,
    /// Re-base after this many consecutive failed past runs: the baseline restarts at the
    /// first run of the streak, failed runs included.
    pub rebase_after: Option<u64>,
}

/// One past run of a check, from the history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryPoint {
    /// The run's clock, seconds since the Unix epoch.
    pub at: f64,
    /// The tracked value (the metric of change rules, else the observed value).
    pub value: Option<f64>,
    /// The check's status in that run.
    pub status: crate::result::Status,
}

/// An assertion on a dataset's schema (no data read).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum SchemaAssertion {
    /// The column exists.
    Present {
        /// Column path (`a.b` for nested fields).
        column: String,
    },
    /// The column's type fits the declared logical and/or physical type.
    Type {
        /// Column path.
        column: String,
        /// Declared logical type (`string`, `integer`, ...).
        logical: Option<String>,
        /// Declared physical type, as written.
        physical: Option<String>,
        /// `timezone` of the logicalTypeOptions: the timestamps must (true) or must not
        /// (false) carry a time zone.
        tz: Option<bool>,
    },
    /// Columns not declared by the contract: informational, or failed when `strict`.
    NoExtraColumns {
        /// The declared top-level columns.
        declared: Vec<String>,
        /// `strictColumns: true`.
        strict: bool,
    },
}

/// What a check does when run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum CheckPlan {
    /// Compare a measure with an operator.
    Metric {
        /// How the observed value is computed.
        measure: Measure,
        /// The threshold.
        operator: Operator,
        /// `rows`, `percent`, or a time unit, for display.
        unit: Option<String>,
    },
    /// An assertion on the schema.
    Schema(SchemaAssertion),
    /// Not executed, with the reason.
    Skip(String),
    /// Cannot be executed, with the reason (e.g. a reference to nothing).
    Error(String),
}

/// What identifies a check and where it comes from: shared by the compiled check and its
/// result (flattened into the result's JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckInfo {
    /// Stable id: `<contract id>/<object>/<property>/<rule id or kind>`.
    pub id: String,
    /// Kind of check: `schema.present`, `required`, `library.nullValues`, `sql`, `lakegate.avg`, `sla.freshness`, ...
    pub kind: String,
    /// Schema object the check runs on (none for contract-level checks).
    pub dataset: Option<String>,
    /// Property (column) the check is about.
    pub property: Option<String>,
    /// A human title (the rule's description when it has one).
    pub title: String,
    /// Where the rule is written (file:line:col).
    pub location: Location,
    /// Severity of a failure: `error` (status failed) or `warning` (status warning).
    pub severity: Severity,
    /// ODCS dimension (completeness, conformity, uniqueness, ...).
    pub dimension: Option<String>,
    /// Tags of the rule.
    pub tags: Vec<String>,
    /// Business impact of the rule.
    pub business_impact: Option<String>,
}

/// One check compiled from a contract rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckSpec {
    /// Identity and origin.
    pub info: CheckInfo,
    /// What to run.
    pub plan: CheckPlan,
}

/// The schema of a dataset, as read from the data.
pub type DataSchema = Vec<(String, ColumnType)>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators_are_inclusive_and_reject_nan() {
        assert!(Operator::MustBeBetween(1.0, 2.0).holds(1.0));
        assert!(Operator::MustBeBetween(1.0, 2.0).holds(2.0));
        assert!(!Operator::MustNotBeBetween(1.0, 2.0).holds(2.0));
        assert!(Operator::MustNotBeBetween(1.0, 2.0).holds(2.5));
        assert!(!Operator::MustBeLessThan(1.0).holds(f64::NAN));
        assert!(!Operator::MustNotBe(1.0).holds(f64::NAN));
        assert!(Operator::MustBeGreaterOrEqualTo(0.0).holds(0.0));
    }

    #[test]
    fn numbers_read_as_written() {
        assert_eq!(fmt_num(3.0), "3");
        assert_eq!(fmt_num(0.25), "0.25");
        assert_eq!(fmt_num(1.0 / 3.0), "0.333333333333");
        assert_eq!(fmt_num(2_305_016_112.58), "2305016112.58");
        assert_eq!(fmt_num(46.100_332_393_673), "46.1003323937");
        assert_eq!(Operator::MustBeBetween(500.0, 1500.0).describe(), "between 500 and 1500");
    }

    #[test]
    fn severity_words() {
        assert_eq!(Severity::from_contract(Some("Warn")), Severity::Warning);
        assert_eq!(Severity::from_contract(Some("minor")), Severity::Warning);
        assert_eq!(Severity::from_contract(Some("critical")), Severity::Error);
        assert_eq!(Severity::from_contract(None), Severity::Error);
    }
}
