//! Lowering the metric plan of a dataset to SQL: one aggregate query for every scan-shareable
//! metric, one `GROUP BY` per key set for duplicates and distinct counts, anti-joins for
//! relationships, window queries for gaps and orders, the contract's SQL rules as written.
//!
//! The semantics are the embedded engine's (crates/lakegate-engine/src/lower.rs), metric by
//! metric; where a dialect cannot compute one faithfully, the metric is errored "not supported
//! on <engine>: <reason>". The match over [`Metric`] is exhaustive on purpose.

use lakegate_core::format_regex;
use std::collections::{BTreeMap, BTreeSet};

use lakegate_core::metric::{Bound, Cmp};
use lakegate_core::{Agg, ColumnType, DataSchema, Literal, Metric, Validity};

use crate::backend::Dialect;
use crate::expr::{quote, render_expression, render_query, string};

/// How a metric's value is read from its query's columns.
#[derive(Debug, Clone, PartialEq)]
pub enum Decode {
    /// One column: a number (null: NaN, no value).
    Number,
    /// Two columns: the statistic and the count of NaN values of `column` (the NaN rule: a
    /// statistic over NaN is an error naming their count).
    NanChecked {
        /// The column.
        column: String,
        /// The statistic.
        agg: Agg,
    },
    /// Two columns: distinct keys and non-null rows; the value is `f` of them.
    Keys(KeyValue),
    /// One column: the values of the set present in the column; the value is `n` minus it.
    Absent(usize),
    /// One column of a SQL rule: null is an error.
    Scalar,
}

/// What a key-set metric takes from (distinct keys, non-null rows).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeyValue {
    /// Rows minus distinct keys.
    Duplicates,
    /// Distinct keys.
    Distinct,
    /// Distinct keys / rows (NaN without rows).
    Ratio,
}

/// One query and the metrics it answers.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The SQL text.
    pub sql: String,
    /// The metrics, each with how its value is read and its first column.
    pub metrics: Vec<(Metric, Decode, usize)>,
    /// For a grouped query: the number of key columns leading each row (one value per group).
    pub group_keys: Option<usize>,
}

/// The suffix of the text column a backend keeps beside a column it parsed (as the embedded
/// engine's `lakegate_engine::source::RAW_SUFFIX`).
pub const RAW_SUFFIX: &str = "\u{1}raw";

/// The queries of one dataset, and the metrics that cannot be lowered (with why).
#[derive(Debug, Clone, Default)]
pub struct Lowered {
    /// The queries, the aggregate query first.
    pub queries: Vec<Query>,
    /// Metrics errored before any query runs.
    pub errors: Vec<(Metric, String)>,
}

/// Everything the lowering needs to know about a dataset and its engine.
pub struct Ctx<'a> {
    /// The dialect.
    pub dialect: Dialect,
    /// The engine in messages (`postgres`, `redshift`, `spark`).
    pub engine: &'a str,
    /// The relation's columns.
    pub schema: &'a DataSchema,
    /// The dataset's FROM item (its relation, or a subquery under `--where`).
    pub from: &'a str,
    /// Every dataset of the contract this engine reads: name -> FROM item (SQL rules,
    /// relationships).
    pub tables: &'a BTreeMap<String, String>,
    /// Columns the backend parsed from text, each beside its text as `<column>\u{1}raw` in
    /// the relation (not in `schema`): CSV and JSON values and hive folder values on Spark.
    pub parsed: &'a BTreeSet<String>,
}

impl Ctx<'_> {
    fn q(&self, c: &str) -> String {
        quote(c, self.dialect)
    }

    fn s(&self, v: &str) -> String {
        string(v, self.dialect)
    }

    fn unsupported(&self, why: &str) -> String {
        format!("not supported on {}: {why}", self.engine)
    }

    fn column(&self, c: &str) -> Result<(String, &ColumnType), String> {
        match self.schema.iter().find(|(n, _)| n == c) {
            Some((n, t)) => Ok((self.q(n), t)),
            None if c.contains('.') => Err(self.unsupported(&format!("struct field `{c}`"))),
            None => Err(format!("column `{c}` not found in the data")),
        }
    }

    /// Rows where `mask` holds, counted (0 without rows).
    pub fn count_if(&self, mask: &str) -> String {
        match self.dialect {
            Dialect::Postgres => format!("count(*) FILTER (WHERE {mask})"),
            // Redshift has no FILTER clause on aggregates.
            Dialect::Redshift | Dialect::Spark => format!("count(CASE WHEN {mask} THEN 1 END)"),
        }
    }

    fn double(&self, x: &str) -> String {
        match self.dialect {
            Dialect::Spark => format!("CAST({x} AS DOUBLE)"),
            _ => format!("CAST({x} AS DOUBLE PRECISION)"),
        }
    }

    fn text(&self, x: &str) -> String {
        match self.dialect {
            Dialect::Postgres => format!("CAST({x} AS TEXT)"),
            Dialect::Redshift => format!("CAST({x} AS VARCHAR(65535))"),
            Dialect::Spark => format!("CAST({x} AS STRING)"),
        }
    }

    fn nan(&self) -> String {
        self.double("'NaN'")
    }

    fn float(&self, x: f64) -> String {
        if x.is_finite() {
            format!("{x:?}")
        } else if x.is_nan() {
            self.nan()
        } else {
            self.double(if x > 0.0 { "'Infinity'" } else { "'-Infinity'" })
        }
    }

    fn is_nan(&self, x: &str) -> String {
        // NaN equals NaN on PostgreSQL, Redshift and Spark (unlike IEEE comparison).
        format!("{x} = {}", self.nan())
    }

    /// Seconds since the Unix epoch of a date or timestamp (timestamps without a time zone
    /// read as UTC).
    fn epoch(&self, x: &str, t: &ColumnType) -> Result<String, String> {
        match (t, self.dialect) {
            (ColumnType::Date, Dialect::Spark) => Ok(format!("(CAST(unix_date({x}) AS DOUBLE) * 86400)")),
            (ColumnType::Date, _) => Ok(format!("(CAST({x} - DATE '1970-01-01' AS DOUBLE PRECISION) * 86400)")),
            // unix_micros takes a timestamp_ltz only: a timestamp_ntz column
            // (Parquet without a zone) is cast, read in the session's zone, UTC.
            (ColumnType::Timestamp { .. }, Dialect::Spark) => {
                Ok(format!("(CAST(unix_micros(CAST({x} AS TIMESTAMP_LTZ)) AS DOUBLE) / 1e6)"))
            }
            (ColumnType::Timestamp { .. }, _) => Ok(format!("CAST(EXTRACT(EPOCH FROM {x}) AS DOUBLE PRECISION)")),
            (other, _) => Err(format!("needs a date or timestamp column, found {}", other.name())),
        }
    }

    fn char_length(&self, x: &str) -> String {
        format!("char_length({x})")
    }

    fn regex(&self, x: &str, pattern: &str) -> Result<String, String> {
        let p = portable_regex(pattern, self.dialect).map_err(|why| self.unsupported(&why))?;
        Ok(match self.dialect {
            Dialect::Spark => format!("{x} RLIKE {}", self.s(&p)),
            _ => format!("{x} ~ {}", self.s(&p)),
        })
    }
}

/// Whether a column can hold NaN.
fn holds_nan(t: &ColumnType) -> bool {
    matches!(t, ColumnType::Float(_))
}

fn numeric_statistic(agg: Agg) -> bool {
    matches!(agg, Agg::Min | Agg::Max | Agg::Avg | Agg::Sum | Agg::Stddev | Agg::Median | Agg::Quantile(_))
}

/// The message of the NaN rule (the embedded engine's, word for word).
pub fn nan_message(n: u64, column: &str, agg: Agg) -> String {
    let values = if n == 1 { "value" } else { "values" };
    format!(
        "{n} NaN {values} in `{column}`: its {} is undefined (NaN is a value, not null; leave NaN out with \
         `where: \"{column} <= CAST('inf' AS DOUBLE)\"`, or fix the data)",
        agg.name()
    )
}

/// A regular expression of a contract, checked against the subset on which Rust's `regex`
/// (the embedded engine), POSIX AREs (PostgreSQL, Redshift) and Java (Spark) agree, and
/// rendered for `dialect`: literals, `.`, bracket expressions (with POSIX classes such as
/// `[[:alpha:]]`), `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, `^`, `$`, `|`, groups `( )` and
/// `(?: )`, and the escapes `\d \D \w \W \s \S \t \n \r` and escaped punctuation. Anything else
/// (`\b`, look-around, back-references, flags, `\p{..}`, lazy quantifiers) is an error.
pub fn portable_regex(p: &str, dialect: Dialect) -> Result<String, String> {
    let chars: Vec<char> = p.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    let mut in_class = false;
    let refuse = |what: &str| Err(format!("pattern `{p}` uses {what}, which regex engines read differently"));
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                let Some(&n) = chars.get(i + 1) else { return refuse("a trailing backslash") };
                if n.is_ascii_alphanumeric() && !matches!(n, 'd' | 'D' | 'w' | 'W' | 's' | 'S' | 't' | 'n' | 'r') {
                    return refuse(&format!("the escape `\\{n}`"));
                }
                out.push('\\');
                out.push(n);
                i += 2;
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                i += 1;
                // A leading `^` and `]` are literal parts of the class.
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    out.push(']');
                    i += 1;
                }
                continue;
            }
            '[' if in_class => {
                if chars.get(i + 1) == Some(&':') {
                    // A POSIX class [:name:]: ASCII in Rust's regex, the locale's in POSIX
                    // engines: written out as its ASCII ranges, Rust's meaning.
                    let rest: String = chars[i..].iter().collect();
                    let Some(end) = rest.get(2..).and_then(|r| r.find(":]")).map(|e| e + 2) else {
                        return refuse("an unclosed `[:`");
                    };
                    let ranges = match &rest[2..end] {
                        "alpha" => "a-zA-Z",
                        "digit" => "0-9",
                        "alnum" => "a-zA-Z0-9",
                        "upper" => "A-Z",
                        "lower" => "a-z",
                        "xdigit" => "0-9A-Fa-f",
                        "space" => " \\t\\n\\r\\f\\v",
                        "blank" => " \\t",
                        name => return refuse(&format!("the class `[:{name}:]`")),
                    };
                    out.push_str(ranges);
                    i += rest[..end + 2].chars().count();
                    continue;
                }
                if matches!(chars.get(i + 1), Some('=' | '.')) {
                    return refuse("a collating element");
                }
                // A nested class (`[a[b]]`) or set operation is Rust-only.
                return refuse("a nested character class");
            }
            ']' if in_class => in_class = false,
            // `.` stops at a newline in Rust's regex, not in PostgreSQL's or Java's.
            '.' if !in_class => {
                out.push_str("[^\\n]");
                i += 1;
                continue;
            }
            '&' | '~' | '-' if in_class && chars.get(i + 1) == Some(&c) => return refuse("a class set operation"),
            '(' if !in_class && chars.get(i + 1) == Some(&'?') => {
                if chars.get(i + 2) == Some(&':') {
                    // Redshift's POSIX engine has no non-capturing group; a capturing one
                    // matches the same strings.
                    out.push_str(if dialect == Dialect::Redshift { "(" } else { "(?:" });
                    i += 3;
                    continue;
                }
                return refuse("a `(?` group (flags, look-around or a named group)");
            }
            '*' | '+' | '?' | '}' if !in_class && chars.get(i + 1) == Some(&'?') => {
                return refuse("a lazy quantifier");
            }
            '*' | '+' if !in_class && chars.get(i + 1) == Some(&'+') => return refuse("a possessive quantifier"),
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    if in_class {
        return refuse("an unclosed `[`");
    }
    Ok(out)
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b.iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
}

fn is_timestamp(s: &str) -> bool {
    s.len() >= 16
        && s.get(..10).is_some_and(is_date)
        && matches!(s.as_bytes()[10], b'T' | b't' | b' ')
        && s.get(11..).is_some_and(|rest| {
            rest.chars().all(|c| c.is_ascii_digit() || matches!(c, ':' | '.' | '+' | '-' | 'Z' | 'z'))
        })
}

/// `x IN (values)`, the values read as the column's type (as the embedded engine's `in_list`):
/// integers for integer columns, numbers for float and decimal ones, booleans, dates and
/// timestamps for temporal ones; text otherwise (the column read as text). `None`: no value
/// of the list can match.
fn in_list(ctx: &Ctx, x: &str, t: &ColumnType, values: &[&Literal]) -> Option<String> {
    let list = |items: Vec<String>| (!items.is_empty()).then(|| items.join(", "));
    match t {
        ColumnType::Int(_) | ColumnType::UInt(_) => {
            let v: Vec<String> = values
                .iter()
                .filter_map(|l| match l {
                    Literal::Int(i) => Some(*i),
                    Literal::Float(f) if f.0.fract() == 0.0 => Some(f.0 as i64),
                    Literal::Str(s) => s.trim().parse().ok(),
                    _ => None,
                })
                .map(|i| i.to_string())
                .collect();
            list(v).map(|v| format!("{x} IN ({v})"))
        }
        ColumnType::Float(_) | ColumnType::Decimal(..) => {
            let v: Vec<String> = values
                .iter()
                .filter_map(|l| match l {
                    Literal::Int(i) => Some(*i as f64),
                    Literal::Float(f) => Some(f.0),
                    Literal::Str(s) => s.trim().parse().ok(),
                    _ => None,
                })
                .map(|f| ctx.float(f))
                .collect();
            list(v).map(|v| format!("{} IN ({v})", ctx.double(x)))
        }
        ColumnType::Boolean => {
            let v: Vec<String> = values
                .iter()
                .filter_map(|l| match l {
                    Literal::Bool(b) => Some(if *b { "TRUE" } else { "FALSE" }.to_owned()),
                    _ => None,
                })
                .collect();
            list(v).map(|v| format!("{x} IN ({v})"))
        }
        ColumnType::Date | ColumnType::Timestamp { .. } => {
            // A literal that is a date or timestamp compares as a value of the column's type;
            // any other compares as text.
            let mut typed = Vec::new();
            let mut text = Vec::new();
            for l in values {
                match l {
                    Literal::Str(s) if is_date(s) || is_timestamp(s) => {
                        let ty = match t {
                            ColumnType::Date if is_date(s) => "DATE",
                            ColumnType::Timestamp { tz: true } if ctx.dialect != Dialect::Spark => {
                                "TIMESTAMP WITH TIME ZONE"
                            }
                            _ => "TIMESTAMP",
                        };
                        typed.push(format!("{x} = CAST({} AS {ty})", ctx.s(s)));
                    }
                    Literal::Str(s) => text.push(ctx.s(s)),
                    other => text.push(ctx.s(&other.to_string())),
                }
            }
            if !text.is_empty() {
                typed.push(format!("{} IN ({})", ctx.text(x), text.join(", ")));
            }
            (!typed.is_empty()).then(|| format!("({})", typed.join(" OR ")))
        }
        _ => {
            let v: Vec<String> = values
                .iter()
                .map(|l| match l {
                    Literal::Str(s) => ctx.s(s),
                    other => ctx.s(&other.to_string()),
                })
                .collect();
            let x = if matches!(t, ColumnType::String) { x.to_owned() } else { ctx.text(x) };
            list(v).map(|v| format!("{x} IN ({v})"))
        }
    }
}

fn need_string(t: &ColumnType, what: &str) -> Result<(), String> {
    match t {
        ColumnType::String => Ok(()),
        other => Err(format!("{what} needs a string column, found {}", other.name())),
    }
}

/// The SQL condition a non-null value must satisfy for one rule (null: not satisfied).
fn validity(ctx: &Ctx, column: &str, x: &str, t: &ColumnType, r: &Validity) -> Result<String, String> {
    Ok(match r {
        Validity::AllowedValues(values) => {
            let non_null: Vec<&Literal> = values.iter().filter(|v| **v != Literal::Null).collect();
            in_list(ctx, x, t, &non_null).unwrap_or_else(|| "FALSE".into())
        }
        Validity::Pattern(p) => {
            need_string(t, "pattern")?;
            ctx.regex(x, p)?
        }
        Validity::MinLength(n) => {
            need_string(t, "minLength")?;
            format!("{} >= {n}", ctx.char_length(x))
        }
        Validity::MaxLength(n) => {
            need_string(t, "maxLength")?;
            format!("{} <= {n}", ctx.char_length(x))
        }
        Validity::Format(f) => {
            need_string(t, "format")?;
            let re = format_regex(f).ok_or_else(|| format!("format `{f}` is not checked"))?;
            let m = ctx.regex(x, re)?;
            if f == "hostname" { format!("({m} AND {} <= 253)", ctx.char_length(x)) } else { m }
        }
        Validity::Bound(cmp, b) => {
            let op = match cmp {
                Cmp::Ge => ">=",
                Cmp::Gt => ">",
                Cmp::Le => "<=",
                Cmp::Lt => "<",
            };
            // A timestamp bound as `YYYY-MM-DD hh:mm:ss[.ffffff]` (UTC).
            let ts = |us: i64| {
                let shown = Bound::Timestamp(us).to_string().trim_end_matches('Z').replace('T', " ");
                let frac = us.rem_euclid(1_000_000);
                if frac == 0 { shown } else { format!("{shown}.{frac:06}") }
            };
            match (b, t) {
                (Bound::Number(v), t) if t.is_numeric() => {
                    let c = format!("{} {op} {}", ctx.double(x), ctx.float(v.0));
                    // NaN is invalid for a numeric range (PostgreSQL orders it above every number).
                    if holds_nan(t) { format!("({c} AND NOT {})", ctx.is_nan(x)) } else { c }
                }
                (Bound::Date(_), ColumnType::Date) => format!("{x} {op} CAST({} AS DATE)", ctx.s(&b.to_string())),
                (Bound::Timestamp(us), ColumnType::Timestamp { tz: true }) if ctx.dialect != Dialect::Spark => {
                    format!("{x} {op} CAST({} AS TIMESTAMP WITH TIME ZONE)", ctx.s(&format!("{}+00", ts(*us))))
                }
                (Bound::Timestamp(us), ColumnType::Timestamp { .. }) => {
                    format!("{x} {op} CAST({} AS TIMESTAMP)", ctx.s(&ts(*us)))
                }
                (Bound::Timestamp(us), ColumnType::Date) => {
                    format!("CAST({x} AS TIMESTAMP) {op} CAST({} AS TIMESTAMP)", ctx.s(&ts(*us)))
                }
                (b, t) => return Err(format!("bound {b} cannot be compared with a {} column", t.name())),
            }
        }
        Validity::MultipleOf(m) => {
            if !t.is_numeric() {
                return Err(format!("multipleOf needs a numeric column, found {}", t.name()));
            }
            let m = m.0;
            if m == 0.0 {
                // x % 0 has no value: every value is invalid, as on the embedded engine.
                "NULL".into()
            } else if matches!(t, ColumnType::Int(_) | ColumnType::UInt(_)) && m.fract() == 0.0 {
                format!("MOD(CAST({x} AS BIGINT), {}) = 0", m as i64)
            } else {
                let xf = ctx.double(x);
                let mm = ctx.float(m);
                let r = format!("({xf} - {mm} * FLOOR({xf} / {mm}))");
                let eps = ctx.float(1e-9 * m.abs());
                format!("({r} <= {eps} OR {} - {r} <= {eps})", ctx.float(m.abs()))
            }
        }
        Validity::MinItems(_) | Validity::MaxItems(_) | Validity::UniqueItems => {
            return Err(ctx.unsupported(&format!("`{r}` on `{column}` (list columns are read by the embedded engine)")));
        }
        Validity::Parses => return Err(format!("a parse check on `{column}` must stand alone")),
    })
}

/// The rows a row-level metric counts (its violation mask), when it has one.
pub fn violation_mask(ctx: &Ctx, m: &Metric) -> Option<Result<String, String>> {
    Some(match m {
        Metric::NullCount { column } => ctx.column(column).map(|(x, _)| format!("{x} IS NULL")),
        Metric::NullAnyCount { columns } => columns
            .iter()
            .map(|c| ctx.column(c).map(|(x, _)| format!("{x} IS NULL")))
            .collect::<Result<Vec<_>, _>>()
            .map(|v| if v.is_empty() { "FALSE".into() } else { format!("({})", v.join(" OR ")) }),
        Metric::MissingCount { column, values } => ctx.column(column).map(|(x, t)| {
            let mut parts = Vec::new();
            if values.contains(&Literal::Null) {
                parts.push(format!("{x} IS NULL"));
            }
            let non_null: Vec<&Literal> = values.iter().filter(|v| **v != Literal::Null).collect();
            if let Some(i) = in_list(ctx, &x, t, &non_null) {
                parts.push(format!("COALESCE({i}, FALSE)"));
            }
            if holds_nan(t) && values.iter().any(|v| matches!(v, Literal::Str(s) if s.eq_ignore_ascii_case("nan"))) {
                parts.push(format!("COALESCE({}, FALSE)", ctx.is_nan(&x)));
            }
            if parts.is_empty() { "FALSE".into() } else { format!("({})", parts.join(" OR ")) }
        }),
        Metric::InvalidCount { column, rules } if matches!(rules.as_slice(), [Validity::Parses]) => {
            ctx.column(column).map(|(x, _)| {
                if ctx.parsed.contains(column) {
                    // As the embedded engine: a text that is there and did not parse.
                    let raw = ctx.q(&format!("{column}{RAW_SUFFIX}"));
                    format!("({raw} IS NOT NULL AND {x} IS NULL)")
                } else {
                    // Typed columns (warehouse tables, Parquet): nothing was parsed, nothing failed.
                    "FALSE".into()
                }
            })
        }
        Metric::InvalidCount { column, rules } => ctx.column(column).and_then(|(x, t)| {
            let mut valid = Vec::new();
            for r in rules {
                valid.push(validity(ctx, column, &x, t, r)?);
            }
            let valid = if valid.is_empty() { "TRUE".into() } else { valid.join(" AND ") };
            Ok(format!("({x} IS NOT NULL AND NOT COALESCE({valid}, FALSE))"))
        }),
        Metric::RowConditionFailures { expression } => {
            render_expression(expression, ctx.schema, ctx.dialect, ctx.engine)
                .map(|c| format!("NOT COALESCE(({c}), FALSE)"))
        }
        _ => return None,
    })
}

/// One aggregate of the dataset's aggregate query: its select items and how to read them.
fn aggregate_item(ctx: &Ctx, m: &Metric) -> Result<(Vec<String>, Decode), String> {
    let one = |sql: String| Ok((vec![ctx.double(&sql)], Decode::Number));
    match m {
        Metric::RowCount => one("count(*)".into()),
        Metric::NullCount { column } => {
            let (x, _) = ctx.column(column)?;
            one(format!("count(*) - count({x})"))
        }
        Metric::NullAnyCount { .. }
        | Metric::MissingCount { .. }
        | Metric::InvalidCount { .. }
        | Metric::RowConditionFailures { .. } => match violation_mask(ctx, m) {
            Some(mask) => one(ctx.count_if(&mask?)),
            None => Err("not a row-level metric".into()),
        },
        Metric::MaxEpoch { column } | Metric::MinEpoch { column } => {
            let (x, t) = ctx.column(column)?;
            let f = if matches!(m, Metric::MaxEpoch { .. }) { "max" } else { "min" };
            Ok((vec![ctx.epoch(&format!("{f}({x})"), t)?], Decode::Number))
        }
        Metric::Aggregate { column, agg } => aggregate(ctx, column, *agg),
        Metric::DistinctOutside { column, values } => {
            let (x, t) = ctx.column(column)?;
            let set: Vec<&Literal> = values.iter().filter(|v| **v != Literal::Null).collect();
            let outside = match in_list(ctx, &x, t, &set) {
                Some(i) => format!("NOT COALESCE({i}, FALSE)"),
                None => "TRUE".into(),
            };
            one(format!("count(DISTINCT CASE WHEN {outside} THEN {x} END)"))
        }
        Metric::DistinctAbsent { column, values } => {
            let (x, t) = ctx.column(column)?;
            let mut set: Vec<&Literal> = values.iter().filter(|v| **v != Literal::Null).collect();
            set.sort();
            set.dedup();
            let present = match in_list(ctx, &x, t, &set) {
                Some(i) => format!("count(DISTINCT CASE WHEN COALESCE({i}, FALSE) THEN {x} END)"),
                None => "0".into(),
            };
            Ok((vec![ctx.double(&present)], Decode::Absent(set.len())))
        }
        Metric::Expression { expression } => one(render_expression(expression, ctx.schema, ctx.dialect, ctx.engine)?),
        Metric::DuplicateCount { .. }
        | Metric::MaxGap { .. }
        | Metric::Sql { .. }
        | Metric::OrderBreaks { .. }
        | Metric::Filtered { .. }
        | Metric::Grouped { .. }
        | Metric::OrphanCount { .. } => Err("computed by its own query".into()),
    }
}

fn aggregate(ctx: &Ctx, column: &str, agg: Agg) -> Result<(Vec<String>, Decode), String> {
    let (x, t) = ctx.column(column)?;
    let numeric = |what: &str| -> Result<(), String> {
        if t.is_numeric() || (matches!(agg, Agg::Sum | Agg::Avg) && *t == ColumnType::Boolean) {
            Ok(())
        } else {
            Err(format!("{what} needs a numeric column, found {}", t.name()))
        }
    };
    let lengths = |f: &str| -> Result<String, String> {
        need_string(t, &agg.name())?;
        Ok(format!("{f}({})", ctx.char_length(&x)))
    };
    let sql = match agg {
        Agg::Min | Agg::Max if t.is_temporal() => {
            let f = if agg == Agg::Min { "min" } else { "max" };
            return Ok((vec![ctx.epoch(&format!("{f}({x})"), t)?], Decode::Number));
        }
        Agg::Min | Agg::Max => {
            numeric(&agg.name())?;
            format!("{}({x})", if agg == Agg::Min { "min" } else { "max" })
        }
        Agg::Sum => {
            numeric("sum")?;
            // Integers and decimals add up exactly (numeric); booleans count their true values.
            let v = if *t == ColumnType::Boolean { format!("CAST({x} AS INTEGER)") } else { x.clone() };
            format!("COALESCE(sum({v}), 0)")
        }
        Agg::Avg => {
            numeric("avg")?;
            let v = if *t == ColumnType::Boolean { format!("CAST({x} AS INTEGER)") } else { x.clone() };
            format!("avg({v})")
        }
        Agg::Stddev => {
            numeric("stddev")?;
            format!("stddev_samp({})", ctx.double(&x))
        }
        Agg::Median | Agg::Quantile(_) => {
            numeric(if agg == Agg::Median { "median" } else { "quantile" })?;
            let q = match agg {
                Agg::Quantile(q) => q.0,
                _ => 0.5,
            };
            match ctx.dialect {
                Dialect::Spark => format!("percentile({}, {})", ctx.double(&x), ctx.float(q)),
                _ => format!("percentile_cont({}) WITHIN GROUP (ORDER BY {})", ctx.float(q), ctx.double(&x)),
            }
        }
        Agg::MinLength => lengths("min")?,
        Agg::MaxLength => lengths("max")?,
        Agg::AvgLength => lengths("avg")?,
        Agg::Count => "count(*)".into(),
        Agg::NullCount => format!("count(*) - count({x})"),
        Agg::DistinctCount | Agg::DistinctRatio => return Err("computed by its key set's query".into()),
    };
    if numeric_statistic(agg) && holds_nan(t) {
        return Ok((
            vec![ctx.double(&sql), ctx.double(&ctx.count_if(&ctx.is_nan(&x)))],
            Decode::NanChecked { column: column.to_owned(), agg },
        ));
    }
    Ok((vec![ctx.double(&sql)], Decode::Number))
}

/// The key columns of a key-set metric (duplicates, distinct counts and ratios).
fn key_set(m: &Metric) -> Option<(Vec<String>, KeyValue)> {
    match m {
        Metric::DuplicateCount { columns } => Some((columns.clone(), KeyValue::Duplicates)),
        Metric::Aggregate { column, agg: Agg::DistinctCount } => Some((vec![column.clone()], KeyValue::Distinct)),
        Metric::Aggregate { column, agg: Agg::DistinctRatio } => Some((vec![column.clone()], KeyValue::Ratio)),
        _ => None,
    }
}

/// Whether Redshift needs a metric in a query of its own: its sort-based aggregates
/// (`percentile_cont`) must all order by the same values in one query.
fn sorted_aggregate(m: &Metric) -> Option<&str> {
    match m {
        Metric::Aggregate { column, agg: Agg::Median | Agg::Quantile(_) } => Some(column),
        _ => None,
    }
}

/// Lowers the metrics of one dataset (over `ctx.from`) into queries.
pub fn lower(ctx: &Ctx, metrics: &[Metric]) -> Lowered {
    let mut out = Lowered::default();
    let mut items: Vec<(Metric, Vec<String>, Decode)> = Vec::new();
    let mut sorted: BTreeMap<String, Vec<(Metric, Vec<String>, Decode)>> = BTreeMap::new();
    let mut keys: BTreeMap<Vec<String>, Vec<(Metric, KeyValue)>> = BTreeMap::new();
    let mut filtered: BTreeMap<String, Vec<Metric>> = BTreeMap::new();
    let mut grouped: BTreeMap<Vec<String>, Vec<Metric>> = BTreeMap::new();
    let from = format!("{} AS t", ctx.from);
    for m in metrics {
        if let Some((cols, kv)) = key_set(m) {
            keys.entry(cols).or_default().push((m.clone(), kv));
            continue;
        }
        match m {
            Metric::Filtered { filter, metric } => filtered.entry(filter.clone()).or_default().push((**metric).clone()),
            Metric::Grouped { keys, metric } => grouped.entry(keys.clone()).or_default().push((**metric).clone()),
            Metric::Sql { query } => match render_query(query, ctx.tables, ctx.dialect, ctx.engine) {
                Ok(sql) => {
                    out.queries.push(Query { sql, metrics: vec![(m.clone(), Decode::Scalar, 0)], group_keys: None })
                }
                Err(why) => out.errors.push((m.clone(), why)),
            },
            Metric::OrphanCount { columns, target, target_columns } => {
                match orphans(ctx, columns, target, target_columns) {
                    Ok(sql) => {
                        out.queries.push(Query { sql, metrics: vec![(m.clone(), Decode::Number, 0)], group_keys: None })
                    }
                    Err(why) => out.errors.push((m.clone(), why)),
                }
            }
            Metric::MaxGap { column } => match ctx.column(column).and_then(|(x, t)| Ok((ctx.epoch(&x, t)?, x))) {
                Ok((e, x)) => out.queries.push(Query {
                    sql: format!(
                        "SELECT {} FROM (SELECT e - lag(e) OVER (ORDER BY e) AS g FROM (SELECT DISTINCT {e} AS e \
                         FROM {from} WHERE {x} IS NOT NULL) u) w",
                        ctx.double("max(g)")
                    ),
                    metrics: vec![(m.clone(), Decode::Number, 0)],
                    group_keys: None,
                }),
                Err(why) => out.errors.push((m.clone(), why)),
            },
            Metric::OrderBreaks { column, order_by, descending, strict } => {
                let lowered = (|| -> Result<String, String> {
                    let (x, t) = ctx.column(column)?;
                    let (o, _) = ctx.column(order_by)?;
                    let v = if t.is_temporal() {
                        ctx.epoch(&x, t)?
                    } else if t.is_numeric() {
                        ctx.double(&x)
                    } else {
                        return Err(format!("order needs a numeric, date or timestamp column, found {}", t.name()));
                    };
                    let broken = match (descending, strict) {
                        (false, false) => "d < 0",
                        (false, true) => "d <= 0",
                        (true, false) => "d > 0",
                        (true, true) => "d >= 0",
                    };
                    Ok(format!(
                        "SELECT {} FROM (SELECT {v} - lag({v}) OVER (ORDER BY {o} ASC NULLS FIRST) AS d FROM {from}) w \
                         WHERE {broken}",
                        ctx.double("count(*)")
                    ))
                })();
                match lowered {
                    Ok(sql) => {
                        out.queries.push(Query { sql, metrics: vec![(m.clone(), Decode::Number, 0)], group_keys: None })
                    }
                    Err(why) => out.errors.push((m.clone(), why)),
                }
            }
            other => match aggregate_item(ctx, other) {
                Ok((sql, decode)) => match sorted_aggregate(other) {
                    Some(column) if ctx.dialect == Dialect::Redshift => {
                        sorted.entry(column.to_owned()).or_default().push((other.clone(), sql, decode))
                    }
                    _ => items.push((other.clone(), sql, decode)),
                },
                Err(why) => out.errors.push((other.clone(), why)),
            },
        }
    }
    let mut select = |items: Vec<(Metric, Vec<String>, Decode)>, from: &str| {
        if items.is_empty() {
            return;
        }
        let mut cols = Vec::new();
        let mut ms = Vec::new();
        for (m, sql, decode) in items {
            ms.push((m, decode, cols.len()));
            cols.extend(sql);
        }
        let list: Vec<String> = cols.iter().enumerate().map(|(i, c)| format!("{c} AS m{i}")).collect();
        out.queries
            .insert(0, Query { sql: format!("SELECT {} FROM {from}", list.join(", ")), metrics: ms, group_keys: None });
    };
    for (_, items) in sorted.into_iter().rev() {
        select(items, &from);
    }
    // The aggregate query first.
    select(items, &from);
    for (cols, ms) in keys {
        let lowered = cols.iter().map(|c| ctx.column(c).map(|(x, _)| x)).collect::<Result<Vec<_>, _>>();
        match lowered {
            Ok(xs) => {
                let not_null: Vec<String> = xs.iter().map(|x| format!("{x} IS NOT NULL")).collect();
                let sql = format!(
                    "SELECT {}, {} FROM (SELECT count(*) AS n FROM {from} WHERE {} GROUP BY {}) g",
                    ctx.double("count(*)"),
                    ctx.double("COALESCE(sum(n), 0)"),
                    not_null.join(" AND "),
                    xs.join(", ")
                );
                out.queries.push(Query {
                    sql,
                    metrics: ms.into_iter().map(|(m, kv)| (m, Decode::Keys(kv), 0)).collect(),
                    group_keys: None,
                });
            }
            Err(why) => out.errors.extend(ms.into_iter().map(|(m, _)| (m, why.clone()))),
        }
    }
    for (filter, metrics) in filtered {
        let wrap = |m: Metric| Metric::Filtered { filter: filter.clone(), metric: Box::new(m) };
        match render_expression(&filter, ctx.schema, ctx.dialect, ctx.engine) {
            Ok(f) => {
                let sub = format!("(SELECT * FROM {from} WHERE {f})");
                let inner = Ctx { from: &sub, ..*ctx };
                let lowered = lower(&inner, &metrics);
                for mut q in lowered.queries {
                    for (m, _, _) in q.metrics.iter_mut() {
                        *m = wrap(m.clone());
                    }
                    out.queries.push(q);
                }
                out.errors.extend(lowered.errors.into_iter().map(|(m, why)| (wrap(m), why)));
            }
            Err(why) => out.errors.extend(metrics.into_iter().map(|m| (wrap(m), format!("where: {why}")))),
        }
    }
    for (keys, metrics) in grouped {
        let wrap = |m: &Metric| Metric::Grouped { keys: keys.clone(), metric: Box::new(m.clone()) };
        let xs = match keys.iter().map(|k| ctx.column(k).map(|(x, _)| x)).collect::<Result<Vec<_>, _>>() {
            Ok(xs) => xs,
            Err(_) => {
                let missing = keys.iter().find(|k| ctx.column(k).is_err()).cloned().unwrap_or_default();
                for m in &metrics {
                    out.errors.push((wrap(m), format!("groupBy column `{missing}` not found in the data")));
                }
                continue;
            }
        };
        let mut cols: Vec<String> = xs.iter().map(|x| ctx.text(x)).collect();
        let mut ms = Vec::new();
        for m in &metrics {
            match aggregate_item(ctx, m) {
                Ok((sql, decode)) => {
                    ms.push((wrap(m), decode, cols.len()));
                    cols.extend(sql);
                }
                Err(why) if why.starts_with("computed by") => {
                    out.errors.push((wrap(m), ctx.unsupported(&format!("`{}` per group", m.describe()))))
                }
                Err(why) => out.errors.push((wrap(m), why)),
            }
        }
        if ms.is_empty() {
            continue;
        }
        let list: Vec<String> = cols.iter().enumerate().map(|(i, c)| format!("{c} AS m{i}")).collect();
        out.queries.push(Query {
            sql: format!("SELECT {} FROM {from} GROUP BY {}", list.join(", "), xs.join(", ")),
            metrics: ms,
            group_keys: Some(xs.len()),
        });
    }
    out
}

fn orphans(ctx: &Ctx, columns: &[String], target: &str, target_columns: &[String]) -> Result<String, String> {
    let target_from =
        ctx.tables.get(target).ok_or_else(|| format!("the referenced dataset `{target}` could not be read"))?;
    let mut on = Vec::new();
    let mut not_null = Vec::new();
    for (c, tc) in columns.iter().zip(target_columns) {
        let (x, _) = ctx.column(c)?;
        not_null.push(format!("t.{x} IS NOT NULL"));
        on.push(format!("r.{} = t.{x}", ctx.q(tc)));
    }
    Ok(format!(
        "SELECT {} FROM {} AS t WHERE {} AND NOT EXISTS (SELECT 1 FROM {target_from} AS r WHERE {})",
        ctx.double("count(*)"),
        ctx.from,
        not_null.join(" AND "),
        on.join(" AND ")
    ))
}

/// The query listing up to `limit` orphan keys (distinct, in key order), for the message.
pub fn orphan_keys(
    ctx: &Ctx,
    columns: &[String],
    target: &str,
    target_columns: &[String],
    limit: usize,
) -> Result<String, String> {
    let count = orphans(ctx, columns, target, target_columns)?;
    let keys: Vec<String> = columns.iter().map(|c| format!("t.{}", ctx.q(c))).collect();
    let texts: Vec<String> = keys.iter().map(|k| ctx.text(k)).collect();
    let rest = count.split_once(" FROM ").map(|(_, r)| r).unwrap_or_default();
    Ok(format!(
        "SELECT DISTINCT {} , {} FROM {rest} ORDER BY {} LIMIT {limit}",
        texts.join(", "),
        keys.join(", "),
        (texts.len() + 1..=texts.len() * 2).map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lakegate_core::F64;

    fn schema() -> DataSchema {
        vec![
            ("id".into(), ColumnType::Int(64)),
            ("amount".into(), ColumnType::Float(64)),
            ("email".into(), ColumnType::String),
            ("placed".into(), ColumnType::Timestamp { tz: true }),
        ]
    }

    static NONE_PARSED: BTreeSet<String> = BTreeSet::new();

    fn ctx<'a>(schema: &'a DataSchema, tables: &'a BTreeMap<String, String>, d: Dialect) -> Ctx<'a> {
        Ctx { dialect: d, engine: d.name(), schema, from: "\"public\".\"orders\"", tables, parsed: &NONE_PARSED }
    }

    #[test]
    fn scan_metrics_share_one_query_and_key_sets_group_once() {
        let (s, t) = (schema(), BTreeMap::new());
        let metrics = vec![
            Metric::RowCount,
            Metric::NullCount { column: "email".into() },
            Metric::Aggregate { column: "amount".into(), agg: Agg::Max },
            Metric::DuplicateCount { columns: vec!["id".into()] },
            Metric::Aggregate { column: "id".into(), agg: Agg::DistinctCount },
        ];
        let l = lower(&ctx(&s, &t, Dialect::Postgres), &metrics);
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        assert_eq!(l.queries.len(), 2);
        assert_eq!(l.queries[0].metrics.len(), 3);
        assert!(l.queries[0].sql.contains("count(*) FILTER (WHERE \"amount\" = CAST('NaN' AS DOUBLE PRECISION))"));
        assert!(l.queries[1].sql.contains("GROUP BY \"id\""), "{}", l.queries[1].sql);
        let r = lower(&ctx(&s, &t, Dialect::Redshift), &metrics);
        assert!(!r.queries.iter().any(|q| q.sql.contains("FILTER")), "Redshift has no FILTER clause");
    }

    #[test]
    fn a_parse_check_counts_texts_that_did_not_parse_and_nothing_on_typed_columns() {
        let (s, t) = (schema(), BTreeMap::new());
        let m = Metric::InvalidCount { column: "amount".into(), rules: vec![Validity::Parses] };
        let parsed = BTreeSet::from(["amount".to_owned()]);
        let spark = Ctx { parsed: &parsed, ..ctx(&s, &t, Dialect::Spark) };
        let mask = violation_mask(&spark, &m).expect("row-level").expect("lowered");
        assert_eq!(mask, "(`amount\u{1}raw` IS NOT NULL AND `amount` IS NULL)");
        let typed = violation_mask(&ctx(&s, &t, Dialect::Spark), &m).expect("row-level").expect("lowered");
        assert_eq!(typed, "FALSE");
    }

    #[test]
    fn spark_epoch_of_a_timestamp_reads_timestamp_ntz_as_utc() {
        let (s, t) = (schema(), BTreeMap::new());
        let e = ctx(&s, &t, Dialect::Spark).epoch("`ts`", &ColumnType::Timestamp { tz: false }).expect("epoch");
        assert_eq!(e, "(CAST(unix_micros(CAST(`ts` AS TIMESTAMP_LTZ)) AS DOUBLE) / 1e6)");
    }

    #[test]
    fn what_a_dialect_cannot_do_is_an_error_naming_the_engine() {
        let (s, t) = (schema(), BTreeMap::new());
        let m = Metric::InvalidCount { column: "email".into(), rules: vec![Validity::Pattern(r"\bx\b".into())] };
        let l = lower(&ctx(&s, &t, Dialect::Redshift), &[m]);
        assert!(l.errors[0].1.starts_with("not supported on redshift: pattern `\\bx\\b` uses the escape `\\b`"));
        let m = Metric::InvalidCount { column: "amount".into(), rules: vec![Validity::MinItems(1)] };
        let l = lower(&ctx(&s, &t, Dialect::Postgres), &[m]);
        assert!(l.errors[0].1.starts_with("not supported on postgres:"), "{:?}", l.errors);
    }

    #[test]
    fn redshift_sorted_aggregates_get_a_query_per_column() {
        let (s, t) = (schema(), BTreeMap::new());
        let metrics = vec![
            Metric::RowCount,
            Metric::Aggregate { column: "amount".into(), agg: Agg::Median },
            Metric::Aggregate { column: "amount".into(), agg: Agg::Quantile(F64(0.9)) },
            Metric::Aggregate { column: "id".into(), agg: Agg::Median },
        ];
        assert_eq!(lower(&ctx(&s, &t, Dialect::Postgres), &metrics).queries.len(), 1);
        assert_eq!(lower(&ctx(&s, &t, Dialect::Redshift), &metrics).queries.len(), 3);
    }

    #[test]
    fn odd_literals_never_panic() {
        assert!(!is_timestamp("2026-11-2é 10:00:00"));
        assert!(!is_timestamp("2026-11-25Té0:00:00"));
        assert!(is_timestamp("2026-11-25T10:00:00+05:30"));
    }

    #[test]
    fn regex_subset() {
        assert_eq!(portable_regex(r"^[a-z]+(?:\.\d{2})?$", Dialect::Redshift).as_deref(), Ok(r"^[a-z]+(\.\d{2})?$"));
        assert_eq!(portable_regex(r"^[[:alpha:] ]+.$", Dialect::Postgres).as_deref(), Ok(r"^[a-zA-Z ]+[^\n]$"));
        for bad in [r"(?i)abc", r"a+?", r"(?=x)", r"\p{L}", r"[a[b]]", r"\1", "[[:]", "[[:]]", "[[:punct:]]", "\\"] {
            assert!(portable_regex(bad, Dialect::Postgres).is_err(), "{bad}");
        }
        for name in ["email", "uuid", "uri", "hostname", "ipv4", "ipv6", "date", "date-time"] {
            let re = format_regex(name).expect("format");
            assert!(portable_regex(re, Dialect::Redshift).is_ok(), "{name}");
        }
    }
}
