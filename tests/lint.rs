//! `lakegate lint` and the contract model on real files: the project's own valid and invalid
//! corpora, the official ODCS examples (from ../shared when present), round trips, and
//! hostile bytes.

use std::path::{Path, PathBuf};
use std::process::Command;

use lakegate_contract::{Severity, load_bytes, load_file};

fn files(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    v
}

fn shared_examples() -> Vec<PathBuf> {
    let root = Path::new("../shared/odcs");
    if !root.exists() {
        eprintln!("../shared/odcs not found: official examples not tested");
        return Vec::new();
    }
    let mut v = Vec::new();
    for dir in ["examples", "examples-v3.2.0-dev"] {
        v.extend(files(&format!("../shared/odcs/{dir}")));
    }
    v.push(root.join("reference-orders.odcs.yaml"));
    v
}

fn lakegate(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate")).args(args).output().expect("run lakegate");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every invalid contract fails with an error pointing into the file; the rendered
/// diagnostics are snapshot-tested (file:line:col, message, caret, help).
#[test]
fn invalid_corpus_is_rejected_with_located_diagnostics() {
    let corpus = files("tests/contracts/invalid");
    assert!(corpus.len() >= 25, "the negative corpus has {} files", corpus.len());
    for path in corpus {
        let r = load_file(&path);
        assert!(r.has_errors(), "{} should not lint clean", path.display());
        let first = r.diagnostics.iter().find(|d| d.severity == Severity::Error).expect("an error");
        assert_eq!(first.file, path.display().to_string());
        let rendered: String =
            r.diagnostics.iter().map(|d| d.render(r.source.as_deref())).collect::<Vec<_>>().join("\n");
        let name = path.file_stem().expect("stem").to_string_lossy().into_owned();
        insta::assert_snapshot!(name, rendered);
    }
}

#[test]
fn project_valid_contracts_lint_clean() {
    for path in files("tests/contracts/valid") {
        let r = load_file(&path);
        let errors: Vec<_> = r.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        assert!(r.contract.is_some());
    }
}

/// Official examples lint clean against the schema of their own `apiVersion`, except where
/// the official JSON Schema of that version rejects them too: there lakegate reports an
/// error at each place the schema validator does (checked with Python's `jsonschema`
/// against `odcs-json-schema-v3.0.2-strict.json`). Every example round-trips.
#[test]
fn official_examples_lint_against_their_own_version_and_round_trip() {
    // Two examples on the standard's `main` still say v3.0.2 but use v3.1.0 constructs.
    let schema_rejects: &[(&str, &[&str])] = &[
        (
            "data-types_all-data-types.odcs.yaml",
            &[
                "/schema/0/properties/1/logicalTypeOptions/exclusiveMinimum",
                "/schema/0/properties/2/logicalType",
                "/schema/0/properties/3/logicalType",
                "/schema/0/properties/4/logicalType",
                "/schema/0/properties/6/logicalTypeOptions/exclusiveMaximum",
            ],
        ),
        ("quality_column-completeness.odcs.yaml", &["/schema/0/properties/0/quality/0/metric"]),
    ];
    for path in shared_examples() {
        let r = load_file(&path);
        let name = path.file_name().expect("name").to_string_lossy().into_owned();
        let mut error_lines: Vec<usize> =
            r.diagnostics.iter().filter(|d| d.severity == Severity::Error).map(|d| d.line).collect();
        error_lines.sort_unstable();
        error_lines.dedup();
        let spans = lakegate_contract::spans::SpanIndex::build(r.source.as_deref().expect("source"));
        let mut expected: Vec<usize> = schema_rejects
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, ptrs)| ptrs.iter().map(|p| spans.get(p).expect(p).pos().line).collect())
            .unwrap_or_default();
        expected.sort_unstable();
        assert_eq!(error_lines, expected, "{}: {:#?}", path.display(), r.diagnostics);
        let c = r.contract.expect("parsed").contract;
        let yaml = serde_yaml::to_string(&c).expect("serialize");
        let again = load_bytes("roundtrip.yaml", yaml.as_bytes(), &|_| None);
        assert_eq!(again.contract.expect("reparsed").contract, c, "{}", path.display());
    }
}

/// The round trip keeps what the standard does not type (custom values, examples).
#[test]
fn round_trip_keeps_open_values() {
    let src = "apiVersion: v3.1.0\nkind: DataContract\nid: rt\nversion: 1.0.0\n\
               customProperties:\n  - property: nested\n    value: {a: [1, 2.5, null, true], b: text}\n\
               schema:\n  - name: t\n    properties:\n      - name: c\n        logicalType: string\n        examples: [x, 1, {k: v}]\n";
    let r = load_bytes("rt.yaml", src.as_bytes(), &|_| None);
    let c = r.contract.expect("parsed").contract;
    let yaml = serde_yaml::to_string(&c).expect("serialize");
    assert!(yaml.contains("2.5"), "{yaml}");
    let again = load_bytes("rt2.yaml", yaml.as_bytes(), &|_| None).contract.expect("reparsed").contract;
    assert_eq!(again, c);
}

#[test]
fn variables_expand_from_the_environment_or_default() {
    let src = std::fs::read("tests/contracts/valid/v320-variables-enum-map.odcs.yaml").expect("fixture");
    let set = |n: &str| (n == "LAKE_ROOT").then(|| "/data/lake".to_owned());
    let c = load_bytes("v.yaml", &src, &set).contract.expect("parsed").contract;
    assert_eq!(c.name.as_deref(), Some("listings"), "default applies when unset");
    let servers = c.servers.expect("servers");
    assert_eq!(servers[0].path.as_deref(), Some("/data/lake/{model}/*.parquet"));
    let unset =
        load_bytes("v.yaml", b"apiVersion: v3.2.0\nkind: DataContract\nid: x\nversion: '1'\nname: ${NOPE}\n", &|_| {
            None
        });
    let d = &unset.diagnostics[0];
    assert_eq!((d.code, d.line, d.column), ("undefined-variable", 5, 7));
    assert!(d.message.contains("`NOPE`"));
}

/// Random, truncated and binary inputs produce diagnostics, never a panic.
#[test]
fn hostile_bytes_never_panic() {
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    let reference = std::fs::read("tests/contracts/valid/v320-variables-enum-map.odcs.yaml").expect("fixture");
    for cut in (0..reference.len()).step_by(7) {
        inputs.push(reference[..cut].to_vec());
    }
    // A deterministic xorshift stream of bytes, and of YAML-ish characters.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let alphabet = b"ab:- \n[]{}'\"#&*!|>%@`,?\t0.~$";
    for len in [1usize, 2, 5, 17, 64, 300, 2048] {
        let mut raw = Vec::new();
        let mut text = Vec::new();
        for _ in 0..len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            raw.push((x & 0xff) as u8);
            text.push(alphabet[(x % alphabet.len() as u64) as usize]);
        }
        inputs.push(raw);
        inputs.push(text);
    }
    inputs.push(b"apiVersion: v3.1.0\nkind: DataContract\n&a [*a, *a]: 1\n".to_vec());
    inputs.push(b"apiVersion: !!binary AAAA\nkind: DataContract\n".to_vec());
    for input in inputs {
        let r = load_bytes("fuzz.yaml", &input, &|_| None);
        if r.contract.is_none() {
            assert!(r.has_errors(), "no contract and no error for {:?}", String::from_utf8_lossy(&input));
        }
    }
}

#[test]
fn cli_lint_exit_codes_and_formats() {
    let (code, out, _) = lakegate(&["lint", "tests/contracts/valid"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("4 file(s), 4 valid, 0 invalid"), "{out}");

    let (code, out, _) = lakegate(&["lint", "tests/contracts/invalid/02-unknown-property-key.yaml"]);
    assert_eq!(code, 2);
    assert!(out.contains("error[unknown-key]: unknown key `requird` in property `order_id`"), "{out}");
    assert!(out.contains("--> tests/contracts/invalid/02-unknown-property-key.yaml:10:9"), "{out}");
    assert!(out.contains("help: did you mean `required`?"), "{out}");

    let (code, out, _) =
        lakegate(&["lint", "--format", "json", "tests/contracts/invalid/02-unknown-property-key.yaml"]);
    assert_eq!(code, 2);
    let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
    let d = &doc["files"][0]["diagnostics"][0];
    assert_eq!(d["code"], "unknown-key");
    assert_eq!(d["severity"], "error");
    assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(10), Some(9)));
    assert_eq!(d["help"], "did you mean `required`?");

    let (code, out, _) = lakegate(&["lint", "does/not/exist.yaml"]);
    assert_eq!(code, 2);
    assert!(out.contains("`does/not/exist.yaml` does not exist"), "{out}");

    let (code, _, err) = lakegate(&["lint", "--bogus"]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn cli_schema_prints_a_json_schema_of_the_model() {
    let (code, out, _) = lakegate(&["schema"]);
    assert_eq!(code, 0);
    let schema: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(schema["properties"]["apiVersion"]["type"], "string");
    assert_eq!(schema["additionalProperties"], false);
    let required = schema["required"].as_array().expect("required");
    for key in ["apiVersion", "kind", "id", "version"] {
        assert!(required.iter().any(|r| r == key), "{key} is required");
    }
    let defs = schema["$defs"].as_object().expect("defs");
    assert!(defs.contains_key("QualityRule") && defs.contains_key("Property"));
}

/// The keys a JSON Schema node allows: its `properties`, through `$ref`, `allOf`/`anyOf`/
/// `oneOf` and `if`/`then`/`else` (as the standard composes server types and rule types).
fn schema_keys(
    schema: &serde_json::Value,
    node: &serde_json::Value,
    depth: usize,
) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    if depth > 8 {
        return out;
    }
    if let Some(r) = node.get("$ref").and_then(|r| r.as_str()) {
        let mut target = schema;
        for part in r.trim_start_matches("#/").split('/') {
            target = &target[part];
        }
        out.extend(schema_keys(schema, target, depth + 1));
    }
    if let Some(props) = node.get("properties").and_then(|p| p.as_object()) {
        out.extend(props.keys().cloned());
    }
    for k in ["allOf", "anyOf", "oneOf"] {
        for n in node.get(k).and_then(|a| a.as_array()).into_iter().flatten() {
            out.extend(schema_keys(schema, n, depth + 1));
        }
    }
    for k in ["then", "else"] {
        if let Some(n) = node.get(k) {
            out.extend(schema_keys(schema, n, depth + 1));
        }
    }
    out
}

/// lakegate's model (the union of the versions) minus the keys `versions.rs` says a later
/// version introduced is exactly what each official schema allows, construct by construct.
#[test]
fn version_tables_match_the_official_schemas() {
    use lakegate_contract::versions::{Construct, Version, key_introduced};
    let dir = Path::new("../shared/odcs/schema");
    if !dir.exists() {
        eprintln!("../shared/odcs/schema not found: version tables not compared");
        return;
    }
    let model = lakegate_contract::json_schema();
    let model_keys = |def: &str| -> std::collections::BTreeSet<String> {
        let node = if def.is_empty() { &model } else { &model["$defs"][def] };
        node["properties"].as_object().unwrap_or_else(|| panic!("model {def}")).keys().cloned().collect()
    };
    for (file, version) in [
        ("odcs-json-schema-v3.0.2-strict.json", Version::V3_0),
        ("odcs-json-schema-v3.1.0.json", Version::V3_1),
        ("odcs-json-schema-v3.2.0.json", Version::V3_2),
    ] {
        let text = std::fs::read_to_string(dir.join(file)).expect("schema");
        let odcs: serde_json::Value = serde_json::from_str(&text).expect("json");
        let team_member = if version == Version::V3_0 { "Team" } else { "TeamMember" };
        let mut pairs = vec![
            (Construct::Contract, "", ""),
            (Construct::Server, "Server", "Server"),
            (Construct::SchemaObject, "SchemaObject", "SchemaObject"),
            (Construct::Property, "Property", "SchemaProperty"),
            (Construct::QualityRule, "QualityRule", "DataQuality"),
            (Construct::CustomProperty, "CustomProperty", "CustomProperty"),
            (Construct::Sla, "SlaProperty", "ServiceLevelAgreementProperty"),
            (Construct::TeamMember, "TeamMember", team_member),
            (Construct::SupportItem, "SupportItem", "SupportItem"),
            (Construct::Role, "Role", "Role"),
            (Construct::Price, "Price", "Pricing"),
        ];
        if version >= Version::V3_1 {
            pairs.push((Construct::Team, "Team", "Team"));
            pairs.push((Construct::Relationship, "Relationship", "RelationshipSchemaLevel"));
        }
        for (construct, model_def, odcs_def) in pairs {
            let node = if odcs_def.is_empty() { &odcs } else { &odcs["$defs"][odcs_def] };
            let want = schema_keys(&odcs, node, 0);
            let have: std::collections::BTreeSet<String> = model_keys(model_def)
                .into_iter()
                .filter(|k| key_introduced(construct, k).is_none_or(|since| since <= version))
                .collect();
            assert_eq!(have, want, "{file}: {construct:?} (model {model_def}, schema {odcs_def})");
        }
    }
}

/// A lakegate freshness rule takes a time unit (`d` is days, as `check` reads it), never
/// warned as "read as rows"; `ms` and the other SLA units are read.
#[test]
fn freshness_units_are_time_units() {
    let src = "apiVersion: v3.1.0\nkind: DataContract\nid: f\nversion: 1.0.0\nstatus: active\n\
               schema:\n  - name: events\n    properties:\n      - name: ts\n        logicalType: timestamp\n\
               \x20       quality:\n          - type: custom\n            engine: lakegate\n            unit: d\n\
               \x20           implementation: { metric: freshness, mustBeLessOrEqualTo: 2 }\n\
               \x20         - type: custom\n            engine: lakegate\n            unit: ms\n\
               \x20           implementation: { metric: freshness, mustBeLessOrEqualTo: 500 }\n";
    let r = load_bytes("f.yaml", src.as_bytes(), &|_| None);
    assert!(r.diagnostics.is_empty(), "{:#?}", r.diagnostics);
}

/// Server placeholders in SQL are no environment variables, SLA forms of the standard are
/// read, and SQL the embedded engine cannot run is a warning naming the reason.
#[test]
fn schema_valid_forms_of_other_tools_lint_clean_with_warnings() {
    let r = load_file(Path::new("tests/contracts/valid/v310-sla-forms-and-vendor-sql.odcs.yaml"));
    assert!(!r.has_errors(), "{:#?}", r.diagnostics);
    let warnings: Vec<&str> =
        r.diagnostics.iter().filter(|d| d.code == "engine-sql").map(|d| d.message.as_str()).collect();
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert!(warnings[0].contains("`count_if`"), "{warnings:#?}");
    assert!(warnings[1].contains("`read_parquet`"), "{warnings:#?}");
    assert!(r.diagnostics.iter().all(|d| d.code != "undefined-variable"));
    let q = lakegate_contract::sql::substitute_server(
        "SELECT 1 FROM ${project}.${dataset}.orders",
        &r.contract.expect("parsed").contract.servers.expect("servers")[0],
    );
    assert_eq!(q, "SELECT 1 FROM acme-analytics.sales.orders");
}

/// A lakegate rule may read a column the contract does not declare (check reads it from
/// the data), so its names are warnings with a hint, never errors.
#[test]
fn lakegate_rule_names_are_checked_against_declared_properties() {
    let src = "apiVersion: v3.2.0\nkind: DataContract\nid: l\nversion: 1.0.0\n\
               schema:\n  - name: orders\n    properties:\n      - name: amount\n        logicalType: number\n\
               \x20     - name: status\n        logicalType: string\n    quality:\n      - type: custom\n\
               \x20       engine: lakegate\n        implementation:\n          metric: avg\n          property: amout\n\
               \x20         where: \"stauts = 'paid'\"\n          mustBeGreaterThan: 0\n";
    let r = load_bytes("l.yaml", src.as_bytes(), &|_| None);
    assert!(!r.has_errors(), "{:#?}", r.diagnostics);
    let hints: Vec<(&str, usize, Option<&str>)> =
        r.diagnostics.iter().map(|d| (d.code, d.line, d.help.as_deref())).collect();
    assert_eq!(
        hints,
        vec![
            ("undeclared-property", 17, Some("did you mean `amount`?")),
            ("undeclared-property", 18, Some("did you mean `status`?")),
        ]
    );
}

/// SQL that only a warehouse runs leaves the contract valid (lint warns) and `check`
/// errors exactly those rules, each with its reason; a file-reading table function never
/// runs.
#[test]
fn vendor_sql_errors_its_rule_alone_in_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("orders.csv"), "order_id,amount\na,1\nb,2\n").expect("csv");
    let contract = "apiVersion: v3.1.0\nkind: DataContract\nid: vendor-sql\nversion: 1.0.0\nstatus: active\n\
                    servers:\n  - server: local\n    type: local\n    path: orders.csv\n    format: csv\n\
                    schema:\n  - name: orders\n    properties:\n      - name: order_id\n        logicalType: string\n\
                    \x20     - name: amount\n        logicalType: number\n    quality:\n\
                    \x20     - {id: files, type: sql, query: \"SELECT COUNT(*) FROM read_parquet('/etc/passwd')\", mustBe: 0}\n\
                    \x20     - {id: vendor, type: sql, query: \"SELECT COUNT_IF(amount < 0) FROM orders\", mustBe: 0}\n\
                    \x20     - {id: plain, type: sql, query: \"SELECT COUNT(*) FROM orders WHERE amount < 0\", mustBe: 0}\n";
    let path = dir.path().join("c.odcs.yaml");
    std::fs::write(&path, contract).expect("contract");
    let p = path.to_str().expect("utf-8");
    let (code, out, _) = lakegate(&["lint", p]);
    assert_eq!(code, 0, "{out}");
    let root = dir.path().to_str().expect("utf-8");
    let (code, out, err) = lakegate(&["check", p, "--root", root, "--format", "json"]);
    assert_eq!(code, 3, "{out}{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
    let checks: Vec<&serde_json::Value> = doc["contracts"]
        .as_array()
        .expect("contracts")
        .iter()
        .flat_map(|c| c["checks"].as_array().expect("checks").iter())
        .collect();
    let find = |id: &str| checks.iter().find(|c| c["id"].as_str().is_some_and(|s| s.ends_with(id))).expect(id);
    assert_eq!(find("/files")["status"], "errored");
    assert!(find("/files")["message"].as_str().expect("message").contains("reads files"), "{out}");
    assert_eq!(find("/vendor")["status"], "errored");
    assert_eq!(find("/plain")["status"], "passed");
}

/// A v3.0.x contract runs as v3.0 wrote it: `rule: nullCheck` counts nulls against an
/// implied `mustBe: 0`, and `exclusiveMinimum: true` makes `minimum` exclusive.
#[test]
fn v3_0_contracts_run_as_v3_0_wrote_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("orders.csv"), "order_id,amount\na,1\nb,-2\n,3\n").expect("csv");
    let contract = "apiVersion: v3.0.2\nkind: DataContract\nid: v30\nversion: 1.0.0\nstatus: active\n\
                    servers:\n  - server: local\n    type: local\n    path: orders.csv\n    format: csv\n\
                    schema:\n  - name: orders\n    properties:\n      - name: order_id\n        logicalType: string\n\
                    \x20       quality:\n          - rule: nullCheck\n      - name: amount\n        logicalType: number\n\
                    \x20       logicalTypeOptions: {minimum: 1, exclusiveMinimum: true}\n";
    let path = dir.path().join("c.odcs.yaml");
    std::fs::write(&path, contract).expect("contract");
    let p = path.to_str().expect("utf-8");
    let (code, out, err) = lakegate(&["check", p, "--root", dir.path().to_str().expect("utf-8"), "--format", "json"]);
    assert_eq!(code, 1, "{out}{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).expect("json");
    let checks: Vec<&serde_json::Value> = doc["contracts"]
        .as_array()
        .expect("contracts")
        .iter()
        .flat_map(|c| c["checks"].as_array().expect("checks"))
        .collect();
    let null_check = checks.iter().find(|c| c["kind"] == "library.nullValues").expect("nullCheck");
    assert_eq!((null_check["status"].as_str(), null_check["observed"].as_f64()), (Some("failed"), Some(1.0)));
    let min = checks.iter().find(|c| c["title"].as_str().is_some_and(|t| t.contains("> 1"))).expect("minimum");
    assert_eq!((min["status"].as_str(), min["observed"].as_f64()), (Some("failed"), Some(2.0)), "1 and -2 are not > 1");
}

/// What `check` would refuse about reading a server's files is warned about at lint time, at
/// the key: a format lakegate does not read, and a location without `{model}` shared by several
/// schema objects. One object per location, or `{model}`, is quiet.
#[test]
fn server_reading_problems_are_warned_at_their_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let contract = |servers: &str, objects: &[&str]| {
        let schema: String = objects
            .iter()
            .map(|o| format!("  - name: {o}\n    properties:\n      - {{name: id, logicalType: integer}}\n"))
            .collect();
        format!(
            "apiVersion: v3.1.0\nkind: DataContract\nid: c\nname: c\nversion: 1.0.0\nstatus: active\nservers:\n{servers}schema:\n{schema}"
        )
    };
    let cases = [
        ("  - {server: lake, type: local, path: data, format: delta}\n", &["t"][..], Some(("unsupported-format", 8))),
        (
            "  - {server: lake, type: local, path: data/x.parquet, format: parquet}\n",
            &["a", "b"][..],
            Some(("shared-location", 8)),
        ),
        (
            "  - {server: s3, type: s3, location: 's3://b/lake/*.parquet'}\n",
            &["a", "b"][..],
            Some(("shared-location", 8)),
        ),
        ("  - {server: s3, type: s3, location: 's3://b/lake/{model}/*.parquet'}\n", &["a", "b"][..], None),
        ("  - {server: lake, type: local, path: data/x.parquet, format: parquet}\n", &["a"][..], None),
    ];
    for (i, (servers, objects, expected)) in cases.iter().enumerate() {
        let file = dir.path().join(format!("c{i}.odcs.yaml"));
        std::fs::write(&file, contract(servers, objects)).expect("write");
        let (code, out, err) = lakegate(&["lint", file.to_str().expect("utf-8")]);
        assert_eq!(code, 0, "case {i}: warnings only\n{out}{err}");
        let all = format!("{out}{err}");
        match expected {
            Some((code, line)) => {
                assert!(all.contains(code), "case {i}: no {code}\n{all}");
                assert!(all.contains(&format!("c{i}.odcs.yaml:{line}:")), "case {i}: not at line {line}\n{all}");
            }
            None => assert!(!all.contains("shared-location") && !all.contains("unsupported-format"), "case {i}\n{all}"),
        }
    }
}
