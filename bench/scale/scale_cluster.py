"""The cluster the scale benches load: the one `make up` starts
(scripts/run.sh: SQLite store, heartbeat 5 s, dead after 20 s, hlsTime
2 s, the LB and fanout-lb-sync) on loopback 127.0.<block>..<block + 2>.x,
without its demo publisher, with the origins' connection caps lifted:
every publisher comes through the LB, from a few generator addresses."""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from harness.cluster import Cluster  # noqa: E402

ORIGIN_PROPS = ("broadcast.max_per_app=0\nrtmp.max_connections_per_ip=0\n"
                "rtmp.max_connections=10000\nlog.level=warn\n")


def start_cluster(work, block, origins=2, edges=2):
    """Started (scripts/run.sh up) in work; stop it with .down()."""
    c = Cluster(work, f"sqlite://{work}/cluster.db", block, period_ms=5000,
                hls_time=2, origins=origins, edges=edges)
    c.env["ORIGIN_PROPS"] = ORIGIN_PROPS
    return c.up()
