"""The live queue as people see it: the list of waiting callers, the wallboard's figures,
and the reports (abandoned calls, service level per day, per agent) for a date range.

Days are Berlin days (the calendar's zone); grouping happens in Python, so SQLite and
PostgreSQL give the same answer. The service level of a day: the share of the calls
offered to the agents that day (rung or queued, and over) that an agent answered within
`reports.service_level_seconds` of the offer.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import Connection, and_, select

from callback.queue import waiting
from callback.queue.presence import Presence, presence
from hotline.models import Agent, Callback, CallbackAttempt, Contract, Customer, table_of

ENTRIES = waiting.ENTRIES
CALLBACKS = table_of(Callback)
CONTRACTS = table_of(Contract)
CUSTOMERS = table_of(Customer)
AGENTS = table_of(Agent)
ATTEMPTS = table_of(CallbackAttempt)
# Statuses of an offered call that is over (counted in the service level).
OVER = (
    waiting.ANSWERED,
    waiting.UNANSWERED,
    waiting.ABANDONED,
    waiting.LEFT,
    waiting.FAILED,
)


@dataclass(frozen=True)
class LiveRow:
    """One line of the live queue: a waiting caller, one being put through, or a callback
    that kept a caller's place."""

    position: int | None  # None: being put through to an agent
    kind: str  # call | callback
    call_sid: str | None
    callback_id: int | None
    category: str
    customer_number: str | None
    customer_name: str | None
    since: datetime
    waiting_seconds: int


def live_queue(conn: Connection, now: datetime) -> list[LiveRow]:
    """Callers being put through, then the waiting callers and kept-place callbacks in the
    hotline's order, numbered as the callers hear their position."""
    entries = conn.execute(
        select(
            ENTRIES.c.call_sid,
            ENTRIES.c.status,
            ENTRIES.c.category,
            ENTRIES.c.priority,
            ENTRIES.c.offered_at,
            ENTRIES.c.id,
            CUSTOMERS.c.number,
            CUSTOMERS.c.name,
        )
        .outerjoin(CONTRACTS, CONTRACTS.c.id == ENTRIES.c.contract_id)
        .outerjoin(CUSTOMERS, CUSTOMERS.c.id == CONTRACTS.c.customer_id)
        .where(ENTRIES.c.status.in_(waiting.IN_QUEUE))
    ).all()
    kept = conn.execute(
        select(
            CALLBACKS.c.id,
            CALLBACKS.c.category,
            CALLBACKS.c.priority,
            CALLBACKS.c.requested_at,
            CUSTOMERS.c.number,
            CUSTOMERS.c.name,
        )
        .join(ENTRIES, ENTRIES.c.callback_id == CALLBACKS.c.id)
        .outerjoin(CONTRACTS, CONTRACTS.c.id == CALLBACKS.c.contract_id)
        .outerjoin(CUSTOMERS, CUSTOMERS.c.id == CONTRACTS.c.customer_id)
        .where(CALLBACKS.c.status == "due")
    ).all()

    def seconds(since: datetime) -> int:
        return max(0, int((now - since).total_seconds()))

    connecting = [
        LiveRow(None, "call", e.call_sid, None, e.category, e.number, e.name, e.offered_at,
                seconds(e.offered_at))
        for e in sorted(entries, key=lambda e: (e.priority, e.offered_at, e.id))
        if e.status == waiting.CONNECTING
    ]  # fmt: skip
    ordered = sorted(
        [((e.priority, e.offered_at, 0, e.id), e) for e in entries if e.status == waiting.WAITING]
        + [((c.priority, c.requested_at, 1, c.id), c) for c in kept],
        key=lambda pair: pair[0],
    )
    rows = list(connecting)
    for position, (key, item) in enumerate(ordered, start=1):
        since = key[1]
        if key[2] == 0:
            rows.append(
                LiveRow(
                    position,
                    "call",
                    item.call_sid,
                    None,
                    item.category,
                    item.number,
                    item.name,
                    since,
                    seconds(since),
                )
            )
        else:
            rows.append(
                LiveRow(
                    position,
                    "callback",
                    None,
                    item.id,
                    item.category,
                    item.number,
                    item.name,
                    since,
                    seconds(since),
                )
            )
    return rows  # fmt: skip


@dataclass(frozen=True)
class Wallboard:
    waiting: int
    longest_wait_seconds: int
    agents: Presence
    calls_today: int
    answered_today: int
    abandoned_today: int
    service_level: float | None  # percent; None before the first call of the day is over


def wallboard(conn: Connection, now: datetime, zone: tzinfo, level_seconds: int) -> Wallboard:
    """The supervisors' figures now: the queue, the agents, and today so far."""
    live = [r for r in live_queue(conn, now) if r.kind == "call" and r.position is not None]
    today = now.astimezone(zone).date()
    [day] = service_levels(conn, today, today, zone, level_seconds)
    return Wallboard(
        waiting=len(live),
        longest_wait_seconds=max((r.waiting_seconds for r in live), default=0),
        agents=presence(conn),
        calls_today=day.offered,
        answered_today=day.answered,
        abandoned_today=day.abandoned,
        service_level=day.level,
    )


def _bounds(start: date, end: date, zone: tzinfo) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time(0), zone),
        datetime.combine(end + timedelta(days=1), time(0), zone),
    )


@dataclass(frozen=True)
class DayLevel:
    day: date
    offered: int
    answered: int
    in_time: int
    abandoned: int

    @property
    def level(self) -> float | None:
        """Percent answered within the service level time, of the calls that are over."""
        return round(100 * self.in_time / self.offered, 1) if self.offered else None


def service_levels(
    conn: Connection, start: date, end: date, zone: tzinfo, level_seconds: int
) -> list[DayLevel]:
    """Per day from `start` to `end` (inclusive): calls offered, answered (within the
    service level time) and abandoned."""
    low, high = _bounds(start, end, zone)
    rows = conn.execute(
        select(ENTRIES.c.offered_at, ENTRIES.c.answered_at, ENTRIES.c.status).where(
            ENTRIES.c.offered_at >= low, ENTRIES.c.offered_at < high, ENTRIES.c.status.in_(OVER)
        )
    ).all()
    counts: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for offered_at, answered_at, status in rows:
        day = counts[offered_at.astimezone(zone).date()]
        day[0] += 1
        if answered_at is not None:
            day[1] += 1
            day[2] += (answered_at - offered_at).total_seconds() <= level_seconds
        day[3] += status == waiting.ABANDONED
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return [DayLevel(d, *counts.get(d, [0, 0, 0, 0])) for d in days]


@dataclass(frozen=True)
class Abandoned:
    at: datetime
    waited_seconds: int
    category: str
    customer_number: str | None
    customer_name: str | None
    called_back: bool


def abandoned_calls(conn: Connection, start: date, end: date, zone: tzinfo) -> list[Abandoned]:
    """The callers who hung up while waiting, oldest first."""
    low, high = _bounds(start, end, zone)
    rows = conn.execute(
        select(
            ENTRIES.c.offered_at,
            ENTRIES.c.ended_at,
            ENTRIES.c.category,
            ENTRIES.c.callback_id,
            CUSTOMERS.c.number,
            CUSTOMERS.c.name,
        )
        .outerjoin(CONTRACTS, CONTRACTS.c.id == ENTRIES.c.contract_id)
        .outerjoin(CUSTOMERS, CUSTOMERS.c.id == CONTRACTS.c.customer_id)
        .where(
            ENTRIES.c.status == waiting.ABANDONED,
            ENTRIES.c.offered_at >= low,
            ENTRIES.c.offered_at < high,
        )
        .order_by(ENTRIES.c.offered_at, ENTRIES.c.id)
    ).all()
    return [
        Abandoned(
            at=r.offered_at,
            waited_seconds=int(((r.ended_at or r.offered_at) - r.offered_at).total_seconds()),
            category=r.category,
            customer_number=r.number,
            customer_name=r.name,
            called_back=r.callback_id is not None,
        )
        for r in rows
    ]


@dataclass(frozen=True)
class AgentFigures:
    name: str
    email: str
    calls_answered: int
    callbacks_done: int
    talk_seconds: int


def per_agent(conn: Connection, start: date, end: date, zone: tzinfo) -> list[AgentFigures]:
    """Per agent: hotline calls answered, callbacks done, and talk time (answered calls
    and callback attempts), in the date range."""
    low, high = _bounds(start, end, zone)
    figures: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    answered = conn.execute(
        select(ENTRIES.c.agent_id, ENTRIES.c.answered_at, ENTRIES.c.ended_at).where(
            ENTRIES.c.answered_at >= low, ENTRIES.c.answered_at < high
        )
    ).all()
    for agent_id, answered_at, ended_at in answered:
        if agent_id is None:
            continue
        figures[agent_id][0] += 1
        if ended_at is not None:
            figures[agent_id][2] += int((ended_at - answered_at).total_seconds())
    done = conn.execute(
        select(CALLBACKS.c.claimed_by_id).where(
            CALLBACKS.c.status == "done",
            CALLBACKS.c.updated_at >= low,
            CALLBACKS.c.updated_at < high,
            CALLBACKS.c.claimed_by_id.is_not(None),
        )
    ).all()
    for (agent_id,) in done:
        figures[agent_id][1] += 1
    legs = conn.execute(
        select(ATTEMPTS.c.agent_id, ATTEMPTS.c.started_at, ATTEMPTS.c.ended_at).where(
            and_(ATTEMPTS.c.started_at >= low, ATTEMPTS.c.started_at < high),
            ATTEMPTS.c.result == "completed",
            ATTEMPTS.c.agent_id.is_not(None),
            ATTEMPTS.c.ended_at.is_not(None),
        )
    ).all()
    for agent_id, started_at, ended_at in legs:
        figures[agent_id][2] += int((ended_at - started_at).total_seconds())
    agents = conn.execute(
        select(AGENTS.c.id, AGENTS.c.name, AGENTS.c.email).order_by(AGENTS.c.name, AGENTS.c.id)
    ).all()
    return [
        AgentFigures(name, email, *figures[agent_id])
        for agent_id, name, email in agents
        if agent_id in figures
    ]
