"""Phone numbers: normalising to E.164, Twilio's withheld caller IDs, display and speech."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumber, PhoneNumberFormat

# What Twilio puts in `From` when the caller ID is withheld, blocked or unknown:
# words from the carrier, and placeholder numbers that look like real ones
# (266696687 spells ANONYMOUS, 7378742833 RESTRICTED, 2562533 BLOCKED, 8656696 UNKNOWN).
_WITHHELD_WORDS = frozenset(
    {"anonymous", "restricted", "unknown", "unavailable", "private", "blocked", "withheld"}
)
_WITHHELD_DIGITS = frozenset({"266696687", "7378742833", "2562533", "8656696"})

_HOME_REGION = "DE"


class InvalidPhone(ValueError):
    """A text that is not a valid phone number; `value` is the offending text."""

    def __init__(self, value: str) -> None:
        self.value = value
        super().__init__(f"»{value}« ist keine gültige Telefonnummer")


def _strip_scheme(raw: str) -> str:
    text = raw.strip()
    if text[:4].lower() == "tel:":
        text = text[4:].strip()
    return text


def _has_no_prefix(text: str, region: str) -> bool:
    """Whether `text` starts with neither "+" nor the region's trunk prefix (0 in Germany)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region.upper())
    trunk = metadata.national_prefix if metadata is not None else None
    if trunk != "0":
        return False
    for char in text:
        if char in "+＋":
            return False
        if char.isdigit():
            return unicodedata.digit(char, -1) != 0
    return False


def _parse(raw: str | None, region: str) -> PhoneNumber | None:
    if raw is None:
        return None
    text = _strip_scheme(raw)
    if not text:
        return None
    # Without "+" or a leading 0, a German number is a local number without its
    # area code (4412345 would become Oldenburg 0441 2345) or a country code without
    # "+": both guesses would call a stranger back.
    if _has_no_prefix(text, region):
        return None
    try:
        number = phonenumbers.parse(text, region.upper())
    except NumberParseException:
        return None
    # E.164 has no room for an extension; dropping it would reach the wrong desk.
    if number.extension or not phonenumbers.is_valid_number(number):
        return None
    return number


# Pure, and parsing is a noticeable part of a webhook: the same registers call again and again.
@lru_cache(maxsize=8192)
def normalize(raw: str | None, region: str = _HOME_REGION) -> str | None:
    """The number in E.164 (+49304412345), or None when `raw` is not a valid phone number."""
    number = _parse(raw, region)
    if number is None:
        return None
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def is_withheld(raw: str | None) -> bool:
    """Whether a Twilio `From` value means the caller ID is withheld or unknown."""
    if raw is None:
        return True
    text = _strip_scheme(raw)
    if not text:
        return True
    if text.casefold() in _WITHHELD_WORDS:
        return True
    if text.lstrip("+").isdecimal():
        return text.lstrip("+") in _WITHHELD_DIGITS
    return False


def caller_number(raw: str | None) -> str | None:
    """The caller's number in E.164 as the IVR uses it; None when withheld or invalid."""
    if is_withheld(raw):
        return None
    return normalize(raw)


def parse_phone_list(raw: str, region: str = _HOME_REGION) -> list[str]:
    """E.164 numbers from a CSV cell of numbers separated by ";" (empty parts ignored).

    Duplicates are dropped, keeping the first; raises InvalidPhone for the first bad part.
    """
    numbers: list[str] = []
    for part in raw.split(";"):
        part = part.strip()
        if not part:
            continue
        number = normalize(part, region)
        if number is None:
            raise InvalidPhone(part)
        if number not in numbers:
            numbers.append(number)
    return numbers


def format_national(e164: str) -> str:
    """A number for display: German ones as dialled in Germany (030 4412345), others +43 1 234567.

    Text that is not a valid number comes back unchanged, so a display never fails.
    """
    number = _parse(e164, _HOME_REGION)
    if number is None:
        return e164
    if phonenumbers.region_code_for_number(number) == _HOME_REGION:
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)


def digits_for_speech(e164_or_digits: str) -> list[str]:
    """The digits as a caller in Germany would dial them, one per item, for reading back.

    "+49304412345" gives 0 3 0 4 4 1 2 3 4 5; a foreign number starts with 00. Text
    that is not a valid number gives just the digits it contains, as the caller typed them.
    """
    number = _parse(e164_or_digits, _HOME_REGION)
    if number is None:
        dialled = e164_or_digits
    else:
        dialled = phonenumbers.format_out_of_country_calling_number(number, _HOME_REGION)
    return [str(unicodedata.digit(char)) for char in dialled if char.isdecimal()]
