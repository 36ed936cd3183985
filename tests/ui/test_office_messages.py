"""The supervisors' "Nachrichten ans Büro": what callers without a running contract left
for the office — in a real browser (chromium), with the recording played through the
hotline from the local Twilio stand-in, and a button that marks a message done."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.clock import FixedClock
from hotline.models import OfficeMessage
from tests.factories import make_contract
from tests.twilio_standin import RECORDING_MP3, RECORDING_URL, TwilioStub
from tests.ui.conftest import SUPERVISOR_EMAIL, screenshot, sign_in_page, twilio_settings


@pytest.fixture
def settings_overrides(twilio_stub: TwilioStub) -> dict[str, object]:
    return twilio_settings(twilio_stub)


@pytest.fixture
def messages(session: Session, clock: FixedClock) -> list[int]:
    """Two messages for the office: one spoken (ended contract), one silent and withheld."""
    contract = make_contract(
        session,
        customer_number="4711",
        contract_number="V-4711",
        name="Café Ende",
        stations={"1": ["+49304412345"]},
        cancellation_received=date(2025, 6, 1),
        cancellation_by="customer",
    )
    now = clock.now()
    spoken = OfficeMessage(
        contract_id=contract.id,
        phone="+49304412345",
        left_at=now - timedelta(hours=2),  # 08:00 in Berlin
        recording_url=RECORDING_URL,
        recording_seconds=14,
    )
    silent = OfficeMessage(contract_id=None, phone="", left_at=now - timedelta(minutes=5))
    session.add_all([spoken, silent])
    session.commit()
    return [spoken.id, silent.id]


def test_a_supervisor_reads_plays_and_marks_a_message_done(
    page: Any,
    session: Session,
    agents: dict[str, int],
    messages: list[int],
    twilio_stub: TwilioStub,
    request: pytest.FixtureRequest,
) -> None:
    sign_in_page(page, SUPERVISOR_EMAIL)
    page.click("nav >> text=Nachrichten ans Büro")
    page.wait_for_url("**/office-messages")
    assert page.locator("h1").inner_text() == "Nachrichten ans Büro"
    open_rows = page.locator("table[aria-label='Offene Nachrichten'] tbody tr")
    assert open_rows.count() == 2
    first = open_rows.nth(0)
    assert "30.11.2026 08:00" in first.inner_text()  # Berlin, not UTC
    assert "Café Ende" in first.inner_text() and "Kundennr. 4711" in first.inner_text()
    assert "030 4412345" in first.inner_text()
    assert "Aufnahme (14 s)" in first.inner_text()
    second = open_rows.nth(1)
    assert "nicht übermittelt" in second.inner_text() and "keine Aufnahme" in second.inner_text()
    screenshot(page, "office-messages", request)

    # The recording plays through the hotline, with Twilio's credentials.
    href = first.locator("a", has_text="Aufnahme").get_attribute("href")
    played = page.request.get(href)
    assert played.status == 200 and played.body() == RECORDING_MP3

    first.locator("button", has_text="erledigt").click()
    page.wait_for_url("**/office-messages")
    assert "Die Nachricht von 030 4412345 ist erledigt." in page.locator(".flash").inner_text()
    assert open_rows.count() == 1
    done = page.locator("table[aria-label='Erledigte Nachrichten'] tbody tr")
    assert done.count() == 1 and "Café Ende" in done.inner_text()
    session.expire_all()
    stored = session.get(OfficeMessage, messages[0])
    assert stored is not None and stored.done_by_id == agents["supervisor"]
    assert stored.done_at is not None


def test_agents_neither_see_nor_open_the_page_and_their_callback_list_lacks_the_messages(
    agent_client: FlaskClient, messages: list[int], session: Session
) -> None:
    callbacks = agent_client.get("/callbacks?status=alle").get_data(as_text=True)
    assert "Nachrichten ans Büro" not in callbacks
    assert "030 4412345" not in callbacks
    assert agent_client.get("/office-messages").status_code == 403
    assert agent_client.post(f"/office-messages/{messages[0]}/done").status_code in (400, 403)
    assert agent_client.get(f"/office-messages/{messages[0]}/recording").status_code == 403
    assert session.scalars(select(OfficeMessage.done_at)).all() == [None, None]


def test_a_message_without_recording_or_an_unknown_one_is_said_in_german(
    supervisor_client: FlaskClient, messages: list[int]
) -> None:
    missing = supervisor_client.get(f"/office-messages/{messages[1]}/recording")
    assert missing.status_code == 404
    assert "Zu dieser Nachricht gibt es keine Aufnahme." in missing.get_data(as_text=True)
