"""Agent-first outbound calls: Twilio calls the claiming agent, then the bridge dials the customer.

The callback is reserved (`calling`) by a conditional UPDATE *before* Twilio is
asked, so a double click cannot start two calls. If Twilio refuses, times out or
cannot be reached, the callback goes back to `due` with the reason in
`last_error`, still marked with the agent who tried (who may dial again at once).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import NoReturn

import requests
from sqlalchemy import select
from twilio.base.exceptions import TwilioException, TwilioRestException

from callback import bridge
from callback.lifecycle import (
    CLAIMED,
    DUE,
    CallbackError,
    IllegalTransition,
    NotYours,
    call_not_started,
    start_calling,
)
from callback.twilio_rest import TwilioNotConfigured, rest_client
from hotline.models import Agent, Callback, CallbackAttempt
from hotline.runtime import Runtime
from ivr_flows.registry import url_of

log = logging.getLogger(__name__)


class NotFound(CallbackError):
    status_code = 404


class DialFailed(CallbackError):
    """Twilio refused or did not answer; the message is Twilio's (or the transport's)."""

    status_code = 502


@dataclass(frozen=True)
class Dialled:
    callback_id: int
    attempt_id: int
    call_sid: str
    to: str


def dial(rt: Runtime, callback_id: int, agent_id: int) -> Dialled:
    """Start the agent-first call for the agent who claimed the callback."""
    settings = rt.settings
    if not settings.public_url:
        raise CallbackError("HOTLINE_PUBLIC_URL must be set: Twilio needs it to fetch the bridge")
    if not settings.hotline_number:
        raise CallbackError("HOTLINE_NUMBER must be set: it is the caller ID of callbacks")
    now = rt.clock.now()
    with rt.sessions() as session, session.begin():
        agent = session.get(Agent, agent_id)
        if agent is None:
            raise NotFound(f"no agent {agent_id}")
        if not start_calling(session, callback_id, agent_id, now):
            callback = session.get(Callback, callback_id)
            if callback is None:
                raise NotFound(f"no callback {callback_id}")
            if callback.claimed_by_id != agent_id:
                raise NotYours(
                    f"callback {callback_id} is not claimed by you; claim it first"
                    if callback.status == DUE
                    else f"callback {callback_id} is claimed by another agent"
                )
            raise IllegalTransition(callback_id, callback.status, "calling")
        attempt = CallbackAttempt(callback_id=callback_id, agent_id=agent_id, started_at=now)
        session.add(attempt)
        session.flush()
        attempt_id, agent_phone = attempt.id, agent.phone

    answer_url = url_of(settings, bridge.answer, callback_id=callback_id, attempt=attempt_id)
    status_url = url_of(settings, bridge.agent_status, callback_id=callback_id, attempt=attempt_id)
    try:
        call = rest_client(settings).calls.create(
            to=agent_phone,
            from_=settings.hotline_number,
            url=answer_url,
            method="POST",
            status_callback=status_url,
            status_callback_method="POST",
            status_callback_event=["answered", "completed"],
            timeout=settings.ring_timeout_seconds,
        )
    except TwilioRestException as exc:
        _not_started(rt, callback_id, attempt_id, twilio_message(exc))
    except requests.Timeout:
        _not_started(rt, callback_id, attempt_id, "Twilio did not answer in time")
    except requests.RequestException as exc:
        _not_started(rt, callback_id, attempt_id, f"Twilio is unreachable: {type(exc).__name__}")
    except (TwilioException, TwilioNotConfigured) as exc:
        _not_started(rt, callback_id, attempt_id, str(exc))

    with rt.sessions() as session, session.begin():
        saved = session.get(CallbackAttempt, attempt_id)
        assert saved is not None
        saved.call_sid = call.sid
    log.info("callback %s: calling agent %s (%s)", callback_id, agent_id, call.sid)
    return Dialled(callback_id, attempt_id, str(call.sid), agent_phone)


def twilio_message(exc: TwilioRestException) -> str:
    """Twilio's own message, without the SDK's "Unable to create record: " prefix."""
    message = exc.msg or str(exc)
    if message.startswith("Unable to ") and ": " in message:
        return message.split(": ", 1)[1]
    return message


def _not_started(rt: Runtime, callback_id: int, attempt_id: int, reason: str) -> NoReturn:
    now = rt.clock.now()
    log.warning("callback %s: Twilio refused the call: %s", callback_id, reason)
    with rt.sessions() as session, session.begin():
        callback = session.get(Callback, callback_id)
        attempt = session.get(CallbackAttempt, attempt_id)
        if callback is not None and callback.status not in (DUE, CLAIMED):
            call_not_started(callback, reason, now)
        if attempt is not None:
            attempt.result = "twilio_error"
            attempt.error = reason
            attempt.ended_at = now
    raise DialFailed(reason)


def latest_attempt(rt: Runtime, callback_id: int) -> CallbackAttempt | None:
    """The most recent attempt of a callback."""
    with rt.sessions() as session:
        return session.scalar(
            select(CallbackAttempt)
            .where(CallbackAttempt.callback_id == callback_id)
            .order_by(CallbackAttempt.id.desc())
            .limit(1)
        )
