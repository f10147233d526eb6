#!/usr/bin/env python3
"""Lookup latency through the edge (edge.conf) with a trivial upstream
(nginx `return 200`): time from sending a request to its response
headers, one keep-alive connection, one request at a time.

  miss   N distinct live streams, each requested once: the edge asks the
         store (thread pool) before it proxies
  hit    the same N streams again (another file): mapping cached, the
         proxy cache still misses; miss - hit is the lookup's cost
  slow   Redis behind a proxy that delays every reply 500 ms; 8
         connections keep asking for new streams (each waits ~0.5 s),
         while one connection asks for an unrelated, cached stream: its
         latency must not notice.

For the SQLite and the Redis store.  Goal: p99 < 5 ms for miss and slow.

  bench/edge/lookup_bench.py [--streams 2000] [--slow-seconds 10]
"""
import argparse
import multiprocessing
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import edge_env  # noqa: E402

from edge_env import APP, Env, SlowProxy, free_port  # noqa: E402
from harness.edge import edge_status  # noqa: E402
from harness.net import wait_for  # noqa: E402
from harness.nginx import trivial_conf  # noqa: E402


class Conn:
    """One keep-alive connection; get() returns (status, seconds to the
    end of the response headers)."""

    def __init__(self, port):
        self.port = port
        self.sock = None

    def get(self, path):
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port),
                                                 timeout=20)
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        req = f"GET {path} HTTP/1.1\r\nHost: edge\r\n\r\n".encode()
        t0 = time.perf_counter()
        self.sock.sendall(req)
        buf = b""
        while b"\r\n\r\n" not in buf:
            data = self.sock.recv(65536)
            if not data:
                raise OSError("connection closed")
            buf += data
        took = time.perf_counter() - t0
        head, _, body = buf.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split()[1])
        length = 0
        for ln in lines[1:]:
            k, _, v = ln.partition(b":")
            if k.strip().lower() == b"content-length":
                length = int(v)
            if k.strip().lower() == b"connection" and \
                    v.strip().lower() == b"close":
                length = -1
        while length >= 0 and len(body) < length:
            data = self.sock.recv(65536)
            if not data:
                break
            body += data
        if length < 0:
            self.close()
        return status, took

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000 if xs else 0.0


def measure(port, paths):
    conn, lat, bad = Conn(port), [], 0
    try:
        for path in paths:
            status, took = conn.get(path)
            lat.append(took)
            bad += status != 200
    finally:
        conn.close()
    return lat, bad


def miss_load(port, prefix, start, stride, seconds, out):
    """A process: connections asking for new streams until time is up."""
    import threading
    results = []

    def one(k):
        conn, i = Conn(port), start + k
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            try:
                status, took = conn.get(f"/{APP}/streams/{prefix}{i}/"
                                        "x-1.m4s")
                results.append((status, took))
            except OSError:
                conn.close()
            i += stride
        conn.close()

    threads = [threading.Thread(target=one, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 30)
    out.send(results)


def store_rows(env, kind, uri, upstream, n, args):
    env.store(uri, "claims", APP, "w", 20, "o1", "127.0.0.1", upstream)
    env.store(uri, "claims", APP, "b", n, "o1", "127.0.0.1", upstream)
    edge = env.edge(uri, os.cpu_count(), {"fanout_lookup_ttl": "60s"},
                    name=f"edge-{kind}")
    # every pool thread opens its store handle before the clock runs
    measure(edge.port, [f"/{APP}/streams/w{i}/x-0.m4s" for i in range(20)])
    miss, bad1 = measure(edge.port, [f"/{APP}/streams/b{i}/x-1.m4s"
                                     for i in range(n)])
    hit, bad2 = measure(edge.port, [f"/{APP}/streams/b{i}/x-2.m4s"
                                    for i in range(n)])
    log = edge.access_log()
    misses = sum(1 for ln in log if "lookup=MISS" in ln)
    rows = [(kind, "miss", miss, bad1, f"{misses - 20} store lookups"),
            (kind, "hit", hit, bad2, "")]
    edge.stop()
    env.procs.remove(edge)
    return rows


def slow_rows(env, redis_port, upstream, args):
    direct = f"redis://127.0.0.1:{redis_port}/0"
    env.store(direct, "claims", APP, "u", 1, "o1", "127.0.0.1", upstream)
    env.store(direct, "claims", APP, "s", 2000, "o1", "127.0.0.1",
              upstream)
    proxy = env.keep(SlowProxy(redis_port))
    edge = env.edge(f"redis://127.0.0.1:{proxy.port}/0?timeout_ms=4000",
                    os.cpu_count(), name="edge-slow")
    unrelated = [f"/{APP}/streams/u0.m3u8", f"/{APP}/streams/u0/x-1.m4s"]
    measure(edge.port, unrelated * 2)       # mapping and media cached

    proxy.delay = 0.5
    ctx = multiprocessing.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    load = ctx.Process(target=miss_load, args=(edge.port, "s", 0, 8,
                                               args.slow_seconds, child))
    load.start()
    wait_for(lambda: edge_status(edge.port)["inflight"] > 0, 10,
             interval=0.02, what="the slow lookups under way")
    lat, bad = [], 0
    end = time.monotonic() + args.slow_seconds - 1
    conn = Conn(edge.port)
    while time.monotonic() < end:
        for path in unrelated:
            status, took = conn.get(path)
            lat.append(took)
            bad += status != 200
        time.sleep(0.002)
    conn.close()
    slow = parent.recv() if parent.poll(args.slow_seconds + 60) else []
    load.join(timeout=30)
    st = [s for s, _ in slow]
    note = (f"meanwhile {len(slow)} new streams: p50 "
            f"{pct([t for _, t in slow], 0.5):.0f} ms, "
            f"{sum(1 for s in st if s != 200)} not 200")
    proxy.delay = 0
    edge.stop()
    env.procs.remove(edge)
    return [("redis +500 ms", "unrelated (cached)", lat, bad, note)]


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--streams", type=int, default=2000)
    p.add_argument("--slow-seconds", type=float, default=10)
    args = p.parse_args(argv)

    rows = []
    load = edge_env.cpu_busy()
    with Env("lookup") as env:
        port = free_port()
        env.nginx("trivial", port, lambda pr: trivial_conf(pr, port))

        sqlite = f"sqlite://{env.dir}/cluster.db"
        env.beat(sqlite, "o1", port)
        rows += store_rows(env, "sqlite", sqlite, port, args.streams, args)

        redis_port = env.redis()
        redis = f"redis://127.0.0.1:{redis_port}/0"
        env.beat(redis, "o1", port)
        rows += store_rows(env, "redis", redis, port, args.streams, args)
        rows += slow_rows(env, redis_port, port, args)

    print(f"### Edge lookup latency: request to response headers, one "
          f"connection, trivial upstream, {os.cpu_count()} edge workers "
          f"(CPU busy before: {load:.0f}%)")
    print()
    print("| store | requests | n | p50 ms | p99 ms | max ms | not 200 "
          "| |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for store, what, lat, bad, note in rows:
        print(f"| {store} | {what} | {len(lat)} | {pct(lat, 0.5):.2f} "
              f"| {pct(lat, 0.99):.2f} | {max(lat) * 1000:.2f} | {bad} "
              f"| {note} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
