"""In a real browser (Debian's chromium via Playwright): work a callback from the list to
"erledigt" (claim, Rückruf starten against the local Twilio stand-in, outcome with a
note), two agents claiming the same callback, the list's self-refresh that keeps what
an agent types, and an upload with a bad row. Screenshots go to test-artifacts/screenshots/;
callbacks-list.png is also copied to docs/screenshots/ for the README."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from hotline.clock import FixedClock
from hotline.models import Callback
from tests.callbacks.conftest import PUBLIC_URL
from tests.factories import make_contract
from tests.twilio_standin import RECORDING_MP3, RECORDING_URL, TwilioStub
from tests.ui.conftest import (
    AGENT_EMAIL,
    SCREENSHOTS,
    SUPERVISOR_EMAIL,
    screenshot,
    sign_in_page,
    twilio_settings,
)
from tests.ui.test_workflows import BAD_CSV

DOCS_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
RECORDING = RECORDING_URL  # the stand-in serves it (with the account's basic auth)


pytestmark = pytest.mark.usefixtures("upload_dir")


@pytest.fixture
def settings_overrides(twilio_stub: TwilioStub) -> dict[str, object]:
    return twilio_settings(twilio_stub, HOTLINE_PUBLIC_URL=PUBLIC_URL)


def seed(session: Session, clock: FixedClock, agents: dict[str, int]) -> dict[str, int]:
    """Three waiting callbacks: an outage with a recording, one of a Second Level
    customer, and one the supervisor has already claimed."""
    now = clock.now()
    schulz = make_contract(session, stations={"1": ["+49304412345"], "2": []})
    schulz.customer.name = "Bäckerei Schulz"
    anker = make_contract(
        session, customer_number="2002", contract_number="V-2002", plan="second_level"
    )
    anker.customer.name = "Restaurant Zum Goldenen Anker"
    ids: dict[str, int] = {}
    for key, values in {
        "outage": dict(
            phone="+49304412345",
            contract_id=schulz.id,
            station_id=schulz.stations[0].id,
            category="outage",
            priority=0,
            requested_at=now - timedelta(minutes=12),
            recording_url=RECORDING,
        ),
        "legal": dict(
            phone="+4940669695001",
            contract_id=anker.id,
            station_id=anker.stations[0].id,
            category="legal",
            priority=1,
            requested_at=now - timedelta(hours=1, minutes=35),
            attempts=1,
        ),
        "taken": dict(
            phone="+4922147103010",
            contract_id=schulz.id,
            station_id=schulz.stations[1].id,
            category="technical",
            priority=1,
            requested_at=now - timedelta(hours=2),
            status="claimed",
            claimed_by_id=agents["supervisor"],
            claimed_at=now - timedelta(minutes=3),
        ),
    }.items():
        fields: dict[str, Any] = {"status": "due", "due_at": now, "updated_at": now}
        fields.update(values)
        cb = Callback(**fields)
        session.add(cb)
        session.flush()
        ids[key] = cb.id
    session.commit()
    return ids


def row(page: Any, callback_id: int) -> Any:
    return page.locator(f"tr[data-callback-id='{callback_id}']")


def test_work_a_callback_from_the_list_to_done(
    page: Any,
    session: Session,
    clock: FixedClock,
    agents: dict[str, int],
    twilio_stub: TwilioStub,
    request: pytest.FixtureRequest,
) -> None:
    ids = seed(session, clock, agents)
    sign_in_page(page)
    rows = page.locator("table.callbacks tbody tr")
    assert rows.count() == 3
    first = rows.nth(0).inner_text()
    assert "030 4412345" in first and "12 Min." in first and "Bäckerei Schulz" in first
    audio = row(page, ids["outage"]).locator("audio[controls]")
    assert audio.get_attribute("src") == f"/callbacks/{ids['outage']}/recording"
    # The browser gets the MP3 from the hotline, which fetched it from Twilio with the
    # account's credentials (the browser never had them).
    got = audio.evaluate(
        "a => fetch(a.src).then(async r => "
        "[r.status, r.headers.get('content-type'), (await r.arrayBuffer()).byteLength])"
    )
    assert got == [200, "audio/mpeg", len(RECORDING_MP3)]
    taken = row(page, ids["taken"])
    assert "übernommen von Sven Supervisor" in taken.inner_text()
    assert taken.locator("button", has_text="Übernehmen").count() == 0
    path = screenshot(page, "callbacks-list", request)
    if getattr(getattr(request.node, "callspec", None), "id", "") in ("", "sqlite"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, SCREENSHOTS / "callbacks-list.png")
        DOCS_SCREENSHOT.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS_SCREENSHOT / "callbacks-list.png")

    mine = row(page, ids["outage"])
    mine.locator("button", has_text="Übernehmen").click()
    page.wait_for_selector("text=Sie haben den Rückruf an 030 4412345 übernommen.")
    mine.locator("button", has_text="Rückruf starten").click()
    page.wait_for_selector("text=Twilio ruft Sie jetzt unter 030 111111 an")
    assert twilio_stub.requests[-1]["form"]["To"] == "+4930111111"
    assert "wird verbunden" in mine.inner_text()
    mine.locator("textarea[name=note]").fill("Kasse neu gestartet, Bon-Drucker läuft wieder.")
    screenshot(page, "callback-outcome", request)
    mine.locator("button", has_text="erledigt").click()
    page.wait_for_selector("text=Rückruf als erledigt gespeichert.")
    assert row(page, ids["outage"]).count() == 0  # no longer in the open list

    page.select_option("select[name=status]", "done")
    page.click("text=Anzeigen")
    page.wait_for_url("**/callbacks?status=done")
    done = row(page, ids["outage"])
    assert "erledigt" in done.inner_text()
    assert "Bon-Drucker läuft wieder." in done.inner_text()
    session.expire_all()
    cb = session.get(Callback, ids["outage"])
    assert cb is not None and cb.status == "done"


def test_two_agents_claim_the_same_callback(
    page: Any,
    second_page: Any,
    session: Session,
    clock: FixedClock,
    agents: dict[str, int],
    request: pytest.FixtureRequest,
) -> None:
    ids = seed(session, clock, agents)
    sign_in_page(page, AGENT_EMAIL)
    sign_in_page(second_page, SUPERVISOR_EMAIL)
    # Both see the callback free, then both click.
    anna = row(page, ids["legal"]).locator("button", has_text="Übernehmen")
    sven = row(second_page, ids["legal"]).locator("button", has_text="Übernehmen")
    anna.click()
    page.wait_for_selector("text=Sie haben den Rückruf an")
    sven.click()
    second_page.wait_for_selector("[role=status]")
    message = second_page.locator("p.flash").inner_text()
    assert message == "Dieser Rückruf wurde bereits übernommen von Anna Agentin."
    assert "übernommen von Anna Agentin" in row(second_page, ids["legal"]).inner_text()
    assert "Rückruf starten" in row(page, ids["legal"]).inner_text()
    screenshot(second_page, "claim-lost", request)


def test_the_list_refreshes_but_keeps_what_the_agent_types(
    page: Any,
    session: Session,
    clock: FixedClock,
    agents: dict[str, int],
) -> None:
    ids = seed(session, clock, agents)
    sign_in_page(page)
    row(page, ids["outage"]).locator("button", has_text="Übernehmen").click()
    page.wait_for_selector("textarea[name=note]")
    page.fill("textarea[name=note]", "Kunde ruft gleich zurück")
    page.locator("h1").click()  # the field loses the focus but keeps its text

    # A new callback arrives meanwhile.
    now = clock.now()
    session.add(
        Callback(
            phone="+4930555555",
            category="technical",
            priority=1,
            status="due",
            requested_at=now,
            due_at=now,
            updated_at=now,
        )
    )
    session.commit()
    page.evaluate("window.hotlineRefreshCallbacks()")
    page.wait_for_timeout(500)
    assert page.input_value("textarea[name=note]") == "Kunde ruft gleich zurück"
    assert "030 555555" not in page.locator("table.callbacks").inner_text()

    page.fill("textarea[name=note]", "")
    page.locator("h1").click()
    page.evaluate("window.hotlineRefreshCallbacks()")
    # (wait_for_function would evaluate a string, which the page's CSP forbids)
    page.locator("#callback-rows[data-refreshed-at]").wait_for(state="attached")
    assert "030 555555" in page.locator("table.callbacks").inner_text()


def test_an_upload_with_an_error_names_the_row(
    page: Any, agents: dict[str, int], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    csv_file = tmp_path / "kunden.csv"
    csv_file.write_text(BAD_CSV, encoding="utf-8")
    sign_in_page(page, SUPERVISOR_EMAIL)
    page.click("nav >> text=Import")
    page.wait_for_url("**/import")
    page.set_input_files("input[name=file]", str(csv_file))
    page.click("button:has-text('Probelauf')")
    error_row = page.locator("table.errors tr[data-line='3']")
    error_row.wait_for()
    assert "Zeile 3" in error_row.inner_text() and "plan" in error_row.inner_text()
    assert "Die Datei kunden.csv wurde abgelehnt" in page.locator("[role=alert]").inner_text()
    assert page.locator("button:has-text('Import ausführen')").count() == 0
    screenshot(page, "import-error", request)
