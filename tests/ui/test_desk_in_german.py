"""In a real browser: every page of the agents' desk, filled with the demo data and a year
of contract history, shows no English UI words; the callback list fits a desktop
(1280×800) and a phone (390×844) without sideways scrolling; the SQLite run copies those
two screenshots to docs/screenshots/ for the README."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from callback.daily import roll_over_contracts
from hotline.clock import FixedClock
from hotline.demo import load_demo
from hotline.models import Call, Callback, Contract, Ticket
from hotline.runtime import Runtime
from hotline.tickets import open_ticket
from tests.ui.conftest import SUPERVISOR_EMAIL, screenshot, sign_in_page

DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

# Words (and phrases) an English UI or an untranslated code would show; whole words,
# case-insensitive. Customer names, e-mail addresses and links are removed first.
ENGLISH = (
    "no answer",
    "wrong number",
    "callback",
    "imported",
    "created by import",
    "renewed",
    "term",
    "ended",
    "received",
    "from the",
    "customer",
    "provider",
    "busy",
    "failed",
    "hung up",
    "unknown",
    "none",
    "error",
    "submit",
    "cancel",
    "save",
    "search",
    "password",
    "the",
    "and",
    "to",
    "of",
    "by",
    "not",
)
_ENGLISH = re.compile(r"\b(" + "|".join(re.escape(w) for w in ENGLISH) + r")\b", re.IGNORECASE)
# A stored code shown as it is: agent_ringing, no_contract, …
_CODE = re.compile(r"\b[a-z]+_[a-z_]+\b")
_NOT_UI = re.compile(r"\S+@\S+|https?://\S+")


def english_words(text: str) -> list[str]:
    """The English words and raw codes in a page's visible text."""
    text = _NOT_UI.sub(" ", text)
    return _ENGLISH.findall(text) + _CODE.findall(text)


def test_the_word_check_finds_what_it_should() -> None:
    assert english_words("nächster Versuch: no answer") == ["no answer"]
    assert english_words("renewed: term 2: 2026-03-01 to 2027-02-28") == ["renewed", "term", "to"]
    assert english_words("Ergebnis agent_ringing") == ["agent_ringing"]
    assert english_words("Verlängert bis 28.02.2027 · sabine@kassensupport.example") == []


@pytest.fixture
def desk(session: Session, rt: Runtime, clock: FixedClock, agents: dict[str, int]) -> int:
    """The demo data, a year of renewals, a failed attempt and calls with their results;
    the id of the callback that waits for its retry until tomorrow."""
    now = clock.now()
    load_demo(session, now=now, calendar=rt.calendar)
    roll_over_contracts(session, now.date(), now)
    # A callback whose last attempt failed: it waits for its retry with the reason.
    waiting = session.scalars(
        select(Callback).where(Callback.status == "due", Callback.attempts == 0)
    ).first()
    assert waiting is not None
    waiting.attempts = 1
    waiting.last_error = "customer: no-answer"
    waiting.next_attempt_at = now + timedelta(days=1)
    # A problem recording: its player is one of the widest things in a row.
    waiting.recording_url = "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1"
    contract = session.scalars(select(Contract)).first()
    assert contract is not None
    for n, outcome in enumerate(("callback", "agent", "no_contract", "sent_to_admin", "hung_up")):
        call = Call(
            call_sid=f"CA{n:032d}",
            caller_e164="+49304412345",
            started_at=now - timedelta(minutes=10 + n),
            contract_id=contract.id,
            outcome=outcome,
        )
        session.add(call)
        session.flush()
        open_ticket(session, now=call.started_at, contract_id=contract.id, call_id=call.id)
    session.commit()
    return waiting.id


# The visible text without <code>/<pre>: the CSV's column names are fixed, not UI words.
_VISIBLE_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll("code, pre").forEach((el) => el.remove());
  document.body.appendChild(copy);
  copy.style.display = "block";
  const text = copy.innerText;
  copy.remove();
  return text;
}"""


def _pages(session: Session) -> list[str]:
    contracts = list(session.scalars(select(Contract.number)))
    tickets = [str(n) for n in session.scalars(select(Ticket.number))]
    return [
        "/callbacks?status=alle",
        "/callbacks?status=due",
        "/tickets",
        *[f"/tickets/{n}" for n in tickets],
        "/contracts",
        "/contracts?q=Bäckerei",
        "/contracts?q=030 4412345",
        *[f"/contracts/{n}" for n in contracts],
        "/status",
        "/agents",
        "/import",
        "/reports",
        "/office-messages",
    ]


def test_every_page_speaks_german(page: Any, session: Session, desk: int) -> None:
    sign_in_page(page, SUPERVISOR_EMAIL)
    paths = _pages(session)
    assert len(paths) > 20
    found: dict[str, list[str]] = {}
    for path in paths:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        words = english_words(page.evaluate(_VISIBLE_TEXT))
        if words:
            found[path] = sorted(set(words))
    page.click("text=Abmelden")
    page.wait_for_url("**/login?logged_out=1")
    words = english_words(page.evaluate(_VISIBLE_TEXT))
    if words:
        found["/login"] = sorted(set(words))
    assert found == {}


def test_a_waiting_retry_shows_its_day_buttons_and_ticket(
    page: Any, session: Session, desk: int
) -> None:
    sign_in_page(page, SUPERVISOR_EMAIL)
    page.goto("/callbacks?status=due")
    row = page.locator(f"tr[data-callback-id='{desk}']")
    text = row.inner_text()
    assert "nächster Versuch morgen 10:00 Uhr" in text
    assert "Kunde: nicht abgenommen" in text
    assert re.search(r"Ticket \d+", text)
    claim = row.locator("button", has_text="Übernehmen")
    assert claim.is_disabled()
    assert claim.get_attribute("title") == "möglich ab morgen 10:00 Uhr"
    assert row.locator("button", has_text="abbrechen").is_enabled()


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)])
def test_the_callback_list_fits_the_screen(
    browser: Any,
    live_server: str,
    session: Session,
    desk: int,
    width: int,
    height: int,
    request: pytest.FixtureRequest,
) -> None:
    context = browser.new_context(
        base_url=live_server, locale="de-DE", viewport={"width": width, "height": height}
    )
    try:
        tab = context.new_page()
        sign_in_page(tab, SUPERVISOR_EMAIL)
        # Sven claims one, so a row shows the outcome form, the widest cell.
        tab.locator("button[type=submit]", has_text="Übernehmen").first.click()
        tab.wait_for_selector("form.outcome")
        assert tab.locator("table.callbacks tbody tr").count() >= 4
        scroll, client = tab.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert scroll <= client == width
        table_right = tab.evaluate(
            "document.querySelector('table.callbacks').getBoundingClientRect().right"
        )
        assert table_right <= width
        path = screenshot(tab, f"callbacks-{width}x{height}", request)
        if request.node.callspec.id.startswith("sqlite"):  # the README shows these
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, DOCS_SCREENSHOTS / f"callbacks-{width}x{height}.png")
    finally:
        context.close()


# The elements whose right edge lies beyond the window: what makes a page scroll sideways.
_STICKING_OUT = """(width) => Array.from(document.querySelectorAll("body *"))
  .filter((el) => el.getBoundingClientRect().right > width + 0.5)
  .map((el) => el.tagName.toLowerCase() + (el.className ? "." + el.className : ""))
  .slice(0, 5)"""


def test_every_page_fits_a_phone(
    browser: Any, live_server: str, session: Session, desk: int
) -> None:
    width = 390
    context = browser.new_context(
        base_url=live_server, locale="de-DE", viewport={"width": width, "height": 844}
    )
    try:
        tab = context.new_page()
        sign_in_page(tab, SUPERVISOR_EMAIL)
        paths = [*_pages(session), "/wallboard", "/reports/queue", "/mail/unassigned"]
        paths += ["/tokens"]
        wide: dict[str, list[str]] = {}
        for path in paths:
            response = tab.goto(path)
            assert response is not None and response.status == 200, path
            scroll = tab.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                wide[path] = [f"{scroll} px", *tab.evaluate(_STICKING_OUT, width)]
        assert wide == {}
    finally:
        context.close()
