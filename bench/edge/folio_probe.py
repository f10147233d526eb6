#!/usr/bin/env python3
"""Why hit_bench serves every copy of its segment from the same
page-cache layout (--page-cache reread): how a file was written decides
its page-cache folios, and sendfile pays per folio.

wrk against plain nginx serving a random segment-sized body from a file
written by one write() and from one written 16 KiB at a time, and against
a proxy_cache server (edge.conf with a fixed origin, no lookup: nginx
writes its cache file a read event's worth at a time) holding the same
bytes; then again after the three files were dropped from the page cache
and read back in order, as hit_bench does.  Prints each copy's folios
(mmap + /proc/self/pagemap + /proc/kpageflags: needs root), req/s and
the nginx worker's CPU µs per request.  One worker, pinned apart from wrk
as in hit_bench; runs alternate.

  bench/edge/folio_probe.py [--reps 3] [--seconds 10]
"""
import argparse
import collections
import ctypes
import mmap
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import edge_env  # noqa: E402
from edge_env import APP, Env, http_get  # noqa: E402
from hit_bench import cached_copy, proxy_conf, reread, wrk  # noqa: E402

PATH = f"/{APP}/streams/probe/s-1.m4s"
SIZE = 1_210_795                    # hit_bench's live segment, in bytes
PAGE = 4096


def folios(path):
    """The sizes (bytes) of path's page-cache folios, in file order, the
    last one counted up to the end of the file.  Every page must be cached
    already (mapping it then reads nothing)."""
    fd = os.open(path, os.O_RDWR)
    try:
        size = os.fstat(fd).st_size
        m = mmap.mmap(fd, size, mmap.MAP_SHARED)
    finally:
        os.close(fd)
    anchor = ctypes.c_char.from_buffer(m)
    try:
        base = ctypes.addressof(anchor) // PAGE
        sizes = []
        with open("/proc/self/pagemap", "rb") as pagemap, \
                open("/proc/kpageflags", "rb") as kpageflags:
            for i in range((size + PAGE - 1) // PAGE):
                m[i * PAGE]                             # map it
                pagemap.seek((base + i) * 8)
                pfn = struct.unpack("Q", pagemap.read(8))[0] & ((1 << 55) - 1)
                kpageflags.seek(pfn * 8)
                flags = struct.unpack("Q", kpageflags.read(8))[0]
                if flags >> 16 & 1 and sizes:           # KPF_COMPOUND_TAIL
                    sizes[-1] += PAGE
                else:
                    sizes.append(PAGE)
        return sizes
    finally:
        del anchor
        m.close()


def describe(sizes):
    count = collections.Counter(s // 1024 for s in sizes)
    return f"{len(sizes)}: " + ", ".join(
        f"{n} x {k} KiB" for k, n in sorted(count.items(), reverse=True))


def write(path, body, chunk):
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        for i in range(0, len(body), chunk):
            os.write(fd, body[i:i + chunk])
    finally:
        os.close(fd)


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--seconds", type=int, default=10)
    args = p.parse_args(argv)
    args.threads, args.conns, args.placement = 2, 50, "apart"
    body = os.urandom(SIZE)
    with Env("folio") as env:
        uri = f"sqlite://{env.dir}/cluster.db"
        servers, copies = {}, {}
        for name, chunk in (("plain, one write", SIZE),
                            ("plain, 16 KiB writes", 16384)):
            www = env.dir / f"www-{chunk}"
            write(www / PATH[1:], body, chunk)
            servers[name] = env.static(f"plain-{chunk}", www, 1)
            copies[name] = www / PATH[1:]
        origin = env.static("origin", env.dir / f"www-{SIZE}", 1)
        name, port = "proxy_cache (edge.conf)", edge_env.free_port()
        servers[name] = env.nginx("proxy", port, lambda prefix: proxy_conf(
            edge_env.edge_conf(prefix, port, uri, 1,
                               {"listen": f"127.0.0.1:{port}"}),
            origin.port))
        for _ in range(2):              # a MISS, then a HIT
            st, got = http_get(f"http://127.0.0.1:{port}{PATH}")
            assert st == 200 and got == body, (name, st)
        copies[name] = cached_copy(servers[name], body)
        layout, runs = {}, {}
        # as written, then all three dropped from the page cache and read
        # back in order (hit_bench's --page-cache reread)
        for phase in ("as written", "read back"):
            if phase == "read back":
                for path in copies.values():
                    reread(path)
            rows = {f"{name}, {phase}": (server, copies[name])
                    for name, server in servers.items()}
            for row, (_, path) in rows.items():
                layout[row] = describe(folios(path))
                runs[row] = []
            for _ in range(args.reps):
                for row, (server, _) in rows.items():
                    runs[row].append(wrk(server, PATH, args))
    print(f"### page-cache folios and cache hits: 1 worker (pinned apart "
          f"from wrk), wrk -t2 -c50 -d{args.seconds}s, {args.reps} "
          f"alternating runs, {SIZE:,} random bytes\n")
    print("| copy | folios | req/s (mean) | each run "
          "| nginx CPU µs/req |")
    print("| --- | --- | ---: | --- | ---: |")
    for name, rs in runs.items():
        print(f"| {name} | {layout[name]} "
              f"| {sum(r[0] for r in rs) / len(rs):.0f} "
              f"| {' '.join(f'{r[0]:.0f}' for r in rs)} "
              f"| {sum(r[1] for r in rs) / len(rs):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
