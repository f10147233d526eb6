"""Signed playback URLs as viewers see them (issue #14): the `make up`
cluster with PLAY_SIGNED=1, the demo's 720p source and a 240p rendition,
in Debian's Chromium.  hls.js plays the URL the origin's
REST call issues, through the LB and the edges, and every rendition
chosen by hand (dash.js plays the MPD under the same token); a tampered URL fails with a 403 that hls.js can read
(CORS).  Screenshots and the players' logs: build/artifacts/player_signed/
<time>/ (printed)."""
import json
import re
import time

import pytest

from conftest import (BUILD, MODULE, ORIGIN_BIN, Cluster, api_broadcast,
                      http_get, wait_for)
from harness import player
from harness.cluster import rest_headers

pytestmark = [
    pytest.mark.skipif(not (ORIGIN_BIN.exists() and MODULE.exists()),
                       reason="not built"),
    pytest.mark.skipif(player.available() is not None,
                       reason=str(player.available())),
]

STREAM = "demo"
# the demo's 720p source and one rendition: the point is the token, and a
# lighter ladder keeps the transcoder in real time on a busy machine (a
# rendition that falls behind is ended, and the player with it)
LADDER = "240,400000,0"
HEIGHTS = [720, 240]


def signed_url(c):
    exp = int(time.time()) + 900
    st, _, body = http_get(f"{c.url}/LiveApp/rest/v2/broadcasts/{STREAM}"
                           f"/token?type=play&expireDate={exp}",
                           headers=rest_headers(c.url))  # make run's JWT
    assert st == 200, body
    return json.loads(body)["url"]


def ant_media_jwt_url(c):
    """playJwtControlEnabled on for LiveApp, and a play JWT's ready URL."""
    secret = "player-test-play-jwt-secret-0123456789"
    st, _, body = http_get(
        f"{c.url}/rest/v2/applications/settings/LiveApp", method="PUT",
        body=json.dumps({"playJwtControlEnabled": True,
                         "jwtStreamSecretKey": secret}).encode(),
        headers=dict(rest_headers(c.url),
                     **{"Content-Type": "application/json"}))
    assert st == 200, body
    exp = int(time.time()) + 900
    st, _, body = http_get(f"{c.url}/LiveApp/rest/v2/broadcasts/{STREAM}"
                           f"/jwt-token?type=play&expireDate={exp}",
                           headers=rest_headers(c.url))
    assert st == 200, body
    url = json.loads(body)["url"]
    assert "?token=" in url, url
    assert http_get(f"{c.url}/LiveApp/streams/{STREAM}_adaptive.m3u8"
                    "?token=nope")[0] == 403
    return url


def play_ant_media_jwt(c, artifacts):
    """Ant Media's play JWT as ?token= on the master: the origin trades it
    for a signed path (a 302) and hls.js plays on, unchanged."""
    p = player.Players(artifacts / "driver-jwt.log").start(
        hls=c.url + ant_media_jwt_url(c))
    assert wait_for(lambda: p.snapshot()["players"]["hls"]["playingAt"],
                    30), p.snapshot()["players"]["hls"]
    t0 = player.now_ms()
    assert wait_for(lambda: played_since(p, t0, 2), 20)
    p.screenshot(artifacts / "ant-media-jwt.png")
    return p


def check_no_token_logged(tmpdir_path, token):
    """The viewers' tokens stay out of the LB's and the edges' access logs
    ($fanout_lb_request, $fanout_request_line)."""
    logs = list((tmpdir_path / "run").glob("*/logs/*access.log"))
    assert len(logs) >= 3, logs
    for log in logs:
        assert token[2:] not in log.read_text(), log
    seen = [log.parent.parent.name for log in logs
            if "/t=-/" in log.read_text()]
    assert "lb" in seen and len(seen) >= 2, seen  # the LB, an edge


def played_since(p, t0, seconds):
    at = [s[1] for s in p.snapshot()["players"]["hls"]["samples"]
          if s[0] >= t0]
    return len(at) > 1 and at[-1] - at[0] >= seconds


def test_hls_plays_a_signed_master_and_a_tampered_one_reads_403(
        tmpdir_path):
    c = Cluster(tmpdir_path, f"sqlite://{tmpdir_path}/cluster.db", 22,
                demo=True, ladder=LADDER, play_signed=True).up()
    artifacts = BUILD / "artifacts" / "player_signed" / time.strftime(
        "%Y%m%dT%H%M%S")
    artifacts.mkdir(parents=True, exist_ok=True)
    print(f"\nartifacts: {artifacts}", flush=True)
    p = bad = None
    try:
        assert wait_for(lambda: api_broadcast(c.url, STREAM).get("status")
                        == "broadcasting", 30), c.log("demo-publisher")
        url = signed_url(c)
        # unsigned: refused at the edge
        st, _, _ = http_get(f"{c.url}/LiveApp/streams/{STREAM}_adaptive.m3u8")
        assert st == 403
        assert wait_for(lambda: http_get(f"{c.url}{url}")[0] == 200
                        and len(re.findall(rb"RESOLUTION=", http_get(
                            f"{c.url}{url}")[2])) == len(HEIGHTS), 30)

        # dash.js on the MPD under the same element: its ../{id}_{r}/
        # templates and its ../time UTCTiming keep the token
        mpd = url.rsplit("/", 1)[0] + f"/{STREAM}/{STREAM}.mpd"
        p = player.Players(artifacts / "driver.log").start(
            hls=c.url + url, dash=c.url + mpd)
        assert wait_for(lambda: all(
            v["playingAt"] for v in p.snapshot()["players"].values()), 40), \
            p.snapshot()
        levels = p.levels()["hls"]["levels"]
        assert sorted((lv["height"] for lv in levels), reverse=True) \
            == HEIGHTS, levels
        for height in HEIGHTS:
            i = [lv["height"] for lv in levels].index(height)
            t0 = player.now_ms()
            p.set_level(hls=i)
            assert wait_for(lambda: p.levels()["hls"]["videoHeight"]
                            == height, 25), (height, p.levels())
            assert wait_for(lambda: played_since(p, t0, 2), 20), height
            p.screenshot(artifacts / f"signed-{height}p.png")
        snap = p.snapshot(samples=True)
        for kind in ("hls", "dash"):
            assert not [e for e in snap["players"][kind]["errors"]
                        if e.get("fatal")], snap["players"][kind]["errors"]
        dash_ct = [x[1] for x in snap["players"]["dash"]["samples"]]
        assert dash_ct and dash_ct[-1] - dash_ct[0] >= 4, dash_ct[-5:]
        (artifacts / "players.json").write_text(json.dumps(snap, indent=1))
        p.stop()
        p = None

        # the same URL with its signature changed: a 403 the player reads
        token = url.split("/")[3]
        tampered = url.replace(token, token[:-4] + (
            "AAAA" if not token.endswith("AAAA") else "BBBB"))
        bad = player.Players(artifacts / "driver-tampered.log").start(
            hls=c.url + tampered)
        assert wait_for(lambda: [e for e in bad.snapshot()["players"]["hls"]
                                 ["errors"] if e.get("status") == 403], 20), \
            bad.snapshot()["players"]["hls"]
        bad.screenshot(artifacts / "tampered.png")
        bad.stop()
        bad = None

        p = play_ant_media_jwt(c, artifacts)
        check_no_token_logged(tmpdir_path, token)
    finally:
        for x, name in ((p, "players.json"), (bad, "players-tampered.json")):
            if x:
                (artifacts / name).write_text(json.dumps(
                    x.snapshot(samples=True), indent=1))
                x.stop()
        refused = []
        for log in (tmpdir_path / "run").glob("edge-*/logs/access.log"):
            refused += [ln for ln in log.read_text().splitlines()
                        if '" 403 ' in ln]
        (artifacts / "edge-403.log").write_text("\n".join(refused) + "\n")
        for name in ("origin-1", "origin-2"):
            (artifacts / f"{name}.log").write_text(c.log(name))
        c.down()
