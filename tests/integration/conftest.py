"""Shared fixtures for integration tests: real processes on loopback."""
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("FANOUT_BUILD", ROOT / "build"))
MODULE = BUILD / "modules" / "ngx_http_fanout_module.so"


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_port(port, host="127.0.0.1", timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def stop_proc(p, sig=signal.SIGTERM):
    if p is not None and p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)


def require_port(port, host="127.0.0.1", timeout=10.0):
    """wait_port, raising when nothing listens in time (benchmarks)."""
    if not wait_port(port, host, timeout):
        raise RuntimeError(f"nothing listens on {host}:{port}")


@pytest.fixture
def tmpdir_path():
    d = tempfile.mkdtemp(prefix="fanout-it-")
    yield pathlib.Path(d)
    shutil.rmtree(d, ignore_errors=True)


class Nginx:
    """An nginx with our module, in its own prefix directory."""

    def __init__(self, prefix: pathlib.Path):
        self.prefix = prefix
        for sub in ("logs", "tmp"):
            (prefix / sub).mkdir(parents=True, exist_ok=True)
        self.proc = None

    def write_conf(self, http_body: str, main: str = ""):
        p = self.prefix
        conf = f"""
load_module {MODULE};
daemon off;
master_process on;
worker_processes 1;
pid {p}/nginx.pid;
error_log {p}/logs/error.log info;
events {{ worker_connections 256; }}
{main}
http {{
    access_log {p}/logs/access.log;
    client_body_temp_path {p}/tmp/body;
    proxy_temp_path {p}/tmp/proxy;
    fastcgi_temp_path {p}/tmp/fastcgi;
    uwsgi_temp_path {p}/tmp/uwsgi;
    scgi_temp_path {p}/tmp/scgi;
{http_body}
}}
"""
        (p / "nginx.conf").write_text(conf)
        return p / "nginx.conf"

    def test_config(self):
        return subprocess.run(
            ["nginx", "-t", "-p", str(self.prefix), "-e", "stderr",
             "-c", str(self.prefix / "nginx.conf")],
            capture_output=True, text=True, timeout=30)


ORIGIN_BIN = BUILD / "bin" / "fanout-origin"


class Origin:
    """A real fanout-origin process on loopback."""

    def __init__(self, workdir: pathlib.Path, store_uri: str, name="origin-1",
                 host="127.0.0.1", period_ms=500, extra=None):
        self.workdir = workdir
        self.name = name
        self.host = host
        self.http_port = free_port(host)
        self.rtmp_port = free_port(host)
        self.store_uri = store_uri
        self.log_path = workdir / f"{name}.log"
        props = {
            "server.name": name,
            "server.host_address": host,
            "server.bind_address": host,
            "http.port": self.http_port,
            "rtmp.port": self.rtmp_port,
            "clusterdb.host": store_uri,
            "cluster.update_period_ms": period_ms,
            "cluster.dead_factor": 4,
            "hlsTime": 1,
            "hlsListSize": 5,
            "log.level": "info",
        }
        props.update(extra or {})
        self.conf = workdir / f"{name}.properties"
        self.conf.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        self.proc = None

    @property
    def http(self):
        return f"http://{self.host}:{self.http_port}"

    def rtmp(self, app, stream):
        return f"rtmp://{self.host}:{self.rtmp_port}/{app}/{stream}"

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(ORIGIN_BIN), "--config",
                                      str(self.conf)], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        ok = wait_port(self.http_port, self.host) and \
            wait_port(self.rtmp_port, self.host)
        assert ok, f"origin did not listen; log:\n{self.log_text()}"
        return self

    def log_text(self):
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self, sig=None):
        if self.proc is None:
            return
        if self.proc.poll() is None:
            if sig is None:
                self.proc.terminate()
            else:
                self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()
        self.proc = None


class Publisher:
    """ffmpeg publishing a test pattern (or a file with -c copy)."""

    def __init__(self, url, workdir, seconds=None, source=None, name="pub"):
        self.url = url
        self.log_path = workdir / f"{name}.ffmpeg.log"
        if source is None:
            args = ["-re", "-f", "lavfi", "-i",
                    "testsrc=size=640x360:rate=25",
                    "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
            if seconds:
                args += ["-t", str(seconds)]
            args += ["-c:v", "libx264", "-preset", "ultrafast",
                     "-tune", "zerolatency", "-g", "25", "-pix_fmt", "yuv420p",
                     "-c:a", "aac", "-b:a", "64k"]
        else:
            args = ["-re", "-i", str(source), "-c", "copy"]
        self.cmd = ["ffmpeg", "-hide_banner", "-loglevel", "warning",
                    "-nostdin"] + args + ["-f", "flv", url]
        self.proc = None

    def start(self):
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.cmd, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        return self

    def wait(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self.log.close()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if not self.log.closed:
            self.log.close()

    def log_text(self):
        return self.log_path.read_text(errors="replace")


def http_get(url, timeout=5.0, headers=None, method="GET", body=None):
    """(status, headers, body bytes) — never raises on HTTP errors."""
    import urllib.error
    import urllib.request
    req = urllib.request.Request(url, data=body, method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def wait_for(pred, timeout=15.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    return pred()


def api_broadcast(base_url, stream, app="LiveApp"):
    """The broadcast record from the REST API ({} when there is none)."""
    import json
    st, _, body = http_get(f"{base_url}/{app}/rest/v2/broadcasts/{stream}")
    return json.loads(body) if st == 200 else {}


def api_nodes(base_url):
    """Cluster nodes by id, from the REST API ({} when it fails)."""
    import json
    st, _, body = http_get(f"{base_url}/rest/v2/cluster/nodes/0/50")
    return {n["id"]: n for n in json.loads(body)} if st == 200 else {}


def playlist_sessions(base_url, stream, app="LiveApp"):
    """The publish sessions named by the HLS playlist's segments, or None."""
    import re
    st, _, body = http_get(f"{base_url}/{app}/streams/{stream}.m3u8",
                           timeout=3)
    if st != 200:
        return None
    return set(re.findall(rb"^" + re.escape(stream.encode())
                          + rb"/([0-9a-f]+)-\d+\.m4s$", body, re.M))


@pytest.fixture
def origin(tmpdir_path):
    """One origin on an SQLite store of its own."""
    o = Origin(tmpdir_path, f"sqlite://{tmpdir_path}/cluster.db").start()
    yield o
    o.stop()


def ffprobe(url, timeout=60):
    import json
    r = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json",
                        "-show_format", "-show_streams", url],
                       capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"ffprobe {url}: {r.stderr}"
    return json.loads(r.stdout)


class Redis:
    """A real redis-server on loopback, stoppable and restartable."""

    def __init__(self, workdir: pathlib.Path):
        self.port = free_port()
        self.workdir = workdir
        self.proc = None

    @property
    def uri(self):
        return f"redis://127.0.0.1:{self.port}"

    def uri_with(self, query, port=None, **opts):
        """Database 0 with a query string: query, then opts (port: another
        port in front of this server, e.g. a SlowProxy's)."""
        q = "&".join([query] + [f"{k}={v}" for k, v in opts.items()])
        return f"redis://127.0.0.1:{port or self.port}/0?{q}"

    def start(self):
        self.log = open(self.workdir / f"redis-{self.port}.log", "ab")
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
             "--save", "", "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=self.log, stderr=subprocess.STDOUT)
        assert wait_port(self.port), "redis-server did not start"
        return self

    def stop(self, sig=signal.SIGTERM):
        stop_proc(self.proc, sig)
        self.proc = None
        self.log.close()


@pytest.fixture
def redis_server(tmpdir_path):
    r = Redis(tmpdir_path).start()
    yield r
    r.stop()


class Cluster:
    """The whole local cluster, started by the very script behind `make up`
    (scripts/run.sh), on loopback addresses of its own."""

    def __init__(self, workdir: pathlib.Path, store_uri: str, block: int,
                 period_ms=500, hls_time=2, origins=2, edges=2):
        self.workdir = workdir
        self.origins = [f"127.0.{block}.{i}" for i in range(1, origins + 1)]
        self.edges = [f"127.0.{block + 1}.{i}" for i in range(1, edges + 1)]
        self.lb = f"127.0.{block + 2}.1"
        self.http_port = free_port()
        self.rtmp_port = free_port()
        self.env = dict(os.environ,
                        RUN_DIR=str(workdir / "run"),
                        FANOUT_BUILD=str(BUILD),
                        ORIGINS=" ".join(self.origins),
                        EDGES=" ".join(self.edges),
                        LB_ADDR=self.lb,
                        HTTP_PORT=str(self.http_port),
                        HTTPS_PORT=str(free_port()),
                        RTMP_PORT=str(self.rtmp_port),
                        RTMPS_PORT=str(free_port()),
                        PERIOD_MS=str(period_ms),
                        HLS_TIME=str(hls_time),
                        STORE_URI=store_uri,
                        DEMO="0")

    def script(self, *args, timeout=120):
        return subprocess.run(["bash", str(ROOT / "scripts" / "run.sh"),
                               *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def up(self):
        r = self.script("up")
        assert r.returncode == 0, r.stdout + r.stderr
        return self

    def down(self):
        self.script("down")

    @property
    def url(self):
        return f"http://{self.lb}:{self.http_port}"

    def rtmp(self, app, stream):
        return f"rtmp://{self.lb}:{self.rtmp_port}/{app}/{stream}"

    def pid(self, name):
        for line in (self.workdir / "run" / "pids").read_text().splitlines():
            pid, n = line.split()
            if n == name:
                return int(pid)
        raise KeyError(name)

    def kill(self, name, sig=9):
        """SIGKILL a node and everything it started (nginx workers too)."""
        pid = self.pid(name)
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            pass

    def add_origin(self, name, host):
        """Starts one more origin on this cluster's store and ports (it
        joins without anyone restarting anything)."""
        o = Origin(self.workdir, self.env["STORE_URI"], name=name, host=host,
                   period_ms=int(self.env["PERIOD_MS"]),
                   extra={"http.port": self.http_port,
                          "rtmp.port": self.rtmp_port})
        o.http_port, o.rtmp_port = self.http_port, self.rtmp_port
        return o.start()

    def origin_http(self, i):
        return f"http://{self.origins[i]}:{self.http_port}"

    def publish_many(self, n, app="LiveApp"):
        """n small live ffmpeg publishers s0..s{n-1} through the LB;
        stop them with stop_all()."""
        return [subprocess.Popen(
            ["ffmpeg", "-v", "error", "-nostdin", "-re", "-f", "lavfi",
             "-i", "testsrc=size=320x180:rate=15", "-c:v", "libx264",
             "-preset", "ultrafast", "-g", "15", "-pix_fmt", "yuv420p",
             "-f", "flv", self.rtmp(app, f"s{i}")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for i in range(n)]

    def broadcasting(self, n, app="LiveApp"):
        """The broadcasts listed as broadcasting, once there are n; None
        before (for wait_for)."""
        st, _, body = http_get(f"{self.url}/{app}/rest/v2/broadcasts/list/0/50")
        live = [b for b in json.loads(body)
                if b["status"] == "broadcasting"] if st == 200 else []
        return live if len(live) == n else None

    def log(self, name):
        p = self.workdir / "run" / f"{name}.log"
        return p.read_text(errors="replace") if p.exists() else ""


def stop_all(procs):
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=10)


class LoopPublisher:
    """ffmpeg in a reconnect loop, as OBS auto-reconnect behaves."""

    def __init__(self, url, workdir, name="loop-pub"):
        self.log_path = workdir / f"{name}.log"
        script = (
            "while true; do ffmpeg -hide_banner -loglevel warning -nostdin "
            "-re -f lavfi -i testsrc=size=640x360:rate=25 "
            "-f lavfi -i sine=frequency=440:sample_rate=48000 "
            "-c:v libx264 -preset ultrafast -tune zerolatency -g 25 "
            "-pix_fmt yuv420p -c:a aac -b:a 64k "
            f"-f flv {url}; sleep 0.5; done")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(["bash", "-c", script],
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def stop(self):
        try:
            os.killpg(self.proc.pid, 15)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=10)
        self.log.close()
