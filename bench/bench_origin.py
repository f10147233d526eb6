"""One fanout-origin for a benchmark: on `host` (loopback), a SQLite store
in `work`, hlsTime 2 s, warnings only, plus `props` (origin.properties
lines), optionally pinned to `cpus`.  Returns (process, http port, rtmp
port) once both ports listen."""
import os
import subprocess
import sys

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from harness.net import free_port, require_port  # noqa: E402


def start_origin(origin_bin, work, host, name, props="", cpus=None):
    http, rtmp = free_port(host), free_port(host)
    conf = work / "origin.properties"
    conf.write_text(
        f"server.name={name}\nserver.host_address={host}\n"
        f"server.bind_address={host}\nhttp.port={http}\nrtmp.port={rtmp}\n"
        f"clusterdb.host=sqlite://{work}/cluster.db\n"
        "hlsTime=2\nhlsListSize=5\nlog.level=warn\n" + props)
    pin = (lambda: os.sched_setaffinity(0, cpus)) if cpus else None
    proc = subprocess.Popen([str(origin_bin), "--config", str(conf)],
                            stderr=open(work / "origin.log", "wb"),
                            preexec_fn=pin)
    require_port(http, host)
    require_port(rtmp, host)
    return proc, http, rtmp
