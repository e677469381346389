//! The distinct kernel's byte-string keys: one string column as its bytes, or several columns
//! (strings and integer-like values) as one order-preserving encoding per row. Each of the
//! kernel's parts keeps its distinct keys once in an arena with a table of 16-byte entries.

use std::hash::BuildHasher;
use std::sync::Mutex;

use hashbrown::HashMap;
use polars::prelude::*;
use polars_arrow::array::{Array, PrimitiveArray, Utf8ViewArray};
use polars_arrow::bitmap::Bitmap;
use rayon::prelude::*;

use super::PARTS;
use crate::{lock, pieces};

/// One string key column: the distinct strings in hash-partitioned parts, each holding the
/// bytes of its strings once in an arena and a table of (offset, length, repeats), 16 bytes a
/// string. Exact: candidates of the same hash are compared byte for byte. polars' `n_unique`
/// on strings reads the whole column and hashes it on one thread per expression; here slices
/// are added as they are read.
pub(super) struct Texts {
    /// One hasher for the pieces and every table (a table rehashes with it when it grows).
    hasher: hashbrown::DefaultHashBuilder,
    parts: Vec<Mutex<TextPart>>,
    /// The key columns: `[true]` for one string column (its bytes are the key); otherwise
    /// each row's values are encoded (true: a string, false: an integer-like value).
    text: Vec<bool>,
}

/// Appends a row's value to its encoded key, order-preserving and injective over a fixed list
/// of columns: a string's bytes with 0x00 escaped as 0x00 0xFF and ended by 0x00 0x01, an
/// integer big-endian with its sign bit flipped. Byte order of two keys is their order.
fn encode_text(out: &mut Vec<u8>, s: &[u8]) {
    for &b in s {
        out.push(b);
        if b == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0, 1]);
}

fn encode_int(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(&((v as u64) ^ (1 << 63)).to_be_bytes());
}

/// One decoded value of an encoded key.
enum KeyValue {
    Text(String),
    Int(i64),
}

/// The values of an encoded key, by the columns' kinds (true: a string).
fn decode(mut key: &[u8], text: &[bool]) -> Vec<KeyValue> {
    let mut out = Vec::with_capacity(text.len());
    for &t in text {
        if t {
            let mut s = Vec::new();
            while let [b, rest @ ..] = key {
                key = rest;
                if *b != 0 {
                    s.push(*b);
                    continue;
                }
                let [marker, rest @ ..] = key else { break };
                key = rest;
                if *marker == 0xFF {
                    s.push(0);
                } else {
                    break;
                }
            }
            out.push(KeyValue::Text(String::from_utf8_lossy(&s).into_owned()));
        } else {
            let (head, rest) = key.split_at(8.min(key.len()));
            key = rest;
            let mut b = [0u8; 8];
            b[..head.len()].copy_from_slice(head);
            out.push(KeyValue::Int((u64::from_be_bytes(b) ^ (1 << 63)) as i64));
        }
    }
    out
}

/// One key column of an encoded key, its chunks aligned with the others (rechunked).
enum KeyColumn<'a> {
    Text(&'a Utf8ViewArray),
    Int(&'a PrimitiveArray<i64>),
}

struct TextPart {
    arena: Vec<u8>,
    /// The part's distinct strings: where their bytes are in the arena and how many rows
    /// repeated them after the first. The hash is not kept (recomputed when the table grows):
    /// 50M e-mails, 17M distinct, peaked at 4.2 GiB with 32-byte entries.
    table: hashbrown::HashTable<TextKey>,
    /// Repeats beyond u32::MAX of a string (its offset): exact counts whatever the rows.
    overflow: HashMap<u64, u64>,
}

#[derive(Clone, Copy)]
struct TextKey {
    off: u64,
    len: u32,
    again: u32,
}

impl TextKey {
    fn bytes<'a>(&self, arena: &'a [u8]) -> &'a [u8] {
        &arena[self.off as usize..self.off as usize + self.len as usize]
    }
}

impl TextPart {
    fn new() -> TextPart {
        TextPart { arena: Vec::new(), table: hashbrown::HashTable::new(), overflow: HashMap::new() }
    }

    /// Adds one string (`hash` from `hasher`; Arrow strings are shorter than 4 GiB).
    fn add(&mut self, hasher: &hashbrown::DefaultHashBuilder, hash: u64, key: &[u8]) {
        let arena = &self.arena;
        match self.table.find_mut(hash, |e| e.bytes(arena) == key) {
            Some(e) if e.again == u32::MAX => *self.overflow.entry(e.off).or_insert(0) += 1,
            Some(e) => e.again += 1,
            None => {
                let off = self.arena.len() as u64;
                self.arena.extend_from_slice(key);
                let arena = &self.arena;
                let entry = TextKey { off, len: key.len() as u32, again: 0 };
                self.table.insert_unique(hash, entry, |e| hasher.hash_one(e.bytes(arena)));
            }
        }
    }

    /// Room for `n` more strings.
    fn reserve(&mut self, hasher: &hashbrown::DefaultHashBuilder, n: usize) {
        let arena = &self.arena;
        self.table.reserve(n, |e| hasher.hash_one(e.bytes(arena)));
    }

    /// Rows after the first of the string at `e`.
    fn repeats(&self, e: &TextKey) -> u64 {
        u64::from(e.again) + self.overflow.get(&e.off).copied().unwrap_or(0)
    }
}

impl Texts {
    /// Empty sets for keys of columns `text` (see the field).
    pub(super) fn new(text: Vec<bool>) -> Texts {
        Texts { hasher: Default::default(), parts: (0..PARTS).map(|_| Mutex::new(TextPart::new())).collect(), text }
    }

    /// Adds the non-null strings of `ca`; returns how many there were. Pieces of rows hash
    /// their strings on all cores and sort them by part (bits 48-55 of the hash: the table
    /// uses the lowest bits and the top seven), then the parts insert on all cores.
    fn add_strings(&self, ca: &StringChunked) -> u64 {
        let arrs: Vec<_> = ca.downcast_iter().collect();
        let lens: Vec<usize> = arrs.iter().map(|a| a.len()).collect();
        /// A piece's strings by part, (hash, bytes), and how many rows had one.
        type Parted<'a> = (Vec<Vec<(u64, &'a [u8])>>, u64);
        let parted: Vec<Parted> = pieces(&lens)
            .into_par_iter()
            .map(|(c, rows)| {
                let arr = arrs[c];
                let mut parts: Vec<Vec<(u64, &[u8])>> =
                    (0..PARTS).map(|_| Vec::with_capacity(rows.len() / PARTS + 16)).collect();
                let valid = arr.validity().filter(|v| v.unset_bits() > 0);
                let mut n = 0;
                for i in rows {
                    if valid.is_none_or(|v| v.get_bit(i)) {
                        let key = arr.value(i).as_bytes();
                        let h = self.hasher.hash_one(key);
                        parts[((h >> 48) & 0xff) as usize].push((h, key));
                        n += 1;
                    }
                }
                (parts, n)
            })
            .collect();
        self.parts.par_iter().enumerate().for_each(|(p, part)| {
            let mut part = lock(part);
            let n: usize = parted.iter().map(|(c, _)| c[p].len()).sum();
            part.reserve(&self.hasher, n);
            for (c, _) in &parted {
                for &(h, key) in &c[p] {
                    part.add(&self.hasher, h, key);
                }
            }
        });
        parted.iter().map(|(_, n)| n).sum()
    }

    /// Adds the rows where no key column is null; returns how many there were.
    pub(super) fn add(&self, columns: &[&Column]) -> PolarsResult<u64> {
        if self.text == [true] {
            let [c] = columns else { polars_bail!(ComputeError: "one string key column expected") };
            return Ok(self.add_strings(c.cast(&DataType::String)?.str()?));
        }
        if columns.len() != self.text.len() {
            polars_bail!(ComputeError: "key columns do not match the kernel's width");
        }
        // Every key column in one chunk, so that rows line up.
        let mut texts = Vec::new();
        let mut ints = Vec::new();
        for (c, &t) in columns.iter().zip(&self.text) {
            if t {
                texts.push(c.cast(&DataType::String)?.str()?.rechunk().into_owned());
            } else {
                ints.push(c.cast(&DataType::Int64)?.i64()?.rechunk().into_owned());
            }
        }
        let (mut ti, mut ii) = (texts.iter(), ints.iter());
        let mut keys: Vec<KeyColumn> = Vec::new();
        for &t in &self.text {
            let next = if t {
                ti.next().and_then(|c| c.downcast_iter().next()).map(KeyColumn::Text)
            } else {
                ii.next().and_then(|c| c.downcast_iter().next()).map(KeyColumn::Int)
            };
            match next {
                Some(k) => keys.push(k),
                None => return Ok(0), // no rows
            }
        }
        let len = keys
            .iter()
            .map(|k| match k {
                KeyColumn::Text(a) => a.len(),
                KeyColumn::Int(a) => a.len(),
            })
            .min()
            .unwrap_or(0);
        let valid: Vec<Option<&Bitmap>> = keys
            .iter()
            .map(|k| match k {
                KeyColumn::Text(a) => a.validity(),
                KeyColumn::Int(a) => a.validity(),
            })
            .map(|v| v.filter(|v| v.unset_bits() > 0))
            .collect();
        /// A piece's encoded keys (one buffer) by part, (hash, start, end), and its keyed rows.
        type Parted = (Vec<u8>, Vec<Vec<(u64, usize, usize)>>, u64);
        let parted: Vec<Parted> = pieces(&[len])
            .into_par_iter()
            .map(|(_, rows)| {
                let mut buf = Vec::new();
                let mut parts: Vec<Vec<(u64, usize, usize)>> =
                    (0..PARTS).map(|_| Vec::with_capacity(rows.len() / PARTS + 16)).collect();
                let mut n = 0;
                for i in rows {
                    if valid.iter().any(|v| v.is_some_and(|v| !v.get_bit(i))) {
                        continue;
                    }
                    let start = buf.len();
                    for k in &keys {
                        match k {
                            KeyColumn::Text(a) => encode_text(&mut buf, a.value(i).as_bytes()),
                            KeyColumn::Int(a) => encode_int(&mut buf, a.values()[i]),
                        }
                    }
                    let h = self.hasher.hash_one(&buf[start..]);
                    parts[((h >> 48) & 0xff) as usize].push((h, start, buf.len()));
                    n += 1;
                }
                (buf, parts, n)
            })
            .collect();
        self.parts.par_iter().enumerate().for_each(|(p, part)| {
            let mut part = lock(part);
            let n: usize = parted.iter().map(|(_, c, _)| c[p].len()).sum();
            part.reserve(&self.hasher, n);
            for (buf, c, _) in &parted {
                for &(h, start, end) in &c[p] {
                    part.add(&self.hasher, h, &buf[start..end]);
                }
            }
        });
        Ok(parted.iter().map(|(_, _, n)| n).sum())
    }

    /// The first `n` repeated keys in key order with their row counts, as a frame of the key
    /// columns (named `names`, cast to `dtypes`) and `count`.
    pub(super) fn duplicates(&self, names: &[String], dtypes: &[DataType], n: usize) -> PolarsResult<DataFrame> {
        let mut d: Vec<(Vec<u8>, u64)> = Vec::new();
        for p in &self.parts {
            let p = lock(p);
            // Only each part's first n are copied out (millions of keys may repeat).
            let mut mine: Vec<(&[u8], u64)> =
                p.table.iter().filter(|e| e.again > 0).map(|e| (e.bytes(&p.arena), p.repeats(e) + 1)).collect();
            if mine.len() > n {
                mine.select_nth_unstable(n);
                mine.truncate(n);
            }
            d.extend(mine.into_iter().map(|(k, c)| (k.to_vec(), c)));
        }
        // Byte order of UTF-8, and of the encoded keys, is the order of the values.
        d.sort();
        d.truncate(n);
        let rows: Vec<Vec<KeyValue>> = if self.text == [true] {
            d.iter().map(|(k, _)| vec![KeyValue::Text(String::from_utf8_lossy(k).into_owned())]).collect()
        } else {
            d.iter().map(|(k, _)| decode(k, &self.text)).collect()
        };
        let mut columns = Vec::new();
        for (i, &text) in self.text.iter().enumerate() {
            let name = names.get(i).map_or("key", String::as_str);
            let c = if text {
                let v: Vec<&str> = rows
                    .iter()
                    .map(|r| match &r[i] {
                        KeyValue::Text(s) => s.as_str(),
                        KeyValue::Int(_) => "",
                    })
                    .collect();
                Column::new(name.into(), v)
            } else {
                let v: Vec<i64> = rows
                    .iter()
                    .map(|r| match r[i] {
                        KeyValue::Int(x) => x,
                        KeyValue::Text(_) => 0,
                    })
                    .collect();
                Column::new(name.into(), v)
            };
            columns.push(match dtypes.get(i).map(|t| c.cast(t)) {
                Some(Ok(c)) => c,
                Some(Err(e)) => return Err(e),
                None => c,
            });
        }
        let counts: Vec<u64> = d.iter().map(|(_, c)| *c).collect();
        columns.push(Column::new("count".into(), counts.clone()));
        DataFrame::new(counts.len(), columns)
    }

    /// Room for `per_part` more distinct keys in every part (near-unique keys, sized once).
    pub(super) fn reserve(&self, per_part: usize) {
        self.parts.par_iter().for_each(|p| {
            let mut p = lock(p);
            p.reserve(&self.hasher, per_part);
            let bytes = p.arena.len() / p.table.len().max(1) * per_part;
            p.arena.reserve(bytes);
        });
    }

    /// Distinct keys.
    pub(super) fn count(&self) -> u64 {
        self.parts.iter().map(|p| lock(p).table.len() as u64).sum()
    }

    /// How the keys are kept, for `--explain`.
    pub(super) fn mode(&self) -> &'static str {
        if self.text == [true] { "hash sets of strings" } else { "hash sets of encoded rows" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encoded keys decode to their values, and their byte order is the order of the values.
    #[test]
    fn encoded_keys_round_trip_in_order() {
        let strings = ["", "\0", "a", "a\0", "a\0b", "ab", "b", "ü", "\0\0\u{1}"];
        let ints = [i64::MIN, -1, 0, 1, 255, 256, i64::MAX];
        let mut rows = Vec::new();
        for s in strings {
            for i in ints {
                let mut k = Vec::new();
                encode_text(&mut k, s.as_bytes());
                encode_int(&mut k, i);
                encode_text(&mut k, s.as_bytes());
                rows.push(((s, i), k));
            }
        }
        for ((s, i), k) in &rows {
            match decode(k, &[true, false, true]).as_slice() {
                [KeyValue::Text(a), KeyValue::Int(b), KeyValue::Text(c)] => {
                    assert_eq!((a.as_str(), *b, c.as_str()), (*s, *i, *s));
                }
                _ => panic!("three values"),
            }
        }
        let mut by_bytes = rows.clone();
        by_bytes.sort_by(|a, b| a.1.cmp(&b.1));
        let mut by_values = rows;
        by_values.sort_by(|a, b| (a.0.0.as_bytes(), a.0.1).cmp(&(b.0.0.as_bytes(), b.0.1)));
        assert_eq!(by_bytes, by_values);
    }

    /// A string repeated more than u32::MAX times keeps an exact count.
    #[test]
    fn text_repeats_past_u32_stay_exact() {
        let hasher = hashbrown::DefaultHashBuilder::default();
        let mut part = TextPart::new();
        let h = hasher.hash_one(b"k".as_slice());
        part.add(&hasher, h, b"k");
        part.table.iter_mut().for_each(|e| e.again = u32::MAX - 1);
        for _ in 0..3 {
            part.add(&hasher, h, b"k");
        }
        let e = *part.table.iter().next().expect("one string");
        assert_eq!(part.repeats(&e), u64::from(u32::MAX) + 2);
        assert_eq!(part.table.len(), 1);
    }
}
