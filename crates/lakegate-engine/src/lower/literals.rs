//! SQL's implicit cast of a string literal compared with a date or timestamp column.
//!
//! polars reads `dt = '2026-11-25'` as a comparison of a date with a string, a type error at
//! run time (polars SQL only casts such literals when it knows the table's schema, which a
//! lone expression does not). SQL casts the literal to the column's type, so lakegate does
//! the same on the parsed expression, with the dataset's schema: in comparisons (`=`, `<>`,
//! `<`, `<=`, `>`, `>=`, hence `BETWEEN`) and `IN` lists whose other side is a date or
//! timestamp column. The literal is read here, strictly: one that is not a date (or a
//! timestamp) is an error naming it, never a comparison that is silently false.
//!
//! Literal forms: `YYYY-MM-DD` (midnight for a timestamp column), `YYYY-MM-DD HH:MM[:SS[.f]]`
//! (`T` or a space, up to nine fractional digits), optionally followed by `Z` or an offset
//! `+HH:MM`, `+HHMM`, `+HH`. A literal with an offset is that instant. A literal without one is
//! a wall-clock time in the column's time zone (UTC for a column without one), as casting the
//! string to the column's type does and as polars SQL does in `type: sql` rules.

use std::sync::Arc;

use lakegate_core::{ColumnType, DataSchema};
use polars::prelude::*;

/// A date or timestamp literal, read from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Temporal {
    /// A date: days since 1970-01-01.
    Date(i32),
    /// A timestamp: nanoseconds since 1970-01-01T00:00:00 (wall clock when `offset` is None),
    /// and the offset from UTC in seconds, when the literal gives one.
    Timestamp { nanos: i128, offset: Option<i32> },
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

fn digits(s: &str, n: usize) -> Option<i64> {
    (s.len() == n && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok()).flatten()
}

/// Days since 1970-01-01 of `YYYY-MM-DD` (exactly: 4-digit year, 2-digit month and day).
pub(crate) fn date(s: &str) -> Option<i64> {
    let (y, rest) = s.split_at_checked(4)?;
    let rest = rest.strip_prefix('-')?;
    let (m, d) = rest.split_once('-')?;
    let (y, m, d) = (digits(y, 4)?, digits(m, 2)?, digits(d, 2)?);
    ((1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)).then(|| days_from_civil(y, m, d))
}

/// The offset of a `Z`, `+HH:MM`, `+HHMM` or `+HH` suffix, in seconds.
fn offset(s: &str) -> Option<i32> {
    if s.eq_ignore_ascii_case("z") {
        return Some(0);
    }
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let s = &s[1..];
    let (h, m) = match s.len() {
        2 => (digits(s, 2)?, 0),
        4 => (digits(&s[..2], 2)?, digits(&s[2..], 2)?),
        5 if s.as_bytes()[2] == b':' => (digits(&s[..2], 2)?, digits(&s[3..], 2)?),
        _ => return None,
    };
    (h <= 23 && m <= 59).then(|| sign * (h * 3600 + m * 60) as i32)
}

/// Reads a date or timestamp literal (the forms in the module documentation).
pub(crate) fn parse(s: &str) -> Option<Temporal> {
    let s = s.trim();
    if s.len() == 10 {
        return date(s).and_then(|d| i32::try_from(d).ok()).map(Temporal::Date);
    }
    let days = date(s.get(..10)?)?;
    let rest = s.get(10..)?;
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix('t')).or_else(|| rest.strip_prefix(' '))?;
    // The time ends where the offset starts.
    let end = rest.find(['Z', 'z', '+', '-']).unwrap_or(rest.len());
    let (time, zone) = rest.split_at(end);
    let zone = zone.trim_start();
    let time = time.trim_end();
    let offset = if zone.is_empty() { None } else { Some(offset(zone)?) };
    let (hms, frac) = match time.split_once('.') {
        Some((hms, frac)) => (hms, Some(frac)),
        None => (time, None),
    };
    let mut parts = hms.split(':');
    let h = digits(parts.next()?, 2)?;
    let m = digits(parts.next()?, 2)?;
    let sec = match parts.next() {
        Some(p) => digits(p, 2)?,
        None if frac.is_none() => 0,
        None => return None,
    };
    if parts.next().is_some() || h > 23 || m > 59 || sec > 59 {
        return None;
    }
    let nanos_frac = match frac {
        Some(f) if !f.is_empty() && f.len() <= 9 && f.bytes().all(|b| b.is_ascii_digit()) => {
            f.parse::<i64>().ok()? * 10i64.pow(9 - f.len() as u32)
        }
        Some(_) => return None,
        None => 0,
    };
    let secs = i128::from(days) * 86_400 + i128::from(h * 3600 + m * 60 + sec);
    Some(Temporal::Timestamp { nanos: secs * 1_000_000_000 + i128::from(nanos_frac), offset })
}

/// Nanoseconds since 1970-01-01T00:00:00Z of timestamp text as CSV and JSON sources hold it
/// (ISO 8601 / RFC 3339 as databases, pandas and pyarrow write it), read strictly, byte by byte
/// (no regular expression, no format string per value): `YYYY-MM-DD` (its midnight), or
/// `YYYY-MM-DD` then `T` or a space, `HH:MM:SS` (a second 60 is the next minute's 0, as
/// chrono reads leap seconds), 1 to 9 fractional digits after a `.`, then nothing (UTC), `Z`,
/// `z`, `+HH:MM` or `+HHMM`. Anything else, surrounding spaces included, is no timestamp.
pub(crate) fn data_timestamp(s: &[u8]) -> Option<i128> {
    let text = std::str::from_utf8(s).ok()?;
    let days = date(text.get(..10)?)?;
    if s.len() == 10 {
        return Some(i128::from(days) * 86_400_000_000_000);
    }
    let two = |i: usize| -> Option<i64> {
        let (a, b) = (*s.get(i)?, *s.get(i + 1)?);
        (a.is_ascii_digit() && b.is_ascii_digit()).then(|| i64::from(a - b'0') * 10 + i64::from(b - b'0'))
    };
    if !matches!(s.get(10), Some(b'T' | b' ')) || s.get(13) != Some(&b':') || s.get(16) != Some(&b':') {
        return None;
    }
    let (h, m, sec) = (two(11)?, two(14)?, two(17)?);
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut frac = 0i64;
    if s.get(i) == Some(&b'.') {
        let digits = s[i + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        if !(1..=9).contains(&digits) {
            return None;
        }
        for &b in &s[i + 1..i + 1 + digits] {
            frac = frac * 10 + i64::from(b - b'0');
        }
        frac *= 10i64.pow(9 - digits as u32);
        i += 1 + digits;
    }
    let zone = &s[i..];
    let offset = match zone {
        [] | [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), ..] => {
            let (oh, om) = match zone.len() {
                6 if zone[3] == b':' => (two(i + 1)?, two(i + 4)?),
                5 => (two(i + 1)?, two(i + 3)?),
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let secs = oh * 3600 + om * 60;
            if *sign == b'-' { -secs } else { secs }
        }
        _ => return None,
    };
    let secs = i128::from(days) * 86_400 + i128::from(h * 3600 + m * 60 + sec - offset);
    Some(secs * 1_000_000_000 + i128::from(frac))
}

/// The comparison operators SQL casts a literal for.
fn is_comparison(op: &Operator) -> bool {
    matches!(
        op,
        Operator::Eq
            | Operator::EqValidity
            | Operator::NotEq
            | Operator::NotEqValidity
            | Operator::Lt
            | Operator::LtEq
            | Operator::Gt
            | Operator::GtEq
    )
}

/// The column path an expression reads: a column, or a struct field of one (`s.ts`).
fn column_path(e: &Expr) -> Option<String> {
    match e {
        Expr::Column(name) => Some(name.to_string()),
        Expr::Function { input, function: FunctionExpr::StructExpr(StructFunction::FieldByName(field)) }
            if input.len() == 1 =>
        {
            column_path(&input[0]).map(|p| format!("{p}.{field}"))
        }
        _ => None,
    }
}

/// A date or timestamp column (or struct field) an expression reads, with its path and type.
fn temporal_column<'a>(e: &Expr, schema: &'a DataSchema) -> Option<(Expr, String, &'a ColumnType)> {
    let path = column_path(e)?;
    match super::find(schema, &path) {
        Some(t @ (ColumnType::Date | ColumnType::Timestamp { .. })) => Some((e.clone(), path, t)),
        _ => None,
    }
}

fn string_literal(e: &Expr) -> Option<&str> {
    match e {
        Expr::Literal(lv) => lv.extract_str(),
        _ => None,
    }
}

/// The text of a number literal (`5`, `2.5`), when `e` is one.
fn number_literal(e: &Expr) -> Option<String> {
    match e {
        Expr::Literal(lv) if lv.is_scalar() && lv.get_datatype().is_primitive_numeric() => {
            lv.to_any_value().map(|v| v.to_string())
        }
        _ => None,
    }
}

/// A comparison SQL does not allow: a date or timestamp with a number (polars compares the
/// number with the internal count of days or microseconds, a silent wrong answer), a boolean
/// with a string.
fn mismatch(column: &Expr, other: &Expr, schema: &DataSchema) -> Option<String> {
    let path = column_path(column)?;
    let t = super::find(schema, &path)?;
    match t {
        ColumnType::Date | ColumnType::Timestamp { .. } => number_literal(other).map(|n| {
            format!(
                "`{path}` is a {} and cannot be compared with the number {n}: compare it with a literal such as \
                 '2026-11-25'",
                t.name()
            )
        }),
        ColumnType::Boolean => string_literal(other)
            .map(|s| format!("`{path}` is a boolean and cannot be compared with the string '{s}': use true or false")),
        _ => None,
    }
}

/// A datetime literal of `nanos` in the finest unit it needs (µs unless it has nanoseconds).
fn datetime_literal(text: &str, nanos: i128, tz: Option<TimeZone>) -> Result<Expr, String> {
    let out_of_range = || format!("'{text}' is out of the range of timestamps");
    Ok(if nanos % 1000 == 0 {
        let us = i64::try_from(nanos / 1000).map_err(|_| out_of_range())?;
        lit(us).cast(DataType::Datetime(TimeUnit::Microseconds, tz))
    } else {
        let ns = i64::try_from(nanos).map_err(|_| out_of_range())?;
        lit(ns).cast(DataType::Datetime(TimeUnit::Nanoseconds, tz))
    })
}

/// `value = text` for a value `c` of a date or timestamp column named `column`, the literal
/// read as for comparisons (`enum` and `validValues` lists); an error when it is not a date
/// or timestamp.
pub(crate) fn equals(c: Expr, column: &str, t: &ColumnType, text: &str) -> Result<Expr, String> {
    let (l, r) = sides_of(c, column, t, text)?;
    Ok(l.eq(r))
}

fn sides_of(c: Expr, column: &str, t: &ColumnType, text: &str) -> Result<(Expr, Expr), String> {
    let parsed = parse(text);
    match (t, parsed) {
        (ColumnType::Date, Some(Temporal::Date(d))) => Ok((c, lit(d).cast(DataType::Date))),
        (ColumnType::Date, Some(Temporal::Timestamp { .. })) => Err(format!(
            "'{text}' is a timestamp, `{column}` is a date: compare it with a date 'YYYY-MM-DD' \
             (or CAST(`{column}` AS TIMESTAMP))"
        )),
        (ColumnType::Date, None) => {
            Err(format!("'{text}' is not a date (YYYY-MM-DD) to compare with `{column}` (date)"))
        }
        (ColumnType::Timestamp { tz }, Some(p)) => {
            let (nanos, offset) = match p {
                Temporal::Date(d) => (i128::from(d) * 86_400 * 1_000_000_000, None),
                Temporal::Timestamp { nanos, offset } => (nanos, offset),
            };
            match (tz, offset) {
                // An instant: compared in UTC.
                (false, Some(o)) => Ok((c, datetime_literal(text, nanos - i128::from(o) * 1_000_000_000, None)?)),
                (true, Some(o)) => Ok((
                    c.dt().convert_time_zone(TimeZone::UTC),
                    datetime_literal(text, nanos - i128::from(o) * 1_000_000_000, Some(TimeZone::UTC))?,
                )),
                // A wall-clock time: a naive column's own value, or the wall clock of a zoned one.
                (false, None) => Ok((c, datetime_literal(text, nanos, None)?)),
                (true, None) => Ok((
                    c.dt().replace_time_zone(None, lit("raise"), NonExistent::Raise),
                    datetime_literal(text, nanos, None)?,
                )),
            }
        }
        (ColumnType::Timestamp { .. }, None) => Err(format!(
            "'{text}' is not a timestamp (YYYY-MM-DD[ HH:MM[:SS[.f]]][Z|+HH:MM]) to compare with `{column}` ({})",
            t.name()
        )),
        // Only dates and timestamps reach here (`temporal_column`).
        _ => Err(format!("'{text}' cannot be compared with `{column}` ({})", t.name())),
    }
}

fn binary(left: Expr, op: Operator, right: Expr) -> Expr {
    Expr::BinaryExpr { left: Arc::new(left), op, right: Arc::new(right) }
}

/// The strings of an `IN` list literal, when it is one (None items are nulls).
fn in_list_strings(e: &Expr) -> Option<Vec<Option<String>>> {
    let inner = match e {
        Expr::Agg(AggExpr::Implode { input, .. }) => input.as_ref(),
        other => other,
    };
    match inner {
        Expr::Literal(LiteralValue::Series(s)) if s.dtype() == &DataType::String => {
            let ca = s.str().ok()?;
            Some(ca.iter().map(|v| v.map(str::to_owned)).collect())
        }
        _ => None,
    }
}

/// One node, rewritten when it compares a date or timestamp column with string literals.
fn rewrite(node: &Expr, schema: &DataSchema) -> Result<Option<Expr>, String> {
    match node {
        Expr::BinaryExpr { left, op, right } if is_comparison(op) => {
            if let Some(why) = mismatch(left, right, schema).or_else(|| mismatch(right, left, schema)) {
                return Err(why);
            }
            if let (Some((c, name, t)), Some(s)) = (temporal_column(left, schema), string_literal(right)) {
                let (l, r) = sides_of(c, &name, t, s)?;
                return Ok(Some(binary(l, *op, r)));
            }
            if let (Some(s), Some((c, name, t))) = (string_literal(left), temporal_column(right, schema)) {
                let (l, r) = sides_of(c, &name, t, s)?;
                return Ok(Some(binary(r, *op, l)));
            }
            Ok(None)
        }
        Expr::Function { input, function: FunctionExpr::Boolean(BooleanFunction::IsIn { nulls_equal }) }
            if input.len() == 2 =>
        {
            let (Some((c, name, t)), Some(items)) = (temporal_column(&input[0], schema), in_list_strings(&input[1]))
            else {
                return Ok(None);
            };
            // `x IN (a, b)` is `x = a OR x = b`: the same answer, nulls included (a null
            // `x`, or a null item that does not match, gives null).
            let mut any: Option<Expr> = None;
            for item in items {
                let eq = match item {
                    Some(s) => {
                        let (l, r) = sides_of(c.clone(), &name, t, &s)?;
                        binary(l, if *nulls_equal { Operator::EqValidity } else { Operator::Eq }, r)
                    }
                    None => lit(NULL).cast(DataType::Boolean),
                };
                any = Some(match any {
                    Some(a) => a.or(eq),
                    None => eq,
                });
            }
            Ok(any)
        }
        _ => Ok(None),
    }
}

/// `e` with every string literal compared with a date or timestamp column of `schema` read
/// as a value of the column's type; an error names a literal that is not one.
pub(crate) fn typed(e: Expr, schema: &DataSchema) -> Result<Expr, String> {
    let mut failed: Option<String> = None;
    let out = e.map_expr(|node| {
        if failed.is_some() {
            return node;
        }
        match rewrite(&node, schema) {
            Ok(Some(n)) => n,
            Ok(None) => node,
            Err(why) => {
                failed = Some(why);
                node
            }
        }
    });
    match failed {
        Some(why) => Err(why),
        None => Ok(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: i128 = 1_000_000_000;

    #[test]
    fn literals_read_strictly() {
        assert_eq!(parse("1970-01-01"), Some(Temporal::Date(0)));
        assert_eq!(parse("2026-11-25"), Some(Temporal::Date(20_782)));
        assert_eq!(parse("2024-02-29"), Some(Temporal::Date(19_782)));
        assert_eq!(parse("1969-12-31"), Some(Temporal::Date(-1)));
        assert_eq!(parse("2023-02-29"), None);
        assert_eq!(parse("2026-13-01"), None);
        assert_eq!(parse("2026-1-01"), None);
        assert_eq!(parse("yesterday"), None);
        assert_eq!(
            parse("2013-01-01 05:00:00"),
            Some(Temporal::Timestamp { nanos: (15_706 * 86_400 + 5 * 3600) * NS, offset: None })
        );
        assert_eq!(
            parse("2013-01-01T05:00"),
            Some(Temporal::Timestamp { nanos: (15_706 * 86_400 + 5 * 3600) * NS, offset: None })
        );
        assert_eq!(
            parse("2013-01-01T05:00:00.25Z"),
            Some(Temporal::Timestamp { nanos: (15_706 * 86_400 + 5 * 3600) * NS + NS / 4, offset: Some(0) })
        );
        assert_eq!(
            parse("2013-01-01 05:00:00.000000001+02:00"),
            Some(Temporal::Timestamp { nanos: (15_706 * 86_400 + 5 * 3600) * NS + 1, offset: Some(7200) })
        );
        assert_eq!(
            parse("2013-01-01 05:00:00-0130"),
            Some(Temporal::Timestamp { nanos: (15_706 * 86_400 + 5 * 3600) * NS, offset: Some(-5400) })
        );
        assert_eq!(parse("2013-01-01 24:00:00"), None);
        assert_eq!(parse("2013-01-01 05:00:00+25:00"), None);
        assert_eq!(parse("2013-01-01 05:00:00.1234567890"), None);
        assert_eq!(parse("2013-01-01 05"), None);
    }

    /// Rows of a frame where `predicate` holds, or the error.
    fn count(df: &DataFrame, predicate: &str) -> Result<u32, String> {
        let schema = crate::convert_schema(df.schema());
        let pred = crate::lower::sql_expression(predicate, &schema)?;
        let out = df.clone().lazy().filter(pred).select([len().alias("n")]).collect().map_err(|e| e.to_string())?;
        Ok(out.column("n").map_err(|e| e.to_string())?.u32().map_err(|e| e.to_string())?.get(0).unwrap_or(0))
    }

    fn frame() -> DataFrame {
        const H: i64 = 3_600_000_000;
        let jan1 = 15_706 * 24 * H;
        // 2013-01-01 03:00 .. 08:00 (UTC), one row per hour.
        let us: Vec<i64> = (3..=8).map(|h| jan1 + h * H).collect();
        let ts = |tz: Option<TimeZone>, name: &str| {
            Series::new(name.into(), us.clone())
                .cast(&DataType::Datetime(TimeUnit::Microseconds, tz))
                .expect("ts")
                .into_column()
        };
        let ns = Series::new("ns".into(), us.iter().map(|u| u * 1000 + 1).collect::<Vec<i64>>())
            .cast(&DataType::Datetime(TimeUnit::Nanoseconds, None))
            .expect("ns")
            .into_column();
        let days = [15_705i32, 15_706, 15_706, 15_707, 15_708, 15_709];
        let dt = Series::new("dt".into(), days).cast(&DataType::Date).expect("date").into_column();
        let berlin = TimeZone::opt_try_new(Some("Europe/Berlin")).expect("tz");
        DataFrame::new(6, vec![ts(None, "ts"), ts(berlin, "berlin"), ts(Some(TimeZone::UTC), "utc"), ns, dt])
            .expect("frame")
    }

    #[test]
    fn string_literals_take_the_column_type() {
        let df = frame();
        let n = |p: &str| count(&df, p).unwrap_or_else(|e| panic!("{p}: {e}"));
        // Naive timestamps: 05:00, 06:00, 07:00, 08:00.
        assert_eq!(n("ts >= '2013-01-01 05:00:00'"), 4);
        assert_eq!(n("'2013-01-01 05:00:00' <= ts"), 4);
        assert_eq!(n("ts > '2013-01-01T05:00'"), 3);
        assert_eq!(n("ts = '2013-01-01 05:00:00'"), 1);
        assert_eq!(n("ts <> '2013-01-01 05:00:00'"), 5);
        assert_eq!(n("ts >= '2013-01-01'"), 6);
        assert_eq!(n("ts BETWEEN '2013-01-01 04:00' AND '2013-01-01 06:00'"), 3);
        assert_eq!(n("ts NOT BETWEEN '2013-01-01 04:00' AND '2013-01-01 06:00'"), 3);
        assert_eq!(n("ts IN ('2013-01-01 04:00:00', '2013-01-01 07:00:00', '2014-01-01')"), 2);
        assert_eq!(n("ts NOT IN ('2013-01-01 04:00:00', '2013-01-01 07:00:00')"), 4);
        // An offset is an instant: 07:00+02:00 is 05:00 UTC.
        assert_eq!(n("ts >= '2013-01-01T07:00:00+02:00'"), 4);
        assert_eq!(n("ts < '2013-01-01T05:00:00Z'"), 2);
        // A zoned column: an instant compares instants, a wall-clock time the column's wall
        // clock (Berlin is UTC+1 in January: 05:00 UTC reads 06:00).
        assert_eq!(n("berlin >= '2013-01-01T05:00:00Z'"), 4);
        assert_eq!(n("berlin >= '2013-01-01 06:00:00'"), 4);
        assert_eq!(n("berlin = '2013-01-01 06:00:00'"), 1);
        assert_eq!(n("utc >= '2013-01-01 05:00:00'"), 4);
        assert_eq!(n("utc IN ('2013-01-01 05:00:00+00:00', '2013-01-01T08:00:00+02:00')"), 2);
        // Nanoseconds: every value is 1 ns past the hour.
        assert_eq!(n("ns > '2013-01-01 05:00:00'"), 4);
        assert_eq!(n("ns > '2013-01-01 05:00:00.000000001'"), 3);
        assert_eq!(n("ns = '2013-01-01 05:00:00.000000001'"), 1);
        // Dates (a hive partition `dt`): 2012-12-31, 01-01, 01-01, 01-02, 01-03, 01-04.
        assert_eq!(n("dt = '2013-01-01'"), 2);
        assert_eq!(n("dt > '2013-01-01'"), 3);
        assert_eq!(n("dt BETWEEN '2013-01-01' AND '2013-01-02'"), 3);
        assert_eq!(n("dt IN ('2012-12-31', '2013-01-04')"), 2);
        assert_eq!(n("dt = DATE '2013-01-01'"), 2);
        assert_eq!(n("dt = '2013-01-01' AND ts >= '2013-01-01 05:00'"), 1);
        // A struct field: `s.at` holds the same timestamps as `ts`.
        let nested =
            df.clone().lazy().with_column(as_struct(vec![col("ts").alias("at")]).alias("s")).collect().expect("struct");
        assert_eq!(count(&nested, "s.at >= '2013-01-01 05:00:00'").unwrap_or_else(|e| panic!("{e}")), 4);
        assert_eq!(count(&nested, "s.at IN ('2013-01-01 05:00:00')").unwrap_or_else(|e| panic!("{e}")), 1);
    }

    #[test]
    fn a_literal_that_is_not_a_date_is_an_error_naming_it() {
        let df = frame();
        let e = count(&df, "dt = '2013-02-30'").expect_err("not a date");
        assert!(e.contains("`dt = '2013-02-30'`") && e.contains("'2013-02-30' is not a date"), "{e}");
        let e = count(&df, "ts >= 'yesterday'").expect_err("not a timestamp");
        assert!(e.contains("'yesterday' is not a timestamp") && e.contains("`ts`"), "{e}");
        let e = count(&df, "dt IN ('2013-01-01', 'soon')").expect_err("not a date");
        assert!(e.contains("'soon' is not a date"), "{e}");
        let e = count(&df, "dt = '2013-01-01 05:00'").expect_err("a timestamp for a date");
        assert!(e.contains("is a timestamp, `dt` is a date"), "{e}");
    }

    #[test]
    fn listed_dates_and_timestamps_are_values_of_the_column_type() {
        use lakegate_core::{Literal, Metric, Validity};
        let df = frame();
        let schema = crate::convert_schema(df.schema());
        let value = |m: Metric| -> f64 {
            let e = crate::lower::expr(&m, &schema).unwrap_or_else(|e| panic!("{e}"));
            let out = df.clone().lazy().select([e.cast(DataType::Float64).alias("v")]).collect().expect("select");
            out.column("v").expect("v").f64().expect("f64").get(0).unwrap_or(f64::NAN)
        };
        let strs = |v: &[&str]| v.iter().map(|s| Literal::Str((*s).to_owned())).collect::<Vec<_>>();
        let allowed = |column: &str, v: &[&str]| Metric::InvalidCount {
            column: column.into(),
            rules: vec![Validity::AllowedValues(strs(v))],
        };
        // 05:00 and 06:00 (UTC, given as an instant) are allowed: 4 of 6 invalid.
        assert_eq!(value(allowed("ts", &["2013-01-01 05:00:00", "2013-01-01T06:00:00Z"])), 4.0);
        // Berlin wall clock 06:00 is 05:00 UTC.
        assert_eq!(value(allowed("berlin", &["2013-01-01 06:00"])), 5.0);
        assert_eq!(value(allowed("dt", &["2013-01-01", "2013-01-02"])), 3.0);
        // Not a date: compared as text, it matches nothing.
        assert_eq!(value(allowed("dt", &["2013-01-01", "someday"])), 4.0);
        let missing = Metric::MissingCount { column: "dt".into(), values: strs(&["2012-12-31"]) };
        assert_eq!(value(missing), 1.0);
    }
    #[test]
    fn data_timestamps_in_the_shapes_sources_write() {
        let t = |s: &str| data_timestamp(s.as_bytes());
        let at = |days: i128, secs: i128, nanos: i128| Some((days * 86_400 + secs) * 1_000_000_000 + nanos);
        // 2024-02-29 is day 19782.
        assert_eq!(t("2024-02-29"), at(19_782, 0, 0));
        assert_eq!(t("2024-02-29T01:02:03"), at(19_782, 3723, 0));
        assert_eq!(t("2024-02-29 01:02:03"), t("2024-02-29T01:02:03Z"));
        assert_eq!(t("2024-02-29T01:02:03z"), t("2024-02-29T01:02:03+00:00"));
        assert_eq!(t("2024-02-29T01:02:03.5"), at(19_782, 3723, 500_000_000));
        assert_eq!(t("2024-02-29T01:02:03.123456789Z"), at(19_782, 3723, 123_456_789));
        // Offsets: the instant, in UTC.
        assert_eq!(t("2024-02-29T01:02:03+01:30"), at(19_782, 3723 - 5400, 0));
        assert_eq!(t("2024-02-29T01:02:03-0130"), at(19_782, 3723 + 5400, 0));
        // A leap second is the next minute's first, as chrono reads it.
        assert_eq!(t("2016-12-31T23:59:60Z"), t("2017-01-01T00:00:00Z"));
        // Before 1970.
        assert_eq!(t("1969-12-31T23:59:59.5Z"), Some(-500_000_000));
        for bad in [
            "",
            "2024-02-30",
            "2023-02-29T00:00:00",
            "2024-13-01",
            "24-01-01",
            "2024-1-01",
            " 2024-01-01",
            "2024-01-01 ",
            "2024-01-01T",
            "2024-01-01t01:02:03",
            "2024-01-01T01:02",
            "2024-01-01T1:02:03",
            "2024-01-01T24:00:00",
            "2024-01-01T01:60:00",
            "2024-01-01T01:02:61",
            "2024-01-01T01:02:03.",
            "2024-01-01T01:02:03.1234567890",
            "2024-01-01T01:02:03+01",
            "2024-01-01T01:02:03+24:00",
            "2024-01-01T01:02:03 +01:00",
            "2024-01-01T01:02:03ZZ",
            "2024-01-01T01:02:03.5x",
            "2024-01-01\u{e9}",
        ] {
            assert_eq!(t(bad), None, "{bad:?}");
        }
    }
}
