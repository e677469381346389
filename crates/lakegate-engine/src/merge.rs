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
    /// Smallest of the slices' values (NaN when a slice's is: the NaN rule, see `lower`).
    Min,
    /// Largest of the slices' values (NaN when a slice's is).
    Max,
    /// Two states (sum, count of non-null values): sum / count.
    Mean,
    /// An exact integer sum: two states per slice, the slice's 128-bit sum split in
    /// `sum div 2^32` and `sum mod 2^32` (each exact as an f64 for sums below 2^85), added up
    /// as integers.
    ExactSum,
    /// The mean of integers: the [`Merge::ExactSum`] states and the count of non-null values;
    /// the mean of the exact total (see `lower::exact_mean`).
    ExactMean,
    /// An exact decimal sum of this scale: the [`Merge::ExactSum`] states of the values' integer
    /// parts, then those of their fractions times 10^scale; the unscaled total is scaled once.
    DecimalSum(u32),
    /// The mean of decimals: the [`Merge::DecimalSum`] states and the count of non-null values.
    DecimalMean(u32),
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
        Metric::Aggregate { column, agg: agg @ (Agg::Sum | Agg::Avg) } if lower::exact_sum(column, schema) => {
            Some(lower::operand(column, *agg, schema).map(|x| {
                let mut states = split(x.clone().sum());
                match agg {
                    Agg::Sum => (Merge::ExactSum, states),
                    _ => {
                        states.push(x.count());
                        (Merge::ExactMean, states)
                    }
                }
            }))
        }
        Metric::Aggregate { column, agg: agg @ (Agg::Sum | Agg::Avg) }
            if lower::decimal_scale(column, schema).is_some() =>
        {
            let scale = lower::decimal_scale(column, schema).unwrap_or(0);
            Some(lower::operand(column, *agg, schema).map(|x| {
                let (int, frac) = lower::decimal_parts(x.clone(), scale);
                let mut states = split(int.sum());
                states.extend(split(frac.sum()));
                match agg {
                    Agg::Sum => (Merge::DecimalSum(scale), states),
                    _ => {
                        states.push(x.count());
                        (Merge::DecimalMean(scale), states)
                    }
                }
            }))
        }
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

/// Where exact sums are split into two f64-exact halves.
const SPLIT: i64 = 1 << 32;

/// A 128-bit integer sum as two states, `sum div 2^32` and `sum mod 2^32`.
fn split(sum: Expr) -> Vec<Expr> {
    let hi = sum.clone().floor_div(lit(SPLIT));
    let lo = sum - hi.clone() * lit(SPLIT);
    vec![hi, lo]
}

/// The exact total of [`Merge::ExactSum`] states (the first two of each slice).
fn exact_total(slices: &[Vec<Option<f64>>]) -> i128 {
    exact_total_at(slices, 0)
}

/// The exact total of the split sums at states `at` and `at + 1` of each slice.
fn exact_total_at(slices: &[Vec<Option<f64>>], at: usize) -> i128 {
    slices
        .iter()
        .map(|s| {
            let part = |i: usize| s.get(i).copied().flatten().unwrap_or(0.0) as i128;
            part(at) * i128::from(SPLIT) + part(at + 1)
        })
        .sum()
}

/// The unscaled total of [`Merge::DecimalSum`] states: integer parts times 10^scale plus the
/// scaled fractions.
fn decimal_total(slices: &[Vec<Option<f64>>], scale: u32) -> i128 {
    exact_total_at(slices, 0) * 10i128.pow(scale) + exact_total_at(slices, 2)
}

/// `x / 10^scale`, as `lower` scales a decimal sum or mean.
fn descale(x: f64, scale: u32) -> f64 {
    x / 10f64.powi(scale as i32)
}

/// `total / n` rounded once, as `lower::exact_mean` computes it in polars (NaN when `n` is 0).
pub fn exact_mean(total: i128, n: i128) -> f64 {
    if n == 0 {
        return f64::NAN;
    }
    let (q, r) = (total.div_euclid(n), total.rem_euclid(n));
    q as f64 + r as f64 / n as f64
}

/// Merges the per-slice states (`slices[i]` holds slice i's states, None for null) into the
/// metric's value (NaN when there is none).
pub fn finish(merge: Merge, slices: &[Vec<Option<f64>>]) -> f64 {
    let first = |s: &Vec<Option<f64>>| s.first().copied().flatten();
    match merge {
        Merge::Sum => slices.iter().filter_map(first).sum(),
        Merge::ExactSum => exact_total(slices) as f64,
        Merge::ExactMean => {
            let n: f64 = slices.iter().map(|s| s.get(2).copied().flatten().unwrap_or(0.0)).sum();
            exact_mean(exact_total(slices), n as i128)
        }
        Merge::DecimalSum(scale) => descale(decimal_total(slices, scale) as f64, scale),
        Merge::DecimalMean(scale) => {
            let n: f64 = slices.iter().map(|s| s.get(4).copied().flatten().unwrap_or(0.0)).sum();
            descale(exact_mean(decimal_total(slices, scale), n as i128), scale)
        }
        Merge::Min => {
            fold(slices.iter().filter_map(first), |a, b| if a.is_nan() || b.is_nan() { f64::NAN } else { a.min(b) })
        }
        Merge::Max => {
            fold(slices.iter().filter_map(first), |a, b| if a.is_nan() || b.is_nan() { f64::NAN } else { a.max(b) })
        }
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
        assert!(finish(Merge::Min, &[s(&[Some(f64::NAN)]), s(&[Some(3.0)]), s(&[None])]).is_nan());
        assert!(finish(Merge::Max, &[s(&[Some(3.0)]), s(&[Some(f64::NAN)])]).is_nan());
        assert_eq!(finish(Merge::Min, &[s(&[Some(4.0)]), s(&[Some(3.0)]), s(&[None])]), 3.0);
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

    #[test]
    fn integer_sums_merge_exactly() {
        // Slices of 2^53 and 1 + 1: as (sum div 2^32, sum mod 2^32).
        let a = vec![Some((1u64 << 21) as f64), Some(0.0), Some(1.0)];
        let b = vec![Some(0.0), Some(2.0), Some(2.0)];
        assert_eq!(finish(Merge::ExactSum, &[a.clone(), vec![None, None, None], b.clone()]), 9_007_199_254_740_994.0);
        assert_eq!(finish(Merge::ExactMean, &[a, b]), 3_002_399_751_580_331.5);
        // -3 = -1 * 2^32 + (2^32 - 3).
        let c = vec![Some(-1.0), Some(4_294_967_293.0), Some(2.0)];
        assert_eq!(finish(Merge::ExactSum, std::slice::from_ref(&c)), -3.0);
        assert_eq!(finish(Merge::ExactMean, &[c]), -1.5);
        assert!(finish(Merge::ExactMean, &[vec![Some(0.0), Some(0.0), Some(0.0)]]).is_nan());
        assert_eq!(exact_mean(7, 2), 3.5);
        assert_eq!(exact_mean(-7, 2), -3.5);
    }

    #[test]
    fn decimal_sums_merge_exactly() {
        // Slices [0.10, 0.20] and [-0.07] at scale 2: (int hi, int lo, frac hi, frac lo, count).
        let a = vec![Some(0.0), Some(0.0), Some(0.0), Some(30.0), Some(2.0)];
        let b = vec![Some(0.0), Some(0.0), Some(-1.0), Some(4_294_967_289.0), Some(1.0)];
        assert_eq!(finish(Merge::DecimalSum(2), &[a.clone(), b.clone()]), 0.23);
        assert_eq!(finish(Merge::DecimalMean(2), &[a, b]), 0.23 / 3.0);
        // 12.5 + 0.25 at scale 18: integer parts 12, fractions 0.75e18.
        let c = vec![Some(0.0), Some(12.0), Some(174_622_982.0), Some(3_180_003_328.0), Some(2.0)];
        assert_eq!(750_000_000_000_000_000i128, 174_622_982 * (1i128 << 32) + 3_180_003_328);
        assert_eq!(finish(Merge::DecimalSum(18), std::slice::from_ref(&c)), 12.75);
        assert!(finish(Merge::DecimalMean(2), &[vec![Some(0.0); 5]]).is_nan());
    }
}
