//! Reports: JSON (versioned, schema-described, re-renderable), HTML (self-contained,
//! escaped, checked in headless Chromium), JUnit, Markdown, GitHub annotations, atomic writes.

mod common;

use std::path::Path;
use std::process::Command;

use common::dump_dom;

use polars::prelude::*;
use serde_json::Value;

fn lakegate(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate")).current_dir(dir).args(args).output().expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const HOSTILE: &str = "<script>document.title='pwned'</script>";

/// A small product whose data holds hostile strings, with failed, warning, errored and
/// skipped checks.
fn hostile_run(dir: &Path) {
    let mut df = DataFrame::new(
        3,
        vec![
            Column::new("id".into(), [1i64, 2, 2]),
            Column::new("label".into(), ["ok", HOSTILE, "<img src=x onerror=alert(1)>"]),
        ],
    )
    .expect("df");
    common::write_parquet(&dir.join("data/t.parquet"), &mut df);
    let contract = format!(
        r#"apiVersion: v3.1.0
kind: DataContract
id: hostile
name: "hostile <b>product</b>"
version: 1.0.0
status: active
domain: "<i>security</i>"
description:
  purpose: "{HOSTILE}"
servers: [{{server: local, type: local, path: data/t.parquet, format: parquet}}]
schema:
  - name: t
    properties:
      - name: id
        logicalType: integer
        unique: true
      - name: label
        logicalType: string
        quality:
          - metric: invalidValues
            arguments: {{validValues: [ok]}}
            mustBe: 0
            description: "labels are ok {HOSTILE}"
          - metric: nullValues
            mustBe: 1
            severity: warning
      - name: missing_column
        logicalType: string
        required: true
    quality:
      - type: text
        description: documented only
      - type: sql
        description: a cast that fails on the data is errored
        query: "SELECT COUNT(*) FROM t WHERE CAST(label AS INT) > 0"
        mustBe: 0
"#
    );
    std::fs::write(dir.join("c.odcs.yaml"), contract).expect("contract");
}

#[test]
fn html_report_renders_in_chromium_escaped_and_filterable() {
    let Some(browser) = common::chromium_or_skip() else { return };
    let dir = tempfile::tempdir().expect("tempdir");
    hostile_run(dir.path());
    let (code, _, err) =
        lakegate(dir.path(), &["check", "c.odcs.yaml", "--html=out/report.html", "--json", "out/run.json"]);
    assert_eq!(code, 2, "the out/ folder does not exist: exit 2 before reading data ({err})");
    assert!(err.contains("folder `out` does not exist"), "{err}");
    std::fs::create_dir_all(dir.path().join("out")).expect("mkdir");
    let (code, _, err) =
        lakegate(dir.path(), &["check", "c.odcs.yaml", "--html=out/report.html", "--json", "out/run.json"]);
    assert_eq!(code, 3, "{err}");
    let html = std::fs::read_to_string(dir.path().join("out/report.html")).expect("html");
    assert!(!html.contains(HOSTILE), "raw hostile markup in the file");
    assert!(!html.contains("src=\"http") && !html.contains("<link"), "the report loads nothing from outside");
    let url = format!("file://{}", dir.path().join("out/report.html").display());
    let profile = dir.path().join("chromium-profile");
    let dom = dump_dom(&browser, &url, &profile);
    assert!(
        dom.contains("<title>lakegate report – 3 failed, 1 errored</title>"),
        "the title was not changed by injected script:\n{}",
        &dom[..dom.len().min(400)]
    );
    assert!(!dom.contains("pwned</title>"));
    assert!(dom.contains(r#"<b id="count-failed">3</b>"#), "summary counts");
    assert!(dom.contains(r#"<b id="count-errored">1</b>"#));
    assert!(dom.contains(r#"<b id="count-warning">1</b>"#));
    // The hostile value from the data is shown as text inside the sample table.
    assert!(dom.contains("&lt;script&gt;document.title='pwned'&lt;/script&gt;"), "escaped sample value");
    // The failed check's observed value (2 invalid labels) is in the problems table.
    let problems =
        dom.split(r#"<table id="problems">"#).nth(1).and_then(|t| t.split("</table>").next()).expect("problems table");
    assert!(problems.contains(r#"<td class="num">2</td>"#), "{problems}");
    // With scripts on, the filter form shows; `#status=failed` hides every passed check.
    let filtered = dump_dom(&browser, &format!("{url}#status=failed"), &profile);
    let passed_rows: Vec<&str> = filtered.split("<tr class=\"check s-passed\"").skip(1).collect();
    assert!(!passed_rows.is_empty());
    let tag = |r: &&str| r.split('>').next().unwrap_or("").to_owned();
    assert!(
        passed_rows.iter().all(|r| tag(r).contains("data-status=\"passed\"") && tag(r).contains("hidden")),
        "passed rows are hidden"
    );
    let failed_rows: Vec<&str> = filtered.split("<tr class=\"check s-failed\"").skip(1).collect();
    assert!(
        failed_rows.iter().all(|r| !r.split('>').next().unwrap_or("").contains("hidden")),
        "failed rows stay visible"
    );
    assert!(filtered.contains("checks shown"), "the filter reports what it shows");
}

#[test]
fn json_junit_markdown_github_and_report_rerender() {
    let dir = tempfile::tempdir().expect("tempdir");
    hostile_run(dir.path());
    let (code, stdout, _) =
        lakegate(dir.path(), &["check", "c.odcs.yaml", "--format", "json", "--now", "2026-11-26T06:00:00Z"]);
    assert_eq!(code, 3);
    let run: Value = serde_json::from_str(&stdout).expect("json on stdout");
    assert_eq!(run["report_version"], 1);
    assert_eq!(run["now"], "2026-11-26T06:00:00Z");
    assert_eq!(run["summary"]["total"], 13);
    let checks = run["contracts"][0]["checks"].as_array().expect("checks");
    assert!(checks.iter().all(|c| c.get("observed").is_some()), "observed is always present (null when not computed)");
    let passed: Vec<&Value> = checks.iter().filter(|c| c["status"] == "passed").collect();
    assert!(passed.iter().all(|c| c["observed"].is_number()), "a pass carries its observed value");
    let unique = checks.iter().find(|c| c["kind"] == "unique").expect("unique");
    assert_eq!(unique["threshold"], serde_json::json!({"operator": "mustBe", "value": [0.0], "unit": "rows"}));
    assert_eq!(unique["location"], serde_json::json!({"file": "c.odcs.yaml", "line": 16, "column": 9}));
    std::fs::write(dir.path().join("run.json"), &stdout).expect("save");

    // Re-render from the saved JSON: no data read (the data folder is gone).
    std::fs::remove_dir_all(dir.path().join("data")).expect("rm data");
    let (code, text, err) = lakegate(
        dir.path(),
        &["report", "run.json", "--junit", "junit.xml", "--markdown", "summary.md", "--html=r.html"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("13 checks: 5 passed, 1 warnings, 3 failed, 1 errored, 3 skipped"), "{text}");
    let junit = std::fs::read_to_string(dir.path().join("junit.xml")).expect("junit");
    assert_eq!(junit.matches("<testsuite ").count(), 1);
    assert_eq!(junit.matches("<testcase ").count(), 13);
    assert_eq!(junit.matches("<failure ").count(), 3);
    assert_eq!(junit.matches("<error ").count(), 1);
    assert_eq!(junit.matches("<skipped").count(), 3);
    assert!(junit.contains("<system-out>WARNING:"), "warnings visible as system-out");
    assert!(!junit.contains(HOSTILE), "XML-escaped");
    let md = std::fs::read_to_string(dir.path().join("summary.md")).expect("md");
    assert!(
        md.starts_with("<!-- lakegate report -->\n## ❌ lakegate: 13 checks, 3 failed, 1 errored, 1 warnings"),
        "{md}"
    );
    assert!(md.contains("[c.odcs.yaml:20](c.odcs.yaml#L20)"), "{md}");
    assert!(!md.contains("<script>"), "{md}");

    let (_, gh, _) = lakegate(dir.path(), &["report", "run.json", "--format", "github"]);
    let lines: Vec<&str> = gh.lines().collect();
    assert_eq!(lines.len(), 5, "3 failed + 1 errored + 1 warning:\n{gh}");
    assert!(lines[0].starts_with("::error file=c.odcs.yaml,line="), "{gh}");
    assert!(lines.iter().any(|l| l.starts_with("::warning file=c.odcs.yaml,line=24,col=13,")), "{gh}");
    insta::assert_snapshot!("github_annotations", gh);

    // A report that is not lakegate's, or of another version.
    std::fs::write(dir.path().join("bad.json"), "{\"hello\": 1}").expect("write");
    let (code, _, err) = lakegate(dir.path(), &["report", "bad.json"]);
    assert_eq!(code, 2);
    assert!(err.contains("is not a lakegate JSON report"), "{err}");
}

#[test]
fn report_schema_describes_the_json_report() {
    let (code, out, _) = lakegate(Path::new("."), &["schema", "--report"]);
    assert_eq!(code, 0);
    let schema: Value = serde_json::from_str(&out).expect("schema");
    let required = schema["required"].as_array().expect("required");
    for key in ["report_version", "run_id", "now", "contracts", "summary"] {
        assert!(required.iter().any(|r| r == key), "{key}");
    }
    assert!(schema["$defs"]["CheckResult"]["properties"]["observed"].is_object());
}

#[test]
fn a_large_run_gives_a_small_html_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let check = |i: usize| {
        serde_json::json!({
            "id": format!("big/t/c{i}/unique"), "kind": "unique", "dataset": "t", "property": format!("c{i}"),
            "title": format!("`c{i}` has no duplicate values"), "location": {"file": "contracts/big.odcs.yaml", "line": i + 10, "column": 9},
            "severity": "error", "dimension": "uniqueness", "tags": [], "business_impact": null,
            "status": if i.is_multiple_of(50) { "failed" } else { "passed" }, "observed": (i.is_multiple_of(50)) as u8, "expected": "= 0",
            "message": "observed 0, expected = 0"
        })
    };
    let checks: Vec<Value> = (0..5000).map(check).collect();
    let run = serde_json::json!({
        "report_version": 1, "lakegate_version": "0", "run_id": "r", "started_at": "x", "finished_at": "y",
        "now": "2026-11-26T06:00:00Z", "server": null, "command": [],
        "contracts": [{"id": "big", "name": "big", "version": "1", "domain": "d", "file": "contracts/big.odcs.yaml",
                       "server": null, "datasets": [], "checks": checks}],
        "summary": {"total": 5000, "passed": 4900, "warnings": 0, "failed": 100, "errored": 0, "skipped": 0}
    });
    std::fs::write(dir.path().join("big.json"), run.to_string()).expect("write");
    let (code, _, err) = lakegate(dir.path(), &["report", "big.json", "--html=big.html"]);
    assert_eq!(code, 0, "{err}");
    let size = std::fs::metadata(dir.path().join("big.html")).expect("html").len();
    assert!(size < 3 * 1024 * 1024, "5,000 checks: {size} bytes");
}
