"""Signed playback URLs (issue #14, "Playback"), end to end: a real origin
(play.signed) transcoding a one-rendition ladder, the shipped edge.conf
with fanout_play_signed on, the same keys file for both.  Tokens come from
the origin's REST call; a signed master URL plays its renditions,
segments and MPD through the edge; bad tokens get a CORS 403 from the edge
and from the origin played directly; 100 viewers with 100 tokens cost the
origin one fetch of a segment."""
import json
import re
import signal
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

import conftest
from harness import play_token
from test_edge_harness import (  # noqa: F401  (fixtures)
    edges, get, wait_for)

ORIGIN_BIN = conftest.BUILD / "bin" / "fanout-origin"
pytestmark = pytest.mark.skipif(not ORIGIN_BIN.exists(),
                                reason="fanout-origin not built")

HOST = "127.0.22.1"
EDGE_OPTS = "update_period_ms=500&dead_factor=4&timeout_ms=1000"
K_NEW = "k2 " + "ab" * 32
K_OLD = "k1 " + "cd" * 40
STREAM = "sig1"


def rest_token(origin, stream, expire, type_="play"):
    url = (f"{origin.http}/LiveApp/rest/v2/broadcasts/{stream}/token"
           f"?type={type_}&expireDate={expire}")
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def forge(token, **change):
    """kid.exp.bind.mac with a field replaced."""
    kid, exp, bind, mac = token.split(".")
    fields = dict(kid=kid, exp=exp, bind=bind, mac=mac)
    fields.update(change)
    return ".".join(fields[k] for k in ("kid", "exp", "bind", "mac"))


@pytest.fixture(scope="module")
def signed(tmp_path_factory):
    """One origin (play.signed, a 240p ladder), one publisher; the keys."""
    work = tmp_path_factory.mktemp("signed")
    keys = work / "play.keys"
    keys.write_text(f"# newest first\n{K_NEW}\n{K_OLD}\n")
    uri = f"sqlite://{work}/cluster.db"
    origin = conftest.Origin(work, uri, host=HOST, extra={
        "play.signed": "true", "play.keys_file": str(keys),
        "encoderSettingsString": "240,300000,0",
        "encoderPreset": "ultrafast"}).start()
    pub = conftest.Publisher(origin.rtmp("LiveApp", STREAM), work).start()
    try:
        yield work, uri, keys, origin
    finally:
        pub.stop()
        origin.stop()


@pytest.fixture
def edge(signed, edges):
    work, uri, keys, origin = signed
    return edges(f"{uri}?{EDGE_OPTS}", workers=2,
                 settings={"fanout_play_signed": "on"},
                 extra_http=f"fanout_play_keys {keys};")


def master_ready(edge, url):
    r = get(edge.port, url)
    if r.status == 200 and "240p300kbps" in r.text:
        return r
    return None


def forbidden(r):
    return (r.status == 403
            and r.headers.get("access-control-allow-origin") == "*"
            and len(r.body) < 200)


def test_rest_token_is_ant_media_token_with_url(signed):
    _, _, _, origin = signed
    exp = int(time.time()) + 600
    status, body = rest_token(origin, STREAM, exp)
    assert status == 200, body
    assert body["streamId"] == STREAM and body["type"] == "play"
    assert body["expireDate"] == exp and body["roomId"] is None
    assert body["tokenId"].startswith("k2.")        # the newest key signs
    assert body["url"] == (f"/LiveApp/streams/t={body['tokenId']}/"
                           f"{STREAM}_adaptive.m3u8")
    # type=publish on the same call: a one-time publish token, no URL
    status, pub = rest_token(origin, STREAM, exp, "publish")
    assert status == 200 and pub["type"] == "publish" and "url" not in pub
    assert rest_token(origin, STREAM, exp, "other")[0] == 400
    assert rest_token(origin, STREAM, int(time.time()) - 1)[0] == 400
    assert rest_token(origin, STREAM, "")[0] == 400


def test_signed_master_plays_everything_through_the_edge(signed, edge):
    _, _, _, origin = signed
    tok = rest_token(origin, STREAM, int(time.time()) + 600)[1]
    url = tok["url"]
    base = url.rsplit("/", 1)[0]
    master = wait_for(lambda: master_ready(edge, url), 40,
                      what="the signed master playlist")
    variants = re.findall(r"^(\S+\.m3u8)$", master.text, re.M)
    assert f"{STREAM}_240p300kbps.m3u8" in variants, master.text
    for v in variants:                      # every rendition, relative URIs
        r = wait_for(lambda: (lambda x: x if x.status == 200 and
                              "#EXTINF" in x.text else None)(
                                  get(edge.port, f"{base}/{v}")), 20,
                     what=v)
        seg = re.findall(r"^(\S+\.m4s)$", r.text, re.M)[-1]
        init = re.search(r'URI="([^"]+)"', r.text).group(1)
        for name in (seg, init):
            s = get(edge.port, f"{base}/{name}")
            assert s.status == 200 and len(s.body) > 100, (name, s.status)
    mpd_path = f"{base}/{STREAM}/{STREAM}.mpd"
    mpd = get(edge.port, mpd_path)
    assert mpd.status == 200 and b"<MPD" in mpd.body
    inits = re.findall(r'initialization="([^"]+)"', mpd.text)
    assert any(i.startswith("../") for i in inits), mpd.text  # the ladder's
    for i in inits:                         # ../{id}_{r}/... keeps the token
        path = urllib.parse.urljoin(mpd_path, i)
        assert path.startswith(base + "/"), path
        r = get(edge.port, path)
        assert r.status == 200 and len(r.body) > 100, (path, r.status)
    assert get(edge.port, f"{base}/time").status == 200      # UTCTiming ../time
    assert get(edge.port, "/LiveApp/streams/time").status == 200  # unsigned
    # ffprobe follows the relative URIs under the token element
    info = conftest.ffprobe(f"http://127.0.0.1:{edge.port}{url}")
    assert {s["codec_name"] for s in info["streams"]} >= {"h264", "aac"}


def test_bad_tokens_get_a_cors_403(signed, edge):
    _, _, keys, origin = signed
    now = int(time.time())
    tok = rest_token(origin, STREAM, now + 600)[1]["tokenId"]
    wait_for(lambda: master_ready(
        edge, f"/LiveApp/streams/t={tok}/{STREAM}_adaptive.m3u8"), 40)
    expired = "k2." + str(now - 5) + ".p." + "A" * 43
    other = rest_token(origin, "other", now + 600)[1]["tokenId"]
    mac = tok.split(".")[3]
    cases = {
        "missing": f"/LiveApp/streams/{STREAM}.m3u8",
        "missing segment": f"/LiveApp/streams/{STREAM}/x-1.m4s",
        "tampered mac": f"/LiveApp/streams/t={forge(tok, mac=mac[::-1])}/"
                        f"{STREAM}.m3u8",
        "tampered exp": f"/LiveApp/streams/t={forge(tok, exp=str(now + 9999))}"
                        f"/{STREAM}.m3u8",
        "unknown kid": f"/LiveApp/streams/t={forge(tok, kid='k9')}/"
                       f"{STREAM}.m3u8",
        "wrong stream": f"/LiveApp/streams/t={other}/{STREAM}.m3u8",
        "garbage": f"/LiveApp/streams/t=abc/{STREAM}.m3u8",
        "expired": f"/LiveApp/streams/t={expired}/{STREAM}.m3u8",
    }
    before = edge.status()
    for what, path in cases.items():
        r = get(edge.port, path)
        assert forbidden(r), (what, r.status, r.headers, r.body)
        assert r.body == b"forbidden\n", what
        direct = urllib.request.Request(f"{origin.http}{path}")
        try:
            urllib.request.urlopen(direct, timeout=5)
            raise AssertionError(f"origin served {what}")
        except urllib.error.HTTPError as e:
            assert e.code == 403, (what, e.code)
            assert e.headers.get("Access-Control-Allow-Origin") == "*"
    after = edge.status()
    refused = sum(after[k] - before[k]
                  for k in ("play_missing", "play_bad", "play_expired"))
    assert refused == len(cases), (before, after)
    assert after["play_missing"] - before["play_missing"] == 2
    # a forged expired token is "bad"; only a genuine one counts as expired
    soon = int(time.time()) + 2
    real_expired = rest_token(origin, STREAM, soon)[1]["tokenId"]
    wait_for(lambda: time.time() > soon + 1.1, 5)
    r = get(edge.port, f"/LiveApp/streams/t={real_expired}/{STREAM}.m3u8")
    assert forbidden(r)
    assert edge.status()["play_expired"] == after["play_expired"] + 1


def test_origin_played_directly_needs_the_token(signed):
    _, _, _, origin = signed
    tok = rest_token(origin, STREAM, int(time.time()) + 600)[1]
    with urllib.request.urlopen(origin.http + tok["url"], timeout=5) as r:
        assert r.status == 200 and b"#EXT-X-STREAM-INF" in r.read()
    metrics = urllib.request.urlopen(origin.http + "/metrics").read().decode()
    assert re.search(r"^fanout_play_refused_total [1-9]", metrics, re.M)


def test_key_rotation_two_keys_at_once(signed, edge):
    _, _, keys, origin = signed
    exp = int(time.time()) + 600
    # a token of the older key (as issued before the new key came first)
    old = play_token.sign(K_OLD, "LiveApp", STREAM, exp)
    new = rest_token(origin, STREAM, exp)[1]["tokenId"]
    assert new == play_token.sign(K_NEW, "LiveApp", STREAM, exp)
    url = f"/LiveApp/streams/t={old}/{STREAM}_adaptive.m3u8"
    assert wait_for(lambda: master_ready(edge, url), 40)
    with urllib.request.urlopen(origin.http + url, timeout=5) as r:
        assert r.status == 200
    # the old key retired: keys file rewritten, origin SIGHUP, edge reload
    keys.write_text(K_NEW + "\n")
    try:
        origin.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: "play.keys_file reloaded" in origin.log_text(), 5,
                 what="the origin's reload")
        edge.reload()
        assert wait_for(lambda: get(edge.port, url).status == 403, 10)
        assert master_ready(
            edge, f"/LiveApp/streams/t={new}/{STREAM}_adaptive.m3u8")
        try:
            urllib.request.urlopen(origin.http + url, timeout=5)
            raise AssertionError("origin still takes the retired key")
        except urllib.error.HTTPError as e:
            assert e.code == 403
    finally:
        keys.write_text(f"{K_NEW}\n{K_OLD}\n")
        origin.proc.send_signal(signal.SIGHUP)


def test_hundred_tokens_one_origin_fetch(signed, edge):
    _, _, _, origin = signed
    exp = int(time.time()) + 600
    tokens = {rest_token(origin, STREAM, exp + i)[1]["tokenId"]
              for i in range(100)}
    assert len(tokens) == 100
    first = next(iter(tokens))
    r = wait_for(lambda: (lambda x: x if x.status == 200 and
                          x.text.count("#EXTINF") >= 2 else None)(
        get(edge.port, f"/LiveApp/streams/t={first}/{STREAM}.m3u8")), 40)
    seg = re.findall(r"^(\S+\.m4s)$", r.text, re.M)[-1]
    with ThreadPoolExecutor(20) as pool:
        got = list(pool.map(
            lambda t: get(edge.port, f"/LiveApp/streams/t={t}/{seg}"),
            tokens))
    assert {g.status for g in got} == {200}
    assert len({g.body for g in got}) == 1
    # the edge went upstream for it once (a viewer or its own prefetch)
    fetched = [ln for ln in edge.access_log()
               if f"/{seg} " in ln and "upstream=-" not in ln
               and " 200 " in ln]
    assert len(fetched) == 1, fetched
    st = edge.status()            # its prefetches carried the edge's token
    assert st["prefetches"] >= 1 and st["prefetch_failures"] == 0, st


@pytest.mark.parametrize("keys, signed, message", [
    (None, "on", '"fanout_play_signed" requires "fanout_play_keys"'),
    ("k1 short\n", "off", "line 1: secret must be hex or base64"),
    ("", "off", "no key"),
    ("missing", "off", "No such file or directory"),
])
def test_nginx_t_refuses_bad_signing_config(tmpdir_path, keys, signed,
                                            message):
    ngx = conftest.Nginx(tmpdir_path / "t")
    body = f'fanout_store "sqlite://{tmpdir_path}/c.db";\n'
    if keys is not None:
        path = tmpdir_path / "play.keys"
        if keys != "missing":
            path.write_text(keys)
        body += f"fanout_play_keys {path};\n"
    body += (f"fanout_play_signed {signed};\n"
             "server { listen 127.0.22.9:8080; location / { return 204; } }\n")
    ngx.write_conf(body)
    r = ngx.test_config()
    assert r.returncode != 0 and message in r.stderr, r.stderr
    assert "short" not in r.stderr.replace("k1 short", "")
