//! `lakegate catalog`: the static data-product catalog.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use lakegate_contract::model::{Contract, Property};
use lakegate_core::Status;
use serde_json::{Value, json};

use crate::cli::CatalogArgs;

/// The file that marks a `catalog --out` folder as lakegate's.
const CATALOG_MARKER: &str = ".lakegate-catalog";

const CLASSIFIED: [&str; 5] = ["pii", "restricted", "confidential", "sensitive", "secret"];

fn column(p: &Property) -> Value {
    let ty = [p.logical_type.map(|t| t.as_str().to_owned()), p.physical_type.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" / ");
    let mut constraints = Vec::new();
    if p.primary_key == Some(true) {
        constraints.push("primary key".to_owned());
    }
    if p.required == Some(true) {
        constraints.push("required".to_owned());
    }
    if p.unique == Some(true) {
        constraints.push("unique".to_owned());
    }
    if p.partitioned == Some(true) {
        constraints.push("partition".to_owned());
    }
    for r in p.relationships.iter().flatten() {
        constraints.push(format!("→ {}", r.to.to_vec().join(", ")));
    }
    let class = p.classification.clone().unwrap_or_default();
    json!({
        "name": p.name.clone().unwrap_or_default(),
        "type": ty,
        "constraints": constraints.join(", "),
        "classification": class,
        "classified": CLASSIFIED.contains(&class.to_ascii_lowercase().as_str()),
        "description": p.description.clone().unwrap_or_default(),
    })
}

/// A page name from a contract id: letters, digits, `-`, `_` and `.` only.
fn page_name(id: &str) -> String {
    let s: String =
        id.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect();
    format!("{}.html", s.trim_start_matches('.'))
}

fn product(c: &Contract, file: &str, runs: Option<&Vec<(String, Vec<Status>)>>) -> Value {
    let owner = match &c.team {
        Some(lakegate_contract::either::TeamField::Team(t)) => t.name.clone(),
        Some(lakegate_contract::either::TeamField::Members(m)) => m.first().map(|x| x.username.clone()),
        None => None,
    };
    let worst = |statuses: &[Status]| {
        let s = lakegate_core::Summary::of_statuses(statuses.iter().copied());
        (s.status().as_str(), s)
    };
    let health: Vec<&str> =
        runs.map(|r| r.iter().rev().take(20).rev().map(|(_, st)| worst(st).0).collect()).unwrap_or_default();
    let latest = runs.and_then(|r| r.last());
    let (status, summary) = match latest {
        Some((_, st)) => {
            let (w, s) = worst(st);
            (
                w.to_owned(),
                format!("{} passed, {} failed, {} errored, {} warnings", s.passed, s.failed, s.errored, s.warnings),
            )
        }
        None => ("unknown".to_owned(), String::new()),
    };
    let mut relationships = Vec::new();
    let objects: Vec<Value> = c
        .schema
        .iter()
        .flatten()
        .map(|o| {
            for r in o.relationships.iter().flatten() {
                relationships.push(format!(
                    "{} → {}",
                    r.from.as_ref().map(|f| f.to_vec().join(", ")).unwrap_or_default(),
                    r.to.to_vec().join(", ")
                ));
            }
            for p in o.properties.iter().flatten() {
                for r in p.relationships.iter().flatten() {
                    relationships.push(format!(
                        "{}.{} → {}",
                        o.name,
                        p.name.clone().unwrap_or_default(),
                        r.to.to_vec().join(", ")
                    ));
                }
            }
            json!({
                "name": o.name,
                "physical_type": o.physical_type.clone().unwrap_or_default(),
                "description": o.description.clone().unwrap_or_default(),
                "columns": o.properties.iter().flatten().map(column).collect::<Vec<_>>(),
            })
        })
        .collect();
    let slas: Vec<String> = c
        .sla_properties
        .iter()
        .flatten()
        .map(|s| {
            let v = s.value.as_str().map_or_else(|| s.value.to_string(), str::to_owned);
            format!(
                "{} {v} {} {}",
                s.property,
                s.unit.clone().unwrap_or_default(),
                s.element.clone().map(|e| format!("({e})")).unwrap_or_default()
            )
        })
        .collect();
    let name = c.name.clone().unwrap_or_else(|| c.id.clone());
    let columns: Vec<String> =
        c.schema.iter().flatten().flat_map(|o| o.properties.iter().flatten().filter_map(|p| p.name.clone())).collect();
    let search = format!(
        "{name} {} {} {} {}",
        c.id,
        c.domain.clone().unwrap_or_default(),
        owner.clone().unwrap_or_default(),
        columns.join(" ")
    )
    .to_lowercase();
    json!({
        "id": c.id, "name": name, "version": c.version, "domain": c.domain.clone().unwrap_or_default(),
        "owner": owner.unwrap_or_default(), "file": file,
        "description": c.description.as_ref().and_then(|d| d.purpose.clone()).unwrap_or_default(),
        "usage": c.description.as_ref().and_then(|d| d.usage.clone()).unwrap_or_default(),
        "limitations": c.description.as_ref().and_then(|d| d.limitations.clone()).unwrap_or_default(),
        "status": status, "latest": latest.map(|(n, _)| n.clone()), "latest_summary": summary,
        "health": health, "objects": objects, "slas": slas, "relationships": relationships,
        "page": page_name(&c.id), "search": search,
    })
}

/// Writes the site: `index.html` and one page per product.
pub fn run(args: &CatalogArgs) -> anyhow::Result<u8> {
    let Some(contracts) = crate::contracts::load(&args.paths)? else { return Ok(crate::EXIT_INVALID) };
    // Before anything is written: the site folder must be new, empty or a previous catalog.
    if args.out.join("index.html").is_file()
        && !args.out.join(CATALOG_MARKER).exists()
        && std::fs::read_to_string(args.out.join("index.html")).is_ok_and(|t| t.contains("lakegate catalog</title>"))
    {
        // A catalog written before the marker existed.
        std::fs::write(args.out.join(CATALOG_MARKER), "written by lakegate catalog\n")
            .with_context(|| format!("cannot write into `{}`", args.out.display()))?;
    }
    crate::output::claim_folder(&args.out, CATALOG_MARKER, "catalog --out")?;
    // Health: per contract, the statuses of each run, oldest first.
    let mut runs: BTreeMap<String, Vec<(String, Vec<Status>)>> = BTreeMap::new();
    if let Some(dir) = &args.history {
        if !dir.is_dir() {
            bail!("no history in `{}`", dir.display());
        }
        let (rows, warnings) = lakegate_history::load(dir, None, None);
        for w in warnings {
            tracing::warn!("{w}");
        }
        for r in rows {
            let per = runs.entry(r.contract.clone()).or_default();
            match per.last_mut() {
                Some((now, statuses)) if *now == r.now => statuses.push(r.status),
                _ => per.push((r.now.clone(), vec![r.status])),
            }
        }
    }
    let products: Vec<Value> =
        contracts.iter().map(|c| product(&c.contract, &c.file, runs.get(&c.contract.id))).collect();
    let mut domains: Vec<String> = contracts.iter().filter_map(|c| c.contract.domain.clone()).collect();
    domains.sort();
    domains.dedup();
    let history = args.history.as_ref().map(|h| h.display().to_string());
    let index =
        lakegate_report::catalog_index(&products, &domains, history.as_deref()).map_err(|e| anyhow::anyhow!(e))?;
    crate::output::write_atomic(&args.out.join("index.html"), index.as_bytes())?;
    for p in &products {
        let page = lakegate_report::catalog_product(p, args.report.as_deref()).map_err(|e| anyhow::anyhow!(e))?;
        let name = p["page"].as_str().unwrap_or("product.html");
        crate::output::write_atomic(&args.out.join(name), page.as_bytes())?;
    }
    use std::io::Write;
    writeln!(crate::stdout::stdout(), "catalog: {} product(s) written to {}", products.len(), args.out.display())?;
    Ok(crate::EXIT_OK)
}
