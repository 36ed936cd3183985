"""Phone numbers: normalising, withheld caller IDs, CSV lists, display and speech."""

from __future__ import annotations

import pytest

from hotline.directory.phones import (
    InvalidPhone,
    caller_number,
    digits_for_speech,
    format_national,
    is_withheld,
    normalize,
    parse_phone_list,
)

BERLIN_NUMBER = "+49304412345"


@pytest.mark.parametrize(
    "raw",
    [
        "030/4412345",
        "030 / 441 23 45",
        "030 4412345",
        "030-4412345",
        "030.441.23.45",
        "(030) 4412345",
        "(030) 44 12 34-5",
        "+49 30 4412345",
        "+49304412345",
        "+49 (0)30 4412345",
        "+49(0)304412345",
        "+49 (0) 30 / 441 23 45",
        "+49 030 4412345",
        "0049 30 4412345",
        "0049 (0)30 4412345",
        "tel:+49304412345",
        "tel:+49-30-4412345",
        "TEL:+49 30 4412345",
        "  030 4412345  ",
        "＋４９ ３０ ４４１２３４５",  # full-width, as pasted from some office software
    ],
)
def test_berlin_number_in_any_usual_format(raw: str) -> None:
    assert normalize(raw) == BERLIN_NUMBER


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0171-1234567", "+491711234567"),
        ("0171/123 45 67", "+491711234567"),
        ("+49 (0)171 1234567", "+491711234567"),
        ("0049(0)171 1234567", "+491711234567"),
        ("089 12345678", "+498912345678"),
        ("0800 1234567", "+498001234567"),
        ("030 4412345-12", "+4930441234512"),  # a German extension is part of the number
        ("+43 1 234567", "+431234567"),
        ("+43 (0)1 234567", "+431234567"),
        ("0043 1 234567", "+431234567"),
        ("+41 44 668 18 00", "+41446681800"),
        ("+44 (0)20 7946 0958", "+442079460958"),
        ("+1 212 555 0100", "+12125550100"),
    ],
)
def test_other_numbers(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_region_for_national_numbers() -> None:
    assert normalize("01 234567", region="AT") == "+431234567"
    assert normalize("(212) 555-0100", region="US") == "+12125550100"
    assert normalize("+49 30 4412345", region="AT") == BERLIN_NUMBER


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "   ",
        "12",
        "abc",
        "+49 30",
        "+49",
        "030/12",
        "0",
        "00",
        "+",
        "tel:",
        "+49 30 4412345 6789 0123 4567",
        "4412345",  # no area code: would be read as Oldenburg 0441 2345
        "49304412345",  # a country code without "+" is a guess, not a number
        "030 4412345 ext. 12",  # E.164 cannot keep the extension
        "client:alice",
        "sip:alice@example.com",
        "anonymous",
        "+266696687",
        "9" * 300,
    ],
)
def test_invalid_numbers(raw: str | None) -> None:
    assert normalize(raw) is None


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "  ",
        "anonymous",
        "Anonymous",
        "ANONYMOUS",
        "Restricted",
        "restricted",
        "unknown",
        "Unknown",
        "Unavailable",
        "private",
        "Private",
        "+266696687",
        "266696687",
        "+7378742833",
        "+2562533",
        "+8656696",
        "tel:+266696687",
        " anonymous ",
    ],
)
def test_withheld_caller_ids(raw: str | None) -> None:
    assert is_withheld(raw)
    assert caller_number(raw) is None


@pytest.mark.parametrize("raw", [BERLIN_NUMBER, "+491711234567", "+431234567", "12", "abc"])
def test_real_or_invalid_numbers_are_not_withheld(raw: str) -> None:
    assert not is_withheld(raw)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (BERLIN_NUMBER, BERLIN_NUMBER),
        ("+491711234567", "+491711234567"),
        ("+431234567", "+431234567"),
        ("+4912", None),
        ("client:alice", None),
        ("anonymous", None),
    ],
)
def test_caller_number(raw: str, expected: str | None) -> None:
    assert caller_number(raw) == expected


# --- CSV cells ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("030/4412345", [BERLIN_NUMBER]),
        ("030/4412345;0171-1234567", [BERLIN_NUMBER, "+491711234567"]),
        (" 030/4412345 ; 0171-1234567 ", [BERLIN_NUMBER, "+491711234567"]),
        ("0171-1234567;030/4412345", ["+491711234567", BERLIN_NUMBER]),
        ("030/4412345;;", [BERLIN_NUMBER]),
        (";030/4412345; ;", [BERLIN_NUMBER]),
        ("030/4412345;+49 (0)30 4412345;0049304412345", [BERLIN_NUMBER]),
        ("0171-1234567;030/4412345;0171 1234567", ["+491711234567", BERLIN_NUMBER]),
        ("", []),
        (" ; ", []),
    ],
)
def test_parse_phone_list(raw: str, expected: list[str]) -> None:
    assert parse_phone_list(raw) == expected


@pytest.mark.parametrize(
    ("raw", "bad"),
    [
        ("030/12", "030/12"),
        ("030/4412345;030/12", "030/12"),
        ("030/4412345; abc ;0171-1234567", "abc"),
        ("030/4412345, 0171-1234567", "030/4412345, 0171-1234567"),  # "," is no separator
        ("anonymous", "anonymous"),
    ],
)
def test_parse_phone_list_names_the_bad_part(raw: str, bad: str) -> None:
    with pytest.raises(InvalidPhone) as caught:
        parse_phone_list(raw)
    assert caught.value.value == bad
    assert str(caught.value) == f"»{bad}« ist keine gültige Telefonnummer"


def test_invalid_phone_is_a_value_error() -> None:
    assert issubclass(InvalidPhone, ValueError)
    assert str(InvalidPhone("030/12")) == "»030/12« ist keine gültige Telefonnummer"


# --- display and speech ----------------------------------------------------


@pytest.mark.parametrize(
    ("e164", "shown"),
    [
        (BERLIN_NUMBER, "030 4412345"),
        ("+491711234567", "0171 1234567"),
        ("+498912345678", "089 12345678"),
        ("+431234567", "+43 1 234567"),
        ("+12125550100", "+1 212-555-0100"),
        ("not a number", "not a number"),
        ("", ""),
    ],
)
def test_format_national(e164: str, shown: str) -> None:
    assert format_national(e164) == shown


@pytest.mark.parametrize(
    ("number", "digits"),
    [
        (BERLIN_NUMBER, "0304412345"),
        ("+491711234567", "01711234567"),
        ("030 4412345", "0304412345"),  # as typed on the keypad
        ("00493044123 45", "0304412345"),
        ("+431234567", "00431234567"),  # dialled from Germany
        ("12345", "12345"),  # not a number: read back what was typed
        ("", ""),
    ],
)
def test_digits_for_speech(number: str, digits: str) -> None:
    assert digits_for_speech(number) == list(digits)
