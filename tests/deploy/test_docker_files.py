"""deploy/Dockerfile and deploy/compose.yaml, checked without a Docker engine: what they
copy exists, the commands they run are the hotline's, secrets come from the environment."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import yaml

from tests.deploy.conftest import DEPLOY, HOTLINE, ROOT

HOTLINE_SERVICES = {"migrate", "web", "scheduler"}
PACKAGES = ("hotline", "ivr_flows", "callback", "config", "email_support")


def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return document


def dockerfile() -> str:
    return (DEPLOY / "Dockerfile").read_text()


def test_compose_has_postgresql_web_and_scheduler() -> None:
    services = compose()["services"]
    assert set(services) == {"db"} | HOTLINE_SERVICES
    assert services["db"]["image"].startswith("postgres:")
    assert services["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("web", "scheduler"):
        assert services[name]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }
        assert services[name]["restart"] == "unless-stopped"
    # The web app is reachable from the host's loopback only, for the TLS proxy there.
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]
    # The scheduler replays the spool the web app writes: one volume for both.
    assert services["web"]["volumes"] == services["scheduler"]["volumes"]


def test_compose_runs_commands_the_hotline_has(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TWILIO_"))}
    env.update(HOTLINE_ENV="development")
    services = compose()["services"]
    commands = {name: services[name]["command"] for name in HOTLINE_SERVICES}
    assert commands["web"] == ["hotline", "serve", "--host", "0.0.0.0", "--port", "8000"]
    assert commands["scheduler"] == ["hotline", "scheduler"]
    assert commands["migrate"] == ["hotline", "init-db"]
    for command in commands.values():
        words = [w for w in command[1:] if not w.startswith("-") and not w[0].isdigit()]
        result = subprocess.run(
            [HOTLINE, *words, "--help"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        for option in (w for w in command if w.startswith("--")):
            assert option in result.stdout, (command, option)


def names_the_code_reads() -> set[str]:
    """Environment variable names that appear as strings in the hotline's packages."""
    found: set[str] = set()
    for package in PACKAGES:
        for source in (ROOT / package).rglob("*.py"):
            found |= set(re.findall(r"\"([A-Z][A-Z0-9_]+)\"", source.read_text()))
    return found


def test_compose_sets_only_variables_the_hotline_reads_and_no_secrets() -> None:
    services = compose()["services"]
    known = names_the_code_reads()
    for name in HOTLINE_SERVICES:
        environment = services[name]["environment"]
        assert environment["HOTLINE_ENV"] == "production"
        for variable, value in environment.items():
            assert variable in known, f"compose sets {variable}, which the hotline never reads"
            if any(word in variable for word in ("SECRET", "TOKEN", "PASSWORD")):
                assert value.startswith(f"${{{variable}:"), (variable, value)
    url = services["web"]["environment"]["HOTLINE_DATABASE_URL"]
    assert url.startswith("postgresql+psycopg://hotline:${POSTGRES_PASSWORD:?")
    assert url.endswith("@db:5432/hotline")
    assert services["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_the_dockerfile_copies_every_package_and_runs_as_hotline() -> None:
    text = dockerfile()
    copied = re.findall(r"^COPY (\S+) \./", text, flags=re.MULTILINE)
    for source in copied:
        assert (ROOT / source).exists(), source
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = [p.rstrip("*") for p in project["tool"]["setuptools"]["packages"]["find"]["include"]]
    assert set(packages) <= set(copied), "a package of pyproject.toml is not copied"
    assert project["project"]["readme"] in text
    assert re.search(r"^USER hotline$", text, flags=re.MULTILINE)
    assert not re.search(r"^ENV .*(SECRET|TOKEN|PASSWORD)", text, flags=re.MULTILINE)
    command = re.search(r"^CMD (\[.*\])$", text, flags=re.MULTILINE)
    assert command and yaml.safe_load(command.group(1)) == compose()["services"]["web"]["command"]
    # The volume's mount point exists in the image, owned by the user (or it is root's).
    assert "install -d -o hotline -g hotline -m 0700 /var/lib/hotline/instance" in text
    assert "/var/lib/hotline/instance" in compose()["services"]["web"]["volumes"][0]


def test_dockerignore_keeps_what_the_dockerfile_copies() -> None:
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    copied = re.findall(r"^COPY (.+) \./", dockerfile(), flags=re.MULTILINE)
    for source in " ".join(copied).split():
        assert source not in ignored, source
