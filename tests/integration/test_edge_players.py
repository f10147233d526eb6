"""Every answer a player can get is usable by a player, and playlists that
continue (issue #12), at the edge (the shipped edge.conf) and at the LB
(the shipped lb.conf): CORS, a short Cache-Control and a small body on
every error class; OPTIONS; HEAD; the time endpoint; playlists that never
go back; the grace while a stream has no live origin; an edge killed and
the LB reloaded under a request loop."""
import datetime
import os
import re
import threading
import time

import pytest

import conftest
from harness.edge import (LB, ScriptedOrigin, hls_playlist, kill_nginx,
                          media_sequence)
from test_edge_harness import (  # noqa: F401  (fixtures)
    STORE_OPTS, beats, edges, get, origins, raw_request, store_tool,
    stop_proc, wait_for)

APP = "LiveApp"
PLAYLIST = f"/{APP}/streams/s1.m3u8"
MPD = f"/{APP}/streams/s1/s1.mpd"


def mpd(publish, kind="dynamic"):
    return (f'<?xml version="1.0"?>\n<MPD type="{kind}" '
            f'publishTime="{publish}">\n<Period id="0"/>\n</MPD>\n')


@pytest.fixture
def uri(tmpdir_path):
    os.chmod(tmpdir_path, 0o777)
    return f"sqlite://{tmpdir_path}/cluster.db?{STORE_OPTS}&timeout_ms=1000"


@pytest.fixture
def scripted():
    made = []

    def make():
        o = ScriptedOrigin()
        made.append(o)
        return o

    yield make
    for o in made:
        try:
            o.kill()
        except OSError:
            pass


def claim(store_tool, uri, origin_port, node, session, stream="s1",
          old_session=None):
    """The stream on a heartbeating node at origin_port (the beat process
    is returned), after releasing old_session."""
    beat = store_tool.beat(uri, node, "127.0.0.1", origin_port)
    if old_session:
        assert store_tool.release(uri, APP, stream, old_session) == 0
    assert store_tool.claim(uri, APP, stream, node, "127.0.0.1", origin_port,
                            session) == 0
    return beat


def assert_usable(r, status, what=""):
    """A player can use it: the status, CORS, and for an error a short
    Cache-Control and a line of text."""
    assert r.status == status, (what, r.status, r.text[:200])
    assert r.headers.get("access-control-allow-origin") == "*", (what,
                                                                 r.headers)
    assert "Content-Length" in r.headers.get(
        "access-control-expose-headers", ""), (what, r.headers)
    if status >= 400:
        assert r.headers.get("cache-control") == "no-cache", (what, r.headers)
        assert len(r.body) < 64 and b"<html" not in r.body, (what, r.body)


# ---- errors, preflights, HEAD, the clock ------------------------------------

def test_every_error_class_is_small_with_cors(uri, store_tool, scripted,
                                              edges, beats):
    o = scripted()
    o.set(PLAYLIST, hls_playlist(10))
    o.set(f"/{APP}/streams/s1/forbidden.m4s", "no", status=403)
    o.set(f"/{APP}/streams/s1/slow.m4s", "late")
    o.delays[f"/{APP}/streams/s1/slow.m4s"] = 2.5
    beats(claim(store_tool, uri, o.port, "oA", "sessA"))
    # s2: on a node that heartbeats, at a port nobody listens on
    beats(claim(store_tool, uri, conftest.free_port(), "oDead", "sessD",
                stream="s2"))
    edge = edges(uri, settings={"proxy_read_timeout": "1s"})
    assert edge.get(PLAYLIST).status == 200

    cases = [
        ("GET", f"/{APP}/streams/bad!name.m3u8", 400),
        ("GET", f"/{APP}/streams/s1/forbidden.m4s", 403),
        ("GET", f"/{APP}/streams/nosuch.m3u8", 404),
        ("GET", "/Other/streams/s1.m3u8", 404),
        ("GET", f"/{APP}/streams/s1/missing.m4s", 404),
        ("GET", f"/{APP}/streams/s1.exe", 404),
        ("POST", PLAYLIST, 405),
        ("GET", f"/{APP}/streams/s2.m3u8", 502),
        ("GET", f"/{APP}/streams/s1/slow.m4s", 504),
    ]
    for method, path, status in cases:
        assert_usable(edge.get(path, method=method), status, path)
        if method == "GET":
            r = edge.get(path, method="HEAD")
            assert_usable(r, status, "HEAD " + path)
            assert r.body == b""
    # a request line nginx itself refuses; a path over its buffers
    assert raw_request(edge.port, b"GET /LiveApp/streams/s1\x01.m3u8 "
                       b"HTTP/1.1\r\nHost: x\r\n\r\n") == 400
    assert_usable(edge.get(f"/{APP}/streams/{'a' * 9000}.m3u8"), 414)

    # 503: the store is down and nothing is known about the stream
    dead = edges(f"redis://127.0.0.1:{conftest.free_port()}/0"
                 "?connect_timeout_ms=200")
    r = dead.get(PLAYLIST)
    assert_usable(r, 503, "store down")
    assert r.headers.get("retry-after") == "1"


def test_preflight_head_and_the_clock(uri, store_tool, scripted, edges,
                                      beats):
    o = scripted()
    o.set(PLAYLIST, hls_playlist(10))
    o.set(f"/{APP}/streams/s1/a-10.m4s", b"x" * 5000)
    o.set(MPD, mpd("2026-12-06T03:45:10.000Z"))
    beats(claim(store_tool, uri, o.port, "oA", "sessA"))
    edge = edges(uri)

    r = edge.get(PLAYLIST, method="OPTIONS",
                 headers={"Origin": "http://player.example",
                          "Access-Control-Request-Method": "GET",
                          "Access-Control-Request-Headers": "range"})
    assert_usable(r, 204)
    assert r.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
    assert "Range" in r.headers["access-control-allow-headers"]
    assert int(r.headers["access-control-max-age"]) > 0
    assert o.requests(PLAYLIST) == 0, "a preflight reached the origin"

    # HEAD: proxied, then from memory, like GET without the body
    head = edge.get(PLAYLIST, method="HEAD")
    assert_usable(head, 200)
    body = edge.get(PLAYLIST)
    wait_for(lambda: edge.get(PLAYLIST).headers.get("x-cache-status")
             == "MEM", 5, what="a memory hit")
    mem = edge.get(PLAYLIST, method="HEAD")
    assert_usable(mem, 200)
    assert mem.headers["x-cache-status"] == "MEM" and mem.body == b""
    for r in (head, mem):
        assert int(r.headers["content-length"]) == len(body.body)
        assert r.headers["content-type"] == "application/vnd.apple.mpegurl"
    for _ in range(3):
        r = edge.get(MPD, method="HEAD")
        assert_usable(r, 200, "HEAD mpd")
        assert r.body == b"" and int(r.headers["content-length"]) == \
            len(edge.get(MPD).body)
    assert r.headers["x-cache-status"] == "MEM"
    seg = edge.get(f"/{APP}/streams/s1/a-10.m4s", method="HEAD")
    assert_usable(seg, 200)
    assert seg.headers["content-length"] == "5000" and seg.body == b""
    # the embedding players' probe: _adaptive first, then the stream
    assert_usable(edge.get(f"/{APP}/streams/s1_adaptive.m3u8",
                           method="HEAD"), 404)

    # the clock: the edge's own, no store, no origin
    before = edge.status()["store_lookups"]
    for method in ("GET", "HEAD"):
        r = edge.get(f"/{APP}/streams/time", method=method)
        assert_usable(r, 200)
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["content-type"].startswith("text/plain")
        assert r.headers["content-length"] == "24"
    text = edge.get(f"/{APP}/streams/time").text
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", text), text
    t = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc)
    assert abs(t.timestamp() - time.time()) < 2
    assert edge.status()["store_lookups"] == before
    assert_usable(edge.get("/Other/streams/time"), 404)


# ---- playlists that never go back -------------------------------------------

def test_playlist_never_goes_back(uri, store_tool, scripted, edges, beats):
    """The stream moves to an origin whose playlist and MPD are older: the
    edge keeps serving the newer ones it served, for the grace; a newer
    answer from the new origin is served at once."""
    a, b = scripted(), scripted()
    a.set(PLAYLIST, hls_playlist(10, session="a"))
    a.set(MPD, mpd("2026-12-06T03:45:10.000Z"))
    b.set(PLAYLIST, hls_playlist(4, session="b"))
    b.set(MPD, mpd("2026-12-06T03:45:00.000Z"))
    beats(claim(store_tool, uri, a.port, "oA", "sessA"))
    edge = edges(uri, ttl="300ms", negative_ttl="300ms",
                 settings={"fanout_playlist_grace": "3s"})
    assert media_sequence(edge.get(PLAYLIST).text) == 10
    assert "03:45:10" in edge.get(MPD).text

    beats(claim(store_tool, uri, b.port, "oB", "sessB", old_session="sessA"))
    wait_for(lambda: (edge.get(PLAYLIST), edge.get(MPD))
             and b.requests(PLAYLIST) and b.requests(MPD), 5,
             what="the edge asking the new origin")
    t0 = time.monotonic()
    while time.monotonic() - t0 < 1.5:
        assert media_sequence(edge.get(PLAYLIST).text) == 10
        assert "03:45:10" in edge.get(MPD).text
        time.sleep(0.1)
    assert edge.status()["playlist_older"] >= 2

    # the new origin catches up: served at once
    b.set(PLAYLIST, hls_playlist(11, session="b"))
    wait_for(lambda: media_sequence(edge.get(PLAYLIST).text) == 11, 3,
             what="the newer playlist of the new origin")

    # an origin that stays behind is served once the grace is over
    b.set(MPD, mpd("2026-12-06T03:45:00.000Z"))
    wait_for(lambda: "03:45:00" in edge.get(MPD).text, 3 + 3,
             what="the new origin's MPD after the grace")


# ---- the grace ----------------------------------------------------------------

def live_with_grace(uri, store_tool, scripted, edges, beats):
    """s1 live on a scripted origin (its beat), and an edge with a 3 s
    grace and a 2 s final answer."""
    a = scripted()
    a.set(PLAYLIST, hls_playlist(20))
    beat = beats(claim(store_tool, uri, a.port, "oA", "sessA"))
    edge = edges(uri, ttl="300ms", negative_ttl="300ms",
                 settings={"fanout_playlist_grace": "3s",
                           "fanout_playlist_final": "2s"})
    return a, beat, edge


def test_grace_when_the_origin_dies(uri, store_tool, scripted, edges, beats):
    """The origin is killed: the edge serves its last playlist without
    ENDLIST for the grace, while the store still names the dead origin and
    after it declares it dead; then the final playlist; then 404.  In the
    grace, a segment it lists (the origin may come back with it: a pause)
    and a playlist the edge has no copy of are 503 with Retry-After, which
    players retry (hls.js gives up on a segment's 404 at once); after it,
    404."""
    segment = f"/{APP}/streams/s1/a-22.m4s"
    a, beat, edge = live_with_grace(uri, store_tool, scripted, edges, beats)
    wait_for(lambda: edge.get(PLAYLIST).headers.get("x-cache-status")
             == "MEM", 5, what="a memory hit")
    last = edge.get(PLAYLIST).body
    a.kill()
    killed = time.monotonic()

    seen = set()
    while time.monotonic() - killed < 2.0:
        r = edge.get(PLAYLIST)
        assert_usable(r, 200, "in the grace")
        assert r.body == last and b"#EXT-X-ENDLIST" not in r.body
        seen.add(r.headers.get("x-cache-status"))
        if time.monotonic() - killed > 1.0:
            stop_proc(beat)             # and now the store says it is dead
        time.sleep(0.05)
    assert "GRACE" in seen, seen

    # Dead in the store (the origin refused until then: 502): 503.
    r = wait_for(lambda: (lambda r: r.status != 502 and r)(
        edge.get(segment)), 3, what="the segment once the origin is dead")
    for r, path in ((r, segment),
                    (edge.get(f"/{APP}/streams/s1_240p.m3u8"), "no copy")):
        assert_usable(r, 503, f"{path} in the grace")
        assert r.headers.get("retry-after") == "1", r.headers

    # The grace (3 s) began when the store declared the origin dead: the
    # beat stopped at 1 s, dead 1 s later (dead_factor 2 x 500 ms), seen
    # within the negative TTL: the final playlist by ~5.5 s after the kill.
    r = wait_for(lambda: (lambda r: r.status == 200
                          and b"#EXT-X-ENDLIST" in r.body and r)(
                              edge.get(PLAYLIST)), 5, what="ENDLIST")
    assert r.headers["x-cache-status"] == "FINAL"
    assert r.body.startswith(last) and "etag" not in r.headers
    assert_usable(edge.get(segment), 404, "a segment after the grace")
    wait_for(lambda: edge.get(PLAYLIST).status == 404, 3,
             what="404 after the final playlist")
    assert_usable(edge.get(PLAYLIST), 404)
    st = edge.status()
    assert st["playlist_grace"] >= 5 and st["playlist_final"] >= 1, st
    # a stream the edge never served: 404 at once
    assert_usable(edge.get(f"/{APP}/streams/never.m3u8"), 404)


def test_grace_on_an_edge_with_nothing_of_the_stream(uri, store_tool,
                                                      scripted, edges,
                                                      beats):
    """An edge that never served a stream (or restarted) has no grace of
    its own for it; the store says since when the stream has had no live
    origin (its owner's heartbeat going stale; its release).  In the grace
    counted from then, its playlists and segments are 503 with
    Retry-After, not 404: a viewer the LB moves here during a failover
    retries instead of failing.  Then 404."""
    segment = f"/{APP}/streams/s1/a-22.m4s"
    a, beat, edge = live_with_grace(uri, store_tool, scripted, edges, beats)
    stop_proc(beat)
    a.kill()
    stopped = time.monotonic()

    # Named by the store until its heartbeat is stale (the origin refuses:
    # 502), then lost since then: 503.
    r = wait_for(lambda: (lambda r: r.status not in (502, 504) and r)(
        edge.get(PLAYLIST)), 4, what="an answer once the origin is dead")
    for r, path in ((r, PLAYLIST), (edge.get(segment), segment)):
        assert_usable(r, 503, f"{path} in the store's grace")
        assert r.headers.get("retry-after") == "1", r.headers

    # The grace (3 s) counts from the heartbeat going stale (its last beat,
    # at most a beat period before the stop, + 1 s), not from this edge's
    # first request: 404 no sooner than ~3.9 s after the stop.
    wait_for(lambda: edge.get(PLAYLIST).status == 404, 6,
             what="404 after the store's grace")
    assert time.monotonic() - stopped > 3.5
    assert_usable(edge.get(segment), 404, "a segment after the grace")

    # Released: lost since its release.
    b = scripted()
    b.set(f"/{APP}/streams/s2.m3u8", hls_playlist(5))
    beats(claim(store_tool, uri, b.port, "oB", "sessB", stream="s2"))
    assert store_tool.release(uri, APP, "s2", "sessB") == 0
    released = time.monotonic()
    assert_usable(edge.get(f"/{APP}/streams/s2.m3u8"), 503, "released")
    wait_for(lambda: edge.get(f"/{APP}/streams/s2.m3u8").status == 404, 6,
             what="404 after the released stream's grace")
    assert time.monotonic() - released > 2.5
    # a stream the store never had: 404 at once
    assert_usable(edge.get(f"/{APP}/streams/never.m3u8"), 404)


def test_stale_while_the_store_names_the_failed_origin(uri, store_tool,
                                                     scripted, edges, beats):
    """A paused or cut-off origin: it fails, but the store still names it
    as live (its heartbeat has not expired).  The stream has not ended: the
    last playlist as it was, past the grace, up to fanout_playlist_stale;
    then the normal answer (a CORS 502), not a final playlist."""
    a = scripted()
    a.set(PLAYLIST, hls_playlist(20))
    beats(claim(store_tool, uri, a.port, "oA", "sessA"))   # stays alive
    edge = edges(uri, ttl="300ms", negative_ttl="300ms",
                 settings={"fanout_playlist_grace": "1s",
                           "fanout_playlist_final": "1s",
                           "fanout_playlist_stale": "4s"})
    wait_for(lambda: edge.get(PLAYLIST).headers.get("x-cache-status")
             == "MEM", 5, what="a memory hit")
    last = edge.get(PLAYLIST).body
    a.kill()
    killed = time.monotonic()
    while time.monotonic() - killed < 3.0:          # past grace + final
        r = edge.get(PLAYLIST)
        assert_usable(r, 200, "stale")
        assert r.body == last and b"#EXT-X-ENDLIST" not in r.body
        time.sleep(0.1)
    r = wait_for(lambda: (lambda r: r.status != 200 and r)(
        edge.get(PLAYLIST)), 4, what="the end of fanout_playlist_stale")
    assert_usable(r, 502, "after stale")


def test_takeover_in_the_grace_is_served_at_once(uri, store_tool, scripted,
                                                 edges, beats):
    a, b = scripted(), scripted()
    a.set(PLAYLIST, hls_playlist(30, session="a"))
    beat = beats(claim(store_tool, uri, a.port, "oA", "sessA"))
    edge = edges(uri, ttl="300ms", negative_ttl="300ms")    # grace 8 s
    assert media_sequence(edge.get(PLAYLIST).text) == 30
    a.kill()
    stop_proc(beat)
    wait_for(lambda: edge.get(PLAYLIST).headers.get("x-cache-status")
             == "GRACE", 5, what="the grace")
    # another origin takes over and continues the numbering
    b.set(PLAYLIST, hls_playlist(31, session="b"))
    beats(claim(store_tool, uri, b.port, "oB", "sessB", old_session="sessA"))
    t0 = time.monotonic()
    wait_for(lambda: media_sequence(edge.get(PLAYLIST).text) == 31, 3,
             what="the new owner's playlist")
    assert time.monotonic() - t0 < 1.5


@pytest.mark.skipif(not (conftest.BUILD / "bin" / "fanout-origin").exists(),
                    reason="fanout-origin not built")
def test_grace_after_kill_9_of_a_real_origin(tmpdir_path, edges):
    """ffmpeg -> fanout-origin -> edge; kill -9 of the origin: the last
    playlist without ENDLIST for the grace (8 s), then ENDLIST."""
    store = f"sqlite://{tmpdir_path}/real.db"
    o1 = conftest.Origin(tmpdir_path, store, name="origin-k").start()
    edge = edges(f"{store}?update_period_ms=500&dead_factor=4"
                 "&timeout_ms=1000")
    pub = conftest.Publisher(o1.rtmp(APP, "cam9"), tmpdir_path).start()
    path = f"/{APP}/streams/cam9.m3u8"
    try:
        wait_for(lambda: edge.get(path).text.count("#EXTINF") >= 3, 30,
                 what="a playlist through the edge")
        last = edge.get(path)
        o1.stop(9)
        killed = time.monotonic()
        while time.monotonic() - killed < 6.0:
            r = edge.get(path)
            assert_usable(r, 200, "in the grace")
            assert b"#EXT-X-ENDLIST" not in r.body
            assert media_sequence(r.text) >= media_sequence(last.text)
            time.sleep(0.2)
        wait_for(lambda: b"#EXT-X-ENDLIST" in edge.get(path).body, 8,
                 what="ENDLIST after the grace")
    finally:
        pub.stop()
        o1.stop()


# ---- the load balancer --------------------------------------------------------

@pytest.fixture
def lbs(tmpdir_path):
    made = []

    def make(edge_ports, name="lb"):
        lb = LB(tmpdir_path, edge_ports, name=name).start()
        made.append(lb)
        return lb

    yield make
    for lb in made:
        lb.stop()


def loop(port, paths, stop, failures, counts):
    """Requests until stop is set; failures: (path, status or error)."""
    while not stop.is_set():
        for path in paths:
            try:
                r = get(port, path, timeout=5)
                ok = r.status == 200
            except OSError as e:
                ok, r = False, e
            counts.append(1)
            if not ok:
                failures.append((path, getattr(r, "status", repr(r))))


def keepalive_loop(port, path, stop, failures, counts):
    """Requests on one kept-alive connection until stop is set.  A request
    that fails on a reused connection (the old worker closed it at that
    instant) is sent once more on a new one, as browsers do; only a
    second failure counts."""
    import http.client

    conn = None
    while not stop.is_set():
        for attempt in (1, 2):
            reused = conn is not None
            conn = conn or http.client.HTTPConnection("127.0.0.1", port,
                                                      timeout=5)
            try:
                conn.request("GET", path)
                r = conn.getresponse()
                r.read()
                ok = r.status == 200
                break
            except OSError as e:
                conn.close()
                conn = None
                ok, r = False, e
                if not reused:
                    break
        counts.append(1)
        if not ok:
            failures.append((path, getattr(r, "status", repr(r))))


def test_lb_answers_are_usable(uri, store_tool, scripted, edges, beats, lbs):
    o = scripted()
    o.set(PLAYLIST, hls_playlist(10))
    beats(claim(store_tool, uri, o.port, "oA", "sessA"))
    e1 = edges(uri)
    lb = lbs([e1.port])
    assert_usable(lb.get(PLAYLIST), 200)
    r = lb.get(PLAYLIST)
    assert r.headers["access-control-allow-origin"] == "*"      # once
    assert_usable(lb.get(f"/{APP}/streams/nosuch.m3u8"), 404)
    assert_usable(lb.get(f"/{APP}/streams/bad!x.m3u8", method="HEAD"), 400)
    r = lb.get(PLAYLIST, method="OPTIONS",
               headers={"Access-Control-Request-Method": "GET"})
    assert_usable(r, 204)
    assert r.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
    r = lb.get(f"/{APP}/streams/time")
    assert_usable(r, 200)
    assert r.headers["cache-control"] == "no-store"
    # no edge at all: the LB's own 502
    alone = lbs([], name="lb-empty")
    for method in ("GET", "HEAD"):
        assert_usable(alone.get(PLAYLIST, method=method), 502, method)
    dead = lbs([conftest.free_port()], name="lb-dead")
    assert_usable(dead.get(PLAYLIST), 502, "edge refused")


def test_killing_the_viewers_edge_costs_no_request(uri, store_tool, scripted,
                                                   edges, beats, lbs):
    o = scripted()
    o.set(PLAYLIST, hls_playlist(10))
    o.set(f"/{APP}/streams/s1/a-10.m4s", b"s" * 20000)
    beats(claim(store_tool, uri, o.port, "oA", "sessA"))
    e1, e2 = edges(uri, name="edge1"), edges(uri, name="edge2")
    lb = lbs([e1.port, e2.port])
    assert lb.get(PLAYLIST).status == 200
    # a viewer stays on one edge (hash $remote_addr consistent)
    for _ in range(5):
        assert lb.get(PLAYLIST).status == 200
    lb_log = wait_for(lambda: len(lb.access_log()) >= 6 and lb.access_log(),
                      5, what="the LB's access log")
    ups = {re.search(r"upstream=(\S+)", ln).group(1) for ln in lb_log}
    assert len(ups) == 1, lb_log
    viewer_edge = e1 if ups == {f"127.0.0.1:{e1.port}"} else e2
    other = e2 if viewer_edge is e1 else e1

    stop, failures, counts = threading.Event(), [], []
    paths = [PLAYLIST, f"/{APP}/streams/s1/a-10.m4s"]
    threads = [threading.Thread(target=loop, args=(lb.port, paths, stop,
                                                   failures, counts))
               for _ in range(3)]
    for t in threads:
        t.start()
    try:
        time.sleep(1.0)
        kill_nginx(viewer_edge)
        n = len(counts)
        time.sleep(2.0)
        assert len(counts) > n + 20, "the loop stalled"
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert failures == [], failures[:10]
    assert any(f"upstream=127.0.0.1:{other.port}" in ln
               for ln in lb.access_log()[-20:])


def test_lb_reload_under_load_drops_nothing(uri, store_tool, scripted, edges,
                                            beats, lbs):
    o = scripted()
    o.set(PLAYLIST, hls_playlist(10))
    beats(claim(store_tool, uri, o.port, "oA", "sessA"))
    e1, e2 = edges(uri, name="edge1"), edges(uri, name="edge2")
    lb = lbs([e1.port])
    stop, failures, counts = threading.Event(), [], []
    threads = [threading.Thread(target=loop, args=(lb.port, [PLAYLIST], stop,
                                                   failures, counts))
               for _ in range(3)]
    threads += [threading.Thread(target=keepalive_loop, args=(
        lb.port, PLAYLIST, stop, failures, counts)) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for i in range(6):
            time.sleep(0.4)
            lb.edge_ports = [e1.port, e2.port] if i % 2 == 0 else [e1.port]
            lb.write_upstreams()
            lb.reload()
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert len(counts) > 100 and failures == [], (len(counts), failures[:10])
