"""Fixtures of the e-mail tests: a real SMTP server (aiosmtpd) that receives what the
hotline sends, customers with registered addresses, and `ingest` of corpus messages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session

from email_support.ingest import Ingested, ingest
from hotline.runtime import Runtime
from tests.callbacks.conftest import free_port
from tests.factories import make_contract

SUPPORT = "support@kassen-hotline.example"
FLAT = "kasse1001@example.de"  # customer 1001, Support Flat
FLAT_ADMIN = "chef@baeckerei-krause.de"  # admin on customer 1001's flat contract
SECOND = "kasse2002@example.de"  # customer 2002, Second Level: its own address is no admin
SECOND_ADMIN = "admin@meyer-markt.de"
ENDED = "kasse3003@example.de"  # customer 3003, contract terminated


class SmtpInbox:
    """aiosmtpd handler keeping what arrives, parsed with the modern policy."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.refuse:
            return "451 4.3.0 try again later"
        self.messages.append(
            message_from_bytes(envelope.original_content, policy=policy.default)  # type: ignore[arg-type]
        )
        return "250 OK"


@pytest.fixture(scope="session")
def _smtp() -> Iterator[tuple[SmtpInbox, int]]:
    inbox = SmtpInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def smtp(_smtp: tuple[SmtpInbox, int]) -> SmtpInbox:
    """The SMTP server's inbox, emptied, accepting."""
    _smtp[0].messages.clear()
    _smtp[0].refuse = False
    return _smtp[0]


@pytest.fixture
def settings_overrides(_smtp: tuple[SmtpInbox, int]) -> dict[str, object]:
    return {
        "HOTLINE_SMTP_HOST": "127.0.0.1",
        "HOTLINE_SMTP_PORT": str(_smtp[1]),
        "HOTLINE_MAIL_ADDRESS": SUPPORT,
    }


@pytest.fixture
def customers(session: Session) -> dict[str, int]:
    """Contract ids: flat (1001, with an admin address), second (2002), ended (3003)."""
    flat = make_contract(
        session,
        customer_number="1001",
        contract_number="V-1001",
        name="Bäckerei Krause",
        admins=[("Klaus Krause", [], None)],
    )
    flat.contacts[0].email = "Chef@Baeckerei-Krause.de"
    second = make_contract(
        session,
        customer_number="2002",
        contract_number="V-2002",
        name="Meyer Markt",
        plan="second_level",
        admins=[("Petra Meyer", [], "4711")],
    )
    second.contacts[0].email = SECOND_ADMIN
    ended = make_contract(
        session,
        customer_number="3003",
        contract_number="V-3003",
        name="Kiosk Ende",
        termination_effective=date(2026, 1, 31),
        termination_reason="Missbrauch",
    )
    session.commit()
    return {"flat": flat.id, "second": second.id, "ended": ended.id}


@pytest.fixture
def feed(rt: Runtime, smtp: SmtpInbox) -> Any:
    """ingest(raw) -> Ingested, sending automatic answers to the SMTP server at once."""

    def _feed(raw: bytes) -> Ingested:
        return ingest(rt, raw)

    return _feed


# The agents and signed-in clients of the UI tests, for the e-mail pages. (The browser
# test lives in tests/ui: one Playwright per test session.)
from tests.ui.conftest import agent_client as agent_client  # noqa: E402, F401
from tests.ui.conftest import agents as agents  # noqa: E402, F401
from tests.ui.conftest import supervisor_client as supervisor_client  # noqa: E402, F401
