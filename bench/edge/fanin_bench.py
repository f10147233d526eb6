#!/usr/bin/env python3
"""Fan-in: simulated players (fanout-load, load/) on one live stream through
one edge.  A real fanout-origin (hlsTime=2) and a real ffmpeg publisher;
the edge runs edge.conf with every core as a worker.

What reached the origin: its /metrics counter fanout_segment_requests_total
(every /{app}/streams/ request), split by kind with the edge's access log
(a line with an upstream address is an origin fetch; both must agree).
Goals: origin requests per distinct segment <= 1.05; playlist (or MPD)
fetches at the origin <= one per cache period (1 s).  The broadcast's
hlsViewerCount / dashViewerCount, read from the origin's REST API during
the run, shows the viewer accounting at that scale.

  bench/edge/fanin_bench.py [--viewers 500] [--seconds 60] [--ramp-up 10]
                            [--protocols hls,dash]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import edge_env  # noqa: E402

from edge_env import (APP, BUILD, Env, cpu_seconds,  # noqa: E402
                      http_get)

LOAD = BUILD / "bin" / "fanout-load"

STREAM = "fanin"
LOG = re.compile(r'"GET (\S+) HTTP/[\d.]+" (\d+) .* kind=(\S+) .* '
                 r'cache=(\S+) upstream=(\S+)')


def metric(origin, name):
    _, body = http_get(f"http://127.0.0.1:{origin.http_port}/metrics")
    m = re.search(rf"^{name} (\d+)", body.decode(), re.M)
    return int(m.group(1)) if m else 0


def viewer_counts(origin):
    st, body = http_get(f"http://127.0.0.1:{origin.http_port}/{APP}/rest/"
                        f"v2/broadcasts/{STREAM}")
    if st != 200:
        return 0, 0
    b = json.loads(body)
    return b.get("hlsViewerCount", 0), b.get("dashViewerCount", 0)


def run_one(env, origin, edge, protocol, args):
    base = f"http://127.0.0.1:{edge.port}/{APP}/streams"
    url = f"{base}/{STREAM}.m3u8" if protocol == "hls" \
        else f"{base}/{STREAM}/{STREAM}.mpd"
    out = env.dir / f"sim-{protocol}.json"
    log_from = len(edge.access_log())
    before = metric(origin, "fanout_segment_requests_total")
    cpu0 = (cpu_seconds(edge.pids()), cpu_seconds([origin.proc.pid]))

    peak = [0, 0]
    done = threading.Event()

    def sample():
        while not done.wait(2.0):
            h, d = viewer_counts(origin)
            peak[0], peak[1] = max(peak[0], h), max(peak[1], d)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.monotonic()
    sim = subprocess.run(
        [str(LOAD), "--quiet", "--play-url", url,
         "--viewers", str(args.viewers), "--duration", f"{args.seconds:g}",
         "--ramp-up", f"{args.ramp_up:g}", "--json", str(out)],
        capture_output=True, text=True, timeout=args.seconds + 120)
    elapsed = time.monotonic() - t0
    done.set()
    sampler.join(timeout=10)
    if sim.returncode != 0:
        raise RuntimeError(f"fanout-load failed:\n{sim.stdout}{sim.stderr}")
    time.sleep(1.5)                         # the last log lines
    after = metric(origin, "fanout_segment_requests_total")
    cpu = (cpu_seconds(edge.pids()) - cpu0[0],
           cpu_seconds([origin.proc.pid]) - cpu0[1])

    served, fetched = {}, {"playlist": 0, "segment": 0, "init": 0}
    distinct = set()
    for line in edge.access_log()[log_from:]:
        m = LOG.search(line)
        if not m:
            continue
        path, status, kind, _, upstream = m.groups()
        kind = "playlist" if kind in ("hls", "dash") else kind
        served[kind] = served.get(kind, 0) + 1
        if kind == "segment" and status == "200":
            distinct.add(path.split("?")[0])
        if upstream != "-":
            fetched[kind] = fetched.get(kind, 0) + 1

    report = json.loads(out.read_text())
    seg = report["latency_ms"]["segment"]
    sim_summary = {"stalls": report["viewers"]["stalls"],
                   "viewers_stalled": report["viewers"]["viewers_stalled"],
                   "errors": report["errors"]["total"],
                   "segment_p50_ms": seg["p50"], "segment_p99_ms": seg["p99"]}
    return {
        "protocol": protocol, "elapsed": elapsed, "sim": sim_summary,
        "served": served, "fetched": fetched, "distinct": len(distinct),
        "origin_requests": after - before, "peak": peak,
        "edge_cpu": cpu[0], "origin_cpu": cpu[1],
    }


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--viewers", type=int, default=500)
    p.add_argument("--seconds", type=float, default=60)
    p.add_argument("--ramp-up", type=float, default=10)
    p.add_argument("--protocols", default="hls")
    p.add_argument("--workers", type=int, default=os.cpu_count())
    args = p.parse_args(argv)

    results = []
    load = edge_env.cpu_busy()
    with Env("fanin") as env:
        uri = f"sqlite://{env.dir}/cluster.db"
        origin = env.origin(uri, hls_time=2)
        edge = env.edge(
            f"{uri}?update_period_ms=1000&dead_factor=5&timeout_ms=1000",
            args.workers, {"fanout_update_period": "1s",
                           "fanout_viewer_window": "10s"})
        env.publisher(f"rtmp://127.0.0.1:{origin.rtmp_port}/{APP}/{STREAM}")
        # ready at the origin: a probe through the edge would be a viewer
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            st, body = http_get(f"http://127.0.0.1:{origin.http_port}/{APP}/"
                                f"streams/{STREAM}.m3u8")
            if st == 200 and body.count(b"#EXTINF") >= 3:
                break
            time.sleep(0.5)
        else:
            raise RuntimeError("the stream did not come up through the edge")
        for protocol in args.protocols.split(","):
            results.append(run_one(env, origin, edge, protocol, args))
            time.sleep(3)

    print(f"### Edge fan-in: {args.viewers} simulated players, one stream "
          f"(hlsTime=2), {args.seconds:g} s, ramp-up {args.ramp_up:g} s, "
          f"{args.workers} edge workers (CPU busy before: {load:.0f}%)")
    print()
    print("| protocol | segments served | distinct segments | origin segment "
          "fetches | per segment | playlist/MPD served | origin playlist "
          "fetches | per second | origin requests (/metrics) | stalls "
          "(viewers) | errors | seg p50 / p99 ms | peak viewer count | "
          "edge CPU s | origin CPU s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
          "| ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        s, f = r["sim"], r["fetched"]
        per_seg = f["segment"] / r["distinct"] if r["distinct"] else 0
        total = f["playlist"] + f["segment"] + f["init"]
        check = "" if total == r["origin_requests"] else \
            f" (edge log: {total})"
        print(f"| {r['protocol']} | {r['served'].get('segment', 0)} "
              f"| {r['distinct']} | {f['segment']} | {per_seg:.3f} "
              f"| {r['served'].get('playlist', 0)} | {f['playlist']} "
              f"| {f['playlist'] / r['elapsed']:.2f} "
              f"| {r['origin_requests']}{check} "
              f"| {s['stalls']} ({s['viewers_stalled']}) | {s['errors']} "
              f"| {s['segment_p50_ms']} / {s['segment_p99_ms']} "
              f"| {r['peak'][0] if r['protocol'] == 'hls' else r['peak'][1]} "
              f"| {r['edge_cpu']:.1f} | {r['origin_cpu']:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
