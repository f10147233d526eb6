#!/usr/bin/python3
"""Cluster timings with the real defaults (heartbeat 5 s, dead after 20 s,
hlsTime 2 s): the whole cluster started by scripts/run.sh, a publisher
reconnecting through the LB, kill -9 of its origin.

Prints: time to be marked dead, time until its broadcast left
"broadcasting", republish (claim) -> first new segment playable at the
edge, and the spread of 12 publishers over 3 origins; then failover as
real players see it (player_bench.py: median of --player-runs runs, 0
skips it).

  bench/cluster/cluster_bench.py [--period-ms 5000] [--player-runs 5]
"""
import argparse
import collections
import pathlib
import shutil
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]
                       / "tests"))
from harness.cluster import (Cluster, api_broadcast,  # noqa: E402
                             api_nodes, playlist_sessions)
from harness.net import wait_for  # noqa: E402
from harness.origin import LoopPublisher  # noqa: E402
from harness.proc import stop_all  # noqa: E402

import player_bench  # noqa: E402


broadcast, nodes, sessions = api_broadcast, api_nodes, playlist_sessions


def failover(period_ms, hls_time):
    work = pathlib.Path(tempfile.mkdtemp(prefix="fanout-bench-"))
    c = Cluster(work, f"sqlite://{work}/cluster.db", 90, period_ms=period_ms,
                hls_time=hls_time).up()
    pub = LoopPublisher(c.rtmp("LiveApp", "live"), work)
    try:
        b = wait_for(lambda: broadcast(c.url, "live").get("status")
                     == "broadcasting" and broadcast(c.url, "live"), 30)
        victim = c.origins.index(b["originAdress"])
        survivor = c.origin_http(1 - victim)
        assert wait_for(lambda: sessions(c.url, "live"), 30)
        old = sessions(c.url, "live")
        c.kill(f"origin-{victim + 1}")
        t0 = time.monotonic()
        wait_for(lambda: nodes(survivor).get(f"origin-{victim + 1}", {})
                 .get("status") == "dead", 60, 0.05)
        dead = time.monotonic() - t0
        wait_for(lambda: broadcast(survivor, "live").get("originAdress")
                 != b["originAdress"] or broadcast(survivor, "live")
                 .get("status") != "broadcasting", 60, 0.05)
        left = time.monotonic() - t0
        wait_for(lambda: broadcast(survivor, "live").get("status")
                 == "broadcasting" and broadcast(survivor, "live")
                 .get("originAdress") == c.origins[1 - victim], 60, 0.05)
        moved = time.monotonic() - t0
        wait_for(lambda: (sessions(c.url, "live") or old) - old, 60, 0.02)
        playable = time.time() - broadcast(survivor, "live")["startTime"] / 1e3
        return dead, left, moved, playable
    finally:
        pub.stop()
        c.down()
        shutil.rmtree(work, ignore_errors=True)


def spread(period_ms):
    work = pathlib.Path(tempfile.mkdtemp(prefix="fanout-bench-"))
    c = Cluster(work, f"sqlite://{work}/cluster.db", 93, period_ms=period_ms,
                hls_time=2).up()
    third, pubs = None, []
    try:
        t0 = time.monotonic()
        third = c.add_origin("origin-3", "127.0.93.3")
        up = work / "run" / "lb" / "upstreams-stream.conf"
        wait_for(lambda: "127.0.93.3" in up.read_text(), 60, 0.05)
        joined = time.monotonic() - t0
        pubs = c.publish_many(12)
        placed = wait_for(lambda: c.broadcasting(12), 60)
        return joined, collections.Counter(b["originAdress"] for b in placed)
    finally:
        stop_all(pubs)
        if third:
            third.stop()
        c.down()
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--period-ms", type=int, default=5000)
    ap.add_argument("--hls-time", type=int, default=2)
    ap.add_argument("--player-runs", type=int, default=5)
    a = ap.parse_args()
    dead, left, moved, playable = failover(a.period_ms, a.hls_time)
    limit = 4 * a.period_ms / 1000
    print(f"### cluster: heartbeat {a.period_ms} ms, dead after "
          f"{limit:.0f} s, hlsTime {a.hls_time} s; SQLite store; "
          "kill -9 of the publishing origin\n")
    print("| measure | seconds | goal |")
    print("| --- | ---: | --- |")
    print(f"| kill -9 -> origin marked dead | {dead:.2f} | <= {limit:.0f} s "
          "(+ one period to notice) |")
    print(f"| kill -9 -> broadcast no longer broadcasting on it | {left:.2f} "
          "| after dead |")
    print(f"| kill -9 -> republished on the other origin | {moved:.2f} | |")
    print(f"| republish (claim) -> first new segment playable at the edge | "
          f"{playable:.2f} | <= hlsTime + 2 = {a.hls_time + 2} s |")
    joined, per = spread(a.period_ms)
    print("\n### scale-out: a third origin joins the running cluster\n")
    print("| measure | value | goal |")
    print("| --- | ---: | --- |")
    print(f"| origin start -> in the LB's RTMP upstream | {joined:.2f} s | "
          "one period after its first heartbeat |")
    print(f"| 12 publishers over 3 origins (max per origin) | "
          f"{', '.join(str(v) for v in sorted(per.values()))} "
          f"({max(per.values())}) | <= 5 |")
    if a.player_runs:
        print()
        player_bench.main(["--runs", str(a.player_runs)])
    return 0 if playable <= a.hls_time + 2 and max(per.values()) <= 5 else 1


if __name__ == "__main__":
    sys.exit(main())
