"""The German words the agents' pages use for stored codes and English texts."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from hotline.web.labels_de import (
    call_outcome_label,
    callback_error_label,
    contract_event_label,
    day_and_time,
)

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("kind", "detail", "shown"),
    [
        ("imported", "created by import", "Vertrag angelegt (Import)"),
        (
            "renewed",
            "term 2: 2026-03-01 to 2027-02-28",
            "verlängert: 2. Vertragsjahr vom 01.03.2026 bis 28.02.2027",
        ),
        ("ended", "ended 2026-02-28", "Vertrag beendet zum 28.02.2026"),
        (
            "cancelled",
            "received 2026-11-30 from the customer; ends 2027-02-28",
            "Kündigung eingegangen am 30.11.2026 (Kunde), Vertragsende 28.02.2027",
        ),
        (
            "terminated",
            "from 2026-12-15: Beleidigungen",
            "außerordentlich beendet ab 15.12.2026: Beleidigungen",
        ),
        (
            "import_update",
            "changed by import: plan flat → second_level, start 2025-03-01 → 2025-04-01, admin",
            "durch Import geändert: Tarif flat → second_level, "
            "Beginn 01.03.2025 → 01.04.2025, Admin",
        ),
        ("setting", "cashier_dial_admin off", "Durchstellen der Kassierer zum Admin ausgeschaltet"),
        ("mail", "Kündigung per E-Mail", "mail: Kündigung per E-Mail"),
    ],
)
def test_contract_history_in_german(kind: str, detail: str, shown: str) -> None:
    assert contract_event_label(kind, detail) == shown


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        ("no answer", "nicht erreicht"),
        ("customer: busy", "Kunde: besetzt"),
        ("agent did not answer (no-answer)", "Ihr Telefon hat nicht abgenommen (nicht abgenommen)"),
        ("Twilio is unreachable: ConnectionError", "Twilio ist nicht erreichbar"),
        (
            "The 'To' number is not a valid phone number.",
            "Twilio meldet: The 'To' number is not a valid phone number.",
        ),
        (None, ""),
    ],
)
def test_why_a_callback_attempt_failed(error: str | None, shown: str) -> None:
    assert callback_error_label(error) == shown


def test_call_results() -> None:
    assert call_outcome_label("callback") == "Rückruf angefordert"
    assert call_outcome_label(None) == "–"
    assert call_outcome_label("something_new") == "something_new"


def test_day_and_time_names_the_day() -> None:
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday, 10:00 in Berlin
    assert (
        day_and_time(datetime(2026, 11, 30, 13, 30, tzinfo=UTC), now, BERLIN) == "heute 14:30 Uhr"
    )
    assert day_and_time(datetime(2026, 12, 1, 8, 0, tzinfo=UTC), now, BERLIN) == "morgen 09:00 Uhr"
    assert (
        day_and_time(datetime(2026, 12, 7, 8, 0, tzinfo=UTC), now, BERLIN)
        == "Mo., 07.12. 09:00 Uhr"
    )
