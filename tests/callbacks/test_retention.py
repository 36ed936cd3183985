"""Retention of callbacks: the daily clean-up forgets the number, the note and the error
texts of callbacks finished longer than `retention.call_details_days` ago (measured from
their last change), keeps them counted, and never touches open callbacks."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from callback.daily import clean_up
from callback.notify import notify_failed
from hotline.accounts.agents import add_agent
from hotline.clock import FixedClock
from hotline.models import Callback, CallbackAttempt
from hotline.web.reports import callbacks_waiting, time_to_first_attempt
from tests.callbacks.conftest import World
from tests.ui.conftest import sign_in

NOTE = "Herr Meier, Handy 0171 9999999"
TWILIO_ERROR = "The 'To' number +493011111111 is not a valid phone number."
PASSWORD = "richtig-geheim-123"


def _callback(
    world: World,
    phone: str,
    *,
    status: str,
    requested: datetime,
    updated: datetime,
    last_error: str | None = None,
    attempt_error: str | None = TWILIO_ERROR,
) -> int:
    """A callback in `status`, last changed at `updated`, with a note and one attempt."""
    cb_id = world.add_callback(phone=phone, at=requested)
    with world.rt.sessions() as session, session.begin():
        cb = session.get(Callback, cb_id)
        assert cb is not None
        cb.status, cb.note, cb.last_error, cb.attempts = status, NOTE, last_error, 1
        cb.outcome = {"done": "done", "failed": "no_answer", "cancelled": "cancelled"}.get(status)
        session.add(
            CallbackAttempt(
                callback_id=cb_id,
                agent_id=world.agents["anna"],
                started_at=requested + timedelta(minutes=5),
                ended_at=requested + timedelta(minutes=6),
                result="twilio_error" if attempt_error else "completed",
                error=attempt_error,
            )
        )
        cb.updated_at = updated  # when it was last changed (finished, for the final ones)
    return cb_id


def _callbacks(world: World) -> dict[int, tuple[object, ...]]:
    """Every callback by id: (phone, note, last_error, status, outcome, updated_at)."""
    with world.rt.sessions() as session:
        rows = session.execute(
            select(
                Callback.id,
                Callback.phone,
                Callback.note,
                Callback.last_error,
                Callback.status,
                Callback.outcome,
                Callback.updated_at,
            )
        )
        return {row[0]: tuple(row[1:]) for row in rows}


def _snapshot(world: World) -> tuple[object, ...]:
    """All callbacks and all attempts, to compare two runs."""
    with world.rt.sessions() as session:
        attempts = session.execute(
            select(
                CallbackAttempt.callback_id, CallbackAttempt.error, CallbackAttempt.result
            ).order_by(CallbackAttempt.id)
        ).all()
    return _callbacks(world), [tuple(row) for row in attempts]


@pytest.fixture
def ids(world: World, clock: FixedClock) -> dict[str, int]:
    now = clock.now()
    days = world.rt.settings.retention_call_details_days
    gone = now - timedelta(days=days + 1)  # just outside the retention window
    kept = now - timedelta(days=days - 1)  # just inside it
    return {
        "done": _callback(world, "+493011111111", status="done", requested=gone, updated=gone),
        "failed": _callback(
            world,
            "+493022222222",
            status="failed",
            requested=gone - timedelta(days=3),
            updated=gone,
            last_error="e-mail failed: (550, b'<meier@example.de> unknown')",
        ),
        "cancelled": _callback(
            world,
            "+493033333333",
            status="cancelled",
            requested=gone,
            updated=gone,
            attempt_error=None,
        ),
        # Requested long ago, finished inside the window: the last change counts.
        "recent": _callback(
            world, "+493044444444", status="done", requested=gone - timedelta(days=30), updated=kept
        ),
        # Open for years (a forgotten callback): never touched by the clean-up.
        "open": _callback(
            world,
            "+493055555555",
            status="due",
            requested=gone - timedelta(days=400),
            updated=gone - timedelta(days=400),
            last_error=TWILIO_ERROR,
        ),
    }


def test_finished_callbacks_are_anonymised_after_the_call_details_retention(
    world: World, ids: dict[str, int], clock: FixedClock
) -> None:
    rt = world.rt
    before = _callbacks(world)
    with rt.sessions() as session:
        counted = session.scalar(select(func.count()).select_from(Callback))
        waiting = callbacks_waiting(session)
        first = time_to_first_attempt(session, clock.now(), days=2000)
    with rt.sessions() as session, session.begin():
        removed = clean_up(session, rt.settings, clock.now())
    assert removed["callbacks"] == 3
    assert removed["callback_attempts"] == 2  # the cancelled one had no error text
    for name in ("done", "failed", "cancelled"):
        cb = world.get(ids[name])
        assert (cb.phone, cb.note, cb.last_error) == ("", "", None), name
        # What the reports need stays; the last change is not moved by the clean-up.
        old = before[ids[name]]
        assert (cb.status, cb.outcome, cb.updated_at) == old[3:], name
    for name in ("recent", "open"):
        cb = world.get(ids[name])
        assert (cb.phone, cb.note) == (before[ids[name]][0], NOTE), name
    assert world.get(ids["open"]).last_error == TWILIO_ERROR
    with rt.sessions() as session:
        rows = session.execute(select(CallbackAttempt.callback_id, CallbackAttempt.error))
        errors = {callback_id: error for callback_id, error in rows}
        assert errors == {
            ids["done"]: None,
            ids["failed"]: None,
            ids["cancelled"]: None,
            ids["recent"]: TWILIO_ERROR,
            ids["open"]: TWILIO_ERROR,
        }
        # Still counted: every row, the waiting list and the time to the first attempt.
        assert session.scalar(select(func.count()).select_from(Callback)) == counted == 5
        assert callbacks_waiting(session) == waiting
        assert time_to_first_attempt(session, clock.now(), days=2000) == first
        assert first.count == 5


def test_a_second_run_changes_nothing(world: World, ids: dict[str, int], clock: FixedClock) -> None:
    rt = world.rt
    with rt.sessions() as session, session.begin():
        assert clean_up(session, rt.settings, clock.now())["callbacks"] == 3
    after_first = _snapshot(world)
    with rt.sessions() as session, session.begin():
        removed = clean_up(session, rt.settings, clock.now())
    assert removed["callbacks"] == 0 and removed["callback_attempts"] == 0
    assert _snapshot(world) == after_first
    # A day later the callback finished inside the window is still one day short of it.
    with rt.sessions() as session, session.begin():
        removed = clean_up(session, rt.settings, clock.now() + timedelta(days=1))
    assert removed["callbacks"] == 0
    assert world.get(ids["recent"]).phone == "+493044444444"
    with rt.sessions() as session, session.begin():
        removed = clean_up(session, rt.settings, clock.now() + timedelta(days=3))
    assert (removed["callbacks"], removed["callback_attempts"]) == (1, 1)
    assert world.get(ids["open"]).phone == "+493055555555"


def test_list_api_and_page_show_an_anonymised_callback_without_number_or_note(
    app: Flask, client: FlaskClient, world: World, ids: dict[str, int], clock: FixedClock
) -> None:
    rt = world.rt
    with rt.sessions() as session, session.begin():
        clean_up(session, rt.settings, clock.now())
        add_agent(
            session,
            email="carla@hotline.example",
            name="Carla",
            phone="+4915122222222",
            now=clock.now(),
            password=PASSWORD,
        )
    done = client.get("/api/v1/callbacks?status=done", headers=world.headers()).get_json()
    phones = {item["id"]: item["phone"] for item in done}
    assert phones == {ids["done"]: "", ids["recent"]: "+493044444444"}
    assert {item["contract_number"] for item in done} == {"V-4711"}  # still attributed
    browser = app.test_client()
    assert sign_in(browser, "carla@hotline.example", PASSWORD).status_code == 302
    page = browser.get("/callbacks?status=alle").get_data(as_text=True)
    assert "030 44444444" in page and "030 55555555" in page
    for gone in ("030 11111111", "030 22222222", "030 33333333"):
        assert gone not in page
    assert page.count(NOTE) == 1  # the note of the recent one; the open one shows none


def test_no_email_about_a_callback_whose_number_is_gone(
    world: World, ids: dict[str, int], clock: FixedClock, smtp_server: Any
) -> None:
    inbox, _port = smtp_server
    with world.rt.sessions() as session, session.begin():
        clean_up(session, world.rt.settings, clock.now())
    with world.rt.sessions() as session:
        failed = session.get(Callback, ids["failed"])
        assert failed is not None and failed.phone == "" and failed.customer_notified_at is None
    assert notify_failed(world.rt.sessions, world.rt.settings, world.rt.calendar, clock.now()) == 0
    assert inbox.messages == []
