"""The public port is not an admin port (#14): the shipped lb.conf, rendered
with an admin CIDR list, in front of a real origin that trusts the LB's
X-Forwarded-For (http.trusted_proxies).  REST and /metrics are the LB's
JSON 403 from outside the list; from inside it the origin checks the real
client again; /internal/ never passes; liveness and streams stay open.
Clients bind chosen 127.0.21.x source addresses (a few seconds)."""
import http.client
import json

import pytest

from conftest import ORIGIN_BIN, Origin
from harness.edge import LB

pytestmark = pytest.mark.skipif(not ORIGIN_BIN.exists(),
                                reason="fanout-origin not built")

ADMIN = "127.0.21.5"  # in the LB's list and the origin's allowlist
LB_ONLY = "127.0.21.20"  # in the LB's list, not in the origin's
STRANGER = "127.0.21.40"  # in neither


@pytest.fixture(scope="module")
def lb(tmp_path_factory):
    d = tmp_path_factory.mktemp("lb-admin")
    o = Origin(d, f"sqlite://{d}/cluster.db", extra={
        "remoteAllowedCIDR": "127.0.21.0/28",
        "http.trusted_proxies": "127.0.0.1",
    }).start()
    balancer = LB(d, [], origin_ports=[o.http_port],
                  admin="127.0.21.0/27, 127.0.0.1").start()
    yield balancer
    balancer.stop()
    o.stop()


def get(lb, path, source, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", lb.port, timeout=5,
                                   source_address=(source, 0))
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        body = r.read()
    finally:
        c.close()
    try:
        return r.status, json.loads(body)
    except ValueError:
        return r.status, body


def test_rest_and_metrics_only_from_admin_cidrs(lb):
    for path in ("/rest/v2/version", "/LiveApp/rest/v2/broadcasts/count",
                 "/metrics", "/rest/v2/cluster/node-count"):
        st, b = get(lb, path, STRANGER)
        assert st == 403 and b["success"] is False, (path, st, b)
        assert "not open on this port" in b["message"]
        assert get(lb, path, ADMIN)[0] == 200, path


def test_the_origin_checks_the_real_client(lb):
    # Admitted by the LB, refused by the origin: it saw 127.0.21.20 in
    # X-Forwarded-For, not the LB's own address.
    st, b = get(lb, "/rest/v2/version", LB_ONLY)
    assert st == 403 and b["message"].endswith(LB_ONLY), b
    # A forged X-Forwarded-For is on the left of what the LB appends.
    st, b = get(lb, "/rest/v2/version", LB_ONLY,
                headers={"X-Forwarded-For": ADMIN})
    assert st == 403 and b["message"].endswith(LB_ONLY), b


def test_internal_never_passes_and_health_stays_open(lb):
    for path in ("/internal/v1/streams/LiveApp/s1",
                 "/%69nternal/v1/streams/LiveApp/s1",
                 "/internal/../internal/v1/streams/LiveApp/s1"):
        st, body = get(lb, path, ADMIN)
        assert st == 404, path
        assert body == {"success": False, "message": "no such resource"}, body
    assert get(lb, "/rest/v2/liveness", STRANGER)[0] == 200
