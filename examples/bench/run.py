#!/usr/bin/env python3
"""The orders benchmark: lakegate against a hand-written polars query and a decode-all pass.

    python3 examples/bench/run.py --rows 10000000 [--runs 3] [--python-peer VENV_PYTHON]

Generates the data once with the Rust generator (crates/lakegate-bench, `gen-orders`; `--generator
python` uses ../shared/bench/orders/gen_orders.py with the Python given by --gen-python), builds the
release binaries, times each program as a whole
process (wall, CPU, peak RSS; median and spread of --runs runs), prints them side by side with
the ratios, and checks every observed value of lakegate against the generator's truth: a fast
wrong answer fails the benchmark (exit 1).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "bench", "orders")


def measure(cmd, runs, env=None):
    import resource
    walls, cpus, rss = [], [], []
    out = err = ""
    code = 0
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, env=env, cwd=ROOT)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))
        rss.append(after.ru_maxrss / 1024)  # replaced by peak_rss() below: children's max is cumulative
        out, err, code = p.stdout.decode(), p.stderr.decode(), p.returncode
    return {"wall": walls, "cpu": cpus, "rss": rss, "stdout": out, "stderr": err, "code": code}


def peak_rss(cmd, env=None):
    """Peak RSS (MiB) of one run, from GNU time if present, else from wait4."""
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT)
    _, _, ru = os.wait4(p.pid, 0)
    return ru.ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--generator", default="rust", choices=["rust", "python"])
    ap.add_argument("--gen-python", default=sys.executable, help="a Python with polars and numpy (--generator python)")
    ap.add_argument("--python-peer", help="also time ../shared/bench/orders/peer_polars.py with this Python")
    ap.add_argument("--threads", type=int, help="POLARS_MAX_THREADS for every program")
    ap.add_argument("--contracts", type=int,
                    help="instead: N contracts, each over its own 10,000-row orders file, on 1 and 2 threads")
    a = ap.parse_args()
    if a.contracts:
        return many(a)

    data = os.path.join(ROOT, "examples", "bench", "data", f"orders_{a.rows}.parquet")
    truth_file = data[: -len(".parquet")] + ".expected.json"
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "lakegate", "-p", "lakegate-bench"], check=True, cwd=ROOT)
    if not os.path.exists(truth_file):
        if a.generator == "rust":
            cmd = [os.path.join(ROOT, "target/release/gen-orders"), "--rows", str(a.rows), "--out", data]
        else:
            cmd = [a.gen_python, os.path.join(SHARED, "gen_orders.py"), "--rows", str(a.rows),
                   "--now", "2025-06-30T00:00:00", "--seed", "42", "--out", data]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    truth = json.load(open(truth_file))["truth"]
    env = dict(os.environ)
    if a.threads:
        env["POLARS_MAX_THREADS"] = str(a.threads)
    rel = os.path.relpath(data, os.path.join(ROOT, "examples", "bench"))
    env_lg = dict(env, LAKEGATE_ORDERS_PARQUET=rel)
    result_json = os.path.join(ROOT, "examples", "bench", "data", "lakegate-result.json")
    programs = [
        ("decode every column", [os.path.join(ROOT, "target/release/decode-all"), data], env),
        ("hand-written polars query (Rust)", [os.path.join(ROOT, "target/release/orders-baseline"), data], env),
        ("lakegate check", [os.path.join(ROOT, "target/release/lakegate"), "check", "examples/bench/orders.odcs.yaml",
                            "--now", "2025-06-30T00:00:00Z", "--json", result_json, "-q"], env_lg),
    ]
    if a.python_peer:
        programs.append(("hand-written polars query (Python)", [a.python_peer, os.path.join(SHARED, "peer_polars.py"), data], env))
    rows = []
    for name, cmd, e in programs:
        m = measure(cmd, a.runs, e)
        m["rss"] = [peak_rss(cmd, e)]
        rows.append((name, m))
        if name == "lakegate check" and m["code"] not in (0, 1):
            print(m["stdout"], m["stderr"], file=sys.stderr)
            sys.exit(f"lakegate exited {m['code']}")

    base = statistics.median(dict(rows)["hand-written polars query (Rust)"]["wall"])
    decode = statistics.median(dict(rows)["decode every column"]["wall"])
    base_rss = dict(rows)["hand-written polars query (Rust)"]["rss"][0]
    print(f"orders benchmark: {a.rows:,} rows, {a.runs} runs, {os.cpu_count()} cores")
    print(f"| program | wall s (median) | spread | CPU s | peak MiB | x baseline | x decode-all |")
    print(f"|---|---|---|---|---|---|---|")
    for name, m in rows:
        w = statistics.median(m["wall"])
        print(f"| {name} | {w:.2f} | {min(m['wall']):.2f}-{max(m['wall']):.2f} | {statistics.median(m['cpu']):.2f} "
              f"| {m['rss'][0]:.0f} | {w / base:.2f} | {w / decode:.2f} |")
    lg = dict(rows)["lakegate check"]
    print(f"lakegate peak RSS / baseline: {lg['rss'][0] / base_rss:.2f}")

    # Exactness: lakegate's observed values against the generator's truth.
    run = json.load(open(result_json))
    checks = {c["id"]: c for c in run["contracts"][0]["checks"]}
    expected = {
        "bench-orders/orders/C02": truth["row_count"],
        "bench-orders/orders/order_id/required": truth["order_id_nulls"],
        "bench-orders/orders/customer_id/required": truth["customer_id_nulls"],
        "bench-orders/orders/amount/required": truth["amount_nulls"],
        "bench-orders/orders/order_id/unique": truth["order_id_dup_values"],  # 5 extra rows (= 5 values twice)
        "bench-orders/orders/amount/minimum": truth["amount_negative"],
        "bench-orders/orders/status/C09": truth["status_invalid"],
        "bench-orders/orders/country/C10": truth["country_invalid"],
        "bench-orders/orders/email/pattern": truth["email_invalid"],
        "bench-orders/orders/amount/C12": truth["avg_amount"],
        "bench-orders/orders/amount/C13": truth["sum_amount"],
        "bench-orders/orders/customer_id/C14": truth["distinct_customers"],
        "bench-orders/orders/C15": 100 * truth["cust_created_dup_extra_rows"] / truth["row_count"],
        "bench-orders/orders/C16": truth["updated_before_created"],
    }
    wrong = []
    for cid, want_v in expected.items():
        got = checks[cid]["observed"]
        if got is None or abs(got - want_v) > 1e-9 * max(1.0, abs(want_v)):
            wrong.append(f"{cid}: observed {got}, truth {want_v}")
    fresh = checks["bench-orders/sla/C03"]
    if fresh["status"] != "passed":
        wrong.append(f"C03 freshness: {fresh['status']} {fresh['message']}")
    statuses = {c["id"]: c["status"] for c in run["contracts"][0]["checks"]}
    print(f"exactness: {len(expected) - len(wrong)}/{len(expected)} observed values equal the truth; "
          f"{sum(s == 'failed' for s in statuses.values())} failed checks")
    footer = sorted(c["id"].split("/", 2)[-1] for c in run["contracts"][0]["checks"] if c.get("origin"))
    sampled = sum(1 for c in run["contracts"][0]["checks"] if c.get("samples"))
    print(f"from Parquet footer statistics (no scan): {', '.join(footer) or 'none'}; "
          f"{sampled} failed checks carry failing-row samples (default --samples 5)")
    if wrong:
        print("WRONG:\n  " + "\n  ".join(wrong))
        sys.exit(1)


def many(a):
    """N small contracts in one run: the whole run's wall time on one thread and on two."""
    import shutil
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "lakegate", "-p", "lakegate-bench"], check=True, cwd=ROOT)
    base = os.path.join(ROOT, "examples", "bench", "data", "many")
    shutil.rmtree(base, ignore_errors=True)
    os.makedirs(os.path.join(base, "contracts"))
    src = os.path.join(base, "orders_10000.parquet")
    subprocess.run([os.path.join(ROOT, "target/release/gen-orders"), "--rows", "10000", "--out", src], check=True,
                   stdout=subprocess.DEVNULL)
    template = open(os.path.join(ROOT, "examples", "bench", "orders.odcs.yaml")).read()
    for i in range(a.contracts):
        os.makedirs(os.path.join(base, f"d{i}"))
        shutil.copy(src, os.path.join(base, f"d{i}", "orders.parquet"))
        text = template.replace("id: bench-orders", f"id: orders-{i}").replace(
            "${LAKEGATE_ORDERS_PARQUET:-data/orders.parquet}", f"../d{i}/orders.parquet")
        open(os.path.join(base, "contracts", f"orders-{i}.odcs.yaml"), "w").write(text)
    print(f"{a.contracts} contracts, each over its own 10,000-row file ({a.runs} runs, median)")
    for threads in (1, 2):
        cmd = [os.path.join(ROOT, "target/release/lakegate"), "--threads", str(threads), "check",
               os.path.join(base, "contracts"), "--now", "2025-06-30T00:00:00Z", "--format", "json", "-q"]
        m = measure(cmd, a.runs)
        if m["code"] not in (0, 1):
            sys.exit(f"lakegate exited {m['code']}: {m['stderr'][:2000]}")
        checks = sum(len(c["checks"]) for c in json.loads(m["stdout"])["contracts"])
        print(f"--threads {threads}: {statistics.median(m['wall']):.2f} s wall, {statistics.median(m['cpu']):.2f} s CPU, "
              f"{checks} checks")


if __name__ == "__main__":
    main()
