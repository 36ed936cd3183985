"""The live queue as people see it: the Rückrufliste's queue, the wallboard, the queue
reports with their CSV for German Excel, and GET /api/v1/queue."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from callback.queue import presence, waiting
from hotline.accounts.agents import create_token
from hotline.runtime import Runtime
from tests.factories import make_contract
from tests.ui.conftest import AGENT_EMAIL, SUPERVISOR_EMAIL, screenshot, sign_in_page

QUEUE_SID = "QU" + "9" * 32


def offer(rt: Runtime, sid: str, contract_id: int | None, category: str, at: datetime) -> None:
    with rt.engine.begin() as conn:
        waiting.offer(
            conn,
            call_sid=sid,
            call_id=None,
            contract_id=contract_id,
            category=category,
            now=at,
            queued=True,
        )
        waiting.on_wait(conn, sid, QUEUE_SID, at)


def finish(rt: Runtime, sid: str, status: str, after: int, agent_id: int | None = None) -> None:
    """The offered call `sid` was answered (or abandoned) `after` seconds after its offer."""
    with rt.engine.begin() as conn:
        entry = waiting.find(conn, sid)
        assert entry is not None
        at = entry.offered_at + timedelta(seconds=after)
        if status == "answered":
            waiting.answered(conn, sid, agent_id, at)
            waiting.call_ended(conn, sid, at + timedelta(minutes=5))
        else:
            waiting.set_status(conn, sid, status, at)


@pytest.fixture
def expect() -> Any:
    """Playwright's waiting assertions (no string evaluation: the CSP forbids it)."""
    return pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def queue(rt: Runtime, session: Session, agents: dict[str, int]) -> dict[str, Any]:
    """Today (30 Nov 2026, 10:00 Berlin): two callers wait (an outage that came later is
    first), one was answered in 15 s, one after 45 s, one hung up after 90 s."""
    bakery = make_contract(session, customer_number="4711", name="Bäckerei Müller")
    formula = make_contract(
        session, customer_number="4712", contract_number="V-4712", name="=SUMME(A1;A2)"
    )
    session.commit()
    now = rt.clock.now()
    offer(rt, "CA" + "1" * 32, bakery.id, "technical", now - timedelta(minutes=4))
    offer(rt, "CA" + "2" * 32, formula.id, "outage", now - timedelta(minutes=1))
    for n, (status, after) in enumerate((("answered", 15), ("answered", 45), ("abandoned", 90))):
        sid = f"CA{n:032x}"
        offer(rt, sid, formula.id, "technical", now - timedelta(hours=1, minutes=n * 10))
        finish(rt, sid, status, after, agents["agent"])
    with rt.engine.begin() as conn:
        presence.agent_answered(conn, phone="+4930111111", call_sid="CAbusy", now=now)
    return {"bakery": bakery.id, "formula": formula.id}


def test_api_lists_the_callers_waiting_in_the_hotlines_order(
    client: FlaskClient, rt: Runtime, session: Session, queue: dict[str, Any]
) -> None:
    assert client.get("/api/v1/queue").status_code == 401
    token = create_token(session, AGENT_EMAIL, rt.clock.now())
    session.commit()
    answer = client.get("/api/v1/queue", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    assert answer.get_json() == [
        {
            "call_sid": "CA" + "2" * 32,
            "position": 1,
            "category": "outage",
            "customer_number": "4712",
            "waiting_seconds": 60,
        },
        {
            "call_sid": "CA" + "1" * 32,
            "position": 2,
            "category": "technical",
            "customer_number": "4711",
            "waiting_seconds": 240,
        },
    ]


def test_wallboard_shows_the_queue_the_agents_and_today(
    supervisor_client: FlaskClient, agent_client: FlaskClient, queue: dict[str, Any]
) -> None:
    assert agent_client.get("/wallboard").status_code == 403
    page = supervisor_client.get("/wallboard?fragment=1").get_data(as_text=True)
    figures = {
        name: page.split(f'id="wb-{name}">')[1].split("<")[0]
        for name in ("waiting", "longest", "free", "busy", "off", "calls", "answered", "abandoned")
    }
    assert figures == {
        "waiting": "2",
        "longest": "4:00",
        "free": "0",
        "busy": "1",  # Anna talks
        "off": "1",  # Sven is not switched available
        "calls": "3",  # today's calls that are over
        "answered": "2",
        "abandoned": "1",
    }
    assert 'id="wb-level">33,3 %' in page  # one of three answered within 20 s


def test_queue_reports_and_their_csv_for_german_excel(
    supervisor_client: FlaskClient, queue: dict[str, Any]
) -> None:
    page = supervisor_client.get("/reports/queue?von=2026-11-30&bis=2026-11-30")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<td>30.11.2026</td><td>3</td><td>2</td><td>1</td><td>1</td><td>33,3 %</td>" in html
    assert "Anna Agentin</td><td>2</td><td>0</td><td>0:10 Std." in html

    levels = supervisor_client.get("/reports/queue/servicelevel.csv?von=2026-11-29&bis=2026-11-30")
    assert levels.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in levels.headers["Content-Disposition"]
    raw = levels.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == (
        "Tag;Anrufe;angenommen;rechtzeitig angenommen;abgebrochen;Servicelevel (%)"
    )
    assert "\r\n" in text
    assert list(csv.reader(io.StringIO(text), delimiter=";"))[1:] == [
        ["29.11.2026", "0", "0", "0", "0", ""],
        ["30.11.2026", "3", "2", "1", "1", "33,3"],
    ]
    abandoned = supervisor_client.get("/reports/queue/abgebrochen.csv?von=2026-11-30")
    rows = list(csv.reader(io.StringIO(abandoned.get_data().decode("utf-8-sig")), delimiter=";"))
    assert rows[1][1:] == ["90", "Technisches Problem", "4712", "'=SUMME(A1;A2)", "nein"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("von=30.11.2026", "„von“: &#39;30.11.2026&#39; ist kein Datum wie 2026-11-30."),
        ("von=2026-12-01&bis=2026-11-30", "„bis“ (30.11.2026) liegt vor „von“ (01.12.2026)."),
    ],
)
def test_a_bad_report_range_says_what_is_wrong(
    supervisor_client: FlaskClient, queue: dict[str, Any], query: str, message: str
) -> None:
    page = supervisor_client.get(f"/reports/queue?{query}")
    assert page.status_code == 400
    assert message in page.get_data(as_text=True)
    csv_answer = supervisor_client.get(f"/reports/queue/agenten.csv?{query}")
    assert csv_answer.status_code == 400


def test_the_callback_list_shows_the_live_queue_and_refreshes_it(
    page: Any, expect: Any, rt: Runtime, queue: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    sign_in_page(page, AGENT_EMAIL)
    rows = page.locator("#queue-rows tr")
    assert rows.count() == 2
    assert rows.nth(0).inner_text().split("\t")[:3] == [
        "1",
        "wartet am Telefon",
        "Störung (Kasse steht)",
    ]
    assert "Bäckerei Müller (4711)" in rows.nth(1).inner_text()
    assert "4:00 Min." in rows.nth(1).inner_text()
    offer(rt, "CA" + "3" * 32, queue["bakery"], "outage", rt.clock.now())
    page.evaluate("window.hotlineRefreshLive()")
    expect(rows).to_have_count(3)
    assert "Bäckerei Müller (4711)" in rows.nth(1).inner_text()  # the new outage, second
    screenshot(page, "live-queue", request)


def test_the_wallboard_in_the_browser(
    page: Any, expect: Any, rt: Runtime, queue: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    sign_in_page(page, SUPERVISOR_EMAIL)
    page.click("nav >> text=Wallboard")
    page.wait_for_url("**/wallboard")
    assert page.locator("#wb-waiting").inner_text() == "2"
    finish(rt, "CA" + "2" * 32, "answered", 70)
    page.evaluate("window.hotlineRefreshLive()")
    expect(page.locator("#wb-waiting")).to_have_text("1")
    assert page.locator("#wb-answered").inner_text() == "3"
    screenshot(page, "wallboard", request)
