//! The files of one dataset read as the union of their columns by name (schema evolution: an
//! old partition without a later column). A column's type is the same in every file, or one
//! that holds every file's values exactly (int32 and int64 give int64); anything else is an
//! error naming the two files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;

/// The union schema of `schemas` (one per file, in file order; columns in order of first
/// appearance) and, for each column some files lack, how many lack it. `json`: the types come
/// from JSON values, not from a declaration, so integers and floats give float64. A column the
/// contract does not declare (`declared` is false for it) whose types cannot be united is left
/// out, with a warning: only what the contract reads may stop a dataset.
pub fn union(
    files: &[PathBuf],
    schemas: &[SchemaRef],
    json: bool,
    shown: fn(&Path) -> String,
    declared: &dyn Fn(&str) -> bool,
) -> PolarsResult<(Schema, BTreeMap<String, usize>)> {
    let mut out = Schema::default();
    let mut dropped: Vec<PlSmallStr> = Vec::new();
    // The file each column's current type came from (for messages).
    let mut from: BTreeMap<PlSmallStr, usize> = BTreeMap::new();
    for (i, s) in schemas.iter().enumerate() {
        for (name, t) in s.iter() {
            match out.get(name) {
                None => {
                    out.with_column(name.clone(), t.clone());
                    from.insert(name.clone(), i);
                }
                Some(have) if have == t => {}
                Some(have) => match widen(have, t, json) {
                    Some(w) => {
                        if &w != have {
                            from.insert(name.clone(), i);
                        }
                        out.with_column(name.clone(), w);
                    }
                    None if !declared(name.as_str()) => {
                        if !dropped.contains(name) {
                            let j = from.get(name).copied().unwrap_or(0);
                            tracing::warn!(
                                "column `{name}` is {} in `{}` but {} in `{}`; the contract does not declare it: left out",
                                type_name(have),
                                shown(&files[j]),
                                type_name(t),
                                shown(&files[i])
                            );
                            dropped.push(name.clone());
                        }
                    }
                    None => {
                        let j = from.get(name).copied().unwrap_or(0);
                        polars_bail!(ComputeError:
                            "column `{name}` is {} in `{}` but {} in `{}`: the files of a dataset must agree \
                             on a column's type (lakegate widens only where no value changes: int32 to int64, \
                             float32 to float64)",
                            type_name(have), shown(&files[j]), type_name(t), shown(&files[i])
                        );
                    }
                },
            }
        }
    }
    if !dropped.is_empty() {
        out = out.iter().filter(|(n, _)| !dropped.contains(n)).map(|(n, t)| (n.clone(), t.clone())).collect();
    }
    let missing = out
        .iter_names()
        .filter_map(|n| {
            let lacking = schemas.iter().filter(|s| s.get(n).is_none()).count();
            (lacking > 0).then(|| (n.to_string(), lacking))
        })
        .collect();
    Ok((out, missing))
}

/// A type's name as lakegate's messages write it (`int64`, `string`, `timestamp[tz]`).
pub fn type_name(t: &DataType) -> String {
    let schema = Schema::from_iter([Field::new("x".into(), t.clone())]);
    crate::convert_schema(&schema).pop().map(|(_, c)| c.name()).unwrap_or_else(|| t.to_string())
}

fn int_bits(t: &DataType) -> Option<(bool, u32)> {
    Some(match t {
        DataType::Int8 => (true, 8),
        DataType::Int16 => (true, 16),
        DataType::Int32 => (true, 32),
        DataType::Int64 => (true, 64),
        DataType::UInt8 => (false, 8),
        DataType::UInt16 => (false, 16),
        DataType::UInt32 => (false, 32),
        DataType::UInt64 => (false, 64),
        _ => return None,
    })
}

fn int_of(signed: bool, bits: u32) -> DataType {
    match (signed, bits) {
        (true, 8) => DataType::Int8,
        (true, 16) => DataType::Int16,
        (true, 32) => DataType::Int32,
        (true, _) => DataType::Int64,
        (false, 8) => DataType::UInt8,
        (false, 16) => DataType::UInt16,
        (false, 32) => DataType::UInt32,
        (false, _) => DataType::UInt64,
    }
}

/// Decimal digits an integer type needs.
fn int_digits(bits: u32, signed: bool) -> usize {
    match (bits, signed) {
        (8, _) => 3,
        (16, _) => 5,
        (32, _) => 10,
        (_, true) => 19,
        (_, false) => 20,
    }
}

/// A type that holds every value of `a` and of `b` exactly; `json`: integers and floats give
/// float64 (JSON numbers have no declared width).
pub fn widen(a: &DataType, b: &DataType, json: bool) -> Option<DataType> {
    use DataType as D;
    if a == b {
        return Some(a.clone());
    }
    Some(match (a, b) {
        (D::Null, t) | (t, D::Null) => t.clone(),
        (D::Categorical(..) | D::Enum(..) | D::String, D::Categorical(..) | D::Enum(..) | D::String) => D::String,
        (D::Float32, D::Float64) | (D::Float64, D::Float32) => D::Float64,
        (D::List(x), D::List(y)) => D::List(Box::new(widen(x, y, json)?)),
        (D::Datetime(u1, z1), D::Datetime(u2, z2)) if z1 == z2 => {
            let finer = |u: &TimeUnit| match u {
                TimeUnit::Milliseconds => 0,
                TimeUnit::Microseconds => 1,
                TimeUnit::Nanoseconds => 2,
            };
            D::Datetime(if finer(u1) >= finer(u2) { *u1 } else { *u2 }, z1.clone())
        }
        (D::Decimal(p1, s1), D::Decimal(p2, s2)) => {
            let s = *s1.max(s2);
            let p = (p1 - s1).max(p2 - s2) + s;
            if p > 38 {
                return None;
            }
            D::Decimal(p, s)
        }
        (D::Decimal(p, s), i) | (i, D::Decimal(p, s)) if int_bits(i).is_some() => {
            let (signed, bits) = int_bits(i)?;
            let p = (p - s).max(int_digits(bits, signed)) + s;
            if p > 38 {
                return None;
            }
            D::Decimal(p, *s)
        }
        (f @ (D::Float32 | D::Float64), i) | (i, f @ (D::Float32 | D::Float64)) if int_bits(i).is_some() => {
            let (_, bits) = int_bits(i)?;
            match f {
                D::Float32 if bits <= 16 => D::Float32,
                _ if bits <= 32 || json => D::Float64,
                _ => return None,
            }
        }
        _ => {
            let ((sa, ba), (sb, bb)) = (int_bits(a)?, int_bits(b)?);
            match (sa, sb) {
                _ if sa == sb => int_of(sa, ba.max(bb)),
                // Signed and unsigned: a signed type wider than the unsigned one.
                _ => {
                    let (s_bits, u_bits) = if sa { (ba, bb) } else { (bb, ba) };
                    if u_bits >= 64 {
                        return None;
                    }
                    int_of(true, s_bits.max(u_bits * 2))
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widening_keeps_every_value() {
        use DataType as D;
        assert_eq!(widen(&D::Int32, &D::Int64, false), Some(D::Int64));
        assert_eq!(widen(&D::UInt32, &D::Int32, false), Some(D::Int64));
        assert_eq!(widen(&D::UInt64, &D::Int64, false), None);
        assert_eq!(widen(&D::Float32, &D::Float64, false), Some(D::Float64));
        assert_eq!(widen(&D::Int32, &D::Float64, false), Some(D::Float64));
        assert_eq!(widen(&D::Int64, &D::Float64, false), None, "an int64 above 2^53 changes as a float64");
        assert_eq!(widen(&D::Int64, &D::Float64, true), Some(D::Float64));
        assert_eq!(widen(&D::Int64, &D::String, true), None);
        assert_eq!(widen(&D::Null, &D::String, true), Some(D::String));
        assert_eq!(widen(&D::Decimal(10, 2), &D::Decimal(12, 4), false), Some(D::Decimal(12, 4)));
        assert_eq!(widen(&D::Decimal(10, 2), &D::Int32, false), Some(D::Decimal(12, 2)));
        assert_eq!(widen(&D::Date, &D::Datetime(TimeUnit::Microseconds, None), false), None);
        let ms = D::Datetime(TimeUnit::Milliseconds, None);
        let us = D::Datetime(TimeUnit::Microseconds, None);
        assert_eq!(widen(&ms, &us, false), Some(us.clone()));
        assert_eq!(widen(&us, &D::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC)), false), None);
    }

    #[test]
    fn union_counts_the_files_that_lack_a_column() {
        let files: Vec<PathBuf> = ["a.parquet", "b.parquet", "c.parquet"].iter().map(PathBuf::from).collect();
        let s = |cols: &[(&str, DataType)]| {
            Arc::new(Schema::from_iter(cols.iter().map(|(n, t)| Field::new((*n).into(), t.clone()))))
        };
        let schemas = vec![
            s(&[("id", DataType::Int32)]),
            s(&[("id", DataType::Int64), ("x", DataType::String)]),
            s(&[("x", DataType::String), ("id", DataType::Int64)]),
        ];
        let shown = |p: &Path| p.display().to_string();
        let all = |_: &str| true;
        let (u, missing) = union(&files, &schemas, false, shown, &all).expect("union");
        assert_eq!(u.iter_names().map(|n| n.as_str()).collect::<Vec<_>>(), ["id", "x"]);
        assert_eq!(u.get("id"), Some(&DataType::Int64));
        assert_eq!(missing, BTreeMap::from([("x".to_owned(), 1)]));
        let bad = vec![s(&[("id", DataType::Int32)]), s(&[("id", DataType::Int64)]), s(&[("id", DataType::String)])];
        let e = union(&files, &bad, false, shown, &all).expect_err("string and int64").to_string();
        assert!(e.contains("column `id` is int64 in `b.parquet` but string in `c.parquet`"), "{e}");
        // Not declared: left out, the dataset still read.
        let (u, _) = union(&files, &bad, false, shown, &|_: &str| false).expect("undeclared conflict");
        assert!(u.is_empty(), "{u:?}");
    }
}
