"""Input that is not a message, kept anyway where the sender cannot be asked to retry."""

from __future__ import annotations

from sqlalchemy import select

from email_support.parsing import dedup_key
from hotline.models import Mail
from hotline.runtime import Runtime


def keep_unreadable(rt: Runtime, raw: bytes, reason: str) -> int:
    """Store unparseable IMAP content for the supervisors' inbox; returns the mail's id."""
    key = dedup_key(raw, None)
    with rt.sessions() as session, session.begin():
        known = session.scalar(select(Mail.id).where(Mail.dedup_key == key))
        if known is not None:
            return int(known)
        mail = Mail(
            direction="in",
            dedup_key=key,
            body=raw[:20000].decode("utf-8", "replace"),
            kind="mail",
            auto=False,
            unverified_sender=False,
            notes=f"Keine lesbare E-Mail: {reason}",
            unassigned_reason="unreadable",
            raw=raw if len(raw) <= rt.settings.mail.max_message_bytes else None,
            raw_size=len(raw),
            created_at=rt.clock.now(),
            send_attempts=0,
        )
        session.add(mail)
        session.flush()
        return mail.id
