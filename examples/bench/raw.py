#!/usr/bin/env python3
"""The orders benchmark on raw formats: the same 10M orders as one CSV, one NDJSON, and both gzipped.

    python3 examples/bench/raw.py --rows 10000000 [--runs 1] [--formats csv,ndjson,csv.gz,ndjson.gz]

Writes the files once from the Parquet file of run.py (`orders-export`, then `gzip -6`), then times,
for each file, `lakegate check` of the orders contract (its server's format switched to csv/json)
and the hand-written polars query of the workload on the same file (`orders-baseline`, which reads
it with the orders schema given: the fastest plain polars read), as whole processes: wall time and
peak RSS. Every observed value of lakegate is checked against the generator's truth, as in run.py:
a fast wrong answer fails the benchmark (exit 1).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import ROOT, measure, peak_rss  # noqa: E402

DATA = os.path.join(ROOT, "examples", "bench", "data")

# Check id -> truth key (run.py's list).
EXPECTED = {
    "bench-orders/orders/C02": "row_count",
    "bench-orders/orders/order_id/required": "order_id_nulls",
    "bench-orders/orders/customer_id/required": "customer_id_nulls",
    "bench-orders/orders/amount/required": "amount_nulls",
    "bench-orders/orders/order_id/unique": "order_id_dup_values",
    "bench-orders/orders/amount/minimum": "amount_negative",
    "bench-orders/orders/status/C09": "status_invalid",
    "bench-orders/orders/country/C10": "country_invalid",
    "bench-orders/orders/email/pattern": "email_invalid",
    "bench-orders/orders/amount/C12": "avg_amount",
    "bench-orders/orders/amount/C13": "sum_amount",
    "bench-orders/orders/customer_id/C14": "distinct_customers",
    "bench-orders/orders/C16": "updated_before_created",
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--formats", default="csv,ndjson,csv.gz")
    ap.add_argument("--slice-rows", type=int, help="lakegate --slice-rows (default: lakegate's)")
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "lakegate", "-p", "lakegate-bench"], check=True, cwd=ROOT)
    parquet = os.path.join(DATA, f"orders_{a.rows}.parquet")
    truth_file = parquet[: -len(".parquet")] + ".expected.json"
    if not os.path.exists(truth_file):
        subprocess.run([os.path.join(ROOT, "target/release/gen-orders"), "--rows", str(a.rows), "--out", parquet],
                       check=True, stdout=subprocess.DEVNULL)
    truth = json.load(open(truth_file))["truth"]
    template = open(os.path.join(ROOT, "examples", "bench", "orders.odcs.yaml")).read()
    rows = []
    for fmt in a.formats.split(","):
        path = os.path.join(DATA, f"orders_{a.rows}.{fmt}")
        if not os.path.exists(path):
            plain = path[: -len(".gz")] if fmt.endswith(".gz") else path
            if not os.path.exists(plain):
                subprocess.run([os.path.join(ROOT, "target/release/orders-export"), parquet, plain], check=True,
                               stderr=subprocess.DEVNULL)
            if fmt.endswith(".gz"):
                with open(path + ".tmp", "wb") as out:
                    subprocess.run(["gzip", "-6", "-c", plain], check=True, stdout=out)
                os.rename(path + ".tmp", path)
        server_format = "csv" if fmt.startswith("csv") else "json"
        contract = os.path.join(DATA, f"orders-{fmt}.odcs.yaml")
        text = template.replace("${LAKEGATE_ORDERS_PARQUET:-data/orders.parquet}", os.path.basename(path)).replace(
            "format: parquet", f"format: {server_format}")
        open(contract, "w").write(text)
        result_json = os.path.join(DATA, f"lakegate-result-{fmt}.json")
        lg = [os.path.join(ROOT, "target/release/lakegate"), "check", contract, "--now", "2025-06-30T00:00:00Z",
              "--json", result_json, "-q"]
        if a.slice_rows is not None:
            lg += ["--slice-rows", str(a.slice_rows)]
        size = os.path.getsize(path) / 2**20
        for name, cmd in (("hand-written polars query (Rust)", [os.path.join(ROOT, "target/release/orders-baseline"), path]),
                          ("lakegate check", lg)):
            m = measure(cmd, a.runs)
            if m["code"] not in (0, 1):
                print(m["stdout"][-2000:], m["stderr"][-2000:], file=sys.stderr)
                sys.exit(f"{name} on {fmt} exited {m['code']}")
            m["rss"] = [peak_rss(cmd)]
            rows.append((fmt, size, name, m))
        run = json.load(open(result_json))
        checks = {c["id"]: c for c in run["contracts"][0]["checks"]}
        wrong = []
        for cid, key in EXPECTED.items():
            got, want = checks[cid]["observed"], truth[key]
            if got is None or abs(got - want) > 1e-9 * max(1.0, abs(want)):
                wrong.append(f"{fmt} {cid}: observed {got}, truth {want} ({checks[cid]['status']}: "
                             f"{checks[cid].get('message', '')[:200]})")
        c15 = checks["bench-orders/orders/C15"]["observed"]
        want15 = 100 * truth["cust_created_dup_extra_rows"] / truth["row_count"]
        if c15 is None or abs(c15 - want15) > 1e-9:
            wrong.append(f"{fmt} C15: observed {c15}, truth {want15}")
        errored = [c["id"] for c in checks.values() if c["status"] == "error"]
        if errored:
            wrong.append(f"{fmt}: errored checks {errored}")
        print(f"{fmt}: exactness {len(EXPECTED) + 1 - len(wrong)}/{len(EXPECTED) + 1}", file=sys.stderr)
        if wrong:
            print("WRONG:\n  " + "\n  ".join(wrong))
            sys.exit(1)
    print(f"orders on raw formats: {a.rows:,} rows, {a.runs} runs, {os.cpu_count()} cores")
    print("| file | MiB | program | wall s (median) | CPU s | peak RSS MiB | x polars |")
    print("|---|---|---|---|---|---|---|")
    base = {}
    for fmt, size, name, m in rows:
        w = statistics.median(m["wall"])
        if name.startswith("hand-written"):
            base[fmt] = w
        print(f"| {fmt} | {size:.0f} | {name} | {w:.2f} | {statistics.median(m['cpu']):.2f} | {m['rss'][0]:.0f} "
              f"| {w / base[fmt]:.2f} |")
    print("every observed value of lakegate equals the generator's truth")


if __name__ == "__main__":
    main()
