//! Google Cloud Storage end to end, against fake-gcs-server (the GCS emulator, started by
//! `.ci/services/gcs.sh` with the example lake loaded as the bucket `lakegate-example`): the
//! example contracts on `gs://` give the same results as on disk; a large object read by polars'
//! range requests gives the same results as its local file; a missing bucket, a missing object
//! and a glob matching nothing error every check with the location named (exit 3). lakegate
//! reaches the emulator the way Google's client libraries do (`STORAGE_EMULATOR_HOST`) or with
//! object_store's variables (`GOOGLE_BASE_URL`, `GOOGLE_SKIP_SIGNATURE`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The fake-gcs-server of `.ci/services/gcs.sh`: `http://127.0.0.1:PORT`.
fn gcs() -> Option<String> {
    common::service("LAKEGATE_GCS_ENDPOINT", "fake-gcs-server (.ci/services/gcs.sh)")
        .map(|e| e.trim_end_matches('/').to_owned())
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// lakegate in `cwd` with the environment `env` (and no cloud settings of the machine running the
/// tests).
fn lakegate(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let cloud = |k: &str| {
        k.starts_with("GOOGLE_") || k.starts_with("AWS_") || k == "STORAGE_EMULATOR_HOST" || k == "SERVICE_ACCOUNT"
    };
    common::lakegate_clean_env(cwd, args, env, &cloud)
}

/// Creates `bucket` on the emulator and uploads `file` as `name` (GCS's JSON API, Python's
/// standard library).
fn upload(endpoint: &str, bucket: &str, file: &Path, name: &str) {
    let script = "import json, sys, urllib.parse, urllib.request as r\n\
        ep, bucket, path, name = sys.argv[1:]\n\
        r.urlopen(r.Request(ep + '/storage/v1/b', data=json.dumps({'name': bucket}).encode(), \
        headers={'Content-Type': 'application/json'}, method='POST'))\n\
        q = urllib.parse.urlencode({'uploadType': 'media', 'name': name})\n\
        r.urlopen(r.Request(ep + '/upload/storage/v1/b/' + bucket + '/o?' + q, data=open(path, 'rb').read(), \
        headers={'Content-Type': 'application/octet-stream'}, method='POST'))\n";
    let out = Command::new("python3")
        .args(["-c", script, endpoint, bucket, &file.to_string_lossy(), name])
        .output()
        .expect("run python3");
    assert!(out.status.success(), "upload failed: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_example_lake_on_gcs_gives_the_same_results_as_on_disk() {
    let Some(endpoint) = gcs() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    common::example_contracts_on(&dir.path().join("contracts"), "custom", "gs://lakegate-example/lake/");
    let local_json = dir.path().join("local.json");
    let now = ["--now", "2026-11-26T06:00:00Z"];
    let (code, out, err) =
        common::lakegate(&repo(), &["check", "contracts", now[0], now[1], "--json", &local_json.to_string_lossy()]);
    assert_eq!(code, 1, "{out}\n{err}");
    let (code, out, err) = lakegate(
        dir.path(),
        &["check", "contracts", now[0], now[1], "--json", "gcs.json"],
        &[("STORAGE_EMULATOR_HOST", &endpoint)],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    let gcs_json = dir.path().join("gcs.json");
    let run: Value = serde_json::from_str(&std::fs::read_to_string(&gcs_json).expect("json")).expect("parse");
    let mut datasets = 0;
    for c in run["contracts"].as_array().expect("contracts") {
        for d in c["datasets"].as_array().expect("datasets") {
            datasets += 1;
            assert!(d["error"].is_null(), "{}: {}", d["name"], d["error"]);
            assert!(d["source"].as_str().is_some_and(|s| s.starts_with("gs://lakegate-example/lake/")), "{d}");
        }
    }
    assert!(datasets >= 6, "{datasets} datasets");
    let (a, b) = (common::normalized_report(&local_json), common::normalized_report(&gcs_json));
    assert!(
        a == b,
        "the GCS run differs from the local one: {}",
        common::first_difference(&a, &b, "").unwrap_or_default()
    );
}

/// A contract over one dataset `orders` at `location` (a `custom` server; a `local` one for a
/// path), in `dir`.
fn contract(dir: &Path, location: &str, quality: &str) -> PathBuf {
    let server = if location.starts_with("gs://") {
        format!("type: custom\n    location: {location}")
    } else {
        format!("type: local\n    path: {location}")
    };
    let p = dir.join("c.odcs.yaml");
    std::fs::write(
        &p,
        format!(
            "apiVersion: v3.1.0\nkind: DataContract\nid: gcs-test\nversion: 1.0.0\nstatus: active\nservers:\n  - \
             server: lake\n    {server}\n    format: parquet\nschema:\n  - name: \
             orders\n    properties:\n      - name: id\n        logicalType: integer\n        quality:\n          - \
             {{metric: nullValues, mustBeLessThan: 0}}\n      - name: amount\n        logicalType: number\n        \
             logicalTypeOptions:\n          minimum: 0\n    quality:\n{quality}"
        ),
    )
    .expect("write contract");
    p
}

#[test]
fn a_large_object_read_by_range_requests_gives_the_same_results_as_its_file() {
    use polars::prelude::*;
    let Some(endpoint) = gcs() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    // About 6 MB, several row groups: above the size fetched whole, read by polars' range requests.
    let n = 400_000i64;
    let id: Vec<Option<i64>> = (0..n).map(|i| (i % 10 != 3).then_some(i)).collect();
    let amount: Vec<f64> =
        (0..n).map(|i| ((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) as f64 / (1u64 << 40) as f64).collect();
    let mut df = DataFrame::new(n as usize, vec![Column::new("id".into(), id), Column::new("amount".into(), amount)])
        .expect("frame");
    let file = dir.path().join("local/orders.parquet");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    ParquetWriter::new(std::fs::File::create(&file).expect("create"))
        .with_row_group_size(Some(65_536))
        .finish(&mut df)
        .expect("write");
    assert!(std::fs::metadata(&file).expect("size").len() > 2 << 20);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let bucket = format!("lg-large-{}-{}", std::process::id(), nanos % 1_000_000_000);
    upload(&endpoint, &bucket, &file, "orders/part-0.parquet");
    let quality = "      - {metric: rowCount, mustBe: 400000}\n      - type: sql\n        query: SELECT \
                   COUNT(*) FROM orders WHERE amount < 0.5 AND id % 7 = 1\n        mustBeGreaterThan: 0\n";
    let mut results = Vec::new();
    for (location, env) in [
        (file.to_string_lossy().into_owned(), vec![]),
        (
            format!("gs://{bucket}/orders/*.parquet"),
            // object_store's own variables this time.
            vec![("GOOGLE_BASE_URL", endpoint.as_str()), ("GOOGLE_SKIP_SIGNATURE", "true")],
        ),
    ] {
        contract(dir.path(), &location, quality);
        let (code, out, err) =
            lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json", "--now", "2026-11-26T06:00:00Z"], &env);
        // nullValues < 0 fails: a check computed from the data, not only from footers.
        assert_eq!(code, 1, "{location}: {out}\n{err}");
        results.push(common::normalized_report(&dir.path().join("r.json")));
    }
    assert!(
        results[0] == results[1],
        "the GCS run differs from the local one: {}",
        common::first_difference(&results[0], &results[1], "").unwrap_or_default()
    );
    let checks = common::report_checks(&dir.path().join("r.json"));
    assert!(checks.iter().any(|(_, s, t)| s == "passed" && t.contains("400000")), "{checks:?}");
}

#[test]
fn a_missing_bucket_and_a_missing_object_error_naming_the_location() {
    let Some(endpoint) = gcs() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    let count = "      - {metric: rowCount, mustBeGreaterThan: 0}\n";
    for (location, reason) in [
        (
            "gs://lg-no-such-bucket-4711/orders/*.parquet".to_owned(),
            format!("bucket `lg-no-such-bucket-4711` does not exist at `{endpoint}`"),
        ),
        (
            "gs://lakegate-example/lake/users/nope.parquet".to_owned(),
            "no object matches `gs://lakegate-example/lake/users/nope.parquet`".to_owned(),
        ),
        (
            "gs://lakegate-example/lake/users/*.csv.parquet".to_owned(),
            "no object matches `gs://lakegate-example/lake/users/*.csv.parquet`".to_owned(),
        ),
    ] {
        contract(dir.path(), &location, count);
        let run = lakegate(
            dir.path(),
            &["check", "c.odcs.yaml", "--json", "r.json", "-vvv"],
            &[("STORAGE_EMULATOR_HOST", &endpoint)],
        );
        common::assert_all_errored(run, &dir.path().join("r.json"), &reason, &[]);
    }
}
