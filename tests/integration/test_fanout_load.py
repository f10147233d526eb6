"""fanout-load (issue #16, load/) against a real origin on 127.0.56.1:
5 RTMP publishers replaying an FLV ffmpeg made, 20 HLS viewers, ~20 s;
the JSON report is checked against the origin's own REST view.  Then DASH
viewers, publishers dropped by an origin restart coming back
(--reconnect), and a target off loopback refused without --allow-remote."""
import json
import pathlib
import socket
import struct
import threading
import subprocess
import time

import pytest

from conftest import BUILD, Origin, http_get, wait_for

LOAD_BIN = BUILD / "bin" / "fanout-load"
HOST = "127.0.56.1"

pytestmark = pytest.mark.skipif(not LOAD_BIN.exists(),
                                reason="fanout-load not built")


@pytest.fixture
def clip(tmpdir_path):
    """6 s of 640x360 H.264 (a keyframe a second) + AAC, as FLV."""
    path = tmpdir_path / "clip.flv"
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
         "-f", "lavfi", "-i", "testsrc=size=640x360:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
         "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", "-f", "flv",
         str(path)], check=True, timeout=120)
    return path


@pytest.fixture
def origin(tmpdir_path):
    o = Origin(tmpdir_path, f"sqlite://{tmpdir_path}/cluster.db",
               host=HOST).start()
    yield o
    o.stop()


def broadcasting(o):
    st, _, body = http_get(f"{o.http}/LiveApp/rest/v2/broadcasts/list/0/100")
    if st != 200:
        return []
    return sorted(b["streamId"] for b in json.loads(body)
                  if b["status"] == "broadcasting")


def load(args, out):
    """Starts fanout-load; its report goes to `out` (JSON)."""
    return subprocess.Popen([str(LOAD_BIN), "--json", str(out)] + args,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def finish(proc, timeout=60):
    stdout, stderr = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, stderr[-3000:]
    return stdout, stderr


def test_publishers_and_viewers_report_matches_origin(origin, clip,
                                                       tmpdir_path):
    out = tmpdir_path / "report.json"
    proc = load(["--publishers", "5", "--flv", str(clip),
                 "--publish-url",
                 f"rtmp://{HOST}:{origin.rtmp_port}/LiveApp/load{{i}}",
                 "--viewers", "20", "--view-after", "5",
                 "--play-url", f"http://{HOST}:{origin.http_port}"
                 "/LiveApp/streams/load{i}_adaptive.m3u8",
                 "--duration", "20"], out)
    try:
        want = [f"load{i}" for i in range(5)]
        seen = wait_for(lambda: broadcasting(origin) == want or None, 15)
        assert seen, f"origin lists {broadcasting(origin)}; log:\n" \
            f"{origin.log_text()[-3000:]}"
        stdout, stderr = finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    r = json.loads(out.read_text())
    print(stdout)
    assert r["publishers"]["publishing"] == 5, r
    assert r["publishers"]["publishes"] == 5, r
    assert r["publishers"]["reconnects"] == 0, r
    assert r["publishers"]["bytes_sent"] > 5 * 100_000, r
    v = r["viewers"]
    assert v["started"] == 20 and v["viewing"] == 20, r
    # 15 s of viewing at 1 s segments: each viewer takes ~3 on joining,
    # then about one a second.
    assert v["segments"] >= 20 * 8, r
    assert v["bytes"] > 0 and v["playlists"] >= 20 * 8, r
    assert r["errors"]["total"] == 0, r
    lat = r["latency_ms"]
    assert lat["segment"]["count"] == v["segments"], r
    assert 0 < lat["playlist"]["p50"] <= lat["playlist"]["p99"], r
    assert lat["listed_to_fetched"]["count"] > 0, r
    # fanout-origin writes EXT-X-PROGRAM-DATE-TIME: availability is measured.
    assert r["availability_method"] == "program-date-time", r
    assert lat["availability"]["count"] > 0, r
    # every publish's admission, connect -> Publish.Start
    assert lat["publish_start"]["count"] == 5, r
    assert 0 < lat["publish_start"]["p50"] <= lat["publish_start"]["max"], r
    assert r["load_process"]["cpu_s"] > 0, r
    # The progress line, once a second on stderr.
    assert stderr.count("publishing ") >= 15, stderr[-2000:]
    assert "publishing 5/5 viewing 20/20" in stderr, stderr[-2000:]


def peers(host, port):
    """The remote addresses of the established TCP connections to
    host:port (/proc/net/tcp)."""
    want = (socket.inet_aton(host)[::-1].hex().upper(), f"{port:04X}")
    found = set()
    for line in pathlib.Path("/proc/net/tcp").read_text().splitlines()[1:]:
        f = line.split()
        local, remote, state = f[1].split(":"), f[2].split(":"), f[3]
        if tuple(local) == want and state == "01":
            found.add(socket.inet_ntoa(bytes.fromhex(remote[0])[::-1]))
    return found


def test_dash_viewers(origin, clip, tmpdir_path):
    """Publishers from one fanout-load, DASH viewers from another (a
    viewers-only run needs no clip), each connecting from the addresses
    --source-addresses gives, in turn."""
    pubs = load(["--publishers", "2", "--flv", str(clip), "--publish-url",
                 f"rtmp://{HOST}:{origin.rtmp_port}/LiveApp/dash{{i}}",
                 "--source-addresses", "127.0.56.101-127.0.56.102",
                 "--duration", "16"], tmpdir_path / "publishers.json")
    out = tmpdir_path / "report.json"
    proc = load(["--viewers", "6", "--view-after", "4", "--streams", "2",
                 "--play-url", f"http://{HOST}:{origin.http_port}"
                 "/LiveApp/streams/dash{i}/dash{i}.mpd",
                 "--source-addresses", "127.0.56.111-127.0.56.113",
                 "--duration", "12"], out)
    try:
        assert wait_for(lambda: peers(HOST, origin.rtmp_port) == {
            "127.0.56.101", "127.0.56.102"}, 10), \
            peers(HOST, origin.rtmp_port)
        assert wait_for(lambda: peers(HOST, origin.http_port) >= {
            "127.0.56.111", "127.0.56.112", "127.0.56.113"}, 10), \
            peers(HOST, origin.http_port)
        finish(proc)
        finish(pubs)
    finally:
        for p in (proc, pubs):
            if p.poll() is None:
                p.kill()
    r = json.loads(out.read_text())
    v = r["viewers"]
    assert v["started"] == 6 and v["viewing"] == 6, r
    # Video and audio: ~3 of each on joining, then about one a second.
    assert v["segments"] >= 6 * 2 * 5, r
    assert r["latency_ms"]["listed_to_fetched"]["count"] > 0, r
    assert r["errors"]["total"] == 0, r


def test_publishers_reconnect_after_the_origin_restarts(origin, clip,
                                                        tmpdir_path):
    out = tmpdir_path / "report.json"
    proc = load(["--publishers", "2", "--flv", str(clip), "--reconnect",
                 "--reconnect-delay", "0.5", "--publish-url",
                 f"rtmp://{HOST}:{origin.rtmp_port}/LiveApp/re{{i}}",
                 "--duration", "16"], out)
    try:
        assert wait_for(lambda: broadcasting(origin) == ["re0", "re1"]
                        or None, 10), origin.log_text()[-3000:]
        origin.stop()  # SIGTERM: the origin ends the publishes, releases
        origin.start()
        assert wait_for(lambda: broadcasting(origin) == ["re0", "re1"]
                        or None, 10), origin.log_text()[-3000:]
        finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    r = json.loads(out.read_text())
    p = r["publishers"]
    assert p["publishing"] == 2 and p["publishes"] >= 4, r
    assert p["reconnects"] >= 2, r


def test_refuses_a_target_off_loopback(tmpdir_path):
    t0 = time.monotonic()
    r = subprocess.run([str(LOAD_BIN), "--viewers", "1", "--duration", "5",
                        "--play-url", "http://192.0.2.1/LiveApp/streams/x.m3u8"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2, r
    assert "not loopback" in r.stderr and "--allow-remote" in r.stderr, \
        r.stderr
    assert time.monotonic() - t0 < 5, "refused before any connection"
    r = subprocess.run([str(LOAD_BIN), "--publishers", "1", "--flv", "x.flv",
                        "--publish-url", "rtmp://example.com/LiveApp/x"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "--allow-remote" in r.stderr, r.stderr


class OneAnswerServer:
    """An HTTP server that answers the first request of each connection (a
    live media playlist of 1 s segments, or a segment) and meets the
    second without an answer: a reset (SO_LINGER 0) or a plain close, as a
    server closing its idle keep-alive connections does when it reloads."""

    PLAYLIST = ("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n"
                "#EXT-X-MEDIA-SEQUENCE:0\n"
                + "".join(f"#EXTINF:1.0,\nseg{i}.ts\n" for i in range(4)))

    def __init__(self, reset):
        self.reset, self.unanswered = reset, 0
        self.sock = socket.socket()
        self.sock.bind((HOST, 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(c,),
                             daemon=True).start()

    def request(self, c):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = c.recv(4096)
            if not chunk:
                return None
            data += chunk
        return data.split(b" ")[1].decode()

    def serve(self, c):
        with c:
            path = self.request(c)
            if path is None:
                return
            body = (self.PLAYLIST.encode() if path.endswith(".m3u8")
                    else b"\0" * 1000)
            c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: "
                      + str(len(body)).encode() + b"\r\n\r\n" + body)
            if self.request(c) is None:
                return
            self.unanswered += 1
            if self.reset:
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             struct.pack("ii", 1, 0))

    def close(self):
        self.sock.close()


@pytest.mark.parametrize("reset", [True, False], ids=["reset", "close"])
def test_viewers_resend_on_a_reused_connection_the_server_closed(
        tmpdir_path, reset):
    server = OneAnswerServer(reset)
    out = tmpdir_path / "report.json"
    try:
        finish(load(["--viewers", "2", "--duration", "5", "--play-url",
                     f"http://{HOST}:{server.port}/live/s{{i}}.m3u8"], out))
    finally:
        server.close()
    r = json.loads(out.read_text())
    assert server.unanswered >= 4, server.unanswered
    assert r["viewers"]["playlists"] >= 2 * 3, r
    assert r["errors"]["total"] == 0, r


def test_a_run_ends_at_its_duration_on_a_busy_machine(tmpdir_path):
    """With both cores busy, the end of the run and a progress tick fall
    due in the same pass of the event loop; the run must still end (a tick
    already due is not cancelled: it used to re-arm itself for ever)."""
    listener = socket.socket()
    listener.bind((HOST, 0))
    listener.listen(16)  # accepts, never answers: the viewers just wait
    busy = [subprocess.Popen(["sh", "-c", "while :; do :; done"])
            for _ in range(2)]
    try:
        for run in range(3):
            out = tmpdir_path / f"report{run}.json"
            proc = load(["--viewers", "2", "--duration", "2", "--play-url",
                         f"http://{HOST}:{listener.getsockname()[1]}"
                         "/live/s{i}.m3u8"], out)
            try:
                finish(proc, timeout=15)
            finally:
                proc.kill()
            assert json.loads(out.read_text())["viewers"]["requested"] == 2
    finally:
        for b in busy:
            b.kill()
        listener.close()
