//! Writes an orders Parquet file (from `gen-orders`) as CSV or newline-delimited JSON, for the
//! raw-format mode of the benchmark (`examples/bench/run.py --raw`):
//!
//!     orders-export IN.parquet OUT.csv|OUT.ndjson

use std::fs::File;
use std::io::BufWriter;

use lakegate_bench::scan;
use polars::prelude::*;

fn main() -> PolarsResult<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(input), Some(out)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: orders-export IN.parquet OUT.csv|OUT.ndjson");
        std::process::exit(2);
    };
    let mut df = scan(input)?.collect()?;
    let w = BufWriter::with_capacity(1 << 20, File::create(out)?);
    if out.ends_with(".csv") {
        CsvWriter::new(w).include_header(true).finish(&mut df)?;
    } else if out.ends_with(".ndjson") || out.ends_with(".jsonl") {
        JsonWriter::new(w).with_json_format(JsonFormat::JsonLines).finish(&mut df)?;
    } else {
        eprintln!("orders-export: `{out}` ends neither in .csv nor in .ndjson");
        std::process::exit(2);
    }
    eprintln!("{:?}", df.schema());
    Ok(())
}
