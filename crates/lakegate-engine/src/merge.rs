//! Mergeable metric states, as in Deequ: a metric computed over slices of a dataset, one
//! small state per slice, merged into the metric of the whole. Large Parquet datasets are
//! read slice by slice, so memory holds one slice, not the dataset.
//!
//! Counts and sums add up, minimum and maximum fold, a mean is a sum and a count, a standard
//! deviation is (count, mean, M2) merged with Chan et al.'s formula. Everything else (median,
//! quantiles, distinct counts of strings, order checks, expressions) reads the whole dataset.

use lakegate_core::{Agg, DataSchema, Metric};
use polars::prelude::*;

use crate::lower;

/// How the per-slice states of a metric merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    /// Counts and sums: add.
    Sum,
    /// Smallest of the slices' values (NaN only when every slice is NaN, as polars' `min`).
    Min,
    /// Largest of the slices' values.
    Max,
    /// Two states (sum, count of non-null values): sum / count.
    Mean,
    /// Three states (count, mean, variance with ddof 0): sample standard deviation (ddof 1).
    Stddev,
}

/// The merge of a metric and the expressions of its per-slice states; None when the metric
/// does not merge (it is computed over the whole dataset).
pub fn states(m: &Metric, schema: &DataSchema) -> Option<Result<(Merge, Vec<Expr>), String>> {
    let whole = |merge: Merge| Some(lower::expr(m, schema).map(|e| (merge, vec![e])));
    match m {
        Metric::RowCount
        | Metric::NullCount { .. }
        | Metric::NullAnyCount { .. }
        | Metric::MissingCount { .. }
        | Metric::InvalidCount { .. }
        | Metric::RowConditionFailures { .. } => whole(Merge::Sum),
        Metric::MaxEpoch { .. } => whole(Merge::Max),
        Metric::MinEpoch { .. } => whole(Merge::Min),
        Metric::Aggregate { column, agg } => match agg {
            Agg::Sum | Agg::Count | Agg::NullCount => whole(Merge::Sum),
            Agg::Min | Agg::MinLength => whole(Merge::Min),
            Agg::Max | Agg::MaxLength => whole(Merge::Max),
            Agg::Avg | Agg::AvgLength => {
                Some(lower::operand(column, *agg, schema).map(|x| (Merge::Mean, vec![x.clone().sum(), x.count()])))
            }
            Agg::Stddev => Some(
                lower::operand(column, *agg, schema)
                    .map(|x| (Merge::Stddev, vec![x.clone().count(), x.clone().mean(), x.var(0)])),
            ),
            Agg::Median | Agg::Quantile(_) | Agg::DistinctCount | Agg::DistinctRatio => None,
        },
        _ => None,
    }
}

/// Merges the per-slice states (`slices[i]` holds slice i's states, None for null) into the
/// metric's value (NaN when there is none).
pub fn finish(merge: Merge, slices: &[Vec<Option<f64>>]) -> f64 {
    let first = |s: &Vec<Option<f64>>| s.first().copied().flatten();
    match merge {
        Merge::Sum => slices.iter().filter_map(first).sum(),
        Merge::Min => fold(slices.iter().filter_map(first), f64::min),
        Merge::Max => fold(slices.iter().filter_map(first), f64::max),
        Merge::Mean => {
            let (mut sum, mut n) = (0.0, 0.0);
            for s in slices {
                sum += s.first().copied().flatten().unwrap_or(0.0);
                n += s.get(1).copied().flatten().unwrap_or(0.0);
            }
            if n == 0.0 { f64::NAN } else { sum / n }
        }
        Merge::Stddev => {
            // Chan, Golub and LeVeque: pairwise update of (n, mean, M2).
            let (mut n, mut mean, mut m2) = (0.0f64, 0.0f64, 0.0f64);
            for s in slices {
                let nb = s.first().copied().flatten().unwrap_or(0.0);
                if nb == 0.0 {
                    continue;
                }
                let mb = s.get(1).copied().flatten().unwrap_or(f64::NAN);
                let m2b = s.get(2).copied().flatten().unwrap_or(f64::NAN) * nb;
                let total = n + nb;
                let delta = mb - mean;
                mean += delta * nb / total;
                m2 += m2b + delta * delta * n * nb / total;
                n = total;
            }
            if n < 2.0 { f64::NAN } else { (m2 / (n - 1.0)).sqrt() }
        }
    }
}

fn fold(mut values: impl Iterator<Item = f64>, f: fn(f64, f64) -> f64) -> f64 {
    match values.next() {
        Some(v) => values.fold(v, f),
        None => f64::NAN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_like_the_whole() {
        let s = |v: &[Option<f64>]| v.to_vec();
        assert_eq!(finish(Merge::Sum, &[s(&[Some(2.0)]), s(&[None]), s(&[Some(3.0)])]), 5.0);
        assert_eq!(finish(Merge::Min, &[s(&[Some(f64::NAN)]), s(&[Some(3.0)]), s(&[None])]), 3.0);
        assert!(finish(Merge::Max, &[s(&[None])]).is_nan());
        assert_eq!(finish(Merge::Mean, &[s(&[Some(6.0), Some(2.0)]), s(&[Some(0.0), Some(0.0)])]), 3.0);
        assert!(finish(Merge::Mean, &[s(&[Some(0.0), Some(0.0)])]).is_nan());
        // [1, 2] and [3, 4, 5]: sample stddev of 1..=5 is sqrt(2.5).
        let a = [Some(2.0), Some(1.5), Some(0.25)];
        let b = [Some(3.0), Some(4.0), Some(2.0 / 3.0)];
        let got = finish(Merge::Stddev, &[s(&a), s(&[Some(0.0), None, None]), s(&b)]);
        assert!((got - 2.5f64.sqrt()).abs() < 1e-12, "{got}");
        assert!(finish(Merge::Stddev, &[s(&[Some(1.0), Some(4.0), Some(0.0)])]).is_nan());
    }
}
