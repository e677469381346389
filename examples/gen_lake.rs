//! Generates the example lake of a classified-ads marketplace under `examples/lake/`
//! (deterministic: the same bytes of data on every run).
//!
//!     cargo run --example gen_lake            # writes examples/lake
//!     cargo run --example gen_lake -- DIR     # writes DIR
//!
//! Four data products, as the contracts in `contracts/` describe them:
//! - users (Parquet), listings (hive-partitioned Parquet + a CSV of categories),
//! - messaging (NDJSON, one file per day), all clean;
//! - payments (CSV): transactions and refunds with real defects, listed in DEFECTS below
//!   and asserted by the end-to-end tests.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use lakegate_bench::Rng;
use polars::prelude::*;

/// The snapshot's clock: the lake holds the 29 days before it.
const FIRST_DAY: i64 = 20_754; // 2026-10-28, days since 1970-01-01
const DAYS: i64 = 29; // .. 2026-11-25
const USERS: i64 = 4_000;
const ADS_PER_DAY: i64 = 2_000;
const MESSAGES_PER_DAY: i64 = 300;
const TRANSACTIONS: i64 = 6_000;

const COUNTRIES: [&str; 10] = ["DE", "FR", "NL", "ES", "IT", "PL", "SE", "AT", "BE", "PT"];
const WORDS: [&str; 16] = [
    "vintage", "bike", "sofa", "lamp", "iphone", "desk", "garden", "chair", "camera", "jacket", "table", "guitar",
    "stroller", "kayak", "oak", "mint",
];

fn day_string(day: i64) -> String {
    // Days since the epoch to YYYY-MM-DD (civil from days, Howard Hinnant).
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn ts_string(us: i64) -> String {
    let day = us.div_euclid(86_400_000_000);
    let rem = us.rem_euclid(86_400_000_000) / 1_000_000;
    format!("{}T{:02}:{:02}:{:02}Z", day_string(day), rem / 3600, rem / 60 % 60, rem % 60)
}

fn write_parquet(path: &Path, df: &mut DataFrame) -> PolarsResult<()> {
    fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))?;
    let f = fs::File::create(path)?;
    ParquetWriter::new(f).with_compression(ParquetCompression::Zstd(None)).finish(df)?;
    Ok(())
}

fn datetime(name: &str, us: Vec<i64>, tz: Option<TimeZone>) -> PolarsResult<Column> {
    Ok(Series::new(name.into(), us).cast(&DataType::Datetime(TimeUnit::Microseconds, tz))?.into_column())
}

fn users(dir: &Path, rng: &mut Rng) -> PolarsResult<()> {
    let ids: Vec<i64> = (1..=USERS).collect();
    let emails: Vec<String> = ids.iter().map(|i| format!("user{i}@mail.example.com")).collect();
    let names: Vec<String> = ids.iter().map(|i| format!("{} {}", rng.pick(&WORDS), i)).collect();
    let countries: Vec<&str> = ids.iter().map(|_| rng.pick(&COUNTRIES)).collect();
    let start = 19_723i64 * 86_400_000_000; // 2024-01-01
    let span = (FIRST_DAY + DAYS - 19_723) as u64 * 86_400_000_000;
    let mut signup: Vec<i64> = ids.iter().map(|_| start + rng.below(span) as i64).collect();
    signup.sort_unstable();
    let pro: Vec<bool> = ids.iter().map(|_| rng.below(5) == 0).collect();
    let mut df = DataFrame::new(
        ids.len(),
        vec![
            Column::new("user_id".into(), ids),
            Column::new("email".into(), emails),
            Column::new("display_name".into(), names),
            Column::new("country".into(), countries),
            datetime("signup_at", signup, Some(TimeZone::UTC))?,
            Column::new("is_pro".into(), pro),
        ],
    )?;
    write_parquet(&dir.join("users/users.parquet"), &mut df)
}

fn categories(dir: &Path) -> std::io::Result<()> {
    let names = [
        "vehicles",
        "cars",
        "bikes",
        "home",
        "furniture",
        "garden",
        "electronics",
        "phones",
        "cameras",
        "fashion",
        "women",
        "men",
        "kids",
        "toys",
        "sports",
        "outdoor",
        "music",
        "instruments",
        "books",
        "other",
    ];
    let mut s = String::from("category_id;name;parent_id\n");
    for (i, n) in names.iter().enumerate() {
        let id = i + 1;
        let parent = match id {
            2 | 3 => "1".to_owned(),
            5 | 6 => "4".to_owned(),
            8 | 9 => "7".to_owned(),
            11..=13 => "10".to_owned(),
            15 | 16 => "14".to_owned(),
            18 => "17".to_owned(),
            _ => String::new(),
        };
        let _ = writeln!(s, "{id};{n};{parent}");
    }
    fs::create_dir_all(dir.join("listings"))?;
    fs::write(dir.join("listings/categories.csv"), s)
}

fn ads(dir: &Path, rng: &mut Rng) -> PolarsResult<Vec<(i64, f64)>> {
    let mut all = Vec::new();
    let mut next_id = 1_000_000i64;
    for day in FIRST_DAY..FIRST_DAY + DAYS {
        let n = ADS_PER_DAY as usize;
        let mut id = Vec::with_capacity(n);
        let mut seller = Vec::with_capacity(n);
        let mut category = Vec::with_capacity(n);
        let mut title = Vec::with_capacity(n);
        let mut price = Vec::with_capacity(n);
        let mut status = Vec::with_capacity(n);
        let mut created = Vec::with_capacity(n);
        let mut updated = Vec::with_capacity(n);
        for _ in 0..n {
            next_id += 1;
            id.push(next_id);
            seller.push(1 + rng.below(USERS as u64) as i64);
            category.push(1 + rng.below(20) as i32);
            let words = 2 + rng.below(4);
            let t: Vec<&str> = (0..words).map(|_| rng.pick(&WORDS)).collect();
            title.push(t.join(" "));
            let p = (rng.below(200_000) as f64) / 100.0 + 1.0;
            price.push(p);
            all.push((next_id, p));
            status.push(rng.pick(&["active", "active", "active", "sold", "expired", "paused"]));
            let c = day * 86_400_000_000 + rng.below(86_400_000_000) as i64;
            created.push(c);
            updated.push(c + rng.below(3 * 3_600_000_000) as i64);
        }
        let mut df = DataFrame::new(
            n,
            vec![
                Column::new("ad_id".into(), id),
                Column::new("seller_id".into(), seller),
                Column::new("category_id".into(), category),
                Column::new("title".into(), title),
                Column::new("price_eur".into(), price),
                Column::new("status".into(), status),
                datetime("created_at", created, None)?,
                datetime("updated_at", updated, None)?,
            ],
        )?;
        write_parquet(&dir.join(format!("listings/ads/dt={}/part-0.parquet", day_string(day))), &mut df)?;
    }
    Ok(all)
}

fn messages(dir: &Path, rng: &mut Rng, ads: &[(i64, f64)]) -> std::io::Result<()> {
    for day in FIRST_DAY..FIRST_DAY + DAYS {
        let mut s = String::new();
        for i in 0..MESSAGES_PER_DAY {
            let (ad, _) = ads[rng.below(ads.len() as u64) as usize];
            let uuid = format!(
                "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
                rng.next_u64() as u32,
                rng.below(0x10000),
                rng.below(0x1000),
                rng.below(0x1000),
                rng.next_u64() & 0xFFFF_FFFF_FFFF
            );
            let sent = day * 86_400_000_000 + (i * 86_400_000_000 / MESSAGES_PER_DAY) + rng.below(60_000_000) as i64;
            let _ = writeln!(
                s,
                r#"{{"message_id":"{uuid}","ad_id":{ad},"sender_id":{},"recipient_id":{},"sent_at":"{}","body_length":{},"channel":"{}"}}"#,
                1 + rng.below(USERS as u64),
                1 + rng.below(USERS as u64),
                ts_string(sent),
                1 + rng.below(1_999),
                rng.pick(&["app", "app", "web", "email"]),
            );
        }
        let path = dir.join(format!("messaging/messages/dt={}/messages.ndjson", day_string(day)));
        fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))?;
        fs::write(path, s)?;
    }
    Ok(())
}

/// The defects of the payments product (asserted by tests/check_examples.rs).
const DEFECTS: &str = "payments: 3 duplicated tx_id, 2 negative amount_eur, 1 amount_eur `n/a`, 4 ad_id of no ad (a cross-contract reference, not checked yet), \
                       2 status `PAID`, 1 currency `eur`, 1 refund above its transaction, 5 buyers missing";

fn payments(dir: &Path, rng: &mut Rng, ads: &[(i64, f64)]) -> std::io::Result<()> {
    let mut tx = String::from("tx_id,ad_id,buyer_id,amount_eur,fee_eur,currency,status,paid_at\n");
    let mut paid_tx = Vec::new();
    for i in 1..=TRANSACTIONS {
        let (mut ad, price) = ads[rng.below(ads.len() as u64) as usize];
        let mut id = format!("TX-{i:08}");
        let mut amount = format!("{price:.2}");
        let fee = format!("{:.2}", (price * 0.05 * 100.0).round() / 100.0);
        let mut currency = "EUR";
        let mut status = rng.pick(&["paid", "paid", "paid", "paid", "refunded", "pending", "failed"]).to_owned();
        let mut buyer = (1 + rng.below(USERS as u64)).to_string();
        let day = FIRST_DAY + (i - 1) * DAYS / TRANSACTIONS;
        let paid = day * 86_400_000_000 + rng.below(86_400_000_000) as i64;
        match i {
            100 | 2_000 | 4_000 => id = format!("TX-{:08}", i - 1), // duplicated ids
            500 | 3_500 => amount = format!("-{amount}"),           // negative amounts
            1_234 => amount = "n/a".into(),                         // does not parse
            700 | 1_700 | 2_700 | 5_700 => ad = 9_999_000 + i,      // orphans: no such ad
            42 | 4_242 => status = "PAID".into(),                   // not an allowed status
            808 => currency = "eur",                                // not ISO 4217
            11 | 22 | 33 | 44 | 55 => buyer = String::new(),        // missing buyer
            _ => {}
        }
        if status == "refunded" && amount.parse::<f64>().is_ok_and(|a| a > 0.0) {
            paid_tx.push((id.clone(), amount.parse::<f64>().unwrap_or(0.0), paid));
        }
        let _ = writeln!(tx, "{id},{ad},{buyer},{amount},{fee},{currency},{status},{}", ts_string(paid));
    }
    let mut refunds = String::from("refund_id,tx_id,amount_eur,refunded_at\n");
    for (n, (tx_id, amount, paid)) in paid_tx.iter().enumerate() {
        let refund = if n == 10 { amount + 25.0 } else { *amount }; // one refund above its transaction
        let at = paid + 3_600_000_000 + rng.below(48 * 3_600_000_000) as i64;
        let _ = writeln!(refunds, "RF-{:06},{tx_id},{refund:.2},{}", n + 1, ts_string(at));
    }
    fs::create_dir_all(dir.join("payments"))?;
    fs::write(dir.join("payments/transactions.csv"), tx)?;
    fs::write(dir.join("payments/refunds.csv"), refunds)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).map_or_else(|| PathBuf::from("examples/lake"), PathBuf::from);
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    let mut rng = Rng(42);
    users(&dir, &mut rng)?;
    categories(&dir)?;
    let ads = ads(&dir, &mut rng)?;
    messages(&dir, &mut rng, &ads)?;
    payments(&dir, &mut rng, &ads)?;
    eprintln!("wrote {} ({DEFECTS})", dir.display());
    Ok(())
}
