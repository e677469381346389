//! lakegate's vocabulary, shared by the check compiler, the engine and the reports.
//!
//! Deequ's split: a [`Metric`] is something computed from data; a [`CheckSpec`] asserts on
//! metrics. Nothing here knows polars or YAML.

pub mod check;
pub mod engine;
pub mod formats;
pub mod metric;
pub mod plan;
pub mod result;
pub mod types;

pub use check::{
    ChangeSpec, CheckInfo, CheckPlan, CheckSpec, DataSchema, HistoryPoint, Location, Measure, Operator,
    SchemaAssertion, Severity,
};
pub use engine::{DatasetOutcome, Engine, EngineRun};
pub use formats::format_regex;
pub use metric::{Agg, F64, Literal, Metric, MetricMap, MetricValue, Observed, Validity};
pub use plan::{ContractPlan, CsvOptions, DatasetPlan, Format, Source, WarehouseTable};
pub use result::{
    Baseline, CheckResult, ContractResult, DatasetResult, ORIGIN_STATISTICS, REPORT_VERSION, RunResult, Samples,
    SlaSummary, Status, Summary, Threshold, TrendPoint,
};
pub use types::ColumnType;
