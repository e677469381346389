//! lakegate's report renderers. Each takes a [`RunResult`] (the JSON report) and returns text:
//! they know nothing of polars or YAML, so `lakegate report RUN.json` re-renders any format
//! from a saved run.

mod catalog;
mod github;
mod html;
mod junit;
mod links;
mod markdown;
mod metrics;
mod view;

pub use catalog::{MAX_PAGE_STEM, catalog_index, catalog_page_names, catalog_product};
pub use github::{annotation, github_annotations};
pub use html::html;
pub use junit::junit;
pub use links::safe_href;
pub use markdown::{MARKDOWN_MARKER, cell as markdown_cell, markdown};
pub use metrics::openmetrics;

use lakegate_core::RunResult;

/// Checks sorted for reading: failed, errored, warning, passed, skipped; then in contract order.
pub fn ordered(run: &RunResult) -> Vec<(&lakegate_core::ContractResult, &lakegate_core::CheckResult)> {
    let mut v: Vec<_> = run.contracts.iter().flat_map(|c| c.checks.iter().map(move |r| (c, r))).collect();
    v.sort_by_key(|(_, r)| r.status);
    v
}

#[cfg(test)]
mod tests {
    use lakegate_core::{
        CheckInfo, CheckResult, ContractResult, Location, RunResult, Samples, Severity, SlaSummary, Status, Summary,
    };

    fn check(id: &str, status: Status, observed: Option<f64>, message: &str) -> CheckResult {
        CheckResult {
            info: CheckInfo {
                id: format!("shop/orders/{id}"),
                kind: id.to_owned(),
                dataset: Some("orders".into()),
                property: Some("amount".into()),
                title: format!("{id} <of> `amount`"),
                location: Location { file: "contracts/shop.odcs.yaml".into(), line: 12, column: 9 },
                severity: if status == Status::Warning { Severity::Warning } else { Severity::Error },
                dimension: Some("conformity".into()),
                tags: vec![],
                business_impact: None,
            },
            status,
            observed,
            value: observed,
            origin: (id == "required").then(|| lakegate_core::ORIGIN_STATISTICS.to_owned()),
            baseline: None,
            trend: vec![],
            failing_since: None,
            expected: "= 0".into(),
            threshold: None,
            message: message.into(),
            failing_groups: vec![],
            samples: None,
        }
    }

    fn run() -> RunResult {
        let mut failed = check("minimum", Status::Failed, Some(2.0), "observed 2, expected = 0");
        failed.samples = Some(Samples {
            columns: vec!["id".into(), "amount".into(), "email".into()],
            rows: vec![vec!["7".into(), "-1".into(), "***".into()], vec!["9".into(), "<b>-3</b>".into(), "***".into()]],
            redacted: vec!["email".into()],
        });
        let mut grouped = check("avg", Status::Warning, Some(1.0), "1 of 3 groups break < 50: NL: 80");
        grouped.failing_groups = vec![("NL".into(), 80.0)];
        let mut change =
            check("rowCount.change", Status::Failed, Some(9.5), "zscore 9.5: value 3000 against 1000 ± 210");
        change.value = Some(3000.0);
        change.baseline = Some(lakegate_core::Baseline {
            method: "zscore".into(),
            points: 3,
            center: 1000.0,
            spread: Some(210.0),
            trend: vec![
                ("2026-11-23T06:00:00Z".into(), 800.0),
                ("2026-11-24T06:00:00Z".into(), 1000.0),
                ("2026-11-25T06:00:00Z".into(), 1200.0),
            ],
        });
        let checks = vec![
            check("required", Status::Passed, Some(0.0), "observed 0, expected = 0"),
            change,
            failed,
            grouped,
            check("sql", Status::Errored, None, "the query failed: column `x` not found"),
            check("text", Status::Skipped, None, "text rule: documentation, not executable"),
        ];
        let summary = Summary::of(&checks);
        RunResult {
            report_version: 1,
            lakegate_version: "0.1.0".into(),
            run_id: "20261126-00000000".into(),
            started_at: "2026-11-26T06:00:00Z".into(),
            finished_at: "2026-11-26T06:00:01Z".into(),
            now: "2026-11-26T06:00:00Z".into(),
            server: None,
            command: vec!["check".into()],
            contracts: vec![ContractResult {
                id: "shop".into(),
                name: Some("shop".into()),
                version: "1.0.0".into(),
                domain: Some("sales".into()),
                owner: Some("team-sales".into()),
                description: Some("Orders of the shop".into()),
                file: "contracts/shop.odcs.yaml".into(),
                server: Some("local".into()),
                slas: vec![SlaSummary {
                    property: "freshness".into(),
                    value: "24".into(),
                    unit: Some("h".into()),
                    element: Some("orders.created_at".into()),
                }],
                datasets: vec![],
                checks,
                summary,
            }],
            summary,
        }
    }

    #[test]
    fn markdown_snapshot() {
        insta::assert_snapshot!(crate::markdown(&run(), "../"));
    }

    #[test]
    fn junit_snapshot() {
        insta::assert_snapshot!(crate::junit(&run()).expect("junit"));
    }

    #[test]
    fn openmetrics_snapshot() {
        let text = crate::openmetrics(&run());
        assert!(text.ends_with("# EOF\n"));
        insta::assert_snapshot!(text);
    }

    #[test]
    fn github_snapshot() {
        insta::assert_snapshot!(crate::github_annotations(&run()));
    }

    #[test]
    fn html_snapshot_is_escaped_and_self_contained() {
        let html = crate::html(&run(), "../").expect("html");
        assert!(
            html.contains("&lt;b&gt;-3&lt;&#x2f;b&gt;") || html.contains("&lt;b&gt;-3&lt;/b&gt;"),
            "sample values are escaped"
        );
        assert!(!html.contains("<b>-3</b>"));
        assert!(html.contains("href=\"..&#x2f;contracts&#x2f;shop.odcs.yaml#L12\""), "links to the rule line");
        assert!(
            html.contains("<polyline points=\"2.0,18.0 27.3,16.5 52.7,15.1 78.0,2.0\""),
            "the change rule's sparkline"
        );
        insta::assert_snapshot!(html);
    }
}
