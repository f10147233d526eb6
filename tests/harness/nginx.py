"""nginx in a prefix directory of its own, and the nginx.conf files the
tests and benchmarks run.  The edge runs the shipped
nginx-module/conf/edge.conf with its site lines replaced
(render_edge_conf); the other configurations are stand-ins (an origin
stub, a static baseline, a trivial upstream, a bare module loader), one
function each."""
import re
import signal
import subprocess

from . import MODULE, ROOT
from .net import wait_port
from .proc import Proc

EDGE_CONF = ROOT / "nginx-module" / "conf" / "edge.conf"


def temp_paths(prefix):
    """nginx's temp paths under prefix/tmp (http block lines)."""
    return "".join(f"    {t}_temp_path {prefix}/tmp/{t};\n"
                   for t in ("client_body", "proxy", "fastcgi", "uwsgi",
                             "scgi"))


def main_conf(prefix, connections, workers=1, log_level="info",
              user="root"):
    """The main context: no daemon, the pid and error log in prefix."""
    user = f"user {user};\n" if user else ""
    return (f"daemon off;\n{user}master_process on;\n"
            f"worker_processes {workers};\npid {prefix}/nginx.pid;\n"
            f"error_log {prefix}/logs/error.log {log_level};\n"
            f"events {{ worker_connections {connections}; }}\n")


def render_edge_conf(prefix, port, settings, workers=1, extra_http="",
                     extra_main=""):
    """nginx-module/conf/edge.conf with its site lines replaced.

    settings: directive -> value (None comments the directive out).  A
    directive that is not in the file fails: the shipped file and the
    tests must not drift apart.
    """
    text = EDGE_CONF.read_text()
    fixed = {
        "load_module": str(MODULE),
        "user": "root",
        "worker_processes": str(workers),
        "pid": f"{prefix}/nginx.pid",
        "error_log": f"{prefix}/logs/error.log info",
        "access_log": f"{prefix}/logs/access.log fanout",
        "listen": f"127.0.0.1:{port}",
    }
    fixed.update({k: v for k, v in settings.items() if k in fixed})
    settings = {k: v for k, v in settings.items() if k not in fixed}
    for name, value in list(fixed.items()) + list(settings.items()):
        pattern = re.compile(rf"^(\s*){re.escape(name)}\s[^;]*;", re.M)
        if not pattern.search(text):
            raise AssertionError(f"edge.conf has no '{name}' directive")
        if value is None:
            text = pattern.sub(lambda m: f"{m.group(1)}# {name} (test: off);",
                               text, count=1)
        else:
            text = pattern.sub(lambda m: f"{m.group(1)}{name} {value};", text,
                               count=1)
    text = text.replace("/var/cache/nginx/fanout", f"{prefix}/cache")
    text = text.replace("http {\n", "http {\n" + temp_paths(prefix)
                        + extra_http + "\n", 1)
    return "daemon off;\n" + extra_main + "\n" + text


def module_conf(prefix, http_body, main=""):
    """The module loaded, http_body in an otherwise empty http block (the
    module's configuration checks, nginx -t)."""
    return f"""
load_module {MODULE};
{main_conf(prefix, 256, user=None)}{main}
http {{
    access_log {prefix}/logs/access.log;
{temp_paths(prefix)}
{http_body}
}}
"""


def origin_stub_conf(prefix, port, www):
    """A static nginx standing in for fanout-origin: its paths and
    Cache-Control; the access log ('$request_uri $status') counts the
    requests made to it."""
    return f"""
{main_conf(prefix, 512)}http {{
    log_format counted '$request_uri $status';
    access_log {prefix}/logs/access.log counted;
{temp_paths(prefix)}
    types {{
        application/vnd.apple.mpegurl m3u8;
        application/dash+xml mpd;
        video/mp4 mp4 m4s;
        video/mp2t ts;
    }}
    server {{
        listen 127.0.0.1:{port};
        root {www};
        location ~ \\.(m3u8|mpd)$ {{
            add_header Cache-Control "max-age=1";
        }}
        location ~ \\.(m4s|mp4|ts)$ {{
            add_header Cache-Control "max-age=3600, immutable";
        }}
    }}
}}
"""


def static_conf(prefix, port, www, workers, extra="", log=True,
                listen_opts=""):
    """A plain nginx serving www, tuned as the edge is (sendfile,
    keep-alive): the benchmarks' origin stub and static baseline."""
    access = f"access_log {prefix}/logs/access.log;" if log \
        else "access_log off;"
    return f"""{main_conf(prefix, 8192, workers, "notice")}http {{
{temp_paths(prefix)}
    {access}
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65s;
    keepalive_requests 1000000;
    types {{
        application/vnd.apple.mpegurl m3u8;
        application/dash+xml mpd;
        video/mp4 mp4 m4s;
    }}
    server {{
        listen 127.0.0.1:{port}{listen_opts};
        root {www};
        location ~ \\.(m3u8|mpd)$ {{ add_header Cache-Control "max-age=1"; }}
        location ~ \\.(m4s|mp4)$ {{
            add_header Cache-Control "max-age=31536000, immutable";
        }}
{extra}
    }}
}}
"""


def trivial_conf(prefix, port):
    """An upstream that answers every request at once ('ok')."""
    return f"""{main_conf(prefix, 4096, log_level="notice")}http {{
{temp_paths(prefix)}
    access_log off;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "ok\\n"; }}
    }}
}}
"""


def make_prefix(prefix, subs=("logs", "tmp", "cache")):
    for sub in subs:
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    return prefix


def check_config(prefix, conf):
    """nginx -t of conf in prefix (CompletedProcess, text)."""
    return subprocess.run(
        ["nginx", "-t", "-p", str(prefix), "-e", "stderr", "-c", str(conf)],
        capture_output=True, text=True, timeout=30)


def worker_pids(prefix, master=None):
    """The worker processes of the nginx whose pid file is in prefix."""
    master = master or int((prefix / "nginx.pid").read_text())
    out = subprocess.run(["ps", "-o", "pid=,args=", "--ppid", str(master)],
                         capture_output=True, text=True).stdout
    return [int(line.split()[0]) for line in out.splitlines()
            if "worker process" in line]


def child_pids(master):
    """Every process the nginx master started: its workers, and its cache
    manager and loader (which a kill -9 of the master alone would leave
    running, orphaned)."""
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)],
                         capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


class Logs:
    """The logs of the nginx whose prefix is self.prefix."""

    def error_log(self):
        try:
            return (self.prefix / "logs" / "error.log").read_text()
        except OSError:
            return ""

    def access_log(self):
        try:
            return (self.prefix / "logs" / "access.log").read_text() \
                .splitlines()
        except OSError:
            return []


class Nginx(Proc, Logs):
    """nginx running conf (the whole nginx.conf text) in prefix, listening
    on port; stopped gracefully (SIGQUIT)."""

    def __init__(self, prefix, port, conf):
        self.prefix = make_prefix(prefix)
        self.port = port
        self.conf = prefix / "nginx.conf"
        self.conf.write_text(conf)
        super().__init__(["nginx", "-p", str(prefix), "-c", str(self.conf),
                          "-e", str(prefix / "logs" / "error.log")],
                         prefix / "logs" / "stderr.log")
        if not wait_port(port):
            raise AssertionError(f"nginx in {prefix} did not start:\n"
                                 + self.error_log())

    def stop(self):
        super().stop(signal.SIGQUIT)

    def pids(self):
        """The master and all its children (workers, cache processes)."""
        master = int((self.prefix / "nginx.pid").read_text())
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)],
                             capture_output=True, text=True).stdout
        return [master] + [int(p) for p in out.split()]

