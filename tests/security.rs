//! Untrusted contracts: a pull request writes the contract CI runs, so nothing in it may read a
//! file outside its datasets. Each test plants a secret outside the contract's data, tries the
//! attack through the real binary, and greps every output for the secret.

use std::path::Path;
use std::process::Command;

/// Runs the lakegate binary in `dir` with `args`.
fn lakegate_in(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_lakegate")).current_dir(dir).args(args).output().expect("run lakegate")
}

const SECRET: &str = "TOPSECRET-4242";

/// Runs `lakegate check` on `contract` in `dir` with the JSON report: (exit code, stdout +
/// stderr + the JSON report).
fn run(dir: &Path, contract: &str) -> (i32, String) {
    std::fs::write(dir.join("c.odcs.yaml"), contract).expect("contract");
    let out = lakegate_in(dir, &["check", "c.odcs.yaml", "--json", "r.json", "-vv"]);
    let report = std::fs::read_to_string(dir.join("r.json")).unwrap_or_default();
    let all = format!("{}{}{report}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), all)
}

fn contract(secret: &Path, quality: &str) -> String {
    let s = secret.display();
    format!(
        "apiVersion: v3.1.0\nkind: DataContract\nid: sec\nversion: 1.0.0\nstatus: active\n\
         servers: [{{server: local, type: local, path: t.csv, format: csv}}]\nschema:\n  - name: t\n    properties:\n      \
         - {{name: id, logicalType: integer}}\n    quality:\n{}",
        quality.replace("SECRET_PATH", &s.to_string())
    )
}

#[test]
fn sql_and_expressions_never_read_a_file_outside_the_datasets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outside = tempfile::tempdir().expect("outside");
    let secret = outside.path().join("secret.csv");
    std::fs::write(&secret, format!("{SECRET}\n1\n")).expect("secret");
    std::fs::write(dir.path().join("t.csv"), "id\n1\n").expect("data");
    let attacks = [
        r#"SELECT COUNT(*) FROM "read_csv"('SECRET_PATH')"#,
        r#"SELECT CAST(column_1 AS INT) FROM read_csv('SECRET_PATH')"#,
        r#"SELECT MAX(CAST(column_1 AS INT)) FROM READ_CSV('SECRET_PATH')"#,
        r#"WITH x AS (SELECT * FROM "read_csv"('SECRET_PATH')) SELECT COUNT(*) FROM x"#,
        r#"SELECT COUNT(*) FROM t WHERE id IN (SELECT 1 FROM "read_csv"('SECRET_PATH'))"#,
        r#"SELECT COUNT(*) FROM t CROSS JOIN `read_csv`('SECRET_PATH') s"#,
        r#"SELECT COUNT(*) FROM t JOIN read_csv('SECRET_PATH') s ON true"#,
    ];
    for attack in attacks {
        let rule =
            format!("      - id: q\n        type: sql\n        query: |\n          {attack}\n        mustBe: 1\n");
        let (code, all) = run(dir.path(), &contract(&secret, &rule));
        assert!(!all.contains(SECRET), "{attack}: the secret leaked:\n{all}");
        assert!(code == 2 || code == 3, "{attack}: exit {code}");
    }
    for expression in
        [r#"id IN (SELECT 1 FROM read_csv('SECRET_PATH'))"#, r#"EXISTS (SELECT 1 FROM "read_csv"('SECRET_PATH'))"#]
    {
        let rule = format!(
            "      - id: rc\n        type: custom\n        engine: lakegate\n        implementation:\n          metric: rowCondition\n          expression: \"{}\"\n          mustBe: 0\n",
            expression.replace('"', "\\\"")
        );
        let (code, all) = run(dir.path(), &contract(&secret, &rule));
        assert!(!all.contains(SECRET), "{expression}: the secret leaked:\n{all}");
        assert!(code == 2 || code == 3, "{expression}: exit {code}");
    }
}

#[test]
fn classified_values_never_leave_in_any_output() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    // Planted values of classified columns: each appears in a failing check of its own kind.
    std::fs::write(
        d.join("users.csv"),
        "id,email,ssn,country\n1,planted-mail-1@x.io,PLANTED-SSN-1,DE\n2,planted-mail-2@x.io,PLANTED-SSN-2,FR\n",
    )
    .expect("users");
    std::fs::write(d.join("orders.csv"), "oid,email,amount\n1,planted-orphan@x.io,5\n").expect("orders");
    let contract = r#"apiVersion: v3.1.0
kind: DataContract
id: pii
version: 1.0.0
status: active
servers: [{server: local, type: local, path: "{model}.csv", format: csv}]
schema:
  - name: users
    properties:
      - {name: id, logicalType: integer}
      - name: email
        logicalType: string
        classification: pii
        quality:
          - {id: mail_set, type: custom, engine: lakegate, implementation: {metric: distinctValues, subsetOf: [a@b.c], mustBe: 0}}
      - name: ssn
        logicalType: integer
        classification: restricted
      - {name: country, logicalType: string}
    quality:
      - {id: by_mail, type: custom, engine: lakegate, implementation: {metric: rowCount, groupBy: [email], mustBeGreaterThan: 5}}
      - {id: cast_mail, type: sql, query: "SELECT SUM(CAST(email AS INT)) FROM users", mustBe: 0}
      - {id: cond_ssn, type: custom, engine: lakegate, implementation: {metric: rowCondition, expression: "CAST(email AS INT) > 0", mustBe: 0}}
  - name: orders
    properties:
      - {name: oid, logicalType: integer}
      - name: email
        logicalType: string
        classification: confidential
        relationships: [{to: users.email}]
      - {name: amount, logicalType: integer}
"#;
    std::fs::write(d.join("c.odcs.yaml"), contract).expect("contract");
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(d)
        .args([
            "check",
            "c.odcs.yaml",
            "--now",
            "2026-11-26T06:00:00Z",
            "--json",
            "r.json",
            "--html=r.html",
            "--junit",
            "r.xml",
            "--markdown",
            "r.md",
            "--metrics",
            "r.prom",
            "--samples-out",
            "quarantine",
            "--history=hist",
            "-vv",
        ])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .expect("run lakegate");
    assert!(matches!(out.status.code(), Some(1 | 3)), "{}", String::from_utf8_lossy(&out.stderr));
    let mut all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    for f in ["r.json", "r.html", "r.xml", "r.md", "r.prom"] {
        all.push_str(&std::fs::read_to_string(d.join(f)).unwrap_or_else(|_| panic!("{f} written")));
    }
    let rerendered = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(d)
        .args(["report", "r.json", "--format", "github"])
        .output()
        .expect("report");
    all.push_str(&String::from_utf8_lossy(&rerendered.stdout));
    // Binary outputs: the samples exports and the history (Parquet), read as bytes.
    for folder in ["quarantine", "hist"] {
        for entry in walk(&d.join(folder)) {
            all.push_str(&String::from_utf8_lossy(&std::fs::read(entry).expect("read")));
        }
    }
    for planted in ["planted-mail-1", "planted-mail-2", "PLANTED-SSN", "planted-orphan"] {
        assert!(!all.contains(planted), "`{planted}` leaked");
    }
    assert!(all.contains("***"), "redaction is visible");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn a_fifo_named_like_a_contract_is_refused_not_read() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fifo = dir.path().join("x.odcs.yaml");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    // A blocking read would hang: the child is killed after 20 s if it does.
    let mut child = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(dir.path())
        .args(["lint", "."])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run lakegate");
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if started.elapsed() > std::time::Duration::from_secs(20) {
            let _ = child.kill();
            panic!("lint hangs on a FIFO");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(2));
}

#[test]
fn environment_variables_are_not_expanded_unless_meant_for_contracts() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("t.csv"), "id\n1\n").expect("data");
    let contract = |name: &str| {
        format!(
            "apiVersion: v3.1.0\nkind: DataContract\nid: env\nversion: 1.0.0\nstatus: active\nname: \"n ${{{name}:-unset}}\"\n\
             servers: [{{server: local, type: local, path: t.csv, format: csv}}]\nschema:\n  - name: t\n    properties:\n      - {{name: id, logicalType: integer}}\n"
        )
    };
    let run = |name: &str| {
        std::fs::write(dir.path().join("c.odcs.yaml"), contract(name)).expect("contract");
        let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
            .current_dir(dir.path())
            .args(["check", "c.odcs.yaml", "--format", "json"])
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("LAKEGATE_PRODUCT", "orders-prod")
            .output()
            .expect("run lakegate");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let leaked = run("AWS_SECRET_ACCESS_KEY");
    assert!(!leaked.contains(SECRET) && leaked.contains("\"name\": \"n unset\""), "{leaked}");
    assert!(run("LAKEGATE_PRODUCT").contains("\"name\": \"n orders-prod\""), "LAKEGATE_ variables are expanded");
}

#[test]
fn classified_struct_fields_and_other_objects_over_the_same_file_stay_hidden() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("t.json"),
        "{\"id\":1,\"p\":{\"nm\":\"PLANTED-NAME-1\",\"age\":3},\"email\":\"planted-mail@x.io\"}\n",
    )
    .expect("data");
    let contract = r#"apiVersion: v3.1.0
kind: DataContract
id: nested
version: 1.0.0
status: active
servers: [{server: local, type: local, path: "{model}.json", format: json}]
schema:
  - name: t
    properties:
      - {name: id, logicalType: integer}
      - name: p
        logicalType: object
        properties:
          - {name: nm, logicalType: string, classification: pii}
          - {name: age, logicalType: integer}
      - {name: email, logicalType: string, classification: pii}
    quality:
      - {id: r1, type: custom, engine: lakegate, implementation: {metric: rowCondition, expression: "id > 5", mustBe: 0}}
  - name: t2
    physicalName: t
    properties:
      - name: email
        logicalType: string
        quality:
          - {id: set, type: custom, engine: lakegate, implementation: {metric: distinctValues, subsetOf: [zz], mustBe: 0}}
"#;
    std::fs::write(dir.path().join("c.odcs.yaml"), contract).expect("contract");
    let out = lakegate_in(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        std::fs::read_to_string(dir.path().join("r.json")).expect("report")
    );
    assert!(!all.contains("PLANTED-NAME-1"), "a classified struct field leaked:\n{all}");
    assert!(!all.contains("planted-mail"), "another object over the same file leaked:\n{all}");
}

#[test]
fn text_output_never_starts_a_line_from_contract_or_data_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("t.csv"), "id,c\n1,\"ok\n::add-mask::DATAINJ\u{1b}[31m\"\n").expect("data");
    let contract = "apiVersion: v3.1.0\nkind: DataContract\nid: inj\nversion: 1.0.0\nstatus: active\n\
        servers: [{server: local, type: local, path: t.csv, format: csv}]\nschema:\n  - name: t\n    properties:\n      \
        - {name: id, logicalType: integer}\n      - {name: c, logicalType: string}\n    quality:\n      \
        - {id: g, type: custom, engine: lakegate, description: \"x\\n::set-output name=gate::pass\", implementation: {metric: rowCount, groupBy: [c], mustBeGreaterThan: 5}}\n";
    std::fs::write(dir.path().join("c.odcs.yaml"), contract).expect("contract");
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(dir.path())
        .args(["check", "c.odcs.yaml"])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .expect("run lakegate");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    for line in text.lines() {
        assert!(!line.starts_with("::add-mask") && !line.starts_with("::set-output"), "injected line: {line}");
    }
    assert!(!text.contains('\u{1b}'), "a raw escape sequence reached the terminal");
}

#[test]
fn a_project_file_next_to_a_contract_grants_no_roots() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outside = tempfile::tempdir().expect("outside");
    std::fs::write(outside.path().join("secret.csv"), format!("id\n{}\n", 7)).expect("secret");
    std::fs::create_dir_all(dir.path().join(".git")).expect("repository top");
    std::fs::write(dir.path().join(".lakegate.yaml"), "roots: []\n").expect("top project file");
    let pr = dir.path().join("pr");
    std::fs::create_dir_all(&pr).expect("mkdir");
    // The pull request adds both its contract and a project file granting the outside folder.
    std::fs::write(pr.join(".lakegate.yaml"), format!("roots: ['{}']\n", outside.path().display())).expect("pr file");
    std::fs::write(
        pr.join("c.odcs.yaml"),
        format!(
            "apiVersion: v3.1.0\nkind: DataContract\nid: pr\nversion: 1.0.0\nstatus: active\n\
             servers: [{{server: local, type: local, path: '{}', format: csv}}]\nschema:\n  - name: t\n    properties:\n      - {{name: id, logicalType: integer}}\n",
            outside.path().join("secret.csv").display()
        ),
    )
    .expect("contract");
    let out = lakegate_in(dir.path(), &["check", "pr/c.odcs.yaml"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stderr).contains("outside the allowed data roots"));
    // Also when the repository has no project file at its top.
    std::fs::remove_file(dir.path().join(".lakegate.yaml")).expect("rm top project file");
    let out = lakegate_in(dir.path(), &["check", "pr/c.odcs.yaml"]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn numbers_computed_from_classified_values_are_not_shown() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("t.csv"), "id,ssn\n1,987654321\n2,\n").expect("data");
    let contract = "apiVersion: v3.1.0\nkind: DataContract\nid: num\nversion: 1.0.0\nstatus: active\n\
        servers: [{server: local, type: local, path: t.csv, format: csv}]\nschema:\n  - name: t\n    properties:\n      \
        - {name: id, logicalType: integer}\n      - name: ssn\n        logicalType: integer\n        classification: restricted\n        required: true\n        quality:\n          \
        - {id: top, type: custom, engine: lakegate, implementation: {metric: max, mustBe: -1}}\n    quality:\n      \
        - {id: read, type: sql, query: \"SELECT MAX(ssn) FROM t\", mustBe: -1}\n";
    std::fs::write(dir.path().join("c.odcs.yaml"), contract).expect("contract");
    let out = lakegate_in(dir.path(), &["check", "c.odcs.yaml", "--format", "json"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("987654321") && !text.contains("9.87654321"), "a classified value as a number:\n{text}");
    let json: serde_json::Value = serde_json::from_str(&text).expect("json");
    let find = |suffix: &str| {
        json["contracts"][0]["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .find(|c| c["id"].as_str().is_some_and(|i| i.ends_with(suffix)))
            .cloned()
            .expect("check")
    };
    for id in ["t/ssn/top", "t/read"] {
        let c = find(id);
        assert_eq!(c["status"], "failed", "the verdict stays: {c}");
        assert!(c["observed"].is_null(), "{c}");
    }
    assert_eq!(find("t/ssn/required")["observed"], 1.0, "a count of nulls is still shown");
}

#[test]
fn classified_values_stay_hidden_through_wildcards_comparisons_and_aliases() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("p.csv"), "id,sal\n1,333337\n2,5\n").expect("data");
    std::os::unix::fs::symlink(dir.path().join("p.csv"), dir.path().join("alias.csv")).expect("symlink");
    let contract = r#"apiVersion: v3.1.0
kind: DataContract
id: w
version: 1.0.0
status: active
servers: [{server: local, type: local, path: "{model}.csv", format: csv}]
schema:
  - name: p
    properties:
      - {name: id, logicalType: integer}
      - {name: sal, logicalType: integer, classification: confidential}
    quality:
      - {id: cols, type: sql, query: "SELECT MAX(COLUMNS('s.*')) FROM p", mustBe: 0}
      - {id: star, type: sql, query: "SELECT * EXCLUDE (id) FROM p ORDER BY 1 DESC LIMIT 1", mustBe: 0}
      - {id: cmp, type: custom, engine: lakegate, implementation: {metric: aggregateComparison, aggregate: sum, property: id, compareTo: {object: p, property: sal}, mustBe: 0}}
  - name: alias
    properties:
      - {name: sal, logicalType: string, logicalTypeOptions: {maxLength: 1}}
"#;
    std::fs::write(dir.path().join("c.odcs.yaml"), contract).expect("contract");
    let out = lakegate_in(dir.path(), &["check", "c.odcs.yaml", "--json", "r.json"]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        std::fs::read_to_string(dir.path().join("r.json")).expect("report")
    );
    assert!(!all.contains("333337") && !all.contains("333342"), "a classified value leaked:\n{all}");
}
