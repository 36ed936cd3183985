"""Mails and attachments in `hotline privacy export|erase` and in the retention clean-up."""

from __future__ import annotations

import json

from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from callback.daily import clean_up
from email_support.ingest import ingest
from hotline.clock import FixedClock
from hotline.models import Mail, MailAttachment, Ticket, UndeliverableAddress
from hotline.runtime import Runtime
from tests.email import corpus
from tests.email.conftest import FLAT, SmtpInbox


def test_export_and_erase_cover_mails_attachments_and_bounces(
    runner: FlaskCliRunner,
    rt: Runtime,
    session: Session,
    customers: dict[str, int],
    smtp: SmtpInbox,
) -> None:
    ingest(rt, corpus.with_attachment(FLAT, 3000, "<att@x>"))
    ingest(rt, corpus.bounce(smtp.messages[0]["Message-ID"], FLAT))
    exported = runner.invoke(args=["privacy", "export", FLAT.upper()])
    assert exported.exit_code == 0, exported.output
    mails = json.loads(exported.output)["mails"]
    assert [(m["direction"], m["from"]) for m in mails][:2] == [
        ("in", FLAT),
        ("out", "support@kassen-hotline.example"),
    ]
    assert mails[0]["attachments"] == [
        {"filename": "fehler.jpg", "content_type": "image/jpeg", "size": 3000}
    ]
    erased = runner.invoke(args=["privacy", "erase", FLAT, "--yes"])
    assert erased.exit_code == 0, erased.output
    assert "2 mails" in erased.output
    session.expire_all()
    for mail in session.scalars(select(Mail).where(Mail.kind != "bounce")):
        assert (mail.from_address, mail.to_address, mail.body, mail.raw) == ("", "", "", None)
    assert session.scalars(select(MailAttachment)).all() == []
    assert session.scalars(select(UndeliverableAddress)).all() == []
    assert len(session.scalars(select(Ticket)).all()) == 1  # still counted


def test_retention_empties_old_mails_of_closed_tickets_only(
    rt: Runtime, session: Session, clock: FixedClock, customers: dict[str, int], smtp: SmtpInbox
) -> None:
    closed = ingest(rt, corpus.plain(FLAT, "Alt und zu", "weg damit", message_id="<c@x>"))
    still_open = ingest(rt, corpus.plain(FLAT, "Alt und offen", "bleibt", message_id="<o@x>"))
    ticket = session.scalar(select(Ticket).where(Ticket.number == closed.ticket_number))
    assert ticket is not None
    ticket.status = "closed"
    session.commit()
    clock.advance(days=rt.settings.retention_call_details_days + 1)
    with rt.sessions() as s, s.begin():
        removed = clean_up(s, rt.settings, clock.now())
    assert removed["mails"] == 2  # the closed ticket's mail and its acknowledgement
    session.expire_all()
    assert session.get_one(Mail, closed.mail_id).body == ""
    assert session.get_one(Mail, still_open.mail_id).body == "bleibt"
    with rt.sessions() as s, s.begin():
        assert clean_up(s, rt.settings, clock.now())["mails"] == 0
