"""The e-mail after the last failed attempt, received by a real SMTP server (aiosmtpd)."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from callback.notify import notify_failed
from hotline.clock import FixedClock
from tests.callbacks.conftest import Inbox, World


def _work(client: FlaskClient, world: World, cb: int, outcome: str) -> dict[str, Any]:
    h = world.headers()
    assert client.post(f"/api/v1/callbacks/{cb}/claim", headers=h).status_code == 200
    response = client.post(f"/api/v1/callbacks/{cb}/outcome", headers=h, json={"outcome": outcome})
    assert response.status_code == 200, response.get_json()
    body: dict[str, Any] = response.get_json()
    return body


def test_email_after_the_last_attempt(
    client: FlaskClient, world: World, clock: FixedClock, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, _port = smtp_server
    cb = world.add_callback()
    for _attempt in (1, 2):
        assert _work(client, world, cb, "no_answer")["status"] == "due"
        assert inbox.messages == []
        clock.advance(minutes=15)
    assert _work(client, world, cb, "no_answer")["status"] == "failed"
    [message] = inbox.messages
    assert message["To"] == "kasse4711@example.de"
    assert inbox.envelopes[0][1] == ["kasse4711@example.de"]
    assert message["From"] == world.rt.settings.smtp_sender
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "Bäckerei Müller" in body and "3-mal" in body
    assert world.get(cb).customer_notified_at == clock.now()
    # Never twice: the scheduler's sweep finds nothing left to send.
    rt = world.rt
    assert notify_failed(rt.sessions, rt.settings, rt.calendar, clock.now()) == 0
    assert len(inbox.messages) == 1


def test_wrong_number_tells_the_customer_too(
    client: FlaskClient, world: World, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, _port = smtp_server
    cb = world.add_callback()
    assert _work(client, world, cb, "wrong_number")["status"] == "failed"
    [message] = inbox.messages
    assert "angegebenen Nummer" in message.get_payload(decode=True).decode()  # type: ignore[union-attr]


def test_smtp_down_keeps_it_pending_for_the_next_sweep(
    world: World, clock: FixedClock, smtp_server: tuple[Inbox, int]
) -> None:
    from dataclasses import replace

    from tests.callbacks.conftest import free_port

    inbox, port = smtp_server
    cb = world.add_callback()
    with world.rt.sessions() as session, session.begin():
        from hotline.models import Callback

        row = session.get(Callback, cb)
        assert row is not None
        row.status, row.attempts, row.outcome = "failed", 3, "no_answer"
    rt = world.rt
    down = replace(rt.settings, smtp_port=free_port())
    assert notify_failed(rt.sessions, down, rt.calendar, clock.now()) == 0
    saved = world.get(cb)
    assert saved.customer_notified_at is None and "e-mail failed" in (saved.last_error or "")
    assert notify_failed(rt.sessions, rt.settings, rt.calendar, clock.now()) == 1
    assert len(inbox.messages) == 1


def test_outcome_is_kept_when_the_email_cannot_be_sent(
    client: FlaskClient, world: World, clock: FixedClock, monkeypatch: Any, caplog: Any
) -> None:
    def mail_server_down(*_args: Any) -> None:
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("callback.outcomes.notify_failed", mail_server_down)
    cb = world.add_callback()
    h = world.headers()
    assert client.post(f"/api/v1/callbacks/{cb}/claim", headers=h).status_code == 200
    response = client.post(
        f"/api/v1/callbacks/{cb}/outcome", headers=h, json={"outcome": "wrong_number"}
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "failed"
    assert world.get(cb).status == "failed"
    assert "notifying the customer failed" in caplog.text
