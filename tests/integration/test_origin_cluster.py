"""Two origins sharing one store: membership, death by silence, reaping,
republishing elsewhere, and riding out a store outage."""
import json
import re
import signal
import time

import pytest

from conftest import ORIGIN_BIN, Origin, Publisher, http_get, wait_for

pytestmark = pytest.mark.skipif(not ORIGIN_BIN.exists(),
                                reason="fanout-origin not built")

PERIOD_MS = 500          # dead after 4 x 500 ms = 2 s


def nodes(o):
    st, _, body = http_get(f"{o.http}/rest/v2/cluster/nodes/0/50")
    assert st == 200, body
    return {n["id"]: n for n in json.loads(body)}


def status_of(o, stream):
    st, _, body = http_get(f"{o.http}/LiveApp/rest/v2/broadcasts/{stream}")
    return json.loads(body)["status"] if st == 200 else None


def media_sequence(o, stream):
    st, _, body = http_get(f"{o.http}/LiveApp/streams/{stream}.m3u8")
    if st != 200:
        return None
    m = re.search(rb"#EXT-X-MEDIA-SEQUENCE:(\d+)", body)
    return int(m.group(1)) if m else None


@pytest.fixture(params=["sqlite", "redis"])
def store_uri(request, tmpdir_path):
    if request.param == "sqlite":
        yield f"sqlite://{tmpdir_path}/cluster.db"
    else:
        redis = request.getfixturevalue("redis_server")
        yield redis.uri


def test_dead_origin_is_marked_and_its_stream_moves(tmpdir_path, store_uri):
    a = Origin(tmpdir_path, store_uri, name="origin-a", host="127.0.0.1",
               period_ms=PERIOD_MS).start()
    b = Origin(tmpdir_path, store_uri, name="origin-b", host="127.0.0.2",
               period_ms=PERIOD_MS).start()
    pub = Publisher(a.rtmp("LiveApp", "moving"), tmpdir_path, name="a")
    try:
        assert wait_for(lambda: {"origin-a", "origin-b"} <= set(nodes(b)), 5)
        pub.start()
        assert wait_for(lambda: status_of(b, "moving") == "broadcasting", 15)
        # While A lives, B refuses the same stream.
        late = Publisher(b.rtmp("LiveApp", "moving"), tmpdir_path,
                         seconds=3, name="late").start()
        assert late.wait(30) != 0

        a.stop(sig=signal.SIGKILL)
        pub.stop()
        t0 = time.monotonic()
        assert wait_for(lambda: nodes(b)["origin-a"]["status"] == "dead", 5)
        dead_after = time.monotonic() - t0
        assert wait_for(lambda: status_of(b, "moving") == "finished", 5)
        print(f"origin-a dead after {dead_after:.2f} s (limit 2 s + period)")

        # The publisher comes back on B.
        pub2 = Publisher(b.rtmp("LiveApp", "moving"), tmpdir_path,
                         name="b").start()
        try:
            assert wait_for(lambda: media_sequence(b, "moving") is not None,
                            15), b.log_text()[-2000:]
            st, _, body = http_get(
                f"{b.http}/LiveApp/rest/v2/broadcasts/moving")
            assert json.loads(body)["originAdress"] == "127.0.0.2"
        finally:
            pub2.stop()
    finally:
        pub.stop()
        a.stop()
        b.stop()


def test_store_outage_does_not_stop_a_live_stream(tmpdir_path, redis_server):
    o = Origin(tmpdir_path, redis_server.uri + "?timeout_ms=300"
               "&connect_timeout_ms=300", name="origin-a",
               period_ms=PERIOD_MS).start()
    pub = Publisher(o.rtmp("LiveApp", "steady"), tmpdir_path).start()
    try:
        assert wait_for(lambda: status_of(o, "steady") == "broadcasting", 15)
        redis_server.stop()
        before = wait_for(lambda: media_sequence(o, "steady"), 5)
        time.sleep(4)           # the outage itself: 8 heartbeat periods
        after = media_sequence(o, "steady")
        assert after is not None and after > before, "stream stalled"
        assert o.log_text().count("store unreachable") == 1
        # The store returns (empty: it kept nothing): state converges.
        redis_server.start()
        assert wait_for(lambda: status_of(o, "steady") == "broadcasting",
                        10), o.log_text()[-3000:]
        assert wait_for(lambda: "origin-a" in nodes(o), 5)
        assert "store reachable again" in o.log_text()
    finally:
        pub.stop()
        o.stop()


def test_clean_shutdown_finishes_streams_and_leaves(tmpdir_path):
    uri = f"sqlite://{tmpdir_path}/cluster.db"
    a = Origin(tmpdir_path, uri, name="origin-a", period_ms=PERIOD_MS).start()
    b = Origin(tmpdir_path, uri, name="origin-b", host="127.0.0.2",
               period_ms=PERIOD_MS).start()
    pub = Publisher(a.rtmp("LiveApp", "bye"), tmpdir_path).start()
    try:
        assert wait_for(lambda: status_of(b, "bye") == "broadcasting", 15)
        a.stop()                               # SIGTERM
        assert status_of(b, "bye") == "finished"
        assert "origin-a" not in nodes(b)
    finally:
        pub.stop()
        a.stop()
        b.stop()
