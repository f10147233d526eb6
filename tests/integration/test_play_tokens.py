"""Ant Media's play tokens (issue #14, Playback): playTokenControlEnabled
(one-time, stored) and playJwtControlEnabled (JWT), switched on through the
app settings REST.  A playlist asked for with ?token= is answered with a
302 to the same playlist under a signed path (origin/src/http/
play_access.h), which every relative URI inherits; without a token, or
with a bad one, a CORS 403 with the exact reason.  Checked on a real
origin played directly and through the shipped edge.conf with
fanout_play_signed on, where the exchange goes past the caches (a reused
one-time token is refused even while the playlist is cached)."""
import http.client
import json
import re
import time
import urllib.parse

import pytest

import conftest
from conftest import http_get
from harness.jwt import hs256
from test_edge_harness import edges, get, wait_for  # noqa: F401

ORIGIN_BIN = conftest.BUILD / "bin" / "fanout-origin"
pytestmark = pytest.mark.skipif(not ORIGIN_BIN.exists(),
                                reason="fanout-origin not built")

HOST = "127.0.25.1"
APP = "LiveApp"
STREAM = "tok1"
SECRET = "play-jwt-secret-0123456789abcdef-0123"
KEYS = "k1 " + "5a" * 32
EDGE_OPTS = "update_period_ms=500&dead_factor=4&timeout_ms=1000"


def jwt(claims, secret=SECRET):
    return hs256(claims, secret)


def fetch(host, port, path):
    """One request, redirects not followed: (status, headers, body)."""
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def rest(origin, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    hdrs = {"Content-Type": "application/json"} if data is not None else {}
    st, _, b = http_get(origin.http + path, method=method, body=data,
                        headers=hdrs)
    return st, json.loads(b) if b else None


def token(origin, kind, stream=STREAM, expire=None, type_="play"):
    expire = expire or int(time.time()) + 600
    st, body = rest(origin, "GET", f"/{APP}/rest/v2/broadcasts/{stream}/"
                    f"{kind}?type={type_}&expireDate={expire}")
    assert st == 200, body
    return body


@pytest.fixture(scope="module")
def origin(tmp_path_factory):
    work = tmp_path_factory.mktemp("playtok")
    keys = work / "play.keys"
    keys.write_text(KEYS + "\n")
    uri = f"sqlite://{work}/cluster.db"
    o = conftest.Origin(work, uri, host=HOST, extra={
        "play.keys_file": str(keys)}).start()
    pub = conftest.Publisher(o.rtmp(APP, STREAM), work).start()
    try:
        st, r = rest(o, "PUT", f"/rest/v2/applications/settings/{APP}", {
            "playTokenControlEnabled": True, "playJwtControlEnabled": True,
            "jwtStreamSecretKey": SECRET})
        assert st == 200 and r["success"], r
        wait_for(lambda: http_get(f"{o.http}/{APP}/streams/{STREAM}.m3u8?"
                                  f"token={token(o, 'jwt-token')['tokenId']}"
                                  )[0] == 200, 30, what="the stream")
        o.work, o.uri, o.keys = work, uri, keys
        yield o
    finally:
        pub.stop()
        o.stop()
    assert SECRET not in o.log_text()


def refused(reply, why):
    st, hdrs, body = reply
    assert st == 403, (st, body)
    assert hdrs.get("access-control-allow-origin") == "*"
    assert json.loads(body)["message"] == why


def exchanged(reply):
    """The signed path a 302 sends the player to."""
    st, hdrs, body = reply
    assert st == 302, (st, body)
    assert hdrs.get("cache-control") == "no-store"
    assert hdrs.get("access-control-allow-origin") == "*"
    loc = hdrs["location"]
    assert re.match(rf"^/{APP}/streams/t=[^/]+/{STREAM}\.m3u8$", loc), loc
    return loc


def test_the_rest_answers_carry_a_ready_url(origin):
    one = token(origin, "token")
    assert re.fullmatch(r"[0-9a-f]{32}", one["tokenId"])
    assert one["url"] == (f"/{APP}/streams/{STREAM}_adaptive.m3u8"
                          f"?token={one['tokenId']}")
    j = token(origin, "jwt-token")
    assert j["url"].endswith(f"?token={j['tokenId']}")


def test_a_jwt_plays_through_a_signed_path(origin):
    path = f"/{APP}/streams/{STREAM}.m3u8"
    t = token(origin, "jwt-token")["tokenId"]
    loc = exchanged(fetch(HOST, origin.http_port, f"{path}?token={t}"))
    st, _, body = fetch(HOST, origin.http_port, loc)
    assert st == 200 and b"#EXTINF" in body
    seg = re.findall(rb"^(\S+\.m4s)$", body, re.M)[-1].decode()
    seg_path = urllib.parse.urljoin(loc, seg)
    assert "/t=" in seg_path
    assert fetch(HOST, origin.http_port, seg_path)[0] == 200
    # The same JWT works again (not one-time); other query args stay.
    st, hdrs, _ = fetch(HOST, origin.http_port, f"{path}?sid=9&token={t}")
    assert st == 302 and hdrs["location"].endswith(".m3u8?sid=9")


def test_each_bad_token_is_refused_with_its_reason(origin):
    path = f"/{APP}/streams/{STREAM}.m3u8"
    now = int(time.time())
    claims = {"streamId": STREAM, "type": "play", "exp": now + 600}
    good = jwt(claims)
    tampered = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
    cases = {
        "missing": (path, "no playback token"),
        "empty": (f"{path}?token=", "no playback token"),
        "jwt expired": (f"{path}?token={jwt(dict(claims, exp=now - 5))}",
                        "expired playback token"),
        "jwt wrong stream": (f"{path}?token={jwt(dict(claims, streamId='x'))}",
                             "invalid playback token"),
        "jwt wrong type": (f"{path}?token={jwt(dict(claims, type='publish'))}",
                           "invalid playback token"),
        "jwt tampered": (f"{path}?token={tampered}", "invalid playback token"),
        "jwt other secret": (f"{path}?token={jwt(claims, 'x' * 40)}",
                             "invalid playback token"),
        "one-time unknown": (f"{path}?token={'0' * 32}",
                             "invalid playback token"),
        "segment": (f"/{APP}/streams/{STREAM}/x-1.m4s?token={good}",
                    "a playback token is taken on a playlist only"),
    }
    for what, (p, why) in cases.items():
        refused(fetch(HOST, origin.http_port, p), why)
    # The one-time kinds: another stream's, a publish token, an expired
    # one, and a used one.
    other = token(origin, "token", stream="other")["tokenId"]
    refused(fetch(HOST, origin.http_port, f"{path}?token={other}"),
            "invalid playback token")
    # ... which stays usable for its own stream (nothing to serve there)
    st, _, _ = fetch(HOST, origin.http_port,
                     f"/{APP}/streams/other.m3u8?token={other}")
    assert st == 302
    pub = token(origin, "token", type_="publish")["tokenId"]
    refused(fetch(HOST, origin.http_port, f"{path}?token={pub}"),
            "invalid playback token")
    soon = token(origin, "token", expire=int(time.time()) + 2)["tokenId"]
    time.sleep(3.1)
    refused(fetch(HOST, origin.http_port, f"{path}?token={soon}"),
            "invalid playback token")
    once = token(origin, "token")["tokenId"]
    exchanged(fetch(HOST, origin.http_port, f"{path}?token={once}"))
    refused(fetch(HOST, origin.http_port, f"{path}?token={once}"),
            "invalid playback token")


def test_controls_off_nothing_is_asked(origin):
    st, r = rest(origin, "PUT", f"/rest/v2/applications/settings/{APP}", {
        "playTokenControlEnabled": False, "playJwtControlEnabled": False})
    assert st == 200, r
    try:
        path = f"/{APP}/streams/{STREAM}.m3u8"
        wait_for(lambda: fetch(HOST, origin.http_port, path)[0] == 200, 5,
                 what="the unsigned playlist once the controls are off")
    finally:
        st, r = rest(origin, "PUT", f"/rest/v2/applications/settings/{APP}",
                     {"playTokenControlEnabled": True,
                      "playJwtControlEnabled": True})
        assert st == 200, r
    wait_for(lambda: fetch(HOST, origin.http_port, path)[0] == 403, 5,
             what="the controls back on")


def test_through_the_edge_each_token_is_checked_once(origin, edges):
    edge = edges(f"{origin.uri}?{EDGE_OPTS}", workers=2,
                 settings={"fanout_play_signed": "on"},
                 extra_http=f"fanout_play_keys {origin.keys};")
    path = f"/{APP}/streams/{STREAM}.m3u8"
    # Without a token: the edge's own 403.
    r = get(edge.port, path)
    assert r.status == 403 and r.body == b"forbidden\n"
    once = token(origin, "token")["tokenId"]
    r = wait_for(lambda: (lambda x: x if x.status == 302 else None)(
        get(edge.port, f"{path}?token={once}")), 20, what="the exchange")
    loc = r.headers["location"]
    # The signed playlist is cached now; the used token still is refused:
    # the exchange goes past the caches to the origin.
    play = get(edge.port, loc)
    assert play.status == 200 and b"#EXTINF" in play.body
    assert get(edge.port, loc).status == 200
    assert get(edge.port, f"{path}?token={once}").status == 403
    # Junk as a token cannot fetch through an edge that checks signatures,
    # whatever the origin's own play.signed.
    assert get(edge.port, f"{path}?token=junk").status == 403
    seg = re.findall(rb"^(\S+\.m4s)$", play.body, re.M)[-1].decode()
    assert get(edge.port, urllib.parse.urljoin(loc, seg)).status == 200
    # A JWT, and a player (ffprobe) that follows the 302 and the relative
    # URIs under the signed path.
    t = token(origin, "jwt-token")["tokenId"]
    info = conftest.ffprobe(f"http://127.0.0.1:{edge.port}{path}?token={t}")
    assert {s["codec_name"] for s in info["streams"]} >= {"h264", "aac"}
    # No token reaches the edge's access log ($fanout_request_line).
    log = "\n".join(edge.access_log())
    signed = loc.split("/")[3][2:]
    for secret in (once, t, signed):
        assert secret not in log
    assert "?token=- " in log and "/t=-/" in log, log[-2000:]
