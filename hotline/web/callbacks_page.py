"""GET /callbacks: the Rückrufliste, read-only for now.

HOOK for the callback service: the actions (claim, "Rückruf starten", outcomes with
a note) belong in this module as POST routes on `bp`, e.g.
`@bp.post("/callbacks/<int:callback_id>/claim")`. They are signed-in-only and
CSRF-protected without further ado (see hotline/web/ui.py); forms must carry
`<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">`. The buttons
of a row go into templates/callbacks_actions.html, which the list includes once
per row with `cb` (the Callback), `row` (its joined data) and `me` (the agent).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from hotline.models import Agent, Callback, Contract, Customer, Station
from hotline.web.ui import STATUS_LABELS, db, signed_in_agent

bp = Blueprint("callbacks_page", __name__)

# The callback service's life cycle (callback/requests.py); hotline/ does not import it.
OPEN_STATUSES = ("queued", "due", "claimed", "calling")
CLOSED_STATUSES = ("done", "no_answer", "wrong_number", "cancelled", "failed")
FILTERS = {
    "offen": ("offen (alle wartenden)", OPEN_STATUSES),
    **{s: (STATUS_LABELS[s], (s,)) for s in OPEN_STATUSES + CLOSED_STATUSES},
    "alle": ("alle", ()),
}


@dataclass(frozen=True)
class Row:
    callback: Callback
    contract_number: str | None
    customer_name: str | None
    plan: str | None
    station: str | None
    claimed_by: str | None


@bp.get("/")
def index() -> ResponseReturnValue:
    return redirect(url_for("callbacks_page.callbacks"))


@bp.get("/callbacks")
def callbacks() -> ResponseReturnValue:
    chosen = request.args.get("status", "offen")
    if chosen not in FILTERS:
        chosen = "offen"
    statuses = FILTERS[chosen][1]
    query = (
        select(
            Callback,
            Contract.number,
            Customer.name,
            Contract.plan,
            Station.name,
            Agent.name,
        )
        .outerjoin(Contract, Callback.contract_id == Contract.id)
        .outerjoin(Customer, Contract.customer_id == Customer.id)
        .outerjoin(Station, Callback.station_id == Station.id)
        .outerjoin(Agent, Callback.claimed_by_id == Agent.id)
        .order_by(Callback.priority, Callback.requested_at, Callback.id)
        .limit(500)
    )
    if statuses:
        query = query.where(Callback.status.in_(statuses))
    rows = [Row(*r) for r in db().execute(query).all()]
    return render_template(
        "callbacks.html",
        rows=rows,
        filters=FILTERS,
        chosen=chosen,
        me=signed_in_agent(),
    )
