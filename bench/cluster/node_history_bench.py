#!/usr/bin/python3
"""What one console's chart refresh costs: GET /rest/v2/cluster/node-history
against one real origin on an SQLite store holding --nodes x 120 samples
(the most a node keeps: an hour at the default 30 s).  The samples are
written straight into the store's node_sample table (the read does not
look at cluster_node).  Prints the answer's size and the median and
slowest of --runs calls, each timed from request to last byte.

  bench/cluster/node_history_bench.py [--nodes 200] [--runs 20]
"""
import argparse
import json
import pathlib
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]
                       / "tests"))
from harness.origin import Origin  # noqa: E402

SAMPLES = 120
PERIOD_MS = 30000


def fill(db, nodes):
    now = int(time.time() * 1000)
    rows = [(f"node-{n:04d}", now - (SAMPLES - 1 - i) * PERIOD_MS,
             12.5 + i % 50, 40.25 + n % 30, i % 17, 0.4)
            for n in range(nodes) for i in range(SAMPLES)]
    with sqlite3.connect(db) as c:
        c.executemany("INSERT INTO node_sample (node_id, time_ms, cpu, "
                      "mem_percent, viewers, db_query_avg_ms) "
                      "VALUES (?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=200)
    ap.add_argument("--runs", type=int, default=20)
    a = ap.parse_args()
    work = pathlib.Path(tempfile.mkdtemp(prefix="fanout-bench-"))
    db = work / "cluster.db"
    o = Origin(work, f"sqlite://{db}", host="127.0.0.1",
               extra={"alerts.enabled": "false"}).start()
    try:
        n = fill(db, a.nodes)
        url = o.http + "/rest/v2/cluster/node-history"
        times, size, got = [], 0, 0
        for _ in range(a.runs):
            t0 = time.perf_counter()
            with urllib.request.urlopen(url, timeout=30) as r:
                body = r.read()
            times.append((time.perf_counter() - t0) * 1000)
            size = len(body)
            got = sum(len(x["time"]) for x in json.loads(body)["nodes"])
        assert got == n, f"{got} samples answered, {n} stored"
        print(f"node-history: {a.nodes} nodes x {SAMPLES} samples = {n}; "
              f"answer {size / 1024:.0f} KiB; median {statistics.median(times):.1f} ms, "
              f"slowest {max(times):.1f} ms of {a.runs} calls")
    finally:
        o.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
