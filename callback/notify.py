"""The e-mail to the customer after the last failed attempt.

At most once per callback: a conditional UPDATE stamps `customer_notified_at`
before sending (so two processes never both send); a failed send clears the
stamp again and stores the reason, and the scheduler's next sweep retries.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from callback.lifecycle import FAILED
from hotline.calendar import BusinessCalendar
from hotline.db import rows_changed
from hotline.models import Callback, Contract, Customer, Ticket
from hotline.settings import Settings

log = logging.getLogger(__name__)
SMTP_TIMEOUT_SECONDS = 10


def notify_failed(
    sessions: sessionmaker[Session], settings: Settings, calendar: BusinessCalendar, now: datetime
) -> int:
    """E-mail every customer whose callback failed and who was not told yet; returns how many."""
    with sessions() as session:
        pending = list(
            session.scalars(
                select(Callback.id).where(
                    Callback.status == FAILED,
                    Callback.customer_notified_at.is_(None),
                    Callback.contract_id.is_not(None),
                    # Erased or past retention: there is no number left to write about.
                    Callback.phone != "",
                )
            )
        )
    sent = 0
    for callback_id in pending:
        if _notify_one(sessions, settings, calendar, callback_id, now):
            sent += 1
    return sent


def _notify_one(
    sessions: sessionmaker[Session],
    settings: Settings,
    calendar: BusinessCalendar,
    callback_id: int,
    now: datetime,
) -> bool:
    with sessions() as session, session.begin():
        taken = session.execute(
            update(Callback)
            .where(Callback.id == callback_id, Callback.customer_notified_at.is_(None))
            .values(customer_notified_at=now)
            .execution_options(synchronize_session=False)
        )
        if rows_changed(taken) != 1:
            return False
        row = session.execute(
            select(Callback, Customer, Ticket.number)
            .join(Contract, Contract.id == Callback.contract_id)
            .join(Customer, Customer.id == Contract.customer_id)
            .outerjoin(Ticket, Ticket.id == Callback.ticket_id)
            .where(Callback.id == callback_id)
        ).one()
        callback, customer, ticket_number = row
        message = build_message(settings, calendar, callback, customer, ticket_number)
    try:
        send(settings, message)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("e-mail for callback %s failed: %s", callback_id, exc)
        with sessions() as session, session.begin():
            session.execute(
                update(Callback)
                .where(Callback.id == callback_id)
                .values(customer_notified_at=None, last_error=f"e-mail failed: {exc}")
                .execution_options(synchronize_session=False)
            )
        return False
    return True


def build_message(
    settings: Settings,
    calendar: BusinessCalendar,
    callback: Callback,
    customer: Customer,
    ticket_number: int | None,
) -> EmailMessage:
    """The German e-mail telling the customer we could not reach them."""
    ticket = f" (Ticket {ticket_number})" if ticket_number else ""
    requested = callback.requested_at.astimezone(calendar.zone).strftime("%d.%m.%Y, %H:%M Uhr")
    if callback.outcome == "wrong_number":
        reason = f"unter der angegebenen Nummer {callback.phone} haben wir Sie nicht erreicht"
    else:
        reason = (
            f"wir haben Sie unter der Nummer {callback.phone} {callback.attempts}-mal "
            "vergeblich angerufen"
        )
    body = (
        f"Guten Tag {customer.name},\n\n"
        f"Sie hatten am {requested} um einen Rückruf gebeten{ticket}. Leider {reason}.\n\n"
        f"Bitte rufen Sie uns während unserer Öffnungszeiten erneut an oder schreiben Sie "
        f"uns an {settings.support_email}.\n\n"
        "Mit freundlichen Grüßen\nIhre Kassen-Hotline\n"
    )
    message = EmailMessage()
    message["Subject"] = f"Ihr Rückruf{ticket}: wir konnten Sie nicht erreichen"
    message["From"] = settings.smtp_sender
    message["To"] = customer.email
    message["Reply-To"] = settings.support_email
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.smtp_sender.partition("@")[2] or None)
    message.set_content(body)
    return message


def send(settings: Settings, message: EmailMessage) -> None:
    """Send through the configured SMTP server."""
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.send_message(message)
