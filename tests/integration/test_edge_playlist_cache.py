"""Playlists and MPDs served from the edge's shared memory
(fanout_playlist_cache): a copy of what the proxy cache holds, with the
same headers and expiry, keyed by the stream's origin, counted as viewers,
shared by the workers.  The edge runs the shipped edge.conf; origins are
static nginx stubs whose access logs count what the edge fetched."""
import http.client
import re
import time

import pytest

from test_edge_harness import (  # noqa: F401  (fixtures)
    PERIOD_MS, beats, edges, move, live, origin_tag, origins, store,
    store_tool, wait_for)

APP = "LiveApp"
PLAYLIST = f"/{APP}/streams/s1.m3u8"
MPD = f"/{APP}/streams/s1/s1.mpd"

# The memory cache does not depend on the store: SQLite only.
pytestmark = pytest.mark.parametrize("store", ["sqlite"], indirect=True)

# proxy_cache_valid for playlists and the memory's cap: long, so that a
# test sees what the key does rather than what expiry does.
LONG = {"proxy_cache_valid": "200 30s", "fanout_playlist_cache_valid": "30s"}


class Answer:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # [(lower-case name, value)]
        self.body = body

    def header(self, name):
        values = [v for k, v in self.headers if k == name]
        assert len(values) <= 1, (name, values)
        return values[0] if values else None

    @property
    def cache(self):
        return self.header("x-cache-status")

    @property
    def text(self):
        return self.body.decode()


def fetch(port, path, method="GET", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        r = conn.getresponse()
        body = r.read()
        return Answer(r.status, [(k.lower(), v) for k, v in r.getheaders()],
                      body)
    finally:
        conn.close()



def write_playlist(origin, stream, text):
    (origin.www / APP / "streams" / f"{stream}.m3u8").write_text(text)


def test_memory_hit_is_the_origin_answer_without_the_origin(
        store, store_tool, origins, edges, beats):
    o1 = origins("o1")
    beats(live(store_tool, store.uri, o1))
    # segments stay MISS until asked for: no prefetch (test_edge_prefetch.py)
    edge = edges(store.uri, settings={**LONG, "fanout_prefetch": "off"})
    direct = fetch(o1.port, PLAYLIST)
    first = fetch(edge.port, PLAYLIST)
    assert first.status == 200 and first.cache == "MISS", first.headers
    assert first.body == direct.body

    for _ in range(10):
        r = fetch(edge.port, PLAYLIST)
        assert r.status == 200 and r.cache == "MEM", r.headers
        assert r.body == direct.body
        # The origin's headers, once each, as the proxy passed them.
        for name in ("content-type", "cache-control", "etag",
                     "last-modified", "content-length"):
            assert r.header(name) == first.header(name), name
        assert r.header("content-type") == "application/vnd.apple.mpegurl"
        assert r.header("cache-control") == "max-age=1"
        assert r.header("etag") == direct.header("etag")
    assert o1.requests(PLAYLIST) == 2       # ours, and the edge's one

    # Conditional requests are answered from memory too.
    r = fetch(edge.port, PLAYLIST,
              headers={"If-None-Match": first.header("etag")})
    assert r.status == 304 and r.cache == "MEM" and r.body == b""
    r = fetch(edge.port, PLAYLIST, headers={"Range": "bytes=0-6"})
    assert r.status == 206 and r.cache == "MEM" and r.body == b"#EXTM3U"

    # The MPD too; segments stay in the proxy cache.
    assert fetch(edge.port, MPD).cache == "MISS"
    r = fetch(edge.port, MPD)
    assert r.cache == "MEM" and r.header("content-type") == \
        "application/dash+xml" and b"origin=o1" in r.body
    seg = f"/{APP}/streams/s1/sessA-1.m4s"
    assert [fetch(edge.port, seg).cache for _ in range(2)] == \
        ["MISS", "HIT"]

    st = edge.status()
    assert st["playlist_stores"] == 2, st
    assert st["playlist_hits"] == 13, st   # 10, the 304, the 206, the MPD
    assert st["playlist_entries"] == 2 and st["playlist_bytes"] > 0, st

    line = [ln for ln in edge.access_log() if "s1.mpd" in ln][-1]
    assert "lookup=HIT" in line and "cache=MEM" in line, line
    assert "upstream=-" in line and f"origin={o1.address}" in line, line


def test_copy_expires_with_the_proxy_cache_entry(store, store_tool, origins,
                                                 edges, beats):
    """Default edge.conf (1 s): a new segment in the playlist reaches the
    viewers about 1 s after the fetch, not the up to 2 s proxy_cache alone
    gives (its validity is in whole seconds): the request that finds the
    memory copy 1 s old refreshes it past the proxy cache
    ($fanout_playlist_refresh), once per expiry."""
    o1 = origins("o1")
    beats(live(store_tool, store.uri, o1))
    edge = edges(store.uri)
    old = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\ns1/sessA-1.m4s\n"
    new = old + "#EXTINF:2.0,\ns1/sessA-2.m4s\n"
    write_playlist(o1, "s1", old)
    wait_for(lambda: fetch(edge.port, PLAYLIST).cache == "MEM", 5,
             what="a memory hit")
    fetched = time.monotonic()          # no later than the fetch
    write_playlist(o1, "s1", new)

    seen = []
    while time.monotonic() - fetched < 4:
        r = fetch(edge.port, PLAYLIST)
        assert r.status == 200
        seen.append((time.monotonic() - fetched, r.text, r.cache))
        time.sleep(0.02)

    first_new = next(t for t, text, _ in seen if text == new)
    assert first_new <= 1.5, first_new
    # Served from memory before and after, never the old one again.
    assert any(c == "MEM" and text == old for _, text, c in seen)
    assert any(c == "MEM" and text == new for _, text, c in seen)
    assert all(text == new for t, text, _ in seen if t > first_new)
    # One fetch a second (proxy_cache alone: one per 2 s, at most 3 here),
    # each by the one request that found the copy expired.
    assert 4 <= o1.requests(PLAYLIST) <= 6, o1.requests(PLAYLIST)
    assert any(c == "BYPASS" for _, _, c in seen), {c for _, _, c in seen}
    assert edge.status()["playlist_refreshes"] >= 3


def test_head_is_answered_from_memory(store, store_tool, origins, edges,
                                      beats):
    o1 = origins("o1")
    beats(live(store_tool, store.uri, o1))
    edge = edges(store.uri, settings=LONG)
    body = fetch(edge.port, PLAYLIST).body
    r = fetch(edge.port, PLAYLIST, method="HEAD")
    assert r.status == 200 and r.cache == "MEM" and r.body == b""
    assert r.header("content-length") == str(len(body))
    assert r.header("content-type") == "application/vnd.apple.mpegurl"
    assert o1.requests(PLAYLIST) == 1
    # A POST is not a viewer's request: 405 as before.
    assert fetch(edge.port, PLAYLIST, method="POST").status == 405


def test_playlist_cached_before_a_restart_is_not_answered_after_it(
        store, store_tool, origins, edges, beats):
    """The proxy cache's files outlive a restart of the edge; the last
    playlists it served do not.  Copies valid for 30 s: after a restart
    the edge asks the origin again (MISS, the new playlist), not the file
    it cached before (which another edge's viewers can be past); after a
    reload, it keeps what it had."""
    o1 = origins("o1")
    beats(live(store_tool, store.uri, o1))
    edge = edges(store.uri, settings={**LONG, "fanout_prefetch": "off"})
    old = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\ns1/sessA-1.m4s\n"
    new = old + "#EXTINF:2.0,\ns1/sessA-2.m4s\n"
    write_playlist(o1, "s1", old)
    assert fetch(edge.port, PLAYLIST).cache == "MISS"
    assert fetch(edge.port, PLAYLIST).cache == "MEM"
    write_playlist(o1, "s1", new)

    edge.reload()                       # the zone and its epoch stay
    r = fetch(edge.port, PLAYLIST)
    assert r.cache in ("MEM", "HIT") and r.text == old, (r.cache, r.text)

    edge.stop()
    edge.start()                        # a new zone, a new epoch
    r = fetch(edge.port, PLAYLIST)
    assert r.status == 200 and r.cache == "MISS", r.headers
    assert r.text == new
    assert o1.requests(PLAYLIST) == 2
    assert not edge.crashed()


def test_copy_of_the_old_origin_is_not_served_after_the_stream_moved(
        store, store_tool, origins, edges, beats):
    """Copies valid for 30 s; the stream is published again on o2 while o1
    still serves its old files: the edge follows within the lookup TTL,
    and o1's copy is never served again."""
    o1, o2 = origins("o1"), origins("o2")
    beats(live(store_tool, store.uri, o1))
    edge = edges(store.uri, settings=LONG, ttl="1s")
    fetch(edge.port, PLAYLIST)
    r = fetch(edge.port, PLAYLIST)
    assert r.cache == "MEM" and origin_tag(r) == "o1"

    beats(move(store_tool, store.uri, o2, "s1", "sessA", "sessB"))
    t0 = time.monotonic()
    wait_for(lambda: origin_tag(fetch(edge.port, PLAYLIST)) == "o2", 3,
             what="the playlist of o2")
    assert time.monotonic() - t0 < 2.5

    tags = [fetch(edge.port, PLAYLIST) for _ in range(30)]
    assert {origin_tag(r) for r in tags} == {"o2"}
    assert tags[-1].cache == "MEM" and "session=sessB" in tags[-1].text
    assert o2.requests(PLAYLIST) == 1


def test_ended_stream_reaches_viewers_then_404(store, store_tool, origins,
                                               edges, beats):
    o1 = origins("o1")
    beats(live(store_tool, store.uri, o1))
    # a short grace and final answer (test_edge_players.py has the defaults)
    edge = edges(store.uri, ttl="500ms", negative_ttl="500ms",
                 settings={"fanout_playlist_grace": "500ms",
                           "fanout_playlist_final": "500ms"})
    wait_for(lambda: fetch(edge.port, PLAYLIST).cache == "MEM", 5,
             what="a memory hit")
    text = fetch(o1.port, PLAYLIST).text + "#EXT-X-ENDLIST\n"
    write_playlist(o1, "s1", text)
    t0 = time.monotonic()
    wait_for(lambda: "#EXT-X-ENDLIST" in fetch(edge.port, PLAYLIST).text,
             3, what="EXT-X-ENDLIST at the edge")
    assert time.monotonic() - t0 <= 2.1

    # Unpublished: the origin's own ended playlist for the grace and the
    # final answer, then the module answers 404 before the memory is asked.
    assert store_tool.release(store.uri, APP, "s1", "sessA") == 0
    r = fetch(edge.port, PLAYLIST)
    assert r.status == 404 or "#EXT-X-ENDLIST" in r.text
    wait_for(lambda: fetch(edge.port, PLAYLIST).status == 404, 4,
             what="404 after the release")
    assert {fetch(edge.port, PLAYLIST).status for _ in range(5)} == {404}


def test_memory_hits_count_as_viewers(store, store_tool, origins, edges,
                                      beats):
    o1 = origins("o1")
    beats(live(store_tool, store.uri, o1))
    edge = edges(store.uri, settings=dict(LONG, fanout_viewer_window="2s"),
                 node_id="edge-mem")
    fetch(edge.port, PLAYLIST)
    caches = set()

    def polled_and_counted():
        for i in range(6):
            r = fetch(edge.port, f"{PLAYLIST}?sid=v{i}")
            assert r.status == 200
            caches.add(r.cache)
        rc, f, err = store_tool.run(store.uri, "broadcast", APP, "s1")
        assert rc == 0, err
        return f["hls"] == "6"

    wait_for(polled_and_counted, 10, interval=0.25,
             what="hls=6 in the store")
    assert caches == {"MEM"}, caches
    assert edge.status()["viewers_hls"] == 6
    assert o1.requests(PLAYLIST) == 1


def test_oversize_playlist_stays_in_the_proxy_cache(store, store_tool,
                                                    origins, edges, beats):
    o1 = origins("o1")
    beats(live(store_tool, store.uri, o1))
    beats(live(store_tool, store.uri, o1, stream="big", session="sessC",
               node="o1b"))
    edge = edges(store.uri, settings=dict(
        LONG, fanout_playlist_cache_max_size="1k"))
    lines = "".join(f"#EXTINF:2.0,\nbig/sessC-{n}.m4s\n"
                    for n in range(100))
    write_playlist(o1, "big", "#EXTM3U\n" + lines)
    big = f"/{APP}/streams/big.m3u8"
    assert [fetch(edge.port, big).cache for _ in range(4)] == \
        ["MISS", "HIT", "HIT", "HIT"]
    r = fetch(edge.port, big)
    assert r.body == fetch(o1.port, big).body and len(r.body) > 1024
    assert [fetch(edge.port, PLAYLIST).cache for _ in range(2)] == \
        ["MISS", "MEM"]
    st = edge.status()
    assert st["playlist_too_big"] >= 5 and st["playlist_stores"] == 1, st
    assert o1.requests(big) == 2            # the edge's one, and ours


def test_workers_share_the_copies(store, store_tool, origins, edges,
                                  tmpdir_path, beats):
    """Two workers, each its own listening socket: the worker that did not
    fetch the playlist answers its first request for it from memory."""
    o1 = origins("o1")
    beats(live(store_tool, store.uri, o1))
    log = tmpdir_path / "edge-pid" / "logs" / "pid.log"
    edge = edges(store.uri, workers=2, reuseport=True, name="edge-pid",
                 extra_http="log_format pids '$pid $fanout_cache_status "
                            "$request_uri';",
                 settings=dict(LONG, access_log=f"{log} pids"))
    assert fetch(edge.port, PLAYLIST).cache == "MISS"
    for _ in range(40):                 # a new connection each
        assert fetch(edge.port, PLAYLIST).status == 200
    by_pid = {}
    for line in log.read_text().splitlines():
        pid, cache, uri = line.split()
        if uri == PLAYLIST:
            by_pid.setdefault(pid, []).append(cache)
    assert len(by_pid) == 2, by_pid
    firsts = sorted(c[0] for c in by_pid.values())
    assert firsts == ["MEM", "MISS"], by_pid
    assert all(c == "MEM" for v in by_pid.values() for c in v[1:])
    assert o1.requests(PLAYLIST) == 1
    assert edge.status()["playlist_stores"] == 1


def test_memory_cache_off_proxies_as_before(store, store_tool, origins,
                                            edges, beats):
    o1 = origins("o1")
    beats(live(store_tool, store.uri, o1))
    edge = edges(store.uri, settings={"fanout_playlist_cache": "off"})
    caches = [fetch(edge.port, PLAYLIST).cache for _ in range(3)]
    assert caches == ["MISS", "HIT", "HIT"]
    assert "playlist_hits" not in edge.status()


def test_malformed_requests_never_reach_the_memory(store, store_tool,
                                                   origins, edges, beats):
    o1 = origins("o1")
    beats(live(store_tool, store.uri, o1))
    edge = edges(store.uri, settings=LONG)
    fetch(edge.port, PLAYLIST)
    assert fetch(edge.port, PLAYLIST).cache == "MEM"
    for path, status in ((f"/{APP}/streams/s%201.m3u8", (400,)),
                         (f"/{APP}/streams/%2E%2E%2Fs1.m3u8", (400, 404)),
                         (f"/{APP}/streams/s1%3b.m3u8", (400,)),
                         ("/Other/streams/s1.m3u8", (404,))):
        r = fetch(edge.port, path)
        assert r.status in status and r.cache != "MEM", path
    r = fetch(edge.port, PLAYLIST + "?x=" + "a" * 3000)
    assert r.status == 200 and r.cache == "MEM"
    assert not re.search(r"\[alert\]|signal", edge.error_log())


def test_copy_lives_at_most_fanout_playlist_cache_valid(store, store_tool,
                                                        origins, edges, beats):
    """The proxy cache keeps the playlist 30 s, the memory 500 ms: then the
    one request that finds the copy expired fetches it from the origin past
    the proxy cache (BYPASS), and its answer is copied again."""
    o1 = origins("o1")
    beats(live(store_tool, store.uri, o1))
    edge = edges(store.uri, settings={"proxy_cache_valid": "200 30s",
                                      "fanout_playlist_cache_valid": "500ms"})
    assert fetch(edge.port, PLAYLIST).cache == "MISS"
    t0 = time.monotonic()
    assert fetch(edge.port, PLAYLIST).cache == "MEM"
    # the memory copy's 500 ms run out (the behaviour under test)
    time.sleep(max(0.0, 0.6 - (time.monotonic() - t0)))
    assert [fetch(edge.port, PLAYLIST).cache for _ in range(3)] == \
        ["BYPASS", "MEM", "MEM"]
    assert edge.status()["playlist_stores"] == 2
    assert edge.status()["playlist_refreshes"] == 1
    assert o1.requests(PLAYLIST) == 2
