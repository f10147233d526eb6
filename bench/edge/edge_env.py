"""Processes for the edge benchmarks, all on loopback, all stopped by the
Env that started them: the shipped nginx-module/conf/edge.conf as the
edge (its "site:" lines replaced, as the integration tests do), plain
nginx servers, redis-server, fanout-origin, ffmpeg publishers (a live
encoder, or a copy of a file made once), a delay proxy, and store_tool
(nginx-module/tests/store_tool.c) for records."""
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("BUILD", ROOT / "build"))
MODULE = BUILD / "modules" / "ngx_http_fanout_module.so"
ORIGIN_BIN = BUILD / "bin" / "fanout-origin"
EDGE_CONF = ROOT / "nginx-module" / "conf" / "edge.conf"
VIEWER_SIM = ROOT / "tools" / "viewer-sim" / "viewer_sim.py"
APP = "LiveApp"

# The integration tests' helpers (run with /usr/bin/python3: they import
# pytest).
sys.path.insert(0, str(ROOT / "tests" / "integration"))
from conftest import free_port, require_port as wait_port  # noqa: E402,F401
from test_edge_harness import SlowProxy  # noqa: E402,F401

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


class Proc:
    def __init__(self, cmd, log, **kw):
        self.log = open(log, "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log,
                                     stderr=subprocess.STDOUT, **kw)

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()


class Nginx(Proc):
    """nginx in its own prefix; conf is the whole nginx.conf text."""

    def __init__(self, prefix, port, conf):
        self.prefix = prefix
        self.port = port
        for sub in ("logs", "tmp", "cache"):
            (prefix / sub).mkdir(parents=True, exist_ok=True)
        (prefix / "nginx.conf").write_text(conf)
        super().__init__(["nginx", "-p", str(prefix), "-c",
                          str(prefix / "nginx.conf"), "-e",
                          str(prefix / "logs" / "error.log")],
                         prefix / "logs" / "stderr.log")
        wait_port(port)

    def pids(self):
        master = int((self.prefix / "nginx.pid").read_text())
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)],
                             capture_output=True, text=True).stdout
        return [master] + [int(p) for p in out.split()]

    def stop(self):
        super().stop(signal.SIGQUIT)

    def access_log(self):
        p = self.prefix / "logs" / "access.log"
        return p.read_text().splitlines() if p.exists() else []


def temp_paths(prefix):
    return "".join(f"    {t}_temp_path {prefix}/tmp/{t};\n"
                   for t in ("client_body", "proxy", "fastcgi", "uwsgi",
                             "scgi"))


def edge_conf(prefix, port, store_uri, workers, settings=None):
    """edge.conf with its site lines replaced (as the integration tests'
    render_edge_conf does)."""
    text = EDGE_CONF.read_text()
    values = {
        "load_module": str(MODULE), "user": "root",
        "worker_processes": str(workers), "pid": f"{prefix}/nginx.pid",
        "error_log": f"{prefix}/logs/error.log notice",
        "access_log": f"{prefix}/logs/access.log fanout",
        "listen": f"127.0.0.1:{port}",
        "fanout_store": f'"{store_uri}"',
        "fanout_node_id": "edge-bench",
        "fanout_node_address": f"127.0.0.1:{port}",
        "fanout_origin_nodes": None,
    }
    values.update(settings or {})
    for name, value in values.items():
        pattern = re.compile(rf"^(\s*){re.escape(name)}\s[^;]*;", re.M)
        if not pattern.search(text):
            raise RuntimeError(f"edge.conf has no '{name}' directive")
        repl = f"# {name} (bench: off);" if value is None \
            else f"{name} {value};"
        text = pattern.sub(lambda m: m.group(1) + repl, text, count=1)
    text = text.replace("/var/cache/nginx/fanout", f"{prefix}/cache")
    text = text.replace("http {\n", "http {\n" + temp_paths(prefix), 1)
    return "daemon off;\n" + text


def static_conf(prefix, port, www, workers, extra="", log=True,
                listen_opts=""):
    """A plain nginx serving www: the origin stub, the static baseline."""
    access = f"access_log {prefix}/logs/access.log;" if log \
        else "access_log off;"
    return f"""daemon off;
user root;
worker_processes {workers};
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log notice;
events {{ worker_connections 8192; }}
http {{
{temp_paths(prefix)}
    {access}
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65s;
    keepalive_requests 1000000;
    types {{
        application/vnd.apple.mpegurl m3u8;
        application/dash+xml mpd;
        video/mp4 mp4 m4s;
    }}
    server {{
        listen 127.0.0.1:{port}{listen_opts};
        root {www};
        location ~ \\.(m3u8|mpd)$ {{ add_header Cache-Control "max-age=1"; }}
        location ~ \\.(m4s|mp4)$ {{
            add_header Cache-Control "max-age=31536000, immutable";
        }}
{extra}
    }}
}}
"""


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
        port = free_port()
        self.keep(Proc(["redis-server", "--port", str(port), "--bind",
                        "127.0.0.1", "--save", "", "--appendonly", "no",
                        "--dir", str(self.dir)], self.dir / "redis.log"))
        wait_port(port)
        return port

    def store_tool(self):
        if self._store_tool is None:
            out = self.dir / "store_tool"
            libs = subprocess.run(["pkg-config", "--libs", "hiredis",
                                   "libmongoc-1.0", "sqlite3"],
                                  capture_output=True, text=True,
                                  check=True).stdout.split()
            subprocess.run(["gcc", "-std=c11", "-D_POSIX_C_SOURCE=200809L",
                            "-O1", f"-I{ROOT / 'store' / 'include'}",
                            str(ROOT / "nginx-module" / "tests" /
                                "store_tool.c"),
                            str(BUILD / "lib" / "libfanout_store.a")]
                           + libs + ["-lpthread", "-o", str(out)],
                           check=True)
            self._store_tool = out
        return self._store_tool

    def store(self, uri, *args):
        r = subprocess.run([str(self.store_tool()), uri] +
                           [str(a) for a in args], capture_output=True,
                           text=True, timeout=300)
        if r.returncode != 0:
            raise RuntimeError(f"store_tool {args}: {r.stderr}")
        return dict(line.split("=", 1) for line in r.stdout.splitlines()
                    if "=" in line)

    def beat(self, uri, node, port, period_ms=200):
        """An origin node heartbeating until the Env closes."""
        p = Proc([str(self.store_tool()), uri, "beat", node, "127.0.0.1",
                  str(port), str(period_ms)], self.dir / f"beat-{node}.log")
        self.keep(p)
        time.sleep(0.3)
        return p

    def origin(self, store_uri, hls_time=2, name="origin-1"):
        http, rtmp = free_port(), free_port()
        props = {
            "server.name": name, "server.host_address": "127.0.0.1",
            "server.bind_address": "127.0.0.1", "http.port": http,
            "rtmp.port": rtmp, "clusterdb.host": store_uri,
            "cluster.update_period_ms": 1000, "cluster.dead_factor": 5,
            "hlsTime": hls_time, "hlsListSize": 5, "log.level": "warn",
        }
        conf = self.dir / f"{name}.properties"
        conf.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        p = self.keep(Proc([str(ORIGIN_BIN), "--config", str(conf)],
                           self.dir / f"{name}.log"))
        wait_port(http)
        wait_port(rtmp)
        p.http_port, p.rtmp_port = http, rtmp
        return p

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
