//! Results of a run: per check, per dataset, per contract, and the summary.

use serde::Serialize;

use crate::check::{Location, Severity};

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
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

/// The result of one check.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    /// Stable id.
    pub id: String,
    /// Kind of check.
    pub kind: String,
    /// Schema object.
    pub dataset: Option<String>,
    /// Property.
    pub property: Option<String>,
    /// Title.
    pub title: String,
    /// Where the rule is written.
    pub location: Location,
    /// Severity.
    pub severity: Severity,
    /// Dimension.
    pub dimension: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Business impact.
    pub business_impact: Option<String>,
    /// Outcome.
    pub status: Status,
    /// The observed value (absent only when it could not be computed or the check was skipped).
    pub observed: Option<f64>,
    /// The threshold, as text (`= 0`, `<= 24 h`, `column present` ...).
    pub expected: String,
    /// What happened, in words.
    pub message: String,
    /// For segmented checks (`groupBy`): the groups that broke the threshold, with their
    /// values, capped at 20.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failing_groups: Vec<(String, f64)>,
    /// Example failing rows (classified columns redacted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samples: Option<Samples>,
}

/// Example rows that broke a row-level check.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Samples {
    /// Column names: the key columns first, then the offending ones.
    pub columns: Vec<String>,
    /// Values as text (`null` for nulls, `***` for redacted columns).
    pub rows: Vec<Vec<String>>,
    /// Columns whose values were redacted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub redacted: Vec<String>,
}

/// What was read for one dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct DatasetResult {
    /// Schema object name.
    pub name: String,
    /// The location pattern that was read.
    pub source: String,
    /// Files read.
    pub files: usize,
    /// Rows, when counted.
    pub rows: Option<u64>,
    /// Why the dataset could not be read.
    pub error: Option<String>,
    /// Milliseconds spent.
    pub duration_ms: u64,
}

/// The results of one contract.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ContractResult {
    /// Contract id.
    pub id: String,
    /// Contract name.
    pub name: Option<String>,
    /// Contract version.
    pub version: String,
    /// Domain.
    pub domain: Option<String>,
    /// The contract file.
    pub file: String,
    /// The server whose data was read.
    pub server: Option<String>,
    /// Datasets read.
    pub datasets: Vec<DatasetResult>,
    /// Every check, in contract order.
    pub checks: Vec<CheckResult>,
}

/// Counts per status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
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
        let mut s = Summary::default();
        for c in checks {
            s.total += 1;
            match c.status {
                Status::Passed => s.passed += 1,
                Status::Warning => s.warnings += 1,
                Status::Failed => s.failed += 1,
                Status::Errored => s.errored += 1,
                Status::Skipped => s.skipped += 1,
            }
        }
        s
    }
}

/// The whole run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunResult {
    /// lakegate version.
    pub lakegate_version: String,
    /// The run's clock, RFC 3339.
    pub now: String,
    /// Contracts, in path order.
    pub contracts: Vec<ContractResult>,
    /// Totals.
    pub summary: Summary,
}
