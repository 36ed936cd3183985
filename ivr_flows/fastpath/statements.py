"""Hot statements run straight on the DBAPI cursor, compiled once per dialect.

The webhooks run the same dozen statements for every step of every call, and for them
SQLAlchemy's execution path (cache key, execution context, result metadata) costs more
than the database's own work. A `Prepared` statement keeps what
matters of that path and skips the rest: the SQL is SQLAlchemy's, compiled for the dialect;
the column types' bind and result processing is applied (UTC datetimes on SQLite); errors
are SQLAlchemy's (IntegrityError, connection invalidation on a disconnect); and it runs in
the connection's transaction. Of SQLAlchemy's events only `before_cursor_execute` fires
(with no execution context); SQL echo does not show these statements. On the webhooks'
PostgreSQL connections the statement goes to libpq directly (libpq.py);
elsewhere to a DBAPI cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.selectable import Select

from ivr_flows.fastpath import libpq as direct

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    positions: tuple[str, ...] | None  # bind names in order, for positional paramstyles
    literals: dict[str, Any]  # values the statement carries itself (e.g. status="open")
    binds: dict[str, Processor]
    keys: tuple[str, ...]  # result columns
    libpq: direct.Statement | None  # PostgreSQL (psycopg): run through libpq.py
    # (column index, processor) of the result columns whose type has a processor
    results: tuple[tuple[int, Callable[[Any], Any]], ...]


class Prepared:
    """A Core SELECT, INSERT or UPDATE for the hot path (see the module docstring).

    Compiled on first use for each dialect and set of parameter names (an INSERT's columns
    are the names it is given); thread-safe (at worst two threads compile it both).
    """

    def __init__(self, statement: Select[Any] | UpdateBase) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, frozenset[str]], _Compiled] = {}

    def rows(
        self, conn: Connection, params: Mapping[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """All result rows as tuples, in the order of the statement's columns."""
        return self._run(conn, params or {})[0]

    def first(
        self, conn: Connection, params: Mapping[str, Any] | None = None
    ) -> dict[str, Any] | None:
        """The first row as a dict by column key, or None."""
        rows, _count, compiled = self._run(conn, params or {})
        return dict(zip(compiled.keys, rows[0], strict=True)) if rows else None

    def scalar(self, conn: Connection, params: Mapping[str, Any] | None = None) -> Any:
        """The first column of the first row, or None."""
        rows = self._run(conn, params or {})[0]
        return rows[0][0] if rows else None

    def rowcount(self, conn: Connection, params: Mapping[str, Any] | None = None) -> int:
        """Rows written (INSERT) or matched (UPDATE, DELETE)."""
        return self._run(conn, params or {})[1]

    def _compile(self, dialect: Dialect, names: frozenset[str]) -> _Compiled:
        statement: Any = self.statement
        # The names that are columns of the INSERT's or UPDATE's own table become its
        # columns; others are plain binds (SQLAlchemy would add them as SET or VALUES
        # columns to every table of the statement, its WITHs too, that has such a column).
        table = statement.table if isinstance(statement, UpdateBase) else None
        keys = sorted(n for n in names if table is not None and n in table.c)
        compiled: Any = statement.compile(dialect=dialect, column_keys=keys)
        # Python-side column defaults would be computed by SQLAlchemy's path only.
        if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
            raise ValueError(f"{self.statement}: pass every column, defaults are not applied")
        # The dialect's implementation of each type: on SQLite, DateTime is stored as text.
        binds = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
        }
        literals = {
            name: bind.effective_value
            for name, bind in compiled.binds.items()
            if not bind.required and name not in names
        }
        columns = list(statement.exported_columns)  # selected, or RETURNING
        return _Compiled(
            sql=compiled.string,
            positions=tuple(compiled.positiontup) if compiled.positional else None,
            literals=literals,
            binds=binds,
            keys=tuple(column.key for column in columns),
            libpq=(
                direct.statement(compiled.string)
                if dialect.driver == "psycopg" and compiled.positional is False
                else None
            ),
            results=tuple(
                (i, process)
                for i, column in enumerate(columns)
                if (process := column.type.dialect_impl(dialect).result_processor(dialect, None))
            ),
        )

    def _run(
        self, conn: Connection, params: Mapping[str, Any]
    ) -> tuple[list[tuple[Any, ...]], int, _Compiled]:
        dialect = conn.dialect
        cache_key = (dialect.name, frozenset(params))
        compiled = self._compiled.get(cache_key)
        if compiled is None:
            compiled = self._compiled[cache_key] = self._compile(dialect, cache_key[1])
        values = {**compiled.literals, **params}
        for name, process in compiled.binds.items():
            if process is not None and name in values:
                values[name] = process(values[name])
        args: Sequence[Any] | dict[str, Any] = (
            values if compiled.positions is None else [values[n] for n in compiled.positions]
        )
        fairy = conn.connection
        dbapi_connection = fairy.dbapi_connection
        assert dbapi_connection is not None
        kept = None
        if compiled.libpq is not None and direct.usable(dbapi_connection):
            kept = direct.session(fairy)
        cursor: Any = kept.cursor if kept is not None else dbapi_connection.cursor()
        fetched: Sequence[Any]
        try:
            for listener in conn.dispatch.before_cursor_execute:
                listener(conn, cursor, compiled.sql, args, None, False)
            if kept is not None and compiled.libpq is not None:
                fetched, count = direct.run(kept, compiled.libpq, values)
            else:
                cursor.execute(compiled.sql, args)
                # Not `cursor.description`: psycopg builds a Column object per column for it.
                fetched = cursor.fetchall() if compiled.keys else []
                count = cursor.rowcount
        except dialect.loaded_dbapi.Error as err:
            gone = dialect.is_disconnect(err, dbapi_connection, cursor)
            if gone:  # as SQLAlchemy does: this connection and every pooled one are stale
                conn.invalidate(err)
                conn.engine.dispose(close=False)
            raise DBAPIError.instance(
                compiled.sql,
                args,
                err,
                dialect.loaded_dbapi.Error,
                connection_invalidated=gone,
                dialect=dialect,
            ) from err
        finally:
            if kept is None:
                cursor.close()
        if not compiled.results:
            return [tuple(row) for row in fetched], count, compiled
        rows = []
        for row in fetched:  # only the columns whose type processes what the driver gives
            columns = list(row)
            for i, process in compiled.results:
                columns[i] = process(columns[i])
            rows.append(tuple(columns))
        return rows, count, compiled


# The domains' statements prepared on first use, by the statement object (kept alive here
# with its Prepared, so that no other statement can take its id).
_OF_STATEMENT: dict[int, Prepared] = {}


def prepared(statement: Select[Any] | UpdateBase) -> Prepared:
    """The Prepared of a domain's statement, built once per statement object."""
    found = _OF_STATEMENT.get(id(statement))
    if found is None:
        found = _OF_STATEMENT[id(statement)] = Prepared(statement)
    return found
