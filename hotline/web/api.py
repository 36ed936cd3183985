"""GET /api/v1/calls, /api/v1/tickets, /api/v1/contracts/<number> (bearer token)."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from hotline.contracts.records import ContractError, contract_overview, get_contract
from hotline.models import Call, Contract, Customer, Ticket
from hotline.runtime import runtime
from hotline.tickets import CHANNELS
from hotline.tickets.conversation import ticket_summary
from hotline.web.api_auth import int_arg, json_error, json_errors_for_api, token_required

bp = Blueprint("api", __name__, url_prefix="/api/v1")
json_errors_for_api(bp)

MAX_LIMIT = 500


def _iso(at: datetime | None, zone: tzinfo) -> str | None:
    return at.astimezone(zone).isoformat() if at else None


@bp.get("/calls")
@token_required
def calls() -> ResponseReturnValue:
    """The latest calls, newest first (?limit=1..500, default 100)."""
    limit = int_arg("limit", 100, 1, MAX_LIMIT)
    rt = runtime()
    zone = rt.calendar.zone
    with rt.sessions() as session:
        rows = session.execute(
            select(Call, Contract.number)
            .outerjoin(Contract, Contract.id == Call.contract_id)
            .order_by(Call.started_at.desc(), Call.id.desc())
            .limit(limit)
        )
        result: list[dict[str, Any]] = [
            {
                "id": call.id,
                "call_sid": call.call_sid,
                "direction": call.direction,
                "from": call.caller_e164 or call.from_raw,
                "contract_number": contract_number,
                "category": call.category,
                "outcome": call.outcome,
                "status": call.twilio_status,
                "started_at": _iso(call.started_at, zone),
                "ended_at": _iso(call.ended_at, zone),
                "duration_seconds": call.duration_seconds,
            }
            for call, contract_number in rows
        ]
    return jsonify(result)


@bp.get("/tickets")
@token_required
def tickets() -> ResponseReturnValue:
    """Tickets, newest first (?channel=phone|email, ?status=open|waiting|closed, ?limit=1..500,
    ?offset)."""
    limit = int_arg("limit", 100, 1, MAX_LIMIT)
    offset = int_arg("offset", 0, 0)
    status = request.args.get("status")
    channel = request.args.get("channel")
    if channel and channel not in CHANNELS:
        return json_error(f"channel must be one of {', '.join(CHANNELS)}, not {channel!r}", 400)
    rt = runtime()
    zone = rt.calendar.zone
    with rt.sessions() as session:
        query = (
            select(Ticket, Contract.number, Customer.number)
            .outerjoin(Contract, Contract.id == Ticket.contract_id)
            .outerjoin(Customer, Customer.id == Contract.customer_id)
            .order_by(Ticket.opened_at.desc(), Ticket.id.desc())
            .limit(limit)
            .offset(offset)
        )
        if status:
            query = query.where(Ticket.status == status)
        if channel:
            query = query.where(Ticket.channel == channel)
        result = [
            {
                **ticket_summary(ticket, contract_number, customer_number, zone),
                "category": ticket.category,
                "opened_at": _iso(ticket.opened_at, zone),
                "closed_at": _iso(ticket.closed_at, zone),
            }
            for ticket, contract_number, customer_number in session.execute(query)
        ]
    return jsonify(result)


@bp.route("/<path:unknown>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(unknown: str) -> ResponseReturnValue:
    """Unknown API paths answer JSON, not the UI's HTML error page."""
    return json_error(f"no such endpoint: /api/v1/{unknown}", 404)


@bp.get("/contracts/<number>")
@token_required
def contract(number: str) -> ResponseReturnValue:
    """The same overview as `hotline contracts show NUMBER --json`."""
    rt = runtime()
    today = rt.clock.now().astimezone(rt.calendar.zone).date()
    with rt.sessions() as session:
        try:
            overview = contract_overview(get_contract(session, number), today)
        except ContractError as exc:
            return json_error(str(exc), 404)
    return jsonify(overview)
