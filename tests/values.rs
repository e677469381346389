//! Values users compare across tools (issue 12, "Values"): string literals compared with date
//! and timestamp columns in every expression form, exact integer sums and means, one NaN
//! rule for every metric and bound, boolean means, empty patterns, data from the future.
//! Every answer is known from the fixture; the sliced read (a small `--slice-rows`) must give
//! the same answers as the whole read.

mod common;

use std::path::Path;
use std::process::Command;

use common::write_parquet;
use polars::prelude::*;
use serde_json::Value;

const H: i64 = 3_600_000_000;
/// 2013-01-01T00:00:00 in microseconds.
const JAN1: i64 = 15_706 * 24 * H;

fn rule(id: &str, body: &str) -> String {
    format!("      - id: {id}\n        type: custom\n        engine: lakegate\n        implementation: {body}\n")
}

fn contract(id: &str, objects: &[(&str, &str, &[String])]) -> String {
    let mut s = format!(
        "apiVersion: v3.1.0\nkind: DataContract\nid: {id}\nversion: 1.0.0\nstatus: active\n\
         servers: [{{server: local, type: local, path: 'data/{{model}}', format: parquet}}]\nschema:\n"
    );
    for (name, properties, rules) in objects {
        s.push_str(&format!("  - name: {name}\n    properties:\n{properties}"));
        if !rules.is_empty() {
            s.push_str("    quality:\n");
            for r in *rules {
                s.push_str(r);
            }
        }
    }
    s
}

struct Run {
    code: i32,
    json: Value,
    out: String,
}

fn lakegate(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_lakegate"))
        .current_dir(dir)
        .args(["check", "c.odcs.yaml", "--now", "2026-11-26T06:00:00Z", "--json", "r.json"])
        .args(args)
        .output()
        .expect("run");
    let json = std::fs::read_to_string(dir.join("r.json"))
        .ok()
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(Value::Null);
    let _ = std::fs::remove_file(dir.join("r.json"));
    Run {
        code: out.status.code().unwrap_or(-1),
        json,
        out: format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
    }
}

fn find<'a>(run: &'a Run, id: &str) -> &'a Value {
    run.json["contracts"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["checks"].as_array().into_iter().flatten())
        .find(|r| r["id"].as_str().is_some_and(|s| s.ends_with(&format!("/{id}"))))
        .unwrap_or_else(|| panic!("no check {id}: {}", run.out))
}

/// The check has this status and exactly this observed value.
fn expect(run: &Run, id: &str, status: &str, observed: f64) {
    let r = find(run, id);
    assert_eq!(r["status"], status, "{id}: {}", r["message"]);
    assert_eq!(r["observed"].as_f64(), Some(observed), "{id}: {}", r["message"]);
}

/// The check has this status and its message says `needle`.
fn expect_message(run: &Run, id: &str, status: &str, needle: &str) {
    let r = find(run, id);
    assert_eq!(r["status"], status, "{id}: {}", r["message"]);
    let m = r["message"].as_str().unwrap_or("");
    assert!(m.contains(needle), "{id}: `{m}` does not say `{needle}`");
}

fn timestamps(name: &str, us: Vec<i64>, tz: Option<TimeZone>) -> Column {
    Series::new(name.into(), us).cast(&DataType::Datetime(TimeUnit::Microseconds, tz)).expect("ts").into_column()
}

/// flights: `time_hour` 2013-01-01 03:00 .. 08:00 (six rows), `local` the same instants in
/// Europe/Berlin (UTC+1). events: hive partitions dt=2026-11-24 (2 rows) and dt=2026-11-25
/// (3 rows).
fn temporal_fixture(dir: &Path) {
    let us: Vec<i64> = (3..=8).map(|h| JAN1 + h * H).collect();
    let berlin = TimeZone::opt_try_new(Some("Europe/Berlin")).expect("tz");
    let mut flights = DataFrame::new(
        6,
        vec![
            Column::new("id".into(), (1..=6).collect::<Vec<i64>>()),
            timestamps("time_hour", us.clone(), None),
            timestamps("local", us, berlin),
        ],
    )
    .expect("flights");
    write_parquet(&dir.join("data/flights/flights.parquet"), &mut flights);
    for (day, n) in [("2026-11-24", 2i64), ("2026-11-25", 3)] {
        let mut df =
            DataFrame::new(n as usize, vec![Column::new("v".into(), (0..n).collect::<Vec<i64>>())]).expect("events");
        write_parquet(&dir.join(format!("data/events/dt={day}/part.parquet")), &mut df);
    }
}

const FLIGHT_PROPS: &str = "      - {name: id, logicalType: integer}\n      - {name: time_hour, logicalType: timestamp}\n      - {name: local, logicalType: timestamp}\n";
const EVENT_PROPS: &str = "      - {name: v, logicalType: integer}\n      - {name: dt, logicalType: date}\n";

#[test]
fn string_literals_compared_with_dates_and_timestamps_take_the_column_type() {
    let dir = tempfile::tempdir().expect("tempdir");
    temporal_fixture(dir.path());
    let flights = [
        rule("late_rows", "{metric: rowCondition, expression: \"time_hour >= '2013-01-01 05:00:00'\", mustBe: 0}"),
        rule(
            "late_where",
            "{metric: rowCount, where: \"time_hour BETWEEN '2013-01-01 05:00' AND '2013-01-01T06:00:00'\", mustBe: 2}",
        ),
        rule(
            "late_expression",
            "{metric: expression, expression: \"sum(CASE WHEN time_hour >= '2013-01-01' AND time_hour < '2013-01-01 05:00' THEN 1 ELSE 0 END)\", mustBe: 2}",
        ),
        rule("berlin_wall_clock", "{metric: rowCount, where: \"local >= '2013-01-01 06:00:00'\", mustBe: 4}"),
        rule("berlin_instant", "{metric: rowCount, where: \"local >= '2013-01-01T05:00:00Z'\", mustBe: 4}"),
        rule(
            "in_list",
            "{metric: rowCount, where: \"time_hour IN ('2013-01-01 03:00:00', '2013-01-01 08:00:00')\", mustBe: 2}",
        ),
        rule("bad_literal", "{metric: rowCount, where: \"time_hour >= '2013-13-01'\", mustBe: 0}"),
        "      - id: sql_late\n        type: sql\n        query: \"SELECT count(*) FROM flights WHERE time_hour >= '2013-01-01 05:00:00'\"\n        mustBe: 4\n".to_owned(),
        // polars SQL reads a wall-clock literal in a zoned column's time zone too: one answer.
        "      - id: sql_berlin\n        type: sql\n        query: \"SELECT count(*) FROM flights WHERE local >= '2013-01-01 06:00:00'\"\n        mustBe: 4\n".to_owned(),
    ];
    let events = [rule("one_day", "{metric: rowCount, where: \"dt = '2026-11-25'\", mustBe: 3}")];
    let c = contract(
        "temporal",
        &[("flights", FLIGHT_PROPS, flights.as_slice()), ("events", EVENT_PROPS, events.as_slice())],
    );
    std::fs::write(dir.path().join("c.odcs.yaml"), c).expect("contract");
    for slice in ["0", "2"] {
        let run = lakegate(dir.path(), &["--slice-rows", slice]);
        // rowCondition counts the rows where it is false: 03:00 and 04:00.
        expect(&run, "late_rows", "failed", 2.0);
        expect(&run, "late_where", "passed", 2.0);
        expect(&run, "late_expression", "passed", 2.0);
        expect(&run, "berlin_wall_clock", "passed", 4.0);
        expect(&run, "berlin_instant", "passed", 4.0);
        expect(&run, "in_list", "passed", 2.0);
        expect(&run, "sql_late", "passed", 4.0);
        expect(&run, "sql_berlin", "passed", 4.0);
        expect(&run, "one_day", "passed", 3.0);
        // Not a date: an error naming the expression, and only this check's.
        expect_message(&run, "bad_literal", "errored", "'2013-13-01' is not a timestamp");
        expect_message(&run, "bad_literal", "errored", "time_hour >= '2013-13-01'");
        assert_eq!(run.code, 3, "{}", run.out);
    }
    // `--where` on a date partition, as `check --help` shows it.
    let run = lakegate(dir.path(), &["--where", "dt = '2026-11-25'"]);
    let events = run.json["contracts"][0]["datasets"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["name"] == "events")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(events["rows"].as_u64(), Some(3), "{}", run.out);
    let run = lakegate(dir.path(), &["--where", "dt = '25.11.2026'"]);
    let events = run.json["contracts"][0]["datasets"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|d| d["name"] == "events")
        .cloned()
        .unwrap_or(Value::Null);
    let error = events["error"].as_str().unwrap_or("");
    assert!(error.contains("'25.11.2026' is not a date") && error.contains("--where"), "{error}: {}", run.out);
}

fn decimals(name: &str, values: &[Option<&str>], precision: usize, scale: usize) -> Column {
    Series::new(name.into(), values.to_vec()).cast(&DataType::Decimal(precision, scale)).expect("decimal").into_column()
}

/// `big` = [2^53, 1, 1, null], `neg` = [-2^53, -1, -1, null], `huge` (uint64) = [2^63, 2^63, 0, 1],
/// `cents` decimal(10,2) = [0.10, 0.20, null, -0.07], `rate` decimal(38,18) = [0.1, 0.2, null, 0.3].
fn integer_fixture(dir: &Path) {
    let p53 = 1i64 << 53;
    let mut df = DataFrame::new(
        4,
        vec![
            Column::new("big".into(), [Some(p53), Some(1), Some(1), None]),
            Column::new("neg".into(), [Some(-p53), Some(-1), Some(-1), None]),
            Column::new("huge".into(), [1u64 << 63, 1u64 << 63, 0, 1]),
            decimals("cents", &[Some("0.10"), Some("0.20"), None, Some("-0.07")], 10, 2),
            decimals("rate", &[Some("0.1"), Some("0.2"), None, Some("0.3")], 38, 18),
        ],
    )
    .expect("ints");
    write_parquet(&dir.join("data/ints/ints.parquet"), &mut df);
}

#[test]
fn integer_sums_and_means_are_exact_whole_and_sliced() {
    let dir = tempfile::tempdir().expect("tempdir");
    integer_fixture(dir.path());
    let rules = [
        rule("sum_big", "{metric: sum, property: big, mustBe: 9007199254740994}"),
        rule("sum_big_sql", "{metric: expression, expression: 'sum(big)', mustBe: 9007199254740994}"),
        rule("avg_big", "{metric: avg, property: big, mustBeGreaterThan: 3002399751580331}"),
        rule("sum_neg", "{metric: sum, property: neg, mustBe: -9007199254740994}"),
        rule("avg_neg", "{metric: avg, property: neg, mustBeLessThan: -3002399751580331}"),
        rule("sum_huge", "{metric: sum, property: huge, mustBe: 1.8446744073709552e19}"),
        rule("avg_huge", "{metric: avg, property: huge, mustBeGreaterThan: 0}"),
        rule("sum_big_where", "{metric: sum, property: big, where: 'big < 2', mustBe: 2}"),
        rule("sum_cents", "{metric: sum, property: cents, mustBe: 0.23}"),
        rule("avg_cents", "{metric: avg, property: cents, mustBeGreaterThan: 0}"),
        rule("sum_rate", "{metric: sum, property: rate, mustBe: 0.6}"),
        rule("avg_rate", "{metric: avg, property: rate, mustBe: 0.2}"),
        rule("sum_by_neg", "{metric: sum, property: big, groupBy: [neg], mustBeLessThan: 10}"),
        rule("avg_by_neg", "{metric: avg, property: big, groupBy: [neg], mustBeLessThan: 10}"),
    ];
    let props = "      - {name: big, logicalType: integer}\n      - {name: neg, logicalType: integer}\n      - {name: huge, logicalType: integer}\n      - {name: cents, logicalType: number}\n      - {name: rate, logicalType: number}\n";
    std::fs::write(dir.path().join("c.odcs.yaml"), contract("ints", &[("ints", props, rules.as_slice())]))
        .expect("contract");
    // Whole, one row per slice, two rows per slice.
    for slice in ["0", "1", "2"] {
        let run = lakegate(dir.path(), &["--slice-rows", slice]);
        expect(&run, "sum_big", "passed", 9_007_199_254_740_994.0);
        expect(&run, "sum_big_sql", "passed", 9_007_199_254_740_994.0);
        // (2^53 + 2) / 3 = 3002399751580331.33..., whose nearest f64 is ...331.5 (an f64 sum
        // gives 2^53 / 3, nearest ...330.5).
        expect(&run, "avg_big", "passed", 3_002_399_751_580_331.5);
        expect(&run, "sum_neg", "passed", -9_007_199_254_740_994.0);
        expect(&run, "avg_neg", "passed", -3_002_399_751_580_331.5);
        // 2^64 + 1 rounds to 2^64 once; an int64 sum would wrap.
        expect(&run, "sum_huge", "passed", 18_446_744_073_709_551_616.0);
        expect(&run, "avg_huge", "passed", 4_611_686_018_427_387_904.0);
        expect(&run, "sum_big_where", "passed", 2.0);
        // Decimal sums are decimal arithmetic (f64 gives 0.23000000000000004 and 0.6000000000000001).
        expect(&run, "sum_cents", "passed", 0.23);
        expect(&run, "avg_cents", "passed", 0.23 / 3.0);
        expect(&run, "sum_rate", "passed", 0.6);
        expect(&run, "avg_rate", "passed", 0.2);
        // Groups of `neg`: -2^53 (big 2^53), -1 (big 1, 1), null (big null): one breaks the bound,
        // with its exact value.
        expect(&run, "sum_by_neg", "failed", 1.0);
        assert_eq!(find(&run, "sum_by_neg")["failing_groups"][0][1].as_f64(), Some(9_007_199_254_740_992.0));
        // The null group has no value to average: said apart from the failing group.
        expect(&run, "avg_by_neg", "failed", 1.0);
        expect_message(&run, "avg_by_neg", "failed", "without a value");
        assert_eq!(find(&run, "avg_by_neg")["failing_groups"][0][1].as_f64(), Some(9_007_199_254_740_992.0));
    }
}

/// `x` = [1, NaN, 3, null, 5, NaN], `y` = [1, 2, 3, null, 5, 2] (no NaN), `f` (float32) = [NaN, 1, 1, 1, 1, 1].
fn nan_fixture(dir: &Path) {
    let nan = f64::NAN;
    let mut df = DataFrame::new(
        6,
        vec![
            Column::new("x".into(), [Some(1.0), Some(nan), Some(3.0), None, Some(5.0), Some(nan)]),
            Column::new("y".into(), [Some(1.0f64), Some(2.0), Some(3.0), None, Some(5.0), Some(2.0)]),
            Column::new("f".into(), [f32::NAN, 1.0, 1.0, 1.0, 1.0, 1.0]),
        ],
    )
    .expect("floats");
    write_parquet(&dir.join("data/floats/floats.parquet"), &mut df);
}

#[test]
fn nan_is_a_value_that_breaks_bounds_and_makes_statistics_undefined() {
    let dir = tempfile::tempdir().expect("tempdir");
    nan_fixture(dir.path());
    let stats = ["min", "max", "avg", "sum", "stddev", "median"];
    let mut rules: Vec<String> = Vec::new();
    for s in stats {
        rules.push(rule(&format!("{s}_x"), &format!("{{metric: {s}, property: x, mustBeGreaterThan: -100}}")));
        rules.push(rule(&format!("{s}_y"), &format!("{{metric: {s}, property: y, mustBeGreaterThan: -100}}")));
    }
    rules.push(rule("p90_x", "{metric: quantile, q: 0.9, property: x, mustBeGreaterThan: -100}"));
    rules.push(rule("max_f", "{metric: max, property: f, mustBeLessThan: 2}"));
    rules.push(rule("max_x_where", "{metric: max, property: x, where: 'y < 4', mustBeLessThan: 10}"));
    rules.push(rule("distinct_x", "{metric: distinctCount, property: x, mustBe: 4}"));
    rules.push(rule("ratio_x", "{metric: distinctRatio, property: x, mustBe: 0.8}"));
    rules.push(rule("nulls_x", "{metric: nullCount, property: x, mustBe: 1}"));
    rules.push(rule("avg_between", "{metric: avg, property: x, mustBeBetween: [0, 10]}"));
    rules.push(rule("max_by_y", "{metric: max, property: x, groupBy: [y], mustBeLessThan: 10}"));
    let props = "      - name: x\n        logicalType: number\n        required: true\n        unique: true\n        logicalTypeOptions: {minimum: 0, exclusiveMaximum: 10}\n      - {name: y, logicalType: number}\n      - name: f\n        logicalType: number\n        logicalTypeOptions: {maximum: 2, exclusiveMinimum: 0}\n";
    std::fs::write(dir.path().join("c.odcs.yaml"), contract("floats", &[("floats", props, rules.as_slice())]))
        .expect("contract");
    for slice in ["0", "2"] {
        let run = lakegate(dir.path(), &["--slice-rows", slice]);
        for s in stats {
            expect_message(&run, &format!("{s}_x"), "errored", &format!("2 NaN values in `x`: its {s} is undefined"));
        }
        expect_message(&run, "p90_x", "errored", "2 NaN values in `x`: its quantile(0.9) is undefined");
        expect_message(&run, "max_f", "errored", "1 NaN value in `f`: its max is undefined");
        expect_message(&run, "avg_between", "errored", "2 NaN values in `x`");
        // Rows where y < 4: x = 1, NaN, 3, NaN.
        expect_message(&run, "max_x_where", "errored", "2 NaN values in `x`");
        expect(&run, "min_y", "passed", 1.0);
        expect(&run, "max_y", "passed", 5.0);
        expect(&run, "avg_y", "passed", 2.6);
        expect(&run, "sum_y", "passed", 13.0);
        expect(&run, "median_y", "passed", 2.0);
        let sd = find(&run, "stddev_y")["observed"].as_f64().unwrap_or(f64::NAN);
        assert!((sd - 1.516_575_088_810_310_7).abs() < 1e-12, "stddev_y {sd}");
        // NaN is one distinct value (all NaNs are equal, as in SQL engines' GROUP BY).
        expect(&run, "distinct_x", "passed", 4.0);
        expect(&run, "ratio_x", "passed", 0.8);
        // NaN is not null.
        expect(&run, "nulls_x", "passed", 1.0);
        let checks: Vec<&Value> = run.json["contracts"][0]["checks"].as_array().into_iter().flatten().collect();
        let by_kind = |kind: &str| -> &Value {
            checks
                .iter()
                .find(|c| c["kind"].as_str().is_some_and(|k| k.ends_with(kind)) && c["property"] == "x")
                .unwrap_or_else(|| panic!("no {kind} check: {}", run.out))
        };
        // Both NaN rows break `minimum: 0` and `exclusiveMaximum: 10`.
        assert_eq!(by_kind("minimum")["observed"].as_f64(), Some(2.0), "{}", by_kind("minimum"));
        assert_eq!(by_kind("exclusiveMaximum")["observed"].as_f64(), Some(2.0), "{}", by_kind("exclusiveMaximum"));
        let on_f = |kind: &str| -> &Value {
            checks
                .iter()
                .find(|c| c["kind"].as_str().is_some_and(|k| k.ends_with(kind)) && c["property"] == "f")
                .unwrap_or_else(|| panic!("no {kind} check on f: {}", run.out))
        };
        // The float32 NaN breaks `maximum: 2` and `exclusiveMinimum: 0`.
        assert_eq!(on_f("maximum")["observed"].as_f64(), Some(1.0), "{}", on_f("maximum"));
        assert_eq!(on_f("exclusiveMinimum")["observed"].as_f64(), Some(1.0), "{}", on_f("exclusiveMinimum"));
        // required: the one null; unique: the second NaN repeats the first.
        assert_eq!(by_kind("required")["observed"].as_f64(), Some(1.0), "{}", by_kind("required"));
        assert_eq!(by_kind("unique")["observed"].as_f64(), Some(1.0), "{}", by_kind("unique"));
    }
}

/// The run's clock of `lakegate()`: 2026-11-26T06:00:00Z in microseconds.
const NOW: i64 = 20_783 * 24 * H + 6 * H;

#[test]
fn boolean_means_empty_patterns_and_data_from_the_future() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut df = DataFrame::new(
        4,
        vec![
            Column::new("flag".into(), [Some(true), Some(false), Some(true), None]),
            Column::new("name".into(), ["a", "", "ccc", "dd"]),
            timestamps("ahead", vec![NOW - 30 * H, NOW + 2 * H, NOW, NOW - H], None),
            timestamps("near", vec![NOW - H, NOW + 30_000_000, NOW, NOW], None),
            timestamps("past", vec![NOW - 3 * H, NOW - 5 * H, NOW - 4 * H, NOW - 3 * H], None),
        ],
    )
    .expect("frame");
    write_parquet(&dir.path().join("data/t/t.parquet"), &mut df);
    let hours =
        |id: &str, body: &str| rule(id, body).replacen("        engine:", "        unit: h\n        engine:", 1);
    let rules = [
        rule("share_true", "{metric: avg, property: flag, mustBeBetween: [0.6, 0.7]}"),
        rule("trues", "{metric: sum, property: flag, mustBe: 2}"),
        hours("ahead_fresh", "{metric: freshness, property: ahead, mustBeLessOrEqualTo: 24}"),
        hours("ahead_skew_allowed", "{metric: freshness, property: ahead, mustBeBetween: [-3, 24]}"),
        hours("ahead_skew_too_small", "{metric: freshness, property: ahead, mustBeBetween: [-1, 24]}"),
        hours("near_fresh", "{metric: freshness, property: near, mustBeLessOrEqualTo: 1}"),
        hours("past_fresh", "{metric: freshness, property: past, mustBeLessOrEqualTo: 4}"),
    ];
    let props = "      - {name: flag, logicalType: boolean}\n      - name: name\n        logicalType: string\n        logicalTypeOptions: {pattern: ''}\n      - {name: ahead, logicalType: timestamp}\n      - {name: near, logicalType: timestamp}\n      - {name: past, logicalType: timestamp}\n";
    let mut c = contract("values", &[("t", props, rules.as_slice())]);
    c.push_str("slaProperties:\n  - {property: freshness, value: 1, unit: d, element: t.ahead}\n");
    std::fs::write(dir.path().join("c.odcs.yaml"), c).expect("contract");
    for slice in ["0", "1"] {
        let run = lakegate(dir.path(), &["--slice-rows", slice]);
        // Mean of a boolean: the share of true values (2 of 3 non-null).
        expect(&run, "share_true", "passed", 2.0 / 3.0);
        expect(&run, "trues", "passed", 2.0);
        // The newest value is 2 h ahead of the run's clock.
        expect_message(&run, "ahead_fresh", "failed", "is 2 h in the future of the run's clock");
        expect(&run, "ahead_fresh", "failed", -2.0);
        expect(&run, "ahead_skew_allowed", "passed", -2.0);
        expect(&run, "ahead_skew_too_small", "failed", -2.0);
        // 30 s ahead: within the clock skew tolerated without a lower bound.
        expect(&run, "near_fresh", "passed", -30.0 / 3600.0);
        expect(&run, "past_fresh", "passed", 3.0);
        let checks: Vec<&Value> = run.json["contracts"][0]["checks"].as_array().into_iter().flatten().collect();
        let sla = checks
            .iter()
            .find(|c| c["kind"].as_str().is_some_and(|k| k.starts_with("sla.freshness")))
            .unwrap_or_else(|| panic!("no SLA check: {}", run.out));
        assert_eq!(sla["status"], "failed", "{sla}");
        assert!(sla["message"].as_str().unwrap_or("").contains("in the future"), "{sla}");
        // The empty pattern matches every string, the empty one too.
        let pattern = checks
            .iter()
            .find(|c| c["kind"].as_str().is_some_and(|k| k.ends_with("pattern")) && c["property"] == "name")
            .unwrap_or_else(|| panic!("no pattern check: {}", run.out));
        assert_eq!(pattern["status"], "passed", "{pattern}");
        assert_eq!(pattern["observed"].as_f64(), Some(0.0), "{pattern}");
    }
}
