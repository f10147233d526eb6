"""Loopback ports, HTTP, and waiting on a condition with a deadline."""
import socket
import time
import urllib.error
import urllib.request


def free_port(host="127.0.0.1"):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_port(port, host="127.0.0.1", timeout=10.0):
    """True once something accepts on host:port, False after timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def require_port(port, host="127.0.0.1", timeout=10.0):
    """wait_port, raising when nothing listens in time (benchmarks)."""
    if not wait_port(port, host, timeout):
        raise RuntimeError(f"nothing listens on {host}:{port}")


def wait_for(pred, timeout=15.0, interval=0.1, what=None):
    """pred()'s first true value within timeout seconds.  On timeout: with
    `what`, an AssertionError naming it; without, pred()'s last value (for
    `assert wait_for(...)`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    if what is not None:
        raise AssertionError(f"timed out after {timeout}s waiting for {what}")
    return pred()


def http_get(url, timeout=5.0, headers=None, method="GET", body=None):
    """(status, headers, body bytes) — never raises on HTTP errors."""
    req = urllib.request.Request(url, data=body, method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()
