"""The players' recorder (page/player.js) sees what the failover tests rely
on: hls.js in Chromium plays a live playlist from a small server whose
faults are scripted (our origins cannot go backwards on demand): its media
sequence steps back once, then it stops advancing for 11 s (longer than
the player's buffer), then it answers an HTML 404 without CORS.  The
recorder must log the decrease, one freeze shorter than the stall, and
the fatal error with status 0."""
import http.server
import pathlib
import subprocess
import sys
import threading
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))
from harness import player  # noqa: E402

pytestmark = pytest.mark.skipif(player.available() is not None,
                                reason=str(player.available()))

BACK_AT, STALL, NOT_FOUND_AT = 8, (10, 21), 25    # seconds from the start


def segments(d):
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
         "testsrc=size=320x180:rate=25", "-t", "40", "-c:v", "libx264",
         "-preset", "ultrafast", "-g", "50", "-pix_fmt", "yuv420p", "-f",
         "hls", "-hls_time", "2", "-hls_segment_type", "fmp4",
         "-hls_list_size", "0", "-hls_fmp4_init_filename", "init.mp4",
         str(d / "full.m3u8")], check=True, timeout=60)


def live_server(d):
    t0, back = time.monotonic(), {"done": False}

    def playlist():
        t = time.monotonic() - t0
        if STALL[0] <= t < STALL[1]:
            t = STALL[0]
        n = int(t // 2) + 4
        if t >= BACK_AT and not back["done"]:
            back["done"] = True
            n -= 2
        first = max(0, n - 4)
        return ("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n"
                f"#EXT-X-MEDIA-SEQUENCE:{first}\n#EXT-X-MAP:URI=\"init.mp4\"\n"
                + "".join(f"#EXTINF:2.000,\nfull{i}.m4s\n"
                          for i in range(first, n))).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            if time.monotonic() - t0 >= NOT_FOUND_AT:
                self.send_response(404)          # nginx's: HTML, no CORS
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(b"<html>404 Not Found</html>")
                return
            if self.path == "/live.m3u8":
                body = playlist()
            else:
                body = (d / pathlib.Path(self.path).name).read_bytes()
            self.send_response(200)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def test_recorder_sees_decrease_freeze_and_fatal(tmp_path):
    segments(tmp_path)
    srv = live_server(tmp_path)
    p = player.Players(tmp_path / "driver.log")
    try:
        p.start(hls=f"http://127.0.0.1:{srv.server_address[1]}/live.m3u8")
        log = None
        deadline = time.monotonic() + NOT_FOUND_AT + 15
        while time.monotonic() < deadline:
            log = p.snapshot()["players"]["hls"]
            if player.stopped(log):
                break
            time.sleep(0.5)
        # One step back of 2 (1 when the last load before it came late).
        assert len(log["seqDecreases"]) == 1, log["levels"]
        assert log["seqDecreases"][0]["from"] > log["seqDecreases"][0]["to"]
        stall = [f for f in log["freezes"] if f["end"] is not None]
        assert len(stall) == 1 and 1500 <= stall[0]["ms"] <= 11000, \
            log["freezes"]
        fatal = [e for e in log["errors"] if e["fatal"]]
        assert len(fatal) == 1 and fatal[0]["status"] == 0, log["errors"]
        assert fatal[0]["details"] in ("levelLoadError", "fragLoadError")
        assert player.stopped(log)
    finally:
        p.stop()
        srv.shutdown()
