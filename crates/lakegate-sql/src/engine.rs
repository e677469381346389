//! The SQL engine: a contract's metric plan lowered to SQL ([`crate::lower`]) and run on a
//! [`Backend`], behind the core [`Engine`] interface.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use lakegate_core::{
    ContractPlan, DataSchema, DatasetOutcome, DatasetPlan, DatasetResult, Engine, EngineRun, Measure, Metric,
    MetricMap, MetricValue, Observed, Samples, Validity,
};

use crate::backend::{Backend, Dialect, Table, Value};
use crate::expr::render_expression;
use crate::lower::{self, Ctx, Decode, KeyValue, Lowered, Query};

/// The SQL engine over one backend.
#[derive(Clone)]
pub struct SqlEngine {
    backend: Arc<dyn Backend>,
    /// Count every dataset's rows even when no check asks (off for `--schema-only`).
    pub row_count: bool,
}

impl SqlEngine {
    /// The engine over `backend` (registered for [`cancel_all`]).
    pub fn new(backend: Arc<dyn Backend>) -> SqlEngine {
        RUNNING.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(Arc::downgrade(&backend));
        SqlEngine { backend, row_count: true }
    }

    /// The backend (to cancel its queries on Ctrl-C).
    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.backend
    }

    fn engine_label(&self) -> &'static str {
        self.backend.dialect().name()
    }
}

/// Every backend of the process, for Ctrl-C.
static RUNNING: std::sync::Mutex<Vec<std::sync::Weak<dyn Backend>>> = std::sync::Mutex::new(Vec::new());

/// Cancels the running queries of every SQL engine of the process (Ctrl-C): the servers stop
/// working on them; the process exits without waiting for their answers.
pub fn cancel_all() {
    let backends: Vec<Arc<dyn Backend>> = RUNNING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .filter_map(std::sync::Weak::upgrade)
        .collect();
    for b in backends {
        b.cancel();
    }
}

/// A dataset as the engine prepared it: its FROM item and columns, or why not.
struct Prepared {
    from: Result<(String, DataSchema), String>,
    /// Columns the backend parsed from text (see [`Ctx::parsed`]).
    parsed: BTreeSet<String>,
    /// Each column's type as the server's catalog writes it (warehouse servers only).
    catalog: BTreeMap<String, String>,
}

impl SqlEngine {
    fn prepare(&self, plan: &ContractPlan) -> (Vec<Prepared>, BTreeMap<String, String>) {
        let dialect = self.backend.dialect();
        let label = self.engine_label();
        let prepared: Vec<Prepared> = plan
            .datasets
            .iter()
            .map(|d| {
                let mut catalog = BTreeMap::new();
                let mut parsed = BTreeSet::new();
                let from = (|| {
                    let relation = self.backend.relation(d)?;
                    let columns = self.backend.columns(d)?;
                    if dialect != Dialect::Spark {
                        catalog = columns.iter().map(|c| (c.name.clone(), c.data_type.clone())).collect();
                    }
                    let schema: DataSchema =
                        columns.iter().map(|c| (c.name.clone(), crate::types::column_type(&c.data_type))).collect();
                    parsed = self.backend.parsed_columns(d)?;
                    let relation = self.backend.scan(d, relation, &columns);
                    let from = match &d.filter {
                        Some(f) => {
                            let f =
                                render_expression(f, &schema, dialect, label).map_err(|e| format!("--where: {e}"))?;
                            format!("(SELECT * FROM {relation} AS w WHERE {f})")
                        }
                        None => relation,
                    };
                    Ok((from, schema))
                })();
                Prepared { from, parsed, catalog }
            })
            .collect();
        let tables = plan
            .datasets
            .iter()
            .zip(&prepared)
            .filter_map(|(d, p)| p.from.as_ref().ok().map(|(f, _)| (d.name.clone(), f.clone())))
            .collect();
        (prepared, tables)
    }

    fn metrics_of(&self, d: &DatasetPlan) -> Vec<Metric> {
        let mut wanted: Vec<Metric> = d.metrics.iter().cloned().collect();
        if self.row_count && !wanted.contains(&Metric::RowCount) {
            wanted.push(Metric::RowCount);
        }
        wanted
    }
}

impl Engine for SqlEngine {
    fn name(&self) -> String {
        self.backend.engine()
    }

    fn run(&self, plan: &ContractPlan) -> Box<dyn EngineRun> {
        let started = Instant::now();
        let (prepared, tables) = self.prepare(plan);
        let mut outcomes = Vec::new();
        let mut schemas = BTreeMap::new();
        for (d, p) in plan.datasets.iter().zip(prepared) {
            let t0 = Instant::now();
            let source = source_label(d, &self.backend.engine());
            let (from, schema) = match p.from {
                Ok(x) => x,
                Err(why) => {
                    let ms = t0.elapsed().as_millis() as u64
                        + if outcomes.is_empty() { started.elapsed().as_millis() as u64 } else { 0 };
                    outcomes.push(DatasetOutcome::unread(d, source, why, ms));
                    continue;
                }
            };
            let ctx = Ctx {
                dialect: self.backend.dialect(),
                engine: self.engine_label(),
                schema: &schema,
                from: &from,
                tables: &tables,
                parsed: &p.parsed,
            };
            let metrics = run_metrics(self.backend.as_ref(), &ctx, &self.metrics_of(d));
            let rows = match metrics.get(&Metric::RowCount) {
                Some(Ok(v)) if v.value.is_finite() => Some(v.value as u64),
                _ => None,
            };
            // The row count was asked for the report only: not a metric of the plan.
            let metrics: MetricMap =
                metrics.into_iter().filter(|(m, _)| d.metrics.contains(m) || *m == Metric::RowCount).collect();
            schemas.insert(d.name.clone(), (from.clone(), schema.clone(), p.parsed.clone()));
            outcomes.push(DatasetOutcome {
                schema: Ok(schema),
                metrics,
                from_statistics: BTreeSet::new(),
                missing_in_files: BTreeMap::new(),
                catalog_types: p.catalog,
                result: DatasetResult {
                    name: d.name.clone(),
                    source,
                    files: 0,
                    bytes: 0,
                    rows,
                    error: None,
                    duration_ms: t0.elapsed().as_millis() as u64,
                    skipped_files: Vec::new(),
                },
            });
        }
        Box::new(SqlRun { backend: Arc::clone(&self.backend), outcomes, schemas, tables })
    }

    fn explain(&self, plan: &ContractPlan) -> String {
        let (prepared, tables) = self.prepare(plan);
        let mut out = String::new();
        for (d, p) in plan.datasets.iter().zip(prepared) {
            out.push_str(&format!("  dataset `{}` on {}\n", d.name, self.backend.engine()));
            let (from, schema) = match p.from {
                Ok(x) => x,
                Err(why) => {
                    out.push_str(&format!("    cannot run: {why}\n"));
                    continue;
                }
            };
            let ctx = Ctx {
                dialect: self.backend.dialect(),
                engine: self.engine_label(),
                schema: &schema,
                from: &from,
                tables: &tables,
                parsed: &p.parsed,
            };
            let Lowered { queries, errors } = lower::lower(&ctx, &self.metrics_of(d));
            for q in &queries {
                let names: Vec<String> = q.metrics.iter().map(|(m, _, _)| m.describe()).collect();
                out.push_str(&format!("    -- {}\n    {};\n", names.join("; "), q.sql));
            }
            for (m, why) in errors {
                out.push_str(&format!("    -- {}: {why}\n", m.describe()));
            }
        }
        out
    }
}

/// Where a dataset is, for the report: `postgres://host:port/db/schema.table`.
fn source_label(d: &DatasetPlan, engine: &str) -> String {
    match &d.table {
        Some(t) => format!(
            "{}://{}{}/{}/{}.{}",
            t.server_type,
            t.host.as_deref().unwrap_or(""),
            t.port.map(|p| format!(":{p}")).unwrap_or_default(),
            t.database.as_deref().unwrap_or(""),
            t.schema.as_deref().unwrap_or("public"),
            t.table
        ),
        None => d.source.as_ref().map(|s| s.display.clone()).unwrap_or_else(|_| engine.to_owned()),
    }
}

/// Reads a value as a number (text as the server printed it: `NaN`, `Infinity` too).
pub fn number(v: &Value) -> Result<Option<f64>, String> {
    Ok(Some(match v {
        Value::Null => return Ok(None),
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Decimal { unscaled, scale } => *unscaled as f64 / 10f64.powi(i32::from(*scale)),
        Value::Text(s) => match s.trim() {
            "NaN" => f64::NAN,
            "Infinity" => f64::INFINITY,
            "-Infinity" => f64::NEG_INFINITY,
            t => t.parse().map_err(|_| format!("the query's result is not a number: `{t}`"))?,
        },
        Value::Date(d) => f64::from(*d) * 86_400.0,
        Value::Timestamp(us) => *us as f64 / 1e6,
    }))
}

/// A value as sample text (`null` for nulls).
pub fn text(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Decimal { .. } => number(v).ok().flatten().map(|f| f.to_string()).unwrap_or_default(),
        Value::Text(s) => s.clone(),
        Value::Date(d) => lakegate_core::metric::Bound::Date(*d).to_string(),
        Value::Timestamp(us) => lakegate_core::metric::Bound::Timestamp(*us).to_string(),
    }
}

fn decode(row: &[Value], decode: &Decode, at: usize) -> MetricValue {
    let get = |i: usize| -> Result<Option<f64>, String> { row.get(at + i).map_or(Ok(None), number) };
    let nan = |v: Option<f64>| v.unwrap_or(f64::NAN);
    match decode {
        Decode::Number => Ok(Observed::num(nan(get(0)?))),
        Decode::Scalar => get(0)?.map(Observed::num).ok_or_else(|| "the query returned null".to_owned()),
        Decode::NanChecked { column, agg } => {
            let n = get(1)?.unwrap_or(0.0);
            if n > 0.0 {
                return Err(lower::nan_message(n as u64, column, *agg));
            }
            Ok(Observed::num(nan(get(0)?)))
        }
        Decode::Keys(kv) => {
            let distinct = get(0)?.unwrap_or(0.0);
            let rows = get(1)?.unwrap_or(0.0);
            Ok(Observed::num(match kv {
                KeyValue::Duplicates => rows - distinct,
                KeyValue::Distinct => distinct,
                KeyValue::Ratio if rows == 0.0 => f64::NAN,
                KeyValue::Ratio => distinct / rows,
            }))
        }
        Decode::Absent(n) => Ok(Observed::num(*n as f64 - get(0)?.unwrap_or(0.0))),
    }
}

fn run_query(backend: &dyn Backend, q: &Query) -> Result<MetricMap, String> {
    let table = backend.query(&q.sql)?;
    let mut out = MetricMap::new();
    match q.group_keys {
        None => {
            let row = table.rows.first().cloned().unwrap_or_default();
            if row.is_empty() && q.metrics.iter().any(|(_, d, _)| *d == Decode::Scalar) {
                for (m, _, _) in &q.metrics {
                    out.insert(m.clone(), Err("the query returned no row".into()));
                }
                return Ok(out);
            }
            for (m, d, at) in &q.metrics {
                out.insert(m.clone(), decode(&row, d, *at));
            }
        }
        Some(k) => {
            // One value per group, labelled by its keys as text joined by `/` (null: `null`),
            // sorted by label; a group whose statistic has no value is left out and named.
            let mut rows: Vec<(String, &Vec<Value>)> =
                table.rows.iter().map(|r| (r.iter().take(k).map(text).collect::<Vec<_>>().join("/"), r)).collect();
            rows.sort_by(|a, b| a.0.cmp(&b.0));
            for (m, d, at) in &q.metrics {
                let mut groups = Vec::new();
                let mut empty = Vec::new();
                let mut error = None;
                for (label, r) in &rows {
                    match decode(r, d, *at) {
                        Ok(o)
                            if o.value.is_nan() && matches!(d, Decode::Number) && r.get(*at) == Some(&Value::Null) =>
                        {
                            empty.push(label.clone())
                        }
                        Ok(o) => groups.push((label.clone(), o.value)),
                        Err(e) => {
                            error.get_or_insert(e);
                        }
                    }
                }
                if let Some(e) = error {
                    out.insert(m.clone(), Err(e));
                    continue;
                }
                let detail = (!empty.is_empty()).then(|| {
                    let shown: Vec<&str> = empty.iter().take(5).map(String::as_str).collect();
                    format!(
                        "{} group(s) without a value (only nulls): {}{}",
                        empty.len(),
                        shown.join(", "),
                        if empty.len() > 5 { ", ..." } else { "" }
                    )
                });
                out.insert(m.clone(), Ok(Observed { value: groups.len() as f64, detail, groups: Some(groups) }));
            }
        }
    }
    Ok(out)
}

/// Runs every query of a dataset's metrics. A query that fails is retried metric by metric,
/// so that one metric the server refuses errors alone, with the server's reason.
fn run_metrics(backend: &dyn Backend, ctx: &Ctx, metrics: &[Metric]) -> MetricMap {
    let Lowered { queries, errors } = lower::lower(ctx, metrics);
    let mut out: MetricMap = errors.into_iter().map(|(m, why)| (m, Err(why))).collect();
    for q in queries {
        match run_query(backend, &q) {
            Ok(values) => out.extend(values),
            Err(why) if q.metrics.len() > 1 && !connection_lost(&why) => {
                for (m, _, _) in &q.metrics {
                    let single = lower::lower(ctx, std::slice::from_ref(&unwrap_for_single(m)));
                    let v = single
                        .queries
                        .first()
                        .map(|q1| run_query(backend, q1))
                        .and_then(|r| r.ok())
                        .and_then(|mut v| v.remove(&unwrap_for_single(m)))
                        .unwrap_or_else(|| Err(why.clone()));
                    out.insert(m.clone(), v);
                }
            }
            Err(why) => {
                for (m, _, _) in &q.metrics {
                    out.insert(m.clone(), Err(why.clone()));
                }
            }
        }
    }
    // Details of set metrics and orphans, for the messages.
    for (m, v) in out.iter_mut() {
        if let Ok(o) = v
            && o.value > 0.0
        {
            o.detail = o.detail.take().or_else(|| detail(backend, ctx, m));
        }
    }
    out
}

/// The metric as [`lower::lower`] takes it alone (the same metric: lowering is per metric).
fn unwrap_for_single(m: &Metric) -> Metric {
    m.clone()
}

/// Whether an error means the server is gone (no point retrying metric by metric).
fn connection_lost(why: &str) -> bool {
    ["connection", "closed", "timeout", "canceling statement", "cancelled"].iter().any(|w| why.contains(w))
}

fn detail(backend: &dyn Backend, ctx: &Ctx, m: &Metric) -> Option<String> {
    let list = |sql: String| -> Option<Vec<String>> {
        let t: Table = backend.query(&sql).ok()?;
        Some(t.rows.iter().map(|r| r.iter().map(text).collect::<Vec<_>>().join(", ")).collect())
    };
    let lit_text = |l: &lakegate_core::Literal| match l {
        lakegate_core::Literal::Str(s) => s.clone(),
        other => other.to_string(),
    };
    match m {
        Metric::DistinctOutside { column, values } => {
            let x = crate::expr::quote(column, ctx.dialect);
            let allowed: Vec<String> = values.iter().map(|v| crate::expr::string(&lit_text(v), ctx.dialect)).collect();
            let t = ctx_text(ctx, &x);
            let not_in =
                if allowed.is_empty() { String::new() } else { format!(" AND {t} NOT IN ({})", allowed.join(", ")) };
            let rows = list(format!(
                "SELECT DISTINCT {t} AS v FROM {} AS t WHERE {x} IS NOT NULL{not_in} ORDER BY 1 LIMIT 10",
                ctx.from
            ))?;
            Some(format!("outside the set: {}", rows.iter().map(|v| format!("'{v}'")).collect::<Vec<_>>().join(", ")))
        }
        Metric::DistinctAbsent { column, values } => {
            let x = crate::expr::quote(column, ctx.dialect);
            let t = ctx_text(ctx, &x);
            let present: BTreeSet<String> =
                list(format!("SELECT DISTINCT {t} AS v FROM {} AS t WHERE {x} IS NOT NULL", ctx.from))?
                    .into_iter()
                    .collect();
            let absent: Vec<String> = values.iter().map(lit_text).filter(|v| !present.contains(v)).take(10).collect();
            Some(format!("absent: {}", absent.join(", ")))
        }
        Metric::OrphanCount { columns, target, target_columns } => {
            let sql = lower::orphan_keys(ctx, columns, target, target_columns, 5).ok()?;
            let t: Table = backend.query(&sql).ok()?;
            let shown: Vec<String> = t
                .rows
                .iter()
                .map(|r| {
                    let vals: Vec<String> = r.iter().take(columns.len()).map(text).collect();
                    if vals.len() == 1 { vals[0].clone() } else { format!("({})", vals.join(", ")) }
                })
                .collect();
            Some(format!("orphan keys: {}", shown.join(", ")))
        }
        _ => None,
    }
}

fn ctx_text(ctx: &Ctx, x: &str) -> String {
    match ctx.dialect {
        crate::Dialect::Postgres => format!("CAST({x} AS TEXT)"),
        crate::Dialect::Redshift => format!("CAST({x} AS VARCHAR(65535))"),
        crate::Dialect::Spark => format!("CAST({x} AS STRING)"),
    }
}

/// The suffix of a sample column showing a value's text as written (the embedded engine's name).
const AS_WRITTEN: &str = " (as written)";

/// A contract's run on the SQL engine.
pub struct SqlRun {
    backend: Arc<dyn Backend>,
    outcomes: Vec<DatasetOutcome>,
    /// Dataset -> (FROM item, columns, parsed columns), for the sample queries.
    schemas: BTreeMap<String, (String, DataSchema, BTreeSet<String>)>,
    tables: BTreeMap<String, String>,
}

fn row_metrics(measure: &Measure) -> Vec<&Metric> {
    match measure {
        Measure::Value(m) | Measure::Percent { metric: m, .. } => vec![m],
        Measure::Sum(ms) => ms.iter().collect(),
        Measure::Age { .. } | Measure::Scaled { .. } | Measure::Compare { .. } | Measure::Change { .. } => Vec::new(),
    }
}

impl SqlRun {
    fn sample_query(&self, d: &DatasetPlan, measure: &Measure, n: usize) -> Option<Result<String, String>> {
        let metrics = row_metrics(measure);
        let (from, schema, parsed) = self.schemas.get(&d.name)?;
        let dialect = self.backend.dialect();
        let ctx = Ctx { dialect, engine: dialect.name(), schema, from, tables: &self.tables, parsed };
        let q = |c: &str| crate::expr::quote(c, dialect);
        let mut shown: Vec<String> = d.key.iter().filter(|k| schema.iter().any(|(n, _)| n == *k)).cloned().collect();
        if shown.is_empty() {
            shown.extend(schema.iter().take(2).map(|(n, _)| n.clone()));
        }
        let add = |c: &str, shown: &mut Vec<String>| {
            if schema.iter().any(|(n, _)| n == c) && !shown.iter().any(|s| s == c) {
                shown.push(c.to_owned());
            }
        };
        if let [Metric::DuplicateCount { columns }] = metrics.as_slice() {
            let keys: Vec<String> = columns.iter().map(|c| q(c)).collect();
            let not_null: Vec<String> = keys.iter().map(|k| format!("{k} IS NOT NULL")).collect();
            let cols: Vec<String> = columns.iter().map(|c| format!("{} AS {}", q(c), q(c))).collect();
            return Some(Ok(format!(
                "SELECT {}, count(*) AS {} FROM {from} AS t WHERE {} GROUP BY {} HAVING count(*) > 1 ORDER BY {} LIMIT {n}",
                cols.join(", "),
                q("count"),
                not_null.join(" AND "),
                keys.join(", "),
                keys.join(", ")
            )));
        }
        let mut masks = Vec::new();
        let mut as_written: Vec<String> = Vec::new();
        for m in &metrics {
            let (inner, filter) = match m {
                Metric::Filtered { filter, metric } => (metric.as_ref(), Some(filter)),
                other => (*other, None),
            };
            if let Metric::OrphanCount { columns, target, target_columns } = inner {
                let target_from = self.tables.get(target)?;
                let on: Vec<String> =
                    columns.iter().zip(target_columns).map(|(c, tc)| format!("r.{} = t.{}", q(tc), q(c))).collect();
                let not_null: Vec<String> = columns.iter().map(|c| format!("t.{} IS NOT NULL", q(c))).collect();
                masks.push(format!(
                    "({} AND NOT EXISTS (SELECT 1 FROM {target_from} AS r WHERE {}))",
                    not_null.join(" AND "),
                    on.join(" AND ")
                ));
                for c in columns {
                    add(c, &mut shown);
                }
                continue;
            }
            if let Metric::DuplicateCount { columns } = inner {
                // Every row whose key repeats.
                let keys: Vec<String> = columns.iter().map(|c| q(c)).collect();
                let not_null: Vec<String> = keys.iter().map(|k| format!("t.{k} IS NOT NULL")).collect();
                let same: Vec<String> = keys.iter().map(|k| format!("d.{k} = t.{k}")).collect();
                masks.push(format!(
                    "({} AND EXISTS (SELECT 1 FROM {from} AS d WHERE {} GROUP BY {} HAVING count(*) > 1))",
                    not_null.join(" AND "),
                    same.join(" AND "),
                    keys.iter().map(|k| format!("d.{k}")).collect::<Vec<_>>().join(", ")
                ));
                for c in columns {
                    add(c, &mut shown);
                }
                continue;
            }
            let mask = match lower::violation_mask(&ctx, inner)? {
                Ok(m) => m,
                Err(e) => return Some(Err(e)),
            };
            let mask = match filter {
                Some(f) => match render_expression(f, schema, dialect, dialect.name()) {
                    Ok(f) => format!("(COALESCE(({f}), FALSE) AND {mask})"),
                    Err(e) => return Some(Err(e)),
                },
                None => mask,
            };
            for c in inner.columns() {
                add(c, &mut shown);
            }
            // A text that did not parse is shown as written, beside its (null) value, as the
            // embedded engine shows it; never under the relation's internal name.
            if let Metric::InvalidCount { column, rules } = inner
                && matches!(rules.as_slice(), [Validity::Parses])
                && parsed.contains(column)
                && !as_written.contains(column)
            {
                as_written.push(column.clone());
            }
            if let Metric::RowConditionFailures { expression } = inner
                && let Ok(e) = crate::expr::parse_expression(expression)
            {
                let mut names = Vec::new();
                let _ = sqlparser::ast::visit_expressions(&e, |x| {
                    if let sqlparser::ast::Expr::Identifier(id) = x {
                        names.push(id.value.clone());
                    }
                    std::ops::ControlFlow::<()>::Continue(())
                });
                for c in names {
                    add(&c, &mut shown);
                }
            }
            masks.push(mask);
        }
        if masks.is_empty() {
            return None;
        }
        // Booleans as `true`/`false` (PostgreSQL's text protocol writes `t`/`f`).
        let mut cols: Vec<String> = Vec::new();
        for c in &shown {
            if as_written.contains(c) {
                cols.push(format!(
                    "t.{} AS {}",
                    q(&format!("{c}{}", lower::RAW_SUFFIX)),
                    q(&format!("{c}{AS_WRITTEN}"))
                ));
            }
            cols.push(match schema.iter().find(|(n, _)| n == c) {
                Some((_, lakegate_core::ColumnType::Boolean)) => {
                    format!("CASE WHEN t.{x} THEN 'true' WHEN NOT t.{x} THEN 'false' END AS {x}", x = q(c))
                }
                _ => format!("t.{}", q(c)),
            });
        }
        let order: Vec<String> = (1..=cols.len()).map(|i| i.to_string()).collect();
        Some(Ok(format!(
            "SELECT {} FROM {from} AS t WHERE {} ORDER BY {} LIMIT {n}",
            cols.join(", "),
            masks.iter().map(|m| format!("({m})")).collect::<Vec<_>>().join(" OR "),
            order.join(", ")
        )))
    }
}

impl EngineRun for SqlRun {
    fn outcomes(&self) -> &[DatasetOutcome] {
        &self.outcomes
    }

    fn outcomes_mut(&mut self) -> &mut [DatasetOutcome] {
        &mut self.outcomes
    }

    fn samples(
        &self,
        d: &DatasetPlan,
        measure: &Measure,
        n: usize,
        export: Option<&Path>,
    ) -> Option<Result<Samples, String>> {
        let sql = match self.sample_query(d, measure, n)? {
            Ok(s) => s,
            Err(e) => return Some(Err(e)),
        };
        if export.is_some() {
            return Some(Err(format!(
                "--samples-out: exporting every failing row is not supported on {} (samples are shown in the reports)",
                self.backend.engine()
            )));
        }
        let table = match self.backend.query(&sql) {
            Ok(t) => t,
            Err(e) => return Some(Err(e)),
        };
        // A classified column's text as written is as classified as its value.
        let redacted: Vec<String> = table
            .columns
            .iter()
            .filter(|c| {
                d.redacted.contains(c) || c.strip_suffix(AS_WRITTEN).is_some_and(|b| d.redacted.iter().any(|r| r == b))
            })
            .cloned()
            .collect();
        let rows = table
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .zip(&table.columns)
                    .map(|(v, c)| if redacted.contains(c) { "***".to_owned() } else { text(v) })
                    .collect()
            })
            .collect();
        Some(Ok(Samples { columns: table.columns.clone(), rows, redacted }))
    }

    fn into_outcomes(self: Box<Self>) -> Vec<DatasetOutcome> {
        self.outcomes
    }
}
