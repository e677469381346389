//! Exact distinct counting of integer keys (one or two 64-bit columns), in parallel.
//!
//! polars' `n_unique` hashes on one thread per expression; uniqueness and distinct counts
//! of ids are most of a data-quality run's time. Here the keys are radix-partitioned by a
//! hash into 64 parts, and each part's distinct values are counted in its own hash set, the
//! parts on all cores. Exact: sets compare whole keys, the hash only spreads them.

use hashbrown::HashSet;
use polars::prelude::*;
use rayon::prelude::*;

const PARTS: usize = 64;

fn spread(x: u128) -> usize {
    // fold the key to 64 bits, then Fibonacci hashing; the top 6 bits pick the part.
    let h = ((x as u64) ^ ((x >> 64) as u64).rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> 58) as usize
}

/// Keys of the rows where no key column is null: one u128 per row (two i64 packed).
pub fn keys(columns: &[&Column]) -> PolarsResult<Vec<u128>> {
    let cas: Vec<Int64Chunked> =
        columns.iter().map(|c| c.cast(&DataType::Int64).and_then(|s| s.i64().cloned())).collect::<PolarsResult<_>>()?;
    match cas.as_slice() {
        [a] => Ok(a.iter().flatten().map(|v| u128::from(v as u64)).collect()),
        [a, b] => Ok(a
            .iter()
            .zip(b.iter())
            .filter_map(|(x, y)| Some((u128::from(x? as u64) << 64) | u128::from(y? as u64)))
            .collect()),
        _ => polars_bail!(ComputeError: "the distinct kernel takes one or two key columns"),
    }
}

/// The number of distinct values in `keys`.
pub fn count(keys: &[u128]) -> usize {
    if keys.is_empty() {
        return 0;
    }
    let chunk = keys.len().div_ceil(rayon::current_num_threads().max(1) * 4).max(1 << 16);
    // Partition each chunk, then gather each part across chunks and count it.
    let parted: Vec<Vec<Vec<u128>>> = keys
        .par_chunks(chunk)
        .map(|c| {
            let mut parts: Vec<Vec<u128>> = (0..PARTS).map(|_| Vec::with_capacity(c.len() / PARTS + 16)).collect();
            for &k in c {
                parts[spread(k)].push(k);
            }
            parts
        })
        .collect();
    (0..PARTS)
        .into_par_iter()
        .map(|p| {
            let n: usize = parted.iter().map(|c| c[p].len()).sum();
            let mut set: HashSet<u128> = HashSet::with_capacity(n);
            for c in &parted {
                set.extend(c[p].iter().copied());
            }
            set.len()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_exactly_with_nulls_and_pairs() {
        let a = Column::new("a".into(), [Some(1i64), Some(2), Some(2), None, Some(-5), Some(-5), Some(i64::MIN)]);
        let b = Column::new("b".into(), [Some(1i64), Some(1), Some(1), Some(3), None, Some(7), Some(i64::MAX)]);
        let k = keys(&[&a]).expect("keys");
        assert_eq!((k.len(), count(&k)), (6, 4));
        let k2 = keys(&[&a, &b]).expect("keys");
        // rows without nulls: (1,1) (2,1) (2,1) (-5,7) (MIN,MAX) -> 4 distinct of 5
        assert_eq!((k2.len(), count(&k2)), (5, 4));
        // (x, y) and (y, x) stay apart; large inputs cross chunk boundaries.
        let big: Vec<u128> = (0..300_000u128).map(|i| i % 1000).collect();
        assert_eq!(count(&big), 1000);
        assert_eq!(count(&[]), 0);
    }

    /// The fast path against polars' own n_unique (the plain path) on data with nulls,
    /// negatives, extremes, dates and timestamps.
    #[test]
    fn agrees_with_polars_n_unique() {
        let mut x: u64 = 7;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let a: Vec<Option<i64>> = (0..200_000)
            .map(|_| {
                let v = next();
                (v % 11 != 0).then(|| (v % 5_000) as i64 - 2_500)
            })
            .collect();
        let b: Vec<Option<i64>> = (0..200_000)
            .map(|_| {
                let v = next();
                (v % 13 != 0).then_some(if v % 97 == 0 { i64::MIN } else { (v % 300) as i64 })
            })
            .collect();
        let df = DataFrame::new(200_000, vec![Column::new("a".into(), a), Column::new("b".into(), b)]).expect("df");
        let reference = df
            .clone()
            .lazy()
            .select([
                col("a").drop_nulls().n_unique().alias("one"),
                as_struct(vec![col("a"), col("b")])
                    .filter(col("a").is_not_null().and(col("b").is_not_null()))
                    .n_unique()
                    .alias("two"),
                col("a").cast(DataType::Date).drop_nulls().n_unique().alias("date"),
            ])
            .collect()
            .expect("polars");
        let get = |n: &str| {
            reference
                .column(n)
                .expect("col")
                .cast(&DataType::UInt64)
                .expect("u64")
                .u64()
                .expect("u64")
                .get(0)
                .expect("v") as usize
        };
        let a = df.column("a").expect("a");
        let b = df.column("b").expect("b");
        assert_eq!(count(&keys(&[a]).expect("keys")), get("one"));
        assert_eq!(count(&keys(&[a, b]).expect("keys")), get("two"));
        let dates = a.cast(&DataType::Date).expect("date");
        assert_eq!(count(&keys(&[&dates]).expect("keys")), get("date"));
        let ts = a.cast(&DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))).expect("ts");
        assert_eq!(count(&keys(&[&ts]).expect("keys")), get("one"));
    }
}
