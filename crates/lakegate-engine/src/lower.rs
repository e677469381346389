//! Lowering metrics to polars expressions, with their preconditions checked on the schema.

use lakegate_core::metric::{Bound, Cmp};
use lakegate_core::{Agg, ColumnType, DataSchema, Literal, Metric, Observed, Validity};
use polars::prelude::*;

use crate::source::RAW_SUFFIX;

pub(crate) mod literals;

/// Resolves a column path against the schema: a top-level column of exactly that name wins
/// (`a.b` may be a real column name); otherwise the path descends into struct fields, each
/// step again preferring the longest name that exists (`s.x.y` is field `x.y` of `s` when `s`
/// has one). Returns the expression reading it (named after the path) and its type.
pub fn resolve<'a>(schema: &'a DataSchema, path: &str) -> Option<(Expr, &'a ColumnType)> {
    fn within<'a>(
        fields: &'a [(String, ColumnType)],
        path: &str,
        base: Option<Expr>,
    ) -> Option<(Expr, &'a ColumnType)> {
        let step = |e: Option<Expr>, name: &str| match e {
            None => col(name),
            Some(e) => e.struct_().field_by_name(name),
        };
        if let Some((n, t)) = fields.iter().find(|(n, _)| n == path) {
            return Some((step(base, n), t));
        }
        // The longest prefix naming a struct first: `a.b.c` tries field `a.b`, then `a`.
        for (i, _) in path.match_indices('.').collect::<Vec<_>>().into_iter().rev() {
            let (head, rest) = (&path[..i], &path[i + 1..]);
            if let Some((n, ColumnType::Struct(inner))) = fields.iter().find(|(n, _)| n == head)
                && let Some(found) = within(inner, rest, Some(step(base.clone(), n)))
            {
                return Some(found);
            }
        }
        None
    }
    let (e, t) = within(schema, path, None)?;
    // A struct field is named after its last part: the whole path keeps two of them apart.
    let top = schema.iter().any(|(n, _)| n == path);
    Some((if top { e } else { e.alias(path) }, t))
}

/// Finds a column by path (see [`resolve`]).
pub fn find<'a>(schema: &'a DataSchema, path: &str) -> Option<&'a ColumnType> {
    resolve(schema, path).map(|(_, t)| t)
}

/// The expression reading a column path (see [`resolve`]); a path that is not in the schema
/// reads the column of that exact name, so that the error names the whole path.
pub fn column(schema: &DataSchema, path: &str) -> Expr {
    resolve(schema, path).map_or_else(|| col(path), |(e, _)| e)
}

fn column_checked<'a>(schema: &'a DataSchema, path: &str) -> Result<(Expr, &'a ColumnType), String> {
    resolve(schema, path).ok_or_else(|| format!("column `{path}` not found in the data"))
}

/// A numeric column as f64; no cast node when it already is one (a no-op cast made polars add a
/// common-subexpression stage that split the frame by chunk before the select).
fn f64_of(e: Expr, t: &ColumnType) -> Expr {
    if *t == ColumnType::Float(64) { e } else { e.cast(DataType::Float64) }
}

fn count(mask: Expr) -> Expr {
    mask.sum()
}

/// Seconds since the Unix epoch of a date or timestamp expression.
fn epoch_seconds(e: Expr, t: &ColumnType) -> Result<Expr, String> {
    match t {
        ColumnType::Date => Ok(e.cast(DataType::Int32).cast(DataType::Float64) * lit(86_400.0)),
        ColumnType::Timestamp { .. } => {
            Ok(e.dt().timestamp(TimeUnit::Microseconds).cast(DataType::Float64) / lit(1_000_000.0))
        }
        other => Err(format!("needs a date or timestamp column, found {}", other.name())),
    }
}

/// The expression computing `m` (one value per dataset), or why it cannot be computed.
pub fn expr(m: &Metric, schema: &DataSchema) -> Result<Expr, String> {
    match m {
        Metric::RowCount => Ok(len()),
        Metric::NullCount { column } => Ok(column_checked(schema, column)?.0.null_count()),
        // Row-level counts are the sum of their violation mask: one definition for the count,
        // the failing-row samples and the in-scan capture.
        Metric::NullAnyCount { .. }
        | Metric::MissingCount { .. }
        | Metric::InvalidCount { .. }
        | Metric::RowConditionFailures { .. } => match violation_mask(m, schema) {
            Some(mask) => Ok(count(mask?)),
            None => Err("not a row-level metric".into()),
        },
        Metric::DuplicateCount { columns } => {
            let mut exprs = Vec::new();
            for c in columns {
                exprs.push(column_checked(schema, c)?.0);
            }
            if exprs.len() == 1 {
                let e = exprs.remove(0);
                Ok(e.clone().drop_nulls().len() - e.drop_nulls().n_unique())
            } else {
                let mask = exprs.iter().cloned().map(|e| e.is_not_null()).reduce(|a, b| a.and(b)).unwrap_or(lit(true));
                let key = as_struct(exprs).filter(mask.clone());
                Ok(count(mask).cast(DataType::Int64) - key.n_unique().cast(DataType::Int64))
            }
        }
        Metric::MaxEpoch { column } => {
            let (e, t) = column_checked(schema, column)?;
            epoch_seconds(e.max(), t)
        }
        Metric::MinEpoch { column } => {
            let (e, t) = column_checked(schema, column)?;
            epoch_seconds(e.min(), t)
        }
        Metric::MaxGap { column } => {
            let (e, t) = column_checked(schema, column)?;
            let secs = epoch_seconds(e, t)?;
            Ok(secs.drop_nulls().unique().sort(SortOptions::default()).diff(lit(1), Default::default()).max())
        }
        Metric::Aggregate { column, agg } => aggregate(column, *agg, schema),
        Metric::DistinctOutside { column, values } => {
            let (e, t) = column_checked(schema, column)?;
            let set: Vec<&Literal> = values.iter().filter(|v| **v != Literal::Null).collect();
            let outside = in_list(e.clone(), t, &set).not().fill_null(lit(false));
            Ok(e.filter(outside).drop_nulls().n_unique())
        }
        Metric::DistinctAbsent { column, values } => {
            let (e, t) = column_checked(schema, column)?;
            let mut set: Vec<&Literal> = values.iter().filter(|v| **v != Literal::Null).collect();
            set.sort();
            set.dedup();
            let present = e.clone().filter(in_list(e, t, &set).fill_null(lit(false))).drop_nulls().n_unique();
            Ok(lit(set.len() as i64) - present.cast(DataType::Int64))
        }
        Metric::Expression { expression } => sql_expression(expression, schema),
        Metric::OrderBreaks { column, order_by, descending, strict } => {
            let (e, t) = column_checked(schema, column)?;
            let (o, _) = column_checked(schema, order_by)?;
            let x = if t.is_temporal() {
                epoch_seconds(e, t)?
            } else if t.is_numeric() {
                f64_of(e, t)
            } else {
                return Err(format!("order needs a numeric, date or timestamp column, found {}", t.name()));
            };
            let d = x.sort_by([o], SortMultipleOptions::default()).diff(lit(1), Default::default());
            let broken = match (descending, strict) {
                (false, false) => d.lt(lit(0.0)),
                (false, true) => d.lt_eq(lit(0.0)),
                (true, false) => d.gt(lit(0.0)),
                (true, true) => d.gt_eq(lit(0.0)),
            };
            Ok(count(broken.fill_null(lit(false))))
        }
        Metric::Sql { .. } | Metric::OrphanCount { .. } | Metric::Filtered { .. } | Metric::Grouped { .. } => {
            Err("computed by its own query".into())
        }
    }
}

/// Parses a polars SQL expression, checks that the columns it names exist, and reads a string
/// literal compared with a date or timestamp column as a value of the column's type, as SQL
/// does (`dt = '2026-11-25'`, `ts >= '2013-01-01 05:00:00'`, `BETWEEN`, `IN`; see
/// `lower/literals.rs`). A literal that is not a date or timestamp is an error naming it.
pub fn sql_expression(text: &str, schema: &DataSchema) -> Result<Expr, String> {
    let size = check_size(text)?;
    let parse = || -> Result<Expr, String> {
        crate::sql_guard::check_expression(text).map_err(|why| format!("cannot read `{text}`: {why}"))?;
        polars::sql::sql_expr(text)
            .map_err(|e| format!("cannot read `{text}`: {}", e.to_string().lines().next().unwrap_or("")))
    };
    let e = if size.operators + size.nesting > 32 { deep_stack(parse)? } else { parse()? };
    for name in e.clone().meta().root_names() {
        if find(schema, name.as_str()).is_none() {
            return Err(format!("column `{name}` of `{text}` not found in the data"));
        }
    }
    literals::typed(e, schema).map_err(|why| format!("`{text}`: {why}"))
}

/// The most operators an expression or SQL query may hold: polars and sqlparser read and plan
/// an expression recursively, one stack frame per operator of a chain (`a AND b AND ...`), so a
/// longer one would overflow the stack and abort the process.
pub const MAX_OPERATORS: usize = 500;

/// The deepest nesting of parentheses an expression or SQL query may hold (the parser of
/// `lakegate lint` refuses deeper ones too).
pub const MAX_NESTING: usize = 24;

/// The stack size of the thread reading a long expression or query (reserved, not committed:
/// only the pages a deep expression touches are used).
const DEEP_STACK: usize = 256 << 20;

/// How large a SQL text is: its operators and its deepest nesting of parentheses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SqlSize {
    /// Binary and unary operators (`AND`, `OR`, `NOT`, `+`, `||`, `=`, ...) outside literals.
    pub operators: usize,
    /// The deepest nesting of parentheses.
    pub nesting: usize,
}

/// Measures a SQL expression or query without parsing it (strings, quoted names and comments
/// are skipped), and refuses one whose operators or nesting exceed [`MAX_OPERATORS`] or
/// [`MAX_NESTING`], with an error quoting its start: reading it would overflow the stack.
pub fn check_size(text: &str) -> Result<SqlSize, String> {
    let size = measure(text);
    let quoted = || {
        let start: String = text.chars().take(60).collect();
        if start.len() < text.len() { format!("`{start}...`") } else { format!("`{start}`") }
    };
    if size.operators > MAX_OPERATORS {
        return Err(format!(
            "{} is too long to read: {} operators, at most {MAX_OPERATORS} (split it into shorter ones)",
            quoted(),
            size.operators
        ));
    }
    if size.nesting > MAX_NESTING {
        return Err(format!(
            "{} is nested too deeply: {} levels of parentheses, at most {MAX_NESTING}",
            quoted(),
            size.nesting
        ));
    }
    Ok(size)
}

fn measure(text: &str) -> SqlSize {
    let b = text.as_bytes();
    let mut size = SqlSize::default();
    let mut depth = 0usize;
    let mut i = 0;
    // Skips to just after the byte `close`, treating a doubled one as an escape ('it''s').
    let skip_quoted = |mut j: usize, close: u8| -> usize {
        while j < b.len() {
            if b[j] == close {
                if b.get(j + 1) == Some(&close) {
                    j += 2;
                    continue;
                }
                return j + 1;
            }
            j += 1;
        }
        j
    };
    while i < b.len() {
        let c = b[i];
        match c {
            b'\'' | b'"' | b'`' => i = skip_quoted(i + 1, c),
            b'[' => i = skip_quoted(i + 1, b']'),
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
            }
            b'(' => {
                depth += 1;
                size.nesting = size.nesting.max(depth);
                i += 1;
            }
            b')' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'=' | b'<' | b'>' | b'!' | b'|' | b'&' | b'^' | b'~' => {
                // A run of operator characters (`<=`, `||`, `<>`) is one operator.
                size.operators += 1;
                i += 1;
                while i < b.len() && matches!(b[i], b'=' | b'<' | b'>' | b'|' | b'&') {
                    i += 1;
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80) {
                    i += 1;
                }
                let word = &text[start..i];
                if ["and", "or", "not", "xor", "is", "in", "like", "ilike", "between", "when"]
                    .iter()
                    .any(|k| word.eq_ignore_ascii_case(k))
                {
                    size.operators += 1;
                }
            }
            _ => i += 1,
        }
    }
    size
}

/// Runs `f` on a thread with a large stack (for reading long expressions and queries): an
/// error when no thread can be started.
pub fn deep_stack<T: Send>(f: impl FnOnce() -> Result<T, String> + Send) -> Result<T, String> {
    std::thread::scope(|s| match std::thread::Builder::new().stack_size(DEEP_STACK).spawn_scoped(s, f) {
        Ok(handle) => handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
        Err(e) => Err(format!("cannot start a thread to read a long expression: {e}")),
    })
}

/// Whether `sum` and `avg` of a column are computed exactly, on 128-bit integers: integer
/// columns, and boolean ones (true is 1: the sum counts true values, the mean is their share).
pub fn exact_sum(column: &str, schema: &DataSchema) -> bool {
    matches!(find(schema, column), Some(ColumnType::Int(_) | ColumnType::UInt(_) | ColumnType::Boolean))
}

/// The largest decimal scale whose `sum` and `avg` lakegate computes exactly (10^scale fits
/// an i64).
const MAX_EXACT_SCALE: usize = 18;

/// The scale of a decimal column whose `sum` and `avg` are exact (decimal arithmetic: `0.10 +
/// 0.20` is `0.30`, where f64 gives 0.30000000000000004), when it has one of at most 18.
pub fn decimal_scale(column: &str, schema: &DataSchema) -> Option<u32> {
    match find(schema, column) {
        Some(ColumnType::Decimal(_, Some(s))) if *s <= MAX_EXACT_SCALE => Some(*s as u32),
        _ => None,
    }
}

/// The parts of decimals that add up exactly as 128-bit integers: the integer parts, and the
/// fractions times 10^scale (the unscaled sum is `integers * 10^scale + fractions`).
pub fn decimal_parts(x: Expr, scale: u32) -> (Expr, Expr) {
    let int = x.clone().cast(DataType::Int128);
    let frac = ((x - int.clone()) * lit(10i64.pow(scale))).cast(DataType::Int128);
    (int, frac)
}

/// The unscaled sum of decimals (128-bit, exact below 1.7e38).
fn decimal_unscaled_sum(x: Expr, scale: u32) -> Expr {
    let (int, frac) = decimal_parts(x, scale);
    int.sum() * lit(10i64.pow(scale)) + frac.sum()
}

/// The mean of integers from their exact sum and count: `q + r / n` with `q`, `r` the floored
/// quotient and remainder of `sum / n`, so the one rounding is in the fraction (an f64 sum
/// loses units above 2^53 before dividing). Null when `n` is 0.
pub fn exact_mean(sum: Expr, n: Expr) -> Expr {
    let n = n.cast(DataType::Int128);
    let q = sum.clone().floor_div(n.clone());
    let r = sum - q.clone() * n.clone();
    let mean = q.cast(DataType::Float64) + r.cast(DataType::Float64) / n.clone().cast(DataType::Float64);
    when(n.eq(lit(0i64))).then(lit(NULL).cast(DataType::Float64)).otherwise(mean)
}

/// The values an aggregate reads, before aggregation: numbers as f64 (integers and booleans as
/// 128-bit integers for `sum` and `avg`, see [`exact_sum`]; decimals as decimals for them, see
/// [`decimal_scale`]), string lengths as f64, dates and
/// timestamps as epoch seconds for min and max; the raw column for counts.
pub fn operand(column: &str, agg: Agg, schema: &DataSchema) -> Result<Expr, String> {
    let (e, t) = column_checked(schema, column)?;
    if matches!(agg, Agg::Sum | Agg::Avg) && exact_sum(column, schema) {
        return Ok(e.cast(DataType::Int128));
    }
    if matches!(agg, Agg::Sum | Agg::Avg) && decimal_scale(column, schema).is_some() {
        return Ok(e);
    }
    let numeric = |what: &str| -> Result<Expr, String> {
        if t.is_numeric() {
            Ok(f64_of(e.clone(), t))
        } else {
            Err(format!("{what} needs a numeric column, found {}", t.name()))
        }
    };
    let lengths = |what: &str| -> Result<Expr, String> {
        need_string(t, what)?;
        Ok(e.clone().str().len_chars().cast(DataType::Float64))
    };
    match agg {
        Agg::Min | Agg::Max if t.is_temporal() => epoch_seconds(e.clone(), t),
        Agg::Min | Agg::Max | Agg::Avg | Agg::Sum | Agg::Stddev | Agg::Median | Agg::Quantile(_) => {
            numeric(if matches!(agg, Agg::Quantile(_)) { "quantile".into() } else { agg.name() }.as_str())
        }
        Agg::MinLength | Agg::MaxLength | Agg::AvgLength => lengths(&agg.name()),
        Agg::DistinctCount | Agg::DistinctRatio | Agg::Count | Agg::NullCount => Ok(e),
    }
}

/// The statistics that read a column's numbers (not its lengths, counts or distinct values).
fn numeric_statistic(agg: Agg) -> bool {
    matches!(agg, Agg::Min | Agg::Max | Agg::Avg | Agg::Sum | Agg::Stddev | Agg::Median | Agg::Quantile(_))
}

/// Whether a column can hold NaN (floats; decimals and integers cannot).
fn holds_nan(schema: &DataSchema, column: &str) -> bool {
    matches!(find(schema, column), Some(ColumnType::Float(_)))
}

/// The NaN rule for statistics: NaN is a value, not null, and a statistic over a column
/// holding one is undefined. polars skips NaN in min and max but not in sum or mean, and
/// sorts it last for medians and quantiles; here every numeric statistic of a float column is
/// NaN as soon as one value is NaN (made an error naming the count by [`nan_values`]).
fn nan_guard(x: Expr, stat: Expr) -> Expr {
    when(x.is_nan().sum().gt(lit(0))).then(lit(f64::NAN)).otherwise(stat.cast(DataType::Float64))
}

fn aggregate(column: &str, agg: Agg, schema: &DataSchema) -> Result<Expr, String> {
    let x = operand(column, agg, schema)?;
    if numeric_statistic(agg) && holds_nan(schema, column) {
        return Ok(nan_guard(x.clone(), statistic(x, agg, column, schema)));
    }
    Ok(statistic(x, agg, column, schema))
}

/// Why a metric whose value is NaN has none: its column holds NaN values (the NaN rule), as
/// an error naming their count; otherwise the value as it is (no rows, only nulls).
pub fn nan_values(lf: &LazyFrame, schema: &DataSchema, m: &Metric, o: Observed) -> Result<Observed, String> {
    let Metric::Aggregate { column, agg } = m else {
        return Ok(o);
    };
    if !o.value.is_nan() || !numeric_statistic(*agg) || !holds_nan(schema, column) {
        return Ok(o);
    }
    let (e, _) = column_checked(schema, column)?;
    let n = lf
        .clone()
        .select([e.is_nan().sum().cast(DataType::Float64).alias("n")])
        .collect()
        .ok()
        .and_then(|df| df.column("n").ok()?.f64().ok()?.get(0))
        .unwrap_or(0.0);
    if n == 0.0 {
        return Ok(o);
    }
    let values = if n == 1.0 { "value" } else { "values" };
    Err(format!(
        "{} NaN {values} in `{column}`: its {} is undefined (NaN is a value, not null; leave NaN out with \
         `where: \"{column} <= CAST('inf' AS DOUBLE)\"`, or fix the data)",
        n as u64,
        agg.name()
    ))
}

fn statistic(x: Expr, agg: Agg, column: &str, schema: &DataSchema) -> Expr {
    match agg {
        Agg::Min | Agg::MinLength => x.min(),
        Agg::Max | Agg::MaxLength => x.max(),
        Agg::Avg if exact_sum(column, schema) => exact_mean(x.clone().sum(), x.count()),
        // Decimals: the exact unscaled sum (and its exact mean), scaled once; the sliced merge
        // (merge.rs) computes the same numbers the same way.
        Agg::Sum | Agg::Avg if decimal_scale(column, schema).is_some() => {
            let scale = decimal_scale(column, schema).unwrap_or(0);
            let unscaled = decimal_unscaled_sum(x.clone(), scale);
            let value =
                if agg == Agg::Sum { unscaled.cast(DataType::Float64) } else { exact_mean(unscaled, x.count()) };
            value / lit(10f64.powi(scale as i32))
        }
        Agg::Avg | Agg::AvgLength => x.mean(),
        Agg::Sum => x.sum(),
        Agg::Stddev => x.std(1),
        Agg::Median => x.median(),
        Agg::Quantile(q) => x.quantile(lit(q.0), QuantileMethod::Linear),
        Agg::DistinctCount => x.drop_nulls().n_unique(),
        Agg::DistinctRatio => {
            x.clone().drop_nulls().n_unique().cast(DataType::Float64) / x.drop_nulls().len().cast(DataType::Float64)
        }
        Agg::Count => len(),
        Agg::NullCount => x.null_count(),
    }
}

/// The rows a row-level metric counts as violations (for failing-row samples), when it has one.
pub fn violation_mask(m: &Metric, schema: &DataSchema) -> Option<Result<Expr, String>> {
    Some(match m {
        Metric::NullCount { column } => column_checked(schema, column).map(|(e, _)| e.is_null()),
        Metric::NullAnyCount { columns } => columns
            .iter()
            .map(|c| column_checked(schema, c).map(|(e, _)| e.is_null()))
            .collect::<Result<Vec<_>, _>>()
            .map(|v| v.into_iter().reduce(|a, b| a.or(b)).unwrap_or(lit(false))),
        Metric::MissingCount { column, values } => column_checked(schema, column).map(|(e, t)| {
            let mut mask = if values.contains(&Literal::Null) { e.clone().is_null() } else { lit(false) };
            let non_null: Vec<&Literal> = values.iter().filter(|v| **v != Literal::Null).collect();
            if !non_null.is_empty() {
                mask = mask.or(in_list(e.clone(), t, &non_null).fill_null(lit(false)));
            }
            if matches!(t, ColumnType::Float(_))
                && values.iter().any(|v| matches!(v, Literal::Str(s) if s.eq_ignore_ascii_case("nan")))
            {
                mask = mask.or(e.is_nan().fill_null(lit(false)));
            }
            mask
        }),
        Metric::InvalidCount { column, rules } if matches!(rules.as_slice(), [Validity::Parses]) => {
            column_checked(schema, column).map(|(typed, _)| {
                let raw = format!("{column}{RAW_SUFFIX}");
                if find(schema, &raw).is_none() {
                    // The source already had a typed column: nothing was parsed, nothing failed.
                    lit(false)
                } else {
                    col(raw).is_not_null().and(typed.is_null())
                }
            })
        }
        Metric::InvalidCount { column, rules } => column_checked(schema, column).and_then(|(e, t)| {
            let mut valid = lit(true);
            for r in rules {
                valid = valid.and(validity(column, e.clone(), t, r)?);
            }
            Ok(e.is_not_null().and(valid.not().fill_null(lit(true))))
        }),
        Metric::DuplicateCount { columns } => {
            columns.iter().map(|c| column_checked(schema, c).map(|(e, _)| e)).collect::<Result<Vec<_>, _>>().map(
                |exprs| {
                    let not_null =
                        exprs.iter().cloned().map(|e| e.is_not_null()).reduce(|a, b| a.and(b)).unwrap_or(lit(true));
                    not_null.and(as_struct(exprs).is_duplicated())
                },
            )
        }
        Metric::RowConditionFailures { expression } => {
            sql_expression(expression, schema).map(|c| c.not().fill_null(lit(true)))
        }
        _ => return None,
    })
}

fn in_list(e: Expr, t: &ColumnType, values: &[&Literal]) -> Expr {
    if matches!(t, ColumnType::Date | ColumnType::Timestamp { .. }) {
        // Dates and timestamps compare as values of the column's type (`'2013-01-01 05:00'`
        // equals a timestamp whatever its text form); a literal that is neither compares as text.
        let mut any: Option<Expr> = None;
        let mut text: Vec<&Literal> = Vec::new();
        for l in values {
            match l {
                Literal::Str(s) => match literals::equals(e.clone(), "value", t, s) {
                    Ok(eq) => any = Some(any.map_or(eq.clone(), |a| a.or(eq))),
                    Err(_) => text.push(l),
                },
                _ => text.push(l),
            }
        }
        if let Some(typed) = any {
            return if text.is_empty() {
                typed
            } else {
                typed.or(in_list(e.cast(DataType::String), &ColumnType::String, &text))
            };
        }
    }
    let series = match t {
        ColumnType::Int(_) | ColumnType::UInt(_) => {
            let v: Vec<i64> = values
                .iter()
                .filter_map(|l| match l {
                    Literal::Int(i) => Some(*i),
                    Literal::Float(f) if f.0.fract() == 0.0 => Some(f.0 as i64),
                    Literal::Str(s) => s.trim().parse().ok(),
                    _ => None,
                })
                .collect();
            return e.cast(DataType::Int64).is_in(lit(Series::new("v".into(), v)).implode(false), false);
        }
        ColumnType::Float(_) | ColumnType::Decimal(..) => {
            let v: Vec<f64> = values
                .iter()
                .filter_map(|l| match l {
                    Literal::Int(i) => Some(*i as f64),
                    Literal::Float(f) => Some(f.0),
                    Literal::Str(s) => s.trim().parse().ok(),
                    _ => None,
                })
                .collect();
            return e.cast(DataType::Float64).is_in(lit(Series::new("v".into(), v)).implode(false), false);
        }
        ColumnType::Boolean => {
            let v: Vec<bool> = values
                .iter()
                .filter_map(|l| match l {
                    Literal::Bool(b) => Some(*b),
                    _ => None,
                })
                .collect();
            return e.is_in(lit(Series::new("v".into(), v)).implode(false), false);
        }
        _ => {
            let v: Vec<String> = values
                .iter()
                .map(|l| match l {
                    Literal::Str(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            Series::new("v".into(), v)
        }
    };
    let e = if matches!(t, ColumnType::String) { e } else { e.cast(DataType::String) };
    e.is_in(lit(series).implode(false), false)
}

pub use lakegate_core::format_regex;

fn need_string(t: &ColumnType, what: &str) -> Result<(), String> {
    match t {
        ColumnType::String => Ok(()),
        other => Err(format!("{what} needs a string column, found {}", other.name())),
    }
}

fn validity(column: &str, e: Expr, t: &ColumnType, r: &Validity) -> Result<Expr, String> {
    Ok(match r {
        Validity::AllowedValues(values) => {
            let non_null: Vec<&Literal> = values.iter().filter(|v| **v != Literal::Null).collect();
            in_list(e, t, &non_null)
        }
        Validity::Pattern(p) => {
            need_string(t, "pattern")?;
            regex_check(p)?;
            crate::pattern::matches(e, p)
        }
        Validity::MinLength(n) => {
            need_string(t, "minLength")?;
            e.str().len_chars().gt_eq(lit(*n))
        }
        Validity::MaxLength(n) => {
            need_string(t, "maxLength")?;
            e.str().len_chars().lt_eq(lit(*n))
        }
        Validity::Format(f) => {
            need_string(t, "format")?;
            let re = format_regex(f).ok_or_else(|| format!("format `{f}` is not checked"))?;
            let m = crate::pattern::matches(e.clone(), re);
            if f == "hostname" { m.and(e.str().len_chars().lt_eq(lit(253u32))) } else { m }
        }
        Validity::Bound(cmp, b) => {
            let (lhs, rhs, nan_check) = match (b, t) {
                (Bound::Number(x), t) if t.is_numeric() => {
                    (f64_of(e.clone(), t), lit(x.0), matches!(t, ColumnType::Float(_)))
                }
                (Bound::Date(d), ColumnType::Date) => (e.clone().cast(DataType::Int32), lit(*d), false),
                (Bound::Timestamp(us), ColumnType::Timestamp { .. }) => {
                    (e.clone().dt().timestamp(TimeUnit::Microseconds), lit(*us), false)
                }
                (Bound::Timestamp(us), ColumnType::Date) => {
                    (e.clone().cast(DataType::Int32).cast(DataType::Int64) * lit(86_400_000_000i64), lit(*us), false)
                }
                (b, t) => return Err(format!("bound {b} cannot be compared with a {} column", t.name())),
            };
            let c = match cmp {
                Cmp::Ge => lhs.gt_eq(rhs),
                Cmp::Gt => lhs.gt(rhs),
                Cmp::Le => lhs.lt_eq(rhs),
                Cmp::Lt => lhs.lt(rhs),
            };
            // NaN is invalid for a numeric range.
            if nan_check { c.and(e.is_nan().not()) } else { c }
        }
        Validity::MultipleOf(m) => {
            if !t.is_numeric() {
                return Err(format!("multipleOf needs a numeric column, found {}", t.name()));
            }
            let m = m.0;
            if matches!(t, ColumnType::Int(_) | ColumnType::UInt(_)) && m.fract() == 0.0 {
                (e.cast(DataType::Int64) % lit(m as i64)).eq(lit(0i64))
            } else {
                let x = e.cast(DataType::Float64);
                let r = ((x.clone() % lit(m)) + lit(m)) % lit(m);
                let eps = lit(1e-9 * m.abs());
                r.clone().lt_eq(eps.clone()).or((lit(m.abs()) - r).lt_eq(eps))
            }
        }
        Validity::MinItems(n) | Validity::MaxItems(n) => {
            if !matches!(t, ColumnType::List(_)) {
                return Err(format!("minItems/maxItems need a list column, found {}", t.name()));
            }
            let l = e.list().len();
            if matches!(r, Validity::MinItems(_)) { l.gt_eq(lit(*n)) } else { l.lt_eq(lit(*n)) }
        }
        Validity::UniqueItems => {
            if !matches!(t, ColumnType::List(_)) {
                return Err(format!("uniqueItems needs a list column, found {}", t.name()));
            }
            e.clone().list().len().eq(e.list().eval(element().unique()).list().len())
        }
        Validity::Parses => return Err(format!("a parse check on `{column}` must stand alone")),
    })
}

/// Checks a pattern's syntax (the `regex` crate's, which polars and the DFA use): an invalid
/// one would fail the whole select, so it is reported here, for this metric only. The empty
/// pattern is valid and matches every string, as in every regex engine.
fn regex_check(p: &str) -> Result<(), String> {
    regex_automata::util::syntax::parse(p).map(|_| ()).map_err(|e| {
        let why = e.to_string();
        let last = why.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_owned();
        format!("invalid pattern `{p}`: {last}")
    })
}

#[cfg(test)]
mod size_tests {
    use super::*;

    #[test]
    fn operators_are_counted_outside_literals_and_comments() {
        let s = measure("a >= 1 AND (b <> 'x AND y + z' OR NOT c) -- and + or\n AND \"a+b\" || d /* + */");
        // >=, AND, <>, OR, NOT, AND, ||
        assert_eq!(s, SqlSize { operators: 7, nesting: 1 });
        assert_eq!(measure("f(g(h(x)))").nesting, 3);
        assert_eq!(measure("brand = 'it''s + ok'").operators, 1);
    }

    #[test]
    fn long_or_deep_text_is_refused_with_its_start() {
        let long = vec!["x"; MAX_OPERATORS + 2].join(" + ");
        let why = check_size(&long).expect_err("too long");
        assert!(why.starts_with("`x + x") && why.contains("operators, at most"), "{why}");
        assert!(why.len() < 200, "{why}");
        let deep = format!("{}x{}", "(".repeat(MAX_NESTING + 1), ")".repeat(MAX_NESTING + 1));
        assert!(check_size(&deep).expect_err("too deep").contains("nested too deeply"));
        assert!(check_size(&vec!["x"; MAX_OPERATORS + 1].join(" + ")).is_ok());
    }
}

#[cfg(test)]
mod resolve_tests {
    use super::*;

    fn frame() -> (DataFrame, DataSchema) {
        let s = StructChunked::from_series(
            "s".into(),
            2,
            [Series::new("x".into(), [1i64, 2]), Series::new("x.y".into(), [3i64, 4])].iter(),
        )
        .expect("struct")
        .into_series();
        let df = DataFrame::new(
            2,
            vec![Column::new("a.b".into(), [5i64, 6]), Column::new("a".into(), [7i64, 8]), s.into_column()],
        )
        .expect("frame");
        let schema = crate::convert_schema(df.schema());
        (df, schema)
    }

    fn first(df: &DataFrame, schema: &DataSchema, path: &str) -> i64 {
        let out = df.clone().lazy().select([column(schema, path).sum()]).collect().expect(path);
        out.columns()[0].i64().expect("i64").get(0).expect("value")
    }

    #[test]
    fn an_exact_name_wins_then_struct_fields_longest_first() {
        let (df, schema) = frame();
        assert_eq!(first(&df, &schema, "a.b"), 11);
        assert_eq!(first(&df, &schema, "a"), 15);
        assert_eq!(first(&df, &schema, "s.x"), 3);
        assert_eq!(first(&df, &schema, "s.x.y"), 7);
        assert!(find(&schema, "s.z").is_none() && find(&schema, "a.c").is_none());
        // Two fields of one name stay apart (the kernels take them as one struct).
        let both = df.clone().lazy().select([as_struct(vec![column(&schema, "s.x"), column(&schema, "a")])]).collect();
        assert!(both.is_ok(), "{both:?}");
    }
}
