"""Real processes: the scheduler fail-over (kill -9), a late start, and claims from two
processes. Run on SQLite, and on PostgreSQL when HOTLINE_TEST_DATABASE_URL is set.

Knobs: `hotline scheduler --lock-retry 0.3` and a HOTLINE_CONFIG file with
`[callbacks] release_interval_seconds = 1` shorten the intervals for the test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, insert, select, update

from hotline.clock import SystemClock
from hotline.db import make_engine
from hotline.models import Callback
from tests.conftest import berlin

HOTLINE = str(Path(sys.executable).parent / "hotline")
LOCK_RETRY = "0.3"


def wait_for(condition: Callable[[], bool], timeout: float = 20, what: str = "") -> float:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            seen = f"; the log ends:\n{condition.tail()}" if isinstance(condition, Says) else ""
            raise AssertionError(f"timed out after {timeout}s waiting for {what}{seen}")
        time.sleep(0.05)
    return time.monotonic() - start


class Schedulers:
    def __init__(self, database_url: str, tmp_path: Path) -> None:
        self.database_url = database_url
        self.tmp_path = tmp_path
        self.config = tmp_path / "fast.toml"
        self.config.write_text("[callbacks]\nrelease_interval_seconds = 1\n")
        self.processes: list[subprocess.Popen[bytes]] = []

    def start(
        self, name: str, lock_retry: str = LOCK_RETRY, **env: str
    ) -> tuple[subprocess.Popen[bytes], Path]:
        log = self.tmp_path / f"{name}.log"
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TWILIO_"))}
        environ.update(
            HOTLINE_ENV="test",
            HOTLINE_DATABASE_URL=self.database_url,
            HOTLINE_CONFIG=str(self.config),
            HOTLINE_INSTANCE_PATH=str(self.tmp_path / "instance"),
            **env,
        )
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [HOTLINE, "scheduler", "--lock-retry", lock_retry],
                cwd=self.tmp_path,
                env=environ,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process, log

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def schedulers(database_url: str, tmp_path: Path) -> Iterator[Schedulers]:
    s = Schedulers(database_url, tmp_path)
    yield s
    s.stop_all()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    e = make_engine(database_url)
    yield e
    e.dispose()


class Says:
    """Whether a process's log contains a text; on a timeout its last lines say why not."""

    def __init__(self, log: Path, text: str) -> None:
        self.log, self.text = log, text

    def __call__(self) -> bool:
        return self.log.exists() and self.text in self.log.read_text(errors="replace")

    def tail(self, lines: int = 20) -> str:
        if not self.log.exists():
            return f"({self.log} was never written)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def says(log: Path, text: str) -> Says:
    return Says(log, text)


def queue(engine: Engine, count: int, due_at: datetime, requested_at: datetime, tag: str) -> None:
    rows = [
        {
            "phone": f"+49301{tag}{i:06d}",
            "category": "technical",
            "priority": 1,
            "status": "queued",
            "requested_at": requested_at,
            "due_at": due_at,
            "attempts": 0,
            "note": "",
            "updated_at": requested_at,
            "releases": 0,
        }
        for i in range(count)
    ]
    with engine.begin() as connection:
        connection.execute(insert(Callback), rows)


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(select(Callback.status, func.count()).group_by(Callback.status))
        return {status: int(n) for status, n in rows}


def max_releases(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.max(Callback.releases))) or 0)


def test_kill_9_the_active_scheduler_and_the_standby_takes_over(
    schedulers: Schedulers, engine: Engine
) -> None:
    clock = SystemClock()
    a, a_log = schedulers.start("a")
    wait_for(says(a_log, "scheduler active"), what="scheduler A active")
    b, b_log = schedulers.start("b")
    wait_for(says(b_log, "scheduler standby"), what="scheduler B in standby")

    now = clock.now()
    queue(engine, 200, now - timedelta(minutes=1), now - timedelta(minutes=5), "1")
    wait_for(lambda: counts(engine).get("due") == 200, what="A releasing the first batch")

    # Callbacks waiting for their time when A dies.
    now = clock.now()
    queue(engine, 300, now + timedelta(seconds=2), now, "2")
    os.kill(a.pid, signal.SIGKILL)
    a.wait(timeout=10)
    killed = time.monotonic()
    takeover = wait_for(says(b_log, "scheduler active"), what="B taking over")
    queue(engine, 100, clock.now() - timedelta(hours=60), now, "3")  # waited all weekend
    wait_for(lambda: counts(engine).get("due") == 600, timeout=30, what="B releasing the rest")
    assert counts(engine) == {"due": 600}
    assert max_releases(engine) == 1  # every callback released exactly once
    print(f"\ntakeover after kill -9: {takeover:.2f}s (lock retry {LOCK_RETRY}s)")
    assert time.monotonic() - killed < 60


def test_second_scheduler_stays_standby_while_the_first_lives(
    schedulers: Schedulers, engine: Engine
) -> None:
    _a, a_log = schedulers.start("a")
    wait_for(says(a_log, "scheduler active"), what="A active")
    _b, b_log = schedulers.start("b")
    wait_for(says(b_log, "scheduler standby"), what="B standby")
    time.sleep(1.5)
    assert "scheduler active" not in b_log.read_text()


def test_scheduler_started_long_after_the_opening_minute_releases_everything(
    schedulers: Schedulers, engine: Engine
) -> None:
    friday_evening = berlin(2026, 11, 27, 19, 30)
    monday_opening = berlin(2026, 11, 30, 9, 0)
    queue(engine, 500, monday_opening, friday_evening, "4")
    queue(engine, 5, berlin(2026, 12, 1, 9, 0), friday_evening, "5")  # tomorrow: stays
    _p, log = schedulers.start("late", HOTLINE_NOW="2026-11-30T11:45:00+01:00")
    wait_for(lambda: counts(engine).get("due") == 500, what="the late scheduler releasing")
    assert counts(engine) == {"due": 500, "queued": 5}
    with engine.connect() as connection:
        released = set(connection.scalars(select(Callback.released_at).distinct()))
    assert released == {berlin(2026, 11, 30, 11, 45), None}
    assert max_releases(engine) == 1


CLAIMER = textwrap.dedent(
    """
    import sys
    from hotline.clock import SystemClock
    from hotline.db import make_engine, make_session_factory
    from callback.lifecycle import claim
    url = sys.argv[1]
    agent, first, last = (int(a) for a in sys.argv[2:5])
    go = float(sys.argv[5])
    import time
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    while time.time() < go:
        time.sleep(0.001)
    wins = []
    for callback_id in range(first, last + 1):
        with sessions() as session, session.begin():
            if claim(session, callback_id, agent, SystemClock().now()):
                wins.append(callback_id)
    print(" ".join(map(str, wins)))
    """
)


def test_two_processes_claiming_the_same_callbacks(engine: Engine, database_url: str) -> None:
    from hotline.accounts.agents import add_agent

    clock = SystemClock()
    with engine.begin() as connection:
        from sqlalchemy.orm import Session

        with Session(bind=connection) as session:
            ids = [
                add_agent(
                    session,
                    email=f"p{i}@x.example",
                    name=f"P{i}",
                    phone="+4915112345678",
                    now=clock.now(),
                ).id
                for i in range(2)
            ]
            session.flush()
    queue(engine, 200, clock.now() - timedelta(minutes=1), clock.now(), "6")
    with engine.begin() as connection:
        connection.execute(update(Callback).values(status="due"))
        first, last = connection.execute(select(func.min(Callback.id), func.max(Callback.id))).one()
    go = time.time() + 1.5  # noqa: DTZ005 - a start signal shared by processes, not business time
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                CLAIMER,
                database_url,
                str(agent),
                str(first),
                str(last),
                str(go),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for agent in ids
    ]
    results = [p.communicate(timeout=60) for p in processes]
    wins = [set(map(int, out.split())) for out, _err in results]
    assert all(p.returncode == 0 for p in processes), [err for _o, err in results]
    assert wins[0].isdisjoint(wins[1])
    assert wins[0] | wins[1] == set(range(first, last + 1))
    with engine.connect() as connection:
        assert (
            connection.scalar(select(func.count()).where(Callback.status == "claimed"))
            == last - first + 1
        )
