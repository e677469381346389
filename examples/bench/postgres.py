#!/usr/bin/env python3
"""The orders benchmark on PostgreSQL (issue 16): lakegate's SQL engine against one hand-written
SQL query computing the same metrics, on the same table.

    python3 examples/bench/postgres.py --csv /tmp/orders.csv [--runs 3] [--lakegate target/release/lakegate]

Needs a running PostgreSQL and LAKEGATE_PG_HOST/PORT/USER/PASSWORD/DATABASE (as .ci/services/postgres.sh
exports them) and psql. Loads the CSV (crates/lakegate-bench `orders-export` of the benchmark's
Parquet) into `bench.orders` once (--reload to load again), then times each program as a whole
process, median of --runs runs, and checks that lakegate's observed values equal the hand-written
query's: a fast wrong answer fails the benchmark (exit 1).
"""
import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

COLUMNS = """order_id bigint, customer_id bigint, country text, status text, amount double precision,
    currency text, email text, created_at timestamp, updated_at timestamp, is_pro boolean, category_id integer"""

STATUSES = "'pending', 'paid', 'shipped', 'delivered', 'cancelled'"
COUNTRIES = ", ".join(f"'{c}'" for c in "US DE FR GB NL ES IT SE PL BE AT CH DK NO FI IE PT CA AU JP".split())
EMAIL = r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$"

# The 16 checks' metrics in one query, as a SQL user would write it.
HAND_WRITTEN = f"""
SELECT count(*) AS rows,
       count(*) - count(order_id) AS order_id_nulls,
       count(*) - count(customer_id) AS customer_id_nulls,
       count(*) - count(amount) AS amount_nulls,
       count(order_id) - count(DISTINCT order_id) AS order_id_duplicates,
       count(*) FILTER (WHERE amount < 0 OR amount = 'NaN') AS amount_below_0,
       count(*) FILTER (WHERE status NOT IN ({STATUSES})) AS bad_status,
       count(*) FILTER (WHERE country NOT IN ({COUNTRIES})) AS bad_country,
       count(*) FILTER (WHERE email !~ '{EMAIL}') AS bad_email,
       avg(amount) AS avg_amount,
       sum(amount) AS sum_amount,
       count(DISTINCT customer_id) AS customers,
       extract(epoch FROM max(created_at)) AS newest,
       count(*) FILTER (WHERE NOT coalesce(updated_at >= created_at, false)) AS time_travel,
       (SELECT sum(n) - count(*) FROM (SELECT count(*) AS n FROM bench.orders
          WHERE customer_id IS NOT NULL AND created_at IS NOT NULL GROUP BY customer_id, created_at) g) AS dup_pairs
FROM bench.orders
"""


def psql(args, sql, capture=True):
    env = dict(os.environ, PGPASSWORD=os.environ.get("LAKEGATE_PG_PASSWORD", ""))
    cmd = ["psql", "-h", os.environ.get("LAKEGATE_PG_HOST", "127.0.0.1"), "-p", os.environ["LAKEGATE_PG_PORT"],
           "-U", os.environ.get("LAKEGATE_PG_USER", "postgres"), "-d", os.environ.get("LAKEGATE_PG_DATABASE", "lake"),
           "-v", "ON_ERROR_STOP=1", "-qAt"] + args + ["-c", sql]
    return subprocess.run(cmd, capture_output=capture, text=True, env=env, check=True).stdout


def contract(dirname):
    """The benchmark contract with its server on PostgreSQL."""
    with open(os.path.join(ROOT, "examples", "bench", "orders.odcs.yaml")) as f:
        text = f.read()
    start, end = text.index("servers:\n"), text.index("schema:\n")
    server = (f"servers:\n  - server: pg\n    type: postgres\n    host: {os.environ.get('LAKEGATE_PG_HOST', '127.0.0.1')}\n"
              f"    port: {os.environ['LAKEGATE_PG_PORT']}\n    database: {os.environ.get('LAKEGATE_PG_DATABASE', 'lake')}\n"
              f"    schema: bench\n")
    path = os.path.join(dirname, "orders.odcs.yaml")
    with open(path, "w") as f:
        f.write(text[:start] + server + text[end:])
    return path


def timed(cmd, env, runs):
    walls, out = [], ""
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True, env=env)
        walls.append(time.perf_counter() - t0)
        out = p.stdout
        if p.returncode not in (0, 1):
            sys.exit(f"{cmd[0]} exited {p.returncode}: {p.stderr[-2000:]}")
    return walls, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--csv", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--lakegate", default=os.path.join(ROOT, "target", "release", "lakegate"))
    ap.add_argument("--reload", action="store_true")
    args = ap.parse_args()

    have = psql([], "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'bench' AND table_name = 'orders'")
    if args.reload or have.strip() == "0":
        t0 = time.perf_counter()
        psql([], f"DROP SCHEMA IF EXISTS bench CASCADE; CREATE SCHEMA bench; CREATE UNLOGGED TABLE bench.orders ({COLUMNS})")
        psql([], f"\\copy bench.orders FROM '{args.csv}' WITH (FORMAT csv, HEADER true)")
        psql([], "VACUUM ANALYZE bench.orders")
        print(f"loaded {args.csv} in {time.perf_counter() - t0:.1f} s")
    rows = int(psql([], "SELECT count(*) FROM bench.orders").strip())
    size = psql([], "SELECT pg_size_pretty(pg_total_relation_size('bench.orders'))").strip()
    print(f"bench.orders: {rows:,} rows, {size}")

    env = dict(os.environ, PGUSER=os.environ.get("LAKEGATE_PG_USER", "postgres"),
               PGPASSWORD=os.environ.get("LAKEGATE_PG_PASSWORD", ""), PGSSLMODE="disable")
    tmp = tempfile.mkdtemp()
    c = contract(tmp)
    now = "2026-11-26T06:00:00Z"
    lg_walls, lg_out = timed([args.lakegate, "check", c, "--format", "json", "--now", now, "--samples", "0"], env, args.runs)
    psql_cmd = ["psql", "-h", env.get("LAKEGATE_PG_HOST", "127.0.0.1"), "-p", env["LAKEGATE_PG_PORT"],
                "-U", env["PGUSER"], "-d", env.get("LAKEGATE_PG_DATABASE", "lake"), "-qAt", "-F", "|", "-c", HAND_WRITTEN]
    hw_walls, hw_out = timed(psql_cmd, env, args.runs)

    # Same answers.
    hw = hw_out.strip().split("|")
    names = ["rows", "order_id_nulls", "customer_id_nulls", "amount_nulls", "order_id_duplicates", "amount_below_0",
             "bad_status", "bad_country", "bad_email", "avg_amount", "sum_amount", "customers", "newest",
             "time_travel", "dup_pairs"]
    truth = dict(zip(names, (float(x) for x in hw)))
    result = json.loads(lg_out)
    observed = {r["id"].split("/")[-1] if "/" in r["id"] else r["id"]: r["observed"] for r in result["contracts"][0]["checks"]}
    by_check = {"C02": "rows", "C12": "avg_amount", "C13": "sum_amount", "C14": "customers", "C16": "time_travel",
                "C09": "bad_status", "C10": "bad_country"}
    wrong = []
    for check, key in by_check.items():
        got = observed.get(check)
        if got is None or abs(got - truth[key]) > 1e-9 * max(1.0, abs(truth[key])):
            wrong.append(f"{check}: lakegate {got} vs SQL {truth[key]}")
    med_lg, med_hw = statistics.median(lg_walls), statistics.median(hw_walls)
    print(f"lakegate (SQL engine, {os.path.relpath(args.lakegate, ROOT)}): {med_lg:.2f} s  (runs {', '.join(f'{w:.2f}' for w in lg_walls)})")
    print(f"hand-written query (psql):          {med_hw:.2f} s  (runs {', '.join(f'{w:.2f}' for w in hw_walls)})")
    print(f"ratio lakegate / hand-written: {med_lg / med_hw:.2f}")
    if wrong:
        print("WRONG ANSWERS:\n  " + "\n  ".join(wrong))
        return 1
    print("every compared value equal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
