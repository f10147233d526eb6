#!/usr/bin/python3
"""The whole `make up` cluster under load, with failures (issue #16).

scripts/run.sh starts 2 origins, 2 edges and the LB (SQLite store,
heartbeat 5 s, dead after 20 s, hlsTime 2 s, no demo publisher) on
loopback 127.0.175-177.x.  One fanout-load process publishes --publishers
copies of the --mbps clip through the LB's RTMP port, reconnecting 1 s
after a drop (as the demo publisher and OBS do); another runs --viewers
HLS viewers through the LB's HTTP port for --seconds, spread uniformly
over the streams, from 250 addresses (127.0.178.x: the LB keeps a viewer
on one edge by hashing its address).  At --kill-origin-at s into the
viewing, kill -9 of the origin holding more streams; at --kill-edge-at s,
kill -9 of the edge that served more playlists (-1: no kill, for a
baseline).

Reported: the viewers' stalls (a viewer's simulated buffer running dry),
stalled seconds and errors by kind and HTTP status, the publishers'
reconnects, fanout-load's per-second progress around each kill, and at
the end whether every stream is live again: broadcasting in the REST API
and its playlist answered 200 through the LB, listing a segment written
after the origin kill.

  bench/scale/cluster_load.py [--publishers 100] [--viewers 5000]
      [--seconds 300] [--mbps 0.05] [--audio-kbps 32]
      [--kill-origin-at 100] [--kill-edge-at 200] [--keep] [--json FILE]
"""
import argparse
import collections
import datetime
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from harness.cluster import rest_headers  # noqa: E402
from harness.net import http_get, wait_for  # noqa: E402
from ingest.ingest_bench import cpu_seconds  # noqa: E402
from media_source import make_source  # noqa: E402
from scale_cluster import start_cluster  # noqa: E402

BUILD = pathlib.Path(os.environ.get("BUILD", ROOT / "build"))
LOAD = BUILD / "bin" / "fanout-load"
BLOCK = 175
PUBLISHER_SOURCES = "127.0.178.1-127.0.178.250"
VIEWER_SOURCES = "127.0.179.1-127.0.179.250"


def broadcasting(url):
    """The broadcasts listed as broadcasting, from the REST list, page by
    page (50 a page, Ant Media's cap)."""
    out, offset = [], 0
    while True:
        st, _, body = http_get(
            f"{url}/LiveApp/rest/v2/broadcasts/list/{offset}/50",
            headers=rest_headers(url))
        page = json.loads(body) if st == 200 else []
        out += [b for b in page if b["status"] == "broadcasting"]
        if len(page) < 50:
            return out
        offset += 50


def live_streams(url):
    """The stream ids broadcasting."""
    return {b["streamId"] for b in broadcasting(url)}


def streams_per_origin(c):
    return collections.Counter(b.get("originAdress", "")
                               for b in broadcasting(c.url))


def busiest_edge(c):
    counts = {}
    for i in range(len(c.edges)):
        p = c.workdir / "run" / f"edge-{i + 1}" / "logs" / "access.log"
        counts[f"edge-{i + 1}"] = p.read_text(errors="replace").count(
            "kind=hls ") if p.exists() else 0
    return max(counts, key=counts.get), counts


def live_again(c, stream, since_wall):
    """The stream's playlist through the LB lists a segment whose
    PROGRAM-DATE-TIME is after since_wall (a segment written after the
    origin kill)."""
    st, _, body = http_get(f"{c.url}/LiveApp/streams/{stream}.m3u8",
                           timeout=5)
    if st != 200:
        return False
    stamps = re.findall(rb"#EXT-X-PROGRAM-DATE-TIME:(\S+)", body)
    if not stamps:
        return False
    last = datetime.datetime.fromisoformat(
        stamps[-1].decode().replace("Z", "+00:00")).timestamp()
    return last > since_wall


def progress_around(lines, t, before=3, after=12):
    """fanout-load's progress lines from `before` s before t to `after`
    s after (t: seconds into its run)."""
    out = []
    for line in lines:
        m = re.match(r"\s*(\d+)s ", line)
        if m and t - before <= int(m.group(1)) <= t + after:
            out.append(line.strip())
    return out


def start_load(c, args, source, work, result):
    """The publishers, all live, then the viewers: (publishers, viewers)."""
    names = {f"load{i}" for i in range(args.publishers)}
    pubs = subprocess.Popen(
        [str(LOAD), "--json", str(work / "publishers.json"),
         "--publishers", str(args.publishers), "--flv", str(source),
         "--publish-url", c.rtmp("LiveApp", "load{i}"), "--reconnect",
         "--source-addresses", PUBLISHER_SOURCES, "--ramp-up", "10",
         "--duration", str(args.seconds + 120)],
        stdout=subprocess.DEVNULL, stderr=open(work / "publishers.log", "w"))
    assert wait_for(lambda: live_streams(c.url) == names, 60), \
        "the publishers did not all go live"
    time.sleep(6)  # a few segments each
    result["streams_per_origin"] = streams_per_origin(c)
    ramp = max(10, args.viewers // 200)
    viewers = subprocess.Popen(
        [str(LOAD), "--json", str(work / "viewers.json"),
         "--viewers", str(args.viewers), "--streams", str(args.publishers),
         "--play-url", f"{c.url}/LiveApp/streams/load{{i}}.m3u8",
         "--source-addresses", VIEWER_SOURCES, "--ramp-up", str(ramp),
         "--max-connections", str(args.viewers + 10),
         "--connect-rate", "500", "--request-rate", "100000",
         "--duration", str(args.seconds)],
        stdout=subprocess.DEVNULL, stderr=open(work / "viewers.log", "w"))
    return pubs, viewers


def kill_and_watch(c, args, viewers, result):
    """The two kills during the viewing; then the end state."""
    t0 = time.monotonic()
    cpu0 = {n: cpu_seconds(c.pid(n)) for n in
            ["origin-1", "origin-2", "edge-1", "edge-2", "lb"]}
    origin = edge = None
    kill_wall = time.time()
    if args.kill_origin_at >= 0:
        time.sleep(args.kill_origin_at)
        counts = streams_per_origin(c)
        victim = max(counts, key=counts.get)
        origin = f"origin-{c.origins.index(victim.split(':')[0]) + 1}"
        kill_wall = time.time()
        c.kill(origin)
        result["killed_origin"] = {"name": origin, "at_s": round(
            time.monotonic() - t0, 1), "streams": counts[victim]}
    if args.kill_edge_at >= 0:
        time.sleep(max(0, args.kill_edge_at - (time.monotonic() - t0)))
        edge, served = busiest_edge(c)
        c.kill(edge)
        result["killed_edge"] = {"name": edge, "at_s": round(
            time.monotonic() - t0, 1), "playlists_served": served}
    viewers.wait(timeout=args.seconds + 120)
    wall = time.monotonic() - t0
    result["core_share"] = {n: round((cpu_seconds(c.pid(n)) - v) / wall, 3)
                            for n, v in cpu0.items()
                            if n not in (origin, edge)}
    names = {f"load{i}" for i in range(args.publishers)}
    live = live_streams(c.url)
    fresh = {s for s in names if live_again(c, s, kill_wall)}
    result["end"] = {"broadcasting": len(live & names),
                     "playlist_after_kill": len(fresh),
                     "missing": sorted(names - (live & fresh))}


def report(work, result):
    v = json.loads((work / "viewers.json").read_text())
    p = json.loads((work / "publishers.json").read_text())
    log = (work / "viewers.log").read_text(errors="replace").splitlines()
    result["viewers"] = {k: v[k] for k in ("viewers", "errors",
                                           "latency_ms", "load_process")}
    result["publishers"] = p["publishers"]
    result["publish_errors"] = p["errors"]
    for key in ("killed_origin", "killed_edge"):
        if key in result:
            result[key]["progress"] = progress_around(
                log, result[key]["at_s"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--publishers", type=int, default=100)
    ap.add_argument("--viewers", type=int, default=5000)
    ap.add_argument("--seconds", type=int, default=300)
    ap.add_argument("--mbps", type=float, default=0.05,
                    help="the clip's video Mbit/s")
    ap.add_argument("--audio-kbps", type=int, default=32)
    ap.add_argument("--kill-origin-at", type=int, default=100,
                    help="seconds into the viewing; -1: no kill")
    ap.add_argument("--kill-edge-at", type=int, default=200,
                    help="seconds into the viewing; -1: no kill")
    ap.add_argument("--keep", action="store_true",
                    help="keep the work directory (logs) and print it")
    ap.add_argument("--json", help="also write the result here")
    args = ap.parse_args()
    source = make_source(
        BUILD / "bench" / f"src-720p-{args.mbps:g}mbps-a{args.audio_kbps}"
        ".flv", args.mbps, args.audio_kbps)
    work = pathlib.Path(tempfile.mkdtemp(prefix="fanout-cluster-load-"))
    c = start_cluster(work, BLOCK)
    pubs = viewers = None
    result = {"args": vars(args)}
    try:
        pubs, viewers = start_load(c, args, source, work, result)
        kill_and_watch(c, args, viewers, result)
    finally:
        for p in (viewers, pubs):
            if p and p.poll() is None:
                p.terminate()
                p.wait(timeout=30)
        c.down()
    report(work, result)
    if args.keep:
        result["work"] = str(work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(result, indent=2))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
