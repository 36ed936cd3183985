"""The deployment files checked by their own tools: `systemd-analyze verify` on the units,
`nginx -t` on the site, gunicorn's `--check-config` on the packaged configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hotline.deploy import gunicorn_conf
from hotline.deploy.gunicorn_conf import worker_count
from tests.deploy.conftest import DEPLOY, HOTLINE, Certificate, Nginx, tool

UNITS = sorted((DEPLOY / "systemd").iterdir())
SHIPPED_HOTLINE = "/opt/hotline/venv/bin/hotline"


def rendered_units(directory: Path) -> list[Path]:
    """The units with this venv's `hotline` (verify checks that ExecStart exists)."""
    out = []
    for unit in UNITS:
        text = unit.read_text()
        if unit.suffix == ".service":
            assert f"ExecStart={SHIPPED_HOTLINE} " in text, unit.name
        target = directory / unit.name
        target.write_text(text.replace(SHIPPED_HOTLINE, HOTLINE))
        out.append(target)
    return out


def test_the_systemd_units_verify(tmp_path: Path) -> None:
    analyze = tool("systemd-analyze")
    units = rendered_units(tmp_path)
    assert {u.name for u in units} == {
        "hotline-web.service",
        "hotline-scheduler.service",
        "hotline-mail-fetch.service",
        "hotline-mail-fetch.timer",
    }
    result = subprocess.run(
        [analyze, "verify", "--man=no", *map(str, units)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # A warning (an unknown key, a missing command) fails the check as well.
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_systemd_verify_catches_a_broken_unit(tmp_path: Path) -> None:
    analyze = tool("systemd-analyze")
    unit = tmp_path / "hotline-web.service"
    unit.write_text(
        (DEPLOY / "systemd" / "hotline-web.service")
        .read_text()
        .replace(SHIPPED_HOTLINE, HOTLINE)
        .replace("ExecStart=", "ExecStrat=")
    )
    result = subprocess.run(
        [analyze, "verify", "--man=no", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "ExecStrat" in result.stderr


def test_the_units_run_what_the_hotline_command_offers() -> None:
    for unit, command in (
        ("hotline-web.service", "serve --host 127.0.0.1 --port 8000"),
        ("hotline-scheduler.service", "scheduler"),
        ("hotline-mail-fetch.service", "mail fetch"),
    ):
        text = (DEPLOY / "systemd" / unit).read_text()
        assert f"ExecStart={SHIPPED_HOTLINE} {command}\n" in text
        assert "Environment=HOTLINE_ENV=production" in text
        assert "EnvironmentFile=/etc/hotline/hotline.env" in text
    timer = (DEPLOY / "systemd" / "hotline-mail-fetch.timer").read_text()
    assert "OnUnitActiveSec=1min" in timer


def test_nginx_accepts_the_site(tmp_path: Path, certificate: Certificate) -> None:
    nginx = Nginx(tmp_path, ["127.0.0.1:8000", "127.0.0.1:8001"], certificate)
    result = nginx.test_config()
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr and "test is successful" in result.stderr


def test_nginx_t_refuses_a_site_without_its_certificate(
    tmp_path: Path, certificate: Certificate
) -> None:
    missing = Certificate(tmp_path / "gone.pem", certificate.key)
    result = Nginx(tmp_path, ["127.0.0.1:8000"], missing).test_config()
    assert result.returncode != 0
    assert "gone.pem" in result.stderr


def gunicorn_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    return subprocess.run(
        [gunicorn, "--check-config", "--config", "python:hotline.deploy.gunicorn_conf"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def check_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TWILIO_"))}
    env.update(
        HOTLINE_ENV="production",
        HOTLINE_DATABASE_URL=f"sqlite:///{tmp_path / 'hotline.sqlite3'}",
        HOTLINE_SECRET_KEY="check-config-only",
        TWILIO_AUTH_TOKEN="check-config-only",
        HOTLINE_PUBLIC_URL="https://hotline.example.de",
    )
    env.update(extra)
    return env


def test_gunicorn_check_config_loads_the_configuration_and_the_app(tmp_path: Path) -> None:
    result = gunicorn_check(check_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    # The check loads the app too: production without its secrets is refused.
    refused = gunicorn_check(check_env(tmp_path, TWILIO_AUTH_TOKEN=""))
    assert refused.returncode != 0
    assert "TWILIO_AUTH_TOKEN must be set in production" in refused.stdout + refused.stderr


def test_the_gunicorn_settings() -> None:
    assert gunicorn_conf.timeout < 15  # Twilio's webhook timeout
    assert gunicorn_conf.graceful_timeout < 15
    assert gunicorn_conf.preload_app is False
    assert gunicorn_conf.wsgi_app == "hotline.deploy.wsgi:create_production_app()"
    fmt = gunicorn_conf.access_log_format
    assert "%(U)s" in fmt  # the path without the query string
    for with_query in ("%(r)s", "%(q)s", "%(f)s", "%({raw_uri}e)s"):
        assert with_query not in fmt


def test_workers_follow_the_cpus_or_web_concurrency() -> None:
    assert worker_count({}) == 2 * len(os.sched_getaffinity(0))
    assert worker_count({"WEB_CONCURRENCY": "3"}) == 3
    for bad in ("0", "-1", "vier", "2.5"):
        with pytest.raises(ValueError, match="WEB_CONCURRENCY"):
            worker_count({"WEB_CONCURRENCY": bad})
