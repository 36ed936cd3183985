"""The daily jobs: contract term roll-over and ends, and retention clean-up.

Both are idempotent sweeps over the tables (the database is the only state),
so running them late, twice, or after a long outage does the right thing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from callback.lifecycle import FINAL_STATES
from hotline.accounts.sign_in_throttle import forget_stale
from hotline.contracts import ContractStatus, status_on, term_on
from hotline.db import rows_changed
from hotline.models import (
    Call,
    Callback,
    CallbackAttempt,
    CallStep,
    Contract,
    ContractEvent,
    PinAttempt,
)
from hotline.privacy.mails import forget_old_mails
from hotline.privacy.office_messages import forget_old_office_messages
from hotline.settings import Settings


def roll_over_contracts(session: Session, today: date, now: datetime) -> int:
    """Record term renewals and contract ends that happened by `today`; returns events added."""
    added = 0
    contracts = session.scalars(select(Contract).where(Contract.start <= today))
    for contract in contracts:
        kinds = {(e.kind, e.detail) for e in contract.events}
        status = status_on(contract.facts, today)
        if status in (ContractStatus.ENDED, ContractStatus.TERMINATED):
            if not any(kind == "ended" for kind, _ in kinds):
                end = contract.effective_end
                detail = f"ended {end.isoformat()}" if end else "ended"
                contract.events.append(ContractEvent(at=now, kind="ended", detail=detail))
                added += 1
            continue
        term = term_on(contract.start, today)
        if term.index == 0:
            continue
        detail = f"term {term.index + 1}: {term.start.isoformat()} to {term.end.isoformat()}"
        if ("renewed", detail) not in kinds:
            contract.events.append(ContractEvent(at=now, kind="renewed", detail=detail))
            added += 1
    return added


def clean_up(session: Session, settings: Settings, now: datetime) -> dict[str, int]:
    """Forget problem recordings and call details older than the retention settings.

    Finished callbacks (done, failed, cancelled) whose last change is older than
    `retention_call_details_days` lose the customer's number, the agent's note and
    the error texts (which can quote the number); the rows stay for the reports.
    Open callbacks are never touched, however old. Mails of closed tickets (or of none)
    older than that lose their addresses, text and attachments (hotline.privacy.mails).
    Messages for the office marked done lose their recording and number likewise
    (hotline.privacy.office_messages).
    """
    recordings_before = now - timedelta(days=settings.retention_recordings_days)
    details_before = now - timedelta(days=settings.retention_call_details_days)
    recordings = session.execute(
        update(Callback)
        .where(
            Callback.recording_url.is_not(None),
            Callback.requested_at < recordings_before,
            Callback.status.in_(FINAL_STATES),
        )
        .values(recording_url=None, recording_seconds=None)
        .execution_options(synchronize_session=False)
    )
    steps = session.execute(delete(CallStep).where(CallStep.at < details_before))
    pins = session.execute(delete(PinAttempt).where(PinAttempt.at < details_before))
    # Old calls stay counted for the reports, without the caller's number.
    calls = session.execute(
        update(Call)
        .where(
            Call.started_at < details_before,
            or_(Call.caller_e164.is_not(None), Call.from_raw != ""),
        )
        .values(from_raw="", caller_e164=None)
        .execution_options(synchronize_session=False)
    )
    # Callbacks finished long enough ago: select by status and last change only, so
    # the two statements agree whatever ran before and a second run changes nothing.
    finished_long_ago = (Callback.status.in_(FINAL_STATES), Callback.updated_at < details_before)
    callbacks = session.execute(
        update(Callback)
        .where(
            *finished_long_ago,
            or_(Callback.phone != "", Callback.note != "", Callback.last_error.is_not(None)),
        )
        .values(phone="", note="", last_error=None)
        .execution_options(synchronize_session=False)
    )
    attempts = session.execute(
        update(CallbackAttempt)
        .where(
            CallbackAttempt.error.is_not(None),
            CallbackAttempt.callback_id.in_(select(Callback.id).where(*finished_long_ago)),
        )
        .values(error=None)
        .execution_options(synchronize_session=False)
    )
    return {
        "mails": forget_old_mails(session, details_before),
        "office_messages": forget_old_office_messages(session, recordings_before, details_before),
        "recordings": rows_changed(recordings),
        "call_steps": rows_changed(steps),
        "pin_attempts": rows_changed(pins),
        "calls": rows_changed(calls),
        "callbacks": rows_changed(callbacks),
        "login_throttles": forget_stale(session, now),
        "callback_attempts": rows_changed(attempts),
    }
