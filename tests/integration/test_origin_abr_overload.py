"""Overload of a real ladder (#13): a ladder far too large for one thread
of this machine (1080p and 720p forced above a 360p source, x264 `slower`,
encoderThreads=1) degrades as the issue says: renditions are dropped
lowest first, each drop logged and counted in /metrics and gone from the
master playlist, the broadcast's `speed` shows the transcoder below real
time, the source rendition keeps its pace, memory stays flat, and the
origin keeps answering."""
import re
import time

import pytest

from conftest import (ORIGIN_BIN, Origin, Publisher, api_broadcast, http_get,
                      wait_for)
from harness.edge import media_sequence

pytestmark = pytest.mark.skipif(not ORIGIN_BIN.exists(),
                                reason="fanout-origin not built")

# Sorted lowest first, as the origin sheds them.
LADDER = ('[{"height":180,"videoBitrate":150000},'
          '{"height":240,"videoBitrate":300000},'
          '{"height":720,"videoBitrate":2500000,"forceEncode":true},'
          '{"height":1080,"videoBitrate":4500000,"forceEncode":true}]')
NAMES = ["180p150kbps", "240p300kbps", "720p2500kbps", "1080p4500kbps"]


def rss_mib(o):
    status = open(f"/proc/{o.proc.pid}/status").read()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


def media_sequence_end(o, name):
    """The number after the last listed segment, or None."""
    st, _, body = http_get(f"{o.http}/LiveApp/streams/{name}.m3u8", timeout=2)
    if st != 200:
        return None
    text = body.decode()
    return media_sequence(text) + text.count("#EXTINF")


@pytest.fixture
def origin(tmpdir_path):
    extra = {"encoderSettingsString": LADDER, "encoderPreset": "slower",
             "encoderThreads": 1, "hlsTime": 2}
    o = Origin(tmpdir_path, f"sqlite://{tmpdir_path}/cluster.db",
               host="127.0.15.1", extra=extra).start()
    yield o
    o.stop()


def test_a_ladder_too_large_sheds_lowest_first_and_spares_the_source(
        origin, tmpdir_path):
    o = origin
    pub = Publisher(o.rtmp("LiveApp", "ovl"), tmpdir_path).start()
    try:
        wait_for(lambda: o.metric("fanout_transcode_renditions_dropped_total"),
                 timeout=60, what="a dropped rendition; log:\n"
                 + o.log_text()[-2000:])
        # The broadcast shows the transcoder behind real time.
        speeds = []
        wait_for(lambda: speeds.append(api_broadcast(o.http, "ovl")
                                       .get("speed")) or
                 (speeds[-1] is not None and 0 < speeds[-1] < 1.0),
                 timeout=20, what="a speed below 1.0")

        # The source keeps its pace while the transcoder is overloaded:
        # over 12 s, about 6 new 2 s segments, and every answer in time.
        start, rss0, t0 = media_sequence_end(o, "ovl"), rss_mib(o), \
            time.monotonic()
        rss = [rss0]
        while time.monotonic() - t0 < 12:
            st, _, _ = http_get(f"{o.http}/rest/v2/liveness", timeout=2)
            assert st == 200
            rss.append(rss_mib(o))
            time.sleep(0.5)
        added = media_sequence_end(o, "ovl") - start
        assert added >= 4, f"{added} source segments in 12 s"
        assert max(rss) - rss0 < 64, rss    # flat: the queue is bounded

        # Lowest first: every drop logged, in the ladder's order.
        counted = o.metric("fanout_transcode_renditions_dropped_total")
        log = o.log_text()
        dropped = re.findall(r"rendition (\w+) ended: overload", log)
        assert dropped, log[-2000:]
        assert dropped == NAMES[:len(dropped)], dropped
        assert 1 <= counted <= len(dropped), (counted, dropped)
        # A dropped rendition is gone from the master playlist; the source
        # stays in it.
        st, _, body = http_get(f"{o.http}/LiveApp/streams/ovl_adaptive.m3u8",
                               timeout=2)
        assert st == 200
        master = body.decode()
        assert "ovl.m3u8" in master, master
        for name in dropped:
            assert f"ovl_{name}.m3u8" not in master, (name, master)
        print(f"\ndropped {dropped}, speed {speeds[-1]}, source +{added} "
              f"segments in 12 s, RSS {rss0:.0f}..{max(rss):.0f} MiB")
    finally:
        pub.stop()
