"""The installed `hotline` command: help everywhere, one-line errors, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from flask.testing import FlaskCliRunner

from hotline.cli import cli

HOTLINE = str(Path(sys.executable).parent / "hotline")


def run(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TWILIO_"))}
    # Never the checkout's instance/ (and its hotline.env from `make run`).
    environ["HOTLINE_INSTANCE_PATH"] = str(tmp_path / "instance")
    environ.update(env)
    return subprocess.run(
        [HOTLINE, *args], cwd=tmp_path, env=environ, capture_output=True, text=True, timeout=60
    )


def all_commands(group: click.Group, ctx: click.Context, prefix: list[str]) -> list[list[str]]:
    found = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        found.append([*prefix, name])
        if isinstance(command, click.Group):
            found += all_commands(command, ctx, [*prefix, name])
    return found


def test_every_command_has_help(runner: FlaskCliRunner) -> None:
    from flask.cli import ScriptInfo

    app = runner.app
    with click.Context(cli, obj=ScriptInfo(create_app=lambda: app)) as ctx:
        paths = all_commands(cli, ctx, [])
    names = {" ".join(p) for p in paths}
    assert {"init-db", "serve", "contracts show", "agents add", "tokens create"} <= names
    for path in paths:
        result = runner.invoke(args=[*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage:" in result.output


def test_production_without_secrets_is_one_line(tmp_path: Path) -> None:
    result = run(["init-db"], tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: configuration: TWILIO_AUTH_TOKEN, HOTLINE_SECRET_KEY and HOTLINE_PUBLIC_URL "
        "must be set in production (or set HOTLINE_ENV=development for a local trial); "
        "HOTLINE_PUBLIC_URL is the https base URL Twilio calls, which webhook signatures are "
        "checked against"
    )


def test_bad_hotline_now_is_one_line(tmp_path: Path) -> None:
    result = run(["init-db"], tmp_path, HOTLINE_ENV="development", HOTLINE_NOW="morgen")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "HOTLINE_NOW: 'morgen' is not an ISO 8601 date-time" in result.stderr


@pytest.mark.parametrize(
    "url",
    ["postgresql+psycopg://postgres:geheim@127.0.0.1:1/test", "sqlite:////nonexistent/dir/x.db"],
)
def test_unreachable_database_is_one_line(tmp_path: Path, url: str) -> None:
    result = run(["init-db"], tmp_path, HOTLINE_ENV="development", HOTLINE_DATABASE_URL=url)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Error: database unreachable:" in result.stderr
    assert "geheim" not in result.stderr


def test_embedded_default_creates_sqlite_under_instance(tmp_path: Path) -> None:
    result = run(["init-db"], tmp_path, HOTLINE_ENV="development")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "instance" / "hotline.sqlite3").exists()


def test_uninitialised_database_says_to_run_init_db(tmp_path: Path) -> None:
    result = run(["contracts", "show", "V-1"], tmp_path, HOTLINE_ENV="development")
    assert result.returncode == 1
    assert "run `hotline init-db` first" in result.stderr
    assert "Traceback" not in result.stderr
