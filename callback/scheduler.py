"""The scheduler: periodic sweeps in exactly one process, with standbys waiting.

Jobs (APScheduler 3, in-memory job store, no business data in job args):
- release: queued callbacks whose time has come become due, claims left alone
  longer than `callbacks.claim_timeout_minutes` go back to due, and customers of
  failed callbacks get their e-mail; every `callbacks.release_interval_seconds`
  and at the opening minute of every working day;
  first, the fallback calls noted in `hotline.spool_dir` while the database was
  down become calls and callback requests (callback.spool), so they are released
  in the same run;
- contracts: term roll-over and ends, daily at 00:10 local time;
- retention: clean-up, daily at 03:30 local time;
- mail: the e-mail outbox and, when configured, one IMAP poll (email_support.jobs),
  every minute;
- the live queue's dispatcher (callback/queue/dispatch.py), a thread of its own that
  hands waiting callers to agents who became free, several times a second.

All jobs are idempotent sweeps over our own tables, so they also run once the
moment a scheduler becomes active: a scheduler that was down all weekend (or a
standby taking over) catches up at once, whatever APScheduler missed.

Exactly one scheduler is active: the one holding the lock of `callback.locking`.
The others stay in standby and try the lock every `lock_retry_seconds` (5 s by
default), so one takes over within seconds of the active one dying.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.exc import SQLAlchemyError

from callback.daily import clean_up, roll_over_contracts
from callback.locking import SchedulerLock, scheduler_lock
from callback.notify import notify_failed
from callback.queue.dispatch import Dispatcher
from callback.release import release_due, release_stale_claims
from callback.spool import prune, replay
from hotline.runtime import Runtime

log = logging.getLogger("callback.scheduler")

DEFAULT_LOCK_RETRY_SECONDS = 5.0
# Generous: a job that was due while the process was busy or suspended still runs
# (once, thanks to coalesce) instead of being dropped after APScheduler's default 1 s.
MISFIRE_GRACE_SECONDS = 6 * 3600
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Jobs:
    """The job functions; they read everything from the runtime, nothing from job args."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    def release(self) -> int:
        try:
            self.spool()
        except OSError:
            # The spool directory is unreadable: the release itself must still run.
            log.exception("cannot replay the fallback spool in %s", self.rt.settings.spool_dir)
        now = self.rt.clock.now()
        released = release_due(self.rt.engine, now)
        if released:
            log.info("released %d callback(s)", released)
        freed = release_stale_claims(
            self.rt.engine,
            now,
            self.rt.settings.callback_claim_timeout_minutes,
            self.rt.calendar.zone,
        )
        if freed:
            log.info("gave back %d claim(s) left without action", freed)
        notified = notify_failed(self.rt.sessions, self.rt.settings, self.rt.calendar, now)
        if notified:
            log.info("told %d customer(s) by e-mail that we could not reach them", notified)
        return released

    def spool(self) -> int:
        """Replay the fallback spool; returns the entries brought into the database."""
        result = replay(self.rt)
        if result.entries or result.rejected:
            log.info(
                "fallback spool: %d entr(ies), %d new call(s), %d callback request(s), "
                "%d line(s) kept aside",
                result.entries,
                result.calls,
                result.callbacks,
                result.rejected,
            )
        return result.entries

    def contracts(self) -> int:
        now = self.rt.clock.now()
        today = now.astimezone(self.rt.calendar.zone).date()
        with self.rt.sessions() as session, session.begin():
            added = roll_over_contracts(session, today, now)
        if added:
            log.info("recorded %d contract renewal(s)/end(s)", added)
        return added

    def retention(self) -> dict[str, int]:
        now = self.rt.clock.now()
        with self.rt.sessions() as session, session.begin():
            removed = clean_up(session, self.rt.settings, now)
        removed["spool_files"] = prune(
            Path(self.rt.settings.spool_dir), now, self.rt.settings.retention_recordings_days
        )
        if any(removed.values()):
            log.info("retention clean-up: %s", removed)
        return removed

    def mail(self) -> dict[str, int]:
        from email_support.jobs import mail_run

        return mail_run(self.rt)

    def catch_up(self) -> None:
        """Run every job once, now (on becoming the active scheduler)."""
        for job in (self.release, self.contracts, self.retention, self.mail):
            try:
                job()
            except (SQLAlchemyError, OSError):
                log.exception("catch-up of %s failed; the periodic run retries", job.__name__)


def build_scheduler(rt: Runtime, jobs: Jobs) -> BackgroundScheduler:
    """An APScheduler with our jobs, not started."""
    calendar = rt.calendar
    zone = calendar.zone
    scheduler = BackgroundScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=2)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": MISFIRE_GRACE_SECONDS,
        },
        timezone=zone,
    )
    every = rt.settings.callback_release_interval_seconds
    scheduler.add_job(
        jobs.release,
        IntervalTrigger(seconds=every, timezone=zone),
        id="release",
        name="release due callbacks",
        misfire_grace_time=max(every * 10, 60),
    )
    weekdays = ",".join(_DAYS[d] for d in sorted(calendar.weekdays)) or "mon-fri"
    scheduler.add_job(
        jobs.release,
        CronTrigger(
            day_of_week=weekdays,
            hour=calendar.opens.hour,
            minute=calendar.opens.minute,
            timezone=zone,
        ),
        id="release-at-opening",
        name="release at the opening minute",
    )
    scheduler.add_job(
        jobs.contracts,
        CronTrigger(hour=0, minute=10, timezone=zone),
        id="contracts",
        name="contract roll-over and ends",
    )
    scheduler.add_job(
        jobs.retention,
        CronTrigger(hour=3, minute=30, timezone=zone),
        id="retention",
        name="retention clean-up",
    )
    scheduler.add_job(
        jobs.mail,
        IntervalTrigger(seconds=60, timezone=zone),
        id="mail",
        name="send the outbox, fetch new mail",
    )
    return scheduler


class SchedulerService:
    """Standby until the lock is ours, then run the jobs until stopped or the lock is lost."""

    def __init__(
        self,
        rt: Runtime,
        *,
        lock_retry_seconds: float = DEFAULT_LOCK_RETRY_SECONDS,
        lock_factory: Callable[[Runtime], SchedulerLock] | None = None,
    ) -> None:
        self.rt = rt
        self.lock_retry_seconds = lock_retry_seconds
        self.lock = (lock_factory or (lambda r: scheduler_lock(r.engine)))(rt)
        self.jobs = Jobs(rt)
        self.active = threading.Event()

    def run(self, stop: threading.Event) -> None:
        """Block until `stop` is set."""
        standby_said = False
        while not stop.is_set():
            try:
                got = self.lock.acquire()
            except SQLAlchemyError as exc:
                log.warning("cannot reach the database for the scheduler lock: %s", exc)
                got = False
            if not got:
                if not standby_said:
                    log.info(
                        "scheduler standby (pid %d): another scheduler is active; "
                        "trying again every %.0f s",
                        os.getpid(),
                        self.lock_retry_seconds,
                    )
                    standby_said = True
                stop.wait(self.lock_retry_seconds)
                continue
            standby_said = False
            self._run_active(stop)

    def _run_active(self, stop: threading.Event) -> None:
        log.info("scheduler active (pid %d)", os.getpid())
        self.jobs.catch_up()
        scheduler = build_scheduler(self.rt, self.jobs)
        scheduler.start()
        # The live queue's dispatcher: a tick of its own, far shorter than APScheduler's jobs.
        dispatcher = Dispatcher(self.rt).start()
        self.active.set()
        try:
            while not stop.wait(self.lock_retry_seconds):
                if not self.lock.still_held():
                    log.warning("scheduler lock lost: back to standby")
                    break
        finally:
            self.active.clear()
            dispatcher.stop()
            scheduler.shutdown(wait=True)
            self.lock.release()
            log.info("scheduler stopped being active (pid %d)", os.getpid())


def start_in_background(rt: Runtime, **options: Any) -> tuple[threading.Thread, threading.Event]:
    """Run a SchedulerService in a daemon thread (for `hotline serve`); set the event to stop."""
    stop = threading.Event()
    service = SchedulerService(rt, **options)
    thread = threading.Thread(
        target=service.run, args=(stop,), name="hotline-scheduler", daemon=True
    )
    thread.start()
    return thread, stop
