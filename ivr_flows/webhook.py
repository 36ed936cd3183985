"""Running one webhook: idempotent replay, one transaction, and never an error to Twilio.

Twilio retries a webhook that took too long, so the same (CallSid, step URL, keys) can
arrive twice: the first answer is stored as a CallStep and replayed, and whatever the
step created (ticket, callback) is committed in the same transaction as that answer.
Any database error or unexpected exception answers with the fallback TwiML (apology,
fallback numbers or a recorded message) instead of a 500, which Twilio would turn into
an English application error.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable

from flask import Response, current_app, request
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from twilio.twiml.voice_response import VoiceResponse

from hotline.app import runtime
from hotline.db import connection_was_dead, unpinged
from hotline.late_begin import begin_at_first_write
from ivr_flows import call_row
from ivr_flows.fallback import fallback_twiml
from ivr_flows.state import Step
from ivr_flows.twiml import xml

log = logging.getLogger(__name__)

Handler = Callable[[Step], VoiceResponse]

# Form fields that make a repeated request a different step (keys, dial and recording results).
_STEP_FIELDS = ("Digits", "DialCallStatus", "RecordingUrl")


def twiml_response(body: str) -> Response:
    return Response(body, mimetype="text/xml")


def step_key() -> str:
    """The step as Twilio asked for it: path, query and the caller's input."""
    query = request.query_string.decode()
    parts = [request.path + (f"?{query}" if query else "")]
    # Keys are hashed: they may be an admin PIN, which must not land in the table or the logs.
    parts += [
        f"{name}={_digest(request.form[name]) if name == 'Digits' else request.form[name]}"
        for name in _STEP_FIELDS
        if name in request.form
    ]
    key = "|".join(parts)
    if len(key) > 200:
        key = key[:120] + "#" + hashlib.sha256(key.encode()).hexdigest()
    return key


def _digest(value: str) -> str:
    """Keyed with the app's secret: a plain hash of 4-8 digits is reversed in seconds."""
    key = str(current_app.config.get("SECRET_KEY") or "").encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def run_step(handler: Handler) -> Response:
    """Answer the current request with `handler`, once per (CallSid, step)."""
    rt = runtime()
    form = request.form.to_dict()
    args = request.args.to_dict()
    call_sid = form.get("CallSid", "")
    key = step_key()
    for attempt in (1, 2):
        try:
            now = rt.clock.now()
            with unpinged(), rt.engine.connect() as conn, begin_at_first_write(conn), conn.begin():
                # A step is stored in the transaction that inserts its call and calls are
                # never deleted, so without a call row there is no stored answer either.
                call, answer = call_row.load_with_answer(conn, call_sid, key)
                if answer is not None:
                    return twiml_response(answer)
                step = Step(rt, conn, call or call_row.new_call(form, now), form, args, now)
                body = xml(handler(step))
                step.finish(key, body)
            return twiml_response(body)
        except IntegrityError:
            # The same request ran in parallel (Twilio's retry): the second try finds its answer.
            if attempt == 1:
                continue
            log.exception("call %s step %s: conflicting writes", call_sid, key)
        except SQLAlchemyError as exc:
            # A pooled connection died (database restarted): the pool is renewed, try once more.
            # Nothing was committed, or the retry finds the stored answer.
            if attempt == 1 and connection_was_dead(exc):
                continue
            log.exception(
                "call %s step %s: database failure, answering with the fallback", call_sid, key
            )
        except Exception:
            log.exception(
                "call %s step %s: unexpected error, answering with the fallback", call_sid, key
            )
        break
    return twiml_response(fallback_twiml(rt.settings))
