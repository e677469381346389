//! What differs between the ODCS versions lakegate reads (v3.0.x, v3.1.0, v3.2.0).
//!
//! The Rust model is the union of the versions; this table says which keys and values each
//! version added, so a contract is validated against the schema of its own `apiVersion`.
//! The test `tests/lint.rs::version_tables_match_the_official_schemas` compares the model
//! minus this table with the official JSON Schema of every version.

use std::fmt;

/// An ODCS version family, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// v3.0.0, v3.0.1, v3.0.2 (one schema: v3.0.2).
    V3_0,
    /// v3.1.0.
    V3_1,
    /// v3.2.0.
    V3_2,
}

impl Version {
    /// The version family of an `apiVersion` value, when lakegate reads it.
    pub fn of(api_version: &str) -> Option<Version> {
        match api_version {
            "v3.0.0" | "v3.0.1" | "v3.0.2" => Some(Version::V3_0),
            "v3.1.0" => Some(Version::V3_1),
            "v3.2.0" => Some(Version::V3_2),
            _ => None,
        }
    }
    /// The first `apiVersion` of the family, as written in contracts.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V3_0 => "v3.0.0",
            Version::V3_1 => "v3.1.0",
            Version::V3_2 => "v3.2.0",
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The constructs of a contract whose keys differ between versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Construct {
    /// The document root.
    Contract,
    /// A `servers` item.
    Server,
    /// A `schema` item.
    SchemaObject,
    /// A property (also array `items` and map keys/values).
    Property,
    /// A quality rule.
    QualityRule,
    /// A `customProperties` item.
    CustomProperty,
    /// An `slaProperties` item.
    Sla,
    /// The `team` object.
    Team,
    /// A team member (an item of `team.members`, or of the v3.0 `team` list).
    TeamMember,
    /// A `support` item.
    SupportItem,
    /// A `roles` item.
    Role,
    /// `price`.
    Price,
    /// A `relationships` item.
    Relationship,
}

use Construct as C;
use Version::{V3_1, V3_2};

/// Keys added after v3.0, by construct: (construct, key, the version that introduced it).
pub const INTRODUCED_KEYS: &[(Construct, &str, Version)] = &[
    (C::Contract, "context", V3_2),
    (C::Server, "id", V3_1),
    (C::Server, "stream", V3_1),
    (C::Server, "catalogUrl", V3_2),
    (C::Server, "encoding", V3_2),
    (C::Server, "namespace", V3_2),
    (C::Server, "workgroup", V3_2),
    (C::SchemaObject, "id", V3_1),
    (C::SchemaObject, "relationships", V3_1),
    (C::SchemaObject, "context", V3_2),
    (C::SchemaObject, "deprecated", V3_2),
    (C::SchemaObject, "synonyms", V3_2),
    (C::Property, "id", V3_1),
    (C::Property, "relationships", V3_1),
    (C::Property, "deprecated", V3_2),
    (C::Property, "enum", V3_2),
    (C::Property, "map", V3_2),
    (C::Property, "semanticType", V3_2),
    (C::Property, "synonyms", V3_2),
    (C::QualityRule, "id", V3_1),
    (C::QualityRule, "metric", V3_1),
    (C::QualityRule, "arguments", V3_1),
    (C::CustomProperty, "id", V3_1),
    (C::CustomProperty, "description", V3_1),
    (C::CustomProperty, "vendor", V3_2),
    (C::Sla, "id", V3_1),
    (C::Sla, "description", V3_1),
    (C::Sla, "schedule", V3_1),
    (C::Sla, "scheduler", V3_1),
    (C::Sla, "customProperties", V3_2),
    (C::Sla, "authoritativeDefinitions", V3_2),
    (C::TeamMember, "id", V3_1),
    (C::TeamMember, "tags", V3_1),
    (C::TeamMember, "customProperties", V3_1),
    (C::TeamMember, "authoritativeDefinitions", V3_1),
    (C::SupportItem, "id", V3_1),
    (C::SupportItem, "customProperties", V3_1),
    (C::Role, "id", V3_1),
    (C::Price, "id", V3_1),
    (C::Relationship, "id", V3_2),
];

/// Values added after v3.0: (construct, key, value, version).
pub const INTRODUCED_VALUES: &[(Construct, &str, &str, Version)] = &[
    (C::Property, "logicalType", "timestamp", V3_1),
    (C::Property, "logicalType", "time", V3_1),
    (C::Property, "logicalType", "map", V3_2),
    (C::Property, "logicalType", "vector", V3_2),
    (C::Server, "type", "hive", V3_1),
    (C::Server, "type", "impala", V3_1),
    (C::Server, "type", "zen", V3_1),
    (C::Server, "type", "btrieve", V3_2),
    (C::Server, "type", "exasol", V3_2),
    (C::Server, "type", "fastobjects", V3_2),
    (C::Server, "type", "hana", V3_2),
    (C::Server, "type", "iceberg", V3_2),
    (C::Server, "type", "ingres", V3_2),
    (C::Server, "type", "poet", V3_2),
    (C::Server, "type", "teradata", V3_2),
    (C::Server, "type", "vectorwise", V3_2),
    (C::Server, "type", "versant", V3_2),
];

/// The version that introduced `key` in `construct`, when it came after v3.0.
pub fn key_introduced(construct: Construct, key: &str) -> Option<Version> {
    INTRODUCED_KEYS.iter().find(|(c, k, _)| *c == construct && *k == key).map(|(_, _, v)| *v)
}

/// The version that introduced `value` of `key` in `construct`, when it came after v3.0.
pub fn value_introduced(construct: Construct, key: &str, value: &str) -> Option<Version> {
    INTRODUCED_VALUES.iter().find(|(c, k, x, _)| *c == construct && *k == key && *x == value).map(|(_, _, _, v)| *v)
}

/// Keys a version requires beyond what every version requires: (construct, key, versions).
pub const REQUIRED_KEYS: &[(Construct, &str, &[Version])] = &[
    (C::Contract, "status", &[Version::V3_0, V3_1]),
    (C::SupportItem, "url", &[Version::V3_0]),
    (C::CustomProperty, "value", &[V3_1, V3_2]),
];

/// The ODCS `StableId` pattern (v3.1.0+) of every `id` below the contract's own.
pub fn is_stable_id(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_and_lookups() {
        assert_eq!(Version::of("v3.0.1"), Some(Version::V3_0));
        assert_eq!(Version::of("v3.3.0"), None);
        assert!(Version::V3_0 < Version::V3_1 && Version::V3_1 < Version::V3_2);
        assert_eq!(key_introduced(Construct::Property, "enum"), Some(Version::V3_2));
        assert_eq!(key_introduced(Construct::Property, "name"), None);
        assert_eq!(value_introduced(Construct::Server, "type", "iceberg"), Some(Version::V3_2));
        assert_eq!(value_introduced(Construct::Server, "type", "s3"), None);
        assert!(is_stable_id("orders_row-count2"));
        assert!(!is_stable_id("orders row count") && !is_stable_id("a.b") && !is_stable_id(""));
    }
}
