"""GET /api/v1/tickets/{number} (with its conversation) and POST .../reply (an agent's
answer by e-mail). The ticket list stays with the other lists in hotline/web/api.py."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from email_support.outbox import send_due
from email_support.replies import ReplyError, reply_to_ticket
from hotline.models import Ticket
from hotline.runtime import runtime
from hotline.tickets.conversation import ticket_document
from hotline.web.api_auth import json_error, token_required

bp = Blueprint("api_tickets", __name__, url_prefix="/api/v1")


@bp.get("/tickets/<int:number>")
@token_required
def ticket(number: int) -> ResponseReturnValue:
    """The ticket with `articles`: calls, callbacks, mails and notes in time order."""
    rt = runtime()
    with rt.sessions() as session:
        document = ticket_document(
            session, number, rt.calendar.zone, rt.settings.hotline_number or ""
        )
    if document is None:
        return json_error(f"no ticket with number {number}", 404)
    return jsonify(document)


@bp.post("/tickets/<int:number>/reply")
@token_required
def reply(number: int) -> ResponseReturnValue:
    """`{"body": "..."}`: the agent's answer, sent by e-mail to the customer's last mail."""
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("body"), str):
        return json_error('send JSON like {"body": "text of the answer"}', 400)
    rt = runtime()
    now = rt.clock.now()
    with rt.sessions() as session, session.begin():
        found = session.scalar(select(Ticket).where(Ticket.number == number))
        if found is None:
            return json_error(f"no ticket with number {number}", 404)
        try:
            mail = reply_to_ticket(
                session,
                rt.settings,
                found,
                payload["body"],
                agent_id=g.agent_id,
                now=now,
                zone=rt.calendar.zone,
            )
        except ReplyError as exc:
            return json_error(str(exc), 422)
        mail_id, to, subject, message_id = mail.id, mail.to_address, mail.subject, mail.message_id
    sent, _failed = send_due(rt.sessions, rt.settings, now, only=[mail_id])
    return jsonify(
        {
            "ticket": number,
            "to": to,
            "subject": subject,
            "message_id": message_id,
            "send_status": "sent" if sent else "failed",
        }
    ), 201
