"""Real processes killed with -9: a gunicorn web worker between two steps of a call, and
the active scheduler with callbacks waiting (tests/callbacks/test_processes.py's test,
run here again so that the figures count it)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from hotline.models import Call, Ticket
from ivr_flows.walker import HttpTransport, Walker
from tests.callbacks.conftest import AUTH_TOKEN, free_port
from tests.callbacks.test_processes import Schedulers
from tests.callbacks.test_processes import engine as engine  # noqa: F401 - fixture
from tests.callbacks.test_processes import schedulers as schedulers  # noqa: F401 - fixture
from tests.callbacks.test_processes import (
    test_kill_9_the_active_scheduler_and_the_standby_takes_over as kill_9_scheduler,
)
from tests.factories import make_agent, make_customer
from tests.ivr.conftest import check_twiml
from tests.reliability.conftest import Figures

GUNICORN = str(Path(sys.executable).parent / "gunicorn")
ROOT = Path(__file__).resolve().parents[2]
STATION = "+49304412345"
AGENTS = ["+4915111111111", "client:ben"]


class Gunicorn:
    def __init__(self, database_url: str, tmp_path: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.access = tmp_path / "access.log"
        self.errors = tmp_path / "error.log"
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TWILIO_"))}
        environ.update(
            HOTLINE_ENV="test",
            HOTLINE_DATABASE_URL=database_url,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            HOTLINE_PUBLIC_URL=self.base,
            HOTLINE_NUMBER="+4930120045670",
            HOTLINE_NOW="2026-11-30T10:00:00+01:00",
            HOTLINE_INSTANCE_PATH=str(tmp_path / "instance"),
        )
        self.process = subprocess.Popen(
            [
                GUNICORN,
                "--workers", "2",
                "--bind", f"127.0.0.1:{self.port}",
                "--timeout", "30",
                "--access-logfile", str(self.access),
                "--access-logformat", "%(p)s %(U)s %(s)s",
                "--error-logfile", str(self.errors),
                "hotline.app:create_app()",
            ],
            cwd=ROOT,
            env=environ,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as reply:  # noqa: S310
                    if reply.status == 200 and len(self.workers()) == 2:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise AssertionError("gunicorn did not start:\n" + self.errors.read_text())

    def workers(self) -> list[int]:
        """The master's child processes (from /proc)."""
        children = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    children.append(int(entry.name))
        return children

    def worker_of_request(self, number: int) -> int:
        """The pid of the worker that answered the `number`-th request (access log)."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            lines = self.access.read_text().splitlines() if self.access.exists() else []
            lines = [line for line in lines if "/healthz" not in line]
            if len(lines) >= number:
                found = re.match(r"<?(\d+)>?", lines[number - 1])
                assert found, lines[-1]
                return int(found.group(1))
            time.sleep(0.05)
        raise AssertionError("no access log line")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def gunicorn(database_url: str, tmp_path: Path, session: Session) -> Iterator[Gunicorn]:
    make_customer(session, stations={"1": [STATION]})
    make_agent(session, "Anna", AGENTS[0])
    make_agent(session, "Ben", AGENTS[1])
    server = Gunicorn(database_url, tmp_path)
    yield server
    server.stop()


class KillingTransport(HttpTransport):
    """After every answer, kill -9 the worker that gave it: the next step meets another."""

    def __init__(self, server: Gunicorn) -> None:
        super().__init__(AUTH_TOKEN, timeout=20)
        self.server = server
        self.killed: list[int] = []
        self.served_by: list[int] = []

    def post(self, url: str, params: dict[str, str]) -> tuple[int, str]:
        answer = super().post(url, params)
        pid = self.server.worker_of_request(len(self.served_by) + 1)
        self.served_by.append(pid)
        os.kill(pid, signal.SIGKILL)
        self.killed.append(pid)
        return answer


def test_a_web_worker_killed_between_two_steps(
    gunicorn: Gunicorn, session: Session, figures: Figures
) -> None:
    transport = KillingTransport(gunicorn)
    fault = figures.fault("gunicorn worker killed -9 between steps")
    walk = Walker(
        transport, gunicorn.base, STATION, to="+4930120045670", keys=["1"], dial_result="completed"
    ).run()
    for exchange in walk.exchanges:
        assert exchange.status == 200, (exchange.url, exchange.status, exchange.body)
        check_twiml(exchange.body)
    assert len(walk.exchanges) >= 3
    # Every step was answered by a process that had not answered the step before.
    assert all(a != b for a, b in zip(transport.served_by, transport.served_by[1:], strict=False))
    assert walk.dialed == [AGENTS], walk.transcript
    assert "Auf Wiederhören" in walk.heard() or walk.ended_by, walk.transcript
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Call)) == 1
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1
    assert session.scalar(select(Call.outcome)) is not None
    fault.survived()
    for _ in range(len(transport.killed) - 2):  # one fault per kill followed by a step
        figures.fault("gunicorn worker killed -9 between steps").survived()


def test_the_active_scheduler_killed_with_callbacks_waiting(
    schedulers: Schedulers,  # noqa: F811
    engine: Engine,  # noqa: F811
    figures: Figures,
) -> None:
    fault = figures.fault("scheduler killed -9 (standby takes over, released once)")
    kill_9_scheduler(schedulers, engine)
    fault.survived()
