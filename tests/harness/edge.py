"""The edge (nginx running the shipped edge.conf) and its surroundings:
HTTP requests sent byte for byte, the status page, a slow TCP relay in
front of a store, and store_tool (nginx-module/tests/store_tool.c) for
records written by the store library."""
import concurrent.futures
import http.client
import os
import re
import signal
import socket
import subprocess
import threading
import time

from . import BUILD, ROOT
from .net import free_port, wait_for, wait_port
from .nginx import Logs, check_config, child_pids, render_edge_conf, worker_pids
from .proc import stop_proc

STORE_TOOL_SRC = ROOT / "nginx-module" / "tests" / "store_tool.c"
STORE_LIB = BUILD / "lib" / "libfanout_store.a"

# Liveness in tests: a node is dead after 2 x 500 ms of silence.
PERIOD_MS = 500
STORE_OPTS = f"update_period_ms={PERIOD_MS}&dead_factor=2"


class Reply:
    def __init__(self, status, headers, body, elapsed):
        self.status = status
        self.headers = headers
        self.body = body
        self.elapsed = elapsed

    @property
    def text(self):
        return self.body.decode(errors="replace")


def get(port, path, timeout=10.0, method="GET", headers=None,
        host="127.0.0.1"):
    """One request, the path sent exactly as given (no normalisation)."""
    t0 = time.monotonic()
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
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


def edge_status(port, host="127.0.0.1"):
    """The edge's /fanout_status page (Prometheus text) as {counter: int}:
    the one place that reads its format.  Comments are skipped, and
    fanout_edge_ and a counter's _total are taken off each name, so that
    it reads as {"hits": 5, ...}; the node gauges, which keep the origin's
    names, read as {"node_cpu_percent": 12.5, ...} (fanout_ taken off).
    Values with a decimal point are floats."""
    r = get(port, "/fanout_status", host=host)
    assert r.status == 200, r.status
    out = {}
    for line in r.text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, value = line.split()
        if name.startswith("fanout_node_"):
            out[name[len("fanout_"):]] = float(value)
            continue
        assert name.startswith("fanout_edge_"), line
        name = name[len("fanout_edge_"):]
        out[name[:-len("_total")] if name.endswith("_total") else name] = \
            float(value) if "." in value else int(value)
    return out


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

    def beat(self, uri, node, ip, port, period_ms=PERIOD_MS // 4,
             cpu=None, mem=None, viewers=None):
        """An origin heartbeating in the background until stopped; with
        cpu and mem, reporting that machine CPU % and memory % (and
        viewers)."""
        extra = [] if cpu is None else [str(cpu), str(mem)]
        if cpu is not None and viewers is not None:
            extra.append(str(viewers))
        p = subprocess.Popen([str(self.path), uri, "beat", node, ip, str(port),
                              str(period_ms)] + extra, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True)
        line = p.stdout.readline()
        assert line.strip() == "beat", "heartbeat loop did not start"
        return p


def build_store_tool(out):
    """Compiles nginx-module/tests/store_tool.c against the store library
    into out; a StoreTool."""
    assert STORE_LIB.exists(), f"{STORE_LIB} missing: run make build"
    libs = subprocess.run(["pkg-config", "--libs", "hiredis", "libmongoc-1.0",
                           "sqlite3"], capture_output=True, text=True,
                          check=True).stdout.split()
    subprocess.run(["gcc", "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-O1",
                    "-Wall", "-Wextra", "-Werror",
                    f"-I{ROOT / 'store' / 'include'}", str(STORE_TOOL_SRC),
                    str(STORE_LIB)] + libs + ["-lpthread", "-o", str(out)],
                   check=True)
    return StoreTool(out)


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


class Edge(Logs):
    """The edge: nginx with the module, running the shipped edge.conf."""

    def __init__(self, workdir, store_uri, name="edge", workers=1,
                 node_id="edge-test", origin_nodes=None, ttl="1s",
                 negative_ttl="500ms", update_period=f"{PERIOD_MS}ms",
                 reuseport=False,
                 extra_http="", extra_main=os.environ.get(
                     "FANOUT_EDGE_EXTRA_MAIN", ""), settings=None,
                 host="127.0.0.1"):
        self.prefix = workdir / name
        for sub in ("logs", "tmp", "cache"):
            (self.prefix / sub).mkdir(parents=True, exist_ok=True)
        self.host = host
        self.port = free_port(host)
        self.node_id = node_id
        conf = {
            "fanout_store": f'"{store_uri}"',
            "fanout_node_id": node_id,
            "fanout_node_address": f"{host}:{self.port}",
            "listen": f"{host}:{self.port}",
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
            conf["listen"] = f"{host}:{self.port} reuseport"
        self.conf.write_text(render_edge_conf(self.prefix, self.port, conf,
                                              workers, extra_http,
                                              extra_main))
        self.proc = None

    def test_config(self):
        return check_config(self.prefix, self.conf)

    def start(self):
        self.log = open(self.prefix / "logs" / "stderr.log", "ab")
        self.proc = subprocess.Popen(
            ["nginx", "-p", str(self.prefix), "-c", str(self.conf),
             "-e", str(self.prefix / "logs" / "error.log")],
            stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_port(self.port, self.host):
            raise AssertionError("edge did not start:\n" + self.error_log())
        return self

    def stop(self):
        stop_proc(self.proc, signal.SIGQUIT)
        self.proc = None

    def get(self, path, **kw):
        return get(self.port, path, host=self.host, **kw)

    def status(self):
        return edge_status(self.port, self.host)


    def crashed(self):
        """Alerts in the error log: worker crashes and the like (a worker
        a test killed on purpose with SIGKILL does not count)."""
        return [line for line in self.error_log().splitlines()
                if ("exited on signal" in line or "[alert]" in line)
                and "exited on signal 9" not in line]

    def worker_pids(self):
        return worker_pids(self.prefix)

    def reload(self):
        before = set(self.worker_pids())
        self.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: before.isdisjoint(self.worker_pids())
                 and self.worker_pids(), 10, interval=0.05,
                 what="new workers")


class LB(Logs):
    """The load balancer: nginx running the shipped lb-config/lb.conf,
    rendered as scripts/run.sh renders it, in front of the given edges
    (the upstream files written as fanout-lb-sync writes them).  admin:
    the CIDRs (comma-separated) that may reach REST and /metrics."""

    def __init__(self, workdir, edge_ports, name="lb", origin_ports=(),
                 admin="127.0.0.1"):
        self.prefix = workdir / name
        for sub in ("logs", "tmp"):
            (self.prefix / sub).mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.edge_ports = list(edge_ports)
        self.origin_ports = list(origin_ports)
        self.write_upstreams()
        tls = self.prefix / "tls"
        subprocess.run(["bash", str(ROOT / "lb-config" / "gen-cert.sh"),
                        str(tls), "localhost"], check=True,
                       capture_output=True)
        self.conf = self.prefix / "nginx.conf"
        subprocess.run(
            ["/usr/bin/python3", str(ROOT / "scripts" / "render_conf.py"),
             str(ROOT / "lb-config" / "lb.conf"), str(self.conf),
             "--set", "user=root", "--set", "worker_processes=1",
             "--sub", f"/run/nginx-lb.pid={self.prefix}/nginx.pid",
             "--sub", f"/var/log/nginx/={self.prefix}/logs/",
             "--sub", f"/etc/fanout/lb/={self.prefix}/",
             "--sub", f"/etc/fanout/tls/={tls}/",
             "--tag", f"HTTP=127.0.0.1:{self.port}",
             "--tag", f"HTTPS=127.0.0.1:{free_port()} ssl http2",
             "--tag", f"RTMP=127.0.0.1:{free_port()}",
             "--tag", f"RTMPS=127.0.0.1:{free_port()} ssl",
             "--each", f"admin={admin}",
             "--temp-dir", str(self.prefix / "tmp")], check=True)
        self.proc = None

    def write_upstreams(self):
        """upstreams-http.conf and upstreams-stream.conf as fanout-lb-sync
        renders them (lb-config/sync/render.c)."""
        def servers(ports):
            return "".join(f"    server 127.0.0.1:{p} max_fails=2 "
                           f"fail_timeout=5s;\n" for p in ports) \
                or "    server 127.0.0.1:9 down;\n"
        (self.prefix / "upstreams-http.conf").write_text(
            "upstream fanout_edges {\n    hash $remote_addr consistent;\n"
            + servers(self.edge_ports) + "    keepalive 32;\n}\n\n"
            "upstream fanout_origins {\n    least_conn;\n"
            + servers(self.origin_ports) + "    keepalive 32;\n}\n")
        (self.prefix / "upstreams-stream.conf").write_text(
            "upstream fanout_rtmp {\n    least_conn;\n"
            "    server 127.0.0.1:9 down;\n}\n")

    def start(self):
        self.log = open(self.prefix / "logs" / "stderr.log", "ab")
        self.proc = subprocess.Popen(
            ["nginx", "-p", str(self.prefix), "-c", str(self.conf),
             "-e", str(self.prefix / "logs" / "error.log"),
             "-g", "daemon off;"],
            stdout=self.log, stderr=subprocess.STDOUT)
        if not wait_port(self.port):
            raise AssertionError("lb did not start:\n" + self.error_log())
        return self

    def reload(self):
        """What fanout-lb-sync does: test, then nginx -s reload."""
        args = ["-p", str(self.prefix), "-c", str(self.conf),
                "-e", str(self.prefix / "logs" / "error.log")]
        subprocess.run(["nginx", "-t", "-q"] + args, check=True,
                       capture_output=True)
        subprocess.run(["nginx", "-s", "reload"] + args, check=True,
                       capture_output=True)

    def stop(self):
        stop_proc(self.proc, signal.SIGQUIT)
        self.proc = None

    def get(self, path, **kw):
        return get(self.port, path, **kw)

    def access_log(self):
        try:
            return (self.prefix / "logs" / "lb-access.log").read_text() \
                .splitlines()
        except OSError:
            return []


class ScriptedOrigin:
    """A tiny HTTP origin whose answers the test sets path by path (a real
    socket, for origins that misbehave: playlists that go back, 403s, slow
    answers); kill() closes it as kill -9 would (connections refused)."""

    def __init__(self):
        import http.server

        origin = self
        self.routes = {}            # path -> (status, content type, body)
        self.delays = {}            # path -> seconds before answering
        self.gates = {}             # path -> Event the answer waits for
        self.lengths = {}           # path -> Content-Length it claims
        self.counts = {}

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                path = self.path.split("?")[0]
                origin.counts[path] = origin.counts.get(path, 0) + 1
                time.sleep(origin.delays.get(path, 0))
                if path in origin.gates:
                    origin.gates[path].wait(30)
                status, ctype, body = origin.routes.get(
                    path, (404, "text/plain", b"no\n"))
                length = origin.lengths.get(path, len(body))
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(length))
                self.send_header("Cache-Control", "max-age=1")
                self.send_header("Access-Control-Allow-Origin", "*")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                if length != len(body):     # cut short: the end, now
                    self.close_connection = True

            do_HEAD = do_GET

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                                      Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever,
                         daemon=True).start()

    def set(self, path, body, status=200, ctype=None, length=None):
        """length: the Content-Length to claim, when not the body's (an
        answer cut short: the connection closes after the body)."""
        if length is not None:
            self.lengths[path] = length
        if ctype is None:
            ctype = "application/dash+xml" if path.endswith(".mpd") else \
                "application/vnd.apple.mpegurl" if path.endswith(".m3u8") \
                else "video/mp4"
        self.routes[path] = (status, ctype,
                             body.encode() if isinstance(body, str) else body)

    def gate(self, path):
        """path's answers wait (30 s at most) until the Event returned is
        set."""
        self.gates[path] = threading.Event()
        return self.gates[path]

    def requests(self, path):
        return self.counts.get(path, 0)

    def kill(self):
        self.server.shutdown()
        self.server.server_close()


def hls_playlist(seq, count=3, disc=0, session="a", ended=False,
                 stream="s1"):
    """A live media playlist: count segments from media sequence seq."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-TARGETDURATION:2",
             f"#EXT-X-MEDIA-SEQUENCE:{seq}",
             f"#EXT-X-DISCONTINUITY-SEQUENCE:{disc}"]
    for n in range(seq, seq + count):
        lines += ["#EXTINF:2.000,", f"{stream}/{session}-{n}.m4s"]
    if ended:
        lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def media_sequence(text):
    m = re.search(r"^#EXT-X-MEDIA-SEQUENCE:(\d+)", text, re.M)
    return int(m.group(1)) if m else None


def kill_nginx(nginx):
    """kill -9 of an Edge's (or LB's) master and every process it started
    (workers, cache manager, cache loader)."""
    for pid in [nginx.proc.pid] + child_pids(nginx.proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    nginx.proc.wait()
