"""Ant Media's application settings REST (GET/PUT
/rest/v2/applications/settings/{app}): the adaptive ladder's settings, kept
in the cluster store so that every origin on it sees them.  Real origins,
a real SQLite store, real HTTP."""
import json

import pytest

from conftest import ORIGIN_BIN, Origin, Publisher, http_get, wait_for
from harness.hooks import Hooks

pytestmark = pytest.mark.skipif(not ORIGIN_BIN.exists(),
                                reason="fanout-origin not built")

PATH = "/rest/v2/applications/settings/LiveApp"
DEFAULT_LADDER = "480,1200000,0"


def call(o, method, path=PATH, body=None):
    data = body if isinstance(body, bytes) else (
        json.dumps(body).encode() if body is not None else None)
    hdrs = {"Content-Type": "application/json"} if data is not None else {}
    st, _, b = http_get(o.http + path, method=method, body=data,
                        headers=hdrs)
    return st, json.loads(b) if b else None


@pytest.fixture
def origins(tmpdir_path):
    """Two origins on one SQLite store; origin.properties gives a ladder."""
    uri = f"sqlite://{tmpdir_path}/cluster.db"
    extra = {"encoderSettingsString": DEFAULT_LADDER,
             "encoderPreset": "faster"}
    a = Origin(tmpdir_path, uri, name="origin-a", host="127.0.13.1",
               extra=extra)
    b = Origin(tmpdir_path, uri, name="origin-b", host="127.0.13.2",
               extra=extra)
    started = []
    try:
        for o in (a, b):
            started.append(o.start())
        yield a, b
    finally:
        for o in started:
            o.stop()


def test_defaults_put_get_and_a_second_origin(origins):
    a, b = origins
    st, s = call(a, "GET")
    assert st == 200, s
    # Nothing stored yet: origin.properties' values.
    assert s["appName"] == "LiveApp"
    assert s["encoderSettings"] == [{"height": 480, "videoBitrate": 1200000,
                                     "audioBitrate": 0,
                                     "forceEncode": False}]
    assert json.loads(s["encoderSettingsString"]) == s["encoderSettings"]
    assert s["encoderPreset"] == "faster"
    assert s["gopSize"] == 0 and s["encoderThreads"] == 1
    assert s["encoderSelectionPreference"] == "cpu"
    assert s["hlsTime"] == 1 and s["hlsSegmentType"] == "fmp4"
    # dashWindowSize's default: the dead timeout (4 x 500 ms) in segments
    # of hlsTime, + 6 (package::dash_window_segments).
    assert s["dashWindowSize"] == 8

    ladder = [{"height": 720, "videoBitrate": 2500000, "audioBitrate": 128000,
               "forceEncode": False},
              {"height": 360, "videoBitrate": 800000, "audioBitrate": 64000,
               "forceEncode": True}]
    st, r = call(a, "PUT", body={"encoderSettingsString": json.dumps(ladder),
                                 "gopSize": 25,
                                 "encoderSelectionPreference": "gpu_and_cpu",
                                 "mp4MuxingEnabled": True})
    assert st == 200 and r["success"] is True, r
    assert "mp4MuxingEnabled" in r["message"]  # ignored, and said so

    for o in (a, b):  # the second origin reads the same store
        st, s = call(o, "GET")
        assert st == 200, s
        assert s["encoderSettings"] == ladder, o.name
        assert s["gopSize"] == 25
        assert s["encoderSelectionPreference"] == "gpu_and_cpu"
        assert s["encoderPreset"] == "faster"  # not PUT: the default

    # A partial PUT through the other origin, in the CSV form.
    st, r = call(b, "PUT", body={"encoderSettingsString":
                                 "480,1000000,96000,240,400000,32000",
                                 "encoderThreads": 2})
    assert st == 200 and r["success"] is True, r
    st, s = call(a, "GET")
    assert [e["height"] for e in s["encoderSettings"]] == [480, 240]
    assert s["encoderThreads"] == 2 and s["gopSize"] == 25

    # A GET body sent back (Ant Media's read-modify-write) is accepted.
    s["encoderPreset"] = "veryfast"
    s["encoderSettingsString"] = ""
    s["encoderSettings"] = []
    st, r = call(a, "POST", body=s)
    assert st == 200 and r["success"] is True, r
    st, s = call(b, "GET")
    assert s["encoderSettings"] == [] and s["encoderSettingsString"] == ""
    assert s["encoderPreset"] == "veryfast"

    # null hands a key back to origin.properties.
    st, r = call(a, "PUT", body={"encoderSettingsString": None,
                                 "encoderSettings": None})
    assert st == 200, r
    assert call(b, "GET")[1]["encoderSettingsString"] == \
        '[{"height":480,"videoBitrate":1200000,"audioBitrate":0,' \
        '"forceEncode":false}]'


BAD = [
    ({"encoderSettingsString": '[{"height":721,"videoBitrate":1}]'},
     "encoderSettingsString[0].height"),
    ({"encoderSettingsString": '[{"height":5000,"videoBitrate":1}]'},
     "encoderSettingsString[0].height"),
    ({"encoderSettingsString": "360,0,64000"},
     "encoderSettingsString[0].videoBitrate"),
    ({"encoderSettingsString": "360,100000001,64000"},
     "encoderSettingsString[0].videoBitrate"),
    ({"encoderSettingsString": "360,800000,0,240,400000,0,360,1,0"},
     "encoderSettingsString[2].height"),
    ({"encoderSettingsString": '{"height":360}'}, "encoderSettingsString:"),
    ({"encoderSettingsString": "360,800000"}, "encoderSettingsString:"),
    ({"encoderSettings": [{"height": "360", "videoBitrate": 1}]},
     "encoderSettings[0].height"),
    ({"encoderPreset": "turbo"}, "encoderPreset:"),
    ({"gopSize": -1}, "gopSize:"),
    ({"encoderThreads": 65}, "encoderThreads:"),
    ({"encoderSelectionPreference": "gpu"}, "encoderSelectionPreference:"),
    ({"hlsTime": 0}, "hlsTime:"),
    ({"hlsTime": "six"}, "hlsTime:"),
    ({"dashWindowSize": 5}, "dashWindowSize:"),
    ({"dashWindowSize": "9"}, "dashWindowSize:"),
    (b"[1,2]", "body:"),
    (b"{not json", "body:"),
]


def test_bad_input_is_400_naming_the_field_and_changes_nothing(origins):
    a, b = origins
    good = {"encoderSettingsString": "360,800000,64000", "gopSize": 10,
            "encoderPreset": "fast"}
    assert call(a, "PUT", body=good)[0] == 200
    st, before = call(a, "GET")
    assert st == 200
    for body, field in BAD:
        st, r = call(a, "PUT", body=body)
        assert st == 400, (body, st, r)
        assert r["success"] is False and r["message"].startswith(field), \
            (body, r)
    # The old settings stay in force, on both origins.
    assert call(a, "GET") == (200, before)
    assert call(b, "GET") == (200, before)


def test_routes_methods_and_access(origins, tmpdir_path):
    a, _ = origins
    assert call(a, "GET", "/rest/v2/applications/settings/NoSuchApp")[0] \
        == 404
    assert call(a, "DELETE")[0] == 405
    st, _, _ = http_get(a.http + PATH, method="HEAD")
    assert st == 200
    # The REST allowlist applies as to every REST endpoint.
    c = Origin(tmpdir_path, f"sqlite://{tmpdir_path}/cluster.db",
               name="origin-c", host="127.0.13.3",
               extra={"remoteAllowedCIDR": "127.0.13.250/32"}).start()
    try:
        assert call(c, "GET")[0] == 403
        assert call(c, "PUT", body={"gopSize": 1})[0] == 403
    finally:
        c.stop()


def test_listener_hook_url_per_application(tmpdir_path):
    """Ant Media's listenerHookURL is an application setting: a PUT sends
    the next publish's events to the application's URL instead of
    origin.properties'; "" turns them off; null goes back to the default;
    a bad URL is a 400 naming the field, and the stored one stays."""
    default, own = Hooks(), Hooks()
    o = Origin(tmpdir_path, f"sqlite://{tmpdir_path}/cluster.db",
               name="origin-h", host="127.0.13.4",
               extra={"listenerHookURL": default.url}).start()

    def publish(stream):
        pub = Publisher(o.rtmp("LiveApp", stream), tmpdir_path,
                        seconds=2).start()
        assert pub.wait(60) == 0, pub.log_text()

    try:
        assert call(o, "GET")[1]["listenerHookURL"] == default.url
        st, r = call(o, "PUT", body={"listenerHookURL": own.url})
        assert st == 200 and r["success"] is True, r
        assert "listenerHookURL" not in r["message"]  # applied, not ignored
        st, r = call(o, "PUT", body={"listenerHookURL": "ftp://x/"})
        assert st == 400, r
        assert r["message"].startswith("listenerHookURL: "), r
        assert call(o, "GET")[1]["listenerHookURL"] == own.url

        publish("hook-own")
        assert wait_for(lambda: len(own.got) >= 2, 15), own.got
        assert own.actions("hook-own") == ["liveStreamStarted",
                                           "liveStreamEnded"]

        assert call(o, "PUT", body={"listenerHookURL": ""})[0] == 200
        publish("hook-off")
        assert call(o, "PUT", body={"listenerHookURL": None})[0] == 200
        assert call(o, "GET")[1]["listenerHookURL"] == default.url
        publish("hook-default")
        assert wait_for(lambda: len(default.got) >= 2, 15), default.got
        assert default.actions() == ["liveStreamStarted", "liveStreamEnded"]
        assert default.got[0]["id"] == "hook-default"
        assert len(own.got) == 2  # nothing more: "" sent nothing anywhere
    finally:
        o.stop()
        default.close()
        own.close()


def playlist_facts(o, app, stream):
    """The stream's media playlist's target duration and longest EXTINF,
    and its Cache-Control, or None before its first segments."""
    st, hdrs, body = http_get(f"{o.http}/{app}/streams/{stream}.m3u8")
    if st != 200:
        return None
    text = body.decode()
    target = int(text.split("#EXT-X-TARGETDURATION:")[1].split("\n")[0])
    extinf = [float(line[8:].split(",")[0]) for line in text.splitlines()
              if line.startswith("#EXTINF:")]
    if len(extinf) < 2:
        return None
    cache = {k.lower(): v for k, v in hdrs.items()}.get("cache-control")
    return target, max(extinf), cache


def test_hls_time_per_application(tmpdir_path):
    """Ant Media's hlsTime is an application setting: a PUT (a number, or
    the string Ant Media's console sends) gives the application's next
    publish that segment duration, with the Cache-Control and metrics that
    follow; another application keeps origin.properties'; null goes back
    to it; out of 1..60 is a 400 naming the field."""
    o = Origin(tmpdir_path, f"sqlite://{tmpdir_path}/cluster.db",
               name="origin-t", host="127.0.13.5",
               extra={"apps": "LiveApp,Other"}).start()
    pubs = []
    try:
        assert call(o, "GET")[1]["hlsTime"] == 1  # origin.properties'
        st, r = call(o, "PUT", body={"hlsTime": "4"})
        assert st == 200 and r["success"] is True, r
        assert "hlsTime" not in r["message"]  # applied, not ignored
        for bad in (0, 61, "4s", 2.5):
            st, r = call(o, "PUT", body={"hlsTime": bad})
            assert st == 400 and r["message"].startswith("hlsTime: "), r
        assert call(o, "GET")[1]["hlsTime"] == 4
        other_settings = call(
            o, "GET", "/rest/v2/applications/settings/Other")[1]
        assert other_settings["hlsTime"] == 1
        # The MPD's window in the app's segments: ceil(2 s / 4 s) + 6.
        assert call(o, "GET")[1]["dashWindowSize"] == 7
        assert other_settings["dashWindowSize"] == 8
        st, r = call(o, "PUT", body={"dashWindowSize": "7"})  # sent back
        assert st == 200 and "dashWindowSize" not in r["message"], r

        for app in ("LiveApp", "Other"):
            pubs.append(Publisher(o.rtmp(app, "cam"), tmpdir_path,
                                  name=app).start())
        own = wait_for(lambda: playlist_facts(o, "LiveApp", "cam"), 40)
        other = wait_for(lambda: playlist_facts(o, "Other", "cam"), 40)
        assert own and other, o.log_text()[-3000:]
        target, longest, cache = own
        # GOP 1 s: segments cut at the first keyframe at or after 4 s.
        assert target == 4 and 3.5 <= longest <= 4.5, own
        assert cache == "max-age=2", own
        # An MPD first read lists what HLS does (5 x 4 s); read, it grows
        # to 7 segments (tests/origin/package/dash_window_test.cc).
        _, _, mpd = http_get(o.http + "/LiveApp/streams/cam/cam.mpd")
        assert b'timeShiftBufferDepth="PT20.000S"' in mpd, mpd
        target, longest, cache = other
        assert target == 1 and longest <= 1.5 and cache == "no-cache", other
        _, _, metrics = http_get(o.http + "/metrics")
        text = metrics.decode()
        assert 'fanout_stream_hls_time_seconds{app="LiveApp",stream="cam"} 4' \
            in text, text
        assert 'fanout_stream_hls_time_seconds{app="Other",stream="cam"} 1' \
            in text

        assert call(o, "PUT", body={"hlsTime": None})[0] == 200
        assert call(o, "GET")[1]["hlsTime"] == 1
    finally:
        for p in pubs:
            p.stop()
        o.stop()
