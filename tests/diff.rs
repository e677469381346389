//! `lakegate diff`: every pair of contracts under tests/contracts/diff/ (one realistic pull
//! request each) is compared by the real binary and its output and exit code snapshotted;
//! together the pairs cover every rule of the table.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/contracts/diff");
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(&root).expect("cases").map(|e| e.expect("entry").path()).filter(|p| p.is_dir()).collect();
    v.sort();
    v
}

/// OLD and NEW of a case: two files, or two folders.
fn sides(case: &Path) -> [&'static str; 2] {
    if case.join("old.odcs.yaml").is_file() { ["old.odcs.yaml", "new.odcs.yaml"] } else { ["old", "new"] }
}

fn run(case: &Path, extra: &[&str]) -> (i32, String, String) {
    let [old, new] = sides(case);
    let mut args = vec!["diff", old, new];
    args.extend_from_slice(extra);
    common::lakegate(case, &args)
}

/// Every pair: the text output (each change with the new file's file:line:col) and the exit code.
#[test]
fn every_pair() {
    for case in cases() {
        let name = case.file_name().expect("name").to_string_lossy().into_owned();
        let (code, out, err) = run(&case, &[]);
        insta::assert_snapshot!(name.clone(), format!("exit {code}\n{out}{err}"));
    }
}

/// Together the pairs exercise every rule of the table, and each pair's JSON names only rules
/// of the table.
#[test]
fn pairs_cover_every_rule() {
    let mut seen = BTreeSet::new();
    for case in cases() {
        let (code, out, _) = run(&case, &["--format", "json", "--fail-on", "never"]);
        if code == 2 {
            continue;
        }
        assert_eq!(code, 0, "{}", case.display());
        let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
        for c in doc["contracts"].as_array().expect("contracts") {
            for ch in c["changes"].as_array().expect("changes") {
                seen.insert(ch["rule"].as_str().expect("rule").to_owned());
            }
        }
    }
    let all: BTreeSet<String> = lakegate_diff::Kind::ALL.iter().map(|k| k.rule().code.to_owned()).collect();
    let missing: Vec<_> = all.difference(&seen).collect();
    assert!(missing.is_empty(), "rules without a pair under tests/contracts/diff: {missing:?}");
    assert!(seen.is_subset(&all));
}

/// No change at all for reordered properties, YAML formatting and a renamed file.
#[test]
fn formatting_order_and_file_names_change_nothing() {
    for name in ["01-reordered-properties", "02-yaml-formatting", "03-renamed-file"] {
        let case = cases().into_iter().find(|c| c.ends_with(name)).expect("case");
        let (code, out, _) = run(&case, &["--format", "json"]);
        assert_eq!(code, 0, "{name}");
        let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(doc["summary"]["changed"], 0, "{name}: {out}");
        assert_eq!(doc["contracts"][0]["semver"], serde_json::json!([]), "{name}");
    }
}

/// The other formats of one pair, and `--fail-on`.
#[test]
fn formats_and_fail_on() {
    let case = cases().into_iter().find(|c| c.ends_with("29-enum-value-removed")).expect("case");
    for format in ["json", "markdown", "github"] {
        let (code, out, err) = run(&case, &["--format", format]);
        assert_eq!(code, 1, "{format}: {err}");
        insta::assert_snapshot!(format!("format-{format}"), out);
    }
    // announced breaking changes pass by default; `any` fails on any change; `never` never.
    let announced = cases().into_iter().find(|c| c.ends_with("05-property-removed-major")).expect("case");
    assert_eq!(run(&announced, &[]).0, 0);
    assert_eq!(run(&announced, &["--fail-on", "any"]).0, 1);
    assert_eq!(run(&case, &["--fail-on", "never"]).0, 0);
    let info = cases().into_iter().find(|c| c.ends_with("52-metadata")).expect("case");
    assert_eq!(run(&info, &["--fail-on", "any"]).0, 0, "informational changes never fail");
    // GitHub annotations are added to the text output on GitHub Actions.
    let [old, new] = sides(&case);
    let (_, out, _) = common::lakegate_env(&case, &["diff", old, new], &[("GITHUB_ACTIONS", "true")]);
    assert!(
        out.contains("::error file=new.odcs.yaml,line=41,col=15,title=lakegate diff%3A breaking enum-value-removed::"),
        "{out}"
    );
}

/// `--markdown PATH` writes the summary; an existing file that is not a lakegate summary is
/// never overwritten.
#[test]
fn markdown_file() {
    let case = cases().into_iter().find(|c| c.ends_with("06-property-added")).expect("case");
    let dir = tempfile::tempdir().expect("tmp");
    let p = dir.path().join("summary.md");
    let ps = p.to_string_lossy().into_owned();
    let [old, new] = sides(&case);
    let (code, _, err) = common::lakegate(&case, &["diff", old, new, "--markdown", &ps]);
    assert_eq!(code, 0, "{err}");
    let md = std::fs::read_to_string(&p).expect("written");
    assert!(md.starts_with("<!-- lakegate report -->\n## ✅ lakegate diff: 0 breaking"), "{md}");
    std::fs::write(&p, "my notes").expect("write");
    let (code, _, err) = common::lakegate(&case, &["diff", old, new, "--markdown", &ps]);
    assert_eq!(code, 2);
    assert!(err.contains("refusing to overwrite"), "{err}");
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@e", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// `--base REF` compares the working tree with a commit, following a renamed file by its id.
#[test]
fn base_git_ref() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    let case = cases().into_iter().find(|c| c.ends_with("21-required-removed")).expect("case");
    std::fs::create_dir_all(root.join("contracts")).expect("mkdir");
    std::fs::copy(case.join("old.odcs.yaml"), root.join("contracts/orders.odcs.yaml")).expect("copy");
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    // The pull request moves the file and makes created_at optional.
    std::fs::create_dir_all(root.join("contracts/sales")).expect("mkdir");
    std::fs::remove_file(root.join("contracts/orders.odcs.yaml")).expect("rm");
    std::fs::copy(case.join("new.odcs.yaml"), root.join("contracts/sales/orders.odcs.yaml")).expect("copy");
    let (code, out, err) = common::lakegate(root, &["diff", "--base", "main"]);
    assert_eq!(code, 1, "{out}{err}");
    insta::assert_snapshot!("base-git-ref", out);
    let (code, _, err) = common::lakegate(root, &["diff", "--base", "no-such-branch"]);
    assert_eq!(code, 2);
    assert!(err.contains("`--base no-such-branch`: no such commit"), "{err}");
    // An invalid contract at the base is reported with its `REF:path`.
    std::fs::write(root.join("contracts/broken.odcs.yaml"), "apiVersion: v3.1.0\nkind: DataContract\n").expect("w");
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "broken"]);
    let (code, _, err) = common::lakegate(root, &["diff", "--base", "HEAD"]);
    assert_eq!(code, 2);
    assert!(err.contains("HEAD:contracts/broken.odcs.yaml"), "{err}");
}

/// Usage errors exit 2 with a message.
#[test]
fn usage() {
    let case = cases().into_iter().next().expect("case");
    let outside = tempfile::tempdir().expect("tmp");
    let (code, _, err) = common::lakegate(outside.path(), &["diff", "--base", "main"]);
    assert_eq!(code, 2);
    assert!(err.contains("not inside a git repository"), "{err}");
    let (code, _, err) = common::lakegate(&case, &["diff", "old.odcs.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("takes two paths"), "{err}");
    let (code, _, err) = common::lakegate(&case, &["diff", "old.odcs.yaml", "missing.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("`missing.yaml` does not exist"), "{err}");
}

/// A pull request deleting the last contract (git drops the emptied `contracts/` folder)
/// reports the contract removed, as with the folder left empty: exit 1, not a usage error.
#[test]
fn base_deleted_contracts_folder() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    let case = cases().into_iter().find(|c| c.ends_with("21-required-removed")).expect("case");
    std::fs::create_dir_all(root.join("contracts")).expect("mkdir");
    std::fs::copy(case.join("old.odcs.yaml"), root.join("contracts/orders.odcs.yaml")).expect("copy");
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    std::fs::remove_dir_all(root.join("contracts")).expect("rm");
    let (code, out, err) = common::lakegate(root, &["diff", "--base", "main"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("BREAKING contract-removed: contract `shop-orders` is gone"), "{out}");
    // A path that exists neither in the working tree nor at the base is still a usage error.
    let (code, _, err) = common::lakegate(root, &["diff", "--base", "main", "elsewhere"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("`elsewhere` does not exist"), "{err}");
}

/// An invalid contract at the base does not block the pull request that fixes it: its errors
/// are warnings, and what parsed is compared.
#[test]
fn base_invalid_old_side() {
    let dir = tempfile::tempdir().expect("tmp");
    let root = dir.path();
    let case = cases().into_iter().find(|c| c.ends_with("62-invalid-old")).expect("case");
    std::fs::create_dir_all(root.join("contracts")).expect("mkdir");
    std::fs::copy(case.join("old.odcs.yaml"), root.join("contracts/orders.odcs.yaml")).expect("copy");
    std::fs::write(root.join("contracts/broken.odcs.yaml"), "apiVersion: v3.1.0\nkind: [\n").expect("w");
    git(root, &["init", "-q", "-b", "main"]);
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "base"]);
    std::fs::copy(case.join("new.odcs.yaml"), root.join("contracts/orders.odcs.yaml")).expect("copy");
    std::fs::remove_file(root.join("contracts/broken.odcs.yaml")).expect("rm");
    let (code, out, err) = common::lakegate(root, &["diff", "--base", "main"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("BREAKING (announced) property-removed"), "{out}");
    assert!(!out.contains("logical-type"), "the invalid line is not classified: {out}");
    assert!(err.contains("warning: the old side `main:contracts/broken.odcs.yaml` does not lint"), "{err}");
    assert!(err.contains("warning: the old side `main:contracts/orders.odcs.yaml` does not lint"), "{err}");
}
