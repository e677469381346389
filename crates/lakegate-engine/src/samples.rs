//! Failing-row samples. The first rows that break a row-level check are captured in the
//! dataset's own scan (a filter on the check's mask, cut to `n` rows, next to its count: the
//! mask is computed once); duplicates, orphans, checks over several metrics and `--samples-out`
//! exports take a second, targeted pass that runs only for failed checks.

use std::path::Path;

use lakegate_core::{DataSchema, DatasetPlan, Measure, Metric, Samples};
use polars::prelude::*;

use crate::lower;

/// The mask of the rows a measure counts as violations, when it is row-level.
fn mask(m: &Metric, schema: &DataSchema) -> Option<Result<Expr, String>> {
    match m {
        Metric::Filtered { filter, metric } => {
            let inner = mask(metric, schema)?;
            Some(inner.and_then(|i| lower::sql_expression(filter, schema).map(|f| f.fill_null(lit(false)).and(i))))
        }
        other => lower::violation_mask(other, schema),
    }
}

fn row_metrics(measure: &Measure) -> Vec<&Metric> {
    match measure {
        Measure::Value(m) | Measure::Percent { metric: m, .. } => vec![m],
        Measure::Sum(ms) => ms.iter().collect(),
        Measure::Age { .. } | Measure::Scaled { .. } | Measure::Compare { .. } | Measure::Change { .. } => Vec::new(),
    }
}

fn text(v: &AnyValue) -> String {
    match v {
        AnyValue::Null => "null".to_owned(),
        AnyValue::String(s) => (*s).to_owned(),
        AnyValue::StringOwned(s) => s.to_string(),
        // polars' formatting panics on timestamps outside chrono's range (about ±262,000
        // years): show those as the raw count of their unit.
        AnyValue::Datetime(x, unit, _) | AnyValue::DatetimeOwned(x, unit, _) if !in_chrono_range(*x, *unit) => {
            format!("{x} {unit} since 1970-01-01 (out of the calendar's range)")
        }
        other => other.to_string(),
    }
}

/// Whether a timestamp of `unit`s since the epoch is one chrono can format.
fn in_chrono_range(x: i64, unit: TimeUnit) -> bool {
    let per_second: i64 = match unit {
        TimeUnit::Nanoseconds => 1_000_000_000,
        TimeUnit::Microseconds => 1_000_000,
        TimeUnit::Milliseconds => 1_000,
    };
    // chrono's NaiveDateTime spans years -262143..=262142: about 8.2e12 seconds either way.
    (x / per_second).abs() < 8_000_000_000_000
}

/// Whether a shown column holds classified values: a classified column, its raw text as written
/// (`x (as written)`), or a struct holding a classified field (`s` when `s.email` is).
fn is_redacted(name: &str, redacted: &[String]) -> bool {
    let base = name.strip_suffix(" (as written)").unwrap_or(name);
    redacted.iter().any(|r| r == base || r.strip_prefix(base).is_some_and(|rest| rest.starts_with('.')))
}

fn to_samples(df: &DataFrame, redacted: &[String]) -> Samples {
    let columns: Vec<String> = df.get_column_names().iter().map(|c| c.to_string()).collect();
    let mut rows = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let row = df
            .columns()
            .iter()
            .map(|c| {
                if is_redacted(c.name().as_str(), redacted) {
                    "***".to_owned()
                } else {
                    c.get(i).map(|v| text(&v)).unwrap_or_default()
                }
            })
            .collect();
        rows.push(row);
    }
    let redacted = columns.iter().filter(|c| is_redacted(c, redacted)).cloned().collect();
    Samples { columns, rows, redacted }
}

/// The in-scan capture of a row-level metric: its violation mask and the columns its samples
/// show (key and offending columns); None when the metric is not row-level.
pub fn capture(m: &Metric, schema: &DataSchema, d: &DatasetPlan) -> Option<(Expr, Vec<Expr>)> {
    if matches!(m, Metric::DuplicateCount { .. } | Metric::OrphanCount { .. } | Metric::Filtered { .. }) {
        return None;
    }
    let mask = lower::violation_mask(m, schema)?.ok()?;
    let shown = shown_columns(schema, d, offending(&mask, schema));
    Some((mask.fill_null(lit(false)), shown))
}

/// The rows of a capture (the one-row list column `name` of a select's result).
pub fn captured_rows(df: &DataFrame, name: &str) -> Option<DataFrame> {
    let c = df.column(name).ok()?;
    let DataType::List(inner) = c.dtype() else { return None };
    // Back to the logical types (dates, timestamps) of the struct's fields.
    let s = c.list().ok()?.get_as_series(0)?.cast(inner).ok()?;
    s.struct_().ok().map(|st| detached(st.clone().unnest()))
}

/// `df` (a few captured rows) in buffers of its own: captured text shares the buffers of the
/// slice it was read from, and the captures of every slice are kept until the slices are
/// merged, so each would hold its whole slice's text in memory (10M CSV orders in 20 slices:
/// 1.65 GB peak against 1.04 GB without samples).
fn detached(df: DataFrame) -> DataFrame {
    let columns = df.columns().iter().map(|c| {
        let s = c.as_materialized_series();
        let values: Vec<AnyValue<'static>> = s.iter().map(AnyValue::into_static).collect();
        Series::from_any_values_and_dtype(s.name().clone(), &values, s.dtype(), true).map(Column::from)
    });
    match columns.collect::<PolarsResult<Vec<Column>>>().and_then(|c| DataFrame::new(df.height(), c)) {
        Ok(copy) => copy,
        // A type the copy cannot build keeps the shared buffers (memory, never the values).
        Err(_) => df,
    }
}

/// Samples of captured rows (redacted), when the measure is one captured row-level metric.
pub fn from_captured(
    measure: &Measure,
    captured: &std::collections::BTreeMap<Metric, DataFrame>,
    d: &DatasetPlan,
    n: usize,
) -> Option<Samples> {
    let metrics = row_metrics(measure);
    let [m] = metrics.as_slice() else { return None };
    let df = captured.get(*m)?;
    Some(to_samples(&df.head(Some(n)), &d.redacted))
}

fn offending<'a>(mask: &Expr, schema: &'a DataSchema) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for name in mask.clone().meta().root_names() {
        if let Some((c, _)) = schema.iter().find(|(c, _)| c == name.as_str())
            && !out.contains(&c.as_str())
        {
            out.push(c.as_str());
        }
    }
    out
}

/// Samples up to `n` failing rows of a row-level check (None when the check is not row-level),
/// and writes every failing row to `export` (Parquet) when given.
#[allow(clippy::too_many_arguments)]
pub fn sample(
    lf: &LazyFrame,
    schema: &DataSchema,
    d: &DatasetPlan,
    measure: &Measure,
    frames: &std::collections::BTreeMap<String, LazyFrame>,
    n: usize,
    export: Option<&Path>,
) -> Option<Result<Samples, String>> {
    let metrics = row_metrics(measure);
    if metrics.is_empty() {
        return None;
    }
    tracing::debug!(dataset = %d.name, "sample pass");
    // Duplicates: the duplicated keys with their counts.
    if let [Metric::DuplicateCount { columns }] = metrics.as_slice() {
        let keys: Vec<Expr> = columns.iter().map(|c| lower::column(schema, c).alias(c.as_str())).collect();
        let not_null = columns.iter().map(|c| lower::column(schema, c).is_not_null()).reduce(|a, b| a.and(b))?;
        let duplicated = lf
            .clone()
            .filter(not_null.clone())
            .group_by(keys.clone())
            .agg([len().alias("count")])
            .filter(col("count").gt(lit(1)));
        if let Some(path) = export {
            // Every row whose key is duplicated (all its occurrences), in the data's order.
            let on: Vec<Expr> = columns.iter().map(|c| col(c.as_str())).collect();
            let rows = lf.clone().filter(not_null).with_columns(keys).join(
                duplicated.clone().select(on.clone()),
                on.clone(),
                on,
                JoinArgs::new(JoinType::Semi),
            );
            if let Err(e) = write_export(rows, d, path) {
                return Some(Err(e));
            }
        }
        let q = duplicated
            .sort(columns.iter().map(|c| c.as_str()).collect::<Vec<_>>(), SortMultipleOptions::default())
            .limit(n as u32)
            .collect();
        return Some(q.map(|df| to_samples(&df, &d.redacted)).map_err(|e| e.to_string()));
    }
    // Orphans: the rows whose key has no match.
    if let [Metric::OrphanCount { columns, target, target_columns }] = metrics.as_slice() {
        let target = frames.get(target)?;
        let target_schema = target.clone().collect_schema().map(|s| crate::convert_schema(&s)).unwrap_or_default();
        let keys: Vec<String> = (0..columns.len()).map(|i| format!("__k{i}")).collect();
        let not_null = columns.iter().map(|c| lower::column(schema, c).is_not_null()).reduce(|a, b| a.and(b))?;
        let left = lf.clone().filter(not_null).with_columns(
            columns.iter().zip(&keys).map(|(c, k)| lower::column(schema, c).alias(k.as_str())).collect::<Vec<_>>(),
        );
        let right = target
            .clone()
            .select(
                target_columns
                    .iter()
                    .zip(&keys)
                    .map(|(c, k)| lower::column(&target_schema, c).alias(k.as_str()))
                    .collect::<Vec<_>>(),
            )
            .unique(None, UniqueKeepStrategy::Any);
        let on: Vec<Expr> = keys.iter().map(|k| col(k.as_str())).collect();
        let shown = shown_columns(schema, d, columns.iter().map(String::as_str).collect());
        let q = left.join(right, on.clone(), on, JoinArgs::new(JoinType::Anti)).select(shown);
        return Some(finish(q, d, n, export));
    }
    let mut masks = Vec::new();
    let mut shown: Vec<&str> = Vec::new();
    for m in &metrics {
        match mask(m, schema)? {
            Ok(e) => {
                for c in offending(&e, schema) {
                    if !shown.contains(&c) {
                        shown.push(c);
                    }
                }
                masks.push(e);
            }
            Err(e) => return Some(Err(e)),
        }
    }
    let pred = masks.into_iter().reduce(|a, b| a.or(b))?;
    let q = lf.clone().filter(pred.fill_null(lit(false))).select(shown_columns(schema, d, shown));
    Some(finish(q, d, n, export))
}

/// Key columns (or the first columns when there is no key) then the offending ones.
fn shown_columns(schema: &DataSchema, d: &DatasetPlan, offending: Vec<&str>) -> Vec<Expr> {
    let mut cols: Vec<String> = d.key.iter().filter(|k| lower::find(schema, k).is_some()).cloned().collect();
    if cols.is_empty() {
        // The first columns of the data, never the hidden raw text of a typed CSV column.
        cols.extend(
            schema.iter().filter(|(n, _)| !n.ends_with(crate::source::RAW_SUFFIX)).take(2).map(|(n, _)| n.clone()),
        );
    }
    let mut exprs: Vec<Expr> = cols.iter().map(|c| lower::column(schema, c).alias(c.as_str())).collect();
    for o in offending {
        if let Some(base) = o.strip_suffix(crate::source::RAW_SUFFIX) {
            // A value that does not parse: show it as written.
            exprs.push(col(o).alias(format!("{base} (as written)")));
        } else if !cols.iter().any(|c| c == o) {
            cols.push(o.to_owned());
            exprs.push(col(o));
        }
    }
    exprs
}

fn finish(q: LazyFrame, d: &DatasetPlan, n: usize, export: Option<&Path>) -> Result<Samples, String> {
    if let Some(path) = export {
        write_export(q.clone(), d, path)?;
    }
    let df = q.limit(n as u32).collect().map_err(|e| e.to_string())?;
    Ok(to_samples(&df, &d.redacted))
}

/// Writes every failing row to `path` (Parquet), classified columns redacted like samples
/// (classified values never leave the lake), through a temporary file and a rename: a killed
/// run never leaves a truncated file over a previous good one.
fn write_export(q: LazyFrame, d: &DatasetPlan, path: &Path) -> Result<(), String> {
    let names = q.clone().collect_schema().map_err(|e| e.to_string())?;
    let hide: Vec<Expr> = names
        .iter_names()
        .filter(|n| is_redacted(n.as_str(), &d.redacted))
        .map(|n| lit("***").alias(n.clone()))
        .collect();
    let mut all = q.with_columns(hide).collect().map_err(|e| e.to_string())?;
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| format!("cannot create `{}`: {e}", parent.display()))?;
    let cannot = |e: &dyn std::fmt::Display| format!("cannot write `{}`: {e}", path.display());
    let mut tmp = tempfile::NamedTempFile::new_in(parent).map_err(|e| cannot(&e))?;
    ParquetWriter::new(tmp.as_file_mut()).finish(&mut all).map_err(|e| cannot(&e))?;
    // The usual file mode of a data file, not the temporary file's private one.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644)).map_err(|e| cannot(&e))?;
    }
    tmp.as_file().sync_all().map_err(|e| cannot(&e))?;
    tmp.persist(path).map_err(|e| cannot(&e.error))?;
    Ok(())
}

#[cfg(test)]
mod redaction_tests {
    use super::*;

    #[test]
    fn classified_values_are_hidden_in_every_shown_form() {
        let redacted = vec!["email".to_owned(), "s.secret".to_owned()];
        assert!(is_redacted("email", &redacted));
        assert!(is_redacted("email (as written)", &redacted), "the raw text of a typed CSV column");
        assert!(is_redacted("s", &redacted), "a struct holding a classified field");
        assert!(!is_redacted("emails", &redacted));
        assert!(!is_redacted("id", &redacted));
    }
}
