"""PostgreSQL: the hot statements (statements.py) handed to libpq directly.

A psycopg cursor spends more on one statement of a webhook than the statement costs the
server: a cursor and its adaptation context, the query's conversion, the prepared-statement
bookkeeping, the result's description, twice per step. Here each statement is prepared once
per connection under a name of its own and then executed by name through psycopg's libpq
wrapper (`psycopg.pq`), its parameters and rows adapted by psycopg's own `Transformer`;
errors are psycopg's exceptions, as the cursor raises them.

Only on connections where psycopg prepares nothing itself (`prepare_threshold=None`, the
webhooks' own pool, engines.py): psycopg sends DEALLOCATE ALL after a rollback when it
holds prepared statements, which would drop these too. Should one go missing anyway, it is
prepared again when no transaction is open; inside one the error ends the transaction.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from psycopg import Connection, errors, pq
from psycopg.adapt import PyFormat, Transformer
from sqlalchemy.pool import PoolProxiedConnection

# SQLAlchemy's psycopg dialect writes binds as %(name)s, and a literal % as %%.
_PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")
_NAMES = itertools.count(1)
_MISSING_STATEMENT = b"26000"  # invalid_sql_statement_name
_INFO_KEY = "hotline.fastpath.libpq"


@dataclass(frozen=True)
class Statement:
    """One statement in libpq's terms."""

    sql: bytes  # with $1, $2, ...
    binds: tuple[str, ...]  # the bind name of each $n
    name: bytes  # of the prepared statement: unique in this process


def statement(pyformat_sql: str) -> Statement:
    """The statement of SQL as SQLAlchemy compiles it for psycopg."""
    binds: list[str] = []

    def number(match: re.Match[str]) -> str:
        bind = match.group(1)
        if bind is None:
            return "%"
        if bind not in binds:
            binds.append(bind)
        return f"${binds.index(bind) + 1}"

    sql = _PLACEHOLDER.sub(number, pyformat_sql)
    return Statement(sql.encode(), tuple(binds), b"hotline_%d" % next(_NAMES))


def usable(dbapi_connection: Any) -> bool:
    """Whether statements may run here: a psycopg connection that prepares nothing itself."""
    return isinstance(dbapi_connection, Connection) and dbapi_connection.prepare_threshold is None


class Session:
    """What a DBAPI connection keeps for this module: its prepared statements' names, an
    adaptation context, and a cursor for the listeners of `before_cursor_execute`."""

    __slots__ = ("connection", "cursor", "prepared", "transformer")

    def __init__(self, connection: Connection[Any]) -> None:
        self.connection = connection
        self.prepared: set[bytes] = set()
        self.transformer = Transformer(connection)
        self.cursor = connection.cursor()


def session(fairy: PoolProxiedConnection) -> Session:
    """The Session of the pooled connection's DBAPI connection. The pool clears `info` when
    it connects anew; the check on the connection is for one replaced otherwise."""
    kept = fairy.info.get(_INFO_KEY)
    if kept is None or kept.connection is not fairy.dbapi_connection:
        kept = fairy.info[_INFO_KEY] = Session(fairy.dbapi_connection)  # type: ignore[arg-type]
    assert isinstance(kept, Session)
    return kept


def run(
    kept: Session, statement: Statement, values: Mapping[str, Any]
) -> tuple[list[tuple[Any, ...]], int]:
    """Rows (as tuples) and row count of the statement with these bind values."""
    # As text: the server takes each parameter's type from the statement (SQLAlchemy casts
    # where it must), so that one prepared statement serves every value.
    args = [values[bind] for bind in statement.binds]
    params = kept.transformer.dump_sequence(args, [PyFormat.TEXT] * len(args))
    pgconn = kept.connection.pgconn
    for attempt in (1, 2):
        if statement.name not in kept.prepared:
            _check(kept, pgconn.prepare(statement.name, statement.sql))
            kept.prepared.add(statement.name)
        # (None is NULL, which the wrapper's annotation leaves out.)
        result = pgconn.exec_prepared(statement.name, cast(list[bytes], params))
        if (
            attempt == 1
            and result.status == pq.ExecStatus.FATAL_ERROR
            and result.error_field(pq.DiagnosticField.SQLSTATE) == _MISSING_STATEMENT
            and pgconn.transaction_status == pq.TransactionStatus.IDLE
        ):
            kept.prepared.clear()  # all gone (DEALLOCATE ALL): prepare them again
            continue
        break
    _check(kept, result)
    count = result.command_tuples
    if result.status != pq.ExecStatus.TUPLES_OK:
        return [], -1 if count is None else count
    kept.transformer.set_pgresult(result)
    return kept.transformer.load_rows(0, result.ntuples, tuple), result.ntuples


def _check(kept: Session, result: pq.abc.PGresult) -> None:
    if result.status == pq.ExecStatus.FATAL_ERROR:
        raise errors.error_from_result(result, encoding=kept.connection.info.encoding)
