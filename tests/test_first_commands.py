"""A newcomer's first commands: after `make run` the README's commands work as written,
from any folder, and production still refuses to start without its secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hotline.instance import (
    LOCAL_SETTINGS,
    LocalSettingsError,
    instance_path,
    read_local_settings,
    with_local_settings,
)
from hotline.settings import load_settings

HOTLINE = str(Path(sys.executable).parent / "hotline")
ROOT = Path(__file__).resolve().parents[1]
REFUSAL = "TWILIO_AUTH_TOKEN, HOTLINE_SECRET_KEY and HOTLINE_PUBLIC_URL must be set in production"


def hotline(
    args: list[str], cwd: Path, instance: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TWILIO_"))}
    environ.update(HOTLINE_INSTANCE_PATH=str(instance), HOTLINE_NOW="2026-11-30T10:00+01:00")
    environ.update(env)
    return subprocess.run(
        [HOTLINE, *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=120
    )


def development_instance(tmp_path: Path) -> Path:
    """An instance folder as `make run` leaves it: hotline.env says development."""
    instance = tmp_path / "instance-folder"
    instance.mkdir()
    (instance / LOCAL_SETTINGS).write_text(
        "# Written by make run\n\nHOTLINE_ENV=development\n", encoding="utf-8"
    )
    return instance


def test_readme_commands_work_from_any_folder_after_make_run(tmp_path: Path) -> None:
    instance = development_instance(tmp_path)
    folders = [tmp_path / name for name in ("a", "b", "c")]
    for folder in folders:
        folder.mkdir()
    steps = [
        ["init-db"],
        ["demo"],
        ["contracts", "show", "V-2023-0005", "--json"],
        ["agents", "list", "--json"],
        ["call", "--from", "030 4412345", "--digits", "1"],
    ]
    results = [hotline(step, folders[n % 3], instance) for n, step in enumerate(steps)]
    for step, result in zip(steps, results, strict=True):
        assert result.returncode == 0, (step, result.stderr)
        assert "NOT checked" not in result.stderr, step  # once per server start, not here
    assert json.loads(results[2].stdout)["contract_number"] == "V-2023-0005"
    assert len(json.loads(results[3].stdout)) == 3
    assert "Kassen-Hotline, guten Tag, Bäckerei Krause." in results[4].stdout
    assert (instance / "hotline.sqlite3").is_file()
    for folder in folders:
        assert list(folder.iterdir()) == [], "a command left something in the current folder"


def test_production_still_refuses_without_secrets(tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    refused = hotline(["init-db"], tmp_path, bare)
    assert refused.returncode == 1 and REFUSAL in refused.stderr
    # The environment wins over the file: a host that says production is production.
    instance = development_instance(tmp_path)
    explicit = hotline(["init-db"], tmp_path, instance, HOTLINE_ENV="production")
    assert explicit.returncode == 1 and REFUSAL in explicit.stderr
    assert not (instance / "hotline.sqlite3").exists()


def test_a_bad_local_settings_file_is_one_line(tmp_path: Path) -> None:
    instance = tmp_path / "inst"
    instance.mkdir()
    (instance / LOCAL_SETTINGS).write_text("HOTLINE_ENV=development\nPATH=/tmp\n")
    result = hotline(["init-db"], tmp_path, instance)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{instance / LOCAL_SETTINGS}, line 2: PATH is not a hotline setting" in result.stderr


def test_local_settings_lines(tmp_path: Path) -> None:
    path = tmp_path / LOCAL_SETTINGS
    assert read_local_settings(path) == {}
    path.write_text('# comment\nHOTLINE_ENV = development\nTWILIO_ACCOUNT_SID="AC1"\n')
    with pytest.raises(LocalSettingsError, match="line 2: expected NAME=value"):
        read_local_settings(path)
    path.write_text('# comment\nHOTLINE_ENV=development\nTWILIO_ACCOUNT_SID="AC1"\n')
    assert read_local_settings(path) == {"HOTLINE_ENV": "development", "TWILIO_ACCOUNT_SID": "AC1"}
    path.write_text("HOTLINE_INSTANCE_PATH=/elsewhere\n")
    with pytest.raises(LocalSettingsError, match="cannot be set inside the instance folder"):
        read_local_settings(path)
    # An empty variable in the environment does not hide the file's value.
    path.write_text("HOTLINE_ENV=development\n")
    merged = with_local_settings({"HOTLINE_INSTANCE_PATH": str(tmp_path), "HOTLINE_ENV": ""})
    assert merged["HOTLINE_ENV"] == "development"


def test_the_instance_folder_is_resolved_once_for_everything(tmp_path: Path) -> None:
    assert instance_path({}) == ROOT / "instance"
    assert instance_path({"HOTLINE_INSTANCE_PATH": str(tmp_path / "x")}) == tmp_path / "x"
    settings = load_settings(
        environ={"HOTLINE_ENV": "development", "HOTLINE_INSTANCE_PATH": str(tmp_path / "x")}
    )
    assert settings.instance_path == str(tmp_path / "x")
    assert settings.database_url == f"sqlite:///{tmp_path / 'x' / 'hotline.sqlite3'}"
    assert settings.spool_dir == str(tmp_path / "x" / "spool")
