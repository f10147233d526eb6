"""fanout-lb-sync: renders upstreams from the alive nodes, reloads only when
membership changed, rolls back a configuration that fails its test, and
leaves out, on their own, node records nginx must not or cannot take."""
import pathlib
import sqlite3
import subprocess
import time

import pytest

from conftest import BUILD, check_config, make_prefix, wait_for
from harness.nginx import main_conf

from test_edge_harness import store_tool  # noqa: F401 (fixture)

SYNC = BUILD / "bin" / "fanout-lb-sync"
STREAM_MODULE = pathlib.Path("/usr/lib/nginx/modules/ngx_stream_module.so")

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
    assert "upstream fanout_edges {\n    hash $remote_addr consistent;\n" \
           "    server 10.0.1.1:80 max_fails=2 fail_timeout=5s;" in http
    assert "server 10.0.0.1:5080" in http and "server 10.0.0.2:5081" in http
    assert "upstream fanout_origins_eu" in http
    assert "server 10.0.0.1:1935" in stream and "server 10.0.0.2:1935" in stream
    assert "10.0.1.1" not in stream                  # edges take no RTMP
    # HTTP upstreams keep connections to the nodes; stream ones cannot
    for block in http.split("upstream ")[1:]:
        assert "    keepalive 32;\n}" in block, block
    assert "keepalive" not in stream
    # every pool's state is shared by the LB's workers
    for block in (http + stream).split("upstream ")[1:]:
        name = block.split(" ", 1)[0]
        assert f"    zone {name} " in block, block
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


# ---- records nginx must never see verbatim ------------------------------

def lb_conf(prefix, out):
    """A stand-in for lb.conf: the rendered files in http and stream."""
    make_prefix(prefix, ("logs",))
    conf = prefix / "lb.conf"
    conf.write_text(
        f"load_module {STREAM_MODULE};\n{main_conf(prefix, 64, user=None)}"
        f"http {{ access_log off; include {out}/upstreams-http.conf; }}\n"
        f"stream {{ include {out}/upstreams-stream.conf; }}\n")
    return conf


def nginx_test(prefix, conf):
    return f"nginx -t -q -p {prefix} -e stderr -c {conf}"


def write_raw_node(db, node_id, ip, http_port=5080, rtmp_port=1935,
                   role="origin", group="default"):
    """A record as a hostile or buggy writer could leave it: straight into
    the SQLite file (sql/schema.sql), past the store's own checks."""
    with sqlite3.connect(db) as c:
        c.execute("INSERT OR REPLACE INTO cluster_node (id, ip, http_port, "
                  "rtmp_port, role, node_group, last_update_time) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?)",
                  (node_id, ip, http_port, rtmp_port, role, group,
                   int(time.time() * 1000)))


@pytest.fixture
def lb(tmpdir_path):
    prefix = tmpdir_path / "lb"
    out = tmpdir_path / "lb-files"
    out.mkdir()
    conf = lb_conf(prefix, out)
    return prefix, out, conf


@pytest.mark.skipif(not STREAM_MODULE.exists(), reason="no nginx stream")
def test_bad_records_left_out_and_others_join_and_leave(tmpdir_path, lb,
                                                        store_tool):
    prefix, out, conf = lb
    db = tmpdir_path / "c.db"
    uri = f"sqlite://{db}"
    log = tmpdir_path / "reloads"
    store_tool.heartbeat(uri, "origin-1", "10.0.0.1", 5080)
    store_tool.heartbeat(uri, "edge-1", "10.0.1.1", 80, "edge")
    store_tool.heartbeat(uri, "origin-v6", "::1", 5082)
    store_tool.heartbeat(uri, "edge-local", "localhost", 81, "edge")
    store_tool.heartbeat(uri, "origin-nx", "nonexistent.invalid", 5083)
    write_raw_node(db, "evil\nserver 6.6.6.6:1;", "10.0.0.66")
    write_raw_node(db, "evil-addr", "10.0.0.7;\nserver 6.6.6.7")
    write_raw_node(db, "evil-group", "10.0.0.8", group="eu {\n}")
    write_raw_node(db, "evil-port", "10.0.0.9", http_port=70000)
    write_raw_node(db, "bad-v6", "::1::2")

    r = sync(uri, out, test_cmd=nginx_test(prefix, conf), reload_log=log)
    assert r.returncode == 0, r.stderr
    assert check_config(prefix, conf).returncode == 0
    http = (out / "upstreams-http.conf").read_text()
    stream = (out / "upstreams-stream.conf").read_text()
    assert "server 10.0.0.1:5080" in http and "server 10.0.1.1:80" in http
    assert "server [::1]:5082" in http and "server [::1]:1935" in stream
    assert "server localhost:81" in http
    for absent in ("nonexistent", "6.6.6", "10.0.0.66", "10.0.0.7",
                   "10.0.0.8", "10.0.0.9", "evil", "::1::2", "eu"):
        assert absent not in http + stream, absent
    assert log.read_text().count("reload") == 1
    err = r.stderr
    assert 'node "evil\\x0aserver 6.6.6.6:1;" left out: invalid id' in err
    assert ('node "evil-addr" left out: invalid address '
            '"10.0.0.7;\\x0aserver 6.6.6.7"') in err
    assert 'node "evil-group" left out: invalid node group "eu {\\x0a}"' in err
    assert 'node "evil-port" left out: invalid http port "70000"' in err
    assert 'node "bad-v6" left out: invalid address "::1::2"' in err
    assert ('node "origin-nx" left out: address "nonexistent.invalid" '
            'refused by the configuration test') in err
    assert not any(line.startswith(("server", "}")) for line in
                   err.splitlines())                # no raw control bytes

    # Membership still moves: one node joins, one leaves, the bad stay out.
    store_tool.heartbeat(uri, "origin-2", "10.0.0.2", 5080)
    store_tool.must(uri, "delete-node", "origin-1")
    r = sync(uri, out, test_cmd=nginx_test(prefix, conf), reload_log=log)
    assert r.returncode == 0, r.stderr
    assert check_config(prefix, conf).returncode == 0
    http = (out / "upstreams-http.conf").read_text()
    assert "server 10.0.0.2:5080" in http and "10.0.0.1:" not in http
    assert "nonexistent" not in http and "server [::1]:5082" in http
    assert log.read_text().count("reload") == 2


@pytest.mark.skipif(not STREAM_MODULE.exists(), reason="no nginx stream")
def test_unresolvable_name_alone_changes_nothing(tmpdir_path, lb,
                                                 store_tool):
    prefix, out, conf = lb
    uri = f"sqlite://{tmpdir_path}/c.db"
    log = tmpdir_path / "reloads"
    store_tool.heartbeat(uri, "origin-1", "10.0.0.1", 5080)
    assert sync(uri, out, test_cmd=nginx_test(prefix, conf),
                reload_log=log).returncode == 0
    before = (out / "upstreams-http.conf").read_text()
    store_tool.heartbeat(uri, "origin-nx", "nonexistent.invalid", 5080)
    r = sync(uri, out, test_cmd=nginx_test(prefix, conf), reload_log=log)
    assert r.returncode == 0, r.stderr
    assert (out / "upstreams-http.conf").read_text() == before
    assert log.read_text().count("reload") == 1     # nothing to reload
    assert "configuration test failed" not in r.stderr
    assert 'node "origin-nx" left out' in r.stderr


@pytest.mark.skipif(not STREAM_MODULE.exists(), reason="no nginx stream")
def test_running_sync_names_a_bad_node_once(tmpdir_path, lb, store_tool):
    prefix, out, conf = lb
    uri = f"sqlite://{tmpdir_path}/c.db"
    errlog = tmpdir_path / "lb-sync.log"
    store_tool.heartbeat(uri, "origin-1", "10.0.0.1", 5080)
    store_tool.heartbeat(uri, "origin-nx", "nonexistent.invalid", 5080)
    with open(errlog, "w") as err:
        p = subprocess.Popen([str(SYNC), "--store", uri, "--dir", str(out),
                              "--period-ms", "200", "--test-cmd",
                              nginx_test(prefix, conf), "--reload-cmd",
                              "true"], stderr=err)
    http = out / "upstreams-http.conf"
    try:
        assert wait_for(lambda: http.exists()
                        and "10.0.0.1:5080" in http.read_text(), 10)
        # later rounds: a node joins while origin-nx is tried each round
        store_tool.heartbeat(uri, "origin-2", "10.0.0.2", 5080)
        assert wait_for(lambda: "10.0.0.2:5080" in http.read_text(), 10)
    finally:
        p.terminate()
        p.wait(timeout=10)
    text = errlog.read_text()
    assert text.count('node "origin-nx" left out') == 1, text
    assert "host not found" not in text             # nginx's, while searching
    assert "nonexistent" not in http.read_text()
    assert check_config(prefix, conf).returncode == 0


@pytest.mark.skipif(not STREAM_MODULE.exists(), reason="no nginx stream")
def test_refused_names_found_by_halving_within_the_test_budget(
        tmpdir_path, lb, store_tool):
    prefix, out, conf = lb
    uri = f"sqlite://{tmpdir_path}/c.db"
    runs = tmpdir_path / "test-runs"
    store_tool.heartbeat(uri, "origin-1", "10.0.0.1", 5080)
    store_tool.heartbeat(uri, "edge-local", "localhost", 81, "edge")
    for i in range(5):
        store_tool.heartbeat(uri, f"origin-nx{i}", f"nx{i}.invalid", 5080)
    r = sync(uri, out, test_cmd=f"echo run >> {runs} && "
                                + nginx_test(prefix, conf))
    assert r.returncode == 0, r.stderr
    assert check_config(prefix, conf).returncode == 0
    http = (out / "upstreams-http.conf").read_text()
    assert "server localhost:81" in http and "server 10.0.0.1:5080" in http
    assert ".invalid" not in http
    for i in range(5):
        assert (f'node "origin-nx{i}" left out: address "nx{i}.invalid" '
                'refused by the configuration test') in r.stderr
    assert runs.read_text().count("run") <= 16 + 1  # the budget, the final
