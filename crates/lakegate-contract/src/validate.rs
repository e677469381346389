//! Semantic validation: what the standard's JSON Schema rejects beyond key names and types,
//! what it cannot express, and lakegate's warnings.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;
use serde_yaml::Value;

use crate::custom;
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::load::LoadedContract;
use crate::model::{Contract, LogicalType, Property, QualityRule, QualityType, SchemaObject};
use crate::physical;
use crate::servers;
use crate::units;
use crate::versions::Version;

/// The five library metrics of ODCS v3.1.
pub const LIBRARY_METRICS: [&str; 5] = ["nullValues", "missingValues", "invalidValues", "duplicateValues", "rowCount"];
/// The eight comparison operators.
pub const OPERATORS: [&str; 8] = [
    "mustBe",
    "mustNotBe",
    "mustBeGreaterThan",
    "mustBeGreaterOrEqualTo",
    "mustBeLessThan",
    "mustBeLessOrEqualTo",
    "mustBeBetween",
    "mustNotBeBetween",
];
/// Severities lakegate knows; the first five make a failure a warning.
pub const SEVERITIES: [&str; 11] =
    ["info", "warning", "warn", "low", "minor", "error", "critical", "high", "major", "medium", "blocker"];
/// SLA properties lakegate executes.
pub const EXECUTED_SLAS: [&str; 4] = ["freshness", "latency", "retention", "frequency"];
/// `format` values of string properties that lakegate checks.
pub const STRING_FORMATS: [&str; 8] = ["email", "uuid", "uri", "hostname", "ipv4", "ipv6", "date", "date-time"];

struct V<'a> {
    c: &'a LoadedContract,
    root: &'a Value,
    diags: Vec<Diagnostic>,
}

impl V<'_> {
    /// A diagnostic at the key of the node at `ptr` (or the node itself).
    fn at(&mut self, error: bool, code: &'static str, ptr: &str, msg: String, help: Option<String>) {
        let (pos, len) = match self.c.spans.get(ptr) {
            Some(n) => n.key.unwrap_or(n.value),
            None => (self.c.spans.locate(ptr), 1),
        };
        let mut d = if error {
            Diagnostic::error(code, &self.c.file, pos, msg)
        } else {
            Diagnostic::warning(code, &self.c.file, pos, msg)
        }
        .with_len(len);
        d.help = help;
        self.diags.push(d);
    }
    fn error(&mut self, code: &'static str, ptr: &str, msg: impl Into<String>, help: impl Into<String>) {
        self.at(true, code, ptr, msg.into(), Some(help.into()));
    }
    fn warn(&mut self, code: &'static str, ptr: &str, msg: impl Into<String>, help: impl Into<String>) {
        self.at(false, code, ptr, msg.into(), Some(help.into()));
    }
    /// The ODCS version family of the contract.
    fn version(&self) -> Version {
        Version::of(&self.c.contract.api_version).unwrap_or(Version::V3_2)
    }
    /// The name of the schema object that holds the node at `ptr`.
    fn object_name(&self, ptr: &str) -> String {
        let idx = ptr.split('/').nth(2).and_then(|i| i.parse::<usize>().ok());
        idx.and_then(|i| self.c.contract.schema.as_ref()?.get(i))
            .map_or_else(|| "object".to_owned(), |o| o.name.clone())
    }

    /// The keys written at `ptr` in the source document.
    fn keys_at(&self, ptr: &str) -> Vec<String> {
        let mut node = self.root;
        for seg in ptr.split('/').skip(1) {
            let seg = seg.replace("~1", "/").replace("~0", "~");
            node = match node {
                Value::Mapping(m) => match m.get(seg.as_str()) {
                    Some(n) => n,
                    None => return Vec::new(),
                },
                Value::Sequence(s) => match seg.parse::<usize>().ok().and_then(|i| s.get(i)) {
                    Some(n) => n,
                    None => return Vec::new(),
                },
                _ => return Vec::new(),
            };
        }
        match node {
            Value::Mapping(m) => m.keys().filter_map(|k| k.as_str().map(str::to_owned)).collect(),
            _ => Vec::new(),
        }
    }
}

/// Validates a parsed contract; `root` is the document as YAML after variable expansion.
pub fn validate(c: &LoadedContract, root: &Value) -> Vec<Diagnostic> {
    let mut v = V { c, root, diags: Vec::new() };
    let contract = &c.contract;
    fundamentals(&mut v, contract);
    servers_(&mut v, contract);
    let refs = References::of(contract);
    let mut ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
    collect_ids(root, String::new(), &mut ids);
    for (id, ptrs) in &ids {
        for ptr in ptrs.iter().skip(1) {
            v.error(
                "duplicate-id",
                &format!("{ptr}/id"),
                format!("id `{id}` is declared twice"),
                format!(
                    "ids identify rules and elements in reports; the first `{id}` is at line {}",
                    v.c.spans.locate(&format!("{}/id", ptrs[0])).line
                ),
            );
        }
    }
    let mut object_names = BTreeMap::new();
    for (i, obj) in contract.schema.iter().flatten().enumerate() {
        let ptr = format!("/schema/{i}");
        if let Some(first) = object_names.insert(obj.name.clone(), i) {
            v.error(
                "duplicate-name",
                &format!("{ptr}/name"),
                format!("schema object `{}` is declared twice", obj.name),
                format!("the first one is schema object #{}", first + 1),
            );
        }
        schema_object(&mut v, obj, &ptr, &refs);
    }
    sla(&mut v, contract, &refs);
    v.diags
}

/// The object and property names a relationship or SLA element may refer to.
struct References {
    /// object name -> its top-level property names
    objects: BTreeMap<String, BTreeSet<String>>,
}

impl References {
    fn of(c: &Contract) -> References {
        let mut objects = BTreeMap::new();
        for obj in c.schema.iter().flatten() {
            let props: BTreeSet<String> = obj
                .properties
                .iter()
                .flatten()
                .flat_map(|p| [p.name.clone(), p.physical_name.clone()])
                .flatten()
                .collect();
            objects.insert(obj.name.clone(), props.clone());
            if let Some(pn) = &obj.physical_name {
                objects.entry(pn.clone()).or_insert(props);
            }
        }
        References { objects }
    }

    /// Whether `object.property` (or `object` alone when `allow_object`) names an element.
    fn resolves(&self, element: &str, allow_object: bool) -> bool {
        match element.split_once('.') {
            Some((o, p)) => self.objects.get(o).is_some_and(|props| props.contains(p)),
            // A bare property name resolves when exactly one object has it.
            None => {
                (allow_object && self.objects.contains_key(element))
                    || self.objects.values().filter(|props| props.contains(element)).count() == 1
            }
        }
    }
}

/// The customProperties of a construct at `level`: typos of the keys lakegate reads, keys
/// written where lakegate does not read them, and values of the wrong kind.
fn custom_properties(v: &mut V, list: Option<&Vec<crate::model::CustomProperty>>, ptr: &str, level: custom::Level) {
    for (i, cp) in list.into_iter().flatten().enumerate() {
        let kptr = format!("{ptr}/customProperties/{i}/property");
        let owner = crate::load::describe(v.root, &segments(ptr));
        match custom::check_key(&cp.property, level) {
            custom::KeyCheck::Known => {
                if let Some(why) = custom::value_problem(&cp.property, &cp.value) {
                    let vptr = format!("{ptr}/customProperties/{i}/value");
                    v.error(
                        "invalid-value",
                        &vptr,
                        format!("custom property `{}` of {owner}: {why}", cp.property),
                        "lakegate reads this property: give it a value of the kind it takes",
                    );
                }
            }
            custom::KeyCheck::ElsewhereOnly(levels) => v.warn(
                "unread-custom-property",
                &kptr,
                format!("custom property `{}` of {owner} is not read here", cp.property),
                format!(
                    "lakegate reads `{}` on {}",
                    cp.property,
                    levels.iter().map(|l| l.name()).collect::<Vec<_>>().join(" and ")
                ),
            ),
            custom::KeyCheck::Typo(known) => v.warn(
                "unknown-custom-property",
                &kptr,
                format!("custom property `{}` of {owner} is not one lakegate reads", cp.property),
                format!("did you mean `{known}`? As written it is ignored"),
            ),
            custom::KeyCheck::Free => {}
        }
    }
}

fn fundamentals(v: &mut V, c: &Contract) {
    custom_properties(v, c.custom_properties.as_ref(), "", custom::Level::Contract);
    // What v3.1.0 deprecated is the normal form of a v3.0.x contract.
    let v31 = v.version() >= Version::V3_1;
    if c.data_product.is_some() && v31 {
        v.warn(
            "deprecated",
            "/dataProduct",
            "`dataProduct` is deprecated since ODCS v3.1.0",
            "use `name` (and `domain`) instead",
        );
    }
    if c.sla_default_element.is_some() && v31 {
        v.warn(
            "deprecated",
            "/slaDefaultElement",
            "`slaDefaultElement` is deprecated since ODCS v3.1.0",
            "set `element: object.property` on each SLA entry",
        );
    }
    if let Some(crate::either::TeamField::Members(_)) = &c.team
        && v.version() >= Version::V3_1
    {
        v.warn(
            "deprecated",
            "/team",
            "the list form of `team` is deprecated since ODCS v3.1.0",
            "write `team:` as an object with `name` and `members:`",
        );
    }
    if c.id.trim().is_empty() {
        v.error("invalid-value", "/id", "the contract `id` is empty", "set a stable unique id, e.g. a UUID");
    }
}

fn servers_(v: &mut V, c: &Contract) {
    let mut names = BTreeMap::new();
    for (i, s) in c.servers.iter().flatten().enumerate() {
        let ptr = format!("/servers/{i}");
        if let Some(first) = names.insert(s.server.clone(), i) {
            v.error(
                "duplicate-name",
                &format!("{ptr}/server"),
                format!("server `{}` is declared twice", s.server),
                format!("the first one is server #{}", first + 1),
            );
        }
        custom_properties(v, s.custom_properties.as_ref(), &ptr, custom::Level::Server);
        let Some((keys, required)) = servers::keys_of(&s.server_type) else {
            let types = servers::SERVER_TYPES.iter().map(|(t, _, _)| *t);
            let help = did_you_mean(&s.server_type, types).map_or_else(
                || "see `lakegate schema` for the server types of ODCS".to_owned(),
                |t| format!("did you mean `{t}`?"),
            );
            let ptr_type = format!("{ptr}/type");
            let (pos, len) = v.c.spans.get(&ptr_type).map_or((v.c.spans.locate(&ptr), 1), |n| n.value);
            v.diags.push(
                Diagnostic::error(
                    "invalid-value",
                    &v.c.file,
                    pos,
                    format!("unknown server type `{}` in server `{}`", s.server_type, s.server),
                )
                .with_len(len)
                .with_help(help),
            );
            continue;
        };
        for key in v.keys_at(&ptr) {
            let modelled = servers::SERVER_TYPES.iter().any(|(_, k, _)| k.contains(&key.as_str()));
            if modelled && !servers::COMMON_KEYS.contains(&key.as_str()) && !keys.contains(&key.as_str()) {
                v.error(
                    "unknown-key",
                    &format!("{ptr}/{key}"),
                    format!("key `{key}` does not apply to server `{}` of type `{}`", s.server, s.server_type),
                    format!("keys of `{}` servers: {}", s.server_type, keys.join(", ")),
                );
            }
        }
        let written = v.keys_at(&ptr);
        for req in required {
            if !written.iter().any(|k| k == req) {
                v.error(
                    "missing-key",
                    &ptr,
                    format!("missing key `{req}` in server `{}` of type `{}`", s.server, s.server_type),
                    format!("a `{}` server needs: {}", s.server_type, required.join(", ")),
                );
            }
        }
        server_reading(v, c, s, &ptr);
    }
}

/// URL schemes of object storage (as `check` reads them).
const OBJECT_SCHEMES: [&str; 9] = ["s3", "s3a", "gs", "gcs", "az", "azure", "abfs", "abfss", "adl"];

/// What `check` refuses about how a server's files are read, said at lint time: a format lakegate
/// does not read (a warning: another tool may read it; `check` errors the server's datasets), a
/// file location without `{model}` shared by several schema objects (a warning; `check` errors
/// those objects). (An `endpointUrl` carrying a password is refused by `check` with the password
/// hidden; lint does not point at it: its snippet would print the line.)
fn server_reading(v: &mut V, c: &Contract, s: &crate::model::Server, ptr: &str) {
    if let Some(f) = &s.format
        && !matches!(f.to_ascii_lowercase().as_str(), "parquet" | "pq" | "csv" | "tsv" | "json" | "ndjson" | "jsonl")
    {
        v.warn(
            "unsupported-format",
            &format!("{ptr}/format"),
            format!("lakegate does not read format `{f}` (server `{}`)", s.server),
            "lakegate reads parquet, csv and json; `check` errors every dataset read through this server",
        );
    }
    let is_url = |l: &str| {
        l.split_once("://").is_some_and(|(scheme, _)| OBJECT_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()))
    };
    let (key, location) = match s.server_type.to_ascii_lowercase().as_str() {
        "local" => ("path", s.path.as_deref()),
        "s3" | "azure" | "gcs" => ("location", s.location.as_deref()),
        _ => ("location", s.location.as_deref().filter(|l| is_url(l))),
    };
    let objects = c.schema.as_deref().unwrap_or(&[]);
    if let Some(location) = location
        && !location.contains("{model}")
        && objects.len() > 1
    {
        v.warn(
            "shared-location",
            &format!("{ptr}/{key}"),
            format!(
                "the {key} `{location}` of server `{}` has no `{{model}}`: the {} schema objects would all be read \
                 from the same files",
                s.server,
                objects.len()
            ),
            "put `{model}` where each object's name (or physicalName) goes, or give the objects servers of their \
             own; `check` errors these objects",
        );
    }
}

fn schema_object(v: &mut V, obj: &SchemaObject, ptr: &str, refs: &References) {
    if let Some(lt) = &obj.logical_type
        && lt != "object"
    {
        v.error(
            "invalid-value",
            &format!("{ptr}/logicalType"),
            format!("schema object `{}` has logicalType `{lt}`", obj.name),
            "a schema object's logicalType can only be `object`",
        );
    }
    custom_properties(v, obj.custom_properties.as_ref(), ptr, custom::Level::Object);
    let props = obj.properties.as_deref().unwrap_or(&[]);
    properties(v, props, &format!("{ptr}/properties"), &obj.name, refs);
    let mut positions: BTreeMap<i64, String> = BTreeMap::new();
    for (j, p) in props.iter().enumerate() {
        if p.primary_key == Some(true)
            && let Some(pos) = p.primary_key_position.filter(|p| *p >= 1)
        {
            let name = p.name.clone().unwrap_or_default();
            if let Some(first) = positions.insert(pos, name.clone()) {
                v.error(
                    "duplicate-key-position",
                    &format!("{ptr}/properties/{j}/primaryKeyPosition"),
                    format!(
                        "primaryKeyPosition {pos} of `{name}` is already taken by `{first}` in schema object `{}`",
                        obj.name
                    ),
                    "number the columns of a composite key 1, 2, 3, ...",
                );
            }
        }
    }
    for (k, rel) in obj.relationships.iter().flatten().enumerate() {
        let rptr = format!("{ptr}/relationships/{k}");
        relationship(v, rel, &rptr, None, refs);
    }
    let names: BTreeSet<String> = props.iter().filter_map(|p| p.name.clone()).collect();
    for (k, rule) in obj.quality.iter().flatten().enumerate() {
        quality(v, rule, &format!("{ptr}/quality/{k}"), None, &names);
    }
}

fn relationship(
    v: &mut V,
    rel: &crate::model::Relationship,
    ptr: &str,
    from_property: Option<&str>,
    refs: &References,
) {
    let to = rel.to.to_vec();
    let from = match (&rel.from, from_property) {
        (Some(_), Some(p)) => {
            v.error(
                "invalid-relationship",
                &format!("{ptr}/from"),
                format!("a relationship of property `{p}` cannot set `from`"),
                "at property level `from` is the property itself; move the relationship to the schema object to set `from`",
            );
            return;
        }
        (Some(f), None) => f.to_vec(),
        (None, Some(p)) => vec![p.to_owned()],
        (None, None) => {
            v.error(
                "missing-key",
                ptr,
                "missing key `from` in a schema-level relationship",
                "write `from: object.property` (or a list for a composite key)",
            );
            return;
        }
    };
    if matches!(rel.from, Some(crate::either::OneOrMany::Many(_)))
        != matches!(rel.to, crate::either::OneOrMany::Many(_))
        && rel.from.is_some()
        || from.len() != to.len()
    {
        v.error(
            "invalid-relationship",
            &format!("{ptr}/to"),
            format!("relationship `from` has {} column(s) and `to` has {}", from.len(), to.len()),
            "a composite key lists the same number of columns on both sides, in the same order",
        );
        return;
    }
    if to.is_empty() {
        v.error(
            "invalid-relationship",
            &format!("{ptr}/to"),
            "relationship `to` is empty",
            "name at least one `object.property`",
        );
    }
    for (side, list) in [("to", &to), ("from", &from)] {
        if side == "from" && from_property.is_some() {
            continue;
        }
        for (i, r) in list.iter().enumerate() {
            if !refs.resolves(r, false) {
                let item = format!("{ptr}/{side}/{i}");
                let p = if v.c.spans.get(&item).is_some() { item } else { format!("{ptr}/{side}") };
                v.warn(
                    "unresolved-reference",
                    &p,
                    format!("relationship `{side}` names `{r}`, which is no `object.property` of this contract"),
                    "`check` reports this relationship as errored; references to other contracts are not resolved yet",
                );
            }
        }
    }
}

fn properties(v: &mut V, props: &[Property], ptr: &str, object: &str, refs: &References) {
    let mut names = BTreeMap::new();
    for (j, p) in props.iter().enumerate() {
        let pptr = format!("{ptr}/{j}");
        match &p.name {
            Some(n) => {
                if let Some(first) = names.insert(n.clone(), j) {
                    v.error(
                        "duplicate-name",
                        &format!("{pptr}/name"),
                        format!("property `{n}` is declared twice in `{object}`"),
                        format!("the first one is property #{}", first + 1),
                    );
                }
            }
            None if v.keys_at(&pptr).iter().any(|k| k == "name") => {}
            None => v.error(
                "missing-key",
                &pptr,
                format!("missing key `name` in property #{} of `{object}`", j + 1),
                "every property needs a `name` (the column name)",
            ),
        }
        property(v, p, &pptr, refs);
    }
}

fn property(v: &mut V, p: &Property, ptr: &str, refs: &References) {
    let name = p.name.clone().unwrap_or_else(|| "?".into());
    let lt = p.logical_type;
    let written = v.keys_at(ptr);
    let typed = written.iter().any(|k| k == "logicalType" || k == "physicalType");
    if lt.is_none() && p.physical_type.is_none() && !typed {
        v.warn(
            "missing-type",
            ptr,
            format!("property `{name}` has no `logicalType` nor `physicalType`"),
            "without a type lakegate checks only presence and the rules you write",
        );
    }
    if let Some(pt) = &p.physical_type
        && physical::parse(pt).is_none()
    {
        v.warn(
            "unknown-physical-type",
            &format!("{ptr}/physicalType"),
            format!("physicalType `{pt}` of `{name}` is not a type lakegate knows"),
            match physical::suggest(pt) {
                Some(s) => format!("did you mean `{s}`? No type check is derived from an unknown name (`check` skips it)"),
                None => "no type check is derived from it (`check` skips it); known names include VARCHAR(n), STRING, INT, BIGINT, DOUBLE, DECIMAL(p,s), BOOLEAN, DATE, TIMESTAMP_NTZ, ARRAY<T>, STRUCT<a: T>, MAP<K, V>".to_owned(),
            },
        );
    }
    if let Some(opts) = &p.logical_type_options {
        type_options(v, p, opts, &format!("{ptr}/logicalTypeOptions"));
    }
    if p.items.is_some() && lt != Some(LogicalType::Array) {
        v.error(
            "unknown-key",
            &format!("{ptr}/items"),
            format!("`items` of `{name}` needs `logicalType: array`"),
            "set `logicalType: array`, or remove `items`",
        );
    }
    if p.map.is_some() && lt != Some(LogicalType::Map) {
        v.error(
            "unknown-key",
            &format!("{ptr}/map"),
            format!("`map` of `{name}` needs `logicalType: map`"),
            "set `logicalType: map`, or remove `map`",
        );
    }
    if p.properties.is_some() && lt.is_some_and(|t| t != LogicalType::Object) {
        v.error(
            "unknown-key",
            &format!("{ptr}/properties"),
            format!("nested `properties` of `{name}` need `logicalType: object`"),
            "set `logicalType: object`, or remove `properties`",
        );
    }
    if let Some(values) = &p.enum_values {
        let mut seen = BTreeSet::new();
        for (i, e) in values.iter().enumerate() {
            if !seen.insert(e.value.to_string()) {
                v.error(
                    "duplicate-name",
                    &format!("{ptr}/enum/{i}/value"),
                    format!("enum value {} of `{name}` is listed twice", e.value),
                    "list each allowed value once",
                );
            }
        }
        if values.is_empty() {
            v.error(
                "invalid-value",
                &format!("{ptr}/enum"),
                format!("`enum` of `{name}` is empty"),
                "list at least one allowed value",
            );
        }
    }
    if let Some(nested) = &p.properties {
        properties(v, nested, &format!("{ptr}/properties"), &name, refs);
    }
    if let Some(items) = &p.items {
        property(v, items, &format!("{ptr}/items"), refs);
    }
    if let Some(m) = &p.map {
        property(v, &m.key, &format!("{ptr}/map/key"), refs);
        property(v, &m.value, &format!("{ptr}/map/value"), refs);
    }
    for (k, rel) in p.relationships.iter().flatten().enumerate() {
        relationship(v, rel, &format!("{ptr}/relationships/{k}"), Some(&name), refs);
    }
    let none = BTreeSet::new();
    for (k, rule) in p.quality.iter().flatten().enumerate() {
        quality(v, rule, &format!("{ptr}/quality/{k}"), Some(&name), &none);
    }
}

/// Which logicalTypeOptions each logical type takes (the standard's `if logicalType` branches).
fn options_for(lt: LogicalType) -> &'static [&'static str] {
    match lt {
        LogicalType::String => &["minLength", "maxLength", "pattern", "format"],
        LogicalType::Date => &["format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"],
        LogicalType::Timestamp | LogicalType::Time => {
            &["format", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "timezone", "defaultTimezone"]
        }
        LogicalType::Integer | LogicalType::Number => {
            &["multipleOf", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "format"]
        }
        LogicalType::Object => &["minProperties", "maxProperties", "required"],
        LogicalType::Array => &["minItems", "maxItems", "uniqueItems"],
        LogicalType::Vector => {
            &["dimensions", "elementType", "distanceMetric", "embeddingModel", "embeddingModelVersion", "normalized"]
        }
        LogicalType::Boolean | LogicalType::Map => &[],
    }
}

fn type_options(v: &mut V, p: &Property, o: &crate::model::LogicalTypeOptions, ptr: &str) {
    let name = p.name.clone().unwrap_or_else(|| "?".into());
    let Some(lt) = p.logical_type else {
        v.error(
            "missing-key",
            ptr,
            format!("`logicalTypeOptions` of `{name}` need a `logicalType`"),
            "the options that apply depend on the logical type: set `logicalType`",
        );
        return;
    };
    let allowed = options_for(lt);
    for key in v.keys_at(ptr) {
        if !allowed.contains(&key.as_str()) {
            let help = if allowed.is_empty() {
                format!("`{}` takes no logicalTypeOptions", lt.as_str())
            } else {
                format!("options of `{}`: {}", lt.as_str(), allowed.join(", "))
            };
            v.error(
                "unknown-key",
                &format!("{ptr}/{key}"),
                format!("option `{key}` does not apply to `{name}` of logicalType `{}`", lt.as_str()),
                help,
            );
        }
    }
    if let (Some(a), Some(b)) = (o.min_length, o.max_length)
        && a > b
    {
        v.error(
            "invalid-range",
            &format!("{ptr}/minLength"),
            format!("minLength {a} of `{name}` is greater than maxLength {b}"),
            "no value could pass: swap them",
        );
    }
    if let (Some(a), Some(b)) = (o.min_items, o.max_items)
        && a > b
    {
        v.error(
            "invalid-range",
            &format!("{ptr}/minItems"),
            format!("minItems {a} of `{name}` is greater than maxItems {b}"),
            "no value could pass: swap them",
        );
    }
    if let Some(pat) = &o.pattern
        && let Err(e) = regex::Regex::new(pat)
    {
        let first = e.to_string().lines().last().unwrap_or("").trim().to_owned();
        v.error(
            "invalid-pattern",
            &format!("{ptr}/pattern"),
            format!("pattern of `{name}` is not a valid regular expression: {first}"),
            "lakegate uses Rust regex syntax (no look-around, no backreferences)",
        );
    }
    if lt == LogicalType::String
        && let Some(f) = &o.format
        && !STRING_FORMATS.contains(&f.as_str())
    {
        v.warn(
            "unchecked-format",
            &format!("{ptr}/format"),
            format!("format `{f}` of `{name}` is not checked by lakegate"),
            format!("checked formats: {}", STRING_FORMATS.join(", ")),
        );
    }
    if let Some(m) = o.multiple_of
        && m <= 0.0
    {
        v.error(
            "invalid-value",
            &format!("{ptr}/multipleOf"),
            format!("multipleOf of `{name}` must be > 0"),
            "use a positive number",
        );
    }
    let bounds = [
        ("minimum", &o.minimum),
        ("maximum", &o.maximum),
        ("exclusiveMinimum", &o.exclusive_minimum),
        ("exclusiveMaximum", &o.exclusive_maximum),
    ];
    let mut parsed = Vec::new();
    for (key, b) in bounds {
        let Some(b) = b else { continue };
        if key.starts_with("exclusive") && v.version() == Version::V3_0 {
            // v3.0.x: a boolean that makes `minimum`/`maximum` exclusive (JSON Schema draft 4).
            if !b.is_boolean() {
                let bound = if key == "exclusiveMinimum" { "minimum" } else { "maximum" };
                v.error(
                    "invalid-type",
                    &format!("{ptr}/{key}"),
                    format!("{key} of `{name}` must be a boolean in ODCS v3.0.x, got {}", json_short(b)),
                    format!(
                        "in v3.0.x `{key}: true` makes `{bound}` exclusive; since v3.1.0 `{key}` is the bound itself: set `apiVersion: v3.1.0`"
                    ),
                );
            }
            continue;
        }
        let value = match lt {
            LogicalType::Integer | LogicalType::Number => b.as_f64().ok_or("a number"),
            LogicalType::Date => b.as_str().and_then(units::parse_date_bound).ok_or("a date `YYYY-MM-DD`"),
            LogicalType::Timestamp => {
                b.as_str().and_then(units::parse_timestamp_bound).ok_or("a timestamp `YYYY-MM-DDTHH:MM:SSZ`")
            }
            _ => Ok(0.0),
        };
        match value {
            Ok(x) => parsed.push((key, x)),
            Err(what) => v.error(
                "invalid-type",
                &format!("{ptr}/{key}"),
                format!("{key} of `{name}` must be {what}, got {}", json_short(b)),
                format!("the bounds of a `{}` are {what}", lt.as_str()),
            ),
        }
    }
    let lower = parsed.iter().filter(|(k, _)| k.ends_with("inimum")).map(|(_, x)| *x).fold(f64::NEG_INFINITY, f64::max);
    let upper = parsed.iter().filter(|(k, _)| k.ends_with("aximum")).map(|(_, x)| *x).fold(f64::INFINITY, f64::min);
    if lower > upper {
        v.error(
            "invalid-range",
            ptr,
            format!("the lower bound of `{name}` is above its upper bound"),
            "no value could pass: check minimum/maximum",
        );
    }
}

/// A number as users write it (`100`, not `100.0`).
pub fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 { format!("{}", x as i64) } else { x.to_string() }
}

fn json_short(v: &Json) -> String {
    let s = v.to_string();
    if s.len() > 40 { format!("{}...", &s[..s.char_indices().nth(37).map_or(s.len(), |(i, _)| i)]) } else { s }
}

/// Validates one quality rule. `property` is the enclosing property for property-level rules;
/// `object_props` the property names of the enclosing object for object-level rules.
fn quality(v: &mut V, r: &QualityRule, ptr: &str, property: Option<&str>, object_props: &BTreeSet<String>) {
    let label = crate::load::describe(v.root, &segments(ptr));
    let kind = r.rule_type.unwrap_or(QualityType::Library);
    let ops: Vec<&str> = r.operators().into_iter().map(|(name, _)| name).collect();
    let written = v.keys_at(ptr);
    let not_for = |v: &mut V, keys: &[&str], what: &str| {
        for k in keys {
            if written.iter().any(|w| w == k) {
                v.error(
                    "unknown-key",
                    &format!("{ptr}/{k}"),
                    format!("key `{k}` does not apply to a `{what}` rule ({label})"),
                    match *k {
                        "query" => "`query` belongs to `type: sql` rules",
                        "metric" | "rule" | "arguments" => "`metric`, `rule` and `arguments` belong to library rules",
                        "engine" | "implementation" => "`engine` and `implementation` belong to `type: custom` rules",
                        _ => "operators belong to library and sql rules",
                    },
                );
            }
        }
    };
    if let Some(sev) = &r.severity
        && !SEVERITIES.contains(&sev.to_ascii_lowercase().as_str())
    {
        let help = did_you_mean(sev, SEVERITIES).map_or_else(
            || format!("known severities: {}; anything else counts as an error", SEVERITIES.join(", ")),
            |s| format!("did you mean `{s}`? Unknown severities count as errors"),
        );
        v.warn(
            "unknown-severity",
            &format!("{ptr}/severity"),
            format!("severity `{sev}` of {label} is not a known level"),
            help,
        );
    }
    count_unit(v, r, ptr, &label, kind);
    custom_properties(v, r.custom_properties.as_ref(), ptr, custom::Level::QualityRule);
    match kind {
        QualityType::Text => {
            not_for(v, &["metric", "rule", "arguments", "query", "engine", "implementation"], "text");
            not_for(v, &OPERATORS, "text");
            v.warn(
                "skipped-rule",
                ptr,
                format!("{label} is a text rule: `check` reports it as skipped"),
                "text rules document expectations; write a library, sql or lakegate rule to test them",
            );
        }
        QualityType::Custom => {
            not_for(v, &["metric", "rule", "arguments", "query"], "custom");
            not_for(v, &OPERATORS, "custom");
            match &r.engine {
                None => v.error(
                    "missing-key",
                    ptr,
                    format!("missing key `engine` in {label}"),
                    "a custom rule names its `engine`",
                ),
                Some(e) if e.eq_ignore_ascii_case("lakegate") => lakegate_rule(v, r, ptr, &label, property),
                Some(e) => v.warn(
                    "skipped-rule",
                    &format!("{ptr}/engine"),
                    format!("{label} is for engine `{e}`: `check` reports it as skipped"),
                    "lakegate runs library, sql and `engine: lakegate` rules",
                ),
            }
            if r.implementation.is_none() {
                v.error(
                    "missing-key",
                    ptr,
                    format!("missing key `implementation` in {label}"),
                    "a custom rule carries its engine-specific `implementation`",
                );
            }
        }
        QualityType::Sql => {
            not_for(v, &["metric", "rule", "arguments", "engine", "implementation"], "sql");
            operators(v, r, ptr, &label, &ops);
            match &r.query {
                None => v.error(
                    "missing-key",
                    ptr,
                    format!("missing key `query` in {label}"),
                    "a sql rule holds one SELECT returning one number",
                ),
                Some(q) if q.trim().is_empty() => v.error(
                    "invalid-value",
                    &format!("{ptr}/query"),
                    format!("the query of {label} is empty"),
                    "write one SELECT returning one number",
                ),
                Some(q) => sql_query(v, q, ptr, &label, property),
            }
        }
        QualityType::Library => {
            not_for(v, &["query", "engine", "implementation"], "library");
            let implied: Vec<&str> = r.operators_or_implied().into_iter().map(|(name, _)| name).collect();
            operators(v, r, ptr, &label, &implied);
            library(v, r, ptr, &label, property, object_props);
        }
    }
}

/// The schema objects of the contract as SQL names them (lower-case names and columns).
fn sql_objects(c: &LoadedContract) -> Vec<crate::sql::SqlObject> {
    c.contract
        .schema
        .iter()
        .flatten()
        .map(|o| crate::sql::SqlObject {
            names: [Some(&o.name), o.physical_name.as_ref()].into_iter().flatten().map(|n| n.to_lowercase()).collect(),
            columns: o
                .properties
                .iter()
                .flatten()
                .flat_map(|p| [p.name.as_ref(), p.physical_name.as_ref()])
                .flatten()
                .map(|n| n.to_lowercase())
                .collect(),
        })
        .collect()
}

/// The columns a lakegate rule names (`property`, `orderBy`, `groupBy`) and the ones its
/// SQL (`where`, `expression`) reads are properties of the rule's schema object.
fn lakegate_names(v: &mut V, rule: &crate::lakegate::LakegateRule, ptr: &str, label: &str) {
    let iptr = format!("{ptr}/implementation");
    let object = v.object_name(ptr);
    let partitioned = || {
        v.c.contract
            .schema
            .iter()
            .flatten()
            .filter(|o| o.name == object)
            .any(|o| o.properties.iter().flatten().any(|p| p.partitioned == Some(true)))
    };
    if rule.metric == "partitionFreshness" && rule.property.is_none() && !ptr.contains("/properties/") && !partitioned()
    {
        v.error(
            "invalid-rule",
            &iptr,
            format!("`partitionFreshness` of {label} needs a property: `{object}` has no `partitioned: true` property"),
            "set `property:` to the partition column, or mark it `partitioned: true`",
        );
    }
    if rule.metric == "expression"
        && let Some(text) = &rule.expression
        && let Some(c) = crate::sql::unaggregated_columns(text).first()
    {
        v.error(
            "invalid-rule",
            &format!("{iptr}/expression"),
            format!("`expression` of {label} reads `{c}` row by row: it must aggregate the dataset to one number"),
            format!("put `{c}` inside an aggregate such as sum({c}), avg({c}), max({c}) or count({c})"),
        );
    }
    let objects = sql_objects(v.c);
    // An object that declares no property leaves nothing to check names against.
    let Some(obj) = objects.iter().find(|o| o.names.first() == Some(&object.to_lowercase()) && !o.columns.is_empty())
    else {
        return;
    };
    let mut names: Vec<(String, &str)> = Vec::new();
    if let Some(p) = &rule.property {
        names.push(("property".into(), p));
    }
    if let Some(p) = &rule.order_by {
        names.push(("orderBy".into(), p));
    }
    for (i, g) in rule.group_by.iter().flatten().enumerate() {
        names.push((format!("groupBy/{i}"), g));
    }
    for (key, name) in names {
        let lower = name.to_lowercase();
        let head = lower.split('.').next().unwrap_or_default();
        if obj.columns.contains(&lower) || obj.columns.contains(head) {
            continue;
        }
        let help = did_you_mean(&lower, obj.columns.iter().map(String::as_str)).map_or_else(
            || format!("properties of `{object}`: {}", obj.columns.iter().cloned().collect::<Vec<_>>().join(", ")),
            |s| format!("did you mean `{s}`?"),
        );
        let p = format!("{iptr}/{key}");
        let (pos, len) = v.c.spans.get(&p).map_or((v.c.spans.locate(&p), 1), |n| n.value);
        // A lakegate rule may read a column the contract does not declare: a warning.
        v.diags.push(
            Diagnostic::warning(
                "undeclared-property",
                &v.c.file,
                pos,
                format!(
                    "`{}: {name}` in {label}: `{object}` declares no such property (`check` reads it from the data as is)",
                    key.split('/').next().unwrap_or(&key)
                ),
            )
            .with_len(len)
            .with_help(help),
        );
    }
    let quoted = format!("\"{}\"", object.replace('"', "\"\""));
    for (key, text) in [("where", &rule.filter), ("expression", &rule.expression)] {
        let Some(text) = text else { continue };
        let query = if key == "expression" && rule.metric == "expression" {
            format!("SELECT {text} FROM {quoted}")
        } else {
            format!("SELECT 1 FROM {quoted} WHERE {text}")
        };
        for f in crate::sql::analyse(&query, std::slice::from_ref(obj)) {
            // Whether it parses is reported with the rule itself.
            if f.message.starts_with("it does not parse") || f.message.contains("statements") {
                continue;
            }
            // Undeclared columns are read from the data as is: warnings only.
            let p = format!("{iptr}/{key}");
            let code = if f.message.starts_with("column") { "undeclared-property" } else { "engine-sql" };
            let msg = f.message.replace("is no property of the query's tables", "is no declared property");
            v.warn(code, &p, format!("`{key}` of {label}: {msg}"), f.help);
        }
    }
}

/// The query of a sql rule: one read-only SELECT over the contract's objects and columns;
/// what only the embedded engine cannot run is a warning (`check` reports it as errored).
fn sql_query(v: &mut V, q: &str, ptr: &str, label: &str, property: Option<&str>) {
    let object = v.object_name(ptr);
    let objects = sql_objects(v.c);
    let qptr = format!("{ptr}/query");
    for f in crate::sql::analyse(&crate::sql::substitute(q, &object, property), &objects) {
        if f.error {
            v.error("invalid-sql", &qptr, format!("the query of {label} cannot run: {}", f.message), f.help);
        } else {
            v.warn("engine-sql", &qptr, format!("the query of {label}: {}", f.message), f.help);
        }
    }
    for key in crate::sql::server_placeholders(q) {
        let set = v.c.contract.servers.iter().flatten().any(|s| match key {
            "project" => s.project.is_some(),
            "dataset" => s.dataset.is_some(),
            "catalog" => s.catalog.is_some(),
            "database" => s.database.is_some(),
            _ => s.schema.is_some(),
        });
        if !set {
            v.warn(
                "unresolved-placeholder",
                &qptr,
                format!(
                    "`${{{key}}}` in the query of {label} names a server field that no server of this contract sets"
                ),
                format!(
                    "`${{{key}}}` is replaced with the `{key}` of the server `check` runs against: set it on the server"
                ),
            );
        }
    }
}

/// Library metrics whose `unit: percent` is a share of the rows.
const PERCENT_LIBRARY: [&str; 4] = ["nullValues", "missingValues", "invalidValues", "duplicateValues"];
/// lakegate metrics that count rows or values, so that `unit: percent` is a share of the rows.
const PERCENT_LAKEGATE: [&str; 6] =
    ["nullCount", "distinctCount", "forbiddenValues", "rowCondition", "increasing", "decreasing"];

/// The `unit` of a rule lakegate counts with (library rules and lakegate rules other than
/// freshness): `rows` or `percent`, and `percent` only where it is a share of the rows.
fn count_unit(v: &mut V, r: &QualityRule, ptr: &str, label: &str, kind: QualityType) {
    let Some(unit) = &r.unit else { return };
    let metric = match kind {
        QualityType::Library => r.library_metric().map(|(m, _)| m),
        QualityType::Custom if r.engine.as_deref().is_some_and(|e| e.eq_ignore_ascii_case("lakegate")) => {
            r.implementation.as_ref().and_then(|i| i.get("metric")).and_then(Json::as_str).map(str::to_owned)
        }
        // sql rules compute their own number; text and other engines' rules are not run.
        _ => return,
    };
    let Some(metric) = metric else { return };
    if matches!(metric.as_str(), "freshness" | "partitionFreshness") {
        return; // a time unit, checked with the implementation
    }
    let uptr = format!("{ptr}/unit");
    match unit.as_str() {
        "rows" => {}
        "percent" => {
            let share = if kind == QualityType::Library {
                PERCENT_LIBRARY.contains(&metric.as_str())
            } else {
                PERCENT_LAKEGATE.contains(&metric.as_str())
            };
            if !share {
                let (pos, len) = v.c.spans.get(&uptr).map_or((v.c.spans.locate(ptr), 1), |n| n.value);
                v.diags.push(
                    Diagnostic::error(
                        "invalid-unit",
                        &v.c.file,
                        pos,
                        format!("`unit: percent` on `{metric}` in {label}: a percent of what?"),
                    )
                    .with_len(len)
                    .with_help(if metric == "rowCount" {
                        "a row count is a number of rows: remove `unit` or write `unit: rows`".to_owned()
                    } else {
                        format!(
                            "`percent` is 100 * count / rows, for counts ({}); remove `unit`",
                            if kind == QualityType::Library {
                                PERCENT_LIBRARY.join(", ")
                            } else {
                                PERCENT_LAKEGATE.join(", ")
                            }
                        )
                    }),
                );
            }
        }
        other => {
            let (pos, len) = v.c.spans.get(&uptr).map_or((v.c.spans.locate(ptr), 1), |n| n.value);
            let help = match did_you_mean(other, ["rows", "percent"]) {
                Some(s) => format!("did you mean `{s}`? lakegate reads `rows` (the default) or `percent`"),
                None => "lakegate reads `rows` (the default) or `percent` (100 * count / rows)".to_owned(),
            };
            v.diags.push(
                Diagnostic::error("invalid-unit", &v.c.file, pos, format!("unknown unit `{other}` in {label}"))
                    .with_len(len)
                    .with_help(help),
            );
        }
    }
}

fn lakegate_rule(v: &mut V, r: &QualityRule, ptr: &str, label: &str, property: Option<&str>) {
    let Some(imp) = &r.implementation else { return };
    let iptr = format!("{ptr}/implementation");
    if !imp.is_object() {
        v.error(
            "invalid-type",
            &iptr,
            format!("the implementation of lakegate {label} must be a mapping"),
            "write `implementation:` with `metric:` and one operator",
        );
        return;
    }
    // Every fault of the implementation is reported, as for the rest of the document.
    let prefix = segments(&iptr);
    let Some(node) = yaml_node(v.root, &prefix) else { return };
    let mut found = Vec::new();
    let read = crate::load::read_all_at::<crate::lakegate::LakegateRule>(
        &v.c.file,
        v.root,
        &v.c.spans,
        &prefix,
        node,
        &Default::default(),
        &mut found,
    );
    v.diags.extend(found);
    match read {
        None => {}
        Some((rule, repaired)) => {
            let operator_key_removed = repaired.iter().any(|(_, _, code)| *code == "operator-count");
            let meant_key_removed = repaired.iter().any(|(_, _, code)| *code == "missing-key");
            let timed = matches!(rule.metric.as_str(), "freshness" | "partitionFreshness");
            if timed && r.unit.as_deref().and_then(crate::units::parse_unit).is_none() {
                v.error(
                    "invalid-unit",
                    &r.unit.as_ref().map_or_else(|| ptr.to_owned(), |_| format!("{ptr}/unit")),
                    format!("lakegate `{}` in {label} needs a time `unit` on the rule", rule.metric),
                    crate::units::UNIT_HELP,
                );
            }
            if rule.group_by.is_some() && r.unit.as_deref() == Some("percent") {
                v.error(
                    "invalid-rule",
                    &format!("{ptr}/unit"),
                    format!("`unit: percent` does not combine with `groupBy` ({label})"),
                    "drop one of them",
                );
            }
            lakegate_names(v, &rule, ptr, label);
            for (key, msg, help) in crate::lakegate::problems(&rule, property) {
                // An unknown operator-like key is the one error of its rule.
                if (operator_key_removed && msg.contains("has no operator"))
                    || (meant_key_removed && msg.contains(" needs "))
                {
                    continue;
                }
                let p = if key.is_empty() { iptr.clone() } else { format!("{iptr}/{key}") };
                match v.c.spans.get(&p) {
                    // A wrong value (the metric name, q, ...) is pointed at itself.
                    Some(n) if !key.is_empty() && !key.starts_with("must") => {
                        let (pos, len) = n.value;
                        v.diags.push(
                            Diagnostic::error("invalid-rule", &v.c.file, pos, format!("{msg} ({label})"))
                                .with_len(len)
                                .with_help(help),
                        );
                    }
                    _ => v.error("invalid-rule", &p, format!("{msg} ({label})"), help),
                }
            }
        }
    }
}

fn operators(v: &mut V, r: &QualityRule, ptr: &str, label: &str, ops: &[&str]) {
    match ops.len() {
        0 => v.error(
            "operator-count",
            ptr,
            format!("{label} has no operator"),
            format!("add exactly one of: {}", OPERATORS.join(", ")),
        ),
        1 => {}
        _ => v.error(
            "operator-count",
            &format!("{ptr}/{}", ops[1]),
            format!("{label} has {} operators: {}", ops.len(), ops.join(", ")),
            "a rule takes exactly one operator; split it into two rules",
        ),
    }
    for (key, range) in [("mustBeBetween", &r.must_be_between), ("mustNotBeBetween", &r.must_not_be_between)] {
        if let Some(range) = range {
            let ok = range.len() == 2 && range[0] < range[1];
            if !ok {
                v.error(
                    "invalid-between",
                    &format!("{ptr}/{key}"),
                    format!(
                        "`{key}` of {label} must be two increasing numbers, got [{}]",
                        range.iter().map(|x| num(*x)).collect::<Vec<_>>().join(", ")
                    ),
                    format!("write `{key}: [low, high]` with low < high (both inclusive)"),
                );
            }
        }
    }
    for (key, val) in [("mustBe", &r.must_be), ("mustNotBe", &r.must_not_be)] {
        if let Some(val) = val
            && !val.is_number()
        {
            v.error(
                "invalid-type",
                &format!("{ptr}/{key}"),
                format!("`{key}` of {label} must be a number, got {}", json_short(val)),
                "library and sql rules compare one number",
            );
        }
    }
}

/// Arguments each library metric takes.
fn metric_arguments(metric: &str) -> &'static [&'static str] {
    match metric {
        "missingValues" => &["missingValues"],
        "invalidValues" => &["validValues", "pattern"],
        "duplicateValues" => &["properties"],
        _ => &[],
    }
}

fn library(
    v: &mut V,
    r: &QualityRule,
    ptr: &str,
    label: &str,
    property: Option<&str>,
    object_props: &BTreeSet<String>,
) {
    let rule_metric = r.library_metric().map(|(m, _)| m).unwrap_or_default();
    if r.rule.is_some() && v.version() >= Version::V3_1 {
        v.warn(
            "deprecated",
            &format!("{ptr}/rule"),
            format!("`rule` in {label} is deprecated since ODCS v3.1.0"),
            format!("write `metric: {rule_metric}` instead"),
        );
    }
    let (metric, key) = match (&r.metric, &r.rule) {
        (None, Some(_)) => (&rule_metric, "rule"),
        (Some(m), Some(_)) => {
            v.error(
                "invalid-value",
                &format!("{ptr}/rule"),
                format!("{label} sets both `metric` and `rule`"),
                "keep `metric`",
            );
            (m, "metric")
        }
        (Some(m), None) => (m, "metric"),
        (None, None) => {
            let key = if v.version() == Version::V3_0 { "rule" } else { "metric" };
            v.error(
                "missing-key",
                ptr,
                format!("missing key `{key}` in {label}"),
                format!(
                    "a library rule names one of: {}; or set `type: sql`, `text` or `custom`",
                    LIBRARY_METRICS.join(", ")
                ),
            );
            return;
        }
    };
    if !LIBRARY_METRICS.contains(&metric.as_str()) {
        let legacy = match metric.as_str() {
            "duplicateCount" | "unique" => Some("duplicateValues"),
            "nullCount" | "notNull" => Some("nullValues"),
            "validValues" => Some("invalidValues"),
            _ => None,
        };
        let help = legacy.or_else(|| did_you_mean(metric, LIBRARY_METRICS)).map_or_else(
            || format!("library metrics: {}", LIBRARY_METRICS.join(", ")),
            |s| format!("did you mean `{s}`?"),
        );
        let mptr = format!("{ptr}/{key}");
        let (pos, len) = v.c.spans.get(&mptr).map_or((v.c.spans.locate(ptr), 1), |n| n.value);
        v.diags.push(
            Diagnostic::error(
                "unknown-metric",
                &v.c.file,
                pos,
                format!("unknown library metric `{metric}` in {label}"),
            )
            .with_len(len)
            .with_help(help),
        );
        return;
    }
    let allowed = metric_arguments(metric);
    let mut args = r.arguments.clone().unwrap_or_default();
    // A null argument is reported where it stands (structure.rs).
    args.retain(|_, v| !v.is_null());
    for k in args.keys() {
        if !allowed.contains(&k.as_str()) {
            let help = if allowed.is_empty() {
                format!("`{metric}` takes no arguments")
            } else {
                did_you_mean(k, allowed.iter().copied()).map_or_else(
                    || format!("arguments of `{metric}`: {}", allowed.join(", ")),
                    |s| format!("did you mean `{s}`?"),
                )
            };
            v.error(
                "unknown-argument",
                &format!("{ptr}/arguments/{k}"),
                format!("unknown argument `{k}` of metric `{metric}` in {label}"),
                help,
            );
        }
    }
    let column_metric = matches!(metric.as_str(), "nullValues" | "missingValues" | "invalidValues");
    if column_metric && property.is_none() {
        v.error(
            "misplaced-rule",
            &format!("{ptr}/{key}"),
            format!("metric `{metric}` in {label} needs a property, but the rule is on a schema object"),
            "move the rule under the property it checks",
        );
    }
    match metric.as_str() {
        "missingValues" => match args.get("missingValues") {
            Some(Json::Array(_)) => {}
            Some(other) => v.error(
                "invalid-type",
                &format!("{ptr}/arguments/missingValues"),
                format!("`missingValues` of {label} must be a list, got {}", json_short(other)),
                "e.g. `missingValues: [null, '', 'N/A']`",
            ),
            None => v.error(
                "missing-argument",
                ptr,
                format!("metric `missingValues` in {label} needs `arguments.missingValues`"),
                "list the values that count as missing, e.g. `missingValues: [null, '', 'N/A']`",
            ),
        },
        "invalidValues" => {
            let valid = args.get("validValues");
            let pattern = args.get("pattern");
            if valid.is_none() && pattern.is_none() {
                v.error(
                    "missing-argument",
                    ptr,
                    format!("metric `invalidValues` in {label} needs `arguments.validValues` or `arguments.pattern`"),
                    "e.g. `arguments: { validValues: [a, b] }`",
                );
            }
            if let Some(valid) = valid
                && !valid.is_array()
            {
                v.error(
                    "invalid-type",
                    &format!("{ptr}/arguments/validValues"),
                    format!("`validValues` of {label} must be a list, got {}", json_short(valid)),
                    "e.g. `validValues: [paid, shipped]`",
                );
            }
            match pattern {
                Some(Json::String(p)) => {
                    if let Err(e) = regex::Regex::new(p) {
                        let first = e.to_string().lines().last().unwrap_or("").trim().to_owned();
                        v.error(
                            "invalid-pattern",
                            &format!("{ptr}/arguments/pattern"),
                            format!("pattern of {label} is not a valid regular expression: {first}"),
                            "lakegate uses Rust regex syntax (no look-around, no backreferences)",
                        );
                    }
                }
                Some(other) => v.error(
                    "invalid-type",
                    &format!("{ptr}/arguments/pattern"),
                    format!("`pattern` of {label} must be a string, got {}", json_short(other)),
                    "write the regular expression as a quoted string",
                ),
                None => {}
            }
        }
        "duplicateValues" => match (args.get("properties"), property) {
            (None, None) => v.error(
                "missing-argument",
                ptr,
                format!("metric `duplicateValues` on a schema object ({label}) needs `arguments.properties`"),
                "list the columns of the key, e.g. `properties: [order_id, line_no]`",
            ),
            (Some(Json::Array(cols)), _) => {
                for (i, c) in cols.iter().enumerate() {
                    match c.as_str() {
                        Some(name) if property.is_some() || object_props.contains(name) => {}
                        Some(name) => v.error(
                            "unknown-property",
                            &format!("{ptr}/arguments/properties/{i}"),
                            format!("`{name}` in {label} is no property of this schema object"),
                            did_you_mean(name, object_props.iter().map(String::as_str)).map_or_else(
                                || "list declared properties".to_owned(),
                                |s| format!("did you mean `{s}`?"),
                            ),
                        ),
                        None => v.error(
                            "invalid-type",
                            &format!("{ptr}/arguments/properties/{i}"),
                            format!("`properties` of {label} must list property names"),
                            "e.g. `properties: [order_id, line_no]`",
                        ),
                    }
                }
                if cols.is_empty() {
                    v.error(
                        "invalid-value",
                        &format!("{ptr}/arguments/properties"),
                        format!("`properties` of {label} is empty"),
                        "list at least one column",
                    );
                }
            }
            (Some(other), _) => v.error(
                "invalid-type",
                &format!("{ptr}/arguments/properties"),
                format!("`properties` of {label} must be a list, got {}", json_short(other)),
                "e.g. `properties: [order_id, line_no]`",
            ),
            (None, Some(_)) => {}
        },
        _ => {}
    }
}

fn sla(v: &mut V, c: &Contract, refs: &References) {
    for (i, s) in c.sla_properties.iter().flatten().enumerate() {
        let ptr = format!("/slaProperties/{i}");
        let label = s.id.as_deref().map_or_else(|| format!("SLA `{}`", s.property), |id| format!("SLA `{id}`"));
        let element = s.element.clone().or_else(|| c.sla_default_element.clone());
        let executed = EXECUTED_SLAS.contains(&s.property.as_str());
        if let Some(el) = &element {
            for part in el.split(',').map(str::trim) {
                if !refs.resolves(part, !executed) {
                    v.warn(
                        "unresolved-reference",
                        &format!("{ptr}/element"),
                        format!("element `{part}` of {label} names no `object.property` of this contract"),
                        "`check` reports this SLA as errored; write `element: object.property`",
                    );
                }
            }
        }
        if !executed {
            v.warn(
                "skipped-rule",
                &format!("{ptr}/property"),
                format!(
                    "{label}: lakegate has no execution semantics for `{}`; `check` reports it as skipped",
                    s.property
                ),
                format!("lakegate executes: {}", EXECUTED_SLAS.join(", ")),
            );
            continue;
        }
        if element.is_none() {
            v.warn(
                "missing-element",
                &ptr,
                format!("{label} has no `element`: `check` reports it as errored"),
                "write `element: object.timestamp_column`",
            );
        }
        if let Err(why) = units::sla_duration(&s.value, s.unit.as_deref()) {
            // Point at the unit when the unit is what is wrong.
            let at = if why.starts_with("unknown unit") && s.unit.is_some() { "unit" } else { "value" };
            let p = format!("{ptr}/{at}");
            let (pos, len) = v.c.spans.get(&p).map_or((v.c.spans.locate(&ptr), 1), |n| n.value);
            let code = if at == "unit" { "invalid-unit" } else { "invalid-value" };
            v.diags.push(
                Diagnostic::error(code, &v.c.file, pos, format!("{label} is not a duration lakegate can read: {why}"))
                    .with_len(len)
                    .with_help(units::UNIT_HELP),
            );
        }
    }
}

/// The YAML node at `path` of the document.
fn yaml_node<'a>(root: &'a Value, path: &[crate::spans::Seg]) -> Option<&'a Value> {
    use crate::spans::Seg;
    let mut node = root;
    for seg in path {
        node = match (seg, node) {
            (Seg::Key(k), Value::Mapping(m)) => m.get(k.as_str())?,
            (Seg::Index(i), Value::Sequence(s)) => s.get(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

/// The path segments of a JSON pointer.
pub(crate) fn segments(ptr: &str) -> Vec<crate::spans::Seg> {
    use crate::spans::Seg;
    ptr.split('/')
        .skip(1)
        .map(|s| match s.parse::<usize>() {
            Ok(i) => Seg::Index(i),
            Err(_) => Seg::Key(s.replace("~1", "/").replace("~0", "~")),
        })
        .collect()
}

/// Collects every `id` of a node of the document, by pointer, in document order.
fn collect_ids(node: &Value, ptr: String, ids: &mut BTreeMap<String, Vec<String>>) {
    match node {
        Value::Mapping(m) => {
            if !ptr.is_empty()
                && let Some(Value::String(id)) = m.get("id")
            {
                ids.entry(id.clone()).or_default().push(ptr.clone());
            }
            for (k, child) in m {
                if let Some(k) = k.as_str() {
                    collect_ids(child, format!("{ptr}/{}", k.replace('~', "~0").replace('/', "~1")), ids);
                }
            }
        }
        Value::Sequence(s) => {
            for (i, child) in s.iter().enumerate() {
                collect_ids(child, format!("{ptr}/{i}"), ids);
            }
        }
        _ => {}
    }
}
