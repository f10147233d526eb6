"""The web console (issue #15) in Debian's Chromium on the `make up`
cluster (scripts/run.sh, loopback block 127.0.34-36.x): first-run setup
of the admin, a wrong password, the failed-login limit (the cluster gets
a 5 s window so that the test can wait it out), sign in, a stream that
ffmpeg publishes appears in the Streams table within one 3 s refresh
without a reload and plays inline (hls.js, then dash.js, through the LB
and the edges),
while the test pulls the stream the Overview shows the edges' and
origins' egress as bit rates,
the Cluster view lists every node alive, the REST gate takes the session cookie only with X-Fanout-Console, and
sign out voids the cookie on every origin.  The browser side is
tests/browser/console.mjs; screenshots: build/artifacts/console/<time>/
(printed)."""
import time

import pytest

from conftest import BUILD, MODULE, ORIGIN_BIN, Cluster
from harness import player

pytestmark = [
    pytest.mark.skipif(not (ORIGIN_BIN.exists() and MODULE.exists()),
                       reason="not built"),
    pytest.mark.skipif(player.available() is not None,
                       reason=str(player.available())),
]

SCRIPT = player.BROWSER_DIR / "console.mjs"


def test_console_login_streams_play_logout(tmpdir_path):
    artifacts = BUILD / "artifacts" / "console" / time.strftime(
        "%Y%m%d-%H%M%S")
    artifacts.mkdir(parents=True, exist_ok=True)
    print(f"\nartifacts: {artifacts}", flush=True)
    c = Cluster(tmpdir_path, f"sqlite://{tmpdir_path}/cluster.db", 34,
                origins=2, edges=1, demo=False, ladder="")
    c.env["CONSOLE_ADMIN"] = ""  # the console's first-run setup makes it
    c.env["ORIGIN_PROPS"] = ("console.login_max_failures=2\n"
                             "console.login_window_s=5")
    try:
        c.up()
        verdict = player.console_script(
            SCRIPT.name, [c.url, c.rtmp("LiveApp", "console1"), artifacts],
            artifacts, "console", 150)
        names = [s["name"] for s in verdict["steps"]]
        assert "plays inline" in names
        assert "plays inline with DASH" in names
        # the Overview's egress cards, while the script pulled the stream
        egress = next(s for s in verdict["steps"]
                      if s["name"] == "overview shows egress")
        assert egress["pulled_bytes"] > 0, egress
        for shot in ("07-overview-egress", "07-overview-egress-phone"):
            assert any(artifacts.glob(f"*{shot}.png")), shot
        assert names[-1] == "signed out; the old cookie is refused"
    finally:
        c.down()
