"""Egress bitrate end to end (issue #15, the console Overview's egress):
ffmpeg publishes to a real fanout-origin, the test pulls the stream's HLS
playlist and segments through a real nginx edge (the shipped edge.conf)
for several heartbeat periods, and GET /rest/v2/cluster/nodes reports

- the edge's egressBitrate close to what the test itself downloaded over
  the same time (within a factor of 3: the edge counts response headers
  too, and the figure spans the last 5 s), and
- the origin's egressBitrate, what its HTTP server sent: the edge's cache
  misses, each segment once (and the playlists, and the test's REST
  polls), so close to the bytes of the distinct segments the test got
  over the same time (within a factor of 3: segments arrive in bursts,
  one per hlsTime, and the figure spans the last 5 s);

and once the pulling stops, the edge's egress falls back to 0.  Both nodes
heartbeat every 1 s into one SQLite store.  Loopback addresses
127.0.160.x."""
import json
import re
import threading
import time

import pytest

import conftest
from harness.cluster import rest_headers
from test_edge_harness import edges  # noqa: F401  (fixture)

ORIGIN_HOST, EDGE_HOST = "127.0.160.1", "127.0.160.2"
PERIOD_MS = 1000
WINDOW_S = 5  # kEgressWindowMs, the edge's 5 s: what egressBitrate spans
STORE_OPTS = f"update_period_ms={PERIOD_MS}&dead_factor=4&timeout_ms=1000"
PULL_S = 12.0

pytestmark = pytest.mark.skipif(
    not conftest.ORIGIN_BIN.exists() or not conftest.MODULE.exists(),
    reason="fanout-origin or the edge module not built")


class Puller:
    """A player's requests, faster than real time: the playlist, then every
    segment it names (and the init segment), again and again, each body
    read to its end.  bytes and elapsed say what it downloaded."""

    def __init__(self, edge, stream):
        self.base = f"http://{edge.host}:{edge.port}/LiveApp/streams/"
        self.stream = stream
        self.bytes = 0
        self.requests = 0
        self.segments = {}  # name -> size: what the origin sent once
        self.errors = []
        self.started = self.stopped = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _get(self, name):
        status, _, body = conftest.http_get(self.base + name, timeout=5)
        self.bytes += len(body)
        self.requests += 1
        if status != 200:
            self.errors.append((name, status))
        return body

    def _run(self):
        while not self._stop.is_set():
            playlist = self._get(f"{self.stream}.m3u8").decode(errors="replace")
            names = re.findall(r'URI="([^"]+)"', playlist)
            names += [ln for ln in playlist.splitlines()
                      if ln and not ln.startswith("#")]
            for name in names:
                self.segments[name] = len(self._get(name))
            self._stop.wait(0.1)

    def start(self):
        self.started = time.monotonic()
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=15)
        self.stopped = time.monotonic()

    @property
    def bps(self):
        return self.bytes * 8 / (self.stopped - self.started)

    @property
    def distinct_bps(self):
        return sum(self.segments.values()) * 8 / (self.stopped - self.started)


def nodes(origin):
    status, _, body = conftest.http_get(
        f"{origin.http}/rest/v2/cluster/nodes/0/50",
        headers=rest_headers(origin.http))
    assert status == 200, (status, body[:300])
    return {n["id"]: n for n in json.loads(body)}


def ready(edge, stream):
    status, _, body = conftest.http_get(
        f"http://{edge.host}:{edge.port}/LiveApp/streams/{stream}.m3u8")
    return status == 200 and body.count(b"#EXTINF") >= 3


def test_edge_and_origin_report_egress(tmpdir_path, edges):  # noqa: F811
    uri = f"sqlite://{tmpdir_path}/cluster.db"
    origin = conftest.Origin(tmpdir_path, uri, name="origin-e",
                             host=ORIGIN_HOST, period_ms=PERIOD_MS).start()
    pub = None
    try:
        edge = edges(f"{uri}?{STORE_OPTS}", host=EDGE_HOST, node_id="edge-e",
                     update_period=f"{PERIOD_MS}ms")
        pub = conftest.Publisher(origin.rtmp("LiveApp", "egress1"),
                                 tmpdir_path).start()
        conftest.wait_for(lambda: ready(edge, "egress1"), 30,
                          what="three segments through the edge")
        # Nobody has pulled yet: both nodes are listed, the edge idle.
        listed = conftest.wait_for(
            lambda: (lambda n: n if {"origin-e", "edge-e"} <= n.keys()
                     and n["edge-e"]["egressBitrate"] < 50000 else None)(
                nodes(origin)), 10)
        assert listed, nodes(origin)
        assert isinstance(listed["edge-e"]["egressBitrate"], int)

        puller = Puller(edge, "egress1").start()
        edge_bps, origin_bps = [], []
        deadline = time.monotonic() + PULL_S
        # A node's figure spans at least the last 5 s (RateWindow): start
        # reading once that much of it is pulling.
        time.sleep(WINDOW_S + 1.5 * PERIOD_MS / 1000)
        while time.monotonic() < deadline:
            n = nodes(origin)
            edge_bps.append(n["edge-e"]["egressBitrate"])
            origin_bps.append(n["origin-e"]["egressBitrate"])
            time.sleep(PERIOD_MS / 1000)
        puller.stop()

        got, distinct = puller.bps, puller.distinct_bps
        print(f"\ntest downloaded {puller.bytes} bytes in {puller.requests} "
              f"requests: {got / 1e6:.2f} Mbit/s, of which distinct "
              f"segments {distinct / 1e6:.3f} Mbit/s (ingest "
              f"{ingest(origin) / 1e6:.3f} Mbit/s); edge egressBitrate "
              f"samples {edge_bps}; origin {origin_bps}")
        assert not puller.errors, puller.errors[:5]
        assert got > 1e6, got   # the pulling itself worked
        edge_mid = sorted(edge_bps)[len(edge_bps) // 2]
        assert got / 3 <= edge_mid <= got * 3, (got, edge_bps)
        # The origin sent the edge each new segment once (the test's REST
        # polls add a few kB per second).
        origin_mean = sum(origin_bps) / len(origin_bps)
        assert max(origin_bps) > 0, origin_bps
        assert distinct / 3 <= origin_mean <= distinct * 3, (distinct,
                                                             origin_bps)

        # Stopped: once its window holds no pulling, the edge sent nothing.
        assert conftest.wait_for(
            lambda: nodes(origin)["edge-e"]["egressBitrate"] == 0,
            WINDOW_S + 4 * PERIOD_MS / 1000), nodes(origin)["edge-e"]
    finally:
        if pub:
            pub.stop()
        origin.stop()


def ingest(origin):
    """The stream's measured ingest rate (the broadcast's bitrate)."""
    status, _, body = conftest.http_get(
        f"{origin.http}/LiveApp/rest/v2/broadcasts/egress1",
        headers=rest_headers(origin.http))
    assert status == 200, body[:300]
    return json.loads(body)["bitrate"]
