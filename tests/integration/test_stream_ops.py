"""Stream operations the console's Streams page needs (issue #15), on the
`make up` cluster (scripts/run.sh) in loopback block 127.0.43-45.x: two
origins, one edge, the LB.

- Ant Media's POST /{app}/rest/v2/broadcasts/{id}/stop disconnects the
  publisher on whichever origin holds it: sent to the other origin, it is
  forwarded over the internal endpoint with the cluster token (which
  answers 401 without one); sent through the LB, it reaches the owner
  either way.  The ffmpeg publisher exits and the broadcast goes
  finished; a stopped publisher may publish again (as in Ant Media).
- DELETE of a live broadcast stops its publisher too, and the record
  stays deleted.
- The broadcast's live figures: bitrate within 30 % of the -b:v that
  ffmpeg publishes (video only, CBR), speed 0.8-1.2 for a real-time (-re)
  publish, renditions equal to what the master playlist lists (a
  2-rendition ladder set through the app settings' encoderSettingsString).
- In Chromium (tests/browser/console_streams.mjs): the Streams page shows
  bitrate, speed and renditions of a live stream, and pressing Stop (and,
  for another stream, Delete) stops its ffmpeg publisher.  Screenshots:
  build/artifacts/console/<time>/ (printed)."""
import json
import re
import subprocess
import time

import pytest

from conftest import BUILD, MODULE, ORIGIN_BIN, Cluster, http_get, wait_for
from harness import player
from harness.cluster import api_broadcast, rest_headers
from harness.proc import stop_proc

pytestmark = pytest.mark.skipif(not (ORIGIN_BIN.exists() and MODULE.exists()),
                                reason="not built")

BLOCK = 43
VIDEO_BPS = 800_000
LADDER = [{"height": 240, "videoBitrate": 300000, "audioBitrate": 0,
           "forceEncode": False},
          {"height": 180, "videoBitrate": 150000, "audioBitrate": 0,
           "forceEncode": False}]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    work = tmp_path_factory.mktemp("stream-ops")
    c = Cluster(work, f"sqlite://{work}/cluster.db", BLOCK, origins=2,
                edges=1, demo=False, ladder="")
    try:
        yield c.up()
    finally:
        c.down()


def publish(url):
    """A real-time ffmpeg publisher of 640x360 video at VIDEO_BPS (CBR, no
    audio), so the ingest bitrate is the -b:v."""
    return subprocess.Popen(
        ["ffmpeg", "-v", "error", "-nostdin", "-re", "-f", "lavfi",
         "-i", "testsrc=size=640x360:rate=30", "-c:v", "libx264",
         "-preset", "ultrafast", "-tune", "zerolatency", "-g", "30",
         "-pix_fmt", "yuv420p", "-b:v", str(VIDEO_BPS),
         "-maxrate", str(VIDEO_BPS), "-bufsize", str(VIDEO_BPS // 2),
         "-x264-params", "nal-hrd=cbr", "-f", "flv", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def rtmp_at(c, i, stream):
    """The RTMP URL of stream on origin i itself (not through the LB)."""
    return f"rtmp://{c.origins[i]}:{c.rtmp_port}/LiveApp/{stream}"


def call(base, method, path, body=None, headers=None):
    """A REST call; a POST carries JSON, {} when no body is given (the
    REST gate refuses a POST without Content-Type: application/json)."""
    h = dict(rest_headers(base) if headers is None else headers)
    data = None
    if body is None and method == "POST":
        body = {}
    if body is not None:
        h["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    st, _, raw = http_get(base + path, method=method, headers=h, body=data,
                          timeout=10)
    try:
        return st, json.loads(raw) if raw else None
    except ValueError:
        return st, raw


def live_on(c, stream, i):
    """The broadcast once it broadcasts from origin i (through the LB)."""
    b = api_broadcast(c.url, stream)
    return b if (b.get("status") == "broadcasting"
                 and b.get("originAdress") == c.origins[i]) else None


def exits(p, timeout=15.0):
    try:
        p.wait(timeout=timeout)
        return True
    except subprocess.TimeoutExpired:
        return False


def finished(c, stream):
    return api_broadcast(c.url, stream).get("status") == "finished"


def test_stop_is_forwarded_to_the_owner_and_needs_the_cluster_token(cluster):
    c = cluster
    pub = publish(rtmp_at(c, 0, "opsA"))
    try:
        wait_for(lambda: live_on(c, "opsA", 0), timeout=30,
                 what="opsA broadcasting from origin-1")
        inner = f"http://{c.origins[0]}:{c.http_port}"
        path = "/internal/v1/streams/LiveApp/opsA/stop"
        assert call(inner, "POST", path, headers={})[0] == 401
        st, _ = call(inner, "POST", path,
                     headers={"ClusterAuthorization": "not.a.token"})
        assert st == 401
        time.sleep(1.0)
        assert pub.poll() is None, "refused stops must not stop anything"
        assert live_on(c, "opsA", 0)

        # Sent to origin-2, which does not hold it: forwarded to origin-1.
        st, r = call(c.origin_http(1), "POST",
                     "/LiveApp/rest/v2/broadcasts/opsA/stop")
        assert st == 200 and r["success"] is True, r
        assert exits(pub), "the publisher kept running after the stop"
        wait_for(lambda: finished(c, "opsA"), timeout=10,
                 what="opsA finished after the stop")
        assert "stop LiveApp/opsA: asking its origin origin-1" in c.log(
            "origin-2")
        st, r = call(c.url, "POST", "/LiveApp/rest/v2/broadcasts/opsA/stop")
        assert st == 200 and r["success"] is False, r  # nothing live now
        assert call(c.url, "POST",
                    "/LiveApp/rest/v2/broadcasts/nosuch/stop")[0] == 404

        # As in Ant Media, a stopped publisher may publish again.
        pub = publish(rtmp_at(c, 0, "opsA"))
        wait_for(lambda: live_on(c, "opsA", 0), timeout=30,
                 what="opsA published again after its stop")
    finally:
        stop_proc(pub)


def test_stop_through_the_lb(cluster):
    c = cluster
    pub = publish(rtmp_at(c, 1, "opsB"))
    try:
        wait_for(lambda: live_on(c, "opsB", 1), timeout=30,
                 what="opsB broadcasting from origin-2")
        st, r = call(c.url, "POST", "/LiveApp/rest/v2/broadcasts/opsB/stop")
        assert st == 200 and r["success"] is True, r
        assert exits(pub), "the publisher kept running after the stop"
        wait_for(lambda: finished(c, "opsB"), timeout=10,
                 what="opsB finished after the stop")
    finally:
        stop_proc(pub)


def test_delete_of_a_live_broadcast_stops_its_publisher(cluster):
    c = cluster
    pub = publish(rtmp_at(c, 0, "opsC"))
    try:
        wait_for(lambda: live_on(c, "opsC", 0), timeout=30,
                 what="opsC broadcasting from origin-1")
        st, r = call(c.origin_http(1), "DELETE",
                     "/LiveApp/rest/v2/broadcasts/opsC")
        assert st == 200 and r["success"] is True, r
        assert exits(pub), "DELETE left the publisher running"
        # Not claimed again by the origin that held it: gone for good.
        time.sleep(2.0)
        st, _, _ = http_get(f"{c.url}/LiveApp/rest/v2/broadcasts/opsC",
                            headers=rest_headers(c.url))
        assert st == 404
    finally:
        stop_proc(pub)


def figures(c, stream, n=6):
    """n readings of the broadcast's live figures through the LB, 1 s
    apart (each heartbeat writes them)."""
    out = []
    for _ in range(n):
        b = api_broadcast(c.url, stream)
        out.append((b["bitrate"], b["speed"]))
        time.sleep(1.0)
    return out


def test_bitrate_and_speed_of_a_real_time_publish(cluster):
    c = cluster
    pub = publish(c.rtmp("LiveApp", "opsD"))
    try:
        wait_for(lambda: api_broadcast(c.url, "opsD").get("status")
                 == "broadcasting", timeout=30, what="opsD broadcasting")
        time.sleep(7.0)  # a whole 5 s window of the meter
        seen = figures(c, "opsD")
        print(f"\nopsD (bitrate, speed) through the LB: {seen}")
        for bitrate, speed in seen:
            assert abs(bitrate - VIDEO_BPS) <= 0.3 * VIDEO_BPS, seen
            assert 0.8 <= speed <= 1.2, seen
        b = api_broadcast(c.url, "opsD")
        assert [r["name"] for r in b["renditions"]] == ["source"], b
        assert b["renditions"][0]["height"] == 360
        assert b["renditions"][0]["dropped"] is False
    finally:
        stop_proc(pub)
    wait_for(lambda: finished(c, "opsD"), timeout=10, what="opsD finished")
    b = api_broadcast(c.url, "opsD")
    assert b["speed"] == 0 and b["renditions"] == [], b


def master_variants(c, stream):
    """{rendition name: height} that the master playlist lists (through
    the LB and the edge)."""
    st, _, body = http_get(f"{c.url}/LiveApp/streams/{stream}_adaptive.m3u8")
    if st != 200:
        return None
    text = body.decode()
    out = {}
    for res, uri in re.findall(r"RESOLUTION=\d+x(\d+).*\n([^#\s][^\n]*)",
                               text):
        name = uri.strip()[:-len(".m3u8")]
        out["source" if name == stream else name[len(stream) + 1:]] = int(res)
    return out


def record_renditions(c, stream):
    b = api_broadcast(c.url, stream)
    return {r["name"]: r["height"] for r in b.get("renditions", [])
            if not r["dropped"]}


def test_renditions_match_the_master_playlist(cluster):
    c = cluster
    path = "/rest/v2/applications/settings/LiveApp"
    st, r = call(c.url, "PUT", path,
                 body={"encoderSettingsString": json.dumps(LADDER)})
    assert st == 200 and r["success"] is True, r
    pub = publish(c.rtmp("LiveApp", "opsE"))
    try:
        want = {"source": 360, "240p300kbps": 240, "180p150kbps": 180}
        wait_for(lambda: record_renditions(c, "opsE") == want, timeout=45,
                 what="opsE's record listing the source and 2 renditions: "
                      + json.dumps(api_broadcast(c.url, "opsE")))
        master = wait_for(lambda: master_variants(c, "opsE"), timeout=10,
                          what="opsE's master playlist")
        assert master == record_renditions(c, "opsE") == want, master
        b = api_broadcast(c.url, "opsE")
        print(f"\nopsE renditions: {b['renditions']} speed {b['speed']}")
        assert b["speed"] > 0
    finally:
        stop_proc(pub)
        call(c.url, "PUT", path, body={"encoderSettingsString": ""})


@pytest.mark.skipif(player.available() is not None,
                    reason=str(player.available()))
def test_console_streams_page_stop_and_delete(cluster):
    c = cluster
    artifacts = BUILD / "artifacts" / "console" / time.strftime(
        "%Y%m%d-%H%M%S")
    artifacts.mkdir(parents=True, exist_ok=True)
    print(f"\nartifacts: {artifacts}", flush=True)
    run = c.workdir / "run"
    password = (run / "console-admin.password").read_text().strip()
    verdict = player.console_script(
        "console_streams.mjs",
        [c.url, "admin@fanout.local", password, c.rtmp("LiveApp", "uiStop"),
         c.rtmp("LiveApp", "uiDel"), artifacts], artifacts, "console_streams",
        180)
    names = [s["name"] for s in verdict["steps"]]
    assert "live figures shown" in names
    assert "Stop stopped its publisher" in names
    assert names[-1] == "Delete stopped its publisher"
    assert not verdict["console"], verdict["console"]
