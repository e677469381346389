//! Untrusted contracts: a pull request writes the contract CI runs, so nothing in it may read a
//! file outside its datasets. Each test plants a secret outside the contract's data, tries the
//! attack through the real binary, and greps every output for the secret.

use std::path::Path;
use std::process::Command;

const SECRET: &str = "TOPSECRET-4242";

/// Runs `lakegate check` on `contract` in `dir` with the JSON report: (exit code, stdout +
/// stderr + the JSON report).
fn run(dir: &Path, contract: &str) -> (i32, String) {
    std::fs::write(dir.join("c.odcs.yaml"), contract).expect("contract");
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(dir)
        .args(["check", "c.odcs.yaml", "--json", "r.json", "-vv"])
        .output()
        .expect("run lakegate");
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
