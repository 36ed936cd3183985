"""The corpus of real-shaped messages through `ingest`: what becomes a ticket, what joins
one, what is kept for supervisors, and which automatic answers reach the SMTP server."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.clock import FixedClock
from hotline.models import Mail, MailAttachment, MailCancellation, Ticket, UndeliverableAddress
from tests.conftest import berlin
from tests.email import corpus
from tests.email.conftest import ENDED, FLAT, FLAT_ADMIN, SECOND, SECOND_ADMIN, SUPPORT, SmtpInbox


def _ticket(session: Session, number: int | None) -> Ticket:
    assert number is not None
    found = session.scalar(select(Ticket).where(Ticket.number == number))
    assert found is not None
    return found


def test_new_mail_opens_a_ticket_and_is_acknowledged_with_the_contract_headers(
    feed: Any, session: Session, customers: dict[str, int], smtp: SmtpInbox
) -> None:
    result = feed(corpus.plain(FLAT, "Kasse startet nicht", "Die Kasse bleibt schwarz."))
    assert result.action == "ticket" and result.answer == "ack"
    ticket = _ticket(session, result.ticket_number)
    assert (ticket.channel, ticket.contract_id, ticket.status) == (
        "email",
        customers["flat"],
        "open",
    )
    assert ticket.subject == "Kasse startet nicht" and not ticket.unverified_sender
    [ack] = smtp.messages
    assert ack["To"] == FLAT and SUPPORT in ack["From"]
    assert f"[Ticket#{ticket.number:06d}]" in ack["Subject"]
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == "<m1@example.de>" and ack["References"] == "<m1@example.de>"
    assert ack["Message-ID"] and ack["Message-ID"] != "<m1@example.de>"
    body = ack.get_content()
    assert f"Ticket {ticket.number:06d}" in body and "in Kürze" in body


def test_after_hours_the_acknowledgement_names_the_next_opening_in_words(
    feed: Any, clock: FixedClock, customers: dict[str, int], smtp: SmtpInbox
) -> None:
    clock.set(berlin(2026, 11, 30, 19, 30))
    feed(corpus.plain(FLAT, "Frage", "Wie stelle ich die MwSt um?"))
    assert "morgen, am Dienstag, den 1. Dezember, ab 9 Uhr" in smtp.messages[0].get_content()


def test_outlook_reply_joins_its_ticket_and_gets_no_automatic_answer(
    feed: Any, session: Session, customers: dict[str, int], smtp: SmtpInbox
) -> None:
    first = feed(corpus.plain(FLAT_ADMIN, "Kasse startet nicht", "Schwarz.", message_id="<a@x>"))
    ticket = _ticket(session, first.ticket_number)
    ticket.status = "waiting"
    session.commit()
    ack_id = smtp.messages[0]["Message-ID"]
    reply = feed(corpus.outlook_reply(FLAT_ADMIN, f"[Ticket#{ticket.number:06d}]", ack_id))
    assert reply.action == "reply" and reply.ticket_number == ticket.number
    assert reply.answer is None and len(smtp.messages) == 1
    session.expire_all()
    assert ticket.status == "open"  # the customer answered
    mail = session.get_one(Mail, reply.mail_id)
    assert mail.body.startswith("Danke, nach dem Neustart läuft die Kasse wieder.")
    assert "X-Auto-Response-Suppress" not in mail.notes and not mail.auto


def test_out_of_office_and_mailing_list_are_kept_without_ticket_or_answer(
    feed: Any, session: Session, customers: dict[str, int], smtp: SmtpInbox
) -> None:
    ooo = feed(corpus.out_of_office(FLAT))
    listed = feed(corpus.mailing_list("news@lists.example.de"))
    assert (ooo.action, listed.action) == ("automatic", "automatic")
    assert ooo.no_answer == "Auto-Submitted: auto-replied"
    assert listed.no_answer == "Precedence: list"
    assert smtp.messages == []
    kept = session.scalars(select(Mail).where(Mail.unassigned_reason == "automatic")).all()
    assert {m.id for m in kept} == {ooo.mail_id, listed.mail_id}
    assert session.scalars(select(Ticket)).all() == []


def test_out_of_office_answering_our_mail_joins_that_ticket_silently(
    feed: Any, session: Session, customers: dict[str, int], smtp: SmtpInbox
) -> None:
    first = feed(corpus.plain(FLAT, "Kasse", "Hilfe"))
    ticket = _ticket(session, first.ticket_number)
    ticket.status = "waiting"
    session.commit()
    ooo = feed(corpus.out_of_office(FLAT, in_reply_to=smtp.messages[0]["Message-ID"]))
    assert ooo.action == "reply" and ooo.ticket_number == first.ticket_number
    assert len(smtp.messages) == 1
    session.expire_all()
    assert ticket.status == "waiting" and session.get_one(Mail, ooo.mail_id).auto


def test_bounce_goes_to_the_ticket_and_marks_the_address_undeliverable(
    feed: Any, session: Session, customers: dict[str, int], smtp: SmtpInbox
) -> None:
    first = feed(corpus.plain(FLAT, "Kasse", "Hilfe"))
    ack_id = smtp.messages[0]["Message-ID"]
    result = feed(corpus.bounce(ack_id, FLAT))
    assert result.action == "bounce" and result.ticket_number == first.ticket_number
    assert len(smtp.messages) == 1  # never an answer to MAILER-DAEMON
    row = session.scalars(select(UndeliverableAddress)).one()
    assert (row.address, row.contract_id) == (FLAT, customers["flat"])
    assert "550 5.1.1" in row.detail


def test_latin1_mail_reads_with_umlauts_and_euro(
    feed: Any, session: Session, customers: dict[str, int]
) -> None:
    result = feed(corpus.latin1(FLAT))
    mail = session.get_one(Mail, result.mail_id)
    assert mail.subject == "Störung an der Kasse"
    assert mail.from_name == "Jürgen Müller"
    assert "Grüße aus Köln: die Kasse zeigt »Fehler 17« – bitte um Rückruf. 5 €." in mail.body


def test_html_only_mail_becomes_text_without_markup_or_script(
    feed: Any, session: Session, customers: dict[str, int]
) -> None:
    result = feed(corpus.html_only(FLAT))
    body = session.get_one(Mail, result.mail_id).body
    assert "der Bondrucker druckt nicht & piept." in body and "- Kasse 2" in body
    assert "<" not in body and "alert" not in body and "color" not in body


def test_attachments_are_kept_up_to_the_limit_and_a_15_mb_mail_keeps_its_text(
    feed: Any, session: Session, customers: dict[str, int]
) -> None:
    small = feed(corpus.with_attachment(FLAT, 2000, "<small@x>"))
    [attachment] = session.scalars(
        select(MailAttachment).where(MailAttachment.mail_id == small.mail_id)
    )
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "fehler.jpg",
        "image/jpeg",
        2000,
    )
    big = feed(corpus.with_attachment(FLAT, 15 * 1024 * 1024, "<big@x>"))
    assert big.action == "ticket"
    mail = session.get_one(Mail, big.mail_id)
    assert mail.body == "Siehe Foto." and mail.raw is None and mail.raw_size > 15_000_000
    assert "1 Anhang/Anhänge nicht gespeichert" in mail.notes
    assert (
        session.scalars(select(MailAttachment).where(MailAttachment.mail_id == big.mail_id)).all()
        == []
    )


def test_without_message_id_stored_once_and_a_reused_id_keeps_both(
    feed: Any, session: Session, customers: dict[str, int], smtp: SmtpInbox
) -> None:
    raw = corpus.plain(FLAT, "Ohne ID", "Kein Message-ID-Kopf.", message_id=None)
    first = feed(raw)
    again = feed(raw.replace(b"Received: from mx.example.de", b"Received: from mx2.example.de"))
    assert first.action == "ticket" and again.action == "duplicate"
    assert again.mail_id == first.mail_id and len(smtp.messages) == 1
    a = feed(corpus.plain(FLAT, "Eins", "erste", message_id="<same@x>"))
    b = feed(corpus.plain(FLAT, "Zwei", "zweite", message_id="<same@x>"))
    assert a.mail_id != b.mail_id and b.action == "ticket"


def test_forged_ticket_tag_from_another_customer_never_joins_that_ticket(
    feed: Any, session: Session, customers: dict[str, int]
) -> None:
    victim = feed(corpus.plain(FLAT, "Kasse", "Hilfe", message_id="<v@x>"))
    forged = feed(
        corpus.plain(
            SECOND_ADMIN,
            f"Re: [Ticket#{victim.ticket_number:06d}] Kasse",
            "Ich lese mit.",
            message_id="<f@x>",
        )
    )
    assert forged.action == "ticket" and forged.ticket_number != victim.ticket_number
    assert _ticket(session, forged.ticket_number).contract_id == customers["second"]
    assert "gehört nicht zum Absender" in session.get_one(Mail, forged.mail_id).notes
    stranger = feed(
        corpus.plain(
            "evil@example.org", f"[Ticket#{victim.ticket_number:06d}]", "x", message_id="<e@x>"
        )
    )
    assert stranger.action == "unknown"


def test_fifty_mails_of_an_unmarked_autoresponder_get_five_answers_an_hour(
    feed: Any, clock: FixedClock, session: Session, customers: dict[str, int], smtp: SmtpInbox
) -> None:
    for n in range(50):
        feed(
            corpus.plain(
                "robot@example.org", "Ihre Nachricht", f"Eingang {n}", message_id=f"<r{n}@x>"
            )
        )
        clock.advance(seconds=30)
    assert len(smtp.messages) == 5
    assert all(m["Auto-Submitted"] == "auto-replied" for m in smtp.messages)
    limited = session.scalars(select(Mail).where(Mail.notes.contains("Stundenlimit"))).all()
    assert len(limited) == 45
    clock.advance(hours=1)
    feed(corpus.plain("robot@example.org", "Ihre Nachricht", "später", message_id="<late@x>"))
    assert len(smtp.messages) == 6


def test_second_level_only_the_admin_opens_tickets(
    feed: Any, session: Session, customers: dict[str, int], smtp: SmtpInbox
) -> None:
    cashier = feed(corpus.plain(SECOND, "Kasse", "Hilfe", message_id="<c@x>"))
    assert cashier.action == "not_admin" and cashier.ticket_number is None
    answer = smtp.messages[0]
    assert "Petra Meyer" in answer.get_content() and answer["Auto-Submitted"] == "auto-replied"
    admin = feed(corpus.plain(SECOND_ADMIN.upper(), "Kasse", "Hilfe", message_id="<ad@x>"))
    assert admin.action == "ticket"


def test_no_active_contract_and_unknown_senders_get_an_answer_and_no_ticket(
    feed: Any, session: Session, customers: dict[str, int], smtp: SmtpInbox
) -> None:
    ended = feed(corpus.plain(ENDED, "Kasse", "Hilfe", message_id="<en@x>"))
    unknown = feed(corpus.plain("fremd@example.org", "Kasse", "Hilfe", message_id="<un@x>"))
    assert (ended.action, unknown.action) == ("no_contract", "unknown")
    assert (
        len(smtp.messages) == 2
        and "keinen aktiven Supportvertrag" in smtp.messages[0].get_content()
    )
    assert session.scalars(select(Ticket)).all() == []


def test_unknown_sender_naming_a_flat_customer_number_opens_an_unverified_ticket(
    feed: Any, session: Session, customers: dict[str, int]
) -> None:
    result = feed(corpus.plain("aushilfe@gmx.example", "Kundennummer 1001: Kasse", "Hilfe"))
    ticket = _ticket(session, result.ticket_number)
    assert ticket.unverified_sender and ticket.contract_id == customers["flat"]
    second = feed(corpus.plain("aushilfe2@gmx.example", "Kundennr 2002", "x", message_id="<2@x>"))
    assert second.action == "unknown"  # only flat contracts


def test_cancellation_by_mail_is_flagged_not_executed(
    feed: Any, session: Session, clock: FixedClock, customers: dict[str, int]
) -> None:
    result = feed(corpus.plain(FLAT, "Kündigung", "Hiermit kündigen wir den Vertrag."))
    assert result.cancellation
    flagged = session.scalars(select(MailCancellation)).one()
    assert flagged.contract_id == customers["flat"] and flagged.received_at == clock.now()
    assert flagged.confirmed_at is None
    from hotline.models import Contract

    assert session.get_one(Contract, customers["flat"]).cancellation_received is None
    quoted = feed(
        corpus.plain(
            FLAT, "Frage", "Nur eine Frage.\n\n> Sie können jederzeit kündigen", message_id="<q@x>"
        )
    )
    assert not quoted.cancellation
