#!/usr/bin/python3
"""Failover as viewers see it (issue #12), at the defaults of `make up`
(heartbeat 5 s, dead after 20 s, hlsTime 2 s, the demo publisher
reconnecting 1 s after a drop through the LB): hls.js and dash.js in
Debian's Chromium (tests/browser) playing through the LB.  Each run starts
the cluster, then:

  kill -9 of the edge the viewer's requests went to -> longest freeze;
    the edge restarted, and the viewer back on it;
  kill -9 of the stream's origin -> first segment of the new publish
    listed at the LB (HLS playlist and DASH MPD polled every 50 ms),
    longest freeze, whether the player survived (played on, no reload);
    and where that time goes: the new publish's start at the surviving
    origin (its log) and its first segment listed by that origin (its
    HLS playlist, polled directly).

Prints the median of the runs and each run.  The anchor: the 20 s
heartbeat timeout that Ant Media's cluster waits before another origin
may take a stream (ours too, before #12).

  bench/cluster/player_bench.py [--runs 5] [--ladder ""] [--keep DIR]

--keep DIR keeps each run's evidence in DIR/run-N/: the cluster's work
directory (origins', edges' and the LB's logs, MPD and playlists on disk)
and players.json, the players' logs and the page's requests at the end.
"""
import argparse
import datetime
import json
import pathlib
import re
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]
                       / "tests"))
from harness import player  # noqa: E402
from harness.cluster import (Cluster, api_broadcast,  # noqa: E402
                             served_again)
from harness.net import http_get, wait_for  # noqa: E402

STREAM = "demo"
ANCHOR_S = 20.0
HEARTBEAT_MS, HLS_TIME = 5000, 2
ORIGIN_WAIT_S, EDGE_WAIT_S = 40, 15


def fetch(url):
    try:
        st, _, body = http_get(url, timeout=3)
    except OSError:
        return None
    return body if st == 200 else None


def mpd_segments(url):
    """What the MPD lists: (Period id, SegmentTemplate media) for each
    template whose timeline has a segment; None when it does not answer."""
    body = fetch(url)
    if body is None:
        return None
    found = set()
    for period in body.split(b"<Period")[1:]:
        pid = re.search(rb'\bid="([^"]*)"', period)
        for media in re.findall(
                rb'<SegmentTemplate[^>]*media="([^"]+)"[^>]*>\s*'
                rb'<SegmentTimeline>\s*<S ', period):
            found.add((pid.group(1) if pid else b"", media))
    return found


def hls_segments(url):
    """The playlist's segment URIs, with the publish each names (the URI
    without its "-<n>.m4s"); None when it does not answer."""
    body = fetch(url)
    if body is None:
        return None
    return {(re.sub(rb"-\d+\.m4s$", b"", u), u) for u in re.findall(
        rb"^([^#\s]\S*)$", body, re.M)}


def new_hls(now, old):
    """A segment of another publish than any listed before the kill."""
    return {u for pub, u in now if pub not in {p for p, _ in old}}


def first_new_segments(c, old_hls, old_dash, t0, timeout, survivor):
    """Seconds from t0 (monotonic) to the first poll of the LB that lists a
    segment of the new publish, for HLS and DASH, and to the first poll of
    the surviving origin itself that lists one in its HLS playlist
    ("origin": where the time goes; None: not within timeout)."""
    m3u8 = f"{c.url}/LiveApp/streams/{STREAM}.m3u8"
    mpd = f"{c.url}/LiveApp/streams/{STREAM}/{STREAM}.mpd"
    at_origin = f"{survivor}/LiveApp/streams/{STREAM}.m3u8"
    found = {"hls": None, "dash": None, "origin": None}
    while time.monotonic() - t0 < timeout and None in found.values():
        if found["origin"] is None and new_hls(
                hls_segments(at_origin) or set(), old_hls):
            found["origin"] = time.monotonic() - t0
        if found["hls"] is None and new_hls(hls_segments(m3u8) or set(),
                                            old_hls):
            found["hls"] = time.monotonic() - t0
        if found["dash"] is None and (mpd_segments(mpd) or set()) - old_dash:
            found["dash"] = time.monotonic() - t0
        time.sleep(0.05)
    return found


def publish_started(log, since_s):
    """Seconds from since_s (Unix time) to the first "publish ... started"
    line of the origin's log after it (its times are UTC, in ms)."""
    for m in re.finditer(rf"^(\S+)Z info  publish LiveApp/{STREAM} started",
                         log, re.M):
        t = datetime.datetime.fromisoformat(m.group(1)).replace(
            tzinfo=datetime.timezone.utc).timestamp()
        if t >= since_s:
            return t - since_s
    return None


def holder(c):
    b = api_broadcast(c.url, STREAM)
    if b.get("status") == "broadcasting" and b.get("originAdress") in c.origins:
        return f"origin-{c.origins.index(b['originAdress']) + 1}"
    return None


def fault(p, do):
    """do() the fault; the players' snapshot just before, and its time."""
    before = p.snapshot()
    t = player.now_ms()
    do()
    return before, t


def judge(p, before, t, wait_s):
    """Per player: longest freeze from the fault on (s), whether it
    survived (plays on past its buffer, never stopped), error events."""
    player.wait_recovered(p, before, wait_s)
    time.sleep(1.0)
    snap = p.snapshot()
    v = player.verdict(before, snap, t)
    return {k: {"freeze": r["longest_freeze_s"],
                "survived": r["advanced"]
                and not player.stopped(snap["players"][k]),
                "errors": r["errors"],
                "first_error": next(
                    (e.get("details") for e in snap["players"][k]["errors"]
                     if e["t"] >= t), None)} for k, r in v.items()}


def one_run(work, block, ladder=None, keep=False):
    c = Cluster(work, f"sqlite://{work}/cluster.db", block,
                period_ms=HEARTBEAT_MS, hls_time=HLS_TIME, demo=True,
                ladder=ladder).up()
    p = None
    try:
        wait_for(lambda: holder(c), 30, what="the demo stream")
        wait_for(lambda: http_get(f"{c.url}/LiveApp/streams/{STREAM}.m3u8")[
            2].count(b"#EXTINF") >= 3, 20, what="3 segments at the LB")
        p = player.Players(work / "driver.log")
        p.start(hls=f"{c.url}/LiveApp/streams/{STREAM}.m3u8",
                dash=f"{c.url}/LiveApp/streams/{STREAM}/{STREAM}.mpd")
        wait_for(lambda: all(log["playingAt"] for log in p.snapshot()[
            "players"].values()), 30, 0.25, what="both players play")
        time.sleep(5)
        edge = c.viewer_edge(STREAM)
        before, t = fault(p, lambda: c.kill(edge))
        edge_r = judge(p, before, t, EDGE_WAIT_S)
        log = work / "run" / edge / "logs" / "access.log"
        mark = log.stat().st_size if log.exists() else 0
        c.restart(edge)
        # One fault at a time, as test_player_failover.py: the LB's hash
        # brings the viewer back to its restarted edge once fail_timeout
        # (5 s) has passed, and that edge has no last playlists until it
        # has served them again.  Killed before that, the origin's
        # failover would meet a viewer moving onto an edge that has no
        # copy to serve in the grace (nginx-module/README.md).
        wait_for(lambda: c.viewer_edge(STREAM, 2) == edge or None, 30,
                 what=f"the viewer back on {edge}")
        wait_for(lambda: served_again(log, mark, STREAM), 20,
                 what=f"both players' playlists served by {edge} again")

        victim = holder(c)
        old_hls = hls_segments(f"{c.url}/LiveApp/streams/{STREAM}.m3u8")
        old_dash = mpd_segments(
            f"{c.url}/LiveApp/streams/{STREAM}/{STREAM}.mpd")
        assert old_hls and old_dash, "nothing listed at the LB before"
        other = 1 if victim == "origin-1" else 0        # two origins
        before, t = fault(p, lambda: c.kill(victim))
        listed = first_new_segments(c, old_hls, old_dash, time.monotonic(),
                                    ORIGIN_WAIT_S, c.origin_http(other))
        listed["publish"] = publish_started(c.log(f"origin-{other + 1}"),
                                            t / 1000)
        left = ORIGIN_WAIT_S - (player.now_ms() - t) / 1000
        origin_r = judge(p, before, t, max(1, left))
        return {"edge": edge_r, "origin": origin_r, "listed": listed}
    finally:
        if p:
            if keep:
                (work / "players.json").write_text(json.dumps(
                    p.snapshot(samples=True), indent=1))
            p.stop()
        c.down()


def med(values):
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def fmt(v, missing="never"):
    return missing if v is None else f"{v:.2f}"


def freeze(runs, fault_name, kind):
    """The median freeze; ">=" when a player never played again (its
    freeze is cut at the end of the wait)."""
    rs = [r[fault_name][kind] for r in runs]
    lower = any(not x["survived"] for x in rs)
    return (">= " if lower else "") + fmt(med([x["freeze"] for x in rs]))


def report(runs):
    n = len(runs)
    print(f"### failover as players see it: hls.js and dash.js in Chromium "
          f"through the LB; heartbeat {HEARTBEAT_MS} ms (dead after "
          f"{4 * HEARTBEAT_MS / 1000:.0f} s), hlsTime {HLS_TIME} s; "
          f"median of {n} run(s)\n")
    print("| measure | HLS (hls.js) | DASH (dash.js) | goal | anchor |")
    print("| --- | ---: | ---: | --- | --- |")
    k = ("hls", "dash")
    print("| kill -9 origin -> first new segment listed at the LB (s) | "
          + " | ".join(fmt(med([r["listed"][x] for r in runs])) for x in k)
          + f" | <= 3 s | {ANCHOR_S:.0f} s heartbeat timeout "
          "(Ant Media's cluster) |")
    print("| kill -9 origin -> longest freeze (s) | "
          + " | ".join(freeze(runs, "origin", x) for x in k)
          + f" | <= {2 * HLS_TIME + 2} s | |")
    print("| kill -9 origin -> player survived (runs) | "
          + " | ".join(f"{sum(r['origin'][x]['survived'] for r in runs)}/{n}"
                       for x in k) + f" | {n}/{n} | |")
    print("| kill -9 viewer's edge -> longest freeze (s) | "
          + " | ".join(freeze(runs, "edge", x) for x in k) + " | <= 1 s | |")
    print("| kill -9 viewer's edge -> player survived (runs) | "
          + " | ".join(f"{sum(r['edge'][x]['survived'] for r in runs)}/{n}"
                       for x in k) + f" | {n}/{n} | |")
    print("\nWhere the time to the first new segment goes (medians, s after "
          "the kill): the new publish started at the surviving origin "
          f"{fmt(med([r['listed']['publish'] for r in runs]))} (the "
          "publisher's reconnect and start); its first segment listed by "
          f"that origin {fmt(med([r['listed']['origin'] for r in runs]))} "
          "(one GOP later); at the LB "
          f"{fmt(med([r['listed']['hls'] for r in runs]))} (HLS).")
    print("\nEach run (listed s, origin freeze s, survived; edge freeze s; "
          "dash.js error events):")
    for i, r in enumerate(runs, 1):
        at = r["listed"]
        print(f"- run {i}: publish started {fmt(at['publish'])}, listed at "
              f"the origin {fmt(at['origin'])}; " + "; ".join(
            f"{x}: listed {fmt(r['listed'][x])}, origin freeze "
            f"{'' if r['origin'][x]['survived'] else '>= '}"
            f"{r['origin'][x]['freeze']:.2f} "
            f"{'survived' if r['origin'][x]['survived'] else 'STOPPED'}, "
            f"edge freeze {r['edge'][x]['freeze']:.2f}"
            + (f", errors {r['origin'][x]['errors'] + r['edge'][x]['errors']}"
               if x == "dash" else "")
            + (f" (first after the origin kill: "
               f"{r['origin'][x]['first_error']})"
               if r['origin'][x]['first_error'] else "") for x in k))


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", type=pathlib.Path, default=None,
                    help="keep each run's logs and the players' in DIR/run-N")
    ap.add_argument("--ladder", default=None,
                    help="the origins' encoderSettingsString (default: the "
                    "demo's, as `make up`; \"\" for passthrough)")
    a = ap.parse_args(argv)
    why = player.available()
    if why:
        print(f"player bench skipped: {why}")
        return 0
    runs = []
    for i in range(a.runs):
        work = pathlib.Path(tempfile.mkdtemp(prefix="fanout-bench-"))
        t = time.monotonic()
        try:
            runs.append(one_run(work, 96, a.ladder, a.keep is not None))
        finally:
            if a.keep:
                shutil.copytree(work, a.keep / f"run-{i + 1}",
                                ignore=shutil.ignore_patterns("*.sock"),
                                dirs_exist_ok=True)
            shutil.rmtree(work, ignore_errors=True)
        print(f"(run {i + 1}/{a.runs}: {time.monotonic() - t:.0f} s)",
              file=sys.stderr, flush=True)
    report(runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
