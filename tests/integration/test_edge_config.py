"""The edge module's directives are checked at `nginx -t`, and the shipped
nginx-module/conf/edge.conf is valid as it is (paths aside)."""
import subprocess

import pytest

from conftest import MODULE
from test_edge_harness import EDGE_CONF, Edge, render_edge_conf  # noqa: F401


def nginx_t(tmpdir_path, settings=None, extra_http="", extra_main=""):
    e = Edge(tmpdir_path, f"sqlite://{tmpdir_path}/c.db",
             settings=settings, extra_http=extra_http, extra_main=extra_main)
    return e.test_config()


def test_shipped_edge_conf_passes_nginx_t(tmpdir_path):
    r = nginx_t(tmpdir_path)
    assert r.returncode == 0, r.stderr
    assert "syntax is ok" in r.stderr


def test_shipped_edge_conf_has_every_part_the_issue_asks_for():
    text = EDGE_CONF.read_text()
    for needle in ("thread_pool fanout", "fanout_thread_pool fanout",
                   "proxy_cache_path", "proxy_cache_lock on",
                   "proxy_cache_use_stale updating", "proxy_intercept_errors on",
                   "error_page 404 502 504 = @fanout_retry",
                   "location @fanout_retry", "fanout_invalidate on",
                   "$upstream_cache_status", "fanout_status",
                   "fanout_playlist_cache on", "$fanout_cache_status",
                   "fanout_origin_nodes", "fanout_lookup_zone",
                   r"\.(m3u8|mpd)$", r"\.(m4s|mp4|ts)$"):
        assert needle in text, needle


@pytest.mark.parametrize("settings,extra_http,message", [
    ({"fanout_lookup_ttl": "0"}, "", "must be positive"),
    ({"fanout_lookup_ttl": "soon"}, "", "invalid value"),
    ({"fanout_apps": "Live/App"}, "", "invalid name"),
    ({"fanout_apps": ".."}, "", "invalid name"),
    ({"fanout_node_id": "edge one"}, "", "invalid number of arguments"),
    ({"fanout_node_id": "edge:1"}, "", "invalid name"),
    ({"fanout_node_group": "x" * 64}, "", "invalid name"),
    ({"fanout_origin_nodes": "10.0.0.5:99999"}, "", "fanout_origin_nodes"),
    ({"fanout_origin_nodes": "10.0.0.5:5080/x"}, "", "fanout_origin_nodes"),
    ({"fanout_node_address": "10.0.0.5:0"}, "", "fanout_node_address"),
    ({"fanout_thread_pool": "nosuch"}, "", 'unknown thread pool "nosuch"'),
    ({"fanout_lookup_zone": "1k"}, "", "must be at least"),
    ({"fanout_lookup_timeout": "0"}, "", "must be positive"),
    ({}, "fanout_lookup_zone 2m;", "is duplicate"),
    ({}, "fanout_cache_zone 2m;", "is duplicate"),     # the old name
    ({"fanout_playlist_cache_zone": "1k"}, "", "must be at least"),
    ({"fanout_playlist_cache_max_size": "0"}, "", "must be 1 to 16m"),
    ({"fanout_playlist_cache_max_size": "17m"}, "", "must be 1 to 16m"),
    ({"fanout_playlist_cache_valid": "0"}, "", "must be positive"),
    ({"fanout_playlist_cache": "maybe"}, "", "invalid value"),
])
def test_bad_directive_values_fail_nginx_t(tmpdir_path, settings, extra_http,
                                           message):
    r = nginx_t(tmpdir_path, settings, extra_http)
    assert r.returncode != 0, r.stderr
    assert message in r.stderr, r.stderr


def test_lookup_without_store_fails_nginx_t(tmpdir_path):
    r = nginx_t(tmpdir_path, {"fanout_store": None})
    assert r.returncode != 0
    assert '"fanout_lookup" requires "fanout_store"' in r.stderr, r.stderr


def test_idle_module_needs_no_store(tmpdir_path):
    """Loaded but unused (no fanout_* directive): nginx runs as before."""
    # Not edge.conf nor harness.nginx.module_conf: the point is a
    # configuration with no fanout_* directive and nothing else.
    conf = tmpdir_path / "idle.conf"
    conf.write_text(f"""
load_module {MODULE};
events {{}}
http {{ server {{ listen 127.0.0.1:1; }} }}
""")
    r = subprocess.run(["nginx", "-t", "-p", str(tmpdir_path), "-e", "stderr",
                        "-c", str(conf)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_render_refuses_a_directive_the_shipped_conf_lacks(tmpdir_path):
    with pytest.raises(AssertionError, match="no 'fanout_nonsense'"):
        render_edge_conf(tmpdir_path, 1, {"fanout_nonsense": "1"})
