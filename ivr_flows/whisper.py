"""What the agent who answers hears before the caller is put through."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import Connection
from twilio.twiml.voice_response import VoiceResponse

from callback.queue import presence, waiting
from hotline.categories import category
from hotline.db import transaction
from hotline.directory.lookup import contract_of_call
from hotline.models import Call, Contract, Station
from hotline.runtime import Runtime
from ivr_flows.prompts import Prompts
from ivr_flows.registry import webhook
from ivr_flows.state import prompts_of, voice_of
from ivr_flows.twiml import say, xml
from ivr_flows.webhook import Webhook

log = logging.getLogger(__name__)


@webhook("/whisper")
def whisper(rt: Runtime, hook: Webhook) -> str:
    """Said to the agent who answers (`?parent=` the caller's CallSid)."""
    prompts, voice = prompts_of(rt), voice_of(rt)
    response = VoiceResponse()
    text = prompts.text("whisper_unknown")
    parent = hook.args.get("parent")
    try:
        with transaction(rt.sessions) as session:
            found = contract_of_call(session, parent) if parent is not None else None
            if found is not None and found.contract is not None:
                text = _whisper_text(found.call, found.contract, found.station, prompts)
            agent_answered(session.connection(), hook.form, parent or "", rt.clock.now())
    except Exception:  # the agent still gets the call, with a shorter whisper
        log.exception("whisper for %s failed", parent)
    say(response, voice, text)
    return xml(response)


def agent_answered(conn: Connection, form: Mapping[str, str], parent: str, now: datetime) -> None:
    """The live queue: the agent Twilio reached (`To`) answered `parent`: busy now."""
    agent_id = presence.agent_answered(conn, phone=form.get("To", ""), call_sid=parent, now=now)
    waiting.answered(conn, parent, agent_id, now)


def _whisper_text(call: Call, contract: Contract, station: Station | None, prompts: Prompts) -> str:
    """Customer, plan, station and category, for the agent."""
    return prompts.text(
        "whisper",
        customer=contract.customer.name,
        plan=prompts.text(f"plan_{contract.plan}"),
        station=prompts.text("whisper_station", number=station.number)
        if station
        else prompts.text("whisper_no_station"),
        category=prompts.text(category(call.category).prompt),
    )
