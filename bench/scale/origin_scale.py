#!/usr/bin/python3
"""One origin's publisher capacity (issue #16): fanout-load (load/)
publishes N copies of the benchmarks' 2 Mbit/s 720p FLV (--mbps) into one
fanout-origin (SQLite store, hlsTime 2 s, HLS + DASH), N rising step by
step until a step fails.  The origin runs on the last CPU and the load
generator on the others (as bench/ingest: publishers are other machines
in production).

A step holds when, over its measured window, no publisher was dropped or
had to reconnect (the generator counts a publisher more than 16 MiB
behind real time as dropped: the origin did not read it fast enough),
every publisher is publishing at the end, and the origin's segment
availability p95 (its /metrics: the frame that closes a segment arriving
-> the segment listed) is <= 150 ms.  Per step: the origin's CPU per
stream-minute and as a share of its one core, its RSS per stream, the
segment bytes it holds per stream (its /metrics), and the generator's own
CPU: when the generator's core is full, the generator is the limit, not
the origin, and the row says so.  Also the publishers' admission as they
waited it (fanout-load's latency_ms.publish_start: connect ->
NetStream.Publish.Start), p50/p95/max.

  bench/scale/origin_scale.py [--counts 100,200,400,700,1000]
                              [--seconds 30] [--warmup 10] [--mbps 2]
                              [--keep-going] [--json FILE]
"""
import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("BUILD", ROOT / "build"))
ORIGIN = BUILD / "bin" / "fanout-origin"
LOAD = BUILD / "bin" / "fanout-load"
HOST = "127.0.59.1"
AVAILABILITY_P95_MS = 150

sys.path.insert(0, str(ROOT / "bench"))
import bench_origin  # noqa: E402
from media_source import make_source  # noqa: E402
from ingest.ingest_bench import cpu_seconds, pinned, rss_mb  # noqa: E402

CPUS = sorted(os.sched_getaffinity(0))
SERVER_CPUS, LOAD_CPUS = {CPUS[-1]}, set(CPUS[:-1]) or {CPUS[-1]}


def metrics(http):
    return urllib.request.urlopen(f"http://{HOST}:{http}/metrics",
                                  timeout=10).read().decode()


def metric(body, name, labels=""):
    m = re.search(rf"^{name}{re.escape(labels)} ([\d.e+-]+)$", body, re.M)
    return float(m.group(1)) if m else 0.0


def start_origin(work):
    """The connection caps for one client address lifted: every publisher
    comes from the generator's."""
    return bench_origin.start_origin(
        ORIGIN, work, HOST, "scale",
        "broadcast.max_per_app=0\nrtmp.max_connections_per_ip=0\n"
        "rtmp.max_connections=10000\n", SERVER_CPUS)


def step(n, args, source, work):
    """One count: the origin's and the generator's figures over the
    window after ramp-up and warm-up."""
    origin, http, rtmp = start_origin(work)
    ramp = max(2, n // 100)  # the generator's default 200 connects/s
    report = work / f"load-{n}.json"
    load = subprocess.Popen(
        [str(LOAD), "--quiet", "--json", str(report),
         "--publishers", str(n), "--flv", str(source),
         "--publish-url", f"rtmp://{HOST}:{rtmp}/LiveApp/scale{{i}}",
         "--ramp-up", str(ramp), "--max-connections", str(n + 10),
         "--duration", str(ramp + args.warmup + args.seconds + 2)],
        stdout=subprocess.DEVNULL, preexec_fn=pinned(LOAD_CPUS))
    try:
        time.sleep(ramp + args.warmup)
        c0, l0, t0 = (cpu_seconds(origin.pid), cpu_seconds(load.pid),
                      time.monotonic())
        m0 = metrics(http)
        time.sleep(args.seconds)
        c1, l1, t1 = (cpu_seconds(origin.pid), cpu_seconds(load.pid),
                      time.monotonic())
        m1 = metrics(http)
        rss = rss_mb(origin.pid)
        load.wait(timeout=120)
    finally:
        if load.poll() is None:
            load.kill()
        origin.terminate()
        origin.wait(timeout=60)
    r = json.loads(report.read_text())
    window = t1 - t0
    p95 = metric(m1, "fanout_segment_publish_ms", '{quantile="0.95"}')
    p50 = metric(m1, "fanout_segment_publish_ms", '{quantile="0.5"}')
    segments = (metric(m1, "fanout_segment_publish_ms_count")
                - metric(m0, "fanout_segment_publish_ms_count"))
    pubs = r["publishers"]
    row = {
        "publishers": n,
        "publishing": pubs["publishing"],
        "reconnects": pubs["reconnects"],
        "errors": r["errors"],
        "origin_cpu_s_per_stream_min": (c1 - c0) / (n * window / 60),
        "origin_core_share": (c1 - c0) / window,
        "origin_rss_mb": rss,
        "origin_rss_mb_per_stream": rss / n,
        "segment_bytes_per_stream": metric(m1, "fanout_segment_store_bytes")
        / n,
        "availability_ms": {"p50": p50, "p95": p95},
        # connect -> Publish.Start, every publisher of the step
        "admission_ms": r["latency_ms"]["publish_start"],
        "segments_in_window": segments,
        "load_core_share": (l1 - l0) / window,
        "load_cpu_s": r["load_process"]["cpu_s"],
        "in_mbit_s": metric(m1, "fanout_bytes_in_total") * 8 / 1e6,
    }
    row["in_mbit_s"] = (metric(m1, "fanout_bytes_in_total")
                        - metric(m0, "fanout_bytes_in_total")) * 8 / 1e6 \
        / window
    row["held"] = (pubs["publishing"] == n and pubs["reconnects"] == 0
                   and r["errors"]["total"] == 0
                   and p95 <= AVAILABILITY_P95_MS)
    row["limit"] = limit_of(row)
    return row


def limit_of(row):
    """What stopped a failed step, as far as the figures say."""
    if row["held"]:
        return ""
    if row["load_core_share"] >= 0.9 * len(LOAD_CPUS):
        return "the load generator's CPU"
    if row["origin_core_share"] >= 0.9:
        return "the origin's core"
    return "see errors"


def print_table(rows, args):
    print(f"### One origin, {args.mbps:g} Mbit/s 720p publishers "
          f"(fanout-load), "
          f"{args.seconds} s windows after {args.warmup} s warm-up; origin "
          f"on CPU {sorted(SERVER_CPUS)}, generator on "
          f"{sorted(LOAD_CPUS)}")
    print()
    print("| publishers | publishing | held | ingest Mbit/s | origin CPU "
          "s/stream-min | origin core share | RSS MiB (per stream) | "
          "segment MiB per stream | availability p50/p95 ms | admission "
          "p50/p95/max ms | generator core share | errors | limit |")
    print("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | "
          "---: | ---: | --- | --- |")
    for r in rows:
        err = r["errors"]
        kinds = ", ".join(f"{k} {v}" for k, v in err["by_kind"].items())
        print(f"| {r['publishers']} | {r['publishing']} | "
              f"{'yes' if r['held'] else 'no'} | {r['in_mbit_s']:.0f} | "
              f"{r['origin_cpu_s_per_stream_min']:.4f} | "
              f"{r['origin_core_share']:.2f} | {r['origin_rss_mb']:.0f} "
              f"({r['origin_rss_mb_per_stream']:.2f}) | "
              f"{r['segment_bytes_per_stream'] / 2**20:.2f} | "
              f"{r['availability_ms']['p50']:.0f}/"
              f"{r['availability_ms']['p95']:.0f} | "
              f"{r['admission_ms']['p50']:.0f}/{r['admission_ms']['p95']:.0f}"
              f"/{r['admission_ms']['max']:.0f} | "
              f"{r['load_core_share']:.2f} | {err['total']}"
              f"{' (' + kinds + ')' if kinds else ''} | {r['limit']} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--counts", default="100,200,400,700,1000")
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--mbps", type=float, default=2,
                    help="the clip's video bit rate (+ 128 kbit/s AAC)")
    ap.add_argument("--keep-going", action="store_true",
                    help="run every count, even after one failed")
    ap.add_argument("--json", help="also write the rows here")
    args = ap.parse_args()
    mbps = f"{args.mbps:g}"
    source = make_source(BUILD / "bench" / f"src-720p-{mbps}mbps.flv",
                         args.mbps)
    rows = []
    for n in [int(c) for c in args.counts.split(",")]:
        with tempfile.TemporaryDirectory(prefix="fanout-scale-") as d:
            rows.append(step(n, args, source, pathlib.Path(d)))
        print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
        if not rows[-1]["held"] and not args.keep_going:
            break
    print_table(rows, args)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
