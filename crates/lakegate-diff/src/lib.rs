//! `lakegate diff`: the changes between two versions of ODCS contracts, each classified as
//! breaking, non-breaking or informational by the one rule table in [`rules`], located in
//! the new file (`file:line:col`), and the semantic-versioning verdict on the `version` bump.
//!
//! Contracts are compared as parsed documents: key order, quoting, comments, indentation and
//! the order of properties, rules or servers change nothing. Elements are matched by `id`,
//! then by name, then by `physicalName`.

mod compare;
mod quality;
pub mod rules;
pub mod semver;
pub mod types;

use lakegate_contract::LoadedContract;
use serde::Serialize;

pub use rules::{Impact, Kind, Rule};
pub use semver::{Bump, Finding, FindingLevel};

/// A position in a contract file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    /// The file, as named by the user (`REF:path` for a file read from git).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

impl Location {
    /// `file:line:col`.
    pub fn display(&self) -> String {
        format!("{}:{}:{}", self.file, self.line, self.column)
    }

    /// Where the node at JSON pointer `ptr` (or its nearest ancestor) stands in `c`.
    pub fn of(c: &LoadedContract, ptr: &str) -> Location {
        let p = c.locate(ptr);
        Location { file: c.file.clone(), line: p.line, column: p.column }
    }
}

/// One classified change.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The rule that classifies it.
    pub kind: Kind,
    /// The element: `orders`, `orders.amount`, `orders.lines[].sku`, `servers.production`.
    pub element: String,
    /// What changed, in words.
    pub message: String,
    /// The old value, when the change is about a value.
    pub old: Option<String>,
    /// The new value.
    pub new: Option<String>,
    /// Where the change stands in the new file (for a removal: the nearest surviving parent).
    pub location: Location,
    /// Where the element stood in the old file.
    pub old_location: Option<Location>,
    /// For a breaking change: whether the version bump announces it (a major bump).
    pub allowed: bool,
}

impl Change {
    /// The impact, from the rule table.
    pub fn impact(&self) -> Impact {
        self.kind.rule().impact
    }
}

impl Serialize for Change {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let r = self.kind.rule();
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("rule", r.code)?;
        m.serialize_entry("impact", r.impact.as_str())?;
        m.serialize_entry("affects", r.affects)?;
        m.serialize_entry("element", &self.element)?;
        m.serialize_entry("message", &self.message)?;
        m.serialize_entry("old", &self.old)?;
        m.serialize_entry("new", &self.new)?;
        m.serialize_entry("location", &self.location)?;
        m.serialize_entry("oldLocation", &self.old_location)?;
        if r.impact == Impact::Breaking {
            m.serialize_entry("allowed", &self.allowed)?;
        }
        m.end()
    }
}

/// The comparison of one contract (by id) between the two sides.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContractDiff {
    /// Contract id.
    pub id: String,
    /// The old file, when the contract existed before.
    pub old_file: Option<String>,
    /// The new file, when the contract still exists.
    pub new_file: Option<String>,
    /// `version` before.
    pub old_version: Option<String>,
    /// `version` now.
    pub new_version: Option<String>,
    /// The bump the changes need.
    pub required_bump: Bump,
    /// The bump made (`None` when a version is not semantic or a side is missing).
    pub actual_bump: Option<Bump>,
    /// Every change, in document order of the new file.
    pub changes: Vec<Change>,
    /// The semantic-versioning verdict: errors and notes.
    pub semver: Vec<Finding>,
}

impl ContractDiff {
    /// Changes of one impact.
    pub fn count(&self, impact: Impact) -> usize {
        self.changes.iter().filter(|c| c.impact() == impact).count()
    }

    /// Breaking changes not announced by a major version bump.
    pub fn unannounced(&self) -> usize {
        self.changes.iter().filter(|c| c.impact() == Impact::Breaking && !c.allowed).count()
    }
}

/// Compares the contracts of two sides, matched by `id` (a renamed or moved file is the same
/// contract). Sorted by id.
pub fn diff_sets(old: &[LoadedContract], new: &[LoadedContract]) -> Vec<ContractDiff> {
    diff_sets_except(old, new, &std::collections::BTreeSet::new())
}

/// [`diff_sets`], leaving out the changes whose old side stands on one of the `invalid`
/// (file, line) places: where the old contract did not lint, its parsed value is not what was
/// written, so a change from it would be made up.
pub fn diff_sets_except(
    old: &[LoadedContract],
    new: &[LoadedContract],
    invalid: &std::collections::BTreeSet<(String, usize)>,
) -> Vec<ContractDiff> {
    let mut ids: Vec<&str> = old.iter().chain(new).map(|c| c.contract.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .map(|id| {
            let o = old.iter().find(|c| c.contract.id == id);
            let n = new.iter().find(|c| c.contract.id == id);
            diff_except(o, n, invalid)
        })
        .collect()
}

/// Compares one contract's two versions; either side may be missing (added or removed).
pub fn diff(old: Option<&LoadedContract>, new: Option<&LoadedContract>) -> ContractDiff {
    diff_except(old, new, &std::collections::BTreeSet::new())
}

fn diff_except(
    old: Option<&LoadedContract>,
    new: Option<&LoadedContract>,
    invalid: &std::collections::BTreeSet<(String, usize)>,
) -> ContractDiff {
    let id = old.or(new).map(|c| c.contract.id.clone()).unwrap_or_default();
    let mut changes = Vec::new();
    match (old, new) {
        (Some(o), Some(n)) => changes = compare::contracts(o, n),
        (Some(o), None) => changes.push(Change {
            kind: Kind::ContractRemoved,
            element: id.clone(),
            message: format!("contract `{id}` is gone"),
            old: Some(o.file.clone()),
            new: None,
            location: Location::of(o, "/id"),
            old_location: Some(Location::of(o, "/id")),
            allowed: false,
        }),
        (None, Some(n)) => changes.push(Change {
            kind: Kind::ContractAdded,
            element: id.clone(),
            message: format!("new contract `{id}`"),
            old: None,
            new: Some(n.file.clone()),
            location: Location::of(n, "/id"),
            old_location: None,
            allowed: true,
        }),
        (None, None) => {}
    }
    changes.retain(|c| c.old_location.as_ref().is_none_or(|l| !invalid.contains(&(l.file.clone(), l.line))));
    changes.sort_by(|a, b| {
        (a.location.line, a.location.column, a.kind, &a.element).cmp(&(
            b.location.line,
            b.location.column,
            b.kind,
            &b.element,
        ))
    });
    let verdict = semver::judge(old, new, &changes);
    for c in &mut changes {
        if c.impact() == Impact::Breaking {
            c.allowed = verdict.major_bump;
        }
    }
    ContractDiff {
        id,
        old_file: old.map(|c| c.file.clone()),
        new_file: new.map(|c| c.file.clone()),
        old_version: old.map(|c| c.contract.version.clone()),
        new_version: new.map(|c| c.contract.version.clone()),
        required_bump: verdict.required,
        actual_bump: verdict.actual,
        changes,
        semver: verdict.findings,
    }
}
