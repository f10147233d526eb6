"""Processes and helpers for the edge module's integration tests
(test_edge_*.py): the shipped nginx-module/conf/edge.conf run as the edge,
origins (a static nginx until build/bin/fanout-origin exists), stores
(SQLite, Redis) and a store tool built from C against the store library.

Kept apart from conftest.py so the edge tests can grow without touching
the shared fixtures; test modules import what they use from here.  No
tests live in this file.
"""
import concurrent.futures
import http.client
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import BUILD, MODULE, ROOT, free_port, stop_proc, wait_port

EDGE_CONF = ROOT / "nginx-module" / "conf" / "edge.conf"
STORE_TOOL_SRC = ROOT / "nginx-module" / "tests" / "store_tool.c"
STORE_LIB = BUILD / "lib" / "libfanout_store.a"

# Liveness in tests: a node is dead after 2 x 500 ms of silence.
PERIOD_MS = 500
STORE_OPTS = f"update_period_ms={PERIOD_MS}&dead_factor=2"


# ---- HTTP ------------------------------------------------------------------

class Reply:
    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.headers = headers
        self.body = body
        self.elapsed = elapsed

    @property
    def text(self):
        return self.body.decode(errors="replace")


def get(port, path, timeout=10.0, method="GET"):
    """One request, the path sent exactly as given (no normalisation)."""
    t0 = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        conn.endheaders()
        r = conn.getresponse()
        body = r.read()
        return Reply(r.status, {k.lower(): v for k, v in r.getheaders()},
                     body, time.monotonic() - t0)
    finally:
        conn.close()


def raw_request(port, request_bytes, timeout=10.0):
    """Sends bytes as they are; returns the status code (0: no reply)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request_bytes)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    return int(m.group(1)) if m else 0


def parallel_get(port, path, n):
    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(lambda _: get(port, path, timeout=20), range(n)))


def wait_for(predicate, timeout, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# ---- the store tool -----------------------------------------------------------

class StoreTool:
    """nginx-module/tests/store_tool.c: records written by the store library."""

    def __init__(self, path):
        self.path = path

    def run(self, uri, *args, timeout=15):
        r = subprocess.run([str(self.path), uri] + [str(a) for a in args],
                           capture_output=True, text=True, timeout=timeout)
        fields = dict(line.split("=", 1) for line in r.stdout.splitlines()
                      if "=" in line)
        return r.returncode, fields, r.stderr

    def must(self, uri, *args):
        rc, fields, err = self.run(uri, *args)
        assert rc == 0, f"store_tool {' '.join(map(str, args))}: rc {rc} {err}"
        return fields

    def heartbeat(self, uri, node, ip, port, role="origin"):
        return self.must(uri, "heartbeat", node, ip, port, role)

    def claim(self, uri, app, stream, node, ip, port, session):
        return self.run(uri, "claim", app, stream, node, ip, port, session)[0]

    def release(self, uri, app, stream, session):
        return self.run(uri, "release", app, stream, session)[0]

    def node(self, uri, node_id):
        rc, fields, _ = self.run(uri, "node", node_id)
        return fields if rc == 0 else None

    def beat(self, uri, node, ip, port, period_ms=PERIOD_MS // 4):
        """An origin heartbeating in the background until stopped."""
        p = subprocess.Popen([str(self.path), uri, "beat", node, ip, str(port),
                              str(period_ms)], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
        line = p.stdout.readline()
        assert line.strip() == "beat", "heartbeat loop did not start"
        return p


@pytest.fixture(scope="session")
def store_tool(tmp_path_factory):
    assert STORE_LIB.exists(), f"{STORE_LIB} missing: run make build"
    out = tmp_path_factory.mktemp("edge-tools") / "store_tool"
    libs = subprocess.run(["pkg-config", "--libs", "hiredis", "libmongoc-1.0",
                           "sqlite3"], capture_output=True, text=True,
                          check=True).stdout.split()
    subprocess.run(["gcc", "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-O1",
                    "-Wall", "-Wextra", "-Werror",
                    f"-I{ROOT / 'store' / 'include'}", str(STORE_TOOL_SRC),
                    str(STORE_LIB)] + libs + ["-lpthread", "-o", str(out)],
                   check=True)
    return StoreTool(out)


# ---- stores -------------------------------------------------------------------

class Store:
    """A store URI for the edge (short timeouts) and for the tool."""

    def __init__(self, kind, uri, redis=None):
        self.kind = kind
        self.uri = uri
        self.redis = redis


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmpdir_path):
    if request.param == "sqlite":
        # Edge workers run as root in the tests (`user root`), but keep
        # the directory open in case they do not.
        os.chmod(tmpdir_path, 0o777)
        yield Store("sqlite", f"sqlite://{tmpdir_path}/cluster.db?"
                    f"{STORE_OPTS}&timeout_ms=1000")
        return
    r = request.getfixturevalue("redis_server")      # conftest.py's
    yield Store("redis", r.uri_with(STORE_OPTS, connect_timeout_ms=300,
                                    timeout_ms=1000), redis=r)


class SlowProxy:
    """A TCP relay in front of a server; each reply chunk waits `delay`."""

    def __init__(self, target_port):
        self.target = target_port
        self.delay = 0.0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            try:
                u = socket.create_connection(("127.0.0.1", self.target))
            except OSError:
                c.close()
                continue
            threading.Thread(target=self._pump, args=(c, u, False),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(u, c, True),
                             daemon=True).start()

    def _pump(self, src, dst, delayed):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if delayed and self.delay:
                    time.sleep(self.delay)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()

    def close(self):
        self.closed = True
        self.sock.close()


@pytest.fixture
def slow_proxy(redis_server):
    """A SlowProxy in front of redis_server, closed afterwards; its uri is
    the store through it, with a timeout longer than the tests' delays."""
    proxy = SlowProxy(redis_server.port)
    proxy.uri = redis_server.uri_with(STORE_OPTS, port=proxy.port,
                                      timeout_ms=4000)
    yield proxy
    proxy.close()


# ---- origins ------------------------------------------------------------------

class OriginStub:
    """A static nginx standing in for fanout-origin: the same paths and
    Cache-Control, files written by the test.  Its access log counts the
    requests the edge makes."""

    def __init__(self, workdir, name):
        self.name = name
        self.prefix = workdir / name
        self.www = self.prefix / "www"
        for sub in ("logs", "tmp", "www"):
            (self.prefix / sub).mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.proc = None

    @property
    def address(self):
        return f"127.0.0.1:{self.port}"

    def publish(self, app, stream, session, renditions=()):
        """Writes a stream's files; every body names this origin."""
        d = self.www / app / "streams"
        (d / stream).mkdir(parents=True, exist_ok=True)
        tag = f"origin={self.name} session={session}"
        (d / f"{stream}.m3u8").write_text(
            f"#EXTM3U\n# {tag}\n#EXT-X-TARGETDURATION:2\n"
            f"#EXTINF:2.0,\n{stream}/{session}-1.m4s\n")
        (d / stream / f"{stream}.mpd").write_text(f"<MPD><!-- {tag} --></MPD>")
        (d / stream / f"{session}-init.mp4").write_text(f"init {tag}")
        for n in (1, 2, 3):
            (d / stream / f"{session}-{n}.m4s").write_text(f"m4s {n} {tag}")
            (d / stream / f"{session}-{n}.ts").write_text(f"ts {n} {tag}")
        for r in renditions:
            (d / f"{stream}_{r}.m3u8").write_text(f"#EXTM3U\n# {r} {tag}\n")

    def unpublish(self, app, stream):
        d = self.www / app / "streams"
        shutil.rmtree(d / stream, ignore_errors=True)
        for f in d.glob(f"{stream}*.m3u8"):
            f.unlink()

    def start(self):
        p = self.prefix
        (p / "nginx.conf").write_text(f"""
user root;
daemon off;
master_process on;
worker_processes 1;
pid {p}/nginx.pid;
error_log {p}/logs/error.log info;
events {{ worker_connections 512; }}
http {{
    log_format counted '$request_uri $status';
    access_log {p}/logs/access.log counted;
    client_body_temp_path {p}/tmp/body;
    proxy_temp_path {p}/tmp/proxy;
    fastcgi_temp_path {p}/tmp/fastcgi;
    uwsgi_temp_path {p}/tmp/uwsgi;
    scgi_temp_path {p}/tmp/scgi;
    types {{
        application/vnd.apple.mpegurl m3u8;
        application/dash+xml mpd;
        video/mp4 mp4 m4s;
        video/mp2t ts;
    }}
    server {{
        listen 127.0.0.1:{self.port};
        root {self.www};
        location ~ \\.(m3u8|mpd)$ {{
            add_header Cache-Control "max-age=1";
        }}
        location ~ \\.(m4s|mp4|ts)$ {{
            add_header Cache-Control "max-age=3600, immutable";
        }}
    }}
}}
""")
        self.log = open(p / "logs" / "stderr.log", "ab")
        self.proc = subprocess.Popen(
            ["nginx", "-p", str(p), "-c", str(p / "nginx.conf"),
             "-e", str(p / "logs" / "error.log")],
            stdout=self.log, stderr=subprocess.STDOUT)
        assert wait_port(self.port), f"origin stub {self.name} did not start"
        return self

    def stop(self):
        stop_proc(self.proc, signal.SIGQUIT)
        self.proc = None

    def requests(self, path=None):
        try:
            lines = (self.prefix / "logs" / "access.log").read_text() \
                .splitlines()
        except OSError:
            return 0 if path else []
        if path is None:
            return lines
        return sum(1 for line in lines if line.split(" ", 1)[0] == path)


@pytest.fixture
def origins(tmpdir_path):
    """origins(name) -> a started OriginStub; all are stopped afterwards."""
    made = []

    def make(name):
        o = OriginStub(tmpdir_path, name).start()
        made.append(o)
        return o

    yield make
    for o in made:
        o.stop()


# ---- the edge -----------------------------------------------------------------

def render_edge_conf(prefix, port, settings, workers=1, extra_http="",
                     extra_main=""):
    """nginx-module/conf/edge.conf with its site lines replaced.

    settings: directive -> value (None comments the directive out).  A
    directive that is not in the file fails the test: the shipped file and
    the tests must not drift apart.
    """
    text = EDGE_CONF.read_text()
    fixed = {
        "load_module": str(MODULE),
        "user": "root",
        "worker_processes": str(workers),
        "pid": f"{prefix}/nginx.pid",
        "error_log": f"{prefix}/logs/error.log info",
        "access_log": f"{prefix}/logs/access.log fanout",
        "listen": f"127.0.0.1:{port}",
    }
    fixed.update({k: v for k, v in settings.items() if k in fixed})
    settings = {k: v for k, v in settings.items() if k not in fixed}
    for name, value in list(fixed.items()) + list(settings.items()):
        pattern = re.compile(rf"^(\s*){re.escape(name)}\s[^;]*;", re.M)
        if not pattern.search(text):
            raise AssertionError(f"edge.conf has no '{name}' directive")
        if value is None:
            text = pattern.sub(lambda m: f"{m.group(1)}# {name} (test: off);",
                               text, count=1)
        else:
            text = pattern.sub(lambda m: f"{m.group(1)}{name} {value};", text,
                               count=1)
    text = text.replace("/var/cache/nginx/fanout", f"{prefix}/cache")
    temp = "".join(f"    {t}_temp_path {prefix}/tmp/{t};\n"
                   for t in ("client_body", "proxy", "fastcgi", "uwsgi",
                             "scgi"))
    text = text.replace("http {\n", "http {\n" + temp + extra_http + "\n", 1)
    return "daemon off;\n" + extra_main + "\n" + text


class Edge:
    """The edge: nginx with the module, running the shipped edge.conf."""

    def __init__(self, workdir, store_uri, name="edge", workers=1,
                 node_id="edge-test", origin_nodes=None, ttl="1s",
                 negative_ttl="500ms", update_period=f"{PERIOD_MS}ms",
                 reuseport=False,
                 extra_http="", extra_main=os.environ.get(
                     "FANOUT_EDGE_EXTRA_MAIN", ""), settings=None):
        self.prefix = workdir / name
        for sub in ("logs", "tmp", "cache"):
            (self.prefix / sub).mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.node_id = node_id
        conf = {
            "fanout_store": f'"{store_uri}"',
            "fanout_node_id": node_id,
            "fanout_node_address": f"127.0.0.1:{self.port}",
            "fanout_update_period": update_period,
            "fanout_origin_nodes": " ".join(origin_nodes) if origin_nodes
            else None,
            "fanout_lookup_ttl": ttl,
            "fanout_lookup_negative_ttl": negative_ttl,
        }
        conf.update(settings or {})
        self.conf = self.prefix / "nginx.conf"
        if reuseport:
            # each worker its own socket: the kernel spreads connections
            conf["listen"] = f"127.0.0.1:{self.port} reuseport"
        self.conf.write_text(render_edge_conf(self.prefix, self.port, conf,
                                              workers, extra_http,
                                              extra_main))
        self.proc = None

    def test_config(self):
        return subprocess.run(
            ["nginx", "-t", "-p", str(self.prefix), "-e", "stderr",
             "-c", str(self.conf)], capture_output=True, text=True,
            timeout=30)

    def start(self):
        self.log = open(self.prefix / "logs" / "stderr.log", "ab")
        self.proc = subprocess.Popen(
            ["nginx", "-p", str(self.prefix), "-c", str(self.conf),
             "-e", str(self.prefix / "logs" / "error.log")],
            stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_port(self.port):
            raise AssertionError("edge did not start:\n" + self.error_log())
        return self

    def stop(self):
        stop_proc(self.proc, signal.SIGQUIT)
        self.proc = None

    def get(self, path, **kw):
        return get(self.port, path, **kw)

    def status(self):
        """fanout_status (Prometheus text) as {name: value}, the name
        without fanout_edge_ and a counter's _total."""
        r = self.get("/fanout_status")
        assert r.status == 200, r.status
        out = {}
        for line in r.text.splitlines():
            if line.startswith("#"):
                continue
            name, value = line.split()
            assert name.startswith("fanout_edge_"), line
            name = name[len("fanout_edge_"):]
            out[name[:-len("_total")] if name.endswith("_total")
                else name] = int(value)
        return out

    def error_log(self):
        try:
            return (self.prefix / "logs" / "error.log").read_text()
        except OSError:
            return ""

    def access_log(self):
        try:
            return (self.prefix / "logs" / "access.log").read_text() \
                .splitlines()
        except OSError:
            return []

    def crashed(self):
        """Alerts in the error log: worker crashes and the like (a worker
        a test killed on purpose with SIGKILL does not count)."""
        return [line for line in self.error_log().splitlines()
                if ("exited on signal" in line or "[alert]" in line)
                and "exited on signal 9" not in line]

    def worker_pids(self):
        master = int((self.prefix / "nginx.pid").read_text())
        out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid",
                              str(master)], capture_output=True,
                             text=True).stdout
        return [int(line.split()[0]) for line in out.splitlines()
                if "worker process" in line]

    def reload(self):
        before = set(self.worker_pids())
        self.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: before.isdisjoint(self.worker_pids())
                 and self.worker_pids(), 10, what="new workers")


@pytest.fixture
def edges(tmpdir_path):
    """edges(store_uri, **kw) -> a started Edge; stopped and checked for
    worker crashes afterwards."""
    made = []

    def make(store_uri, **kw):
        kw.setdefault("name", f"edge{len(made)}")
        e = Edge(tmpdir_path, store_uri, **kw).start()
        made.append(e)
        return e

    yield make
    for e in made:
        e.stop()
        assert not e.crashed(), "\n".join(e.crashed())


def live(store_tool, uri, origin, stream="s1", session="sessA", node=None,
         renditions=()):
    """Publishes stream on origin: files, a heartbeating node (returned:
    hand it to beats), the claim."""
    node = node or origin.name
    origin.publish("LiveApp", stream, session, renditions=renditions)
    beat = store_tool.beat(uri, node, "127.0.0.1", origin.port)
    assert store_tool.claim(uri, "LiveApp", stream, node, "127.0.0.1",
                            origin.port, session) == 0
    return beat


def move(store_tool, uri, origin, stream, old_session, session):
    """The stream is republished on origin: its files and heartbeating node
    (returned) first, then the old claim released and the new one made."""
    origin.publish("LiveApp", stream, session)
    beat = store_tool.beat(uri, origin.name, "127.0.0.1", origin.port)
    assert store_tool.release(uri, "LiveApp", stream, old_session) == 0
    assert store_tool.claim(uri, "LiveApp", stream, origin.name, "127.0.0.1",
                            origin.port, session) == 0
    return beat


@pytest.fixture
def beats():
    """beats(proc) -> proc: a heartbeating node (from live, move or
    store_tool.beat) stopped afterwards, even when the test fails;
    stop_proc(proc) makes it dead sooner."""
    made = []

    def keep(proc):
        made.append(proc)
        return proc

    yield keep
    for p in made:
        stop_proc(p)


def origin_tag(reply):
    m = re.search(r"origin=(\S+)", reply.text)
    return m.group(1) if m else None
