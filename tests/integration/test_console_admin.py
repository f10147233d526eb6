"""The console's Settings and Alerts pages (issue #15) in Debian's Chromium
on the `make up` cluster (scripts/run.sh, loopback block 127.0.40-42.x),
two origins and an edge, the alert evaluator every 0.5 s and a dead node
after 2 s (cluster.update_period_ms 500 x dead_factor 4).

Settings: the ladder, hlsTime and gopSize changed in the page are what
REST answers after the save; a ladder height of 721, a video bit rate of 0
and an hlsTime of 0 each show the server's 400 message
beside their input, and REST still answers the saved settings.
Alerts: GET /rest/v2/cluster/alerts answers the thresholds the origins
were given (alerts.cpu_percent=75, ...); origin-2 killed with SIGKILL ->
the Cluster page marks it dead, the Alerts page lists its nodeDead alert;
the Cluster page's Remove button deletes it and the alert ends (REST).
The browser side is tests/browser/console_admin.mjs; screenshots:
build/artifacts/console/<time>-admin/ (printed)."""
import json
import time

import pytest

from conftest import BUILD, MODULE, ORIGIN_BIN, Cluster
from harness import player
from harness.cluster import rest_headers
from harness.net import http_get

pytestmark = [
    pytest.mark.skipif(not (ORIGIN_BIN.exists() and MODULE.exists()),
                       reason="not built"),
    pytest.mark.skipif(player.available() is not None,
                       reason=str(player.available())),
]

SCRIPT = player.BROWSER_DIR / "console_admin.mjs"
EMAIL = "admin@fanout.local"
ALERT_PROPS = ("alerts.interval_ms=500\n"
               "alerts.lease_ttl_ms=1500\n"
               "alerts.cpu_percent=75\n"
               "alerts.memory_for_s=20")


def rest(c, path):
    st, _, body = http_get(c.url + path, headers=rest_headers(c.url))
    assert st == 200, (path, st, body)
    return json.loads(body)


def browser(c, artifacts, phase, *extra):
    password = (c.workdir / "run" / "console-admin.password").read_text()
    verdict = player.console_script(
        SCRIPT.name, [phase, c.url, EMAIL, password.strip(), artifacts,
                      *extra], artifacts, phase, 120)
    assert not verdict["console"], verdict["console"]  # no script error
    return verdict


def check_settings(c, verdict):
    s = rest(c, "/rest/v2/applications/settings/LiveApp")
    ladder = [(r["height"], r["videoBitrate"], r["audioBitrate"])
              for r in s["encoderSettings"]]
    assert ladder == [(360, 800000, 64000), (240, 400000, 0)], s
    assert s["gopSize"] == 50 and s["hlsTime"] == 3, s
    assert verdict["data"]["saved"] == s  # what the page saw after saving
    # The only failed requests: the three refused saves.
    assert verdict["failed"] == [
        ["PUT", "/rest/v2/applications/settings/LiveApp", 400]] * 3, \
        verdict["failed"]
    errors = verdict["data"]["errors"]
    assert errors["ladder-1-height"].startswith(
        "encoderSettingsString[1].height: must be a positive even number")
    assert errors["ladder-0-videoBitrate"].startswith(
        "encoderSettingsString[0].videoBitrate: must be")
    assert errors["hlsTime"] == \
        "hlsTime: must be an integer from 1 to 60 (seconds)", errors


def wait_for(fn, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = fn()
        if got:
            return got
        time.sleep(0.2)
    raise AssertionError(f"timed out: {what}")


def node_dead_alert(c, node, listed):
    alerts = rest(c, "/rest/v2/cluster/alerts")[listed]
    return [a for a in alerts
            if a["rule"] == "nodeDead" and a["subject"] == node]


def test_console_settings_and_alerts(tmpdir_path):
    artifacts = BUILD / "artifacts" / "console" / (
        time.strftime("%Y%m%d-%H%M%S") + "-admin")
    artifacts.mkdir(parents=True, exist_ok=True)
    print(f"\nartifacts: {artifacts}", flush=True)
    c = Cluster(tmpdir_path, f"sqlite://{tmpdir_path}/cluster.db", 40,
                origins=2, edges=1, demo=False, ladder="")
    c.env["ORIGIN_PROPS"] = ALERT_PROPS
    try:
        c.up()
        t = rest(c, "/rest/v2/cluster/alerts")["thresholds"]
        assert (t["cpuPercent"], t["memoryPercent"], t["memoryForS"],
                t["intervalMs"], t["nodeDeadAfterMs"]) == (75, 85, 20, 500,
                                                           2000), t
        check_settings(c, browser(c, artifacts, "settings"))

        c.kill("origin-2")
        killed = time.monotonic()
        v = browser(c, artifacts, "alerts", "origin-2")
        assert not v["failed"], v["failed"]
        assert v["data"]["thresholdsModule"]["cpuPercent"] == 75
        assert "> 75 % for 60 s" in v["data"]["rulesShown"]
        assert "origin-2" not in [n["id"] for n in rest(
            c, "/rest/v2/cluster/nodes/0/50")]
        ended = wait_for(lambda: node_dead_alert(c, "origin-2", "recent"),
                         10, "the nodeDead alert of origin-2 ended")
        assert ended[0]["endTime"] >= ended[0]["startTime"] > 0
        assert not node_dead_alert(c, "origin-2", "active")
        print(f"killed to removed and ended: "
              f"{time.monotonic() - killed:.1f} s", flush=True)
    finally:
        c.down()
