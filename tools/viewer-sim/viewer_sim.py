#!/usr/bin/env python3
"""viewer-sim: simulated HLS and DASH players against an edge, an origin
or a load balancer — the cluster's load tester.

Each viewer behaves like a live player: it loads the playlist (HLS: a
master playlist's first variant) or the MPD, starts --start-segments from
the live edge, fetches each new segment once, in order, on one keep-alive
connection, and reloads every target duration (MPD: minimumUpdatePeriod),
after half of it when nothing was new.  A playback buffer model counts
stalls: playback starts once one segment is buffered and drains in real
time; running dry is a stall, which lasts until a segment arrives.

  viewer_sim.py --url http://127.0.0.1:8080/LiveApp/streams/cam1.m3u8 \\
                --viewers 500 --duration 60 --ramp-up 10

--url may be repeated (viewers take them in turn); the protocol is
guessed from the suffix (.m3u8 HLS, .mpd DASH) unless --protocol says.
Every viewer has a User-Agent of its own and, with --session-arg NAME,
a ?NAME=<id> argument on its playlist requests: the edge counts it as one
viewer either way.

Output: markdown — a summary row, per-viewer rows (--per-viewer, or
--summary-only for none; by default up to 50 rows), and --json FILE with
everything.  Exit status 0, or 1 when --max-error-rate is exceeded.
Python 3 standard library only.
"""
import argparse
import asyncio
import json
import multiprocessing
import os
import resource
import statistics
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from httpclient import Client, HttpError  # noqa: E402
from playlists import parse_m3u8, parse_mpd  # noqa: E402


class Playback:
    """The buffer model: media seconds downloaded vs. played."""

    def __init__(self, start_at):
        self.buffered = 0.0
        self.playing = False
        self.last = start_at
        self.started = None         # when playback first began
        self.stalls = 0
        self.stall_time = 0.0
        self.dry_since = None

    def advance(self, now):
        if self.playing:
            self.buffered -= now - self.last
            if self.buffered < 0:
                self.playing = False
                self.stalls += 1
                self.dry_since = now + self.buffered
                self.buffered = 0.0
        self.last = now

    def add(self, now, seconds, threshold):
        self.advance(now)
        self.buffered += seconds
        if not self.playing and self.buffered >= threshold:
            if self.dry_since is not None:
                self.stall_time += now - self.dry_since
                self.dry_since = None
            if self.started is None:
                self.started = now
            self.playing = True

    def finish(self, now):
        self.advance(now)
        if self.dry_since is not None:
            self.stall_time += now - self.dry_since
            self.dry_since = None


class Viewer:
    def __init__(self, vid, url, protocol, args):
        self.id = vid
        self.url = url
        self.protocol = protocol
        self.args = args
        self.playlists = 0
        self.segments = 0
        self.inits = 0
        self.bytes = 0
        self.errors = 0
        self.last_error = ""
        self.latencies = []         # segment download seconds
        self.joined = None
        self.playback = None

    def playlist_url(self, url):
        if not self.args.session_arg:
            return url
        sep = "&" if urllib.parse.urlsplit(url).query else "?"
        return f"{url}{sep}{self.args.session_arg}=v{self.id}"

    def error(self, what):
        self.errors += 1
        self.last_error = what[:200]

    async def fetch(self, client, url, keep_body=False):
        try:
            r = await client.get(url, keep_body)
        except HttpError as e:
            self.error(f"{url}: {e}")
            return None
        self.bytes += r.size
        if r.status != 200:
            self.error(f"{url}: HTTP {r.status}")
            return None
        return r

    async def load(self, client, url):
        r = await self.fetch(client, self.playlist_url(url), keep_body=True)
        if r is None:
            return None
        self.playlists += 1
        try:
            text = r.body.decode("utf-8", "replace")
            if self.protocol == "dash":
                return parse_mpd(text, url)
            m = parse_m3u8(text, url)
            if m.variants:          # a master playlist: its first variant
                self.url = url = m.variants[0]
                return await self.load(client, url)
            return m
        except (ValueError, SyntaxError) as e:
            self.error(f"{url}: unparsable: {e}")
            return None

    async def run(self, start_at, end_at):
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        ua = f"{self.args.user_agent} (viewer {self.id})"
        client = Client(self.args.timeout, {"User-Agent": ua,
                                            "Accept": "*/*"})
        self.joined = time.monotonic()
        self.playback = Playback(self.joined)
        last_seq = {}               # track name -> last segment number
        inits = set()
        try:
            while time.monotonic() < end_at:
                t0 = time.monotonic()
                m = await self.load(client, self.url)
                if m is None:
                    await asyncio.sleep(min(1.0, max(0.0,
                                                     end_at - t0)))
                    continue
                fresh = await self.fetch_new(client, m, last_seq, inits,
                                             end_at)
                if m.ended and not fresh:
                    break
                wait = m.refresh if fresh else m.refresh / 2
                await asyncio.sleep(max(0.0, min(t0 + wait, end_at)
                                        - time.monotonic()))
        finally:
            self.playback.finish(min(time.monotonic(), end_at))
            await client.close()

    async def fetch_new(self, client, m, last_seq, inits, end_at):
        """New segments of every track, in order; the first load starts
        --start-segments from the live edge.  Returns how many."""
        fresh = 0
        lead = m.tracks[0].name if m.tracks else None
        for track in m.tracks:
            segs = track.segments
            if track.name not in last_seq:
                segs = segs[-self.args.start_segments:] \
                    if self.args.start_segments else segs[-1:]
            else:
                segs = [s for s in segs if s.seq > last_seq[track.name]]
            for s in segs:
                if time.monotonic() >= end_at:
                    return fresh
                if s.init and s.init not in inits:
                    r = await self.fetch(client, s.init)
                    if r is None:
                        break
                    inits.add(s.init)
                    self.inits += 1
                r = await self.fetch(client, s.url)
                last_seq[track.name] = s.seq
                if r is None:
                    continue
                self.segments += 1
                fresh += 1
                self.latencies.append(r.elapsed)
                if track.name == lead:
                    self.playback.add(time.monotonic(), s.duration,
                                      self.args.start_buffer or s.duration)
        return fresh

    def result(self):
        pb = self.playback
        return {
            "id": self.id, "url": self.url, "protocol": self.protocol,
            "playlists": self.playlists, "segments": self.segments,
            "inits": self.inits, "bytes": self.bytes, "errors": self.errors,
            "last_error": self.last_error,
            "stalls": pb.stalls if pb else 0,
            "stall_s": round(pb.stall_time, 3) if pb else 0.0,
            "startup_s": round(pb.started - self.joined, 3)
            if pb and pb.started else None,
            "latencies": [round(x, 5) for x in self.latencies],
        }


def protocol_of(url, forced):
    if forced != "auto":
        return forced
    path = urllib.parse.urlsplit(url).path
    return "dash" if path.endswith(".mpd") else "hls"


async def run_viewers(args, ids, t0):
    end_at = t0 + args.duration
    viewers = []
    for vid in ids:
        url = args.url[vid % len(args.url)]
        viewers.append(Viewer(vid, url, protocol_of(url, args.protocol),
                              args))
    n = max(args.viewers - 1, 1)
    await asyncio.gather(*(v.run(t0 + args.ramp_up * v.id / n, end_at)
                           for v in viewers))
    return [v.result() for v in viewers]


def run_process(args, ids, t0, conn=None):
    results = asyncio.run(run_viewers(args, ids, t0))
    if conn is None:
        return results
    conn.send(results)
    conn.close()
    return None


def raise_fd_limit(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        want = need if hard == resource.RLIM_INFINITY else min(need, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def simulate(args):
    """Runs the viewers (in --procs processes); per-viewer results."""
    raise_fd_limit(args.viewers * 2 + 64)
    t0 = time.monotonic() + 0.2
    if args.procs <= 1:
        return run_process(args, range(args.viewers), t0)
    procs, results = [], []
    ctx = multiprocessing.get_context("fork")
    for p in range(args.procs):
        ids = range(p, args.viewers, args.procs)
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=run_process, args=(args, ids, t0, child))
        proc.start()
        child.close()
        procs.append((proc, parent))
    deadline = t0 + args.duration + args.timeout + 30
    for proc, parent in procs:
        if parent.poll(max(0.0, deadline - time.monotonic())):
            results += parent.recv()
        proc.join(timeout=max(0.0, deadline - time.monotonic()) + 1)
        if proc.is_alive():
            proc.terminate()
            proc.join(timeout=5)
    return sorted(results, key=lambda r: r["id"])


def pct(values, q):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def summary(results, args):
    lat = [x for r in results for x in r["latencies"]]
    starts = [r["startup_s"] for r in results if r["startup_s"] is not None]
    total_bytes = sum(r["bytes"] for r in results)
    requests = sum(r["playlists"] + r["segments"] + r["inits"]
                   for r in results)
    errors = sum(r["errors"] for r in results)
    return {
        "viewers": len(results), "duration_s": args.duration,
        "protocols": ",".join(sorted({r["protocol"] for r in results})),
        "playlists": sum(r["playlists"] for r in results),
        "segments": sum(r["segments"] for r in results),
        "errors": errors,
        "error_rate": errors / requests if requests else 0.0,
        "stalls": sum(r["stalls"] for r in results),
        "viewers_stalled": sum(1 for r in results if r["stalls"]),
        "stall_s": round(sum(r["stall_s"] for r in results), 3),
        "bytes": total_bytes,
        "mbit_s": round(total_bytes * 8 / 1e6 / args.duration, 1),
        "segment_p50_ms": round(pct(lat, 0.50) * 1000, 1),
        "segment_p99_ms": round(pct(lat, 0.99) * 1000, 1),
        "startup_p50_s": round(statistics.median(starts), 2)
        if starts else None,
        "segments_min": min((r["segments"] for r in results), default=0),
        "segments_max": max((r["segments"] for r in results), default=0),
    }


def markdown(s, results, rows):
    out = ["| viewers | proto | s | playlists | segments (min..max/viewer) "
           "| errors | stalls (viewers) | stall s | Mbit/s | seg p50 ms "
           "| seg p99 ms | startup p50 s |",
           "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
           "| ---: | ---: | ---: |",
           f"| {s['viewers']} | {s['protocols']} | {s['duration_s']:g} "
           f"| {s['playlists']} | {s['segments']} ({s['segments_min']}.."
           f"{s['segments_max']}) | {s['errors']} | {s['stalls']} "
           f"({s['viewers_stalled']}) | {s['stall_s']:.1f} | {s['mbit_s']} "
           f"| {s['segment_p50_ms']} | {s['segment_p99_ms']} "
           f"| {s['startup_p50_s']} |"]
    if rows:
        out += ["", "| viewer | proto | playlists | segments | stalls "
                "| stall s | errors | bytes | startup s | last error |",
                "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: "
                "| ---: | --- |"]
        for r in results[:rows]:
            out.append(f"| {r['id']} | {r['protocol']} | {r['playlists']} "
                       f"| {r['segments']} | {r['stalls']} "
                       f"| {r['stall_s']:.1f} | {r['errors']} "
                       f"| {r['bytes']} | {r['startup_s']} "
                       f"| {r['last_error'] or ''} |")
        if len(results) > rows:
            out.append(f"| ... {len(results) - rows} more (--per-viewer) "
                       "| | | | | | | | | |")
    return "\n".join(out)


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Simulated live HLS/DASH viewers (see the module doc).")
    p.add_argument("--url", action="append", required=True,
                   help="playlist or MPD URL (repeatable)")
    p.add_argument("--viewers", type=int, default=10)
    p.add_argument("--duration", type=float, default=30.0,
                   help="seconds from the first viewer's start")
    p.add_argument("--ramp-up", type=float, default=0.0,
                   help="seconds over which viewers join, evenly")
    p.add_argument("--protocol", choices=("auto", "hls", "dash"),
                   default="auto")
    p.add_argument("--start-segments", type=int, default=3,
                   help="segments fetched behind the live edge on join")
    p.add_argument("--start-buffer", type=float, default=0.0,
                   help="media seconds buffered before playing "
                        "(default: one segment)")
    p.add_argument("--session-arg", default="",
                   help="add ?NAME=v<id> to playlist requests (sid, token)")
    p.add_argument("--user-agent", default="fanout-viewer-sim/1.0")
    p.add_argument("--timeout", type=float, default=10.0,
                   help="seconds per request")
    p.add_argument("--procs", type=int, default=1,
                   help="processes to spread the viewers over")
    p.add_argument("--per-viewer", action="store_true",
                   help="a row for every viewer")
    p.add_argument("--summary-only", action="store_true")
    p.add_argument("--json", help="write the summary and every viewer here")
    p.add_argument("--max-error-rate", type=float, default=None,
                   help="exit 1 above this fraction of failed requests")
    args = p.parse_args(argv)
    if args.viewers < 1 or args.duration <= 0 or args.procs < 1:
        p.error("--viewers, --duration and --procs must be positive")
    args.procs = min(args.procs, args.viewers)
    return args


def main(argv=None):
    args = parse_args(argv)
    results = simulate(args)
    s = summary(results, args)
    rows = 0 if args.summary_only else (len(results) if args.per_viewer
                                        else 50)
    print(markdown(s, results, rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"summary": s, "viewers": results}, f)
    if args.max_error_rate is not None and s["error_rate"] > args.max_error_rate:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
