"""ivr_flows.lane: the call flow's webhooks answered from WSGI, in front of Flask, and what a
usual call costs them in statements."""

from __future__ import annotations

import dataclasses
import io
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict
from werkzeug.test import Client, EnvironBuilder

from hotline.models import Call
from hotline.runtime import Runtime
from ivr_flows.lane import MAX_BODY, VoiceLane
from tests.conftest import postgresql_only
from tests.ivr.conftest import check_twiml

TOKEN = "test-auth-token"
PUBLIC = "https://hotline.example"
STATION = "+49304412345"
STRANGER = "+491701234567"


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {"TWILIO_AUTH_TOKEN": TOKEN, "HOTLINE_PUBLIC_URL": PUBLIC}


def signed(path: str, form: dict[str, str] | MultiDict[str, str]) -> dict[str, str]:
    return {"X-Twilio-Signature": RequestValidator(TOKEN).compute_signature(PUBLIC + path, form)}


def lane_of(app: Flask) -> VoiceLane:
    lane = app.wsgi_app
    assert isinstance(lane, VoiceLane)
    return lane


def calls(session: Session) -> dict[str, Call]:
    session.expire_all()
    return {c.call_sid: c for c in session.scalars(select(Call))}


@pytest.fixture
def flask_requests(app: Flask) -> Iterator[list[str]]:
    """The paths of the requests Flask dispatched."""
    seen: list[str] = []

    @app.before_request
    def note() -> None:
        from flask import request

        seen.append(request.path)

    yield seen


def test_a_step_is_answered_without_flask_other_methods_go_to_flask(
    client: FlaskClient, flask_requests: list[str], session: Session
) -> None:
    form = {"CallSid": "CA1", "From": STRANGER, "To": "+4930123"}
    reply = client.post("/voice/incoming", data=form, headers=signed("/voice/incoming", form))
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert int(reply.headers["Content-Length"]) == len(reply.data)
    check_twiml(reply.get_data(as_text=True))
    assert flask_requests == []
    assert calls(session)["CA1"].from_raw == STRANGER

    assert client.get("/voice/incoming").status_code == 405
    assert flask_requests == ["/voice/incoming"]


def test_flask_dispatching_the_same_path_gives_the_same_answer(
    app: Flask, client: FlaskClient, flask_requests: list[str], session: Session
) -> None:
    through_flask = Client(lane_of(app).app)  # the app behind the lane: Flask's routing
    answers = []
    for sid, http in (("CA-flask", through_flask), ("CA-lane", client)):
        form = {"CallSid": sid, "From": STRANGER}
        reply = http.post("/voice/incoming", data=form, headers=signed("/voice/incoming", form))
        assert reply.status_code == 200
        answers.append(reply.get_data(as_text=True))
    assert flask_requests == ["/voice/incoming"]  # the first one only
    assert answers[0] == answers[1]
    assert {"CA-flask", "CA-lane"} <= set(calls(session))
    forged = through_flask.post("/voice/status", data={"CallSid": "CA-flask"})
    assert forged.status_code == 403


def test_the_step_sees_the_first_of_repeated_fields_signed_over_all(
    client: FlaskClient, session: Session
) -> None:
    form = MultiDict([("CallSid", "CA2"), ("From", STRANGER), ("From", "+4940111")])
    reply = client.post("/voice/incoming", data=form, headers=signed("/voice/incoming", form))
    assert reply.status_code == 200
    assert calls(session)["CA2"].from_raw == STRANGER
    only_first = {"CallSid": "CA3", "From": STRANGER}
    reply = client.post("/voice/incoming", data=form, headers=signed("/voice/incoming", only_first))
    assert reply.status_code == 403
    assert "CA3" not in calls(session)


def test_a_body_over_the_limit_is_refused_unread_and_stores_nothing(
    client: FlaskClient, session: Session
) -> None:
    form = {"CallSid": "CA4", "From": STRANGER, "Junk": "x" * MAX_BODY}
    reply = client.post("/voice/incoming", data=form, headers=signed("/voice/incoming", form))
    assert reply.status_code == 413
    assert "CA4" not in calls(session)


def test_a_chunked_body_without_length_is_read(app: Flask, session: Session) -> None:
    form = {"CallSid": "CA5", "From": STRANGER}
    environ = EnvironBuilder(
        path="/voice/incoming",
        method="POST",
        data=urlencode(form),
        content_type="application/x-www-form-urlencoded",
        headers=signed("/voice/incoming", form),
    ).get_environ()
    del environ["CONTENT_LENGTH"]
    environ["wsgi.input"] = io.BytesIO(urlencode(form).encode())
    started: list[Any] = []
    body = b"".join(app.wsgi_app(environ, lambda status, headers: started.append(status)))
    assert started == ["200 OK"]
    check_twiml(body.decode())
    assert calls(session)["CA5"].from_raw == STRANGER


def test_an_error_outside_the_step_still_answers_twiml_and_is_logged(
    app: Flask, client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(hook: object) -> str:
        raise RuntimeError("boom")

    lane_of(app).routes["/voice/menu"] = broken
    form = {"CallSid": "CA6", "From": STRANGER}
    with caplog.at_level(logging.ERROR, logger="ivr_flows.lane"):
        reply = client.post("/voice/menu", data=form, headers=signed("/voice/menu", form))
    assert reply.status_code == 200
    root = check_twiml(reply.get_data(as_text=True))
    assert root[0].tag == "Say"  # the fallback's apology
    assert "webhook /voice/menu failed" in caplog.text


def test_query_arguments_reach_the_step_and_are_signed(client: FlaskClient) -> None:
    answers = {}
    for tries in (1, 2):  # a wrong key: asked again, after the second try the default category
        form = {"CallSid": f"CA7{tries}", "From": STRANGER, "Digits": "7"}
        path = f"/voice/menu/choice?t={tries}"
        reply = client.post(path, data=form, headers=signed(path, form))
        assert reply.status_code == 200
        answers[tries] = reply.get_data(as_text=True)
    assert f"{PUBLIC}/voice/menu/choice?t=2" in answers[1]
    assert "/voice/menu/choice" not in answers[2]
    form = {"CallSid": "CA73", "From": STRANGER, "Digits": "7"}
    tampered = client.post(
        "/voice/menu/choice?t=1", data=form, headers=signed("/voice/menu/choice?t=2", form)
    )
    assert tampered.status_code == 403


def test_without_a_public_url_the_signature_is_over_the_url_as_requested(
    app: Flask, client: FlaskClient
) -> None:
    lane = lane_of(app)
    lane.settings = dataclasses.replace(lane.settings, public_url=None)
    form = {"CallSid": "CA8", "From": STRANGER}
    validator = RequestValidator(TOKEN)
    as_requested = validator.compute_signature("http://localhost/voice/menu?t=2", form)
    reply = client.post("/voice/menu?t=2", data=form, headers={"X-Twilio-Signature": as_requested})
    assert reply.status_code == 200
    public = validator.compute_signature(PUBLIC + "/voice/menu?t=2", form)
    reply = client.post("/voice/menu?t=2", data=form, headers={"X-Twilio-Signature": public})
    assert reply.status_code == 403


def test_an_open_hours_call_to_the_agents_takes_seven_statements(
    app: Flask, rt: Runtime, customers, agents
) -> None:
    """Every statement is a round trip while the caller hears silence: a step that sends
    one more than planned shows up here before it shows up in bench/webhooks.py."""
    postgresql_only(rt, "PostgreSQL: SQLite answers without round trips, in separate statements")
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
        before = len(statements)
        reply = client.post(path, data=form, headers=signed(path, form))
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
