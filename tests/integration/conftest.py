"""Shared fixtures for integration tests: real processes on loopback."""
import os
import pathlib
import shutil
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
