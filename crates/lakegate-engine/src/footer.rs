//! Zero-scan answers from Parquet footers: row counts, null counts, and minimum and maximum of
//! integer, date and timestamp columns, when the footer's statistics answer the question
//! exactly (the whole dataset, no filter, statistics in every row group that has values).
//!
//! Not answered from statistics, on purpose: floats (statistics leave NaN out, polars' min and
//! max do not), strings (writers may truncate their statistics), unsigned and decimal columns,
//! nested columns, and anything over a `--where` or a rule's `where`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use lakegate_core::{Agg, Metric};
use polars::io::parquet::read::ParquetReader;
use polars::prelude::SerReader;
use polars_parquet::parquet::schema::types::{IntegerType, PhysicalType, PrimitiveLogicalType, TimeUnit};
use polars_parquet::parquet::statistics::Statistics;

/// What the footers of a dataset's files say.
#[derive(Debug)]
pub struct Footer {
    /// Rows of every file.
    pub rows: u64,
    /// Rows of each file, in the order of the files read.
    pub file_rows: Vec<u64>,
    /// Row groups of every file.
    pub row_groups: usize,
    /// Rows of each row group of each file, in the order of the files read.
    pub group_rows: Vec<Vec<u64>>,
    /// Whether the footers answer metrics (false under a filter or `--no-statistics`).
    pub answers: bool,
    columns: BTreeMap<String, ColumnStats>,
}

#[derive(Debug, Clone, Copy)]
struct ColumnStats {
    /// Null count over all row groups; None when a row group does not say.
    nulls: Option<u64>,
    /// Smallest and largest value (epoch seconds for dates and timestamps), over the row groups
    /// that have values; `exact` false when one of them lacks min/max or the type is not one
    /// that statistics answer exactly.
    min: Option<f64>,
    max: Option<f64>,
    exact: bool,
    /// The column is a date or timestamp (min/max are epoch seconds).
    temporal: bool,
    /// The raw integer bounds (days, timestamp units) and their kind, when one kind throughout.
    raw: Option<(i64, i64)>,
    kind: Option<Kind>,
}

/// How a column's integer statistics become the values lakegate computes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// A signed integer: the value itself.
    Int,
    /// Days since the epoch: seconds as polars computes them (`days as f64 * 86400`).
    Date,
    /// A timestamp: seconds as polars computes them (microseconds as f64 / 1e6).
    Timestamp(TimeUnit),
}

impl Kind {
    fn of(t: &polars_parquet::parquet::schema::types::PrimitiveType) -> Option<Kind> {
        match (&t.physical_type, &t.logical_type, &t.converted_type) {
            (PhysicalType::Int32 | PhysicalType::Int64, None, None) => Some(Kind::Int),
            (
                PhysicalType::Int32 | PhysicalType::Int64,
                Some(PrimitiveLogicalType::Integer(
                    IntegerType::Int8 | IntegerType::Int16 | IntegerType::Int32 | IntegerType::Int64,
                )),
                _,
            ) => Some(Kind::Int),
            (PhysicalType::Int32, Some(PrimitiveLogicalType::Date), _) => Some(Kind::Date),
            (PhysicalType::Int64, Some(PrimitiveLogicalType::Timestamp { unit, .. }), _) => {
                Some(Kind::Timestamp(*unit))
            }
            _ => None,
        }
    }

    fn value(self, v: i64) -> f64 {
        match self {
            Kind::Int => v as f64,
            Kind::Date => v as f64 * 86_400.0,
            Kind::Timestamp(u) => {
                let micros = match u {
                    TimeUnit::Milliseconds => v.saturating_mul(1000),
                    TimeUnit::Microseconds => v,
                    TimeUnit::Nanoseconds => v.div_euclid(1000),
                };
                micros as f64 / 1_000_000.0
            }
        }
    }
}

/// Reads the footers of `files` (no data pages). Objects on object storage: only their last
/// bytes, by range requests, a few objects at a time.
pub fn read(files: &[PathBuf]) -> Result<Footer, String> {
    let mut out = Footer {
        rows: 0,
        file_rows: Vec::new(),
        row_groups: 0,
        group_rows: Vec::new(),
        answers: true,
        columns: BTreeMap::new(),
    };
    let mut seen_files = 0usize;
    let mut remote = if files.iter().any(|f| crate::source::object::is_url(f)) {
        crate::source::object::footers(files)?.into_iter()
    } else {
        Vec::new().into_iter()
    };
    for f in files {
        let md = match remote.next() {
            Some(md) => md,
            None => {
                let file = std::fs::File::open(f).map_err(|e| format!("{}: {e}", f.display()))?;
                let mut reader = ParquetReader::new(file);
                reader.get_metadata().map_err(|e| format!("{}: {e}", f.display()))?.as_ref().clone()
            }
        };
        out.rows += md.num_rows as u64;
        out.file_rows.push(md.num_rows as u64);
        // polars' writer (0.55, `created_by: Polars`) writes twice the real null count for
        // dictionary-encoded column chunks (found on the orders benchmark: 9 nulls in the footer,
        // 7 in the data; reproduced in the tests below). Null counts of such chunks are not used.
        let polars_writer = md.created_by.as_deref().is_some_and(|c| c.starts_with("Polars"));
        out.row_groups += md.row_groups.len();
        out.group_rows.push(md.row_groups.iter().map(|rg| rg.num_rows() as u64).collect());
        // Top-level primitive columns of this file, by name.
        let mut file_cols: BTreeMap<String, ColumnStats> = BTreeMap::new();
        if md.row_groups.is_empty() {
            continue; // an empty file: no rows, nulls or bounds to add
        }
        for rg in &md.row_groups {
            let rows = rg.num_rows() as u64;
            for cc in rg.parquet_columns() {
                let d = cc.descriptor();
                if d.path_in_schema.len() != 1 {
                    continue;
                }
                let name = d.path_in_schema[0].to_string();
                let kind = Kind::of(&d.descriptor.primitive_type);
                let entry = file_cols.entry(name).or_insert(ColumnStats {
                    nulls: Some(0),
                    min: None,
                    max: None,
                    exact: kind.is_some(),
                    temporal: matches!(kind, Some(Kind::Date | Kind::Timestamp(_))),
                    raw: None,
                    kind,
                });
                let stats = match cc.statistics(&md.footer_buf) {
                    Some(Ok(s)) => Some(s),
                    _ => None,
                };
                let trusted = !(polars_writer && cc.dictionary_page_offset().is_some());
                let nulls = stats.as_ref().and_then(null_count).filter(|_| trusted);
                entry.nulls = match (entry.nulls, nulls) {
                    (Some(a), Some(b)) => Some(a + b),
                    _ => None,
                };
                if rows == 0 || nulls == Some(rows) {
                    continue; // no values: nothing to bound
                }
                let Some(kind) = kind else { continue };
                match stats.as_ref().and_then(min_max) {
                    Some((lo, hi)) => {
                        entry.raw = Some(entry.raw.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
                        let (lo, hi) = (kind.value(lo), kind.value(hi));
                        entry.min = Some(entry.min.map_or(lo, |m| m.min(lo)));
                        entry.max = Some(entry.max.map_or(hi, |m| m.max(hi)));
                    }
                    None => entry.exact = false,
                }
            }
        }
        // A column absent from one file (a schema that changed) is not answered.
        if seen_files == 0 {
            out.columns = file_cols;
        } else {
            let keys: Vec<String> = out.columns.keys().cloned().collect();
            for k in keys {
                match (out.columns.get(&k).copied(), file_cols.get(&k)) {
                    (Some(a), Some(b)) if a.temporal == b.temporal => {
                        let merged = ColumnStats {
                            nulls: a.nulls.zip(b.nulls).map(|(x, y)| x + y),
                            min: opt_fold(a.min, b.min, f64::min),
                            max: opt_fold(a.max, b.max, f64::max),
                            exact: a.exact && b.exact,
                            temporal: a.temporal,
                            raw: match (a.raw, b.raw) {
                                _ if a.kind != b.kind => None,
                                (Some((x, y)), Some((u, v))) => Some((x.min(u), y.max(v))),
                                (r, None) | (None, r) => r,
                            },
                            kind: if a.kind == b.kind { a.kind } else { None },
                        };
                        out.columns.insert(k, merged);
                    }
                    _ => {
                        out.columns.remove(&k);
                    }
                }
            }
        }
        seen_files += 1;
    }
    Ok(out)
}

fn opt_fold(a: Option<f64>, b: Option<f64>, f: fn(f64, f64) -> f64) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(f(x, y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn null_count(s: &Statistics) -> Option<u64> {
    let n = match s {
        Statistics::Binary(s) => s.null_count,
        Statistics::Boolean(s) => s.null_count,
        Statistics::FixedLen(s) => s.null_count,
        Statistics::Int32(s) => s.null_count,
        Statistics::Int64(s) => s.null_count,
        Statistics::Int96(s) => s.null_count,
        Statistics::Float(s) => s.null_count,
        Statistics::Double(s) => s.null_count,
    };
    n.and_then(|n| u64::try_from(n).ok())
}

fn min_max(s: &Statistics) -> Option<(i64, i64)> {
    match s {
        Statistics::Int32(s) => Some((i64::from(s.min_value?), i64::from(s.max_value?))),
        Statistics::Int64(s) => Some((s.min_value?, s.max_value?)),
        _ => None,
    }
}

/// Row ranges (offset, rows) over row groups of `groups` rows, on their boundaries: a range
/// takes the next row group when that brings it closer to `rows` (so at most half a row group
/// more); a row group of more than `rows` rows is cut in ranges of `rows` rows (there is no
/// smaller unit to read).
fn cuts(groups: impl Iterator<Item = u64>, rows: u64) -> Vec<(u64, u64)> {
    let rows = rows.max(1);
    let (mut out, mut start, mut len) = (Vec::new(), 0u64, 0u64);
    for n in groups {
        if n > rows {
            if len > 0 {
                out.push((start, len));
            }
            start += len;
            for i in 0..n.div_ceil(rows) {
                out.push((start + i * rows, rows.min(n - i * rows)));
            }
            (start, len) = (start + n, 0);
        } else if len == 0 || (len + n).abs_diff(rows) < len.abs_diff(rows) {
            len += n;
        } else {
            out.push((start, len));
            (start, len) = (start + len, n);
        }
    }
    if len > 0 {
        out.push((start, len));
    }
    out
}

impl Footer {
    /// Row ranges (offset, rows) of about `rows` rows each that cover the dataset and end on
    /// row-group boundaries: a row group cut by two slices would be fetched and decoded by
    /// both (on object storage, its bytes transferred twice). See [`cuts`].
    pub fn slices(&self, rows: u64) -> Vec<(u64, u64)> {
        cuts(self.group_rows.iter().flatten().copied(), rows)
    }

    /// [`Footer::slices`] of the `file`-th file alone (offsets within it).
    pub fn file_slices(&self, file: usize, rows: u64) -> Vec<(u64, u64)> {
        cuts(self.group_rows.get(file).into_iter().flatten().copied(), rows)
    }

    /// The exact bounds of an integer, date or timestamp column in its physical integers
    /// (days, timestamp units), None when a row group lacks them or files disagree on the type.
    /// Valid for any subset of the rows, filtered or not.
    pub fn int_range(&self, column: &str) -> Option<(i64, i64)> {
        let s = self.columns.get(column)?;
        if !s.exact || s.kind.is_none() {
            return None;
        }
        s.raw
    }

    /// The metric's value when the footers answer it exactly.
    pub fn answer(&self, m: &Metric) -> Option<f64> {
        if !self.answers {
            return None;
        }
        let col = |c: &str| self.columns.get(c);
        match m {
            Metric::RowCount | Metric::Aggregate { agg: Agg::Count, .. } => Some(self.rows as f64),
            Metric::NullCount { column } | Metric::Aggregate { column, agg: Agg::NullCount } => {
                col(column)?.nulls.map(|n| n as f64)
            }
            Metric::Aggregate { column, agg: agg @ (Agg::Min | Agg::Max) } => {
                let s = col(column)?;
                if !s.exact {
                    return None;
                }
                Some(if *agg == Agg::Min { s.min } else { s.max }.unwrap_or(f64::NAN))
            }
            Metric::MaxEpoch { column } | Metric::MinEpoch { column } => {
                let s = col(column)?;
                if !s.exact || !s.temporal {
                    return None;
                }
                Some(if matches!(m, Metric::MinEpoch { .. }) { s.min } else { s.max }.unwrap_or(f64::NAN))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::*;

    fn footer_of(df: &mut DataFrame, row_group: usize) -> Footer {
        let dir = tempfile::tempdir().expect("tmp");
        let p = dir.path().join("t.parquet");
        ParquetWriter::new(std::fs::File::create(&p).expect("create"))
            .with_row_group_size(Some(row_group))
            .finish(df)
            .expect("write");
        read(&[p]).expect("footer")
    }

    /// Slices end on row-group boundaries, cover every row once, and stay near the target.
    #[test]
    fn slices_follow_row_groups() {
        let f = |groups: &[u64]| Footer {
            rows: groups.iter().sum(),
            file_rows: vec![groups.iter().sum()],
            row_groups: groups.len(),
            group_rows: vec![groups.to_vec()],
            answers: true,
            columns: BTreeMap::new(),
        };
        // The orders benchmark: 38 row groups of 263,157 rows (the last shorter), 2,097,152-row
        // slices: 8 row groups each (2,105,256 rows), not a cut inside every 8th row group.
        let mut orders = vec![263_157u64; 37];
        orders.push(10_000_000 - 37 * 263_157);
        let s = f(&orders).slices(2_097_152);
        assert_eq!(s.len(), 5);
        assert_eq!(s[0], (0, 2_105_256));
        assert_eq!(s[1], (2_105_256, 2_105_256));
        assert_eq!(s[4], (4 * 2_105_256, 10_000_000 - 4 * 2_105_256));
        // Closer to the target without the next row group: it starts the next slice.
        assert_eq!(f(&[70, 70, 70]).slices(100), vec![(0, 70), (70, 70), (140, 70)]);
        assert_eq!(f(&[60, 60, 60]).slices(100), vec![(0, 120), (120, 60)]);
        assert_eq!(f(&[40, 40, 40, 40]).slices(100), vec![(0, 80), (80, 80)]);
        // A row group larger than a slice is cut inside (no smaller unit to read).
        assert_eq!(f(&[30, 250, 30]).slices(100), vec![(0, 30), (30, 100), (130, 100), (230, 50), (280, 30)]);
        // One file of several: offsets within it.
        let two = Footer { group_rows: vec![vec![5, 5], vec![40, 40, 40]], ..f(&[]) };
        assert_eq!(two.file_slices(1, 100), vec![(0, 80), (80, 40)]);
        assert_eq!(two.file_slices(0, 100), vec![(0, 10)]);
        assert_eq!(two.slices(100), vec![(0, 90), (90, 40)]);
        // Empty row groups change nothing; every row is covered once.
        for groups in [&[0u64, 7, 0, 13, 5][..], &[1; 17], &[99, 1, 100, 101, 3]] {
            for rows in [1, 2, 10, 64, 1000] {
                let s = f(groups).slices(rows);
                let mut at = 0;
                for &(o, n) in &s {
                    assert_eq!(o, at, "{groups:?} / {rows}: {s:?}");
                    assert!(n > 0 && n <= rows + rows / 2, "{groups:?} / {rows}: {s:?}");
                    at += n;
                }
                assert_eq!(at, groups.iter().sum::<u64>());
            }
        }
    }

    /// polars writes dictionary-encoded chunks (few distinct values) with doubled null counts;
    /// lakegate must never report them. Unique values are written plain, with exact counts.
    #[test]
    fn polars_dictionary_null_counts_are_not_trusted() {
        for (n, distinct) in [(600_000i64, 1_000i64), (600_000, 1_000_000)] {
            let v: Vec<Option<i64>> =
                (0..n).map(|i| if i % 99_991 == 7 { None } else { Some((i * 7919) % distinct - 50) }).collect();
            let nulls = v.iter().filter(|x| x.is_none()).count() as f64;
            let lo = v.iter().flatten().min().copied().map(|x| x as f64);
            let hi = v.iter().flatten().max().copied().map(|x| x as f64);
            let mut df = DataFrame::new(n as usize, vec![Column::new("a".into(), v)]).expect("df");
            let f = footer_of(&mut df, 262_144);
            let a = "a".to_owned();
            match f.answer(&Metric::NullCount { column: a.clone() }) {
                Some(x) => assert_eq!(x, nulls, "{distinct} distinct"),
                None => assert!(distinct < n, "plain chunks keep their null counts"),
            }
            assert_eq!(f.answer(&Metric::Aggregate { column: a.clone(), agg: Agg::Min }), lo);
            assert_eq!(f.answer(&Metric::Aggregate { column: a, agg: Agg::Max }), hi);
            assert_eq!(f.answer(&Metric::RowCount), Some(n as f64));
        }
    }
}
