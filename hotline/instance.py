"""The instance folder (the SQLite database, the spool, the local settings file), resolved
once for every command and process, whatever the current directory.

`HOTLINE_INSTANCE_PATH` names it; by default it is `instance/` of the project checkout
the code runs from (the folder holding pyproject.toml), or, for an installed package
without a checkout, `instance/` under the current directory.

The local settings file `<instance>/hotline.env` holds `NAME=value` lines for the
`hotline` command; `make run` writes `HOTLINE_ENV=development` there, so the README's
commands work in a development checkout without typing it each time. The environment
always wins over the file, and only the `hotline` command reads it (not the web app
under gunicorn): a production host that sets `HOTLINE_ENV=production` keeps refusing
to start without its secrets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

LOCAL_SETTINGS = "hotline.env"
_PROJECT_ROOT = Path(__file__).resolve().parents[1]
_LINE = re.compile(r"([A-Z][A-Z0-9_]*)=(.*)")
# What the file may set: the hotline's own variables and Twilio's, nothing else of
# the process's environment.
_ALLOWED_PREFIXES = ("HOTLINE_", "TWILIO_", "TEAMVIEWER_")


class LocalSettingsError(ValueError):
    """The local settings file cannot be used; the message names the file and line."""


def instance_path(environ: Mapping[str, str]) -> Path:
    """The instance folder: HOTLINE_INSTANCE_PATH, else the project's instance/."""
    named = environ.get("HOTLINE_INSTANCE_PATH", "").strip()
    if named:
        return Path(named).expanduser().absolute()
    if (_PROJECT_ROOT / "pyproject.toml").is_file():
        return _PROJECT_ROOT / "instance"
    return Path.cwd() / "instance"


def with_local_settings(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment with the local settings file's values where the environment has none."""
    merged = dict(environ)
    path = instance_path(environ) / LOCAL_SETTINGS
    for name, value in read_local_settings(path).items():
        if not merged.get(name):
            merged[name] = value
    return merged


def read_local_settings(path: Path) -> dict[str, str]:
    """`NAME=value` lines of the file (blank lines and # comments skipped); {} without a file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise LocalSettingsError(f"{path}: cannot read it: {exc.strerror}") from None
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        found = _LINE.fullmatch(line)
        if found is None:
            raise LocalSettingsError(f"{path}, line {number}: expected NAME=value, got {line!r}")
        name, value = found.group(1), found.group(2).strip()
        if not name.startswith(_ALLOWED_PREFIXES):
            raise LocalSettingsError(
                f"{path}, line {number}: {name} is not a hotline setting "
                f"(names start with {', '.join(_ALLOWED_PREFIXES)})"
            )
        if name == "HOTLINE_INSTANCE_PATH":
            raise LocalSettingsError(
                f"{path}, line {number}: HOTLINE_INSTANCE_PATH cannot be set inside the "
                "instance folder it names"
            )
        values[name] = value.strip("\"'")
    return values
