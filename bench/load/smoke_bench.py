#!/usr/bin/python3
"""Load smoke bench: one fanout-origin on 127.0.57.1 under fanout-load
(load/): N RTMP publishers replaying the benchmarks' 2 Mbit/s 720p FLV and
M HLS viewers spread over the streams, for S seconds.  A check that the
load generator drives a real origin end to end and what it reports, with
the origin's CPU and RSS and the generator's own CPU beside them; not a
scale figure (that is bench/scale, on a quiet machine).

  bench/load/smoke_bench.py [--publishers 20] [--viewers 100] [--seconds 20]
                            [--json FILE]
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("BUILD", ROOT / "build"))
ORIGIN = BUILD / "bin" / "fanout-origin"
LOAD = BUILD / "bin" / "fanout-load"
HOST = "127.0.57.1"
PAGE = os.sysconf("SC_PAGE_SIZE")

sys.path.insert(0, str(ROOT / "bench"))
import bench_origin  # noqa: E402
from media_source import make_source  # noqa: E402


def cpu_seconds(pid):
    """Every thread's run time (ns) from /proc/PID/task/*/schedstat."""
    total = 0
    for t in pathlib.Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(t.read_text().split()[0])
        except OSError:
            pass
    return total / 1e9


def rss_mb(pid):
    return int(pathlib.Path(f"/proc/{pid}/statm").read_text().split()[1]) \
        * PAGE / 2**20


def start_origin(work):
    return bench_origin.start_origin(ORIGIN, work, HOST, "load-smoke")


def run(args, work):
    source = make_source(BUILD / "bench" / "source-2M.flv", 2)
    origin, http, rtmp = start_origin(work)
    report = work / "load.json"
    try:
        cpu0 = cpu_seconds(origin.pid)
        subprocess.run(
            [str(LOAD), "--quiet", "--json", str(report),
             "--publishers", str(args.publishers), "--flv", str(source),
             "--publish-url", f"rtmp://{HOST}:{rtmp}/LiveApp/smoke{{i}}",
             "--viewers", str(args.viewers), "--view-after", "6",
             "--ramp-up", "2",
             "--play-url", f"http://{HOST}:{http}/LiveApp/streams/smoke{{i}}.m3u8",
             "--duration", str(args.seconds)],
            check=True, stdout=subprocess.DEVNULL, timeout=args.seconds + 60)
        cpu = cpu_seconds(origin.pid) - cpu0
        rss = rss_mb(origin.pid)
    finally:
        origin.terminate()
        origin.wait(timeout=20)
    r = json.loads(report.read_text())
    r["origin"] = {"cpu_s": round(cpu, 2), "rss_mb": round(rss, 1)}
    return r


def table(args, r):
    lat, v, p = r["latency_ms"], r["viewers"], r["publishers"]
    minutes = args.publishers * args.seconds / 60
    print(f"### load smoke: {args.publishers} publishers (2 Mbit/s 720p), "
          f"{args.viewers} HLS viewers, {args.seconds} s, one origin")
    print()
    print("| publishing | origin CPU s/stream-min | origin RSS MB | "
          "load CPU s | segments | availability p50/p95 ms | "
          "playlist p99 ms | stalls | errors |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(f"| {p['publishing']}/{args.publishers} "
          f"| {r['origin']['cpu_s'] / max(minutes, 1e-9):.3f} "
          f"| {r['origin']['rss_mb']} | {r['load_process']['cpu_s']} "
          f"| {v['segments']} | {lat['availability']['p50']}/"
          f"{lat['availability']['p95']} | {lat['playlist']['p99']} "
          f"| {v['stalls']} | {r['errors']['total']} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--publishers", type=int, default=20)
    ap.add_argument("--viewers", type=int, default=100)
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--json", help="also write the whole report here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="fanout-load-smoke-") as d:
        r = run(args, pathlib.Path(d))
    table(args, r)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(r, indent=2))


if __name__ == "__main__":
    main()
