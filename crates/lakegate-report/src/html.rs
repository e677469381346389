//! The HTML report: one self-contained file (inline CSS and script, no network), rendered
//! with minijinja from a template embedded in the binary, HTML auto-escaped.

use lakegate_core::RunResult;
use minijinja::{Environment, context};

use crate::view;

const TEMPLATE: &str = include_str!("templates/report.html");

/// Renders the report. `link_base` leads from the report's folder to the folder the contract
/// paths are relative to (`../` for a report under `reports/`).
pub fn html(run: &RunResult, link_base: &str) -> Result<String, String> {
    let mut env = Environment::new();
    // `.html` templates are auto-escaped: values from data and contracts are text, never markup.
    env.add_template("report.html", TEMPLATE).map_err(|e| e.to_string())?;
    let tmpl = env.get_template("report.html").map_err(|e| e.to_string())?;
    let contracts: Vec<_> = run.contracts.iter().map(|c| view::contract(c, link_base)).collect();
    let mut domains: Vec<&str> = run.contracts.iter().filter_map(|c| c.domain.as_deref()).collect();
    domains.sort_unstable();
    domains.dedup();
    let mut dimensions: Vec<&str> =
        run.contracts.iter().flat_map(|c| c.checks.iter().filter_map(|r| r.info.dimension.as_deref())).collect();
    dimensions.sort_unstable();
    dimensions.dedup();
    tmpl.render(context! {
        run => run,
        summary => run.summary,
        status => run.summary.status().as_str(),
        problems => view::problems(run, link_base),
        contracts => contracts,
        domains => domains,
        dimensions => dimensions,
    })
    .map_err(|e| e.to_string())
}
