//! Loading a contract file: bytes -> YAML -> variables -> typed model, with diagnostics.

use std::path::Path;

use serde_path_to_error::Segment;
use serde_yaml::Value;

use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::model::Contract;
use crate::spans::{Pos, Seg, SpanIndex, pointer};
use crate::validate;

/// The ODCS versions lakegate reads.
pub const SUPPORTED_API_VERSIONS: [&str; 5] = ["v3.0.0", "v3.0.1", "v3.0.2", "v3.1.0", "v3.2.0"];

/// A contract that parsed, with what is needed to point back into its source.
#[derive(Debug, Clone)]
pub struct LoadedContract {
    /// The file, as the user named it.
    pub file: String,
    /// The file's text.
    pub source: String,
    /// The typed document (variables expanded).
    pub contract: Contract,
    /// Where every node of the document stands.
    pub spans: SpanIndex,
}

impl LoadedContract {
    /// The position of the node at the JSON pointer `ptr` (or its nearest ancestor).
    pub fn locate(&self, ptr: &str) -> Pos {
        self.spans.locate(ptr)
    }
}

/// What loading one file gave: the contract when it parsed, and every diagnostic.
#[derive(Debug, Clone, Default)]
pub struct LoadResult {
    /// The contract, when the document is a structurally valid contract (semantic errors
    /// may still be among the diagnostics).
    pub contract: Option<LoadedContract>,
    /// Errors and warnings, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// The file's text, when it could be read as UTF-8 (for rendering diagnostics).
    pub source: Option<String>,
}

impl LoadResult {
    /// True when any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == crate::Severity::Error)
    }
}

/// Whether `${name}` in a contract may be expanded from the environment: contracts are untrusted
/// (a pull request writes them, and the reports are public), so only variables meant for them
/// are: names starting with `LAKEGATE_`, and those the CI owner lists in `LAKEGATE_VARIABLES`
/// (comma-separated). Any other name reads as unset (its `:-default`, or an error naming it),
/// whether it exists or not, so a contract can neither print `AWS_SECRET_ACCESS_KEY` nor learn
/// that it is set.
pub fn expandable(name: &str) -> bool {
    name.starts_with("LAKEGATE_")
        || std::env::var("LAKEGATE_VARIABLES").is_ok_and(|list| list.split(',').any(|n| n.trim() == name))
}

/// Reads and validates the contract at `path`, expanding variables from the environment.
pub fn load_file(path: &Path) -> LoadResult {
    let display = path.display().to_string();
    // A FIFO or a device named `x.odcs.yaml` would block the read (or never end): refused.
    if let Ok(m) = std::fs::metadata(path)
        && !m.is_file()
    {
        return LoadResult {
            diagnostics: vec![Diagnostic::file_error(
                "io-error",
                &display,
                format!("cannot read `{display}`: it is not a regular file (a FIFO, a device or a socket)"),
            )],
            ..LoadResult::default()
        };
    }
    match std::fs::read(path) {
        Ok(bytes) => load_bytes(&display, &bytes, &|name| std::env::var(name).ok().filter(|_| expandable(name))),
        Err(e) => LoadResult {
            diagnostics: vec![Diagnostic::file_error("io-error", &display, format!("cannot read `{display}`: {e}"))],
            ..LoadResult::default()
        },
    }
}

/// Validates a contract given as bytes; `lookup` resolves `${VAR}` variables.
pub fn load_bytes(file: &str, bytes: &[u8], lookup: &dyn Fn(&str) -> Option<String>) -> LoadResult {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let ok = &bytes[..e.valid_up_to()];
            let line = ok.iter().filter(|b| **b == b'\n').count() + 1;
            let line_start = ok.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            let column = String::from_utf8_lossy(&ok[line_start..]).chars().count() + 1;
            let d = Diagnostic::error("not-utf8", file, Pos { line, column }, "the file is not valid UTF-8")
                .with_help(format!("byte {} starts an invalid sequence; contracts are UTF-8 YAML", e.valid_up_to()));
            return LoadResult { diagnostics: vec![d], ..LoadResult::default() };
        }
    };
    let mut result = load_str(file, text, lookup);
    result.source = Some(text.to_owned());
    result
}

/// Validates a contract given as text.
pub fn load_str(file: &str, text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> LoadResult {
    let mut diags = Vec::new();
    let contract = parse(file, text, lookup, &mut diags);
    crate::diagnostic::sort(&mut diags);
    LoadResult { contract, diagnostics: diags, source: Some(text.to_owned()) }
}

fn parse(
    file: &str,
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    diags: &mut Vec<Diagnostic>,
) -> Option<LoadedContract> {
    let stripped = text.trim_start_matches('\u{feff}');
    if stripped.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with('#') || l.trim() == "---") {
        diags.push(
            Diagnostic::file_error("empty-file", file, "the file is empty: no contract in it")
                .with_help("a contract starts with `apiVersion: v3.1.0` and `kind: DataContract`"),
        );
        return None;
    }
    if let Some(pos) = crate::spans::too_deep(stripped) {
        diags.push(
            Diagnostic::error(
                "yaml-too-deep",
                file,
                pos,
                format!("the YAML is nested too deeply: more than {} levels", crate::spans::MAX_DEPTH),
            )
            .with_help("a contract nests a few levels of mappings and lists; this one is not a contract"),
        );
        return None;
    }
    let mut value: Value = match serde_yaml::from_str(stripped) {
        Ok(v) => v,
        Err(e) if e.to_string().contains("duplicate entry") => {
            let spans = SpanIndex::build(stripped);
            let (pos, len, key) = spans
                .duplicate_keys()
                .first()
                .map_or((Pos { line: 1, column: 1 }, 1, "?".to_owned()), |(p, pos, len)| {
                    (*pos, *len, p.rsplit('/').next().unwrap_or("?").to_owned())
                });
            diags.push(
                Diagnostic::error(
                    "duplicate-key",
                    file,
                    pos,
                    format!("key `{key}` is written twice in the same mapping"),
                )
                .with_len(len)
                .with_help("YAML keeps one value per key: remove one of them"),
            );
            return None;
        }
        Err(e) => {
            let pos = e.location().map_or(Pos { line: 1, column: 1 }, |l| Pos { line: l.line(), column: l.column() });
            let msg = e.to_string();
            // serde_yaml appends " at line X column Y"; the location is shown separately.
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
            diags.push(Diagnostic::error("yaml-syntax", file, pos, format!("invalid YAML: {msg}")));
            return None;
        }
    };
    let spans = SpanIndex::build(stripped);
    if !is_contract(file, &value, &spans, diags) {
        return None;
    }
    for unset in crate::vars::expand(&mut value, lookup) {
        let ptr = pointer(&unset.path);
        let (pos, len) = spans.get(&ptr).map_or((spans.locate(&ptr), 1), |n| n.value);
        diags.push(
            Diagnostic::error(
                "undefined-variable",
                file,
                pos,
                format!("variable `{}` is not set and has no default", unset.name),
            )
            .with_len(len)
            .with_help(if expandable(&unset.name) {
                format!("set `{0}` in the environment, or write `${{{0}:-default}}`", unset.name)
            } else {
                format!(
                    "contracts expand only `LAKEGATE_*` variables and those listed in `LAKEGATE_VARIABLES` (they are \
                     untrusted; a report is public): rename it, list it, or write `${{{0}:-default}}`",
                    unset.name
                )
            }),
        );
    }
    let api = value.get("apiVersion").and_then(Value::as_str).unwrap_or_default().to_owned();
    let raw = crate::structure::check(file, &value, &spans, &api);
    diags.extend(raw.diagnostics);
    let (contract, repaired) = read_all(file, &value, &spans, &raw.null_pointers, diags)?;
    let loaded = LoadedContract { file: file.to_owned(), source: text.to_owned(), contract, spans };
    let semantic = validate::validate(&loaded, &value);
    // Placeholders put in for missing required keys must not be reported a second time
    // ("unknown server type ``"): the missing key is reported where they stand.
    // An unknown operator-like key (`mustBeAtLeast`) removed from a rule leaves it without
    // an operator: the unknown key is the one error to fix.
    diags.extend(
        semantic
            .into_iter()
            .filter(|d| !repaired.contains(&(d.line, d.column, "")) && !repaired.contains(&(d.line, d.column, d.code))),
    );
    Some(loaded)
}

/// Positions (line, column) and diagnostic code ("" for any) of the semantic diagnostics that
/// only repeat an error the typed reading reported.
type Repaired = std::collections::BTreeSet<(usize, usize, &'static str)>;

/// Reads the typed model, reporting every error serde finds rather than the first: each
/// error is reported, the offending node is set aside (an unknown key removed, a missing
/// required key given a placeholder) and the document is read again. Returns the contract
/// read from the repaired document, and the positions (with a diagnostic code, or "" for
/// any) where semantic diagnostics only repeat an error already reported.
fn read_all(
    file: &str,
    value: &Value,
    spans: &SpanIndex,
    already: &std::collections::BTreeSet<String>,
    diags: &mut Vec<Diagnostic>,
) -> Option<(Contract, Repaired)> {
    read_all_at(file, value, spans, &[], value, already, diags)
}

/// [`read_all`] for the node `node` at `prefix` in the document `root` (e.g. a lakegate
/// rule's `implementation`), read as a `T`.
pub(crate) fn read_all_at<T: serde::de::DeserializeOwned>(
    file: &str,
    root: &Value,
    spans: &SpanIndex,
    prefix: &[Seg],
    node: &Value,
    already: &std::collections::BTreeSet<String>,
    diags: &mut Vec<Diagnostic>,
) -> Option<(T, Repaired)> {
    let mut work = node.clone();
    let mut repaired = std::collections::BTreeSet::new();
    let mut seen = std::collections::BTreeSet::new();
    // Each round removes or fills one node; a document has far fewer faults than this.
    for _ in 0..500 {
        let e = match serde_path_to_error::deserialize::<_, T>(work.clone()) {
            Ok(c) => return Some((c, repaired)),
            Err(e) => e,
        };
        let rel = path_segments(e.path());
        let path: Vec<Seg> = prefix.iter().cloned().chain(rel.iter().cloned()).collect();
        let msg = e.inner().to_string();
        let ptr = pointer(&path);
        if !seen.insert((ptr.clone(), msg.clone())) {
            return None;
        }
        let d = located_error(file, root, spans, path.clone(), msg.clone());
        if msg.starts_with("missing field `") {
            repaired.insert((d.line, d.column, ""));
        }
        if msg.starts_with("unknown field `") {
            let mut parent = path.clone();
            if matches!(parent.last(), Some(Seg::Key(k)) if msg.contains(&format!("`{k}`"))) {
                parent.pop();
            }
            let pos = spans.get(&pointer(&parent)).map_or_else(|| spans.locate(&pointer(&parent)), |n| n.value.0);
            // The key the user meant is missing now: what follows from that is no new error.
            if msg.starts_with("unknown field `must") {
                repaired.insert((pos.line, pos.column, "operator-count"));
            }
            if d.help.as_deref().is_some_and(|h| h.starts_with("did you mean")) {
                repaired.insert((pos.line, pos.column, "missing-key"));
                repaired.insert((pos.line, pos.column, "missing-argument"));
            }
        }
        if !already.contains(&ptr) {
            diags.push(d);
        }
        if !repair(&mut work, &rel, &msg) {
            return None;
        }
    }
    None
}

/// Sets aside the node a serde error is about; false when nothing could be done.
fn repair(root: &mut Value, path: &[Seg], msg: &str) -> bool {
    let field = |prefix: &str| msg.strip_prefix(prefix).and_then(|r| r.split('`').next()).map(str::to_owned);
    let Some(node) = node_mut(root, path) else { return false };
    if let Some(name) = field("unknown field `") {
        // The path may end at the unknown key itself or at its mapping.
        if let Value::Mapping(m) = node
            && m.remove(name.as_str()).is_some()
        {
            return true;
        }
        return match (path.split_last(), root_parent(root, path)) {
            (Some((Seg::Key(k), _)), Some(Value::Mapping(m))) => m.remove(k.as_str()).is_some(),
            _ => false,
        };
    }
    if let Some(name) = field("missing field `") {
        let Value::Mapping(m) = node else { return false };
        let placeholder = if matches!(name.as_str(), "key" | "value") {
            Value::Mapping(serde_yaml::Mapping::new())
        } else {
            Value::String(String::new())
        };
        m.insert(Value::String(name), placeholder);
        return true;
    }
    // A wrong type or value: remove an optional key, or put a value of the expected kind.
    match (path.split_last(), root_parent(root, path)) {
        (Some((Seg::Key(k), _)), Some(Value::Mapping(m))) => m.remove(k.as_str()).is_some(),
        (Some((Seg::Index(i), _)), Some(Value::Sequence(items))) => match items.get_mut(*i) {
            Some(item) => {
                let replacement = if msg.contains("expected a string") || msg.contains("expected a borrowed string") {
                    Value::String(String::new())
                } else {
                    Value::Mapping(serde_yaml::Mapping::new())
                };
                if *item == replacement {
                    return false;
                }
                *item = replacement;
                true
            }
            None => false,
        },
        _ => false,
    }
}

fn node_mut<'a>(root: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    let mut node = root;
    for seg in path {
        node = match (seg, node) {
            (Seg::Key(k), Value::Mapping(m)) => m.get_mut(k.as_str())?,
            (Seg::Index(i), Value::Sequence(s)) => s.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

fn root_parent<'a>(root: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    let (_, parent) = path.split_last()?;
    node_mut(root, parent)
}

/// Rejects documents that are not ODCS contracts before any detailed validation.
fn is_contract(file: &str, value: &Value, spans: &SpanIndex, diags: &mut Vec<Diagnostic>) -> bool {
    let Value::Mapping(map) = value else {
        diags.push(
            Diagnostic::error(
                "not-a-contract",
                file,
                Pos { line: 1, column: 1 },
                "not an ODCS contract: the document is not a mapping",
            )
            .with_help("a contract starts with `apiVersion: v3.1.0` and `kind: DataContract`"),
        );
        return false;
    };
    let kind = map.get("kind");
    let api = map.get("apiVersion");
    if kind.is_none() && api.is_none() {
        diags.push(
            Diagnostic::error(
                "not-a-contract",
                file,
                Pos { line: 1, column: 1 },
                "not an ODCS contract: `kind` and `apiVersion` are missing",
            )
            .with_help("a contract starts with `apiVersion: v3.1.0` and `kind: DataContract`"),
        );
        return false;
    }
    let mut ok = true;
    match kind {
        Some(Value::String(k)) if k == "DataContract" => {}
        Some(k) => {
            let (pos, len) = spans.get("/kind").map_or((Pos { line: 1, column: 1 }, 1), |n| n.value);
            let shown = serde_yaml::to_string(k).unwrap_or_default().trim().to_owned();
            diags.push(
                Diagnostic::error("not-a-contract", file, pos, format!("`kind` is `{shown}`, not `DataContract`"))
                    .with_len(len)
                    .with_help("lakegate reads data contracts: `kind: DataContract`"),
            );
            ok = false;
        }
        None => {
            diags.push(
                Diagnostic::error(
                    "missing-key",
                    file,
                    Pos { line: 1, column: 1 },
                    "missing key `kind` in the contract",
                )
                .with_help("add `kind: DataContract`"),
            );
            ok = false;
        }
    }
    match api {
        Some(Value::String(v)) if SUPPORTED_API_VERSIONS.contains(&v.as_str()) => {}
        Some(v) => {
            let (pos, len) = spans.get("/apiVersion").map_or((Pos { line: 1, column: 1 }, 1), |n| n.value);
            let shown = serde_yaml::to_string(v).unwrap_or_default().trim().to_owned();
            let mut d = Diagnostic::error(
                "unsupported-api-version",
                file,
                pos,
                format!("apiVersion `{shown}` is not supported: lakegate reads ODCS v3.0.0 to v3.2.0"),
            )
            .with_len(len);
            d = match did_you_mean(&shown, SUPPORTED_API_VERSIONS) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!("use one of {}", SUPPORTED_API_VERSIONS.join(", "))),
            };
            diags.push(d);
            ok = false;
        }
        None => {
            diags.push(
                Diagnostic::error(
                    "missing-key",
                    file,
                    Pos { line: 1, column: 1 },
                    "missing key `apiVersion` in the contract",
                )
                .with_help("add `apiVersion: v3.1.0`"),
            );
            ok = false;
        }
    }
    ok
}

/// The segments of a serde_path_to_error path.
pub(crate) fn path_segments(p: &serde_path_to_error::Path) -> Vec<Seg> {
    p.iter()
        .filter_map(|s| match s {
            Segment::Seq { index } => Some(Seg::Index(*index)),
            Segment::Map { key } => Some(Seg::Key(key.clone())),
            Segment::Enum { .. } | Segment::Unknown => None,
        })
        .collect()
}

/// A serde error message at `path` as a located diagnostic: unknown keys with a hint,
/// missing keys, unknown values, wrong types.
pub(crate) fn located_error(
    file: &str,
    root: &Value,
    spans: &SpanIndex,
    mut path: Vec<Seg>,
    msg: String,
) -> Diagnostic {
    let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
    let expected = backticked_after(&msg, "expected one of");
    if let Some(name) = msg.strip_prefix("unknown field `").and_then(|r| r.split('`').next()) {
        if path.last() != Some(&Seg::Key(name.to_owned())) {
            path.push(Seg::Key(name.to_owned()));
        }
        let ptr = pointer(&path);
        let ctx = describe(root, &path[..path.len() - 1]);
        let (pos, len) = spans.key(&ptr).unwrap_or((spans.locate(&ptr), name.chars().count()));
        let d = Diagnostic::error("unknown-key", file, pos, format!("unknown key `{name}` in {ctx}")).with_len(len);
        return match did_you_mean(name, expected.iter().map(String::as_str)) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!("allowed keys here: {}", expected.join(", "))),
        };
    }
    if let Some(name) = msg.strip_prefix("missing field `").and_then(|r| r.split('`').next()) {
        let ptr = pointer(&path);
        let ctx = describe(root, &path);
        let pos = spans.locate(&ptr);
        return Diagnostic::error("missing-key", file, pos, format!("missing key `{name}` in {ctx}"))
            .with_help(format!("add `{name}:` to {ctx}"));
    }
    let ptr = pointer(&path);
    let (pos, len) = spans.get(&ptr).map_or((spans.locate(&ptr), 1), |n| n.value);
    let key = match path.last() {
        Some(Seg::Key(k)) => format!("`{k}`"),
        Some(Seg::Index(i)) => format!("item {i}"),
        None => "the document".to_owned(),
    };
    let ctx = describe(root, path.get(..path.len().saturating_sub(1)).unwrap_or(&[]));
    if let Some(variant) = msg.strip_prefix("unknown variant `").and_then(|r| r.split('`').next()) {
        let d = Diagnostic::error("invalid-value", file, pos, format!("invalid value `{variant}` for {key} in {ctx}"))
            .with_len(len);
        return match did_you_mean(variant, expected.iter().map(String::as_str)) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_help(format!("expected one of: {}", expected.join(", "))),
        };
    }
    let detail = msg.strip_prefix("invalid type: ").unwrap_or(&msg);
    Diagnostic::error("invalid-type", file, pos, format!("wrong type for {key} in {ctx}: {detail}"))
        .with_len(len)
        .with_help("see `lakegate schema` for the type of every key")
}

/// The backticked words after `marker` in a serde message.
fn backticked_after(msg: &str, marker: &str) -> Vec<String> {
    msg.split_once(marker)
        .map(|(_, rest)| rest.split('`').skip(1).step_by(2).map(str::to_owned).collect())
        .unwrap_or_default()
}

/// A human name for the node at `path`: "property `order_id`", "schema object `orders`", ...
pub fn describe(root: &Value, path: &[Seg]) -> String {
    let mut label = "the contract".to_owned();
    let mut node = root;
    let mut parent_key: Option<&str> = None;
    for seg in path {
        let next = match (seg, node) {
            (Seg::Key(k), Value::Mapping(m)) => m.get(k.as_str()),
            (Seg::Index(i), Value::Sequence(s)) => s.get(*i),
            _ => None,
        };
        let Some(next) = next else { break };
        let name_of = |key: &str| next.get(key).and_then(Value::as_str).map(str::to_owned);
        match (seg, parent_key) {
            (Seg::Index(i), Some("servers")) => {
                label = name_of("server").map_or(format!("server #{}", i + 1), |n| format!("server `{n}`"))
            }
            (Seg::Index(i), Some("schema")) => {
                label = name_of("name").map_or(format!("schema object #{}", i + 1), |n| format!("schema object `{n}`"))
            }
            (Seg::Index(i), Some("properties")) => {
                label = name_of("name").map_or(format!("property #{} of {label}", i + 1), |n| format!("property `{n}`"))
            }
            (Seg::Index(i), Some("quality")) => {
                label = name_of("id")
                    .map_or(format!("quality rule #{} of {label}", i + 1), |n| format!("quality rule `{n}`"))
            }
            (Seg::Index(i), Some("slaProperties")) => {
                label = name_of("id")
                    .or_else(|| name_of("property"))
                    .map_or(format!("SLA #{}", i + 1), |n| format!("SLA `{n}`"))
            }
            (Seg::Index(i), Some("relationships")) => label = format!("relationship #{} of {label}", i + 1),
            (Seg::Index(i), Some("customProperties")) => label = format!("custom property #{} of {label}", i + 1),
            (Seg::Index(i), Some("members")) | (Seg::Index(i), Some("team")) => {
                label = format!("team member #{}", i + 1)
            }
            (Seg::Index(i), Some("roles")) => label = format!("role #{}", i + 1),
            (Seg::Index(i), Some("support")) => label = format!("support channel #{}", i + 1),
            (Seg::Index(i), Some("authoritativeDefinitions")) => {
                label = format!("authoritative definition #{} of {label}", i + 1)
            }
            (Seg::Key(k), _)
                if matches!(k.as_str(), "logicalTypeOptions" | "items" | "map" | "arguments" | "implementation") =>
            {
                label = format!("`{k}` of {label}")
            }
            (Seg::Key(k), _)
                if matches!(k.as_str(), "team" | "description" | "price" | "context") && parent_key.is_none() =>
            {
                label = format!("`{k}`")
            }
            _ => {}
        }
        parent_key = match seg {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        };
        node = next;
    }
    label
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two unknown keys, a wrong type and an operator typo inside one lakegate
    /// implementation are all reported, and the typo'd operator is the rule's one error.
    #[test]
    fn every_fault_of_a_lakegate_implementation() {
        let src = "apiVersion: v3.2.0\nkind: DataContract\nid: x\nversion: '1'\nschema:\n  - name: t\n    properties:\n\
                   \x20     - name: a\n        logicalType: number\n        quality:\n          - type: custom\n\
                   \x20           engine: lakegate\n            implementation:\n              metric: avg\n\
                   \x20             propertee: a\n              wher: x > 1\n              strict: maybe\n\
                   \x20             mustBeMoreThan: 3\n";
        let r = load_str("x.yaml", src, &|_| None);
        let got: Vec<(&str, usize)> = r.diagnostics.iter().map(|d| (d.code, d.line)).collect();
        assert_eq!(
            got,
            vec![("unknown-key", 15), ("unknown-key", 16), ("invalid-type", 17), ("unknown-key", 18)],
            "{:#?}",
            r.diagnostics
        );
        assert_eq!(r.diagnostics[3].help.as_deref(), Some("did you mean `mustBeGreaterThan`?"));
    }

    /// A typo'd key is the one error of its construct: the key it meant is not reported
    /// missing as well.
    #[test]
    fn a_typo_is_not_also_a_missing_key() {
        let src = "apiVersion: v3.2.0\nkind: DataContract\nid: x\nversion: '1'\nschema:\n  - name: t\n    properties:\n\
                   \x20     - name: a\n        quality:\n          - metrc: nullValues\n            mustBe: 0\n\
                   \x20         - type: custom\n            engine: lakegate\n            implementation:\n\
                   \x20             metric: avg\n              propertee: a\n              mustBe: 1\n";
        let r = load_str("x.yaml", src, &|_| None);
        let got: Vec<(&str, usize)> =
            r.diagnostics.iter().filter(|d| d.severity == crate::Severity::Error).map(|d| (d.code, d.line)).collect();
        assert_eq!(got, vec![("unknown-key", 10), ("unknown-key", 16)], "{:#?}", r.diagnostics);
    }
}
