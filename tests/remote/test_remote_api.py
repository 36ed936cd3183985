"""POST /api/v1/tickets/{number}/remote-sessions, and the ticket page's forms, through
the app against the TeamViewer and Twilio stand-ins."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.accounts.agents import add_agent, create_token
from hotline.app import create_app
from hotline.clock import FixedClock
from hotline.models import RemoteSession, Ticket
from hotline.runtime import build_runtime
from hotline.settings import Settings
from tests.remote.conftest import LANDLINE, MOBILE, remote_settings, ticket_of_caller
from tests.teamviewer_standin import TeamViewerStub
from tests.twilio_standin import TwilioStub
from tests.ui.conftest import AGENT_EMAIL, PASSWORD, csrf_token, sign_in


@pytest.fixture
def settings_overrides(teamviewer: TeamViewerStub, twilio_stub: TwilioStub) -> dict[str, object]:
    return remote_settings(teamviewer, twilio_stub)


@pytest.fixture
def token(session: Session, clock: FixedClock) -> dict[str, str]:
    """Anna (agent) with a password and an API token; the Authorization header."""
    add_agent(
        session,
        email=AGENT_EMAIL,
        name="Anna Agentin",
        phone="+4930111111",
        now=clock.now(),
        password=PASSWORD,
    )
    secret = create_token(session, AGENT_EMAIL, clock.now())
    session.commit()
    return {"Authorization": f"Bearer {secret}"}


def stored(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(RemoteSession)) or 0


def url(ticket: Ticket) -> str:
    return f"/api/v1/tickets/{ticket.number}/remote-sessions"


def test_api_starts_a_session_and_sends_the_sms(
    client: FlaskClient,
    session: Session,
    clock: FixedClock,
    token: dict[str, str],
    twilio_stub: TwilioStub,
) -> None:
    ticket = ticket_of_caller(session, clock, MOBILE)
    response = client.post(url(ticket), headers=token)
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["code"] == "s12-345-678" and answer["sms_sent"] is True
    assert answer["end_customer_link"] == "https://get.teamviewer.com/s12345678"
    assert answer["valid_until"] == "2026-12-01T10:00:00+01:00"
    assert "supporter_link" not in answer and "start.teamviewer.com" not in response.text
    assert twilio_stub.requests[0]["form"]["To"] == MOBILE
    again = client.post(url(ticket), headers=token)
    assert again.status_code == 409 and "läuft schon" in again.get_json()["error"]


def test_api_landline_and_entered_number(
    client: FlaskClient, session: Session, clock: FixedClock, token: dict[str, str]
) -> None:
    ticket = ticket_of_caller(session, clock, LANDLINE)
    answer = client.post(url(ticket), headers=token).get_json()
    assert answer["sms_sent"] is False and answer["sms_status"] == "landline"
    second = ticket_of_caller(session, clock, LANDLINE, customer_number="2002")
    entered = client.post(url(second), headers=token, json={"phone": "0171 1234567"})
    assert entered.status_code == 201 and entered.get_json()["sms_to"] == MOBILE


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"phone": "12"}, 400, "»12« ist keine gültige Telefonnummer"),
        ({"phone": 171}, 400, "phone: expected a text"),
        ([1, 2], 400, "JSON object"),
    ],
)
def test_api_bad_input(
    client: FlaskClient,
    session: Session,
    clock: FixedClock,
    token: dict[str, str],
    body: object,
    status: int,
    words: str,
) -> None:
    ticket = ticket_of_caller(session, clock, MOBILE)
    response = client.post(url(ticket), headers=token, json=body)
    assert response.status_code == status and words in response.get_json()["error"]
    assert stored(session) == 0


def test_api_unknown_ticket_and_no_token(client: FlaskClient, token: dict[str, str]) -> None:
    assert client.post("/api/v1/tickets/999999/remote-sessions", headers=token).status_code == 404
    assert client.post("/api/v1/tickets/999999/remote-sessions").status_code == 401


def test_api_teamviewer_refusal_is_502_with_the_german_reason(
    client: FlaskClient,
    session: Session,
    clock: FixedClock,
    token: dict[str, str],
    teamviewer: TeamViewerStub,
) -> None:
    ticket = ticket_of_caller(session, clock, MOBILE)
    teamviewer.status = 401
    response = client.post(url(ticket), headers=token)
    assert response.status_code == 502
    assert "API-Token ab" in response.get_json()["error"]
    assert stored(session) == 0


# --- the ticket page, without a browser ---------------------------------------------------


def post(client: FlaskClient, path: str, page: str, **data: str) -> str:
    response = client.post(path, data={"csrf_token": csrf_token(client, page), **data})
    assert response.status_code == 302, response.status_code
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_page_refuses_a_bad_number_and_opens_the_session_for_the_agent(
    app: Flask,
    session: Session,
    clock: FixedClock,
    token: dict[str, str],
    teamviewer: TeamViewerStub,
) -> None:
    client = app.test_client()
    assert sign_in(client, AGENT_EMAIL).status_code == 302
    ticket = ticket_of_caller(session, clock, LANDLINE)
    page = f"/tickets/{ticket.number}"
    text = post(client, f"{page}/remote", page, phone="0171")
    assert "»0171« ist keine gültige Telefonnummer" in text and stored(session) == 0
    text = post(client, f"{page}/remote", page, phone="")
    assert '<p class="code" data-code="s12-345-678">s12 345 678</p>' in text
    assert "agent-only" not in text  # the supporter link is not on the page
    remote_id = session.scalars(select(RemoteSession.id)).one()
    opened = client.get(f"{page}/remote/{remote_id}/open")
    assert opened.status_code == 302
    assert opened.headers["Location"] == teamviewer.sessions["s12-345-678"]["supporter_link"]
    text = post(client, f"{page}/close", page)
    assert "Ticket " + str(ticket.number) + " ist geschlossen" in text
    assert teamviewer.states() == {"s12-345-678": "closed"}
    assert re.search(r'<td data-label="Status" class="state">beendet', text)


def test_api_without_teamviewer_token_is_503_and_says_record_by_hand(
    settings: Settings, clock: FixedClock, session: Session, token: dict[str, str]
) -> None:
    ticket = ticket_of_caller(session, clock, MOBILE)
    runtime = build_runtime(replace(settings, teamviewer_api_token=None), clock)
    try:
        response = create_app(runtime=runtime).test_client().post(url(ticket), headers=token)
    finally:
        runtime.dispose()
    assert response.status_code == 503
    assert "von Hand erfassen" in response.get_json()["error"] and stored(session) == 0


def test_page_shows_an_expired_session_and_no_log_has_the_supporter_link(
    app: Flask,
    session: Session,
    clock: FixedClock,
    token: dict[str, str],
    teamviewer: TeamViewerStub,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    assert sign_in(client, AGENT_EMAIL).status_code == 302
    ticket = ticket_of_caller(session, clock, MOBILE)
    page = f"/tickets/{ticket.number}"
    teamviewer.valid_for = timedelta(hours=2)
    post(client, f"{page}/remote", page, phone="")
    remote_id = session.scalars(select(RemoteSession.id)).one()
    client.get(f"{page}/remote/{remote_id}/open")
    clock.advance(hours=3)
    text = client.get(page).get_data(as_text=True)
    assert '<td data-label="Status" class="state">abgelaufen' in text and 'class="code"' not in text
    post(client, f"{page}/remote/{remote_id}/end", page, note="Kunde nicht mehr erreicht")
    assert "agent-only" not in caplog.text and "s12-345-678" in caplog.text
