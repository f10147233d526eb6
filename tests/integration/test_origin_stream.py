"""Origin end to end: real ffmpeg publishes over RTMP, ffprobe and ffmpeg
read back HLS and DASH, the store and the REST API follow the stream."""
import re
import socket
import subprocess
import time

import pytest

from conftest import (ORIGIN_BIN, Origin, Publisher, api_broadcast, ffprobe,
                      http_get, wait_for)
from harness.hooks import Hooks

pytestmark = pytest.mark.skipif(not ORIGIN_BIN.exists(),
                                reason="fanout-origin not built")


def broadcast(o, stream, app="LiveApp"):
    return api_broadcast(o.http, stream, app) or None


def playlist(o, stream, app="LiveApp"):
    st, hdrs, body = http_get(f"{o.http}/{app}/streams/{stream}.m3u8")
    return (body.decode() if st == 200 else None), hdrs


def wait_segments(o, stream, n, timeout=20):
    def enough():
        text, _ = playlist(o, stream)
        if text and len(re.findall(r"#EXTINF", text)) >= n:
            return text
        return None
    text = wait_for(enough, timeout)
    assert text, f"no {n} segments; origin log:\n{o.log_text()[-3000:]}"
    return text


def test_publish_h264_aac_plays_as_hls_and_dash(origin, tmpdir_path):
    pub = Publisher(origin.rtmp("LiveApp", "cam1"), tmpdir_path).start()
    try:
        text = wait_segments(origin, "cam1", 3)
        assert "#EXT-X-MAP:URI=" in text
        _, hdrs = playlist(origin, "cam1")
        assert hdrs["Content-Type"].startswith("application/vnd.apple.mpegurl")
        # Playlists may be cached for at most half a segment (hlsTime=1).
        assert re.search(r"max-age=0|no-cache", hdrs["Cache-Control"])

        b = broadcast(origin, "cam1")
        assert b["status"] == "broadcasting"
        assert b["originAdress"] == "127.0.0.1"
        assert b["publishType"] == "RTMP"

        hls = ffprobe(f"{origin.http}/LiveApp/streams/cam1.m3u8")
        codecs = sorted(s["codec_name"] for s in hls["streams"])
        assert codecs == ["aac", "h264"]
        video = next(s for s in hls["streams"] if s["codec_name"] == "h264")
        assert (video["width"], video["height"]) == (640, 360)

        dash = ffprobe(f"{origin.http}/LiveApp/streams/cam1/cam1.mpd")
        assert sorted(s["codec_name"] for s in dash["streams"]) == \
            ["aac", "h264"]

        # Ant Media's master playlist: one variant per rendition (only the
        # source here), with what a player chooses by.
        st, hdrs, body = http_get(
            f"{origin.http}/LiveApp/streams/cam1_adaptive.m3u8")
        assert st == 200, st
        master = body.decode()
        inf = re.search(r"^#EXT-X-STREAM-INF:(.*)\ncam1\.m3u8$", master, re.M)
        assert inf, master
        assert re.search(r"BANDWIDTH=\d{4,}", inf.group(1)), master
        assert re.search(r"AVERAGE-BANDWIDTH=\d{4,}", inf.group(1)), master
        assert "RESOLUTION=640x360" in inf.group(1), master
        assert re.search(r'CODECS="avc1\.[0-9a-f]{6},mp4a\.40\.2"',
                         inf.group(1)), master
        assert re.search(r"FRAME-RATE=\d+\.\d{3}", inf.group(1)), master
        probed = ffprobe(f"{origin.http}/LiveApp/streams/cam1_adaptive.m3u8")
        assert sorted(s["codec_name"] for s in probed["streams"]) == \
            ["aac", "h264"]

        # Segments are immutable and cacheable for long.
        seg = re.search(r"^(cam1/[^\s]+\.m4s)$", text, re.M).group(1)
        st, hdrs, body = http_get(f"{origin.http}/LiveApp/streams/{seg}")
        assert st == 200 and len(body) > 1000
        assert "immutable" in hdrs["Cache-Control"]
        # Range requests on segments.
        st, hdrs, part = http_get(f"{origin.http}/LiveApp/streams/{seg}",
                                  headers={"Range": "bytes=0-99"})
        assert st == 206 and part == body[:100]
    finally:
        pub.stop()


def test_decode_without_gaps_and_end_of_stream(origin, tmpdir_path):
    pub = Publisher(origin.rtmp("LiveApp", "short"), tmpdir_path,
                    seconds=6).start()
    assert pub.wait(60) == 0, pub.log_text()
    # The publisher left: the playlist ends and the broadcast finished.
    def ended():
        text, _ = playlist(origin, "short")
        return text if text and "#EXT-X-ENDLIST" in text else None
    text = wait_for(ended, 10)
    assert text, "no EXT-X-ENDLIST"
    assert wait_for(lambda: (broadcast(origin, "short") or {}).get("status")
                    == "finished", 10)
    st, _, mpd = http_get(f"{origin.http}/LiveApp/streams/short/short.mpd")
    assert st == 200 and b'type="static"' in mpd
    # Decode everything still listed: no errors, no gaps.
    r = subprocess.run(["ffmpeg", "-v", "error", "-i",
                        f"{origin.http}/LiveApp/streams/short.m3u8",
                        "-f", "null", "-"], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0 and r.stderr.strip() == "", r.stderr
    durs = [float(x) for x in re.findall(r"#EXTINF:([\d.]+)", text)]
    assert all(0.5 < d < 2.5 for d in durs), durs


def test_copy_of_pre_encoded_file(origin, tmpdir_path):
    src = tmpdir_path / "src.flv"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
                    "testsrc=size=1280x720:rate=30", "-f", "lavfi", "-i",
                    "sine", "-t", "5", "-c:v", "libx264", "-preset",
                    "ultrafast", "-g", "30", "-c:a", "aac", str(src)],
                   check=True, timeout=120)
    pub = Publisher(origin.rtmp("LiveApp", "copy1"), tmpdir_path,
                    source=src).start()
    try:
        wait_segments(origin, "copy1", 2)
        info = ffprobe(f"{origin.http}/LiveApp/streams/copy1.m3u8")
        video = next(s for s in info["streams"] if s["codec_name"] == "h264")
        assert (video["width"], video["height"]) == (1280, 720)
    finally:
        pub.stop()


def test_second_publisher_is_refused(origin, tmpdir_path):
    first = Publisher(origin.rtmp("LiveApp", "dup"), tmpdir_path,
                      name="first").start()
    try:
        wait_segments(origin, "dup", 1)
        second = Publisher(origin.rtmp("LiveApp", "dup"), tmpdir_path,
                           seconds=5, name="second").start()
        rc = second.wait(30)
        assert rc != 0, "second publisher was accepted"
        assert first.proc.poll() is None, "first publisher was disturbed"
        assert broadcast(origin, "dup")["status"] == "broadcasting"
    finally:
        first.stop()


def test_killed_publisher_finishes_the_broadcast(origin, tmpdir_path):
    pub = Publisher(origin.rtmp("LiveApp", "killed"), tmpdir_path).start()
    wait_segments(origin, "killed", 2)
    pub.proc.kill()
    pub.stop()
    assert wait_for(lambda: (broadcast(origin, "killed") or {}).get("status")
                    == "finished", 15), origin.log_text()[-2000:]
    assert wait_for(lambda: "#EXT-X-ENDLIST" in
                    (playlist(origin, "killed")[0] or ""), 10)


def test_garbage_on_rtmp_port_does_not_disturb_a_live_stream(origin,
                                                             tmpdir_path):
    import os
    pub = Publisher(origin.rtmp("LiveApp", "steady"), tmpdir_path).start()
    try:
        wait_segments(origin, "steady", 2)
        for payload in (os.urandom(65536), b"\x03" + os.urandom(3000),
                        b"GET / HTTP/1.1\r\n\r\n"):
            with socket.create_connection(("127.0.0.1", origin.rtmp_port),
                                          timeout=5) as s:
                try:
                    s.sendall(payload)
                    s.settimeout(5)
                    while s.recv(65536):
                        pass
                except OSError:
                    pass
        def sequence():
            text, _ = playlist(origin, "steady")
            return int(re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", text)
                       .group(1))
        before = sequence()
        after = wait_for(lambda: (lambda s: s if s > before else None)(
            sequence()), 10) or sequence()
        assert after > before, "the live stream stalled"
        assert pub.proc.poll() is None
        assert origin.proc.poll() is None
        assert "rtmp" in origin.log_text()
    finally:
        pub.stop()


def test_webhooks_announce_start_and_end(tmpdir_path):
    """listenerHookURL gets Ant Media's liveStreamStarted / liveStreamEnded
    form posts."""
    hooks = Hooks()
    o = Origin(tmpdir_path, f"sqlite://{tmpdir_path}/cluster.db",
               extra={"listenerHookURL": hooks.url}).start()
    try:
        pub = Publisher(o.rtmp("LiveApp", "hooked"), tmpdir_path,
                        seconds=3).start()
        assert pub.wait(60) == 0, pub.log_text()
        assert wait_for(lambda: len(hooks.got) >= 2, 15), hooks.got
        assert hooks.actions() == ["liveStreamStarted", "liveStreamEnded"]
        assert all(g["id"] == "hooked" for g in hooks.got)
        assert all(g["streamName"] == "hooked" for g in hooks.got)
    finally:
        o.stop()
        hooks.close()
