"""Berichte, for supervisors: the /reports page and its figures, computed from the
database rows.

Days and months are Berlin days and months (the calendar's zone); grouping happens
in Python so SQLite and PostgreSQL give the same answer.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.models import Call, Callback, CallbackAttempt, Contract, Customer, Ticket
from hotline.runtime import runtime
from hotline.web.labels_de import STATUS_LABELS
from hotline.web.ui import db, supervisor_required

bp = Blueprint("reports", __name__)

MONTHS = ("Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez")
WAITING_STATES = ("queued", "due", "claimed", "calling")


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


@dataclass(frozen=True)
class FirstAttempt:
    """Minutes from the request to the first outbound attempt (callbacks of the period)."""

    count: int
    median_minutes: float | None
    average_minutes: float | None


@dataclass(frozen=True)
class ContractMonths:
    contract_number: str
    customer_name: str
    counts: list[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


# --- the page -------------------------------------------------------------------------------


@bp.get("/reports")
@supervisor_required
def reports() -> ResponseReturnValue:
    rt = runtime()
    s = db()
    now = rt.clock.now()
    zone = rt.calendar.zone
    per_month, per_contract, months = tickets_per_month(s, now, zone)
    waiting = callbacks_waiting(s)
    return render_template(
        "reports.html",
        calls=calls_per_day(s, now, zone),
        waiting=[Bar(STATUS_LABELS[b.label], b.value) for b in waiting],
        waiting_total=sum(b.value for b in waiting),
        oldest=oldest_waiting(s),
        first_attempt=time_to_first_attempt(s, now),
        tickets=per_month,
        per_contract=per_contract[:50],
        contract_count=len(per_contract),
        months=months,
    )


# --- the figures ----------------------------------------------------------------------------


def calls_per_day(session: Session, now: datetime, zone: tzinfo, days: int = 30) -> list[Bar]:
    """Inbound calls on each of the last `days` Berlin days, oldest first (today included)."""
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days - 1)
    counts = {first + timedelta(days=i): 0 for i in range(days)}
    since = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    for started in session.scalars(select(Call.started_at).where(Call.started_at >= since)):
        day = started.astimezone(zone).date()
        if day in counts:
            counts[day] += 1
    return [Bar(d.strftime("%d.%m."), n) for d, n in counts.items()]


def callbacks_waiting(session: Session) -> list[Bar]:
    """Open callbacks by state (queued, due, claimed, calling)."""
    found: dict[str, int] = {
        status: int(count)
        for status, count in session.execute(
            select(Callback.status, func.count())
            .where(Callback.status.in_(WAITING_STATES))
            .group_by(Callback.status)
        )
    }
    return [Bar(status, found.get(status, 0)) for status in WAITING_STATES]


def oldest_waiting(session: Session) -> datetime | None:
    return session.scalar(
        select(func.min(Callback.requested_at)).where(Callback.status.in_(WAITING_STATES))
    )


def time_to_first_attempt(session: Session, now: datetime, days: int = 30) -> FirstAttempt:
    """Median and average minutes from request to first attempt, requests of the last `days`."""
    first_attempt = (
        select(
            CallbackAttempt.callback_id.label("callback_id"),
            func.min(CallbackAttempt.started_at).label("first_at"),
        )
        .group_by(CallbackAttempt.callback_id)
        .subquery()
    )
    rows = session.execute(
        select(Callback.requested_at, first_attempt.c.first_at)
        .join(first_attempt, first_attempt.c.callback_id == Callback.id)
        .where(Callback.requested_at >= now - timedelta(days=days))
    ).all()
    minutes: list[float] = []
    for requested_at, first_at in rows:
        if first_at is None:
            continue
        # min() over a custom type comes back raw on SQLite: make it aware like the column.
        if isinstance(first_at, str):
            first_at = datetime.fromisoformat(first_at)
        if first_at.tzinfo is None:
            first_at = first_at.replace(tzinfo=requested_at.tzinfo)
        minutes.append(max(0.0, (first_at - requested_at).total_seconds() / 60))
    if not minutes:
        return FirstAttempt(0, None, None)
    return FirstAttempt(len(minutes), statistics.median(minutes), statistics.fmean(minutes))


def month_keys(today: date, months: int) -> list[tuple[int, int]]:
    """(year, month) of the last `months` months, oldest first, this month included."""
    keys: list[tuple[int, int]] = []
    year, month = today.year, today.month
    for _ in range(months):
        keys.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    keys.reverse()
    return keys


def month_label(key: tuple[int, int]) -> str:
    return f"{MONTHS[key[1] - 1]} {key[0] % 100:02d}"


def tickets_per_month(
    session: Session, now: datetime, zone: tzinfo, months: int = 12
) -> tuple[list[Bar], list[ContractMonths], list[str]]:
    """All tickets per month (bars), and per contract per month (rows, busiest first)."""
    keys = month_keys(now.astimezone(zone).date(), months)
    index = {key: i for i, key in enumerate(keys)}
    since = datetime(keys[0][0], keys[0][1], 1, tzinfo=zone)
    totals = [0] * months
    per_contract: dict[int, list[int]] = {}
    for opened_at, contract_id in session.execute(
        select(Ticket.opened_at, Ticket.contract_id).where(Ticket.opened_at >= since)
    ):
        local = opened_at.astimezone(zone)
        i = index.get((local.year, local.month))
        if i is None:
            continue
        totals[i] += 1
        if contract_id is not None:
            per_contract.setdefault(contract_id, [0] * months)[i] += 1
    names = {
        contract_id: (number, name)
        for contract_id, number, name in session.execute(
            select(Contract.id, Contract.number, Customer.name)
            .join(Customer, Customer.id == Contract.customer_id)
            .where(Contract.id.in_(list(per_contract) or [-1]))
        )
    }
    rows = [
        ContractMonths(names[cid][0], names[cid][1], counts)
        for cid, counts in per_contract.items()
        if cid in names
    ]
    rows.sort(key=lambda r: (-r.total, r.contract_number))
    labels = [month_label(k) for k in keys]
    return [Bar(label, n) for label, n in zip(labels, totals, strict=True)], rows, labels
