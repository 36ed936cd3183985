"""Remote maintenance in a real browser (Debian's chromium via Playwright), against the
TeamViewer and Twilio stand-ins: a mobile caller gets the link by SMS, a landline caller
has the code read out (shown large, in groups of three), the agent ends the session with
a note (closed at TeamViewer, duration on the ticket), and each refusal of TeamViewer
is shown in German with nothing stored. Screenshots: test-artifacts/screenshots/, the
ones for the README also under docs/screenshots/."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.clock import FixedClock
from hotline.models import RemoteSession
from tests.remote.conftest import (
    LANDLINE,
    MOBILE,
    TIMEOUT_SECONDS,
    remote_settings,
    ticket_of_caller,
)
from tests.teamviewer_standin import TeamViewerStub
from tests.teamviewer_standin import teamviewer as teamviewer  # noqa: F401 - fixture
from tests.teamviewer_standin import teamviewer_standin as teamviewer_standin  # noqa: F401
from tests.twilio_standin import TwilioStub
from tests.ui.conftest import screenshot, sign_in_page

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def settings_overrides(teamviewer: TeamViewerStub, twilio_stub: TwilioStub) -> dict[str, object]:
    return remote_settings(teamviewer, twilio_stub)


def shot(page: Any, name: str, request: pytest.FixtureRequest) -> None:
    """A screenshot; the SQLite run's copy also goes to docs/screenshots/."""
    path = screenshot(page, name, request)
    params = getattr(getattr(request.node, "callspec", None), "params", {})
    if params.get("database_url", "sqlite") == "sqlite":
        DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS_SCREENSHOTS / f"{name}.png")


def stored(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(RemoteSession)) or 0


def test_mobile_caller_gets_the_sms_and_the_agent_ends_the_session(
    page: Any,
    session: Session,
    clock: FixedClock,
    agents: dict[str, int],
    teamviewer: TeamViewerStub,
    twilio_stub: TwilioStub,
    request: pytest.FixtureRequest,
) -> None:
    ticket = ticket_of_caller(session, clock, MOBILE)
    sign_in_page(page)
    page.goto(f"/tickets/{ticket.number}")
    assert page.input_value("input[name=phone]") == "0171 1234567"
    station_link = page.locator("a.teamviewer")
    assert station_link.get_attribute("href") == "https://start.teamviewer.com/1208334571"
    page.click("button:has-text('Fernwartung starten')")
    page.wait_for_selector("text=Die SMS mit dem Link ging an 0171 1234567.")
    assert page.inner_text(".remote-code .code") == "s12 345 678"
    assert "SMS mit dem Link gesendet an 0171 1234567" in page.inner_text(".remote-code")
    (sms,) = twilio_stub.requests
    assert sms["form"]["To"] == MOBILE
    assert "https://get.teamviewer.com/s12345678" in sms["form"]["Body"]
    opener = page.locator("a:has-text('Sitzung in TeamViewer öffnen')")
    # The agent's browser gets the supporter link from the hotline (asked of TeamViewer).
    answer = page.request.get(opener.get_attribute("href"), max_redirects=0)
    assert answer.status == 302
    assert answer.headers["location"] == teamviewer.sessions["s12-345-678"]["supporter_link"]
    assert "agent-only" not in page.content()
    shot(page, "remote-mobile", request)

    clock.advance(minutes=23)
    page.fill("input[name=note]", "Kassenprogramm neu gestartet, Bondrucker läuft.")
    page.click("button:has-text('Fernwartung beenden')")
    page.wait_for_selector("text=Fernwartung beendet.")
    row = page.locator("table.remote tbody tr").first
    assert "23 Min." in row.inner_text() and "beendet" in row.inner_text()
    assert "Bondrucker läuft." in row.inner_text()
    assert page.locator(".remote-code").count() == 0
    assert teamviewer.states() == {"s12-345-678": "closed"}
    shot(page, "remote-ended", request)


def test_landline_caller_has_the_code_read_out(
    page: Any,
    session: Session,
    clock: FixedClock,
    agents: dict[str, int],
    teamviewer: TeamViewerStub,
    twilio_stub: TwilioStub,
    request: pytest.FixtureRequest,
) -> None:
    ticket = ticket_of_caller(session, clock, LANDLINE)
    sign_in_page(page)
    page.goto(f"/tickets/{ticket.number}")
    page.click("button:has-text('Fernwartung starten')")
    page.wait_for_selector("text=Keine Mobilnummer: bitte den Code vorlesen.")
    code = page.locator(".remote-code .code")
    assert code.inner_text() == "s12 345 678"
    size = code.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 40, size  # large enough to read out without mistakes
    assert page.inner_text(".remote-code .read-out") == (
        "»Bitte öffnen Sie an der Kasse im Browser die Seite get.teamviewer.com "
        "und geben Sie den Code s12 345 678 ein.«"
    )
    assert "Festnetz, keine SMS möglich: 030 4412345" in page.inner_text(".remote-code")
    assert twilio_stub.requests == []
    shot(page, "remote-landline", request)


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        ("401", "TeamViewer lehnt den API-Token ab"),
        ("429", "zu viele Anfragen"),
        ("500", "TeamViewer ist gestört (HTTP 500)"),
        ("timeout", "TeamViewer antwortet nicht (nach 3 Sekunden abgebrochen)"),
    ],
)
def test_teamviewer_refusals_in_german_with_nothing_stored(
    page: Any,
    session: Session,
    clock: FixedClock,
    agents: dict[str, int],
    teamviewer: TeamViewerStub,
    twilio_stub: TwilioStub,
    request: pytest.FixtureRequest,
    fault: str,
    words: str,
) -> None:
    ticket = ticket_of_caller(session, clock, MOBILE)
    sign_in_page(page)
    page.goto(f"/tickets/{ticket.number}")
    if fault == "timeout":
        teamviewer.delay = TIMEOUT_SECONDS + 1.5
    else:
        teamviewer.status = int(fault)
    page.click("button:has-text('Fernwartung starten')")
    flash = page.locator("p.flash.error")
    flash.wait_for()
    assert words in flash.inner_text()
    assert "Es wurde nichts gespeichert" in flash.inner_text()
    assert page.locator("button:has-text('Fernwartung von Hand erfassen')").count() == 1
    assert stored(session) == 0 and twilio_stub.requests == []
    if fault == "429":
        shot(page, "remote-refused", request)
