//! The Rust generator writes exactly the injected violations of checks.md, at any size.

use std::process::Command;

#[test]
fn generator_truth_matches_the_injected_violations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("orders.parquet");
    let status = Command::new(env!("CARGO_BIN_EXE_gen-orders"))
        .args(["--rows", "200000", "--out"])
        .arg(&out)
        .output()
        .expect("run gen-orders");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let text = std::fs::read_to_string(dir.path().join("orders.expected.json")).expect("truth");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    let t = &doc["truth"];
    for (k, v) in [
        ("row_count", 200_000.0),
        ("order_id_nulls", 3.0),
        ("order_id_dup_values", 5.0),
        ("customer_id_nulls", 7.0),
        ("amount_nulls", 11.0),
        ("amount_negative", 13.0),
        ("status_invalid", 17.0),
        ("country_invalid", 19.0),
        ("email_invalid", 23.0),
        ("updated_before_created", 29.0),
        ("cust_created_dup_extra_rows", 31.0),
    ] {
        assert_eq!(t[k].as_f64(), Some(v), "{k}");
    }
    let avg = t["avg_amount"].as_f64().expect("avg");
    assert!((40.0..=55.0).contains(&avg), "C12 passes: {avg}");
    // Deterministic: the same seed gives the same truth.
    let again = dir.path().join("again.parquet");
    let status = Command::new(env!("CARGO_BIN_EXE_gen-orders"))
        .args(["--rows", "200000", "--out"])
        .arg(&again)
        .output()
        .expect("run");
    assert!(status.status.success());
    let t2: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("again.expected.json")).expect("truth"))
            .expect("json");
    assert_eq!(t2["truth"], doc["truth"]);
}
