"""Runs the edge module's unit tests (nginx-module/tests/run_unit.sh: the
request-path parser under ASan + UBSan) so they run with the integration
suite until ctest runs them directly.  The fuzz target runs briefly
(EDGE_FUZZ_SECONDS, default 5)."""
import os
import shutil
import subprocess

import pytest

from conftest import ROOT

RUN_UNIT = ROOT / "nginx-module" / "tests" / "run_unit.sh"


def test_edge_unit_and_fuzz(tmp_path):
    if shutil.which("clang") is None:
        pytest.skip("clang is needed for the fuzz target")
    seconds = os.environ.get("EDGE_FUZZ_SECONDS", "5")
    r = subprocess.run(["bash", str(RUN_UNIT), str(tmp_path), seconds],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    out = r.stdout + r.stderr
    assert "[  PASSED  ] 8 test(s)." in out, out
    if seconds != "0":
        assert "without a crash" in out, out
