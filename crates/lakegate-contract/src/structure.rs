//! Checks on the document as written, before and independently of the typed model: keys
//! and values of a later ODCS version than the contract's `apiVersion`, keys a version
//! requires, YAML nulls where the standard wants a value, and `id`s that break the
//! standard's `StableId` pattern. Running on the raw YAML lets one run report all of them,
//! whatever else is wrong with the file.

use std::collections::BTreeSet;

use serde_yaml::Value;

use crate::diagnostic::Diagnostic;
use crate::load::describe;
use crate::spans::{Pos, SpanIndex};
use crate::versions::{self, Construct, Version};

/// Where the walk stands: a construct whose keys are versioned, another node of the
/// standard, or a value the standard leaves open (never checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    Known(Construct),
    /// Typed by the standard, but with no versioned keys.
    Other,
    /// A property's `map`: its `key` and `value` are properties.
    MapDefinition,
    /// `arguments` of a library rule: lists may hold nulls (`missingValues: [null, '']`).
    Arguments,
    /// Open values (`examples`, custom property values, engine implementations).
    Open,
}

struct Walk<'a> {
    file: &'a str,
    root: &'a Value,
    spans: &'a SpanIndex,
    version: Version,
    api: &'a str,
    diags: Vec<Diagnostic>,
    nulls: BTreeSet<String>,
}

/// What the raw checks found: the diagnostics, and the pointers of null values already
/// reported (so that the typed reading does not report them a second time).
#[derive(Debug, Default)]
pub struct Findings {
    /// Errors.
    pub diagnostics: Vec<Diagnostic>,
    /// JSON pointers of the null values reported.
    pub null_pointers: BTreeSet<String>,
}

/// Checks the document `root` (variables expanded) of a contract of `api_version`.
pub fn check(file: &str, root: &Value, spans: &SpanIndex, api_version: &str) -> Findings {
    let Some(version) = Version::of(api_version) else { return Findings::default() };
    let mut w = Walk { file, root, spans, version, api: api_version, diags: Vec::new(), nulls: BTreeSet::new() };
    w.node(root, "", Node::Known(Construct::Contract), None);
    Findings { diagnostics: w.diags, null_pointers: w.nulls }
}

fn esc(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

impl Walk<'_> {
    fn key_pos(&self, ptr: &str) -> (Pos, usize) {
        match self.spans.get(ptr) {
            Some(n) => n.key.unwrap_or(n.value),
            None => (self.spans.locate(ptr), 1),
        }
    }
    fn value_pos(&self, ptr: &str) -> (Pos, usize) {
        self.spans.get(ptr).map_or_else(|| (self.spans.locate(ptr), 1), |n| n.value)
    }
    fn label(&self, ptr: &str) -> String {
        describe(self.root, &crate::validate::segments(ptr))
    }

    fn node(&mut self, v: &Value, ptr: &str, node: Node, parent_key: Option<&str>) {
        if node == Node::Open {
            return;
        }
        match v {
            Value::Mapping(m) => self.mapping(m, ptr, node),
            Value::Sequence(items) => {
                for (i, item) in items.iter().enumerate() {
                    let p = format!("{ptr}/{i}");
                    if item.is_null() {
                        if node != Node::Arguments {
                            self.null(&p, true, parent_key);
                        }
                        continue;
                    }
                    self.node(item, &p, node, parent_key);
                }
            }
            Value::Tagged(t) => self.node(&t.value, ptr, node, parent_key),
            _ => {}
        }
    }

    fn null(&mut self, ptr: &str, item: bool, key: Option<&str>) {
        let (pos, len) = if item { self.value_pos(ptr) } else { self.key_pos(ptr) };
        let what = match (item, key) {
            (true, Some(k)) => format!("an item of `{k}`"),
            (true, None) => "a list item".to_owned(),
            (false, Some(k)) => format!("`{k}`"),
            (false, None) => "a value".to_owned(),
        };
        let up = |p: &str| p.rsplit_once('/').map_or(String::new(), |(p, _)| p.to_owned());
        // The construct that holds the key (for an item: the one that holds the list).
        let holder = if item { up(&up(ptr)) } else { up(ptr) };
        let ctx = self.label(&holder);
        self.diags.push(
            Diagnostic::error("null-value", self.file, pos, format!("{what} of {ctx} is empty (YAML null)"))
                .with_len(len)
                .with_help("the standard wants a value here: write one, or remove the key (`''` is an empty string)"),
        );
        self.nulls.insert(ptr.to_owned());
    }

    fn later(&mut self, ptr: &str, what: String, since: Version, at_value: bool) {
        let (pos, len) = if at_value { self.value_pos(ptr) } else { self.key_pos(ptr) };
        self.diags.push(
            Diagnostic::error(
                "version-mismatch",
                self.file,
                pos,
                format!("{what} was introduced in ODCS {since}; this contract declares `apiVersion: {}`", self.api),
            )
            .with_len(len)
            .with_help(format!("set `apiVersion: {since}` (or later), or remove it")),
        );
    }

    fn mapping(&mut self, m: &serde_yaml::Mapping, ptr: &str, node: Node) {
        let construct = match node {
            Node::Known(c) => Some(c),
            _ => None,
        };
        let label = self.label(ptr);
        // Keys and values of a later version.
        if let Some(c) = construct {
            for (k, val) in m {
                let Some(k) = k.as_str() else { continue };
                let kp = format!("{ptr}/{}", esc(k));
                if let Some(since) = versions::key_introduced(c, k)
                    && since > self.version
                {
                    self.later(&kp, format!("key `{k}` in {label}"), since, false);
                }
                if let Some(s) = val.as_str()
                    && let Some(since) = versions::value_introduced(c, k, s)
                    && since > self.version
                {
                    self.later(&kp, format!("`{k}: {s}`"), since, true);
                }
            }
            for (rc, key, in_versions) in versions::REQUIRED_KEYS {
                if *rc == c && in_versions.contains(&self.version) && !m.contains_key(*key) {
                    let pos = self.spans.locate(ptr);
                    self.diags.push(
                        Diagnostic::error(
                            "missing-key",
                            self.file,
                            pos,
                            format!("missing key `{key}` in {label}: ODCS {} requires it", self.api),
                        )
                        .with_help(match *key {
                            "status" => "add `status:` (proposed, draft, active, deprecated or retired)",
                            "url" => "add `url:` to the support channel",
                            _ => "add the key",
                        }),
                    );
                }
            }
            if c == Construct::Contract && self.version == Version::V3_0 && m.get("team").is_some_and(Value::is_mapping)
            {
                self.later("/team", "the object form of `team`".to_owned(), Version::V3_1, false);
            }
            if c == Construct::Server
                && self.version < Version::V3_2
                && m.get("type").and_then(Value::as_str) == Some("athena")
                && !m.contains_key("stagingDir")
            {
                let pos = self.spans.locate(ptr);
                self.diags.push(
                    Diagnostic::error(
                        "missing-key",
                        self.file,
                        pos,
                        format!("missing key `stagingDir` in {label}: athena servers need it before ODCS v3.2.0"),
                    )
                    .with_help("add `stagingDir: s3://...`"),
                );
            }
        }
        // StableId (v3.1.0+; the contract's own `id` is free text).
        if !ptr.is_empty()
            && self.version >= Version::V3_1
            && let Some(Value::String(id)) = m.get("id")
            && !versions::is_stable_id(id)
        {
            let p = format!("{ptr}/id");
            let (pos, len) = self.value_pos(&p);
            self.diags.push(
                Diagnostic::error(
                    "invalid-id",
                    self.file,
                    pos,
                    format!("id `{id}` of {label} is not an ODCS stable id"),
                )
                .with_len(len)
                .with_help("stable ids use only letters, digits, `_` and `-` (pattern `^[A-Za-z0-9_-]+$`)"),
            );
        }
        let is_lakegate_rule = construct == Some(Construct::QualityRule)
            && m.get("engine").and_then(Value::as_str).is_some_and(|e| e.eq_ignore_ascii_case("lakegate"));
        for (k, val) in m {
            let Some(k) = k.as_str() else { continue };
            let kp = format!("{ptr}/{}", esc(k));
            let child = child(construct, node, k, val, is_lakegate_rule);
            if val.is_null() {
                let null_allowed = child == Node::Open
                    || (k == "value" && matches!(construct, Some(Construct::Sla | Construct::CustomProperty)))
                    // An allowed value of `enum` may be null (v3.2.0 `AnyNonCollectionType`).
                    || (k == "value" && ptr.rsplit('/').nth(1) == Some("enum"));
                if !null_allowed {
                    self.null(&kp, false, Some(k));
                }
                continue;
            }
            self.node(val, &kp, child, Some(k));
        }
    }
}

/// The node kind of the value of `key` in a mapping of kind `node`.
fn child(construct: Option<Construct>, node: Node, key: &str, val: &Value, lakegate_rule: bool) -> Node {
    use Construct as C;
    if node == Node::Arguments {
        return Node::Arguments;
    }
    match (construct, key) {
        (_, "customProperties") => Node::Known(C::CustomProperty),
        (_, "examples") => Node::Open,
        (Some(C::CustomProperty), "value") => Node::Open,
        (Some(C::Sla), "value" | "valueExt") => Node::Open,
        (Some(C::Contract), "servers") => Node::Known(C::Server),
        (Some(C::Contract), "schema") => Node::Known(C::SchemaObject),
        (Some(C::Contract), "slaProperties") => Node::Known(C::Sla),
        (Some(C::Contract), "support") => Node::Known(C::SupportItem),
        (Some(C::Contract), "price") => Node::Known(C::Price),
        (Some(C::Contract), "team") => {
            if val.is_sequence() {
                Node::Known(C::TeamMember)
            } else {
                Node::Known(C::Team)
            }
        }
        (Some(C::Team), "members") => Node::Known(C::TeamMember),
        (_, "roles") => Node::Known(C::Role),
        (Some(C::SchemaObject | C::Property), "properties") => Node::Known(C::Property),
        (Some(C::Property), "items") => Node::Known(C::Property),
        (Some(C::Property), "map") => Node::MapDefinition,
        (None, "key" | "value") if node == Node::MapDefinition => Node::Known(C::Property),
        (Some(C::SchemaObject | C::Property), "quality") => Node::Known(C::QualityRule),
        (Some(C::SchemaObject | C::Property), "relationships") => Node::Known(C::Relationship),
        (Some(C::QualityRule), "arguments") => Node::Arguments,
        (Some(C::QualityRule), "implementation") if !lakegate_rule => Node::Open,
        (Some(C::QualityRule), "implementation") => Node::Other,
        _ => Node::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(src: &str) -> Vec<(&'static str, usize)> {
        let value: Value = serde_yaml::from_str(src).expect("yaml");
        let spans = SpanIndex::build(src);
        let api = value.get("apiVersion").and_then(Value::as_str).unwrap_or_default().to_owned();
        let mut out: Vec<(&'static str, usize)> =
            check("t.yaml", &value, &spans, &api).diagnostics.iter().map(|d| (d.code, d.line)).collect();
        out.sort_by_key(|(_, line)| *line);
        out
    }

    #[test]
    fn nulls_where_the_standard_allows_them_are_not_reported() {
        let src = "apiVersion: v3.2.0\nkind: DataContract\nid: x\nversion: '1'\ncustomProperties:\n  - property: a\n    value: null\n\
                   schema:\n  - name: t\n    properties:\n      - name: c\n        examples: [null, 1]\n        enum:\n          - value: null\n\
                   \x20       quality:\n          - metric: missingValues\n            arguments:\n              missingValues: [null, '']\n\
                   slaProperties:\n  - property: x\n    value: null\n";
        assert_eq!(codes(src), vec![]);
    }

    #[test]
    fn nulls_ids_and_later_keys_are_reported_where_they_stand() {
        let src = "apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: '1'\nstatus: active\ntags: [a, null]\n\
                   schema:\n  - name: t\n    id: bad id\n    deprecated: true\n    properties:\n      - name: c\n        required:\n";
        assert_eq!(
            codes(src),
            vec![("null-value", 6), ("invalid-id", 9), ("version-mismatch", 10), ("null-value", 13)]
        );
    }
}
