"""Twilio's status of a call written on the fast path: one UPDATE of the call's row, on
PostgreSQL without BEGIN and COMMIT round trips and without waiting for the disk.

The rule, in one statement for every case: an ended call keeps its first end time and its
outcome (a call nobody took over is `hung_up`); no status changes no status. A callback
for a call no step has seen (it came first) stores the call, then runs the same statement.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, func, update

from ivr_flows.fastpath import call_row
from ivr_flows.fastpath.connections import webhook_transaction
from ivr_flows.fastpath.statements import Prepared
from ivr_flows.fastpath.transactions import relax_sqlite_commit, relaxed_commit, single_write

if TYPE_CHECKING:
    from hotline.runtime import Runtime


def record_status(
    rt: Runtime,
    form: Mapping[str, str],
    now: datetime,
    *,
    status: str,
    duration: int | None,
    ended: bool,
) -> None:
    """The call of `form`'s CallSid has Twilio's `status` ("" for none) and `duration`
    (seconds, None for none); `ended`: the status is one of a call that is over, at `now`."""
    params: dict[str, Any] = {"sid": form.get("CallSid", "")}
    if status:
        params["new_status"] = status
    if duration is not None:
        params["new_duration"] = duration
    if ended:
        params["new_ended_at"] = now
    shape = (bool(status), ended, duration is not None)
    # The usual case is one UPDATE: on PostgreSQL without BEGIN and COMMIT round trips.
    with webhook_transaction(rt) as conn, single_write(conn) as alone:
        relax_sqlite_commit(conn)
        if _UPDATES[(*shape, alone)].rowcount(conn, params):
            return
    with webhook_transaction(rt) as conn:
        call_row.save(conn, call_row.new_call(form, now))
        _UPDATES[(*shape, False)].rowcount(conn, params)


def _update(has_status: bool, ended: bool, with_duration: bool, relaxed: bool) -> Prepared:
    calls = call_row.CALLS
    values: dict[str, Any] = {}
    if has_status:
        values["twilio_status"] = bindparam("new_status")
    if with_duration:
        values["duration_seconds"] = bindparam("new_duration")
    if ended:  # an ended call keeps its first end and outcome
        values["ended_at"] = func.coalesce(
            calls.c.ended_at, bindparam("new_ended_at", type_=calls.c.ended_at.type)
        )
        values["outcome"] = func.coalesce(calls.c.outcome, "hung_up")
    if not values:  # nothing to change: still tells whether the call is known
        values["call_sid"] = calls.c.call_sid
    statement = update(calls).where(calls.c.call_sid == bindparam("sid")).values(values)
    # `relaxed` (PostgreSQL, the UPDATE alone in its transaction): the call's progress,
    # which commits without waiting for the disk (transactions.relaxed_commit).
    return Prepared(statement.where(relaxed_commit()) if relaxed else statement)


# (has status, ended, with duration, relaxed) -> the UPDATE; built once per process.
_UPDATES = {
    (s, e, d, r): _update(s, e, d, r)
    for s in (False, True)
    for e in (False, True)
    for d in (False, True)
    for r in (False, True)
    if s or not e
}
