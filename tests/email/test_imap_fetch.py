"""`hotline mail fetch` against a real IMAP server (a private dovecot on 127.0.0.1):
messages appended over IMAP are stored once, flagged seen only after they are stored,
and neither a restart in the middle nor a new UIDVALIDITY loses or repeats one."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskCliRunner
from imap_tools import AND, MailBoxUnencrypted
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from email_support import imap_fetch
from email_support.imap_fetch import fetch_once
from hotline.models import ImapFolderState, Mail, Ticket
from hotline.runtime import Runtime
from tests.email import corpus, dovecot
from tests.email.conftest import FLAT, FLAT_ADMIN, SmtpInbox


@pytest.fixture(scope="session")
def imap_server() -> Iterator[dovecot.Dovecot]:
    if not dovecot.available():
        pytest.skip("IMAP tests need Debian's dovecot-imapd (make test installs it as root)")
    with dovecot.dovecot() as server:
        yield server


@pytest.fixture
def mailbox(imap_server: dovecot.Dovecot) -> Iterator[Any]:
    """The test user's INBOX, emptied."""
    with MailBoxUnencrypted(imap_server.host, imap_server.port).login(
        imap_server.user, imap_server.password
    ) as box:
        box.delete(box.uids("ALL"))
        yield box


@pytest.fixture
def settings_overrides(
    _smtp: tuple[SmtpInbox, int], imap_server: dovecot.Dovecot
) -> dict[str, object]:
    return {
        "HOTLINE_SMTP_HOST": "127.0.0.1",
        "HOTLINE_SMTP_PORT": str(_smtp[1]),
        "HOTLINE_MAIL_ADDRESS": corpus.SUPPORT,
        "HOTLINE_IMAP_HOST": imap_server.host,
        "HOTLINE_IMAP_PORT": str(imap_server.port),
        "HOTLINE_IMAP_USERNAME": imap_server.user,
        "HOTLINE_IMAP_PASSWORD": imap_server.password,
        "HOTLINE_IMAP_TLS": "no",
    }


def _append(box: Any, count: int) -> None:
    for n in range(count):
        raw = corpus.plain(FLAT, f"Anfrage {n}", f"Text {n}", message_id=f"<imap{n}@x>")
        box.append(raw.replace(b"\n", b"\r\n"), "INBOX")


def test_fetch_stores_new_messages_once_and_flags_them_seen(
    runner: FlaskCliRunner,
    mailbox: Any,
    session: Session,
    customers: dict[str, int],
    smtp: SmtpInbox,
) -> None:
    _append(mailbox, 3)
    first = runner.invoke(args=["mail", "fetch", "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.output) == {"fetched": 3, "stored": 3, "duplicates": 0, "unreadable": 0}
    assert len(session.scalars(select(Ticket)).all()) == 3 and len(smtp.messages) == 3
    mailbox.client.noop()  # this session learns of the other session's flags
    assert mailbox.uids(AND(seen=False)) == []
    again = runner.invoke(args=["mail", "fetch", "--json"])
    assert json.loads(again.output)["fetched"] == 0
    mailbox.append(
        corpus.plain(FLAT_ADMIN, "Noch eine", "x", message_id="<late@x>").replace(b"\n", b"\r\n"),
        "INBOX",
    )
    assert json.loads(runner.invoke(args=["mail", "fetch", "--json"]).output)["stored"] == 1


def test_a_poll_that_dies_after_storing_neither_loses_nor_repeats(
    rt: Runtime,
    mailbox: Any,
    session: Session,
    customers: dict[str, int],
    smtp: SmtpInbox,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _append(mailbox, 4)
    assert fetch_once(rt, limit=1).stored == 1  # a restart after the first message

    real_remember = imap_fetch._remember
    calls = {"n": 0}

    def dies_after_the_second(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise ConnectionError("killed between storing and remembering the UID")
        real_remember(*args)

    monkeypatch.setattr(imap_fetch, "_remember", dies_after_the_second)
    with pytest.raises(ConnectionError):
        fetch_once(rt)
    monkeypatch.setattr(imap_fetch, "_remember", real_remember)
    result = fetch_once(rt)
    assert (result.fetched, result.duplicates, result.stored) == (2, 1, 1)
    subjects = sorted(session.scalars(select(Mail.subject).where(Mail.direction == "in")))
    assert subjects == ["Anfrage 0", "Anfrage 1", "Anfrage 2", "Anfrage 3"]
    assert len(smtp.messages) == 4  # one acknowledgement each, none twice


def test_a_new_uidvalidity_reads_the_folder_again_without_duplicates(
    rt: Runtime, mailbox: Any, session: Session, customers: dict[str, int], smtp: SmtpInbox
) -> None:
    _append(mailbox, 2)
    assert fetch_once(rt).stored == 2
    session.execute(update(ImapFolderState).values(uidvalidity=1))
    session.commit()
    result = fetch_once(rt)
    assert (result.fetched, result.duplicates, result.stored) == (2, 2, 0)
    assert len(session.scalars(select(Mail).where(Mail.direction == "in")).all()) == 2


def test_fetch_without_configuration_or_server_says_what_is_wrong(
    runner: FlaskCliRunner,
    rt: Runtime,
    imap_server: dovecot.Dovecot,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dataclasses import replace

    unreachable = replace(rt.settings.mail, imap_port=1)
    monkeypatch.setattr(rt, "settings", replace(rt.settings, mail=unreachable))
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 1 and "IMAP server unreachable" in result.output
    monkeypatch.setattr(
        rt, "settings", replace(rt.settings, mail=replace(unreachable, imap_host=None))
    )
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 1 and "HOTLINE_IMAP_HOST" in result.output
