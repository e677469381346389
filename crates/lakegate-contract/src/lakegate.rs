//! lakegate's own rules: `type: custom`, `engine: lakegate`, with an `implementation` object.
//!
//! ```yaml
//! - type: custom
//!   engine: lakegate
//!   severity: warning
//!   implementation:
//!     metric: avg
//!     property: amount            # defaults to the enclosing property
//!     where: "status = 'paid'"    # optional row filter, polars SQL
//!     mustBeBetween: [40, 55]     # exactly one operator
//! ```
//!
//! The implementation is validated as strictly as the rest of the contract.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The metrics lakegate rules compute, with what each needs.
pub const METRICS: &[(&str, &str)] = &[
    ("rowCount", "rows"),
    ("nullCount", "column"),
    ("min", "column"),
    ("max", "column"),
    ("avg", "column"),
    ("sum", "column"),
    ("stddev", "column"),
    ("median", "column"),
    ("quantile", "column, q"),
    ("distinctCount", "column"),
    ("distinctRatio", "column"),
    ("minLength", "column"),
    ("maxLength", "column"),
    ("avgLength", "column"),
    ("forbiddenValues", "column, values"),
    ("distinctValues", "column, one of subsetOf/supersetOf/equals"),
    ("rowCondition", "expression"),
    ("expression", "expression"),
    ("increasing", "column, orderBy"),
    ("decreasing", "column, orderBy"),
    ("freshness", "column"),
    ("partitionFreshness", "column (the partition key)"),
    ("rowCountComparison", "compareTo"),
    ("aggregateComparison", "column, aggregate, compareTo"),
];

/// The `implementation` of a lakegate rule.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LakegateRule {
    /// The metric (see the README for the list).
    pub metric: String,
    /// The property; defaults to the enclosing property of a property-level rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    /// Row filter, a polars SQL predicate.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
    /// quantile: the quantile in [0, 1].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<f64>,
    /// forbiddenValues: the forbidden values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Value>>,
    /// distinctValues: every distinct value is in this list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subset_of: Option<Vec<Value>>,
    /// distinctValues: every value of this list occurs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superset_of: Option<Vec<Value>>,
    /// distinctValues: the distinct values are exactly this list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Vec<Value>>,
    /// rowCondition: a boolean expression over the row; expression: an aggregate expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// increasing/decreasing: the column giving the row order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_by: Option<String>,
    /// increasing/decreasing: equal consecutive values break the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
    /// Comparisons: the other dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare_to: Option<CompareTo>,
    /// Comparisons: `ratio` (this / other, the default) or `difference` (this - other).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// aggregateComparison: the statistic compared (sum, avg, min, max, count, distinctCount).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregate: Option<String>,
    /// Segments: evaluate the operator per group of these columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by: Option<Vec<String>>,
    /// Compare the metric with its history: the operator applies to the change statistic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
    /// Operator: equal to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_be: Option<f64>,
    /// Operator: not equal to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_not_be: Option<f64>,
    /// Operator: `>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_be_greater_than: Option<f64>,
    /// Operator: `>=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_be_greater_or_equal_to: Option<f64>,
    /// Operator: `<`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_be_less_than: Option<f64>,
    /// Operator: `<=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_be_less_or_equal_to: Option<f64>,
    /// Operator: inclusive range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_be_between: Option<Vec<f64>>,
    /// Operator: outside the inclusive range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub must_not_be_between: Option<Vec<f64>>,
}

/// A change rule: the metric of this run against the same check's past runs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Change {
    /// relative (percent from the baseline mean), absolute, zscore (sigmas), mad (robust
    /// sigmas from the median), seasonal (zscore against the same weekday).
    pub method: String,
    /// The baseline: the last N runs (a number) or the runs of the last period (`14d`, `12h`).
    pub window: Value,
    /// Fewer baseline points than this: the check is skipped, never passed (default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_history: Option<u64>,
    /// `dayOfWeek`: the baseline holds only runs of the same weekday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seasonality: Option<String>,
    /// Keep failed and errored past runs in the baseline (default false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_failed: Option<bool>,
    /// After this many consecutive failed runs, the failing level is taken as the new normal:
    /// the baseline restarts at the first run of the streak (failed runs included). Without
    /// it, a legitimate level shift keeps the check failing until the contract changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rebase_after: Option<u64>,
}

/// The change methods.
pub const CHANGE_METHODS: [&str; 5] = ["relative", "absolute", "zscore", "mad", "seasonal"];

/// A window as the number of runs, or as seconds.
pub fn window(v: &Value) -> Option<Result<u64, f64>> {
    match v {
        Value::Number(n) => n.as_u64().filter(|n| *n > 0).map(Ok),
        Value::String(s) => {
            let s = s.trim();
            let split = s.find(|c: char| !c.is_ascii_digit() && c != '.')?;
            let (num, unit) = s.split_at(split);
            let n: f64 = num.parse().ok()?;
            (n > 0.0).then_some(())?;
            crate::units::parse_unit(unit).map(|u| Err(n * u))
        }
        _ => None,
    }
}

/// The other side of a comparison.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CompareTo {
    /// The id of another contract (default: this one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<String>,
    /// The schema object.
    pub object: String,
    /// aggregateComparison: the property there (default: the same name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    /// Row filter there.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub filter: Option<String>,
}

/// Metrics that compute one value over the rows (so `groupBy` applies).
pub const AGGREGATES: [&str; 15] = [
    "rowCount",
    "nullCount",
    "min",
    "max",
    "avg",
    "sum",
    "stddev",
    "median",
    "quantile",
    "distinctCount",
    "distinctRatio",
    "minLength",
    "maxLength",
    "avgLength",
    "expression",
];

/// The metrics each optional argument applies to.
const ARGUMENTS: &[(&str, &[&str])] = &[
    ("q", &["quantile"]),
    ("values", &["forbiddenValues"]),
    ("subsetOf", &["distinctValues"]),
    ("supersetOf", &["distinctValues"]),
    ("equals", &["distinctValues"]),
    ("expression", &["rowCondition", "expression"]),
    ("orderBy", &["increasing", "decreasing"]),
    ("strict", &["increasing", "decreasing"]),
    ("compareTo", &["rowCountComparison", "aggregateComparison"]),
    ("method", &["rowCountComparison", "aggregateComparison"]),
    ("aggregate", &["aggregateComparison"]),
];

/// Metrics that read no single property.
const NO_PROPERTY: [&str; 4] = ["rowCount", "rowCondition", "expression", "rowCountComparison"];

/// Checks what serde cannot: known metric, its arguments, one operator. Returns
/// (pointer suffix, message, help) for each problem.
pub fn problems(r: &LakegateRule, enclosing_property: Option<&str>) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut err = |key: &str, msg: String, help: &str| out.push((key.to_owned(), msg, help.to_owned()));
    let m = r.metric.as_str();
    let Some((_, needs)) = METRICS.iter().find(|(n, _)| *n == m) else {
        let names: Vec<&str> = METRICS.iter().map(|(n, _)| *n).collect();
        let help = crate::diagnostic::did_you_mean(m, names.iter().copied())
            .map_or_else(|| format!("lakegate metrics: {}", names.join(", ")), |s| format!("did you mean `{s}`?"));
        err("metric", format!("unknown lakegate metric `{m}`"), &help);
        return out;
    };
    let ops: Vec<&str> = r.operators().into_iter().map(|(name, _)| name).collect();
    match ops.len() {
        0 => err(
            "",
            format!("lakegate rule `{m}` has no operator"),
            "add exactly one of mustBe, mustNotBe, mustBeGreaterThan, ...",
        ),
        1 => {}
        _ => err(
            ops[1],
            format!("lakegate rule `{m}` has {} operators: {}", ops.len(), ops.join(", ")),
            "a rule takes exactly one operator",
        ),
    }
    for (key, range) in [("mustBeBetween", &r.must_be_between), ("mustNotBeBetween", &r.must_not_be_between)] {
        if let Some(range) = range
            && !(range.len() == 2 && range[0] < range[1])
        {
            err(
                key,
                format!("`{key}` must be two increasing numbers"),
                "write `[low, high]` with low < high (inclusive)",
            );
        }
    }
    let set = [
        ("q", r.q.is_some()),
        ("values", r.values.is_some()),
        ("subsetOf", r.subset_of.is_some()),
        ("supersetOf", r.superset_of.is_some()),
        ("equals", r.equals.is_some()),
        ("expression", r.expression.is_some()),
        ("orderBy", r.order_by.is_some()),
        ("strict", r.strict.is_some()),
        ("compareTo", r.compare_to.is_some()),
        ("method", r.method.is_some()),
        ("aggregate", r.aggregate.is_some()),
    ];
    for (key, is_set) in set {
        let applies = ARGUMENTS.iter().find(|(k, _)| *k == key).is_some_and(|(_, ms)| ms.contains(&m));
        if is_set && !applies {
            err(
                key,
                format!("`{key}` does not apply to lakegate metric `{m}`"),
                "remove it, or pick the metric it belongs to",
            );
        }
    }
    if r.property.is_some() && NO_PROPERTY.contains(&m) {
        err("property", format!("`property` does not apply to lakegate metric `{m}`"), "this metric reads whole rows");
    }
    let has_column = r.property.is_some() || enclosing_property.is_some();
    // `partitionFreshness` defaults to the object's `partitioned: true` property (check finds it).
    if needs.starts_with("column") && !has_column && m != "partitionFreshness" {
        err(
            "",
            format!("lakegate metric `{m}` needs a property"),
            "set `property:`, or put the rule under the property",
        );
    }
    let need = |set: bool, key: &str, what: &str, out: &mut Vec<(String, String, String)>| {
        if !set {
            out.push((String::new(), format!("lakegate metric `{m}` needs `{key}`"), what.to_owned()));
        }
    };
    match m {
        "quantile" => {
            need(r.q.is_some(), "q", "the quantile, in [0, 1]", &mut out);
            if let Some(q) = r.q
                && !(0.0..=1.0).contains(&q)
            {
                out.push(("q".into(), format!("quantile `q` must be in [0, 1], got {q}"), "e.g. `q: 0.95`".into()));
            }
        }
        "forbiddenValues" => need(r.values.is_some(), "values", "the list of forbidden values", &mut out),
        "distinctValues" => {
            let n = [&r.subset_of, &r.superset_of, &r.equals].iter().filter(|v| v.is_some()).count();
            if n != 1 {
                out.push((
                    String::new(),
                    "`distinctValues` takes exactly one of `subsetOf`, `supersetOf`, `equals`".into(),
                    "pick the set relation to check".into(),
                ));
            }
        }
        "rowCondition" | "expression" => {
            need(r.expression.is_some(), "expression", "a polars SQL expression", &mut out);
            if let Some(e) = &r.expression
                && let Err(why) = crate::sql::check_expression(e)
            {
                out.push((
                    "expression".into(),
                    format!("`expression` cannot be read: {why}"),
                    "a polars SQL expression, e.g. `updated_at >= created_at`".into(),
                ));
            }
        }
        "increasing" | "decreasing" => {
            need(r.order_by.is_some(), "orderBy", "the column that orders the rows", &mut out)
        }
        "rowCountComparison" => {
            need(r.compare_to.is_some(), "compareTo", "`compareTo: { object: ..., contract: ... }`", &mut out)
        }
        "aggregateComparison" => {
            need(r.compare_to.is_some(), "compareTo", "`compareTo: { object: ..., property: ... }`", &mut out);
            match r.aggregate.as_deref() {
                None => out.push((
                    String::new(),
                    "`aggregateComparison` needs `aggregate`".into(),
                    "one of sum, avg, min, max, count, distinctCount".into(),
                )),
                Some(a) if !["sum", "avg", "min", "max", "count", "distinctCount"].contains(&a) => out.push((
                    "aggregate".into(),
                    format!("unknown aggregate `{a}`"),
                    "one of sum, avg, min, max, count, distinctCount".into(),
                )),
                Some(_) => {}
            }
        }
        _ => {}
    }
    if let Some(method) = &r.method
        && !["ratio", "difference"].contains(&method.as_str())
    {
        out.push(("method".into(), format!("unknown comparison method `{method}`"), "`ratio` or `difference`".into()));
    }
    if let Some(c) = &r.change {
        if !CHANGE_METHODS.contains(&c.method.as_str()) {
            let help = crate::diagnostic::did_you_mean(&c.method, CHANGE_METHODS)
                .map_or_else(|| format!("methods: {}", CHANGE_METHODS.join(", ")), |s| format!("did you mean `{s}`?"));
            out.push(("change/method".into(), format!("unknown change method `{}`", c.method), help));
        }
        if window(&c.window).is_none() {
            out.push((
                "change/window".into(),
                "`window` must be a number of runs or a period such as `14d`".into(),
                "e.g. `window: 14` or `window: 14d`".into(),
            ));
        }
        if let Some(s) = &c.seasonality
            && s != "dayOfWeek"
        {
            out.push(("change/seasonality".into(), format!("unknown seasonality `{s}`"), "`dayOfWeek`".into()));
        }
        if r.group_by.is_some() || m == "rowCountComparison" || m == "aggregateComparison" {
            out.push((
                "change".into(),
                format!("`change` does not combine with `{m}`/groupBy"),
                "compare one number per run".into(),
            ));
        }
    }
    if r.group_by.is_some() && !AGGREGATES.contains(&m) {
        out.push((
            "groupBy".into(),
            format!("`groupBy` does not apply to `{m}`"),
            format!("segments apply to: {}", AGGREGATES.join(", ")),
        ));
    }
    if let Some(f) = &r.filter
        && let Err(why) = crate::sql::check_expression(f)
    {
        out.push((
            "where".into(),
            format!("`where` cannot be read: {why}"),
            "a polars SQL predicate, e.g. `status = 'paid'`".into(),
        ));
    }
    out
}
