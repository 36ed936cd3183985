"""Tickets: the list (newest first, filter by status) and a ticket's page."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from hotline.models import Call, Callback, Contract, Customer, Station, Ticket
from hotline.web.ui import STATUS_LABELS, db

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
    return render_template(
        "ticket.html",
        ticket=found,
        contract=contract,
        station=station,
        calls=calls,
        callbacks=callbacks,
    )
