"""Tickets: the list (newest first; filters, search) and a ticket's page: its conversation
(calls, callbacks, mails, notes in time order), status and assignee, and closing/reopening.
Answering by e-mail: email_support.pages; remote maintenance: hotline/web/remote_pages.py."""

from __future__ import annotations

from flask import Blueprint, abort, flash, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import ColumnElement, or_, select

from hotline.models import (
    Agent,
    Contract,
    Customer,
    Mail,
    Station,
    Ticket,
    TicketNote,
)
from hotline.notes import checked_note
from hotline.runtime import runtime
from hotline.tickets import CHANNELS
from hotline.tickets.conversation import conversation
from hotline.web.labels_de import STATUS_LABELS
from hotline.web.remote_pages import close_remote_sessions
from hotline.web.ui import back_to_ticket, db, signed_in_agent, ticket_or_404

bp = Blueprint("tickets_pages", __name__)

TICKET_STATUSES = ("open", "waiting", "closed")
ARTICLE_LABELS = {
    "call_in": "Anruf",
    "call_out": "Anruf (ausgehend)",
    "callback_out": "Rückruf",
    "mail_in": "E-Mail erhalten",
    "mail_out": "E-Mail gesendet",
    "note_in": "Notiz",
}
SEND_LABELS = {
    "pending": "wird gesendet",
    "sending": "Versand unklar",
    "sent": "gesendet",
    "failed": "Senden fehlgeschlagen",
}
PAGE_SIZE = 200


@bp.get("/tickets")
def tickets() -> ResponseReturnValue:
    """The list: filters by status, channel and assignee; search by ticket number,
    customer number or sender address."""
    chosen = request.args.get("status", "open")
    if chosen not in (*TICKET_STATUSES, "all"):
        chosen = "open"
    channel = request.args.get("channel", "")
    channel = channel if channel in CHANNELS else ""
    assignee = request.args.get("assignee", "")
    q = request.args.get("q", "").strip()[:200]
    query = (
        select(Ticket, Contract.number, Customer.name, Station.name)
        .outerjoin(Contract, Ticket.contract_id == Contract.id)
        .outerjoin(Customer, Contract.customer_id == Customer.id)
        .outerjoin(Station, Ticket.station_id == Station.id)
        .order_by(Ticket.opened_at.desc(), Ticket.id.desc())
        .limit(PAGE_SIZE)
    )
    if q:
        chosen = "all" if "status" not in request.args else chosen
        query = query.where(_search(q))
    if chosen != "all":
        query = query.where(Ticket.status == chosen)
    if channel:
        query = query.where(Ticket.channel == channel)
    if assignee == "none":
        query = query.where(Ticket.assignee_id.is_(None))
    elif assignee.isdigit():
        query = query.where(Ticket.assignee_id == int(assignee))
    s = db()
    rows = s.execute(query).all()
    agents = {
        agent_id: name
        for agent_id, name in s.execute(select(Agent.id, Agent.name).order_by(Agent.name))
    }
    filters = {st: STATUS_LABELS[st] for st in TICKET_STATUSES} | {"all": "alle"}
    return render_template(
        "tickets.html",
        rows=rows,
        filters=filters,
        chosen=chosen,
        channel=channel,
        channels=CHANNELS,
        assignee=assignee,
        agents=agents,
        q=q,
        page_size=PAGE_SIZE,
    )


def _search(q: str) -> ColumnElement[bool]:
    """Ticket number (as customers quote it, with or without the tag), customer number, or
    an address that wrote on the ticket."""
    digits = q.removeprefix("[").removeprefix("Ticket#").removesuffix("]").lstrip("#")
    conditions: list[ColumnElement[bool]] = []
    if digits.isdigit() and len(digits) <= 12:
        conditions += [Ticket.number == int(digits), Customer.number == digits]
    if "@" in q:
        wrote = select(Mail.ticket_id).where(Mail.from_address == q.lower())
        conditions.append(Ticket.id.in_(wrote))
    if not conditions:
        conditions.append(Customer.name.ilike(f"%{q}%"))
    return or_(*conditions)


@bp.get("/tickets/<int:number>")
def ticket(number: int) -> ResponseReturnValue:
    s = db()
    found = s.scalar(select(Ticket).where(Ticket.number == number))
    if found is None:
        abort(404)
    contract = s.get(Contract, found.contract_id) if found.contract_id else None
    station = s.get(Station, found.station_id) if found.station_id else None
    agent_names = {agent_id: name for agent_id, name in s.execute(select(Agent.id, Agent.name))}
    articles = conversation(s, found, runtime().settings.hotline_number or "")
    last_in = [a for a in articles if a.kind == "mail" and a.direction == "in"]
    return render_template(
        "ticket.html",
        ticket=found,
        contract=contract,
        station=station,
        articles=articles,
        article_labels=ARTICLE_LABELS,
        send_labels=SEND_LABELS,
        ticket_statuses=TICKET_STATUSES,
        reply_to=last_in[-1].sender if last_in else (contract.customer.email if contract else ""),
        agent_names=agent_names,
    )


@bp.post("/tickets/<int:number>/update")
def update(number: int) -> ResponseReturnValue:
    """Status (open, waiting for the customer, closed) and who is responsible."""
    found = ticket_or_404(number)
    status = request.form.get("status", found.status)
    assignee = request.form.get("assignee", "")
    s = db()
    if status not in TICKET_STATUSES:
        flash("Unbekannter Status.", "error")
        return back_to_ticket(number)
    if assignee and (not assignee.isdigit() or s.get(Agent, int(assignee)) is None):
        flash("Diesen Agenten gibt es nicht.", "error")
        return back_to_ticket(number)
    if status != found.status:
        found.status = status
        found.closed_at = runtime().clock.now() if status == "closed" else None
    found.assignee_id = int(assignee) if assignee else None
    s.commit()
    flash(f"Ticket {number} gespeichert.", "success")
    return back_to_ticket(number)


@bp.post("/tickets/<int:number>/notes")
def add_note(number: int) -> ResponseReturnValue:
    found = ticket_or_404(number)
    text = checked_note(request.form.get("text"))
    if not text:
        flash("Die Notiz ist leer und wurde nicht gespeichert.", "error")
        return back_to_ticket(number)
    s = db()
    s.add(
        TicketNote(
            ticket_id=found.id, agent_id=signed_in_agent().id, at=runtime().clock.now(), text=text
        )
    )
    s.commit()
    flash("Notiz gespeichert.", "success")
    return back_to_ticket(number)


@bp.post("/tickets/<int:number>/close")
def close(number: int) -> ResponseReturnValue:
    found = ticket_or_404(number)
    if found.status != "closed":
        found.status = "closed"
        found.closed_at = runtime().clock.now()
        db().commit()
    # Remote sessions end with their ticket: none stays open at TeamViewer unnoticed.
    for problem in close_remote_sessions(db(), found):
        flash(f"Fernwartung nicht geschlossen – {problem}", "error")
    flash(f"Ticket {number} ist geschlossen.", "success")
    return back_to_ticket(number)


@bp.post("/tickets/<int:number>/reopen")
def reopen(number: int) -> ResponseReturnValue:
    found = ticket_or_404(number)
    if found.status != "open":
        found.status = "open"
        found.closed_at = None
        db().commit()
    flash(f"Ticket {number} ist wieder offen.", "success")
    return back_to_ticket(number)
