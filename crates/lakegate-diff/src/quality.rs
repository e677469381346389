//! Quality rules and SLAs: matched, then compared by what they measure and the range of
//! values they accept.

use lakegate_contract::model::{QualityRule, QualityType, SlaProperty};
use serde_json::{Map, Value};

use crate::compare::{At, Differ, Key, enum_values, match_keys, short};
use crate::rules::Kind;

const OPERATORS: [&str; 8] = [
    "mustBe",
    "mustNotBe",
    "mustBeGreaterThan",
    "mustBeGreaterOrEqualTo",
    "mustBeLessThan",
    "mustBeLessOrEqualTo",
    "mustBeBetween",
    "mustNotBeBetween",
];

/// Keys that only document a rule.
const DOCUMENTATION: [&str; 10] = [
    "id",
    "name",
    "description",
    "dimension",
    "tags",
    "businessImpact",
    "authoritativeDefinitions",
    "customProperties",
    "schedule",
    "scheduler",
];

fn warning(severity: Option<&str>) -> bool {
    severity.is_some_and(|s| matches!(s.to_ascii_lowercase().as_str(), "info" | "warning" | "warn" | "low" | "minor"))
}

/// The rule's measure: what it computes, without thresholds, severity or documentation; SQL
/// queries compared with their whitespace collapsed.
fn measure(r: &QualityRule) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    if let Some(m) = v.as_object_mut() {
        for k in OPERATORS.iter().chain(&DOCUMENTATION).chain(&["severity", "rule", "metric"]) {
            m.remove(*k);
        }
        if let Some(metric) = r.library_metric().map(|(m, _)| m) {
            m.insert("metric".into(), Value::String(metric));
        }
        if let Some(Value::String(q)) = m.get_mut("query") {
            *q = q.split_whitespace().collect::<Vec<_>>().join(" ");
        }
        if let Some(Value::Object(imp)) = m.get_mut("implementation") {
            for k in OPERATORS {
                imp.remove(k);
            }
        }
        if let Some(Value::Object(args)) = m.get_mut("arguments") {
            args.remove("validValues");
        }
    }
    v
}

/// The operators of a rule, from the rule or its lakegate implementation.
fn operators(r: &QualityRule) -> Map<String, Value> {
    let v = serde_json::to_value(r).unwrap_or(Value::Null);
    let mut out = Map::new();
    let mut take = |m: &Map<String, Value>| {
        for k in OPERATORS {
            if let Some(x) = m.get(k) {
                out.insert(k.to_owned(), x.clone());
            }
        }
    };
    if let Some(m) = v.as_object() {
        take(m);
    }
    if let Some(Value::Object(imp)) = r.implementation.as_ref() {
        take(imp);
    }
    if out.is_empty() && r.library_metric().is_some_and(|(_, implied)| implied) {
        out.insert("mustBe".into(), Value::from(0));
    }
    out
}

/// The accepted values of a set of operators as one interval `(lo, lo_inclusive, hi,
/// hi_inclusive)`; `None` for `mustNotBe*` or non-numbers (only equality is known then).
fn interval(ops: &Map<String, Value>) -> Option<(f64, bool, f64, bool)> {
    let mut r = (f64::NEG_INFINITY, true, f64::INFINITY, true);
    let mut lower = |x: f64, incl: bool| {
        if x > r.0 || (x == r.0 && !incl) {
            r.0 = x;
            r.1 = incl;
        }
    };
    let mut bounds = Vec::new();
    for (k, v) in ops {
        let n = |v: &Value| v.as_f64();
        match k.as_str() {
            "mustBe" => {
                let x = n(v)?;
                bounds.push((x, true, true));
                bounds.push((x, true, false));
            }
            "mustBeGreaterThan" => bounds.push((n(v)?, false, true)),
            "mustBeGreaterOrEqualTo" => bounds.push((n(v)?, true, true)),
            "mustBeLessThan" => bounds.push((n(v)?, false, false)),
            "mustBeLessOrEqualTo" => bounds.push((n(v)?, true, false)),
            "mustBeBetween" => {
                let a = v.as_array()?;
                bounds.push((n(a.first()?)?, true, true));
                bounds.push((n(a.get(1)?)?, true, false));
            }
            _ => return None,
        }
    }
    for (x, incl, is_lower) in bounds.iter().filter(|b| b.2) {
        let _ = is_lower;
        lower(*x, *incl);
    }
    for (x, incl, _) in bounds.iter().filter(|b| !b.2) {
        if *x < r.2 || (*x == r.2 && !incl) {
            r.2 = *x;
            r.3 = *incl;
        }
    }
    Some(r)
}

/// Whether interval `a` holds `b`.
fn holds(a: (f64, bool, f64, bool), b: (f64, bool, f64, bool)) -> bool {
    let lo = a.0 < b.0 || (a.0 == b.0 && (a.1 || !b.1));
    let hi = a.2 > b.2 || (a.2 == b.2 && (a.3 || !b.3));
    lo && hi
}

fn label(r: &QualityRule) -> String {
    if let Some(n) = r.name.as_ref().or(r.id.as_ref()) {
        return n.clone();
    }
    match r.rule_type {
        Some(QualityType::Sql) => "sql".into(),
        Some(QualityType::Text) => "text".into(),
        // A custom rule is named by what it measures (`min(discount)` of a lakegate rule), not
        // by its engine.
        Some(QualityType::Custom) => {
            let imp = r.implementation.as_ref().and_then(Value::as_object);
            let field = |k: &str| imp.and_then(|m| m.get(k)).and_then(Value::as_str);
            match (field("metric"), field("property").or(field("column"))) {
                (Some(m), Some(p)) => format!("{m}({p})"),
                (Some(m), None) => m.to_owned(),
                _ => format!("{} custom rule", r.engine.as_deref().unwrap_or("custom")),
            }
        }
        _ => r.library_metric().map_or_else(|| "rule".into(), |(m, _)| m),
    }
}

/// A number as written: `10`, not `10.0`.
fn num(v: &Value) -> String {
    match v {
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        Value::Array(a) => format!("[{}]", a.iter().map(num).collect::<Vec<_>>().join(", ")),
        other => short(other),
    }
}

fn text_of(ops: &Map<String, Value>) -> Option<String> {
    (!ops.is_empty()).then(|| ops.iter().map(|(k, v)| format!("{k}: {}", num(v))).collect::<Vec<_>>().join(", "))
}

fn valid_values(r: &QualityRule) -> Vec<Value> {
    r.arguments.as_ref().and_then(|a| a.get("validValues")).and_then(Value::as_array).cloned().unwrap_or_default()
}

/// Compares the quality rules of one element.
pub(crate) fn rules(d: &mut Differ<'_>, at: &At<'_>, old: &[QualityRule], new: &[QualityRule]) {
    let key = |r: &QualityRule| Key { id: r.id.clone(), name: r.name.clone().unwrap_or_default(), physical: None };
    // Rules without id or name are matched by what they measure.
    let anon = |r: &QualityRule| Key { id: None, name: measure(r).to_string(), physical: None };
    let ka: Vec<Key> = old.iter().map(|r| if r.id.is_some() || r.name.is_some() { key(r) } else { anon(r) }).collect();
    let kb: Vec<Key> = new.iter().map(|r| if r.id.is_some() || r.name.is_some() { key(r) } else { anon(r) }).collect();
    let (pairs, removed, added) = match_keys(&ka, &kb);
    let el = at.element;
    for i in removed {
        let r = &old[i];
        let advisory = warning(r.severity.as_deref()) || r.rule_type == Some(QualityType::Text);
        let kind = if advisory { Kind::AdvisoryRuleRemoved } else { Kind::QualityRuleRemoved };
        let op = format!("{}/quality/{i}", at.old);
        let np = format!("{}/quality", at.new);
        d.push(
            kind,
            &At::new(el, &op, &np),
            "",
            format!("`{el}`: quality rule `{}` is gone", label(r)),
            text_of(&operators(r)),
            None,
        );
    }
    for j in added {
        let r = &new[j];
        let np = format!("{}/quality/{j}", at.new);
        let op = format!("{}/quality", at.old);
        d.push(
            Kind::QualityRuleAdded,
            &At::new(el, &op, &np),
            "",
            format!("`{el}`: new quality rule `{}`", label(r)),
            None,
            text_of(&operators(r)),
        );
    }
    for (i, j) in pairs {
        let (a, b) = (&old[i], &new[j]);
        let (op, np) = (format!("{}/quality/{i}", at.old), format!("{}/quality/{j}", at.new));
        let rat = At::new(el, &op, &np);
        let name = label(b);
        let text = b.rule_type == Some(QualityType::Text);
        if measure(a) != measure(b) {
            let kind = if text { Kind::MetadataChanged } else { Kind::QualityRuleChanged };
            d.push(kind, &rat, "", format!("`{el}`: quality rule `{name}` now measures something else"), None, None);
        } else if !text {
            let (oa, ob) = (operators(a), operators(b));
            if oa != ob {
                let kind = match (interval(&oa), interval(&ob)) {
                    (Some(x), Some(y)) if holds(x, y) => Kind::QualityThresholdTightened,
                    (Some(x), Some(y)) if holds(y, x) => Kind::QualityThresholdLoosened,
                    _ => Kind::QualityRuleChanged,
                };
                let word = match kind {
                    Kind::QualityThresholdTightened => "tightened",
                    Kind::QualityThresholdLoosened => "loosened",
                    _ => "moved",
                };
                d.push(kind, &rat, "", format!("`{el}`: threshold of `{name}` {word}"), text_of(&oa), text_of(&ob));
            }
            enum_values(d, &rat, "arguments/validValues", valid_values(a), valid_values(b));
        }
        match (warning(a.severity.as_deref()), warning(b.severity.as_deref())) {
            (false, true) if !text => d.push(
                Kind::QualitySeverityLowered,
                &rat,
                "severity",
                format!("`{el}`: `{name}` is now a warning: its failures no longer block"),
                Some(a.severity.clone().unwrap_or_else(|| "error".into())),
                b.severity.clone(),
            ),
            (true, false) if !text => d.push(
                Kind::QualitySeverityRaised,
                &rat,
                "severity",
                format!("`{el}`: `{name}` is now an error"),
                a.severity.clone(),
                Some(b.severity.clone().unwrap_or_else(|| "error".into())),
            ),
            _ => {}
        }
        let doc = |r: &QualityRule| {
            let v = serde_json::to_value(r).unwrap_or(Value::Null);
            Value::Object(
                v.as_object()
                    .map(|m| {
                        m.iter()
                            .filter(|(k, _)| DOCUMENTATION.contains(&k.as_str()) || (text && k.as_str() != "type"))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect()
                    })
                    .unwrap_or_default(),
            )
        };
        if !(text && measure(a) != measure(b)) {
            d.metadata(&rat, &doc(a), &doc(b), &["id"]);
        }
    }
}

/// Whether a larger value of an SLA property is the stricter promise; `None` when its values
/// cannot be ordered.
fn larger_is_stricter(property: &str) -> Option<bool> {
    match property.to_ascii_lowercase().as_str() {
        "retention" | "availability" => Some(true),
        "freshness" | "latency" | "frequency" | "timetodetect" | "timetonotify" | "timetorepair"
        | "timeofavailability" => Some(false),
        _ => None,
    }
}

/// The SLA's value as a number to order: a duration in seconds, or a percentage.
fn sla_number(s: &SlaProperty) -> Option<f64> {
    if s.property.eq_ignore_ascii_case("availability") {
        return match &s.value {
            Value::Number(n) => n.as_f64(),
            Value::String(t) => t.trim().trim_end_matches('%').trim().parse().ok(),
            _ => None,
        };
    }
    lakegate_contract::units::sla_duration(&s.value, s.unit.as_deref()).ok().map(|d| d.seconds())
}

fn sla_text(s: &SlaProperty) -> String {
    format!("{}{}", short(&s.value), s.unit.as_deref().map(|u| format!(" {u}")).unwrap_or_default())
}

/// Compares the SLA properties of the contract.
pub(crate) fn slas(d: &mut Differ<'_>) {
    // An SLA without `element` applies to the deprecated `slaDefaultElement`: compared by the
    // element it really applies to.
    let effective = |c: &lakegate_contract::Contract| -> Vec<SlaProperty> {
        let mut v = c.sla_properties.clone().unwrap_or_default();
        for s in &mut v {
            if s.element.is_none() {
                s.element = c.sla_default_element.clone();
            }
        }
        v
    };
    let old = effective(&d.old.contract);
    let new = effective(&d.new.contract);
    let key = |s: &SlaProperty| Key {
        id: s.id.clone(),
        name: format!("{} {}", s.property.to_ascii_lowercase(), s.element.as_deref().unwrap_or("")),
        physical: Some(s.property.to_ascii_lowercase()),
    };
    let (pairs, removed, added) =
        match_keys(&old.iter().map(key).collect::<Vec<_>>(), &new.iter().map(key).collect::<Vec<_>>());
    for i in removed {
        let el = format!("slaProperties.{}", old[i].property);
        let op = format!("/slaProperties/{i}");
        d.push(
            Kind::SlaRemoved,
            &At::new(&el, &op, "/slaProperties"),
            "",
            format!("SLA `{}` is gone", old[i].property),
            Some(sla_text(&old[i])),
            None,
        );
    }
    for j in added {
        let el = format!("slaProperties.{}", new[j].property);
        let np = format!("/slaProperties/{j}");
        d.push(
            Kind::SlaAdded,
            &At::new(&el, "/slaProperties", &np),
            "",
            format!("new SLA `{}`", new[j].property),
            None,
            Some(sla_text(&new[j])),
        );
    }
    for (i, j) in pairs {
        let (a, b) = (&old[i], &new[j]);
        let el = format!("slaProperties.{}", b.property);
        let (op, np) = (format!("/slaProperties/{i}"), format!("/slaProperties/{j}"));
        let at = At::new(&el, &op, &np);
        let same_target = a.element == b.element && a.property.eq_ignore_ascii_case(&b.property);
        if !same_target {
            d.push(
                Kind::SlaChanged,
                &at,
                "element",
                format!("SLA `{}` now applies to another element", b.property),
                a.element.clone(),
                b.element.clone(),
            );
        } else if a.value != b.value || a.unit != b.unit || a.value_ext != b.value_ext {
            let kind = match (sla_number(a), sla_number(b), larger_is_stricter(&b.property)) {
                (Some(x), Some(y), Some(_)) if x == y && a.value_ext == b.value_ext => Kind::MetadataChanged,
                (Some(x), Some(y), Some(up)) if a.value_ext == b.value_ext => {
                    if (y > x) == up {
                        Kind::SlaTightened
                    } else {
                        Kind::SlaLoosened
                    }
                }
                _ => Kind::SlaChanged,
            };
            let word = match kind {
                Kind::SlaTightened => "tightened",
                Kind::SlaLoosened => "loosened",
                Kind::MetadataChanged => "written otherwise (same duration)",
                _ => "changed",
            };
            d.push(kind, &at, "value", format!("SLA `{}` {word}", b.property), Some(sla_text(a)), Some(sla_text(b)));
        }
        let doc = |s: &SlaProperty| {
            let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
            if let Some(m) = v.as_object_mut() {
                for k in ["id", "property", "value", "valueExt", "unit", "element"] {
                    m.remove(k);
                }
            }
            v
        };
        d.metadata(&at, &doc(a), &doc(b), &[]);
    }
}
