"""In a real browser (Debian's chromium via Playwright): sign in, a wrong password,
a contract found by a phone number typed as people type them. Screenshots go to
test-artifacts/screenshots/."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from hotline.clock import FixedClock
from hotline.models import Callback
from hotline.tickets import open_ticket
from tests.factories import make_contract
from tests.ui.conftest import AGENT_EMAIL, SUPERVISOR_EMAIL, screenshot, sign_in_page


def test_sign_in_lands_on_the_callback_list(
    page: Any,
    session: Session,
    clock: FixedClock,
    agents: dict[str, int],
    request: pytest.FixtureRequest,
) -> None:
    contract = make_contract(session, stations={"1": ["+49304412345"]})
    contract.customer.name = "Bäckerei Schulz"
    now = clock.now()
    for phone, priority, minutes in (("+4930100001", 1, 95), ("+49304412345", 0, 12)):
        session.add(
            Callback(
                phone=phone,
                contract_id=contract.id,
                category="outage" if priority == 0 else "technical",
                priority=priority,
                status="due",
                requested_at=now - timedelta(minutes=minutes),
                due_at=now,
                updated_at=now,
            )
        )
    session.commit()

    page.goto("/callbacks")
    assert page.url.endswith("/login?next=%2Fcallbacks")
    sign_in_page(page, SUPERVISOR_EMAIL)
    assert page.locator("h1").inner_text() == "Rückrufliste"
    nav = page.locator("nav").inner_text()
    for entry in ("Rückrufliste", "Tickets", "Verträge", "Mein Status", "Agenten", "Import"):
        assert entry in nav
    rows = page.locator("table.callbacks tbody tr")
    assert rows.count() == 2
    assert "030 4412345" in rows.nth(0).inner_text()  # the outage first
    assert "12 Min." in rows.nth(0).inner_text()
    screenshot(page, "callbacks", request)

    page.click("text=Abmelden")
    page.wait_for_url("**/login?logged_out=1")
    assert "Sie sind abgemeldet." in page.content()


def test_a_wrong_password_shows_a_german_error(
    page: Any, agents: dict[str, int], request: pytest.FixtureRequest
) -> None:
    sign_in_page(page, password="das-ist-falsch", landing=None)
    error = page.locator("[role=alert]")
    error.wait_for()
    assert error.inner_text() == "E-Mail-Adresse oder Passwort ist falsch."
    assert page.locator("input[name=email]").input_value() == AGENT_EMAIL
    screenshot(page, "login-error", request)


def test_find_a_contract_by_a_phone_number_as_typed(
    page: Any,
    session: Session,
    clock: FixedClock,
    agents: dict[str, int],
    request: pytest.FixtureRequest,
) -> None:
    contract = make_contract(
        session,
        customer_number="1001",
        contract_number="V-1001",
        start=date(2025, 3, 1),
        stations={"1": ["+49304412345"]},
    )
    contract.customer.name = "Bäckerei Schulz"
    contract.stations[0].teamviewer_id = "987654321"
    make_contract(session, customer_number="2002", contract_number="V-2002")
    for days in (0, 3, 35, 100):
        open_ticket(session, now=clock.now() - timedelta(days=days), contract_id=contract.id)
    session.commit()

    sign_in_page(page)
    page.click("nav >> text=Verträge")
    page.fill("input[name=q]", "030 / 441 23 45")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**/contracts?q=*")
    results = page.locator("table.list tbody tr")
    assert results.count() == 1
    assert "Bäckerei Schulz" in results.inner_text()
    assert "Kasse 1" in results.inner_text()
    screenshot(page, "contract-search", request)

    page.click("text=V-1001")
    page.wait_for_url("**/contracts/V-1001")
    body = page.locator("main").inner_text()
    assert "Support Flat" in body and "249,00 €" in body
    link = page.locator("a[href='https://start.teamviewer.com/987654321']")
    assert link.inner_text() == "987654321"
    assert page.locator("svg.chart rect.bar").count() == 12
    assert "Nov 26: 2" in page.locator("svg.chart").inner_html()
    screenshot(page, "contract", request)


def test_the_page_loads_no_resources_from_elsewhere(
    page: Any, agents: dict[str, int], live_server: str
) -> None:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    sign_in_page(page)
    assert seen and all(url.startswith(live_server) for url in seen)
    # The stylesheet arrived and applies under the Content-Security-Policy.
    background = page.evaluate(
        "getComputedStyle(document.querySelector('header.top')).backgroundColor"
    )
    assert background == "rgb(19, 41, 75)"
