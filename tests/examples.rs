//! The README's main job: the example lake checked end to end, with its known defects.

use std::process::Command;

#[test]
fn example_lake_fails_exactly_on_the_payments_defects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let json = dir.path().join("run.json");
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .args(["check", "contracts", "--now", "2026-11-26T06:00:00Z", "--json"])
        .arg(&json)
        .output()
        .expect("run lakegate");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let run: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("parse");
    let mut not_passed = Vec::new();
    for c in run["contracts"].as_array().expect("contracts") {
        for r in c["checks"].as_array().expect("checks") {
            if r["status"] != "passed" {
                not_passed.push(format!(
                    "{} {} {}",
                    r["id"].as_str().unwrap_or(""),
                    r["status"].as_str().unwrap_or(""),
                    r["observed"]
                ));
            }
        }
        for d in c["datasets"].as_array().expect("datasets") {
            assert!(d["error"].is_null(), "dataset {} could not be read: {}", d["name"], d["error"]);
        }
    }
    not_passed.sort();
    insta::assert_yaml_snapshot!("example_lake_not_passed", not_passed);
    // The seven defects of payments, and its refunds dated after the snapshot.
    assert_eq!(run["summary"]["failed"], 9);
    assert_eq!(run["summary"]["warnings"], 1);
    assert_eq!(run["summary"]["errored"], 0);
    assert_eq!(run["summary"]["skipped"], 3);
    assert!(stdout.contains("checks: "), "{stdout}");
}
