#!/usr/bin/env python3
"""Why cached segment bodies are page-aligned: wrk against plain nginx
serving a 1 MiB file, and against two proxy_cache servers (edge.conf with
a fixed origin, no lookup) holding the same bytes, one with the body at
an unaligned offset of its cache file, one with it at a page boundary.
The origin is plain nginx too, so that the only difference between the
two caches is where the body starts: the aligned one's origin adds a pad
header (hidden from clients) sized from the first cache file's layout.
Same worker count for the three; runs alternate; prints req/s and wrk's
own CPU µs per response.

  bench/edge/align_probe.py [--workers 2] [--reps 3] [--seconds 10]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import edge_env  # noqa: E402
from edge_env import APP, Env, http_get  # noqa: E402
from hit_bench import proxy_conf, wrk  # noqa: E402

PATH = f"/{APP}/streams/probe/s-1.m4s"
SIZE = 1 << 20


def origin_conf(www, pad):
    """A static origin whose segments carry an X-Pad header of pad bytes."""
    def conf(prefix, port):
        text = edge_env.static_conf(prefix, port, www, 1)
        if pad:
            text = text.replace(
                'add_header Cache-Control "max-age=31536000, immutable";',
                'add_header Cache-Control "max-age=31536000, immutable"; '
                f'add_header X-Pad "{"p" * pad}";')
        return text
    return conf


def cached_body_offset(server_dir):
    for f in (server_dir / "cache").rglob("*"):
        if f.is_file() and f.stat().st_size > SIZE:
            return f.stat().st_size - SIZE
    raise RuntimeError(f"no cache file under {server_dir}")


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--seconds", type=int, default=10)
    args = p.parse_args(argv)
    args.threads, args.conns = 2, 50
    args.placement = "free"         # as its figures were measured
    with Env("align") as env:
        uri = f"sqlite://{env.dir}/cluster.db"
        www = env.dir / "www"
        (www / PATH[1:]).parent.mkdir(parents=True)
        (www / PATH[1:]).write_bytes(os.urandom(SIZE))
        servers, offsets, pad = {}, {}, 0
        for name in ("unaligned", "aligned"):
            if name == "aligned":       # "X-Pad: " + pad + CRLF moves it
                pad = -(offsets["unaligned"] + 9) % 4096 or 4096
            oport, port = edge_env.free_port(), edge_env.free_port()
            oconf = origin_conf(www, pad)
            env.nginx(f"origin-{name}", oport, lambda pr: oconf(pr, oport))
            servers[name] = env.nginx(
                name, port, lambda pr: proxy_conf(edge_env.edge_conf(
                    pr, port, uri, args.workers,
                    {"listen": f"127.0.0.1:{port}"}), oport).replace(
                    "http {\n", "http {\n    proxy_hide_header X-Pad;\n", 1))
            for _ in range(2):
                st, body = http_get(f"http://127.0.0.1:{port}{PATH}")
                assert st == 200 and len(body) == SIZE, st
            offsets[name] = cached_body_offset(env.dir / name)
        servers["plain"] = env.static("plain", www, args.workers)
        runs = {name: [] for name in servers}
        for _ in range(args.reps):
            for name in ("plain", "unaligned", "aligned"):
                runs[name].append(wrk(servers[name], PATH, args))
    print(f"### cached body alignment: {args.workers} worker(s), wrk -t2 "
          f"-c50 -d{args.seconds}s, {args.reps} alternating runs, 1 MiB\n")
    print("| server | body offset in cache file | req/s (mean) | each run "
          "| wrk CPU µs/response |")
    print("| --- | ---: | ---: | --- | ---: |")
    for name, rs in runs.items():
        mean = sum(r[0] for r in rs) / len(rs)
        print(f"| {name} | {offsets.get(name, '-')} | {mean:.0f} | "
              f"{' '.join(f'{r[0]:.0f}' for r in rs)} | "
              f"{sum(r[3] for r in rs) / len(rs):.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
