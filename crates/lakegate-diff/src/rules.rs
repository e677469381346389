//! The one table of change rules: every kind of change `lakegate diff` reports, its impact and
//! who it affects. The README's table is generated from here (see [`markdown_table`]) and a
//! test keeps the two equal.
//!
//! The principle: a contract is the producer's promise to its consumers.
//! - A change that takes something away that consumers read or rely on (an element, a
//!   guarantee such as `required` or `unique`, a quality rule, an SLA level) is breaking for
//!   **consumers**.
//! - A change that asks more of the data's *shape* (`required`, `unique`, a key, a narrower
//!   type or tighter bounds, fewer allowed values, a new required column) is breaking for
//!   **producers**: rows already written may violate it, so it needs a migration or backfill.
//! - Loosening a stated promise about values (a `logicalTypeOptions` bound, a quality
//!   threshold, an SLA) is breaking for **consumers**: a bound is checked like a quality rule,
//!   so `minimum: 0` removed and `min(x) >= 0` loosened are the same change.
//! - Widening the storage type (int -> bigint) or adding an allowed value, a new optional
//!   column and new measured targets (quality rules, tighter SLAs: `lakegate check` says whether the data
//!   meets them) are non-breaking.
//! - Removing a sensitive classification is breaking for **governance** (values stop being
//!   hidden).
//! - Descriptions, tags, owners and other documentation are informational.

use serde::Serialize;

/// How a change affects the contract's users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Impact {
    /// Someone's pipeline, query or obligation breaks: needs a major version bump.
    Breaking,
    /// Compatible: needs a minor version bump.
    NonBreaking,
    /// Documentation only.
    Informational,
}

impl Impact {
    /// The name as printed and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Breaking => "breaking",
            Impact::NonBreaking => "non-breaking",
            Impact::Informational => "informational",
        }
    }
}

/// One row of the rule table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// Stable code, printed with every change (`property-removed`).
    pub code: &'static str,
    /// Its impact.
    pub impact: Impact,
    /// Who is affected: consumers, producers, governance, or nobody ("-").
    pub affects: &'static str,
    /// What the rule covers and why it is classified so.
    pub summary: &'static str,
}

macro_rules! rules {
    ($($variant:ident => $code:literal, $impact:ident, $affects:literal, $summary:literal;)*) => {
        /// A kind of change; its classification is [`Kind::rule`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Kind {
            $(
                #[doc = $summary]
                $variant,
            )*
        }

        impl Kind {
            /// Every kind, in table order.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant),*];

            /// The table row of this kind.
            pub fn rule(self) -> Rule {
                match self {
                    $(Kind::$variant => Rule {
                        code: $code,
                        impact: Impact::$impact,
                        affects: $affects,
                        summary: $summary,
                    },)*
                }
            }
        }
    };
}

rules! {
    ContractRemoved => "contract-removed", Breaking, "consumers",
        "A contract id present before is gone.";
    ContractAdded => "contract-added", NonBreaking, "-",
        "A new contract id.";
    StatusRetired => "status-retired", Breaking, "consumers",
        "`status` becomes `retired`: the data product is no longer served.";
    StatusDeprecated => "status-deprecated", NonBreaking, "consumers",
        "`status` becomes `deprecated`: still served, consumers should plan their migration.";
    StatusChanged => "status-changed", Informational, "-",
        "Any other `status` change (e.g. draft -> active).";
    ObjectRemoved => "object-removed", Breaking, "consumers",
        "A schema object (table, file set) is gone.";
    ObjectAdded => "object-added", NonBreaking, "-",
        "A new schema object.";
    ObjectRenamed => "object-renamed", Breaking, "consumers",
        "A schema object matched by `id` has a new name, and with it a new physical name.";
    ObjectLogicalNameChanged => "object-logical-name-changed", NonBreaking, "consumers",
        "A schema object's `name` changed but its `physicalName` (the data) is the same: SQL rules and relationships use the new name.";
    ObjectPhysicalNameChanged => "object-physical-name-changed", Breaking, "consumers",
        "The `physicalName` of a schema object changed: the table or folder consumers read moved.";
    PropertyRemoved => "property-removed", Breaking, "consumers",
        "A property (column, struct field) is gone. A rename without a matching `id` or `physicalName` is a removal plus an addition.";
    PropertyAdded => "property-added", NonBreaking, "-",
        "A new optional property.";
    RequiredPropertyAdded => "required-property-added", Breaking, "producers",
        "A new property with `required: true`: rows already written do not have it.";
    PropertyRenamed => "property-renamed", Breaking, "consumers",
        "A property matched by `id` has a new name, and with it a new column name in the data.";
    PropertyLogicalNameChanged => "property-logical-name-changed", NonBreaking, "consumers",
        "A property's `name` changed but its `physicalName` (the column in the data) is the same.";
    PropertyPhysicalNameChanged => "property-physical-name-changed", Breaking, "consumers",
        "The `physicalName` of a property changed: the column consumers read is renamed.";
    PropertyDeprecated => "property-deprecated", NonBreaking, "consumers",
        "`deprecated: true` on a property or schema object: consumers should stop using it.";
    LogicalTypeWidened => "logical-type-widened", NonBreaking, "-",
        "`logicalType` integer -> number: every value read before still fits.";
    LogicalTypeNarrowed => "logical-type-narrowed", Breaking, "producers",
        "`logicalType` number -> integer: values written before may not fit.";
    LogicalTypeChanged => "logical-type-changed", Breaking, "consumers, producers",
        "Any other `logicalType` change (string -> integer, date -> timestamp, ...).";
    PhysicalTypeWidened => "physical-type-widened", NonBreaking, "-",
        "`physicalType` to a wider type of the same family: INT -> BIGINT, FLOAT -> DOUBLE, VARCHAR(10) -> VARCHAR(50) or STRING, DECIMAL(10,2) -> DECIMAL(12,2), integer -> DECIMAL with room.";
    PhysicalTypeNarrowed => "physical-type-narrowed", Breaking, "producers",
        "`physicalType` to a narrower type of the same family (BIGINT -> INT, VARCHAR(50) -> VARCHAR(10)): values written before may not fit.";
    PhysicalTypeChanged => "physical-type-changed", Breaking, "consumers, producers",
        "`physicalType` to another family (STRING -> BIGINT, DATE -> TIMESTAMP), or a name lakegate does not know.";
    PhysicalTypeRespelled => "physical-type-respelled", Informational, "-",
        "`physicalType` written differently for the same type (BIGINT -> INT64, varchar -> VARCHAR).";
    RequiredAdded => "required-added", Breaking, "producers",
        "`required` false -> true: rows with nulls already written now violate the contract.";
    RequiredRemoved => "required-removed", Breaking, "consumers",
        "`required` true -> false: consumers relying on non-null values (NOT NULL targets, joins) break.";
    UniqueAdded => "unique-added", Breaking, "producers",
        "`unique` false -> true: duplicates already written now violate the contract.";
    UniqueRemoved => "unique-removed", Breaking, "consumers",
        "`unique` true -> false: consumers relying on one row per value (joins, merge keys) break.";
    PrimaryKeyAdded => "primary-key-added", Breaking, "producers",
        "A property joins the primary key: the key's rows must be unique and non-null.";
    PrimaryKeyRemoved => "primary-key-removed", Breaking, "consumers",
        "A property leaves the primary key: consumers' merge and dedup keys change.";
    PrimaryKeyPositionChanged => "primary-key-position-changed", Informational, "-",
        "`primaryKeyPosition` changed within the same key.";
    OptionTightened => "option-tightened", Breaking, "producers",
        "A `logicalTypeOptions` bound tightened or added (minimum up, maximum down, maxLength down, minLength up, minItems up, maxItems down, a new pattern or format).";
    OptionLoosened => "option-loosened", Breaking, "consumers",
        "A `logicalTypeOptions` bound loosened or removed (minimum down, maximum up, maxLength up, a pattern, format or `enum` gone): values refused before may now reach consumers, as with a looser quality threshold.";
    OptionChanged => "option-changed", Breaking, "consumers, producers",
        "A `logicalTypeOptions` value changed in a way that is neither tighter nor looser (another pattern or format, a bound of another type).";
    EnumValueRemoved => "enum-value-removed", Breaking, "producers",
        "A value leaves `enum` (or an `invalidValues` `validValues` list): rows already holding it now fail, and consumers filtering on it find nothing.";
    EnumValueAdded => "enum-value-added", NonBreaking, "consumers",
        "A value joins `enum` (or `validValues`): consumers with exhaustive mappings should handle it.";
    ClassificationRemoved => "classification-removed", Breaking, "governance",
        "`classification` from a sensitive level (pii, restricted, confidential, sensitive, secret) to a public one or none: values stop being hidden.";
    ClassificationAdded => "classification-added", NonBreaking, "consumers",
        "`classification` to a sensitive level: values are hidden in reports and samples from now on.";
    ClassificationChanged => "classification-changed", Informational, "-",
        "`classification` changed between two sensitive or two public levels.";
    QualityRuleAdded => "quality-rule-added", NonBreaking, "producers",
        "A new quality rule: a measured target (`lakegate check` says whether the data meets it).";
    QualityRuleRemoved => "quality-rule-removed", Breaking, "consumers",
        "An error-severity quality rule is gone: a guarantee consumers had is dropped.";
    AdvisoryRuleRemoved => "advisory-rule-removed", NonBreaking, "-",
        "A warning-severity (or text) quality rule is gone: it never blocked anything.";
    QualityThresholdTightened => "quality-threshold-tightened", NonBreaking, "producers",
        "A quality rule's accepted range shrank (e.g. mustBeLessThan 10 -> 5).";
    QualityThresholdLoosened => "quality-threshold-loosened", Breaking, "consumers",
        "A quality rule's accepted range grew (e.g. mustBe 0 -> mustBeLessThan 100): consumers get weaker data.";
    QualityRuleChanged => "quality-rule-changed", Breaking, "consumers",
        "A quality rule now measures something else (metric, query, arguments, unit, engine implementation) or its range moved: the old guarantee is gone.";
    QualitySeverityLowered => "quality-severity-lowered", Breaking, "consumers",
        "A quality rule's `severity` from error to warning: its failures no longer block.";
    QualitySeverityRaised => "quality-severity-raised", NonBreaking, "producers",
        "A quality rule's `severity` from warning to error.";
    SlaAdded => "sla-added", NonBreaking, "producers",
        "A new SLA property.";
    SlaRemoved => "sla-removed", Breaking, "consumers",
        "An SLA property is gone.";
    SlaTightened => "sla-tightened", NonBreaking, "producers",
        "An SLA got stricter (freshness or latency shorter, retention longer, availability higher).";
    SlaLoosened => "sla-loosened", Breaking, "consumers",
        "An SLA got looser (freshness or latency longer, retention shorter, availability lower).";
    SlaChanged => "sla-changed", Breaking, "consumers",
        "An SLA value changed in a way that cannot be ordered (another element, unit or kind of value).";
    RelationshipAdded => "relationship-added", Breaking, "producers",
        "A new foreign key: rows already written may reference missing keys.";
    RelationshipRemoved => "relationship-removed", Breaking, "consumers",
        "A foreign key is gone: consumers' joins lose their referential guarantee.";
    ServerAdded => "server-added", NonBreaking, "-",
        "A new server.";
    ServerRemoved => "server-removed", Breaking, "consumers",
        "A server is gone.";
    ServerChanged => "server-changed", Breaking, "consumers",
        "Where or how a server's data is read changed (type, path, location, format, host, database, schema, delimiter, ...).";
    MetadataChanged => "metadata-changed", Informational, "-",
        "Descriptions, names, tags, examples, owners, support, pricing, roles, links, custom properties, API version.";
}

/// The rule table as Markdown (the README's table).
pub fn markdown_table() -> String {
    let mut out = String::from("| rule | impact | affects | when |\n|---|---|---|---|\n");
    for k in Kind::ALL {
        let r = k.rule();
        out.push_str(&format!("| `{}` | {} | {} | {} |\n", r.code, r.impact.as_str(), r.affects, r.summary));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_kebab_case() {
        let mut seen = std::collections::BTreeSet::new();
        for k in Kind::ALL {
            let c = k.rule().code;
            assert!(seen.insert(c), "duplicate code {c}");
            assert!(c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'), "{c}");
        }
    }

    /// The README's table is this table.
    #[test]
    fn readme_has_the_table() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).expect("README");
        assert!(
            readme.contains(&markdown_table()),
            "README.md's rule table of `lakegate diff` differs from the code; paste:\n{}",
            markdown_table()
        );
    }
}
