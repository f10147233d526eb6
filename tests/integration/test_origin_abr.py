"""Adaptive bitrate end to end (#13): real ffmpeg publishes 640x360 over
RTMP to an origin whose ladder asks 240p and 180p; the origin transcodes
(decode once, encode per rendition) and packages each rendition beside the
source.  ffprobe reads every rendition; the playlists agree segment by
segment (same media sequence numbers, same durations: keyframe-aligned)."""
import re

import pytest

from conftest import ORIGIN_BIN, Origin, Publisher, ffprobe, http_get, wait_for

pytestmark = pytest.mark.skipif(not ORIGIN_BIN.exists(),
                                reason="fanout-origin not built")

LADDER = "240,300000,0,180,150000,0"  # Ant Media's CSV form
RENDITIONS = {"240p300kbps": (426, 240), "180p150kbps": (320, 180)}


def playlist(o, name):
    st, _, body = http_get(f"{o.http}/LiveApp/streams/{name}.m3u8")
    return body.decode() if st == 200 else None


def segments(text):
    """{media sequence number: EXTINF duration}."""
    first = int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text).group(1))
    durations = [float(d) for d in re.findall(r"#EXTINF:([\d.]+)", text)]
    return {first + i: d for i, d in enumerate(durations)}


@pytest.fixture
def origin(tmpdir_path):
    extra = {"encoderSettingsString": LADDER, "encoderPreset": "veryfast",
             "encoderThreads": 1, "hlsTime": 2}
    o = Origin(tmpdir_path, f"sqlite://{tmpdir_path}/cluster.db",
               host="127.0.14.1", extra=extra).start()
    yield o
    o.stop()


def test_ladder_renditions_play_and_align(origin, tmpdir_path):
    o = origin
    pub = Publisher(o.rtmp("LiveApp", "abr1"), tmpdir_path).start()
    try:
        names = ["abr1"] + [f"abr1_{r}" for r in RENDITIONS]
        for name in names:
            wait_for(lambda: (t := playlist(o, name))
                     and len(re.findall("#EXTINF", t)) >= 4, timeout=40,
                     what=f"4 segments of {name}; log:\n"
                          + o.log_text()[-2000:])

        st, _, body = http_get(f"{o.http}/LiveApp/streams/abr1_adaptive.m3u8")
        assert st == 200
        master = body.decode()
        for r, (w, h) in RENDITIONS.items():
            assert f"RESOLUTION={w}x{h}" in master, master
            assert f"abr1_{r}.m3u8" in master, master

        # DASH: every rendition a Representation of the one video set.
        st, _, body = http_get(f"{o.http}/LiveApp/streams/abr1/abr1.mpd")
        assert st == 200
        mpd = body.decode()
        for w, h in RENDITIONS.values():
            assert re.search(rf'<Representation[^>]*width="{w}"[^>]*'
                             rf'height="{h}"', mpd), mpd

        for r, (w, h) in RENDITIONS.items():
            probed = ffprobe(f"{o.http}/LiveApp/streams/abr1_{r}.m3u8")
            video = [s for s in probed["streams"] if s["codec_type"] == "video"]
            audio = [s for s in probed["streams"] if s["codec_type"] == "audio"]
            assert [v["codec_name"] for v in video] == ["h264"], probed
            assert (video[0]["width"], video[0]["height"]) == (w, h)
            assert [a["codec_name"] for a in audio] == ["aac"], probed

        # Segment n of every rendition: same number, same duration.
        source = segments(playlist(o, "abr1"))
        for r in RENDITIONS:
            rendition = segments(playlist(o, f"abr1_{r}"))
            common = sorted(set(source) & set(rendition))
            assert len(common) >= 3, (source, rendition)
            for n in common:
                assert abs(source[n] - rendition[n]) <= 0.05, \
                    (r, n, source, rendition)
    finally:
        pub.stop()
