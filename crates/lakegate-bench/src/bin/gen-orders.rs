//! Generates the orders workload of ../shared/bench/orders (checks.md): the same columns and
//! the same injected violations as gen_orders.py, deterministic, any size; writes the data
//! (Parquet, zstd, row groups of 262,144) and `<out>.expected.json` with the truth recomputed
//! from the written file. The clean base data is valid by construction; the generator
//! asserts that the counts in the file equal the injected counts.
//!
//!     gen-orders --rows 10000000 --out examples/bench/data/orders_10000000.parquet

use lakegate_bench::Rng;
use polars::prelude::*;
use serde_json::json;

const COUNTRIES: [&str; 20] = [
    "US", "DE", "FR", "GB", "NL", "ES", "IT", "SE", "PL", "BE", "AT", "CH", "DK", "NO", "FI", "IE", "PT", "CA", "AU",
    "JP",
];
const COUNTRY_W: [f64; 20] = [25., 12., 9., 9., 5., 5., 5., 3., 3., 3., 2., 2., 2., 2., 2., 2., 2., 4., 2., 1.];
const STATUSES: [&str; 5] = ["pending", "paid", "shipped", "delivered", "cancelled"];
const STATUS_W: [f64; 5] = [10., 20., 15., 50., 5.];
const DOMAINS: [&str; 4] = ["example.com", "mail.example.org", "shop.example.net", "corp.example.io"];
const BAD_STATUS: [&str; 5] = ["unknown", "SHIPPED", "", "refunded ", "canceled"];
const BAD_COUNTRY: [&str; 5] = ["XX", "UK", "us", "", "DEU"];
const EMAIL_RE: &str = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$";
// Injected violations per rule (independent of the row count), as in gen_orders.py.
const ORDER_ID_NULL: usize = 3;
const ORDER_ID_DUP: usize = 5;
const CUSTOMER_ID_NULL: usize = 7;
const AMOUNT_NULL: usize = 11;
const AMOUNT_NEGATIVE: usize = 13;
const STATUS_INVALID: usize = 17;
const COUNTRY_INVALID: usize = 19;
const EMAIL_MALFORMED: usize = 23;
const UPDATED_BEFORE_CREATED: usize = 29;
const CUST_CREATED_DUP: usize = 31;

/// Normal and weighted draws on top of the shared splitmix64.
trait Draws {
    fn normal(&mut self, mean: f64, sd: f64) -> f64;
    fn weighted(&mut self, w: &[f64]) -> usize;
}

impl Draws for Rng {
    fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let (u1, u2) = (self.unit().max(1e-300), self.unit());
        mean + sd * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
    fn weighted(&mut self, w: &[f64]) -> usize {
        let total: f64 = w.iter().sum();
        let mut x = self.unit() * total;
        for (i, v) in w.iter().enumerate() {
            if x < *v {
                return i;
            }
            x -= v;
        }
        w.len() - 1
    }
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

fn main() -> PolarsResult<()> {
    let n: usize = arg("--rows").and_then(|v| v.parse().ok()).expect("--rows N");
    let out = arg("--out").expect("--out FILE.parquet");
    let seed: u64 = arg("--seed").and_then(|v| v.parse().ok()).unwrap_or(42);
    let now_us: i64 = 1_751_241_600_000_000; // 2025-06-30T00:00:00Z
    let mut rng = Rng(seed);
    let span = 30 * 86_400 * 1_000_000i64;
    let usable = span - 3_600 * 1_000_000;
    let step = usable / n as i64;
    assert!(step >= 2, "too many rows for microsecond-unique timestamps");
    let start = now_us - span;
    let mut created: Vec<i64> = (0..n as i64).map(|i| start + i * step + rng.below(step as u64) as i64).collect();
    let mut updated: Vec<i64> = created.iter().map(|c| c + rng.below(48 * 3_600 * 1_000_000) as i64).collect();
    let mut order_id: Vec<Option<i64>> = (0..n as i64).map(|i| Some(10_000_000_000 + i + 1)).collect();
    let n_cust = (n / 10).max(1000) as u64;
    let hot = (n_cust / 100).max(10);
    let mut cust: Vec<Option<i64>> = (0..n)
        .map(|_| Some(if rng.unit() < 0.8 { 1 + rng.below(n_cust) } else { 1 + rng.below(hot) } as i64))
        .collect();
    let country_idx: Vec<usize> = (0..n).map(|_| rng.weighted(&COUNTRY_W)).collect();
    let status_idx: Vec<usize> = (0..n).map(|_| rng.weighted(&STATUS_W)).collect();
    let mut amount: Vec<Option<f64>> =
        (0..n).map(|_| Some(((rng.normal(3.5, 0.8).exp() + 0.5) * 100.0).round() / 100.0)).collect();
    let is_pro: Vec<bool> = (0..n).map(|_| rng.unit() < 0.15).collect();
    let category: Vec<i32> = (0..n).map(|_| 1 + rng.below(500) as i32).collect();
    let dom_idx: Vec<usize> = (0..n).map(|_| rng.below(4) as usize).collect();

    // Disjoint rows for the injections (a partial Fisher-Yates over [2, n-1)).
    let total = ORDER_ID_NULL
        + ORDER_ID_DUP * 2
        + CUSTOMER_ID_NULL
        + AMOUNT_NULL
        + AMOUNT_NEGATIVE
        + STATUS_INVALID
        + COUNTRY_INVALID
        + EMAIL_MALFORMED
        + UPDATED_BEFORE_CREATED
        + CUST_CREATED_DUP;
    let mut pool: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    let range = n - 3;
    let mut picked = Vec::new();
    for i in 0..(total * 4).min(range) {
        let j = i + rng.below((range - i) as u64) as usize;
        let vi = *pool.get(&i).unwrap_or(&i);
        let vj = *pool.get(&j).unwrap_or(&j);
        pool.insert(j, vi);
        picked.push(vj + 2);
    }
    let mut ccd: Vec<usize> = picked[..CUST_CREATED_DUP].to_vec();
    ccd.sort_unstable();
    let reserved: std::collections::HashSet<usize> = ccd.iter().flat_map(|r| [*r, r - 1]).collect();
    let rest: Vec<usize> = picked[CUST_CREATED_DUP..]
        .iter()
        .copied()
        .filter(|x| !reserved.contains(x) && !reserved.contains(&(x - 1)) && !reserved.contains(&(x + 1)))
        .collect();
    let mut take = {
        let mut pos = 0;
        move |k: usize| {
            let v = rest[pos..pos + k].to_vec();
            pos += k;
            v
        }
    };
    let (oid_null, oid_dup, cid_null, amt_null, amt_neg, st_bad, co_bad, em_bad, upd_before, dup_src) = (
        take(ORDER_ID_NULL),
        take(ORDER_ID_DUP),
        take(CUSTOMER_ID_NULL),
        take(AMOUNT_NULL),
        take(AMOUNT_NEGATIVE),
        take(STATUS_INVALID),
        take(COUNTRY_INVALID),
        take(EMAIL_MALFORMED),
        take(UPDATED_BEFORE_CREATED),
        take(ORDER_ID_DUP),
    );
    for &r in &ccd {
        cust[r] = cust[r - 1];
        created[r] = created[r - 1];
        updated[r] = updated[r].max(created[r]);
    }
    for (r, s) in oid_dup.iter().zip(&dup_src) {
        order_id[*r] = order_id[*s];
    }
    for &r in &amt_neg {
        amount[r] = amount[r].map(|a| -a);
    }
    for &r in &upd_before {
        updated[r] = created[r] - (1_000_000 + rng.below(3_599 * 1_000_000) as i64);
    }
    let emails: Vec<String> = (0..n).map(|i| format!("user{}@{}", cust[i].unwrap_or(0), DOMAINS[dom_idx[i]])).collect();
    let mut email = emails;
    let mut status: Vec<String> = status_idx.iter().map(|i| STATUSES[*i].to_owned()).collect();
    let mut country: Vec<String> = country_idx.iter().map(|i| COUNTRIES[*i].to_owned()).collect();
    let currency: Vec<&str> = country_idx
        .iter()
        .map(|i| match COUNTRIES[*i] {
            "US" => "USD",
            "GB" => "GBP",
            "SE" => "SEK",
            "PL" => "PLN",
            "CH" => "CHF",
            "DK" => "DKK",
            "NO" => "NOK",
            "CA" => "CAD",
            "AU" => "AUD",
            "JP" => "JPY",
            _ => "EUR",
        })
        .collect();
    for &r in &oid_null {
        order_id[r] = None;
    }
    for &r in &cid_null {
        cust[r] = None;
    }
    for &r in &amt_null {
        amount[r] = None;
    }
    for (k, &r) in st_bad.iter().enumerate() {
        status[r] = BAD_STATUS[k % 5].to_owned();
    }
    for (k, &r) in co_bad.iter().enumerate() {
        country[r] = BAD_COUNTRY[k % 5].to_owned();
    }
    let forms = [
        "user{}example.com",
        "user{}@@example.com",
        "user {}@example.com",
        "user{}@example",
        "@example{}.com",
        "user{}@example.c",
    ];
    for (k, &r) in em_bad.iter().enumerate() {
        email[r] = forms[k % forms.len()].replace("{}", &(1 + rng.below(999_999)).to_string());
    }
    let ts = |v: Vec<i64>, name: &str| -> PolarsResult<Column> {
        Ok(Series::new(name.into(), v).cast(&DataType::Datetime(TimeUnit::Microseconds, None))?.into_column())
    };
    let mut df = DataFrame::new(
        n,
        vec![
            Column::new("order_id".into(), order_id),
            Column::new("customer_id".into(), cust),
            Column::new("country".into(), country),
            Column::new("status".into(), status),
            Column::new("amount".into(), amount),
            Column::new("currency".into(), currency),
            Column::new("email".into(), email),
            ts(created, "created_at")?,
            ts(updated, "updated_at")?,
            Column::new("is_pro".into(), is_pro),
            Column::new("category_id".into(), category),
        ],
    )?;
    if let Some(dir) = std::path::Path::new(&out).parent() {
        std::fs::create_dir_all(dir)?;
    }
    ParquetWriter::new(std::fs::File::create(&out)?)
        .with_compression(ParquetCompression::Zstd(None))
        .with_row_group_size(Some(262_144))
        .finish(&mut df)?;

    // The truth, recomputed from the written file.
    let set = |v: &[&str]| lit(Series::new("s".into(), v)).implode(false);
    let c = col;
    let t = lakegate_bench::scan(&out)?
        .select([
            len().cast(DataType::Float64).alias("row_count"),
            c("order_id").null_count().cast(DataType::Float64).alias("order_id_nulls"),
            c("customer_id").null_count().cast(DataType::Float64).alias("customer_id_nulls"),
            c("amount").null_count().cast(DataType::Float64).alias("amount_nulls"),
            (c("order_id").count().cast(DataType::Float64)
                - c("order_id").drop_nulls().n_unique().cast(DataType::Float64))
            .alias("order_id_dup_values"),
            c("amount").lt(lit(0.0)).sum().cast(DataType::Float64).alias("amount_negative"),
            c("status").is_in(set(&STATUSES), false).not().sum().cast(DataType::Float64).alias("status_invalid"),
            c("country").is_in(set(&COUNTRIES), false).not().sum().cast(DataType::Float64).alias("country_invalid"),
            c("email").str().contains(lit(EMAIL_RE), true).not().sum().cast(DataType::Float64).alias("email_invalid"),
            c("amount").mean().alias("avg_amount"),
            c("amount").sum().alias("sum_amount"),
            c("customer_id").drop_nulls().n_unique().cast(DataType::Float64).alias("distinct_customers"),
            (len().cast(DataType::Float64)
                - as_struct(vec![c("customer_id"), c("created_at")]).n_unique().cast(DataType::Float64))
            .alias("cust_created_dup_extra_rows"),
            c("updated_at").lt(c("created_at")).sum().cast(DataType::Float64).alias("updated_before_created"),
        ])
        .collect()?;
    let get = |name: &str| t.column(name).ok().and_then(|c| c.f64().ok()?.get(0)).unwrap_or(f64::NAN);
    let expect = [
        ("order_id_nulls", ORDER_ID_NULL),
        ("order_id_dup_values", ORDER_ID_DUP),
        ("customer_id_nulls", CUSTOMER_ID_NULL),
        ("amount_nulls", AMOUNT_NULL),
        ("amount_negative", AMOUNT_NEGATIVE),
        ("status_invalid", STATUS_INVALID),
        ("country_invalid", COUNTRY_INVALID),
        ("email_invalid", EMAIL_MALFORMED),
        ("updated_before_created", UPDATED_BEFORE_CREATED),
        ("cust_created_dup_extra_rows", CUST_CREATED_DUP),
    ];
    for (name, want) in expect {
        assert_eq!(get(name), want as f64, "{name}: the file does not hold exactly the injected violations");
    }
    let mut truth = serde_json::Map::new();
    for col in t.get_column_names() {
        truth.insert(col.to_string(), json!(get(col.as_str())));
    }
    truth.insert("cust_created_dup_rate".into(), json!(get("cust_created_dup_extra_rows") / get("row_count")));
    let doc = json!({"rows": n, "seed": seed, "now": "2025-06-30T00:00:00", "generator": "lakegate-bench gen-orders", "truth": truth});
    let path = format!("{}.expected.json", out.strip_suffix(".parquet").unwrap_or(&out));
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap_or_default())?;
    println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    Ok(())
}
