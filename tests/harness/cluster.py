"""The whole local cluster as `make up` starts it (scripts/run.sh), and
the REST API read as tests and benchmarks need it."""
import json
import os
import pathlib
import re
import subprocess
import time

from . import BUILD, ROOT
from .jwt import hs256
from .net import free_port, http_get, wait_for
from .origin import Origin


# The REST token of each node a Cluster started (scripts/run.sh turns
# jwtControlEnabled on), by base URL: the api_* helpers send it.
_TOKENS = {}


def rest_jwt(key):
    """An HS256 JWT without exp, made here apart from the origin's code."""
    return hs256({"sub": "fanout-tests"}, key)


def rest_headers(base_url):
    token = _TOKENS.get(base_url.rstrip("/"))
    return {"Authorization": token} if token else {}


def api_broadcast(base_url, stream, app="LiveApp"):
    """The broadcast record from the REST API ({} when there is none)."""
    st, _, body = http_get(f"{base_url}/{app}/rest/v2/broadcasts/{stream}",
                           headers=rest_headers(base_url))
    return json.loads(body) if st == 200 else {}


def api_nodes(base_url):
    """Cluster nodes by id, from the REST API ({} when it fails)."""
    st, _, body = http_get(f"{base_url}/rest/v2/cluster/nodes/0/50",
                           headers=rest_headers(base_url))
    return {n["id"]: n for n in json.loads(body)} if st == 200 else {}


def served_again(log, mark, stream):
    """Whether an edge's access log, from byte `mark` on, has a 200 for the
    stream's HLS playlist and for its MPD (a restarted edge serves its
    viewers again, and has its last copies of both)."""
    with open(log, "rb") as f:
        f.seek(mark)
        text = f.read()
    return all(f"/{stream}{p} HTTP/1.1\" 200 ".encode() in text
               for p in (".m3u8", f"/{stream}.mpd"))


def playlist_sessions(base_url, stream, app="LiveApp"):
    """The publish sessions named by the HLS playlist's segments, or None."""
    st, _, body = http_get(f"{base_url}/{app}/streams/{stream}.m3u8",
                           timeout=3)
    if st != 200:
        return None
    return set(re.findall(rb"^" + re.escape(stream.encode())
                          + rb"/([0-9a-f]+)-\d+\.m4s$", body, re.M))


class Cluster:
    """The whole local cluster, started by the very script behind `make up`
    (scripts/run.sh), on loopback addresses of its own."""

    def __init__(self, workdir: pathlib.Path, store_uri: str, block: int,
                 period_ms=500, hls_time=2, origins=2, edges=2, demo=False,
                 ladder=None, play_signed=False):
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
                        DEMO="1" if demo else "0")
        if play_signed:             # players need signed URLs
            self.env["PLAY_SIGNED"] = "1"
        if ladder is not None:      # the origins' encoderSettingsString
            self.env["LADDER"] = ladder

    def script(self, *args, timeout=120):
        return subprocess.run(["bash", str(ROOT / "scripts" / "run.sh"),
                               *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def up(self):
        r = self.script("up")
        assert r.returncode == 0, r.stdout + r.stderr
        key = pathlib.Path(self.env["RUN_DIR"]) / "jwt.key"
        if key.exists():  # run.sh's REST JWT key
            self.token = rest_jwt(key.read_text().strip())
            for url in [self.url] + [self.origin_http(i)
                                     for i in range(len(self.origins))]:
                _TOKENS[url] = self.token
        return self

    def down(self):
        self.script("down")

    @property
    def url(self):
        return f"http://{self.lb}:{self.http_port}"

    def rtmp(self, app, stream):
        return f"rtmp://{self.lb}:{self.rtmp_port}/{app}/{stream}"

    def pid(self, name):
        """The pid of the node's latest start (restart() appends one)."""
        found = None
        for line in (self.workdir / "run" / "pids").read_text().splitlines():
            pid, n = line.split()
            if n == name:
                found = int(pid)
        if found is None:
            raise KeyError(name)
        return found

    def kill(self, name, sig=9):
        """SIGKILL a node and everything it started (nginx workers too)."""
        pid = self.pid(name)
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            pass

    def restart(self, name):
        """Starts a killed origin-N or edge-N again with the command and
        files scripts/run.sh gave it, as an operator would; recorded in
        run/pids, so `down` stops it too."""
        run = self.workdir / "run"
        if name.startswith("origin-"):
            cmd = [str(BUILD / "bin" / "fanout-origin"), "--config",
                   str(run / f"{name}.properties")]
        else:
            d = run / name
            cmd = ["nginx", "-g", "daemon off;", "-p", str(d), "-e",
                   str(d / "logs" / "error.log"), "-c", str(d / "nginx.conf")]
        with open(run / f"{name}.log", "ab") as log:
            p = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL,
                                 start_new_session=True)
        with open(run / "pids", "a") as pids:
            pids.write(f"{p.pid} {name}\n")
        return p

    def viewer_edge(self, stream, seconds=3.0):
        """The edge that served most of `stream`'s requests during the next
        `seconds` (from the edges' access logs), or None."""
        logs = {f"edge-{i + 1}": self.workdir / "run" / f"edge-{i + 1}"
                / "logs" / "access.log" for i in range(len(self.edges))}
        start = {n: p.stat().st_size if p.exists() else 0
                 for n, p in logs.items()}
        time.sleep(seconds)
        count = {}
        for n, p in logs.items():
            with open(p, "rb") as f:
                f.seek(start[n])
                count[n] = f.read().count(f" stream={stream} ".encode())
        best = max(count, key=count.get)
        return best if count[best] else None

    def lb_workers(self):
        """The pids of the LB nginx's worker processes (the master's
        children)."""
        pid = self.pid("lb")
        kids = pathlib.Path(f"/proc/{pid}/task/{pid}/children")
        return {int(k) for k in kids.read_text().split()}

    def lb_reloaded(self, old_workers, timeout=15):
        """Waits until none of `old_workers` is left: a reload is signalled
        at once but takes effect later, and until the old workers have
        closed their listeners they still take connections with the old
        upstreams."""
        return wait_for(lambda: (now := self.lb_workers())
                        and not now & old_workers, timeout)

    def add_origin(self, name, host):
        """Starts one more origin on this cluster's store and ports (it
        joins without anyone restarting anything)."""
        extra = {"http.port": self.http_port, "rtmp.port": self.rtmp_port}
        run = pathlib.Path(self.env["RUN_DIR"])
        if (run / "cluster.key").exists():  # run.sh's cluster secret
            extra["clusterCommunicationKey"] = \
                (run / "cluster.key").read_text().strip()
        if (run / "jwt.key").exists():  # and its REST JWT key
            extra["jwtControlEnabled"] = "true"
            extra["jwtSecretKey"] = (run / "jwt.key").read_text().strip()
            extra["http.trusted_proxies"] = f"127.0.0.1,{self.lb}"
        o = Origin(self.workdir, self.env["STORE_URI"], name=name, host=host,
                   period_ms=int(self.env["PERIOD_MS"]), extra=extra)
        o.http_port, o.rtmp_port = self.http_port, self.rtmp_port
        if getattr(self, "token", None):
            _TOKENS[o.http] = self.token
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
        st, _, body = http_get(
            f"{self.url}/{app}/rest/v2/broadcasts/list/0/50",
            headers=rest_headers(self.url))
        live = [b for b in json.loads(body)
                if b["status"] == "broadcasting"] if st == 200 else []
        return live if len(live) == n else None

    def log(self, name):
        p = self.workdir / "run" / f"{name}.log"
        return p.read_text(errors="replace") if p.exists() else ""
