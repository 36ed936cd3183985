"""The life cycle of a remote maintenance session on a ticket.

Started through TeamViewer (code, link, SMS to the cashier) or recorded by hand; ended
with the agent's note, which closes it at TeamViewer; closed with its ticket. Nothing is
half-stored: a session TeamViewer created that the database could not keep is closed
at TeamViewer again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from hotline.models import Call, Callback, Contract, Customer, RemoteSession, Station, Ticket
from hotline.notes import checked_note
from hotline.remote.cashier import SmsFailed, SmsSender, number_kind, sms_text
from hotline.remote.teamviewer import TeamViewerApi, TeamViewerError

log = logging.getLogger(__name__)


class RemoteError(Exception):
    """The session could not be started or ended; the text is the German reason."""


class AlreadyRunning(RemoteError):
    """The ticket has a session that has not ended yet."""


@dataclass(frozen=True)
class Started:
    """A session just started: the stored row and whether the SMS went out."""

    remote: RemoteSession
    sms_sent: bool


def record_by_hand(db: Session, ticket: Ticket, agent_id: int | None, now: datetime) -> Started:
    """A session the agent runs without the Web API (the station's TeamViewer id)."""
    _refuse_a_second(db, ticket)
    station = db.get(Station, ticket.station_id) if ticket.station_id else None
    remote = _new_row(ticket, station, agent_id, now)
    db.add(remote)
    db.commit()
    return Started(remote, sms_sent=False)


def _refuse_a_second(db: Session, ticket: Ticket) -> None:
    """A resent form must not open a second session at TeamViewer beside the running one."""
    running = db.scalar(
        select(RemoteSession).where(
            RemoteSession.ticket_id == ticket.id, RemoteSession.ended_at.is_(None)
        )
    )
    if running is not None:
        name = f"Sitzung {running.code}" if running.code else "von Hand erfasst"
        raise AlreadyRunning(
            f"Auf diesem Ticket läuft schon eine Fernwartung ({name}). Bitte sie zuerst beenden."
        )


def _new_row(
    ticket: Ticket, station: Station | None, agent_id: int | None, now: datetime
) -> RemoteSession:
    return RemoteSession(
        ticket_id=ticket.id,
        station_id=station.id if station else None,
        agent_id=agent_id,
        teamviewer_id=station.teamviewer_id if station else None,
        started_at=now,
        note="",
    )


def start_session(
    db: Session,
    ticket: Ticket,
    *,
    api: TeamViewerApi,
    agent_id: int | None,
    now: datetime,
    phone: str | None = None,
    sms: SmsSender | None = None,
) -> Started:
    """Create the session at TeamViewer, store it on the ticket, then tell the cashier.

    `phone`: the number the agent entered (E.164); else the caller's. Raises
    AlreadyRunning (a session of the ticket has not ended), TeamViewerError (TeamViewer
    refused; nothing stored) or RemoteError (not stored, and closed at TeamViewer again).
    """
    _refuse_a_second(db, ticket)
    station = db.get(Station, ticket.station_id) if ticket.station_id else None
    customer = _customer(db, ticket)
    description = f"Ticket {ticket.number}"
    if station is not None:
        description += f", Kasse {station.number} ({station.name})"
    created = api.create_session(
        description=description,
        end_customer_name=(customer or "Kunde") + (f", Kasse {station.number}" if station else ""),
    )
    try:
        remote = _new_row(ticket, station, agent_id, now)
        remote.code, remote.state = created.code, created.state
        remote.end_customer_link = created.end_customer_link
        remote.valid_until = created.valid_until
        remote.sms_to = phone or caller_number(db, ticket)
        db.add(remote)
        db.commit()
    except SQLAlchemyError as exc:
        db.rollback()
        log.error("TeamViewer session %s could not be stored: %s", created.code, exc)
        try:
            api.close_session(created.code)
        except TeamViewerError as close_error:
            log.error("and closing it at TeamViewer failed: %s", close_error)
            raise RemoteError(
                f"Die Sitzung {created.code} konnte nicht gespeichert werden, und TeamViewer "
                f"hat sie nicht geschlossen ({close_error}). Bitte in TeamViewer schließen."
            ) from exc
        raise RemoteError(
            "Die Sitzung konnte nicht gespeichert werden und wurde bei TeamViewer wieder "
            "geschlossen. Bitte erneut versuchen."
        ) from exc
    sent = _tell_cashier(remote, ticket.number, sms)
    db.commit()
    return Started(remote, sms_sent=sent)


def _tell_cashier(remote: RemoteSession, ticket_number: int, sms: SmsSender | None) -> bool:
    kind = number_kind(remote.sms_to)
    if kind == "none":
        remote.sms_status = "no_number"
    elif kind != "mobile":
        remote.sms_status = "landline" if kind == "landline" else "not_mobile"
    elif sms is None:
        remote.sms_status = "not_configured"
    else:
        assert remote.sms_to is not None and remote.code and remote.end_customer_link
        try:
            remote.sms_sid = sms(
                remote.sms_to, sms_text(ticket_number, remote.code, remote.end_customer_link)
            )
        except SmsFailed as exc:
            remote.sms_status, remote.sms_error = "failed", str(exc)
            return False
        remote.sms_status = "sent"
        return True
    return False


def end_session(
    db: Session, remote: RemoteSession, *, note: str, now: datetime, api: TeamViewerApi | None
) -> None:
    """Record the end and the agent's note, and close the session at TeamViewer.

    The end and the note are kept even when TeamViewer refuses to close: the refusal is
    stored as close_error, and close_at_teamviewer() tries again.
    """
    if remote.ended_at is not None:
        raise RemoteError("Diese Fernwartung ist schon beendet.")
    checked = checked_note(note)
    remote.ended_at = now
    remote.note = checked
    _close(remote, api)
    db.commit()


def close_at_teamviewer(db: Session, remote: RemoteSession, api: TeamViewerApi | None) -> None:
    """Try again to close an ended session TeamViewer still has open."""
    _close(remote, api)
    db.commit()
    if remote.close_error:
        raise RemoteError(remote.close_error)


def close_open_sessions(
    db: Session, ticket: Ticket, *, now: datetime, api: TeamViewerApi | None
) -> list[str]:
    """End every running session of a ticket being closed; the German problems, if any."""
    problems = []
    running = db.scalars(
        select(RemoteSession).where(
            RemoteSession.ticket_id == ticket.id,
            (RemoteSession.ended_at.is_(None)) | (RemoteSession.close_error.is_not(None)),
        )
    )
    for remote in running:
        if remote.ended_at is None:
            remote.ended_at = now
            remote.note = remote.note or "Mit dem Ticket geschlossen."
        _close(remote, api)
        if remote.close_error:
            problems.append(f"Sitzung {remote.code}: {remote.close_error}")
    db.commit()
    return problems


def _close(remote: RemoteSession, api: TeamViewerApi | None) -> None:
    if remote.code is None or remote.state == "closed":
        return
    if api is None:
        remote.close_error = (
            "TeamViewer ist nicht eingerichtet (TEAMVIEWER_API_TOKEN fehlt); bitte die "
            "Sitzung in TeamViewer schließen."
        )
        return
    try:
        api.close_session(remote.code)
    except TeamViewerError as exc:
        remote.close_error = str(exc)
        return
    remote.state, remote.close_error = "closed", None


def caller_number(db: Session, ticket: Ticket) -> str | None:
    """The number the cashier called from, or the latest callback number of the ticket."""
    if ticket.call_id is not None:
        call = db.get(Call, ticket.call_id)
        if call is not None and call.caller_e164:
            return call.caller_e164
    return db.scalar(
        select(Callback.phone)
        .where(Callback.ticket_id == ticket.id)
        .order_by(Callback.requested_at.desc(), Callback.id.desc())
        .limit(1)
    )


def is_expired(remote: RemoteSession, now: datetime) -> bool:
    """A TeamViewer session still open here whose validity has run out."""
    return (
        remote.code is not None
        and remote.ended_at is None
        and remote.valid_until is not None
        and now >= remote.valid_until
    )


def _customer(db: Session, ticket: Ticket) -> str | None:
    if ticket.contract_id is None:
        return None
    return db.scalar(
        select(Customer.name)
        .join(Contract, Contract.customer_id == Customer.id)
        .where(Contract.id == ticket.contract_id)
    )
