"""The edge module loads into Debian's stock nginx and checks its store URI
at configuration time (nginx -t)."""
import subprocess

import pytest

from conftest import MODULE, Nginx


def test_module_built():
    assert MODULE.exists(), f"{MODULE} missing: run make build"


def test_good_sqlite_store_passes_nginx_t(tmpdir_path):
    ngx = Nginx(tmpdir_path)
    ngx.write_conf(f'fanout_store "sqlite://{tmpdir_path}/cluster.db";')
    r = ngx.test_config()
    assert r.returncode == 0, r.stderr
    assert "syntax is ok" in r.stderr
    # Opening the store applied the schema.
    out = subprocess.run(["sqlite3", str(tmpdir_path / "cluster.db"),
                          "PRAGMA user_version"], capture_output=True,
                         text=True, check=True)
    assert int(out.stdout.strip()) >= 1


@pytest.mark.parametrize("uri,message", [
    ("ftp://x", "unknown scheme 'ftp'"),
    ("sqlite://relative.db", "absolute path"),
    ("redis://host:99999", "port"),
    ("redis://h?colour=blue", "unknown option 'colour'"),
])
def test_bad_store_uri_fails_nginx_t(tmpdir_path, uri, message):
    ngx = Nginx(tmpdir_path)
    ngx.write_conf(f'fanout_store "{uri}";')
    r = ngx.test_config()
    assert r.returncode != 0
    assert message in r.stderr, r.stderr


def test_unreachable_store_is_a_warning_not_an_error(tmpdir_path):
    ngx = Nginx(tmpdir_path)
    ngx.write_conf('fanout_store "redis://127.0.0.1:1?connect_timeout_ms=200";')
    r = ngx.test_config()
    assert r.returncode == 0, r.stderr
    assert "[warn]" in r.stderr and "127.0.0.1:1" in r.stderr


def test_duplicate_directive_rejected(tmpdir_path):
    ngx = Nginx(tmpdir_path)
    ngx.write_conf(f'fanout_store "sqlite://{tmpdir_path}/a.db";\n'
                   f'fanout_store "sqlite://{tmpdir_path}/b.db";')
    r = ngx.test_config()
    assert r.returncode != 0
    assert "is duplicate" in r.stderr
