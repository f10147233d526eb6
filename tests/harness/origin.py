"""fanout-origin and what stands in for it or feeds it: the origin
process, an nginx origin stub serving files a test writes, and ffmpeg
publishers."""
import os
import pathlib
import shutil
import signal
import subprocess

from . import ORIGIN_BIN
from .net import free_port, http_get, wait_port
from .nginx import origin_stub_conf
from .proc import stop_proc


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

    def metric(self, name, labels=""):
        """The value of `name{labels}` on its /metrics, or None."""
        st, _, body = http_get(f"{self.http}/metrics", timeout=2)
        assert st == 200, st
        key = name + labels + " "
        for line in body.decode().splitlines():
            if line.startswith(key):
                return float(line[len(key):].split()[0])
        return None

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
        (p / "nginx.conf").write_text(origin_stub_conf(p, self.port,
                                                        self.www))
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
