//! Object storage: ODCS `s3` servers (and S3-compatible stores through `endpointUrl`), `azure`
//! (`az://`, `abfs://`, `abfss://`) and Google Cloud Storage (`gs://`) locations.
//!
//! polars reads Parquet objects itself (its cloud reading, object_store underneath): only the
//! row groups and columns a query needs, by range requests. This module lists the objects a
//! location designates, reads Parquet footers (the last bytes of each object, in one range
//! request, a few at a time) for zero-scan answers and slicing, and copies CSV and JSON objects
//! to unnamed local files (they are read whole anyway; the local readers then sniff, decompress
//! and re-encode them like local files).
//!
//! Credentials come from the environment and the cloud's own chain (object_store's: for AWS the
//! `AWS_*` variables, web identity, container and instance metadata; `AWS_PROFILE` or the
//! `default` profile of the shared credentials file), never from a contract. No message, log
//! line or report holds one: errors are classified into reasons naming the location, and any
//! text that comes from a server is scrubbed of the credentials in use.

use std::collections::HashMap;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use lakegate_core::Source;
use lakegate_core::plan::ObjectLocation;
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt};
use polars::io::cloud::credential_provider::{ObjectStoreCredential, PlCredentialProvider};
use polars::io::cloud::{CloudOptions, CloudRetryConfig};
use polars::prelude::{PlRefPath, PolarsError, PolarsResult};
use polars_parquet::parquet::metadata::FileMetadata;

/// URL schemes read from object storage.
const SCHEMES: [&str; 9] = ["s3://", "s3a://", "gs://", "gcs://", "az://", "azure://", "abfs://", "abfss://", "adl://"];

/// Parquet footers are read from the last bytes of an object, in one request (a larger footer
/// takes a second one): 1/2048 of the object, at least 16 KiB and at most 128 KiB (as polars'
/// streaming reader estimates footers).
fn footer_prefetch(size: u64) -> u64 {
    (size / 2048).clamp(16 * 1024, 128 * 1024)
}

/// Objects listed, footers and copies fetched at the same time.
const CONCURRENCY: usize = 16;

/// Whether `p` is an object-storage URL (`s3://...`).
pub fn is_url(p: &Path) -> bool {
    let s = p.to_string_lossy();
    SCHEMES.iter().any(|scheme| s.len() > scheme.len() && s[..scheme.len()].eq_ignore_ascii_case(scheme))
}

/// Whether `s` names object storage (a location or a `--data` value).
pub fn is_url_str(s: &str) -> bool {
    is_url(Path::new(s))
}

/// What the listing learned about an object, for later reads of it.
#[derive(Debug, Clone)]
struct Listed {
    size: u64,
    endpoint: Option<String>,
}

/// Every object listed in this process, by URL.
static LISTED: LazyLock<Mutex<HashMap<String, Listed>>> = LazyLock::new(Default::default);

/// Bytes received from object storage by this module (listings aside): footers and copies.
static RECEIVED: AtomicU64 = AtomicU64::new(0);
/// Requests made by this module (list pages counted once per listing).
static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// (requests, bytes) that lakegate itself made and received from object storage so far;
/// polars' own reads of Parquet pages are not counted.
pub fn transferred() -> (u64, u64) {
    (REQUESTS.load(Ordering::Relaxed), RECEIVED.load(Ordering::Relaxed))
}

/// The size of a listed object.
pub fn size(f: &Path) -> Option<u64> {
    crate::lock(&LISTED).get(f.to_string_lossy().as_ref()).map(|l| l.size)
}

/// The runtime object_store's futures run on (its HTTP connections live on it).
static RUNTIME: LazyLock<Option<tokio::runtime::Runtime>> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("lakegate-object-store")
        .enable_all()
        .build()
        .map_err(|e| tracing::error!("cannot start the object storage runtime: {e}"))
        .ok()
});

/// Runs `f` to completion on [`RUNTIME`]; from a thread that drives another runtime (polars'
/// own, when a query opens a dataset), on a thread of its own.
fn block_on<T: Send>(f: impl Future<Output = Result<T, String>> + Send) -> Result<T, String> {
    let Some(rt) = RUNTIME.as_ref() else { return Err("cannot start the object storage runtime".to_owned()) };
    if tokio::runtime::Handle::try_current().is_err() {
        return rt.block_on(f);
    }
    std::thread::scope(|s| {
        s.spawn(|| rt.block_on(f)).join().unwrap_or_else(|_| Err("object storage request panicked".to_owned()))
    })
}

/// The cloud options polars and this module reach `url` with: the contract's endpoint, bounded
/// retries and timeouts; credentials from the environment (see the module's documentation).
pub fn options(src: &Source) -> Option<CloudOptions> {
    let o = src.object.as_ref()?;
    options_for(&o.url, o.endpoint.as_deref(), RANGE_TIMEOUT).ok()
}

/// An object store answers a request (its status and headers; a list page) within this time, or
/// the request fails: a wrong endpoint that accepts connections but never answers (a stuck
/// proxy, another service) fails in seconds instead of minutes. object_store's retries of
/// transient errors run within it.
pub const FIRST_BYTE_TIMEOUT: Duration = Duration::from_secs(15);

/// The longest pause between two parts of a response body lakegate streams (a copy of a CSV or
/// JSON object, a footer): a large body on a slow link takes its time as long as bytes flow.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The whole-request limit of polars' own reads of Parquet objects (range requests of at most
/// 64 MiB, polars' download chunk; the HTTP client has no read timeout): at least 0.5 MiB/s per
/// request; failed ranges are retried.
const RANGE_TIMEOUT: Duration = Duration::from_secs(120);

/// The whole-request limit of lakegate's own requests, which [`FIRST_BYTE_TIMEOUT`] and
/// [`READ_TIMEOUT`] bound instead (a copy of a large CSV object may take long).
const STREAM_TIMEOUT: Duration = Duration::from_secs(3600);

fn options_for(url: &str, endpoint: Option<&str>, total: Duration) -> Result<CloudOptions, String> {
    let path = PlRefPath::new(url);
    let scheme = path.scheme();
    let mut config: Vec<(String, String)> = vec![
        // A server that accepts no connection fails fast; a slow body may take its time.
        ("connect_timeout".into(), "5s".into()),
        ("timeout".into(), format!("{}s", total.as_secs())),
        ("pool_idle_timeout".into(), "30s".into()),
    ];
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("s3://") || lower.starts_with("s3a://") {
        if let Some(ep) = endpoint {
            config.push(("aws_endpoint".into(), bare_endpoint(ep)));
            if ep.starts_with("http://") {
                config.push(("aws_allow_http".into(), "true".into()));
            }
        } else if let Ok(ep) = std::env::var("AWS_ENDPOINT_URL").or_else(|_| std::env::var("AWS_ENDPOINT")) {
            // S3 signs its requests: user information in the endpoint is never used, only
            // leaked (in the HTTP client's logs); it is dropped.
            let shown = redact_userinfo(&ep);
            if shown != ep {
                static WARNED: std::sync::Once = std::sync::Once::new();
                WARNED.call_once(|| {
                    tracing::warn!(
                        "AWS_ENDPOINT_URL holds user information (`{shown}`): left out; credentials come from \
                     AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or a profile"
                    )
                });
                config.push(("aws_endpoint".into(), bare_endpoint(&ep)));
            }
            if ep.starts_with("http://") {
                config.push(("aws_allow_http".into(), "true".into()));
            }
        }
        if let Some(region) = profile_value("region") {
            config.push(("aws_region".into(), region));
        }
    }
    if is_azure(url) {
        config.extend(azure_connection_string());
    }
    if is_gcs(url)
        && std::env::var_os("GOOGLE_BASE_URL").is_none()
        && let Some(emulator) = gcs_emulator()
    {
        // Google's client libraries talk to an emulator unauthenticated.
        config.push(("google_base_url".into(), emulator));
        config.push(("google_skip_signature".into(), "true".into()));
    }
    let mut opts = CloudOptions::from_untyped_config(scheme, config).map_err(|e| e.to_string())?;
    opts = opts.with_retry_config(CloudRetryConfig {
        max_retries: Some(3),
        retry_timeout: Some(Duration::from_secs(20)),
        retry_init_backoff: Some(Duration::from_millis(100)),
        retry_max_backoff: Some(Duration::from_secs(5)),
        retry_base_multiplier: None,
    });
    if lower.starts_with("s3") && std::env::var_os("AWS_ACCESS_KEY_ID").is_none() {
        // The shared credentials file's profile (object_store reads none; polars would take the
        // file's first keys, whatever the profile).
        if let Some(creds) = profile_credentials() {
            let creds = Arc::new(creds);
            opts = opts.with_credential_provider(Some(PlCredentialProvider::from_func(move || {
                let c = creds.clone();
                Box::pin(async move { Ok((ObjectStoreCredential::Aws(c), u64::MAX)) })
            })));
        }
    }
    Ok(opts)
}

/// The AWS profile in use: `AWS_PROFILE`, else `default`.
fn profile_name() -> String {
    std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()).unwrap_or_else(|| "default".to_owned())
}

/// `key` of a section of an INI file (`[name]` or `[profile name]`).
fn ini_value(text: &str, section: &str, key: &str) -> Option<String> {
    let mut inside = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') && line.ends_with(']') {
            let name = line[1..line.len() - 1].trim();
            let name = name.strip_prefix("profile ").map(str::trim).unwrap_or(name);
            inside = name == section;
        } else if inside
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim().to_owned()).filter(|v| !v.is_empty());
        }
    }
    None
}

fn home_file(var: &str, default: &str) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(var) {
        return Some(PathBuf::from(p));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(default))
}

/// A setting of the AWS profile in use from the config file (`~/.aws/config`, `AWS_CONFIG_FILE`),
/// when the environment does not set it.
fn profile_value(key: &str) -> Option<String> {
    if key == "region" && (std::env::var_os("AWS_REGION").is_some() || std::env::var_os("AWS_DEFAULT_REGION").is_some())
    {
        return None;
    }
    let text = std::fs::read_to_string(home_file("AWS_CONFIG_FILE", ".aws/config")?).ok()?;
    ini_value(&text, &profile_name(), key)
}

/// Static keys of the AWS profile in use from the shared credentials file (or the config file).
fn profile_credentials() -> Option<object_store::aws::AwsCredential> {
    let profile = profile_name();
    let files =
        [home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"), home_file("AWS_CONFIG_FILE", ".aws/config")];
    for file in files.into_iter().flatten() {
        let Ok(text) = std::fs::read_to_string(&file) else { continue };
        let (Some(key_id), Some(secret_key)) =
            (ini_value(&text, &profile, "aws_access_key_id"), ini_value(&text, &profile, "aws_secret_access_key"))
        else {
            continue;
        };
        let token = ini_value(&text, &profile, "aws_session_token");
        let mut secrets = crate::lock(&SECRETS);
        secrets.extend([key_id.clone(), secret_key.clone()]);
        secrets.extend(token.clone());
        return Some(object_store::aws::AwsCredential { key_id, secret_key, token });
    }
    None
}

/// Credentials read from profile files (scrubbed from messages like the environment's).
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// `text` without any credential of the run: the values of the environment variables that hold
/// secrets (`AWS_SECRET_ACCESS_KEY`, `AWS_ACCESS_KEY_ID`, `AWS_SESSION_TOKEN`, Azure's and
/// Google's keys, tokens and SAS) and of the profile read, each replaced by `***`.
pub fn scrub(text: &str) -> String {
    let mut out = text.to_owned();
    let mut secrets: Vec<String> = std::env::vars()
        .filter(|(k, _)| {
            let k = k.to_ascii_uppercase();
            (k.starts_with("AWS_") || k.starts_with("AZURE_") || k.starts_with("GOOGLE_") || k.starts_with("GCS_"))
                && ["KEY", "SECRET", "TOKEN", "SAS", "PASSWORD", "CREDENTIAL", "CONNECTION_STRING"]
                    .iter()
                    .any(|w| k.contains(w))
                && !k.ends_with("_FILE")
                && !k.ends_with("_PATH")
        })
        .map(|(_, v)| v)
        .collect();
    secrets.extend(crate::lock(&SECRETS).iter().cloned());
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for s in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(s.as_str(), "***");
    }
    redact_userinfo(&out)
}

/// `url` without the user information of its authority (`http://user:password@host` reads
/// `http://***@host`): endpoints are shown in messages, logs and reports, and a password in one
/// must not be. Text without `://` is returned as is.
pub fn redact_userinfo(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| {
                c == '/'
                    || c == '?'
                    || c == '#'
                    || c.is_whitespace()
                    || c == '`'
                    || c == '\''
                    || c == '"'
                    || c == ')'
                    || c == ','
            })
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        // `abfss://CONTAINER@ACCOUNT...` names a container, not a user: only `user:password@`
        // is user information there; in http(s) URLs any `...@` is.
        let web = head.to_ascii_lowercase().ends_with("http://") || head.to_ascii_lowercase().ends_with("https://");
        match authority.rfind('@').filter(|&at| web || authority[..at].contains(':')) {
            Some(at) => {
                out.push_str("***");
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// `endpoint` without user information and trailing `/`: what the client connects to.
fn bare_endpoint(endpoint: &str) -> String {
    let bare = match endpoint.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find('/').unwrap_or(rest.len());
            let host = rest[..end].rsplit_once('@').map_or(&rest[..end], |(_, h)| h);
            format!("{scheme}://{host}{}", &rest[end..])
        }
        None => endpoint.to_owned(),
    };
    bare.trim_end_matches('/').to_owned()
}

/// The endpoint object storage is reached at for display: the contract's, else the
/// environment's (`AWS_ENDPOINT_URL` for S3; for Azure see [`azure_endpoint`]), without user
/// information.
fn shown_endpoint(url: &str, endpoint: Option<&str>) -> Option<String> {
    let from_env = || {
        if is_azure(url) {
            azure_endpoint(url)
        } else if is_gcs(url) {
            std::env::var("GOOGLE_BASE_URL").ok().or_else(gcs_emulator)
        } else if url.to_ascii_lowercase().starts_with("s3") {
            std::env::var("AWS_ENDPOINT_URL").or_else(|_| std::env::var("AWS_ENDPOINT")).ok()
        } else {
            None
        }
    };
    endpoint.map(str::to_owned).or_else(from_env).filter(|e| !e.is_empty()).map(|e| redact_userinfo(&e))
}

/// The object_store key of `key`, the key part of a location as written: raw UTF-8, sent as is
/// (object_store encodes it once for the request). A location is not URL-encoded: `%20` in it
/// is the three characters of a key, `ü` is `ü` (as `aws s3` and polars read `s3://` URLs).
/// `Key::from` would percent-encode `%`, non-ASCII and other characters a second time.
fn object_key(url: &str, key: &str) -> Result<Key, String> {
    Key::parse(key).map_err(|e| {
        let why = match e {
            object_store::path::Error::EmptySegment { .. } => "an empty segment (`//`)".to_owned(),
            _ => "a control character or a `.`/`..` segment".to_owned(),
        };
        format!("`{url}`: object storage keys lakegate reads have no {why}")
    })
}

/// The bucket (or container) and key of an object URL.
fn split(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    Some((scheme, bucket, key))
}

/// A store for the bucket of `url` (polars' builder, so that polars' own reads of the same
/// objects use the same settings and credentials).
async fn store(url: &str, endpoint: Option<&str>) -> Result<Arc<dyn ObjectStore>, String> {
    let opts = options_for(url, endpoint, STREAM_TIMEOUT)?;
    let (_, store) = polars::io::cloud::build_object_store(PlRefPath::new(url), Some(&opts), false)
        .await
        .map_err(|e| reason(url, endpoint, &e.to_string()))?;
    Ok(store.to_dyn_object_store().await.into_owned())
}

/// Where the credentials for `url` come from, in the words of its cloud.
fn hint(url: &str) -> &'static str {
    match split(url).map(|(scheme, _, _)| scheme.to_ascii_lowercase()).as_deref() {
        Some("gs" | "gcs") => "GOOGLE_SERVICE_ACCOUNT, GOOGLE_APPLICATION_CREDENTIALS",
        Some("az" | "azure" | "abfs" | "abfss" | "adl") => {
            "AZURE_STORAGE_ACCOUNT_KEY, AZURE_STORAGE_SAS_TOKEN, AZURE_STORAGE_CONNECTION_STRING, AZURE_CLIENT_ID \
             with AZURE_CLIENT_SECRET"
        }
        _ => "AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity",
    }
}

/// AWS's own endpoint for an `s3://` URL when no other is set (for messages): the region's.
fn aws_default_endpoint(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("s3://") || lower.starts_with("s3a://")) {
        return None;
    }
    let region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .ok()
        .or_else(|| profile_value("region"))
        .unwrap_or_else(|| "us-east-1".to_owned());
    Some(format!("https://s3.{region}.amazonaws.com"))
}

/// `request`'s outcome, or an error when the store gave no answer in [`FIRST_BYTE_TIMEOUT`].
async fn answered<T>(url: &str, endpoint: Option<&str>, request: impl Future<Output = T>) -> Result<T, String> {
    tokio::time::timeout(FIRST_BYTE_TIMEOUT, request)
        .await
        .map_err(|_| no_answer(url, endpoint, FIRST_BYTE_TIMEOUT, "to a request"))
}

/// The store at `endpoint` did not answer in `limit` (`what`: to a request, in a body).
fn no_answer(url: &str, endpoint: Option<&str>, limit: Duration, what: &str) -> String {
    let from = shown_endpoint(url, endpoint)
        .or_else(|| aws_default_endpoint(url))
        .map_or_else(|| "the object store".to_owned(), |e| format!("`{e}`"));
    format!("no answer from {from} in {} s {what} (reading `{url}`)", limit.as_secs())
}

/// Why reaching `url` failed, in words naming the location and never a credential.
fn reason(url: &str, endpoint: Option<&str>, err: &str) -> String {
    tracing::debug!(location = %url, "object storage error: {}", scrub(err));
    let lower = err.to_ascii_lowercase();
    let bucket = split(url).map(|(_, b, _)| b).unwrap_or(url);
    // `abfss://CONTAINER@ACCOUNT.dfs.core.windows.net`: the container.
    let bucket = if is_azure(url) { bucket.split('@').next().unwrap_or(bucket) } else { bucket };
    let at = shown_endpoint(url, endpoint)
        .or_else(|| aws_default_endpoint(url))
        .map(|e| format!(" at `{e}`"))
        .unwrap_or_default();
    // fake-gcs-server (GCS's emulator) says `no bucket named x`, with a status 500.
    let why = if lower.contains("nosuchbucket")
        || lower.contains("bucket does not exist")
        || lower.contains("no bucket named")
    {
        format!("bucket `{bucket}` does not exist{at}")
    } else if lower.contains("account must be specified") {
        format!(
            "no Azure storage account for `{url}`: set AZURE_STORAGE_ACCOUNT_NAME (or AZURE_STORAGE_CONNECTION_STRING), \
             or name it in the location (abfss://CONTAINER@ACCOUNT.dfs.core.windows.net/KEY)"
        )
    } else if lower.contains("containernotfound") || lower.contains("container does not exist") {
        format!("container `{bucket}` does not exist{at}")
    } else if lower.contains("169.254.169.254") || lower.contains("metadata") || lower.contains("credential") {
        format!(
            "no credentials for `{url}`{at}: none in the environment ({}) and no metadata service gave any",
            hint(url)
        )
    } else if lower.contains("invalidaccesskeyid")
        || lower.contains("signaturedoesnotmatch")
        || lower.contains("unauthenticated")
        || lower.contains("401")
        || lower.contains("expiredtoken")
        // Azure: a key or SAS that does not sign the request.
        || lower.contains("authenticationfailed")
        || lower.contains("server failed to authenticate")
    {
        format!("the credentials were refused for `{url}`{at} (they come from the environment: {})", hint(url))
    } else if lower.contains("accessdenied") || lower.contains("access denied") || lower.contains("403") {
        format!("access denied to `{url}`{at} (the credentials in use may not read it)")
    } else if lower.contains("timed out") || lower.contains("deadline has elapsed") {
        format!("timed out reaching `{url}`{at}")
    } else if lower.contains("connect")
        || lower.contains("dns")
        || lower.contains("error sending request")
        || lower.contains("connection refused")
    {
        format!("cannot connect to the object store for `{url}`{at}")
    } else if lower.contains("nosuchkey") || lower.contains("not found") || lower.contains("404") {
        format!("`{url}` does not exist{at}")
    } else {
        let first = err.lines().next().unwrap_or(err).trim();
        format!("cannot read `{url}`{at}: {first}")
    };
    scrub(&why)
}

/// The objects a location designates, sorted, and the prefix hive partitions are read below.
/// A URL with `*`, `?` or `[` is a glob over keys (`*` stays within one `/` level, `**` crosses
/// them); a URL naming one object is that object; otherwise it is a folder: every object below
/// it with the format's extension. Hidden and marker objects (`.x`, `_SUCCESS`) are left out as
/// in local folders.
pub fn list(src: &Source, extensions: &[&str]) -> Result<(Vec<PathBuf>, PathBuf), String> {
    let Some(o) = src.object.as_ref() else { return Err(format!("`{}` is not on object storage", src.display)) };
    let (files, base) = block_on(list_async(o, extensions))?;
    prefetch(&files)?;
    tracing::debug!(location = %o.url, objects = files.len(), "listed");
    Ok((files, base))
}

async fn list_async(o: &ObjectLocation, extensions: &[&str]) -> Result<(Vec<PathBuf>, PathBuf), String> {
    // ODCS's form of Azure locations (the account's host, then the container) as object_store
    // reads them (the container in the authority).
    let container_first = azure_container_first(&o.url);
    let url = container_first.as_deref().unwrap_or(&o.url);
    let endpoint = o.endpoint.as_deref();
    let Some((scheme, bucket, key)) = split(url) else { return Err(format!("`{url}` is not an object URL")) };
    if bucket.is_empty() || bucket.contains(['*', '?', '[']) {
        return Err(format!("`{url}` names no bucket (a location is `{scheme}://BUCKET/KEY`)"));
    }
    if key.split('/').any(|s| s == ".." || s == ".") {
        return Err(format!("`{url}`: `.` and `..` are not key segments of object storage"));
    }
    let store = store(url, endpoint).await?;
    let at = shown_endpoint(url, endpoint).map(|e| format!(" at `{e}`")).unwrap_or_default();
    let root = format!("{scheme}://{bucket}");
    let glob_at = key.find(['*', '?', '[']);
    // The fixed part of the key to list below.
    let prefix = match glob_at {
        Some(i) => key[..i].rsplit_once('/').map(|(p, _)| p).unwrap_or(""),
        None => key.trim_end_matches('/'),
    };
    // One object named exactly (a HEAD request), else a folder below which to list.
    let exact = if glob_at.is_none() && !key.is_empty() && !key.ends_with('/') {
        REQUESTS.fetch_add(1, Ordering::Relaxed);
        match answered(url, endpoint, store.head(&object_key(url, key)?)).await? {
            Ok(m) => Some((m.location.to_string(), m.size)),
            Err(object_store::Error::NotFound { .. }) => None,
            Err(e) => return Err(reason(url, endpoint, &e.to_string())),
        }
    } else {
        None
    };
    let listed = match &exact {
        Some(one) => vec![one.clone()],
        None => list_prefix(&store, prefix, url, endpoint).await?,
    };
    let hidden = |k: &str| k.rsplit('/').next().is_some_and(|n| n.starts_with(['.', '_']));
    let below = |k: &str| k.strip_prefix(prefix).unwrap_or(k).split('/').any(|s| s.starts_with(['.', '_']));
    let mut files: Vec<(String, u64)> = Vec::new();
    let base;
    if let Some(_i) = glob_at {
        let pattern = glob::Pattern::new(key).map_err(|e| format!("invalid glob `{}`: {e}", src_display(o)))?;
        let opts = glob::MatchOptions { case_sensitive: true, require_literal_separator: true, ..Default::default() };
        let marker_pattern = key.rsplit('/').next().is_some_and(|n| n.starts_with(['.', '_']));
        files.extend(
            listed.into_iter().filter(|(k, _)| pattern.matches_with(k, opts) && (marker_pattern || !hidden(k))),
        );
        base = format!("{root}/{prefix}");
        if files.is_empty() {
            return Err(format!("no object matches `{url}`{at}"));
        }
    } else if let Some((k, n)) = listed.iter().find(|(k, _)| k == key) {
        files.push((k.clone(), *n));
        base = format!("{root}/{}", k.rsplit_once('/').map(|(p, _)| p).unwrap_or(""));
    } else {
        let folder = format!("{prefix}/");
        files.extend(listed.into_iter().filter(|(k, _)| {
            (prefix.is_empty() || k.starts_with(&folder)) && !below(k) && super::has_extension(k, extensions)
        }));
        base = format!("{root}/{prefix}");
        if files.is_empty() {
            return Err(format!("no object matches `{url}`{at} (no {} object below it)", extensions[0]));
        }
    }
    files.sort();
    let urls: Vec<(String, u64)> = files.into_iter().map(|(k, size)| (format!("{root}/{k}"), size)).collect();
    {
        let mut seen = crate::lock(&LISTED);
        for (u, size) in &urls {
            seen.insert(u.clone(), Listed { size: *size, endpoint: o.endpoint.clone() });
        }
    }
    Ok((urls.into_iter().map(|(u, _)| PathBuf::from(u)).collect(), PathBuf::from(base.trim_end_matches('/'))))
}

/// Objects up to this size are fetched whole, in one request, and read from their local copy: a
/// small object read by range requests costs a HEAD and several GETs, each a round trip, and its
/// footer alone (the last 64 KiB read) is already a good share of it. Larger objects are read by
/// range requests: only their footers when the footers answer.
const SMALL_OBJECT: u64 = 1 << 20;

/// The most bytes of small objects a dataset fetches ahead (beyond: read object by object).
const PREFETCH_BUDGET: u64 = 1 << 30;

/// Fetches the small objects of a dataset (listed before), [`CONCURRENCY`] at a time, into local
/// copies.
fn prefetch(files: &[PathBuf]) -> Result<(), String> {
    let small: Vec<(String, Option<String>)> = {
        let (seen, copies) = (crate::lock(&LISTED), crate::lock(&COPIES));
        files
            .iter()
            .map(|f| f.to_string_lossy().into_owned())
            .filter_map(|u| seen.get(&u).filter(|l| l.size <= SMALL_OBJECT).map(|l| (u, l.size, l.endpoint.clone())))
            .filter(|(u, _, _)| !copies.contains_key(u))
            .scan(0u64, |total, (u, n, ep)| {
                *total += n;
                Some((*total <= PREFETCH_BUDGET).then_some((u, ep)))
            })
            .map_while(|x| x)
            .collect()
    };
    if small.is_empty() {
        return Ok(());
    }
    let n = small.len();
    let copies: Vec<(String, PathBuf)> = block_on(async move {
        let stores = StoreCache::default();
        let stores = &stores;
        futures::stream::iter(small)
            .map(|(u, ep)| async move {
                let store = stores.get(&u, ep.as_deref()).await?;
                let path = download(&store, &u, ep.as_deref()).await?;
                Ok::<_, String>((u, path))
            })
            .buffer_unordered(CONCURRENCY)
            .try_collect()
            .await
    })?;
    tracing::debug!(objects = n, "small objects fetched whole");
    crate::lock(&COPIES).extend(copies);
    Ok(())
}

/// The object `url` streamed into an unnamed local file (kept as long as the process).
async fn download(store: &Arc<dyn ObjectStore>, url: &str, endpoint: Option<&str>) -> Result<PathBuf, String> {
    let (file, path) = super::json::spill().map_err(|e| format!("cannot copy `{url}`: {e}"))?;
    let key = object_key(url, split(url).map(|(_, _, k)| k).unwrap_or(""))?;
    REQUESTS.fetch_add(1, Ordering::Relaxed);
    let got = answered(url, endpoint, store.get(&key)).await?.map_err(|e| reason(url, endpoint, &e.to_string()))?;
    let mut stream = got.into_stream();
    let mut out = io::BufWriter::with_capacity(1 << 20, &file);
    while let Some(chunk) = tokio::time::timeout(READ_TIMEOUT, stream.next())
        .await
        .map_err(|_| no_answer(url, endpoint, READ_TIMEOUT, "in the middle of the object"))?
    {
        let chunk = chunk.map_err(|e| reason(url, endpoint, &e.to_string()))?;
        RECEIVED.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        out.write_all(&chunk).map_err(|e| format!("cannot copy `{url}` to a temporary file: {e}"))?;
    }
    out.flush().map_err(|e| format!("cannot copy `{url}` to a temporary file: {e}"))?;
    drop(out);
    super::json::keep(file);
    Ok(path)
}

/// The local copy of the object `f`, when it was fetched whole.
pub fn copied(f: &Path) -> Option<PathBuf> {
    crate::lock(&COPIES).get(f.to_string_lossy().as_ref()).cloned()
}

/// Where polars reads `f` from: its local copy when it has one, else `f` itself.
pub fn readable(f: &Path) -> PathBuf {
    copied(f).unwrap_or_else(|| f.to_path_buf())
}

fn src_display(o: &ObjectLocation) -> &str {
    &o.url
}

/// Every object below `prefix` (keys and sizes); a missing bucket, refused credentials or an
/// unreachable endpoint is an error.
async fn list_prefix(
    store: &Arc<dyn ObjectStore>,
    prefix: &str,
    url: &str,
    endpoint: Option<&str>,
) -> Result<Vec<(String, u64)>, String> {
    let key = if prefix.is_empty() { None } else { Some(object_key(url, prefix)?) };
    REQUESTS.fetch_add(1, Ordering::Relaxed);
    let mut pages = store.list(key.as_ref());
    let mut objects: Vec<object_store::ObjectMeta> = Vec::new();
    while let Some(m) = answered(url, endpoint, pages.next()).await? {
        objects.push(m.map_err(|e| reason(url, endpoint, &e.to_string()))?);
    }
    Ok(objects.into_iter().map(|m| (m.location.to_string(), m.size)).filter(|(k, _)| !k.ends_with('/')).collect())
}

/// The Parquet footers of `files` (object URLs listed before), read concurrently: the last
/// bytes of each object in one range request ([`footer_prefetch`]), a second one when the footer
/// is larger.
pub fn footers(files: &[PathBuf]) -> Result<Vec<FileMetadata>, String> {
    let jobs: Vec<(String, Listed)> = {
        let seen = crate::lock(&LISTED);
        files
            .iter()
            .map(|f| {
                let u = f.to_string_lossy().into_owned();
                let l = seen.get(&u).cloned().ok_or_else(|| format!("`{u}` was not listed"))?;
                Ok((u, l))
            })
            .collect::<Result<_, String>>()?
    };
    block_on(async move {
        let stores = StoreCache::default();
        futures::stream::iter(jobs.into_iter().map(|(u, l)| {
            let stores = &stores;
            async move {
                let store = stores.get(&u, l.endpoint.as_deref()).await?;
                footer_of(&store, &u, &l).await
            }
        }))
        .buffered(CONCURRENCY)
        .try_collect()
        .await
    })
}

/// A bucket (`s3://bucket`) and the endpoint it is reached at.
type StoreKey = (String, Option<String>);

/// One store per bucket and endpoint.
#[derive(Default)]
struct StoreCache(Mutex<HashMap<StoreKey, Arc<dyn ObjectStore>>>);

impl StoreCache {
    async fn get(&self, url: &str, endpoint: Option<&str>) -> Result<Arc<dyn ObjectStore>, String> {
        let (scheme, bucket, _) = split(url).ok_or_else(|| format!("`{url}` is not an object URL"))?;
        let k = (format!("{scheme}://{bucket}"), endpoint.map(str::to_owned));
        if let Some(s) = crate::lock(&self.0).get(&k) {
            return Ok(s.clone());
        }
        let s = store(url, endpoint).await?;
        crate::lock(&self.0).insert(k, s.clone());
        Ok(s)
    }
}

async fn footer_of(store: &Arc<dyn ObjectStore>, url: &str, l: &Listed) -> Result<FileMetadata, String> {
    if let Some(local) = copied(Path::new(url)) {
        let mut file = std::fs::File::open(&local).map_err(|e| format!("cannot read the copy of `{url}`: {e}"))?;
        return polars_parquet::parquet::read::read_metadata(&mut file)
            .map_err(|e| format!("`{url}` is not a Parquet object ({})", e.to_string().lines().next().unwrap_or("")));
    }
    let endpoint = l.endpoint.as_deref();
    let key = object_key(url, split(url).map(|(_, _, k)| k).unwrap_or(""))?;
    let corrupt = |why: &str| format!("`{url}` is not a Parquet object ({why})");
    if l.size < 12 {
        return Err(corrupt("too small to hold a footer"));
    }
    let fetch = |range: std::ops::Range<u64>| {
        let key = key.clone();
        async move {
            REQUESTS.fetch_add(1, Ordering::Relaxed);
            let b = answered(url, endpoint, store.get_range(&key, range))
                .await?
                .map_err(|e| reason(url, endpoint, &e.to_string()))?;
            RECEIVED.fetch_add(b.len() as u64, Ordering::Relaxed);
            Ok::<_, String>(b)
        }
    };
    let first = l.size.saturating_sub(footer_prefetch(l.size));
    let mut tail = fetch(first..l.size).await?.to_vec();
    let n = tail.len();
    if n < 8 || &tail[n - 4..] != b"PAR1" {
        return Err(corrupt("it does not end with PAR1"));
    }
    let meta_len = u32::from_le_bytes([tail[n - 8], tail[n - 7], tail[n - 6], tail[n - 5]]) as u64;
    let need = meta_len + 8;
    if need > l.size {
        return Err(corrupt("its footer is larger than the object"));
    }
    let mut start = first;
    if need > n as u64 {
        start = l.size - need;
        let mut head = fetch(start..first).await?.to_vec();
        head.extend_from_slice(&tail);
        tail = head;
    }
    let mut reader = Tail { bytes: tail, start, size: l.size, pos: 0 };
    polars_parquet::parquet::read::read_metadata_with_size(&mut reader, l.size)
        .map_err(|e| corrupt(&scrub(e.to_string().lines().next().unwrap_or(""))))
}

/// The last bytes of an object (at least its whole footer), readable as the object itself. The
/// footer reader reads a fixed window from the end (64 KiB) and then uses only the footer's bytes:
/// bytes before the fetched ones read as zeros.
struct Tail {
    bytes: Vec<u8>,
    start: u64,
    size: u64,
    pos: u64,
}

impl Read for Tail {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos < self.start {
            let n = buf.len().min((self.start - self.pos) as usize);
            buf[..n].fill(0);
            self.pos += n as u64;
            return Ok(n);
        }
        let at = (self.pos - self.start) as usize;
        let n = buf.len().min(self.bytes.len().saturating_sub(at));
        buf[..n].copy_from_slice(&self.bytes[at..at + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Tail {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let p = match to {
            SeekFrom::Start(p) => p as i128,
            SeekFrom::End(d) => self.size as i128 + d as i128,
            SeekFrom::Current(d) => self.pos as i128 + d as i128,
        };
        self.pos = u64::try_from(p).map_err(|_| io::Error::other("seek before the start"))?;
        Ok(self.pos)
    }
}

/// Unnamed local copies of text objects, by URL: polars reads them as local files.
static COPIES: LazyLock<Mutex<HashMap<String, PathBuf>>> = LazyLock::new(Default::default);

/// A local copy of the object `f` (streamed to an unnamed temporary file that lives as long as
/// the process); `None` when `f` is not on object storage.
pub fn local_copy(f: &Path) -> PolarsResult<Option<PathBuf>> {
    if !is_url(f) {
        return Ok(None);
    }
    if let Some(p) = copied(f) {
        return Ok(Some(p));
    }
    let url = f.to_string_lossy().into_owned();
    let endpoint = crate::lock(&LISTED).get(&url).and_then(|l| l.endpoint.clone());
    let path = block_on(async {
        let store = store(&url, endpoint.as_deref()).await?;
        download(&store, &url, endpoint.as_deref()).await
    })
    .map_err(|e| PolarsError::ComputeError(e.into()))?;
    crate::lock(&COPIES).insert(url, path.clone());
    Ok(Some(path))
}

/// Whether `url` is on Azure Blob Storage (`az://`, `azure://`, `abfs[s]://`, `adl://`).
fn is_azure(url: &str) -> bool {
    matches!(
        split(url).map(|(scheme, _, _)| scheme.to_ascii_lowercase()).as_deref(),
        Some("az" | "azure" | "abfs" | "abfss" | "adl")
    )
}

/// Whether `url` is on Google Cloud Storage (`gs://`, `gcs://`).
fn is_gcs(url: &str) -> bool {
    matches!(split(url).map(|(scheme, _, _)| scheme.to_ascii_lowercase()).as_deref(), Some("gs" | "gcs"))
}

/// The GCS emulator Google's client libraries are pointed at (`STORAGE_EMULATOR_HOST`:
/// `http://127.0.0.1:4443`, or `host:port` for http), unless `GOOGLE_BASE_URL` (object_store's)
/// says where GCS is.
fn gcs_emulator() -> Option<String> {
    let host = std::env::var("STORAGE_EMULATOR_HOST").ok().filter(|h| !h.trim().is_empty())?;
    let host = host.trim().trim_end_matches('/');
    Some(if host.contains("://") { host.to_owned() } else { format!("http://{host}") })
}

/// An Azure location written with the account's host first, as the ODCS schema's examples and
/// DuckDB write them (`az://ACCOUNT.blob.core.windows.net/CONTAINER/KEY`,
/// `abfss://ACCOUNT.dfs.core.windows.net/CONTAINER/KEY`), with the container in the authority
/// instead (`az://CONTAINER@ACCOUNT.blob.core.windows.net/KEY`), the form object_store reads;
/// `None` for any other URL.
fn azure_container_first(url: &str) -> Option<String> {
    if !is_azure(url) {
        return None;
    }
    let (scheme, host, rest) = split(url)?;
    let (account, domain) = host.split_once('.')?;
    let known =
        ["blob.core.windows.net", "dfs.core.windows.net", "blob.fabric.microsoft.com", "dfs.fabric.microsoft.com"];
    if host.contains('@') || account.is_empty() || !known.iter().any(|d| domain.eq_ignore_ascii_case(d)) {
        return None;
    }
    let (container, key) = rest.split_once('/').unwrap_or((rest, ""));
    Some(format!("{scheme}://{container}@{host}/{key}"))
}

/// The settings of `AZURE_STORAGE_CONNECTION_STRING` (what Azure's SDKs, its CLI and Azurite's
/// documentation use: `AccountName=...;AccountKey=...;BlobEndpoint=...`, or
/// `UseDevelopmentStorage=true` for the emulator) as object_store settings; object_store reads
/// the variables `AZURE_STORAGE_ACCOUNT_NAME`, `AZURE_STORAGE_ACCOUNT_KEY`,
/// `AZURE_STORAGE_SAS_TOKEN`, `AZURE_STORAGE_ENDPOINT` and `AZURE_STORAGE_USE_EMULATOR` itself,
/// and a part of the string is used only when its variable is not set. Its key and SAS are
/// scrubbed from messages.
fn azure_connection_string() -> Vec<(String, String)> {
    let Ok(text) = std::env::var("AZURE_STORAGE_CONNECTION_STRING") else { return Vec::new() };
    let parts: HashMap<String, String> = text
        .split(';')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let set = |vars: &[&str]| vars.iter().any(|v| std::env::var_os(v).is_some_and(|x| !x.is_empty()));
    let mut config = Vec::new();
    {
        let mut secrets = crate::lock(&SECRETS);
        for secret in ["accountkey", "sharedaccesssignature"].iter().filter_map(|k| parts.get(*k)) {
            if !secrets.contains(secret) {
                secrets.push(secret.clone());
            }
        }
    }
    if parts.get("usedevelopmentstorage").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        if !set(&["AZURE_STORAGE_USE_EMULATOR"]) {
            config.push(("azure_storage_use_emulator".to_owned(), "true".to_owned()));
        }
        return config;
    }
    let account = parts.get("accountname");
    let endpoint = parts.get("blobendpoint").cloned().or_else(|| {
        let suffix = parts.get("endpointsuffix")?;
        let protocol = parts.get("defaultendpointsprotocol").map_or("https", String::as_str);
        Some(format!("{protocol}://{}.blob.{suffix}", account?))
    });
    for (key, value, vars) in [
        ("azure_storage_account_name", account.cloned(), &["AZURE_STORAGE_ACCOUNT_NAME"][..]),
        (
            "azure_storage_account_key",
            parts.get("accountkey").cloned(),
            &["AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_ACCESS_KEY", "AZURE_STORAGE_MASTER_KEY"][..],
        ),
        (
            "azure_storage_sas_key",
            parts.get("sharedaccesssignature").cloned(),
            &["AZURE_STORAGE_SAS_TOKEN", "AZURE_STORAGE_SAS_KEY"][..],
        ),
        (
            "azure_storage_endpoint",
            endpoint,
            &["AZURE_STORAGE_ENDPOINT", "AZURE_ENDPOINT", "AZURE_STORAGE_USE_EMULATOR"][..],
        ),
    ] {
        if let Some(v) = value.filter(|_| !set(vars)) {
            config.push((key.to_owned(), v));
        }
    }
    config
}

/// The blob endpoint an Azure location is reached at (for messages), as object_store chooses it:
/// `AZURE_STORAGE_ENDPOINT`; with `AZURE_STORAGE_USE_EMULATOR=true` the emulator's
/// (`AZURITE_BLOB_STORAGE_URL`, else `http://127.0.0.1:10000`, and the account); the connection
/// string's; else the account's own (`https://ACCOUNT.blob.core.windows.net`).
fn azure_endpoint(url: &str) -> Option<String> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let config: HashMap<String, String> = azure_connection_string().into_iter().collect();
    let account = || {
        var("AZURE_STORAGE_ACCOUNT_NAME").or_else(|| config.get("azure_storage_account_name").cloned()).or_else(|| {
            // abfss://CONTAINER@ACCOUNT.dfs.core.windows.net/...
            let (_, authority, _) = split(url)?;
            let host = authority.split_once('@')?.1;
            host.split_once('.').map(|(a, _)| a.to_owned())
        })
    };
    let emulator = var("AZURE_STORAGE_USE_EMULATOR")
        .or_else(|| config.get("azure_storage_use_emulator").cloned())
        .is_some_and(|v| v.eq_ignore_ascii_case("true") || v == "1");
    if emulator {
        let base = var("AZURITE_BLOB_STORAGE_URL").unwrap_or_else(|| "http://127.0.0.1:10000".to_owned());
        let account = account().unwrap_or_else(|| "devstoreaccount1".to_owned());
        return Some(format!("{}/{account}", base.trim_end_matches('/')));
    }
    var("AZURE_STORAGE_ENDPOINT")
        .or_else(|| var("AZURE_ENDPOINT"))
        .or_else(|| config.get("azure_storage_endpoint").cloned())
        .or_else(|| account().map(|a| format!("https://{a}.blob.core.windows.net")))
        .map(|e| e.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_recognised() {
        assert!(is_url(Path::new("s3://lake/orders/*.parquet")));
        assert!(is_url(Path::new("ABFSS://c@a.dfs.core.windows.net/x")));
        assert!(is_url(Path::new("gs://b/k")));
        assert!(!is_url(Path::new("/lake/s3://x")));
        assert!(!is_url(Path::new("s3://")));
        assert_eq!(split("s3://b/k/x.parquet"), Some(("s3", "b", "k/x.parquet")));
        assert_eq!(split("s3://b"), Some(("s3", "b", "")));
        assert_eq!(
            azure_container_first("az://acct.blob.core.windows.net/c/k/*.parquet").as_deref(),
            Some("az://c@acct.blob.core.windows.net/k/*.parquet")
        );
        assert_eq!(
            azure_container_first("abfss://acct.dfs.core.windows.net/c").as_deref(),
            Some("abfss://c@acct.dfs.core.windows.net/")
        );
        assert_eq!(azure_container_first("abfss://c@acct.dfs.core.windows.net/k"), None);
        assert_eq!(azure_container_first("az://c/k"), None);
        assert_eq!(azure_container_first("s3://a.blob.core.windows.net/c/k"), None);
    }

    #[test]
    fn profiles_are_read_by_name() {
        let text = "[default]\naws_access_key_id = A\n[profile other]\nregion = eu-west-1\naws_access_key_id=B\n";
        assert_eq!(ini_value(text, "default", "aws_access_key_id").as_deref(), Some("A"));
        assert_eq!(ini_value(text, "other", "aws_access_key_id").as_deref(), Some("B"));
        assert_eq!(ini_value(text, "other", "region").as_deref(), Some("eu-west-1"));
        assert_eq!(ini_value(text, "missing", "region"), None);
    }

    #[test]
    fn user_information_is_never_shown() {
        assert_eq!(redact_userinfo("http://u:p@h:9/x"), "http://***@h:9/x");
        assert_eq!(redact_userinfo("at `https://a:b@c` and `s3://b/k@x`"), "at `https://***@c` and `s3://b/k@x`");
        assert_eq!(redact_userinfo("no url"), "no url");
        assert_eq!(redact_userinfo("abfss://c@a.dfs.core.windows.net/k"), "abfss://c@a.dfs.core.windows.net/k");
        assert_eq!(redact_userinfo("HTTPS://token@h/x"), "HTTPS://***@h/x");
        assert_eq!(bare_endpoint("http://u:p@h:9/"), "http://h:9");
        assert_eq!(bare_endpoint("http://h:9"), "http://h:9");
    }

    #[test]
    fn keys_are_raw() {
        assert_eq!(object_key("u", "a/ü %41/x").map(|k| k.to_string()), Ok("a/ü %41/x".to_owned()));
        assert!(object_key("u", "a//b").is_err());
    }

    #[test]
    fn reasons_name_the_location() {
        let r = reason("s3://nope/x", Some("http://127.0.0.1:9"), "Error performing list request: NoSuchBucket");
        assert_eq!(r, "bucket `nope` does not exist at `http://127.0.0.1:9`");
        let r = reason("s3://b/x", None, "Client error with status 403 Forbidden: <Code>AccessDenied</Code>");
        assert!(r.starts_with("access denied to `s3://b/x`"), "{r}");
        let r = reason("s3://b/x", None, "error sending request for url (http://127.0.0.1:9/b): Connection refused");
        assert!(r.starts_with("cannot connect to the object store for `s3://b/x`"), "{r}");
    }
}
