#!/usr/bin/env python3
"""Signed playback at the edge (issue #14): cache-hit throughput of a
signed segment URL (/{app}/streams/t=<token>/{s}/{file}.m4s) against the
same segment unsigned, on the same edge, one run (and the same for the
stream's small init segment, where a per-request cost shows most), and
against the unsigned URL padded with a query argument as long as the
token element (the same request bytes: the check alone).  The edge is the shipped
edge.conf with fanout_play_keys and two servers that differ in one line:
fanout_play_signed on (signed URLs, each request's token checked and its
element removed) and off (the plain URL).  Both share the workers, the
proxy cache and its key (the element is not in it): one cached file
serves both.  The origin is a real fanout-origin with a live publisher,
as in hit_bench.py (whose helpers this uses); the segment is the largest
one listed.  Both URLs are answered from the very same cache file, so
page-cache layout (hit_bench.py's --page-cache) cannot differ.  Runs
alternate unsigned/signed, --reps each; a row is the mean.  Goal:
signed / unsigned >= 0.97.

  bench/edge/signed_bench.py [--workers 1] [--seconds 10] [--conns 50]
                             [--threads 2] [--reps 3]
                             [--placement apart|free]
"""
import argparse
import os
import re
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import edge_env  # noqa: E402
import hit_bench  # noqa: E402
from edge_env import APP, BUILD, Env  # noqa: E402
from harness import play_token  # noqa: E402
from harness.nginx import render_edge_conf  # noqa: E402

KEY = "k1 " + "5a" * 32
STREAM = hit_bench.STREAM


def server_block(text):
    """(start, end) of edge.conf's server { ... } block."""
    start = text.index("    server {\n")
    depth, i = 0, start
    while True:
        c = text[i]
        depth += c == "{"
        depth -= c == "}"
        i += 1
        if c == "}" and depth == 0:
            return start, i


def conf(prefix, port, unsigned_port, uri, workers, keys):
    """One nginx: the shipped server signed on port, and its copy with
    signing off on unsigned_port."""
    text = render_edge_conf(prefix, port, {
        "error_log": f"{prefix}/logs/error.log notice",
        "fanout_store": f'"{uri}"',
        "fanout_node_id": "edge-bench",
        "fanout_node_address": f"127.0.0.1:{port}",
        "fanout_origin_nodes": None,
    }, workers, extra_http=f"fanout_play_keys {keys};")
    start, end = server_block(text)
    block = text[start:end]
    signed = block.replace("    server {\n",
                           "    server {\n        fanout_play_signed on;\n",
                           1)
    plain = block.replace(f"listen 127.0.0.1:{port};",
                          f"listen 127.0.0.1:{unsigned_port};", 1)
    assert plain != block, "no listen line to change"
    return text[:start] + signed + "\n\n" + plain + text[end:]


class Listener:
    """The edge as wrk sees it on one of its ports."""

    def __init__(self, nginx, port):
        self.nginx, self.port = nginx, port

    def pids(self):
        return self.nginx.pids()


def parse_args(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--conns", type=int, default=50)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--placement", choices=("apart", "free"),
                   default="apart")
    return p.parse_args(argv)


def warm(edge, paths, want):
    for path in paths.values():
        for _ in range(10):
            st, cache, body = hit_bench.get(edge.port, path)
            assert st == 200 and body == want, (path, st)
            if cache == "HIT":
                break
        else:
            raise RuntimeError(f"{path} is not a HIT")


def init_segment(origin, segment):
    """(path, bytes) of the init segment the playlist maps: a small object,
    where the check's cost per request shows most."""
    st, _, playlist = hit_bench.get(origin.http_port, hit_bench.PLAYLIST)
    m = re.search(rb'#EXT-X-MAP:URI="([^"]+)"', playlist)
    assert st == 200 and m, (st, playlist[:200])
    path = urllib.parse.urljoin(hit_bench.PLAYLIST, m.group(1).decode())
    st, _, body = hit_bench.get(origin.http_port, path)
    assert st == 200, (path, st)
    return path, body


def measure(edges, objects, token, args):
    """{object: {"unsigned"|"signed": [wrk results]}}, runs alternating."""
    prefix = f"/{APP}/streams/"
    runs = {}
    for obj, (path, want) in objects.items():
        # "padded": unsigned, with a query argument as long as the token
        # element (not in the cache key): the same request bytes, so
        # signed / padded is the check alone
        paths = {"unsigned": path,
                 "signed": prefix + f"t={token}/" + path[len(prefix):],
                 "padded": path + "?p=" + "x" * len(token)}
        for name in paths:
            warm(edges[name], {name: paths[name]}, want)
        runs[obj] = {name: [] for name in paths}
        for _ in range(args.reps):
            for name in paths:
                runs[obj][name].append(
                    hit_bench.wrk(edges[name], paths[name], args))
    return runs


def report(args, runs, objects, fetched, load):
    print(f"### Signed playback at the edge: wrk -t{args.threads} "
          f"-c{args.conns} -d{args.seconds}s, {args.workers} worker(s), "
          f"mean of {args.reps} alternating runs, placement "
          f"{args.placement}; a live fanout-origin's objects "
          f"(CPU busy before: {load:.0f}%)")
    print()
    print("| object | bytes | unsigned req/s | signed req/s "
          "| signed / unsigned | each run | signed / padded "
          "| CPU µs/req unsigned / padded / signed "
          "| wrk CPU µs/req unsigned / signed |")
    print("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |")
    for obj, by in runs.items():
        m = {n: tuple(sum(r[i] for r in v) / len(v) for i in range(4))
             for n, v in by.items()}
        each = [s[0] / u[0] for s, u in zip(by["signed"], by["unsigned"])]
        print(f"| {obj} | {len(objects[obj][1]):,} "
              f"| {m['unsigned'][0]:.0f} | {m['signed'][0]:.0f} "
              f"| {m['signed'][0] / m['unsigned'][0]:.3f} "
              f"| {' '.join(f'{x:.2f}' for x in each)} "
              f"| {m['signed'][0] / m['padded'][0]:.3f} "
              f"| {m['unsigned'][1]:.1f} / {m['padded'][1]:.1f} / "
              f"{m['signed'][1]:.1f} "
              f"| {m['unsigned'][3]:.1f} / {m['signed'][3]:.1f} |")
    print()
    print("padded: the unsigned URL with a query argument as long as the "
          "token element (same request bytes).")
    print(f"Goal: signed / unsigned >= 0.97 (the segment).  Origin fetches "
          f"of the objects during the runs: {fetched}")


def main(argv=None):
    args = parse_args(argv)
    source = edge_env.make_source(BUILD / "bench" / "src-720p-4mbps.flv", 4)
    load = edge_env.cpu_busy()
    with Env("signed") as env:
        uri = f"sqlite://{env.dir}/cluster.db"
        keys = env.dir / "play.keys"
        keys.write_text(KEY + "\n")
        origin = env.origin(uri, hls_time=2)
        env.copy_publisher(f"rtmp://127.0.0.1:{origin.rtmp_port}/{APP}/"
                           f"{STREAM}", source)
        port, uport = edge_env.free_port(), edge_env.free_port()
        nginx = env.nginx("edge", port, lambda prefix: conf(
            prefix, port, uport, uri, args.workers, keys))
        edges = {"unsigned": Listener(nginx, uport),
                 "padded": Listener(nginx, uport),
                 "signed": Listener(nginx, port)}
        segment = hit_bench.publish(origin, env.dir / "www")
        objects = {"segment": segment,
                   "init": init_segment(origin, segment[0])}
        assert hit_bench.get(port, segment[0])[0] == 403    # signing is on
        token = play_token.sign(KEY, APP, STREAM, int(time.time()) + 3600)
        runs = measure(edges, objects, token, args)
        fetched = sum(1 for ln in nginx.access_log()
                      for path, _ in objects.values()
                      if f"{path.rsplit('/', 1)[1]} " in ln
                      and "upstream=-" not in ln)
    report(args, runs, objects, fetched, load)
    return 0


if __name__ == "__main__":
    sys.exit(main())
