"""PostgreSQL: the statements a usual call sends to the database, step by step.

Every statement is a round trip while the caller hears silence; a step that sends one
more than planned shows up here before it shows up in bench/webhooks.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event
from twilio.request_validator import RequestValidator

from hotline.runtime import Runtime
from tests.ivr.conftest import check_twiml

TOKEN = "test-auth-token"
PUBLIC = "https://hotline.example"
STATION = "+49304412345"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_PUBLIC_URL": PUBLIC}


def test_an_open_hours_call_to_the_agents_takes_seven_statements(
    app: Flask, rt: Runtime, customers, agents
) -> None:
    if rt.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL: SQLite answers without round trips, in separate statements")
    customers(stations={"1": [STATION]})
    statements: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    for engine in {rt.engine, rt.webhook_engine}:
        event.listen(engine, "before_cursor_execute", note)
    client = app.test_client()
    base = {"CallSid": "CA" + "7" * 32, "From": STATION, "To": "+4930120045670"}

    def post(path: str, **fields: str) -> tuple[int, str]:
        form = {**base, **fields}
        signature = RequestValidator(TOKEN).compute_signature(PUBLIC + path, form)
        before = len(statements)
        reply = client.post(path, data=form, headers={"X-Twilio-Signature": signature})
        assert reply.status_code == 200
        return len(statements) - before, reply.get_data(as_text=True)

    assert post("/voice/incoming")[0] == 2  # who is calling; the call, its ticket, the answer
    sent, menu_answer = post("/voice/menu/choice?t=1", Digits="1")
    assert sent == 2  # the call with the agents' phones; the category and the answer
    dial = check_twiml(menu_answer).find("Dial")
    assert dial is not None
    assert [(n.tag, n.text) for n in dial] == [("Number", "+4915111111111"), ("Client", "ben")]
    assert post("/voice/dial-result", DialCallStatus="completed", DialCallDuration="60")[0] == 2
    assert post("/voice/status", CallStatus="completed", CallDuration="70")[0] == 1
