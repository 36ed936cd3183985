"""The life cycle of a callback request: states, legal transitions, retries and order.

    queued --release--> due --claim--> claimed --dial--> calling --answered--> done
                         ^                                  |
                         +---- failed attempt (retry) ------+--> failed (after the last)
    queued/due/claimed/calling --agent--> cancelled
    claimed --no action for callbacks.claim_timeout_minutes (release sweep)--> due

Every change of `status` goes through `move()`, so an illegal transition is a
clear `IllegalTransition`, never a silent change. The two changes that race
between processes (claim, dial) are conditional UPDATEs checked by rowcount,
which is safe on SQLite and PostgreSQL alike.

Decisions where DESIGN leaves room (documented in the README section of issue 4):
- `no_answer` counts an attempt: back to `due` with `next_attempt_at` (+retry
  minutes, or the next opening when that falls outside opening hours); after
  the last attempt `failed`, and the customer is told by e-mail.
- `wrong_number` ends the request at once as `failed` (outcome "wrong_number");
  the customer is told by e-mail too, since we cannot reach them by phone.
- A Twilio error on dial puts the callback back to `due` but keeps
  `claimed_by_id`: the same agent may dial again without claiming, while any
  other agent may claim it as usual. No attempt is counted (the customer's
  phone never rang).
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_, select, update
from sqlalchemy.orm import Session

from hotline.calendar import BusinessCalendar
from hotline.db import rows_changed
from hotline.models import Callback
from hotline.notes import checked_note

QUEUED, DUE, CLAIMED, CALLING, DONE, FAILED, CANCELLED = (
    "queued",
    "due",
    "claimed",
    "calling",
    "done",
    "failed",
    "cancelled",
)
STATES = (QUEUED, DUE, CLAIMED, CALLING, DONE, FAILED, CANCELLED)
OPEN_STATES = (QUEUED, DUE, CLAIMED, CALLING)
FINAL_STATES = (DONE, FAILED, CANCELLED)

TRANSITIONS: dict[str, frozenset[str]] = {
    QUEUED: frozenset({DUE, CANCELLED}),
    DUE: frozenset({CLAIMED, CALLING, CANCELLED}),
    CLAIMED: frozenset({CALLING, DUE, DONE, FAILED, CANCELLED}),
    # calling -> claimed: the agent's own leg ended before a result (the agent decides).
    CALLING: frozenset({CLAIMED, DUE, DONE, FAILED, CANCELLED}),
    DONE: frozenset(),
    FAILED: frozenset(),
    CANCELLED: frozenset(),
}

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])

OUTCOMES = ("done", "no_answer", "wrong_number", "cancelled")


class CallbackError(ValueError):
    """A callback operation that cannot be done as asked."""

    status_code = 400


class IllegalTransition(CallbackError):
    """A change of state the life cycle does not allow."""

    status_code = 409

    def __init__(self, callback_id: int | None, current: str, target: str) -> None:
        allowed = ", ".join(sorted(TRANSITIONS.get(current, ()))) or "none"
        super().__init__(
            f"callback {callback_id}: cannot change from {current!r} to {target!r} "
            f"(allowed from {current!r}: {allowed})"
        )
        self.current = current
        self.target = target


class NotYours(CallbackError):
    """The callback is claimed by another agent."""

    status_code = 409


def can_move(current: str, target: str) -> bool:
    """Whether the life cycle allows `current` -> `target`."""
    return target in TRANSITIONS.get(current, frozenset())


def move(callback: Callback, target: str, now: datetime) -> None:
    """Change the state of a loaded callback, or raise IllegalTransition."""
    if target not in STATES:
        raise CallbackError(f"unknown callback state {target!r}")
    if not can_move(callback.status, target):
        raise IllegalTransition(callback.id, callback.status, target)
    callback.status = target
    callback.updated_at = now


def in_list_order(query: Q) -> Q:
    """Outage first, then by the time of the request (id breaks ties stably)."""
    return query.order_by(Callback.priority, Callback.requested_at, Callback.id)


def retry_at(now: datetime, retry_minutes: int, calendar: BusinessCalendar) -> datetime:
    """When the next attempt may start: after the pause, and never while closed."""
    return calendar.next_opening(now + timedelta(minutes=retry_minutes))


def ready_for_call(now: datetime) -> ColumnElement[bool]:
    """SQL condition: a `due` callback whose retry pause (if any) is over."""
    return and_(
        Callback.status == DUE,
        or_(Callback.next_attempt_at.is_(None), Callback.next_attempt_at <= now),
    )


def claim(session: Session, callback_id: int, agent_id: int, now: datetime) -> bool:
    """Give the callback to the agent if it is still due; True for exactly one claimant.

    One conditional UPDATE: of two agents (threads, processes, databases) only one
    sees rowcount 1. The caller commits.
    """
    result = session.execute(
        update(Callback)
        .where(Callback.id == callback_id, ready_for_call(now))
        .values(status=CLAIMED, claimed_by_id=agent_id, claimed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(result) == 1


def start_calling(session: Session, callback_id: int, agent_id: int, now: datetime) -> bool:
    """Reserve the callback for the agent's outbound call (claimed, or due after a Twilio error).

    Conditional, so a double click or a second agent cannot start two calls.
    """
    result = session.execute(
        update(Callback)
        .where(
            Callback.id == callback_id,
            Callback.claimed_by_id == agent_id,
            or_(Callback.status == CLAIMED, ready_for_call(now)),
        )
        .values(status=CALLING, last_error=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(result) == 1


def call_not_started(callback: Callback, reason: str, now: datetime) -> None:
    """The outbound call could not start (Twilio refused, timed out, agent unreachable).

    Back to `due`, claim kept for the same agent to retry; no attempt counted.
    """
    move(callback, DUE, now)
    callback.last_error = reason


def attempt_failed(
    callback: Callback,
    *,
    now: datetime,
    reason: str,
    retry_minutes: int,
    max_attempts: int,
    calendar: BusinessCalendar,
) -> bool:
    """Count a failed attempt (no answer, busy); True when this was the last one.

    Not the last: back to `due` for anyone, with `next_attempt_at` after the pause
    (at the next opening when that falls outside opening hours). The last: `failed`.
    """
    callback.attempts += 1
    callback.last_error = reason
    if callback.attempts >= max_attempts:
        move(callback, FAILED, now)
        callback.outcome = callback.outcome or "no_answer"
        return True
    move(callback, DUE, now)
    callback.claimed_by_id = None
    callback.claimed_at = None
    callback.next_attempt_at = retry_at(now, retry_minutes, calendar)
    return False


def record_outcome(
    callback: Callback,
    *,
    agent_id: int,
    outcome: str,
    note: str,
    now: datetime,
    retry_minutes: int,
    max_attempts: int,
    calendar: BusinessCalendar,
) -> bool:
    """Apply an agent's outcome; True when the customer must now be told by e-mail."""
    note = checked_note(note)
    if outcome not in OUTCOMES:
        raise CallbackError(f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    if outcome == "done" and callback.status == DONE and callback.claimed_by_id == agent_id:
        # The dial result recorded it already; the agent adds the note.
        _add_note(callback, note, now, calendar.zone)
        return False
    if outcome == "cancelled":
        if callback.status in (CLAIMED, CALLING) and callback.claimed_by_id != agent_id:
            raise NotYours(f"callback {callback.id} is claimed by another agent")
        move(callback, CANCELLED, now)
        callback.outcome = "cancelled"
        _add_note(callback, note, now, calendar.zone)
        return False
    if callback.status not in (CLAIMED, CALLING):
        raise IllegalTransition(callback.id, callback.status, _target(outcome))
    if callback.claimed_by_id != agent_id:
        raise NotYours(f"callback {callback.id} is claimed by another agent")
    _add_note(callback, note, now, calendar.zone)
    if outcome == "done":
        move(callback, DONE, now)
        callback.outcome = "done"
        return False
    if outcome == "wrong_number":
        move(callback, FAILED, now)
        callback.outcome = "wrong_number"
        callback.last_error = "wrong number"
        return True
    last = attempt_failed(
        callback,
        now=now,
        reason="no answer",
        retry_minutes=retry_minutes,
        max_attempts=max_attempts,
        calendar=calendar,
    )
    return last


def _target(outcome: str) -> str:
    return {"done": DONE, "no_answer": DUE, "wrong_number": FAILED}.get(outcome, CANCELLED)


def note_stamp(now: datetime, zone: tzinfo) -> str:
    """The time a note was written, as the agents read it: Berlin wall-clock, German form."""
    return now.astimezone(zone).strftime("%d.%m.%Y %H:%M")


def note_line(note: str, now: datetime, zone: tzinfo) -> str:
    """One stamped line of a callback's note: "30.11.2026 10:15: text"."""
    return f"{note_stamp(now, zone)}: {note}"


def _add_note(callback: Callback, note: str, now: datetime, zone: tzinfo) -> None:
    note = (note or "").strip()
    if note:
        callback.note = f"{callback.note}\n{note_line(note, now, zone)}".strip()
    callback.updated_at = now


def open_callbacks(session: Session, now: datetime) -> list[Callback]:
    """Callbacks an agent may claim now, in list order."""
    return list(session.scalars(in_list_order(select(Callback).where(ready_for_call(now)))))
