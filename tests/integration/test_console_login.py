"""Failed console logins counted for the whole cluster (issue #15): two
origins on one store (SQLite, then Redis), loopback block 127.0.52.x.
Behind the LB a client reaches every origin; with per-origin counts it
got max_failures tries per origin.  Here the failures are spread over
both origins (and, for the per-user limit, over client addresses), and
the limit holds for the sum: the next login is refused with 429 and
Retry-After on either origin, even with the right password.  A success
clears the counts (on both origins)."""
import http.client
import json

import pytest

from conftest import ORIGIN_BIN
from harness.origin import Origin

pytestmark = pytest.mark.skipif(not ORIGIN_BIN.exists(), reason="not built")

EMAIL = "admin@example.com"
PASSWORD = "correct horse battery"
MAX_FAILURES = 3
PROPS = {
    "clusterCommunicationKey": "console-login-test-key-0123456789abcdef",
    "console.login_max_failures": MAX_FAILURES,
    "console.login_window_s": 120,
}


def post(origin, path, body, client="127.0.52.100"):
    """(status, headers, json) of a POST from the client address."""
    conn = http.client.HTTPConnection(origin.host, origin.http_port,
                                      timeout=30,
                                      source_address=(client, 0))
    conn.request("POST", path, json.dumps(body),
                 {"Content-Type": "application/json"})
    r = conn.getresponse()
    out = (r.status, dict(r.getheaders()), json.loads(r.read() or b"{}"))
    conn.close()
    return out


def login(origin, password, client="127.0.52.100", email=EMAIL):
    status, headers, _ = post(origin, "/rest/v2/users/authenticate",
                              {"email": email, "password": password},
                              client)
    return status, headers


@pytest.fixture(params=["sqlite", "redis"])
def origins(request, tmpdir_path):
    server = None
    if request.param == "sqlite":
        uri = f"sqlite://{tmpdir_path}/cluster.db"
    else:
        server = request.getfixturevalue("redis_server")
        uri = server.uri
    pair = [Origin(tmpdir_path, uri, name=f"origin-{i}",
                   host=f"127.0.52.{i}", extra=PROPS).start()
            for i in (1, 2)]
    status, _, body = post(pair[0], "/rest/v2/users/initial",
                           {"email": EMAIL, "password": PASSWORD})
    assert status == 200 and body["success"], body
    yield pair
    for o in pair:
        o.stop()


def test_failures_spread_over_origins_hit_the_limit(origins):
    a, b = origins
    # one client: a, b, a -- each origin alone saw fewer than the limit
    for o in (a, b, a):
        assert login(o, "wrong password")[0] == 401
    for o in (b, a):
        status, headers = login(o, PASSWORD)
        assert status == 429, f"{o.name} let a 4th try in"
        assert 0 < int(headers["Retry-After"]) <= 120
    # another client address is not limited, and may sign in
    assert login(b, PASSWORD, client="127.0.52.101")[0] == 429  # the user
    assert login(b, "wrong", client="127.0.52.101",
                 email="other@example.com")[0] == 401


def test_per_user_limit_across_addresses(origins):
    a, b = origins
    tries = [(a, "127.0.52.110"), (b, "127.0.52.111"), (a, "127.0.52.112")]
    for o, client in tries:
        assert login(o, "wrong password", client)[0] == 401
    assert login(b, PASSWORD, client="127.0.52.113")[0] == 429


def test_per_address_limit_across_users(origins):
    a, b = origins
    for o, email in [(a, "x@example.com"), (b, "y@example.com"),
                     (b, "z@example.com")]:
        assert login(o, "wrong password", email=email)[0] == 401
    assert login(a, PASSWORD)[0] == 429


def test_success_clears_the_counts(origins):
    a, b = origins
    assert login(a, "wrong password")[0] == 401
    assert login(b, "wrong password")[0] == 401
    assert login(a, PASSWORD)[0] == 200
    # counted afresh: two more failures stay under the limit everywhere
    assert login(b, "wrong password")[0] == 401
    assert login(a, "wrong password")[0] == 401
    assert login(b, PASSWORD)[0] == 200
