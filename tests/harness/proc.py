"""Child processes: started with their output in a log, stopped politely
and then not."""
import signal
import subprocess


def stop_proc(p, sig=signal.SIGTERM):
    if p is not None and p.poll() is None:
        p.send_signal(sig)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)


def stop_all(procs):
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=10)


class Proc:
    """A command with stdout and stderr appended to log."""

    def __init__(self, cmd, log, **kw):
        self.log = open(log, "ab")
        self.proc = subprocess.Popen(cmd, stdout=self.log,
                                     stderr=subprocess.STDOUT, **kw)

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.log.close()
