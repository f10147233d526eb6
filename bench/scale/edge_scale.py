#!/usr/bin/python3
"""One edge worker's viewer capacity (issue #16), against plain nginx
serving the same files, in the same run.

K live streams (ffmpeg -c copy of the benchmarks' 720p FLV, hlsTime 2 s)
on one fanout-origin (SQLite store).  The edge is the shipped edge.conf
with one worker (the module's lookup, proxy_cache, the playlist cache);
the anchor is plain nginx, one worker, serving static copies of the same
playlists and segments, which a mirror thread keeps live (it polls the
origin's media playlists every 250 ms and writes each new segment before
the playlist that lists it).  Both nginx workers run on the last CPU,
fanout-load (M HLS viewers spread uniformly over the K media playlists,
polling at the target duration, every segment downloaded) on the others;
the origin, the publishers and the mirror are left to the scheduler
(pinned with the generator, they starved: both servers failed 3,000).

A step holds when the viewers' playlist p99 <= 50 ms, no viewer stalled
and nothing failed; for the edge also <= 1.05 origin fetches per segment
(its access log: requests the proxy cache sent upstream, per distinct
segment).  M rises per server until a step fails; the ratio is the edge's
largest held M over the anchor's.  The generator's own CPU is beside
every row: when its cores are full, the generator is the limit.

  bench/scale/edge_scale.py [--counts 250,500,1000,2000] [--streams 10]
                            [--mbps 2] [--seconds 30] [--servers plain,edge]
                            [--keep-going] [--json FILE]
"""
import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "edge"))
sys.path.insert(0, str(ROOT / "bench"))
import edge_env  # noqa: E402
from edge_env import APP, BUILD, Env  # noqa: E402
from ingest.ingest_bench import cpu_seconds  # noqa: E402
from media_source import make_source  # noqa: E402

LOAD = BUILD / "bin" / "fanout-load"
CPUS = sorted(os.sched_getaffinity(0))
SERVER_CPUS, LOAD_CPUS = {CPUS[-1]}, set(CPUS[:-1]) or {CPUS[-1]}
PLAYLIST_P99_MS = 50
FETCHES_PER_SEGMENT = 1.05


class Mirror(threading.Thread):
    """Static copies of the origin's live media playlists and their files,
    kept live: segments (and init segments) first, then the playlist."""

    def __init__(self, origin_http, streams, www):
        super().__init__(daemon=True)
        self.base = f"{origin_http}/{APP}/streams/"
        self.streams = streams
        self.dir = www / APP / "streams"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.have = set()
        self.stop_flag = threading.Event()

    def fetch(self, rel):
        with urllib.request.urlopen(self.base + rel, timeout=5) as r:
            return r.read()

    def write(self, rel, data):
        path = self.dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.rename(path)

    def once(self, name):
        text = self.fetch(f"{name}.m3u8").decode()
        refs = [line for line in text.splitlines()
                if line and not line.startswith("#")]
        refs += re.findall(r'#EXT-X-MAP:URI="([^"]+)"', text)
        for rel in refs:
            if rel not in self.have:
                self.write(rel, self.fetch(rel))
                self.have.add(rel)
        self.write(f"{name}.m3u8", text.encode())

    def run(self):
        while not self.stop_flag.wait(0.25):
            for name in self.streams:
                try:
                    self.once(name)
                except OSError:
                    pass  # not live yet; the next poll tries again


def pin(pids, cpus):
    for pid in pids:
        try:
            os.sched_setaffinity(pid, cpus)
        except OSError:
            pass


def access_lines(server):
    path = server.prefix / "logs" / "access.log"
    return path.read_text(errors="replace").splitlines() \
        if path.exists() else []


def origin_fetches(lines):
    """(requests sent upstream, distinct segments) among the edge's
    segment requests (kind=segment, an upstream address)."""
    fetched, segments = 0, set()
    for line in lines:
        if "kind=segment" not in line:
            continue
        m = re.search(r'"GET (\S+)', line)
        if not m:
            continue
        segments.add(m.group(1))
        if not re.search(r"upstream=- ", line):
            fetched += 1
    return fetched, len(segments)


def view(server, n, args, names):
    """fanout-load's report for n viewers against server."""
    ramp = max(2, n // 150)
    url = (f"http://127.0.0.1:{server.port}/{APP}/streams/"
           f"{names[0][:-1]}{{i}}.m3u8")
    cmd = [str(LOAD), "--quiet", "--json", "-", "--viewers", str(n),
           "--play-url", url, "--streams", str(len(names)),
           "--ramp-up", str(ramp), "--max-connections", str(n + 10),
           "--connect-rate", "500", "--request-rate", "100000",
           "--duration", str(ramp + args.seconds)]
    before = len(access_lines(server))
    c0 = cpu_seconds(server.pids()[0])
    t0 = time.monotonic()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                         timeout=ramp + args.seconds + 120,
                         preexec_fn=lambda: os.sched_setaffinity(0,
                                                                 LOAD_CPUS))
    wall = time.monotonic() - t0
    r = json.loads(out.stdout)
    r["wall_s"] = wall
    r["server_core_share"] = (cpu_seconds(server.pids()[0]) - c0) / wall
    r["load_core_share"] = r["load_process"]["cpu_s"] / wall
    r["new_log_lines"] = access_lines(server)[before:]
    return r


def judge(r, edge):
    lat = r["latency_ms"]["playlist"]
    ok = (lat["p99"] <= PLAYLIST_P99_MS and r["viewers"]["stalls"] == 0
          and r["errors"]["total"] == 0)
    if edge:
        fetched, segments = origin_fetches(r["new_log_lines"])
        r["origin_fetches"] = {"fetched": fetched, "segments": segments}
        ok = ok and segments > 0 and \
            fetched / segments <= FETCHES_PER_SEGMENT
    return ok


def row(kind, n, r, held):
    lat = r["latency_ms"]
    fetch = r.get("origin_fetches")
    per = (f"{fetch['fetched'] / fetch['segments']:.2f}"
           if fetch and fetch["segments"] else "")
    kinds = ", ".join(f"{k} {v}" for k, v in
                      r["errors"]["by_kind"].items())
    return (f"| {kind} | {n} | {'yes' if held else 'no'} | "
            f"{r['viewers']['segments']} | "
            f"{r['viewers']['bytes'] * 8 / 1e6 / r['wall_s']:.0f} | "
            f"{lat['playlist']['p50']:.1f}/{lat['playlist']['p99']:.1f} | "
            f"{lat['segment']['p99']:.1f} | {r['viewers']['stalls']} | "
            f"{r['errors']['total']}{' (' + kinds + ')' if kinds else ''} | "
            f"{per} | {r['server_core_share']:.2f} | "
            f"{r['load_core_share']:.2f} |")


def climb(kind, server, counts, args, names, rows):
    best = 0
    for n in counts:
        r = view(server, n, args, names)
        held = judge(r, kind == "edge")
        r.pop("new_log_lines")
        rows.append((kind, n, r, held))
        print(json.dumps({"server": kind, "viewers": n, "held": held,
                          "playlist_p99": r["latency_ms"]["playlist"]["p99"],
                          "stalls": r["viewers"]["stalls"],
                          "errors": r["errors"]["total"],
                          "load_core_share": r["load_core_share"],
                          "fetches": r.get("origin_fetches")}),
              file=sys.stderr, flush=True)
        if held:
            best = max(best, n)
        elif not args.keep_going:
            break
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--counts", default="250,500,1000,2000")
    ap.add_argument("--streams", type=int, default=10)
    ap.add_argument("--mbps", type=float, default=2)
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--servers", default="plain,edge",
                    help="which to climb, in this order")
    ap.add_argument("--keep-going", action="store_true",
                    help="run every count, even after one failed")
    ap.add_argument("--json", help="also write every report here")
    args = ap.parse_args()
    mbps = f"{args.mbps:g}"
    source = make_source(BUILD / "bench" / f"src-720p-{mbps}mbps.flv",
                         args.mbps)
    counts = [int(c) for c in args.counts.split(",")]
    names = [f"scale{i}" for i in range(args.streams)]
    rows = []
    with Env("edge-scale") as env:
        uri = f"sqlite://{env.dir}/cluster.db"
        origin = env.origin(uri, hls_time=2)
        for name in names:
            env.copy_publisher(f"rtmp://{origin.host}:{origin.rtmp_port}/"
                               f"{APP}/{name}", source)
        www = env.dir / "www"
        mirror = Mirror(origin.http, names, www)
        mirror.start()
        edge = env.edge(uri, workers=1)
        plain = env.static("plain", www, workers=1)
        for server in (edge, plain):
            pin(server.pids()[1:], SERVER_CPUS)
        edge_env.wait_for(lambda: all(
            (www / APP / "streams" / f"{n}.m3u8").exists() for n in names),
            60, what="every stream live and mirrored")
        time.sleep(6)  # a few segments listed
        servers = {"plain": plain, "edge": edge}
        best = {k: climb(k, servers[k], counts, args, names, rows)
                for k in args.servers.split(",")}
        mirror.stop_flag.set()
    print(f"### One edge worker vs plain nginx (one worker), {args.streams} "
          f"streams of {mbps} Mbit/s 720p, hlsTime 2 s, {args.seconds} s "
          f"per step; nginx on CPU {sorted(SERVER_CPUS)}, fanout-load and "
          f"the rest on {sorted(LOAD_CPUS)}")
    print()
    print("| server | viewers | held | segments | Mbit/s to viewers | "
          "playlist p50/p99 ms | segment p99 ms | stalls | errors | "
          "origin fetches per segment | nginx core share | generator core "
          "share |")
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | "
          "---: | ---: | ---: |")
    for kind, n, r, held in rows:
        print(row(kind, n, r, held))
    print()
    print("Largest held: " + ", ".join(f"{k} {v}" for k, v in best.items())
          + " viewers")
    if best.get("plain") and "edge" in best:
        print(f"edge / plain = {best['edge'] / best['plain']:.2f}")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(
            {"best": best, "rows": [{"server": k, "viewers": n, "held": h,
                                     "report": r}
                                    for k, n, r, h in rows]}, indent=2))


if __name__ == "__main__":
    main()
