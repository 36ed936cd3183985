"""The voice webhooks: every /voice/* route checks Twilio's signature and answers TwiML."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, request
from sqlalchemy import Connection, bindparam, func, select, update
from sqlalchemy.orm import joinedload
from twilio.twiml.voice_response import VoiceResponse

from callback.spool import DIAL_UNANSWERED, RECORDING, spool_fallback
from hotline.app import runtime
from hotline.categories import category
from hotline.db import connection_was_dead, transaction, unpinged
from hotline.late_begin import begin_at_first_write, single_write
from hotline.models import Call, Contract, Station
from hotline.prepared import Prepared
from hotline.relaxed_commit import relax_sqlite_commit, relaxed_commit
from hotline.runtime import Runtime
from hotline.settings import Settings
from hotline.twilio.signature import twilio_signed
from ivr_flows import call_row, callback_flow, entitlement, identify, queue_steps, routing
from ivr_flows.fallback import (
    ANSWERED,
    fallback_dialed_twiml,
    fallback_recorded_twiml,
    fallback_twiml,
)
from ivr_flows.lane import Answer, flask_view
from ivr_flows.prompts import Prompts
from ivr_flows.state import prompts_of, voice_of
from ivr_flows.twiml import say, xml
from ivr_flows.webhook import Handler, run_step

log = logging.getLogger(__name__)

bp = Blueprint("voice", __name__, url_prefix="/voice")


def _settings() -> Settings:
    return runtime().settings


def twiml_response(body: str) -> Response:
    return Response(body, mimetype="text/xml")


# Twilio's call statuses of a call that is over.
ENDED = ("completed", "busy", "failed", "no-answer", "canceled")
# The answer to a status callback (Twilio ignores it).
EMPTY_TWIML = xml(VoiceResponse())

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


# Twilio's webhook for a new call: the number's voice URL.
FIRST_STEP = "/incoming"
# The step that usually rings the agents (a valid menu key while open).
RINGS_AGENTS = "/menu/choice"


def lane_routes(rt: Runtime, secret: str) -> dict[str, Answer]:
    """The paths ivr_flows.lane answers: every step of the call flow and the status callback."""

    def step(path: str, handler: Handler) -> Answer:
        first, rings = path == FIRST_STEP, path == RINGS_AGENTS
        return lambda hook: run_step(rt, handler, hook, secret, first=first, rings_agents=rings)

    routes = {"/voice" + path: step(path, handler) for path, handler in STEPS.items()}
    routes["/voice/status"] = lambda hook: status_callback(rt, hook.form)
    return routes


# Flask lists the same paths (and refuses other methods on them) with the lane's answers.
for _path in (*STEPS, "/status"):
    bp.add_url_rule(
        _path,
        endpoint=_path.strip("/").replace("/", "_").replace("-", "_"),
        view_func=flask_view,
        methods=["POST"],
    )


@bp.post("/whisper")
@twilio_signed
def whisper() -> Response:
    """Said to the agent who answers, before the caller is put through."""
    rt = runtime()
    prompts, voice = prompts_of(rt), voice_of(rt)
    response = VoiceResponse()
    text = prompts.text("whisper_unknown")
    try:
        with transaction(rt.sessions) as session:
            # One query: the call with its contract, customer and station.
            row = session.execute(
                select(Call, Contract, Station)
                .outerjoin(Contract, Contract.id == Call.contract_id)
                .outerjoin(Station, Station.id == Call.station_id)
                .options(joinedload(Contract.customer))
                .where(Call.call_sid == request.args.get("parent"))
            ).first()
            if row is not None and row.Contract is not None:
                text = _whisper_text(row.Call, row.Contract, row.Station, prompts)
            parent = request.args.get("parent", "")
            queue_steps.agent_answered(session.connection(), request.form, parent, rt.clock.now())
    except Exception:  # the agent still gets the call, with a shorter whisper
        log.exception("whisper for %s failed", request.args.get("parent"))
    say(response, voice, text)
    return twiml_response(xml(response))


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


def status_callback(rt: Runtime, form: Mapping[str, str]) -> str:
    """Twilio's call status callback: duration, status and end of the call."""
    for attempt in (1, 2):
        try:
            with unpinged():
                _record_status(rt, form, rt.clock.now())
        except Exception as exc:
            if attempt == 1 and connection_was_dead(exc):
                continue  # a dead pooled connection: the pool is renewed, once more
            log.exception("status callback for %s not recorded", form.get("CallSid"))
        break
    return EMPTY_TWIML


def _record_status(rt: Runtime, form: Mapping[str, str], now: datetime) -> None:
    connection = rt.webhook_connections.connection
    # The usual case is one UPDATE: on PostgreSQL without BEGIN and COMMIT round trips.
    with (
        connection() as conn,
        begin_at_first_write(conn),
        conn.begin(),
        single_write(conn) as alone,
    ):
        relax_sqlite_commit(conn)
        updated = _update_status(conn, form, now, relaxed=alone)
    if updated:
        return
    with connection() as conn, begin_at_first_write(conn), conn.begin():
        call = call_row.load(conn, form.get("CallSid", ""))
        call = call or call_row.new_call(form, now)
        call.twilio_status = form.get("CallStatus", "")[:20] or call.twilio_status
        duration = form.get("CallDuration", "")
        if duration.isdigit():
            call.duration_seconds = int(duration)
        if call.twilio_status in ENDED:
            call.ended_at = call.ended_at or now
            if call.outcome is None:
                call.outcome = "hung_up"
        call_row.save(conn, call)


def _status_update(ended: bool, with_duration: bool, relaxed: bool) -> Prepared:
    calls = call_row.CALLS
    values: dict[str, Any] = {"twilio_status": bindparam("new_status")}
    if with_duration:
        values["duration_seconds"] = bindparam("new_duration")
    if ended:  # an ended call keeps its first end and outcome
        values["ended_at"] = func.coalesce(
            calls.c.ended_at, bindparam("new_ended_at", type_=calls.c.ended_at.type)
        )
        values["outcome"] = func.coalesce(calls.c.outcome, "hung_up")
    statement = update(calls).where(calls.c.call_sid == bindparam("sid")).values(values)
    return Prepared(statement.where(relaxed_commit()) if relaxed else statement)


# (ended, with duration, relaxed) -> the UPDATE; built once per process.
_STATUS_UPDATES = {
    (e, d, r): _status_update(e, d, r)
    for e in (False, True)
    for d in (False, True)
    for r in (False, True)
}


def _update_status(
    conn: Connection, form: Mapping[str, str], now: datetime, *, relaxed: bool
) -> bool:
    """The usual case in one UPDATE: a known call and a status. False: nothing was changed.

    The same as the path above it, in SQL: an ended call keeps its first end and outcome.
    `relaxed` (PostgreSQL, the UPDATE alone in its transaction): the call's progress, which
    commits without waiting for the disk (hotline/relaxed_commit.py).
    """
    status = form.get("CallStatus", "")[:20]
    if not status:  # the old status decides whether the call ended: the other path reads it
        return False
    duration = form.get("CallDuration", "")
    statement = _STATUS_UPDATES[(status in ENDED, duration.isdigit(), relaxed)]
    params: dict[str, Any] = {"sid": form.get("CallSid", ""), "new_status": status}
    if duration.isdigit():
        params["new_duration"] = int(duration)
    if status in ENDED:
        params["new_ended_at"] = now
    return bool(statement.rowcount(conn, params))


@bp.post("/fallback")
@twilio_signed
def fallback() -> Response:
    """Twilio's fallback URL: touches no database."""
    return twiml_response(fallback_twiml(_settings()))


@bp.post("/fallback/dialed")
@twilio_signed
def fallback_dialed() -> Response:
    """The fallback numbers rang; unanswered, the caller is asked for a message."""
    status = request.form.get("DialCallStatus", "")
    if status not in ANSWERED:
        # Spooled now: when the caller then leaves no message, Twilio calls nothing more.
        spool_fallback(runtime(), request.form, DIAL_UNANSWERED)
    return twiml_response(fallback_dialed_twiml(_settings(), status))


@bp.post("/fallback/recorded")
@twilio_signed
def fallback_recorded() -> Response:
    """The caller left a message: spooled (no database) for the scheduler to replay."""
    spool_fallback(runtime(), request.form, RECORDING)
    return twiml_response(fallback_recorded_twiml(_settings()))
