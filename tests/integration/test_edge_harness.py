"""Fixtures and helpers for the edge module's integration tests
(test_edge_*.py): the shipped nginx-module/conf/edge.conf run as the edge,
origins (a static nginx until build/bin/fanout-origin exists), stores
(SQLite, Redis) and a store tool built from C against the store library.
The processes themselves are tests/harness's (harness.edge,
harness.origin); test modules import what they use from here.  No tests
live in this file.
"""
import os
import re

import pytest

from conftest import stop_proc
from harness import net
from harness.edge import (  # noqa: F401  (for the test modules)
    PERIOD_MS, STORE_OPTS, Edge, Reply, SlowProxy, StoreTool,
    build_store_tool, get, parallel_get, raw_request)
from harness.nginx import EDGE_CONF, render_edge_conf  # noqa: F401
from harness.origin import OriginStub


def wait_for(predicate, timeout, interval=0.05, what="condition"):
    """harness.net.wait_for, failing the test on timeout."""
    return net.wait_for(predicate, timeout, interval, what)


@pytest.fixture(scope="session")
def store_tool(tmp_path_factory):
    return build_store_tool(tmp_path_factory.mktemp("edge-tools")
                            / "store_tool")


# ---- stores -------------------------------------------------------------------

class Store:
    """A store URI for the edge (short timeouts) and for the tool."""

    def __init__(self, kind, uri, redis=None):
        self.kind = kind
        self.uri = uri
        self.redis = redis


@pytest.fixture(params=["sqlite", "redis"])
def store(request, tmpdir_path):
    if request.param == "sqlite":
        # Edge workers run as root in the tests (`user root`), but keep
        # the directory open in case they do not.
        os.chmod(tmpdir_path, 0o777)
        yield Store("sqlite", f"sqlite://{tmpdir_path}/cluster.db?"
                    f"{STORE_OPTS}&timeout_ms=1000")
        return
    r = request.getfixturevalue("redis_server")      # conftest.py's
    yield Store("redis", r.uri_with(STORE_OPTS, connect_timeout_ms=300,
                                    timeout_ms=1000), redis=r)


@pytest.fixture
def slow_proxy(redis_server):
    """A SlowProxy in front of redis_server, closed afterwards; its uri is
    the store through it, with a timeout longer than the tests' delays."""
    proxy = SlowProxy(redis_server.port)
    proxy.uri = redis_server.uri_with(STORE_OPTS, port=proxy.port,
                                      timeout_ms=4000)
    yield proxy
    proxy.close()


# ---- origins ------------------------------------------------------------------

@pytest.fixture
def origins(tmpdir_path):
    """origins(name) -> a started OriginStub; all are stopped afterwards."""
    made = []

    def make(name):
        o = OriginStub(tmpdir_path, name).start()
        made.append(o)
        return o

    yield make
    for o in made:
        o.stop()


# ---- the edge -----------------------------------------------------------------

@pytest.fixture
def edges(tmpdir_path):
    """edges(store_uri, **kw) -> a started Edge; stopped and checked for
    worker crashes afterwards."""
    made = []

    def make(store_uri, **kw):
        kw.setdefault("name", f"edge{len(made)}")
        e = Edge(tmpdir_path, store_uri, **kw).start()
        made.append(e)
        return e

    yield make
    for e in made:
        e.stop()
        assert not e.crashed(), "\n".join(e.crashed())


def live(store_tool, uri, origin, stream="s1", session="sessA", node=None,
         renditions=()):
    """Publishes stream on origin: files, a heartbeating node (returned:
    hand it to beats), the claim."""
    node = node or origin.name
    origin.publish("LiveApp", stream, session, renditions=renditions)
    beat = store_tool.beat(uri, node, "127.0.0.1", origin.port)
    assert store_tool.claim(uri, "LiveApp", stream, node, "127.0.0.1",
                            origin.port, session) == 0
    return beat


def move(store_tool, uri, origin, stream, old_session, session):
    """The stream is republished on origin: its files and heartbeating node
    (returned) first, then the old claim released and the new one made."""
    origin.publish("LiveApp", stream, session)
    beat = store_tool.beat(uri, origin.name, "127.0.0.1", origin.port)
    assert store_tool.release(uri, "LiveApp", stream, old_session) == 0
    assert store_tool.claim(uri, "LiveApp", stream, origin.name, "127.0.0.1",
                            origin.port, session) == 0
    return beat


@pytest.fixture
def beats():
    """beats(proc) -> proc: a heartbeating node (from live, move or
    store_tool.beat) stopped afterwards, even when the test fails;
    stop_proc(proc) makes it dead sooner."""
    made = []

    def keep(proc):
        made.append(proc)
        return proc

    yield keep
    for p in made:
        stop_proc(p)


def origin_tag(reply):
    m = re.search(r"origin=(\S+)", reply.text)
    return m.group(1) if m else None
