#!/usr/bin/python3
"""Ingest benchmark: N concurrent RTMP publishers (-c copy of a 2 Mbps 720p
H.264/AAC file) into fanout-origin and, in the same run, into nginx with
nginx-rtmp-module (`hls on`, same fragment length).

Reports server CPU seconds per stream-minute and RSS, side by side, and
the memory each holds per stream, made fair: nginx-rtmp's RSS plus its
HLS files (tmpfs or page cache: memory either way), fanout-origin's RSS,
which holds its segments; and
fanout's segment availability (frame that closes a segment arriving ->
segment listed), p50/p95, from its /metrics.

Placement (--placement): "apart" (default) runs the server on the last
CPU and the publishers on the others, as in production where publishers
are other machines and the server is woken by the network, never by a
sender on its own core; "shared" puts both on CPU 0; "free" leaves it to
the scheduler, whose choice then decides the one-publisher figures
(a server woken by a sender on the same core runs on a warm cache).

  bench/ingest/ingest_bench.py [--counts 1,10,30] [--seconds 30] [--repeat 1]
                               [--placement apart|shared|free]
"""
import argparse
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("BUILD", ROOT / "build"))
ORIGIN = BUILD / "bin" / "fanout-origin"
RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"
PAGE = os.sysconf("SC_PAGE_SIZE")
HLS_TIME = 2

sys.path.insert(0, str(ROOT / "tests"))
from harness.net import free_port, require_port as wait_port  # noqa: E402
from harness.nginx import main_conf  # noqa: E402
from harness.proc import stop_all  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from media_source import make_source  # noqa: E402


CPUS = sorted(os.sched_getaffinity(0))
PLACEMENT = {"apart": ({CPUS[-1]}, set(CPUS[:-1]) or {CPUS[-1]}),
             "shared": ({CPUS[0]}, {CPUS[0]}),
             "free": (None, None)}
SERVER_CPUS, PUBLISHER_CPUS = PLACEMENT["apart"]


def pinned(cpus):
    """preexec_fn: run the child on cpus (None: wherever)."""
    return (lambda: os.sched_setaffinity(0, cpus)) if cpus else None


def tree(pid):
    """pid and its descendants (nginx master + workers)."""
    pids, frontier = [pid], [pid]
    while frontier:
        p = frontier.pop()
        try:
            kids = pathlib.Path(f"/proc/{p}/task/{p}/children").read_text()
        except OSError:
            continue
        for k in kids.split():
            pids.append(int(k))
            frontier.append(int(k))
    return pids


def cpu_seconds(pid):
    """CPU time of pid's process tree: every thread's run time in ns from
    /proc/PID/task/TID/schedstat, so one publisher's few ticks are not
    rounded to 10 ms.  (A thread that exits inside the window takes its
    time with it: the servers' threads live as long as they do.)"""
    total = 0
    for p in tree(pid):
        for t in pathlib.Path(f"/proc/{p}/task").glob("*/schedstat"):
            try:
                total += int(t.read_text().split()[0])
            except OSError:
                pass                # exited meanwhile
    return total / 1e9


def rss_mb(pid):
    total = 0
    for p in tree(pid):
        try:
            total += int(pathlib.Path(f"/proc/{p}/statm").read_text()
                         .split()[1]) * PAGE
        except OSError:
            pass
    return total / 2**20


class Server:
    """A server under test: its process (and, for nginx, the workers)."""
    proc = None

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)


class Fanout(Server):
    name = "fanout-origin (HLS+DASH)"

    def __init__(self, work):
        self.http, self.rtmp = free_port(), free_port()
        conf = work / "origin.properties"
        conf.write_text(
            f"server.name=bench\nserver.host_address=127.0.0.1\n"
            f"server.bind_address=127.0.0.1\nhttp.port={self.http}\n"
            f"rtmp.port={self.rtmp}\n"
            f"clusterdb.host=sqlite://{work}/cluster.db\n"
            f"hlsTime={HLS_TIME}\nhlsListSize=5\nlog.level=warn\n")
        self.proc = subprocess.Popen([str(ORIGIN), "--config", str(conf)],
                                     stderr=open(work / "origin.log", "wb"),
                                     preexec_fn=pinned(SERVER_CPUS))
        wait_port(self.rtmp)

    def url(self, i):
        return f"rtmp://127.0.0.1:{self.rtmp}/LiveApp/s{i}"

    def segment_latency(self):
        body = urllib.request.urlopen(
            f"http://127.0.0.1:{self.http}/metrics", timeout=5).read().decode()
        q = dict(re.findall(r'fanout_segment_publish_ms\{quantile="([\d.]+)"\}'
                            r' ([\d.e+-]+)', body))
        n = re.search(r"fanout_segment_publish_ms_count (\d+)", body)
        return float(q.get("0.5", 0)), float(q.get("0.95", 0)), \
            int(n.group(1)) if n else 0


class NginxRtmp(Server):
    name = "nginx-rtmp (HLS only)"

    def __init__(self, work):
        self.work = work
        self.rtmp = free_port()
        (work / "hls").mkdir()
        (work / "logs").mkdir()
        conf = work / "nginx.conf"
        conf.write_text(f"""
load_module {RTMP_MODULE};
{main_conf(work, 1024, log_level="warn", user=None)}
rtmp {{
    server {{
        listen 127.0.0.1:{self.rtmp};
        chunk_size 4096;
        application LiveApp {{
            live on;
            hls on;
            hls_path {work}/hls;
            hls_fragment {HLS_TIME}s;
            hls_playlist_length {HLS_TIME * 5}s;
        }}
    }}
}}
""")
        self.proc = subprocess.Popen(["nginx", "-p", str(work), "-e",
                                      "stderr", "-c", str(conf)],
                                     stderr=open(work / "nginx.out", "wb"),
                                     preexec_fn=pinned(SERVER_CPUS))
        wait_port(self.rtmp)

    def url(self, i):
        return f"rtmp://127.0.0.1:{self.rtmp}/LiveApp/s{i}"

    def file_bytes(self):
        """Its HLS files: what it holds outside its RSS (tmpfs, or the
        page cache of a disk)."""
        return sum(f.stat().st_size for f in (self.work / "hls").iterdir()
                   if f.is_file())


def run(server_cls, n, seconds, source, warmup=5):
    work = pathlib.Path(tempfile.mkdtemp(prefix="fanout-ingest-"))
    # nginx's workers run as nobody: without this they cannot reach
    # hls_path, and nginx-rtmp writes no HLS file at all.
    os.chmod(work, 0o755)
    server = server_cls(work)
    pubs = []
    try:
        for i in range(n):
            pubs.append(subprocess.Popen(
                ["ffmpeg", "-v", "error", "-nostdin", "-re", "-stream_loop",
                 "-1", "-i", str(source), "-c", "copy", "-f", "flv",
                 server.url(i)], stdout=subprocess.DEVNULL,
                stderr=open(work / f"pub{i}.log", "wb"),
                preexec_fn=pinned(PUBLISHER_CPUS)))
        time.sleep(warmup)
        c0, t0 = cpu_seconds(server.proc.pid), time.monotonic()
        time.sleep(seconds)
        c1, t1 = cpu_seconds(server.proc.pid), time.monotonic()
        rss = rss_mb(server.proc.pid)
        alive = sum(p.poll() is None for p in pubs)
        extra = server.segment_latency() if hasattr(server,
                                                    "segment_latency") else None
        files = server.file_bytes() / 2**20 if hasattr(
            server, "file_bytes") else 0.0
        cpu_per_stream_min = (c1 - c0) / (n * (t1 - t0) / 60)
        return cpu_per_stream_min, rss, alive, extra, files
    finally:
        stop_all(pubs)
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--counts", default="1,10,30")
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs per server and count, alternating")
    ap.add_argument("--placement", choices=sorted(PLACEMENT),
                    default="apart", help="where servers and publishers run")
    args = ap.parse_args()
    global SERVER_CPUS, PUBLISHER_CPUS
    SERVER_CPUS, PUBLISHER_CPUS = PLACEMENT[args.placement]
    source = BUILD / "bench" / "src-720p-2mbps.flv"
    make_source(source, 2)
    print(f"### ingest: {args.seconds} s measured per run after 5 s warm-up,"
          f" {args.repeat} run(s) per row, alternating servers, `-c copy` of"
          f" a 2 Mbps 720p30 H.264/AAC file, hlsTime {HLS_TIME} s;"
          f" placement {args.placement} (server CPUs "
          f"{sorted(SERVER_CPUS) if SERVER_CPUS else 'any'}, publishers "
          f"{sorted(PUBLISHER_CPUS) if PUBLISHER_CPUS else 'any'})\n")
    print("| publishers | server | CPU s per stream-minute (mean) | runs | "
          "RSS MiB | segment files MiB | memory held per stream MiB | "
          "publishers alive | ratio to nginx-rtmp (of means; per run) |")
    print("| ---: | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    latencies = []
    ok = True
    for n in [int(x) for x in args.counts.split(",")]:
        ngx, fan = [], []
        for _ in range(args.repeat):
            ngx.append(run(NginxRtmp, n, args.seconds, source))
            fan.append(run(Fanout, n, args.seconds, source))
        ngx_cpu = sum(r[0] for r in ngx) / len(ngx)
        fan_cpu = sum(r[0] for r in fan) / len(fan)
        ratio = fan_cpu / ngx_cpu if ngx_cpu > 0 else float("nan")
        per_run = ", ".join(f"{f[0] / g[0]:.2f}" for f, g in zip(fan, ngx)
                            if g[0] > 0)
        for name, rows, r in ((NginxRtmp.name, ngx, "1.00"),
                              (Fanout.name, fan, f"{ratio:.2f} ({per_run})")):
            cpu = sum(x[0] for x in rows) / len(rows)
            runs = " ".join(f"{x[0]:.3f}" for x in rows)
            rss = max(x[1] for x in rows)
            files = max(x[4] for x in rows)
            print(f"| {n} | {name} | {cpu:.3f} | {runs} | {rss:.1f} | "
                  f"{files:.1f} | {(rss + files) / n:.2f} | "
                  f"{min(x[2] for x in rows)}/{n} | {r} |")
        # The worst run's availability.
        latencies.append((n, max((f[3] for f in fan), key=lambda x: x[1])))
        ok &= all(f[2] == n for f in fan) and all(g[2] == n for g in ngx)
        sys.stdout.flush()
    print("\n### segment availability (fanout-origin, from /metrics; the run"
          " with the highest p95)\n")
    print("| publishers | segments | p50 ms | p95 ms |")
    print("| ---: | ---: | ---: | ---: |")
    for n, (p50, p95, count) in latencies:
        print(f"| {n} | {count} | {p50:.3f} | {p95:.3f} |")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
