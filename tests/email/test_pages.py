"""The e-mail parts of the agents' pages: the conversation and answering on a ticket, the
supervisors' inbox "Nicht zugeordnet", confirming a cancellation on the contract page."""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from email_support.ingest import ingest
from hotline.models import Contract, Mail, MailCancellation, Ticket
from hotline.runtime import Runtime
from tests.email import corpus
from tests.email.conftest import FLAT, SmtpInbox
from tests.ui.conftest import csrf_token


def post(client: FlaskClient, url: str, page: str, **data: str) -> str:
    data["csrf_token"] = csrf_token(client, page)
    response = client.post(url, data=data, follow_redirects=True)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_ticket_page_shows_the_mails_collapses_quotes_and_sends_the_answer(
    agent_client: FlaskClient,
    rt: Runtime,
    session: Session,
    customers: dict[str, int],
    smtp: SmtpInbox,
) -> None:
    body = "Die Kasse piept.\n\nAm 29.11.2026 schrieb Support:\n> Alte Nachricht <b>fett</b>"
    result = ingest(rt, corpus.plain(FLAT, "Piepen <script>", body, message_id="<p1@x>"))
    url = f"/tickets/{result.ticket_number}"
    page = agent_client.get(url).get_data(as_text=True)
    assert "E-Mail erhalten" in page and "E-Mail gesendet" in page and "automatisch" in page
    assert "Piepen &lt;script&gt;" in page and "<script>" not in page.split("<main>")[1]
    assert '<details class="quoted"><summary>Zitierter Verlauf</summary>' in page
    assert "&gt; Alte Nachricht &lt;b&gt;fett&lt;/b&gt;" in page

    text = post(agent_client, f"{url}/reply", url, body="Bitte Kasse neu starten.")
    assert f"Antwort an {FLAT} gesendet." in text
    answer = smtp.messages[-1]
    assert answer["In-Reply-To"] == "<p1@x>" and answer["Auto-Submitted"] is None
    assert answer.get_content().startswith("Bitte Kasse neu starten.")
    assert "wartet auf Kunden" in text
    assert "Die Antwort ist leer" in post(agent_client, f"{url}/reply", url, body="   ")


def test_failed_answer_is_shown_and_sent_again_by_hand(
    agent_client: FlaskClient,
    rt: Runtime,
    session: Session,
    customers: dict[str, int],
    smtp: SmtpInbox,
) -> None:
    result = ingest(rt, corpus.plain(FLAT, "Kasse", "Hilfe"))
    url = f"/tickets/{result.ticket_number}"
    smtp.refuse = True
    text = post(agent_client, f"{url}/reply", url, body="Antwort")
    assert "konnte noch nicht gesendet werden" in text and "Senden fehlgeschlagen" in text
    assert "SMTP 451" in text
    smtp.refuse = False
    reply = session.scalars(select(Mail).where(Mail.kind == "reply")).one()
    text = post(agent_client, f"{url}/mails/{reply.id}/retry", url)
    assert "E-Mail gesendet." in text
    assert [m.get_content().strip() for m in smtp.messages if "Antwort" in m.get_content()] == [
        "Antwort\n\nAm 30.11.2026 um 10:00 schrieb Kunde:\n> Hilfe"
    ]


def test_ticket_list_filters_by_channel_and_finds_by_number_customer_and_sender(
    agent_client: FlaskClient,
    rt: Runtime,
    session: Session,
    customers: dict[str, int],
    smtp: SmtpInbox,
) -> None:
    result = ingest(rt, corpus.plain(FLAT, "Mail-Ticket", "x"))
    assert "Mail-Ticket" in agent_client.get("/tickets?channel=email").get_data(as_text=True)
    assert "Mail-Ticket" not in agent_client.get("/tickets?channel=phone").get_data(as_text=True)
    for q in (f"[Ticket#{result.ticket_number:06d}]", "1001", FLAT):
        assert "Mail-Ticket" in agent_client.get("/tickets", query_string={"q": q}).get_data(
            as_text=True
        ), q
    assert "Mail-Ticket" not in agent_client.get("/tickets?q=9999").get_data(as_text=True)


def test_supervisor_assigns_or_discards_mails_that_opened_no_ticket(
    supervisor_client: FlaskClient,
    agent_client: FlaskClient,
    rt: Runtime,
    session: Session,
    customers: dict[str, int],
    smtp: SmtpInbox,
) -> None:
    unknown = ingest(
        rt, corpus.plain("neu@example.org", "Neue Kasse", "Hallo", message_id="<u1@x>")
    )
    spam = ingest(rt, corpus.plain("spam@example.org", "Angebot", "Kaufen", message_id="<u2@x>"))
    assert agent_client.get("/mail/unassigned").status_code == 403
    inbox = supervisor_client.get("/mail/unassigned").get_data(as_text=True)
    assert "Neue Kasse" in inbox and "Angebot" in inbox and "unbekannter Absender" in inbox

    text = post(
        supervisor_client,
        f"/mail/unassigned/{unknown.mail_id}/assign",
        "/mail/unassigned",
        customer_number="4711",
    )
    assert "keinen aktiven Vertrag" in text
    text = post(
        supervisor_client,
        f"/mail/unassigned/{unknown.mail_id}/assign",
        "/mail/unassigned",
        customer_number="1001",
    )
    assert "für Kunde 1001 eröffnet" in text and "Neue Kasse" in text
    mail = session.get_one(Mail, unknown.mail_id)
    ticket = session.get_one(Ticket, mail.ticket_id)
    assert (ticket.channel, ticket.contract_id) == ("email", customers["flat"])
    text = post(supervisor_client, f"/mail/unassigned/{spam.mail_id}/discard", "/mail/unassigned")
    assert "E-Mail verworfen." in text and "Angebot" not in text and "Keine offenen" in text
    session.expire_all()
    assert session.get_one(Mail, spam.mail_id).discarded_at is not None


def test_supervisor_confirms_a_cancellation_by_mail_and_the_customer_gets_the_end_date(
    supervisor_client: FlaskClient,
    agent_client: FlaskClient,
    rt: Runtime,
    session: Session,
    customers: dict[str, int],
    smtp: SmtpInbox,
) -> None:
    result = ingest(rt, corpus.plain(FLAT, "Kündigung", "Wir kündigen zum nächsten Termin."))
    ticket_page = agent_client.get(f"/tickets/{result.ticket_number}").get_data(as_text=True)
    assert "Kündigung per E-Mail, eingegangen 30.11.2026 10:00" in ticket_page
    contract_page = supervisor_client.get("/contracts/V-1001").get_data(as_text=True)
    assert "Kündigung bestätigen" in contract_page
    assert "Kündigung bestätigen" not in agent_client.get("/contracts/V-1001").get_data(
        as_text=True
    )
    flagged = session.scalars(select(MailCancellation)).one()
    url = f"/contracts/V-1001/mail-cancellations/{flagged.id}/confirm"
    assert (
        agent_client.post(
            url, data={"csrf_token": csrf_token(agent_client, "/contracts/V-1001")}
        ).status_code
        == 403
    )
    text = post(supervisor_client, url, "/contracts/V-1001")
    assert "Kündigung bestätigt: der Vertrag V-1001 endet am 28.02.2027." in text
    session.expire_all()
    contract = session.get_one(Contract, customers["flat"])
    assert contract.cancellation_received == date(2026, 11, 30)
    assert contract.effective_end == date(2027, 2, 28)
    confirmation = smtp.messages[-1]
    assert confirmation["To"] == FLAT and "28.02.2027" in confirmation.get_content()
    assert f"[Ticket#{result.ticket_number:06d}]" in confirmation["Subject"]
    again = post(supervisor_client, url, "/contracts/V-1001")
    assert "bereits" in again
    assert len([m for m in smtp.messages if "28.02.2027" in m.get_content()]) == 1


def test_bounce_shows_the_address_as_undeliverable_on_the_contract_page(
    supervisor_client: FlaskClient, rt: Runtime, customers: dict[str, int], smtp: SmtpInbox
) -> None:
    ingest(rt, corpus.plain(FLAT, "Kasse", "Hilfe"))
    ingest(rt, corpus.bounce(smtp.messages[0]["Message-ID"], FLAT))
    page = supervisor_client.get("/contracts/V-1001").get_data(as_text=True)
    assert "Unzustellbare Adressen" in page and FLAT in page
