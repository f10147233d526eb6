"""REST authentication on a real origin (#14): Ant Media's JWT
(jwtControlEnabled, `Authorization: [Bearer ]<jwt>`), the allowlist on the
real client address (X-Forwarded-For honoured from http.trusted_proxies
only), JSON-only writes, the body depth limit, the owner probe behind
ClusterAuthorization, and secrets kept out of answers, /metrics, logs and
`--check`.  One origin for the module, clients on chosen 127.0.21.x
source addresses (a few seconds)."""
import base64
import hashlib
import hmac
import http.client
import json
import subprocess
import time

import pytest

from conftest import ORIGIN_BIN, Origin
from harness.jwt import b64url, hs256

pytestmark = pytest.mark.skipif(not ORIGIN_BIN.exists(),
                                reason="fanout-origin not built")

HOST = "127.0.21.1"  # the origin
LB = "127.0.21.2"  # a trusted proxy
ADMIN = "127.0.21.3"  # inside remoteAllowedCIDR, not a proxy
STRANGER = "127.0.21.40"  # outside remoteAllowedCIDR
JWT_KEY = "rest-auth-test-secret-0123456789abcdef"
CLUSTER_KEY = "rest-auth-cluster-key-0123456789"
B = "/LiveApp/rest/v2/broadcasts"


def jwt(key=JWT_KEY, claims=None, alg="HS256"):
    """An HS256 JWT made here, apart from the origin's code."""
    return hs256(claims if claims is not None else {}, key, alg)


GOOD = jwt(claims={"sub": "ops", "exp": int(time.time()) + 600})


@pytest.fixture(scope="module")
def origin(tmp_path_factory):
    d = tmp_path_factory.mktemp("rest-auth")
    o = Origin(d, f"sqlite://{d}/cluster.db", host=HOST, extra={
        "remoteAllowedCIDR": "127.0.21.0/27",
        "http.trusted_proxies": LB,
        "jwtControlEnabled": "true",
        "jwtSecretKey": JWT_KEY,
        "clusterCommunicationKey": CLUSTER_KEY,
    }).start()
    yield o
    o.stop()


def call(o, method, path, source=ADMIN, headers=None, body=None,
         token=GOOD):
    """(status, JSON body or text) from a client bound to `source`."""
    hdrs = dict(headers or {})
    if token is not None:
        hdrs.setdefault("Authorization", token)
    if body is not None and not isinstance(body, bytes):
        body = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    c = http.client.HTTPConnection(HOST, o.http_port, timeout=5,
                                   source_address=(source, 0))
    try:
        c.request(method, path, body=body, headers=hdrs)
        r = c.getresponse()
        data = r.read()
    finally:
        c.close()
    try:
        return r.status, json.loads(data)
    except ValueError:
        return r.status, data.decode(errors="replace")


def refused(answer, status, words):
    st, b = answer
    assert st == status, answer
    assert isinstance(b, dict) and b["success"] is False, answer
    assert words in b["message"], answer


def test_jwt_required_and_checked(origin):
    path = B + "/count"
    assert call(origin, "GET", path) == (200, {"number": 0})
    assert call(origin, "GET", path, token="Bearer " + GOOD)[0] == 200
    assert call(origin, "GET", "/rest/v2/version")[0] == 200
    refused(call(origin, "GET", path, token=None), 401, "JWT is required")
    refused(call(origin, "GET", path, token="Bearer"), 401, "JWT is required")
    refused(call(origin, "GET", path, token=jwt(key="x" * 40)), 403,
            "bad signature")
    refused(call(origin, "GET", path,
                 token=jwt(claims={"exp": int(time.time()) - 60})), 403,
            "expired")
    refused(call(origin, "GET", path, token=jwt(alg="none")), 403, "HS256")
    refused(call(origin, "GET", path, token=GOOD[:-2]), 403, "Authorization")
    # A token without exp is Ant Media's long-lived admin token: accepted.
    assert call(origin, "GET", path, token=jwt())[0] == 200
    # Liveness stays open to health checks; the players' paths too.
    assert call(origin, "GET", "/rest/v2/liveness", token=None)[0] == 200
    assert call(origin, "GET", "/LiveApp/streams/x.m3u8", token=None,
                source=STRANGER)[0] == 404


def test_allowlist_and_jwt_must_both_pass(origin):
    refused(call(origin, "GET", B + "/count", source=STRANGER), 403,
            "not allowed from " + STRANGER)
    refused(call(origin, "GET", B + "/count", source=STRANGER, token=None),
            403, "not allowed")
    # /metrics: the allowlist, no token.
    assert call(origin, "GET", "/metrics", token=None)[0] == 200
    assert call(origin, "GET", "/metrics", source=STRANGER)[0] == 403


def test_forwarded_for_only_from_trusted_proxies(origin):
    xff = {"X-Forwarded-For": "203.0.113.9"}
    # Through the LB, the client it names is the one checked.
    refused(call(origin, "GET", B + "/count", source=LB, headers=xff), 403,
            "not allowed from 203.0.113.9")
    refused(call(origin, "GET", B + "/count", source=LB,
                 headers={"X-Real-IP": "203.0.113.9"}), 403, "203.0.113.9")
    # A client's own forged entry, left of what the LB appended, is not read.
    st, _ = call(origin, "GET", B + "/count", source=LB,
                 headers={"X-Forwarded-For": "127.0.21.5, 203.0.113.9"})
    assert st == 403
    assert call(origin, "GET", B + "/count", source=LB,
                headers={"X-Forwarded-For": "203.0.113.9, 127.0.21.5"}
                )[0] == 200
    refused(call(origin, "GET", B + "/count", source=LB,
                 headers={"X-Forwarded-For": "not-an-ip"}), 403,
            "X-Forwarded-For")
    # From anyone else the header is ignored both ways.
    assert call(origin, "GET", B + "/count", headers=xff)[0] == 200
    refused(call(origin, "GET", B + "/count", source=STRANGER,
                 headers={"X-Forwarded-For": "127.0.21.5"}), 403,
            "not allowed from " + STRANGER)


def test_writes_must_be_json_and_shallow(origin):
    create = B + "/create"
    refused(call(origin, "POST", create), 415, "application/json")
    refused(call(origin, "POST", create, body=b'{"streamId":"a1"}',
                 headers={"Content-Type": "text/plain"}), 415, "Content-Type")
    refused(call(origin, "POST", create, body=b"streamId=a1",
                 headers={"Content-Type":
                          "application/x-www-form-urlencoded"}),
            415, "Content-Type")
    refused(call(origin, "PUT", "/rest/v2/applications/settings/LiveApp",
                 body=b'{"gopSize":1}',
                 headers={"Content-Type": "text/plain"}), 415, "Content-Type")
    deep = {"name": "deep", "x": json.loads("[" * 40 + "]" * 40)}
    refused(call(origin, "POST", create, body=deep), 400, "deeper than 32")
    st, b = call(origin, "POST", create, body={"streamId": "a1"},
                 headers={"Content-Type": "application/json; charset=utf-8"})
    assert st == 200 and b["streamId"] == "a1", b
    assert call(origin, "DELETE", B + "/a1")[0] == 200
    # Who comes before what: a stranger learns nothing about bodies.
    refused(call(origin, "POST", create, token=None), 401, "JWT")


def test_owner_probe_needs_the_cluster_token(origin):
    path = "/internal/v1/streams/LiveApp/s1"
    st, b = call(origin, "GET", path, token=None)
    assert st == 401 and "ClusterAuthorization" in b["message"], b
    # The REST token is not the cluster's.
    st, _ = call(origin, "GET", path, token=None,
                 headers={"ClusterAuthorization": GOOD})
    assert st == 401
    cluster = jwt(key=CLUSTER_KEY, claims={"exp": int(time.time()) + 30})
    st, b = call(origin, "GET", path, token=None, source=STRANGER,
                 headers={"ClusterAuthorization": cluster})
    assert st == 200 and b["live"] is False, b


def test_secrets_stay_inside(origin):
    answers = [call(origin, "GET", "/metrics", token=None)[1],
               call(origin, "GET",
                    "/rest/v2/applications/settings/LiveApp")[1],
               call(origin, "GET", "/rest/v2/system-resources")[1],
               call(origin, "GET", B + "/count", token=jwt(key="y" * 40))[1]]
    text = json.dumps(answers) + origin.log_text()
    for secret in (JWT_KEY, CLUSTER_KEY, GOOD):
        assert secret not in text


def test_check_refuses_a_missing_key_and_redacts_uris(tmp_path):
    conf = tmp_path / "o.properties"
    conf.write_text("jwtControlEnabled=true\n")
    r = subprocess.run([str(ORIGIN_BIN), "--check", "--config", str(conf)],
                       capture_output=True, text=True, timeout=10,
                       cwd=tmp_path)
    assert r.returncode == 1
    assert "jwtControlEnabled=true needs jwtSecretKey" in r.stderr
    conf.write_text(f"jwtControlEnabled=true\njwtSecretKey={JWT_KEY}\n"
                    "clusterdb.host=redis://:hunter2-pass@127.0.21.1:1/0\n"
                    f"clusterCommunicationKey={CLUSTER_KEY}\n")
    r = subprocess.run([str(ORIGIN_BIN), "--check", "--config", str(conf)],
                       capture_output=True, text=True, timeout=10,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "redis://:***@127.0.21.1:1/0" in r.stdout
    for secret in ("hunter2-pass", JWT_KEY, CLUSTER_KEY):
        assert secret not in r.stdout + r.stderr
    # --jwt prints a token the origin's key verifies (and nothing else).
    r = subprocess.run([str(ORIGIN_BIN), "--jwt", "60", "--config",
                        str(conf)], capture_output=True, text=True,
                       timeout=10, cwd=tmp_path)
    token = r.stdout.strip()
    head, body, sig = token.split(".")
    mac = hmac.new(JWT_KEY.encode(), f"{head}.{body}".encode(),
                   hashlib.sha256).digest()
    assert sig == b64url(mac)
    claims = json.loads(base64.urlsafe_b64decode(body + "=="))
    assert 0 < claims["exp"] - time.time() <= 61
