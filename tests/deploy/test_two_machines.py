"""More than one machine: two web processes (`hotline serve` in production, each gunicorn
with the packaged configuration) behind one nginx, and two schedulers, all on one
PostgreSQL. The active scheduler is killed with -9 in the middle of the opening-minute
release; the standby takes over and finishes it: every callback released once, none lost.

The kill lands mid-statement for sure: the test holds a row lock on one of the callbacks,
so the active scheduler's release UPDATE (one statement for the whole backlog) has changed
rows and waits when it is killed. Its figures are printed at the end.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from callback.locking import AdvisoryLock
from callback.scheduler import DEFAULT_LOCK_RETRY_SECONDS
from hotline.clock import SystemClock
from hotline.models import Callback
from ivr_flows.walker import Walker
from tests.callbacks.test_processes import Schedulers, queue, says, wait_for
from tests.callbacks.test_processes import engine as engine  # noqa: F401 - fixture
from tests.callbacks.test_processes import schedulers as schedulers  # noqa: F401 - fixture
from tests.deploy.conftest import (
    HOTLINE_NUMBER,
    Certificate,
    Nginx,
    TlsTransport,
    WebServer,
    production_env,
)
from tests.factories import make_customer

# Production's: a standby tries the lock every 5 s.
LOCK_RETRY = str(DEFAULT_LOCK_RETRY_SECONDS)
BACKLOG = 10_000  # a Monday morning's callbacks, released in one statement
TAG = "7"  # queue() numbers the backlog +49301 7 nnnnnn
STATION = "+49304412345"


@dataclass
class Machines:
    nginx: Nginx
    webs: list[WebServer]


@pytest.fixture
def machines(database_url: str, tmp_path: Path, certificate: Certificate) -> Iterator[Machines]:
    if not database_url.startswith("postgresql"):
        pytest.skip("machines share one PostgreSQL (the scheduler lock is an advisory lock)")
    nginx = Nginx(tmp_path, [], certificate)
    webs = [
        WebServer(
            tmp_path / f"web{n}",
            production_env(database_url, nginx.public_url, WEB_CONCURRENCY="1"),
        )
        for n in (1, 2)
    ]
    nginx.upstreams.extend(web.address for web in webs)
    try:
        for web in webs:
            web.start()
        nginx.start()
        yield Machines(nginx, webs)
    finally:
        nginx.stop()
        for web in webs:
            web.stop()


def backlog_counts(db: Engine) -> dict[str, int]:
    with db.connect() as connection:
        rows = connection.execute(
            select(Callback.status, func.count())
            .where(Callback.phone.like(f"+49301{TAG}%"))
            .group_by(Callback.status)
        )
        return {status: int(n) for status, n in rows}


def waiting_on_the_lock(db: Engine, application: str) -> bool:
    """Whether that scheduler's release UPDATE is running and waits for a row lock."""
    with db.connect() as connection:
        return bool(
            connection.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = :name "
                    "AND wait_event_type = 'Lock' AND query ILIKE 'UPDATE callbacks SET status%'"
                ),
                {"name": application},
            )
        )


def test_two_web_machines_and_a_scheduler_killed_during_the_opening_release(
    machines: Machines,
    schedulers: Schedulers,  # noqa: F811
    engine: Engine,  # noqa: F811
    session: Session,
    certificate: Certificate,
) -> None:
    # A call through nginx: its steps are answered by both web machines.
    make_customer(session, stations={"1": [STATION]})
    walk = Walker(
        TlsTransport(certificate.client_context()),
        machines.nginx.public_url,
        STATION,
        to=HOTLINE_NUMBER,
        keys=["1", "1", ""],
    ).run()
    assert all(e.status in (200, 204) for e in walk.exchanges), walk.transcript
    assert all(web.requests_logged() for web in machines.webs), "a web machine got no step"
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Callback)) == 1

    # Nothing of an earlier test may hold this schema's scheduler lock, or A stays standby.
    probe = AdvisoryLock(engine)
    assert probe.acquire(), "the scheduler lock is held already (an earlier test did not let go)"
    probe.release()

    run = uuid.uuid4().hex[:8]
    a_name, b_name = f"hotline-scheduler-a-{run}", f"hotline-scheduler-b-{run}"
    a, a_log = schedulers.start("a", LOCK_RETRY, PGAPPNAME=a_name)
    wait_for(says(a_log, "scheduler active"), what="scheduler A active")
    _b, b_log = schedulers.start("b", LOCK_RETRY, PGAPPNAME=b_name)
    wait_for(says(b_log, "scheduler standby"), what="scheduler B in standby")

    clock = SystemClock()
    opening = clock.now() + timedelta(seconds=6)
    queue(engine, BACKLOG, opening, opening - timedelta(days=3), TAG)
    with engine.connect() as holder:
        holder.begin()
        holder.execute(
            select(Callback.id)
            .where(Callback.phone == f"+49301{TAG}{BACKLOG - 1:06d}")
            .with_for_update()
        ).one()
        assert clock.now() < opening, "the backlog took longer to queue than its opening"
        wait_for(
            lambda: waiting_on_the_lock(engine, a_name),
            timeout=30,
            what="A's opening release to run into the held row",
        )
        assert backlog_counts(engine) == {"queued": BACKLOG}  # nothing committed yet
        os.kill(a.pid, signal.SIGKILL)
        killed = time.monotonic()
        a.wait(timeout=10)
        holder.rollback()  # A's orphaned statement may now end; PostgreSQL rolls it back

    wait_for(says(b_log, "scheduler active"), what="B taking over")
    takeover = time.monotonic() - killed
    wait_for(lambda: backlog_counts(engine) == {"due": BACKLOG}, timeout=60, what="B releasing")
    finished = time.monotonic() - killed

    with engine.connect() as connection:
        releases = connection.execute(
            select(
                func.min(Callback.releases),
                func.max(Callback.releases),
                func.count(func.distinct(Callback.released_at)),
            ).where(Callback.phone.like(f"+49301{TAG}%"))
        ).one()
    assert tuple(releases) == (1, 1, 1)  # each once, all in B's one statement
    assert f"released {BACKLOG} callback(s)" in b_log.read_text()
    print(
        f"\ntwo machines: {BACKLOG} callbacks due at the opening minute, active scheduler "
        f"killed -9 mid-release; standby active after {takeover:.2f} s, all released "
        f"after {finished:.2f} s (standby's lock retry {LOCK_RETRY} s), each exactly once"
    )
