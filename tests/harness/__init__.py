"""One harness for the integration tests and the benchmarks: processes on
loopback (nginx, fanout-origin, redis-server, the MongoDB-wire server,
ffmpeg), the nginx.conf files they run, and waiting on conditions.

Importable without pytest (the benchmarks run with any python3): put
tests/ on sys.path and `from harness import net, nginx, ...`.  Paths:
FANOUT_BUILD (or BUILD, the benchmarks' name) is the build directory.
"""
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("FANOUT_BUILD")
                     or os.environ.get("BUILD") or ROOT / "build")
MODULE = BUILD / "modules" / "ngx_http_fanout_module.so"
ORIGIN_BIN = BUILD / "bin" / "fanout-origin"
