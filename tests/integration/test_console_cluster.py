"""The console's Cluster page (issue #15) in Debian's Chromium on the
`make up` cluster (scripts/run.sh, loopback block 127.0.46-48.x): a node
over the CPU and memory thresholds is marked, in words and a sign; every
node's chart of the last samples has points (alerts.sample_interval_ms
lowered to 1 s, so the window is 2 min); kill -9 of an origin turns its
row and chart dead, an alert is raised, and Remove (keyboard, confirmed)
deletes it with its history.  The hot node is a record the test keeps
heartbeating into the cluster's store with store_tool (CPU 95 %, memory
92 %, at origin-1's address), through the store library as origins
write.  The browser side is
tests/browser/console_cluster.mjs; screenshots:
build/artifacts/console/<time>/ (printed), and docs/console-cluster.png
(the cluster view, for the docs)."""
import json
import pathlib
import subprocess
import time

import pytest

from conftest import BUILD, MODULE, ORIGIN_BIN, ROOT, Cluster, http_get
from harness import player
from harness.cluster import rest_headers
from harness.edge import build_store_tool
from harness.proc import stop_proc

pytestmark = [
    pytest.mark.skipif(not (ORIGIN_BIN.exists() and MODULE.exists()),
                       reason="not built"),
    pytest.mark.skipif(player.available() is not None,
                       reason=str(player.available())),
]

SCRIPT = player.BROWSER_DIR / "console_cluster.mjs"
DOCS_PNG = ROOT / "docs" / "console-cluster.png"
HOT = "hot-1"
VICTIM = "origin-2"
PROPS = ("alerts.sample_interval_ms=1000\n"
         "alerts.interval_ms=500\n"
         "alerts.lease_ttl_ms=3000\n"
         "alerts.cpu_for_s=0\n"
         "alerts.memory_for_s=0")


def alerts(c):
    """(rule, subject) of every alert, active and ended."""
    status, _, body = http_get(c.url + "/rest/v2/cluster/alerts",
                               headers=rest_headers(c.url))
    assert status == 200, body
    a = json.loads(body)
    return {(x["rule"], x["subject"]) for x in a["active"] + a["recent"]}


def history(c, query=""):
    status, _, body = http_get(c.url + "/rest/v2/cluster/node-history"
                               + query, headers=rest_headers(c.url))
    return status, json.loads(body)


def check_history_rest(c):
    """The hot node's samples as the REST call gives them; ?since."""
    status, h = history(c)
    assert status == 200, h
    assert h["sampleIntervalMs"] == 1000 and h["windowMs"] == 120000
    hot = next(n for n in h["nodes"] if n["id"] == HOT)
    t = hot["time"]
    assert len(t) >= 5 and t == sorted(t) and len(set(t)) == len(t)
    assert h["now"] - 120000 <= t[0] and t[-1] <= h["now"]
    assert set(hot["cpu"]) == {95.5} and set(hot["memory"]) == {92.3}
    assert set(hot["viewers"]) == {3}
    assert all(len(hot[k]) == len(t) for k in
               ("cpu", "memory", "viewers", "dbQueryAverageTimeMs"))
    assert [n["id"] for n in h["nodes"]] == sorted(n["id"] for n in h["nodes"])
    status, newer = history(c, f"?since={t[-1]}")
    assert status == 200
    hot2 = next(n for n in newer["nodes"] if n["id"] == HOT)
    assert hot2["time"][0] == t[-1]
    assert history(c, "?since=yesterday")[0] == 400


def drive(c, proc):
    """Answers the browser's kill request; returns its verdict line."""
    for line in proc.stdout:
        msg = json.loads(line)
        if "kill" in msg:
            assert msg["kill"] == VICTIM
            c.kill(VICTIM)
            proc.stdin.write("killed\n")
            proc.stdin.flush()
            continue
        return msg
    raise AssertionError("the browser script ended without a verdict")


def test_console_cluster_charts_thresholds_dead_remove(tmpdir_path):
    artifacts = BUILD / "artifacts" / "console" / time.strftime(
        "%Y%m%d-%H%M%S-cluster")
    artifacts.mkdir(parents=True, exist_ok=True)
    print(f"\nartifacts: {artifacts}", flush=True)
    store = f"sqlite://{tmpdir_path}/cluster.db"
    c = Cluster(tmpdir_path, store, 46, origins=2, edges=1, demo=False,
                ladder="")
    c.env["ORIGIN_PROPS"] = PROPS
    tool = build_store_tool(tmpdir_path / "store_tool")
    beat = proc = None
    try:
        c.up()
        # At origin-1's address: lb-sync puts every alive origin in the
        # LB's upstream, and this one must answer there.
        beat = tool.beat(store, HOT, c.origins[0], c.http_port,
                         period_ms=200, cpu=95.5, mem=92.25, viewers=3)
        password = (pathlib.Path(c.env["RUN_DIR"])
                    / "console-admin.password").read_text().strip()
        proc = subprocess.Popen(
            ["node", str(SCRIPT), c.url, "admin@fanout.local", password,
             HOT, VICTIM, str(artifacts), str(DOCS_PNG)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, cwd=player.BROWSER_DIR)
        verdict = drive(c, proc)
        proc.wait(timeout=30)
        (artifacts / "console.log").write_text(proc.stderr.read())
        (artifacts / "verdict.json").write_text(json.dumps(verdict, indent=1))
        assert verdict["ok"], verdict["error"]
        names = [s["name"] for s in verdict["steps"]]
        assert names[-1].startswith("Remove (keyboard, confirmed)")
        raised = alerts(c)
        assert ("highCpu", HOT) in raised and ("highMemory", HOT) in raised
        assert ("nodeDead", VICTIM) in raised
        check_history_rest(c)
        assert DOCS_PNG.stat().st_mtime > time.time() - 300
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        if beat is not None:
            stop_proc(beat)
        c.down()
