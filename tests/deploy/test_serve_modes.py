"""`hotline serve` in production: gunicorn with the packaged configuration (the embedded
default is tests/test_serve.py's)."""

from __future__ import annotations

import subprocess
import urllib.request
from pathlib import Path

from hotline.deploy.wsgi import STRICT_TRANSPORT_SECURITY
from tests.deploy.conftest import HOTLINE, WebServer, production_env


def get(url: str, **headers: str) -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=5) as reply:  # noqa: S310
        return reply.status, {k.lower(): v for k, v in reply.headers.items()}


def test_production_serve_is_gunicorn_without_a_scheduler(
    tmp_path: Path, database_url: str
) -> None:
    web = WebServer(tmp_path, production_env(database_url, "https://hotline.example.de"))
    web.start()
    try:
        assert web.process is not None
        # exec: the process systemd started is gunicorn's master itself.
        cmdline = Path(f"/proc/{web.process.pid}/cmdline").read_bytes().split(b"\0")
        assert b"gunicorn" in cmdline and b"python:hotline.deploy.gunicorn_conf" in cmdline
        status, headers = get(f"http://{web.address}/healthz")
        assert status == 200
        assert headers["server"] == "gunicorn"
        assert "strict-transport-security" not in headers  # plain http: never (RFC 6797)
        _, headers = get(f"http://{web.address}/login", **{"X-Forwarded-Proto": "https"})
        assert headers["strict-transport-security"] == STRICT_TRANSPORT_SECURITY
    finally:
        web.stop()
    output = web.log.read_text()
    assert "gunicorn with 2 worker(s)" in output
    assert "scheduler active" not in output and "scheduler standby" not in output


def test_production_serve_refuses_a_bad_worker_count(tmp_path: Path) -> None:
    env = production_env(
        f"sqlite:///{tmp_path / 'hotline.sqlite3'}",
        "https://hotline.example.de",
        WEB_CONCURRENCY="viele",
    )
    result = subprocess.run(
        [HOTLINE, "serve"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: configuration: WEB_CONCURRENCY: 'viele' is not a whole number of 1 or more"
    )
