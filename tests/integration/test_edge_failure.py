"""The edge's failure policy with a Redis store: a stopped store (stale
mappings, fanout_origin_nodes, 503), a slow store (cached streams are not
delayed), many viewers at once (one lookup, one origin fetch), failing
origins (one retry, no loop), a worker dying mid-lookup, and reloads."""
import os
import signal
import threading
import time

from conftest import free_port
from test_edge_harness import (  # noqa: F401  (fixtures)
    STORE_OPTS, beats, edges, live, origin_tag, origins, parallel_get,
    slow_proxy, store_tool, stop_proc, wait_for)

APP = "LiveApp"



def test_stopped_store_keeps_live_streams_on_their_mapping(
        redis_server, store_tool, origins, edges, beats):
    uri = redis_server.uri_with(STORE_OPTS, connect_timeout_ms=200,
                                timeout_ms=500)
    o1 = origins("o1")
    beat = beats(live(store_tool, uri, o1, "s1", "sessA"))
    edge = edges(uri, ttl="200ms", negative_ttl="200ms")
    assert origin_tag(edge.get("/LiveApp/streams/s1.m3u8")) == "o1"
    redis_server.stop(signal.SIGKILL)
    stop_proc(beat)

    # Well past the TTL, the stream keeps being served from o1.
    deadline = time.monotonic() + 2.5
    n = 0
    while time.monotonic() < deadline:
        for path in ("/LiveApp/streams/s1.m3u8",
                     f"/LiveApp/streams/s1/sessA-{n % 3 + 1}.m4s"):
            r = edge.get(path)
            assert r.status == 200 and origin_tag(r) == "o1", (path, r.status)
        n += 1
        time.sleep(0.05)

    st = edge.status()
    assert st["store_errors"] >= 2 and st["stale"] >= 2, st
    # Retried at most once per negative TTL, not once per request.
    assert st["store_lookups"] <= 2.5 / 0.2 + 3, st
    assert "store lookup failed" in edge.error_log()

    # A stream the edge never saw: nothing to fall back on -> 503.
    r = edge.get("/LiveApp/streams/other.m3u8")
    assert r.status == 503 and r.headers.get("retry-after") == "1"


def test_origin_nodes_when_store_is_down_and_nothing_is_known(
        store_tool, origins, edges):
    o0, o1 = origins("o0"), origins("o1")
    o1.publish(APP, "s1", "sessA")          # o0 does not have s1
    dead = f"redis://127.0.0.1:{free_port()}/0?connect_timeout_ms=200"
    edge = edges(dead, origin_nodes=[o0.address, o1.address])
    for _ in range(4):
        r = edge.get("/LiveApp/streams/s1.m3u8")
        assert r.status == 200 and origin_tag(r) == "o1", r.status
    r = edge.get("/LiveApp/streams/s1/sessA-1.m4s")
    assert r.status == 200 and origin_tag(r) == "o1"
    st = edge.status()
    assert st["fallbacks"] >= 5 and st["store_errors"] >= 1, st
    assert any("lookup=FALLBACK" in line for line in edge.access_log())
    # Round robin sent some requests to o0, whose 404 moved them on to o1.
    assert o0.requests("/LiveApp/streams/s1.m3u8") >= 1
    assert any("retry=1" in line for line in edge.access_log())


def test_no_origin_nodes_and_store_down_is_503(edges):
    dead = f"redis://127.0.0.1:{free_port()}/0?connect_timeout_ms=200"
    edge = edges(dead, negative_ttl="2500ms")
    r = edge.get("/LiveApp/streams/s1.m3u8")
    assert r.status == 503 and r.headers.get("retry-after") == "3"
    assert edge.status()["unavailable"] == 1


def test_slow_store_does_not_delay_cached_streams(
        redis_server, store_tool, origins, edges, beats, slow_proxy):
    direct = redis_server.uri_with(STORE_OPTS)
    o1 = origins("o1")
    beats(live(store_tool, direct, o1, "s1", "sessA"))
    beats(live(store_tool, direct, o1, "s2", "sessB", node="o1b"))
    edge = edges(slow_proxy.uri, ttl="300ms", workers=2)
    for path in ("/LiveApp/streams/s1.m3u8",
                 "/LiveApp/streams/s1/sessA-1.m4s"):
        assert edge.get(path).status == 200
    base = edge.status()

    slow_proxy.delay = 0.5
    slow = {}

    def uncached():
        slow["reply"] = edge.get("/LiveApp/streams/s2.m3u8", timeout=20)

    t = threading.Thread(target=uncached)
    t.start()
    latencies = []
    deadline = time.monotonic() + 1.5   # the s1 entry expires meanwhile
    while time.monotonic() < deadline:
        for path in ("/LiveApp/streams/s1.m3u8",
                     "/LiveApp/streams/s1/sessA-1.m4s",
                     "/LiveApp/streams/s1/sessA-2.m4s"):
            r = edge.get(path)
            assert r.status == 200 and origin_tag(r) == "o1"
            latencies.append(r.elapsed)
        time.sleep(0.02)
    t.join(timeout=20)

    assert slow["reply"].status == 200, slow["reply"].status
    assert slow["reply"].elapsed >= 0.45, slow["reply"].elapsed
    assert max(latencies) < 0.1, sorted(latencies)[-5:]
    st = edge.status()
    # s1 went stale and was served while its refresh was slow.
    assert st["stale"] > base["stale"], st


def test_many_viewers_of_one_uncached_stream_make_one_lookup_and_one_fetch(
        redis_server, store_tool, origins, edges, beats, slow_proxy):
    o1 = origins("o1")
    beats(live(store_tool, redis_server.uri_with(STORE_OPTS), o1, "s1",
               "sessA"))
    edge = edges(slow_proxy.uri, ttl="30s", workers=2, reuseport=True)
    # Open the store handles first (a lookup of another stream), so the
    # lookup below is one delayed round trip.
    assert edge.get("/LiveApp/streams/warm.m3u8").status == 404
    slow_proxy.delay = 0.3
    base = edge.status()

    replies = parallel_get(edge.port, "/LiveApp/streams/s1/sessA-1.m4s", 50)
    assert all(r.status == 200 and origin_tag(r) == "o1"
               for r in replies), [r.status for r in replies]

    st = edge.status()
    assert st["store_lookups"] - base["store_lookups"] == 1, st
    waited = (st["waits_local"] - base["waits_local"]
              + st["waits_remote"] - base["waits_remote"])
    hits = st["hits"] - base["hits"]
    assert waited + hits == 49, st
    assert waited >= 25, st
    # proxy_cache_lock: one request reached the origin.
    assert o1.requests("/LiveApp/streams/s1/sessA-1.m4s") == 1


def test_waits_across_workers(redis_server, store_tool, origins, edges,
                              beats, slow_proxy):
    """With both workers busy on one stream, the one that does not run the
    lookup polls the shared cache (waits_remote) and gets the answer."""
    o1 = origins("o1")
    beats(live(store_tool, redis_server.uri_with(STORE_OPTS), o1, "s1",
               "sessA"))
    edge = edges(slow_proxy.uri, ttl="30s", workers=2, reuseport=True)
    assert edge.get("/LiveApp/streams/warm.m3u8").status == 404
    slow_proxy.delay = 0.4
    for _ in range(5):
        replies = parallel_get(edge.port, "/LiveApp/streams/s1.m3u8", 16)
        assert all(r.status == 200 for r in replies)
        if edge.status()["waits_remote"]:
            break
        edge.get("/fanout_status")      # new stream key next round
    st = edge.status()
    assert st["waits_remote"] >= 1, st
    assert st["store_lookups"] <= 2, st     # warm + s1


def test_failing_origin_is_retried_once_not_forever(redis_server, store_tool,
                                                    origins, edges, beats):
    uri = redis_server.uri_with(STORE_OPTS)
    o1 = origins("o1")
    beats(live(store_tool, uri, o1, "s1", "sessA"))
    # lookups and invalidations are counted one by one: no prefetches
    edge = edges(uri, ttl="30s", settings={"fanout_prefetch": "off"})
    assert edge.get("/LiveApp/streams/s1.m3u8").status == 200
    # o1 stops serving but keeps heartbeating: the store still names it.
    o1.stop()
    r = edge.get("/LiveApp/streams/s1/s1.mpd")
    assert r.status == 502
    st = edge.status()
    assert st["invalidations"] == 1 and st["store_lookups"] == 2, st
    line = edge.access_log()[-1]
    # Two attempts (o1, then o1 again after the lookup), no third.
    assert "retry=1" in line and line.endswith("ust=502 : 502"), line

    # The origin answers 404 for a file it lost: one more lookup, then
    # the origin's 404 stands.
    o1.start()
    o1.unpublish(APP, "s1")
    r = edge.get("/LiveApp/streams/s1/s1.mpd")
    assert r.status == 404
    assert edge.status()["store_lookups"] == 3


def test_worker_dying_mid_lookup_does_not_block_the_stream(
        redis_server, store_tool, origins, edges, beats, slow_proxy):
    """The in-flight mark of a killed worker is taken over after
    fanout_lookup_timeout: waiting is bounded."""
    o1 = origins("o1")
    beats(live(store_tool, redis_server.uri_with(STORE_OPTS), o1, "s1",
               "sessA"))
    edge = edges(slow_proxy.uri, settings={"fanout_lookup_timeout": "1s"})
    assert edge.get("/LiveApp/streams/warm.m3u8").status == 404
    slow_proxy.delay = 1.5
    def doomed():
        try:
            edge.get("/LiveApp/streams/s1.m3u8", timeout=10)
        except OSError:
            pass                        # its worker is killed below

    first = threading.Thread(target=doomed)
    first.daemon = True
    first.start()
    wait_for(lambda: edge.status()["inflight"] == 1, 3,
             what="a lookup in flight")
    (worker,) = edge.worker_pids()
    os.kill(worker, signal.SIGKILL)     # a process this test started
    wait_for(lambda: edge.worker_pids() and
             edge.worker_pids() != [worker], 5, what="a new worker")
    slow_proxy.delay = 0.1
    r = edge.get("/LiveApp/streams/s1.m3u8", timeout=10)
    assert r.status == 200 and origin_tag(r) == "o1"
    assert r.elapsed < 1.0 + 0.1 * 4 + 1.0, r.elapsed
    assert edge.status()["takeovers"] == 1


def test_reload_keeps_cached_answers_and_counters(redis_server, store_tool,
                                                  origins, edges, beats):
    uri = redis_server.uri_with(STORE_OPTS)
    o1 = origins("o1")
    beats(live(store_tool, uri, o1, "s1", "sessA"))
    edge = edges(uri, ttl="30s")
    assert edge.get("/LiveApp/streams/s1.m3u8").status == 200
    before = edge.status()
    edge.reload()
    r = edge.get("/LiveApp/streams/s1/sessA-1.m4s")
    assert r.status == 200 and origin_tag(r) == "o1"
    after = edge.status()
    assert after["store_lookups"] == before["store_lookups"] == 1, after
    assert after["hits"] == before["hits"] + 1, after
    # The new worker 0 heartbeats.
    hb = after["heartbeats"]
    wait_for(lambda: edge.status()["heartbeats"] > hb, 3,
             what="heartbeats after reload")
