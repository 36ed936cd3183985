"""Fixtures: a migrated database per test (SQLite always, PostgreSQL when configured),
a pinned clock, the app, its test client and CLI runner.

Set HOTLINE_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test to run
every database test on PostgreSQL as well; each run migrates into a schema of its own
and every test starts from empty tables.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from hotline.app import create_app
from hotline.cli import cli as hotline_cli
from hotline.clock import FixedClock
from hotline.db import make_engine, migrate
from hotline.models import Base
from hotline.runtime import Runtime, build_runtime
from hotline.settings import Settings, load_settings

BERLIN = ZoneInfo("Europe/Berlin")
PG_URL = os.environ.get("HOTLINE_TEST_DATABASE_URL", "")
DATABASES = ["sqlite"] + (["postgresql"] if PG_URL else [])


def postgresql_only(rt: Runtime, why: str) -> Runtime:
    """Skip the test unless it runs on PostgreSQL; `why` says what SQLite lacks."""
    if rt.engine.dialect.name != "postgresql":
        pytest.skip(why)
    return rt


def berlin(*args: int) -> datetime:
    """An aware datetime in Berlin time: berlin(2026, 11, 30, 10, 0)."""
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "hotline.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if not PG_URL:
        pytest.skip("HOTLINE_TEST_DATABASE_URL is not set")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{separator}options=-csearch_path%3D{schema}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    yield url
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _empty_postgres(url: str) -> None:
    # DELETE, children before parents, rather than TRUNCATE: TRUNCATE takes an ACCESS
    # EXCLUSIVE lock on table after table, so it waits for (and can deadlock with)
    # autovacuum or any connection still touching a table, e.g. one a server thread of
    # the test before is closing. DELETE's ROW EXCLUSIVE locks conflict with neither.
    engine = create_engine(url)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
        # What RESTART IDENTITY did: ids start at 1 again.
        connection.execute(
            text(
                "SELECT setval(c.oid, 1, false) FROM pg_class c "
                "WHERE c.relkind = 'S' AND c.relnamespace = current_schema()::regnamespace"
            )
        )
        # The one counter the migration seeds (a test may have removed it or added others).
        connection.execute(text("INSERT INTO counters (name, value) VALUES ('ticket', 100000)"))
    engine.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: a copied SQLite file, or emptied PostgreSQL tables."""
    if request.param == "sqlite":
        path = tmp_path / "hotline.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def clock() -> FixedClock:
    """Monday 30 November 2026, 10:00 in Berlin: the hotline is open."""
    return FixedClock(berlin(2026, 11, 30, 10, 0))


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Extra settings for one test module: override this fixture."""
    return {}


@pytest.fixture
def settings(database_url: str, settings_overrides: dict[str, object], tmp_path: Path) -> Settings:
    values: dict[str, object] = {
        "HOTLINE_ENV": "test",
        "HOTLINE_DATABASE_URL": database_url,
        "HOTLINE_NUMBER": "+4930120045670",
        # Never the working directory's instance/spool: a test must not replay another's.
        "hotline.spool_dir": str(tmp_path / "spool"),
    }
    values.update(settings_overrides)
    return load_settings(environ={}, overrides=values)


@pytest.fixture
def rt(settings: Settings, clock: FixedClock) -> Iterator[Runtime]:
    runtime = build_runtime(settings, clock)
    yield runtime
    runtime.dispose()


@pytest.fixture
def session(rt: Runtime) -> Iterator[Session]:
    with rt.sessions() as s:
        yield s


@pytest.fixture
def app(rt: Runtime) -> Flask:
    return create_app(runtime=rt)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class HotlineCliRunner(FlaskCliRunner):
    """Invokes the `hotline` command (with the commands the app adds) on the test app."""

    def invoke(self, cli: Any = None, args: Any = None, **kwargs: Any) -> Any:
        return super().invoke(cli or hotline_cli, args=args, **kwargs)


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return HotlineCliRunner(app)
