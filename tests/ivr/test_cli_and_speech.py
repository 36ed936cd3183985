"""`hotline call` as a user runs it, and the German words for times and digits."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from ivr_flows.prompts import Prompts
from ivr_flows.speech import spoken_digits, spoken_list, spoken_when
from tests.conftest import berlin

BERLIN = ZoneInfo("Europe/Berlin")


def test_hotline_call_reads_as_a_german_phone_call(runner, customers, agents) -> None:
    customers(stations={"1": ["+49304412345"]})
    result = runner.invoke(args=["call", "--from", "030 4412345", "--digits", "1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Kassen-Hotline, guten Tag, Bäckerei Müller.")
    assert "  [Tasten: 1]" in lines
    assert "  [Es klingelt bei: +4915111111111, client:ben]" in lines
    assert lines[-1] == "  [aufgelegt]"


def test_hotline_call_at_a_closed_time_with_interactive_keys(runner, customers, clock) -> None:
    customers(stations={"1": ["+49304412345"]})
    before = clock.now()
    result = runner.invoke(
        args=["call", "--from", "+49304412345", "--at", "2026-12-25T10:00"],
        input="2\n1\n\n",
    )
    assert result.exit_code == 0, result.output
    assert "am Montag, den 28. Dezember, ab 9 Uhr" in result.output
    assert clock.now() == before  # --at pins the clock for that call only


def test_hotline_call_dial_result_option(runner, customers, agents) -> None:
    customers(stations={"1": ["+49304412345"]})
    result = runner.invoke(
        args=["call", "--from", "+49304412345", "--digits", "1,1,", "--dial-result", "busy"]
    )
    assert result.exit_code == 0, result.output
    assert "Leider ist gerade niemand frei." in result.output
    assert "Wir rufen Sie in Kürze zurück." in result.output


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        (berlin(2026, 11, 30, 14, 30), "heute ab 14 Uhr 30"),
        (berlin(2026, 12, 1, 9, 0), "morgen, am Dienstag, den 1. Dezember, ab 9 Uhr"),
        (berlin(2026, 12, 7, 9, 0), "am Montag, den 7. Dezember, ab 9 Uhr"),
    ],
)
def test_spoken_when(at: datetime, expected: str) -> None:
    now = berlin(2026, 11, 30, 8, 0)
    assert spoken_when(Prompts("de"), at, now, BERLIN) == expected


def test_spoken_digits_and_names() -> None:
    assert spoken_digits("100042") == "1 0 0 0 4 2"
    assert (
        spoken_list(Prompts("de"), ["Frau Maier", "Herr Schulz"]) == "Frau Maier oder Herr Schulz"
    )


def test_english_prompts_have_the_same_keys() -> None:
    from ivr_flows.prompts import _table

    assert set(_table("de")) == set(_table("en"))


def test_a_callback_from_the_ivr_shows_in_callbacks_list(runner, customers, clock) -> None:
    import json

    customers(stations={"1": ["+49304412345"]})
    clock.set(berlin(2026, 11, 30, 19, 0))
    result = runner.invoke(args=["call", "--from", "+49304412345", "--digits", "1,1,"])
    assert result.exit_code == 0, result.output
    listed = runner.invoke(args=["callbacks", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    document = json.loads(listed.output)
    items = document if isinstance(document, list) else document["callbacks"]
    (item,) = items
    assert item["phone"] == "+49304412345"
    assert (item["category"], item["priority"], item["status"]) == ("outage", 0, "queued")
    assert item["due_at"] == "2026-12-01T09:00:00+01:00"
    assert item["customer_number"] == "1001" and item["station_number"] == "1"
