"""Real players in Debian's Chromium (tests/browser: hls.js and dash.js on
a page driven by playwright-core), and how a fault looked to them.

    p = Players(log_path).start(hls=url, dash=url)
    before = p.snapshot()
    ... fault at t ...
    verdict(before, p.snapshot(), t)
    p.screenshot(path); p.stop()

Times are wall-clock milliseconds (the page's Date.now(), this machine's
clock, as time.time() * 1000)."""
import json
import os
import pathlib
import select
import subprocess
import time

from . import ROOT

BROWSER_DIR = ROOT / "tests" / "browser"
CHROMIUM = pathlib.Path(os.environ.get("FANOUT_CHROMIUM", "/usr/bin/chromium"))


def console_script(script, args, artifacts, name, timeout):
    """Runs a console script of tests/browser (a ConsoleRun of
    console_run.mjs) with args; its stderr goes to artifacts/<name>.log and
    its verdict, the last line it prints, to artifacts/<name>-verdict.json.
    Asserts the verdict ok and returns it."""
    r = subprocess.run(["node", str(BROWSER_DIR / script), *map(str, args)],
                       capture_output=True, text=True, timeout=timeout,
                       cwd=BROWSER_DIR)
    (artifacts / f"{name}.log").write_text(r.stderr)
    lines = r.stdout.strip().splitlines()
    assert lines, r.stderr
    verdict = json.loads(lines[-1])
    (artifacts / f"{name}-verdict.json").write_text(
        json.dumps(verdict, indent=1))
    assert verdict["ok"], verdict["error"] + "\n" + r.stderr
    return verdict


def available():
    """Why the players cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} missing (make deps installs chromium)"
    if not (BROWSER_DIR / "node_modules" / "playwright-core").exists():
        return "tests/browser/node_modules missing (make deps)"
    return None


def now_ms():
    return time.time() * 1000


class Players:
    """The driver (tests/browser/driver.mjs), one JSON line per command."""

    def __init__(self, log_path):
        self.log = open(log_path, "ab")
        self.proc = subprocess.Popen(
            ["node", str(BROWSER_DIR / "driver.mjs")], cwd=BROWSER_DIR,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
            start_new_session=True)
        self.buf = b""

    def call(self, timeout=30, **msg):
        self.proc.stdin.write(json.dumps(msg).encode() + b"\n")
        self.proc.stdin.flush()
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                raise RuntimeError(f"driver: no answer to {msg['cmd']}")
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 1 << 20)
                if not chunk:
                    raise RuntimeError("driver: exited")
                self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        out = json.loads(line)
        if not out.get("ok"):
            raise RuntimeError(f"driver: {msg['cmd']}: {out.get('error')}")
        return out

    def start(self, hls=None, dash=None):
        self.info = self.call(timeout=60, cmd="start", hls=hls, dash=dash)
        return self

    def snapshot(self, samples=False):
        """{"players": {"hls": log, "dash": log}, "net", "failed",
        "console"}: see tests/browser/page/player.js."""
        return self.call(cmd="snapshot", samples=samples)

    def levels(self):
        """{"hls": {"levels": [...], "current", "loading", "videoHeight"},
        "dash": {...}}: see window.fanoutLevels in tests/browser/page."""
        return self.call(cmd="levels")["levels"]

    def set_level(self, hls=None, dash=None):
        """Plays rendition hls / dash (indexes into levels()) by hand."""
        return self.call(cmd="set_level", hls=hls, dash=dash)["levels"]

    def screenshot(self, path):
        return self.call(cmd="screenshot", path=str(path))

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.call(timeout=15, cmd="stop")
            except RuntimeError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=5)
        self.log.close()


def stopped(log):
    """A player that stopped for good: a fatal hls.js error, or the video
    element's own error or end.  (dash.js error events are counted as fatal
    by verdict(), but dash.js itself plays on after them.)"""
    if log["kind"] == "hls" and any(e["fatal"] for e in log["errors"]):
        return True
    return log.get("ended") or any(e["name"] in ("error", "ended")
                                   for e in log["events"])


def played_past(before, log):
    """True when the player plays media it did not have at `before`: its
    currentTime is past what it had buffered then, by one more second, and
    rose steadily over the last second (playing, not a jump to the live
    edge followed by a freeze)."""
    b = before["samples"][-1] if before["samples"] else None
    recent = [s for s in log["samples"] if s[0] >= log["now"] - 1100]
    if b is None or len(recent) < 5 or log["currentTime"] <= b[1] + b[4] + 1:
        return False
    steady = all(y[1] > x[1] for x, y in zip(recent, recent[1:]))
    rate = (recent[-1][1] - recent[0][1]) * 1000 / max(
        1, recent[-1][0] - recent[0][0])
    return steady and 0.5 <= rate <= 2.0


def wait_recovered(players, before, timeout):
    """Polls until every player that has not stopped has played past
    what it had buffered at `before` (a snapshot); returns the last
    snapshot."""
    deadline = time.monotonic() + timeout
    while True:
        snap = players.snapshot()
        pending = [k for k, log in snap["players"].items()
                   if not stopped(log)
                   and not played_past(before["players"][k], log)]
        if not pending or time.monotonic() >= deadline:
            return snap
        time.sleep(0.25)


def longest_freeze_ms(log, since_ms, until_ms=None):
    """The longest freeze going on at or after since_ms (and started before
    until_ms); one still going counts up to the log's time."""
    worst = 0
    for f in log["freezes"]:
        end = f["end"] if f["end"] is not None else log["now"]
        if end < since_ms or (until_ms is not None and f["start"] > until_ms):
            continue
        worst = max(worst, end - f["start"])
    return worst


def verdict(before, after, fault_ms, freeze_goal_ms=None, no_error=False,
            must_advance=True):
    """Per player, how it went from the fault on: fatal errors, whether it
    played past its buffer, the longest freeze, HLS media sequence
    decreases, DASH periods.  `problems` lists the goals missed; with
    no_error, any error at all (fatal or not) is one.  freeze_goal_ms and
    must_advance may be dicts by player kind ("hls", "dash")."""
    out = {}
    for kind, log in after["players"].items():
        goal = (freeze_goal_ms.get(kind) if isinstance(freeze_goal_ms, dict)
                else freeze_goal_ms)
        advance = (must_advance.get(kind, True)
                   if isinstance(must_advance, dict) else must_advance)
        fatal = [e for e in log["errors"] if e["fatal"] and e["t"] >= fault_ms]
        freeze = longest_freeze_ms(log, fault_ms)
        r = {"fatal": fatal,
             "errors": sum(e["t"] >= fault_ms for e in log["errors"]),
             "advanced": played_past(before["players"][kind], log),
             "longest_freeze_s": round(freeze / 1000, 2),
             "currentTime": log["currentTime"],
             "seq_decreases": log["seqDecreases"],
             "periods": log["periods"]}
        problems = []
        if fatal:
            problems.append(f"{len(fatal)} fatal error(s), first "
                            f"{fatal[0].get('details')}")
        if no_error and r["errors"] > len(fatal):
            first = next(e for e in log["errors"]
                         if e["t"] >= fault_ms and not e["fatal"])
            problems.append(f"{r['errors'] - len(fatal)} non-fatal "
                            f"error(s), first {first.get('details')}")
        if advance and not r["advanced"]:
            problems.append("currentTime did not advance past its buffer")
        if goal is not None and freeze > goal:
            problems.append(f"longest freeze {freeze / 1000:.2f} s > goal "
                            f"{goal / 1000:.2f} s")
        if log["seqDecreases"]:
            problems.append(f"media sequence decreased: {log['seqDecreases']}")
        r["problems"] = problems
        out[kind] = r
    return out
