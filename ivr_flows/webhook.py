"""Running one webhook: idempotent replay, one transaction, and never an error to Twilio.

Twilio retries a webhook that took too long, so the same (CallSid, step URL, keys) can
arrive twice: the first answer is stored as a CallStep and replayed, and whatever the
step created (ticket, callback) is committed in the same transaction as that answer.
Any database error or unexpected exception answers with the fallback TwiML (apology,
fallback numbers or a recorded message) instead of a 500, which Twilio would turn into
an English application error.

No Flask in here: ivr_flows.lane serves the steps straight from WSGI.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from twilio.twiml.voice_response import VoiceResponse

from hotline.db import connection_was_dead
from hotline.runtime import Runtime
from ivr_flows.fallback import fallback_twiml
from ivr_flows.fastpath import call_row
from ivr_flows.fastpath.connections import webhook_transaction
from ivr_flows.state import Step
from ivr_flows.twiml import xml

log = logging.getLogger(__name__)

Handler = Callable[[Step], VoiceResponse]

# Form fields that make a repeated request a different step (keys, dial and recording results).
_STEP_FIELDS = ("Digits", "DialCallStatus", "RecordingUrl")


@dataclass(frozen=True)
class Webhook:
    """One signed request from Twilio, as a step sees it."""

    path: str  # as routed: /voice/menu/choice
    query: str  # the raw query string, "" without one
    form: Mapping[str, str]  # the first value of every posted field
    args: Mapping[str, str]  # the first value of every query parameter
    path_args: Mapping[str, Any] = field(default_factory=dict)  # <int:name> parts of the path


def step_key(hook: Webhook, secret: str) -> str:
    """The step as Twilio asked for it: path, query and the caller's input."""
    parts = [hook.path + (f"?{hook.query}" if hook.query else "")]
    # Keys are hashed: they may be an admin PIN, which must not land in the table or the logs.
    parts += [
        f"{name}={_digest(hook.form[name], secret) if name == 'Digits' else hook.form[name]}"
        for name in _STEP_FIELDS
        if name in hook.form
    ]
    key = "|".join(parts)
    if len(key) > 200:
        key = key[:120] + "#" + hashlib.sha256(key.encode()).hexdigest()
    return key


def _digest(value: str, secret: str) -> str:
    """Keyed with the app's secret: a plain hash of 4-8 digits is reversed in seconds."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


def run_step(
    rt: Runtime,
    handler: Handler,
    hook: Webhook,
    secret: str,
    *,
    first: bool = False,
    rings_agents: bool = False,
) -> str:
    """The TwiML answer of `handler` to `hook`, computed once per (CallSid, step).

    `first`: the step that starts a call, whose call is new but for a retry (or a status
    callback that came first). Its first try does not look for the call: storing it then
    fails as a whole on the unique CallSid, and the second try loads it.
    `rings_agents`: the step usually rings the available agents; they are read with the
    call (on PostgreSQL in the same query).
    """
    call_sid = hook.form.get("CallSid", "")
    key = step_key(hook, secret)
    for attempt in (1, 2):
        try:
            now = rt.clock.now()
            with webhook_transaction(rt) as conn:
                # A step is stored in the transaction that inserts its call and calls are
                # never deleted, so without a call row there is no stored answer either.
                if first and attempt == 1:
                    loaded = call_row.Loaded(None, None, None)
                else:
                    loaded = call_row.load_with_answer(conn, call_sid, key, agents=rings_agents)
                if loaded.answer is not None:
                    return loaded.answer
                call = loaded.call or call_row.new_call(hook.form, now)
                step = Step(rt, conn, call, hook.form, hook.args, now, loaded.agents)
                body = xml(handler(step))
                step.finish(key, body)
            return body
        except IntegrityError:
            # The same request ran before or in parallel (Twilio's retry): the second try
            # finds its answer.
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
    return fallback_twiml(rt.settings)
