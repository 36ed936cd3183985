"""Engine, sessions and schema migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import CursorResult, Engine, Result, create_engine, event, text
from sqlalchemy.exc import DBAPIError, InvalidatePoolError
from sqlalchemy.orm import Session, sessionmaker

from ivr_flows.fastpath.engines import SQLITE_CONNECTION, install, webhook_engine_options

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_LOCK_WAIT_SECONDS = 5
# Reads of a SQLite file through a memory map instead of a read() per page: with a large
# directory, a caller lookup touches index and table pages all over the file, and copying
# each one into the connection's own page cache made the lookup in a large directory
# slower than in a small one. The map shares the OS page cache between the workers; it
# does not copy the file into each of them.
SQLITE_MMAP_BYTES = 256 * 1024 * 1024


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the per-dialect settings the hotline relies on."""
    if url.startswith("sqlite"):
        # Several processes (web, scheduler, CLI) share one file: wait for locks
        # instead of failing at once, and let readers run beside a writer. The wait
        # stays well under Twilio's 15 s webhook limit, so a caller whose step
        # cannot get the lock still hears our own fallback, not Twilio's error.
        # The fast path's connection class: writers of all processes take turns without
        # SQLite's naps.
        connect_args = {"timeout": SQLITE_LOCK_WAIT_SECONDS, "factory": SQLITE_CONNECTION}
        engine = create_engine(url, connect_args=connect_args, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_LOCK_WAIT_SECONDS * 1000}")
            cursor.execute(f"PRAGMA mmap_size={SQLITE_MMAP_BYTES}")
            cursor.close()

        return engine
    kwargs.setdefault("connect_args", {"connect_timeout": 5})
    engine = create_engine(url, **kwargs)
    _pre_ping(engine)
    install(engine)
    return engine


def make_webhook_engine(engine: Engine, url: str, **kwargs: Any) -> Engine:
    """The voice webhooks' engine: on PostgreSQL a pool of its own, on SQLite `engine`
    itself (ivr_flows/fastpath/engines.py says why)."""
    options = webhook_engine_options(engine, kwargs)
    return engine if options is None else make_engine(url, **options)


# Set by callers that retry once when a pooled connection turns out dead (see `unpinged`).
_SKIP_PING: ContextVar[bool] = ContextVar("hotline_skip_ping", default=False)


@contextmanager
def unpinged() -> Iterator[None]:
    """Connections checked out inside are not pinged first.

    For the webhooks, which retry once when a pooled connection turns out dead: the
    ping would cost every request a round trip to PostgreSQL for the rare restart.
    """
    token = _SKIP_PING.set(True)
    try:
        yield
    finally:
        _SKIP_PING.reset(token)


def connection_was_dead(exc: BaseException) -> bool:
    """Whether `exc` came from a pooled connection that had died: what `unpinged` callers
    retry once (SQLAlchemy has renewed the pool by then)."""
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def _pre_ping(engine: Engine) -> None:
    """SQLAlchemy's pool_pre_ping, except inside `unpinged`: a connection that died while
    pooled (database restarted, backend terminated) is replaced before it is used."""

    @event.listens_for(engine, "connect")
    def _fresh(_dbapi_connection: Any, record: Any) -> None:
        record.info["fresh"] = True

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.info.pop("fresh", False) or _SKIP_PING.get():
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # whatever the reason, this connection is not usable
            raise InvalidatePoolError(f"pooled connection is gone: {exc}") from exc
        if not alive:
            raise InvalidatePoolError("pooled connection is gone")


def rows_changed(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE run by Session.execute matched.

    Session.execute is typed to return a Result whatever the statement; for an UPDATE or
    DELETE it is a CursorResult, the one that knows the rowcount.
    """
    if not isinstance(result, CursorResult):
        raise TypeError(f"no rowcount on {type(result).__name__}: not an UPDATE or DELETE")
    return result.rowcount


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (views render after committing)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with factory() as session, session.begin():
        yield session


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs the packaged migrations on `engine`."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision."""
    command.upgrade(alembic_config(engine), "heads")


def ping(engine: Engine) -> None:
    """Raise if the database cannot answer a trivial query."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
