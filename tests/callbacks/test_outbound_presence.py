"""An agent on a callback's outbound leg is busy for the hotline's calls until it ends."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from hotline.models import Agent
from ivr_flows.fastpath.call_row import available_phones
from tests.callbacks.conftest import AGENT_PHONE, TwilioStub, World
from tests.callbacks.test_outbound import _dialled, _signed_post


def _anna(world: World) -> Agent:
    with world.rt.sessions() as session:
        return session.scalars(select(Agent).where(Agent.id == world.agents["anna"])).one()


def _free_phones(world: World) -> list[str]:
    with world.rt.engine.connect() as conn:
        return available_phones(conn)


def test_the_agent_is_busy_from_answering_the_leg_until_the_dial_result(
    client: FlaskClient, world: World, twilio_stub: TwilioStub
) -> None:
    with world.rt.sessions() as session, session.begin():
        for agent in session.scalars(select(Agent)):
            agent.available = True
    cb, attempt, sid = _dialled(client, world)
    assert AGENT_PHONE in _free_phones(world)  # ringing is not busy yet
    _signed_post(client, f"/voice/callbacks/{cb}/answer?attempt={attempt}", {"CallSid": sid})
    assert _anna(world).busy_call_sid == sid
    assert AGENT_PHONE not in _free_phones(world)
    form = {"CallSid": sid, "DialCallStatus": "completed"}
    _signed_post(client, f"/voice/callbacks/{cb}/dial-result?attempt={attempt}", form)
    assert _anna(world).busy_call_sid is None
    assert AGENT_PHONE in _free_phones(world)


def test_the_agent_leg_status_completed_frees_the_agent(
    client: FlaskClient, world: World, twilio_stub: TwilioStub
) -> None:
    cb, attempt, sid = _dialled(client, world)
    _signed_post(client, f"/voice/callbacks/{cb}/answer?attempt={attempt}", {"CallSid": sid})
    assert _anna(world).busy_call_sid == sid
    form = {"CallSid": sid, "CallStatus": "completed"}
    _signed_post(client, f"/voice/callbacks/{cb}/agent-status?attempt={attempt}", form)
    assert _anna(world).busy_call_sid is None
