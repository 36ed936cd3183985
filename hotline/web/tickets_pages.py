"""Tickets: the list (newest first, filter by status) and a ticket's page, with notes
and closing/reopening (remote maintenance: hotline/web/remote_pages.py)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from hotline.app import runtime
from hotline.models import (
    Agent,
    Call,
    Callback,
    Contract,
    Customer,
    Station,
    Ticket,
    TicketNote,
)
from hotline.notes import checked_note
from hotline.web.remote_pages import close_remote_sessions
from hotline.web.ui import STATUS_LABELS, db, signed_in_agent

bp = Blueprint("tickets_pages", __name__)

TICKET_STATUSES = ("open", "closed")
PAGE_SIZE = 200


@bp.get("/tickets")
def tickets() -> ResponseReturnValue:
    chosen = request.args.get("status", "open")
    if chosen not in (*TICKET_STATUSES, "all"):
        chosen = "open"
    query = (
        select(Ticket, Contract.number, Customer.name, Station.name)
        .outerjoin(Contract, Ticket.contract_id == Contract.id)
        .outerjoin(Customer, Contract.customer_id == Customer.id)
        .outerjoin(Station, Ticket.station_id == Station.id)
        .order_by(Ticket.opened_at.desc(), Ticket.id.desc())
        .limit(PAGE_SIZE)
    )
    if chosen != "all":
        query = query.where(Ticket.status == chosen)
    rows = db().execute(query).all()
    filters = {s: STATUS_LABELS[s] for s in TICKET_STATUSES} | {"all": "alle"}
    return render_template(
        "tickets.html", rows=rows, filters=filters, chosen=chosen, page_size=PAGE_SIZE
    )


@bp.get("/tickets/<int:number>")
def ticket(number: int) -> ResponseReturnValue:
    s = db()
    found = s.scalar(select(Ticket).where(Ticket.number == number))
    if found is None:
        abort(404)
    contract = s.get(Contract, found.contract_id) if found.contract_id else None
    station = s.get(Station, found.station_id) if found.station_id else None
    calls = list(s.scalars(select(Call).where(Call.id == found.call_id))) if found.call_id else []
    callbacks = list(
        s.scalars(
            select(Callback).where(Callback.ticket_id == found.id).order_by(Callback.requested_at)
        )
    )
    agent_names = {agent_id: name for agent_id, name in s.execute(select(Agent.id, Agent.name))}
    notes = list(
        s.scalars(
            select(TicketNote)
            .where(TicketNote.ticket_id == found.id)
            .order_by(TicketNote.at, TicketNote.id)
        )
    )
    return render_template(
        "ticket.html",
        ticket=found,
        contract=contract,
        station=station,
        calls=calls,
        callbacks=callbacks,
        notes=notes,
        agent_names=agent_names,
    )


def _ticket(number: int) -> Ticket:
    found = db().scalar(select(Ticket).where(Ticket.number == number))
    if found is None:
        abort(404)
    return found


def _back(number: int) -> ResponseReturnValue:
    return redirect(url_for("tickets_pages.ticket", number=number))


@bp.post("/tickets/<int:number>/notes")
def add_note(number: int) -> ResponseReturnValue:
    found = _ticket(number)
    text = checked_note(request.form.get("text"))
    if not text:
        flash("Die Notiz ist leer und wurde nicht gespeichert.", "error")
        return _back(number)
    s = db()
    s.add(
        TicketNote(
            ticket_id=found.id, agent_id=signed_in_agent().id, at=runtime().clock.now(), text=text
        )
    )
    s.commit()
    flash("Notiz gespeichert.", "success")
    return _back(number)


@bp.post("/tickets/<int:number>/close")
def close(number: int) -> ResponseReturnValue:
    found = _ticket(number)
    if found.status != "closed":
        found.status = "closed"
        found.closed_at = runtime().clock.now()
        db().commit()
    # Remote sessions end with their ticket: none stays open at TeamViewer unnoticed.
    for problem in close_remote_sessions(db(), found):
        flash(f"Fernwartung nicht geschlossen – {problem}", "error")
    flash(f"Ticket {number} ist geschlossen.", "success")
    return _back(number)


@bp.post("/tickets/<int:number>/reopen")
def reopen(number: int) -> ResponseReturnValue:
    found = _ticket(number)
    if found.status != "open":
        found.status = "open"
        found.closed_at = None
        db().commit()
    flash(f"Ticket {number} ist wieder offen.", "success")
    return _back(number)
