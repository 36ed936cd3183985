"""POST /api/v1/tickets/{number}/remote-sessions: start remote maintenance (bearer token).

The answer carries what the agent's tool needs to reach the cashier (code, the
end-customer link, whether the SMS went out); never the supporter link.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from hotline.directory.phones import normalize
from hotline.models import Ticket
from hotline.remote.sessions import AlreadyRunning, RemoteError
from hotline.remote.teamviewer import TeamViewerError
from hotline.runtime import runtime
from hotline.web.api_auth import json_error, token_required
from hotline.web.remote_pages import start_for

bp = Blueprint("api_remote", __name__, url_prefix="/api/v1/tickets")


@bp.post("/<int:number>/remote-sessions")
@token_required
def start(number: int) -> ResponseReturnValue:
    """201 with the new session; 400 bad phone, 404 no ticket, 409 a session still runs,
    503 TeamViewer not set up, 502 TeamViewer refused or did not answer (nothing stored)."""
    body: Any = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(body, dict):
        return json_error('the body must be a JSON object, e.g. {"phone": "0171 1234567"}', 400)
    raw = body.get("phone")
    if raw is not None and not isinstance(raw, str):
        return json_error('phone: expected a text like "0171 1234567"', 400)
    phone = normalize(raw) if raw else None
    if raw and phone is None:
        return json_error(f"phone: »{raw}« ist keine gültige Telefonnummer", 400)
    rt = runtime()
    if rt.settings.teamviewer_api_token is None:
        return json_error(
            "TeamViewer ist nicht angebunden (TEAMVIEWER_API_TOKEN fehlt); "
            "bitte die Fernwartung auf der Ticketseite von Hand erfassen",
            503,
        )
    with rt.sessions() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        if ticket is None:
            return json_error(f"no ticket {number}", 404)
        try:
            started = start_for(session, ticket, g.agent_id, phone)
        except AlreadyRunning as exc:
            return json_error(str(exc), 409)
        except (TeamViewerError, RemoteError) as exc:
            return json_error(str(exc), 502)
        remote = started.remote
        zone = rt.calendar.zone
        answer = {
            "id": remote.id,
            "ticket_number": number,
            "code": remote.code,
            "state": remote.state,
            "end_customer_link": remote.end_customer_link,
            "valid_until": remote.valid_until.astimezone(zone).isoformat()
            if remote.valid_until
            else None,
            "started_at": remote.started_at.astimezone(zone).isoformat(),
            "sms_sent": started.sms_sent,
            "sms_status": remote.sms_status,
            "sms_to": remote.sms_to,
            "sms_error": remote.sms_error,
        }
    return jsonify(answer), 201
