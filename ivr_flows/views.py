"""The voice webhooks: every /voice/* route checks Twilio's signature and answers TwiML."""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Blueprint, Response, request
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.twiml.voice_response import VoiceResponse

from hotline.app import runtime
from hotline.db import transaction
from hotline.models import Call, Contract, Station
from hotline.settings import Settings
from hotline.twilio.signature import twilio_signed
from ivr_flows import callback_flow, entitlement, identify, routing
from ivr_flows.fallback import fallback_dialed_twiml, fallback_recorded_twiml, fallback_twiml
from ivr_flows.prompts import Prompts
from ivr_flows.state import load_call, prompts_of, voice_of
from ivr_flows.twiml import say, xml
from ivr_flows.webhook import Handler, run_step, twiml_response

log = logging.getLogger(__name__)

bp = Blueprint("voice", __name__, url_prefix="/voice")


def _settings() -> Settings:
    return runtime().settings


signed = twilio_signed(_settings)

# path -> handler of one step of the call flow (see DESIGN "The call flow").
STEPS: dict[str, Handler] = {
    "/incoming": identify.incoming,
    "/identify": identify.identify,
    "/identify/entered": identify.identify_entered,
    "/station": identify.station,
    "/station/entered": identify.station_entered,
    "/pin": entitlement.pin_entered,
    "/admin-end": entitlement.admin_end,
    "/menu": routing.menu,
    "/menu/choice": routing.menu_choice,
    "/dial-result": routing.dial_result,
    "/callback": callback_flow.offer,
    "/callback/choice": callback_flow.offer_choice,
    "/callback/number": callback_flow.number,
    "/callback/number/entered": callback_flow.number_entered,
    "/callback/readback": callback_flow.read_back,
    "/callback/confirm": callback_flow.confirm,
    "/recorded": callback_flow.recorded,
    "/confirmation": callback_flow.confirmation,
}


def _step_view(handler: Handler) -> Callable[[], Response]:
    def view() -> Response:
        return run_step(handler)

    return view


for _path, _handler in STEPS.items():
    bp.add_url_rule(
        _path,
        endpoint=_path.strip("/").replace("/", "_").replace("-", "_"),
        view_func=signed(_step_view(_handler)),
        methods=["POST"],
    )


@bp.post("/whisper")
@signed
def whisper() -> Response:
    """Said to the agent who answers, before the caller is put through."""
    rt = runtime()
    prompts, voice = prompts_of(rt), voice_of(rt)
    response = VoiceResponse()
    text = prompts.text("whisper_unknown")
    try:
        with transaction(rt.sessions) as session:
            call = session.scalar(select(Call).where(Call.call_sid == request.args.get("parent")))
            if call is not None and call.contract_id is not None:
                text = _whisper_text(session, call, prompts)
    except Exception:  # the agent still gets the call, with a shorter whisper
        log.exception("whisper for %s failed", request.args.get("parent"))
    say(response, voice, text)
    return twiml_response(xml(response))


def _whisper_text(session: Session, call: Call, prompts: Prompts) -> str:
    """Customer, plan, station and category, for the agent."""
    contract = session.get(Contract, call.contract_id)
    if contract is None:
        return prompts.text("whisper_unknown")
    station = session.get(Station, call.station_id) if call.station_id else None
    return prompts.text(
        "whisper",
        customer=contract.customer.name,
        plan=prompts.text(f"plan_{contract.plan}"),
        station=prompts.text("whisper_station", number=station.number)
        if station
        else prompts.text("whisper_no_station"),
        category=prompts.text(f"category_{call.category or 'technical'}"),
    )


@bp.post("/status")
@signed
def status() -> Response:
    """Twilio's call status callback: duration, status and end of the call."""
    rt = runtime()
    form = request.form.to_dict()
    try:
        now = rt.clock.now()
        with transaction(rt.sessions) as session:
            call = load_call(session, form, now)
            call.twilio_status = form.get("CallStatus", "")[:20] or call.twilio_status
            duration = form.get("CallDuration", "")
            if duration.isdigit():
                call.duration_seconds = int(duration)
            if call.twilio_status in ("completed", "busy", "failed", "no-answer", "canceled"):
                call.ended_at = call.ended_at or now
                if call.outcome is None:
                    call.outcome = "hung_up"
    except Exception:
        log.exception("status callback for %s not recorded", form.get("CallSid"))
    return twiml_response(xml(VoiceResponse()))


@bp.post("/fallback")
@signed
def fallback() -> Response:
    """Twilio's fallback URL: touches no database."""
    return twiml_response(fallback_twiml(_settings()))


@bp.post("/fallback/dialed")
@signed
def fallback_dialed() -> Response:
    return twiml_response(
        fallback_dialed_twiml(_settings(), request.form.get("DialCallStatus", ""))
    )


@bp.post("/fallback/recorded")
@signed
def fallback_recorded() -> Response:
    return twiml_response(fallback_recorded_twiml(_settings()))
