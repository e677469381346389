//! The Open Data Contract Standard v3 document model (v3.0.0 to v3.2.0).
//!
//! Every struct denies unknown keys, like the standard's own JSON Schema
//! (`unevaluatedProperties: false`). Keys that belong to one variant of a construct only
//! (a server type, a quality rule type, a logical type) live in one flat struct and are
//! checked against the variant by [`crate::validate`], where the message can be precise.
//! Values whose type the standard leaves open (`AnyType`) are kept as JSON values so that
//! a parse -> serialize -> parse round trip is lossless.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::either::{OneOrMany, StringOrObject, TeamField};

/// A whole data contract document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Contract {
    /// Version of the standard, `v3.0.0` to `v3.2.0`.
    pub api_version: String,
    /// Always `DataContract`.
    pub kind: String,
    /// Unique identifier of the contract.
    pub id: String,
    /// Name of the data contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Version of the contract itself.
    pub version: String,
    /// Lifecycle status (proposed, draft, active, deprecated, retired).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Tenant the data belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Free tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Where the data lives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub servers: Option<Vec<Server>>,
    /// Deprecated since v3.1.0: name of the data product.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_product: Option<String>,
    /// High level description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Description>,
    /// Logical data domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// v3.2.0: AI and semantic context (string shorthand or object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<StringOrObject<Context>>,
    /// The schema objects (tables, files, topics) of the contract.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<Vec<SchemaObject>>,
    /// Support channels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub support: Option<Vec<SupportItem>>,
    /// Pricing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
    /// The owning team (object form, or the deprecated array of members).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<TeamField>,
    /// Access roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<Role>>,
    /// Deprecated since v3.1.0: default element of SLA checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sla_default_element: Option<String>,
    /// Service level agreements.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sla_properties: Option<Vec<SlaProperty>>,
    /// Links to authoritative definitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authoritative_definitions: Option<Vec<AuthoritativeDefinition>>,
    /// Custom properties (the standard's extension point).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_properties: Option<Vec<CustomProperty>>,
    /// Timestamp of the contract's creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_created_ts: Option<String>,
}

/// The top-level `description` object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Description {
    /// Intended usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<String>,
    /// Purpose of the data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Known limitations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limitations: Option<String>,
    /// Links to authoritative definitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authoritative_definitions: Option<Vec<AuthoritativeDefinition>>,
    /// Custom properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_properties: Option<Vec<CustomProperty>>,
}

/// A server: where a contract's data physically lives.
///
/// One flat struct holds the fields of every server type of the standard; which fields a
/// given `type` allows is checked by the validator (see [`crate::servers`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Server {
    /// Stable identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name of the server (`--server NAME` selects it).
    pub server: String,
    /// Server type: local, s3, azure, duckdb, postgres, ...
    #[serde(rename = "type")]
    pub server_type: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Environment (prod, dev, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Roles with access to this server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<Role>>,
    /// Custom properties (CSV options live here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_properties: Option<Vec<CustomProperty>>,
    /// local: file path or glob; `{model}` is replaced by the schema object's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// s3, azure, sftp, glue, api: location URL (globs allowed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// File format: parquet, csv, json, delta, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Character encoding of files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<String>,
    /// JSON documents delimiter (`new_line`, `array`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// s3: endpoint URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    /// Host name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<i64>,
    /// Database (duckdb: the database file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// Schema within the database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Catalog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog: Option<String>,
    /// Iceberg catalog URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub catalog_url: Option<String>,
    /// Iceberg namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Account (snowflake, glue, redshift).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Warehouse (snowflake, iceberg).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warehouse: Option<String>,
    /// GCP project (bigquery, pubsub).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// BigQuery dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    /// Cloud region (kinesis, redshift).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// AWS region name (athena).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_name: Option<String>,
    /// Oracle service name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    /// Athena staging directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staging_dir: Option<String>,
    /// Athena workgroup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workgroup: Option<String>,
    /// Stream name (custom servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stream: Option<String>,
}

/// A schema object: a table, view, file set or topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SchemaObject {
    /// Stable identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name of the object (used by SQL rules and `{model}`).
    pub name: String,
    /// Physical name (table or folder name); defaults to `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_name: Option<String>,
    /// Physical type: table, view, topic, file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_type: Option<String>,
    /// Always `object` when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logical_type: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Business name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_name: Option<String>,
    /// Granularity of the data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_granularity_description: Option<String>,
    /// v3.2.0: deprecated element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<bool>,
    /// v3.2.0: synonyms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synonyms: Option<Vec<Synonym>>,
    /// Links to authoritative definitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authoritative_definitions: Option<Vec<AuthoritativeDefinition>>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Custom properties (`strictColumns: true` fails on extra columns).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_properties: Option<Vec<CustomProperty>>,
    /// The columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Vec<Property>>,
    /// Object-level relationships (foreign keys, composite).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationships: Option<Vec<Relationship>>,
    /// Object-level quality rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<Vec<QualityRule>>,
    /// v3.2.0: AI and semantic context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<StringOrObject<Context>>,
}

/// The logical types of ODCS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum LogicalType {
    /// Text.
    String,
    /// Calendar date.
    Date,
    /// Point in time.
    Timestamp,
    /// Time of day.
    Time,
    /// Any number.
    Number,
    /// Whole number.
    Integer,
    /// Nested object (struct).
    Object,
    /// List.
    Array,
    /// True or false.
    Boolean,
    /// v3.2.0: key/value map.
    Map,
    /// v3.2.0: embedding vector.
    Vector,
}

impl LogicalType {
    /// The name as written in contracts.
    pub fn as_str(self) -> &'static str {
        match self {
            LogicalType::String => "string",
            LogicalType::Date => "date",
            LogicalType::Timestamp => "timestamp",
            LogicalType::Time => "time",
            LogicalType::Number => "number",
            LogicalType::Integer => "integer",
            LogicalType::Object => "object",
            LogicalType::Array => "array",
            LogicalType::Boolean => "boolean",
            LogicalType::Map => "map",
            LogicalType::Vector => "vector",
        }
    }
}

/// A property (column) of a schema object, or the item of an array, or a map key/value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Property {
    /// Stable identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Column name (required except for array items and map keys/values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Physical column name; defaults to `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_name: Option<String>,
    /// Logical type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logical_type: Option<LogicalType>,
    /// Options of the logical type (lengths, pattern, bounds, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logical_type_options: Option<LogicalTypeOptions>,
    /// Physical type in the data source, e.g. VARCHAR(2), BIGINT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub physical_type: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Business name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_name: Option<String>,
    /// No nulls allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    /// No duplicate non-null values allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique: Option<bool>,
    /// Part of the primary key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key: Option<bool>,
    /// Position within a composite primary key, from 1 (-1: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_key_position: Option<i64>,
    /// Partition column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partitioned: Option<bool>,
    /// Position among partition columns, from 1 (-1: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_key_position: Option<i64>,
    /// Classification (public, restricted, confidential, pii, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
    /// Name of the encrypted column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted_name: Option<String>,
    /// Source objects of the transformation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transform_source_objects: Option<Vec<String>>,
    /// Transformation logic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transform_logic: Option<String>,
    /// Transformation in business terms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transform_description: Option<String>,
    /// Sample values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub examples: Option<Vec<Value>>,
    /// v3.2.0: allowed values.
    #[serde(default, rename = "enum", skip_serializing_if = "Option::is_none")]
    pub enum_values: Option<Vec<EnumValue>>,
    /// Critical data element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critical_data_element: Option<bool>,
    /// v3.2.0: column, measure or dimension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub semantic_type: Option<SemanticType>,
    /// v3.2.0: deprecated element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<bool>,
    /// v3.2.0: synonyms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub synonyms: Option<Vec<Synonym>>,
    /// Links to authoritative definitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authoritative_definitions: Option<Vec<AuthoritativeDefinition>>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Custom properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_properties: Option<Vec<CustomProperty>>,
    /// Property-level relationships (`from` is this property).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationships: Option<Vec<Relationship>>,
    /// Property-level quality rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<Vec<QualityRule>>,
    /// Nested properties (logicalType object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub properties: Option<Vec<Property>>,
    /// Item definition (logicalType array).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Box<Property>>,
    /// v3.2.0: key and value definitions (logicalType map).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map: Option<MapDefinition>,
}

/// v3.2.0 semantic role of a property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum SemanticType {
    /// A physical column.
    Column,
    /// An aggregated value.
    Measure,
    /// A categorical attribute.
    Dimension,
}

/// v3.2.0 map definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct MapDefinition {
    /// The key.
    pub key: Box<Property>,
    /// The value.
    pub value: Box<Property>,
}

/// Options of a logical type; which ones apply to which type is checked by the validator.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LogicalTypeOptions {
    /// string: minimum length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_length: Option<u64>,
    /// string: maximum length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    /// string: regular expression (unanchored, as in JSON Schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// string: email, uuid, uri, ...; date/timestamp: a date format; numbers: i32, f64, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// numbers, dates, timestamps: inclusive lower bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum: Option<Value>,
    /// numbers, dates, timestamps: inclusive upper bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum: Option<Value>,
    /// numbers, dates, timestamps: exclusive lower bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusive_minimum: Option<Value>,
    /// numbers, dates, timestamps: exclusive upper bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusive_maximum: Option<Value>,
    /// numbers: values must be a multiple of this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub multiple_of: Option<f64>,
    /// timestamp/time: whether values carry a time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<bool>,
    /// timestamp/time: time zone of naive values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_timezone: Option<String>,
    /// array: minimum number of items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_items: Option<u64>,
    /// array: maximum number of items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u64>,
    /// array: items must be distinct.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_items: Option<bool>,
    /// object: minimum number of properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_properties: Option<u64>,
    /// object: maximum number of properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_properties: Option<u64>,
    /// object: required property names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required: Option<Vec<String>>,
    /// vector: number of dimensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<u64>,
    /// vector: element type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element_type: Option<String>,
    /// vector: distance metric.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_metric: Option<String>,
    /// vector: embedding model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding_model: Option<String>,
    /// vector: embedding model version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedding_model_version: Option<String>,
    /// vector: vectors are normalized.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalized: Option<bool>,
}

/// v3.2.0 allowed value of a property.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EnumValue {
    /// The value.
    pub value: Value,
    /// Display label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Stable identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Custom properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_properties: Option<Vec<CustomProperty>>,
    /// Links to authoritative definitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authoritative_definitions: Option<Vec<AuthoritativeDefinition>>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// A relationship (foreign key) between properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Relationship {
    /// Stable identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Relationship type, `foreignKey` by default.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub relationship_type: Option<String>,
    /// Source column(s), `object.property`; implicit at property level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<OneOrMany>,
    /// Target column(s), `object.property`.
    pub to: OneOrMany,
    /// Custom properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_properties: Option<Vec<CustomProperty>>,
}

/// The four kinds of quality rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum QualityType {
    /// Human-readable text; not executable.
    Text,
    /// A predefined metric (`metric` + `arguments`).
    Library,
    /// A SQL query returning one number.
    Sql,
    /// An engine-specific rule (`engine` + `implementation`).
    Custom,
}

/// Data quality dimensions of the standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Dimension {
    /// Accuracy.
    Accuracy,
    /// Completeness.
    Completeness,
    /// Conformity.
    Conformity,
    /// Consistency.
    Consistency,
    /// Coverage.
    Coverage,
    /// Timeliness.
    Timeliness,
    /// Uniqueness.
    Uniqueness,
}

impl Dimension {
    /// The name as written in contracts.
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Accuracy => "accuracy",
            Dimension::Completeness => "completeness",
            Dimension::Conformity => "conformity",
            Dimension::Consistency => "consistency",
            Dimension::Coverage => "coverage",
            Dimension::Timeliness => "timeliness",
            Dimension::Uniqueness => "uniqueness",
        }
    }
}

/// A data quality rule, of any of the four types (one flat struct, validated per type).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct QualityRule {
    /// Stable identifier (used in check ids).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Rule type; `library` when absent.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub rule_type: Option<QualityType>,
    /// Dimension.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimension: Option<Dimension>,
    /// Method, e.g. reconciliation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Schedule (cron expression).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// Scheduler name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler: Option<String>,
    /// Severity: info/warning/warn/low/minor make a failure a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// Consequence of a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_impact: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// `rows` or `percent` (100 * count / rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Links to authoritative definitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authoritative_definitions: Option<Vec<AuthoritativeDefinition>>,
    /// Custom properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_properties: Option<Vec<CustomProperty>>,
    /// library: the metric (nullValues, missingValues, invalidValues, duplicateValues, rowCount).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// library: deprecated alias of `metric`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// library: metric arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<serde_json::Map<String, Value>>,
    /// sql: the query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// custom: the engine (`lakegate` for lakegate's own rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// custom: the engine-specific implementation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implementation: Option<Value>,
    /// Operator: equal to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_be: Option<Value>,
    /// Operator: not equal to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_not_be: Option<Value>,
    /// Operator: `>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_be_greater_than: Option<f64>,
    /// Operator: `>=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_be_greater_or_equal_to: Option<f64>,
    /// Operator: `<`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_be_less_than: Option<f64>,
    /// Operator: `<=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_be_less_or_equal_to: Option<f64>,
    /// Operator: inclusive range `[low, high]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_be_between: Option<Vec<f64>>,
    /// Operator: outside the inclusive range `[low, high]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_not_be_between: Option<Vec<f64>>,
}

/// An SLA entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SlaProperty {
    /// Stable identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The SLA property: freshness, latency, retention, frequency, availability, ...
    pub property: String,
    /// The agreed value.
    pub value: Value,
    /// Extended value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_ext: Option<Value>,
    /// Unit: d, h, m, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Element(s) checked, `object.property`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub element: Option<String>,
    /// regulatory, analytics or operational.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Scheduler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduler: Option<String>,
    /// Schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// Custom properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_properties: Option<Vec<CustomProperty>>,
    /// Links to authoritative definitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authoritative_definitions: Option<Vec<AuthoritativeDefinition>>,
}

/// The owning team (v3.1.0 object form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Team {
    /// Stable identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Team name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Members.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<TeamMember>>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Custom properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_properties: Option<Vec<CustomProperty>>,
    /// Links to authoritative definitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authoritative_definitions: Option<Vec<AuthoritativeDefinition>>,
}

/// A team member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TeamMember {
    /// Stable identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// User name or email.
    pub username: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Role (owner, data steward, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Date the member joined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_in: Option<String>,
    /// Date the member left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_out: Option<String>,
    /// Successor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by_username: Option<String>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Custom properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_properties: Option<Vec<CustomProperty>>,
    /// Links to authoritative definitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authoritative_definitions: Option<Vec<AuthoritativeDefinition>>,
}

/// An access role.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Role {
    /// Stable identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Role name.
    pub role: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Access level (read, write).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<String>,
    /// First level approvers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_level_approvers: Option<String>,
    /// Second level approvers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub second_level_approvers: Option<String>,
    /// Custom properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_properties: Option<Vec<CustomProperty>>,
}

/// A support channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SupportItem {
    /// Stable identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Channel name.
    pub channel: String,
    /// URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Tool (slack, email, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<String>,
    /// Scope (issues, announcements, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Invitation URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation_url: Option<String>,
    /// Custom properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_properties: Option<Vec<CustomProperty>>,
}

/// Pricing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Price {
    /// Stable identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_amount: Option<f64>,
    /// Currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_currency: Option<String>,
    /// Unit of measure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub price_unit: Option<String>,
}

/// A link to an authoritative definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthoritativeDefinition {
    /// Stable identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// URL.
    pub url: String,
    /// Kind of definition.
    #[serde(rename = "type")]
    pub definition_type: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A custom property: the standard's key/value extension point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CustomProperty {
    /// Stable identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The key.
    pub property: String,
    /// The value (any type, may be null).
    #[serde(default)]
    pub value: Value,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Vendor of the property.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
}

/// v3.2.0 synonym of an element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Synonym {
    /// Stable identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The synonym.
    pub synonym: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Locale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Custom properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_properties: Option<Vec<CustomProperty>>,
}

/// v3.2.0 AI and semantic context block (object form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Context {
    /// Guidance for tools and agents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Canonical questions and verified answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_statements: Option<Vec<VerifiedStatement>>,
    /// What tools must not do.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraints: Option<Vec<ContextConstraint>>,
}

/// A verified statement of a context block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VerifiedStatement {
    /// Identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The question.
    pub question: String,
    /// The answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// Links to authoritative definitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authoritative_definitions: Option<Vec<AuthoritativeDefinition>>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Custom properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_properties: Option<Vec<CustomProperty>>,
}

/// A constraint of a context block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContextConstraint {
    /// Identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The constraint.
    pub constraint: String,
    /// Links to authoritative definitions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authoritative_definitions: Option<Vec<AuthoritativeDefinition>>,
    /// Tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Custom properties.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_properties: Option<Vec<CustomProperty>>,
}

/// The library rule names of ODCS v3.0 (`rule: nullCheck`), with the v3.1 metric each one
/// reads as and whether the name itself sets the threshold (`nullCheck` means no nulls:
/// `mustBe: 0` when no operator is written).
pub const V3_0_LIBRARY_RULES: &[(&str, &str, bool)] = &[
    ("nullCheck", "nullValues", true),
    ("notNull", "nullValues", true),
    ("duplicateCount", "duplicateValues", false),
    ("unique", "duplicateValues", true),
    ("uniqueCheck", "duplicateValues", true),
    ("validValues", "invalidValues", false),
    ("rowCount", "rowCount", false),
    ("countCheck", "rowCount", false),
];

impl QualityRule {
    /// The library metric of the rule: `metric`, or the deprecated `rule` (v3.0 names such
    /// as `nullCheck` read as their v3.1 metric). The flag is true when the v3.0 name sets
    /// the threshold itself (`mustBe: 0` when the rule writes no operator).
    pub fn library_metric(&self) -> Option<(String, bool)> {
        if let Some(m) = &self.metric {
            return Some((m.clone(), false));
        }
        let rule = self.rule.as_deref()?;
        Some(match V3_0_LIBRARY_RULES.iter().find(|(name, _, _)| *name == rule) {
            Some((_, metric, implied)) => ((*metric).to_owned(), *implied),
            None => (rule.to_owned(), false),
        })
    }

    /// The operators of the rule, or `mustBe: 0` when a v3.0 rule name implies it.
    pub fn operators_or_implied(&self) -> Vec<crate::operators::SetOperator> {
        let ops = self.operators();
        if ops.is_empty() && self.library_metric().is_some_and(|(_, implied)| implied) {
            return vec![("mustBe", Some(vec![0.0]))];
        }
        ops
    }
}

/// Which side of a range a bound closes, and whether the bound value itself passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundKind {
    /// `>=` the value.
    Minimum,
    /// `>` the value.
    ExclusiveMinimum,
    /// `<=` the value.
    Maximum,
    /// `<` the value.
    ExclusiveMaximum,
}

impl LogicalTypeOptions {
    /// The bounds of the options as (the key the value is written under, kind, value), for
    /// every version: v3.1.0+ writes `exclusiveMinimum: 5`; v3.0.x wrote `minimum: 5` with
    /// `exclusiveMinimum: true` (a boolean, JSON Schema draft 4), folded here into an
    /// exclusive minimum. A `false` flag keeps the bound inclusive.
    pub fn bounds(&self) -> Vec<(&'static str, BoundKind, &Value)> {
        let mut out = Vec::new();
        let flag = |v: &Option<Value>| v.as_ref().and_then(Value::as_bool);
        let (min_excl, max_excl) = (flag(&self.exclusive_minimum), flag(&self.exclusive_maximum));
        if let Some(v) = &self.minimum {
            let kind = if min_excl == Some(true) { BoundKind::ExclusiveMinimum } else { BoundKind::Minimum };
            out.push(("minimum", kind, v));
        }
        if let Some(v) = self.exclusive_minimum.as_ref().filter(|v| !v.is_boolean()) {
            out.push(("exclusiveMinimum", BoundKind::ExclusiveMinimum, v));
        }
        if let Some(v) = &self.maximum {
            let kind = if max_excl == Some(true) { BoundKind::ExclusiveMaximum } else { BoundKind::Maximum };
            out.push(("maximum", kind, v));
        }
        if let Some(v) = self.exclusive_maximum.as_ref().filter(|v| !v.is_boolean()) {
            out.push(("exclusiveMaximum", BoundKind::ExclusiveMaximum, v));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bounds_of_every_version() {
        let v31 =
            LogicalTypeOptions { exclusive_minimum: Some(json!(0)), maximum: Some(json!(9)), ..Default::default() };
        assert_eq!(
            v31.bounds(),
            vec![
                ("exclusiveMinimum", BoundKind::ExclusiveMinimum, &json!(0)),
                ("maximum", BoundKind::Maximum, &json!(9))
            ]
        );
        let v30 = LogicalTypeOptions {
            minimum: Some(json!(0)),
            exclusive_minimum: Some(json!(true)),
            maximum: Some(json!(9)),
            exclusive_maximum: Some(json!(false)),
            ..Default::default()
        };
        assert_eq!(
            v30.bounds(),
            vec![("minimum", BoundKind::ExclusiveMinimum, &json!(0)), ("maximum", BoundKind::Maximum, &json!(9))]
        );
    }

    #[test]
    fn v3_0_rule_names_read_as_metrics() {
        let r = QualityRule { rule: Some("nullCheck".into()), ..Default::default() };
        assert_eq!(r.library_metric(), Some(("nullValues".to_owned(), true)));
        assert_eq!(r.operators_or_implied(), vec![("mustBe", Some(vec![0.0]))]);
        let r = QualityRule { rule: Some("duplicateCount".into()), must_be_less_than: Some(1.0), ..Default::default() };
        assert_eq!(r.library_metric(), Some(("duplicateValues".to_owned(), false)));
        assert_eq!(r.operators_or_implied(), vec![("mustBeLessThan", Some(vec![1.0]))]);
        let r = QualityRule { metric: Some("rowCount".into()), ..Default::default() };
        assert!(r.operators_or_implied().is_empty());
    }
}
