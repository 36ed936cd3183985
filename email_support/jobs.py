"""The scheduler's mail run, every minute: the outbox's due mails, then one IMAP poll
when IMAP is configured."""

from __future__ import annotations

import logging

from email_support.imap_fetch import fetch_once
from email_support.outbox import send_due
from hotline.runtime import Runtime

log = logging.getLogger(__name__)


def mail_run(rt: Runtime) -> dict[str, int]:
    """Send what is due, fetch what is new; a failing IMAP server does not stop the sending."""
    done = {"sent": 0, "send_failed": 0, "fetched": 0}
    done["sent"], done["send_failed"] = send_due(rt.sessions, rt.settings, rt.clock.now())
    if rt.settings.mail.imap_configured:
        try:
            done["fetched"] = fetch_once(rt).stored
        except Exception:  # noqa: BLE001 - imaplib raises its own error classes; retried next run
            log.exception("IMAP poll failed; the next run tries again")
    if any(done.values()):
        log.info("mail: %s", done)
    return done
