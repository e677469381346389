#!/usr/bin/env python3
"""The orders benchmark on object storage: the same contract over the same Parquet file, read from
disk and from a local S3-compatible server on loopback, side by side.

    python3 examples/bench/object_storage.py --rows 10000000 [--runs 3] [--objects 1000] [--server s3s-fs]

--server moto (the default, as CI runs it) needs `pip install "moto[server]==5.2.5"` (boto3 comes
with it). moto is Python: it answers each range request in about 0.2 s whatever its size, so on
large objects it measures itself. --server s3s-fs serves a folder over S3 with s3s-fs (the s3s
project's file-system store, Rust, from crates.io) and TCP_NODELAY (examples/bench/s3-server:
s3s-fs's own binary leaves Nagle's algorithm on, and each small response waited 40 ms for a
delayed ACK); the script builds it into ~/.cache/lakegate/ ($XDG_CACHE_HOME) when missing (about
3 minutes); boto3 is still needed for the uploads. The script starts its own server (so that the bytes it
serves are this benchmark's only), uploads the orders file and --objects small files, then times:

  1. the orders contract (16 checks) on the local file and on S3: wall time, requests and bytes served;
  2. a contract answered from Parquet footers only (row count, null counts, integer bounds): bytes
     served against the object's size (target: < 1 %);
  3. --objects small objects (10,000 rows each) listed and read in one dataset, local and on S3;
  4. --large-objects objects of 500,000 rows (11 MB, above the 1 MiB fetched whole: read by range
     requests) in one dataset, local and on S3.

Wall times are measured against the server directly; requests and bytes served in a second run
through a counting TCP proxy in front of it (the bytes the server sends on the wire: HTTP headers
and bodies; requests counted by their header ends). Every observed value of the S3 runs must equal
the local run's (exit 1 otherwise).

    python3 examples/bench/object_storage.py --proxy LISTEN_PORT TARGET_PORT STATS_PORT [--requests-port P]

runs only that proxy (.ci/services/s3.sh uses it for tests/object_storage.rs): connecting to
STATS_PORT answers the bytes sent by the target so far (P: the requests sent to it so far).
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "examples", "bench")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def proxy(listen, target, stats, requests_port=None):
    """Forwards 127.0.0.1:listen to 127.0.0.1:target, counting the bytes the target sends and the
    requests sent to it (each request's header ends with an empty line: the benchmark's requests
    have no body); 127.0.0.1:stats answers the bytes, 127.0.0.1:requests_port the requests."""
    import threading
    total = [0, 0]
    lock = threading.Lock()

    def pipe(src, dst, count):
        tail = b""
        try:
            while True:
                b = src.recv(1 << 20)
                if not b:
                    break
                dst.sendall(b)
                if count:
                    with lock:
                        total[0] += len(b)
                else:
                    # A header end split across two reads is counted once: 3 bytes carried over.
                    seen = tail + b
                    with lock:
                        total[1] += seen.count(b"\r\n\r\n")
                    tail = seen[-3:]
        except OSError:
            pass
        finally:
            for s in (dst, src):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def answer(port, which):
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", port))
        srv.listen(16)
        while True:
            c, _ = srv.accept()
            with lock:
                n = total[which]
            c.sendall(str(n).encode())
            c.close()

    threading.Thread(target=answer, args=(stats, 0), daemon=True).start()
    if requests_port:
        threading.Thread(target=answer, args=(requests_port, 1), daemon=True).start()
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", listen))
    lst.listen(256)
    while True:
        c, _ = lst.accept()
        try:
            u = socket.create_connection(("127.0.0.1", target))
        except OSError:
            c.close()
            continue
        threading.Thread(target=pipe, args=(c, u, False), daemon=True).start()
        threading.Thread(target=pipe, args=(u, c, True), daemon=True).start()


def served(stats):
    with socket.create_connection(("127.0.0.1", stats), 5) as c:
        return int(c.recv(64).decode())


def cpu_of(pid):
    """CPU seconds (user + system) the process `pid` used so far (Linux /proc), None elsewhere."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def run(cmd, env, runs, stats=None, counted_env=None, server=None):
    """Medians over `runs` runs of the wall time, lakegate's CPU time and, with `server` (a pid),
    the server's CPU time; with `stats` (the proxy's bytes and requests ports) the (requests,
    bytes) served in one more run with `counted_env` (through the counting proxy)."""
    import resource
    walls, cpus, served_cpus = [], [], []
    for _ in range(runs):
        before, server_before = resource.getrusage(resource.RUSAGE_CHILDREN), server and cpu_of(server)
        t0 = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, env=env, cwd=ROOT)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if server_before is not None and cpu_of(server) is not None:
            served_cpus.append(cpu_of(server) - server_before)
        if p.returncode not in (0, 1):
            sys.exit(f"{' '.join(cmd)} exited {p.returncode}:\n{p.stderr.decode()[-3000:]}")
    sent = (0, 0)
    if stats:
        before = [served(s) for s in stats]
        p = subprocess.run(cmd, capture_output=True, env=counted_env, cwd=ROOT)
        time.sleep(0.2)
        nbytes, nreq = (served(s) - b for s, b in zip(stats, before))
        sent = (nreq, nbytes)
    server_cpu = statistics.median(served_cpus) if served_cpus else float("nan")
    return statistics.median(walls), statistics.median(cpus), server_cpu, sent


def observed(path):
    run = json.load(open(path))
    return {c["id"]: (c["status"], c.get("observed")) for k in run["contracts"] for c in k["checks"]}


def s3_contract(template, url, out):
    """`template` with its local server turned into an s3 server over `url`."""
    text = open(template).read()
    start = text.index("servers:")
    end = text.index("schema:")
    server = ("servers:\n  - server: lake\n    type: s3\n    location: " + url +
              "\n    endpointUrl: ${LAKEGATE_S3_ENDPOINT}\n    format: parquet\n")
    open(out, "w").write(text[:start] + server + text[end:])


FOOTERS = """apiVersion: v3.2.0
kind: DataContract
id: bench-footers
version: 1.0.0
servers:
  - server: lake
    type: {type}
    {where}
    format: parquet
schema:
  - name: orders
    properties:
      - name: order_id
        physicalType: BIGINT
      - name: customer_id
        physicalType: BIGINT
      - name: created_at
        physicalType: TIMESTAMP
    quality:
      - {{metric: rowCount, mustBeGreaterThan: 0}}
"""

SMALL = """apiVersion: v3.2.0
kind: DataContract
id: bench-small
version: 1.0.0
servers:
  - server: lake
    type: {type}
    {where}
    format: parquet
schema:
  - name: orders
    properties:
      - name: order_id
        physicalType: BIGINT
        required: true
      - name: amount
        logicalType: number
        logicalTypeOptions: {{minimum: 0}}
      - name: status
        logicalType: string
        logicalTypeOptions: {{maxLength: 20}}
    quality:
      - {{metric: rowCount, mustBeGreaterThan: 0}}
"""


def s3_server():
    """The s3s-fs server of examples/bench/s3-server, built into the cache folder when missing (a
    folder per version of its sources)."""
    import hashlib
    src = os.path.join(BENCH, "s3-server")
    digest = hashlib.sha256()
    for f in ("Cargo.toml", "Cargo.lock", os.path.join("src", "main.rs")):
        digest.update(open(os.path.join(src, f), "rb").read())
    cache = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "lakegate")
    root = os.path.join(cache, f"s3-server-{digest.hexdigest()[:12]}")
    binary = os.path.join(root, "bin", "lakegate-bench-s3-server")
    if not os.path.exists(binary):
        print(f"building the s3s-fs server into {root} (about 3 minutes)", file=sys.stderr)
        subprocess.run(["cargo", "install", "--locked", "--quiet", "--path", src, "--root", root, "--target-dir",
                        os.path.join(cache, "s3-server-target")], check=True)
    return binary


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--objects", type=int, default=1000)
    ap.add_argument("--large-objects", type=int, default=20)
    ap.add_argument("--server", choices=["moto", "s3s-fs"], default="moto",
                    help="the S3-compatible server: moto (Python, as CI runs it) or s3s-fs (Rust, installed if missing)")
    ap.add_argument("--moto", default=shutil.which("moto_server") or "moto_server")
    ap.add_argument("--proxy", nargs=3, type=int, metavar=("LISTEN", "TARGET", "STATS"))
    ap.add_argument("--requests-port", type=int, help="with --proxy: the port answering the requests count")
    a = ap.parse_args()
    if a.proxy:
        return proxy(*a.proxy, a.requests_port)
    import boto3

    data = os.path.join(BENCH, "data", f"orders_{a.rows}.parquet")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "lakegate", "-p", "lakegate-bench"], check=True, cwd=ROOT)
    if not os.path.exists(data[: -len(".parquet")] + ".expected.json"):
        subprocess.run([os.path.join(ROOT, "target/release/gen-orders"), "--rows", str(a.rows), "--out", data],
                       check=True, stdout=subprocess.DEVNULL)
    work = tempfile.mkdtemp(prefix="lakegate-s3-bench-")
    small = os.path.join(work, "small.parquet")
    subprocess.run([os.path.join(ROOT, "target/release/gen-orders"), "--rows", "10000", "--out", small], check=True,
                   stdout=subprocess.DEVNULL)
    local_small = os.path.join(work, "small")
    os.makedirs(local_small)
    for i in range(a.objects):
        shutil.copy(small, os.path.join(local_small, f"part-{i:05}.parquet"))
    large = os.path.join(work, "large.parquet")
    subprocess.run([os.path.join(ROOT, "target/release/gen-orders"), "--rows", "500000", "--out", large], check=True,
                   stdout=subprocess.DEVNULL)
    local_large = os.path.join(work, "large")
    os.makedirs(local_large)
    for i in range(a.large_objects):
        os.link(large, os.path.join(local_large, f"part-{i:03}.parquet"))

    port, pport, sport, rport = free_port(), free_port(), free_port(), free_port()
    if a.server == "moto":
        cmd = [a.moto, "-H", "127.0.0.1", "-p", str(port)]
    else:
        root = os.path.join(work, "s3root")
        os.makedirs(root)
        cmd = [s3_server(), f"127.0.0.1:{port}", "bench", "bench-secret", root]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    counter = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--proxy", str(pport), str(port), str(sport),
                                "--requests-port", str(rport)])
    try:
        for p in (port, pport, sport, rport):
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", p), 1).close()
                    break
                except OSError:
                    time.sleep(0.2)
        endpoint = f"http://127.0.0.1:{port}"
        creds = dict(aws_access_key_id="bench", aws_secret_access_key="bench-secret", region_name="us-east-1")
        s3 = boto3.client("s3", endpoint_url=endpoint, **creds)
        s3.create_bucket(Bucket="bench")
        s3.upload_file(data, "bench", "orders/part-0.parquet")
        for i in range(a.objects):
            s3.upload_file(small, "bench", f"small/part-{i:05}.parquet")
        for i in range(a.large_objects):
            s3.upload_file(large, "bench", f"large/part-{i:03}.parquet")
        size = os.path.getsize(data)
        # What the server itself costs: the orders object in one GET, and in 8 MiB range GETs, 8 at a time.
        from concurrent.futures import ThreadPoolExecutor
        t0 = time.perf_counter()
        s3.get_object(Bucket="bench", Key="orders/part-0.parquet")["Body"].read()
        whole = time.perf_counter() - t0
        chunk = 8 << 20

        def part(i):
            r = f"bytes={i}-{min(i + chunk, size) - 1}"
            return len(s3.get_object(Bucket="bench", Key="orders/part-0.parquet", Range=r)["Body"].read())

        t0 = time.perf_counter()
        with ThreadPoolExecutor(8) as ex:
            assert sum(ex.map(part, range(0, size, chunk))) == size
        ranged = time.perf_counter() - t0

        load = os.getloadavg()[0]
        env = dict(os.environ, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench-secret", AWS_REGION="us-east-1",
                   LAKEGATE_S3_ENDPOINT=endpoint)
        counted = dict(env, LAKEGATE_S3_ENDPOINT=f"http://127.0.0.1:{pport}")
        lg = os.path.join(ROOT, "target/release/lakegate")
        now = ["--now", "2025-06-30T00:00:00Z", "-q"]
        rows = []

        # 1. The orders workload.
        s3_contract(os.path.join(BENCH, "orders.odcs.yaml"), "s3://bench/orders/*.parquet",
                    os.path.join(work, "orders-s3.odcs.yaml"))
        local_env = dict(env, LAKEGATE_ORDERS_PARQUET=os.path.relpath(data, BENCH))
        lw, lc, _, _ = run([lg, "check", os.path.join(BENCH, "orders.odcs.yaml"), *now, "--json",
                        os.path.join(work, "local.json")], local_env, a.runs)
        sw, sc, sv, sb = run([lg, "check", os.path.join(work, "orders-s3.odcs.yaml"), *now, "--json",
                         os.path.join(work, "s3.json")], env, a.runs, (sport, rport), counted, server.pid)
        rows.append(("orders contract (16 checks)", lw, sw, sb, size, lc, sc, sv))
        wrong = [k for k, v in observed(os.path.join(work, "local.json")).items()
                 if observed(os.path.join(work, "s3.json")).get(k) != v]

        # 2. Footer-only metrics.
        for kind, where, name in [("local", f"path: {data}", "footers-local"),
                                  ("s3", "location: s3://bench/orders/*.parquet\n    endpointUrl: ${LAKEGATE_S3_ENDPOINT}",
                                   "footers-s3")]:
            open(os.path.join(work, f"{name}.odcs.yaml"), "w").write(FOOTERS.format(type=kind, where=where))
        lw, lc, _, _ = run([lg, "check", os.path.join(work, "footers-local.odcs.yaml"), *now, "--json",
                        os.path.join(work, "fl.json")], env, a.runs)
        sw, sc, sv, sb = run([lg, "check", os.path.join(work, "footers-s3.odcs.yaml"), *now, "--json",
                         os.path.join(work, "fs.json")], env, a.runs, (sport, rport), counted, server.pid)
        rows.append(("footer-only contract", lw, sw, sb, size, lc, sc, sv))
        wrong += [k for k, v in observed(os.path.join(work, "fl.json")).items()
                  if observed(os.path.join(work, "fs.json")).get(k) != v]
        # The row count from the footers; presence and types from the schema (in the footers too).
        footer_origin = all(c.get("origin") for k in json.load(open(os.path.join(work, "fs.json")))["contracts"]
                            for c in k["checks"] if c["kind"] == "library.rowCount")

        # 3. Many small objects.
        for kind, where, name in [("local", f"path: {local_small}/*.parquet", "small-local"),
                                  ("s3", "location: s3://bench/small/*.parquet\n    endpointUrl: ${LAKEGATE_S3_ENDPOINT}",
                                   "small-s3")]:
            open(os.path.join(work, f"{name}.odcs.yaml"), "w").write(SMALL.format(type=kind, where=where))
        lw, lc, _, _ = run([lg, "check", os.path.join(work, "small-local.odcs.yaml"), *now, "--json",
                        os.path.join(work, "sl.json")], env, a.runs)
        sw, sc, sv, sb = run([lg, "check", os.path.join(work, "small-s3.odcs.yaml"), *now, "--json",
                         os.path.join(work, "ss.json")], env, a.runs, (sport, rport), counted, server.pid)
        rows.append((f"{a.objects} objects of 10,000 rows", lw, sw, sb, os.path.getsize(small) * a.objects, lc, sc,
                     sv))
        wrong += [k for k, v in observed(os.path.join(work, "sl.json")).items()
                  if observed(os.path.join(work, "ss.json")).get(k) != v]

        # 4. Several objects read by range requests.
        if a.large_objects:
            for kind, where, name in [("local", f"path: {local_large}/*.parquet", "large-local"),
                                      ("s3", "location: s3://bench/large/*.parquet\n    endpointUrl: "
                                       "${LAKEGATE_S3_ENDPOINT}", "large-s3")]:
                open(os.path.join(work, f"{name}.odcs.yaml"), "w").write(SMALL.format(type=kind, where=where))
            lw, lc, _, _ = run([lg, "check", os.path.join(work, "large-local.odcs.yaml"), *now, "--json",
                                os.path.join(work, "ll.json")], env, a.runs)
            sw, sc, sv, sb = run([lg, "check", os.path.join(work, "large-s3.odcs.yaml"), *now, "--json",
                                  os.path.join(work, "ls.json")], env, a.runs, (sport, rport), counted, server.pid)
            rows.append((f"{a.large_objects} objects of 500,000 rows", lw, sw, sb,
                         os.path.getsize(large) * a.large_objects, lc, sc, sv))
            wrong += [k for k, v in observed(os.path.join(work, "ll.json")).items()
                      if observed(os.path.join(work, "ls.json")).get(k) != v]

        print(f"object storage benchmark: {a.rows:,} orders, {a.server} {endpoint} on loopback, {a.runs} runs "
              f"(median), {os.cpu_count()} cores, load average {load:.2f} before and {os.getloadavg()[0]:.2f} after")
        print("| workload | local wall s | S3 wall s | S3 / local | requests | bytes served | dataset bytes "
              "| served / dataset | lakegate CPU s local / S3 | server CPU s |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for name, lw, sw, (sr, sb), ds, lc, sc, sv in rows:
            print(f"| {name} | {lw:.2f} | {sw:.2f} | {sw / lw:.2f} | {sr:,} | {sb:,} | {ds:,} "
                  f"| {100 * sb / ds:.2f} % | {lc:.2f} / {sc:.2f} | {sv:.2f} |")
        print(f"footer-only metrics came from the footers: {footer_origin}")
        print(f"{a.server} itself (boto3): the {size:,}-byte object in one GET {whole:.2f} s; in "
              f"{-(-size // chunk)} range GETs of 8 MiB, 8 at a time, {ranged:.2f} s")
        if wrong:
            print("S3 results differ from the local ones: " + ", ".join(sorted(wrong)))
            sys.exit(1)
        print("every observed value of the S3 runs equals the local run's")
    finally:
        for p in (counter, server):
            p.terminate()
            p.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
