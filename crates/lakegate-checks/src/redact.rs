//! Classified values never leave: the one choke point for what the engine learned.
//!
//! Every message, JSON field, HTML page, JUnit case, Markdown line, GitHub annotation and
//! OpenMetrics label of a check is made from its metrics (value, detail, per-group values, or
//! the error) and its samples; the engine already redacts samples and exports. Before any check
//! is evaluated, [`redact_metrics`] rewrites the metrics of a dataset that reads a classified
//! column (pii, restricted, confidential, sensitive, secret): the details that quote data values
//! (values outside a set, orphan keys) are replaced, group labels built from classified keys are
//! hidden, and every quoted value in an error message of such a dataset is masked (a CAST error
//! prints the text that did not convert).

use lakegate_core::{Metric, MetricMap, Observed};

use crate::depend::{referenced, sql_columns};

/// The mask shown in place of a classified value.
pub const MASK: &str = "***";

/// Whether `column` (a path such as `s.email`, or a name read by SQL) is classified, or holds a
/// classified field.
fn classified(column: &str, redacted: &[String]) -> bool {
    let last = column.rsplit('.').next().unwrap_or(column);
    redacted.iter().any(|r| {
        r == column
            || r == last
            || r.strip_prefix(column).is_some_and(|rest| rest.starts_with('.'))
            || r.rsplit('.').next() == Some(column)
    })
}

/// The columns a metric reads, SQL included.
fn columns_of(m: &Metric) -> Vec<String> {
    let mut cols = referenced(std::slice::from_ref(m));
    if let Metric::Sql { query } = m {
        cols.extend(sql_columns(query));
    }
    cols
}

/// Text with every quoted value (`'...'`, `"..."`) and bracketed list (`[...]`) masked.
pub fn mask_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        let close = match c {
            '\'' => '\'',
            '"' => '"',
            '[' => ']',
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push(c);
        out.push_str(MASK);
        for d in chars.by_ref() {
            if d == close {
                break;
            }
        }
        out.push(close);
    }
    out
}

/// Rewrites the metrics of one dataset whose classified columns are `redacted` (see the module
/// documentation). A dataset without classified columns is left as it is.
pub fn redact_metrics(metrics: &mut MetricMap, redacted: &[String]) {
    if redacted.is_empty() {
        return;
    }
    for (m, v) in metrics.iter_mut() {
        let touches = columns_of(m).iter().any(|c| classified(c, redacted));
        match v {
            Err(why) => *why = mask_values(why),
            Ok(o) if touches => redact_observed(m, o, redacted),
            Ok(_) => {}
        }
    }
}

fn redact_observed(m: &Metric, o: &mut Observed, redacted: &[String]) {
    if o.detail.is_some() {
        o.detail = Some("the values are not shown: the column is classified".to_owned());
    }
    let mut inner = m;
    while let Metric::Filtered { metric, .. } = inner {
        inner = metric;
    }
    if let (Metric::Grouped { keys, .. }, Some(groups)) = (inner, o.groups.as_mut())
        && keys.iter().any(|k| classified(k, redacted))
    {
        // Group labels are the keys' values: numbered, so the groups stay apart.
        for (i, (label, _)) in groups.iter_mut().enumerate() {
            *label = format!("{MASK} (group {})", i + 1);
        }
    }
}

/// Whether a metric's value is computed from the values of a classified column, so that the
/// number itself could carry them out (`max(ssn)`, `SELECT CAST(secret AS INT) ...`, or one
/// character at a time through `strpos`): SQL and expressions that read one, and value
/// statistics of one. Counts of rows (nulls, invalid values, duplicates, distinct values) are
/// what a contract checks, and stay shown.
pub fn hides_value(m: &Metric, redacted: &[String]) -> bool {
    use lakegate_core::Agg;
    if redacted.is_empty() {
        return false;
    }
    match m {
        // SQL can also name columns without writing them: `COLUMNS('^e')`, `*`, `* EXCLUDE (...)`.
        Metric::Sql { query: text }
        | Metric::Expression { expression: text }
        | Metric::RowConditionFailures { expression: text } => {
            let lower = text.to_ascii_lowercase();
            lower.contains("columns(") || has_wildcard(&lower) || columns_of(m).iter().any(|c| classified(c, redacted))
        }
        Metric::Filtered { filter, metric } => {
            crate::depend::expression_columns(filter).iter().any(|c| classified(c, redacted))
                || hides_value(metric, redacted)
        }
        Metric::Grouped { metric, .. } => hides_value(metric, redacted),
        Metric::Aggregate { column, agg } => {
            classified(column, redacted)
                && !matches!(agg, Agg::Count | Agg::NullCount | Agg::DistinctCount | Agg::DistinctRatio)
        }
        Metric::MaxEpoch { column } | Metric::MinEpoch { column } | Metric::MaxGap { column } => {
            classified(column, redacted)
        }
        Metric::RowCount
        | Metric::NullCount { .. }
        | Metric::NullAnyCount { .. }
        | Metric::MissingCount { .. }
        | Metric::InvalidCount { .. }
        | Metric::DuplicateCount { .. }
        | Metric::DistinctOutside { .. }
        | Metric::DistinctAbsent { .. }
        | Metric::OrderBreaks { .. }
        | Metric::OrphanCount { .. } => false,
    }
}

/// Whether SQL selects columns by a wildcard (`SELECT *`, `t.*`, `f(*)` other than `count(*)`,
/// `* EXCLUDE`): a `*` after `select`, `(`, `,` or `.`, not a multiplication.
fn has_wildcard(lower: &str) -> bool {
    let text = lower.replace("count(*)", "count(1)");
    let mut before = String::new();
    for c in text.chars() {
        if c == '*' {
            let prev = before.trim_end();
            if prev.ends_with(['(', ',', '.']) || prev.ends_with("select") || prev.ends_with("distinct") {
                return true;
            }
        }
        before.push(c);
    }
    false
}

/// Hides the observed values of the checks whose metrics [`hides_value`]: the verdict stays,
/// the number (and per-group numbers) does not. `redacted` gives a dataset's classified columns.
pub fn hide_observed(
    specs: &[lakegate_core::CheckSpec],
    results: &mut [lakegate_core::CheckResult],
    redacted: &dyn Fn(&str) -> Vec<String>,
) {
    for (spec, r) in specs.iter().zip(results.iter_mut()) {
        let (Some(ds), lakegate_core::CheckPlan::Metric { measure, .. }) = (&spec.info.dataset, &spec.plan) else {
            continue;
        };
        let classified_columns = redacted(ds);
        let mut metrics = measure.metrics();
        // A comparison shows the other dataset's number too.
        if let Some((_, other)) = measure.other() {
            metrics.push(other.clone());
        }
        if metrics.iter().any(|m| hides_value(m, &classified_columns)) && r.observed.is_some() {
            r.observed = None;
            r.value = None;
            r.failing_groups.clear();
            r.baseline = None;
            r.message = "the observed value is not shown: it is computed from a classified column".to_owned();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lakegate_core::{Agg, Literal};

    #[test]
    fn wildcards_are_told_from_multiplications() {
        assert!(has_wildcard("select * exclude (id) from t"));
        assert!(has_wildcard("select max(t.*) from t"));
        assert!(!has_wildcard("select count(*) from t"));
        assert!(!has_wildcard("price * quantity = total"));
    }

    #[test]
    fn quoted_values_are_masked() {
        assert_eq!(
            mask_values(r#"conversion from `str` to `i32` failed in column 'email' for 1 out of 3 values: ["a@b.c"]"#),
            "conversion from `str` to `i32` failed in column '***' for 1 out of 3 values: [***]"
        );
        assert_eq!(mask_values("no quotes, `col` kept"), "no quotes, `col` kept");
        assert_eq!(mask_values("unterminated 'abc"), "unterminated '***'");
    }

    #[test]
    fn details_groups_and_errors_of_classified_columns_are_hidden() {
        let redacted = vec!["email".to_owned()];
        let outside = Metric::DistinctOutside { column: "email".into(), values: vec![Literal::Str("x".into())] };
        let grouped = Metric::Grouped {
            keys: vec!["email".into()],
            metric: Box::new(Metric::Aggregate { column: "amount".into(), agg: Agg::Sum }),
        };
        let plain = Metric::DistinctOutside { column: "country".into(), values: vec![] };
        let mut metrics = MetricMap::new();
        metrics.insert(
            outside.clone(),
            Ok(Observed { value: 1.0, detail: Some("outside the set: 'a@b.c'".into()), groups: None }),
        );
        metrics.insert(
            grouped.clone(),
            Ok(Observed { value: 2.0, detail: None, groups: Some(vec![("a@b.c".into(), 1.0), ("d@e.f".into(), 2.0)]) }),
        );
        metrics.insert(
            plain.clone(),
            Ok(Observed { value: 1.0, detail: Some("outside the set: 'XX'".into()), groups: None }),
        );
        metrics.insert(Metric::Sql { query: "SELECT 1".into() }, Err("bad value \"a@b.c\"".into()));
        redact_metrics(&mut metrics, &redacted);
        let all = format!("{metrics:?}");
        assert!(!all.contains("a@b.c") && !all.contains("d@e.f"), "{all}");
        assert!(all.contains("'XX'"), "an unclassified column keeps its detail: {all}");
        let groups = metrics[&grouped].as_ref().expect("grouped").groups.clone().expect("groups");
        assert_eq!(groups[1].0, "*** (group 2)");
    }
}
