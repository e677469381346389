//! Metrics: what the engine computes. Hashable and ordered so that checks asking for the
//! same metric share one computation.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

/// An f64 that can be hashed and ordered (by its total order), for use in metric keys.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(transparent)]
pub struct F64(pub f64);

impl PartialEq for F64 {
    fn eq(&self, o: &Self) -> bool {
        self.0.total_cmp(&o.0).is_eq()
    }
}
impl Eq for F64 {}
impl PartialOrd for F64 {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for F64 {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&o.0)
    }
}
impl std::hash::Hash for F64 {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.0.to_bits().hash(h)
    }
}

/// A literal value from a contract (valid values, missing values, enum values).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum Literal {
    /// null / None.
    Null,
    /// A boolean.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A floating point number.
    Float(F64),
    /// Text.
    Str(String),
}

impl Literal {
    /// Converts a JSON value (arrays and objects become their JSON text).
    pub fn from_json(v: &serde_json::Value) -> Literal {
        match v {
            serde_json::Value::Null => Literal::Null,
            serde_json::Value::Bool(b) => Literal::Bool(*b),
            serde_json::Value::Number(n) => match n.as_i64() {
                Some(i) => Literal::Int(i),
                None => Literal::Float(F64(n.as_f64().unwrap_or(f64::NAN))),
            },
            serde_json::Value::String(s) => Literal::Str(s.clone()),
            other => Literal::Str(other.to_string()),
        }
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Null => f.write_str("null"),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Int(i) => write!(f, "{i}"),
            Literal::Float(x) => write!(f, "{}", x.0),
            Literal::Str(s) => write!(f, "'{s}'"),
        }
    }
}

/// Comparison of a value with a bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Cmp {
    /// value >= bound
    Ge,
    /// value > bound
    Gt,
    /// value <= bound
    Le,
    /// value < bound
    Lt,
}

/// A bound of a range rule, typed by the column it applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Bound {
    /// A number.
    Number(F64),
    /// A date, as days since 1970-01-01.
    Date(i32),
    /// A timestamp, as microseconds since the Unix epoch (UTC).
    Timestamp(i64),
}

impl fmt::Display for Bound {
    /// As a contract writes it: a number, `2026-11-25`, `2026-11-25T06:00:00Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Bound::Number(x) => write!(f, "{}", x.0),
            Bound::Date(days) => {
                let (y, m, d) = civil_from_days(i64::from(*days));
                write!(f, "{y:04}-{m:02}-{d:02}")
            }
            Bound::Timestamp(us) => {
                let secs = us.div_euclid(1_000_000);
                let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
                let s = secs.rem_euclid(86_400);
                write!(f, "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", s / 3600, s % 3600 / 60, s % 60)
            }
        }
    }
}

/// (year, month, day) of a count of days since 1970-01-01, proleptic Gregorian (Howard
/// Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl fmt::Display for Validity {
    /// The rule as a contract names it: `pattern ^[a-z]+$`, `>= 0`, `one of ('a', 'b')`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Validity::AllowedValues(v) => {
                let shown: Vec<String> = v.iter().take(10).map(ToString::to_string).collect();
                write!(f, "one of ({}{})", shown.join(", "), if v.len() > 10 { ", ..." } else { "" })
            }
            Validity::Pattern(p) => write!(f, "pattern {p}"),
            Validity::MinLength(n) => write!(f, "minLength {n}"),
            Validity::MaxLength(n) => write!(f, "maxLength {n}"),
            Validity::Format(x) => write!(f, "format {x}"),
            Validity::Bound(cmp, b) => {
                let op = match cmp {
                    Cmp::Ge => ">=",
                    Cmp::Gt => ">",
                    Cmp::Le => "<=",
                    Cmp::Lt => "<",
                };
                write!(f, "{op} {b}")
            }
            Validity::MultipleOf(x) => write!(f, "multipleOf {}", x.0),
            Validity::MinItems(n) => write!(f, "minItems {n}"),
            Validity::MaxItems(n) => write!(f, "maxItems {n}"),
            Validity::UniqueItems => f.write_str("uniqueItems"),
            Validity::Parses => f.write_str("parses as the declared type"),
        }
    }
}

/// One rule a non-null value must satisfy; a value breaking it counts as invalid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Validity {
    /// The value is one of these.
    AllowedValues(Vec<Literal>),
    /// The value matches this regular expression somewhere (unanchored).
    Pattern(String),
    /// At least this many characters.
    MinLength(u64),
    /// At most this many characters.
    MaxLength(u64),
    /// A named string format (email, uuid, uri, hostname, ipv4, ipv6, date, date-time).
    Format(String),
    /// `value <cmp> bound`; NaN is invalid.
    Bound(Cmp, Bound),
    /// The value is a multiple of this number.
    MultipleOf(F64),
    /// A list holds at least this many items.
    MinItems(u64),
    /// A list holds at most this many items.
    MaxItems(u64),
    /// A list holds no item twice.
    UniqueItems,
    /// The raw text parses as the column's declared type (CSV sources).
    Parses,
}

/// Something computed from a dataset.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Metric {
    /// Number of rows.
    RowCount,
    /// Rows where the column is null (NaN is not null).
    NullCount {
        /// The column.
        column: String,
    },
    /// Rows where any of the columns is null.
    NullAnyCount {
        /// The columns.
        columns: Vec<String>,
    },
    /// Rows whose value is one of `values` (`Literal::Null` matches nulls).
    MissingCount {
        /// The column.
        column: String,
        /// The values that count as missing.
        values: Vec<Literal>,
    },
    /// Rows with a non-null value breaking any of `rules`.
    InvalidCount {
        /// The column.
        column: String,
        /// Every rule a value must satisfy.
        rules: Vec<Validity>,
    },
    /// Rows whose key (no column null) repeats a key seen on another row: rows minus
    /// distinct keys, over the rows where no key column is null.
    DuplicateCount {
        /// The key columns.
        columns: Vec<String>,
    },
    /// Latest value of a date or timestamp column, as seconds since the Unix epoch.
    MaxEpoch {
        /// The column.
        column: String,
    },
    /// Earliest value of a date or timestamp column, as seconds since the Unix epoch.
    MinEpoch {
        /// The column.
        column: String,
    },
    /// Largest gap between consecutive distinct values of a date/timestamp column, in seconds.
    MaxGap {
        /// The column.
        column: String,
    },
    /// A scalar SQL query over the contract's datasets.
    Sql {
        /// The query, placeholders resolved.
        query: String,
    },
    /// A column statistic (nulls skipped; see [`Agg`]).
    Aggregate {
        /// The column.
        column: String,
        /// The statistic.
        agg: Agg,
    },
    /// Number of distinct non-null values of the column that are not in `values`.
    DistinctOutside {
        /// The column.
        column: String,
        /// The allowed set.
        values: Vec<Literal>,
    },
    /// Number of `values` that never occur in the column.
    DistinctAbsent {
        /// The column.
        column: String,
        /// The expected set.
        values: Vec<Literal>,
    },
    /// Rows where a boolean SQL expression over the row is false or null.
    RowConditionFailures {
        /// The expression (polars SQL).
        expression: String,
    },
    /// One aggregate SQL expression over the dataset (e.g. `sum(refunds) / sum(amount)`).
    Expression {
        /// The expression (polars SQL).
        expression: String,
    },
    /// Rows that break the order of `column` along `order_by`.
    OrderBreaks {
        /// The ordered column.
        column: String,
        /// The column giving the row order.
        order_by: String,
        /// Decreasing instead of increasing.
        descending: bool,
        /// Equal consecutive values break a strict order.
        strict: bool,
    },
    /// A metric computed over the rows where a SQL predicate holds.
    Filtered {
        /// The predicate (polars SQL).
        filter: String,
        /// The metric.
        metric: Box<Metric>,
    },
    /// A metric computed per group of `keys`: one value per group.
    Grouped {
        /// The grouping columns.
        keys: Vec<String>,
        /// The metric.
        metric: Box<Metric>,
    },
    /// Rows whose key (no column null) has no match in `target`'s `target_columns`.
    OrphanCount {
        /// The foreign key columns of this dataset.
        columns: Vec<String>,
        /// The referenced dataset.
        target: String,
        /// The referenced columns.
        target_columns: Vec<String>,
    },
}

impl Metric {
    /// The columns of this dataset the metric reads.
    pub fn columns(&self) -> Vec<&str> {
        match self {
            Metric::RowCount | Metric::Sql { .. } => Vec::new(),
            Metric::NullCount { column }
            | Metric::MissingCount { column, .. }
            | Metric::InvalidCount { column, .. }
            | Metric::MaxEpoch { column }
            | Metric::MinEpoch { column }
            | Metric::MaxGap { column } => vec![column],
            Metric::NullAnyCount { columns }
            | Metric::DuplicateCount { columns }
            | Metric::OrphanCount { columns, .. } => columns.iter().map(String::as_str).collect(),
            Metric::Aggregate { column, .. }
            | Metric::DistinctOutside { column, .. }
            | Metric::DistinctAbsent { column, .. } => vec![column],
            Metric::OrderBreaks { column, order_by, .. } => vec![column, order_by],
            Metric::RowConditionFailures { .. } | Metric::Expression { .. } => Vec::new(),
            Metric::Filtered { metric, .. } => metric.columns(),
            Metric::Grouped { keys, metric } => {
                let mut v: Vec<&str> = keys.iter().map(String::as_str).collect();
                v.extend(metric.columns());
                v
            }
        }
    }

    /// A short human description, for `--explain` and messages.
    pub fn describe(&self) -> String {
        match self {
            Metric::RowCount => "row count".into(),
            Metric::NullCount { column } => format!("null count of `{column}`"),
            Metric::NullAnyCount { columns } => format!("rows with a null in ({})", columns.join(", ")),
            Metric::MissingCount { column, values } => format!(
                "missing count of `{column}` ({})",
                values.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            ),
            Metric::InvalidCount { column, rules } => format!(
                "invalid count of `{column}` ({})",
                rules.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
            ),
            Metric::DuplicateCount { columns } => format!("duplicate count of ({})", columns.join(", ")),
            Metric::MaxEpoch { column } => format!("max of `{column}`"),
            Metric::MinEpoch { column } => format!("min of `{column}`"),
            Metric::MaxGap { column } => format!("largest gap of `{column}`"),
            Metric::Sql { query } => format!("sql: {}", query.split_whitespace().collect::<Vec<_>>().join(" ")),
            Metric::OrphanCount { columns, target, target_columns } => {
                format!("orphans of ({}) in {target}({})", columns.join(", "), target_columns.join(", "))
            }
            Metric::Aggregate { column, agg } => format!("{} of `{column}`", agg.name()),
            Metric::DistinctOutside { column, .. } => format!("distinct values of `{column}` outside the set"),
            Metric::DistinctAbsent { column, .. } => format!("values of the set absent from `{column}`"),
            Metric::RowConditionFailures { expression } => format!("rows where not ({expression})"),
            Metric::Expression { expression } => format!("expression {expression}"),
            Metric::OrderBreaks { column, order_by, descending, strict } => format!(
                "rows where `{column}` is not {}{} along `{order_by}`",
                if *strict { "strictly " } else { "" },
                if *descending { "decreasing" } else { "increasing" }
            ),
            Metric::Filtered { filter, metric } => format!("{} where {filter}", metric.describe()),
            Metric::Grouped { keys, metric } => format!("{} per ({})", metric.describe(), keys.join(", ")),
        }
    }
}

/// Column statistics (nulls are skipped; NaN is a value: one NaN in a float column makes every
/// numeric statistic NaN, which the engine reports as an error naming the count).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Agg {
    /// Smallest value (dates and timestamps as epoch seconds).
    Min,
    /// Largest value (dates and timestamps as epoch seconds).
    Max,
    /// Arithmetic mean.
    Avg,
    /// Sum.
    Sum,
    /// Sample standard deviation (ddof 1).
    Stddev,
    /// Median (linear interpolation).
    Median,
    /// Quantile `q` in [0, 1] (linear interpolation).
    Quantile(F64),
    /// Number of distinct non-null values.
    DistinctCount,
    /// Distinct non-null values / non-null values.
    DistinctRatio,
    /// Shortest string, in characters.
    MinLength,
    /// Longest string, in characters.
    MaxLength,
    /// Average string length, in characters.
    AvgLength,
    /// Number of rows (for groups).
    Count,
    /// Number of null values.
    NullCount,
}

impl Agg {
    /// The metric name as contracts write it.
    pub fn name(&self) -> String {
        match self {
            Agg::Min => "min".into(),
            Agg::Max => "max".into(),
            Agg::Avg => "avg".into(),
            Agg::Sum => "sum".into(),
            Agg::Stddev => "stddev".into(),
            Agg::Median => "median".into(),
            Agg::Quantile(q) => format!("quantile({})", q.0),
            Agg::DistinctCount => "distinctCount".into(),
            Agg::DistinctRatio => "distinctRatio".into(),
            Agg::MinLength => "minLength".into(),
            Agg::MaxLength => "maxLength".into(),
            Agg::AvgLength => "avgLength".into(),
            Agg::Count => "rowCount".into(),
            Agg::NullCount => "nullCount".into(),
        }
    }
}

/// A computed metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observed {
    /// The number (counts are exact integers below 2^53; NaN when there is no value).
    pub value: f64,
    /// Extra detail for messages (e.g. the first orphan keys).
    pub detail: Option<String>,
    /// Per-group values of a grouped metric: (group key, value), sorted by key.
    pub groups: Option<Vec<(String, f64)>>,
}

impl Observed {
    /// A plain number.
    pub fn num(value: f64) -> Observed {
        Observed { value, detail: None, groups: None }
    }
}

/// A metric value, or why it could not be computed. Failures are data.
pub type MetricValue = Result<Observed, String>;

/// The metrics of one dataset.
pub type MetricMap = BTreeMap<Metric, MetricValue>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_read_as_contracts_write_them() {
        assert_eq!(Validity::Bound(Cmp::Ge, Bound::Number(F64(2500.0))).to_string(), ">= 2500");
        assert_eq!(Validity::Bound(Cmp::Lt, Bound::Date(20_782)).to_string(), "< 2026-11-25");
        assert_eq!(
            Validity::Bound(Cmp::Le, Bound::Timestamp(1_795_672_800_000_000)).to_string(),
            "<= 2026-11-26T06:00:00Z"
        );
        assert_eq!(Bound::Date(-1).to_string(), "1969-12-31");
        let m = Metric::InvalidCount {
            column: "c".into(),
            rules: vec![Validity::AllowedValues(vec![Literal::Str("a".into()), Literal::Int(1)]), Validity::Parses],
        };
        assert_eq!(m.describe(), "invalid count of `c` (one of ('a', 1), parses as the declared type)");
    }
}
