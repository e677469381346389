//! Results of a run: per check, per dataset, per contract, and the summary.
//!
//! These types ARE the JSON report (`--json`, `--format json`): every field is documented
//! here, `lakegate schema --report` prints their JSON Schema, and `lakegate report RUN.json`
//! reads them back. Changing a field's meaning bumps [`REPORT_VERSION`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::check::CheckInfo;

/// The version of the JSON report format.
pub const REPORT_VERSION: u32 = 1;

/// `CheckResult::origin` of a value read from Parquet footer statistics.
pub const ORIGIN_STATISTICS: &str = "parquet-statistics";

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// An error-severity check failed.
    Failed,
    /// The check could not be evaluated (with the reason).
    Errored,
    /// A warning-severity check failed.
    Warning,
    /// The check passed.
    Passed,
    /// The check was not executed (with the reason).
    Skipped,
}

impl Status {
    /// The status named `s` (its lower-case name), if any.
    pub fn parse(s: &str) -> Option<Status> {
        [Status::Failed, Status::Errored, Status::Warning, Status::Passed, Status::Skipped]
            .into_iter()
            .find(|x| x.as_str() == s)
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Failed => "failed",
            Status::Errored => "errored",
            Status::Warning => "warning",
            Status::Passed => "passed",
            Status::Skipped => "skipped",
        }
    }
}

/// What a check expects, as data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Threshold {
    /// The ODCS operator: mustBe, mustNotBe, mustBeGreaterThan, mustBeGreaterOrEqualTo,
    /// mustBeLessThan, mustBeLessOrEqualTo, mustBeBetween, mustNotBeBetween.
    pub operator: String,
    /// The threshold: one number, or two for the between operators.
    #[serde(deserialize_with = "lenient::numbers")]
    pub value: Vec<f64>,
    /// `rows`, `percent`, or a time unit (`h`, `d`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

/// JSON has no NaN or infinity: serde_json writes them as null. Reading a report back
/// (`lakegate report RUN.json`) takes null as NaN where a number is required, so that every
/// report lakegate writes can be read again.
mod lenient {
    use serde::{Deserialize, Deserializer};

    pub fn number<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }

    pub fn numbers<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Ok(Vec::<Option<f64>>::deserialize(d)?.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
    }

    pub fn pairs<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(String, f64)>, D::Error> {
        Ok(Vec::<(String, Option<f64>)>::deserialize(d)?.into_iter().map(|(k, v)| (k, v.unwrap_or(f64::NAN))).collect())
    }
}

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct CheckResult {
    /// Identity and origin (flattened: `id`, `kind`, `dataset`, `property`, `title`, `location`,
    /// `severity`, `dimension`, `tags`, `business_impact`).
    #[serde(flatten)]
    pub info: CheckInfo,
    /// Outcome.
    pub status: Status,
    /// The observed value; null only when it could not be computed (errored) or the check was skipped.
    /// For change rules: the change statistic.
    pub observed: Option<f64>,
    /// The value tracked in the history: the metric of a change rule (its `observed` is the
    /// statistic); for other checks the observed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Where the observed value came from when the data was not read for it:
    /// `parquet-statistics` (the files' footers). Absent: computed from the data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// For change rules: the baseline the value was compared with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Baseline>,
    /// With `--history`: the check's last runs (up to 20, oldest first, this run last).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trend: Vec<TrendPoint>,
    /// With `--history`: the clock of the first run of the current streak of failed or
    /// errored runs, when the check fails now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<String>,
    /// The expectation as text (`= 0`, `<= 24 h`, `present`, ...).
    pub expected: String,
    /// The expectation as data, for metric checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Threshold>,
    /// What happened, in words (the reason for errored and skipped checks).
    pub message: String,
    /// For segmented checks (`groupBy`): the groups that broke the threshold, with their
    /// values, capped at 20.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "lenient::pairs")]
    pub failing_groups: Vec<(String, f64)>,
    /// Example failing rows (classified columns redacted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<Samples>,
}

/// One run of a check in its trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TrendPoint {
    /// The run's clock, RFC 3339.
    pub now: String,
    /// The tracked value.
    pub value: Option<f64>,
    /// The status.
    pub status: Status,
}

/// The baseline of a change rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, JsonSchema)]
pub struct Baseline {
    /// The method: relative, absolute, zscore, mad, seasonal.
    pub method: String,
    /// Past runs in the baseline.
    pub points: usize,
    /// The center: mean (median for mad).
    #[serde(deserialize_with = "lenient::number")]
    pub center: f64,
    /// The spread: standard deviation (scaled MAD for mad), when defined.
    pub spread: Option<f64>,
    /// The past values used, oldest first, with their run clocks (RFC 3339).
    #[serde(deserialize_with = "lenient::pairs")]
    pub trend: Vec<(String, f64)>,
}

/// Example rows that broke a row-level check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, JsonSchema)]
pub struct Samples {
    /// Column names: the key columns first, then the offending ones.
    pub columns: Vec<String>,
    /// Values as text (`null` for nulls, `***` for redacted columns).
    pub rows: Vec<Vec<String>>,
    /// Columns whose values were redacted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redacted: Vec<String>,
}

/// What was read for one dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, JsonSchema)]
pub struct DatasetResult {
    /// Schema object name.
    pub name: String,
    /// The location pattern that was read, as written.
    pub source: String,
    /// Files read.
    pub files: usize,
    /// Bytes of the files read.
    #[serde(default)]
    pub bytes: u64,
    /// Rows, when counted.
    pub rows: Option<u64>,
    /// Why the dataset could not be read.
    pub error: Option<String>,
    /// Milliseconds spent reading and computing its metrics.
    pub duration_ms: u64,
    /// With `--on-bad-file skip`: the files left out, each with why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped_files: Vec<String>,
}

/// An SLA of a data product, for the report's product cards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, JsonSchema)]
pub struct SlaSummary {
    /// freshness, latency, retention, availability, ...
    pub property: String,
    /// The agreed value, as text.
    pub value: String,
    /// Unit.
    pub unit: Option<String>,
    /// `object.property` it applies to.
    pub element: Option<String>,
}

/// The results of one contract (one data product).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, JsonSchema)]
pub struct ContractResult {
    /// Contract id.
    pub id: String,
    /// Contract name.
    pub name: Option<String>,
    /// Contract version.
    pub version: String,
    /// Domain.
    pub domain: Option<String>,
    /// The owning team.
    #[serde(default)]
    pub owner: Option<String>,
    /// The purpose of the data product.
    #[serde(default)]
    pub description: Option<String>,
    /// The contract file.
    pub file: String,
    /// The server whose data was read.
    pub server: Option<String>,
    /// SLAs of the product.
    #[serde(default)]
    pub slas: Vec<SlaSummary>,
    /// Datasets read.
    pub datasets: Vec<DatasetResult>,
    /// Every check, in contract order.
    pub checks: Vec<CheckResult>,
    /// Counts of this contract's checks.
    #[serde(default)]
    pub summary: Summary,
}

/// Counts per status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, JsonSchema)]
pub struct Summary {
    /// Checks run.
    pub total: usize,
    /// Passed.
    pub passed: usize,
    /// Warnings.
    pub warnings: usize,
    /// Failed.
    pub failed: usize,
    /// Errored.
    pub errored: usize,
    /// Skipped.
    pub skipped: usize,
}

impl Summary {
    /// Counts the statuses of `checks`.
    pub fn of<'a>(checks: impl IntoIterator<Item = &'a CheckResult>) -> Summary {
        Summary::of_statuses(checks.into_iter().map(|c| c.status))
    }

    /// Counts `statuses`.
    pub fn of_statuses(statuses: impl IntoIterator<Item = Status>) -> Summary {
        let mut s = Summary::default();
        for status in statuses {
            s.total += 1;
            match status {
                Status::Passed => s.passed += 1,
                Status::Warning => s.warnings += 1,
                Status::Failed => s.failed += 1,
                Status::Errored => s.errored += 1,
                Status::Skipped => s.skipped += 1,
            }
        }
        s
    }

    /// The worst status present: failed, errored, warning, then passed.
    pub fn status(&self) -> Status {
        if self.failed > 0 {
            Status::Failed
        } else if self.errored > 0 {
            Status::Errored
        } else if self.warnings > 0 {
            Status::Warning
        } else if self.passed > 0 {
            Status::Passed
        } else {
            Status::Skipped
        }
    }
}

/// The whole run: the JSON report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RunResult {
    /// The report format version ([`REPORT_VERSION`]).
    pub report_version: u32,
    /// lakegate version.
    pub lakegate_version: String,
    /// Identifier of the run, derived from its clock and command line.
    pub run_id: String,
    /// Wall-clock start, RFC 3339.
    pub started_at: String,
    /// Wall-clock end, RFC 3339.
    pub finished_at: String,
    /// The run's clock (`--now`, or the start), RFC 3339: freshness is measured against it.
    pub now: String,
    /// `--server`, when given.
    pub server: Option<String>,
    /// The command line, without the program path.
    pub command: Vec<String>,
    /// Contracts, in path order.
    pub contracts: Vec<ContractResult>,
    /// Totals.
    pub summary: Summary,
}

#[cfg(test)]
mod lenient_tests {
    use super::*;

    #[test]
    fn null_numbers_read_back_as_nan() {
        let b: Baseline =
            serde_json::from_str(r#"{"method":"zscore","points":2,"center":null,"spread":null,"trend":[["t",null]]}"#)
                .expect("a baseline with nulls reads");
        assert!(b.center.is_nan() && b.trend[0].1.is_nan());
        let t: Threshold = serde_json::from_str(r#"{"operator":"mustBe","value":[null]}"#).expect("threshold");
        assert!(t.value[0].is_nan());
    }
}
