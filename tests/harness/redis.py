"""redis-server on loopback, stoppable and restartable."""
import signal
import subprocess

from .net import free_port, wait_port
from .proc import stop_proc


class Redis:
    """A real redis-server on 127.0.0.1, no persistence."""

    def __init__(self, workdir):
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
