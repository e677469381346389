//! Comparing two versions of a contract element by element.

use std::collections::BTreeSet;

use lakegate_contract::LoadedContract;
use lakegate_contract::model::{BoundKind, LogicalTypeOptions, Property, Relationship, SchemaObject, Server};
use serde_json::Value;

use crate::rules::Kind;
use crate::types::{self, Direction};
use crate::{Change, Location};

/// Collects the changes of one pair of contracts.
pub(crate) struct Differ<'a> {
    pub old: &'a LoadedContract,
    pub new: &'a LoadedContract,
    pub changes: Vec<Change>,
    /// Schema objects renamed (old name -> new name): relationships to them follow.
    pub renamed: std::collections::BTreeMap<String, String>,
    /// Properties renamed, or in a renamed object (`old_object.old_property` ->
    /// `new_object.new_property`): relationship ends naming them follow.
    pub renamed_properties: std::collections::BTreeMap<String, String>,
}

/// What a change is about: the element's name and its pointers in both files.
#[derive(Clone)]
pub(crate) struct At<'p> {
    pub element: &'p str,
    pub old: &'p str,
    pub new: &'p str,
}

impl<'p> At<'p> {
    pub fn new(element: &'p str, old: &'p str, new: &'p str) -> At<'p> {
        At { element, old, new }
    }
}

impl Differ<'_> {
    /// Records a change located at `new_ptr` (its nearest existing ancestor in the new file).
    pub fn push(
        &mut self,
        kind: Kind,
        at: &At<'_>,
        key: &str,
        message: String,
        old: Option<String>,
        new: Option<String>,
    ) {
        let sub = |p: &str| if key.is_empty() { p.to_owned() } else { format!("{p}/{key}") };
        self.changes.push(Change {
            kind,
            element: at.element.to_owned(),
            message,
            old,
            new,
            location: Location::of(self.new, &sub(at.new)),
            old_location: Some(Location::of(self.old, &sub(at.old))),
            allowed: false,
        });
    }

    /// Informational changes of every key of two JSON objects except `skip`; nested objects
    /// (the contract's `description`, `team`) are compared key by key.
    pub fn metadata(&mut self, at: &At<'_>, old: &Value, new: &Value, skip: &[&str]) {
        self.metadata_below(at, "", old, new, skip);
    }

    fn metadata_below(&mut self, at: &At<'_>, prefix: &str, old: &Value, new: &Value, skip: &[&str]) {
        let empty = serde_json::Map::new();
        let (o, n) = (old.as_object().unwrap_or(&empty), new.as_object().unwrap_or(&empty));
        let keys: BTreeSet<&String> = o.keys().chain(n.keys()).filter(|k| !skip.contains(&k.as_str())).collect();
        for k in keys {
            let (a, b) = (o.get(k.as_str()), n.get(k.as_str()));
            if a == b {
                continue;
            }
            let key = format!("{prefix}{k}");
            if let (Some(x @ Value::Object(_)), Some(y @ Value::Object(_))) = (a, b) {
                self.metadata_below(at, &format!("{key}/"), x, y, &[]);
                continue;
            }
            let what = match (a, b) {
                (None, _) => "added",
                (_, None) => "removed",
                _ => "changed",
            };
            let shown = key.replace('/', ".");
            self.push(
                Kind::MetadataChanged,
                at,
                &key,
                format!("`{}`: `{shown}` {what}", at.element),
                a.map(short),
                b.map(short),
            );
        }
    }
}

/// A value as shown in a change: scalars as written, collections as compact JSON (cut).
pub(crate) fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 80 { format!("{}…", s.chars().take(79).collect::<String>()) } else { s }
}

fn json<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap_or(Value::Null)
}

/// An element of a list, as matching sees it.
pub(crate) struct Key {
    pub id: Option<String>,
    pub name: String,
    /// The explicit `physicalName`, when written.
    pub physical: Option<String>,
}

impl Key {
    /// The name in the data: `physicalName`, else `name`.
    fn data_name(&self) -> &str {
        self.physical.as_deref().unwrap_or(&self.name)
    }
}

/// Whether two keys name the same element (one matching round).
type Same = dyn Fn(&Key, &Key) -> bool;

/// Matches two lists: by `id`, then by name, then by explicit `physicalName`. Returns the
/// pairs (old index, new index), the removed old indexes and the added new ones.
pub(crate) fn match_keys(old: &[Key], new: &[Key]) -> (Vec<(usize, usize)>, Vec<usize>, Vec<usize>) {
    let mut pairs = Vec::new();
    let mut o_left: Vec<bool> = vec![true; old.len()];
    let mut n_left: Vec<bool> = vec![true; new.len()];
    let rounds: [&Same; 3] = [
        &|a, b| a.id.is_some() && a.id == b.id,
        &|a, b| a.name == b.name && (a.id.is_none() || b.id.is_none() || a.id == b.id),
        // A `physicalName` written on either side names the same data: `note` renamed to
        // `customer_note` with `physicalName: note` is the same column.
        &|a, b| (a.physical.is_some() || b.physical.is_some()) && a.data_name() == b.data_name(),
    ];
    for same in rounds {
        for (i, a) in old.iter().enumerate() {
            if !o_left[i] {
                continue;
            }
            if let Some(j) = (0..new.len()).find(|&j| n_left[j] && same(a, &new[j])) {
                o_left[i] = false;
                n_left[j] = false;
                pairs.push((i, j));
            }
        }
    }
    let removed = (0..old.len()).filter(|&i| o_left[i]).collect();
    let added = (0..new.len()).filter(|&j| n_left[j]).collect();
    (pairs, removed, added)
}

/// Compares two versions of a contract.
pub(crate) fn contracts(old: &LoadedContract, new: &LoadedContract) -> Vec<Change> {
    let mut d =
        Differ { old, new, changes: Vec::new(), renamed: Default::default(), renamed_properties: Default::default() };
    let (o, n) = (&old.contract, &new.contract);
    let root = At::new(&n.id, "", "");
    if o.status != n.status {
        let (a, b) = (o.status.clone().unwrap_or_default(), n.status.clone().unwrap_or_default());
        let kind = match b.to_ascii_lowercase().as_str() {
            "retired" => Kind::StatusRetired,
            "deprecated" => Kind::StatusDeprecated,
            _ => Kind::StatusChanged,
        };
        d.push(kind, &root, "status", format!("status `{a}` -> `{b}`"), Some(a), Some(b));
    }
    d.metadata(
        &root,
        &json(o),
        &json(n),
        &["id", "kind", "version", "status", "servers", "schema", "slaProperties", "slaDefaultElement"],
    );
    servers(&mut d, o.servers.as_deref().unwrap_or(&[]), n.servers.as_deref().unwrap_or(&[]));
    objects(&mut d, o.schema.as_deref().unwrap_or(&[]), n.schema.as_deref().unwrap_or(&[]));
    crate::quality::slas(&mut d);
    d.changes
}

fn servers(d: &mut Differ<'_>, old: &[Server], new: &[Server]) {
    let key = |s: &Server| Key { id: s.id.clone(), name: s.server.clone(), physical: None };
    let (pairs, removed, added) =
        match_keys(&old.iter().map(key).collect::<Vec<_>>(), &new.iter().map(key).collect::<Vec<_>>());
    for i in removed {
        let (op, el) = (format!("/servers/{i}"), format!("servers.{}", old[i].server));
        d.push(
            Kind::ServerRemoved,
            &At::new(&el, &op, "/servers"),
            "",
            format!("server `{}` is gone", old[i].server),
            None,
            None,
        );
    }
    for j in added {
        let (np, el) = (format!("/servers/{j}"), format!("servers.{}", new[j].server));
        d.push(
            Kind::ServerAdded,
            &At::new(&el, "/servers", &np),
            "",
            format!("new server `{}`", new[j].server),
            None,
            None,
        );
    }
    for (i, j) in pairs {
        let (op, np) = (format!("/servers/{i}"), format!("/servers/{j}"));
        let el = format!("servers.{}", new[j].server);
        let at = At::new(&el, &op, &np);
        let (a, b) = (json(&old[i]), json(&new[j]));
        let info = ["id", "description", "environment", "roles"];
        let (ao, bo) = (a.as_object().cloned().unwrap_or_default(), b.as_object().cloned().unwrap_or_default());
        let keys: BTreeSet<&String> = ao.keys().chain(bo.keys()).filter(|k| !info.contains(&k.as_str())).collect();
        for k in keys {
            let (x, y) = (ao.get(k.as_str()), bo.get(k.as_str()));
            if x != y {
                let what = if k == "server" { "renamed" } else { "changed" };
                d.push(
                    Kind::ServerChanged,
                    &at,
                    k,
                    format!("server `{}`: `{k}` {what}", old[i].server),
                    x.map(short),
                    y.map(short),
                );
            }
        }
        let pick = |v: &Value| {
            Value::Object(
                v.as_object()
                    .map(|m| {
                        m.iter()
                            .filter(|(k, _)| info.contains(&k.as_str()))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect()
                    })
                    .unwrap_or_default(),
            )
        };
        d.metadata(&at, &pick(&a), &pick(&b), &[]);
    }
}

/// The name of an object or property in the data.
fn physical_of(name: &str, physical: Option<&String>) -> String {
    physical.cloned().unwrap_or_else(|| name.to_owned())
}

fn objects(d: &mut Differ<'_>, old: &[SchemaObject], new: &[SchemaObject]) {
    let key = |o: &SchemaObject| Key { id: o.id.clone(), name: o.name.clone(), physical: o.physical_name.clone() };
    let (pairs, removed, added) =
        match_keys(&old.iter().map(key).collect::<Vec<_>>(), &new.iter().map(key).collect::<Vec<_>>());
    for i in removed {
        let op = format!("/schema/{i}");
        d.push(
            Kind::ObjectRemoved,
            &At::new(&old[i].name, &op, "/schema"),
            "",
            format!("schema object `{}` is gone", old[i].name),
            Some(old[i].name.clone()),
            None,
        );
    }
    for j in added {
        let np = format!("/schema/{j}");
        d.push(
            Kind::ObjectAdded,
            &At::new(&new[j].name, "/schema", &np),
            "",
            format!("new schema object `{}`", new[j].name),
            None,
            Some(new[j].name.clone()),
        );
    }
    for &(i, j) in &pairs {
        if old[i].name != new[j].name {
            d.renamed.insert(old[i].name.clone(), new[j].name.clone());
        }
        // The top-level properties matched by id or physicalName under another name.
        let (pa, pb) = (old[i].properties.as_deref().unwrap_or(&[]), new[j].properties.as_deref().unwrap_or(&[]));
        let key = |(k, p): (usize, &Property)| Key {
            id: p.id.clone(),
            name: prop_name(p, k),
            physical: p.physical_name.clone(),
        };
        let (props, _, _) = match_keys(
            &pa.iter().enumerate().map(key).collect::<Vec<_>>(),
            &pb.iter().enumerate().map(key).collect::<Vec<_>>(),
        );
        for (x, y) in props {
            let (a, b) = (
                format!("{}.{}", old[i].name, prop_name(&pa[x], x)),
                format!("{}.{}", new[j].name, prop_name(&pb[y], y)),
            );
            if a != b {
                d.renamed_properties.insert(a, b);
            }
        }
    }
    for (i, j) in pairs {
        let (a, b) = (&old[i], &new[j]);
        let (op, np) = (format!("/schema/{i}"), format!("/schema/{j}"));
        let at = At::new(&b.name, &op, &np);
        let (pa, pb) = (physical_of(&a.name, a.physical_name.as_ref()), physical_of(&b.name, b.physical_name.as_ref()));
        if a.name != b.name {
            let (kind, why) = if pa == pb {
                (Kind::ObjectLogicalNameChanged, format!("(its data is still `{pb}`)"))
            } else {
                (Kind::ObjectRenamed, "(matched by `id`)".to_owned())
            };
            d.push(
                kind,
                &at,
                "name",
                format!("schema object `{}` renamed to `{}` {why}", a.name, b.name),
                Some(a.name.clone()),
                Some(b.name.clone()),
            );
        } else if pa != pb {
            d.push(
                Kind::ObjectPhysicalNameChanged,
                &at,
                "physicalName",
                format!("`{}`: physical name `{pa}` -> `{pb}`", b.name),
                Some(pa),
                Some(pb),
            );
        }
        if a.deprecated != Some(true) && b.deprecated == Some(true) {
            d.push(
                Kind::PropertyDeprecated,
                &at,
                "deprecated",
                format!("schema object `{}` is deprecated", b.name),
                None,
                None,
            );
        }
        properties(
            d,
            &b.name,
            (a.properties.as_deref().unwrap_or(&[]), &format!("{op}/properties")),
            (b.properties.as_deref().unwrap_or(&[]), &format!("{np}/properties")),
        );
        relationships(
            d,
            &at,
            a.relationships.as_deref().unwrap_or(&[]),
            b.relationships.as_deref().unwrap_or(&[]),
            None,
        );
        crate::quality::rules(d, &at, a.quality.as_deref().unwrap_or(&[]), b.quality.as_deref().unwrap_or(&[]));
        d.metadata(
            &at,
            &json(a),
            &json(b),
            &["id", "name", "physicalName", "deprecated", "properties", "relationships", "quality"],
        );
    }
}

fn prop_name(p: &Property, i: usize) -> String {
    p.name.clone().unwrap_or_else(|| format!("#{}", i + 1))
}

fn properties(d: &mut Differ<'_>, parent: &str, old: (&[Property], &str), new: (&[Property], &str)) {
    let (old, old_ptr) = old;
    let (new, new_ptr) = new;
    let key =
        |(i, p): (usize, &Property)| Key { id: p.id.clone(), name: prop_name(p, i), physical: p.physical_name.clone() };
    let (pairs, removed, added) = match_keys(
        &old.iter().enumerate().map(key).collect::<Vec<_>>(),
        &new.iter().enumerate().map(key).collect::<Vec<_>>(),
    );
    for i in removed {
        let el = format!("{parent}.{}", prop_name(&old[i], i));
        let op = format!("{old_ptr}/{i}");
        d.push(
            Kind::PropertyRemoved,
            &At::new(&el, &op, new_ptr),
            "",
            format!("property `{el}` is gone"),
            old[i].logical_type.map(|t| t.as_str().to_owned()),
            None,
        );
    }
    for j in added {
        let el = format!("{parent}.{}", prop_name(&new[j], j));
        let np = format!("{new_ptr}/{j}");
        let required = new[j].required == Some(true) || new[j].primary_key == Some(true);
        let (kind, msg) = if required {
            (Kind::RequiredPropertyAdded, format!("new required property `{el}`: rows already written do not have it"))
        } else {
            (Kind::PropertyAdded, format!("new property `{el}`"))
        };
        d.push(kind, &At::new(&el, old_ptr, &np), "", msg, None, new[j].logical_type.map(|t| t.as_str().to_owned()));
    }
    for (i, j) in pairs {
        let (a, b) = (&old[i], &new[j]);
        let el = format!("{parent}.{}", prop_name(b, j));
        let (op, np) = (format!("{old_ptr}/{i}"), format!("{new_ptr}/{j}"));
        property(d, &At::new(&el, &op, &np), (a, i), (b, j));
    }
}

fn flag(v: Option<bool>) -> bool {
    v == Some(true)
}

fn property(d: &mut Differ<'_>, at: &At<'_>, (a, i): (&Property, usize), (b, j): (&Property, usize)) {
    let el = at.element;
    let (na, nb) = (prop_name(a, i), prop_name(b, j));
    let (pa, pb) = (physical_of(&na, a.physical_name.as_ref()), physical_of(&nb, b.physical_name.as_ref()));
    if na != nb {
        let (kind, why) = if pa == pb {
            (Kind::PropertyLogicalNameChanged, format!("(the column in the data is still `{pb}`)"))
        } else {
            (Kind::PropertyRenamed, "(matched by `id`): consumers reading the old column break".to_owned())
        };
        d.push(
            kind,
            at,
            "name",
            format!("property `{na}` renamed to `{nb}` {why}"),
            Some(na.clone()),
            Some(nb.clone()),
        );
    } else if pa != pb {
        d.push(
            Kind::PropertyPhysicalNameChanged,
            at,
            "physicalName",
            format!("`{el}`: column `{pa}` -> `{pb}`"),
            Some(pa),
            Some(pb),
        );
    }
    // Types.
    let lt = |t: Option<lakegate_contract::model::LogicalType>| t.map(|t| t.as_str().to_owned());
    let logical = match (a.logical_type, b.logical_type) {
        (Some(x), Some(y)) => types::logical(x, y),
        (None, None) => Direction::Same,
        (None, Some(_)) => Direction::Narrowed,
        (Some(_), None) => Direction::Widened,
    };
    let kind = match logical {
        Direction::Same => None,
        Direction::Widened => Some(Kind::LogicalTypeWidened),
        Direction::Narrowed => Some(Kind::LogicalTypeNarrowed),
        Direction::Changed => Some(Kind::LogicalTypeChanged),
    };
    if let Some(kind) = kind {
        let (x, y) = (lt(a.logical_type), lt(b.logical_type));
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
        d.push(kind, at, "logicalType", format!("`{el}`: logicalType `{}` -> `{}`", show(&x), show(&y)), x, y);
    }
    let physical = match (&a.physical_type, &b.physical_type) {
        (Some(x), Some(y)) => types::physical(x, y),
        (None, None) => Direction::Same,
        (None, Some(_)) => Direction::Narrowed,
        (Some(_), None) => Direction::Widened,
    };
    let kind = match physical {
        Direction::Same if a.physical_type != b.physical_type => Some(Kind::PhysicalTypeRespelled),
        Direction::Same => None,
        Direction::Widened => Some(Kind::PhysicalTypeWidened),
        Direction::Narrowed => Some(Kind::PhysicalTypeNarrowed),
        Direction::Changed => Some(Kind::PhysicalTypeChanged),
    };
    if let Some(kind) = kind {
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "(none)".into());
        d.push(
            kind,
            at,
            "physicalType",
            format!("`{el}`: physicalType `{}` -> `{}`", show(&a.physical_type), show(&b.physical_type)),
            a.physical_type.clone(),
            b.physical_type.clone(),
        );
    }
    // Guarantees.
    let toggles = [
        ("required", flag(a.required), flag(b.required), Kind::RequiredAdded, Kind::RequiredRemoved),
        ("unique", flag(a.unique), flag(b.unique), Kind::UniqueAdded, Kind::UniqueRemoved),
        ("primaryKey", flag(a.primary_key), flag(b.primary_key), Kind::PrimaryKeyAdded, Kind::PrimaryKeyRemoved),
    ];
    for (key, x, y, on, off) in toggles {
        if x != y {
            let kind = if y { on } else { off };
            d.push(kind, at, key, format!("`{el}`: {key} {x} -> {y}"), Some(x.to_string()), Some(y.to_string()));
        }
    }
    if flag(a.primary_key) && flag(b.primary_key) && a.primary_key_position != b.primary_key_position {
        let show = |v: Option<i64>| v.map_or("(none)".to_owned(), |v| v.to_string());
        d.push(
            Kind::PrimaryKeyPositionChanged,
            at,
            "primaryKeyPosition",
            format!("`{el}`: primaryKeyPosition {} -> {}", show(a.primary_key_position), show(b.primary_key_position)),
            Some(show(a.primary_key_position)),
            Some(show(b.primary_key_position)),
        );
    }
    if !flag(a.deprecated) && flag(b.deprecated) {
        d.push(Kind::PropertyDeprecated, at, "deprecated", format!("`{el}` is deprecated"), None, None);
    }
    options(d, at, a.logical_type_options.as_ref(), b.logical_type_options.as_ref());
    enum_values(d, at, "enum", values_of(a), values_of(b));
    classification(d, at, a.classification.as_deref(), b.classification.as_deref());
    relationships(
        d,
        at,
        a.relationships.as_deref().unwrap_or(&[]),
        b.relationships.as_deref().unwrap_or(&[]),
        Some(&na),
    );
    crate::quality::rules(d, at, a.quality.as_deref().unwrap_or(&[]), b.quality.as_deref().unwrap_or(&[]));
    // Nested: struct fields, array items, map keys and values.
    properties(
        d,
        el,
        (a.properties.as_deref().unwrap_or(&[]), &format!("{}/properties", at.old)),
        (b.properties.as_deref().unwrap_or(&[]), &format!("{}/properties", at.new)),
    );
    let nested = |x: &Property| -> Vec<(&'static str, &'static str, Property)> {
        let mut v = Vec::new();
        if let Some(it) = &x.items {
            v.push(("[]", "items", (**it).clone()));
        }
        if let Some(m) = &x.map {
            v.push(("{key}", "map/key", (*m.key).clone()));
            v.push(("{value}", "map/value", (*m.value).clone()));
        }
        v
    };
    let (xa, xb) = (nested(a), nested(b));
    for (suffix, ptr, pa) in &xa {
        let ell = format!("{el}{suffix}");
        let (op, np) = (format!("{}/{ptr}", at.old), format!("{}/{ptr}", at.new));
        match xb.iter().find(|(s2, _, _)| s2 == suffix) {
            Some((_, _, pb)) => property(d, &At::new(&ell, &op, &np), (pa, 0), (pb, 0)),
            None => {
                d.push(Kind::PropertyRemoved, &At::new(&ell, &op, at.new), "", format!("`{ell}` is gone"), None, None)
            }
        }
    }
    for (suffix, ptr, _) in &xb {
        if !xa.iter().any(|(s2, _, _)| s2 == suffix) {
            let ell = format!("{el}{suffix}");
            let np = format!("{}/{ptr}", at.new);
            d.push(Kind::PropertyAdded, &At::new(&ell, at.old, &np), "", format!("new `{ell}`"), None, None);
        }
    }
    d.metadata(
        at,
        &json(a),
        &json(b),
        &[
            "id",
            "name",
            "physicalName",
            "logicalType",
            "physicalType",
            "required",
            "unique",
            "primaryKey",
            "primaryKeyPosition",
            "deprecated",
            "logicalTypeOptions",
            "enum",
            "classification",
            "relationships",
            "quality",
            "properties",
            "items",
            "map",
        ],
    );
}

fn values_of(p: &Property) -> Vec<Value> {
    p.enum_values.iter().flatten().map(|e| e.value.clone()).collect()
}

/// Reports allowed values removed and added (`key` names where they are written).
pub(crate) fn enum_values(d: &mut Differ<'_>, at: &At<'_>, key: &str, old: Vec<Value>, new: Vec<Value>) {
    if old.is_empty() && new.is_empty() {
        return;
    }
    let el = at.element;
    if old.is_empty() {
        d.push(
            Kind::OptionTightened,
            at,
            key,
            format!("`{el}`: allowed values now restricted by `{key}`"),
            None,
            Some(short(&Value::Array(new))),
        );
        return;
    }
    if new.is_empty() {
        d.push(
            Kind::OptionLoosened,
            at,
            key,
            format!("`{el}`: `{key}` removed: any value allowed"),
            Some(short(&Value::Array(old))),
            None,
        );
        return;
    }
    for v in old.iter().filter(|v| !new.contains(v)) {
        d.push(
            Kind::EnumValueRemoved,
            at,
            key,
            format!("`{el}`: value {} no longer allowed", short_quoted(v)),
            Some(short(v)),
            None,
        );
    }
    for v in new.iter().filter(|v| !old.contains(v)) {
        d.push(
            Kind::EnumValueAdded,
            at,
            key,
            format!("`{el}`: value {} now allowed", short_quoted(v)),
            None,
            Some(short(v)),
        );
    }
}

fn short_quoted(v: &Value) -> String {
    format!("`{}`", short(v))
}

fn sensitive(c: Option<&str>) -> bool {
    c.is_some_and(|c| lakegate_checks::compile::REDACTED_CLASSES.contains(&c.trim().to_ascii_lowercase().as_str()))
}

fn classification(d: &mut Differ<'_>, at: &At<'_>, a: Option<&str>, b: Option<&str>) {
    if a.map(str::to_ascii_lowercase) == b.map(str::to_ascii_lowercase) {
        if a != b {
            d.push(
                Kind::MetadataChanged,
                at,
                "classification",
                "`classification` respelled".into(),
                a.map(Into::into),
                b.map(Into::into),
            );
        }
        return;
    }
    let kind = match (sensitive(a), sensitive(b)) {
        (true, false) => Kind::ClassificationRemoved,
        (false, true) => Kind::ClassificationAdded,
        _ => Kind::ClassificationChanged,
    };
    let show = |v: Option<&str>| v.unwrap_or("(none)").to_owned();
    d.push(
        kind,
        at,
        "classification",
        format!("`{}`: classification `{}` -> `{}`", at.element, show(a), show(b)),
        a.map(Into::into),
        b.map(Into::into),
    );
}

/// A bound's value for ordering: numbers as numbers, dates and timestamps as text (ISO 8601
/// orders as text).
fn order(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// A bound: its value and whether it is exclusive.
type Bound = Option<(Value, bool)>;

/// The lower and upper bounds of options, each as (value, exclusive).
fn bounds(o: Option<&LogicalTypeOptions>) -> (Bound, Bound) {
    let mut lo = None;
    let mut hi = None;
    for (_, kind, v) in o.map(LogicalTypeOptions::bounds).unwrap_or_default() {
        match kind {
            BoundKind::Minimum => lo = Some((v.clone(), false)),
            BoundKind::ExclusiveMinimum => lo = Some((v.clone(), true)),
            BoundKind::Maximum => hi = Some((v.clone(), false)),
            BoundKind::ExclusiveMaximum => hi = Some((v.clone(), true)),
        }
    }
    (lo, hi)
}

/// Tighter (`Greater`), looser (`Less`), same or unordered, for a bound where a larger value
/// is tighter (`lower` true: a minimum) or looser.
fn bound_change(
    a: &Option<(Value, bool)>,
    b: &Option<(Value, bool)>,
    lower: bool,
) -> Option<Option<std::cmp::Ordering>> {
    use std::cmp::Ordering::*;
    Some(match (a, b) {
        (None, None) => return None,
        (None, Some(_)) => Some(Greater),
        (Some(_), None) => Some(Less),
        (Some((x, ex)), Some((y, ey))) => {
            let o = order(y, x)?;
            let o = if o == Equal { ey.cmp(ex) } else { o };
            if o == Equal {
                return None;
            }
            Some(if lower { o } else { o.reverse() })
        }
    })
}

fn options(d: &mut Differ<'_>, at: &At<'_>, a: Option<&LogicalTypeOptions>, b: Option<&LogicalTypeOptions>) {
    use std::cmp::Ordering::*;
    let el = at.element;
    let ptr = "logicalTypeOptions";
    let (alo, ahi) = bounds(a);
    let (blo, bhi) = bounds(b);
    let show = |v: &Bound| v.as_ref().map(|(v, ex)| format!("{}{}", short(v), if *ex { " (exclusive)" } else { "" }));
    for (name, x, y, lower) in [("minimum", &alo, &blo, true), ("maximum", &ahi, &bhi, false)] {
        let key = format!("{ptr}/{name}");
        match bound_change(x, y, lower) {
            None => {}
            Some(Some(Greater)) => {
                let word = if x.is_none() { "added" } else { "tightened" };
                d.push(Kind::OptionTightened, at, &key, format!("`{el}`: {name} {word}"), show(x), show(y))
            }
            Some(Some(Less)) => {
                let word = if y.is_none() { "removed" } else { "loosened" };
                d.push(Kind::OptionLoosened, at, &key, format!("`{el}`: {name} {word}"), show(x), show(y))
            }
            Some(_) => d.push(Kind::OptionChanged, at, &key, format!("`{el}`: {name} changed"), show(x), show(y)),
        }
    }
    let d0 = LogicalTypeOptions::default();
    let (a, b) = (a.unwrap_or(&d0), b.unwrap_or(&d0));
    // (name, old, new, larger is tighter)
    let counts = [
        ("minLength", a.min_length, b.min_length, true),
        ("maxLength", a.max_length, b.max_length, false),
        ("minItems", a.min_items, b.min_items, true),
        ("maxItems", a.max_items, b.max_items, false),
        ("minProperties", a.min_properties, b.min_properties, true),
        ("maxProperties", a.max_properties, b.max_properties, false),
    ];
    for (name, x, y, larger_tighter) in counts {
        if x == y {
            continue;
        }
        let tighter = match (x, y) {
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (Some(x), Some(y)) => (y > x) == larger_tighter,
            (None, None) => continue,
        };
        let kind = if tighter { Kind::OptionTightened } else { Kind::OptionLoosened };
        let word = if tighter { "tightened" } else { "loosened" };
        let s = |v: Option<u64>| v.map(|v| v.to_string());
        d.push(kind, at, &format!("{ptr}/{name}"), format!("`{el}`: {name} {word}"), s(x), s(y));
    }
    // Constraints that are either there or not: adding one tightens, removing loosens,
    // changing it is neither.
    let texts = [
        ("pattern", a.pattern.clone(), b.pattern.clone()),
        ("format", a.format.clone(), b.format.clone()),
        ("multipleOf", a.multiple_of.map(|v| v.to_string()), b.multiple_of.map(|v| v.to_string())),
        (
            "uniqueItems",
            a.unique_items.filter(|v| *v).map(|_| "true".into()),
            b.unique_items.filter(|v| *v).map(|_| "true".into()),
        ),
        ("timezone", a.timezone.map(|v| v.to_string()), b.timezone.map(|v| v.to_string())),
        ("defaultTimezone", a.default_timezone.clone(), b.default_timezone.clone()),
        ("dimensions", a.dimensions.map(|v| v.to_string()), b.dimensions.map(|v| v.to_string())),
    ];
    for (name, x, y) in texts {
        let kind = match (&x, &y) {
            (x, y) if x == y => continue,
            (None, Some(_)) => Kind::OptionTightened,
            (Some(_), None) => Kind::OptionLoosened,
            _ => Kind::OptionChanged,
        };
        let word = match kind {
            Kind::OptionTightened => "added",
            Kind::OptionLoosened => "removed",
            _ => "changed",
        };
        d.push(kind, at, &format!("{ptr}/{name}"), format!("`{el}`: {name} {word}"), x, y);
    }
    let req = |o: &LogicalTypeOptions| o.required.clone().unwrap_or_default();
    let (ra, rb) = (req(a), req(b));
    for f in rb.iter().filter(|f| !ra.contains(f)) {
        d.push(
            Kind::OptionTightened,
            at,
            &format!("{ptr}/required"),
            format!("`{el}`: field `{f}` now required"),
            None,
            Some(f.clone()),
        );
    }
    for f in ra.iter().filter(|f| !rb.contains(f)) {
        d.push(
            Kind::OptionLoosened,
            at,
            &format!("{ptr}/required"),
            format!("`{el}`: field `{f}` no longer required"),
            Some(f.clone()),
            None,
        );
    }
    let rest = |o: &LogicalTypeOptions| {
        let mut v = json(o);
        if let Some(m) = v.as_object_mut() {
            for k in [
                "minimum",
                "maximum",
                "exclusiveMinimum",
                "exclusiveMaximum",
                "minLength",
                "maxLength",
                "minItems",
                "maxItems",
                "minProperties",
                "maxProperties",
                "pattern",
                "format",
                "multipleOf",
                "uniqueItems",
                "timezone",
                "defaultTimezone",
                "dimensions",
                "required",
            ] {
                m.remove(k);
            }
        }
        v
    };
    let sub = format!("{}/{ptr}", at.old);
    let subn = format!("{}/{ptr}", at.new);
    d.metadata(&At::new(el, &sub, &subn), &rest(a), &rest(b), &[]);
}

/// A relationship as compared: its type and normalised ends, each end through `end`.
fn rel_key(r: &Relationship, from: Option<&str>, end: &dyn Fn(&str) -> String) -> String {
    let ends =
        |o: &lakegate_contract::either::OneOrMany| o.to_vec().iter().map(|e| end(e)).collect::<Vec<_>>().join(",");
    let f = r.from.as_ref().map(ends).or(from.map(str::to_owned)).unwrap_or_default();
    format!("{} {f} -> {}", r.relationship_type.as_deref().unwrap_or("foreignKey"), ends(&r.to))
}

fn relationships(d: &mut Differ<'_>, at: &At<'_>, old: &[Relationship], new: &[Relationship], from: Option<&str>) {
    // Ends of the old side name objects and properties by their old names: renamed ones are
    // followed (a property by its whole `object.property` end, else its object).
    let follow = |e: &str| -> String {
        if let Some(n) = d.renamed_properties.get(e) {
            return n.clone();
        }
        match e.split_once('.') {
            Some((o, rest)) if d.renamed.contains_key(o) => format!("{}.{rest}", d.renamed[o]),
            _ => e.to_owned(),
        }
    };
    let same = |e: &str| e.to_owned();
    let ka: Vec<String> = old.iter().map(|r| rel_key(r, from, &follow)).collect();
    let kb: Vec<String> = new.iter().map(|r| rel_key(r, from, &same)).collect();
    for (i, k) in ka.iter().enumerate() {
        if !kb.contains(k) {
            let op = format!("{}/relationships/{i}", at.old);
            let np = format!("{}/relationships", at.new);
            d.push(
                Kind::RelationshipRemoved,
                &At::new(at.element, &op, &np),
                "",
                format!("relationship `{k}` is gone"),
                Some(k.clone()),
                None,
            );
        }
    }
    for (j, k) in kb.iter().enumerate() {
        if !ka.contains(k) {
            let np = format!("{}/relationships/{j}", at.new);
            let op = format!("{}/relationships", at.old);
            d.push(
                Kind::RelationshipAdded,
                &At::new(at.element, &op, &np),
                "",
                format!("new relationship `{k}`"),
                None,
                Some(k.clone()),
            );
        }
    }
}
