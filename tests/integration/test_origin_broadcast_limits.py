"""The store cannot be grown by strangers (issue #14): a real origin on a
SQLite store, then on a real redis-server, real ffmpeg publishing over
RTMP.

- store.auto_broadcast_retention_s (2 s here): the broadcast record a
  publish auto-created is deleted once it has been finished that long,
  by the origin's sweep; a record created through REST stays.
- broadcast.max_per_app (3 here): a publish that would create a fourth
  record is refused before its claim (NetStream.Publish.Rejected, a log
  line, fanout_broadcast_limit_refusals_total{via="publish"}, no record);
  a REST create gets a 403 {success:false,message}; a publish of an id
  that exists creates nothing and is accepted.

Waits poll with a bounded deadline; nothing asserts a duration."""
import json
import sqlite3
import subprocess

import pytest

from conftest import ORIGIN_BIN, Origin, Redis, http_get, wait_for

pytestmark = pytest.mark.skipif(not ORIGIN_BIN.exists(),
                                reason="fanout-origin not built")

KEEP = "LiveApp"   # retention: auto-created records come and go
CAP = "CapApp"     # the cap: only REST-created records, so none expire
REJECTED = "NetStream.Publish.Rejected"


def call(o, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    hdrs = {"Content-Type": "application/json"} if data is not None else {}
    st, _, b = http_get(o.http + path, method=method, body=data,
                        headers=hdrs)
    return st, json.loads(b) if b else None


def metric(o, name, labels=""):
    """A counter that must be there."""
    v = o.metric(name, labels)
    assert v is not None, name + labels
    return int(v)


def limit_refusals(o, via):
    return metric(o, "fanout_broadcast_limit_refusals_total",
                  '{via="%s"}' % via)


def publish(o, app, stream, seconds=1):
    cmd = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
           "-f", "lavfi", "-i", "testsrc=size=160x96:rate=10", "-t",
           str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "10",
           "-pix_fmt", "yuv420p", "-f", "flv", o.rtmp(app, stream)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=30)


def broadcast(o, app, stream):
    st, b = call(o, "GET", f"/{app}/rest/v2/broadcasts/{stream}")
    return b if st == 200 else None


def status(o, app, stream):
    b = broadcast(o, app, stream)
    return b and b.get("status")


def create(o, app, stream):
    return call(o, "POST", f"/{app}/rest/v2/broadcasts/create",
                {"streamId": stream})


def auto_created(store, app, stream):
    """The record's stored flag, read from the store itself."""
    if isinstance(store, Redis):
        r = subprocess.run(["redis-cli", "-p", str(store.port), "HGET",
                            f"fo:bc:{app}:{stream}", "auto_created"],
                           capture_output=True, text=True, timeout=10)
        return int(r.stdout.strip() or 0)
    with sqlite3.connect(store) as c:
        row = c.execute("SELECT auto_created FROM broadcast WHERE app = ? "
                        "AND stream_id = ?", (app, stream)).fetchone()
    return row and row[0]


@pytest.fixture(scope="module", params=["sqlite", "redis"])
def origin(request, tmp_path_factory):
    d = tmp_path_factory.mktemp("limits")
    redis = None
    if request.param == "redis":
        redis = Redis(d).start()
        store, uri = redis, redis.uri
    else:
        store = d / "cluster.db"
        uri = f"sqlite://{store}"
    host = "127.0.31.1" if redis is None else "127.0.31.2"
    o = Origin(d, uri, name="origin-limits", host=host,
               extra={"apps": f"{KEEP},{CAP}",
                      "store.auto_broadcast_retention_s": 2,
                      "broadcast.max_per_app": 3})
    o.start()
    try:
        yield o, store
    finally:
        o.stop()
        if redis is not None:
            redis.stop()


def test_auto_created_record_expires_after_retention(origin):
    o, db = origin
    st, r = create(o, KEEP, "made")          # through REST: kept
    assert st == 200, r
    assert call(o, "PUT", f"/{KEEP}/rest/v2/broadcasts/made",
                {"status": "finished"})[0] == 200
    before = metric(o, "fanout_auto_broadcasts_expired_total")

    r = publish(o, KEEP, "stranger")
    assert r.returncode == 0, r.stderr
    assert wait_for(lambda: status(o, KEEP, "stranger") == "finished", 10), \
        o.log_text()[-2000:]
    assert auto_created(db, KEEP, "stranger") == 1
    assert auto_created(db, KEEP, "made") == 0
    # Gone, history and all, once it has been finished for the retention.
    assert wait_for(lambda: broadcast(o, KEEP, "stranger") is None, 20), \
        o.log_text()[-2000:]
    st, sessions = call(o, "GET", f"/{KEEP}/rest/v2/broadcasts/stranger/"
                        "sessions")
    assert st == 404 or sessions == [], sessions
    assert metric(o, "fanout_auto_broadcasts_expired_total") >= before + 1
    assert "broadcast retention sweep: deleted" in o.log_text()
    # The REST-created one stays, however old and finished.
    assert status(o, KEEP, "made") == "finished"


def test_cap_refuses_publish_and_rest_create(origin):
    o, _ = origin
    for s in ("c1", "c2", "c3"):
        st, r = create(o, CAP, s)
        assert st == 200, r
    rest_before = limit_refusals(o, "rest")
    st, r = create(o, CAP, "c4")
    assert st == 403, r
    assert r["success"] is False
    assert "broadcast.max_per_app" in r["message"], r
    assert limit_refusals(o, "rest") == rest_before + 1
    assert broadcast(o, CAP, "c4") is None

    # A publish that would create a fourth record: refused before its
    # claim, with the RTMP error, a log line and the counter; no record.
    pub_before = limit_refusals(o, "publish")
    refused_before = metric(o, "fanout_publishes_refused_total")
    r = publish(o, CAP, "intruder")
    assert r.returncode != 0, "ffmpeg published: " + r.stderr
    line = f"publish {CAP}/intruder refused ({REJECTED})"
    assert wait_for(lambda: line in o.log_text(), 10), o.log_text()[-2000:]
    assert "refused by broadcast.max_per_app (broadcast_limit)" \
        in o.log_text()
    assert limit_refusals(o, "publish") == pub_before + 1
    assert metric(o, "fanout_publishes_refused_total") == refused_before + 1
    assert broadcast(o, CAP, "intruder") is None
    st, sessions = call(o, "GET", f"/{CAP}/rest/v2/broadcasts/intruder/"
                        "sessions")
    assert st == 404 or sessions == [], sessions

    # A stream whose record exists creates nothing: accepted at the cap.
    r = publish(o, CAP, "c1")
    assert r.returncode == 0, r.stderr
    assert wait_for(lambda: status(o, CAP, "c1") == "finished", 10)

    # Room again after a delete.
    assert call(o, "DELETE", f"/{CAP}/rest/v2/broadcasts/c3")[0] == 200
    r = publish(o, CAP, "newcomer")
    assert r.returncode == 0, r.stderr
    assert f"publish {CAP}/newcomer started" in o.log_text()
