"""Processes for the edge benchmarks, all on loopback, all stopped by the
Env that started them: the shipped nginx-module/conf/edge.conf as the
edge (its "site:" lines replaced, as the integration tests do), plain
nginx servers, redis-server, fanout-origin, ffmpeg publishers (a live
encoder, or a copy of a file made once), a delay proxy, and store_tool
(nginx-module/tests/store_tool.c) for records."""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
APP = "LiveApp"

# The harness the integration tests use (tests/harness: no pytest needed).
sys.path.insert(0, str(ROOT / "tests"))
from harness import BUILD, MODULE, ORIGIN_BIN  # noqa: E402,F401
from harness.edge import SlowProxy, build_store_tool  # noqa: E402,F401
from harness.net import free_port, require_port as wait_port  # noqa: E402,F401,E501
from harness.net import wait_for  # noqa: E402
from harness.nginx import (Nginx, render_edge_conf,  # noqa: E402,F401
                           static_conf, temp_paths)
from harness.origin import Origin  # noqa: E402
from harness.proc import Proc  # noqa: E402
from harness.redis import Redis  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from media_source import make_source  # noqa: E402,F401


def http_get(url, timeout=5.0):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except OSError:
        return 0, b""


def cpu_seconds(pids):
    """utime + stime of the given processes, in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            f = pathlib.Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = f[f.rindex(")") + 2:].split()
        total += int(fields[11]) + int(fields[12])
    return total / tick


def cpu_busy(seconds=1.0):
    """Percent of all CPUs busy over the next `seconds` (/proc/stat): what
    else runs on the machine as a benchmark starts."""
    def sample():
        v = [int(x) for x in pathlib.Path("/proc/stat").read_text()
             .split("\n", 1)[0].split()[1:9]]
        return sum(v), v[3] + v[4]
    t0, i0 = sample()
    time.sleep(seconds)
    t1, i1 = sample()
    return 100.0 * (1 - (i1 - i0) / max(t1 - t0, 1))


def machine():
    model = "?"
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    osr = dict(line.split("=", 1) for line in pathlib.Path(
        "/etc/os-release").read_text().splitlines() if "=" in line)
    return (f"{model}, {os.cpu_count()} cores, {mem:.0f} GiB, "
            f"{osr.get('PRETTY_NAME', '?').strip(chr(34))}, "
            f"nginx {nginx_version()}")


def nginx_version():
    r = subprocess.run(["nginx", "-v"], capture_output=True, text=True)
    return r.stderr.strip().split("/")[-1]


def edge_conf(prefix, port, store_uri, workers, settings=None):
    """edge.conf with its site lines replaced, as the integration tests
    run it (harness.nginx.render_edge_conf), for this benchmark's node."""
    values = {
        "error_log": f"{prefix}/logs/error.log notice",
        "fanout_store": f'"{store_uri}"',
        "fanout_node_id": "edge-bench",
        "fanout_node_address": f"127.0.0.1:{port}",
        "fanout_origin_nodes": None,
    }
    values.update(settings or {})
    return render_edge_conf(prefix, port, values, workers)


class Env:
    """A temporary directory and every process started in it."""

    def __init__(self, name):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix=f"fanout-{name}-"))
        os.chmod(self.dir, 0o755)
        self.procs = []
        self._store_tool = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for p in reversed(self.procs):
            try:
                (getattr(p, "stop", None) or p.close)()
            except Exception:       # keep stopping the others
                pass
        shutil.rmtree(self.dir, ignore_errors=True)

    def keep(self, p):
        self.procs.append(p)
        return p

    def nginx(self, name, port, conf_fn):
        prefix = self.dir / name
        prefix.mkdir(parents=True, exist_ok=True)
        return self.keep(Nginx(prefix, port, conf_fn(prefix)))

    def edge(self, store_uri, workers, settings=None, name="edge"):
        port = free_port()
        return self.nginx(name, port, lambda p: edge_conf(
            p, port, store_uri, workers, settings))

    def static(self, name, www, workers=1, extra="", log=True,
               listen_opts=""):
        port = free_port()
        return self.nginx(name, port, lambda p: static_conf(
            p, port, www, workers, extra, log, listen_opts))

    def redis(self):
        return self.keep(Redis(self.dir).start()).port

    def store_tool(self):
        if self._store_tool is None:
            self._store_tool = build_store_tool(self.dir / "store_tool").path
        return self._store_tool

    def store(self, uri, *args):
        r = subprocess.run([str(self.store_tool()), uri] +
                           [str(a) for a in args], capture_output=True,
                           text=True, timeout=300)
        if r.returncode != 0:
            raise RuntimeError(f"store_tool {args}: {r.stderr}")
        return dict(line.split("=", 1) for line in r.stdout.splitlines()
                    if "=" in line)

    def alive(self, uri, node):
        """True when the store lists node as alive."""
        r = subprocess.run([str(self.store_tool()), uri, "node", node],
                           capture_output=True, text=True, timeout=60)
        return r.returncode == 0 and "alive=1" in r.stdout.split()

    def beat(self, uri, node, port, period_ms=200):
        """An origin node heartbeating until the Env closes."""
        p = Proc([str(self.store_tool()), uri, "beat", node, "127.0.0.1",
                  str(port), str(period_ms)], self.dir / f"beat-{node}.log")
        self.keep(p)
        wait_for(lambda: self.alive(uri, node), 10, interval=0.05,
                 what=f"{node}'s first heartbeat")
        return p

    def origin(self, store_uri, hls_time=2, name="origin-1"):
        o = Origin(self.dir, store_uri, name=name, period_ms=1000,
                   extra={"cluster.dead_factor": 5, "hlsTime": hls_time,
                          "log.level": "warn"})
        return self.keep(o.start())

    def publisher(self, url, bitrate="600k"):
        """ffmpeg: a 640x360 25 fps test pattern + tone, keyframe per 1 s."""
        cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin",
               "-re", "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25",
               "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
               "-c:v", "libx264", "-preset", "ultrafast", "-tune",
               "zerolatency", "-g", "25", "-b:v", bitrate, "-pix_fmt",
               "yuv420p", "-c:a", "aac", "-b:a", "64k", "-f", "flv", url]
        return self.keep(Proc(cmd, self.dir / "ffmpeg.log"))

    def copy_publisher(self, url, source):
        """ffmpeg -c copy of a file (make_source), looped, at its own pace:
        no encoding, about 1% of a core."""
        cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin",
               "-re", "-stream_loop", "-1", "-i", str(source), "-c", "copy",
               "-f", "flv", url]
        return self.keep(Proc(cmd, self.dir / "ffmpeg.log"))
