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
