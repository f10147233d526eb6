#!/usr/bin/python3
"""Near-linear scaling (issue #16): what one node holds against two behind
the LB, each node held to the same CPU quota (its own cpu cgroup,
cpu_quota.py: --quota of one core, 20 ms CFS period).

The cluster is the one `make up` starts (scripts/run.sh: SQLite store,
heartbeat 5 s, hlsTime 2 s, the LB's least_conn RTMP upstream and its
fanout_edges HTTP upstream rendered by fanout-lb-sync), on loopback
127.0.170-172.x, without its demo publisher.  fanout-load connects from
the 250 addresses 127.0.173.x (--source-addresses): the LB keeps a viewer
on one edge by hashing its address, so viewers from one address would all
land on one edge.

* **Publishers** (origins 1, then 2): fanout-load publishes N copies of
  the --mbps clip through the LB, --publish-rate (10) starting each
  second: a quota-held origin carrying a few hundred streams admits new
  publishes slowly (at 25 a second one origin at 0.25 core timed
  publishers out from about 240 on, at 10 a second it held 412), and
  this measures what the nodes carry, not how fast they admit.  A step holds when no publisher was
  dropped or reconnected, all N are publishing, and every origin's
  segment availability p95 (its /metrics) is <= 150 ms, as in
  origin_scale.py.  Each step is a fresh cluster.
* **Viewers** (edges 1, then 2; one origin without a quota): K streams of
  the --viewer-mbps clip, their publishers started spread over
  --stream-spread seconds (2: one segment, so each stream lists its
  segments at its own moment, as independent broadcasters do; started
  together, all K list theirs in the same millisecond and every viewer
  asks for a segment in one burst, which a quota-held edge serves
  --quota of each 20 ms at a time), and M HLS viewers through the LB.  A step holds
  when the viewers' playlist p99 <= 50 ms, no viewer stalled, nothing
  failed, and each edge fetched <= 1.05 times per segment from the
  origin, as in edge_scale.py.  The cluster stays up across M; before
  its first step it serves half the start count for --warmup seconds, a
  row listed as `warm-up` and not judged (a fresh cluster's first step
  is slower: see warm_up).

N (or M) rises by x1.5 from --start until a step fails, then is bisected
until the step is within --resolution of the largest held.  Two nodes
start from twice what one held.  The ratio is 2 nodes' largest held over
1 node's; the goal is >= 1.9x.  Every row has each node's CPU share (it
cannot pass the quota), the LB's and the generator's: when the machine's
other core is full, the machine is the limit, not the nodes.

  bench/scale/node_scaling.py [--kinds publishers,viewers] [--quota 0.25]
      [--mbps 2] [--viewer-mbps 0.25] [--streams 10] [--stream-spread 2]
      [--seconds 20]
      [--publish-rate 10] [--nodes 1,2]
      [--warmup 10] [--resolution 0.05] [--json FILE]
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from harness.cluster import rest_headers  # noqa: E402
from harness.net import http_get, wait_for  # noqa: E402
from ingest.ingest_bench import cpu_seconds, tree  # noqa: E402
from media_source import make_source  # noqa: E402
from scale_cluster import start_cluster  # noqa: E402
from cpu_quota import CpuQuota  # noqa: E402
from edge_scale import judge  # noqa: E402

BUILD = pathlib.Path(os.environ.get("BUILD", ROOT / "build"))
LOAD = BUILD / "bin" / "fanout-load"
BLOCK = 170
SOURCES = "127.0.173.1-127.0.173.250"
AVAILABILITY_P95_MS = 150


def metric(body, name, labels=""):
    m = re.search(rf"^{name}{re.escape(labels)} ([\d.e+-]+)$", body, re.M)
    return float(m.group(1)) if m else 0.0


def origin_metrics(c, i):
    """The origin's /metrics; "" when it does not answer within 20 s (an
    origin past its quota: the step fails on its availability)."""
    url = c.origin_http(i)
    try:
        st, _, body = http_get(f"{url}/metrics", timeout=20,
                               headers=rest_headers(url))
    except OSError:
        return ""
    return body.decode() if st == 200 else ""


def quotas_for(c, names, cores):
    """Each node (its process tree) in a cgroup of its own."""
    out = []
    for name in names:
        q = CpuQuota(f"fanout-bench-{os.getpid()}-{name}", cores)
        q.add(tree(c.pid(name)))
        out.append(q)
    return out


class Sampler:
    """CPU seconds of named process trees between two marks."""

    def __init__(self, pids):
        self.pids = pids
        self.t0, self.c0 = time.monotonic(), self.now()

    def now(self):
        return {k: cpu_seconds(p) for k, p in self.pids.items()}

    def shares(self):
        wall = time.monotonic() - self.t0
        c1 = self.now()
        return {k: (c1[k] - self.c0[k]) / wall for k in c1}


def publisher_step(nodes, n, args, source):
    work = pathlib.Path(tempfile.mkdtemp(prefix="fanout-nodes-"))
    c = start_cluster(work, BLOCK, nodes, 1)
    names = [f"origin-{i + 1}" for i in range(nodes)]
    quotas, load = quotas_for(c, names, args.quota), None
    try:
        ramp = max(2, n // args.publish_rate)
        report = work / "load.json"
        load = subprocess.Popen(
            [str(LOAD), "--quiet", "--json", str(report),
             "--publishers", str(n), "--flv", str(source),
             "--publish-url", c.rtmp("LiveApp", "scale{i}"),
             "--source-addresses", SOURCES,
             "--ramp-up", str(ramp), "--max-connections", str(n + 10),
             "--duration", str(ramp + args.warmup + args.seconds + 60)],
            stdout=subprocess.DEVNULL)
        time.sleep(ramp + args.warmup)
        pids = {k: c.pid(k) for k in names + ["lb"]}
        pids["generator"] = load.pid
        s = Sampler(pids)
        m0 = [origin_metrics(c, i) for i in range(nodes)]
        time.sleep(args.seconds)
        shares = s.shares()
        m1 = [origin_metrics(c, i) for i in range(nodes)]
        load.send_signal(signal.SIGINT)  # it reports, then ends
        load.wait(timeout=120)
        r = json.loads(report.read_text())
    finally:
        if load and load.poll() is None:
            load.kill()
        c.down()
        for q in quotas:
            q.close()
        shutil.rmtree(work, ignore_errors=True)
    p95 = [metric(m, "fanout_segment_publish_ms", '{quantile="0.95"}')
           for m in m1]
    pubs = r["publishers"]
    row = {"nodes": nodes, "count": n, "publishing": pubs["publishing"],
           "reconnects": pubs["reconnects"], "errors": r["errors"],
           "per_node": [int(metric(m, "fanout_publishers")) for m in m1],
           "availability_p95_ms": p95,
           "segments": [metric(b, "fanout_segment_publish_ms_count")
                        - metric(a, "fanout_segment_publish_ms_count")
                        for a, b in zip(m0, m1)],
           "shares": shares}
    row["held"] = (pubs["publishing"] == n and pubs["reconnects"] == 0
                   and r["errors"]["total"] == 0
                   and all(0 < p <= AVAILABILITY_P95_MS for p in p95))
    return row


class ViewerCluster:
    """One origin, `edges` edges in quota groups, K streams publishing."""

    def __init__(self, edges, args, source):
        self.work = pathlib.Path(tempfile.mkdtemp(prefix="fanout-nodes-"))
        self.c = start_cluster(self.work, BLOCK, 1, edges)
        self.names = [f"edge-{i + 1}" for i in range(edges)]
        self.quotas = quotas_for(self.c, self.names, args.quota)
        self.pubs = subprocess.Popen(
            [str(LOAD), "--quiet", "--publishers", str(args.streams),
             "--flv", str(source), "--publish-url",
             self.c.rtmp("LiveApp", "view{i}"), "--duration", "86400",
             "--ramp-up", str(args.stream_spread)],
            stdout=subprocess.DEVNULL)
        wait_for(lambda: self.c.broadcasting(args.streams), 30)
        time.sleep(8)  # a few segments listed

    def access_lines(self, name):
        p = self.work / "run" / name / "logs" / "access.log"
        return p.read_text(errors="replace").splitlines() \
            if p.exists() else []

    def close(self):
        self.pubs.kill()
        self.pubs.wait()
        self.c.down()
        for q in self.quotas:
            q.close()
        shutil.rmtree(self.work, ignore_errors=True)


def viewer_step(vc, m, args, seconds=None):
    seconds = seconds or args.seconds
    ramp = max(2, m // 150)
    before = {k: len(vc.access_lines(k)) for k in vc.names}
    pids = {k: vc.c.pid(k) for k in vc.names + ["lb", "origin-1"]}
    s = Sampler(pids)
    out = subprocess.run(
        [str(LOAD), "--quiet", "--json", "-", "--viewers", str(m),
         "--play-url", f"{vc.c.url}/LiveApp/streams/view{{i}}.m3u8",
         "--streams", str(args.streams), "--source-addresses", SOURCES,
         "--ramp-up", str(ramp), "--max-connections", str(m + 10),
         "--connect-rate", "500", "--request-rate", "100000",
         "--duration", str(ramp + seconds)],
        capture_output=True, text=True, check=True,
        timeout=ramp + seconds + 120)
    shares = s.shares()
    r = json.loads(out.stdout)
    shares["generator"] = r["load_process"]["cpu_s"] / r["duration_s"]
    held, fetches = True, []
    for k in vc.names:
        # judge() reads one server's log; each edge fetches for itself
        r["new_log_lines"] = vc.access_lines(k)[before[k]:]
        held = judge(r, True) and held
        fetches.append(r.pop("origin_fetches"))
    r.pop("new_log_lines")
    lat = r["latency_ms"]
    return {"nodes": len(vc.names), "count": m, "held": held,
            "playlist_p50_p99_ms": [lat["playlist"]["p50"],
                                    lat["playlist"]["p99"]],
            "segment_p99_ms": lat["segment"]["p99"],
            "stalls": r["viewers"]["stalls"], "errors": r["errors"],
            "mbit_s": r["viewers"]["bytes"] * 8 / 1e6 / (ramp + seconds),
            "per_node": [sum(1 for line in vc.access_lines(k)[before[k]:]
                             if "kind=hls " in line) for k in vc.names],
            "origin_fetches": fetches, "shares": shares}


def warm_up(vc, start, args, rows):
    """The first viewers a fresh cluster serves cost it more than later
    ones (cache directories and files created, workers' memory touched,
    the LB's connections to the edges opened): the first step of a fresh
    cluster was 60-80 ms slower at p99 than the same count run again.  So
    each viewer cluster first serves half the start count for --warmup
    seconds, listed, not judged."""
    if args.warmup <= 0:
        return
    row = viewer_step(vc, max(1, start // 2), args, seconds=args.warmup)
    row["held"], row["warmup"] = None, True
    rows.append(row)
    print(json.dumps(row), file=sys.stderr, flush=True)


def search(run, start, args, rows):
    """The largest count that holds, to --resolution."""
    lo, hi, n = 0, None, start
    while True:
        row = run(n)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)
        if row["held"]:
            lo = n
        else:
            hi = n
        if hi is None:
            n = int(n * 1.5)
            continue
        if hi - lo <= max(5, args.resolution * max(lo, 1)):
            return lo
        n = (lo + hi) // 2 if lo else hi // 2


def scale(kind, args, sources, rows):
    best = {}
    for nodes in (1, 2):
        if str(nodes) not in args.nodes.split(","):
            continue
        start = 2 * best[1] if nodes == 2 and best.get(1) else \
            (args.start or (100 if kind == "publishers" else 200))
        if kind == "publishers":
            best[nodes] = search(
                lambda n: publisher_step(nodes, n, args, sources[0]),
                start, args, rows)
        else:
            vc = ViewerCluster(nodes, args, sources[1])
            try:
                warm_up(vc, start, args, rows)
                best[nodes] = search(lambda m: viewer_step(vc, m, args),
                                     start, args, rows)
            finally:
                vc.close()
    return best


def print_rows(kind, rows, args):
    print(f"### {kind}: 1 and 2 nodes at {args.quota:g} core each")
    print()
    if kind == "publishers":
        print("| origins | publishers | held | per origin | availability p95 "
              "ms | origin core shares | LB | generator | errors |")
        print("| ---: | ---: | --- | --- | --- | --- | ---: | ---: | --- |")
    else:
        print("| edges | viewers | held | playlist p50/p99 ms | stalls | "
              "Mbit/s | origin fetches per segment | edge core shares | LB "
              "| generator | errors |")
        print("| ---: | ---: | --- | ---: | ---: | ---: | --- | --- | ---: | "
              "---: | --- |")
    for r in rows:
        sh = r["shares"]
        nodes = [f"{sh[k]:.3f}" for k in sorted(sh)
                 if k.startswith("origin-" if kind == "publishers"
                                 else "edge-")]
        err = r["errors"]
        kinds = ", ".join(f"{k} {v}" for k, v in err["by_kind"].items())
        err = f"{err['total']}{' (' + kinds + ')' if kinds else ''}"
        held = "warm-up" if r.get("warmup") else \
            "yes" if r["held"] else "no"
        if kind == "publishers":
            p95 = ", ".join(f"{p:.0f}" for p in r["availability_p95_ms"])
            print(f"| {r['nodes']} | {r['count']} | {held} | "
                  f"{', '.join(map(str, r['per_node']))} | {p95} | "
                  f"{', '.join(nodes)} | {sh['lb']:.2f} | "
                  f"{sh['generator']:.2f} | {err} |")
        else:
            f = ", ".join(f"{x['fetched'] / x['segments']:.2f}"
                          if x["segments"] else "-"
                          for x in r["origin_fetches"])
            p50, p99 = r["playlist_p50_p99_ms"]
            print(f"| {r['nodes']} | {r['count']} | {held} | {p50:.1f}/"
                  f"{p99:.1f} | {r['stalls']} | {r['mbit_s']:.0f} | {f} | "
                  f"{', '.join(nodes)} | {sh['lb']:.2f} | "
                  f"{sh['generator']:.2f} | {err} |")
    print()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kinds", default="publishers,viewers")
    ap.add_argument("--quota", type=float, default=0.25,
                    help="each node's share of one core")
    ap.add_argument("--mbps", type=float, default=2,
                    help="the publishers' clip (video Mbit/s, + 128k AAC)")
    ap.add_argument("--viewer-mbps", type=float, default=0.25,
                    help="the viewed streams' clip")
    ap.add_argument("--streams", type=int, default=10)
    ap.add_argument("--stream-spread", type=float, default=2,
                    help="viewers: the streams' publishers start spread "
                    "over this many seconds (one segment: their segments "
                    "are listed at independent moments); 0: all at once")
    ap.add_argument("--start", type=int, default=0,
                    help="the first count for 1 node (default 100 "
                    "publishers, 200 viewers)")
    ap.add_argument("--publish-rate", type=int, default=10,
                    help="publishers starting per second (SQLite claims "
                    "are written one at a time)")
    ap.add_argument("--nodes", default="1,2",
                    help="which node counts to run")
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=10,
                    help="seconds publishers run before a step is measured;"
                    " a viewer cluster serves half the start count this "
                    "long before its first step")
    ap.add_argument("--resolution", type=float, default=0.05)
    ap.add_argument("--json", help="also write every row here")
    args = ap.parse_args()
    sources = [make_source(BUILD / "bench" / f"src-720p-{m:g}mbps.flv", m)
               for m in (args.mbps, args.viewer_mbps)]
    result = {}
    for kind in args.kinds.split(","):
        rows = []
        best = scale(kind, args, sources, rows)
        print_rows(kind, rows, args)
        ratio = best[2] / best[1] if best.get(1) and best.get(2) else 0
        print(f"{kind}: " + ", ".join(f"{k} node{'s' if k > 1 else ''} {v}"
                                      for k, v in best.items())
              + (f": {ratio:.2f}x (goal >= 1.9x)" if ratio else ""))
        print()
        result[kind] = {"best": best, "ratio": ratio, "rows": rows}
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
