"""Scale-out without restarts: a third origin joins a running cluster,
fanout-lb-sync adds it to the LB, and new publishes spread by least_conn."""
import collections

import pytest

from conftest import ORIGIN_BIN, Cluster, MODULE, stop_all, wait_for

pytestmark = pytest.mark.skipif(
    not (ORIGIN_BIN.exists() and MODULE.exists()), reason="not built")


def test_third_origin_joins_and_takes_publishers(tmpdir_path):
    c = Cluster(tmpdir_path, f"sqlite://{tmpdir_path}/cluster.db", 80,
                period_ms=500).up()
    third = None
    pubs = []
    try:
        # The new origin: same store, same ports, its own address.
        workers = c.lb_workers()
        third = c.add_origin("origin-3", "127.0.80.3")
        upstreams = tmpdir_path / "run" / "lb" / "upstreams-stream.conf"
        assert wait_for(lambda: "127.0.80.3" in upstreams.read_text(), 5), \
            upstreams.read_text()
        assert "upstreams updated" in c.log("lb-sync")
        # Publishes before the reload has taken effect would go to the old
        # workers, which know two origins only (the failure of one CI run:
        # 6/4/2).
        assert c.lb_reloaded(workers), "the LB's old workers did not exit"

        pubs = c.publish_many(12)
        live = wait_for(lambda: c.broadcasting(12), 30)
        assert live, "12 publishes did not all start"
        per_origin = collections.Counter(b["originAdress"] for b in live)
        print(f"12 publishers over 3 origins: {dict(per_origin)}")
        assert set(per_origin) == set(c.origins) | {"127.0.80.3"}
        assert max(per_origin.values()) <= 5
    finally:
        stop_all(pubs)
        if third:
            third.stop()
        c.down()
