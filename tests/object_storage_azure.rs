//! Azure Blob Storage end to end, against Azurite (Microsoft's emulator, started by
//! `.ci/services/azurite.sh`): the example lake in a container gives the same results as on disk;
//! globs and hive partitions; a missing container or blob and a truncated Parquet blob error
//! every check of the dataset with the location named (exit 3); a wrong account key is refused
//! and never printed. lakegate reaches Azurite the way object_store and Azure's tools do: the
//! emulator variables (`AZURE_STORAGE_USE_EMULATOR`, `AZURITE_BLOB_STORAGE_URL`), an account
//! endpoint (`AZURE_STORAGE_ENDPOINT`) or a connection string (`AZURE_STORAGE_CONNECTION_STRING`).
//! Each test uses containers of its own.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The Azurite server, its account and the SDK that sets up blobs (`.ci/services/azurite.sh`).
struct Azurite {
    /// The account's blob endpoint: `http://127.0.0.1:PORT/ACCOUNT`.
    endpoint: String,
    account: String,
    key: String,
    node_path: String,
}

fn azurite() -> Option<Azurite> {
    let endpoint = common::service("LAKEGATE_AZURE_ENDPOINT", "Azurite (.ci/services/azurite.sh)")?;
    let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set (.ci/services/azurite.sh sets it)"));
    Some(Azurite {
        endpoint: endpoint.trim_end_matches('/').to_owned(),
        account: var("LAKEGATE_AZURE_ACCOUNT"),
        key: var("LAKEGATE_AZURE_KEY"),
        node_path: var("LAKEGATE_AZURE_NODE_PATH"),
    })
}

impl Azurite {
    /// Runs `.ci/services/azure-blob.js` (Azure's SDK) with `args`.
    fn blob(&self, args: &[&str]) {
        let out = Command::new("node")
            .arg(repo().join(".ci/services/azure-blob.js"))
            .args(args)
            .env("NODE_PATH", &self.node_path)
            .env("LAKEGATE_AZURE_ENDPOINT", &self.endpoint)
            .env("LAKEGATE_AZURE_ACCOUNT", &self.account)
            .env("LAKEGATE_AZURE_KEY", &self.key)
            .output()
            .expect("run node");
        assert!(out.status.success(), "azure-blob.js {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// A new container whose name starts with `prefix` (unique per test run).
    fn container(&self, prefix: &str) -> String {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let name = format!("{prefix}-{}-{}", std::process::id(), nanos % 1_000_000_000);
        self.blob(&["create", &name]);
        name
    }

    /// Uploads the local folder `dir` below `prefix` in `container`.
    fn upload_dir(&self, dir: &Path, container: &str, prefix: &str) {
        self.blob(&["upload-dir", &dir.to_string_lossy(), container, prefix]);
    }

    /// Uploads one file as the blob `name`.
    fn upload(&self, file: &Path, container: &str, name: &str) {
        self.blob(&["upload", &file.to_string_lossy(), container, name]);
    }

    /// The emulator's address without the account (`AZURITE_BLOB_STORAGE_URL`).
    fn blob_url(&self) -> &str {
        self.endpoint.rsplit_once('/').map_or(self.endpoint.as_str(), |(u, _)| u)
    }

    /// The environment pointing at Azurite the emulator way, with the account's key `key`.
    fn emulator_env(&self, key: &str) -> Vec<(&'static str, String)> {
        vec![
            ("AZURE_STORAGE_USE_EMULATOR", "true".to_owned()),
            ("AZURITE_BLOB_STORAGE_URL", self.blob_url().to_owned()),
            ("AZURE_STORAGE_ACCOUNT_NAME", self.account.clone()),
            ("AZURE_STORAGE_ACCOUNT_KEY", key.to_owned()),
        ]
    }

    /// The environment pointing at Azurite as at any account endpoint, with the account's key.
    fn endpoint_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AZURE_STORAGE_ENDPOINT", self.endpoint.clone()),
            ("AZURE_STORAGE_ACCOUNT_NAME", self.account.clone()),
            ("AZURE_STORAGE_ACCOUNT_KEY", self.key.clone()),
        ]
    }

    /// lakegate in `cwd` with the environment `env` (and no AWS or Azure settings of the machine
    /// running the tests).
    fn lakegate(&self, cwd: &Path, args: &[&str], env: &[(&'static str, String)]) -> (i32, String, String) {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let cloud = |k: &str| k.starts_with("AZURE_") || k.starts_with("AZURITE_") || k.starts_with("AWS_");
        common::lakegate_clean_env(cwd, args, &env, &cloud)
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_example_lake_on_azurite_gives_the_same_results_as_on_disk() {
    let Some(az) = azurite() else { return };
    let container = az.container("lg-examples");
    az.upload_dir(&repo().join("examples/lake"), &container, "lake/");
    let dir = tempfile::tempdir().expect("tempdir");
    common::example_contracts_on(&dir.path().join("contracts"), "azure", &format!("az://{container}/lake/"));
    let local_json = dir.path().join("local.json");
    let now = ["--now", "2026-11-26T06:00:00Z"];
    let (code, out, err) =
        common::lakegate(&repo(), &["check", "contracts", now[0], now[1], "--json", &local_json.to_string_lossy()]);
    assert_eq!(code, 1, "{out}\n{err}");
    let (code, out, err) = az.lakegate(
        dir.path(),
        &["check", "contracts", now[0], now[1], "--json", "azure.json", "--samples-out", "samples"],
        &az.emulator_env(&az.key),
    );
    assert_eq!(code, 1, "{out}\n{err}");
    let azure_json = dir.path().join("azure.json");
    let run: Value = serde_json::from_str(&std::fs::read_to_string(&azure_json).expect("json")).expect("parse");
    let mut datasets = 0;
    for c in run["contracts"].as_array().expect("contracts") {
        for d in c["datasets"].as_array().expect("datasets") {
            datasets += 1;
            assert!(d["error"].is_null(), "{}: {}", d["name"], d["error"]);
            assert!(d["source"].as_str().is_some_and(|s| s.starts_with(&format!("az://{container}/lake/"))), "{d}");
        }
    }
    assert!(datasets >= 6, "{datasets} datasets");
    let (a, b) = (common::normalized_report(&local_json), common::normalized_report(&azure_json));
    assert!(
        a == b,
        "the Azure run differs from the local one: {}",
        common::first_difference(&a, &b, "").unwrap_or_default()
    );
    // Parquet in hive folders, CSV and JSON Lines were all read: ads from its 29 dt= folders.
    let ads = run["contracts"]
        .as_array()
        .and_then(|cs| {
            cs.iter().flat_map(|c| c["datasets"].as_array().into_iter().flatten()).find(|d| d["name"] == "ads")
        })
        .expect("ads");
    assert_eq!(ads["files"], 29, "{ads}");
    assert!(std::fs::read_dir(dir.path().join("samples")).is_ok_and(|mut d| d.next().is_some()), "no samples");
    for text in [&out, &err] {
        assert!(!text.contains(&az.key), "the account key was printed");
    }
}

/// Orders with ids 0..n (every 10th null) in `file`, with pseudo-random amounts in [0, 1000)
/// (incompressible: the object is mostly data pages).
fn orders(file: &Path, n: i64) {
    use polars::prelude::*;
    let id: Vec<Option<i64>> = (0..n).map(|i| (i % 10 != 3).then_some(i)).collect();
    let amount: Vec<f64> = (0..n)
        .map(|i| ((i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 11) as f64 / (1u64 << 53) as f64 * 1000.0)
        .collect();
    let mut df = DataFrame::new(n as usize, vec![Column::new("id".into(), id), Column::new("amount".into(), amount)])
        .expect("frame");
    common::write_parquet(file, &mut df);
}

/// A contract over one dataset `orders` on an `azure` server at `location` (properties
/// `props`, object-level `quality`), in `dir`.
fn contract_with(dir: &Path, location: &str, props: &str, quality: &str) -> PathBuf {
    let p = dir.join("c.odcs.yaml");
    std::fs::write(
        &p,
        format!(
            "apiVersion: v3.1.0\nkind: DataContract\nid: azure-test\nversion: 1.0.0\nstatus: active\nservers:\n  - \
             server: lake\n    type: azure\n    location: {location}\n    format: parquet\nschema:\n  - name: \
             orders\n    properties:\n{props}    quality:\n{quality}"
        ),
    )
    .expect("write contract");
    p
}

const ID: &str = "      - name: id\n        logicalType: integer\n";
const COUNT: &str = "      - metric: rowCount\n        mustBeGreaterThan: 0\n";

#[test]
fn a_glob_over_hive_partitions_in_an_abfss_location() {
    let Some(az) = azurite() else { return };
    let container = az.container("lg-hive");
    let dir = tempfile::tempdir().expect("tempdir");
    for (day, n) in [("2026-11-24", 100), ("2026-11-25", 50), ("2026-11-26", 7)] {
        orders(&dir.path().join(format!("lake/dt={day}/part-0.parquet")), n);
    }
    std::fs::write(dir.path().join("lake/_SUCCESS"), "").expect("marker");
    // Not Parquet, and not matched by the glob.
    std::fs::write(dir.path().join("lake/dt=2026-11-25/notes.txt"), "not parquet").expect("notes");
    az.upload_dir(&dir.path().join("lake"), &container, "orders/");
    let quality = "      - metric: rowCount\n        mustBe: 157\n      - type: sql\n        query: SELECT \
                   COUNT(*) FROM orders WHERE dt = DATE '2026-11-25'\n        mustBe: 50\n";
    let props = format!("{ID}      - name: dt\n        logicalType: date\n");
    // The Hadoop driver's form (container@account), its endpoint from AZURE_STORAGE_ENDPOINT.
    let location = format!("abfss://{container}@{}.dfs.core.windows.net/orders/dt=*/*.parquet", az.account);
    contract_with(dir.path(), &location, &props, quality);
    let (code, out, err) = az.lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json"], &az.endpoint_env());
    assert_eq!(code, 0, "{out}\n{err}");
    let all = common::report_checks(&dir.path().join("r.json"));
    assert!(all.iter().any(|(id, s, t)| id.contains("dt") && s == "passed" && t.contains("date")), "{all:?}");
    assert!(all.iter().any(|(_, s, t)| s == "passed" && t.contains("\"value\":157")), "{all:?}");
    assert_eq!(all.iter().filter(|(_, s, _)| s != "passed").count(), 0, "{all:?}");
    let run: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r.json")).expect("json")).expect("parse");
    assert_eq!(run["contracts"][0]["datasets"][0]["files"], 3, "{run}");
}

/// The ODCS schema's examples write the account's host first and the container in the path
/// (`az://ACCOUNT.blob.core.windows.net/CONTAINER/...`), as DuckDB (datacontract-cli) reads them.
#[test]
fn locations_with_the_account_host_first_are_read() {
    let Some(az) = azurite() else { return };
    let container = az.container("lg-host");
    let dir = tempfile::tempdir().expect("tempdir");
    orders(&dir.path().join("lake/dt=2026-11-25/part-0.parquet"), 30);
    orders(&dir.path().join("lake/dt=2026-11-26/part-0.parquet"), 12);
    az.upload_dir(&dir.path().join("lake"), &container, "orders/");
    let quality = "      - metric: rowCount\n        mustBe: 42\n";
    for location in [
        format!("az://{}.blob.core.windows.net/{container}/orders/*/*.parquet", az.account),
        format!("abfss://{}.dfs.core.windows.net/{container}/orders/", az.account),
    ] {
        contract_with(dir.path(), &location, ID, quality);
        let (code, out, err) =
            az.lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json"], &az.endpoint_env());
        assert_eq!(code, 0, "{location}: {out}\n{err}");
        assert!(out.contains("observed 42"), "{out}");
    }
    // A missing container in that form is named as a container.
    let location = format!("az://{}.blob.core.windows.net/lg-no-such-container-4712/orders/", az.account);
    contract_with(dir.path(), &location, ID, quality);
    let run = az.lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json"], &az.endpoint_env());
    common::assert_all_errored(
        run,
        &dir.path().join("r.json"),
        "container `lg-no-such-container-4712` does not exist",
        &[&az.key],
    );
}

#[test]
fn a_missing_container_and_a_missing_blob_error_naming_the_location() {
    let Some(az) = azurite() else { return };
    let container = az.container("lg-missing");
    let dir = tempfile::tempdir().expect("tempdir");
    orders(&dir.path().join("o.parquet"), 10);
    az.upload(&dir.path().join("o.parquet"), &container, "orders/part-0.parquet");
    let at = format!("at `{}`", az.endpoint);
    for (location, reason) in [
        (
            "az://lg-no-such-container-4711/orders/*.parquet".to_owned(),
            format!("container `lg-no-such-container-4711` does not exist {at}"),
        ),
        (
            "az://lg-no-such-container-4711/orders/part-0.parquet".to_owned(),
            format!("container `lg-no-such-container-4711` does not exist {at}"),
        ),
        (
            format!("az://{container}/orders/part-1.parquet"),
            format!("no object matches `az://{container}/orders/part-1.parquet`"),
        ),
        (format!("az://{container}/orders/*.csv"), format!("no object matches `az://{container}/orders/*.csv`")),
        (format!("az://{container}/elsewhere/"), format!("no object matches `az://{container}/elsewhere/`")),
    ] {
        contract_with(dir.path(), &location, ID, COUNT);
        let run =
            az.lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json", "-vvv"], &az.emulator_env(&az.key));
        common::assert_all_errored(run, &dir.path().join("r.json"), &reason, &[&az.key]);
    }
}

#[test]
fn a_wrong_account_key_is_refused_and_never_printed() {
    let Some(az) = azurite() else { return };
    let container = az.container("lg-key");
    let dir = tempfile::tempdir().expect("tempdir");
    orders(&dir.path().join("o.parquet"), 10);
    az.upload(&dir.path().join("o.parquet"), &container, "orders/part-0.parquet");
    // A well-formed key (base64 of 32 bytes) that is not the account's.
    let wrong = "V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXk=";
    let location = format!("az://{container}/orders/");
    contract_with(dir.path(), &location, ID, COUNT);
    for args in [
        &["check", "c.odcs.yaml", "--json", "r.json", "-vvv"][..],
        &["check", "c.odcs.yaml", "--json", "r.json", "-vvv", "--history=history", "--html=r.html"][..],
    ] {
        let run = az.lakegate(dir.path(), args, &az.emulator_env(wrong));
        common::assert_all_errored(
            run,
            &dir.path().join("r.json"),
            &format!("the credentials were refused for `{location}` at `{}`", az.endpoint),
            &[wrong, &az.key],
        );
    }
    let html = std::fs::read_to_string(dir.path().join("r.html")).expect("report");
    assert!(!html.contains(wrong) && !html.contains(&az.key), "a key is in the HTML report");
    let history = history_texts(&dir.path().join("history"));
    assert!(!history.is_empty(), "no history written");
    assert!(history.iter().any(|t| t.contains("errored")), "{history:?}");
    assert!(!history.iter().any(|t| t.contains(wrong) || t.contains(&az.key)), "a key is in the history");
    // The same data with the right key passes (the key, not the location, was the cause).
    let (code, out, err) = az.lakegate(dir.path(), &["check", "c.odcs.yaml"], &az.emulator_env(&az.key));
    assert_eq!(code, 0, "{out}\n{err}");
}

/// Every text value of every run in a history folder (Parquet files in `date=` folders).
fn history_texts(root: &Path) -> Vec<String> {
    use polars::prelude::*;
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("history folder") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let df = ParquetReader::new(std::fs::File::open(&p).expect("open")).finish().expect("history parquet");
            for c in df.columns() {
                if let Ok(values) = c.cast(&DataType::String) {
                    out.extend(values.str().expect("text").iter().flatten().map(str::to_owned));
                }
            }
        }
    }
    out
}

#[test]
fn a_truncated_parquet_blob_errors_its_dataset() {
    let Some(az) = azurite() else { return };
    let container = az.container("lg-corrupt");
    let dir = tempfile::tempdir().expect("tempdir");
    // Large enough to be read by range requests (above 1 MiB), and a small one fetched whole.
    for (name, n) in [("big", 400_000), ("small", 10_000)] {
        let file = dir.path().join(format!("{name}.parquet"));
        orders(&file, n);
        let bytes = std::fs::read(&file).expect("read");
        assert_eq!(bytes.len() > 1 << 20, name == "big", "{name}: {} bytes", bytes.len());
        std::fs::write(&file, &bytes[..bytes.len() / 2]).expect("truncate");
        az.upload(&file, &container, &format!("{name}/part-0.parquet"));
        contract_with(dir.path(), &format!("az://{container}/{name}/*.parquet"), ID, COUNT);
        let run = az.lakegate(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json"], &az.emulator_env(&az.key));
        common::assert_all_errored(
            run,
            &dir.path().join("r.json"),
            &format!("az://{container}/{name}/part-0.parquet"),
            &[&az.key],
        );
    }
}

#[test]
fn a_large_blob_read_by_range_requests_gives_the_same_results_as_its_file() {
    let Some(az) = azurite() else { return };
    let container = az.container("lg-large");
    let dir = tempfile::tempdir().expect("tempdir");
    // Above the size fetched whole (1 MiB): polars reads it by range requests.
    let file = dir.path().join("local/orders.parquet");
    orders(&file, 300_000);
    assert!(std::fs::metadata(&file).expect("size").len() > 2 << 20);
    az.upload(&file, &container, "orders/part-0.parquet");
    let props = "      - name: id\n        logicalType: integer\n        quality:\n          - {metric: nullValues, \
                 mustBeLessThan: 0}\n      - name: amount\n        logicalType: number\n        logicalTypeOptions:\n          \
                 maximum: 999\n";
    let quality = "      - {metric: rowCount, mustBe: 300000}\n      - type: sql\n        query: SELECT SUM(amount) \
                   FROM orders WHERE id % 7 = 1\n        mustBeGreaterThan: 0\n";
    let mut results = Vec::new();
    for location in [format!("az://{container}/orders/*.parquet"), file.to_string_lossy().into_owned()] {
        let p = contract_with(dir.path(), &location, props, quality);
        if !location.starts_with("az://") {
            let text = std::fs::read_to_string(&p).expect("contract");
            let text = text.replace("type: azure\n    location:", "type: local\n    path:");
            std::fs::write(&p, text).expect("contract");
        }
        let (code, out, err) = az.lakegate(
            dir.path(),
            &["check", "c.odcs.yaml", "--json", "r.json", "--now", "2026-11-26T06:00:00Z"],
            &az.emulator_env(&az.key),
        );
        // nullValues < 0 and the maximum fail: computed from the data, not only from footers.
        assert_eq!(code, 1, "{location}: {out}\n{err}");
        results.push(common::normalized_report(&dir.path().join("r.json")));
    }
    assert!(
        results[0] == results[1],
        "the Azure run differs from the local one: {}",
        common::first_difference(&results[0], &results[1], "").unwrap_or_default()
    );
    let checks = common::report_checks(&dir.path().join("r.json"));
    assert!(checks.iter().any(|(_, s, t)| s == "passed" && t.contains("300000")), "{checks:?}");
    assert!(checks.iter().any(|(id, s, _)| s == "failed" && id.contains("amount")), "{checks:?}");
}

#[test]
fn data_flag_and_a_connection_string_reach_azurite() {
    let Some(az) = azurite() else { return };
    let container = az.container("lg-data");
    let dir = tempfile::tempdir().expect("tempdir");
    orders(&dir.path().join("o.parquet"), 25);
    az.upload(&dir.path().join("o.parquet"), &container, "orders/part-0.parquet");
    let data = format!("orders=az://{container}/orders/");
    // Without any Azure setting: no account to read the container in.
    contract_with(dir.path(), "az://elsewhere/x.parquet", ID, COUNT);
    let run = az.lakegate(dir.path(), &["check", "c.odcs.yaml", "--data", &data, "--json", "r.json"], &[]);
    common::assert_all_errored(run, &dir.path().join("r.json"), "no Azure storage account for `az://", &[&az.key]);
    contract_with(dir.path(), "az://elsewhere/x.parquet", ID, "      - metric: rowCount\n        mustBe: 25\n");
    // What Azure's SDKs and CLI read, and Azurite's documentation gives.
    let connection = format!(
        "DefaultEndpointsProtocol=http;AccountName={};AccountKey={};BlobEndpoint={};",
        az.account, az.key, az.endpoint
    );
    let (code, out, err) = az.lakegate(
        dir.path(),
        &["check", "c.odcs.yaml", "--data", &data, "-vvv"],
        &[("AZURE_STORAGE_CONNECTION_STRING", connection)],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("observed 25"), "{out}");
    assert!(!out.contains(&az.key) && !err.contains(&az.key), "the account key was printed");
}
