"""Contracts in the database: the overview, cancellation and termination.

Kept apart from the pure rules in this package because it needs the models,
and the models need the rules.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from hotline.contracts.pricing import TooManyStations, annual_price
from hotline.contracts.terms import (
    CANCELLING_PARTIES,
    ContractStatus,
    Plan,
    effective_end,
    status_on,
    term_on,
)
from hotline.directory.lookup import find_contract
from hotline.models import Contract, ContractEvent


class ContractError(ValueError):
    """A contract operation that cannot be done as asked.

    The message is English (the CLI prints it); `code` says which problem it is, for
    callers that word it themselves: not_found, bad_party, terminated_already,
    cancelled_already, reason_missing, not_second_level."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


def get_contract(session: Session, number: str) -> Contract:
    """The contract with this number, or a ContractError naming it."""
    contract = find_contract(session, number)
    if contract is None:
        raise ContractError(f"no contract with number {number}", code="not_found")
    return contract


def contract_overview(contract: Contract, today: date) -> dict[str, Any]:
    """Plan, status, stations, price, current term and cancellation, as plain data."""
    facts = contract.facts
    status = status_on(facts, today)
    term = term_on(contract.start, max(today, contract.start))
    stations = len(contract.stations)
    try:
        price: str | None = str(annual_price(Plan(contract.plan), stations)) if stations else None
        price_problem = None
    except TooManyStations as exc:
        price, price_problem = None, str(exc)
    return {
        "contract_number": contract.number,
        "customer_number": contract.customer.number,
        "customer_name": contract.customer.name,
        "customer_email": contract.customer.email,
        "plan": contract.plan,
        "status": status.value,
        "entitled": status in (ContractStatus.ACTIVE, ContractStatus.NOTICE_GIVEN),
        "start": contract.start.isoformat(),
        "current_term": {
            "index": term.index + 1,
            "start": term.start.isoformat(),
            "end": term.end.isoformat(),
        },
        "annual_price_eur": price,
        "price_problem": price_problem,
        "stations": [
            {"number": s.number, "name": s.name, "teamviewer_id": s.teamviewer_id}
            for s in contract.stations
        ],
        "admins": [{"name": c.name, "email": c.email} for c in contract.contacts],
        "cashier_dial_admin": contract.dial_admin_for_cashiers,
        "cancellation": None
        if contract.cancellation_received is None
        else {
            "received": contract.cancellation_received.isoformat(),
            "by": contract.cancellation_by,
            "effective_end": _iso(effective_end(facts)),
        },
        "termination": None
        if contract.termination_effective is None
        else {
            "effective": contract.termination_effective.isoformat(),
            "reason": contract.termination_reason,
        },
        "effective_end": _iso(effective_end(facts)),
    }


def cancel_contract(
    session: Session, number: str, *, received: date, by: str, now: datetime
) -> Contract:
    """Record a cancellation received on `received`; the rules say when it takes effect."""
    if by not in CANCELLING_PARTIES:
        raise ContractError(
            f"--by must be one of {', '.join(CANCELLING_PARTIES)}, not {by!r}", code="bad_party"
        )
    contract = get_contract(session, number)
    if contract.termination_effective is not None:
        raise ContractError(f"contract {number} was terminated already", code="terminated_already")
    if contract.cancellation_received is not None:
        raise ContractError(
            f"contract {number} was cancelled already "
            f"(received {contract.cancellation_received.isoformat()})",
            code="cancelled_already",
        )
    contract.cancellation_received = received
    contract.cancellation_by = by
    contract.effective_end = effective_end(contract.facts)
    contract.updated_at = now
    _event(
        contract,
        now,
        "cancelled",
        f"received {received.isoformat()} from the {by}; ends {_iso(contract.effective_end)}",
    )
    return contract


def terminate_contract(
    session: Session, number: str, *, reason: str, effective: date, now: datetime
) -> Contract:
    """Terminate the contract for a reason, from `effective` on (provider's right)."""
    if not reason.strip():
        raise ContractError("a termination needs a reason", code="reason_missing")
    contract = get_contract(session, number)
    if contract.termination_effective is not None:
        raise ContractError(f"contract {number} was terminated already", code="terminated_already")
    contract.termination_effective = effective
    contract.termination_reason = reason.strip()
    contract.effective_end = effective_end(contract.facts)
    contract.updated_at = now
    _event(contract, now, "terminated", f"from {effective.isoformat()}: {reason.strip()}")
    return contract


def set_cashier_dial_admin(session: Session, number: str, on: bool, now: datetime) -> Contract:
    """Whether a Second Level contract's cashiers are put through to their admin by phone
    (instead of only hearing the admin's name); a change is noted in the history."""
    contract = get_contract(session, number)
    if contract.plan != Plan.SECOND_LEVEL.value:
        raise ContractError(
            f"contract {number} is not second_level: everyone reaches the agents",
            code="not_second_level",
        )
    if contract.dial_admin_for_cashiers != on:
        contract.dial_admin_for_cashiers = on
        contract.updated_at = now
        _event(contract, now, "setting", f"cashier_dial_admin {'on' if on else 'off'}")
    return contract


def _event(contract: Contract, now: datetime, kind: str, detail: str) -> None:
    contract.events.append(ContractEvent(at=now, kind=kind, detail=detail))


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None
