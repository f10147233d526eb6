"""Node metrics end to end (#15): a real fanout-origin and a real nginx
edge (the shipped edge.conf) heartbeat into one SQLite store every 500 ms
with the machine's CPU % and memory %, its load average and their own
process figures; both expose them as Prometheus text (/metrics and
/fanout_status) under the same fanout_node_* names; the edge records its
last failed and last good origin fetch; and the Grafana dashboard and the
alert rules name only metrics the two pages really carry.

Loopback addresses 127.0.32.x."""
import pathlib
import shutil
import re
import subprocess
import sys
import time

import pytest

import conftest
from test_edge_harness import edges, store_tool  # noqa: F401  (fixtures)

sys.path.insert(0, str(conftest.ROOT / "tests" / "monitoring"))
import check_monitoring  # noqa: E402

ORIGIN_HOST, EDGE_HOST, DEAD_HOST = "127.0.32.1", "127.0.32.2", "127.0.32.3"
STORE_OPTS = "update_period_ms=500&dead_factor=4&timeout_ms=1000"

pytestmark = pytest.mark.skipif(
    not conftest.ORIGIN_BIN.exists() or not conftest.MODULE.exists()
    or shutil.which("promtool") is None,
    reason="fanout-origin or the edge module not built, or no promtool")


def meminfo_used_percent():
    kb = {}
    for line in pathlib.Path("/proc/meminfo").read_text().splitlines():
        key, rest = line.split(":", 1)
        kb[key] = int(rest.split()[0])
    return 100.0 * (kb["MemTotal"] - kb["MemAvailable"]) / kb["MemTotal"]


def samples(text):
    """{name{labels}: float} of a Prometheus text page."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def node_record(store_tool, uri, node_id):
    f = store_tool.node(uri, node_id)
    if not f or float(f.get("mem_percent", 0)) <= 0:
        return None
    return f


def check_load(f, role):
    assert f["role"] == role and f["alive"] == "1", f
    assert 0 <= float(f["cpu"]) <= 100, f
    # the machine's memory %, as /proc/meminfo has it now (give or take)
    assert abs(float(f["mem_percent"]) - meminfo_used_percent()) < 10, f
    assert 0 <= float(f["process_cpu"]) <= 100, f
    assert int(f["process_rss"]) > 1 << 20, f   # a process, not a page
    assert float(f["load1"]) >= 0, f
    assert float(f["repl_lag_ms"]) == -1, f     # SQLite: unknown


def check_gauges(page, what):
    s = samples(page)
    now = time.time()
    for name in ("fanout_node_cpu_percent", "fanout_node_process_cpu_percent"):
        assert 0 <= s[name] <= 100, (what, name, s[name])
    assert abs(s["fanout_node_memory_percent"] - meminfo_used_percent()) \
        < 10, (what, s["fanout_node_memory_percent"])
    assert s["fanout_node_process_resident_bytes"] > 1 << 20, what
    assert s["fanout_node_load1"] >= 0, what
    assert s["fanout_node_replication_lag_seconds"] == -1, what
    assert 0 <= s["fanout_node_store_query_avg_seconds"] < 5, what
    # the last heartbeat the store took: within a few periods
    assert now - 10 < s["fanout_node_heartbeat_timestamp_seconds"] \
        <= now + 1, (what, s["fanout_node_heartbeat_timestamp_seconds"])


@pytest.fixture
def cluster(tmpdir_path, edges):  # noqa: F811
    uri = f"sqlite://{tmpdir_path}/cluster.db"
    origin = conftest.Origin(tmpdir_path, uri, name="origin-m",
                             host=ORIGIN_HOST).start()
    edge = edges(f"{uri}?{STORE_OPTS}", host=EDGE_HOST, node_id="edge-m",
                 workers=2)
    yield uri, origin, edge
    origin.stop()


def test_nodes_report_system_load(cluster, store_tool,  # noqa: F811
                                  tmpdir_path):
    uri, origin, edge = cluster
    o = conftest.wait_for(lambda: node_record(store_tool, uri, "origin-m"),
                          15)
    e = conftest.wait_for(lambda: node_record(store_tool, uri, "edge-m"), 15)
    assert o and e, (store_tool.node(uri, "origin-m"),
                     store_tool.node(uri, "edge-m"), origin.log_text()[-2000:])
    # the process CPU is a rate: the second beat has one
    time.sleep(1.2)
    check_load(store_tool.node(uri, "origin-m"), "origin")
    check_load(store_tool.node(uri, "edge-m"), "edge")
    assert store_tool.node(uri, "origin-m")["origin_ok_ms"] == "0"

    code, _, body = conftest.http_get(f"{origin.http}/metrics")
    assert code == 200, code
    metrics = body.decode()
    status = edge.get("/fanout_status")
    assert status.status == 200
    check_gauges(metrics, "origin")
    check_gauges(status.text, "edge")

    # The dashboard and the rules against what the pages really carry,
    # and the sources' names (monitoring_dashboard's truth) against them.
    pages = [tmpdir_path / "origin.prom", tmpdir_path / "edge.prom"]
    pages[0].write_text(metrics)
    pages[1].write_text(status.text)
    scraped = check_monitoring.scraped_metric_names(pages)
    assert check_monitoring.check(scraped) == []
    # Prometheus's own parser and linter take both pages (the origin's two
    # "_ms" names predate this and stay).
    for page in pages:
        r = subprocess.run(["promtool", "check", "metrics"],
                           input=page.read_text(), capture_output=True,
                           text=True)
        complaints = [ln for ln in (r.stdout + r.stderr).splitlines()
                      if ln.strip() and not re.match(
                          r"fanout_(segment_publish|store_query_avg)_ms ", ln)]
        assert not complaints, (page.name, r.returncode, complaints)
    families = {n for n in scraped if n.startswith("fanout_")
                and not (n.endswith("_count") and n[:-6] in scraped)}
    assert check_monitoring.source_metric_names() == families


def test_edge_records_origin_fetches(cluster, store_tool):  # noqa: F811
    uri, origin, edge = cluster
    # A stream claimed by a live node whose address answers nothing.
    ghost = conftest.free_port(DEAD_HOST)
    beat = store_tool.beat(uri, "ghost", DEAD_HOST, ghost)
    try:
        assert store_tool.claim(uri, "LiveApp", "lost", "ghost", DEAD_HOST,
                                ghost, "sessG") == 0
        r = edge.get("/LiveApp/streams/lost.m3u8")
        assert r.status >= 500 or r.status == 404, r.status
        st = conftest.wait_for(
            lambda: (lambda s: s if s["origin_fail_timestamp_seconds"] > 0
                     else None)(edge.status()), 5)
        assert st and st["origin_ok_timestamp_seconds"] == 0, st
        rec = conftest.wait_for(
            lambda: (lambda f: f if f and int(f["origin_fail_ms"]) > 0
                     else None)(store_tool.node(uri, "edge-m")), 5)
        assert rec and rec["origin_ok_ms"] == "0", rec
        assert abs(int(rec["origin_fail_ms"]) / 1000 - time.time()) < 10

        # A stream on the real origin, which answers (404: no such
        # playlist there): a good fetch, after the failed one.
        assert store_tool.claim(uri, "LiveApp", "here", "origin-m",
                                ORIGIN_HOST, origin.http_port, "sessH") == 0
        r = edge.get("/LiveApp/streams/here.m3u8")
        assert r.status == 404, r.status
        # the log phase runs after the answer is sent: wait for it
        st = conftest.wait_for(
            lambda: (lambda s: s if s["origin_ok_timestamp_seconds"] > 0
                     else None)(edge.status()), 5)
        assert st and st["origin_ok_timestamp_seconds"] >= \
            st["origin_fail_timestamp_seconds"] > 0, st
        rec = conftest.wait_for(
            lambda: (lambda f: f if f and int(f["origin_ok_ms"]) > 0
                     else None)(store_tool.node(uri, "edge-m")), 5)
        assert rec and int(rec["origin_ok_ms"]) >= int(rec["origin_fail_ms"])
        assert st["bytes_out"] > 0, st      # the answers' bytes, egress
    finally:
        conftest.stop_proc(beat)
