//! Which checks a run runs: `--select`, `--exclude` and `--schema-only`, as dbt and
//! datacontract-cli users expect.
//!
//! A selector is a glob (`*` any text, `?` one character) with an optional method:
//!
//! | selector | selects the checks |
//! |---|---|
//! | `orders`, `orders/ads`, `orders/ads/price`, `orders/*/price/*` | whose id (`contract/object/property/rule`), or a `/`-prefix of it, matches: a contract, an object, a column, a check |
//! | `contract:GLOB` | of the contracts whose id matches |
//! | `object:GLOB` (also `schema:`, `dataset:`) | on the schema objects whose name matches |
//! | `column:GLOB` (also `property:`) | on the properties whose name matches |
//! | `check:GLOB` | whose whole id matches |
//! | `tag:GLOB`, `dimension:GLOB`, `kind:GLOB`, `severity:error\|warning` | by the rule's tags, ODCS dimension, check kind (`schema.present`, `library.nullValues`, `sql`, ...) and severity (case-insensitive) |
//!
//! Several selectors in one value separated by spaces, or given by repeating the flag, are a
//! union; joined by `,` they are an intersection (`--select orders,dimension:completeness`).
//! `--exclude` removes what it matches from the selection. A deselected check is not run and
//! not reported; a contract with no selected check is not read at all.

use std::collections::BTreeSet;

use anyhow::bail;
use lakegate_core::{CheckInfo, CheckPlan, CheckSpec, ContractPlan};

/// One method:pattern test.
#[derive(Debug, Clone)]
struct Atom {
    method: Method,
    pattern: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    Path,
    Contract,
    Object,
    Column,
    Check,
    Tag,
    Dimension,
    Kind,
    Severity,
}

/// Selectors joined by `,`: all must match.
#[derive(Debug, Clone)]
struct Selector {
    text: String,
    atoms: Vec<Atom>,
}

/// The parsed `--select`, `--exclude` and `--schema-only`.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    select: Vec<Selector>,
    exclude: Vec<Selector>,
    schema_only: bool,
}

/// What applying a selection did.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// Checks not run.
    pub deselected: usize,
    /// Selectors (as typed) that matched no check of the run.
    pub unmatched: Vec<String>,
    /// Deselected schema checks kept in the plans, evaluated but not reported: they read no
    /// data, and a kept value check over a missing column is skipped with a reason that
    /// names its presence check only when that check was evaluated.
    pub hidden: BTreeSet<String>,
}

/// `*` any text (also `/`), `?` one character; everything else literal.
pub fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

fn parse_atom(text: &str, flag: &str) -> anyhow::Result<Atom> {
    let (method, pattern) = match text.split_once(':') {
        Some((m, p)) => {
            let method = match m.to_ascii_lowercase().as_str() {
                "contract" => Method::Contract,
                "object" | "schema" | "dataset" | "model" => Method::Object,
                "column" | "property" => Method::Column,
                "check" | "id" => Method::Check,
                "tag" => Method::Tag,
                "dimension" => Method::Dimension,
                "kind" => Method::Kind,
                "severity" => Method::Severity,
                other => bail!(
                    "`{flag} {text}`: unknown selector method `{other}:` (contract, object, column, check, tag, \
                     dimension, kind, severity; or a check id pattern such as `orders/ads/*`)"
                ),
            };
            (method, p)
        }
        None => (Method::Path, text),
    };
    if pattern.is_empty() {
        bail!("`{flag} {text}`: the selector has no pattern");
    }
    Ok(Atom { method, pattern: pattern.to_owned() })
}

fn parse(values: &[String], flag: &str) -> anyhow::Result<Vec<Selector>> {
    let mut out = Vec::new();
    for v in values {
        for word in v.split_whitespace() {
            let atoms =
                word.split(',').filter(|a| !a.is_empty()).map(|a| parse_atom(a, flag)).collect::<Result<_, _>>()?;
            out.push(Selector { text: word.to_owned(), atoms });
        }
        if v.trim().is_empty() {
            bail!("`{flag}` needs a selector (e.g. `{flag} orders` or `{flag} tag:finance`)");
        }
    }
    Ok(out)
}

fn lower_glob(pattern: &str, text: &str) -> bool {
    glob(&pattern.to_lowercase(), &text.to_lowercase())
}

impl Atom {
    fn matches(&self, contract: &str, c: &CheckInfo) -> bool {
        let p = self.pattern.as_str();
        match self.method {
            Method::Path => {
                // The id and each of its `/`-prefixes: `orders`, `orders/ads`, `orders/ads/price`.
                c.id.match_indices('/').any(|(i, _)| glob(p, &c.id[..i])) || glob(p, &c.id)
            }
            Method::Contract => glob(p, contract),
            Method::Object => c.dataset.as_deref().is_some_and(|d| glob(p, d)),
            Method::Column => c.property.as_deref().is_some_and(|d| glob(p, d)),
            Method::Check => glob(p, &c.id),
            Method::Tag => c.tags.iter().any(|t| lower_glob(p, t)),
            Method::Dimension => c.dimension.as_deref().is_some_and(|d| lower_glob(p, d)),
            Method::Kind => lower_glob(p, &c.kind),
            Method::Severity => lower_glob(
                p,
                match c.severity {
                    lakegate_core::Severity::Error => "error",
                    lakegate_core::Severity::Warning => "warning",
                },
            ),
        }
    }
}

impl Selector {
    fn matches(&self, contract: &str, c: &CheckInfo) -> bool {
        self.atoms.iter().all(|a| a.matches(contract, c))
    }
}

impl Selection {
    /// Parses the flags; a malformed selector is a usage error.
    pub fn parse(select: &[String], exclude: &[String], schema_only: bool) -> anyhow::Result<Selection> {
        Ok(Selection { select: parse(select, "--select")?, exclude: parse(exclude, "--exclude")?, schema_only })
    }

    /// Whether every check runs.
    pub fn is_all(&self) -> bool {
        self.select.is_empty() && self.exclude.is_empty() && !self.schema_only
    }

    fn keeps(&self, contract: &str, spec: &CheckSpec, used: &mut BTreeSet<String>) -> bool {
        let mut keep = true;
        if self.schema_only && !matches!(spec.plan, CheckPlan::Schema(_)) {
            keep = false;
        }
        if !self.select.is_empty() {
            let mut any = false;
            for s in &self.select {
                if s.matches(contract, &spec.info) {
                    used.insert(format!("s{}", s.text));
                    any = true;
                }
            }
            keep &= any;
        }
        for s in &self.exclude {
            if s.matches(contract, &spec.info) {
                used.insert(format!("x{}", s.text));
                keep = false;
            }
        }
        keep
    }

    /// Drops the deselected checks of `plans`, and the metrics only they needed (so their
    /// data is never read: `--schema-only` reads schemas and footers, no rows), and the
    /// contracts left without a check.
    pub fn apply(&self, plans: &mut Vec<ContractPlan>) -> Applied {
        let mut applied = Applied::default();
        if self.is_all() {
            return applied;
        }
        let mut used = BTreeSet::new();
        for p in plans.iter_mut() {
            let before = p.checks.len();
            let id = p.id.clone();
            let hidden = &mut applied.hidden;
            p.checks.retain(|spec| {
                if self.keeps(&id, spec, &mut used) {
                    return true;
                }
                let schema = matches!(spec.plan, CheckPlan::Schema(_));
                if schema {
                    hidden.insert(spec.info.id.clone());
                }
                schema
            });
            let gone =
                before - p.checks.len() + p.checks.iter().filter(|c| applied.hidden.contains(&c.info.id)).count();
            if gone == 0 {
                continue;
            }
            applied.deselected += gone;
            // The metrics the kept checks need, as compile derives them.
            for d in &mut p.datasets {
                d.metrics.clear();
            }
            let needs: Vec<(String, lakegate_core::Metric)> = p
                .checks
                .iter()
                .filter_map(|spec| match (&spec.info.dataset, &spec.plan) {
                    (Some(ds), CheckPlan::Metric { measure, .. }) => Some((ds, measure)),
                    _ => None,
                })
                .flat_map(|(ds, measure)| {
                    let own = measure.metrics().into_iter().map(move |m| (ds.clone(), m));
                    let other = measure.other().map(|(o, m)| (o.to_owned(), m.clone()));
                    own.chain(other)
                })
                .collect();
            for (ds, m) in needs {
                if let Some(d) = p.datasets.iter_mut().find(|d| d.name == ds) {
                    d.metrics.insert(m);
                }
            }
        }
        plans.retain(|p| p.checks.iter().any(|c| !applied.hidden.contains(&c.info.id)));
        for (prefix, list) in [("s", &self.select), ("x", &self.exclude)] {
            for s in list {
                if !used.contains(&format!("{prefix}{}", s.text)) {
                    let flag = if prefix == "s" { "--select" } else { "--exclude" };
                    applied.unmatched.push(format!("{flag} {}", s.text));
                }
            }
        }
        applied
    }
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("orders", "orders"));
        assert!(!glob("orders", "orders2"));
        assert!(glob("orders/*", "orders/ads/price/required"));
        assert!(glob("*/price/*", "orders/ads/price/required"));
        assert!(glob("a?c", "abc"));
        assert!(!glob("a?c", "ac"));
        assert!(glob("*", ""));
        assert!(glob("**x", "yyx"));
        assert!(!glob("*x", "xy"));
    }
}
