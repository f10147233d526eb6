#!/usr/bin/python3
"""What one quota-held origin does while N publishers ramp up (issue #16):
every 2 s its availability quantiles (its /metrics: the last 1,024
segments) and the CPU each of its threads used, optionally with
`perf record -g` on it from --perf-at s for --perf-seconds.

    FANOUT_BUILD=build /usr/bin/python3 bench/scale/ramp_probe.py \\
        --publishers 90 --quota 0.1 --seconds 40 --perf-at 7

The cluster and the load are node_scaling.py's (one origin, SQLite,
fanout-load from 127.0.173.x through the LB, 10 new publishers a second);
perf's data goes to --perf-out (perf report -i it)."""
import argparse
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import node_scaling as ns  # noqa: E402


def thread_ticks(pid, last):
    """"name:ticks" of each thread that used more than 2 clock ticks since
    the last call (last: tid -> ticks, updated)."""
    out = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            st = open(f"/proc/{pid}/task/{tid}/stat").read()
        except OSError:
            continue
        fields = st[st.rindex(")") + 2:].split()
        ticks = int(fields[11]) + int(fields[12])      # utime + stime
        used = ticks - last.get(tid, ticks)
        last[tid] = ticks
        if used > 2:
            out.append(f"{st[st.index('(') + 1:st.rindex(')')]}:{used}")
    return " ".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--publishers", type=int, default=90)
    ap.add_argument("--quota", type=float, default=0.1)
    ap.add_argument("--seconds", type=int, default=40)
    ap.add_argument("--publish-rate", type=int, default=10)
    ap.add_argument("--perf-at", type=float, help="start perf then (s)")
    ap.add_argument("--perf-seconds", type=int, default=18)
    ap.add_argument("--perf-out", default="/tmp/fanout-ramp-probe.perf")
    args = ap.parse_args()
    source = ns.make_source(ns.BUILD / "bench" / "src-720p-2mbps.flv", 2)
    work = pathlib.Path(tempfile.mkdtemp(prefix="fanout-ramp-"))
    c = ns.start_cluster(work, ns.BLOCK, 1, 1)
    quotas = ns.quotas_for(c, ["origin-1"], args.quota)
    pid, n = c.pid("origin-1"), args.publishers
    load = subprocess.Popen(
        [str(ns.LOAD), "--quiet", "--json", str(work / "load.json"),
         "--publishers", str(n), "--flv", str(source),
         "--publish-url", c.rtmp("LiveApp", "scale{i}"),
         "--source-addresses", ns.SOURCES,
         "--ramp-up", str(max(2, n // args.publish_rate)),
         "--max-connections", str(n + 10),
         "--duration", str(args.seconds + 60)], stdout=subprocess.DEVNULL)
    perf, last, t0 = None, {}, time.monotonic()
    try:
        while time.monotonic() - t0 < args.seconds:
            if perf is None and args.perf_at is not None \
                    and time.monotonic() - t0 >= args.perf_at:
                perf = subprocess.Popen(
                    ["perf", "record", "-F", "999", "-g", "-p", str(pid),
                     "-o", args.perf_out, "--", "sleep",
                     str(args.perf_seconds)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            m = ns.origin_metrics(c, 0)

            def q(x):
                return ns.metric(m, "fanout_segment_publish_ms",
                                 f'{{quantile="{x}"}}')
            print(f"{time.strftime('%H:%M:%S')} "
                  f"{time.monotonic() - t0:5.1f} s  publishing "
                  f"{int(ns.metric(m, 'fanout_publishers'))}  availability "
                  f"p50/p95/p99 {q('0.5'):.0f}/{q('0.95'):.0f}/"
                  f"{q('0.99'):.0f} ms  threads {thread_ticks(pid, last)}",
                  flush=True)
            time.sleep(2)
        if perf:
            perf.wait(timeout=args.perf_seconds + 30)
    finally:
        load.send_signal(signal.SIGINT)
        load.wait(timeout=120)
        c.down()
        for q in quotas:
            q.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
