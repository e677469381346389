//! One hand-written polars select computing every metric of the orders workload (the
//! near-limit reference, as ../shared/bench/orders/peer_polars.py does in Python).

use lakegate_bench::scan;
use polars::prelude::*;

const STATUSES: [&str; 5] = ["pending", "paid", "shipped", "delivered", "cancelled"];
const COUNTRIES: [&str; 20] = [
    "US", "DE", "FR", "GB", "NL", "ES", "IT", "SE", "PL", "BE", "AT", "CH", "DK", "NO", "FI", "IE", "PT", "CA", "AU",
    "JP",
];
const EMAIL_RE: &str = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$";

fn main() -> PolarsResult<()> {
    let path = std::env::args().nth(1).expect("usage: orders-baseline FILE.parquet");
    let set = |v: &[&str]| lit(Series::new("s".into(), v)).implode(false);
    let c = col;
    let df = scan(&path)?
        .select([
            len().alias("rows"),
            c("created_at").max().dt().timestamp(TimeUnit::Microseconds).alias("max_created_us"),
            c("order_id").null_count().alias("n_order_id"),
            c("customer_id").null_count().alias("n_customer_id"),
            c("amount").null_count().alias("n_amount"),
            (c("order_id").count().cast(DataType::Int64) - c("order_id").drop_nulls().n_unique().cast(DataType::Int64))
                .alias("order_id_extra"),
            c("amount").lt(lit(0.0)).sum().alias("neg_amount"),
            c("status").is_in(set(&STATUSES), false).not().sum().alias("bad_status"),
            c("country").is_in(set(&COUNTRIES), false).not().sum().alias("bad_country"),
            c("email").str().contains(lit(EMAIL_RE), true).not().sum().alias("bad_email"),
            c("amount").mean().alias("avg_amount"),
            c("amount").sum().alias("sum_amount"),
            c("customer_id").drop_nulls().n_unique().alias("distinct_cust"),
            as_struct(vec![c("customer_id"), c("created_at")]).n_unique().alias("distinct_pairs"),
            c("updated_at").lt(c("created_at")).sum().alias("upd_before"),
        ])
        .collect()?;
    let row: Vec<(String, String)> = df
        .columns()
        .iter()
        .map(|col| (col.name().to_string(), col.get(0).map(|v| v.to_string()).unwrap_or_default()))
        .collect();
    let obj: serde_json::Map<String, serde_json::Value> =
        row.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect();
    println!("{}", serde_json::Value::Object(obj));
    Ok(())
}
