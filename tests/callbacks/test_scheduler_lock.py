"""The scheduler's PostgreSQL lock: one holder per hotline, also when several hotlines
(schemas) share one database, as parallel test runs and a staging copy do."""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine, text

from callback.locking import AdvisoryLock
from hotline.db import make_engine
from hotline.runtime import Runtime
from tests.conftest import PG_URL, postgresql_only


def test_one_scheduler_lock_per_schema_of_a_database(rt: Runtime) -> None:
    postgresql_only(rt, "SQLite's lock is a file beside the database file")
    schema = f"lock_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    elsewhere = make_engine(f"{PG_URL}{separator}options=-csearch_path%3D{schema}")
    first, second, other = AdvisoryLock(rt.engine), AdvisoryLock(rt.engine), AdvisoryLock(elsewhere)
    try:
        assert first.acquire()
        assert not second.acquire()  # the same hotline: one scheduler active
        assert other.acquire()  # another hotline in the same database has its own
        first.release()
        assert second.acquire()
        assert second.still_held() and other.still_held()
    finally:
        for lock in (first, second, other):
            lock.release()
        elsewhere.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
