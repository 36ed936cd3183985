"""The row of an inbound mail: built from the parsed message, inserted when its id is
needed, and the notes the agents read about it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from email_support.parsing import ParsedMail
from hotline.models import Mail


def unsaved_mail(parsed: ParsedMail, now: datetime) -> Mail:
    """The row of an inbound message, not added to the session yet."""
    notes = list(parsed.problems)
    if parsed.attachments_dropped:
        notes.append(
            f"{parsed.attachments_dropped} Anhang/Anhänge nicht gespeichert: die Nachricht ist "
            f"{len(parsed.raw) / 1_048_576:.1f} MB groß, mehr als die Grenze erlaubt"
        )
    return Mail(
        direction="in",
        dedup_key=parsed.dedup_key,
        message_id=parsed.message_id[:998] if parsed.message_id else None,
        in_reply_to=" ".join(parsed.in_reply_to) or None,
        references=" ".join(parsed.references) or None,
        from_address=parsed.from_address[:320],
        from_name=parsed.from_name[:320],
        to_address=parsed.to_address[:320],
        subject=parsed.subject,
        body=parsed.body,
        kind="mail",
        auto=False,
        unverified_sender=False,
        notes="\n".join(notes),
        # Too large: the text is kept, the message with its attachments is not.
        raw=None if parsed.attachments_dropped else parsed.raw,
        raw_size=len(parsed.raw),
        created_at=now,
        send_attempts=0,
    )


def saved(session: Session, mail: Mail) -> int:
    """The mail's id, inserting it first if that has not happened yet."""
    if mail.id is None:
        session.add(mail)
        session.flush()
    return mail.id


def note(mail: Mail, text: str) -> None:
    """Add a line to what the agents read about the mail."""
    mail.notes = f"{mail.notes}\n{text}".strip()
