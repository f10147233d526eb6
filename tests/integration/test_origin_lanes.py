"""An origin's membership cannot be wedged by a REST flood and a slow
store together: heartbeats run on their own lane (thread and store
handle), the REST lane is bounded and answers 503 + Retry-After beyond its
bound, and nothing on the event loop waits for the store.

The store is real redis behind a real TCP relay that delays every reply
(harness SlowProxy), near the handle's timeout; the flood is real HTTP."""
import json
import threading
import time

import pytest

from conftest import ORIGIN_BIN, Origin, http_get, wait_for
from harness.edge import SlowProxy

pytestmark = pytest.mark.skipif(not ORIGIN_BIN.exists(),
                                reason="fanout-origin not built")

PERIOD_MS = 2000         # dead after 4 x 2 s = 8 s
STORE_TIMEOUT_MS = 1000
DELAY_S = 0.7            # each store reply: near the timeout
QUEUE_MAX = 8
FLOOD_S = 12
FLOODERS = 12


def node(observer, node_id):
    st, _, body = http_get(
        f"{observer.http}/rest/v2/cluster/node/{node_id}", timeout=3)
    return json.loads(body) if st == 200 else None


def test_rest_flood_with_a_slow_store_never_kills_the_heartbeat(
        tmpdir_path, redis_server):
    proxy = SlowProxy(redis_server.port)
    slow_uri = (f"redis://127.0.0.1:{proxy.port}/0?timeout_ms="
                f"{STORE_TIMEOUT_MS}&connect_timeout_ms=1000")
    a = Origin(tmpdir_path, slow_uri, name="origin-a", period_ms=PERIOD_MS,
               extra={"http.rest_queue_max": QUEUE_MAX}).start()
    # The observer reads the same store without the relay.
    b = Origin(tmpdir_path, redis_server.uri, name="origin-b",
               period_ms=PERIOD_MS).start()
    stop = threading.Event()
    statuses = {}
    retry_after = set()
    liveness_worst = [0.0]
    lock = threading.Lock()

    def flood():
        while not stop.is_set():
            st, h, _ = http_get(
                f"{a.http}/LiveApp/rest/v2/broadcasts/count", timeout=30)
            with lock:
                statuses[st] = statuses.get(st, 0) + 1
                if st == 503:
                    retry_after.add(h.get("Retry-After"))

    def liveness():
        while not stop.is_set():
            t = time.monotonic()
            st, _, _ = http_get(f"{a.http}/rest/v2/liveness", timeout=10)
            assert st == 200
            liveness_worst[0] = max(liveness_worst[0], time.monotonic() - t)
            time.sleep(0.1)

    try:
        assert wait_for(lambda: (node(b, "origin-a") or {}).get("status")
                        == "alive", 15), a.log_text()[-2000:]
        proxy.delay = DELAY_S
        threads = [threading.Thread(target=flood, daemon=True)
                   for _ in range(FLOODERS)]
        threads.append(threading.Thread(target=liveness, daemon=True))
        for t in threads:
            t.start()
        beats = []
        t_end = time.monotonic() + FLOOD_S
        while time.monotonic() < t_end:
            n = node(b, "origin-a")
            assert n is not None and n["status"] == "alive", n
            if not beats or beats[-1] != n["lastUpdateTime"]:
                beats.append(n["lastUpdateTime"])
            time.sleep(0.1)
        stop.set()
        proxy.delay = 0
        for t in threads:
            t.join(40)
        gaps = [(y - x) / 1000 for x, y in zip(beats, beats[1:])]
        print(f"heartbeats during the flood: {len(beats)}, gaps (s): "
              f"{[round(g, 2) for g in gaps]}; REST answers {statuses}; "
              f"worst liveness {liveness_worst[0]:.3f} s")
        # On period: a beat is two store calls (~1.4 s here), so it never
        # slips by more than one period.
        assert len(beats) >= FLOOD_S * 1000 // PERIOD_MS - 1, beats
        assert max(gaps) < 2 * PERIOD_MS / 1000, gaps
        # Bounded: the queue refused the excess at once, with Retry-After.
        assert statuses.get(503, 0) > 0, statuses
        assert retry_after == {"1"}, retry_after
        assert statuses.get(200, 0) > 0, statuses
        assert set(statuses) <= {200, 503}, statuses
        # The event loop never waited for the store.
        assert liveness_worst[0] < 1.0, liveness_worst
        st, _, body = http_get(f"{a.http}/metrics")
        assert st == 200
        busy = [line for line in body.decode().splitlines()
                if line.startswith("fanout_rest_busy_total ")]
        assert busy and int(busy[0].split()[1]) == statuses[503], busy
    finally:
        stop.set()
        proxy.delay = 0
        a.stop()
        b.stop()
        proxy.close()
