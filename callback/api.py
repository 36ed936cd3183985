"""/api/v1/callbacks: list, claim, dial, outcome (bearer token; JSON errors)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, jsonify, request
from flask.typing import ResponseReturnValue

from callback.lifecycle import CallbackError, claim
from callback.listing import list_callbacks, serialize
from callback.outbound import dial
from callback.outcomes import save_outcome, tell_customer_if_due
from hotline.models import Callback
from hotline.runtime import runtime
from hotline.web.api_auth import int_arg, json_error, token_required

bp = Blueprint("callback_api", __name__, url_prefix="/api/v1/callbacks")

# GET /api/v1/callbacks answers one page: 100 000 waiting callbacks at once took seconds.
PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


@bp.errorhandler(CallbackError)
def _callback_error(exc: CallbackError) -> ResponseReturnValue:
    return json_error(str(exc), exc.status_code)


def _one(callback_id: int) -> dict[str, Any] | None:
    rt = runtime()
    with rt.sessions() as session:
        for item in list_callbacks(session, rt.calendar.zone, ids=[callback_id]):
            return item
    return None


@bp.get("")
@token_required
def index() -> ResponseReturnValue:
    """The callbacks in list order, optionally only one status (?status=due).

    One page: ?limit=N (default 100, at most 1000) and ?offset=M (default 0); a page
    shorter than the limit is the last one.
    """
    limit = int_arg("limit", PAGE_SIZE, 1, MAX_PAGE_SIZE)
    offset = int_arg("offset", 0, 0)
    rt = runtime()
    with rt.sessions() as session:
        return jsonify(
            list_callbacks(
                session, rt.calendar.zone, request.args.get("status"), limit=limit, offset=offset
            )
        )


@bp.post("/<int:callback_id>/claim")
@token_required
def claim_view(callback_id: int) -> ResponseReturnValue:
    """200 with the callback for the one agent who gets it; 409 for everyone else."""
    rt = runtime()
    now = rt.clock.now()
    with rt.sessions() as session, session.begin():
        won = claim(session, callback_id, g.agent_id, now)
        if not won:
            callback = session.get(Callback, callback_id)
            if callback is None:
                return json_error(f"no callback {callback_id}", 404)
            if callback.claimed_by_id == g.agent_id and callback.status == "claimed":
                won = True  # claiming again what one holds is harmless
            elif callback.status in ("claimed", "calling"):
                return json_error(f"callback {callback_id} is claimed by another agent", 409)
            elif callback.status == "due":
                return json_error(f"callback {callback_id} waits for its next attempt", 409)
            else:
                return json_error(f"callback {callback_id} is {callback.status}", 409)
    return jsonify(_one(callback_id))


@bp.post("/<int:callback_id>/dial")
@token_required
def dial_view(callback_id: int) -> ResponseReturnValue:
    """Start the agent-first call; 502 with Twilio's message when Twilio refuses."""
    started = dial(runtime(), callback_id, g.agent_id)
    body = _one(callback_id) or {}
    body.update(call_sid=started.call_sid, calling=started.to, attempt_id=started.attempt_id)
    return jsonify(body)


@bp.post("/<int:callback_id>/outcome")
@token_required
def outcome_view(callback_id: int) -> ResponseReturnValue:
    """{"outcome": "done"|"no_answer"|"wrong_number"|"cancelled", "note": "..."}."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("outcome"), str):
        return json_error('send JSON like {"outcome": "done", "note": "..."}', 400)
    note = data.get("note", "")
    if not isinstance(note, str):
        return json_error("note must be a text", 400)
    rt = runtime()
    now = rt.clock.now()
    with rt.sessions() as session:
        saved = save_outcome(
            rt,
            session,
            callback_id,
            agent_id=g.agent_id,
            outcome=data["outcome"],
            note=note,
            now=now,
        )
    if saved is None:
        return json_error(f"no callback {callback_id}", 404)
    tell_customer_if_due(rt, saved, callback_id, now)
    return jsonify(_one(callback_id))


__all__ = ["bp", "serialize"]
