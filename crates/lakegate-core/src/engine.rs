//! The engine abstraction: what runs a compiled contract over data. The checks and the reports
//! see only [`DatasetOutcome`]s and samples, never which engine computed them (the embedded
//! polars engine, or the SQL engine on Spark Connect, PostgreSQL or Redshift).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::check::{DataSchema, Measure};
use crate::metric::{Metric, MetricMap};
use crate::plan::{ContractPlan, DatasetPlan};
use crate::result::{DatasetResult, Samples};

/// What an engine learned about one dataset.
#[derive(Debug, Clone)]
pub struct DatasetOutcome {
    /// The schema read from the data (or the catalog), or why the data could not be read.
    pub schema: Result<DataSchema, String>,
    /// Every metric of the dataset's plan: a value or why not.
    pub metrics: MetricMap,
    /// What was read.
    pub result: DatasetResult,
    /// The metrics answered by Parquet footer statistics, without reading data.
    pub from_statistics: BTreeSet<Metric>,
    /// Schema evolution: for each column that some of the dataset's files lack, how many
    /// files lack it (of `result.files`); their rows read as nulls.
    pub missing_in_files: BTreeMap<String, usize>,
    /// Each column's type as the server's catalog writes it (`character varying(8)`,
    /// `timestamp with time zone`, `jsonb`), for SQL warehouse tables; empty for files. A
    /// declared physicalType is compared with it exactly (lakegate_checks::catalog).
    pub catalog_types: BTreeMap<String, String>,
}

impl DatasetOutcome {
    /// A dataset that could not be read: every metric errored with `why`.
    pub fn unread(d: &DatasetPlan, source: String, why: String, duration_ms: u64) -> DatasetOutcome {
        DatasetOutcome {
            schema: Err(why.clone()),
            metrics: d.metrics.iter().map(|m| (m.clone(), Err(why.clone()))).collect(),
            from_statistics: BTreeSet::new(),
            missing_in_files: BTreeMap::new(),
            catalog_types: BTreeMap::new(),
            result: DatasetResult {
                name: d.name.clone(),
                source,
                files: 0,
                bytes: 0,
                rows: None,
                error: Some(why),
                duration_ms,
                skipped_files: Vec::new(),
            },
        }
    }
}

/// Something that runs contracts: computes every metric of a plan's datasets.
pub trait Engine: Send + Sync {
    /// The engine in messages and reports: `polars`, `postgres (127.0.0.1:5432/lake)` ...
    fn name(&self) -> String;

    /// Runs every dataset of a contract and its cross-dataset metrics. Never fails as a whole:
    /// a dataset that cannot be read has its metrics errored with the reason.
    fn run(&self, plan: &ContractPlan) -> Box<dyn EngineRun>;

    /// What [`Engine::run`] would do, for `--explain` (the SQL that will run, for SQL engines).
    fn explain(&self, plan: &ContractPlan) -> String;
}

/// One contract's run on an engine.
pub trait EngineRun: Send {
    /// One outcome per dataset of the plan, in plan order.
    fn outcomes(&self) -> &[DatasetOutcome];

    /// The same, to redact metrics in place.
    fn outcomes_mut(&mut self) -> &mut [DatasetOutcome];

    /// Up to `n` failing rows of a row-level check (None when the check is not row-level or
    /// its dataset was not read), classified columns redacted; every failing row goes to
    /// `export` (Parquet) when given.
    fn samples(
        &self,
        d: &DatasetPlan,
        measure: &Measure,
        n: usize,
        export: Option<&Path>,
    ) -> Option<Result<Samples, String>>;

    /// The outcomes, consumed (for the report's dataset list).
    fn into_outcomes(self: Box<Self>) -> Vec<DatasetOutcome>;
}
