"""In a real browser (Debian's chromium): an agent answers an e-mail ticket and the answer
arrives at the SMTP server; a supervisor confirms a cancellation received by mail and the
confirmation with the end date arrives."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from email_support.ingest import ingest
from hotline.runtime import Runtime
from tests.email import corpus
from tests.email.conftest import FLAT, SmtpInbox
from tests.email.conftest import _smtp as _smtp  # noqa: F401 - fixture
from tests.email.conftest import customers as customers  # noqa: F401 - fixture
from tests.email.conftest import settings_overrides as settings_overrides  # noqa: F401
from tests.email.conftest import smtp as smtp  # noqa: F401 - fixture
from tests.ui.conftest import AGENT_EMAIL, SUPERVISOR_EMAIL, sign_in_page


def test_agent_answers_an_email_ticket_in_the_browser(
    page: Any,
    rt: Runtime,
    session: Session,
    agents: dict[str, int],
    customers: dict[str, int],
    smtp: SmtpInbox,
) -> None:
    result = ingest(
        rt, corpus.plain(FLAT, "Bondrucker streikt", "Kein Bon mehr.", message_id="<b1@x>")
    )
    sign_in_page(page, AGENT_EMAIL)
    page.goto("/tickets?channel=email")
    page.click(f"text={result.ticket_number}")
    page.wait_for_url(f"**/tickets/{result.ticket_number}")
    assert "Kein Bon mehr." in page.inner_text("ol.conversation")
    page.fill("form.reply textarea[name=body]", "Bitte Papierrolle wechseln.")
    page.click("form.reply button[type=submit]")
    page.wait_for_selector(f"text=Antwort an {FLAT} gesendet.")
    answer = smtp.messages[-1]
    assert answer["To"] == FLAT and answer["In-Reply-To"] == "<b1@x>"
    assert answer["References"] == "<b1@x>" and answer["Auto-Submitted"] is None
    assert f"[Ticket#{result.ticket_number:06d}]" in answer["Subject"]
    assert answer.get_content().startswith("Bitte Papierrolle wechseln.")
    assert "Bitte Papierrolle wechseln." in page.inner_text("ol.conversation")


def test_supervisor_confirms_a_cancellation_by_mail_in_the_browser(
    page: Any,
    rt: Runtime,
    session: Session,
    agents: dict[str, int],
    customers: dict[str, int],
    smtp: SmtpInbox,
) -> None:
    ingest(rt, corpus.plain(FLAT, "Kündigung Supportvertrag", "Wir kündigen.", message_id="<k@x>"))
    sign_in_page(page, SUPERVISOR_EMAIL)
    page.goto("/contracts/V-1001")
    page.click("text=Kündigung bestätigen")
    page.wait_for_selector("text=Kündigung bestätigt: der Vertrag V-1001 endet am 28.02.2027.")
    confirmation = smtp.messages[-1]
    assert confirmation["To"] == FLAT
    assert "Der Vertrag endet am 28.02.2027." in confirmation.get_content()
    assert "Kündigung bestätigen" not in page.content()
