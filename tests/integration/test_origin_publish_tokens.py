"""Publish tokens (issue #14, Publishing): Ant Media's one-time, JWT and
hash tokens, switched on per application through the app settings REST,
and acceptUndefinedStreams.  Real ffmpeg publishes over RTMP with
`?token=` to two real origins sharing one SQLite store; each refusal is
checked by its RTMP status in the origin's log, its reason counter in
/metrics, and the store (no broadcast left behind).  One origin pair for
the whole module; the settings change through REST between cases."""
import hashlib
import json
import re
import sqlite3
import subprocess
import time

import pytest

from conftest import ORIGIN_BIN, Origin, http_get, wait_for
from harness.jwt import b64url as b64, hs256

pytestmark = pytest.mark.skipif(not ORIGIN_BIN.exists(),
                                reason="fanout-origin not built")

APP = "LiveApp"
SETTINGS = f"/rest/v2/applications/settings/{APP}"
JWT_SECRET = "jwt-secret-0123456789abcdef-0123456789"
HASH_SECRET = "hash-secret-0123456789"
BAD_NAME = "NetStream.Publish.BadName"
REJECTED = "NetStream.Publish.Rejected"
OFF = {"publishTokenControlEnabled": False, "publishJwtControlEnabled": False,
       "hashControlPublishEnabled": False, "acceptUndefinedStreams": True}


def call(o, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    hdrs = {"Content-Type": "application/json"} if data is not None else {}
    st, _, b = http_get(o.http + path, method=method, body=data,
                        headers=hdrs)
    return st, json.loads(b) if b else None


def put_settings(o, **changes):
    st, r = call(o, "PUT", SETTINGS, dict(OFF, **changes))
    assert st == 200 and r["success"], r


def refusals(o, reason):
    st, _, body = http_get(o.http + "/metrics")
    assert st == 200
    m = re.search(r'^fanout_publish_token_refusals_total\{reason="%s"\} (\d+)$'
                  % reason, body.decode(), re.M)
    assert m, body
    return int(m.group(1))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    d = tmp_path_factory.mktemp("tokens")
    uri = f"sqlite://{d}/cluster.db"
    a = Origin(d, uri, name="origin-a", host="127.0.23.1")
    b = Origin(d, uri, name="origin-b", host="127.0.23.2")
    started = []
    try:
        for o in (a, b):
            started.append(o.start())
        yield a, b, d
    finally:
        for o in started:
            o.stop()
        # No token ever reaches a log.
        for o in (a, b):
            for t in Tokens.seen:
                assert t not in o.log_text(), "a token was logged"


class Tokens:
    seen = []


def publish(o, workdir, stream, token=None, on_app=False, seconds=1):
    """ffmpeg publishes `seconds` of a test pattern; the token on the
    stream name, or on the app (rtmp://host/LiveApp?token=.../stream)."""
    if token is not None:
        Tokens.seen.append(token)
    q = f"?token={token}" if token is not None else ""
    if on_app:
        url = f"rtmp://{o.host}:{o.rtmp_port}/{APP}{q}/{stream}"
    else:
        url = f"rtmp://{o.host}:{o.rtmp_port}/{APP}/{stream}{q}"
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
           "-f", "lavfi", "-i", "testsrc=size=160x96:rate=10", "-t",
           str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "10",
           "-pix_fmt", "yuv420p", "-f", "flv", url]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


def assert_accepted(o, workdir, stream, token=None, **kw):
    r = publish(o, workdir, stream, token, **kw)
    assert r.returncode == 0, r.stderr
    assert f"publish {APP}/{stream} started" in o.log_text()
    # ffmpeg is gone: wait for the release, so later cases see a still
    # store.
    assert wait_for(lambda: call(o, "GET", f"/{APP}/rest/v2/broadcasts/"
                                 f"{stream}")[1].get("status") == "finished",
                    10), f"{stream} was not released"


def store_trace(o, stream):
    """The stream's broadcast record and publish sessions, as REST shows
    them (a 404 when there is none)."""
    st, bc = call(o, "GET", f"/{APP}/rest/v2/broadcasts/{stream}")
    _, sessions = call(o, "GET", f"/{APP}/rest/v2/broadcasts/{stream}/sessions")
    if st == 404:
        return None
    return bc["status"], bc["originAdress"], json.dumps(sessions)


def assert_refused(o, workdir, stream, token, status, reason, **kw):
    before = refusals(o, reason)
    trace = store_trace(o, stream)
    r = publish(o, workdir, stream, token, **kw)
    assert r.returncode != 0, "ffmpeg published: " + r.stderr
    line = f"publish {APP}/{stream} refused ({status})"
    assert wait_for(lambda: line in o.log_text(), 10), o.log_text()[-2000:]
    assert refusals(o, reason) == before + 1
    # Nothing left behind: no broadcast record (none, or the one of an
    # earlier publish, unchanged), so no claim and no session either.
    assert store_trace(o, stream) == trace, f"{stream} changed the store"


def jwt(claims, secret=JWT_SECRET):
    return hs256(claims, secret)


def sha(stream, role):
    return hashlib.sha256((stream + role + HASH_SECRET).encode()).hexdigest()


def test_settings_round_trip_and_secrets_masked(cluster):
    a, b, _ = cluster
    put_settings(a, jwtStreamSecretKey=JWT_SECRET, tokenHashSecret=HASH_SECRET,
                 playTokenControlEnabled=True, playJwtControlEnabled=False)
    st, s = call(b, "GET", SETTINGS)
    assert st == 200
    assert s["jwtStreamSecretKey"] == "********"
    assert s["tokenHashSecret"] == "********"
    assert s["playTokenControlEnabled"] is True
    assert s["acceptUndefinedStreams"] is True
    assert JWT_SECRET not in json.dumps(s) and HASH_SECRET not in json.dumps(s)
    # The GET body sent back keeps the secrets (the mask is not stored).
    st, r = call(b, "PUT", SETTINGS, s)
    assert st == 200 and r["success"], r
    # A control on without its secret is refused, naming the key.
    st, r = call(a, "PUT", SETTINGS, {"tokenHashSecret": None,
                                      "hashControlPublishEnabled": True})
    assert st == 400 and r["message"].startswith("tokenHashSecret"), r
    st, r = call(a, "PUT", SETTINGS, {"publishJwtControlEnabled": "yes"})
    assert st == 400 and "publishJwtControlEnabled" in r["message"], r


def test_hash_tokens(cluster):
    a, _, d = cluster
    put_settings(a, hashControlPublishEnabled=True,
                 tokenHashSecret=HASH_SECRET)
    assert_accepted(a, d, "h1", sha("h1", "publish"))
    assert_refused(a, d, "h2", None, BAD_NAME, "missing")
    assert_refused(a, d, "h3", sha("other", "publish"), REJECTED, "invalid")
    assert_refused(a, d, "h4", sha("h4", "play"), REJECTED, "invalid")
    good = sha("h5", "publish")
    tampered = ("0" if good[0] != "0" else "1") + good[1:]
    assert_refused(a, d, "h5", tampered, REJECTED, "invalid")
    assert_refused(a, d, "h6", "a%zz", BAD_NAME, "malformed")
    # On the app (connect's tcUrl) instead of the stream name.
    assert_accepted(a, d, "h7", sha("h7", "publish"), on_app=True)


def test_jwt_tokens(cluster):
    a, b, d = cluster
    put_settings(a, publishJwtControlEnabled=True,
                 jwtStreamSecretKey=JWT_SECRET)
    exp = int(time.time()) + 600
    st, t = call(b, "GET", f"/{APP}/rest/v2/broadcasts/j1/jwt-token"
                           f"?expireDate={exp}&type=publish")
    assert st == 200 and t["streamId"] == "j1" and t["expireDate"] == exp, t
    assert t["type"] == "publish" and "roomId" in t
    assert_accepted(a, d, "j1", t["tokenId"])
    assert_refused(a, d, "j2", None, BAD_NAME, "missing")
    assert_refused(a, d, "j3", jwt({"streamId": "j3", "type": "publish",
                                    "exp": int(time.time()) - 30}),
                   REJECTED, "expired")
    assert_refused(a, d, "j4", jwt({"streamId": "other", "type": "publish",
                                    "exp": exp}), REJECTED, "invalid")
    assert_refused(a, d, "j5", jwt({"streamId": "j5", "type": "play",
                                    "exp": exp}), REJECTED, "invalid")
    good = jwt({"streamId": "j6", "type": "publish", "exp": exp})
    forged = jwt({"streamId": "j6", "type": "publish", "exp": exp},
                 secret="another-secret-0123456789abcdef-0123")
    assert_refused(a, d, "j6", forged, REJECTED, "invalid")
    head, _, mac = good.split(".")
    other = b64(json.dumps({"streamId": "j6", "type": "publish",
                            "exp": exp + 1}).encode())
    assert_refused(a, d, "j6", f"{head}.{other}.{mac}", REJECTED, "invalid")


def test_one_time_tokens_cluster_wide(cluster):
    a, b, d = cluster
    put_settings(a, publishTokenControlEnabled=True)
    exp = int(time.time()) + 600

    def mint(o, stream, type_="publish", expire=exp):
        st, t = call(o, "GET", f"/{APP}/rest/v2/broadcasts/{stream}/token"
                               f"?expireDate={expire}&type={type_}")
        assert st == 200 and t["streamId"] == stream, t
        return t["tokenId"]

    soon_exp = int(time.time()) + 2
    soon = mint(a, "o7", expire=soon_exp)
    t1 = mint(a, "o1")
    assert_accepted(b, d, "o1", t1)  # minted on a, used on b
    assert_refused(a, d, "o2", t1, REJECTED, "invalid")  # and only once
    st, _ = call(a, "GET", f"/{APP}/rest/v2/broadcasts/o3/token"
                           f"?expireDate={int(time.time()) - 1}&type=publish")
    assert st == 400
    t4 = mint(a, "o4")
    assert_refused(a, d, "o5", t4, REJECTED, "invalid")  # another stream's
    assert_accepted(a, d, "o4", t4)  # still good for its own
    assert_refused(a, d, "o4", t4, REJECTED, "invalid")  # reused
    assert_refused(a, d, "o6", mint(a, "o6", "play"), REJECTED, "invalid")
    t8 = mint(a, "o8")
    assert_refused(a, d, "o8", t8[:-1] + ("0" if t8[-1] != "0" else "1"),
                   REJECTED, "invalid")  # tampered
    assert_refused(a, d, "o9", None, BAD_NAME, "missing")
    # Expired: minted to live 2 s.
    assert wait_for(lambda: time.time() > soon_exp + 0.2, 5)
    assert_refused(a, d, "o7", soon, REJECTED, "invalid")
    db = sqlite3.connect(str(d / "cluster.db"))
    left = db.execute("SELECT count(*) FROM stream_token WHERE stream_id "
                      "IN ('o1', 'o4')").fetchone()[0]
    assert left == 0


def test_accept_undefined_streams(cluster):
    a, _, d = cluster
    put_settings(a, acceptUndefinedStreams=False)
    assert_refused(a, d, "u1", None, BAD_NAME, "undefined_stream")
    st, r = call(a, "POST", f"/{APP}/rest/v2/broadcasts/create",
                 {"streamId": "u2"})
    assert st == 200, r
    assert_accepted(a, d, "u2")


def test_live_stream_not_taken_without_a_valid_token(cluster):
    """A second publisher of a live stream, on another origin: its token is
    checked before the claim, so before any takeover is considered."""
    a, b, d = cluster
    put_settings(a, hashControlPublishEnabled=True,
                 tokenHashSecret=HASH_SECRET)
    token = sha("live1", "publish")
    Tokens.seen.append(token)
    first = subprocess.Popen(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
         "-f", "lavfi", "-i", "testsrc=size=160x96:rate=10", "-t", "20",
         "-c:v", "libx264", "-preset", "ultrafast", "-g", "10",
         "-pix_fmt", "yuv420p", "-f", "flv",
         f"rtmp://{a.host}:{a.rtmp_port}/{APP}/live1?token={token}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait_for(lambda: f"publish {APP}/live1 started"
                        in a.log_text(), 10), a.log_text()[-2000:]
        owner = store_trace(a, "live1")
        assert owner[0] == "broadcasting"
        assert_refused(b, d, "live1", sha("live1", "play"), REJECTED,
                       "invalid")
        assert_refused(b, d, "live1", None, BAD_NAME, "missing")
        assert "owns it" not in b.log_text()  # no owner lookup was made
        # A valid token reaches the claim, where the live owner keeps it.
        r = publish(b, d, "live1", token)
        assert r.returncode != 0
        assert wait_for(lambda: f"publish {APP}/live1 refused ({BAD_NAME})"
                        f": stream {APP}/live1 is live on another origin"
                        in b.log_text(), 10), b.log_text()[-2000:]
        assert store_trace(a, "live1") == owner
        assert first.poll() is None  # the first publisher is still on
    finally:
        first.terminate()
        first.wait(timeout=10)
