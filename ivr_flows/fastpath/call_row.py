"""The call's row as the webhooks read and write it: prepared statements, no ORM; and the
other domains' statements that every call runs (who is calling, the agents to ring),
prepared here too, and the writes a step makes with its answer.

A webhook reads one row and changes a few of its columns; the ORM's identity map and
flush cost more than the SQL itself. A step loads the row into a `CallRow` with the
answer already given to that step, and writes back only the columns it changed, in one
statement.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import Insert, Update, UpdateBase
from sqlalchemy.sql.elements import Label

from hotline.accounts.agents import AVAILABLE_AGENTS
from hotline.directory.lookup import BY_NUMBER, CallerMatch, caller_matches
from hotline.directory.phones import caller_number
from hotline.models import Call, CallStep, table_of
from hotline.tickets.opening import NO_COUNTER
from ivr_flows.fastpath.statements import Prepared, prepared
from ivr_flows.fastpath.tickets import numbered_ticket, open_phone_ticket
from ivr_flows.fastpath.transactions import relax_sqlite_commit, relaxed_commit, single_write

CALLS = table_of(Call)
CALL_STEPS = table_of(CallStep)

Write = tuple[UpdateBase, Mapping[str, Any]]
"""A domain's write whose result is not needed (an UPDATE or INSERT) and its parameters,
with bind names of its own: made with a step's answer (`save_with_answer`)."""


@dataclass
class CallRow:
    """One row of `calls`; the attribute names are the column names."""

    call_sid: str
    started_at: datetime
    from_raw: str = ""
    caller_e164: str | None = None
    id: int | None = None
    direction: str = "inbound"
    contract_id: int | None = None
    station_id: int | None = None
    contact_id: int | None = None
    category: str | None = None
    outcome: str | None = None
    twilio_status: str | None = None
    pin_failures: int = 0
    identify_failures: int = 0
    ended_at: datetime | None = None
    duration_seconds: int | None = None
    # The values as stored, to write back only what changed.
    _stored: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in COLUMNS}

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.values().items() if self._stored.get(k, _UNSET) != v}


_UNSET = object()
COLUMNS = tuple(f.name for f in fields(CallRow) if not f.name.startswith("_"))
assert set(COLUMNS) == set(CALLS.c.keys()), "CallRow must mirror the calls table"


# The call and the answer already given to this step: one query (see webhook.run_step).
def _call_and_answer(*extra: Any) -> Prepared:
    return Prepared(
        select(CALLS, CALL_STEPS.c.twiml, *extra)
        .outerjoin(
            CALL_STEPS,
            and_(CALL_STEPS.c.call_sid == CALLS.c.call_sid, CALL_STEPS.c.step == bindparam("key")),
        )
        .where(CALLS.c.call_sid == bindparam("sid"))
    )


def _available_phones_column(name: str) -> Label[list[str] | None]:
    """PostgreSQL: the available agents' phones as one column (an array, NULL for none) to
    add to another query, which saves the webhook that rings the agents a round trip."""
    agents = AVAILABLE_AGENTS.order_by(None).subquery()
    phones = func.array_agg(aggregate_order_by(agents.c.phone, agents.c.id))
    return select(phones).scalar_subquery().label(name)


# Built once per process: building a statement costs about as much as running it.
_CALL_AND_ANSWER = _call_and_answer()
# PostgreSQL, for the step that rings the agents: their phones too.
_CALL_ANSWER_AND_AGENTS = _call_and_answer(_available_phones_column("agents"))
_AVAILABLE_AGENTS = Prepared(AVAILABLE_AGENTS)
_BY_NUMBER = Prepared(BY_NUMBER)


def available_phones(conn: Connection) -> list[str]:
    """The phones of the agents the IVR should ring now, in a stable order."""
    return [phone for (_id, phone) in _AVAILABLE_AGENTS.rows(conn)]


def matches_of_number(conn: Connection, e164: str) -> list[CallerMatch]:
    """Who the number belongs to (hotline.directory.lookup.caller_matches)."""
    return caller_matches(_BY_NUMBER.rows(conn, {"e164": e164}))


_CALL = Prepared(select(CALLS).where(CALLS.c.call_sid == bindparam("sid")))
_INSERT = Prepared(insert(CALLS).returning(CALLS.c.id))
_UPDATES: dict[tuple[str, ...], Prepared] = {}
_WITH_ANSWER: dict[tuple[tuple[str, ...], tuple[int, ...], bool], Prepared] = {}


def new_call(form: Mapping[str, str], now: datetime) -> CallRow:
    """The row of a CallSid seen for the first time (not inserted yet)."""
    raw = form.get("From", "")
    return CallRow(
        call_sid=form.get("CallSid", ""),
        from_raw=raw[:64],
        caller_e164=caller_number(raw),
        started_at=now,
    )


def _row(mapping: Mapping[str, Any]) -> CallRow:
    call = CallRow(**{name: mapping[name] for name in COLUMNS})
    call._stored = call.values()
    return call


class Loaded(NamedTuple):
    """A call as a step finds it."""

    call: CallRow | None  # None: not stored yet
    answer: str | None  # the TwiML already answered to this step
    agents: list[str] | None  # the available agents' phones, when asked for and read


def load_with_answer(conn: Connection, sid: str, key: str, *, agents: bool = False) -> Loaded:
    """The call and the TwiML already answered to step `key`, if any; with `agents`, on
    PostgreSQL also `available_phones` in the same query."""
    agents = agents and conn.dialect.name == "postgresql"
    statement = _CALL_ANSWER_AND_AGENTS if agents else _CALL_AND_ANSWER
    found = statement.first(conn, {"sid": sid, "key": key})
    if found is None:
        return Loaded(None, None, None)
    return Loaded(_row(found), found["twiml"], (found["agents"] or []) if agents else None)


def load(conn: Connection, sid: str) -> CallRow | None:
    """The call with this CallSid, or None."""
    found = _CALL.first(conn, {"sid": sid})
    return _row(found) if found is not None else None


def save(conn: Connection, call: CallRow) -> None:
    """Insert a new call (setting its id), or update the columns that changed."""
    if call.id is None:
        values = call.values()
        del values["id"]
        call.id = _INSERT.scalar(conn, values)
        call._stored = call.values()
        return
    changes = call.changes()
    if changes:
        _update(tuple(sorted(changes))).rowcount(conn, _params(call, changes))
        call._stored = call.values()


def save_with_answer(
    conn: Connection,
    call: CallRow,
    key: str,
    twiml: str,
    now: datetime,
    also: Sequence[Write] = (),
    ticket: Mapping[str, Any] | None = None,
) -> None:
    """`save`, the call's `ticket` (its `ticket_values`, for a call new in this step), `also`
    (UPDATEs whose results are not needed, with their parameters), then keep the answer to
    this step for Twilio's retries (unique per CallSid and step).

    On PostgreSQL all of it is one statement where it can be (a new call with its ticket;
    a known call with the UPDATEs): the writes as WITHs of the answer's INSERT, one round
    trip and no transaction of its own (transactions.single_write).
    """
    answer = {
        "answer_sid": call.call_sid,
        "answer_step": key,
        "answer_twiml": twiml,
        "answer_at": now,
    }
    if conn.dialect.name != "postgresql":
        if call.id is not None and ticket is None:  # progress only, as on PostgreSQL below
            relax_sqlite_commit(conn)
        save(conn, call)
        if ticket is not None:
            open_phone_ticket(conn, {**ticket, "call_id": call.id}, new_call=True)
        for write, values in also:
            prepared(write).rowcount(conn, values)
        _STORE_ANSWER.rowcount(conn, answer)
        return
    if call.id is None and not also:
        _save_new_with_answer(conn, call, ticket, answer)
        return
    if call.id is None or ticket is not None:  # not seen in the call flow: statements first
        save(conn, call)
        if ticket is not None:
            open_phone_ticket(conn, {**ticket, "call_id": call.id}, new_call=True)
    changes = call.changes()
    params: dict[str, Any] = dict(answer)
    if changes:
        params.update(_params(call, changes))
    for _statement, extra in also:
        params.update(extra)
    with single_write(conn) as alone:
        # Alone, the statement holds the step's every write: the call's progress, the
        # `also` UPDATEs and the answer, which need not wait for the disk
        # (transactions.relaxed_commit). The call's UPDATE carries the setting.
        relaxed = alone and bool(changes)
        statement = _with_answer(tuple(sorted(changes)), tuple(s for s, _ in also), relaxed)
        statement.rowcount(conn, params)
    call._stored = call.values()


def _save_new_with_answer(
    conn: Connection, call: CallRow, ticket: Mapping[str, Any] | None, answer: dict[str, Any]
) -> None:
    """PostgreSQL: INSERT the call (and its ticket) as WITHs of the answer's INSERT."""
    values = call.values()
    del values["id"]
    params = {**answer, **{f"nc_{k}": v for k, v in values.items()}}
    if ticket is not None:  # the call's id comes from the call's INSERT
        params.update({f"t_{k}": v for k, v in ticket.items() if k != "call_id"})
    statement = _NEW_WITH_ANSWER[ticket is not None]
    try:
        with single_write(conn):
            call.id = statement.scalar(conn, params)
    except IntegrityError as exc:  # the statement wrote nothing
        if getattr(getattr(exc.orig, "diag", None), "column_name", None) == "number":
            raise RuntimeError(NO_COUNTER) from exc
        raise
    call._stored = call.values()


def _params(call: CallRow, changes: dict[str, Any]) -> dict[str, Any]:
    """The bind values of `_update` for these changes of the call."""
    return {"changed_call": call.id, **{f"new_{k}": v for k, v in changes.items()}}


def _update(names: tuple[str, ...]) -> Prepared:
    """UPDATE of these columns of the call, built once for each set of names."""
    statement = _UPDATES.get(names)
    if statement is None:
        statement = _UPDATES[names] = Prepared(_changed(names))
    return statement


def _changed(names: tuple[str, ...], relaxed: bool = False) -> Update:
    # Bind names differ from column names: SQLAlchemy reserves those for SET.
    statement = (
        update(CALLS)
        .where(CALLS.c.id == bindparam("changed_call"))
        .values({name: bindparam(f"new_{name}") for name in names})
    )
    return statement.where(relaxed_commit()) if relaxed else statement


def _answer_insert() -> Insert:
    values: dict[str, Any] = {col: bindparam(f"answer_{col}") for col in ("step", "twiml", "at")}
    return insert(CALL_STEPS).values(call_sid=bindparam("answer_sid"), **values)


def _new_with_answer(with_ticket: bool) -> Prepared:
    """PostgreSQL: a new call's INSERT (binds nc_<column>) and, with_ticket, its ticket's
    (t_<column>) as WITHs of the answer's INSERT, which returns the call's id."""
    columns = [name for name in COLUMNS if name != "id"]
    new_call = (
        insert(CALLS)
        .values({name: bindparam(f"nc_{name}", type_=CALLS.c[name].type) for name in columns})
        .returning(CALLS.c.id)
        .cte("new_call")
    )
    combined = _answer_insert().add_cte(new_call)
    if with_ticket:
        combined = combined.add_cte(numbered_ticket(call_id=new_call.c.id).cte("new_ticket"))
    return Prepared(combined.returning(select(new_call.c.id).scalar_subquery()))


def _with_answer(names: tuple[str, ...], also: tuple[UpdateBase, ...], relaxed: bool) -> Prepared:
    """PostgreSQL: the answer's INSERT with the call's UPDATE of these columns (if any) and
    the `also` statements as WITHs, which PostgreSQL runs once each, read or not;
    `relaxed` (with names): committed without waiting for the disk."""
    cache_key = (names, tuple(id(s) for s in also), relaxed)
    statement = _WITH_ANSWER.get(cache_key)
    if statement is None:
        combined = _answer_insert()
        if names:
            combined = combined.add_cte(_changed(names, relaxed).cte("changed"))
        for i, extra in enumerate(also):
            combined = combined.add_cte(extra.cte(f"also_{i}"))
        statement = _WITH_ANSWER[cache_key] = Prepared(combined)
    return statement


_STORE_ANSWER = Prepared(_answer_insert())
# A new call with or without its ticket, and the answer: built once each.
_NEW_WITH_ANSWER = {with_ticket: _new_with_answer(with_ticket) for with_ticket in (False, True)}
