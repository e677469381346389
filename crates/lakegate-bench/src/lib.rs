//! Reference programs for the orders benchmark (`examples/bench/run.py` times them against
//! lakegate): `orders-baseline`, one hand-written polars select computing the 16 metrics of
//! the workload, and `decode-all`, which only decodes every column (null counts).

use polars::prelude::*;

/// Opens a Parquet file lazily.
pub fn scan(path: &str) -> PolarsResult<LazyFrame> {
    LazyFrame::scan_parquet(PlRefPath::new(path), ScanArgsParquet::default())
}

/// splitmix64: the tiny deterministic generator of lakegate's data generators (the same
/// stream on every machine, no dependency).
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// A number in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// One of `items`.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}
