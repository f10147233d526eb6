"""The streamStalled alert read through fo_stream_live_progress (issue #15:
the evaluator no longer lists every broadcast): one origin on a store
(SQLite, then Redis) that bench/console/console_seed fills with 520 live
streams whose progress it keeps writing with the same sequence, on a
node it keeps alive: more than one page (500) of live streams.  Every
one is raised, the first and the last in byte order among them.  Then
LiveApp's hlsTime (a per-application setting) goes to 60 s: the limit
is 1 x 60 s, and every alert clears."""
import json
import subprocess

import pytest

from conftest import BUILD, ORIGIN_BIN, Origin, http_get, wait_for

SEED = BUILD / "bin" / "console_seed"
pytestmark = pytest.mark.skipif(not (ORIGIN_BIN.exists() and SEED.exists()),
                                reason="not built")
STREAMS = 520


@pytest.fixture(params=["sqlite", "redis"])
def uri(request, tmpdir_path):
    if request.param == "sqlite":
        return f"sqlite://{tmpdir_path}/cluster.db"
    return request.getfixturevalue("redis_server").uri


def stalled(o):
    st, _, body = http_get(f"{o.http}/rest/v2/cluster/alerts")
    assert st == 200, body
    return {a["subject"] for a in json.loads(body)["active"]
            if a["rule"] == "streamStalled"}


def test_stalled_streams_over_two_pages(tmpdir_path, uri):
    seed = subprocess.Popen([str(SEED), uri, "2", str(STREAMS), "300", "rewrite"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    o = None
    try:
        assert seed.stdout.readline().startswith("SEEDED")
        o = Origin(tmpdir_path, uri, host="127.0.53.1",
                   extra={"alerts.interval_ms": 300,
                          "alerts.stream_stall_segments": 1,
                          "alerts.clear_for_s": 0}).start()
        want = {f"LiveApp/bench-{i}" for i in range(STREAMS)}
        assert wait_for(lambda: stalled(o) >= want, 30), \
            sorted(want - stalled(o))[:10]
        # byte order: bench-0 first, bench-99 last (the second page)
        assert {"LiveApp/bench-0", "LiveApp/bench-99"} <= stalled(o)
        assert len(stalled(o)) == STREAMS
        st, _, body = http_get(
            f"{o.http}/rest/v2/applications/settings/LiveApp", method="PUT",
            body=b'{"hlsTime":60}',
            headers={"Content-Type": "application/json"})
        assert st == 200, body
        assert wait_for(lambda: not stalled(o), 20), len(stalled(o))
    finally:
        if o:
            o.stop()
        seed.stdin.close()
        seed.wait(timeout=30)
