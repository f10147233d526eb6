"""docker-compose.yml and docker/: checked without a Docker engine.

`docker-compose config` validates the compose file (Debian's docker-compose
1.29); the Dockerfiles are read for their base images and COPY sources; the
entrypoints are checked with `bash -n`, and the nginx configurations the
containers would run are rendered the way the images and entrypoints render
them, then tested by a real nginx (`nginx -t`) with the locally built module
and temporary paths.
"""
import fnmatch
import os
import pathlib
import re
import shutil
import subprocess
import sys
import urllib.parse

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("FANOUT_BUILD", ROOT / "build"))
MODULE = BUILD / "modules" / "ngx_http_fanout_module.so"
LB_SYNC = BUILD / "bin" / "fanout-lb-sync"
STREAM_MODULE = pathlib.Path("/usr/lib/nginx/modules/ngx_stream_module.so")
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKER = ROOT / "docker"
SERVICES = {"mongo", "origin-1", "origin-2", "edge-1", "edge-2", "lb"}
LB_PORTS = {5080, 5443, 1935, 8443}
BASES = {"debian:12", "debian:bookworm", "mongo:7"}


# The secrets compose requires (no defaults): test values.
SECRETS = {"FANOUT_JWT_SECRET": "compose-test-jwt-secret-0123456789abcdef",
           "FANOUT_CLUSTER_KEY": "compose-test-cluster-key-0123456789"}


def compose(*args, secrets=SECRETS):
    exe = shutil.which("docker-compose")
    if exe is None:
        pytest.skip("docker-compose is not installed (apt-get install docker-compose)")
    # Defaults only: no FANOUT_BIND or COMPOSE_* from the caller's shell.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FANOUT_", "COMPOSE_"))}
    env.update(secrets)
    return subprocess.run([exe, "-f", str(COMPOSE_FILE), *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def config():
    r = compose("config")
    assert r.returncode == 0, f"docker-compose config failed:\n{r.stderr}"
    import yaml   # python3-yaml, a dependency of docker-compose
    return yaml.safe_load(r.stdout)


def env_of(config, service):
    env = config["services"][service].get("environment") or {}
    if isinstance(env, list):
        env = dict(e.split("=", 1) for e in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


# ---- Dockerfiles ------------------------------------------------------------

def instructions(dockerfile):
    """(INSTRUCTION, arguments) pairs: continuations joined, comments dropped."""
    out, cur = [], ""
    for line in dockerfile.read_text().splitlines():
        if not cur and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if cur and line.lstrip().startswith("#"):
            continue   # a comment inside a continued instruction
        if line.rstrip().endswith("\\"):
            cur += line.rstrip()[:-1] + " "
            continue
        cur += line
        word, _, rest = cur.strip().partition(" ")
        out.append((word.upper(), rest.strip()))
        cur = ""
    return out


def stages(dockerfile):
    """{stage name or index: [instructions]}, in order."""
    result, current = {}, None
    for i, (word, args) in enumerate(instructions(dockerfile)):
        if word == "FROM":
            parts = args.split()
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" \
                else f"#{len(result)}"
            current = result.setdefault(name, [])
        if current is not None:
            current.append((word, args))
    return result


def dockerignore_patterns(context):
    path = context / ".dockerignore"
    if not path.exists():
        return []
    return [p.strip().lstrip("/").rstrip("/") for p in path.read_text().splitlines()
            if p.strip() and not p.startswith("#")]


def ignored(relpath, patterns):
    parts = pathlib.PurePosixPath(relpath).parts
    for pat in patterns:
        if pat.startswith("**/"):
            tail = pat[3:]
            if any(fnmatch.fnmatchcase(p, tail) for p in parts):
                return True
        else:
            for n in range(1, len(parts) + 1):
                if fnmatch.fnmatchcase("/".join(parts[:n]), pat):
                    return True
    return False


def built_services(config):
    out = {}
    for name, svc in config["services"].items():
        build = svc.get("build")
        if build:
            if isinstance(build, str):
                build = {"context": build}
            context = (ROOT / build.get("context", ".")).resolve()
            out[name] = (context, context / build.get("dockerfile", "Dockerfile"))
    return out


# ---- the compose file ---------------------------------------------------------

def test_compose_config_is_valid_and_has_the_cluster(config):
    r = compose("config", "--services")
    assert r.returncode == 0, r.stderr
    services = set(r.stdout.split())
    assert SERVICES <= services, f"missing: {SERVICES - services}"
    assert SERVICES <= set(config["services"])


def published_ports(svc):
    out = set()
    for p in svc.get("ports", []):
        if isinstance(p, dict):                       # Compose v2 long form
            out.add(int(p.get("published") or p["target"]))
        else:                                         # [ip:]host:container[/proto]
            out.add(int(str(p).split("/")[0].split(":")[-2]))
    return out


def test_lb_publishes_the_cluster_ports(config):
    assert LB_PORTS <= published_ports(config["services"]["lb"])
    for name in SERVICES - {"lb"}:
        assert not published_ports(config["services"][name]), \
            f"{name} publishes ports; only the load balancer faces clients"


def test_mongo_is_a_replica_set_initiated_once(config):
    svc = config["services"]["mongo"]
    assert svc["image"] == "mongo:7"
    cmd = svc["command"]
    cmd = cmd.split() if isinstance(cmd, str) else cmd
    assert "--replSet" in cmd
    replset = cmd[cmd.index("--replSet") + 1]
    test = " ".join(svc["healthcheck"]["test"])
    assert "rs.initiate(" in test and f"'{replset}'" in test
    assert "host: 'mongo:27017'" in test, "the member must be named as clients reach it"
    targets = [v["target"] if isinstance(v, dict) else v.split(":")[1]
               for v in svc.get("volumes", [])]
    assert "/data/db" in targets, "mongo's data needs a volume"


def test_every_node_uses_the_mongodb_replica_set(config):
    replset = config["services"]["mongo"]["command"]
    replset = replset[replset.index("--replSet") + 1]
    for name in SERVICES - {"mongo"}:
        uri = env_of(config, name).get("FANOUT_CLUSTERDB_HOST", "")
        u = urllib.parse.urlsplit(uri)
        assert u.scheme == "mongodb", f"{name}: store URI {uri!r}"
        assert u.hostname == "mongo"
        assert urllib.parse.parse_qs(u.query).get("replicaSet") == [replset], \
            f"{name}: {uri!r} names no replicaSet={replset}"


def test_origins_are_configured_by_known_keys(config):
    """The origin silently ignores FANOUT_* variables that name no key: each
    one the compose file sets must map to a key of origin.properties."""
    props = (ROOT / "origin/conf/origin.properties").read_text()
    keys = set(re.findall(r"^#?([A-Za-z][A-Za-z0-9_.]*)=", props, re.M))
    env_names = {"FANOUT_" + k.upper().replace(".", "_"): k for k in keys}
    for name in ("origin-1", "origin-2"):
        env = env_of(config, name)
        unknown = {k for k in env if k.startswith("FANOUT_")} - set(env_names)
        assert not unknown, f"{name}: no origin key for {unknown}"
        assert env["FANOUT_SERVER_NAME"] == name
        cidrs = env["FANOUT_REMOTEALLOWEDCIDR"].split(",")
        for private in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"):
            assert private in cidrs, "the LB proxies REST from its container address"
        # The safe setup: REST JWT on, the secrets exactly the caller's.
        assert env["FANOUT_JWTCONTROLENABLED"] == "true"
        assert env["FANOUT_JWTSECRETKEY"] == SECRETS["FANOUT_JWT_SECRET"]
        assert env["FANOUT_CLUSTERCOMMUNICATIONKEY"] == \
            SECRETS["FANOUT_CLUSTER_KEY"]
        assert env["FANOUT_HTTP_TRUSTED_PROXIES"]


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_compose_refuses_to_start_without_a_secret(missing):
    """No secret has a default that would work in production."""
    r = compose("config", secrets={k: v for k, v in SECRETS.items()
                                   if k != missing})
    assert r.returncode != 0
    assert f"set {missing}" in r.stderr + r.stdout


def test_edge_and_lb_variables_are_ones_their_entrypoints_read(config):
    # FANOUT_APPS comes with the shared cluster settings; the LB has no use
    # for it (it routes every /{app}/).
    for name, script, unused in (("edge-1", "edge-entrypoint.sh", set()),
                                 ("edge-2", "edge-entrypoint.sh", set()),
                                 ("lb", "lb-entrypoint.sh", {"FANOUT_APPS"})):
        text = (DOCKER / script).read_text()
        for k in env_of(config, name):
            if k.startswith("FANOUT_") and k not in unused:
                assert re.search(rf"\b{k}\b", text), f"{name}: {script} does not read {k}"


def test_dockerfiles_exist_and_build_from_debian_12(config):
    built = built_services(config)
    assert {"origin-1", "origin-2", "edge-1", "edge-2", "lb"} <= set(built)
    for name, svc in config["services"].items():
        if name not in built:
            assert svc["image"] in BASES, f"{name}: image {svc['image']}"
            continue
        context, dockerfile = built[name]
        assert dockerfile.is_file(), f"{name}: no {dockerfile}"
        names = set()
        for stage, body in stages(dockerfile).items():
            base = body[0][1].split()[0]
            if not names:
                assert base in BASES, f"{dockerfile.name} starts FROM {base}"
            assert base in BASES or base in names, \
                f"{dockerfile.name}: FROM {base} is neither Debian 12 nor a stage"
            names.add(stage)


def test_dockerfile_copy_sources_exist_in_the_context(config):
    seen = set()
    for context, dockerfile in built_services(config).values():
        if dockerfile in seen:
            continue
        seen.add(dockerfile)
        patterns = dockerignore_patterns(context)
        for word, args in instructions(dockerfile):
            if word not in ("COPY", "ADD"):
                continue
            parts = [p for p in args.split() if not p.startswith("--")]
            if any(p.startswith("--from") for p in args.split()):
                continue
            for src in parts[:-1]:
                rel = src.rstrip("/")
                assert (context / rel).exists(), f"{dockerfile.name}: COPY {src}: no such path"
                assert not ignored(rel, patterns), \
                    f"{dockerfile.name}: COPY {src} is excluded by .dockerignore"


def test_build_stage_is_shared_by_the_three_images(config):
    """The same build stage text in each Dockerfile: built once (layer cache)."""
    bodies = {df.name: stages(df)["build"]
              for _, df in built_services(config).values()}
    assert len(bodies) == 3
    first = next(iter(bodies.values()))
    for name, body in bodies.items():
        assert body == first, f"{name}: its build stage differs"


def test_build_stage_copies_what_cmake_configures():
    """The build stage copies the tree selectively (for the layer cache):
    every top-level directory CMake configures or reads sources from at
    configure time must be among its COPY sources."""
    body = stages(DOCKER / "origin.Dockerfile")["build"]
    copied = {args.split()[0].rstrip("/") for word, args in body if word == "COPY"}
    top = (ROOT / "CMakeLists.txt").read_text()
    needed = set(re.findall(r"^\s*add_subdirectory\(\s*([\w.-]+)", top, re.M))
    for d in sorted(needed & copied):
        for f in list((ROOT / d).rglob("CMakeLists.txt")) + list((ROOT / d).rglob("*.cmake")):
            text = f.read_text()
            # add_test commands run at test time, not at configure time
            text = re.sub(r"add_test\((?:[^()]|\([^()]*\))*\)", "", text)
            needed |= set(re.findall(r"\$\{PROJECT_SOURCE_DIR\}/([\w.-]+)", text))
    needed |= set(re.findall(r"\$\{PROJECT_SOURCE_DIR\}/([\w.-]+)", top))
    assert needed <= copied, f"the build stage does not COPY {sorted(needed - copied)}"


def test_dockerignore_keeps_local_state_out():
    patterns = dockerignore_patterns(ROOT)
    for path in ("build/bin/fanout-origin", "run/cluster.db", ".git/HEAD",
                 "tests/mongo-server/node_modules/x"):
        assert ignored(path, patterns), f"{path} would be sent to the builder"


# ---- the entrypoints and the configurations they render -----------------------

def test_entrypoint_scripts_parse():
    scripts = sorted(DOCKER.glob("*.sh"))
    assert {"edge-entrypoint.sh", "lb-entrypoint.sh", "render-conf.sh"} <= \
        {s.name for s in scripts}
    for s in scripts:
        r = subprocess.run(["bash", "-n", str(s)], capture_output=True, text=True)
        assert r.returncode == 0, f"{s.name}: {r.stderr}"


def render_template(kind, out):
    r = subprocess.run(["bash", str(DOCKER / "render-conf.sh"), kind, str(ROOT),
                        str(out)], env={**os.environ, "PYTHON": sys.executable},
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return out


def run_entrypoint(script, env, *args):
    base = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")}
    return subprocess.run(["bash", str(DOCKER / script), *args],
                          env={**base, **env}, capture_output=True, text=True,
                          timeout=60)


def has_global_ipv4():
    r = subprocess.run("ip -4 -o addr show scope global", shell=True,
                       capture_output=True, text=True)
    return r.returncode == 0 and r.stdout.strip() != ""


def nginx_t(conf, prefix):
    return subprocess.run(["nginx", "-t", "-p", str(prefix), "-e", "stderr",
                           "-c", str(conf)], capture_output=True, text=True,
                          timeout=60)


def need_nginx():
    if shutil.which("nginx") is None:
        pytest.skip("nginx is not installed")


def render_edge(config, tmp_path, **overrides):
    template = render_template("edge", tmp_path / "edge.conf.in")
    env = {**env_of(config, "edge-1"),
           "FANOUT_EDGE_TEMPLATE": str(template),
           "FANOUT_EDGE_CONF": str(tmp_path / "edge.conf")}
    if not has_global_ipv4():   # a container always has one
        env["FANOUT_NODE_ADDRESS"] = "10.0.0.21:5080"
    env.update(overrides)
    return run_entrypoint("edge-entrypoint.sh", env, "render"), tmp_path / "edge.conf"


def test_edge_config_renders_and_passes_nginx_t(config, tmp_path):
    r, conf = render_edge(config, tmp_path)
    assert r.returncode == 0, r.stderr
    text = conf.read_text()
    assert "@FANOUT_" not in text
    assert re.search(r"^load_module /usr/lib/nginx/modules/ngx_http_fanout_module\.so;",
                     text, re.M)
    assert re.search(r"^\s*resolver 127\.0\.0\.11\b[^;]*;", text, re.M), \
        "proxy_pass to origin names needs Docker's DNS"
    store = re.search(r'^\s*fanout_store "([^"]+)";', text, re.M).group(1)
    assert store.startswith(env_of(config, "edge-1")["FANOUT_CLUSTERDB_HOST"])
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(store).query)
    assert q["update_period_ms"] == ["5000"] and q["dead_factor"] == ["4"]
    assert re.search(r"^\s*fanout_node_id edge-1;", text, re.M)
    assert re.search(r"^\s*fanout_node_address [0-9.]+:5080;", text, re.M)
    assert re.search(r"^\s*fanout_origin_nodes origin-1:5080 origin-2:5080;", text, re.M)
    assert re.search(r"^\s*listen 5080;", text, re.M)

    need_nginx()
    if not MODULE.exists():
        pytest.skip(f"{MODULE} is not built (make build)")
    for d in ("tmp", "cache"):
        (tmp_path / d).mkdir()
    test_conf = tmp_path / "edge.test.conf"
    r = subprocess.run([sys.executable, str(ROOT / "scripts/render_conf.py"),
                        str(conf), str(test_conf),
                        "--set", f"load_module={MODULE}",
                        "--set", f"pid={tmp_path}/nginx.pid",
                        "--sub", f"/var/cache/nginx/fanout={tmp_path}/cache",
                        "--temp-dir", str(tmp_path / "tmp")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = nginx_t(test_conf, tmp_path)
    assert r.returncode == 0 and "test is successful" in r.stderr, \
        f"{r.stderr}\n(if a fanout_* directive is unknown: is {MODULE} older than " \
        "nginx-module/? make build)"


def test_edge_entrypoint_refuses_bad_values(config, tmp_path):
    r, _ = render_edge(config, tmp_path, FANOUT_NODE_ID="edge-1; evil")
    assert r.returncode != 0 and "FANOUT_NODE_ID" in r.stderr
    r, _ = render_edge(config, tmp_path, FANOUT_CLUSTERDB_HOST="")
    assert r.returncode != 0 and "FANOUT_CLUSTERDB_HOST" in r.stderr
    r, _ = render_edge(config, tmp_path,
                       FANOUT_CLUSTERDB_HOST='mongodb://mongo/x" ; include /etc/passwd')
    assert r.returncode != 0


def test_lb_config_renders_and_passes_nginx_t(config, tmp_path):
    template = render_template("lb", tmp_path / "lb.conf.in")
    conf = tmp_path / "lb.conf"
    env = {**env_of(config, "lb"), "FANOUT_LB_TEMPLATE": str(template),
           "FANOUT_LB_CONF": str(conf)}
    r = run_entrypoint("lb-entrypoint.sh", env, "render")
    assert r.returncode == 0, r.stderr
    text = conf.read_text()
    assert "@FANOUT_" not in text
    for listen in ("listen 5080;", "listen 5443 ssl http2;", "listen 1935;",
                   "listen 8443 ssl;"):
        assert listen in text
    assert "include /etc/fanout/lb/upstreams-http.conf;" in text
    assert "include /etc/fanout/lb/upstreams-stream.conf;" in text
    # REST and /metrics: one allow line per admin CIDR in each of the
    # three admin locations; /internal/ refused.
    admin = env["FANOUT_LB_ADMIN_CIDRS"].split(",")
    for cidr in admin:
        assert text.count(f"allow {cidr};") == 3, cidr
    assert text.count("deny all;") == 3
    assert "location ^~ /internal/" in text

    need_nginx()
    if not STREAM_MODULE.exists():
        pytest.skip("libnginx-mod-stream is not installed")
    if not LB_SYNC.exists():
        pytest.skip(f"{LB_SYNC} is not built (make build)")
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    # What the entrypoint does before nginx starts: a certificate, and the
    # upstream files from the store (here an empty SQLite one).
    (tmp_path / "lb").mkdir()
    (tmp_path / "tmp").mkdir()
    r = subprocess.run(["bash", str(ROOT / "lb-config/gen-cert.sh"),
                        str(tmp_path / "tls"), "localhost"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    r = subprocess.run([str(LB_SYNC), "--store", f"sqlite://{tmp_path}/cluster.db",
                        "--dir", str(tmp_path / "lb"), "--once"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    test_conf = tmp_path / "lb.test.conf"
    r = subprocess.run([sys.executable, str(ROOT / "scripts/render_conf.py"),
                        str(conf), str(test_conf),
                        "--sub", f"/run/nginx-lb.pid={tmp_path}/nginx.pid",
                        "--sub", f"/etc/fanout/lb/={tmp_path}/lb/",
                        "--sub", f"/etc/fanout/tls/={tmp_path}/tls/",
                        "--temp-dir", str(tmp_path / "tmp")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = nginx_t(test_conf, tmp_path)
    assert r.returncode == 0 and "test is successful" in r.stderr, r.stderr
