"""A CPU quota for a benchmark's server: a cpu cgroup of its own, made by
the bench (cgroup v2 `cpu.max` where the cpu controller is on the v2
hierarchy, else cgroup v1 `cpu.cfs_quota_us`), removed at the end.

The CFS period is 20 ms, not the kernel's 100 ms: a server over its quota
waits at most the rest of one period, which is small next to the 50 ms
and 150 ms latency rules of the scale benches.  Needs root."""
import pathlib

ROOT_V2 = pathlib.Path("/sys/fs/cgroup")
ROOT_V1 = pathlib.Path("/sys/fs/cgroup/cpu")
PERIOD_US = 20000


def _v2():
    controllers = ROOT_V2 / "cgroup.controllers"
    return controllers.exists() and "cpu" in controllers.read_text().split()


class CpuQuota:
    """cores: the share of one core the group's processes may use
    together (0.25: 5 ms of every 20 ms)."""

    def __init__(self, name, cores):
        quota = max(1000, int(cores * PERIOD_US))
        if _v2():
            subtree = ROOT_V2 / "cgroup.subtree_control"
            if "cpu" not in subtree.read_text().split():
                subtree.write_text("+cpu")
            self.root = ROOT_V2
            self.dir = ROOT_V2 / name
            self.dir.mkdir(exist_ok=True)
            (self.dir / "cpu.max").write_text(f"{quota} {PERIOD_US}")
        elif (ROOT_V1 / "cpu.cfs_quota_us").exists():
            self.root = ROOT_V1
            self.dir = ROOT_V1 / name
            self.dir.mkdir(exist_ok=True)
            (self.dir / "cpu.cfs_period_us").write_text(str(PERIOD_US))
            (self.dir / "cpu.cfs_quota_us").write_text(str(quota))
        else:
            raise SystemExit("no cpu cgroup controller (v1 or v2) to hold "
                             "a server to a CPU quota")
        self.cores = quota / PERIOD_US

    def add(self, pids):
        """Moves each process (all its threads) into the group."""
        for pid in pids:
            try:
                (self.dir / "cgroup.procs").write_text(str(pid))
            except ProcessLookupError:
                pass

    def throttled(self):
        """How many periods the group was held back so far."""
        for line in (self.dir / "cpu.stat").read_text().splitlines():
            key, value = line.split()
            if key == "nr_throttled":
                return int(value)
        return 0

    def close(self):
        """Moves what is left back to the root group and removes the
        group."""
        for pid in (self.dir / "cgroup.procs").read_text().split():
            try:
                (self.root / "cgroup.procs").write_text(pid)
            except OSError:
                pass
        self.dir.rmdir()
