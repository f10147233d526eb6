"""Abuse, bounded in count and time, on loopback (#14): while each of

  - 2,000 idle TCP connections to the HTTP port,
  - slowloris clients (a header byte every 300 ms),
  - RTMP clients that never finish the handshake (a byte every 300 ms),
  - a flood of publishes with bad tokens,

goes on, a normal publisher keeps publishing and a normal viewer keeps
getting its playlist and newest segment; the viewer's latency is printed
for each.  The abusers come from their own address (127.0.24.9), the
viewer from another (127.0.24.2), as on the internet.  One origin, about
45 s."""
import http.client
import resource
import socket
import statistics
import subprocess
import threading
import time
import urllib.request

import pytest

from conftest import ORIGIN_BIN, LoopPublisher, Origin, wait_for

pytestmark = pytest.mark.skipif(not ORIGIN_BIN.exists(),
                                reason="fanout-origin not built")

HOST = "127.0.24.1"
VIEWER = "127.0.24.2"
ABUSER = "127.0.24.9"
STREAM = "abuse"
HASH_SECRET = "abuse-test-hash-secret-0123456789"
TIMEOUT_S = 3  # the origin's fixed deadlines below

# 2,000 sockets here and as many in the origin (which inherits this).
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (min(_hard, 8192), _hard))


@pytest.fixture(scope="module")
def origin(tmp_path_factory):
    d = tmp_path_factory.mktemp("abuse")
    o = Origin(d, f"sqlite://{d}/cluster.db", host=HOST, extra={
        "apps": "LiveApp,Locked",
        "http.header_timeout_ms": TIMEOUT_S * 1000,
        "rtmp.handshake_timeout_ms": TIMEOUT_S * 1000,
    }).start()
    pub = LoopPublisher(o.rtmp("LiveApp", STREAM), d, "normal-pub")
    ok = wait_for(lambda: segments(o) >= 3, 30)
    assert ok, o.log_text()
    yield o
    pub.stop()
    o.stop()


def get(o, path, timeout=5):
    """(status, body, seconds) from the viewer's own address."""
    t0 = time.monotonic()
    c = http.client.HTTPConnection(HOST, o.http_port, timeout=timeout,
                                   source_address=(VIEWER, 0))
    try:
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        return r.status, body, time.monotonic() - t0
    except OSError:
        return 0, b"", time.monotonic() - t0
    finally:
        c.close()


def segments(o):
    """The playlist's media sequence + listed segments (0: none)."""
    st, body, _ = get(o, f"/LiveApp/streams/{STREAM}.m3u8")
    if st != 200:
        return 0
    seq = int(body.split(b"#EXT-X-MEDIA-SEQUENCE:")[1].split(b"\n")[0])
    return seq + body.count(b"#EXTINF")


class Viewer(threading.Thread):
    """Polls the playlist and fetches its newest segment every 250 ms."""

    def __init__(self, o):
        super().__init__(daemon=True)
        self.o, self.stop_at = o, None
        self.latencies, self.failures = [], []

    def run(self):
        while self.stop_at is None or time.monotonic() < self.stop_at:
            st, body, dt = get(self.o, f"/LiveApp/streams/{STREAM}.m3u8")
            self.latencies.append(dt)
            if st != 200:
                self.failures.append(("playlist", st))
            else:
                uri = [ln for ln in body.decode().splitlines()
                       if ln and not ln.startswith("#")][-1]
                st, seg, dt = get(self.o, f"/LiveApp/streams/{uri}")
                self.latencies.append(dt)
                if st != 200 or len(seg) < 100:
                    self.failures.append((uri, st))
            time.sleep(0.25)


def during(o, name, abuse, seconds=6):
    """Runs abuse() (which returns when its abuse is over) with a viewer
    and the publisher watched; returns the viewer."""
    before = segments(o)
    v = Viewer(o)
    v.start()
    abuse()
    v.stop_at = time.monotonic() + seconds
    v.join(timeout=seconds + 10)
    after = segments(o)
    lat = sorted(v.latencies)
    print(f"[{name}] viewer: {len(lat)} requests, p50 "
          f"{statistics.median(lat) * 1000:.1f} ms, max "
          f"{lat[-1] * 1000:.1f} ms, failures {len(v.failures)}; "
          f"publisher: segments {before} -> {after}", flush=True)
    assert not v.failures, f"{name}: {v.failures[:5]}"
    assert after > before, f"{name}: the publisher's stream stopped"
    assert lat[-1] < 2.0, f"{name}: a viewer request took {lat[-1]:.2f} s"
    return v


def connect(port, n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind((ABUSER, 0))
        s.settimeout(5)
        try:
            s.connect((HOST, port))
        except OSError:
            s.close()
            continue
        socks.append(s)
    return socks


def closed_by_server(s, deadline):
    """True once the origin closed s (EOF, reset, or a send that fails)."""
    s.settimeout(max(0.05, deadline - time.monotonic()))
    try:
        return s.recv(4096) == b""
    except socket.timeout:
        return False
    except OSError:
        return True


def test_idle_connections(origin):
    socks = []

    def abuse():
        socks.extend(connect(origin.http_port, 2000))
        time.sleep(TIMEOUT_S + 1)  # each is closed at the fixed deadline

    during(origin, "2000 idle connections", abuse)
    deadline = time.monotonic() + 3
    still = [s for s in socks if not closed_by_server(s, deadline)]
    for s in socks:
        s.close()
    assert len(socks) >= 1000
    assert not still, f"{len(still)} idle connections left open"


def trickled(o, name, port, n, first):
    """n connections from the abuser that send `first`, then a byte every
    300 ms, never finishing; each must be closed at the origin's fixed
    deadline while a viewer and the publisher go on."""
    socks = []
    stop = threading.Event()

    def trickle():
        for s in socks:
            s.send(first)
        while not stop.wait(0.3):
            for s in socks:
                try:
                    s.send(b"a")
                except OSError:
                    pass

    def abuse():
        socks.extend(connect(port, n))
        threading.Thread(target=trickle, daemon=True).start()
        time.sleep(TIMEOUT_S + 1)

    during(o, name, abuse)
    deadline = time.monotonic() + 3
    open_ = [s for s in socks if not closed_by_server(s, deadline)]
    stop.set()
    for s in socks:
        s.close()
    assert len(socks) == n and not open_, f"{name}: {len(open_)} still open"


def test_slowloris(origin):
    trickled(origin, "slowloris", origin.http_port, 20,
             b"GET /LiveApp/streams/x.m3u8 HTTP/1.1\r\nX-Slow: ")


def test_rtmp_handshake_never_finished(origin):
    # C0 and a part of C1
    trickled(origin, "RTMP handshakes never finished", origin.rtmp_port, 50,
             b"\x03" + b"\0" * 100)


def refusals(o):
    with urllib.request.urlopen(f"{o.http}/metrics", timeout=5) as r:
        text = r.read().decode()
    return sum(int(float(ln.split()[-1])) for ln in text.splitlines()
               if ln.startswith("fanout_publish_token_refusals_total{"))


def test_bad_token_publish_flood(origin):
    body = (b'{"hashControlPublishEnabled": true, "tokenHashSecret": "'
            + HASH_SECRET.encode() + b'"}')
    req = urllib.request.Request(
        f"{origin.http}/rest/v2/applications/settings/Locked", data=body,
        method="PUT", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        assert r.status == 200
    before = refusals(origin)

    def publish(i):
        return subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin",
             "-f", "lavfi", "-i", "testsrc=size=160x120:rate=10", "-t", "2",
             "-c:v", "libx264", "-preset", "ultrafast", "-f", "flv",
             origin.rtmp("Locked", f"flood{i}") + "?token=bad"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def abuse():
        for batch in range(5):
            procs = [publish(batch * 5 + i) for i in range(5)]
            for p in procs:
                p.wait(timeout=30)

    during(origin, "bad-token publish flood", abuse)
    assert refusals(origin) - before >= 25
