"""The edge finds each stream's origin in the store and proxies to it
(SQLite and Redis stores), caches answers, and rejects bad input without
asking the store.  The edge runs the shipped nginx-module/conf/edge.conf."""
import functools
import re
import time
import zlib

import pytest

import test_edge_harness
from test_edge_harness import (  # noqa: F401  (fixtures)
    PERIOD_MS, beats, edges, move, get, origin_tag, origins, raw_request,
    store, store_tool, stop_proc, wait_for)

APP = "LiveApp"
# Streams here have a 720p rendition (master playlists).
live = functools.partial(test_edge_harness.live, renditions=("720p",))
# These tests count lookups and requests one by one: without the edge's
# own segment prefetches (test_edge_prefetch.py has those).
NO_PREFETCH = {"fanout_prefetch": "off"}


def test_live_stream_is_proxied_to_its_origin(store, store_tool, origins,
                                              edges, beats):
    o1 = origins("o1")
    beats(live(store_tool, store.uri, o1, "s1", "sessA"))
    edge = edges(store.uri, settings=NO_PREFETCH)
    for path, want in [
        ("/LiveApp/streams/s1.m3u8", "#EXTM3U"),
        ("/LiveApp/streams/s1_720p.m3u8", "720p"),
        ("/LiveApp/streams/s1/s1.mpd", "<MPD>"),
        ("/LiveApp/streams/s1/sessA-init.mp4", "init"),
        ("/LiveApp/streams/s1/sessA-1.m4s", "m4s 1"),
        ("/LiveApp/streams/s1/sessA-2.ts", "ts 2"),
    ]:
        r = edge.get(path)
        assert r.status == 200, (path, r.status, edge.error_log())
        assert want in r.text and origin_tag(r) == "o1", (path, r.text)

    st = edge.status()
    # One store lookup for the stream, whatever the rendition or kind.
    assert st["store_lookups"] == 1 and st["store_found"] == 1, st
    assert st["hits"] == 5 and st["mapped"] == 1, st

    # The log format records the lookup and the proxy cache.
    line = edge.access_log()[-1]
    assert "app=LiveApp stream=s1 kind=segment" in line, line
    assert f"origin=127.0.0.1:{o1.port}" in line, line
    assert "lookup=HIT" in line and "cache=MISS" in line, line

    # Segments come from the edge's cache the second time.
    r = edge.get("/LiveApp/streams/s1/sessA-1.m4s")
    assert r.headers.get("x-cache-status") == "HIT"
    assert o1.requests("/LiveApp/streams/s1/sessA-1.m4s") == 1


def test_unknown_stream_is_404_and_negatively_cached(store, store_tool,
                                                     origins, edges):
    # A TTL that five requests fit in even on a slow, busy machine.
    edge = edges(store.uri, negative_ttl="2s")
    t0 = time.monotonic()
    for _ in range(5):
        r = edge.get("/LiveApp/streams/nosuch.m3u8")
        assert r.status == 404
    st = edge.status()
    assert time.monotonic() - t0 < 1.9, "five requests outlasted the TTL"
    # Within the negative TTL: one store call for five requests.
    assert st["store_lookups"] == 1 and st["store_gone"] == 1, st
    assert st["negative_hits"] == 4, st
    # Once the TTL has run out, the next request asks the store again.
    wait_for(lambda: edge.get("/LiveApp/streams/nosuch.m3u8").status == 404
             and edge.status()["store_lookups"] == 2, 2 + 2, interval=0.1,
             what="a second store lookup after the negative TTL")


def test_not_broadcasting_or_dead_origin_is_404(store, store_tool, origins,
                                                edges, beats):
    o1 = origins("o1")
    beats(live(store_tool, store.uri, o1, "s1", "sessA"))
    beat2 = beats(live(store_tool, store.uri, o1, "s2", "sessB", node="o1b"))
    # without the grace, in which the last playlist would still be served
    # (test_edge_players.py has the grace)
    edge = edges(store.uri, ttl="300ms", negative_ttl="300ms",
                 settings={"fanout_playlist_grace": "0"})
    assert edge.get("/LiveApp/streams/s1.m3u8").status == 200
    assert edge.get("/LiveApp/streams/s2.m3u8").status == 200

    # s1 ends: finished is not broadcasting.
    assert store_tool.release(store.uri, APP, "s1", "sessA") == 0
    wait_for(lambda: edge.get("/LiveApp/streams/s1.m3u8").status == 404,
             3, what="s1 404 after release")

    # s2's origin stops heartbeating: dead after 2 periods.
    stop_proc(beat2)
    wait_for(lambda: edge.get("/LiveApp/streams/s2.m3u8").status == 404,
             2 * PERIOD_MS / 1000 + 2, what="s2 404 once o1b is dead")
    # The files are still on o1: the 404 came from the edge.
    assert o1.requests("/LiveApp/streams/s2.m3u8") >= 1
    assert edge.status()["store_gone"] >= 2


def test_republished_stream_is_followed_within_ttl(store, store_tool,
                                                   origins, edges, beats):
    """Release on o1, claim on o2 (o1 still serves its old files): the
    edge follows within lookup TTL + 1 s."""
    o1, o2 = origins("o1"), origins("o2")
    beats(live(store_tool, store.uri, o1, "s1", "sessA"))
    edge = edges(store.uri, ttl="1s")
    assert origin_tag(edge.get("/LiveApp/streams/s1.m3u8")) == "o1"

    beats(move(store_tool, store.uri, o2, "s1", "sessA", "sessB"))
    t0 = time.monotonic()
    wait_for(lambda: origin_tag(edge.get("/LiveApp/streams/s1.m3u8"))
             == "o2", 2.0 + 0.5, interval=0.05, what="edge follows o2")
    assert time.monotonic() - t0 <= 2.0, "not within TTL + 1 s"
    r = edge.get("/LiveApp/streams/s1/sessB-1.m4s")
    assert r.status == 200 and origin_tag(r) == "o2"


def test_republished_on_the_same_origin_never_serves_the_old_playlist(
        store, store_tool, origins, edges, beats):
    """Published again on the same origin, new session: once the edge has
    looked the new session up, no answer is the old publish's playlist
    (the session is in the proxy cache key, and the memory cache follows
    the mapping)."""
    path = "/LiveApp/streams/s1.m3u8"
    o1 = origins("o1")
    beats(live(store_tool, store.uri, o1, "s1", "sessA"))
    edge = edges(store.uri, ttl="1s", settings=NO_PREFETCH)
    new = f"session={zlib.crc32(b'sessB'):08x} "
    assert "session=sessA" in edge.get(path).text
    before = len(edge.access_log())
    beats(move(store_tool, store.uri, o1, "s1", "sessA", "sessB"))
    replies, end = [], time.monotonic() + 3.0
    while time.monotonic() < end:
        replies.append(re.search(r"session=(\S+)", edge.get(path).text)
                       .group(1))
        time.sleep(0.02)
    logged = [new in ln for ln in edge.access_log()[before:]]
    assert len(logged) == len(replies)
    assert any(logged), "the edge never looked up the new session"
    old = [i for i, (n, r) in enumerate(zip(logged, replies))
           if n and r != "sessB"]
    assert not old, f"old playlist served for the new session: {old}"


def test_dead_origin_replaced_and_followed_at_once(store, store_tool, origins,
                                                   edges, beats):
    """o1 dies (process and heartbeats); o2 claims once o1 is dead.  Even
    with a long TTL the edge follows on the first request: the connection
    to o1 fails, @fanout_retry drops the mapping and looks up again."""
    o1, o2 = origins("o1"), origins("o2")
    beat1 = beats(live(store_tool, store.uri, o1, "s1", "sessA"))
    edge = edges(store.uri, ttl="60s", settings=NO_PREFETCH)
    assert origin_tag(edge.get("/LiveApp/streams/s1.m3u8")) == "o1"
    o1.stop()
    stop_proc(beat1)
    o2.publish(APP, "s1", "sessB")
    beats(store_tool.beat(store.uri, "o2", "127.0.0.1", o2.port))
    wait_for(lambda: store_tool.claim(store.uri, APP, "s1", "o2",
                                      "127.0.0.1", o2.port, "sessB") == 0,
             2 * PERIOD_MS / 1000 + 3, what="o2's claim")
    # Not in the edge's proxy cache yet: fetched from o1, which fails.
    r = edge.get("/LiveApp/streams/s1/s1.mpd")
    assert r.status == 200 and origin_tag(r) == "o2", r.text
    st = edge.status()
    assert st["invalidations"] == 1 and st["store_lookups"] == 2, st
    line = edge.access_log()[-1]
    assert "retry=1" in line and f"origin=127.0.0.1:{o2.port}" in line
    # The playlist cached from o1 is keyed by o1: o2's is fetched.
    r = edge.get("/LiveApp/streams/s1.m3u8")
    assert r.status == 200 and origin_tag(r) == "o2", r.text


@pytest.mark.parametrize("store", ["sqlite"], indirect=True)
def test_bad_input_never_reaches_the_store(store, store_tool, origins, edges):
    edge = edges(store.uri)
    long_name = "s" * 300
    cases = [
        ("/LiveApp/streams/../x.ts", (400, 404)),
        ("/LiveApp/streams/%2e%2e/%2e%2e/etc/passwd.ts", (400, 404)),
        ("/LiveApp/streams/%2E%2E%2Fx.m3u8", (400, 404)),
        ("/LiveApp/streams/s%201.m3u8", (400,)),
        ("/LiveApp/streams/s%c3%a9.m3u8", (400,)),
        ("/LiveApp/streams/s1%3b.m3u8", (400,)),
        ("/LiveApp/streams/s1/..%2f..%2fx.ts", (400, 404)),
        (f"/LiveApp/streams/{long_name}.m3u8", (400,)),
        ("/LiveApp/streams/" + "a/" * 2000 + "x.ts", (400, 414)),
        ("/LiveApp/streams/s1.exe", (404,)),
        ("/LiveApp/streams/s1/x/y.m4s", (404,)),
        ("/Other/streams/s1.m3u8", (404,)),
        ("/LiveApp/streams/", (404,)),
        ("/LiveApp/streams/s1.mpd", (404,)),
        ("/LiveApp/streams/...m3u8", (400,)),
    ]
    for path, want in cases:
        r = edge.get(path)
        assert r.status in want, (path, r.status)

    # Bytes a client library would refuse to send.
    for raw in (b"GET /LiveApp/streams/s1\x01.m3u8 HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /LiveApp/streams/s1%00.m3u8 HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /LiveApp/streams/\xff\xfe.m3u8 HTTP/1.1\r\nHost: x\r\n"
                b"\r\n"):
        assert raw_request(edge.port, raw) in (400, 404), raw

    # Methods other than GET and HEAD.
    assert edge.get("/LiveApp/streams/s1.m3u8", method="POST").status == 405

    st = edge.status()
    assert st["store_lookups"] == 0, st
    assert st["rejected"] >= 10, st
    assert edge.get("/LiveApp/streams/s1.m3u8").status == 404
    assert edge.status()["store_lookups"] == 1
    # An encoded slash is a slash once nginx decoded the path: stream s1
    # again, answered from the negative cache.
    assert edge.get("/LiveApp/streams/s1%2fx.m3u8").status == 404
    assert edge.status()["store_lookups"] == 1


def test_edge_registers_itself_as_an_edge_node(store, store_tool, edges):
    edge = edges(store.uri, node_id="edge-it-1")
    n = wait_for(lambda: store_tool.node(store.uri, "edge-it-1"), 5,
                 what="the edge's node record")
    assert n["role"] == "edge" and n["alive"] == "1", n
    assert n["ip"] == "127.0.0.1" and n["http_port"] == str(edge.port), n
    assert n["group"] == "default"
    first = int(n["last_update_ms"])
    # It keeps heartbeating every period.
    wait_for(lambda: int(store_tool.node(store.uri, "edge-it-1")
                         ["last_update_ms"]) > first, 3,
             what="a second heartbeat")
    assert edge.status()["heartbeats"] >= 2
    # Stopped, it goes dead by heartbeat.
    edge.stop()
    wait_for(lambda: store_tool.node(store.uri, "edge-it-1")["alive"] == "0",
             2 * PERIOD_MS / 1000 + 3, what="the stopped edge to go dead")
