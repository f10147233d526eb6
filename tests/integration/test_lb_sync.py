"""fanout-lb-sync: renders upstreams from the alive nodes, reloads only when
membership changed, and rolls back a configuration that fails its test."""
import subprocess

import pytest

from conftest import BUILD, wait_for

from test_edge_harness import store_tool  # noqa: F401 (fixture)

SYNC = BUILD / "bin" / "fanout-lb-sync"

pytestmark = pytest.mark.skipif(not SYNC.exists(), reason="not built")


def sync(uri, out, test_cmd="true", reload_log=None):
    reload_cmd = f"echo reload >> {reload_log}" if reload_log else "true"
    return subprocess.run([str(SYNC), "--store", uri, "--dir", str(out),
                           "--once", "--test-cmd", test_cmd,
                           "--reload-cmd", reload_cmd],
                          capture_output=True, text=True, timeout=30)


def test_renders_alive_nodes_per_role_and_group(tmpdir_path, store_tool):
    # The default liveness (dead after 20 s): every node is alive however
    # slowly the machine starts the processes.
    uri = f"sqlite://{tmpdir_path}/c.db"
    store_tool.must(uri, "heartbeat", "origin-1", "10.0.0.1", 5080, "origin")
    store_tool.must(uri, "heartbeat", "origin-2", "10.0.0.2", 5081, "origin",
                    "eu")
    store_tool.must(uri, "heartbeat", "edge-1", "10.0.1.1", 80, "edge")
    r = sync(uri, tmpdir_path)
    assert r.returncode == 0, r.stderr
    http = (tmpdir_path / "upstreams-http.conf").read_text()
    stream = (tmpdir_path / "upstreams-stream.conf").read_text()
    assert "upstream fanout_edges {\n    least_conn;\n" \
           "    server 10.0.1.1:80 max_fails=2 fail_timeout=5s;" in http
    assert "server 10.0.0.1:5080" in http and "server 10.0.0.2:5081" in http
    assert "upstream fanout_origins_eu" in http
    assert "server 10.0.0.1:1935" in stream and "server 10.0.0.2:1935" in stream
    assert "10.0.1.1" not in stream                  # edges take no RTMP
    eu = stream.split("upstream fanout_rtmp_eu {")[1].split("}")[0]
    assert "10.0.0.2:1935" in eu and "10.0.0.1" not in eu


def test_reloads_only_on_change_and_drops_dead_nodes(tmpdir_path,
                                                     store_tool):
    # Dead after 2 x 1 s: room for the first syncs on a busy machine, and
    # not long to wait for origin-2 to die.
    uri = f"sqlite://{tmpdir_path}/c.db?update_period_ms=1000&dead_factor=2"
    log = tmpdir_path / "reloads"
    store_tool.heartbeat(uri, "origin-1", "10.0.0.1", 5080)
    store_tool.heartbeat(uri, "origin-2", "10.0.0.2", 5080)
    assert sync(uri, tmpdir_path, reload_log=log).returncode == 0
    assert sync(uri, tmpdir_path, reload_log=log).returncode == 0
    assert log.read_text().count("reload") == 1     # nothing changed

    def origin_2_dead():
        # origin-1 keeps beating while origin-2's 2 s run out
        store_tool.heartbeat(uri, "origin-1", "10.0.0.1", 5080)
        return store_tool.node(uri, "origin-2")["alive"] == "0"
    assert wait_for(origin_2_dead, 10, interval=0.05)
    assert sync(uri, tmpdir_path, reload_log=log).returncode == 0
    assert log.read_text().count("reload") == 2
    stream = (tmpdir_path / "upstreams-stream.conf").read_text()
    assert "10.0.0.1:1935" in stream and "10.0.0.2" not in stream


def test_failed_config_test_rolls_back(tmpdir_path, store_tool):
    uri = f"sqlite://{tmpdir_path}/c.db"
    log = tmpdir_path / "reloads"
    store_tool.heartbeat(uri, "origin-1", "10.0.0.1", 5080)
    assert sync(uri, tmpdir_path, reload_log=log).returncode == 0
    before = (tmpdir_path / "upstreams-http.conf").read_text()
    store_tool.heartbeat(uri, "origin-9", "10.0.0.9", 5080)
    r = sync(uri, tmpdir_path, test_cmd="false", reload_log=log)
    assert "configuration test failed" in r.stderr
    assert (tmpdir_path / "upstreams-http.conf").read_text() == before
    assert log.read_text().count("reload") == 1


def test_empty_pool_renders_a_valid_down_server(tmpdir_path):
    uri = f"sqlite://{tmpdir_path}/c.db"
    assert sync(uri, tmpdir_path).returncode == 0
    http = (tmpdir_path / "upstreams-http.conf").read_text()
    assert "server 127.0.0.1:9 down;  # no alive node" in http
