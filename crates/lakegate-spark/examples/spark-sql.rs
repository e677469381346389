//! Runs one Spark SQL query on a Spark Connect server and prints its rows (`column=value`, tab-separated) and its
//! wall time (the hand-written side of the orders benchmark, examples/bench/spark.py):
//!
//!     cargo run --release -p lakegate-spark --example spark-sql -- sc://127.0.0.1:15002 \
//!         'CREATE OR REPLACE TEMPORARY VIEW ...' 'SELECT ...'
//!
//! Every argument after the URL but the last is a statement run first (views, tables); the
//! last is the query.

use std::time::Instant;

use lakegate_sql::Value;

fn shown(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => format!("{f:?}"),
        other => format!("{other:?}"),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, statements @ .., query] = args.as_slice() else {
        eprintln!("usage: spark-sql URL [STATEMENT...] QUERY");
        std::process::exit(2);
    };
    let t0 = Instant::now();
    for s in statements {
        if let Err(e) = lakegate_spark::run_statement(url, s) {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
    let backend = match lakegate_spark::connect(url) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let t1 = Instant::now();
    let table = match backend.query(query) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };
    let query_s = t1.elapsed().as_secs_f64();
    for row in &table.rows {
        let cells: Vec<String> = table.columns.iter().zip(row).map(|(c, v)| format!("{c}={}", shown(v))).collect();
        println!("{}", cells.join("\t"));
    }
    eprintln!("query {query_s:.2}s, total {:.2}s", t0.elapsed().as_secs_f64());
}
