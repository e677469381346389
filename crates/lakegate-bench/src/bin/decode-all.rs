//! Decodes every column of a Parquet file (null count of each): the cost of reading the data.

use lakegate_bench::scan;
use polars::prelude::*;

fn main() -> PolarsResult<()> {
    let path = std::env::args().nth(1).expect("usage: decode-all FILE.parquet");
    let mut lf = scan(&path)?;
    let names: Vec<String> = lf.collect_schema()?.iter_names().map(|n| n.to_string()).collect();
    let df = lf.select(names.iter().map(|n| col(n.as_str()).null_count()).collect::<Vec<_>>()).collect()?;
    println!("{df}");
    Ok(())
}
