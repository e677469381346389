//! `lakegate catalog`: the static site of data products, with health from the history.

mod common;

use std::process::Command;

fn lakegate(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate")).current_dir(dir).args(args).output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

#[test]
fn catalog_lists_every_product_with_its_schema_and_health() {
    let root = std::env::current_dir().expect("cwd");
    let dir = tempfile::tempdir().expect("tempdir");
    let hist = dir.path().join("hist");
    let hist = hist.to_str().expect("utf8");
    for day in ["2026-11-26T06:00:00Z", "2026-11-26T07:00:00Z"] {
        let (code, out) = lakegate(
            &root,
            &["check", "contracts", "--now", day, &format!("--history={hist}"), "-q", "--samples", "0"],
        );
        assert_eq!(code, 1, "{out}");
    }
    let site = dir.path().join("site");
    let (code, out) =
        lakegate(&root, &["catalog", "contracts", "--history", hist, "--out", site.to_str().expect("utf8")]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("catalog: 4 product(s)"), "{out}");
    let index = std::fs::read_to_string(site.join("index.html")).expect("index");
    for name in ["listings", "messaging", "payments", "users"] {
        assert!(index.contains(&format!(">{name}</a>")), "{name} listed");
    }
    assert_eq!(index.matches(r#"class="card product s-failed""#).count(), 1, "payments fails");
    assert_eq!(index.matches(r#"<i class="s-failed" title="failed"></i>"#).count(), 2, "two failed runs of payments");
    let payments = std::fs::read_to_string(site.join("marketplace-payments.html")).expect("page");
    assert!(payments.contains("<td>tx_id</td><td>string</td><td>primary key</td>"), "schema with constraints");
    assert!(payments.contains("refunds.tx_id → transactions.tx_id"), "relationships");
    assert!(payments.contains("freshness 24 h (transactions.paid_at)"), "SLAs");
    let users = std::fs::read_to_string(site.join("marketplace-users.html")).expect("page");
    assert!(users.contains(r#"<td class="pii">pii</td>"#), "classification shown");
    assert!(!index.contains("<script>alert") && index.contains("<script>"), "only our own script");

    // Rendered in Chromium: the filter form shows with scripts on, every product card is there.
    if let Some(browser) = common::chromium_or_skip() {
        let url = format!("file://{}", site.join("index.html").display());
        let dom = common::dump_dom(&browser, &url, &dir.path().join("profile"));
        assert!(
            dom.contains(r#"<form id="filters" aria-label="Filter products">"#),
            "filters shown (no hidden attribute)"
        );
        assert_eq!(dom.matches(r#"<article class="card product"#).count(), 4);
    }
}

#[test]
fn catalog_escapes_contract_text_and_refuses_invalid_contracts() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("c.odcs.yaml"),
        "apiVersion: v3.1.0\nkind: DataContract\nid: '../../evil'\nname: \"<script>alert(1)</script>\"\nversion: 1.0.0\nstatus: active\n",
    )
    .expect("write");
    let (code, out) = lakegate(dir.path(), &["catalog", "c.odcs.yaml", "--out", "site"]);
    assert_eq!(code, 0, "{out}");
    // The index, the product page and the marker that makes the folder lakegate's own.
    let page = std::fs::read_dir(dir.path().join("site")).expect("site").count();
    assert_eq!(page, 3, "the product page stays inside the site folder");
    let index = std::fs::read_to_string(dir.path().join("site/index.html")).expect("index");
    assert!(index.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"), "escaped");
    std::fs::write(
        dir.path().join("c.odcs.yaml"),
        "apiVersion: v3.1.0\nkind: DataContract\nid: x\nversion: 1.0.0\nstatus: active\nfoo: bar\n",
    )
    .expect("write");
    let (code, out) = lakegate(dir.path(), &["catalog", "c.odcs.yaml", "--out", "site2"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("unknown key `foo`"), "{out}");
}

fn write_contract(dir: &std::path::Path, file: &str, id: &str) {
    std::fs::write(
        dir.join(file),
        format!("apiVersion: v3.1.0\nkind: DataContract\nid: '{id}'\nname: 'product {file}'\nversion: 1.0.0\nstatus: active\n"),
    )
    .expect("write");
}

/// The files of a folder, sorted.
fn listing(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn catalog_pages_are_unique_bounded_and_the_site_is_replaced_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let contracts = dir.path().join("contracts");
    std::fs::create_dir(&contracts).expect("mkdir");
    let long = "l".repeat(10_000);
    let ids = [("a.odcs.yaml", "index"), ("b.odcs.yaml", "a/b"), ("c.odcs.yaml", "a_b"), ("d.odcs.yaml", &long)];
    for (file, id) in ids {
        write_contract(&contracts, file, id);
    }
    write_contract(&contracts, "e.odcs.yaml", "Index.html");
    let (code, out) = lakegate(dir.path(), &["catalog", "contracts", "--out", "site"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("catalog: 5 product(s)"), "{out}");
    let site = dir.path().join("site");
    let files = listing(&site);
    assert_eq!(files.len(), 7, "index, marker and five distinct pages: {files:?}");
    assert!(files.iter().all(|f| f.len() <= 100), "bounded names: {files:?}");
    let index = std::fs::read_to_string(site.join("index.html")).expect("index");
    assert!(index.contains("class=\"card product"), "index.html is still the index");
    // Each product's card links to a page that exists and is that product's.
    for file in ["a", "b", "c", "d", "e"] {
        let name = format!("product {file}.odcs.yaml");
        let card = index.split(&format!(">{name}</a>")).next().expect("card");
        let href = card.rsplit("href=\"").next().expect("href").split('"').next().expect("end");
        let page = std::fs::read_to_string(site.join(href.replace("&#x2f;", "/"))).expect("page of the card");
        assert!(page.contains(&format!("<title>{name} – lakegate catalog</title>")), "{href} is {name}'s page");
    }
    assert!(files.contains(&"a_b.html".to_owned()), "a plain id keeps its own name: {files:?}");
    assert!(
        listing(dir.path()).iter().all(|f| !f.contains("lakegate-new") && !f.contains("lakegate-old")),
        "no temporary folder left: {:?}",
        listing(dir.path())
    );

    // Fewer contracts: the pages of the products that left are gone.
    for file in ["b.odcs.yaml", "c.odcs.yaml", "d.odcs.yaml", "e.odcs.yaml"] {
        std::fs::remove_file(contracts.join(file)).expect("rm");
    }
    let (code, out) = lakegate(dir.path(), &["catalog", "contracts", "--out", "site"]);
    assert_eq!(code, 0, "{out}");
    let files = listing(&site);
    assert_eq!(files.len(), 3, "no stale product page: {files:?}");
    assert!(files.contains(&".lakegate-catalog".to_owned()) && files.contains(&"index.html".to_owned()));
    assert_eq!(listing(dir.path()), ["contracts", "site"], "nothing left beside the site");

    // A folder lakegate did not write is still refused, and left as it was.
    std::fs::create_dir(dir.path().join("notes")).expect("mkdir");
    std::fs::write(dir.path().join("notes/todo.txt"), "mine").expect("write");
    let (code, out) = lakegate(dir.path(), &["catalog", "contracts", "--out", "notes"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("refusing to write into"), "{out}");
    assert_eq!(listing(&dir.path().join("notes")), ["todo.txt"]);

    // Through a symbolic link: the link stays, its target is replaced.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("site", dir.path().join("link")).expect("symlink");
        let (code, out) = lakegate(dir.path(), &["catalog", "contracts", "--out", "link"]);
        assert_eq!(code, 0, "{out}");
        assert!(std::fs::symlink_metadata(dir.path().join("link")).expect("link").file_type().is_symlink());
        assert_eq!(listing(&site).len(), 3);
    }
}
