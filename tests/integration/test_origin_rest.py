"""The REST API v2 as Ant Media users drive it with curl: paths, JSON field
names and error codes, over real HTTP against a real origin and store."""
import json

import pytest

from conftest import ORIGIN_BIN, api_nodes, http_get, wait_for

pytestmark = pytest.mark.skipif(not ORIGIN_BIN.exists(),
                                reason="fanout-origin not built")


def call(o, method, path, body=None, raw=None):
    data = raw if raw is not None else (
        json.dumps(body).encode() if body is not None else None)
    hdrs = {"Content-Type": "application/json"} if data is not None else {}
    st, h, b = http_get(o.http + path, method=method, body=data,
                        headers=hdrs)
    try:
        return st, json.loads(b) if b else None
    except ValueError:
        return st, b


def test_broadcast_lifecycle(origin):
    st, b = call(origin, "POST", "/LiveApp/rest/v2/broadcasts/create",
                 {"streamId": "show1", "name": "Morning show"})
    assert st == 200, b
    assert b["streamId"] == "show1" and b["name"] == "Morning show"
    assert b["status"] == "created"
    for field in ("type", "publishType", "originAdress", "date", "startTime",
                  "updateTime", "hlsViewerCount", "dashViewerCount",
                  "bitrate"):
        assert field in b, field

    st, gen = call(origin, "POST", "/LiveApp/rest/v2/broadcasts/create",
                   {"name": "no id"})
    assert st == 200 and len(gen["streamId"]) >= 12

    st, b = call(origin, "GET", "/LiveApp/rest/v2/broadcasts/show1")
    assert st == 200 and b["name"] == "Morning show"

    st, r = call(origin, "PUT", "/LiveApp/rest/v2/broadcasts/show1",
                 {"name": "Evening show"})
    assert st == 200 and r["success"] is True
    assert call(origin, "GET", "/LiveApp/rest/v2/broadcasts/show1")[1][
        "name"] == "Evening show"

    st, lst = call(origin, "GET",
                   "/LiveApp/rest/v2/broadcasts/list/0/10?sort_by=name"
                   "&order_by=asc")
    assert st == 200 and [x["name"] for x in lst] == ["Evening show",
                                                       "no id"]
    st, lst = call(origin, "GET",
                   "/LiveApp/rest/v2/broadcasts/list/0/10?search=evening")
    assert [x["streamId"] for x in lst] == ["show1"]
    assert call(origin, "GET", "/LiveApp/rest/v2/broadcasts/count") == \
        (200, {"number": 2})
    assert call(origin, "GET",
                "/LiveApp/rest/v2/broadcasts/active-live-stream-count") == \
        (200, {"number": 0})

    st, r = call(origin, "DELETE", "/LiveApp/rest/v2/broadcasts/show1")
    assert st == 200 and r["success"] is True
    assert call(origin, "GET", "/LiveApp/rest/v2/broadcasts/show1")[0] == 404


def test_client_mistakes_are_4xx_with_json(origin):
    call(origin, "POST", "/LiveApp/rest/v2/broadcasts/create",
         {"streamId": "dup"})
    cases = [
        ("POST", "/LiveApp/rest/v2/broadcasts/create", b"{not json", 400),
        ("POST", "/LiveApp/rest/v2/broadcasts/create", b'{"streamId":"dup"}',
         409),
        ("POST", "/LiveApp/rest/v2/broadcasts/create",
         b'{"streamId":"../etc"}', 400),
        ("GET", "/LiveApp/rest/v2/broadcasts/nope", None, 404),
        ("DELETE", "/LiveApp/rest/v2/broadcasts/nope", None, 404),
        ("PATCH", "/LiveApp/rest/v2/broadcasts/dup", b"{}", 405),
        ("GET", "/LiveApp/rest/v2/broadcasts/list/x/10", None, 400),
        ("GET", "/NoSuchApp/rest/v2/broadcasts/count", None, 404),
        ("GET", "/rest/v2/nothing-here", None, 404),
        ("POST", "/LiveApp/rest/v2/broadcasts/create", b"x" * (200 * 1024),
         413),
    ]
    for method, path, raw, want in cases:
        st, body = call(origin, method, path, raw=raw)
        assert st == want, (method, path, st, body)
        if st != 413:
            assert isinstance(body, dict) and "message" in body, body
    st, _, _ = http_get(origin.http + "/LiveApp/streams/%2e%2e/%2e%2e/etc/"
                        "passwd")
    assert st in (400, 404)


def test_cluster_and_system_endpoints(origin):
    # The origin's first heartbeats (period 500 ms) make it an alive node.
    wait_for(lambda: api_nodes(origin.http).get("origin-1", {})
             .get("status") == "alive", timeout=10)
    st, nodes = call(origin, "GET", "/rest/v2/cluster/nodes/0/10")
    assert st == 200 and len(nodes) == 1
    n = nodes[0]
    assert n["id"] == "origin-1" and n["ip"] == "127.0.0.1"
    assert n["status"] == "alive" and n["role"] == "origin"
    for field in ("lastUpdateTime", "cpu", "memory", "nodeGroup",
                  "activeStreams", "dbQueryAverageTimeMs"):
        assert field in n, field
    assert call(origin, "GET", "/rest/v2/cluster/node-count") == \
        (200, {"number": 1})
    assert call(origin, "GET", "/rest/v2/liveness")[0] == 200
    st, res = call(origin, "GET", "/rest/v2/system-resources")
    assert st == 200 and isinstance(res, dict)
    st, ver = call(origin, "GET", "/rest/v2/version")
    assert st == 200 and "versionName" in ver
    st, _, metrics = http_get(origin.http + "/metrics")
    assert st == 200 and b"fanout_publishers" in metrics
    assert call(origin, "DELETE", "/rest/v2/cluster/node/ghost")[0] == 404
