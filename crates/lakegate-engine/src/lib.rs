//! The polars engine: reads each dataset of a contract and computes its metrics, every
//! scan-shareable metric in ONE lazy select per dataset; relationships as anti-joins and
//! SQL rules through polars SQL over the contract's datasets.

mod lower;
pub mod source;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use lakegate_core::{ColumnType, ContractPlan, DataSchema, DatasetPlan, DatasetResult, Metric, MetricMap, Observed};
use polars::prelude::*;
use polars::sql::SQLContext;

/// What the engine learned about one dataset.
#[derive(Debug, Clone)]
pub struct DatasetOutcome {
    /// The schema read from the data, or why the data could not be read.
    pub schema: Result<DataSchema, String>,
    /// Every metric of the dataset's plan: a value or why not.
    pub metrics: MetricMap,
    /// What was read.
    pub result: DatasetResult,
}

struct Opened {
    lf: LazyFrame,
    schema: DataSchema,
}

fn open(d: &DatasetPlan) -> (Result<Opened, String>, usize) {
    let src = match &d.source {
        Ok(s) => s,
        Err(e) => return (Err(e.clone()), 0),
    };
    let (files, base) = match source::resolve_files(src) {
        Ok(f) => f,
        Err(e) => return (Err(e), 0),
    };
    let n = files.len();
    let opened = source::open(src, &files, &base, &d.declared)
        .and_then(|mut lf| {
            let schema = lf.collect_schema()?;
            Ok(Opened { schema: convert_schema(&schema), lf })
        })
        .map_err(|e| format!("cannot read `{}`: {}", src.display, first_line(&e.to_string())));
    (opened, n)
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or(s).trim().to_owned()
}

/// Runs every dataset of a contract (in parallel) and its cross-dataset metrics.
pub fn run_contract(plan: &ContractPlan) -> Vec<DatasetOutcome> {
    use rayon::prelude::*;
    let started: Vec<Instant> = plan.datasets.iter().map(|_| Instant::now()).collect();
    let opened: Vec<(Result<Opened, String>, usize)> = plan.datasets.par_iter().map(open).collect();
    let frames: BTreeMap<String, LazyFrame> = plan
        .datasets
        .iter()
        .zip(&opened)
        .filter_map(|(d, (o, _))| o.as_ref().ok().map(|o| (d.name.clone(), o.lf.clone())))
        .collect();
    plan.datasets
        .par_iter()
        .zip(opened.into_par_iter())
        .zip(started.into_par_iter())
        .map(|((d, (o, files)), t0)| {
            let display = d.source.as_ref().map(|s| s.display.clone()).unwrap_or_default();
            match o {
                Err(e) => {
                    let metrics = d.metrics.iter().map(|m| (m.clone(), Err(e.clone()))).collect();
                    DatasetOutcome {
                        schema: Err(e.clone()),
                        metrics,
                        result: DatasetResult {
                            name: d.name.clone(),
                            source: display,
                            files,
                            rows: None,
                            error: Some(e),
                            duration_ms: t0.elapsed().as_millis() as u64,
                        },
                    }
                }
                Ok(o) => {
                    let metrics = compute(d, &o, &frames);
                    let rows = match metrics.get(&Metric::RowCount) {
                        Some(Ok(v)) => Some(v.value as u64),
                        _ => None,
                    };
                    DatasetOutcome {
                        schema: Ok(o.schema.into_iter().filter(|(n, _)| !n.ends_with(source::RAW_SUFFIX)).collect()),
                        metrics,
                        result: DatasetResult {
                            name: d.name.clone(),
                            source: display,
                            files,
                            rows,
                            error: None,
                            duration_ms: t0.elapsed().as_millis() as u64,
                        },
                    }
                }
            }
        })
        .collect()
}

/// Computes the metrics of one dataset.
fn compute(d: &DatasetPlan, o: &Opened, frames: &BTreeMap<String, LazyFrame>) -> MetricMap {
    let mut out = MetricMap::new();
    // Row count is always computed: percentages and the report need it.
    let mut wanted: Vec<Metric> = d.metrics.iter().cloned().collect();
    if !wanted.contains(&Metric::RowCount) {
        wanted.push(Metric::RowCount);
    }
    let mut exprs = Vec::new();
    let mut names = Vec::new();
    for m in &wanted {
        match m {
            Metric::Sql { query } => {
                out.insert(m.clone(), run_sql(query, frames));
            }
            Metric::OrphanCount { columns, target, target_columns } => {
                out.insert(m.clone(), orphans(o, columns, frames.get(target), target, target_columns));
            }
            _ => match lower::expr(m, &o.schema) {
                Ok(e) => {
                    names.push(m.clone());
                    exprs.push(e.cast(DataType::Float64).alias(format!("m{}", exprs.len())));
                }
                Err(why) => {
                    out.insert(m.clone(), Err(why));
                }
            },
        }
    }
    if !exprs.is_empty() {
        match o.lf.clone().select(exprs).collect() {
            Ok(df) => {
                for (i, m) in names.into_iter().enumerate() {
                    let v = df
                        .column(&format!("m{i}"))
                        .and_then(|c| c.f64().map(|ca| ca.get(0)))
                        .map(|v| Observed::num(v.unwrap_or(f64::NAN)))
                        .map_err(|e| first_line(&e.to_string()));
                    out.insert(m, v);
                }
            }
            Err(e) => {
                let msg = format!("reading `{}` failed: {}", d.name, first_line(&e.to_string()));
                for m in names {
                    out.insert(m, Err(msg.clone()));
                }
            }
        }
    }
    out
}

/// The one select of a dataset, for `--explain`: the metrics and polars' optimized plan.
pub fn explain(plan: &ContractPlan) -> String {
    let mut s = String::new();
    for d in &plan.datasets {
        s.push_str(&format!("dataset `{}`\n", d.name));
        let (opened, files) = open(d);
        let o = match opened {
            Ok(o) => o,
            Err(e) => {
                s.push_str(&format!("  cannot be read: {e}\n\n"));
                continue;
            }
        };
        s.push_str(&format!("  files: {files}\n  metrics:\n"));
        let mut exprs = Vec::new();
        let mut separate = Vec::new();
        let mut wanted: Vec<&Metric> = d.metrics.iter().collect();
        if !wanted.contains(&&Metric::RowCount) {
            wanted.insert(0, &Metric::RowCount);
        }
        for m in wanted {
            match m {
                Metric::Sql { .. } | Metric::OrphanCount { .. } => separate.push(m.describe()),
                _ => match lower::expr(m, &o.schema) {
                    Ok(e) => {
                        s.push_str(&format!("    m{}: {}\n", exprs.len(), m.describe()));
                        exprs.push(e.cast(DataType::Float64).alias(format!("m{}", exprs.len())));
                    }
                    Err(why) => s.push_str(&format!("    (not computed) {}: {why}\n", m.describe())),
                },
            }
        }
        for q in separate {
            s.push_str(&format!("    (own query) {q}\n"));
        }
        if !exprs.is_empty() {
            match o.lf.clone().select(exprs).explain(true) {
                Ok(p) => {
                    s.push_str("  plan (one scan):\n");
                    for line in p.lines() {
                        s.push_str(&format!("    {line}\n"));
                    }
                }
                Err(e) => s.push_str(&format!("  plan error: {e}\n")),
            }
        }
        s.push('\n');
    }
    s
}

fn scalar(df: &DataFrame) -> Result<f64, String> {
    let c = df.columns().first().ok_or("the query returned no column")?;
    if df.height() != 1 {
        return Err(format!("the query returned {} rows; a rule's query returns exactly one", df.height()));
    }
    let v = c
        .cast(&DataType::Float64)
        .map_err(|e| format!("the query's result is not a number: {}", first_line(&e.to_string())))?;
    let v = v.f64().map_err(|e| first_line(&e.to_string()))?.get(0);
    v.ok_or_else(|| "the query returned null".to_owned())
}

fn run_sql(query: &str, frames: &BTreeMap<String, LazyFrame>) -> Result<Observed, String> {
    let mut ctx = SQLContext::new();
    for (name, lf) in frames {
        ctx.register(name, lf.clone());
    }
    let lf = ctx.execute(query).map_err(|e| format!("the query failed: {}", first_line(&e.to_string())))?;
    let df = lf.collect().map_err(|e| format!("the query failed: {}", first_line(&e.to_string())))?;
    scalar(&df).map(Observed::num)
}

fn orphans(
    o: &Opened,
    columns: &[String],
    target: Option<&LazyFrame>,
    target_name: &str,
    target_columns: &[String],
) -> Result<Observed, String> {
    let target = target.ok_or_else(|| format!("the referenced dataset `{target_name}` could not be read"))?;
    for c in columns {
        if lower::find(&o.schema, c).is_none() {
            return Err(format!("column `{c}` not found"));
        }
    }
    let left: Vec<Expr> = columns.iter().map(|c| lower::column(c)).collect();
    let right: Vec<Expr> = target_columns.iter().map(|c| lower::column(c)).collect();
    let not_null = left.iter().cloned().map(|e| e.is_not_null()).reduce(|a, b| a.and(b)).unwrap_or(lit(true));
    let keys: Vec<String> = (0..columns.len()).map(|i| format!("k{i}")).collect();
    let l =
        o.lf.clone()
            .filter(not_null)
            .select(left.iter().zip(&keys).map(|(e, k)| e.clone().alias(k.as_str())).collect::<Vec<_>>());
    let r = target
        .clone()
        .select(right.iter().zip(&keys).map(|(e, k)| e.clone().alias(k.as_str())).collect::<Vec<_>>())
        .unique(None, UniqueKeepStrategy::Any);
    let key_exprs: Vec<Expr> = keys.iter().map(|k| col(k.as_str())).collect();
    let orphan_rows = l.join(r, key_exprs.clone(), key_exprs, JoinArgs::new(JoinType::Anti));
    let df = orphan_rows
        .clone()
        .select([len().alias("n")])
        .collect()
        .map_err(|e| format!("the join failed: {}", first_line(&e.to_string())))?;
    let n = scalar(&df)?;
    let mut detail = None;
    if n > 0.0 {
        let sample = orphan_rows
            .unique_stable(None, UniqueKeepStrategy::First)
            .limit(5)
            .collect()
            .map_err(|e| first_line(&e.to_string()))?;
        let mut shown = Vec::new();
        for i in 0..sample.height() {
            let vals: Vec<String> =
                sample.columns().iter().map(|c| c.get(i).map(|v| v.to_string()).unwrap_or_default()).collect();
            shown.push(if vals.len() == 1 { vals[0].clone() } else { format!("({})", vals.join(", ")) });
        }
        detail = Some(format!("orphan keys: {}", shown.join(", ")));
    }
    Ok(Observed { value: n, detail })
}

/// Converts a polars schema to lakegate's column types.
pub fn convert_schema(schema: &Schema) -> DataSchema {
    schema.iter().map(|(n, t)| (n.to_string(), convert(t))).collect()
}

fn convert(t: &DataType) -> ColumnType {
    match t {
        DataType::String | DataType::Categorical(..) | DataType::Enum(..) => ColumnType::String,
        DataType::Int8 => ColumnType::Int(8),
        DataType::Int16 => ColumnType::Int(16),
        DataType::Int32 => ColumnType::Int(32),
        DataType::Int64 => ColumnType::Int(64),
        DataType::UInt8 => ColumnType::UInt(8),
        DataType::UInt16 => ColumnType::UInt(16),
        DataType::UInt32 => ColumnType::UInt(32),
        DataType::UInt64 => ColumnType::UInt(64),
        DataType::Float32 => ColumnType::Float(32),
        DataType::Float64 => ColumnType::Float(64),
        DataType::Decimal(p, s) => ColumnType::Decimal(Some(*p), Some(*s)),
        DataType::Boolean => ColumnType::Boolean,
        DataType::Date => ColumnType::Date,
        DataType::Datetime(_, tz) => ColumnType::Timestamp { tz: tz.is_some() },
        DataType::Time => ColumnType::Time,
        DataType::Duration(_) => ColumnType::Duration,
        DataType::Binary | DataType::BinaryOffset => ColumnType::Binary,
        DataType::List(inner) => ColumnType::List(Box::new(convert(inner))),
        DataType::Struct(fields) => {
            ColumnType::Struct(fields.iter().map(|f| (f.name().to_string(), convert(f.dtype()))).collect())
        }
        DataType::Null => ColumnType::Null,
        other => ColumnType::Other(other.to_string()),
    }
}

/// Whether a dataset's source is readable at all (used by `--explain` and tests).
pub fn source_files(d: &DatasetPlan) -> Result<Vec<PathBuf>, String> {
    let src = d.source.as_ref().map_err(Clone::clone)?;
    source::resolve_files(src).map(|(f, _)| f)
}
