"""`hotline mail ingest` exit codes, `hotline tickets show`, the tickets API and the outbox's
failed sends and retries, against the real SMTP server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from email_support.outbox import send_due
from hotline.accounts.agents import create_token
from hotline.clock import FixedClock
from hotline.models import Mail, Ticket, TicketNote
from hotline.runtime import Runtime
from tests.conftest import postgresql_only
from tests.email import corpus
from tests.email.conftest import FLAT, SmtpInbox

HOTLINE = str(Path(sys.executable).parent / "hotline")


def test_ingest_exit_codes_stored_duplicate_not_a_message(
    runner: FlaskCliRunner, session: Session, customers: dict[str, int], smtp: SmtpInbox
) -> None:
    raw = corpus.plain(FLAT, "Kasse", "Hilfe")
    stored = runner.invoke(args=["mail", "ingest"], input=raw)
    assert stored.exit_code == 0, stored.output
    assert stored.output.startswith("ticket: mail ")
    again = runner.invoke(args=["mail", "ingest"], input=raw)
    assert again.exit_code == 0 and again.output.startswith("duplicate:")
    for garbage in (b"", b"just some words\nwithout any header\n", b"\x00\x01\x02binary"):
        result = runner.invoke(args=["mail", "ingest"], input=garbage)
        assert result.exit_code == 65, (garbage, result.output)
        assert "not an e-mail message" in result.output
    assert len(session.scalars(select(Mail).where(Mail.direction == "in")).all()) == 1


def test_ingest_says_tempfail_when_the_database_cannot_store(
    runner: FlaskCliRunner, rt: Runtime, tmp_path: Any
) -> None:
    rt.use_database(f"sqlite:///{tmp_path / 'missing' / 'x.sqlite3'}")
    result = runner.invoke(args=["mail", "ingest"], input=corpus.plain(FLAT, "Kasse", "Hilfe"))
    assert result.exit_code == 75, result.output
    assert "try again later" in result.output and "Traceback" not in result.output


def _installed(args: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[bytes]:
    """The installed `hotline` as an MTA runs it: a message on stdin, only `env` set."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("HOTLINE_", "TWILIO_"))}
    environ["HOTLINE_INSTANCE_PATH"] = str(tmp_path / "instance")
    environ.update(env)
    return subprocess.run(
        [HOTLINE, *args],
        input=corpus.plain(FLAT, "Kasse", "Hilfe"),
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        timeout=60,
    )


def test_ingest_without_its_settings_exits_75_naming_them(tmp_path: Path) -> None:
    result = _installed(["mail", "ingest"], tmp_path)  # production, its secrets not set
    stderr = result.stderr.decode()
    assert result.returncode == 75, stderr
    assert "configuration: TWILIO_AUTH_TOKEN, HOTLINE_SECRET_KEY and HOTLINE_PUBLIC_URL" in stderr
    assert "delivers it again later" in stderr and "Traceback" not in stderr
    wrong_url = _installed(
        ["mail", "ingest"], tmp_path, HOTLINE_ENV="development", HOTLINE_DATABASE_URL="mysql://x"
    )
    assert wrong_url.returncode == 75
    assert "HOTLINE_DATABASE_URL" in wrong_url.stderr.decode()
    # Commands an operator runs keep exit status 1 for a configuration error.
    fetch = _installed(["mail", "fetch"], tmp_path)
    assert fetch.returncode == 1 and "configuration:" in fetch.stderr.decode()


def test_ingest_into_a_database_not_initialised_exits_75_saying_so(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'never-initialised.sqlite3'}"
    result = _installed(
        ["mail", "ingest"], tmp_path, HOTLINE_ENV="development", HOTLINE_DATABASE_URL=url
    )
    stderr = result.stderr.decode()
    assert result.returncode == 75, stderr
    assert "database not initialised" in stderr and "hotline init-db" in stderr
    assert "Traceback" not in stderr


def test_tickets_show_prints_the_conversation_in_time_order(
    runner: FlaskCliRunner,
    rt: Runtime,
    session: Session,
    clock: FixedClock,
    customers: dict[str, int],
    smtp: SmtpInbox,
) -> None:
    from email_support.ingest import ingest

    result = ingest(rt, corpus.plain(FLAT, "Kasse startet nicht", "Schwarzer Bildschirm."))
    ticket = session.scalars(select(Ticket)).one()
    clock.advance(minutes=5)
    session.add(TicketNote(ticket_id=ticket.id, at=clock.now(), text="Neustart empfohlen"))
    session.commit()
    out = runner.invoke(args=["tickets", "show", str(result.ticket_number), "--json"])
    assert out.exit_code == 0, out.output
    document = json.loads(out.output)
    assert document["channel"] == "email" and document["customer_number"] == "1001"
    kinds = [(a["kind"], a["direction"], a["auto"]) for a in document["articles"]]
    assert kinds == [("mail", "in", False), ("mail", "out", True), ("note", "in", False)]
    assert document["articles"][0]["body"] == "Schwarzer Bildschirm."
    missing = runner.invoke(args=["tickets", "show", "999999"])
    assert missing.exit_code == 1 and "no ticket with number 999999" in missing.output


def test_api_lists_email_tickets_and_an_agent_replies_with_thread_headers(
    client: FlaskClient,
    rt: Runtime,
    session: Session,
    customers: dict[str, int],
    smtp: SmtpInbox,
) -> None:
    from email_support.ingest import ingest
    from tests.factories import make_agent

    agent = make_agent(session, "Anna", "+4930111111")
    token = create_token(session, agent.email, rt.clock.now())
    session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    first = ingest(rt, corpus.plain(FLAT, "Bon fehlt", "Der Bon ist leer.", message_id="<q1@x>"))
    listed = client.get("/api/v1/tickets?channel=email", headers=headers).get_json()
    assert [t["number"] for t in listed] == [first.ticket_number]
    assert set(listed[0]) >= {
        "number",
        "channel",
        "status",
        "subject",
        "customer_number",
        "contract_number",
        "created_at",
    }
    assert client.get("/api/v1/tickets?channel=phone", headers=headers).get_json() == []
    assert client.get("/api/v1/tickets?channel=fax", headers=headers).status_code == 400

    response = client.post(
        f"/api/v1/tickets/{first.ticket_number}/reply",
        json={"body": "Bitte Papierrolle prüfen."},
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    answer = smtp.messages[-1]
    assert answer["To"] == FLAT and answer["In-Reply-To"] == "<q1@x>"
    assert answer["References"] == "<q1@x>" and answer["Auto-Submitted"] is None
    assert f"[Ticket#{first.ticket_number:06d}]" in answer["Subject"]
    body = answer.get_content()
    assert body.startswith("Bitte Papierrolle prüfen.") and "> Der Bon ist leer." in body
    detail = client.get(f"/api/v1/tickets/{first.ticket_number}", headers=headers).get_json()
    assert detail["status"] == "waiting"
    assert [a["kind"] for a in detail["articles"]] == ["mail", "mail", "mail"]
    assert detail["articles"][-1]["body"].startswith("Bitte Papierrolle prüfen.")
    assert (
        client.post(
            f"/api/v1/tickets/{first.ticket_number}/reply", json={"body": " "}, headers=headers
        ).status_code
        == 422
    )
    assert (
        client.post("/api/v1/tickets/1/reply", json={"text": "x"}, headers=headers).status_code
        == 400
    )
    assert client.get("/api/v1/tickets/424242", headers=headers).status_code == 404
    assert client.get(f"/api/v1/tickets/{first.ticket_number}").status_code == 401


def test_a_failed_send_is_shown_retried_once_due_and_never_sent_twice(
    rt: Runtime, session: Session, clock: FixedClock, customers: dict[str, int], smtp: SmtpInbox
) -> None:
    from email_support.ingest import ingest

    smtp.refuse = True
    result = ingest(rt, corpus.plain(FLAT, "Kasse", "Hilfe"))
    [ack] = session.scalars(select(Mail).where(Mail.direction == "out")).all()
    assert ack.send_status == "failed" and "451" in (ack.last_error or "")
    assert ack.next_attempt_at is not None and ack.next_attempt_at > clock.now()
    smtp.refuse = False
    assert send_due(rt.sessions, rt.settings, clock.now()) == (0, 0)  # not due yet
    clock.advance(minutes=5)
    assert send_due(rt.sessions, rt.settings, clock.now()) == (1, 0)
    assert send_due(rt.sessions, rt.settings, clock.now()) == (0, 0)
    assert len(smtp.messages) == 1
    session.expire_all()
    assert ack.send_status == "sent" and ack.send_attempts == 2
    assert smtp.messages[0]["Message-ID"] == ack.message_id
    assert result.ticket_number is not None


def test_ingest_stores_the_mail_when_its_pooled_connection_died(
    rt: Runtime, session: Session, customers: dict[str, int]
) -> None:
    postgresql_only(rt, "a PostgreSQL backend that is terminated")
    from email_support.ingest import ingest

    assert ingest(rt, corpus.plain(FLAT, "Kasse 1", "Hilfe"), send=False).action == "ticket"
    with rt.engine.connect() as pooled:  # the connection the next mail gets from the pool
        pid = pooled.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    admin = create_engine(rt.engine.url)
    with admin.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()
    result = ingest(rt, corpus.plain(FLAT, "Kasse 2", "Hilfe"), send=False)
    assert result.action == "ticket"
    subjects = session.scalars(select(Mail.subject).where(Mail.direction == "in")).all()
    assert sorted(subjects) == ["Kasse 1", "Kasse 2"]
