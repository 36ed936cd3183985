"""Demo data: a dozen German shops on both plans, three agents and a few callbacks.

The customers go in through the customer import (`validate_rows` + `apply_import`),
so loading the demo also proves the import. Loading twice changes nothing: the
import is an upsert, agents are found by e-mail, callbacks by their ticket's subject,
and a contract that was cancelled or terminated already is left as it is.

Callback rows are written here with the models: the core package does not import
the `callback` package (dependencies point inward).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.accounts.agents import add_agent
from hotline.calendar import BusinessCalendar
from hotline.categories import category
from hotline.contracts.records import cancel_contract, get_contract, terminate_contract
from hotline.demo import data
from hotline.directory.lookup import find_station
from hotline.directory.phones import normalize
from hotline.imports import ImportReport, apply_import, validate_rows
from hotline.models import Agent, Callback, CallbackAttempt, Contract, Ticket
from hotline.tickets import open_ticket

__all__ = ["DemoError", "DemoResult", "load_demo"]

_RETRY_AFTER = timedelta(minutes=15)


class DemoError(RuntimeError):
    """The demo data did not load (a bug in the demo data, not the operator's fault)."""


@dataclass
class DemoResult:
    imported: ImportReport
    agents_created: list[str] = field(default_factory=list)
    callbacks_created: int = 0
    contract_changes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.imported.changed
            or self.agents_created
            or self.callbacks_created
            or self.contract_changes
        )


def load_demo(session: Session, *, now: datetime, calendar: BusinessCalendar) -> DemoResult:
    """Load (or complete) the demo data in the caller's transaction."""
    checked = validate_rows(data.csv_rows())
    report = apply_import(session, checked, now=now)
    if report.errors:
        raise DemoError("; ".join(str(e) for e in report.errors))
    result = DemoResult(imported=report)
    _contract_states(session, now, calendar, result)
    _agents(session, now, result)
    _callbacks(session, now, calendar, result)
    session.flush()
    return result


def _contract_states(
    session: Session, now: datetime, calendar: BusinessCalendar, result: DemoResult
) -> None:
    today = now.astimezone(calendar.zone).date()
    running = get_contract(session, data.CANCELLED_RUNNING)
    if running.cancellation_received is None:
        cancel_contract(session, running.number, received=today, by="customer", now=now)
        result.contract_changes.append(f"{running.number} cancelled")
    number, received = data.CANCELLED_ENDED
    if get_contract(session, number).cancellation_received is None:
        cancel_contract(session, number, received=received, by="customer", now=now)
        result.contract_changes.append(f"{number} cancelled")
    number, effective, reason = data.TERMINATED
    if get_contract(session, number).termination_effective is None:
        terminate_contract(session, number, reason=reason, effective=effective, now=now)
        result.contract_changes.append(f"{number} terminated")


def _agents(session: Session, now: datetime, result: DemoResult) -> None:
    for spec in data.AGENTS:
        if session.scalar(select(Agent.id).where(Agent.email == spec.email)) is not None:
            continue  # keep what the operator may have changed since
        agent = add_agent(
            session,
            email=spec.email,
            name=spec.name,
            phone=spec.phone,
            password=data.DEMO_PASSWORD,
            supervisor=spec.supervisor,
            now=now,
        )
        agent.available = spec.available
        result.agents_created.append(spec.email)


def _callbacks(
    session: Session, now: datetime, calendar: BusinessCalendar, result: DemoResult
) -> None:
    agents = {a.email: a for a in session.scalars(select(Agent))}
    for spec in data.CALLBACKS:
        contract = get_contract(session, spec.contract_number)
        exists = session.scalar(
            select(Ticket.id).where(
                Ticket.subject == spec.subject, Ticket.contract_id == contract.id
            )
        )
        if exists is not None:
            continue
        _add_callback(session, spec, contract, now, calendar, agents)
        result.callbacks_created += 1


def _add_callback(
    session: Session,
    spec: data.DemoCallback,
    contract: Contract,
    now: datetime,
    calendar: BusinessCalendar,
    agents: dict[str, Agent],
) -> None:
    phone = normalize(spec.phone)
    if phone is None:
        raise DemoError(f"demo callback phone {spec.phone!r} is not valid")
    station = find_station(contract, spec.station_number) if spec.station_number else None
    agent = agents[spec.agent_email] if spec.agent_email else None
    requested_at = now - timedelta(minutes=spec.minutes_ago)
    ticket = open_ticket(
        session,
        now=requested_at,
        contract_id=contract.id,
        station_id=station.id if station else None,
        channel="phone",
        category=spec.category,
        subject=spec.subject,
    )
    due_at = calendar.next_opening(now)
    callback = Callback(
        phone=phone,
        contract_id=contract.id,
        station_id=station.id if station else None,
        ticket_id=ticket.id,
        category=spec.category,
        priority=category(spec.category).priority,
        status="due" if due_at <= now else "queued",
        requested_at=requested_at,
        due_at=due_at,
        attempts=0,
        note=spec.note,
        updated_at=now,
    )
    session.add(callback)
    if spec.state == "retry":
        # One unanswered attempt: due again after the retry interval (or at the next opening).
        callback.attempts = 1
        callback.status = "due"
        callback.next_attempt_at = calendar.next_opening(now + _RETRY_AFTER)
        callback.last_error = "no answer"
    elif spec.state == "claimed" and agent is not None:
        callback.status = "claimed"
        callback.claimed_by_id = agent.id
        callback.claimed_at = now
    elif spec.state == "done" and agent is not None:
        # Called back at the opening after the request (but in the past, whatever the hour).
        callback.due_at = min(calendar.next_opening(requested_at), now - timedelta(minutes=30))
        callback.status = "done"
        callback.outcome = "done"
        callback.attempts = 1
        callback.claimed_by_id = agent.id
        callback.claimed_at = callback.due_at
        ticket.status = "closed"
        ticket.closed_at = callback.due_at + timedelta(minutes=12)
    session.flush()
    if spec.state in ("retry", "done"):
        started = callback.due_at if spec.state == "done" else now - timedelta(minutes=5)
        session.add(
            CallbackAttempt(
                callback_id=callback.id,
                agent_id=agent.id if agent else None,
                started_at=started,
                ended_at=started + timedelta(minutes=1 if spec.state == "retry" else 12),
                result="no_answer" if spec.state == "retry" else "completed",
            )
        )
