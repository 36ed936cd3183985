"""The TwiML webhooks of an outbound callback (all signed by Twilio).

- answer: the agent picked up; a whisper names the customer, then `<Dial>`
  calls the customer with the hotline number as caller ID.
- dial-result: the `<Dial action>`; records what became of the customer's leg.
- agent-status: status callbacks of the agent's leg; an agent who never
  answered puts the callback back to `due` (no attempt counted).

Twilio may send a webhook twice; each attempt records its result once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from callback.lifecycle import CALLING, CLAIMED, DONE, attempt_failed, call_not_started, move
from callback.queue.presence import agent_busy, free_agents_of
from callback.requests import callback_and_customer
from hotline.categories import BY_KEY
from hotline.models import Callback, CallbackAttempt
from hotline.runtime import Runtime
from hotline.settings import Settings
from ivr_flows.prompts import Prompts
from ivr_flows.registry import url_of, webhook
from ivr_flows.webhook import Webhook

log = logging.getLogger(__name__)

ANSWERED = ("completed", "answered")
NOT_REACHED = ("no-answer", "busy", "failed")
LEG_FAILED = ("no-answer", "busy", "failed", "canceled")


def _say(settings: Settings, response: VoiceResponse, text: str) -> None:
    response.say(text, language=settings.voice_language, voice=settings.voice)


def _attempt_id(args: Mapping[str, str]) -> int | None:
    value = args.get("attempt", "")
    # ASCII digits of a sane length: "²" is a digit to isdigit(), and 5000 digits overflow.
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


@webhook("/callbacks/<int:callback_id>/answer")
def answer(rt: Runtime, hook: Webhook) -> str:
    """The agent picked up: a whisper names the customer, then the customer is dialled."""
    callback_id = hook.path_args["callback_id"]
    response = VoiceResponse()
    with rt.sessions() as session:
        row = callback_and_customer(session, callback_id)
    attempt_id = _attempt_id(hook.args)
    if row is None or row[0].status != CALLING or attempt_id is None:
        _say(rt.settings, response, "Dieser Rückruf ist nicht mehr offen. Auf Wiederhören.")
        response.hangup()
        return str(response)
    callback, customer_name = row
    if callback.claimed_by_id is not None:  # the agent answered their leg: busy until it ends
        with rt.engine.begin() as conn:
            agent_busy(conn, callback.claimed_by_id, hook.form.get("CallSid", ""), rt.clock.now())
    known = BY_KEY.get(callback.category)
    topic = Prompts(rt.settings.prompts).text(known.prompt) if known else "Anliegen"
    _say(
        rt.settings,
        response,
        f"Rückruf für {customer_name or 'einen unbekannten Anrufer'}, {topic}. "
        "Sie werden jetzt verbunden.",
    )
    dial = response.dial(
        caller_id=rt.settings.hotline_number,
        action=url_of(rt.settings, dial_result, callback_id=callback_id, attempt=attempt_id),
        method="POST",
        timeout=rt.settings.ring_timeout_seconds,
    )
    dial.number(callback.phone)
    return str(response)


@webhook("/callbacks/<int:callback_id>/dial-result")
def dial_result(rt: Runtime, hook: Webhook) -> str:
    """The `<Dial action>`: what became of the customer's leg."""
    callback_id = hook.path_args["callback_id"]
    status = hook.form.get("DialCallStatus", "")
    now = rt.clock.now()
    response = VoiceResponse()
    with rt.sessions() as session, session.begin():
        free_agents_of(session.connection(), hook.form.get("CallSid", ""))
        attempt = _attempt(session, callback_id, hook)
        callback = session.get(Callback, callback_id)
        if attempt is not None and callback is not None and attempt.result is None:
            attempt.result = status.replace("-", "_") or "unknown"
            if callback.status == CALLING:
                if status in ANSWERED:
                    move(callback, DONE, now)
                    callback.outcome = "done"
                elif status in NOT_REACHED:
                    attempt_failed(
                        callback,
                        now=now,
                        reason=f"customer: {status}",
                        retry_minutes=rt.settings.callback_retry_minutes,
                        max_attempts=rt.settings.callback_max_attempts,
                        calendar=rt.calendar,
                    )
                else:  # canceled: the agent hung up first; the agent decides
                    move(callback, CLAIMED, now)
    if status in ANSWERED:
        _say(rt.settings, response, "Das Gespräch ist beendet. Vielen Dank.")
    else:
        _say(
            rt.settings,
            response,
            "Der Kunde war nicht erreichbar. Der Rückruf wird erneut eingeplant.",
        )
    response.hangup()
    return str(response)


@webhook("/callbacks/<int:callback_id>/agent-status")
def agent_status(rt: Runtime, hook: Webhook) -> str:
    """Status callbacks of the agent's leg."""
    callback_id = hook.path_args["callback_id"]
    status = hook.form.get("CallStatus", "")
    now = rt.clock.now()
    with rt.sessions() as session, session.begin():
        attempt = _attempt(session, callback_id, hook)
        callback = session.get(Callback, callback_id)
        if attempt is None or callback is None:
            return str(VoiceResponse())
        if status in LEG_FAILED or status == "completed":
            attempt.ended_at = attempt.ended_at or now
            free_agents_of(session.connection(), hook.form.get("CallSid", ""))
        if attempt.result is None and callback.status == CALLING:
            if status in LEG_FAILED:
                attempt.result = f"agent_{status.replace('-', '_')}"
                call_not_started(callback, f"agent did not answer ({status})", now)
            elif status == "completed":
                # The agent's leg ended without a dial result: the agent records the outcome.
                attempt.result = "agent_completed"
                move(callback, CLAIMED, now)
    return str(VoiceResponse())


def _attempt(session: Session, callback_id: int, hook: Webhook) -> CallbackAttempt | None:
    attempt_id = _attempt_id(hook.args)
    if attempt_id is None:
        return None
    attempt = session.get(CallbackAttempt, attempt_id)
    if attempt is None or attempt.callback_id != callback_id:
        return None
    call_sid = hook.form.get("CallSid")
    if call_sid and attempt.call_sid is None:
        attempt.call_sid = call_sid
    return attempt
