"""How the cashier is reached: the number's kind, the SMS text, the code read aloud."""

from __future__ import annotations

import pytest

from hotline.remote.cashier import (
    SMS_MAX_CHARS,
    grouped_code,
    number_kind,
    read_out_sentence,
    sms_text,
)

# GSM 03.38 basic character set: what one 160-character SMS segment can carry.
GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)


@pytest.mark.parametrize(
    ("number", "kind"),
    [
        ("+491711234567", "mobile"),
        ("+4915112345678", "mobile"),
        ("+49304412345", "landline"),
        ("+4989123456", "landline"),
        ("+498001234567", "other"),  # toll-free
        (None, "none"),
        ("", "none"),
        ("kaputt", "none"),
    ],
)
def test_number_kind(number: str | None, kind: str) -> None:
    assert number_kind(number) == kind


def test_code_in_groups_of_three() -> None:
    assert grouped_code("s12-345-678") == "s12 345 678"
    assert grouped_code("s1234567890") == "s12 345 678 90"


def test_read_out_sentence_names_the_page_and_the_grouped_code() -> None:
    sentence = read_out_sentence("s12-345-678", "https://get.teamviewer.com/s12345678")
    assert sentence == (
        "Bitte öffnen Sie an der Kasse im Browser die Seite get.teamviewer.com "
        "und geben Sie den Code s12 345 678 ein."
    )


@pytest.mark.parametrize("path_length", [9, 40, 80, 120, 150, 200])
def test_sms_is_one_gsm7_segment_and_keeps_the_link_whole(path_length: int) -> None:
    link = "https://get.teamviewer.com/" + "s" * path_length
    text = sms_text(100123, "s12-345-678", link)
    assert len(text) <= SMS_MAX_CHARS
    assert set(text) <= GSM7, set(text) - GSM7
    if len("Fernwartung: ") + len(link) <= SMS_MAX_CHARS:
        assert link in text
    else:  # no link fits: the code, which the cashier can type in
        assert "s12 345 678" in text and "https://" not in text


def test_sms_with_a_usual_link_names_ticket_link_and_code() -> None:
    text = sms_text(100123, "s12-345-678", "https://get.teamviewer.com/s12345678")
    assert "Ticket 100123" in text
    assert "https://get.teamviewer.com/s12345678" in text
    assert "s12 345 678" in text
