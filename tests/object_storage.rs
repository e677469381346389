//! Object storage end to end, against a real S3-compatible server (moto's server mode, started
//! by `.ci/services/s3.sh`): the example lake on S3 gives the same results as on disk; missing
//! buckets, objects and matches, refused credentials, unreachable endpoints and corrupt objects
//! error every check of the dataset with the location named (exit 3); no output ever holds a
//! credential. Each test uses buckets of its own.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use serde_json::Value;

/// The moto server and its dummy credentials (`.ci/services/s3.sh`).
struct S3 {
    endpoint: String,
    key_id: String,
    secret: String,
    python: String,
}

fn s3() -> Option<S3> {
    let endpoint = common::service("LAKEGATE_S3_ENDPOINT", "the moto S3 server")?;
    let var = |k: &str, default: &str| std::env::var(k).unwrap_or_else(|_| default.to_owned());
    Some(S3 {
        endpoint,
        key_id: var("LAKEGATE_S3_ACCESS_KEY_ID", "lakegate-test-key-id"),
        secret: var("LAKEGATE_S3_SECRET_ACCESS_KEY", "lakegate-test-secret-Zq8v"),
        python: var("LAKEGATE_S3_PYTHON", "python3"),
    })
}

/// Byte counts of the moto server are compared before and after a run: one such test at a time.
static MEASURED: Mutex<()> = Mutex::new(());

impl S3 {
    /// Runs boto3 (installed with moto) with `s3` a client of the server, `sys.argv[1:]` = `args`.
    fn py(&self, script: &str, args: &[&str]) {
        let prelude = format!(
            "import sys, os, boto3\ns3 = boto3.client('s3', endpoint_url={:?}, aws_access_key_id='setup', \
             aws_secret_access_key='setup', region_name='us-east-1')\n",
            self.endpoint
        );
        let out = Command::new(&self.python)
            .arg("-c")
            .arg(format!("{prelude}{script}"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("run python");
        assert!(out.status.success(), "boto3 failed: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// A new bucket whose name starts with `prefix` (unique per test run).
    fn bucket(&self, prefix: &str) -> String {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let name = format!("{prefix}-{}-{}", std::process::id(), nanos % 1_000_000_000);
        self.py("s3.create_bucket(Bucket=sys.argv[1])", &[&name]);
        name
    }

    /// Uploads the local folder `dir` below `prefix` in `bucket`.
    fn upload_dir(&self, dir: &Path, bucket: &str, prefix: &str) {
        self.py(
            "root = sys.argv[1]\nfor d, _, fs in os.walk(root):\n    for f in fs:\n        p = os.path.join(d, f)\n        \
             s3.upload_file(p, sys.argv[2], sys.argv[3] + os.path.relpath(p, root).replace(os.sep, '/'))",
            &[&dir.to_string_lossy(), bucket, prefix],
        );
    }

    /// Uploads one file as `key`.
    fn upload(&self, file: &Path, bucket: &str, key: &str) {
        self.py("s3.upload_file(sys.argv[1], sys.argv[2], sys.argv[3])", &[&file.to_string_lossy(), bucket, key]);
    }

    /// The credentials of the run, as the AWS variables lakegate reads.
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", self.key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", self.secret.clone()),
            ("AWS_REGION", "us-east-1".to_owned()),
        ]
    }

    /// lakegate in `cwd` with the credentials in its environment (and `extra`).
    fn lakegate(&self, cwd: &Path, args: &[&str], extra: &[(&str, &str)]) -> (i32, String, String) {
        let owned = self.env();
        let mut env: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
        env.extend_from_slice(extra);
        // No profile file of the machine running the tests: the environment only.
        env.push(("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"));
        env.push(("AWS_CONFIG_FILE", "/nonexistent/config"));
        common::lakegate_env(cwd, args, &env)
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_example_lake_on_s3_gives_the_same_results_as_on_disk() {
    let Some(s3) = s3() else { return };
    let bucket = s3.bucket("lg-examples");
    s3.upload_dir(&repo().join("examples/lake"), &bucket, "lake/");
    let dir = tempfile::tempdir().expect("tempdir");
    common::example_contracts_on(&dir.path().join("contracts"), "s3", &format!("s3://{bucket}/lake/"));
    let local_json = dir.path().join("local.json");
    let s3_json = dir.path().join("s3.json");
    let now = ["--now", "2026-11-26T06:00:00Z"];
    let (code, out, err) =
        common::lakegate(&repo(), &["check", "contracts", now[0], now[1], "--json", &local_json.to_string_lossy()]);
    assert_eq!(code, 1, "{out}\n{err}");
    let (code, out, err) = s3.lakegate(
        dir.path(),
        &["check", "contracts", now[0], now[1], "--json", "s3.json"],
        &[("AWS_ENDPOINT_URL", &s3.endpoint)],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    let run: Value = serde_json::from_str(&std::fs::read_to_string(&s3_json).expect("json")).expect("parse");
    for c in run["contracts"].as_array().expect("contracts") {
        for d in c["datasets"].as_array().expect("datasets") {
            assert!(d["error"].is_null(), "{}: {}", d["name"], d["error"]);
            assert!(d["source"].as_str().is_some_and(|s| s.starts_with(&format!("s3://{bucket}/lake/"))), "{d}");
        }
    }
    let (a, b) = (common::normalized_report(&local_json), common::normalized_report(&s3_json));
    assert!(
        a == b,
        "the S3 run differs from the local one: {}",
        common::first_difference(&a, &b, "").unwrap_or_default()
    );
    // Hive partitions (ads in dt=YYYY-MM-DD folders) were read as on disk: 29 objects.
    let ads = run["contracts"]
        .as_array()
        .and_then(|cs| {
            cs.iter().flat_map(|c| c["datasets"].as_array().into_iter().flatten()).find(|d| d["name"] == "ads")
        })
        .expect("ads");
    assert_eq!(ads["files"], 29, "{ads}");
    // Samples and the history of an S3 run are written locally.
    let (code, out, err) = s3.lakegate(
        dir.path(),
        &["check", "contracts", now[0], now[1], "--samples-out", "samples", "--history=history"],
        &[("AWS_ENDPOINT_URL", &s3.endpoint)],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(std::fs::read_dir(dir.path().join("samples")).is_ok_and(|mut d| d.next().is_some()), "no samples");
    assert!(std::fs::read_dir(dir.path().join("history")).is_ok_and(|mut d| d.next().is_some()), "no history");
}

#[test]
fn the_readme_example_runs_against_the_example_bucket() {
    let Some(s3) = s3() else { return };
    // s3://lakegate-example/lake/ is uploaded by .ci/services/s3.sh (read only here).
    let (code, out, err) = s3.lakegate(
        &repo(),
        &["check", "examples/object-storage", "--now", "2026-11-26T06:00:00Z"],
        &[("LAKEGATE_S3_ENDPOINT", &s3.endpoint)],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("57 passed") && out.contains("0 errored"), "{out}");
}

/// A contract over one dataset `orders` on S3 (properties `props`, object-level `quality`), in
/// `dir`.
fn contract_with(dir: &Path, location: &str, endpoint: &str, props: &str, quality: &str) -> PathBuf {
    let p = dir.join("c.odcs.yaml");
    std::fs::write(
        &p,
        format!(
            "apiVersion: v3.1.0\nkind: DataContract\nid: s3-test\nversion: 1.0.0\nstatus: active\nservers:\n  - server: \
             lake\n    type: s3\n    location: {location}\n    endpointUrl: {endpoint}\n    format: parquet\nschema:\n  \
             - name: orders\n    properties:\n{props}    quality:\n{quality}"
        ),
    )
    .expect("write contract");
    p
}

/// The property `id` only.
const ID: &str = "      - name: id\n        logicalType: integer\n";

/// [`contract_with`] the property `id`.
fn contract(dir: &Path, location: &str, endpoint: &str, quality: &str) -> PathBuf {
    contract_with(dir, location, endpoint, ID, quality)
}

const COUNT: &str = "      - metric: rowCount\n        mustBeGreaterThan: 0\n";

/// Orders with ids 0..n (every 10th null) in `file`.
fn orders(file: &Path, n: i64, row_group: usize) {
    use polars::prelude::*;
    let id: Vec<Option<i64>> = (0..n).map(|i| (i % 10 != 3).then_some(i)).collect();
    // Pseudo-random amounts: incompressible, so that the object is mostly data pages.
    let amount: Vec<f64> =
        (0..n).map(|i| ((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) as f64 / (1u64 << 40) as f64).collect();
    let mut df = DataFrame::new(n as usize, vec![Column::new("id".into(), id), Column::new("amount".into(), amount)])
        .expect("frame");
    std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
    ParquetWriter::new(std::fs::File::create(file).expect("create"))
        .with_row_group_size(Some(row_group))
        .finish(&mut df)
        .expect("write");
}

#[test]
fn hive_partitions_on_s3_are_columns_of_their_declared_type() {
    let Some(s3) = s3() else { return };
    let bucket = s3.bucket("lg-hive");
    let dir = tempfile::tempdir().expect("tempdir");
    for (day, n) in [("2026-11-24", 100), ("2026-11-25", 50)] {
        orders(&dir.path().join(format!("lake/dt={day}/part-0.parquet")), n, 1000);
    }
    std::fs::write(dir.path().join("lake/_SUCCESS"), "").expect("marker");
    s3.upload_dir(&dir.path().join("lake"), &bucket, "orders/");
    let quality = "      - metric: rowCount\n        mustBe: 150\n      - type: sql\n        query: SELECT \
                   COUNT(*) FROM orders WHERE dt = DATE '2026-11-25'\n        mustBe: 50\n";
    let props = format!("{ID}      - name: dt\n        logicalType: date\n");
    contract_with(dir.path(), &format!("s3://{bucket}/orders/"), &s3.endpoint, &props, quality);
    let (code, out, err) = s3.lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json"], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    let all = common::report_checks(&dir.path().join("r.json"));
    assert!(all.iter().any(|(id, s, t)| id.contains("dt") && s == "passed" && t.contains("date")), "{all:?}");
    assert_eq!(all.iter().filter(|(_, s, _)| s != "passed").count(), 0, "{all:?}");
}

/// Bytes the moto server has sent through the counting proxy of `.ci/services/s3.sh` so far.
fn served() -> Option<u64> {
    use std::io::Read;
    let port = std::env::var("LAKEGATE_S3_COUNTER_PORT").ok()?;
    let mut c = std::net::TcpStream::connect(format!("127.0.0.1:{port}")).ok()?;
    let mut text = String::new();
    c.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[test]
fn footer_only_metrics_transfer_only_footers() {
    let Some(s3) = s3() else { return };
    let Some(counted) =
        common::service("LAKEGATE_S3_COUNTED_ENDPOINT", "the byte-counting proxy of the moto S3 server")
    else {
        return;
    };
    let bucket = s3.bucket("lg-footers");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("orders.parquet");
    orders(&file, 4_000_000, 262_144);
    let size = std::fs::metadata(&file).expect("size").len();
    s3.upload(&file, &bucket, "orders/part-0.parquet");
    // (options of `amount`, whether the footers answer the contract): the row count, a null count
    // and the schema are in the footer; a float's bounds need a scan (the control: the measurement
    // sees the data pages when they are read).
    for (amount, footers_only) in [("", true), ("        logicalTypeOptions:\n          minimum: 0\n", false)] {
        let props = format!(
            "      - name: id\n        logicalType: integer\n        quality:\n          - {{metric: nullValues, mustBe: 400000}}\n      - name: amount\n        logicalType: \
             number\n{amount}"
        );
        contract_with(
            dir.path(),
            &format!("s3://{bucket}/orders/*.parquet"),
            &counted,
            &props,
            "      - {metric: rowCount, mustBe: 4000000}\n",
        );
        let _one = MEASURED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let before = served().expect("LAKEGATE_S3_COUNTER_PORT: the proxy's count");
        let (code, out, err) =
            s3.lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json", "--samples", "0"], &[]);
        std::thread::sleep(std::time::Duration::from_millis(200));
        let sent = served().expect("the proxy's count") - before;
        assert_eq!(code, 0, "{out}\n{err}");
        let all = common::report_checks(&dir.path().join("r.json"));
        assert!(all.iter().all(|(_, s, _)| s == "passed"), "{all:?}");
        let report = std::fs::read_to_string(dir.path().join("r.json")).expect("json");
        assert!(report.contains("parquet-statistics"), "no metric came from the footers: {report}");
        eprintln!("footers only: {footers_only}: {sent} bytes served for an object of {size} bytes");
        let scanned: Vec<&String> = all
            .iter()
            .filter(|(_, _, t)| !t.contains("parquet-statistics") && t.contains("\"value\""))
            .map(|(id, _, _)| id)
            .collect();
        eprintln!("computed from the data: {scanned:?}");
        if footers_only {
            assert!(sent * 100 < size, "{sent} bytes served for footer-only metrics of a {size}-byte object");
        } else {
            assert!(sent * 2 > size, "a scan of `amount` served only {sent} bytes of {size}");
        }
    }
}

#[test]
fn a_missing_bucket_errors_every_check_naming_it() {
    let Some(s3) = s3() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    contract(dir.path(), "s3://lg-no-such-bucket-4711/orders/*.parquet", &s3.endpoint, COUNT);
    let run = s3.lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json", "-vvv"], &[]);
    errored(&s3, run, &dir.path().join("r.json"), "bucket `lg-no-such-bucket-4711` does not exist");
}

#[test]
fn a_missing_object_and_a_glob_matching_nothing_error_naming_the_location() {
    let Some(s3) = s3() else { return };
    let bucket = s3.bucket("lg-missing");
    let dir = tempfile::tempdir().expect("tempdir");
    orders(&dir.path().join("o.parquet"), 10, 10);
    s3.upload(&dir.path().join("o.parquet"), &bucket, "orders/part-0.parquet");
    for (location, reason) in [
        (
            format!("s3://{bucket}/orders/part-1.parquet"),
            format!("no object matches `s3://{bucket}/orders/part-1.parquet`"),
        ),
        (
            format!("s3://{bucket}/orders/*.csv.parquet"),
            format!("no object matches `s3://{bucket}/orders/*.csv.parquet`"),
        ),
        (format!("s3://{bucket}/elsewhere/"), format!("no object matches `s3://{bucket}/elsewhere/`")),
    ] {
        contract(dir.path(), &location, &s3.endpoint, COUNT);
        let run = s3.lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json"], &[]);
        errored(&s3, run, &dir.path().join("r.json"), &reason);
    }
}

#[test]
fn refused_credentials_and_denied_access_error_without_printing_a_credential() {
    let Some(s3) = s3() else { return };
    let Some(auth) = common::service("LAKEGATE_S3_AUTH_ENDPOINT", "the moto S3 server enforcing authentication") else {
        return;
    };
    let denied_id = std::env::var("LAKEGATE_S3_DENIED_ACCESS_KEY_ID").expect("LAKEGATE_S3_DENIED_ACCESS_KEY_ID");
    let denied_secret =
        std::env::var("LAKEGATE_S3_DENIED_SECRET_ACCESS_KEY").expect("LAKEGATE_S3_DENIED_SECRET_ACCESS_KEY");
    let dir = tempfile::tempdir().expect("tempdir");
    contract(dir.path(), "s3://lakegate-private/users/*.parquet", &auth, COUNT);
    // Keys the server does not know.
    let run = s3.lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json", "-vvv"], &[]);
    errored(
        &s3,
        run,
        &dir.path().join("r.json"),
        "the credentials were refused for `s3://lakegate-private/users/*.parquet`",
    );
    // A user the server knows, without any permission.
    let denied = S3 { endpoint: auth.clone(), key_id: denied_id, secret: denied_secret, python: s3.python.clone() };
    let run = denied.lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json", "-vvv"], &[]);
    errored(&denied, run, &dir.path().join("r.json"), "access denied to `s3://lakegate-private/users/*.parquet`");
}

#[test]
fn an_unreachable_endpoint_errors_within_seconds() {
    let Some(s3) = s3() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("port");
    let endpoint = format!("http://127.0.0.1:{port}");
    contract(dir.path(), "s3://lg-anything/orders/*.parquet", &endpoint, COUNT);
    let t0 = std::time::Instant::now();
    let run = s3.lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json"], &[]);
    errored(
        &s3,
        run,
        &dir.path().join("r.json"),
        "cannot connect to the object store for `s3://lg-anything/orders/*.parquet`",
    );
    assert!(t0.elapsed().as_secs() < 60, "took {:?}", t0.elapsed());
}

#[test]
fn a_truncated_object_errors_its_dataset() {
    let Some(s3) = s3() else { return };
    let bucket = s3.bucket("lg-corrupt");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("o.parquet");
    orders(&file, 10_000, 1000);
    let bytes = std::fs::read(&file).expect("read");
    std::fs::write(&file, &bytes[..bytes.len() / 2]).expect("truncate");
    s3.upload(&file, &bucket, "orders/part-0.parquet");
    contract(dir.path(), &format!("s3://{bucket}/orders/*.parquet"), &s3.endpoint, COUNT);
    let run = s3.lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json"], &[]);
    errored(&s3, run, &dir.path().join("r.json"), &format!("s3://{bucket}/orders/part-0.parquet"));
}

#[test]
fn data_flag_reads_an_object_url_with_the_endpoint_from_the_environment() {
    let Some(s3) = s3() else { return };
    let bucket = s3.bucket("lg-data");
    let dir = tempfile::tempdir().expect("tempdir");
    orders(&dir.path().join("o.parquet"), 1234, 100);
    s3.upload(&dir.path().join("o.parquet"), &bucket, "x/orders.parquet");
    contract(
        dir.path(),
        "s3://lg-unused/none/*.parquet",
        "http://127.0.0.1:9",
        "      - metric: rowCount\n        mustBe: 1234\n",
    );
    let data = format!("orders=s3://{bucket}/x/orders.parquet");
    let (code, out, err) = s3.lakegate(
        dir.path(),
        &["check", "c.odcs.yaml", "--data", &data, "--json", "r.json"],
        &[("AWS_ENDPOINT_URL", &s3.endpoint)],
    );
    assert_eq!(code, 0, "{out}\n{err}");
}

#[test]
fn a_schema_object_may_not_choose_the_bucket() {
    let dir = tempfile::tempdir().expect("tempdir");
    contract(dir.path(), "s3://{model}/data/*.parquet", "http://127.0.0.1:9", COUNT);
    let (code, out, err) = common::lakegate(dir.path(), &["check", "c.odcs.yaml"]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("c.odcs.yaml:") && err.contains("has `{model}` in its bucket"), "{err}");
}

#[test]
fn a_location_must_fit_its_server_type() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = contract(dir.path(), "s3://lake/orders/*.parquet", "http://127.0.0.1:9", COUNT);
    let text = std::fs::read_to_string(&p)
        .expect("read")
        .replace("type: s3", "type: azure")
        .replace("    endpointUrl: http://127.0.0.1:9\n", "");
    std::fs::write(&p, text).expect("write");
    let (code, out, err) = common::lakegate(dir.path(), &["check", "c.odcs.yaml"]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("c.odcs.yaml:9:") && err.contains("is not a `azure` location (az://"), "{err}");
}

#[test]
fn secrets_never_reach_logs_reports_or_history() {
    let Some(s3) = s3() else { return };
    let bucket = s3.bucket("lg-secrets");
    let dir = tempfile::tempdir().expect("tempdir");
    orders(&dir.path().join("o.parquet"), 100, 10);
    s3.upload(&dir.path().join("o.parquet"), &bucket, "orders/part-0.parquet");
    // A failing check (samples), a missing dataset (errors) and every report format.
    let props = "      - name: id\n        logicalType: integer\n        quality:\n          - {metric: nullValues, mustBe: 0}\n";
    let quality = "      - {metric: rowCount, mustBe: 5}\n";
    contract_with(dir.path(), &format!("s3://{bucket}/orders/"), &s3.endpoint, props, quality);
    let (code, out, err) = s3.lakegate(
        dir.path(),
        &[
            "check",
            "c.odcs.yaml",
            "-vvv",
            "--json",
            "r.json",
            "--html=r.html",
            "--junit",
            "r.xml",
            "--markdown",
            "r.md",
            "--metrics",
            "r.prom",
            "--samples-out",
            "samples",
            "--history=history",
        ],
        &[],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    let mut texts = vec![out, err];
    let mut stack = vec![dir.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                texts.push(String::from_utf8_lossy(&std::fs::read(&p).expect("read")).into_owned());
            }
        }
    }
    assert!(texts.len() >= 8, "reports missing: {}", texts.len());
    for t in &texts {
        assert!(!t.contains(&s3.secret), "the secret access key was printed");
        assert!(!t.contains(&s3.key_id), "the access key id was printed");
    }
}

/// Keys are raw UTF-8 as written in the location (not URL-encoded): non-ASCII, spaces and `%`
/// reach the server once encoded, for Parquet, CSV and JSON objects, named by the location or
/// found by listing (issue 14, breaker case 11).
#[test]
fn keys_with_non_ascii_spaces_and_percent_signs_are_read_as_written() {
    let Some(s3) = s3() else { return };
    let bucket = s3.bucket("lg-keys");
    let dir = tempfile::tempdir().expect("tempdir");
    orders(&dir.path().join("o.parquet"), 7, 7);
    std::fs::write(dir.path().join("o.csv"), "id\n1\n2\n3\n4\n5\n6\n7\n").expect("csv");
    std::fs::write(dir.path().join("o.json"), (1..=7).map(|i| format!("{{\"id\":{i}}}\n")).collect::<String>())
        .expect("json");
    for folder in ["city=München", "with space", "pct%20z", "100%"] {
        for format in ["parquet", "csv", "json"] {
            let file = dir.path().join(format!("o.{format}"));
            // The object itself has such a name too (found by listing, then read).
            s3.upload(&file, &bucket, &format!("{format}/{folder}/dt=2026-11-20/ü %41.{format}"));
        }
    }
    for folder in ["city=München", "with space", "pct%20z", "100%"] {
        for format in ["parquet", "csv", "json"] {
            for location in [
                format!("s3://{bucket}/{format}/{folder}/"),
                format!("s3://{bucket}/{format}/{folder}/*/*.{format}"),
                format!("s3://{bucket}/{format}/{folder}/dt=2026-11-20/ü %41.{format}"),
            ] {
                let p = contract(
                    dir.path(),
                    &format!("\"{location}\""),
                    &s3.endpoint,
                    "      - metric: rowCount\n        mustBe: 7\n",
                );
                let text =
                    std::fs::read_to_string(&p).expect("read").replace("format: parquet", &format!("format: {format}"));
                std::fs::write(&p, text).expect("write");
                let (code, out, err) = s3.lakegate(dir.path(), &["check", "c.odcs.yaml"], &[]);
                assert_eq!(code, 0, "{location}\n{out}\n{err}");
            }
        }
    }
}

/// Credentials never come from a contract: an endpointUrl with `user:password@` is refused at
/// its line without echoing the password; one in `AWS_ENDPOINT_URL` is left out (warned) and
/// never printed, in any output of the run.
#[test]
fn credentials_in_an_endpoint_are_refused_and_never_printed() {
    let Some(s3) = s3() else { return };
    let bucket = s3.bucket("lg-userinfo");
    let dir = tempfile::tempdir().expect("tempdir");
    orders(&dir.path().join("o.parquet"), 10, 10);
    s3.upload(&dir.path().join("o.parquet"), &bucket, "orders/part-0.parquet");
    let password = "hunter2-Pw9x";
    let with_password = s3.endpoint.replace("http://", &format!("http://admin:{password}@"));
    contract(dir.path(), &format!("s3://{bucket}/orders/"), &with_password, COUNT);
    let (code, out, err) = s3.lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json", "-vvv"], &[]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(err.contains("c.odcs.yaml:10:") && err.contains("holds credentials (`http://***@127.0.0.1:"), "{err}");
    assert!(!out.contains(password) && !err.contains(password) && !err.contains("admin"), "{err}");
    // From the environment (`--data`): read without it.
    contract(dir.path(), "s3://lg-unused/none/*.parquet", "http://127.0.0.1:9", COUNT);
    let data = format!("orders=s3://{bucket}/orders/");
    let missing = format!("orders=s3://{bucket}/nothing/");
    for (d, want) in [(&data, 0), (&missing, 3)] {
        let (code, out, err) = s3.lakegate(
            dir.path(),
            &["check", "c.odcs.yaml", "--data", d, "--json", "r.json", "--history=history", "-vvv"],
            &[("AWS_ENDPOINT_URL", &with_password)],
        );
        assert_eq!(code, want, "{out}\n{err}");
        assert!(err.contains("AWS_ENDPOINT_URL holds user information"), "{err}");
        let report = std::fs::read_to_string(dir.path().join("r.json")).expect("json");
        for t in [&out, &err, &report] {
            assert!(!t.contains(password) && !t.contains("admin:"), "the endpoint's password was printed: {t}");
        }
        if want == 3 {
            // The error names the endpoint it tried (without the password).
            assert!(
                report.contains(&format!("at `http://***@{}", s3.endpoint.trim_start_matches("http://"))),
                "{report}"
            );
        }
    }
}

/// An endpoint that accepts connections but never answers (a stuck proxy, another service)
/// errors every check within seconds, saying it gave no answer (breaker case 14; was 300 s and
/// "cannot connect").
#[test]
fn an_endpoint_that_never_answers_errors_within_seconds() {
    let Some(s3) = s3() else { return };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("addr"));
    // Accepts every connection and holds it open without a byte of answer.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in listener.incoming() {
            held.push(c);
        }
    });
    let dir = tempfile::tempdir().expect("tempdir");
    for location in ["s3://lg-black-hole/orders/*.parquet", "s3://lg-black-hole/orders/o.parquet"] {
        contract(dir.path(), location, &endpoint, COUNT);
        let t0 = std::time::Instant::now();
        let run = s3.lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json"], &[]);
        errored(
            &s3,
            run,
            &dir.path().join("r.json"),
            &format!("no answer from `{endpoint}` in 15 s to a request (reading `{location}`)"),
        );
        assert!(t0.elapsed().as_secs() < 40, "took {:?}", t0.elapsed());
    }
}

/// A corrupt data page in one of a dataset's files (footer intact) errors the checks that read
/// it naming that file, locally and on S3 (breaker case 16: the dataset only was named).
#[test]
fn a_corrupt_page_names_its_file_locally_and_on_s3() {
    let Some(s3) = s3() else { return };
    let bucket = s3.bucket("lg-page");
    let dir = tempfile::tempdir().expect("tempdir");
    let lake = dir.path().join("lake");
    for day in 20..23 {
        orders(&lake.join(format!("orders/dt=2026-11-{day}/part-0.parquet")), 4000, 4000);
    }
    let bad = lake.join("orders/dt=2026-11-21/part-0.parquet");
    let mut bytes = std::fs::read(&bad).expect("read");
    bytes[200..9000].fill(0);
    std::fs::write(&bad, bytes).expect("write");
    s3.upload_dir(&lake, &bucket, "lake/");
    let props = "      - name: id\n        logicalType: integer\n        quality:\n          - {metric: duplicateValues, mustBe: 0}\n";
    let p = contract_with(dir.path(), &format!("s3://{bucket}/lake/orders/"), &s3.endpoint, props, COUNT);
    let run = s3.lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json"], &[]);
    let report = std::fs::read_to_string(dir.path().join("r.json")).expect("json");
    assert_eq!(run.0, 3, "{}\n{}", run.1, run.2);
    assert!(
        report.contains(&format!(
            "reading `orders` failed in `s3://{bucket}/lake/orders/dt=2026-11-21/part-0.parquet`: "
        )),
        "{report}"
    );
    let text = std::fs::read_to_string(&p)
        .expect("read")
        .replace("type: s3", "type: local")
        .replace(&format!("location: s3://{bucket}/lake/orders/"), "path: lake/orders/")
        .replace(&format!("    endpointUrl: {}\n", s3.endpoint), "");
    std::fs::write(&p, text).expect("write");
    let (code, out, err) = common::lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json"]);
    let report = std::fs::read_to_string(dir.path().join("r.json")).expect("json");
    assert_eq!(code, 3, "{out}\n{err}");
    assert!(report.contains("failed in `") && report.contains("dt=2026-11-21/part-0.parquet`: "), "{report}");
    assert!(!report.contains("dt=2026-11-20/part-0.parquet`: "), "{report}");
}

/// A location without `{model}` for a contract of several schema objects would feed every
/// object the same files (a `customers` object read the orders files, and a relationship
/// between them passed): each object's checks are errored naming the objects, on S3 and for a
/// local `path` alike; `--data` for an object reads it anyway.
#[test]
fn a_location_without_model_is_not_read_for_several_objects() {
    let dir = tempfile::tempdir().expect("tempdir");
    orders(&dir.path().join("lake/orders.parquet"), 10, 10);
    for (server, want) in [
        (
            "    type: s3\n    location: s3://lg-shared/lake/\n    endpointUrl: http://127.0.0.1:9\n",
            "location `s3://lg-shared/lake/`",
        ),
        ("    type: local\n    path: lake/\n", "path `lake/`"),
    ] {
        std::fs::write(
            dir.path().join("c.odcs.yaml"),
            format!(
                "apiVersion: v3.1.0\nkind: DataContract\nid: shared\nversion: 1.0.0\nstatus: active\nservers:\n  - \
                 server: lake\n{server}    format: parquet\nschema:\n  - name: orders\n    properties:\n{ID}  - name: \
                 customers\n    properties:\n{ID}"
            ),
        )
        .expect("write");
        let (code, out, err) = common::lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json"]);
        assert_eq!(code, 3, "{out}\n{err}");
        let report = std::fs::read_to_string(dir.path().join("r.json")).expect("json");
        assert!(
            report.contains(&format!("c.odcs.yaml:9:5: the {want} of server `lake` has no `{{model}}`"))
                && report.contains("the schema objects `orders`, `customers` would all be read from the same files"),
            "{report}"
        );
        for (id, status, text) in common::report_checks(&dir.path().join("r.json")) {
            assert_eq!(status, "errored", "{id}: {text}");
        }
    }
    // --data for each object: read as given.
    let (code, out, err) = common::lakegate(
        dir.path(),
        &["check", "c.odcs.yaml", "--data", "orders=lake/orders.parquet", "--data", "customers=lake/orders.parquet"],
    );
    assert_eq!(code, 0, "{out}\n{err}");
}

/// An object that is not Parquet, named exactly, is named once in its dataset's error.
#[test]
fn a_read_error_names_the_object_once() {
    let Some(s3) = s3() else { return };
    let bucket = s3.bucket("lg-once");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("x.parquet"), b"PAR1 not parquet at all PAR1").expect("write");
    s3.upload(&dir.path().join("x.parquet"), &bucket, "o/x.parquet");
    let url = format!("s3://{bucket}/o/x.parquet");
    contract(dir.path(), &url, &s3.endpoint, COUNT);
    let run = s3.lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json"], &[]);
    errored(&s3, run, &dir.path().join("r.json"), &format!("cannot read `{url}`: "));
    let report = std::fs::read_to_string(dir.path().join("r.json")).expect("json");
    let error = report.lines().find(|l| l.contains("\"error\": \"cannot read")).expect("an error line");
    assert_eq!(error.matches(url.as_str()).count(), 1, "{error}");
}

/// [`common::assert_all_errored`] with the run's S3 credentials as the secrets.
fn errored(s3: &S3, run: (i32, String, String), json: &Path, reason: &str) {
    common::assert_all_errored(run, json, reason, &[&s3.secret, &s3.key_id]);
}
