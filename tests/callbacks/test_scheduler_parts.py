"""The lock, the release sweep and the daily jobs, in-process."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from sqlalchemy import func, select

from callback.daily import clean_up, roll_over_contracts
from callback.locking import scheduler_lock
from callback.release import release_due
from callback.scheduler import Jobs, SchedulerService, build_scheduler
from hotline.clock import FixedClock
from hotline.models import Callback, ContractEvent
from hotline.runtime import Runtime
from tests.callbacks.conftest import World
from tests.callbacks.test_processes import queue
from tests.conftest import berlin


def test_the_lock_is_exclusive_and_free_again_after_release(rt: Runtime) -> None:
    first, second = scheduler_lock(rt.engine), scheduler_lock(rt.engine)
    assert first.acquire() is True
    assert first.still_held()
    assert second.acquire() is False
    first.release()
    assert second.acquire() is True
    second.release()


def test_release_sweep_is_one_idempotent_statement(rt: Runtime, clock: FixedClock) -> None:
    monday = berlin(2026, 11, 30, 9, 0)
    queue(rt.engine, 2000, monday, berlin(2026, 11, 28, 12, 0), "7")
    queue(rt.engine, 10, monday + timedelta(days=1), berlin(2026, 11, 28, 12, 0), "8")
    assert release_due(rt.engine, clock.now()) == 2000
    assert release_due(rt.engine, clock.now()) == 0
    with rt.sessions() as session:
        assert session.scalar(select(func.max(Callback.releases))) == 1
        assert session.scalar(select(func.count()).where(Callback.status == "queued")) == 10


def test_service_catches_up_at_once_and_stops(rt: Runtime, clock: FixedClock) -> None:
    queue(rt.engine, 5, berlin(2026, 11, 30, 9, 0), berlin(2026, 11, 27, 20, 0), "9")
    service = SchedulerService(rt, lock_retry_seconds=0.1)
    stop = threading.Event()
    thread = threading.Thread(target=service.run, args=(stop,), daemon=True)
    thread.start()
    assert service.active.wait(10)
    with rt.sessions() as session:
        assert session.scalar(select(func.count()).where(Callback.status == "due")) == 5
    stop.set()
    thread.join(10)
    assert not thread.is_alive()
    after = scheduler_lock(rt.engine)
    assert after.acquire()  # released on stop
    after.release()  # a lock left held would keep every later scheduler of this schema standby


def test_jobs_are_registered_with_coalesce_and_grace(rt: Runtime) -> None:
    scheduler = build_scheduler(rt, Jobs(rt))
    scheduler.start(paused=True)  # job defaults apply once the scheduler runs
    jobs = {job.id: job for job in scheduler.get_jobs()}
    scheduler.shutdown(wait=False)
    assert set(jobs) == {"release", "release-at-opening", "contracts", "retention", "mail"}
    for job in jobs.values():
        assert job.coalesce is True
        assert job.misfire_grace_time >= 60
        assert job.args == () and job.kwargs == {}
    assert "hour='9'" in str(jobs["release-at-opening"].trigger)


def test_contract_roll_over_and_end_are_recorded_once(world: World, clock: FixedClock) -> None:
    rt = world.rt
    with rt.sessions() as session, session.begin():
        assert roll_over_contracts(session, date(2026, 11, 30), clock.now()) == 1
        assert roll_over_contracts(session, date(2026, 11, 30), clock.now()) == 0
        details = list(session.scalars(select(ContractEvent.detail)))
    assert details == ["term 2: 2026-03-01 to 2027-02-28"]


def test_retention_forgets_old_recordings_only_of_closed_callbacks(
    world: World, clock: FixedClock
) -> None:
    rt = world.rt
    old = world.add_callback(at=clock.now() - timedelta(days=120), phone="+493011111111")
    fresh = world.add_callback(phone="+493022222222")
    with rt.sessions() as session, session.begin():
        for cb_id in (old, fresh):
            cb = session.get(Callback, cb_id)
            assert cb is not None
            cb.recording_url, cb.status = "https://api.twilio.com/rec/RE1", "done"
    with rt.sessions() as session, session.begin():
        removed = clean_up(session, rt.settings, clock.now())
    assert removed["recordings"] == 1
    assert world.get(old).recording_url is None
    assert world.get(fresh).recording_url is not None
