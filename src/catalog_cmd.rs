//! `lakegate catalog`: the static data-product catalog.

use std::collections::BTreeMap;
use std::path::Path;

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

fn product(c: &Contract, file: &str, page: &str, runs: Option<&Vec<(String, Vec<Status>)>>) -> Value {
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
        "page": page, "search": search,
    })
}

/// Writes the site: `index.html` and one page per product, built in a temporary folder next
/// to `--out` and renamed into place, so a failure or a kill never leaves a half-written site
/// and no page of a product that left the catalog stays behind.
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
    if std::fs::symlink_metadata(&args.out).is_ok() {
        crate::output::claim_folder(&args.out, CATALOG_MARKER, "catalog --out")?;
    }
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
    let ids: Vec<&str> = contracts.iter().map(|c| c.contract.id.as_str()).collect();
    let pages = lakegate_report::catalog_page_names(&ids);
    let products: Vec<Value> = contracts
        .iter()
        .zip(&pages)
        .map(|(c, page)| product(&c.contract, &c.file, page, runs.get(&c.contract.id)))
        .collect();
    let mut domains: Vec<String> = contracts.iter().filter_map(|c| c.contract.domain.clone()).collect();
    domains.sort();
    domains.dedup();
    let history = args.history.as_ref().map(|h| h.display().to_string());
    // Every page is rendered before anything is written.
    let mut files = vec![(
        "index.html".to_owned(),
        lakegate_report::catalog_index(&products, &domains, history.as_deref()).map_err(|e| anyhow::anyhow!(e))?,
    )];
    for (p, name) in products.iter().zip(pages) {
        let page = lakegate_report::catalog_product(p, args.report.as_deref()).map_err(|e| anyhow::anyhow!(e))?;
        files.push((name, page));
    }
    write_site(&args.out, &files)?;
    use std::io::Write;
    writeln!(crate::stdout::stdout(), "catalog: {} product(s) written to {}", products.len(), args.out.display())?;
    Ok(crate::EXIT_OK)
}

/// Writes `files` (name, content) and the marker into a new folder next to `out`, then puts
/// it in the place of `out`: the previous site is renamed aside, the new one renamed in, the
/// previous one removed. A symbolic link `out` keeps pointing where it did: its target is
/// replaced.
fn write_site(out: &Path, files: &[(String, String)]) -> anyhow::Result<()> {
    let target = match std::fs::symlink_metadata(out) {
        Ok(_) => std::fs::canonicalize(out).with_context(|| format!("cannot resolve `{}`", out.display()))?,
        Err(_) => out.to_path_buf(),
    };
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .with_context(|| format!("`catalog --out {}`: give a folder name", out.display()))?;
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("cannot create `{}`", parent.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.lakegate-new-"))
        .tempdir_in(parent)
        .with_context(|| format!("cannot create a folder in `{}`", parent.display()))?;
    let write = |file: &str, bytes: &[u8]| -> anyhow::Result<()> {
        let p = tmp.path().join(file);
        let cannot = || format!("cannot write `{}`", out.join(file).display());
        let mut f = std::fs::File::create(&p).with_context(cannot)?;
        std::io::Write::write_all(&mut f, bytes).with_context(cannot)?;
        f.sync_all().with_context(cannot)
    };
    write(CATALOG_MARKER, b"written by lakegate catalog: this folder is replaced by the next run\n")?;
    for (file, text) in files {
        write(file, text.as_bytes())?;
    }
    // A site is for reading: the usual folder mode, not the temporary folder's private one.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot write `{}`", out.display()))?;
    }
    let cannot_replace = |e: std::io::Error| anyhow::anyhow!("cannot replace `{}`: {e}", out.display());
    if std::fs::symlink_metadata(&target).is_ok() {
        let aside = tempfile::Builder::new()
            .prefix(&format!(".{name}.lakegate-old-"))
            .tempdir_in(parent)
            .with_context(|| format!("cannot create a folder in `{}`", parent.display()))?
            .keep();
        let old = aside.join("site");
        std::fs::rename(&target, &old).map_err(cannot_replace)?;
        if let Err(e) = std::fs::rename(tmp.path(), &target) {
            // Put the previous site back: the run fails, the old site stays.
            let _ = std::fs::rename(&old, &target);
            let _ = std::fs::remove_dir_all(&aside);
            return Err(cannot_replace(e));
        }
        if let Err(e) = std::fs::remove_dir_all(&aside) {
            tracing::warn!("the previous catalog stays in `{}`: {e}", aside.display());
        }
    } else {
        std::fs::rename(tmp.path(), &target).map_err(cannot_replace)?;
    }
    // Renamed into place: nothing left for the guard to remove.
    let _ = tmp.keep();
    Ok(())
}
