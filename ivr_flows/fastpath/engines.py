"""What the fast path needs of the engines, asked for by hotline/db.py as it builds them.

On PostgreSQL the voice webhooks get a pool of their own whose connections read in
autocommit for good (transactions.py sends BEGIN at a step's first write): switching a
shared connection to autocommit and back cost every step a good part of its connection
handling; and psycopg drops its prepared statements at every rollback, which the pages'
read-only requests end with, so on a shared pool the webhooks' statements were prepared
again and again. psycopg prepares nothing itself there: statements.py does, for the hot
statements (libpq.py), and psycopg's rollbacks would deallocate those too.

On SQLite the webhooks share the engine, whose connections queue their writers
(sqlite_writers.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from ivr_flows.fastpath import transactions
from ivr_flows.fastpath.sqlite_writers import QueuedConnection

# The DBAPI connection class of SQLite engines (`sqlite3.connect(..., factory=...)`).
SQLITE_CONNECTION = QueuedConnection


def install(engine: Engine) -> None:
    """Let the fast path work on this engine's connections (on PostgreSQL: a transaction
    begun at the first write, transactions.begin_at_first_write)."""
    if engine.dialect.name == "postgresql":
        transactions.install(engine)


def webhook_engine_options(engine: Engine, options: dict[str, Any]) -> dict[str, Any] | None:
    """The engine options of the webhooks' own pool beside `engine` (built with `options`),
    or None when the webhooks share `engine` (SQLite)."""
    if engine.dialect.name != "postgresql":
        return None
    options = dict(options)
    connect_args = {
        "connect_timeout": 5,
        **options.pop("connect_args", {}),
        "prepare_threshold": None,
    }
    return {**options, "isolation_level": "AUTOCOMMIT", "connect_args": connect_args}
