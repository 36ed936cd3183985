"""Remote maintenance on the ticket page: start a TeamViewer session (or record one by
hand), open it as the supporter, end it with a note, close it again at TeamViewer.

The ticket page includes templates/_remote_sessions.html, which asks `remote_panel(ticket)`
for what to show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.directory.phones import format_national, normalize
from hotline.models import Agent, RemoteSession, Ticket
from hotline.remote.cashier import (
    SMS_SENDER_KEY,
    SmsSender,
    grouped_code,
    number_kind,
    read_out_sentence,
)
from hotline.remote.sessions import (
    AlreadyRunning,
    RemoteError,
    Started,
    caller_number,
    close_at_teamviewer,
    close_open_sessions,
    end_session,
    is_expired,
    record_by_hand,
    start_session,
)
from hotline.remote.teamviewer import TeamViewerApi, TeamViewerError, teamviewer_api
from hotline.runtime import runtime
from hotline.web.ui import back_to_ticket, db, signed_in_agent, ticket_or_404

bp = Blueprint("remote_pages", __name__)

TEAMVIEWER_START = "https://start.teamviewer.com/"
SMS_LABELS = {
    "sent": "SMS mit dem Link gesendet an",
    "failed": "SMS nicht gesendet",
    "landline": "Festnetz, keine SMS möglich:",
    "not_mobile": "keine Mobilnummer, keine SMS:",
    "no_number": "keine Rufnummer bekannt, keine SMS",
    "not_configured": "SMS nicht eingerichtet (kein Twilio-Konto)",
}


@bp.app_template_filter("teamviewer_link")
def teamviewer_link(teamviewer_id: str | None) -> str:
    """The start link of a TeamViewer id: https://start.teamviewer.com/ and its digits only."""
    return TEAMVIEWER_START + "".join(c for c in teamviewer_id or "" if c.isdigit())


@dataclass(frozen=True)
class RemoteRow:
    """One session as the agent sees it."""

    remote: RemoteSession
    agent: str
    status: str
    duration: str | None
    code: str | None
    read_out: str | None
    sms: str | None


@dataclass(frozen=True)
class RemotePanel:
    rows: list[RemoteRow]
    running: bool
    api_ready: bool
    phone: str


@bp.app_template_global("remote_panel")
def remote_panel(ticket: Ticket) -> RemotePanel:
    """The remote sessions of a ticket, prepared for _remote_sessions.html."""
    s = db()
    now = runtime().clock.now()
    sessions = s.scalars(
        select(RemoteSession)
        .where(RemoteSession.ticket_id == ticket.id)
        .order_by(RemoteSession.started_at, RemoteSession.id)
    ).all()
    agent_ids = {r.agent_id for r in sessions if r.agent_id is not None}
    names: dict[int | None, str] = {
        agent_id: name
        for agent_id, name in s.execute(select(Agent.id, Agent.name).where(Agent.id.in_(agent_ids)))
    }
    phone = caller_number(s, ticket)
    return RemotePanel(
        rows=[_row(r, names.get(r.agent_id, "–"), now) for r in sessions],
        running=any(r.ended_at is None for r in sessions),
        api_ready=runtime().settings.teamviewer_api_token is not None,
        phone=format_national(phone) if phone else "",
    )


def _row(remote: RemoteSession, agent: str, now: datetime) -> RemoteRow:
    expired = is_expired(remote, now)
    if expired:
        status = "abgelaufen"
    elif remote.ended_at is None:
        status = "läuft"
    elif remote.close_error:
        status = "beendet, bei TeamViewer noch offen"
    else:
        status = "beendet"
    duration = None
    if remote.ended_at is not None:
        minutes = int((remote.ended_at - remote.started_at).total_seconds() // 60)
        hours, rest = divmod(minutes, 60)
        duration = f"{hours} Std. {rest} Min." if hours else f"{minutes} Min."
    sms = SMS_LABELS.get(remote.sms_status or "")
    if sms and remote.sms_status in ("sent", "landline", "not_mobile") and remote.sms_to:
        sms = f"{sms} {format_national(remote.sms_to)}"
    if remote.sms_status == "failed" and remote.sms_error:
        sms = f"{sms}: {remote.sms_error}"
    # An expired code no longer connects: nothing to read out.
    show_code = remote.code is not None and remote.ended_at is None and not expired
    return RemoteRow(
        remote=remote,
        agent=agent,
        status=status,
        duration=duration,
        code=grouped_code(remote.code) if show_code and remote.code else None,
        read_out=(
            read_out_sentence(remote.code, remote.end_customer_link)
            if show_code and remote.code and remote.end_customer_link
            else None
        ),
        sms=sms,
    )


def _session_of(ticket: Ticket, session_id: int) -> RemoteSession:
    remote = db().get(RemoteSession, session_id)
    if remote is None or remote.ticket_id != ticket.id:
        abort(404)
    return remote


def sms_sender() -> SmsSender | None:
    """The app's SMS sender for the current settings, if the app has one."""
    factory = current_app.extensions.get(SMS_SENDER_KEY)
    return factory(runtime().settings) if factory is not None else None


def start_for(s: Session, ticket: Ticket, agent_id: int, phone: str | None) -> Started:
    """Start a TeamViewer session (settings, clock and SMS sender of the app)."""
    rt = runtime()
    api = teamviewer_api(rt.settings)
    assert api is not None
    return start_session(
        s, ticket, api=api, agent_id=agent_id, now=rt.clock.now(), phone=phone, sms=sms_sender()
    )


@bp.post("/tickets/<int:number>/remote")
def start(number: int) -> ResponseReturnValue:
    """Fernwartung starten: through TeamViewer's Web API, or by hand (mode=manual, no token)."""
    ticket = ticket_or_404(number)
    s = db()
    agent_id = signed_in_agent().id
    if request.form.get("mode") == "manual" or teamviewer_api(runtime().settings) is None:
        try:
            record_by_hand(s, ticket, agent_id, runtime().clock.now())
        except AlreadyRunning as exc:
            flash(str(exc), "error")
            return back_to_ticket(number, "fernwartung")
        flash("Fernwartung begonnen. Bitte beenden Sie sie hier mit einer Notiz.", "success")
        return back_to_ticket(number, "fernwartung")
    raw = request.form.get("phone", "").strip()
    phone = normalize(raw) if raw else None
    if raw and phone is None:
        flash(
            f"»{raw}« ist keine gültige Telefonnummer. Es wurde keine Fernwartung gestartet.",
            "error",
        )
        return back_to_ticket(number, "fernwartung")
    try:
        started = start_for(s, ticket, agent_id, phone)
    except AlreadyRunning as exc:
        flash(str(exc), "error")
        return back_to_ticket(number, "fernwartung")
    except (TeamViewerError, RemoteError) as exc:
        flash(
            f"Fernwartung über TeamViewer nicht möglich: {exc} Es wurde nichts gespeichert; "
            "Sie können die Sitzung von Hand erfassen.",
            "error",
        )
        return back_to_ticket(number, "fernwartung")
    remote = started.remote
    if started.sms_sent:
        text = f"Die SMS mit dem Link ging an {format_national(remote.sms_to or '')}."
    elif number_kind(remote.sms_to) == "mobile":
        text = "Die SMS ging nicht hinaus: bitte den Code vorlesen."
    else:
        text = "Keine Mobilnummer: bitte den Code vorlesen."
    flash(f"Fernwartung gestartet (Sitzung {remote.code}). {text}", "success")
    return back_to_ticket(number, "fernwartung")


@bp.get("/tickets/<int:number>/remote/<int:session_id>/open")
def open_session(number: int, session_id: int) -> ResponseReturnValue:
    """Open the session in TeamViewer as the supporter: the link is asked of TeamViewer
    now and only ever sent to the agent's browser."""
    remote = _session_of(ticket_or_404(number), session_id)
    api = teamviewer_api(runtime().settings)
    if remote.code is None or api is None:
        flash("Diese Sitzung wurde von Hand erfasst; bitte TeamViewer selbst öffnen.", "error")
        return back_to_ticket(number, "fernwartung")
    try:
        return redirect(api.supporter_link(remote.code))
    except TeamViewerError as exc:
        flash(f"Die Sitzung lässt sich nicht öffnen: {exc}", "error")
        return back_to_ticket(number, "fernwartung")


@bp.post("/tickets/<int:number>/remote/<int:session_id>/end")
def end(number: int, session_id: int) -> ResponseReturnValue:
    """Fernwartung beenden: the end and the note here, the session closed at TeamViewer."""
    remote = _session_of(ticket_or_404(number), session_id)
    api: TeamViewerApi | None = teamviewer_api(runtime().settings)
    try:
        end_session(
            db(), remote, note=request.form.get("note", ""), now=runtime().clock.now(), api=api
        )
    except RemoteError as exc:
        flash(str(exc), "error")
        return back_to_ticket(number, "fernwartung")
    if remote.close_error:
        flash(
            f"Fernwartung beendet und Notiz gespeichert, aber TeamViewer hat die Sitzung nicht "
            f"geschlossen: {remote.close_error}",
            "error",
        )
    else:
        flash("Fernwartung beendet.", "success")
    return back_to_ticket(number, "fernwartung")


@bp.post("/tickets/<int:number>/remote/<int:session_id>/close")
def close_again(number: int, session_id: int) -> ResponseReturnValue:
    """Try again to close at TeamViewer a session that was ended here."""
    remote = _session_of(ticket_or_404(number), session_id)
    try:
        close_at_teamviewer(db(), remote, teamviewer_api(runtime().settings))
    except RemoteError as exc:
        flash(f"TeamViewer hat die Sitzung wieder nicht geschlossen: {exc}", "error")
        return back_to_ticket(number, "fernwartung")
    flash("Die Sitzung ist bei TeamViewer geschlossen.", "success")
    return back_to_ticket(number, "fernwartung")


def close_remote_sessions(s: Session, ticket: Ticket) -> list[str]:
    """End the running sessions of a ticket being closed; the German problems, if any."""
    rt = runtime()
    return close_open_sessions(s, ticket, now=rt.clock.now(), api=teamviewer_api(rt.settings))
