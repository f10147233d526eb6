#!/usr/bin/env python3
"""Cache-hit throughput: wrk against the edge (edge.conf: the module and
proxy_cache) serving a cached segment and a playlist, against the same
edge.conf with a fixed origin instead of the lookup (proxy_cache without
the module), and against plain nginx serving the same bytes as static
files; same worker count, one run.  The origin behind the edge and the
proxy is a real fanout-origin (SQLite store, hlsTime=2) with a live
publisher, ffmpeg -c copy of a 30 s 720p30 4 Mbit/s H.264/AAC file in a
loop (made once, BUILD/bench/src-720p-4mbps.flv): it answers the edge as
in production (X-Fanout-Cache-Offset -> a padded header, X-Fanout-Pad).
The segment is the largest one the live playlist lists (~1 MiB); it and
that playlist are written, same bytes, same paths, for plain nginx.  The
origin keeps a segment ~16 s, so every server is started and its copy
primed (a cache HIT) before the first run; the proxy cache keeps it 10
min, so the whole bench must fit in that (checked: a HIT after the runs).
The playlist stays live: the edge and the proxy refresh it from the
origin about once a second, as in production.  The three share the generic
settings of edge.conf (sendfile, tcp_nopush, keepalive, an access log
line per request).  Runs alternate plain/proxy/edge, --reps each; a row
is the mean.  Besides requests/s, the nginx workers' CPU time per
request: the machine's 2 cores are shared with wrk (and with whatever
else runs), and CPU per request is what that disturbs least; and wrk's own
CPU per request, the rest of the two cores' time.  With more
than one worker, the busiest worker's share of the workers' CPU shows how
evenly the kernel spread wrk's connections (0.50: even; nginx without
reuseport leaves that to whichever worker wakes first).  --reuseport
gives all three servers `listen ... reuseport` (the kernel spreads the
connections): same settings for the three, not edge.conf's own.
--page-cache reread (the default) drops the segment's three copies (the
static file and the two cache files) from the page cache after priming
and reads each back in order, so that all three are served from the same
page-cache layout; --page-cache written serves them as written (one
write() for the static file, a read event's worth at a time for nginx's
cache files), see reread().
--placement apart (the default) pins the nginx workers to the last CPUs
and wrk to the others when there are fewer workers than CPUs (1 worker
here), as bench/ingest does: viewers are other machines in production;
with as many workers as CPUs, and with --placement free, the scheduler
places them.
Goal: edge / plain >= 0.95.

  bench/edge/hit_bench.py [--workers 1,2] [--seconds 10] [--conns 50]
                          [--threads 2] [--reps 2] [--reuseport]
                          [--page-cache reread|written]
                          [--placement apart|free]
"""
import argparse
import os
import re
import resource
import subprocess
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import edge_env  # noqa: E402
from edge_env import APP, BUILD, Env, cpu_seconds  # noqa: E402

CPUS = sorted(os.sched_getaffinity(0))
STREAM = "bench1"
PLAYLIST = f"/{APP}/streams/{STREAM}.m3u8"


def get(port, path):
    """(status, X-Cache-Status, body)."""
    url = f"http://127.0.0.1:{port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.headers["X-Cache-Status"], r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers["X-Cache-Status"], e.read()


def publish(origin, www):
    """Once the origin lists 3 segments: the largest one listed and the
    playlist, copied into www at the same paths.  (path, bytes)."""
    deadline = time.monotonic() + 60
    while True:
        st, _, playlist = get(origin.http_port, PLAYLIST)
        uris = re.findall(rb"^[^#\s].*\.m4s$", playlist, re.M)
        if st == 200 and len(uris) >= 3:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"no live playlist at the origin ({st})")
        time.sleep(0.5)
    segments = {}
    for u in uris:
        path = urllib.parse.urljoin(PLAYLIST, u.decode())
        st, _, segments[path] = get(origin.http_port, path)
        assert st == 200, (path, st)
    path = max(segments, key=lambda s: len(segments[s]))
    for p, body in ((path, segments[path]), (PLAYLIST, playlist)):
        (www / p[1:]).parent.mkdir(parents=True, exist_ok=True)
        (www / p[1:]).write_bytes(body)
    return path, segments[path]


def placement(workers, how):
    """(the nginx workers' CPUs, wrk's CPUs); None: the scheduler's
    choice.  apart: the workers on the last CPUs, wrk on the others, as
    in production where viewers are other machines; possible only with
    fewer workers than CPUs."""
    if how == "apart" and workers < len(CPUS):
        return set(CPUS[-workers:]), set(CPUS[:-workers])
    return None, None


def wrk(server, path, args):
    """(requests/s, worker CPU µs per request, busiest worker's share of
    the workers' CPU, wrk's own CPU µs per request)."""
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.conns}",
           f"-d{args.seconds}s", "--timeout", "5s",
           f"http://127.0.0.1:{server.port}{path}"]
    workers = server.pids()[1:]
    server_cpus, wrk_cpus = placement(len(workers), args.placement)
    if server_cpus:
        for w in workers:
            os.sched_setaffinity(w, server_cpus)
    cpu0 = [cpu_seconds([w]) for w in workers]
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, capture_output=True, text=True,
                         timeout=args.seconds + 60, preexec_fn=(
                             lambda: os.sched_setaffinity(0, wrk_cpus))
                         if wrk_cpus else None).stdout
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    each = [cpu_seconds([w]) - c for w, c in zip(workers, cpu0)]
    wrk_cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    cpu = sum(each)
    m = re.search(r"(\d+) requests in ([\d.]+)s", out)
    if not m or re.search(r"Non-2xx|Socket errors", out):
        raise RuntimeError(f"wrk on {path}:\n{out}")
    requests = int(m.group(1))
    return (requests / float(m.group(2)), cpu * 1e6 / requests,
            max(each) / cpu if cpu else 1.0, wrk_cpu * 1e6 / requests)


def cached_copy(server, body):
    """The file in server's proxy cache whose body is body."""
    for path in (server.prefix / "cache").rglob("*"):
        if path.is_file() and path.stat().st_size > len(body) \
                and path.read_bytes().endswith(body):
            return path
    raise RuntimeError(f"{server.prefix}: no cache file holds the segment")


def resident(path):
    """Bytes of path in the page cache (util-linux fincore)."""
    out = subprocess.run(["fincore", "--bytes", "--noheadings", "--output",
                          "RES", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return int(out.strip() or 0)


def reread(path):
    """path dropped from the page cache and read back in order.  How a
    file entered the page cache decides its folios (one 1.2 MB write()
    may get a 1 MiB folio; nginx writes a cache file 16 KiB at a time),
    and sendfile pays per folio.  Read back the same way, every copy gets
    the same readahead folios (bench/edge/folio_probe.py)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        left = resident(path)
        if left:
            raise RuntimeError(f"{path}: {left} bytes stay in the page cache")
        offset = 0
        while chunk := os.pread(fd, 1 << 16, offset):
            offset += len(chunk)
    finally:
        os.close(fd)


def proxy_conf(edge_text, origin_port):
    """edge.conf, the lookup replaced by a fixed origin."""
    return (edge_text.replace("fanout_lookup on;", "fanout_lookup off;")
            .replace("$fanout_origin$uri",
                     f"127.0.0.1:{origin_port}$uri"))


def parse_args(argv):
    p = argparse.ArgumentParser()
    p.add_argument("--workers", default="1,2")
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--conns", type=int, default=50)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--reps", type=int, default=2)
    p.add_argument("--reuseport", action="store_true")
    p.add_argument("--placement", choices=("apart", "free"),
                   default="apart")
    p.add_argument("--page-cache", choices=("reread", "written"),
                   default="reread",
                   help="reread: the segment's copies (static file, cache "
                   "files) dropped from the page cache and read back the "
                   "same way before the runs; written: as their writers "
                   "left them")
    return p.parse_args(argv)


def start_servers(env, args, uri, www, origin):
    """For each worker count: plain nginx, proxy_cache, the edge."""
    opts = " reuseport" if args.reuseport else ""
    sets = {}
    for workers in (int(w) for w in args.workers.split(",")):
        port, eport = edge_env.free_port(), edge_env.free_port()
        sets[workers] = {
            "plain": env.static(f"plain-{workers}", www, workers,
                                listen_opts=opts),
            "proxy": env.nginx(
                f"proxy-{workers}", port, lambda prefix: proxy_conf(
                    edge_env.edge_conf(prefix, port, uri, workers, {
                        "listen": f"127.0.0.1:{port}{opts}"}),
                    origin.http_port)),
            "edge": env.nginx(
                f"edge-{workers}", eport, lambda prefix:
                edge_env.edge_conf(prefix, eport, uri, workers, {
                    "listen": f"127.0.0.1:{eport}{opts}"})),
        }
    return sets


def warm(sets, segment, want, www, page_cache):
    """Every server has the segment cached; with page_cache "reread" the
    copies are read back from disk."""
    for servers in sets.values():
        for name in ("proxy", "edge"):
            for _ in range(10):         # the mapping, then the cache
                st, cache, body = get(servers[name].port, segment)
                assert st == 200 and body == want, (name, segment, st)
                if cache == "HIT":
                    break
            else:
                raise RuntimeError(f"{name}: {segment} is not a HIT")
            st, _, body = get(servers[name].port, PLAYLIST)
            assert st == 200 and body.startswith(b"#EXTM3U"), \
                (name, PLAYLIST, st)
    if page_cache == "reread":
        reread(www / segment[1:])
        for servers in sets.values():
            for name in ("proxy", "edge"):
                reread(cached_copy(servers[name], want))


def measure(env, sets, segment, args):
    """wrk against each server; rows and each server's origin fetches.
    The servers of a worker count stop once measured."""
    rows, origin_fetches = [], {}
    for workers, servers in sets.items():
        for obj, path in (("segment", segment), ("playlist", PLAYLIST)):
            runs = {name: [] for name in servers}
            for _ in range(args.reps):
                for name in ("plain", "proxy", "edge"):
                    runs[name].append(wrk(servers[name], path, args))
            mean = {name: tuple(sum(r[i] for r in v) / len(v)
                                for i in range(4))
                    for name, v in runs.items()}
            # edge / plain of each alternation: how much runs differ
            pairs = sorted(e[0] / p[0] for e, p in
                           zip(runs["edge"], runs["plain"]))
            rows.append((workers, obj, mean, pairs))
        for name in ("proxy", "edge"):
            log = servers[name].access_log()
            fetched = sum(1 for ln in log if "upstream=-" not in ln)
            origin_fetches[(workers, name)] = (fetched, len(log))
            # still served from the cache after the runs
            cache = get(servers[name].port, segment)[1]
            assert cache == "HIT", (workers, name, segment, cache)
        cache = [get(servers["edge"].port, PLAYLIST)[1]
                 for _ in range(2)]     # a refresh, then memory
        assert "MEM" in cache, (workers, "edge", PLAYLIST, cache)
        for srv in servers.values():
            srv.stop()
            env.procs.remove(srv)
    return rows, origin_fetches


def report(args, sets, rows, origin_fetches, size, load):
    print(f"### Edge cache-hit throughput: wrk -t{args.threads} "
          f"-c{args.conns} -d{args.seconds}s, mean of {args.reps} "
          f"alternating runs{', reuseport' if args.reuseport else ''}, "
          f"page cache: {args.page_cache}, placement: {args.placement}; "
          f"a live fanout-origin's segment of {size:,} bytes "
          f"(CPU busy before: {load:.0f}%)")
    print()
    for workers in sets:
        server_cpus, wrk_cpus = placement(workers, args.placement)
        print(f"{workers} worker(s): " + (
            f"nginx on CPU {sorted(server_cpus)}, wrk on CPU "
            f"{sorted(wrk_cpus)}" if server_cpus else "CPUs left to the "
            "scheduler") + "  ")
    print()
    print("| workers | object | plain nginx req/s | proxy_cache req/s "
          "| edge req/s | edge / plain | edge / proxy_cache "
          "| edge / plain, each run "
          "| CPU µs/req plain / proxy / edge "
          "| busiest worker plain / proxy / edge "
          "| wrk CPU µs/req plain / proxy / edge |")
    print("| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: "
          "| ---: | ---: |")
    for workers, obj, m, pairs in rows:
        print(f"| {workers} | {obj} | {m['plain'][0]:.0f} "
              f"| {m['proxy'][0]:.0f} | {m['edge'][0]:.0f} "
              f"| {m['edge'][0] / m['plain'][0]:.3f} "
              f"| {m['edge'][0] / m['proxy'][0]:.3f} "
              f"| {' '.join(f'{x:.2f}' for x in pairs)} "
              f"| {m['plain'][1]:.1f} / {m['proxy'][1]:.1f} / "
              f"{m['edge'][1]:.1f} "
              f"| {m['plain'][2]:.2f} / {m['proxy'][2]:.2f} / "
              f"{m['edge'][2]:.2f} "
              f"| {m['plain'][3]:.1f} / {m['proxy'][3]:.1f} / "
              f"{m['edge'][3]:.1f} |")
    print()
    print("Origin fetches during the runs (proxy_cache, edge): " + ", ".join(
        f"{w} worker(s) {n}: {f} of {t} requests"
        for (w, n), (f, t) in sorted(origin_fetches.items())))


def main(argv=None):
    args = parse_args(argv)
    source = edge_env.make_source(BUILD / "bench" / "src-720p-4mbps.flv", 4)
    load = edge_env.cpu_busy()
    with Env("hit") as env:
        uri = f"sqlite://{env.dir}/cluster.db"
        www = env.dir / "www"
        origin = env.origin(uri, hls_time=2)
        env.copy_publisher(f"rtmp://127.0.0.1:{origin.rtmp_port}/{APP}/"
                           f"{STREAM}", source)
        sets = start_servers(env, args, uri, www, origin)
        segment, want = publish(origin, www)
        warm(sets, segment, want, www, args.page_cache)
        rows, origin_fetches = measure(env, sets, segment, args)
    report(args, sets, rows, origin_fetches, len(want), load)
    return 0

if __name__ == "__main__":
    sys.exit(main())
