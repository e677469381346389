//! Exact distinct counting of integer keys (one or two 64-bit columns), in parallel.
//!
//! polars' `n_unique` hashes on one thread per expression; uniqueness and distinct counts
//! of ids are most of a data-quality run's time. Here the keys are radix-partitioned by a
//! hash into 256 parts, and each part's distinct values live in its own hash set, the parts
//! filled on all cores. Exact: sets compare whole keys, the hash only spreads them.
//!
//! The kernel is fed from inside polars' select (an aggregation expression over the key
//! columns), so slices of a dataset are added as they are read, concurrently. A part's lock
//! is held only while its keys are inserted, never across parallel work: a thread holding it
//! cannot wait for (or steal) another task, so concurrent feeds cannot deadlock.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use hashbrown::{HashMap, HashSet};
use polars::prelude::*;
use rayon::prelude::*;

use crate::lock;

const PARTS: usize = 256;

fn spread(x: u128) -> usize {
    // fold the key to 64 bits, then Fibonacci hashing; the top 8 bits pick the part.
    let h = ((x as u64) ^ ((x >> 64) as u64).rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> 56) as usize
}

/// The distinct keys seen so far, in hash-partitioned sets (memory holds the distinct keys,
/// not the rows). One key column is kept as u64, two as u128.
pub struct Distinct {
    sets: Sets,
    /// Duplicated keys are remembered (for the samples of a uniqueness check).
    tracking: bool,
    rows: AtomicU64,
    /// Slices the kernel will be fed (a sliced dataset), for sizing the sets once.
    slices: Option<u64>,
    sized: std::sync::atomic::AtomicBool,
    /// The key columns' types, from the first rows added (for duplicate samples).
    dtypes: Mutex<Vec<DataType>>,
}

/// One part: its distinct keys and, when duplicates are tracked, how many times each key
/// came again after its first row.
struct Part<K> {
    keys: HashSet<K>,
    again: Option<HashMap<K, u64>>,
}

impl<K: Copy + Eq + std::hash::Hash> Part<K> {
    fn new(tracking: bool) -> Part<K> {
        Part { keys: HashSet::new(), again: tracking.then(HashMap::new) }
    }

    /// Adds a key; a key seen before counts once more in `again` when duplicates are tracked.
    fn add(&mut self, k: K) {
        if !self.keys.insert(k)
            && let Some(again) = &mut self.again
        {
            *again.entry(k).or_insert(0) += 1;
        }
    }
}

fn parts<K: Copy + Eq + std::hash::Hash>(tracking: bool) -> Vec<Mutex<Part<K>>> {
    (0..PARTS).map(|_| Mutex::new(Part::new(tracking))).collect()
}

/// Pieces of about an equal share of all cores' work over chunks of `lens` rows: (chunk, rows).
fn pieces(lens: &[usize]) -> Vec<(usize, std::ops::Range<usize>)> {
    let step = lens.iter().sum::<usize>().div_ceil(rayon::current_num_threads().max(1) * 4).max(1 << 16);
    lens.iter()
        .enumerate()
        .flat_map(|(c, &len)| (0..len.div_ceil(step)).map(move |p| (c, p * step..((p + 1) * step).min(len))))
        .collect()
}

enum Sets {
    One(Vec<Mutex<Part<u64>>>),
    Two(Vec<Mutex<Part<u128>>>),
    Bits(Bits),
    Packed(Packed),
}

/// Two integer key columns whose ranges (the footers' exact bounds) multiply to at most 2^64:
/// each pair packed into one u64, `(a - base_a) * len_b + (b - base_b)`, half the memory of a
/// u128 key. Pairs outside the ranges go to an exact side set.
struct Packed {
    base: (i64, i64),
    len_b: u64,
    sets: Vec<Mutex<Part<u64>>>,
    side: Mutex<Part<u128>>,
}

/// One integer key column whose values lie in a known range (the Parquet footers' exact
/// min/max): one bit per possible value instead of a hash set. A bit already set is a
/// duplicate. Keys outside the range (statistics that do not hold) go to an exact side set.
struct Bits {
    base: i64,
    len: u64,
    words: Vec<AtomicU64>,
    again: Option<Mutex<HashMap<u64, u64>>>,
    side: Mutex<Part<u64>>,
}

/// The largest bitmap: 2^32 bits (512 MiB), and at most 8 bits per expected row.
const MAX_BITS: u64 = 1 << 32;

impl Distinct {
    /// An empty kernel for keys of `width` (1 or 2) columns; `duplicates`: also remember the
    /// duplicated keys and their counts (for samples of a uniqueness check).
    pub fn new(width: usize, duplicates: bool) -> PolarsResult<Distinct> {
        let sets = match width {
            1 => Sets::One(parts(duplicates)),
            2 => Sets::Two(parts(duplicates)),
            _ => polars_bail!(ComputeError: "the distinct kernel takes one or two key columns"),
        };
        Ok(Distinct {
            sets,
            tracking: duplicates,
            rows: AtomicU64::new(0),
            slices: None,
            sized: std::sync::atomic::AtomicBool::new(false),
            dtypes: Mutex::new(Vec::new()),
        })
    }

    /// Keys of one column known to lie in `[lo, hi]` (the footers' exact bounds) with about
    /// `rows` rows: a bitmap over the range when it is at most 8 bits per row.
    pub fn in_range(self, lo: i64, hi: i64, rows: u64) -> Distinct {
        let len = (i128::from(hi) - i128::from(lo) + 1).max(0) as u128;
        if !matches!(self.sets, Sets::One(_))
            || len == 0
            || len > u128::from(MAX_BITS)
            || len > u128::from(rows.saturating_mul(8).max(1 << 20))
        {
            return self;
        }
        let tracking = self.tracking;
        let len = len as u64;
        let bits = Bits {
            base: lo,
            len,
            words: (0..len.div_ceil(64)).map(|_| AtomicU64::new(0)).collect(),
            again: tracking.then(|| Mutex::new(HashMap::new())),
            side: Mutex::new(Part::new(tracking)),
        };
        Distinct { sets: Sets::Bits(bits), ..self }
    }

    /// Keys of two columns known to lie in `[lo_a, hi_a]` and `[lo_b, hi_b]`: packed into u64
    /// when the ranges allow.
    pub fn pairs_in_range(self, (lo_a, hi_a): (i64, i64), (lo_b, hi_b): (i64, i64)) -> Distinct {
        let len_a = (i128::from(hi_a) - i128::from(lo_a) + 1).max(0) as u128;
        let len_b = (i128::from(hi_b) - i128::from(lo_b) + 1).max(0) as u128;
        if !matches!(self.sets, Sets::Two(_))
            || len_a == 0
            || len_b == 0
            || len_a.checked_mul(len_b).is_none_or(|p| p > u128::from(u64::MAX))
        {
            return self;
        }
        let packed = Packed {
            base: (lo_a, lo_b),
            len_b: len_b as u64,
            sets: parts(self.tracking),
            side: Mutex::new(Part::new(self.tracking)),
        };
        Distinct { sets: Sets::Packed(packed), ..self }
    }

    /// Expects `slices` feeds of similar size: after the first, near-unique keys (at least 99 %
    /// distinct) get their sets sized for all of them at once instead of growing slice by
    /// slice (growing rehashed every key several times: 5 % of the CPU at 10M rows).
    pub fn expecting(mut self, slices: u64) -> Distinct {
        self.slices = Some(slices);
        self
    }

    fn size_once(&self, first: u64) {
        let Some(slices) = self.slices else { return };
        if self.sized.swap(true, Ordering::AcqRel) {
            return;
        }
        let expected = first.saturating_mul(slices);
        let (rows, distinct) = (self.rows(), self.count());
        if rows == 0 || (distinct as f64) < 0.99 * rows as f64 || expected <= rows {
            return;
        }
        let per_part = ((expected - rows) as f64 * distinct as f64 / rows as f64 / PARTS as f64 * 1.02) as usize;
        fn grow<K: Eq + std::hash::Hash + Send>(sets: &[Mutex<Part<K>>], n: usize) {
            sets.par_iter().for_each(|p| lock(p).keys.reserve(n));
        }
        match &self.sets {
            Sets::One(s) => grow(s, per_part),
            Sets::Two(s) => grow(s, per_part),
            Sets::Packed(p) => grow(&p.sets, per_part),
            Sets::Bits(_) => {}
        }
    }

    /// Adds the rows where no key column is null (callable from several threads at once).
    pub fn add(&self, columns: &[&Column]) -> PolarsResult<()> {
        {
            let mut d = lock(&self.dtypes);
            if d.is_empty() {
                *d = columns.iter().map(|c| c.dtype().clone()).collect();
            }
        }
        let mut cas: Vec<Int64Chunked> = columns
            .iter()
            .map(|c| c.cast(&DataType::Int64).and_then(|s| s.i64().cloned()))
            .collect::<PolarsResult<_>>()?;
        // Chunks are read in place (row groups stay apart); two columns whose chunks do not
        // line up are made contiguous first.
        if let [a, b] = cas.as_slice()
            && !a.chunk_lengths().eq(b.chunk_lengths())
        {
            cas = cas.iter().map(|c| c.rechunk().into_owned()).collect();
        }
        let chunks: Vec<Vec<_>> = cas.iter().map(|ca| ca.downcast_iter().collect()).collect();
        let added = match (&self.sets, chunks.as_slice()) {
            (_, []) => 0,
            (Sets::Bits(bits), [a]) => {
                let lens: Vec<usize> = a.iter().map(|c| c.len()).collect();
                bits.add(&lens, |c, i| {
                    let arr = a[c];
                    arr.validity().is_none_or(|b| b.get_bit(i)).then(|| arr.values()[i])
                })
            }
            (Sets::One(sets), [a]) => {
                let lens: Vec<usize> = a.iter().map(|c| c.len()).collect();
                insert(
                    sets,
                    &lens,
                    |c, i| {
                        let arr = a[c];
                        arr.validity().is_none_or(|b| b.get_bit(i)).then(|| arr.values()[i] as u64)
                    },
                    |k| spread(u128::from(k)),
                )
            }
            (Sets::Two(sets), [a, b]) => {
                let lens: Vec<usize> = a.iter().zip(b).map(|(x, y)| x.len().min(y.len())).collect();
                insert(
                    sets,
                    &lens,
                    |c, i| {
                        let (x, y) = (a[c], b[c]);
                        (x.validity().is_none_or(|m| m.get_bit(i)) && y.validity().is_none_or(|m| m.get_bit(i)))
                            .then(|| (u128::from(x.values()[i] as u64) << 64) | u128::from(y.values()[i] as u64))
                    },
                    spread,
                )
            }
            (Sets::Packed(p), [a, b]) => {
                let lens: Vec<usize> = a.iter().zip(b).map(|(x, y)| x.len().min(y.len())).collect();
                let (base_a, base_b) = (i128::from(p.base.0), i128::from(p.base.1));
                let len_b = i128::from(p.len_b);
                let len_a = (i128::from(u64::MAX) + 1) / len_b;
                // Some((in range, key)) for a row without nulls.
                let pair = |c: usize, i: usize| {
                    let (x, y) = (a[c], b[c]);
                    if !(x.validity().is_none_or(|m| m.get_bit(i)) && y.validity().is_none_or(|m| m.get_bit(i))) {
                        return None;
                    }
                    let (u, v) = (x.values()[i], y.values()[i]);
                    let (da, db) = (i128::from(u) - base_a, i128::from(v) - base_b);
                    Some(if (0..len_a).contains(&da) && (0..len_b).contains(&db) {
                        Ok((da * len_b + db) as u64)
                    } else {
                        Err((u128::from(u as u64) << 64) | u128::from(v as u64))
                    })
                };
                let inside = insert(&p.sets, &lens, |c, i| pair(c, i)?.ok(), |k| spread(u128::from(k)));
                // Rows without a null key, from the validity bitmaps: when all were inside the
                // bounds (the footers hold), no second look at the rows is needed.
                let keyed: u64 = a
                    .iter()
                    .zip(b)
                    .zip(&lens)
                    .map(|((x, y), &len)| {
                        let nulls = match (x.validity(), y.validity()) {
                            (None, None) => 0,
                            (Some(m), None) | (None, Some(m)) => m.clone().sliced(0, len).unset_bits(),
                            (Some(m), Some(n)) => (&m.clone().sliced(0, len) & &n.clone().sliced(0, len)).unset_bits(),
                        };
                        (len - nulls) as u64
                    })
                    .sum();
                if keyed > inside {
                    // Pairs the bounds do not cover (statistics that do not hold): the side set.
                    let mut side = lock(&p.side);
                    for (c, &len) in lens.iter().enumerate() {
                        for i in 0..len {
                            if let Some(Err(k)) = pair(c, i) {
                                side.add(k);
                            }
                        }
                    }
                }
                keyed
            }
            _ => polars_bail!(ComputeError: "key columns do not match the kernel's width"),
        };
        self.rows.fetch_add(added, Ordering::Relaxed);
        self.size_once(added);
        Ok(())
    }

    /// How the keys are counted, for `--explain`.
    pub fn mode(&self) -> &'static str {
        match &self.sets {
            Sets::One(_) | Sets::Two(_) => "hash sets",
            Sets::Bits(_) => "bitmap over the footer range",
            Sets::Packed(_) => "pairs packed in u64 over the footer ranges",
        }
    }

    /// Rows added (rows with a null key are not counted).
    pub fn rows(&self) -> u64 {
        self.rows.load(Ordering::Relaxed)
    }

    /// Distinct keys among the rows added.
    pub fn count(&self) -> u64 {
        fn total<K>(sets: &[Mutex<Part<K>>]) -> u64 {
            sets.iter().map(|p| lock(p).keys.len() as u64).sum()
        }
        match &self.sets {
            Sets::One(s) => total(s),
            Sets::Two(s) => total(s),
            Sets::Bits(b) => {
                b.words.iter().map(|w| u64::from(w.load(Ordering::Relaxed).count_ones())).sum::<u64>()
                    + lock(&b.side).keys.len() as u64
            }
            Sets::Packed(p) => total(&p.sets) + lock(&p.side).keys.len() as u64,
        }
    }

    /// The first `n` duplicated keys in key order, with how many rows carry each, as a frame
    /// of the key columns (named `names`, in their own types) and `count`; None when the kernel
    /// does not track duplicates.
    pub fn duplicates(&self, names: &[String], n: usize) -> Option<PolarsResult<DataFrame>> {
        fn collect<K: Copy + Ord>(sets: &[Mutex<Part<K>>]) -> Option<Vec<(K, u64)>> {
            let mut out = Vec::new();
            for p in sets {
                let p = lock(p);
                out.extend(p.again.as_ref()?.iter().map(|(k, c)| (*k, c + 1)));
            }
            Some(out)
        }
        let dtypes = lock(&self.dtypes).clone();
        // The first n by key: key columns and counts.
        let singles = |mut d: Vec<(u64, u64)>| {
            d.sort_by_key(|(k, _)| *k as i64);
            d.truncate(n);
            (vec![d.iter().map(|(k, _)| *k as i64).collect()], d.iter().map(|(_, c)| *c).collect())
        };
        let pairs = |mut d: Vec<((i64, i64), u64)>| {
            d.sort_by_key(|(k, _)| *k);
            d.truncate(n);
            (
                vec![d.iter().map(|(k, _)| k.0).collect(), d.iter().map(|(k, _)| k.1).collect()],
                d.iter().map(|(_, c)| *c).collect(),
            )
        };
        let split = |(k, c): (u128, u64)| (((k >> 64) as u64 as i64, k as u64 as i64), c);
        let (mut rows, counts): (Vec<Vec<i64>>, Vec<u64>) = match &self.sets {
            Sets::One(s) => singles(collect(s)?),
            Sets::Bits(b) => {
                let mut d: Vec<(u64, u64)> = lock(b.again.as_ref()?).iter().map(|(k, c)| (*k, c + 1)).collect();
                d.extend(collect(std::slice::from_ref(&b.side))?);
                singles(d)
            }
            Sets::Two(s) => pairs(collect(s)?.into_iter().map(split).collect()),
            Sets::Packed(p) => {
                let (len_b, (base_a, base_b)) = (p.len_b, p.base);
                let unpack = |(k, c): (u64, u64)| {
                    let a = (i128::from(base_a) + i128::from(k / len_b)) as i64;
                    ((a, (i128::from(base_b) + i128::from(k % len_b)) as i64), c)
                };
                let mut d: Vec<((i64, i64), u64)> = collect(&p.sets)?.into_iter().map(unpack).collect();
                d.extend(collect(std::slice::from_ref(&p.side))?.into_iter().map(split));
                pairs(d)
            }
        };
        let mut columns = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let values = rows.get_mut(i).map(std::mem::take).unwrap_or_default();
            let c = Column::new(name.as_str().into(), values);
            let c = match dtypes.get(i) {
                Some(t) => match c.cast(t) {
                    Ok(c) => c,
                    Err(e) => return Some(Err(e)),
                },
                None => c,
            };
            columns.push(c);
        }
        let height = counts.len();
        columns.push(Column::new("count".into(), counts));
        Some(DataFrame::new(height, columns))
    }

    /// An aggregation over the key columns that adds their rows to the kernel as the select
    /// runs, next to the other expressions (no copy of the columns); it yields one dummy row.
    pub fn feed(self: &Arc<Self>, columns: Vec<Expr>) -> Expr {
        let me = Arc::clone(self);
        let input = if columns.len() == 1 { columns[0].clone() } else { as_struct(columns) };
        input.agg_with_fmt_str(
            move |c: Column| {
                let parts: Vec<Column> = match c.dtype() {
                    DataType::Struct(_) => c.struct_()?.fields_as_series().into_iter().map(Column::from).collect(),
                    _ => vec![c],
                };
                let t0 = std::time::Instant::now();
                me.add(&parts.iter().collect::<Vec<_>>())?;
                tracing::trace!(
                    rows = parts.first().map_or(0, |p| p.len()),
                    ms = t0.elapsed().as_secs_f64() * 1e3,
                    "kernel add"
                );
                Ok(Column::new("k".into(), [0u32]))
            },
            |_, f| Ok(Field::new(f.name().clone(), DataType::UInt32)),
            "distinct_kernel",
        )
    }
}

impl Bits {
    /// Sets the bits of the rows' keys (`key(chunk, row)`: None for a null); returns how many
    /// rows had a key. Pieces of rows on all cores; a bit is set with one atomic `or`.
    fn add(&self, lens: &[usize], key: impl Fn(usize, usize) -> Option<i64> + Sync) -> u64 {
        pieces(lens)
            .into_par_iter()
            .map(|(c, rows)| {
                let (mut n, mut outside, mut again) = (0u64, Vec::new(), Vec::new());
                for i in rows {
                    let Some(v) = key(c, i) else { continue };
                    n += 1;
                    let off = i128::from(v) - i128::from(self.base);
                    if off < 0 || off >= i128::from(self.len) {
                        outside.push(v as u64);
                        continue;
                    }
                    let (w, bit) = ((off >> 6) as usize, 1u64 << (off & 63));
                    if self.words[w].fetch_or(bit, Ordering::Relaxed) & bit != 0 && self.again.is_some() {
                        again.push(v as u64);
                    }
                }
                if let Some(map) = &self.again
                    && !again.is_empty()
                {
                    let mut map = lock(map);
                    for k in again {
                        *map.entry(k).or_insert(0) += 1;
                    }
                }
                if !outside.is_empty() {
                    let mut side = lock(&self.side);
                    for k in outside {
                        side.add(k);
                    }
                }
                n
            })
            .sum()
    }
}

/// Inserts the keys of the rows of chunks of `lens` rows (`key(chunk, row)`: None for a row
/// with a null) into the sets; returns how many rows had a key. Pieces of rows are partitioned
/// by hash on all cores, then each part's keys go into its set, the parts on all cores (a
/// part's lock only around its insert).
fn insert<K>(
    sets: &[Mutex<Part<K>>],
    lens: &[usize],
    key: impl Fn(usize, usize) -> Option<K> + Sync,
    part: impl Fn(K) -> usize + Sync,
) -> u64
where
    K: Copy + Eq + std::hash::Hash + Send + Sync,
{
    let n: usize = lens.iter().sum();
    if n == 0 {
        return 0;
    }
    let parted: Vec<Vec<Vec<K>>> = pieces(lens)
        .into_par_iter()
        .map(|(c, rows)| {
            let mut parts: Vec<Vec<K>> = (0..PARTS).map(|_| Vec::with_capacity(rows.len() / PARTS + 16)).collect();
            for i in rows {
                if let Some(k) = key(c, i) {
                    parts[part(k)].push(k);
                }
            }
            parts
        })
        .collect();
    sets.par_iter().enumerate().for_each(|(p, set)| {
        let n: usize = parted.iter().map(|c| c[p].len()).sum();
        let mut part = lock(set);
        part.keys.reserve(n);
        match part.again {
            None => {
                for c in &parted {
                    part.keys.extend(c[p].iter().copied());
                }
            }
            Some(_) => {
                for c in &parted {
                    for &k in &c[p] {
                        part.add(k);
                    }
                }
            }
        }
    });
    parted.iter().flatten().map(|p| p.len() as u64).sum()
}

/// Rows and distinct keys of one set of columns.
#[cfg(test)]
pub fn count_once(columns: &[&Column]) -> PolarsResult<(u64, u64)> {
    let d = Distinct::new(columns.len(), false)?;
    d.add(columns)?;
    Ok((d.rows(), d.count()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_exactly_with_nulls_and_pairs() {
        let a = Column::new("a".into(), [Some(1i64), Some(2), Some(2), None, Some(-5), Some(-5), Some(i64::MIN)]);
        let b = Column::new("b".into(), [Some(1i64), Some(1), Some(1), Some(3), None, Some(7), Some(i64::MAX)]);
        assert_eq!(count_once(&[&a]).expect("one"), (6, 4));
        // rows without nulls: (1,1) (2,1) (2,1) (-5,7) (MIN,MAX) -> 4 distinct of 5
        assert_eq!(count_once(&[&a, &b]).expect("two"), (5, 4));
        // (x, y) and (y, x) stay apart; large inputs cross piece boundaries.
        let big = Column::new("x".into(), (0..300_000i64).map(|i| i % 1000).collect::<Vec<_>>());
        let swapped = Column::new("y".into(), (0..300_000i64).map(|i| (i + 1) % 1000).collect::<Vec<_>>());
        assert_eq!(count_once(&[&big]).expect("big"), (300_000, 1000));
        assert_eq!(count_once(&[&big, &swapped]).expect("pairs"), (300_000, 1000));
        let empty = Column::new("e".into(), Vec::<i64>::new());
        assert_eq!(count_once(&[&empty]).expect("empty"), (0, 0));
        assert!(Distinct::new(3, false).is_err());
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
        assert_eq!(count_once(&[a]).expect("keys").1 as usize, get("one"));
        assert_eq!(count_once(&[a, b]).expect("keys").1 as usize, get("two"));
        let dates = a.cast(&DataType::Date).expect("date");
        assert_eq!(count_once(&[&dates]).expect("keys").1 as usize, get("date"));
        let ts = a.cast(&DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))).expect("ts");
        assert_eq!(count_once(&[&ts]).expect("keys").1 as usize, get("one"));
        // Columns of several chunks (row groups), aligned or not between the two key columns.
        let chunked = |c: &Column, cuts: &[usize]| -> Column {
            let mut parts = cuts.windows(2).map(|w| c.slice(w[0] as i64, w[1] - w[0]));
            let mut out = parts.next().expect("one part").as_materialized_series().clone();
            for p in parts {
                out.append(p.as_materialized_series()).expect("append");
            }
            out.into_column()
        };
        let (ca, cb) = (chunked(a, &[0, 70_000, 140_000, 200_000]), chunked(b, &[0, 10_000, 150_000, 200_000]));
        assert!(ca.as_materialized_series().n_chunks() > 1);
        assert_eq!(count_once(&[&ca]).expect("chunks").1 as usize, get("one"));
        assert_eq!(count_once(&[&ca, &cb]).expect("unaligned").1 as usize, get("two"));
        let cb2 = chunked(b, &[0, 70_000, 140_000, 200_000]);
        assert_eq!(count_once(&[&ca, &cb2]).expect("aligned").1 as usize, get("two"));
        // A bitmap over footer bounds gives the same counts and duplicates as the hash sets,
        // also when the bounds are too narrow (keys outside go to the side set) or far off.
        let names = vec!["a".to_owned()];
        let hashed = Distinct::new(1, true).expect("one");
        hashed.add(&[a]).expect("add");
        for (lo, hi) in [(-2_500, 2_499), (-100, 100), (1_000_000, 1_000_010), (i64::MIN / 2, i64::MIN / 2 + 10)] {
            let bits = Distinct::new(1, true).expect("one").in_range(lo, hi, 200_000);
            assert!(matches!(bits.sets, Sets::Bits(_)), "({lo}, {hi})");
            bits.add(&[&a.slice(0, 90_000)]).expect("add");
            bits.add(&[&a.slice(90_000, 200_000)]).expect("add");
            assert_eq!((bits.rows(), bits.count()), (hashed.rows(), hashed.count()), "({lo}, {hi})");
            let frame = |d: &Distinct| d.duplicates(&names, 7).expect("tracked").expect("frame");
            assert!(frame(&bits).equals(&frame(&hashed)), "({lo}, {hi})");
        }
        // Pairs packed into u64 over footer bounds: the same as u128 keys, also with bounds that
        // do not hold (side set) and with ranges too wide to pack (stays u128).
        let hashed2 = Distinct::new(2, true).expect("two");
        hashed2.add(&[a, b]).expect("add");
        let names2 = vec!["a".to_owned(), "b".to_owned()];
        for (ra, rb) in [
            ((-2_500, 2_499), (i64::MIN, i64::MIN + (1 << 40))),
            ((-2_500, 2_499), (0, 299)),
            ((-10, 10), (0, 50)),
            ((0, 0), (0, 0)),
        ] {
            let packed = Distinct::new(2, true).expect("two").pairs_in_range(ra, rb);
            assert!(matches!(packed.sets, Sets::Packed(_)), "{ra:?} {rb:?}");
            packed.add(&[&a.slice(0, 120_000), &b.slice(0, 120_000)]).expect("add");
            packed.add(&[&a.slice(120_000, 200_000), &b.slice(120_000, 200_000)]).expect("add");
            assert_eq!((packed.rows(), packed.count()), (hashed2.rows(), hashed2.count()), "{ra:?} {rb:?}");
            let frame = |d: &Distinct| d.duplicates(&names2, 9).expect("tracked").expect("frame");
            assert!(frame(&packed).equals_missing(&frame(&hashed2)), "{ra:?} {rb:?}");
        }
        let wide = Distinct::new(2, false).expect("two").pairs_in_range((0, i64::MAX), (0, i64::MAX));
        assert!(matches!(wide.sets, Sets::Two(_)));
        // A range too wide for its rows stays a hash set.
        let wide = Distinct::new(1, false).expect("one").in_range(0, i64::MAX, 10);
        assert!(matches!(wide.sets, Sets::One(_)));
        // Added in slices, the sets give the same answer as at once.
        let d = Distinct::new(2, true).expect("two");
        for off in (0..200_000).step_by(30_000) {
            d.add(&[&a.slice(off, 30_000), &b.slice(off, 30_000)]).expect("add");
        }
        assert_eq!(d.count() as usize, get("two"));
    }
}
