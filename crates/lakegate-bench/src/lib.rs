//! Reference programs for the orders benchmark (`examples/bench/run.py` times them against
//! lakegate): `orders-baseline`, one hand-written polars select computing the 16 metrics of
//! the workload, and `decode-all`, which only decodes every column (null counts).

use polars::prelude::*;

/// Opens an orders file lazily: Parquet, or (by its name) CSV or NDJSON, possibly gzip- or
/// zstd-compressed, read as a hand-written polars program would: with the orders schema given,
/// so that polars parses each value straight into its type.
pub fn scan(path: &str) -> PolarsResult<LazyFrame> {
    let p = PlRefPath::new(path);
    let name = path.trim_end_matches(".gz").trim_end_matches(".zst");
    if name.ends_with(".csv") {
        LazyCsvReader::new(p).with_schema(Some(Arc::new(orders_schema()))).finish()
    } else if name.ends_with(".ndjson") || name.ends_with(".jsonl") || name.ends_with(".json") {
        LazyJsonLineReader::new(p).with_schema(Some(Arc::new(orders_schema()))).finish()
    } else {
        LazyFrame::scan_parquet(p, ScanArgsParquet::default())
    }
}

/// The columns `gen-orders` writes, in order.
pub fn orders_schema() -> Schema {
    let ts = DataType::Datetime(TimeUnit::Microseconds, None);
    Schema::from_iter([
        Field::new("order_id".into(), DataType::Int64),
        Field::new("customer_id".into(), DataType::Int64),
        Field::new("country".into(), DataType::String),
        Field::new("status".into(), DataType::String),
        Field::new("amount".into(), DataType::Float64),
        Field::new("currency".into(), DataType::String),
        Field::new("email".into(), DataType::String),
        Field::new("created_at".into(), ts.clone()),
        Field::new("updated_at".into(), ts),
        Field::new("is_pro".into(), DataType::Boolean),
        Field::new("category_id".into(), DataType::Int32),
    ])
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
