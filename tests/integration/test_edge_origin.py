"""End to end with the real origin: ffmpeg publishes over RTMP to
fanout-origin, which claims the stream in the store; viewers play HLS and
DASH through the edge (the shipped edge.conf) with ffprobe.  When the
publish moves to another origin, the edge follows."""
import re
import time

import pytest

import conftest
from test_edge_harness import (  # noqa: F401  (fixtures)
    edges, get, wait_for)

ORIGIN_BIN = conftest.BUILD / "bin" / "fanout-origin"
Origin = getattr(conftest, "Origin", None)
Publisher = getattr(conftest, "Publisher", None)

pytestmark = pytest.mark.skipif(
    not ORIGIN_BIN.exists() or Origin is None or Publisher is None,
    reason="fanout-origin not built (or its test helpers are missing)")

# The origins' liveness settings (conftest.Origin: period 500 ms, factor 4);
# the edge must judge liveness the same way.
EDGE_OPTS = "update_period_ms=500&dead_factor=4&timeout_ms=1000"


def ffprobe_codecs(url):
    info = conftest.ffprobe(url)
    return sorted(s["codec_name"] for s in info["streams"])


def playlist_ready(edge, stream, segments=3):
    r = get(edge.port, f"/LiveApp/streams/{stream}.m3u8")
    if r.status == 200 and len(re.findall(r"#EXTINF", r.text)) >= segments:
        return r.text
    return None


@pytest.fixture
def cluster(tmpdir_path):
    """Two origins on one SQLite store; stopped afterwards."""
    uri = f"sqlite://{tmpdir_path}/cluster.db"
    made = []

    def origin(name):
        o = Origin(tmpdir_path, uri, name=name).start()
        made.append(o)
        return o

    yield uri, origin
    for o in made:
        o.stop()


def test_publish_to_origin_play_through_edge(cluster, edges, tmpdir_path):
    uri, origin = cluster
    o1 = origin("origin-1")
    edge = edges(f"{uri}?{EDGE_OPTS}", workers=2)
    pub = Publisher(o1.rtmp("LiveApp", "cam1"), tmpdir_path).start()
    try:
        text = wait_for(lambda: playlist_ready(edge, "cam1"), 30)
        assert text, "no playlist through the edge; origin log:\n" + \
            o1.log_text()[-3000:]

        base = f"http://127.0.0.1:{edge.port}/LiveApp/streams"
        before, t0 = edge.status(), time.monotonic()
        assert ffprobe_codecs(f"{base}/cam1.m3u8") == ["aac", "h264"]
        assert ffprobe_codecs(f"{base}/cam1/cam1.mpd") == ["aac", "h264"]
        after, took = edge.status(), time.monotonic() - t0
        # Playback asks the store about once per TTL (1 s), not per request.
        requests = after["requests"] - before["requests"]
        lookups = after["store_lookups"] - before["store_lookups"]
        assert requests >= 6 and lookups <= took / 1.0 + 2, (after, took)

        # A segment is fetched from the origin once, then served cached.
        seg = re.search(r"^(cam1/\S+\.m4s)$", text, re.M).group(1)
        first = get(edge.port, f"/LiveApp/streams/{seg}")
        again = get(edge.port, f"/LiveApp/streams/{seg}")
        assert first.status == again.status == 200
        assert first.body == again.body and len(first.body) > 1000
        assert again.headers.get("x-cache-status") == "HIT"

        st = edge.status()
        assert st["store_found"] >= 1 and st["mapped"] == 1, st
    finally:
        pub.stop()


def test_edge_follows_a_publish_to_another_origin(cluster, edges,
                                                  tmpdir_path):
    uri, origin = cluster
    o1, o2 = origin("origin-1"), origin("origin-2")
    # a short grace and final answer (test_edge_players.py has the defaults)
    edge = edges(f"{uri}?{EDGE_OPTS}",
                 settings={"fanout_playlist_grace": "1s",
                           "fanout_playlist_final": "1s"})
    pub = Publisher(o1.rtmp("LiveApp", "cam2"), tmpdir_path,
                    name="pub1").start()
    try:
        assert wait_for(lambda: playlist_ready(edge, "cam2"), 30)
        line = [ln for ln in edge.access_log() if "stream=cam2" in ln][-1]
        assert f"origin=127.0.0.1:{o1.http_port}" in line, line

        # Unpublish: the origin releases the stream; after the grace and
        # the final playlist, the edge answers 404.
        pub.stop()
        assert wait_for(lambda: get(edge.port, "/LiveApp/streams/cam2.m3u8")
                        .status == 404, 15), "still served after unpublish"

        # Publish again on origin-2: the edge follows.
        pub = Publisher(o2.rtmp("LiveApp", "cam2"), tmpdir_path,
                        name="pub2").start()
        assert wait_for(lambda: playlist_ready(edge, "cam2", 2), 30)
        line = [ln for ln in edge.access_log() if "stream=cam2" in ln][-1]
        assert f"origin=127.0.0.1:{o2.http_port}" in line, line
        base = f"http://127.0.0.1:{edge.port}/LiveApp/streams"
        assert ffprobe_codecs(f"{base}/cam2.m3u8") == ["aac", "h264"]
    finally:
        pub.stop()


def cache_file_of(edge, uri):
    """The edge's proxy_cache file whose key ends with uri."""
    for f in (edge.prefix / "cache").rglob("*"):
        if f.is_file() and f"{uri}\n".encode() in f.read_bytes()[:2048]:
            return f
    return None


def test_cached_segment_body_is_page_aligned(cluster, edges, tmpdir_path):
    """The module tells the origin where its answer lands in the cache file
    (X-Fanout-Cache-Offset); the origin pads its header block so that the
    segment's body starts on a page boundary there.  Viewers never see the
    padding."""
    uri, origin = cluster
    o1 = origin("origin-1")
    edge = edges(f"{uri}?{EDGE_OPTS}")
    pub = Publisher(o1.rtmp("LiveApp", "cam3"), tmpdir_path).start()
    try:
        text = wait_for(lambda: playlist_ready(edge, "cam3"), 30)
        assert text
        seg = re.search(r"^(cam3/\S+\.m4s)$", text, re.M).group(1)
        path = f"/LiveApp/streams/{seg}"
        first, again = get(edge.port, path), get(edge.port, path)
        assert first.status == again.status == 200
        assert again.headers.get("x-cache-status") == "HIT"
        assert first.body == again.body
        assert len(first.body) >= 16 * 1024, "segment below the padding size"
        for r in (first, again):
            assert not any(h.startswith("x-fanout") for h in r.headers), \
                r.headers

        f = wait_for(lambda: cache_file_of(edge, path), 5)
        assert f, "no cache file for " + path
        data = f.read_bytes()
        offset = len(data) - len(first.body)
        assert data[offset:] == first.body
        assert offset % 4096 == 0, f"body at {offset} in {f}"
        assert b"\r\nX-Fanout-Pad: ppp" in data[:offset]

        # The playlist is too small to pad.
        pl = cache_file_of(edge, "/LiveApp/streams/cam3.m3u8")
        assert pl and b"X-Fanout-Pad" not in pl.read_bytes()
    finally:
        pub.stop()
