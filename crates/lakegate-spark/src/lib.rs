//! The Spark backend of lakegate's SQL engine: queries run on Apache Spark through Spark
//! Connect (`sc://host:15002`), with the official Apache client's transport
//! (`apache-spark-connect-core`) and protocol (`apache-spark-connect-proto`).
//!
//! A file dataset is a temporary view of the session over the dataset's files (found by
//! lakegate with the polars engine's rules, hive folders as columns, CSV options from the
//! server, text typed as declared); a `databricks` or `hive` table is its catalog name.
//! Results arrive as Arrow batches and become [`lakegate_sql::Value`]s. The session's time zone
//! is UTC. Every error is one line naming the server (never the URL's token) and ends the
//! dataset's checks as errored, never the run.

mod convert;
mod error;
mod read;
mod types;
mod url;

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use arrow_array::RecordBatch;
use lakegate_core::DatasetPlan;
use lakegate_sql::{Backend, CatalogColumn, Dialect, Table};
use spark_connect_core::{RetryPolicy, RetryPolicyState, SparkConnectClient, SparkError, block_on};
use spark_connect_proto as proto;

/// Connects to a Spark Connect server: `sc://host[:port][/;use_ssl=true;token=...]` (the token
/// may also come from `SPARK_CONNECT_AUTHENTICATE_TOKEN`). Only the URL is checked here; the
/// server is reached at the first query, so an unreachable server errors the datasets' checks
/// (exit 3) rather than the run's configuration. Queries run without a time limit.
pub fn connect(url: &str) -> Result<Arc<dyn Backend>, String> {
    connect_with_timeout(url, None)
}

/// As [`connect`]; a query running longer than `timeout` (`--query-timeout`) is interrupted on
/// the server and errors with that reason.
pub fn connect_with_timeout(url: &str, timeout: Option<Duration>) -> Result<Arc<dyn Backend>, String> {
    Ok(Arc::new(session(url, timeout)?))
}

/// Runs one SQL statement on the server (`CREATE TABLE ... USING parquet LOCATION ...`, `DROP
/// TABLE ...`) in a session of its own. lakegate's checks never call it (they send queries
/// only); it sets up catalog tables for tests and examples. Errors are one line naming the
/// server.
pub fn run_statement(url: &str, sql: &str) -> Result<(), String> {
    let b = session(url, None)?;
    let command = proto::SqlCommand { input: Some(sql_relation(sql)), ..Default::default() };
    b.command(proto::command::CommandType::SqlCommand(command), "statement")
}

fn session(url: &str, timeout: Option<Duration>) -> Result<SparkBackend, String> {
    let u = url::parse(url)?;
    let engine = format!("spark ({})", u.shown);
    let secret = u.builder.token();
    let mut client = block_on(SparkConnectClient::connect(&u.builder))
        .map_err(|e| error::reason(&engine, "connect", &e, secret.as_deref()))?;
    client.set_retry_policy(retry_policy());
    Ok(SparkBackend {
        client,
        engine,
        secret,
        timeout,
        configured: AtomicBool::new(false),
        used: AtomicBool::new(false),
        cancelled: AtomicBool::new(false),
        views: Mutex::new(HashMap::new()),
        next_view: AtomicUsize::new(1),
        next_operation: AtomicUsize::new(1),
    })
}

/// A lost or refused connection is retried three times over ~2 s, then reported: the client's
/// default (15 retries, backoff up to 64 s) would keep a CI job waiting ten minutes for a
/// server that is gone. A stream that drops mid-query is reattached within the same budget.
fn retry_policy() -> RetryPolicy {
    RetryPolicy {
        max_retries: Some(3),
        initial_backoff_ms: 250,
        max_backoff_ms: Some(1_000),
        backoff_multiplier: 2.0,
        // Counted per failure, not from the query's start (a query may run for hours).
        max_retry_exception_elapsed_time_ms: None,
        ..RetryPolicy::default()
    }
}

/// Session settings lakegate's semantics rely on.
const SESSION_CONF: [(&str, &str); 2] = [
    // Timestamps are compared and returned in UTC; text without an offset is read as UTC.
    ("spark.sql.session.timeZone", "UTC"),
    // Hive folder values stay text until the view types them as the contract declares
    // (`hour=01` declared string stays `01`), as in the polars engine.
    ("spark.sql.sources.partitionColumnTypeInference.enabled", "false"),
];

/// One Spark Connect session.
struct SparkBackend {
    client: SparkConnectClient,
    /// `spark (sc://host:port)`.
    engine: String,
    /// The URL's token, masked should a server message quote it.
    secret: Option<String>,
    /// `--query-timeout`.
    timeout: Option<Duration>,
    /// The session's settings were sent.
    configured: AtomicBool,
    /// A request reached the server (the session is released on drop).
    used: AtomicBool,
    /// `cancel()` was called: every later request fails.
    cancelled: AtomicBool,
    /// Dataset key -> its view (quoted), created once per session.
    views: Mutex<HashMap<String, String>>,
    next_view: AtomicUsize,
    /// Numbers the operations' tags (`lakegate-<n>`): a timeout interrupts its own query only.
    next_operation: AtomicUsize,
}

impl SparkBackend {
    fn reason(&self, what: &str, e: &SparkError) -> String {
        if self.cancelled.load(Ordering::SeqCst) {
            return format!("{}: {what}: cancelled", self.engine);
        }
        error::reason(&self.engine, what, e, self.secret.as_deref())
    }

    fn check_cancelled(&self) -> Result<(), String> {
        if self.cancelled.load(Ordering::SeqCst) {
            return Err(format!("{}: cancelled", self.engine));
        }
        Ok(())
    }

    /// Sends the session settings once (the first request that reaches the server).
    fn configure(&self) -> Result<(), String> {
        self.check_cancelled()?;
        if self.configured.load(Ordering::SeqCst) {
            return Ok(());
        }
        for (k, v) in SESSION_CONF {
            block_on(self.client.set_config(k, v)).map_err(|e| self.reason("session", &e))?;
        }
        self.used.store(true, Ordering::SeqCst);
        self.configured.store(true, Ordering::SeqCst);
        Ok(())
    }

    fn user_context(&self) -> Option<proto::UserContext> {
        Some(proto::UserContext { user_id: self.client.user_id().unwrap_or_default().to_owned(), ..Default::default() })
    }

    /// Runs `plan` and returns its Arrow batches and the result's column names.
    fn execute(&self, plan: proto::plan::OpType, what: &str) -> Result<(Vec<RecordBatch>, Vec<String>), String> {
        self.configure()?;
        let tag = format!("lakegate-{}", self.next_operation.fetch_add(1, Ordering::SeqCst));
        let reattachable = proto::execute_plan_request::RequestOption {
            request_option: Some(proto::execute_plan_request::request_option::RequestOption::ReattachOptions(
                proto::ReattachOptions { reattachable: true },
            )),
        };
        let request = proto::ExecutePlanRequest {
            session_id: self.client.session_id().to_owned(),
            user_context: self.user_context(),
            operation_id: Some(operation_id()),
            plan: Some(proto::Plan { op_type: Some(plan) }),
            client_type: Some(client_type()),
            request_options: vec![reattachable],
            tags: vec!["lakegate".into(), tag.clone()],
            ..Default::default()
        };
        let run = self.responses(request);
        let responses = match self.timeout {
            None => block_on(run),
            Some(limit) => match block_on(async { tokio::time::timeout(limit, run).await }) {
                Ok(r) => r,
                Err(_) => {
                    // Stop the server's work too, not only the wait.
                    let _ = block_on(self.client.interrupt_tag(&tag));
                    return Err(format!(
                        "{}: {what}: interrupted after the query timeout of {}",
                        self.engine,
                        shown_duration(limit)
                    ));
                }
            },
        }
        .map_err(|e| self.reason(what, &e))?;
        let mut batches = Vec::new();
        let mut columns = Vec::new();
        for resp in responses {
            if let Some(schema) = &resp.schema {
                columns = struct_fields(schema).into_iter().map(|f| f.name).collect();
            }
            if let Some(proto::execute_plan_response::ResponseType::ArrowBatch(b)) = resp.response_type {
                if b.data.is_empty() {
                    continue;
                }
                let unreadable = |e| format!("{}: {what}: unreadable Arrow result ({e})", self.engine);
                let reader = arrow_ipc::reader::StreamReader::try_new(Cursor::new(b.data), None).map_err(unreadable)?;
                for batch in reader {
                    batches.push(batch.map_err(unreadable)?);
                }
            }
        }
        self.check_cancelled()?;
        Ok((batches, columns))
    }

    /// Every response of a reattachable execution, up to its `ResultComplete`. The server ends
    /// a response stream after two minutes (`spark.connect.execute.reattachable.
    /// senderMaxStreamDuration`) or when the connection drops; the execution goes on, and the
    /// stream is reattached after the last response received. (The client's own reattachable
    /// stream takes a stream the server ended for complete: a long query's result came back
    /// empty.) The execution is released on the server at the end.
    async fn responses(
        &self,
        request: proto::ExecutePlanRequest,
    ) -> Result<Vec<proto::ExecutePlanResponse>, SparkError> {
        let operation_id = request.operation_id.clone().unwrap_or_default();
        let mut retries = RetryPolicyState::new(retry_policy());
        let mut stream = loop {
            match self.client.execute_plan(request.clone()).await {
                Ok(s) => break s,
                Err(e) => backoff(&mut retries, e).await?,
            }
        };
        let mut out = Vec::new();
        let mut last: Option<String> = None;
        loop {
            let ended = match stream.message().await {
                Ok(Some(resp)) => {
                    retries = RetryPolicyState::new(retry_policy());
                    last = Some(resp.response_id.clone());
                    let complete = matches!(
                        resp.response_type,
                        Some(proto::execute_plan_response::ResponseType::ResultComplete(_))
                    );
                    out.push(resp);
                    if complete {
                        break;
                    }
                    continue;
                }
                Ok(None) => None,
                Err(status) => Some(SparkError::from_grpc_status(status)),
            };
            if let Some(e) = ended {
                if !retryable(&e) {
                    return Err(e);
                }
                backoff(&mut retries, e).await?;
            }
            let reattach = proto::ReattachExecuteRequest {
                session_id: self.client.session_id().to_owned(),
                user_context: self.user_context(),
                operation_id: operation_id.clone(),
                client_type: Some(client_type()),
                last_response_id: last.clone(),
                ..Default::default()
            };
            stream = loop {
                match self.client.reattach_execute(reattach.clone()).await {
                    Ok(s) => break s,
                    Err(e) => backoff(&mut retries, e).await?,
                }
            };
        }
        let release = proto::ReleaseExecuteRequest {
            session_id: self.client.session_id().to_owned(),
            user_context: self.user_context(),
            operation_id,
            client_type: Some(client_type()),
            release: Some(proto::release_execute_request::Release::ReleaseAll(Default::default())),
            ..Default::default()
        };
        if let Err(e) = self.client.release_execute(release).await {
            tracing::debug!(reason = %self.reason("release", &e), "release execute");
        }
        Ok(out)
    }

    fn command(&self, command: proto::command::CommandType, what: &str) -> Result<(), String> {
        self.execute(proto::plan::OpType::Command(proto::Command { command_type: Some(command) }), what).map(|_| ())
    }

    /// The columns of `relation`, from Spark's analysis (no rows read).
    fn schema(&self, relation: proto::Relation, what: &str) -> Result<Vec<proto::data_type::StructField>, String> {
        self.configure()?;
        let request = proto::AnalyzePlanRequest {
            session_id: self.client.session_id().to_owned(),
            user_context: self.user_context(),
            client_type: Some(client_type()),
            analyze: Some(proto::analyze_plan_request::Analyze::Schema(proto::analyze_plan_request::Schema {
                plan: Some(proto::Plan { op_type: Some(proto::plan::OpType::Root(relation)) }),
            })),
            ..Default::default()
        };
        let resp = block_on(self.client.analyze_plan(request)).map_err(|e| self.reason(what, &e))?;
        match resp.result {
            Some(proto::analyze_plan_response::Result::Schema(s)) => {
                Ok(s.schema.map(|t| struct_fields(&t)).unwrap_or_default())
            }
            _ => Err(format!("{}: {what}: the server answered without a schema", self.engine)),
        }
    }

    fn views(&self) -> MutexGuard<'_, HashMap<String, String>> {
        self.views.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Creates the session's views over a file dataset; returns the quoted view name.
    fn file_view(&self, d: &DatasetPlan, src: &lakegate_core::Source) -> Result<String, String> {
        let ds = read::data_source(src)?;
        let n = self.next_view.fetch_add(1, Ordering::SeqCst);
        let raw_name = format!("{}_raw", read::view_name(&d.name, n));
        let what = format!("reading `{}`", src.display);
        let source = proto::read::DataSource {
            format: Some(ds.format.to_owned()),
            options: ds.options.clone().into_iter().collect(),
            paths: ds.paths.clone(),
            ..Default::default()
        };
        let read = proto::Relation {
            common: None,
            rel_type: Some(proto::relation::RelType::Read(proto::Read {
                is_streaming: false,
                read_type: Some(proto::read::ReadType::DataSource(source)),
            })),
        };
        self.create_view(read, &raw_name, &what)?;
        let raw: Vec<(String, bool)> = self
            .schema(sql_relation(&format!("SELECT * FROM {}", read::quote(&raw_name))), &what)?
            .into_iter()
            .map(|f| {
                let text = f.data_type.as_ref().is_some_and(types::is_text);
                (f.name, text)
            })
            .collect();
        let Some(select) = read::typed_select(&raw_name, &raw, src, &d.declared, &ds.hive_keys) else {
            return Ok(read::quote(&raw_name));
        };
        let name = read::view_name(&d.name, n);
        self.create_view(sql_relation(&select), &name, &what)?;
        Ok(read::quote(&name))
    }

    fn create_view(&self, input: proto::Relation, name: &str, what: &str) -> Result<(), String> {
        let view = proto::CreateDataFrameViewCommand {
            input: Some(input),
            name: name.to_owned(),
            is_global: false,
            replace: true,
        };
        self.command(proto::command::CommandType::CreateDataframeView(view), what)
    }
}

impl Backend for SparkBackend {
    fn engine(&self) -> String {
        self.engine.clone()
    }

    fn dialect(&self) -> Dialect {
        Dialect::Spark
    }

    fn relation(&self, d: &DatasetPlan) -> Result<String, String> {
        if let Some(t) = &d.table {
            return read::warehouse_relation(t);
        }
        let src = d.source.as_ref().map_err(Clone::clone)?;
        let key = format!("{}\u{0}{src:?}\u{0}{:?}", d.name, d.declared);
        if let Some(v) = self.views().get(&key) {
            return Ok(v.clone());
        }
        // Created without the lock (datasets are prepared in parallel, and Spark lists and
        // reads footers for each); should two threads race on one dataset, the first view kept
        // is everyone's.
        let view = self.file_view(d, src)?;
        Ok(self.views().entry(key).or_insert(view).clone())
    }

    fn columns(&self, d: &DatasetPlan) -> Result<Vec<CatalogColumn>, String> {
        let relation = self.relation(d)?;
        let what = format!("reading the columns of {relation}");
        Ok(self
            .schema(sql_relation(&format!("SELECT * FROM {relation}")), &what)?
            .into_iter()
            // The text of parsed columns is the engine's, not the data's.
            .filter(|f| !f.name.ends_with(read::RAW_SUFFIX))
            .map(|f| CatalogColumn {
                data_type: f.data_type.as_ref().map_or_else(|| "unknown".into(), types::name),
                name: f.name,
                nullable: f.nullable,
            })
            .collect())
    }

    fn parsed_columns(&self, d: &DatasetPlan) -> Result<std::collections::BTreeSet<String>, String> {
        if d.table.is_some() {
            return Ok(std::collections::BTreeSet::new());
        }
        let relation = self.relation(d)?;
        let what = format!("reading the columns of {relation}");
        Ok(self
            .schema(sql_relation(&format!("SELECT * FROM {relation}")), &what)?
            .into_iter()
            .filter_map(|f| f.name.strip_suffix(read::RAW_SUFFIX).map(str::to_owned))
            .collect())
    }

    fn query(&self, sql: &str) -> Result<Table, String> {
        if !is_query(sql) {
            return Err(format!("{}: only queries (SELECT, WITH, VALUES) are sent to Spark", self.engine));
        }
        let (batches, columns) = self.execute(proto::plan::OpType::Root(sql_relation(sql)), "query")?;
        convert::table(columns, &batches).map_err(|e| format!("{}: query: {e}", self.engine))
    }

    fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        if self.used.load(Ordering::SeqCst)
            && let Err(e) = block_on(self.client.interrupt_all())
        {
            tracing::debug!(reason = %error::reason(&self.engine, "cancel", &e, self.secret.as_deref()), "interrupt");
        }
    }
}

impl Drop for SparkBackend {
    /// Releases the session (its views and cached results) on the server.
    fn drop(&mut self) {
        if self.used.load(Ordering::SeqCst) && !self.cancelled.load(Ordering::SeqCst) {
            let _ = block_on(self.client.release_session());
        }
    }
}

/// Whether a failed call may succeed when repeated: the server was unreachable, or the
/// stream's cursor was lost (as the client's own retry policy decides).
fn retryable(e: &SparkError) -> bool {
    e.grpc_code == Some(tonic_code::UNAVAILABLE) || e.message.contains("INVALID_CURSOR.DISCONNECTED")
}

/// gRPC status codes.
mod tonic_code {
    /// The server cannot be reached.
    pub const UNAVAILABLE: i32 = 14;
}

/// Waits before the next attempt after `e`, or returns `e` when it is final or the retries
/// are spent.
async fn backoff(state: &mut RetryPolicyState, e: SparkError) -> Result<(), SparkError> {
    if !retryable(&e) {
        return Err(e);
    }
    match state.next_attempt(None) {
        Some(ms) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(())
        }
        None => Err(e),
    }
}

/// A random version-4 UUID: the operation's id, for reattaching to it.
fn operation_id() -> String {
    use std::hash::{BuildHasher, RandomState};
    let (a, b) = (RandomState::new().hash_one(1u8), RandomState::new().hash_one(2u8));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        8 + (b >> 62),
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

/// `90s`, `1.5s`.
fn shown_duration(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{s:.0}s") } else { format!("{s}s") }
}

fn client_type() -> String {
    format!("lakegate/{}", env!("CARGO_PKG_VERSION"))
}

fn sql_relation(sql: &str) -> proto::Relation {
    proto::Relation {
        common: None,
        rel_type: Some(proto::relation::RelType::Sql(proto::Sql { query: sql.to_owned(), ..Default::default() })),
    }
}

fn struct_fields(t: &proto::DataType) -> Vec<proto::data_type::StructField> {
    match &t.kind {
        Some(proto::data_type::Kind::Struct(s)) => s.fields.clone(),
        _ => Vec::new(),
    }
}

/// Whether `sql` is a query: its first word (after comments and parentheses) is SELECT, WITH,
/// VALUES, TABLE or FROM. Spark has no read-only session: anything else is never sent.
fn is_query(sql: &str) -> bool {
    let mut s = sql.trim_start();
    loop {
        if let Some(rest) = s.strip_prefix("--") {
            s = rest.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else if let Some(rest) = s.strip_prefix("/*") {
            s = rest.split_once("*/").map_or("", |(_, r)| r).trim_start();
        } else if let Some(rest) = s.strip_prefix('(') {
            s = rest.trim_start();
        } else {
            break;
        }
    }
    let word: String = s.chars().take_while(char::is_ascii_alphabetic).collect::<String>().to_ascii_uppercase();
    matches!(word.as_str(), "SELECT" | "WITH" | "VALUES" | "TABLE" | "FROM")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_queries_are_sent() {
        assert!(is_query("SELECT 1"));
        assert!(is_query("  -- a comment\n /* another */ ( with t as (select 1) select * from t)"));
        assert!(is_query("values (1)"));
        for statement in ["INSERT INTO t VALUES (1)", "DROP TABLE t", "create table x as select 1", "", "-- select"] {
            assert!(!is_query(statement), "{statement}");
        }
    }

    #[test]
    fn connect_checks_the_url_without_dialing() {
        let b = connect("sc://127.0.0.1:1/;token=SECRET").expect("valid URL, nothing dialled");
        assert_eq!(b.engine(), "spark (sc://127.0.0.1:1)");
        assert_eq!(b.dialect(), Dialect::Spark);
        let e = connect("sc://example.com:15002/;token=SECRET").err().expect("a token over plain text is refused");
        assert!(e.starts_with("spark (sc://example.com:15002): connect: ") && !e.contains("SECRET"), "{e}");
    }
}
