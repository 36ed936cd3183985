"""Twilio's REST API down, slower than the client timeout, or answering 4xx/5xx: the
callback stays workable (due, the reason in last_error), the API answers 502 with the
message, and once Twilio is back the same agent dials it. And Twilio delivering the
same webhooks twice, one after the other or at the same time: one call, one ticket,
one callback."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import callback.outbound as outbound
from callback.twilio_rest import rest_client
from hotline.models import Call, Callback, Ticket
from hotline.runtime import Runtime
from ivr_flows.walker import FlaskTransport, Walker
from tests.callbacks.conftest import AUTH_TOKEN, PUBLIC_URL, World, free_port
from tests.factories import make_agent, make_customer
from tests.ivr.conftest import check_twiml
from tests.reliability.conftest import Figures
from tests.twilio_standin import TwilioStub

# The client's timeout in the "slow" case. The stand-in holds that answer until the client
# gave up, so the timeout fires however slow the machine is; every other request gets
# the usual timeout, which an answering stand-in never reaches, even on a loaded machine.
TIMEOUT = 0.5


def claimed(client: FlaskClient, world: World) -> int:
    cb = world.add_callback()
    assert client.post(f"/api/v1/callbacks/{cb}/claim", headers=world.headers()).status_code == 200
    return cb


@pytest.mark.parametrize(
    "fault", ["down", "slow", "400", "401", "404", "429", "500", "503"]
)  # fmt: skip
def test_twilio_failing_leaves_the_callback_workable(
    client: FlaskClient,
    world: World,
    twilio: TwilioStub,
    figures: Figures,
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
) -> None:
    rt = world.rt
    cb = claimed(client, world)
    record = figures.fault(f"Twilio REST {fault}")
    healthy = rt.settings
    if fault == "down":
        rt.settings = dataclasses.replace(
            healthy, twilio_api_base_url=f"http://127.0.0.1:{free_port()}"
        )
    elif fault == "slow":
        twilio.hold()
    else:
        twilio.status = int(fault)
    with monkeypatch.context() as patch:
        if fault == "slow":
            patch.setattr(outbound, "rest_client", lambda s: rest_client(s, timeout=TIMEOUT))
        response = client.post(f"/api/v1/callbacks/{cb}/dial", headers=world.headers())
    twilio.release()
    assert response.status_code == 502
    message = response.get_json()["error"]
    assert message and "Traceback" not in message
    if fault.isdigit():
        assert f"stand-in answers {fault}" in message
    stored = world.get(cb)
    assert stored.status == "due"
    assert stored.last_error == message  # what the agent sees on the list
    # Twilio is back: the same agent starts the call again.
    rt.settings, twilio.status = healthy, 201
    again = client.post(f"/api/v1/callbacks/{cb}/dial", headers=world.headers())
    assert again.status_code == 200, again.get_json()
    assert world.get(cb).status == "calling"
    record.survived()


# --- the same webhook twice ----------------------------------------------------------

STATION = "+49304412345"


class Twice(FlaskTransport):
    """Delivers every webhook twice (Twilio's retry); both answers must be the same."""

    def __init__(self, app: Flask, parallel: bool) -> None:
        super().__init__(app, AUTH_TOKEN)
        self.app = app
        self.parallel = parallel
        self.deliveries = 0

    def post(self, url: str, params: dict[str, str]) -> tuple[int, str]:
        self.deliveries += 2
        if not self.parallel:
            first, second = super().post(url, params), super().post(url, params)
        else:
            answers: list[Any] = [None, None]

            def deliver(index: int) -> None:
                answers[index] = FlaskTransport(self.app, AUTH_TOKEN).post(url, params)

            threads = [threading.Thread(target=deliver, args=(i,)) for i in (0, 1)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            first, second = answers
        assert first == second, (url, first, second)
        return tuple(first)  # type: ignore[return-value]


@pytest.mark.parametrize("parallel", [False, True], ids=["one-after-the-other", "at-once"])
@pytest.mark.parametrize("hour", [10, 20], ids=["open", "closed"])
def test_every_webhook_delivered_twice(
    app: Flask, rt: Runtime, session: Session, figures: Figures, parallel: bool, hour: int
) -> None:
    make_customer(session, stations={"1": [STATION]})
    make_agent(session, "Anna", "+4915111111111")
    rt.clock.set(rt.clock.now().replace(hour=hour))  # type: ignore[attr-defined]
    transport = Twice(app, parallel)
    keys = ["1"] if hour == 10 else ["1", "1", "Kasse 2 bootet nicht"]
    walk = Walker(
        transport,
        PUBLIC_URL,
        STATION,
        keys=keys,
        dial_result="no-answer" if hour == 10 else "completed",
    ).run()
    for exchange in walk.exchanges:
        assert exchange.status == 200, exchange
        check_twiml(exchange.body)
    session.expire_all()
    tally = tuple(
        session.scalar(select(func.count()).select_from(m)) for m in (Call, Ticket, Callback)
    )
    for _ in range(transport.deliveries // 2):
        figures.fault("webhook delivered twice" + (" at once" if parallel else "")).survived()
    if hour == 10:
        assert walk.dialed[0] == ["+4915111111111"]
    assert tally == (1, 1, 1), walk.transcript
