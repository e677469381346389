//! Which keys each ODCS server type takes (from the standard's `ServerSource` definitions).

/// Server types of the standard, with their type-specific keys and the required ones.
pub const SERVER_TYPES: &[(&str, &[&str], &[&str])] = &[
    ("api", &["location"], &["location"]),
    ("athena", &["stagingDir", "schema", "catalog", "regionName", "workgroup"], &["schema"]),
    ("azure", &["location", "format", "encoding", "delimiter"], &["location", "format"]),
    ("bigquery", &["project", "dataset"], &["project", "dataset"]),
    ("btrieve", &["host", "port", "database"], &["host", "database"]),
    ("clickhouse", &["host", "port", "database"], &["host", "port", "database"]),
    ("cloudsql", &["host", "port", "database", "schema"], &["host", "port", "database", "schema"]),
    ("custom", CUSTOM, &[]),
    ("databricks", &["host", "catalog", "schema"], &["catalog", "schema"]),
    ("db2", &["host", "port", "database", "schema"], &["host", "port", "database"]),
    ("denodo", &["host", "port", "database"], &["host", "port"]),
    ("dremio", &["host", "port", "schema"], &["host", "port"]),
    ("duckdb", &["database", "schema"], &["database"]),
    ("exasol", &["host", "port", "schema"], &["host"]),
    ("fastobjects", &["database", "host", "port"], &["database"]),
    ("glue", &["account", "database", "location", "format", "encoding"], &["account", "database"]),
    ("hana", &["host", "port", "database", "schema"], &["host"]),
    ("hive", &["host", "port", "database"], &["host", "database"]),
    ("iceberg", &["catalog", "catalogUrl", "namespace", "warehouse"], &["catalog", "catalogUrl"]),
    ("impala", &["host", "port", "database"], &["host", "database"]),
    ("informix", &["host", "port", "database"], &["host", "database"]),
    ("ingres", &["database", "host", "port"], &["database", "host"]),
    ("kafka", &["host", "format", "encoding"], &["host"]),
    ("kinesis", &["region", "format", "encoding"], &[]),
    ("local", &["path", "format", "encoding"], &["path", "format"]),
    ("mysql", &["host", "port", "database"], &["host", "port", "database"]),
    ("oracle", &["host", "port", "serviceName"], &["host", "port", "serviceName"]),
    ("poet", &["database", "host", "port"], &["database"]),
    ("postgres", &["host", "port", "database", "schema"], &["host", "port", "database", "schema"]),
    ("postgresql", &["host", "port", "database", "schema"], &["host", "port", "database", "schema"]),
    ("presto", &["host", "catalog", "schema"], &["host"]),
    ("pubsub", &["project"], &["project"]),
    ("redshift", &["host", "database", "schema", "region", "account"], &["database", "schema"]),
    ("s3", &["location", "endpointUrl", "format", "encoding", "delimiter"], &["location"]),
    ("sftp", &["location", "format", "encoding", "delimiter"], &["location"]),
    ("snowflake", &["host", "port", "account", "database", "schema", "warehouse"], &["account", "database", "schema"]),
    ("sqlserver", &["host", "port", "database", "schema"], &["host", "database", "schema"]),
    ("synapse", &["host", "port", "database"], &["host", "port", "database"]),
    ("teradata", &["host", "port", "database"], &["host"]),
    ("trino", &["host", "port", "catalog", "schema"], &["host", "port", "catalog", "schema"]),
    ("vectorwise", &["database", "host", "port"], &["database", "host"]),
    ("versant", &["database", "host", "port"], &["database"]),
    ("vertica", &["host", "port", "database", "schema"], &["host", "port", "database", "schema"]),
    ("zen", &["host", "port", "database"], &["host", "database"]),
];

const CUSTOM: &[&str] = &[
    "account",
    "catalog",
    "database",
    "dataset",
    "delimiter",
    "endpointUrl",
    "format",
    "encoding",
    "host",
    "location",
    "path",
    "port",
    "project",
    "region",
    "regionName",
    "schema",
    "serviceName",
    "stagingDir",
    "warehouse",
    "stream",
];

/// Keys every server takes, whatever its type.
pub const COMMON_KEYS: &[&str] = &["id", "server", "type", "description", "environment", "roles", "customProperties"];

/// The type-specific and required keys of a server type, when the type is known.
pub fn keys_of(server_type: &str) -> Option<(&'static [&'static str], &'static [&'static str])> {
    SERVER_TYPES.iter().find(|(t, _, _)| *t == server_type).map(|(_, k, r)| (*k, *r))
}
