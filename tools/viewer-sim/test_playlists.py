"""Unit tests of playlists.py with what fanout-origin writes (hlsTime=2).
Run: python3 -m pytest -q tools/viewer-sim"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from playlists import parse_m3u8, parse_mpd, xs_duration  # noqa: E402

BASE = "http://127.0.0.1:8080/LiveApp/streams/"

MEDIA = """#EXTM3U
#EXT-X-VERSION:7
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:7
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-MAP:URI="cam1/abc-init.mp4"
#EXT-X-PROGRAM-DATE-TIME:2026-11-25T09:25:17.717Z
#EXTINF:2.000,
cam1/abc-7.m4s
#EXTINF:1.960,
cam1/abc-8.m4s
"""

MPD = """<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" type="dynamic" minimumUpdatePeriod="PT2.000S" minBufferTime="PT2.000S">
  <Period id="p0" start="PT0.000S">
    <AdaptationSet id="0" contentType="video" mimeType="video/mp4">
      <SegmentTemplate timescale="90000" initialization="abc-v-init.mp4" media="abc-v-$Number$.m4s" startNumber="0">
        <SegmentTimeline>
          <S t="0" d="180000" r="3"/>
        </SegmentTimeline>
      </SegmentTemplate>
      <Representation id="v" codecs="avc1.42c01e" bandwidth="256002"/>
    </AdaptationSet>
    <AdaptationSet id="1" contentType="audio" mimeType="audio/mp4">
      <SegmentTemplate timescale="48000" initialization="abc-a-init.mp4" media="abc-$RepresentationID$-$Number%03d$-$Time$.m4s" startNumber="5">
        <SegmentTimeline>
          <S t="100" d="96256" r="1"/>
          <S d="95232"/>
        </SegmentTimeline>
      </SegmentTemplate>
      <Representation id="a" codecs="mp4a.40.2" bandwidth="70780"/>
    </AdaptationSet>
  </Period>
</MPD>
"""


def test_media_playlist():
    m = parse_m3u8(MEDIA, BASE + "cam1.m3u8")
    assert m.refresh == 2.0 and not m.ended and not m.variants
    (t,) = m.tracks
    assert [s.seq for s in t.segments] == [7, 8]
    assert t.segments[0].url == BASE + "cam1/abc-7.m4s"
    assert t.segments[1].duration == pytest.approx(1.96)
    assert t.segments[0].init == BASE + "cam1/abc-init.mp4"


def test_ended_and_master():
    m = parse_m3u8(MEDIA + "#EXT-X-ENDLIST\n", BASE + "cam1.m3u8")
    assert m.ended
    master = ("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,"
              "CODECS=\"avc1.42c01e,mp4a.40.2\"\ncam1_720p.m3u8\n"
              "#EXT-X-STREAM-INF:BANDWIDTH=300000\ncam1_360p.m3u8\n")
    m = parse_m3u8(master, BASE + "cam1.m3u8")
    assert m.variants == [BASE + "cam1_720p.m3u8", BASE + "cam1_360p.m3u8"]


def test_not_a_playlist():
    with pytest.raises(ValueError):
        parse_m3u8("<html>", BASE + "x.m3u8")


def test_mpd_timeline_and_templates():
    m = parse_mpd(MPD, BASE + "cam1/cam1.mpd")
    assert m.refresh == 2.0 and not m.ended
    video, audio = m.tracks
    assert video.name == "video" and audio.name == "audio"
    assert [s.seq for s in video.segments] == [0, 1, 2, 3]
    assert video.segments[3].url == BASE + "cam1/abc-v-3.m4s"
    assert video.segments[0].duration == 2.0
    assert video.segments[0].init == BASE + "cam1/abc-v-init.mp4"
    assert [s.url.rsplit("/", 1)[1] for s in audio.segments] == [
        "abc-a-005-100.m4s", "abc-a-006-96356.m4s", "abc-a-007-192612.m4s"]
    assert audio.segments[2].duration == pytest.approx(1.984)


def test_static_mpd_has_ended():
    m = parse_mpd(MPD.replace('type="dynamic"', 'type="static"'),
                  BASE + "cam1/cam1.mpd")
    assert m.ended


def test_xs_duration():
    assert xs_duration("PT2.000S") == 2.0
    assert xs_duration("PT1M30S") == 90.0
    assert xs_duration("P1DT1H") == 90000.0
    assert xs_duration("bogus") is None
