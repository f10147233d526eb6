"""fanout_prefetch (issue #12): when a playlist or MPD comes fresh from the
origin, the edge asks itself for the newest segments it lists, so that a
segment a viewer saw listed is still served after its origin died.  Run
against the shipped edge.conf and a scripted origin (a real socket)."""
import threading
import time

import pytest

from harness.edge import ScriptedOrigin, hls_playlist
from test_edge_harness import (  # noqa: F401  (fixtures)
    STORE_OPTS, beats, edges, store_tool, wait_for)

APP = "LiveApp"
PLAYLIST = f"/{APP}/streams/s1.m3u8"
MPD = f"/{APP}/streams/s1/s1.mpd"


@pytest.fixture
def uri(tmpdir_path):
    return f"sqlite://{tmpdir_path}/cluster.db?{STORE_OPTS}&timeout_ms=1000"


@pytest.fixture
def origin():
    o = ScriptedOrigin()
    yield o
    try:
        o.kill()
    except OSError:
        pass


def on_air(store_tool, uri, origin, beats):
    beats(store_tool.beat(uri, "oA", "127.0.0.1", origin.port))
    assert store_tool.claim(uri, APP, "s1", "oA", "127.0.0.1", origin.port,
                            "sessA") == 0


def segments(origin, names):
    for name in names:
        origin.set(f"/{APP}/streams/{name}", b"\0" * 3000 + name.encode())


def counter(edge, name):
    return edge.status()[name]


def gated_newest(uri, store_tool, origin, edges, beats):
    """s1 on air with a-7..a-9 listed, the origin's answers of the newest
    held until the returned Event is set: (edge, its path, the Event)."""
    newest = f"/{APP}/streams/s1/a-9.m4s"
    segments(origin, [f"s1/a-{n}.m4s" for n in range(7, 10)])
    origin.set(PLAYLIST, hls_playlist(7, count=3))
    gate = origin.gate(newest)
    on_air(store_tool, uri, origin, beats)
    return edges(uri), newest, gate


def timed_polls(edge):
    """(got, poll): poll(what) GETs the playlist in a thread of its own
    (returned), its answer into got[what] and when it came into
    got[what + " done"]."""
    got = {}

    def get(what):
        got[what] = edge.get(PLAYLIST)
        got[what + " done"] = time.monotonic()

    def poll(what):
        t = threading.Thread(target=get, args=(what,))
        t.start()
        return t

    return got, poll


def test_hls_newest_segments_survive_their_origin(uri, store_tool, origin,
                                                  edges, beats):
    segments(origin, [f"s1/a-{n}.m4s" for n in range(7, 10)])
    origin.set(PLAYLIST, hls_playlist(7, count=3))
    on_air(store_tool, uri, origin, beats)
    edge = edges(uri)

    # one viewer poll; nobody asks for a segment
    assert edge.get(PLAYLIST).status == 200
    wait_for(lambda: origin.requests(f"/{APP}/streams/s1/a-9.m4s") == 1,
             5, what="the newest segment prefetched")
    wait_for(lambda: origin.requests(f"/{APP}/streams/s1/a-8.m4s") == 1,
             5, what="the one before it prefetched")
    assert origin.requests(f"/{APP}/streams/s1/a-7.m4s") == 0   # segments=2
    wait_for(lambda: counter(edge, "prefetches") == 2, 5, what="counted")

    # the origin dies: what the viewer saw listed is still served, once
    # fetched however many ask
    origin.kill()
    for name in ("a-8", "a-9"):
        r = edge.get(f"/{APP}/streams/s1/{name}.m4s")
        assert r.status == 200, (name, r.status)
        assert r.body.endswith(f"s1/{name}.m4s".encode())
        assert r.headers.get("x-cache-status") == "HIT"
    assert counter(edge, "prefetch_failures") == 0
    # ...and the one never prefetched is not
    assert edge.get(f"/{APP}/streams/s1/a-7.m4s").status in (502, 404)


def test_a_viewer_waits_for_the_prefetch_not_the_cache_lock(
        uri, store_tool, origin, edges, beats):
    """A viewer that asks for the newest segment while the edge's prefetch
    of it is in flight is held and goes on the moment it ends (the edge
    rechecks every 5 ms), a cache hit, one origin fetch.  nginx's own
    cache lock would recheck only every 500 ms: the viewer, asking at t0
    with the origin answering at t0 + 0.6 s, would get it at t0 + 1 s.
    (The playlist that lists it waits for the same prefetch: the viewer
    here asks for the segment before it is listed, as a player that
    counts on the next number does.)"""
    edge, newest, gate = gated_newest(uri, store_tool, origin, edges, beats)

    got = {}

    def get(what, path):
        got[what] = edge.get(path)
        got[what + " done"] = time.monotonic()

    poll = threading.Thread(target=get, args=("playlist", PLAYLIST))
    poll.start()
    wait_for(lambda: origin.requests(newest) == 1, 5,
             what="the prefetch of the newest segment at the origin")

    t0 = time.monotonic()
    v = threading.Thread(target=get, args=("segment", newest))
    v.start()
    wait_for(lambda: counter(edge, "prefetch_holds") == 1, 5,
             what="the viewer held for the prefetch")
    time.sleep(max(0.0, t0 + 0.6 - time.monotonic()))
    assert "playlist" not in got, "the playlist went out before its segment"
    released = time.monotonic()
    gate.set()
    v.join(10)
    poll.join(10)

    r = got["segment"]
    assert r.status == 200 and r.body.endswith(b"s1/a-9.m4s")
    assert r.headers.get("x-cache-status") == "HIT"
    assert origin.requests(newest) == 1
    # woken within a poll or two, not at the lock's next recheck (0.4 s on)
    for what in ("segment", "playlist"):
        assert got[what + " done"] - released < 0.25, \
            (what, got[what + " done"] - released)
    assert got["playlist"].status == 200
    assert b"s1/a-9.m4s" in got["playlist"].body
    # the prefetch's own request is never held; one viewer was
    assert counter(edge, "prefetch_holds") == 1
    assert counter(edge, "prefetch_waits") == 1
    assert counter(edge, "prefetch_failures") == 0


def test_a_playlist_lists_only_what_the_edge_has(uri, store_tool, origin,
                                                 edges, beats):
    """The race the prefetch alone left open: an origin that dies between
    listing a segment and sending it to the edge.  The playlist waits for
    the prefetch of the segments it lists (bounded: 2 s), so by the time a
    viewer reads it the edge has them; were the origin dead a moment
    later, every segment a viewer saw listed would still be served."""
    edge, newest, gate = gated_newest(uri, store_tool, origin, edges, beats)

    got, poll = timed_polls(edge)
    first = poll("first")
    wait_for(lambda: origin.requests(newest) == 1, 5,
             what="the prefetch of the newest segment at the origin")
    # another viewer's poll meanwhile waits for the same answer, not for
    # the proxy cache lock (rechecked every 500 ms)
    second = poll("second")
    time.sleep(0.5)
    assert "first" not in got and "second" not in got, \
        "the playlist went out before its newest segment"
    released = time.monotonic()
    gate.set()
    first.join(10)
    second.join(10)
    for what in ("first", "second"):
        assert got[what].status == 200 and b"s1/a-9.m4s" in got[what].body
        assert got[what + " done"] - released < 0.25, \
            (what, got[what + " done"] - released)
    assert origin.requests(PLAYLIST) == 1

    origin.kill()
    for n in (8, 9):
        r = edge.get(f"/{APP}/streams/s1/a-{n}.m4s")
        assert r.status == 200 and r.headers.get("x-cache-status") == "HIT"
    assert counter(edge, "prefetch_waits") == 2       # both polls


@pytest.mark.parametrize("slow", [False, True])
def test_a_poll_during_a_new_playlists_first_fetch(uri, store_tool, origin,
                                                   edges, beats, slow):
    """A playlist the proxy cache has never had (a new publish session's,
    after a failover; a new stream's) is fetched by one request, and
    another viewer's poll meanwhile waits on nginx's cache lock, which it
    first rechecks after 500 ms, or at the lock's timeout if sooner:
    edge.conf gives playlists proxy_cache_lock_timeout 100ms.  The origin
    answering 50 ms after that poll arrived, the poll is answered from the
    proxy cache 100 ms after it arrived, not 500 ms, with one origin
    fetch.  A fetch slower than 100 ms sends the poll to the origin
    itself: one more fetch, no longer wait."""
    segments(origin, [f"s1/a-{n}.m4s" for n in range(7, 10)])
    origin.set(PLAYLIST, hls_playlist(7, count=3))
    gate = origin.gate(PLAYLIST)
    on_air(store_tool, uri, origin, beats)
    edge = edges(uri)

    got, poll = timed_polls(edge)
    first = poll("first")
    wait_for(lambda: origin.requests(PLAYLIST) == 1, 5,
             what="the first fetch at the origin")
    t0 = time.monotonic()
    second = poll("second")
    time.sleep(0.4 if slow else 0.05)
    gate.set()
    first.join(10)
    second.join(10)

    for what in ("first", "second"):
        assert got[what].status == 200 and b"s1/a-9.m4s" in got[what].body
    if slow:
        assert origin.requests(PLAYLIST) == 2
        assert got["second done"] - t0 < 0.7, got["second done"] - t0
    else:
        assert origin.requests(PLAYLIST) == 1
        assert got["second"].headers.get("x-cache-status") == "HIT"
        assert got["second done"] - t0 < 0.35, got["second done"] - t0


@pytest.mark.parametrize("how", ["502", "cut", "paused"])
def test_a_segment_the_edge_could_not_fetch_is_not_listed(
        uri, store_tool, origin, edges, beats, how):
    """The edge cannot get a segment the origin listed, as when the origin
    dies or pauses between listing and sending it: here the origin answers
    502 for it (what the edge's proxy answers for a dead origin), or a 200
    cut short of its Content-Length (dead mid-answer), or nothing for
    longer than a playlist waits (2 s).  The viewer gets the playlist
    before it, not one that lists a segment it would ask for in vain
    (dash.js raises an error event after three retries), also from the
    proxy cache, until the stream's next answer."""
    newest = f"/{APP}/streams/s1/a-10.m4s"
    segments(origin, [f"s1/a-{n}.m4s" for n in range(7, 10)])
    if how == "502":
        origin.set(newest, b"gone\n", status=502)
    elif how == "cut":
        origin.set(newest, b"\0" * 1000, length=300000)
    else:
        origin.set(newest, b"\0" * 1000)
        gate = origin.gate(newest)
    origin.set(PLAYLIST, hls_playlist(7, count=3))
    on_air(store_tool, uri, origin, beats)
    edge = edges(uri)

    first = edge.get(PLAYLIST)
    assert first.status == 200 and b"s1/a-9.m4s" in first.body

    origin.set(PLAYLIST, hls_playlist(8, count=3))      # lists a-10
    # a refresh from the origin (the memory copy lives 1 s), then polls
    # answered from memory or the proxy cache
    bodies = []
    deadline = time.monotonic() + 4
    while time.monotonic() < deadline:
        r = edge.get(PLAYLIST)
        assert r.status == 200, r.status
        bodies.append(r.body)
        time.sleep(0.1)
    assert origin.requests(f"/{APP}/streams/s1/a-10.m4s") >= 1
    assert all(b"s1/a-10.m4s" not in b for b in bodies), \
        "a segment the edge could not fetch was listed"
    assert all(b == first.body for b in bodies)
    assert counter(edge, "prefetch_lost") >= 1
    if how == "paused":
        gate.set()
        # back: the next answer lists it, and the edge has it
        wait_for(lambda: b"s1/a-10.m4s" in edge.get(PLAYLIST).body, 5,
                 what="the playlist that lists it, once fetched")
        r = edge.get(newest)
        assert r.status == 200 and r.headers.get("x-cache-status") == "HIT"


def test_dash_each_track_and_only_fresh_answers(uri, store_tool, origin,
                                                edges, beats):
    mpd = ('<?xml version="1.0"?>\n<MPD type="dynamic" '
           'publishTime="2026-12-06T03:45:01.123Z">\n<Period id="p0">\n'
           '<AdaptationSet contentType="video"><SegmentTemplate '
           'timescale="90000" media="sessA-v-$Number$.m4s" startNumber="4">'
           '<SegmentTimeline><S t="0" d="180000" r="2"/></SegmentTimeline>'
           '</SegmentTemplate><Representation id="v"/></AdaptationSet>\n'
           '<AdaptationSet contentType="audio"><SegmentTemplate '
           'timescale="48000" media="sessA-a-$Number$.m4s" startNumber="4">'
           '<SegmentTimeline><S t="0" d="96000" r="2"/></SegmentTimeline>'
           '</SegmentTemplate><Representation id="a"/></AdaptationSet>\n'
           '</Period>\n</MPD>\n')
    names = [f"s1/sessA-{t}-{n}.m4s" for t in "va" for n in (4, 5, 6)]
    segments(origin, names)
    origin.set(MPD, mpd)
    on_air(store_tool, uri, origin, beats)
    edge = edges(uri, settings={"fanout_prefetch": "on segments=1"})

    assert edge.get(MPD).status == 200
    for t in "va":
        wait_for(lambda: origin.requests(f"/{APP}/streams/s1/sessA-{t}-6.m4s")
                 == 1, 5, what=f"the newest {t} segment prefetched")
        assert origin.requests(f"/{APP}/streams/s1/sessA-{t}-5.m4s") == 0

    # polls answered from memory or the proxy cache start nothing more
    for _ in range(5):
        assert edge.get(MPD).status == 200
    time.sleep(0.3)
    assert counter(edge, "prefetches") == 2


def test_ladder_mpd_renditions_beside_the_source(uri, store_tool, origin,
                                                 edges, beats):
    """An ABR MPD names each rendition's files "../<s>_<r>/...": resolved,
    they are the same stream's, and prefetched; another stream's are not."""
    def rep(rid, prefix):
        return (f'<Representation id="{rid}"><SegmentTemplate '
                f'initialization="{prefix}sessA-v-init.mp4" '
                f'media="{prefix}sessA-v-$Number$.m4s" startNumber="1">'
                '<SegmentTimeline><S t="0" d="2" r="1"/></SegmentTimeline>'
                '</SegmentTemplate></Representation>')
    mpd = ('<?xml version="1.0"?>\n<MPD type="dynamic">\n<Period id="p0">\n'
           '<AdaptationSet contentType="video">'
           + rep("v", "") + rep("240p400kbps", "../s1_240p400kbps/")
           + rep("x", "../s2_240p400kbps/") + rep("y", "../../Other/streams/s1/")
           + '</AdaptationSet>\n</Period>\n</MPD>\n')
    segments(origin, ["s1/sessA-v-2.m4s", "s1_240p400kbps/sessA-v-2.m4s",
                      "s1/sessA-v-init.mp4", "s1_240p400kbps/sessA-v-init.mp4"])
    origin.set(MPD, mpd)
    on_air(store_tool, uri, origin, beats)
    edge = edges(uri, settings={"fanout_prefetch": "on segments=1"})

    assert edge.get(MPD).status == 200
    # the init segments too: a player that switches Representation while
    # the origin dies needs the one it never asked for
    fetched = [f"/{APP}/streams/{n}" for n in (
        "s1/sessA-v-2.m4s", "s1/sessA-v-init.mp4",
        "s1_240p400kbps/sessA-v-2.m4s", "s1_240p400kbps/sessA-v-init.mp4")]
    for path in fetched:
        wait_for(lambda: origin.requests(path) == 1, 5,
                 what=f"{path} prefetched")
    time.sleep(0.3)
    assert sorted(p for p in origin.counts if p != MPD) == sorted(fetched)


def test_names_of_other_streams_are_not_fetched(uri, store_tool, origin,
                                                edges, beats):
    """A playlist can list anything; the edge fetches only segments of the
    same app and stream, by path (no host, no query, no traversal)."""
    origin.set(PLAYLIST, "\n".join([
        "#EXTM3U", "#EXT-X-TARGETDURATION:2", "#EXT-X-MEDIA-SEQUENCE:1",
        "#EXTINF:2,", "http://127.0.0.1:1/x.m4s",
        "#EXTINF:2,", "../s2/a-1.m4s",
        "#EXTINF:2,", "/Other/streams/s1/a-1.m4s",
        "#EXTINF:2,", "s1/a-1.m4s?x=1",
        "#EXTINF:2,", "s2/a-1.m4s",
        "#EXTINF:2,", "s1/../s1/a-2.m4s",
        "#EXTINF:2,", "s1/a-3.m4s"]) + "\n")
    segments(origin, ["s1/a-2.m4s", "s1/a-3.m4s"])
    on_air(store_tool, uri, origin, beats)
    edge = edges(uri, settings={"fanout_prefetch": "on segments=16"})

    assert edge.get(PLAYLIST).status == 200
    wait_for(lambda: origin.requests(f"/{APP}/streams/s1/a-3.m4s") == 1, 5,
             what="the segments of s1 prefetched")
    time.sleep(0.3)
    # "s1/../s1/a-2.m4s" is s1's own a-2 once its dot segments are gone
    assert sorted(p for p in origin.counts if p.endswith(".m4s")) == [
        f"/{APP}/streams/s1/a-2.m4s", f"/{APP}/streams/s1/a-3.m4s"]
    assert counter(edge, "prefetches") == 2


def test_off_fetches_nothing(uri, store_tool, origin, edges, beats):
    segments(origin, [f"s1/a-{n}.m4s" for n in range(7, 10)])
    origin.set(PLAYLIST, hls_playlist(7, count=3))
    on_air(store_tool, uri, origin, beats)
    edge = edges(uri, settings={"fanout_prefetch": "off"})

    assert edge.get(PLAYLIST).status == 200
    time.sleep(0.5)
    assert not [p for p in origin.counts if p.endswith(".m4s")]
    assert counter(edge, "prefetches") == 0


def test_a_segment_named_twice_is_fetched_once(uri, store_tool, origin,
                                               edges, beats):
    """A new publish's MPD names its first files twice (the old Period's
    one-segment placeholder, its own Period): one prefetch, and the MPD
    goes out when it ends, not after nginx's cache lock (500 ms)."""
    def period(pid, start):
        return (f'<Period id="{pid}" start="PT{start}S">'
                '<AdaptationSet contentType="video"><SegmentTemplate '
                'timescale="1000" initialization="sessB-v-init.mp4" '
                'media="sessB-v-$Number$.m4s" startNumber="6">'
                f'<SegmentTimeline><S t="{start * 1000}" d="2000"/>'
                '</SegmentTimeline></SegmentTemplate>'
                '<Representation id="v"/></AdaptationSet></Period>\n')
    mpd = ('<?xml version="1.0"?>\n<MPD type="dynamic">\n'
           + period("p0", 0) + period("p1", 30) + '</MPD>\n')
    first = f"/{APP}/streams/s1/sessB-v-6.m4s"
    segments(origin, ["s1/sessB-v-6.m4s", "s1/sessB-v-init.mp4"])
    origin.set(MPD, mpd)
    gate = origin.gate(first)
    on_air(store_tool, uri, origin, beats)
    edge = edges(uri, settings={"fanout_prefetch": "on segments=1"})

    got = {}
    poll = threading.Thread(target=lambda: got.update(
        r=edge.get(MPD), done=time.monotonic()))
    poll.start()
    wait_for(lambda: origin.requests(first) == 1, 5,
             what="the prefetch of the first segment")
    time.sleep(0.3)
    released = time.monotonic()
    gate.set()
    poll.join(10)
    assert got["r"].status == 200
    assert got["done"] - released < 0.25, got["done"] - released
    assert origin.requests(first) == 1
    assert counter(edge, "prefetches") == 2          # the segment, the init


def test_polls_during_a_refresh_get_the_copy_it_replaces(
        uri, store_tool, origin, edges, beats):
    """The request that finds the playlist's memory copy expired by
    fanout_playlist_cache_valid, its proxy cache entry still valid,
    refreshes it from the origin ($fanout_playlist_refresh), and its answer
    waits for the prefetch of the newest segment it lists.  Meanwhile the
    other viewers' polls are answered at once from the copy as it was
    (MEM).  They used to find no copy and read the proxy cache entry,
    which the refresh had already replaced, and wait for the same
    prefetch (in edge_scale, 1.4 % of the playlist answers: the slowest
    1 %)."""
    segments(origin, [f"s1/a-{n}.m4s" for n in range(7, 11)])
    origin.set(PLAYLIST, hls_playlist(7, count=3))
    on_air(store_tool, uri, origin, beats)
    edge = edges(uri, settings={"fanout_playlist_cache_valid": "500ms",
                                "proxy_cache_valid": "200 10s"})
    assert edge.get(PLAYLIST).status == 200
    wait_for(lambda: edge.get(PLAYLIST).headers.get("x-cache-status")
             == "MEM", 5, what="a memory hit")
    newest = f"/{APP}/streams/s1/a-10.m4s"
    gate = origin.gate(newest)
    origin.set(PLAYLIST, hls_playlist(8, count=3))
    time.sleep(0.6)                     # the copy expired, its entry not

    got, poll = timed_polls(edge)
    refresh = poll("refresh")
    wait_for(lambda: origin.requests(newest) == 1, 5,
             what="the refresh's prefetch of a-10 at the origin")
    t0 = time.monotonic()
    poll("meanwhile").join(1)
    r = got.get("meanwhile")
    assert r is not None, "a poll during the refresh waited for it"
    assert "refresh" not in got, "the refresh went out before its segment"
    assert r.status == 200 and r.headers.get("x-cache-status") == "MEM"
    assert b"s1/a-9.m4s" in r.body and b"s1/a-10.m4s" not in r.body
    assert got["meanwhile done"] - t0 < 0.5, got["meanwhile done"] - t0

    gate.set()
    refresh.join(10)
    r = got["refresh"]
    assert r.status == 200 and r.headers.get("x-cache-status") == "BYPASS"
    assert b"s1/a-10.m4s" in r.body
    r = edge.get(PLAYLIST)                # the refresh's answer replaced it
    assert r.headers.get("x-cache-status") == "MEM"
    assert b"s1/a-10.m4s" in r.body
    assert origin.requests(PLAYLIST) == 2
    assert counter(edge, "playlist_refreshes") == 1
