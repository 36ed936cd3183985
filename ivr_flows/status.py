"""Twilio's call status callback: the call's status, duration and end.

The rule (an ended call keeps its first end time and its outcome) is one statement of the
fast path: ivr_flows/fastpath/call_status.py.
"""

from __future__ import annotations

import logging
from datetime import datetime

from twilio.twiml.voice_response import VoiceResponse

from hotline.db import connection_was_dead
from hotline.runtime import Runtime
from ivr_flows.fastpath.call_status import record_status
from ivr_flows.registry import webhook
from ivr_flows.twiml import xml
from ivr_flows.webhook import Webhook

log = logging.getLogger(__name__)

# Twilio's call statuses of a call that is over.
ENDED = ("completed", "busy", "failed", "no-answer", "canceled")
# The answer to a status callback (Twilio ignores it).
EMPTY_TWIML = xml(VoiceResponse())


@webhook("/status")
def status(rt: Runtime, hook: Webhook) -> str:
    """Record the call's status, duration and end (see the module docstring)."""
    for attempt in (1, 2):
        try:
            _record(rt, hook, rt.clock.now())
        except Exception as exc:
            if attempt == 1 and connection_was_dead(exc):
                continue  # a dead pooled connection: the pool is renewed, once more
            log.exception("status callback for %s not recorded", hook.form.get("CallSid"))
        break
    return EMPTY_TWIML


def _record(rt: Runtime, hook: Webhook, now: datetime) -> None:
    form = hook.form
    new_status = form.get("CallStatus", "")[:20]
    duration = form.get("CallDuration", "")
    record_status(
        rt,
        form,
        now,
        status=new_status,
        duration=int(duration) if duration.isdigit() else None,
        ended=new_status in ENDED,
    )
