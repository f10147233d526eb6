"""Shared fixtures for integration tests: real processes on loopback.

The processes and helpers are tests/harness's (one harness for the tests
and the benchmarks); the names test modules import from here are
re-exported below.
"""
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from harness import BUILD, MODULE, ORIGIN_BIN, ROOT  # noqa: E402,F401
from harness.net import (free_port, http_get, require_port,  # noqa: E402,F401
                         wait_for, wait_port)
from harness.cluster import (Cluster, api_broadcast,  # noqa: E402,F401
                             api_nodes, playlist_sessions)
from harness.nginx import check_config, make_prefix, module_conf  # noqa: E402
from harness.origin import (LoopPublisher, Origin,  # noqa: E402,F401
                            Publisher)
from harness.proc import stop_all, stop_proc  # noqa: E402,F401
from harness.redis import Redis  # noqa: E402


@pytest.fixture
def tmpdir_path():
    d = tempfile.mkdtemp(prefix="fanout-it-")
    yield pathlib.Path(d)
    shutil.rmtree(d, ignore_errors=True)


class Nginx:
    """An nginx with our module, in its own prefix directory, for nginx -t
    of the module's own directives (harness.nginx.module_conf)."""

    def __init__(self, prefix: pathlib.Path):
        self.prefix = make_prefix(prefix, ("logs", "tmp"))
        self.proc = None

    def write_conf(self, http_body: str, main: str = ""):
        conf = self.prefix / "nginx.conf"
        conf.write_text(module_conf(self.prefix, http_body, main))
        return conf

    def test_config(self):
        return check_config(self.prefix, self.prefix / "nginx.conf")


@pytest.fixture
def origin(tmpdir_path):
    """One origin on an SQLite store of its own."""
    o = Origin(tmpdir_path, f"sqlite://{tmpdir_path}/cluster.db").start()
    yield o
    o.stop()


def ffprobe(url, timeout=60):
    r = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json",
                        "-show_format", "-show_streams", url],
                       capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"ffprobe {url}: {r.stderr}"
    return json.loads(r.stdout)


@pytest.fixture
def redis_server(tmpdir_path):
    r = Redis(tmpdir_path).start()
    yield r
    r.stop()
