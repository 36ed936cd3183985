"""The outbox: every mail the hotline sends is a row first, then goes out over SMTP.

A send is claimed by a conditional UPDATE (pending/failed → sending), so two processes
never send one mail. A failed send goes back to `failed` with the reason and a time for
the next try, which the scheduler makes. A mail left in `sending` (the process died
during the SMTP dialogue) is not retried automatically: it may have gone out, and the
ticket shows it so that an agent decides.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.header import Header
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime, formataddr, make_msgid

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from hotline.db import rows_changed
from hotline.models import Mail
from hotline.settings import Settings

log = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 15
MAX_SEND_ATTEMPTS = 10
PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


class _OutboxPolicy(Compat32):
    """compat32, except that a header line that is plain ASCII and short enough is
    written as it is: compat32 builds and encodes an `email.header.Header` for every
    header, and did so for each of an automatic answer's headers. The result is the same
    bytes (tests/email/test_outbox_headers.py)."""

    def _fold(self, name: str, value: object, sanitize: bool) -> str:
        if (
            isinstance(value, str)
            and value.isascii()
            and "\n" not in value
            and "\r" not in value
            and self.max_line_length is not None
            and len(name) + 2 + len(value) <= self.max_line_length
        ):
            return f"{name}: {value}{self.linesep}"
        folded: str = super()._fold(name, value, sanitize)  # type: ignore[misc]
        return folded


OUTBOX_POLICY = _OutboxPolicy()


def queue_mail(
    session: Session,
    settings: Settings,
    *,
    now: datetime,
    to: str,
    subject: str,
    body: str,
    kind: str,
    auto: bool,
    ticket_id: int | None = None,
    contract_id: int | None = None,
    agent_id: int | None = None,
    answers: Mail | None = None,
) -> Mail:
    """Put a mail into the outbox (sent after the commit); `answers`: the mail it answers."""
    # Built with the compat32 classes: the modern policy parses every header it is given,
    # which cost more than the rest of a mail's ingest.
    message = MIMEText(body, "plain", "utf-8")
    message["From"] = formataddr(("Kassen-Support", settings.support_email))
    message["To"] = to
    message["Subject"] = Header(subject, "utf-8").encode() if not subject.isascii() else subject
    message["Date"] = format_datetime(now)
    domain = settings.support_email.partition("@")[2] or None
    message_id = make_msgid(domain=domain)
    message["Message-ID"] = message_id
    in_reply_to = references = None
    if answers is not None and answers.message_id:
        in_reply_to = answers.message_id
        references = " ".join(filter(None, [answers.references, answers.message_id]))
        message["In-Reply-To"] = in_reply_to
        message["References"] = references
    if auto:
        message["Auto-Submitted"] = "auto-replied"
        message["X-Auto-Response-Suppress"] = "All"
    raw = message.as_bytes(policy=OUTBOX_POLICY)
    mail = Mail(
        direction="out",
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        ticket_id=ticket_id,
        contract_id=contract_id,
        agent_id=agent_id,
        from_address=settings.support_email.lower(),
        from_name="Kassen-Support",
        to_address=to.lower(),
        subject=subject,
        body=body,
        kind=kind,
        auto=auto,
        unverified_sender=False,
        notes="",
        raw=raw,
        raw_size=len(raw),
        created_at=now,
        send_status=PENDING,
        send_attempts=0,
        next_attempt_at=now,
    )
    session.add(mail)
    session.flush()
    return mail


def send_due(
    sessions: sessionmaker[Session],
    settings: Settings,
    now: datetime,
    only: Iterable[int] | None = None,
) -> tuple[int, int]:
    """Send the outbox's due mails (or just `only`); returns (sent, failed)."""
    with sessions() as session:
        query = select(Mail.id).where(
            Mail.direction == "out",
            Mail.send_status.in_((PENDING, FAILED)),
            Mail.next_attempt_at.is_not(None),
            Mail.next_attempt_at <= now,
        )
        if only is not None:
            query = query.where(Mail.id.in_(list(only)))
        due = list(session.scalars(query.order_by(Mail.id)))
    sent = failed = 0
    for mail_id in due:
        result = _send_one(sessions, settings, mail_id, now)
        if result is True:
            sent += 1
        elif result is False:
            failed += 1
    return sent, failed


def _send_one(
    sessions: sessionmaker[Session], settings: Settings, mail_id: int, now: datetime
) -> bool | None:
    with sessions() as session, session.begin():
        claimed = session.execute(
            update(Mail)
            .where(Mail.id == mail_id, or_(Mail.send_status == PENDING, Mail.send_status == FAILED))
            .values(send_status=SENDING, send_attempts=Mail.send_attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if rows_changed(claimed) != 1:
            return None  # another process has it
        mail = session.get_one(Mail, mail_id)
        raw, to, attempts = mail.raw or b"", mail.to_address, mail.send_attempts
    try:
        deliver(settings, raw, to)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        # ValueError: an address or header the SMTP dialogue cannot carry (non-ASCII).
        reason = _reason(exc)
        log.warning("mail %s to %s not sent (attempt %d): %s", mail_id, to, attempts, reason)
        retry = None
        if attempts < MAX_SEND_ATTEMPTS:
            retry = now + timedelta(minutes=settings.mail.send_retry_minutes)
        _finish(sessions, mail_id, FAILED, last_error=reason, next_attempt_at=retry)
        return False
    _finish(sessions, mail_id, SENT, sent_at=now, last_error=None, next_attempt_at=None)
    return True


def retry_now(session: Session, mail_id: int, now: datetime) -> bool:
    """An agent's "erneut senden": a failed (or unclear) mail is due again now."""
    changed = session.execute(
        update(Mail)
        .where(Mail.id == mail_id, Mail.send_status.in_((FAILED, SENDING)))
        .values(send_status=FAILED, next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return rows_changed(changed) == 1


def deliver(settings: Settings, raw: bytes, to: str) -> None:
    """Hand one message to the configured SMTP server."""
    host, port = settings.smtp_host, settings.smtp_port
    with smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_username and settings.smtp_password:
            smtp.login(settings.smtp_username, settings.smtp_password)
        smtp.sendmail(settings.support_email, [to], raw)


def _finish(sessions: sessionmaker[Session], mail_id: int, status: str, **values: object) -> None:
    with sessions() as session, session.begin():
        session.execute(
            update(Mail)
            .where(Mail.id == mail_id)
            .values(send_status=status, **values)
            .execution_options(synchronize_session=False)
        )


def _reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"SMTP {exc.smtp_code}: {text}"[:500]
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"Empfänger abgelehnt: {', '.join(exc.recipients)}"[:500]
    return f"{type(exc).__name__}: {exc}"[:500]
