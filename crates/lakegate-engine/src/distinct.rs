//! Exact distinct counting of keys, in parallel: integer-like keys of one or two columns as
//! u64/u128 (or a bitmap, or packed pairs, over exact footer bounds), and keys with strings
//! (or of more than two columns) as byte strings in arenas.
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

use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use hashbrown::{HashMap, HashSet};
use polars::prelude::*;
use polars_arrow::array::PrimitiveArray;
use polars_arrow::bitmap::Bitmap;
use rayon::prelude::*;

use crate::{lock, pieces};

mod text;

use text::Texts;

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

enum Sets {
    One(Vec<Mutex<Part<u64>>>),
    Text(Texts),
    Two(Vec<Mutex<Part<u128>>>),
    Bits(Bits),
    Packed(Packed),
}

/// Two integer key columns whose ranges (the footers' exact bounds) multiply to at most 2^64:
/// each pair packed into one u64, `(a - base_a) * len_b + (b - base_b)`, half the memory of a
/// u128 key. Pairs outside the ranges go to an exact side set.
struct Packed {
    base: (i64, i64),
    /// The largest offsets from the bases (the footer ranges' widths).
    max: (u64, u64),
    len_b: u64,
    sets: Vec<Mutex<Part<u64>>>,
    side: Mutex<Part<u128>>,
}

/// One integer key column whose values lie in a known range (the Parquet footers' exact
/// min/max): one bit per possible value instead of a hash set. A bit already set is a
/// duplicate. Keys outside the range (statistics that do not hold) go to an exact side set.
///
/// The bitmap is cut into ranges of `1 << shift` bits, each behind its own lock: a piece of
/// rows first sorts its offsets by range, then each range sets its bits with plain loads and
/// stores (an atomic `or` per row cost 4 times as much: 8 vs 2 ms per million keys).
struct Bits {
    base: i64,
    len: u64,
    shift: u32,
    ranges: Vec<Mutex<Vec<u64>>>,
    again: Option<Mutex<HashMap<u64, u64>>>,
    side: Mutex<Part<u64>>,
}

/// Ranges a bitmap is cut into (at least), so that all cores set bits at once.
const RANGES: u64 = 64;

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

    /// An empty kernel for byte-string keys: one string column (`[true]`: its bytes), or
    /// several columns, strings (`true`) and integer-like values, each row's values encoded.
    pub fn encoded(text: Vec<bool>, duplicates: bool) -> Distinct {
        Distinct {
            sets: Sets::Text(Texts::new(text)),
            tracking: duplicates,
            rows: AtomicU64::new(0),
            slices: None,
            sized: std::sync::atomic::AtomicBool::new(false),
            dtypes: Mutex::new(Vec::new()),
        }
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
        // Ranges of whole words, at least 4096 bits.
        let shift = len.div_ceil(RANGES).next_power_of_two().trailing_zeros().max(12);
        let bits = Bits {
            base: lo,
            len,
            shift,
            ranges: (0..len.div_ceil(1 << shift))
                .map(|r| Mutex::new(vec![0u64; (len - (r << shift)).min(1 << shift).div_ceil(64) as usize]))
                .collect(),
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
            max: ((len_a - 1) as u64, (len_b - 1) as u64),
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
            Sets::Text(t) => t.reserve(per_part),
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
        if let Sets::Text(t) = &self.sets {
            let added = t.add(columns)?;
            self.rows.fetch_add(added, Ordering::Relaxed);
            self.size_once(added);
            return Ok(());
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
        let chunks: Vec<Vec<&PrimitiveArray<i64>>> = cas.iter().map(|ca| ca.downcast_iter().collect()).collect();
        let added = match (&self.sets, chunks.as_slice()) {
            (_, []) => 0,
            (Sets::Bits(bits), [a]) => bits.add(a),
            (Sets::One(sets), [a]) => {
                let lens: Vec<usize> = a.iter().map(|c| c.len()).collect();
                insert(sets, &lens, |c, rows, out| {
                    let (values, valid) = rows_of(a[c], rows);
                    each_valid(values.iter().copied(), valid.as_ref(), |v| out.push(v as u64))
                })
            }
            (Sets::Two(sets), [a, b]) => {
                let lens: Vec<usize> = a.iter().zip(b).map(|(x, y)| x.len().min(y.len())).collect();
                insert(sets, &lens, |c, rows, out| {
                    let (pairs, valid) = pairs_of(a[c], b[c], rows);
                    each_valid(pairs, valid.as_ref(), |(x, y)| {
                        out.push((u128::from(x as u64) << 64) | u128::from(y as u64))
                    })
                })
            }
            (Sets::Packed(p), [a, b]) => {
                let lens: Vec<usize> = a.iter().zip(b).map(|(x, y)| x.len().min(y.len())).collect();
                let (base_a, base_b) = (p.base.0 as u64, p.base.1 as u64);
                let (max_a, max_b, len_b) = (p.max.0, p.max.1, p.len_b);
                insert(&p.sets, &lens, |c, rows, out| {
                    let (pairs, valid) = pairs_of(a[c], b[c], rows);
                    let mut outside = Vec::new();
                    // Offsets in wrapping u64: a value below its base wraps past every
                    // offset allowed, as the footer's maximum is at most i64::MAX.
                    let keyed = each_valid(pairs, valid.as_ref(), |(x, y)| {
                        let (da, db) = ((x as u64).wrapping_sub(base_a), (y as u64).wrapping_sub(base_b));
                        if da <= max_a && db <= max_b {
                            out.push(da * len_b + db);
                        } else {
                            // Pairs the bounds do not cover (statistics that do not hold).
                            outside.push((u128::from(x as u64) << 64) | u128::from(y as u64));
                        }
                    });
                    if !outside.is_empty() {
                        let mut side = lock(&p.side);
                        for k in outside {
                            side.add(k);
                        }
                    }
                    keyed
                })
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
            Sets::Text(t) => t.mode(),
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
                b.ranges
                    .iter()
                    .flat_map(|r| lock(r).iter().map(|w| u64::from(w.count_ones())).collect::<Vec<_>>())
                    .sum::<u64>()
                    + lock(&b.side).keys.len() as u64
            }
            Sets::Packed(p) => total(&p.sets) + lock(&p.side).keys.len() as u64,
            Sets::Text(t) => t.count(),
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
        if let Sets::Text(t) = &self.sets {
            return self.tracking.then(|| t.duplicates(names, &dtypes, n));
        }
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
            Sets::Text(_) => return None,
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
    /// Sets the bits of the keys of rows without a null; returns how many rows had a key.
    /// Pieces of rows sort their offsets by range on all cores, then the ranges set their
    /// bits on all cores.
    fn add(&self, chunks: &[&PrimitiveArray<i64>]) -> u64 {
        let lens: Vec<usize> = chunks.iter().map(|c| c.len()).collect();
        let (base, len, shift) = (self.base as u64, self.len, self.shift);
        let ranges = self.ranges.len();
        let parted: Vec<(Vec<Vec<u32>>, u64)> = pieces(&lens)
            .into_par_iter()
            .map(|(c, rows)| {
                let mut parts: Vec<Vec<u32>> =
                    (0..ranges).map(|_| Vec::with_capacity(rows.len() / ranges + 16)).collect();
                let mut outside = Vec::new();
                let (values, valid) = rows_of(chunks[c], rows);
                let n = each_valid(values.iter().copied(), valid.as_ref(), |v| {
                    // Wrapping: a value below the base wraps past `len`, the footer's maximum
                    // being at most i64::MAX. Offsets fit in u32 (len <= 2^32).
                    let off = (v as u64).wrapping_sub(base);
                    if off < len {
                        parts[(off >> shift) as usize].push(off as u32);
                    } else {
                        outside.push(v as u64);
                    }
                });
                if !outside.is_empty() {
                    let mut side = lock(&self.side);
                    for k in outside {
                        side.add(k);
                    }
                }
                (parts, n)
            })
            .collect();
        self.ranges.par_iter().enumerate().for_each(|(r, words)| {
            let mut words = lock(words);
            let mut again = Vec::new();
            let first = (r as u64) << shift;
            for (parts, _) in &parted {
                for &off in &parts[r] {
                    let local = u64::from(off) - first;
                    let (w, bit) = ((local >> 6) as usize, 1u64 << (local & 63));
                    if words[w] & bit != 0 {
                        if self.again.is_some() {
                            again.push(u64::from(off).wrapping_add(base));
                        }
                    } else {
                        words[w] |= bit;
                    }
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
        });
        parted.iter().map(|(_, n)| n).sum()
    }
}

/// Rows `rows` of a chunk: their values and, when the chunk has nulls, their validity.
fn rows_of(arr: &PrimitiveArray<i64>, rows: Range<usize>) -> (&[i64], Option<Bitmap>) {
    let valid = arr.validity().filter(|v| v.unset_bits() > 0).map(|v| v.clone().sliced(rows.start, rows.len()));
    (&arr.values()[rows], valid)
}

/// Rows `rows` of two aligned chunks: their value pairs and, when either has nulls, where both
/// are valid.
fn pairs_of(
    a: &PrimitiveArray<i64>,
    b: &PrimitiveArray<i64>,
    rows: Range<usize>,
) -> (impl Iterator<Item = (i64, i64)> + Clone, Option<Bitmap>) {
    let (x, vx) = rows_of(a, rows.clone());
    let (y, vy) = rows_of(b, rows);
    let valid = match (vx, vy) {
        (None, None) => None,
        (Some(v), None) | (None, Some(v)) => Some(v),
        (Some(v), Some(w)) => Some(&v & &w),
    };
    (x.iter().copied().zip(y.iter().copied()), valid)
}

/// Calls `f` with every value whose row is valid; returns how many there were.
#[inline]
fn each_valid<T>(values: impl IntoIterator<Item = T>, valid: Option<&Bitmap>, mut f: impl FnMut(T)) -> u64 {
    match valid {
        None => values.into_iter().fold(0, |n, v| {
            f(v);
            n + 1
        }),
        Some(valid) => values.into_iter().zip(valid.iter()).fold(0, |n, (v, ok)| {
            if ok {
                f(v);
                n + 1
            } else {
                n
            }
        }),
    }
}

/// A piece's keys, partitioned by hash for the sets.
struct Scatter<K> {
    parts: Vec<Vec<K>>,
}

impl<K: Copy + Into<u128>> Scatter<K> {
    #[inline]
    fn push(&mut self, k: K) {
        self.parts[spread(k.into())].push(k);
    }
}

/// Inserts keys into the sets: `fill(chunk, rows, out)` pushes the keys of a piece of rows
/// and returns how many rows had a key (the sum is returned). Pieces are partitioned by hash on
/// all cores, then each part's keys go into its set, the parts on all cores (a part's lock only
/// around its insert).
fn insert<K, F>(sets: &[Mutex<Part<K>>], lens: &[usize], fill: F) -> u64
where
    K: Copy + Eq + std::hash::Hash + Into<u128> + Send + Sync,
    F: Fn(usize, Range<usize>, &mut Scatter<K>) -> u64 + Sync,
{
    if lens.iter().sum::<usize>() == 0 {
        return 0;
    }
    let parted: Vec<(Vec<Vec<K>>, u64)> = pieces(lens)
        .into_par_iter()
        .map(|(c, rows)| {
            let mut out = Scatter { parts: (0..PARTS).map(|_| Vec::with_capacity(rows.len() / PARTS + 16)).collect() };
            let keyed = fill(c, rows, &mut out);
            (out.parts, keyed)
        })
        .collect();
    sets.par_iter().enumerate().for_each(|(p, set)| {
        let n: usize = parted.iter().map(|(c, _)| c[p].len()).sum();
        let mut part = lock(set);
        part.keys.reserve(n);
        match part.again {
            None => {
                for (c, _) in &parted {
                    part.keys.extend(c[p].iter().copied());
                }
            }
            Some(_) => {
                for (c, _) in &parted {
                    for &k in &c[p] {
                        part.add(k);
                    }
                }
            }
        }
    });
    parted.iter().map(|(_, keyed)| keyed).sum()
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

    /// A deterministic stream of pseudo-random numbers.
    fn xorshift(mut x: u64) -> impl FnMut() -> u64 {
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    /// Keys of a string and an integer column (and of three integer columns) against polars'
    /// n_unique of the rows and a group-by of the repeats.
    #[test]
    fn composite_keys_agree_with_polars() -> PolarsResult<()> {
        let mut next = xorshift(5);
        let n = 120_000;
        let (mut a, mut b, mut c) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..n {
            let v = next();
            a.push(
                (!v.is_multiple_of(23))
                    .then(|| format!("k{}\0{}", v % 300, if v.is_multiple_of(5) { "x" } else { "" })),
            );
            b.push((!v.is_multiple_of(29)).then_some((v % 40) as i64 - 20));
            c.push((v % 3) as i64);
        }
        let df = DataFrame::new(
            n,
            vec![Column::new("a".into(), a), Column::new("b".into(), b), Column::new("c".into(), c)],
        )?;
        for (cols, text) in [(vec!["a", "b"], vec![true, false]), (vec!["b", "c", "b"], vec![false, false, false])] {
            let d = Distinct::encoded(text, true);
            let columns: Vec<Column> = cols.iter().map(|c| df.column(c).cloned()).collect::<PolarsResult<_>>()?;
            // Two feeds, the second of several chunks.
            let head: Vec<Column> = columns.iter().map(|c| c.slice(0, 50_000)).collect();
            let tail: Vec<Column> = columns
                .iter()
                .map(|c| {
                    let mut s = c.slice(50_000, 30_000).as_materialized_series().clone();
                    s.append(c.slice(80_000, n).as_materialized_series())?;
                    Ok(s.into_column())
                })
                .collect::<PolarsResult<_>>()?;
            d.add(&head.iter().collect::<Vec<_>>())?;
            d.add(&tail.iter().collect::<Vec<_>>())?;
            let keyed = cols.iter().fold(df.clone().lazy(), |lf, c| lf.filter(col(*c).is_not_null()));
            let distinct_cols: Vec<&str> = {
                let mut v = cols.clone();
                v.dedup();
                v.sort();
                v.dedup();
                v
            };
            let rows = keyed.clone().collect()?.height() as u64;
            let want = keyed
                .clone()
                .group_by(distinct_cols.iter().map(|c| col(*c)).collect::<Vec<_>>())
                .agg([len().cast(DataType::UInt64).alias("count")])
                .collect()?;
            assert_eq!(d.rows(), rows, "{cols:?}");
            assert_eq!(d.count(), want.height() as u64, "{cols:?}");
            if cols == ["a", "b"] {
                let names: Vec<String> = cols.iter().map(|c| c.to_string()).collect();
                let got = d.duplicates(&names, 8).expect("tracked")?;
                let want = want
                    .lazy()
                    .filter(col("count").gt(lit(1u64)))
                    .sort(["a", "b"], Default::default())
                    .limit(8)
                    .collect()?;
                assert!(got.equals(&want), "{got}\n{want}");
            }
        }
        Ok(())
    }

    /// String keys against polars' n_unique and a group-by of the repeats: nulls, empty and
    /// long strings, non-ASCII text, several chunks, fed in two slices.
    #[test]
    fn text_keys_agree_with_polars() -> PolarsResult<()> {
        let mut next = xorshift(11);
        let values: Vec<Option<String>> = (0..150_000)
            .map(|_| {
                let v = next();
                match v % 17 {
                    0 => None,
                    1 => Some(String::new()),
                    2 => Some(format!("{}-{}", "long text beyond the inline view ".repeat(3), v % 700)),
                    3 => Some(format!("ünïcödé {}", v % 50)),
                    _ => Some(format!("user{}@example.com", v % 40_000)),
                }
            })
            .collect();
        let mut s = Series::new("k".into(), &values[..60_000]);
        s.append(&Series::new("k".into(), &values[60_000..100_000]))?;
        let rest = Series::new("k".into(), &values[100_000..]);
        let whole = {
            let mut w = s.clone();
            w.append(&rest)?;
            w
        };
        let d = Distinct::encoded(vec![true], true);
        d.add(&[&s.into_column()])?;
        d.add(&[&rest.into_column()])?;
        let non_null = values.iter().filter(|v| v.is_some()).count() as u64;
        assert_eq!(d.rows(), non_null);
        assert_eq!(d.count() as usize, whole.drop_nulls().n_unique()?);
        // The first 6 repeated strings in order, with their row counts, as polars counts them.
        let got = d.duplicates(&["k".to_owned()], 6).expect("tracked")?;
        let want = DataFrame::new(whole.len(), vec![whole.into_column()])?
            .lazy()
            .drop_nulls(None)
            .group_by([col("k")])
            .agg([len().cast(DataType::UInt64).alias("count")])
            .filter(col("count").gt(lit(1u64)))
            .sort(["k"], Default::default())
            .limit(6)
            .collect()?;
        assert!(got.equals(&want), "{got}\n{want}");
        assert!(Distinct::encoded(vec![true], false).duplicates(&["k".to_owned()], 6).is_none());
        Ok(())
    }

    /// The fast path against polars' own n_unique (the plain path) on data with nulls,
    /// negatives, extremes, dates and timestamps.
    #[test]
    fn agrees_with_polars_n_unique() {
        let mut next = xorshift(7);
        let a: Vec<Option<i64>> = (0..200_000)
            .map(|_| {
                let v = next();
                (!v.is_multiple_of(11)).then(|| (v % 5_000) as i64 - 2_500)
            })
            .collect();
        let b: Vec<Option<i64>> = (0..200_000)
            .map(|_| {
                let v = next();
                (!v.is_multiple_of(13)).then_some(if v.is_multiple_of(97) { i64::MIN } else { (v % 300) as i64 })
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
