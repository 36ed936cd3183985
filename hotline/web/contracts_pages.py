"""Verträge: search by customer number, name or phone number; the contract page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.contracts.records import contract_overview
from hotline.directory.lookup import contracts_of_customer, find_contract, lookup_number
from hotline.directory.phones import format_national, normalize
from hotline.models import Contract, Customer, PhoneNumber, Ticket
from hotline.runtime import runtime
from hotline.web.formats import berlin
from hotline.web.ui import db

bp = Blueprint("contracts_pages", __name__)

MONTHS = ("Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez")
CHART_MONTHS = 12


@dataclass(frozen=True)
class Hit:
    contract: Contract
    reason: str


@bp.get("/contracts")
def search() -> ResponseReturnValue:
    q = request.args.get("q", "").strip()[:200]
    hits = find_contracts(db(), q) if q else []
    return render_template("contracts_search.html", q=q, hits=hits, searched=bool(q))


def find_contracts(session: Session, q: str) -> list[Hit]:
    """Contracts for a phone number (any format), customer or contract number, or a name."""
    hits: dict[int, Hit] = {}

    def add(contract: Contract, reason: str) -> None:
        hits.setdefault(contract.id, Hit(contract, reason))

    e164 = normalize(q)
    if e164 is not None:
        for match in lookup_number(session, e164):
            if match.admin is not None:
                who = f"Admin {match.admin.name}"
            elif match.station is not None:
                who = f"Kasse {match.station.number} ({match.station.name})"
            else:
                who = "Vertrag"
            add(match.contract, f"Telefon {format_national(e164)}: {who}")
    compact = q.replace(" ", "")
    if compact.isdigit():
        for contract in contracts_of_customer(session, compact):
            add(contract, f"Kundennummer {compact}")
    by_number = find_contract(session, q)
    if by_number is not None:
        add(by_number, f"Vertragsnummer {by_number.number}")
    if len(q) >= 2 and not compact.isdigit():
        pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
        by_name = session.scalars(
            select(Contract)
            .join(Customer)
            .where(func.lower(Customer.name).like(pattern + "%", escape="\\"))
            .order_by(Customer.name, Contract.start, Contract.id)
            .limit(100)
        )
        for named in by_name:
            add(named, f"Kundenname {named.customer.name}")
    return list(hits.values())


@bp.get("/contracts/<number>")
def contract(number: str) -> ResponseReturnValue:
    s = db()
    found = find_contract(s, number)
    if found is None:
        abort(404)
    rt = runtime()
    today = rt.clock.now().astimezone(rt.calendar.zone).date()
    overview = contract_overview(found, today)
    phones: dict[int, list[str]] = {}
    admin_phones: dict[int, list[str]] = {}
    for row in s.scalars(select(PhoneNumber).where(PhoneNumber.contract_id == found.id)):
        if row.station_id is not None:
            phones.setdefault(row.station_id, []).append(format_national(row.e164))
        elif row.contact_id is not None:
            admin_phones.setdefault(row.contact_id, []).append(format_national(row.e164))
    tickets = list(
        s.scalars(
            select(Ticket)
            .where(Ticket.contract_id == found.id)
            .order_by(Ticket.opened_at.desc())
            .limit(20)
        )
    )
    per_month = tickets_per_month(s, found.id, today)
    return render_template(
        "contract.html",
        contract=found,
        o=overview,
        phones=phones,
        admin_phones=admin_phones,
        tickets=tickets,
        per_month=per_month,
        peak=max([n for _, n in per_month] + [1]),
        events=found.events,
        berlin=berlin,
        today=today,
    )


def tickets_per_month(session: Session, contract_id: int, today: date) -> list[tuple[str, int]]:
    """Tickets opened in each of the last 12 months (Berlin months), oldest first."""
    months: list[tuple[int, int]] = []
    year, month = today.year, today.month
    for _ in range(CHART_MONTHS):
        months.append((year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    counts = dict.fromkeys(months, 0)
    zone = runtime().calendar.zone
    first = months[0]
    for opened in session.scalars(
        select(Ticket.opened_at).where(Ticket.contract_id == contract_id)
    ):
        local = opened.astimezone(zone)
        key = (local.year, local.month)
        if key >= first and key in counts:
            counts[key] += 1
    return [(f"{MONTHS[m - 1]} {y % 100:02d}", counts[(y, m)]) for y, m in months]
