"""Twilio's call status callback: the call's status, duration and end.

The rule, in one statement for every case: an ended call keeps its first end time and its
outcome (a call nobody took over is `hung_up`); an empty status changes no status. A
callback for a call no step has seen (it came first) stores the call, then runs the same
statement.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, update
from twilio.twiml.voice_response import VoiceResponse

from hotline.db import connection_was_dead, unpinged
from hotline.late_begin import begin_at_first_write, single_write
from hotline.prepared import Prepared
from hotline.relaxed_commit import relax_sqlite_commit, relaxed_commit
from hotline.runtime import Runtime
from ivr_flows import call_row
from ivr_flows.registry import webhook
from ivr_flows.twiml import xml
from ivr_flows.webhook import Webhook

log = logging.getLogger(__name__)

# Twilio's call statuses of a call that is over.
ENDED = ("completed", "busy", "failed", "no-answer", "canceled")
# The answer to a status callback (Twilio ignores it).
EMPTY_TWIML = xml(VoiceResponse())


@webhook("/status")
def status(rt: Runtime, hook: Webhook) -> str:
    """Record the call's status, duration and end (see the module docstring)."""
    for attempt in (1, 2):
        try:
            with unpinged():
                _record(rt, hook, rt.clock.now())
        except Exception as exc:
            if attempt == 1 and connection_was_dead(exc):
                continue  # a dead pooled connection: the pool is renewed, once more
            log.exception("status callback for %s not recorded", hook.form.get("CallSid"))
        break
    return EMPTY_TWIML


def _record(rt: Runtime, hook: Webhook, now: datetime) -> None:
    form = hook.form
    new_status = form.get("CallStatus", "")[:20]
    duration = form.get("CallDuration", "")
    params: dict[str, Any] = {"sid": form.get("CallSid", "")}
    if new_status:
        params["new_status"] = new_status
    if duration.isdigit():
        params["new_duration"] = int(duration)
    if new_status in ENDED:
        params["new_ended_at"] = now
    shape = (bool(new_status), new_status in ENDED, duration.isdigit())
    # The usual case is one UPDATE: on PostgreSQL without BEGIN and COMMIT round trips.
    with (
        rt.webhook_connections.connection() as conn,
        begin_at_first_write(conn),
        conn.begin(),
        single_write(conn) as alone,
    ):
        relax_sqlite_commit(conn)
        if _UPDATES[(*shape, alone)].rowcount(conn, params):
            return
    with (
        rt.webhook_connections.connection() as conn,
        begin_at_first_write(conn),
        conn.begin(),
    ):
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
    # which commits without waiting for the disk (hotline/relaxed_commit.py).
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
