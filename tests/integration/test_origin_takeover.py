"""Takeover in about a second, safely: two real origins, a real store
(redis and sqlite), ffmpeg publishers, a webhook receiver.

- kill -9 of the owner, the publisher back on the other origin: it asks
  the owner (refused: gone), takes the stream over at once, long before
  the dead timeout; REST shows it, webhooks say ended + started, the
  store's history lists both sessions.
- a second publisher while the owner is alive and live: refused.
- the internal endpoint: 401 without or with a wrong ClusterAuthorization.
- SIGSTOP of the owner past the dead timeout, the stream taken over, then
  SIGCONT: the old owner drops it (publisher closed, its URL 404) and the
  store's record stays the new owner's."""
import json
import signal
import time

import pytest

from conftest import ROOT, ORIGIN_BIN, Origin, Publisher, http_get, wait_for
from harness.hooks import Hooks
from harness.jwt import hs256

pytestmark = pytest.mark.skipif(not ORIGIN_BIN.exists(),
                                reason="fanout-origin not built")

KEY = "integration-cluster-key-0123456789"


def token(key, life=30, alg="HS256"):
    """A ClusterAuthorization JWT made here, apart from the origin's code."""
    return hs256({"exp": int(time.time()) + life}, key, alg)


@pytest.fixture(params=["redis", "sqlite"])
def store_uri(request, tmpdir_path):
    if request.param == "sqlite":
        yield f"sqlite://{tmpdir_path}/cluster.db"
    else:
        yield request.getfixturevalue("redis_server").uri


@pytest.fixture
def hooks():
    h = Hooks()
    yield h
    h.close()


def origin(tmpdir_path, store_uri, name, host, period_ms, hooks=None,
           key=KEY):
    extra = {"clusterCommunicationKey": key} if key else {}
    if hooks:
        extra["listenerHookURL"] = hooks.url
    return Origin(tmpdir_path, store_uri, name=name, host=host,
                  period_ms=period_ms, extra=extra).start()


def broadcast(o, stream):
    st, _, body = http_get(f"{o.http}/LiveApp/rest/v2/broadcasts/{stream}")
    return json.loads(body) if st == 200 else None


def playlist_ok(o, stream):
    st, _, _ = http_get(f"{o.http}/LiveApp/streams/{stream}.m3u8")
    return st == 200


def live_on(o, stream, host):
    b = broadcast(o, stream)
    return b is not None and b["status"] == "broadcasting" and \
        b["originAdress"] == host


def test_kill9_owner_then_the_other_origin_takes_over_at_once(
        tmpdir_path, store_uri, hooks):
    period_ms = 2500  # dead after 4 x 2.5 s = 10 s
    a = origin(tmpdir_path, store_uri, "origin-a", "127.0.0.1", period_ms,
               hooks)
    b = origin(tmpdir_path, store_uri, "origin-b", "127.0.0.2", period_ms,
               hooks)
    pub = Publisher(a.rtmp("LiveApp", "moving"), tmpdir_path, name="a")
    pub2 = Publisher(b.rtmp("LiveApp", "moving"), tmpdir_path, name="b")
    try:
        pub.start()
        assert wait_for(lambda: playlist_ok(a, "moving"), 20), a.log_text()
        a.stop(sig=signal.SIGKILL)
        pub.stop()
        t0 = time.monotonic()
        pub2.start()
        assert wait_for(lambda: live_on(b, "moving", "127.0.0.2"), 8), \
            b.log_text()[-3000:]
        claimed = time.monotonic() - t0
        assert wait_for(lambda: playlist_ok(b, "moving"), 10), \
            b.log_text()[-3000:]
        listed = time.monotonic() - t0
        print(f"takeover: claimed {claimed:.2f} s, first playlist "
              f"{listed:.2f} s after the kill (dead timeout "
              f"{4 * period_ms / 1000:.0f} s)")
        assert claimed < 4 * period_ms / 1000 / 2, claimed
        assert "take over" in b.log_text()

        # Webhooks: started (A), ended (A's session), started (B's).
        assert wait_for(lambda: len(hooks.got) >= 3, 10), hooks.got
        actions = [(h["action"], h.get("sessionId")) for h in hooks.got]
        (s1, a_session), (e1, ended), (s2, b_session) = actions[:3]
        assert (s1, e1, s2) == ("liveStreamStarted", "liveStreamEnded",
                                "liveStreamStarted"), actions
        assert ended == a_session and b_session != a_session, actions

        # The store's history, newest first.
        st, _, body = http_get(
            f"{b.http}/LiveApp/rest/v2/broadcasts/moving/sessions")
        assert st == 200, body
        hist = json.loads(body)
        assert [h["sessionId"] for h in hist[:2]] == [b_session, a_session]
        assert hist[0]["nodeId"] == "origin-b" and hist[0]["endTime"] == 0
        assert hist[1]["nodeId"] == "origin-a"
        assert hist[1]["endReason"] == "takenOver"
    finally:
        pub.stop()
        pub2.stop()
        a.stop()
        b.stop()


def test_a_second_publisher_is_refused_while_the_owner_is_live(
        tmpdir_path, store_uri):
    a = origin(tmpdir_path, store_uri, "origin-a", "127.0.0.1", 500)
    b = origin(tmpdir_path, store_uri, "origin-b", "127.0.0.2", 500)
    pub = Publisher(a.rtmp("LiveApp", "dup"), tmpdir_path, name="a")
    try:
        pub.start()
        assert wait_for(lambda: live_on(a, "dup", "127.0.0.1"), 20)
        late = Publisher(b.rtmp("LiveApp", "dup"), tmpdir_path, seconds=3,
                         name="late").start()
        assert late.wait(30) != 0
        assert "duplicate publisher" in b.log_text(), b.log_text()[-2000:]
        assert live_on(b, "dup", "127.0.0.1")
        assert pub.proc.poll() is None  # the owner's publisher carries on
    finally:
        pub.stop()
        a.stop()
        b.stop()


def test_the_internal_endpoint_wants_a_valid_cluster_authorization(
        tmpdir_path):
    store = f"sqlite://{tmpdir_path}/cluster.db"
    a = origin(tmpdir_path, store, "origin-a", "127.0.0.1", 500)
    nokey = origin(tmpdir_path, store, "origin-n", "127.0.0.3", 500, key="")
    url = "/internal/v1/streams/LiveApp/cam"
    try:
        assert http_get(a.http + url)[0] == 401
        for bad in ("", "garbage", token("another-key-0123456789"),
                    token(KEY, life=-60), token(KEY, life=3600),
                    token(KEY, alg="none")):
            st, _, body = http_get(a.http + url,
                                   headers={"ClusterAuthorization": bad})
            assert st == 401, (bad, body)
        st, _, body = http_get(a.http + url,
                               headers={"ClusterAuthorization": token(KEY)})
        assert st == 200, body
        assert json.loads(body) == {"app": "LiveApp", "streamId": "cam",
                                    "live": False, "sessionId": ""}
        # No key configured: nobody gets an answer.
        st, _, _ = http_get(nokey.http + url,
                            headers={"ClusterAuthorization": token(KEY)})
        assert st == 401
        for o in (a, nokey):
            assert KEY not in o.log_text()
    finally:
        a.stop()
        nokey.stop()


def test_a_paused_owner_drops_the_stream_it_lost(tmpdir_path, store_uri):
    period_ms = 500  # dead after 2 s
    a = origin(tmpdir_path, store_uri, "origin-a", "127.0.0.1", period_ms)
    b = origin(tmpdir_path, store_uri, "origin-b", "127.0.0.2", period_ms)
    pub = Publisher(a.rtmp("LiveApp", "paused"), tmpdir_path, name="a")
    pub2 = Publisher(b.rtmp("LiveApp", "paused"), tmpdir_path, name="b")
    try:
        pub.start()
        assert wait_for(lambda: playlist_ok(a, "paused"), 20), a.log_text()
        a.proc.send_signal(signal.SIGSTOP)
        time.sleep(4 * period_ms / 1000 + 1)  # past the dead timeout
        pub2.start()
        assert wait_for(lambda: live_on(b, "paused", "127.0.0.2"), 10), \
            b.log_text()[-3000:]
        b_record = broadcast(b, "paused")
        a.proc.send_signal(signal.SIGCONT)

        # A's next store write tells it: it closes its publisher...
        assert wait_for(lambda: pub.proc.poll() is not None, 10), \
            a.log_text()[-3000:]
        assert "lost to another origin" in a.log_text()
        # ...never touches B's record...
        time.sleep(3 * period_ms / 1000)
        now = broadcast(b, "paused")
        assert now["status"] == "broadcasting"
        assert now["originAdress"] == "127.0.0.2"
        assert now["streamId"] == b_record["streamId"]
        st, _, body = http_get(f"{a.http}/metrics")
        assert "fanout_streams_lost_total 1" in body.decode()
        # ...and no longer serves the stream as live.
        st, _, _ = http_get(f"{a.http}/LiveApp/streams/paused.m3u8")
        assert st == 404
        assert pub2.proc.poll() is None
    finally:
        try:
            a.proc.send_signal(signal.SIGCONT)
        except (AttributeError, ProcessLookupError):
            pass
        pub.stop()
        pub2.stop()
        a.stop()
        b.stop()


def test_a_frozen_owner_is_taken_over_when_its_answer_times_out(
        tmpdir_path, store_uri):
    """The owner still counts as alive, its kernel accepts the connection,
    but it never answers (SIGSTOP, or a partition that drops packets): the
    probe's deadline (500 ms) decides, long before the dead timeout."""
    period_ms = 2500  # dead after 10 s
    a = origin(tmpdir_path, store_uri, "origin-a", "127.0.0.1", period_ms)
    b = origin(tmpdir_path, store_uri, "origin-b", "127.0.0.2", period_ms)
    pub = Publisher(a.rtmp("LiveApp", "frozen"), tmpdir_path, name="a")
    pub2 = Publisher(b.rtmp("LiveApp", "frozen"), tmpdir_path, name="b")
    try:
        pub.start()
        assert wait_for(lambda: playlist_ok(a, "frozen"), 20), a.log_text()
        a.proc.send_signal(signal.SIGSTOP)
        t0 = time.monotonic()
        pub2.start()
        assert wait_for(lambda: live_on(b, "frozen", "127.0.0.2"), 8), \
            b.log_text()[-3000:]
        took = time.monotonic() - t0
        print(f"frozen owner taken over after {took:.2f} s")
        assert took < 4 * period_ms / 1000 / 2
        assert "no answer in time" in b.log_text()
    finally:
        try:
            a.proc.send_signal(signal.SIGCONT)
        except (AttributeError, ProcessLookupError):
            pass
        pub.stop()
        pub2.stop()
        a.stop()
        b.stop()
