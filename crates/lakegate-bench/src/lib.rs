//! Reference programs for the orders benchmark (`examples/bench/run.py` times them against
//! lakegate): `orders-baseline`, one hand-written polars select computing the 16 metrics of
//! the workload, and `decode-all`, which only decodes every column (null counts).

use polars::prelude::*;

/// Opens a Parquet file lazily.
pub fn scan(path: &str) -> PolarsResult<LazyFrame> {
    LazyFrame::scan_parquet(PlRefPath::new(path), ScanArgsParquet::default())
}
