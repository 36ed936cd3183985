"""`hotline mail fetch`: one poll of the IMAP mailbox.

Progress is UIDVALIDITY + the last UID stored, per account and folder. Each message is
stored (and committed) first, then flagged \\Seen, then the UID is remembered: a poll
that dies in between fetches that message again, and the ingest's duplicate check
stores it once. A new UIDVALIDITY (the folder was rebuilt) starts from the first UID,
again without repeats thanks to that check.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from imap_tools import MailBox, MailBoxUnencrypted, MailMessageFlags
from imap_tools.mailbox import BaseMailBox
from sqlalchemy import select

from email_support.ingest import Ingested, ingest
from email_support.parsing import NotAMessage
from email_support.unreadable import keep_unreadable
from hotline.models import ImapFolderState
from hotline.runtime import Runtime

log = logging.getLogger(__name__)
IMAP_TIMEOUT_SECONDS = 30


class ImapNotConfigured(RuntimeError):
    """HOTLINE_IMAP_HOST, _USERNAME or _PASSWORD is missing."""


@dataclass
class FetchResult:
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    unreadable: int = 0
    results: list[Ingested] = field(default_factory=list)


def account_key(rt: Runtime) -> str:
    m = rt.settings.mail
    return f"{m.imap_username}@{m.imap_host}:{m.imap_port}/{m.imap_folder}"


def open_mailbox(rt: Runtime) -> BaseMailBox:
    """A logged-in mailbox on the configured folder."""
    m = rt.settings.mail
    if not m.imap_configured:
        raise ImapNotConfigured(
            "IMAP is not configured: set HOTLINE_IMAP_HOST, HOTLINE_IMAP_USERNAME "
            "and HOTLINE_IMAP_PASSWORD"
        )
    box: BaseMailBox
    if m.imap_plain:
        box = MailBoxUnencrypted(m.imap_host or "", m.imap_port, timeout=IMAP_TIMEOUT_SECONDS)
    else:
        box = MailBox(m.imap_host or "", m.imap_port, timeout=IMAP_TIMEOUT_SECONDS)
    return box.login(m.imap_username or "", m.imap_password or "", initial_folder=m.imap_folder)


def fetch_once(rt: Runtime, *, send: bool = True, limit: int | None = None) -> FetchResult:
    """Store every message above the last UID; at most `limit` in this poll."""
    result = FetchResult()
    key = account_key(rt)
    with open_mailbox(rt) as box:
        status = box.folder.status(rt.settings.mail.imap_folder, ["UIDVALIDITY"])
        uidvalidity = int(status["UIDVALIDITY"])
        last_uid = _last_uid(rt, key, uidvalidity)
        # "N:*" also matches the highest UID when it is below N, hence the filter.
        uids = sorted(u for u in map(int, box.uids(f"UID {last_uid + 1}:*")) if u > last_uid)
        for uid in uids[:limit]:
            raw = _raw(box, uid)
            result.fetched += 1
            if raw is None:
                log.warning("IMAP message UID %d vanished before it was fetched", uid)
            else:
                try:
                    ingested = ingest(rt, raw, send=send)
                except NotAMessage as exc:
                    keep_unreadable(rt, raw, str(exc))
                    result.unreadable += 1
                else:
                    result.results.append(ingested)
                    if ingested.action == "duplicate":
                        result.duplicates += 1
                    else:
                        result.stored += 1
                box.flag(str(uid), MailMessageFlags.SEEN, True)
            _remember(rt, key, uidvalidity, uid)
    return result


def _raw(box: BaseMailBox, uid: int) -> bytes | None:
    typ, data = box.client.uid("FETCH", str(uid), "(BODY.PEEK[])")
    if typ != "OK":
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
            return item[1]
    return None


def _last_uid(rt: Runtime, key: str, uidvalidity: int) -> int:
    with rt.sessions() as session:
        state = session.scalar(select(ImapFolderState).where(ImapFolderState.account == key))
        if state is None or state.uidvalidity != uidvalidity:
            if state is not None:
                log.warning("IMAP %s: UIDVALIDITY changed, reading the folder again", key)
            return 0
        return state.last_uid


def _remember(rt: Runtime, key: str, uidvalidity: int, uid: int) -> None:
    now = rt.clock.now()
    with rt.sessions() as session, session.begin():
        state = session.scalar(select(ImapFolderState).where(ImapFolderState.account == key))
        if state is None:
            session.add(
                ImapFolderState(account=key, uidvalidity=uidvalidity, last_uid=uid, updated_at=now)
            )
        else:
            state.uidvalidity, state.last_uid, state.updated_at = uidvalidity, uid, now
