//! Checks that depend on a column's presence or type.
//!
//! A declared column missing from the data (dropped, renamed, its case changed) or of another
//! type is a contract breach: its `schema.present` / `schema.type` check fails. The value checks
//! over that column cannot be computed, but that is not "data unreadable, retry" (exit 3): they
//! are skipped with a reason that points at the failed schema check, so the run exits 1 and
//! an orchestrator does not retry a breach. A rule over a column that is neither in the data
//! nor declared fails on its own (the contract's rule cannot hold on this data).

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use lakegate_core::{CheckPlan, CheckResult, CheckSpec, DataSchema, Metric, SchemaAssertion, Status};
use sqlparser::ast::{Expr, visit_expressions};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use crate::evaluate::{DatasetFacts, History, evaluate};
use crate::schema::find;

/// Evaluates every check of a contract: [`evaluate`] for each, then the checks over columns
/// whose presence or type check failed are skipped with a reason naming that check.
pub fn evaluate_all<'a>(
    specs: &[CheckSpec],
    lookup: &dyn Fn(&str) -> Option<DatasetFacts<'a>>,
    now: f64,
    history: History<'_>,
) -> Vec<CheckResult> {
    let mut results: Vec<CheckResult> = specs.iter().map(|s| evaluate(s, lookup, now, history)).collect();
    skip_dependents(specs, &mut results, lookup);
    results
}

/// Why a column cannot be used: it is missing, or of another type than declared.
#[derive(Debug, Clone)]
enum Broken {
    Missing(String),
    WrongType(String),
}

/// Rewrites the results of checks over broken columns (see the module doc).
fn skip_dependents<'a>(
    specs: &[CheckSpec],
    results: &mut [CheckResult],
    lookup: &dyn Fn(&str) -> Option<DatasetFacts<'a>>,
) {
    // (dataset, column) -> the failed schema check.
    let mut broken: BTreeMap<(String, String), Broken> = BTreeMap::new();
    let mut declared: BTreeMap<(String, String), String> = BTreeMap::new();
    for (spec, r) in specs.iter().zip(results.iter()) {
        let (Some(ds), CheckPlan::Schema(a)) = (&spec.info.dataset, &spec.plan) else { continue };
        let failed = matches!(r.status, Status::Failed | Status::Warning);
        match a {
            SchemaAssertion::Present { column } => {
                declared.insert((ds.clone(), column.clone()), spec.info.id.clone());
                if failed {
                    broken.insert((ds.clone(), column.clone()), Broken::Missing(spec.info.id.clone()));
                }
            }
            SchemaAssertion::Type { column, .. } if failed => {
                broken.entry((ds.clone(), column.clone())).or_insert(Broken::WrongType(spec.info.id.clone()));
            }
            _ => {}
        }
    }
    for (spec, r) in specs.iter().zip(results.iter_mut()) {
        let Some(ds) = &spec.info.dataset else { continue };
        let (metrics, other): (Vec<Metric>, Option<(&str, &Metric)>) = match &spec.plan {
            CheckPlan::Metric { measure, .. } => (measure.metrics(), measure.other()),
            // A type check of a missing column: the presence check already says it.
            CheckPlan::Schema(SchemaAssertion::Type { column, .. }) => {
                if let Some(Broken::Missing(id)) = broken.get(&(ds.clone(), column.clone())) {
                    skip(r, format!("column `{column}` is missing (see check {id})"));
                }
                continue;
            }
            _ => continue,
        };
        let columns = referenced(&metrics);
        let schema = lookup(ds).and_then(|f: DatasetFacts<'_>| f.schema.ok());
        // The columns each SQL rule names, by their last part (`o.customer_id`), matched against
        // the broken columns of every dataset (a rule may join several); the other dataset's
        // columns of a comparison.
        let sql: Vec<(String, String)> = metrics
            .iter()
            .filter_map(|m| match m {
                Metric::Sql { query } => Some(sql_columns(query)),
                _ => None,
            })
            .flatten()
            .flat_map(|c| {
                let last = c.rsplit('.').next().unwrap_or(&c).to_owned();
                broken.keys().filter(move |(_, col)| *col == last).cloned().collect::<Vec<_>>()
            })
            .collect();
        let compared: Vec<(String, String)> = other
            .map(|(o, m)| referenced(std::slice::from_ref(m)).into_iter().map(|c| (o.to_owned(), c)).collect())
            .unwrap_or_default();
        let in_expressions = expression_referenced(&metrics);
        let own = columns.iter().map(|c| (ds.clone(), c.clone()));
        let mut reason = None;
        for (d, c) in own.chain(sql).chain(compared) {
            match broken.get(&(d.clone(), c.clone())).or_else(|| parent_missing(&broken, &d, &c)) {
                Some(Broken::Missing(id)) => {
                    reason = Some(format!("column `{c}` is missing (see check {id})"));
                    break;
                }
                // A wrongly typed column still has its nulls counted right; but an expression over
                // it compares values of another type (text against a date literal): skipped too.
                Some(Broken::WrongType(id)) if r.status == Status::Errored || in_expressions.contains(&c) => {
                    reason = Some(format!("column `{c}` is not of its declared type (see check {id})"));
                }
                _ => {}
            }
        }
        if let Some(why) = reason {
            skip(r, why);
            continue;
        }
        // A rule over a column that is neither in the data nor declared: the rule fails.
        if r.status == Status::Errored
            && let Some(schema) = schema
            && let Some(c) =
                columns.iter().find(|c| !present(schema, c) && !declared.contains_key(&(ds.clone(), (*c).clone())))
        {
            r.status = match spec.info.severity {
                lakegate_core::Severity::Warning => Status::Warning,
                lakegate_core::Severity::Error => Status::Failed,
            };
            r.message = format!(
                "column `{c}` is not in the data and the contract does not declare it{}",
                crate::schema::rename_hint(schema, c).map(|h| format!("; {h}")).unwrap_or_default()
            );
        }
    }
}

/// `a` missing makes `a.b` missing too.
fn parent_missing<'b>(broken: &'b BTreeMap<(String, String), Broken>, ds: &str, column: &str) -> Option<&'b Broken> {
    let mut path = column;
    while let Some((parent, _)) = path.rsplit_once('.') {
        if let Some(b @ Broken::Missing(_)) = broken.get(&(ds.to_owned(), parent.to_owned())) {
            return Some(b);
        }
        path = parent;
    }
    None
}

fn skip(r: &mut CheckResult, why: String) {
    r.status = Status::Skipped;
    r.observed = None;
    r.value = None;
    r.samples = None;
    r.failing_groups.clear();
    r.message = why;
}

/// Whether `column` (or, for a qualified SQL name `t.c`, its last part) is in the schema.
fn present(schema: &DataSchema, column: &str) -> bool {
    find(schema, column).is_some() || column.rsplit_once('.').is_some_and(|(_, last)| find(schema, last).is_some())
}

/// The columns of this dataset that the metrics read, the columns named in their SQL
/// expressions included, in first-seen order.
pub fn referenced(metrics: &[Metric]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let own = metrics.iter().flat_map(|m| m.columns().into_iter().map(str::to_owned));
    for c in own.chain(expression_referenced(metrics)) {
        if !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// The columns named in the SQL expressions of the metrics (`rowCondition`, `expression`,
/// `where`), not the columns the metrics are about.
fn expression_referenced(metrics: &[Metric]) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack: Vec<&Metric> = metrics.iter().collect();
    while let Some(m) = stack.pop() {
        match m {
            Metric::RowConditionFailures { expression } | Metric::Expression { expression } => {
                out.extend(expression_columns(expression));
            }
            Metric::Filtered { filter, metric } => {
                out.extend(expression_columns(filter));
                stack.push(metric);
            }
            Metric::Grouped { metric, .. } => stack.push(metric),
            _ => {}
        }
    }
    out
}

/// Column names in a SQL query (as [`expression_columns`]); empty when it does not parse.
pub fn sql_columns(query: &str) -> Vec<String> {
    if lakegate_contract::sql::too_deep(query).is_err() {
        return Vec::new();
    }
    let Ok(statements) = Parser::parse_sql(&GenericDialect {}, query) else { return Vec::new() };
    let mut out = Vec::new();
    let _ = visit_expressions(&statements, |e| {
        collect_identifier(e, &mut out);
        ControlFlow::<()>::Continue(())
    });
    out
}

fn collect_identifier(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Identifier(i) => out.push(i.value.clone()),
        Expr::CompoundIdentifier(parts) => {
            out.push(parts.iter().map(|p| p.value.as_str()).collect::<Vec<_>>().join("."));
        }
        _ => {}
    }
}

/// Column names in a SQL expression (`a`, `"My Col"`, `s.a`); empty when it does not parse.
pub fn expression_columns(expression: &str) -> Vec<String> {
    if lakegate_contract::sql::too_deep(expression).is_err() {
        return Vec::new();
    }
    let Ok(mut parser) = Parser::new(&GenericDialect {}).try_with_sql(expression) else { return Vec::new() };
    let Ok(expr) = parser.parse_expr() else { return Vec::new() };
    let mut out = Vec::new();
    let _ = visit_expressions(&expr, |e| {
        collect_identifier(e, &mut out);
        ControlFlow::<()>::Continue(())
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_of_expressions() {
        assert_eq!(
            expression_columns("amount > 0 AND \"Due Date\" >= created_at"),
            ["amount", "Due Date", "created_at"]
        );
        assert_eq!(expression_columns("s.a IS NOT NULL"), ["s.a"]);
        assert_eq!(expression_columns("upper(country) IN ('DE', 'FR')"), ["country"]);
        assert!(expression_columns("((").is_empty());
        assert_eq!(
            sql_columns("SELECT COUNT(*) FROM orders o JOIN c ON o.cid = c.id WHERE c.segment = 'a'"),
            ["o.cid", "c.id", "c.segment"]
        );
        let m = Metric::Filtered {
            filter: "status = 'paid'".into(),
            metric: Box::new(Metric::Aggregate { column: "amount".into(), agg: lakegate_core::Agg::Sum }),
        };
        assert_eq!(referenced(&[m]), ["amount", "status"]);
    }
}
