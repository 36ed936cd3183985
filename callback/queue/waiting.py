"""The callers offered to the agents and the waiting list in the hotline's order.

Order: outage (priority 0) first, then the longest waiting (offered_at), then the row id;
Twilio's own queue is FIFO and only holds the callers, the order is ours. A callback that
kept a caller's place (key 1 while waiting) competes in the same order while it is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert, Update

from callback.requests import priority_for
from hotline.models import Call, Callback, QueueEntry, table_of

ENTRIES = table_of(QueueEntry)
CALLBACKS = table_of(Callback)
CALLS = table_of(Call)
ORDER = (ENTRIES.c.priority, ENTRIES.c.offered_at, ENTRIES.c.id)

RINGING = "ringing"
WAITING = "waiting"
CONNECTING = "connecting"
ANSWERED = "answered"
UNANSWERED = "unanswered"
LEFT = "left"
ABANDONED = "abandoned"
FAILED = "failed"
# Still with the hotline: not answered, not gone.
IN_QUEUE = (WAITING, CONNECTING)
# How often at most a waiting caller hears their position.
ANNOUNCE_EVERY = timedelta(seconds=60)
# The expected wait is said once this many queued callers were answered in the last hour.
EXPECTED_WAIT_SAMPLES = 3


@dataclass(frozen=True)
class Entry:
    id: int
    call_sid: str
    category: str
    priority: int
    status: str
    offered_at: datetime
    queue_sid: str | None
    announced_at: datetime | None
    agent_id: int | None
    callback_id: int | None
    language: str | None


def _entry(row: object) -> Entry:
    return Entry(**{name: getattr(row, name) for name in Entry.__dataclass_fields__})


_COLUMNS = [ENTRIES.c[name] for name in Entry.__dataclass_fields__]


def find(conn: Connection, call_sid: str) -> Entry | None:
    """The call's entry, if it was offered to the agents."""
    row = conn.execute(select(*_COLUMNS).where(ENTRIES.c.call_sid == call_sid)).first()
    return _entry(row) if row is not None else None


def new_offer(
    *,
    call_sid: str,
    call_id: int | None,
    contract_id: int | None,
    category: str,
    now: datetime,
    queued: bool,
    language: str | None = None,
) -> tuple[Insert, dict[str, Any]]:
    """The INSERT of a call offered to the agents for the first time: rung at once, or
    (`queued`) waiting in the queue; `language` when the caller switched to the other one."""
    values = {
        "call_sid": call_sid,
        "call_id": call_id,
        "contract_id": contract_id,
        "category": category,
        "priority": priority_for(category),
        "status": WAITING if queued else RINGING,
        "queued": queued,
        "offered_at": now,
        "rest_failures": 0,
        "language": language,
    }
    return NEW_OFFER, {f"qo_{k}": v for k, v in values.items()}


def offer(conn: Connection, **details: Any) -> None:
    """Offer the call (see `new_offer`); a call offered again (after a ring nobody answered)
    keeps its first time and place."""
    known = find(conn, details["call_sid"])
    if known is None:
        conn.execute(*new_offer(**details))
        return
    changed: dict[str, object] = {"agent_id": None, "ended_at": None}
    changed["status"] = WAITING if details["queued"] else RINGING
    if details["queued"]:
        changed["queued"] = True
    conn.execute(update(ENTRIES).where(ENTRIES.c.id == known.id).values(changed))


def waited_longer(conn: Connection, call_sid: str, now: datetime, seconds: int) -> bool:
    """Whether the caller was offered to the agents more than `seconds` ago."""
    entry = find(conn, call_sid)
    return entry is not None and (now - entry.offered_at).total_seconds() > seconds


def callbacks_ahead(conn: Connection, priority: int, offered_at: datetime) -> int:
    """Due callbacks that kept a place ahead of (priority, offered_at)."""
    query = (
        select(func.count())
        .select_from(CALLBACKS.join(ENTRIES, ENTRIES.c.callback_id == CALLBACKS.c.id))
        .where(
            CALLBACKS.c.status == "due",
            or_(
                CALLBACKS.c.priority < priority,
                and_(CALLBACKS.c.priority == priority, CALLBACKS.c.requested_at < offered_at),
            ),
        )
    )
    return int(conn.scalar(query) or 0)


def _ahead(entry: Entry) -> object:
    return or_(
        ENTRIES.c.priority < entry.priority,
        and_(
            ENTRIES.c.priority == entry.priority,
            or_(
                ENTRIES.c.offered_at < entry.offered_at,
                and_(ENTRIES.c.offered_at == entry.offered_at, ENTRIES.c.id < entry.id),
            ),
        ),
    )


def position(conn: Connection, entry: Entry) -> int:
    """The caller's place: 1 + the waiting callers and kept-place callbacks ahead."""
    waiting_ahead = conn.scalar(
        select(func.count()).where(ENTRIES.c.status == WAITING, _ahead(entry))  # type: ignore[arg-type]
    )
    return 1 + int(waiting_ahead or 0) + callbacks_ahead(conn, entry.priority, entry.offered_at)


def expected_wait_seconds(conn: Connection, now: datetime) -> int | None:
    """The average wait of the queued callers answered in the last hour; None while fewer
    than EXPECTED_WAIT_SAMPLES were."""
    rows = conn.execute(
        select(ENTRIES.c.offered_at, ENTRIES.c.answered_at).where(
            ENTRIES.c.queued,
            ENTRIES.c.answered_at.is_not(None),
            ENTRIES.c.answered_at >= now - timedelta(hours=1),
        )
    ).all()
    if len(rows) < EXPECTED_WAIT_SAMPLES:
        return None
    total = sum((answered - offered).total_seconds() for offered, answered in rows)
    return int(total / len(rows))


@dataclass(frozen=True)
class WaitState:
    """What a waiting caller is told on one request of the wait URL."""

    position: int | None  # None: not announced this time
    expected_seconds: int | None


def on_wait(conn: Connection, call_sid: str, queue_sid: str, now: datetime) -> WaitState:
    """A request of the wait URL: keep Twilio's QueueSid, and say the position when the caller
    joins and then at most every ANNOUNCE_EVERY."""
    entry = find(conn, call_sid)
    if entry is None:
        return WaitState(None, None)
    values: dict[str, object] = {}
    if queue_sid and entry.queue_sid != queue_sid:
        values["queue_sid"] = queue_sid[:64]
    announce = entry.status == WAITING and (
        entry.announced_at is None or now - entry.announced_at >= ANNOUNCE_EVERY
    )
    if announce:
        values["announced_at"] = now
    if values:
        conn.execute(update(ENTRIES).where(ENTRIES.c.id == entry.id).values(values))
    if not announce:
        return WaitState(None, None)
    return WaitState(position(conn, entry), expected_wait_seconds(conn, now))


def next_waiting(conn: Connection) -> Entry | None:
    """The caller to take out next: the first waiting one whose QueueSid Twilio told us."""
    row = conn.execute(
        select(*_COLUMNS)
        .where(ENTRIES.c.status == WAITING, ENTRIES.c.queue_sid.is_not(None))
        .order_by(*ORDER)
        .limit(1)
    ).first()
    return _entry(row) if row is not None else None


def set_status(
    conn: Connection, call_sid: str, status: str, now: datetime, **values: object
) -> None:
    """Move the call's entry on; `ended_at` is set for the statuses that end it."""
    if status in (UNANSWERED, LEFT, ABANDONED, FAILED):
        values.setdefault("ended_at", now)
    conn.execute(
        update(ENTRIES).where(ENTRIES.c.call_sid == call_sid).values(status=status, **values)
    )


def answered(conn: Connection, call_sid: str, agent_id: int | None, now: datetime) -> None:
    """An agent answered the call (their whisper request); the first answer counts."""
    conn.execute(
        update(ENTRIES)
        .where(ENTRIES.c.call_sid == call_sid, ENTRIES.c.answered_at.is_(None))
        .values(status=ANSWERED, answered_at=now, agent_id=agent_id)
    )


_NOW = ENTRIES.c.ended_at.type
# Bind names unique among the statements a webhook writes with its answer
# (ivr_flows/fastpath/call_row.py).
END_ANSWERED = (
    update(ENTRIES)
    .where(ENTRIES.c.call_sid == bindparam("qea_sid"), ENTRIES.c.status == ANSWERED)
    .values(ended_at=func.coalesce(ENTRIES.c.ended_at, bindparam("qea_now", type_=_NOW)))
)
END_RINGING = (
    update(ENTRIES)
    .where(ENTRIES.c.call_sid == bindparam("qer_sid"), ENTRIES.c.status == RINGING)
    .values(status=UNANSWERED, ended_at=bindparam("qer_now", type_=_NOW))
)
_OFFER_COLUMNS = (
    "call_sid", "call_id", "contract_id", "category", "priority", "status", "queued",
    "offered_at", "rest_failures", "language",
)  # fmt: skip
NEW_OFFER = insert(ENTRIES).values(
    {name: bindparam(f"qo_{name}", type_=ENTRIES.c[name].type) for name in _OFFER_COLUMNS}
)


def end_writes(call_sid: str, now: datetime) -> list[tuple[Update, dict[str, Any]]]:
    """The call is over: an answered call ends; a ring nobody answered is unanswered."""
    return [
        (END_ANSWERED, {"qea_sid": call_sid, "qea_now": now}),
        (END_RINGING, {"qer_sid": call_sid, "qer_now": now}),
    ]


def call_ended(conn: Connection, call_sid: str, now: datetime) -> None:
    """`end_writes`, now."""
    for write, params in end_writes(call_sid, now):
        conn.execute(write, params)


def close_ended(conn: Connection, now: datetime) -> int:
    """Entries whose call Twilio reported over (a status callback) while a webhook that
    should have said so did not come: a ring ends unanswered, a conversation ends, a
    waiting caller abandoned."""
    rows = conn.execute(
        select(ENTRIES.c.id, ENTRIES.c.status, CALLS.c.ended_at)
        .join(CALLS, CALLS.c.call_sid == ENTRIES.c.call_sid)
        .where(
            ENTRIES.c.ended_at.is_(None),
            ENTRIES.c.status.in_((RINGING, ANSWERED, WAITING)),
            CALLS.c.ended_at.is_not(None),
        )
    ).all()
    after = {RINGING: UNANSWERED, ANSWERED: ANSWERED, WAITING: ABANDONED}
    for entry_id, status, ended_at in rows:
        conn.execute(
            update(ENTRIES)
            .where(ENTRIES.c.id == entry_id, ENTRIES.c.status == status)
            .values(status=after[status], ended_at=min(ended_at, now))
        )
    return len(rows)


def keep_place(session: Session, call_sid: str, callback: Callback, now: datetime) -> None:
    """A callback asked for from the queue keeps the time the caller joined: their place."""
    conn = session.connection()
    entry = find(conn, call_sid)
    if entry is None or entry.status not in (LEFT, ABANDONED):
        return
    if callback.requested_at > entry.offered_at:
        callback.requested_at = entry.offered_at
    session.flush()
    set_status(conn, call_sid, entry.status, now, callback_id=callback.id)
